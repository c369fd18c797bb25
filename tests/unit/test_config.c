/* Unit tests of the sweep-file loader (src/sweepfile).
 *
 * Valid files (the .json files in tests/unit/sweeps, one per design type) must parse to
 * exactly the values written; each of the mistakes below must be refused
 * with a message naming the JSON path and the bad value or what is allowed.
 * Inline sweeps are written with single quotes ('), turned into double
 * quotes before parsing.  A small model with a CHOICE parameter ("toy") is
 * defined here and passed through sd_sweep_parse_models().
 */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sendrift/config.h"
#include "sendrift/error.h"
#include "sendrift/model.h"
#include "sd_test.h"

/* ------------------------------------------------------------ toy model */

static const char *const toy_tissues[] = {"cartilage", "bone", "muscle", NULL};

static const sd_param_def toy_params[] = {
    {"tissue", "1", "tissue preset", SD_PARAM_CHOICE, 0, 0, 0, toy_tissues, "bone", 0, NULL},
    {"beta", "1/d", "clearance rate", SD_PARAM_REAL, 0.15, 0, 10, NULL, NULL, 0, NULL},
    {"psi", "1", "EV uptake affinity", SD_PARAM_REAL, 4, 0.1, 100, NULL, NULL, 0, NULL},
    {"n_cells", "1", "cells", SD_PARAM_INT, 100, 1, 1e6, NULL, NULL, 0, NULL},
    {"steps", "1", "time steps", SD_PARAM_INT, 10, 1, 1000, NULL, NULL, 1, NULL},
};

static const sd_model_class toy_model = {
    .name = "toy",
    .description = "a model with a CHOICE parameter, for tests",
    .params = toy_params,
    .n_params = sizeof toy_params / sizeof toy_params[0],
};

static const sd_model_class *registry[2];

static void set_up_registry(void)
{
    registry[0] = sd_model_find("ishigami");
    registry[1] = &toy_model;
}

/* ------------------------------------------------------------- helpers */

/* text with every ' turned into " (the caller frees it). */
static char *dq(const char *sq)
{
    char *t = strdup(sq);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    return t;
}

static int parse_sq(const char *sq, sd_sweep **s)
{
    char *t = dq(sq);
    int rc = sd_sweep_parse_models(t, "sweep.json", registry, 2, s);
    free(t);
    return rc;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Rank 0 makes a temporary file of n bytes of text, then extends it to size
 * (when larger, as a sparse file); every rank gets its name.  Returns 1 on
 * success on every rank. */
static int temp_file(char name[64], const char *text, size_t n, off_t size)
{
    int rank, ok = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        snprintf(name, 64, "/tmp/sd_test_config_XXXXXX");
        int fd = mkstemp(name);
        ok = fd >= 0;
        if (ok && n) ok = write(fd, text, n) == (ssize_t)n;
        if (ok && size > (off_t)n) ok = ftruncate(fd, size) == 0;
        if (fd >= 0) close(fd);
    }
    MPI_Bcast(name, 64, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return ok;
}

static void remove_temp(const char *name)
{
    int rank;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) unlink(name);
}

static sd_sweep *load_fixture(const char *path)
{
    sd_sweep *s = NULL;
    int rc = sd_sweep_load(path, MPI_COMM_WORLD, &s);
    if (rc) fprintf(stderr, "\n%s: unexpected error: %s\n", path, sd_error_message());
    CU_ASSERT_EQUAL(rc, SD_OK);
    return s;
}

/* The message must contain every one of subs (NULL-terminated). */
static void check_message(int line, const char *const *subs)
{
    const char *msg = sd_error_message();
    for (size_t i = 0; subs[i]; i++) {
        int ok = strstr(msg, subs[i]) != NULL;
        if (!ok)
            fprintf(stderr, "\ntest_config.c:%d: message\n  %s\nlacks\n  %s\n", line, msg,
                    subs[i]);
        CU_assertImplementation(ok, (unsigned)line, "message has the expected text",
                                __FILE__, "", CU_FALSE);
    }
}

static int n_error_cases;

/* Parsing sq must fail with SD_ERR_INPUT, no sweep, and a message holding
 * every substring. */
static void check_error(int line, const char *sq, const char *const *subs)
{
    sd_sweep *s = (sd_sweep *)&s; /* not NULL: the parser must reset it */
    sd_error_clear();
    int rc = parse_sq(sq, &s);
    if (rc != SD_ERR_INPUT)
        fprintf(stderr, "\ntest_config.c:%d: rc %d, message: %s\n", line, rc,
                sd_error_message());
    CU_assertImplementation(rc == SD_ERR_INPUT, (unsigned)line, "rc == SD_ERR_INPUT",
                            __FILE__, "", CU_FALSE);
    CU_assertImplementation(s == NULL, (unsigned)line, "no sweep on error", __FILE__, "",
                            CU_FALSE);
    if (rc == SD_OK) sd_sweep_destroy(&s);
    check_message(line, subs);
    n_error_cases++;
}

#define EXPECT_ERROR(sq, ...) \
    check_error(__LINE__, sq, (const char *const[]){__VA_ARGS__, NULL})

/* A valid sweep to vary: three Ishigami inputs, a Sobol design. */
#define HEAD "{'model': {'name': 'ishigami'}, "
#define X123                                                                   \
    "'parameters': [{'name': 'x1', 'range': [-3, 3]}, {'name': 'x2', 'range': " \
    "[-3, 3]}, {'name': 'x3', 'range': [-3, 3]}], "
#define SOBOL "'design': {'type': 'sobol', 'samples': 16}"

/* ------------------------------------------------------ valid sweeps */

