/* sendrift: split-phase halo exchange (see include/sendrift/halo.h).
 *
 * Like miniAMR's comm.c: receives are posted first, then the edge planes are
 * packed and sent; the caller works on the inside of its block; end waits and
 * unpacks.  In corner mode the axes go one after another and each phase's
 * planes span the ghosts of the axes before it, so edges and corners arrive
 * through two (three) hops. */
#include "sendrift/halo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gridimpl.h"
#include "sendrift/error.h"

struct sd_halo {
    const sd_grid *g;
    size_t elem;
    int corners, bc;
    int tag0;
    unsigned char *sbuf[3][2], *rbuf[3][2];
    MPI_Request req[12];
    int nreq;
    unsigned char *u;     /* the array in flight; NULL when idle             */
};

static int is_remote(const sd_halo *h, int nb)
{
    return nb != MPI_PROC_NULL && nb != h->g->rank;
}

/* The region of phase a: ranges on the other axes (ghosts of earlier axes
 * included in corner mode).  The range along a is set by the caller. */
static void phase_region(const sd_halo *h, int a, int r0[3], int r1[3])
{
    const sd_box *b = &h->g->box;
    for (int c = 0; c < 3; c++) {
        if (c >= b->dim) {
            r0[c] = 0;
            r1[c] = 1;
        } else if (h->corners && c < a) {
            r0[c] = -1;
            r1[c] = b->ln[c] + 1;
        } else {
            r0[c] = 0;
            r1[c] = b->ln[c];
        }
    }
}

/* Copy region [r0, r1) of u to buf (pack) or back (unpack). */
static void copy_region(const sd_halo *h, unsigned char *u, const int r0[3],
                        const int r1[3], unsigned char *buf, int unpack)
{
    const sd_box *b = &h->g->box;
    size_t es = h->elem, len = (size_t)(r1[0] - r0[0]) * es;
    for (int k = r0[2]; k < r1[2]; k++)
        for (int j = r0[1]; j < r1[1]; j++) {
            unsigned char *p = u + (size_t)sd_box_idx(b, r0[0], j, k) * es;
            if (len == sizeof(double)) {
                if (unpack) memcpy(p, buf, sizeof(double));
                else memcpy(buf, p, sizeof(double));
            } else {
                if (unpack) memcpy(p, buf, len);
                else memcpy(buf, p, len);
            }
            buf += len;
        }
}

/* Copy plane `from` of axis a onto plane `to` over the region (self copies
 * of a periodic axis, mirror walls). */
static void copy_plane(const sd_halo *h, unsigned char *u, int a, int from, int to,
                       const int r0[3], const int r1[3])
{
    const sd_box *b = &h->g->box;
    int d[3] = {0, 0, 0};
    d[a] = to - from;
    ptrdiff_t shift = sd_box_idx(b, d[0], d[1], d[2]) - sd_box_idx(b, 0, 0, 0);
    int s0[3] = {r0[0], r0[1], r0[2]}, s1[3] = {r1[0], r1[1], r1[2]};
    s0[a] = from;
    s1[a] = from + 1;
    size_t es = h->elem, len = (size_t)(s1[0] - s0[0]) * es;
    for (int k = s0[2]; k < s1[2]; k++)
        for (int j = s0[1]; j < s1[1]; j++) {
            unsigned char *p = u + (size_t)sd_box_idx(b, s0[0], j, k) * es;
            memmove(p + shift * (ptrdiff_t)es, p, len);
        }
}

static void zero_plane(const sd_halo *h, unsigned char *u, int a, int plane,
                       const int r0[3], const int r1[3])
{
    const sd_box *b = &h->g->box;
    int s0[3] = {r0[0], r0[1], r0[2]}, s1[3] = {r1[0], r1[1], r1[2]};
    s0[a] = plane;
    s1[a] = plane + 1;
    size_t es = h->elem, len = (size_t)(s1[0] - s0[0]) * es;
    for (int k = s0[2]; k < s1[2]; k++)
        for (int j = s0[1]; j < s1[1]; j++)
            memset(u + (size_t)sd_box_idx(b, s0[0], j, k) * es, 0, len);
}

