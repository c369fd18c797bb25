/* sendrift: the result file's root attributes and its /design (see
 * docs/output-format.md): everything written once, when the file is made.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h5util.h"
#include "resultsimpl.h"
#include "sendrift/error.h"
#include "sendrift/mpicheck.h"
#include "sendrift/version.h"

static void sd_now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sd_results_root_attrs(sd_results *r, MPI_Comm comm, const sd_plan *p)
{
    const sd_sweep *s = sd_plan_sweep(p);
    int rc = SD_OK;
    char created[32], mpiver[MPI_MAX_LIBRARY_VERSION_STRING], h5ver[64];
    int len = 0, rank;
    unsigned maj, min, rel;
    SD_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) sd_now_iso(created);
    SD_MPI(MPI_Bcast(created, sizeof created, MPI_CHAR, 0, comm));
    SD_MPI(MPI_Get_library_version(mpiver, &len));
    /* Keep the first line: the rest varies with build details. */
    char *nl = strchr(mpiver, '\n');
    if (nl) *nl = '\0';
    SD_MPI(MPI_Bcast(mpiver, sizeof mpiver, MPI_CHAR, 0, comm));
    H5TRY(H5get_libversion(&maj, &min, &rel), "reading the HDF5 version");
    snprintf(h5ver, sizeof h5ver, "%u.%u.%u", maj, min, rel);
    hid_t f = r->file;
    H5TRY(sd_attr_str(f, "Conventions", SD_CONVENTIONS), "writing Conventions");
    H5TRY(sd_attr_str(f, SD_A_FORMAT, SD_FORMAT_NAME), "writing attribute format");
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
    H5TRY(sd_attr_str(f, SD_A_DIGEST, sd_plan_digest(p)), "writing design_digest");
    H5TRY(sd_attr_u64(f, SD_A_SHARD_INDEX, r->shard_i), "writing shard_index");
    H5TRY(sd_attr_u64(f, SD_A_SHARD_COUNT, r->shard_n), "writing shard_count");
    H5TRY(sd_attr_u64(f, "runs_total", r->n_runs), "writing runs_total");
done:
    return rc;
}

/* The attributes of the /design group. */
static herr_t sd_design_group_attrs(hid_t g, const sd_sweep *s, const sd_design *d, uint64_t rows)
{
    herr_t st = sd_attr_str(g, "type", sd_design_type_name(s->design.type));
    if (st >= 0) st = sd_attr_u64(g, "dim", sd_design_dim(d));
    if (st >= 0) st = sd_attr_u64(g, "points", sd_design_points(d));
    if (st >= 0) st = sd_attr_u64(g, "replicates", s->replicates);
    if (st >= 0) st = sd_attr_u64(g, SD_A_ROWS, rows);
    if (st < 0) return st;
    switch (s->design.type) {
    case SD_DESIGN_SOBOL:
        st = sd_attr_u64(g, "samples", s->design.samples);
        if (st >= 0) st = sd_attr_int(g, "second_order", s->design.second_order);
        if (st >= 0) st = sd_attr_u64(g, "skip", s->design.skip);
        return st;
    case SD_DESIGN_MORRIS:
        st = sd_attr_u64(g, "trajectories", s->design.trajectories);
        if (st >= 0) st = sd_attr_u64(g, "levels", s->design.levels);
        return st;
    case SD_DESIGN_LHS:
    case SD_DESIGN_RANDOM:
        return sd_attr_u64(g, "samples", s->design.samples);
    default:
        return st;
    }
}

static const char *sd_axis_kind_name(sd_axis_kind k)
{
    return k == SD_AXIS_RANGE ? "range" : k == SD_AXIS_VALUES ? "values" : "choices";
}

