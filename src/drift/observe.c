/* sendrift drift model: the outputs.  Every number that reaches an output is
 * an exact reduction (integer counts with sd_grid_sum_int64, sums of doubles
 * with the exact accumulator sd_xsum), so a row has the same bits for any
 * number of ranks and any layout (see docs/drift.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

const sd_metric_def sd_drift_series[SD_DRIFT_NSERIES] = {
    {"frac_normal", "1", "fraction of sites holding a normal cell"},
    {"frac_senescent", "1", "fraction of sites holding a senescent cell"},
    {"frac_empty", "1", "fraction of empty sites"},
    {"mean_epi", "1",
     "mean epigenetic age epi of the cells (normal and senescent sites); NaN when no cell is "
     "left"},
    {"mean_ecm", "1", "mean matrix integrity ecm over all sites"},
    {"mean_S", "1", "mean SASP load S over all sites"},
    {"mean_E", "1", "mean EV load E over all sites"},
    {"function_F", "1",
     "tissue function index F: generic and muscle: normal fraction; cartilage: mean ecm x "
     "normal fraction; bone: bone density B; disc: mean ecm"},
    {"ind_intrinsic", "1/site",
     "inductions NORMAL -> SENESCENT since t = 0 by the intrinsic channel, per lattice site"},
    {"ind_sasp", "1/site", "inductions since t = 0 by the SASP channel, per lattice site"},
    {"ind_ev", "1/site", "inductions since t = 0 by the EV channel, per lattice site"},
    {"ind_tox", "1/site",
     "inductions since t = 0 by drug toxicity (HDAC inhibitor), per lattice site"},
    {"clearances", "1/site", "clearances SENESCENT -> EMPTY since t = 0, per lattice site"},
    {"rejuvenations", "1/site",
     "rejuvenations SENESCENT -> NORMAL since t = 0, per lattice site"},
    {"regenerations", "1/site", "regenerations EMPTY -> NORMAL since t = 0, per lattice site"},
    {"front_radius", "um",
     "drift front: outer radius (m + 1) dx of the outermost ring m (sites with floor(r / dx) "
     "= m around the lattice centre, inside the largest inscribed circle/sphere) whose "
     "senescent fraction is >= 0.5; 0 when no ring is; NaN without a focus"},
};

const sd_metric_def sd_drift_summary[SD_DRIFT_NSUMMARY] = {
    {"final_frac_normal", "1", "normal fraction at the end"},
    {"final_frac_senescent", "1", "senescent fraction at the end"},
    {"final_frac_empty", "1", "empty fraction at the end"},
    {"final_mean_epi", "1", "mean epi of the cells at the end (NaN when none is left)"},
    {"final_mean_ecm", "1", "mean ecm at the end"},
    {"final_F", "1", "function index F at the end"},
    {"peak_frac_senescent", "1", "largest senescent fraction over the output times"},
    {"auc_frac_senescent", "d",
     "area under the senescent fraction over time (trapezoid rule over the output times)"},
    {"time_F_below_half", "d",
     "first time F < 0.5, interpolated linearly between output times (0 if F(0) < 0.5); NaN "
     "if never"},
    {"drift_speed", "um/d",
     "least-squares slope of front_radius over the output times; NaN without a focus"},
    {"ev_share", "1", "EV-channel inductions / all inductions; NaN when there was none"},
};

const char *const sd_drift_kind_labels[4] = {"empty", "normal", "senescent", NULL};

const sd_snapfield_def sd_drift_snapfields[5] = {
    {"kind", "1", "site state: 0 empty, 1 normal, 2 senescent", SD_SNAP_U8, sd_drift_kind_labels},
    {"epi", "1", "epigenetic age (of the last cell on an empty site)", SD_SNAP_F64, NULL},
    {"ecm", "1", "matrix integrity", SD_SNAP_F64, NULL},
    {"S", "1", "SASP load", SD_SNAP_F64, NULL},
    {"E", "1", "EV load", SD_SNAP_F64, NULL},
};

/* ---- Rings ----------------------------------------------------------------------- */

#define DRIFT_NRED (2 + SD_DRIFT_NEVENTS)

int sd_drift_rings_setup(const sd_grid *g, double focus_radius, sd_drift_rings *r)
{
    const sd_box *b = sd_grid_box(g);
    memset(r, 0, sizeof *r);
    int64_t M = 0;
    if (focus_radius > 0) {
        M = b->n[0] / 2;
        for (int a = 1; a < b->dim; a++)
            if (b->n[a] / 2 < M) M = b->n[a] / 2;
    }
    if (M > 0x7fffffff - DRIFT_NRED) return sd_error(SD_ERR_INPUT, "drift: too many rings");
    r->nring = M;
    r->work = sd_calloc((size_t)(DRIFT_NRED + M), sizeof(int64_t), "drift reduction buffer");
    if (M > 0) r->count = sd_calloc((size_t)M, sizeof(int64_t), "drift ring counts");
    /* Allocation may fail on one rank only: agree before the collective. */
    int rc = (!r->work || (M > 0 && !r->count)) ? SD_ERR_NOMEM : SD_OK;
    SD_CALL(sd_agree(sd_grid_comm(g), rc));
    if (M == 0) return SD_OK;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++)
            for (int i = 0; i < b->ln[0]; i++) {
                int64_t m = sd_drift_ring(b, i, j, k);
                if (m < M) r->count[m]++;
            }
    return sd_grid_sum_int64(g, r->count, (int)M);
}

