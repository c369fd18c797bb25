/* sendrift drift model: the model class sd_model_drift.
 *
 * One step from t_n = n dt to t_n+1 (docs/drift.md, "The model, step by step"):
 *   1. drug effects at t_n; coefficients with f_sen of the state at t_n;
 *      (bone) B over the step with f_normal and mean(S) at t_n;
 *   2. halo exchange of kind and epi begins (when regeneration is on);
 *   3. deterministic epi / ecm updates over the step (whole interior);
 *   4. events on the inside of the block, halo end, events on its shell;
 *   5. new kind / epi become current; global counts (one int64 reduction);
 *   6. one backward-Euler step of S, then of E, with the new state's sources.
 * Output rows are taken whenever the step count reaches a multiple of
 * output_interval / dt, so the summaries never depend on how the caller
 * splits advance(). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "sendrift/error.h"
#include "sendrift/fields.h"
#include "sendrift/halo.h"
#include "sendrift/mpicheck.h"

typedef struct {
    MPI_Comm comm;             /* the worker group (borrowed)                  */
    sd_run_poll *poll;         /* asked after every step (borrowed)            */
    sd_drift_params p;
    sd_grid *g;
    const sd_box *b;
    sd_fields *fs;
    sd_halo *hkind, *hepi;
    uint8_t *kind, *kind_new;
    double *epi, *epi_new, *ecm, *S, *E, *qS, *aE, *qE;
    sd_region inner, shell[6];
    int nshell;
    sd_drift_rings rings;
    sd_rng rng;
    long step;
    int regen;                 /* k_reg > 0: neighbours needed                 */
    int64_t ev[SD_DRIFT_NEVENTS];      /* local, cumulative                     */
    int64_t totals[SD_DRIFT_NEVENTS];  /* global, at the last row               */
    int64_t nsen, nnorm;       /* global counts of the current state           */
    double B;                  /* bone density                                 */
    double lamS, DS, lamE, DE;
    double *rows;              /* n_times x SD_DRIFT_NSERIES                   */
    double *times;
    size_t nrows;
} drift_state;

/* ---- Helpers ------------------------------------------------------------------ */

static void drift_free(drift_state *s)
{
    if (!s) return;
    sd_halo_destroy(&s->hkind);
    sd_halo_destroy(&s->hepi);
    sd_fields_destroy(&s->fs);
    sd_drift_rings_free(&s->rings);
    sd_grid_destroy(&s->g);
    free(s->kind);
    free(s->kind_new);
    free(s->epi);
    free(s->epi_new);
    free(s->ecm);
    free(s->S);
    free(s->E);
    free(s->qS);
    free(s->aE);
    free(s->qE);
    free(s->rows);
    free(s->times);
    free(s);
}

/* A field step or steady solve, failures named (a non-finite input is the
 * model's failure, not the user's). */
static int drift_field_rc(int rc, const char *field, double t)
{
    if (rc == SD_OK) return rc;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sd_error_message());
    if (rc == SD_ERR_INPUT) rc = SD_ERR_MODEL;
    return sd_error(rc, "drift: the %s field at t = %g d: %s", field, t, msg);
}

static void drift_view(const drift_state *s, sd_drift_view *v)
{
    v->kind = s->kind;
    v->epi = s->epi;
    v->ecm = s->ecm;
    v->S = s->S;
    v->E = s->E;
    v->ev = s->ev;
    v->bone_B = s->B;
}

static int drift_record_row(drift_state *s)
{
    size_t k = (size_t)(s->step / s->p.steps_per_output);
    sd_drift_view v;
    drift_view(s, &v);
    SD_CALL(sd_drift_observe_row(s->g, &s->p, &v, &s->rings, s->rows + k * SD_DRIFT_NSERIES,
                                 s->totals));
    s->nrows = k + 1;
    return SD_OK;
}

/* ---- One step -------------------------------------------------------------------- */

