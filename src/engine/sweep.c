/* sendrift: the controller and the worker groups (see include/sendrift/sweep.h).
 *
 * Messages are tiny: a worker leader sends a report of its last run (id,
 * status, message) and gets back the next run id and attempt, or a stop.
 * Every rank computes a run's parameters from its id.
 *
 * Stopping (a signal before a time limit): every rank catches the stop
 * signals, but only the controller acts on them.  It hands out no more runs;
 * once the grace period is over (at once on a second signal) it tells the
 * groups still running to abandon their runs, which they notice after the
 * model's next time step (sd_run_poll_check).  An abandoned run writes
 * nothing and stays PENDING, to be redone on --resume.  A run past its time
 * limit (--run-timeout) is stopped the same way and recorded FAILED.
 */
#include "sendrift/sweep.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sendrift/lock.h"
#include "sendrift/progress.h"
#include "sendrift/results.h"

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
    char message[SD_RUN_MESSAGE_LEN];
} sd_report_msg;

/* Everything a sweep needs on every rank. */
typedef struct {
    const sd_sweep *s;
    const sd_sweep_opts *o;
    sd_design *design;
    sd_layout layout;
    sd_results *results;
    MPI_Comm world, group;
    int rank, size, grank, gsize, group_id, groups;
    int abandon_seen;         /* leader: an abandon message was received    */
    int worker;               /* this rank runs models (in a group)         */
    double *series;           /* n_series x n_times                          */
    double *row;              /* n_series                                    */
    double *summary;          /* n_summary                                   */
    double *x;                /* D                                           */
    unsigned char *snap_at;   /* n_times: 1 where snapshots are taken       */
} sd_ctx;

/* ---- stop signals ------------------------------------------------------------ */

static volatile sig_atomic_t sd_stop_signal; /* the first stop signal (0: none) */
static volatile sig_atomic_t sd_stop_count;  /* how many arrived              */
static const int sd_stop_signals[] = {SIGTERM, SIGUSR1, SIGINT};
#define SD_N_STOP_SIGNALS (sizeof sd_stop_signals / sizeof sd_stop_signals[0])

static void sd_on_stop_signal(int sig)
{
    if (!sd_stop_signal) sd_stop_signal = sig;
    if (sd_stop_count < 2) sd_stop_count++;
}

/* The grace period left to running runs: none after a second signal. */
static double sd_grace(const sd_sweep_opts *o) { return sd_stop_count >= 2 ? 0.0 : o->grace; }

static void sd_signals_install(struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sd_on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < SD_N_STOP_SIGNALS; i++) sigaction(sd_stop_signals[i], &sa, &old[i]);
}

void sd_sweep_catch_signals(void)
{
    struct sigaction old[SD_N_STOP_SIGNALS];
    sd_signals_install(old);
}

static void sd_signals_restore(const struct sigaction *old)
{
    for (size_t i = 0; i < SD_N_STOP_SIGNALS; i++) sigaction(sd_stop_signals[i], &old[i], NULL);
}

static const char *sd_signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGINT: return "SIGINT";
    default: return "a signal";
    }
}

static void sd_nap(long *ns, long max)
{
    struct timespec ts = {0, *ns};
    nanosleep(&ts, NULL);
    if (*ns < max) *ns *= 2;
}

int sd_sweep_layout(int world, int P, int *groups, int *idle, char *msg, size_t msglen)
{
    msg[0] = '\0';
    if (P < 1) {
        snprintf(msg, msglen, "--ranks-per-sim must be at least 1 (got %d)", P);
        return SD_ERR_INPUT;
    }
    if (world == 1) {
        if (P != 1) {
            snprintf(msg, msglen,
                     "--ranks-per-sim %d needs at least %d ranks (a controller and one "
                     "group of %d); this run has 1",
                     P, P + 1, P);
            return SD_ERR_INPUT;
        }
        *groups = 1;
        *idle = 0;
        return SD_OK;
    }
    if (world - 1 < P) {
        snprintf(msg, msglen,
                 "--ranks-per-sim %d needs at least %d ranks (a controller and one group "
                 "of %d); this run has %d",
                 P, P + 1, P, world);
        return SD_ERR_INPUT;
    }
    *groups = (world - 1) / P;
    *idle = (world - 1) % P;
    if (*idle)
        snprintf(msg, msglen,
                 "%d worker rank%s do not divide into groups of %d: %d rank%s stay idle "
                 "(use %d or %d ranks)",
                 world - 1, world - 1 == 1 ? "" : "s", P, *idle, *idle == 1 ? "" : "s",
                 1 + *groups * P, 1 + (*groups + 1) * P);
    return SD_OK;
}

/* ---- agreement inside a group --------------------------------------------- */

/* All ranks of comm learn whether any failed, and the message of the lowest
 * failing rank. */
static int sd_agree(int rc, MPI_Comm comm, char *message, size_t len)
{
    int worst, rank, first;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, comm);
    if (worst == SD_OK) return SD_OK;
    MPI_Comm_rank(comm, &rank);
    int mine = rc != SD_OK ? rank : 1 << 30;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    char buf[SD_RUN_MESSAGE_LEN];
    if (rank == first) snprintf(buf, sizeof buf, "%s", sd_error_message());
    MPI_Bcast(buf, sizeof buf, MPI_CHAR, first, comm);
    if (message) snprintf(message, len, "%s", buf);
    sd_error(worst, "%s", buf);
    return worst;
}

