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

/* A level's operator for the kernels: sizes, layout and face coefficients
 * (per local index along each axis; zero on walls).  The hierarchy works in
 * single precision (sd_mg_stencil_f); the outer residual on level 0 in
 * double (sd_mg_stencil). */
#define SD_MG_STENCIL_FIELDS(T)                                                           \
    int dim;                                                                              \
    int ln[3];                                                                            \
    int parity; /* (lo[0] + lo[1] + lo[2]) & 1: red cells have even global i + j + k */ \
    ptrdiff_t sy, sz, origin;                                                             \
    const T *cm[3], *cp[3]

typedef struct {
    SD_MG_STENCIL_FIELDS(double);
} sd_mg_stencil;

typedef struct {
    SD_MG_STENCIL_FIELDS(float);
    /* uniform: every cell of the level has the same width along every axis,
     * so every face coefficient that is not on a wall is u[a] along axis a
     * (walls: 0, with ghosts that stay 0).  The smoother then uses the
     * shorter form u_x (x_W + x_E) + u_y (x_S + x_N) (+ u_z (x_D + x_U)). */
    int uniform;
    float u[3];
} sd_mg_stencil_f;

/* Restriction onto a block of coarse cells: per axis and coarse local index
 * I, the first child's local fine index c0[I], the number of children
 * nch[I] (1 or 2) and their weights w[2I], w[2I+1] (child width / parent
 * width).  The coarse value is the volume-weighted mean of its children. */
typedef struct {
    int dim;
    int cln[3];
    const int *c0[3], *nch[3];
    const double *w[3];
    const float *wf[3];      /* w in single precision, 0 for a missing child
                                (filled by the caller)                       */
} sd_mg_restrict;

/* Linear prolongation: per axis and fine local index i, two coarse local
 * indices idx[2i], idx[2i+1] (parent, neighbour; may be ghosts) and weights
 * w[2i], w[2i+1]. */
typedef struct {
    int dim;
    int fln[3];
    const int *idx[3];
    const double *w[3];
    const float *wf[3];      /* w in single precision (filled by the caller) */
} sd_mg_prolong;

/* ---- Level 0, double precision ------------------------------------------ */

/* The level-0 system of a solve, in one pass: per interior cell alpha =
 * alpha0 + alpha1 a and rhs = bu u + bq q (a, q NULL: zero; u not read when
 * bu = 0), the diagonal in double (diag, through stencil S) and in single
 * precision (diagf and its inverse idiagf, through Sf; alphaf receives
 * alpha in single precision), the latter exactly as sd_mg_diag_f computes
 * it.  zrow: ln[0] zeros, read in place of a missing array.  Sets *bad when
 * some a is negative or not finite, or some q or u is not finite; *dmax =
 * the largest diag; returns max |rhs|. */
double sd_mg_setup0(const sd_mg_stencil *S, const sd_mg_stencil_f *Sf, const double *u,
                    const double *a, const double *q, double alpha0, double alpha1, double bu,
                    double bq, const double *zrow, double *rhs, double *diag, float *alphaf,
                    float *diagf, float *idiagf, double *dmax, int *bad);

/* diag = alpha + face coefficients over the whole interior (idiag = 1 / diag
 * when idiag is not NULL); returns the largest diag.  For the coarse
 * levels. */
double sd_mg_diag_f(const sd_mg_stencil_f *S, const float *alpha, float *diag, float *idiag);

/* r = scale (b - A x) over region R, stored in single precision (the
 * right-hand side of the correction); scale is a power of two.  Returns
 * max |b - A x| (NaN if any is NaN) and raises *xmax to max |x| when xmax
 * is not NULL, both to single precision (from the stored values: the
 * maxima are exact integer maxima, the same on every rank).  diag NULL:
 * alpha is the same on every cell, and the diagonal is computed from it and
 * the face coefficients exactly as sd_mg_setup0 computes it. */
double sd_mg_residual(const sd_mg_stencil *S, const sd_region *R, const double *x,
                      const double *b, const double *diag, double alpha, double scale,
                      float *r, double *xmax);
