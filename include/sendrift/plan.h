/* sendrift: the plan of a sweep, built once and used by check, run and merge.
 *
 * The sweep file says what to run (config.h); the plan is everything that
 * follows from it before the first run, computed in one place:
 *   - the outputs every run reports (the model's layout, from the parameters
 *     shared by all runs);
 *   - the design: run id -> design point and replicate -> parameter vector
 *     (design.h), and from there the model's parameter set of any run;
 *   - the snapshot plan: which output times are snapshot times;
 *   - the cost hint of any run (to hand out the longest first);
 *   - the memory the sweep needs on each node, checked against what the
 *     node has, in closed form and from at most SD_PLAN_MEMORY_SAMPLES
 *     design points: never a loop over runs;
 *   - the digest that ties a result file to the sweep that made it.
 *
 * `sendrift check` builds the plan exactly as `run` does, so check accepts
 * precisely what run accepts; `merge` builds it to know the file it makes.
 */
#ifndef SENDRIFT_PLAN_H
#define SENDRIFT_PLAN_H

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "sendrift/config.h"
#include "sendrift/design.h"
#include "sendrift/model.h"

typedef struct sd_plan sd_plan;

/* Design points whose memory hint is asked, at most: enough to find the
 * largest lattice of any realistic design, few enough to take well under a
 * second.  Larger designs are sampled evenly. */
#define SD_PLAN_MEMORY_SAMPLES 65536

typedef struct {
    int ranks_per_sim;   /* P: ranks of one simulation (>= 1)                */
    int worker;          /* this rank runs models (it then needs a run's
                            memory)                                          */
    int controller;      /* rank 0 keeps the run queue and per-run state
                            (run and check; merge has no queue)              */
    int check_memory;    /* check that every node can hold its ranks' share */
    int quiet;           /* no warnings on stderr                            */
} sd_plan_opts;

/* Build the plan (collective over comm; every rank gets the same plan, and
 * all return the same code).  Refuses, with a message naming what and
 * where: a design too large to keep track of (before it is made), a model
 * without snapshots asked for snapshots, snapshot times that are no output
 * times, and (check_memory) a sweep whose ranks would need more memory on a
 * node than it has.  Warns (rank 0, unless quiet) of degenerate Saltelli
 * blocks.  s must outlive the plan. */
int sd_plan_create(const sd_sweep *s, MPI_Comm comm, const sd_plan_opts *o, sd_plan **out);
void sd_plan_destroy(sd_plan **p);

const sd_sweep *sd_plan_sweep(const sd_plan *p);
const sd_design *sd_plan_design(const sd_plan *p);
const sd_layout *sd_plan_layout(const sd_plan *p);
uint64_t sd_plan_runs(const sd_plan *p);
/* The digest of the sweep and its outputs, 16 hex digits: a result file
 * records it, and --resume and merge accept only a file with the same. */
const char *sd_plan_digest(const sd_plan *p);

/* The digest of one run's parameters (every name and value), its id and
 * the sweep's seed, 16 hex digits: a run's checkpoint records it, and is
 * refused by a run whose digest differs. */
void sd_paramset_digest(const sd_paramset *p, uint64_t run, uint64_t seed, char out[17]);

/* The largest checkpoint of a run of the plan, in bytes (0 when the model
 * cannot checkpoint; an estimate from the model's state_bytes over the
 * points sampled for the memory check). */
double sd_plan_checkpoint_bytes(const sd_plan *p);

/* Everything a run needs to start: its place in the design, its parameter
 * vector x (sd_design_dim entries, owned by the caller) and the model's
 * parameter set (free with sd_paramset_free).  The one place where a run
 * id becomes parameters. */
int sd_plan_run(const sd_plan *p, uint64_t run, uint64_t *point, uint64_t *replicate,
                double *x, sd_paramset *ps);
/* The same for a design point (ps may be NULL: x only). */
int sd_plan_point(const sd_plan *p, uint64_t point, double *x, sd_paramset *ps);

/* The relative cost of a run (the model's hint; 0 without one); x is
 * scratch room for its parameter vector. */
int sd_plan_cost(const sd_plan *p, uint64_t run, double *x, double *cost);

/* Snapshots: whether output time k is a snapshot time, and whether run is
 * one whose snapshots are kept.  (The plan refuses snapshot times that are
 * not output times.) */
int sd_plan_snapshot_time(const sd_plan *p, size_t k);
int sd_plan_snapshot_run(const sd_plan *p, uint64_t run);
/* The output-time index of each snapshot time of the sweep file
 * (s->n_snap_times of them, in order). */
const size_t *sd_plan_snapshot_indices(const sd_plan *p);

/* What `sendrift check` prints: the sweep, its design, outputs, the size
 * of its result file (result_bytes, sd_results_estimate_bytes) and the
 * first runs (all of them with all). */
int sd_plan_print(const sd_plan *p, FILE *out, const char *path, int all,
                  uint64_t result_bytes);

#endif
