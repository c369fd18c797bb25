/* sendrift: /snapshots, whole-lattice fields of chosen runs at chosen output
 * times (see docs/output-format.md).  Every snapshot dataset is made with
 * the file, filled with NaN (255 for uint8 fields); a run's group writes its
 * tiles later, each rank straight from its ghosted array.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "resultsimpl.h"
#include "sendrift/error.h"

struct sd_snapshot {
    sd_results *r;
    hid_t *d;
    size_t n;
};

void sd_results_snap_path(char *buf, size_t n, uint64_t run, size_t k, const char *field)
{
    snprintf(buf, n, SD_G_SNAPSHOTS "/" SD_G_SNAP_RUN "/" SD_G_SNAP_TIME "/%s",
             (unsigned long long)run, k, field);
}

void sd_results_snap_layout(sd_results *r, const sd_layout *l, size_t n_fields)
{
    r->n_snapfields = n_fields;
    r->snapfields = l->snapfields;
    r->snap_dim = l->snap_dim;
    memcpy(r->snap_n, l->snap_n, sizeof r->snap_n);
}

/* The dataset shape: axes in storage order, (z,) y, x. */
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

/* The names of a field of categories as netCDF/CF flags: flag_values 0,
 * 1, .. n-1 and flag_meanings, the names joined by single spaces. */
typedef struct {
    uint8_t values[256];
    size_t n;
    char *meanings;           /* NULL: the field has no labels              */
} sd_snap_flags;

static int sd_snap_flags_make(const sd_snapfield_def *sf, sd_snap_flags *fl)
{
    size_t len = 1;
    fl->n = 0;
    fl->meanings = NULL;
    if (!sf->labels) return SD_OK;
    for (; sf->labels[fl->n]; fl->n++) len += strlen(sf->labels[fl->n]) + 1;
    if (fl->n > 255)
        return sd_error(SD_ERR_INTERNAL, "snapshot field %s: %zu labels, at most 255 fit uint8",
                        sf->name, fl->n);
    fl->meanings = sd_calloc(len, 1, "snapshot labels");
    if (!fl->meanings) return SD_ERR_NOMEM;
    for (size_t i = 0; i < fl->n; i++) {
        fl->values[i] = (uint8_t)i;
        if (i) strcat(fl->meanings, " ");
        strcat(fl->meanings, sf->labels[i]);
    }
    return SD_OK;
}

static herr_t sd_snap_flags_write(hid_t d, const sd_snap_flags *fl)
{
    if (!fl->meanings) return 0;
    herr_t st = sd_attr_u8s(d, "flag_values", fl->values, fl->n);
    if (st >= 0) st = sd_attr_str(d, "flag_meanings", fl->meanings);
    return st;
}

/* The datasets of one snapshot (run at output index k): a group with its
 * time, run and output index, and one dataset per field, on the lattice's
 * axes. */
static herr_t sd_snapshot_make(const sd_results *r, hid_t gr, uint64_t run, size_t k, double time,
                               const sd_snap_flags *flags, sd_scale *const *axes)
{
    char tn[32];
    hsize_t dims[3];
    int rank;
    double nan = NAN;
    uint8_t none = 255;
    sd_snap_dims(r, dims, &rank);
    snprintf(tn, sizeof tn, SD_G_SNAP_TIME, k);
    hid_t gt = sd_group(gr, tn, "the lattice at one output time");
    herr_t st = gt < 0 ? -1 : sd_attr_doubles(gt, "time", &time, 1);
    if (st >= 0) st = sd_attr_u64(gt, "run", run);
    if (st >= 0) st = sd_attr_u64(gt, "output_index", k);
    for (size_t f = 0; f < r->n_snapfields && st >= 0; f++) {
        const sd_snapfield_def *sf = &r->snapfields[f];
        int u8 = sf->type == SD_SNAP_U8;
        hid_t d = sd_dataset(gt, sf->name, u8 ? H5T_STD_U8LE : H5T_IEEE_F64LE, rank, dims,
                             u8 ? (const void *)&none : (const void *)&nan, sf->unit,
                             sf->description);
        st = d < 0 ? -1 : sd_snap_flags_write(d, &flags[f]);
        if (st >= 0) st = sd_dim_attach(d, axes, rank);
        st = sd_h5_close_into(st, d);
    }
    return sd_h5_close_into(st, gt);
}

/* The coordinates of the lattice in /snapshots, as axes in storage order
 * ((z,) y, x): the cell centres, (i + 1/2) dx in um, netCDF dimensions that
 * every snapshot below sees.  Written collectively. */
