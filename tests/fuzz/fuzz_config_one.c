/* One fuzz input through the sweep-file loader and the design (see
 * fuzz_config_one.h).
 *
 * Per input:
 *   1. sd_sweep_parse (the compiled-in models).  Refused: the code is
 *      SD_ERR_INPUT, *out is NULL, the message starts with the source and
 *      holds no raw control character.  Accepted: the sweep is checked field
 *      by field, then exercised (3).
 *   2. sd_sweep_parse_models with the compiled-in models plus "fuzz", a
 *      harness model with what none of those has: choice parameters (one
 *      without a default), integer parameters (one with a negative range), a
 *      fixed-only parameter and a numbered family.  What (1) accepts, (2)
 *      must accept too; a sweep of model "fuzz" is exercised (3).
 *   3. The parameters shared by all runs, the model's layout (which may
 *      refuse a combination of parameters, with a message), the design
 *      (sd_design_create), and for the first, middle and last point its unit
 *      coordinates, its parameter vector (sd_design_point) and its run
 *      parameters (sd_sweep_run_params); every value must lie on its axis.
 *      A design that refuses a parsed sweep must say why (SD_ERR_INPUT or
 *      SD_ERR_NOMEM with a message).  lhs and morris designs cost time and
 *      memory in proportion to points x parameters at creation; above
 *      SD_FUZZ_DESIGN_WORK they are not built here (counted as skipped), so
 *      that a legitimate "samples": 1e9 is not reported as a timeout.
 *   4. With a file (the replay), sd_sweep_load of the file must give the
 *      same code and message as (1); an input holding a NUL byte must be
 *      refused by sd_sweep_load for that reason.
 * Everything allocated is freed; LeakSanitizer checks that.
 */
#include "fuzz_config_one.h"

#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sendrift/config.h"
#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sendrift/model.h"

/* Largest points x parameters of an lhs or morris design built here. */
#define SD_FUZZ_DESIGN_WORK ((uint64_t)1 << 18)

/* ------------------------------------------------------- the "fuzz" model */

static const char *const fz_tissues[] = {"cartilage", "bone", "muscle", "disc", NULL};
static const char *const fz_modes[] = {"only", NULL};

static const sd_param_def fz_params[] = {
    {"tissue", "1", "a choice", SD_PARAM_CHOICE, 0, 0, 0, fz_tissues, "bone", 0, NULL},
    {"mode", "1", "a choice of one, no default", SD_PARAM_CHOICE, 0, 0, 0, fz_modes, NULL, 0, NULL},
    {"beta", "1/d", "a real", SD_PARAM_REAL, 0.15, 0, 10, NULL, NULL, 0, NULL},
    {"psi", "1", "a positive real", SD_PARAM_REAL, 4, 0.1, 100, NULL, NULL, 0, NULL},
    {"n_cells", "1", "an integer", SD_PARAM_INT, 100, 1, 1e6, NULL, NULL, 0, NULL},
    {"offset", "1", "an integer around 0", SD_PARAM_INT, 0, -1000, 1000, NULL, NULL, 0, NULL},
    {"steps", "1", "fixed for the sweep", SD_PARAM_INT, 10, 1, 1000, NULL, NULL, 1, NULL},
};

static int fz_lookup(const char *name, sd_param_def *def)
{
    unsigned long k;
    if (sd_param_family(name, "y", &k)) {
        *def = (sd_param_def){NULL, "1", "a wide real", SD_PARAM_REAL, 0, -1e300, 1e300,
                              NULL, NULL, 0, NULL};
        return 1;
    }
    if (sd_param_family(name, "k", &k)) {
        *def = (sd_param_def){NULL, "1", "a small integer", SD_PARAM_INT, 1, 0, 100,
                              NULL, NULL, 0, NULL};
        return 1;
    }
    return 0;
}

static const sd_model_class fz_model = {
    .name = "fuzz",
    .description = "the fuzz harness's model: choices, integers, a family",
    .params = fz_params,
    .n_params = sizeof fz_params / sizeof fz_params[0],
    .lookup = fz_lookup,
};

/* ---------------------------------------------------------------- checks */

static const char *fz_input;   /* the file being replayed, for messages */

static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_config: invariant broken%s%s: ", fz_input ? " by " : "",
            fz_input ? fz_input : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  last sendrift message: %s\n", sd_error_message());
    fflush(stderr);
    abort();
}

/* A refusal: SD_ERR_INPUT, no sweep, a message "<source>: ..." without raw
 * control characters. */
