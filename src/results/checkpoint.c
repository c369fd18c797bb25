/* sendrift: checkpoints of single runs (see include/sendrift/checkpoint.h).
 *
 * The file is written by the run's group alone, on the group's
 * communicator (MPI-IO): every dataset is created collectively, each rank
 * writes its tile of a lattice array and rank 0 the values that every rank
 * holds alike (one rank: the POSIX driver).  Rank 0 first checks that
 * there is room (see sd_checkpoint_room).  Then rank 0 syncs the file, renames it over the previous checkpoint and
 * syncs the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5util.h"
#include "sendrift/checkpoint.h"
#include "sendrift/error.h"
#include "sendrift/mpicheck.h"
#include "sendrift/results.h"
#include "sendrift/version.h"

#define SD_G_ENGINE "engine"
#define SD_G_MODEL "model"

struct sd_state_io {
    const char *path;
    MPI_Comm comm;
    int rank, size;
    int reading;
    hid_t model;              /* the /model group                            */
    hid_t xfer;               /* dataset transfer properties                 */
};

int sd_checkpoint_dir(const char *output, char *buf, size_t n)
{
    int w = snprintf(buf, n, "%s%s", output, SD_CHECKPOINT_DIR_SUFFIX);
    return w > 0 && (size_t)w < n;
}

int sd_checkpoint_path(const char *output, uint64_t run, char *buf, size_t n)
{
    int w = snprintf(buf, n, "%s%s/run_%llu.h5", output, SD_CHECKPOINT_DIR_SUFFIX,
                     (unsigned long long)run);
    return w > 0 && (size_t)w < n;
}

int sd_state_reading(const sd_state_io *io) { return io->reading; }

static hid_t sd_state_h5type(sd_state_type t, int native)
{
    switch (t) {
    case SD_STATE_U8: return native ? H5T_NATIVE_UINT8 : H5T_STD_U8LE;
    case SD_STATE_I64: return native ? H5T_NATIVE_INT64 : H5T_STD_I64LE;
    default: return native ? H5T_NATIVE_DOUBLE : H5T_IEEE_F64LE;
    }
}

static const char *sd_state_type_name(sd_state_type t)
{
    return t == SD_STATE_U8 ? "uint8" : t == SD_STATE_I64 ? "int64" : "float64";
}

/* A dataset without fill (every element is written), allocated at once
 * (parallel HDF5 needs that). */
static hid_t sd_state_create(hid_t loc, const char *name, sd_state_type type, int rank,
                             const hsize_t *dims)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (sp >= 0 && dcpl >= 0 && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
        d = H5Dcreate2(loc, name, sd_state_h5type(type, 0), sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    (void)sd_h5_close(sp);
    (void)sd_h5_close(dcpl);
    return d;
}

/* Open a saved dataset and check its type class and shape. */
static int sd_state_open(sd_state_io *io, const char *name, sd_state_type type, int rank,
                         const hsize_t *dims, hid_t *out)
{
    char what[320];
    *out = -1;
    snprintf(what, sizeof what, "reading /" SD_G_MODEL "/%.200s", name);
    if (H5Lexists(io->model, name, H5P_DEFAULT) <= 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_IO, "%s: %s: not in the checkpoint", io->path, what);
    }
    hid_t d = H5Dopen2(io->model, name, H5P_DEFAULT);
    if (d < 0) return sd_h5_error(io->path, what);
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    hsize_t got[3] = {0, 0, 0};
    int r = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, got, NULL);
    int same = r == rank && t >= 0 &&
               H5Tget_class(t) == H5Tget_class(sd_state_h5type(type, 0)) &&
               H5Tget_size(t) == H5Tget_size(sd_state_h5type(type, 0));
    for (int i = 0; same && i < rank; i++) same = got[i] == dims[i];
    (void)sd_h5_close(sp);
    (void)sd_h5_close(t);
    if (!same) {
        (void)sd_h5_close(d);
        return sd_error(SD_ERR_IO,
                        "%s: %s: saved with another type or shape (wanted %s with %llu "
                        "elements along its first axis)",
                        io->path, what, sd_state_type_name(type), (unsigned long long)dims[0]);
    }
    *out = d;
    return SD_OK;
}