/* The attributes of /design/params: names, units, kinds, scales, bounds. */
static int sd_design_params_attrs(const sd_results *r, hid_t dp, const sd_sweep *s, size_t D)
{
    int rc = SD_OK;
    const char **names = sd_calloc(D + 1, sizeof *names, "parameter names");
    const char **units = sd_calloc(D + 1, sizeof *units, "parameter units");
    const char **kinds = sd_calloc(D + 1, sizeof *kinds, "parameter kinds");
    const char **scales = sd_calloc(D + 1, sizeof *scales, "parameter scales");
    double *lower = sd_calloc(D + 1, sizeof *lower, "parameter bounds");
    double *upper = sd_calloc(D + 1, sizeof *upper, "parameter bounds");
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
done:
    free(names);
    free(units);
    free(kinds);
    free(scales);
    free(lower);
    free(upper);
    return rc;
}

/* One categorical parameter's choices: netCDF characters, one row of
 * width of them per choice (MPI-IO cannot write variable-length strings),
 * on the dimensions <name>_choice and <name>_strlen, written
 * collectively. */
static int sd_design_choice(const sd_results *r, hid_t gc, const sd_axis *a)
{
    int rc = SD_OK;
    size_t width = 1;
    for (size_t j = 0; j < a->n_values; j++)
        if (strlen(a->choices[j]) + 1 > width) width = strlen(a->choices[j]) + 1;
    char *buf = sd_calloc(a->n_values, width, "categorical choices");
    if (!buf) return SD_ERR_NOMEM;
    for (size_t j = 0; j < a->n_values; j++)
        memcpy(buf + j * width, a->choices[j], strlen(a->choices[j]));
    hsize_t n[2] = {a->n_values, width};
    sd_scale sc[2] = {SD_SCALE_NONE, SD_SCALE_NONE}, *dims[2] = {&sc[0], &sc[1]};
    hid_t t = sd_h5_char_type(), dc = -1;
    char name[600];
    snprintf(name, sizeof name, "%s_choice", a->name);
    sc[0].id = sd_dim_only(gc, name, n[0]);
    snprintf(name, sizeof name, "%s_strlen", a->name);
    sc[1].id = sd_dim_only(gc, name, n[1]);
    if (t >= 0 && sc[0].id >= 0 && sc[1].id >= 0)
        dc = sd_dataset(gc, a->name, t, 2, n, NULL, "1", "choices of a categorical parameter");
    herr_t st = dc < 0 ? -1 : sd_attr_str(dc, "_Encoding", "utf-8");
    if (st >= 0) st = sd_dim_attach(dc, dims, 2);
    if (st >= 0) st = sd_write_rows_coll(dc, t, 0, n[0], n[1], 2, buf);
    st = sd_h5_close_into(st, dc);
    for (int i = 0; i < 2; i++)
        if (sd_scale_close(&sc[i], st >= 0) < 0) st = -1;
    st = sd_h5_close_into(st, t);
    free(buf);
    H5TRY(st, "writing /design/choices");
done:
    return rc;
}

static int sd_design_choices(const sd_results *r, const sd_sweep *s, size_t D)
{
    int rc = SD_OK, any = 0;
    hid_t gc = -1;
    for (size_t k = 0; k < D; k++) any |= s->axes[k].kind == SD_AXIS_CHOICES;
    if (!any) return SD_OK;
    H5TRY(gc = sd_group(r->file, SD_G_CHOICES,
                        "the choices of each categorical parameter, in index order"),
          "creating /design/choices");
    for (size_t k = 0; k < D && rc == SD_OK; k++)
        if (s->axes[k].kind == SD_AXIS_CHOICES) rc = sd_design_choice(r, gc, &s->axes[k]);
    if (rc == SD_OK) H5TRY(sd_h5_close_id(&gc), "closing /design/choices");
done:
    (void)sd_h5_close(gc);
    return rc;
}

/* The per-run datasets of /design, in the order of sd_design_dataset_defs. */
enum { SD_DD_PARAMS, SD_DD_UNIT, SD_DD_POINT, SD_DD_REPLICATE, SD_DD_RUN, SD_DD_BLOCK,
       SD_DD_ROLE, SD_DD_N };

typedef struct {
    const char *path, *units, *description;
} sd_design_dataset_def;