void sd_drift_rings_free(sd_drift_rings *r)
{
    free(r->count);
    free(r->work);
    memset(r, 0, sizeof *r);
}

/* ---- A row -------------------------------------------------------------------------- */

int sd_drift_observe_row(const sd_grid *g, const sd_drift_params *p, const sd_drift_view *v,
                         sd_drift_rings *rings, double row[SD_DRIFT_NSERIES],
                         int64_t totals[SD_DRIFT_NEVENTS])
{
    const sd_box *b = sd_grid_box(g);
    int64_t *w = rings->work, M = rings->nring;
    int64_t *ring_sen = w + DRIFT_NRED;
    memset(w, 0, sizeof(int64_t) * (size_t)(DRIFT_NRED + M));
    sd_xsum xs[4];
    for (int q = 0; q < 4; q++) sd_xsum_init(&xs[q]);
    int64_t nsen = 0, nnorm = 0;
    for (int k = 0; k < b->ln[2]; k++)
        for (int j = 0; j < b->ln[1]; j++) {
            ptrdiff_t row0 = sd_box_idx(b, 0, j, k);
            for (int i = 0; i < b->ln[0]; i++) {
                ptrdiff_t q = row0 + i;
                int kd = v->kind[q];
                if (kd == SD_DRIFT_SENESCENT) {
                    nsen++;
                    if (M > 0) {
                        int64_t m = sd_drift_ring(b, i, j, k);
                        if (m < M) ring_sen[m]++;
                    }
                }
                nnorm += kd == SD_DRIFT_NORMAL;
                if (kd != SD_DRIFT_EMPTY) sd_xsum_add(&xs[0], v->epi[q]);
                sd_xsum_add(&xs[1], v->ecm[q]);
                sd_xsum_add(&xs[2], v->S[q]);
                sd_xsum_add(&xs[3], v->E[q]);
            }
        }
    w[0] = nsen;
    w[1] = nnorm;
    for (int q = 0; q < SD_DRIFT_NEVENTS; q++) w[2 + q] = v->ev[q];
    SD_CALL(sd_grid_sum_int64(g, w, (int)(DRIFT_NRED + M)));
    SD_CALL(sd_grid_xsum(g, xs, 4));

    double N = (double)b->nglobal;
    int64_t ncell = w[0] + w[1];
    row[SD_DRIFT_FRAC_SENESCENT] = (double)w[0] / N;
    row[SD_DRIFT_FRAC_NORMAL] = (double)w[1] / N;
    row[SD_DRIFT_FRAC_EMPTY] = (double)(b->nglobal - ncell) / N;
    row[SD_DRIFT_MEAN_EPI] = ncell > 0 ? sd_xsum_value(&xs[0]) / (double)ncell : NAN;
    row[SD_DRIFT_MEAN_ECM] = sd_xsum_value(&xs[1]) / N;
    row[SD_DRIFT_MEAN_S] = sd_xsum_value(&xs[2]) / N;
    row[SD_DRIFT_MEAN_E] = sd_xsum_value(&xs[3]) / N;
    double fn = row[SD_DRIFT_FRAC_NORMAL], F;
    switch (p->tissue) {
    case SD_TISSUE_CARTILAGE: F = row[SD_DRIFT_MEAN_ECM] * fn; break;
    case SD_TISSUE_BONE: F = v->bone_B; break;
    case SD_TISSUE_DISC: F = row[SD_DRIFT_MEAN_ECM]; break;
    default: F = fn; break;
    }
    row[SD_DRIFT_FUNCTION_F] = F;
    static const int evrow[SD_DRIFT_NEVENTS] = {
        SD_DRIFT_IND_INTRINSIC, SD_DRIFT_IND_SASP,      SD_DRIFT_IND_EV,
        SD_DRIFT_IND_TOX,       SD_DRIFT_CLEARANCES,    SD_DRIFT_REJUVENATIONS,
        SD_DRIFT_REGENERATIONS};
    for (int q = 0; q < SD_DRIFT_NEVENTS; q++) {
        totals[q] = w[2 + q];
        row[evrow[q]] = (double)w[2 + q] / N;
    }
    double front = NAN;
    if (M > 0) {
        front = 0.0;
        for (int64_t m = M - 1; m >= 0; m--)
            if (rings->count[m] > 0 && 2 * ring_sen[m] >= rings->count[m]) {
                front = (double)(m + 1) * p->dx;
                break;
            }
    }
    row[SD_DRIFT_FRONT_RADIUS] = front;
    if (!isfinite(row[SD_DRIFT_MEAN_S]) || !isfinite(row[SD_DRIFT_MEAN_E]))
        return sd_error(SD_ERR_MODEL, "drift: the %s field is not finite (mean %g)",
                        isfinite(row[SD_DRIFT_MEAN_S]) ? "EV (E)" : "SASP (S)",
                        isfinite(row[SD_DRIFT_MEAN_S]) ? row[SD_DRIFT_MEAN_E]
                                                       : row[SD_DRIFT_MEAN_S]);
    if (!isfinite(row[SD_DRIFT_MEAN_ECM]) || !isfinite(F) ||
        (ncell > 0 && !isfinite(row[SD_DRIFT_MEAN_EPI])))
        return sd_error(SD_ERR_MODEL, "drift: the cell state is not finite (mean epi %g, "
                                      "mean ecm %g, F %g)",
                        row[SD_DRIFT_MEAN_EPI], row[SD_DRIFT_MEAN_ECM], F);
    return SD_OK;
}