int sd_state_values(sd_state_io *io, const char *name, sd_state_type type, void *data,
                    size_t count)
{
    hsize_t n = count ? (hsize_t)count : 1;
    hid_t d = -1;
    int rc = SD_OK;
    char what[320];
    snprintf(what, sizeof what, "%s /" SD_G_MODEL "/%.200s",
             io->reading ? "reading" : "writing", name);
    if (io->reading) {
        rc = sd_state_open(io, name, type, 1, &n, &d);
        if (rc == SD_OK && count)
            SD_H5TRY(io->path, H5Dread(d, sd_state_h5type(type, 1), H5S_ALL, H5S_ALL,
                                       H5P_DEFAULT, data),
                     what);
    } else {
        SD_H5TRY(io->path, d = sd_state_create(io->model, name, type, 1, &n), what);
        if (io->rank == 0 && count)
            SD_H5TRY(io->path, H5Dwrite(d, sd_state_h5type(type, 1), H5S_ALL, H5S_ALL,
                                        H5P_DEFAULT, data),
                     what);
    }
done:
    if (d >= 0 && sd_h5_close(d) < 0 && rc == SD_OK) rc = sd_h5_error(io->path, what);
    return sd_agree(io->comm, rc);
}

int sd_state_array(sd_state_io *io, const char *name, sd_state_type type, int dim,
                   const int n[3], void *data, const int lo[3], const int ln[3],
                   const int gn[3])
{
    hsize_t dims[3], mdims[3], moff[3], fstart[3], count[3];
    int empty = 0, rc = SD_OK;
    hid_t d = -1, mem = -1, fsp = -1;
    char what[320];
    snprintf(what, sizeof what, "%s /" SD_G_MODEL "/%.200s",
             io->reading ? "reading" : "writing", name);
    if (dim < 1 || dim > 3)
        return sd_agree(io->comm, sd_error(SD_ERR_INTERNAL, "%s: %d axes", what, dim));
    /* Axes in storage order: (z,) y, x. */
    for (int i = 0; i < dim; i++) {
        int a = dim - 1 - i;
        dims[i] = (hsize_t)n[a];
        mdims[i] = (hsize_t)(gn[a] > 0 ? gn[a] : 1);
        moff[i] = gn[a] > ln[a] ? 1 : 0;
        fstart[i] = (hsize_t)lo[a];
        count[i] = (hsize_t)ln[a];
        if (ln[a] <= 0) empty = 1;
    }
    if (io->reading)
        rc = sd_state_open(io, name, type, dim, dims, &d);
    else
        SD_H5TRY(io->path, d = sd_state_create(io->model, name, type, dim, dims), what);
    if (rc != SD_OK) goto done;
    SD_H5TRY(io->path, mem = H5Screate_simple(dim, mdims, NULL), what);
    SD_H5TRY(io->path, fsp = H5Dget_space(d), what);
    if (empty) {
        SD_H5TRY(io->path, H5Sselect_none(mem), what);
        SD_H5TRY(io->path, H5Sselect_none(fsp), what);
    } else {
        SD_H5TRY(io->path, H5Sselect_hyperslab(mem, H5S_SELECT_SET, moff, NULL, count, NULL),
                 what);
        SD_H5TRY(io->path, H5Sselect_hyperslab(fsp, H5S_SELECT_SET, fstart, NULL, count, NULL),
                 what);
    }
    hid_t mt = sd_state_h5type(type, 1);
    if (io->reading)
        SD_H5TRY(io->path, H5Dread(d, mt, mem, fsp, io->xfer, data), what);
    else
        SD_H5TRY(io->path, H5Dwrite(d, mt, mem, fsp, io->xfer, data), what);
done:
    (void)sd_h5_close(mem);
    (void)sd_h5_close(fsp);
    if (d >= 0 && sd_h5_close(d) < 0 && rc == SD_OK) rc = sd_h5_error(io->path, what);
    return sd_agree(io->comm, rc);
}

/* ---- the file ---------------------------------------------------------------- */

