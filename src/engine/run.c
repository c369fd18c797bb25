/* sendrift: one run on a worker group (see src/engine/engine.h).
 *
 * Every rank of the group computes the run's parameters from its id (the
 * plan), creates the model on the group's communicator, advances it through
 * the output times, and the group's rank 0 (its leader) collects the rows
 * and writes them.  After every step the model asks whether to go on
 * (sd_run_poll_check): the leader decides, from a stop signal and its grace
 * period or the run's time limit, and the group learns the answer.  The
 * same poll writes the run's checkpoints (include/sendrift/checkpoint.h):
 * every checkpoint_every seconds of the run's wall time, at a stop signal,
 * and when the run is abandoned; a run that has one goes on from it.
 */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sendrift/checkpoint.h"
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
    /* Checkpoints (none while state is NULL). */
    void *state;              /* the model's state, once created             */
    uint64_t run;
    size_t k;                 /* the output the run is heading for           */
    double before;            /* the run's wall time in earlier sessions     */
    double last;              /* when the last checkpoint was written        */
    int stop_done;            /* the checkpoint at the stop signal is written */
    int saved;                /* the run has a checkpoint to go on from      */
    sd_checkpoint_id id;
    char path[4200];
};

/* Why a checkpoint is written now (0: none). */
enum { SD_CKPT_NONE = 0, SD_CKPT_EVERY, SD_CKPT_STOP, SD_CKPT_ABANDON };

/* Whether to write a checkpoint at this poll (the group's rank 0). */
static int sd_poll_checkpoint(const sd_run_poll *p, int code, double now)
{
    const sd_ctx *c = p->c;
    /* A poll comes after a step (or before the first): every one may save. */
    if (!p->state || !c->s->model->checkpoint) return SD_CKPT_NONE;
    if (code == SD_ERR_INTERRUPTED) return SD_CKPT_ABANDON;
    if (code != SD_OK) return SD_CKPT_NONE;
    if (sd_stop_signal && !p->stop_done) return SD_CKPT_STOP;
    if (c->o->checkpoint_every > 0 && now - p->last >= c->o->checkpoint_every)
        return SD_CKPT_EVERY;
    return SD_CKPT_NONE;
}

/* Write the run's checkpoint (collective over the group).  A failure (a
 * full disk) costs the checkpoint only: the run goes on. */
static void sd_run_checkpoint(sd_run_poll *p, int why)
{
    sd_ctx *c = p->c;
    const sd_layout *l = c->layout;
    sd_checkpoint_engine e = {p->k, p->before + (sd_now() - p->start), l->n_series,
                              l->n_times, c->series,
                              (uint64_t)sd_plan_checkpoint_bytes(c->plan)};
    sd_checkpoint_stats st = {0, 0};
    int rc = sd_checkpoint_write(p->path, c->group, &p->id, &e, c->s->model, p->state, &st);
    p->last = sd_now();
    p->saved |= rc == SD_OK; /* a failure leaves the older one */
    if (why == SD_CKPT_STOP) p->stop_done = 1;
    if (c->grank != 0) return;
    if (rc != SD_OK) {
        fprintf(stderr,
                "sendrift: run %llu: checkpoint failed: %s; the run goes on (the previous "
                "checkpoint is kept)\n",
                (unsigned long long)p->run, sd_error_message());
    } else if (why != SD_CKPT_EVERY && !c->o->quiet) {
        char b[32];
        sd_format_bytes((double)st.bytes, b, sizeof b);
        fprintf(stderr, "sendrift: run %llu: checkpoint written %s (%s, %.3g s)\n",
                (unsigned long long)p->run,
                why == SD_CKPT_STOP ? "at the stop signal" : "as it is abandoned", b, st.seconds);
    }
}

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
    int v[2] = {p->code, SD_CKPT_NONE};
    if (v[0] == SD_OK && c->grank == 0) {
        v[0] = sd_poll_decide(p);
        v[1] = sd_poll_checkpoint(p, v[0], sd_now());
    }
    if (c->gsize > 1) SD_MPI_FATAL(MPI_Bcast(v, 2, MPI_INT, 0, c->group));
    int code = p->code = v[0];
    if (v[1] != SD_CKPT_NONE) sd_run_checkpoint(p, v[1]);
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

/* Go on from the run's checkpoint, when it has one (collective over the
 * group; the run was just created).  *k0 receives the output to head for.
 * A checkpoint of another run, design, model version or parameter set is
 * refused, and one that cannot be read is ignored: the run then starts
 * from t = 0 (recreated, in case it was half restored), and its own
 * checkpoints replace that file.  Fails only when the run cannot be made. */
