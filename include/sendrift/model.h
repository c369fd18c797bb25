/* sendrift: the model interface.
 *
 * A model is a small class: a table of the parameters it accepts, the outputs
 * it reports, and create / advance / observe / summarize / destroy.  The sweep
 * knows nothing of biology: it builds a parameter set for a run, creates the
 * model on the run's worker-group communicator, advances it through the output
 * times, collects one time-series row per output time and the summary scalars
 * at the end, and destroys it.
 */
#ifndef SENDRIFT_MODEL_H
#define SENDRIFT_MODEL_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SD_PARAM_REAL = 0,   /* a real number in [min, max]                     */
    SD_PARAM_INT = 1,    /* a whole number in [min, max]                    */
    SD_PARAM_CHOICE = 2  /* one string of choices[]                         */
} sd_param_type;

typedef struct {
    const char *name;
    const char *unit;        /* "1" for dimensionless                       */
    const char *description;
    sd_param_type type;
    double def;              /* default (REAL, INT)                         */
    double min, max;         /* allowed closed range (REAL, INT)            */
    const char *const *choices; /* NULL-terminated list (CHOICE)            */
    const char *def_choice;  /* default (CHOICE)                            */
    int fixed_only;          /* 1: may be set in model.params, not swept    */
    const char *def_from;    /* REAL, INT with def = NaN: where the default
                                comes from instead ("the tissue preset")    */
} sd_param_def;

/* One parameter value of a run: a number, or a choice (then value is the
 * index of the choice in the definition's choices[]). */
typedef struct {
    const char *name;
    double value;
    const char *choice;      /* NULL unless the parameter is a CHOICE       */
} sd_pvalue;

/* Every parameter a model run sees: defaults, then model.params, then the
 * run's axis values.  Names and strings are borrowed from the sweep. */
typedef struct {
    sd_pvalue *v;
    size_t n;
} sd_paramset;

/* Lookups return the value, or the model's default when absent. */
double sd_paramset_real(const sd_paramset *p, const char *name, double def);
const char *sd_paramset_choice(const sd_paramset *p, const char *name,
                               const char *def);
int sd_paramset_has(const sd_paramset *p, const char *name);

typedef struct {
    const char *name;
    const char *unit;
    const char *description;
} sd_metric_def;

/* Snapshots: whole-lattice fields of chosen runs at chosen output times. */
typedef enum { SD_SNAP_U8 = 0, SD_SNAP_F64 = 1 } sd_snap_type;

typedef struct {
    const char *name;
    const char *unit;
    const char *description;
    sd_snap_type type;
    /* SD_SNAP_U8 fields of categories: the name of each value 0, 1, ...,
     * NULL-terminated (NULL: plain numbers).  Stored with the snapshots as
     * the attributes flag_values / flag_meanings, so that readers take the
     * names from the file. */
    const char *const *labels;
} sd_snapfield_def;

/* What every run of a sweep reports: the same for all runs, so that the
 * result file can be laid out before the first run. */
typedef struct {
    size_t n_times;
    double *times;            /* n_times output times (owned)               */
    const char *time_unit;
    size_t n_series;
    const sd_metric_def *series;   /* time-series metrics (static)          */
    size_t n_summary;
    const sd_metric_def *summary;  /* end-of-run scalars (static)           */
    /* Snapshots (none when n_snapfields == 0): the lattice has snap_dim
     * (2 or 3) axes of snap_n[0] x snap_n[1] (x snap_n[2]) cells (x, y, z)
     * of spacing snap_dx (um); stored as (z,) y, x arrays. */
    size_t n_snapfields;
    const sd_snapfield_def *snapfields;
    int snap_dim;
    int snap_n[3];
    double snap_dx;
} sd_layout;

/* A handle on one snapshot (one run at one output time) being written. */
typedef struct sd_snapshot sd_snapshot;

/* Write this rank's tile of snapshot field `field` straight from a ghosted
 * local array: interior cells start at global cell lo[] and span ln[] cells
 * per axis (x, y, z); the array is allocated gn[] per axis, x fastest, with
 * one ghost layer on each side of every axis where gn[a] > ln[a].  Elements
 * are uint8_t (SD_SNAP_U8) or double (SD_SNAP_F64).  Independent: each rank
 * of the group writes its own tile. */
int sd_snapshot_write(sd_snapshot *w, size_t field, const void *data, const int lo[3],
                      const int ln[3], const int gn[3]);

void sd_layout_free(sd_layout *l);

/* Whether a run should go on: asked by a model between its time steps, and
 * by the sweep at every output time.  Collective over the run's group: every
 * rank asks at the same step, and all get the same answer.  SD_OK: go on.
 * Otherwise the run must stop at once, and advance returns the code (the
 * message is set): SD_ERR_INTERRUPTED after a stop signal and its grace
 * period, SD_ERR_TIMEOUT past the run's time limit.  A NULL poll always
 * answers SD_OK (a model used outside a sweep). */
typedef struct sd_run_poll sd_run_poll;
int sd_run_poll_check(sd_run_poll *poll);

