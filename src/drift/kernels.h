/* sendrift: the senescent-drift model's state, parameters, drugs and
 * per-site kernels: the half of the model that needs no MPI (docs/drift.md).
 *
 *   params.def the parameters, tissues and drugs, each declared once;
 *   drugs.c    dosing schedules: concentration and effect, and the
 *              per-step "drive" (every drug effect at the start of a step);
 *   events.c   per-site kernels: the initial state, the deterministic
 *              epi / ecm updates and the stochastic events.
 *
 * Site state: kind (uint8_t, SD_DRIFT_EMPTY / NORMAL / SENESCENT), epi and
 * ecm (double), on ghosted local arrays of the lattice (sd_box layout, see
 * box.h).  Ghosts of kind on a zero-flux wall hold SD_DRIFT_NOSITE, so a
 * kernel counts only the neighbours that exist.
 *
 * Like box.h, this header must never include mpi.h: drugs.c and events.c
 * are built without MPI on their include path (see the root CMakeLists.txt).
 * The model class, the parameter table and the outputs are in drift.h.
 */
#ifndef SENDRIFT_DRIFT_KERNELS_H
#define SENDRIFT_DRIFT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "sendrift/box.h"
#include "sendrift/rng.h"

/* ---- Site kinds ------------------------------------------------------------ */

enum {
    SD_DRIFT_EMPTY = 0,
    SD_DRIFT_NORMAL = 1,
    SD_DRIFT_SENESCENT = 2,
    SD_DRIFT_NOSITE = 3   /* ghost beyond a zero-flux wall: no neighbour  */
};
/* The names of the site kinds, by value (NULL-terminated): stored in the
 * result file with the kind snapshots, where readers take them from. */
extern const char *const sd_drift_kind_labels[4];

/* ---- Tissues and drugs ------------------------------------------------------ */

/* The tissues and the drugs are declared in params.def: SD_TISSUE_GENERIC =
 * 0, ... and SD_DRUG_SENOLYTIC = 0, ... in its order. */
#define SD_DRUG(E, name, interval, dose, t_half, emax, desc) SD_DRUG_##E,
typedef enum {
#include "params.def"
    SD_DRUG_COUNT
} sd_drift_drug;

#define SD_DRIFT_TISSUE_ENUM(E, name, i, A) SD_TISSUE_##E,
typedef enum {
    SD_DRIFT_TISSUES(SD_DRIFT_TISSUE_ENUM, )
    SD_TISSUE_COUNT
} sd_drift_tissue;
#undef SD_DRIFT_TISSUE_ENUM

/* The tissue names by value ("generic", ...), NULL-terminated. */
extern const char *const sd_drift_tissue_names[SD_TISSUE_COUNT + 1];

/* "senolytic", "senomorphic", ..., "ev_therapy", NULL: the prefixes of the
 * drug parameters (<type>.start, .interval, .doses, .dose, .t_half, .emax). */
extern const char *const sd_drift_drug_names[SD_DRUG_COUNT + 1];

/* A dosing schedule: doses at start + k interval (k = 0 .. doses-1). */
typedef struct {
    double start;     /* d                                                   */
    double interval;  /* d                                                   */
    long doses;       /* 0: not given                                        */
    double dose;      /* units of EC50                                       */
    double t_half;    /* h                                                   */
    double emax;      /* maximal effect, in [0, 1]                           */
} sd_drift_schedule;

/* C(t) = sum over the doses given so far (t_k <= t) of
 * dose exp(-ln2 (t - t_k) / t_half), in units of EC50 (closed form of the
 * geometric sum; a dose due within 1e-9 d of t counts as given). */
double sd_drift_drug_conc(const sd_drift_schedule *s, double t);
/* E(t) = emax C / (1 + C). */
double sd_drift_drug_effect(const sd_drift_schedule *s, double t);

/* ---- Parameters (read by sd_drift_params_load, drift.h) ----------------------- */

/* The default potencies of the two paracrine channels (1/d): neutral, i.e. a
 * normal cell whose every site within 3 dx is senescent is induced at the
 * same rate by either channel alone, at the generic defaults (docs/model.md,
 * "Neutral potencies"; unit.test_drift recomputes the rule). */
