/* sendrift: progress lines (see include/sendrift/progress.h). */
#include "sendrift/progress.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sd_progress {
    FILE *out;
    int tty, quiet, live;     /* live: a live line is on screen          */
    double interval, start, last;
    uint64_t total, done_before, failed_before, done, failed;
};

double sd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sd_format_duration(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, n, "?");
    } else if (s < 60) {
        snprintf(buf, n, "%.1f s", s);
    } else if (s < 3600) {
        snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
    } else {
        snprintf(buf, n, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
    }
}

void sd_format_bytes(double b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    while (b >= 1024 && i < 6) {
        b /= 1024;
        i++;
    }
    snprintf(buf, n, "%.1f %s", b, unit[i]);
}

sd_progress *sd_progress_create(FILE *out, uint64_t total, uint64_t done_before,
                                uint64_t failed_before, int quiet, double interval)
{
    sd_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->out = out;
    p->tty = isatty(fileno(out));
    p->quiet = quiet;
    p->interval = interval > 0 ? interval : 10.0;
    p->start = p->last = sd_now();
    p->total = total;
    p->done_before = done_before;
    p->failed_before = failed_before;
    return p;
}

static void sd_progress_line(sd_progress *p, const char *end)
{
    double el = sd_now() - p->start;
    uint64_t finished = p->done + p->failed;
    uint64_t before = p->done_before + p->failed_before;
    uint64_t all = before + finished;
    double rate = el > 0 ? (double)finished / el : 0.0;
    char eta[32], elapsed[32];
    sd_format_duration(rate > 0 ? (double)(p->total - all) / rate : NAN, eta, sizeof eta);
    sd_format_duration(el, elapsed, sizeof elapsed);
    fprintf(p->out, "%ssendrift: %llu/%llu runs (%.1f%%): %llu done, %llu failed",
            p->tty ? "\r\033[K" : "", (unsigned long long)all, (unsigned long long)p->total,
            p->total ? 100.0 * (double)all / (double)p->total : 100.0,
            (unsigned long long)(p->done_before + p->done),
            (unsigned long long)(p->failed_before + p->failed));
    if (before) fprintf(p->out, " (%llu from before)", (unsigned long long)before);
    fprintf(p->out, "; %.1f runs/s; %s elapsed", rate, elapsed);
    if (all < p->total) fprintf(p->out, ", ETA %s", eta);
    fputs(end, p->out);
    fflush(p->out);
}

void sd_progress_update(sd_progress *p, uint64_t done, uint64_t failed)
{
    if (!p) return;
    p->done = done;
    p->failed = failed;
    if (p->quiet) return;
    double now = sd_now();
    double every = p->tty ? 0.2 : p->interval;
    if (now - p->last < every) return;
    p->last = now;
    sd_progress_line(p, p->tty ? "" : "\n");
    p->live = p->tty;
}

void sd_progress_note(sd_progress *p, const char *fmt, ...)
{
    if (p && p->quiet) return;
    FILE *out = p ? p->out : stderr;
    if (p && p->live) fputs("\r\033[K", out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    if (p && p->live) sd_progress_line(p, "");
    fflush(out);
}

void sd_progress_finish(sd_progress *p)
{
    if (!p || p->quiet) return;
    sd_progress_line(p, "\n");
    p->live = 0;
}

void sd_progress_destroy(sd_progress **p)
{
    free(*p);
    *p = NULL;
}
