/* sendrift: the sweep file (see include/sendrift/config.h, sweeps/schema.json).
 *
 * Parsing is cJSON followed by one validation pass that mirrors the schema:
 * every object's keys are checked against the keys allowed there (with a
 * did-you-mean for typos), every value's JSON type and range, every parameter
 * against the model's table, and the design's own rules.  Each message reads
 *   <source>: <JSON path>: <what is wrong>; <what is allowed>
 * and the first problem found is the one reported.  The sweep is built as it
 * is validated; on any error it is destroyed, so nothing leaks.
 */
#include "sendrift/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sendrift/error.h"

#define CFG_MAX_INT 9007199254740992.0 /* 2^53 = SD_SWEEP_MAX_RUNS, as a double */
#define CFG_PATH 512                   /* JSON paths in messages              */
#define CFG_Q 256                      /* a quoted value in a message         */
#define CFG_LIST 1024                  /* a list of allowed names             */

typedef struct {
    const char *source;
    const sd_model_class *const *models;
    size_t n_models;
} cfg_ctx;

/* ---------------------------------------------------------------- messages */

static int cfg_fail(const cfg_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cfg_fail(const cfg_ctx *c, const char *path, const char *fmt, ...)
{
    char msg[3072];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && *path) return sd_error(SD_ERR_INPUT, "%s: %s: %s", c->source, path, msg);
    return sd_error(SD_ERR_INPUT, "%s: %s", c->source, msg);
}

/* Format a JSON path into buf (cut short when it does not fit). */
static const char *cfg_sub(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *cfg_sub(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

/* s in double quotes, escaped, at most about 60 characters of it. */
static const char *cfg_quote(char *buf, size_t n, const char *s)
{
    size_t o = 0, i;
    buf[o++] = '"';
    for (i = 0; s[i] && o + 10 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (i >= 60 && (ch & 0xC0) != 0x80) break;
        if (ch == '"' || ch == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(buf + o, n - o, "\\x%02x", ch);
            o += 4;
        } else {
            buf[o++] = (char)ch;
        }
    }
    if (s[i]) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* The shortest decimal form that reads back as v. */
static const char *cfg_num(char *buf, size_t n, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v) break;
    }
    return buf;
}

/* What a JSON value is, for "expected ..., got ..." messages. */
static const char *cfg_got(char *buf, size_t n, const cJSON *j)
{
    char q[CFG_Q];
    if (cJSON_IsString(j)) {
        snprintf(buf, n, "the string %s", cfg_quote(q, sizeof q, j->valuestring));
    } else if (cJSON_IsNumber(j)) {
        char num[40];
        snprintf(buf, n, "the number %s", cfg_num(num, sizeof num, j->valuedouble));
    } else if (cJSON_IsTrue(j)) {
        snprintf(buf, n, "true");
    } else if (cJSON_IsFalse(j)) {
        snprintf(buf, n, "false");
    } else if (cJSON_IsNull(j)) {
        snprintf(buf, n, "null");
    } else if (cJSON_IsArray(j)) {
        snprintf(buf, n, "an array");
    } else if (cJSON_IsObject(j)) {
        snprintf(buf, n, "an object");
    } else {
        snprintf(buf, n, "an invalid value");
    }
    return buf;
}

/* "a, b, c" (quoted when quote), cut short with ", ..." when too long. */
static const char *cfg_join(char *buf, size_t n, const char *const *list, size_t count,
                            int quote)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        char q[CFG_Q];
        const char *item = quote ? cfg_quote(q, sizeof q, list[i]) : list[i];
        size_t need = strlen(item) + (i ? 2 : 0);
        if (o + need + 6 >= n) {
            snprintf(buf + o, n - o, "%s...", i ? ", " : "");
            break;
        }
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "", item);
    }
    return buf;
}

/* Path of key under parent: parent.key, or parent["odd key"]. */
static const char *cfg_key_path(char *buf, size_t n, const char *parent, const char *key)
{
    int plain = key[0] != '\0' && strlen(key) <= 64;
    for (const char *k = key; *k && plain; k++)
        plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
                (*k >= '0' && *k <= '9') || *k == '_' || *k == '$' || *k == '-';
    if (plain) {
        snprintf(buf, n, "%s%s%s", parent, *parent ? "." : "", key);
    } else {
        char q[CFG_Q];
        snprintf(buf, n, "%s[%s]", parent, cfg_quote(q, sizeof q, key));
    }
    return buf;
}

/* c in lower case (ASCII only: key and parameter names are ASCII, and the
 * locale must not change the suggestions). */
static int cfg_fold(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Optimal string alignment distance in half edits, capped: changing only a
 * letter's case costs 1, any other substitution, insertion, deletion or
 * transposition 2, so k_e is nearer k_E than k_S. */
static size_t cfg_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 62 || lb > 62) return 99;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = 2 * i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = 2 * j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = 2;
            if (a[i - 1] == b[j - 1]) cost = 0;
            else if (cfg_fold(a[i - 1]) == cfg_fold(b[j - 1])) cost = 1; /* case only */
            size_t v = d[i - 1][j] + 2;
            if (d[i][j - 1] + 2 < v) v = d[i][j - 1] + 2;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 2 < v)
                v = d[i - 2][j - 2] + 2;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* " (did you mean "x"?)" or "".  A name equal to word but for case is what
 * was meant (of those, the one with the fewest case changes: k_e -> k_E,
 * not K_E, nor k_S, also one edit away); failing that, the closest name
 * within two edits that is not a rewrite of the whole word.  Ties go to the
 * first in known[]. */
static const char *cfg_suggest(char *buf, size_t n, const char *word,
                               const char *const *known, size_t count)
{
    size_t best = 5, bi = 0; /* half edits: within two edits */
    int folded = 0;
    for (size_t i = 0; i < count; i++) {
        const char *a = word, *b = known[i];
        while (*a && cfg_fold(*a) == cfg_fold(*b)) a++, b++;
        if (*a || *b) continue;
        size_t dist = cfg_distance(word, known[i]);
        if (!folded || dist < best) {
            best = dist;
            bi = i;
            folded = 1;
        }
    }
    for (size_t i = 0; i < count && !folded; i++) {
        size_t dist = cfg_distance(word, known[i]);
        if (dist < best && dist < 2 * strlen(word) && dist < 2 * strlen(known[i])) {
            best = dist;
            bi = i;
        }
    }
    buf[0] = '\0';
    if (folded || best <= 4) {
        char q[CFG_Q];
        snprintf(buf, n, " (did you mean %s?)", cfg_quote(q, sizeof q, known[bi]));
    }
    return buf;
}

static int cfg_in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return (int)i;
    return -1;
}

/* ---------------------------------------------------------- typed getters */

/* Every key of obj must be one of allowed[]. */
static int cfg_keys(const cfg_ctx *c, const cJSON *obj, const char *path,
                    const char *const *allowed, size_t n)
{
    for (const cJSON *k = obj->child; k; k = k->next) {
        if (cfg_in_list(k->string, allowed, n) >= 0) continue;
        char kp[CFG_PATH], q[CFG_Q], list[CFG_LIST], hint[CFG_Q];
        return cfg_fail(c, cfg_key_path(kp, sizeof kp, path, k->string),
                        "unknown key %s; allowed here: %s%s",
                        cfg_quote(q, sizeof q, k->string),
                        cfg_join(list, sizeof list, allowed, n, 0),
                        cfg_suggest(hint, sizeof hint, k->string, allowed, n));
    }
    return SD_OK;
}