static void test_parse_sobol(void)
{
    sd_sweep *s = load_fixture("sweeps/sobol.json");
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->source, "sweeps/sobol.json");
    CU_ASSERT_STRING_EQUAL(s->name, "sobol"); /* the file stem */
    CU_ASSERT_STRING_EQUAL(s->description, "Saltelli design on the Ishigami function");
    CU_ASSERT_PTR_EQUAL(s->model, sd_model_find("ishigami"));
    CU_ASSERT_EQUAL(s->design.type, SD_DESIGN_SOBOL);
    CU_ASSERT_EQUAL(s->design.samples, 1024);
    CU_ASSERT_EQUAL(s->design.second_order, 1);
    CU_ASSERT_EQUAL(s->design.skip, 1024); /* SALib's default: max(N, 16) */
    CU_ASSERT_EQUAL(sd_sweep_dim(s), 3);
    CU_ASSERT_EQUAL(sd_sweep_points(s), 1024 * (2 * 3 + 2));
    CU_ASSERT_EQUAL(s->replicates, 1);
    CU_ASSERT_EQUAL(s->seed, 42);
    CU_ASSERT_PTR_NULL(s->output_file);
    CU_ASSERT_EQUAL(s->output_timeseries, 1);
    for (size_t d = 0; d < 3; d++) {
        CU_ASSERT_EQUAL(s->axes[d].kind, SD_AXIS_RANGE);
        CU_ASSERT_EQUAL(s->axes[d].min, -3.14159);
        CU_ASSERT_EQUAL(s->axes[d].max, 3.14159);
        CU_ASSERT_EQUAL(s->axes[d].log, 0);
        CU_ASSERT_EQUAL(s->axes[d].levels, 0);
        CU_ASSERT_PTR_EQUAL(s->axes[d].def.name, s->axes[d].name);
        CU_ASSERT_EQUAL(s->axes[d].def.type, SD_PARAM_REAL);
    }
    CU_ASSERT_STRING_EQUAL(s->axes[1].name, "x2");
    CU_ASSERT_EQUAL(s->axes[1].def.min, -3.14159265358979323846);
    CU_ASSERT_EQUAL(s->n_fixed, 3);
    CU_ASSERT_STRING_EQUAL(s->fixed[2].name, "n_times");
    CU_ASSERT_EQUAL(s->fixed[2].value, 5);
    CU_ASSERT_EQUAL(s->fixed[2].def.type, SD_PARAM_INT);
    CU_ASSERT_PTR_NULL(s->fixed[2].choice);

    /* The text is kept byte for byte. */
    size_t len = 0;
    char *raw = read_file("sweeps/sobol.json", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    CU_ASSERT_EQUAL(strlen(s->text), len);
    CU_ASSERT_EQUAL(memcmp(s->text, raw, len), 0);
    free(raw);
    sd_sweep_destroy(&s);
    CU_ASSERT_PTR_NULL(s);
}

static void test_parse_grid(void)
{
    sd_sweep *s = load_fixture("sweeps/grid.json");
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->name, "ishigami-grid");
    CU_ASSERT_EQUAL(s->design.type, SD_DESIGN_GRID);
    CU_ASSERT_EQUAL(s->n_axes, 3);
    CU_ASSERT_EQUAL(s->axes[0].kind, SD_AXIS_RANGE);
    CU_ASSERT_EQUAL(s->axes[0].levels, 3);
    CU_ASSERT_EQUAL(s->axes[0].min, -3.0);
    CU_ASSERT_EQUAL(s->axes[1].kind, SD_AXIS_VALUES);
    CU_ASSERT_EQUAL_FATAL(s->axes[1].n_values, 4);
    /* Stored exactly: the same doubles strtod gives. */
    CU_ASSERT_EQUAL(s->axes[1].values[0], 0.1);
    CU_ASSERT_EQUAL(s->axes[1].values[1], -1e-300);
    CU_ASSERT_EQUAL(s->axes[1].values[2], 0.30000000000000004);
    CU_ASSERT(s->axes[1].values[2] != 0.3);
    CU_ASSERT_EQUAL(s->axes[1].values[3], 2.0);
    CU_ASSERT_PTR_NULL(s->axes[1].choices);
    CU_ASSERT_EQUAL(s->axes[2].log, 1);
    CU_ASSERT_EQUAL(s->axes[2].levels, 5);
    CU_ASSERT_EQUAL(s->axes[2].min, 0.01);
    CU_ASSERT_EQUAL(sd_sweep_points(s), 3 * 4 * 5);
    CU_ASSERT_EQUAL(s->replicates, 2);
    CU_ASSERT_EQUAL(s->seed, 9007199254740992ULL); /* 2^53, the largest seed */
    CU_ASSERT_STRING_EQUAL(s->output_file, "grid.h5");
    CU_ASSERT_EQUAL(s->output_timeseries, 0);
    sd_sweep_destroy(&s);
}

static void test_parse_list(void)
{
    sd_sweep *s = load_fixture("sweeps/list.json");
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->name, "list");
    CU_ASSERT_EQUAL(s->design.type, SD_DESIGN_LIST);
    CU_ASSERT_EQUAL(s->n_axes, 2);
    /* Values zip into points, so a value may repeat in a list design. */
    CU_ASSERT_EQUAL(s->axes[0].n_values, 3);
    CU_ASSERT_EQUAL(s->axes[0].values[2], 2.0);
    CU_ASSERT_EQUAL(s->axes[1].values[2], 3.0);
    CU_ASSERT_EQUAL(sd_sweep_points(s), 3);
    /* x1 and x2 come from the null model's family lookup. */
    CU_ASSERT_STRING_EQUAL(s->axes[1].def.name, "x2");
    CU_ASSERT_EQUAL(s->axes[1].def.max, 1e300);
    CU_ASSERT_STRING_EQUAL(s->output_file, "list.h5");
    CU_ASSERT_EQUAL(s->output_timeseries, 1);
    sd_sweep_destroy(&s);
}