/* A barrier that sleeps instead of spinning, so that ranks that finished
 * early leave the cores to those still computing. */
static void sd_sleepy_barrier(MPI_Comm comm)
{
    MPI_Request req;
    int flag = 0;
    long ns = 1000;
    MPI_Ibarrier(comm, &req);
    for (;;) {
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        if (flag) break;
        sd_nap(&ns, 2000000);
    }
}

/* ---- one run -------------------------------------------------------------- */

/* Should the run in progress be abandoned?  Asked by the group's rank 0. */
static int sd_abandon_now(sd_ctx *c, double stop_seen)
{
    if (c->grank != 0) return 0;
    if (c->size == 1) /* alone: act on the signal directly */
        return sd_stop_signal && stop_seen > 0 && sd_now() >= stop_seen + sd_grace(c->o);
    int flag = 0;
    MPI_Iprobe(0, SD_TAG_ABANDON, c->world, &flag, MPI_STATUS_IGNORE);
    if (flag) {
        int dummy;
        MPI_Recv(&dummy, 1, MPI_INT, 0, SD_TAG_ABANDON, c->world, MPI_STATUS_IGNORE);
        c->abandon_seen = 1;
    }
    return flag;
}

/* What a run's model asks between its steps (see sd_run_poll_check). */
struct sd_run_poll {
    sd_ctx *c;
    double start;             /* when the run started (sd_now)               */
    double stop_seen;         /* when its leader first saw a stop signal     */
    int code;                 /* SD_OK, or the decision, once taken          */
};

/* The group's rank 0 decides; the others learn the answer. */
static int sd_poll_decide(sd_run_poll *p)
{
    sd_ctx *c = p->c;
    double now = sd_now();
    if (sd_stop_signal && p->stop_seen == 0) {
        p->stop_seen = now;
        /* Alone, this rank is the controller too: say what happens now. */
        if (c->size == 1 && !c->o->quiet)
            fprintf(stderr, "sendrift: %s received: no new runs; the running run may take %g s "
                            "more before it is abandoned (a second signal abandons it now)\n",
                    sd_signal_name(sd_stop_signal), sd_grace(c->o));
    }
    if (sd_abandon_now(c, p->stop_seen)) return SD_ERR_INTERRUPTED;
    if (c->o->run_timeout > 0 && now - p->start > c->o->run_timeout) return SD_ERR_TIMEOUT;
    return SD_OK;
}

int sd_run_poll_check(sd_run_poll *p)
{
    if (!p) return SD_OK;
    sd_ctx *c = p->c;
    int code = p->code;
    if (code == SD_OK && c->grank == 0) code = sd_poll_decide(p);
    if (c->gsize > 1) MPI_Bcast(&code, 1, MPI_INT, 0, c->group);
    p->code = code;
    if (code == SD_ERR_INTERRUPTED) return sd_error(code, "abandoned after a stop signal");
    if (code == SD_ERR_TIMEOUT)
        return sd_error(code, "timeout: the run took longer than its limit of %g s "
                              "(--run-timeout, or run_timeout in the sweep file)",
                        c->o->run_timeout);
    return code;
}

static int sd_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int sd_snapshot_wanted(const sd_sweep *s, uint64_t run)
{
    return s->n_snap_runs &&
           bsearch(&run, s->snap_runs, s->n_snap_runs, sizeof run, sd_u64_cmp) != NULL;
}

/* Run `run` on the group (collective over c->group).  On return the leader
 * holds the rows in c->series and c->summary; status and message say how it
 * went (PENDING: abandoned after a stop signal). */
static void sd_run_one(sd_ctx *c, uint64_t run, sd_run_status *status, char *message,
                       double *wall)
{
    const sd_model_class *m = c->s->model;
    double t0 = MPI_Wtime();
    sd_run_poll poll = {c, sd_now(), 0, SD_OK};
    uint64_t point, rep;
    sd_paramset ps = {0};
    void *state = NULL;
    int rc;
    message[0] = '\0';
    sd_design_split(c->design, run, &point, &rep);
    rc = sd_design_point(c->design, point, c->x);
    if (rc == SD_OK) rc = sd_sweep_run_params(c->s, c->x, &ps);
    rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
    if (rc != SD_OK) goto out;

    sd_run_info info = {run, point, rep, c->s->seed, &poll};
    rc = m->create(&ps, &info, c->group, &state);
    rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
    size_t nt = c->layout.n_times, ns = c->layout.n_series;
    for (size_t k = 0; k < nt && rc == SD_OK; k++) {
        rc = sd_run_poll_check(&poll);
        if (rc == SD_OK) rc = m->advance(state, c->layout.times[k]);
        rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
        if (rc != SD_OK) {
            sd_error_prefix(rc, "at t = %g", c->layout.times[k]);
            snprintf(message, SD_RUN_MESSAGE_LEN, "%s", sd_error_message());
            break;
        }
        if (ns) {
            rc = m->observe(state, c->row);
            rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
            for (size_t i = 0; i < ns && rc == SD_OK; i++) c->series[i * nt + k] = c->row[i];
        }
        if (rc == SD_OK && c->snap_at && c->snap_at[k] && sd_snapshot_wanted(c->s, run)) {
            sd_snapshot *w = NULL;
            rc = sd_results_snapshot_open(c->results, run, k, &w);
            if (rc == SD_OK) rc = m->snapshot(state, w);
            sd_results_snapshot_close(&w);
            rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
        }
    }
    if (rc == SD_OK) {
        rc = m->summarize(state, c->summary);
        rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
    }
    if (state) m->destroy(state);
out:
    sd_paramset_free(&ps);
    *wall = MPI_Wtime() - t0;
    *status = rc == SD_OK ? SD_RUN_DONE : rc == SD_ERR_INTERRUPTED ? SD_RUN_PENDING : SD_RUN_FAILED;
    if (rc != SD_OK && !message[0])
        snprintf(message, SD_RUN_MESSAGE_LEN, "%s", sd_error_name(rc));
}

