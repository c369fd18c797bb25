/* sendrift: the sweep schema (see include/sendrift/config.h,
 * sweeps/schema.json and sweepfile.h).
 *
 * Parsing is cJSON followed by one validation pass that mirrors the schema:
 * every object's keys are checked against the keys allowed there (with a
 * did-you-mean for typos), every value's JSON type and range, every parameter
 * against the model's table, and the design's own rules.  Each message reads
 *   <source>: <JSON path>: <what is wrong>; <what is allowed>
 * and the first problem found is the one reported.  The sweep is built as it
 * is validated; on any error it is destroyed, so nothing leaks.
 *
 * This file holds the top level, "output", "design" and the rules that tie
 * the design to the parameters; the parameter values themselves ("model" and
 * "parameters") are checked in schema_params.c, and the JSON (syntax, paths,
 * messages) in json.c.
 */
#include "sweepfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsoncheck.h"
#include "sendrift/error.h"

/* What a sweep file holds: said of an empty file, and of a file that holds
 * another JSON value. */
#define CFG_SHAPE "one JSON object {\"model\": ..., \"parameters\": [...], \"design\": ...}"

/* --------------------------------------------------------------- design */

static const char *const cfg_design_names[] = {"grid", "list", "lhs", "sobol", "morris",
                                               "random"};
#define CFG_N_DESIGNS 6

const char *sd_design_type_name(sd_design_type t)
{
    return (unsigned)t < CFG_N_DESIGNS ? cfg_design_names[t] : "unknown";
}

/* Keys allowed in "design" for each type (indexed by sd_design_type). */
static const char *const cfg_design_keys[CFG_N_DESIGNS][4] = {
    {"type"},
    {"type"},
    {"type", "samples"},
    {"type", "samples", "second_order", "skip"},
    {"type", "trajectories", "levels"},
    {"type", "samples"},
};
static const size_t cfg_design_nkeys[CFG_N_DESIGNS] = {1, 1, 2, 4, 3, 2};

