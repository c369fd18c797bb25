/* Unit tests of the design: run id -> parameter vector.
 *
 * Sweeps are built by hand (no parser).  Reference numbers for the Sobol'
 * sequence come from SciPy 1.10.1:
 *   scipy.stats.qmc.Sobol(8, scramble=False).random(16) * 2**30
 *   s = qmc.Sobol(21201, scramble=False, bits=32); s.fast_forward(12345)
 *   s = qmc.Sobol(12, scramble=False, bits=32); s.fast_forward(3000000017)
 */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/config.h"
#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sd_test.h"

/* ---------------------------------------------------------------------- */
/* Building sweeps by hand                                                */

static sd_axis ax_range(char *name, double lo, double hi, int logscale,
                        size_t levels)
{
    sd_axis a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.def.name = name;
    a.def.type = SD_PARAM_REAL;
    a.kind = SD_AXIS_RANGE;
    a.min = lo;
    a.max = hi;
    a.log = logscale;
    a.levels = levels;
    return a;
}

static sd_axis ax_int(char *name, double lo, double hi, int logscale,
                      size_t levels)
{
    sd_axis a = ax_range(name, lo, hi, logscale, levels);
    a.def.type = SD_PARAM_INT;
    return a;
}

static sd_axis ax_values(char *name, double *v, size_t n)
{
    sd_axis a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.def.name = name;
    a.def.type = SD_PARAM_REAL;
    a.kind = SD_AXIS_VALUES;
    a.values = v;
    a.n_values = n;
    return a;
}

static sd_axis ax_choices(char *name, char **c, size_t n)
{
    sd_axis a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.def.name = name;
    a.def.type = SD_PARAM_CHOICE;
    a.kind = SD_AXIS_CHOICES;
    a.choices = c;
    a.n_values = n;
    return a;
}

static sd_sweep mk_sweep(sd_axis *axes, size_t n, sd_design_type t)
{
    sd_sweep s;
    memset(&s, 0, sizeof s);
    s.axes = axes;
    s.n_axes = n;
    s.design.type = t;
    s.design.skip = 1;
    s.design.levels = 4;
    s.replicates = 1;
    s.seed = 42;
    return s;
}

static sd_design *mk_design(const sd_sweep *s)
{
    sd_design *d = NULL;
    int rc = sd_design_create(s, &d);
    if (rc != SD_OK) fprintf(stderr, "sd_design_create: %s\n", sd_error_message());
    CU_ASSERT_EQUAL(rc, SD_OK);
    return d;
}

static double sobol(uint64_t i, size_t dim)
{
    double x = -1;
    CU_ASSERT_EQUAL_FATAL(sd_sobol_point(i, dim, &x), SD_OK);
    return x;
}

/* ---------------------------------------------------------------------- */
/* The Sobol' sequence                                                    */

/* scipy.stats.qmc.Sobol(8, scramble=False).random(16) * 2**30 */
static const uint32_t scipy_sobol8[16][8] = {
    {0, 0, 0, 0, 0, 0, 0, 0},
    {536870912, 536870912, 536870912, 536870912, 536870912, 536870912, 536870912, 536870912},
    {805306368, 268435456, 268435456, 268435456, 805306368, 805306368, 268435456, 805306368},
    {268435456, 805306368, 805306368, 805306368, 268435456, 268435456, 805306368, 268435456},
    {402653184, 402653184, 671088640, 939524096, 402653184, 134217728, 402653184, 939524096},
    {939524096, 939524096, 134217728, 402653184, 939524096, 671088640, 939524096, 402653184},
    {671088640, 134217728, 939524096, 671088640, 671088640, 939524096, 134217728, 134217728},
    {134217728, 671088640, 402653184, 134217728, 134217728, 402653184, 671088640, 671088640},
    {201326592, 335544320, 1006632960, 469762048, 603979776, 335544320, 469762048, 1006632960},
    {738197504, 872415232, 469762048, 1006632960, 67108864, 872415232, 1006632960, 469762048},
    {1006632960, 67108864, 738197504, 201326592, 335544320, 603979776, 201326592, 201326592},
    {469762048, 603979776, 201326592, 738197504, 872415232, 67108864, 738197504, 738197504},
    {335544320, 201326592, 335544320, 603979776, 1006632960, 469762048, 67108864, 67108864},
    {872415232, 738197504, 872415232, 67108864, 469762048, 1006632960, 603979776, 603979776},
    {603979776, 469762048, 67108864, 872415232, 201326592, 738197504, 335544320, 872415232},
    {67108864, 1006632960, 603979776, 335544320, 738197504, 201326592, 872415232, 335544320},
};

static void test_sobol_first_points(void)
{
    for (uint64_t i = 0; i < 16; i++)
        for (size_t k = 0; k < 8; k++) {
            double want = (double)scipy_sobol8[i][k] * 0x1.0p-30;
            double got = sobol(i, k);
            if (got != want)
                fprintf(stderr, "sobol(%d, %zu) = %.17g, scipy %.17g\n", (int)i,
                        k, got, want);
            CU_ASSERT_EQUAL(got, want);
        }
    CU_ASSERT_EQUAL(sd_sobol_max_dim(), 21201);
}

static void test_sobol_high(void)
{
    /* index 12345 of Sobol(21201, bits=32), as x * 2^32 */
    static const struct { size_t dim; uint32_t x; } at12345[] = {
        {5, 252968960u}, {1000, 1556873216u}, {10600, 2711879680u},
        {20000, 3618373632u}, {21200, 210501632u}};
    for (size_t k = 0; k < sizeof at12345 / sizeof at12345[0]; k++)
        CU_ASSERT_EQUAL(sobol(12345, at12345[k].dim),
                        (double)at12345[k].x * 0x1.0p-32);
    /* beyond 2^30 (SciPy's default bits): index 3000000017 with bits=32 */
    CU_ASSERT_EQUAL(sobol(3000000017u, 0), 2559450583.0 * 0x1.0p-32);
    CU_ASSERT_EQUAL(sobol(3000000017u, 1), 4098318889.0 * 0x1.0p-32);
    CU_ASSERT_EQUAL(sobol(3000000017u, 11), 3415259003.0 * 0x1.0p-32);
    /* the last point exists and is in [0, 1) */
    double x = sobol(UINT32_MAX, 21200);
    CU_ASSERT(x >= 0 && x < 1);
}

