/* sendrift: HDF5 helpers of the result file (see h5util.h). */
#include "h5util.h"

#include <errno.h>
#include <stdio.h>
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
    if (e->desc && e->desc[0]) snprintf(d->text, sizeof d->text, "%s", e->desc);
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

hid_t sd_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                 const void *fill, const char *units, const char *description)
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
    if (st >= 0) st = sd_attr_meta(d, units, description);
    st = sd_h5_close_into(st, dcpl);
    st = sd_h5_close_into(st, space);
    if (st < 0) {
        (void)sd_h5_close(d);
        return -1;
    }
    return d;
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
