/* sendrift: merging shard files into one result file (see merge.h).
 *
 * The merged file is made exactly as `sendrift run` makes one (same design,
 * same layout, same snapshot datasets); then every finished run of every
 * shard is written into it with sd_results_write_run, and the snapshots of
 * finished runs are copied.  So the merged file is bit-identical, in its
 * design, time series, summaries and snapshots, to an unsharded run.
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
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resultsimpl.h"
#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sendrift/lock.h"
#include "sendrift/results.h"

#define SD_MERGE_BLOCK 256 /* rows read at a time */

typedef struct {
    const sd_sweep *s;
    const sd_layout *l;
    sd_results *out;
    uint64_t runs;
    unsigned char *seen;      /* per shard index: already merged            */
    size_t *snap_idx;         /* output indices of the snapshot times       */
    sd_merge_report *rep;
} sd_merge_ctx;

/* Read rows [k0, k0 + n) of a 1-D or 2-D (rows x ncols) dataset. */
static int sd_read_rows(hid_t f, const char *shard, const char *name, hid_t memtype,
                        uint64_t k0, uint64_t n, hsize_t ncols, int rank, void *buf)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t start[2] = {k0, 0}, count[2] = {n, ncols};
    hid_t ms = H5Screate_simple(rank, count, NULL);
    herr_t st = (d < 0 || fs < 0 || ms < 0) ? -1 : 0;
    if (st >= 0) st = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (st >= 0) st = H5Dread(d, memtype, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
    if (st < 0) return sd_error(SD_ERR_HDF5, "%s: reading %s failed", shard, name);
    return SD_OK;
}

/* Copy the snapshots of one finished run. */
static int sd_merge_snapshots(sd_merge_ctx *m, hid_t f, const char *shard, uint64_t run)
{
    const sd_layout *l = m->l;
    int found = 0;
    for (size_t i = 0; i < m->s->n_snap_runs; i++) found |= m->s->snap_runs[i] == run;
    if (!found || !l->n_snapfields) return SD_OK;
    size_t cells = (size_t)l->snap_n[0] * (size_t)l->snap_n[1] *
                   (size_t)(l->snap_dim == 3 ? l->snap_n[2] : 1);
    double *buf = sd_calloc(cells, sizeof(double), "a snapshot");
    if (!buf) return SD_ERR_NOMEM;
    int rc = SD_OK;
    int lo[3] = {0, 0, 0}, n[3] = {l->snap_n[0], l->snap_n[1], l->snap_dim == 3 ? l->snap_n[2] : 1};
    for (size_t j = 0; j < m->s->n_snap_times && rc == SD_OK; j++) {
        sd_snapshot *w = NULL;
        rc = sd_results_snapshot_open(m->out, run, m->snap_idx[j], &w);
        for (size_t fld = 0; fld < l->n_snapfields && rc == SD_OK; fld++) {
            char name[256];
            snprintf(name, sizeof name, "snapshots/run_%llu/t_%zu/%s", (unsigned long long)run,
                     m->snap_idx[j], l->snapfields[fld].name);
            hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
            hid_t mt = l->snapfields[fld].type == SD_SNAP_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_DOUBLE;
            herr_t st = d < 0 ? -1 : H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            if (d >= 0) H5Dclose(d);
            H5Eclear2(H5E_DEFAULT);
            if (st < 0)
                rc = sd_error(SD_ERR_HDF5, "%s: reading %s failed", shard, name);
            else
                rc = sd_snapshot_write(w, fld, buf, lo, n, n);
        }
        sd_results_snapshot_close(&w);
    }
    free(buf);
    return rc;
}

