/* sendrift: the field solver: geometric multigrid for
 *   alpha(x) u - c0 lap_h u = b     (per unit volume, lap_h in units of dx^2)
 * (see include/sendrift/fields.h and docs/fields.md).
 *
 * Hierarchy.  Level 0 is the user's grid.  Level l+1 has ceil(N/2) cells
 * along every axis with N > 1; coarse cell I covers fine cells 2I and 2I+1
 * (only 2I when 2I+1 = N, so odd sizes give a narrower last cell).  Every
 * level is a finite-volume discretisation on its own cells: widths W (in
 * fine-grid units), face coefficients c0 / (W_I (W_I + W_I+-1) / 2), the
 * volume-weighted mean of alpha; this keeps coarse operators consistent for
 * any size and for periodic axes of odd length.  Restriction is the volume-
 * weighted mean of the children, prolongation linear between cell centroids
 * (constant next to a wall).  A level stays split over the ranks (each coarse
 * cell on the rank of its first child) until some rank would hold fewer than
 * 2 cells along a split axis; from there on it is gathered onto every rank.
 * The coarsest level (<= coarse_cells cells) is solved by dense LU.
 *
 * Iteration: mixed-precision iterative refinement.  Each outer iteration
 * computes the residual r = b - A u of the double-precision field on level
 * 0, scaled by a power of two (exact) and stored in single precision, and
 * solves A e = r approximately in single precision: one V(pre, post) cycle
 * with red-black Gauss-Seidel, or, when the operator is so diagonally
 * dominant that plain sweeps converge faster than a cycle (the EV field at
 * the model's defaults), a few fused sweeps on level 0 alone.  Then u += e.
 * The residual stays in double, so the answer is as accurate as a double
 * solver's; the single-precision cycle streams half the bytes.  A red-black
 * sweep is one fused pass (red cells of a slab, then black cells of the
 * slab before); on a split or periodic level its black cells next to an
 * exchanged face wait for a face exchange of the new red cells.  No MPI
 * here: halo.c, grid.c (max-norms) and mgcomm.c.  The hierarchy's geometry
 * and transfer operators are built by mggeom.c, and every per-cell loop is
 * a kernel of mgkernels.c (both MPI-free). */
#include "sendrift/fields.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gridimpl.h"
#include "mgimpl.h"
#include "sendrift/error.h"
#include "sendrift/halo.h"

#define SD_FIELDS_MAX_COARSE 512

typedef struct {
    sd_grid *g;               /* level grid; level 0: the user's (not owned)    */
    const sd_box *box;
    int serial;               /* whole level on this rank (replicated or P = 1) */
    float *x, *b, *r, *diag;  /* ghosted, single precision; x: the correction;
                                 r holds alpha during the setup                 */
    float *idiag;             /* 1 / diag                                       */
    float *tmp;               /* a row of scratch for the transfers             */
    double *gm[3], *gp[3];    /* geometric face factors per local index         */
    double gu[3];             /* the factor of every face off a wall when all
                                 cells have one width (st.uniform)             */
    float *cm[3], *cp[3];     /* c0 * gm, c0 * gp for the current solve         */
    sd_halo *hf, *hc;         /* faces / corners                                */
    sd_mg_stencil_f st;
    sd_region all, inner, shell[6];
    int nshell;
    int exch;                 /* some face is exchanged (split or periodic)     */
    sd_region blk, bshell[6]; /* a sweep's black cells before the exchange of the
                                 new red ones, and those after it               */
    int nbshell;
    /* To the next level. */
    sd_mg_restrict rs;
    int *rc0[3], *rnch[3];
    double *rw[3];
    float *rwf[3];
    sd_mg_gather *gather;     /* next level gathered from this split one        */
    /* From the next level. */
    sd_mg_prolong pr;
    int *pidx[3];
    double *pw[3];
    float *pwf[3];
    /* Coarsest level. */
    double *lu, *work;
} mg_level;

struct sd_fields {
    const sd_grid *g;
    sd_fields_opts o;
    int nl;
    mg_level *lev;
    /* Level 0 in double precision: right-hand side, diagonal (alpha during
     * the setup), face coefficients. */
    double *b0, *diag0;
    const double *dg;         /* diag0, or NULL when alpha is uniform (a NULL):
                                 the residual then computes the diagonal       */
    double al;                /* that uniform alpha                             */
    double *zrow;             /* a row of zeros                                 */
    double *cm0[3], *cp0[3];
    sd_mg_stencil st0;
    sd_halo *hzero;           /* level 0, zero-flux wall ghosts zeroed          */
    sd_halo *hu;              /* level 0, walls kept                            */
    sd_halo *hmirror;         /* level 0, zero-flux walls mirrored (output)     */
    long total_cycles;
};

