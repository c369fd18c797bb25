/* sendrift: merging shard files into one result file (see merge.h).
 *
 * The merged file is made exactly as `sendrift run` makes one (same design,
 * same layout, same snapshot datasets); then every finished run of every
 * shard is written into it with sd_results_write_run, and the snapshots of
 * finished runs are copied.  So the merged file is bit-identical, in its
 * design, time series, summaries and snapshots, to an unsharded run.  The
 * shards are read through include/sendrift/shard.h, which knows the
 * names of the file's datasets; nothing here speaks HDF5.
 *
 * Nothing is created before every shard has been checked (it exists, opens,
 * is a result file of this sweep with consistent shard attributes and the
 * datasets of its rows), and no shard may be the output file (or a file the
 * merge writes) under any name: files are compared by device and inode.  The
 * merged file is built under a temporary name next to the output and renamed
 * over it only when complete, so a failing merge leaves an existing output
 * (with --force) exactly as it was.
 */
#include "sendrift/merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resultsimpl.h"
#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sendrift/lock.h"
#include "sendrift/mpicheck.h"
#include "sendrift/results.h"
#include "sendrift/shard.h"

#define SD_MERGE_BLOCK 256 /* rows read at a time */

typedef struct {
    const sd_plan *p;         /* the sweep, its design, outputs and digest  */
    sd_results *out;
    unsigned char *seen;      /* per shard index: already merged            */
    sd_merge_report *rep;
} sd_merge_ctx;

/* Copy the snapshots of one finished run. */
static int sd_merge_snapshots(sd_merge_ctx *m, sd_shard *sh, uint64_t run)
{
    const sd_layout *l = sd_plan_layout(m->p);
    const size_t *snap_idx = sd_plan_snapshot_indices(m->p);
    if (!sd_plan_snapshot_run(m->p, run) || !l->n_snapfields) return SD_OK;
    size_t cells = (size_t)l->snap_n[0] * (size_t)l->snap_n[1] *
                   (size_t)(l->snap_dim == 3 ? l->snap_n[2] : 1);
    double *buf = sd_calloc(cells, sizeof(double), "a snapshot");
    if (!buf) return SD_ERR_NOMEM;
    int rc = SD_OK;
    int lo[3] = {0, 0, 0}, n[3] = {l->snap_n[0], l->snap_n[1], l->snap_dim == 3 ? l->snap_n[2] : 1};
    for (size_t j = 0; j < sd_plan_sweep(m->p)->n_snap_times && rc == SD_OK; j++) {
        sd_snapshot *w = NULL;
        rc = sd_results_snapshot_open(m->out, run, snap_idx[j], &w);
        for (size_t fld = 0; fld < l->n_snapfields && rc == SD_OK; fld++) {
            rc = sd_shard_read_snapshot(sh, run, snap_idx[j], &l->snapfields[fld], buf);
            if (rc == SD_OK) rc = sd_snapshot_write(w, fld, buf, lo, n, n);
        }
        int crc = sd_results_snapshot_close(&w);
        if (rc == SD_OK) rc = crc;
    }
    free(buf);
    return rc;
}

/* Check one shard file against the sweep; its rows. */
static int sd_merge_check(sd_merge_ctx *m, const sd_shard *sh, const char *shard, uint64_t *rows)
{
    const sd_shard_info *in = sd_shard_get_info(sh);
    const char *want = sd_plan_digest(m->p);
    uint64_t si = in->shard_index, sn = in->shard_count;
    if (strcmp(in->format, SD_FORMAT_NAME) != 0)
        return sd_error(SD_ERR_INPUT, "%s: not a sendrift result file", shard);
    if (strcmp(in->digest, want) != 0)
        return sd_error(SD_ERR_INPUT,
                        "%s: made from a different design than %s (digest %s, wanted %s)",
                        shard, sd_plan_sweep(m->p)->source, in->digest[0] ? in->digest : "none", want);
    if (m->rep->shard_count && sn != m->rep->shard_count)
        return sd_error(SD_ERR_INPUT, "%s: shard %llu/%llu does not belong to a split into %llu",
                        shard, (unsigned long long)si, (unsigned long long)sn,
                        (unsigned long long)m->rep->shard_count);
    if (sn == 0 || si >= sn || sn > sd_plan_runs(m->p))
        return sd_error(SD_ERR_INPUT, "%s: bad shard attributes %llu/%llu", shard,
                        (unsigned long long)si, (unsigned long long)sn);
    m->rep->shard_count = sn;
    if (!m->seen) {
        m->seen = sd_calloc(sn, 1, "shard indices");
        if (!m->seen) return SD_ERR_NOMEM;
    }
    if (m->seen[si])
        return sd_error(SD_ERR_INPUT, "%s: shard %llu/%llu is given twice", shard,
                        (unsigned long long)si, (unsigned long long)sn);
    m->seen[si] = 1;
    sd_results_opts o = {0, si, sn, 0};
    *rows = sd_results_rows(sd_plan_runs(m->p), &o);
    if (!in->has_rows || in->rows != *rows)
        return sd_error(SD_ERR_INPUT, "%s: holds %llu runs, shard %llu/%llu has %llu", shard,
                        (unsigned long long)in->rows, (unsigned long long)si,
                        (unsigned long long)sn, (unsigned long long)*rows);
    return SD_OK;
}

