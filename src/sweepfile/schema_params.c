/* sendrift: the schema of parameter values in a sweep file: "model" with its
 * fixed "params", and the axes of "parameters" (see sweepfile.h).
 *
 * Every value is checked against the model's parameter table: its type
 * (number, whole number or one of the choices) and its range.  An axis is a
 * "range" or a list of "values"; which keys it may have also depends on the
 * design (a list design zips values, so they may repeat there).
 */
#include "sweepfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsoncheck.h"
#include "sendrift/error.h"

/* ----------------------------------------------------------- parameters */

int sd_schema_choice_index(const sd_param_def *def, const char *s)
{
    if (!def->choices) return -1;
    for (int i = 0; def->choices[i]; i++)
        if (strcmp(def->choices[i], s) == 0) return i;
    return -1;
}

static size_t cfg_n_choices(const sd_param_def *def)
{
    size_t n = 0;
    while (def->choices && def->choices[n]) n++;
    return n;
}

static const char *cfg_choice_list(char *buf, size_t n, const sd_param_def *def)
{
    return sd_json_join(buf, n, def->choices, cfg_n_choices(def), 1);
}

/* The allowed values of a number parameter: "[min, max]" or "the whole
 * numbers in [min, max]". */
static const char *cfg_allowed(char *buf, size_t n, const sd_param_def *def)
{
    char a[40], b[40];
    snprintf(buf, n, "%s[%s, %s]", def->type == SD_PARAM_INT ? "a whole number in " : "",
             sd_json_num(a, sizeof a, def->min), sd_json_num(b, sizeof b, def->max));
    return buf;
}

/* x (labelled "min ", "max " or "") within the parameter's definition. */
static int cfg_in_range(const sd_schema_ctx *c, const char *path, const sd_param_def *def,
                        const char *label, double x)
{
    char a[40], b[40], q[SD_JSON_Q], list[SD_JSON_LIST];
    sd_json_num(a, sizeof a, x);
    sd_json_quote(q, sizeof q, def->name);
    if (!isfinite(x))
        return sd_json_fail(c->source, path, "%s%s is not a finite number; allowed for %s: %s",
                            label, a, q, cfg_allowed(list, sizeof list, def));
    if (def->type == SD_PARAM_INT && x != floor(x))
        return sd_json_fail(c->source, path,
                            "%s%s is not a whole number; %s is an integer parameter", label, a, q);
    if (x < def->min)
        return sd_json_fail(c->source, path, "%s%s is below the smallest value %s allowed for %s",
                            label, a, sd_json_num(b, sizeof b, def->min), q);
    if (x > def->max)
        return sd_json_fail(c->source, path, "%s%s is above the largest value %s allowed for %s",
                            label, a, sd_json_num(b, sizeof b, def->max), q);
    return SD_OK;
}

/* One value of parameter def: a number for REAL and INT, a string among the
 * choices for CHOICE (*num is then the index in def->choices). */
static int cfg_value(const sd_schema_ctx *c, const char *path, const sd_param_def *def,
                     const cJSON *v, double *num)
{
    char g[SD_JSON_Q], q[SD_JSON_Q], list[SD_JSON_LIST], hint[SD_JSON_Q];
    if (def->type == SD_PARAM_CHOICE) {
        if (!cJSON_IsString(v))
            return sd_json_fail(c->source, path, "expected a string, got %s; %s is a choice of: %s",
                                sd_json_got(g, sizeof g, v), sd_json_quote(q, sizeof q, def->name),
                                cfg_choice_list(list, sizeof list, def));
        int idx = sd_schema_choice_index(def, v->valuestring);
        if (idx < 0)
            return sd_json_fail(c->source, path, "%s is not a choice of %s; allowed: %s%s",
                                sd_json_quote(g, sizeof g, v->valuestring),
                                sd_json_quote(q, sizeof q, def->name),
                                cfg_choice_list(list, sizeof list, def),
                                sd_json_suggest(hint, sizeof hint, v->valuestring, def->choices,
                                                cfg_n_choices(def)));
        *num = idx;
        return SD_OK;
    }
    if (!cJSON_IsNumber(v))
        return sd_json_fail(c->source, path, "expected a number, got %s; allowed for %s: %s",
                            sd_json_got(g, sizeof g, v), sd_json_quote(q, sizeof q, def->name),
                            cfg_allowed(list, sizeof list, def));
    SD_CALL(cfg_in_range(c, path, def, "", v->valuedouble));
    *num = v->valuedouble;
    return SD_OK;
}

