/* sendrift: what the files of the engine share (private to src/engine).
 *
 * The engine runs a plan: the controller (rank 0) hands out run ids, worker
 * groups run them and write their rows.  Files:
 *   signals.c     stop signals and the grace period
 *   run.c         one run on a group, and the poll a model asks between steps
 *   queue.c       the controller's queue of runs (longest first, retries)
 *   controller.c  the controller, the workers, and one rank alone
 *   sweep.c       set-up and the whole sweep (sd_sweep_run)
 */
#ifndef SENDRIFT_ENGINE_H
#define SENDRIFT_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "sendrift/placement.h"
#include "sendrift/plan.h"
#include "sendrift/progress.h"
#include "sendrift/results.h"
#include "sendrift/sweep.h"

enum { SD_TAG_REPORT = 101, SD_TAG_ASSIGN = 102, SD_TAG_ABANDON = 103 };

#define SD_STOP (-1LL)          /* no more runs                              */
#define SD_STOP_ABANDONED (-2LL) /* no more runs; an abandon message was sent */
#define SD_NONE (-1LL)
#define SD_SPIN 100e-6           /* seconds the controller polls after a message */

/* What a leader tells the controller about its last run. */
typedef struct {
    long long run;            /* SD_NONE on the first request               */
    int status;               /* sd_run_status (PENDING: abandoned)         */
    int code;                 /* the run's error code, or a write failure   */
    double wall;              /* the run's wall time (its wall_seconds)     */
    int checkpointed;         /* abandoned: it has a checkpoint to go on from */
    char message[SD_RUN_MESSAGE_LEN];
} sd_report_msg;

/* Everything a sweep needs on every rank. */
typedef struct {
    const sd_sweep *s;
    const sd_sweep_opts *o;
    sd_plan *plan;
    const sd_layout *layout;  /* the plan's                                 */
    sd_results *results;
    MPI_Comm world, group;
    int rank, size, grank, gsize, group_id, groups;
    sd_placement *placement;  /* nodes and groups; its leader[g] is the rank
                                 that leads group g                         */
    int abandon_seen;         /* leader: an abandon message was received    */
    uint64_t ckpt_kept;       /* rank 0: runs with a checkpoint to go on from */
    int worker;               /* this rank runs models (in a group)         */
    double *series;           /* n_series x n_times                          */
    double *row;              /* n_series                                    */
    double *summary;          /* n_summary                                   */
    double *x;                /* D                                           */
} sd_ctx;

/* ---- signals.c ---- */
/* The first stop signal (0: none) and how many arrived (at most 2). */
extern volatile sig_atomic_t sd_stop_signal;
extern volatile sig_atomic_t sd_stop_count;
#define SD_N_STOP_SIGNALS 3
void sd_signals_install(struct sigaction old[SD_N_STOP_SIGNALS]);
void sd_signals_restore(const struct sigaction old[SD_N_STOP_SIGNALS]);
const char *sd_signal_name(int sig);
/* The grace period left to running runs: none after a second signal. */
double sd_grace(const sd_sweep_opts *o);
/* Sleep *ns nanoseconds, then double *ns up to max. */
void sd_nap(long *ns, long max);

/* ---- run.c ---- */
/* Run and record; fills the report for the controller (leader only). */
void sd_run_and_write(sd_ctx *c, uint64_t run, uint32_t attempt, sd_report_msg *rep);

/* ---- queue.c ---- */
typedef struct {
    uint64_t *order;          /* runs to hand out, longest first             */
    uint64_t n, next;
    uint64_t *retry;          /* failed runs to try again (FIFO)             */
    uint64_t n_retry, next_retry;
    uint32_t *attempts;       /* per run: attempts so far (all sessions)     */
    uint32_t *session;        /* per run: attempts in this session           */
    uint64_t done, failed;    /* finished in this session                    */
    double *cost;             /* per run: its cost hint (NULL: no hints)     */
    double cost_left;         /* the cost hints of the runs in the queue     */
} sd_queue;

int sd_queue_build(sd_ctx *c, const sd_results_state *prev, sd_queue *q,
                   uint64_t *done_before, uint64_t *failed_before);
void sd_queue_free(sd_queue *q);
int sd_queue_next(sd_queue *q, uint64_t *run, uint32_t *attempt);
void sd_queue_report(sd_queue *q, sd_progress *pr, const sd_report_msg *m, int retry);

/* ---- controller.c ---- */
int sd_controller(sd_ctx *c, sd_queue *q, sd_progress *pr, int fatal_in);
void sd_worker(sd_ctx *c);
int sd_serial(sd_ctx *c, sd_queue *q, sd_progress *pr);

#endif
