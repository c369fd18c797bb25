/* sendrift: the controller and the worker groups (see include/sendrift/sweep.h).
 *
 * Messages are tiny: a worker leader sends a report of its last run (id,
 * status, message) and gets back the next run id, or SD_STOP.  Every rank
 * computes a run's parameters from its id.
 */
#include "sendrift/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sendrift/progress.h"
#include "sendrift/results.h"

enum { SD_TAG_REPORT = 101, SD_TAG_ASSIGN = 102 };

#define SD_STOP (-1LL)
#define SD_NONE (-1LL)

/* What a leader tells the controller about its last run. */
typedef struct {
    long long run;            /* SD_NONE on the first request               */
    int status;               /* sd_run_status                              */
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
    double *series;           /* n_series x n_times                          */
    double *row;              /* n_series                                    */
    double *summary;          /* n_summary                                   */
    double *x;                /* D                                           */
} sd_ctx;

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
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 2000000) ns *= 2;
    }
}

/* ---- one run -------------------------------------------------------------- */

/* Run `run` on the group (collective over c->group).  On return the leader
 * holds the rows in c->series and c->summary; status and message say how it
 * went.  Only a failure of the machinery (not of the model) returns non-zero. */
static int sd_run_one(sd_ctx *c, uint64_t run, sd_run_status *status, char *message,
                      double *wall)
{
    const sd_model_class *m = c->s->model;
    double t0 = MPI_Wtime();
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

    sd_run_info info = {run, point, rep, c->s->seed};
    rc = m->create(&ps, &info, c->group, &state);
    rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
    size_t nt = c->layout.n_times, ns = c->layout.n_series;
    for (size_t k = 0; k < nt && rc == SD_OK; k++) {
        rc = m->advance(state, c->layout.times[k]);
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
    }
    if (rc == SD_OK) {
        rc = m->summarize(state, c->summary);
        rc = sd_agree(rc, c->group, message, SD_RUN_MESSAGE_LEN);
    }
    if (state) m->destroy(state);
out:
    sd_paramset_free(&ps);
    *wall = MPI_Wtime() - t0;
    *status = rc == SD_OK ? SD_RUN_DONE : SD_RUN_FAILED;
    if (rc != SD_OK && !message[0])
        snprintf(message, SD_RUN_MESSAGE_LEN, "%s", sd_error_name(rc));
    return SD_OK;
}

/* Run and record; fills the report for the controller (leader only). */
static void sd_run_and_write(sd_ctx *c, uint64_t run, sd_report_msg *rep)
{
    sd_run_status st;
    double wall;
    memset(rep, 0, sizeof *rep);
    rep->run = (long long)run;
    sd_run_one(c, run, &st, rep->message, &wall);
    rep->status = st;
    rep->code = st == SD_RUN_DONE ? SD_OK : SD_ERR_MODEL;
    if (c->grank != 0) return;
    int wrc = sd_results_write_run(c->results, run,
                                   st == SD_RUN_DONE && c->s->output_timeseries ? c->series : NULL,
                                   st == SD_RUN_DONE ? c->summary : NULL, wall, c->group_id,
                                   st, st == SD_RUN_DONE ? "" : rep->message);
    if (wrc != SD_OK) {
        /* The rows did not land: the sweep cannot go on safely. */
        rep->code = wrc;
        rep->status = SD_RUN_FAILED;
        snprintf(rep->message, sizeof rep->message, "%s", sd_error_message());
    }
}

/* ---- the controller ------------------------------------------------------- */

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

/* The order in which runs are handed out: longest expected first, ties (and
 * models without a cost hint) by run id. */
static int sd_run_order(sd_ctx *c, uint64_t **out)
{
    uint64_t n = sd_design_runs(c->design);
    uint64_t *order = sd_calloc(n + 1, sizeof *order, "the run order");
    if (!order) return SD_ERR_NOMEM;
    if (!c->s->model->cost) {
        for (uint64_t i = 0; i < n; i++) order[i] = i;
        *out = order;
        return SD_OK;
    }
    sd_order_item *items = sd_calloc(n + 1, sizeof *items, "the run order");
    if (!items) {
        free(order);
        return SD_ERR_NOMEM;
    }
    int rc = SD_OK;
    for (uint64_t i = 0; i < n && rc == SD_OK; i++) {
        uint64_t point, rep;
        sd_paramset ps = {0};
        sd_design_split(c->design, i, &point, &rep);
        rc = sd_design_point(c->design, point, c->x);
        if (rc == SD_OK) rc = sd_sweep_run_params(c->s, c->x, &ps);
        items[i].run = i;
        items[i].cost = rc == SD_OK ? c->s->model->cost(&ps) : 0;
        sd_paramset_free(&ps);
    }
    qsort(items, n, sizeof *items, sd_order_cmp);
    for (uint64_t i = 0; i < n; i++) order[i] = items[i].run;
    free(items);
    if (rc != SD_OK) {
        free(order);
        return rc;
    }
    *out = order;
    return SD_OK;
}

