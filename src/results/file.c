/* sendrift: the result file (see include/sendrift/results.h and
 * docs/output-format.md).
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
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "resultsimpl.h"
#include "sendrift/error.h"
#include "sendrift/progress.h"
#include "sendrift/version.h"

#define SD_FORMAT_VERSION 1

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
    hid_t message_type;
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

struct sd_snapshot {
    sd_results *r;
    hid_t *d;
    size_t n;
};

/* ---- HDF5 error detail ------------------------------------------------- */

typedef struct {
    char text[512];
} sd_h5_detail;

static herr_t sd_h5_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    sd_h5_detail *d = data;
    /* Keep the innermost description that says something. */
    (void)n;
    if (e->desc && e->desc[0]) snprintf(d->text, sizeof d->text, "%s", e->desc);
    return 0;
}

/* Record an HDF5 failure: what we tried, and the library's own reason. */
static int sd_h5_error(const char *path, const char *what)
{
    sd_h5_detail d = {{0}};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, sd_h5_walk, &d);
    H5Eclear2(H5E_DEFAULT);
    if (errno && (errno == ENOSPC || errno == EDQUOT || errno == EACCES || errno == EIO))
        return sd_error(SD_ERR_HDF5, "%s: %s failed: %s (%s)", path, what,
                        d.text[0] ? d.text : "HDF5 error", strerror(errno));
    return sd_error(SD_ERR_HDF5, "%s: %s failed%s%s", path, what,
                    d.text[0] ? ": " : "", d.text);
}

#define H5TRY(expr, what)                                                    \
    do {                                                                     \
        if ((expr) < 0) {                                                    \
            rc = sd_h5_error(r->path, what);                                 \
            goto done;                                                       \
        }                                                                    \
    } while (0)

/* ---- attributes --------------------------------------------------------- */

static herr_t sd_attr_write(hid_t obj, const char *name, hid_t type, hid_t space,
                            const void *buf)
{
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return -1;
    /* An empty list (a sweep without parameters) has a null dataspace:
     * nothing to write. */
    herr_t st = buf ? H5Awrite(a, type, buf) : 0;
    H5Aclose(a);
    return st;
}

static herr_t sd_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t st = sd_attr_write(obj, name, t, s, &value);
    H5Sclose(s);
    H5Tclose(t);
    return st;
}

static herr_t sd_attr_strs(hid_t obj, const char *name, const char *const *values,
                           size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hsize_t dim = n;
    hid_t s = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_NULL);
    herr_t st = n ? sd_attr_write(obj, name, t, s, values)
                  : sd_attr_write(obj, name, t, s, NULL);
    H5Sclose(s);
    H5Tclose(t);
    return st;
}

static herr_t sd_attr_u64(hid_t obj, const char *name, uint64_t v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t st = sd_attr_write(obj, name, H5T_NATIVE_UINT64, s, &v);
    H5Sclose(s);
    return st;
}

static herr_t sd_attr_int(hid_t obj, const char *name, int v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t st = sd_attr_write(obj, name, H5T_NATIVE_INT, s, &v);
    H5Sclose(s);
    return st;
}

static herr_t sd_attr_doubles(hid_t obj, const char *name, const double *v, size_t n)
{
    hsize_t dim = n;
    hid_t s = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_NULL);
    herr_t st = sd_attr_write(obj, name, H5T_NATIVE_DOUBLE, s, n ? v : NULL);
    H5Sclose(s);
    return st;
}

static herr_t sd_attr_meta(hid_t obj, const char *units, const char *description)
{
    if (units && sd_attr_str(obj, "units", units) < 0) return -1;
    return sd_attr_str(obj, "description", description);
}

/* ---- datasets ----------------------------------------------------------- */

/* A contiguous dataset, allocated and filled at creation (fill may be NULL
 * for the type's zero). */
static hid_t sd_dataset(hid_t loc, const char *name, hid_t type, int rank,
                        const hsize_t *dims, const void *fill, const char *units,
                        const char *description)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (space < 0 || dcpl < 0) goto out;
    if (H5Pset_layout(dcpl, H5D_CONTIGUOUS) < 0) goto out;
    if (H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0) goto out;
    if (H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) < 0) goto out;
    if (fill && H5Pset_fill_value(dcpl, type, fill) < 0) goto out;
    d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0 && sd_attr_meta(d, units, description) < 0) {
        H5Dclose(d);
        d = -1;
    }
out:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return d;
}

static hid_t sd_group(hid_t loc, const char *name, const char *description)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g >= 0 && sd_attr_str(g, "description", description) < 0) {
        H5Gclose(g);
        return -1;
    }
    return g;
}

/* Write rows [row0, row0 + nrows) of a 2-D (runs x ncols) or 1-D dataset
 * collectively: every rank calls it, with its own (possibly empty) block. */
static herr_t sd_write_rows_coll(hid_t d, hid_t memtype, uint64_t row0, uint64_t nrows,
                                 hsize_t ncols, int rank, const void *buf)
{
    hid_t fspace = H5Dget_space(d);
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    hid_t mspace = -1;
    herr_t st = -1;
    hsize_t start[2] = {row0, 0}, count[2] = {nrows, ncols};
    if (fspace < 0 || dxpl < 0) goto out;
    if (H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) goto out;
    if (nrows == 0 || (rank == 2 && ncols == 0)) {
        H5Sselect_none(fspace);
        hsize_t one = 1;
        mspace = H5Screate_simple(1, &one, NULL);
        H5Sselect_none(mspace);
    } else {
        if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
            goto out;
        mspace = H5Screate_simple(rank, count, NULL);
    }
    if (mspace < 0) goto out;
    st = H5Dwrite(d, memtype, mspace, fspace, dxpl, buf);
out:
    if (mspace >= 0) H5Sclose(mspace);
    if (dxpl >= 0) H5Pclose(dxpl);
    if (fspace >= 0) H5Sclose(fspace);
    return st;
}

/* Independent write of one row of a 2-D dataset, or one element of 1-D. */
static herr_t sd_write_row(hid_t d, hid_t memtype, uint64_t row, hsize_t ncols, int rank,
                           const void *buf)
{
    hid_t fspace = H5Dget_space(d);
    hid_t mspace = -1;
    herr_t st = -1;
    hsize_t start[2] = {row, 0}, count[2] = {1, ncols};
    if (fspace < 0) return -1;
    if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0) goto out;
    mspace = H5Screate_simple(rank, count, NULL);
    if (mspace < 0) goto out;
    st = H5Dwrite(d, memtype, mspace, fspace, H5P_DEFAULT, buf);
out:
    if (mspace >= 0) H5Sclose(mspace);
    H5Sclose(fspace);
    return st;
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

static uint64_t sd_row_run(const sd_results *r, uint64_t row) { return r->shard_i + row * r->shard_n; }

/* ---- digest and size ------------------------------------------------------ */

typedef struct {
    uint64_t h;
} sd_fnv;

static void sd_fnv_bytes(sd_fnv *f, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        f->h ^= b[i];
        f->h *= 0x100000001b3ULL;
    }
}

static void sd_fnv_str(sd_fnv *f, const char *s)
{
    sd_fnv_bytes(f, s, strlen(s) + 1);
}

static void sd_fnv_f64(sd_fnv *f, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%a", v);
    sd_fnv_str(f, buf);
}

static void sd_fnv_u64(sd_fnv *f, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    sd_fnv_str(f, buf);
}

