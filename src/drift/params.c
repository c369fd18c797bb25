/* sendrift drift model: the parameter table, the tissue presets and the
 * validated parameter struct (see drift.h, docs/drift.md), all generated
 * from params.def, where every parameter, tissue and drug is declared. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drift.h"
#include "sendrift/error.h"

/* ---- Names ---------------------------------------------------------------------- */

const char *const sd_drift_init_names[SD_INIT_COUNT + 1] = {"focus", "half-space", NULL};

#define DRIFT_NAME(E, name, i, A) #name,
const char *const sd_drift_tissue_names[SD_TISSUE_COUNT + 1] = {
    SD_DRIFT_TISSUES(DRIFT_NAME, ) NULL};
#undef DRIFT_NAME

/* The presets below are in the order of SD_DRIFT_TISSUES, by index. */
#define DRIFT_CHECK_INDEX(E, name, i, A) \
    _Static_assert(SD_TISSUE_##E == i, "SD_DRIFT_TISSUES: index of " #name);
SD_DRIFT_TISSUES(DRIFT_CHECK_INDEX, )
#undef DRIFT_CHECK_INDEX

#define SD_DRUG(E, name, interval, dose, t_half, emax, desc) #name,
const char *const sd_drift_drug_names[SD_DRUG_COUNT + 1] = {
#include "params.def"
    NULL};

/* ---- Texts made from the lists ---------------------------------------------------
 * The tissues and their preset values appear in descriptions and messages;
 * these macros spell them out from SD_DRIFT_TISSUES at compile time, so the
 * texts cannot disagree with the lists. */

#define DRIFT_STR(x) DRIFT_STR_(x)
#define DRIFT_STR_(x) #x
/* Value i of a preset tuple (one value per tissue: the arity is the number
 * of tissues, so a tuple of the wrong length does not compile). */
#define DRIFT_PICK_0(a, b, c, d, e) a
#define DRIFT_PICK_1(a, b, c, d, e) b
#define DRIFT_PICK_2(a, b, c, d, e) c
#define DRIFT_PICK_3(a, b, c, d, e) d
#define DRIFT_PICK_4(a, b, c, d, e) e
/* Separators before tissue i: a list ("a, b, c") and a sentence ("a, b or c"). */
#define DRIFT_SEP_0
#define DRIFT_SEP_1 ", "
#define DRIFT_SEP_2 ", "
#define DRIFT_SEP_3 ", "
#define DRIFT_SEP_4 ", "
#define DRIFT_OR_0
#define DRIFT_OR_1 ", "
#define DRIFT_OR_2 ", "
#define DRIFT_OR_3 ", "
#define DRIFT_OR_4 " or "

/* "generic, cartilage, bone, muscle, disc" */
#define DRIFT_LIST_ITEM(E, name, i, A) DRIFT_SEP_##i #name
#define DRIFT_TISSUE_LIST SD_DRIFT_TISSUES(DRIFT_LIST_ITEM, )
/* "generic, cartilage, bone, muscle or disc" */
#define DRIFT_OR_ITEM(E, name, i, A) DRIFT_OR_##i #name
#define DRIFT_TISSUE_SENTENCE SD_DRIFT_TISSUES(DRIFT_OR_ITEM, )
/* "; default: tissue preset (generic 0.15, cartilage 0.03, ...)" */
#define DRIFT_PRESET_ITEM(E, name, i, vals) DRIFT_SEP_##i #name " " DRIFT_STR(DRIFT_PICK_##i vals)
#define DRIFT_PRESET_TEXT(vals) \
    "; default: tissue preset (" SD_DRIFT_TISSUES(DRIFT_PRESET_ITEM, vals) ")"

/* ---- Tissue presets ---------------------------------------------------------- */

typedef struct {
    const char *name;
    double v[SD_TISSUE_COUNT]; /* by tissue */
} drift_preset;

#define DRIFT_UNPAREN(...) __VA_ARGS__
#define SD_REAL_TISSUE(name, field, unit, lo, hi, desc, presets) \
    {name, {DRIFT_UNPAREN presets}},
static const drift_preset drift_presets[] = {
#include "params.def"
};

double sd_drift_tissue_preset(sd_drift_tissue t, const char *name)
{
    if ((int)t < 0 || t >= SD_TISSUE_COUNT || !name) return NAN;
    for (size_t i = 0; i < sizeof drift_presets / sizeof drift_presets[0]; i++)
        if (strcmp(drift_presets[i].name, name) == 0) return drift_presets[i].v[t];
    return NAN;
}

/* ---- The table ------------------------------------------------------------------ */

#define SD_INT_FIXED(name, field, def, lo, hi, desc) \
    {name, "1", desc, SD_PARAM_INT, def, lo, hi, NULL, NULL, 1, NULL},
#define SD_REAL_FIXED(name, field, unit, def, lo, hi, desc) \
    {name, unit, desc, SD_PARAM_REAL, def, lo, hi, NULL, NULL, 1, NULL},
#define SD_INT(name, field, def, lo, hi, desc) \
    {name, "1", desc, SD_PARAM_INT, def, lo, hi, NULL, NULL, 0, NULL},
#define SD_REAL(name, field, unit, def, lo, hi, desc) \
    {name, unit, desc, SD_PARAM_REAL, def, lo, hi, NULL, NULL, 0, NULL},
#define SD_REAL_TISSUE(name, field, unit, lo, hi, desc, presets)                         \
    {name, unit, desc DRIFT_PRESET_TEXT(presets), SD_PARAM_REAL, NAN, lo, hi, NULL, NULL, 0, \
     "the tissue preset"},
#define SD_TISSUE_CHOICE(name, def, desc)                                                   \
    {name, "1", desc ": " DRIFT_TISSUE_SENTENCE, SD_PARAM_CHOICE, 0, 0, 0,                  \
     sd_drift_tissue_names, #def, 0, NULL},
#define SD_CHOICE(name, field, names, def, desc) \
    {name, "1", desc, SD_PARAM_CHOICE, 0, 0, 0, names, def, 0, NULL},
#define SD_DRUG(E, name, interval, dose, t_half, emax, what)                                \
    SD_REAL(#name ".start", , "d", 0.0, 0.0, 1e6, what ": time of the first dose")         \
    SD_REAL(#name ".interval", , "d", interval, 0.0, 1e6, what ": time between doses")     \
    SD_INT(#name ".doses", , 0, 0, 1e6, what ": number of doses (0: not given)")           \
    SD_REAL(#name ".dose", , "EC50", dose, 0.0, 1e6, what ": dose, in units of EC50")      \
    SD_REAL(#name ".t_half", , "h", t_half, 1e-3, 1e7, what ": elimination half-life")     \
    SD_REAL(#name ".emax", , "1", emax, 0.0, 1.0,                                          \
            what ": maximal effect Emax (E = Emax C/(1+C))")

const sd_param_def sd_drift_param_defs[] = {
#include "params.def"
};

/* Every entry filled: SD_DRIFT_NPARAMS counts the entries of params.def. */
_Static_assert(sizeof sd_drift_param_defs / sizeof sd_drift_param_defs[0] == SD_DRIFT_NPARAMS,
               "SD_DRIFT_NPARAMS");

const sd_param_def *sd_drift_param_table(size_t *n)
{
    if (n) *n = SD_DRIFT_NPARAMS;
    return sd_drift_param_defs;
}

/* ---- Loading ------------------------------------------------------------------- */

typedef struct {
    const sd_paramset *ps;
    sd_drift_tissue tissue;
    int rc;
} drift_loader;

/* The value of parameter d: the set's (or the table default; NaN of a
 * tissue-dependent parameter: the preset), checked against the table's
 * range. */
static double drift_get(drift_loader *L, const sd_param_def *d)
{
    const char *name = d->name;
    double v = sd_paramset_real(L->ps, name, d->def);
    if (isnan(v)) {
        v = sd_drift_tissue_preset(L->tissue, name);
        if (isnan(v)) {
            if (!L->rc)
                L->rc = sd_error(SD_ERR_INPUT, "drift: parameter \"%s\" is not a number",
                                 name);
            return 0;
        }
        return v;
    }
    if (L->rc) return v;
    if (!isfinite(v))
        L->rc = sd_error(SD_ERR_INPUT, "drift: parameter \"%s\" = %g is not finite", name, v);
    else if (v < d->min || v > d->max)
        L->rc = sd_error(SD_ERR_INPUT, "drift: parameter \"%s\" = %g is outside [%g, %g]",
                         name, v, d->min, d->max);
    else if (d->type == SD_PARAM_INT && v != floor(v))
        L->rc = sd_error(SD_ERR_INPUT, "drift: parameter \"%s\" = %g is not a whole number",
                         name, v);
    return v;
}

/* The index of the choice of parameter d among names[]. */
static int drift_choice(drift_loader *L, const sd_param_def *d, const char *const *names)
{
    const char *v = sd_paramset_choice(L->ps, d->name, d->def_choice);
    for (int i = 0; names[i]; i++)
        if (v && strcmp(names[i], v) == 0) return i;
    if (!L->rc) {
        char list[256] = "";
        for (int i = 0; names[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
                     i == 0 ? "" : names[i + 1] ? ", " : " or ", names[i]);
        L->rc = sd_error(SD_ERR_INPUT, "drift: %s \"%s\" is not one of %s", d->name,
                         v ? v : "(none)", list);
    }
    return 0;
}

/* n = x / y when x is (within round-off) a whole multiple of y. */
static int drift_multiple(double x, double y, long *n)
{
    double q = x / y;
    if (!(q < 9.0e15)) return 0;
    double r = nearbyint(q);
    if (fabs(q - r) > 1e-9 * (r > 1 ? r : 1)) return 0;
    *n = (long)r;
    return 1;
}

int sd_drift_params_load(const sd_paramset *ps, sd_drift_params *p)
{
    memset(p, 0, sizeof *p);
    drift_loader L = {ps, SD_TISSUE_GENERIC, SD_OK};
#define SD_TISSUE_CHOICE(name, def, desc) const char *tissue = sd_paramset_choice(ps, name, #def);
#include "params.def"
    int t = -1;
    for (int i = 0; i < SD_TISSUE_COUNT; i++)
        if (strcmp(sd_drift_tissue_names[i], tissue) == 0) t = i;
    if (t < 0)
        return sd_error(SD_ERR_INPUT, "drift: tissue \"%s\" is not one of " DRIFT_TISSUE_LIST,
                        tissue);
    L.tissue = p->tissue = (sd_drift_tissue)t;

    /* Every parameter in the order of the table, d walking along it (a value
     * is checked whole and in range before it is converted to an integer
     * member).  The first error is the one reported. */
    const sd_param_def *d = sd_drift_param_defs;
#define SD_INT_FIXED(name, field, def, lo, hi, desc) p->field = drift_get(&L, d++);
#define SD_REAL_FIXED(name, field, unit, def, lo, hi, desc) p->field = drift_get(&L, d++);
#define SD_INT(name, field, def, lo, hi, desc) p->field = drift_get(&L, d++);
#define SD_REAL(name, field, unit, def, lo, hi, desc) p->field = drift_get(&L, d++);
#define SD_REAL_TISSUE(name, field, unit, lo, hi, desc, presets) p->field = drift_get(&L, d++);
#define SD_TISSUE_CHOICE(name, def, desc) d++; /* read above */
#define SD_CHOICE(name, field, names, def, desc) p->field = drift_choice(&L, d++, names);
#define SD_DRUG(E, ...)                                                                    \
    p->drug[SD_DRUG_##E].start = drift_get(&L, d++);                                       \
    p->drug[SD_DRUG_##E].interval = drift_get(&L, d++);                                    \
    p->drug[SD_DRUG_##E].doses = drift_get(&L, d++);                                       \
    p->drug[SD_DRUG_##E].dose = drift_get(&L, d++);                                        \
    p->drug[SD_DRUG_##E].t_half = drift_get(&L, d++);                                      \
    p->drug[SD_DRUG_##E].emax = drift_get(&L, d++);
#include "params.def"
    if (L.rc) return L.rc;

    if (p->init == SD_INIT_HALF_SPACE && p->focus_radius > 0)
        return sd_error(SD_ERR_INPUT,
                        "drift: focus_radius = %g um is given but init = half-space, whose "
                        "lesion is a slab of slab_width = %g um at the x = 0 wall; leave "
                        "focus_radius out, or set init = focus",
                        p->focus_radius, p->slab_width);

    /* Consistency of the lattice and the output times. */
    if (p->dim == 2 && p->n[2] != 1)
        return sd_error(SD_ERR_INPUT,
                        "drift: nz = %d is given but dim = 2; nz is for 3-D lattices (leave it "
                        "out, or set dim = 3)",
                        p->n[2]);
    if (p->dim == 2 && p->periodic[2])
        return sd_error(SD_ERR_INPUT, "drift: periodic_z = 1 is given but dim = 2; it is for "
                                      "3-D lattices");
    if (p->dim == 3 && p->n[2] < 2)
        return sd_error(SD_ERR_INPUT,
                        "drift: dim = 3 needs nz >= 2 (nz = %d); a lattice one site thick is "
                        "2-D: set dim = 2",
                        p->n[2]);
    int64_t sites = (int64_t)p->n[0] * p->n[1] * p->n[2];
    if (sites > ((int64_t)1 << 40))
        return sd_error(SD_ERR_INPUT, "drift: %d x %d x %d sites: more than 2^40", p->n[0],
                        p->n[1], p->n[2]);
    if (p->output_interval < p->dt || !drift_multiple(p->output_interval, p->dt,
                                                      &p->steps_per_output))
        return sd_error(SD_ERR_INPUT,
                        "drift: output_interval = %g d is not a whole multiple of dt = %g d",
                        p->output_interval, p->dt);
    long nout;
    if (!drift_multiple(p->duration, p->output_interval, &nout))
        return sd_error(SD_ERR_INPUT,
                        "drift: duration = %g d is not a whole multiple of output_interval = "
                        "%g d",
                        p->duration, p->output_interval);
    if (nout > 10000000L)
        return sd_error(SD_ERR_INPUT,
                        "drift: duration / output_interval = %ld output rows: at most 10^7",
                        nout);
    p->n_times = (size_t)nout + 1;
    p->steps_total = nout * p->steps_per_output;
    if ((double)p->steps_total > 9.0e15)
        return sd_error(SD_ERR_INPUT, "drift: duration / dt = %g steps: too many",
                        p->duration / p->dt);
    return SD_OK;
}

/* ---- Ranks ------------------------------------------------------------------------ */

int sd_drift_check_ranks(const sd_drift_params *p, int P)
{
    if (P < 1) return sd_error(SD_ERR_INPUT, "drift: %d ranks", P);
    /* Some factorisation P = p0 p1 (p2) with p_a <= n_a. */
    for (int p0 = 1; p0 <= P; p0++) {
        if (P % p0 || p0 > p->n[0]) continue;
        for (int p1 = 1; p1 <= P / p0; p1++) {
            if ((P / p0) % p1 || p1 > p->n[1]) continue;
            int p2 = P / p0 / p1;
            if (p->dim == 2 ? p2 == 1 : p2 <= p->n[2]) return SD_OK;
        }
    }
    if (p->dim == 2)
        return sd_error(SD_ERR_INPUT,
                        "drift: nx = %d, ny = %d cannot be split over %d ranks with at least "
                        "one site per rank along every axis; use fewer ranks per simulation",
                        p->n[0], p->n[1], P);
    return sd_error(SD_ERR_INPUT,
                    "drift: nx = %d, ny = %d, nz = %d cannot be split over %d ranks with at "
                    "least one site per rank along every axis; use fewer ranks per simulation",
                    p->n[0], p->n[1], p->n[2], P);
}
