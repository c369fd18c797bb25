/* sendrift: agglomeration of multigrid levels (the solver's only MPI besides
 * the halo exchange and the max-norm reductions of grid.c).
 *
 * When a level becomes too small to split, every rank restricts onto the
 * coarse cells whose first child it owns (its "derived block", possibly
 * empty), and MPI_Allgatherv hands the whole coarse level to every rank,
 * which then carries on serially and redundantly: identical data, identical
 * code, identical bits on all ranks. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gridimpl.h"
#include "sendrift/error.h"

void sd_mg_gather_destroy(sd_mg_gather **Gp)
{
    if (!Gp || !*Gp) return;
    sd_mg_gather *G = *Gp;
    *Gp = NULL;
    free(G->counts);
    free(G->displs);
    free(G->blo);
    free(G->bln);
    free(G->send);
    free(G->recv);
    free(G);
}

static void derived_block(const sd_grid *fine, const int nc[3], const int c[3],
                          int lo[3], int ln[3])
{
    for (int a = 0; a < 3; a++) {
        int s0 = fine->starts[a][c[a]], s1 = fine->starts[a][c[a] + 1];
        if (nc[a] == fine->box.n[a]) {
            lo[a] = s0;
            ln[a] = s1 - s0;
        } else {
            lo[a] = (s0 + 1) / 2;
            ln[a] = (s1 + 1) / 2 - lo[a];
        }
    }
}

int sd_mg_gather_create(const sd_grid *fine, const int nc[3], sd_mg_gather **Gp)
{
    *Gp = NULL;
    int64_t total = (int64_t)nc[0] * nc[1] * nc[2];
    if (total > INT_MAX)
        return sd_error(SD_ERR_INPUT, "multigrid: cannot agglomerate %lld cells",
                        (long long)total);
    sd_mg_gather *G = sd_calloc(1, sizeof *G, "agglomeration");
    if (!G) return SD_ERR_NOMEM;
    int P = fine->size;
    G->nranks = P;
    G->comm = fine->comm;
    G->counts = sd_malloc(sizeof(int) * (size_t)P, "agglomeration counts");
    G->displs = sd_malloc(sizeof(int) * (size_t)P, "agglomeration displacements");
    G->blo = sd_malloc(sizeof(int[3]) * (size_t)P, "agglomeration blocks");
    G->bln = sd_malloc(sizeof(int[3]) * (size_t)P, "agglomeration blocks");
    G->recv = sd_malloc(sizeof(float) * (size_t)total, "agglomeration buffer");
    if (!G->counts || !G->displs || !G->blo || !G->bln || !G->recv) {
        sd_mg_gather_destroy(&G);
        return SD_ERR_NOMEM;
    }
    int off = 0;
    for (int r = 0; r < P; r++) {
        int c[3] = {0, 0, 0};
        if (P > 1) {
            int rc = MPI_Cart_coords(fine->comm, r, fine->box.dim, c);
            if (rc != MPI_SUCCESS) {
                sd_mg_gather_destroy(&G);
                return sd_mpi_fail(rc, "MPI_Cart_coords");
            }
        }
        derived_block(fine, nc, c, G->blo[r], G->bln[r]);
        G->counts[r] = G->bln[r][0] * G->bln[r][1] * G->bln[r][2];
        G->displs[r] = off;
        off += G->counts[r];
    }
    if (off != total) {
        sd_mg_gather_destroy(&G);
        return sd_error(SD_ERR_INTERNAL, "multigrid: agglomerated blocks cover %d of %lld cells",
                        off, (long long)total);
    }
    derived_block(fine, nc, fine->coords, G->lo, G->ln);
    G->send = sd_malloc(sizeof(float) * (size_t)G->ln[0] * (size_t)G->ln[1] * (size_t)G->ln[2],
                        "agglomeration buffer");
    if (!G->send) {
        sd_mg_gather_destroy(&G);
        return SD_ERR_NOMEM;
    }
    *Gp = G;
    return SD_OK;
}

int sd_mg_gather_run(sd_mg_gather *G, const sd_box *cb, float *xc)
{
    int me = G->ln[0] * G->ln[1] * G->ln[2];
    if (G->nranks == 1) {
        memcpy(G->recv, G->send, sizeof(float) * (size_t)me);
    } else {
        SD_MPI(MPI_Allgatherv(G->send, me, MPI_FLOAT, G->recv, G->counts, G->displs,
                              MPI_FLOAT, G->comm));
    }
    for (int r = 0; r < G->nranks; r++) {
        const int *lo = G->blo[r], *ln = G->bln[r];
        const float *src = G->recv + G->displs[r];
        for (int k = 0; k < ln[2]; k++)
            for (int j = 0; j < ln[1]; j++) {
                memcpy(xc + sd_box_idx(cb, lo[0], lo[1] + j, lo[2] + k), src,
                       sizeof(float) * (size_t)ln[0]);
                src += ln[0];
            }
    }
    return SD_OK;
}
