/* sendrift: the design, a pure function run id -> parameter vector.
 *
 * Runs.  run = point * replicates + replicate.  Every quantity below depends
 * on the sweep (axes, design spec, seed) and the point index only, never on
 * the rank, the order of calls or anything else.
 *
 * Unit coordinates u[d] and the map onto axis d.
 *   Sampling designs (lhs, sobol, morris, random) draw u in [0,1] and map it:
 *     RANGE lin      x = min + u (max - min)
 *     RANGE log      x = min * exp(u * log(max / min))      (min > 0)
 *     RANGE, INT parameter (def.type == SD_PARAM_INT), with lo = ceil(min),
 *                    hi = floor(max): x = floor(y) clamped to hi, where y is
 *                    the lin or log map above over [lo, hi + 1]; for lin
 *                    that is lo + floor(u (hi - lo + 1)), every whole number
 *                    equally likely; for log it is log-uniform.
 *     VALUES (n)     x = values[min(floor(u n), n - 1)]
 *     CHOICES (n)    x = min(floor(u n), n - 1), the choice index
 *   Grid and list designs take level i of n levels of each axis and report
 *   u = i / (n - 1) (0 when n == 1).  A range axis with L = levels takes
 *     lin  min + i ((max - min) / (L - 1))        (as numpy.linspace)
 *     log  exp(log min + i ((log max - log min) / (L - 1)))
 *   with level 0 exactly min and level L - 1 exactly max; an INT parameter
 *   rounds that to the nearest whole number (clamped to [lo, hi]).  For a
 *   range axis the grid's u is then the same as a sampling design's u for
 *   that value (before INT rounding); for VALUES and CHOICES it is the
 *   level's position, not the sampling map's preimage.
 *
 * Designs.
 *   grid    full factorial over every axis's levels (a range needs
 *           "levels"; values and choices use their count); axis 0 varies
 *           slowest, like itertools.product.  Zero axes: one point.
 *   list    point i takes level i of every axis; all axes have the same
 *           number of levels.  Zero axes: one point.
 *   random  points = samples; u[d] of point p is word d % 4 of Philox keyed
 *           (seed, SD_RNG_DESIGN_RANDOM) at counter (p, d / 4, 0).
 *   lhs     N = samples; for each dimension d a permutation perm_d of
 *           0..N-1 by Fisher-Yates (for j = N-1 .. 1 swap j with
 *           k = floor(w (j + 1) / 2^64), w = word 0 of Philox keyed (seed,
 *           SD_RNG_DESIGN_LHS) at counter (d, j, 0)); u[d] of point i =
 *           (perm_d[i] + v) / N, v = word 0 at counter (d, i, 1).  The
 *           permutations are made at create (4 bytes x N x D; refused above
 *           4 GiB).  SALib's latin.sample has the same structure.
 *   sobol   Saltelli's scheme with SALib's layout: base point j (0 <= j < N
 *           = samples) is point j + skip of the unscrambled Sobol' sequence
 *           in 2D dimensions; A = its first D coordinates, B = its last D.
 *           Its block (D + 2, or 2D + 2 with second_order, points) is
 *           A, AB_1 .. AB_D, [BA_1 .. BA_D,] B, where AB_i is A with column
 *           i from B and BA_i is B with column i from A.  2D <= 21201 and
 *           N - 1 + skip < 2^32.  skip is used as given; the sweep parser's
 *           default is sd_sobol_default_skip(N) = max(N, 16) for N = 2^k
 *           (SALib's saltelli.sample), because Sobol' points 0 (all 0) and
 *           1 (all 1/2) have A = B: with skip 0 base points 0 and 1 are
 *           degenerate blocks, all 2D + 2 (or D + 2) points the same.
 *           sd_design_duplicates counts such base points exactly.
 *   morris  r = trajectories, p = levels (even), delta = p / (2 (p - 1));
 *           SALib's morris.sample without optimisation (Morris 1991,
 *           Campolongo 2007).  Trajectory t has D + 1 points, t (D + 1) ..
 *           t (D + 1) + D.  Philox keyed (seed, SD_RNG_DESIGN_MORRIS):
 *           at counter (t, d, 0) word 0 picks factor d's base level
 *           k in {0, .., p/2 - 1} (x* = k / (p - 1), i.e. 0 .. 1 - delta)
 *           and word 1's top bit its direction; at counter (t, j, 1) word 0
 *           is the Fisher-Yates swap of step j of the order in which the
 *           factors move.  A factor going up starts at x* and ends at
 *           x* + delta, one going down starts at x* + delta and ends at x*,
 *           so every coordinate stays on the p-level grid i / (p - 1) in
 *           [0, 1]; point k + 1 differs from point k in exactly one factor,
 *           the k-th of the order, by +-delta.
 *
 * Sobol' sequence.  Joe & Kuo (2008) new-joe-kuo-6.21201 direction numbers
 * (sobol_directions.c, from SciPy), the direction integers built as SciPy's
 * _initialize_v with 32 bits; point i = XOR of V_k over the bits k of the
 * Gray code i ^ (i >> 1), divided by 2^32, which is what
 * scipy.stats.qmc.Sobol(d, scramble=False) returns (its default 30 bits give
 * the same numbers for i < 2^30).  Dimension 0 is van der Corput.
 */
