/* The drift model on one rank: drug schedules against hand-computed values,
 * tissue presets, validation messages, event probabilities and channel
 * attribution, the event draws (keying, probability per lane, lanes
 * uncorrelated) and the event kernel on blocks that split the draws' groups,
 * the regeneration kernel at walls and across a periodic
 * axis, exact observations of a known state, and the mean-field check. */
#include <CUnit/Basic.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "sendrift/box.h"
#include "sendrift/error.h"
#include "sendrift/fields.h"
#include "sendrift/grid.h"
#include "sendrift/halo.h"
#include "sd_drift_test.h"
#include "sd_test.h"

#define NS SD_DRIFT_NSERIES

/* ---- Helpers ------------------------------------------------------------------ */

static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fabs(b) + 1e-300;
}

/* |x - p| in binomial standard errors of n trials. */
static double in_se(double x, double p, double n) { return fabs(x - p) / sqrt(p * (1 - p) / n); }

/* ---- Drugs ------------------------------------------------------------------------ */

static void test_drug_schedule(void)
{
    /* Doses of 4 EC50 at t = 1, 3, 5 d; half-life 12 h: a factor 4 per day. */
    sd_drift_schedule s = {1.0, 2.0, 3, 4.0, 12.0, 0.8};
    struct {
        double t, C;
    } want[] = {
        {0.0, 0.0},
        {0.999, 0.0},
        {1.0, 4.0},
        {2.0, 1.0},
        {3.0, 4.0 / 16 + 4.0},
        {3.5, 4.0 / 32 + 2.0},
        {5.0, 4.0 * (1.0 / 256 + 1.0 / 16 + 1.0)},
        {7.0, 4.0 * (1.0 / 4096 + 1.0 / 256 + 1.0 / 16)}, /* no fourth dose */
        {10.0, 4.0 * (pow(2, -18) + pow(2, -14) + pow(2, -10))},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double C = sd_drift_drug_conc(&s, want[i].t);
        CU_ASSERT(close_rel(C, want[i].C, 1e-13));
        if (!close_rel(C, want[i].C, 1e-13))
            fprintf(stderr, "C(%g) = %.17g, want %.17g\n", want[i].t, C, want[i].C);
        double E = sd_drift_drug_effect(&s, want[i].t);
        CU_ASSERT(close_rel(E, 0.8 * want[i].C / (1 + want[i].C), 1e-13));
    }
    CU_ASSERT(close_rel(sd_drift_drug_effect(&s, 1.0), 0.64, 1e-15));
    /* A dose due at 240 steps of 1/24 d: t = 240 * (1/24) rounds below 10. */
    sd_drift_schedule s10 = {10.0, 0.0, 1, 1.0, 24.0, 1.0};
    CU_ASSERT(close_rel(sd_drift_drug_conc(&s10, 240 * (1.0 / 24.0)), 1.0, 1e-12));
    /* Two doses at once (interval 0); none given (doses 0). */
    sd_drift_schedule s2 = {0.0, 0.0, 2, 3.0, 24.0, 1.0};
    CU_ASSERT(close_rel(sd_drift_drug_conc(&s2, 2.0), 6.0 / 4, 1e-14));
    sd_drift_schedule s0 = {0.0, 1.0, 0, 3.0, 24.0, 1.0};
    CU_ASSERT_EQUAL(sd_drift_drug_conc(&s0, 2.0), 0.0);

    /* What the drugs do, at t = 1 d (one dose each at t = 0, dose 1, 24 h:
     * C = 0.5, E = emax / 3). */
    pset P;
    pset_make(&P, "senolytic.doses=1 senolytic.dose=1 senolytic.t_half=24 "
                  "senomorphic.doses=1 senomorphic.dose=1 senomorphic.t_half=24 "
                  "ev_blocker.doses=1 ev_blocker.dose=1 ev_blocker.t_half=24 "
                  "dna_demethylation.doses=1 dna_demethylation.dose=1 "
                  "dna_demethylation.t_half=24 hdac_inhibitor.doses=1 hdac_inhibitor.dose=1 "
                  "hdac_inhibitor.t_half=24 hdac_inhibitor.tox=0.3 immune.doses=1 "
                  "immune.dose=1 immune.t_half=24 ev_therapy.doses=1 ev_therapy.dose=1 "
                  "ev_therapy.t_half=24 ev_therapy.chi=0.25 tissue=muscle");
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    sd_drift_drive d;
    sd_drift_drive_at(&p, 1.0, &d);
    double third = 1.0 / 3;
    CU_ASSERT(close_rel(d.qS, 1 - 0.8 * third, 1e-14));
    CU_ASSERT(close_rel(d.qE, 1 - 0.5 * third, 1e-14));
    CU_ASSERT(close_rel(d.protect, 1 - 0.5 * third, 1e-14));
    CU_ASSERT(close_rel(d.k_tox, 0.3 * 0.5 * third, 1e-14));
    CU_ASSERT(close_rel(d.immune, 1 + 2 * third, 1e-14));
    CU_ASSERT(close_rel(d.k_sl, 3.0 * 0.3 * third, 1e-14)); /* muscle: efficacy 0.3 */
    CU_ASSERT(close_rel(d.k_rej, 0.05 * third, 1e-14));
    /* DNA demethylation (k_dm 0.2) and the HDAC inhibitor (its k_dm 0.1,
     * emax 0.5) both lower epi. */
    CU_ASSERT(close_rel(d.kdm, 0.2 * third + 0.1 * 0.5 * third, 1e-14));
    CU_ASSERT(close_rel(d.evt, 0.25 * third, 1e-14));
    /* The EV therapy's benefit: regeneration and matrix repair x (1 + b E). */
    CU_ASSERT(close_rel(d.reg_gain, 1 + third, 1e-14));
    CU_ASSERT(close_rel(d.rho_gain, 1 + third, 1e-14));
    sd_drift_coef c;
    sd_drift_coef_make(&p, &d, 0.0, &c);
    CU_ASSERT(close_rel(c.k_reg, 0.2 * (1 + third), 1e-14)); /* muscle: k_reg 0.2 */
    CU_ASSERT(close_rel(c.rho, 0.02 * (1 + third), 1e-14));
    pset_make(&P, "ev_therapy.doses=1 ev_therapy.dose=1 ev_therapy.t_half=24 "
                  "ev_therapy.b_reg=3 ev_therapy.b_rho=0.5 ev_therapy.emax=0.6");
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    sd_drift_drive_at(&p, 1.0, &d);
    CU_ASSERT(close_rel(d.reg_gain, 1 + 3 * 0.6 * third, 1e-14));
    CU_ASSERT(close_rel(d.rho_gain, 1 + 0.5 * 0.6 * third, 1e-14));
}

/* ---- Parameters -------------------------------------------------------------------- */

static void test_tissue_presets(void)
{
    static const char *const dep[] = {"beta", "k_reg", "K_reg", "psi", "delta",
                                      "tissue_efficacy"};
    size_t nt;
    const sd_param_def *t = sd_drift_param_table(&nt);
    CU_ASSERT_EQUAL(nt, SD_DRIFT_NPARAMS);
    for (size_t i = 0; i < nt; i++) {
        int is_dep = 0;
        for (size_t k = 0; k < 6; k++) is_dep |= strcmp(t[i].name, dep[k]) == 0;
        if (t[i].type == SD_PARAM_CHOICE) continue;
        /* NaN exactly for the tissue-dependent ones, documented as such. */
        CU_ASSERT_EQUAL(isnan(t[i].def) != 0, is_dep);
        CU_ASSERT_EQUAL(strstr(t[i].description, "default: tissue preset") != NULL, is_dep);
        if (!is_dep) CU_ASSERT(t[i].def >= t[i].min && t[i].def <= t[i].max);
        for (int ts = 0; is_dep && ts < SD_TISSUE_COUNT; ts++) {
            double v = sd_drift_tissue_preset((sd_drift_tissue)ts, t[i].name);
            CU_ASSERT(v >= t[i].min && v <= t[i].max);
        }
    }
    struct {
        const char *text;
        double beta, k_reg, K_reg, psi, delta, eff;
    } want[] = {
        {"", 0.15, 0.1, 0.5, 4, 0.01, 1},
        {"tissue=cartilage", 0.03, 0.01, 0.5, 8, 0.01, 1},
        {"tissue=bone", 0.15, 0.1, 0.5, 4, 0.01, 1},
        {"tissue=muscle", 0.15, 0.2, 0.1, 4, 0.01, 0.3},
        {"tissue=disc", 0.01, 0.1, 0.5, 4, 0.05, 1},
        /* A value given overrides the preset; the others stay. */
        {"tissue=cartilage beta=0.07", 0.07, 0.01, 0.5, 8, 0.01, 1},
        {"tissue=muscle tissue_efficacy=0.9 psi=2", 0.15, 0.2, 0.1, 2, 0.01, 0.9},
        {"beta=0.2 tissue=disc", 0.2, 0.1, 0.5, 4, 0.05, 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        pset P;
        pset_make(&P, want[i].text);
        sd_drift_params p;
        CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
        CU_ASSERT_EQUAL(p.beta, want[i].beta);
        CU_ASSERT_EQUAL(p.k_reg, want[i].k_reg);
        CU_ASSERT_EQUAL(p.K_reg, want[i].K_reg);
        CU_ASSERT_EQUAL(p.psi, want[i].psi);
        CU_ASSERT_EQUAL(p.delta, want[i].delta);
        CU_ASSERT_EQUAL(p.tissue_efficacy, want[i].eff);
    }
    /* The lattice and the output times are fixed_only; the rest may be swept. */
    static const char *const fixed[] = {"dim",        "nx",         "ny", "nz",
                                        "dx",         "periodic_x", "periodic_y",
                                        "periodic_z", "dt",         "duration",
                                        "output_interval"};
    for (size_t i = 0; i < nt; i++) {
        int f = 0;
        for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
            f |= strcmp(t[i].name, fixed[k]) == 0;
        CU_ASSERT_EQUAL(t[i].fixed_only, f);
    }
    /* field_rtol's default is the solver's. */
    sd_fields_opts fo;
    sd_fields_opts_default(&fo);
    for (size_t i = 0; i < nt; i++)
        if (strcmp(t[i].name, "field_rtol") == 0) CU_ASSERT_EQUAL(t[i].def, fo.rtol);
    /* The defaults: 128 x 128, 365 rows + 1, 24 steps per row. */
    pset P;
    pset_make(&P, "");
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    CU_ASSERT_EQUAL(p.n_times, 366u);
    CU_ASSERT_EQUAL(p.steps_per_output, 24);
    CU_ASSERT_EQUAL(p.steps_total, 8760);
    CU_ASSERT_EQUAL(p.tissue, SD_TISSUE_GENERIC);
}

static void expect_input_error(const char *text, const char *msg)
{
    pset P;
    pset_make(&P, text);
    sd_layout L;
    int rc = sd_model_drift.layout(&P.ps, &L);
    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
    if (rc == SD_OK) sd_layout_free(&L);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), msg));
    if (!strstr(sd_error_message(), msg))
        fprintf(stderr, "\n%s: got \"%s\", want \"%s\"\n", text, sd_error_message(), msg);
    sd_run_info info = {0, 0, 0, 1, NULL, 0};
    void *st = NULL;
    CU_ASSERT_EQUAL(sd_model_drift.create(&P.ps, &info, MPI_COMM_SELF, &st), SD_ERR_INPUT);
    CU_ASSERT_PTR_NULL(st);
}