typedef struct {
    uint64_t run;            /* run id                                      */
    uint64_t point;          /* design point                                */
    uint64_t replicate;      /* replicate of that point                     */
    uint64_t seed;           /* the sweep's seed                            */
    sd_run_poll *poll;       /* ask between steps (may be NULL)             */
    uint64_t stream;         /* the key of the run's random numbers (with
                                seed): its run id, or with "streams":
                                "paired" its replicate, so that runs of one
                                replicate share their random numbers        */
} sd_run_info;

/* Checkpoints: a run's whole state, saved so that the run can go on from it
 * later, on any number of ranks and any decomposition (docs/checkpoints.md).
 * A model that supports them gives one function, checkpoint(state, io),
 * that names every part of its state with the two calls below, in the same
 * order on every rank of the group; the sweep calls it to save (the calls
 * write) and, on a freshly created run, to restore (the same calls read
 * into the same arrays).  The counter-based random numbers need nothing
 * beyond the step. */
typedef enum { SD_STATE_U8 = 0, SD_STATE_I64 = 1, SD_STATE_F64 = 2 } sd_state_type;

typedef struct sd_state_io sd_state_io;

/* 1 while restoring, 0 while saving. */
int sd_state_reading(const sd_state_io *io);

/* A lattice array in global layout (collective over the group): dim (2 or
 * 3) axes of n[0] x n[1] (x n[2]) cells; this rank's tile is given as for
 * sd_snapshot_write (interior from global cell lo[], ln[] cells per axis, in
 * a ghosted array of gn[] per axis).  Saving writes the tile; restoring
 * reads the same cells of the saved global array into the tile's interior,
 * whatever the decomposition it was saved from (ghosts are left alone:
 * the model refreshes what it needs).  A rank with no cells passes ln 0. */
int sd_state_array(sd_state_io *io, const char *name, sd_state_type type, int dim,
                   const int n[3], void *data, const int lo[3], const int ln[3],
                   const int gn[3]);

/* count values that are the same on every rank of the group (collective):
 * saving writes rank 0's; restoring gives every rank the saved values.
 * Restoring fails (SD_ERR_IO, with the name) when the count or type
 * differs from what was saved. */
int sd_state_values(sd_state_io *io, const char *name, sd_state_type type, void *data,
                    size_t count);

typedef struct sd_model_class {
    const char *name;
    const char *description;
    const sd_param_def *params;  /* table of n_params entries               */
    size_t n_params;
    /* Optional: definitions for names not in the table (families such as
     * x1, x2, ... of any length).  Returns 1 and fills def when the name is
     * accepted, 0 otherwise; def->name is left to the caller. */
    int (*lookup)(const char *name, sd_param_def *def);
    /* Outputs, given the parameters shared by all runs (defaults and
     * model.params; fixed_only parameters are never swept). */
    int (*layout)(const sd_paramset *base, sd_layout *out);
    /* Optional: relative cost of a run, to hand out the longest first. */
    double (*cost)(const sd_paramset *p);
    /* Optional: bytes one rank of a group of `ranks` needs for a run, so that
     * a sweep that cannot fit is refused before anything is allocated. */
    double (*memory)(const sd_paramset *p, int ranks);
    /* Create a run on comm (every rank of the worker group calls it). */
    int (*create)(const sd_paramset *p, const sd_run_info *info,
                  MPI_Comm comm, void **state);
    /* Advance to time t (collective over the group). */
    int (*advance)(void *state, double t);
    /* The time-series row at the current time (collective; the values are
     * needed on rank 0 of the group only). */
    int (*observe)(void *state, double *row);
    /* The summary scalars at the end of the run (collective; rank 0). */
    int (*summarize)(void *state, double *summary);
    /* Optional: write every snapshot field of the current state with
     * sd_snapshot_write (collective over the group: every rank writes its
     * own tile). */
    int (*snapshot)(void *state, sd_snapshot *w);
    void (*destroy)(void *state);
    /* Optional: save or restore the whole state between two steps (see
     * sd_state_array; collective over the group).  Restoring is called on a
     * run just created with the same parameters; afterwards advance()
     * continues from the saved time.  Without it, runs cannot be
     * checkpointed and an interrupted run starts again from t = 0. */
    int (*checkpoint)(void *state, sd_state_io *io);
    /* The version of what checkpoint() saves: a checkpoint saved by another
     * version is refused (raise it whenever the saved state changes). */
    unsigned state_version;
    /* Optional: bytes of one run's checkpoint (for the disk check). */
    double (*state_bytes)(const sd_paramset *p);
} sd_model_class;

/* The registry of the models compiled in (src/models/registry.c, the one
 * place that names them). */
const sd_model_class *sd_model_find(const char *name);
const sd_model_class *const *sd_model_all(size_t *n);

/* Find a parameter's definition: the table first, then lookup().  Returns 1
 * when found. */
int sd_model_param(const sd_model_class *m, const char *name,
                   sd_param_def *def);

/* For families of parameters: 1 when name is prefix followed by a decimal
 * number k >= 1 (no sign, no leading zero), with *k set. */
int sd_param_family(const char *name, const char *prefix, unsigned long *k);

#endif