/* Run and record; fills the report for the controller (leader only). */
static void sd_run_and_write(sd_ctx *c, uint64_t run, uint32_t attempt, sd_report_msg *rep)
{
    sd_run_status st;
    double wall;
    memset(rep, 0, sizeof *rep);
    rep->run = (long long)run;
    sd_run_one(c, run, &st, rep->message, &wall);
    rep->status = st;
    rep->code = st == SD_RUN_DONE ? SD_OK : st == SD_RUN_PENDING ? SD_ERR_INTERRUPTED : SD_ERR_MODEL;
    if (c->grank != 0 || st == SD_RUN_PENDING) return;
    int wrc = sd_results_write_run(c->results, run,
                                   st == SD_RUN_DONE && c->s->output_timeseries ? c->series : NULL,
                                   st == SD_RUN_DONE ? c->summary : NULL, wall, c->group_id,
                                   attempt, st, st == SD_RUN_DONE ? "" : rep->message);
    if (wrc != SD_OK) {
        /* The rows did not land: the sweep cannot go on safely. */
        rep->code = wrc;
        rep->status = SD_RUN_PENDING;
        snprintf(rep->message, sizeof rep->message, "%s", sd_error_message());
    }
}

/* ---- the queue of runs ------------------------------------------------------ */

typedef struct {
    uint64_t run;
    double cost;
} sd_order_item;

