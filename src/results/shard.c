/* sendrift: reading a result or shard file (see include/sendrift/shard.h).
 * The names of its datasets are the writer's own (resultsimpl.h). */
#include "sendrift/shard.h"

#include <stdio.h>
#include <stdlib.h>

#include "h5util.h"
#include "resultsimpl.h"
#include "sendrift/error.h"

struct sd_shard {
    char *path;
    hid_t file;
    hid_t message_type;       /* see sd_results_message_type               */
    int message_rank;         /* 2: (runs, message_len) characters; 1: one
                                 fixed-length string per run (format 2)     */
    sd_shard_info info;
};

void sd_results_read_info(hid_t f, sd_shard_info *info)
{
    info->shard_index = 0;
    info->shard_count = 1;
    info->rows = 0;
    /* An attribute that is absent, or unreadable, reads as its default:
     * the caller then refuses the file for what it lacks. */
    (void)sd_attr_read_str(f, SD_A_FORMAT, info->format, sizeof info->format);
    (void)sd_attr_read_str(f, SD_A_DIGEST, info->digest, sizeof info->digest);
    (void)sd_attr_read_u64(f, SD_A_SHARD_INDEX, &info->shard_index);
    (void)sd_attr_read_u64(f, SD_A_SHARD_COUNT, &info->shard_count);
    hid_t g = H5Gopen2(f, SD_G_DESIGN, H5P_DEFAULT);
    herr_t st = g < 0 ? -1 : sd_attr_read_u64(g, SD_A_ROWS, &info->rows);
    info->has_rows = sd_h5_close_into(st, g) >= 0;
    /* What failed above is told by the fields; HDF5's own record of it
     * would only be mistaken for the cause of a later failure. */
    (void)H5Eclear2(H5E_DEFAULT);
}

hid_t sd_shard_hid(const sd_shard *sh) { return sh->file; }

const char *sd_shard_path(const sd_shard *sh) { return sh->path; }

int sd_shard_open(const char *path, sd_shard **out)
{
    *out = NULL;
    /* The reader reports its own errors: HDF5 must not print its stack. */
    if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return sd_h5_error(path, "turning off HDF5's error printing");
    sd_shard *sh = sd_calloc(1, sizeof *sh, "a shard file");
    if (!sh) return SD_ERR_NOMEM;
    sh->message_type = -1;
    sh->path = sd_strdup(path);
    sh->file = sh->path ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (!sh->path) {
        free(sh);
        return SD_ERR_NOMEM;
    }
    if (sh->file < 0) {
        (void)H5Eclear2(H5E_DEFAULT); /* the message below says it all */
        sd_shard_close(&sh);
        return sd_error(SD_ERR_IO, "%s: cannot open it as an HDF5 file", path);
    }
    sd_results_read_info(sh->file, &sh->info);
    /* A file without /runs/message is refused by sd_shard_check_rows, which
     * says what it lacks; the type is needed only to read it. */
    hid_t d = H5Dopen2(sh->file, SD_D_MESSAGE, H5P_DEFAULT);
    sh->message_type = d < 0 ? -1 : sd_results_message_type(d, &sh->message_rank);
    herr_t st = sd_h5_close(d);
    if (d >= 0 && (sh->message_type < 0 || st < 0)) {
        int rc = sd_h5_error(path, "reading the type of /" SD_D_MESSAGE);
        sd_shard_close(&sh);
        return rc;
    }
    (void)H5Eclear2(H5E_DEFAULT);
    *out = sh;
    return SD_OK;
}

int sd_shard_close(sd_shard **shp)
{
    sd_shard *sh = *shp;
    *shp = NULL;
    if (!sh) return SD_OK;
    herr_t st = sd_h5_close_into(sd_h5_close(sh->message_type), sh->file);
    int rc = st < 0 ? sd_h5_error(sh->path, "closing the file") : SD_OK;
    free(sh->path);
    free(sh);
    return rc;
}

const sd_shard_info *sd_shard_get_info(const sd_shard *sh) { return &sh->info; }

uint64_t sd_shard_row_run(const sd_shard *sh, uint64_t row)
{
    return sh->info.shard_index + row * sh->info.shard_count;
}

