/* sendrift: where the ranks of a sweep sit, and the worker groups built
 * node by node (see include/sendrift/placement.h).
 *
 * Every rank learns the node of every rank (one MPI_Allgather), so that
 * every rank computes the same groups without more messages and picks its
 * own colour for the split.  Once the groups exist, rank 0 learns from the
 * group communicators themselves who is in which group: the placement that
 * the log and the result file report is the one the sweep really runs on.
 */
#define _GNU_SOURCE /* open_memstream */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"
#include "sendrift/placement.h"

/* The placement text stays well below HDF5's 64 KiB limit of an attribute
 * in compact storage; nodes past it are counted, not listed. */
#define SD_PLACEMENT_TEXT_MAX 32768
/* Bytes of a node's name kept (host names are short; the rest is cut). */
#define SD_NODE_NAME_LEN 64

int sd_placement_groups(int ranks, int P, const int *node, int *group, int *groups, int *idle)
{
    if (P < 1) return sd_error(SD_ERR_INPUT, "--ranks-per-sim must be at least 1 (got %d)", P);
    if (ranks - 1 < P && !(ranks == 1 && P == 1))
        return sd_error(SD_ERR_INPUT,
                        "--ranks-per-sim %d needs at least %d ranks (a controller and one group "
                        "of %d); this run has %d",
                        P, P + 1, P, ranks);
    if (ranks == 1) { /* the one rank is the controller and the group */
        group[0] = 0;
        *groups = 1;
        *idle = 0;
        return SD_OK;
    }
    int nodes = 0;
    for (int r = 0; r < ranks; r++)
        if (node[r] >= nodes) nodes = node[r] + 1;
    /* Per node: its worker ranks, then the number of its first group. */
    int *workers = sd_calloc((size_t)nodes, sizeof *workers, "the ranks of each node");
    int *first = sd_calloc((size_t)nodes, sizeof *first, "the groups of each node");
    int *seen = sd_calloc((size_t)nodes, sizeof *seen, "the ranks of each node");
    if (!workers || !first || !seen) {
        free(workers);
        free(first);
        free(seen);
        return SD_ERR_NOMEM;
    }
    for (int r = 1; r < ranks; r++) workers[node[r]]++;
    int G = 0, most = 0;
    for (int k = 0; k < nodes; k++) {
        first[k] = G;
        G += workers[k] / P;
        if (workers[k] > most) most = workers[k];
    }
    /* A node's worker ranks, in rank order, make its groups of P; the ranks
     * after its last whole group stay idle. */
    *idle = 0;
    group[0] = -1;
    for (int r = 1; r < ranks; r++) {
        int k = node[r], i = seen[k]++;
        group[r] = i / P < workers[k] / P ? first[k] + i / P : -1;
        *idle += group[r] < 0;
    }
    free(workers);
    free(first);
    free(seen);
    *groups = G;
    if (G == 0)
        return sd_error(SD_ERR_INPUT,
                        "--ranks-per-sim %d: a worker group lies within one node, and none of "
                        "the %d nodes has %d worker ranks (the most is %d; the controller, rank "
                        "0, takes one rank of the first node): use fewer ranks per simulation "
                        "or more ranks per node",
                        P, nodes, P, most);
    return SD_OK;
}

/* SENDRIFT_RANKS_PER_NODE: 0 when unset (or empty), else a whole number of
 * ranks per pretend node. */
static int sd_pretend_nodes(int *pretend)
{
    const char *v = getenv(SD_RANKS_PER_NODE_ENV);
    *pretend = 0;
    if (!v || !*v) return SD_OK;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || *end || errno || n < 1 || n > INT_MAX)
        return sd_error(SD_ERR_INPUT,
                        "%s=%s: give the ranks of each pretend node as a whole number of at "
                        "least 1 (ranks k*N to k*N+N-1 then make node k), or unset it to "
                        "group ranks by their real nodes",
                        SD_RANKS_PER_NODE_ENV, v);
    *pretend = (int)n;
    return SD_OK;
}

/* node[r] for every rank of comm, numbered in the order of their lowest
 * rank (collective). */