#include "designimpl.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/rng.h"

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

/* floor(w n / 2^64): a bounded integer in [0, n) from a 64-bit word, with a
 * bias of at most n / 2^64 (no modulo). */
static uint64_t sd_mulhi64(uint64_t w, uint64_t n)
{
    uint64_t wl = w & 0xffffffffu, wh = w >> 32;
    uint64_t nl = n & 0xffffffffu, nh = n >> 32;
    uint64_t ll = wl * nl, lh = wl * nh, hl = wh * nl, hh = wh * nh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* a * b, or 0 with *ovf set when it exceeds UINT64_MAX. */
static uint64_t sd_mul_ovf(uint64_t a, uint64_t b, int *ovf)
{
    if (a != 0 && b > UINT64_MAX / a) {
        *ovf = 1;
        return 0;
    }
    return a * b;
}

/* ---------------------------------------------------------------------- */
/* Axes                                                                   */

static int sd_dax_init(sd_dax *a, const sd_axis *src, size_t i)
{
    const char *nm = src->name ? src->name : "?";
    a->name = sd_strdup(nm);
    if (!a->name) return SD_ERR_NOMEM;
    a->kind = src->kind;
    switch (src->kind) {
    case SD_AXIS_RANGE: {
        double lo = src->min, hi = src->max;
        if (!isfinite(lo) || !isfinite(hi))
            return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).range: bounds "
                            "must be finite numbers", i, nm);
        if (lo > hi)
            return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).range: min %g "
                            "> max %g", i, nm, lo, hi);
        a->is_int = src->def.type == SD_PARAM_INT;
        if (a->is_int) {
            lo = ceil(lo);
            hi = floor(hi);
            if (lo > hi)
                return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).range: "
                                "[%g, %g] holds no whole number", i, nm,
                                src->min, src->max);
            if (hi - lo >= 0x1.0p52)
                return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).range: an "
                                "integer range wider than 2^52 is not "
                                "supported", i, nm);
        }
        a->min = lo;
        a->max = hi;
        a->log = src->log != 0;
        if (a->log) {
            if (!(src->min > 0))
                return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).range: a "
                                "log scale needs min > 0 (min is %g)", i, nm,
                                src->min);
            a->lmin = log(lo);
            a->lmax = log(hi);
        }
        a->levels = src->levels;
        break;
    }
    case SD_AXIS_VALUES:
        if (src->n_values == 0 || !src->values)
            return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).values: empty",
                            i, nm);
        a->n = src->n_values;
        a->levels = a->n;
        a->values = sd_malloc(a->n * sizeof *a->values, "design axis values");
        if (!a->values) return SD_ERR_NOMEM;
        memcpy(a->values, src->values, a->n * sizeof *a->values);
        break;
    case SD_AXIS_CHOICES:
        if (src->n_values == 0)
            return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s).values: empty",
                            i, nm);
        a->n = src->n_values;
        a->levels = a->n;
        break;
    default:
        return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s): unknown axis kind "
                        "%d", i, nm, (int)src->kind);
    }
    return SD_OK;
}

