/* MPI tests of the grid, the halo exchange and the field solver: run by
 * ctest on 1, 2, 3 and 4 ranks (and by hand on more).
 *
 *  - halo exchange on uneven splits (97 x 61, 33 x 29 x 17), every layout of
 *    the ranks, zero-flux and periodic axes, faces and corners, all wall
 *    modes, 1- and 8-byte elements, split phase with work in between;
 *  - bit-for-bit identity of the solver: steady states and time steps with
 *    non-trivial a(x), q(x) built from the global index, gathered to rank 0
 *    and compared with the bits of a one-rank solve on MPI_COMM_SELF;
 *  - exact sums equal to the serial ones, whatever the split;
 *  - errors agreed by all ranks (no rank left waiting). */
#include <CUnit/Basic.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/box.h"
#include "sendrift/error.h"
#include "sendrift/fields.h"
#include "sendrift/grid.h"
#include "sendrift/halo.h"
#include "sd_test.h"

static int rank, nranks;

#define FOR_CELLS(b, i, j, k)                                                 \
    for (int k = 0; k < (b)->ln[2]; k++)                                      \
        for (int j = 0; j < (b)->ln[1]; j++)                                  \
            for (int i = 0; i < (b)->ln[0]; i++)

/* All ranks agree that a condition held everywhere. */
static int all_ok(int ok)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

/* Process grids to try for the current number of ranks: the default (NULL)
 * and every factorisation that fits the grid. */
static int layouts(int dim, const int n[3], int out[][3], int max)
{
    int cnt = 0;
    for (int p0 = 1; p0 <= nranks; p0++) {
        if (nranks % p0) continue;
        for (int p1 = 1; p1 <= nranks / p0; p1++) {
            if ((nranks / p0) % p1) continue;
            int p2 = nranks / p0 / p1;
            if (dim == 2 && p2 != 1) continue;
            if (p0 > n[0] || p1 > n[1] || (dim == 3 && p2 > n[2])) continue;
            if (cnt < max) {
                out[cnt][0] = p0;
                out[cnt][1] = p1;
                out[cnt][2] = p2;
                cnt++;
            }
        }
    }
    return cnt;
}

/* ---- halo -------------------------------------------------------------- */

static double tagval(int64_t gi) { return 1000.0 + (double)gi; }

/* Expected ghost value for local cell c of box b (kept = -7). */
static double expect(const sd_box *b, const int c[3], int corners, int bc)
{
    int g[3], nout = 0, wall = 0;
    for (int a = 0; a < 3; a++) {
        g[a] = b->lo[a] + c[a];
        if (a >= b->dim || (g[a] >= 0 && g[a] < b->n[a])) continue;
        nout++;
        if (b->periodic[a]) {
            g[a] = (g[a] + b->n[a]) % b->n[a];
        } else {
            wall = 1;
            g[a] = g[a] < 0 ? 0 : b->n[a] - 1;
        }
    }
    int out_local = 0;
    for (int a = 0; a < b->dim; a++) out_local += c[a] < 0 || c[a] >= b->ln[a];
    if (out_local > 1 && !corners) return -7.0;
    if (wall && bc == SD_HALO_BC_KEEP) return -7.0;
    if (wall && bc == SD_HALO_BC_ZERO) return 0.0;
    return tagval(g[0] + (int64_t)b->n[0] * (g[1] + (int64_t)b->n[1] * g[2]));
}

