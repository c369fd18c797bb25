/* sendrift drift model: the parameter table, the tissue presets and the
 * validated parameter struct (see include/sendrift/drift.h, docs/drift.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sendrift/drift.h"
#include "sendrift/error.h"

const char *const sd_drift_tissue_names[SD_TISSUE_COUNT + 1] = {
    "generic", "cartilage", "bone", "muscle", "disc", NULL};

const char *const sd_drift_drug_names[SD_DRUG_COUNT + 1] = {
    "senolytic", "senomorphic", "ev_blocker", "dna_demethylation",
    "hdac_inhibitor", "immune", "ev_therapy", NULL};

/* ---- Tissue presets ---------------------------------------------------------- */

typedef struct {
    const char *name;
    double v[SD_TISSUE_COUNT]; /* generic, cartilage, bone, muscle, disc */
} drift_preset;

static const drift_preset drift_presets[] = {
    {"beta", {0.15, 0.03, 0.15, 0.15, 0.01}},
    {"k_reg", {0.1, 0.01, 0.1, 0.2, 0.1}},
    {"K_reg", {0.5, 0.5, 0.5, 0.1, 0.5}},
    {"psi", {4.0, 8.0, 4.0, 4.0, 4.0}},
    {"delta", {0.01, 0.01, 0.01, 0.01, 0.05}},
    {"tissue_efficacy", {1.0, 1.0, 1.0, 0.3, 1.0}},
};

double sd_drift_tissue_preset(sd_drift_tissue t, const char *name)
{
    if ((int)t < 0 || t >= SD_TISSUE_COUNT || !name) return NAN;
    for (size_t i = 0; i < sizeof drift_presets / sizeof drift_presets[0]; i++)
        if (strcmp(drift_presets[i].name, name) == 0) return drift_presets[i].v[t];
    return NAN;
}

/* ---- The table ------------------------------------------------------------------ */

#define R(name, unit, def, lo, hi, desc) \
    {name, unit, desc, SD_PARAM_REAL, def, lo, hi, NULL, NULL, 0, "the tissue preset"}
#define RF(name, unit, def, lo, hi, desc) \
    {name, unit, desc, SD_PARAM_REAL, def, lo, hi, NULL, NULL, 1, NULL}
#define I(name, def, lo, hi, desc) \
    {name, "1", desc, SD_PARAM_INT, def, lo, hi, NULL, NULL, 0, NULL}
#define IF(name, def, lo, hi, desc) \
    {name, "1", desc, SD_PARAM_INT, def, lo, hi, NULL, NULL, 1, NULL}

/* One drug: its six schedule parameters. */
#define DRUG(type, interval, dose, t_half, emax, what)                                   \
    R(type ".start", "d", 0.0, 0.0, 1e6, what ": time of the first dose"),                \
    R(type ".interval", "d", interval, 0.0, 1e6, what ": time between doses"),            \
    I(type ".doses", 0, 0, 1e6, what ": number of doses (0: not given)"),                  \
    R(type ".dose", "EC50", dose, 0.0, 1e6, what ": dose, in units of EC50"),             \
    R(type ".t_half", "h", t_half, 1e-3, 1e7, what ": elimination half-life"),            \
    R(type ".emax", "1", emax, 0.0, 1.0, what ": maximal effect Emax (E = Emax C/(1+C))")

static const char *const drift_tissue_choices[] = {"generic", "cartilage", "bone", "muscle",
                                                   "disc", NULL};