void sd_results_digest(const sd_sweep *s, const sd_layout *l, char out[17])
{
    sd_fnv f = {0xcbf29ce484222325ULL};
    sd_fnv_str(&f, s->model->name);
    for (size_t i = 0; i < s->n_fixed; i++) {
        sd_fnv_str(&f, s->fixed[i].name);
        sd_fnv_f64(&f, s->fixed[i].value);
        sd_fnv_str(&f, s->fixed[i].choice ? s->fixed[i].choice : "");
    }
    for (size_t d = 0; d < s->n_axes; d++) {
        const sd_axis *a = &s->axes[d];
        sd_fnv_str(&f, a->name);
        sd_fnv_u64(&f, (uint64_t)a->kind);
        sd_fnv_f64(&f, a->min);
        sd_fnv_f64(&f, a->max);
        sd_fnv_u64(&f, (uint64_t)a->log);
        sd_fnv_u64(&f, a->levels);
        for (size_t k = 0; k < a->n_values; k++) {
            if (a->kind == SD_AXIS_CHOICES)
                sd_fnv_str(&f, a->choices[k]);
            else
                sd_fnv_f64(&f, a->values[k]);
        }
    }
    sd_fnv_u64(&f, (uint64_t)s->design.type);
    sd_fnv_u64(&f, s->design.samples);
    sd_fnv_u64(&f, (uint64_t)s->design.second_order);
    sd_fnv_u64(&f, s->design.skip);
    sd_fnv_u64(&f, s->design.trajectories);
    sd_fnv_u64(&f, s->design.levels);
    sd_fnv_u64(&f, s->replicates);
    sd_fnv_u64(&f, s->seed);
    sd_fnv_u64(&f, (uint64_t)s->output_timeseries);
    sd_fnv_u64(&f, l->n_times);
    for (size_t i = 0; i < l->n_times; i++) sd_fnv_f64(&f, l->times[i]);
    for (size_t i = 0; i < l->n_series; i++) sd_fnv_str(&f, l->series[i].name);
    for (size_t i = 0; i < l->n_summary; i++) sd_fnv_str(&f, l->summary[i].name);
    /* Snapshots shape the file too (their datasets are made up front). */
    sd_fnv_u64(&f, s->n_snap_runs);
    for (size_t i = 0; i < s->n_snap_runs; i++) sd_fnv_u64(&f, s->snap_runs[i]);
    sd_fnv_u64(&f, s->n_snap_times);
    for (size_t i = 0; i < s->n_snap_times; i++) sd_fnv_f64(&f, s->snap_times[i]);
    if (s->n_snap_runs) {
        for (size_t i = 0; i < l->n_snapfields; i++) {
            sd_fnv_str(&f, l->snapfields[i].name);
            sd_fnv_u64(&f, (uint64_t)l->snapfields[i].type);
        }
        sd_fnv_u64(&f, (uint64_t)l->snap_dim);
        for (int a = 0; a < 3; a++) sd_fnv_u64(&f, (uint64_t)l->snap_n[a]);
        sd_fnv_f64(&f, l->snap_dx);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)f.h);
}

uint64_t sd_results_estimate_bytes(const sd_sweep *s, const sd_design *d,
                                   const sd_layout *l)
{
    uint64_t runs = sd_design_runs(d);
    uint64_t dim = sd_design_dim(d);
    uint64_t per_run = 2 * dim * 8            /* params, unit */
                       + 2 * 8                /* point, replicate */
                       + 1 + SD_RUN_MESSAGE_LEN + 8 + 4 /* runs/ */
                       + l->n_summary * 8;
    if (s->output_timeseries) per_run += (uint64_t)l->n_series * l->n_times * 8;
    uint64_t snaps = 0;
    if (l->n_snapfields && s->n_snap_runs) {
        uint64_t cells = (uint64_t)l->snap_n[0] * (uint64_t)(l->snap_n[1] > 0 ? l->snap_n[1] : 1) *
                         (uint64_t)(l->snap_dim == 3 ? l->snap_n[2] : 1);
        uint64_t per = 0;
        for (size_t f = 0; f < l->n_snapfields; f++)
            per += l->snapfields[f].type == SD_SNAP_U8 ? 1 : 8;
        snaps = (uint64_t)s->n_snap_runs * s->n_snap_times * (cells * per + 4096);
    }
    return runs * per_run + snaps + 64 * 1024 + strlen(s->text);
}

/* The directory part of path ("." when it has none). */
static void sd_dirname(const char *path, char *dir, size_t n)
{
    snprintf(dir, n, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

uint64_t sd_results_free_bytes(const char *path)
{
    char dir[4096];
    sd_dirname(path, dir, sizeof dir);
    struct statvfs v;
    if (statvfs(dir, &v) != 0) return UINT64_MAX;
    return (uint64_t)v.f_bavail * (uint64_t)v.f_frsize;
}

/* ---- creation ----------------------------------------------------------- */

static const char *sd_axis_kind_name(sd_axis_kind k)
{
    return k == SD_AXIS_RANGE ? "range" : k == SD_AXIS_VALUES ? "values" : "choices";
}

/* Refuse output names the file system or MPI-IO cannot take: a path past
 * PATH_MAX or a name past NAME_MAX, counting the ".partial" the file is
 * built under (MPI-IO aborts on some of these instead of failing). */
static int sd_path_too_long(const char *path, char *msg, size_t n)
{
    size_t len = strlen(path), extra = strlen(SD_RESULTS_TEMP_SUFFIX);
    if (len == 0) {
        snprintf(msg, n, "the result file name is empty");
        return 1;
    }
    if (len + extra >= 4096) {
        snprintf(msg, n, "%.200s...: the result file name is %zu bytes long; at most %zu are "
                         "allowed",
                 path, len, 4095 - extra);
        return 1;
    }
    for (const char *p = path; *p;) {
        size_t k = strcspn(p, "/");
        size_t limit = p[k] ? 255 : 255 - extra;
        if (k > limit) {
            snprintf(msg, n, "%.200s...: a name in the result file's path is %zu bytes long; "
                             "at most %zu are allowed%s",
                     path, k, limit, p[k] ? "" : " (the file is built as NAME.partial)");
            return 1;
        }
        p += k;
        while (*p == '/') p++;
    }
    return 0;
}

int sd_results_check_name(const char *path)
{
    char msg[600];
    if (sd_path_too_long(path, msg, sizeof msg)) return sd_error(SD_ERR_INPUT, "%s", msg);
    return SD_OK;
}

/* Rank 0 decides whether the file may be created; every rank learns the
 * answer and the same message.  Only a regular file is ever replaced: a
 * device, a FIFO or a socket (as root, -o /dev/null --force) is refused. */
static int sd_results_precheck(const char *path, MPI_Comm comm, int force, uint64_t need)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    char msg[2300] = {0};
    int code = SD_OK;
    if (rank == 0) {
        struct stat st;
        char temp[4200];
        snprintf(temp, sizeof temp, "%s%s", path, SD_RESULTS_TEMP_SUFFIX);
        if (sd_path_too_long(path, msg, sizeof msg)) {
            code = SD_ERR_INPUT;
        } else if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                code = SD_ERR_INPUT;
                snprintf(msg, sizeof msg, "%.900s: is a directory; give a file name", path);
            } else if (!S_ISREG(st.st_mode)) {
                code = SD_ERR_INPUT;
                snprintf(msg, sizeof msg,
                         "%.900s: not a regular file (a device, a pipe or a socket); a "
                         "result file never replaces one, even with --force: give a file name",
                         path);
            } else if (!force) {
                code = SD_ERR_INPUT;
                snprintf(msg, sizeof msg,
                         "%.900s: exists; it is never overwritten: add --force to replace it, "
                         "or --resume to continue the sweep it holds",
                         path);
            }
        }
        if (code == SD_OK && stat(temp, &st) == 0 && !S_ISREG(st.st_mode)) {
            code = SD_ERR_INPUT;
            snprintf(msg, sizeof msg,
                     "%.900s: not a regular file; it is where the result file is built: "
                     "remove it or write elsewhere",
                     temp);
        }
        if (code == SD_OK) {
            char dir[4096];
            sd_dirname(path, dir, sizeof dir);
            if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                code = SD_ERR_IO;
                snprintf(msg, sizeof msg, "%.900s: directory %.900s does not exist", path, dir);
            } else if (access(dir, W_OK) != 0) {
                code = SD_ERR_IO;
                snprintf(msg, sizeof msg, "%.900s: directory %.900s is not writable: %s", path, dir,
                         strerror(errno));
            } else {
                uint64_t avail = sd_results_free_bytes(path);
                if (avail != UINT64_MAX && need > avail) {
                    char a[32], b[32];
                    sd_format_bytes((double)need, a, sizeof a);
                    sd_format_bytes((double)avail, b, sizeof b);
                    code = SD_ERR_IO;
                    snprintf(msg, sizeof msg,
                             "%.900s: the result file needs about %s, but only %s are free "
                             "there; free some space or write elsewhere",
                             path, a, b);
                }
            }
        }
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code != SD_OK) {
        MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm);
        return sd_error(code, "%s", msg);
    }
    return SD_OK;
}