/* File access on the group: MPI-IO, or the POSIX driver for one rank. */
static hid_t sd_checkpoint_fapl(MPI_Comm comm, int size)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    herr_t st = size > 1 ? H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) : H5Pset_fapl_sec2(fapl);
    if (st >= 0) st = H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110);
    if (st < 0) {
        (void)sd_h5_close(fapl);
        return -1;
    }
    return fapl;
}

static hid_t sd_checkpoint_xfer(int size)
{
    hid_t x = H5Pcreate(H5P_DATASET_XFER);
    if (x >= 0 && size > 1 && H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE) < 0) {
        (void)sd_h5_close(x);
        return -1;
    }
    return x;
}

/* SENDRIFT_CHECKPOINT_STALL=N: the N-th checkpoint this process writes
 * stops half-way and waits to be killed (for tests of a kill during a
 * write). */
static int sd_checkpoint_stall_now(void)
{
    static long n = -2, count = 0;
    if (n == -2) {
        const char *e = getenv("SENDRIFT_CHECKPOINT_STALL");
        n = e && *e ? strtol(e, NULL, 10) : -1;
    }
    return n > 0 && ++count == n;
}

static void sd_checkpoint_stall(uint64_t run)
{
    fprintf(stderr,
            "sendrift: run %llu: checkpoint stalled half-way (SENDRIFT_CHECKPOINT_STALL): "
            "waiting to be killed\n",
            (unsigned long long)run);
    fflush(stderr);
    for (;;) sleep(1);
}

static herr_t sd_checkpoint_attrs(hid_t f, const sd_checkpoint_id *id,
                                  const sd_checkpoint_engine *e)
{
    herr_t st = sd_attr_str(f, "format", SD_CHECKPOINT_FORMAT);
    if (st >= 0) st = sd_attr_u64(f, "format_version", SD_CHECKPOINT_FORMAT_VERSION);
    if (st >= 0) st = sd_attr_str(f, "sendrift_version", SD_VERSION);
    if (st >= 0) st = sd_attr_str(f, "model", id->model);
    if (st >= 0) st = sd_attr_u64(f, "model_state_version", id->state_version);
    if (st >= 0) st = sd_attr_str(f, "design_digest", id->design_digest);
    if (st >= 0) st = sd_attr_str(f, "params_digest", id->params_digest);
    if (st >= 0) st = sd_attr_u64(f, "run", id->run);
    if (st >= 0) st = sd_attr_u64(f, "output_index", e->output_index);
    if (st >= 0) st = sd_attr_doubles(f, "run_seconds", &e->run_seconds, 1);
    return st;
}

/* fsync a file or a directory by name. */
static int sd_sync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return -1;
    int st = fsync(fd);
    /* EINVAL: a file system without sync of directories. */
    if (st != 0 && dir && errno == EINVAL) st = 0;
    close(fd);
    return st;
}

/* Rank 0: make the directory (once). */
static int sd_checkpoint_mkdir(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) return SD_OK;
    *slash = '\0';
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sd_error(SD_ERR_IO, "%s: cannot make the checkpoint directory: %s", dir,
                        strerror(errno));
    return SD_OK;
}

/* Rank 0: sync path.tmp, rename it to path, sync the directory. */
static int sd_checkpoint_commit(const char *tmp, const char *path)
{
    if (sd_sync_path(tmp, 0) != 0)
        return sd_error(SD_ERR_IO, "%s: sync failed: %s", tmp, strerror(errno));
    if (rename(tmp, path) != 0)
        return sd_error(SD_ERR_IO, "%s: rename to %s failed: %s", tmp, path, strerror(errno));
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    if (slash && sd_sync_path(dir, 1) != 0)
        return sd_error(SD_ERR_IO, "%s: sync of the directory failed: %s", dir, strerror(errno));
    return SD_OK;
}

static uint64_t sd_file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Is there room for the checkpoint: as large as the last one of this run,
 * or as the estimate, with a margin?  A full disk is found here, before
 * HDF5 meets it: HDF5 reports it, but a file whose close failed stays half
 * torn down, and HDF5 crashes on it when the program ends. */