void sd_fields_opts_default(sd_fields_opts *o)
{
    o->rtol = 1e-4;
    o->max_cycles = 50;
    o->pre_smooth = 2;
    o->post_smooth = 2;
    o->coarse_cells = 64;
    o->agglomerate_cells = 0;
    o->overlap = 1;
    o->sweeps_rho = 0.75;
}

void sd_fields_opts_default_dim(sd_fields_opts *o, int dim)
{
    sd_fields_opts_default(o);
    /* In 2-D one post-smoothing sweep takes as many cycles as two, for less
     * work per cycle; in 3-D two save a cycle (docs/fields.md). */
    if (dim == 2) o->post_smooth = 1;
}

int sd_fields_rates(double L_um, double t_half_h, double *lambda, double *D)
{
    if (!(L_um >= 0) || !isfinite(L_um))
        return sd_error(SD_ERR_INPUT, "fields: range L = %g um: must be finite and >= 0", L_um);
    if (!(t_half_h > 0) || !isfinite(t_half_h))
        return sd_error(SD_ERR_INPUT, "fields: half-life %g h: must be finite and > 0",
                        t_half_h);
    double lam = log(2.0) / (t_half_h / 24.0);
    if (lambda) *lambda = lam;
    if (D) *D = lam * L_um * L_um;
    return SD_OK;
}

/* ---- Creation ---------------------------------------------------------------- */

static void level_free(mg_level *L, int level)
{
    free(L->x);
    free(L->tmp);
    if (level > 0) sd_grid_destroy(&L->g);
    free(L->b);
    free(L->r);
    free(L->diag);
    free(L->idiag);
    for (int a = 0; a < 3; a++) {
        free(L->gm[a]);
        free(L->gp[a]);
        free(L->cm[a]);
        free(L->cp[a]);
        free(L->rc0[a]);
        free(L->rnch[a]);
        free(L->rw[a]);
        free(L->rwf[a]);
        free(L->pidx[a]);
        free(L->pw[a]);
        free(L->pwf[a]);
    }
    sd_halo_destroy(&L->hf);
    sd_halo_destroy(&L->hc);
    sd_mg_gather_destroy(&L->gather);
    free(L->lu);
    free(L->work);
}

int sd_fields_destroy(sd_fields **fp)
{
    if (!fp || !*fp) return SD_OK;
    sd_fields *f = *fp;
    *fp = NULL;
    for (int l = 0; l < f->nl; l++) level_free(&f->lev[l], l);
    free(f->b0);
    free(f->diag0);
    free(f->zrow);
    for (int a = 0; a < 3; a++) {
        free(f->cm0[a]);
        free(f->cp0[a]);
    }
    sd_halo_destroy(&f->hzero);
    sd_halo_destroy(&f->hu);
    sd_halo_destroy(&f->hmirror);
    free(f->lev);
    free(f);
    return SD_OK;
}

/* The black cells a sweep can update before the new red cells' ghosts are
 * exchanged (L->blk: away from every exchanged face) and the rest
 * (L->bshell). */
static void sweep_regions(mg_level *L)
{
    const sd_box *b = L->box;
    sd_region cur;
    sd_box_all(b, &cur);
    L->exch = 0;
    L->nbshell = 0;
    int empty = 0;
    for (int a = b->dim - 1; a >= 0 && !empty; a--)
        for (int side = 0; side < 2 && !empty; side++) {
            if (L->g->nbr[a][side] == MPI_PROC_NULL) continue;
            L->exch = 1;
            sd_region sh = cur;
            if (side == 0) {
                sh.r1[a] = cur.r0[a] + 1;
                cur.r0[a]++;
            } else {
                sh.r0[a] = cur.r1[a] - 1;
                cur.r1[a]--;
            }
            L->bshell[L->nbshell++] = sh;
            if (cur.r1[a] <= cur.r0[a]) empty = 1;
        }
    if (empty)
        for (int a = 0; a < 3; a++) cur.r1[a] = cur.r0[a];
    L->blk = cur;
}