static void fz_check_refusal(int rc, const sd_sweep *s, const char *source, const char *what)
{
    if (rc != SD_ERR_INPUT)
        fz_fail("%s returned %d (%s), expected SD_ERR_INPUT for a refusal", what, rc,
                sd_error_name(rc));
    if (s) fz_fail("%s refused the input but left *out set", what);
    const char *m = sd_error_message();
    size_t ls = strlen(source);
    if (strncmp(m, source, ls) != 0 || m[ls] != ':' || strlen(m) < ls + 3)
        fz_fail("%s: the message does not start with \"%s:\" and a reason", what, source);
    for (const unsigned char *p = (const unsigned char *)m; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            fz_fail("%s: the message holds the raw control character 0x%02x", what, *p);
}

static void fz_check_param_value(const sd_param_def *def, double v, const char *what)
{
    if (def->type == SD_PARAM_CHOICE) {
        size_t n = 0;
        while (def->choices && def->choices[n]) n++;
        if (!(v >= 0 && v < (double)n && v == floor(v)))
            fz_fail("%s: choice index %.17g outside [0, %zu)", what, v, n);
        return;
    }
    if (!isfinite(v) || v < def->min || v > def->max)
        fz_fail("%s: %.17g outside the parameter's [%.17g, %.17g]", what, v, def->min,
                def->max);
    if (def->type == SD_PARAM_INT && v != floor(v))
        fz_fail("%s: %.17g is not whole for an integer parameter", what, v);
}

/* The parsed sweep against what parsing promises. */
static void fz_check_sweep(const sd_sweep *s, const char *source)
{
    if (!s->model || !s->name || !s->name[0] || !s->text || !s->source)
        fz_fail("a parsed sweep lacks its model, name, text or source");
    if (strcmp(s->source, source) != 0) fz_fail("the sweep's source is not \"%s\"", source);
    if (s->replicates < 1 || s->replicates > SD_SWEEP_MAX_RUNS)
        fz_fail("replicates %llu", (unsigned long long)s->replicates);
    if (s->seed > SD_SWEEP_MAX_RUNS) fz_fail("seed %llu", (unsigned long long)s->seed);
    if (s->n_fixed && !s->fixed) fz_fail("n_fixed %zu without fixed[]", s->n_fixed);
    if (s->n_axes && !s->axes) fz_fail("n_axes %zu without axes[]", s->n_axes);
    for (size_t i = 0; i < s->n_fixed; i++) {
        const sd_fixed *f = &s->fixed[i];
        if (!f->name || f->def.name != f->name) fz_fail("model.params[%zu]: name", i);
        fz_check_param_value(&f->def, f->value, "model.params value");
        if ((f->def.type == SD_PARAM_CHOICE) != (f->choice != NULL))
            fz_fail("model.params[%zu]: choice string present iff a choice parameter", i);
    }
    for (size_t i = 0; i < s->n_axes; i++) {
        const sd_axis *ax = &s->axes[i];
        if (!ax->name || ax->def.name != ax->name) fz_fail("parameters[%zu]: name", i);
        if (ax->def.fixed_only) fz_fail("parameters[%zu]: a fixed-only parameter swept", i);
        switch (ax->kind) {
        case SD_AXIS_RANGE:
            if (ax->def.type == SD_PARAM_CHOICE) fz_fail("parameters[%zu]: a choice range", i);
            fz_check_param_value(&ax->def, ax->min, "range min");
            fz_check_param_value(&ax->def, ax->max, "range max");
            if (!(ax->min < ax->max)) fz_fail("parameters[%zu]: range min >= max", i);
            if (ax->log && !(ax->min > 0)) fz_fail("parameters[%zu]: log range min <= 0", i);
            if (s->design.type == SD_DESIGN_GRID && ax->levels < 2)
                fz_fail("parameters[%zu]: grid range with %zu levels", i, ax->levels);
            if (s->design.type == SD_DESIGN_LIST) fz_fail("parameters[%zu]: list range", i);
            break;
        case SD_AXIS_VALUES:
            if (!ax->values || ax->n_values < 1) fz_fail("parameters[%zu]: no values", i);
            for (size_t k = 0; k < ax->n_values; k++)
                fz_check_param_value(&ax->def, ax->values[k], "a value");
            break;
        case SD_AXIS_CHOICES:
            if (!ax->choices || ax->n_values < 1) fz_fail("parameters[%zu]: no choices", i);
            for (size_t k = 0; k < ax->n_values; k++) {
                int found = 0;
                for (size_t c = 0; ax->def.choices && ax->def.choices[c]; c++)
                    found |= strcmp(ax->def.choices[c], ax->choices[k]) == 0;
                if (!found) fz_fail("parameters[%zu]: \"%s\" is not a choice", i,
                                    ax->choices[k]);
            }
            break;
        default:
            fz_fail("parameters[%zu]: axis kind %d", i, (int)ax->kind);
        }
    }
    uint64_t points = sd_sweep_points(s);
    if (points < 1 || points > SD_SWEEP_MAX_RUNS / s->replicates)
        fz_fail("%llu points x %llu replicates accepted", (unsigned long long)points,
                (unsigned long long)s->replicates);
    /* output.snapshots: both lists or neither; runs exist; sorted, distinct. */
    if ((s->n_snap_runs > 0) != (s->n_snap_times > 0) || (s->n_snap_runs && !s->snap_runs) ||
        (s->n_snap_times && !s->snap_times))
        fz_fail("snapshots: %zu runs, %zu times", s->n_snap_runs, s->n_snap_times);
    for (size_t i = 0; i < s->n_snap_runs; i++) {
        if (s->snap_runs[i] >= points * s->replicates)
            fz_fail("snapshots: run %llu of %llu", (unsigned long long)s->snap_runs[i],
                    (unsigned long long)(points * s->replicates));
        if (i && s->snap_runs[i] <= s->snap_runs[i - 1]) fz_fail("snapshots: runs not sorted");
    }
    for (size_t i = 0; i < s->n_snap_times; i++) {
        if (!isfinite(s->snap_times[i]) || s->snap_times[i] < 0)
            fz_fail("snapshots: time %.17g", s->snap_times[i]);
        if (i && !(s->snap_times[i] > s->snap_times[i - 1]))
            fz_fail("snapshots: times not sorted");
    }
}

/* points x parameters, saturated. */
static uint64_t fz_work(uint64_t n, uint64_t dim)
{
    if (dim && n > UINT64_MAX / dim) return UINT64_MAX;
    return n * dim;
}

/* x and the run parameters of one point. */
static void fz_check_point(const sd_sweep *s, const sd_design *d, uint64_t point, double *x,
                           double *u, sd_fuzz_stats *st)
{
    size_t D = s->n_axes;
    int rc = sd_design_unit(d, point, u);
    if (rc) fz_fail("sd_design_unit(point %llu) returned %d", (unsigned long long)point, rc);
    for (size_t k = 0; k < D; k++)
        if (!(u[k] >= 0 && u[k] <= 1))
            fz_fail("point %llu: unit coordinate %zu is %.17g", (unsigned long long)point, k,
                    u[k]);
    rc = sd_design_point(d, point, x);
    if (rc) fz_fail("sd_design_point(point %llu) returned %d", (unsigned long long)point, rc);
    for (size_t k = 0; k < D; k++) {
        const sd_axis *ax = &s->axes[k];
        char what[64];
        snprintf(what, sizeof what, "point %llu, parameters[%zu]", (unsigned long long)point, k);
        switch (ax->kind) {
        case SD_AXIS_RANGE:
            if (!isfinite(x[k])) fz_fail("%s: %.17g is not finite", what, x[k]);
            /* Exactly inside: the design clamps rounding overshoots (the
             * fuzzer found -1 + 1.3 = 0.30000000000000004 for [-1, 0.3];
             * regressions/design-morris-lin-overshoot.json). */
            if (x[k] < ax->min || x[k] > ax->max) {
                st->range_overshoots++;
                fz_fail("%s: %.17g outside the range [%.17g, %.17g]", what, x[k], ax->min,
                        ax->max);
            }
            if (ax->def.type == SD_PARAM_INT && x[k] != floor(x[k]))
                fz_fail("%s: %.17g is not whole", what, x[k]);
            break;
        case SD_AXIS_VALUES: {
            int found = 0;
            for (size_t v = 0; v < ax->n_values; v++) found |= ax->values[v] == x[k];
            if (!found) fz_fail("%s: %.17g is not one of the values", what, x[k]);
            break;
        }
        case SD_AXIS_CHOICES:
            if (!(x[k] >= 0 && x[k] < (double)ax->n_values && x[k] == floor(x[k])))
                fz_fail("%s: %.17g is not a choice index", what, x[k]);
            break;
        }
    }
    sd_paramset p;
    rc = sd_sweep_run_params(s, x, &p);
    if (rc) fz_fail("sd_sweep_run_params(point %llu) returned %d", (unsigned long long)point, rc);
    if (p.n != s->model->n_params + s->n_fixed + D) fz_fail("run params: %zu entries", p.n);
    for (size_t i = 0; i < p.n; i++)
        if (!p.v[i].name) fz_fail("run params: entry %zu has no name", i);
    for (size_t k = 0; k < D; k++) {
        const sd_pvalue *v = &p.v[p.n - D + k];
        if (strcmp(v->name, s->axes[k].name) != 0) fz_fail("run params: axis %zu name", k);
        if (s->axes[k].kind == SD_AXIS_CHOICES) {
            if (!v->choice || strcmp(v->choice, s->axes[k].choices[(size_t)x[k]]) != 0)
                fz_fail("run params: axis %zu: not choice %.17g", k, x[k]);
            fz_check_param_value(&s->axes[k].def, v->value, "run params choice index");
        } else if (v->value != x[k] || v->choice) {
            fz_fail("run params: axis %zu is %.17g, the design point %.17g", k, v->value, x[k]);
        }
    }
    sd_paramset_free(&p);
}

static void fz_exercise(const sd_sweep *s, sd_fuzz_stats *st)
{
    sd_paramset base;
    int rc = sd_sweep_base_params(s, &base);
    if (rc) fz_fail("sd_sweep_base_params returned %d", rc);
    if (base.n != s->model->n_params + s->n_fixed) fz_fail("base params: %zu entries", base.n);
    if (s->model->layout) {
        /* A model may refuse a combination of parameters (like sendrift
         * check, which calls it too): with a message, as bad input. */
        sd_layout l;
        memset(&l, 0, sizeof l);
        rc = s->model->layout(&base, &l);
        if (rc && rc != SD_ERR_INPUT && rc != SD_ERR_NOMEM)
            fz_fail("the model's layout returned %d (%s)", rc, sd_error_name(rc));
        if (rc && !sd_error_message()[0]) fz_fail("the model's layout failed without a message");
        if (rc) st->layout_refused++;
        sd_layout_free(&l);
    }
    sd_paramset_free(&base);

    const sd_design_spec *ds = &s->design;
    uint64_t D = s->n_axes;
    if ((ds->type == SD_DESIGN_LHS && fz_work(ds->samples, D) > SD_FUZZ_DESIGN_WORK) ||
        (ds->type == SD_DESIGN_MORRIS && fz_work(ds->trajectories, D) > SD_FUZZ_DESIGN_WORK)) {
        st->design_skipped++;
        return;
    }
    sd_design *d = NULL;
    rc = sd_design_create(s, &d);
    if (rc) {
        if (rc != SD_ERR_INPUT && rc != SD_ERR_NOMEM)
            fz_fail("sd_design_create returned %d (%s) for a parsed sweep", rc,
                    sd_error_name(rc));
        if (d) fz_fail("sd_design_create failed but left *out set");
        if (!sd_error_message()[0]) fz_fail("sd_design_create failed without a message");
        st->design_refused++;
        return;
    }
    st->designs++;
    uint64_t points = sd_design_points(d);
    if (points != sd_sweep_points(s))
        fz_fail("the design has %llu points, sd_sweep_points says %llu",
                (unsigned long long)points, (unsigned long long)sd_sweep_points(s));
    if (sd_design_dim(d) != D) fz_fail("design dimension %zu", sd_design_dim(d));
    uint64_t runs = sd_design_runs(d);
    if (runs / s->replicates != points || runs % s->replicates)
        fz_fail("runs %llu", (unsigned long long)runs);
    uint64_t pt, rep;
    sd_design_split(d, runs - 1, &pt, &rep);
    if (pt != points - 1 || rep != s->replicates - 1) fz_fail("split of the last run");

    double *x = calloc(D + 1, sizeof *x), *u = calloc(D + 1, sizeof *u);
    if (!x || !u) fz_fail("out of memory in the harness");
    fz_check_point(s, d, 0, x, u, st);
    fz_check_point(s, d, points / 2, x, u, st);
    fz_check_point(s, d, points - 1, x, u, st);
    double dummy;
    if (sd_design_point(d, points, D ? x : &dummy) == SD_OK)
        fz_fail("sd_design_point accepted point %llu of %llu", (unsigned long long)points,
                (unsigned long long)points);
    free(x);
    free(u);
    sd_design_destroy(&d);
    if (d) fz_fail("sd_design_destroy left the pointer set");
}

/* ------------------------------------------------------------- the input */

static char fz_tmp_path[4096];
static int fz_tmp_fd = -1;

static void fz_tmp_remove(void)
{
    if (fz_tmp_fd >= 0) {
        close(fz_tmp_fd);
        unlink(fz_tmp_path);
        fz_tmp_fd = -1;
    }
}

/* The input in a temporary file (one per process, rewritten each time). */
static const char *fz_tmp_write(const uint8_t *data, size_t size)
{
    if (fz_tmp_fd < 0) {
        const char *dir = getenv("TMPDIR");
        snprintf(fz_tmp_path, sizeof fz_tmp_path, "%s/sendrift-fuzz-XXXXXX",
                 dir && *dir ? dir : "/tmp");
        fz_tmp_fd = mkstemp(fz_tmp_path);
        if (fz_tmp_fd < 0) fz_fail("cannot create a temporary file in %s", fz_tmp_path);
        atexit(fz_tmp_remove);
    }
    if (ftruncate(fz_tmp_fd, 0) != 0) fz_fail("cannot truncate %s", fz_tmp_path);
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fz_tmp_fd, data + done, size - done, (off_t)done);
        if (w <= 0) fz_fail("cannot write %s", fz_tmp_path);
        done += (size_t)w;
    }
    return fz_tmp_path;
}

