/* sendrift: HDF5 helpers of the result file (see h5util.h). */
#include "h5util.h"

#include <errno.h>
#include <hdf5_hl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"

/* ---- errors and closing ---------------------------------------------------- */

typedef struct {
    char text[512];
} sd_h5_detail;

static herr_t sd_h5_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    sd_h5_detail *d = data;
    /* Keep the innermost description that says something. */
    (void)n;
    if (e->desc && e->desc[0]) {
        snprintf(d->text, sizeof d->text, "%s", e->desc);
        /* Some descriptions carry a time stamp with its newline: one line. */
        for (char *q = d->text; *q; q++)
            if (*q == '\n' || *q == '\r') *q = ' ';
    }
    return 0;
}

int sd_h5_error(const char *path, const char *what)
{
    sd_h5_detail d = {{0}};
    /* Walking and clearing the stack only add detail to a failure already
     * being reported: when they fail, the message says less, nothing more. */
    (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, sd_h5_walk, &d);
    (void)H5Eclear2(H5E_DEFAULT);
    if (errno && (errno == ENOSPC || errno == EDQUOT || errno == EACCES || errno == EIO))
        return sd_error(SD_ERR_HDF5, "%s: %s failed: %s (%s)", path, what,
                        d.text[0] ? d.text : "HDF5 error", strerror(errno));
    return sd_error(SD_ERR_HDF5, "%s: %s failed%s%s", path, what,
                    d.text[0] ? ": " : "", d.text);
}

herr_t sd_h5_close(hid_t id)
{
    if (id < 0) return 0;
    switch (H5Iget_type(id)) {
    case H5I_FILE: return H5Fclose(id);
    case H5I_GROUP: return H5Gclose(id);
    case H5I_DATASET: return H5Dclose(id);
    case H5I_ATTR: return H5Aclose(id);
    case H5I_DATATYPE: return H5Tclose(id);
    case H5I_DATASPACE: return H5Sclose(id);
    case H5I_GENPROP_LST: return H5Pclose(id);
    default: return -1;
    }
}

herr_t sd_h5_close_into(herr_t st, hid_t id)
{
    herr_t c = sd_h5_close(id);
    return st < 0 || c < 0 ? -1 : st;
}

herr_t sd_h5_close_id(hid_t *id)
{
    herr_t st = sd_h5_close(*id);
    *id = -1;
    return st;
}

hid_t sd_h5_str_type(size_t size, H5T_str_t pad, int utf8)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, pad) < 0 ||
        (utf8 && H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        (void)sd_h5_close(t);
        return -1;
    }
    return t;
}

hid_t sd_h5_char_type(void) { return sd_h5_str_type(1, H5T_STR_NULLTERM, 0); }

hid_t sd_h5_vlstr_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        (void)sd_h5_close(t);
        return -1;
    }
    return t;
}

/* ---- attributes --------------------------------------------------------- */

/* Create attribute name of type on space and write buf to it (buf NULL: a
 * null dataspace, nothing to write).  Takes over type and space, which may
 * be failed (negative) creations: then it fails. */
static herr_t sd_attr_write(hid_t obj, const char *name, hid_t type, hid_t space,
                            const void *buf)
{
    herr_t st = type < 0 || space < 0 ? -1 : 0;
    hid_t a = st < 0 ? -1 : H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) st = -1;
    if (st >= 0 && buf) st = H5Awrite(a, type, buf);
    st = sd_h5_close_into(st, a);
    st = sd_h5_close_into(st, space);
    return sd_h5_close_into(st, type);
}

/* A 1-D dataspace of n elements (a null one when n = 0). */
static hid_t sd_space(size_t n)
{
    hsize_t dim = n;
    return n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_NULL);
}

/* A copy of a predefined type, so that sd_attr_write may close it. */
static hid_t sd_type(hid_t predefined) { return H5Tcopy(predefined); }

herr_t sd_attr_str(hid_t obj, const char *name, const char *value)
{
    return sd_attr_write(obj, name, sd_h5_vlstr_type(), H5Screate(H5S_SCALAR), &value);
}

herr_t sd_attr_strs(hid_t obj, const char *name, const char *const *values, size_t n)
{
    return sd_attr_write(obj, name, sd_h5_vlstr_type(), sd_space(n), n ? values : NULL);
}

herr_t sd_attr_u64(hid_t obj, const char *name, uint64_t v)
{
    return sd_attr_write(obj, name, sd_type(H5T_NATIVE_UINT64), H5Screate(H5S_SCALAR), &v);
}

herr_t sd_attr_int(hid_t obj, const char *name, int v)
{
    return sd_attr_write(obj, name, sd_type(H5T_NATIVE_INT), H5Screate(H5S_SCALAR), &v);
}

herr_t sd_attr_doubles(hid_t obj, const char *name, const double *v, size_t n)
{
    return sd_attr_write(obj, name, sd_type(H5T_NATIVE_DOUBLE), sd_space(n), n ? v : NULL);
}

