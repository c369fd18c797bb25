/* sendrift: the result file's lifecycle (see include/sendrift/results.h
 * and docs/output-format.md): create, open for --resume, write a run,
 * flush, close.  What is written when the file is made lives beside this
 * (metadata.c, snapshots.c, xdmf.c; resultsimpl.h lists them).
 *
 * Every dataset is contiguous, allocated early and filled with its fill value
 * (NaN for data) at creation, so that afterwards any single rank may write a
 * run's rows with independent MPI-IO without touching file metadata.  The
 * metadata is flushed once after creation: a process killed later leaves a
 * file that opens, in which every run marked done has all of its rows.
 */
#include "sendrift/results.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5util.h"
#include "resultsimpl.h"
#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

void sd_results_metric_path(char *buf, size_t n, const char *group, const char *name)
{
    snprintf(buf, n, "%s/%s", group, name);
}

hid_t sd_results_message_type(hid_t d, int *rank)
{
    hid_t sp = H5Dget_space(d);
    *rank = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (sd_h5_close(sp) < 0 || *rank < 1 || *rank > 2) return -1;
    return *rank == 2 ? sd_h5_char_type()
                      : sd_h5_str_type(SD_RUN_MESSAGE_LEN, H5T_STR_NULLTERM, 0);
}

/* ---- shards ------------------------------------------------------------------ */

uint64_t sd_results_rows(uint64_t runs, const sd_results_opts *o)
{
    if (!o || o->shard_count <= 1) return runs;
    if (o->shard_index >= runs) return 0;
    return (runs - o->shard_index + o->shard_count - 1) / o->shard_count;
}

static void sd_results_set_shard(sd_results *r, const sd_results_opts *o)
{
    r->shard_i = o && o->shard_count > 1 ? o->shard_index : 0;
    r->shard_n = o && o->shard_count > 1 ? o->shard_count : 1;
    r->n_rows = sd_results_rows(r->n_runs, o);
}

/* Rank 0's value of *v on every rank of comm. */
static int sd_share_int(int *v, MPI_Comm comm)
{
    SD_MPI(MPI_Bcast(v, 1, MPI_INT, 0, comm));
    return SD_OK;
}

/* ---- the output datasets ------------------------------------------------- */

/* The handle arrays of the output datasets (all -1 until opened). */
static int sd_results_handles(sd_results *r, const sd_sweep *s, const sd_layout *l)
{
    r->n_series = s->output_timeseries && l->n_times > 0 ? l->n_series : 0;
    r->n_times = l->n_times;
    r->n_summary = l->n_summary;
    r->d_series = sd_calloc(r->n_series + 1, sizeof(hid_t), "dataset handles");
    r->d_summary = sd_calloc(r->n_summary + 1, sizeof(hid_t), "dataset handles");
    if (!r->d_series || !r->d_summary) return SD_ERR_NOMEM;
    for (size_t i = 0; i < r->n_series; i++) r->d_series[i] = -1;
    for (size_t i = 0; i < r->n_summary; i++) r->d_summary[i] = -1;
    return SD_OK;
}

/* The status of a run as CF flags (the values of sd_run_status). */
static herr_t sd_results_status_flags(hid_t d)
{
    const uint8_t v[3] = {SD_RUN_PENDING, SD_RUN_DONE, SD_RUN_FAILED};
    herr_t st = sd_attr_u8s(d, "flag_values", v, 3);
    return st < 0 ? st : sd_attr_str(d, "flag_meanings", "PENDING DONE FAILED");
}

/* /runs: one row per run, what happened to it.  The message is a row of
 * netCDF characters per run (MPI-IO writes no variable-length strings). */