/* Check one shard file against the sweep; its index and count. */
static int sd_merge_check(sd_merge_ctx *m, hid_t f, const char *shard, uint64_t *si,
                          uint64_t *sn, uint64_t *rows)
{
    char format[64], digest[64], want[17];
    sd_attr_read_str(f, "format", format, sizeof format);
    if (strcmp(format, "sendrift-results") != 0)
        return sd_error(SD_ERR_INPUT, "%s: not a sendrift result file", shard);
    sd_attr_read_str(f, "design_digest", digest, sizeof digest);
    sd_results_digest(m->s, m->l, want);
    if (strcmp(digest, want) != 0)
        return sd_error(SD_ERR_INPUT,
                        "%s: made from a different design than %s (digest %s, wanted %s)",
                        shard, m->s->source, digest[0] ? digest : "none", want);
    *si = 0;
    *sn = 1;
    sd_attr_read_u64(f, "shard_index", si);
    sd_attr_read_u64(f, "shard_count", sn);
    if (m->rep->shard_count && *sn != m->rep->shard_count)
        return sd_error(SD_ERR_INPUT, "%s: shard %llu/%llu does not belong to a split into %llu",
                        shard, (unsigned long long)*si, (unsigned long long)*sn,
                        (unsigned long long)m->rep->shard_count);
    if (*sn == 0 || *si >= *sn || *sn > m->runs)
        return sd_error(SD_ERR_INPUT, "%s: bad shard attributes %llu/%llu", shard,
                        (unsigned long long)*si, (unsigned long long)*sn);
    m->rep->shard_count = *sn;
    if (!m->seen) {
        m->seen = sd_calloc(*sn, 1, "shard indices");
        if (!m->seen) return SD_ERR_NOMEM;
    }
    if (m->seen[*si])
        return sd_error(SD_ERR_INPUT, "%s: shard %llu/%llu is given twice", shard,
                        (unsigned long long)*si, (unsigned long long)*sn);
    m->seen[*si] = 1;
    sd_results_opts o = {0, *si, *sn};
    *rows = sd_results_rows(m->runs, &o);
    hid_t g = H5Gopen2(f, "design", H5P_DEFAULT);
    uint64_t have = 0;
    herr_t st = g < 0 ? -1 : sd_attr_read_u64(g, "runs", &have);
    if (g >= 0) H5Gclose(g);
    H5Eclear2(H5E_DEFAULT);
    if (st < 0 || have != *rows)
        return sd_error(SD_ERR_INPUT, "%s: holds %llu runs, shard %llu/%llu has %llu", shard,
                        (unsigned long long)have, (unsigned long long)*si,
                        (unsigned long long)*sn, (unsigned long long)*rows);
    return SD_OK;
}

/* Open a shard read-only (*f < 0 when it would not open) and check that it
 * is a shard of this sweep (sd_merge_check). */
static int sd_merge_open(sd_merge_ctx *m, const char *shard, hid_t *f, uint64_t *si,
                         uint64_t *sn, uint64_t *rows)
{
    *f = H5Fopen(shard, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*f < 0) {
        H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_IO, "%s: cannot open it as an HDF5 file", shard);
    }
    return sd_merge_check(m, *f, shard, si, sn, rows);
}