static void test_validation(void)
{
    expect_input_error("output_interval=0.1",
                       "output_interval = 0.1 d is not a whole multiple of dt = 0.0416667 d");
    expect_input_error("dt=2 output_interval=1", "output_interval = 1 d is not a whole multiple");
    expect_input_error("duration=10.5", "duration = 10.5 d is not a whole multiple of "
                                        "output_interval = 1 d");
    expect_input_error("nz=5", "nz = 5 is given but dim = 2");
    expect_input_error("periodic_z=1", "periodic_z = 1 is given but dim = 2");
    expect_input_error("dim=3", "dim = 3 needs nz >= 2");
    expect_input_error("beta=-1", "parameter \"beta\" = -1 is outside [0, 1000]");
    expect_input_error("nx=2.5", "parameter \"nx\" = 2.5 is not a whole number");
    expect_input_error("tissue=liver", "tissue \"liver\" is not one of generic, cartilage");
    expect_input_error("init=slab", "init \"slab\" is not one of \"focus\" or \"half-space\"");
    expect_input_error("init=half-space focus_radius=30",
                       "focus_radius = 30 um is given but init = half-space");
    pset P;
    pset_make(&P, "nx=3 ny=1");
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    CU_ASSERT_EQUAL(sd_drift_check_ranks(&p, 4), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "nx = 3, ny = 1 cannot be split over 4 "
                                                      "ranks"));
    CU_ASSERT_EQUAL(sd_drift_check_ranks(&p, 3), SD_OK);
    pset_make(&P, "nx=3 ny=3");
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    CU_ASSERT_EQUAL(sd_drift_check_ranks(&p, 4), SD_OK); /* 2 x 2 */
    CU_ASSERT_EQUAL(sd_drift_check_ranks(&p, 5), SD_ERR_INPUT);

    /* Advancing backwards, or to a time that is not a step. */
    pset_make(&P, "nx=8 ny=8 duration=2");
    sd_run_info info = {0, 0, 0, 1, NULL, 0};
    void *st = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_model_drift.create(&P.ps, &info, MPI_COMM_SELF, &st), SD_OK);
    CU_ASSERT_EQUAL(sd_model_drift.advance(st, 1.0), SD_OK);
    CU_ASSERT_EQUAL(sd_model_drift.advance(st, 0.5), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "the run is at t = 1 d already"));
    CU_ASSERT_EQUAL(sd_model_drift.advance(st, 1.01), SD_ERR_INPUT);
    CU_ASSERT_EQUAL(sd_model_drift.advance(st, 3.0), SD_ERR_INPUT);
    sd_model_drift.destroy(st);
}

/* ---- Events -------------------------------------------------------------------------- */

/* One step of 1 d on 128 x 128 sites, every site senescent, clearance only:
 * the fraction cleared is 1 - exp(-k dt), k = beta / (1 + 1 / kappa). */
static void test_clearance_probability(void)
{
    result r;
    const char *base = "nx=128 ny=128 dt=1 output_interval=1 duration=1 f0=1 r_S=0 beta=1 "
                       "kappa=1 k_reg=0 ";
    CU_ASSERT_EQUAL_FATAL(run_model(base, 1, &r), SD_OK);
    double N = 128.0 * 128, p = 1 - exp(-0.5);
    double got = r.rows[NS + SD_DRIFT_FRAC_EMPTY];
    printf("\n    clearance: %.5f vs %.5f (%.2f s.e.)", got, p, in_se(got, p, N));
    CU_ASSERT(in_se(got, p, N) < 4);
    CU_ASSERT_EQUAL(r.rows[NS + SD_DRIFT_CLEARANCES], got);
    CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FRAC_SENESCENT], 1.0);
    result_free(&r);

    /* Clearance 0.5/d against rejuvenation k_rev E_dm = 1 x 0.5: each takes
     * half of 1 - exp(-1). */
    char text[512];
    snprintf(text, sizeof text,
             "%s dna_demethylation.doses=1 dna_demethylation.dose=1 k_rev=1 mu_epi=0", base);
    CU_ASSERT_EQUAL_FATAL(run_model(text, 2, &r), SD_OK);
    p = 0.5 * (1 - exp(-1.0));
    double e = r.rows[NS + SD_DRIFT_FRAC_EMPTY], n = r.rows[NS + SD_DRIFT_FRAC_NORMAL];
    printf("\n    clearance vs rejuvenation: %.5f, %.5f vs %.5f (%.2f, %.2f s.e.)", e, n, p,
           in_se(e, p, N), in_se(n, p, N));
    CU_ASSERT(in_se(e, p, N) < 4);
    CU_ASSERT(in_se(n, p, N) < 4);
    CU_ASSERT_EQUAL(r.rows[NS + SD_DRIFT_REJUVENATIONS], n);
    /* Rejuvenated cells: epi0 x (1 - reset) (k_dm E_dm decays epi too). */
    CU_ASSERT(r.rows[NS + SD_DRIFT_MEAN_EPI] < 0.2);
    result_free(&r);
}

/* Induction only: intrinsic k0 (1 + g_epi epi0) x (1 - P) against HDAC
 * toxicity, both at t = 0 over a step of 1 d. */
static void test_induction_channels(void)
{
    result r;
    /* hdac_inhibitor: C = 1 at t = 0, E = 0.5 x 1/2 = 0.25: protect 0.75; tox
     * 0.2 x 0.25 = 0.05; intrinsic 0.75 x 0.1 x (1 + 0) = 0.075. */
    const char *text = "nx=128 ny=128 dt=1 output_interval=1 duration=1 f0=0 k0=0.1 g_epi=0 "
                       "k_S=0 k_E=0 k_reg=0 hdac_inhibitor.doses=1 hdac_inhibitor.dose=1 "
                       "hdac_inhibitor.emax=0.5 hdac_inhibitor.tox=0.2";
    CU_ASSERT_EQUAL_FATAL(run_model(text, 3, &r), SD_OK);
    double N = 128.0 * 128, k = 0.075 + 0.05, p = 1 - exp(-k);
    double s = r.rows[NS + SD_DRIFT_FRAC_SENESCENT];
    double ni = r.rows[NS + SD_DRIFT_IND_INTRINSIC] * N, nt = r.rows[NS + SD_DRIFT_IND_TOX] * N;
    printf("\n    induction: %.5f vs %.5f (%.2f s.e.); intrinsic share %.4f vs 0.6 (%.2f s.e.)",
           s, p, in_se(s, p, N), ni / (ni + nt), in_se(ni / (ni + nt), 0.6, ni + nt));
    CU_ASSERT(in_se(s, p, N) < 4);
    CU_ASSERT(in_se(ni / (ni + nt), 0.6, ni + nt) < 4);
    CU_ASSERT_EQUAL(ni + nt, s * N);
    CU_ASSERT_EQUAL(r.rows[NS + SD_DRIFT_IND_SASP], 0.0);
    CU_ASSERT_EQUAL(r.rows[NS + SD_DRIFT_IND_EV], 0.0);
    CU_ASSERT_EQUAL(r.summary[SD_DRIFT_EV_SHARE], 0.0);
    result_free(&r);
}