static int check_halo(const sd_grid *g, int flags, int split)
{
    const sd_box *b = sd_grid_box(g);
    double *u = NULL;
    sd_grid_alloc(g, "u", &u);
    for (size_t p = 0; p < b->size; p++) u[p] = -7.0;
    FOR_CELLS(b, i, j, k) u[sd_box_idx(b, i, j, k)] = tagval(sd_box_gidx(b, i, j, k));
    sd_halo *h = NULL;
    int ok = sd_halo_create(g, sizeof(double), flags, &h) == SD_OK;
    if (ok) {
        ok &= sd_halo_begin(h, u) == SD_OK;
        if (split) /* work on the inside meanwhile: must survive untouched */
            FOR_CELLS(b, i, j, k) {
                int inner = 1;
                int c[3] = {i, j, k};
                for (int a = 0; a < b->dim; a++) inner &= c[a] > 0 && c[a] < b->ln[a] - 1;
                if (inner) u[sd_box_idx(b, i, j, k)] = -tagval(sd_box_gidx(b, i, j, k));
            }
        ok &= sd_halo_end(h) == SD_OK;
    }
    int corners = flags & SD_HALO_CORNERS, bc = flags & 6, bad = 0;
    int kmin = b->dim == 3 ? -1 : 0, kmax = b->dim == 3 ? b->ln[2] : 0;
    for (int k = kmin; k <= kmax; k++)
        for (int j = -1; j <= b->ln[1]; j++)
            for (int i = -1; i <= b->ln[0]; i++) {
                int c[3] = {i, j, k}, out = 0, inner = 1;
                for (int a = 0; a < b->dim; a++) {
                    out |= c[a] < 0 || c[a] >= b->ln[a];
                    inner &= c[a] > 0 && c[a] < b->ln[a] - 1;
                }
                double got = u[sd_box_idx(b, i, j, k)], want;
                if (out) want = expect(b, c, corners, bc);
                else if (split && inner) want = -tagval(sd_box_gidx(b, i, j, k));
                else want = tagval(sd_box_gidx(b, i, j, k));
                bad += got != want;
            }
    sd_halo_destroy(&h);
    free(u);
    return ok && bad == 0;
}

static void test_halo(void)
{
    const int sizes[2][3] = {{97, 61, 1}, {33, 29, 17}};
    const int pers[4][3] = {{0, 0, 0}, {1, 1, 1}, {1, 0, 1}, {0, 1, 0}};
    const int modes[5] = {SD_HALO_FACES, SD_HALO_FACES | SD_HALO_BC_MIRROR,
                          SD_HALO_FACES | SD_HALO_BC_ZERO, SD_HALO_CORNERS | SD_HALO_BC_MIRROR,
                          SD_HALO_CORNERS | SD_HALO_BC_ZERO};
    int nchecked = 0, nfailed = 0;
    for (int d = 0; d < 2; d++) {
        int dim = d ? 3 : 2;
        int lay[32][3];
        int nl = layouts(dim, sizes[d], lay, 32);
        for (int l = -1; l < nl; l++)
            for (int pr = 0; pr < 4; pr++) {
                sd_grid *g = NULL;
                int rc = sd_grid_create_layout(MPI_COMM_WORLD, dim, sizes[d], 10.0, pers[pr],
                                               l < 0 ? NULL : lay[l], &g);
                CU_ASSERT_EQUAL_FATAL(rc, SD_OK);
                for (int m = 0; m < 5; m++)
                    for (int split = 0; split < 2; split++) {
                        int ok = all_ok(check_halo(g, modes[m], split));
                        nchecked++;
                        if (!ok) {
                            nfailed++;
                            if (rank == 0)
                                printf("\n    halo FAILED: %dD layout %d per %d mode %d split %d",
                                       dim, l, pr, m, split);
                        }
                        CU_ASSERT(ok);
                    }
                sd_grid_destroy(&g);
            }
    }
    /* Corners mode with walls kept. */
    sd_grid *g = NULL;
    int per[3] = {1, 0, 0};
    CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_WORLD, 3, sizes[1], 1.0, per, &g), SD_OK);
    CU_ASSERT(all_ok(check_halo(g, SD_HALO_CORNERS, 1)));
    /* One-byte elements (a kind array) with mirrored walls. */
    const sd_box *b = sd_grid_box(g);
    unsigned char *kind = calloc(b->size, 1);
    FOR_CELLS(b, i, j, k) kind[sd_box_idx(b, i, j, k)] = (unsigned char)(sd_box_gidx(b, i, j, k) % 251);
    sd_halo *h = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_halo_create(g, 1, SD_HALO_BC_MIRROR, &h), SD_OK);
    CU_ASSERT_EQUAL(sd_halo_exchange(h, kind), SD_OK);
    int bad = 0;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++)
            for (int s = 0; s < 2; s++) {
                int i = s ? b->ln[0] : -1;
                int gi = (b->lo[0] + i + b->n[0]) % b->n[0];
                int64_t gx = gi + (int64_t)b->n[0] * ((b->lo[1] + j) + (int64_t)b->n[1] * (b->lo[2] + k));
                bad += kind[sd_box_idx(b, i, j, k)] != (unsigned char)(gx % 251);
            }
    CU_ASSERT(all_ok(bad == 0));
    free(kind);
    sd_halo_destroy(&h);
    sd_grid_destroy(&g);
    if (rank == 0) printf("\n    %d halo configurations checked on %d ranks, %d failed\n",
                          nchecked, nranks, nfailed);
}