static int sd_order_cmp(const void *a, const void *b)
{
    const sd_order_item *x = a, *y = b;
    if (x->cost > y->cost) return -1;
    if (x->cost < y->cost) return 1;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* The controller's work: the runs to do, in order, then retries. */
typedef struct {
    uint64_t *order;          /* runs to hand out, longest first             */
    uint64_t n, next;
    uint64_t *retry;          /* failed runs to try again (FIFO)             */
    uint64_t n_retry, next_retry;
    uint32_t *attempts;       /* per run: attempts so far (all sessions)     */
    uint32_t *session;        /* per run: attempts in this session           */
    uint64_t done, failed;    /* finished in this session                    */
} sd_queue;

static void sd_queue_free(sd_queue *q)
{
    free(q->order);
    free(q->retry);
    free(q->attempts);
    free(q->session);
    memset(q, 0, sizeof *q);
}

/* Build the queue: every run not finished before (PENDING; FAILED too when
 * retrying), longest expected first, ties and models without a cost hint by
 * run id. */
static int sd_queue_build(sd_ctx *c, const sd_results_state *prev, sd_queue *q,
                          uint64_t *done_before, uint64_t *failed_before)
{
    uint64_t runs = sd_design_runs(c->design);
    memset(q, 0, sizeof *q);
    *done_before = *failed_before = 0;
    q->order = sd_calloc(runs + 1, sizeof *q->order, "the run queue");
    q->retry = sd_calloc(runs + 1, sizeof *q->retry, "the retry queue");
    q->attempts = sd_calloc(runs + 1, sizeof *q->attempts, "run attempts");
    q->session = sd_calloc(runs + 1, sizeof *q->session, "run attempts");
    sd_order_item *items = sd_calloc(runs + 1, sizeof *items, "the run order");
    if (!q->order || !q->retry || !q->attempts || !q->session || !items) {
        free(items);
        sd_queue_free(q);
        return SD_ERR_NOMEM;
    }
    int rc = SD_OK;
    uint64_t n = 0;
    uint64_t first = c->o->shard_count > 1 ? c->o->shard_index : 0;
    uint64_t stride = c->o->shard_count > 1 ? c->o->shard_count : 1;
    for (uint64_t i = first; i < runs && rc == SD_OK; i += stride) {
        if (prev && prev->status) {
            q->attempts[i] = prev->attempts[i];
            if (prev->status[i] == SD_RUN_DONE) {
                (*done_before)++;
                continue;
            }
            if (prev->status[i] == SD_RUN_FAILED && c->o->retry == 0) {
                (*failed_before)++;
                continue;
            }
        }
        items[n].run = i;
        items[n].cost = 0;
        if (c->s->model->cost) {
            uint64_t point, rep;
            sd_paramset ps = {0};
            sd_design_split(c->design, i, &point, &rep);
            rc = sd_design_point(c->design, point, c->x);
            if (rc == SD_OK) rc = sd_sweep_run_params(c->s, c->x, &ps);
            if (rc == SD_OK) items[n].cost = c->s->model->cost(&ps);
            sd_paramset_free(&ps);
        }
        n++;
    }
    if (c->s->model->cost) qsort(items, n, sizeof *items, sd_order_cmp);
    for (uint64_t i = 0; i < n; i++) q->order[i] = items[i].run;
    q->n = n;
    free(items);
    if (rc != SD_OK) sd_queue_free(q);
    return rc;
}

/* The next run to hand out, or 0 when there is none. */
static int sd_queue_next(sd_queue *q, uint64_t *run, uint32_t *attempt)
{
    if (q->next < q->n)
        *run = q->order[q->next++];
    else if (q->next_retry < q->n_retry)
        *run = q->retry[q->next_retry++];
    else
        return 0;
    q->session[*run]++;
    *attempt = ++q->attempts[*run];
    return 1;
}

/* Count a report; a failed run goes back in the queue while it has retries
 * left in this session. */
static void sd_queue_report(sd_queue *q, sd_progress *pr, const sd_report_msg *m, int retry)
{
    if (m->run == SD_NONE) return;
    uint64_t run = (uint64_t)m->run;
    if (m->status == SD_RUN_DONE) {
        q->done++;
    } else if (m->status == SD_RUN_FAILED) {
        if (q->session[run] <= (uint32_t)retry) {
            q->retry[q->n_retry++] = run;
            sd_progress_note(pr, "sendrift: run %llu failed (attempt %u), will retry: %s",
                             (unsigned long long)run, q->attempts[run], m->message);
        } else {
            q->failed++;
            sd_progress_note(pr, "sendrift: run %llu failed: %s", (unsigned long long)run,
                             m->message);
        }
    } else if (m->code == SD_ERR_INTERRUPTED) {
        sd_progress_note(pr, "sendrift: run %llu abandoned after the grace period; it will be "
                             "redone on --resume",
                         (unsigned long long)run);
    }
}

static double sd_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* ---- the controller ------------------------------------------------------- */

static void sd_note_stop(sd_ctx *c, sd_progress *pr, int busy)
{
    sd_progress_note(pr,
                     "sendrift: %s received: no new runs; %d running run%s may take %g s more "
                     "before they are abandoned (a second signal abandons them now)",
                     sd_signal_name(sd_stop_signal), busy, busy == 1 ? "" : "s", c->o->grace);
}

/* The controller's view of its G groups (arrays, for MPI_Testsome). */
typedef struct {
    MPI_Request *req;         /* the pending report of each group           */
    MPI_Request *abreq;       /* the abandon message sent to it, if any     */
    sd_report_msg *msg;
    int *idx, *busy, *abandoned;
} sd_ctl;

static void sd_ctl_free(sd_ctl *t)
{
    free(t->req);
    free(t->abreq);
    free(t->msg);
    free(t->idx);
    free(t->busy);
    free(t->abandoned);
    memset(t, 0, sizeof *t);
}

static int sd_ctl_alloc(sd_ctl *t, int G)
{
    size_t g = (size_t)G;
    t->req = sd_calloc(g, sizeof *t->req, "controller requests");
    t->abreq = sd_calloc(g, sizeof *t->abreq, "controller requests");
    t->msg = sd_calloc(g, sizeof *t->msg, "controller messages");
    t->idx = sd_calloc(g, sizeof *t->idx, "controller indices");
    t->busy = sd_calloc(g, sizeof *t->busy, "controller state");
    t->abandoned = sd_calloc(g, sizeof *t->abandoned, "controller state");
    if (t->req && t->abreq && t->msg && t->idx && t->busy && t->abandoned) return SD_OK;
    sd_ctl_free(t);
    return SD_ERR_NOMEM;
}

/* Rank 0 with other ranks: hand out runs as leaders ask, sleeping between
 * polls.  Returns the first fatal error a leader reported (a failed write). */
static int sd_controller(sd_ctx *c, sd_queue *q, sd_progress *pr, int fatal_in)
{
    int G = c->groups, P = c->o->ranks_per_sim;
    sd_ctl ctl;
    if (sd_ctl_alloc(&ctl, G) != SD_OK) return SD_ERR_NOMEM;
    MPI_Request *req = ctl.req, *abreq = ctl.abreq;
    sd_report_msg *msg = ctl.msg;
    int *idx = ctl.idx, *busy = ctl.busy, *abandoned = ctl.abandoned;
    int fatal = fatal_in;
    char fatal_msg[SD_RUN_MESSAGE_LEN] = "";
    if (fatal != SD_OK) snprintf(fatal_msg, sizeof fatal_msg, "%s", sd_error_message());
    for (int g = 0; g < G; g++) {
        MPI_Irecv(&msg[g], (int)sizeof msg[g], MPI_BYTE, 1 + g * P, SD_TAG_REPORT, c->world,
                  &req[g]);
        abreq[g] = MPI_REQUEST_NULL;
    }
    int active = G, nbusy = 0, abandon_token = 0, second_noted = 0;
    double stop_at = 0, last_msg = 0;
    long ns = 1000;
    while (active > 0) {
        if (sd_stop_signal && stop_at == 0) {
            stop_at = sd_now();
            sd_note_stop(c, pr, nbusy);
        }
        if (sd_stop_count >= 2 && !second_noted) {
            second_noted = 1;
            sd_progress_note(pr, "sendrift: second stop signal: abandoning the running runs now");
        }
        /* After the grace period, tell the groups still running to give up. */
        if (stop_at > 0 && sd_now() >= stop_at + sd_grace(c->o)) {
            for (int g = 0; g < G; g++) {
                if (!busy[g] || abandoned[g]) continue;
                MPI_Isend(&abandon_token, 1, MPI_INT, 1 + g * P, SD_TAG_ABANDON, c->world,
                          &abreq[g]);
                abandoned[g] = 1;
            }
        }
        int outcount = 0;
        MPI_Testsome(G, req, &outcount, idx, MPI_STATUSES_IGNORE);
        if (outcount == MPI_UNDEFINED) break;
        if (outcount == 0) {
            /* Nothing yet.  Right after a message the next one often follows
             * within microseconds (short runs): poll for SD_SPIN seconds,
             * then sleep, longer and longer, up to 1 ms. */
            if (sd_now() - last_msg > SD_SPIN) sd_nap(&ns, 1000000);
            sd_progress_update(pr, q->done, q->failed);
            continue;
        }
        ns = 1000;
        last_msg = sd_now();
        for (int k = 0; k < outcount; k++) {
            int g = idx[k];
            if (busy[g]) nbusy--;
            busy[g] = 0;
            sd_queue_report(q, pr, &msg[g], c->o->retry);
            if (msg[g].code != SD_OK && msg[g].code != SD_ERR_MODEL &&
                msg[g].code != SD_ERR_INTERRUPTED && fatal == SD_OK) {
                fatal = msg[g].code;
                snprintf(fatal_msg, sizeof fatal_msg, "%s", msg[g].message);
                sd_progress_note(pr, "sendrift: error: %s; no new runs", fatal_msg);
            }
            long long assign[2] = {abandoned[g] ? SD_STOP_ABANDONED : SD_STOP, 0};
            uint64_t run;
            uint32_t attempt;
            if (fatal == SD_OK && !sd_stop_signal && sd_queue_next(q, &run, &attempt)) {
                assign[0] = (long long)run;
                assign[1] = attempt;
            }
            MPI_Send(assign, 2, MPI_LONG_LONG, 1 + g * P, SD_TAG_ASSIGN, c->world);
            if (assign[0] < 0) {
                active--;
                req[g] = MPI_REQUEST_NULL;
            } else {
                busy[g] = 1;
                nbusy++;
                MPI_Irecv(&msg[g], (int)sizeof msg[g], MPI_BYTE, 1 + g * P, SD_TAG_REPORT,
                          c->world, &req[g]);
            }
        }
        sd_progress_update(pr, q->done, q->failed);
    }
    MPI_Waitall(G, abreq, MPI_STATUSES_IGNORE);
    sd_ctl_free(&ctl);
    if (fatal != SD_OK) return sd_error(fatal, "%s", fatal_msg);
    return SD_OK;
}

/* A worker group: ask, run, report, until told to stop. */
static void sd_worker(sd_ctx *c)
{
    sd_report_msg rep;
    memset(&rep, 0, sizeof rep);
    rep.run = SD_NONE;
    for (;;) {
        long long assign[2] = {SD_STOP, 0};
        if (c->grank == 0) {
            MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, SD_TAG_REPORT, c->world);
            MPI_Recv(assign, 2, MPI_LONG_LONG, 0, SD_TAG_ASSIGN, c->world, MPI_STATUS_IGNORE);
            /* An abandon message that crossed our report: receive it. */
            if (assign[0] == SD_STOP_ABANDONED && !c->abandon_seen) {
                int dummy;
                MPI_Recv(&dummy, 1, MPI_INT, 0, SD_TAG_ABANDON, c->world, MPI_STATUS_IGNORE);
            }
        }
        MPI_Bcast(assign, 2, MPI_LONG_LONG, 0, c->group);
        if (assign[0] < 0) break;
        sd_run_and_write(c, (uint64_t)assign[0], (uint32_t)assign[1], &rep);
    }
}