static int sd_nodes_of_ranks(MPI_Comm comm, int rank, int size, int pretend, int *node,
                             int *nodes)
{
    if (pretend > 0) {
        for (int r = 0; r < size; r++) node[r] = r / pretend;
        *nodes = (size - 1) / pretend + 1;
        return SD_OK;
    }
    /* The lowest rank of each node names it. */
    MPI_Comm nc;
    int lowest = rank, m;
    SD_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &nc));
    int rc = SD_OK;
    if ((m = MPI_Allreduce(&rank, &lowest, 1, MPI_INT, MPI_MIN, nc)))
        rc = sd_mpi_fail(m, "MPI_Allreduce (the lowest rank of a node)");
    /* Freeing a communicator that was made cannot fail in a way that
     * matters here. */
    MPI_Comm_free(&nc);
    if (rc != SD_OK) return rc;
    SD_MPI(MPI_Allgather(&lowest, 1, MPI_INT, node, 1, MPI_INT, comm));
    /* node[] holds lowest ranks; a node's lowest rank comes first. */
    *nodes = 0;
    for (int r = 0; r < size; r++) node[r] = node[r] == r ? (*nodes)++ : node[node[r]];
    return SD_OK;
}

int sd_placement_create(MPI_Comm comm, int P, sd_placement **out)
{
    int rank, size, pretend = 0;
    *out = NULL;
    SD_CALL(sd_mpi_rank_size(comm, &rank, &size));
    int rc = sd_agree(comm, rank == 0 ? sd_pretend_nodes(&pretend) : SD_OK);
    if (rc != SD_OK) return rc;
    SD_MPI(MPI_Bcast(&pretend, 1, MPI_INT, 0, comm));
    sd_placement *pl = sd_calloc(1, sizeof *pl, "the placement");
    if (pl) {
        pl->ranks = size;
        pl->P = P;
        pl->pretend = pretend;
        pl->node = sd_calloc((size_t)size, sizeof *pl->node, "the node of each rank");
        pl->group = sd_calloc((size_t)size, sizeof *pl->group, "the group of each rank");
    }
    rc = sd_agree(comm, pl && pl->node && pl->group ? SD_OK : SD_ERR_NOMEM);
    if (rc == SD_OK) rc = sd_nodes_of_ranks(comm, rank, size, pretend, pl->node, &pl->nodes);
    /* The same inputs on every rank: the same groups, or the same error
     * (but memory may run out on one rank alone). */
    if (rc == SD_OK) {
        rc = sd_placement_groups(size, P, pl->node, pl->group, &pl->groups, &pl->idle);
        if (rc == SD_OK)
            pl->leader = sd_calloc((size_t)pl->groups, sizeof *pl->leader, "the group leaders");
        if (rc == SD_OK && !pl->leader) rc = SD_ERR_NOMEM;
        rc = sd_agree(comm, rc);
    }
    if (rc != SD_OK) {
        sd_placement_destroy(&pl);
        return rc;
    }
    *out = pl;
    return SD_OK;
}

void sd_placement_destroy(sd_placement **pl)
{
    if (!*pl) return;
    free((*pl)->node);
    free((*pl)->group);
    free((*pl)->leader);
    free((*pl)->text);
    free(*pl);
    *pl = NULL;
}

/* ---- the words ------------------------------------------------------------ */

/* "rank 5" or "ranks 1-3,7" for n > 0 ascending ranks. */
static void sd_put_ranks(FILE *f, const int *r, int n)
{
    fprintf(f, "rank%s ", n == 1 ? "" : "s");
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && r[j + 1] == r[j] + 1) j++;
        fprintf(f, "%s%d", i ? "," : "", r[i]);
        if (j > i) fprintf(f, "-%d", r[j]);
        i = j + 1;
    }
}

/* What rank 0 knows once the groups exist: per rank its node and real group;
 * the ranks of each node and of each group, in rank order. */
typedef struct {
    const sd_placement *pl;
    const int *gid;           /* [ranks] the group each rank is in, or -1  */
    int *by_node, *node_at;   /* ranks sorted by node; node k's start      */
    int *by_group, *group_at; /* ranks sorted by group; group g's start    */
    const char *names;        /* [nodes][SD_NODE_NAME_LEN]                 */
} sd_where;

/* Ranks sorted by key (0 .. n_keys - 1; others left out), stable: start[k]
 * is where key k's ranks begin in out, start[n_keys] their end. */
