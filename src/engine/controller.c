/* sendrift: the controller and the worker groups (see src/engine/engine.h).
 *
 * Messages are tiny: a worker leader sends a report of its last run (id,
 * status, message) and gets back the next run id and attempt, or a stop.
 * Every rank computes a run's parameters from its id (the plan).  The calls
 * of this protocol are SD_MPI_FATAL: once one fails the ranks cannot agree
 * on anything more (see mpicheck.h).
 *
 * Stopping (a signal before a time limit): the controller hands out no more
 * runs; once the grace period is over (at once on a second signal) it tells
 * the groups still running to abandon their runs, which they notice after
 * the model's next time step (sd_run_poll_check).  An abandoned run writes
 * nothing and stays PENDING, to be redone on --resume.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

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
    double *since;            /* when the group's run was handed out        */
} sd_ctl;

static void sd_ctl_free(sd_ctl *t)
{
    free(t->req);
    free(t->abreq);
    free(t->msg);
    free(t->idx);
    free(t->busy);
    free(t->abandoned);
    free(t->since);
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
    t->since = sd_calloc(g, sizeof *t->since, "controller state");
    if (t->req && t->abreq && t->msg && t->idx && t->busy && t->abandoned && t->since)
        return SD_OK;
    sd_ctl_free(t);
    return SD_ERR_NOMEM;
}

/* Without room to keep track of the groups: answer each leader's first
 * request with a stop, so that no worker waits for ever. */
static int sd_controller_refuse(sd_ctx *c, int code)
{
    const int *lead = c->placement->leader; /* the rank that leads each group */
    for (int g = 0; g < c->groups; g++) {
        sd_report_msg m;
        long long stop[2] = {SD_STOP, 0};
        SD_MPI_FATAL(MPI_Recv(&m, (int)sizeof m, MPI_BYTE, lead[g], SD_TAG_REPORT, c->world,
                              MPI_STATUS_IGNORE));
        SD_MPI_FATAL(MPI_Send(stop, 2, MPI_LONG_LONG, lead[g], SD_TAG_ASSIGN, c->world));
    }
    return code;
}

/* Rank 0 with other ranks: hand out runs as leaders ask, sleeping between
 * polls.  Returns the first fatal error a leader reported (a failed write). */
int sd_controller(sd_ctx *c, sd_queue *q, sd_progress *pr, int fatal_in)
{
    int G = c->groups;
    const int *lead = c->placement->leader; /* the rank that leads each group */
    sd_ctl ctl;
    if (sd_ctl_alloc(&ctl, G) != SD_OK) return sd_controller_refuse(c, SD_ERR_NOMEM);
    MPI_Request *req = ctl.req, *abreq = ctl.abreq;
    sd_report_msg *msg = ctl.msg;
    int *idx = ctl.idx, *busy = ctl.busy, *abandoned = ctl.abandoned;
    int fatal = fatal_in;
    char fatal_msg[SD_RUN_MESSAGE_LEN] = "";
    if (fatal != SD_OK) snprintf(fatal_msg, sizeof fatal_msg, "%s", sd_error_message());
    for (int g = 0; g < G; g++) {
        SD_MPI_FATAL(MPI_Irecv(&msg[g], (int)sizeof msg[g], MPI_BYTE, lead[g], SD_TAG_REPORT,
                               c->world, &req[g]));
        abreq[g] = MPI_REQUEST_NULL;
    }
    int active = G, nbusy = 0, abandon_token = 0, second_noted = 0;
    double stop_at = 0, last_msg = 0;
    /* The sum of the running runs' start times: with nbusy, the time they
     * have run so far, which the progress estimate counts as work done. */
    double since_sum = 0;
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
                SD_MPI_FATAL(MPI_Isend(&abandon_token, 1, MPI_INT, lead[g], SD_TAG_ABANDON,
                                       c->world, &abreq[g]));
                abandoned[g] = 1;
            }
        }
        int outcount = 0;
        SD_MPI_FATAL(MPI_Testsome(G, req, &outcount, idx, MPI_STATUSES_IGNORE));
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
            if (busy[g]) {
                nbusy--;
                since_sum -= ctl.since[g];
            }
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
            SD_MPI_FATAL(MPI_Send(assign, 2, MPI_LONG_LONG, lead[g], SD_TAG_ASSIGN, c->world));
            if (assign[0] < 0) {
                active--;
                req[g] = MPI_REQUEST_NULL;
            } else {
                busy[g] = 1;
                nbusy++;
                ctl.since[g] = sd_now();
                since_sum += ctl.since[g];
                SD_MPI_FATAL(MPI_Irecv(&msg[g], (int)sizeof msg[g], MPI_BYTE, lead[g],
                                       SD_TAG_REPORT, c->world, &req[g]));
            }
        }
        if (nbusy == 0) since_sum = 0; /* no rounding left over */
        sd_progress_running(pr, nbusy, since_sum);
        sd_progress_update(pr, q->done, q->failed);
    }
    SD_MPI_FATAL(MPI_Waitall(G, abreq, MPI_STATUSES_IGNORE));
    sd_ctl_free(&ctl);
    if (fatal != SD_OK) return sd_error(fatal, "%s", fatal_msg);
    return SD_OK;
}

/* A worker group: ask, run, report, until told to stop. */
void sd_worker(sd_ctx *c)
{
    sd_report_msg rep;
    memset(&rep, 0, sizeof rep);
    rep.run = SD_NONE;
    for (;;) {
        long long assign[2] = {SD_STOP, 0};
        if (c->grank == 0) {
            SD_MPI_FATAL(MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, SD_TAG_REPORT, c->world));
            SD_MPI_FATAL(MPI_Recv(assign, 2, MPI_LONG_LONG, 0, SD_TAG_ASSIGN, c->world,
                                  MPI_STATUS_IGNORE));
            /* An abandon message that crossed our report: receive it. */
            if (assign[0] == SD_STOP_ABANDONED && !c->abandon_seen) {
                int dummy;
                SD_MPI_FATAL(MPI_Recv(&dummy, 1, MPI_INT, 0, SD_TAG_ABANDON, c->world,
                                      MPI_STATUS_IGNORE));
            }
        }
        SD_MPI_FATAL(MPI_Bcast(assign, 2, MPI_LONG_LONG, 0, c->group));
        if (assign[0] < 0) break;
        sd_run_and_write(c, (uint64_t)assign[0], (uint32_t)assign[1], &rep);
    }
}

/* One rank in all: run everything here. */
int sd_serial(sd_ctx *c, sd_queue *q, sd_progress *pr)
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