/* ---- bit identity ------------------------------------------------------- */

static void fill_aq(const sd_box *b, double *a, double *q, double psi, int salt)
{
    FOR_CELLS(b, i, j, k) {
        uint64_t h = (uint64_t)(sd_box_gidx(b, i, j, k) + 1000003 * salt) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 27;
        ptrdiff_t p = sd_box_idx(b, i, j, k);
        if (a) a[p] = (h % 5u) ? psi : 0.0;
        if (q) q[p] = (h % 23u) == 0 ? (double)((h >> 8) % 1000u) / 999.0 : 0.0;
    }
}

/* The model's sequence on grid g: both fields to their steady state, then
 * steps with changed sources.  Returns the fields gathered on rank 0 of g
 * (2 x n doubles), the cycles taken and the exact sums. */
typedef struct {
    double *glob;       /* on rank 0 only */
    int cycles[8];
    double sums[2];
} run_out;

static int run_model(sd_grid *g, const sd_fields_opts *o, run_out *out)
{
    const sd_box *b = sd_grid_box(g);
    int grank;
    MPI_Comm_rank(sd_grid_comm(g), &grank);
    sd_fields *f = NULL;
    int rc = sd_fields_create(g, o, &f);
    if (rc) return rc;
    double *S = NULL, *E = NULL, *a = NULL, *q = NULL;
    sd_grid_alloc(g, "S", &S);
    sd_grid_alloc(g, "E", &E);
    sd_grid_alloc(g, "a", &a);
    sd_grid_alloc(g, "q", &q);
    double lS, DS, lE, DE, dt = 1.0 / 24;
    sd_fields_rates(250, 6, &lS, &DS);
    sd_fields_rates(30, 24, &lE, &DE);
    sd_fields_stats st;
    int c = 0;
    fill_aq(b, a, q, 4.0, 0);
    if (!rc) rc = sd_fields_steady(f, S, NULL, q, lS, DS, &st);
    out->cycles[c++] = st.cycles;
    if (!rc) rc = sd_fields_steady(f, E, a, q, lE, DE, &st);
    out->cycles[c++] = st.cycles;
    for (int n = 1; n <= 3 && !rc; n++) {
        fill_aq(b, a, q, 4.0, n);
        rc = sd_fields_step(f, S, NULL, q, lS, DS, dt, &st);
        out->cycles[c++] = st.cycles;
        if (!rc) rc = sd_fields_step(f, E, a, q, lE, DE, dt, &st);
        out->cycles[c++] = st.cycles;
    }
    if (!rc) rc = sd_grid_sum(g, S, &out->sums[0]);
    if (!rc) rc = sd_grid_sum(g, E, &out->sums[1]);
    out->glob = NULL;
    if (grank == 0) out->glob = malloc(sizeof(double) * 2 * (size_t)b->nglobal);
    if (!rc) rc = sd_grid_gather(g, S, 0, out->glob);
    if (!rc) rc = sd_grid_gather(g, E, 0, out->glob ? out->glob + b->nglobal : NULL);
    free(S);
    free(E);
    free(a);
    free(q);
    sd_fields_destroy(&f);
    return rc;
}