/* A whole number in [min, max] (max <= 2^53); what says what is allowed. */
static int cfg_whole(const cfg_ctx *c, const cJSON *j, const char *path, uint64_t min,
                     uint64_t max, const char *what, uint64_t *out)
{
    char g[CFG_Q], a[40];
    if (!cJSON_IsNumber(j))
        return cfg_fail(c, path, "expected %s, got %s", what, cfg_got(g, sizeof g, j));
    double v = j->valuedouble;
    cfg_num(a, sizeof a, v);
    if (!isfinite(v) || v != floor(v))
        return cfg_fail(c, path, "%s is not a whole number; allowed: %s", a, what);
    if (v < 0 && min == 0)
        return cfg_fail(c, path, "%s is negative; allowed: %s", a, what);
    if (v < (double)min)
        return cfg_fail(c, path, "%s is below the minimum %llu; allowed: %s", a,
                        (unsigned long long)min, what);
    if (v > (double)max)
        return cfg_fail(c, path, "%s is above the maximum %llu; allowed: %s", a,
                        (unsigned long long)max, what);
    *out = (uint64_t)v;
    return SD_OK;
}

static int cfg_bool(const cfg_ctx *c, const cJSON *j, const char *path, int *out)
{
    char g[CFG_Q];
    if (!cJSON_IsBool(j))
        return cfg_fail(c, path, "expected true or false, got %s", cfg_got(g, sizeof g, j));
    *out = cJSON_IsTrue(j) ? 1 : 0;
    return SD_OK;
}

/* A string (non-empty when nonempty); copied into *out when out. */
static int cfg_string(const cfg_ctx *c, const cJSON *j, const char *path, int nonempty,
                      char **out)
{
    char g[CFG_Q];
    if (!cJSON_IsString(j))
        return cfg_fail(c, path, "expected a string, got %s", cfg_got(g, sizeof g, j));
    if (nonempty && j->valuestring[0] == '\0')
        return cfg_fail(c, path, "empty string; allowed: a non-empty string");
    if (out) {
        *out = sd_strdup(j->valuestring);
        if (!*out) return SD_ERR_NOMEM;
    }
    return SD_OK;
}

/* ------------------------------------------------------- duplicated keys */

typedef struct {
    const char *key;
    size_t pos;
} cfg_named;

static int cfg_named_cmp(const void *pa, const void *pb)
{
    const cfg_named *a = pa, *b = pb;
    int r = strcmp(a->key, b->key);
    if (r) return r;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Of n named things, the position of the first repeat of a name (the
 * smallest position that repeats an earlier one) and of that earlier one;
 * returns 0 when all differ.  Sorts a. */
static int cfg_first_repeat(cfg_named *a, size_t n, size_t *later, size_t *earlier)
{
    int found = 0;
    qsort(a, n, sizeof *a, cfg_named_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(a[i].key, a[i - 1].key) != 0) continue;
        /* The first repeat of a name is the second element of its run. */
        if (i > 1 && strcmp(a[i - 2].key, a[i].key) == 0) continue;
        if (!found || a[i].pos < *later) {
            *later = a[i].pos;
            *earlier = a[i - 1].pos;
            found = 1;
        }
    }
    return found;
}

/* cJSON keeps every member of an object, repeated keys included: refuse
 * them anywhere in the document.  path is a buffer of CFG_PATH bytes holding
 * the path of j; it is restored before returning. */
static int cfg_dups(const cfg_ctx *c, const cJSON *j, char *path)
{
    size_t plen = strlen(path);
    if (cJSON_IsObject(j)) {
        size_t n = 0;
        for (const cJSON *k = j->child; k; k = k->next) n++;
        if (n > 1) {
            cfg_named *a = sd_malloc(n * sizeof *a, "the keys of a JSON object");
            if (!a) return SD_ERR_NOMEM;
            size_t i = 0, later = 0, earlier = 0;
            for (const cJSON *k = j->child; k; k = k->next, i++) a[i] = (cfg_named){k->string, i};
            int dup = cfg_first_repeat(a, n, &later, &earlier);
            free(a);
            if (dup) {
                const cJSON *k = j->child;
                for (i = 0; i < later; i++) k = k->next;
                char kp[CFG_PATH], q[CFG_Q];
                return cfg_fail(c, cfg_key_path(kp, sizeof kp, path, k->string),
                                "key %s appears twice in the same object; each key may "
                                "appear only once",
                                cfg_quote(q, sizeof q, k->string));
            }
        }
    }
    if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
        size_t i = 0;
        for (const cJSON *k = j->child; k; k = k->next, i++) {
            if (!cJSON_IsObject(k) && !cJSON_IsArray(k)) continue;
            char sub[CFG_PATH];
            if (cJSON_IsObject(j))
                cfg_key_path(sub, sizeof sub, path, k->string);
            else
                cfg_sub(sub, sizeof sub, "%s[%zu]", path, i);
            memcpy(path, sub, strlen(sub) + 1);
            int rc = cfg_dups(c, k, path);
            path[plen] = '\0';
            if (rc) return rc;
        }
    }
    return SD_OK;
}

/* ----------------------------------------------------------- parameters */

static int cfg_choice_index(const sd_param_def *def, const char *s)
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
    return cfg_join(buf, n, def->choices, cfg_n_choices(def), 1);
}

/* The allowed values of a number parameter: "[min, max]" or "the whole
 * numbers in [min, max]". */
static const char *cfg_allowed(char *buf, size_t n, const sd_param_def *def)
{
    char a[40], b[40];
    snprintf(buf, n, "%s[%s, %s]", def->type == SD_PARAM_INT ? "a whole number in " : "",
             cfg_num(a, sizeof a, def->min), cfg_num(b, sizeof b, def->max));
    return buf;
}

/* x (labelled "min ", "max " or "") within the parameter's definition. */
static int cfg_in_range(const cfg_ctx *c, const char *path, const sd_param_def *def,
                        const char *label, double x)
{
    char a[40], b[40], q[CFG_Q], list[CFG_LIST];
    cfg_num(a, sizeof a, x);
    cfg_quote(q, sizeof q, def->name);
    if (!isfinite(x))
        return cfg_fail(c, path, "%s%s is not a finite number; allowed for %s: %s", label, a,
                        q, cfg_allowed(list, sizeof list, def));
    if (def->type == SD_PARAM_INT && x != floor(x))
        return cfg_fail(c, path, "%s%s is not a whole number; %s is an integer parameter",
                        label, a, q);
    if (x < def->min)
        return cfg_fail(c, path, "%s%s is below the smallest value %s allowed for %s", label,
                        a, cfg_num(b, sizeof b, def->min), q);
    if (x > def->max)
        return cfg_fail(c, path, "%s%s is above the largest value %s allowed for %s", label,
                        a, cfg_num(b, sizeof b, def->max), q);
    return SD_OK;
}

/* One value of parameter def: a number for REAL and INT, a string among the
 * choices for CHOICE (*num is then the index in def->choices). */
