/* sendrift: the controller's queue of runs (see src/engine/engine.h).
 *
 * Every run not finished before, longest expected first (the model's cost
 * hint; ties and models without one by run id), then the failed runs to try
 * again while they have retries left in this session.  The cost hints are
 * kept for the progress estimate, which a report feeds with the run's wall
 * time (sd_progress_run).
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"

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

void sd_queue_free(sd_queue *q)
{
    free(q->order);
    free(q->retry);
    free(q->attempts);
    free(q->session);
    free(q->cost);
    memset(q, 0, sizeof *q);
}

/* Build the queue: every run not finished before (PENDING; FAILED too when
 * retrying), longest expected first, ties and models without a cost hint by
 * run id. */
int sd_queue_build(sd_ctx *c, const sd_results_state *prev, sd_queue *q,
                   uint64_t *done_before, uint64_t *failed_before)
{
    uint64_t runs = sd_plan_runs(c->plan);
    memset(q, 0, sizeof *q);
    *done_before = *failed_before = 0;
    q->order = sd_calloc(runs + 1, sizeof *q->order, "the run queue");
    q->retry = sd_calloc(runs + 1, sizeof *q->retry, "the retry queue");
    q->attempts = sd_calloc(runs + 1, sizeof *q->attempts, "run attempts");
    q->session = sd_calloc(runs + 1, sizeof *q->session, "run attempts");
    sd_order_item *items = sd_calloc(runs + 1, sizeof *items, "the run order");
    /* The cost hints stay for the progress estimate (sd_progress_run). */
    if (c->s->model->cost) q->cost = sd_calloc(runs + 1, sizeof *q->cost, "run cost hints");
    if (!q->order || !q->retry || !q->attempts || !q->session || !items ||
        (c->s->model->cost && !q->cost)) {
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
        rc = sd_plan_cost(c->plan, i, c->x, &items[n].cost);
        if (q->cost) q->cost[i] = items[n].cost;
        q->cost_left += items[n].cost;
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
int sd_queue_next(sd_queue *q, uint64_t *run, uint32_t *attempt)
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
void sd_queue_report(sd_queue *q, sd_progress *pr, const sd_report_msg *m, int retry)
{
    if (m->run == SD_NONE) return;
    uint64_t run = (uint64_t)m->run;
    double cost = q->cost ? q->cost[run] : 0;
    if (m->status == SD_RUN_DONE) {
        q->done++;
        sd_progress_run(pr, m->wall, cost, 1);
    } else if (m->status == SD_RUN_FAILED) {
        int again = q->session[run] <= (uint32_t)retry;
        sd_progress_run(pr, m->wall, cost, !again);
        if (again) {
            q->retry[q->n_retry++] = run;
            sd_progress_note(pr, "sendrift: run %llu failed (attempt %u), will retry: %s",
                             (unsigned long long)run, q->attempts[run], m->message);
        } else {
            q->failed++;
            /* The bar redrawn below the note shows this run counted. */
            sd_progress_update(pr, q->done, q->failed);
            sd_progress_note(pr, "sendrift: run %llu failed: %s", (unsigned long long)run,
                             m->message);
        }
    } else if (m->code == SD_ERR_INTERRUPTED) {
        sd_progress_note(pr, "sendrift: run %llu abandoned after the grace period; %s",
                         (unsigned long long)run,
                         m->checkpointed ? "it goes on from its checkpoint on --resume"
                                         : "it will be redone on --resume");
    }
}

