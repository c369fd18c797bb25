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
     "senescent fraction is >= 0.5; 0 when no ring is; NaN without a focus. Counts every "
     "senescent cell of a ring, nucleated ones too, and stops at the inscribed circle: a "
     "measure of takeover; the focus cluster's outputs measure the front"},
    {"focus_radius", "um",
     "equivalent radius of the focus cluster (the senescent and empty sites of the lesion, "
     "joined through faces, that holds a site within focus_radius of the centre): "
     "sqrt(A / pi) dx in 2-D, (3 V / (4 pi))^(1/3) dx in 3-D for its A (V) sites; 0 when "
     "there is none (it may form again: a senescent site within focus_radius of the "
     "centre starts it anew); NaN without a focus; not capped"},
    {"focus_extent", "um",
     "largest distance from the lattice centre to the centre of a site of the focus cluster; "
     "0 when it is gone; NaN without a focus"},
    {"focus_wall", "1",
     "1 when the focus cluster touches a wall (a boundary site of a non-periodic axis), else "
     "0; NaN without a focus"},
    {"nucleated_clusters", "1",
     "senescent clusters not connected to the focus (all of them without a focus)"},
    {"nucleated_frac", "1",
     "sites of the senescent clusters not connected to the focus, per lattice site"},
    {"clusters", "1", "senescent clusters (sites joined through faces, across periodic axes)"},
    {"cluster_mean", "sites", "mean size of the senescent clusters; NaN when there is none"},
    {"cluster_max", "sites", "size of the largest senescent cluster (0 when there is none)"},
    {"pcf_1", "1",
     "pair correlation of senescent sites at 1 dx along the axes: P(both senescent) / f^2 "
     "over site pairs (f the senescent fraction; 1: no correlation); NaN when f = 0"},
    {"pcf_2", "1", "pair correlation of senescent sites at 2 dx (as pcf_1)"},
    {"pcf_4", "1", "pair correlation of senescent sites at 4 dx (as pcf_1)"},
    {"pcf_8", "1", "pair correlation of senescent sites at 8 dx (as pcf_1)"},
    {"pcf_16", "1", "pair correlation of senescent sites at 16 dx (as pcf_1)"},
    {"pcf_32", "1",
     "pair correlation of senescent sites at 32 dx (as pcf_1; NaN when no axis is longer)"},
    {"planar_front", "um",
     "init = half-space: planar front position, where the senescent fraction of the planes "
     "x = const, counted from the x = 0 wall, first falls below 1/2 (linear interpolation "
     "between plane centres (i + 1/2) dx); 0 when the first plane is below 1/2; nx dx when "
     "no plane is; NaN for init = focus"},
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
     "least-squares slope of focus_radius over the window of output times from t = 0 while "
     "the focus cluster exists and touches no wall (drift_speed_points of them); init = "
     "half-space: of planar_front over the window while it is > 0 and at most 3/4 of the "
     "lattice length nx dx; NaN without a focus or with fewer than 3 such times"},
    {"ev_share", "1",
     "EV-channel inductions / all inductions (which channel fired, not what it caused); NaN "
     "when there was none"},
    {"drift_speed_points", "1",
     "output times in the window drift_speed is fitted over (0 without a focus)"},
    {"drift_speed_status", "1",
     "why drift_speed is what it is: 0 fitted over the whole run (the focus cluster never "
     "met a wall nor vanished); 1 fitted up to the first output time where the focus cluster "
     "touched a wall (half-space: the planar front passed 3/4 of nx dx); 2 fitted up to its "
     "vanishing; 3 NaN: no focus; 4 NaN: fewer than 3 "
     "output times before it touched a wall; 5 NaN: fewer than 3 before it vanished; 6 NaN: "
     "the run has fewer than 3 output times"},
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

/* ---- Clusters ------------------------------------------------------------------------ *
 *
 * Senescent sites are joined into clusters through their faces (4
 * neighbours in 2-D, 6 in 3-D; across a periodic boundary too).  The
 * lattice's site states are gathered on the grid's rank 0, which labels
 * them (union-find) and computes every cluster output; the values are then
 * broadcast.  A gather, not a distributed union-find: an output time comes
 * every many steps, the gather moves one byte per site (1 MiB for 1024^2)
 * and the labels take 8 more on one rank only, and the outputs are the same
 * bits for any decomposition by construction (docs/drift.md, "Clusters"). */