herr_t sd_attr_u8s(hid_t obj, const char *name, const uint8_t *v, size_t n)
{
    return sd_attr_write(obj, name, sd_type(H5T_NATIVE_UINT8), sd_space(n), n ? v : NULL);
}

herr_t sd_attr_meta(hid_t obj, const char *units, const char *description)
{
    if (units && sd_attr_str(obj, "units", units) < 0) return -1;
    if (sd_attr_str(obj, "long_name", description) < 0) return -1;
    return sd_attr_str(obj, "description", description);
}

/* The attribute name of obj, opened (-1 when absent or on error). */
static hid_t sd_attr_open(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    return H5Aopen(obj, name, H5P_DEFAULT);
}

herr_t sd_attr_read_str(hid_t obj, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    hid_t a = sd_attr_open(obj, name);
    if (a < 0) return -1;
    hid_t t = sd_h5_vlstr_type();
    char *v = NULL;
    herr_t st = t < 0 ? -1 : H5Aread(a, t, &v);
    if (st >= 0 && v) {
        snprintf(buf, n, "%s", v);
        st = H5free_memory(v);
    }
    st = sd_h5_close_into(st, t);
    return sd_h5_close_into(st, a);
}

herr_t sd_attr_read_u64(hid_t obj, const char *name, uint64_t *v)
{
    hid_t a = sd_attr_open(obj, name);
    if (a < 0) return -1;
    return sd_h5_close_into(H5Aread(a, H5T_NATIVE_UINT64, v), a);
}

/* ---- groups and datasets ------------------------------------------------ */

hid_t sd_group(hid_t loc, const char *name, const char *description)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g >= 0 && sd_attr_str(g, "description", description) < 0) {
        (void)sd_h5_close(g);
        return -1;
    }
    return g;
}

/* A contiguous dataset, allocated and filled at creation, without
 * attributes. */
static hid_t sd_dataset_plain(hid_t loc, const char *name, hid_t type, int rank,
                              const hsize_t *dims, const void *fill)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    herr_t st = space < 0 || dcpl < 0 ? -1 : 0;
    if (st >= 0) st = H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    if (st >= 0) st = H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    if (st >= 0) st = H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    if (st >= 0 && fill) st = H5Pset_fill_value(dcpl, type, fill);
    if (st >= 0) d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) st = -1;
    st = sd_h5_close_into(st, dcpl);
    st = sd_h5_close_into(st, space);
    if (st < 0) {
        (void)sd_h5_close(d);
        return -1;
    }
    return d;
}

hid_t sd_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                 const void *fill, const char *units, const char *description)
{
    hid_t d = sd_dataset_plain(loc, name, type, rank, dims, fill);
    if (d >= 0 && sd_attr_meta(d, units, description) < 0) {
        (void)sd_h5_close(d);
        return -1;
    }
    return d;
}

/* The NAME of a dimension scale that is no variable, as netCDF-C writes it
 * (nc4internal.h: DIM_WITHOUT_VARIABLE, then the length in 10 columns). */
#define SD_DIM_WITHOUT_VARIABLE "This is a netCDF dimension but not a netCDF variable."

herr_t sd_dim_scale(hid_t d)
{
    char name[256];
    ssize_t n = H5Iget_name(d, name, sizeof name);
    if (n <= 0 || (size_t)n >= sizeof name) return -1;
    const char *slash = strrchr(name, '/');
    return H5DSset_scale(d, slash ? slash + 1 : name);
}

hid_t sd_dim_only(hid_t loc, const char *name, hsize_t n)
{
    char label[sizeof SD_DIM_WITHOUT_VARIABLE + 32];
    snprintf(label, sizeof label, "%s%10llu", SD_DIM_WITHOUT_VARIABLE, (unsigned long long)n);
    /* netCDF-C makes these float; they hold nothing but their length. */
    hid_t d = sd_dataset_plain(loc, name, H5T_IEEE_F32LE, 1, &n, NULL);
    if (d >= 0 && H5DSset_scale(d, label) < 0) {
        (void)sd_h5_close(d);
        return -1;
    }
    return d;
}

/* One attached axis, as H5DS stores it in REFERENCE_LIST (its ds_list_t:
 * the dataset, and the axis as a native int). */
typedef struct {
    hobj_ref_t ref;
    unsigned int dim_idx;
} sd_dimref;

/* Remember axis i of d (referred to as ref) on s. */
static herr_t sd_scale_add(sd_scale *s, hobj_ref_t ref, unsigned i)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        void *p = realloc(s->refs, cap * sizeof(sd_dimref));
        if (!p) return -1;
        s->refs = p;
        s->cap = cap;
    }
    ((sd_dimref *)s->refs)[s->n++] = (sd_dimref){ref, i};
    return 0;
}