static void sd_sort_ranks(const int *key, int ranks, int n_keys, int *out, int *start)
{
    memset(start, 0, sizeof *start * (size_t)(n_keys + 1));
    for (int r = 0; r < ranks; r++)
        if (key[r] >= 0 && key[r] < n_keys) start[key[r] + 1]++;
    for (int k = 0; k < n_keys; k++) start[k + 1] += start[k];
    /* start[k] serves as key k's next free place, then moves back. */
    for (int r = 0; r < ranks; r++)
        if (key[r] >= 0 && key[r] < n_keys) out[start[key[r]]++] = r;
    for (int k = n_keys; k > 0; k--) start[k] = start[k - 1];
    start[0] = 0;
}

/* Group g's ranks are g0 .. g0 + n - 1 without a gap. */
static int sd_group_block(const sd_where *w, int g, int *lo, int *n)
{
    const int *m = w->by_group + w->group_at[g];
    *n = w->group_at[g + 1] - w->group_at[g];
    *lo = m[0];
    return m[*n - 1] - m[0] == *n - 1;
}

/* One node's line: its ranks, the controller, its groups, its idle ranks. */
static void sd_node_line(FILE *f, const sd_where *w, int k)
{
    const sd_placement *pl = w->pl;
    const int *mine = w->by_node + w->node_at[k];
    int n = w->node_at[k + 1] - w->node_at[k], idle = 0;
    fprintf(f, "node %d (%s): ", k, w->names + (size_t)k * SD_NODE_NAME_LEN);
    sd_put_ranks(f, mine, n);
    if (k == pl->node[0]) fprintf(f, "; controller: rank 0");
    /* The node's groups, in the order of their lowest rank here; a run of
     * groups of P consecutive ranks, one after the other, is one entry. */
    for (int i = 0; i < n; i++) {
        int g = w->gid[mine[i]];
        if (g < 0 || w->by_group[w->group_at[g]] != mine[i]) {
            idle += g < 0 && !(mine[i] == 0 && pl->ranks > 1);
            continue;
        }
        int lo = 0, len = 0, last = g, end = 0;
        if (sd_group_block(w, g, &lo, &len) && pl->node[lo + len - 1] == k) {
            end = lo + len;
            int lo2, len2;
            while (last + 1 < pl->groups && sd_group_block(w, last + 1, &lo2, &len2) &&
                   lo2 == end && len2 == len && pl->node[lo2 + len2 - 1] == k) {
                last++;
                end += len2;
            }
        }
        if (last > g) {
            fprintf(f, "; groups %d-%d of %d: ranks %d-%d", g, last, len, lo, end - 1);
            i += end - lo - 1; /* the ranks of the run are consecutive here too */
        } else {
            fprintf(f, "; group %d: ", g);
            sd_put_ranks(f, w->by_group + w->group_at[g], w->group_at[g + 1] - w->group_at[g]);
        }
    }
    if (idle) {
        int *list = sd_calloc((size_t)idle, sizeof *list, "a list of ranks");
        int j = 0;
        for (int i = 0; list && i < n; i++)
            if (w->gid[mine[i]] < 0 && !(mine[i] == 0 && pl->ranks > 1)) list[j++] = mine[i];
        if (list) fprintf(f, "; idle: ");
        if (list) sd_put_ranks(f, list, idle);
        free(list);
    }
    fputc('\n', f);
}

/* Rank 0: the text, one line per node, up to SD_PLACEMENT_TEXT_MAX bytes. */
static int sd_describe(const sd_where *w, char **text)
{
    size_t len = 0, llen = 0;
    char *line = NULL;
    FILE *f = open_memstream(text, &len);
    if (!f) return sd_error(SD_ERR_NOMEM, "out of memory for the placement");
    for (int k = 0; k < w->pl->nodes; k++) {
        FILE *l = open_memstream(&line, &llen);
        if (!l) break;
        sd_node_line(l, w, k);
        fclose(l);
        if (len + llen + 64 > SD_PLACEMENT_TEXT_MAX) {
            fprintf(f, "... and %d more nodes\n", w->pl->nodes - k);
            free(line);
            line = NULL;
            break;
        }
        fputs(line, f);
        free(line);
        line = NULL;
    }
    return fclose(f) == 0 ? SD_OK : sd_error(SD_ERR_NOMEM, "out of memory for the placement");
}

