/* sendrift: multigrid kernels (see mgimpl.h).  No MPI.
 *
 * Reproducibility: every site is computed by one fixed expression, evaluated
 * left to right, from operands that are the same whatever the decomposition
 * (face coefficients and weights depend on global indices only).  Builds must
 * not let the compiler reassociate or fuse these expressions differently in
 * different loops (no -ffast-math; ISO C mode, which makes GCC's default
 * -ffp-contract=off; for clang the pragma below). */
#include "mgimpl.h"

#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

double sd_mg_diag(const sd_mg_stencil *S, const double *alpha, double *diag, double *idiag)
{
    double dmax = 0;
    const double *cmx = S->cm[0], *cpx = S->cp[0];
    for (int k = 0; k < S->ln[2]; k++) {
        double cz = S->dim == 3 ? S->cm[2][k] + S->cp[2][k] : 0.0;
        for (int j = 0; j < S->ln[1]; j++) {
            double my = S->cm[1][j], py = S->cp[1][j];
            ptrdiff_t row = S->origin + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz;
            for (int i = 0; i < S->ln[0]; i++) {
                double d = alpha[row + i] + cmx[i] + cpx[i] + my + py;
                if (S->dim == 3) d = d + cz;
                diag[row + i] = d;
                idiag[row + i] = 1.0 / d;
                dmax = d > dmax ? d : dmax;
            }
        }
    }
    return dmax;
}

double sd_mg_rhs(const sd_box *b0, const double *u, const double *a, const double *q,
                 double alpha0, double alpha1, double bu, double bq, double *alpha,
                 double *rhs, int *bad)
{
    double bmax = 0;
    for (int k = 0; k < b0->ln[2]; k++)
        for (int j = 0; j < b0->ln[1]; j++) {
            ptrdiff_t row = sd_box_idx(b0, 0, j, k);
            for (int i = 0; i < b0->ln[0]; i++) {
                ptrdiff_t p = row + i;
                double av = a ? a[p] : 0.0, qv = q ? q[p] : 0.0;
                double uv = bu != 0 ? u[p] : 0.0;
                if (!(av >= 0) || !isfinite(av) || !isfinite(qv) || !isfinite(uv)) *bad = 1;
                alpha[p] = alpha0 + alpha1 * av;
                double bv = bu * uv + bq * qv;
                rhs[p] = bv;
                bmax = fabs(bv) > bmax ? fabs(bv) : bmax;
            }
        }
    return bmax;
}

static inline int first_of_colour(const sd_mg_stencil *S, int i0, int j, int k, int colour)
{
    return i0 + ((colour + S->parity + i0 + j + k) & 1);
}

void sd_mg_smooth(const sd_mg_stencil *S, const sd_region *R, int colour,
                  double *restrict x, const double *restrict b,
                  const double *restrict idiag)
{
    const double *cmx = S->cm[0], *cpx = S->cp[0];
    const ptrdiff_t sy = S->sy, sz = S->sz;
    if (S->dim == 2) {
        for (int j = R->r0[1]; j < R->r1[1]; j++) {
            const double my = S->cm[1][j], py = S->cp[1][j];
            const ptrdiff_t row = S->origin + (ptrdiff_t)j * sy;
            for (int i = first_of_colour(S, R->r0[0], j, 0, colour); i < R->r1[0]; i += 2) {
                const ptrdiff_t p = row + i;
                double s = cmx[i] * x[p - 1] + cpx[i] * x[p + 1] + my * x[p - sy] +
                           py * x[p + sy];
                x[p] = (b[p] + s) * idiag[p];
            }
        }
        return;
    }
    for (int k = R->r0[2]; k < R->r1[2]; k++) {
        const double mz = S->cm[2][k], pz = S->cp[2][k];
        for (int j = R->r0[1]; j < R->r1[1]; j++) {
            const double my = S->cm[1][j], py = S->cp[1][j];
            const ptrdiff_t row = S->origin + (ptrdiff_t)j * sy + (ptrdiff_t)k * sz;
            for (int i = first_of_colour(S, R->r0[0], j, k, colour); i < R->r1[0]; i += 2) {
                const ptrdiff_t p = row + i;
                double s = cmx[i] * x[p - 1] + cpx[i] * x[p + 1] + my * x[p - sy] +
                           py * x[p + sy] + mz * x[p - sz] + pz * x[p + sz];
                x[p] = (b[p] + s) * idiag[p];
            }
        }
    }
}

