/* sendrift: merging shard files into one result file (see merge.h).
 *
 * The merged file is made exactly as `sendrift run` makes one (same design,
 * same layout, same snapshot datasets); then every finished run of every
 * shard is written into it with sd_results_write_run, and the snapshots of
 * finished runs are copied.  So the merged file is bit-identical, in its
 * design, time series, summaries and snapshots, to an unsharded run.
 */
#include "sendrift/merge.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resultsimpl.h"
#include "sendrift/design.h"
#include "sendrift/error.h"
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

static int sd_merge_shard(sd_merge_ctx *m, const char *shard)
{
    const sd_layout *l = m->l;
    hid_t f = H5Fopen(shard, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_IO, "%s: cannot open it as an HDF5 file", shard);
    }
    uint64_t si = 0, sn = 1, rows = 0;
    int rc = sd_merge_check(m, f, shard, &si, &sn, &rows);
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
    if (agreed == SD_OK) {
        sd_results_opts ro = {force, 0, 0};
        rc = sd_results_create(out, comm, s, d, &l, &ro, &r);
        if (rc == SD_OK) {
            m.out = r;
            rep->runs = m.runs;
            int local = SD_OK;
            if (rank == 0)
                for (size_t i = 0; i < n_shards && local == SD_OK; i++)
                    local = sd_merge_shard(&m, shards[i]);
            MPI_Bcast(&local, 1, MPI_INT, 0, comm);
            if (local != SD_OK) {
                char buf[1024];
                snprintf(buf, sizeof buf, "%s", sd_error_message());
                MPI_Bcast(buf, sizeof buf, MPI_CHAR, 0, comm);
                sd_error(local, "%s", buf);
            }
            uint64_t counts[5] = {rep->done, rep->failed, rep->pending, rep->shards,
                                  rep->shard_count};
            MPI_Bcast(counts, 5, MPI_UINT64_T, 0, comm);
            rep->done = counts[0];
            rep->failed = counts[1];
            rep->shards = counts[3];
            rep->shard_count = counts[4];
            rep->pending = rep->runs - rep->done - rep->failed;
            int crc = sd_results_close(&r);
            rc = local != SD_OK ? local : crc;
            if (local != SD_OK && rank == 0) {
                /* Leave no half-merged file behind. */
                char keep[1200];
                snprintf(keep, sizeof keep, "%s", sd_error_message());
                remove(out);
                sd_error(local, "%s", keep);
            }
        }
    } else {
        rc = agreed;
    }
    free(m.seen);
    free(m.snap_idx);
    sd_layout_free(&l);
    sd_design_destroy(&d);
    return rc;
}