static int sd_results_runs(sd_results *r)
{
    int rc = SD_OK;
    hid_t gr = -1;
    sd_scale len = SD_SCALE_NONE, *dims[2] = {&r->rundim, &len};
    hsize_t runs = r->n_rows, mdims[2] = {r->n_rows, SD_RUN_MESSAGE_LEN};
    double nan = NAN;
    uint8_t pending = SD_RUN_PENDING;
    int minus1 = -1;
    r->message_rank = 2;
    H5TRY(r->message_type = sd_h5_char_type(), "creating the message type");
    H5TRY(gr = sd_group(r->file, SD_G_RUNS, "what happened to each run"), "creating /runs");
    H5TRY(r->d_status = sd_dataset(r->file, SD_D_STATUS, H5T_STD_U8LE, 1, &runs, &pending, "1",
                                   "PENDING, DONE or FAILED; written last for each run"),
          "creating /" SD_D_STATUS);
    H5TRY(sd_results_status_flags(r->d_status), "writing the flags of /" SD_D_STATUS);
    H5TRY(len.id = sd_dim_only(r->file, SD_D_MESSAGE_LEN, SD_RUN_MESSAGE_LEN),
          "creating /" SD_D_MESSAGE_LEN);
    H5TRY(r->d_message = sd_dataset(r->file, SD_D_MESSAGE, r->message_type, 2, mdims, NULL, "1",
                                    "why a run failed (empty otherwise)"),
          "creating /" SD_D_MESSAGE);
    H5TRY(sd_attr_str(r->d_message, "_Encoding", "utf-8"), "creating /" SD_D_MESSAGE);
    H5TRY(sd_dim_attach(r->d_message, dims, 2), "attaching the dimensions of /" SD_D_MESSAGE);
    H5TRY(r->d_wall = sd_dataset(r->file, SD_D_WALL, H5T_IEEE_F64LE, 1, &runs, &nan, "s",
                                 "wall-clock time of the run"),
          "creating /" SD_D_WALL);
    H5TRY(r->d_group = sd_dataset(r->file, SD_D_GROUP, H5T_STD_I32LE, 1, &runs, &minus1, "1",
                                  "worker group that ran it (-1: not run)"),
          "creating /" SD_D_GROUP);
    H5TRY(r->d_attempts = sd_dataset(r->file, SD_D_ATTEMPTS, H5T_STD_U32LE, 1, &runs, NULL, "1",
                                     "how often the run was tried (--retry, --resume)"),
          "creating /" SD_D_ATTEMPTS);
    hid_t one[] = {r->d_status, r->d_wall, r->d_group, r->d_attempts};
    for (size_t i = 0; i < sizeof one / sizeof *one; i++)
        H5TRY(sd_dim_attach(one[i], dims, 1), "attaching the run dimension in /runs");
    H5TRY(sd_scale_close(&len, 1), "creating /" SD_D_MESSAGE_LEN);
    H5TRY(sd_h5_close_id(&gr), "creating /runs");
done:
    (void)sd_scale_close(&len, 0);
    (void)sd_h5_close(gr);
    return rc;
}