static int cfg_value(const cfg_ctx *c, const char *path, const sd_param_def *def,
                     const cJSON *v, double *num)
{
    char g[CFG_Q], q[CFG_Q], list[CFG_LIST], hint[CFG_Q];
    if (def->type == SD_PARAM_CHOICE) {
        if (!cJSON_IsString(v))
            return cfg_fail(c, path, "expected a string, got %s; %s is a choice of: %s",
                            cfg_got(g, sizeof g, v), cfg_quote(q, sizeof q, def->name),
                            cfg_choice_list(list, sizeof list, def));
        int idx = cfg_choice_index(def, v->valuestring);
        if (idx < 0)
            return cfg_fail(c, path, "%s is not a choice of %s; allowed: %s%s",
                            cfg_quote(g, sizeof g, v->valuestring),
                            cfg_quote(q, sizeof q, def->name),
                            cfg_choice_list(list, sizeof list, def),
                            cfg_suggest(hint, sizeof hint, v->valuestring, def->choices,
                                        cfg_n_choices(def)));
        *num = idx;
        return SD_OK;
    }
    if (!cJSON_IsNumber(v))
        return cfg_fail(c, path, "expected a number, got %s; allowed for %s: %s",
                        cfg_got(g, sizeof g, v), cfg_quote(q, sizeof q, def->name),
                        cfg_allowed(list, sizeof list, def));
    SD_CALL(cfg_in_range(c, path, def, "", v->valuedouble));
    *num = v->valuedouble;
    return SD_OK;
}

/* The model's parameter named name, or a message listing the known ones. */
static int cfg_model_param(const cfg_ctx *c, const sd_sweep *s, const char *path,
                           const char *name, sd_param_def *def)
{
    if (sd_model_param(s->model, name, def)) return SD_OK;
    const sd_model_class *m = s->model;
    const char **names = sd_calloc(m->n_params, sizeof *names, "parameter names");
    if (!names) return SD_ERR_NOMEM;
    for (size_t i = 0; i < m->n_params; i++) names[i] = m->params[i].name;
    char q[CFG_Q], mq[CFG_Q], list[CFG_LIST], hint[CFG_Q];
    cfg_join(list, sizeof list, names, m->n_params, 0);
    cfg_suggest(hint, sizeof hint, name, names, m->n_params);
    free(names);
    const char *more = "";
    if (m->lookup)
        more = m->n_params ? ", and the numbered families the model defines (see its "
                             "description)"
                           : "the numbered families the model defines (see its description)";
    return cfg_fail(c, path, "%s is not a parameter of model %s; known: %s%s%s",
                    cfg_quote(q, sizeof q, name), cfg_quote(mq, sizeof mq, m->name), list,
                    more, hint);
}

/* ---------------------------------------------------------------- model */

