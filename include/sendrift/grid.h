/* sendrift: the distributed lattice.
 *
 * A 2-D or 3-D grid of n[0] x n[1] (x n[2]) cells of spacing dx, split into
 * blocks over the ranks of a worker-group communicator (a Cartesian
 * communicator made with MPI_Dims_create / MPI_Cart_create).  Any number of
 * ranks and any grid size are allowed as long as every rank gets at least one
 * cell along every axis: blocks differ by at most one cell per axis.
 *
 * Every per-site array uses the local layout of sd_box (box.h): the rank's
 * interior cells with one ghost layer, x fastest.  This header adds what
 * needs MPI: the communicator, the neighbours and the exact reductions.
 *
 * Reductions here are exact, so outputs do not depend on the number of ranks:
 * maxima and integer sums are exact by nature; sums of doubles go through
 * sd_xsum, a wide fixed-point accumulator that adds doubles without rounding,
 * so any order and any split give the same bits (the result is the exact sum,
 * rounded once to the nearest double).
 *
 * All functions return an sd_err code (error.h) and never abort.  The
 * functions taking an sd_grid and marked "collective" must be called by every
 * rank of the grid's communicator in the same order.
 */
#ifndef SENDRIFT_GRID_H
#define SENDRIFT_GRID_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "sendrift/box.h"

typedef struct sd_grid sd_grid;

/* Create a grid (collective over comm).  dim is 2 or 3; n[3] the cells per
 * axis (n[2] ignored in 2-D); dx > 0; periodic[3] per axis (NULL: zero flux
 * everywhere).  The process grid comes from MPI_Dims_create; when that would
 * give some rank no cell along an axis, the feasible factorisation with the
 * smallest halo is used instead.  comm is duplicated. */
int sd_grid_create(MPI_Comm comm, int dim, const int n[3], double dx,
                   const int periodic[3], sd_grid **g);

/* The same with a chosen process grid: pdims[a] ranks along axis a, whose
 * product must be the size of comm (pdims[2] = 1 in 2-D). */
int sd_grid_create_layout(MPI_Comm comm, int dim, const int n[3], double dx,
                          const int periodic[3], const int pdims[3], sd_grid **g);

/* Destroy (collective); *g is set to NULL; NULL is fine. */
int sd_grid_destroy(sd_grid **g);

const sd_box *sd_grid_box(const sd_grid *g);
/* The Cartesian communicator of the grid (owned by the grid). */
MPI_Comm sd_grid_comm(const sd_grid *g);
/* Process grid and this rank's coordinates in it (either may be NULL). */
void sd_grid_layout(const sd_grid *g, int pdims[3], int coords[3]);

/* A zeroed ghosted local array of box.size doubles (free() it). */
int sd_grid_alloc(const sd_grid *g, const char *what, double **u);

/* ---- Reductions (collective; results on every rank) -------------------- */

/* v[0..n-1] := max over ranks (exact). */
int sd_grid_max(const sd_grid *g, double *v, int n);
/* v[0..n-1] := sum over ranks of int64 (exact; wraps only past 2^63). */
int sd_grid_sum_int64(const sd_grid *g, int64_t *v, int n);
/* Exact sum of the interior of a ghosted array over the whole grid: the
 * same bits for any number of ranks and any layout. */
int sd_grid_sum(const sd_grid *g, const double *u, double *sum);

/* The exact accumulator.  Limb k holds bits [32k, 32k+32) of the sum in
 * units of 2^-1074 (the smallest subnormal), so every finite double is an
 * integer in these units and adding it is exact integer arithmetic.  70
 * limbs cover the whole double range plus 2^63 additions of DBL_MAX. */
#define SD_XSUM_LIMBS 70
typedef struct {
    int64_t limb[SD_XSUM_LIMBS];
    int64_t nadd;        /* additions since the last carry propagation       */
    int64_t nonfinite;   /* NaN or infinity added: the value is NaN           */
} sd_xsum;

void sd_xsum_init(sd_xsum *s);
void sd_xsum_add(sd_xsum *s, double x);
/* The exact sum rounded to the nearest double (ties to even; overflow gives
 * +-infinity; a NaN or infinity added gives NaN).  s is left unchanged. */
double sd_xsum_value(const sd_xsum *s);
/* Sum n accumulators over the ranks of the grid, in place (exact). */
int sd_grid_xsum(const sd_grid *g, sd_xsum *s, int n);

/* Gather the interior of a ghosted local array into global[] (x fastest,
 * n[0] n[1] n[2] doubles) on rank root of the grid's communicator; global is
 * only used on root (collective). */
int sd_grid_gather(const sd_grid *g, const double *u, int root, double *global);

/* The same for elements of elem bytes (uint8_t site states: elem 1). */
int sd_grid_gather_elems(const sd_grid *g, const void *u, size_t elem, int root, void *global);

/* The rank of the grid's communicator (its rank 0 is the root of a gather). */
int sd_grid_rank(const sd_grid *g);

#endif