#define SD_DRIFT_NEUTRAL_K_S 2e-3
#define SD_DRIFT_NEUTRAL_K_E 1.06e-4

/* The initial lesion (parameter init). */
typedef enum { SD_INIT_FOCUS = 0, SD_INIT_HALF_SPACE, SD_INIT_COUNT } sd_drift_init;
/* "focus", "half-space", NULL. */
extern const char *const sd_drift_init_names[SD_INIT_COUNT + 1];

typedef struct {
    /* Lattice and run (fixed_only in the table). */
    int dim;
    int n[3];              /* sites per axis (n[2] = 1 in 2-D)              */
    int periodic[3];
    double dx;             /* um                                             */
    double dt, duration, output_interval;   /* d                             */
    long steps_total;      /* duration / dt                                  */
    long steps_per_output; /* output_interval / dt                           */
    size_t n_times;        /* steps_total / steps_per_output + 1             */
    /* Fields. */
    double L_S, t_half_S, L_E, t_half_E;    /* um, h                         */
    double psi;
    double field_rtol;
    int field_max_cycles;
    /* Induction. */
    double k0, g_epi, k_S, K_S, k_E, K_E, h;
    double g_sec;          /* secretion gain with epi                       */
    /* Clearance. */
    double beta, kappa, r_S, k_sl;
    /* Rejuvenation. */
    double k_rev, reset;
    /* Regeneration. */
    double k_reg, K_reg;
    /* Deterministic updates. */
    double mu_epi, g_S, k_dm, rho, delta;
    /* Bone density (tissue bone). */
    double bone_turnover, bone_sasp;
    /* Initial state. */
    double epi0, f0, focus_radius, slab_width;
    sd_drift_init init;
    sd_drift_tissue tissue;
    /* Drugs. */
    sd_drift_schedule drug[SD_DRUG_COUNT];
    double hdac_tox, hdac_kdm, evt_chi, evt_breg, evt_brho, tissue_efficacy;
} sd_drift_params;

/* ---- Per-step drive: what the drugs do at time t ------------------------ */

typedef struct {
    double effect[SD_DRUG_COUNT];  /* E_x(t) of every drug                   */
    double qS;        /* SASP secretion left: 1 - E_senomorphic              */
    double qE;        /* EV secretion left: 1 - E_ev_blocker                 */
    double protect;   /* 1 - P(t), P = E_hdac_inhibitor                      */
    double k_tox;     /* tox E_hdac_inhibitor (1/d)                          */
    double immune;    /* 1 + I_imm(t), I_imm = 2 E_immune                    */
    double k_sl;      /* k_sl tissue_efficacy E_senolytic (1/d)              */
    double k_rej;     /* k_rev E_dm (1/d)                                    */
    double kdm;       /* k_dm E_dm + k_dm,hdac E_hdac: epi decay (1/d)        */
    double evt;       /* chi E_ev_therapy: uniform EV source (load)          */
    double reg_gain;  /* 1 + b_reg E_ev_therapy: regeneration multiplier    */
    double rho_gain;  /* 1 + b_rho E_ev_therapy: matrix repair multiplier   */
} sd_drift_drive;

void sd_drift_drive_at(const sd_drift_params *p, double t, sd_drift_drive *d);

/* ---- Kernels (events.c; pure computation, no MPI) ------------------------- */

/* Event counters (cumulative, local to a rank). */
enum {
    SD_DRIFT_EV_INTRINSIC = 0, /* inductions by channel                     */
    SD_DRIFT_EV_SASP,
    SD_DRIFT_EV_EV,
    SD_DRIFT_EV_TOX,
    SD_DRIFT_EV_CLEAR,         /* SENESCENT -> EMPTY                        */
    SD_DRIFT_EV_REJUV,         /* SENESCENT -> NORMAL                       */
    SD_DRIFT_EV_REGEN,         /* EMPTY -> NORMAL                           */
    SD_DRIFT_NEVENTS
};