static int sd_run_restore(sd_ctx *c, sd_run_poll *poll, const sd_paramset *ps,
                          const sd_run_info *info, void **state, size_t *k0, char *message)
{
    const sd_model_class *m = c->s->model;
    const sd_layout *l = c->layout;
    int exists = c->grank == 0 && access(poll->path, F_OK) == 0;
    if (c->gsize > 1) SD_MPI_FATAL(MPI_Bcast(&exists, 1, MPI_INT, 0, c->group));
    *k0 = 0;
    if (!exists) return SD_OK;
    sd_checkpoint_engine e = {0, 0, l->n_series, l->n_times, c->series, 0};
    int rc = sd_checkpoint_read(poll->path, c->group, &poll->id, &e, m, *state, NULL);
    if (rc == SD_OK) {
        *k0 = (size_t)e.output_index;
        poll->before = e.run_seconds;
        poll->saved = 1;
        if (c->grank == 0 && !c->o->quiet)
            fprintf(stderr,
                    "sendrift: run %llu: continuing from its checkpoint %s (%.3g s of run "
                    "time, output %llu of %zu)\n",
                    (unsigned long long)poll->run, poll->path, e.run_seconds,
                    (unsigned long long)e.output_index, l->n_times);
        return SD_OK;
    }
    if (c->grank == 0)
        fprintf(stderr, "sendrift: run %llu: checkpoint %s %s: %s; the run starts from t = 0\n",
                (unsigned long long)poll->run, poll->path,
                rc == SD_ERR_INPUT ? "refused" : "unreadable", sd_error_message());
    if (rc == SD_ERR_INPUT) return SD_OK; /* nothing was changed */
    m->destroy(*state);
    *state = NULL;
    return sd_group_agree(c, m->create(ps, info, c->group, state), message);
}

/* Run `run` on the group (collective over c->group).  On return the leader
 * holds the rows in c->series and c->summary; status and message say how it
 * went (PENDING: abandoned after a stop signal). */
static void sd_run_one(sd_ctx *c, uint64_t run, sd_run_status *status, char *message,
                       double *wall, int *checkpointed)
{
    const sd_model_class *m = c->s->model;
    double t0 = sd_now();
    sd_run_poll poll;
    memset(&poll, 0, sizeof poll);
    poll.c = c;
    poll.start = poll.last = t0;
    poll.run = run;
    uint64_t point = 0, rep = 0;
    sd_paramset ps = {0};
    void *state = NULL;
    size_t k0 = 0;
    message[0] = '\0';
    int rc = sd_group_agree(c, sd_plan_run(c->plan, run, &point, &rep, c->x, &ps), message);
    sd_run_info info = {run, point, rep, c->s->seed, &poll, c->s->streams_paired ? rep : run};
    if (rc == SD_OK) rc = sd_group_agree(c, m->create(&ps, &info, c->group, &state), message);
    if (rc == SD_OK && m->checkpoint) {
        poll.id = (sd_checkpoint_id){m->name, m->state_version, sd_plan_digest(c->plan), "", run};
        sd_paramset_digest(&ps, run, c->s->seed, poll.id.params_digest);
        if (!sd_checkpoint_path(c->o->output, run, poll.path, sizeof poll.path))
            rc = sd_group_agree(c, sd_error(SD_ERR_INPUT, "%s: too long a name for checkpoints",
                                            c->o->output),
                                message);
        if (rc == SD_OK) rc = sd_run_restore(c, &poll, &ps, &info, &state, &k0, message);
        poll.state = state;
    }
    const sd_layout *l = c->layout;
    for (size_t k = k0; k < l->n_times && rc == SD_OK; k++) {
        poll.k = k;
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
    *wall = poll.before + (sd_now() - t0);
    *checkpointed = poll.saved;
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
    sd_run_one(c, run, &st, rep->message, &wall, &rep->checkpointed);
    rep->wall = wall;
    rep->status = st;
    rep->code = st == SD_RUN_DONE ? SD_OK : st == SD_RUN_PENDING ? SD_ERR_INTERRUPTED : SD_ERR_MODEL;
    if (c->grank != 0) return;
    if (st == SD_RUN_PENDING) {
        /* Abandoned: no rows, but the attempt counts (the next session
         * reads it), and the run stays PENDING.  The sweep is stopping
         * anyway: a failure here only loses that count. */
        if (sd_results_write_run(c->results, run, NULL, NULL, wall, c->group_id, attempt,
                                 SD_RUN_PENDING, "") != SD_OK)
            fprintf(stderr, "sendrift: warning: run %llu: its attempt count was not recorded: %s\n",
                    (unsigned long long)run, sd_error_message());
        return;
    }
    int wrc = sd_results_write_run(c->results, run,
                                   st == SD_RUN_DONE && c->s->output_timeseries ? c->series : NULL,
                                   st == SD_RUN_DONE ? c->summary : NULL, wall, c->group_id,
                                   attempt, st, st == SD_RUN_DONE ? "" : rep->message);
    if (wrc != SD_OK) {
        /* The rows did not land: the sweep cannot go on safely. */
        rep->code = wrc;
        rep->status = SD_RUN_PENDING;
        snprintf(rep->message, sizeof rep->message, "%s", sd_error_message());
        return;
    }
    /* Finished, done or failed: its checkpoint has served. */
    char path[4200];
    if (c->s->model->checkpoint && sd_checkpoint_path(c->o->output, run, path, sizeof path) &&
        unlink(path) != 0 && errno != ENOENT)
        fprintf(stderr, "sendrift: warning: run %llu: cannot remove its checkpoint %s: %s\n",
                (unsigned long long)run, path, strerror(errno));
}
