/* sendrift drift model: dosing schedules, concentrations and effects, and
 * what every drug does at the start of a step (see docs/drift.md). */
#include <math.h>

#include "kernels.h"

#define DRIFT_LN2 0.69314718055994530942
/* A dose due within this much (d) of t counts as given at t, so that step
 * times n dt that round just below a dose time still see the dose. */
#define DRIFT_DOSE_EPS 1e-9

double sd_drift_drug_conc(const sd_drift_schedule *s, double t)
{
    if (s->doses <= 0 || s->dose <= 0 || !(t + DRIFT_DOSE_EPS >= s->start)) return 0.0;
    /* K doses given so far, the last at t_last. */
    double K;
    if (s->interval > 0) {
        double k = floor((t - s->start + DRIFT_DOSE_EPS) / s->interval) + 1.0;
        K = k < (double)s->doses ? k : (double)s->doses;
    } else {
        K = (double)s->doses;
    }
    double t_last = s->start + (K - 1.0) * s->interval;
    double tau = t - t_last > 0 ? t - t_last : 0.0;
    double lam = DRIFT_LN2 / (s->t_half / 24.0);
    /* sum_{j<K} r^j with r = exp(-lam interval): (1 - r^K) / (1 - r). */
    double x = lam * s->interval, G;
    if (x > 0 && K > 1) G = expm1(-x * K) / expm1(-x);
    else G = K;
    return s->dose * exp(-lam * tau) * G;
}

double sd_drift_drug_effect(const sd_drift_schedule *s, double t)
{
    double C = sd_drift_drug_conc(s, t);
    return C > 0 ? s->emax * C / (1.0 + C) : 0.0;
}

void sd_drift_drive_at(const sd_drift_params *p, double t, sd_drift_drive *d)
{
    for (int k = 0; k < SD_DRUG_COUNT; k++) d->effect[k] = sd_drift_drug_effect(&p->drug[k], t);
    const double *E = d->effect;
    d->qS = 1.0 - E[SD_DRUG_SENOMORPHIC];
    d->qE = 1.0 - E[SD_DRUG_EV_BLOCKER];
    d->protect = 1.0 - E[SD_DRUG_HDAC_INHIBITOR];
    d->k_tox = p->hdac_tox * E[SD_DRUG_HDAC_INHIBITOR];
    d->immune = 1.0 + 2.0 * E[SD_DRUG_IMMUNE];
    d->k_sl = p->k_sl * p->tissue_efficacy * E[SD_DRUG_SENOLYTIC];
    d->k_rej = p->k_rev * E[SD_DRUG_DNA_DEMETHYLATION];
    d->kdm = p->k_dm * E[SD_DRUG_DNA_DEMETHYLATION] + p->hdac_kdm * E[SD_DRUG_HDAC_INHIBITOR];
    d->evt = p->evt_chi * E[SD_DRUG_EV_THERAPY];
    d->reg_gain = 1.0 + p->evt_breg * E[SD_DRUG_EV_THERAPY];
    d->rho_gain = 1.0 + p->evt_brho * E[SD_DRUG_EV_THERAPY];
}
