/* Benchmark of checkpoints of single runs (a benchmark: its timings are
 * never assertions; the one thing it checks is that a restored run is the
 * run it was saved from, and it exits 1 when it is not).
 *
 *   mpirun -n P bench_checkpoint [--dir .] [--n2 1024] [--n3 128] [--disk-mb 512]
 *                                [--warm 2] [--steps 5] [--writes 3] [--reads 3]
 *                                [--groups 100] [--grace 300] [--every 600] [--seed 1]
 *
 * For the drift model at its defaults (docs/model.md: dx 10 um, dt 1 h, 365 d,
 * one output row a day) on a 2-D n2 x n2 and a 3-D n3^3 lattice (0 skips a
 * case), all ranks of MPI_COMM_WORLD forming one worker group, in one run:
 *
 *  disk: the sequential write bandwidth of the file system of --dir, where
 *    the checkpoints go: rank 0 writes --disk-mb MiB (incompressible bytes)
 *    with write() in 8 MiB blocks, fsync()s and closes the file; the time
 *    runs from open() to close().  Then the same file is dropped from the
 *    page cache (posix_fadvise DONTNEED) and read back in 8 MiB blocks: the
 *    cold read bandwidth.  Measured before and after the cases; the larger
 *    figure is the reference (as the STREAM triad is in bench_drift).
 *
 *  step: a run is created (timed: create includes the fields' steady
 *    start), advanced --warm steps, then --steps single steps, each timed
 *    (wall and process CPU time, the maximum over ranks); the median is
 *    "one step".
 *
 *  write: sd_checkpoint_write (include/sendrift/checkpoint.h) of that run,
 *    --writes times at the same step (each replaces the previous one: built
 *    as .tmp, fsync, rename, fsync of the directory), into DIR/bench_checkpoint.h5.ckpt/run_0.h5,
 *    as the sweep writes it beside a result file DIR/bench_checkpoint.h5.
 *    Timed around the call (wall, max over ranks) and by the call's own
 *    stats; the median is reported, as a fraction of one step and as
 *    bytes per second against the disk's write bandwidth.  Beside it, the
 *    same disk measure (rank 0, write() + fsync) with a plain file of the
 *    checkpoint's size, as many times: small files may go faster than the
 *    512 MiB one (a write-back cache below the file system).
 *
 *  read: --reads times, a fresh run is created (timed: a restart pays for
 *    it too) and sd_checkpoint_read restores the checkpoint into it, cold
 *    (the file dropped from the page cache first, as on a requeue on
 *    another node); then once more warm (still in the page cache).
 *
 *  check: a read with another parameter digest must be refused
 *    (SD_ERR_INPUT); the restored run (the warm read) and the original are
 *    then advanced step by step past the next output time, and their
 *    observe() rows must be the same bits at every step, and so must their
 *    summarize() values and the time-series rows the checkpoint carried.
 *    With P > 1, the checkpoint is also restored on rank 0 alone (another
 *    decomposition) and must give the same rows.  "check.* = ok" or FAIL.
 *
 *  requeue: the core time a requeue costs per worker group, before and
 *    after checkpoints, for the example of --groups groups of this case's P
 *    ranks, each running the model's default run (365 d: 8760 steps of the
 *    measured step, plus create), stopped at a time limit with --grace
 *    seconds of grace (docs/benchmarks.md, "Checkpoints", has the formulas).
 *
 * Output: "key = value" lines, prefixed by "disk." or the case ("c2_n1024_P1.",
 * "c3_n128_P1."), then a human summary per case. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drift.h"
#include "sendrift/checkpoint.h"
#include "sendrift/error.h"
#include "sendrift/model.h"
#include "stream.h"

static int rank, nranks;
static int failed; /* a check failed: exit 1 */

static void die(const char *what) __attribute__((noreturn));

static void die(const char *what)
{
    /* Library errors are agreed by all ranks of the group: every rank gets
     * here (rank 0 alone for its own file-system calls). */
    fprintf(stderr, "bench_checkpoint (rank %d): %s: %s\n", rank, what, sd_error_message());
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

static void die_errno(const char *what, const char *path) __attribute__((noreturn));

static void die_errno(const char *what, const char *path)
{
    fprintf(stderr, "bench_checkpoint (rank %d): %s %s: %s\n", rank, what, path,
            strerror(errno));
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

static void put_list(const char *tag, const char *key, const double *x, int n)
{
    if (rank) return;
    printf("%s.%s = ", tag, key);
    for (int i = 0; i < n; i++) printf("%s%.4g", i ? "," : "", x[i]);
    printf("\n");
}

/* A barrier over MPI_COMM_WORLD that sleeps instead of spinning, so that
 * ranks waiting for rank 0 leave the cores alone (Open MPI's blocking calls
 * poll). */
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

/* This process's CPU time (user + system), s: unlike the wall clock, it
 * does not count the time spent waiting for a core on a shared machine. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The maximum over the ranks of comm of a time measured on each. */
static double tmax(double t, MPI_Comm comm)
{
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm);
    return t;
}

/* Drop a file's pages from the page cache (they are clean once synced), so
 * that the next read comes from the disk. */
static void drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) die_errno("open", path);
    if (fdatasync(fd)) die_errno("fdatasync", path);
    int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (rc) {
        errno = rc;
        die_errno("posix_fadvise", path);
    }
    close(fd);
}