static int sd_merge_shard(sd_merge_ctx *m, const char *shard)
{
    const sd_layout *l = m->l;
    hid_t f;
    uint64_t si = 0, sn = 1, rows = 0;
    int rc = sd_merge_open(m, shard, &f, &si, &sn, &rows);
    if (f < 0) return rc;
    size_t ns = m->s->output_timeseries && l->n_times ? l->n_series : 0, nt = l->n_times;
    size_t B = SD_MERGE_BLOCK;
    uint8_t *st = sd_calloc(B, 1, "merge buffers");
    uint32_t *at = sd_calloc(B, sizeof *at, "merge buffers");
    int *grp = sd_calloc(B, sizeof *grp, "merge buffers");
    double *wall = sd_calloc(B, sizeof *wall, "merge buffers");
    char *msg = sd_calloc(B, SD_RUN_MESSAGE_LEN, "merge buffers");
    double *sum = sd_calloc(B * (l->n_summary + 1), sizeof *sum, "merge buffers");
    double *ser = sd_calloc(B * (ns * nt + 1), sizeof *ser, "merge buffers");
    double *row_ser = sd_calloc(ns * nt + 1, sizeof *row_ser, "merge buffers");
    double *row_sum = sd_calloc(l->n_summary + 1, sizeof *row_sum, "merge buffers");
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, SD_RUN_MESSAGE_LEN);
    if (rc == SD_OK && !(st && at && grp && wall && msg && sum && ser && row_ser && row_sum))
        rc = SD_ERR_NOMEM;
    for (uint64_t k0 = 0; k0 < rows && rc == SD_OK; k0 += B) {
        uint64_t n = rows - k0 < B ? rows - k0 : B;
        rc = sd_read_rows(f, shard, "runs/status", H5T_NATIVE_UINT8, k0, n, 1, 1, st);
        if (rc == SD_OK) rc = sd_read_rows(f, shard, "runs/attempts", H5T_NATIVE_UINT32, k0, n, 1, 1, at);
        if (rc == SD_OK) rc = sd_read_rows(f, shard, "runs/group", H5T_NATIVE_INT, k0, n, 1, 1, grp);
        if (rc == SD_OK) rc = sd_read_rows(f, shard, "runs/wall_seconds", H5T_NATIVE_DOUBLE, k0, n, 1, 1, wall);
        if (rc == SD_OK) rc = sd_read_rows(f, shard, "runs/message", mt, k0, n, 1, 1, msg);
        for (size_t i = 0; i < l->n_summary && rc == SD_OK; i++) {
            char name[256];
            snprintf(name, sizeof name, "summary/%s", l->summary[i].name);
            rc = sd_read_rows(f, shard, name, H5T_NATIVE_DOUBLE, k0, n, 1, 1, sum + i * B);
        }
        for (size_t i = 0; i < ns && rc == SD_OK; i++) {
            char name[256];
            snprintf(name, sizeof name, "timeseries/%s", l->series[i].name);
            rc = sd_read_rows(f, shard, name, H5T_NATIVE_DOUBLE, k0, n, nt, 2, ser + i * B * nt);
        }
        for (uint64_t k = 0; k < n && rc == SD_OK; k++) {
            uint64_t run = si + (k0 + k) * sn;
            if (st[k] == SD_RUN_PENDING) {
                m->rep->pending++;
                continue;
            }
            for (size_t i = 0; i < l->n_summary; i++) row_sum[i] = sum[i * B + k];
            for (size_t i = 0; i < ns; i++)
                memcpy(row_ser + i * nt, ser + (i * B + k) * nt, nt * sizeof(double));
            char *mk = msg + k * SD_RUN_MESSAGE_LEN;
            mk[SD_RUN_MESSAGE_LEN - 1] = '\0';
            int done = st[k] == SD_RUN_DONE;
            rc = sd_results_write_run(m->out, run, done && ns ? row_ser : NULL,
                                      done ? row_sum : NULL, wall[k], grp[k], at[k],
                                      (sd_run_status)st[k], mk);
            if (rc == SD_OK && done) rc = sd_merge_snapshots(m, f, shard, run);
            if (done)
                m->rep->done++;
            else
                m->rep->failed++;
        }
    }
    H5Tclose(mt);
    free(st);
    free(at);
    free(grp);
    free(wall);
    free(msg);
    free(sum);
    free(ser);
    free(row_ser);
    free(row_sum);
    H5Fclose(f);
    if (rc == SD_OK) m->rep->shards++;
    return rc;
}

/* ---- checks before anything is created ------------------------------------ */

/* A dataset of a shard has the shape of its rows: rank 1 (rows) or 2
 * (rows x ncols). */
static int sd_merge_check_dataset(hid_t f, const char *shard, const char *name, uint64_t rows,
                                  int rank, hsize_t ncols)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[2] = {0, 0};
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (nd >= 1 && nd <= 2) H5Sget_simple_extent_dims(sp, dims, NULL);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
    if (d < 0)
        return sd_error(SD_ERR_INPUT, "%s: has no dataset %s: not a complete sendrift result file",
                        shard, name);
    if (nd != rank || dims[0] != rows || (rank == 2 && dims[1] != ncols))
        return sd_error(SD_ERR_INPUT, "%s: dataset %s has the wrong shape for %llu runs", shard,
                        name, (unsigned long long)rows);
    return SD_OK;
}