static int32_t uf_find(int32_t *par, int32_t x)
{
    while (par[x] >= 0) {
        int32_t up = par[x];
        if (par[up] >= 0) par[x] = par[up]; /* path halving */
        x = up;
    }
    return x;
}

/* Roots hold minus the size of their cluster. */
static void uf_union(int32_t *par, int32_t a, int32_t b)
{
    a = uf_find(par, a);
    b = uf_find(par, b);
    if (a == b) return;
    if (par[a] > par[b]) { /* b is larger */
        int32_t t = a;
        a = b;
        b = t;
    }
    par[a] += par[b];
    par[b] = a;
}

#define SD_PI 3.14159265358979323846

static const int sd_drift_lags[SD_DRIFT_NPCF] = {1, 2, 4, 8, 16, 32};

/* Label the sites for which in(kind) holds: join each with its face
 * neighbours in -x, -y, -z that hold it too, and across each periodic
 * axis's boundary.  par[s] = INT32_MIN for sites left out. */
static void drift_label(const sd_box *b, const uint8_t *kind, int lesion, int32_t *par)
{
    const int64_t N = b->nglobal, nx = b->n[0], ny = b->n[1], nz = b->dim == 3 ? b->n[2] : 1;
    const int64_t st[3] = {1, nx, nx * ny}, n[3] = {nx, ny, nz};
    for (int64_t s = 0; s < N; s++) {
        int in = kind[s] == SD_DRIFT_SENESCENT || (lesion && kind[s] == SD_DRIFT_EMPTY);
        par[s] = in ? -1 : INT32_MIN;
    }
    for (int64_t z = 0; z < nz; z++)
        for (int64_t y = 0; y < ny; y++)
            for (int64_t x = 0; x < nx; x++) {
                int64_t s = x + nx * (y + ny * z), c[3] = {x, y, z};
                if (par[s] == INT32_MIN) continue;
                for (int a = 0; a < b->dim; a++) {
                    int64_t t = -1;
                    if (c[a] > 0)
                        t = s - st[a];
                    else if (b->periodic[a] && n[a] > 1)
                        t = s + (n[a] - 1) * st[a];
                    if (t >= 0 && par[t] != INT32_MIN) uf_union(par, (int32_t)s, (int32_t)t);
                }
            }
}