static int cfg_model(const cfg_ctx *c, const cJSON *m, sd_sweep *s)
{
    static const char *const keys[] = {"name", "params"};
    char g[CFG_Q], q[CFG_Q], list[CFG_LIST], hint[CFG_Q];
    const char *names[64];
    size_t nn = c->n_models < 64 ? c->n_models : 64;
    for (size_t i = 0; i < nn; i++) names[i] = c->models[i]->name;
    cfg_join(list, sizeof list, names, nn, 0);

    if (!cJSON_IsObject(m))
        return cfg_fail(c, "model",
                        "expected an object like {\"name\": \"%s\", \"params\": {...}}, got %s",
                        nn ? names[0] : "ishigami", cfg_got(g, sizeof g, m));
    SD_CALL(cfg_keys(c, m, "model", keys, 2));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
    if (!name) return cfg_fail(c, "model.name", "missing; name the model, one of: %s", list);
    if (!cJSON_IsString(name))
        return cfg_fail(c, "model.name", "expected a string, got %s; known models: %s",
                        cfg_got(g, sizeof g, name), list);
    for (size_t i = 0; i < c->n_models; i++)
        if (strcmp(c->models[i]->name, name->valuestring) == 0) s->model = c->models[i];
    if (!s->model)
        return cfg_fail(c, "model.name", "%s is not a known model; known: %s%s",
                        cfg_quote(q, sizeof q, name->valuestring), list,
                        cfg_suggest(hint, sizeof hint, name->valuestring, names, nn));

    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    if (!params) return SD_OK;
    if (!cJSON_IsObject(params))
        return cfg_fail(c, "model.params",
                        "expected an object of parameter values like {\"a\": 7}, got %s",
                        cfg_got(g, sizeof g, params));
    size_t n = 0;
    for (const cJSON *k = params->child; k; k = k->next) n++;
    s->fixed = sd_calloc(n, sizeof *s->fixed, "model.params");
    if (!s->fixed) return SD_ERR_NOMEM;
    s->n_fixed = n;
    size_t i = 0;
    for (const cJSON *k = params->child; k; k = k->next, i++) {
        sd_fixed *f = &s->fixed[i];
        char path[CFG_PATH];
        cfg_key_path(path, sizeof path, "model.params", k->string);
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

static int cfg_design(const cfg_ctx *c, const cJSON *d, sd_sweep *s)
{
    char g[CFG_Q], q[CFG_Q], list[CFG_LIST], hint[CFG_Q];
    cfg_join(list, sizeof list, cfg_design_names, CFG_N_DESIGNS, 0);
    if (!cJSON_IsObject(d))
        return cfg_fail(c, "design",
                        "expected an object like {\"type\": \"sobol\", \"samples\": 1024}, "
                        "got %s",
                        cfg_got(g, sizeof g, d));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "type");
    if (!type) return cfg_fail(c, "design.type", "missing; one of: %s", list);
    if (!cJSON_IsString(type))
        return cfg_fail(c, "design.type", "expected a string, got %s; one of: %s",
                        cfg_got(g, sizeof g, type), list);
    int t = cfg_in_list(type->valuestring, cfg_design_names, CFG_N_DESIGNS);
    if (t < 0)
        return cfg_fail(c, "design.type", "%s is not a design type; known: %s%s",
                        cfg_quote(q, sizeof q, type->valuestring), list,
                        cfg_suggest(hint, sizeof hint, type->valuestring, cfg_design_names,
                                    CFG_N_DESIGNS));
    const char *const *keys = cfg_design_keys[t];
    size_t nkeys = cfg_design_nkeys[t];

    /* A key of another design type gets a message of its own. */
    for (const cJSON *k = d->child; k; k = k->next) {
        if (cfg_in_list(k->string, keys, nkeys) >= 0) continue;
        for (int o = 0; o < CFG_N_DESIGNS; o++) {
            if (cfg_in_list(k->string, cfg_design_keys[o], cfg_design_nkeys[o]) < 0) continue;
            char kp[CFG_PATH];
            return cfg_fail(c, cfg_key_path(kp, sizeof kp, "design", k->string),
                            "not used by a \"%s\" design (it belongs to a \"%s\" design); "
                            "allowed here: %s",
                            cfg_design_names[t], cfg_design_names[o],
                            cfg_join(list, sizeof list, keys, nkeys, 0));
        }
    }
    SD_CALL(cfg_keys(c, d, "design", keys, nkeys));

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
            return cfg_fail(c, "design.samples", "missing; a \"%s\" design needs %s",
                            cfg_design_names[t],
                            t == SD_DESIGN_SOBOL ? "the number of base points N = 2^k, "
                                                   "e.g. \"samples\": 1024"
                                                 : "the number of points, e.g. "
                                                   "\"samples\": 1000");
        SD_CALL(cfg_whole(c, j, "design.samples", 1, (uint64_t)CFG_MAX_INT,
                          t == SD_DESIGN_SOBOL ? "a power of two >= 1"
                                               : "a whole number >= 1",
                          &ds->samples));
        if (t != SD_DESIGN_SOBOL) break;
        if (ds->samples & (ds->samples - 1)) {
            uint64_t lo = 1;
            while (lo <= ds->samples / 2) lo *= 2;
            uint64_t near = (ds->samples - lo < 2 * lo - ds->samples) ? lo : 2 * lo;
            return cfg_fail(c, "design.samples",
                            "%llu is not a power of two; the Saltelli design needs N = 2^k "
                            "(try %llu)",
                            (unsigned long long)ds->samples, (unsigned long long)near);
        }
        if ((j = cJSON_GetObjectItemCaseSensitive(d, "second_order")))
            SD_CALL(cfg_bool(c, j, "design.second_order", &ds->second_order));
        ds->skip = ds->samples > 16 ? ds->samples : 16; /* = sd_sobol_default_skip() */
        if ((j = cJSON_GetObjectItemCaseSensitive(d, "skip")))
            SD_CALL(cfg_whole(c, j, "design.skip", 0, (uint64_t)CFG_MAX_INT,
                              "a whole number >= 0", &ds->skip));
        break;
    case SD_DESIGN_MORRIS: {
        j = cJSON_GetObjectItemCaseSensitive(d, "trajectories");
        if (!j)
            return cfg_fail(c, "design.trajectories",
                            "missing; a \"morris\" design needs the number of trajectories, "
                            "e.g. \"trajectories\": 20");
        SD_CALL(cfg_whole(c, j, "design.trajectories", 1, (uint64_t)CFG_MAX_INT,
                          "a whole number >= 1", &ds->trajectories));
        ds->levels = 4;
        if ((j = cJSON_GetObjectItemCaseSensitive(d, "levels"))) {
            uint64_t lv;
            SD_CALL(cfg_whole(c, j, "design.levels", 2, (uint64_t)1 << 31,
                              "an even whole number >= 2", &lv));
            if (lv % 2)
                return cfg_fail(c, "design.levels",
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
static int cfg_axis_unique(const cfg_ctx *c, const char *path, const sd_axis *ax)
{
    size_t n = ax->n_values, later = 0, earlier = 0;
    int dup = 0;
    if (n < 2) return SD_OK;
    if (ax->kind == SD_AXIS_CHOICES) {
        cfg_named *a = sd_malloc(n * sizeof *a, "a parameter's values");
        if (!a) return SD_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) a[i] = (cfg_named){ax->choices[i], i};
        dup = cfg_first_repeat(a, n, &later, &earlier);
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
    char vp[CFG_PATH], what[CFG_Q];
    cfg_sub(vp, sizeof vp, "%s.values[%zu]", path, later);
    if (ax->kind == SD_AXIS_CHOICES)
        cfg_quote(what, sizeof what, ax->choices[later]);
    else
        cfg_num(what, sizeof what, ax->values[later]);
    return cfg_fail(c, vp, "%s is given twice (also values[%zu]); each value may appear once",
                    what, earlier);
}

static int cfg_range(const cfg_ctx *c, const char *path, const cJSON *p, sd_axis *ax)
{
    char g[CFG_Q], q[CFG_Q], list[CFG_LIST], rp[CFG_PATH];
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, "range");
    cfg_sub(rp, sizeof rp, "%s.range", path);
    if (ax->def.type == SD_PARAM_CHOICE)
        return cfg_fail(c, rp, "%s is a choice parameter and has no range; list its choices "
                               "in \"values\", from: %s",
                        cfg_quote(q, sizeof q, ax->name),
                        cfg_choice_list(list, sizeof list, &ax->def));
    if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 2) {
        if (cJSON_IsArray(r))
            snprintf(g, sizeof g, "an array of %d elements", cJSON_GetArraySize(r));
        else
            cfg_got(g, sizeof g, r);
        return cfg_fail(c, rp, "expected [min, max], two numbers, got %s; allowed for %s: %s",
                        g, cfg_quote(q, sizeof q, ax->name),
                        cfg_allowed(list, sizeof list, &ax->def));
    }
    const cJSON *lo = r->child, *hi = r->child->next;
    for (int e = 0; e < 2; e++) {
        const cJSON *v = e ? hi : lo;
        if (!cJSON_IsNumber(v)) {
            char ep[CFG_PATH];
            cfg_sub(ep, sizeof ep, "%s[%d]", rp, e);
            return cfg_fail(c, ep, "expected a number, got %s", cfg_got(g, sizeof g, v));
        }
    }
    ax->kind = SD_AXIS_RANGE;
    ax->min = lo->valuedouble;
    ax->max = hi->valuedouble;
    SD_CALL(cfg_in_range(c, rp, &ax->def, "min ", ax->min));
    SD_CALL(cfg_in_range(c, rp, &ax->def, "max ", ax->max));
    if (!(ax->min < ax->max)) {
        char a[40], b[40];
        cfg_num(a, sizeof a, ax->min);
        cfg_num(b, sizeof b, ax->max);
        if (ax->min == ax->max)
            return cfg_fail(c, rp, "min %s = max %s; a range needs min < max (for a single "
                                   "value, set it in model.params)",
                            a, b);
        return cfg_fail(c, rp, "min %s > max %s; a range is [min, max] with min < max", a, b);
    }
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(p, "scale");
    if (j) {
        static const char *const scales[] = {"lin", "log"};
        char sp[CFG_PATH], hint[CFG_Q];
        cfg_sub(sp, sizeof sp, "%s.scale", path);
        if (!cJSON_IsString(j))
            return cfg_fail(c, sp, "expected \"lin\" or \"log\", got %s",
                            cfg_got(g, sizeof g, j));
        int k = cfg_in_list(j->valuestring, scales, 2);
        if (k < 0)
            return cfg_fail(c, sp, "%s is not a scale; allowed: \"lin\", \"log\"%s",
                            cfg_quote(q, sizeof q, j->valuestring),
                            cfg_suggest(hint, sizeof hint, j->valuestring, scales, 2));
        ax->log = k;
    }
    if (ax->log && ax->min <= 0) {
        char a[40];
        return cfg_fail(c, rp, "min %s: a log scale needs min > 0; use a positive range or "
                               "\"scale\": \"lin\"",
                        cfg_num(a, sizeof a, ax->min));
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(p, "levels"))) {
        char lp[CFG_PATH];
        uint64_t lv;
        cfg_sub(lp, sizeof lp, "%s.levels", path);
        SD_CALL(cfg_whole(c, j, lp, 2, (uint64_t)CFG_MAX_INT, "a whole number >= 2", &lv));
        ax->levels = (size_t)lv;
    }
    return SD_OK;
}

static int cfg_values(const cfg_ctx *c, const char *path, const cJSON *p, sd_axis *ax,
                      sd_design_type dt)
{
    char g[CFG_Q], q[CFG_Q], list[CFG_LIST], vp[CFG_PATH];
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "values");
    cfg_sub(vp, sizeof vp, "%s.values", path);
    static const char *const range_only[] = {"scale", "levels"};
    for (int i = 0; i < 2; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(p, range_only[i])) continue;
        char kp[CFG_PATH];
        cfg_sub(kp, sizeof kp, "%s.%s", path, range_only[i]);
        return cfg_fail(c, kp, "\"%s\" goes with a \"range\"; a list of \"values\" takes "
                               "each value as given",
                        range_only[i]);
    }
    if (!cJSON_IsArray(vals) || !vals->child)
        return cfg_fail(c, vp, "expected a non-empty array of %s, got %s",
                        ax->def.type == SD_PARAM_CHOICE ? "strings" : "numbers",
                        cJSON_IsArray(vals) ? "an empty array" : cfg_got(g, sizeof g, vals));
    const cJSON *first = vals->child;
    int strings = cJSON_IsString(first);
    if (!strings && !cJSON_IsNumber(first)) {
        char ep[CFG_PATH];
        cfg_sub(ep, sizeof ep, "%s[0]", vp);
        return cfg_fail(c, ep, "expected a number or a string, got %s",
                        cfg_got(g, sizeof g, first));
    }
    if (strings && ax->def.type != SD_PARAM_CHOICE)
        return cfg_fail(c, vp, "strings given, but %s is a number parameter; allowed: "
                               "%s in [%s, %s]",
                        cfg_quote(q, sizeof q, ax->name),
                        ax->def.type == SD_PARAM_INT ? "whole numbers" : "numbers",
                        cfg_num(g, sizeof g, ax->def.min), cfg_num(list, sizeof list, ax->def.max));
    if (!strings && ax->def.type == SD_PARAM_CHOICE)
        return cfg_fail(c, vp, "numbers given, but %s is a choice parameter; allowed: "
                               "strings, each one of %s",
                        cfg_quote(q, sizeof q, ax->name),
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
        char ep[CFG_PATH];
        cfg_sub(ep, sizeof ep, "%s[%zu]", vp, i);
        if (cJSON_IsString(v) != strings || (!strings && !cJSON_IsNumber(v)))
            return cfg_fail(c, ep, "got %s among %s; the values of a parameter are all "
                                   "numbers or all strings",
                            cfg_got(g, sizeof g, v), strings ? "strings" : "numbers");
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

static int cfg_axis(const cfg_ctx *c, const cJSON *p, size_t i, sd_sweep *s)
{
    static const char *const keys[] = {"name", "range", "values", "scale", "levels"};
    char path[CFG_PATH], np[CFG_PATH], g[CFG_Q], q[CFG_Q];
    sd_axis *ax = &s->axes[i];
    cfg_sub(path, sizeof path, "parameters[%zu]", i);
    cfg_sub(np, sizeof np, "%s.name", path);
    if (!cJSON_IsObject(p))
        return cfg_fail(c, path,
                        "expected an object like {\"name\": \"x1\", \"range\": [0, 1]}, got %s",
                        cfg_got(g, sizeof g, p));
    SD_CALL(cfg_keys(c, p, path, keys, sizeof keys / sizeof keys[0]));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    if (!name) return cfg_fail(c, np, "missing; every parameter names a model parameter");
    SD_CALL(cfg_string(c, name, np, 1, NULL));
    sd_param_def def;
    SD_CALL(cfg_model_param(c, s, np, name->valuestring, &def));
    if (def.fixed_only)
        return cfg_fail(c, np, "%s cannot be swept: it is fixed for the whole sweep; set it "
                               "in model.params instead",
                        cfg_quote(q, sizeof q, name->valuestring));
    ax->name = sd_strdup(name->valuestring);
    if (!ax->name) return SD_ERR_NOMEM;
    def.name = ax->name;
    ax->def = def;

    int has_range = cJSON_GetObjectItemCaseSensitive(p, "range") != NULL;
    int has_values = cJSON_GetObjectItemCaseSensitive(p, "values") != NULL;
    if (has_range && has_values)
        return cfg_fail(c, path, "both \"range\" and \"values\" given for %s; give one: a "
                                 "\"range\": [min, max] or a list of \"values\"",
                        cfg_quote(q, sizeof q, ax->name));
    if (!has_range && !has_values)
        return cfg_fail(c, path, "neither \"range\" nor \"values\" given for %s; give one: a "
                                 "\"range\": [min, max] or a list of \"values\"",
                        cfg_quote(q, sizeof q, ax->name));
    if (has_range) return cfg_range(c, path, p, ax);
    return cfg_values(c, path, p, ax, s->design.type);
}

/* No parameter both swept twice, or swept and set in model.params. */
static int cfg_axes_distinct(const cfg_ctx *c, const sd_sweep *s)
{
    size_t n = s->n_axes + s->n_fixed, later = 0, earlier = 0;
    if (n < 2) return SD_OK;
    cfg_named *a = sd_malloc(n * sizeof *a, "parameter names");
    if (!a) return SD_ERR_NOMEM;
    /* Positions: model.params first (0 .. n_fixed-1), then the axes. */
    for (size_t i = 0; i < s->n_fixed; i++) a[i] = (cfg_named){s->fixed[i].name, i};
    for (size_t i = 0; i < s->n_axes; i++)
        a[s->n_fixed + i] = (cfg_named){s->axes[i].name, s->n_fixed + i};
    int dup = cfg_first_repeat(a, n, &later, &earlier);
    free(a);
    if (!dup) return SD_OK;
    char path[CFG_PATH], q[CFG_Q];
    size_t ai = later - s->n_fixed; /* model.params has no repeated keys */
    cfg_sub(path, sizeof path, "parameters[%zu].name", ai);
    cfg_quote(q, sizeof q, s->axes[ai].name);
    if (earlier < s->n_fixed)
        return cfg_fail(c, path, "%s is also set in model.params; a parameter is either fixed "
                                 "there or swept here, not both",
                        q);
    return cfg_fail(c, path, "%s is already swept by parameters[%zu]; each parameter may be "
                             "swept once",
                    q, earlier - s->n_fixed);
}

/* The number of points of the design; 0 when it does not fit 64 bits. */
static uint64_t cfg_points(const sd_sweep *s)
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
        return s->n_axes ? s->axes[0].n_values : 1;
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
static int cfg_check_design(const cfg_ctx *c, const sd_sweep *s)
{
    const sd_design_spec *d = &s->design;
    const char *dn = cfg_design_names[d->type];
    char path[CFG_PATH];
    if ((d->type == SD_DESIGN_SOBOL || d->type == SD_DESIGN_MORRIS) && s->n_axes == 0)
        return cfg_fail(c, "parameters", "empty; a \"%s\" design needs at least 1 parameter",
                        dn);
    if (d->type == SD_DESIGN_SOBOL && s->n_axes > 10000)
        return cfg_fail(c, "parameters", "%zu parameters; the \"sobol\" (Saltelli) design "
                                         "takes at most 10000",
                        s->n_axes);
    for (size_t i = 0; i < s->n_axes; i++) {
        const sd_axis *ax = &s->axes[i];
        if (d->type == SD_DESIGN_GRID && ax->kind == SD_AXIS_RANGE && ax->levels == 0) {
            cfg_sub(path, sizeof path, "parameters[%zu].levels", i);
            return cfg_fail(c, path, "missing; a \"grid\" design needs the number of levels "
                                     "of every range, e.g. \"levels\": 5 (or give "
                                     "\"values\")");
        }
        if (d->type == SD_DESIGN_LIST && ax->kind == SD_AXIS_RANGE) {
            cfg_sub(path, sizeof path, "parameters[%zu].range", i);
            return cfg_fail(c, path, "a \"list\" design takes \"values\" on every parameter, "
                                     "not a range");
        }
        if (d->type == SD_DESIGN_LIST && ax->n_values != s->axes[0].n_values) {
            cfg_sub(path, sizeof path, "parameters[%zu].values", i);
            return cfg_fail(c, path, "%zu values, but parameters[0].values has %zu; a "
                                     "\"list\" design zips the parameters, so every one "
                                     "gives the same number of values",
                            ax->n_values, s->axes[0].n_values);
        }
    }
    uint64_t points = cfg_points(s);
    if (points == 0 || points > (uint64_t)CFG_MAX_INT / s->replicates) {
        char pn[40];
        if (points)
            snprintf(pn, sizeof pn, "%llu", (unsigned long long)points);
        else
            snprintf(pn, sizeof pn, "more than 2^64");
        return cfg_fail(c, "design", "%s points x %llu replicates is too many runs; at most "
                                     "2^53 = 9007199254740992 runs are allowed",
                        pn, (unsigned long long)s->replicates);
    }
    return SD_OK;
}

/* ---------------------------------------------------------------- root */

static int cfg_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cfg_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* output.snapshots: { "runs": [run ids], "times": [output times] }.  The
 * run ids are checked against the design in cfg_check_snapshots, the times
 * against the model's output times when the sweep starts. */
static int cfg_snapshots(const cfg_ctx *c, const cJSON *o, sd_sweep *s)
{
    static const char *const keys[] = {"runs", "times"};
    char g[CFG_Q], path[CFG_PATH];
    if (!cJSON_IsObject(o))
        return cfg_fail(c, "output.snapshots",
                        "expected an object like {\"runs\": [0, 5], \"times\": [0, 365]}, got %s",
                        cfg_got(g, sizeof g, o));
    SD_CALL(cfg_keys(c, o, "output.snapshots", keys, 2));
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(o, "runs");
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(o, "times");
    if (!cJSON_IsArray(runs) || cJSON_GetArraySize(runs) == 0)
        return cfg_fail(c, "output.snapshots.runs",
                        "expected a non-empty list of run ids, got %s", cfg_got(g, sizeof g, runs));
    if (!cJSON_IsArray(times) || cJSON_GetArraySize(times) == 0)
        return cfg_fail(c, "output.snapshots.times",
                        "expected a non-empty list of output times, got %s",
                        cfg_got(g, sizeof g, times));
    size_t nr = (size_t)cJSON_GetArraySize(runs), nt = (size_t)cJSON_GetArraySize(times);
    s->snap_runs = sd_calloc(nr, sizeof *s->snap_runs, "snapshot runs");
    s->snap_times = sd_calloc(nt, sizeof *s->snap_times, "snapshot times");
    if (!s->snap_runs || !s->snap_times) return SD_ERR_NOMEM;
    size_t i = 0;
    const cJSON *j;
    cJSON_ArrayForEach(j, runs)
    {
        cfg_sub(path, sizeof path, "output.snapshots.runs[%zu]", i);
        SD_CALL(cfg_whole(c, j, path, 0, (uint64_t)CFG_MAX_INT, "a run id (a whole number >= 0)",
                          &s->snap_runs[i]));
        i++;
    }
    s->n_snap_runs = nr;
    i = 0;
    cJSON_ArrayForEach(j, times)
    {
        cfg_sub(path, sizeof path, "output.snapshots.times[%zu]", i);
        if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || j->valuedouble < 0)
            return cfg_fail(c, path, "expected an output time >= 0, got %s",
                            cfg_got(g, sizeof g, j));
        s->snap_times[i++] = j->valuedouble;
    }
    s->n_snap_times = nt;
    qsort(s->snap_runs, nr, sizeof *s->snap_runs, cfg_u64_cmp);
    qsort(s->snap_times, nt, sizeof *s->snap_times, cfg_dbl_cmp);
    for (i = 1; i < nr; i++)
        if (s->snap_runs[i] == s->snap_runs[i - 1])
            return cfg_fail(c, "output.snapshots.runs", "run %llu is listed twice",
                            (unsigned long long)s->snap_runs[i]);
    for (i = 1; i < nt; i++)
        if (s->snap_times[i] == s->snap_times[i - 1])
            return cfg_fail(c, "output.snapshots.times", "time %g is listed twice",
                            s->snap_times[i]);
    return SD_OK;
}

static int cfg_output(const cfg_ctx *c, const cJSON *o, sd_sweep *s)
{
    static const char *const keys[] = {"file", "timeseries", "snapshots"};
    char g[CFG_Q];
    if (!cJSON_IsObject(o))
        return cfg_fail(c, "output",
                        "expected an object like {\"file\": \"results.h5\"}, got %s",
                        cfg_got(g, sizeof g, o));
    SD_CALL(cfg_keys(c, o, "output", keys, 3));
    const cJSON *j;
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "file")))
        SD_CALL(cfg_string(c, j, "output.file", 1, &s->output_file));
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "timeseries")))
        SD_CALL(cfg_bool(c, j, "output.timeseries", &s->output_timeseries));
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