static const sd_design_dataset_def sd_design_dataset_defs[SD_DD_N] = {
    {SD_D_PARAMS, NULL,
     "parameter vector of each run (a categorical parameter holds its choice index)"},
    {SD_D_UNIT, "1", "coordinates of each run's point in the unit cube"},
    {SD_D_POINT, "1", "design point of each run"},
    {SD_D_REPLICATE, "1", "replicate of each run"},
    {SD_D_RUN, "1", "run id of each row (the row itself, except in a shard file); the same as "
                    "/run, kept for the readers of format 2 and as the run coordinate of "
                    "/design"},
    {SD_D_BLOCK, "1", NULL}, /* by design: sd_design_roles */
    {SD_D_ROLE, "1", NULL},
};

/* What block and role mean, for the designs that have them (sobol and
 * morris; sd_design_role). */
static void sd_design_roles(sd_design_type t, const char **block, const char **role)
{
    if (t == SD_DESIGN_SOBOL) {
        *block = "Saltelli block of each run's design point: its base point j";
        *role = "place of each run's design point in its Saltelli block: 0 = A, 1..D = AB_i, "
                "D+1..2D = BA_i (second order), block size - 1 = B";
    } else {
        *block = "Morris trajectory of each run's design point";
        *role = "step of each run's design point on its Morris trajectory, 0..D: step k+1 "
                "differs from step k in one parameter";
    }
}

/* This rank's block of rows of the design: [*r0, *r0 + *nr). */
static void sd_design_my_rows(uint64_t rows, int rank, int size, uint64_t *r0, uint64_t *nr)
{
    uint64_t per = rows / (uint64_t)size, extra = rows % (uint64_t)size, k = (uint64_t)rank;
    *r0 = k * per + (k < extra ? k : extra);
    *nr = per + (k < extra ? 1 : 0);
}

/* /run (the run dimension) and /design: params, unit, point, replicate,
 * run (block and role for designs with such structure), choices,
 * attributes.  Rows are split evenly over the ranks and written
 * collectively. */