/* One rank in all: run everything here. */
static int sd_serial(sd_ctx *c, sd_queue *q, sd_progress *pr)
{
    uint64_t run;
    uint32_t attempt;
    while (!sd_stop_signal && sd_queue_next(q, &run, &attempt)) {
        sd_report_msg rep;
        sd_run_and_write(c, run, attempt, &rep);
        sd_queue_report(q, pr, &rep, c->o->retry);
        if (rep.code != SD_OK && rep.code != SD_ERR_MODEL && rep.code != SD_ERR_INTERRUPTED)
            return sd_error(rep.code, "%s", rep.message);
        sd_progress_update(pr, q->done, q->failed);
    }
    if (sd_stop_signal)
        sd_progress_note(pr, "sendrift: %s received: stopped handing out runs",
                         sd_signal_name(sd_stop_signal));
    return SD_OK;
}

/* ---- memory ------------------------------------------------------------------ */

/* Bytes of memory available to this node: MemAvailable, or less when a
 * cgroup limit is lower (a batch job's allocation). */
static double sd_available_memory(void)
{
    double avail = INFINITY;
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) avail = 1024.0 * (double)kb;
        }
        fclose(f);
    }
    f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        unsigned long long max, cur = 0;
        if (fscanf(f, "%llu", &max) == 1) {
            FILE *g = fopen("/sys/fs/cgroup/memory.current", "r");
            if (g) {
                if (fscanf(g, "%llu", &cur) != 1) cur = 0;
                fclose(g);
            }
            double left = (double)max - (double)cur;
            if (left < avail) avail = left;
        }
        fclose(f);
    }
    return avail;
}

/* Design points whose memory hint is asked, at most: enough to find the
 * largest lattice of any realistic design, few enough to take well under a
 * second.  Larger designs are sampled evenly. */
#define SD_MEMORY_SAMPLES 65536

/* Bytes this rank needs for the sweep's machinery, whatever its runs: the
 * controller's queue and per-run state, the design's tables, run buffers.
 * Known from the sweep file alone, before the design exists. */