static void test_parse_lhs_random(void)
{
    sd_sweep *s = load_fixture("sweeps/lhs.json");
    if (s) {
        CU_ASSERT_EQUAL(s->design.type, SD_DESIGN_LHS);
        CU_ASSERT_EQUAL(s->design.samples, 100);
        CU_ASSERT_EQUAL(sd_sweep_points(s), 100);
        CU_ASSERT_EQUAL(s->replicates, 3);
        CU_ASSERT_EQUAL(s->axes[1].levels, 7); /* allowed, ignored by lhs */
        CU_ASSERT_EQUAL(s->axes[2].min, 0.25);
        CU_ASSERT_EQUAL(s->n_fixed, 3);
        CU_ASSERT_STRING_EQUAL(s->fixed[2].name, "a3");
        CU_ASSERT_EQUAL(s->fixed[2].value, 99);
        sd_sweep_destroy(&s);
    }
    s = load_fixture("sweeps/random.json");
    if (s) {
        CU_ASSERT_EQUAL(s->design.type, SD_DESIGN_RANDOM);
        CU_ASSERT_EQUAL(s->design.samples, 5);
        CU_ASSERT_EQUAL(sd_sweep_dim(s), 0);
        CU_ASSERT_EQUAL(sd_sweep_points(s), 5);
        CU_ASSERT_PTR_NULL(s->description);
        sd_sweep_destroy(&s);
    }
}

static void test_parse_morris(void)
{
    sd_sweep *s = load_fixture("sweeps/morris.json");
    if (!s) return;
    CU_ASSERT_EQUAL(s->design.type, SD_DESIGN_MORRIS);
    CU_ASSERT_EQUAL(s->design.trajectories, 10);
    CU_ASSERT_EQUAL(s->design.levels, 4); /* the default */
    CU_ASSERT_EQUAL(sd_sweep_points(s), 10 * (4 + 1));
    CU_ASSERT_EQUAL(s->axes[3].kind, SD_AXIS_VALUES);
    sd_sweep_destroy(&s);

    CU_ASSERT_EQUAL(parse_sq(HEAD X123 "'design': {'type': 'morris', 'trajectories': 3, "
                                       "'levels': 6}}",
                             &s),
                    SD_OK);
    if (!s) return;
    CU_ASSERT_EQUAL(s->design.levels, 6);
    CU_ASSERT_EQUAL(sd_sweep_points(s), 3 * 4);
    sd_sweep_destroy(&s);
}

static void test_defaults(void)
{
    sd_sweep *s = load_fixture("sweeps/minimal.json");
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->name, "minimal");
    CU_ASSERT_PTR_NULL(s->description);
    CU_ASSERT_EQUAL(s->n_axes, 0);
    CU_ASSERT_EQUAL(s->n_fixed, 0);
    CU_ASSERT_EQUAL(s->replicates, 1);
    CU_ASSERT_EQUAL(s->seed, 0);
    CU_ASSERT_EQUAL(s->output_timeseries, 1);
    CU_ASSERT_PTR_NULL(s->output_file);
    CU_ASSERT_EQUAL(sd_sweep_points(s), 1); /* an empty grid is one point */
    sd_sweep_destroy(&s);

    /* Sobol defaults, and a file-less source. */
    char *t = dq(HEAD X123 SOBOL "}");
    CU_ASSERT_EQUAL(sd_sweep_parse(t, "dir.v2/run.sweep.json", &s), SD_OK);
    free(t);
    if (!s) return;
    CU_ASSERT_STRING_EQUAL(s->name, "run.sweep");
    CU_ASSERT_EQUAL(s->design.second_order, 0);
    CU_ASSERT_EQUAL(s->design.skip, 16); /* SALib's default: max(N, 16) */
    CU_ASSERT_EQUAL(sd_sweep_points(s), 16 * 5);
    sd_sweep_destroy(&s);

    CU_ASSERT_EQUAL(parse_sq(HEAD X123 "'design': {'type': 'sobol', 'samples': 1, 'skip': 7, "
                                       "'second_order': false}, 'replicates': 4}",
                             &s),
                    SD_OK);
    if (!s) return;
    CU_ASSERT_EQUAL(s->design.samples, 1);
    CU_ASSERT_EQUAL(s->design.skip, 7);
    CU_ASSERT_EQUAL(s->replicates, 4);
    sd_sweep_destroy(&s);
    sd_sweep_destroy(&s); /* harmless twice */
}

/* --------------------------------------------------------- paramsets */

static void test_paramsets(void)
{
    sd_sweep *s = NULL;
    CU_ASSERT_EQUAL_FATAL(parse_sq("{'model': {'name': 'ishigami', 'params': {'a': 5, "
                                   "'n_times': 3}}, 'parameters': [{'name': 'x2', 'range': "
                                   "[-1, 1]}, {'name': 'b', 'values': [0.5, 0.25]}], "
                                   "'design': {'type': 'lhs', 'samples': 4}}",
                                   &s),
                          SD_OK);
    sd_paramset base, run;
    CU_ASSERT_EQUAL(sd_sweep_base_params(s, &base), SD_OK);
    CU_ASSERT_EQUAL(base.n, 6 + 2);
    CU_ASSERT_STRING_EQUAL(base.v[0].name, "x1");
    CU_ASSERT_EQUAL(base.v[3].value, 7.0); /* the table's default a */
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "a", -1), 5.0);
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "b", -1), 0.1);
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "n_times", -1), 3.0);
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "x2", -1), 0.0);
    CU_ASSERT_PTR_NULL(sd_paramset_choice(&base, "a", NULL));

    const double x[2] = {0.75, 0.25};
    CU_ASSERT_EQUAL(sd_sweep_run_params(s, x, &run), SD_OK);
    CU_ASSERT_EQUAL(run.n, 6 + 2 + 2);
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "x2", -1), 0.75);
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "b", -1), 0.25);
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "a", -1), 5.0);
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "x1", -1), 0.0);
    CU_ASSERT_PTR_EQUAL(run.v[8].name, s->axes[0].name); /* borrowed */
    sd_paramset_free(&base);
    sd_paramset_free(&run);
    CU_ASSERT_PTR_NULL(run.v);
    CU_ASSERT_EQUAL(run.n, 0);
    sd_paramset_free(&run); /* harmless twice */
    sd_sweep_destroy(&s);
}