/* A focus, spatial induction by one channel only: every induction is
 * attributed to it. */
static void test_ev_share(void)
{
    result r;
    CU_ASSERT_EQUAL_FATAL(run_model("nx=64 ny=64 duration=6 focus_radius=100 f0=0 k0=0 k_S=0 "
                                    "k_E=0.5 K_E=0.2",
                                    4, &r),
                          SD_OK);
    const double *last = r.rows + (r.nt - 1) * NS;
    printf("\n    EV only: %.0f inductions, ev_share %g", last[SD_DRIFT_IND_EV] * 4096,
           r.summary[SD_DRIFT_EV_SHARE]);
    CU_ASSERT(last[SD_DRIFT_IND_EV] * 4096 >= 20);
    CU_ASSERT_EQUAL(r.summary[SD_DRIFT_EV_SHARE], 1.0);
    CU_ASSERT_EQUAL(last[SD_DRIFT_IND_INTRINSIC], 0.0);
    CU_ASSERT_EQUAL(last[SD_DRIFT_IND_SASP], 0.0);
    CU_ASSERT_EQUAL(last[SD_DRIFT_IND_TOX], 0.0);
    result_free(&r);
    /* The SASP channel alone: no EV share. */
    CU_ASSERT_EQUAL_FATAL(run_model("nx=64 ny=64 duration=6 focus_radius=100 f0=0 k0=0 k_S=0.2 "
                                    "k_E=0",
                                    4, &r),
                          SD_OK);
    last = r.rows + (r.nt - 1) * NS;
    CU_ASSERT(last[SD_DRIFT_IND_SASP] * 4096 >= 20);
    CU_ASSERT_EQUAL(r.summary[SD_DRIFT_EV_SHARE], 0.0);
    result_free(&r);
    /* No induction at all: NaN. */
    CU_ASSERT_EQUAL_FATAL(run_model("nx=16 ny=16 duration=2 f0=0 k0=0 k_S=0 k_E=0", 4, &r),
                          SD_OK);
    CU_ASSERT(isnan(r.summary[SD_DRIFT_EV_SHARE]));
    CU_ASSERT(isnan(r.summary[SD_DRIFT_DRIFT_SPEED])); /* no focus */
    CU_ASSERT_EQUAL(r.summary[SD_DRIFT_DRIFT_SPEED_STATUS], 3.0);
    CU_ASSERT(isnan(r.rows[SD_DRIFT_FRONT_RADIUS]));
    result_free(&r);
}

/* The regeneration kernel on a 4 x 3 lattice with walls (and periodic x):
 * rate k_reg (normal neighbours / existing neighbours), the new cell's epi
 * the mean of its normal neighbours'. */
static void regen_case(int periodic_x, const double want_rate[12], const double want_epi[12])
{
    int n[3] = {4, 3, 1}, per[3] = {periodic_x, 0, 0};
    sd_grid *g = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_SELF, 2, n, 10.0, per, &g), SD_OK);
    const sd_box *b = sd_grid_box(g);
    static const uint8_t layout[12] = {0, 1, 2, 2, /* y = 0: E N S S */
                                       1, 0, 1, 2, /* y = 1: N E N S */
                                       2, 1, 0, 0}; /* y = 2: S N E E */
    uint8_t *kind = malloc(b->size), *kind_new = malloc(b->size);
    double *epi, *epi_new, *S, *E, *qS, *aE, *qE;
    sd_grid_alloc(g, "", &epi);
    sd_grid_alloc(g, "", &epi_new);
    sd_grid_alloc(g, "", &S);
    sd_grid_alloc(g, "", &E);
    sd_grid_alloc(g, "", &qS);
    sd_grid_alloc(g, "", &aE);
    sd_grid_alloc(g, "", &qE);
    memset(kind, SD_DRIFT_NOSITE, b->size);
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 4; i++) {
            kind[sd_box_idx(b, i, j, 0)] = layout[4 * j + i];
            epi[sd_box_idx(b, i, j, 0)] = 0.1 * (1 + i + 4 * j);
        }
    sd_halo *hk, *he;
    CU_ASSERT_EQUAL_FATAL(sd_halo_create(g, 1, SD_HALO_FACES, &hk), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_halo_create(g, sizeof(double), SD_HALO_FACES, &he), SD_OK);
    CU_ASSERT_EQUAL(sd_halo_exchange(hk, kind), SD_OK);
    CU_ASSERT_EQUAL(sd_halo_exchange(he, epi), SD_OK);

    pset P;
    pset_make(&P, "k0=0 k_S=0 k_E=0 beta=0 k_reg=1 dt=1 output_interval=1");
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    sd_drift_drive d;
    sd_drift_drive_at(&p, 0, &d);
    sd_drift_coef c;
    sd_drift_coef_make(&p, &d, 0.0, &c);
    sd_rng rng = sd_rng_make(99, 1);
    sd_region all = {{0, 0, 0}, {4, 3, 1}};
    const int T = 20000;
    int count[12] = {0};
    for (int t = 0; t < T; t++) {
        memcpy(epi_new, epi, sizeof(double) * b->size);
        int64_t ev[SD_DRIFT_NEVENTS] = {0}, cnt[2] = {0, 0};
        sd_drift_kernel_events(b, &all, &c, &rng, (uint64_t)t, kind, epi, S, E, kind_new,
                               epi_new, qS, aE, qE, ev, cnt);
        int regs = 0;
        for (int q = 0; q < 12; q++) {
            ptrdiff_t x = sd_box_idx(b, q % 4, q / 4, 0);
            if (layout[q] == SD_DRIFT_EMPTY && kind_new[x] == SD_DRIFT_NORMAL) {
                count[q]++;
                regs++;
                CU_ASSERT(fabs(epi_new[x] - want_epi[q]) < 1e-15);
            } else {
                CU_ASSERT_EQUAL(kind_new[x], layout[q]);
            }
        }
        CU_ASSERT_EQUAL(ev[SD_DRIFT_EV_REGEN], regs);
    }
    for (int q = 0; q < 12; q++) {
        if (layout[q] != SD_DRIFT_EMPTY) continue;
        double pr = 1 - exp(-want_rate[q]), got = (double)count[q] / T;
        if (pr == 0) {
            CU_ASSERT_EQUAL(count[q], 0);
            continue;
        }
        printf("\n    regeneration (periodic_x %d) at (%d, %d): %.4f vs %.4f (%.2f s.e.)",
               periodic_x, q % 4, q / 4, got, pr, in_se(got, pr, T));
        CU_ASSERT(in_se(got, pr, T) < 4);
    }
    sd_halo_destroy(&hk);
    sd_halo_destroy(&he);
    free(kind);
    free(kind_new);
    free(epi);
    free(epi_new);
    free(S);
    free(E);
    free(qS);
    free(aE);
    free(qE);
    sd_grid_destroy(&g);
}

static void test_regeneration_kernel(void)
{
    /* epi of site (i, j) is 0.1 (1 + i + 4 j). */
    double rate[12] = {0}, epi[12] = {0};
    /* (0,0): walls W, S; neighbours (1,0) N, (0,1) N: 2 / 2. */
    rate[0] = 1.0;
    epi[0] = (0.2 + 0.5) / 2;
    /* (1,1): (0,1) N, (2,1) N, (1,0) N, (1,2) N: 4 / 4. */
    rate[5] = 1.0;
    epi[5] = (0.5 + 0.7 + 0.2 + 1.0) / 4;
    /* (2,2): (1,2) N, (3,2) E, (2,1) N, wall: 2 / 3. */
    rate[10] = 2.0 / 3;
    epi[10] = (1.0 + 0.7) / 2;
    /* (3,2): (2,2) E, (3,1) S, two walls: no normal neighbour. */
    rate[11] = 0;
    regen_case(0, rate, epi);
    /* Periodic along x: (0,0) gains (3,0) S: 2 / 3 (same epi); (3,2) gains
     * (0,2) S: 0 / 3; (2,2) and (1,1) unchanged. */
    rate[0] = 2.0 / 3;
    regen_case(1, rate, epi);
}

/* ---- Event random numbers ------------------------------------------------------------ */

/* The arrays of the event kernel on one block: kind, kind_new and epi, S, E,
 * epi_new, qS, aE, qE. */
typedef struct {
    sd_box b;
    uint8_t *kind, *kind_new;
    double *v[7];
} ev_block;

