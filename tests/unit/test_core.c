/* Unit tests of the core helpers: errors, rank layout, durations, parameter
 * families and lookups, and the test models' formulas. */
#include <CUnit/Basic.h>
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/model.h"
#include "sendrift/progress.h"
#include "sendrift/sweep.h"
#include "sd_test.h"

static void test_error_prefix(void)
{
    int rc = sd_error(SD_ERR_INPUT, "min %d > max %d", 5, 3);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    rc = sd_error_prefix(rc, "parameters[%d].range", 2);
    rc = sd_error_prefix(rc, "%s", "sweep.json");
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(sd_error_message(), "sweep.json: parameters[2].range: min 5 > max 3");
    sd_error_clear();
    sd_error_prefix(SD_ERR_IO, "only");
    CU_ASSERT_STRING_EQUAL(sd_error_message(), "only");
    /* A very long message keeps its prefix and is cut at the end. */
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sd_error(SD_ERR_IO, "%s", big);
    sd_error_prefix(SD_ERR_IO, "ctx");
    CU_ASSERT_EQUAL(strncmp(sd_error_message(), "ctx: xxx", 8), 0);
    CU_ASSERT_EQUAL(strlen(sd_error_message()), 4095u);
    CU_ASSERT_STRING_EQUAL(sd_error_name(SD_ERR_HDF5), "HDF5 error");
}

static void test_layout(void)
{
    int groups = -1, idle = -1;
    CU_ASSERT_EQUAL(sd_sweep_layout(1, 1, &groups, &idle), SD_OK);
    CU_ASSERT_EQUAL(groups, 1);
    CU_ASSERT_EQUAL(idle, 0);
    sd_error_clear();
    CU_ASSERT_EQUAL(sd_sweep_layout(1, 2, &groups, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "needs at least 3 ranks"));
    CU_ASSERT_EQUAL(sd_sweep_layout(2, 2, &groups, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "this run has 2"));
    /* The idle ranks' warning is printed by the sweep (e2e test_cli). */
    CU_ASSERT_EQUAL(sd_sweep_layout(4, 2, &groups, &idle), SD_OK);
    CU_ASSERT_EQUAL(groups, 1);
    CU_ASSERT_EQUAL(idle, 1);
    CU_ASSERT_EQUAL(sd_sweep_layout(9, 4, &groups, &idle), SD_OK);
    CU_ASSERT_EQUAL(groups, 2);
    CU_ASSERT_EQUAL(idle, 0);
    CU_ASSERT_EQUAL(sd_sweep_layout(5, 0, &groups, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "at least 1 (got 0)"));
}

static void test_error_trace(void)
{
    sd_error_clear();
    CU_ASSERT_STRING_EQUAL(sd_error_trace(), "");
    int line = __LINE__ + 1;
    CU_ASSERT_EQUAL(sd_error(SD_ERR_IO, "disk %s", "full"), SD_ERR_IO);
    char want[128];
    snprintf(want, sizeof want, "tests/unit/test_core.c:%d", line);
    CU_ASSERT_STRING_EQUAL(sd_error_trace(), want);
    CU_ASSERT_EQUAL(sd_error_pass("src/x.c", 7, SD_ERR_IO), SD_ERR_IO);
    snprintf(want, sizeof want, "tests/unit/test_core.c:%d <- src/x.c:7", line);
    CU_ASSERT_STRING_EQUAL(sd_error_trace(), want);
    CU_ASSERT_STRING_EQUAL(sd_error_message(), "disk full");
    /* A new error starts a new trace. */
    sd_error(SD_ERR_INPUT, "other");
    CU_ASSERT_PTR_NULL(strstr(sd_error_trace(), "src/x.c"));
}