static double sd_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void sd_note_report(sd_progress *pr, const sd_report_msg *m, uint64_t *done,
                           uint64_t *failed)
{
    if (m->run == SD_NONE) return;
    if (m->status == SD_RUN_DONE) {
        (*done)++;
    } else {
        (*failed)++;
        sd_progress_note(pr, "sendrift: run %lld failed: %s", m->run, m->message);
    }
}

/* Rank 0 with other ranks: hand out runs as leaders ask, sleeping between
 * polls.  Returns the first fatal error a leader reported (a failed write). */
static int sd_controller(sd_ctx *c, const uint64_t *order, uint64_t n, sd_progress *pr,
                         uint64_t *done, uint64_t *failed)
{
    int G = c->groups;
    int P = c->o->ranks_per_sim;
    MPI_Request *req = sd_calloc((size_t)G, sizeof *req, "controller requests");
    sd_report_msg *msg = sd_calloc((size_t)G, sizeof *msg, "controller messages");
    int *idx = sd_calloc((size_t)G, sizeof *idx, "controller indices");
    if (!req || !msg || !idx) {
        free(req);
        free(msg);
        free(idx);
        return SD_ERR_NOMEM;
    }
    int fatal = SD_OK;
    char fatal_msg[SD_RUN_MESSAGE_LEN] = "";
    for (int g = 0; g < G; g++)
        MPI_Irecv(&msg[g], (int)sizeof msg[g], MPI_BYTE, 1 + g * P, SD_TAG_REPORT, c->world,
                  &req[g]);
    uint64_t next = 0;
    int active = G;
    long ns = 1000;
    while (active > 0) {
        int outcount = 0;
        MPI_Testsome(G, req, &outcount, idx, MPI_STATUSES_IGNORE);
        if (outcount == MPI_UNDEFINED) break;
        if (outcount == 0) {
            /* Nothing yet: sleep, longer and longer up to 1 ms. */
            struct timespec ts = {0, ns};
            nanosleep(&ts, NULL);
            if (ns < 1000000) ns *= 2;
            sd_progress_update(pr, *done, *failed);
            continue;
        }
        ns = 1000;
        for (int k = 0; k < outcount; k++) {
            int g = idx[k];
            sd_note_report(pr, &msg[g], done, failed);
            if (msg[g].code != SD_OK && msg[g].code != SD_ERR_MODEL && fatal == SD_OK) {
                fatal = msg[g].code;
                snprintf(fatal_msg, sizeof fatal_msg, "%s", msg[g].message);
            }
            long long assign = (next < n && fatal == SD_OK) ? (long long)order[next++] : SD_STOP;
            MPI_Send(&assign, 1, MPI_LONG_LONG, 1 + g * P, SD_TAG_ASSIGN, c->world);
            if (assign == SD_STOP) {
                active--;
                req[g] = MPI_REQUEST_NULL;
            } else {
                MPI_Irecv(&msg[g], (int)sizeof msg[g], MPI_BYTE, 1 + g * P, SD_TAG_REPORT,
                          c->world, &req[g]);
            }
        }
        sd_progress_update(pr, *done, *failed);
    }
    free(req);
    free(msg);
    free(idx);
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
        long long run = SD_STOP;
        if (c->grank == 0) {
            MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, SD_TAG_REPORT, c->world);
            MPI_Recv(&run, 1, MPI_LONG_LONG, 0, SD_TAG_ASSIGN, c->world, MPI_STATUS_IGNORE);
        }
        MPI_Bcast(&run, 1, MPI_LONG_LONG, 0, c->group);
        if (run == SD_STOP) break;
        sd_run_and_write(c, (uint64_t)run, &rep);
    }
}

/* One rank in all: run everything here. */
static int sd_serial(sd_ctx *c, const uint64_t *order, uint64_t n, sd_progress *pr,
                     uint64_t *done, uint64_t *failed)
{
    for (uint64_t i = 0; i < n; i++) {
        sd_report_msg rep;
        sd_run_and_write(c, order[i], &rep);
        sd_note_report(pr, &rep, done, failed);
        if (rep.code != SD_OK && rep.code != SD_ERR_MODEL) return sd_error(rep.code, "%s", rep.message);
        sd_progress_update(pr, *done, *failed);
    }
    return SD_OK;
}

/* ---- set-up and the whole sweep ------------------------------------------- */

