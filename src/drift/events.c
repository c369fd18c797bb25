/* sendrift drift model: per-site kernels (pure computation, no MPI).
 *
 * Every site is computed from its own values, its neighbours' values (as at
 * the start of the step) and random numbers countered by its global index
 * (for the events, by its group of four consecutive global indices: see
 * sd_drift_kernel_events), in the same order of operations whatever the
 * block it lies in, so that results do not depend on the number of ranks or
 * the layout. */
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
    c->g_sec = p->g_sec;
    c->clr0 = p->beta * d->immune / (1.0 + f_sen / p->kappa);
    c->r_S = p->r_S;
    c->k_sl = d->k_sl;
    c->k_rej = d->k_rej;
    c->reset = p->reset;
    c->k_reg = p->k_reg * d->reg_gain;
    c->K_reg = p->K_reg;
    c->mu_epi = p->mu_epi;
    c->g_S = p->g_S;
    c->kdm = d->kdm;
    c->rho = p->rho * d->rho_gain;
    c->delta = p->delta;
    c->qS = d->qS;
    c->qE = d->qE;
    c->evt = d->evt;
    /* Bounds of k dt (s / (K_S + s) and the Hill term are at most 1, nn / nb
     * and 1 / (1 + s / K_reg) too), rounded up far beyond the rounding of the
     * rates; infinite (every site takes the exact path) for a negative term.
     * A normal site: (1 - P) (1 + g_epi epi) (k0 + k_S + k_E) + k_tox at
     * most. */
    double pk = d->protect * (p->k0 + p->k_S + p->k_E), pkg = pk * p->g_epi;
    const double up = 1.0 + 0x1p-40, tiny = 0x1p-1000;
    int ok = d->protect >= 0 && p->k0 >= 0 && p->k_S >= 0 && p->k_E >= 0 && pkg >= 0 &&
             d->k_tox >= 0 && p->dt >= 0;
    c->x_norm0 = ok ? (pk + d->k_tox) * p->dt * up + tiny : INFINITY;
    c->x_norm1 = ok ? pkg * p->dt * up : INFINITY;
    c->x_reg = c->k_reg >= 0 && p->dt >= 0 ? c->k_reg * p->dt * up + tiny : INFINITY;
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
                if (p->init == SD_INIT_HALF_SPACE) {
                    /* centre (x + 1/2) dx within slab_width of the wall */
                    if (((double)(b->lo[0] + i) + 0.5) * p->dx <= p->slab_width) sen = 1;
                } else if (p->focus_radius > 0 && (double)drift_r2(b, i, j, k) * dx2 <= R2) {
                    sen = 1;
                }
                kind[q] = sen ? SD_DRIFT_SENESCENT : SD_DRIFT_NORMAL;
                epi[q] = p->epi0;
                ecm[q] = 1.0;
            }
        }
}

/* ---- Deterministic updates ------------------------------------------------------------ */

/* 1 - e^-x for 0 <= x <= SD_DRIFT_SERIES_MAX, by the Taylor series to x^8
 * (Horner): the first term left out is below 7e-16 of the sum, so this is
 * as accurate as -expm1(-x), without a call, and the loop around it
 * vectorises.  Larger x (rare at the model's rates: x = rate dt, dt 1 h) go
 * through expm1. */
#define SD_DRIFT_SERIES_MAX 0.0625
static inline double drift_one_minus_exp(double x)
{
    return x * (1.0 - x * (1.0 / 2) *
                          (1.0 - x * (1.0 / 3) *
                                     (1.0 - x * (1.0 / 4) *
                                                (1.0 - x * (1.0 / 5) *
                                                           (1.0 - x * (1.0 / 6) *
                                                                      (1.0 - x * (1.0 / 7) *
                                                                                 (1.0 - x * (1.0 / 8))))))));
}

/* 1 - e^-x, each site by its own x: the series where it holds, expm1
 * beyond. */
static inline double drift_f1m(double x)
{
    return x <= SD_DRIFT_SERIES_MAX ? drift_one_minus_exp(x) : -expm1(-x);
}

/* One site of the ode step (site i of a chunk starting at c0; nor and emp:
 * 1.0 where the site is NORMAL or EMPTY); F1M(x) is 1 - e^-x.  A quotient by
 * bb = 0 or bc = 0 is computed and not used, and the kinds enter as numbers:
 * no branch, so that the loop vectorises. */
#define SD_DRIFT_ODE_SITE(F1M)                                                             \
    do {                                                                                   \
        const int q = c0 + i;                                                              \
        double sv = s[q] > 0 ? s[q] : 0.0;                                                 \
        /* d epi/dt = a - bb epi, a = mu (1 + g_S S), bb = a + k_dm E_dm. */               \
        double a = mu * (1.0 + gS * sv), bb = a + kdm;                                     \
        double fe = F1M(bb * dt);                                                          \
        double qe = a / bb, eq = bb > 0 ? qe : 0.0;                                        \
        double ev = e[q] + (eq - e[q]) * fe;                                               \
        en[q] = emp[i] != 0 ? e[q] : ev;                                                   \
        /* d ecm/dt = r - bc ecm, r = rho [NORMAL], bc = r + delta S. */                   \
        double r = nor[i] != 0 ? rho : 0.0, bc = r + delta * sv;                           \
        double fm = F1M(bc * dt);                                                          \
        double qm = r / bc, mq = bc > 0 ? qm : 0.0;                                        \
        m[q] = m[q] + (mq - m[q]) * fm;                                                    \
    } while (0)