static void test_choice_params(void)
{
    sd_sweep *s = NULL;
    sd_paramset base, run;

    /* A CHOICE in model.params: index and string stored. */
    CU_ASSERT_EQUAL_FATAL(parse_sq("{'model': {'name': 'toy', 'params': {'tissue': 'muscle', "
                                   "'steps': 20}}, 'parameters': [{'name': 'beta', "
                                   "'range': [0.01, 1], 'scale': 'log'}], 'design': "
                                   "{'type': 'random', 'samples': 2}}",
                                   &s),
                          SD_OK);
    CU_ASSERT_EQUAL(s->n_fixed, 2);
    CU_ASSERT_EQUAL(s->fixed[0].value, 2.0);
    CU_ASSERT_STRING_EQUAL(s->fixed[0].choice, "muscle");
    CU_ASSERT_EQUAL(s->fixed[0].def.type, SD_PARAM_CHOICE);
    CU_ASSERT_EQUAL(sd_sweep_base_params(s, &base), SD_OK);
    CU_ASSERT_EQUAL(base.n, 5 + 2);
    CU_ASSERT_STRING_EQUAL(base.v[0].choice, "bone"); /* the default first */
    CU_ASSERT_EQUAL(base.v[0].value, 1.0);
    CU_ASSERT_STRING_EQUAL(sd_paramset_choice(&base, "tissue", NULL), "muscle");
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "tissue", -1), 2.0);
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "steps", -1), 20.0);
    CU_ASSERT_EQUAL(sd_paramset_real(&base, "n_cells", -1), 100.0);
    sd_paramset_free(&base);
    sd_sweep_destroy(&s);

    /* A CHOICES axis: x[d] indexes the axis's list; value is the index in
     * the model's choices. */
    CU_ASSERT_EQUAL_FATAL(parse_sq("{'model': {'name': 'toy'}, 'parameters': [{'name': "
                                   "'n_cells', 'values': [10, 1000]}, {'name': 'tissue', "
                                   "'values': ['muscle', 'cartilage']}], 'design': {'type': "
                                   "'grid'}}",
                                   &s),
                          SD_OK);
    CU_ASSERT_EQUAL(s->axes[1].kind, SD_AXIS_CHOICES);
    CU_ASSERT_EQUAL_FATAL(s->axes[1].n_values, 2);
    CU_ASSERT_STRING_EQUAL(s->axes[1].choices[0], "muscle");
    CU_ASSERT_STRING_EQUAL(s->axes[1].choices[1], "cartilage");
    CU_ASSERT_PTR_NULL(s->axes[1].values);
    CU_ASSERT_EQUAL(s->axes[0].def.type, SD_PARAM_INT);
    CU_ASSERT_EQUAL(sd_sweep_points(s), 4);
    const double x[2] = {1000, 1};
    CU_ASSERT_EQUAL(sd_sweep_run_params(s, x, &run), SD_OK);
    CU_ASSERT_EQUAL(run.n, 5 + 2);
    CU_ASSERT_STRING_EQUAL(sd_paramset_choice(&run, "tissue", NULL), "cartilage");
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "tissue", -1), 0.0);
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "n_cells", -1), 1000.0);
    sd_paramset_free(&run);
    const double x0[2] = {10, 0};
    CU_ASSERT_EQUAL(sd_sweep_run_params(s, x0, &run), SD_OK);
    CU_ASSERT_STRING_EQUAL(sd_paramset_choice(&run, "tissue", NULL), "muscle");
    CU_ASSERT_EQUAL(sd_paramset_real(&run, "tissue", -1), 2.0);
    sd_paramset_free(&run);
    /* An index outside the axis's list is refused, nothing allocated. */
    const double bad[2] = {10, 2};
    CU_ASSERT_EQUAL(sd_sweep_run_params(s, bad, &run), SD_ERR_INTERNAL);
    CU_ASSERT_PTR_NULL(run.v);
    check_message(__LINE__, (const char *const[]){"\"tissue\": 2 is not a choice index (0 to 1)",
                                                  NULL});
    sd_sweep_destroy(&s);
}

/* ------------------------------------------------------------ errors */

static void test_err_syntax(void)
{
    EXPECT_ERROR("{\n  'model': {'name': 'ishigami'},\n  'seed': 4 2\n}",
                 "sweep.json:3:13: JSON syntax error at \"2\"");
    EXPECT_ERROR("{\n 'a': 1,\n}", "sweep.json:3:1: JSON syntax error at \"}\"");
    EXPECT_ERROR("{'model': {'name': 'ishigami'}} x", "sweep.json:1:33: JSON syntax error",
                 "text after the end of the JSON document");
    EXPECT_ERROR("", "sweep.json: the file is empty");
    EXPECT_ERROR(" \n\t\r\n", "sweep.json: the file is empty");
    EXPECT_ERROR("[1, 2]", "sweep.json: the top level is an array; a sweep file is one JSON "
                           "object");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'name': 'null'}, 'parameters': [], "
                 "'design': {'type': 'grid'}}",
                 "sweep.json: model.name: key \"name\" appears twice");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'seed': 1, 'seed': 2}", "sweep.json: seed: key \"seed\" "
                                                            "appears twice");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1], 'range': [0, 2]}], "
                 SOBOL "}",
                 "sweep.json: parameters[0].range: key \"range\" appears twice");
}