static void test_sobol_errors(void)
{
    double x = 0.25;
    sd_error_clear();
    CU_ASSERT_EQUAL(sd_sobol_point((uint64_t)1 << 32, 0, &x), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "2^32") != NULL);
    CU_ASSERT_EQUAL(sd_sobol_point(0, 21201, &x), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "21201") != NULL);
    CU_ASSERT_EQUAL(sd_sobol_point(0, (size_t)-1, &x), SD_ERR_INPUT);
    CU_ASSERT_EQUAL(x, 0.25);   /* untouched on failure */
    CU_ASSERT_EQUAL(sd_sobol_point(0, 0, NULL), SD_ERR_INTERNAL);
}

/* ---------------------------------------------------------------------- */
/* Sobol / Saltelli                                                       */

static double lin(double lo, double hi, double u) { return lo + u * (hi - lo); }

static void check_saltelli(int second_order)
{
    double vals[3] = {0.1, 0.2, 0.5};
    sd_axis ax[3] = {ax_range("x1", -3.0, 3.0, 0, 0),
                     ax_range("x2", 1.0, 16.0, 1, 0),
                     ax_values("x3", vals, 3)};
    sd_sweep s = mk_sweep(ax, 3, SD_DESIGN_SOBOL);
    s.design.samples = 8;
    s.design.second_order = second_order;
    s.design.skip = 1;
    s.replicates = 2;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    const uint64_t D = 3, bs = second_order ? 2 * D + 2 : D + 2;
    CU_ASSERT_EQUAL(sd_design_dim(d), 3);
    CU_ASSERT_EQUAL(sd_design_points(d), 8 * bs);
    CU_ASSERT_EQUAL(sd_design_runs(d), 16 * bs);

    for (uint64_t j = 0; j < 8; j++) {
        double A[3], B[3];
        for (size_t k = 0; k < D; k++) {
            A[k] = sobol(j + 1, k);
            B[k] = sobol(j + 1, D + k);
        }
        for (uint64_t r = 0; r < bs; r++) {
            uint64_t p = j * bs + r, blk = 99, role = 99;
            CU_ASSERT_EQUAL(sd_design_role(d, p, &blk, &role), bs);
            CU_ASSERT_EQUAL(blk, j);
            CU_ASSERT_EQUAL(role, r);
            double want[3], u[3], x[3];
            for (size_t k = 0; k < D; k++) {
                if (r == 0) want[k] = A[k];
                else if (r == bs - 1) want[k] = B[k];
                else if (r <= D) want[k] = (k == r - 1) ? B[k] : A[k];
                else want[k] = (k == r - 1 - D) ? A[k] : B[k];
            }
            CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, p, u), SD_OK);
            CU_ASSERT_EQUAL_FATAL(sd_design_point(d, p, x), SD_OK);
            for (size_t k = 0; k < D; k++) CU_ASSERT_EQUAL(u[k], want[k]);
            CU_ASSERT_DOUBLE_EQUAL(x[0], lin(-3, 3, want[0]), 1e-12);
            CU_ASSERT_DOUBLE_EQUAL(x[1], pow(16.0, want[1]), 1e-12);
            int idx = (int)floor(want[2] * 3);
            CU_ASSERT_EQUAL(x[2], vals[idx > 2 ? 2 : idx]);
        }
    }
    /* hard-coded block 1 (Sobol' point 2: 0.75 .25 .25 | .25 .75 .75) */
    double u[3];
    CU_ASSERT_EQUAL(sd_design_unit(d, bs + 0, u), SD_OK);           /* A    */
    CU_ASSERT(u[0] == 0.75 && u[1] == 0.25 && u[2] == 0.25);
    CU_ASSERT_EQUAL(sd_design_unit(d, bs + 1, u), SD_OK);           /* AB_1 */
    CU_ASSERT(u[0] == 0.25 && u[1] == 0.25 && u[2] == 0.25);
    CU_ASSERT_EQUAL(sd_design_unit(d, bs + 3, u), SD_OK);           /* AB_3 */
    CU_ASSERT(u[0] == 0.75 && u[1] == 0.25 && u[2] == 0.75);
    if (second_order) {
        CU_ASSERT_EQUAL(sd_design_unit(d, bs + 4, u), SD_OK);       /* BA_1 */
        CU_ASSERT(u[0] == 0.75 && u[1] == 0.75 && u[2] == 0.75);
        CU_ASSERT_EQUAL(sd_design_unit(d, bs + 5, u), SD_OK);       /* BA_2 */
        CU_ASSERT(u[0] == 0.25 && u[1] == 0.25 && u[2] == 0.75);
    }
    CU_ASSERT_EQUAL(sd_design_unit(d, 2 * bs - 1, u), SD_OK);       /* B    */
    CU_ASSERT(u[0] == 0.25 && u[1] == 0.75 && u[2] == 0.75);
    double x[3];
    CU_ASSERT_EQUAL(sd_design_point(d, bs + 1, x), SD_OK);
    CU_ASSERT_DOUBLE_EQUAL(x[0], -1.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(x[1], 2.0, 1e-13);      /* 16^0.25 */
    CU_ASSERT_EQUAL(x[2], 0.1);

    /* runs -> points */
    uint64_t pt = 0, rep = 0;
    sd_design_split(d, 2 * bs + 1, &pt, &rep);
    CU_ASSERT_EQUAL(pt, bs);
    CU_ASSERT_EQUAL(rep, 1);
    /* out of range */
    CU_ASSERT_EQUAL(sd_design_unit(d, 8 * bs, u), SD_ERR_INPUT);
    CU_ASSERT_EQUAL(sd_design_point(d, 8 * bs, x), SD_ERR_INPUT);
    sd_design_destroy(&d);
    CU_ASSERT_PTR_NULL(d);
}

static void test_saltelli_second_order(void) { check_saltelli(1); }
static void test_saltelli_first_order(void) { check_saltelli(0); }

