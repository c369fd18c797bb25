/* The null model: does (almost) nothing, to measure the sweep machinery.
 *
 * Inputs x1, x2, ... (any real numbers).  At each of n_times output times
 * t = 0, 1, ... it reports value = (1 + t) * sum_k k x_k, agreed over the
 * worker group with an MPI_Allreduce, and optionally burns `work` seconds
 * of CPU per run, split over the output times.  The summary is sum_k k x_k.
 * Its cost hint is `work`, so a sweep over work exercises longest-first.
 * For tests of failure handling, a run fails at t >= 1 when the sum exceeds
 * `fail_above`, detected on group rank `fail_rank` only (the sweep must make
 * the rest of the group agree).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sendrift/error.h"
#include "sendrift/model.h"
#include "sendrift/mpicheck.h"

static const sd_param_def null_params[] = {
    {"work", "s", "CPU seconds burnt per run", SD_PARAM_REAL, 0.0, 0.0, 86400.0, NULL,
     NULL, 0, NULL},
    {"n_times", "1", "number of output times", SD_PARAM_INT, 4, 1, 1000000, NULL, NULL, 1, NULL},
    {"lattice_nx", "1", "snapshot lattice cells along x (0: no snapshots)", SD_PARAM_INT, 0, 0,
     100000, NULL, NULL, 1, NULL},
    {"lattice_ny", "1", "snapshot lattice cells along y", SD_PARAM_INT, 1, 1, 100000, NULL,
     NULL, 1, NULL},
    {"memory", "B", "bytes each rank allocates (and touches) per run", SD_PARAM_REAL, 0.0,
     0.0, 1e18, NULL, NULL, 0, NULL},
    {"fail_above", "1", "a run fails at t >= 1 when sum_k k x_k exceeds this", SD_PARAM_REAL,
     1e300, -1e300, 1e300, NULL, NULL, 0, NULL},
    {"fail_rank", "1", "the rank of the group that detects the failure (the others agree)",
     SD_PARAM_INT, 0, 0, 1000000, NULL, NULL, 0, NULL},
};

static const sd_metric_def null_series[] = {
    {"value", "1", "(1 + t) * sum_k k x_k"},
};
static const sd_metric_def null_summary[] = {
    {"sum", "1", "sum_k k x_k"},
};
static const sd_snapfield_def null_snapfields[] = {
    {"value", "1", "global cell index (x fastest) + t * sum_k k x_k", SD_SNAP_F64, NULL},
    {"parity", "1", "global cell index modulo 2", SD_SNAP_U8, NULL},
};

typedef struct {
    MPI_Comm comm;
    sd_run_poll *poll;
    double sum, work, t, fail_above;
    unsigned char *block;
    int64_t steps;            /* steps of `work` burnt so far               */
    int nx, ny;
    size_t n_times;
    int fail_rank;
} null_state;

static int null_lookup(const char *name, sd_param_def *def)
{
    unsigned long k;
    if (!sd_param_family(name, "x", &k)) return 0;
    *def = (sd_param_def){NULL, "1", "input k", SD_PARAM_REAL, 0.0, -1e300, 1e300,
                          NULL, NULL, 0, NULL};
    return 1;
}

static int null_layout(const sd_paramset *base, sd_layout *out)
{
    size_t n = (size_t)sd_paramset_real(base, "n_times", 4);
    memset(out, 0, sizeof *out);
    out->times = sd_calloc(n, sizeof(double), "null model output times");
    if (!out->times) return SD_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) out->times[i] = (double)i;
    out->n_times = n;
    out->time_unit = "1";
    out->series = null_series;
    out->n_series = 1;
    out->summary = null_summary;
    out->n_summary = 1;
    int nx = (int)sd_paramset_real(base, "lattice_nx", 0);
    if (nx > 0) {
        out->n_snapfields = 2;
        out->snapfields = null_snapfields;
        out->snap_dim = 2;
        out->snap_n[0] = nx;
        out->snap_n[1] = (int)sd_paramset_real(base, "lattice_ny", 1);
        out->snap_n[2] = 1;
        out->snap_dx = 1.0;
    }
    return SD_OK;
}

static double null_cost(const sd_paramset *p) { return sd_paramset_real(p, "work", 0.0); }

static int null_create(const sd_paramset *p, const sd_run_info *info, MPI_Comm comm,
                       void **state)
{
    null_state *s = sd_calloc(1, sizeof *s, "null model state");
    if (!s) return SD_ERR_NOMEM;
    s->poll = info->poll;
    unsigned long k;
    for (size_t i = 0; i < p->n; i++)
        if (sd_param_family(p->v[i].name, "x", &k)) s->sum += (double)k * p->v[i].value;
    s->comm = comm;
    s->work = sd_paramset_real(p, "work", 0.0);
    s->n_times = (size_t)sd_paramset_real(p, "n_times", 4);
    s->fail_above = sd_paramset_real(p, "fail_above", 1e300);
    s->fail_rank = (int)sd_paramset_real(p, "fail_rank", 0);
    s->nx = (int)sd_paramset_real(p, "lattice_nx", 0);
    s->ny = (int)sd_paramset_real(p, "lattice_ny", 1);
    size_t bytes = (size_t)sd_paramset_real(p, "memory", 0.0);
    if (bytes) {
        s->block = malloc(bytes);
        if (!s->block) {
            free(s);
            return sd_error(SD_ERR_NOMEM, "null model: cannot allocate %zu bytes", bytes);
        }
        memset(s->block, 1, bytes);
    }
    *state = s;
    return SD_OK;
}