static int cfg_design(const sd_schema_ctx *c, const cJSON *d, sd_sweep *s)
{
    char g[SD_JSON_Q], q[SD_JSON_Q], list[SD_JSON_LIST], hint[SD_JSON_Q];
    sd_json_join(list, sizeof list, cfg_design_names, CFG_N_DESIGNS, 0);
    if (!cJSON_IsObject(d))
        return sd_json_fail(c->source, "design",
                            "expected an object like {\"type\": \"sobol\", \"samples\": 1024}, "
                            "got %s",
                            sd_json_got(g, sizeof g, d));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "type");
    if (!type) return sd_json_fail(c->source, "design.type", "missing; one of: %s", list);
    if (!cJSON_IsString(type))
        return sd_json_fail(c->source, "design.type", "expected a string, got %s; one of: %s",
                            sd_json_got(g, sizeof g, type), list);
    int t = sd_json_in_list(type->valuestring, cfg_design_names, CFG_N_DESIGNS);
    if (t < 0)
        return sd_json_fail(
            c->source, "design.type", "%s is not a design type; known: %s%s",
            sd_json_quote(q, sizeof q, type->valuestring), list,
            sd_json_suggest(hint, sizeof hint, type->valuestring, cfg_design_names, CFG_N_DESIGNS));
    const char *const *keys = cfg_design_keys[t];
    size_t nkeys = cfg_design_nkeys[t];

    /* A key of another design type gets a message of its own. */
    for (const cJSON *k = d->child; k; k = k->next) {
        if (sd_json_in_list(k->string, keys, nkeys) >= 0) continue;
        for (int o = 0; o < CFG_N_DESIGNS; o++) {
            if (sd_json_in_list(k->string, cfg_design_keys[o], cfg_design_nkeys[o]) < 0) continue;
            char kp[SD_JSON_PATH];
            return sd_json_fail(c->source, sd_json_key_path(kp, sizeof kp, "design", k->string),
                                "not used by a \"%s\" design (it belongs to a \"%s\" design); "
                                "allowed here: %s",
                                cfg_design_names[t], cfg_design_names[o],
                                sd_json_join(list, sizeof list, keys, nkeys, 0));
        }
    }
    SD_CALL(sd_json_keys(c->source, d, "design", keys, nkeys));

    sd_design_spec *ds = &s->design;
    ds->type = (sd_design_type)t;
    const cJSON *j;
    switch (ds->type) {
    case SD_DESIGN_GRID:
    case SD_DESIGN_LIST:
        break;
    case SD_DESIGN_LHS:
    case SD_DESIGN_RANDOM:
    case SD_DESIGN_SOBOL:
        j = cJSON_GetObjectItemCaseSensitive(d, "samples");
        if (!j)
            return sd_json_fail(c->source, "design.samples", "missing; a \"%s\" design needs %s",
                                cfg_design_names[t],
                                t == SD_DESIGN_SOBOL ? "the number of base points N = 2^k, "
                                                       "e.g. \"samples\": 1024"
                                                     : "the number of points, e.g. "
                                                       "\"samples\": 1000");
        SD_CALL(sd_json_whole(c->source, j, "design.samples", 1, (uint64_t)SD_JSON_MAX_INT,
                              t == SD_DESIGN_SOBOL ? "a power of two >= 1" : "a whole number >= 1",
                              &ds->samples));
        if (t != SD_DESIGN_SOBOL) break;
        if (ds->samples & (ds->samples - 1)) {
            uint64_t lo = 1;
            while (lo <= ds->samples / 2) lo *= 2;
            uint64_t near = (ds->samples - lo < 2 * lo - ds->samples) ? lo : 2 * lo;
            return sd_json_fail(c->source, "design.samples",
                                "%llu is not a power of two; the Saltelli design needs N = 2^k "
                                "(try %llu)",
                                (unsigned long long)ds->samples, (unsigned long long)near);
        }
        if ((j = cJSON_GetObjectItemCaseSensitive(d, "second_order")))
            SD_CALL(sd_json_bool(c->source, j, "design.second_order", &ds->second_order));
        ds->skip = ds->samples > 16 ? ds->samples : 16; /* = sd_sobol_default_skip() */
        if ((j = cJSON_GetObjectItemCaseSensitive(d, "skip")))
            SD_CALL(sd_json_whole(c->source, j, "design.skip", 0, (uint64_t)SD_JSON_MAX_INT,
                                  "a whole number >= 0", &ds->skip));
        break;
    case SD_DESIGN_MORRIS: {
        j = cJSON_GetObjectItemCaseSensitive(d, "trajectories");
        if (!j)
            return sd_json_fail(c->source, "design.trajectories",
                                "missing; a \"morris\" design needs the number of trajectories, "
                                "e.g. \"trajectories\": 20");
        SD_CALL(sd_json_whole(c->source, j, "design.trajectories", 1, (uint64_t)SD_JSON_MAX_INT,
                              "a whole number >= 1", &ds->trajectories));
        ds->levels = 4;
        if ((j = cJSON_GetObjectItemCaseSensitive(d, "levels"))) {
            uint64_t lv;
            SD_CALL(sd_json_whole(c->source, j, "design.levels", 2, (uint64_t)1 << 31,
                                  "an even whole number >= 2", &lv));
            if (lv % 2)
                return sd_json_fail(c->source, "design.levels",
                                    "%llu is odd; Morris levels must be an even whole number "
                                    ">= 2 (try %llu or %llu)",
                                    (unsigned long long)lv, (unsigned long long)(lv - 1),
                                    (unsigned long long)(lv + 1));
            ds->levels = (uint32_t)lv;
        }
        break;
    }
    }
    return SD_OK;
}

