/* sendrift: the sweep file.
 *
 * A sweep file is JSON (see sweeps/schema.json and README.md):
 *
 *   { "name": "...", "description": "...",
 *     "model": { "name": "ishigami", "params": { "a": 7, "b": 0.1 } },
 *     "parameters": [
 *        { "name": "x1", "range": [-3.14159, 3.14159], "scale": "lin" },
 *        { "name": "psi", "range": [1, 16], "scale": "log", "levels": 5 },
 *        { "name": "beta", "values": [0.01, 0.1] },
 *        { "name": "tissue", "values": ["cartilage", "bone"] } ],
 *     "design": { "type": "sobol", "samples": 1024, "second_order": true },
 *     "replicates": 1, "seed": 42,
 *     "output": { "file": "results.h5", "timeseries": true } }
 *
 * Parsing validates everything it can before any run: unknown keys, types,
 * ranges against the model's parameter table, and the design's own rules.
 * Every message names the JSON path, the bad value and what is allowed.
 *
 * The code lives in src/sweepfile/ (its map is in sweepfile.h there): the
 * JSON checker in json.c, the schema in schema.c and schema_params.c,
 * sd_sweep_load in load.c, and the sd_sweep object's accessors and parameter
 * sets in access.c.
 */
#ifndef SENDRIFT_CONFIG_H
#define SENDRIFT_CONFIG_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "sendrift/model.h"

typedef enum {
    SD_AXIS_RANGE = 0,   /* "range": [min, max], "scale", optional "levels" */
    SD_AXIS_VALUES = 1,  /* "values": [numbers]                             */
    SD_AXIS_CHOICES = 2  /* "values": [strings] (a categorical axis)        */
} sd_axis_kind;

typedef struct {
    char *name;
    sd_param_def def;        /* the model's definition (def.name = name)    */
    sd_axis_kind kind;
    double min, max;         /* RANGE                                       */
    int log;                 /* RANGE: 1 for "scale": "log"                 */
    size_t levels;           /* RANGE: levels for a grid (0: not given)     */
    double *values;          /* VALUES                                      */
    char **choices;          /* CHOICES                                     */
    size_t n_values;         /* VALUES, CHOICES                             */
} sd_axis;

typedef enum {
    SD_DESIGN_GRID = 0,   /* full factorial over every axis's levels        */
    SD_DESIGN_LIST = 1,   /* axes zipped: point i takes value i of each     */
    SD_DESIGN_LHS = 2,    /* Latin hypercube, "samples" points              */
    SD_DESIGN_SOBOL = 3,  /* Saltelli: per base point A, AB_1..AB_D,
                             [BA_1..BA_D,] B; "samples" a power of two      */
    SD_DESIGN_MORRIS = 4, /* "trajectories" x (D+1) points on "levels"      */
    SD_DESIGN_RANDOM = 5  /* "samples" independent uniform points           */
} sd_design_type;

/* "grid", "list", "lhs", "sobol", "morris", "random" ("unknown" otherwise). */
const char *sd_design_type_name(sd_design_type t);

typedef struct {
    sd_design_type type;
    uint64_t samples;        /* LHS, SOBOL (base points N), RANDOM          */
    int second_order;        /* SOBOL: include BA_i blocks                  */
    uint64_t skip;           /* SOBOL: Sobol points skipped (default, as
                                SALib: max(N, 16))                          */
    uint64_t trajectories;   /* MORRIS                                      */
    uint32_t levels;         /* MORRIS (default 4)                          */
} sd_design_spec;

/* A parameter set in model.params. */
typedef struct {
    char *name;
    sd_param_def def;
    double value;            /* number, or choice index for CHOICE          */
    char *choice;            /* CHOICE: the string                          */
} sd_fixed;