static int sd_checkpoint_room(const char *path, const char *tmp, uint64_t expect)
{
    uint64_t need = sd_file_bytes(path), avail = sd_results_free_bytes(tmp);
    if (expect > need) need = expect;
    need += need / 16 + ((uint64_t)1 << 20);
    if (avail == UINT64_MAX || avail >= need) return SD_OK;
    return sd_error(SD_ERR_IO, "%s: No space left on device (a checkpoint needs about %llu "
                               "bytes, %llu are free)",
                    tmp, (unsigned long long)need, (unsigned long long)avail);
}

int sd_checkpoint_write(const char *path, MPI_Comm group, const sd_checkpoint_id *id,
                        const sd_checkpoint_engine *e, const sd_model_class *m, void *state,
                        sd_checkpoint_stats *stats)
{
    double t0 = MPI_Wtime();
    char tmp[4300];
    sd_state_io io = {.path = tmp, .comm = group, .reading = 0, .model = -1, .xfer = -1};
    hid_t fapl = -1, f = -1, ge = -1, d = -1;
    int rc = SD_OK;
    SD_CALL(sd_mpi_rank_size(group, &io.rank, &io.size));
    if (!m->checkpoint)
        return sd_error(SD_ERR_INTERNAL, "model %s cannot save its state", m->name);
    snprintf(tmp, sizeof tmp, "%s%s", path, SD_CHECKPOINT_TEMP_SUFFIX);
    errno = 0;
    rc = io.rank == 0 ? sd_checkpoint_mkdir(path) : SD_OK;
    if (rc == SD_OK && io.rank == 0) rc = sd_checkpoint_room(path, tmp, e->expect_bytes);
    rc = sd_agree(group, rc);
    if (rc != SD_OK) return rc;
    SD_H5TRY(tmp, fapl = sd_checkpoint_fapl(group, io.size), "setting up the checkpoint");
    SD_H5TRY(tmp, io.xfer = sd_checkpoint_xfer(io.size), "setting up the checkpoint");
    SD_H5TRY(tmp, f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl), "creating the checkpoint");
    SD_H5TRY(tmp, sd_checkpoint_attrs(f, id, e), "writing the checkpoint's attributes");
    SD_H5TRY(tmp, ge = sd_group(f, SD_G_ENGINE, "what the sweep keeps of the run"),
             "writing /" SD_G_ENGINE);
    hsize_t dims[2] = {e->n_series ? e->n_series : 1, e->n_times ? e->n_times : 1};
    SD_H5TRY(tmp, d = sd_state_create(ge, "series", SD_STATE_F64, 2, dims),
             "writing /" SD_G_ENGINE "/series");
    if (io.rank == 0 && e->n_series && e->n_times)
        SD_H5TRY(tmp, H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, e->series),
                 "writing /" SD_G_ENGINE "/series");
    SD_H5TRY(tmp, sd_h5_close_id(&d), "writing /" SD_G_ENGINE "/series");
    SD_H5TRY(tmp, io.model = sd_group(f, SD_G_MODEL, "the model's state"), "writing /" SD_G_MODEL);
done:
    rc = sd_agree(group, rc);
    if (rc == SD_OK && sd_checkpoint_stall_now()) {
        /* Half-way: the file exists under its temporary name, its engine
         * part written, the model's not. */
        (void)H5Fflush(f, H5F_SCOPE_GLOBAL);
        if (io.rank == 0) sd_checkpoint_stall(id->run);
        for (;;) sleep(1);
    }
    if (rc == SD_OK) rc = m->checkpoint(state, &io); /* agreed by the calls */
    (void)sd_h5_close(d);
    (void)sd_h5_close(ge);
    (void)sd_h5_close(io.model);
    (void)sd_h5_close(io.xfer);
    (void)sd_h5_close(fapl);
    /* The close writes the metadata: its failure (a disk filled by someone
     * else since the room check) is the checkpoint's. */
    if (f >= 0 && H5Fclose(f) < 0 && rc == SD_OK) rc = sd_h5_error(tmp, "closing the checkpoint");
    rc = sd_agree(group, rc);
    if (io.rank == 0) {
        if (rc == SD_OK) rc = sd_checkpoint_commit(tmp, path);
        if (rc != SD_OK) (void)unlink(tmp);
    }
    rc = sd_agree(group, rc);
    if (stats) {
        stats->bytes = rc == SD_OK && io.rank == 0 ? sd_file_bytes(path) : 0;
        stats->seconds = MPI_Wtime() - t0;
    }
    return rc;
}