/* /timeseries (its time scale and one dataset per metric) and /summary. */
static int sd_results_metrics(sd_results *r, const sd_layout *l)
{
    int rc = SD_OK;
    hid_t gt = -1, gs = -1;
    sd_scale time = SD_SCALE_NONE, *scales[2] = {&r->rundim, &time};
    hsize_t runs = r->n_rows;
    double nan = NAN;
    char name[512], what[600];
    H5TRY(gt = sd_group(r->file, SD_G_SERIES, "metrics at each output time"),
          "creating /timeseries");
    if (r->n_series > 0 && l->n_times > 0) {
        hsize_t nt = l->n_times;
        H5TRY(time.id = sd_dataset(r->file, SD_D_TIME, H5T_IEEE_F64LE, 1, &nt, NULL, l->time_unit,
                                 "output times"),
              "creating /" SD_D_TIME);
        /* The times are the same on every rank: write them collectively. */
        H5TRY(sd_write_rows_coll(time.id, H5T_NATIVE_DOUBLE, 0, nt, 1, 1, l->times),
              "writing /" SD_D_TIME);
        H5TRY(sd_dim_scale(time.id), "making /timeseries/time a dimension scale");
        hsize_t dims[2] = {runs, nt};
        for (size_t i = 0; i < r->n_series; i++) {
            const sd_metric_def *m = &l->series[i];
            sd_results_metric_path(name, sizeof name, SD_G_SERIES, m->name);
            snprintf(what, sizeof what, "creating /%s", name);
            H5TRY(r->d_series[i] = sd_dataset(r->file, name, H5T_IEEE_F64LE, 2, dims, &nan,
                                              m->unit, m->description),
                  what);
            H5TRY(sd_dim_attach(r->d_series[i], scales, 2), what);
        }
    } else {
        r->n_series = 0;
    }
    H5TRY(gs = sd_group(r->file, SD_G_SUMMARY, "scalars at the end of each run"),
          "creating /summary");
    for (size_t i = 0; i < r->n_summary; i++) {
        const sd_metric_def *m = &l->summary[i];
        sd_results_metric_path(name, sizeof name, SD_G_SUMMARY, m->name);
        snprintf(what, sizeof what, "creating /%s", name);
        H5TRY(r->d_summary[i] = sd_dataset(r->file, name, H5T_IEEE_F64LE, 1, &runs, &nan,
                                           m->unit, m->description),
              what);
        H5TRY(sd_dim_attach(r->d_summary[i], scales, 1), what);
    }
    H5TRY(sd_scale_close(&time, 1), "creating /" SD_D_TIME);
    H5TRY(sd_h5_close_id(&gs), "creating /summary");
    H5TRY(sd_h5_close_id(&gt), "creating /timeseries");
done:
    (void)sd_scale_close(&time, 0);
    (void)sd_h5_close(gs);
    (void)sd_h5_close(gt);
    return rc;
}

/* Close the handles of r and free it; negative when a close failed. */
static herr_t sd_results_free(sd_results *r)
{
    herr_t st = 0;
    if (!r) return 0;
    if (r->d_series)
        for (size_t i = 0; i < r->n_series; i++) st = sd_h5_close_into(st, r->d_series[i]);
    if (r->d_summary)
        for (size_t i = 0; i < r->n_summary; i++) st = sd_h5_close_into(st, r->d_summary[i]);
    hid_t ids[] = {r->d_status, r->d_message, r->d_wall, r->d_group, r->d_attempts,
                   r->status_type, r->message_type};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) st = sd_h5_close_into(st, ids[i]);
    if (sd_scale_close(&r->rundim, 0) < 0) st = -1;
    free(r->d_series);
    free(r->d_summary);
    free(r->path);
    free(r->temp);
    free(r->xdmf);
    free(r);
    return st;
}

/* A result-file object with no HDF5 handles yet (NULL: out of memory). */
static sd_results *sd_results_new(const char *path, uint64_t n_runs, int rank,
                                  const sd_results_opts *opts)
{
    sd_results *r = sd_calloc(1, sizeof *r, "result file");
    if (!r) return NULL;
    r->file = r->status_type = r->message_type = -1;
    r->rundim = (sd_scale)SD_SCALE_NONE;
    r->d_status = r->d_message = r->d_wall = r->d_group = r->d_attempts = -1;
    r->n_runs = n_runs;
    r->rank = rank;
    sd_results_set_shard(r, opts);
    r->path = sd_strdup(path);
    if (!r->path) {
        free(r);
        return NULL;
    }
    return r;
}

/* After a failure agreed on by every rank: r and its file closed (their
 * own failures cannot add to the one being reported). */
static void sd_results_abandon(sd_results *r)
{
    hid_t f = r->file;
    (void)sd_results_free(r);
    (void)sd_h5_close(f);
}