/* ---- The disk ---------------------------------------------------------------------- */

typedef struct {
    double write_bps, read_bps; /* bytes per second                          */
    double write_s, read_s;
} disk_result;

#define DISK_BLOCK ((size_t)8 << 20)

/* 8 MiB of incompressible bytes (xorshift); each block written is made
 * distinct by its number in its first 8 bytes. */
static unsigned char *disk_buffer(void)
{
    unsigned char *buf = malloc(DISK_BLOCK);
    if (!buf) die("no memory for the disk buffer");
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i + 8 <= DISK_BLOCK; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
    return buf;
}

/* Rank 0: write bytes to the new file path with write() in 8 MiB blocks,
 * fsync, close; the seconds from open() to close(). */
static double raw_write(const char *path, size_t bytes, unsigned char *buf)
{
    double t0 = MPI_Wtime();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) die_errno("create", path);
    for (size_t k = 0, off = 0; off < bytes; k++) {
        uint64_t tagk = k;
        memcpy(buf, &tagk, sizeof tagk);
        size_t len = bytes - off < DISK_BLOCK ? bytes - off : DISK_BLOCK, done = 0;
        while (done < len) {
            ssize_t w = write(fd, buf + done, len - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                unlink(path);
                die_errno("write", path);
            }
            done += (size_t)w;
        }
        off += len;
    }
    if (fsync(fd)) {
        unlink(path);
        die_errno("fsync", path);
    }
    if (close(fd)) die_errno("close", path);
    return MPI_Wtime() - t0;
}

static void disk_path(const char *dir, char *path, size_t n)
{
    snprintf(path, n, "%s/bench_checkpoint_disk.%ld.tmp", dir, (long)getpid());
}

/* Rank 0 writes mb MiB to a new file in dir (raw_write), then reads it back
 * cold in 8 MiB blocks; every rank gets the figures. */
