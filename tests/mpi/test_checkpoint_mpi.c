/* Checkpoints of single runs (include/sendrift/checkpoint.h) on 1-4 ranks.
 *
 * The drift model is saved half-way through a run, between two output
 * times, on one decomposition, and restored on another (the whole world,
 * rank 0 alone, groups of other sizes); the restored run is advanced to the
 * end and every time-series row and summary is compared bit for bit with an
 * uninterrupted run on rank 0 alone.  Also: a checkpoint of another
 * parameter set, model version or run is refused and changes nothing; a
 * restore of a state saved with another shape fails with the dataset's
 * name; a write that fails half-way leaves the previous checkpoint byte for
 * byte and no temporary file.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drift.h"
#include "sendrift/checkpoint.h"
#include "sendrift/error.h"
#include "sendrift/plan.h"
#include "sd_test.h"

static int rank, size;

/* 2-D, 45 x 37, periodic along x, a focus, drugs and every event channel:
 * 10 output times of 6 steps each. */
static const sd_pvalue case_2d[] = {
    {"nx", 45, NULL},          {"ny", 37, NULL},        {"periodic_x", 1, NULL},
    {"dt", 0.25, NULL},        {"duration", 15, NULL},  {"output_interval", 1.5, NULL},
    {"focus_radius", 60, NULL}, {"f0", 0.02, NULL},     {"k0", 0.002, NULL},
    {"k_S", 0.02, NULL},       {"k_E", 0.6, NULL},      {"k_reg", 0.4, NULL},
    {"tissue", 0, "bone"},     {"senolytic.doses", 2, NULL}, {"senolytic.start", 5, NULL},
    {"dna_demethylation.doses", 1, NULL}, {"k_rev", 0.3, NULL},
    {"ev_therapy.doses", 1, NULL}, {"ev_therapy.start", 4, NULL},
};
/* 3-D, 17 x 15 x 11, walls everywhere. */
static const sd_pvalue case_3d[] = {
    {"dim", 3, NULL},          {"nx", 17, NULL},        {"ny", 15, NULL},
    {"nz", 11, NULL},          {"dt", 0.25, NULL},      {"duration", 6, NULL},
    {"output_interval", 1, NULL}, {"focus_radius", 40, NULL}, {"f0", 0.03, NULL},
    {"k_S", 0.05, NULL},       {"k_E", 0.8, NULL},      {"k_reg", 0.5, NULL},
    {"tissue", 0, "cartilage"},
};

typedef struct {
    size_t nt;
    double *times;
    double *rows;              /* nt x SD_DRIFT_NSERIES */
    double summary[SD_DRIFT_NSUMMARY];
} result;

static const sd_run_info info = {5, 2, 1, 777, NULL, 5};

/* Advance a created run from output k0 to the end, observing every output
 * time, then summarize (rows of outputs < k0 come from the model). */
static int finish(void *st, const result *r, size_t k0, double *rows, double *summary)
{
    const sd_model_class *m = &sd_model_drift;
    int rc = SD_OK;
    for (size_t k = k0; k < r->nt && !rc; k++) {
        rc = m->advance(st, r->times[k]);
        if (!rc) rc = m->observe(st, rows + k * SD_DRIFT_NSERIES);
    }
    if (!rc) rc = m->summarize(st, summary);
    return rc;
}

static int differ(const result *ref, const double *rows, const double *summary,
                  size_t k0, const char *what)
{
    int bad = 0;
    for (size_t k = k0; k < ref->nt; k++)
        for (int i = 0; i < SD_DRIFT_NSERIES; i++)
            if (memcmp(&ref->rows[k * SD_DRIFT_NSERIES + i], &rows[k * SD_DRIFT_NSERIES + i],
                       sizeof(double)) != 0) {
                if (!bad)
                    fprintf(stderr, "%s: row %zu %s: %.17g != %.17g\n", what, k,
                            sd_drift_series[i].name, ref->rows[k * SD_DRIFT_NSERIES + i],
                            rows[k * SD_DRIFT_NSERIES + i]);
                bad++;
            }
    for (int i = 0; i < SD_DRIFT_NSUMMARY; i++)
        if (memcmp(&ref->summary[i], &summary[i], sizeof(double)) != 0) {
            if (!bad)
                fprintf(stderr, "%s: summary %s: %.17g != %.17g\n", what,
                        sd_drift_summary[i].name, ref->summary[i], summary[i]);
            bad++;
        }
    return bad;
}