/* The MPI-IO file access shared by create and open. */
static int sd_results_access(sd_results *r, MPI_Comm comm, hid_t *fapl)
{
    int rc = SD_OK;
    H5TRY(H5Eset_auto2(H5E_DEFAULT, NULL, NULL), "turning off HDF5's error printing");
    H5TRY(*fapl = H5Pcreate(H5P_FILE_ACCESS), "creating file access properties");
    H5TRY(H5Pset_fapl_mpio(*fapl, comm, MPI_INFO_NULL), "selecting MPI-IO");
    /* Metadata writes collective; reads independent, since one group
     * opens a run's snapshot datasets on its own. */
    H5TRY(H5Pset_coll_metadata_write(*fapl, 1), "setting collective metadata writes");
done:
    return rc;
}

/* ---- creation ----------------------------------------------------------- */

/* Create the file under the name partial and write everything but the runs
 * (collective). */
/* The local set-up of a new file: its types and property lists. */
static int sd_results_props(sd_results *r, MPI_Comm comm, hid_t *fapl, hid_t *fcpl)
{
    int rc = SD_OK;
    H5TRY(r->status_type = H5Tcopy(H5T_NATIVE_UINT8), "creating the status type");
    SD_CALL(sd_results_access(r, comm, fapl));
    /* Dense attribute storage, so that a long sweep file fits in an attribute. */
    H5TRY(H5Pset_libver_bounds(*fapl, H5F_LIBVER_V18, H5F_LIBVER_V110),
          "setting the file format version");
    H5TRY(*fcpl = H5Pcreate(H5P_FILE_CREATE), "creating file creation properties");
    H5TRY(H5Pset_attr_phase_change(*fcpl, 0, 0), "setting dense attribute storage");
done:
    return rc;
}

static int sd_results_make(sd_results *r, const char *partial, MPI_Comm comm, const sd_plan *p)
{
    const sd_sweep *s = sd_plan_sweep(p);
    const sd_layout *l = sd_plan_layout(p);
    int rc = SD_OK;
    hid_t fapl = -1, fcpl = -1;
    rc = sd_results_props(r, comm, &fapl, &fcpl);
    /* What came before was local; H5Fcreate and all after are collective. */
    rc = sd_agree(comm, rc);
    if (rc != SD_OK) goto done;
    errno = 0;
    H5TRY(r->file = H5Fcreate(partial, H5F_ACC_TRUNC, fcpl, fapl), "creating the file");
    rc = sd_results_root_attrs(r, comm, p);
    if (rc == SD_OK) rc = sd_results_design(r, comm, p);
    if (rc == SD_OK) rc = sd_results_runs(r);
    if (rc == SD_OK) rc = sd_results_handles(r, s, l);
    if (rc == SD_OK) rc = sd_results_metrics(r, l);
    if (rc == SD_OK) rc = sd_results_snapshots(r, p);
    if (rc == SD_OK && sd_scale_close(&r->rundim, 1) < 0) rc = sd_h5_error(r->path, "closing /run");
    if (rc == SD_OK) rc = sd_results_flush(r);
    if (rc != SD_OK) goto done;
    H5TRY(sd_h5_close_id(&fcpl), "creating the file");
    H5TRY(sd_h5_close_id(&fapl), "creating the file");
done:
    (void)sd_h5_close(fcpl);
    (void)sd_h5_close(fapl);
    return rc;
}