/* A sampling design's map u -> axis value. */
static double sd_dax_map(const sd_dax *a, double u)
{
    if (u < 0) u = 0;
    if (u > 1) u = 1;
    switch (a->kind) {
    case SD_AXIS_RANGE: {
        if (a->is_int) {
            double y;
            if (a->log) {
                double l1 = log(a->max + 1);
                y = exp(a->lmin + u * (l1 - a->lmin));
            } else {
                y = a->min + u * (a->max - a->min + 1);
            }
            y = floor(y);
            if (y > a->max) y = a->max;
            if (y < a->min) y = a->min;
            return y;
        }
        /* Rounding can carry a value an ulp past the range (found by
         * fuzzing: -1 + 1 * 1.3 = 0.30000000000000004): clamp. */
        double y;
        if (a->log) {
            if (u == 0) return a->min;
            if (u == 1) return a->max;
            y = a->min * exp(u * (a->lmax - a->lmin));
        } else {
            y = a->min + u * (a->max - a->min);
        }
        return y < a->min ? a->min : y > a->max ? a->max : y;
    }
    case SD_AXIS_VALUES:
    case SD_AXIS_CHOICES: {
        double f = floor(u * (double)a->n);
        uint64_t k = f >= (double)a->n ? a->n - 1 : (uint64_t)f;
        return a->kind == SD_AXIS_VALUES ? a->values[k] : (double)k;
    }
    }
    return NAN;
}

/* Level i of a grid/list axis. */
static double sd_dax_level(const sd_dax *a, uint64_t i)
{
    if (a->kind == SD_AXIS_VALUES) return a->values[i];
    if (a->kind == SD_AXIS_CHOICES) return (double)i;
    uint64_t L = a->levels;
    double y;
    if (i == 0 || L <= 1) {
        y = a->min;
    } else if (i == L - 1) {
        y = a->max;
    } else if (a->log) {
        y = exp(a->lmin + (double)i * ((a->lmax - a->lmin) / (double)(L - 1)));
    } else {
        y = a->min + (double)i * ((a->max - a->min) / (double)(L - 1));
    }
    if (a->is_int) {
        y = floor(y + 0.5);
        if (y > a->max) y = a->max;
        if (y < a->min) y = a->min;
    }
    return y;
}

static double sd_level_unit(uint64_t i, uint64_t n)
{
    return n <= 1 ? 0.0 : (double)i / (double)(n - 1);
}

/* ---------------------------------------------------------------------- */
/* Create                                                                 */

static int sd_design_setup_levels(sd_design *d)
{
    for (size_t i = 0; i < d->dim; i++) {
        const sd_dax *a = &d->ax[i];
        if (a->kind == SD_AXIS_RANGE && a->levels == 0)
            return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s): a range needs "
                            "\"levels\" in a %s design", i, a->name,
                            sd_design_type_name(d->type));
    }
    if (d->type == SD_DESIGN_GRID) {
        if (d->points == 0)
            return sd_error(SD_ERR_INPUT, "design: the grid has more than 2^64 "
                            "points");
    } else {
        uint64_t n = d->points;
        for (size_t i = 1; i < d->dim; i++)
            if (d->ax[i].levels != n)
                return sd_error(SD_ERR_INPUT, "parameters[%zu] (%s): %" PRIu64
                                " levels, but parameters[0] (%s) has %" PRIu64
                                "; a list design zips axes of equal length",
                                i, d->ax[i].name, d->ax[i].levels,
                                d->ax[0].name, n);
    }
    return SD_OK;
}