static uint64_t fnv(const double *v, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = (const unsigned char *)v;
    for (size_t i = 0; i < n * sizeof(double); i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void test_bit_identity(void)
{
    const int sizes[2][3] = {{97, 61, 1}, {33, 29, 17}};
    const int pers[3][3] = {{0, 0, 0}, {1, 1, 1}, {1, 0, 1}};
    for (int d = 0; d < 2; d++) {
        int dim = d ? 3 : 2;
        for (int pr = 0; pr < 3; pr++) {
            /* The reference: one rank, MPI_COMM_SELF, in this process. */
            run_out ref = {0};
            int64_t N = (int64_t)sizes[d][0] * sizes[d][1] * (dim == 3 ? sizes[d][2] : 1);
            if (rank == 0) {
                sd_grid *g1 = NULL;
                CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_SELF, dim, sizes[d], 10.0,
                                                     pers[pr], &g1), SD_OK);
                CU_ASSERT_EQUAL(run_model(g1, NULL, &ref), SD_OK);
                sd_grid_destroy(&g1);
            }
            int lay[32][3];
            int nl = layouts(dim, sizes[d], lay, 32);
            for (int l = -1; l < nl; l++)
                for (int ag = 0; ag < 2; ag++) {
                    if (ag && l >= 0) continue; /* agglomeration variant: default layout */
                    sd_fields_opts o;
                    sd_fields_opts_default_dim(&o, dim);
                    if (ag) o.agglomerate_cells = 2000;
                    sd_grid *g = NULL;
                    CU_ASSERT_EQUAL_FATAL(sd_grid_create_layout(MPI_COMM_WORLD, dim, sizes[d],
                                                                10.0, pers[pr],
                                                                l < 0 ? NULL : lay[l], &g),
                                          SD_OK);
                    run_out got = {0};
                    int rc = run_model(g, &o, &got);
                    CU_ASSERT(all_ok(rc == SD_OK));
                    int same = 1;
                    if (rank == 0 && rc == SD_OK) {
                        same = memcmp(got.glob, ref.glob, sizeof(double) * 2 * (size_t)N) == 0;
                        same &= memcmp(got.cycles, ref.cycles, sizeof got.cycles) == 0;
                        same &= memcmp(got.sums, ref.sums, sizeof got.sums) == 0;
                        int pd[3];
                        sd_grid_layout(g, pd, NULL);
                        printf("\n    %dD %dx%dx%d per %d%d%d on %d ranks (%dx%dx%d%s): "
                               "cycles %d %d | %d %d | ..., hash %016llx vs P=1 %016llx: %s",
                               dim, sizes[d][0], sizes[d][1], dim == 3 ? sizes[d][2] : 1,
                               pers[pr][0], pers[pr][1], dim == 3 ? pers[pr][2] : 0, nranks,
                               pd[0], pd[1], pd[2], ag ? ", agglomerate early" : "",
                               got.cycles[0], got.cycles[1], got.cycles[2], got.cycles[3],
                               (unsigned long long)fnv(got.glob, 2 * (size_t)N),
                               (unsigned long long)fnv(ref.glob, 2 * (size_t)N),
                               same ? "identical" : "DIFFERENT");
                    }
                    CU_ASSERT(all_ok(same));
                    /* Every rank has the same exact sums. */
                    double s[2] = {got.sums[0], got.sums[1]};
                    MPI_Bcast(s, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
                    CU_ASSERT(all_ok(memcmp(s, got.sums, sizeof s) == 0));
                    free(got.glob);
                    sd_grid_destroy(&g);
                }
            free(ref.glob);
        }
    }
    if (rank == 0) printf("\n");
}

/* ---- periodic lengths ------------------------------------------------------ */

/* One steady solve (a(x), sparse q(x) and a unit source at n / 3) gathered on
 * rank 0 of g into *glob. */
static int solve_gather(sd_grid *g, double **glob, int *cycles)
{
    const sd_box *b = sd_grid_box(g);
    int grank;
    MPI_Comm_rank(sd_grid_comm(g), &grank);
    *glob = NULL;
    *cycles = -1;
    sd_fields *f = NULL;
    int rc = sd_fields_create(g, NULL, &f);
    if (rc) return rc;
    double *u = NULL, *a = NULL, *q = NULL;
    sd_grid_alloc(g, "u", &u);
    sd_grid_alloc(g, "a", &a);
    sd_grid_alloc(g, "q", &q);
    fill_aq(b, a, q, 4.0, 7);
    FOR_CELLS(b, i, j, k) {
        int c[3] = {b->lo[0] + i, b->lo[1] + j, b->lo[2] + k}, at = 1;
        for (int d = 0; d < b->dim; d++) at &= c[d] == b->n[d] / 3;
        if (at) q[sd_box_idx(b, i, j, k)] = 1.0;
    }
    sd_fields_stats st;
    rc = sd_fields_steady(f, u, a, q, 1.0, 1e4, &st); /* L = 10 dx */
    *cycles = st.cycles;
    if (grank == 0) *glob = malloc(sizeof(double) * (size_t)b->nglobal);
    if (!rc) rc = sd_grid_gather(g, u, 0, *glob);
    free(u);
    free(a);
    free(q);
    sd_fields_destroy(&f);
    return rc;
}

/* Periodic lengths along one axis, the others zero-flux and large enough
 * for three or more levels (lengths 6 and 8 gave NaN: the period of the
 * coarse-level prolongation was wrong): the solve converges, is finite and
 * bit-identical to the one-rank solve with every rank along the periodic
 * axis (coarse levels then wrap through remote neighbours until they are
 * agglomerated; the default layout for lengths below the number of ranks).  Every length 2..16 and a few up
 * to 40 (tests/unit/test_fields.c checks every length 2..40 on one rank
 * against the exact solution); 2-D along x under 64, 3-D along z under
 * 16 x 12. */
static void test_periodic_lengths(void)
{
    static const int lengths[] = {2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                  13, 14, 15, 16, 17, 24, 31, 32, 33, 40};
    const int nlen = (int)(sizeof lengths / sizeof lengths[0]);
    int ncases = 0, nbad = 0;
    for (int d = 0; d < 2; d++) {
        int dim = d ? 3 : 2, axis = d ? 2 : 0;
        for (int t = 0; t < nlen; t++) {
            int N = lengths[t];
            int n[3] = {64, 64, 1}, per[3] = {0, 0, 0};
            if (dim == 3) {
                n[0] = 16;
                n[1] = 12;
            }
            n[axis] = N;
            per[axis] = 1;
            int64_t M = (int64_t)n[0] * n[1] * n[2];
            double *ref = NULL;
            int refcyc = -1, refok = 1;
            if (rank == 0) {
                sd_grid *g1 = NULL;
                CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_SELF, dim, n, 10.0, per, &g1),
                                      SD_OK);
                refok = solve_gather(g1, &ref, &refcyc) == SD_OK;
                for (int64_t p = 0; refok && p < M; p++) refok = isfinite(ref[p]);
                CU_ASSERT(refok);
                sd_grid_destroy(&g1);
            }
            /* Every rank along the periodic axis where it is long enough
             * (the default layout otherwise). */
            {
                int pd[3] = {1, 1, 1}, l = nranks <= N;
                pd[axis] = nranks;
                sd_grid *g = NULL;
                CU_ASSERT_EQUAL_FATAL(sd_grid_create_layout(MPI_COMM_WORLD, dim, n, 10.0,
                                                            per, l ? pd : NULL, &g),
                                      SD_OK);
                double *got = NULL;
                int cyc;
                int rc = solve_gather(g, &got, &cyc);
                int ok = rc == SD_OK;
                if (rank == 0 && ok)
                    ok = refok && cyc == refcyc &&
                         memcmp(got, ref, sizeof(double) * (size_t)M) == 0;
                ok = all_ok(ok);
                CU_ASSERT(ok);
                ncases++;
                if (!ok) {
                    nbad++;
                    if (rank == 0)
                        printf("\n    FAILED: %dD %dx%dx%d periodic along %c, %s layout: "
                               "rc %d, cycles %d (one rank: %d)",
                               dim, n[0], n[1], n[2], "xyz"[axis],
                               l ? "periodic-axis" : "default", rc, cyc, refcyc);
                }
                free(got);
                sd_grid_destroy(&g);
            }
            free(ref);
        }
    }
    if (rank == 0)
        printf("\n    periodic lengths 2..17, 24, 31..33, 40 (2-D along x under 64, 3-D "
               "along z under 16 x 12) on %d ranks: %d solves bit-identical to one rank, %d failed\n",
               nranks, ncases - nbad, nbad);
}

