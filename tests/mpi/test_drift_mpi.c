/* The drift model on 1-4 ranks (and any other number: `mpirun -n 6
 * build/tests/test_drift_mpi`): the outputs are bit-for-bit the same for any
 * number of ranks per simulation.
 *
 * Each case runs the model through its class interface (layout, create,
 * advance, observe, summarize, destroy) on MPI_COMM_SELF of world rank 0
 * (the reference), on the world communicator, and on sub-communicators of
 * different sizes (groups of 1, 2, 3, ... ranks, the last taking what is
 * left: 6 ranks give groups of 1, 2 and 3), and compares every time-series
 * row and summary with memcmp.  Also: a lattice too small for the ranks and
 * a solver failure are refused with the same code on every rank. */
#include <CUnit/Basic.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "sendrift/error.h"
#include "sd_drift_test.h"
#include "sd_test.h"

static int rank, size;

/* Run the model on comm; rows and summary are valid on the comm's rank 0. */
static int run_model_on(const sd_paramset *ps, MPI_Comm comm, result *r)
{
    sd_run_info info = {7, 3, 1, 20240601, NULL, 7};
    return drift_run(ps, &info, comm, r);
}


/* Number of doubles that differ; prints the first. */
static int compare(const char *what, const result *a, const result *b)
{
    int bad = 0;
    if (a->nt != b->nt) return 1;
    for (size_t k = 0; k < a->nt; k++)
        for (int i = 0; i < SD_DRIFT_NSERIES; i++) {
            const double *x = &a->rows[k * SD_DRIFT_NSERIES + i];
            const double *y = &b->rows[k * SD_DRIFT_NSERIES + i];
            if (memcmp(x, y, sizeof *x) != 0) {
                if (!bad)
                    fprintf(stderr, "%s: row %zu %s: %.17g != %.17g\n", what, k,
                            sd_drift_series[i].name, *x, *y);
                bad++;
            }
        }
    for (int i = 0; i < SD_DRIFT_NSUMMARY; i++)
        if (memcmp(&a->summary[i], &b->summary[i], sizeof(double)) != 0) {
            if (!bad)
                fprintf(stderr, "%s: summary %s: %.17g != %.17g\n", what,
                        sd_drift_summary[i].name, a->summary[i], b->summary[i]);
            bad++;
        }
    return bad;
}

/* 2-D, 97 x 61, periodic along x, walls along y, a focus, every drug on,
 * every event channel active, cartilage. */
#define CASE_2D                                                                               \
    "nx=97 ny=61 periodic_x=1 dt=0.08333333333333333 duration=12 output_interval=1 "          \
    "focus_radius=80 f0=0.02 k0=0.002 k_S=0.02 k_E=0.2 K_E=0.2 k_reg=0.4 tissue=cartilage "   \
    "mu_epi=0.01 senolytic.doses=2 senolytic.start=5 senolytic.interval=4 "                   \
    "senomorphic.doses=10 senomorphic.interval=1 ev_blocker.doses=2 ev_blocker.start=2 "      \
    "dna_demethylation.doses=2 dna_demethylation.start=1 dna_demethylation.interval=5 "       \
    "k_rev=0.3 hdac_inhibitor.doses=3 hdac_inhibitor.start=3 hdac_inhibitor.tox=0.02 "        \
    "immune.doses=1 immune.start=6 ev_therapy.doses=2 ev_therapy.start=4 ev_therapy.chi=0.3"

/* 3-D, 33 x 29 x 17, periodic along z, bone (B from the exact mean of S). */
#define CASE_3D                                                                               \
    "dim=3 nx=33 ny=29 nz=17 periodic_z=1 dt=0.08333333333333333 duration=4 "                 \
    "output_interval=0.5 focus_radius=60 f0=0.03 k0=0.003 k_S=0.05 k_E=0.8 K_E=0.2 "          \
    "k_reg=0.5 tissue=bone bone_turnover=0.2 bone_sasp=1 L_S=120 t_half_E=12 "                 \
    "senolytic.doses=1 senolytic.start=1 dna_demethylation.doses=1 k_rev=0.5 "                \
    "hdac_inhibitor.doses=2 hdac_inhibitor.tox=0.05 ev_therapy.doses=1 ev_therapy.start=2"

