/* sendrift: a whole sweep (see include/sendrift/sweep.h and src/engine/engine.h).
 *
 * Set-up on every rank: the groups, the plan (check's code), the result file
 * (created, or reopened with --resume), the lock that makes this sweep its
 * only writer.  Then the run phase (controller.c), and the end: every rank
 * learns the outcome, the file is committed (or, after an error, the old
 * file kept), and the report says what happened.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sendrift/checkpoint.h"
#include "sendrift/error.h"
#include "sendrift/lock.h"
#include "sendrift/mpicheck.h"

/* The layout of one node: the groups node by node, with every rank on it. */
int sd_sweep_layout(int world, int P, int *groups, int *idle)
{
    int *node = sd_calloc((size_t)world, sizeof *node, "a layout");
    int *group = sd_calloc((size_t)world, sizeof *group, "a layout");
    int rc = node && group ? sd_placement_groups(world, P, node, group, groups, idle)
                           : SD_ERR_NOMEM;
    free(node);
    free(group);
    return rc;
}

/* A barrier that sleeps instead of spinning, so that ranks that finished
 * early leave the cores to those still computing. */
static void sd_sleepy_barrier(MPI_Comm comm)
{
    MPI_Request req;
    int flag = 0;
    long ns = 1000;
    SD_MPI_FATAL(MPI_Ibarrier(comm, &req));
    for (;;) {
        SD_MPI_FATAL(MPI_Test(&req, &flag, MPI_STATUS_IGNORE));
        if (flag) break;
        sd_nap(&ns, 2000000);
    }
}

static double sd_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* ---- set-up ----------------------------------------------------------------- */

/* The groups, node by node (include/sendrift/placement.h): the controller
 * alone (or, with one rank, the whole group), then groups of P within each
 * node; a node's ranks beyond its last whole group stay idle. */
static int sd_ctx_groups(sd_ctx *c)
{
    int color = c->placement->group[c->rank];
    if (color < 0) color = MPI_UNDEFINED;
    SD_MPI(MPI_Comm_split(c->world, color, c->rank, &c->group));
    c->group_id = color == MPI_UNDEFINED ? -1 : color;
    c->worker = c->group != MPI_COMM_NULL;
    if (c->worker) SD_CALL(sd_mpi_rank_size(c->group, &c->grank, &c->gsize));
    return SD_OK;
}

static int sd_ctx_buffers(sd_ctx *c)
{
    size_t nt = c->layout->n_times, ns = c->layout->n_series;
    c->series = sd_calloc(ns * nt + 1, sizeof(double), "time-series rows");
    c->row = sd_calloc(ns + 1, sizeof(double), "a time-series row");
    c->summary = sd_calloc(c->layout->n_summary + 1, sizeof(double), "summary values");
    c->x = sd_calloc(sd_design_dim(sd_plan_design(c->plan)) + 1, sizeof(double),
                     "a parameter vector");
    return c->series && c->row && c->summary && c->x ? SD_OK : SD_ERR_NOMEM;
}

static void sd_ctx_free(sd_ctx *c)
{
    free(c->series);
    free(c->row);
    free(c->summary);
    free(c->x);
    sd_plan_destroy(&c->plan);
    /* Freeing a communicator cannot fail in a way that changes the outcome. */
    if (c->group != MPI_COMM_NULL) MPI_Comm_free(&c->group);
    sd_placement_destroy(&c->placement);
}

/* The plan, exactly as `check` builds it, for this layout of groups. */
static int sd_ctx_plan(sd_ctx *c)
{
    const sd_sweep_opts *o = c->o;
    sd_plan_opts po = {.ranks_per_sim = o->ranks_per_sim, .worker = c->worker, .controller = 1,
                       .check_memory = 1, .quiet = o->quiet};
    SD_CALL(sd_plan_create(c->s, c->world, &po, &c->plan));
    c->layout = sd_plan_layout(c->plan);
    uint64_t runs = sd_plan_runs(c->plan);
    int rc = SD_OK;
    if (o->shard_count > 1 && (o->shard_index >= o->shard_count || o->shard_count > runs))
        rc = sd_error(SD_ERR_INPUT,
                      "--shard %llu/%llu: the shard index must be below the shard count, and "
                      "the sweep has %llu runs (at most that many shards)",
                      (unsigned long long)o->shard_index, (unsigned long long)o->shard_count,
                      (unsigned long long)runs);
    if (rc == SD_OK) rc = sd_ctx_buffers(c);
    return sd_agree(c->world, rc);
}

/* The room checkpoints may take beside the result file: every group's
 * run in flight with its checkpoint and the next one being written. */
