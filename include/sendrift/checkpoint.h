/* sendrift: checkpoints of single runs (docs/checkpoints.md).
 *
 * A checkpoint holds a run's whole state between two steps: what the sweep
 * keeps of the run (the time-series rows so far, the output it was heading
 * for, its wall time so far) and the model's state, which the model names
 * with sd_state_array / sd_state_values (include/sendrift/model.h).  Lattice
 * arrays are stored in global layout, so that a run can go on from its
 * checkpoint on any number of ranks and any decomposition.
 *
 * One HDF5 file per run, OUT.ckpt/run_<id>.h5 beside the result file OUT
 * (a directory named after it).  A checkpoint is written under
 * run_<id>.h5.tmp, made durable (fsync) and renamed over the previous one:
 * a kill at any moment leaves either the previous checkpoint or the new
 * one, never a mixture.
 */
#ifndef SENDRIFT_CHECKPOINT_H
#define SENDRIFT_CHECKPOINT_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "sendrift/model.h"

#define SD_CHECKPOINT_DIR_SUFFIX ".ckpt"
#define SD_CHECKPOINT_TEMP_SUFFIX ".tmp"
#define SD_CHECKPOINT_FORMAT "sendrift checkpoint"
#define SD_CHECKPOINT_FORMAT_VERSION 1

/* OUT.ckpt, and OUT.ckpt/run_<id>.h5 (false when the name does not fit). */
int sd_checkpoint_dir(const char *output, char *buf, size_t n);
int sd_checkpoint_path(const char *output, uint64_t run, char *buf, size_t n);

/* What a checkpoint must match to be used. */
typedef struct {
    const char *model;            /* the model's name                        */
    unsigned state_version;       /* its sd_model_class.state_version        */
    const char *design_digest;    /* the plan's digest (sd_plan_digest)      */
    char params_digest[17];       /* the run's parameters (sd_paramset_digest) */
    uint64_t run;
} sd_checkpoint_id;

/* What the sweep keeps of a run besides the model's state. */
typedef struct {
    uint64_t output_index;        /* outputs before this one are done        */
    double run_seconds;           /* the run's wall time so far, all sessions */
    size_t n_series, n_times;
    double *series;               /* n_series x n_times, metric-major; rows of
                                     outputs < output_index are valid        */
    uint64_t expect_bytes;        /* writing: the checkpoint's expected size
                                     (0: as large as the run's last one)     */
} sd_checkpoint_engine;

typedef struct {
    uint64_t bytes;               /* size of the checkpoint file (write: on
                                     the group's rank 0 only)               */
    double seconds;               /* wall time of the write or the read      */
} sd_checkpoint_stats;

/* Write the checkpoint of a run to path (collective over group): the file
 * is built as path.tmp, synced and renamed to path.  On failure (a full
 * disk...) path.tmp is removed, path is left as it was, and the error is
 * returned on every rank of the group.  Before anything is written, rank 0
 * checks that the file system has room for a checkpoint as large as the
 * run's last one, or e->expect_bytes, plus a margin: a full disk fails
 * there, with "No space left on device".  stats may be NULL. */
int sd_checkpoint_write(const char *path, MPI_Comm group, const sd_checkpoint_id *id,
                        const sd_checkpoint_engine *e, const sd_model_class *m, void *state,
                        sd_checkpoint_stats *stats);

/* Restore a run just created by m->create with the same parameters from
 * path (collective over group).  e->series must hold n_series x n_times
 * values; output_index and run_seconds are filled in.  Returns SD_OK,
 * SD_ERR_INPUT when the checkpoint belongs to another model, model
 * version, design or parameter set (the message says which; nothing was
 * changed), or another error when it cannot be read (the run's state may
 * then be half restored: destroy it).  stats may be NULL. */
int sd_checkpoint_read(const char *path, MPI_Comm group, const sd_checkpoint_id *id,
                       sd_checkpoint_engine *e, const sd_model_class *m, void *state,
                       sd_checkpoint_stats *stats);

/* Tidy the checkpoint directory of result file output (one rank): remove
 * every temporary file, and the checkpoints of runs whose status (indexed
 * by run id, n_runs of them; NULL: every run) is not PENDING.  With
 * status NULL every checkpoint goes (a new sweep).  *kept (may be NULL)
 * receives the number of checkpoints left. */
int sd_checkpoint_tidy(const char *output, const uint8_t *status, uint64_t n_runs,
                       uint64_t *kept);

/* Remove the checkpoint directory of output when it is empty (one rank). */
void sd_checkpoint_dir_remove(const char *output);

#endif
