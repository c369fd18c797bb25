/* The CUnit main of every test executable, written once.
 *
 * A test file lists its tests in a table and hands it to one of the two
 * mains; everything else (the CUnit registry, the basic run, the failure
 * count, the exit status, and for MPI tests MPI_Init, the error handler,
 * the output rank and the agreement on the outcome) happens here:
 *
 *     static const sd_test tests[] = {
 *         {"rank layout", test_layout},
 *         {"durations", test_durations},
 *         SD_TEST_END};
 *
 *     int main(int argc, char **argv)
 *     {
 *         const sd_test_suite suites[] = {{"core", NULL, NULL, tests}, SD_SUITE_END};
 *         return sd_test_main_mpi(&argc, &argv, suites);
 *     }
 *
 * The exit status is 0 when every test passed, 1 otherwise: a test failed
 * (an assertion, or a test that asserted nothing), a suite's init or
 * cleanup failed, no test ran, or CUnit or MPI could not be set up.
 *
 * Every test must assert something: a test function that returns without a
 * single CUnit assertion fails with "the test made no assertion", so that a
 * test whose checks were all skipped (on some number of ranks, say) cannot
 * pass without having checked anything.
 */
#ifndef SD_TEST_H
#define SD_TEST_H

#include <CUnit/CUnit.h>

/* One test: the name CUnit prints, and the function. */
typedef struct sd_test {
    const char *name;
    CU_TestFunc fn;
} sd_test;

/* One suite: its name, CUnit's suite init and cleanup functions (run once
 * before and after its tests, 0 for success; either may be NULL), and its
 * tests, ending with SD_TEST_END. */
typedef struct sd_test_suite {
    const char *name;
    CU_InitializeFunc init;
    CU_CleanupFunc cleanup;
    const sd_test *tests;
} sd_test_suite;

#define SD_TEST_END {NULL, NULL}
#define SD_SUITE_END {NULL, NULL, NULL, NULL}

/* Run the suites (ending with SD_SUITE_END) without MPI, for tests that
 * need none or must not have it (those that fork). */
int sd_test_main(const sd_test_suite *suites);

/* Run the suites on every rank of MPI_COMM_WORLD: MPI_Init, then
 * MPI_ERRORS_RETURN on MPI_COMM_WORLD as the sendrift program sets it, so
 * that the code under test meets MPI failures as return codes.  Rank 0
 * prints CUnit's report; another rank prints only its own failures.  The
 * ranks agree on the outcome (sd_agree): the exit status is the same on
 * every rank, 1 when a test failed on any of them. */
int sd_test_main_mpi(int *argc, char ***argv, const sd_test_suite *suites);

/* For a suite's init function in an MPI test: this rank and the size of
 * MPI_COMM_WORLD (either may be NULL).  Returns 0 on success, as CUnit's
 * init functions do. */
int sd_test_world(int *rank, int *size);

#endif