static void test_saltelli_skip(void)
{
    sd_axis ax[2] = {ax_range("a", 0, 1, 0, 0), ax_range("b", 0, 1, 0, 0)};
    sd_sweep s = mk_sweep(ax, 2, SD_DESIGN_SOBOL);
    s.design.samples = 4;
    s.design.skip = 0;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    double u[2];
    CU_ASSERT_EQUAL(sd_design_unit(d, 4 * 3, u), SD_OK);   /* A of base 3 */
    CU_ASSERT_EQUAL(u[0], sobol(3, 0));
    CU_ASSERT_EQUAL(u[1], sobol(3, 1));
    CU_ASSERT_EQUAL(sd_design_unit(d, 4 * 3 + 3, u), SD_OK); /* B of base 3 */
    CU_ASSERT_EQUAL(u[0], sobol(3, 2));
    CU_ASSERT_EQUAL(u[1], sobol(3, 3));
    sd_design_destroy(&d);
}

/* A sobol sweep over x1..x3 of the Ishigami model, through the parser (so
 * that the parser's default skip is the one tested); skip < 0: none given. */
static sd_sweep *parse_sobol3(uint64_t N, int second_order, long long skip)
{
    char text[512], sk[64] = "";
    if (skip >= 0) snprintf(sk, sizeof sk, ", \"skip\": %lld", skip);
    snprintf(text, sizeof text,
             "{\"model\": {\"name\": \"ishigami\"}, \"parameters\": ["
             "{\"name\": \"x1\", \"range\": [-3, 3]}, "
             "{\"name\": \"x2\", \"range\": [-3, 3]}, "
             "{\"name\": \"x3\", \"range\": [-3, 3]}], "
             "\"design\": {\"type\": \"sobol\", \"samples\": %llu, "
             "\"second_order\": %s%s}}",
             (unsigned long long)N, second_order ? "true" : "false", sk);
    sd_sweep *s = NULL;
    int rc = sd_sweep_parse(text, "sobol3.json", &s);
    if (rc != SD_OK) fprintf(stderr, "sd_sweep_parse: %s\n", sd_error_message());
    CU_ASSERT_EQUAL(rc, SD_OK);
    return s;
}

/* Brute force: how many base points have A = B, and the first. */
static uint64_t brute_dups(const sd_design *d, uint64_t N, uint64_t *first)
{
    uint64_t bs = sd_design_role(d, 0, NULL, NULL), n = 0;
    size_t D = sd_design_dim(d);
    double a[8], b[8];
    *first = UINT64_MAX;
    for (uint64_t j = 0; j < N; j++) {
        CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, j * bs, a), SD_OK);
        CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, j * bs + bs - 1, b), SD_OK);
        if (memcmp(a, b, D * sizeof *a) == 0) {
            if (!n) *first = j;
            n++;
        }
    }
    return n;
}

/* Points that lie in a block all of whose points are the same point. */
static uint64_t points_in_constant_blocks(const sd_design *d)
{
    uint64_t bs = sd_design_role(d, 0, NULL, NULL), n = 0;
    uint64_t P = sd_design_points(d);
    size_t D = sd_design_dim(d);
    double u0[8], u[8];
    for (uint64_t j = 0; j < P / bs; j++) {
        int same = 1;
        CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, j * bs, u0), SD_OK);
        for (uint64_t r = 1; r < bs; r++) {
            CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, j * bs + r, u), SD_OK);
            if (memcmp(u0, u, D * sizeof *u) != 0) same = 0;
        }
        if (same) n += bs;
    }
    return n;
}

/* The default skip (SALib's saltelli.sample: a power of two >= N, at least
 * 16) leaves no degenerate block; skip 0 given explicitly keeps the old
 * design, whose base points 0 and 1 are degenerate. */
static void test_saltelli_default_skip(void)
{
    CU_ASSERT_EQUAL(sd_sobol_default_skip(1), 16);
    CU_ASSERT_EQUAL(sd_sobol_default_skip(8), 16);
    CU_ASSERT_EQUAL(sd_sobol_default_skip(16), 16);
    CU_ASSERT_EQUAL(sd_sobol_default_skip(17), 32);
    CU_ASSERT_EQUAL(sd_sobol_default_skip(1024), 1024);
    CU_ASSERT_EQUAL(sd_sobol_default_skip((uint64_t)1 << 31), (uint64_t)1 << 31);

    /* the study: 3 parameters, N = 8, second order: 64 points */
    sd_sweep *s = parse_sobol3(8, 1, -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->design.skip, sd_sobol_default_skip(8));
    sd_design *d = mk_design(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), 64);
    uint64_t n = 99, first = 0, bf = 0;
    CU_ASSERT_EQUAL(brute_dups(d, 8, &bf), 0);
    CU_ASSERT_EQUAL(points_in_constant_blocks(d), 0);
    CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(first, UINT64_MAX);
    /* block 0 is Sobol' point 16 (scipy: Sobol(6).fast_forward(16)) */
    double u[3];
    CU_ASSERT_EQUAL(sd_design_unit(d, 0, u), SD_OK);
    CU_ASSERT(u[0] == 0.09375 && u[1] == 0.46875 && u[2] == 0.46875);
    sd_design_destroy(&d);
    sd_sweep_destroy(&s);

    /* explicit skip 0: used as given, the old design, flagged */
    s = parse_sobol3(8, 1, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->design.skip, 0);
    d = mk_design(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_unit(d, 8, u), SD_OK);   /* A of base 1 */
    CU_ASSERT(u[0] == 0.5 && u[1] == 0.5 && u[2] == 0.5);
    CU_ASSERT_EQUAL(brute_dups(d, 8, &bf), 2);
    /* the issue: 16 of the 64 points are blocks of one point each */
    CU_ASSERT_EQUAL(points_in_constant_blocks(d), 16);
    CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(first, 0);
    sd_design_destroy(&d);
    sd_sweep_destroy(&s);

    /* an explicit skip is honoured exactly */
    s = parse_sobol3(8, 0, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->design.skip, 3);
    sd_sweep_destroy(&s);

    /* the 2^32 limit with the default skip: N = 2^31 fits, 2^32 does not */
    s = parse_sobol3((uint64_t)1 << 31, 0, -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->design.skip, (uint64_t)1 << 31);
    d = mk_design(s);
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
    CU_ASSERT_EQUAL(n, 0);
    sd_design_destroy(&d);
    sd_sweep_destroy(&s);
    s = parse_sobol3((uint64_t)1 << 32, 0, -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sd_design_create(s, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "2^32") != NULL);
    CU_ASSERT(strstr(sd_error_message(), "design.skip") != NULL);
    sd_sweep_destroy(&s);

    /* other D and N: no degenerate block with the default skip */
    sd_axis ax[6];
    char nm[6][4] = {"a", "b", "c", "d", "e", "f"};
    for (size_t k = 0; k < 6; k++) ax[k] = ax_range(nm[k], 0, 1, 0, 0);
    for (size_t D = 2; D <= 6; D++)
        for (uint64_t N = 1; N <= 4096; N *= 2) {
            sd_sweep t = mk_sweep(ax, D, SD_DESIGN_SOBOL);
            t.design.samples = N;
            t.design.skip = sd_sobol_default_skip(N);
            d = mk_design(&t);
            CU_ASSERT_PTR_NOT_NULL_FATAL(d);
            CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
            CU_ASSERT_EQUAL(n, 0);
            CU_ASSERT_EQUAL(brute_dups(d, N, &bf), 0);
            t.design.skip = 0;       /* and with skip 0: base points 0, 1 */
            sd_design_destroy(&d);
            d = mk_design(&t);
            CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
            CU_ASSERT_EQUAL(n, N < 2 ? N : 2);
            CU_ASSERT_EQUAL(first, 0);
            sd_design_destroy(&d);
        }
}

