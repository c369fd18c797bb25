/* Benchmark of the field solver (a benchmark, not a test: it asserts nothing).
 *
 *   mpirun -n P bench_fields [--n2 512] [--n3 128] [--steps 24] [--stream-mb 256]
 *                            [--fields SE] [--long 1] [--accuracy 1] [--acc-steps 12]
 *                            [--warm-steps 6] [--ref-substeps 64]
 *
 * For a 2-D n2^2 and a 3-D n3^3 lattice (0 skips a case) at the model's
 * defaults (dx = 10 um, dt = 1 h; SASP L = 250 um, t_half = 6 h; EV L =
 * 30 um, t_half = 24 h, uptake psi = 4 on normal cells; 1 % senescent
 * sources, about 0.1 % of the sites flipping each hour) it reports, for each
 * field of --fields (S, E or SE):
 *
 *  speed: the steady start, the time and V-cycles per time step at the
 *    solver's default options, voxel-steps per second per core, and the time
 *    of one V-cycle measured on a long solve (--long 0 skips it), next to a
 *    STREAM triad measured in the same run on the same ranks, so that the
 *    solver can be read as a fraction of the memory bandwidth.  Bytes per
 *    cycle are estimated from the arrays each kernel touches (see
 *    bytes_per_cycle).
 *
 *  accuracy (--accuracy 0 skips it), beside the speed, against an exact
 *    backward-Euler solve (one solved to rtol 1e-13):
 *    (a) the time-discretisation error of one backward-Euler step of dt from
 *        a realistic state (--warm-steps exact steps of the bench's evolution
 *        after the steady start): || u_dt - u(t + dt) ||_max / ||u||_max,
 *        where u(t + dt), the exact-in-time solution of the spatially
 *        discrete problem, is the Richardson extrapolation 2 u_m - u_{m/2} of
 *        m = --ref-substeps and m/2 backward-Euler substeps (first order);
 *        the same extrapolation from m/2 and m/4 substeps is four times
 *        further off, so the two extrapolations' difference bounds the
 *        reference's own error (time_err_ref_err_bound);
 *    (b) the algebraic error || u_rtol - u_exact ||_max / ||u_exact||_max of
 *        one step solved at rtol = 1e-5, 1e-6, 1e-7, 1e-8 (and the solver's
 *        default rtol, if another), each from the same old field as the
 *        exact step, with the V-cycles each took (sd_fields_stats.cycles):
 *        mean and max over --acc-steps consecutive steps, the state carried
 *        on by the exact solve.
 *
 * Output: a human summary, and "key = value" lines (grep '^f[23]_'), keys
 * prefixed by the case and field, e.g. "f2_n512_P1.S.voxel_steps_per_s_per_core".
 * Only the public API of include/sendrift/fields.h is used. */
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/fields.h"
#include "sendrift/grid.h"
#include "stream.h"

static int rank, nranks;

static void die(const char *what) __attribute__((noreturn));

static void die(const char *what)
{
    /* Library errors are agreed by all ranks: every rank gets here. */
    if (rank == 0) fprintf(stderr, "bench_fields: %s: %s\n", what, sd_error_message());
    MPI_Finalize();
    exit(1);
}

/* Bytes one outer iteration moves, counting each array a kernel streams
 * (STREAM convention: reads + writes, no write-allocate), per rank, for the
 * mixed-precision solver of src/lattice/fields.c.  Per fine cell: the fused
 * correction and double residual read u, e, b, diag and write u and r
 * (8 + 4 + 8 + 8 + 8 + 4 = 40 B).  A V(pre, post) cycle, per cell of every
 * level but the coarsest (single precision): the first sweep from zero reads
 * b, 1/diag and writes x (12 B), every other fused sweep reads x, b, 1/diag
 * and writes x (16 B), the residual reads x, b, diag and writes r (16 B),
 * the restriction reads r (4 B), the prolongation reads and writes x (8 B).
 * When the iterations are fine-grid sweeps alone (sweeps_per_iter > 0:
 * sd_fields_stats.sweeps / cycles), those sweeps instead.  The set-up of a
 * solve (right-hand side and diagonals, about 44 B per fine cell) is not
 * counted.  bench_drift.c counts the same. */