static void test_err_keys(void)
{
    EXPECT_ERROR(HEAD X123 SOBOL ", 'replicats': 2}",
                 "sweep.json: replicats: unknown key \"replicats\"; allowed here: $schema, "
                 "name, description, model, parameters, design, replicates, seed, output",
                 "(did you mean \"replicates\"?)");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'Seed': 2}", "Seed: unknown key", "did you mean \"seed\"");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'colour': 2}", "colour: unknown key \"colour\"; allowed");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'rnage': [0, 1]}], " SOBOL "}",
                 "sweep.json: parameters[0].rnage: unknown key \"rnage\"; allowed here: name, "
                 "range, values, scale, levels (did you mean \"range\"?)");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol', 'sampels': 16}}",
                 "sweep.json: design.sampels: unknown key \"sampels\"; allowed here: type, "
                 "samples, second_order, skip (did you mean \"samples\"?)");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'lhs', 'samples': 16, 'second_order': true}}",
                 "sweep.json: design.second_order: not used by a \"lhs\" design (it belongs "
                 "to a \"sobol\" design); allowed here: type, samples");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'fiel': 'r.h5'}}",
                 "sweep.json: output.fiel: unknown key \"fiel\"; allowed here: file, "
                 "timeseries, snapshots (did you mean \"file\"?)");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'snapshots': {'runs': [0], 'time': [1]}}}",
                 "sweep.json: output.snapshots.time: unknown key \"time\"; allowed here: runs, "
                 "times (did you mean \"times\"?)");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'snapshots': {'runs': [0, 80], 'times': [1]}}}",
                 "sweep.json: output.snapshots.runs: run 80 does not exist; the sweep has runs 0 "
                 "to 79");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'snapshots': {'runs': [3, 3], 'times': [1]}}}",
                 "sweep.json: output.snapshots.runs: run 3 is listed twice");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'snapshots': {'runs': [1], 'times': [-1]}}}",
                 "sweep.json: output.snapshots.times[0]: expected an output time >= 0, got the number -1");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'snapshots': {'runs': [1.5], 'times': [1]}}}",
                 "sweep.json: output.snapshots.runs[0]: 1.5 is not a whole number");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'parms': {}}, 'parameters': [], 'design': "
                 "{'type': 'grid'}}",
                 "sweep.json: model.parms: unknown key", "did you mean \"params\"");
}

static void test_err_model(void)
{
    EXPECT_ERROR("{" X123 SOBOL "}",
                 "sweep.json: model: missing; every sweep gives \"model\", \"parameters\" "
                 "and \"design\"");
    EXPECT_ERROR(HEAD SOBOL "}", "sweep.json: parameters: missing");
    EXPECT_ERROR(HEAD X123 "'seed': 1}", "sweep.json: design: missing");
    EXPECT_ERROR("{'model': 'ishigami', " X123 SOBOL "}",
                 "sweep.json: model: expected an object like {\"name\": \"ishigami\"",
                 "got the string \"ishigami\"");
    EXPECT_ERROR("{'model': {'name': 'ishigam'}, " X123 SOBOL "}",
                 "sweep.json: model.name: \"ishigam\" is not a known model; known: "
                 "ishigami, toy (did you mean \"ishigami\"?)");
    EXPECT_ERROR("{'model': {}, " X123 SOBOL "}",
                 "sweep.json: model.name: missing; name the model, one of: ishigami, toy");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'params': {'c': 1}}, " X123 SOBOL "}",
                 "sweep.json: model.params.c: \"c\" is not a parameter of model "
                 "\"ishigami\"; known: x1, x2, x3, a, b, n_times");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'params': {'a': 2e6}}, " X123 SOBOL "}",
                 "sweep.json: model.params.a: 2000000 is above the largest value 1000000 "
                 "allowed for \"a\"");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'params': {'n_times': 2.5}}, " X123 SOBOL "}",
                 "sweep.json: model.params.n_times: 2.5 is not a whole number; \"n_times\" is "
                 "an integer parameter");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'params': {'a': '7'}}, " X123 SOBOL "}",
                 "sweep.json: model.params.a: expected a number, got the string \"7\"; "
                 "allowed for \"a\": [-1000000, 1000000]");
    EXPECT_ERROR("{'model': {'name': 'toy', 'params': {'tissue': 'skin'}}, 'parameters': [], "
                 "'design': {'type': 'grid'}}",
                 "sweep.json: model.params.tissue: \"skin\" is not a choice of \"tissue\"; "
                 "allowed: \"cartilage\", \"bone\", \"muscle\"");
    EXPECT_ERROR("{'model': {'name': 'toy', 'params': {'tissue': 1}}, 'parameters': [], "
                 "'design': {'type': 'grid'}}",
                 "sweep.json: model.params.tissue: expected a string, got the number 1; "
                 "\"tissue\" is a choice of: \"cartilage\", \"bone\", \"muscle\"");
}

