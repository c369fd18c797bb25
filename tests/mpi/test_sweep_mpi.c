/* The sweep on 1-4 ranks: every run lands in the file, failed runs are
 * recorded with their message while the sweep goes on, a failure seen by
 * one rank of a group is agreed by the whole group, and an existing file is
 * refused on every rank. */
#include <CUnit/Basic.h>
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "sendrift/config.h"
#include "sendrift/error.h"
#include "sendrift/results.h"
#include "sendrift/shard.h"
#include "sendrift/sweep.h"
#include "sd_test.h"

static int rank, size;

/* x1 in {1..6}, x2 in {0, 10}: sum = x1 + 2 x2; runs with sum > 15 fail. */
#define SWEEP_TEXT                                                                 \
    "{ \"name\": \"mpi_test\", \"model\": { \"name\": \"null\", \"params\": " \
    "{ \"n_times\": 3, \"fail_above\": 15, \"fail_rank\": %d } },"          \
    "  \"parameters\": [ { \"name\": \"x1\", \"values\": [1, 2, 3, 4, 5, 6] },"   \
    "                    { \"name\": \"x2\", \"values\": [0, 10] } ],"          \
    "  \"design\": { \"type\": \"grid\" }, \"replicates\": 2, \"seed\": 3 }"

static void read_1d(hid_t f, const char *name, hid_t type, void *buf)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    CU_ASSERT_FATAL(d >= 0);
    CU_ASSERT(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
}