void sd_mg_smooth_first(const sd_mg_stencil *S, double *restrict x, const double *restrict b,
                        const double *restrict idiag)
{
    for (int k = 0; k < S->ln[2]; k++)
        for (int j = 0; j < S->ln[1]; j++) {
            const ptrdiff_t row = S->origin + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz;
            const int red0 = first_of_colour(S, 0, j, k, 0);
            for (int i = 0; i < S->ln[0]; i++) x[row + i] = 0.0;
            for (int i = red0; i < S->ln[0]; i += 2) x[row + i] = b[row + i] * idiag[row + i];
        }
}

double sd_mg_residual(const sd_mg_stencil *S, const sd_region *R, const double *restrict x,
                      const double *restrict b, const double *restrict diag,
                      double *restrict r, double *xmax)
{
    const double *cmx = S->cm[0], *cpx = S->cp[0];
    const ptrdiff_t sy = S->sy, sz = S->sz;
    double rm = 0, xm = 0;
    int bad = 0;
    for (int k = R->r0[2]; k < R->r1[2]; k++) {
        const double mz = S->dim == 3 ? S->cm[2][k] : 0, pz = S->dim == 3 ? S->cp[2][k] : 0;
        for (int j = R->r0[1]; j < R->r1[1]; j++) {
            const double my = S->cm[1][j], py = S->cp[1][j];
            const ptrdiff_t row = S->origin + (ptrdiff_t)j * sy + (ptrdiff_t)k * sz;
            if (S->dim == 2) {
                for (int i = R->r0[0]; i < R->r1[0]; i++) {
                    const ptrdiff_t p = row + i;
                    double s = cmx[i] * x[p - 1] + cpx[i] * x[p + 1] + my * x[p - sy] +
                               py * x[p + sy];
                    double v = b[p] - (diag[p] * x[p] - s);
                    r[p] = v;
                    double av = fabs(v), ax = fabs(x[p]);
                    rm = av > rm ? av : rm;
                    xm = ax > xm ? ax : xm;
                    bad |= v != v;
                }
            } else {
                for (int i = R->r0[0]; i < R->r1[0]; i++) {
                    const ptrdiff_t p = row + i;
                    double s = cmx[i] * x[p - 1] + cpx[i] * x[p + 1] + my * x[p - sy] +
                               py * x[p + sy] + mz * x[p - sz] + pz * x[p + sz];
                    double v = b[p] - (diag[p] * x[p] - s);
                    r[p] = v;
                    double av = fabs(v), ax = fabs(x[p]);
                    rm = av > rm ? av : rm;
                    xm = ax > xm ? ax : xm;
                    bad |= v != v;
                }
            }
        }
    }
    if (xmax && xm > *xmax) *xmax = xm;
    return bad ? NAN : rm;
}

/* Children (or prolongation terms) along one axis. */
typedef struct {
    int n;
    int idx[2];
    double w[2];
} axis_terms;

static inline axis_terms restrict_terms(const sd_mg_restrict *R, int a, int I)
{
    axis_terms t;
    if (a >= R->dim) {
        t.n = 1;
        t.idx[0] = t.idx[1] = 0;
        t.w[0] = 1;
        t.w[1] = 0;
        return t;
    }
    t.n = R->nch[a][I];
    t.idx[0] = R->c0[a][I];
    t.idx[1] = t.idx[0] + 1;
    t.w[0] = R->w[a][2 * I];
    t.w[1] = R->w[a][2 * I + 1];
    return t;
}

