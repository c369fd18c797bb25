/* sendrift: progress lines (see include/sendrift/progress.h). */
#include "sendrift/progress.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sendrift/error.h"

#define SD_BAR_WIDTH 20
#define SD_BAR_EVERY 0.2      /* seconds between redraws of the live bar    */

struct sd_progress {
    FILE *out;
    sd_progress_mode mode;    /* BAR, LINES or NONE (never AUTO)             */
    int quiet, live;          /* live: the bar is on screen                  */
    int cols;                 /* the terminal's width (0: unknown)           */
    int first_shown;          /* the line after the first finished run       */
    double interval, start, last;
    uint64_t total, done_before, failed_before, done, failed;
    uint64_t from_checkpoints;
    /* The estimate: runs ended in this session with their wall times and
     * cost hints, the cost hints of the runs left, the runs running now. */
    uint64_t ended;
    double wall_sum, cost_sum, cost_left;
    int running;
    double start_sum;
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

int sd_progress_mode_parse(const char *what, const char *text, sd_progress_mode *mode)
{
    static const char *const names[] = {"auto", "bar", "lines", "none"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *mode = (sd_progress_mode)i;
            return SD_OK;
        }
    }
    return sd_error(SD_ERR_INPUT, "%s: \"%s\" is not one of bar, lines, none (or auto: the bar "
                                  "on a terminal, lines otherwise)",
                    what, text);
}

sd_progress *sd_progress_create(FILE *out, const sd_progress_opts *o)
{
    sd_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->out = out;
    p->quiet = o->quiet;
    p->mode = o->quiet ? SD_PROGRESS_NONE : o->mode;
    int cols = 0;
    if (p->mode == SD_PROGRESS_AUTO)
        p->mode = sd_progress_terminal(out, &cols) ? SD_PROGRESS_BAR : SD_PROGRESS_LINES;
    else if (p->mode == SD_PROGRESS_BAR)
        (void)sd_progress_terminal(out, &cols);
    p->cols = cols;
    p->interval = o->interval > 0 ? o->interval : 10.0;
    p->start = p->last = sd_now();
    p->total = o->total;
    p->done_before = o->done_before;
    p->failed_before = o->failed_before;
    p->cost_left = o->cost_left;
    p->from_checkpoints = o->from_checkpoints;
    return p;
}

void sd_progress_run(sd_progress *p, double wall, double cost, int final)
{
    if (!p || !(wall >= 0)) return;
    p->ended++;
    p->wall_sum += wall;
    p->cost_sum += cost;
    if (final) p->cost_left -= cost;
}

void sd_progress_running(sd_progress *p, int n, double start_sum)
{
    if (!p) return;
    p->running = n;
    p->start_sum = start_sum;
}

/* The estimate from the wall times: runs per second and the seconds left
 * (NAN while no run of this session has ended). */
static void sd_progress_estimate(const sd_progress *p, double now, double *rate, double *eta)
{
    *rate = *eta = NAN;
    double el = now - p->start;
    if (p->ended == 0 || !(p->wall_sum > 0) || !(el > 0)) return;
    double mean = p->wall_sum / (double)p->ended;
    /* The time the running runs have run so far is work done too: without
     * it the first finished run of G groups would suggest one group. */
    double inflight = p->running > 0 ? (double)p->running * now - p->start_sum : 0;
    if (inflight < 0) inflight = 0;
    double work_rate = (p->wall_sum + inflight) / el; /* busy groups, in effect */
    uint64_t all = p->done_before + p->failed_before + p->done + p->failed;
    uint64_t left = p->total > all ? p->total - all : 0;
    /* What the runs left need: by their cost hints, at the seconds per unit
     * of cost the ended runs took, else at the mean wall time. */
    double need = p->cost_sum > 0 && p->cost_left > 0 ? p->cost_left * (p->wall_sum / p->cost_sum)
                                                      : mean * (double)left;
    need -= inflight;
    *rate = work_rate / mean;
    *eta = left == 0 ? 0 : need > 0 ? need / work_rate : 0;
}