static void make_id(const sd_paramset *ps, sd_checkpoint_id *id)
{
    *id = (sd_checkpoint_id){"drift", sd_model_drift.state_version, "0123456789abcdef", "",
                             info.run};
    sd_paramset_digest(ps, info.run, info.seed, id->params_digest);
}

/* Save on comm `save` at the step time half-way between outputs kc - 1 and
 * kc, restore on comm `load` (either may be MPI_COMM_NULL on this rank),
 * finish there and compare with ref on load's rank 0.  Returns the number
 * of values that differ (agreed over the world), or -1 on an error. */
static int save_restore(const sd_paramset *ps, const result *ref, size_t kc, MPI_Comm save,
                        MPI_Comm load, const char *path, const char *what)
{
    const sd_model_class *m = &sd_model_drift;
    sd_checkpoint_id id;
    make_id(ps, &id);
    double *series = calloc(3 * ref->nt, sizeof(double));
    for (size_t i = 0; i < 3 * ref->nt; i++) series[i] = (double)i + 0.25;
    int rc = SD_OK, bad = 0;
    if (save != MPI_COMM_NULL) {
        void *st = NULL;
        rc = m->create(ps, &info, save, &st);
        double t_mid = 0.5 * (ref->times[kc - 1] + ref->times[kc]);
        for (size_t k = 0; k < kc && !rc; k++) rc = m->advance(st, ref->times[k]);
        if (!rc) rc = m->advance(st, t_mid);
        sd_checkpoint_engine e = {kc, 12.5, 3, ref->nt, series, 0};
        sd_checkpoint_stats stats = {0, 0};
        if (!rc) rc = sd_checkpoint_write(path, save, &id, &e, m, st, &stats);
        if (rc) fprintf(stderr, "%s: save: %s\n", what, sd_error_message());
        if (st) m->destroy(st);
    }
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (all) {
        free(series);
        return -1;
    }
    if (load != MPI_COMM_NULL) {
        void *st = NULL;
        double *rows = calloc(ref->nt * SD_DRIFT_NSERIES, sizeof(double));
        double summary[SD_DRIFT_NSUMMARY];
        double *back = calloc(3 * ref->nt, sizeof(double));
        sd_checkpoint_engine e = {0, 0, 3, ref->nt, back, 0};
        rc = m->create(ps, &info, load, &st);
        if (!rc) rc = sd_checkpoint_read(path, load, &id, &e, m, st, NULL);
        if (rc) fprintf(stderr, "%s: restore: %s\n", what, sd_error_message());
        /* The sweep's part comes back as it was written. */
        if (!rc && (e.output_index != kc || e.run_seconds != 12.5 ||
                    memcmp(back, series, 3 * ref->nt * sizeof(double)) != 0))
            bad++;
        /* The rows from output kc on, and the summary, which the model
         * makes from its own rows of every output (those before kc
         * restored). */
        if (!rc) rc = finish(st, ref, kc, rows, summary);
        int lrank;
        MPI_Comm_rank(load, &lrank);
        if (!rc && lrank == 0) bad += differ(ref, rows, summary, kc, what);
        if (st) m->destroy(st);
        free(rows);
        free(back);
    }
    free(series);
    MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return rc ? -1 : bad;
}