/* Local arrays of a level: face factors from the widths. */
static int setup_level_arrays(mg_level *L, const sd_mg_geom *G)
{
    const sd_box *b = L->box;
    L->x = sd_calloc(b->size, sizeof(float), "multigrid correction");
    L->b = sd_calloc(b->size, sizeof(float), "multigrid right-hand side");
    L->r = sd_calloc(b->size, sizeof(float), "multigrid residual");
    L->diag = sd_calloc(b->size, sizeof(float), "multigrid diagonal");
    L->idiag = sd_calloc(b->size, sizeof(float), "multigrid inverse diagonal");
    if (!L->x || !L->b || !L->r || !L->diag || !L->idiag) return SD_ERR_NOMEM;
    for (int a = 0; a < 3; a++) {
        int ln = b->ln[a];
        L->gm[a] = sd_calloc((size_t)ln, sizeof(double), "multigrid face factors");
        L->gp[a] = sd_calloc((size_t)ln, sizeof(double), "multigrid face factors");
        L->cm[a] = sd_calloc((size_t)ln, sizeof(float), "multigrid coefficients");
        L->cp[a] = sd_calloc((size_t)ln, sizeof(float), "multigrid coefficients");
        if (!L->gm[a] || !L->gp[a] || !L->cm[a] || !L->cp[a]) return SD_ERR_NOMEM;
    }
    sd_mg_face_factors(b, G, L->gm, L->gp);
    L->st.uniform = 1;
    for (int a = 0; a < b->dim; a++) {
        const int *W = G->W[a];
        for (int I = 1; I < b->n[a]; I++) L->st.uniform &= W[I] == W[0];
        L->gu[a] = 1.0 / (W[0] * (0.5 * (W[0] + W[0]))); /* as sd_mg_face_factors */
    }
    L->st.dim = b->dim;
    for (int a = 0; a < 3; a++) {
        L->st.ln[a] = b->ln[a];
        L->st.cm[a] = L->cm[a];
        L->st.cp[a] = L->cp[a];
    }
    L->st.parity = (b->lo[0] + b->lo[1] + b->lo[2]) & 1;
    L->st.sy = b->sy;
    L->st.sz = b->sz;
    L->st.origin = b->origin;
    sd_box_all(b, &L->all);
    L->nshell = sd_box_regions(b, &L->inner, L->shell);
    sweep_regions(L);
    return SD_OK;
}

/* Level 0's double-precision arrays and stencil. */
static int setup_level0_double(sd_fields *f)
{
    const mg_level *L = &f->lev[0];
    const sd_box *b = L->box;
    f->b0 = sd_calloc(b->size, sizeof(double), "multigrid right-hand side");
    f->diag0 = sd_calloc(b->size, sizeof(double), "multigrid diagonal");
    f->zrow = sd_calloc((size_t)b->ln[0], sizeof(double), "multigrid zero row");
    if (!f->b0 || !f->diag0 || !f->zrow) return SD_ERR_NOMEM;
    f->st0.dim = b->dim;
    for (int a = 0; a < 3; a++) {
        f->cm0[a] = sd_calloc((size_t)b->ln[a], sizeof(double), "multigrid coefficients");
        f->cp0[a] = sd_calloc((size_t)b->ln[a], sizeof(double), "multigrid coefficients");
        if (!f->cm0[a] || !f->cp0[a]) return SD_ERR_NOMEM;
        f->st0.ln[a] = b->ln[a];
        f->st0.cm[a] = f->cm0[a];
        f->st0.cp[a] = f->cp0[a];
    }
    f->st0.parity = L->st.parity;
    f->st0.sy = b->sy;
    f->st0.sz = b->sz;
    f->st0.origin = b->origin;
    return SD_OK;
}

