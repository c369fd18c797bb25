/* sendrift: multigrid kernels (see mgimpl.h).  No MPI.
 *
 * Reproducibility: every site is computed by one fixed expression, evaluated
 * left to right, from operands that are the same whatever the decomposition
 * (face coefficients and weights depend on global indices only).  Builds must
 * not let the compiler reassociate or fuse these expressions differently in
 * different loops (no -ffast-math; ISO C mode, which makes GCC's default
 * -ffp-contract=off; for clang the pragma below).
 *
 * Precision: level 0's right-hand side, diagonal and residual are double;
 * the cycle that computes a correction works in single precision (half the
 * bytes of every array it streams).  Single-precision arithmetic is as
 * reproducible as double: the same operands in the same order give the same
 * bits on every rank. */
#include "mgimpl.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* The hot kernels are built twice by GCC on x86-64, for AVX2 and for the
 * baseline, and the loader picks one by the CPU (target_clones, an ifunc).
 * Their loops are element-wise and contraction is off, so both give the
 * same bits (checked: a whole sweep's result file is identical); AVX2 only
 * does twice the lanes.  -DSD_MG_NO_CLONES builds the baseline alone. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SD_MG_NO_CLONES)
#define SD_MG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SD_MG_CLONES
#endif

static inline uint32_t sd_mg_bits_f(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}
static inline float sd_mg_value_f(uint32_t u)
{
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Double precision: level 0's operator (residual output in single). */
#define T double
#define ST sd_mg_stencil
#define SD_MG_NAME(x) x
#include "mgkernels_t.h"
#undef T
#undef ST
#undef SD_MG_NAME

/* Single precision: the hierarchy. */
#define T float
#define ST sd_mg_stencil_f
#define SD_MG_NAME(x) x##_f
#include "mgkernels_t.h"
#undef T
#undef ST
#undef SD_MG_NAME

double sd_mg_diag_f(const sd_mg_stencil_f *S, const float *alpha, float *diag, float *idiag)
{
    float dmax = 0;
    const float *cmx = S->cm[0], *cpx = S->cp[0];
    for (int k = 0; k < S->ln[2]; k++) {
        float cz = S->dim == 3 ? S->cm[2][k] + S->cp[2][k] : 0.0f;
        for (int j = 0; j < S->ln[1]; j++) {
            float my = S->cm[1][j], py = S->cp[1][j];
            ptrdiff_t row = S->origin + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz;
            for (int i = 0; i < S->ln[0]; i++) {
                float d = alpha[row + i] + cmx[i] + cpx[i] + my + py;
                if (S->dim == 3) d = d + cz;
                diag[row + i] = d;
                if (idiag) idiag[row + i] = 1.0f / d;
                dmax = d > dmax ? d : dmax;
            }
        }
    }
    return (double)dmax;
}

SD_MG_CLONES double sd_mg_setup0(const sd_mg_stencil *S, const sd_mg_stencil_f *Sf, const double *u,
                    const double *a, const double *q, double alpha0, double alpha1, double bu,
                    double bq, const double *zrow, double *restrict rhs, double *restrict diag,
                    float *restrict alphaf, float *restrict diagf, float *restrict idiagf,
                    double *dmax, int *bad)
{
    double bm = 0, dm = 0;
    int nok = 0;
    const double *cmx = S->cm[0], *cpx = S->cp[0];
    const float *fmx = Sf->cm[0], *fpx = Sf->cp[0];
    for (int k = 0; k < S->ln[2]; k++) {
        /* In 2-D the z terms are 0, and adding 0 to a positive diagonal
         * changes no bit. */
        const double cz = S->dim == 3 ? S->cm[2][k] + S->cp[2][k] : 0.0;
        const float fz = S->dim == 3 ? Sf->cm[2][k] + Sf->cp[2][k] : 0.0f;
        for (int j = 0; j < S->ln[1]; j++) {
            const double my = S->cm[1][j], py = S->cp[1][j];
            const float fmy = Sf->cm[1][j], fpy = Sf->cp[1][j];
            const ptrdiff_t row = S->origin + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz;
            /* Missing arrays read a row of zeros. */
            const double *restrict ar = a ? a + row : zrow, *restrict qr = q ? q + row : zrow;
            const double *restrict ur = bu != 0 ? u + row : zrow;
            for (int i = 0; i < S->ln[0]; i++) {
                const ptrdiff_t p = row + i;
                const double av = ar[i], qv = qr[i], uv = ur[i];
                nok |= !(av >= 0) | !isfinite(av) | !isfinite(qv) | !isfinite(uv);
                const double al = alpha0 + alpha1 * av;
                double d = al + cmx[i] + cpx[i] + my + py;
                d = d + cz;
                if (diag) diag[p] = d;
                dm = d > dm ? d : dm;
                alphaf[p] = (float)al;
                const double bv = bu * uv + bq * qv;
                rhs[p] = bv;
                bm = fabs(bv) > bm ? fabs(bv) : bm;
            }
            /* The single-precision diagonal as sd_mg_diag_f computes it; a
             * separate loop, which vectorises (the one above does not, for
             * its maxima). */
            for (int i = 0; i < S->ln[0]; i++) {
                const ptrdiff_t p = row + i;
                float df = alphaf[p] + fmx[i] + fpx[i] + fmy + fpy;
                df = df + fz;
                diagf[p] = df;
                idiagf[p] = 1.0f / df;
            }
        }
    }
    if (nok) *bad = 1;
    *dmax = dm;
    return bm;
}

/* u += e * inv over the rows of slab s (row j = s in 2-D, plane k = s in
 * 3-D). */
static void correct_slab(const sd_box *b0, int s, double *restrict u, const float *restrict e,
                         double inv)
{
    const int three = b0->dim == 3;
    const int k = three ? s : 0, j0 = three ? 0 : s, j1 = three ? b0->ln[1] : s + 1;
    for (int j = j0; j < j1; j++) {
        ptrdiff_t row = sd_box_idx(b0, 0, j, k);
        for (int i = 0; i < b0->ln[0]; i++) u[row + i] += (double)e[row + i] * inv;
    }
}

void sd_mg_correct(const sd_box *b0, double *u, const float *e, double scale)
{
    const double inv = 1.0 / scale; /* a power of two: exact */
    const int a = b0->dim - 1;
    for (int s = 0; s < b0->ln[a]; s++) correct_slab(b0, s, u, e, inv);
}

SD_MG_CLONES double sd_mg_correct_residual(const sd_mg_stencil *S, const sd_box *b0, double *u,
                              const float *e, const double *b, const double *diag, double alpha,
                              double scale, float *r, double *xmax)
{
    const double inv = 1.0 / scale;
    const int a = b0->dim - 1;
    sd_region R;
    sd_box_all(b0, &R);
    double rm = 0;
    for (int s = 0; s <= b0->ln[a]; s++) {
        if (s < b0->ln[a]) correct_slab(b0, s, u, e, inv);
        if (s == 0) continue;
        R.r0[a] = s - 1;
        R.r1[a] = s;
        double v = sd_mg_residual(S, &R, u, b, diag, alpha, scale, r, xmax);
        rm = (v > rm || isnan(v)) ? v : rm;
    }
    return rm;
}

static inline int first_of_colour(const sd_mg_stencil_f *S, int i0, int j, int k, int colour)
{
    return i0 + ((colour + S->parity + i0 + j + k) & 1);
}

/* The first half-sweep from x = 0 in cells [r0, r1) of a row: the cells of
 * the colour starting at i0 get b * idiag, the others 0 (a black cell can
 * neighbour a black one across an odd periodic length, and must then read
 * the 0 the sweep started from). */
static inline void zero_row(float *restrict x, int r0, int r1, int i0, const float *restrict b,
                            const float *restrict idiag)
{
    for (int i = r0; i < r1; i++) x[i] = 0.0f;
    for (int i = i0; i < r1; i += 2) x[i] = b[i] * idiag[i];
}

/* The cells of one colour in [i0, r1) of a row, i0 + 2m (x, b, idiag point
 * at the row's cell 0; xs, xn at its neighbours along y, xd, xu along z, or
 * NULL in 2-D).  A cell's x-neighbours are of the other colour and not
 * written here, so the loop has no dependence between iterations, and with
 * the other rows restrict-qualified the compiler vectorises it (loads of
 * stride 2, shuffled). */
static inline void colour_row(const float *restrict cmx, const float *restrict cpx, float my,
                              float py, float mz, float pz, int i0, int r1, float *x,
                              const float *restrict xs, const float *restrict xn,
                              const float *restrict xd, const float *restrict xu,
                              const float *restrict b, const float *restrict idiag,
                              const float *uni)
{
    if (uni && xd) {
        const float ux = uni[0], uy = uni[1], uz = uni[2];
        for (int i = i0; i < r1; i += 2) {
            float t = ux * (x[i - 1] + x[i + 1]) + uy * (xs[i] + xn[i]) + uz * (xd[i] + xu[i]);
            x[i] = (b[i] + t) * idiag[i];
        }
    } else if (uni) {
        const float ux = uni[0], uy = uni[1];
        for (int i = i0; i < r1; i += 2) {
            float t = ux * (x[i - 1] + x[i + 1]) + uy * (xs[i] + xn[i]);
            x[i] = (b[i] + t) * idiag[i];
        }
    } else if (xd) {
        for (int i = i0; i < r1; i += 2) {
            float t = cmx[i] * x[i - 1] + cpx[i] * x[i + 1] + my * xs[i] + py * xn[i] +
                      mz * xd[i] + pz * xu[i];
            x[i] = (b[i] + t) * idiag[i];
        }
    } else {
        for (int i = i0; i < r1; i += 2) {
            float t = cmx[i] * x[i - 1] + cpx[i] * x[i + 1] + my * xs[i] + py * xn[i];
            x[i] = (b[i] + t) * idiag[i];
        }
    }
}

/* One colour in slab s (row j = s in 2-D, plane k = s in 3-D) of region R. */
static inline void smooth_slab(const sd_mg_stencil_f *S, const sd_region *R, int s, int colour,
                               int zero, float *x, const float *b, const float *idiag)
{
    const ptrdiff_t sy = S->sy, sz = S->sz;
    const int three = S->dim == 3;
    const int k = three ? s : 0;
    const int j0 = three ? R->r0[1] : s, j1 = three ? R->r1[1] : s + 1;
    const float mz = three ? S->cm[2][k] : 0.0f, pz = three ? S->cp[2][k] : 0.0f;
    for (int j = j0; j < j1; j++) {
        const float my = S->cm[1][j], py = S->cp[1][j];
        const ptrdiff_t row = S->origin + (ptrdiff_t)j * sy + (ptrdiff_t)k * sz;
        const int i0 = first_of_colour(S, R->r0[0], j, k, colour);
        float *xr = x + row;
        if (zero) {
            zero_row(xr, R->r0[0], R->r1[0], i0, b + row, idiag + row);
            continue;
        }
        colour_row(S->cm[0], S->cp[0], my, py, mz, pz, i0, R->r1[0], xr, xr - sy, xr + sy,
                   three ? xr - sz : NULL, three ? xr + sz : NULL, b + row, idiag + row,
                   S->uniform ? S->u : NULL);
    }
}

SD_MG_CLONES void sd_mg_smooth_f(const sd_mg_stencil_f *S, const sd_region *R, int colour, float *x,
                    const float *b, const float *idiag)
{
    const int a = S->dim - 1;
    for (int s = R->r0[a]; s < R->r1[a]; s++) smooth_slab(S, R, s, colour, 0, x, b, idiag);
}

SD_MG_CLONES void sd_mg_sweep_f(const sd_mg_stencil_f *S, const sd_region *R, const sd_region *B, int zero,
                   float *x, const float *b, const float *idiag)
{
    const int a = S->dim - 1;
    int bempty = 0;
    for (int d = 0; d < 3; d++) bempty |= B->r1[d] <= B->r0[d];
    for (int s = R->r0[a]; s <= R->r1[a]; s++) {
        if (s < R->r1[a]) smooth_slab(S, R, s, 0, zero, x, b, idiag);
        const int t = s - 1;
        if (!bempty && t >= B->r0[a] && t < B->r1[a]) smooth_slab(S, B, t, 1, 0, x, b, idiag);
    }
}

SD_MG_CLONES void sd_mg_sweeps_f(const sd_mg_stencil_f *S, const sd_region *R, int n, int zero, float *x,
                    const float *b, const float *idiag)
{
    const int a = S->dim - 1;
    /* Half-sweep h (0 .. 2n - 1: sweep h / 2, red for even h) runs on slab
     * s - h: each reads slabs whose previous half-sweep is done by then. */
    for (int s = R->r0[a]; s < R->r1[a] + 2 * n - 1; s++)
        for (int h = 0; h < 2 * n; h++) {
            const int t = s - h;
            if (t >= R->r0[a] && t < R->r1[a])
                smooth_slab(S, R, t, h & 1, zero && h == 0, x, b, idiag);
        }
}

/* Children (or prolongation terms) along one axis: how many and their local
 * indices (the kernels read the weights from wf). */
typedef struct {
    int n;
    int idx[2];
} axis_terms;

static inline axis_terms restrict_terms(const sd_mg_restrict *R, int a, int I)
{
    axis_terms t;
    if (a >= R->dim) {
        t.n = 1;
        t.idx[0] = t.idx[1] = 0;
        return t;
    }
    t.n = R->nch[a][I];
    t.idx[0] = R->c0[a][I];
    t.idx[1] = t.idx[0] + 1;
    return t;
}

SD_MG_CLONES void sd_mg_restrict_run(const sd_mg_restrict *R, const sd_box *fb, const float *fine,
                        float *out, ptrdiff_t osy, ptrdiff_t osz, ptrdiff_t oorg, float *tmp)
{
    const int *c0x = R->c0[0], *nx = R->nch[0];
    const float *wx = R->wf[0];
    /* The fine cells the coarse row reads along x: [c0x[0], last + 2). */
    const int f0 = R->cln[0] > 0 ? c0x[0] : 0;
    const int f1 = R->cln[0] > 0 ? c0x[R->cln[0] - 1] + nx[R->cln[0] - 1] : 0;
    for (int K = 0; K < R->cln[2]; K++) {
        axis_terms tz = restrict_terms(R, 2, K);
        const float wz0 = R->dim > 2 ? R->wf[2][2 * K] : 1.0f;
        const float wz1 = R->dim > 2 && tz.n == 2 ? R->wf[2][2 * K + 1] : 0.0f;
        for (int J = 0; J < R->cln[1]; J++) {
            axis_terms ty = restrict_terms(R, 1, J);
            const float wy0 = R->wf[1][2 * J], wy1 = ty.n == 2 ? R->wf[1][2 * J + 1] : 0.0f;
            /* Rows of the children; a missing child row gets weight 0 and
             * points at the other one (its values are finite). */
            const float *row[2][2];
            for (int cz = 0; cz < 2; cz++)
                for (int cy = 0; cy < 2; cy++)
                    row[cz][cy] = fine + sd_box_idx(fb, 0, ty.idx[cy < ty.n ? cy : 0],
                                                    tz.idx[cz < tz.n ? cz : 0]);
            /* The children's rows combined along y (and z), unit stride. */
            if (tz.n == 1) {
                for (int i = f0; i < f1; i++)
                    tmp[i] = wz0 * (wy0 * row[0][0][i] + wy1 * row[0][1][i]);
            } else {
                for (int i = f0; i < f1; i++)
                    tmp[i] = wz0 * (wy0 * row[0][0][i] + wy1 * row[0][1][i]) +
                             wz1 * (wy0 * row[1][0][i] + wy1 * row[1][1][i]);
            }
            /* Then along x; a missing child has weight 0 and reads the
             * first one. */
            float *o = out + oorg + (ptrdiff_t)J * osy + (ptrdiff_t)K * osz;
            for (int I = 0; I < R->cln[0]; I++) {
                const int c = c0x[I], c1 = nx[I] == 2 ? c + 1 : c;
                o[I] = wx[2 * I] * tmp[c] + wx[2 * I + 1] * tmp[c1];
            }
        }
    }
}

static inline axis_terms prolong_terms(const sd_mg_prolong *P, int a, int i)
{
    axis_terms t;
    if (a >= P->dim) {
        t.n = 1;
        t.idx[0] = t.idx[1] = 0;
        return t;
    }
    t.n = 2;
    t.idx[0] = P->idx[a][2 * i];
    t.idx[1] = P->idx[a][2 * i + 1];
    return t;
}

SD_MG_CLONES void sd_mg_prolong_add(const sd_mg_prolong *P, const sd_box *fb, float *xf,
                       const sd_box *cb, const float *xc, float *tmp)
{
    const int *ix = P->idx[0];
    const float *wx = P->wf[0];
    const int cn = cb->ln[0] + 2; /* a coarse row with its ghosts */
    float *restrict c = tmp + 1; /* c[-1 .. cb->ln[0]] */
    for (int k = 0; k < P->fln[2]; k++) {
        axis_terms tz = prolong_terms(P, 2, k);
        for (int j = 0; j < P->fln[1]; j++) {
            axis_terms ty = prolong_terms(P, 1, j);
            const float wy0 = P->dim > 1 ? P->wf[1][2 * j] : 1.0f;
            const float wy1 = P->dim > 1 ? P->wf[1][2 * j + 1] : 0.0f;
            float *restrict out = xf + sd_box_idx(fb, 0, j, k);
            /* The coarse rows interpolated along y (and z), unit stride. */
            const float *r00 = xc + sd_box_idx(cb, -1, ty.idx[0], tz.idx[0]);
            const float *r01 = xc + sd_box_idx(cb, -1, ty.idx[1], tz.idx[0]);
            if (tz.n == 1) {
                for (int m = 0; m < cn; m++) tmp[m] = wy0 * r00[m] + wy1 * r01[m];
            } else {
                const float wz0 = P->wf[2][2 * k], wz1 = P->wf[2][2 * k + 1];
                const float *r10 = xc + sd_box_idx(cb, -1, ty.idx[0], tz.idx[1]);
                const float *r11 = xc + sd_box_idx(cb, -1, ty.idx[1], tz.idx[1]);
                for (int m = 0; m < cn; m++)
                    tmp[m] = wz0 * (wy0 * r00[m] + wy1 * r01[m]) +
                             wz1 * (wy0 * r10[m] + wy1 * r11[m]);
            }
            /* Then along x. */
            for (int i = 0; i < P->fln[0]; i++)
                out[i] = out[i] + (wx[2 * i] * c[ix[2 * i]] + wx[2 * i + 1] * c[ix[2 * i + 1]]);
        }
    }
}

int sd_mg_lu_factor(const sd_mg_stencil_f *S, const int periodic[3], const float *diag,
                    double *lu)
{
    const int n0 = S->ln[0], n1 = S->ln[1], n2 = S->ln[2];
    const int m = n0 * n1 * n2;
    memset(lu, 0, sizeof(double) * (size_t)m * (size_t)m);
    for (int k = 0; k < n2; k++)
        for (int j = 0; j < n1; j++)
            for (int i = 0; i < n0; i++) {
                int q = i + n0 * (j + n1 * k);
                int c[3] = {i, j, k};
                lu[(size_t)q * m + q] += diag[S->origin + i + (ptrdiff_t)j * S->sy +
                                              (ptrdiff_t)k * S->sz];
                for (int a = 0; a < S->dim; a++)
                    for (int s = 0; s < 2; s++) {
                        double coef = s ? S->cp[a][c[a]] : S->cm[a][c[a]];
                        if (coef == 0) continue;
                        int nb[3] = {i, j, k};
                        nb[a] += s ? 1 : -1;
                        if (nb[a] < 0 || nb[a] >= S->ln[a]) {
                            if (!periodic[a]) continue;
                            nb[a] = (nb[a] + S->ln[a]) % S->ln[a];
                        }
                        int qn = nb[0] + n0 * (nb[1] + n1 * nb[2]);
                        lu[(size_t)q * m + qn] -= coef;
                    }
            }
    for (int kk = 0; kk < m; kk++) {
        double piv = lu[(size_t)kk * m + kk];
        if (!(fabs(piv) > 0) || !isfinite(piv)) return -1;
        for (int r = kk + 1; r < m; r++) {
            double l = lu[(size_t)r * m + kk];
            if (l == 0) continue;
            l /= piv;
            lu[(size_t)r * m + kk] = l;
            for (int c = kk + 1; c < m; c++) lu[(size_t)r * m + c] -= l * lu[(size_t)kk * m + c];
        }
    }
    return 0;
}

void sd_mg_lu_solve(const sd_mg_stencil_f *S, const double *lu, const float *b, float *x,
                    double *y)
{
    const int n0 = S->ln[0], n1 = S->ln[1], n2 = S->ln[2];
    const int m = n0 * n1 * n2;
    for (int k = 0, q = 0; k < n2; k++)
        for (int j = 0; j < n1; j++)
            for (int i = 0; i < n0; i++, q++)
                y[q] = b[S->origin + i + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz];
    for (int r = 0; r < m; r++) {
        double s = y[r];
        for (int c = 0; c < r; c++) s -= lu[(size_t)r * m + c] * y[c];
        y[r] = s;
    }
    for (int r = m - 1; r >= 0; r--) {
        double s = y[r];
        for (int c = r + 1; c < m; c++) s -= lu[(size_t)r * m + c] * y[c];
        y[r] = s / lu[(size_t)r * m + r];
    }
    for (int k = 0, q = 0; k < n2; k++)
        for (int j = 0; j < n1; j++)
            for (int i = 0; i < n0; i++, q++)
                x[S->origin + i + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz] = (float)y[q];
}