/* sd_design_duplicates against brute force, over skips and sizes that
 * cut the dyadic blocks in every way; D = 1 has many degenerate points. */
static void test_saltelli_duplicates(void)
{
    sd_axis ax[4] = {ax_range("a", 0, 1, 0, 0), ax_range("b", 0, 1, 0, 0),
                     ax_range("c", 0, 1, 0, 0), ax_range("d", 0, 1, 0, 0)};
    const uint64_t skips[] = {0, 1, 2, 3, 5, 16, 17, 23, 24, 100, 1000, 4093,
                              UINT32_MAX - 700, UINT32_MAX - 1};
    const uint64_t sizes[] = {1, 2, 3, 7, 8, 13, 64, 100, 255, 512, 700};
    uint64_t total = 0;
    for (size_t D = 1; D <= 4; D++)
        for (size_t a = 0; a < sizeof skips / sizeof *skips; a++)
            for (size_t b = 0; b < sizeof sizes / sizeof *sizes; b++) {
                uint64_t N = sizes[b];
                if (N - 1 > UINT32_MAX - skips[a]) continue;
                sd_sweep t = mk_sweep(ax, D, SD_DESIGN_SOBOL);
                t.design.samples = N;
                t.design.skip = skips[a];
                t.design.second_order = (int)(a & 1);
                sd_design *d = mk_design(&t);
                CU_ASSERT_PTR_NOT_NULL_FATAL(d);
                uint64_t n = 99, first = 0, bf = 0;
                CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
                uint64_t want = brute_dups(d, N, &bf);
                if (n != want || first != bf)
                    fprintf(stderr, "D %zu skip %llu N %llu: %llu (first %llu), "
                            "brute force %llu (first %llu)\n", D,
                            (unsigned long long)skips[a], (unsigned long long)N,
                            (unsigned long long)n, (unsigned long long)first,
                            (unsigned long long)want, (unsigned long long)bf);
                CU_ASSERT_EQUAL(n, want);
                CU_ASSERT_EQUAL(first, bf);
                total += want;
                sd_design_destroy(&d);
            }
    CU_ASSERT(total > 100);   /* the check saw degenerate points */

    /* the whole sequence at once: 2^32 indices, of which 65536 have
     * x_0 = x_1 (counted by a Gray-code brute force over all 2^32, once) */
    sd_sweep t = mk_sweep(ax, 1, SD_DESIGN_SOBOL);
    t.design.samples = (uint64_t)1 << 32;
    t.design.skip = 0;
    sd_design *d = mk_design(&t);
    uint64_t n = 0, first = 99;
    CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
    CU_ASSERT_EQUAL(n, 65536);
    CU_ASSERT_EQUAL(first, 0);
    sd_design_destroy(&d);
    t.design.skip = 4;
    t.design.samples = 2;
    d = mk_design(&t);
    CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
    CU_ASSERT_EQUAL(n, 2);              /* Sobol' points 4 and 5 */
    CU_ASSERT_EQUAL(first, 0);
    sd_design_destroy(&d);

    /* other designs: nothing to report; NULL pointers */
    t.design.type = SD_DESIGN_RANDOM;
    t.design.samples = 16;
    d = mk_design(&t);
    CU_ASSERT_EQUAL(sd_design_duplicates(d, &n, &first), SD_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(first, UINT64_MAX);
    CU_ASSERT_EQUAL(sd_design_duplicates(d, NULL, NULL), SD_OK);
    sd_design_destroy(&d);
    CU_ASSERT_EQUAL(sd_design_duplicates(NULL, &n, &first), SD_ERR_INTERNAL);
}

/* ---------------------------------------------------------------------- */
/* LHS                                                                    */

static void lhs_units(uint64_t seed, double *u /* 64 x 4 */)
{
    sd_axis ax[4] = {ax_range("a", 0, 1, 0, 0), ax_range("b", -5, 5, 0, 0),
                     ax_range("c", 1, 1000, 1, 0), ax_range("d", 0, 1, 0, 0)};
    sd_sweep s = mk_sweep(ax, 4, SD_DESIGN_LHS);
    s.design.samples = 64;
    s.seed = seed;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), 64);
    for (uint64_t i = 0; i < 64; i++) {
        double x[4];
        CU_ASSERT_EQUAL(sd_design_unit(d, i, u + 4 * i), SD_OK);
        CU_ASSERT_EQUAL(sd_design_point(d, i, x), SD_OK);
        CU_ASSERT_DOUBLE_EQUAL(x[1], lin(-5, 5, u[4 * i + 1]), 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(x[2], pow(1000.0, u[4 * i + 2]), 1e-9);
        CU_ASSERT(x[2] >= 1 && x[2] <= 1000);
    }
    sd_design_destroy(&d);
}