static void sd_now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int sd_results_root_attrs(sd_results *r, MPI_Comm comm, const sd_sweep *s,
                                 const sd_layout *l)
{
    int rc = SD_OK;
    char created[32], digest[17], mpiver[MPI_MAX_LIBRARY_VERSION_STRING], h5ver[64];
    int len = 0, rank;
    unsigned maj, min, rel;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) sd_now_iso(created);
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, comm);
    MPI_Get_library_version(mpiver, &len);
    /* Keep the first line: the rest varies with build details. */
    char *nl = strchr(mpiver, '\n');
    if (nl) *nl = '\0';
    MPI_Bcast(mpiver, sizeof mpiver, MPI_CHAR, 0, comm);
    H5get_libversion(&maj, &min, &rel);
    snprintf(h5ver, sizeof h5ver, "%u.%u.%u", maj, min, rel);
    sd_results_digest(s, l, digest);
    hid_t f = r->file;
    H5TRY(sd_attr_str(f, "format", "sendrift-results"), "writing attribute format");
    H5TRY(sd_attr_int(f, "format_version", SD_FORMAT_VERSION), "writing format_version");
    H5TRY(sd_attr_str(f, "sendrift_version", SD_VERSION), "writing sendrift_version");
    H5TRY(sd_attr_str(f, "git_commit", SD_GIT_COMMIT), "writing git_commit");
    H5TRY(sd_attr_str(f, "sweep_text", s->text), "writing sweep_text");
    H5TRY(sd_attr_str(f, "sweep_source", s->source), "writing sweep_source");
    H5TRY(sd_attr_str(f, "sweep_name", s->name), "writing sweep_name");
    H5TRY(sd_attr_str(f, "model", s->model->name), "writing model");
    H5TRY(sd_attr_u64(f, "seed", s->seed), "writing seed");
    H5TRY(sd_attr_str(f, "mpi_version", mpiver), "writing mpi_version");
    H5TRY(sd_attr_str(f, "hdf5_version", h5ver), "writing hdf5_version");
    H5TRY(sd_attr_str(f, "created", created), "writing created");
    H5TRY(sd_attr_str(f, "design_digest", digest), "writing design_digest");
    H5TRY(sd_attr_u64(f, "shard_index", r->shard_i), "writing shard_index");
    H5TRY(sd_attr_u64(f, "shard_count", r->shard_n), "writing shard_count");
    H5TRY(sd_attr_u64(f, "runs_total", r->n_runs), "writing runs_total");
done:
    return rc;
}

/* /design: params, unit, point, replicate, choices, attributes.  Rows are
 * split evenly over the ranks and written collectively. */
static int sd_results_design(sd_results *r, MPI_Comm comm, const sd_sweep *s,
                             const sd_design *d)
{
    int rc = SD_OK, rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    uint64_t runs = r->n_rows;
    size_t D = sd_design_dim(d);
    hid_t g = -1, dp = -1, du = -1, dpt = -1, drep = -1, drun = -1, gc = -1;
    double *x = NULL, *u = NULL;
    uint64_t *pt = NULL, *rep = NULL, *rid = NULL;
    const char **names = NULL, **units = NULL, **kinds = NULL, **scales = NULL;
    double *lower = NULL, *upper = NULL;

    H5TRY(g = sd_group(r->file, "design", "the design: run id -> parameters"), "creating /design");
    H5TRY(sd_attr_str(g, "type", sd_design_type_name(s->design.type)), "writing /design attributes");
    H5TRY(sd_attr_u64(g, "dim", D), "writing /design attributes");
    H5TRY(sd_attr_u64(g, "points", sd_design_points(d)), "writing /design attributes");
    H5TRY(sd_attr_u64(g, "replicates", s->replicates), "writing /design attributes");
    H5TRY(sd_attr_u64(g, "runs", runs), "writing /design attributes");
    switch (s->design.type) {
    case SD_DESIGN_SOBOL:
        H5TRY(sd_attr_u64(g, "samples", s->design.samples), "writing /design attributes");
        H5TRY(sd_attr_int(g, "second_order", s->design.second_order), "writing /design attributes");
        H5TRY(sd_attr_u64(g, "skip", s->design.skip), "writing /design attributes");
        break;
    case SD_DESIGN_MORRIS:
        H5TRY(sd_attr_u64(g, "trajectories", s->design.trajectories), "writing /design attributes");
        H5TRY(sd_attr_u64(g, "levels", s->design.levels), "writing /design attributes");
        break;
    case SD_DESIGN_LHS:
    case SD_DESIGN_RANDOM:
        H5TRY(sd_attr_u64(g, "samples", s->design.samples), "writing /design attributes");
        break;
    default:
        break;
    }

    hsize_t dims2[2] = {runs, D}, dims1[1] = {runs};
    double nan = NAN;
    H5TRY(dp = sd_dataset(g, "params", H5T_IEEE_F64LE, 2, dims2, &nan, NULL,
                          "parameter vector of each run (a categorical parameter holds its "
                          "choice index)"),
          "creating /design/params");
    H5TRY(du = sd_dataset(g, "unit", H5T_IEEE_F64LE, 2, dims2, &nan, "1",
                          "coordinates of each run's point in the unit cube"),
          "creating /design/unit");
    H5TRY(dpt = sd_dataset(g, "point", H5T_STD_U64LE, 1, dims1, NULL, "1",
                           "design point of each run"),
          "creating /design/point");
    H5TRY(drep = sd_dataset(g, "replicate", H5T_STD_U64LE, 1, dims1, NULL, "1",
                            "replicate of each run"),
          "creating /design/replicate");
    H5TRY(drun = sd_dataset(g, "run", H5T_STD_U64LE, 1, dims1, NULL, "1",
                            "run id of each row (the row itself, except in a shard file)"),
          "creating /design/run");

    names = sd_calloc(D + 1, sizeof *names, "parameter names");
    units = sd_calloc(D + 1, sizeof *units, "parameter units");
    kinds = sd_calloc(D + 1, sizeof *kinds, "parameter kinds");
    scales = sd_calloc(D + 1, sizeof *scales, "parameter scales");
    lower = sd_calloc(D + 1, sizeof *lower, "parameter bounds");
    upper = sd_calloc(D + 1, sizeof *upper, "parameter bounds");
    if (!names || !units || !kinds || !scales || !lower || !upper) {
        rc = SD_ERR_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < D; k++) {
        const sd_axis *a = &s->axes[k];
        names[k] = a->name;
        units[k] = a->def.unit ? a->def.unit : "1";
        kinds[k] = sd_axis_kind_name(a->kind);
        scales[k] = a->kind == SD_AXIS_RANGE ? (a->log ? "log" : "lin") : "";
        if (a->kind == SD_AXIS_RANGE) {
            lower[k] = a->min;
            upper[k] = a->max;
        } else if (a->kind == SD_AXIS_CHOICES) {
            lower[k] = 0;
            upper[k] = (double)a->n_values - 1;
        } else {
            lower[k] = upper[k] = a->values[0];
            for (size_t j = 1; j < a->n_values; j++) {
                if (a->values[j] < lower[k]) lower[k] = a->values[j];
                if (a->values[j] > upper[k]) upper[k] = a->values[j];
            }
        }
    }
    H5TRY(sd_attr_strs(dp, "names", names, D), "writing /design/params names");
    H5TRY(sd_attr_strs(dp, "units", units, D), "writing /design/params units");
    H5TRY(sd_attr_strs(dp, "kinds", kinds, D), "writing /design/params kinds");
    H5TRY(sd_attr_strs(dp, "scales", scales, D), "writing /design/params scales");
    H5TRY(sd_attr_doubles(dp, "lower", lower, D), "writing /design/params lower");
    H5TRY(sd_attr_doubles(dp, "upper", upper, D), "writing /design/params upper");

    int any_choices = 0;
    for (size_t k = 0; k < D; k++) any_choices |= s->axes[k].kind == SD_AXIS_CHOICES;
    if (any_choices) {
        H5TRY(gc = sd_group(g, "choices", "the choices of each categorical parameter, in index order"),
              "creating /design/choices");
        for (size_t k = 0; k < D; k++) {
            const sd_axis *a = &s->axes[k];
            if (a->kind != SD_AXIS_CHOICES) continue;
            /* Fixed-length strings: MPI-IO cannot write variable-length data. */
            size_t width = 1;
            for (size_t j = 0; j < a->n_values; j++)
                if (strlen(a->choices[j]) + 1 > width) width = strlen(a->choices[j]) + 1;
            char *buf = sd_calloc(a->n_values, width, "categorical choices");
            if (!buf) {
                rc = SD_ERR_NOMEM;
                goto done;
            }
            for (size_t j = 0; j < a->n_values; j++)
                memcpy(buf + j * width, a->choices[j], strlen(a->choices[j]));
            hid_t t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, width);
            H5Tset_strpad(t, H5T_STR_NULLPAD);
            H5Tset_cset(t, H5T_CSET_UTF8);
            hsize_t n = a->n_values;
            hid_t sp = H5Screate_simple(1, &n, NULL);
            hid_t dc = H5Dcreate2(gc, a->name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            herr_t st = dc < 0 ? -1 : sd_attr_meta(dc, "1", "choices of a categorical parameter");
            hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
            H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
            if (st >= 0) st = H5Dwrite(dc, t, H5S_ALL, H5S_ALL, dxpl, buf);
            H5Pclose(dxpl);
            if (dc >= 0) H5Dclose(dc);
            H5Sclose(sp);
            H5Tclose(t);
            free(buf);
            H5TRY(st, "writing /design/choices");
        }
    }

    /* This rank's block of rows. */
    uint64_t per = runs / (uint64_t)size, extra = runs % (uint64_t)size;
    uint64_t r0 = (uint64_t)rank * per + ((uint64_t)rank < extra ? (uint64_t)rank : extra);
    uint64_t nr = per + ((uint64_t)rank < extra ? 1 : 0);
    x = sd_calloc(nr * D + 1, sizeof *x, "design rows");
    u = sd_calloc(nr * D + 1, sizeof *u, "design rows");
    pt = sd_calloc(nr + 1, sizeof *pt, "design rows");
    rep = sd_calloc(nr + 1, sizeof *rep, "design rows");
    rid = sd_calloc(nr + 1, sizeof *rid, "design rows");
    int local = (x && u && pt && rep && rid) ? SD_OK : SD_ERR_NOMEM;
    for (uint64_t i = 0; i < nr && local == SD_OK; i++) {
        rid[i] = sd_row_run(r, r0 + i);
        sd_design_split(d, rid[i], &pt[i], &rep[i]);
        local = sd_design_point(d, pt[i], x + i * D);
        if (local == SD_OK) local = sd_design_unit(d, pt[i], u + i * D);
    }
    int agreed;
    MPI_Allreduce(&local, &agreed, 1, MPI_INT, MPI_MAX, comm);
    if (agreed != SD_OK) {
        rc = local != SD_OK ? local : sd_error(agreed, "computing the design failed on another rank");
        goto done;
    }
    /* A sweep without parameters (replicates of the defaults) has columns
     * of width 0: nothing to write there. */
    if (D > 0) {
        H5TRY(sd_write_rows_coll(dp, H5T_NATIVE_DOUBLE, r0, nr, D, 2, x), "writing /design/params");
        H5TRY(sd_write_rows_coll(du, H5T_NATIVE_DOUBLE, r0, nr, D, 2, u), "writing /design/unit");
    }
    H5TRY(sd_write_rows_coll(dpt, H5T_NATIVE_UINT64, r0, nr, 1, 1, pt), "writing /design/point");
    H5TRY(sd_write_rows_coll(drep, H5T_NATIVE_UINT64, r0, nr, 1, 1, rep),
          "writing /design/replicate");
    H5TRY(sd_write_rows_coll(drun, H5T_NATIVE_UINT64, r0, nr, 1, 1, rid), "writing /design/run");
done:
    free(x);
    free(u);
    free(pt);
    free(rep);
    free(rid);
    free(names);
    free(units);
    free(kinds);
    free(scales);
    free(lower);
    free(upper);
    if (gc >= 0) H5Gclose(gc);
    if (dp >= 0) H5Dclose(dp);
    if (du >= 0) H5Dclose(du);
    if (dpt >= 0) H5Dclose(dpt);
    if (drep >= 0) H5Dclose(drep);
    if (drun >= 0) H5Dclose(drun);
    if (g >= 0) H5Gclose(g);
    return rc;
}

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

