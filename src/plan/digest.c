/* sendrift: the plan's digest, a fingerprint of everything that fixes a
 * sweep's runs and their outputs (see sd_plan_digest in plan.h).  A result
 * file records it; a file is continued (--resume) or merged only when its
 * digest matches. */
#include "planimpl.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    uint64_t h;
} sd_fnv;

static void sd_fnv_bytes(sd_fnv *f, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        f->h ^= b[i];
        f->h *= 0x100000001b3ULL;
    }
}

static void sd_fnv_str(sd_fnv *f, const char *s)
{
    sd_fnv_bytes(f, s, strlen(s) + 1);
}

static void sd_fnv_f64(sd_fnv *f, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%a", v);
    sd_fnv_str(f, buf);
}

static void sd_fnv_u64(sd_fnv *f, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    sd_fnv_str(f, buf);
}

void sd_plan_make_digest(const sd_sweep *s, const sd_layout *l, char out[17])
{
    sd_fnv f = {0xcbf29ce484222325ULL};
    sd_fnv_str(&f, s->model->name);
    for (size_t i = 0; i < s->n_fixed; i++) {
        sd_fnv_str(&f, s->fixed[i].name);
        sd_fnv_f64(&f, s->fixed[i].value);
        sd_fnv_str(&f, s->fixed[i].choice ? s->fixed[i].choice : "");
    }
    for (size_t d = 0; d < s->n_axes; d++) {
        const sd_axis *a = &s->axes[d];
        sd_fnv_str(&f, a->name);
        sd_fnv_u64(&f, (uint64_t)a->kind);
        sd_fnv_f64(&f, a->min);
        sd_fnv_f64(&f, a->max);
        sd_fnv_u64(&f, (uint64_t)a->log);
        sd_fnv_u64(&f, a->levels);
        for (size_t k = 0; k < a->n_values; k++) {
            if (a->kind == SD_AXIS_CHOICES)
                sd_fnv_str(&f, a->choices[k]);
            else
                sd_fnv_f64(&f, a->values[k]);
        }
    }
    sd_fnv_u64(&f, (uint64_t)s->design.type);
    sd_fnv_u64(&f, s->design.samples);
    sd_fnv_u64(&f, (uint64_t)s->design.second_order);
    sd_fnv_u64(&f, s->design.skip);
    sd_fnv_u64(&f, s->design.trajectories);
    sd_fnv_u64(&f, s->design.levels);
    sd_fnv_u64(&f, s->replicates);
    sd_fnv_u64(&f, s->seed);
    sd_fnv_u64(&f, (uint64_t)s->output_timeseries);
    /* Only when paired: the files of per-run sweeps keep their digests. */
    if (s->streams_paired) sd_fnv_str(&f, "streams: paired");
    sd_fnv_u64(&f, l->n_times);
    for (size_t i = 0; i < l->n_times; i++) sd_fnv_f64(&f, l->times[i]);
    for (size_t i = 0; i < l->n_series; i++) sd_fnv_str(&f, l->series[i].name);
    for (size_t i = 0; i < l->n_summary; i++) sd_fnv_str(&f, l->summary[i].name);
    /* Snapshots shape the file too (their datasets are made up front). */
    sd_fnv_u64(&f, s->n_snap_runs);
    for (size_t i = 0; i < s->n_snap_runs; i++) sd_fnv_u64(&f, s->snap_runs[i]);
    sd_fnv_u64(&f, s->n_snap_times);
    for (size_t i = 0; i < s->n_snap_times; i++) sd_fnv_f64(&f, s->snap_times[i]);
    if (s->n_snap_runs) {
        for (size_t i = 0; i < l->n_snapfields; i++) {
            sd_fnv_str(&f, l->snapfields[i].name);
            sd_fnv_u64(&f, (uint64_t)l->snapfields[i].type);
        }
        sd_fnv_u64(&f, (uint64_t)l->snap_dim);
        for (int a = 0; a < 3; a++) sd_fnv_u64(&f, (uint64_t)l->snap_n[a]);
        sd_fnv_f64(&f, l->snap_dx);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)f.h);
}

void sd_paramset_digest(const sd_paramset *p, uint64_t run, uint64_t seed, char out[17])
{
    sd_fnv f = {0xcbf29ce484222325ULL};
    sd_fnv_u64(&f, run);
    sd_fnv_u64(&f, seed);
    for (size_t i = 0; i < p->n; i++) {
        sd_fnv_str(&f, p->v[i].name);
        sd_fnv_f64(&f, p->v[i].value);
        sd_fnv_str(&f, p->v[i].choice ? p->v[i].choice : "");
    }
    snprintf(out, 17, "%016llx", (unsigned long long)f.h);
}
