/* sendrift: the sd_sweep object once parsed (see include/sendrift/config.h):
 * destroying it, its accessors, the parameter set of a run, and the default
 * name of its result file.
 */
#include "sweepfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsoncheck.h"
#include "sendrift/error.h"

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

int sd_sweep_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int sd_sweep_snapshot_run(const sd_sweep *s, uint64_t run)
{
    return s->n_snap_runs &&
           bsearch(&run, s->snap_runs, s->n_snap_runs, sizeof run, sd_sweep_u64_cmp) != NULL;
}

uint64_t sd_sweep_points(const sd_sweep *s)
{
    return sd_schema_points(s);
}

static void cfg_base_fill(const sd_sweep *s, sd_pvalue *v)
{
    const sd_model_class *m = s->model;
    for (size_t i = 0; i < m->n_params; i++) {
        const sd_param_def *def = &m->params[i];
        v[i] = (sd_pvalue){def->name, def->def, NULL};
        if (def->type == SD_PARAM_CHOICE) {
            const char *dc = def->def_choice ? def->def_choice
                                             : (def->choices ? def->choices[0] : NULL);
            int idx = dc ? sd_schema_choice_index(def, dc) : -1;
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
                            sd_json_num(a, sizeof a, x[d]), ax->n_values - 1);
        }
        p->choice = ax->choices[(size_t)x[d]];
        p->value = sd_schema_choice_index(&ax->def, p->choice);
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