static double bytes_per_cycle(const sd_fields *f, const sd_fields_opts *o, double fine_cells,
                              double sweeps_per_iter)
{
    if (sweeps_per_iter > 0) return (12.0 + 16.0 * (sweeps_per_iter - 1) + 40.0) * fine_cells;
    double cells = 0;
    int nl = sd_fields_nlevels(f);
    for (int l = 0; l < nl - 1; l++) {
        int n[3], repl;
        sd_fields_level(f, l, n, &repl);
        double c = (double)n[0] * n[1] * n[2];
        cells += repl ? c : c / nranks; /* per rank */
    }
    double sweeps = (o->pre_smooth > 0 ? 12.0 + 16.0 * (o->pre_smooth - 1) : 0.0) +
                    16.0 * o->post_smooth;
    return (sweeps + 16 + 4 + 8) * cells + 40.0 * fine_cells;
}

typedef struct {
    const char *name, *key;
    double L, t_half, psi;
} field_def;

/* 1 % senescent sites (sources), the rest normal (EV uptake): the same
 * global pattern for any number of ranks. */
static void init_sources(const sd_box *b, double *q, double *a)
{
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++)
            for (int i = 0; i < b->ln[0]; i++) {
                uint64_t h = (uint64_t)sd_box_gidx(b, i, j, k) * 0x9E3779B97F4A7C15ULL;
                h ^= h >> 29;
                int sen = h % 100u == 0;
                q[sd_box_idx(b, i, j, k)] = sen ? 1.0 : 0.0;
                a[sd_box_idx(b, i, j, k)] = sen ? 0.0 : 4.0;
            }
}

/* About 0.1 % of the local sites change state (source <-> uptake), as in the
 * model each hour. */
static void flip_sources(const sd_box *b, double *q, double *a, uint64_t *seed)
{
    for (size_t c = 0; c < b->ncells / 1000 + 1; c++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t cell = (size_t)(*seed >> 20) % b->ncells;
        int i = (int)(cell % (size_t)b->ln[0]);
        int j = (int)(cell / (size_t)b->ln[0] % (size_t)b->ln[1]);
        int k = (int)(cell / ((size_t)b->ln[0] * (size_t)b->ln[1]));
        ptrdiff_t p = sd_box_idx(b, i, j, k);
        q[p] = 1.0 - q[p];
        a[p] = q[p] > 0 ? 0.0 : 4.0;
    }
}

/* max |x - y| (y NULL: max |x|) over the interior, all ranks. */
static double maxdiff(const sd_box *b, const double *x, const double *y)
{
    double m = 0;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++)
            for (int i = 0; i < b->ln[0]; i++) {
                ptrdiff_t p = sd_box_idx(b, i, j, k);
                double d = fabs(x[p] - (y ? y[p] : 0.0));
                if (!(d <= m)) m = d; /* NaN wins */
            }
    MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

#define NRTOL_MAX 6

/* Accuracy against an exact backward-Euler solve (see the header): (a) the
 * time-discretisation error of one step, (b) the algebraic error per rtol.
 * u: the field (a steady start of the current sources); q, a: the sources
 * and uptake, flipped as the evolution goes on. */