/* 2-D, 70 x 45, periodic along y, a half-space lesion (the planar front
 * and drift_speed from it), secretion scaled by epi (g_sec), every drug. */
#define CASE_HALF                                                                             \
    "nx=70 ny=45 periodic_y=1 dt=0.08333333333333333 duration=10 output_interval=1 "          \
    "init=half-space slab_width=120 f0=0.02 k0=0.002 k_S=0.02 k_E=0.15 K_E=0.2 k_reg=0.4 "     \
    "g_sec=3 mu_epi=0.02 tissue=disc senolytic.doses=1 senolytic.start=5 "                   \
    "senomorphic.doses=10 senomorphic.interval=1 ev_blocker.doses=2 ev_blocker.start=2 "      \
    "dna_demethylation.doses=2 dna_demethylation.start=1 dna_demethylation.interval=5 "       \
    "k_rev=0.3 hdac_inhibitor.doses=3 hdac_inhibitor.start=3 hdac_inhibitor.tox=0.02 "        \
    "immune.doses=1 immune.start=6 ev_therapy.doses=2 ev_therapy.start=4 ev_therapy.chi=0.3"

/* Groups of 1, 2, 3, ... ranks; the last takes what is left. */
static int group_color(int r, int n, int *gsize)
{
    int start = 0, g = 0, want = 1;
    for (;;) {
        int left = n - start;
        int sz = (left - want >= want + 1) ? want : left;
        if (r < start + sz) {
            *gsize = sz;
            return g;
        }
        start += sz;
        g++;
        want++;
    }
}