static void test_durations(void)
{
    char b[32];
    sd_format_duration(12.34, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "12.3 s");
    sd_format_duration(185, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "3 min 05 s");
    sd_format_duration(3720, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1 h 02 min");
    sd_format_duration(NAN, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "?");
}

static void test_family_and_lookup(void)
{
    unsigned long k = 0;
    CU_ASSERT_TRUE(sd_param_family("x12", "x", &k));
    CU_ASSERT_EQUAL(k, 12u);
    CU_ASSERT_FALSE(sd_param_family("x0", "x", &k));
    CU_ASSERT_FALSE(sd_param_family("x01", "x", &k));
    CU_ASSERT_FALSE(sd_param_family("x", "x", &k));
    CU_ASSERT_FALSE(sd_param_family("x1a", "x", &k));
    CU_ASSERT_FALSE(sd_param_family("y1", "x", &k));

    const sd_model_class *g = sd_model_find("sobol_g");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    sd_param_def def;
    CU_ASSERT_TRUE(sd_model_param(g, "x7", &def));
    CU_ASSERT_STRING_EQUAL(def.name, "x7");
    CU_ASSERT_EQUAL(def.max, 1.0);
    CU_ASSERT_FALSE(sd_model_param(g, "z1", &def));
    CU_ASSERT_PTR_NULL(sd_model_find("nosuch"));

    sd_pvalue v[] = {{"a", 1.0, NULL}, {"t", 0, "bone"}, {"a", 2.0, NULL}};
    sd_paramset ps = {v, 3};
    CU_ASSERT_EQUAL(sd_paramset_real(&ps, "a", -1), 2.0); /* the later entry wins */
    CU_ASSERT_EQUAL(sd_paramset_real(&ps, "b", -1), -1.0);
    CU_ASSERT_STRING_EQUAL(sd_paramset_choice(&ps, "t", "x"), "bone");
    CU_ASSERT_STRING_EQUAL(sd_paramset_choice(&ps, "a", "x"), "x");
}

/* Run a model through its interface on MPI_COMM_SELF. */
static double run_summary(const char *model, sd_pvalue *v, size_t n)
{
    const sd_model_class *m = sd_model_find(model);
    sd_paramset ps = {v, n};
    sd_run_info info = {0, 0, 0, 0, NULL, 0};
    void *state = NULL;
    double y = NAN;
    CU_ASSERT_EQUAL_FATAL(m->create(&ps, &info, MPI_COMM_SELF, &state), SD_OK);
    CU_ASSERT_EQUAL(m->advance(state, 1.0), SD_OK);
    CU_ASSERT_EQUAL(m->summarize(state, &y), SD_OK);
    m->destroy(state);
    return y;
}

static void test_models(void)
{
    /* Ishigami at (pi/2, pi/2, 1): 1 + 7 + 0.1 = 8.1 */
    sd_pvalue ish[] = {{"x1", 1.5707963267948966, NULL}, {"x2", 1.5707963267948966, NULL}, {"x3", 1.0, NULL}};
    CU_ASSERT_DOUBLE_EQUAL(run_summary("ishigami", ish, 3), 8.1, 1e-12);
    /* Sobol g: x1 = 0 with a1 = 0 gives 2; x2 = 0.5 gives a2/(1+a2) = 0.5 */
    sd_pvalue g[] = {{"x2", 0.5, NULL}, {"x1", 0.0, NULL}, {"a2", 1.0, NULL}};
    CU_ASSERT_DOUBLE_EQUAL(run_summary("sobol_g", g, 3), 1.0, 1e-15);
    /* null: sum_k k x_k = 1*2 + 3*(-1) = -1 */
    sd_pvalue z[] = {{"x1", 2.0, NULL}, {"x3", -1.0, NULL}};
    CU_ASSERT_DOUBLE_EQUAL(run_summary("null", z, 2), -1.0, 0);

    const sd_model_class *m = sd_model_find("ishigami");
    sd_pvalue base[] = {{"n_times", 5, NULL}};
    sd_paramset ps = {base, 1};
    sd_layout l;
    memset(&l, 0, sizeof l);
    CU_ASSERT_EQUAL(m->layout(&ps, &l), SD_OK);
    CU_ASSERT_EQUAL(l.n_times, 5u);
    CU_ASSERT_EQUAL(l.times[4], 1.0);
    CU_ASSERT_EQUAL(l.times[1], 0.25);
    sd_layout_free(&l);
}

static const sd_test tests[] = {
    {"error messages and prefixes", test_error_prefix},
    {"rank layout", test_layout},
    {"error trace", test_error_trace},
    {"durations", test_durations},
    {"parameter families and lookups", test_family_and_lookup},
    {"test models", test_models},
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"core", NULL, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