/* ---- exact sums ---------------------------------------------------------- */

static double wild(int64_t gi)
{
    uint64_t h = (uint64_t)gi * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    double m = (double)(h % 2000001u) / 1000.0 - 1000.0;
    return ldexp(m, (int)((h >> 21) % 120u) - 60);
}

static void test_exact_sums(void)
{
    int n[3] = {53, 41, 7};
    sd_grid *g = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_WORLD, 3, n, 1.0, NULL, &g), SD_OK);
    const sd_box *b = sd_grid_box(g);
    double *u = NULL;
    sd_grid_alloc(g, "u", &u);
    int64_t cnt[2] = {0, 0};
    double mx = -INFINITY;
    FOR_CELLS(b, i, j, k) {
        int64_t gi = sd_box_gidx(b, i, j, k);
        u[sd_box_idx(b, i, j, k)] = wild(gi);
        cnt[0]++;
        cnt[1] += gi;
        mx = fmax(mx, wild(gi));
    }
    double s = 0;
    CU_ASSERT_EQUAL(sd_grid_sum(g, u, &s), SD_OK);
    /* Serial: every rank sums the whole grid, backwards. */
    sd_xsum acc;
    sd_xsum_init(&acc);
    for (int64_t gi = b->nglobal - 1; gi >= 0; gi--) sd_xsum_add(&acc, wild(gi));
    double ser = sd_xsum_value(&acc);
    CU_ASSERT(all_ok(memcmp(&s, &ser, sizeof s) == 0));
    CU_ASSERT_EQUAL(sd_grid_sum_int64(g, cnt, 2), SD_OK);
    CU_ASSERT(all_ok(cnt[0] == b->nglobal && cnt[1] == b->nglobal * (b->nglobal - 1) / 2));
    CU_ASSERT_EQUAL(sd_grid_max(g, &mx, 1), SD_OK);
    double smx = -INFINITY;
    for (int64_t gi = 0; gi < b->nglobal; gi++) smx = fmax(smx, wild(gi));
    CU_ASSERT(all_ok(mx == smx));
    /* Several accumulators at once; a NaN on one rank makes them all NaN. */
    sd_xsum two[2];
    sd_xsum_init(&two[0]);
    sd_xsum_init(&two[1]);
    sd_xsum_add(&two[0], 1.0);
    if (rank == nranks - 1) sd_xsum_add(&two[1], NAN);
    CU_ASSERT_EQUAL(sd_grid_xsum(g, two, 2), SD_OK);
    CU_ASSERT(all_ok(sd_xsum_value(&two[0]) == nranks && isnan(sd_xsum_value(&two[1]))));
    free(u);
    sd_grid_destroy(&g);
}