static uint64_t sd_ckpt_room(const sd_ctx *c)
{
    if (!c->s->model->checkpoint) return 0;
    return (uint64_t)(2.0 * c->groups * sd_plan_checkpoint_bytes(c->plan));
}

/* Create the result file, or reopen it with --resume. */
static int sd_open_results(sd_ctx *c, sd_results_state *prev)
{
    const sd_sweep_opts *o = c->o;
    sd_results_opts ro = {o->force, o->shard_index, o->shard_count, sd_ckpt_room(c)};
    memset(prev, 0, sizeof *prev);
    if (o->resume) {
        int exists = 0;
        if (c->rank == 0) {
            FILE *f = fopen(o->output, "rb");
            exists = f != NULL;
            if (f) fclose(f);
        }
        SD_MPI(MPI_Bcast(&exists, 1, MPI_INT, 0, c->world));
        if (exists)
            return sd_results_open(o->output, c->world, c->plan, &ro, &c->results, prev);
        if (c->rank == 0 && !o->quiet)
            fprintf(stderr, "sendrift: --resume: %s does not exist yet: starting the sweep\n",
                    o->output);
    }
    return sd_results_create(o->output, c->world, c->plan, &ro, &c->results);
}

/* The phase where runs are handed out and run. */
static int sd_run_phase(sd_ctx *c, const sd_results_state *prev, sd_sweep_report *report)
{
    int local = SD_OK;
    if (c->rank == 0) {
        sd_queue q;
        local = sd_queue_build(c, prev, &q, &report->done_before, &report->failed_before);
        uint64_t finished_before = report->done_before + report->failed_before;
        sd_progress_opts po = {.mode = (sd_progress_mode)c->o->progress,
                               .quiet = c->o->quiet,
                               .interval = c->o->progress_interval,
                               .total = report->runs,
                               .done_before = report->done_before,
                               .failed_before = report->failed_before,
                               .cost_left = q.cost_left,
                               .from_checkpoints = c->ckpt_kept};
        sd_progress *pr = sd_progress_create(stderr, &po);
        /* The first line, before any run is handed out. */
        if (local == SD_OK)
            sd_progress_start(pr, finished_before || c->ckpt_kept ? c->o->output : NULL, q.n, c->groups,
                              c->o->ranks_per_sim);
        if (c->size == 1) {
            if (local == SD_OK) local = sd_serial(c, &q, pr);
        } else {
            /* Even when the queue could not be built, the workers wait for
             * orders: the controller then only tells them to stop. */
            local = sd_controller(c, &q, pr, local);
        }
        if (local == SD_OK || q.order) {
            report->done = q.done;
            report->failed = q.failed;
            report->left = report->runs - finished_before - q.done - q.failed;
        }
        sd_progress_update(pr, q.done, q.failed);
        sd_progress_finish(pr);
        sd_progress_destroy(&pr);
        sd_queue_free(&q);
    } else if (c->group != MPI_COMM_NULL) {
        sd_worker(c);
    }
    return local;
}

/* Everything before the first run; on failure nothing is left open. */
static int sd_sweep_setup(sd_ctx *c, sd_lock **lock, sd_results_state *prev)
{
    const sd_sweep_opts *o = c->o;
    SD_CALL(sd_mpi_rank_size(c->world, &c->rank, &c->size));
    SD_CALL(sd_placement_create(c->world, o->ranks_per_sim, &c->placement));
    c->groups = c->placement->groups;
    if (o->resume && o->force)
        return sd_error(SD_ERR_INPUT, "--resume and --force contradict each other: --resume "
                                      "keeps the runs in the file, --force throws them away");
    int rc = sd_agree(c->world, sd_ctx_groups(c));
    if (rc == SD_OK) rc = sd_placement_record(c->placement, c->world, c->group, c->group_id);
    /* The idle ranks' warning (once), the placement: in the log. */
    if (rc == SD_OK && c->rank == 0) sd_placement_print(c->placement, stderr, o->quiet);
    if (rc == SD_OK) rc = sd_ctx_plan(c);
    /* One writer per result file: rank 0 holds OUT.lock until the end. */
    if (rc == SD_OK) rc = sd_results_check_name(o->output); /* the same on every rank */
    if (rc == SD_OK)
        rc = sd_agree(c->world, c->rank == 0 ? sd_lock_acquire(o->output, lock) : SD_OK);
    if (rc == SD_OK) rc = sd_open_results(c, prev);
    /* Checkpoints: a new sweep has none; a continued one keeps those of
     * its runs still to run, and the files a kill left half-written go. */
    if (rc == SD_OK && c->rank == 0 && c->s->model->checkpoint) {
        int trc = sd_checkpoint_tidy(o->output, prev->status, prev->status ? prev->n_runs : 0,
                                     &c->ckpt_kept);
        if (trc != SD_OK) fprintf(stderr, "sendrift: warning: %s\n", sd_error_message());
    }
    if (rc == SD_OK) {
        rc = sd_agree(c->world, sd_results_write_placement(c->results, c->placement));
        /* The error to report is the placement's; the file stays as it is. */
        if (rc != SD_OK) (void)sd_results_close_keep_old(&c->results);
    }
    return rc;
}