static void run_and_check(int P, int fail_rank)
{
    char text[2048], path[256];
    snprintf(text, sizeof text, SWEEP_TEXT, fail_rank);
    snprintf(path, sizeof path, "test_sweep_mpi.np%d.P%d.h5", size, P);
    sd_sweep *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_sweep_parse(text, "mpi_test.json", &s), SD_OK);
    sd_sweep_opts o = {.output = path, .ranks_per_sim = P, .force = 1, .quiet = 1,
                       .progress_interval = 10.0, .grace = 60.0};
    sd_sweep_report rep;
    int rc = sd_sweep_run(s, MPI_COMM_WORLD, &o, &rep);
    CU_ASSERT_EQUAL(rc, SD_OK);
    if (rc != SD_OK && rank == 0) fprintf(stderr, "%s\n", sd_error_message());
    /* 6 x1 values x 2 x2 values x 2 replicates = 24 runs; sums 21..26 fail. */
    CU_ASSERT_EQUAL(rep.runs, 24u);
    CU_ASSERT_EQUAL(rep.done, 12u);
    CU_ASSERT_EQUAL(rep.failed, 12u);
    int groups = size == 1 ? 1 : (size - 1) / P;
    CU_ASSERT_EQUAL(rep.groups, groups);

    /* Again without force: refused on every rank, the file untouched. */
    o.force = 0;
    sd_sweep_report rep2;
    rc = sd_sweep_run(s, MPI_COMM_WORLD, &o, &rep2);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "exists; it is never overwritten"));
    sd_sweep_destroy(&s);

    if (rank == 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CU_ASSERT_FATAL(f >= 0);
        unsigned char status[24];
        double sum[24], params[48], wall[24], value[24 * 3];
        int group[24];
        char msg[24][SD_RUN_MESSAGE_LEN];
        /* Format 3: the messages are a runs x SD_RUN_MESSAGE_LEN array of
         * single characters (netCDF's char), so one character is the type. */
        hid_t mt = H5Tcopy(H5T_C_S1);
        read_1d(f, "runs/status", H5T_NATIVE_UCHAR, status);
        read_1d(f, "runs/group", H5T_NATIVE_INT, group);
        read_1d(f, "runs/wall_seconds", H5T_NATIVE_DOUBLE, wall);
        read_1d(f, "runs/message", mt, msg);
        read_1d(f, "summary/sum", H5T_NATIVE_DOUBLE, sum);
        read_1d(f, "design/params", H5T_NATIVE_DOUBLE, params);
        read_1d(f, "timeseries/value", H5T_NATIVE_DOUBLE, value);
        H5Tclose(mt);
        H5Fclose(f);
        int done = 0;
        for (int r = 0; r < 24; r++) {
            double want = params[2 * r] + 2 * params[2 * r + 1];
            CU_ASSERT(group[r] >= 0 && group[r] < groups);
            CU_ASSERT(wall[r] >= 0);
            if (want > 15) {
                CU_ASSERT_EQUAL(status[r], SD_RUN_FAILED);
                CU_ASSERT_PTR_NOT_NULL(strstr(msg[r], "exceeds fail_above 15 (on purpose)"));
                CU_ASSERT_PTR_NOT_NULL(strstr(msg[r], "at t = 1"));
                CU_ASSERT(isnan(sum[r]));
                CU_ASSERT(isnan(value[3 * r]));
            } else {
                done++;
                CU_ASSERT_EQUAL(status[r], SD_RUN_DONE);
                CU_ASSERT_STRING_EQUAL(msg[r], "");
                CU_ASSERT_EQUAL(sum[r], want);
                for (int k = 0; k < 3; k++) CU_ASSERT_EQUAL(value[3 * r + k], (1 + k) * want);
            }
        }
        CU_ASSERT_EQUAL(done, 12);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

static void test_p1(void) { run_and_check(1, 0); }

/* The reader merge uses (shard.h) gives back what the sweep wrote: a file of
 * the whole sweep, and the file of shard 1 of 3 (rows 1, 4, 7, ...), read
 * against the null model's own values (sum = x1 + 2 x2 when <= 15). */
static void read_back(const char *path, uint64_t si, uint64_t sn)
{
    uint64_t rows = (24 - si + sn - 1) / sn;
    sd_shard *sh = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_shard_open(path, &sh), SD_OK);
    const sd_shard_info *in = sd_shard_get_info(sh);
    CU_ASSERT_STRING_EQUAL(in->format, "sendrift-results");
    CU_ASSERT_EQUAL(strlen(in->digest), 16u);
    CU_ASSERT_EQUAL(in->shard_index, sn > 1 ? si : 0);
    CU_ASSERT_EQUAL(in->shard_count, sn > 1 ? sn : 1);
    CU_ASSERT(in->has_rows);
    CU_ASSERT_EQUAL(in->rows, rows);
    static const sd_metric_def series[] = {{"value", "1", ""}}, summary[] = {{"sum", "1", ""}};
    double times[3] = {1, 2, 3};
    sd_layout l = {.n_times = 3, .times = times, .n_series = 1, .series = series,
                   .n_summary = 1, .summary = summary};
    CU_ASSERT_EQUAL(sd_shard_check_rows(sh, &l, 1, rows), SD_OK);
    CU_ASSERT_EQUAL(sd_shard_check_rows(sh, &l, 1, rows + 1), SD_ERR_INPUT);
    uint8_t status[24];
    uint32_t attempts[24];
    int group[24];
    double wall[24], sum[24], value[24 * 3];
    char msg[24 * SD_RUN_MESSAGE_LEN];
    sd_shard_runs runs = {status, attempts, group, wall, msg};
    CU_ASSERT_EQUAL_FATAL(sd_shard_read_runs(sh, 0, rows, &runs), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_shard_read_summary(sh, "sum", 0, rows, sum), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_shard_read_series(sh, "value", 0, rows, 3, value), SD_OK);
    CU_ASSERT_EQUAL(sd_shard_read_summary(sh, "nosuch", 0, rows, sum), SD_ERR_HDF5);
    for (uint64_t k = 0; k < rows; k++) {
        uint64_t run = sd_shard_row_run(sh, k);
        CU_ASSERT_EQUAL(run, si + k * sn);
        /* run = point * 2 + replicate, point = x1 index * 2 + x2 index */
        uint64_t point = run / 2;
        double want = (double)(point / 2 + 1) + 2.0 * (point % 2 ? 10 : 0);
        CU_ASSERT_EQUAL(attempts[k], 1u);
        if (want > 15) {
            CU_ASSERT_EQUAL(status[k], SD_RUN_FAILED);
            CU_ASSERT_PTR_NOT_NULL(strstr(msg + k * SD_RUN_MESSAGE_LEN, "on purpose"));
            CU_ASSERT(isnan(sum[k]));
        } else {
            CU_ASSERT_EQUAL(status[k], SD_RUN_DONE);
            CU_ASSERT_EQUAL(sum[k], want);
            for (int t = 0; t < 3; t++) CU_ASSERT_EQUAL(value[3 * k + t], (1 + t) * want);
        }
    }
    CU_ASSERT_EQUAL(sd_shard_close(&sh), SD_OK);
    CU_ASSERT_PTR_NULL(sh);
}

