/* sendrift: private parts of the grid, the halo and the multigrid solver
 * (the MPI side; the MPI-free kernels see only box.h and mgimpl.h).
 * Not installed; include/sendrift/ holds the public API. */
#ifndef SENDRIFT_GRIDIMPL_H
#define SENDRIFT_GRIDIMPL_H

#include <mpi.h>

#include "sendrift/grid.h"
#include "sendrift/mpicheck.h"

struct sd_grid {
    MPI_Comm comm;        /* Cartesian communicator (MPI_COMM_SELF if replicated) */
    int owns_comm;        /* free comm at destroy                              */
    int rank, size;
    int pdims[3], coords[3];
    int nbr[3][2];        /* neighbour rank below / above; MPI_PROC_NULL at a wall */
    int *starts[3];       /* pdims[a] + 1 split points per axis                */
    int replicated;       /* every rank holds the whole grid (coarse levels)   */
    int *tag_next;        /* halo tag counter shared by a grid and its levels  */
    int tag_store;
    sd_box box;
};

/* A coarse level of grid `fine` with global sizes nc[]: split like the fine
 * grid (each coarse cell owned by the rank owning its first child, so the
 * split points are ceil(fine split / 2)) on the fine grid's communicator, or
 * replicated: held whole by every rank, neighbours only through periodic
 * self-copies.  Not collective. */
int sd_grid_create_coarse(const sd_grid *fine, const int nc[3], int replicated,
                          sd_grid **coarse);

/* Smallest block along any split axis (pdims > 1) if `fine` were coarsened
 * to nc[] (huge when no axis is split or fine is replicated). */
int sd_grid_coarse_min_block(const sd_grid *fine, const int nc[3]);

/* ---- Agglomeration (MPI, in mgcomm.c) ---------------------------------- */

/* Gathering a level that is split over the ranks of `fine`'s communicator
 * (each rank holding the derived block of the coarse grid) onto every rank. */
typedef struct {
    int nranks;
    int *counts, *displs;   /* per rank, in floats                           */
    int (*blo)[3], (*bln)[3];  /* derived block of each rank (coarse indices) */
    int lo[3], ln[3];       /* this rank's derived block                     */
    float *send, *recv;     /* ln product and the whole coarse grid          */
    MPI_Comm comm;
} sd_mg_gather;

int sd_mg_gather_create(const sd_grid *fine, const int nc[3], sd_mg_gather **G);
void sd_mg_gather_destroy(sd_mg_gather **G);
/* Allgather the blocks in G->send into the interior of the replicated
 * coarse array xc (box cb). */
int sd_mg_gather_run(sd_mg_gather *G, const sd_box *cb, float *xc);

#endif