static int sd_results_outputs(sd_results *r, const sd_sweep *s, const sd_layout *l)
{
    int rc = SD_OK;
    hid_t gr = -1, gt = -1, gs = -1, dtime = -1;
    hsize_t runs = r->n_rows;
    double nan = NAN;
    uint8_t pending = SD_RUN_PENDING;
    int minus1 = -1;

    H5TRY(gr = sd_group(r->file, "runs", "what happened to each run"), "creating /runs");
    H5TRY(r->d_status = sd_dataset(gr, "status", r->status_type, 1, &runs, &pending, "1",
                                   "PENDING, DONE or FAILED; written last for each run"),
          "creating /runs/status");
    H5TRY(r->d_message = sd_dataset(gr, "message", r->message_type, 1, &runs, NULL, "1",
                                    "why a run failed (empty otherwise)"),
          "creating /runs/message");
    H5TRY(r->d_wall = sd_dataset(gr, "wall_seconds", H5T_IEEE_F64LE, 1, &runs, &nan, "s",
                                 "wall-clock time of the run"),
          "creating /runs/wall_seconds");
    H5TRY(r->d_group = sd_dataset(gr, "group", H5T_STD_I32LE, 1, &runs, &minus1, "1",
                                  "worker group that ran it (-1: not run)"),
          "creating /runs/group");
    H5TRY(r->d_attempts = sd_dataset(gr, "attempts", H5T_STD_U32LE, 1, &runs, NULL, "1",
                                     "how often the run was tried (--retry, --resume)"),
          "creating /runs/attempts");

    rc = sd_results_handles(r, s, l);
    if (rc != SD_OK) goto done;

    H5TRY(gt = sd_group(r->file, "timeseries", "metrics at each output time"),
          "creating /timeseries");
    if (r->n_series > 0 && l->n_times > 0) {
        hsize_t nt = l->n_times;
        H5TRY(dtime = sd_dataset(gt, "time", H5T_IEEE_F64LE, 1, &nt, NULL, l->time_unit,
                                 "output times"),
              "creating /timeseries/time");
        /* The times are the same on every rank: write them collectively. */
        H5TRY(sd_write_rows_coll(dtime, H5T_NATIVE_DOUBLE, 0, nt, 1, 1, l->times),
              "writing /timeseries/time");
        H5TRY(H5DSset_scale(dtime, "time"), "making /timeseries/time a dimension scale");
        hsize_t dims[2] = {runs, nt};
        for (size_t i = 0; i < r->n_series; i++) {
            char what[256];
            snprintf(what, sizeof what, "creating /timeseries/%s", l->series[i].name);
            H5TRY(r->d_series[i] = sd_dataset(gt, l->series[i].name, H5T_IEEE_F64LE, 2, dims,
                                              &nan, l->series[i].unit,
                                              l->series[i].description),
                  what);
            H5TRY(H5DSattach_scale(r->d_series[i], dtime, 1), what);
        }
    } else {
        r->n_series = 0;
    }
    H5TRY(gs = sd_group(r->file, "summary", "scalars at the end of each run"),
          "creating /summary");
    for (size_t i = 0; i < r->n_summary; i++) {
        char what[256];
        snprintf(what, sizeof what, "creating /summary/%s", l->summary[i].name);
        H5TRY(r->d_summary[i] = sd_dataset(gs, l->summary[i].name, H5T_IEEE_F64LE, 1, &runs,
                                           &nan, l->summary[i].unit,
                                           l->summary[i].description),
              what);
    }
done:
    if (dtime >= 0) H5Dclose(dtime);
    if (gs >= 0) H5Gclose(gs);
    if (gt >= 0) H5Gclose(gt);
    if (gr >= 0) H5Gclose(gr);
    return rc;
}

