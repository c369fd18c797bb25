/* sendrift: what the design's files share (private to src/plan):
 * design.c (axes, designs, queries) and sobol.c (the Sobol' sequence and
 * the count of degenerate Saltelli blocks). */
#ifndef SENDRIFT_DESIGNIMPL_H
#define SENDRIFT_DESIGNIMPL_H

#include <stdint.h>

#include "sendrift/design.h"

#define SD_SOBOL_BITS 32
#define SD_DESIGN_MEM_LIMIT ((uint64_t)4 << 30)   /* 4 GiB */

typedef struct {
    char *name;              /* for messages                                */
    sd_axis_kind kind;
    int is_int;              /* RANGE with an INT parameter                 */
    int log;
    double min, max;         /* RANGE (for INT: ceil(min), floor(max))      */
    double lmin, lmax;       /* RANGE log: log(min), log(max)               */
    uint64_t levels;         /* grid/list levels (RANGE: levels; else n)    */
    double *values;          /* VALUES (copy)                               */
    uint64_t n;              /* VALUES, CHOICES                             */
} sd_dax;

struct sd_design {
    sd_design_type type;
    size_t dim;
    sd_dax *ax;
    uint64_t points;
    uint64_t replicates;
    uint64_t seed;
    /* lhs, random, sobol */
    uint64_t samples;
    uint32_t *perm;          /* lhs: perm[d * N + i]                        */
    /* sobol */
    uint64_t skip;
    uint64_t block;          /* D + 2 or 2D + 2                             */
    int second_order;
    uint32_t *sv;            /* 2D x 32 direction integers                  */
    /* morris */
    uint32_t p;              /* levels                                      */
    uint32_t *order;         /* morris: order[t * D + d] = step of factor d */
};


/* The 32 direction integers V_0 .. V_31 of Sobol' dimension dim
 * (< sd_sobol_max_dim()), and coordinate `index` from them (sobol.c). */
void sd_sobol_directions(size_t dim, uint32_t v[SD_SOBOL_BITS]);
double sd_sobol_from_v(const uint32_t v[SD_SOBOL_BITS], uint64_t index);

#endif
