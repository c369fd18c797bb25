/* Where the ranks sit, on 1-4 ranks: the nodes SENDRIFT_RANKS_PER_NODE
 * pretends (rank 0's value counts), the groups split off node by node, what
 * sd_placement_record reads back from the group communicators (leaders and
 * the text of the log and the file), real nodes when the variable is unset,
 * and a malformed value refused on every rank. */
#include <CUnit/Basic.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"
#include "sendrift/placement.h"
#include "sd_test.h"

static int rank, size;
static char host[MPI_MAX_PROCESSOR_NAME + 1];

/* With SENDRIFT_RANKS_PER_NODE=pretend (NULL: unset), create the placement
 * of P, split the groups as the sweep does, record. */
static int place(const char *pretend, int P, sd_placement **pl, MPI_Comm *group)
{
    *group = MPI_COMM_NULL;
    if (pretend)
        setenv(SD_RANKS_PER_NODE_ENV, pretend, 1);
    else
        unsetenv(SD_RANKS_PER_NODE_ENV);
    int rc = sd_placement_create(MPI_COMM_WORLD, P, pl);
    unsetenv(SD_RANKS_PER_NODE_ENV);
    if (rc != SD_OK) return rc;
    int g = (*pl)->group[rank];
    if (MPI_Comm_split(MPI_COMM_WORLD, g < 0 ? MPI_UNDEFINED : g, rank, group) != MPI_SUCCESS)
        return SD_ERR_MPI;
    return sd_placement_record(*pl, MPI_COMM_WORLD, *group, g);
}

static void unplace(sd_placement **pl, MPI_Comm *group)
{
    if (*group != MPI_COMM_NULL) MPI_Comm_free(group);
    sd_placement_destroy(pl);
}

/* The placement text of the nodes' lines (at most n; NULL ends them). */
static void expect(char *buf, size_t cap, const char *const *lines, int n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < n && lines[k] && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "node %d (%s): %s\n", k, host, lines[k]);
}

/* Every member of this rank's group is on this rank's node. */
static void check_one_node(const sd_placement *pl, MPI_Comm group)
{
    if (group == MPI_COMM_NULL) {
        CU_ASSERT(pl->group[rank] < 0);
        return;
    }
    int n, mine = pl->node[rank], nodes[4];
    CU_ASSERT_EQUAL_FATAL(MPI_Comm_size(group, &n), MPI_SUCCESS);
    CU_ASSERT_FATAL(n <= 4);
    CU_ASSERT_EQUAL_FATAL(MPI_Allgather(&mine, 1, MPI_INT, nodes, 1, MPI_INT, group),
                          MPI_SUCCESS);
    for (int i = 0; i < n; i++) CU_ASSERT_EQUAL(nodes[i], mine);
}

static void test_pretend_nodes_of_two(void)
{
    /* P = 1 on nodes of 2 ranks. */
    sd_placement *pl = NULL;
    MPI_Comm group;
    CU_ASSERT_EQUAL_FATAL(place("2", 1, &pl, &group), SD_OK);
    CU_ASSERT_EQUAL(pl->pretend, 2);
    CU_ASSERT_EQUAL(pl->nodes, (size + 1) / 2);
    CU_ASSERT_EQUAL(pl->groups, size == 1 ? 1 : size - 1);
    CU_ASSERT_EQUAL(pl->idle, 0);
    check_one_node(pl, group);
    for (int g = 0; g < pl->groups; g++) CU_ASSERT_EQUAL(pl->leader[g], size == 1 ? 0 : g + 1);
    /* What follows "node k (host): " on each node's line, for 1-4 ranks. */
    const char *lines[4][2] = {
        {"rank 0; controller: rank 0; group 0: rank 0", NULL},
        {"ranks 0-1; controller: rank 0; group 0: rank 1", NULL},
        {"ranks 0-1; controller: rank 0; group 0: rank 1", "rank 2; group 1: rank 2"},
        {"ranks 0-1; controller: rank 0; group 0: rank 1", "ranks 2-3; groups 1-2 of 1: ranks 2-3"}};
    CU_ASSERT_FATAL(size >= 1 && size <= 4);
    char want[1024];
    expect(want, sizeof want, lines[size - 1], 2);
    CU_ASSERT_STRING_EQUAL(pl->text, want); /* on every rank */
    unplace(&pl, &group);
}

