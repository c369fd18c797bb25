/* sendrift: the design, a pure function run id -> parameter vector.
 *
 * Runs are numbered point * replicates + replicate.  Every rank can compute
 * any run's parameters from its id, so only ids cross the controller/worker
 * boundary.  Sampling designs draw unit-cube coordinates u in [0,1]^D and map
 * them onto the axes: a range linearly or logarithmically, a list of values
 * or choices by level index floor(u * n).
 */
#ifndef SENDRIFT_DESIGN_H
#define SENDRIFT_DESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sendrift/config.h"

typedef struct sd_design sd_design;

int sd_design_create(const sd_sweep *s, sd_design **out);
void sd_design_destroy(sd_design **d);

uint64_t sd_design_points(const sd_design *d);
uint64_t sd_design_runs(const sd_design *d);   /* points * replicates       */
size_t sd_design_dim(const sd_design *d);      /* D = number of axes        */

/* Unit-cube coordinates of a point (for sampling designs; for grid and list
 * the level index of each axis divided by (its number of levels - 1)). */
int sd_design_unit(const sd_design *d, uint64_t point, double *u);

/* The parameter vector of a point: x[D], numbers in the axes' units, or the
 * choice index for a categorical axis. */
int sd_design_point(const sd_design *d, uint64_t point, double *x);

/* Split a run id. */
void sd_design_split(const sd_design *d, uint64_t run, uint64_t *point,
                     uint64_t *replicate);

/* Sobol/Saltelli: where a point sits in its block.  block = point /
 * block_size; role 0 = A, 1..D = AB_i, D+1..2D = BA_i (second order),
 * block_size - 1 = B.  Returns the block size, or 0 for other designs. */
uint64_t sd_design_saltelli_role(const sd_design *d, uint64_t point,
                                 uint64_t *block, uint64_t *role);

/* The unscrambled Sobol sequence (Joe & Kuo 2008 direction numbers, as in
 * SALib and scipy): coordinate dim (0-based) of point index i.  Fails for
 * dim >= sd_sobol_max_dim(). */
int sd_sobol_point(uint64_t index, size_t dim, double *out);
size_t sd_sobol_max_dim(void);

#endif