static int drift_step(drift_state *s)
{
    const sd_drift_params *p = &s->p;
    const sd_box *b = s->b;
    double t = (double)s->step * p->dt, N = (double)b->nglobal;
    sd_drift_drive d;
    sd_drift_drive_at(p, t, &d);
    sd_drift_coef c;
    sd_drift_coef_make(p, &d, (double)s->nsen / N, &c);

    if (p->tissue == SD_TISSUE_BONE) {
        double sumS;
        SD_CALL(sd_grid_sum(s->g, s->S, &sumS));
        double fn = (double)s->nnorm / N, mS = sumS / N;
        double src = p->bone_turnover * fn, dec = p->bone_turnover + p->bone_sasp * mS;
        if (dec > 0) s->B += (src / dec - s->B) * -expm1(-dec * p->dt);
    }

    int64_t cnt[2] = {0, 0};
    uint64_t step = (uint64_t)s->step;
    if (s->regen) {
        SD_CALL(sd_halo_begin(s->hkind, s->kind));
        int rc = sd_halo_begin(s->hepi, s->epi);
        if (rc) {
            /* Only to complete the exchange in flight; its outcome adds
             * nothing to the failure reported. */
            (void)sd_halo_end(s->hkind);
            return rc;
        }
    }
    sd_drift_kernel_ode(b, &c, s->kind, s->epi, s->S, s->epi_new, s->ecm);
    sd_drift_kernel_events(b, &s->inner, &c, &s->rng, step, s->kind, s->epi, s->S, s->E,
                           s->kind_new, s->epi_new, s->qS, s->aE, s->qE, s->ev, cnt);
    if (s->regen) {
        int rc = sd_halo_end(s->hkind), rc2 = sd_halo_end(s->hepi);
        SD_CALL(rc ? rc : rc2);
    }
    for (int r = 0; r < s->nshell; r++)
        sd_drift_kernel_events(b, &s->shell[r], &c, &s->rng, step, s->kind, s->epi, s->S,
                               s->E, s->kind_new, s->epi_new, s->qS, s->aE, s->qE, s->ev, cnt);
    uint8_t *tk = s->kind;
    s->kind = s->kind_new;
    s->kind_new = tk;
    double *te = s->epi;
    s->epi = s->epi_new;
    s->epi_new = te;
    SD_CALL(sd_grid_sum_int64(s->g, cnt, 2));
    s->nsen = cnt[0];
    s->nnorm = cnt[1];

    double t1 = t + p->dt;
    SD_CALL(drift_field_rc(
        sd_fields_step(s->fs, s->S, NULL, s->qS, s->lamS, s->DS, p->dt, NULL), "SASP (S)", t1));
    SD_CALL(drift_field_rc(sd_fields_step(s->fs, s->E, p->psi > 0 ? s->aE : NULL, s->qE,
                                          s->lamE, s->DE, p->dt, NULL),
                           "EV (E)", t1));
    s->step++;
    return SD_OK;
}

/* ---- The class --------------------------------------------------------------------- */

static int drift_layout(const sd_paramset *base, sd_layout *out)
{
    sd_drift_params p;
    memset(out, 0, sizeof *out);
    SD_CALL(sd_drift_params_load(base, &p));
    out->times = sd_calloc(p.n_times, sizeof(double), "drift output times");
    if (!out->times) return SD_ERR_NOMEM;
    for (size_t k = 0; k < p.n_times; k++) out->times[k] = (double)k * p.output_interval;
    out->n_times = p.n_times;
    out->time_unit = "d";
    out->n_series = SD_DRIFT_NSERIES;
    out->series = sd_drift_series;
    out->n_summary = SD_DRIFT_NSUMMARY;
    out->summary = sd_drift_summary;
    out->n_snapfields = sizeof sd_drift_snapfields / sizeof sd_drift_snapfields[0];
    out->snapfields = sd_drift_snapfields;
    out->snap_dim = p.dim;
    for (int a = 0; a < 3; a++) out->snap_n[a] = a < p.dim ? p.n[a] : 1;
    out->snap_dx = p.dx;
    return SD_OK;
}

static double drift_cost(const sd_paramset *ps)
{
    sd_drift_params p;
    if (sd_drift_params_load(ps, &p) != SD_OK) return 0.0;
    return (double)p.n[0] * p.n[1] * p.n[2] * (double)(p.steps_total > 0 ? p.steps_total : 1);
}