typedef struct {
    char *source;            /* file name, for messages                     */
    char *text;              /* the sweep file as read (stored in results)  */
    char *name;
    char *description;
    const sd_model_class *model;
    sd_fixed *fixed;
    size_t n_fixed;
    sd_axis *axes;
    size_t n_axes;
    sd_design_spec design;
    uint64_t replicates;     /* default 1                                   */
    uint64_t seed;           /* default 0                                   */
    char *output_file;       /* output.file (NULL: none given)              */
    int output_timeseries;   /* output.timeseries (default 1)               */
    double run_timeout;      /* run_timeout: seconds a run may take (0: no
                                limit)                                      */
    int streams_paired;      /* streams: 0 "per-run" (each run its own
                                random numbers), 1 "paired" (keyed by the
                                replicate: arms share them)                 */
    double checkpoint_every; /* checkpoint_every: seconds of a run's wall
                                time between its checkpoints (0: none but
                                at a stop signal)                           */
    uint64_t *snap_runs;     /* output.snapshots.runs: run ids (sorted; see
                                sd_sweep_snapshot_run)                      */
    size_t n_snap_runs;
    double *snap_times;      /* output.snapshots.times: output times        */
    size_t n_snap_times;
} sd_sweep;

/* Parse and validate text.  source names the file in messages.  On error
 * returns SD_ERR_INPUT with sd_error_message() like
 *   "sweep.json: parameters[2].range: min 5 > max 3". */
int sd_sweep_parse(const char *text, const char *source, sd_sweep **out);

/* Rank 0 of comm reads path and broadcasts it; every rank parses it.  All
 * ranks return the same code and message. */
int sd_sweep_load(const char *path, MPI_Comm comm, sd_sweep **out);

void sd_sweep_destroy(sd_sweep **s);

/* Number of parameters in the design vector (= n_axes). */
size_t sd_sweep_dim(const sd_sweep *s);

/* The parameters shared by all runs: model defaults, then model.params. */
int sd_sweep_base_params(const sd_sweep *s, sd_paramset *out);

/* The parameters of one run: base, then each axis d set to x[d] (a number,
 * or for CHOICES the index of the choice).  Free with sd_paramset_free. */
int sd_sweep_run_params(const sd_sweep *s, const double *x, sd_paramset *out);

/* 1 when output.snapshots.runs names run. */
int sd_sweep_snapshot_run(const sd_sweep *s, uint64_t run);

void sd_paramset_free(sd_paramset *p);

/* Longest "name" of a sweep, in bytes: it names the default result file. */
#define SD_SWEEP_NAME_MAX 200

/* The result file used when neither -o nor output.file gives one: the
 * sweep's name with ".h5", in the current directory.  Every byte other than
 * a letter, a digit, '-', '_' and '.' becomes '_', and so does a leading '.',
 * so that the name never leaves the directory ("../x" gives "_._x.h5") nor
 * hides the file. */
void sd_sweep_default_output(const sd_sweep *s, char *buf, size_t n);

/* Largest sweep file sd_sweep_load reads (64 MiB). */
#define SD_SWEEP_MAX_BYTES ((uint64_t)64 << 20)

/* Largest number of runs (points x replicates) a sweep may have: 2^53, so
 * that every run id is exact as a double too. */
#define SD_SWEEP_MAX_RUNS ((uint64_t)1 << 53)

/* sd_sweep_parse against the given models instead of the compiled-in
 * registry (sd_model_all()): for tests and for programs that embed their own
 * models.  The models must outlive the sweep. */
int sd_sweep_parse_models(const char *text, const char *source,
                          const sd_model_class *const *models, size_t n_models,
                          sd_sweep **out);

/* Number of design points of a parsed sweep (grid: product of the levels
 * and value counts; list: values per axis; lhs, random: samples; sobol:
 * samples x (D + 2), or x (2D + 2) with second_order; morris: trajectories
 * x (D + 1)).  Parsing guarantees points x replicates <= SD_SWEEP_MAX_RUNS. */
uint64_t sd_sweep_points(const sd_sweep *s);

#endif