static void ev_block_make(ev_block *B, const int n[3], const int lo[3], const int ln[3])
{
    sd_box_setup(&B->b, 2, n, lo, ln, NULL, 10.0);
    B->kind = malloc(B->b.size);
    B->kind_new = malloc(B->b.size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(B->kind);
    CU_ASSERT_PTR_NOT_NULL_FATAL(B->kind_new);
    memset(B->kind, SD_DRIFT_NOSITE, B->b.size);
    memset(B->kind_new, SD_DRIFT_NOSITE, B->b.size);
    for (int q = 0; q < 7; q++) {
        B->v[q] = calloc(B->b.size, sizeof(double));
        CU_ASSERT_PTR_NOT_NULL_FATAL(B->v[q]);
    }
}

static void ev_block_free(ev_block *B)
{
    free(B->kind);
    free(B->kind_new);
    for (int q = 0; q < 7; q++) free(B->v[q]);
}

/* One step of the event kernel over the whole block (epi_new starts as epi). */
static void ev_block_step(ev_block *B, const sd_drift_coef *c, const sd_rng *rng, uint64_t step,
                          int64_t ev[SD_DRIFT_NEVENTS], int64_t cnt[2])
{
    sd_region all = {{0, 0, 0}, {B->b.ln[0], B->b.ln[1], 1}};
    memcpy(B->v[3], B->v[0], sizeof(double) * B->b.size);
    sd_drift_kernel_events(&B->b, &all, c, rng, step, B->kind, B->v[0], B->v[1], B->v[2],
                           B->kind_new, B->v[3], B->v[4], B->v[5], B->v[6], ev, cnt);
}

static void coef_of(const char *text, sd_drift_coef *c)
{
    pset P;
    pset_make(&P, text);
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    sd_drift_drive d;
    sd_drift_drive_at(&p, 0, &d);
    sd_drift_coef_make(&p, &d, 0.01, c);
}

/* Normal sites with intrinsic induction only: every site's outcome is the
 * documented draw (word g mod 4 of Philox countered by (g / 4, step,
 * SD_DRIFT_RNG_FIRE), below 1 - exp(-k dt)); the fraction of sites induced,
 * per lane of a group, is 1 - exp(-k dt) within 4 binomial standard errors,
 * and two lanes of a group fire together with probability p^2 (no
 * correlation between the words of one call).  250 sites per row: groups
 * straddle rows. */
static void event_draws_case(double k0, int T)
{
    int n[3] = {250, 160, 1}, lo[3] = {0, 0, 0};
    ev_block B;
    ev_block_make(&B, n, lo, n);
    for (int j = 0; j < n[1]; j++)
        for (int i = 0; i < n[0]; i++) {
            ptrdiff_t x = sd_box_idx(&B.b, i, j, 0);
            B.kind[x] = SD_DRIFT_NORMAL;
            B.v[0][x] = 0.5;  /* epi: no effect with g_epi = 0 */
            B.v[1][x] = 0.25; /* S: no effect with k_S = 0 */
        }
    char text[256];
    snprintf(text, sizeof text,
             "k0=%.17g g_epi=0 k_S=0 k_E=0 beta=0 k_reg=0 dt=1 output_interval=1", k0);
    sd_drift_coef c;
    coef_of(text, &c);
    sd_rng rng = sd_rng_make(2024, 11);
    const double x = c.protect * c.k0 * (1.0 + c.g_epi * 0.5) * c.dt, p = -expm1(-x);
    const int64_t N = (int64_t)n[0] * n[1], G = N / 4;
    uint8_t *fired = malloc((size_t)N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fired);
    int64_t lane[4] = {0, 0, 0, 0}, pair[4][4] = {{0}}, wrong = 0;
    for (int t = 0; t < T; t++) {
        int64_t ev[SD_DRIFT_NEVENTS] = {0}, cnt[2] = {0, 0};
        ev_block_step(&B, &c, &rng, (uint64_t)t, ev, cnt);
        int64_t nf = 0;
        for (int64_t g = 0; g < N; g++) {
            ptrdiff_t q = sd_box_idx(&B.b, (int)(g % n[0]), (int)(g / n[0]), 0);
            uint64_t w[4];
            sd_rng_bits(&rng, (uint64_t)g / 4, (uint64_t)t, SD_DRIFT_RNG_FIRE, w);
            double u0 = sd_rng_u01(w[g % 4]);
            int want = u0 < x && u0 < -expm1(-x);
            fired[g] = B.kind_new[q] == SD_DRIFT_SENESCENT;
            wrong += fired[g] != want ||
                     B.kind_new[q] != (want ? SD_DRIFT_SENESCENT : SD_DRIFT_NORMAL);
            lane[g % 4] += fired[g];
            nf += fired[g];
        }
        CU_ASSERT_EQUAL(ev[SD_DRIFT_EV_INTRINSIC], nf);
        CU_ASSERT_EQUAL(cnt[0], nf);
        CU_ASSERT_EQUAL(cnt[1], N - nf);
        for (int64_t g4 = 0; g4 < G; g4++)
            for (int a = 0; a < 4; a++)
                for (int b = a + 1; b < 4; b++)
                    pair[a][b] += fired[4 * g4 + a] && fired[4 * g4 + b];
    }
    CU_ASSERT_EQUAL(wrong, 0);
    double nl = (double)G * T; /* sites of each lane over the steps (N = 4 G) */
    printf("\n    k dt %g: p %.5f; per lane", x, p);
    for (int a = 0; a < 4; a++) {
        double f = lane[a] / nl;
        printf(" %.5f (%+.2f)", f, (f - p) / sqrt(p * (1 - p) / nl));
        CU_ASSERT(in_se(f, p, nl) < 4);
    }
    printf("; both of two lanes vs %.6f:", p * p);
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++) {
            double f = pair[a][b] / nl;
            printf(" %.6f (%+.2f)", f, (f - p * p) / sqrt(p * p * (1 - p * p) / nl));
            CU_ASSERT(in_se(f, p * p, nl) < 4);
        }
    free(fired);
    ev_block_free(&B);
}

static void test_event_draws(void)
{
    event_draws_case(0.3, 20);   /* p = 0.26: every site below its bound */
    event_draws_case(2e-3, 200); /* p = 0.002: most sites decided by the bound */
}

/* Revision 2 rates on normal sites of four epi classes (by column mod 4:
 * epi 0, 0.25, 0.5, 1) at S = K_S and psi E = K_E (both channels at half
 * saturation): induction (1 - P) (1 + g_epi epi) (k0 + k_S / 2 + k_E / 2),
 * so epi scales every channel and the shares of the channels do not depend
 * on epi; a site made senescent secretes q (1 + g_sec epi). */
static void test_epi_susceptibility(void)
{
    int n[3] = {200, 200, 1}, lo[3] = {0, 0, 0};
    static const double epis[4] = {0.0, 0.25, 0.5, 1.0};
    ev_block B;
    ev_block_make(&B, n, lo, n);
    for (int j = 0; j < n[1]; j++)
        for (int i = 0; i < n[0]; i++) {
            ptrdiff_t x = sd_box_idx(&B.b, i, j, 0);
            B.kind[x] = SD_DRIFT_NORMAL;
            B.v[0][x] = epis[i % 4];
            B.v[1][x] = 0.25; /* S = K_S */
            B.v[2][x] = 0.15; /* psi E = 2 x 0.15 = K_E */
        }
    sd_drift_coef c;
    coef_of("k0=0.02 g_epi=3 k_S=0.3 K_S=0.25 k_E=0.18 K_E=0.3 psi=2 h=2 g_sec=1.5 beta=0 "
            "k_reg=0 dt=0.5 output_interval=0.5",
            &c);
    const double bracket = 0.02 + 0.3 * 0.5 + 0.18 * 0.5;
    int64_t fired[4] = {0}, tot[4] = {0}, chan[3] = {0};
    const int T = 10;
    int wrong_src = 0;
    sd_rng rng = sd_rng_make(77, 3);
    for (int t = 0; t < T; t++) {
        int64_t ev[SD_DRIFT_NEVENTS] = {0}, cnt[2] = {0, 0};
        ev_block_step(&B, &c, &rng, (uint64_t)t, ev, cnt);
        for (int q = 0; q < 3; q++) chan[q] += ev[SD_DRIFT_EV_INTRINSIC + q];
        for (int j = 0; j < n[1]; j++)
            for (int i = 0; i < n[0]; i++) {
                ptrdiff_t x = sd_box_idx(&B.b, i, j, 0);
                int sen = B.kind_new[x] == SD_DRIFT_SENESCENT;
                fired[i % 4] += sen;
                tot[i % 4]++;
                /* sources: q_S = q_E = 1 (no drug) x (1 + 1.5 epi) */
                double want = sen ? 1.0 + 1.5 * epis[i % 4] : 0.0;
                wrong_src += B.v[4][x] != want || B.v[6][x] != want;
            }
    }
    CU_ASSERT_EQUAL(wrong_src, 0);
    printf("\n    induction by epi:");
    for (int a = 0; a < 4; a++) {
        double p = -expm1(-(1 + 3 * epis[a]) * bracket * 0.5), f = (double)fired[a] / tot[a];
        printf(" %.4f vs %.4f (%.2f s.e.)", f, p, in_se(f, p, tot[a]));
        CU_ASSERT(in_se(f, p, tot[a]) < 4);
    }
    /* Which channel: in proportion to k0 : k_S/2 : k_E/2 whatever the epi. */
    double nall = (double)(chan[0] + chan[1] + chan[2]);
    const double share[3] = {0.02 / bracket, 0.15 / bracket, 0.09 / bracket};
    printf("; channel shares");
    for (int q = 0; q < 3; q++) {
        printf(" %.4f vs %.4f", chan[q] / nall, share[q]);
        CU_ASSERT(in_se(chan[q] / nall, share[q], nall) < 4);
    }
    ev_block_free(&B);
}

/* A mixed lattice at the default rates (induction by all channels,
 * clearance, regeneration, rejuvenation, toxicity): the kernel on the whole
 * lattice, on blocks whose x offsets split groups of four (as a rank's block
 * may), and with the bounds of k dt switched off (every site on the exact
 * path) gives bit-identical kinds, epi, counts and events. */
