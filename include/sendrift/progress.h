/* sendrift: progress of a sweep on stderr.
 *
 * On a terminal one live line is rewritten in place; otherwise (a batch
 * job's log) a plain line is printed every `interval` seconds and at the
 * end.  Notes (a failed run, a warning) are printed on their own line
 * without garbling the live line.
 */
#ifndef SENDRIFT_PROGRESS_H
#define SENDRIFT_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct sd_progress sd_progress;

/* total: runs of the sweep; done_before, failed_before: runs finished
 * before this session (they do not count towards the rate).  quiet: print
 * nothing. */
sd_progress *sd_progress_create(FILE *out, uint64_t total, uint64_t done_before,
                                uint64_t failed_before, int quiet, double interval);

/* Counts finished in this session; prints when a line is due. */
void sd_progress_update(sd_progress *p, uint64_t done, uint64_t failed);

void sd_progress_note(sd_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The final line (always printed unless quiet). */
void sd_progress_finish(sd_progress *p);

void sd_progress_destroy(sd_progress **p);

/* "1 h 02 min", "3 min 05 s", "12.3 s" */
void sd_format_duration(double seconds, char *buf, size_t n);

/* "28.6 MiB", "256.0 KiB", "88.8 PiB" */
void sd_format_bytes(double bytes, char *buf, size_t n);

/* Seconds on a monotonic clock. */
double sd_now(void);

#endif
