/* The CUnit main of every test executable (see sd_test.h). */
#include "sd_test.h"

#include <CUnit/Basic.h>
#include <mpi.h>
#include <stdio.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

/* The number of assertions made before the running test started. */
static unsigned int asserts_before;

/* CUnit runs a suite's setup before each of its tests ... */
static void note_asserts(void)
{
    asserts_before = CU_get_number_of_asserts();
}

/* ... and its teardown right after, still as part of the test: a failure
 * recorded here is the test's. */
static void require_an_assertion(void)
{
    if (CU_get_number_of_asserts() == asserts_before)
        CU_assertImplementation(CU_FALSE, __LINE__, "the test made no assertion", __FILE__, "",
                                CU_FALSE);
}

/* Register the suites and their tests; 0 when CUnit refused one. */
static int add_suites(const sd_test_suite *suites)
{
    for (const sd_test_suite *s = suites; s->name; s++) {
        CU_pSuite cs = CU_add_suite_with_setup_and_teardown(s->name, s->init, s->cleanup,
                                                            note_asserts, require_an_assertion);
        if (!cs) return 0;
        for (const sd_test *t = s->tests; t->name; t++)
            if (!CU_add_test(cs, t->name, t->fn)) return 0;
    }
    return 1;
}

/* Register and run the suites in the given CUnit mode.  Returns SD_OK when
 * every test passed, else SD_ERR_INTERNAL (a test is an invariant that did
 * not hold) with a message that says what failed on which rank. */
static int run_suites(const sd_test_suite *suites, CU_BasicRunMode mode, int rank)
{
    int rc = SD_OK;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return sd_error(SD_ERR_INTERNAL, "rank %d: no CUnit registry: %s", rank,
                        CU_get_error_msg());
    if (!add_suites(suites)) {
        rc = sd_error(SD_ERR_INTERNAL, "rank %d: CUnit refused a test: %s", rank,
                      CU_get_error_msg());
    } else {
        CU_basic_set_mode(mode);
        CU_basic_run_tests();
        unsigned run = CU_get_number_of_tests_run();
        unsigned failed = CU_get_number_of_tests_failed();
        unsigned suites_failed = CU_get_number_of_suites_failed();
        if (suites_failed)
            rc = sd_error(SD_ERR_INTERNAL, "rank %d: %u of %u tests failed, and %u suite(s) "
                          "failed to start or end", rank, failed, run, suites_failed);
        else if (failed || CU_get_number_of_failures())
            rc = sd_error(SD_ERR_INTERNAL, "rank %d: %u of %u tests failed", rank, failed, run);
        else if (run == 0)
            rc = sd_error(SD_ERR_INTERNAL, "rank %d: no test ran", rank);
        /* A silent rank still says what failed there. */
        if (rc != SD_OK && mode == CU_BRM_SILENT && CU_get_number_of_failures()) {
            printf("\nrank %d: failures\n", rank);
            CU_basic_show_failures(CU_get_failure_list());
            printf("\n");
        }
    }
    CU_cleanup_registry();
    return rc;
}

int sd_test_main(const sd_test_suite *suites)
{
    int rc = run_suites(suites, CU_BRM_VERBOSE, 0);
    if (rc != SD_OK) printf("\n%s\n", sd_error_message());
    return rc != SD_OK;
}

int sd_test_world(int *rank, int *size)
{
    if (rank && MPI_Comm_rank(MPI_COMM_WORLD, rank) != MPI_SUCCESS) return 1;
    if (size && MPI_Comm_size(MPI_COMM_WORLD, size) != MPI_SUCCESS) return 1;
    return 0;
}

int sd_test_main_mpi(int *argc, char ***argv, const sd_test_suite *suites)
{
    /* MPI_Init cannot report a failure: MPI's default handler aborts. */
    MPI_Init(argc, argv);
    int rank = 0;
    int rc = sd_mpi_errors_return(MPI_COMM_WORLD);
    /* Tests also run models and loaders on MPI_COMM_SELF. */
    if (rc == SD_OK) rc = sd_mpi_errors_return(MPI_COMM_SELF);
    if (rc == SD_OK && sd_test_world(&rank, NULL))
        rc = sd_error(SD_ERR_MPI, "MPI_Comm_rank failed");
    if (rc == SD_OK) {
        rc = run_suites(suites, rank == 0 ? CU_BRM_VERBOSE : CU_BRM_SILENT, rank);
        rc = sd_agree(MPI_COMM_WORLD, rc);
        if (rc != SD_OK && rank == 0) printf("\n%s\n", sd_error_message());
    } else {
        /* Without a working MPI_COMM_WORLD there is no agreeing: each rank
         * says why and fails on its own. */
        printf("rank %d: %s\n", rank, sd_error_message());
    }
    if (MPI_Finalize() != MPI_SUCCESS && rc == SD_OK) rc = SD_ERR_MPI;
    return rc != SD_OK;
}