static herr_t sd_snap_axes(const sd_results *r, hid_t gs, double dx, sd_scale axes[3])
{
    static const char *const names[3] = {"x", "y", "z"};
    static const char *const about[3] = {"x of the cell centres", "y of the cell centres",
                                         "z of the cell centres"};
    herr_t st = 0;
    for (int a = 0; a < r->snap_dim && st >= 0; a++) {
        hsize_t n = (hsize_t)r->snap_n[a];
        sd_scale *s = &axes[r->snap_dim - 1 - a];
        double *c = calloc(n + 1, sizeof *c);
        for (hsize_t i = 0; c && i < n; i++) c[i] = ((double)i + 0.5) * dx;
        s->id = c ? sd_dataset(gs, names[a], H5T_IEEE_F64LE, 1, &n, NULL, "um", about[a]) : -1;
        st = s->id < 0 ? -1 : sd_dim_scale(s->id);
        if (st >= 0) st = sd_write_rows_coll(s->id, H5T_NATIVE_DOUBLE, 0, n, 1, 1, c);
        free(c);
    }
    return st;
}

/* /snapshots/run_<id>/t_<k>/<field> of the file's runs, all created now. */
int sd_results_snapshots(sd_results *r, const sd_plan *p)
{
    const sd_sweep *s = sd_plan_sweep(p);
    const sd_layout *l = sd_plan_layout(p);
    const size_t *idx = sd_plan_snapshot_indices(p);
    int rc = SD_OK;
    hid_t gs = -1;
    sd_snap_flags *flags = NULL;
    sd_scale axes[3] = {SD_SCALE_NONE, SD_SCALE_NONE, SD_SCALE_NONE};
    sd_scale *ax[3] = {&axes[0], &axes[1], &axes[2]};
    sd_results_snap_layout(r, l, l->n_snapfields);
    if (!s->n_snap_runs || !l->n_snapfields) return SD_OK;
    flags = sd_calloc(l->n_snapfields, sizeof *flags, "snapshot labels");
    if (!flags) {
        rc = SD_ERR_NOMEM;
        goto done;
    }
    for (size_t f = 0; f < l->n_snapfields && rc == SD_OK; f++)
        rc = sd_snap_flags_make(&l->snapfields[f], &flags[f]);
    if (rc != SD_OK) goto done;
    H5TRY(gs = sd_group(r->file, SD_G_SNAPSHOTS,
                        "whole-lattice fields of chosen runs at chosen times"),
          "creating /snapshots");
    double n3[3] = {l->snap_n[0], l->snap_n[1], l->snap_n[2]};
    herr_t st = sd_attr_int(gs, "dim", l->snap_dim);
    if (st >= 0) st = sd_attr_doubles(gs, "cells_xyz", n3, 3);
    if (st >= 0) st = sd_attr_doubles(gs, "dx", &l->snap_dx, 1);
    if (st >= 0) st = sd_attr_str(gs, "dx_units", "um");
    if (st >= 0) st = sd_attr_str(gs, "layout", l->snap_dim == 3 ? "z, y, x" : "y, x");
    H5TRY(st, "writing /snapshots attributes");
    H5TRY(sd_snap_axes(r, gs, l->snap_dx, axes), "creating the /snapshots coordinates");
    for (size_t i = 0; i < s->n_snap_runs; i++) {
        char name[64];
        uint64_t run = s->snap_runs[i];
        if (run % r->shard_n != r->shard_i) continue;
        snprintf(name, sizeof name, SD_G_SNAP_RUN, (unsigned long long)run);
        hid_t gr = sd_group(gs, name, "snapshots of one run");
        H5TRY(gr, "creating a snapshot group");
        st = sd_attr_u64(gr, "run", run);
        for (size_t j = 0; j < s->n_snap_times && st >= 0; j++)
            st = sd_snapshot_make(r, gr, run, idx[j], l->times[idx[j]], flags, ax);
        H5TRY(sd_h5_close_into(st, gr), "creating the snapshot datasets");
    }
    for (int a = 0; a < 3; a++) H5TRY(sd_scale_close(&axes[a], 1), "creating /snapshots");
    H5TRY(sd_h5_close_id(&gs), "creating /snapshots");
done:
    for (int a = 0; a < 3; a++) (void)sd_scale_close(&axes[a], 0);
    if (flags)
        for (size_t f = 0; f < l->n_snapfields; f++) free(flags[f].meanings);
    free(flags);
    (void)sd_h5_close(gs);
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
        sd_results_snap_path(name, sizeof name, run, k, r->snapfields[f].name);
        w->d[f] = H5Dopen2(r->file, name, H5P_DEFAULT);
        H5TRY(w->d[f], "opening a snapshot dataset");
    }
done:
    if (rc != SD_OK) {
        (void)sd_results_snapshot_close(&w);
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
    herr_t st = 0;
    for (size_t f = 0; f < w->n; f++) st = sd_h5_close_into(st, w->d[f]);
    int rc = st < 0 ? sd_h5_error(w->r->path, "closing a snapshot dataset") : SD_OK;
    free(w->d);
    free(w);
    return rc;
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
    st = sd_h5_close_into(st, mem);
    st = sd_h5_close_into(st, fsp);
    H5TRY(st, "writing a snapshot tile");
done:
    return rc;
}