static double sd_engine_bytes(const sd_ctx *c, const sd_layout *l)
{
    double runs = (double)sd_sweep_points(c->s) * (double)c->s->replicates;
    double bytes = sd_design_table_bytes(c->s);
    if (c->rank == 0) bytes += runs * (4 * 8 + 2 * 4 + 16 + 5); /* queue, state */
    bytes += (double)(l->n_series * (l->n_times + 1) + l->n_summary) * 8;
    return bytes;
}

/* Every rank of a node learns whether the node can hold what its ranks
 * need: mine (this rank's total) and model (the largest run's share). */
static int sd_node_memory(const sd_ctx *c, double mine, double model, const char *model_note)
{
    double node_need = 0, node_model = 0;
    MPI_Comm node;
    MPI_Comm_split_type(c->world, MPI_COMM_TYPE_SHARED, c->rank, MPI_INFO_NULL, &node);
    int node_size;
    MPI_Comm_size(node, &node_size);
    MPI_Allreduce(&mine, &node_need, 1, MPI_DOUBLE, MPI_SUM, node);
    MPI_Allreduce(&model, &node_model, 1, MPI_DOUBLE, MPI_MAX, node);
    double avail = sd_available_memory();
    MPI_Bcast(&avail, 1, MPI_DOUBLE, 0, node);
    MPI_Comm_free(&node);
    if (!(node_need > avail)) return SD_OK;
    char need[32], have[32], per[32];
    sd_format_bytes(node_need, need, sizeof need);
    sd_format_bytes(avail, have, sizeof have);
    if (node_model > 0) {
        sd_format_bytes(node_model, per, sizeof per);
        return sd_error(SD_ERR_NOMEM,
                        "the sweep needs about %s of memory on a node (%d ranks; the largest "
                        "run needs %s per rank%s), but only %s are available: use fewer ranks "
                        "per node, more ranks per simulation, or smaller runs",
                        need, node_size, per, model_note, have);
    }
    double runs = (double)sd_sweep_points(c->s) * (double)c->s->replicates;
    return sd_error(SD_ERR_NOMEM,
                    "the sweep has %.17g runs; keeping track of them needs about %s of memory "
                    "on a node (%d rank%s), but only %s are available: make the design smaller "
                    "(fewer samples, levels or replicates)",
                    runs, need, node_size, node_size == 1 ? "" : "s", have);
}

/* Refuse, before the design or any run buffer exists, a sweep too large to
 * keep track of: counted from the sweep file, without a loop over runs. */
static int sd_check_engine_memory(const sd_ctx *c)
{
    return sd_node_memory(c, sd_engine_bytes(c, &c->layout), 0.0, "");
}

/* Refuse, before the result file or any run buffer exists, a sweep whose
 * ranks would need more memory on a node than the node has.  The memory
 * hint is asked of design points (replicates need the same), shared out
 * over all ranks, at most SD_MEMORY_SAMPLES of them. */
static int sd_check_memory(sd_ctx *c)
{
    double model = 0;
    uint64_t points = sd_design_points(c->design), asked = points;
    if (c->s->model->memory) {
        int ranks = c->size == 1 ? 1 : c->o->ranks_per_sim;
        if (asked > SD_MEMORY_SAMPLES) asked = SD_MEMORY_SAMPLES;
        for (uint64_t i = (uint64_t)c->rank; i < asked; i += (uint64_t)c->size) {
            /* Evenly spaced when sampled: point floor(i points / asked). */
            uint64_t point = asked == points ? i
                                             : (uint64_t)((double)i * (double)points / (double)asked);
            sd_paramset ps = {0};
            if (sd_design_point(c->design, point, c->x) == SD_OK &&
                sd_sweep_run_params(c->s, c->x, &ps) == SD_OK) {
                double m = c->s->model->memory(&ps, ranks);
                if (m > model) model = m;
            }
            sd_paramset_free(&ps);
        }
        double mine = model;
        MPI_Allreduce(&mine, &model, 1, MPI_DOUBLE, MPI_MAX, c->world);
    }
    char note[128] = "";
    if (asked < points)
        snprintf(note, sizeof note, ", the largest of %llu of the %llu design points",
                 (unsigned long long)asked, (unsigned long long)points);
    double mine = sd_engine_bytes(c, &c->layout) + (c->worker ? model : 0.0);
    return sd_node_memory(c, mine, c->worker ? model : 0.0, note);
}

/* ---- set-up and the whole sweep ------------------------------------------- */

