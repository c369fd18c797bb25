/* sendrift: one run on a worker group (see src/engine/engine.h).
 *
 * Every rank of the group computes the run's parameters from its id (the
 * plan), creates the model on the group's communicator, advances it through
 * the output times, and the group's rank 0 (its leader) collects the rows
 * and writes them.  After every step the model asks whether to go on
 * (sd_run_poll_check): the leader decides, from a stop signal and its grace
 * period or the run's time limit, and the group learns the answer.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

/* Should the run in progress be abandoned?  Asked by the group's rank 0. */
static int sd_abandon_now(sd_ctx *c, double stop_seen)
{
    if (c->grank != 0) return 0;
    if (c->size == 1) /* alone: act on the signal directly */
        return sd_stop_signal && stop_seen > 0 && sd_now() >= stop_seen + sd_grace(c->o);
    int flag = 0;
    SD_MPI_FATAL(MPI_Iprobe(0, SD_TAG_ABANDON, c->world, &flag, MPI_STATUS_IGNORE));
    if (flag) {
        int dummy;
        SD_MPI_FATAL(MPI_Recv(&dummy, 1, MPI_INT, 0, SD_TAG_ABANDON, c->world,
                              MPI_STATUS_IGNORE));
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
    if (c->gsize > 1) SD_MPI_FATAL(MPI_Bcast(&code, 1, MPI_INT, 0, c->group));
    p->code = code;
    if (code == SD_ERR_INTERRUPTED) return sd_error(code, "abandoned after a stop signal");
    if (code == SD_ERR_TIMEOUT)
        return sd_error(code, "timeout: the run took longer than its limit of %g s "
                              "(--run-timeout, or run_timeout in the sweep file)",
                        c->o->run_timeout);
    return code;
}

/* The group agrees on rc; on failure the message of its lowest failing
 * rank goes into message. */
static int sd_group_agree(sd_ctx *c, int rc, char *message)
{
    rc = sd_agree(c->group, rc);
    if (rc != SD_OK) snprintf(message, SD_RUN_MESSAGE_LEN, "%s", sd_error_message());
    return rc;
}

/* The model's outputs at output time k: the time-series row and, where
 * wanted, the snapshot (collective over the group). */
static int sd_run_outputs(sd_ctx *c, void *state, uint64_t run, size_t k, char *message)
{
    const sd_model_class *m = c->s->model;
    size_t nt = c->layout->n_times, ns = c->layout->n_series;
    int rc = SD_OK;
    if (ns) {
        rc = sd_group_agree(c, m->observe(state, c->row), message);
        for (size_t i = 0; i < ns && rc == SD_OK; i++) c->series[i * nt + k] = c->row[i];
    }
    if (rc == SD_OK && sd_plan_snapshot_time(c->plan, k) && sd_plan_snapshot_run(c->plan, run)) {
        sd_snapshot *w = NULL;
        rc = sd_results_snapshot_open(c->results, run, k, &w);
        if (rc == SD_OK) rc = m->snapshot(state, w);
        int crc = sd_results_snapshot_close(&w);
        if (rc == SD_OK) rc = crc;
        rc = sd_group_agree(c, rc, message);
    }
    return rc;
}

/* Run `run` on the group (collective over c->group).  On return the leader
 * holds the rows in c->series and c->summary; status and message say how it
 * went (PENDING: abandoned after a stop signal). */
static void sd_run_one(sd_ctx *c, uint64_t run, sd_run_status *status, char *message,
                       double *wall)
{
    const sd_model_class *m = c->s->model;
    double t0 = sd_now();
    sd_run_poll poll = {c, t0, 0, SD_OK};
    uint64_t point, rep;
    sd_paramset ps = {0};
    void *state = NULL;
    message[0] = '\0';
    int rc = sd_group_agree(c, sd_plan_run(c->plan, run, &point, &rep, c->x, &ps), message);
    if (rc == SD_OK) {
        sd_run_info info = {run, point, rep, c->s->seed, &poll};
        rc = sd_group_agree(c, m->create(&ps, &info, c->group, &state), message);
    }
    const sd_layout *l = c->layout;
    for (size_t k = 0; k < l->n_times && rc == SD_OK; k++) {
        rc = sd_run_poll_check(&poll);
        if (rc == SD_OK) rc = m->advance(state, l->times[k]);
        rc = sd_agree(c->group, rc);
        if (rc != SD_OK) {
            sd_error_prefix(rc, "at t = %g", l->times[k]);
            snprintf(message, SD_RUN_MESSAGE_LEN, "%s", sd_error_message());
            break;
        }
        rc = sd_run_outputs(c, state, run, k, message);
    }
    if (rc == SD_OK) rc = sd_group_agree(c, m->summarize(state, c->summary), message);
    if (state) m->destroy(state);
    sd_paramset_free(&ps);
    *wall = sd_now() - t0;
    *status = rc == SD_OK ? SD_RUN_DONE : rc == SD_ERR_INTERRUPTED ? SD_RUN_PENDING : SD_RUN_FAILED;
    if (rc != SD_OK && !message[0])
        snprintf(message, SD_RUN_MESSAGE_LEN, "%s", sd_error_name(rc));
}

void sd_run_and_write(sd_ctx *c, uint64_t run, uint32_t attempt, sd_report_msg *rep)
{
    sd_run_status st;
    double wall;
    memset(rep, 0, sizeof *rep);
    rep->run = (long long)run;
    sd_run_one(c, run, &st, rep->message, &wall);
    rep->wall = wall;
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