/* p := a random permutation of 0 .. n-1: Fisher-Yates, swapping j with
 * floor(w (j + 1) / 2^64) for j = n-1 .. 1, w = word 0 of g at counter
 * (c0, j, c2). */
static void sd_shuffle(const sd_rng *g, uint64_t c0, uint64_t c2, uint32_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) p[i] = (uint32_t)i;
    for (uint64_t j = n - 1; j >= 1 && n > 1; j--) {
        uint64_t w[4];
        sd_rng_bits(g, c0, j, c2, w);
        uint64_t m = sd_mulhi64(w[0], j + 1);
        uint32_t x = p[j];
        p[j] = p[m];
        p[m] = x;
    }
}

static int sd_design_setup_lhs(sd_design *d)
{
    uint64_t N = d->samples, D = d->dim;
    if (N == 0) return sd_error(SD_ERR_INPUT, "design.samples: must be >= 1");
    if (D == 0) return SD_OK;
    /* Stored as uint32: N > 2^32 would need 8-byte entries, 2^32 x 8 bytes
     * per dimension, which the 4 GiB limit refuses anyway. */
    int ovf = 0;
    uint64_t width = N - 1 <= UINT32_MAX ? 4 : 8;
    uint64_t bytes = sd_mul_ovf(sd_mul_ovf(N, D, &ovf), width, &ovf);
    if (ovf || bytes > SD_DESIGN_MEM_LIMIT || bytes > SIZE_MAX)
        return sd_error(SD_ERR_NOMEM, "design: lhs with %" PRIu64 " samples x %"
                        PRIu64 " parameters needs %s%" PRIu64 " bytes of "
                        "permutations, more than the limit of 4 GiB",
                        N, D, ovf ? "more than " : "", ovf ? UINT64_MAX : bytes);
    d->perm = sd_malloc((size_t)bytes, "the lhs permutations");
    if (!d->perm) return SD_ERR_NOMEM;
    sd_rng r = sd_rng_make(d->seed, SD_RNG_DESIGN_LHS);
    for (uint64_t k = 0; k < D; k++) sd_shuffle(&r, k, 0, d->perm + k * N, N);
    return SD_OK;
}

static int sd_design_setup_sobol(sd_design *d)
{
    uint64_t N = d->samples, D = d->dim;
    if (D == 0)
        return sd_error(SD_ERR_INPUT, "design: a sobol design needs at least "
                        "one swept parameter");
    if (N == 0) return sd_error(SD_ERR_INPUT, "design.samples: must be >= 1");
    if (D > sd_sobol_max_dim() / 2)
        return sd_error(SD_ERR_INPUT, "design: a sobol design over %" PRIu64
                        " parameters needs %" PRIu64 " Sobol' dimensions; the "
                        "direction numbers have %zu (at most %zu parameters)",
                        D, 2 * D, sd_sobol_max_dim(), sd_sobol_max_dim() / 2);
    if (d->skip > UINT32_MAX || N - 1 > UINT32_MAX - d->skip)
        return sd_error(SD_ERR_INPUT, "design: sobol samples %" PRIu64 " + skip %"
                        PRIu64 " exceed the 2^32 points of the Sobol' sequence "
                        "(samples - 1 + skip must be < 2^32; skip defaults to "
                        "max(samples, 16), so without an explicit design.skip "
                        "samples can be at most 2^31)", N, d->skip);
    d->block = d->second_order ? 2 * D + 2 : D + 2;
    if (d->points == 0)
        return sd_error(SD_ERR_INPUT, "design: sobol has more than 2^64 points");
    d->sv = sd_calloc(2 * D * SD_SOBOL_BITS, sizeof *d->sv,
                      "the Sobol' direction integers");
    if (!d->sv) return SD_ERR_NOMEM;
    for (size_t k = 0; k < 2 * D; k++)
        sd_sobol_directions(k, d->sv + k * SD_SOBOL_BITS);
    return SD_OK;
}