static size_t region_count(const int r0[3], const int r1[3])
{
    return (size_t)(r1[0] - r0[0]) * (size_t)(r1[1] - r0[1]) * (size_t)(r1[2] - r0[2]);
}

/* Post the receives and sends of axis a. */
static int phase_start(sd_halo *h, int a)
{
    const sd_grid *g = h->g;
    const sd_box *b = &g->box;
    int r0[3], r1[3];
    phase_region(h, a, r0, r1);
    r0[a] = 0;
    r1[a] = 1;
    int cnt = (int)(region_count(r0, r1) * h->elem);
    for (int s = 0; s < 2; s++) {
        int nb = g->nbr[a][s];
        if (!is_remote(h, nb)) continue;
        SD_MPI(MPI_Irecv(h->rbuf[a][s], cnt, MPI_BYTE, nb, h->tag0 + 2 * a + s, g->comm,
                         &h->req[h->nreq++]));
    }
    for (int s = 0; s < 2; s++) {
        int nb = g->nbr[a][s];
        if (!is_remote(h, nb)) continue;
        r0[a] = s ? b->ln[a] - 1 : 0;
        r1[a] = r0[a] + 1;
        copy_region(h, h->u, r0, r1, h->sbuf[a][s], 0);
        /* My low plane is my lower neighbour's high ghost, and vice versa. */
        SD_MPI(MPI_Isend(h->sbuf[a][s], cnt, MPI_BYTE, nb, h->tag0 + 2 * a + (1 - s),
                         g->comm, &h->req[h->nreq++]));
    }
    return SD_OK;
}

/* Unpack the received planes of axis a, copy periodic self-neighbours and
 * fill the walls.  The caller has waited for the messages. */
static void phase_finish(sd_halo *h, int a)
{
    const sd_grid *g = h->g;
    const sd_box *b = &g->box;
    int r0[3], r1[3];
    phase_region(h, a, r0, r1);
    for (int s = 0; s < 2; s++) {
        int nb = g->nbr[a][s];
        int ghost = s ? b->ln[a] : -1, inner = s ? b->ln[a] - 1 : 0;
        if (is_remote(h, nb)) {
            r0[a] = ghost;
            r1[a] = ghost + 1;
            copy_region(h, h->u, r0, r1, h->rbuf[a][s], 1);
        } else if (nb != MPI_PROC_NULL) {
            /* Periodic, one rank along a: the opposite interior plane. */
            copy_plane(h, h->u, a, s ? 0 : b->ln[a] - 1, ghost, r0, r1);
        } else if (h->bc == SD_HALO_BC_MIRROR) {
            copy_plane(h, h->u, a, inner, ghost, r0, r1);
        } else if (h->bc == SD_HALO_BC_ZERO) {
            zero_plane(h, h->u, a, ghost, r0, r1);
        }
    }
}

static int wait_all(sd_halo *h)
{
    if (h->nreq) {
        int rc = MPI_Waitall(h->nreq, h->req, MPI_STATUSES_IGNORE);
        h->nreq = 0;
        if (rc != MPI_SUCCESS) return sd_mpi_fail(rc, "MPI_Waitall (halo)");
    }
    return SD_OK;
}