/* The model's parameter named name, or a message listing the known ones. */
static int cfg_model_param(const sd_schema_ctx *c, const sd_sweep *s, const char *path,
                           const char *name, sd_param_def *def)
{
    if (sd_model_param(s->model, name, def)) return SD_OK;
    const sd_model_class *m = s->model;
    const char **names = sd_calloc(m->n_params, sizeof *names, "parameter names");
    if (!names) return SD_ERR_NOMEM;
    for (size_t i = 0; i < m->n_params; i++) names[i] = m->params[i].name;
    char q[SD_JSON_Q], mq[SD_JSON_Q], list[SD_JSON_LIST], hint[SD_JSON_Q];
    sd_json_join(list, sizeof list, names, m->n_params, 0);
    sd_json_suggest(hint, sizeof hint, name, names, m->n_params);
    free(names);
    const char *more = "";
    if (m->lookup)
        more = m->n_params ? ", and the numbered families the model defines (see its "
                             "description)"
                           : "the numbered families the model defines (see its description)";
    return sd_json_fail(c->source, path, "%s is not a parameter of model %s; known: %s%s%s",
                        sd_json_quote(q, sizeof q, name), sd_json_quote(mq, sizeof mq, m->name),
                        list, more, hint);
}

/* ---------------------------------------------------------------- model */

int sd_schema_model(const sd_schema_ctx *c, const cJSON *m, sd_sweep *s)
{
    static const char *const keys[] = {"name", "params"};
    char g[SD_JSON_Q], q[SD_JSON_Q], list[SD_JSON_LIST], hint[SD_JSON_Q];
    const char *names[64] = {0};
    size_t nn = c->n_models < 64 ? c->n_models : 64;
    for (size_t i = 0; i < nn; i++) names[i] = c->models[i]->name;
    sd_json_join(list, sizeof list, names, nn, 0);

    if (!cJSON_IsObject(m))
        return sd_json_fail(c->source, "model",
                            "expected an object like {\"name\": \"%s\", \"params\": {...}}, got %s",
                            nn ? names[0] : "ishigami", sd_json_got(g, sizeof g, m));
    SD_CALL(sd_json_keys(c->source, m, "model", keys, 2));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
    if (!name)
        return sd_json_fail(c->source, "model.name", "missing; name the model, one of: %s", list);
    if (!cJSON_IsString(name))
        return sd_json_fail(c->source, "model.name", "expected a string, got %s; known models: %s",
                            sd_json_got(g, sizeof g, name), list);
    for (size_t i = 0; i < c->n_models; i++)
        if (strcmp(c->models[i]->name, name->valuestring) == 0) s->model = c->models[i];
    if (!s->model)
        return sd_json_fail(c->source, "model.name", "%s is not a known model; known: %s%s",
                            sd_json_quote(q, sizeof q, name->valuestring), list,
                            sd_json_suggest(hint, sizeof hint, name->valuestring, names, nn));

    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    if (!params) return SD_OK;
    if (!cJSON_IsObject(params))
        return sd_json_fail(c->source, "model.params",
                            "expected an object of parameter values like {\"a\": 7}, got %s",
                            sd_json_got(g, sizeof g, params));
    size_t n = 0;
    for (const cJSON *k = params->child; k; k = k->next) n++;
    s->fixed = sd_calloc(n, sizeof *s->fixed, "model.params");
    if (!s->fixed) return SD_ERR_NOMEM;
    s->n_fixed = n;
    size_t i = 0;
    for (const cJSON *k = params->child; k; k = k->next, i++) {
        sd_fixed *f = &s->fixed[i];
        char path[SD_JSON_PATH];
        sd_json_key_path(path, sizeof path, "model.params", k->string);
        sd_param_def def;
        SD_CALL(cfg_model_param(c, s, path, k->string, &def));
        f->name = sd_strdup(k->string);
        if (!f->name) return SD_ERR_NOMEM;
        def.name = f->name;
        f->def = def;
        SD_CALL(cfg_value(c, path, &def, k, &f->value));
        if (def.type == SD_PARAM_CHOICE) {
            f->choice = sd_strdup(k->valuestring);
            if (!f->choice) return SD_ERR_NOMEM;
        }
    }
    return SD_OK;
}

/* ----------------------------------------------------------------- axes */

typedef struct {
    double v;
    size_t pos;
} cfg_numbered;

