/* sendrift: the geometry of the multigrid hierarchy (see mgimpl.h and
 * fields.c): the cells' widths and centroids on every level, the face
 * factors of a block and the transfer operators between levels.  Pure
 * computation on global sizes and one rank's blocks: no MPI. */
#include "mgimpl.h"

#include <stdlib.h>

#include "sendrift/error.h"

/* ---- Geometry of the hierarchy (global, per axis) ------------------------ */

void sd_mg_geom_free(sd_mg_geom *G, int nl)
{
    if (!G) return;
    for (int l = 0; l < nl; l++)
        for (int a = 0; a < 3; a++) {
            free(G[l].W[a]);
            free(G[l].X[a]);
        }
    free(G);
}

int sd_mg_geom_fill(sd_mg_geom *G, const sd_mg_geom *F, int l, const int n[3])
{
    for (int a = 0; a < 3; a++) {
        G->n[a] = n[a];
        G->W[a] = sd_malloc(sizeof(int) * (size_t)n[a], "multigrid widths");
        G->X[a] = sd_malloc(sizeof(double) * (size_t)n[a], "multigrid centroids");
        if (!G->W[a] || !G->X[a]) return SD_ERR_NOMEM;
        int edge = 0;
        for (int I = 0; I < n[a]; I++) {
            int w;
            if (l == 0) w = 1;
            else if (F->n[a] == n[a]) w = F->W[a][I];
            else w = F->W[a][2 * I] + (2 * I + 1 < F->n[a] ? F->W[a][2 * I + 1] : 0);
            G->W[a][I] = w;
            G->X[a][I] = edge + 0.5 * w;
            edge += w;
        }
        G->width[a] = edge;
    }
    return SD_OK;
}

/* Face factors from the widths: gm[a][i] = 1 / (W_I (W_I-1 + W_I) / 2) for
 * local index i (global I) along axis a, gp[a][i] likewise with W_I+1; 0 on
 * a wall. */
void sd_mg_face_factors(const sd_box *b, const sd_mg_geom *G, double *gm[3], double *gp[3])
{
    for (int a = 0; a < b->dim; a++) {
        int ln = b->ln[a], N = b->n[a];
        const int *W = G->W[a];
        for (int i = 0; i < ln; i++) {
            int I = b->lo[a] + i;
            int Im = I - 1, Ip = I + 1;
            if (Im < 0) Im = b->periodic[a] ? N - 1 : -1;
            if (Ip >= N) Ip = b->periodic[a] ? 0 : -1;
            gm[a][i] = Im < 0 ? 0.0 : 1.0 / (W[I] * (0.5 * (W[Im] + W[I])));
            gp[a][i] = Ip < 0 ? 0.0 : 1.0 / (W[I] * (0.5 * (W[I] + W[Ip])));
        }
    }
}

/* ---- Transfers ---------------------------------------------------------- */

int sd_mg_restrict_build(const sd_box *fb, const sd_mg_geom *GF, const sd_mg_geom *GC,
                         const int clo[3], const int cln[3], sd_mg_restrict *R,
                         int *rc0[3], int *rnch[3], double *rw[3])
{
    R->dim = fb->dim;
    for (int a = 0; a < 3; a++) {
        R->cln[a] = cln[a];
        if (a >= fb->dim) continue;
        size_t n = (size_t)(cln[a] > 0 ? cln[a] : 1);
        rc0[a] = sd_malloc(sizeof(int) * n, "multigrid restriction");
        rnch[a] = sd_malloc(sizeof(int) * n, "multigrid restriction");
        rw[a] = sd_malloc(sizeof(double) * 2 * n, "multigrid restriction");
        if (!rc0[a] || !rnch[a] || !rw[a]) return SD_ERR_NOMEM;
        int coarsened = GC->n[a] != GF->n[a];
        for (int I = 0; I < cln[a]; I++) {
            int Ig = clo[a] + I;
            int c = coarsened ? 2 * Ig : Ig;
            int nch = coarsened && c + 1 < GF->n[a] ? 2 : 1;
            rc0[a][I] = c - fb->lo[a];
            rnch[a][I] = nch;
            rw[a][2 * I] = (double)GF->W[a][c] / GC->W[a][Ig];
            rw[a][2 * I + 1] = nch == 2 ? (double)GF->W[a][c + 1] / GC->W[a][Ig] : 0.0;
            /* The children must be local or in the ghost layer above. */
            if (rc0[a][I] < 0 || rc0[a][I] + nch - 1 > fb->ln[a])
                return sd_error(SD_ERR_INTERNAL, "multigrid: restriction child out of block");
        }
        R->c0[a] = rc0[a];
        R->nch[a] = rnch[a];
        R->w[a] = rw[a];
    }
    return SD_OK;
}

int sd_mg_prolong_build(const sd_box *fb, const sd_mg_geom *GF, const sd_mg_geom *GC,
                        const sd_box *cb, sd_mg_prolong *Pr, int *pidx[3], double *pw[3])
{
    Pr->dim = fb->dim;
    for (int a = 0; a < 3; a++) {
        Pr->fln[a] = fb->ln[a];
        if (a >= fb->dim) continue;
        int ln = fb->ln[a], NC = GC->n[a];
        /* The period of a periodic axis, in the units of the centroids X
         * (level-0 cells): the total width, not this level's cell count
         * fb->n[a] (equal only on level 0). */
        double period = GC->width[a];
        pidx[a] = sd_malloc(sizeof(int) * 2 * (size_t)ln, "multigrid prolongation");
        pw[a] = sd_malloc(sizeof(double) * 2 * (size_t)ln, "multigrid prolongation");
        if (!pidx[a] || !pw[a]) return SD_ERR_NOMEM;
        int coarsened = NC != GF->n[a];
        for (int i = 0; i < ln; i++) {
            int ig = fb->lo[a] + i;
            int P = coarsened ? ig / 2 : ig;
            double xf = GF->X[a][ig], XP = GC->X[a][P];
            int nb = P;
            double w = 0;
            if (xf != XP) {
                int dir = xf < XP ? -1 : 1;
                int q = P + dir;
                double Xq = 0;
                int ok = 1;
                if (q < 0) {
                    if (cb->periodic[a]) Xq = GC->X[a][NC - 1] - period;
                    else ok = 0;
                } else if (q >= NC) {
                    if (cb->periodic[a]) Xq = GC->X[a][0] + period;
                    else ok = 0;
                } else {
                    Xq = GC->X[a][q];
                }
                if (ok) {
                    nb = q;
                    w = (xf - XP) / (Xq - XP);
                    /* A fine centroid lies between its parent's and the
                     * neighbour's: anything else is a broken geometry. */
                    if (!(w >= 0 && w <= 1))
                        return sd_error(SD_ERR_INTERNAL,
                                        "multigrid: prolongation weight %g outside [0, 1]", w);
                }
            }
            pidx[a][2 * i] = P - cb->lo[a];
            pidx[a][2 * i + 1] = nb - cb->lo[a];
            pw[a][2 * i] = 1.0 - w;
            pw[a][2 * i + 1] = w;
            for (int t = 0; t < 2; t++) {
                int ci = pidx[a][2 * i + t];
                if (ci < -1 || ci > cb->ln[a])
                    return sd_error(SD_ERR_INTERNAL,
                                    "multigrid: prolongation source out of block");
            }
        }
        Pr->idx[a] = pidx[a];
        Pr->w[a] = pw[a];
    }
    return SD_OK;
}