static void test_event_blocks(void)
{
    int n[3] = {61, 37, 1}, lo0[3] = {0, 0, 0};
    sd_drift_coef c, cx;
    coef_of("k0=0.01 k_S=0.5 k_E=0.8 K_E=0.05 psi=1 k_reg=2 beta=1 r_S=2 k_rev=1 dt=1 "
            "dna_demethylation.doses=1 dna_demethylation.dose=1 hdac_inhibitor.doses=1 "
            "hdac_inhibitor.tox=0.2 output_interval=1",
            &c);
    cx = c;
    cx.x_norm0 = cx.x_norm1 = cx.x_reg = INFINITY;
    CU_ASSERT(c.x_norm0 < 1 && c.x_reg < 3);
    sd_rng rng = sd_rng_make(7, 3);
    ev_block W, X;
    ev_block_make(&W, n, lo0, n);
    ev_block_make(&X, n, lo0, n);
    for (int j = -1; j <= n[1]; j++)
        for (int i = -1; i <= n[0]; i++) {
            ptrdiff_t x = sd_box_idx(&W.b, i, j, 0);
            int in = i >= 0 && j >= 0 && i < n[0] && j < n[1];
            unsigned h = (unsigned)(i * 7919 + j * 104729 + 17) * 2654435761u >> 24;
            W.kind[x] = !in ? SD_DRIFT_NOSITE
                        : h < 30 ? SD_DRIFT_EMPTY
                        : h < 60 ? SD_DRIFT_SENESCENT
                                 : SD_DRIFT_NORMAL;
            W.v[0][x] = in ? 0.1 + 0.8 * (h % 97) / 97.0 : 0;
            W.v[1][x] = in ? 0.02 * (h % 13) : 0;
            W.v[2][x] = in ? 0.03 * (h % 11) : 0;
        }
    memcpy(X.kind, W.kind, X.b.size);
    for (int q = 0; q < 3; q++) memcpy(X.v[q], W.v[q], sizeof(double) * X.b.size);
    static const int cuts[][2] = {{1, 1}, {3, 5}, {6, 2}, {30, 18}, {58, 36}};
    int64_t total[SD_DRIFT_NEVENTS] = {0};
    int mism = 0;
    for (uint64_t t = 0; t < 40; t++) {
        int64_t ev[SD_DRIFT_NEVENTS] = {0}, cnt[2] = {0, 0};
        int64_t evx[SD_DRIFT_NEVENTS] = {0}, cntx[2] = {0, 0};
        ev_block_step(&W, &c, &rng, t, ev, cnt);
        ev_block_step(&X, &cx, &rng, t, evx, cntx);
        mism += memcmp(W.kind_new, X.kind_new, W.b.size) != 0 ||
                memcmp(W.v[3], X.v[3], sizeof(double) * W.b.size) != 0 ||
                memcmp(ev, evx, sizeof ev) != 0 || memcmp(cnt, cntx, sizeof cnt) != 0;
        for (int q = 0; q < SD_DRIFT_NEVENTS; q++) total[q] += ev[q];
        for (size_t cu = 0; cu < sizeof cuts / sizeof cuts[0]; cu++) {
            int64_t eb[SD_DRIFT_NEVENTS] = {0}, cb[2] = {0, 0};
            for (int bx = 0; bx < 2; bx++)
                for (int by = 0; by < 2; by++) {
                    int lo[3] = {bx ? cuts[cu][0] : 0, by ? cuts[cu][1] : 0, 0};
                    int ln[3] = {bx ? n[0] - cuts[cu][0] : cuts[cu][0],
                                 by ? n[1] - cuts[cu][1] : cuts[cu][1], 1};
                    ev_block Bk;
                    ev_block_make(&Bk, n, lo, ln);
                    for (int j = -1; j <= ln[1]; j++)
                        for (int i = -1; i <= ln[0]; i++) {
                            ptrdiff_t y = sd_box_idx(&W.b, lo[0] + i, lo[1] + j, 0),
                                      x = sd_box_idx(&Bk.b, i, j, 0);
                            Bk.kind[x] = W.kind[y];
                            for (int q = 0; q < 3; q++) Bk.v[q][x] = W.v[q][y];
                        }
                    ev_block_step(&Bk, &c, &rng, t, eb, cb);
                    for (int j = 0; j < ln[1]; j++)
                        for (int i = 0; i < ln[0]; i++) {
                            ptrdiff_t y = sd_box_idx(&W.b, lo[0] + i, lo[1] + j, 0),
                                      x = sd_box_idx(&Bk.b, i, j, 0);
                            mism += Bk.kind_new[x] != W.kind_new[y];
                            for (int q = 3; q < 7; q++)
                                mism += memcmp(&Bk.v[q][x], &W.v[q][y], sizeof(double)) != 0;
                        }
                    ev_block_free(&Bk);
                }
            mism += memcmp(eb, ev, sizeof ev) != 0 || memcmp(cb, cnt, sizeof cnt) != 0;
        }
    }
    printf("\n    events over 40 steps:");
    for (int q = 0; q < SD_DRIFT_NEVENTS; q++) {
        printf(" %lld", (long long)total[q]);
        CU_ASSERT(total[q] > 0); /* every kind of event happened */
    }
    CU_ASSERT_EQUAL(mism, 0);
    ev_block_free(&W);
    ev_block_free(&X);
}

/* ---- Observations ---------------------------------------------------------------------- */

static void test_initial_observation(void)
{
    for (int n = 40; n <= 41; n++) {
        char text[256];
        snprintf(text, sizeof text,
                 "nx=%d ny=%d duration=0 focus_radius=50 f0=0 tissue=cartilage", n, n);
        result r;
        CU_ASSERT_EQUAL_FATAL(run_model(text, 5, &r), SD_OK);
        CU_ASSERT_EQUAL_FATAL(r.nt, 1u);
        /* Sites whose centre is within 50 um (5 dx) of the lattice centre. */
        long inside = 0;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                double x = i + 0.5 - n / 2.0, y = j + 0.5 - n / 2.0;
                inside += x * x + y * y <= 25.0;
            }
        double N = (double)n * n;
        CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FRAC_SENESCENT], inside / N);
        CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FRAC_NORMAL], (N - inside) / N);
        CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FRAC_EMPTY], 0.0);
        CU_ASSERT(fabs(r.rows[SD_DRIFT_MEAN_EPI] - 0.2) <= 0x1p-54);
        CU_ASSERT_EQUAL(r.rows[SD_DRIFT_MEAN_ECM], 1.0);
        /* Cartilage: F = mean ecm x normal fraction. */
        CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FUNCTION_F], (N - inside) / N);
        CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FRONT_RADIUS], 50.0);
        CU_ASSERT(r.rows[SD_DRIFT_MEAN_S] > 0 && r.rows[SD_DRIFT_MEAN_E] > 0);
        /* The steady S conserves the source over zero-flux walls: mean S =
         * mean q_S = the senescent fraction x (1 + g_sec epi0) = x 1.4 (up
         * to the solver tolerance); EV uptake by normal cells keeps mean E
         * below it. */
        double src = inside / N * (1 + 2.0 * 0.2);
        CU_ASSERT(fabs(r.rows[SD_DRIFT_MEAN_S] - src) < 1e-5 * src);
        CU_ASSERT(r.rows[SD_DRIFT_MEAN_E] < src);
        CU_ASSERT_EQUAL(r.summary[SD_DRIFT_PEAK_FRAC_SENESCENT], inside / N);
        CU_ASSERT_EQUAL(r.summary[SD_DRIFT_AUC_FRAC_SENESCENT], 0.0);
        printf("\n    %d x %d: focus of %ld sites, front %g um", n, n, inside,
               r.rows[SD_DRIFT_FRONT_RADIUS]);
        result_free(&r);
        /* Without uptake the steady E conserves its source too: both means
         * are the senescent fraction x (1 + g_sec epi0). */
        snprintf(text, sizeof text,
                 "nx=%d ny=%d duration=0 focus_radius=50 f0=0 psi=0 g_sec=0.5 epi0=0.4", n,
                 n);
        CU_ASSERT_EQUAL_FATAL(run_model(text, 5, &r), SD_OK);
        src = inside / N * (1 + 0.5 * 0.4);
        CU_ASSERT(fabs(r.rows[SD_DRIFT_MEAN_S] - src) < 1e-5 * src);
        CU_ASSERT(fabs(r.rows[SD_DRIFT_MEAN_E] - src) < 1e-5 * src);
        result_free(&r);
    }
}