int sd_results_create(const char *path, MPI_Comm comm, const sd_plan *p,
                      const sd_results_opts *opts, sd_results **out)
{
    int rank;
    *out = NULL;
    SD_MPI(MPI_Comm_rank(comm, &rank));
    uint64_t runs = sd_plan_runs(p), rows = sd_results_rows(runs, opts);
    double need = (double)sd_results_estimate_bytes(p) * (runs ? (double)rows / (double)runs : 1.0);
    SD_CALL(sd_results_precheck(path, comm, opts && opts->force, (uint64_t)need,
                                opts ? opts->checkpoint_bytes : 0));

    sd_results *r = sd_results_new(path, runs, rank, opts);
    int rc = r ? SD_OK : SD_ERR_NOMEM;
    /* Build the file under a temporary name, so that a kill during set-up
     * never leaves a half-made file at path.  A new file is renamed to path
     * once set up (a killed sweep then resumes from it); one that replaces
     * an old file (--force) keeps its temporary name until the sweep ends,
     * so that the old file is kept until the new one is finished. */
    char partial[4200];
    snprintf(partial, sizeof partial, "%s%s", path, SD_RESULTS_TEMP_SUFFIX);
    int replacing = 0;
    if (rank == 0) {
        struct stat st;
        replacing = stat(path, &st) == 0;
    }
    /* Every rank takes part in the broadcast, whatever failed before. */
    int brc = sd_share_int(&replacing, comm);
    if (rc == SD_OK) rc = brc;
    /* The file is made collectively: every rank goes in, or none. */
    rc = sd_agree(comm, rc);
    if (rc == SD_OK) rc = sd_results_make(r, partial, comm, p);
    if (rc == SD_OK && rank == 0) rc = sd_results_xdmf_text(path, p, &r->xdmf);
    if (rc == SD_OK && replacing) {
        r->temp = sd_strdup(partial);
        if (!r->temp) rc = SD_ERR_NOMEM;
    } else if (rc == SD_OK && rank == 0) {
        if (rename(partial, path) != 0)
            rc = sd_error(SD_ERR_IO, "%s: renaming %s to it failed: %s", path, partial,
                          strerror(errno));
        else
            rc = sd_results_xdmf_write(path, r->xdmf);
    }
    /* Agree: a failure on any rank fails the creation on all. */
    rc = sd_agree(comm, rc);
    if (rc != SD_OK) {
        if (r) sd_results_abandon(r);
        if (rank == 0) unlink(partial);
        return rc;
    }
    *out = r;
    return SD_OK;
}

/* Testing hook: with SENDRIFT_FAULT_WRITES=N in the environment, every run
 * write after the first N of this process fails as on a full disk. */
static int sd_fault_write(void)
{
    static long limit = -2, count = 0;
    if (limit == -2) {
        const char *e = getenv("SENDRIFT_FAULT_WRITES");
        limit = e && *e ? strtol(e, NULL, 10) : -1;
    }
    return limit >= 0 && count++ >= limit;
}

/* ---- reopening for --resume ---------------------------------------------- */

void sd_results_state_free(sd_results_state *st)
{
    free(st->status);
    free(st->attempts);
    st->status = NULL;
    st->attempts = NULL;
    st->n_runs = 0;
}

static int sd_results_open_outputs(sd_results *r, const sd_sweep *s, const sd_layout *l)
{
    int rc = SD_OK;
    char name[512];
    H5TRY(r->d_status = H5Dopen2(r->file, SD_D_STATUS, H5P_DEFAULT), "opening /" SD_D_STATUS);
    H5TRY(r->status_type = H5Dget_type(r->d_status), "reading the status type");
    H5TRY(r->d_message = H5Dopen2(r->file, SD_D_MESSAGE, H5P_DEFAULT), "opening /" SD_D_MESSAGE);
    /* A file continued with --resume keeps its format: format 2 has one
     * fixed-length string per run. */
    H5TRY(r->message_type = sd_results_message_type(r->d_message, &r->message_rank),
          "reading the message type");
    H5TRY(r->d_wall = H5Dopen2(r->file, SD_D_WALL, H5P_DEFAULT), "opening /" SD_D_WALL);
    H5TRY(r->d_group = H5Dopen2(r->file, SD_D_GROUP, H5P_DEFAULT), "opening /" SD_D_GROUP);
    H5TRY(r->d_attempts = H5Dopen2(r->file, SD_D_ATTEMPTS, H5P_DEFAULT),
          "opening /" SD_D_ATTEMPTS);
    rc = sd_results_handles(r, s, l);
    if (rc != SD_OK) goto done;
    for (size_t i = 0; i < r->n_series; i++) {
        sd_results_metric_path(name, sizeof name, SD_G_SERIES, l->series[i].name);
        H5TRY(r->d_series[i] = H5Dopen2(r->file, name, H5P_DEFAULT), name);
    }
    for (size_t i = 0; i < r->n_summary; i++) {
        sd_results_metric_path(name, sizeof name, SD_G_SUMMARY, l->summary[i].name);
        H5TRY(r->d_summary[i] = H5Dopen2(r->file, name, H5P_DEFAULT), name);
    }
done:
    return rc;
}