static int cfg_numbered_cmp(const void *pa, const void *pb)
{
    const cfg_numbered *a = pa, *b = pb;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Refuse a value given twice in one axis (not for list designs, where
 * values zip into points and may repeat). */
static int cfg_axis_unique(const sd_schema_ctx *c, const char *path, const sd_axis *ax)
{
    size_t n = ax->n_values, later = 0, earlier = 0;
    int dup = 0;
    if (n < 2) return SD_OK;
    if (ax->kind == SD_AXIS_CHOICES) {
        sd_json_named *a = sd_malloc(n * sizeof *a, "a parameter's values");
        if (!a) return SD_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) a[i] = (sd_json_named){ax->choices[i], i};
        dup = sd_json_first_repeat(a, n, &later, &earlier);
        free(a);
    } else {
        cfg_numbered *a = sd_malloc(n * sizeof *a, "a parameter's values");
        if (!a) return SD_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) a[i] = (cfg_numbered){ax->values[i], i};
        qsort(a, n, sizeof *a, cfg_numbered_cmp);
        for (size_t i = 1; i < n; i++) {
            if (a[i].v != a[i - 1].v) continue;
            if (i > 1 && a[i - 2].v == a[i].v) continue; /* not the first repeat */
            if (!dup || a[i].pos < later) {
                later = a[i].pos;
                earlier = a[i - 1].pos;
                dup = 1;
            }
        }
        free(a);
    }
    if (!dup) return SD_OK;
    char vp[SD_JSON_PATH], what[SD_JSON_Q];
    sd_json_sub(vp, sizeof vp, "%s.values[%zu]", path, later);
    if (ax->kind == SD_AXIS_CHOICES)
        sd_json_quote(what, sizeof what, ax->choices[later]);
    else
        sd_json_num(what, sizeof what, ax->values[later]);
    return sd_json_fail(c->source, vp,
                        "%s is given twice (also values[%zu]); each value may appear once", what,
                        earlier);
}

static int cfg_range(const sd_schema_ctx *c, const char *path, const cJSON *p, sd_axis *ax)
{
    char g[SD_JSON_Q], q[SD_JSON_Q], list[SD_JSON_LIST], rp[SD_JSON_PATH];
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, "range");
    sd_json_sub(rp, sizeof rp, "%s.range", path);
    if (ax->def.type == SD_PARAM_CHOICE)
        return sd_json_fail(c->source, rp,
                            "%s is a choice parameter and has no range; list its choices "
                            "in \"values\", from: %s",
                            sd_json_quote(q, sizeof q, ax->name),
                            cfg_choice_list(list, sizeof list, &ax->def));
    if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 2) {
        if (cJSON_IsArray(r))
            snprintf(g, sizeof g, "an array of %d elements", cJSON_GetArraySize(r));
        else
            sd_json_got(g, sizeof g, r);
        return sd_json_fail(
            c->source, rp, "expected [min, max], two numbers, got %s; allowed for %s: %s", g,
            sd_json_quote(q, sizeof q, ax->name), cfg_allowed(list, sizeof list, &ax->def));
    }
    const cJSON *lo = r->child, *hi = r->child->next;
    for (int e = 0; e < 2; e++) {
        const cJSON *v = e ? hi : lo;
        if (!cJSON_IsNumber(v)) {
            char ep[SD_JSON_PATH];
            sd_json_sub(ep, sizeof ep, "%s[%d]", rp, e);
            return sd_json_fail(c->source, ep, "expected a number, got %s",
                                sd_json_got(g, sizeof g, v));
        }
    }
    ax->kind = SD_AXIS_RANGE;
    ax->min = lo->valuedouble;
    ax->max = hi->valuedouble;
    SD_CALL(cfg_in_range(c, rp, &ax->def, "min ", ax->min));
    SD_CALL(cfg_in_range(c, rp, &ax->def, "max ", ax->max));
    if (!(ax->min < ax->max)) {
        char a[40], b[40];
        sd_json_num(a, sizeof a, ax->min);
        sd_json_num(b, sizeof b, ax->max);
        if (ax->min == ax->max)
            return sd_json_fail(c->source, rp,
                                "min %s = max %s; a range needs min < max (for a single "
                                "value, set it in model.params)",
                                a, b);
        return sd_json_fail(c->source, rp, "min %s > max %s; a range is [min, max] with min < max",
                            a, b);
    }
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(p, "scale");
    if (j) {
        static const char *const scales[] = {"lin", "log"};
        char sp[SD_JSON_PATH], hint[SD_JSON_Q];
        sd_json_sub(sp, sizeof sp, "%s.scale", path);
        if (!cJSON_IsString(j))
            return sd_json_fail(c->source, sp, "expected \"lin\" or \"log\", got %s",
                                sd_json_got(g, sizeof g, j));
        int k = sd_json_in_list(j->valuestring, scales, 2);
        if (k < 0)
            return sd_json_fail(c->source, sp, "%s is not a scale; allowed: \"lin\", \"log\"%s",
                                sd_json_quote(q, sizeof q, j->valuestring),
                                sd_json_suggest(hint, sizeof hint, j->valuestring, scales, 2));
        ax->log = k;
    }
    if (ax->log && ax->min <= 0) {
        char a[40];
        return sd_json_fail(c->source, rp,
                            "min %s: a log scale needs min > 0; use a positive range or "
                            "\"scale\": \"lin\"",
                            sd_json_num(a, sizeof a, ax->min));
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(p, "levels"))) {
        char lp[SD_JSON_PATH];
        uint64_t lv;
        sd_json_sub(lp, sizeof lp, "%s.levels", path);
        SD_CALL(sd_json_whole(c->source, j, lp, 2, (uint64_t)SD_JSON_MAX_INT, "a whole number >= 2",
                              &lv));
        ax->levels = (size_t)lv;
    }
    return SD_OK;
}