/* F of every tissue, after some matrix loss and turnover. */
static void test_function_index(void)
{
    static const char *const tissues[] = {"generic", "cartilage", "bone", "muscle", "disc"};
    for (int ts = 0; ts < 5; ts++) {
        char text[256];
        snprintf(text, sizeof text,
                 "nx=24 ny=20 duration=4 focus_radius=60 f0=0.05 k_reg=0.5 beta=0.5 "
                 "delta=0.5 tissue=%s",
                 tissues[ts]);
        result r;
        CU_ASSERT_EQUAL_FATAL(run_model(text, 8, &r), SD_OK);
        const double *last = r.rows + (r.nt - 1) * NS;
        double F = last[SD_DRIFT_FUNCTION_F], fn = last[SD_DRIFT_FRAC_NORMAL];
        double ecm = last[SD_DRIFT_MEAN_ECM];
        CU_ASSERT(ecm < 1 && fn < 1);
        switch (ts) {
        case 1: CU_ASSERT_EQUAL(F, ecm * fn); break;
        case 2: /* bone: B(0) = 1, decays with SASP, relaxes to f_normal */
            CU_ASSERT_EQUAL(r.rows[SD_DRIFT_FUNCTION_F], 1.0);
            CU_ASSERT(F < 1 && F > fn - 0.1);
            break;
        case 4: CU_ASSERT_EQUAL(F, ecm); break;
        default: CU_ASSERT_EQUAL(F, fn); break;
        }
        CU_ASSERT_EQUAL(r.summary[SD_DRIFT_FINAL_F], F);
        result_free(&r);
    }
}

/* Summaries from rows set by hand. */
static void test_summaries(void)
{
    sd_drift_params p;
    memset(&p, 0, sizeof p);
    double times[4] = {0, 1, 2, 3}, rows[4 * NS];
    for (int k = 0; k < 4 * NS; k++) rows[k] = 0;
    double fs[4] = {0.1, 0.3, 0.2, 0.4}, F[4] = {0.9, 0.6, 0.4, 0.3}, R[4] = {10, 15, 30, 50};
    double wall[4] = {0, 0, 0, 1};
    for (int k = 0; k < 4; k++) {
        rows[k * NS + SD_DRIFT_FRAC_SENESCENT] = fs[k];
        rows[k * NS + SD_DRIFT_FUNCTION_F] = F[k];
        rows[k * NS + SD_DRIFT_FOCUS_RADIUS] = R[k];
        rows[k * NS + SD_DRIFT_FOCUS_WALL] = wall[k];
        rows[k * NS + SD_DRIFT_FRONT_RADIUS] = 1e9; /* not what drift_speed reads */
    }
    int64_t tot[SD_DRIFT_NEVENTS] = {30, 10, 40, 20, 0, 0, 0};
    double s[SD_DRIFT_NSUMMARY];
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT_EQUAL(s[SD_DRIFT_PEAK_FRAC_SENESCENT], 0.4);
    CU_ASSERT(fabs(s[SD_DRIFT_AUC_FRAC_SENESCENT] - (0.2 + 0.25 + 0.3)) < 1e-15);
    CU_ASSERT(fabs(s[SD_DRIFT_TIME_F_BELOW_HALF] - 1.5) < 1e-15);
    /* The window ends where the focus cluster meets a wall: points (0, 10),
     * (1, 15), (2, 30): slope 10. */
    CU_ASSERT(fabs(s[SD_DRIFT_DRIFT_SPEED] - 10.0) < 1e-13);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_POINTS], 3.0);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 1.0); /* up to a wall */
    CU_ASSERT_EQUAL(s[SD_DRIFT_EV_SHARE], 0.4);
    CU_ASSERT_EQUAL(s[SD_DRIFT_FINAL_F], 0.3);
    F[1] = 0.5;
    rows[NS + SD_DRIFT_FUNCTION_F] = 0.7;
    rows[2 * NS + SD_DRIFT_FUNCTION_F] = 0.6;
    rows[3 * NS + SD_DRIFT_FUNCTION_F] = 0.5;
    /* The focus cluster gone at t = 2: two points are too few. */
    rows[2 * NS + SD_DRIFT_FOCUS_RADIUS] = 0;
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT(isnan(s[SD_DRIFT_TIME_F_BELOW_HALF])); /* 0.5 is not below 0.5 */
    CU_ASSERT(isnan(s[SD_DRIFT_DRIFT_SPEED]));
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_POINTS], 2.0);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 5.0); /* gone after 2 times */
    /* Never at a wall, never gone: the whole run. */
    for (int k = 0; k < 4; k++) {
        rows[k * NS + SD_DRIFT_FOCUS_RADIUS] = 10.0 + 5 * k;
        rows[k * NS + SD_DRIFT_FOCUS_WALL] = 0;
    }
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT(fabs(s[SD_DRIFT_DRIFT_SPEED] - 5.0) < 1e-13);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 0.0);
    /* At a wall from the start. */
    rows[SD_DRIFT_FOCUS_WALL] = 1;
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT(isnan(s[SD_DRIFT_DRIFT_SPEED]));
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 4.0);
    /* init = half-space: the planar front, on a lattice 40 dx = 400 um
     * long, over the window while it is at most 300 um (3/4): (0, 50),
     * (1, 90), (2, 150); 320 ends it (the focus columns are not read). */
    p.init = SD_INIT_HALF_SPACE;
    p.n[0] = 40;
    p.dx = 10;
    double X[4] = {50, 90, 150, 320};
    for (int k = 0; k < 4; k++) {
        rows[k * NS + SD_DRIFT_PLANAR_FRONT] = X[k];
        rows[k * NS + SD_DRIFT_FOCUS_RADIUS] = NAN;
        rows[k * NS + SD_DRIFT_FOCUS_WALL] = NAN;
    }
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT(fabs(s[SD_DRIFT_DRIFT_SPEED] - 50.0) < 1e-13);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_POINTS], 3.0);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 1.0);
    /* exactly 3/4 is still in the window: the whole run, slope of
     * (50, 90, 150, 300): 405 / 5 = 81 */
    rows[3 * NS + SD_DRIFT_PLANAR_FRONT] = 300;
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT(fabs(s[SD_DRIFT_DRIFT_SPEED] - 81.0) < 1e-12);
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 0.0);
    /* the slab gone at t = 1 */
    rows[NS + SD_DRIFT_PLANAR_FRONT] = 0;
    sd_drift_summarize_rows(&p, 4, times, rows, tot, s);
    CU_ASSERT(isnan(s[SD_DRIFT_DRIFT_SPEED]));
    CU_ASSERT_EQUAL(s[SD_DRIFT_DRIFT_SPEED_STATUS], 5.0);
}

/* ---- Clusters --------------------------------------------------------------------------- */

/* A whole lattice for sd_drift_clusters. */
static sd_box cl_box(int dim, int nx, int ny, int nz, int px)
{
    sd_box b;
    memset(&b, 0, sizeof b);
    b.dim = dim;
    b.n[0] = nx;
    b.n[1] = ny;
    b.n[2] = dim == 3 ? nz : 1;
    b.periodic[0] = px;
    b.nglobal = (int64_t)nx * ny * b.n[2];
    b.dx = 10;
    return b;
}

#define CL(q) (out[(q) - SD_DRIFT_FOCUS_RADIUS])

/* Clusters set by hand: a focus disk, a 2 x 2 blob in a corner and a lone
 * site; the same disk touching a wall; clusters joined across a periodic
 * boundary; stripes for the pair correlation; a cube in 3-D. */