int sd_drift_clusters(const sd_box *b, const sd_drift_params *p, const uint8_t *kind,
                      double *out)
{
    const int64_t N = b->nglobal, nx = b->n[0], ny = b->n[1], nz = b->dim == 3 ? b->n[2] : 1;
    const int64_t st[3] = {1, nx, nx * ny}, n[3] = {nx, ny, nz};
    for (int q = 0; q < SD_DRIFT_NSERIES - SD_DRIFT_FOCUS_RADIUS; q++) out[q] = NAN;
    if (N > INT32_MAX) return sd_error(SD_ERR_INPUT, "drift: %lld sites: clusters are counted "
                                                     "up to 2^31 - 1", (long long)N);
    int32_t *les = sd_malloc(sizeof(int32_t) * (size_t)N, "drift cluster labels");
    int32_t *sen = sd_malloc(sizeof(int32_t) * (size_t)N, "drift cluster labels");
    uint8_t *focus = sd_calloc((size_t)N, 1, "drift cluster flags");
    if (!les || !sen || !focus) {
        free(les);
        free(sen);
        free(focus);
        return SD_ERR_NOMEM;
    }
    /* The focus cluster: the lesion (senescent and empty sites, joined
     * through faces) that holds a site within focus_radius of the centre
     * (the sites the run starts from).  Clusters: senescent sites alone. */
    drift_label(b, kind, 1, les);
    drift_label(b, kind, 0, sen);
    int has_focus = p->focus_radius > 0;
    double R2 = 4.0 * p->focus_radius * p->focus_radius / (p->dx * p->dx);
    int64_t nsen = 0, area = 0, r2max = -1, wall = 0, clusters = 0, largest = 0, nucl = 0,
            nucl_sites = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int64_t z = 0; z < nz; z++)
            for (int64_t y = 0; y < ny; y++)
                for (int64_t x = 0; x < nx; x++) {
                    int64_t s = x + nx * (y + ny * z), c[3] = {x, y, z}, r2 = 0;
                    if (les[s] == INT32_MIN) continue;
                    for (int a = 0; a < b->dim; a++) {
                        int64_t d = 2 * c[a] + 1 - n[a];
                        r2 += d * d;
                    }
                    int32_t lroot = uf_find(les, (int32_t)s);
                    if (pass == 0) { /* mark the focus lesion */
                        if (has_focus && (double)r2 <= R2) focus[lroot] = 1;
                        continue;
                    }
                    if (focus[lroot]) {
                        area++;
                        if (r2 > r2max) r2max = r2;
                        for (int a = 0; a < b->dim; a++)
                            if (!b->periodic[a] && (c[a] == 0 || c[a] == n[a] - 1)) wall = 1;
                    }
                    if (sen[s] == INT32_MIN) continue;
                    nsen++;
                    if (uf_find(sen, (int32_t)s) != s) continue;
                    /* once per senescent cluster, at its root */
                    int64_t size = -(int64_t)sen[s];
                    clusters++;
                    if (size > largest) largest = size;
                    if (!focus[lroot]) {
                        nucl++;
                        nucl_sites += size;
                    }
                }
    double dx = p->dx;
    if (has_focus) {
        out[SD_DRIFT_FOCUS_RADIUS - SD_DRIFT_FOCUS_RADIUS] =
            b->dim == 3 ? cbrt(3.0 * (double)area / (4.0 * SD_PI)) * dx
                        : sqrt((double)area / SD_PI) * dx;
        out[SD_DRIFT_FOCUS_EXTENT - SD_DRIFT_FOCUS_RADIUS] =
            r2max >= 0 ? 0.5 * sqrt((double)r2max) * dx : 0.0;
        out[SD_DRIFT_FOCUS_WALL - SD_DRIFT_FOCUS_RADIUS] = (double)wall;
    }
    out[SD_DRIFT_NUCLEATED_CLUSTERS - SD_DRIFT_FOCUS_RADIUS] = (double)nucl;
    out[SD_DRIFT_NUCLEATED_FRAC - SD_DRIFT_FOCUS_RADIUS] = (double)nucl_sites / (double)N;
    out[SD_DRIFT_CLUSTERS - SD_DRIFT_FOCUS_RADIUS] = (double)clusters;
    out[SD_DRIFT_CLUSTER_MEAN - SD_DRIFT_FOCUS_RADIUS] =
        clusters ? (double)nsen / (double)clusters : NAN;
    out[SD_DRIFT_CLUSTER_MAX - SD_DRIFT_FOCUS_RADIUS] = (double)largest;
    /* Pair correlation along the axes: g(L) = P(s and s + L e_a both
     * senescent) / f^2, over every pair inside the lattice (or across a
     * periodic boundary), all axes pooled; NaN without senescent sites or
     * without a pair at that lag. */
    double f = (double)nsen / (double)N;
    for (int l = 0; l < SD_DRIFT_NPCF; l++) {
        int64_t L = sd_drift_lags[l], pairs = 0, both = 0;
        for (int a = 0; a < b->dim; a++) {
            if (L >= n[a]) continue;
            for (int64_t z = 0; z < nz; z++)
                for (int64_t y = 0; y < ny; y++)
                    for (int64_t x = 0; x < nx; x++) {
                        int64_t c[3] = {x, y, z}, s = x + nx * (y + ny * z), t;
                        if (c[a] + L < n[a])
                            t = s + L * st[a];
                        else if (b->periodic[a])
                            t = s + (L - n[a]) * st[a];
                        else
                            continue;
                        pairs++;
                        both += sen[s] != INT32_MIN && sen[t] != INT32_MIN;
                    }
        }
        if (pairs > 0 && nsen > 0)
            out[SD_DRIFT_PCF_1 + l - SD_DRIFT_FOCUS_RADIUS] = (double)both / (double)pairs / (f * f);
    }
    if (p->init == SD_INIT_HALF_SPACE) {
        /* The planes x = const from the wall: the first whose senescent
         * fraction is below 1/2, interpolated from the one before it. */
        const int64_t plane = ny * nz;
        double fprev = 1.0, front = (double)nx * dx;
        for (int64_t x = 0; x < nx; x++) {
            int64_t c = 0;
            for (int64_t z = 0; z < nz; z++)
                for (int64_t y = 0; y < ny; y++) c += sen[x + nx * (y + ny * z)] != INT32_MIN;
            double fx = (double)c / (double)plane;
            if (2 * c < plane) {
                front = x == 0 ? 0.0
                               : ((double)x - 0.5 + (fprev - 0.5) / (fprev - fx)) * dx;
                break;
            }
            fprev = fx;
        }
        out[SD_DRIFT_PLANAR_FRONT - SD_DRIFT_FOCUS_RADIUS] = front;
    }
    free(les);
    free(sen);
    free(focus);
    return SD_OK;
}