static void test_lhs(void)
{
    double *u1 = malloc(64 * 4 * sizeof *u1), *u2 = malloc(64 * 4 * sizeof *u2),
           *u3 = malloc(64 * 4 * sizeof *u3);
    CU_ASSERT_FATAL(u1 && u2 && u3);
    lhs_units(7, u1);
    lhs_units(7, u2);
    lhs_units(8, u3);
    for (size_t k = 0; k < 4; k++) {
        int hit[64] = {0};
        for (size_t i = 0; i < 64; i++) {
            double v = u1[4 * i + k];
            CU_ASSERT(v >= 0 && v < 1);
            int st = (int)floor(v * 64);
            CU_ASSERT_FATAL(st >= 0 && st < 64);
            hit[st]++;
        }
        for (int st = 0; st < 64; st++) CU_ASSERT_EQUAL(hit[st], 1);
    }
    /* the offsets within the strata are independent draws per dimension */
    size_t tied = 0;
    for (size_t i = 0; i < 64; i++) {
        double f0 = u1[4 * i] * 64 - floor(u1[4 * i] * 64);
        for (size_t k = 1; k < 4; k++) {
            double fk = u1[4 * i + k] * 64 - floor(u1[4 * i + k] * 64);
            tied += fabs(f0 - fk) < 1e-9;
        }
    }
    CU_ASSERT_EQUAL(tied, 0);
    CU_ASSERT_EQUAL(memcmp(u1, u2, 64 * 4 * sizeof *u1), 0);
    size_t same = 0;
    for (size_t i = 0; i < 64 * 4; i++) same += u1[i] == u3[i];
    CU_ASSERT_EQUAL(same, 0);
    /* not the identity permutation: point i is not in stratum i everywhere */
    size_t diag = 0;
    for (size_t i = 0; i < 64; i++) diag += (int)floor(u1[4 * i] * 64) == (int)i;
    CU_ASSERT(diag < 10);
    free(u1);
    free(u2);
    free(u3);
}

static void test_lhs_too_big(void)
{
    sd_axis ax[4] = {ax_range("a", 0, 1, 0, 0), ax_range("b", 0, 1, 0, 0),
                     ax_range("c", 0, 1, 0, 0), ax_range("d", 0, 1, 0, 0)};
    sd_sweep s = mk_sweep(ax, 4, SD_DESIGN_LHS);
    s.design.samples = (uint64_t)1 << 31;            /* 2^31 x 4 x 4 B = 32 GiB */
    sd_design *d = NULL;
    CU_ASSERT_EQUAL(sd_design_create(&s, &d), SD_ERR_NOMEM);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT(strstr(sd_error_message(), "34359738368 bytes") != NULL);
    s.design.samples = 0;
    CU_ASSERT_EQUAL(sd_design_create(&s, &d), SD_ERR_INPUT);
}

/* ---------------------------------------------------------------------- */
/* Grid, list, replicates, INT, CHOICES                                   */

static void test_grid(void)
{
    double vals[2] = {5, 7};
    sd_axis ax[3] = {ax_range("a", 0.1, 0.3, 0, 5), ax_range("b", 1, 100, 1, 3),
                     ax_values("c", vals, 2)};
    sd_sweep s = mk_sweep(ax, 3, SD_DESIGN_GRID);
    s.replicates = 3;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), 30);
    CU_ASSERT_EQUAL(sd_design_runs(d), 90);
    CU_ASSERT_EQUAL(sd_design_role(d, 0, NULL, NULL), 0);
    const double a[5] = {0.1, 0.15, 0.2, 0.25, 0.3};
    const double b[3] = {1, 10, 100};
    for (uint64_t p = 0; p < 30; p++) {
        uint64_t i0 = p / 6, i1 = (p / 2) % 3, i2 = p % 2;   /* axis 0 slowest */
        double x[3], u[3];
        CU_ASSERT_EQUAL(sd_design_point(d, p, x), SD_OK);
        CU_ASSERT_EQUAL(sd_design_unit(d, p, u), SD_OK);
        CU_ASSERT_DOUBLE_EQUAL(x[0], a[i0], 1e-15);
        CU_ASSERT_DOUBLE_EQUAL(x[1], b[i1], 1e-12);
        CU_ASSERT_EQUAL(x[2], vals[i2]);
        CU_ASSERT_EQUAL(u[0], (double)i0 / 4.0);
        CU_ASSERT_EQUAL(u[1], (double)i1 / 2.0);
        CU_ASSERT_EQUAL(u[2], (double)i2);
    }
    double x[3];
    /* exact ends */
    CU_ASSERT_EQUAL(sd_design_point(d, 0, x), SD_OK);
    CU_ASSERT(x[0] == 0.1 && x[1] == 1.0 && x[2] == 5.0);
    CU_ASSERT_EQUAL(sd_design_point(d, 29, x), SD_OK);
    CU_ASSERT(x[0] == 0.3 && x[1] == 100.0 && x[2] == 7.0);
    /* replicates: run = point * 3 + replicate */
    uint64_t pt, rep;
    sd_design_split(d, 0, &pt, &rep);
    CU_ASSERT(pt == 0 && rep == 0);
    sd_design_split(d, 7, &pt, &rep);
    CU_ASSERT(pt == 2 && rep == 1);
    sd_design_split(d, 89, &pt, &rep);
    CU_ASSERT(pt == 29 && rep == 2);
    sd_design_destroy(&d);

    /* a range without levels */
    ax[0].levels = 0;
    CU_ASSERT_EQUAL(sd_design_create(&s, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "parameters[0] (a)") != NULL);
    CU_ASSERT_PTR_NULL(d);

    /* zero axes: one point */
    sd_sweep z = mk_sweep(NULL, 0, SD_DESIGN_GRID);
    z.replicates = 5;
    d = mk_design(&z);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), 1);
    CU_ASSERT_EQUAL(sd_design_runs(d), 5);
    CU_ASSERT_EQUAL(sd_design_point(d, 0, NULL), SD_OK);
    sd_design_destroy(&d);
}

