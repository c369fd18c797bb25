/* sendrift: a rank's block of the lattice (see include/sendrift/box.h).
 * Pure computation: built without MPI, like every kernel. */
#include "sendrift/box.h"

#include <string.h>

void sd_box_setup(sd_box *b, int dim, const int n[3], const int lo[3],
                  const int ln[3], const int periodic[3], double dx)
{
    memset(b, 0, sizeof *b);
    b->dim = dim;
    for (int a = 0; a < 3; a++) {
        if (a < dim) {
            b->n[a] = n[a];
            b->lo[a] = lo[a];
            b->ln[a] = ln[a];
            b->gn[a] = ln[a] + 2;
            b->periodic[a] = periodic ? (periodic[a] != 0) : 0;
        } else {
            b->n[a] = 1;
            b->lo[a] = 0;
            b->ln[a] = 1;
            b->gn[a] = 1;
            b->periodic[a] = 0;
        }
    }
    b->sy = b->gn[0];
    b->sz = (ptrdiff_t)b->gn[0] * b->gn[1];
    b->origin = 1 + b->sy + (dim == 3 ? b->sz : 0);
    b->size = (size_t)b->gn[0] * (size_t)b->gn[1] * (size_t)b->gn[2];
    b->ncells = (size_t)b->ln[0] * (size_t)b->ln[1] * (size_t)b->ln[2];
    b->nglobal = (int64_t)b->n[0] * b->n[1] * b->n[2];
    b->dx = dx;
}

void sd_box_all(const sd_box *b, sd_region *all)
{
    for (int a = 0; a < 3; a++) {
        all->r0[a] = 0;
        all->r1[a] = b->ln[a];
    }
}

/* The shell is peeled off one axis at a time, from the slowest (z) to x:
 * a low and a high plane per axis (one when the block is one cell thick),
 * each spanning what is left of the other axes. */
int sd_box_regions(const sd_box *b, sd_region *inner, sd_region shell[6])
{
    int c0[3] = {0, 0, 0}, c1[3] = {b->ln[0], b->ln[1], b->ln[2]};
    int ns = 0, empty = 0;
    for (int a = b->dim - 1; a >= 0 && !empty; a--) {
        sd_region s;
        memcpy(s.r0, c0, sizeof c0);
        memcpy(s.r1, c1, sizeof c1);
        s.r1[a] = c0[a] + 1;
        shell[ns++] = s;
        if (c1[a] - 1 > c0[a]) {
            memcpy(s.r0, c0, sizeof c0);
            memcpy(s.r1, c1, sizeof c1);
            s.r0[a] = c1[a] - 1;
            shell[ns++] = s;
        }
        c0[a]++;
        c1[a]--;
        if (c1[a] <= c0[a]) empty = 1;
    }
    for (int a = 0; a < 3; a++) {
        inner->r0[a] = c0[a];
        inner->r1[a] = empty ? c0[a] : c1[a];
    }
    return ns;
}
