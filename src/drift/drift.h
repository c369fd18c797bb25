/* sendrift: the senescent-drift model (docs/drift.md).  Private: for the
 * model's own files, its tests and its benchmark; the command line does not
 * get src/drift on its include path (see the root CMakeLists.txt), and
 * outside src/drift only src/models/registry.c names the model, by its class.
 *
 * The model class is sd_model_drift (model.c).  kernels.h holds the state,
 * the parameters and the per-site kernels (no MPI); this header adds
 *
 *   params.c   the parameter table, the tissue presets, the loader of the
 *              validated parameter struct sd_drift_params (all generated
 *              from params.def);
 *   observe.c  the outputs: exact reductions, the front radius, summaries.
 */
#ifndef SENDRIFT_DRIFT_H
#define SENDRIFT_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "sendrift/grid.h"
#include "sendrift/model.h"

extern const sd_model_class sd_model_drift;

/* The parameter table: one entry per parameter of params.def (a drug
 * makes six). */
#define SD_INT_FIXED(...) +1
#define SD_REAL_FIXED(...) +1
#define SD_INT(...) +1
#define SD_REAL(...) +1
#define SD_REAL_TISSUE(...) +1
#define SD_TISSUE_CHOICE(...) +1
#define SD_CHOICE(...) +1
#define SD_DRUG(...) +6
enum {
    SD_DRIFT_NPARAMS = 0
#include "params.def"
};
extern const sd_param_def sd_drift_param_defs[];
const sd_param_def *sd_drift_param_table(size_t *n);

/* The tissue-dependent parameters (SD_REAL_TISSUE in params.def): their
 * table default is NaN, meaning "the preset of the chosen tissue".  Returns
 * the preset value of `name` for tissue t (NaN when name is not
 * tissue-dependent). */
double sd_drift_tissue_preset(sd_drift_tissue t, const char *name);

/* Read and validate every parameter (defaults for those absent; NaN of a
 * tissue-dependent one: the tissue preset).  SD_ERR_INPUT with a message
 * naming the parameter when something is out of range or inconsistent. */
int sd_drift_params_load(const sd_paramset *ps, sd_drift_params *p);

/* Can the lattice be split over P ranks with at least one site per rank
 * along every axis?  SD_ERR_INPUT with "nx = 3 cannot be split over 4
 * ranks ..." otherwise. */
int sd_drift_check_ranks(const sd_drift_params *p, int P);

/* ---- Outputs (observe.c) ----------------------------------------------------- */

enum {
    SD_DRIFT_FRAC_NORMAL = 0,
    SD_DRIFT_FRAC_SENESCENT,
    SD_DRIFT_FRAC_EMPTY,
    SD_DRIFT_MEAN_EPI,
    SD_DRIFT_MEAN_ECM,
    SD_DRIFT_MEAN_S,
    SD_DRIFT_MEAN_E,
    SD_DRIFT_FUNCTION_F,
    SD_DRIFT_IND_INTRINSIC,
    SD_DRIFT_IND_SASP,
    SD_DRIFT_IND_EV,
    SD_DRIFT_IND_TOX,
    SD_DRIFT_CLEARANCES,
    SD_DRIFT_REJUVENATIONS,
    SD_DRIFT_REGENERATIONS,
    SD_DRIFT_FRONT_RADIUS,
    /* Clusters of senescent sites (face neighbours, across periodic
     * boundaries), on the whole lattice (observe.c, "Clusters"). */
    SD_DRIFT_FOCUS_RADIUS,
    SD_DRIFT_FOCUS_EXTENT,
    SD_DRIFT_FOCUS_WALL,
    SD_DRIFT_NUCLEATED_CLUSTERS,
    SD_DRIFT_NUCLEATED_FRAC,
    SD_DRIFT_CLUSTERS,
    SD_DRIFT_CLUSTER_MEAN,
    SD_DRIFT_CLUSTER_MAX,
    SD_DRIFT_PCF_1,          /* pair correlation at lags 1, 2, 4, 8, 16, 32 dx */
    SD_DRIFT_PCF_2,
    SD_DRIFT_PCF_4,
    SD_DRIFT_PCF_8,
    SD_DRIFT_PCF_16,
    SD_DRIFT_PCF_32,
    /* init = half-space: where the senescent fraction of the x-planes
     * crosses 1/2 (observe.c). */
    SD_DRIFT_PLANAR_FRONT,
    SD_DRIFT_NSERIES
};

#define SD_DRIFT_NPCF 6

enum {
    SD_DRIFT_FINAL_FRAC_NORMAL = 0,
    SD_DRIFT_FINAL_FRAC_SENESCENT,
    SD_DRIFT_FINAL_FRAC_EMPTY,
    SD_DRIFT_FINAL_MEAN_EPI,
    SD_DRIFT_FINAL_MEAN_ECM,
    SD_DRIFT_FINAL_F,
    SD_DRIFT_PEAK_FRAC_SENESCENT,
    SD_DRIFT_AUC_FRAC_SENESCENT,
    SD_DRIFT_TIME_F_BELOW_HALF,
    SD_DRIFT_DRIFT_SPEED,
    SD_DRIFT_EV_SHARE,
    SD_DRIFT_DRIFT_SPEED_POINTS,
    SD_DRIFT_DRIFT_SPEED_STATUS,
    SD_DRIFT_NSUMMARY
};

extern const sd_metric_def sd_drift_series[SD_DRIFT_NSERIES];
extern const sd_metric_def sd_drift_summary[SD_DRIFT_NSUMMARY];
extern const sd_snapfield_def sd_drift_snapfields[5];

/* Rings around the lattice centre for the front radius: ring m holds the
 * sites with floor(r / dx) = m, for m < nring = floor(min_a n_a / 2) (the
 * rings inside the largest circle / sphere the lattice holds). */
typedef struct {
    int64_t nring;
    int64_t *count;   /* sites per ring (whole lattice)                      */
    int64_t *work;    /* nring + SD_DRIFT_NEVENTS + 2 reduction buffer        */
} sd_drift_rings;

/* Collective over g.  focus_radius 0: no rings. */
int sd_drift_rings_setup(const sd_grid *g, double focus_radius, sd_drift_rings *r);
void sd_drift_rings_free(sd_drift_rings *r);

/* What an observation reads (the current state). */
typedef struct {
    const uint8_t *kind;
    const double *epi, *ecm, *S, *E;
    const int64_t *ev;    /* local cumulative event counts                   */
    double bone_B;
} sd_drift_view;

/* The cluster outputs (SD_DRIFT_FOCUS_RADIUS .. SD_DRIFT_PLANAR_FRONT) of a whole
 * lattice of site states, x fastest (pure; observe.c).  out[] is indexed
 * from SD_DRIFT_FOCUS_RADIUS.  Needs 9 bytes of work space per site. */
int sd_drift_clusters(const sd_box *b, const sd_drift_params *p, const uint8_t *kind,
                      double *out);

/* One time-series row (collective; the same bits on every rank for any
 * number of ranks).  totals[SD_DRIFT_NEVENTS] receives the global event
 * counts. */
int sd_drift_observe_row(const sd_grid *g, const sd_drift_params *p, const sd_drift_view *v,
                         sd_drift_rings *rings, double row[SD_DRIFT_NSERIES],
                         int64_t totals[SD_DRIFT_NEVENTS]);

/* The summary scalars from the rows at the output times (pure). */
void sd_drift_summarize_rows(const sd_drift_params *p, size_t n, const double *times,
                             const double *rows, const int64_t totals[SD_DRIFT_NEVENTS],
                             double summary[SD_DRIFT_NSUMMARY]);

#endif