/* Does the checkpoint belong to this run?  SD_ERR_INPUT with the reason
 * when not. */
static int sd_checkpoint_match(hid_t f, const char *path, const sd_checkpoint_id *id)
{
    char format[64], model[128], design[64], params[64];
    uint64_t fv = 0, sv = 0, run = UINT64_MAX;
    if (sd_attr_read_str(f, "format", format, sizeof format) < 0 ||
        strcmp(format, SD_CHECKPOINT_FORMAT) != 0 || sd_attr_read_u64(f, "format_version", &fv) < 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_INPUT, "%s: not a sendrift checkpoint", path);
    }
    if (fv != SD_CHECKPOINT_FORMAT_VERSION)
        return sd_error(SD_ERR_INPUT, "%s: checkpoint format %llu, this sendrift reads %d", path,
                        (unsigned long long)fv, SD_CHECKPOINT_FORMAT_VERSION);
    if (sd_attr_read_str(f, "model", model, sizeof model) < 0 ||
        sd_attr_read_u64(f, "model_state_version", &sv) < 0 ||
        sd_attr_read_str(f, "design_digest", design, sizeof design) < 0 ||
        sd_attr_read_str(f, "params_digest", params, sizeof params) < 0 ||
        sd_attr_read_u64(f, "run", &run) < 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_INPUT, "%s: the checkpoint lacks its identity attributes", path);
    }
    if (strcmp(model, id->model) != 0)
        return sd_error(SD_ERR_INPUT, "%s: saved by model %s, the sweep runs %s", path, model,
                        id->model);
    if (sv != id->state_version)
        return sd_error(SD_ERR_INPUT,
                        "%s: saved by version %llu of model %s's state, this sendrift has "
                        "version %u",
                        path, (unsigned long long)sv, model, id->state_version);
    if (strcmp(design, id->design_digest) != 0)
        return sd_error(SD_ERR_INPUT, "%s: made from another design (digest %s, the sweep's is %s)",
                        path, design, id->design_digest);
    if (run != id->run)
        return sd_error(SD_ERR_INPUT, "%s: the checkpoint of run %llu, not of run %llu", path,
                        (unsigned long long)run, (unsigned long long)id->run);
    if (strcmp(params, id->params_digest) != 0)
        return sd_error(SD_ERR_INPUT,
                        "%s: made with other parameters (digest %s, the run's is %s)", path,
                        params, id->params_digest);
    return SD_OK;
}

int sd_checkpoint_read(const char *path, MPI_Comm group, const sd_checkpoint_id *id,
                       sd_checkpoint_engine *e, const sd_model_class *m, void *state,
                       sd_checkpoint_stats *stats)
{
    double t0 = MPI_Wtime();
    sd_state_io io = {.path = path, .comm = group, .reading = 1, .model = -1, .xfer = -1};
    hid_t fapl = -1, f = -1, d = -1;
    int rc = SD_OK;
    SD_CALL(sd_mpi_rank_size(group, &io.rank, &io.size));
    if (!m->checkpoint)
        return sd_error(SD_ERR_INTERNAL, "model %s cannot restore its state", m->name);
    SD_H5TRY(path, fapl = sd_checkpoint_fapl(group, io.size), "opening the checkpoint");
    SD_H5TRY(path, io.xfer = sd_checkpoint_xfer(io.size), "opening the checkpoint");
    SD_H5TRY(path, f = H5Fopen(path, H5F_ACC_RDONLY, fapl), "opening the checkpoint");
    rc = sd_checkpoint_match(f, path, id);
    if (rc != SD_OK) goto done;
    SD_H5TRY(path, sd_attr_read_u64(f, "output_index", &e->output_index),
             "reading the checkpoint's output_index");
    {
        hid_t a = H5Aopen(f, "run_seconds", H5P_DEFAULT);
        herr_t st = a < 0 ? -1 : H5Aread(a, H5T_NATIVE_DOUBLE, &e->run_seconds);
        SD_H5TRY(path, sd_h5_close_into(st, a), "reading the checkpoint's run_seconds");
    }
    if (e->output_index > e->n_times) {
        rc = sd_error(SD_ERR_IO, "%s: output_index %llu past the %zu output times", path,
                      (unsigned long long)e->output_index, e->n_times);
        goto done;
    }
    SD_H5TRY(path, d = H5Dopen2(f, SD_G_ENGINE "/series", H5P_DEFAULT),
             "reading /" SD_G_ENGINE "/series");
    {
        hid_t sp = H5Dget_space(d);
        hsize_t got[2] = {0, 0};
        int r = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, got, NULL);
        (void)sd_h5_close(sp);
        hsize_t want[2] = {e->n_series ? e->n_series : 1, e->n_times ? e->n_times : 1};
        if (r != 2 || got[0] != want[0] || got[1] != want[1]) {
            rc = sd_error(SD_ERR_IO, "%s: /" SD_G_ENGINE "/series has another shape", path);
            goto done;
        }
    }
    if (e->n_series && e->n_times)
        SD_H5TRY(path, H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, e->series),
                 "reading /" SD_G_ENGINE "/series");
    SD_H5TRY(path, io.model = H5Gopen2(f, SD_G_MODEL, H5P_DEFAULT), "reading /" SD_G_MODEL);