/* Is the file at name (open as f) the result file of this sweep and shard? */
static int sd_results_verify(hid_t f, const char *name, const sd_plan *p, const sd_results *r)
{
    const char *want = sd_plan_digest(p);
    sd_shard_info in;
    sd_results_read_info(f, &in);
    if (strcmp(in.format, SD_FORMAT_NAME) != 0)
        return sd_error(SD_ERR_INPUT, "%s: cannot resume: not a sendrift result file", name);
    if (strcmp(in.digest, want) != 0)
        return sd_error(SD_ERR_INPUT,
                        "%s: cannot resume: the file was made from a different design or "
                        "output layout (digest %s in the file, %s for %s): its runs would not "
                        "match; write to another file, or start over with --force",
                        name, in.digest[0] ? in.digest : "none", want, sd_plan_sweep(p)->source);
    if (in.shard_index != r->shard_i || in.shard_count != r->shard_n)
        return sd_error(SD_ERR_INPUT,
                        "%s: cannot resume: the file holds shard %llu/%llu, not %llu/%llu", name,
                        (unsigned long long)in.shard_index, (unsigned long long)in.shard_count,
                        (unsigned long long)r->shard_i, (unsigned long long)r->shard_n);
    if (!in.has_rows || in.rows != r->n_rows)
        return sd_error(SD_ERR_INPUT, "%s: cannot resume: the file holds %llu runs, the sweep %llu",
                        name, (unsigned long long)in.rows, (unsigned long long)r->n_rows);
    return SD_OK;
}

/* Open name for this sweep (collective): read-only first, so that a file
 * that is refused is never written to, then for writing. */
static int sd_results_open_file(sd_results *r, const char *name, hid_t fapl, MPI_Comm comm,
                                const sd_plan *p)
{
    int rc = SD_OK;
    hid_t f = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    if (f < 0) {
        (void)H5Eclear2(H5E_DEFAULT); /* the message below says it all */
        rc = sd_error(SD_ERR_IO,
                      "%s: cannot resume: not a readable HDF5 file (was it cut short while "
                      "being created?); start over with --force",
                      name);
    } else {
        rc = sd_results_verify(f, name, p, r);
        if (H5Fclose(f) < 0 && rc == SD_OK) rc = sd_h5_error(name, "closing the file");
    }
    SD_CALL(sd_agree(comm, rc));
    r->file = H5Fopen(name, H5F_ACC_RDWR, fapl);
    if (r->file < 0) return sd_h5_error(name, "opening the file for writing");
    return SD_OK;
}

/* The status and attempts of every run of the file, indexed by run id. */
static int sd_results_read_state(sd_results *r, sd_results_state *state)
{
    int rc = SD_OK;
    uint8_t *st_rows = sd_calloc(r->n_rows + 1, 1, "run status");
    uint32_t *at_rows = sd_calloc(r->n_rows + 1, sizeof(uint32_t), "run attempts");
    state->n_runs = r->n_runs;
    state->status = sd_calloc(r->n_runs + 1, 1, "run status");
    state->attempts = sd_calloc(r->n_runs + 1, sizeof(uint32_t), "run attempts");
    if (!state->status || !state->attempts || !st_rows || !at_rows) {
        rc = SD_ERR_NOMEM;
        goto done;
    }
    if (r->n_rows) {
        H5TRY(H5Dread(r->d_status, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, st_rows),
              "reading /" SD_D_STATUS);
        H5TRY(H5Dread(r->d_attempts, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, at_rows),
              "reading /" SD_D_ATTEMPTS);
    }
    for (uint64_t k = 0; k < r->n_rows; k++) {
        state->status[sd_row_run(r, k)] = st_rows[k];
        state->attempts[sd_row_run(r, k)] = at_rows[k];
    }
done:
    free(st_rows);
    free(at_rows);
    return rc;
}