static int fields_build(sd_fields *f)
{
    const sd_grid *g0 = f->g;
    const sd_box *b0 = &g0->box;
    int dim = b0->dim;
    /* Sizes of the levels (global, the same on every rank). */
    int cap = 2;
    int (*sizes)[3] = sd_malloc(sizeof(int[3]) * (size_t)cap, "multigrid sizes");
    if (!sizes) return SD_ERR_NOMEM;
    int nl = 1;
    memcpy(sizes[0], b0->n, sizeof sizes[0]);
    for (;;) {
        int n[3];
        memcpy(n, sizes[nl - 1], sizeof n);
        int64_t cells = (int64_t)n[0] * n[1] * n[2];
        int any = 0;
        for (int a = 0; a < dim; a++) any |= n[a] > 1;
        if (!any || (nl > 1 && cells <= f->o.coarse_cells)) break;
        if (nl == cap) {
            cap *= 2;
            void *t = realloc(sizes, sizeof(int[3]) * (size_t)cap);
            if (!t) {
                free(sizes);
                return sd_error(SD_ERR_NOMEM, "out of memory for multigrid sizes");
            }
            sizes = t;
        }
        for (int a = 0; a < 3; a++) sizes[nl][a] = n[a] > 1 ? (n[a] + 1) / 2 : 1;
        nl++;
    }
    f->lev = sd_calloc((size_t)nl, sizeof(mg_level), "multigrid levels");
    sd_mg_geom *G = sd_calloc((size_t)nl, sizeof(sd_mg_geom), "multigrid geometry");
    if (!f->lev || !G) {
        free(sizes);
        free(G);
        return SD_ERR_NOMEM;
    }
    f->nl = nl;
    int rc = SD_OK;
    for (int l = 0; l < nl && !rc; l++) rc = sd_mg_geom_fill(&G[l], l ? &G[l - 1] : NULL, l, sizes[l]);

    /* Level grids. */
    for (int l = 0; l < nl && !rc; l++) {
        mg_level *L = &f->lev[l];
        if (l == 0) {
            L->g = (sd_grid *)g0; /* borrowed, never freed */
        } else {
            const sd_grid *fg = f->lev[l - 1].g;
            int repl = 0;
            if (fg->size > 1 && !fg->replicated) {
                int64_t cells = (int64_t)sizes[l][0] * sizes[l][1] * sizes[l][2];
                repl = l == nl - 1 || cells <= f->o.agglomerate_cells ||
                       sd_grid_coarse_min_block(fg, sizes[l]) < 2;
            }
            rc = sd_grid_create_coarse(fg, sizes[l], repl, &L->g);
            if (rc) break;
            if (repl && !fg->replicated) {
                rc = sd_mg_gather_create(fg, sizes[l], &f->lev[l - 1].gather);
                if (rc) break;
            }
        }
        L->box = &L->g->box;
        L->serial = L->g->replicated || L->g->size == 1;
        rc = setup_level_arrays(L, &G[l]);
        if (!rc) rc = sd_halo_create(L->g, sizeof(float), 0, &L->hf);
        if (!rc) rc = sd_halo_create(L->g, sizeof(float), SD_HALO_CORNERS, &L->hc);
    }
    /* Transfers. */
    for (int l = 0; l + 1 < nl && !rc; l++) {
        mg_level *L = &f->lev[l], *C = &f->lev[l + 1];
        const int *clo = L->gather ? L->gather->lo : C->box->lo;
        const int *cln = L->gather ? L->gather->ln : C->box->ln;
        rc = sd_mg_restrict_build(L->box, &G[l], &G[l + 1], clo, cln, &L->rs, L->rc0, L->rnch,
                                  L->rw);
        if (!rc)
            rc = sd_mg_prolong_build(L->box, &G[l], &G[l + 1], C->box, &L->pr, L->pidx, L->pw);
        for (int a = 0; a < dim && !rc; a++) {
            size_t mc = 2 * (size_t)cln[a];
            L->rwf[a] = sd_malloc(sizeof(float) * (mc ? mc : 1), "multigrid restriction weights");
            if (!L->rwf[a]) rc = SD_ERR_NOMEM;
            for (size_t I = 0; !rc && I < mc; I++)
                L->rwf[a][I] = L->rnch[a][I / 2] == 2 || I % 2 == 0 ? (float)L->rw[a][I] : 0.0f;
            L->rs.wf[a] = L->rwf[a];
        }
        for (int a = 0; a < dim && !rc; a++) {
            size_t m = 2 * (size_t)L->box->ln[a];
            L->pwf[a] = sd_malloc(sizeof(float) * m, "multigrid prolongation weights");
            if (!L->pwf[a]) rc = SD_ERR_NOMEM;
            for (size_t i = 0; !rc && i < m; i++) L->pwf[a][i] = (float)L->pw[a][i];
            L->pr.wf[a] = L->pwf[a];
        }
    }
    /* A row of scratch per level, for the rows of the restriction and the
     * coarse rows of the prolongation. */
    for (int l = 0; l < nl && !rc; l++) {
        mg_level *L = &f->lev[l];
        int w = L->box->ln[0];
        if (l + 1 < nl && f->lev[l + 1].box->ln[0] > w) w = f->lev[l + 1].box->ln[0];
        L->tmp = sd_calloc((size_t)w + 2, sizeof(float), "multigrid scratch row");
        if (!L->tmp) rc = SD_ERR_NOMEM;
    }
    if (!rc) {
        mg_level *C = &f->lev[nl - 1];
        if (!C->serial) {
            rc = sd_error(SD_ERR_INTERNAL, "multigrid: coarsest level is split");
        } else {
            size_t m = C->box->ncells;
            C->lu = sd_malloc(sizeof(double) * m * m, "multigrid coarse LU");
            C->work = sd_malloc(sizeof(double) * m, "multigrid coarse work");
            if (!C->lu || !C->work) rc = SD_ERR_NOMEM;
        }
    }
    if (!rc) rc = setup_level0_double(f);
    if (!rc) rc = sd_halo_create(g0, sizeof(double), SD_HALO_BC_ZERO, &f->hzero);
    if (!rc) rc = sd_halo_create(g0, sizeof(double), 0, &f->hu);
    if (!rc) rc = sd_halo_create(g0, sizeof(double), SD_HALO_BC_MIRROR, &f->hmirror);
    sd_mg_geom_free(G, nl);
    free(sizes);
    return rc;
}