void sd_drift_kernel_ode(const sd_box *b, const sd_drift_coef *c, const uint8_t *kind,
                         const double *epi, const double *S, double *epi_new, double *ecm)
{
    enum { CHUNK = 256 };
    const double dt = c->dt, mu = c->mu_epi, gS = c->g_S, kdm = c->kdm;
    const double rho = c->rho, delta = c->delta;
    double nor[CHUNK], emp[CHUNK];
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            const uint8_t *restrict kd = kind + row;
            const double *restrict e = epi + row, *restrict s = S + row;
            double *restrict en = epi_new + row, *restrict m = ecm + row;
            for (int c0 = 0; c0 < b->ln[0]; c0 += CHUNK) {
                const int n = b->ln[0] - c0 < CHUNK ? b->ln[0] - c0 : CHUNK;
                /* The kinds as numbers, and whether any rate of the chunk is
                 * beyond the series' range.  Each site's value does not
                 * depend on the answer: it only picks the loop. */
                int big = 0;
                for (int i = 0; i < n; i++) {
                    nor[i] = kd[c0 + i] == SD_DRIFT_NORMAL;
                    emp[i] = kd[c0 + i] == SD_DRIFT_EMPTY;
                }
                for (int i = 0; i < n; i++) {
                    double sv = s[c0 + i] > 0 ? s[c0 + i] : 0.0;
                    double bb = mu * (1.0 + gS * sv) + kdm, bc = nor[i] * rho + delta * sv;
                    big |= (bb * dt > SD_DRIFT_SERIES_MAX) | (bc * dt > SD_DRIFT_SERIES_MAX);
                }
                if (!big) {
                    for (int i = 0; i < n; i++) SD_DRIFT_ODE_SITE(drift_one_minus_exp);
                } else {
                    for (int i = 0; i < n; i++) SD_DRIFT_ODE_SITE(drift_f1m);
                }
            }
        }
}

#undef SD_DRIFT_ODE_SITE

/* ---- Events ---------------------------------------------------------------------------- */

/* U^h / (K^h + U^h) for U >= 0. */
static inline double drift_hill(double U, double K, double h)
{
    if (!(U > 0)) return 0.0;
    double x = U / K;
    double xh = h == 2.0 ? x * x : pow(x, h);
    return 1.0 / (1.0 + 1.0 / xh);
}

/* Out of the hot loop: it is taken by few sites, and inlined it would crowd
 * the loop's registers. */
#if defined(__GNUC__)
#define DRIFT_COLD __attribute__((noinline, cold))
#else
#define DRIFT_COLD
#endif

/* The exact path of a site whose uniform u0 may be below its k dt: the
 * rates, cumulated in a fixed order (the total is the last sum), whether an
 * event fires and which (uniform SD_DRIFT_RNG_WHICH).  Returns the new kind. */