static void test_clusters(void)
{
    sd_drift_params p;
    memset(&p, 0, sizeof p);
    p.dx = 10;
    p.focus_radius = 30;
    double out[SD_DRIFT_NSERIES];
    uint8_t k[20 * 16];
    sd_box b = cl_box(2, 20, 16, 1, 0);
    /* The focus: sites whose centre is within 3 dx of the centre (10, 8). */
    memset(k, SD_DRIFT_NORMAL, sizeof k);
    long A = 0;
    double rmax = 0;
    for (int j = 0; j < 16; j++)
        for (int i = 0; i < 20; i++) {
            double x = i + 0.5 - 10, y = j + 0.5 - 8, r = sqrt(x * x + y * y);
            if (r <= 3) {
                k[i + 20 * j] = SD_DRIFT_SENESCENT;
                A++;
                if (r > rmax) rmax = r;
            }
        }
    CU_ASSERT_EQUAL(A, 32); /* 4 x 4 + 4 x 4 edge sites: by hand */
    k[0] = k[1] = k[20] = k[21] = SD_DRIFT_SENESCENT; /* the corner blob */
    k[15 + 20 * 12] = SD_DRIFT_SENESCENT;            /* a lone site */
    k[5 + 20 * 12] = SD_DRIFT_EMPTY;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_RADIUS) - sqrt(32 / 3.14159265358979323846) * 10) < 1e-12);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_EXTENT) - rmax * 10) < 1e-12);
    CU_ASSERT(fabs(rmax - sqrt(2.5 * 2.5 + 1.5 * 1.5)) < 1e-15);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_FOCUS_WALL), 0.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_CLUSTERS), 2.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_FRAC), 5.0 / 320);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 3.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTER_MEAN), 37.0 / 3);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTER_MAX), 32.0);
    /* Empty sites of a lesion join the focus cluster: a path of 5 empty
     * sites from (13, 9) to (15, 11) brings the lone site into it (38 sites),
     * which is then no longer nucleated, though still a senescent cluster of
     * its own. */
    static const int path[5][2] = {{13, 9}, {14, 9}, {15, 9}, {15, 10}, {15, 11}};
    for (int q = 0; q < 5; q++) k[path[q][0] + 20 * path[q][1]] = SD_DRIFT_EMPTY;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_RADIUS) - sqrt(38 / 3.14159265358979323846) * 10) < 1e-12);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_CLUSTERS), 1.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_FRAC), 4.0 / 320);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 3.0);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_EXTENT) - sqrt(5.5 * 5.5 + 4.5 * 4.5) * 10) < 1e-12);
    for (int q = 0; q < 5; q++) k[path[q][0] + 20 * path[q][1]] = SD_DRIFT_NORMAL;
    /* A bridge from the focus to the blob: one cluster, touching the walls. */
    for (int i = 1; i < 10; i++) k[i + 20 * 1] = SD_DRIFT_SENESCENT;
    for (int j = 1; j < 8; j++) k[9 + 20 * j] = SD_DRIFT_SENESCENT;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_FOCUS_WALL), 1.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 2.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_CLUSTERS), 1.0);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_EXTENT) - sqrt(9.5 * 9.5 + 7.5 * 7.5) * 10) < 1e-12);
    /* Without a focus: every cluster is nucleated, the focus outputs NaN. */
    p.focus_radius = 0;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(isnan(CL(SD_DRIFT_FOCUS_RADIUS)) && isnan(CL(SD_DRIFT_FOCUS_WALL)));
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_CLUSTERS), 2.0);
    /* Across x: sites (0, 5) and (19, 5) are neighbours on a periodic axis. */
    memset(k, SD_DRIFT_NORMAL, sizeof k);
    k[20 * 5] = k[19 + 20 * 5] = SD_DRIFT_SENESCENT;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 2.0);
    sd_box bp = cl_box(2, 20, 16, 1, 1);
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&bp, &p, k, out), SD_OK);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 1.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTER_MAX), 2.0);
    /* Stripes: senescent on even x, f = 1/2.  Lag 1: no pair along x, half
     * of the 20 x 15 along y: 150 / 604 of pairs, / f^2.  Even lags L: half
     * the pairs along both axes: 2.  Lag 16: along x only (16 x 4 pairs).
     * Lag 32: no pair on a 20 x 16 lattice with walls. */
    for (int j = 0; j < 16; j++)
        for (int i = 0; i < 20; i++) k[i + 20 * j] = i % 2 ? SD_DRIFT_NORMAL : SD_DRIFT_SENESCENT;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_PCF_1) - 600.0 / 604) < 1e-15);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_PCF_2), 2.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_PCF_4), 2.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_PCF_8), 2.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_PCF_16), 2.0);
    CU_ASSERT(isnan(CL(SD_DRIFT_PCF_32)));
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 10.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTER_MEAN), 16.0);
    /* Periodic x: lag 1 pairs along x wrap too: 150 / (320 + 300). */
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&bp, &p, k, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_PCF_1) - 600.0 / 620) < 1e-15);
    /* 3-D: a 3 x 3 x 3 cube at the centre of 10^3, focus 10 um. */
    static uint8_t k3[1000];
    sd_box b3 = cl_box(3, 10, 10, 10, 0);
    memset(k3, SD_DRIFT_NORMAL, sizeof k3);
    for (int z = 4; z < 7; z++)
        for (int y = 4; y < 7; y++)
            for (int x = 4; x < 7; x++) k3[x + 10 * (y + 10 * z)] = SD_DRIFT_SENESCENT;
    p.focus_radius = 10;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b3, &p, k3, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_RADIUS) - cbrt(81 / (4 * 3.14159265358979323846)) * 10) <
              1e-12);
    CU_ASSERT(fabs(CL(SD_DRIFT_FOCUS_EXTENT) - sqrt(3 * 1.5 * 1.5) * 10) < 1e-12);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_CLUSTERS), 1.0);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_NUCLEATED_CLUSTERS), 0.0);
    /* The focus gone: radius 0, the drift speed's window ends there. */
    memset(k3, SD_DRIFT_NORMAL, sizeof k3);
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b3, &p, k3, out), SD_OK);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_FOCUS_RADIUS), 0.0);
    CU_ASSERT(isnan(CL(SD_DRIFT_CLUSTER_MEAN)) && isnan(CL(SD_DRIFT_PCF_1)));
}

/* The planar front of init = half-space on hand-made lattices of 10 x 4
 * sites (dx 10 um): plane fractions 1, 1, 3/4, 1/4, 0, ... cross 1/2 half
 * way between the centres of planes 2 and 3 (x = 25 and 35 um): 30 um;
 * fractions 1, 1/2, 1/4: 1/2 is not below it, so between planes 1 and 2,
 * at 15 + 10 (1/2 - 1/2) / (1/2 - 1/4) = 15 um; an empty first plane: 0;
 * every plane at 1/2 or more: nx dx.  An isolated senescent cluster ahead
 * of the front does not move it; with init = focus it is NaN.  In 3-D the
 * planes hold ny nz sites. */
static void test_planar_front(void)
{
    sd_drift_params p;
    memset(&p, 0, sizeof p);
    p.dx = 10;
    p.init = SD_INIT_HALF_SPACE;
    double out[SD_DRIFT_NSERIES];
    uint8_t k[10 * 4];
    sd_box b = cl_box(2, 10, 4, 1, 0);
    static const int count[10] = {4, 4, 3, 1, 0, 0, 4, 0, 0, 0};
    memset(k, SD_DRIFT_NORMAL, sizeof k);
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < count[i]; j++) k[i + 10 * j] = SD_DRIFT_SENESCENT;
    k[4 + 10 * 3] = SD_DRIFT_EMPTY; /* an empty site is not senescent */
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_PLANAR_FRONT) - 30.0) < 1e-12);
    CU_ASSERT(isnan(CL(SD_DRIFT_FOCUS_RADIUS))); /* no focus with a slab */
    /* Fractions 1, 1/2, 1/4, 0 ...: 15 um. */
    memset(k, SD_DRIFT_NORMAL, sizeof k);
    for (int j = 0; j < 4; j++) k[10 * j] = SD_DRIFT_SENESCENT;
    k[1] = k[11] = k[2] = SD_DRIFT_SENESCENT;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_PLANAR_FRONT) - 15.0) < 1e-12);
    /* The first plane below 1/2: 0; every plane at 1/2: nx dx = 100 um. */
    k[0] = k[10] = k[20] = SD_DRIFT_NORMAL;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_PLANAR_FRONT), 0.0);
    memset(k, SD_DRIFT_NORMAL, sizeof k);
    for (int i = 0; i < 10; i++) k[i + 10 * (i % 2)] = k[i + 10 * 2] = SD_DRIFT_SENESCENT;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT_EQUAL(CL(SD_DRIFT_PLANAR_FRONT), 100.0);
    p.init = SD_INIT_FOCUS;
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b, &p, k, out), SD_OK);
    CU_ASSERT(isnan(CL(SD_DRIFT_PLANAR_FRONT)));
    /* 3-D, 6 x 2 x 3: planes of 6 sites with 6, 5, 2, 0 ...: between planes
     * 1 and 2 at 15 + 10 (5/6 - 1/2) / (5/6 - 1/3) = 21 2/3 um. */
    p.init = SD_INIT_HALF_SPACE;
    uint8_t k3[6 * 2 * 3];
    sd_box b3 = cl_box(3, 6, 2, 3, 0);
    static const int c3[6] = {6, 5, 2, 0, 0, 0};
    memset(k3, SD_DRIFT_NORMAL, sizeof k3);
    for (int i = 0; i < 6; i++)
        for (int q = 0; q < c3[i]; q++) k3[i + 6 * q] = SD_DRIFT_SENESCENT; /* (y, z) = q */
    CU_ASSERT_EQUAL_FATAL(sd_drift_clusters(&b3, &p, k3, out), SD_OK);
    CU_ASSERT(fabs(CL(SD_DRIFT_PLANAR_FRONT) - (15.0 + 10.0 * (1.0 / 3) / 0.5)) < 1e-12);
}

/* ---- Neutral potencies --------------------------------------------------------------- */

/* The rule the default k_S and k_E come from (docs/model.md, "Neutral
 * potencies"): a normal cell whose every site within 3 dx is senescent (28
 * sites in 2-D, epi0, no drug), in an otherwise normal tissue, at the steady
 * state of both fields, is induced at the same rate by either channel
 * alone: k_S S/(K_S + S) = k_E Hill(psi E).  The lattice is 257^2 with the
 * cell at its centre, 128 dx = 5.1 L_S from the walls. */
static void neutral_reference(const sd_drift_params *p, double *Sc, double *Ec)
{
    int n[3] = {257, 257, 1}, per[3] = {0, 0, 0};
    sd_grid *g = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_grid_create(MPI_COMM_SELF, 2, n, p->dx, per, &g), SD_OK);
    const sd_box *b = sd_grid_box(g);
    double *q = NULL, *a = NULL, *S = NULL, *E = NULL;
    CU_ASSERT_EQUAL_FATAL(sd_grid_alloc(g, "q", &q), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_grid_alloc(g, "a", &a), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_grid_alloc(g, "S", &S), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_grid_alloc(g, "E", &E), SD_OK);
    int nsen = 0;
    for (int j = 0; j < n[1]; j++)
        for (int i = 0; i < n[0]; i++) {
            ptrdiff_t x = sd_box_idx(b, i, j, 0);
            int di = i - 128, dj = j - 128, sen = di * di + dj * dj <= 9 && (di || dj);
            nsen += sen;
            q[x] = sen ? 1.0 + p->g_sec * p->epi0 : 0.0;
            a[x] = sen ? 0.0 : p->psi;
        }
    CU_ASSERT_EQUAL(nsen, 28);
    sd_fields *fs = NULL;
    sd_fields_opts o;
    sd_fields_opts_default_dim(&o, 2);
    o.rtol = 1e-10;
    CU_ASSERT_EQUAL_FATAL(sd_fields_create(g, &o, &fs), SD_OK);
    double lamS, DS, lamE, DE;
    CU_ASSERT_EQUAL_FATAL(sd_fields_rates(p->L_S, p->t_half_S, &lamS, &DS), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_fields_rates(p->L_E, p->t_half_E, &lamE, &DE), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_fields_steady(fs, S, NULL, q, lamS, DS, NULL), SD_OK);
    CU_ASSERT_EQUAL_FATAL(sd_fields_steady(fs, E, a, q, lamE, DE, NULL), SD_OK);
    ptrdiff_t c = sd_box_idx(b, 128, 128, 0);
    *Sc = S[c];
    *Ec = E[c];
    sd_fields_destroy(&fs);
    free(q);
    free(a);
    free(S);
    free(E);
    sd_grid_destroy(&g);
}