static void check_case(const char *name, const char *text)
{
    pset P;
    pset_make(&P, text);
    result ref = {0}, world = {0}, grp = {0};
    int rc_ref = SD_OK;
    if (rank == 0) rc_ref = run_model_on(&P.ps, MPI_COMM_SELF, &ref);
    MPI_Bcast(&rc_ref, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CU_ASSERT_EQUAL_FATAL(rc_ref, SD_OK);
    if (rank != 0) {
        ref.nt = 0;
    }
    unsigned long nt = rank == 0 ? (unsigned long)ref.nt : 0;
    MPI_Bcast(&nt, 1, MPI_UNSIGNED_LONG, 0, MPI_COMM_WORLD);
    if (rank != 0) {
        ref.nt = nt;
        ref.rows = calloc(nt * SD_DRIFT_NSERIES, sizeof(double));
    }
    MPI_Bcast(ref.rows, (int)(nt * SD_DRIFT_NSERIES), MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Bcast(ref.summary, SD_DRIFT_NSUMMARY, MPI_DOUBLE, 0, MPI_COMM_WORLD);

    /* The whole world as one group. */
    int rc = run_model_on(&P.ps, MPI_COMM_WORLD, &world);
    CU_ASSERT_EQUAL(rc, SD_OK);
    if (rc) fprintf(stderr, "%s on %d ranks: %s\n", name, size, sd_error_message());
    int bad = 0;
    char what[128];
    if (rank == 0 && rc == SD_OK) {
        snprintf(what, sizeof what, "%s, P = %d vs P = 1", name, size);
        bad = compare(what, &ref, &world);
        printf("\n    %s: P = %d vs P = 1: %zu rows x %d series + %d summaries, %d differ",
               name, size, ref.nt, SD_DRIFT_NSERIES, SD_DRIFT_NSUMMARY, bad);
    }
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CU_ASSERT_EQUAL(bad, 0);

    /* Sub-communicators of different sizes at once. */
    int gsize, color = group_color(rank, size, &gsize);
    MPI_Comm sub;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank, &sub);
    int srank;
    MPI_Comm_rank(sub, &srank);
    rc = run_model_on(&P.ps, sub, &grp);
    CU_ASSERT_EQUAL(rc, SD_OK);
    int gbad = 0;
    if (srank == 0 && rc == SD_OK) {
        snprintf(what, sizeof what, "%s, group %d of %d ranks vs P = 1", name, color, gsize);
        gbad = compare(what, &ref, &grp);
    }
    int sizes[64] = {0}, bads[64] = {0}, mine = srank == 0 ? gsize : 0, mybad = gbad;
    if (size <= 64) {
        MPI_Gather(&mine, 1, MPI_INT, sizes, 1, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Gather(&mybad, 1, MPI_INT, bads, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (int r = 0; r < size; r++)
                if (sizes[r])
                    printf("\n    %s: group of P = %d vs P = 1: %d differ", name, sizes[r],
                           bads[r]);
    }
    int anybad = 0;
    MPI_Allreduce(&gbad, &anybad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CU_ASSERT_EQUAL(anybad, 0);
    MPI_Comm_free(&sub);

    /* Something happened: the comparison is not of empty runs. */
    const double *last = ref.rows + (ref.nt - 1) * SD_DRIFT_NSERIES;
    CU_ASSERT(last[SD_DRIFT_IND_EV] > 0);
    CU_ASSERT(last[SD_DRIFT_IND_INTRINSIC] > 0);
    CU_ASSERT(last[SD_DRIFT_IND_TOX] > 0);
    CU_ASSERT(last[SD_DRIFT_CLEARANCES] > 0);
    CU_ASSERT(last[SD_DRIFT_REJUVENATIONS] > 0);
    CU_ASSERT(last[SD_DRIFT_REGENERATIONS] > 0);
    CU_ASSERT(isfinite(ref.summary[SD_DRIFT_DRIFT_SPEED]));
    result_free(&ref);
    result_free(&world);
    result_free(&grp);
}

static void test_bitident_2d(void) { check_case("2-D 97 x 61", CASE_2D); }
static void test_bitident_3d(void) { check_case("3-D 33 x 29 x 17", CASE_3D); }
static void test_bitident_half(void) { check_case("2-D half-space 70 x 45", CASE_HALF); }

/* Every rank returns the same code, with a message, when the lattice cannot
 * be split or a field solve fails. */
static void test_agreed_failures(void)
{
    pset P;
    result r = {0};
    if (size > 1) {
        char text[256];
        snprintf(text, sizeof text, "nx=1 ny=1 duration=1");
        pset_make(&P, text);
        int rc = run_model_on(&P.ps, MPI_COMM_WORLD, &r), mx, mn;
        MPI_Allreduce(&rc, &mx, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        MPI_Allreduce(&rc, &mn, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        CU_ASSERT_EQUAL(mx, SD_ERR_INPUT);
        CU_ASSERT_EQUAL(mn, SD_ERR_INPUT);
        char want[64];
        snprintf(want, sizeof want, "cannot be split over %d ranks", size);
        CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), want));
        result_free(&r);
    }
    /* One V-cycle cannot reach 1e-14: a failed run (SD_ERR_MODEL) on every rank. */
    pset_make(&P, "nx=40 ny=30 duration=1 field_rtol=1e-14 field_max_cycles=1 f0=0.2");
    int rc = run_model_on(&P.ps, MPI_COMM_WORLD, &r), mx, mn;
    MPI_Allreduce(&rc, &mx, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&rc, &mn, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    CU_ASSERT_EQUAL(mx, SD_ERR_MODEL);
    CU_ASSERT_EQUAL(mn, SD_ERR_MODEL);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "did not converge"));
    result_free(&r);
}

static int set_up(void)
{
    return sd_test_world(&rank, &size);
}

static const sd_test tests[] = {
    {"2-D: bit-identical for any number of ranks", test_bitident_2d},
    {"3-D: bit-identical for any number of ranks", test_bitident_3d},
    {"half-space: bit-identical for any number of ranks", test_bitident_half},
    {"failures agreed by every rank", test_agreed_failures},
    SD_TEST_END};

int main(int argc, char **argv)
{
    const sd_test_suite suites[] = {{"drift model on MPI ranks", set_up, NULL, tests},
                                    SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