int sd_results_design(sd_results *r, MPI_Comm comm, const sd_plan *p)
{
    const sd_sweep *s = sd_plan_sweep(p);
    const sd_design *d = sd_plan_design(p);
    int rc = SD_OK, rank, size;
    SD_MPI(MPI_Comm_rank(comm, &rank));
    SD_MPI(MPI_Comm_size(comm, &size));
    uint64_t rows = r->n_rows;
    size_t D = sd_design_dim(d);
    int roles = sd_design_role(d, 0, NULL, NULL) != 0;
    size_t n_ds = roles ? SD_DD_N : SD_DD_BLOCK;
    hid_t g = -1, ds[SD_DD_N] = {-1, -1, -1, -1, -1, -1, -1};
    sd_scale dparam = SD_SCALE_NONE;
    double *x = NULL, *u = NULL;
    uint64_t *col[SD_DD_N] = {NULL};

    /* The run axis of every group, at the root so that all of them see it
     * (netCDF looks for a dimension in a group and its ancestors). */
    hsize_t dims2[2] = {rows, D}, dims1[1] = {rows};
    H5TRY(r->rundim.id = sd_dataset(r->file, SD_D_RUNDIM, H5T_STD_U64LE, 1, dims1, NULL, "1",
                                   "run id of each row (the row itself, except in a shard file)"),
          "creating /" SD_D_RUNDIM);
    H5TRY(sd_dim_scale(r->rundim.id), "making /" SD_D_RUNDIM " a dimension scale");
    H5TRY(g = sd_group(r->file, SD_G_DESIGN, "the design: run id -> parameters"),
          "creating /design");
    H5TRY(sd_design_group_attrs(g, s, d, rows), "writing /design attributes");
    H5TRY(dparam.id = sd_dim_only(r->file, SD_D_PARAMDIM, D), "creating /" SD_D_PARAMDIM);
    sd_scale *axes[2] = {&r->rundim, &dparam};
    double nan = NAN;
    const char *about[SD_DD_N];
    for (size_t i = 0; i < SD_DD_N; i++) about[i] = sd_design_dataset_defs[i].description;
    if (roles) sd_design_roles(s->design.type, &about[SD_DD_BLOCK], &about[SD_DD_ROLE]);
    for (size_t i = 0; i < n_ds; i++) {
        const sd_design_dataset_def *dd = &sd_design_dataset_defs[i];
        char what[64];
        snprintf(what, sizeof what, "creating /%s", dd->path);
        int two = i == SD_DD_PARAMS || i == SD_DD_UNIT;
        H5TRY(ds[i] = sd_dataset(r->file, dd->path, two ? H5T_IEEE_F64LE : H5T_STD_U64LE,
                                 two ? 2 : 1, two ? dims2 : dims1, two ? &nan : NULL, dd->units,
                                 about[i]),
              what);
        H5TRY(sd_dim_attach(ds[i], axes, two ? 2 : 1), what);
    }
    rc = sd_design_params_attrs(r, ds[SD_DD_PARAMS], s, D);
    if (rc == SD_OK) rc = sd_design_choices(r, s, D);
    if (rc != SD_OK) goto done;

    uint64_t r0, nr;
    sd_design_my_rows(rows, rank, size, &r0, &nr);
    x = sd_calloc(nr * D + 1, sizeof *x, "design rows");
    u = sd_calloc(nr * D + 1, sizeof *u, "design rows");
    int local = x && u ? SD_OK : SD_ERR_NOMEM;
    for (size_t i = SD_DD_POINT; i < n_ds && local == SD_OK; i++) {
        col[i] = sd_calloc(nr + 1, sizeof *col[i], "design rows");
        if (!col[i]) local = SD_ERR_NOMEM;
    }
    for (uint64_t i = 0; i < nr && local == SD_OK; i++) {
        uint64_t pt, run = sd_row_run(r, r0 + i);
        col[SD_DD_RUN][i] = run;
        local = sd_plan_run(p, run, &col[SD_DD_POINT][i], &col[SD_DD_REPLICATE][i], x + i * D,
                            NULL);
        pt = col[SD_DD_POINT][i];
        if (roles) sd_design_role(d, pt, &col[SD_DD_BLOCK][i], &col[SD_DD_ROLE][i]);
        if (local == SD_OK) local = sd_design_unit(d, pt, u + i * D);
    }
    rc = sd_agree(comm, local);
    if (rc != SD_OK) goto done;
    /* A sweep without parameters (replicates of the defaults) has columns
     * of width 0: nothing to write there. */
    if (D > 0) {
        H5TRY(sd_write_rows_coll(ds[SD_DD_PARAMS], H5T_NATIVE_DOUBLE, r0, nr, D, 2, x),
              "writing /design/params");
        H5TRY(sd_write_rows_coll(ds[SD_DD_UNIT], H5T_NATIVE_DOUBLE, r0, nr, D, 2, u),
              "writing /design/unit");
    }
    for (size_t i = SD_DD_POINT; i < n_ds; i++) {
        char what[64];
        snprintf(what, sizeof what, "writing /%s", sd_design_dataset_defs[i].path);
        H5TRY(sd_write_rows_coll(ds[i], H5T_NATIVE_UINT64, r0, nr, 1, 1, col[i]), what);
    }
    H5TRY(sd_write_rows_coll(r->rundim.id, H5T_NATIVE_UINT64, r0, nr, 1, 1, col[SD_DD_RUN]),
          "writing /" SD_D_RUNDIM);
    for (size_t i = 0; i < n_ds; i++) H5TRY(sd_h5_close_id(&ds[i]), "closing /design");
    H5TRY(sd_scale_close(&dparam, 1), "closing /" SD_D_PARAMDIM);
    H5TRY(sd_h5_close_id(&g), "closing /design");
done:
    (void)sd_scale_close(&dparam, 0);
    free(x);
    free(u);
    for (size_t i = 0; i < SD_DD_N; i++) {
        free(col[i]);
        (void)sd_h5_close(ds[i]);
    }
    (void)sd_h5_close(g);
    return rc;
}