static int cfg_values(const sd_schema_ctx *c, const char *path, const cJSON *p, sd_axis *ax,
                      sd_design_type dt)
{
    char g[SD_JSON_Q], q[SD_JSON_Q], list[SD_JSON_LIST], vp[SD_JSON_PATH];
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "values");
    sd_json_sub(vp, sizeof vp, "%s.values", path);
    static const char *const range_only[] = {"scale", "levels"};
    for (int i = 0; i < 2; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(p, range_only[i])) continue;
        char kp[SD_JSON_PATH];
        sd_json_sub(kp, sizeof kp, "%s.%s", path, range_only[i]);
        return sd_json_fail(c->source, kp,
                            "\"%s\" goes with a \"range\"; a list of \"values\" takes "
                            "each value as given",
                            range_only[i]);
    }
    if (!cJSON_IsArray(vals) || !vals->child)
        return sd_json_fail(c->source, vp, "expected a non-empty array of %s, got %s",
                            ax->def.type == SD_PARAM_CHOICE ? "strings" : "numbers",
                            cJSON_IsArray(vals) ? "an empty array"
                                                : sd_json_got(g, sizeof g, vals));
    const cJSON *first = vals->child;
    int strings = cJSON_IsString(first);
    if (!strings && !cJSON_IsNumber(first)) {
        char ep[SD_JSON_PATH];
        sd_json_sub(ep, sizeof ep, "%s[0]", vp);
        return sd_json_fail(c->source, ep, "expected a number or a string, got %s",
                            sd_json_got(g, sizeof g, first));
    }
    if (strings && ax->def.type != SD_PARAM_CHOICE)
        return sd_json_fail(c->source, vp,
                            "strings given, but %s is a number parameter; allowed: "
                            "%s in [%s, %s]",
                            sd_json_quote(q, sizeof q, ax->name),
                            ax->def.type == SD_PARAM_INT ? "whole numbers" : "numbers",
                            sd_json_num(g, sizeof g, ax->def.min),
                            sd_json_num(list, sizeof list, ax->def.max));
    if (!strings && ax->def.type == SD_PARAM_CHOICE)
        return sd_json_fail(c->source, vp,
                            "numbers given, but %s is a choice parameter; allowed: "
                            "strings, each one of %s",
                            sd_json_quote(q, sizeof q, ax->name),
                            cfg_choice_list(list, sizeof list, &ax->def));
    size_t n = (size_t)cJSON_GetArraySize(vals);
    ax->kind = strings ? SD_AXIS_CHOICES : SD_AXIS_VALUES;
    if (strings)
        ax->choices = sd_calloc(n, sizeof *ax->choices, "a parameter's choices");
    else
        ax->values = sd_calloc(n, sizeof *ax->values, "a parameter's values");
    if (!ax->choices && !ax->values) return SD_ERR_NOMEM;
    ax->n_values = n;
    size_t i = 0;
    for (const cJSON *v = vals->child; v; v = v->next, i++) {
        char ep[SD_JSON_PATH];
        sd_json_sub(ep, sizeof ep, "%s[%zu]", vp, i);
        if (cJSON_IsString(v) != strings || (!strings && !cJSON_IsNumber(v)))
            return sd_json_fail(c->source, ep,
                                "got %s among %s; the values of a parameter are all "
                                "numbers or all strings",
                                sd_json_got(g, sizeof g, v), strings ? "strings" : "numbers");
        double num;
        SD_CALL(cfg_value(c, ep, &ax->def, v, &num));
        if (strings) {
            ax->choices[i] = sd_strdup(v->valuestring);
            if (!ax->choices[i]) return SD_ERR_NOMEM;
        } else {
            ax->values[i] = num;
        }
    }
    if (dt != SD_DESIGN_LIST) SD_CALL(cfg_axis_unique(c, path, ax));
    return SD_OK;
}