int sd_results_snapshot_indices(const sd_sweep *s, const sd_layout *l, size_t *idx)
{
    for (size_t i = 0; i < s->n_snap_times; i++) {
        double t = s->snap_times[i];
        size_t k;
        for (k = 0; k < l->n_times; k++)
            if (fabs(l->times[k] - t) <= 1e-9 * fmax(1.0, fabs(t))) break;
        if (k == l->n_times)
            return sd_error(SD_ERR_INPUT,
                            "%s: output.snapshots.times: %g is not an output time of the run "
                            "(%zu times from %g to %g %s)",
                            s->source, t, l->n_times, l->n_times ? l->times[0] : 0.0,
                            l->n_times ? l->times[l->n_times - 1] : 0.0, l->time_unit);
        idx[i] = k;
    }
    return SD_OK;
}

static void sd_snap_dims(const sd_results *r, hsize_t dims[3], int *rank)
{
    *rank = r->snap_dim;
    if (r->snap_dim == 3) {
        dims[0] = (hsize_t)r->snap_n[2];
        dims[1] = (hsize_t)r->snap_n[1];
        dims[2] = (hsize_t)r->snap_n[0];
    } else {
        dims[0] = (hsize_t)r->snap_n[1];
        dims[1] = (hsize_t)r->snap_n[0];
    }
}

/* /snapshots/run_<id>/t_<k>/<field>, all created now, filled with NaN (255
 * for the kind) until the run writes them. */
static int sd_results_snapshots(sd_results *r, const sd_sweep *s, const sd_layout *l)
{
    int rc = SD_OK;
    hid_t gs = -1;
    size_t *idx = NULL;
    r->n_snapfields = l->n_snapfields;
    r->snapfields = l->snapfields;
    r->snap_dim = l->snap_dim;
    memcpy(r->snap_n, l->snap_n, sizeof r->snap_n);
    if (!s->n_snap_runs || !l->n_snapfields) return SD_OK;
    idx = sd_calloc(s->n_snap_times, sizeof *idx, "snapshot times");
    if (!idx) return SD_ERR_NOMEM;
    rc = sd_results_snapshot_indices(s, l, idx);
    if (rc != SD_OK) goto done;
    H5TRY(gs = sd_group(r->file, "snapshots", "whole-lattice fields of chosen runs at chosen times"),
          "creating /snapshots");
    H5TRY(sd_attr_int(gs, "dim", l->snap_dim), "writing /snapshots attributes");
    {
        double n3[3] = {l->snap_n[0], l->snap_n[1], l->snap_n[2]};
        H5TRY(sd_attr_doubles(gs, "cells_xyz", n3, 3), "writing /snapshots attributes");
    }
    H5TRY(sd_attr_doubles(gs, "dx", &l->snap_dx, 1), "writing /snapshots attributes");
    H5TRY(sd_attr_str(gs, "dx_units", "um"), "writing /snapshots attributes");
    H5TRY(sd_attr_str(gs, "layout", l->snap_dim == 3 ? "z, y, x" : "y, x"),
          "writing /snapshots attributes");
    hsize_t dims[3];
    int rank;
    sd_snap_dims(r, dims, &rank);
    double nan = NAN;
    uint8_t none = 255;
    for (size_t i = 0; i < s->n_snap_runs; i++) {
        char name[64];
        if (s->snap_runs[i] % r->shard_n != r->shard_i) continue;
        snprintf(name, sizeof name, "run_%llu", (unsigned long long)s->snap_runs[i]);
        hid_t gr = sd_group(gs, name, "snapshots of one run");
        H5TRY(gr, "creating a snapshot group");
        herr_t st = sd_attr_u64(gr, "run", s->snap_runs[i]);
        for (size_t j = 0; j < s->n_snap_times && st >= 0; j++) {
            char tn[32];
            snprintf(tn, sizeof tn, "t_%zu", idx[j]);
            hid_t gt = sd_group(gr, tn, "the lattice at one output time");
            if (gt < 0) {
                st = -1;
                break;
            }
            st = sd_attr_doubles(gt, "time", &l->times[idx[j]], 1);
            if (st >= 0) st = sd_attr_u64(gt, "run", s->snap_runs[i]);
            if (st >= 0) st = sd_attr_u64(gt, "output_index", idx[j]);
            for (size_t f = 0; f < l->n_snapfields && st >= 0; f++) {
                const sd_snapfield_def *sf = &l->snapfields[f];
                int u8 = sf->type == SD_SNAP_U8;
                hid_t d = sd_dataset(gt, sf->name, u8 ? H5T_STD_U8LE : H5T_IEEE_F64LE, rank, dims,
                                     u8 ? (const void *)&none : (const void *)&nan, sf->unit,
                                     sf->description);
                if (d < 0)
                    st = -1;
                else
                    H5Dclose(d);
            }
            H5Gclose(gt);
        }
        H5Gclose(gr);
        H5TRY(st, "creating the snapshot datasets");
    }
done:
    free(idx);
    if (gs >= 0) H5Gclose(gs);
    return rc;
}

int sd_results_snapshot_open(sd_results *r, uint64_t run, size_t k, sd_snapshot **out)
{
    int rc = SD_OK;
    *out = NULL;
    sd_snapshot *w = sd_calloc(1, sizeof *w, "a snapshot");
    if (!w) return SD_ERR_NOMEM;
    w->r = r;
    w->n = r->n_snapfields;
    w->d = sd_calloc(w->n + 1, sizeof(hid_t), "snapshot datasets");
    if (!w->d) {
        free(w);
        return SD_ERR_NOMEM;
    }
    for (size_t f = 0; f < w->n; f++) w->d[f] = -1;
    for (size_t f = 0; f < w->n; f++) {
        char name[256];
        snprintf(name, sizeof name, "snapshots/run_%llu/t_%zu/%s", (unsigned long long)run, k,
                 r->snapfields[f].name);
        w->d[f] = H5Dopen2(r->file, name, H5P_DEFAULT);
        H5TRY(w->d[f], "opening a snapshot dataset");
    }
done:
    if (rc != SD_OK) {
        sd_results_snapshot_close(&w);
        return rc;
    }
    *out = w;
    return SD_OK;
}

int sd_results_snapshot_close(sd_snapshot **wp)
{
    sd_snapshot *w = *wp;
    *wp = NULL;
    if (!w) return SD_OK;
    for (size_t f = 0; f < w->n; f++)
        if (w->d[f] >= 0) H5Dclose(w->d[f]);
    free(w->d);
    free(w);
    return SD_OK;
}

int sd_snapshot_write(sd_snapshot *w, size_t field, const void *data, const int lo[3],
                      const int ln[3], const int gn[3])
{
    sd_results *r = w->r;
    int rc = SD_OK;
    if (field >= w->n)
        return sd_error(SD_ERR_INTERNAL, "snapshot field %zu of %zu", field, w->n);
    int rank = r->snap_dim;
    hsize_t mdims[3], moff[3], fstart[3], count[3];
    /* Axes in storage order: (z,) y, x. */
    for (int i = 0; i < rank; i++) {
        int a = rank - 1 - i;
        mdims[i] = (hsize_t)gn[a];
        moff[i] = gn[a] > ln[a] ? 1 : 0;
        fstart[i] = (hsize_t)lo[a];
        count[i] = (hsize_t)ln[a];
    }
    hid_t mem = H5Screate_simple(rank, mdims, NULL);
    hid_t fsp = H5Dget_space(w->d[field]);
    herr_t st = (mem < 0 || fsp < 0) ? -1 : 0;
    if (st >= 0) st = H5Sselect_hyperslab(mem, H5S_SELECT_SET, moff, NULL, count, NULL);
    if (st >= 0) st = H5Sselect_hyperslab(fsp, H5S_SELECT_SET, fstart, NULL, count, NULL);
    hid_t mt = r->snapfields[field].type == SD_SNAP_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_DOUBLE;
    if (st >= 0) st = H5Dwrite(w->d[field], mt, mem, fsp, H5P_DEFAULT, data);
    if (mem >= 0) H5Sclose(mem);
    if (fsp >= 0) H5Sclose(fsp);
    H5TRY(st, "writing a snapshot tile");
done:
    return rc;
}

