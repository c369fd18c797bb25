/* sendrift: the plan of a sweep (see include/sendrift/plan.h). */
#include "planimpl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

/* The outputs every run reports, from the parameters all runs share. */
static int sd_plan_outputs(sd_plan *p)
{
    sd_paramset base = {0};
    int rc = sd_sweep_base_params(p->s, &base);
    if (rc == SD_OK) rc = p->s->model->layout(&base, &p->layout);
    sd_paramset_free(&base);
    return rc;
}

/* Saltelli blocks whose A and B halves are equal waste their runs. */
static int sd_plan_warn_degenerate(const sd_plan *p)
{
    uint64_t dup = 0, first = 0;
    SD_CALL(sd_design_duplicates(p->design, &dup, &first));
    if (dup && p->rank == 0 && !p->o.quiet)
        fprintf(stderr,
                "sendrift: warning: %s: %llu of the %llu Saltelli base points are degenerate "
                "(A = B, the first at base point %llu): their runs all repeat one point and "
                "add nothing to the indices; leave design.skip out for the default (%llu), "
                "or set it >= 2\n",
                p->s->source, (unsigned long long)dup, (unsigned long long)p->s->design.samples,
                (unsigned long long)first,
                (unsigned long long)sd_sobol_default_skip(p->s->design.samples));
    return SD_OK;
}

/* Snapshots: the model must have them, and every time must be an output
 * time. */
static int sd_plan_snapshots(sd_plan *p)
{
    const sd_sweep *s = p->s;
    if (!s->n_snap_runs) return SD_OK;
    if (!p->layout.n_snapfields || !s->model->snapshot)
        return sd_error(SD_ERR_INPUT, "%s: output.snapshots: model \"%s\" has no snapshots",
                        s->source, s->model->name);
    p->snap_idx = sd_calloc(s->n_snap_times + 1, sizeof *p->snap_idx, "snapshot times");
    p->snap_at = sd_calloc(p->layout.n_times + 1, 1, "snapshot times");
    if (!p->snap_idx || !p->snap_at) return SD_ERR_NOMEM;
    const sd_layout *l = &p->layout;
    for (size_t i = 0; i < s->n_snap_times; i++) {
        double t = s->snap_times[i];
        size_t k;
        for (k = 0; k < l->n_times; k++)
            if (fabs(l->times[k] - t) <= 1e-9 * fmax(1.0, fabs(t))) break;
        if (k == l->n_times)
            return sd_error(SD_ERR_INPUT,
                            "%s: output.snapshots.times: %g is not an output time of the run "
                            "(%zu times from %g to %g %s)",
                            s->source, t, l->n_times, l->n_times ? l->times[0] : 0.0,
                            l->n_times ? l->times[l->n_times - 1] : 0.0, l->time_unit);
        p->snap_idx[i] = k;
        p->snap_at[k] = 1;
    }
    return SD_OK;
}

int sd_plan_create(const sd_sweep *s, MPI_Comm comm, const sd_plan_opts *o, sd_plan **out)
{
    *out = NULL;
    sd_plan *p = sd_calloc(1, sizeof *p, "the sweep plan");
    int rc = p ? SD_OK : SD_ERR_NOMEM;
    if (p) {
        p->s = s;
        p->comm = comm;
        p->o = *o;
        if (p->o.ranks_per_sim < 1) p->o.ranks_per_sim = 1;
        rc = sd_mpi_rank_size(comm, &p->rank, &p->size);
    }
    if (rc == SD_OK) rc = sd_plan_outputs(p);
    rc = sd_agree(comm, rc);
    /* A design too large to track is refused before it is made (the lhs
     * tables alone may be gigabytes). */
    if (rc == SD_OK) rc = sd_agree(comm, sd_plan_check_engine_memory(p));
    if (rc == SD_OK) rc = sd_design_create(s, &p->design);
    if (rc == SD_OK) rc = sd_plan_warn_degenerate(p);
    if (rc == SD_OK) rc = sd_plan_snapshots(p);
    rc = sd_agree(comm, rc);
    if (rc == SD_OK && p->o.check_memory) rc = sd_agree(comm, sd_plan_check_memory(p));
    if (rc == SD_OK) sd_plan_make_digest(s, &p->layout, p->digest);
    if (rc != SD_OK) {
        sd_plan_destroy(&p);
        return rc;
    }
    *out = p;
    return SD_OK;
}

void sd_plan_destroy(sd_plan **pp)
{
    sd_plan *p = *pp;
    if (!p) return;
    free(p->snap_idx);
    free(p->snap_at);
    sd_layout_free(&p->layout);
    sd_design_destroy(&p->design);
    free(p);
    *pp = NULL;
}

const sd_sweep *sd_plan_sweep(const sd_plan *p) { return p->s; }
const sd_design *sd_plan_design(const sd_plan *p) { return p->design; }
const sd_layout *sd_plan_layout(const sd_plan *p) { return &p->layout; }
uint64_t sd_plan_runs(const sd_plan *p) { return sd_design_runs(p->design); }
const char *sd_plan_digest(const sd_plan *p) { return p->digest; }
double sd_plan_checkpoint_bytes(const sd_plan *p) { return p->ckpt_bytes; }
const size_t *sd_plan_snapshot_indices(const sd_plan *p) { return p->snap_idx; }

int sd_plan_point(const sd_plan *p, uint64_t point, double *x, sd_paramset *ps)
{
    SD_CALL(sd_design_point(p->design, point, x));
    return ps ? sd_sweep_run_params(p->s, x, ps) : SD_OK;
}

int sd_plan_run(const sd_plan *p, uint64_t run, uint64_t *point, uint64_t *replicate,
                double *x, sd_paramset *ps)
{
    uint64_t pt, rep;
    sd_design_split(p->design, run, &pt, &rep);
    if (point) *point = pt;
    if (replicate) *replicate = rep;
    return sd_plan_point(p, pt, x, ps);
}

int sd_plan_cost(const sd_plan *p, uint64_t run, double *x, double *cost)
{
    *cost = 0;
    if (!p->s->model->cost) return SD_OK;
    sd_paramset ps = {0};
    int rc = sd_plan_run(p, run, NULL, NULL, x, &ps);
    if (rc == SD_OK) *cost = p->s->model->cost(&ps);
    sd_paramset_free(&ps);
    return rc;
}

int sd_plan_snapshot_time(const sd_plan *p, size_t k)
{
    return p->snap_at && k < p->layout.n_times && p->snap_at[k];
}

int sd_plan_snapshot_run(const sd_plan *p, uint64_t run)
{
    return sd_sweep_snapshot_run(p->s, run);
}