/* ---- errors agreed by every rank ---------------------------------------- */

static void test_errors(void)
{
    int n[3] = {40, 30, 1};
    sd_grid *g = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_WORLD, 2, n, 10.0, NULL, &g), SD_OK);
    const sd_box *b = sd_grid_box(g);
    sd_fields *f = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_fields_create(g, NULL, &f), SD_OK);
    double *u = NULL, *a = NULL, *q = NULL;
    sd_grid_alloc(g, "u", &u);
    sd_grid_alloc(g, "a", &a);
    sd_grid_alloc(g, "q", &q);
    fill_aq(b, a, q, 4.0, 0);
    /* A negative a(x) on one site only: every rank reports it. */
    FOR_CELLS(b, i, j, k) if (sd_box_gidx(b, i, j, k) == 777) a[sd_box_idx(b, i, j, k)] = -1;
    sd_fields_stats st;
    int rc = sd_fields_steady(f, u, a, q, 1.0, 1e4, &st);
    CU_ASSERT(all_ok(rc == SD_ERR_INPUT));
    fill_aq(b, a, q, 4.0, 0);
    sd_fields_destroy(&f);
    /* Not converged within max_cycles: every rank, same cycle. */
    sd_fields_opts o;
    sd_fields_opts_default(&o);
    o.max_cycles = 1;
    o.rtol = 1e-12;
    CU_ASSERT_EQUAL_FATAL(sd_fields_create(g, &o, &f), SD_OK);
    rc = sd_fields_steady(f, u, a, q, 1.0, 1e4, &st);
    CU_ASSERT(all_ok(rc == SD_ERR_MODEL && st.cycles == 1));
    CU_ASSERT(all_ok(strstr(sd_error_message(), "did not converge") != NULL));
    sd_fields_destroy(&f);
    free(u);
    free(a);
    free(q);
    sd_grid_destroy(&g);
    /* A grid too small to split: all ranks refuse (more than one rank). */
    int tiny[3] = {1, 1, 1};
    rc = sd_grid_create(MPI_COMM_WORLD, 2, tiny, 1.0, NULL, &g);
    CU_ASSERT(all_ok(nranks == 1 ? rc == SD_OK : rc == SD_ERR_INPUT));
    if (nranks > 1) CU_ASSERT(all_ok(strstr(sd_error_message(), "cannot be split") != NULL));
    if (nranks == 1) {
        /* A one-cell grid still solves: u = q / (1 + a). */
        CU_ASSERT_EQUAL_FATAL(sd_fields_create(g, NULL, &f), SD_OK);
        sd_grid_alloc(g, "u", &u);
        sd_grid_alloc(g, "q", &q);
        q[sd_box_idx(sd_grid_box(g), 0, 0, 0)] = 0.5;
        CU_ASSERT_EQUAL(sd_fields_steady(f, u, NULL, q, 1.0, 100.0, &st), SD_OK);
        CU_ASSERT_DOUBLE_EQUAL(u[sd_box_idx(sd_grid_box(g), 0, 0, 0)], 0.5, 1e-15);
        free(u);
        free(q);
        sd_fields_destroy(&f);
    }
    sd_grid_destroy(&g);
    /* The layout chosen when MPI_Dims_create does not fit a thin grid. */
    int thin[3] = {400, 1, 1};
    rc = sd_grid_create(MPI_COMM_WORLD, 2, thin, 1.0, NULL, &g);
    CU_ASSERT(all_ok(rc == SD_OK));
    if (!rc) {
        int pd[3];
        sd_grid_layout(g, pd, NULL);
        CU_ASSERT(pd[0] == nranks && pd[1] == 1);
    }
    sd_grid_destroy(&g);
}

static int set_up(void)
{
    return sd_test_world(&rank, &nranks);
}

static const sd_test tests[] = {
    {"halo exchange on uneven splits", test_halo},
    {"solver bit-identical to one rank", test_bit_identity},
    {"periodic lengths split along the period", test_periodic_lengths},
    {"exact sums", test_exact_sums},
    {"errors agreed by all ranks", test_errors},
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"fields_mpi", set_up, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