/* The number of points of the design; 0 when it does not fit 64 bits. */
uint64_t sd_schema_points(const sd_sweep *s)
{
    const sd_design_spec *d = &s->design;
    uint64_t D = s->n_axes, p = 1, f;
    switch (d->type) {
    case SD_DESIGN_GRID:
        for (size_t i = 0; i < s->n_axes; i++) {
            const sd_axis *ax = &s->axes[i];
            f = ax->kind == SD_AXIS_RANGE ? ax->levels : ax->n_values;
            if (f && p > UINT64_MAX / f) return 0;
            p *= f;
        }
        return p;
    case SD_DESIGN_LIST:
        /* The schema refuses ranges in a list; a sweep built in code may
         * still give one its levels. */
        if (!s->n_axes) return 1;
        return s->axes[0].kind == SD_AXIS_RANGE ? s->axes[0].levels : s->axes[0].n_values;
    case SD_DESIGN_LHS:
    case SD_DESIGN_RANDOM:
        return d->samples;
    case SD_DESIGN_SOBOL:
        f = d->second_order ? 2 * D + 2 : D + 2;
        return d->samples > UINT64_MAX / f ? 0 : d->samples * f;
    case SD_DESIGN_MORRIS:
        return d->trajectories > UINT64_MAX / (D + 1) ? 0 : d->trajectories * (D + 1);
    }
    return 0;
}

/* The design's rules that involve the parameters. */
static int cfg_check_design(const sd_schema_ctx *c, const sd_sweep *s)
{
    const sd_design_spec *d = &s->design;
    const char *dn = cfg_design_names[d->type];
    char path[SD_JSON_PATH];
    if ((d->type == SD_DESIGN_SOBOL || d->type == SD_DESIGN_MORRIS) && s->n_axes == 0)
        return sd_json_fail(c->source, "parameters",
                            "empty; a \"%s\" design needs at least 1 parameter", dn);
    if (d->type == SD_DESIGN_SOBOL && s->n_axes > 10000)
        return sd_json_fail(c->source, "parameters",
                            "%zu parameters; the \"sobol\" (Saltelli) design "
                            "takes at most 10000",
                            s->n_axes);
    for (size_t i = 0; i < s->n_axes; i++) {
        const sd_axis *ax = &s->axes[i];
        if (d->type == SD_DESIGN_GRID && ax->kind == SD_AXIS_RANGE && ax->levels == 0) {
            sd_json_sub(path, sizeof path, "parameters[%zu].levels", i);
            return sd_json_fail(c->source, path,
                                "missing; a \"grid\" design needs the number of levels "
                                "of every range, e.g. \"levels\": 5 (or give "
                                "\"values\")");
        }
        if (d->type == SD_DESIGN_LIST && ax->kind == SD_AXIS_RANGE) {
            sd_json_sub(path, sizeof path, "parameters[%zu].range", i);
            return sd_json_fail(c->source, path,
                                "a \"list\" design takes \"values\" on every parameter, "
                                "not a range");
        }
        if (d->type == SD_DESIGN_LIST && ax->n_values != s->axes[0].n_values) {
            sd_json_sub(path, sizeof path, "parameters[%zu].values", i);
            return sd_json_fail(c->source, path,
                                "%zu values, but parameters[0].values has %zu; a "
                                "\"list\" design zips the parameters, so every one "
                                "gives the same number of values",
                                ax->n_values, s->axes[0].n_values);
        }
    }
    uint64_t points = sd_schema_points(s);
    if (points == 0 || points > (uint64_t)SD_JSON_MAX_INT / s->replicates) {
        char pn[40];
        if (points)
            snprintf(pn, sizeof pn, "%llu", (unsigned long long)points);
        else
            snprintf(pn, sizeof pn, "more than 2^64");
        return sd_json_fail(c->source, "design",
                            "%s points x %llu replicates is too many runs; at most "
                            "2^53 = 9007199254740992 runs are allowed",
                            pn, (unsigned long long)s->replicates);
    }
    return SD_OK;
}

