/* sendrift drift model: per-site kernels (pure computation, no MPI).
 *
 * Every site is computed from its own values, its neighbours' values (as at
 * the start of the step) and random numbers countered by its global index,
 * in the same order of operations whatever the block it lies in, so that
 * results do not depend on the number of ranks or the layout. */
#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---- Per-step scalars ----------------------------------------------------------- */

void sd_drift_coef_make(const sd_drift_params *p, const sd_drift_drive *d, double f_sen,
                        sd_drift_coef *c)
{
    c->dt = p->dt;
    c->protect = d->protect;
    c->k0 = p->k0;
    c->g_epi = p->g_epi;
    c->k_S = p->k_S;
    c->K_S = p->K_S;
    c->k_E = p->k_E;
    c->K_E = p->K_E;
    c->h = p->h;
    c->psi = p->psi;
    c->k_tox = d->k_tox;
    c->clr0 = p->beta * d->immune / (1.0 + f_sen / p->kappa);
    c->r_S = p->r_S;
    c->k_sl = d->k_sl;
    c->k_rej = d->k_rej;
    c->reset = p->reset;
    c->k_reg = p->k_reg;
    c->K_reg = p->K_reg;
    c->mu_epi = p->mu_epi;
    c->g_S = p->g_S;
    c->kdm = d->kdm;
    c->rho = p->rho;
    c->delta = p->delta;
    c->qS = d->qS;
    c->qE = d->qE;
    c->evt = d->evt;
}

/* ---- Geometry -------------------------------------------------------------------- */

static int64_t drift_isqrt(int64_t v)
{
    int64_t q = (int64_t)sqrt((double)v);
    while (q > 0 && q * q > v) q--;
    while ((q + 1) * (q + 1) <= v) q++;
    return q;
}

/* Squared distance of a site's centre from the lattice centre, in units of
 * (dx / 2)^2: an integer. */
static int64_t drift_r2(const sd_box *b, int i, int j, int k)
{
    int idx[3] = {i, j, k};
    int64_t r2 = 0;
    for (int a = 0; a < b->dim; a++) {
        int64_t d = 2 * (int64_t)(b->lo[a] + idx[a]) + 1 - b->n[a];
        r2 += d * d;
    }
    return r2;
}

int64_t sd_drift_ring(const sd_box *b, int i, int j, int k)
{
    /* r / dx = sqrt(r2) / 2 and floor(x / 2) = floor(floor(x) / 2). */
    return drift_isqrt(drift_r2(b, i, j, k)) / 2;
}

/* ---- Initial state ----------------------------------------------------------------- */

void sd_drift_kernel_init(const sd_box *b, const sd_drift_params *p, const sd_rng *rng,
                          uint8_t *kind, double *epi, double *ecm)
{
    memset(kind, SD_DRIFT_NOSITE, b->size);
    double R2 = 4.0 * p->focus_radius * p->focus_radius; /* in (dx/2)^2 dx^2 */
    double dx2 = p->dx * p->dx;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            int64_t g0 = sd_box_gidx(b, 0, j, k);
            for (int i = 0; i < b->ln[0]; i++) {
                ptrdiff_t q = row + i;
                double u[4];
                sd_rng_uniform4(rng, (uint64_t)(g0 + i), 0, SD_DRIFT_RNG_INIT, u);
                int sen = u[0] < p->f0;
                if (p->focus_radius > 0 && (double)drift_r2(b, i, j, k) * dx2 <= R2) sen = 1;
                kind[q] = sen ? SD_DRIFT_SENESCENT : SD_DRIFT_NORMAL;
                epi[q] = p->epi0;
                ecm[q] = 1.0;
            }
        }
}

/* ---- Deterministic updates ------------------------------------------------------------ */

void sd_drift_kernel_ode(const sd_box *b, const sd_drift_coef *c, const uint8_t *kind,
                         const double *epi, const double *S, double *epi_new, double *ecm)
{
    const double dt = c->dt, mu = c->mu_epi, gS = c->g_S, kdm = c->kdm;
    const double rho = c->rho, delta = c->delta;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            const uint8_t *kd = kind + row;
            const double *e = epi + row, *s = S + row;
            double *en = epi_new + row, *m = ecm + row;
            for (int i = 0; i < b->ln[0]; i++) {
                double sv = s[i] > 0 ? s[i] : 0.0;
                /* d epi/dt = a - bb epi, a = mu (1 + g_S S), bb = a + k_dm E_dm. */
                double a = mu * (1.0 + gS * sv), bb = a + kdm;
                double fe = -expm1(-bb * dt);
                double eq = bb > 0 ? a / bb : 0.0;
                double ev = e[i] + (eq - e[i]) * fe;
                en[i] = kd[i] == SD_DRIFT_EMPTY ? e[i] : ev;
                /* d ecm/dt = r - bc ecm, r = rho [NORMAL], bc = r + delta S. */
                double r = kd[i] == SD_DRIFT_NORMAL ? rho : 0.0, bc = r + delta * sv;
                double fm = -expm1(-bc * dt);
                double mq = bc > 0 ? r / bc : 0.0;
                m[i] = m[i] + (mq - m[i]) * fm;
            }
        }
}

/* ---- Events ---------------------------------------------------------------------------- */

/* U^h / (K^h + U^h) for U >= 0. */
static inline double drift_hill(double U, double K, double h)
{
    if (!(U > 0)) return 0.0;
    double x = U / K;
    double xh = h == 2.0 ? x * x : pow(x, h);
    return 1.0 / (1.0 + 1.0 / xh);
}