int sd_fields_create(const sd_grid *g, const sd_fields_opts *opts, sd_fields **fp)
{
    if (!fp) return sd_error(SD_ERR_INPUT, "fields: no output pointer");
    *fp = NULL;
    if (!g) return sd_error(SD_ERR_INPUT, "fields: no grid");
    sd_fields_opts o;
    if (opts) o = *opts;
    else sd_fields_opts_default_dim(&o, g->box.dim);
    if (!(o.rtol > 0 && o.rtol < 1))
        return sd_error(SD_ERR_INPUT, "fields: rtol = %g: must be in (0, 1)", o.rtol);
    if (o.max_cycles < 1)
        return sd_error(SD_ERR_INPUT, "fields: max_cycles = %d: must be >= 1", o.max_cycles);
    if (o.pre_smooth < 0 || o.post_smooth < 0 || o.pre_smooth + o.post_smooth < 1 ||
        o.pre_smooth > 100 || o.post_smooth > 100)
        return sd_error(SD_ERR_INPUT,
                        "fields: pre_smooth = %d, post_smooth = %d: each in 0..100, "
                        "at least one sweep",
                        o.pre_smooth, o.post_smooth);
    if (o.coarse_cells < 1 || o.coarse_cells > SD_FIELDS_MAX_COARSE)
        return sd_error(SD_ERR_INPUT, "fields: coarse_cells = %d: must be in 1..%d",
                        o.coarse_cells, SD_FIELDS_MAX_COARSE);
    if (o.agglomerate_cells < 0)
        return sd_error(SD_ERR_INPUT, "fields: agglomerate_cells = %d: must be >= 0",
                        o.agglomerate_cells);
    if (!(o.sweeps_rho >= 0 && o.sweeps_rho < 1))
        return sd_error(SD_ERR_INPUT, "fields: sweeps_rho = %g: must be in [0, 1)",
                        o.sweeps_rho);
    sd_fields *f = sd_calloc(1, sizeof *f, "field solver");
    if (!f) return SD_ERR_NOMEM;
    f->g = g;
    f->o = o;
    int rc = fields_build(f);
    if (rc) {
        sd_fields_destroy(&f);
        return sd_error_prefix(rc, "fields: building the multigrid hierarchy");
    }
    *fp = f;
    return SD_OK;
}

int sd_fields_nlevels(const sd_fields *f) { return f ? f->nl : 0; }

int sd_fields_level(const sd_fields *f, int l, int n[3], int *replicated)
{
    if (!f || l < 0 || l >= f->nl)
        return sd_error(SD_ERR_INPUT, "fields: no level %d", l);
    if (n) memcpy(n, f->lev[l].box->n, sizeof(int[3]));
    if (replicated) *replicated = f->lev[l].g->replicated;
    return SD_OK;
}

long sd_fields_total_cycles(const sd_fields *f) { return f ? f->total_cycles : 0; }

/* ---- The cycle ------------------------------------------------------------------ */

/* One red-black sweep of level L (x counts as zero before it when zero is
 * set).  Without exchanged faces (one rank, walls) it is a single fused
 * pass with no communication: the wall ghosts stay 0 from the allocation and
 * have zero coefficients. */
static int sweep(mg_level *L, int zero)
{
    if (!L->exch) {
        sd_mg_sweep_f(&L->st, &L->all, &L->all, zero, L->x, L->b, L->idiag);
        return SD_OK;
    }
    if (!zero) SD_CALL(sd_halo_exchange(L->hf, L->x)); /* the black ghosts */
    sd_mg_sweep_f(&L->st, &L->all, &L->blk, zero, L->x, L->b, L->idiag);
    SD_CALL(sd_halo_exchange(L->hf, L->x)); /* the new red ghosts */
    for (int i = 0; i < L->nbshell; i++)
        sd_mg_smooth_f(&L->st, &L->bshell[i], 1, L->x, L->b, L->idiag);
    return SD_OK;
}

/* n sweeps of level L (the first from zero when zero is set): in one pass
 * when no face is exchanged. */
static int sweeps(mg_level *L, int n, int zero)
{
    if (n > 0 && !L->exch) {
        sd_mg_sweeps_f(&L->st, &L->all, n, zero, L->x, L->b, L->idiag);
        return SD_OK;
    }
    for (int s = 0; s < n; s++) SD_CALL(sweep(L, zero && s == 0));
    return SD_OK;
}

/* r = b - A x on level L (single precision), with x's faces exchanged first
 * when any face is exchanged, overlapped with the inside of the block. */
static int residual_f(sd_fields *f, mg_level *L)
{
    double xm = 0;
    /* Level 0 without a(x): the diagonal is computed, not read. */
    const float *dg = L == &f->lev[0] && !f->dg ? NULL : L->diag;
    const float al = (float)f->al;
    if (!L->exch) {
        sd_mg_residual_f(&L->st, &L->all, L->x, L->b, dg, al, 1.0f, L->r, &xm);
    } else if (!f->o.overlap || L->serial) {
        SD_CALL(sd_halo_exchange(L->hf, L->x));
        sd_mg_residual_f(&L->st, &L->all, L->x, L->b, dg, al, 1.0f, L->r, &xm);
    } else {
        SD_CALL(sd_halo_begin(L->hf, L->x));
        sd_mg_residual_f(&L->st, &L->inner, L->x, L->b, dg, al, 1.0f, L->r, &xm);
        SD_CALL(sd_halo_end(L->hf));
        for (int i = 0; i < L->nshell; i++)
            sd_mg_residual_f(&L->st, &L->shell[i], L->x, L->b, dg, al, 1.0f, L->r, &xm);
    }
    return SD_OK;
}