static void test_grid_int_choices(void)
{
    char *ch[3] = {"cartilage", "bone", "skin"};
    sd_axis ax[4] = {ax_int("n", 1, 10, 0, 4), ax_int("m", 1, 10, 0, 3),
                     ax_choices("tissue", ch, 3), ax_int("k", 1, 1000, 1, 4)};
    sd_sweep s = mk_sweep(ax, 4, SD_DESIGN_GRID);
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), 4 * 3 * 3 * 4);
    const double n[4] = {1, 4, 7, 10}, m[3] = {1, 6, 10}, k[4] = {1, 10, 100, 1000};
    for (uint64_t p = 0; p < 144; p++) {
        double x[4];
        CU_ASSERT_EQUAL(sd_design_point(d, p, x), SD_OK);
        CU_ASSERT_EQUAL(x[0], n[p / 36]);
        CU_ASSERT_EQUAL(x[1], m[(p / 12) % 3]);
        CU_ASSERT_EQUAL(x[2], (double)((p / 4) % 3));
        CU_ASSERT_EQUAL(x[3], k[p % 4]);
    }
    sd_design_destroy(&d);
}

static void test_list(void)
{
    double vals[3] = {1.5, 2.5, -3};
    char *ch[3] = {"x", "y", "z"};
    sd_axis ax[3] = {ax_values("v", vals, 3), ax_choices("c", ch, 3),
                     ax_range("r", 0, 10, 0, 3)};
    sd_sweep s = mk_sweep(ax, 3, SD_DESIGN_LIST);
    s.replicates = 2;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), 3);
    CU_ASSERT_EQUAL(sd_design_runs(d), 6);
    for (uint64_t i = 0; i < 3; i++) {
        double x[3], u[3];
        CU_ASSERT_EQUAL(sd_design_point(d, i, x), SD_OK);
        CU_ASSERT_EQUAL(sd_design_unit(d, i, u), SD_OK);
        CU_ASSERT_EQUAL(x[0], vals[i]);
        CU_ASSERT_EQUAL(x[1], (double)i);
        CU_ASSERT_EQUAL(x[2], 5.0 * (double)i);
        for (int k = 0; k < 3; k++) CU_ASSERT_EQUAL(u[k], (double)i / 2.0);
    }
    double x[3];
    CU_ASSERT_EQUAL(sd_design_point(d, 3, x), SD_ERR_INPUT);
    sd_design_destroy(&d);
    ax[2].levels = 4;   /* unequal lengths */
    CU_ASSERT_EQUAL(sd_design_create(&s, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "parameters[2] (r)") != NULL);
}

static void test_random_int_choices(void)
{
    char *ch[3] = {"a", "b", "c"};
    sd_axis ax[3] = {ax_int("n", 2, 5, 0, 0), ax_int("k", 1, 1000, 1, 0),
                     ax_choices("c", ch, 3)};
    sd_sweep s = mk_sweep(ax, 3, SD_DESIGN_RANDOM);
    s.design.samples = 10000;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    int cnt[4] = {0}, cc[3] = {0}, small = 0;
    for (uint64_t i = 0; i < 10000; i++) {
        double x[3];
        CU_ASSERT_EQUAL_FATAL(sd_design_point(d, i, x), SD_OK);
        CU_ASSERT_FATAL(x[0] == floor(x[0]) && x[0] >= 2 && x[0] <= 5);
        CU_ASSERT_FATAL(x[1] == floor(x[1]) && x[1] >= 1 && x[1] <= 1000);
        CU_ASSERT_FATAL(x[2] == 0 || x[2] == 1 || x[2] == 2);
        cnt[(int)x[0] - 2]++;
        cc[(int)x[2]]++;
        small += x[1] < 32;   /* log-uniform: P(k < 32) = log 32 / log 1001 */
    }
    /* each count within 4 standard deviations of its expectation */
    for (int i = 0; i < 4; i++) CU_ASSERT(fabs(cnt[i] - 2500.0) < 4 * 43.3);
    for (int i = 0; i < 3; i++) CU_ASSERT(fabs(cc[i] - 3333.3) < 4 * 47.2);
    double pk = log(32.0) / log(1001.0);
    CU_ASSERT(fabs(small - 10000 * pk) < 4 * sqrt(10000 * pk * (1 - pk)));
    sd_design_destroy(&d);
}

/* ---------------------------------------------------------------------- */
/* Morris                                                                 */

static void check_morris(uint32_t p, uint64_t r, size_t D)
{
    sd_axis ax[5] = {ax_range("a", 0, 1, 0, 0), ax_range("b", -2, 2, 0, 0),
                     ax_range("c", 1, 100, 1, 0), ax_range("d", 0, 1, 0, 0),
                     ax_range("e", 0, 1, 0, 0)};
    sd_sweep s = mk_sweep(ax, D, SD_DESIGN_MORRIS);
    s.design.trajectories = r;
    s.design.levels = p;
    sd_design *d = mk_design(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(sd_design_points(d), r * (D + 1));
    const double delta = p / (2.0 * (p - 1));
    int ups = 0, downs = 0;
    for (uint64_t t = 0; t < r; t++) {
        double prev[5] = {0}, u[5] = {0}, x[5] = {0};
        int moved[5] = {0};
        double lo[5] = {0};   /* x*: the lower of each factor's two values */
        for (uint64_t k = 0; k <= D; k++) {
            uint64_t pt = t * (D + 1) + k;
            CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, pt, u), SD_OK);
            CU_ASSERT_EQUAL_FATAL(sd_design_point(d, pt, x), SD_OK);
            for (size_t i = 0; i < D; i++) {
                CU_ASSERT(u[i] >= 0 && u[i] <= 1);
                double lv = u[i] * (p - 1);
                CU_ASSERT(fabs(lv - floor(lv + 0.5)) < 1e-9);   /* on the grid */
            }
            CU_ASSERT_DOUBLE_EQUAL(x[0], u[0], 1e-15);
            if (D > 1) CU_ASSERT_DOUBLE_EQUAL(x[1], lin(-2, 2, u[1]), 1e-12);
            if (D > 2) CU_ASSERT_DOUBLE_EQUAL(x[2], pow(100.0, u[2]), 1e-9);
            for (size_t i = 0; i < D; i++)
                if (k == 0 || u[i] < lo[i]) lo[i] = u[i];
            if (k > 0) {
                int changed = 0;
                for (size_t i = 0; i < D; i++) {
                    if (u[i] == prev[i]) continue;
                    changed++;
                    moved[i]++;
                    CU_ASSERT_DOUBLE_EQUAL(fabs(u[i] - prev[i]), delta, 1e-12);
                    if (u[i] > prev[i]) ups++;
                    else downs++;
                }
                CU_ASSERT_EQUAL(changed, 1);
            }
            memcpy(prev, u, sizeof prev);
        }
        for (size_t i = 0; i < D; i++) {
            CU_ASSERT_EQUAL(moved[i], 1);
            /* x* in {0, 1/(p-1), .., 1 - delta} */
            double lv = lo[i] * (p - 1);
            CU_ASSERT(lv > -1e-9 && lv < p / 2 - 1 + 1e-9);
        }
    }
    /* both directions occur (P(fail) = 2^(1 - r D) for r D moves) */
    if (r * D >= 15) CU_ASSERT(ups > 0 && downs > 0);
    sd_design_destroy(&d);
}

