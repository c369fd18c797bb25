/* sendrift: the distributed grid, its exact reductions and the exact sum
 * (see include/sendrift/grid.h).  All MPI of the grid lives here; the halo
 * exchange is in halo.c and the multigrid agglomeration in mgcomm.c. */
#include "sendrift/grid.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gridimpl.h"
#include "sendrift/error.h"

static const char *const axis_name[3] = {"x", "y", "z"};

/* ---- Creation ------------------------------------------------------------ */

static int check_args(int dim, const int n[3], double dx)
{
    if (dim != 2 && dim != 3)
        return sd_error(SD_ERR_INPUT, "grid: dimension %d: must be 2 or 3", dim);
    if (!n) return sd_error(SD_ERR_INPUT, "grid: no sizes given");
    int64_t total = 1;
    for (int a = 0; a < dim; a++) {
        if (n[a] < 1)
            return sd_error(SD_ERR_INPUT, "grid: n[%d] = %d cells along %s: must be >= 1",
                            a, n[a], axis_name[a]);
        /* Local arrays index with int along an axis and ptrdiff_t overall. */
        if (n[a] > INT_MAX / 4)
            return sd_error(SD_ERR_INPUT, "grid: n[%d] = %d cells along %s: too many",
                            a, n[a], axis_name[a]);
        total *= n[a];
        if (total > ((int64_t)1 << 50))
            return sd_error(SD_ERR_INPUT, "grid: more than 2^50 cells");
    }
    if (!(dx > 0) || !isfinite(dx))
        return sd_error(SD_ERR_INPUT, "grid: spacing dx = %g: must be finite and > 0", dx);
    return SD_OK;
}

/* Halo size of a factorisation: the largest block's face area summed over
 * the axes that communicate (split or periodic). */
static double halo_cost(int dim, const int n[3], const int per[3], const int p[3])
{
    double ext[3], cost = 0;
    for (int a = 0; a < dim; a++) ext[a] = (double)((n[a] + p[a] - 1) / p[a]);
    for (int a = 0; a < dim; a++) {
        if (p[a] == 1 && !per[a]) continue;
        double area = 1;
        for (int b = 0; b < dim; b++)
            if (b != a) area *= ext[b];
        cost += 2 * area;
    }
    return cost;
}

static int feasible(int dim, const int n[3], const int p[3])
{
    for (int a = 0; a < dim; a++)
        if (p[a] < 1 || p[a] > n[a]) return 0;
    return 1;
}

/* MPI_Dims_create's balanced process grid; when it would leave a rank with no
 * cell along an axis, the feasible factorisation with the smallest halo. */
static int choose_layout(int P, int dim, const int n[3], const int per[3], int pd[3])
{
    int d[3] = {0, 0, 0};
    SD_MPI(MPI_Dims_create(P, dim, d));
    pd[0] = d[0];
    pd[1] = d[1];
    pd[2] = dim == 3 ? d[2] : 1;
    if (feasible(dim, n, pd)) return SD_OK;
    double best = -1;
    for (int p0 = 1; p0 <= P; p0++) {
        if (P % p0) continue;
        for (int p1 = 1; p1 <= P / p0; p1++) {
            if ((P / p0) % p1) continue;
            int p2 = P / p0 / p1;
            if (dim == 2 && p2 != 1) continue;
            int p[3] = {p0, p1, p2};
            if (!feasible(dim, n, p)) continue;
            double c = halo_cost(dim, n, per, p);
            if (best < 0 || c < best) {
                best = c;
                memcpy(pd, p, sizeof p);
            }
        }
    }
    if (best < 0)
        return sd_error(SD_ERR_INPUT,
                        "grid: %d x %d x %d cells cannot be split over %d ranks with "
                        "at least one cell per rank along every axis; use fewer ranks "
                        "per simulation",
                        n[0], n[1], dim == 3 ? n[2] : 1, P);
    return SD_OK;
}

static void grid_free(sd_grid *g)
{
    if (!g) return;
    for (int a = 0; a < 3; a++) free(g->starts[a]);
    free(g);
}

