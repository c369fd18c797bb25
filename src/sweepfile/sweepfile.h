/* sendrift: the sweep file's insides, shared by the files of src/sweepfile
 * (private: nothing outside src/sweepfile includes it).
 *
 * json.c           the JSON checker: paths, quoting, did-you-mean, typed
 *                  getters, repeated keys, syntax and UTF-8 errors with line
 *                  and column (jsoncheck.h); it knows nothing of sweeps
 * schema.c         the sweep schema: the top level, output, snapshots, the
 *                  design and its rules, and the parse entry points
 * schema_params.c  the schema of parameter values: model (and model.params)
 *                  and the axes of "parameters"
 * load.c           sd_sweep_load: rank 0 reads the file, every rank parses it
 * access.c         the sd_sweep object: destroy, accessors, the parameters
 *                  of a run, the default result file name
 *
 * The public interface is include/sendrift/config.h.
 */
#ifndef SENDRIFT_SWEEPFILE_H
#define SENDRIFT_SWEEPFILE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "sendrift/config.h"

/* What a sweep file is checked against: its name, first in every message,
 * and the models it may name. */
typedef struct {
    const char *source;
    const sd_model_class *const *models;
    size_t n_models;
} sd_schema_ctx;

/* schema.c: parse and validate len bytes of text (the public
 * sd_sweep_parse* and sd_sweep_load end here). */
int sd_schema_parse(const char *text, size_t len, const char *source,
                    const sd_model_class *const *models, size_t n_models, sd_sweep **out);

/* schema.c: the number of points of the design; 0 when it does not fit 64
 * bits. */
uint64_t sd_schema_points(const sd_sweep *s);

/* qsort/bsearch order of uint64_t (access.c): snapshot runs are kept
 * sorted with it. */
int sd_sweep_u64_cmp(const void *a, const void *b);

/* schema_params.c: "model" (sets s->model, s->fixed). */
int sd_schema_model(const sd_schema_ctx *c, const cJSON *m, sd_sweep *s);

/* schema_params.c: parameters[i] into s->axes[i] (after the model and the
 * design, which it depends on). */
int sd_schema_axis(const sd_schema_ctx *c, const cJSON *p, size_t i, sd_sweep *s);

/* schema_params.c: no parameter both swept twice, or swept and set in
 * model.params. */
int sd_schema_axes_distinct(const sd_schema_ctx *c, const sd_sweep *s);

/* schema_params.c: the index of the choice s of def, or -1. */
int sd_schema_choice_index(const sd_param_def *def, const char *s);

#endif
