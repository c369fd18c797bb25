/* sendrift benchmarks: the STREAM triad, the memory-bandwidth reference
 * every benchmark reports its figures against. */
#ifndef SENDRIFT_BENCH_STREAM_H
#define SENDRIFT_BENCH_STREAM_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A "tag.key = value" line of a benchmark's machine-readable output,
 * printed by rank 0 of MPI_COMM_WORLD only (bench/compare.sh reads them). */
/* qsort order of doubles, and the median of n values (x is left as it is). */
static inline int sd_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double sd_bench_median(const double *x, int n)
{
    double *y = malloc(sizeof(double) * (size_t)n + 1);
    if (!y || n < 1) {
        free(y);
        return 0.0 / 0.0;
    }
    for (int i = 0; i < n; i++) y[i] = x[i];
    qsort(y, (size_t)n, sizeof(double), sd_bench_cmp_double);
    double m = n % 2 ? y[n / 2] : 0.5 * (y[n / 2 - 1] + y[n / 2]);
    free(y);
    return m;
}

static inline void sd_bench_put(const char *tag, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void sd_bench_put(const char *tag, const char *key, const char *fmt, ...)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank) return;
    va_list ap;
    va_start(ap, fmt);
    printf("%s.%s = ", tag, key);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

/* a = b + s c on every rank of MPI_COMM_WORLD at once, three arrays of
 * `bytes` in all per rank; the aggregate bandwidth in GB/s (24 bytes per
 * element, STREAM's convention: no write-allocate), best of 5 after a
 * warm-up.  Small arrays repeat inside the timing so that it lasts ~10 ms. */
static inline double sd_bench_stream_triad(size_t bytes)
{
    int nranks;
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    size_t n = bytes / 24;
    if (n < 1024) n = 1024;
    double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)),
           *c = malloc(n * sizeof(double));
    if (!a || !b || !c) {
        fprintf(stderr, "stream triad: no memory for %zu bytes\n", bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t i = 0; i < n; i++) {
        a[i] = 0;
        b[i] = 1.0 + (double)(i % 7);
        c[i] = 2.0;
    }
    double best = 1e30;
    int inner = (int)(200000000 / (24 * n)) + 1;
    for (int rep = 0; rep < 6; rep++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int r = 0; r < inner; r++) {
            const double s = 3.0 + rep + r;
            for (size_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        }
        double t = (MPI_Wtime() - t0) / inner;
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rep > 0 && t < best) best = t;
    }
    volatile double sink = a[n / 2];
    (void)sink;
    free(a);
    free(b);
    free(c);
    return 24.0 * (double)n * nranks / best / 1e9;
}

#endif