/* Open a shard read-only (*sh NULL when it would not open) and check that
 * it is a shard of this sweep (sd_merge_check). */
static int sd_merge_open(sd_merge_ctx *m, const char *shard, sd_shard **sh, uint64_t *rows)
{
    SD_CALL(sd_shard_open(shard, sh));
    return sd_merge_check(m, *sh, shard, rows);
}

/* The buffers of one block of rows of a shard. */
typedef struct {
    sd_shard_runs runs;
    double *sum;              /* n_summary x B                              */
    double *ser;              /* n_series x B x n_times                     */
    double *row_ser, *row_sum; /* one run's rows, as write_run takes them   */
} sd_merge_bufs;

static int sd_merge_bufs_make(sd_merge_bufs *b, size_t n_summary, size_t ns, size_t nt)
{
    size_t B = SD_MERGE_BLOCK;
    b->runs.status = sd_calloc(B, 1, "merge buffers");
    b->runs.attempts = sd_calloc(B, sizeof *b->runs.attempts, "merge buffers");
    b->runs.group = sd_calloc(B, sizeof *b->runs.group, "merge buffers");
    b->runs.wall_seconds = sd_calloc(B, sizeof *b->runs.wall_seconds, "merge buffers");
    b->runs.message = sd_calloc(B, SD_RUN_MESSAGE_LEN, "merge buffers");
    b->sum = sd_calloc(B * (n_summary + 1), sizeof *b->sum, "merge buffers");
    b->ser = sd_calloc(B * (ns * nt + 1), sizeof *b->ser, "merge buffers");
    b->row_ser = sd_calloc(ns * nt + 1, sizeof *b->row_ser, "merge buffers");
    b->row_sum = sd_calloc(n_summary + 1, sizeof *b->row_sum, "merge buffers");
    int ok = b->runs.status && b->runs.attempts && b->runs.group && b->runs.wall_seconds &&
             b->runs.message && b->sum && b->ser && b->row_ser && b->row_sum;
    return ok ? SD_OK : SD_ERR_NOMEM;
}

static void sd_merge_bufs_free(sd_merge_bufs *b)
{
    free(b->runs.status);
    free(b->runs.attempts);
    free(b->runs.group);
    free(b->runs.wall_seconds);
    free(b->runs.message);
    free(b->sum);
    free(b->ser);
    free(b->row_ser);
    free(b->row_sum);
}

/* Rows [k0, k0 + n) of a shard into the merged file. */
static int sd_merge_block(sd_merge_ctx *m, sd_shard *sh, sd_merge_bufs *b, uint64_t k0,
                          uint64_t n, size_t ns)
{
    const sd_layout *l = sd_plan_layout(m->p);
    size_t B = SD_MERGE_BLOCK, nt = l->n_times;
    SD_CALL(sd_shard_read_runs(sh, k0, n, &b->runs));
    for (size_t i = 0; i < l->n_summary; i++)
        SD_CALL(sd_shard_read_summary(sh, l->summary[i].name, k0, n, b->sum + i * B));
    for (size_t i = 0; i < ns; i++)
        SD_CALL(sd_shard_read_series(sh, l->series[i].name, k0, n, nt, b->ser + i * B * nt));
    for (uint64_t k = 0; k < n; k++) {
        uint8_t st = b->runs.status[k];
        if (st == SD_RUN_PENDING) {
            m->rep->pending++;
            continue;
        }
        for (size_t i = 0; i < l->n_summary; i++) b->row_sum[i] = b->sum[i * B + k];
        for (size_t i = 0; i < ns; i++)
            memcpy(b->row_ser + i * nt, b->ser + (i * B + k) * nt, nt * sizeof(double));
        char *mk = b->runs.message + k * SD_RUN_MESSAGE_LEN;
        mk[SD_RUN_MESSAGE_LEN - 1] = '\0';
        int done = st == SD_RUN_DONE;
        uint64_t run = sd_shard_row_run(sh, k0 + k);
        int rc = sd_results_write_run(m->out, run, done && ns ? b->row_ser : NULL,
                                      done ? b->row_sum : NULL, b->runs.wall_seconds[k],
                                      b->runs.group[k], b->runs.attempts[k],
                                      (sd_run_status)st, mk);
        if (rc == SD_OK && done) rc = sd_merge_snapshots(m, sh, run);
        if (done)
            m->rep->done++;
        else
            m->rep->failed++;
        if (rc != SD_OK) return rc;
    }
    return SD_OK;
}

