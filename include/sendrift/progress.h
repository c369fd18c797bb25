/* sendrift: progress of a sweep on stderr.
 *
 * Three ways to show it (--progress):
 *   bar    one live line, a bar with counts, rate and ETA, rewritten in place
 *          (carriage return) at most 5 times a second; the last one ends
 *          with a newline.
 *   lines  plain lines, for a batch job's log: one when the sweep starts,
 *          one as soon as the first run of this session finishes, then one
 *          every `interval` seconds, and one at the end.
 *   none   no progress lines; notes (a failed run, a warning) still appear.
 * The default (auto) is the bar when stderr is a terminal, also under
 * mpirun, where the controller's stderr is a pipe to the launcher (see
 * sd_progress_terminal), and lines otherwise.  quiet prints nothing at all.
 *
 * The rate and ETA come from the runs' wall times (what the result file
 * records as wall_seconds) as soon as one run has finished: the groups do
 * W seconds of run work per second of the sweep (the finished runs' wall
 * times plus the time the running ones have run so far, over the elapsed
 * time), and the runs left need their expected wall times, from the
 * model's cost hints where it has them (seconds per unit of cost of the
 * finished runs), else the mean wall time of a finished run.  Notes are
 * printed on their own line without garbling the live line.
 */
#ifndef SENDRIFT_PROGRESS_H
#define SENDRIFT_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct sd_progress sd_progress;

typedef enum {
    SD_PROGRESS_AUTO = 0,     /* the bar on a terminal, lines otherwise      */
    SD_PROGRESS_BAR,
    SD_PROGRESS_LINES,
    SD_PROGRESS_NONE
} sd_progress_mode;

/* "bar", "lines", "none" (and "auto").  SD_ERR_INPUT, naming `what` (the
 * option) and the allowed values, for anything else. */
int sd_progress_mode_parse(const char *what, const char *text, sd_progress_mode *mode);

/* Is `out` a terminal, directly or through the MPI launcher this process
 * runs under?  When out is a pipe (or socket), the parent processes are
 * walked up (through /proc, at most 16) to the first launcher (mpirun,
 * mpiexec, orterun, prterun, srun, ...); out counts as that launcher's
 * terminal when the launcher's stderr is a terminal and the launcher, or a
 * process between it and us, holds the other end of our pipe (so a pipe
 * to `tee` does not count).  Ranks on other nodes than the launcher's, and
 * srun's ranks (below slurmstepd), find none.  *cols: the terminal's width
 * (0 when unknown); may be NULL. */
int sd_progress_terminal(FILE *out, int *cols);

typedef struct {
    sd_progress_mode mode;
    int quiet;                /* print nothing (notes neither)               */
    double interval;          /* seconds between plain lines (10 when <= 0)  */
    uint64_t total;           /* runs of the sweep                           */
    uint64_t done_before;     /* finished before this session (--resume): */
    uint64_t failed_before;   /* they do not count towards the rate          */
    double cost_left;         /* the runs to run: the sum of their cost hints
                                 (0: the model has none)                     */
    uint64_t from_checkpoints; /* runs to run that go on from a checkpoint   */
} sd_progress_opts;

sd_progress *sd_progress_create(FILE *out, const sd_progress_opts *o);

/* The first line, at once: the runs, the runs finished before (resume:
 * the output file's name), the runs to run and the worker groups (of P
 * ranks). */
void sd_progress_start(sd_progress *p, const char *resumed_file, uint64_t to_run, int groups,
                       int P);

/* A run of this session ended (done, or failed for good or to be retried):
 * its wall time, and its cost hint (0: none).  final: it will not run again
 * (its cost is no longer left). */
void sd_progress_run(sd_progress *p, double wall, double cost, int final);

/* The runs running now: how many and the sum of their start times
 * (sd_now), so that the time they have run so far counts as work done. */
void sd_progress_running(sd_progress *p, int n, double start_sum);

/* Counts finished in this session; prints when a line is due. */
void sd_progress_update(sd_progress *p, uint64_t done, uint64_t failed);

void sd_progress_note(sd_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The final line (unless none or quiet). */
void sd_progress_finish(sd_progress *p);

void sd_progress_destroy(sd_progress **p);

/* "1 h 02 min", "3 min 05 s", "12.3 s" */
void sd_format_duration(double seconds, char *buf, size_t n);

/* "28.6 MiB", "256.0 KiB", "88.8 PiB" */
void sd_format_bytes(double bytes, char *buf, size_t n);

/* Seconds on a monotonic clock. */
double sd_now(void);

#endif