void sd_drift_kernel_events(const sd_box *b, const sd_region *R, const sd_drift_coef *c,
                            const sd_rng *rng, uint64_t step, const uint8_t *kind,
                            const double *epi, const double *S, const double *E,
                            uint8_t *kind_new, double *epi_new, double *qS, double *aE,
                            double *qE, int64_t ev[SD_DRIFT_NEVENTS], int64_t cnt[2])
{
    const double dt = c->dt;
    const ptrdiff_t off[6] = {-1, 1, -b->sy, b->sy, -b->sz, b->sz};
    const int nnb = 2 * b->dim;
    int64_t lev[SD_DRIFT_NEVENTS] = {0}, nsen = 0, nnorm = 0;
    for (int k = R->r0[2]; k < R->r1[2]; k++)
        for (int j = R->r0[1]; j < R->r1[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            int64_t g0 = sd_box_gidx(b, 0, j, k);
            for (int i = R->r0[0]; i < R->r1[0]; i++) {
                ptrdiff_t p = row + i;
                int kd = kind[p], nk = kd;
                double s = S[p] > 0 ? S[p] : 0.0;
                /* Rates, cumulated in a fixed order: the total is the last sum. */
                double r1 = 0, r2 = 0, r3 = 0, ktot = 0, mean_epi = 0;
                if (kd == SD_DRIFT_NORMAL) {
                    double e = E[p] > 0 ? E[p] : 0.0;
                    r1 = c->protect * c->k0 * (1.0 + c->g_epi * epi[p]);
                    r2 = r1 + c->protect * c->k_S * s / (c->K_S + s);
                    r3 = r2 + c->protect * c->k_E * drift_hill(c->psi * e, c->K_E, c->h);
                    ktot = r3 + c->k_tox;
                } else if (kd == SD_DRIFT_SENESCENT) {
                    r1 = c->clr0 * (1.0 + c->r_S * s) + c->k_sl;
                    ktot = r1 + c->k_rej;
                } else if (kd == SD_DRIFT_EMPTY) {
                    int nb = 0, nn = 0;
                    double se = 0;
                    for (int q = 0; q < nnb; q++) {
                        int kq = kind[p + off[q]];
                        nb += kq != SD_DRIFT_NOSITE;
                        if (kq == SD_DRIFT_NORMAL) {
                            nn++;
                            se += epi[p + off[q]];
                        }
                    }
                    if (nn > 0) {
                        ktot = c->k_reg * ((double)nn / (double)nb) / (1.0 + s / c->K_reg);
                        mean_epi = se / nn;
                    }
                }
                double x = ktot * dt;
                if (x > 0) {
                    uint64_t w[4];
                    sd_rng_bits(rng, (uint64_t)(g0 + i), step, SD_DRIFT_RNG_EVENTS, w);
                    double u0 = sd_rng_u01(w[0]);
                    /* 1 - exp(-x) <= x: most sites are decided without expm1. */
                    if (u0 < x && u0 < -expm1(-x)) {
                        double y = sd_rng_u01(w[1]) * ktot;
                        if (kd == SD_DRIFT_NORMAL) {
                            nk = SD_DRIFT_SENESCENT;
                            lev[y < r1   ? SD_DRIFT_EV_INTRINSIC
                                : y < r2 ? SD_DRIFT_EV_SASP
                                : y < r3 ? SD_DRIFT_EV_EV
                                         : SD_DRIFT_EV_TOX]++;
                        } else if (kd == SD_DRIFT_SENESCENT) {
                            if (y < r1) {
                                nk = SD_DRIFT_EMPTY;
                                lev[SD_DRIFT_EV_CLEAR]++;
                            } else {
                                nk = SD_DRIFT_NORMAL;
                                epi_new[p] *= 1.0 - c->reset;
                                lev[SD_DRIFT_EV_REJUV]++;
                            }
                        } else {
                            nk = SD_DRIFT_NORMAL;
                            epi_new[p] = mean_epi;
                            lev[SD_DRIFT_EV_REGEN]++;
                        }
                    }
                }
                kind_new[p] = (uint8_t)nk;
                int sen = nk == SD_DRIFT_SENESCENT, nor = nk == SD_DRIFT_NORMAL;
                nsen += sen;
                nnorm += nor;
                qS[p] = sen ? c->qS : 0.0;
                aE[p] = nor ? c->psi : 0.0;
                qE[p] = (sen ? c->qE : 0.0) + c->evt;
            }
        }
    for (int q = 0; q < SD_DRIFT_NEVENTS; q++) ev[q] += lev[q];
    cnt[0] += nsen;
    cnt[1] += nnorm;
}

void sd_drift_kernel_sources(const sd_box *b, const sd_drift_coef *c, const uint8_t *kind,
                             double *qS, double *aE, double *qE)
{
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            for (int i = 0; i < b->ln[0]; i++) {
                ptrdiff_t p = row + i;
                int sen = kind[p] == SD_DRIFT_SENESCENT, nor = kind[p] == SD_DRIFT_NORMAL;
                qS[p] = sen ? c->qS : 0.0;
                aE[p] = nor ? c->psi : 0.0;
                qE[p] = (sen ? c->qE : 0.0) + c->evt;
            }
        }
}

void sd_drift_kernel_count(const sd_box *b, const uint8_t *kind, int64_t cnt[2])
{
    int64_t ns = 0, nn = 0;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            const uint8_t *row = kind + sd_box_idx(b, 0, j, k);
            for (int i = 0; i < b->ln[0]; i++) {
                ns += row[i] == SD_DRIFT_SENESCENT;
                nn += row[i] == SD_DRIFT_NORMAL;
            }
        }
    cnt[0] = ns;
    cnt[1] = nn;
}
