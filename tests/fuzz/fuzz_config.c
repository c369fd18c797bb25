/* libFuzzer target for the sweep-file loader: each input goes through
 * sd_sweep_parse, sd_sweep_parse_models, the design and the run parameters
 * (fuzz_config_one.c).  Built with -DSD_FUZZ=ON and clang; run it with
 * tests/fuzz/run.sh (see docs/fuzzing.md). */
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <sanitizer/lsan_interface.h>
#include <stdlib.h>

#include "fuzz_config_one.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sd_fuzz_stats fz_stats;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The library links MPI; sd_sweep_load uses MPI_COMM_SELF.  Open MPI
     * keeps memory from MPI_Init until exit: LeakSanitizer ignores what is
     * allocated here.  MPI_Finalize is not called (it unloads Open MPI's
     * plugins, whose leftovers LeakSanitizer would then report at exit). */
    /* Open MPI's own handlers of SIGABRT and SIGSEGV would hide the crash
     * from libFuzzer (no reproducer written): an empty list turns them off. */
    setenv("OMPI_MCA_opal_signal", "", 0);
    __lsan_disable();
    MPI_Init(NULL, NULL);
    __lsan_enable();
    /* The loader runs on MPI_COMM_SELF: its MPI errors come back as codes,
     * as in sendrift (a failure here would only abort, as before). */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_fuzz_config_one(data, size, NULL, &fz_stats);
    return 0;
}