static void test_err_parameters(void)
{
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x9', 'range': [0, 1]}], " SOBOL "}",
                 "sweep.json: parameters[0].name: \"x9\" is not a parameter of model "
                 "\"ishigami\"; known: x1, x2, x3, a, b, n_times");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'n_times', 'values': [3, 5]}], " SOBOL "}",
                 "sweep.json: parameters[0].name: \"n_times\" cannot be swept",
                 "set it in model.params instead");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1]}, {'name': 'x2', "
                 "'range': [0, 1]}, {'name': 'x1', 'values': [0, 1]}], " SOBOL "}",
                 "sweep.json: parameters[2].name: \"x1\" is already swept by parameters[0]");
    EXPECT_ERROR("{'model': {'name': 'ishigami', 'params': {'b': 0.2, 'a': 1}}, 'parameters': "
                 "[{'name': 'x1', 'range': [0, 1]}, {'name': 'a', 'range': [0, 1]}], " SOBOL
                 "}",
                 "sweep.json: parameters[1].name: \"a\" is also set in model.params");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1]}, {'name': 'x2', "
                 "'range': [0, 1]}, {'name': 'a', 'range': [5, 3]}], " SOBOL "}",
                 "sweep.json: parameters[2].range: min 5 > max 3");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'a', 'range': [3, 3]}], " SOBOL "}",
                 "sweep.json: parameters[0].range: min 3 = max 3; a range needs min < max");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [-4, 1]}], " SOBOL "}",
                 "sweep.json: parameters[0].range: min -4 is below the smallest value "
                 "-3.141592653589793 allowed for \"x1\"");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'psi', 'range': [1, "
                 "16]}, {'name': 'beta', 'range': [1, 20]}], " SOBOL "}",
                 "sweep.json: parameters[1].range: max 20 is above the largest value 10 "
                 "allowed for \"beta\"");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'beta', 'range': [0, "
                 "1], 'scale': 'log'}], " SOBOL "}",
                 "sweep.json: parameters[0].range: min 0: a log scale needs min > 0");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'a', 'range': [-1, 1], 'scale': 'log'}], " SOBOL
                 "}",
                 "sweep.json: parameters[0].range: min -1: a log scale needs min > 0");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'a', 'range': [1, 2], 'scale': 'lgo'}], " SOBOL
                 "}",
                 "sweep.json: parameters[0].scale: \"lgo\" is not a scale; allowed: \"lin\", "
                 "\"log\" (did you mean \"log\"?)");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1], 'values': [0, 1]}], "
                 SOBOL "}",
                 "sweep.json: parameters[0]: both \"range\" and \"values\" given for \"x1\"; "
                 "give one");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1'}], " SOBOL "}",
                 "sweep.json: parameters[0]: neither \"range\" nor \"values\" given for "
                 "\"x1\"; give one");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1, 2]}], " SOBOL "}",
                 "sweep.json: parameters[0].range: expected [min, max], two numbers, got an "
                 "array of 3 elements");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, '1']}], " SOBOL "}",
                 "sweep.json: parameters[0].range[1]: expected a number, got the string "
                 "\"1\"");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1e999]}], " SOBOL "}",
                 "sweep.json: parameters[0].range: max inf is not a finite number");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'n_cells', 'range': [1, "
                 "10.5]}], " SOBOL "}",
                 "sweep.json: parameters[0].range: max 10.5 is not a whole number; "
                 "\"n_cells\" is an integer parameter");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'tissue', 'range': [0, "
                 "1]}], " SOBOL "}",
                 "sweep.json: parameters[0].range: \"tissue\" is a choice parameter and has "
                 "no range");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1], 'levels': 1}], "
                 "'design': {'type': 'grid'}}",
                 "sweep.json: parameters[0].levels: 1 is below the minimum 2");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'values': [0, 1], 'levels': 2}], "
                 "'design': {'type': 'grid'}}",
                 "sweep.json: parameters[0].levels: \"levels\" goes with a \"range\"");
    EXPECT_ERROR(HEAD "'parameters': [{'range': [0, 1]}], " SOBOL "}",
                 "sweep.json: parameters[0].name: missing");
    EXPECT_ERROR(HEAD "'parameters': [{'name': ''}], " SOBOL "}",
                 "sweep.json: parameters[0].name: empty string");
    EXPECT_ERROR(HEAD "'parameters': ['x1'], " SOBOL "}",
                 "sweep.json: parameters[0]: expected an object", "got the string \"x1\"");
    EXPECT_ERROR(HEAD "'parameters': {'x1': [0, 1]}, " SOBOL "}",
                 "sweep.json: parameters: expected an array", "got an object");
}

static void test_err_values(void)
{
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'a', 'values': [1, 'two', 3]}], 'design': "
                 "{'type': 'grid'}}",
                 "sweep.json: parameters[0].values[1]: got the string \"two\" among numbers; "
                 "the values of a parameter are all numbers or all strings");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'a', 'values': ['low', 'high']}], 'design': "
                 "{'type': 'grid'}}",
                 "sweep.json: parameters[0].values: strings given, but \"a\" is a number "
                 "parameter; allowed: numbers in [-1000000, 1000000]");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'tissue', 'values': [1, "
                 "2]}], 'design': {'type': 'grid'}}",
                 "sweep.json: parameters[0].values: numbers given, but \"tissue\" is a choice "
                 "parameter; allowed: strings, each one of \"cartilage\", \"bone\", "
                 "\"muscle\"");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'tissue', 'values': "
                 "['bone', 'tendon']}], 'design': {'type': 'grid'}}",
                 "sweep.json: parameters[0].values[1]: \"tendon\" is not a choice of "
                 "\"tissue\"; allowed: \"cartilage\", \"bone\", \"muscle\"");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'a', 'values': [0.5, 1, 2, 1, 0.5]}], "
                 "'design': {'type': 'grid'}}",
                 "sweep.json: parameters[0].values[3]: 1 is given twice (also values[1]); "
                 "each value may appear once");
    EXPECT_ERROR("{'model': {'name': 'toy'}, 'parameters': [{'name': 'tissue', 'values': "
                 "['bone', 'muscle', 'bone']}], 'design': {'type': 'grid'}}",
                 "sweep.json: parameters[0].values[2]: \"bone\" is given twice (also "
                 "values[0])");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'values': [0, 4]}], 'design': "
                 "{'type': 'grid'}}",
                 "sweep.json: parameters[0].values[1]: 4 is above the largest value "
                 "3.141592653589793 allowed for \"x1\"");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'values': []}], 'design': "
                 "{'type': 'grid'}}",
                 "sweep.json: parameters[0].values: expected a non-empty array of numbers, "
                 "got an empty array");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'values': [null]}], 'design': "
                 "{'type': 'grid'}}",
                 "sweep.json: parameters[0].values[0]: expected a number or a string, got "
                 "null");
}