static void accuracy(const char *tag, const sd_grid *g, const field_def *fd, double dt,
                     double *u, double *q, double *a, int warm, int nsteps, int nsub,
                     uint64_t seed)
{
    const sd_box *b = sd_grid_box(g);
    double lambda, D;
    sd_fields_rates(fd->L, fd->t_half, &lambda, &D);
    const double *av = fd->psi > 0 ? a : NULL;
    sd_fields_opts od, oe;
    sd_fields_opts_default_dim(&od, b->dim);
    oe = od;
    oe.rtol = 1e-13;
    oe.max_cycles = 400;
    double rtol[NRTOL_MAX] = {1e-5, 1e-6, 1e-7, 1e-8};
    int nr = 4, idef = -1;
    for (int r = 0; r < nr; r++)
        if (fabs(rtol[r] - od.rtol) <= 1e-3 * od.rtol) idef = r;
    if (idef < 0) idef = nr, rtol[nr++] = od.rtol;
    sd_fields *fe = NULL, *fr[NRTOL_MAX] = {NULL};
    if (sd_fields_create(g, &oe, &fe)) die("fields (exact)");
    for (int r = 0; r < nr; r++) {
        sd_fields_opts o = od;
        o.rtol = rtol[r];
        if (sd_fields_create(g, &o, &fr[r])) die("fields (rtol)");
    }
    double *u0 = NULL, *w = NULL, *w2 = NULL, *w3 = NULL;
    if (sd_grid_alloc(g, "u0", &u0) || sd_grid_alloc(g, "w", &w) ||
        sd_grid_alloc(g, "w2", &w2) || sd_grid_alloc(g, "w3", &w3))
        die("arrays");
    size_t bytes = sizeof(double) * b->size;
    sd_fields_stats st;
    double t0 = MPI_Wtime();

    /* A realistic state: `warm` exact steps of the evolution. */
    for (int s = 0; s < warm; s++) {
        flip_sources(b, q, a, &seed);
        if (sd_fields_step(fe, u, av, q, lambda, D, dt, &st)) die("exact step");
    }

    /* (a) One step of dt against m, m/2 and m/4 substeps, all exact: first
     * a step whose sources did not change (the field still relaxing from
     * the previous steps' changes), then the bench's step, in which about
     * 0.1 % of the sites changed state just before (v = 1). */
    double e_time[2], e_sub[2], e_ref[2], change[2];
    int cyc_exact = 0;
    const int m[3] = {nsub, nsub / 2, nsub / 4};
    for (int v = 0; v < 2; v++) {
        if (v) flip_sources(b, q, a, &seed);
        memcpy(u0, u, bytes);
        if (sd_fields_step(fe, u, av, q, lambda, D, dt, &st)) die("exact step");
        cyc_exact = st.cycles;
        double *um[3] = {w, w2, w3};
        for (int r = 0; r < 3; r++) {
            memcpy(um[r], u0, bytes);
            for (int s = 0; s < m[r]; s++)
                if (sd_fields_step(fe, um[r], av, q, lambda, D, dt / m[r], &st)) die("substep");
        }
        /* Richardson: backward Euler is first order, u_m = u* + c/m + O(m^-2),
         * so 2 u_m - u_{m/2} = u* + O(m^-2); the same from (m/2, m/4) is four
         * times further off, so their difference bounds the extrapolation's
         * error.  w: the extrapolation, w2: u_m - u_{m/2}, w3: the two
         * extrapolations' difference. */
        for (int k = 0; k < b->ln[2]; k++)
            for (int j = 0; j < b->ln[1]; j++)
                for (int i = 0; i < b->ln[0]; i++) {
                    ptrdiff_t p = sd_box_idx(b, i, j, k);
                    double e1 = 2 * w[p] - w2[p], e2 = 2 * w2[p] - w3[p];
                    w3[p] = e1 - e2;
                    w2[p] = w[p] - w2[p];
                    w[p] = e1;
                }
        double unorm = maxdiff(b, w, NULL);
        e_time[v] = maxdiff(b, u, w) / unorm;
        e_sub[v] = maxdiff(b, w2, NULL) / unorm; /* ~ the error of u_m itself   */
        e_ref[v] = maxdiff(b, w3, NULL) / unorm; /* > the extrapolation's error */
        change[v] = maxdiff(b, u, u0) / unorm;
    }
    double t_a = MPI_Wtime() - t0;

    /* (b) nsteps steps: each rtol from the same old field as the exact one. */
    t0 = MPI_Wtime();
    double emean[NRTOL_MAX] = {0}, emax[NRTOL_MAX] = {0}, cmean[NRTOL_MAX] = {0};
    int cmin[NRTOL_MAX], cmax[NRTOL_MAX] = {0};
    for (int r = 0; r < nr; r++) cmin[r] = 1 << 30;
    double cex = 0;
    for (int s = 0; s < nsteps; s++) {
        flip_sources(b, q, a, &seed);
        memcpy(u0, u, bytes);
        if (sd_fields_step(fe, u, av, q, lambda, D, dt, &st)) die("exact step");
        cex += st.cycles;
        double n = maxdiff(b, u, NULL);
        for (int r = 0; r < nr; r++) {
            memcpy(w, u0, bytes);
            if (sd_fields_step(fr[r], w, av, q, lambda, D, dt, &st)) die("step");
            double e = maxdiff(b, w, u) / n;
            emean[r] += e / nsteps;
            if (e > emax[r]) emax[r] = e;
            cmean[r] += (double)st.cycles / nsteps;
            if (st.cycles < cmin[r]) cmin[r] = st.cycles;
            if (st.cycles > cmax[r]) cmax[r] = st.cycles;
        }
    }
    double t_b = MPI_Wtime() - t0;

    char t[160];
    snprintf(t, sizeof t, "%s.%s", tag, fd->key);
    /* time_err: the bench's step (sources changed); time_err_unchanged: the
     * step before it, whose sources had not changed. */
    sd_bench_put(t, "time_err", "%.3e", e_time[1]);
    sd_bench_put(t, "time_err_substeps_err", "%.3e", e_sub[1]);
    sd_bench_put(t, "time_err_ref_err_bound", "%.3e", e_ref[1]);
    sd_bench_put(t, "time_err_step_change", "%.3e", change[1]);
    sd_bench_put(t, "time_err_unchanged", "%.3e", e_time[0]);
    sd_bench_put(t, "time_err_unchanged_substeps_err", "%.3e", e_sub[0]);
    sd_bench_put(t, "time_err_unchanged_ref_err_bound", "%.3e", e_ref[0]);
    sd_bench_put(t, "time_err_unchanged_step_change", "%.3e", change[0]);
    sd_bench_put(t, "time_err_ref_substeps", "%d", nsub);
    sd_bench_put(t, "time_err_warm_steps", "%d", warm);
    sd_bench_put(t, "exact_cycles_per_step", "%.2f", cex / nsteps);
    sd_bench_put(t, "acc_steps", "%d", nsteps);
    sd_bench_put(t, "default_rtol", "%g", od.rtol);
    for (int r = 0; r < nr; r++) {
        char k[64];
        snprintf(k, sizeof k, "alg_err.rtol_%g", rtol[r]);
        sd_bench_put(t, k, "%.3e", emean[r]);
        snprintf(k, sizeof k, "alg_err_max.rtol_%g", rtol[r]);
        sd_bench_put(t, k, "%.3e", emax[r]);
        snprintf(k, sizeof k, "cycles.rtol_%g", rtol[r]);
        sd_bench_put(t, k, "%.2f", cmean[r]);
        snprintf(k, sizeof k, "cycles_min_max.rtol_%g", rtol[r]);
        sd_bench_put(t, k, "%d-%d", cmin[r], cmax[r]);
    }
    sd_bench_put(t, "alg_err.default", "%.3e", emean[idef]);
    sd_bench_put(t, "alg_over_time_err.default", "%.3g", emean[idef] / e_time[1]);
    if (rank == 0) {
        printf("  %s accuracy against exact backward Euler (rtol 1e-13), after %d steps of "
               "evolution:\n",
               fd->name, warm);
        printf("    time-discretisation error of one step of %g h, of ||u||_max: %.2e with "
               "0.1 %% of the sources changed (the step changes u by %.1e; exact step %d "
               "cycles), %.2e with none changed (change %.1e)\n",
               dt * 24, e_time[1], change[1], cyc_exact, e_time[0], change[0]);
        printf("      reference: Richardson of %d and %d substeps (%d substeps alone are off "
               "by ~%.1e / %.1e; the extrapolation by < %.1e / %.1e; %.1f s)\n",
               m[0], m[1], m[0], e_sub[1], e_sub[0], e_ref[1], e_ref[0], t_a);
        printf("    algebraic error of one step, %d steps (%.1f s; exact: %.2f cycles/step):\n",
               nsteps, t_b, cex / nsteps);
        printf("      %-9s %10s %10s %8s %6s %12s\n", "rtol", "mean err", "max err", "cycles",
               "range", "err/time err");
        for (int r = 0; r < nr; r++)
            printf("      %-9.0e %10.2e %10.2e %8.2f %3d-%-2d %12.3g%s\n", rtol[r], emean[r],
                   emax[r], cmean[r], cmin[r], cmax[r], emean[r] / e_time[1],
                   r == idef ? "  (default)" : "");
    }
    free(u0);
    free(w);
    free(w2);
    free(w3);
    for (int r = 0; r < nr; r++) sd_fields_destroy(&fr[r]);
    sd_fields_destroy(&fe);
}