const sd_param_def sd_drift_param_defs[] = {
    /* Lattice and run: they fix the layout of the outputs (fixed_only). */
    IF("dim", 2, 2, 3, "lattice dimension: 2 or 3"),
    IF("nx", 128, 1, 16777216, "sites along x"),
    IF("ny", 128, 1, 16777216, "sites along y"),
    IF("nz", 1, 1, 16777216, "sites along z (3-D only; must be 1 in 2-D)"),
    RF("dx", "um", 10.0, 1e-3, 1e6, "lattice spacing (about one cell)"),
    IF("periodic_x", 0, 0, 1, "1: periodic along x; 0: zero-flux walls"),
    IF("periodic_y", 0, 0, 1, "1: periodic along y; 0: zero-flux walls"),
    IF("periodic_z", 0, 0, 1, "1: periodic along z (3-D only); 0: zero-flux walls"),
    RF("dt", "d", 1.0 / 24.0, 1e-6, 365.0, "time step"),
    RF("duration", "d", 365.0, 0.0, 1e6, "simulated time (a multiple of output_interval)"),
    RF("output_interval", "d", 1.0, 1e-6, 1e6,
       "time between output rows (a multiple of dt)"),
    /* Fields. */
    R("L_S", "um", 250.0, 0.0, 1e6, "range of the SASP load S"),
    R("t_half_S", "h", 6.0, 1e-3, 1e6, "half-life of the SASP load S"),
    R("L_E", "um", 30.0, 0.0, 1e6, "range of the EV load E"),
    R("t_half_E", "h", 24.0, 1e-3, 1e6, "half-life of the EV load E"),
    R("psi", "1", NAN, 0.0, 1e4,
      "EV uptake affinity of normal cells (extra EV decay psi, uptake signal U = psi E); "
      "default: tissue preset (generic 4, cartilage 8, bone 4, muscle 4, disc 4)"),
    R("field_rtol", "1", 1e-8, 1e-14, 1e-2,
      "field solver tolerance: ||b - A u||_max <= field_rtol ||b||_max (default of "
      "sd_fields_opts_default)"),
    I("field_max_cycles", 50, 1, 1000,
      "most multigrid V-cycles per field solve; more is a failed run"),
    /* Induction. */
    R("k0", "1/d", 2e-4, 0.0, 1e3, "intrinsic induction rate"),
    R("g_epi", "1", 4.0, 0.0, 1e3, "gain of intrinsic induction with epi"),
    R("k_S", "1/d", 2e-3, 0.0, 1e3, "SASP (shotgun) induction rate"),
    R("K_S", "1", 0.5, 1e-9, 1e6, "SASP load of half-maximal induction"),
    R("k_E", "1/d", 0.05, 0.0, 1e3, "EV (affinity) induction rate"),
    R("K_E", "1", 0.3, 1e-9, 1e6, "EV uptake signal of half-maximal induction"),
    R("h", "1", 2.0, 0.1, 20.0, "Hill coefficient of EV induction"),
    /* Clearance. */
    R("beta", "1/d", NAN, 0.0, 1e3,
      "immune clearance rate of senescent cells; default: tissue preset (generic 0.15, "
      "cartilage 0.03, bone 0.15, muscle 0.15, disc 0.01)"),
    R("kappa", "1", 0.05, 1e-9, 1e6,
      "senescent fraction at which immune clearance is halved (Karin et al. 2019)"),
    R("r_S", "1", 0.5, 0.0, 1e6, "boost of clearance by the local SASP load"),
    R("k_sl", "1/d", 3.0, 0.0, 1e3, "senolytic clearance rate at full effect"),
    /* Rejuvenation. */
    R("k_rev", "1/d", 0.05, 0.0, 1e3,
      "rejuvenation rate (SENESCENT -> NORMAL) at full DNA-demethylation effect"),
    R("reset", "1", 0.8, 0.0, 1.0, "share of epi erased by rejuvenation"),
    /* Regeneration. */
    R("k_reg", "1/d", NAN, 0.0, 1e3,
      "regeneration rate of an empty site with all neighbours normal; default: tissue "
      "preset (generic 0.1, cartilage 0.01, bone 0.1, muscle 0.2, disc 0.1)"),
    R("K_reg", "1", NAN, 1e-9, 1e6,
      "SASP load that halves regeneration; default: tissue preset (generic 0.5, "
      "cartilage 0.5, bone 0.5, muscle 0.1, disc 0.5)"),
    /* Deterministic updates. */
    R("mu_epi", "1/d", 1e-3, 0.0, 1e3, "epigenetic drift rate"),
    R("g_S", "1", 1.0, 0.0, 1e6, "acceleration of epigenetic drift by the SASP load"),
    R("k_dm", "1/d", 0.2, 0.0, 1e3, "epi decay rate at full DNA-demethylation effect"),
    R("rho", "1/d", 0.02, 0.0, 1e3, "matrix repair rate by normal cells"),
    R("delta", "1/d", NAN, 0.0, 1e3,
      "matrix loss rate per unit SASP load; default: tissue preset (generic 0.01, "
      "cartilage 0.01, bone 0.01, muscle 0.01, disc 0.05)"),
    /* Bone. */
    R("bone_turnover", "1/d", 0.01, 0.0, 1e3,
      "bone: dB/dt = bone_turnover (f_normal - B) - bone_sasp mean(S) B"),
    R("bone_sasp", "1/d", 0.02, 0.0, 1e3,
      "bone: resorption per unit mean SASP load (osteoclastogenesis)"),
    /* Initial state. */
    R("epi0", "1", 0.2, 0.0, 1.0, "initial epi of every cell"),
    R("f0", "1", 0.01, 0.0, 1.0, "initial background senescent fraction"),
    R("focus_radius", "um", 0.0, 0.0, 1e9,
      "radius of the initial senescent focus around the lattice centre (0: none)"),
    {"tissue", "1", "tissue preset: generic, cartilage, bone, muscle or disc", SD_PARAM_CHOICE,
     0, 0, 0, drift_tissue_choices, "generic", 0, NULL},
    /* Drugs. */
    DRUG("senolytic", 30.0, 10.0, 12.0, 1.0, "senolytic"),
    DRUG("senomorphic", 1.0, 3.0, 12.0, 0.8, "senomorphic (SASP inhibitor)"),
    DRUG("ev_blocker", 1.0, 3.0, 12.0, 0.5, "EV blocker (nSMase2 inhibitor)"),
    DRUG("dna_demethylation", 7.0, 3.0, 24.0, 1.0, "DNA demethylation"),
    DRUG("hdac_inhibitor", 1.0, 3.0, 12.0, 0.5, "HDAC inhibitor"),
    DRUG("immune", 90.0, 3.0, 720.0, 1.0, "immune therapy (anti-uPAR CAR-T)"),
    DRUG("ev_therapy", 7.0, 1.0, 24.0, 1.0, "EV therapy (MSC secretome)"),
    R("hdac_inhibitor.tox", "1/d", 0.0, 0.0, 1e3,
      "HDAC inhibitor: induction by toxicity, k_tox = tox E"),
    R("ev_therapy.chi", "1", 0.1, 0.0, 1.0,
      "EV therapy: share of EVs from senescent donor cells (uniform EV source chi E)"),
    R("tissue_efficacy", "1", NAN, 0.0, 1e3,
      "multiplier of the senolytic effect in this tissue; default: tissue preset "
      "(generic 1, cartilage 1, bone 1, muscle 0.3, disc 1)"),
};