/* text with XML's five special characters escaped, for an attribute value
 * or element text; "--" is broken up too, so it may stand in a comment. */
static void sd_xml_escape(FILE *f, const char *text)
{
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '-': fputs(c[1] == '-' ? "-&#45;" : "-", f); c += c[1] == '-'; break;
        default: fputc(*c, f);
        }
    }
}

void sd_results_xdmf_name(const char *path, char *xmf, size_t n)
{
    snprintf(xmf, n, "%s", path);
    char *dot = strrchr(xmf, '.');
    char *slash = strrchr(xmf, '/');
    if (dot && (!slash || dot > slash)) *dot = '\0';
    strncat(xmf, ".xmf", n - strlen(xmf) - 1);
}

/* The XDMF text for the result file path, so that ParaView and VisIt open the
 * snapshots: one temporal collection per run, cell-centred attributes.  NULL
 * in *out when the sweep has no snapshots. */
static int sd_results_xdmf_text(const char *path, const sd_sweep *s, const sd_layout *l,
                                char **out)
{
    *out = NULL;
    if (!s->n_snap_runs || !l->n_snapfields) return SD_OK;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t *idx = sd_calloc(s->n_snap_times, sizeof *idx, "snapshot times");
    if (!idx) return SD_ERR_NOMEM;
    int rc = sd_results_snapshot_indices(s, l, idx);
    size_t len = 0;
    FILE *f = rc == SD_OK ? open_memstream(out, &len) : NULL;
    if (rc == SD_OK && !f) rc = sd_error(SD_ERR_NOMEM, "out of memory for the XDMF file");
    if (f) {
        int three = l->snap_dim == 3;
        char pts[96], cells[96], org[64], spc[96];
        if (three) {
            snprintf(pts, sizeof pts, "%d %d %d", l->snap_n[2] + 1, l->snap_n[1] + 1, l->snap_n[0] + 1);
            snprintf(cells, sizeof cells, "%d %d %d", l->snap_n[2], l->snap_n[1], l->snap_n[0]);
            snprintf(org, sizeof org, "0 0 0");
            snprintf(spc, sizeof spc, "%.17g %.17g %.17g", l->snap_dx, l->snap_dx, l->snap_dx);
        } else {
            snprintf(pts, sizeof pts, "%d %d", l->snap_n[1] + 1, l->snap_n[0] + 1);
            snprintf(cells, sizeof cells, "%d %d", l->snap_n[1], l->snap_n[0]);
            snprintf(org, sizeof org, "0 0");
            snprintf(spc, sizeof spc, "%.17g %.17g", l->snap_dx, l->snap_dx);
        }
        fprintf(f, "<?xml version=\"1.0\" ?>\n<!-- written by sendrift for ");
        sd_xml_escape(f, base);
        fprintf(f, ": the snapshots of ");
        sd_xml_escape(f, s->name);
        fprintf(f, "; open this file in ParaView or VisIt -->\n");
        fprintf(f, "<Xdmf Version=\"3.0\">\n <Domain>\n");
        for (size_t i = 0; i < s->n_snap_runs; i++) {
            unsigned long long run = (unsigned long long)s->snap_runs[i];
            fprintf(f, "  <Grid Name=\"run_%llu\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", run);
            for (size_t j = 0; j < s->n_snap_times; j++) {
                fprintf(f, "   <Grid Name=\"run_%llu_t_%zu\" GridType=\"Uniform\">\n", run, idx[j]);
                fprintf(f, "    <Time Value=\"%.17g\"/>\n", l->times[idx[j]]);
                fprintf(f, "    <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n",
                        three ? "3DCoRectMesh" : "2DCoRectMesh", pts);
                fprintf(f, "    <Geometry GeometryType=\"%s\">\n", three ? "ORIGIN_DXDYDZ" : "ORIGIN_DXDY");
                fprintf(f, "     <DataItem Format=\"XML\" Dimensions=\"%d\">%s</DataItem>\n",
                        l->snap_dim, org);
                fprintf(f, "     <DataItem Format=\"XML\" Dimensions=\"%d\">%s</DataItem>\n",
                        l->snap_dim, spc);
                fprintf(f, "    </Geometry>\n");
                for (size_t k = 0; k < l->n_snapfields; k++) {
                    const sd_snapfield_def *sf = &l->snapfields[k];
                    int u8 = sf->type == SD_SNAP_U8;
                    fprintf(f, "    <Attribute Name=\"");
                    sd_xml_escape(f, sf->name);
                    fprintf(f, "\" AttributeType=\"Scalar\" Center=\"Cell\">\n");
                    fprintf(f, "     <DataItem Format=\"HDF\" NumberType=\"%s\" Precision=\"%d\" "
                               "Dimensions=\"%s\">",
                            u8 ? "UChar" : "Float", u8 ? 1 : 8, cells);
                    sd_xml_escape(f, base);
                    fprintf(f, ":/snapshots/run_%llu/t_%zu/", run, idx[j]);
                    sd_xml_escape(f, sf->name);
                    fprintf(f, "</DataItem>\n    </Attribute>\n");
                }
                fprintf(f, "   </Grid>\n");
            }
            fprintf(f, "  </Grid>\n");
        }
        fprintf(f, " </Domain>\n</Xdmf>\n");
        if (fclose(f) != 0) rc = sd_error(SD_ERR_NOMEM, "out of memory for the XDMF file");
    }
    free(idx);
    if (rc != SD_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Write the XDMF text (if any) beside the result file path (rank 0). */
static int sd_results_xdmf_write(const char *path, const char *text)
{
    if (!text) return SD_OK;
    char xmf[4200];
    sd_results_xdmf_name(path, xmf, sizeof xmf);
    FILE *f = fopen(xmf, "w");
    if (!f) return sd_error(SD_ERR_IO, "%s: cannot write: %s", xmf, strerror(errno));
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    if (fclose(f) != 0 || bad) return sd_error(SD_ERR_IO, "%s: write failed: %s", xmf, strerror(errno));
    return SD_OK;
}

static void sd_results_free(sd_results *r)
{
    if (!r) return;
    if (r->d_series)
        for (size_t i = 0; i < r->n_series; i++)
            if (r->d_series[i] >= 0) H5Dclose(r->d_series[i]);
    if (r->d_summary)
        for (size_t i = 0; i < r->n_summary; i++)
            if (r->d_summary[i] >= 0) H5Dclose(r->d_summary[i]);
    hid_t ds[] = {r->d_status, r->d_message, r->d_wall, r->d_group, r->d_attempts};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++)
        if (ds[i] >= 0) H5Dclose(ds[i]);
    if (r->status_type >= 0) H5Tclose(r->status_type);
    if (r->message_type >= 0) H5Tclose(r->message_type);
    free(r->d_series);
    free(r->d_summary);
    free(r->path);
    free(r->temp);
    free(r->xdmf);
    free(r);
}

/* A result-file object with no HDF5 handles yet (NULL: out of memory). */
static sd_results *sd_results_new(const char *path, uint64_t n_runs)
{
    sd_results *r = sd_calloc(1, sizeof *r, "result file");
    if (!r) return NULL;
    r->file = r->status_type = r->message_type = -1;
    r->d_status = r->d_message = r->d_wall = r->d_group = r->d_attempts = -1;
    r->n_runs = n_runs;
    r->path = sd_strdup(path);
    if (!r->path) {
        free(r);
        return NULL;
    }
    return r;
}

/* The message type and MPI-IO file access shared by create and open. */
static int sd_results_access(sd_results *r, MPI_Comm comm, hid_t *fapl)
{
    int rc = SD_OK;
    H5TRY(r->message_type = H5Tcopy(H5T_C_S1), "creating the message type");
    H5TRY(H5Tset_size(r->message_type, SD_RUN_MESSAGE_LEN), "creating the message type");
    H5TRY(H5Tset_strpad(r->message_type, H5T_STR_NULLTERM), "creating the message type");
    H5TRY(*fapl = H5Pcreate(H5P_FILE_ACCESS), "creating file access properties");
    H5TRY(H5Pset_fapl_mpio(*fapl, comm, MPI_INFO_NULL), "selecting MPI-IO");
    /* Metadata writes collective; reads independent, since one group
     * opens a run's snapshot datasets on its own. */
    H5TRY(H5Pset_coll_metadata_write(*fapl, 1), "setting collective metadata writes");
done:
    return rc;
}

int sd_results_create(const char *path, MPI_Comm comm, const sd_sweep *s,
                      const sd_design *d, const sd_layout *l,
                      const sd_results_opts *opts, sd_results **out)
{
    int rc = SD_OK, rank;
    hid_t fapl = -1, fcpl = -1;
    char partial[4200] = "";
    *out = NULL;
    MPI_Comm_rank(comm, &rank);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    uint64_t runs = sd_design_runs(d), rows = sd_results_rows(runs, opts);
    double need = (double)sd_results_estimate_bytes(s, d, l) * (runs ? (double)rows / (double)runs : 1.0);
    SD_CALL(sd_results_precheck(path, comm, opts && opts->force, (uint64_t)need));

    sd_results *r = sd_results_new(path, runs);
    if (!r) return SD_ERR_NOMEM;
    sd_results_set_shard(r, opts);
    H5TRY(r->status_type = H5Tenum_create(H5T_NATIVE_UINT8), "creating the status type");
    {
        uint8_t v0 = SD_RUN_PENDING, v1 = SD_RUN_DONE, v2 = SD_RUN_FAILED;
        H5TRY(H5Tenum_insert(r->status_type, "PENDING", &v0), "creating the status type");
        H5TRY(H5Tenum_insert(r->status_type, "DONE", &v1), "creating the status type");
        H5TRY(H5Tenum_insert(r->status_type, "FAILED", &v2), "creating the status type");
    }
    rc = sd_results_access(r, comm, &fapl);
    if (rc != SD_OK) goto done;
    /* Dense attribute storage, so that a long sweep file fits in an attribute. */
    H5TRY(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110),
          "setting the file format version");
    H5TRY(fcpl = H5Pcreate(H5P_FILE_CREATE), "creating file creation properties");
    H5TRY(H5Pset_attr_phase_change(fcpl, 0, 0), "setting dense attribute storage");
    /* Build the file under a temporary name, so that a kill during set-up
     * never leaves a half-made file at path.  A new file is renamed to path
     * once set up (a killed sweep then resumes from it); one that replaces
     * an old file (--force) keeps its temporary name until the sweep ends,
     * so that the old file is kept until the new one is finished. */
    snprintf(partial, sizeof partial, "%s%s", path, SD_RESULTS_TEMP_SUFFIX);
    int replacing = 0;
    if (rank == 0) {
        struct stat st;
        replacing = stat(path, &st) == 0;
    }
    MPI_Bcast(&replacing, 1, MPI_INT, 0, comm);
    r->rank = rank;
    errno = 0;
    r->file = H5Fcreate(partial, H5F_ACC_TRUNC, fcpl, fapl);
    H5TRY(r->file, "creating the file");

    rc = sd_results_root_attrs(r, comm, s, l);
    if (rc == SD_OK) rc = sd_results_design(r, comm, s, d);
    if (rc == SD_OK) rc = sd_results_outputs(r, s, l);
    if (rc == SD_OK) rc = sd_results_snapshots(r, s, l);
    if (rc == SD_OK) rc = sd_results_flush(r);
    if (rc == SD_OK && rank == 0) rc = sd_results_xdmf_text(path, s, l, &r->xdmf);
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
done:
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    /* Agree: a failure on any rank fails the creation on all. */
    int agreed;
    MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MAX, comm);
    if (agreed != SD_OK) {
        if (rc == SD_OK) rc = sd_error(agreed, "%s: creating the file failed on another rank", path);
        hid_t f = r->file;
        sd_results_free(r);
        if (f >= 0) H5Fclose(f);
        if (rank == 0 && partial[0]) unlink(partial);
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

/* A variable-length string attribute, copied into buf ("" when absent). */
herr_t sd_attr_read_str(hid_t obj, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *v = NULL;
    herr_t st = H5Aread(a, t, &v);
    if (st >= 0 && v) {
        snprintf(buf, n, "%s", v);
        H5free_memory(v);
    }
    H5Tclose(t);
    H5Aclose(a);
    return st;
}

herr_t sd_attr_read_u64(hid_t obj, const char *name, uint64_t *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t st = H5Aread(a, H5T_NATIVE_UINT64, v);
    H5Aclose(a);
    return st;
}

/* Rank 0 checks the file is there; every rank learns the answer. */
static int sd_results_precheck_open(const char *path, MPI_Comm comm)
{
    int rank, code = SD_OK;
    char msg[1200] = {0};
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        struct stat st;
        if (stat(path, &st) != 0) {
            code = SD_ERR_IO;
            snprintf(msg, sizeof msg, "%.900s: cannot resume: %s", path, strerror(errno));
        } else if (!S_ISREG(st.st_mode)) {
            code = SD_ERR_IO;
            snprintf(msg, sizeof msg, "%.900s: cannot resume: not a regular file", path);
        } else if (access(path, R_OK | W_OK) != 0) {
            code = SD_ERR_IO;
            snprintf(msg, sizeof msg, "%.900s: cannot resume: %s", path, strerror(errno));
        }
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code != SD_OK) {
        MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm);
        return sd_error(code, "%s", msg);
    }
    return SD_OK;
}

