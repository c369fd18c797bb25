/* sendrift: running a sweep (the controller and the worker groups).
 *
 * Rank 0 of the communicator is the controller; the other ranks form worker
 * groups of P ranks, node by node, a group never spanning two nodes
 * (include/sendrift/placement.h).  The controller hands out run ids,
 * longest expected first when the model gives a cost hint, one at a time as
 * groups ask; a group's leader broadcasts the id to its group, the group
 * runs the model, and the leader writes the run's rows.  The controller
 * sleeps between polls instead of spinning.  With one rank in total, that
 * rank does both jobs.
 */
#ifndef SENDRIFT_SWEEP_H
#define SENDRIFT_SWEEP_H

#include <mpi.h>
#include <stdint.h>

#include "sendrift/config.h"
#include "sendrift/design.h"

typedef struct {
    const char *output;       /* result file path                           */
    int ranks_per_sim;        /* P >= 1                                     */
    int force;                /* overwrite an existing result file          */
    int quiet;                /* no progress output                         */
    double progress_interval; /* seconds between plain progress lines       */
    int progress;             /* sd_progress_mode: auto (0), bar, lines, none */
    int resume;               /* continue the sweep in an existing file     */
    int retry;                /* re-attempt a failed run up to this often   */
    double grace;             /* seconds running runs may take after a stop
                                 signal before they are abandoned           */
    double run_timeout;       /* seconds a run may take before it is stopped
                                 and recorded FAILED ("timeout"); 0: the
                                 sweep file's run_timeout, or no limit      */
    double checkpoint_every;  /* seconds of a run's wall time between its
                                 checkpoints; 0: the sweep file's
                                 checkpoint_every, or only at a stop signal */
    uint64_t shard_index;     /* --shard I/N: run only the runs with        */
    uint64_t shard_count;     /* run % N == I, into a file of their own     */
} sd_sweep_opts;

/* Signals that stop a sweep cleanly: no new runs are handed out, running
 * ones get `grace` seconds to finish, the file is made durable, and
 * sd_sweep_run returns SD_ERR_INTERRUPTED (the command exits with
 * SD_EXIT_REQUEUE).  Slurm sends one of these before a time limit. */
#define SD_STOP_SIGNALS "SIGTERM, SIGUSR1, SIGINT"

/* Catch the stop signals from now on (a program calls it first thing, so
 * that a signal that arrives while the sweep is being set up is not lost:
 * the sweep then stops before its first run). */
void sd_sweep_catch_signals(void);

typedef struct {
    uint64_t runs;            /* runs in the sweep (in this shard)          */
    uint64_t done, failed;    /* finished in this session                   */
    uint64_t done_before;     /* --resume: done in earlier sessions         */
    uint64_t failed_before;   /* --resume: failed earlier, not retried      */
    uint64_t left;            /* runs not finished when the sweep stopped   */
    int stop_signal;          /* the signal that stopped it (0: none)       */
    int groups;               /* worker groups                              */
    double seconds;           /* wall time of the run phase                 */
    double controller_cpu;    /* CPU seconds used by rank 0 in that phase   */
} sd_sweep_report;

/* Run the whole sweep on comm (collective).  Returns SD_OK when every run
 * finished (some may have failed: see report->failed), an error otherwise;
 * the same code on every rank. */
int sd_sweep_run(const sd_sweep *s, MPI_Comm comm, const sd_sweep_opts *opts,
                 sd_sweep_report *report);

/* How ranks are laid out on one node: groups of P after the controller
 * (with one rank, one group of it).  idle: worker ranks left over.
 * SD_ERR_INPUT, with the message, when world_size ranks cannot make one
 * group of P.  Several nodes: sd_placement_groups (placement.h). */
int sd_sweep_layout(int world_size, int P, int *groups, int *idle);

#endif