static void test_err_design(void)
{
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol', 'samples': 1000}}",
                 "sweep.json: design.samples: 1000 is not a power of two; the Saltelli design "
                 "needs N = 2^k (try 1024)");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol', 'samples': 600}}", "(try 512)");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol', 'samples': 0}}",
                 "sweep.json: design.samples: 0 is below the minimum 1");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol'}}", "sweep.json: design.samples: "
                                                           "missing");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol', 'samples': 16, 'second_order': 1}}",
                 "sweep.json: design.second_order: expected true or false, got the number 1");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobol', 'samples': 16, 'skip': -1}}",
                 "sweep.json: design.skip: -1 is negative");
    EXPECT_ERROR(HEAD "'parameters': [], " SOBOL "}",
                 "sweep.json: parameters: empty; a \"sobol\" design needs at least 1 "
                 "parameter");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'morris', 'trajectories': 10, 'levels': 5}}",
                 "sweep.json: design.levels: 5 is odd; Morris levels must be an even whole "
                 "number >= 2 (try 4 or 6)");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'morris'}}",
                 "sweep.json: design.trajectories: missing");
    EXPECT_ERROR(HEAD "'parameters': [], 'design': {'type': 'morris', 'trajectories': 2}}",
                 "sweep.json: parameters: empty; a \"morris\" design needs at least 1 "
                 "parameter");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'values': [0, 1]}, {'name': 'x2', "
                 "'range': [0, 1]}], 'design': {'type': 'grid'}}",
                 "sweep.json: parameters[1].levels: missing; a \"grid\" design needs the "
                 "number of levels of every range");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'values': [0, 1]}, {'name': 'x2', "
                 "'values': [0, 1, 2]}], 'design': {'type': 'list'}}",
                 "sweep.json: parameters[1].values: 3 values, but parameters[0].values has 2");
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1]}], 'design': "
                 "{'type': 'list'}}",
                 "sweep.json: parameters[0].range: a \"list\" design takes \"values\" on "
                 "every parameter");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'sobel', 'samples': 16}}",
                 "sweep.json: design.type: \"sobel\" is not a design type; known: grid, list, "
                 "lhs, sobol, morris, random (did you mean \"sobol\"?)");
    EXPECT_ERROR(HEAD X123 "'design': {'samples': 16}}", "sweep.json: design.type: missing");
    EXPECT_ERROR(HEAD X123 "'design': 'sobol'}", "sweep.json: design: expected an object");
    EXPECT_ERROR(HEAD X123 "'design': {'type': 'lhs', 'samples': 2.5}}",
                 "sweep.json: design.samples: 2.5 is not a whole number");
    /* 2^20 levels on each of 3 axes: 2^60 points, beyond 2^53 runs. */
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1], 'levels': 1048576}, "
                 "{'name': 'x2', 'range': [0, 1], 'levels': 1048576}, {'name': 'x3', "
                 "'range': [0, 1], 'levels': 1048576}], 'design': {'type': 'grid'}}",
                 "sweep.json: design: 1152921504606846976 points x 1 replicates is too many "
                 "runs; at most 2^53 = 9007199254740992 runs are allowed");
    /* Past 2^64 points: no wrap-around. */
    EXPECT_ERROR(HEAD "'parameters': [{'name': 'x1', 'range': [0, 1], 'levels': 4294967296}, "
                 "{'name': 'x2', 'range': [0, 1], 'levels': 4294967296}, {'name': 'x3', "
                 "'range': [0, 1], 'levels': 2}], 'design': {'type': 'grid'}}",
                 "sweep.json: design: more than 2^64 points x 1 replicates is too many runs");
    /* 2^52 points are fine alone, not with 4 replicates. */
    EXPECT_ERROR(HEAD "'parameters': [], 'design': {'type': 'random', 'samples': "
                 "4503599627370496}, 'replicates': 4}",
                 "sweep.json: design: 4503599627370496 points x 4 replicates is too many runs");
}

static void test_err_scalars(void)
{
    EXPECT_ERROR(HEAD X123 SOBOL ", 'replicates': 0}",
                 "sweep.json: replicates: 0 is below the minimum 1; allowed: a whole number "
                 ">= 1");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'replicates': '2'}",
                 "sweep.json: replicates: expected a whole number >= 1, got the string \"2\"");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'seed': -1}",
                 "sweep.json: seed: -1 is negative; allowed: a whole number in [0, 2^53 = "
                 "9007199254740992]");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'seed': 9007199254740994}",
                 "sweep.json: seed: 9007199254740994 is above the maximum 9007199254740992");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'seed': 1.5}", "sweep.json: seed: 1.5 is not a whole "
                                                   "number");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'seed': true}", "sweep.json: seed: expected a whole "
                                                    "number in [0, 2^53",
                 "got true");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'name': ''}", "sweep.json: name: empty string");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'description': 5}",
                 "sweep.json: description: expected a string, got the number 5");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'file': ''}}", "sweep.json: output.file: empty "
                                                              "string");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': {'timeseries': 'yes'}}",
                 "sweep.json: output.timeseries: expected true or false, got the string "
                 "\"yes\"");
    EXPECT_ERROR(HEAD X123 SOBOL ", 'output': 'r.h5'}", "sweep.json: output: expected an "
                                                        "object");
}