static void test_morris(void)
{
    check_morris(4, 20, 4);
    check_morris(6, 20, 5);
    check_morris(2, 5, 3);
    check_morris(4, 3, 1);
}

static void test_morris_orders_and_seed(void)
{
    /* the order in which factors move varies between trajectories, and the
     * design is a function of the seed */
    sd_axis ax[3] = {ax_range("a", 0, 1, 0, 0), ax_range("b", 0, 1, 0, 0),
                     ax_range("c", 0, 1, 0, 0)};
    sd_sweep s = mk_sweep(ax, 3, SD_DESIGN_MORRIS);
    s.design.trajectories = 30;
    s.design.levels = 4;
    sd_design *d1 = mk_design(&s), *d2 = mk_design(&s);
    s.seed = 43;
    sd_design *d3 = mk_design(&s);
    CU_ASSERT_FATAL(d1 && d2 && d3);
    int first[3] = {0}, diff = 0;
    for (uint64_t t = 0; t < 30; t++) {
        double u0[3], u1[3];
        CU_ASSERT_EQUAL(sd_design_unit(d1, t * 4, u0), SD_OK);
        CU_ASSERT_EQUAL(sd_design_unit(d1, t * 4 + 1, u1), SD_OK);
        for (int i = 0; i < 3; i++) first[i] += u0[i] != u1[i];
        for (uint64_t k = 0; k < 4; k++) {
            double a[3], b[3], c[3];
            CU_ASSERT_EQUAL(sd_design_unit(d1, t * 4 + k, a), SD_OK);
            CU_ASSERT_EQUAL(sd_design_unit(d2, t * 4 + k, b), SD_OK);
            CU_ASSERT_EQUAL(sd_design_unit(d3, t * 4 + k, c), SD_OK);
            CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
            diff += memcmp(a, c, sizeof a) != 0;
        }
    }
    for (int i = 0; i < 3; i++) CU_ASSERT(first[i] > 0);   /* P(fail) ~ 3 (2/3)^30 */
    CU_ASSERT(diff > 60);
    sd_design_destroy(&d1);
    sd_design_destroy(&d2);
    sd_design_destroy(&d3);
}

/* ---------------------------------------------------------------------- */
/* Random                                                                 */

