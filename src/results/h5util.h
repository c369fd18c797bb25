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

/* ---- attributes --------------------------------------------------------- */

herr_t sd_attr_str(hid_t obj, const char *name, const char *value);
/* n strings; n = 0 gives a null dataspace (a sweep without parameters). */
herr_t sd_attr_strs(hid_t obj, const char *name, const char *const *values, size_t n);
herr_t sd_attr_u64(hid_t obj, const char *name, uint64_t v);
herr_t sd_attr_int(hid_t obj, const char *name, int v);
herr_t sd_attr_doubles(hid_t obj, const char *name, const double *v, size_t n);
herr_t sd_attr_u8s(hid_t obj, const char *name, const uint8_t *v, size_t n);
/* units (skipped when NULL) and description. */
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