done:
    /* Every rank read the same attributes: the verdict is the same, but
     * agree on it anyway (an unreadable file may fail on one rank only). */
    rc = sd_agree(group, rc);
    if (rc == SD_OK) rc = m->checkpoint(state, &io);
    (void)sd_h5_close(d);
    (void)sd_h5_close(io.model);
    (void)sd_h5_close(io.xfer);
    (void)sd_h5_close(fapl);
    (void)sd_h5_close(f);
    if (stats) {
        stats->bytes = sd_file_bytes(path);
        stats->seconds = MPI_Wtime() - t0;
    }
    return sd_agree(group, rc);
}

/* ---- the directory ------------------------------------------------------------ */

/* A name of ours: run_<digits>.h5, or that with .tmp; *run gets the id. */
static int sd_checkpoint_name(const char *name, uint64_t *run, int *temp)
{
    unsigned long long id;
    int end = 0;
    if (sscanf(name, "run_%llu.h5%n", &id, &end) != 1 || end == 0 || strncmp(name, "run_", 4) ||
        name[4] < '0' || name[4] > '9')
        return 0;
    *run = (uint64_t)id;
    if (name[end] == '\0') {
        *temp = 0;
        return 1;
    }
    if (strcmp(name + end, SD_CHECKPOINT_TEMP_SUFFIX) == 0) {
        *temp = 1;
        return 1;
    }
    return 0;
}

int sd_checkpoint_tidy(const char *output, const uint8_t *status, uint64_t n_runs,
                       uint64_t *kept)
{
    char dir[4200], file[4500];
    uint64_t left = 0;
    if (kept) *kept = 0;
    if (!sd_checkpoint_dir(output, dir, sizeof dir)) return SD_OK;
    DIR *dp = opendir(dir);
    if (!dp) {
        if (errno == ENOENT || errno == ENOTDIR) return SD_OK;
        return sd_error(SD_ERR_IO, "%s: cannot read the checkpoint directory: %s", dir,
                        strerror(errno));
    }
    struct dirent *de;
    int rc = SD_OK;
    while ((de = readdir(dp))) {
        uint64_t run;
        int temp;
        if (!sd_checkpoint_name(de->d_name, &run, &temp)) continue;
        int keep = !temp && status && run < n_runs && status[run] == 0;
        if (keep) {
            left++;
            continue;
        }
        snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
        if (unlink(file) != 0 && errno != ENOENT && rc == SD_OK)
            rc = sd_error(SD_ERR_IO, "%s: cannot remove: %s", file, strerror(errno));
    }
    closedir(dp);
    if (kept) *kept = left;
    return rc;
}

void sd_checkpoint_dir_remove(const char *output)
{
    char dir[4200];
    /* Only when empty: rmdir refuses otherwise, which is what we want. */
    if (sd_checkpoint_dir(output, dir, sizeof dir)) (void)rmdir(dir);
}
