/* Helpers of the drift model's tests (unit.test_drift, unit.test_front,
 * mpi.test_drift_mpi): a parameter set written as "name=value" words, and a
 * run of the model through its class interface, as a sweep makes it.
 * Header-only (static inline): the tests that include it are built with
 * src/drift on their include path, which the sd_test library is not. */
#ifndef SD_DRIFT_TEST_H
#define SD_DRIFT_TEST_H

#include <CUnit/Basic.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"

/* A parameter set as the sweep builds it: every table default first (NaN for
 * the tissue presets), then "name=value" words (tissue=NAME and init=NAME:
 * the choices). */
typedef struct {
    sd_pvalue v[SD_DRIFT_NPARAMS + 64];
    char buf[4096];
    sd_paramset ps;
} pset;

static inline void pset_make(pset *P, const char *text)
{
    size_t n = 0, nt;
    const sd_param_def *t = sd_drift_param_table(&nt);
    for (size_t i = 0; i < nt; i++) {
        P->v[n].name = t[i].name;
        P->v[n].value = t[i].def;
        P->v[n].choice = t[i].type == SD_PARAM_CHOICE ? t[i].def_choice : NULL;
        n++;
    }
    snprintf(P->buf, sizeof P->buf, "%s", text);
    for (char *tok = strtok(P->buf, " \n"); tok && n < nt + 64; tok = strtok(NULL, " \n")) {
        char *eq = strchr(tok, '=');
        CU_ASSERT_PTR_NOT_NULL_FATAL(eq);
        *eq = '\0';
        P->v[n].name = tok;
        P->v[n].choice = strcmp(tok, "tissue") == 0 || strcmp(tok, "init") == 0 ? eq + 1 : NULL;
        P->v[n].value = P->v[n].choice ? 0 : strtod(eq + 1, NULL);
        n++;
    }
    P->ps.v = P->v;
    P->ps.n = n;
}

/* A run's output times, rows (n_times x SD_DRIFT_NSERIES) and summaries. */
typedef struct {
    size_t nt;
    double *times, *rows;
    double summary[SD_DRIFT_NSUMMARY];
} result;

static inline void result_free(result *r)
{
    free(r->rows);
    free(r->times);
    r->rows = r->times = NULL;
}

/* Run the model on comm (layout, create, advance and observe at every
 * output time, summarize, destroy); the rows and summaries are valid on
 * the comm's rank 0 (the same bits on every rank). */
static inline int drift_run(const sd_paramset *ps, const sd_run_info *info, MPI_Comm comm,
                            result *r)
{
    const sd_model_class *m = &sd_model_drift;
    sd_layout L;
    memset(r, 0, sizeof *r);
    int rc = m->layout(ps, &L);
    if (rc) return rc;
    r->nt = L.n_times;
    r->rows = calloc(L.n_times * SD_DRIFT_NSERIES, sizeof(double));
    r->times = calloc(L.n_times, sizeof(double));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->rows);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->times);
    memcpy(r->times, L.times, sizeof(double) * L.n_times);
    void *st = NULL;
    rc = m->create(ps, info, comm, &st);
    for (size_t k = 0; k < L.n_times && !rc; k++) {
        rc = m->advance(st, L.times[k]);
        if (!rc) rc = m->observe(st, r->rows + k * SD_DRIFT_NSERIES);
    }
    if (!rc) rc = m->summarize(st, r->summary);
    if (st) m->destroy(st);
    sd_layout_free(&L);
    return rc;
}

/* The model on one rank from "name=value" words, run id run (seed 12345). */
static inline int run_model(const char *text, uint64_t run, result *r)
{
    pset P;
    pset_make(&P, text);
    sd_run_info info = {run, 0, 0, 12345, NULL, run};
    return drift_run(&P.ps, &info, MPI_COMM_SELF, r);
}

#endif