void sd_mg_restrict_run(const sd_mg_restrict *R, const sd_box *fb, const double *fine,
                        double *out, ptrdiff_t osy, ptrdiff_t osz, ptrdiff_t oorg)
{
    const int *c0x = R->c0[0], *nx = R->nch[0];
    const double *wx = R->w[0];
    for (int K = 0; K < R->cln[2]; K++) {
        axis_terms tz = restrict_terms(R, 2, K);
        for (int J = 0; J < R->cln[1]; J++) {
            axis_terms ty = restrict_terms(R, 1, J);
            /* Rows of the children; a missing child row gets weight 0 and
             * points at the other one (its values are finite). */
            const double *row[2][2];
            double wy[2] = {ty.w[0], ty.n == 2 ? ty.w[1] : 0.0};
            double wz[2] = {tz.w[0], tz.n == 2 ? tz.w[1] : 0.0};
            for (int cz = 0; cz < 2; cz++)
                for (int cy = 0; cy < 2; cy++)
                    row[cz][cy] = fine + sd_box_idx(fb, 0, ty.idx[cy < ty.n ? cy : 0],
                                                    tz.idx[cz < tz.n ? cz : 0]);
            double *o = out + oorg + (ptrdiff_t)J * osy + (ptrdiff_t)K * osz;
            if (tz.n == 1) {
                for (int I = 0; I < R->cln[0]; I++) {
                    const int c = c0x[I];
                    const double w0 = wx[2 * I], w1 = wx[2 * I + 1];
                    double v0, v1;
                    if (nx[I] == 2) {
                        v0 = w0 * row[0][0][c] + w1 * row[0][0][c + 1];
                        v1 = w0 * row[0][1][c] + w1 * row[0][1][c + 1];
                    } else {
                        v0 = w0 * row[0][0][c];
                        v1 = w0 * row[0][1][c];
                    }
                    o[I] = wz[0] * (wy[0] * v0 + wy[1] * v1);
                }
            } else {
                for (int I = 0; I < R->cln[0]; I++) {
                    const int c = c0x[I];
                    const double w0 = wx[2 * I], w1 = wx[2 * I + 1];
                    double v[2][2];
                    for (int cz = 0; cz < 2; cz++)
                        for (int cy = 0; cy < 2; cy++)
                            v[cz][cy] = nx[I] == 2 ? w0 * row[cz][cy][c] + w1 * row[cz][cy][c + 1]
                                                   : w0 * row[cz][cy][c];
                    o[I] = wz[0] * (wy[0] * v[0][0] + wy[1] * v[0][1]) +
                           wz[1] * (wy[0] * v[1][0] + wy[1] * v[1][1]);
                }
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
        t.w[0] = 1;
        t.w[1] = 0;
        return t;
    }
    t.n = 2;
    t.idx[0] = P->idx[a][2 * i];
    t.idx[1] = P->idx[a][2 * i + 1];
    t.w[0] = P->w[a][2 * i];
    t.w[1] = P->w[a][2 * i + 1];
    return t;
}

void sd_mg_prolong_add(const sd_mg_prolong *P, const sd_box *fb, double *xf,
                       const sd_box *cb, const double *xc)
{
    const int *ix = P->idx[0];
    const double *wx = P->w[0];
    for (int k = 0; k < P->fln[2]; k++) {
        axis_terms tz = prolong_terms(P, 2, k);
        for (int j = 0; j < P->fln[1]; j++) {
            axis_terms ty = prolong_terms(P, 1, j);
            const double wy0 = ty.w[0], wy1 = ty.w[1], wz0 = tz.w[0], wz1 = tz.w[1];
            double *restrict out = xf + sd_box_idx(fb, 0, j, k);
            const double *r00 = xc + sd_box_idx(cb, 0, ty.idx[0], tz.idx[0]);
            const double *r01 = xc + sd_box_idx(cb, 0, ty.idx[1], tz.idx[0]);
            if (tz.n == 1) {
                for (int i = 0; i < P->fln[0]; i++) {
                    const int i0 = ix[2 * i], i1 = ix[2 * i + 1];
                    const double w0 = wx[2 * i], w1 = wx[2 * i + 1];
                    out[i] += wy0 * (w0 * r00[i0] + w1 * r00[i1]) +
                              wy1 * (w0 * r01[i0] + w1 * r01[i1]);
                }
            } else {
                const double *r10 = xc + sd_box_idx(cb, 0, ty.idx[0], tz.idx[1]);
                const double *r11 = xc + sd_box_idx(cb, 0, ty.idx[1], tz.idx[1]);
                for (int i = 0; i < P->fln[0]; i++) {
                    const int i0 = ix[2 * i], i1 = ix[2 * i + 1];
                    const double w0 = wx[2 * i], w1 = wx[2 * i + 1];
                    out[i] += wz0 * (wy0 * (w0 * r00[i0] + w1 * r00[i1]) +
                                     wy1 * (w0 * r01[i0] + w1 * r01[i1])) +
                              wz1 * (wy0 * (w0 * r10[i0] + w1 * r10[i1]) +
                                     wy1 * (w0 * r11[i0] + w1 * r11[i1]));
                }
            }
        }
    }
}

int sd_mg_lu_factor(const sd_mg_stencil *S, const int periodic[3], const double *diag,
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

void sd_mg_lu_solve(const sd_mg_stencil *S, const double *lu, const double *b, double *x,
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
                x[S->origin + i + (ptrdiff_t)j * S->sy + (ptrdiff_t)k * S->sz] = y[q];
}