static void disk_measure(const char *dir, size_t mb, disk_result *r)
{
    double v[4] = {0, 0, 0, 0};
    if (rank == 0) {
        unsigned char *buf = disk_buffer();
        size_t bytes = ((mb + 7) / 8) * DISK_BLOCK;
        char path[4096];
        disk_path(dir, path, sizeof path);
        double tw = raw_write(path, bytes, buf);
        drop_cache(path);
        double t2 = MPI_Wtime();
        int fd = open(path, O_RDONLY);
        if (fd < 0) die_errno("open", path);
        size_t total = 0;
        for (;;) {
            ssize_t n = read(fd, buf, DISK_BLOCK);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) die_errno("read", path);
            if (n == 0) break;
            total += (size_t)n;
        }
        close(fd);
        double tr = MPI_Wtime() - t2;
        if (unlink(path)) die_errno("unlink", path);
        free(buf);
        if (total != bytes) {
            fprintf(stderr, "bench_checkpoint: read back %zu of %zu bytes\n", total, bytes);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        v[0] = (double)bytes / tw;
        v[1] = (double)bytes / tr;
        v[2] = tw;
        v[3] = tr;
    }
    sleepy_barrier();
    MPI_Bcast(v, 4, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    r->write_bps = v[0];
    r->read_bps = v[1];
    r->write_s = v[2];
    r->read_s = v[3];
}

/* The same disk with a file of the checkpoint's size: the median of n
 * raw_writes (rank 0; every rank gets it). */
static double disk_same_size(const char *dir, size_t bytes, int n, double *all)
{
    double t = 0;
    if (rank == 0) {
        unsigned char *buf = disk_buffer();
        char path[4096];
        disk_path(dir, path, sizeof path);
        for (int k = 0; k < n; k++) {
            all[k] = raw_write(path, bytes, buf);
            if (unlink(path)) die_errno("unlink", path);
        }
        free(buf);
        t = sd_bench_median(all, n);
    }
    sleepy_barrier();
    MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Bcast(all, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    return t;
}

/* ---- A case ---------------------------------------------------------------------- */

/* The parameter set of a run as the sweep would build it: the lattice;
 * everything else the table's defaults (dx and dt set to them explicitly;
 * duration 365 d and one row a day). */
typedef struct {
    sd_pvalue v[6];
    sd_paramset ps;
} bench_params;

static void make_params(int dim, int n, bench_params *bp)
{
    const sd_pvalue v[6] = {
        {"dim", dim, NULL},
        {"nx", n, NULL},
        {"ny", n, NULL},
        {"nz", dim == 3 ? n : 1, NULL},
        {"dx", 10.0, NULL},
        {"dt", 1.0 / 24, NULL},
    };
    memcpy(bp->v, v, sizeof v);
    bp->ps.v = bp->v;
    bp->ps.n = 6;
}

typedef struct {
    int warm, steps, writes, reads, groups;
    double grace, every;
    uint64_t seed;
    const char *dir;
} bench_opts;

typedef struct {
    int dim, n, P;
    double sites, step_s, step_cpu_s, create_s, restart_create_s;
    double write_s, write_api_s, write_cpu_s, raw_s;
    double read_s, read_api_s, read_warm_s, read_p1_s;
    uint64_t bytes;
    long steps_total;
    int ok_restore, ok_refuse, ok_p1; /* 1 ok, 0 FAIL, -1 not run */
} case_result;

/* FNV-1a of the lattice, as 16 hex digits: a stand-in for the sweep's
 * parameter digest (the checkpoint only compares it). */
static void params_digest(int dim, int n, char out[17])
{
    char s[64];
    snprintf(s, sizeof s, "drift dim=%d n=%d", dim, n);
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *c = s; *c; c++) h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Create a run of the case on comm; the wall time (max over ranks). */
static void *create_run(const sd_model_class *m, const bench_params *bp, uint64_t seed,
                        MPI_Comm comm, double *secs)
{
    sd_run_info info = {0, 0, 0, seed, NULL, 0};
    void *st = NULL;
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    if (m->create(&bp->ps, &info, comm, &st)) die("create");
    *secs = tmax(MPI_Wtime() - t0, comm);
    return st;
}

/* Advance a run one step (to step k). */
static void step_to(const sd_model_class *m, void *st, long k, double dt)
{
    if (m->advance(st, (double)k * dt)) die("advance");
}

/* Read the checkpoint into the fresh run st; the wall time (max over the
 * ranks of comm); the engine part checked against the one written. */
static double read_into(const char *path, MPI_Comm comm, const sd_checkpoint_id *id,
                        const sd_checkpoint_engine *wrote, const sd_model_class *m, void *st,
                        double *api_s, int *ok)
{
    sd_checkpoint_engine e = *wrote;
    size_t ns = wrote->n_series * wrote->n_times;
    e.series = calloc(ns ? ns : 1, sizeof(double));
    if (!e.series) die("no memory for the series");
    e.output_index = 0;
    e.run_seconds = -1;
    sd_checkpoint_stats cs = {0, 0};
    MPI_Barrier(comm);
    double t0 = MPI_Wtime();
    if (sd_checkpoint_read(path, comm, id, &e, m, st, &cs)) die("sd_checkpoint_read");
    double t = tmax(MPI_Wtime() - t0, comm);
    if (api_s) *api_s = cs.seconds;
    int good = e.output_index == wrote->output_index && e.run_seconds == wrote->run_seconds;
    /* Rows of the outputs done must be the same bits (metric-major), as
     * rank 0 of the group has them (the rows are valid there only). */
    int grank;
    MPI_Comm_rank(comm, &grank);
    for (size_t mtr = 0; good && grank == 0 && mtr < wrote->n_series; mtr++)
        if (memcmp(e.series + mtr * wrote->n_times, wrote->series + mtr * wrote->n_times,
                   sizeof(double) * wrote->output_index))
            good = 0;
    MPI_Bcast(&good, 1, MPI_INT, 0, comm);
    if (!good && ok) *ok = 0;
    free(e.series);
    return t;
}

static void run_case(int dim, int n, bench_opts *o, case_result *r)
{
    char tag[64];
    snprintf(tag, sizeof tag, "c%d_n%d_P%d", dim, n, nranks);
    memset(r, 0, sizeof *r);
    r->dim = dim;
    r->n = n;
    r->P = nranks;
    r->ok_restore = 1;
    r->ok_refuse = 1;
    r->ok_p1 = -1;
    const sd_model_class *m = sd_model_find("drift");
    if (!m) die("no model \"drift\" compiled in");
    bench_params bp;
    make_params(dim, n, &bp);
    sd_drift_params p;
    if (sd_drift_params_load(&bp.ps, &p)) die("parameters");
    sd_layout lay;
    if (m->layout(&bp.ps, &lay)) die("layout");
    const size_t NS = lay.n_series, NT = lay.n_times;
    const long spo = p.steps_per_output;
    r->sites = (double)p.n[0] * p.n[1] * p.n[2];
    r->steps_total = p.steps_total;
    double la0 = loadavg();

    /* The original run: create, warm-up, timed steps. */
    double t_start = MPI_Wtime();
    void *A = create_run(m, &bp, o->seed, MPI_COMM_WORLD, &r->create_s);
    double *series = calloc(NS * NT, sizeof(double));
    double *row = calloc(NS, sizeof(double)), *rowB = calloc(NS, sizeof(double));
    if (!series || !row || !rowB) die("no memory for the rows");
    if (m->observe(A, row)) die("observe");
    for (size_t k = 0; k < NS; k++) series[k * NT] = row[k];
    long step = 0;
    for (int k = 0; k < o->warm; k++) step_to(m, A, ++step, p.dt);
    double *ts = calloc((size_t)o->steps, sizeof(double)),
           *tsc = calloc((size_t)o->steps, sizeof(double));
    if (!ts || !tsc) die("no memory");
    for (int k = 0; k < o->steps; k++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        step_to(m, A, ++step, p.dt);
        double c1 = cpu_now();
        ts[k] = tmax(MPI_Wtime() - t0, MPI_COMM_WORLD);
        tsc[k] = tmax(c1 - c0, MPI_COMM_WORLD);
    }
    r->step_s = sd_bench_median(ts, o->steps);
    r->step_cpu_s = sd_bench_median(tsc, o->steps);
    if (step % spo == 0) die("the checkpoint step is an output time: change --warm / --steps");

    /* What the sweep keeps of the run: the rows of the outputs done. */
    sd_checkpoint_engine e;
    e.output_index = (uint64_t)(step / spo) + 1;
    e.run_seconds = MPI_Wtime() - t_start;
    MPI_Bcast(&e.run_seconds, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    e.n_series = NS;
    e.n_times = NT;
    e.series = series;
    e.expect_bytes = 0;

    /* Where the sweep puts it: beside the result file. */
    char out[4096], cdir[4096], path[4096];
    snprintf(out, sizeof out, "%s/bench_checkpoint.h5", o->dir);
    if (!sd_checkpoint_dir(out, cdir, sizeof cdir) ||
        !sd_checkpoint_path(out, 0, path, sizeof path))
        die("checkpoint path too long");
    if (rank == 0 && mkdir(cdir, 0755) && errno != EEXIST) die_errno("mkdir", cdir);
    MPI_Barrier(MPI_COMM_WORLD);
    sd_checkpoint_id id = {m->name, m->state_version, "bench_checkpoint", {0}, 0};
    params_digest(dim, n, id.params_digest);

    /* Writes. */
    double *tw = calloc((size_t)o->writes, sizeof(double)),
           *twa = calloc((size_t)o->writes, sizeof(double)),
           *twc = calloc((size_t)o->writes, sizeof(double));
    if (!tw || !twa || !twc) die("no memory");
    for (int k = 0; k < o->writes; k++) {
        sd_checkpoint_stats cs = {0, 0};
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        if (sd_checkpoint_write(path, MPI_COMM_WORLD, &id, &e, m, A, &cs))
            die("sd_checkpoint_write");
        double c1 = cpu_now();
        tw[k] = tmax(MPI_Wtime() - t0, MPI_COMM_WORLD);
        twc[k] = tmax(c1 - c0, MPI_COMM_WORLD);
        twa[k] = cs.seconds;
        r->bytes = cs.bytes;
    }
    /* The size (rank 0's figure: the others get 0). */
    MPI_Bcast(&r->bytes, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    r->write_s = sd_bench_median(tw, o->writes);
    r->write_cpu_s = sd_bench_median(twc, o->writes);
    r->write_api_s = sd_bench_median(twa, o->writes);
    double file_bytes = 0;
    if (rank == 0) {
        struct stat sb;
        if (stat(path, &sb)) die_errno("stat", path);
        file_bytes = (double)sb.st_size;
    }
    /* The disk with a plain file of the same size, as many times. */
    double *traw = calloc((size_t)o->writes, sizeof(double));
    if (!traw) die("no memory");
    r->raw_s = disk_same_size(o->dir, (size_t)r->bytes, o->writes, traw);

    /* A checkpoint of another parameter set is refused, and changes
     * nothing (the same run then restores the right one below). */
    double tc;
    void *B = create_run(m, &bp, o->seed, MPI_COMM_WORLD, &tc);
    {
        sd_checkpoint_id other = id;
        other.params_digest[0] = other.params_digest[0] == '0' ? '1' : '0';
        sd_checkpoint_engine eo = e;
        eo.series = calloc(NS * NT, sizeof(double));
        if (!eo.series) die("no memory");
        int rc = sd_checkpoint_read(path, MPI_COMM_WORLD, &other, &eo, m, B, NULL);
        if (rc != SD_ERR_INPUT) {
            r->ok_refuse = 0;
            if (rank == 0)
                fprintf(stderr, "%s: a checkpoint of another parameter digest: rc %d, not "
                                "SD_ERR_INPUT (%d): %s\n",
                        tag, rc, SD_ERR_INPUT, rc ? sd_error_message() : "accepted");
        }
        free(eo.series);
    }

    /* Reads: cold (into fresh runs), then one warm, kept for the check. */
    double *tr = calloc((size_t)o->reads, sizeof(double)),
           *tra = calloc((size_t)o->reads, sizeof(double)),
           *tcr = calloc((size_t)o->reads + 1, sizeof(double));
    if (!tr || !tra || !tcr) die("no memory");
    for (int k = 0; k <= o->reads; k++) {
        if (k == 0) tcr[0] = tc; /* B: created above, refusal left it as it was */
        else {
            m->destroy(B);
            B = create_run(m, &bp, o->seed, MPI_COMM_WORLD, &tcr[k]);
        }
        if (k < o->reads && rank == 0) drop_cache(path);
        double api = 0;
        double t = read_into(path, MPI_COMM_WORLD, &id, &e, m, B, &api, &r->ok_restore);
        if (k < o->reads) {
            tr[k] = t;
            tra[k] = api;
        } else
            r->read_warm_s = t;
    }
    r->read_s = sd_bench_median(tr, o->reads);
    r->read_api_s = sd_bench_median(tra, o->reads);
    r->restart_create_s = sd_bench_median(tcr, o->reads + 1);

    /* The check: both runs past the next output time, rows bit for bit. */
    long until = (step / spo + 1) * spo + 2;
    if (until > p.steps_total) until = p.steps_total;
    long nchk = until - step;
    double *rowsA = calloc((size_t)(nchk > 0 ? nchk : 1) * NS, sizeof(double));
    if (!rowsA) die("no memory");
    long first_bad = -1;
    for (long k = 0; k < nchk; k++) {
        step_to(m, A, step + 1 + k, p.dt);
        if (m->observe(A, rowsA + k * NS)) die("observe");
        step_to(m, B, step + 1 + k, p.dt);
        if (m->observe(B, rowB)) die("observe");
        if (rank == 0 && first_bad < 0 && memcmp(rowsA + k * NS, rowB, NS * sizeof(double)))
            first_bad = step + 1 + k;
    }
    double *sumA = calloc(lay.n_summary + 1, sizeof(double)),
           *sumB = calloc(lay.n_summary + 1, sizeof(double));
    if (!sumA || !sumB) die("no memory");
    if (m->summarize(A, sumA) || m->summarize(B, sumB)) die("summarize");
    int good = first_bad < 0 && !memcmp(sumA, sumB, lay.n_summary * sizeof(double));
    MPI_Bcast(&good, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!good) {
        r->ok_restore = 0;
        if (rank == 0)
            fprintf(stderr, "%s: the restored run differs from the original (first at step "
                            "%ld; summaries %s)\n",
                    tag, first_bad,
                    memcmp(sumA, sumB, lay.n_summary * sizeof(double)) ? "differ" : "equal");
    }
    m->destroy(B);

    /* Another decomposition: rank 0 alone restores what P ranks saved. */
    if (nranks > 1) {
        int ok1 = 1;
        if (rank == 0) {
            void *C = create_run(m, &bp, o->seed, MPI_COMM_SELF, &tc);
            drop_cache(path);
            r->read_p1_s = read_into(path, MPI_COMM_SELF, &id, &e, m, C, NULL, &ok1);
            for (long k = 0; k < nchk && ok1; k++) {
                step_to(m, C, step + 1 + k, p.dt);
                if (m->observe(C, rowB)) die("observe");
                if (memcmp(rowsA + k * NS, rowB, NS * sizeof(double))) {
                    ok1 = 0;
                    fprintf(stderr, "%s: restored on 1 rank, the run differs from the "
                                    "original on %d at step %ld\n",
                            tag, nranks, step + 1 + k);
                }
            }
            if (m->summarize(C, sumB)) die("summarize");
            if (ok1 && memcmp(sumA, sumB, lay.n_summary * sizeof(double))) ok1 = 0;
            m->destroy(C);
        }
        sleepy_barrier();
        MPI_Bcast(&ok1, 1, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Bcast(&r->read_p1_s, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        r->ok_p1 = ok1;
    }
    m->destroy(A);
    if (rank == 0 && unlink(path)) die_errno("unlink", path);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) sd_checkpoint_dir_remove(out);
    double la1 = loadavg();
    if (!r->ok_restore || !r->ok_refuse || r->ok_p1 == 0) failed = 1;

    /* Figures. */
    double sites = r->sites, B_ = (double)r->bytes;
    double wbps = B_ / r->write_s, rbps = B_ / r->read_s;
    sd_bench_put(tag, "dim", "%d", dim);
    sd_bench_put(tag, "n", "%d", n);
    sd_bench_put(tag, "sites", "%.0f", sites);
    sd_bench_put(tag, "ranks", "%d", nranks);
    sd_bench_put(tag, "load_start_end", "%.2f,%.2f", la0, la1);
    sd_bench_put(tag, "create_s", "%.4f", r->create_s);
    sd_bench_put(tag, "step_s", "%.4f", r->step_s);
    put_list(tag, "step_s_all", ts, o->steps);
    sd_bench_put(tag, "step_cpu_s", "%.4f", r->step_cpu_s);
    put_list(tag, "step_cpu_s_all", tsc, o->steps);
    sd_bench_put(tag, "checkpoint_step", "%ld", step);
    sd_bench_put(tag, "ckpt.bytes", "%llu", (unsigned long long)r->bytes);
    sd_bench_put(tag, "ckpt.file_bytes", "%.0f", file_bytes);
    sd_bench_put(tag, "ckpt.bytes_per_site", "%.2f", B_ / sites);
    if (m->state_bytes)
        sd_bench_put(tag, "ckpt.state_bytes_estimate", "%.0f", m->state_bytes(&bp.ps));
    sd_bench_put(tag, "write.s", "%.4f", r->write_s);
    put_list(tag, "write.s_all", tw, o->writes);
    sd_bench_put(tag, "write.api_s", "%.4f", r->write_api_s);
    sd_bench_put(tag, "write.cpu_s", "%.4f", r->write_cpu_s);
    sd_bench_put(tag, "write.over_step", "%.3f", r->write_s / r->step_s);
    sd_bench_put(tag, "write.bytes_per_s", "%.4g", wbps);
    sd_bench_put(tag, "write.raw_same_size_s", "%.4f", r->raw_s);
    put_list(tag, "write.raw_same_size_s_all", traw, o->writes);
    sd_bench_put(tag, "write.raw_same_size_bytes_per_s", "%.4g", B_ / r->raw_s);
    sd_bench_put(tag, "write.over_raw_same_size", "%.3f", r->write_s / r->raw_s);
    sd_bench_put(tag, "read.s", "%.4f", r->read_s);
    put_list(tag, "read.s_all", tr, o->reads);
    sd_bench_put(tag, "read.api_s", "%.4f", r->read_api_s);
    sd_bench_put(tag, "read.over_step", "%.3f", r->read_s / r->step_s);
    sd_bench_put(tag, "read.bytes_per_s", "%.4g", rbps);
    sd_bench_put(tag, "read.warm_s", "%.4f", r->read_warm_s);
    sd_bench_put(tag, "read.warm_over_step", "%.3f", r->read_warm_s / r->step_s);
    sd_bench_put(tag, "restart.create_s", "%.4f", r->restart_create_s);
    put_list(tag, "restart.create_s_all", tcr, o->reads + 1);
    if (nranks > 1) sd_bench_put(tag, "read.p1_s", "%.4f", r->read_p1_s);
    sd_bench_put(tag, "check.steps_after_restore", "%ld", nchk);
    sd_bench_put(tag, "check.restored_bit_identical", "%s", r->ok_restore ? "ok" : "FAIL");
    sd_bench_put(tag, "check.refuses_other_params", "%s", r->ok_refuse ? "ok" : "FAIL");
    if (nranks > 1)
        sd_bench_put(tag, "check.restored_on_1_rank_bit_identical", "%s",
                     r->ok_p1 ? "ok" : "FAIL");

    /* The requeue example (docs/benchmarks.md, "Checkpoints"). */
    double T = r->create_s + (double)r->steps_total * r->step_s; /* one run, s */
    double g = o->grace, G = o->groups, Pc = nranks;
    double restart = r->restart_create_s + r->read_s;
    /* Before: signal at a uniform moment of the run in flight; it finishes
     * when it has less than g left, else all it did is lost (elapsed + g). */
    double before = T > g ? (T * T - g * g) / (2 * T) : 0;
    /* After: every run in flight writes a checkpoint at the signal; the
     * ones that cannot finish write one more at the step where they are
     * abandoned, and the restart creates a run and reads it. */
    double p_ab = T > g ? (T - g) / T : 0;
    double after = r->write_s + p_ab * (r->write_s + restart);
    double after_max = 2 * r->write_s + restart;
    /* A loss without warning (a node): the time since the last periodic
     * checkpoint, every S of run time (none in runs shorter than S). */
    double S = o->every;
    double hard_before = T / 2;
    double hard_after = T > S ? S / 2 + restart : T / 2;
    sd_bench_put(tag, "requeue.run_s", "%.1f", T);
    sd_bench_put(tag, "requeue.steps", "%ld", r->steps_total);
    sd_bench_put(tag, "requeue.groups", "%d", o->groups);
    sd_bench_put(tag, "requeue.grace_s", "%g", g);
    sd_bench_put(tag, "requeue.before_s_per_group", "%.1f", before);
    sd_bench_put(tag, "requeue.before_half_run_s", "%.1f", T / 2);
    sd_bench_put(tag, "requeue.after_s_per_group", "%.2f", after);
    sd_bench_put(tag, "requeue.after_max_s_per_group", "%.2f", after_max);
    sd_bench_put(tag, "requeue.before_core_h", "%.2f", before * G * Pc / 3600);
    sd_bench_put(tag, "requeue.after_core_h", "%.4f", after * G * Pc / 3600);
    sd_bench_put(tag, "requeue.ratio", "%.0f", after > 0 ? before / after : 0);
    sd_bench_put(tag, "requeue.every_s", "%g", S);
    sd_bench_put(tag, "requeue.periodic_overhead", "%.5f", T > S ? r->write_s / S : 0);
    sd_bench_put(tag, "requeue.hard_before_s_per_group", "%.1f", hard_before);
    sd_bench_put(tag, "requeue.hard_after_s_per_group", "%.1f", hard_after);

    if (rank == 0) {
        printf("%s: drift %d-D %d^%d = %.3g sites on %d rank(s), load %.1f -> %.1f\n", tag,
               dim, n, dim, sites, nranks, la0, la1);
        printf("  step %.4f s (median of %d after %d warm-up; CPU %.4f s), create %.3f s\n",
               r->step_s, o->steps, o->warm, r->step_cpu_s, r->create_s);
        printf("  checkpoint %.4g bytes = %.2f bytes per site\n", B_, B_ / sites);
        printf("  write %.4f s (median of %d; %.4f s by the API) = %.3f steps; %.4g MB/s; a "
               "plain file of that size: %.4f s (write() + fsync), %.4g MB/s\n",
               r->write_s, o->writes, r->write_api_s, r->write_s / r->step_s, wbps / 1e6,
               r->raw_s, B_ / r->raw_s / 1e6);
        printf("  read cold %.4f s (median of %d) = %.3f steps, %.4g MB/s; warm %.4f s = "
               "%.3f steps; a restart's create %.3f s\n",
               r->read_s, o->reads, r->read_s / r->step_s, rbps / 1e6, r->read_warm_s,
               r->read_warm_s / r->step_s, r->restart_create_s);
        printf("  restored run: %s over %ld steps after the restore (across output %ld)%s%s\n",
               r->ok_restore ? "bit-identical" : "DIFFERS", nchk, step / spo + 1,
               r->ok_refuse ? "; another parameter digest refused" : "; REFUSAL FAILED",
               nranks > 1 ? (r->ok_p1 ? "; restored on 1 rank: bit-identical"
                                      : "; restored on 1 rank: DIFFERS")
                          : "");
        printf("  requeue, %d groups of %d rank(s), a run of %ld steps = %.0f s, grace %g s: "
               "before %.0f s per group (%.2f core-h), after %.2f s (at most %.2f; %.4f "
               "core-h)\n",
               o->groups, nranks, r->steps_total, T, g, before, before * G * Pc / 3600, after,
               after_max, after * G * Pc / 3600);
    }
    free(ts);
    free(tsc);
    free(twc);
    free(tw);
    free(twa);
    free(traw);
    free(tr);
    free(tra);
    free(tcr);
    free(rowsA);
    free(sumA);
    free(sumB);
    free(series);
    free(row);
    free(rowB);
    sd_layout_free(&lay);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    int n2 = 1024, n3 = 128;
    size_t disk_mb = 512;
    bench_opts o = {2, 5, 3, 3, 100, 300, 600, 1, "."};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            if (rank == 0) fprintf(stderr, "bench_checkpoint: %s needs a value\n", a);
            MPI_Finalize();
            return 2;
        }
        if (!strcmp(a, "--dir")) o.dir = v;
        else if (!strcmp(a, "--n2")) n2 = atoi(v);
        else if (!strcmp(a, "--n3")) n3 = atoi(v);
        else if (!strcmp(a, "--disk-mb")) disk_mb = (size_t)atol(v);
        else if (!strcmp(a, "--warm")) o.warm = atoi(v);
        else if (!strcmp(a, "--steps")) o.steps = atoi(v);
        else if (!strcmp(a, "--writes")) o.writes = atoi(v);
        else if (!strcmp(a, "--reads")) o.reads = atoi(v);
        else if (!strcmp(a, "--groups")) o.groups = atoi(v);
        else if (!strcmp(a, "--grace")) o.grace = atof(v);
        else if (!strcmp(a, "--every")) o.every = atof(v);
        else if (!strcmp(a, "--seed")) o.seed = strtoull(v, NULL, 10);
        else {
            if (rank == 0)
                fprintf(stderr, "usage: mpirun -n P bench_checkpoint [--dir .] [--n2 1024] "
                                "[--n3 128] [--disk-mb 512] [--warm 2] [--steps 5] "
                                "[--writes 3] [--reads 3] [--groups 100] [--grace 300] "
                                "[--every 600] [--seed 1]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (o.warm < 0) o.warm = 0;
    if (o.steps < 1) o.steps = 1;
    if (o.writes < 1) o.writes = 1;
    if (o.reads < 1) o.reads = 1;
    if (disk_mb < 8) disk_mb = 8;
    if (rank == 0) {
        printf("bench_checkpoint: drift model, docs/model.md defaults (dx 10 um, dt 1 h, 365 d, "
               "generic tissue, f0 0.01, no drugs)\n");
        printf("reproduce: mpirun -n %d %s --dir %s --n2 %d --n3 %d --disk-mb %zu --warm %d "
               "--steps %d --writes %d --reads %d --groups %d --grace %g --every %g "
               "--seed %llu\n",
               nranks, argv[0], o.dir, n2, n3, disk_mb, o.warm, o.steps, o.writes, o.reads,
               o.groups, o.grace, o.every, (unsigned long long)o.seed);
        printf("machine: %ld cores online; load average at start %.2f (timings assume an idle "
               "machine; they are upper bounds when it is not)\n",
               sysconf(_SC_NPROCESSORS_ONLN), loadavg());
    }
    disk_result d0, d1;
    disk_measure(o.dir, disk_mb, &d0);
    case_result rs[2];
    int nc = 0;
    if (n2 > 0) run_case(2, n2, &o, &rs[nc++]);
    if (n3 > 0) run_case(3, n3, &o, &rs[nc++]);
    disk_measure(o.dir, disk_mb, &d1);
    /* The reference: the larger of the figures before and after the cases
     * (as bench_drift takes the STREAM triad). */
    double dw = fmax(d0.write_bps, d1.write_bps), dr = fmax(d0.read_bps, d1.read_bps);
    size_t dbytes = ((disk_mb + 7) / 8) * ((size_t)8 << 20);
    sd_bench_put("disk", "dir", "%s", o.dir);
    sd_bench_put("disk", "bytes", "%zu", dbytes);
    sd_bench_put("disk", "write_bytes_per_s", "%.4g", dw);
    sd_bench_put("disk", "write_bytes_per_s_before_after", "%.4g,%.4g", d0.write_bps,
                 d1.write_bps);
    sd_bench_put("disk", "write_s_before_after", "%.3f,%.3f", d0.write_s, d1.write_s);
    sd_bench_put("disk", "read_bytes_per_s", "%.4g", dr);
    sd_bench_put("disk", "read_bytes_per_s_before_after", "%.4g,%.4g", d0.read_bps,
                 d1.read_bps);
    if (rank == 0)
        printf("disk (%s, %zu MiB, write() + fsync): write %.4g MB/s before the cases, %.4g "
               "after; cold read %.4g / %.4g MB/s\n",
               o.dir, dbytes >> 20, d0.write_bps / 1e6, d1.write_bps / 1e6, d0.read_bps / 1e6,
               d1.read_bps / 1e6);
    for (int k = 0; k < nc; k++) {
        const case_result *r = &rs[k];
        char tag[64];
        snprintf(tag, sizeof tag, "c%d_n%d_P%d", r->dim, r->n, r->P);
        double wb = (double)r->bytes / r->write_s, rb = (double)r->bytes / r->read_s;
        sd_bench_put(tag, "write.frac_disk", "%.3f", wb / dw);
        sd_bench_put(tag, "read.frac_disk_read", "%.3f", rb / dr);
        if (rank == 0)
            printf("%s: checkpoint write %.4g MB/s = %.2f of the disk's sequential write "
                   "(%.4g MB/s; %.2f of a plain file of its size); cold read %.4g MB/s = "
                   "%.2f of the disk's (%.4g MB/s)\n",
                   tag, wb / 1e6, wb / dw, dw / 1e6, r->raw_s / r->write_s, rb / 1e6, rb / dr,
                   dr / 1e6);
    }
    if (rank == 0) printf("checks: %s\n", failed ? "FAIL" : "ok");
    MPI_Finalize();
    return failed ? 1 : 0;
}