/* ---------------------------------------------------------------- root */

static int cfg_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* output.snapshots: { "runs": [run ids], "times": [output times] }.  The
 * run ids are checked against the design at the end of cfg_root, once the
 * design is known; the times against the model's output times when the
 * sweep starts. */
static int cfg_snapshots(const sd_schema_ctx *c, const cJSON *o, sd_sweep *s)
{
    static const char *const keys[] = {"runs", "times"};
    char g[SD_JSON_Q], path[SD_JSON_PATH];
    if (!cJSON_IsObject(o))
        return sd_json_fail(
            c->source, "output.snapshots",
            "expected an object like {\"runs\": [0, 5], \"times\": [0, 365]}, got %s",
            sd_json_got(g, sizeof g, o));
    SD_CALL(sd_json_keys(c->source, o, "output.snapshots", keys, 2));
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(o, "runs");
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(o, "times");
    if (!cJSON_IsArray(runs) || cJSON_GetArraySize(runs) == 0)
        return sd_json_fail(c->source, "output.snapshots.runs",
                            "expected a non-empty list of run ids, got %s",
                            sd_json_got(g, sizeof g, runs));
    if (!cJSON_IsArray(times) || cJSON_GetArraySize(times) == 0)
        return sd_json_fail(c->source, "output.snapshots.times",
                            "expected a non-empty list of output times, got %s",
                            sd_json_got(g, sizeof g, times));
    size_t nr = (size_t)cJSON_GetArraySize(runs), nt = (size_t)cJSON_GetArraySize(times);
    s->snap_runs = sd_calloc(nr, sizeof *s->snap_runs, "snapshot runs");
    s->snap_times = sd_calloc(nt, sizeof *s->snap_times, "snapshot times");
    if (!s->snap_runs || !s->snap_times) return SD_ERR_NOMEM;
    size_t i = 0;
    const cJSON *j;
    cJSON_ArrayForEach(j, runs)
    {
        sd_json_sub(path, sizeof path, "output.snapshots.runs[%zu]", i);
        SD_CALL(sd_json_whole(c->source, j, path, 0, (uint64_t)SD_JSON_MAX_INT,
                              "a run id (a whole number >= 0)", &s->snap_runs[i]));
        i++;
    }
    s->n_snap_runs = nr;
    i = 0;
    cJSON_ArrayForEach(j, times)
    {
        sd_json_sub(path, sizeof path, "output.snapshots.times[%zu]", i);
        if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || j->valuedouble < 0)
            return sd_json_fail(c->source, path, "expected an output time >= 0, got %s",
                                sd_json_got(g, sizeof g, j));
        s->snap_times[i++] = j->valuedouble;
    }
    s->n_snap_times = nt;
    qsort(s->snap_runs, nr, sizeof *s->snap_runs, sd_sweep_u64_cmp);
    qsort(s->snap_times, nt, sizeof *s->snap_times, cfg_dbl_cmp);
    for (i = 1; i < nr; i++)
        if (s->snap_runs[i] == s->snap_runs[i - 1])
            return sd_json_fail(c->source, "output.snapshots.runs", "run %llu is listed twice",
                                (unsigned long long)s->snap_runs[i]);
    for (i = 1; i < nt; i++)
        if (s->snap_times[i] == s->snap_times[i - 1])
            return sd_json_fail(c->source, "output.snapshots.times", "time %g is listed twice",
                                s->snap_times[i]);
    return SD_OK;
}