static int cfg_root(const cfg_ctx *c, const cJSON *root, sd_sweep *s)
{
    static const char *const keys[] = {"$schema",    "name",       "description", "model",
                                       "parameters", "design",     "replicates",  "seed",
                                       "output",     "run_timeout"};
    char g[CFG_Q], path[CFG_PATH] = "";
    if (!cJSON_IsObject(root))
        return cfg_fail(c, NULL, "the top level is %s; a sweep file is one JSON object "
                                 "{\"model\": ..., \"parameters\": [...], \"design\": ...}",
                        cfg_got(g, sizeof g, root));
    SD_CALL(cfg_dups(c, root, path));
    SD_CALL(cfg_keys(c, root, "", keys, sizeof keys / sizeof keys[0]));

    static const char *const required[] = {"model", "parameters", "design"};
    for (int i = 0; i < 3; i++)
        if (!cJSON_GetObjectItemCaseSensitive(root, required[i]))
            return cfg_fail(c, required[i], "missing; every sweep gives \"model\", "
                                            "\"parameters\" and \"design\"");

    const cJSON *j;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "$schema")))
        SD_CALL(cfg_string(c, j, "$schema", 0, NULL));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "name")))
    {
        SD_CALL(cfg_string(c, j, "name", 1, &s->name));
        if (strlen(s->name) > SD_SWEEP_NAME_MAX)
            return cfg_fail(c, "name", "%zu bytes long; allowed: at most %d (the name labels "
                                       "the results and names the default result file)",
                            strlen(s->name), SD_SWEEP_NAME_MAX);
    }
    else if (!(s->name = cfg_stem(s->source)))
        return SD_ERR_NOMEM;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "description")))
        SD_CALL(cfg_string(c, j, "description", 0, &s->description));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "replicates")))
        SD_CALL(cfg_whole(c, j, "replicates", 1, (uint64_t)CFG_MAX_INT, "a whole number >= 1",
                          &s->replicates));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "seed")))
        SD_CALL(cfg_whole(c, j, "seed", 0, (uint64_t)CFG_MAX_INT,
                          "a whole number in [0, 2^53 = 9007199254740992]", &s->seed));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "output"))) SD_CALL(cfg_output(c, j, s));
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "run_timeout"))) {
        if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || !(j->valuedouble > 0))
            return cfg_fail(c, "run_timeout", "expected a number of seconds > 0, got %s",
                            cfg_got(g, sizeof g, j));
        s->run_timeout = j->valuedouble;
    }

    SD_CALL(cfg_model(c, cJSON_GetObjectItemCaseSensitive(root, "model"), s));
    SD_CALL(cfg_design(c, cJSON_GetObjectItemCaseSensitive(root, "design"), s));

    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    if (!cJSON_IsArray(params))
        return cfg_fail(c, "parameters",
                        "expected an array like [{\"name\": \"x1\", \"range\": [0, 1]}], got %s",
                        cfg_got(g, sizeof g, params));
    size_t n = (size_t)cJSON_GetArraySize(params);
    s->axes = sd_calloc(n, sizeof *s->axes, "the sweep's parameters");
    if (!s->axes) return SD_ERR_NOMEM;
    s->n_axes = n;
    size_t i = 0;
    for (const cJSON *p = params->child; p; p = p->next, i++) SD_CALL(cfg_axis(c, p, i, s));
    SD_CALL(cfg_axes_distinct(c, s));
    SD_CALL(cfg_check_design(c, s));
    uint64_t runs = cfg_points(s) * s->replicates;
    for (i = 0; i < s->n_snap_runs; i++)
        if (s->snap_runs[i] >= runs)
            return cfg_fail(c, "output.snapshots.runs",
                            "run %llu does not exist; the sweep has runs 0 to %llu",
                            (unsigned long long)s->snap_runs[i], (unsigned long long)(runs - 1));
    return SD_OK;
}