typedef struct {
    int steps, long_solve, accuracy, acc_steps, warm, nsub;
    const char *fields;
    size_t mb;
} bench_opts;

static void bench_case(int dim, int N, const bench_opts *bo)
{
    const double dx = 10.0, dt = 1.0 / 24;
    const field_def fd[2] = {{"SASP S", "S", 250.0, 6.0, 0.0}, {"EV E  ", "E", 30.0, 24.0, 4.0}};
    const int steps = bo->steps;
    int n[3] = {N, N, N};
    sd_grid *g = NULL;
    if (sd_grid_create(MPI_COMM_WORLD, dim, n, dx, NULL, &g)) die("grid");
    const sd_box *b = sd_grid_box(g);
    sd_fields_opts o;
    sd_fields_opts_default_dim(&o, dim);
    sd_fields *f = NULL;
    if (sd_fields_create(g, &o, &f)) die("fields");
    double *u[2] = {NULL, NULL}, *a = NULL, *q = NULL;
    if (sd_grid_alloc(g, "S", &u[0]) || sd_grid_alloc(g, "E", &u[1]) ||
        sd_grid_alloc(g, "a", &a) || sd_grid_alloc(g, "q", &q))
        die("arrays");
    init_sources(b, q, a);
    double fine = (double)b->ncells, nglob = (double)b->nglobal;
    int pd[3];
    sd_grid_layout(g, pd, NULL);
    char tag[64];
    snprintf(tag, sizeof tag, "f%d_n%d_P%d", dim, N, nranks);
    /* The triad twice, just before the case: with arrays far larger than the
     * caches (memory bandwidth), and with the solver's working set (x, b, r,
     * diag, 1/diag on all levels: ~5 x 8 x 4/3 or 8/7 bytes per cell), which
     * may live in cache for the smaller grids. */
    double ws = 40.0 * fine * (dim == 2 ? 4.0 / 3 : 8.0 / 7);
    double triad = sd_bench_stream_triad(bo->mb * 1024 * 1024);
    double triad_ws = sd_bench_stream_triad((size_t)ws);
    if (rank == 0) {
        printf("\n%d-D %d^%d = %.3g cells on %d ranks (%d x %d x %d), %d levels, dx %g um, "
               "dt %g h, rtol %g\n",
               dim, N, dim, nglob, nranks, pd[0], pd[1], pd[2], sd_fields_nlevels(f), dx,
               dt * 24, o.rtol);
        printf("  STREAM triad: %.1f GB/s with %zu MB per rank, %.1f GB/s with the solver's "
               "working set (%.1f MB per rank)\n",
               triad, bo->mb, triad_ws, ws / 1e6);
    }
    sd_bench_put(tag, "dim", "%d", dim);
    sd_bench_put(tag, "n", "%d", N);
    sd_bench_put(tag, "cells", "%.0f", nglob);
    sd_bench_put(tag, "ranks", "%d", nranks);
    sd_bench_put(tag, "levels", "%d", sd_fields_nlevels(f));
    sd_bench_put(tag, "rtol", "%g", o.rtol);
    sd_bench_put(tag, "triad_gbs", "%.2f", triad);
    sd_bench_put(tag, "triad_ws_gbs", "%.2f", triad_ws);
    for (int fi = 0; fi < 2; fi++) {
        if (!strchr(bo->fields, fd[fi].key[0])) continue;
        char t[160];
        snprintf(t, sizeof t, "%s.%s", tag, fd[fi].key);
        double lambda, D;
        sd_fields_rates(fd[fi].L, fd[fi].t_half, &lambda, &D);
        const double *av = fd[fi].psi > 0 ? a : NULL;
        sd_fields_stats st;
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        if (sd_fields_steady(f, u[fi], av, q, lambda, D, &st)) die("steady");
        double tsteady = MPI_Wtime() - t0;
        int csteady = st.cycles;
        /* Time steps: a few cells change state each step, as in the model
         * (about 0.1 % of the sites per hour). */
        long c0 = sd_fields_total_cycles(f);
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        uint64_t seed = 977u + 31u * (uint64_t)fi + (uint64_t)rank;
        long nsw = 0, nit = 0;
        for (int s = 0; s < steps; s++) {
            flip_sources(b, q, a, &seed);
            if (sd_fields_step(f, u[fi], av, q, lambda, D, dt, &st)) die("step");
            nsw += st.sweeps;
            nit += st.cycles;
        }
        /* Fine-grid sweeps per iteration, when the solver used sweeps alone. */
        double spi = nsw > 0 && nit > 0 ? (double)nsw / (double)nit : 0.0;
        double tstep = (MPI_Wtime() - t0) / steps;
        MPI_Allreduce(MPI_IN_PLACE, &tstep, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        double cstep = (double)(sd_fields_total_cycles(f) - c0) / steps;
        double bcyc = bytes_per_cycle(f, &o, fine, spi) * nranks; /* all ranks */
        double Ddt = D * dt / (dx * dx);
        double vps = nglob / tstep / nranks; /* voxel-steps per s per core */
        /* Step bytes: the cycles only (the set-up per solve is not counted). */
        double step_gbs = cstep * bcyc / tstep / 1e9;
        if (rank == 0) {
            printf("  %s L = %3.0f um (L/dx %4.1f), t_half %2.0f h, D dt/dx^2 = %6.1f:\n",
                   fd[fi].name, fd[fi].L, fd[fi].L / dx, fd[fi].t_half, Ddt);
            printf("    steady start      %8.2f ms  %2d cycles\n", 1e3 * tsteady, csteady);
            printf("    time step         %8.2f ms  %4.2f cycles/step  (%.1f ns per cell "
                   "and rank; %.3g voxel-steps/s per core; cycles at %.0f %% of the triad)\n",
                   1e3 * tstep, cstep, 1e9 * tstep / nglob * nranks, vps,
                   100 * step_gbs / triad);
        }
        sd_bench_put(t, "D_dt_over_dx2", "%.3f", Ddt);
        sd_bench_put(t, "steady_ms", "%.3f", 1e3 * tsteady);
        sd_bench_put(t, "steady_cycles", "%d", csteady);
        sd_bench_put(t, "steps", "%d", steps);
        sd_bench_put(t, "step_ms", "%.4f", 1e3 * tstep);
        sd_bench_put(t, "cycles_per_step", "%.3f", cstep);
        sd_bench_put(t, "voxel_steps_per_s_per_core", "%.5g", vps);
        sd_bench_put(t, "ns_per_cell_step_per_core", "%.3f", 1e9 / vps);
        sd_bench_put(t, "bytes_per_cell_per_cycle", "%.1f", bcyc / nglob);
        sd_bench_put(t, "step_gbs", "%.3f", step_gbs);
        sd_bench_put(t, "step_frac_triad", "%.3f", step_gbs / triad);
        sd_bench_put(t, "voxel_steps_per_s_per_core_over_triad_gbs", "%.4g", vps / triad);
        if (bo->long_solve) {
            /* One long solve from zero to time a cycle. */
            sd_fields_opts o2 = o;
            o2.rtol = 1e-13;
            o2.max_cycles = 100;
            sd_fields *f2 = NULL;
            if (sd_fields_create(g, &o2, &f2)) die("fields");
            double tcycle = 1e30;
            for (int rep = 0; rep < 3; rep++) { /* best of 3 */
                memset(u[fi], 0, sizeof(double) * b->size);
                MPI_Barrier(MPI_COMM_WORLD);
                t0 = MPI_Wtime();
                if (sd_fields_steady(f2, u[fi], av, q, lambda, D, &st)) die("long solve");
                double tc = (MPI_Wtime() - t0) / st.cycles;
                MPI_Allreduce(MPI_IN_PLACE, &tc, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
                if (tc < tcycle) tcycle = tc;
            }
            double bytes = bytes_per_cycle(f2, &o2, fine,
                                           st.sweeps > 0 ? (double)st.sweeps / st.cycles : 0.0) *
                           nranks;
            double gbs = bytes / tcycle / 1e9;
            sd_fields_destroy(&f2);
            if (rank == 0) {
                printf("    one V(%d,%d) cycle  %8.2f ms  (%.1f ns per cell and rank; best of "
                       "3 solves to 1e-13, %d cycles)\n",
                       o.pre_smooth, o.post_smooth, 1e3 * tcycle,
                       1e9 * tcycle / nglob * nranks, st.cycles);
                printf("      ~%.0f MB moved per cycle: %.1f GB/s = %.0f %% of the triad "
                       "(%.0f %% of the working-set triad)\n",
                       bytes / 1e6, gbs, 100 * gbs / triad, 100 * gbs / triad_ws);
            }
            sd_bench_put(t, "cycle_ms", "%.4f", 1e3 * tcycle);
            sd_bench_put(t, "cycle_gbs", "%.3f", gbs);
            sd_bench_put(t, "cycle_frac_triad", "%.3f", gbs / triad);
            sd_bench_put(t, "long_solve_cycles", "%d", st.cycles);
        }
        if (bo->accuracy) {
            /* From the steady state of the initial sources, whatever the
             * timed steps did, so that the figures depend only on the case,
             * the accuracy options and the layout (each rank flips its own
             * sites with its own seed: other P, other flipped sites). */
            init_sources(b, q, a);
            if (sd_fields_steady(f, u[fi], av, q, lambda, D, &st)) die("steady");
            accuracy(tag, g, &fd[fi], dt, u[fi], q, a, bo->warm, bo->acc_steps, bo->nsub,
                     977u + 31u * (uint64_t)fi + 12345u + (uint64_t)rank);
        }
    }
    free(u[0]);
    free(u[1]);
    free(a);
    free(q);
    sd_fields_destroy(&f);
    sd_grid_destroy(&g);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    int n2 = 512, n3 = 128;
    bench_opts bo = {24, 1, 1, 12, 6, 64, "SE", 256};
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            if (rank == 0) fprintf(stderr, "bench_fields: %s needs a value\n", k);
            MPI_Finalize();
            return 2;
        }
        if (!strcmp(k, "--n2")) n2 = atoi(v);
        else if (!strcmp(k, "--n3")) n3 = atoi(v);
        else if (!strcmp(k, "--steps")) bo.steps = atoi(v);
        else if (!strcmp(k, "--stream-mb")) bo.mb = (size_t)atol(v);
        else if (!strcmp(k, "--fields")) bo.fields = v;
        else if (!strcmp(k, "--long")) bo.long_solve = atoi(v);
        else if (!strcmp(k, "--accuracy")) bo.accuracy = atoi(v);
        else if (!strcmp(k, "--acc-steps")) bo.acc_steps = atoi(v);
        else if (!strcmp(k, "--warm-steps")) bo.warm = atoi(v);
        else if (!strcmp(k, "--ref-substeps")) bo.nsub = atoi(v);
        else {
            if (rank == 0)
                fprintf(stderr, "usage: mpirun -n P bench_fields [--n2 512] [--n3 128] "
                                "[--steps 24] [--stream-mb 256] [--fields SE] [--long 1] "
                                "[--accuracy 1] [--acc-steps 12] [--warm-steps 6] "
                                "[--ref-substeps 64]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (bo.steps < 1) bo.steps = 1;
    if (bo.acc_steps < 1) bo.acc_steps = 1;
    if (bo.warm < 0) bo.warm = 0;
    if (bo.nsub < 4) bo.nsub = 4;
    if (rank == 0) {
        printf("bench_fields: field solver (multigrid V-cycles; accuracy against exact "
               "backward Euler)\n");
        printf("reproduce: mpirun -n %d %s --n2 %d --n3 %d --steps %d --stream-mb %zu --fields "
               "%s --long %d --accuracy %d --acc-steps %d --warm-steps %d --ref-substeps %d\n",
               nranks, argv[0], n2, n3, bo.steps, bo.mb, bo.fields, bo.long_solve, bo.accuracy,
               bo.acc_steps, bo.warm, bo.nsub);
        FILE *la = fopen("/proc/loadavg", "r");
        double load = -1;
        if (la) {
            if (fscanf(la, "%lf", &load) != 1) load = -1;
            fclose(la);
        }
        if (load >= 0) printf("load average at start: %.2f (timings assume an idle machine)\n", load);
    }
    if (n2 > 0) bench_case(2, n2, &bo);
    if (n3 > 0) bench_case(3, n3, &bo);
    MPI_Finalize();
    return 0;
}