static void test_neutral_potencies(void)
{
    pset P;
    pset_make(&P, "");
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    double Sc, Ec;
    neutral_reference(&p, &Sc, &Ec);
    double sat = Sc / (p.K_S + Sc), U = p.psi * Ec, hill = U * U / (p.K_E * p.K_E + U * U);
    double rS = p.k_S * sat, rE = p.k_E * hill;
    printf("\n    reference cell: S = %.6g, S/(K_S+S) = %.6g; E = %.6g, U = psi E = %.6g, "
           "Hill = %.6g; k_E / k_S = %.6g for equal rates; defaults k_S %g, k_E %g: rates "
           "%.6g and %.6g /d (ratio %.4f)",
           Sc, sat, Ec, U, hill, sat / hill, p.k_S, p.k_E, rS, rE, rE / rS);
    CU_ASSERT(fabs(rE / rS - 1) < 0.005);
}

/* ---- Mean field ------------------------------------------------------------------------ */

/* Without spatial coupling every site is an independent Markov chain with
 * the same rates (up to the global f_sen), so the senescent fraction of N
 * sites is binomial around the mean-field value.  Switched off: k_S = k_E = 0
 * (the fields' only effect on induction), r_S = 0 (local SASP in clearance),
 * g_S = 0 (local SASP in epi drift, which would make induction local through
 * epi), k_reg = 0 (regeneration depends on the neighbours), k_rev = 0
 * (rejuvenated cells' epi would differ from the others').  Kept: intrinsic
 * induction with epi(t), HDAC protection, toxicity and its lowering of epi
 * (hdac_inhibitor.k_dm), the saturating clearance with the global f_sen,
 * immune therapy. */
#define MF_K0 0.02
#define MF_GEPI 4.0
#define MF_MU 0.02
#define MF_EPI0 0.2
#define MF_F0 0.05
#define MF_BETA 0.3
#define MF_KAPPA 0.5
#define MF_TOX 0.05
#define MF_PARAMS                                                                          \
    "nx=160 ny=160 dt=0.041666666666666667 duration=40 output_interval=5 L_S=0 L_E=0 "    \
    "k0=0.02 g_epi=4 mu_epi=0.02 epi0=0.2 f0=0.05 beta=0.3 kappa=0.5 r_S=0 g_S=0 k_S=0 " \
    "k_E=0 k_reg=0 k_rev=0 hdac_inhibitor.doses=3 hdac_inhibitor.start=5 "                \
    "hdac_inhibitor.interval=10 hdac_inhibitor.dose=3 hdac_inhibitor.tox=0.05 "           \
    "hdac_inhibitor.k_dm=0.5 immune.doses=1 immune.start=15 immune.dose=3"

static void mf_rates(const sd_drift_params *p, double t, double epi, double s, double *ki,
                     double *kc)
{
    sd_drift_drive d;
    sd_drift_drive_at(p, t, &d);
    *ki = d.protect * MF_K0 * (1 + MF_GEPI * epi) + d.k_tox;
    *kc = MF_BETA * d.immune / (1 + s / MF_KAPPA);
}

/* y = (normal, senescent, epi). */
static void mf_ode(const sd_drift_params *p, double t, const double y[3], double f[3])
{
    double ki, kc;
    sd_drift_drive d;
    sd_drift_drive_at(p, t, &d);
    mf_rates(p, t, y[2], y[1], &ki, &kc);
    f[0] = -ki * y[0];
    f[1] = ki * y[0] - kc * y[1];
    f[2] = MF_MU * (1 - y[2]) - d.kdm * y[2];
}

static void test_mean_field(void)
{
    pset P;
    pset_make(&P, MF_PARAMS);
    sd_drift_params p;
    CU_ASSERT_EQUAL_FATAL(sd_drift_params_load(&P.ps, &p), SD_OK);
    result r;
    CU_ASSERT_EQUAL_FATAL(run_model(MF_PARAMS, 6, &r), SD_OK);
    double N = 160.0 * 160.0, dt = p.dt;
    /* The exact discrete-time recursion of the same rates (rates and drugs at
     * the start of each step, one event per site per step). */
    double s = r.rows[SD_DRIFT_FRAC_SENESCENT], n = 1 - s, epi = MF_EPI0;
    /* The ODE, RK4 with h = dt / 20. */
    double y[3] = {n, s, MF_EPI0}, h = dt / 20;
    double worst_rec = 0, worst_ode = 0;
    printf("\n    t    simulated  recursion (s.e.)   ODE (s.e.)");
    for (long step = 0; step <= p.steps_total; step++) {
        if (step % p.steps_per_output == 0) {
            size_t k = (size_t)(step / p.steps_per_output);
            double sim = r.rows[k * NS + SD_DRIFT_FRAC_SENESCENT];
            double drec = (sim - s) / sqrt(s * (1 - s) / N);
            double dode = (sim - y[1]) / sqrt(y[1] * (1 - y[1]) / N);
            printf("\n    %4.0f %.5f    %.5f (%+.2f)    %.5f (%+.2f)", r.times[k], sim, s, drec,
                   y[1], dode);
            /* Every cell has the same epi (no rejuvenation, regeneration
             * nor local SASP): the mean is the recursion's, exactly but for
             * rounding. */
            CU_ASSERT(fabs(r.rows[k * NS + SD_DRIFT_MEAN_EPI] - epi) < 1e-12);
            if (k > 0) {
                CU_ASSERT(fabs(drec) < 3);
                CU_ASSERT(fabs(dode) < 3);
                worst_rec = fmax(worst_rec, fabs(drec));
                worst_ode = fmax(worst_ode, fabs(dode));
            }
        }
        if (step == p.steps_total) break;
        double t = step * dt, ki, kc;
        mf_rates(&p, t, epi, s, &ki, &kc);
        double pi = -expm1(-ki * dt), pc = -expm1(-kc * dt);
        double n1 = n * (1 - pi), s1 = s * (1 - pc) + n * pi;
        n = n1;
        s = s1;
        /* epi: exact over the step with the drugs at its start (a = mu,
         * decay mu + k_dm,hdac E_hdac). */
        sd_drift_drive dr;
        sd_drift_drive_at(&p, t, &dr);
        double bb = MF_MU + dr.kdm;
        epi += (MF_MU / bb - epi) * -expm1(-bb * dt);
        for (int q = 0; q < 20; q++) {
            double tt = t + q * h, a[3], b[3], c[3], d[3], z[3];
            mf_ode(&p, tt, y, a);
            for (int i = 0; i < 3; i++) z[i] = y[i] + 0.5 * h * a[i];
            mf_ode(&p, tt + 0.5 * h, z, b);
            for (int i = 0; i < 3; i++) z[i] = y[i] + 0.5 * h * b[i];
            mf_ode(&p, tt + 0.5 * h, z, c);
            for (int i = 0; i < 3; i++) z[i] = y[i] + h * c[i];
            mf_ode(&p, tt + h, z, d);
            for (int i = 0; i < 3; i++) y[i] += h / 6 * (a[i] + 2 * b[i] + 2 * c[i] + d[i]);
        }
    }
    printf("\n    largest deviation: recursion %.2f s.e., ODE %.2f s.e.", worst_rec, worst_ode);
    result_free(&r);
}

static const sd_test tests[] = {
    {"drug concentration and effect of a schedule", test_drug_schedule},
    {"tissue presets applied and overridable", test_tissue_presets},
    {"validation messages", test_validation},
    {"clearance and rejuvenation probabilities", test_clearance_probability},
    {"induction probability and channels", test_induction_channels},
    {"EV share with a focus", test_ev_share},
    {"regeneration kernel: walls, periodic axis", test_regeneration_kernel},
    {"event draws: keying, probability per lane, lanes uncorrelated", test_event_draws},
    {"event kernel: blocks splitting groups, bounds off: identical", test_event_blocks},
    {"epi scales every induction channel and the secretion", test_epi_susceptibility},
    {"exact observation of the initial state", test_initial_observation},
    {"function index F of every tissue", test_function_index},
    {"summaries", test_summaries},
    {"clusters, focus cluster, nucleation, pair correlation", test_clusters},
    {"neutral potencies: the default k_S and k_E obey their rule", test_neutral_potencies},
    {"planar front of a half-space lesion", test_planar_front},
    {"mean field (k_S = k_E = 0)", test_mean_field},
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"drift model", NULL, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
