/* sendrift: multigrid kernels (private).  Pure computation on one rank's
 * block: no MPI here (communication is in halo.c, grid.c and mgcomm.c), and
 * the build makes sure of it: mgkernels.c and mggeom.c are compiled without
 * MPI on their include path (see the root CMakeLists.txt).
 *
 * Operator of a level, per unit volume, for interior cell p = (i, j, k):
 *
 *   (A x)_p = diag_p x_p - [cm_x(i) x_W + cp_x(i) x_E + cm_y(j) x_S + cp_y(j) x_N
 *                           (+ cm_z(k) x_D + cp_z(k) x_U)]
 *
 * with face coefficients that depend on one axis index only (they come from
 * the cells' widths along that axis) and are zero on walls, and diag_p =
 * alpha_p + the sum of the cell's face coefficients.  Every kernel evaluates
 * each site with the same operands in the same order, whatever the block, so
 * the results do not depend on the decomposition. */
#ifndef SENDRIFT_MGIMPL_H
#define SENDRIFT_MGIMPL_H

#include <stddef.h>

#include "sendrift/box.h"

typedef struct {
    int dim;
    int ln[3];
    int parity;              /* (lo[0] + lo[1] + lo[2]) & 1: red cells have
                                even global i + j + k                      */
    ptrdiff_t sy, sz, origin;
    const double *cm[3], *cp[3]; /* per local index along each axis        */
} sd_mg_stencil;

/* Restriction onto a block of coarse cells: per axis and coarse local index
 * I, the first child's local fine index c0[I], the number of children
 * nch[I] (1 or 2) and their weights w[2I], w[2I+1] (child width / parent
 * width).  The coarse value is the volume-weighted mean of its children. */
typedef struct {
    int dim;
    int cln[3];
    const int *c0[3], *nch[3];
    const double *w[3];
} sd_mg_restrict;

/* Linear prolongation: per axis and fine local index i, two coarse local
 * indices idx[2i], idx[2i+1] (parent, neighbour; may be ghosts) and weights
 * w[2i], w[2i+1]. */
typedef struct {
    int dim;
    int fln[3];
    const int *idx[3];
    const double *w[3];
} sd_mg_prolong;

/* The level-0 system of a solve over block b0: alpha = alpha0 + alpha1 a
 * and rhs = bu u + bq q per interior cell (a, q NULL: zero; u not read when
 * bu = 0).  Sets *bad when some a is negative or not finite, or some q or u
 * is not finite; returns max |rhs|. */
double sd_mg_rhs(const sd_box *b0, const double *u, const double *a, const double *q,
                 double alpha0, double alpha1, double bu, double bq, double *alpha,
                 double *rhs, int *bad);

/* diag = alpha + face coefficients and idiag = 1 / diag, over the whole
 * interior; returns the largest diag. */
double sd_mg_diag(const sd_mg_stencil *S, const double *alpha, double *diag, double *idiag);

/* One Gauss-Seidel half-sweep over the cells of colour (0 red, 1 black)
 * in region R: x = (b + sum of neighbour terms) * idiag. */
void sd_mg_smooth(const sd_mg_stencil *S, const sd_region *R, int colour,
                  double *x, const double *b, const double *idiag);

/* The first red half-sweep from x = 0, over the whole interior: red cells
 * b * idiag, black cells 0 (so that x need not be zeroed first). */
void sd_mg_smooth_first(const sd_mg_stencil *S, double *x, const double *b,
                        const double *idiag);

/* r = b - A x over region R.  Returns max |r| (NaN if any r is NaN) and
 * raises *xmax to max |x| when xmax is not NULL. */
double sd_mg_residual(const sd_mg_stencil *S, const sd_region *R, const double *x,
                      const double *b, const double *diag, double *r, double *xmax);

/* out = R fine, where fine is a ghosted array of box fb (ghosts of children
 * across the block edge must be current) and out has strides osy, osz and
 * origin oorg. */
void sd_mg_restrict_run(const sd_mg_restrict *R, const sd_box *fb, const double *fine,
                        double *out, ptrdiff_t osy, ptrdiff_t osz, ptrdiff_t oorg);

/* xf += P xc (xc with current ghosts, on box cb). */
void sd_mg_prolong_add(const sd_mg_prolong *P, const sd_box *fb, double *xf,
                       const sd_box *cb, const double *xc);

/* Dense LU (no pivoting: the operator is diagonally dominant) of the
 * operator of a whole level held on one rank.  lu has m*m doubles, m the
 * number of cells.  Returns 0, or -1 on a zero or non-finite pivot. */
int sd_mg_lu_factor(const sd_mg_stencil *S, const int periodic[3], const double *diag,
                    double *lu);
/* x = A^-1 b on the interior; work has m doubles. */
void sd_mg_lu_solve(const sd_mg_stencil *S, const double *lu, const double *b, double *x,
                    double *work);

/* ---- Geometry of the hierarchy (mggeom.c) ------------------------------ */

/* One level's cells along every axis, in units of level-0 cells: widths W
 * and centroids X per global index, and the total width (the same on every
 * level, the period of a periodic axis). */
typedef struct {
    int n[3];
    int width[3];
    int *W[3];
    double *X[3];
} sd_mg_geom;

/* Level l of sizes n[] from the level F above it (unused for l = 0, whose
 * cells all have width 1). */
int sd_mg_geom_fill(sd_mg_geom *G, const sd_mg_geom *F, int l, const int n[3]);
/* Free the arrays of nl levels and the array G itself. */
void sd_mg_geom_free(sd_mg_geom *G, int nl);

/* The geometric face factors of block b on a level of geometry G, per local
 * index along each active axis (0 on a wall): the operator's face
 * coefficients are c0 times these. */
void sd_mg_face_factors(const sd_box *b, const sd_mg_geom *G, double *gm[3], double *gp[3]);

/* The restriction from the fine block fb (level GF) onto the coarse block
 * [clo, clo + cln) (level GC).  rc0, rnch, rw receive the arrays R points
 * into, which the caller frees (also on an error). */
int sd_mg_restrict_build(const sd_box *fb, const sd_mg_geom *GF, const sd_mg_geom *GC,
                         const int clo[3], const int cln[3], sd_mg_restrict *R,
                         int *rc0[3], int *rnch[3], double *rw[3]);

/* The prolongation from the coarse block cb (level GC) into the fine block
 * fb (level GF); pidx and pw receive the arrays Pr points into. */
int sd_mg_prolong_build(const sd_box *fb, const sd_mg_geom *GF, const sd_mg_geom *GC,
                        const sd_box *cb, sd_mg_prolong *Pr, int *pidx[3], double *pw[3]);

#endif