static double drift_memory(const sd_paramset *ps, int ranks)
{
    sd_drift_params p;
    if (sd_drift_params_load(ps, &p) != SD_OK || ranks < 1) return 0.0;
    double sites = (double)p.n[0] * p.n[1] * p.n[2] / ranks;
    /* A block about sites^(1/dim) on a side, with its ghost layers. */
    double side = pow(sites, 1.0 / p.dim), ghosted = 1;
    for (int a = 0; a < p.dim; a++) ghosted *= side + 2;
    /* kind x2 (1 B), epi x2, ecm, S, E, qS, aE, qE (8 B); multigrid level 0:
     * b and diag in double, x, b, r, diag, 1/diag in single precision (36 B);
     * coarser levels the five single ones (20 B) on 1/3 (2-D) or 1/7 (3-D) of
     * the cells; halo planes. */
    double per_site = 2 + 8 * 8 + 36 + 20.0 / (p.dim == 2 ? 3 : 7);
    double halo = 2.0 * 4 * ghosted / side * 9;
    double coarse = 64.0 * 64 * 8 + 4096.0 * ranks * 20; /* LU, gathered levels */
    double rows = (double)p.n_times * (SD_DRIFT_NSERIES + 1) * 8;
    double rings = p.focus_radius > 0 ? 16.0 * (p.n[0] / 2 + 8) : 0;
    /* The cluster outputs: the grid's rank 0 gathers the lattice (1 B a
     * site), labels it twice (8 B) and flags it (1 B). */
    double clusters = 10.0 * p.n[0] * p.n[1] * p.n[2];
    return ghosted * per_site + halo + coarse + rows + rings + clusters + 65536.0;
}

static int drift_create(const sd_paramset *ps, const sd_run_info *info, MPI_Comm comm,
                        void **state)
{
    *state = NULL;
    sd_drift_params p;
    /* The parameters are the same on every rank: so are these errors. */
    SD_CALL(sd_drift_params_load(ps, &p));
    int P;
    SD_MPI(MPI_Comm_size(comm, &P));
    SD_CALL(sd_drift_check_ranks(&p, P));
    double lamS, DS, lamE, DE;
    int rc = sd_fields_rates(p.L_S, p.t_half_S, &lamS, &DS);
    if (!rc) rc = sd_fields_rates(p.L_E, p.t_half_E, &lamE, &DE);
    if (rc) return sd_error_prefix(rc, "drift");

    drift_state *s = sd_calloc(1, sizeof *s, "drift model state");
    rc = sd_agree(comm, s ? SD_OK : SD_ERR_NOMEM);
    if (rc) {
        free(s);
        return rc;
    }
    s->comm = comm;
    s->p = p;
    s->lamS = lamS;
    s->DS = DS;
    s->lamE = lamE;
    s->DE = DE;
    s->regen = p.k_reg > 0;
    s->B = 1.0;
    s->rng = sd_rng_make(info->seed, info->stream);
    s->poll = info->poll;

    rc = sd_grid_create(comm, p.dim, p.n, p.dx, p.periodic, &s->g);
    rc = sd_agree(comm, rc);
    if (rc) {
        drift_free(s);
        return sd_error_prefix(rc, "drift");
    }
    const sd_box *b = s->b = sd_grid_box(s->g);
    s->kind = sd_malloc(b->size, "drift kind");
    s->kind_new = sd_malloc(b->size, "drift kind");
    double **arr[] = {&s->epi, &s->epi_new, &s->ecm, &s->S, &s->E, &s->qS, &s->aE, &s->qE};
    for (size_t a = 0; a < sizeof arr / sizeof arr[0] && !rc; a++)
        rc = sd_grid_alloc(s->g, "drift site array", arr[a]);
    s->rows = sd_calloc(p.n_times * SD_DRIFT_NSERIES, sizeof(double), "drift output rows");
    s->times = sd_calloc(p.n_times, sizeof(double), "drift output times");
    if (!rc && (!s->kind || !s->kind_new || !s->rows || !s->times)) rc = SD_ERR_NOMEM;
    if (!rc) rc = sd_halo_create(s->g, 1, SD_HALO_FACES | SD_HALO_BC_KEEP, &s->hkind);
    if (!rc) rc = sd_halo_create(s->g, sizeof(double), SD_HALO_FACES | SD_HALO_BC_KEEP, &s->hepi);
    rc = sd_agree(comm, rc);
    if (!rc) {
        sd_fields_opts o;
        sd_fields_opts_default_dim(&o, p.dim);
        o.rtol = p.field_rtol;
        o.max_cycles = p.field_max_cycles;
        rc = sd_fields_create(s->g, &o, &s->fs);
        rc = sd_agree(comm, rc);
    }
    if (!rc) rc = sd_agree(comm, sd_drift_rings_setup(s->g, p.focus_radius, &s->rings));
    if (rc) {
        drift_free(s);
        return sd_error_prefix(rc, "drift");
    }
    for (size_t k = 0; k < p.n_times; k++) s->times[k] = (double)k * p.output_interval;
    s->nshell = sd_box_regions(b, &s->inner, s->shell);

    /* Initial state and the fields' steady state. */
    sd_drift_kernel_init(b, &p, &s->rng, s->kind, s->epi, s->ecm);
    memset(s->kind_new, SD_DRIFT_NOSITE, b->size);
    int64_t cnt[2];
    sd_drift_kernel_count(b, s->kind, cnt);
    rc = sd_grid_sum_int64(s->g, cnt, 2);
    s->nsen = cnt[0];
    s->nnorm = cnt[1];
    sd_drift_drive d;
    sd_drift_drive_at(&p, 0.0, &d);
    sd_drift_coef c;
    sd_drift_coef_make(&p, &d, (double)s->nsen / (double)b->nglobal, &c);
    sd_drift_kernel_sources(b, &c, s->kind, s->epi, s->qS, s->aE, s->qE);
    if (!rc)
        rc = drift_field_rc(sd_fields_steady(s->fs, s->S, NULL, s->qS, lamS, DS, NULL),
                            "SASP (S)", 0.0);
    if (!rc)
        rc = drift_field_rc(
            sd_fields_steady(s->fs, s->E, p.psi > 0 ? s->aE : NULL, s->qE, lamE, DE, NULL),
            "EV (E)", 0.0);
    if (!rc) rc = drift_record_row(s);
    rc = sd_agree(comm, rc);
    if (rc) {
        drift_free(s);
        return rc;
    }
    *state = s;
    return SD_OK;
}