/* Line and column (1-based; columns count UTF-8 characters) of offset. */
static void cfg_line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int cfg_syntax(const cfg_ctx *c, const char *text, size_t len, size_t off,
                      const char *what)
{
    size_t line, col, n = 0;
    char near[32], where[CFG_Q + 8], q[CFG_Q];
    if (off > len) off = len;
    cfg_line_col(text, off, &line, &col);
    while (off + n < len && n < 24 && text[off + n] != '\n' && text[off + n] != '\r' &&
           text[off + n] != '\0')
        n++;
    /* Do not cut a UTF-8 character in two. */
    while (n > 0 && off + n < len && ((unsigned char)text[off + n] & 0xC0) == 0x80) n--;
    memcpy(near, text + off, n);
    near[n] = '\0';
    if (n)
        snprintf(where, sizeof where, " at %s", cfg_quote(q, sizeof q, near));
    else if (off >= len)
        snprintf(where, sizeof where, " at the end of the file");
    else if (text[off] == '\0')
        snprintf(where, sizeof where, " at a NUL byte");
    else
        snprintf(where, sizeof where, " at the end of the line");
    return sd_error(SD_ERR_INPUT, "%s:%zu:%zu: JSON syntax error%s; %s", c->source, line, col,
                    where, what);
}

/* Offset of the first byte that does not start a valid UTF-8 character
 * (overlong forms, surrogates and code points past U+10FFFF included), or len
 * when the text is valid UTF-8, as JSON text must be. */
