/* The Ishigami function, a test model with known Sobol indices.
 *
 *   y(t) = sin x1 + a t sin^2 x2 + b x3^4 sin x1,   x_i in [-pi, pi]
 *
 * reported at n_times times t evenly spaced in [0, 1]; the summary y is the
 * value at t = 1, the classic Ishigami function.  At time t the function is
 * Ishigami with a' = a t, so its indices are known at every time:
 *   V = a'^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,  V1 = (1 + b pi^4/5)^2 / 2,
 *   V2 = a'^2/8,  V3 = 0,  V13 = 8 b^2 pi^8 / 225.
 */
#include <math.h>
#include <stdlib.h>

#include "sendrift/error.h"
#include "sendrift/model.h"

#define SD_PI 3.14159265358979323846

static const sd_param_def ishigami_params[] = {
    {"x1", "1", "first input", SD_PARAM_REAL, 0.0, -SD_PI, SD_PI, NULL, NULL, 0, NULL},
    {"x2", "1", "second input", SD_PARAM_REAL, 0.0, -SD_PI, SD_PI, NULL, NULL, 0, NULL},
    {"x3", "1", "third input", SD_PARAM_REAL, 0.0, -SD_PI, SD_PI, NULL, NULL, 0, NULL},
    {"a", "1", "coefficient of sin^2 x2", SD_PARAM_REAL, 7.0, -1e6, 1e6, NULL, NULL, 0, NULL},
    {"b", "1", "coefficient of x3^4 sin x1", SD_PARAM_REAL, 0.1, -1e6, 1e6, NULL, NULL, 0, NULL},
    {"n_times", "1", "number of output times in [0, 1]", SD_PARAM_INT, 11, 2, 100000,
     NULL, NULL, 1, NULL},
};

static const sd_metric_def ishigami_series[] = {
    {"y", "1", "Ishigami function with a scaled by t"},
};
static const sd_metric_def ishigami_summary[] = {
    {"y", "1", "Ishigami function (a, b as given) at t = 1"},
};

typedef struct {
    double x1, x2, x3, a, b, t;
} ishigami_state;

static int ishigami_layout(const sd_paramset *base, sd_layout *out)
{
    size_t n = (size_t)sd_paramset_real(base, "n_times", 11);
    out->times = sd_calloc(n, sizeof(double), "Ishigami output times");
    if (!out->times) return SD_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) out->times[i] = (double)i / (double)(n - 1);
    out->n_times = n;
    out->time_unit = "1";
    out->series = ishigami_series;
    out->n_series = 1;
    out->summary = ishigami_summary;
    out->n_summary = 1;
    return SD_OK;
}

static int ishigami_create(const sd_paramset *p, const sd_run_info *info,
                           MPI_Comm comm, void **state)
{
    (void)info;
    (void)comm;
    ishigami_state *s = sd_calloc(1, sizeof *s, "Ishigami state");
    if (!s) return SD_ERR_NOMEM;
    s->x1 = sd_paramset_real(p, "x1", 0);
    s->x2 = sd_paramset_real(p, "x2", 0);
    s->x3 = sd_paramset_real(p, "x3", 0);
    s->a = sd_paramset_real(p, "a", 7);
    s->b = sd_paramset_real(p, "b", 0.1);
    *state = s;
    return SD_OK;
}

static double ishigami_eval(const ishigami_state *s, double t)
{
    double s2 = sin(s->x2);
    double x3sq = s->x3 * s->x3;
    return sin(s->x1) + s->a * t * s2 * s2 + s->b * x3sq * x3sq * sin(s->x1);
}

static int ishigami_advance(void *state, double t)
{
    ((ishigami_state *)state)->t = t;
    return SD_OK;
}

static int ishigami_observe(void *state, double *row)
{
    ishigami_state *s = state;
    row[0] = ishigami_eval(s, s->t);
    return SD_OK;
}

static int ishigami_summarize(void *state, double *summary)
{
    summary[0] = ishigami_eval(state, 1.0);
    return SD_OK;
}

/* The state: the time (the inputs are parameters). */
static int ishigami_checkpoint(void *state, sd_state_io *io)
{
    return sd_state_values(io, "t", SD_STATE_F64, &((ishigami_state *)state)->t, 1);
}

static void ishigami_destroy(void *state) { free(state); }

const sd_model_class sd_model_ishigami = {
    .name = "ishigami",
    .description = "Ishigami test function (exact Sobol indices known)",
    .params = ishigami_params,
    .n_params = sizeof ishigami_params / sizeof ishigami_params[0],
    .layout = ishigami_layout,
    .create = ishigami_create,
    .advance = ishigami_advance,
    .observe = ishigami_observe,
    .summarize = ishigami_summarize,
    .destroy = ishigami_destroy,
    .checkpoint = ishigami_checkpoint,
    .state_version = 1,
};
