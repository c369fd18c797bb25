/* sendrift: the implicit field solver of the lattice (the drift model's S and E).
 *
 * Each field u (the SASP load S, the EV load E) obeys
 *
 *     du/dt = D lap(u) - lambda (1 + a(x)) u + lambda q(x)
 *
 * with lambda = ln2 / t_half, D = lambda L^2, a(x) >= 0 a per-site extra
 * decay (EV uptake psi on normal cells) and q(x) a per-site source.  Space is
 * the cell-centred finite-volume grid of sd_grid: the 5-point (2-D) or 7-point
 * (3-D) Laplacian, zero-flux walls or periodic axes.
 *
 * sd_fields_step takes one backward-Euler step of length dt:
 *
 *     (1 + lambda dt (1 + a)) u - D dt lap(u) = u_old + lambda dt q
 *
 * sd_fields_steady solves the steady state  lambda (1 + a) u - D lap(u) = lambda q
 * (divided by lambda), which is where the model starts its fields.
 *
 * Both go through the same geometric multigrid: V-cycles with red-black
 * Gauss-Seidel smoothing, cell-centred coarsening that copes with odd sizes
 * (finite-volume coarse operators on the coarse cells' true geometry),
 * volume-weighted restriction, linear prolongation, coarse levels gathered
 * onto every rank once they are too small to split, and a direct LU solve on
 * the coarsest level.  The cost of a cycle is O(cells) and the number of
 * cycles does not grow with L/dx.  Everything is allocated at create.
 *
 * The result is bit-for-bit the same for any number of ranks and any layout:
 * every per-site operation uses the same operands in the same order whatever
 * the split, and the only reduction that steers the iteration is a max-norm.
 * See docs/fields.md.
 *
 * Arrays u, a, q are ghosted local arrays of the grid (sd_box layout); a and q
 * may be NULL (zero).  Only interior cells of a and q are read.  u is the
 * initial guess on entry (the old field for a step) and the solution on
 * return; its ghost layer is overwritten: on return it holds the neighbours'
 * values, and on zero-flux walls the adjacent interior value.
 */
#ifndef SENDRIFT_FIELDS_H
#define SENDRIFT_FIELDS_H

#include "sendrift/grid.h"

typedef struct sd_fields sd_fields;

typedef struct {
    /* Converged when ||b - A u||_max <= rtol ||b||_max (b: the right-hand
     * side), or below the round-off floor 16 eps ||A||_max ||u||_max. */
    double rtol;             /* default 1e-8                                 */
    int max_cycles;          /* default 50: more is an SD_ERR_MODEL error    */
    int pre_smooth;          /* red-black Gauss-Seidel sweeps: default 2     */
    int post_smooth;         /* default 2 (1 in 2-D: sd_fields_opts_default_dim) */
    int coarse_cells;        /* direct solve on the first level with at most
                                this many cells: default 64 (max 512)       */
    int agglomerate_cells;   /* gather a level onto every rank once it has at
                                most this many cells (always once some rank
                                would hold < 2 cells along a split axis):
                                default 0                                    */
    int overlap;             /* 1: overlap halo exchanges with interior work */
    double sweeps_rho;       /* solve with red-black sweeps on the fine grid
                                alone (no hierarchy) when Jacobi's bound
                                rho = 2 dim c / (alpha_min + 2 dim c) is at
                                most this (c = D dt / dx^2): default 0.75;
                                0: always V-cycles                           */
} sd_fields_opts;

typedef struct {
    int cycles;              /* outer iterations taken (a V-cycle, or a few
                                fine-grid sweeps, each)                     */
    double rhs_norm;         /* ||b||_max                                    */
    double res0_norm;        /* ||b - A u||_max of the initial guess         */
    double res_norm;         /* ||b - A u||_max on return                    */
    double tol;              /* absolute tolerance that was applied          */
    int sweeps;              /* red-black sweeps on the fine grid alone, when
                                the operator needs no hierarchy (sweeps_rho);
                                0 when the iterations were V-cycles          */
} sd_fields_stats;

void sd_fields_opts_default(sd_fields_opts *o);
/* The defaults for a grid of dimension dim: as sd_fields_opts_default, but
 * one post-smoothing sweep in 2-D (V(2,1)), where it converges in as many
 * cycles as V(2,2) for less work; what sd_fields_create uses when given no
 * options. */
void sd_fields_opts_default_dim(sd_fields_opts *o, int dim);

/* Build the multigrid hierarchy for grid g (collective).  opts NULL: the
 * defaults.  g must outlive the solver. */
int sd_fields_create(const sd_grid *g, const sd_fields_opts *opts, sd_fields **f);
int sd_fields_destroy(sd_fields **f);

/* One backward-Euler step of length dt (collective).  lambda > 0 (1/time),
 * D >= 0 (length^2/time, lengths in the grid's unit), dt > 0.  a >= 0. */
int sd_fields_step(sd_fields *f, double *u, const double *a, const double *q,
                   double lambda, double D, double dt, sd_fields_stats *st);

/* The steady state lambda (1 + a) u - D lap(u) = lambda q (collective). */
int sd_fields_steady(sd_fields *f, double *u, const double *a, const double *q,
                     double lambda, double D, sd_fields_stats *st);

/* lambda = ln2 / t_half and D = lambda L^2 from a range L and a half-life,
 * in the model's units: L in um, t_half in hours, lambda per day, D in
 * um^2 per day.  SD_ERR_INPUT unless L >= 0 and t_half > 0 are finite. */
int sd_fields_rates(double L_um, double t_half_h, double *lambda, double *D);

/* The hierarchy: number of levels, and per level its global size and
 * whether it is held whole by every rank (agglomerated). */
int sd_fields_nlevels(const sd_fields *f);
int sd_fields_level(const sd_fields *f, int level, int n[3], int *replicated);

/* Cycles taken over all solves since create (for benchmarks). */
long sd_fields_total_cycles(const sd_fields *f);

#endif
