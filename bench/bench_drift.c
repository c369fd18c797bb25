/* Benchmark of the drift model (a benchmark, not a test: it asserts nothing).
 *
 *   mpirun -n P bench_drift [--n2 512] [--n3 128] [--days 2] [--stream-mb 256]
 *                           [--reps 1] [--phases 1] [--speedup 0] [--seed 1]
 *
 * For a 2-D n2 x n2 and a 3-D n3^3 lattice (0 skips a case) at the model's
 * defaults (docs/model.md: dx 10 um, dt 1 h, SASP 250 um / 6 h, EV 30 um / 24 h,
 * generic tissue, 1 % background senescence, no focus, no drugs), all ranks
 * of MPI_COMM_WORLD forming one worker group, it runs `days` simulated days
 * (24 steps per day) two ways:
 *
 *  1. "model": through the model class, exactly as a sweep does it
 *     (sd_model_find("drift"), layout, create, then advance + observe at
 *     every output time, summarize, destroy).  Timed: create (which includes
 *     the fields' steady start) and the advance/observe loop, `reps` times
 *     (best, median and worst reported).  This is the headline figure:
 *     site-steps per second, and per rank (= per core).
 *     --speedup 1 (with P > 1 ranks): before each of the `reps` runs on all
 *     P ranks, the same run on rank 0 alone (MPI_COMM_SELF, the other ranks
 *     asleep), so that P = 1 and P = all alternate under the same background
 *     load; speedup = median t1 / median tP, and the range over the pairs.
 *
 *  2. "phases": the same step rebuilt from the model's kernels
 *     (src/drift/kernels.h: drive, coefficients, ode, events on the
 *     inside / halo / shell, counts, then sd_fields_step for S and for E,
 *     observe_row at the output times), in the order of drift_step() in
 *     src/drift/model.c, with a timer around each phase.  The model class
 *     does not expose its phase times, so this is how the field solves'
 *     share of a step is measured.  The replica is checked against (1): every
 *     output row must have the same bits ("replica_bit_identical = 1"); a
 *     mismatch is reported (and means src/drift/model.c changed its step
 *     order: update phases_run below), never asserted.
 *
 * Next to them, in the same run and on the same ranks, a STREAM triad
 * (a = b + s c) with `stream-mb` MB per rank (memory bandwidth) before and
 * after each case, and with the model's working set per rank.  Each phase's
 * bytes per site-step are estimated from the arrays it streams (see
 * bytes_*() below); bytes / time / triad is its "fraction of STREAM".
 *
 * Output: "key = value" lines (grep '^[a-z].* = '), prefixed by the case
 * (e.g. "d2_n512_P1."), then a human summary per case.  Times are wall clock
 * (MPI_Wtime; a phase: the maximum over ranks) and, next to them, the
 * process CPU time (CLOCK_PROCESS_CPUTIME_ID, summed over ranks): on a
 * shared machine the wall clock also counts the time spent waiting for a
 * core, the CPU time does not.  Site-steps per second "per core" is the wall
 * rate divided by the ranks; "per CPU second" uses the CPU time. */
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drift.h"
#include "sendrift/box.h"
#include "sendrift/error.h"
#include "sendrift/fields.h"
#include "sendrift/grid.h"
#include "sendrift/halo.h"
#include "sendrift/model.h"
#include "stream.h"

static int rank, nranks;

static void die(const char *what) __attribute__((noreturn));