static int sd_results_open_outputs(sd_results *r, const sd_sweep *s, const sd_layout *l)
{
    int rc = SD_OK;
    char name[512];
    H5TRY(r->d_status = H5Dopen2(r->file, "runs/status", H5P_DEFAULT), "opening /runs/status");
    H5TRY(r->status_type = H5Dget_type(r->d_status), "reading the status type");
    H5TRY(r->d_message = H5Dopen2(r->file, "runs/message", H5P_DEFAULT), "opening /runs/message");
    H5TRY(r->d_wall = H5Dopen2(r->file, "runs/wall_seconds", H5P_DEFAULT),
          "opening /runs/wall_seconds");
    H5TRY(r->d_group = H5Dopen2(r->file, "runs/group", H5P_DEFAULT), "opening /runs/group");
    H5TRY(r->d_attempts = H5Dopen2(r->file, "runs/attempts", H5P_DEFAULT),
          "opening /runs/attempts");
    rc = sd_results_handles(r, s, l);
    if (rc != SD_OK) goto done;
    for (size_t i = 0; i < r->n_series; i++) {
        snprintf(name, sizeof name, "timeseries/%s", l->series[i].name);
        H5TRY(r->d_series[i] = H5Dopen2(r->file, name, H5P_DEFAULT), name);
    }
    for (size_t i = 0; i < r->n_summary; i++) {
        snprintf(name, sizeof name, "summary/%s", l->summary[i].name);
        H5TRY(r->d_summary[i] = H5Dopen2(r->file, name, H5P_DEFAULT), name);
    }
done:
    return rc;
}

/* Is the file at name (open as f) the result file of this sweep and shard?
 * path names the result file in messages. */
