/* sendrift: the result file's insides, shared by the files of src/results
 * (private: nothing outside src/results includes it).
 *
 * file.c      the file's lifecycle: create, open for --resume, write_run,
 *             flush, close (commit of the .partial name), the fault hook
 * metadata.c  the root attributes and /design
 * snapshots.c /snapshots: created with the file, written tile by tile
 * xdmf.c      the XDMF file beside a file with snapshots
 * preflight.c checks before anything is created: names, space, the target
 * shard.c     reading a result or shard file (include/sendrift/shard.h)
 * merge.c     merging shard files (include/sendrift/merge.h)
 */
#ifndef SENDRIFT_RESULTSIMPL_H
#define SENDRIFT_RESULTSIMPL_H

#include <hdf5.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "h5util.h"
#include "sendrift/results.h"
#include "sendrift/shard.h"

/* The format this code writes (root attribute format_version).
 *   1  the first.
 *   2  adds /design/block and /design/role (sobol, morris) and the
 *      attributes flag_values / flag_meanings on labelled snapshot fields.
 *   3  a netCDF-4 file: every axis a named dimension (HDF5 dimension
 *      scales run, param, time, message_len, x, y, z ...), long_name on
 *      every variable, Conventions; /runs/status a uint8 with CF flags
 *      instead of an enum; strings as netCDF character arrays. */
#define SD_FORMAT_NAME "sendrift-results"
#define SD_FORMAT_VERSION 3
#define SD_CONVENTIONS "CF-1.8"

/* Names in the file, written once for the writer and the reader.  Paths are
 * relative to the root, as HDF5 takes them; messages put a "/" before. */
#define SD_D_RUNDIM "run"         /* the run axis: the run id of each row  */
#define SD_G_DESIGN "design"
#define SD_D_PARAMDIM SD_G_DESIGN "/param"
#define SD_D_PARAMS SD_G_DESIGN "/params"
#define SD_D_UNIT SD_G_DESIGN "/unit"
#define SD_D_POINT SD_G_DESIGN "/point"
#define SD_D_REPLICATE SD_G_DESIGN "/replicate"
#define SD_D_RUN SD_G_DESIGN "/run"
#define SD_D_BLOCK SD_G_DESIGN "/block"
#define SD_D_ROLE SD_G_DESIGN "/role"
#define SD_G_CHOICES SD_G_DESIGN "/choices"
#define SD_G_RUNS "runs"
#define SD_D_STATUS SD_G_RUNS "/status"
#define SD_D_MESSAGE SD_G_RUNS "/message"
#define SD_D_WALL SD_G_RUNS "/wall_seconds"
#define SD_D_GROUP SD_G_RUNS "/group"
#define SD_D_ATTEMPTS SD_G_RUNS "/attempts"
#define SD_D_MESSAGE_LEN SD_G_RUNS "/message_len"
#define SD_G_SERIES "timeseries"
#define SD_D_TIME SD_G_SERIES "/time"
#define SD_G_SUMMARY "summary"
#define SD_G_SNAPSHOTS "snapshots"
#define SD_G_SNAP_RUN "run_%llu"  /* in /snapshots: one run's snapshots     */
#define SD_G_SNAP_TIME "t_%zu"    /* in that: the snapshot at output index  */

/* The attributes a reader checks a file by: at the root, and of /design. */
#define SD_A_FORMAT "format"
#define SD_A_DIGEST "design_digest"
#define SD_A_SHARD_INDEX "shard_index"
#define SD_A_SHARD_COUNT "shard_count"
#define SD_A_ROWS "runs"

/* A metric's dataset: SD_G_SERIES or SD_G_SUMMARY "/" name. */
void sd_results_metric_path(char *buf, size_t n, const char *group, const char *name);

/* The dataset of one field of a snapshot: snapshots/run_<run>/t_<k>/<field>. */
void sd_results_snap_path(char *buf, size_t n, uint64_t run, size_t k, const char *field);

struct sd_results {
    char *path;
    char *temp;               /* the file's name while it replaces an older
                                 file at path (--force): renamed over path
                                 by sd_results_close, NULL once there      */
    char *xdmf;               /* rank 0: the XDMF text, written beside path
                                 once the file is there (NULL: none)        */
    int rank;
    hid_t file;
    hid_t status_type;
    hid_t message_type;       /* one character (format 3: a row of
                                 SD_RUN_MESSAGE_LEN of them per run), or a
                                 string of that length (format 2, --resume) */
    int message_rank;         /* the message dataset's: 2, or 1 (format 2) */
    sd_scale rundim;          /* /run, while the file is made (none after)  */
    hid_t d_status, d_message, d_wall, d_group, d_attempts;
    hid_t *d_series;
    size_t n_series;
    hid_t *d_summary;
    size_t n_summary;
    size_t n_times;
    uint64_t n_runs;          /* runs of the whole sweep                     */
    uint64_t n_rows;          /* runs in this file (its shard)               */
    uint64_t shard_i, shard_n; /* row k holds run shard_i + k shard_n        */
    /* snapshots */
    size_t n_snapfields;
    const sd_snapfield_def *snapfields;
    int snap_dim;
    int snap_n[3];
};

/* The run of row k of the file. */
static inline uint64_t sd_row_run(const sd_results *r, uint64_t row)
{
    return r->shard_i + row * r->shard_n;
}

/* The message type of the open message dataset d and its rank: netCDF
 * characters on a (runs, message_len) dataset (format 3), or the
 * fixed-length strings of format 2 (one per run). */
hid_t sd_results_message_type(hid_t d, int *rank);

/* shard.c: what the open file f says about itself (absent attributes read
 * as the defaults of sd_shard_info). */
void sd_results_read_info(hid_t f, sd_shard_info *info);

/* The shard reader's open file and its path, for the design reader
 * (shard_design.c), which reads the same file. */
hid_t sd_shard_hid(const sd_shard *sh);
const char *sd_shard_path(const sd_shard *sh);

/* metadata.c: the root attributes, and /design with its rows (collective). */
int sd_results_root_attrs(sd_results *r, MPI_Comm comm, const sd_plan *p);
int sd_results_design(sd_results *r, MPI_Comm comm, const sd_plan *p);

/* snapshots.c: the snapshot layout of r from l (n_fields of its fields:
 * 0 for a file without snapshots), and the /snapshots datasets of r's runs
 * (collective). */
void sd_results_snap_layout(sd_results *r, const sd_layout *l, size_t n_fields);
int sd_results_snapshots(sd_results *r, const sd_plan *p);

/* xdmf.c: the XDMF text for the file at path (NULL in *out when the sweep
 * has no snapshots), and writing it beside path (rank 0; text NULL: none). */
int sd_results_xdmf_text(const char *path, const sd_plan *p, char **out);
int sd_results_xdmf_write(const char *path, const char *text);
/* ... and, for a file built under a temporary name: its XDMF files removed
 * (a failed build), or made to name the file at to and moved beside it. */
void sd_results_xdmf_remove(const char *path);
int sd_results_xdmf_move(const char *from, const char *to);

/* preflight.c: rank 0 checks, every rank learns the outcome.  Before
 * creating path (force: it may be replaced; need: bytes the file takes),
 * and before reopening it for --resume. */
/* need: bytes of the file; ckpt: bytes its checkpoints may take beside it. */
int sd_results_precheck(const char *path, MPI_Comm comm, int force, uint64_t need,
                        uint64_t ckpt);
int sd_results_precheck_open(const char *path, MPI_Comm comm);

#endif