static void test_groups_of_two(void)
{
    /* P = 2 on nodes of 3: node 0 holds the controller and group 0. */
    if (size < 3) {
        CU_ASSERT(size < 3); /* P = 2 needs 3 ranks: test_sweep_mpi checks the refusal */
        return;
    }
    sd_placement *pl = NULL;
    MPI_Comm group;
    CU_ASSERT_EQUAL_FATAL(place("3", 2, &pl, &group), SD_OK);
    CU_ASSERT_EQUAL(pl->groups, 1);
    CU_ASSERT_EQUAL(pl->idle, size - 3);
    CU_ASSERT_EQUAL(pl->leader[0], 1);
    check_one_node(pl, group);
    const char *lines[2] = {"ranks 0-2; controller: rank 0; group 0: ranks 1-2",
                            size == 4 ? "rank 3; idle: rank 3" : NULL};
    char want[1024];
    expect(want, sizeof want, lines, 2);
    CU_ASSERT_STRING_EQUAL(pl->text, want);
    unplace(&pl, &group);
}

static void test_real_nodes(void)
{
    /* Unset: the ranks of this test all run on this machine, one node. */
    sd_placement *pl = NULL;
    MPI_Comm group;
    CU_ASSERT_EQUAL_FATAL(place(NULL, 1, &pl, &group), SD_OK);
    CU_ASSERT_EQUAL(pl->pretend, 0);
    CU_ASSERT_EQUAL(pl->nodes, 1);
    for (int r = 0; r < size; r++) CU_ASSERT_EQUAL(pl->node[r], 0);
    char want[256];
    snprintf(want, sizeof want, "node 0 (%s): ", host);
    CU_ASSERT_EQUAL(strncmp(pl->text, want, strlen(want)), 0);
    char sum[256];
    sd_placement_summary(pl, sum, sizeof sum);
    snprintf(want, sizeof want, "%d rank%s on 1 node, ", size, size == 1 ? "" : "s");
    CU_ASSERT_EQUAL(strncmp(sum, want, strlen(want)), 0);
    unplace(&pl, &group);
    /* An empty value counts as unset. */
    CU_ASSERT_EQUAL(place("", 1, &pl, &group), SD_OK);
    CU_ASSERT_EQUAL(pl ? pl->pretend : -1, 0);
    unplace(&pl, &group);
}

static void test_rank0_counts(void)
{
    /* Rank 0's value counts: the others' (malformed here) are not read. */
    sd_placement *pl = NULL;
    MPI_Comm group;
    CU_ASSERT_EQUAL_FATAL(place(rank == 0 ? "1" : "junk", 1, &pl, &group), SD_OK);
    /* Nodes of 1 rank: one group on every node but the controller's. */
    CU_ASSERT_EQUAL(pl->nodes, size);
    CU_ASSERT_EQUAL(pl->groups, size == 1 ? 1 : size - 1);
    check_one_node(pl, group);
    unplace(&pl, &group);
}

static void test_malformed(void)
{
    const char *bad[] = {"abc", "0", "-2", "3x", " 3", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sd_error_clear();
        sd_placement *pl = NULL;
        MPI_Comm group;
        CU_ASSERT_EQUAL(place(bad[i], 1, &pl, &group), SD_ERR_INPUT); /* on every rank */
        CU_ASSERT_PTR_NULL(pl);
        char want[128];
        snprintf(want, sizeof want, "SENDRIFT_RANKS_PER_NODE=%s: give the ranks of each pretend "
                                    "node as a whole number of at least 1",
                 bad[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), want));
        sd_placement_destroy(&pl);
    }
}

static int init(void)
{
    int n = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return MPI_Get_processor_name(host, &n) == MPI_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const sd_test tests[] = {{"pretend nodes of 2, P = 1", test_pretend_nodes_of_two},
                                    {"pretend nodes of 3, P = 2", test_groups_of_two},
                                    {"real nodes", test_real_nodes},
                                    {"rank 0's value counts", test_rank0_counts},
                                    {"malformed values", test_malformed},
                                    SD_TEST_END};
    const sd_test_suite suites[] = {{"placement", init, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
