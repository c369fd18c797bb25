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

/* Bytes sd_design_create allocates for the design's tables on every rank
 * (the lhs permutations; 0 for the other designs), computed from the sweep
 * alone, so that a design too large to hold is refused before it is made. */
double sd_design_table_bytes(const sd_sweep *s);
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

/* Where a point sits in the design's structure, for the analysis: block =
 * point / block_size, role = point % block_size.
 *   sobol   block = base point; role 0 = A, 1..D = AB_i, D+1..2D = BA_i
 *           (second order), block_size - 1 = B; block_size D + 2 or 2D + 2.
 *   morris  block = trajectory; role = step 0..D; block_size D + 1.
 * Returns the block size, or 0 for designs without such structure (grid,
 * list, lhs, random; block and role are then left alone). */
uint64_t sd_design_role(const sd_design *d, uint64_t point,
                       uint64_t *block, uint64_t *role);

/* Sobol/Saltelli: whether the design has identical points, exactly and
 * cheaply (O(32^2 D) word operations, independent of N; it allocates
 * 260 D bytes).  *count = the number of base points j (0 <= j < N) whose A
 * row equals its B row in the unit cube; such a block is degenerate: all
 * its block-size points are the same point, f(A) = f(B) and the block adds
 * nothing to the index estimators but a zero.  *first = the smallest such
 * j, UINT64_MAX when there is none.  With skip 0 (or 1) base points 0 and 1
 * (0 only) always are (Sobol' points 0 and 1 are all 0 and all 1/2); for
 * D >= 2 those are the only ones in the whole sequence (checked with this
 * function over all 2^32 indices for D = 2..300 and every 31st D up to
 * 10600), so any skip >= 2, the default included, has none.  D = 1 still
 * has some: the first two Sobol' dimensions agree at about sqrt(N) of N
 * indices (65536 of the 2^32).
 * For other designs *count = 0, *first = UINT64_MAX (not checked: grid and
 * list points are distinct, lhs and random ones almost surely; points that
 * only coincide after the map onto INT, values or choices axes are not
 * counted for any design).  Either pointer may be NULL.  Returns SD_OK, or
 * SD_ERR_NOMEM / SD_ERR_INTERNAL (d NULL) with a message. */
int sd_design_duplicates(const sd_design *d, uint64_t *count, uint64_t *first);

/* The default design.skip of a sobol sweep with N = samples base points:
 * SALib's saltelli.sample default, the smallest power of two >= N and at
 * least 16 (for N = 2^k, max(N, 16)).  It steps over Sobol' points 0 and 1,
 * whose A and B halves are equal, and keeps the N points used a whole
 * aligned 2^k block of the sequence.  The sweep parser applies it when the
 * file gives no "skip"; an explicit skip (0 included) is used as given. */
uint64_t sd_sobol_default_skip(uint64_t samples);

/* The unscrambled Sobol sequence (Joe & Kuo 2008 direction numbers, as in
 * SALib and scipy): coordinate dim (0-based) of point index i.  Fails for
 * dim >= sd_sobol_max_dim(). */
int sd_sobol_point(uint64_t index, size_t dim, double *out);
size_t sd_sobol_max_dim(void);

#endif