/* Rank 0: check that every group lies on one node, note its leader (rank
 * 0 of its communicator, lead[] of its ranks), and describe it all. */
static int sd_check_describe(sd_placement *pl, const int *gid, const int *lead,
                             const char *names)
{
    int R = pl->ranks, G = pl->groups;
    sd_where w = {.pl = pl, .gid = gid, .names = names};
    w.by_node = sd_calloc((size_t)R, sizeof(int), "ranks by node");
    w.node_at = sd_calloc((size_t)pl->nodes + 1, sizeof(int), "ranks by node");
    w.by_group = sd_calloc((size_t)R, sizeof(int), "ranks by group");
    w.group_at = sd_calloc((size_t)G + 1, sizeof(int), "ranks by group");
    int rc = w.by_node && w.node_at && w.by_group && w.group_at ? SD_OK : SD_ERR_NOMEM;
    if (rc == SD_OK) {
        sd_sort_ranks(pl->node, R, pl->nodes, w.by_node, w.node_at);
        sd_sort_ranks(gid, R, G, w.by_group, w.group_at);
    }
    for (int g = 0; rc == SD_OK && g < G; g++) {
        const int *m = w.by_group + w.group_at[g];
        int n = w.group_at[g + 1] - w.group_at[g];
        if (n != (R == 1 ? 1 : pl->P))
            rc = sd_error(SD_ERR_INTERNAL, "worker group %d has %d ranks, not %d", g, n, pl->P);
        for (int i = 0; rc == SD_OK && i < n; i++) {
            if (pl->node[m[i]] != pl->node[m[0]])
                rc = sd_error(SD_ERR_INTERNAL,
                              "worker group %d spans nodes %d and %d (ranks %d and %d)", g,
                              pl->node[m[0]], pl->node[m[i]], m[0], m[i]);
            else if (lead[m[i]] != m[0])
                rc = sd_error(SD_ERR_INTERNAL, "rank %d of worker group %d names rank %d its "
                                               "leader, not %d",
                              m[i], g, lead[m[i]], m[0]);
        }
        if (rc == SD_OK) pl->leader[g] = m[0];
    }
    for (int r = 0; rc == SD_OK && r < R; r++)
        if (gid[r] >= G)
            rc = sd_error(SD_ERR_INTERNAL, "rank %d is in group %d of %d", r, gid[r], G);
    if (rc == SD_OK) rc = sd_describe(&w, &pl->text);
    free(w.by_node);
    free(w.node_at);
    free(w.by_group);
    free(w.group_at);
    return rc;
}

