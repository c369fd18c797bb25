/* sendrift: one discipline for MPI calls and for agreeing on an error.
 *
 * Every communicator sendrift uses returns MPI errors instead of aborting:
 * the command line sets MPI_ERRORS_RETURN on MPI_COMM_WORLD right after
 * MPI_Init, and every communicator made from it (dup, split, Cartesian)
 * inherits the handler.  So every MPI call is checked, with SD_MPI:
 *
 *     SD_MPI(MPI_Bcast(&n, 1, MPI_INT, 0, comm));
 *
 * returns SD_ERR_MPI from the enclosing function, with the call and MPI's
 * own message.  A call that is left unchecked says why in a comment.
 *
 * sd_agree is the one way ranks agree on an outcome: every rank of comm
 * passes its own code and all get the same answer, the worst code, with the
 * message of the lowest failing rank.  To share one rank's outcome, the
 * others pass SD_OK.
 */
#ifndef SENDRIFT_MPICHECK_H
#define SENDRIFT_MPICHECK_H

#include <mpi.h>

#include "sendrift/error.h"

/* Record SD_ERR_MPI for a failed MPI call (MPI's error code mpirc) named by
 * call; returns SD_ERR_MPI. */
#define sd_mpi_fail(mpirc, call) sd_mpi_fail_at(__FILE__, __LINE__, (mpirc), (call))
int sd_mpi_fail_at(const char *file, int line, int mpirc, const char *call);

/* Check an MPI call: on failure return SD_ERR_MPI from the enclosing
 * function (which must return an sd_err). */
#define SD_MPI(call)                                                          \
    do {                                                                      \
        int sd_mpi_rc_ = (call);                                              \
        if (sd_mpi_rc_ != MPI_SUCCESS) return sd_mpi_fail(sd_mpi_rc_, #call); \
    } while (0)

/* For the calls of a protocol between ranks (the controller handing out
 * runs, a group broadcasting a decision): when one of them fails, the ranks
 * can no longer agree on anything, not even on the failure, and waiting
 * would hang the job.  So the failure is fatal: the message (the call and
 * MPI's reason) goes to stderr and the whole job is aborted with exit
 * status 3, which a batch script sees.  Finished runs are already in the
 * result file, which stays valid, and --resume continues the sweep. */
#define SD_MPI_FATAL(call)                                                    \
    do {                                                                      \
        int sd_mpi_rc_ = (call);                                              \
        if (sd_mpi_rc_ != MPI_SUCCESS) sd_mpi_abort_at(__FILE__, __LINE__, sd_mpi_rc_, #call); \
    } while (0)
void sd_mpi_abort_at(const char *file, int line, int mpirc, const char *call);

/* Collective over comm: the worst of every rank's rc (SD_OK when all are
 * SD_OK).  When some rank failed, every rank's error message becomes that
 * of the lowest failing rank (a rank that did not fail thus learns why).
 * When the agreement itself fails, SD_ERR_MPI. */
int sd_agree(MPI_Comm comm, int rc);

/* This rank and the size of comm (either may be NULL). */
int sd_mpi_rank_size(MPI_Comm comm, int *rank, int *size);

/* Make comm return errors to the caller instead of aborting the job. */
int sd_mpi_errors_return(MPI_Comm comm);

#endif