int sd_grid_create_layout(MPI_Comm comm, int dim, const int n[3], double dx,
                          const int periodic[3], const int pdims[3], sd_grid **gp)
{
    if (!gp) return sd_error(SD_ERR_INPUT, "grid: no output pointer");
    *gp = NULL;
    SD_CALL(check_args(dim, n, dx));
    int P;
    SD_MPI(MPI_Comm_size(comm, &P));
    int per[3] = {0, 0, 0}, pd[3] = {1, 1, 1};
    for (int a = 0; a < dim; a++) per[a] = periodic ? (periodic[a] != 0) : 0;
    if (pdims) {
        for (int a = 0; a < dim; a++) pd[a] = pdims[a];
        if (pd[0] * pd[1] * pd[2] != P || pd[0] < 1 || pd[1] < 1 || pd[2] < 1)
            return sd_error(SD_ERR_INPUT,
                            "grid: process grid %d x %d x %d does not match %d ranks",
                            pd[0], pd[1], pd[2], P);
        for (int a = 0; a < dim; a++)
            if (pd[a] > n[a])
                return sd_error(SD_ERR_INPUT,
                                "grid: %d ranks along %s but only %d cells",
                                pd[a], axis_name[a], n[a]);
    } else {
        SD_CALL(choose_layout(P, dim, n, per, pd));
    }

    sd_grid *g = sd_calloc(1, sizeof *g, "grid");
    if (!g) return SD_ERR_NOMEM;
    for (int a = 0; a < 3; a++) {
        int pa = a < dim ? pd[a] : 1, na = a < dim ? n[a] : 1;
        g->starts[a] = sd_malloc(sizeof(int) * (size_t)(pa + 1), "grid split points");
        if (!g->starts[a]) {
            grid_free(g);
            return SD_ERR_NOMEM;
        }
        for (int p = 0; p <= pa; p++)
            g->starts[a][p] = (int)(((int64_t)na * p) / pa);
    }
    int rc = MPI_Cart_create(comm, dim, pd, per, 0, &g->comm);
    if (rc != MPI_SUCCESS) {
        grid_free(g);
        return sd_mpi_fail(rc, "MPI_Cart_create");
    }
    g->owns_comm = 1;
    g->tag_next = &g->tag_store;
    int coords[3] = {0, 0, 0};
    if ((rc = MPI_Comm_set_errhandler(g->comm, MPI_ERRORS_RETURN)) != MPI_SUCCESS ||
        (rc = MPI_Comm_rank(g->comm, &g->rank)) != MPI_SUCCESS ||
        (rc = MPI_Cart_coords(g->comm, g->rank, dim, coords)) != MPI_SUCCESS) {
        sd_grid_destroy(&g);
        return sd_mpi_fail(rc, "setting up the Cartesian communicator");
    }
    g->size = P;
    int lo[3], ln[3];
    for (int a = 0; a < 3; a++) {
        g->pdims[a] = a < dim ? pd[a] : 1;
        g->coords[a] = a < dim ? coords[a] : 0;
        g->nbr[a][0] = g->nbr[a][1] = MPI_PROC_NULL;
        if (a < dim && (rc = MPI_Cart_shift(g->comm, a, 1, &g->nbr[a][0], &g->nbr[a][1])) !=
                           MPI_SUCCESS) {
            sd_grid_destroy(&g);
            return sd_mpi_fail(rc, "MPI_Cart_shift");
        }
        lo[a] = g->starts[a][g->coords[a]];
        ln[a] = g->starts[a][g->coords[a] + 1] - lo[a];
    }
    sd_box_setup(&g->box, dim, n, lo, ln, per, dx);
    *gp = g;
    return SD_OK;
}

int sd_grid_create(MPI_Comm comm, int dim, const int n[3], double dx,
                   const int periodic[3], sd_grid **g)
{
    return sd_grid_create_layout(comm, dim, n, dx, periodic, NULL, g);
}

int sd_grid_destroy(sd_grid **gp)
{
    if (!gp || !*gp) return SD_OK;
    sd_grid *g = *gp;
    *gp = NULL;
    int rc = MPI_SUCCESS;
    if (g->owns_comm && g->comm != MPI_COMM_NULL) rc = MPI_Comm_free(&g->comm);
    grid_free(g);
    if (rc != MPI_SUCCESS) return sd_mpi_fail(rc, "MPI_Comm_free");
    return SD_OK;
}

const sd_box *sd_grid_box(const sd_grid *g) { return &g->box; }

MPI_Comm sd_grid_comm(const sd_grid *g) { return g->comm; }
int sd_grid_rank(const sd_grid *g) { return g->rank; }

void sd_grid_layout(const sd_grid *g, int pdims[3], int coords[3])
{
    for (int a = 0; a < 3; a++) {
        if (pdims) pdims[a] = g->pdims[a];
        if (coords) coords[a] = g->coords[a];
    }
}

