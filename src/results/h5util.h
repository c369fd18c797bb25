/* sendrift: HDF5 helpers of the result file (private to src/results).
 *
 * Every HDF5 call is checked.  A helper that fails returns a negative value
 * (herr_t or hid_t, like HDF5 itself) and leaves the message to its caller,
 * which knows the file and what it was doing (sd_h5_error, or H5TRY).
 * Closing is checked too (sd_h5_close_into); only on a path that already
 * fails is a close's own outcome dropped, written (void)sd_h5_close(id):
 * there it cannot change the result.
 */
#ifndef SENDRIFT_H5UTIL_H
#define SENDRIFT_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/* Record an HDF5 failure on path: what we tried, and the library's own
 * reason (its innermost description, and errno when it names a full disk
 * or a refused write).  Clears HDF5's error stack; returns SD_ERR_HDF5. */
int sd_h5_error(const char *path, const char *what);

/* Check an HDF5 call in a function with an int rc and a done: label: a
 * negative result records the failure on path and jumps to done. */
#define SD_H5TRY(path, expr, what)                                           \
    do {                                                                     \
        if ((expr) < 0) {                                                    \
            rc = sd_h5_error((path), (what));                                \
            goto done;                                                       \
        }                                                                    \
    } while (0)

/* The same on the result file r (an sd_results in scope). */
#define H5TRY(expr, what) SD_H5TRY(r->path, expr, what)

/* Close any identifier (file, group, dataset, attribute, datatype,
 * dataspace, property list); a negative id is nothing to close. */
herr_t sd_h5_close(hid_t id);

/* Close id and fold the outcome into st: negative when either failed. */
herr_t sd_h5_close_into(herr_t st, hid_t id);

/* Close *id (see sd_h5_close) and set it to -1. */
herr_t sd_h5_close_id(hid_t *id);

/* Variable-length UTF-8 strings (attributes), and fixed-length strings of
 * size bytes with pad (H5T_STR_NULLTERM, H5T_STR_NULLPAD), cset UTF-8 when
 * utf8 (MPI-IO cannot write variable-length data to datasets). */
hid_t sd_h5_vlstr_type(void);
hid_t sd_h5_str_type(size_t size, H5T_str_t pad, int utf8);

/* netCDF's NC_CHAR as netCDF-C writes it: one byte, H5T_STR_NULLTERM,
 * ASCII.  A string is a row of these along a length dimension, which
 * netCDF readers (and xarray, with the attribute _Encoding) join into a
 * string.  Written and read with this same type as the memory type: any
 * conversion to a NULLTERM string of size 1 would turn the byte into NUL. */
hid_t sd_h5_char_type(void);

/* ---- attributes --------------------------------------------------------- */

herr_t sd_attr_str(hid_t obj, const char *name, const char *value);
/* n strings; n = 0 gives a null dataspace (a sweep without parameters). */
herr_t sd_attr_strs(hid_t obj, const char *name, const char *const *values, size_t n);
herr_t sd_attr_u64(hid_t obj, const char *name, uint64_t v);
herr_t sd_attr_int(hid_t obj, const char *name, int v);
herr_t sd_attr_doubles(hid_t obj, const char *name, const double *v, size_t n);
herr_t sd_attr_u8s(hid_t obj, const char *name, const uint8_t *v, size_t n);
/* units (skipped when NULL), and description, also as CF's long_name. */
herr_t sd_attr_meta(hid_t obj, const char *units, const char *description);

/* A variable-length string attribute copied into buf ("" and -1 when
 * absent); a uint64 attribute (-1 when absent, *v left alone). */
herr_t sd_attr_read_str(hid_t obj, const char *name, char *buf, size_t n);
herr_t sd_attr_read_u64(hid_t obj, const char *name, uint64_t *v);

/* ---- groups and datasets ------------------------------------------------ */

/* A group with a description attribute. */
hid_t sd_group(hid_t loc, const char *name, const char *description);

/* A contiguous dataset, allocated and filled at creation (fill NULL: the
 * type's zero), with units and description. */
hid_t sd_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                 const void *fill, const char *units, const char *description);

/* ---- netCDF dimensions (HDF5 dimension scales) ------------------------- */

/* Make d the dimension scale of the netCDF dimension named as d (a
 * coordinate variable: d holds the coordinate's values). */
herr_t sd_dim_scale(hid_t d);

/* A dimension of n that is not a variable, named name, in loc: a dataset
 * that is a dimension scale with the NAME netCDF-C and h5netcdf read as
 * "a netCDF dimension but not a netCDF variable". */
hid_t sd_dim_only(hid_t loc, const char *name, hsize_t n);

/* A dimension scale and the axes of datasets attached to it so far.
 * H5DSattach_scale rewrites the scale's list of those (REFERENCE_LIST) at
 * every attachment, which is quadratic: 10 000 snapshot fields on one x
 * axis took minutes.  Here each dataset's DIMENSION_LIST is written once,
 * and the scale's list once, by sd_scale_close: the same attributes, of
 * the same types, that H5DS writes and reads. */
typedef struct {
    hid_t id;                 /* the scale's dataset (-1: none)             */
    void *refs;               /* the attached axes (H5DS's ds_list_t)       */
    size_t n, cap;
} sd_scale;

#define SD_SCALE_NONE {-1, NULL, 0, 0}

/* Attach axis i of d to scales[i], i < rank: every axis of a dataset names
 * its dimension, so that netCDF readers make no phony ones.  Collective in
 * a parallel file, like every change of metadata. */
herr_t sd_dim_attach(hid_t d, sd_scale *const *scales, int rank);

/* Write the scale's list of attached axes (when write and any), close it
 * and free what it holds; s is SD_SCALE_NONE after. */
herr_t sd_scale_close(sd_scale *s, int write);

/* Write rows [row0, row0 + nrows) of a 2-D (rows x ncols; rank 2) or 1-D
 * (rank 1) dataset collectively: every rank calls it with its own, possibly
 * empty, block. */
herr_t sd_write_rows_coll(hid_t d, hid_t memtype, uint64_t row0, uint64_t nrows,
                          hsize_t ncols, int rank, const void *buf);

/* Independent write of one row of a 2-D dataset, or one element of 1-D. */
herr_t sd_write_row(hid_t d, hid_t memtype, uint64_t row, hsize_t ncols, int rank,
                    const void *buf);

/* Independent read of rows [row0, row0 + nrows) of a 1-D or 2-D dataset. */
herr_t sd_read_rows(hid_t d, hid_t memtype, uint64_t row0, uint64_t nrows, hsize_t ncols,
                    int rank, void *buf);

#endif