/* RNG purposes (third counter word), docs/drift.md "Random numbers":
 *   SD_DRIFT_RNG_INIT   counter (global site, 0, purpose): the initial
 *                       background, word 0;
 *   SD_DRIFT_RNG_FIRE   counter (global site / 4, step, purpose): whether an
 *                       event fires, word (global site mod 4): one Philox call
 *                       serves a group of four consecutive global sites;
 *   SD_DRIFT_RNG_WHICH  counter (global site, step, purpose): which event,
 *                       word 0, drawn only where one fires.
 * SD_RNG_MODEL + 0 (one call per site for both, before issue 14) is retired:
 * never reuse it. */
enum {
    SD_DRIFT_RNG_INIT = SD_RNG_MODEL + 1,
    SD_DRIFT_RNG_FIRE = SD_RNG_MODEL + 2,
    SD_DRIFT_RNG_WHICH = SD_RNG_MODEL + 3
};

/* Scalars of one step, the same on every rank. */
typedef struct {
    double dt;
    double protect, k0, g_epi, k_S, K_S, k_E, K_E, h, psi, k_tox, g_sec;
    double clr0;      /* beta (1 + I_imm) / (1 + f_sen / kappa)              */
    double r_S, k_sl, k_rej, reset;
    double k_reg, K_reg;  /* k_reg with the EV therapy's gain                */
    double mu_epi, g_S, kdm, rho, delta; /* rho with the EV therapy's gain  */
    double qS, qE, evt;   /* sources written for the next field step        */
    /* Upper bounds of k dt (events.c): x_norm0 + x_norm1 |epi| for a NORMAL
     * site, x_reg for an EMPTY one, rounded up: a site whose uniform is not
     * below its bound has no event and needs no rates. */
    double x_norm0, x_norm1, x_reg;
} sd_drift_coef;

void sd_drift_coef_make(const sd_drift_params *p, const sd_drift_drive *d, double f_sen,
                        sd_drift_coef *c);

/* Initial state of the interior: NORMAL, epi0, ecm 1; senescent within
 * focus_radius of the lattice centre, or with probability f0 (RNG purpose
 * SD_DRIFT_RNG_INIT, counter (global site, 0, purpose)).  Ghosts of kind
 * are set to SD_DRIFT_NOSITE. */
void sd_drift_kernel_init(const sd_box *b, const sd_drift_params *p, const sd_rng *rng,
                          uint8_t *kind, double *epi, double *ecm);

/* Deterministic updates over one step, exact for S and E_dm frozen: epi of
 * every cell (epi_new; EMPTY sites keep epi) and ecm (in place), over the
 * whole interior.  Needs no ghosts. */
void sd_drift_kernel_ode(const sd_box *b, const sd_drift_coef *c, const uint8_t *kind,
                         const double *epi, const double *S, double *epi_new, double *ecm);

/* Events of one step on region R: reads kind and epi (with current ghosts,
 * as at the start of the step), S and E; writes kind_new, epi_new (already
 * holding the deterministic update), the field sources qS, aE, qE of the new
 * state, and adds to ev[SD_DRIFT_NEVENTS].  Returns the number of senescent
 * (cnt[0]) and normal (cnt[1]) sites of the new state added to cnt. */
void sd_drift_kernel_events(const sd_box *b, const sd_region *R, const sd_drift_coef *c,
                            const sd_rng *rng, uint64_t step, const uint8_t *kind,
                            const double *epi, const double *S, const double *E,
                            uint8_t *kind_new, double *epi_new, double *qS, double *aE,
                            double *qE, int64_t ev[SD_DRIFT_NEVENTS], int64_t cnt[2]);

/* Field sources of the current state (for the initial steady state). */
void sd_drift_kernel_sources(const sd_box *b, const sd_drift_coef *c, const uint8_t *kind,
                             const double *epi,
                             double *qS, double *aE, double *qE);

/* Local counts of SENESCENT (cnt[0]) and NORMAL (cnt[1]) sites. */
void sd_drift_kernel_count(const sd_box *b, const uint8_t *kind, int64_t cnt[2]);

/* Ring index of a site around the lattice centre: floor(r / dx) for the
 * distance r of the site's centre, from global indices (integers only). */
int64_t sd_drift_ring(const sd_box *b, int i, int j, int k);

#endif