/* Open the file of the sweep: PATH.partial when it holds an unfinished
 * replacement of PATH for this sweep, else PATH. */
static int sd_results_open_either(sd_results *r, const char *path, hid_t fapl, MPI_Comm comm,
                                  const sd_plan *p)
{
    char temp[4200];
    snprintf(temp, sizeof temp, "%s%s", path, SD_RESULTS_TEMP_SUFFIX);
    int has_temp = 0;
    if (r->rank == 0) {
        struct stat st;
        has_temp = stat(temp, &st) == 0 && S_ISREG(st.st_mode) && access(temp, R_OK | W_OK) == 0;
    }
    SD_CALL(sd_share_int(&has_temp, comm));
    if (has_temp && sd_results_open_file(r, temp, fapl, comm, p) == SD_OK) {
        r->temp = sd_strdup(temp);
        if (!r->temp) return SD_ERR_NOMEM;
        if (r->rank == 0)
            fprintf(stderr, "sendrift: --resume: continuing %s, the unfinished replacement of "
                            "%s (begun with --force); it replaces %s when the sweep ends\n",
                    temp, path, path);
        return SD_OK;
    }
    if (has_temp && r->rank == 0)
        fprintf(stderr, "sendrift: --resume: ignoring %s (%s)\n", temp, sd_error_message());
    SD_CALL(sd_results_precheck_open(path, comm));
    return sd_results_open_file(r, path, fapl, comm, p);
}

int sd_results_open(const char *path, MPI_Comm comm, const sd_plan *p,
                    const sd_results_opts *opts, sd_results **out, sd_results_state *state)
{
    const sd_sweep *s = sd_plan_sweep(p);
    const sd_layout *l = sd_plan_layout(p);
    int rank;
    hid_t fapl = -1;
    *out = NULL;
    memset(state, 0, sizeof *state);
    SD_MPI(MPI_Comm_rank(comm, &rank));
    sd_results *r = sd_results_new(path, sd_plan_runs(p), rank, opts);
    int rc = r ? sd_results_access(r, comm, &fapl) : SD_ERR_NOMEM;
    /* Opening is collective: every rank goes in, or none. */
    rc = sd_agree(comm, rc);
    /* A replacement begun with --force and killed before it ended lives on
     * as PATH.partial: continue that one when it is a file of this sweep. */
    if (rc == SD_OK) rc = sd_results_open_either(r, path, fapl, comm, p);
    if (rc == SD_OK) rc = sd_results_open_outputs(r, s, l);
    if (rc == SD_OK) {
        sd_results_snap_layout(r, l, s->n_snap_runs ? l->n_snapfields : 0);
        rc = sd_results_read_state(r, state);
    }
    /* The XDMF beside the file is written anew (it may have been lost). */
    if (rc == SD_OK && rank == 0) rc = sd_results_xdmf_text(path, p, &r->xdmf);
    if (rc == SD_OK && rank == 0 && !r->temp) rc = sd_results_xdmf_write(path, r->xdmf);
    if (sd_h5_close(fapl) < 0 && rc == SD_OK) rc = sd_h5_error(path, "opening the file");
    rc = sd_agree(comm, rc);
    if (rc != SD_OK) {
        if (r) sd_results_abandon(r);
        sd_results_state_free(state);
        return rc;
    }
    *out = r;
    return SD_OK;
}

/* ---- runs, flush, close ---------------------------------------------------- */

