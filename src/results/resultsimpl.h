/* sendrift: private helpers of results.c shared with merge.c. */
#ifndef SENDRIFT_RESULTSIMPL_H
#define SENDRIFT_RESULTSIMPL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/* A string attribute (variable-length UTF-8) copied into buf; -1 if absent. */
herr_t sd_attr_read_str(hid_t obj, const char *name, char *buf, size_t n);
/* A uint64 attribute; -1 if absent. */
herr_t sd_attr_read_u64(hid_t obj, const char *name, uint64_t *v);

#endif
