/* sendrift: what the files of the plan share (private to src/plan). */
#ifndef SENDRIFT_PLANIMPL_H
#define SENDRIFT_PLANIMPL_H

#include "sendrift/plan.h"

struct sd_plan {
    const sd_sweep *s;
    sd_design *design;
    sd_layout layout;
    MPI_Comm comm;            /* the communicator it was built on (not owned) */
    int rank, size;
    sd_plan_opts o;
    size_t *snap_idx;         /* output-time index of each snapshot time     */
    unsigned char *snap_at;   /* n_times: 1 at a snapshot time               */
    char digest[17];
    double ckpt_bytes;        /* the largest run's checkpoint (memory.c)     */
};

/* The digest of a sweep and its outputs (digest.c): 16 hex digits. */
void sd_plan_make_digest(const sd_sweep *s, const sd_layout *l, char out[17]);

/* Memory (memory.c), collective over p->comm.  Before the design exists:
 * is the sweep's bookkeeping too large for a node?  After: can every node
 * hold its ranks' share of the sweep and of its largest run? */
int sd_plan_check_engine_memory(const sd_plan *p);
int sd_plan_check_memory(sd_plan *p);

#endif