/* The outer residual on level 0 in double: scale (b - A u) into the
 * single-precision right-hand side of the correction (level 0's b), the
 * local max |b - A u| in *rmax and max |u| in *xmax.  u's ghosts are
 * exchanged first unless fresh is set. */
static int residual0(sd_fields *f, double *u, double scale, int fresh, double *rmax,
                     double *xmax)
{
    mg_level *L = &f->lev[0];
    double rm = 0, xm = 0;
    if (!L->exch || fresh) {
        rm = sd_mg_residual(&f->st0, &L->all, u, f->b0, f->dg, f->al, scale, L->b, &xm);
    } else if (!f->o.overlap || L->serial) {
        SD_CALL(sd_halo_exchange(f->hu, u));
        rm = sd_mg_residual(&f->st0, &L->all, u, f->b0, f->dg, f->al, scale, L->b, &xm);
    } else {
        SD_CALL(sd_halo_begin(f->hu, u));
        rm = sd_mg_residual(&f->st0, &L->inner, u, f->b0, f->dg, f->al, scale, L->b, &xm);
        SD_CALL(sd_halo_end(f->hu));
        for (int i = 0; i < L->nshell; i++) {
            double v = sd_mg_residual(&f->st0, &L->shell[i], u, f->b0, f->dg, f->al, scale, L->b,
                                      &xm);
            rm = (v > rm || isnan(v)) ? v : rm;
        }
    }
    *rmax = rm;
    *xmax = xm;
    return SD_OK;
}

/* Restrict src (a ghosted array of level l, ghosts current) into dst of
 * level l+1, gathering when level l+1 is held whole. */
static int restrict_to(sd_fields *f, int l, const float *src, float *dst)
{
    mg_level *L = &f->lev[l], *C = &f->lev[l + 1];
    if (L->gather) {
        sd_mg_gather *G = L->gather;
        sd_mg_restrict_run(&L->rs, L->box, src, G->send, G->ln[0],
                           (ptrdiff_t)G->ln[0] * G->ln[1], 0, L->tmp);
        return sd_mg_gather_run(G, C->box, dst);
    }
    sd_mg_restrict_run(&L->rs, L->box, src, dst, C->box->sy, C->box->sz, C->box->origin,
                       L->tmp);
    return SD_OK;
}

/* One V-cycle on level l for A x = b from x = 0. */
static int vcycle(sd_fields *f, int l)
{
    mg_level *L = &f->lev[l];
    if (l == f->nl - 1) {
        /* Ghosts are refreshed by the exchange before the prolongation. */
        sd_mg_lu_solve(&L->st, L->lu, L->b, L->x, L->work);
        return SD_OK;
    }
    /* The correction starts from zero: the first sweep does not read x.
     * Ghosts on walls are never written: they stay 0 from the allocation. */
    if (f->o.pre_smooth == 0) memset(L->x, 0, sizeof(float) * L->box->size);
    SD_CALL(sweeps(L, f->o.pre_smooth, 1));
    SD_CALL(residual_f(f, L));
    SD_CALL(sd_halo_exchange(L->hc, L->r));
    mg_level *C = &f->lev[l + 1];
    SD_CALL(restrict_to(f, l, L->r, C->b));
    SD_CALL(vcycle(f, l + 1));
    SD_CALL(sd_halo_exchange(C->hc, C->x));
    sd_mg_prolong_add(&L->pr, L->box, L->x, C->box, C->x, L->tmp);
    SD_CALL(sweeps(L, f->o.post_smooth, 0));
    return SD_OK;
}

/* ---- Solve ---------------------------------------------------------------------- */

/* Sweeps for an outer iteration when the fine-grid sweeps alone are used.
 * The first iteration: enough for a factor 20 (like a cycle's) if each
 * sweep shrinks the residual by rho^2.  The next ones: enough to reach the
 * tolerance tol from the residual res if each sweep shrinks it by q, as
 * measured on the iteration before, and one more (the smooth components
 * that are left shrink more slowly); between 2 and SD_FIELDS_MAX_SWEEPS. */
#define SD_FIELDS_MAX_SWEEPS 12
static int sweeps_for(double rho, double q, double res, double tol)
{
    double k = 3;
    if (q > 0 && q < 1 && res > tol && tol > 0)
        k = ceil(log(tol / res) / log(q)) + 1;
    else if (rho > 0 && rho < 1)
        k = ceil(log(0.05) / (2.0 * log(rho)));
    return k < 2 ? 2 : k > SD_FIELDS_MAX_SWEEPS ? SD_FIELDS_MAX_SWEEPS : (int)k;
}