/* Every rank learns the controller's report. */
static int sd_share_report(MPI_Comm comm, sd_sweep_report *report)
{
    int sig = report->stop_signal;
    uint64_t counts[5] = {report->done, report->failed, report->done_before,
                          report->failed_before, report->left};
    double times[2] = {report->seconds, report->controller_cpu};
    SD_MPI(MPI_Bcast(counts, 5, MPI_UINT64_T, 0, comm));
    SD_MPI(MPI_Bcast(times, 2, MPI_DOUBLE, 0, comm));
    SD_MPI(MPI_Bcast(&sig, 1, MPI_INT, 0, comm));
    report->done = counts[0];
    report->failed = counts[1];
    report->done_before = counts[2];
    report->failed_before = counts[3];
    report->left = counts[4];
    report->seconds = times[0];
    report->controller_cpu = times[1];
    report->stop_signal = sig;
    return SD_OK;
}

int sd_sweep_run(const sd_sweep *s, MPI_Comm comm, const sd_sweep_opts *o,
                 sd_sweep_report *report)
{
    sd_ctx c;
    struct sigaction old[SD_N_STOP_SIGNALS];
    memset(&c, 0, sizeof c);
    memset(report, 0, sizeof *report);
    sd_signals_install(old);
    c.s = s;
    /* The time limit of a run: the command line's, else the sweep file's. */
    sd_sweep_opts opts = *o;
    if (!(opts.run_timeout > 0)) opts.run_timeout = s->run_timeout;
    if (!(opts.checkpoint_every > 0)) opts.checkpoint_every = s->checkpoint_every;
    c.o = &opts;
    c.world = comm;
    c.group = MPI_COMM_NULL;

    sd_lock *lock = NULL;
    sd_results_state prev;
    memset(&prev, 0, sizeof prev);
    int rc = sd_sweep_setup(&c, &lock, &prev);
    if (rc != SD_OK) {
        sd_results_state_free(&prev);
        sd_lock_release(&lock);
        sd_ctx_free(&c);
        sd_signals_restore(old);
        return rc;
    }
    sd_results_opts ro = {opts.force, opts.shard_index, opts.shard_count, 0};
    report->runs = sd_results_rows(sd_plan_runs(c.plan), &ro);
    report->groups = c.groups;

    double t0 = sd_now(), cpu0 = sd_cpu_seconds();
    int local = sd_run_phase(&c, &prev, report);
    report->seconds = sd_now() - t0;
    report->controller_cpu = sd_cpu_seconds() - cpu0;
    report->stop_signal = sd_stop_signal;
    sd_sleepy_barrier(comm);
    rc = sd_share_report(comm, report);
    rc = sd_agree(comm, rc != SD_OK ? rc : local);
    /* A new file that replaces an old one (--force) does so when the sweep
     * ends: done, or stopped by a signal (then --resume continues it); after
     * an error the old file is kept, and the new runs wait beside it. */
    const char *temp = sd_results_temp_name(c.results);
    if (rc != SD_OK && temp && c.rank == 0)
        fprintf(stderr, "sendrift: %s was kept as it was; this sweep's finished runs are in %s "
                        "(continue it with --resume)\n",
                opts.output, temp);
    int crc = rc == SD_OK ? sd_results_close(&c.results) : sd_results_close_keep_old(&c.results);
    if (rc == SD_OK) rc = sd_agree(comm, crc);
    if (c.rank == 0) sd_checkpoint_dir_remove(opts.output);
    sd_lock_release(&lock);
    sd_signals_restore(old);
    sd_results_state_free(&prev);
    sd_ctx_free(&c);
    int sig = report->stop_signal;
    if (rc == SD_OK && sig && report->left > 0)
        rc = sd_error(SD_ERR_INTERRUPTED,
                      "stopped by %s: %llu of %llu runs finished, %llu left; the file is "
                      "complete up to them: continue with --resume",
                      sd_signal_name(sig),
                      (unsigned long long)(report->runs - report->left),
                      (unsigned long long)report->runs, (unsigned long long)report->left);
    return rc;
}