/* Every dataset the merge reads rows from is there, with the shard's rows. */
static int sd_merge_check_data(sd_merge_ctx *m, hid_t f, const char *shard, uint64_t rows)
{
    static const char *const runs[] = {"runs/status", "runs/attempts", "runs/group",
                                       "runs/wall_seconds", "runs/message"};
    const sd_layout *l = m->l;
    int rc = SD_OK;
    for (size_t i = 0; i < sizeof runs / sizeof *runs && rc == SD_OK; i++)
        rc = sd_merge_check_dataset(f, shard, runs[i], rows, 1, 0);
    for (size_t i = 0; i < l->n_summary && rc == SD_OK; i++) {
        char name[256];
        snprintf(name, sizeof name, "summary/%s", l->summary[i].name);
        rc = sd_merge_check_dataset(f, shard, name, rows, 1, 0);
    }
    size_t ns = m->s->output_timeseries && l->n_times ? l->n_series : 0;
    for (size_t i = 0; i < ns && rc == SD_OK; i++) {
        char name[256];
        snprintf(name, sizeof name, "timeseries/%s", l->series[i].name);
        rc = sd_merge_check_dataset(f, shard, name, rows, 2, l->n_times);
    }
    return rc;
}

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
    snprintf(out_partial, sizeof out_partial, "%s.partial", out);
    snprintf(tmp_partial, sizeof tmp_partial, "%s.partial", tmp);
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
        hid_t f;
        uint64_t si = 0, sn = 1, rows = 0;
        int rc = sd_merge_open(m, sh, &f, &si, &sn, &rows);
        if (rc == SD_OK) rc = sd_merge_check_data(m, f, sh, rows);
        if (f >= 0) H5Fclose(f);
        H5Eclear2(H5E_DEFAULT);
        if (rc != SD_OK) return rc;
    }
    /* The copy checks each shard again (cheap): forget the indices seen. */
    if (m->seen) memset(m->seen, 0, m->rep->shard_count);
    return SD_OK;
}

/* Every rank learns rank 0's outcome, and its message. */
static int sd_merge_share(int rc, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc != SD_OK) {
        char buf[1024] = "";
        if (rank == 0) snprintf(buf, sizeof buf, "%s", sd_error_message());
        MPI_Bcast(buf, sizeof buf, MPI_CHAR, 0, comm);
        if (rank != 0) sd_error(rc, "%s", buf);
    }
    return rc;
}

/* Rank 0, the merged file complete under tmp: its XDMF file (when it has
 * snapshots) made to name the output, then both renamed into place. */
static int sd_merge_publish(const char *tmp, const char *out)
{
    char txmf[4400], oxmf[4400];
    sd_results_xdmf_name(tmp, txmf, sizeof txmf);
    sd_results_xdmf_name(out, oxmf, sizeof oxmf);
    FILE *f = fopen(txmf, "rb");
    int have_xmf = f != NULL;
    char *text = NULL;
    size_t len = 0;
    if (have_xmf) {
        /* Make it name the output: the XDMF refers to the temporary file
         * (possibly XML-escaped) as BASE + the merge's suffix, always
         * followed by ':'; drop the suffix there. */
        const char *tb = strrchr(tmp, '/') ? strrchr(tmp, '/') + 1 : tmp;
        const char *ob = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
        char sfx[128];
        snprintf(sfx, sizeof sfx, "%s:", tb + strlen(ob));
        int ok = fseek(f, 0, SEEK_END) == 0;
        long size = ok ? ftell(f) : -1;
        ok = size >= 0 && fseek(f, 0, SEEK_SET) == 0;
        text = ok ? sd_calloc((size_t)size + 1, 1, "the XDMF file") : NULL;
        ok = text && fread(text, 1, (size_t)size, f) == (size_t)size;
        fclose(f);
        if (!ok) {
            free(text);
            return sd_error(SD_ERR_IO, "%s: cannot read it back", txmf);
        }
        len = (size_t)size;
        f = fopen(txmf, "wb");
        if (!f) {
            free(text);
            return sd_error(SD_ERR_IO, "%s: cannot write: %s", txmf, strerror(errno));
        }
        size_t sl = strlen(sfx);
        for (const char *p = text; p < text + len;) {
            const char *hit = strstr(p, sfx);
            size_t k = hit ? (size_t)(hit - p) : strlen(p);
            fwrite(p, 1, k, f);
            if (!hit) break;
            fputc(':', f);
            p = hit + sl;
        }
        free(text);
        if (fclose(f) != 0)
            return sd_error(SD_ERR_IO, "%s: write failed: %s", txmf, strerror(errno));
    }
    if (rename(tmp, out) != 0)
        return sd_error(SD_ERR_IO, "%s: renaming the merged file %s to it failed: %s", out, tmp,
                        strerror(errno));
    if (have_xmf && rename(txmf, oxmf) != 0)
        return sd_error(SD_ERR_IO, "%s: renaming %s to it failed: %s", oxmf, txmf,
                        strerror(errno));
    return SD_OK;
}

