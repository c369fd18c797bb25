/* sendrift: reading a result file, such as the file of one shard of a sweep
 * (`sendrift run --shard I/N`), read-only: what `sendrift merge` reads.
 *
 * One process reads, without MPI (the file is opened with HDF5's default
 * driver).  The layout is docs/output-format.md; rows are numbered as in the
 * file: row k holds run shard_index + k * shard_count.  Every function
 * returns an sd_err and records a message that names the file.
 */
#ifndef SENDRIFT_SHARD_H
#define SENDRIFT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "sendrift/model.h"

typedef struct sd_shard sd_shard;

/* What the file says about itself (its root attributes and /design). */
typedef struct {
    char format[64];          /* "sendrift-results" ("" when absent)        */
    char digest[64];          /* design_digest ("" when absent)             */
    uint64_t shard_index;     /* 0 when absent                              */
    uint64_t shard_count;     /* 1 when absent                              */
    uint64_t rows;            /* the runs attribute of /design: its rows    */
    int has_rows;             /* 0: /design or its runs attribute is absent */
} sd_shard_info;

/* Open path read-only.  SD_ERR_IO "PATH: cannot open it as an HDF5 file"
 * when HDF5 cannot open it; the attributes above are read at once. */
int sd_shard_open(const char *path, sd_shard **out);

/* Close; *sh becomes NULL (NULL is fine). */
int sd_shard_close(sd_shard **sh);

const sd_shard_info *sd_shard_get_info(const sd_shard *sh);

/* The run held in row k. */
uint64_t sd_shard_row_run(const sd_shard *sh, uint64_t row);

/* SD_ERR_INPUT unless every dataset of rows the file has for layout l is
 * there with `rows` rows: /runs, /summary, and /timeseries when timeseries
 * is on (each metric rows x l->n_times). */
int sd_shard_check_rows(sd_shard *sh, const sd_layout *l, int timeseries, uint64_t rows);

/* Rows [row0, row0 + n) of /runs.  message holds n strings of
 * SD_RUN_MESSAGE_LEN bytes (include/sendrift/results.h). */
typedef struct {
    uint8_t *status;
    uint32_t *attempts;
    int *group;
    double *wall_seconds;
    char *message;
} sd_shard_runs;

int sd_shard_read_runs(sd_shard *sh, uint64_t row0, uint64_t n, const sd_shard_runs *out);

/* Rows [row0, row0 + n) of one metric: /summary/<name> (n values), or
 * /timeseries/<name> (n x n_times values, row-major). */
int sd_shard_read_summary(sd_shard *sh, const char *name, uint64_t row0, uint64_t n,
                          double *v);
int sd_shard_read_series(sd_shard *sh, const char *name, uint64_t row0, uint64_t n,
                         size_t n_times, double *v);

/* The whole snapshot of field f of run at output index k: uint8 values for
 * an SD_SNAP_U8 field, doubles otherwise, in storage order ((z,) y, x). */
int sd_shard_read_snapshot(sd_shard *sh, uint64_t run, size_t k, const sd_snapfield_def *f,
                           void *buf);

/* ---- the design and outputs a file describes (src/results/shard_design.c) --
 * For readers that have the result file alone, without its sweep file
 * (`sendrift export`): the swept parameters, from the attributes of
 * /design/params and /design/choices, and the summaries, from /summary.
 * It opens the file itself, read-only, beside any sd_shard on it. */

typedef struct sd_shard_design sd_shard_design;

/* One swept parameter: a column of /design/params. */
typedef struct {
    const char *name;
    size_t n_choices;            /* 0: a number; else a categorical parameter */
    const char *const *choices;  /* its choices, in index order              */
} sd_shard_param;

/* Read the parameters and summary names of the file sh has open (sh must
 * outlive the design).  SD_ERR_INPUT, naming the file, when /design/params or
 * its names are missing or inconsistent. */
int sd_shard_design_open(sd_shard *sh, sd_shard_design **out);

/* Close (the file stays open in sh); *d becomes NULL (NULL is fine). */
int sd_shard_design_close(sd_shard_design **d);

/* The parameters (*n of them), in the order of the columns of /design/params. */
const sd_shard_param *sd_shard_design_params(const sd_shard_design *d, size_t *n);

/* The summaries: a layout with only summary and n_summary set, one metric
 * per dataset of /summary (in creation order where the file tracks it, else
 * by name; units and descriptions NULL); for sd_shard_check_rows. */
const sd_layout *sd_shard_design_outputs(const sd_shard_design *d);

/* Rows [row0, row0 + n) of /design: point and replicate (n each) and the
 * parameter values (n x n_params, row-major; a categorical parameter holds
 * its choice index). */
int sd_shard_design_read_rows(sd_shard_design *d, uint64_t row0, uint64_t n, uint64_t *point,
                              uint64_t *replicate, double *params);

#endif