/* The dataset name of the file has rank 1 (rows) or 2 (rows x ncols). */
static int sd_shard_check_dataset(sd_shard *sh, const char *name, uint64_t rows, int rank,
                                  hsize_t ncols)
{
    hid_t d = H5Dopen2(sh->file, name, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[2] = {0, 0};
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (nd >= 1 && nd <= 2 && H5Sget_simple_extent_dims(sp, dims, NULL) < 0) nd = -1;
    /* A failure in closing what was only looked at cannot change the
     * answer: the shape was read, or nd says it was not. */
    (void)sd_h5_close(sp);
    (void)sd_h5_close(d);
    (void)H5Eclear2(H5E_DEFAULT);
    if (d < 0)
        return sd_error(SD_ERR_INPUT, "%s: has no dataset %s: not a complete sendrift result file",
                        sh->path, name);
    if (nd != rank || dims[0] != rows || (rank == 2 && dims[1] != ncols))
        return sd_error(SD_ERR_INPUT, "%s: dataset %s has the wrong shape for %llu runs",
                        sh->path, name, (unsigned long long)rows);
    return SD_OK;
}

int sd_shard_check_rows(sd_shard *sh, const sd_layout *l, int timeseries, uint64_t rows)
{
    static const char *const runs[] = {SD_D_STATUS, SD_D_ATTEMPTS, SD_D_GROUP, SD_D_WALL};
    int rc = SD_OK;
    char name[256];
    for (size_t i = 0; i < sizeof runs / sizeof *runs && rc == SD_OK; i++)
        rc = sd_shard_check_dataset(sh, runs[i], rows, 1, 0);
    if (rc == SD_OK)
        rc = sd_shard_check_dataset(sh, SD_D_MESSAGE, rows,
                                    sh->message_type < 0 ? 1 : sh->message_rank,
                                    SD_RUN_MESSAGE_LEN);
    for (size_t i = 0; i < l->n_summary && rc == SD_OK; i++) {
        sd_results_metric_path(name, sizeof name, SD_G_SUMMARY, l->summary[i].name);
        rc = sd_shard_check_dataset(sh, name, rows, 1, 0);
    }
    size_t ns = timeseries && l->n_times ? l->n_series : 0;
    for (size_t i = 0; i < ns && rc == SD_OK; i++) {
        sd_results_metric_path(name, sizeof name, SD_G_SERIES, l->series[i].name);
        rc = sd_shard_check_dataset(sh, name, rows, 2, l->n_times);
    }
    return rc;
}

/* Read rows [row0, row0 + n) of the dataset name, of rank 1 or 2 (rows x
 * ncols); rank 0: the whole dataset. */
static int sd_shard_read(sd_shard *sh, const char *name, hid_t memtype, uint64_t row0,
                         uint64_t n, hsize_t ncols, int rank, void *buf)
{
    hid_t d = H5Dopen2(sh->file, name, H5P_DEFAULT);
    herr_t st = d < 0 ? -1
                : rank ? sd_read_rows(d, memtype, row0, n, ncols, rank, buf)
                       : H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    st = sd_h5_close_into(st, d);
    if (st < 0) {
        (void)H5Eclear2(H5E_DEFAULT); /* the message below says it all */
        return sd_error(SD_ERR_HDF5, "%s: reading %s failed", sh->path, name);
    }
    return SD_OK;
}

int sd_shard_read_runs(sd_shard *sh, uint64_t row0, uint64_t n, const sd_shard_runs *o)
{
    SD_CALL(sd_shard_read(sh, SD_D_STATUS, H5T_NATIVE_UINT8, row0, n, 1, 1, o->status));
    SD_CALL(sd_shard_read(sh, SD_D_ATTEMPTS, H5T_NATIVE_UINT32, row0, n, 1, 1, o->attempts));
    SD_CALL(sd_shard_read(sh, SD_D_GROUP, H5T_NATIVE_INT, row0, n, 1, 1, o->group));
    SD_CALL(sd_shard_read(sh, SD_D_WALL, H5T_NATIVE_DOUBLE, row0, n, 1, 1, o->wall_seconds));
    if (sh->message_type < 0)
        return sd_error(SD_ERR_INPUT, "%s: has no dataset /" SD_D_MESSAGE, sh->path);
    int two = sh->message_rank == 2;
    SD_CALL(sd_shard_read(sh, SD_D_MESSAGE, sh->message_type, row0, n,
                          two ? SD_RUN_MESSAGE_LEN : 1, two ? 2 : 1, o->message));
    /* Characters carry no terminator of their own (a format-2 string
     * always ends in one): every message read ends in one. */
    for (uint64_t k = 0; k < n; k++)
        o->message[k * SD_RUN_MESSAGE_LEN + SD_RUN_MESSAGE_LEN - 1] = '\0';
    return SD_OK;
}

int sd_shard_read_summary(sd_shard *sh, const char *name, uint64_t row0, uint64_t n, double *v)
{
    char path[256];
    sd_results_metric_path(path, sizeof path, SD_G_SUMMARY, name);
    return sd_shard_read(sh, path, H5T_NATIVE_DOUBLE, row0, n, 1, 1, v);
}

int sd_shard_read_series(sd_shard *sh, const char *name, uint64_t row0, uint64_t n,
                         size_t n_times, double *v)
{
    char path[256];
    sd_results_metric_path(path, sizeof path, SD_G_SERIES, name);
    return sd_shard_read(sh, path, H5T_NATIVE_DOUBLE, row0, n, n_times, 2, v);
}

int sd_shard_read_snapshot(sd_shard *sh, uint64_t run, size_t k, const sd_snapfield_def *f,
                           void *buf)
{
    char path[256];
    sd_results_snap_path(path, sizeof path, run, k, f->name);
    hid_t mt = f->type == SD_SNAP_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_DOUBLE;
    return sd_shard_read(sh, path, mt, 0, 0, 0, 0, buf);
}
