/* sendrift: one rank's block of the lattice, without MPI.
 *
 * Every per-site array of a lattice model (kind, epi, ecm, the fields S and
 * E, the multigrid's work arrays) uses the same local layout, described by
 * sd_box: the rank's interior cells with one ghost layer on each side of
 * every active axis, x fastest.  In 2-D the z axis has a single plane and no
 * ghosts.
 *
 *     ptrdiff_t p = sd_box_idx(b, i, j, k);   i in [-1, ln[0]], ... (k = 0 in 2-D)
 *     int64_t   g = sd_box_gidx(b, i, j, k);  i in [0, ln[0]), ...: global site
 *
 * The global site index (x fastest over the whole grid) is what counter-based
 * random numbers are countered by, so that draws do not depend on the layout.
 *
 * This header is what compute kernels see of the lattice.  It must never
 * include mpi.h: the kernels are built without MPI on their include path
 * (see the root CMakeLists.txt), so that the numerics stay testable and
 * reusable apart from the communication.  The distributed grid that fills a
 * box is in grid.h.
 */
#ifndef SENDRIFT_BOX_H
#define SENDRIFT_BOX_H

#include <stddef.h>
#include <stdint.h>

/* The local block of a rank.  Axes 0, 1, 2 are x, y, z. */
typedef struct {
    int dim;              /* 2 or 3                                          */
    int n[3];             /* global cells per axis (n[2] = 1 in 2-D)         */
    int lo[3];            /* global index of the first local interior cell   */
    int ln[3];            /* local interior cells per axis (ln[2] = 1 in 2-D)*/
    int gn[3];            /* allocated extent: ln + 2 (z in 2-D: 1)          */
    ptrdiff_t sy, sz;     /* strides of y and z (x is contiguous)            */
    ptrdiff_t origin;     /* offset of interior cell (0, 0, 0)               */
    size_t size;          /* elements of a ghosted local array               */
    size_t ncells;        /* interior cells of this rank                     */
    int64_t nglobal;      /* cells of the whole grid                         */
    int periodic[3];      /* 1: periodic axis; 0: zero flux (walls)          */
    double dx;            /* spacing (um)                                    */
} sd_box;

/* Offset in a ghosted local array of local cell (i, j, k); ghosts are at -1
 * and ln[a]. */
static inline ptrdiff_t sd_box_idx(const sd_box *b, int i, int j, int k)
{
    return b->origin + (ptrdiff_t)i + (ptrdiff_t)j * b->sy + (ptrdiff_t)k * b->sz;
}

/* Global site index (x fastest) of local interior cell (i, j, k). */
static inline int64_t sd_box_gidx(const sd_box *b, int i, int j, int k)
{
    return (int64_t)(b->lo[0] + i) +
           (int64_t)b->n[0] * ((int64_t)(b->lo[1] + j) + (int64_t)b->n[1] * (b->lo[2] + k));
}

/* Fill a box from global sizes n, the local block [lo, lo + ln) and the
 * periodic axes (NULL: zero flux everywhere); axes beyond dim get one cell. */
void sd_box_setup(sd_box *b, int dim, const int n[3], const int lo[3],
                  const int ln[3], const int periodic[3], double dx);

/* A box of local interior cells [r0, r1) per axis. */
typedef struct {
    int r0[3], r1[3];
} sd_region;

/* The whole interior of b. */
void sd_box_all(const sd_box *b, sd_region *all);

/* The inside of a block (cells whose face neighbours are all interior) and
 * the shell around it (at most 2 dim regions), so that the inside can be
 * worked on while a halo exchange is in flight.  Together they cover the
 * interior once.  Returns the number of shell regions. */
int sd_box_regions(const sd_box *b, sd_region *inner, sd_region shell[6]);

#endif
