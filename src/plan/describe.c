/* sendrift: what `sendrift check` prints of a plan (see plan.h). */
#include "planimpl.h"

#include <stdlib.h>

#include "sendrift/error.h"
#include "sendrift/progress.h"

static void sd_print_design(const sd_sweep *s, FILE *out)
{
    fprintf(out, "design:      %s", sd_design_type_name(s->design.type));
    if (s->design.type == SD_DESIGN_SOBOL)
        fprintf(out, " (N = %llu base points, %s, skip %llu)",
                (unsigned long long)s->design.samples,
                s->design.second_order ? "second order" : "first and total order",
                (unsigned long long)s->design.skip);
    if (s->design.type == SD_DESIGN_MORRIS)
        fprintf(out, " (%llu trajectories, %u levels)",
                (unsigned long long)s->design.trajectories, s->design.levels);
    if (s->design.type == SD_DESIGN_LHS || s->design.type == SD_DESIGN_RANDOM)
        fprintf(out, " (%llu samples)", (unsigned long long)s->design.samples);
    fprintf(out, "\n");
}

static void sd_print_parameters(const sd_sweep *s, FILE *out)
{
    size_t D = s->n_axes;
    fprintf(out, "parameters (%zu swept):\n", D);
    for (size_t k = 0; k < D; k++) {
        const sd_axis *a = &s->axes[k];
        fprintf(out, "  %-20s %-6s ", a->name, a->def.unit ? a->def.unit : "1");
        if (a->kind == SD_AXIS_RANGE) {
            fprintf(out, "range [%g, %g] %s", a->min, a->max, a->log ? "log" : "lin");
            if (a->levels) fprintf(out, ", %zu levels", a->levels);
        } else {
            fprintf(out, "%zu values:", a->n_values);
            for (size_t j = 0; j < a->n_values; j++) {
                if (a->kind == SD_AXIS_CHOICES)
                    fprintf(out, " %s", a->choices[j]);
                else
                    fprintf(out, " %g", a->values[j]);
            }
        }
        fprintf(out, "\n");
    }
    if (s->n_fixed) {
        fprintf(out, "fixed (model.params):\n");
        for (size_t k = 0; k < s->n_fixed; k++) {
            if (s->fixed[k].choice)
                fprintf(out, "  %-20s %s\n", s->fixed[k].name, s->fixed[k].choice);
            else
                fprintf(out, "  %-20s %g %s\n", s->fixed[k].name, s->fixed[k].value,
                        s->fixed[k].def.unit ? s->fixed[k].def.unit : "");
        }
    }
}

/* The first runs (all with all): run id, point, replicate, parameters. */
static int sd_print_runs(const sd_plan *p, FILE *out, int all)
{
    const sd_sweep *s = p->s;
    size_t D = s->n_axes;
    uint64_t runs = sd_plan_runs(p), show = all ? runs : (runs < 10 ? runs : 10);
    double *x = sd_calloc(D + 1, sizeof *x, "a parameter vector");
    if (!x) return SD_ERR_NOMEM;
    fprintf(out, "runs:\n  %8s %6s %4s", "run", "point", "rep");
    for (size_t k = 0; k < D; k++) fprintf(out, " %14s", s->axes[k].name);
    fprintf(out, "\n");
    int rc = SD_OK;
    for (uint64_t r = 0; r < show && rc == SD_OK; r++) {
        uint64_t pt, rep;
        rc = sd_plan_run(p, r, &pt, &rep, x, NULL);
        if (rc != SD_OK) break;
        fprintf(out, "  %8llu %6llu %4llu", (unsigned long long)r, (unsigned long long)pt,
                (unsigned long long)rep);
        for (size_t k = 0; k < D; k++) {
            if (s->axes[k].kind == SD_AXIS_CHOICES)
                fprintf(out, " %14s", s->axes[k].choices[(size_t)x[k]]);
            else
                fprintf(out, " %14.6g", x[k]);
        }
        fprintf(out, "\n");
    }
    if (rc == SD_OK && show < runs)
        fprintf(out, "  ... %llu more (--all prints them)\n", (unsigned long long)(runs - show));
    free(x);
    return rc;
}

int sd_plan_print(const sd_plan *p, FILE *out, const char *path, int all,
                  uint64_t result_bytes)
{
    const sd_sweep *s = p->s;
    const sd_layout *l = &p->layout;
    char size[32];
    sd_format_bytes((double)result_bytes, size, sizeof size);
    fprintf(out, "%s: valid\n", path);
    fprintf(out, "name:        %s\n", s->name);
    fprintf(out, "model:       %s\n", s->model->name);
    sd_print_design(s, out);
    fprintf(out, "points:      %llu\nreplicates:  %llu\nruns:        %llu\nseed:        %llu\n",
            (unsigned long long)sd_design_points(p->design), (unsigned long long)s->replicates,
            (unsigned long long)sd_plan_runs(p), (unsigned long long)s->seed);
    fprintf(out, "outputs:     %zu time series x %zu times, %zu summaries\n",
            s->output_timeseries ? l->n_series : 0, l->n_times, l->n_summary);
    fprintf(out, "result file: about %s\n", size);
    if (s->model->checkpoint && p->ckpt_bytes > 0) {
        char ck[32], every[64] = "at stop signals";
        sd_format_bytes(p->ckpt_bytes, ck, sizeof ck);
        if (s->checkpoint_every > 0)
            snprintf(every, sizeof every, "every %g s of a run and at stop signals",
                     s->checkpoint_every);
        fprintf(out, "checkpoints: about %s per run in flight, %s (OUT.ckpt/)\n", ck, every);
    }
    sd_print_parameters(s, out);
    return sd_print_runs(p, out, all);
}
