/* Benchmark of the field solver (a benchmark, not a test: it asserts nothing).
 *
 *   mpirun -n P bench_fields [--n2 512] [--n3 128] [--steps 24] [--stream-mb 256]
 *
 * For a 2-D n2^2 and a 3-D n3^3 lattice at the model's defaults (dx = 10 um,
 * dt = 1 h; SASP L = 250 um, t_half = 6 h; EV L = 30 um, t_half = 24 h, uptake
 * psi = 4 on normal cells; 1 % senescent sources) it reports: the steady
 * start, time and V-cycles per time step of each field, and the time of one
 * V-cycle measured on a long solve, next to a STREAM triad measured in the
 * same run on the same ranks, so that the solver can be read as a fraction
 * of the memory bandwidth.  Bytes per cycle are estimated from the arrays
 * each kernel touches (see bytes_per_cycle). */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/fields.h"
#include "sendrift/grid.h"
#include "stream.h"

static int rank, nranks;

static void die(const char *what)
{
    /* Library errors are agreed by all ranks: every rank gets here. */
    if (rank == 0) fprintf(stderr, "bench_fields: %s: %s\n", what, sd_error_message());
    MPI_Finalize();
    exit(1);
}

/* Bytes a V(pre, post) cycle moves, counting each array a kernel streams
 * (STREAM convention: reads + writes, no write-allocate).  Per cell of a
 * level: a red-black half-sweep reads x, b, diag and writes x (stride 2
 * still touches every cache line): 32 B, so 64 B per sweep; the residual
 * reads x, b, diag and writes r: 32 B; restriction reads r: 8 B;
 * prolongation reads and writes x: 16 B.  Plus the convergence residual on
 * level 0 (32 B per fine cell). */
static double bytes_per_cycle(const sd_fields *f, const sd_fields_opts *o, double fine_cells)
{
    double cells = 0;
    int nl = sd_fields_nlevels(f);
    for (int l = 0; l < nl - 1; l++) {
        int n[3], repl;
        sd_fields_level(f, l, n, &repl);
        double c = (double)n[0] * n[1] * n[2];
        cells += repl ? c : c / nranks; /* per rank */
    }
    return (64.0 * (o->pre_smooth + o->post_smooth) + 32 + 8 + 16) * cells + 32 * fine_cells;
}

typedef struct {
    const char *name;
    double L, t_half, psi;
} field_def;

