/* sendrift: a result file as one tidy table (`sendrift export`).
 *
 * One row per run the file holds, in the file's order (a shard file holds
 * runs shard_index + k * shard_count), with the columns
 *
 *   run, point, replicate, status, attempts, wall_seconds,
 *   one per swept parameter (its name; a categorical one as its choice),
 *   one per summary output (its name, /summary/<name>),
 *   message
 *
 * status is PENDING, DONE or FAILED; message says why a run failed ("" for
 * the others).  A column whose name an earlier one took gets its group as a
 * prefix ("param." or "summary.").  Time series and snapshots are not part
 * of the table.  Numbers are written in full: the shortest of %.15g, %.16g
 * and %.17g that reads back as the same double.  NaN and infinities (values
 * a run never wrote, or that it left undefined) are empty fields in CSV and
 * TSV and null in JSON.
 *
 * CSV quotes a field that holds a comma, a double quote, CR or LF, doubling
 * its quotes (RFC 4180; lines end in LF).  TSV is the same with tabs (a
 * field with a tab is quoted), as Python's csv module and pandas read it.
 * JSON is one array of objects, one object per row, keys in column order
 * (what pandas.read_json(orient="records") and json.load take).
 *
 * The reading uses HDF5's default driver, without MPI: one process.
 */
#ifndef SENDRIFT_EXPORT_H
#define SENDRIFT_EXPORT_H

#include <stdint.h>

typedef enum { SD_EXPORT_CSV, SD_EXPORT_TSV, SD_EXPORT_JSON } sd_export_format;

/* "csv", "tsv" or "json" (any case); SD_ERR_INPUT naming text otherwise. */
int sd_export_format_parse(const char *text, sd_export_format *out);

/* The format a file name asks for by its extension (.csv, .tsv, .json, any
 * case): 1 and *out set; 0 when the name has none of them. */
int sd_export_format_of_name(const char *path, sd_export_format *out);

typedef struct {
    uint64_t rows;           /* rows written: the runs the file holds       */
    uint64_t done, failed, pending;
} sd_export_report;

/* Write the table of the result file in to out (NULL or "-": standard
 * output).  A new or regular out is written as OUT.tmp and renamed to out
 * once complete, so that a failure never leaves half a table there (other
 * files, such as /dev/stdout or a pipe, are written in place).  Refused:
 * an out that is the result file itself or any HDF5 file (SD_ERR_INPUT).
 * SD_ERR_INPUT naming the file for a missing file or one that is not a
 * sendrift result file; SD_ERR_IO when out cannot be written. */
int sd_export(const char *in, const char *out, sd_export_format fmt, sd_export_report *rep);

#endif