static size_t cfg_utf8_bad(const unsigned char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = t[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 1;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3;
            cp = b & 0x07;
        } else {
            return i;
        }
        if (len - i <= n) return i;
        for (size_t k = 1; k <= n; k++) {
            if ((t[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (t[i + k] & 0x3F);
        }
        static const uint32_t least[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return len;
}

/* Offset of the first \u0000 escape inside a JSON string, or len: cJSON
 * would end the string there and silently drop the rest of it. */
static size_t cfg_escaped_nul(const char *t, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_string) {
            in_string = t[i] == '"';
        } else if (t[i] == '"') {
            in_string = 0;
        } else if (t[i] == '\\' && i + 1 < len) {
            if (t[i + 1] == 'u' && i + 6 <= len && memcmp(t + i + 2, "0000", 4) == 0) return i;
            i++;
        }
    }
    return len;
}

static int cfg_parse(const cfg_ctx *c, const char *text, size_t len, sd_sweep **out)
{
    *out = NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return cfg_syntax(c, text, len, (size_t)(nul - text),
                          "a sweep file is JSON text, without NUL bytes");
    size_t bad = cfg_utf8_bad((const unsigned char *)text, len);
    if (bad < len) {
        size_t line, col;
        cfg_line_col(text, bad, &line, &col);
        return sd_error(SD_ERR_INPUT,
                        "%s:%zu:%zu: byte 0x%02X is not valid UTF-8; a sweep file is JSON "
                        "text in UTF-8 (save it as UTF-8)",
                        c->source, line, col, (unsigned)(unsigned char)text[bad]);
    }
    bad = cfg_escaped_nul(text, len);
    if (bad < len)
        return cfg_syntax(c, text, len, bad,
                          "\\u0000 (a NUL character) is not allowed in a string: it would "
                          "cut the string short");
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
        k++;
    if (k == len)
        return cfg_fail(c, NULL, "the file is empty; a sweep file is one JSON object "
                                 "{\"model\": ..., \"parameters\": [...], \"design\": ...}");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root)
        return cfg_syntax(c, text, len, end ? (size_t)(end - text) : 0,
                          "look for a missing or extra comma, quote, bracket or brace");
    size_t e = (size_t)(end - text);
    while (e < len && (text[e] == ' ' || text[e] == '\t' || text[e] == '\n' || text[e] == '\r'))
        e++;
    if (e < len) {
        cJSON_Delete(root);
        return cfg_syntax(c, text, len, e, "text after the end of the JSON document");
    }

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

static int cfg_parse_len(const char *text, size_t len, const char *source,
                         const sd_model_class *const *models, size_t n_models, sd_sweep **out)
{
    cfg_ctx c = {source ? source : "(sweep)", models, n_models};
    if (!out) return sd_error(SD_ERR_INTERNAL, "sd_sweep_parse: out is NULL");
    *out = NULL;
    if (!text) return sd_error(SD_ERR_INTERNAL, "sd_sweep_parse: text is NULL");
    return cfg_parse(&c, text, len, out);
}

int sd_sweep_parse_models(const char *text, const char *source,
                          const sd_model_class *const *models, size_t n_models,
                          sd_sweep **out)
{
    return cfg_parse_len(text, text ? strlen(text) : 0, source, models, n_models, out);
}

int sd_sweep_parse(const char *text, const char *source, sd_sweep **out)
{
    size_t n;
    const sd_model_class *const *all = sd_model_all(&n);
    return sd_sweep_parse_models(text, source, all, n, out);
}

/* ----------------------------------------------------------------- load */

/* Read path whole (rank 0). */
static int cfg_read(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return sd_error(SD_ERR_IO, "%s: cannot open the sweep file: %s", path,
                        strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return sd_error(SD_ERR_IO, "%s: cannot stat the sweep file: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return sd_error(SD_ERR_INPUT, "%s: not a regular file (%s); give the path of a "
                                      "sweep file (.json)",
                        path, S_ISDIR(st.st_mode) ? "a directory" : "a device, pipe or socket");
    }
    if ((uint64_t)st.st_size > SD_SWEEP_MAX_BYTES) {
        close(fd);
        return sd_error(SD_ERR_INPUT, "%s: the file has %lld bytes; a sweep file may have at "
                                      "most %llu (64 MiB)",
                        path, (long long)st.st_size, (unsigned long long)SD_SWEEP_MAX_BYTES);
    }
    size_t cap = (size_t)st.st_size, n = 0;
    char *buf = sd_malloc(cap + 1, "the sweep file");
    if (!buf) {
        close(fd);
        return SD_ERR_NOMEM;
    }
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return sd_error(SD_ERR_IO, "%s: cannot read the sweep file: %s", path,
                            strerror(e));
        }
        if (r == 0) break; /* the file shrank: take what is there */
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return SD_OK;
}

int sd_sweep_load(const char *path, MPI_Comm comm, sd_sweep **out)
{
    int rank, rc = SD_OK;
    char *buf = NULL, msg[4096] = "";
    size_t len = 0;
    if (!out) return sd_error(SD_ERR_INTERNAL, "sd_sweep_load: out is NULL");
    *out = NULL;
    if (!path) path = "(null)";
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS)
        return sd_error(SD_ERR_MPI, "%s: MPI_Comm_rank failed", path);

    /* Rank 0 sends {code, length}, then the file's bytes, or the message of
     * its failure, so that every rank returns the same code and message. */
    uint64_t head[2] = {0, 0};
    if (rank == 0) {
        rc = cfg_read(path, &buf, &len);
        if (rc) {
            snprintf(msg, sizeof msg, "%s", sd_error_message());
            len = strlen(msg);
        }
        head[0] = (uint64_t)rc;
        head[1] = (uint64_t)len;
    }
    if (MPI_Bcast(head, 2, MPI_UINT64_T, 0, comm) != MPI_SUCCESS) {
        free(buf);
        return sd_error(SD_ERR_MPI, "%s: MPI_Bcast of the sweep file's size failed", path);
    }
    rc = (int)head[0];
    len = (size_t)head[1];
    if (rc) {
        if (MPI_Bcast(msg, (int)len + 1, MPI_CHAR, 0, comm) != MPI_SUCCESS)
            return sd_error(SD_ERR_MPI, "%s: MPI_Bcast of an error message failed", path);
        return sd_error(rc, "%s", msg);
    }

    int nomem = 0, any_nomem = 0;
    if (rank != 0) {
        buf = sd_malloc(len + 1, "the sweep file");
        nomem = buf == NULL;
    }
    if (MPI_Allreduce(&nomem, &any_nomem, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) {
        free(buf);
        return sd_error(SD_ERR_MPI, "%s: MPI_Allreduce failed", path);
    }
    if (any_nomem) {
        free(buf);
        return sd_error(SD_ERR_NOMEM, "%s: out of memory for the %zu bytes of the sweep file",
                        path, len);
    }
    /* len <= SD_SWEEP_MAX_BYTES, well within an int count. */
    if (len > 0 && MPI_Bcast(buf, (int)len, MPI_CHAR, 0, comm) != MPI_SUCCESS) {
        free(buf);
        return sd_error(SD_ERR_MPI, "%s: MPI_Bcast of the sweep file failed", path);
    }
    buf[len] = '\0';
    size_t n;
    const sd_model_class *const *all = sd_model_all(&n);
    rc = cfg_parse_len(buf, len, path, all, n, out);
    free(buf);
    return rc;
}

/* -------------------------------------------------------------- access */

void sd_sweep_destroy(sd_sweep **sp)
{
    if (!sp || !*sp) return;
    sd_sweep *s = *sp;
    free(s->source);
    free(s->text);
    free(s->name);
    free(s->description);
    free(s->output_file);
    free(s->snap_runs);
    free(s->snap_times);
    for (size_t i = 0; s->fixed && i < s->n_fixed; i++) {
        free(s->fixed[i].name);
        free(s->fixed[i].choice);
    }
    free(s->fixed);
    for (size_t i = 0; s->axes && i < s->n_axes; i++) {
        sd_axis *ax = &s->axes[i];
        free(ax->name);
        free(ax->values);
        for (size_t k = 0; ax->choices && k < ax->n_values; k++) free(ax->choices[k]);
        free(ax->choices);
    }
    free(s->axes);
    free(s);
    *sp = NULL;
}

size_t sd_sweep_dim(const sd_sweep *s) { return s->n_axes; }

uint64_t sd_sweep_points(const sd_sweep *s) { return cfg_points(s); }

static void cfg_base_fill(const sd_sweep *s, sd_pvalue *v)
{
    const sd_model_class *m = s->model;
    for (size_t i = 0; i < m->n_params; i++) {
        const sd_param_def *def = &m->params[i];
        v[i] = (sd_pvalue){def->name, def->def, NULL};
        if (def->type == SD_PARAM_CHOICE) {
            const char *dc = def->def_choice ? def->def_choice
                                             : (def->choices ? def->choices[0] : NULL);
            int idx = dc ? cfg_choice_index(def, dc) : -1;
            v[i].value = idx < 0 ? 0 : idx;
            v[i].choice = dc;
        }
    }
    for (size_t i = 0; i < s->n_fixed; i++) {
        const sd_fixed *f = &s->fixed[i];
        v[m->n_params + i] = (sd_pvalue){f->name, f->value, f->choice};
    }
}

int sd_sweep_base_params(const sd_sweep *s, sd_paramset *out)
{
    out->v = NULL;
    out->n = 0;
    size_t n = s->model->n_params + s->n_fixed;
    sd_pvalue *v = sd_calloc(n, sizeof *v, "a parameter set");
    if (!v) return SD_ERR_NOMEM;
    cfg_base_fill(s, v);
    out->v = v;
    out->n = n;
    return SD_OK;
}

int sd_sweep_run_params(const sd_sweep *s, const double *x, sd_paramset *out)
{
    out->v = NULL;
    out->n = 0;
    size_t nb = s->model->n_params + s->n_fixed;
    sd_pvalue *v = sd_calloc(nb + s->n_axes, sizeof *v, "a parameter set");
    if (!v) return SD_ERR_NOMEM;
    cfg_base_fill(s, v);
    for (size_t d = 0; d < s->n_axes; d++) {
        const sd_axis *ax = &s->axes[d];
        sd_pvalue *p = &v[nb + d];
        p->name = ax->name;
        p->value = x[d];
        p->choice = NULL;
        if (ax->kind != SD_AXIS_CHOICES) continue;
        if (!(x[d] >= 0 && x[d] < (double)ax->n_values && x[d] == floor(x[d]))) {
            char a[40];
            free(v);
            return sd_error(SD_ERR_INTERNAL,
                            "parameter \"%s\": %s is not a choice index (0 to %zu)", ax->name,
                            cfg_num(a, sizeof a, x[d]), ax->n_values - 1);
        }
        p->choice = ax->choices[(size_t)x[d]];
        p->value = cfg_choice_index(&ax->def, p->choice);
    }
    out->v = v;
    out->n = nb + s->n_axes;
    return SD_OK;
}

void sd_paramset_free(sd_paramset *p)
{
    if (!p) return;
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

void sd_sweep_default_output(const sd_sweep *s, char *buf, size_t n)
{
    size_t k = 0;
    if (n < 5) {
        if (n) buf[0] = '\0';
        return;
    }
    for (const char *c = s->name; *c && k + 4 < n && k < SD_SWEEP_NAME_MAX; c++, k++) {
        unsigned char b = (unsigned char)*c;
        int ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
                 b == '-' || b == '_' || (b == '.' && k > 0);
        buf[k] = ok ? (char)b : '_';
    }
    if (k == 0) buf[k++] = '_';
    snprintf(buf + k, n - k, ".h5");
}