/* The same in single precision (scale 1), for the coarse-grid right-hand
 * sides inside a cycle. */
double sd_mg_residual_f(const sd_mg_stencil_f *S, const sd_region *R, const float *x,
                        const float *b, const float *diag, float alpha, float scale, float *r,
                        double *xmax);

/* u += e / scale over the whole interior (the correction, scaled back). */
void sd_mg_correct(const sd_box *b0, double *u, const float *e, double scale);
/* The same, fused with the residual that follows it (sd_mg_residual over the
 * whole interior): slab by slab along the last axis, the residual of a slab
 * once the slabs around it are corrected.  Only where u's ghosts need no
 * exchange (one rank, zero-flux walls). */
double sd_mg_correct_residual(const sd_mg_stencil *S, const sd_box *b0, double *u,
                              const float *e, const double *b, const double *diag, double alpha,
                              double scale, float *r, double *xmax);

/* ---- The hierarchy, single precision ---------------------------------- */

/* One red-black Gauss-Seidel sweep, x = (b + sum of neighbour terms) * idiag:
 * the red cells of R, then the black cells of B (a box inside R), fused
 * into one pass: the slabs along the last axis (rows in 2-D, planes in 3-D)
 * are visited in order, the red cells of slab s, then the black cells of
 * slab s - 1, whose red neighbours are all new by then.  Each cell gets
 * exactly the value of the two separate half-sweeps.  zero: x counts as 0
 * before the sweep (red cells b * idiag; x need not be cleared).  Black
 * cells of R outside B are left to sd_mg_smooth_f (after the ghosts of the
 * new red cells have been exchanged). */
void sd_mg_sweep_f(const sd_mg_stencil_f *S, const sd_region *R, const sd_region *B, int zero,
                   float *x, const float *b, const float *idiag);

/* n sweeps over the whole of R in one pass (only where no ghost changes
 * meanwhile: one rank, zero-flux walls): the half-sweeps follow each other
 * one slab apart, so the slabs stream through the cache once for all of
 * them; every cell gets exactly the values of 2 n separate half-sweeps.
 * zero: x counts as 0 before the first. */
void sd_mg_sweeps_f(const sd_mg_stencil_f *S, const sd_region *R, int n, int zero, float *x,
                    const float *b, const float *idiag);

/* One half-sweep of one colour (0 red, 1 black) over region R. */
void sd_mg_smooth_f(const sd_mg_stencil_f *S, const sd_region *R, int colour, float *x,
                    const float *b, const float *idiag);

/* out = R fine, where fine is a ghosted array of box fb (ghosts of children
 * across the block edge must be current) and out has strides osy, osz and
 * origin oorg; in single precision, the children's rows combined along y
 * and z into tmp (fb->ln[0] + 2 floats) first, then along x. */
void sd_mg_restrict_run(const sd_mg_restrict *R, const sd_box *fb, const float *fine,
                        float *out, ptrdiff_t osy, ptrdiff_t osz, ptrdiff_t oorg, float *tmp);

/* xf += P xc (xc with current ghosts, on box cb), in single precision:
 * the coarse rows are first interpolated along y and z into tmp (at least
 * cb->ln[0] + 2 floats), then along x. */
void sd_mg_prolong_add(const sd_mg_prolong *P, const sd_box *fb, float *xf,
                       const sd_box *cb, const float *xc, float *tmp);

/* Dense LU in double precision (no pivoting: the operator is diagonally
 * dominant) of the operator of a whole level held on one rank.  lu has m*m
 * doubles, m the number of cells.  Returns 0, or -1 on a zero or non-finite
 * pivot. */
int sd_mg_lu_factor(const sd_mg_stencil_f *S, const int periodic[3], const float *diag,
                    double *lu);
/* x = A^-1 b on the interior; work has m doubles. */
void sd_mg_lu_solve(const sd_mg_stencil_f *S, const double *lu, const float *b, float *x,
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
