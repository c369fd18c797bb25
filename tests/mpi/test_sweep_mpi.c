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
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, SD_RUN_MESSAGE_LEN);
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
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"sweep on MPI ranks", set_up, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