/* Solve (alpha0 + alpha1 a) u - c0 lap_h u = bu u_old + bq q. */
static int mg_solve(sd_fields *f, double *u, const double *a, const double *q, double alpha0,
                    double alpha1, double c0, double bu, double bq, sd_fields_stats *st)
{
    mg_level *L0 = &f->lev[0];
    const sd_box *b0 = L0->box;
    sd_fields_stats s = {0, 0, 0, 0, 0, 0};
    if (st) *st = s; /* defined on every return */

    /* Coefficients of every level. */
    for (int d = 0; d < b0->dim; d++)
        for (int i = 0; i < b0->ln[d]; i++) {
            f->cm0[d][i] = c0 * L0->gm[d][i];
            f->cp0[d][i] = c0 * L0->gp[d][i];
        }
    for (int l = 0; l < f->nl; l++) {
        mg_level *L = &f->lev[l];
        for (int d = 0; d < b0->dim; d++)
            for (int i = 0; i < L->box->ln[d]; i++) {
                L->cm[d][i] = (float)(c0 * L->gm[d][i]);
                L->cp[d][i] = (float)(c0 * L->gp[d][i]);
            }
        for (int d = 0; d < b0->dim; d++) L->st.u[d] = (float)(c0 * L->gu[d]);
    }
    /* Level 0: the right-hand side, the diagonals (and alpha in single
     * precision into r for the coarse levels), their checks. */
    int bad = 0;
    /* Jacobi's contraction bound for the lowest modes: with it small, plain
     * sweeps on level 0 beat a cycle (a red-black sweep shrinks them by about
     * rho^2), and the hierarchy is not needed. */
    double rho = 2.0 * b0->dim * c0 / (alpha0 + 2.0 * b0->dim * c0);
    int sweeps_only = rho <= f->o.sweeps_rho;
    double dmax = 0;
    /* Without a(x) alpha is the same everywhere and the double diagonal
     * need not be stored: the residual computes it (as the set-up would). */
    f->dg = a ? f->diag0 : NULL;
    f->al = alpha0 + alpha1 * 0.0;
    double bmax = sd_mg_setup0(&f->st0, &L0->st, u, a, q, alpha0, alpha1, bu, bq, f->zrow,
                               f->b0, a ? f->diag0 : NULL, L0->r, L0->diag, L0->idiag, &dmax,
                               &bad);
    double red[3] = {bmax, dmax, bad};
    SD_CALL(sd_grid_max(L0->g, red, 3));
    if (red[2] != 0)
        return sd_error(SD_ERR_INPUT,
                        "fields: the extra decay a(x) must be finite and >= 0, and the "
                        "source q(x) and the old field finite, on every site");
    bmax = red[0];
    dmax = red[1];
    s.rhs_norm = bmax;
    if (bmax == 0) {
        /* The solution is exactly zero. */
        for (int k = 0; k < b0->ln[2]; k++)
            for (int j = 0; j < b0->ln[1]; j++)
                memset(u + sd_box_idx(b0, 0, j, k), 0, sizeof(double) * (size_t)b0->ln[0]);
        SD_CALL(sd_halo_exchange(f->hmirror, u));
        if (st) *st = s;
        return SD_OK;
    }
    /* Operators of the coarse levels: alpha restricted as volume-weighted
     * means. */
    for (int l = 0; l + 1 < f->nl && !sweeps_only; l++) {
        mg_level *L = &f->lev[l], *C = &f->lev[l + 1];
        if (l > 0) sd_mg_diag_f(&L->st, L->r, L->diag, L->idiag);
        SD_CALL(sd_halo_exchange(L->hc, L->r));
        SD_CALL(restrict_to(f, l, L->r, C->r));
    }
    mg_level *C = &f->lev[f->nl - 1];
    if (!sweeps_only) {
        if (f->nl > 1) sd_mg_diag_f(&C->st, C->r, C->diag, C->idiag);
        if (sd_mg_lu_factor(&C->st, C->box->periodic, C->diag, C->lu))
            return sd_error(SD_ERR_MODEL, "fields: the coarsest multigrid operator is "
                                          "singular or not finite");
    }
    /* The residual is scaled by a power of two (exact both ways) that
     * brings the right-hand side to [1, 2): single precision then neither
     * underflows nor overflows for any field's units. */
    double scale = ldexp(1.0, -ilogb(bmax));

    /* Iterate on u.  Its zero-flux wall ghosts are zeroed once (they hold
     * the mirrored values of the last solve, and are multiplied by zero
     * coefficients: they only need to be finite). */
    SD_CALL(sd_halo_exchange(f->hzero, u));
    double v[2], qsw = 0; /* the residual's measured shrinking per sweep */
    int nsw = 0;
    int rc = residual0(f, u, scale, 1, &v[0], &v[1]);
    if (!rc) rc = sd_grid_max(L0->g, v, 2);
    if (!rc) {
        s.res0_norm = s.res_norm = v[0];
        /* Round-off floor: |r| cannot drop much below eps ||A|| ||u||, and
         * ||A||_max <= 2 max diag. */
        double rfloor = 16 * DBL_EPSILON * 2 * dmax * v[1];
        s.tol = f->o.rtol * bmax > rfloor ? f->o.rtol * bmax : rfloor;
        while (!rc && !(s.res_norm <= s.tol)) {
            if (!isfinite(s.res_norm)) {
                rc = sd_error(SD_ERR_MODEL,
                              "fields: multigrid diverged: residual not finite after %d "
                              "cycles",
                              s.cycles);
                break;
            }
            if (s.cycles >= f->o.max_cycles) {
                rc = sd_error(SD_ERR_MODEL,
                              "fields: multigrid did not converge in %d cycles: residual "
                              "%.3g > tolerance %.3g (rtol %.3g x right-hand side %.3g); "
                              "raise max_cycles or rtol",
                              s.cycles, s.res_norm, s.tol, f->o.rtol, bmax);
                break;
            }
            double res_before = s.res_norm;
            if (sweeps_only) {
                nsw = sweeps_for(rho, qsw, s.res_norm, s.tol);
                rc = sweeps(L0, nsw, 1);
                s.sweeps += nsw;
            } else {
                rc = vcycle(f, 0);
            }
            s.cycles++;
            if (!rc && !L0->exch) {
                v[1] = 0;
                v[0] = sd_mg_correct_residual(&f->st0, b0, u, L0->x, f->b0, f->dg, f->al, scale,
                                              L0->b, &v[1]);
            } else if (!rc) {
                sd_mg_correct(b0, u, L0->x, scale);
                rc = residual0(f, u, scale, 0, &v[0], &v[1]);
            }
            if (!rc) rc = sd_grid_max(L0->g, v, 2);
            if (!rc) {
                s.res_norm = v[0];
                if (sweeps_only && res_before > 0) qsw = pow(v[0] / res_before, 1.0 / nsw);
                rfloor = 16 * DBL_EPSILON * 2 * dmax * v[1];
                if (rfloor > s.tol) s.tol = rfloor;
            }
        }
    }
    f->total_cycles += s.cycles;
    if (!rc) rc = sd_halo_exchange(f->hmirror, u);
    if (st) *st = s;
    return rc;
}