/* ---- Summaries ------------------------------------------------------------------------ */

void sd_drift_summarize_rows(const sd_drift_params *p, size_t n, const double *times,
                             const double *rows, const int64_t totals[SD_DRIFT_NEVENTS],
                             double summary[SD_DRIFT_NSUMMARY])
{
    (void)p;
    const size_t NS = SD_DRIFT_NSERIES;
    for (int q = 0; q < SD_DRIFT_NSUMMARY; q++) summary[q] = NAN;
    if (n == 0) return;
    const double *last = rows + (n - 1) * NS;
    summary[SD_DRIFT_FINAL_FRAC_NORMAL] = last[SD_DRIFT_FRAC_NORMAL];
    summary[SD_DRIFT_FINAL_FRAC_SENESCENT] = last[SD_DRIFT_FRAC_SENESCENT];
    summary[SD_DRIFT_FINAL_FRAC_EMPTY] = last[SD_DRIFT_FRAC_EMPTY];
    summary[SD_DRIFT_FINAL_MEAN_EPI] = last[SD_DRIFT_MEAN_EPI];
    summary[SD_DRIFT_FINAL_MEAN_ECM] = last[SD_DRIFT_MEAN_ECM];
    summary[SD_DRIFT_FINAL_F] = last[SD_DRIFT_FUNCTION_F];

    double peak = rows[SD_DRIFT_FRAC_SENESCENT], auc = 0;
    for (size_t k = 1; k < n; k++) {
        double f0 = rows[(k - 1) * NS + SD_DRIFT_FRAC_SENESCENT];
        double f1 = rows[k * NS + SD_DRIFT_FRAC_SENESCENT];
        if (f1 > peak) peak = f1;
        auc += 0.5 * (times[k] - times[k - 1]) * (f0 + f1);
    }
    summary[SD_DRIFT_PEAK_FRAC_SENESCENT] = peak;
    summary[SD_DRIFT_AUC_FRAC_SENESCENT] = auc;

    for (size_t k = 0; k < n; k++) {
        double F = rows[k * NS + SD_DRIFT_FUNCTION_F];
        if (!(F < 0.5)) continue;
        if (k == 0) {
            summary[SD_DRIFT_TIME_F_BELOW_HALF] = times[0];
        } else {
            double Fp = rows[(k - 1) * NS + SD_DRIFT_FUNCTION_F];
            double w = (Fp - 0.5) / (Fp - F);
            summary[SD_DRIFT_TIME_F_BELOW_HALF] = times[k - 1] + w * (times[k] - times[k - 1]);
        }
        break;
    }

    /* Least squares through (t_k, front_k) where the front is defined. */
    double st = 0, sr = 0;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        double r = rows[k * NS + SD_DRIFT_FRONT_RADIUS];
        if (!isfinite(r)) continue;
        st += times[k];
        sr += r;
        m++;
    }
    if (m >= 2) {
        double tm = st / (double)m, rm = sr / (double)m, sxy = 0, sxx = 0;
        for (size_t k = 0; k < n; k++) {
            double r = rows[k * NS + SD_DRIFT_FRONT_RADIUS];
            if (!isfinite(r)) continue;
            sxy += (times[k] - tm) * (r - rm);
            sxx += (times[k] - tm) * (times[k] - tm);
        }
        if (sxx > 0) summary[SD_DRIFT_DRIFT_SPEED] = sxy / sxx;
    }

    int64_t ind = totals[SD_DRIFT_EV_INTRINSIC] + totals[SD_DRIFT_EV_SASP] +
                  totals[SD_DRIFT_EV_EV] + totals[SD_DRIFT_EV_TOX];
    if (ind > 0) summary[SD_DRIFT_EV_SHARE] = (double)totals[SD_DRIFT_EV_EV] / (double)ind;
}