int sd_halo_create(const sd_grid *g, size_t elem_size, int flags, sd_halo **hp)
{
    if (!hp) return sd_error(SD_ERR_INPUT, "halo: no output pointer");
    *hp = NULL;
    if (!g) return sd_error(SD_ERR_INPUT, "halo: no grid");
    if (elem_size == 0 || elem_size > 4096)
        return sd_error(SD_ERR_INPUT, "halo: element size %zu bytes: must be 1..4096",
                        elem_size);
    int bc = flags & (SD_HALO_BC_MIRROR | SD_HALO_BC_ZERO);
    if (flags & ~(SD_HALO_CORNERS | SD_HALO_BC_MIRROR | SD_HALO_BC_ZERO) ||
        bc == (SD_HALO_BC_MIRROR | SD_HALO_BC_ZERO))
        return sd_error(SD_ERR_INPUT, "halo: flags 0x%x: unknown or conflicting", flags);
    sd_halo *h = sd_calloc(1, sizeof *h, "halo");
    if (!h) return SD_ERR_NOMEM;
    h->g = g;
    h->elem = elem_size;
    h->corners = (flags & SD_HALO_CORNERS) != 0;
    h->bc = bc;
    /* Tags 16.. in blocks of 8 per halo; MPI guarantees tags up to 32767. */
    h->tag0 = 16 + 8 * ((*g->tag_next)++ % 4000);
    const sd_box *b = &g->box;
    for (int a = 0; a < b->dim; a++) {
        size_t cnt = 1;
        for (int c = 0; c < b->dim; c++)
            if (c != a) cnt *= (size_t)b->gn[c];
        if (cnt * elem_size > INT_MAX) {
            free(h);
            return sd_error(SD_ERR_INPUT, "halo: a plane of %zu x %zu bytes is too large",
                            cnt, elem_size);
        }
        for (int s = 0; s < 2; s++) {
            if (!is_remote(h, g->nbr[a][s])) continue;
            h->sbuf[a][s] = sd_malloc(cnt * elem_size, "halo send buffer");
            h->rbuf[a][s] = sd_malloc(cnt * elem_size, "halo receive buffer");
            if (!h->sbuf[a][s] || !h->rbuf[a][s]) {
                sd_halo_destroy(&h);
                return SD_ERR_NOMEM;
            }
        }
    }
    *hp = h;
    return SD_OK;
}

int sd_halo_destroy(sd_halo **hp)
{
    if (!hp || !*hp) return SD_OK;
    sd_halo *h = *hp;
    *hp = NULL;
    int rc = SD_OK;
    if (h->u) rc = wait_all(h); /* never leave requests pointing at freed buffers */
    for (int a = 0; a < 3; a++)
        for (int s = 0; s < 2; s++) {
            free(h->sbuf[a][s]);
            free(h->rbuf[a][s]);
        }
    free(h);
    return rc;
}

int sd_halo_begin(sd_halo *h, void *u)
{
    if (!h || !u) return sd_error(SD_ERR_INPUT, "halo begin: no halo or no array");
    if (h->u) return sd_error(SD_ERR_INPUT, "halo begin: an exchange is already in flight");
    h->u = u;
    h->nreq = 0;
    int naxes = h->corners ? 1 : h->g->box.dim;
    for (int a = 0; a < naxes; a++) {
        int rc = phase_start(h, a);
        if (rc) {
            /* Only so that no request is left pointing at the buffers; the
             * failure reported is the first one. */
            (void)wait_all(h);
            h->u = NULL;
            return rc;
        }
    }
    return SD_OK;
}

int sd_halo_end(sd_halo *h)
{
    if (!h || !h->u) return sd_error(SD_ERR_INPUT, "halo end: no exchange in flight");
    int rc = wait_all(h);
    int dim = h->g->box.dim;
    if (!h->corners) {
        for (int a = 0; a < dim && !rc; a++) phase_finish(h, a);
    } else if (!rc) {
        phase_finish(h, 0);
        for (int a = 1; a < dim && !rc; a++) {
            rc = phase_start(h, a);
            int rc2 = wait_all(h);
            if (!rc) rc = rc2;
            if (!rc) phase_finish(h, a);
        }
    }
    h->u = NULL;
    return rc;
}

int sd_halo_exchange(sd_halo *h, void *u)
{
    SD_CALL(sd_halo_begin(h, u));
    return sd_halo_end(h);
}