static void bench_case(int dim, int N, int steps, size_t mb)
{
    const double dx = 10.0, dt = 1.0 / 24;
    const field_def fd[2] = {{"SASP S", 250.0, 6.0, 0.0}, {"EV E  ", 30.0, 24.0, 4.0}};
    int n[3] = {N, N, N};
    sd_grid *g = NULL;
    if (sd_grid_create(MPI_COMM_WORLD, dim, n, dx, NULL, &g)) die("grid");
    const sd_box *b = sd_grid_box(g);
    sd_fields_opts o;
    sd_fields_opts_default(&o);
    sd_fields *f = NULL;
    if (sd_fields_create(g, &o, &f)) die("fields");
    double *u[2], *a, *q;
    if (sd_grid_alloc(g, "S", &u[0]) || sd_grid_alloc(g, "E", &u[1]) ||
        sd_grid_alloc(g, "a", &a) || sd_grid_alloc(g, "q", &q))
        die("arrays");
    /* 1 % senescent sites (sources), the rest normal (EV uptake). */
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++)
            for (int i = 0; i < b->ln[0]; i++) {
                uint64_t h = (uint64_t)sd_box_gidx(b, i, j, k) * 0x9E3779B97F4A7C15ULL;
                h ^= h >> 29;
                int sen = h % 100u == 0;
                q[sd_box_idx(b, i, j, k)] = sen ? 1.0 : 0.0;
                a[sd_box_idx(b, i, j, k)] = sen ? 0.0 : 4.0;
            }
    double fine = (double)b->ncells;
    int pd[3];
    sd_grid_layout(g, pd, NULL);
    /* The triad twice, just before the case: with arrays far larger than the
     * caches (memory bandwidth), and with the solver's working set (x, b, r,
     * diag, 1/diag on all levels: ~5 x 8 x 4/3 or 8/7 bytes per cell), which
     * may live in cache for the smaller grids. */
    double ws = 40.0 * fine * (dim == 2 ? 4.0 / 3 : 8.0 / 7);
    double triad = sd_bench_stream_triad(mb * 1024 * 1024);
    double triad_ws = sd_bench_stream_triad((size_t)ws);
    if (rank == 0) {
        printf("\n%d-D %d^%d = %.3g cells on %d ranks (%d x %d x %d), %d levels, dx %g um, "
               "dt %g h\n",
               dim, N, dim, (double)b->nglobal, nranks, pd[0], pd[1], pd[2],
               sd_fields_nlevels(f), dx, dt * 24);
        printf("  STREAM triad: %.1f GB/s with %zu MB per rank, %.1f GB/s with the solver's "
               "working set (%.1f MB per rank)\n",
               triad, mb, triad_ws, ws / 1e6);
    }
    for (int fi = 0; fi < 2; fi++) {
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
        for (int s = 0; s < steps; s++) {
            for (size_t c = 0; c < b->ncells / 1000 + 1; c++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t cell = (size_t)(seed >> 20) % b->ncells;
                int i = (int)(cell % (size_t)b->ln[0]);
                int j = (int)(cell / (size_t)b->ln[0] % (size_t)b->ln[1]);
                int k = (int)(cell / ((size_t)b->ln[0] * (size_t)b->ln[1]));
                ptrdiff_t p = sd_box_idx(b, i, j, k);
                q[p] = 1.0 - q[p];
                a[p] = q[p] > 0 ? 0.0 : 4.0;
            }
            if (sd_fields_step(f, u[fi], av, q, lambda, D, dt, &st)) die("step");
        }
        double tstep = (MPI_Wtime() - t0) / steps;
        double cstep = (double)(sd_fields_total_cycles(f) - c0) / steps;
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
            double t = (MPI_Wtime() - t0) / st.cycles;
            MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (t < tcycle) tcycle = t;
        }
        double bytes = bytes_per_cycle(f2, &o2, fine) * nranks;
        double gbs = bytes / tcycle / 1e9;
        sd_fields_destroy(&f2);
        double Ddt = D * dt / (dx * dx);
        if (rank == 0) {
            printf("  %s L = %3.0f um (L/dx %4.1f), t_half %2.0f h, D dt/dx^2 = %6.1f:\n", fd[fi].name,
                   fd[fi].L, fd[fi].L / dx, fd[fi].t_half, Ddt);
            printf("    steady start      %8.2f ms  %2d cycles\n", 1e3 * tsteady, csteady);
            printf("    time step         %8.2f ms  %4.2f cycles/step  (%.1f ns per cell "
                   "and rank)\n",
                   1e3 * tstep, cstep, 1e9 * tstep / (double)b->nglobal * nranks);
            printf("    one V(%d,%d) cycle  %8.2f ms  (%.1f ns per cell and rank; best of 3 "
                   "solves to 1e-13, %d cycles)\n",
                   o.pre_smooth, o.post_smooth, 1e3 * tcycle,
                   1e9 * tcycle / (double)b->nglobal * nranks, st.cycles);
            printf("      ~%.0f MB moved per cycle: %.1f GB/s = %.0f %% of the triad "
                   "(%.0f %% of the working-set triad)\n",
                   bytes / 1e6, gbs, 100 * gbs / triad, 100 * gbs / triad_ws);
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
    int n2 = 512, n3 = 128, steps = 24;
    size_t mb = 256;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n2")) n2 = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--n3")) n3 = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps")) steps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--stream-mb")) mb = (size_t)atol(argv[i + 1]);
    }
    if (steps < 1) steps = 1;
    if (rank == 0) {
        printf("bench_fields: field solver (multigrid V(2,2), red-black Gauss-Seidel)\n");
        printf("reproduce: mpirun -n %d %s --n2 %d --n3 %d --steps %d --stream-mb %zu\n", nranks,
               argv[0], n2, n3, steps, mb);
        FILE *la = fopen("/proc/loadavg", "r");
        double load = -1;
        if (la) {
            if (fscanf(la, "%lf", &load) != 1) load = -1;
            fclose(la);
        }
        if (load >= 0) printf("load average at start: %.2f (timings assume an idle machine)\n", load);
    }
    if (n2 > 0) bench_case(2, n2, steps, mb);
    if (n3 > 0) bench_case(3, n3, steps, mb);
    MPI_Finalize();
    return 0;
}
