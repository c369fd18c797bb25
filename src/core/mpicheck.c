/* sendrift: checked MPI calls and agreement (see include/sendrift/mpicheck.h). */
#include "sendrift/mpicheck.h"

#include <stdio.h>

int sd_mpi_fail_at(const char *file, int line, int mpirc, const char *call)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    /* MPI_Error_string is local and cannot fail on a code MPI returned. */
    if (MPI_Error_string(mpirc, msg, &len) != MPI_SUCCESS) len = 0;
    msg[len] = '\0';
    return sd_error_at(file, line, SD_ERR_MPI, "%s failed: %s", call,
                       len ? msg : "unknown MPI error");
}

void sd_mpi_abort_at(const char *file, int line, int mpirc, const char *call)
{
    sd_mpi_fail_at(file, line, mpirc, call);
    fprintf(stderr, "sendrift: fatal: %s (at %s); the ranks can no longer agree: aborting the "
                    "job (finished runs are in the result file: continue with --resume)\n",
            sd_error_message(), sd_error_trace());
    MPI_Abort(MPI_COMM_WORLD, 3);
}

int sd_mpi_errors_return(MPI_Comm comm)
{
    SD_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    return SD_OK;
}

int sd_mpi_rank_size(MPI_Comm comm, int *rank, int *size)
{
    if (rank) SD_MPI(MPI_Comm_rank(comm, rank));
    if (size) SD_MPI(MPI_Comm_size(comm, size));
    return SD_OK;
}

/* Large enough for any message worth sending; longer ones are cut. */
#define SD_AGREE_MSG 1024

int sd_agree(MPI_Comm comm, int rc)
{
    int worst, rank, first;
    /* A negative code (a model's own) is a failure too: the reduction takes
     * the maximum, where it would count as success. */
    if (rc < 0) {
        char was[512];
        snprintf(was, sizeof was, "%s", sd_error_message());
        rc = sd_error(SD_ERR_INTERNAL, "failed with code %d: %s", rc, was);
    }
    SD_MPI(MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, comm));
    if (worst == SD_OK) return SD_OK;
    SD_MPI(MPI_Comm_rank(comm, &rank));
    int mine = rc != SD_OK ? rank : 1 << 30;
    SD_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
    char buf[SD_AGREE_MSG];
    if (rank == first) snprintf(buf, sizeof buf, "%s", sd_error_message());
    SD_MPI(MPI_Bcast(buf, sizeof buf, MPI_CHAR, first, comm));
    /* The failing rank keeps its own message and trace. */
    if (rank != first) sd_error(worst, "%s", buf);
    return worst;
}
