/* sendrift: the multigrid kernel that exists in two precisions, the
 * residual (included twice by mgkernels.c, with T the array type, ST the
 * stencil type and SD_MG_NAME(x) the function name).  One body for both, so
 * that the double outer residual and the single-precision one inside a
 * cycle cannot drift apart. */

/* The residual of one row: 2-D (the z terms left out) or 3-D.  The
 * max-norms are taken over the stored single-precision values, as their
 * bit patterns: non-negative floats order as their bits do as int32, and a
 * NaN's bits are above infinity's; an integer maximum vectorises where a
 * floating-point one (with NaN) does not.  DIAG: the diagonal, from the
 * array or, with alpha the same everywhere, computed as the set-up does. */
#define SD_MG_RESIDUAL_ROW(ZTERMS, DIAG)                                                    \
    for (int i = R->r0[0]; i < R->r1[0]; i++) {                                             \
        const ptrdiff_t p = row + i;                                                        \
        T s = cmx[i] * x[p - 1] + cpx[i] * x[p + 1] + my * x[p - sy] + py * x[p + sy] ZTERMS; \
        T v = b[p] - ((DIAG) * x[p] - s);                                                   \
        float rv = (float)(v * scale), xv = (float)(x[p] * scale);                          \
        r[p] = rv;                                                                          \
        int32_t av = (int32_t)(sd_mg_bits_f(rv) & 0x7fffffffu);                            \
        int32_t ax = (int32_t)(sd_mg_bits_f(xv) & 0x7fffffffu);                            \
        rm = av > rm ? av : rm;                                                             \
        xm = ax > xm ? ax : xm;                                                             \
    }

SD_MG_CLONES double SD_MG_NAME(sd_mg_residual)(const ST *S, const sd_region *R, const T *restrict x,
                                  const T *restrict b, const T *restrict diag, T alpha, T scale,
                                  float *restrict r, double *xmax)
{
    const T *cmx = S->cm[0], *cpx = S->cp[0];
    const ptrdiff_t sy = S->sy, sz = S->sz;
    int32_t rm = 0, xm = 0;
    for (int k = R->r0[2]; k < R->r1[2]; k++) {
        const T mz = S->dim == 3 ? S->cm[2][k] : 0, pz = S->dim == 3 ? S->cp[2][k] : 0;
        for (int j = R->r0[1]; j < R->r1[1]; j++) {
            const T my = S->cm[1][j], py = S->cp[1][j];
            const ptrdiff_t row = S->origin + (ptrdiff_t)j * sy + (ptrdiff_t)k * sz;
            const T cz = mz + pz; /* as the set-up: (alpha + faces) + cz, 0 in 2-D */
            if (S->dim == 2 && diag) {
                SD_MG_RESIDUAL_ROW(, diag[p])
            } else if (S->dim == 2) {
                SD_MG_RESIDUAL_ROW(, (alpha + cmx[i] + cpx[i] + my + py) + cz)
            } else if (diag) {
                SD_MG_RESIDUAL_ROW(+mz * x[p - sz] + pz * x[p + sz], diag[p])
            } else {
                SD_MG_RESIDUAL_ROW(+mz * x[p - sz] + pz * x[p + sz],
                                   (alpha + cmx[i] + cpx[i] + my + py) + cz)
            }
        }
    }
    /* scale is a power of two: dividing by it is exact. */
    double xv = (double)sd_mg_value_f((uint32_t)xm) / (double)scale;
    if (xmax && xv > *xmax) *xmax = xv;
    return (double)sd_mg_value_f((uint32_t)rm) / (double)scale; /* NaN when some v was */
}

#undef SD_MG_RESIDUAL_ROW
