/* sendrift: where the ranks of a sweep sit: nodes, the controller, worker
 * groups (docs/slurm.md, "Several nodes").
 *
 * Rank 0 is the controller; it sits on the first node and takes one of its
 * ranks.  The other ranks form worker groups of P ranks node by node: the
 * worker ranks of a node, in rank order, make groups of P, and the ranks a
 * node has left over (fewer than P) stay idle.  A group never spans two
 * nodes, so the halo exchange of a domain-decomposed run stays inside one
 * node's memory.  Groups are numbered node after node, nodes in the order
 * of their lowest rank.  On one node this is the layout sd_sweep_layout
 * describes: the controller, then groups of P ranks in rank order.
 *
 * Nodes are what MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) finds, unless the
 * environment variable SENDRIFT_RANKS_PER_NODE=N pretends them (to try
 * placements on one machine): ranks k N .. k N + N - 1 are then node k.
 * Results do not depend on the placement: a run's values are a function of
 * its id and of P, never of the ranks that compute it.
 */
#ifndef SENDRIFT_PLACEMENT_H
#define SENDRIFT_PLACEMENT_H

#include <mpi.h>
#include <stdio.h>

#define SD_RANKS_PER_NODE_ENV "SENDRIFT_RANKS_PER_NODE"

typedef struct {
    int ranks;                /* ranks in all                               */
    int P;                    /* ranks per group (-P)                       */
    int nodes;                /* nodes the ranks sit on                     */
    int groups;               /* worker groups                              */
    int idle;                 /* worker ranks in no group                   */
    int pretend;              /* SENDRIFT_RANKS_PER_NODE; 0: real nodes     */
    int *node;                /* [ranks] the node of each rank              */
    int *group;               /* [ranks] the group of each rank (-1: none;
                                 with one rank, that rank is group 0)       */
    int *leader;              /* [groups] the rank that leads each group,
                                 as the group communicators say (after
                                 sd_placement_record)                       */
    char *text;               /* after sd_placement_record, on every rank:
                                 one line per node (see sd_placement_record) */
} sd_placement;

/* Groups of P node by node (no communication): node[r] is rank r's node,
 * nodes numbered from 0 in the order of their lowest rank; fills group[r]
 * (-1 for the controller and idle ranks; with one rank, group 0), *groups
 * and *idle.  SD_ERR_INPUT, with a message, when P < 1 or no group of P
 * fits: too few ranks, or no node with P worker ranks. */
int sd_placement_groups(int ranks, int P, const int *node, int *group, int *groups,
                        int *idle);

/* The nodes of comm's ranks and their groups (collective; the same result,
 * or the same error, on every rank).  SD_ERR_INPUT for a malformed
 * SENDRIFT_RANKS_PER_NODE (rank 0's value counts) or a P that makes no
 * group. */
int sd_placement_create(MPI_Comm comm, int P, sd_placement **out);
void sd_placement_destroy(sd_placement **pl);

/* After the groups were split off (collective over comm): learn from the
 * group communicator (MPI_COMM_NULL: no group) who leads each group and
 * which ranks each group really holds, and describe it in pl->text, one line
 * per node, the same on every rank:
 *     node 0 (host): ranks 0-2; controller: rank 0; group 0: ranks 1-2
 *     node 1 (host): ranks 3-9; groups 1-3 of 2: ranks 3-8; idle: rank 9
 * (groups of consecutive ranks, one after the other, make one entry: here
 * group 1 is ranks 3-4, group 2 ranks 5-6, group 3 ranks 7-8).
 * Fails with SD_ERR_INTERNAL when a group spans two nodes. */
int sd_placement_record(sd_placement *pl, MPI_Comm comm, MPI_Comm group, int group_id);

/* The one-line summary: "N ranks on M nodes (...), G worker groups of P
 * ranks, I idle ranks". */
void sd_placement_summary(const sd_placement *pl, char *buf, size_t n);

/* Print the placement (summary, then the node lines), and the warning about
 * idle ranks when there are any (rank 0's job). */
void sd_placement_print(const sd_placement *pl, FILE *out, int quiet);

/* src/results/placement.c: record the placement in the result file as root
 * attributes (collective; replaces those of an earlier session):
 * placement (pl->text), placement_ranks, placement_nodes,
 * placement_ranks_per_sim, placement_groups, placement_idle_ranks,
 * placement_nodes_from. */
struct sd_results;
int sd_results_write_placement(struct sd_results *r, const sd_placement *pl);

#endif