int sd_schema_axis(const sd_schema_ctx *c, const cJSON *p, size_t i, sd_sweep *s)
{
    static const char *const keys[] = {"name", "range", "values", "scale", "levels"};
    char path[SD_JSON_PATH], np[SD_JSON_PATH], g[SD_JSON_Q], q[SD_JSON_Q];
    sd_axis *ax = &s->axes[i];
    sd_json_sub(path, sizeof path, "parameters[%zu]", i);
    sd_json_sub(np, sizeof np, "%s.name", path);
    if (!cJSON_IsObject(p))
        return sd_json_fail(c->source, path,
                            "expected an object like {\"name\": \"x1\", \"range\": [0, 1]}, got %s",
                            sd_json_got(g, sizeof g, p));
    SD_CALL(sd_json_keys(c->source, p, path, keys, sizeof keys / sizeof keys[0]));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    if (!name)
        return sd_json_fail(c->source, np, "missing; every parameter names a model parameter");
    SD_CALL(sd_json_string(c->source, name, np, 1, NULL));
    sd_param_def def;
    SD_CALL(cfg_model_param(c, s, np, name->valuestring, &def));
    if (def.fixed_only)
        return sd_json_fail(c->source, np,
                            "%s cannot be swept: it is fixed for the whole sweep; set it "
                            "in model.params instead",
                            sd_json_quote(q, sizeof q, name->valuestring));
    ax->name = sd_strdup(name->valuestring);
    if (!ax->name) return SD_ERR_NOMEM;
    def.name = ax->name;
    ax->def = def;

    int has_range = cJSON_GetObjectItemCaseSensitive(p, "range") != NULL;
    int has_values = cJSON_GetObjectItemCaseSensitive(p, "values") != NULL;
    if (has_range && has_values)
        return sd_json_fail(c->source, path,
                            "both \"range\" and \"values\" given for %s; give one: a "
                            "\"range\": [min, max] or a list of \"values\"",
                            sd_json_quote(q, sizeof q, ax->name));
    if (!has_range && !has_values)
        return sd_json_fail(c->source, path,
                            "neither \"range\" nor \"values\" given for %s; give one: a "
                            "\"range\": [min, max] or a list of \"values\"",
                            sd_json_quote(q, sizeof q, ax->name));
    if (has_range) return cfg_range(c, path, p, ax);
    return cfg_values(c, path, p, ax, s->design.type);
}

/* No parameter both swept twice, or swept and set in model.params. */
int sd_schema_axes_distinct(const sd_schema_ctx *c, const sd_sweep *s)
{
    size_t n = s->n_axes + s->n_fixed, later = 0, earlier = 0;
    if (n < 2) return SD_OK;
    sd_json_named *a = sd_malloc(n * sizeof *a, "parameter names");
    if (!a) return SD_ERR_NOMEM;
    /* Positions: model.params first (0 .. n_fixed-1), then the axes. */
    for (size_t i = 0; i < s->n_fixed; i++) a[i] = (sd_json_named){s->fixed[i].name, i};
    for (size_t i = 0; i < s->n_axes; i++)
        a[s->n_fixed + i] = (sd_json_named){s->axes[i].name, s->n_fixed + i};
    int dup = sd_json_first_repeat(a, n, &later, &earlier);
    free(a);
    if (!dup) return SD_OK;
    char path[SD_JSON_PATH], q[SD_JSON_Q];
    size_t ai = later - s->n_fixed; /* model.params has no repeated keys */
    sd_json_sub(path, sizeof path, "parameters[%zu].name", ai);
    sd_json_quote(q, sizeof q, s->axes[ai].name);
    if (earlier < s->n_fixed)
        return sd_json_fail(c->source, path,
                            "%s is also set in model.params; a parameter is either fixed "
                            "there or swept here, not both",
                            q);
    return sd_json_fail(c->source, path,
                        "%s is already swept by parameters[%zu]; each parameter may be "
                        "swept once",
                        q, earlier - s->n_fixed);
}