static void reference(const sd_paramset *ps, result *ref)
{
    const sd_model_class *m = &sd_model_drift;
    sd_layout L;
    CU_ASSERT_EQUAL_FATAL(m->layout(ps, &L), SD_OK);
    ref->nt = L.n_times;
    ref->times = calloc(L.n_times, sizeof(double));
    memcpy(ref->times, L.times, L.n_times * sizeof(double));
    sd_layout_free(&L);
    ref->rows = calloc(ref->nt * SD_DRIFT_NSERIES, sizeof(double));
    int rc = SD_OK;
    if (rank == 0) {
        void *st = NULL;
        rc = m->create(ps, &info, MPI_COMM_SELF, &st);
        if (!rc) rc = finish(st, ref, 0, ref->rows, ref->summary);
        if (st) m->destroy(st);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CU_ASSERT_EQUAL_FATAL(rc, SD_OK);
    MPI_Bcast(ref->rows, (int)(ref->nt * SD_DRIFT_NSERIES), MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Bcast(ref->summary, SD_DRIFT_NSUMMARY, MPI_DOUBLE, 0, MPI_COMM_WORLD);
}

static void check_layouts(const sd_pvalue *v, size_t n, const char *name)
{
    sd_paramset ps = {(sd_pvalue *)v, n};
    result ref = {0};
    reference(&ps, &ref);
    char path[128], what[160];
    snprintf(path, sizeof path, "ckpt-%s-np%d.h5", name, size);
    MPI_Comm self0 = rank == 0 ? MPI_COMM_SELF : MPI_COMM_NULL;
    /* Groups of other sizes: the first size - 1 ranks (or all). */
    MPI_Comm part;
    int in_part = size == 1 || rank < size - 1;
    MPI_Comm_split(MPI_COMM_WORLD, in_part ? 0 : MPI_UNDEFINED, rank, &part);
    size_t kc = ref.nt / 2;

    snprintf(what, sizeof what, "%s: saved on P = %d, restored on P = 1", name, size);
    int bad = save_restore(&ps, &ref, kc, MPI_COMM_WORLD, self0, path, what);
    CU_ASSERT_EQUAL(bad, 0);
    if (rank == 0) printf("\n    %s: %d values differ", what, bad);

    snprintf(what, sizeof what, "%s: saved on P = 1, restored on P = %d", name, size);
    bad = save_restore(&ps, &ref, kc + 1, self0, MPI_COMM_WORLD, path, what);
    CU_ASSERT_EQUAL(bad, 0);
    if (rank == 0) printf("\n    %s: %d values differ", what, bad);

    int psize = size == 1 ? 1 : size - 1;
    snprintf(what, sizeof what, "%s: saved on P = %d, restored on P = %d", name, size, psize);
    bad = save_restore(&ps, &ref, 1, MPI_COMM_WORLD, part, path, what);
    CU_ASSERT_EQUAL(bad, 0);
    if (rank == 0) printf("\n    %s: %d values differ", what, bad);

    if (part != MPI_COMM_NULL) MPI_Comm_free(&part);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) unlink(path);
    free(ref.rows);
    free(ref.times);
}

static void test_2d(void) { check_layouts(case_2d, sizeof case_2d / sizeof case_2d[0], "2-D"); }
static void test_3d(void) { check_layouts(case_3d, sizeof case_3d / sizeof case_3d[0], "3-D"); }

/* A checkpoint of another parameter set, model version or run is refused
 * with the reason, and the run is left as it was created. */
static void test_refused(void)
{
    const sd_model_class *m = &sd_model_drift;
    sd_paramset ps = {(sd_pvalue *)case_2d, sizeof case_2d / sizeof case_2d[0]};
    result ref = {0};
    reference(&ps, &ref);
    char path[64];
    snprintf(path, sizeof path, "ckpt-refused-np%d.h5", size);
    CU_ASSERT_EQUAL_FATAL(save_restore(&ps, &ref, 3, MPI_COMM_WORLD, MPI_COMM_WORLD, path,
                                       "refused: the checkpoint itself"),
                          0);
    const char *want[3] = {"made with other parameters", "saved by version",
                           "the checkpoint of run"};
    for (int c = 0; c < 3; c++) {
        sd_checkpoint_id id;
        make_id(&ps, &id);
        if (c == 0) id.params_digest[3] ^= 1;
        if (c == 1) id.state_version++;
        if (c == 2) id.run++;
        void *st = NULL;
        double *rows = calloc(ref.nt * SD_DRIFT_NSERIES, sizeof(double));
        double summary[SD_DRIFT_NSUMMARY], back[64];
        sd_checkpoint_engine e = {0, 0, 3, ref.nt, back, 0};
        CU_ASSERT_FATAL(3 * ref.nt <= 64);
        int rc = m->create(&ps, &info, MPI_COMM_WORLD, &st);
        CU_ASSERT_EQUAL_FATAL(rc, SD_OK);
        rc = sd_checkpoint_read(path, MPI_COMM_WORLD, &id, &e, m, st, NULL);
        CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
        CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), want[c]));
        if (!strstr(sd_error_message(), want[c]))
            fprintf(stderr, "refusal %d: \"%s\"\n", c, sd_error_message());
        /* Untouched: the run from t = 0 gives the reference. */
        rc = finish(st, &ref, 0, rows, summary);
        CU_ASSERT_EQUAL(rc, SD_OK);
        if (rank == 0 && rc == SD_OK) CU_ASSERT_EQUAL(differ(&ref, rows, summary, 0, "refused"), 0);
        m->destroy(st);
        free(rows);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) unlink(path);
    free(ref.rows);
    free(ref.times);
}