static int sd_design_setup_morris(sd_design *d, const sd_design_spec *sp)
{
    uint64_t r = sp->trajectories, D = d->dim;
    if (D == 0)
        return sd_error(SD_ERR_INPUT, "design: a morris design needs at least "
                        "one swept parameter");
    if (r == 0)
        return sd_error(SD_ERR_INPUT, "design.trajectories: must be >= 1");
    if (sp->levels < 2 || sp->levels % 2 != 0)
        return sd_error(SD_ERR_INPUT, "design.levels: %" PRIu32 " is not an even "
                        "number >= 2", sp->levels);
    if (D > UINT32_MAX)
        return sd_error(SD_ERR_INPUT, "design: morris with more than 2^32 "
                        "parameters");
    d->p = sp->levels;
    int ovf = 0;
    uint64_t bytes = sd_mul_ovf(sd_mul_ovf(r, D, &ovf), 4, &ovf);
    if (ovf || bytes > SD_DESIGN_MEM_LIMIT || bytes > SIZE_MAX)
        return sd_error(SD_ERR_NOMEM, "design: morris with %" PRIu64 " trajectories"
                        " x %" PRIu64 " parameters needs %s%" PRIu64 " bytes for "
                        "the factor orders, more than the limit of 4 GiB",
                        r, D, ovf ? "more than " : "", ovf ? UINT64_MAX : bytes);
    d->order = sd_malloc((size_t)bytes, "the morris factor orders");
    uint32_t *perm = sd_malloc((size_t)D * sizeof *perm, "a morris permutation");
    if (!d->order || !perm) {
        free(perm);
        return SD_ERR_NOMEM;
    }
    sd_rng g = sd_rng_make(d->seed, SD_RNG_DESIGN_MORRIS);
    for (uint64_t t = 0; t < r; t++) {
        /* perm[step] = the factor that moves at that step */
        sd_shuffle(&g, t, 1, perm, D);
        uint32_t *o = d->order + t * D;
        for (uint64_t step = 0; step < D; step++) o[perm[step]] = (uint32_t)step;
    }
    free(perm);
    return SD_OK;
}

int sd_design_create(const sd_sweep *s, sd_design **out)
{
    if (!out) return sd_error(SD_ERR_INTERNAL, "sd_design_create: out is NULL");
    *out = NULL;
    if (!s) return sd_error(SD_ERR_INTERNAL, "sd_design_create: sweep is NULL");
    if (s->n_axes > 0 && !s->axes)
        return sd_error(SD_ERR_INTERNAL, "sd_design_create: axes is NULL");
    if (s->replicates == 0)
        return sd_error(SD_ERR_INPUT, "replicates: must be >= 1");

    sd_design *d = sd_calloc(1, sizeof *d, "the design");
    if (!d) return SD_ERR_NOMEM;
    d->type = s->design.type;
    d->dim = s->n_axes;
    d->replicates = s->replicates;
    d->seed = s->seed;
    d->samples = s->design.samples;
    d->skip = s->design.skip;
    d->second_order = s->design.second_order != 0;
    int rc = SD_OK;
    if (d->dim) {
        d->ax = sd_calloc(d->dim, sizeof *d->ax, "the design axes");
        if (!d->ax) rc = SD_ERR_NOMEM;
    }
    for (size_t i = 0; rc == SD_OK && i < d->dim; i++)
        rc = sd_dax_init(&d->ax[i], &s->axes[i], i);

    /* The count of points is the sweep's (0 past 2^64); the checks below
     * say why a count is impossible. */
    d->points = sd_sweep_points(s);
    if (rc == SD_OK) {
        switch (d->type) {
        case SD_DESIGN_GRID:
        case SD_DESIGN_LIST:
            rc = sd_design_setup_levels(d);
            break;
        case SD_DESIGN_LHS:
            rc = sd_design_setup_lhs(d);
            break;
        case SD_DESIGN_SOBOL:
            rc = sd_design_setup_sobol(d);
            break;
        case SD_DESIGN_MORRIS:
            rc = sd_design_setup_morris(d, &s->design);
            break;
        case SD_DESIGN_RANDOM:
            if (d->samples == 0)
                rc = sd_error(SD_ERR_INPUT, "design.samples: must be >= 1");
            break;
        default:
            rc = sd_error(SD_ERR_INPUT, "design.type: unknown design %d",
                          (int)d->type);
        }
    }
    if (rc == SD_OK && (d->points == 0 || d->replicates > UINT64_MAX / d->points))
        rc = sd_error(SD_ERR_INPUT, "design: %" PRIu64 " points x %" PRIu64
                      " replicates exceed 2^64 runs", d->points, d->replicates);
    if (rc != SD_OK) {
        sd_design_destroy(&d);
        return rc;
    }
    *out = d;
    return SD_OK;
}