static int drift_advance(void *state, double t)
{
    drift_state *s = state;
    const sd_drift_params *p = &s->p;
    int rc = SD_OK;
    double target_d = nearbyint(t / p->dt);
    if (!(t >= 0) || !(target_d <= (double)p->steps_total) ||
        fabs(t - target_d * p->dt) > 1e-6 * p->dt)
        rc = sd_error(SD_ERR_INPUT,
                      "drift: advance to t = %g d: not a step time n dt in [0, duration = %g d]",
                      t, p->duration);
    long target = rc ? 0 : (long)target_d;
    if (!rc && target < s->step)
        rc = sd_error(SD_ERR_INPUT, "drift: advance to t = %g d: the run is at t = %g d already",
                      t, (double)s->step * p->dt);
    while (!rc && s->step < target) {
        long spo = p->steps_per_output;
        long until = (s->step / spo + 1) * spo;
        if (until > target) until = target;
        /* After every step, whether to go on: a stop signal or a time limit
         * ends the run within one step (the answer is the same on every
         * rank of the group). */
        while (!rc && s->step < until) {
            rc = drift_step(s);
            /* The row of an output time belongs to the state before the
             * poll, which may save it (a checkpoint). */
            if (!rc && s->step % spo == 0) rc = drift_record_row(s);
            if (!rc) rc = sd_run_poll_check(s->poll);
        }
    }
    return sd_agree(s->comm, rc);
}

static int drift_observe(void *state, double *row)
{
    drift_state *s = state;
    if (s->step % s->p.steps_per_output == 0) {
        size_t k = (size_t)(s->step / s->p.steps_per_output);
        memcpy(row, s->rows + k * SD_DRIFT_NSERIES, sizeof(double) * SD_DRIFT_NSERIES);
        return SD_OK;
    }
    /* Between output times: a fresh row (collective). */
    sd_drift_view v;
    drift_view(s, &v);
    int64_t totals[SD_DRIFT_NEVENTS];
    int rc = sd_drift_observe_row(s->g, &s->p, &v, &s->rings, row, totals);
    return sd_agree(s->comm, rc);
}

static int drift_summarize(void *state, double *summary)
{
    drift_state *s = state;
    sd_drift_summarize_rows(&s->p, s->nrows, s->times, s->rows, s->totals, summary);
    return SD_OK;
}

static int drift_snapshot(void *state, sd_snapshot *w)
{
    drift_state *s = state;
    const sd_box *b = s->b;
    const void *data[5] = {s->kind, s->epi, s->ecm, s->S, s->E};
    int rc = SD_OK;
    for (size_t f = 0; f < 5 && !rc; f++)
        rc = sd_snapshot_write(w, f, data[f], b->lo, b->ln, b->gn);
    return sd_agree(s->comm, rc);
}

