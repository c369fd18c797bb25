/* sendrift: the result file (one parallel HDF5 file per sweep).
 *
 * Layout: docs/output-format.md.  Every dataset is created collectively, at
 * full size, before the first run; a finished run's rows are written by its
 * group's leader with independent MPI-IO, and its status flag is written
 * last, so a file cut short by a kill holds only complete runs marked done.
 */
#ifndef SENDRIFT_RESULTS_H
#define SENDRIFT_RESULTS_H

#include <mpi.h>
#include <stdint.h>

#include "sendrift/config.h"
#include "sendrift/design.h"
#include "sendrift/model.h"
#include "sendrift/plan.h"

typedef enum {
    SD_RUN_PENDING = 0,
    SD_RUN_DONE = 1,
    SD_RUN_FAILED = 2
} sd_run_status;

/* Longest message kept per run (bytes, including the terminating NUL). */
#define SD_RUN_MESSAGE_LEN 256

typedef struct sd_results sd_results;

typedef struct {
    int force;               /* overwrite an existing file                  */
    uint64_t shard_index;    /* this file holds the runs with               */
    uint64_t shard_count;    /* run % shard_count == shard_index (0: all)   */
    uint64_t checkpoint_bytes; /* room the runs' checkpoints may take beside
                                  the file (counted by the disk check)      */
} sd_results_opts;

/* Rows of a file: the runs of its shard (all runs when shard_count <= 1);
 * row k holds run shard_index + k * shard_count. */
uint64_t sd_results_rows(uint64_t runs, const sd_results_opts *opts);

/* What an existing file says about its runs (for --resume), indexed by run
 * id (runs outside the file's shard read PENDING). */
typedef struct {
    uint8_t *status;         /* n_runs sd_run_status values                 */
    uint32_t *attempts;      /* n_runs: how often each run was tried        */
    uint64_t n_runs;
} sd_results_state;

void sd_results_state_free(sd_results_state *st);

/* A result file is built as PATH.partial and renamed to PATH once set up. */
#define SD_RESULTS_TEMP_SUFFIX ".partial"

/* SD_ERR_INPUT, with a message, for a result-file name the file system or
 * MPI-IO cannot take: empty, a name past NAME_MAX (255 bytes) counting the
 * ".partial" it is built under, a path past PATH_MAX (4096).  No I/O. */
int sd_results_check_name(const char *path);

/* Create path on comm (collective) and write the sweep's metadata and the
 * whole /design.  Fails with a clear message, on every rank, when the file
 * exists (unless force), is not a regular file, or cannot be created.
 * When force replaces an existing file, the new one stays PATH.partial until
 * sd_results_close, so that the old file is kept until the new one is
 * finished; otherwise it is at PATH as soon as it is set up. */
int sd_results_create(const char *path, MPI_Comm comm, const sd_plan *plan,
                      const sd_results_opts *opts, sd_results **out);

/* Open an existing result file to continue its sweep (collective).  Fails,
 * on every rank, when the file is not a complete sendrift result file or was
 * made from a different design (the digests differ); a refused file is left
 * byte for byte as it was.  Every rank receives the status and attempts of
 * every run.  When PATH.partial holds an unfinished replacement of PATH
 * (a --force sweep that was killed) for this same sweep, that file is the
 * one continued, and it replaces PATH at sd_results_close. */
int sd_results_open(const char *path, MPI_Comm comm, const sd_plan *plan,
                    const sd_results_opts *opts, sd_results **out,
                    sd_results_state *state);

/* Write one finished run (independent: called by one rank).  series holds
 * n_series x n_times values, metric-major (NULL when the layout has none or
 * output.timeseries is off); summary n_summary values.  The status is
 * written after everything else. */
int sd_results_write_run(sd_results *r, uint64_t run, const double *series,
                         const double *summary, double wall_seconds,
                         int group, uint32_t attempts, sd_run_status status,
                         const char *message);

/* Open the datasets of the snapshot of `run` at output index k (independent:
 * every rank of the run's group opens its own handle). */
int sd_results_snapshot_open(sd_results *r, uint64_t run, size_t k, sd_snapshot **w);
int sd_results_snapshot_close(sd_snapshot **w);

/* Make everything written so far durable (collective). */
int sd_results_flush(sd_results *r);

/* Close (collective); *r becomes NULL even on error.  A file still under
 * its temporary name (see sd_results_create) then replaces the old one. */
int sd_results_close(sd_results **r);

/* Close (collective) without replacing an old file: a file still under its
 * temporary name stays there (its finished runs kept, for --resume), and
 * the caller says so (sd_results_temp_name).  For a sweep that failed. */
int sd_results_close_keep_old(sd_results **r);

/* The temporary name the file lives under while it replaces an older file
 * (see sd_results_create), or NULL when it is at its path. */
const char *sd_results_temp_name(const sd_results *r);

/* The XDMF file written beside a result file with snapshots: path with its
 * extension replaced by ".xmf". */
void sd_results_xdmf_name(const char *path, char *xmf, size_t n);

/* Free bytes on the file system that would hold path (UINT64_MAX when it
 * cannot be told). */
uint64_t sd_results_free_bytes(const char *path);

/* Estimated size of the result file of the whole plan, in bytes. */
uint64_t sd_results_estimate_bytes(const sd_plan *plan);

#endif