static int sd_merge_shard(sd_merge_ctx *m, const char *shard)
{
    const sd_layout *l = sd_plan_layout(m->p);
    sd_shard *sh = NULL;
    uint64_t rows = 0;
    int rc = sd_merge_open(m, shard, &sh, &rows);
    if (!sh) return rc;
    size_t ns = sd_plan_sweep(m->p)->output_timeseries && l->n_times ? l->n_series : 0;
    sd_merge_bufs b = {{NULL, NULL, NULL, NULL, NULL}, NULL, NULL, NULL, NULL};
    if (rc == SD_OK) rc = sd_merge_bufs_make(&b, l->n_summary, ns, l->n_times);
    for (uint64_t k0 = 0; k0 < rows && rc == SD_OK; k0 += SD_MERGE_BLOCK) {
        uint64_t n = rows - k0 < SD_MERGE_BLOCK ? rows - k0 : SD_MERGE_BLOCK;
        rc = sd_merge_block(m, sh, &b, k0, n, ns);
    }
    sd_merge_bufs_free(&b);
    int crc = sd_shard_close(&sh);
    if (rc == SD_OK) rc = crc;
    if (rc == SD_OK) m->rep->shards++;
    return rc;
}

/* ---- checks before anything is created ------------------------------------ */

/* Are the two stat results one file? */
static int sd_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}


/* Rank 0, before anything is created: the output may be written (absent, or
 * --force), and every shard exists, is readable, is no file the merge
 * writes, and is a result file of this sweep with consistent shard
 * attributes.  Picks the temporary name the merged file is built under. */