/* A small model for the failure cases: `count` values, and a failure
 * half-way through saving when `fail` is set. */
typedef struct {
    double v[8];
    size_t count;
    int fail;
} toy_state;

static int toy_checkpoint(void *state, sd_state_io *io)
{
    toy_state *s = state;
    int rc = sd_state_values(io, "first", SD_STATE_F64, s->v, 1);
    if (!rc && s->fail && !sd_state_reading(io))
        rc = sd_error(SD_ERR_IO, "No space left on device (the test's own failure)");
    if (!rc) rc = sd_state_values(io, "values", SD_STATE_F64, s->v, s->count);
    return rc;
}

static const sd_model_class toy = {.name = "toy", .checkpoint = toy_checkpoint,
                                   .state_version = 1};

static long file_bytes(const char *path, char *buf, long cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    long n = (long)fread(buf, 1, (size_t)cap, f);
    fclose(f);
    return n;
}

static void test_failures(void)
{
    char path[64], tmp[80];
    snprintf(path, sizeof path, "ckpt-toy-np%d.h5", size);
    snprintf(tmp, sizeof tmp, "%s%s", path, SD_CHECKPOINT_TEMP_SUFFIX);
    sd_checkpoint_id id = {"toy", 1, "fedcba9876543210", "0000000000000001", 3};
    double series[2] = {1, 2};
    sd_checkpoint_engine e = {1, 3.0, 1, 2, series, 0};
    toy_state s = {{1, 2, 3, 4, 5, 6, 7, 8}, 8, 0};
    CU_ASSERT_EQUAL_FATAL(sd_checkpoint_write(path, MPI_COMM_WORLD, &id, &e, &toy, &s, NULL),
                          SD_OK);
    static char before[1 << 16], after[1 << 16];
    long nb = 0, na = 0;
    if (rank == 0) nb = file_bytes(path, before, sizeof before);
    /* A write that fails half-way: the error on every rank, the previous
     * checkpoint byte for byte, no temporary file left. */
    s.fail = 1;
    s.v[0] = 99;
    int rc = sd_checkpoint_write(path, MPI_COMM_WORLD, &id, &e, &toy, &s, NULL);
    CU_ASSERT_EQUAL(rc, SD_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "No space left"));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        na = file_bytes(path, after, sizeof after);
        CU_ASSERT(nb > 0 && nb < (long)sizeof before);
        CU_ASSERT_EQUAL(na, nb);
        CU_ASSERT(na == nb && memcmp(before, after, (size_t)nb) == 0);
        CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
    }
    /* The saved state reads back; one saved with another count does not. */
    toy_state r = {{0}, 8, 0};
    rc = sd_checkpoint_read(path, MPI_COMM_WORLD, &id, &e, &toy, &r, NULL);
    CU_ASSERT_EQUAL(rc, SD_OK);
    CU_ASSERT_EQUAL(r.v[0], 1.0);
    CU_ASSERT_EQUAL(r.v[7], 8.0);
    toy_state w = {{0}, 5, 0};
    rc = sd_checkpoint_read(path, MPI_COMM_WORLD, &id, &e, &toy, &w, NULL);
    CU_ASSERT_EQUAL(rc, SD_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "/model/values"));
    /* A directory that cannot be made: the error names it. */
    rc = sd_checkpoint_write("/proc/sendrift-no/run_3.h5", MPI_COMM_WORLD, &id, &e, &toy, &s,
                             NULL);
    CU_ASSERT_EQUAL(rc, SD_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "/proc/sendrift-no"));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) unlink(path);
}

static int init(void)
{
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return 0;
}

int main(int argc, char **argv)
{
    static const sd_test tests[] = {{"drift 2-D saved and restored on other layouts", test_2d},
                                    {"drift 3-D saved and restored on other layouts", test_3d},
                                    {"checkpoints of other runs refused", test_refused},
                                    {"failed writes and mismatched states", test_failures},
                                    SD_TEST_END};
    const sd_test_suite suites[] = {{"checkpoint", init, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