static int sd_results_verify(hid_t f, const char *name, const sd_sweep *s, const sd_layout *l,
                             const sd_results *r)
{
    char format[64], digest[64], want[17];
    uint64_t runs = 0;
    sd_attr_read_str(f, "format", format, sizeof format);
    if (strcmp(format, "sendrift-results") != 0)
        return sd_error(SD_ERR_INPUT, "%s: cannot resume: not a sendrift result file", name);
    sd_attr_read_str(f, "design_digest", digest, sizeof digest);
    sd_results_digest(s, l, want);
    if (strcmp(digest, want) != 0)
        return sd_error(SD_ERR_INPUT,
                        "%s: cannot resume: the file was made from a different design or "
                        "output layout (digest %s in the file, %s for %s): its runs would not "
                        "match; write to another file, or start over with --force",
                        name, digest[0] ? digest : "none", want, s->source);
    uint64_t si = 0, sn = 1;
    sd_attr_read_u64(f, "shard_index", &si);
    sd_attr_read_u64(f, "shard_count", &sn);
    if (si != r->shard_i || sn != r->shard_n)
        return sd_error(SD_ERR_INPUT,
                        "%s: cannot resume: the file holds shard %llu/%llu, not %llu/%llu", name,
                        (unsigned long long)si, (unsigned long long)sn,
                        (unsigned long long)r->shard_i, (unsigned long long)r->shard_n);
    hid_t g = H5Gopen2(f, "design", H5P_DEFAULT);
    herr_t st = g < 0 ? -1 : sd_attr_read_u64(g, "runs", &runs);
    if (g >= 0) H5Gclose(g);
    if (st < 0 || runs != r->n_rows)
        return sd_error(SD_ERR_INPUT, "%s: cannot resume: the file holds %llu runs, the sweep %llu",
                        name, (unsigned long long)runs, (unsigned long long)r->n_rows);
    return SD_OK;
}

/* Open name for this sweep (collective): read-only first, so that a file
 * that is refused is never written to, then for writing. */
static int sd_results_open_file(sd_results *r, const char *name, hid_t fapl, MPI_Comm comm,
                                const sd_sweep *s, const sd_layout *l)
{
    int rc = SD_OK;
    hid_t f = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    if (f < 0) {
        H5Eclear2(H5E_DEFAULT);
        rc = sd_error(SD_ERR_IO,
                      "%s: cannot resume: not a readable HDF5 file (was it cut short while "
                      "being created?); start over with --force",
                      name);
    } else {
        rc = sd_results_verify(f, name, s, l, r);
        if (H5Fclose(f) < 0 && rc == SD_OK) rc = sd_h5_error(name, "closing the file");
    }
    int agreed;
    MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MAX, comm);
    if (agreed != SD_OK) {
        if (rc == SD_OK) rc = sd_error(agreed, "%s: opening the file failed on another rank", name);
        return rc;
    }
    r->file = H5Fopen(name, H5F_ACC_RDWR, fapl);
    if (r->file < 0) return sd_h5_error(name, "opening the file for writing");
    return SD_OK;
}

int sd_results_open(const char *path, MPI_Comm comm, const sd_sweep *s, const sd_design *d,
                    const sd_layout *l, const sd_results_opts *opts, sd_results **out,
                    sd_results_state *state)
{
    uint8_t *st_rows = NULL;
    uint32_t *at_rows = NULL;
    int rc = SD_OK, rank;
    hid_t fapl = -1;
    *out = NULL;
    memset(state, 0, sizeof *state);
    MPI_Comm_rank(comm, &rank);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    sd_results *r = sd_results_new(path, sd_design_runs(d));
    if (!r) return SD_ERR_NOMEM;
    r->rank = rank;
    sd_results_set_shard(r, opts);
    rc = sd_results_access(r, comm, &fapl);
    if (rc != SD_OK) goto done;
    /* A replacement begun with --force and killed before it ended lives on
     * as PATH.partial: continue that one when it is a file of this sweep. */
    char temp[4200];
    snprintf(temp, sizeof temp, "%s%s", path, SD_RESULTS_TEMP_SUFFIX);
    int has_temp = 0;
    if (rank == 0) {
        struct stat st;
        has_temp = stat(temp, &st) == 0 && S_ISREG(st.st_mode) && access(temp, R_OK | W_OK) == 0;
    }
    MPI_Bcast(&has_temp, 1, MPI_INT, 0, comm);
    if (has_temp && sd_results_open_file(r, temp, fapl, comm, s, l) == SD_OK) {
        r->temp = sd_strdup(temp);
        if (!r->temp) {
            rc = SD_ERR_NOMEM;
            goto done;
        }
        if (rank == 0)
            fprintf(stderr, "sendrift: --resume: continuing %s, the unfinished replacement of "
                            "%s (begun with --force); it replaces %s when the sweep ends\n",
                    temp, path, path);
    } else {
        if (has_temp && rank == 0)
            fprintf(stderr, "sendrift: --resume: ignoring %s (%s)\n", temp, sd_error_message());
        rc = sd_results_precheck_open(path, comm);
        if (rc == SD_OK) rc = sd_results_open_file(r, path, fapl, comm, s, l);
        if (rc != SD_OK) goto done;
    }
    rc = sd_results_open_outputs(r, s, l);
    if (rc != SD_OK) goto done;
    r->n_snapfields = s->n_snap_runs ? l->n_snapfields : 0;
    r->snapfields = l->snapfields;
    r->snap_dim = l->snap_dim;
    memcpy(r->snap_n, l->snap_n, sizeof r->snap_n);
    state->n_runs = r->n_runs;
    state->status = sd_calloc(r->n_runs + 1, 1, "run status");
    state->attempts = sd_calloc(r->n_runs + 1, sizeof(uint32_t), "run attempts");
    st_rows = sd_calloc(r->n_rows + 1, 1, "run status");
    at_rows = sd_calloc(r->n_rows + 1, sizeof(uint32_t), "run attempts");
    if (!state->status || !state->attempts || !st_rows || !at_rows) {
        rc = SD_ERR_NOMEM;
        goto done;
    }
    if (r->n_rows) {
        H5TRY(H5Dread(r->d_status, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, st_rows),
              "reading /runs/status");
        H5TRY(H5Dread(r->d_attempts, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, at_rows),
              "reading /runs/attempts");
    }
    for (uint64_t k = 0; k < r->n_rows; k++) {
        state->status[sd_row_run(r, k)] = st_rows[k];
        state->attempts[sd_row_run(r, k)] = at_rows[k];
    }
    /* The XDMF beside the file is written anew (it may have been lost). */
    if (rank == 0) rc = sd_results_xdmf_text(path, s, l, &r->xdmf);
    if (rc == SD_OK && rank == 0 && !r->temp) rc = sd_results_xdmf_write(path, r->xdmf);
done:
    free(st_rows);
    free(at_rows);
    if (fapl >= 0) H5Pclose(fapl);
    int agreed;
    MPI_Allreduce(&rc, &agreed, 1, MPI_INT, MPI_MAX, comm);
    if (agreed != SD_OK) {
        if (rc == SD_OK) rc = sd_error(agreed, "%s: opening the file failed on another rank", path);
        hid_t f = r->file;
        sd_results_free(r);
        if (f >= 0) H5Fclose(f);
        sd_results_state_free(state);
        return rc;
    }
    *out = r;
    return SD_OK;
}

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
    H5TRY(sd_write_row(r->d_message, r->message_type, row, 1, 1, msg), what);
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
    sd_results_free(r);
    errno = 0;
    if (H5Fclose(f) < 0) rc = sd_h5_error(path ? path : "result file", "closing the file");
    if (temp && rank == 0) {
        if (rc == SD_OK && commit) {
            if (rename(temp, path) != 0)
                rc = sd_error(SD_ERR_IO, "%s: replacing it with %s failed: %s", path, temp,
                              strerror(errno));
            else
                rc = sd_results_xdmf_write(path, xdmf);
        }
    }
    free(path);
    free(temp);
    free(xdmf);
    return rc;
}

int sd_results_close(sd_results **rp) { return sd_results_finish(rp, 1); }

int sd_results_close_keep_old(sd_results **rp) { return sd_results_finish(rp, 0); }

const char *sd_results_temp_name(const sd_results *r) { return r ? r->temp : NULL; }
