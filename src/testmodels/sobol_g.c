/* The Sobol g function, a test model with known Sobol indices.
 *
 *   y = prod_i (|4 x_i - 2| + a_i) / (1 + a_i),   x_i in [0, 1], a_i >= 0
 *
 * for inputs x1, x2, ... (as many as the sweep names) with coefficients a1,
 * a2, ... (default 0).  V_i = 1 / (3 (1 + a_i)^2), V = prod (1 + V_i) - 1,
 * S_i = V_i / V, ST_i = V_i prod_{j != i} (1 + V_j) / V.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/model.h"

static const sd_metric_def sobol_g_summary[] = {
    {"y", "1", "Sobol g function"},
};

typedef struct {
    double y;
} sobol_g_state;

static int sobol_g_lookup(const char *name, sd_param_def *def)
{
    unsigned long k;
    memset(def, 0, sizeof *def);
    if (sd_param_family(name, "x", &k)) {
        *def = (sd_param_def){NULL, "1", "input k of the g function", SD_PARAM_REAL,
                              0.5, 0.0, 1.0, NULL, NULL, 0, NULL};
        return 1;
    }
    if (sd_param_family(name, "a", &k)) {
        *def = (sd_param_def){NULL, "1", "coefficient a_k: larger is less important",
                              SD_PARAM_REAL, 0.0, 0.0, 1e9, NULL, NULL, 0, NULL};
        return 1;
    }
    return 0;
}

static int sobol_g_layout(const sd_paramset *base, sd_layout *out)
{
    (void)base;
    memset(out, 0, sizeof *out);
    out->time_unit = "1";
    out->summary = sobol_g_summary;
    out->n_summary = 1;
    return SD_OK;
}

static int sobol_g_create(const sd_paramset *p, const sd_run_info *info,
                          MPI_Comm comm, void **state)
{
    (void)info;
    (void)comm;
    sobol_g_state *s = sd_calloc(1, sizeof *s, "Sobol g state");
    if (!s) return SD_ERR_NOMEM;
    /* Multiply the factors in index order, so that the result does not
     * depend on the order of the parameters in the sweep file. */
    unsigned long kmax = 0, k;
    for (size_t i = 0; i < p->n; i++)
        if (sd_param_family(p->v[i].name, "x", &k) && k > kmax) kmax = k;
    double y = 1.0;
    for (unsigned long j = 1; j <= kmax; j++) {
        char xn[32], an[32];
        snprintf(xn, sizeof xn, "x%lu", j);
        snprintf(an, sizeof an, "a%lu", j);
        if (!sd_paramset_has(p, xn)) continue;
        double x = sd_paramset_real(p, xn, 0.5);
        double a = sd_paramset_real(p, an, 0.0);
        y *= (fabs(4.0 * x - 2.0) + a) / (1.0 + a);
    }
    s->y = y;
    *state = s;
    return SD_OK;
}

static int sobol_g_advance(void *state, double t)
{
    (void)state;
    (void)t;
    return SD_OK;
}

static int sobol_g_observe(void *state, double *row)
{
    (void)state;
    (void)row;
    return SD_OK;
}

static int sobol_g_summarize(void *state, double *summary)
{
    summary[0] = ((sobol_g_state *)state)->y;
    return SD_OK;
}

/* The state: the value, set when the run is made (no time steps). */
static int sobol_g_checkpoint(void *state, sd_state_io *io)
{
    return sd_state_values(io, "y", SD_STATE_F64, &((sobol_g_state *)state)->y, 1);
}

static void sobol_g_destroy(void *state) { free(state); }

const sd_model_class sd_model_sobol_g = {
    .name = "sobol_g",
    .description = "Sobol g test function over x1..xk with coefficients a1..ak",
    .lookup = sobol_g_lookup,
    .layout = sobol_g_layout,
    .create = sobol_g_create,
    .advance = sobol_g_advance,
    .observe = sobol_g_observe,
    .summarize = sobol_g_summarize,
    .destroy = sobol_g_destroy,
    .checkpoint = sobol_g_checkpoint,
    .state_version = 1,
};
