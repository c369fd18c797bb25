/* sendrift: merging shard files (sendrift run --shard I/N) into one result
 * file with the ordinary layout.
 *
 * Every shard must come from the same sweep (the design digest), from the
 * same split (shard_count), and each shard index may appear once.  Runs of
 * missing shards, and runs a shard did not finish, stay PENDING in the merged
 * file: `sendrift run SWEEP -o MERGED --resume` finishes them.
 */
#ifndef SENDRIFT_MERGE_H
#define SENDRIFT_MERGE_H

#include <mpi.h>
#include <stdint.h>

#include "sendrift/config.h"

typedef struct {
    uint64_t runs;            /* runs of the sweep                          */
    uint64_t done, failed;    /* copied from the shards                     */
    uint64_t pending;         /* not finished in any shard                  */
    uint64_t shards;          /* shard files read                           */
    uint64_t shard_count;     /* N of the split                             */
} sd_merge_report;

/* Collective over comm (rank 0 reads the shards and writes the runs).
 * Every shard is checked before anything is created, and none may be out
 * (compared by device and inode) or a file the merge writes: SD_ERR_INPUT,
 * or SD_ERR_IO for a missing or unreadable shard.  out is built under a
 * temporary name beside it (out.merging-PID.h5) and renamed over out only
 * when complete: on any failure an existing out (force) is left as it was
 * and the temporary file removed. */
int sd_merge(const sd_sweep *s, const char *out, const char *const *shards, size_t n_shards,
             int force, MPI_Comm comm, sd_merge_report *report);

#endif