/* The whole state between two steps (include/sendrift/model.h): the
 * lattice arrays in global layout, the step, the bone density, the rows so
 * far and the event counts.  The sources qS, aE, qE are rewritten by every
 * step before they are read, the random numbers are keyed by the step, and
 * ghost layers are exchanged by every step that reads them.  Event counts
 * are kept per rank: saved as their totals, restored onto rank 0 (sums of
 * integers: the same totals on any number of ranks). */
static int drift_checkpoint(void *state, sd_state_io *io)
{
    drift_state *s = state;
    const sd_box *b = s->b;
    const sd_drift_params *p = &s->p;
    int reading = sd_state_reading(io);
    int64_t step = s->step, nrows = (int64_t)s->nrows, ev[SD_DRIFT_NEVENTS];
    memcpy(ev, s->ev, sizeof ev);
    if (!reading) SD_CALL(sd_grid_sum_int64(s->g, ev, SD_DRIFT_NEVENTS));
    SD_CALL(sd_state_values(io, "step", SD_STATE_I64, &step, 1));
    SD_CALL(sd_state_values(io, "events", SD_STATE_I64, ev, SD_DRIFT_NEVENTS));
    SD_CALL(sd_state_values(io, "event_totals", SD_STATE_I64, s->totals, SD_DRIFT_NEVENTS));
    SD_CALL(sd_state_values(io, "bone_B", SD_STATE_F64, &s->B, 1));
    SD_CALL(sd_state_values(io, "nrows", SD_STATE_I64, &nrows, 1));
    SD_CALL(sd_state_values(io, "rows", SD_STATE_F64, s->rows, p->n_times * SD_DRIFT_NSERIES));
    SD_CALL(sd_state_array(io, "kind", SD_STATE_U8, p->dim, p->n, s->kind, b->lo, b->ln, b->gn));
    double *arr[] = {s->epi, s->ecm, s->S, s->E};
    static const char *const names[] = {"epi", "ecm", "S", "E"};
    for (int a = 0; a < 4; a++)
        SD_CALL(sd_state_array(io, names[a], SD_STATE_F64, p->dim, p->n, arr[a], b->lo, b->ln,
                               b->gn));
    if (!reading) return SD_OK;
    if (step < 0 || step > p->steps_total || nrows < 0 || (size_t)nrows > p->n_times)
        return sd_agree(s->comm, sd_error(SD_ERR_IO, "drift: checkpoint at step %lld of %ld",
                                          (long long)step, (long)p->steps_total));
    s->step = (long)step;
    s->nrows = (size_t)nrows;
    int rank;
    SD_MPI(MPI_Comm_rank(s->comm, &rank));
    for (int i = 0; i < SD_DRIFT_NEVENTS; i++) s->ev[i] = rank == 0 ? ev[i] : 0;
    int64_t cnt[2];
    sd_drift_kernel_count(b, s->kind, cnt);
    SD_CALL(sd_grid_sum_int64(s->g, cnt, 2));
    s->nsen = cnt[0];
    s->nnorm = cnt[1];
    return SD_OK;
}

/* kind (1 B) and epi, ecm, S, E (8 B) per site, the rows. */
static double drift_state_bytes(const sd_paramset *ps)
{
    sd_drift_params p;
    if (sd_drift_params_load(ps, &p) != SD_OK) return 0.0;
    return (double)p.n[0] * p.n[1] * p.n[2] * 33.0 +
           (double)p.n_times * SD_DRIFT_NSERIES * 16.0 + 65536.0;
}

static void drift_destroy(void *state) { drift_free(state); }

const sd_model_class sd_model_drift = {
    .name = "drift",
    .description = "senescent drift: lattice of cells, SASP and EV fields, drugs, tissues "
                   "(docs/drift.md)",
    .params = sd_drift_param_defs,
    .n_params = SD_DRIFT_NPARAMS,
    .layout = drift_layout,
    .cost = drift_cost,
    .memory = drift_memory,
    .create = drift_create,
    .advance = drift_advance,
    .observe = drift_observe,
    .summarize = drift_summarize,
    .snapshot = drift_snapshot,
    .destroy = drift_destroy,
    .checkpoint = drift_checkpoint,
    .state_version = 3, /* 2: rows of 30 series (the cluster outputs); 3: Revision 2 model,
                           31 series (planar_front) */
    .state_bytes = drift_state_bytes,
};