static int sd_ctx_setup(sd_ctx *c)
{
    int rc = sd_design_create(c->s, &c->design);
    sd_paramset base = {0};
    if (rc == SD_OK) rc = sd_sweep_base_params(c->s, &base);
    if (rc == SD_OK) rc = c->s->model->layout(&base, &c->layout);
    sd_paramset_free(&base);
    if (rc != SD_OK) return rc;
    size_t nt = c->layout.n_times, ns = c->layout.n_series;
    c->series = sd_calloc(ns * nt + 1, sizeof(double), "time-series rows");
    c->row = sd_calloc(ns + 1, sizeof(double), "a time-series row");
    c->summary = sd_calloc(c->layout.n_summary + 1, sizeof(double), "summary values");
    c->x = sd_calloc(sd_design_dim(c->design) + 1, sizeof(double), "a parameter vector");
    if (!c->series || !c->row || !c->summary || !c->x) return SD_ERR_NOMEM;
    return SD_OK;
}

static void sd_ctx_free(sd_ctx *c)
{
    free(c->series);
    free(c->row);
    free(c->summary);
    free(c->x);
    sd_layout_free(&c->layout);
    sd_design_destroy(&c->design);
    if (c->group != MPI_COMM_NULL) MPI_Comm_free(&c->group);
}

int sd_sweep_run(const sd_sweep *s, MPI_Comm comm, const sd_sweep_opts *o,
                 sd_sweep_report *report)
{
    sd_ctx c;
    memset(&c, 0, sizeof c);
    memset(report, 0, sizeof *report);
    c.s = s;
    c.o = o;
    c.world = comm;
    c.group = MPI_COMM_NULL;
    MPI_Comm_rank(comm, &c.rank);
    MPI_Comm_size(comm, &c.size);

    int idle = 0;
    char msg[512];
    int rc = sd_sweep_layout(c.size, o->ranks_per_sim, &c.groups, &idle, msg, sizeof msg);
    if (rc != SD_OK) return sd_error(rc, "%s", msg);
    if (idle && c.rank == 0 && !o->quiet) fprintf(stderr, "sendrift: warning: %s\n", msg);

    /* Groups: the controller alone (or, with one rank, the whole group). */
    int P = o->ranks_per_sim;
    int color = c.size == 1 ? 0 : c.rank == 0 ? MPI_UNDEFINED : (c.rank - 1) / P;
    if (c.size > 1 && c.rank > 0 && color >= c.groups) color = MPI_UNDEFINED;
    MPI_Comm_split(comm, color, c.rank, &c.group);
    c.group_id = color == MPI_UNDEFINED ? -1 : color;
    if (c.group != MPI_COMM_NULL) {
        MPI_Comm_rank(c.group, &c.grank);
        MPI_Comm_size(c.group, &c.gsize);
    }

    rc = sd_agree(sd_ctx_setup(&c), comm, NULL, 0);
    if (rc == SD_OK) {
        sd_results_opts ro = {o->force};
        rc = sd_results_create(o->output, comm, s, c.design, &c.layout, &ro, &c.results);
    }
    if (rc != SD_OK) {
        sd_ctx_free(&c);
        return rc;
    }

    uint64_t n = sd_design_runs(c.design), done = 0, failed = 0;
    report->runs = n;
    report->groups = c.groups;
    double t0 = MPI_Wtime(), cpu0 = sd_cpu_seconds();
    int local = SD_OK;
    if (c.rank == 0) {
        uint64_t *order = NULL;
        sd_progress *pr = sd_progress_create(stderr, n, 0, o->quiet, o->progress_interval);
        local = sd_run_order(&c, &order);
        if (local != SD_OK) {
            /* The workers still wait for ids: tell them to stop. */
            uint64_t none = 0;
            if (c.size > 1) sd_controller(&c, order, none, pr, &done, &failed);
        } else if (c.size == 1) {
            local = sd_serial(&c, order, n, pr, &done, &failed);
        } else {
            local = sd_controller(&c, order, n, pr, &done, &failed);
        }
        report->done = done;
        report->failed = failed;
        sd_progress_finish(pr);
        sd_progress_destroy(&pr);
        free(order);
    } else if (c.group != MPI_COMM_NULL) {
        sd_worker(&c);
    }
    report->seconds = MPI_Wtime() - t0;
    report->controller_cpu = sd_cpu_seconds() - cpu0;
    sd_sleepy_barrier(comm);
    MPI_Bcast(&report->done, 1, MPI_UINT64_T, 0, comm);
    MPI_Bcast(&report->failed, 1, MPI_UINT64_T, 0, comm);
    MPI_Bcast(&report->seconds, 1, MPI_DOUBLE, 0, comm);
    MPI_Bcast(&report->controller_cpu, 1, MPI_DOUBLE, 0, comm);

    rc = sd_agree(local, comm, NULL, 0);
    int crc = sd_results_close(&c.results);
    if (rc == SD_OK) rc = sd_agree(crc, comm, NULL, 0);
    sd_ctx_free(&c);
    return rc;
}