static void die(const char *what)
{
    /* Library errors are agreed by all ranks of the group: every rank gets
     * here. */
    if (rank == 0) fprintf(stderr, "bench_drift: %s: %s\n", what, sd_error_message());
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

static double loadavg(void)
{
    FILE *la = fopen("/proc/loadavg", "r");
    double load = -1;
    if (la) {
        if (fscanf(la, "%lf", &load) != 1) load = -1;
        fclose(la);
    }
    return load;
}

/* Wall clock and this process's CPU time.  On a shared machine the wall
 * clock also counts the time the process waited for a core; the CPU time
 * does not (it still includes slow-downs from neighbours sharing the caches
 * and memory). */
typedef struct {
    double w, c;
} stamp;

static stamp now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    stamp s = {MPI_Wtime(), (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec};
    return s;
}

/* ---- STREAM triad ------------------------------------------------------------ */

/* ---- Parameters ------------------------------------------------------------------ */

typedef struct {
    int dim, n;
    double days;
    uint64_t seed;
} bench_case;

/* The parameter set of a run, built by hand as the sweep would: only the
 * lattice and the run length are set; everything else is the table's
 * default (docs/model.md).  dx and dt are set to their defaults explicitly. */
typedef struct {
    sd_pvalue v[8];
    sd_paramset ps;
} bench_params;

static void make_params(const bench_case *c, bench_params *bp)
{
    double oi = c->days >= 1 && c->days == floor(c->days) ? 1.0 : c->days;
    const sd_pvalue v[8] = {
        {"dim", c->dim, NULL},
        {"nx", c->n, NULL},
        {"ny", c->n, NULL},
        {"nz", c->dim == 3 ? c->n : 1, NULL},
        {"dx", 10.0, NULL},
        {"dt", 1.0 / 24, NULL},
        {"duration", c->days, NULL},
        {"output_interval", oi, NULL},
    };
    memcpy(bp->v, v, sizeof v);
    bp->ps.v = bp->v;
    bp->ps.n = 8;
}

/* ---- 1. Through the model class ---------------------------------------------------- */

typedef struct {
    double t_create, t_advance;   /* s, wall                                 */
    double c_advance;             /* s, CPU time summed over the ranks       */
    size_t n_times;
    double *rows;                 /* n_times x SD_DRIFT_NSERIES (rank 0)     */
} model_result;

static void model_run(const bench_case *c, MPI_Comm comm, model_result *r)
{
    const sd_model_class *m = sd_model_find("drift");
    if (!m) die("no model \"drift\" compiled in");
    bench_params bp;
    make_params(c, &bp);
    sd_layout lay;
    if (m->layout(&bp.ps, &lay)) die("layout");
    sd_run_info info = {0, 0, 0, c->seed, NULL, 0};
    void *st = NULL;
    r->n_times = lay.n_times;
    r->rows = calloc(lay.n_times * lay.n_series, sizeof(double));
    double *summary = calloc(lay.n_summary, sizeof(double));
    if (!r->rows || !summary) die("no memory for the rows");
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    if (m->create(&bp.ps, &info, comm, &st)) die("create");
    if (m->observe(st, r->rows)) die("observe");
    MPI_Barrier(comm);
    stamp s1 = now();
    for (size_t k = 1; k < lay.n_times; k++) {
        if (m->advance(st, lay.times[k])) die("advance");
        if (m->observe(st, r->rows + k * lay.n_series)) die("observe");
    }
    stamp s2 = now();
    MPI_Barrier(comm);
    double t1 = s1.w, t2 = MPI_Wtime();
    double cpu = s2.c - s1.c;
    MPI_Allreduce(MPI_IN_PLACE, &cpu, 1, MPI_DOUBLE, MPI_SUM, comm);
    r->c_advance = cpu;
    if (m->summarize(st, summary)) die("summarize");
    m->destroy(st);
    free(summary);
    sd_layout_free(&lay);
    r->t_create = t1 - t0;
    r->t_advance = t2 - t1;
}

/* A barrier over MPI_COMM_WORLD that sleeps instead of spinning, so that
 * ranks waiting for rank 0's one-rank run leave its core alone (Open MPI's
 * blocking calls poll). */
static void sleepy_barrier(void)
{
    MPI_Request rq;
    MPI_Ibarrier(MPI_COMM_WORLD, &rq);
    int done = 0;
    while (!done) {
        MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
        if (!done) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
}

/* ---- 2. The same step from the public kernels, phase by phase ---------------------- */

enum {
    PH_DRIVE = 0, /* drug effects, coefficients, bone                         */
    PH_HALO,      /* kind / epi halo: begin + end (the wait)                  */
    PH_ODE,       /* deterministic epi / ecm update, whole interior           */
    PH_EVENTS,    /* events: inside of the block + shell                      */
    PH_COUNT,     /* global senescent / normal counts (int64 allreduce)       */
    PH_FIELD_S,   /* sd_fields_step, SASP                                     */
    PH_FIELD_E,   /* sd_fields_step, EV                                       */
    PH_OBSERVE,   /* sd_drift_observe_row at the output times                 */
    PH_N
};
static const char *const ph_name[PH_N] = {"drive", "halo",    "ode",     "events",
                                          "count", "field_S", "field_E", "observe"};

typedef struct {
    double t_setup, t_total;    /* s; t_total: the timed steps, wall       */
    double ph[PH_N];            /* s, wall, max over ranks                 */
    double phc[PH_N];           /* s, CPU, summed over ranks               */
    double c_total;             /* s, CPU over the timed steps, all ranks  */
    long steps;
    long cycles_S, cycles_E;    /* outer iterations over the timed steps   */
    long sweeps_E;              /* fine-grid sweeps of E's iterations (when
                                   it needs no hierarchy)                   */
    int cyc_S_min, cyc_S_max, cyc_E_min, cyc_E_max;
    double step_min, step_med, step_max; /* s, per step (rank 0)           */
    int identical;              /* every row bit-identical to the model's  */
    double fine_cells;          /* global                                  */
    double mg_cells;            /* cells of every level but the coarsest, as
                                   the ranks together touch them             */
    double mg_coarse;           /* the same without level 0                 */
    int nlevels;
    int pdims[3];
} phase_result;

static void phases_run(const bench_case *c, const model_result *mr, phase_result *r)
{
    memset(r, 0, sizeof *r);
    bench_params bp;
    make_params(c, &bp);
    sd_drift_params p;
    if (sd_drift_params_load(&bp.ps, &p)) die("parameters");
    double lamS, DS, lamE, DE;
    if (sd_fields_rates(p.L_S, p.t_half_S, &lamS, &DS) ||
        sd_fields_rates(p.L_E, p.t_half_E, &lamE, &DE))
        die("rates");
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();

    /* What drift_create() does (src/drift/model.c). */
    sd_grid *g = NULL;
    if (sd_grid_create(MPI_COMM_WORLD, p.dim, p.n, p.dx, p.periodic, &g)) die("grid");
    const sd_box *b = sd_grid_box(g);
    sd_grid_layout(g, r->pdims, NULL);
    uint8_t *kind = malloc(b->size), *kind_new = malloc(b->size);
    double *epi = NULL, *epi_new = NULL, *ecm = NULL, *S = NULL, *E = NULL, *qS = NULL,
           *aE = NULL, *qE = NULL;
    if (!kind || !kind_new || sd_grid_alloc(g, "epi", &epi) ||
        sd_grid_alloc(g, "epi_new", &epi_new) || sd_grid_alloc(g, "ecm", &ecm) ||
        sd_grid_alloc(g, "S", &S) || sd_grid_alloc(g, "E", &E) || sd_grid_alloc(g, "qS", &qS) ||
        sd_grid_alloc(g, "aE", &aE) || sd_grid_alloc(g, "qE", &qE))
        die("arrays");
    sd_halo *hkind = NULL, *hepi = NULL;
    if (sd_halo_create(g, 1, SD_HALO_FACES | SD_HALO_BC_KEEP, &hkind) ||
        sd_halo_create(g, sizeof(double), SD_HALO_FACES | SD_HALO_BC_KEEP, &hepi))
        die("halos");
    sd_fields_opts o;
    sd_fields_opts_default_dim(&o, p.dim);
    o.rtol = p.field_rtol;
    o.max_cycles = p.field_max_cycles;
    sd_fields *fs = NULL;
    if (sd_fields_create(g, &o, &fs)) die("fields");
    sd_drift_rings rings;
    if (sd_drift_rings_setup(g, p.focus_radius, &rings)) die("rings");
    sd_region inner, shell[6];
    int nshell = sd_box_regions(b, &inner, shell);
    sd_rng rng = sd_rng_make(c->seed, 0);
    int regen = p.k_reg > 0;
    int64_t ev[SD_DRIFT_NEVENTS] = {0}, totals[SD_DRIFT_NEVENTS];
    double B = 1.0, N = (double)b->nglobal;

    sd_drift_kernel_init(b, &p, &rng, kind, epi, ecm);
    memset(kind_new, SD_DRIFT_NOSITE, b->size);
    int64_t cnt[2];
    sd_drift_kernel_count(b, kind, cnt);
    if (sd_grid_sum_int64(g, cnt, 2)) die("counts");
    int64_t nsen = cnt[0], nnorm = cnt[1];
    sd_drift_drive d;
    sd_drift_drive_at(&p, 0.0, &d);
    sd_drift_coef cf;
    sd_drift_coef_make(&p, &d, (double)nsen / N, &cf);
    sd_drift_kernel_sources(b, &cf, kind, epi, qS, aE, qE);
    if (sd_fields_steady(fs, S, NULL, qS, lamS, DS, NULL)) die("steady S");
    if (sd_fields_steady(fs, E, p.psi > 0 ? aE : NULL, qE, lamE, DE, NULL)) die("steady E");
    double *rows = calloc(p.n_times * SD_DRIFT_NSERIES, sizeof(double));
    double *tstep = calloc((size_t)p.steps_total + 1, sizeof(double));
    if (!rows || !tstep) die("no memory for the rows");
    sd_drift_view v;
#define VIEW() (v.kind = kind, v.epi = epi, v.ecm = ecm, v.S = S, v.E = E, v.ev = ev, v.bone_B = B)
    VIEW();
    if (sd_drift_observe_row(g, &p, &v, &rings, rows, totals)) die("observe");
    MPI_Barrier(MPI_COMM_WORLD);
    double t1 = MPI_Wtime();
    r->t_setup = t1 - t0;

    /* The steps: drift_step() of src/drift/model.c, phase by phase. */
    double ph[PH_N] = {0}, phc[PH_N] = {0};
    stamp sa = now();
#define LAP(q)                                                                      \
    do {                                                                            \
        stamp t_ = now();                                                           \
        ph[q] += t_.w - ta.w;                                                       \
        phc[q] += t_.c - ta.c;                                                      \
        ta = t_;                                                                    \
    } while (0)
    r->cyc_S_min = r->cyc_E_min = 1 << 30;
    long c0 = sd_fields_total_cycles(fs);
    for (long n = 0; n < p.steps_total; n++) {
        stamp ta = now();
        double tstart = ta.w;
        double t = (double)n * p.dt;
        sd_drift_drive_at(&p, t, &d);
        sd_drift_coef_make(&p, &d, (double)nsen / N, &cf);
        if (p.tissue == SD_TISSUE_BONE) {
            double sumS;
            if (sd_grid_sum(g, S, &sumS)) die("bone");
            double fn = (double)nnorm / N, mS = sumS / N;
            double src = p.bone_turnover * fn, dec = p.bone_turnover + p.bone_sasp * mS;
            if (dec > 0) B += (src / dec - B) * -expm1(-dec * p.dt);
        }
        LAP(PH_DRIVE);
        int64_t cn[2] = {0, 0};
        if (regen && (sd_halo_begin(hkind, kind) || sd_halo_begin(hepi, epi))) die("halo");
        LAP(PH_HALO);
        sd_drift_kernel_ode(b, &cf, kind, epi, S, epi_new, ecm);
        LAP(PH_ODE);
        sd_drift_kernel_events(b, &inner, &cf, &rng, (uint64_t)n, kind, epi, S, E, kind_new,
                               epi_new, qS, aE, qE, ev, cn);
        LAP(PH_EVENTS);
        if (regen && (sd_halo_end(hkind) || sd_halo_end(hepi))) die("halo");
        LAP(PH_HALO);
        for (int s = 0; s < nshell; s++)
            sd_drift_kernel_events(b, &shell[s], &cf, &rng, (uint64_t)n, kind, epi, S, E,
                                   kind_new, epi_new, qS, aE, qE, ev, cn);
        uint8_t *tk = kind;
        kind = kind_new;
        kind_new = tk;
        double *te = epi;
        epi = epi_new;
        epi_new = te;
        LAP(PH_EVENTS);
        if (sd_grid_sum_int64(g, cn, 2)) die("counts");
        nsen = cn[0];
        nnorm = cn[1];
        LAP(PH_COUNT);
        sd_fields_stats st;
        if (sd_fields_step(fs, S, NULL, qS, lamS, DS, p.dt, &st)) die("field S");
        if (st.cycles < r->cyc_S_min) r->cyc_S_min = st.cycles;
        if (st.cycles > r->cyc_S_max) r->cyc_S_max = st.cycles;
        r->cycles_S += st.cycles;
        LAP(PH_FIELD_S);
        if (sd_fields_step(fs, E, p.psi > 0 ? aE : NULL, qE, lamE, DE, p.dt, &st))
            die("field E");
        if (st.cycles < r->cyc_E_min) r->cyc_E_min = st.cycles;
        if (st.cycles > r->cyc_E_max) r->cyc_E_max = st.cycles;
        r->cycles_E += st.cycles;
        r->sweeps_E += st.sweeps;
        LAP(PH_FIELD_E);
        if ((n + 1) % p.steps_per_output == 0) {
            VIEW();
            size_t k = (size_t)((n + 1) / p.steps_per_output);
            if (sd_drift_observe_row(g, &p, &v, &rings, rows + k * SD_DRIFT_NSERIES, totals))
                die("observe");
            LAP(PH_OBSERVE);
        }
        tstep[n] = MPI_Wtime() - tstart;
    }
#undef VIEW
#undef LAP
    stamp sb = now();
    MPI_Barrier(MPI_COMM_WORLD);
    double t2 = MPI_Wtime();
    r->t_total = t2 - t1;
    r->c_total = sb.c - sa.c;
    MPI_Allreduce(MPI_IN_PLACE, &r->c_total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(phc, r->phc, PH_N, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    r->steps = p.steps_total;
    if (sd_fields_total_cycles(fs) - c0 != r->cycles_S + r->cycles_E && rank == 0)
        fprintf(stderr, "bench_drift: cycle counts disagree (%ld vs %ld)\n",
                sd_fields_total_cycles(fs) - c0, r->cycles_S + r->cycles_E);
    MPI_Allreduce(ph, r->ph, PH_N, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    /* Spread of the per-step times (rank 0). */
    qsort(tstep, (size_t)p.steps_total, sizeof(double), sd_bench_cmp_double);
    if (p.steps_total > 0) {
        r->step_min = tstep[0];
        r->step_med = tstep[p.steps_total / 2];
        r->step_max = tstep[p.steps_total - 1];
    }
    if (p.steps_total == 0) r->cyc_S_min = r->cyc_E_min = 0;

    /* Same bits as the model class?  (Rows are defined on rank 0.) */
    int same = rank != 0 ||
               (mr && mr->n_times == p.n_times &&
                !memcmp(rows, mr->rows, sizeof(double) * p.n_times * SD_DRIFT_NSERIES));
    MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    r->identical = same;

    /* The multigrid hierarchy, for the bytes estimate. */
    r->nlevels = sd_fields_nlevels(fs);
    r->fine_cells = N;
    for (int l = 0; l < r->nlevels - 1; l++) {
        int nl[3], repl;
        sd_fields_level(fs, l, nl, &repl);
        double cells = (double)nl[0] * nl[1] * nl[2] * (repl ? nranks : 1);
        r->mg_cells += cells;
        if (l > 0) r->mg_coarse += cells;
    }

    free(rows);
    free(tstep);
    sd_drift_rings_free(&rings);
    sd_fields_destroy(&fs);
    sd_halo_destroy(&hkind);
    sd_halo_destroy(&hepi);
    free(kind);
    free(kind_new);
    free(epi);
    free(epi_new);
    free(ecm);
    free(S);
    free(E);
    free(qS);
    free(aE);
    free(qE);
    sd_grid_destroy(&g);
}

/* ---- Bytes per site-step ----------------------------------------------------------- *
 *
 * STREAM's convention: every array a kernel streams counts once per read and
 * once per write (no write-allocate), 8 bytes per double, 1 per kind; what a
 * stencil reads again from cache (neighbours) is not counted.
 *
 * ode (sd_drift_kernel_ode): reads kind, epi, S, ecm; writes epi_new, ecm:
 *   1 + 8 + 8 + 8 + 8 + 8 = 41 B per site.
 * events (sd_drift_kernel_events): reads kind, S, E, epi; writes kind_new,
 *   qS, aE, qE (epi_new only on the rare event): 1 + 3 x 8 + 1 + 3 x 8 = 50 B.
 * observe (one row per output time): reads kind, epi, ecm, S, E: 33 B per
 *   site, once every steps_per_output steps.
 * field solve (mg_solve in src/lattice/fields.c), per call:
 *   set-up on the fine level, one pass: reads u, q (and a for E), writes b
 *   and diag in double, alpha, diag and 1/diag in single precision (44 B,
 *   52 with a); the initial residual (reads u, b, diag, writes r: 28 B);
 *   with V-cycles, alpha restricted (4 B) and the coarse levels' diagonals
 *   (12 + 4 B per coarse cell).
 *   per outer iteration: the fused correction and double residual on the
 *   fine level (40 B: u, e, b, diag read, u and r written); and a V(pre,
 *   post) cycle in single precision on every level but the coarsest: the
 *   first sweep 12 B per cell, every other sweep 16, the residual 16, the
 *   restriction 4, the prolongation 8; or, for a field solved by fine-grid
 *   sweeps alone, those sweeps (12 B for the first, 16 for the others).
 *   The same count as bench_fields.c. */
static double bytes_field_setup(const phase_result *r, int with_a, int vcycles)
{
    return ((with_a ? 52.0 : 44.0) + 28 + (vcycles ? 4 : 0)) * r->fine_cells +
           (vcycles ? 16.0 * r->mg_coarse : 0.0);
}

static double bytes_field_cycle(const phase_result *r, const sd_fields_opts *o,
                                double sweeps_per_iter)
{
    if (sweeps_per_iter > 0) return (12.0 + 16.0 * (sweeps_per_iter - 1) + 40.0) * r->fine_cells;
    double sweeps = (o->pre_smooth > 0 ? 12.0 + 16.0 * (o->pre_smooth - 1) : 0.0) +
                    16.0 * o->post_smooth;
    return (sweeps + 16 + 4 + 8) * r->mg_cells + 40.0 * r->fine_cells;
}

/* ---- One case ---------------------------------------------------------------------- */

static void put_list(const char *tag, const char *key, const double *x, int n)
{
    if (rank) return;
    printf("%s.%s = ", tag, key);
    for (int i = 0; i < n; i++) printf("%s%.4f", i ? "," : "", x[i]);
    printf("\n");
}

/* speedup: before each run on all ranks, the same run on rank 0 alone
 * (MPI_COMM_SELF; the other ranks sleep), so that P = 1 and P = all are
 * measured in turns, under the same background load. */
static void run_case(const bench_case *c, int reps, int phases, int speedup, size_t mb)
{
    char tag[64];
    snprintf(tag, sizeof tag, "d%d_n%d_P%d", c->dim, c->n, nranks);
    double sites = pow((double)c->n, c->dim);
    long steps = lround(c->days * 24);

    /* The model's working set per rank: kind x 2, 8 site arrays, the fine
     * level's b and diag in double and x, b, r, diag, 1/diag in single
     * precision, the coarse levels' 5 single arrays on 1/3 or 1/7. */
    double ws = sites / nranks * (2 + 64 + 36 + 20.0 / (c->dim == 2 ? 3 : 7));
    double la0 = loadavg();
    double triad0 = sd_bench_stream_triad(mb * 1024 * 1024);
    double triad_ws = sd_bench_stream_triad((size_t)ws);

    model_result mr = {0};
    double tbest = 1e300, tworst = 0, tsum = 0, cbest = 1e300, tcreate = 0;
    double *tall = calloc((size_t)reps, sizeof(double)), *t1 = calloc((size_t)reps, sizeof(double)),
           *c1 = calloc((size_t)reps, sizeof(double)), *uall = calloc((size_t)reps, sizeof(double)),
           *u1 = calloc((size_t)reps, sizeof(double));
    if (!tall || !t1 || !c1 || !uall || !u1) die("no memory");
    double cof = 0; /* CPU / wall of the best run */
    speedup = speedup && nranks > 1;
    for (int k = 0; k < reps; k++) {
        if (speedup) {
            sleepy_barrier();
            if (rank == 0) {
                model_result m1 = {0};
                model_run(c, MPI_COMM_SELF, &m1);
                t1[k] = m1.t_advance;
                c1[k] = m1.c_advance;
                u1[k] = m1.c_advance / m1.t_advance;
                free(m1.rows);
            }
            sleepy_barrier();
        }
        if (k) free(mr.rows);
        model_run(c, MPI_COMM_WORLD, &mr);
        tall[k] = mr.t_advance;
        uall[k] = mr.c_advance / (mr.t_advance * nranks);
        if (mr.t_advance < tbest) tbest = mr.t_advance, tcreate = mr.t_create, cof = uall[k];
        if (mr.t_advance > tworst) tworst = mr.t_advance;
        if (mr.c_advance < cbest) cbest = mr.c_advance;
        tsum += mr.t_advance;
    }
    phase_result pr;
    if (phases) phases_run(c, &mr, &pr);
    double triad1 = sd_bench_stream_triad(mb * 1024 * 1024);
    double la1 = loadavg();
    free(mr.rows);

    double triad = triad0 > triad1 ? triad0 : triad1; /* the less disturbed one */
    double ss = sites * (double)steps;                 /* site-steps per run   */
    double rate = ss / tbest;                          /* wall                 */
    double rate_cpu = ss / cbest;                      /* per CPU second       */

    if (rank == 0) printf("\n");
    sd_bench_put(tag, "dim", "%d", c->dim);
    sd_bench_put(tag, "n", "%d", c->n);
    sd_bench_put(tag, "sites", "%.0f", sites);
    sd_bench_put(tag, "ranks", "%d", nranks);
    sd_bench_put(tag, "days", "%g", c->days);
    sd_bench_put(tag, "steps", "%ld", steps);
    sd_bench_put(tag, "reps", "%d", reps);
    sd_bench_put(tag, "loadavg_start", "%.2f", la0);
    sd_bench_put(tag, "loadavg_end", "%.2f", la1);
    sd_bench_put(tag, "triad_gbs_before", "%.2f", triad0);
    sd_bench_put(tag, "triad_gbs_after", "%.2f", triad1);
    sd_bench_put(tag, "triad_gbs", "%.2f", triad);
    sd_bench_put(tag, "triad_ws_gbs", "%.2f", triad_ws);
    sd_bench_put(tag, "triad_ws_mb_per_rank", "%.1f", ws / 1e6);
    sd_bench_put(tag, "model.create_s", "%.4f", tcreate);
    sd_bench_put(tag, "model.advance_s", "%.4f", tbest);
    sd_bench_put(tag, "model.advance_s_worst", "%.4f", tworst);
    sd_bench_put(tag, "model.advance_s_mean", "%.4f", tsum / reps);
    sd_bench_put(tag, "model.advance_s_median", "%.4f", sd_bench_median(tall, reps));
    put_list(tag, "model.advance_s_all", tall, reps);
    sd_bench_put(tag, "model.advance_cpu_s", "%.4f", cbest);
    sd_bench_put(tag, "model.cpu_over_wall", "%.3f", cof);
    put_list(tag, "model.cpu_over_wall_all", uall, reps);
    sd_bench_put(tag, "model.step_ms", "%.3f", 1e3 * tbest / (double)steps);
    sd_bench_put(tag, "model.site_steps_per_s", "%.4g", rate);
    sd_bench_put(tag, "model.site_steps_per_s_per_core", "%.4g", rate / nranks);
    sd_bench_put(tag, "model.site_steps_per_cpu_s", "%.4g", rate_cpu);
    sd_bench_put(tag, "model.ns_per_site_step_per_core", "%.2f", 1e9 / (rate / nranks));
    if (speedup && rank == 0) {
        double b1 = t1[0], cb1 = c1[0], ub1 = u1[0], rmin = 1e300, rmax = 0;
        for (int k = 0; k < reps; k++) {
            if (t1[k] < b1) b1 = t1[k], ub1 = u1[k];
            if (c1[k] < cb1) cb1 = c1[k];
            double rr = t1[k] / tall[k];
            if (rr < rmin) rmin = rr;
            if (rr > rmax) rmax = rr;
        }
        double m1 = sd_bench_median(t1, reps), mP = sd_bench_median(tall, reps);
        put_list(tag, "p1.advance_s_all", t1, reps);
        sd_bench_put(tag, "p1.advance_s", "%.4f", b1);
        sd_bench_put(tag, "p1.advance_s_median", "%.4f", m1);
        sd_bench_put(tag, "p1.advance_cpu_s", "%.4f", cb1);
        sd_bench_put(tag, "p1.cpu_over_wall", "%.3f", ub1);
        put_list(tag, "p1.cpu_over_wall_all", u1, reps);
        sd_bench_put(tag, "p1.site_steps_per_s", "%.4g", ss / b1);
        sd_bench_put(tag, "speedup.median", "%.3f", m1 / mP);
        sd_bench_put(tag, "speedup.best", "%.3f", b1 / tbest);
        sd_bench_put(tag, "speedup.pair_min", "%.3f", rmin);
        sd_bench_put(tag, "speedup.pair_max", "%.3f", rmax);
        sd_bench_put(tag, "speedup.efficiency_median", "%.3f", m1 / mP / nranks);
        printf("%s: speedup P = 1 -> %d, %d interleaved pairs: median %.2f (t1 %.3f s / t%d "
               "%.3f s), best/best %.2f, per pair %.2f .. %.2f; P = 1 best %.3g "
               "site-steps/s (CPU/wall %.2f)\n",
               tag, nranks, reps, m1 / mP, m1, nranks, mP, b1 / tbest, rmin, rmax, ss / b1,
               ub1);
    }
    free(tall);
    free(t1);
    free(c1);
    free(uall);
    free(u1);

    if (!phases) {
        if (rank == 0)
            printf("%s: %d-D %d^%d, %d rank(s), %ld steps (%g d), load %.1f -> %.1f: advance "
                   "%.3f s (best of %d, worst %.3f s) = %.3g site-steps/s = %.3g per core "
                   "(%.3g per CPU second; CPU/wall %.2f); triad %.1f GB/s\n",
                   tag, c->dim, c->n, c->dim, nranks, steps, c->days, la0, la1, tbest, reps,
                   tworst, rate, rate / nranks, rate_cpu, cof, triad);
        return;
    }

    sd_fields_opts o;
    sd_fields_opts_default_dim(&o, c->dim);
    double cyc_S = (double)pr.cycles_S / (double)pr.steps;
    double cyc_E = (double)pr.cycles_E / (double)pr.steps;
    double spi_E = pr.sweeps_E > 0 && pr.cycles_E > 0 ? (double)pr.sweeps_E / pr.cycles_E : 0;
    double bcyc = bytes_field_cycle(&pr, &o, 0.0);
    double bcyc_E = bytes_field_cycle(&pr, &o, spi_E);
    double B[PH_N] = {0}; /* bytes per site-step of each phase (all ranks) */
    B[PH_ODE] = 41;
    B[PH_EVENTS] = 50;
    B[PH_FIELD_S] = (bytes_field_setup(&pr, 0, 1) + cyc_S * bcyc) / sites;
    B[PH_FIELD_E] = (bytes_field_setup(&pr, 1, spi_E == 0) + cyc_E * bcyc_E) / sites;
    /* Rows are recorded every steps_per_output = 24 steps (1 d), or once. */
    double spo = c->days >= 1 && c->days == floor(c->days) ? 24.0 : (double)steps;
    B[PH_OBSERVE] = 33.0 / spo;
    double Btot = 0, tph = 0;
    for (int q = 0; q < PH_N; q++) {
        Btot += B[q];
        tph += pr.ph[q];
    }
    double tfield = pr.ph[PH_FIELD_S] + pr.ph[PH_FIELD_E];
    double cfield = pr.phc[PH_FIELD_S] + pr.phc[PH_FIELD_E];
    double prate = ss / pr.t_total;
    /* Per-rank CPU time of a phase: the sum over ranks / ranks. */
    double P = nranks;

    sd_bench_put(tag, "mg_levels", "%d", pr.nlevels);
    sd_bench_put(tag, "pdims", "%dx%dx%d", pr.pdims[0], pr.pdims[1], pr.pdims[2]);
    sd_bench_put(tag, "phases.replica_bit_identical", "%d", pr.identical);
    sd_bench_put(tag, "phases.setup_s", "%.4f", pr.t_setup);
    sd_bench_put(tag, "phases.total_s", "%.4f", pr.t_total);
    sd_bench_put(tag, "phases.total_cpu_s", "%.4f", pr.c_total);
    sd_bench_put(tag, "phases.step_ms", "%.3f", 1e3 * pr.t_total / (double)pr.steps);
    sd_bench_put(tag, "phases.step_ms_min", "%.3f", 1e3 * pr.step_min);
    sd_bench_put(tag, "phases.step_ms_median", "%.3f", 1e3 * pr.step_med);
    sd_bench_put(tag, "phases.step_ms_max", "%.3f", 1e3 * pr.step_max);
    sd_bench_put(tag, "phases.site_steps_per_s", "%.4g", prate);
    sd_bench_put(tag, "phases.replica_over_model", "%.3f", pr.t_total / tbest);
    sd_bench_put(tag, "phases.replica_over_model_cpu", "%.3f", pr.c_total / cbest);
    for (int q = 0; q < PH_N; q++) {
        char key[64];
        double cq = pr.phc[q] / P; /* CPU seconds per rank */
        snprintf(key, sizeof key, "phases.%s_ms_per_step", ph_name[q]);
        sd_bench_put(tag, key, "%.3f", 1e3 * pr.ph[q] / (double)pr.steps);
        snprintf(key, sizeof key, "phases.%s_cpu_ms_per_step", ph_name[q]);
        sd_bench_put(tag, key, "%.3f", 1e3 * cq / (double)pr.steps);
        snprintf(key, sizeof key, "phases.%s_share", ph_name[q]);
        sd_bench_put(tag, key, "%.4f", pr.ph[q] / pr.t_total);
        snprintf(key, sizeof key, "phases.%s_share_cpu", ph_name[q]);
        sd_bench_put(tag, key, "%.4f", pr.phc[q] / pr.c_total);
        if (B[q] > 0) {
            snprintf(key, sizeof key, "phases.%s_bytes_per_site_step", ph_name[q]);
            sd_bench_put(tag, key, "%.1f", B[q]);
            double gw = B[q] * ss / pr.ph[q] / 1e9, gc = B[q] * ss / cq / 1e9;
            snprintf(key, sizeof key, "phases.%s_gbs", ph_name[q]);
            sd_bench_put(tag, key, "%.2f", gw);
            snprintf(key, sizeof key, "phases.%s_frac_stream", ph_name[q]);
            sd_bench_put(tag, key, "%.3f", gw / triad);
            snprintf(key, sizeof key, "phases.%s_gbs_cpu", ph_name[q]);
            sd_bench_put(tag, key, "%.2f", gc);
            snprintf(key, sizeof key, "phases.%s_frac_stream_cpu", ph_name[q]);
            sd_bench_put(tag, key, "%.3f", gc / triad);
        }
    }
    sd_bench_put(tag, "phases.other_share", "%.4f", 1 - tph / pr.t_total);
    sd_bench_put(tag, "field_share", "%.4f", tfield / pr.t_total);
    sd_bench_put(tag, "field_share_cpu", "%.4f", cfield / pr.c_total);
    sd_bench_put(tag, "cycles_S_per_step", "%.2f", cyc_S);
    sd_bench_put(tag, "cycles_S_min_max", "%d-%d", pr.cyc_S_min, pr.cyc_S_max);
    sd_bench_put(tag, "cycles_E_per_step", "%.2f", cyc_E);
    sd_bench_put(tag, "cycles_E_min_max", "%d-%d", pr.cyc_E_min, pr.cyc_E_max);
    sd_bench_put(tag, "bytes_per_vcycle_per_site", "%.1f", bcyc / sites);
    sd_bench_put(tag, "bytes_per_site_step", "%.1f", Btot);
    sd_bench_put(tag, "model.gbs_estimated", "%.2f", Btot * rate / 1e9);
    sd_bench_put(tag, "model.frac_stream", "%.3f", Btot * rate / 1e9 / triad);
    sd_bench_put(tag, "model.frac_stream_cpu", "%.3f", Btot * rate_cpu * P / 1e9 / triad);
    sd_bench_put(tag, "model.frac_stream_ws", "%.3f", Btot * rate / 1e9 / triad_ws);
    sd_bench_put(tag, "model.site_steps_per_s_at_stream", "%.4g", triad * 1e9 / Btot);

    if (rank == 0) {
        printf("%s: %d-D %d^%d = %.3g sites, %d rank(s) (%dx%dx%d), %ld steps of 1 h (%g d), "
               "load %.1f -> %.1f\n",
               tag, c->dim, c->n, c->dim, sites, nranks, pr.pdims[0], pr.pdims[1], pr.pdims[2],
               steps, c->days, la0, la1);
        printf("  model class: advance %.3f s wall (best of %d; worst %.3f s), %.3f s CPU "
               "(CPU/wall %.2f), create %.3f s\n",
               tbest, reps, tworst, cbest, cof, tcreate);
        printf("    %.3g site-steps/s, %.3g per core (%.1f ns per site-step and core); "
               "%.3g per CPU second\n",
               rate, rate / P, 1e9 * P / rate, rate_cpu);
        printf("  phase replica (%s the model's rows): %.3f s wall = %.2f x the model's "
               "advance (CPU %.2f x); per step %.1f ms (min %.1f, median %.1f, max %.1f)\n",
               pr.identical ? "bit-identical to" : "DIFFERS from", pr.t_total,
               pr.t_total / tbest, pr.c_total / cbest, 1e3 * pr.t_total / (double)pr.steps,
               1e3 * pr.step_min, 1e3 * pr.step_med, 1e3 * pr.step_max);
        printf("  %-8s %8s %8s %7s %7s %7s %7s %7s\n", "phase", "wall ms", "CPU ms", "share",
               "CPU sh", "B/site", "GB/s*", "%triad*");
        for (int q = 0; q < PH_N; q++) {
            double cq = pr.phc[q] / P;
            printf("  %-8s %8.3f %8.3f %6.1f%% %6.1f%%", ph_name[q],
                   1e3 * pr.ph[q] / (double)pr.steps, 1e3 * cq / (double)pr.steps,
                   100 * pr.ph[q] / pr.t_total, 100 * pr.phc[q] / pr.c_total);
            if (B[q] > 0) {
                double gc = B[q] * ss / cq / 1e9;
                printf(" %7.1f %7.2f %6.0f%%", B[q], gc, 100 * gc / triad);
            }
            printf("\n");
        }
        printf("  (* from the CPU time per rank, so that waiting for a core does not count)\n");
        printf("  fields: %.1f %% of a step (wall), %.1f %% (CPU); V-cycles per step S %.2f "
               "(%d-%d), E %.2f (%d-%d); ~%.0f B per site and V-cycle\n",
               100 * tfield / pr.t_total, 100 * cfield / pr.c_total, cyc_S, pr.cyc_S_min,
               pr.cyc_S_max, cyc_E, pr.cyc_E_min, pr.cyc_E_max, bcyc / sites);
        printf("  STREAM triad %.1f GB/s before, %.1f after (%zu MB/rank); %.1f GB/s with the "
               "working set (%.1f MB/rank)\n",
               triad0, triad1, mb, triad_ws, ws / 1e6);
        printf("  ~%.0f B per site-step: the model moves %.2f GB/s (wall) = %.0f %% of the "
               "triad, %.0f %% by CPU time; at the triad it would do %.3g site-steps/s\n",
               Btot, Btot * rate / 1e9, 100 * Btot * rate / 1e9 / triad,
               100 * Btot * rate_cpu * P / 1e9 / triad, triad * 1e9 / Btot);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    int n2 = 512, n3 = 128, reps = 1, phases = 1, speedup = 0;
    double days = 2;
    size_t mb = 256;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            if (rank == 0) fprintf(stderr, "bench_drift: %s needs a value\n", a);
            MPI_Finalize();
            return 2;
        }
        if (!strcmp(a, "--n2")) n2 = atoi(v);
        else if (!strcmp(a, "--n3")) n3 = atoi(v);
        else if (!strcmp(a, "--days")) days = atof(v);
        else if (!strcmp(a, "--stream-mb")) mb = (size_t)atol(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--phases")) phases = atoi(v);
        else if (!strcmp(a, "--speedup")) speedup = atoi(v);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else {
            if (rank == 0)
                fprintf(stderr,
                        "usage: mpirun -n P bench_drift [--n2 512] [--n3 128] [--days 2] "
                        "[--stream-mb 256] [--reps 1] [--phases 1] [--speedup 0] [--seed 1]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    /* Whole steps of 1 h. */
    days = fmax(1.0, nearbyint(days * 24)) / 24;
    if (rank == 0) {
        printf("bench_drift: drift model, docs/model.md defaults (dx 10 um, dt 1 h, L_S 250 um / "
               "6 h, L_E 30 um / 24 h, generic tissue, f0 0.01, no drugs)\n");
        printf("reproduce: mpirun -n %d %s --n2 %d --n3 %d --days %g --stream-mb %zu --reps %d "
               "--phases %d --speedup %d --seed %llu\n",
               nranks, argv[0], n2, n3, days, mb, reps, phases, speedup,
               (unsigned long long)seed);
        printf("machine: %ld cores online; load average at start %.2f (timings assume an idle "
               "machine; they are upper bounds when it is not)\n",
               sysconf(_SC_NPROCESSORS_ONLN), loadavg());
    }
    if (n2 > 0) {
        bench_case c = {2, n2, days, seed};
        run_case(&c, reps, phases, speedup, mb);
    }
    if (n3 > 0) {
        bench_case c = {3, n3, days, seed};
        run_case(&c, reps, phases, speedup, mb);
    }
    MPI_Finalize();
    return 0;
}