/* Every entry filled: SD_DRIFT_NPARAMS is the number of entries above. */
_Static_assert(sizeof sd_drift_param_defs / sizeof sd_drift_param_defs[0] == SD_DRIFT_NPARAMS,
               "SD_DRIFT_NPARAMS");

const sd_param_def *sd_drift_param_table(size_t *n)
{
    if (n) *n = SD_DRIFT_NPARAMS;
    return sd_drift_param_defs;
}

/* ---- Loading ------------------------------------------------------------------- */

static const sd_param_def *drift_def(const char *name)
{
    size_t n;
    const sd_param_def *t = sd_drift_param_table(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) return &t[i];
    return NULL;
}

typedef struct {
    const sd_paramset *ps;
    sd_drift_tissue tissue;
    int rc;
} drift_loader;

/* The value of `name`: the set's (or the table default; NaN of a tissue-
 * dependent parameter: the preset), checked against the table's range. */
static double drift_get(drift_loader *L, const char *name)
{
    const sd_param_def *d = drift_def(name);
    if (!d) {
        if (!L->rc) L->rc = sd_error(SD_ERR_INTERNAL, "drift: no parameter \"%s\"", name);
        return 0;
    }
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
    const char *tissue = sd_paramset_choice(ps, "tissue", "generic");
    int t = -1;
    for (int i = 0; i < SD_TISSUE_COUNT; i++)
        if (strcmp(sd_drift_tissue_names[i], tissue) == 0) t = i;
    if (t < 0)
        return sd_error(SD_ERR_INPUT,
                        "drift: tissue \"%s\" is not one of generic, cartilage, bone, muscle, "
                        "disc",
                        tissue);
    L.tissue = p->tissue = (sd_drift_tissue)t;

    p->dim = (int)drift_get(&L, "dim");
    p->n[0] = (int)drift_get(&L, "nx");
    p->n[1] = (int)drift_get(&L, "ny");
    p->n[2] = (int)drift_get(&L, "nz");
    p->dx = drift_get(&L, "dx");
    p->periodic[0] = (int)drift_get(&L, "periodic_x");
    p->periodic[1] = (int)drift_get(&L, "periodic_y");
    p->periodic[2] = (int)drift_get(&L, "periodic_z");
    p->dt = drift_get(&L, "dt");
    p->duration = drift_get(&L, "duration");
    p->output_interval = drift_get(&L, "output_interval");

    p->L_S = drift_get(&L, "L_S");
    p->t_half_S = drift_get(&L, "t_half_S");
    p->L_E = drift_get(&L, "L_E");
    p->t_half_E = drift_get(&L, "t_half_E");
    p->psi = drift_get(&L, "psi");
    p->field_rtol = drift_get(&L, "field_rtol");
    p->field_max_cycles = (int)drift_get(&L, "field_max_cycles");

    p->k0 = drift_get(&L, "k0");
    p->g_epi = drift_get(&L, "g_epi");
    p->k_S = drift_get(&L, "k_S");
    p->K_S = drift_get(&L, "K_S");
    p->k_E = drift_get(&L, "k_E");
    p->K_E = drift_get(&L, "K_E");
    p->h = drift_get(&L, "h");
    p->beta = drift_get(&L, "beta");
    p->kappa = drift_get(&L, "kappa");
    p->r_S = drift_get(&L, "r_S");
    p->k_sl = drift_get(&L, "k_sl");
    p->k_rev = drift_get(&L, "k_rev");
    p->reset = drift_get(&L, "reset");
    p->k_reg = drift_get(&L, "k_reg");
    p->K_reg = drift_get(&L, "K_reg");
    p->mu_epi = drift_get(&L, "mu_epi");
    p->g_S = drift_get(&L, "g_S");
    p->k_dm = drift_get(&L, "k_dm");
    p->rho = drift_get(&L, "rho");
    p->delta = drift_get(&L, "delta");
    p->bone_turnover = drift_get(&L, "bone_turnover");
    p->bone_sasp = drift_get(&L, "bone_sasp");
    p->epi0 = drift_get(&L, "epi0");
    p->f0 = drift_get(&L, "f0");
    p->focus_radius = drift_get(&L, "focus_radius");

    for (int d = 0; d < SD_DRUG_COUNT; d++) {
        char nm[64];
        sd_drift_schedule *s = &p->drug[d];
        const char *dn = sd_drift_drug_names[d];
        snprintf(nm, sizeof nm, "%s.start", dn);
        s->start = drift_get(&L, nm);
        snprintf(nm, sizeof nm, "%s.interval", dn);
        s->interval = drift_get(&L, nm);
        snprintf(nm, sizeof nm, "%s.doses", dn);
        s->doses = (long)drift_get(&L, nm);
        snprintf(nm, sizeof nm, "%s.dose", dn);
        s->dose = drift_get(&L, nm);
        snprintf(nm, sizeof nm, "%s.t_half", dn);
        s->t_half = drift_get(&L, nm);
        snprintf(nm, sizeof nm, "%s.emax", dn);
        s->emax = drift_get(&L, nm);
    }
    p->hdac_tox = drift_get(&L, "hdac_inhibitor.tox");
    p->evt_chi = drift_get(&L, "ev_therapy.chi");
    p->tissue_efficacy = drift_get(&L, "tissue_efficacy");
    if (L.rc) return L.rc;

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