static double null_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int null_advance(void *state, double t)
{
    null_state *s = state;
    s->t = t;
    if (s->work > 0) {
        /* Burnt in steps of at most 10 ms of CPU time, asking the sweep
         * after each whether to go on, as a model with time steps does.
         * Every rank of a group takes the same number of steps (the poll is
         * collective). */
        /* `work` is spread over the run's time: the first output time (t =
         * 0, the initial state) is free, the others share it. */
        if (s->n_times > 1 && t == 0) goto done;
        double per = s->work / (double)(s->n_times > 1 ? s->n_times - 1 : 1);
        int64_t steps = (int64_t)ceil(per / 0.01);
        /* Output time t (0, 1, ...) is reached after t (or, alone, 1)
         * intervals of `steps` steps: a run restored from a checkpoint
         * half-way through one burns only the rest. */
        int64_t target = steps * (int64_t)(s->n_times > 1 ? t : 1);
        volatile double sink = 0;
        while (s->steps < target) {
            double until = null_cpu_seconds() + per / (double)steps;
            while (null_cpu_seconds() < until)
                for (int i = 0; i < 1000; i++) sink = sink + 1e-9;
            s->steps++;
            int rc = sd_run_poll_check(s->poll);
            if (rc != SD_OK) return rc;
        }
        (void)sink;
    }
done:;
    int rank;
    SD_MPI(MPI_Comm_rank(s->comm, &rank));
    if (t >= 1 && s->sum > s->fail_above && rank == s->fail_rank)
        return sd_error(SD_ERR_MODEL, "null model: sum %g exceeds fail_above %g (on purpose)",
                        s->sum, s->fail_above);
    return SD_OK;
}

static int null_observe(void *state, double *row)
{
    null_state *s = state;
    double v = (1.0 + s->t) * s->sum, agreed;
    SD_MPI(MPI_Allreduce(&v, &agreed, 1, MPI_DOUBLE, MPI_MIN, s->comm));
    row[0] = agreed;
    return SD_OK;
}

static int null_summarize(void *state, double *summary)
{
    summary[0] = ((null_state *)state)->sum;
    return SD_OK;
}

/* Rows of the snapshot lattice are split over the group: each rank fills a
 * ghosted tile (one ghost layer around it, left as garbage on purpose) and
 * writes its interior, as a domain-decomposed model would. */
static int null_snapshot(void *state, sd_snapshot *w)
{
    null_state *s = state;
    int rank, size;
    SD_CALL(sd_mpi_rank_size(s->comm, &rank, &size));
    int per = s->ny / size, extra = s->ny % size;
    int ln[3] = {s->nx, per + (rank < extra), 1};
    int lo[3] = {0, rank * per + (rank < extra ? rank : extra), 0};
    int gn[3] = {s->nx + 2, ln[1] + 2, 1};
    size_t n = (size_t)gn[0] * (size_t)gn[1];
    double *v = malloc(n * sizeof *v);
    unsigned char *par = malloc(n);
    int rc = SD_OK;
    if (!v || !par) {
        rc = sd_error(SD_ERR_NOMEM, "null model: snapshot tile");
    } else {
        for (size_t i = 0; i < n; i++) {
            v[i] = -1e300;
            par[i] = 77;
        }
        for (int j = 0; j < ln[1]; j++)
            for (int i = 0; i < ln[0]; i++) {
                double g = (double)(lo[1] + j) * s->nx + i;
                size_t p = (size_t)(j + 1) * (size_t)gn[0] + (size_t)(i + 1);
                v[p] = g + s->t * s->sum;
                par[p] = (unsigned char)((long)g % 2);
            }
        if (ln[1] > 0) rc = sd_snapshot_write(w, 0, v, lo, ln, gn);
        if (rc == SD_OK && ln[1] > 0) rc = sd_snapshot_write(w, 1, par, lo, ln, gn);
    }
    free(v);
    free(par);
    return rc;
}

/* The state: the steps burnt and the time (the inputs are parameters). */
static int null_checkpoint(void *state, sd_state_io *io)
{
    null_state *s = state;
    SD_CALL(sd_state_values(io, "steps", SD_STATE_I64, &s->steps, 1));
    return sd_state_values(io, "t", SD_STATE_F64, &s->t, 1);
}

static double null_memory(const sd_paramset *p, int ranks)
{
    (void)ranks;
    return sd_paramset_real(p, "memory", 0.0) + (double)sizeof(null_state);
}

static void null_destroy(void *state)
{
    null_state *s = state;
    free(s->block);
    free(s);
}

const sd_model_class sd_model_null = {
    .name = "null",
    .description = "does nothing but report sum_k k x_k: measures the sweep machinery",
    .params = null_params,
    .n_params = sizeof null_params / sizeof null_params[0],
    .lookup = null_lookup,
    .layout = null_layout,
    .cost = null_cost,
    .memory = null_memory,
    .create = null_create,
    .advance = null_advance,
    .observe = null_observe,
    .summarize = null_summarize,
    .snapshot = null_snapshot,
    .destroy = null_destroy,
    .checkpoint = null_checkpoint,
    .state_version = 1,
};