static int cfg_output(const sd_schema_ctx *c, const cJSON *o, sd_sweep *s)
{
    static const char *const keys[] = {"file", "timeseries", "snapshots"};
    char g[SD_JSON_Q];
    if (!cJSON_IsObject(o))
        return sd_json_fail(c->source, "output",
                            "expected an object like {\"file\": \"results.h5\"}, got %s",
                            sd_json_got(g, sizeof g, o));
    SD_CALL(sd_json_keys(c->source, o, "output", keys, 3));
    const cJSON *j;
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "file")))
        SD_CALL(sd_json_string(c->source, j, "output.file", 1, &s->output_file));
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "timeseries")))
        SD_CALL(sd_json_bool(c->source, j, "output.timeseries", &s->output_timeseries));
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "snapshots")))
        SD_CALL(cfg_snapshots(c, j, s));
    return SD_OK;
}

/* The default name: the file name of source without its directory and its
 * last extension. */
static char *cfg_stem(const char *source)
{
    const char *b = strrchr(source, '/');
    b = b ? b + 1 : source;
    size_t n = strlen(b);
    const char *dot = strrchr(b, '.');
    if (dot && dot != b) n = (size_t)(dot - b);
    if (n == 0) return sd_strdup("sweep");
    char *s = sd_malloc(n + 1, "the sweep's name");
    if (!s) return NULL;
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

static int cfg_root(const sd_schema_ctx *c, const cJSON *root, sd_sweep *s)
{
    static const char *const keys[] = {"$schema",    "name",       "description", "model",
                                       "parameters", "design",     "replicates",  "seed",
                                       "output",     "run_timeout", "checkpoint_every", "streams"};
    char g[SD_JSON_Q], path[SD_JSON_PATH] = "";
    if (!cJSON_IsObject(root))
        return sd_json_fail(c->source, NULL, "the top level is %s; a sweep file is " CFG_SHAPE,
                            sd_json_got(g, sizeof g, root));
    SD_CALL(sd_json_dups(c->source, root, path));
    SD_CALL(sd_json_keys(c->source, root, "", keys, sizeof keys / sizeof keys[0]));

    static const char *const required[] = {"model", "parameters", "design"};
    for (int i = 0; i < 3; i++)
        if (!cJSON_GetObjectItemCaseSensitive(root, required[i]))
            return sd_json_fail(c->source, required[i],
                                "missing; every sweep gives \"model\", "
                                "\"parameters\" and \"design\"");

    const cJSON *j;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "$schema")))
        SD_CALL(sd_json_string(c->source, j, "$schema", 0, NULL));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "name")))
    {
        SD_CALL(sd_json_string(c->source, j, "name", 1, &s->name));
        if (strlen(s->name) > SD_SWEEP_NAME_MAX)
            return sd_json_fail(c->source, "name",
                                "%zu bytes long; allowed: at most %d (the name labels "
                                "the results and names the default result file)",
                                strlen(s->name), SD_SWEEP_NAME_MAX);
    }
    else if (!(s->name = cfg_stem(s->source)))
        return SD_ERR_NOMEM;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "description")))
        SD_CALL(sd_json_string(c->source, j, "description", 0, &s->description));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "replicates")))
        SD_CALL(sd_json_whole(c->source, j, "replicates", 1, (uint64_t)SD_JSON_MAX_INT,
                              "a whole number >= 1", &s->replicates));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "seed")))
        SD_CALL(sd_json_whole(c->source, j, "seed", 0, (uint64_t)SD_JSON_MAX_INT,
                              "a whole number in [0, 2^53 = 9007199254740992]", &s->seed));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "output"))) SD_CALL(cfg_output(c, j, s));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "run_timeout"))) {
        if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || !(j->valuedouble > 0))
            return sd_json_fail(c->source, "run_timeout",
                                "expected a number of seconds > 0, got %s",
                                sd_json_got(g, sizeof g, j));
        s->run_timeout = j->valuedouble;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "streams"))) {
        if (!cJSON_IsString(j) ||
            (strcmp(j->valuestring, "per-run") != 0 && strcmp(j->valuestring, "paired") != 0))
            return sd_json_fail(c->source, "streams",
                                "expected \"per-run\" (every run its own random numbers, the "
                                "default) or \"paired\" (keyed by the replicate: runs of one "
                                "replicate share them), got %s",
                                sd_json_got(g, sizeof g, j));
        s->streams_paired = strcmp(j->valuestring, "paired") == 0;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "checkpoint_every"))) {
        if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || !(j->valuedouble > 0))
            return sd_json_fail(c->source, "checkpoint_every",
                                "expected a number of seconds > 0 (of a run's wall time "
                                "between its checkpoints), got %s",
                                sd_json_got(g, sizeof g, j));
        s->checkpoint_every = j->valuedouble;
    }

    SD_CALL(sd_schema_model(c, cJSON_GetObjectItemCaseSensitive(root, "model"), s));
    SD_CALL(cfg_design(c, cJSON_GetObjectItemCaseSensitive(root, "design"), s));

    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    if (!cJSON_IsArray(params))
        return sd_json_fail(
            c->source, "parameters",
            "expected an array like [{\"name\": \"x1\", \"range\": [0, 1]}], got %s",
            sd_json_got(g, sizeof g, params));
    size_t n = (size_t)cJSON_GetArraySize(params);
    s->axes = sd_calloc(n, sizeof *s->axes, "the sweep's parameters");
    if (!s->axes) return SD_ERR_NOMEM;
    s->n_axes = n;
    size_t i = 0;
    for (const cJSON *p = params->child; p; p = p->next, i++) SD_CALL(sd_schema_axis(c, p, i, s));
    SD_CALL(sd_schema_axes_distinct(c, s));
    SD_CALL(cfg_check_design(c, s));
    uint64_t runs = sd_schema_points(s) * s->replicates;
    for (i = 0; i < s->n_snap_runs; i++)
        if (s->snap_runs[i] >= runs)
            return sd_json_fail(c->source, "output.snapshots.runs",
                                "run %llu does not exist; the sweep has runs 0 to %llu",
                                (unsigned long long)s->snap_runs[i],
                                (unsigned long long)(runs - 1));
    return SD_OK;
}