static int sd_merge_precheck(sd_merge_ctx *m, const char *out, const char *const *shards,
                             size_t n, int force, char *tmp, size_t tmplen)
{
    struct stat st;
    if (stat(out, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return sd_error(SD_ERR_INPUT, "%s: is a directory; give a file name", out);
        if (!S_ISREG(st.st_mode))
            return sd_error(SD_ERR_INPUT,
                            "%s: not a regular file (a device, a pipe or a socket); a merge "
                            "never replaces one, even with --force: give a file name",
                            out);
        if (!force)
            return sd_error(SD_ERR_INPUT,
                            "%s: exists; it is never overwritten: add --force to replace it", out);
    }
    /* The names the merge writes: the output (replaced at the end), the
     * temporary file and its own .partial, and the output's .partial (what
     * creating the output directly would truncate). */
    char out_partial[4200], tmp_partial[4300];
    snprintf(tmp, tmplen, "%s.merging-%ld.h5", out, (long)getpid());
    snprintf(out_partial, sizeof out_partial, "%s%s", out, SD_RESULTS_TEMP_SUFFIX);
    snprintf(tmp_partial, sizeof tmp_partial, "%s%s", tmp, SD_RESULTS_TEMP_SUFFIX);
    const char *written[4] = {out, out_partial, tmp, tmp_partial};
    struct stat wst[4];
    int wok[4];
    for (int w = 0; w < 4; w++) wok[w] = stat(written[w], &wst[w]) == 0;
    for (size_t i = 0; i < n; i++) {
        const char *sh = shards[i];
        if (stat(sh, &st) != 0)
            return sd_error(SD_ERR_IO, "%s: cannot read the shard file: %s", sh, strerror(errno));
        if (!S_ISREG(st.st_mode))
            return sd_error(SD_ERR_INPUT, "%s: not a regular file, so not a shard file", sh);
        for (int w = 0; w < 4; w++) {
            if (!wok[w] || !sd_same_file(&st, &wst[w])) continue;
            if (w == 0)
                return sd_error(SD_ERR_INPUT,
                                "%s: is the output file %s (the same file): a merge never writes "
                                "over one of its shards; give another -o",
                                sh, out);
            return sd_error(SD_ERR_INPUT,
                            "%s: is %s, which merging into %s would write; give another -o", sh,
                            written[w], out);
        }
        if (access(sh, R_OK) != 0)
            return sd_error(SD_ERR_IO, "%s: cannot read the shard file: %s", sh, strerror(errno));
        sd_shard *in = NULL;
        uint64_t rows = 0;
        int rc = sd_merge_open(m, sh, &in, &rows);
        if (rc == SD_OK)
            rc = sd_shard_check_rows(in, sd_plan_layout(m->p),
                                     sd_plan_sweep(m->p)->output_timeseries, rows);
        int crc = sd_shard_close(&in);
        if (rc == SD_OK) rc = crc;
        if (rc != SD_OK) return rc;
    }
    /* The copy checks each shard again (cheap): forget the indices seen. */
    if (m->seen) memset(m->seen, 0, m->rep->shard_count);
    return SD_OK;
}

/* Rank 0, the merged file complete under tmp: renamed into place, then its
 * XDMF files (when it has snapshots) made to name the output, beside it. */
static int sd_merge_publish(const char *tmp, const char *out)
{
    if (rename(tmp, out) != 0)
        return sd_error(SD_ERR_IO, "%s: renaming the merged file %s to it failed: %s", out, tmp,
                        strerror(errno));
    return sd_results_xdmf_move(tmp, out);
}

/* Every rank: the temporary name rank 0 picked. */
static int sd_merge_bcast_name(char *tmp, size_t n, MPI_Comm comm)
{
    SD_MPI(MPI_Bcast(tmp, (int)n, MPI_CHAR, 0, comm));
    return SD_OK;
}

/* Every rank: the counts rank 0 made. */
static int sd_merge_bcast_report(sd_merge_report *rep, MPI_Comm comm)
{
    uint64_t counts[4] = {rep->done, rep->failed, rep->shards, rep->shard_count};
    SD_MPI(MPI_Bcast(counts, 4, MPI_UINT64_T, 0, comm));
    rep->done = counts[0];
    rep->failed = counts[1];
    rep->shards = counts[2];
    rep->shard_count = counts[3];
    rep->pending = rep->runs - rep->done - rep->failed;
    return SD_OK;
}

/* Build the merged file under tmp and, complete, put it in place at out
 * (collective; rank 0 reads the shards).  On failure the output stays as
 * it was, and the temporary file goes.  Every rank returns rank 0's
 * outcome. */
static int sd_merge_build(sd_merge_ctx *m, const char *tmp, const char *out,
                          const char *const *shards, size_t n_shards, int rank, MPI_Comm comm)
{
    sd_results *r = NULL;
    sd_results_opts ro = {1, 0, 0, 0};
    /* force: a stale temporary file from a killed merge goes (the checks
     * made sure it is no shard). */
    int rc = sd_results_create(tmp, comm, m->p, &ro, &r);
    if (rc == SD_OK) {
        m->out = r;
        m->rep->runs = sd_plan_runs(m->p);
        int local = SD_OK;
        if (rank == 0)
            for (size_t i = 0; i < n_shards && local == SD_OK; i++)
                local = sd_merge_shard(m, shards[i]);
        local = sd_agree(comm, rank == 0 ? local : SD_OK);
        int brc = sd_merge_bcast_report(m->rep, comm);
        if (local == SD_OK) local = brc;
        int crc = sd_agree(comm, sd_results_close(&r));
        rc = local != SD_OK ? local : crc;
        if (rank == 0 && rc == SD_OK) rc = sd_merge_publish(tmp, out);
    }
    if (rank == 0 && rc != SD_OK) {
        unlink(tmp);
        sd_results_xdmf_remove(tmp);
    }
    return sd_agree(comm, rank == 0 ? rc : SD_OK);
}

int sd_merge(const sd_sweep *s, const char *out, const char *const *shards, size_t n_shards,
             int force, MPI_Comm comm, sd_merge_report *rep)
{
    int rank, rc;
    sd_plan *plan = NULL;
    memset(rep, 0, sizeof *rep);
    SD_MPI(MPI_Comm_rank(comm, &rank));
    /* The plan of the sweep the shards belong to, as `run` made it; merge
     * runs no model, so it needs no memory for runs. */
    sd_plan_opts po = {.ranks_per_sim = 1, .worker = 0, .controller = 0, .check_memory = 0,
                       .quiet = 1};
    rc = sd_plan_create(s, comm, &po, &plan);
    sd_merge_ctx m = {plan, NULL, NULL, rep};
    if (rc == SD_OK && n_shards == 0)
        rc = sd_error(SD_ERR_INPUT, "merge: give the shard files to merge");
    rc = sd_agree(comm, rc);
    /* One writer per result file (a sweep or another merge), then every
     * shard checked before anything is created. */
    char tmp[4200] = "";
    sd_lock *lock = NULL;
    if (rc == SD_OK) {
        int pre = sd_results_check_name(out);
        if (rank == 0 && pre == SD_OK) pre = sd_lock_acquire(out, &lock);
        if (rank == 0 && pre == SD_OK)
            pre = sd_merge_precheck(&m, out, shards, n_shards, force, tmp, sizeof tmp);
        rc = sd_agree(comm, rank == 0 ? pre : SD_OK);
    }
    if (rc == SD_OK) rc = sd_merge_bcast_name(tmp, sizeof tmp, comm);
    if (rc == SD_OK) rc = sd_merge_build(&m, tmp, out, shards, n_shards, rank, comm);
    sd_lock_release(&lock);
    free(m.seen);
    sd_plan_destroy(&plan);
    return rc;
}