static int sd_ctx_setup(sd_ctx *c)
{
    sd_paramset base = {0};
    int rc = sd_sweep_base_params(c->s, &base);
    if (rc == SD_OK) rc = c->s->model->layout(&base, &c->layout);
    sd_paramset_free(&base);
    if (rc != SD_OK) return rc;
    /* A design too large to track is refused before it is made (the lhs
     * tables alone may be gigabytes). */
    rc = sd_agree(sd_check_engine_memory(c), c->world, NULL, 0);
    if (rc == SD_OK) rc = sd_design_create(c->s, &c->design);
    if (rc != SD_OK) return rc;
    /* Saltelli blocks whose A and B halves are equal waste their runs. */
    uint64_t dup = 0, first = 0;
    rc = sd_design_duplicates(c->design, &dup, &first);
    if (rc != SD_OK) return rc;
    if (dup && c->rank == 0 && !c->o->quiet)
        fprintf(stderr,
                "sendrift: warning: %s: %llu of the %llu Saltelli base points are degenerate "
                "(A = B, the first at base point %llu): their runs all repeat one point and "
                "add nothing to the indices; leave design.skip out for the default (%llu), "
                "or set it >= 2\n",
                c->s->source, (unsigned long long)dup, (unsigned long long)c->s->design.samples,
                (unsigned long long)first,
                (unsigned long long)sd_sobol_default_skip(c->s->design.samples));
    c->x = sd_calloc(sd_design_dim(c->design) + 1, sizeof(double), "a parameter vector");
    if (!c->x) return SD_ERR_NOMEM;
    if (c->s->n_snap_runs) {
        if (!c->layout.n_snapfields || !c->s->model->snapshot)
            return sd_error(SD_ERR_INPUT, "%s: output.snapshots: model \"%s\" has no snapshots",
                            c->s->source, c->s->model->name);
        size_t *idx = sd_calloc(c->s->n_snap_times, sizeof *idx, "snapshot times");
        c->snap_at = sd_calloc(c->layout.n_times + 1, 1, "snapshot times");
        if (!idx || !c->snap_at) {
            free(idx);
            return SD_ERR_NOMEM;
        }
        rc = sd_results_snapshot_indices(c->s, &c->layout, idx);
        for (size_t i = 0; rc == SD_OK && i < c->s->n_snap_times; i++) c->snap_at[idx[i]] = 1;
        free(idx);
    }
    return rc;
}

static int sd_ctx_buffers(sd_ctx *c)
{
    size_t nt = c->layout.n_times, ns = c->layout.n_series;
    c->series = sd_calloc(ns * nt + 1, sizeof(double), "time-series rows");
    c->row = sd_calloc(ns + 1, sizeof(double), "a time-series row");
    c->summary = sd_calloc(c->layout.n_summary + 1, sizeof(double), "summary values");
    return c->series && c->row && c->summary ? SD_OK : SD_ERR_NOMEM;
}

static void sd_ctx_free(sd_ctx *c)
{
    free(c->series);
    free(c->row);
    free(c->summary);
    free(c->x);
    free(c->snap_at);
    sd_layout_free(&c->layout);
    sd_design_destroy(&c->design);
    if (c->group != MPI_COMM_NULL) MPI_Comm_free(&c->group);
}

int sd_sweep_check(const sd_sweep *s, MPI_Comm comm, const sd_sweep_opts *o,
                   sd_design **design, sd_layout *layout)
{
    sd_ctx c;
    memset(&c, 0, sizeof c);
    memset(layout, 0, sizeof *layout);
    *design = NULL;
    sd_sweep_opts opts = *o;
    c.s = s;
    c.o = &opts;
    c.world = comm;
    c.group = MPI_COMM_NULL;
    MPI_Comm_rank(comm, &c.rank);
    MPI_Comm_size(comm, &c.size);
    if (opts.ranks_per_sim < 1) opts.ranks_per_sim = 1;
    /* Check as the run would, on one worker group per rank besides rank 0. */
    c.groups = c.size > 1 ? c.size - 1 : 1;
    c.worker = c.size == 1 || c.rank > 0;
    int rc = sd_agree(sd_ctx_setup(&c), comm, NULL, 0);
    if (rc == SD_OK) rc = sd_agree(sd_check_memory(&c), comm, NULL, 0);
    if (rc == SD_OK) {
        *design = c.design;
        *layout = c.layout;
        c.design = NULL;
        memset(&c.layout, 0, sizeof c.layout);
    }
    sd_ctx_free(&c);
    return rc;
}

/* Create the result file, or reopen it with --resume. */
static int sd_open_results(sd_ctx *c, sd_results_state *prev)
{
    const sd_sweep_opts *o = c->o;
    sd_results_opts ro = {o->force, o->shard_index, o->shard_count};
    memset(prev, 0, sizeof *prev);
    if (o->resume) {
        int exists = 0;
        if (c->rank == 0) {
            FILE *f = fopen(o->output, "rb");
            exists = f != NULL;
            if (f) fclose(f);
        }
        MPI_Bcast(&exists, 1, MPI_INT, 0, c->world);
        if (exists)
            return sd_results_open(o->output, c->world, c->s, c->design, &c->layout, &ro,
                                   &c->results, prev);
        if (c->rank == 0 && !o->quiet)
            fprintf(stderr, "sendrift: --resume: %s does not exist yet: starting the sweep\n",
                    o->output);
    }
    return sd_results_create(o->output, c->world, c->s, c->design, &c->layout, &ro, &c->results);
}