int sd_grid_alloc(const sd_grid *g, const char *what, double **u)
{
    *u = sd_calloc(g->box.size, sizeof(double), what);
    return *u ? SD_OK : SD_ERR_NOMEM;
}

/* ---- Coarse levels (for the multigrid) ----------------------------------- */

int sd_grid_create_coarse(const sd_grid *fine, const int nc[3], int replicated,
                          sd_grid **cp)
{
    *cp = NULL;
    const sd_box *fb = &fine->box;
    int dim = fb->dim;
    sd_grid *g = sd_calloc(1, sizeof *g, "multigrid level");
    if (!g) return SD_ERR_NOMEM;
    g->tag_next = fine->tag_next;
    g->replicated = replicated || fine->replicated;
    int lo[3], ln[3];
    for (int a = 0; a < 3; a++) {
        int pa = g->replicated ? 1 : fine->pdims[a];
        g->starts[a] = sd_malloc(sizeof(int) * (size_t)(pa + 1), "multigrid split points");
        if (!g->starts[a]) {
            grid_free(g);
            return SD_ERR_NOMEM;
        }
        if (g->replicated) {
            g->starts[a][0] = 0;
            g->starts[a][1] = nc[a];
        } else {
            for (int p = 0; p <= pa; p++) {
                int s = fine->starts[a][p];
                g->starts[a][p] = nc[a] == fb->n[a] ? s : (s + 1) / 2;
            }
        }
    }
    if (g->replicated) {
        g->comm = MPI_COMM_SELF;
        g->rank = 0;
        g->size = 1;
        for (int a = 0; a < 3; a++) {
            g->pdims[a] = 1;
            g->coords[a] = 0;
            g->nbr[a][0] = g->nbr[a][1] = (a < dim && fb->periodic[a]) ? 0 : MPI_PROC_NULL;
        }
    } else {
        g->comm = fine->comm;
        g->rank = fine->rank;
        g->size = fine->size;
        memcpy(g->pdims, fine->pdims, sizeof g->pdims);
        memcpy(g->coords, fine->coords, sizeof g->coords);
        memcpy(g->nbr, fine->nbr, sizeof g->nbr);
    }
    g->owns_comm = 0;
    for (int a = 0; a < 3; a++) {
        lo[a] = g->starts[a][g->coords[a]];
        ln[a] = g->starts[a][g->coords[a] + 1] - lo[a];
    }
    sd_box_setup(&g->box, dim, nc, lo, ln, fb->periodic, fb->dx);
    *cp = g;
    return SD_OK;
}

int sd_grid_coarse_min_block(const sd_grid *fine, const int nc[3])
{
    int m = INT_MAX;
    if (fine->replicated) return m;
    for (int a = 0; a < fine->box.dim; a++) {
        if (fine->pdims[a] == 1) continue;
        for (int p = 0; p < fine->pdims[a]; p++) {
            int s0 = fine->starts[a][p], s1 = fine->starts[a][p + 1];
            int w = nc[a] == fine->box.n[a] ? s1 - s0 : (s1 + 1) / 2 - (s0 + 1) / 2;
            if (w < m) m = w;
        }
    }
    return m;
}

/* ---- Reductions ------------------------------------------------------------ */

int sd_grid_max(const sd_grid *g, double *v, int n)
{
    /* MPI's MAX of a NaN is unspecified: make it +infinity first. */
    for (int i = 0; i < n; i++)
        if (isnan(v[i])) v[i] = INFINITY;
    if (g->size == 1) return SD_OK;
    SD_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, g->comm));
    return SD_OK;
}

int sd_grid_sum_int64(const sd_grid *g, int64_t *v, int n)
{
    if (g->size == 1) return SD_OK;
    SD_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, MPI_SUM, g->comm));
    return SD_OK;
}

/* ---- The exact sum ------------------------------------------------------------
 * A double is m 2^(e-1075) (normal) or m 2^-1074 (subnormal) with m < 2^53:
 * an integer m shifted left by pos = max(e, 1) - 1 bits in units of 2^-1074.
 * It is added as three 32-bit pieces to limbs k, k+1, k+2 (k = pos / 32).
 * Limbs are int64: after a carry propagation they are in [0, 2^32) (the top
 * limb signed), and 2^30 additions of < 2^32 each cannot overflow them. */

#define XS_MASK 0xffffffffULL
#define XS_MAXADD ((int64_t)1 << 30)