int sd_merge(const sd_sweep *s, const char *out, const char *const *shards, size_t n_shards,
             int force, MPI_Comm comm, sd_merge_report *rep)
{
    int rank, rc;
    sd_design *d = NULL;
    sd_layout l;
    sd_paramset base = {0};
    sd_results *r = NULL;
    memset(&l, 0, sizeof l);
    memset(rep, 0, sizeof *rep);
    MPI_Comm_rank(comm, &rank);
    rc = sd_design_create(s, &d);
    if (rc == SD_OK) rc = sd_sweep_base_params(s, &base);
    if (rc == SD_OK) rc = s->model->layout(&base, &l);
    sd_paramset_free(&base);
    sd_merge_ctx m = {s, &l, NULL, d ? sd_design_runs(d) : 0, NULL, NULL, rep};
    if (rc == SD_OK && s->n_snap_runs) {
        m.snap_idx = sd_calloc(s->n_snap_times, sizeof *m.snap_idx, "snapshot times");
        rc = m.snap_idx ? sd_results_snapshot_indices(s, &l, m.snap_idx) : SD_ERR_NOMEM;
    }
    if (rc == SD_OK && n_shards == 0)
        rc = sd_error(SD_ERR_INPUT, "merge: give the shard files to merge");
    int agreed;
    MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MAX, comm);
    /* One writer per result file (a sweep or another merge), then every
     * shard checked before anything is created. */
    char tmp[4200] = "";
    sd_lock *lock = NULL;
    if (agreed == SD_OK) {
        int pre = sd_results_check_name(out);
        if (rank == 0 && pre == SD_OK) pre = sd_lock_acquire(out, &lock);
        if (rank == 0 && pre == SD_OK) {
            H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
            pre = sd_merge_precheck(&m, out, shards, n_shards, force, tmp, sizeof tmp);
        }
        agreed = sd_merge_share(pre, comm);
        MPI_Bcast(tmp, sizeof tmp, MPI_CHAR, 0, comm);
    }
    if (agreed == SD_OK) {
        /* Build it under the temporary name (force: a stale one from a
         * killed merge goes; the check above made sure it is no shard). */
        sd_results_opts ro = {1, 0, 0};
        rc = sd_results_create(tmp, comm, s, d, &l, &ro, &r);
        if (rc == SD_OK) {
            m.out = r;
            rep->runs = m.runs;
            int local = SD_OK;
            if (rank == 0)
                for (size_t i = 0; i < n_shards && local == SD_OK; i++)
                    local = sd_merge_shard(&m, shards[i]);
            local = sd_merge_share(local, comm);
            uint64_t counts[5] = {rep->done, rep->failed, rep->pending, rep->shards,
                                  rep->shard_count};
            MPI_Bcast(counts, 5, MPI_UINT64_T, 0, comm);
            rep->done = counts[0];
            rep->failed = counts[1];
            rep->shards = counts[3];
            rep->shard_count = counts[4];
            rep->pending = rep->runs - rep->done - rep->failed;
            int crc = sd_results_close(&r), cagreed;
            MPI_Allreduce(&crc, &cagreed, 1, MPI_INT, MPI_MAX, comm);
            if (crc == SD_OK && cagreed != SD_OK)
                crc = sd_error(cagreed, "%s: closing the merged file failed on another rank", tmp);
            rc = local != SD_OK ? local : crc;
            /* Complete: into place.  Otherwise the output stays as it was,
             * and the temporary file goes. */
            if (rank == 0 && rc == SD_OK) rc = sd_merge_publish(tmp, out);
            if (rank == 0 && rc != SD_OK) {
                char xmf[4400];
                sd_results_xdmf_name(tmp, xmf, sizeof xmf);
                unlink(tmp);
                unlink(xmf);
            }
            rc = sd_merge_share(rc, comm);
        } else if (rank == 0) {
            char xmf[4400];
            sd_results_xdmf_name(tmp, xmf, sizeof xmf);
            unlink(tmp);
            unlink(xmf);
        }
    } else {
        rc = agreed;
    }
    sd_lock_release(&lock);
    free(m.seen);
    free(m.snap_idx);
    sd_layout_free(&l);
    sd_design_destroy(&d);
    return rc;
}