/* The bar: "[#####---------------] 45/120 runs (37.5%)" and the rest. */
static void sd_progress_bar(sd_progress *p, uint64_t all, double pct, double rate,
                            const char *eta, const char *elapsed)
{
    char line[512], bar[SD_BAR_WIDTH + 1];
    int fill = (int)(pct / 100.0 * SD_BAR_WIDTH + 1e-9);
    if (fill > SD_BAR_WIDTH) fill = SD_BAR_WIDTH;
    for (int i = 0; i < SD_BAR_WIDTH; i++) bar[i] = i < fill ? '#' : '-';
    bar[SD_BAR_WIDTH] = '\0';
    int n = snprintf(line, sizeof line, "sendrift: [%s] %llu/%llu runs (%.1f%%)", bar,
                     (unsigned long long)all, (unsigned long long)p->total, pct);
    uint64_t failed = p->failed_before + p->failed;
    if (failed && n < (int)sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, ", %llu failed",
                      (unsigned long long)failed);
    if (n < (int)sizeof line) {
        if (isfinite(rate))
            n += snprintf(line + n, sizeof line - (size_t)n, ", %.3g runs/s, %s%s%s", rate,
                          elapsed, all < p->total ? ", ETA " : "", all < p->total ? eta : "");
        else
            n += snprintf(line + n, sizeof line - (size_t)n, ", %s%s", elapsed,
                          all < p->total ? ", no run finished yet" : "");
    }
    /* A line wider than the terminal wraps, and the next \r would then
     * redraw only its last part: cut it to the width. */
    if (p->cols > 1 && n >= p->cols) line[p->cols - 1] = '\0';
    fprintf(p->out, "\r\033[K%s", line);
}

static void sd_progress_line(sd_progress *p, const char *end)
{
    double now = sd_now(), rate, secs;
    sd_progress_estimate(p, now, &rate, &secs);
    uint64_t finished = p->done + p->failed;
    uint64_t before = p->done_before + p->failed_before;
    uint64_t all = before + finished;
    double pct = p->total ? 100.0 * (double)all / (double)p->total : 100.0;
    char eta[32], elapsed[32];
    sd_format_duration(secs, eta, sizeof eta);
    sd_format_duration(now - p->start, elapsed, sizeof elapsed);
    if (p->mode == SD_PROGRESS_BAR) {
        sd_progress_bar(p, all, pct, rate, eta, elapsed);
    } else {
        fprintf(p->out, "sendrift: %llu/%llu runs (%.1f%%): %llu done, %llu failed",
                (unsigned long long)all, (unsigned long long)p->total, pct,
                (unsigned long long)(p->done_before + p->done),
                (unsigned long long)(p->failed_before + p->failed));
        if (before) fprintf(p->out, " (%llu from before)", (unsigned long long)before);
        if (isfinite(rate))
            fprintf(p->out, "; %.3g runs/s, mean run %.3g s", rate,
                    p->wall_sum / (double)p->ended);
        else if (all < p->total)
            fprintf(p->out, "; no run finished yet");
        fprintf(p->out, "; %s elapsed", elapsed);
        if (all < p->total) fprintf(p->out, ", ETA %s", eta);
    }
    fputs(end, p->out);
    fflush(p->out);
}

void sd_progress_start(sd_progress *p, const char *resumed_file, uint64_t to_run, int groups,
                       int P)
{
    if (!p || p->mode == SD_PROGRESS_NONE) return;
    if (resumed_file)
        fprintf(p->out, "sendrift: resuming %s: %llu runs done and %llu failed before; %llu to run",
                resumed_file, (unsigned long long)p->done_before,
                (unsigned long long)p->failed_before, (unsigned long long)to_run);
    if (resumed_file && p->from_checkpoints)
        fprintf(p->out, " (%llu from checkpoints)", (unsigned long long)p->from_checkpoints);
    if (!resumed_file)
        fprintf(p->out, "sendrift: starting %llu runs", (unsigned long long)to_run);
    if (to_run != p->total && !resumed_file)
        fprintf(p->out, " (of %llu)", (unsigned long long)p->total);
    fprintf(p->out, "%s on %d worker group%s of %d rank%s\n", resumed_file ? "," : "", groups, groups == 1 ? "" : "s", P,
            P == 1 ? "" : "s");
    fflush(p->out);
}

void sd_progress_update(sd_progress *p, uint64_t done, uint64_t failed)
{
    if (!p) return;
    p->done = done;
    p->failed = failed;
    if (p->mode == SD_PROGRESS_NONE) return;
    double now = sd_now();
    int bar = p->mode == SD_PROGRESS_BAR;
    /* A log gets a line as soon as the first run has ended: its rate and
     * ETA, instead of waiting a whole interval. */
    int first = !bar && !p->first_shown && p->ended > 0;
    if (!first && now - p->last < (bar ? SD_BAR_EVERY : p->interval)) return;
    p->first_shown |= p->ended > 0;
    p->last = now;
    sd_progress_line(p, bar ? "" : "\n");
    p->live = bar;
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
    if (!p || p->mode == SD_PROGRESS_NONE) return;
    sd_progress_line(p, "\n");
    p->live = 0;
}

void sd_progress_destroy(sd_progress **p)
{
    free(*p);
    *p = NULL;
}