void sd_xsum_init(sd_xsum *s) { memset(s, 0, sizeof *s); }

static void xsum_carry(sd_xsum *s)
{
    int64_t carry = 0;
    for (int k = 0; k < SD_XSUM_LIMBS - 1; k++) {
        int64_t v = s->limb[k] + carry;
        int64_t low = (int64_t)((uint64_t)v & XS_MASK);
        carry = (v - low) / ((int64_t)1 << 32);
        s->limb[k] = low;
    }
    s->limb[SD_XSUM_LIMBS - 1] += carry;
    s->nadd = 0;
}

void sd_xsum_add(sd_xsum *s, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (e == 0x7ff) {
        s->nonfinite++;
        return;
    }
    if (e == 0) {
        if (!m) return;
        e = 1;
    } else {
        m |= 1ULL << 52;
    }
    int pos = e - 1, k = pos >> 5, sh = pos & 31;
    int64_t t0 = (int64_t)((m << sh) & XS_MASK);
    int64_t t1 = (int64_t)((m >> (32 - sh)) & XS_MASK);
    int64_t t2 = sh ? (int64_t)(m >> (64 - sh)) : 0;
    if (bits >> 63) {
        s->limb[k] -= t0;
        s->limb[k + 1] -= t1;
        s->limb[k + 2] -= t2;
    } else {
        s->limb[k] += t0;
        s->limb[k + 1] += t1;
        s->limb[k + 2] += t2;
    }
    if (++s->nadd >= XS_MAXADD) xsum_carry(s);
}

static int bitlen32(uint64_t w)
{
    int nb = 0;
    while (w) {
        nb++;
        w >>= 1;
    }
    return nb;
}

double sd_xsum_value(const sd_xsum *s0)
{
    if (s0->nonfinite) return NAN;
    sd_xsum s = *s0;
    xsum_carry(&s);
    double sign = 1;
    if (s.limb[SD_XSUM_LIMBS - 1] < 0) {
        for (int k = 0; k < SD_XSUM_LIMBS; k++) s.limb[k] = -s.limb[k];
        xsum_carry(&s);
        sign = -1;
    }
    int k = SD_XSUM_LIMBS - 1;
    while (k >= 0 && s.limb[k] == 0) k--;
    if (k < 0) return 0.0;
    if (k == SD_XSUM_LIMBS - 1) return sign * INFINITY; /* beyond 2^1134 */
    uint64_t w2 = (uint64_t)s.limb[k];
    uint64_t w1 = k >= 1 ? (uint64_t)s.limb[k - 1] : 0;
    uint64_t w0 = k >= 2 ? (uint64_t)s.limb[k - 2] : 0;
    int nb = bitlen32(w2);
    /* The 64 leading bits, and a sticky bit for everything below them, so
     * that the one rounding (uint64 -> double) is the correct one. */
    uint64_t x = (w2 << (64 - nb)) | (w1 << (32 - nb)) | (w0 >> nb);
    int sticky = (w0 & ((1ULL << nb) - 1)) != 0;
    for (int j = k - 3; j >= 0 && !sticky; j--) sticky = s.limb[j] != 0;
    x |= (uint64_t)sticky;
    return sign * ldexp((double)x, 32 * k + nb - 64 - 1074);
}

int sd_grid_xsum(const sd_grid *g, sd_xsum *s, int n)
{
    if (n <= 0) return SD_OK;
    for (int i = 0; i < n; i++) xsum_carry(&s[i]);
    if (g->size == 1) return SD_OK;
    const int w = SD_XSUM_LIMBS + 1;
    int64_t *buf = sd_malloc(sizeof(int64_t) * (size_t)w * (size_t)n, "exact sum buffer");
    if (!buf) return SD_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        memcpy(buf + (size_t)i * w, s[i].limb, sizeof s[i].limb);
        buf[(size_t)i * w + SD_XSUM_LIMBS] = s[i].nonfinite;
    }
    /* Limbs are < 2^32 after the carry, so the integer sum is exact for any
     * number of ranks below 2^31. */
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, w * n, MPI_INT64_T, MPI_SUM, g->comm);
    if (rc != MPI_SUCCESS) {
        free(buf);
        return sd_mpi_fail(rc, "MPI_Allreduce (exact sum)");
    }
    for (int i = 0; i < n; i++) {
        memcpy(s[i].limb, buf + (size_t)i * w, sizeof s[i].limb);
        s[i].nonfinite = buf[(size_t)i * w + SD_XSUM_LIMBS];
        xsum_carry(&s[i]);
    }
    free(buf);
    return SD_OK;
}

