/* sendrift: will the sweep fit in memory?  (see include/sendrift/plan.h)
 *
 * Two checks, both collective over the plan's communicator and both before
 * anything large is allocated.  Before the design exists, the sweep's own
 * bookkeeping (controller queue and per-run state, design tables, run
 * buffers) is counted from the sweep file in closed form, so that a design
 * of 10^13 runs is refused at once instead of being made.  Once the design
 * exists, the model's memory hint is asked of at most SD_PLAN_MEMORY_SAMPLES
 * design points (replicates need the same), shared over the ranks, and every
 * node checks that its ranks' shares fit in what it has.
 */
#include "planimpl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"
#include "sendrift/progress.h"

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

/* Bytes this rank needs for the sweep's machinery, whatever its runs: the
 * controller's queue and per-run state, the design's tables, run buffers.
 * Known from the sweep file alone, before the design exists. */
static double sd_engine_bytes(const sd_plan *p)
{
    const sd_layout *l = &p->layout;
    double runs = (double)sd_sweep_points(p->s) * (double)p->s->replicates;
    double bytes = sd_design_table_bytes(p->s);
    if (p->rank == 0 && p->o.controller)
        bytes += runs * (4 * 8 + 2 * 4 + 16 + 5); /* queue, state */
    bytes += (double)(l->n_series * (l->n_times + 1) + l->n_summary) * 8;
    return bytes;
}

/* The totals of one node: what its ranks need (sum) and the largest run's
 * share (max), and what the node has. */
static int sd_node_totals(const sd_plan *p, double mine, double model, double *need,
                          double *largest, double *avail, int *ranks)
{
    MPI_Comm node;
    SD_MPI(MPI_Comm_split_type(p->comm, MPI_COMM_TYPE_SHARED, p->rank, MPI_INFO_NULL, &node));
    int rc = sd_mpi_rank_size(node, NULL, ranks), m;
    /* After a failed collective the ranks cannot agree on anything more:
     * the calls below are skipped and the error goes up on every rank
     * that saw it (MPI reports a broken collective to all of them). */
    if (rc == SD_OK && (m = MPI_Allreduce(&mine, need, 1, MPI_DOUBLE, MPI_SUM, node)))
        rc = sd_mpi_fail(m, "MPI_Allreduce (memory of a node)");
    if (rc == SD_OK && (m = MPI_Allreduce(&model, largest, 1, MPI_DOUBLE, MPI_MAX, node)))
        rc = sd_mpi_fail(m, "MPI_Allreduce (memory of a node)");
    *avail = sd_available_memory();
    if (rc == SD_OK && (m = MPI_Bcast(avail, 1, MPI_DOUBLE, 0, node)))
        rc = sd_mpi_fail(m, "MPI_Bcast (memory of a node)");
    /* Freeing a communicator that was made cannot fail in any way that
     * matters here: the outcome is already known. */
    MPI_Comm_free(&node);
    return rc;
}

/* Every rank of a node learns whether the node can hold what its ranks
 * need: mine (this rank's total) and model (the largest run's share). */
static int sd_node_memory(const sd_plan *p, double mine, double model, const char *model_note)
{
    double node_need = 0, node_model = 0, avail = 0;
    int node_size = 1;
    SD_CALL(sd_node_totals(p, mine, model, &node_need, &node_model, &avail, &node_size));
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
    double runs = (double)sd_sweep_points(p->s) * (double)p->s->replicates;
    return sd_error(SD_ERR_NOMEM,
                    "the sweep has %.17g runs; keeping track of them needs about %s of memory "
                    "on a node (%d rank%s), but only %s are available: make the design smaller "
                    "(fewer samples, levels or replicates)",
                    runs, need, node_size, node_size == 1 ? "" : "s", have);
}

int sd_plan_check_engine_memory(const sd_plan *p)
{
    return sd_node_memory(p, sd_engine_bytes(p), 0.0, "");
}

/* The largest memory hint of the design points this rank asks about:
 * point floor(i points / asked) for its share of i < asked. */
static int sd_model_memory(const sd_plan *p, uint64_t asked, double *largest,
                           double *largest_state)
{
    uint64_t points = sd_design_points(p->design);
    int ranks = p->size == 1 ? 1 : p->o.ranks_per_sim;
    double *x = sd_calloc(sd_design_dim(p->design) + 1, sizeof *x, "a parameter vector");
    if (!x) return SD_ERR_NOMEM;
    *largest = 0;
    *largest_state = 0;
    const sd_model_class *m = p->s->model;
    for (uint64_t i = (uint64_t)p->rank; i < asked; i += (uint64_t)p->size) {
        uint64_t point = asked == points ? i
                                         : (uint64_t)((double)i * (double)points / (double)asked);
        sd_paramset ps = {0};
        /* A point whose parameters cannot be made fails its run later,
         * with the reason; here it only does not count. */
        if (sd_plan_point(p, point, x, &ps) == SD_OK) {
            double b = m->memory ? m->memory(&ps, ranks) : 0.0;
            if (b > *largest) *largest = b;
            b = m->checkpoint && m->state_bytes ? m->state_bytes(&ps) : 0.0;
            if (b > *largest_state) *largest_state = b;
        }
        sd_paramset_free(&ps);
    }
    free(x);
    return SD_OK;
}

int sd_plan_check_memory(sd_plan *p)
{
    double model = 0;
    uint64_t points = sd_design_points(p->design), asked = points;
    const sd_model_class *m = p->s->model;
    if (m->memory || (m->checkpoint && m->state_bytes)) {
        if (asked > SD_PLAN_MEMORY_SAMPLES) asked = SD_PLAN_MEMORY_SAMPLES;
        double mine[2] = {0, 0}, all[2];
        /* Agreed before the reduction, so that no rank leaves it out. */
        SD_CALL(sd_agree(p->comm, sd_model_memory(p, asked, &mine[0], &mine[1])));
        SD_MPI(MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_MAX, p->comm));
        model = all[0];
        p->ckpt_bytes = all[1];
    }
    char note[128] = "";
    if (asked < points)
        snprintf(note, sizeof note, ", the largest of %llu of the %llu design points",
                 (unsigned long long)asked, (unsigned long long)points);
    double mine = sd_engine_bytes(p) + (p->o.worker ? model : 0.0);
    return sd_node_memory(p, mine, p->o.worker ? model : 0.0, note);
}