static void test_shard_reader(void)
{
    char text[2048], path[256];
    snprintf(text, sizeof text, SWEEP_TEXT, 0);
    sd_sweep *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_sweep_parse(text, "mpi_test.json", &s), SD_OK);
    for (int shard = 0; shard < 2; shard++) {
        snprintf(path, sizeof path, "test_sweep_mpi.np%d.shard%d.h5", size, shard);
        sd_sweep_opts o = {.output = path, .ranks_per_sim = 1, .force = 1, .quiet = 1,
                           .progress_interval = 10.0, .grace = 60.0,
                           .shard_index = shard ? 1 : 0, .shard_count = shard ? 3 : 0};
        sd_sweep_report rep;
        CU_ASSERT_EQUAL(sd_sweep_run(s, MPI_COMM_WORLD, &o, &rep), SD_OK);
        CU_ASSERT_EQUAL(rep.runs, shard ? 8u : 24u);
        if (rank == 0) read_back(path, shard ? 1 : 0, shard ? 3 : 1);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    sd_sweep_destroy(&s);
    if (rank == 0) {
        sd_shard *sh = NULL;
        CU_ASSERT_EQUAL(sd_shard_open("test_sweep_mpi.nosuch.h5", &sh), SD_ERR_IO);
        CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "test_sweep_mpi.nosuch.h5"));
        CU_ASSERT_PTR_NULL(sh);
    }
}

/* Groups of two where only the second rank of a group sees the failure.  It
 * needs a controller and a group of two: with fewer ranks, the sweep must
 * refuse P = 2 on every rank, with the reason, and create no file. */
static void test_p2_fail_on_second_rank(void)
{
    if (size >= 3) {
        run_and_check(2, 1);
        return;
    }
    char text[2048], path[256], want[256];
    snprintf(text, sizeof text, SWEEP_TEXT, 1);
    snprintf(path, sizeof path, "test_sweep_mpi.np%d.P2.h5", size);
    if (rank == 0) remove(path);
    MPI_Barrier(MPI_COMM_WORLD);
    sd_sweep *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_sweep_parse(text, "mpi_test.json", &s), SD_OK);
    sd_sweep_opts o = {.output = path, .ranks_per_sim = 2, .force = 1, .quiet = 1,
                       .progress_interval = 10.0, .grace = 60.0};
    sd_sweep_report rep;
    CU_ASSERT_EQUAL(sd_sweep_run(s, MPI_COMM_WORLD, &o, &rep), SD_ERR_INPUT);
    snprintf(want, sizeof want,
             "--ranks-per-sim 2 needs at least 3 ranks (a controller and one group of 2); "
             "this run has %d",
             size);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), want));
    if (!strstr(sd_error_message(), want))
        fprintf(stderr, "rank %d: got \"%s\"\n", rank, sd_error_message());
    sd_sweep_destroy(&s);
    MPI_Barrier(MPI_COMM_WORLD);
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NULL(f);
    if (f) fclose(f);
}

static void test_bad_layout(void)
{
    sd_sweep *s = NULL;
    char text[2048];
    snprintf(text, sizeof text, SWEEP_TEXT, 0);
    CU_ASSERT_EQUAL_FATAL(sd_sweep_parse(text, "mpi_test.json", &s), SD_OK);
    sd_sweep_opts o = {.output = "never-created.h5", .ranks_per_sim = size + 1, .force = 1,
                       .quiet = 1};
    sd_sweep_report rep;
    CU_ASSERT_EQUAL(sd_sweep_run(s, MPI_COMM_WORLD, &o, &rep), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "needs at least"));
    sd_sweep_destroy(&s);
}

static int set_up(void)
{
    return sd_test_world(&rank, &size);
}

static const sd_test tests[] = {
    {"P = 1: runs, failures, refusal of an existing file", test_p1},
    {"P = 2: a failure seen by one rank of a group", test_p2_fail_on_second_rank},
    {"a layout that cannot form a group", test_bad_layout},
    {"the shard reader gives back what the sweep wrote", test_shard_reader},
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"sweep on MPI ranks", set_up, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