DRIFT_COLD static int drift_event(const sd_box *b, const sd_drift_coef *c, const sd_rng *rng,
                                  uint64_t step, uint64_t g, double u0, int kd, ptrdiff_t p,
                                  const uint8_t *kind, const double *epi, const double *S,
                                  const double *E, double *epi_new,
                                  int64_t lev[SD_DRIFT_NEVENTS])
{
    const double dt = c->dt;
    double s = S[p] > 0 ? S[p] : 0.0;
    double r1 = 0, r2 = 0, r3 = 0, ktot = 0, mean_epi = 0;
    if (kd == SD_DRIFT_NORMAL) {
        double e = E[p] > 0 ? E[p] : 0.0;
        double sus = c->protect * (1.0 + c->g_epi * epi[p]);
        r1 = sus * c->k0;
        r2 = r1 + sus * (c->k_S * s / (c->K_S + s));
        r3 = r2 + sus * (c->k_E * drift_hill(c->psi * e, c->K_E, c->h));
        ktot = r3 + c->k_tox;
    } else if (kd == SD_DRIFT_SENESCENT) {
        r1 = c->clr0 * (1.0 + c->r_S * s) + c->k_sl;
        ktot = r1 + c->k_rej;
    } else if (kd == SD_DRIFT_EMPTY) {
        const ptrdiff_t off[6] = {-1, 1, -b->sy, b->sy, -b->sz, b->sz};
        int nb = 0, nn = 0;
        double se = 0;
        for (int q = 0; q < 2 * b->dim; q++) {
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
    /* 1 - exp(-x) <= x: most sites are decided without expm1. */
    if (!(x > 0 && u0 < x && u0 < -expm1(-x))) return kd;
    uint64_t w[4];
    sd_rng_bits(rng, g, step, SD_DRIFT_RNG_WHICH, w);
    double y = sd_rng_u01(w[0]) * ktot;
    if (kd == SD_DRIFT_NORMAL) {
        lev[y < r1   ? SD_DRIFT_EV_INTRINSIC
            : y < r2 ? SD_DRIFT_EV_SASP
            : y < r3 ? SD_DRIFT_EV_EV
                     : SD_DRIFT_EV_TOX]++;
        return SD_DRIFT_SENESCENT;
    }
    if (kd == SD_DRIFT_SENESCENT) {
        if (y < r1) {
            lev[SD_DRIFT_EV_CLEAR]++;
            return SD_DRIFT_EMPTY;
        }
        epi_new[p] *= 1.0 - c->reset;
        lev[SD_DRIFT_EV_REJUV]++;
        return SD_DRIFT_NORMAL;
    }
    epi_new[p] = mean_epi;
    lev[SD_DRIFT_EV_REGEN]++;
    return SD_DRIFT_NORMAL;
}

/* Whether an event fires at global site g is decided by u0, word g mod 4 of
 * the Philox call countered by (g / 4, step, SD_DRIFT_RNG_FIRE): one call
 * for four consecutive sites, kept while a row is walked, and the same words
 * for a site whatever block computes it.  Most sites are decided by u0 alone:
 * u0 at or above the site's bound of k dt (sd_drift_coef) means no event,
 * which is what the exact path would find, so the rates are computed only
 * below it (and for every senescent site, whose rates cost little). */
void sd_drift_kernel_events(const sd_box *b, const sd_region *R, const sd_drift_coef *c,
                            const sd_rng *rng, uint64_t step, const uint8_t *kind,
                            const double *epi, const double *S, const double *E,
                            uint8_t *kind_new, double *epi_new, double *qS, double *aE,
                            double *qE, int64_t ev[SD_DRIFT_NEVENTS], int64_t cnt[2])
{
    int64_t lev[SD_DRIFT_NEVENTS] = {0}, nsen = 0, nnorm = 0;
    const double xn0 = c->x_norm0, xn1 = c->x_norm1, xreg = c->x_reg;
    const double cqS = c->qS, cqE = c->qE, cpsi = c->psi, cevt = c->evt, gsec = c->g_sec;
    for (int k = R->r0[2]; k < R->r1[2]; k++)
        for (int j = R->r0[1]; j < R->r1[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            uint64_t g0 = (uint64_t)sd_box_gidx(b, 0, j, k);
            uint64_t grp = UINT64_MAX, w[4] = {0, 0, 0, 0};
            for (int i = R->r0[0]; i < R->r1[0]; i++) {
                ptrdiff_t p = row + i;
                int kd = kind[p], nk = kd;
                uint64_t g = g0 + (uint64_t)i;
                if (kd <= SD_DRIFT_SENESCENT) {
                    if ((g >> 2) != grp) {
                        grp = g >> 2;
                        sd_rng_bits(rng, grp, step, SD_DRIFT_RNG_FIRE, w);
                    }
                    double u0 = sd_rng_u01(w[g & 3]);
                    double xb = kd == SD_DRIFT_NORMAL ? xn0 + xn1 * fabs(epi[p])
                                : kd == SD_DRIFT_EMPTY ? xreg
                                                       : INFINITY;
                    if (!(u0 >= xb))
                        nk = drift_event(b, c, rng, step, g, u0, kd, p, kind, epi, S, E,
                                         epi_new, lev);
                }
                kind_new[p] = (uint8_t)nk;
                int sen = nk == SD_DRIFT_SENESCENT, nor = nk == SD_DRIFT_NORMAL;
                nsen += sen;
                nnorm += nor;
                /* A senescent cell secretes (1 + g_sec epi) times more (its
                 * epi after this step's update). */
                double gain = 1.0 + gsec * epi_new[p];
                qS[p] = sen ? cqS * gain : 0.0;
                aE[p] = nor ? cpsi : 0.0;
                qE[p] = (sen ? cqE * gain : 0.0) + cevt;
            }
        }
    for (int q = 0; q < SD_DRIFT_NEVENTS; q++) ev[q] += lev[q];
    cnt[0] += nsen;
    cnt[1] += nnorm;
}

void sd_drift_kernel_sources(const sd_box *b, const sd_drift_coef *c, const uint8_t *kind,
                             const double *epi, double *qS, double *aE, double *qE)
{
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            ptrdiff_t row = sd_box_idx(b, 0, j, k);
            for (int i = 0; i < b->ln[0]; i++) {
                ptrdiff_t p = row + i;
                int sen = kind[p] == SD_DRIFT_SENESCENT, nor = kind[p] == SD_DRIFT_NORMAL;
                double gain = 1.0 + c->g_sec * epi[p];
                qS[p] = sen ? c->qS * gain : 0.0;
                aE[p] = nor ? c->psi : 0.0;
                qE[p] = (sen ? c->qE * gain : 0.0) + c->evt;
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
