/* Worker groups built node by node (sd_placement_groups): no group spans two
 * nodes, leftover ranks of a node stay idle, groups are numbered node after
 * node, one node gives the layout of old ((rank - 1) / P), and a P that no
 * node can hold is refused with the numbers. */
#include <CUnit/Basic.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/placement.h"
#include "sendrift/sweep.h"
#include "sd_test.h"

#define MAXR 64

/* Every group has P ranks, all on one node; returns the number of groups. */
static int check_groups(int R, int P, const int *node, const int *group, int G)
{
    int count[MAXR] = {0}, where[MAXR];
    for (int g = 0; g < G; g++) where[g] = -1;
    for (int r = 0; r < R; r++) {
        int g = group[r];
        if (g < 0) continue;
        CU_ASSERT_FATAL(g < G);
        count[g]++;
        if (where[g] < 0) where[g] = node[r];
        CU_ASSERT_EQUAL(node[r], where[g]);
    }
    for (int g = 0; g < G; g++) CU_ASSERT_EQUAL(count[g], R == 1 ? 1 : P);
    return G;
}

/* Pretend nodes of N ranks (rank r on node r / N), as SENDRIFT_RANKS_PER_NODE. */
static void blocks(int R, int N, int *node)
{
    for (int r = 0; r < R; r++) node[r] = r / N;
}

static void test_example(void)
{
    /* 7 ranks, nodes of 3, P = 2: node 0 = ranks 0-2 (the controller and
     * group 0 = 1,2), node 1 = 3-5 (group 1 = 3,4; 5 idle), node 2 = 6
     * (idle).  The old way would make group 2 of ranks 5 and 6, across
     * nodes 1 and 2. */
    int node[7], group[7], G = -1, idle = -1;
    blocks(7, 3, node);
    CU_ASSERT_EQUAL_FATAL(sd_placement_groups(7, 2, node, group, &G, &idle), SD_OK);
    const int want[7] = {-1, 0, 0, 1, 1, -1, -1};
    CU_ASSERT_EQUAL(memcmp(group, want, sizeof want), 0);
    CU_ASSERT_EQUAL(G, 2);
    CU_ASSERT_EQUAL(idle, 2);
    check_groups(7, 2, node, group, G);
}

static void test_one_node_is_the_old_layout(void)
{
    int node[MAXR] = {0}, group[MAXR];
    for (int R = 2; R <= MAXR; R++) {
        for (int P = 1; P < R; P++) {
            int G = -1, idle = -1, G1 = -1, idle1 = -1;
            CU_ASSERT_EQUAL_FATAL(sd_placement_groups(R, P, node, group, &G, &idle), SD_OK);
            CU_ASSERT_EQUAL(G, (R - 1) / P);
            CU_ASSERT_EQUAL(idle, (R - 1) % P);
            CU_ASSERT_EQUAL(group[0], -1);
            for (int r = 1; r < R; r++)
                CU_ASSERT_EQUAL(group[r], (r - 1) / P < G ? (r - 1) / P : -1);
            CU_ASSERT_EQUAL(sd_sweep_layout(R, P, &G1, &idle1), SD_OK);
            CU_ASSERT_EQUAL(G1, G);
            CU_ASSERT_EQUAL(idle1, idle);
        }
    }
}

static void test_blocks(void)
{
    /* Every split of up to 64 ranks into nodes of N, every P that fits. */
    int node[MAXR], group[MAXR];
    for (int R = 2; R <= MAXR; R++) {
        for (int N = 1; N <= R; N++) {
            blocks(R, N, node);
            for (int P = 1; P <= N; P++) {
                int G = -1, idle = -1;
                int rc = sd_placement_groups(R, P, node, group, &G, &idle);
                /* Node k holds min(N, R - kN) ranks, minus the controller. */
                int want_g = 0, want_idle = 0;
                for (int k = 0; k * N < R; k++) {
                    int w = (R - k * N < N ? R - k * N : N) - (k == 0);
                    want_g += w / P;
                    want_idle += w % P;
                }
                if (want_g == 0) {
                    CU_ASSERT_EQUAL(rc, SD_ERR_INPUT);
                    continue;
                }
                CU_ASSERT_EQUAL_FATAL(rc, SD_OK);
                CU_ASSERT_EQUAL(G, want_g);
                CU_ASSERT_EQUAL(idle, want_idle);
                check_groups(R, P, node, group, G);
                /* Numbered node after node, in rank order within a node. */
                int last = -1;
                for (int r = 1; r < R; r++) {
                    if (group[r] < 0) continue;
                    CU_ASSERT(group[r] == last || group[r] == last + 1);
                    last = group[r];
                }
            }
        }
    }
}

static void test_cyclic(void)
{
    /* Ranks dealt round-robin over 2 nodes (srun --distribution=cyclic):
     * node 0 = 0,2,4,6,8, node 1 = 1,3,5,7,9. */
    int node[10], group[10], G = -1, idle = -1;
    for (int r = 0; r < 10; r++) node[r] = r % 2;
    CU_ASSERT_EQUAL_FATAL(sd_placement_groups(10, 2, node, group, &G, &idle), SD_OK);
    const int want[10] = {-1, 2, 0, 2, 0, 3, 1, 3, 1, -1};
    CU_ASSERT_EQUAL(memcmp(group, want, sizeof want), 0);
    CU_ASSERT_EQUAL(G, 4);
    CU_ASSERT_EQUAL(idle, 1);
    check_groups(10, 2, node, group, G);
}

static void test_refused(void)
{
    int node[8], group[8], G, idle;
    blocks(8, 2, node); /* 4 nodes of 2: no node has 3 worker ranks */
    sd_error_clear();
    CU_ASSERT_EQUAL(sd_placement_groups(8, 3, node, group, &G, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "--ranks-per-sim 3: a worker group lies "
                                                      "within one node, and none of the 4 "
                                                      "nodes has 3 worker ranks (the most is 2"));
    /* Too few ranks, and P < 1: the messages of old. */
    CU_ASSERT_EQUAL(sd_placement_groups(2, 2, node, group, &G, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "needs at least 3 ranks"));
    CU_ASSERT_EQUAL(sd_placement_groups(1, 2, node, group, &G, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "this run has 1"));
    CU_ASSERT_EQUAL(sd_placement_groups(4, 0, node, group, &G, &idle), SD_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(sd_error_message(), "at least 1 (got 0)"));
    /* One rank: it is the group. */
    CU_ASSERT_EQUAL(sd_placement_groups(1, 1, node, group, &G, &idle), SD_OK);
    CU_ASSERT_EQUAL(group[0], 0);
    CU_ASSERT_EQUAL(G, 1);
    CU_ASSERT_EQUAL(idle, 0);
}

int main(int argc, char **argv)
{
    static const sd_test tests[] = {{"7 ranks, nodes of 3, P = 2", test_example},
                                    {"one node: (rank - 1) / P", test_one_node_is_the_old_layout},
                                    {"nodes of N ranks", test_blocks},
                                    {"ranks dealt over nodes", test_cyclic},
                                    {"a P that fits no node", test_refused},
                                    SD_TEST_END};
    const sd_test_suite suites[] = {{"placement", NULL, NULL, tests}, SD_SUITE_END};
    return sd_test_main_mpi(&argc, &argv, suites);
}