/* The phase where runs are handed out and run. */
static int sd_run_phase(sd_ctx *c, const sd_results_state *prev, sd_sweep_report *report)
{
    int local = SD_OK;
    if (c->rank == 0) {
        sd_queue q;
        local = sd_queue_build(c, prev, &q, &report->done_before, &report->failed_before);
        uint64_t finished_before = report->done_before + report->failed_before;
        sd_progress *pr = sd_progress_create(stderr, report->runs, report->done_before,
                                             report->failed_before, c->o->quiet,
                                             c->o->progress_interval);
        if (local == SD_OK && finished_before && !c->o->quiet)
            sd_progress_note(pr,
                             "sendrift: resuming %s: %llu runs done and %llu failed before; "
                             "%llu to run",
                             c->o->output, (unsigned long long)report->done_before,
                             (unsigned long long)report->failed_before,
                             (unsigned long long)q.n);
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
    o = &opts;
    c.o = o;
    c.world = comm;
    c.group = MPI_COMM_NULL;
    MPI_Comm_rank(comm, &c.rank);
    MPI_Comm_size(comm, &c.size);

    int idle = 0;
    char msg[512];
    int rc = sd_sweep_layout(c.size, o->ranks_per_sim, &c.groups, &idle, msg, sizeof msg);
    if (rc != SD_OK)
        sd_error(rc, "%s", msg);
    else if (o->resume && o->force)
        rc = sd_error(SD_ERR_INPUT, "--resume and --force contradict each other: --resume "
                                    "keeps the runs in the file, --force throws them away");
    if (rc != SD_OK) {
        sd_signals_restore(old);
        return rc;
    }
    if (idle && c.rank == 0 && !o->quiet) fprintf(stderr, "sendrift: warning: %s\n", msg);

    /* Groups: the controller alone (or, with one rank, the whole group). */
    int P = o->ranks_per_sim;
    int color = c.size == 1 ? 0 : c.rank == 0 ? MPI_UNDEFINED : (c.rank - 1) / P;
    if (c.size > 1 && c.rank > 0 && color >= c.groups) color = MPI_UNDEFINED;
    MPI_Comm_split(comm, color, c.rank, &c.group);
    c.group_id = color == MPI_UNDEFINED ? -1 : color;
    c.worker = c.group != MPI_COMM_NULL;
    if (c.group != MPI_COMM_NULL) {
        MPI_Comm_rank(c.group, &c.grank);
        MPI_Comm_size(c.group, &c.gsize);
    }

    sd_results_state prev;
    memset(&prev, 0, sizeof prev);
    rc = sd_agree(sd_ctx_setup(&c), comm, NULL, 0);
    if (rc == SD_OK && o->shard_count > 1 &&
        (o->shard_index >= o->shard_count || o->shard_count > sd_design_runs(c.design)))
        rc = sd_error(SD_ERR_INPUT,
                      "--shard %llu/%llu: the shard index must be below the shard count, and "
                      "the sweep has %llu runs (at most that many shards)",
                      (unsigned long long)o->shard_index, (unsigned long long)o->shard_count,
                      (unsigned long long)sd_design_runs(c.design));
    if (rc == SD_OK) rc = sd_agree(sd_check_memory(&c), comm, NULL, 0);
    if (rc == SD_OK) rc = sd_agree(sd_ctx_buffers(&c), comm, NULL, 0);
    /* One writer per result file: rank 0 holds OUT.lock until the end. */
    sd_lock *lock = NULL;
    if (rc == SD_OK) rc = sd_results_check_name(o->output); /* the same on every rank */
    if (rc == SD_OK) rc = sd_agree(c.rank == 0 ? sd_lock_acquire(o->output, &lock) : SD_OK, comm,
                                   NULL, 0);
    if (rc == SD_OK) rc = sd_open_results(&c, &prev);
    if (rc != SD_OK) {
        sd_lock_release(&lock);
        sd_ctx_free(&c);
        sd_signals_restore(old);
        return rc;
    }
    sd_results_opts ro = {o->force, o->shard_index, o->shard_count};
    report->runs = sd_results_rows(sd_design_runs(c.design), &ro);
    report->groups = c.groups;

    double t0 = MPI_Wtime(), cpu0 = sd_cpu_seconds();
    int local = sd_run_phase(&c, &prev, report);
    report->seconds = MPI_Wtime() - t0;
    report->controller_cpu = sd_cpu_seconds() - cpu0;
    int sig = sd_stop_signal;
    sd_sleepy_barrier(comm);
    uint64_t counts[5] = {report->done, report->failed, report->done_before,
                          report->failed_before, report->left};
    double times[2] = {report->seconds, report->controller_cpu};
    MPI_Bcast(counts, 5, MPI_UINT64_T, 0, comm);
    MPI_Bcast(times, 2, MPI_DOUBLE, 0, comm);
    MPI_Bcast(&sig, 1, MPI_INT, 0, comm);
    report->done = counts[0];
    report->failed = counts[1];
    report->done_before = counts[2];
    report->failed_before = counts[3];
    report->left = counts[4];
    report->seconds = times[0];
    report->controller_cpu = times[1];
    report->stop_signal = sig;

    rc = sd_agree(local, comm, NULL, 0);
    /* A new file that replaces an old one (--force) does so when the sweep
     * ends: done, or stopped by a signal (then --resume continues it); after
     * an error the old file is kept, and the new runs wait beside it. */
    const char *temp = sd_results_temp_name(c.results);
    if (rc != SD_OK && temp && c.rank == 0)
        fprintf(stderr, "sendrift: %s was kept as it was; this sweep's finished runs are in %s "
                        "(continue it with --resume)\n",
                o->output, temp);
    int crc = rc == SD_OK ? sd_results_close(&c.results) : sd_results_close_keep_old(&c.results);
    if (rc == SD_OK) rc = sd_agree(crc, comm, NULL, 0);
    sd_lock_release(&lock);
    sd_signals_restore(old);
    sd_results_state_free(&prev);
    sd_ctx_free(&c);
    if (rc == SD_OK && sig && report->left > 0)
        rc = sd_error(SD_ERR_INTERRUPTED,
                      "stopped by %s: %llu of %llu runs finished, %llu left; the file is "
                      "complete up to them: continue with --resume",
                      sd_signal_name(sig),
                      (unsigned long long)(report->runs - report->left),
                      (unsigned long long)report->runs, (unsigned long long)report->left);
    return rc;
}