void sd_fuzz_config_one(const uint8_t *data, size_t size, const char *path, sd_fuzz_stats *st)
{
    fz_input = path;
    st->inputs++;
    const char *source = path ? path : "fuzz.json";
    char *text = malloc(size + 1);
    if (!text) fz_fail("out of memory in the harness");
    if (size) memcpy(text, data, size);
    text[size] = '\0';
    int has_nul = size && memchr(data, '\0', size) != NULL;

    /* 1. The compiled-in models. */
    static sd_sweep poison;
    sd_sweep *s = &poison; /* not NULL: parsing must reset it */
    int rc1 = sd_sweep_parse(text, source, &s);
    char msg1[4096];
    snprintf(msg1, sizeof msg1, "%s", sd_error_message());
    if (rc1 == SD_OK) {
        if (!s) fz_fail("sd_sweep_parse succeeded with *out NULL");
        fz_check_sweep(s, source);
        st->parsed++;
        fz_exercise(s, st);
        sd_sweep_destroy(&s);
        if (s) fz_fail("sd_sweep_destroy left the pointer set");
    } else {
        fz_check_refusal(rc1, s, source, "sd_sweep_parse");
    }

    /* 2. With the harness model as well. */
    size_t n_all;
    const sd_model_class *const *all = sd_model_all(&n_all);
    const sd_model_class *models[16];
    if (n_all + 1 > sizeof models / sizeof models[0]) fz_fail("too many models: %zu", n_all);
    for (size_t i = 0; i < n_all; i++) models[i] = all[i];
    models[n_all] = &fz_model;
    s = &poison;
    int rc2 = sd_sweep_parse_models(text, source, models, n_all + 1, &s);
    if (rc2 == SD_OK) {
        if (!s) fz_fail("sd_sweep_parse_models succeeded with *out NULL");
        fz_check_sweep(s, source);
        if (s->model == &fz_model) {
            if (rc1 == SD_OK) fz_fail("a sweep of model \"fuzz\" parsed without that model");
            st->parsed_fuzz++;
            fz_exercise(s, st);
        } else if (rc1 != SD_OK) {
            fz_fail("accepted with the harness model added, refused without it");
        }
        sd_sweep_destroy(&s);
    } else {
        fz_check_refusal(rc2, s, source, "sd_sweep_parse_models");
        if (rc1 == SD_OK) fz_fail("refused with the harness model added, accepted without");
    }

    /* 3. The collective loader on the same bytes. */
    const char *load = path;
    if (!load && has_nul) load = fz_tmp_write(data, size);
    if (load) {
        st->loads++;
        s = &poison;
        int rc3 = sd_sweep_load(load, MPI_COMM_SELF, &s);
        if (has_nul) {
            if (rc3 == SD_OK) fz_fail("sd_sweep_load accepted a file with a NUL byte");
            fz_check_refusal(rc3, s, load, "sd_sweep_load");
            if (!strstr(sd_error_message(), "without NUL bytes"))
                fz_fail("sd_sweep_load refused a NUL byte with another reason");
        } else if (path) {
            if (rc3 != rc1)
                fz_fail("sd_sweep_load returned %d, sd_sweep_parse %d", rc3, rc1);
            if (rc3 != SD_OK && strcmp(sd_error_message(), msg1) != 0)
                fz_fail("sd_sweep_load and sd_sweep_parse disagree:\n  load:  %s\n  parse: %s",
                        sd_error_message(), msg1);
        }
        sd_sweep_destroy(&s);
    }
    free(text);
    fz_input = NULL;
}