static void test_random(void)
{
    sd_axis ax[5] = {ax_range("a", -2, 3, 0, 0), ax_range("b", -2, 3, 0, 0),
                     ax_range("c", -2, 3, 0, 0), ax_range("d", -2, 3, 0, 0),
                     ax_range("e", 0.01, 10, 1, 0)};
    sd_sweep s = mk_sweep(ax, 5, SD_DESIGN_RANDOM);
    const uint64_t N = 10000;
    s.design.samples = N;
    sd_design *d = mk_design(&s), *d2 = mk_design(&s);
    s.seed = 1;
    sd_design *d3 = mk_design(&s);
    CU_ASSERT_FATAL(d && d2 && d3);
    CU_ASSERT_EQUAL(sd_design_points(d), N);
    double sum[5] = {0}, sum_x = 0;
    size_t differ = 0;
    for (uint64_t i = 0; i < N; i++) {
        double u[5], x[5], x2[5], x3[5];
        CU_ASSERT_EQUAL_FATAL(sd_design_unit(d, i, u), SD_OK);
        CU_ASSERT_EQUAL_FATAL(sd_design_point(d, i, x), SD_OK);
        CU_ASSERT_EQUAL_FATAL(sd_design_point(d2, i, x2), SD_OK);
        CU_ASSERT_EQUAL_FATAL(sd_design_point(d3, i, x3), SD_OK);
        CU_ASSERT_FATAL(memcmp(x, x2, sizeof x) == 0);
        differ += memcmp(x, x3, sizeof x) != 0;
        for (int k = 0; k < 5; k++) {
            CU_ASSERT_FATAL(u[k] >= 0 && u[k] < 1);
            sum[k] += u[k];
        }
        for (int k = 0; k < 4; k++) CU_ASSERT_FATAL(x[k] >= -2 && x[k] <= 3);
        CU_ASSERT_FATAL(x[4] >= 0.01 && x[4] <= 10);
        sum_x += x[0];
    }
    const double se = sqrt(1.0 / 12.0 / (double)N);
    for (int k = 0; k < 5; k++) CU_ASSERT(fabs(sum[k] / N - 0.5) < 4 * se);
    CU_ASSERT(fabs(sum_x / N - 0.5) < 4 * 5 * se);
    CU_ASSERT_EQUAL(differ, N);
    /* coordinates of one point are not all the same draw */
    double u[5];
    CU_ASSERT_EQUAL(sd_design_unit(d, 3, u), SD_OK);
    for (int a = 0; a < 5; a++)
        for (int b = a + 1; b < 5; b++) CU_ASSERT(u[a] != u[b]);
    sd_design_destroy(&d);
    sd_design_destroy(&d2);
    sd_design_destroy(&d3);
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */

static void test_errors(void)
{
    sd_design *d = NULL;
    sd_sweep s = mk_sweep(NULL, 0, SD_DESIGN_SOBOL);
    s.design.samples = 8;
    CU_ASSERT_EQUAL(sd_design_create(&s, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "sobol") != NULL);
    CU_ASSERT_PTR_NULL(d);
    s.design.type = SD_DESIGN_MORRIS;
    s.design.trajectories = 4;
    CU_ASSERT_EQUAL(sd_design_create(&s, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "morris") != NULL);

    /* sobol over more parameters than the direction numbers allow */
    size_t D = 10601;
    sd_axis *many = calloc(D, sizeof *many);
    CU_ASSERT_FATAL(many != NULL);
    for (size_t i = 0; i < D; i++) many[i] = ax_range("x", 0, 1, 0, 0);
    sd_sweep big = mk_sweep(many, D, SD_DESIGN_SOBOL);
    big.design.samples = 2;
    CU_ASSERT_EQUAL(sd_design_create(&big, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "10600") != NULL);
    big.n_axes = 10600;      /* the most there is: 21200 dimensions */
    CU_ASSERT_EQUAL(sd_design_create(&big, &d), SD_OK);
    double *x = malloc(10600 * sizeof *x);
    CU_ASSERT_FATAL(x != NULL);
    CU_ASSERT_EQUAL(sd_design_unit(d, 10601, x), SD_OK);   /* B of base 0 */
    CU_ASSERT_EQUAL(x[10599], sobol(1, 21199));
    sd_design_destroy(&d);
    free(x);
    free(many);

    sd_axis ax[2] = {ax_range("a", 0, 1, 0, 0), ax_range("b", 0, 1, 0, 0)};
    sd_sweep o = mk_sweep(ax, 2, SD_DESIGN_SOBOL);
    /* the sequence's last point is 2^32 - 1 */
    o.design.samples = 4;
    o.design.skip = UINT32_MAX - 3;
    CU_ASSERT_EQUAL(sd_design_create(&o, &d), SD_OK);
    sd_design_destroy(&d);
    o.design.skip = UINT32_MAX - 2;
    CU_ASSERT_EQUAL(sd_design_create(&o, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "2^32") != NULL);
    o.design.skip = 1;
    o.design.samples = 0;
    CU_ASSERT_EQUAL(sd_design_create(&o, &d), SD_ERR_INPUT);

    /* morris levels and trajectories */
    sd_sweep m = mk_sweep(ax, 2, SD_DESIGN_MORRIS);
    m.design.trajectories = 2;
    m.design.levels = 5;
    CU_ASSERT_EQUAL(sd_design_create(&m, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "levels") != NULL);
    m.design.levels = 0;
    CU_ASSERT_EQUAL(sd_design_create(&m, &d), SD_ERR_INPUT);
    m.design.levels = 4;
    m.design.trajectories = 0;
    CU_ASSERT_EQUAL(sd_design_create(&m, &d), SD_ERR_INPUT);

    /* bad axes, replicates, design type */
    sd_sweep r = mk_sweep(ax, 2, SD_DESIGN_RANDOM);
    r.design.samples = 4;
    ax[1].min = 2;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "parameters[1] (b).range: min 2 > max 1") != NULL);
    ax[1] = ax_range("b", 0, 1, 1, 0);   /* log with min 0 */
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "log") != NULL);
    ax[1] = ax_int("b", 0.2, 0.8, 0, 0);  /* no whole number */
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    ax[1] = ax_range("b", 0, 1, 0, 0);
    ax[1].min = NAN;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    ax[1] = ax_values("b", NULL, 0);
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    ax[1] = ax_range("b", 0, 1, 0, 0);
    r.replicates = 0;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    r.replicates = 1;
    r.design.type = (sd_design_type)99;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    r.design.type = SD_DESIGN_RANDOM;
    r.design.samples = 0;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    CU_ASSERT_PTR_NULL(d);

    /* points * replicates beyond 2^64 */
    r.design.samples = (uint64_t)1 << 40;
    r.replicates = (uint64_t)1 << 30;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_ERR_INPUT);
    r.replicates = 1;
    CU_ASSERT_EQUAL(sd_design_create(&r, &d), SD_OK);
    double u[2];
    CU_ASSERT_EQUAL(sd_design_unit(d, ((uint64_t)1 << 40) - 1, u), SD_OK);
    CU_ASSERT_EQUAL(sd_design_unit(d, (uint64_t)1 << 40, u), SD_ERR_INPUT);
    CU_ASSERT(strstr(sd_error_message(), "out of range") != NULL);
    sd_design_destroy(&d);
    sd_design_destroy(&d);   /* harmless twice */
    sd_design_destroy(NULL);

    CU_ASSERT_EQUAL(sd_design_create(NULL, &d), SD_ERR_INTERNAL);
    CU_ASSERT_EQUAL(sd_design_create(&r, NULL), SD_ERR_INTERNAL);
}

static const sd_test tests[] = {
    {"sobol first points (scipy)", test_sobol_first_points},
    {"sobol high dims and indices (scipy)", test_sobol_high},
    {"sobol errors", test_sobol_errors},
    {"saltelli second order", test_saltelli_second_order},
    {"saltelli first order", test_saltelli_first_order},
    {"saltelli skip", test_saltelli_skip},
    {"saltelli default skip (SALib), skip 0 flagged", test_saltelli_default_skip},
    {"saltelli duplicates exact (brute force)", test_saltelli_duplicates},
    {"lhs stratification and seeds", test_lhs},
    {"lhs memory limit", test_lhs_too_big},
    {"grid order, levels, replicates", test_grid},
    {"grid int and choices", test_grid_int_choices},
    {"list", test_list},
    {"random int and choices", test_random_int_choices},
    {"morris trajectories", test_morris},
    {"morris orders and seed", test_morris_orders_and_seed},
    {"random", test_random},
    {"errors", test_errors},
    SD_TEST_END};

int main(void)
{
    const sd_test_suite suites[] = {{"design", NULL, NULL, tests}, SD_SUITE_END};
    return sd_test_main(suites);
}