/* The cluster outputs of the current state into row (collective). */
static int drift_observe_clusters(const sd_grid *g, const sd_drift_params *p,
                                  const uint8_t *kind, double *row)
{
    const sd_box *b = sd_grid_box(g);
    int root = sd_grid_rank(g) == 0, rc = SD_OK;
    uint8_t *all = root ? sd_malloc((size_t)b->nglobal, "drift lattice gather") : NULL;
    if (root && !all) rc = SD_ERR_NOMEM;
    SD_CALL(sd_agree(sd_grid_comm(g), rc));
    rc = sd_grid_gather_elems(g, kind, 1, 0, all);
    if (rc == SD_OK && root) rc = sd_drift_clusters(b, p, all, row + SD_DRIFT_FOCUS_RADIUS);
    free(all);
    SD_CALL(sd_agree(sd_grid_comm(g), rc));
    int m = MPI_Bcast(row + SD_DRIFT_FOCUS_RADIUS, SD_DRIFT_NSERIES - SD_DRIFT_FOCUS_RADIUS,
                      MPI_DOUBLE, 0, sd_grid_comm(g));
    return m == MPI_SUCCESS ? SD_OK : sd_mpi_fail(m, "MPI_Bcast (cluster outputs)");
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
    SD_CALL(drift_observe_clusters(g, p, v->kind, row));
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

    /* Least squares through (t_k, r_k) over the window from t = 0 while the
     * front exists and is away from the walls: r the focus cluster's radius
     * (touching no wall), or for init = half-space the planar front (at
     * most 3/4 of the lattice length). */
    const int planar = p->init == SD_INIT_HALF_SPACE;
    const int col = planar ? SD_DRIFT_PLANAR_FRONT : SD_DRIFT_FOCUS_RADIUS;
    const double far = 0.75 * (double)p->n[0] * p->dx;
#define DRIFT_AT_WALL(r) (planar ? !((r)[SD_DRIFT_PLANAR_FRONT] <= far) : (r)[SD_DRIFT_FOCUS_WALL] != 0)
    size_t m = 0;
    while (m < n) {
        const double *r = rows + m * NS;
        if (!(r[col] > 0) || DRIFT_AT_WALL(r)) break;
        m++;
    }
    summary[SD_DRIFT_DRIFT_SPEED_POINTS] = (double)m;
    {
        int focus = n > 0 && !isnan(rows[col]);
        int wall = m < n && focus && rows[m * NS + col] > 0 && DRIFT_AT_WALL(rows + m * NS);
        int status = !focus ? 3 : m == n ? (n >= 3 ? 0 : 6) : wall ? 1 : 2;
        if (focus && m < 3 && m < n) status += 3;
        summary[SD_DRIFT_DRIFT_SPEED_STATUS] = (double)status;
    }
#undef DRIFT_AT_WALL
    if (m >= 3) {
        double st = 0, sr = 0;
        for (size_t k = 0; k < m; k++) {
            st += times[k];
            sr += rows[k * NS + col];
        }
        double tm = st / (double)m, rm = sr / (double)m, sxy = 0, sxx = 0;
        for (size_t k = 0; k < m; k++) {
            double r = rows[k * NS + col];
            sxy += (times[k] - tm) * (r - rm);
            sxx += (times[k] - tm) * (times[k] - tm);
        }
        if (sxx > 0) summary[SD_DRIFT_DRIFT_SPEED] = sxy / sxx;
    }

    int64_t ind = totals[SD_DRIFT_EV_INTRINSIC] + totals[SD_DRIFT_EV_SASP] +
                  totals[SD_DRIFT_EV_EV] + totals[SD_DRIFT_EV_TOX];
    if (ind > 0) summary[SD_DRIFT_EV_SHARE] = (double)totals[SD_DRIFT_EV_EV] / (double)ind;
}