int sd_grid_sum(const sd_grid *g, const double *u, double *sum)
{
    const sd_box *b = &g->box;
    sd_xsum s;
    sd_xsum_init(&s);
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            const double *row = u + sd_box_idx(b, 0, j, k);
            for (int i = 0; i < b->ln[0]; i++) sd_xsum_add(&s, row[i]);
        }
    SD_CALL(sd_grid_xsum(g, &s, 1));
    *sum = sd_xsum_value(&s);
    return SD_OK;
}

/* ---- Gather -------------------------------------------------------------- */

int sd_grid_gather_elems(const sd_grid *g, const void *uv, size_t elem, int root, void *gv)
{
    const char *u = uv;
    char *global = gv;
    const sd_box *b = &g->box;
    if ((double)b->nglobal * (double)elem > INT_MAX)
        return sd_error(SD_ERR_INPUT, "grid gather: %lld cells of %zu bytes: more than 2^31 - 1 "
                        "bytes", (long long)b->nglobal, elem);
    int P = g->size, rc = SD_OK, mrc;
    char *send = sd_malloc(elem * b->ncells + 1, "gather buffer");
    if (!send) rc = SD_ERR_NOMEM;
    size_t p = 0;
    for (int k = 0; k < b->ln[2] && send; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            memcpy(send + p, u + elem * (size_t)sd_box_idx(b, 0, j, k), elem * (size_t)b->ln[0]);
            p += elem * (size_t)b->ln[0];
        }
    int *counts = NULL, *displs = NULL;
    char *recv = NULL;
    if (g->rank == root) {
        counts = sd_malloc(sizeof(int) * (size_t)P, "gather counts");
        displs = sd_malloc(sizeof(int) * (size_t)P, "gather displacements");
        recv = sd_malloc(elem * (size_t)b->nglobal + 1, "gather buffer");
        if (!counts || !displs || !recv) rc = SD_ERR_NOMEM;
    }
    if (rc == SD_OK && g->rank == root) {
        int off = 0;
        for (int r = 0; r < P; r++) {
            int c[3] = {0, 0, 0};
            if ((mrc = MPI_Cart_coords(g->comm, r, b->dim, c)) != MPI_SUCCESS) {
                rc = sd_mpi_fail(mrc, "MPI_Cart_coords");
                break;
            }
            int64_t cnt = 1;
            for (int a = 0; a < 3; a++)
                cnt *= g->starts[a][c[a] + 1] - g->starts[a][c[a]];
            counts[r] = (int)(cnt * (int64_t)elem);
            displs[r] = off;
            off += counts[r];
        }
    }
    /* A rank that failed above (the root alone, or any rank to allocate)
     * must still take part: agree first. */
    rc = sd_agree(g->comm, rc);
    if (rc == SD_OK) {
        mrc = MPI_Gatherv(send, (int)(b->ncells * elem), MPI_BYTE, recv, counts, displs,
                          MPI_BYTE, root, g->comm);
        if (mrc != MPI_SUCCESS) rc = sd_mpi_fail(mrc, "MPI_Gatherv");
    }
    if (rc == SD_OK && g->rank == root) {
        for (int r = 0; r < P && rc == SD_OK; r++) {
            int c[3] = {0, 0, 0};
            if ((mrc = MPI_Cart_coords(g->comm, r, b->dim, c)) != MPI_SUCCESS) {
                rc = sd_mpi_fail(mrc, "MPI_Cart_coords");
                break;
            }
            int lo[3], ln[3];
            for (int a = 0; a < 3; a++) {
                lo[a] = g->starts[a][c[a]];
                ln[a] = g->starts[a][c[a] + 1] - lo[a];
            }
            const char *src = recv + displs[r];
            for (int k = 0; k < ln[2]; k++)
                for (int j = 0; j < ln[1]; j++) {
                    int64_t gi = lo[0] + (int64_t)b->n[0] * ((lo[1] + j) + (int64_t)b->n[1] * (lo[2] + k));
                    memcpy(global + elem * (size_t)gi, src, elem * (size_t)ln[0]);
                    src += elem * (size_t)ln[0];
                }
        }
    }
    free(send);
    free(counts);
    free(displs);
    free(recv);
    return rc;
}

int sd_grid_gather(const sd_grid *g, const double *u, int root, double *global)
{
    return sd_grid_gather_elems(g, u, sizeof(double), root, global);
}
