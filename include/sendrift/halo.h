/* sendrift: split-phase halo exchange of ghosted grid arrays.
 *
 * A halo object is made once per grid, element size and mode; it owns its
 * message buffers, so exchanging allocates nothing.  The exchange is split
 * so that work on cells away from the block edges overlaps communication
 * (as in PETSc's GlobalToLocalBegin/End, miniAMR's comm.c and the CSC heat
 * equation's exchange_init / evolve_interior / exchange_finalize):
 *
 *     sd_halo_begin(h, u);     post receives, pack and send the edge planes
 *     ...update cells whose stencil stays inside the block...
 *     sd_halo_end(h);          wait, unpack into the ghosts
 *     ...update the outermost layer of cells...
 *
 * Between begin and end the caller must not write the outermost interior
 * layer of u (what is being sent) nor read or write its ghosts.
 *
 * SD_HALO_FACES (default): the 2*dim face neighbours only, all messages in
 * flight at once; ghost edges and corners are left as they were.  Enough for
 * the 5-point (7-point) stencils and the 4 (6) neighbours of the model.
 * SD_HALO_CORNERS: one axis after another, each phase sending planes that
 * include the ghosts filled by the previous ones, so edges and corners come
 * right too; begin starts the x phase, end finishes all of them.
 *
 * Ghosts on a zero-flux wall (not periodic) have no neighbour: by default
 * they are left untouched (SD_HALO_BC_KEEP); SD_HALO_BC_MIRROR copies the
 * adjacent interior value (zero gradient), SD_HALO_BC_ZERO writes zero bytes.
 * A periodic axis held by one rank is copied locally.
 *
 * Collective over the grid's communicator: all ranks call begin and end in
 * the same order.  Each halo has its own message tags, so several halos of
 * one grid may be in flight at once.
 */
#ifndef SENDRIFT_HALO_H
#define SENDRIFT_HALO_H

#include <stddef.h>

#include "sendrift/grid.h"

typedef struct sd_halo sd_halo;

enum {
    SD_HALO_FACES = 0,
    SD_HALO_CORNERS = 1,
    SD_HALO_BC_KEEP = 0,
    SD_HALO_BC_MIRROR = 2,
    SD_HALO_BC_ZERO = 4
};

/* elem_size: bytes per site (8 for double, 1 for a uint8_t kind, ...);
 * flags: SD_HALO_FACES or SD_HALO_CORNERS, or-ed with one SD_HALO_BC_*. */
int sd_halo_create(const sd_grid *g, size_t elem_size, int flags, sd_halo **h);
int sd_halo_destroy(sd_halo **h);

/* Start exchanging the ghosted local array u (box.size elements). */
int sd_halo_begin(sd_halo *h, void *u);
/* Finish the exchange started by sd_halo_begin. */
int sd_halo_end(sd_halo *h);
/* begin + end. */
int sd_halo_exchange(sd_halo *h, void *u);

#endif