/* ----------------------------------------------------------------- parse */

static int cfg_parse(const sd_schema_ctx *c, const char *text, size_t len, sd_sweep **out)
{
    cJSON *root;
    *out = NULL;
    SD_CALL(sd_json_parse(c->source, text, len, "a sweep file", CFG_SHAPE, &root));

    sd_sweep *s = sd_calloc(1, sizeof *s, "the sweep");
    int rc = SD_ERR_NOMEM;
    if (s) {
        s->replicates = 1;
        s->output_timeseries = 1;
        s->source = sd_strdup(c->source);
        s->text = sd_malloc(len + 1, "the sweep file's text");
        if (s->source && s->text) {
            memcpy(s->text, text, len);
            s->text[len] = '\0';
            rc = cfg_root(c, root, s);
        }
    }
    cJSON_Delete(root);
    if (rc) {
        sd_sweep_destroy(&s);
        return rc;
    }
    *out = s;
    return SD_OK;
}

int sd_schema_parse(const char *text, size_t len, const char *source,
                    const sd_model_class *const *models, size_t n_models, sd_sweep **out)
{
    sd_schema_ctx c = {source ? source : "(sweep)", models, n_models};
    if (!out) return sd_error(SD_ERR_INTERNAL, "sd_sweep_parse: out is NULL");
    *out = NULL;
    if (!text) return sd_error(SD_ERR_INTERNAL, "sd_sweep_parse: text is NULL");
    return cfg_parse(&c, text, len, out);
}

int sd_sweep_parse_models(const char *text, const char *source,
                          const sd_model_class *const *models, size_t n_models,
                          sd_sweep **out)
{
    return sd_schema_parse(text, text ? strlen(text) : 0, source, models, n_models, out);
}

int sd_sweep_parse(const char *text, const char *source, sd_sweep **out)
{
    size_t n;
    const sd_model_class *const *all = sd_model_all(&n);
    return sd_sweep_parse_models(text, source, all, n, out);
}