int sd_results_write_run(sd_results *r, uint64_t run, const double *series,
                         const double *summary, double wall_seconds, int group,
                         uint32_t attempts, sd_run_status status, const char *message)
{
    int rc = SD_OK;
    char what[128];
    if (run >= r->n_runs || run % r->shard_n != r->shard_i)
        return sd_error(SD_ERR_INTERNAL, "%s: run %llu is not one of the runs of the file",
                        r->path, (unsigned long long)run);
    uint64_t row = (run - r->shard_i) / r->shard_n;
    snprintf(what, sizeof what, "writing run %llu", (unsigned long long)run);
    errno = 0;
    if (sd_fault_write())
        return sd_error(SD_ERR_IO, "%s: %s failed: No space left on device (injected by "
                        "SENDRIFT_FAULT_WRITES)", r->path, what);
    if (series)
        for (size_t i = 0; i < r->n_series; i++)
            H5TRY(sd_write_row(r->d_series[i], H5T_NATIVE_DOUBLE, row, r->n_times, 2,
                               series + i * r->n_times),
                  what);
    if (summary)
        for (size_t i = 0; i < r->n_summary; i++)
            H5TRY(sd_write_row(r->d_summary[i], H5T_NATIVE_DOUBLE, row, 1, 1, summary + i),
                  what);
    char msg[SD_RUN_MESSAGE_LEN] = {0};
    if (message) snprintf(msg, sizeof msg, "%s", message);
    H5TRY(sd_write_row(r->d_message, r->message_type, row,
                       r->message_rank == 2 ? SD_RUN_MESSAGE_LEN : 1, r->message_rank, msg),
          what);
    H5TRY(sd_write_row(r->d_wall, H5T_NATIVE_DOUBLE, row, 1, 1, &wall_seconds), what);
    H5TRY(sd_write_row(r->d_group, H5T_NATIVE_INT, row, 1, 1, &group), what);
    H5TRY(sd_write_row(r->d_attempts, H5T_NATIVE_UINT32, row, 1, 1, &attempts), what);
    /* Last: the flag that says the rows above are complete. */
    uint8_t st = (uint8_t)status;
    H5TRY(sd_write_row(r->d_status, r->status_type, row, 1, 1, &st), what);
done:
    return rc;
}

int sd_results_flush(sd_results *r)
{
    int rc = SD_OK;
    errno = 0;
    H5TRY(H5Fflush(r->file, H5F_SCOPE_GLOBAL), "flushing the file");
done:
    return rc;
}

/* Close; a file under its temporary name then replaces path (commit), or
 * stays where it is. */
static int sd_results_finish(sd_results **rp, int commit)
{
    sd_results *r = *rp;
    int rc = SD_OK;
    *rp = NULL;
    if (!r) return SD_OK;
    hid_t f = r->file;
    r->file = -1;
    /* The datasets first: the file closes for real with its last handle. */
    char *path = r->path, *temp = r->temp, *xdmf = r->xdmf;
    int rank = r->rank;
    r->path = r->temp = r->xdmf = NULL;
    errno = 0;
    herr_t st = sd_results_free(r);
    if (sd_h5_close_into(st, f) < 0) rc = sd_h5_error(path ? path : "result file", "closing the file");
    if (temp && rank == 0 && rc == SD_OK && commit) {
        if (rename(temp, path) != 0)
            rc = sd_error(SD_ERR_IO, "%s: replacing it with %s failed: %s", path, temp,
                          strerror(errno));
        else
            rc = sd_results_xdmf_write(path, xdmf);
    }
    free(path);
    free(temp);
    free(xdmf);
    return rc;
}

int sd_results_close(sd_results **rp) { return sd_results_finish(rp, 1); }

int sd_results_close_keep_old(sd_results **rp) { return sd_results_finish(rp, 0); }

const char *sd_results_temp_name(const sd_results *r) { return r ? r->temp : NULL; }