static void test_err_load(void)
{
    sd_sweep *s = NULL;
    int rc = sd_sweep_load("sweeps/no-such-sweep.json", MPI_COMM_WORLD, &s);
    CU_ASSERT_EQUAL(rc, SD_ERR_IO);
    CU_ASSERT_PTR_NULL(s);
    check_message(__LINE__, (const char *const[]){"sweeps/no-such-sweep.json: cannot open the "
                                                  "sweep file: No such file or directory",
                                                  NULL});
    n_error_cases++;

    rc = sd_sweep_load("sweeps", MPI_COMM_WORLD, &s);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    check_message(__LINE__,
                  (const char *const[]){"sweeps: not a regular file (a directory)", NULL});
    n_error_cases++;

    rc = sd_sweep_load("sweeps/empty.json", MPI_COMM_WORLD, &s);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    CU_ASSERT_PTR_NULL(s);
    check_message(__LINE__, (const char *const[]){"sweeps/empty.json: the file is empty", NULL});
    n_error_cases++;

    /* Over 64 MiB: a sparse file, refused before it is read. */
    char big[64];
    CU_ASSERT_FATAL(temp_file(big, NULL, 0, (off_t)SD_SWEEP_MAX_BYTES + 1));
    rc = sd_sweep_load(big, MPI_COMM_WORLD, &s);
    remove_temp(big);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    check_message(__LINE__, (const char *const[]){big, ": the file has 67108865 bytes; a sweep "
                                                  "file may have at most 67108864",
                                                  NULL});
    n_error_cases++;

    /* A NUL byte inside the file. */
    char nul[64];
    CU_ASSERT_FATAL(temp_file(nul, "{\n  \"a\"\0: 1}", 12, 0));
    rc = sd_sweep_load(nul, MPI_COMM_WORLD, &s);
    remove_temp(nul);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    check_message(__LINE__, (const char *const[]){":2:6: JSON syntax error at a NUL byte", NULL});
    n_error_cases++;
}

/* "did you mean" prefers a name equal but for case (k_e -> k_E, not k_S,
 * which is as few edits away), and of those the fewest case changes. */
static void test_suggest_case(void)
{
    static const struct {
        const char *sq, *want, *not;
    } cases[] = {
        {"{'model': {'name': 'drift', 'params': {'k_e': 0.1}}, 'parameters': [], "
         "'design': {'type': 'grid'}}",
         "model.params.k_e: \"k_e\" is not a parameter of model \"drift\"",
         "did you mean \"k_S\""},
        {"{'model': {'name': 'drift'}, 'parameters': [{'name': 'k_e', 'range': [0, 1]}], "
         "'design': {'type': 'sobol', 'samples': 8}}",
         "parameters[0].name: \"k_e\" is not a parameter of model \"drift\"",
         "did you mean \"k_S\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sd_sweep *s = NULL;
        char *t = dq(cases[i].sq);
        CU_ASSERT_EQUAL(sd_sweep_parse(t, "sweep.json", &s), SD_ERR_INPUT);
        free(t);
        CU_ASSERT_PTR_NULL(s);
        check_message(__LINE__, (const char *const[]){cases[i].want,
                                                      "(did you mean \"k_E\"?)", NULL});
        CU_ASSERT_PTR_NULL(strstr(sd_error_message(), cases[i].not));
    }
    /* Fewest case changes: K_e is K_E (one), not k_E (two). */
    char *t = dq("{'model': {'name': 'drift', 'params': {'K_e': 0.1}}, 'parameters': [], "
                 "'design': {'type': 'grid'}}");
    sd_sweep *s = NULL;
    CU_ASSERT_EQUAL(sd_sweep_parse(t, "sweep.json", &s), SD_ERR_INPUT);
    free(t);
    check_message(__LINE__, (const char *const[]){"(did you mean \"K_E\"?)", NULL});
    /* Still the closest by edits when no name matches but for case. */
    EXPECT_ERROR(HEAD X123 SOBOL ", 'sede': 2}", "(did you mean \"seed\"?)");
}

/* ---------------------------------------------------------------- main */

/* The model registry the tests parse against, set up before they run; the
 * count of error cases, said after. */
static int suite_init(void)
{
    set_up_registry();
    return 0;
}

static int suite_cleanup(void)
{
    printf("\n%d error cases checked\n", n_error_cases);
    return 0;
}

static const sd_test tests[] = {
    {"parse sobol fixture", test_parse_sobol},
    {"parse grid fixture", test_parse_grid},
    {"parse list fixture", test_parse_list},
    {"parse lhs and random fixtures", test_parse_lhs_random},
    {"parse morris fixture", test_parse_morris},
    {"defaults", test_defaults},
    {"base and run parameter sets", test_paramsets},
    {"choice parameters", test_choice_params},
    {"errors: JSON syntax, empty, duplicate keys", test_err_syntax},
    {"errors: unknown keys", test_err_keys},
    {"errors: model", test_err_model},
    {"errors: parameters", test_err_parameters},
    {"errors: values", test_err_values},
    {"errors: design", test_err_design},
    {"errors: replicates, seed, output", test_err_scalars},
    {"errors: loading files", test_err_load},
    {"did you mean: case before other edits", test_suggest_case},
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"config", suite_init, suite_cleanup, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