void sd_design_destroy(sd_design **dp)
{
    if (!dp || !*dp) return;
    sd_design *d = *dp;
    if (d->ax) {
        for (size_t i = 0; i < d->dim; i++) {
            free(d->ax[i].name);
            free(d->ax[i].values);
        }
        free(d->ax);
    }
    free(d->perm);
    free(d->sv);
    free(d->order);
    free(d);
    *dp = NULL;
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                */

uint64_t sd_design_points(const sd_design *d) { return d ? d->points : 0; }

uint64_t sd_design_runs(const sd_design *d)
{
    return d ? d->points * d->replicates : 0;
}

size_t sd_design_dim(const sd_design *d) { return d ? d->dim : 0; }

void sd_design_split(const sd_design *d, uint64_t run, uint64_t *point,
                     uint64_t *replicate)
{
    uint64_t r = d && d->replicates ? d->replicates : 1;
    if (point) *point = run / r;
    if (replicate) *replicate = run % r;
}

uint64_t sd_design_role(const sd_design *d, uint64_t point, uint64_t *block, uint64_t *role)
{
    uint64_t size;
    if (d && d->type == SD_DESIGN_SOBOL)
        size = d->block;
    else if (d && d->type == SD_DESIGN_MORRIS)
        size = (uint64_t)d->dim + 1;
    else
        return 0;
    if (block) *block = point / size;
    if (role) *role = point % size;
    return size;
}

static int sd_design_check(const sd_design *d, uint64_t point, const void *v,
                           const char *fn)
{
    if (!d) return sd_error(SD_ERR_INTERNAL, "%s: design is NULL", fn);
    if (!v && d->dim) return sd_error(SD_ERR_INTERNAL, "%s: output is NULL", fn);
    if (point >= d->points)
        return sd_error(SD_ERR_INPUT, "%s: point %" PRIu64 " is out of range: "
                        "the %s design has %" PRIu64 " points", fn, point,
                        sd_design_type_name(d->type), d->points);
    return SD_OK;
}

/* Level index of every axis of a grid/list point. */
static uint64_t sd_grid_level(const sd_design *d, uint64_t point, size_t k,
                              uint64_t *rest)
{
    if (d->type == SD_DESIGN_LIST) return point;
    uint64_t L = d->ax[k].levels;
    uint64_t i = *rest % L;
    *rest /= L;
    return i;
}

static void sd_sobol_unit(const sd_design *d, uint64_t point, double *u)
{
    uint64_t D = d->dim;
    uint64_t j = point / d->block, role = point % d->block;
    uint64_t idx = j + d->skip;
    for (uint64_t k = 0; k < D; k++) {
        int from_b;
        if (role == 0) from_b = 0;                       /* A    */
        else if (role == d->block - 1) from_b = 1;       /* B    */
        else if (role <= D) from_b = (k == role - 1);    /* AB_i */
        else from_b = (k != role - 1 - D);               /* BA_i */
        const uint32_t *v = d->sv + (from_b ? D + k : k) * SD_SOBOL_BITS;
        u[k] = sd_sobol_from_v(v, idx);
    }
}

static void sd_morris_unit(const sd_design *d, uint64_t point, double *u)
{
    uint64_t D = d->dim;
    uint64_t t = point / (D + 1), step = point % (D + 1);
    uint64_t half = d->p / 2;
    const uint32_t *o = d->order + t * D;
    sd_rng g = sd_rng_make(d->seed, SD_RNG_DESIGN_MORRIS);
    for (uint64_t k = 0; k < D; k++) {
        uint64_t w[4];
        sd_rng_bits(&g, t, k, 0, w);
        uint64_t base = sd_mulhi64(w[0], half);          /* x* = base/(p-1) */
        int up = (int)(w[1] >> 63);
        int moved = o[k] < step;
        uint64_t level = base + ((up ? moved : !moved) ? half : 0);
        u[k] = (double)level / (double)(d->p - 1);
    }
}

int sd_design_unit(const sd_design *d, uint64_t point, double *u)
{
    SD_CALL(sd_design_check(d, point, u, "sd_design_unit"));
    switch (d->type) {
    case SD_DESIGN_GRID:
    case SD_DESIGN_LIST: {
        uint64_t rest = point;
        for (size_t k = d->dim; k-- > 0;)
            u[k] = sd_level_unit(sd_grid_level(d, point, k, &rest),
                                 d->ax[k].levels);
        return SD_OK;
    }
    case SD_DESIGN_RANDOM: {
        sd_rng r = sd_rng_make(d->seed, SD_RNG_DESIGN_RANDOM);
        double q[4] = {0, 0, 0, 0};
        for (size_t k = 0; k < d->dim; k++) {
            if (k % 4 == 0) sd_rng_uniform4(&r, point, k / 4, 0, q);
            u[k] = q[k % 4];
        }
        return SD_OK;
    }
    case SD_DESIGN_LHS: {
        sd_rng r = sd_rng_make(d->seed, SD_RNG_DESIGN_LHS);
        uint64_t N = d->samples;
        for (size_t k = 0; k < d->dim; k++) {
            uint64_t w[4];
            sd_rng_bits(&r, k, point, 1, w);
            double c = (double)d->perm[k * N + point];
            double y = c + sd_rng_u01(w[0]);     /* may round up to c + 1 */
            if (y >= c + 1) y = nextafter(c + 1, c);
            u[k] = y / (double)N;
            if (u[k] >= 1.0) u[k] = nextafter(1.0, 0.0);
        }
        return SD_OK;
    }
    case SD_DESIGN_SOBOL:
        sd_sobol_unit(d, point, u);
        return SD_OK;
    case SD_DESIGN_MORRIS:
        sd_morris_unit(d, point, u);
        return SD_OK;
    }
    return sd_error(SD_ERR_INTERNAL, "sd_design_unit: unknown design %d",
                    (int)d->type);
}

int sd_design_point(const sd_design *d, uint64_t point, double *x)
{
    SD_CALL(sd_design_check(d, point, x, "sd_design_point"));
    if (d->type == SD_DESIGN_GRID || d->type == SD_DESIGN_LIST) {
        uint64_t rest = point;
        for (size_t k = d->dim; k-- > 0;)
            x[k] = sd_dax_level(&d->ax[k], sd_grid_level(d, point, k, &rest));
        return SD_OK;
    }
    SD_CALL(sd_design_unit(d, point, x));
    for (size_t k = 0; k < d->dim; k++) x[k] = sd_dax_map(&d->ax[k], x[k]);
    return SD_OK;
}

double sd_design_table_bytes(const sd_sweep *s)
{
    /* lhs: one permutation of the samples per dimension (sd_design_setup_lhs). */
    if (s->design.type != SD_DESIGN_LHS) return 0.0;
    double N = (double)s->design.samples;
    return N * (double)s->n_axes * (N - 1 <= (double)UINT32_MAX ? 4.0 : 8.0);
}