int sd_placement_record(sd_placement *pl, MPI_Comm comm, MPI_Comm group, int group_id)
{
    int rank, size, lead = 0;
    SD_CALL(sd_mpi_rank_size(comm, &rank, &size));
    /* The lead of this rank's group, as its communicator says. */
    if (group != MPI_COMM_NULL) {
        lead = rank;
        SD_MPI(MPI_Bcast(&lead, 1, MPI_INT, 0, group));
    }
    int mine[2] = {group != MPI_COMM_NULL ? group_id : -1, lead};
    /* The node names: one from the lowest rank of each node. */
    char name[MPI_MAX_PROCESSOR_NAME + 1] = "", own[SD_NODE_NAME_LEN] = "";
    int nlen = 0;
    if (MPI_Get_processor_name(name, &nlen) != MPI_SUCCESS || !name[0])
        snprintf(name, sizeof name, "?");
    snprintf(own, sizeof own, "%s", name);
    int node_lead = 1; /* the lowest rank of its node */
    for (int r = 0; r < rank && node_lead; r++) node_lead = pl->node[r] != pl->node[rank];
    int *got = NULL, *counts = NULL, *displs = NULL;
    char *names = NULL;
    int rc = SD_OK;
    if (rank == 0) {
        got = sd_calloc(2 * (size_t)size, sizeof *got, "the placement");
        counts = sd_calloc((size_t)size, sizeof *counts, "the placement");
        displs = sd_calloc((size_t)size, sizeof *displs, "the placement");
        names = sd_calloc((size_t)pl->nodes, SD_NODE_NAME_LEN, "the node names");
        if (!got || !counts || !displs || !names) rc = SD_ERR_NOMEM;
        for (int r = 0, k = -1; rc == SD_OK && r < size; r++) {
            if (pl->node[r] <= k) continue;
            k = pl->node[r];
            counts[r] = SD_NODE_NAME_LEN;
            displs[r] = k * SD_NODE_NAME_LEN;
        }
    }
    rc = sd_agree(comm, rc);
    int m;
    if (rc == SD_OK && (m = MPI_Gather(mine, 2, MPI_INT, got, 2, MPI_INT, 0, comm)))
        rc = sd_mpi_fail(m, "MPI_Gather (the groups)");
    if (rc == SD_OK && (m = MPI_Gatherv(own, node_lead ? SD_NODE_NAME_LEN : 0, MPI_CHAR, names,
                                        counts, displs, MPI_CHAR, 0, comm)))
        rc = sd_mpi_fail(m, "MPI_Gatherv (the node names)");
    if (rc == SD_OK && rank == 0) {
        /* counts and displs, reused: the group and leader of each rank. */
        for (int r = 0; r < size; r++) {
            counts[r] = got[2 * r];
            displs[r] = got[2 * r + 1];
        }
        rc = sd_check_describe(pl, counts, displs, names);
    }
    free(got);
    free(counts);
    free(displs);
    free(names);
    rc = sd_agree(comm, rc);
    if (rc != SD_OK) return rc;
    /* Every rank writes the same attributes: share the text and leaders. */
    int tlen = rank == 0 ? (int)strlen(pl->text) : 0;
    SD_MPI(MPI_Bcast(&tlen, 1, MPI_INT, 0, comm));
    if (rank != 0) pl->text = sd_calloc((size_t)tlen + 1, 1, "the placement");
    rc = sd_agree(comm, pl->text ? SD_OK : SD_ERR_NOMEM);
    if (rc != SD_OK) return rc;
    SD_MPI(MPI_Bcast(pl->text, tlen, MPI_CHAR, 0, comm));
    SD_MPI(MPI_Bcast(pl->leader, pl->groups, MPI_INT, 0, comm));
    return SD_OK;
}

void sd_placement_summary(const sd_placement *pl, char *buf, size_t n)
{
    char from[96] = "";
    if (pl->pretend)
        snprintf(from, sizeof from, " (pretend nodes of %d ranks: %s)", pl->pretend,
                 SD_RANKS_PER_NODE_ENV);
    snprintf(buf, n, "%d rank%s on %d node%s%s, %d worker group%s of %d rank%s, %d idle rank%s",
             pl->ranks, pl->ranks == 1 ? "" : "s", pl->nodes, pl->nodes == 1 ? "" : "s", from,
             pl->groups, pl->groups == 1 ? "" : "s", pl->P, pl->P == 1 ? "" : "s", pl->idle,
             pl->idle == 1 ? "" : "s");
}

void sd_placement_print(const sd_placement *pl, FILE *out, int quiet)
{
    if (quiet) return;
    int W = pl->ranks - 1, P = pl->P;
    if (pl->idle && pl->nodes == 1)
        fprintf(out,
                "sendrift: warning: %d worker rank%s do not divide into groups of %d: %d rank%s "
                "stay idle (use %d or %d ranks)\n",
                W, W == 1 ? "" : "s", P, pl->idle, pl->idle == 1 ? "" : "s",
                1 + pl->groups * P, 1 + (pl->groups + 1) * P);
    else if (pl->idle)
        fprintf(out,
                "sendrift: warning: %d worker rank%s idle: a group of %d ranks lies within "
                "one node, and %s left over on %s node (the lines below say which); give "
                "every node a multiple of %d ranks (the first one more, for the controller)\n",
                pl->idle, pl->idle == 1 ? " stays" : "s stay", P,
                pl->idle == 1 ? "it is" : "they are",
                pl->idle == 1 ? "its" : "their", P);
    char sum[256];
    sd_placement_summary(pl, sum, sizeof sum);
    fprintf(out, "sendrift: placement: %s\n", sum);
    for (const char *s = pl->text; s && *s;) {
        const char *e = strchr(s, '\n');
        int len = e ? (int)(e - s) : (int)strlen(s);
        fprintf(out, "sendrift:   %.*s\n", len, s);
        s += len + (e != NULL);
    }
}