static int check_u(const sd_fields *f, const double *u)
{
    if (!f) return sd_error(SD_ERR_INPUT, "fields: no solver");
    if (!u) return sd_error(SD_ERR_INPUT, "fields: no field array");
    return SD_OK;
}

int sd_fields_step(sd_fields *f, double *u, const double *a, const double *q,
                   double lambda, double D, double dt, sd_fields_stats *st)
{
    if (st) memset(st, 0, sizeof *st);
    SD_CALL(check_u(f, u));
    if (!(lambda > 0) || !isfinite(lambda))
        return sd_error(SD_ERR_INPUT, "fields step: decay rate lambda = %g: must be > 0", lambda);
    if (!(D >= 0) || !isfinite(D))
        return sd_error(SD_ERR_INPUT, "fields step: diffusivity D = %g: must be >= 0", D);
    if (!(dt > 0) || !isfinite(dt))
        return sd_error(SD_ERR_INPUT, "fields step: time step dt = %g: must be > 0", dt);
    double dx = f->g->box.dx, ldt = lambda * dt;
    double c0 = D * dt / (dx * dx);
    if (!isfinite(c0) || !isfinite(1 + ldt))
        return sd_error(SD_ERR_INPUT, "fields step: D dt / dx^2 = %g is out of range", c0);
    return mg_solve(f, u, a, q, 1.0 + ldt, ldt, c0, 1.0, ldt, st);
}

int sd_fields_steady(sd_fields *f, double *u, const double *a, const double *q,
                     double lambda, double D, sd_fields_stats *st)
{
    if (st) memset(st, 0, sizeof *st);
    SD_CALL(check_u(f, u));
    if (!(lambda > 0) || !isfinite(lambda))
        return sd_error(SD_ERR_INPUT, "fields steady: decay rate lambda = %g: must be > 0",
                        lambda);
    if (!(D >= 0) || !isfinite(D))
        return sd_error(SD_ERR_INPUT, "fields steady: diffusivity D = %g: must be >= 0", D);
    double dx = f->g->box.dx;
    double c0 = D / lambda / (dx * dx);
    if (!isfinite(c0))
        return sd_error(SD_ERR_INPUT, "fields steady: (L / dx)^2 = %g is out of range", c0);
    return mg_solve(f, u, a, q, 1.0, 1.0, c0, 0.0, 1.0, st);
}