herr_t sd_dim_attach(hid_t d, sd_scale *const *scales, int rank)
{
    hobj_ref_t refs[8];
    hvl_t list[8];
    if (rank < 1 || rank > 8) return -1;
    for (int i = 0; i < rank; i++) {
        if (H5Rcreate(&refs[i], scales[i]->id, ".", H5R_OBJECT, -1) < 0) return -1;
        list[i] = (hvl_t){1, &refs[i]};
    }
    hobj_ref_t self;
    if (H5Rcreate(&self, d, ".", H5R_OBJECT, -1) < 0) return -1;
    hsize_t n = (hsize_t)rank;
    hid_t t = H5Tvlen_create(H5T_STD_REF_OBJ), sp = H5Screate_simple(1, &n, NULL), a = -1;
    herr_t st = t < 0 || sp < 0 ? -1 : 0;
    if (st >= 0) a = H5Acreate2(d, "DIMENSION_LIST", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) st = -1;
    if (st >= 0) st = H5Awrite(a, t, list);
    st = sd_h5_close_into(st, a);
    st = sd_h5_close_into(st, sp);
    st = sd_h5_close_into(st, t);
    for (int i = 0; i < rank && st >= 0; i++) st = sd_scale_add(scales[i], self, (unsigned)i);
    return st;
}

herr_t sd_scale_close(sd_scale *s, int write)
{
    herr_t st = 0;
    if (write && s->id >= 0 && s->n > 0) {
        hsize_t n = s->n;
        hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(sd_dimref));
        hid_t sp = H5Screate_simple(1, &n, NULL), a = -1;
        st = t < 0 || sp < 0 ? -1 : 0;
        if (st >= 0) st = H5Tinsert(t, "dataset", offsetof(sd_dimref, ref), H5T_STD_REF_OBJ);
        if (st >= 0) st = H5Tinsert(t, "dimension", offsetof(sd_dimref, dim_idx), H5T_NATIVE_INT);
        if (st >= 0) a = H5Acreate2(s->id, "REFERENCE_LIST", t, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a < 0) st = -1;
        if (st >= 0) st = H5Awrite(a, t, s->refs);
        st = sd_h5_close_into(st, a);
        st = sd_h5_close_into(st, sp);
        st = sd_h5_close_into(st, t);
    }
    st = sd_h5_close_into(st, s->id);
    free(s->refs);
    *s = (sd_scale)SD_SCALE_NONE;
    return st;
}

/* Select rows [row0, row0 + nrows) of the file space of d, and make the
 * matching memory space (*fs, *ms; both -1 on failure).  An empty block
 * selects nothing in either. */
static herr_t sd_rows_select(hid_t d, uint64_t row0, uint64_t nrows, hsize_t ncols, int rank,
                             hid_t *fs, hid_t *ms)
{
    hsize_t start[2] = {row0, 0}, count[2] = {nrows, ncols}, one = 1;
    int empty = nrows == 0 || (rank == 2 && ncols == 0);
    *fs = H5Dget_space(d);
    *ms = empty ? H5Screate_simple(1, &one, NULL) : H5Screate_simple(rank, count, NULL);
    herr_t st = *fs < 0 || *ms < 0 ? -1 : 0;
    if (st >= 0 && empty) st = H5Sselect_none(*fs);
    if (st >= 0 && empty) st = H5Sselect_none(*ms);
    if (st >= 0 && !empty) st = H5Sselect_hyperslab(*fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (st < 0) {
        (void)sd_h5_close(*fs);
        (void)sd_h5_close(*ms);
        *fs = *ms = -1;
    }
    return st;
}

/* Read or write (write != 0) rows of d with the transfer properties dxpl. */
static herr_t sd_rows_io(hid_t d, hid_t memtype, uint64_t row0, uint64_t nrows, hsize_t ncols,
                         int rank, hid_t dxpl, int write, const void *wbuf, void *rbuf)
{
    hid_t fs, ms;
    herr_t st = sd_rows_select(d, row0, nrows, ncols, rank, &fs, &ms);
    if (st < 0) return -1;
    st = write ? H5Dwrite(d, memtype, ms, fs, dxpl, wbuf) : H5Dread(d, memtype, ms, fs, dxpl, rbuf);
    /* Both are dataspaces: closed directly, not through sd_h5_close, whose
     * type lookup costs a run's write about 3 % of its instructions. */
    if (H5Sclose(ms) < 0) st = -1;
    if (H5Sclose(fs) < 0) st = -1;
    return st;
}

herr_t sd_write_rows_coll(hid_t d, hid_t memtype, uint64_t row0, uint64_t nrows,
                          hsize_t ncols, int rank, const void *buf)
{
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    herr_t st = dxpl < 0 ? -1 : H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    if (st >= 0) st = sd_rows_io(d, memtype, row0, nrows, ncols, rank, dxpl, 1, buf, NULL);
    return sd_h5_close_into(st, dxpl);
}

herr_t sd_write_row(hid_t d, hid_t memtype, uint64_t row, hsize_t ncols, int rank,
                    const void *buf)
{
    return sd_rows_io(d, memtype, row, 1, ncols, rank, H5P_DEFAULT, 1, buf, NULL);
}

herr_t sd_read_rows(hid_t d, hid_t memtype, uint64_t row0, uint64_t nrows, hsize_t ncols,
                    int rank, void *buf)
{
    return sd_rows_io(d, memtype, row0, nrows, ncols, rank, H5P_DEFAULT, 0, NULL, buf);
}
