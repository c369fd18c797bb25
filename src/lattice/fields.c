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
 * Cycle: V(pre, post) with red-black Gauss-Seidel; each half-sweep exchanges
 * the faces first and overlaps the exchange with the cells away from the
 * block edge.  No MPI here: halo.c, grid.c (max-norms) and mgcomm.c.  The
 * hierarchy's geometry and transfer operators are built by mggeom.c, and
 * every per-cell loop is a kernel of mgkernels.c (both MPI-free). */
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
    double *x, *b, *r, *diag; /* ghosted; r holds alpha during the setup        */
    double *idiag;            /* 1 / diag                                       */
    double *gm[3], *gp[3];    /* geometric face factors per local index         */
    double *cm[3], *cp[3];    /* c0 * gm, c0 * gp for the current solve         */
    sd_halo *hf, *hc;         /* faces / corners                                */
    sd_mg_stencil st;
    sd_region all, inner, shell[6];
    int nshell;
    /* To the next level. */
    sd_mg_restrict rs;
    int *rc0[3], *rnch[3];
    double *rw[3];
    sd_mg_gather *gather;     /* next level gathered from this split one        */
    /* From the next level. */
    sd_mg_prolong pr;
    int *pidx[3];
    double *pw[3];
    /* Coarsest level. */
    double *lu, *work;
} mg_level;

struct sd_fields {
    const sd_grid *g;
    sd_fields_opts o;
    int nl;
    mg_level *lev;
    sd_halo *hmirror;         /* level 0, zero-flux walls mirrored (output)     */
    long total_cycles;
};

void sd_fields_opts_default(sd_fields_opts *o)
{
    o->rtol = 1e-8;
    o->max_cycles = 50;
    o->pre_smooth = 2;
    o->post_smooth = 2;
    o->coarse_cells = 64;
    o->agglomerate_cells = 0;
    o->overlap = 1;
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
    if (level > 0) {
        free(L->x);
        sd_grid_destroy(&L->g);
    }
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
        free(L->pidx[a]);
        free(L->pw[a]);
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
    sd_halo_destroy(&f->hmirror);
    free(f->lev);
    free(f);
    return SD_OK;
}

/* Local arrays of a level: face factors from the widths. */
static int setup_level_arrays(mg_level *L, const sd_mg_geom *G, int level)
{
    const sd_box *b = L->box;
    if (level > 0) {
        L->x = sd_calloc(b->size, sizeof(double), "multigrid correction");
        if (!L->x) return SD_ERR_NOMEM;
    }
    L->b = sd_calloc(b->size, sizeof(double), "multigrid right-hand side");
    L->r = sd_calloc(b->size, sizeof(double), "multigrid residual");
    L->diag = sd_calloc(b->size, sizeof(double), "multigrid diagonal");
    L->idiag = sd_calloc(b->size, sizeof(double), "multigrid inverse diagonal");
    if (!L->b || !L->r || !L->diag || !L->idiag) return SD_ERR_NOMEM;
    for (int a = 0; a < 3; a++) {
        int ln = b->ln[a];
        L->gm[a] = sd_calloc((size_t)ln, sizeof(double), "multigrid face factors");
        L->gp[a] = sd_calloc((size_t)ln, sizeof(double), "multigrid face factors");
        L->cm[a] = sd_calloc((size_t)ln, sizeof(double), "multigrid coefficients");
        L->cp[a] = sd_calloc((size_t)ln, sizeof(double), "multigrid coefficients");
        if (!L->gm[a] || !L->gp[a] || !L->cm[a] || !L->cp[a]) return SD_ERR_NOMEM;
    }
    sd_mg_face_factors(b, G, L->gm, L->gp);
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
        rc = setup_level_arrays(L, &G[l], l);
        if (!rc) rc = sd_halo_create(L->g, sizeof(double), l == 0 ? SD_HALO_BC_ZERO : 0, &L->hf);
        if (!rc) rc = sd_halo_create(L->g, sizeof(double), SD_HALO_CORNERS, &L->hc);
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
    else sd_fields_opts_default(&o);
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

static void smooth_regions(mg_level *L, const sd_region *R, int n, int colour)
{
    for (int i = 0; i < n; i++) sd_mg_smooth(&L->st, &R[i], colour, L->x, L->b, L->idiag);
}

/* One colour: exchange x's faces, overlapped with the inside of the block. */
static int half_sweep(sd_fields *f, mg_level *L, int colour)
{
    if (!f->o.overlap || L->serial) {
        SD_CALL(sd_halo_exchange(L->hf, L->x));
        smooth_regions(L, &L->all, 1, colour);
        return SD_OK;
    }
    SD_CALL(sd_halo_begin(L->hf, L->x));
    smooth_regions(L, &L->inner, 1, colour);
    SD_CALL(sd_halo_end(L->hf));
    smooth_regions(L, L->shell, L->nshell, colour);
    return SD_OK;
}

/* r = b - A x on the whole block, with x's faces exchanged first.  Returns
 * the local max |r| in *rmax and max |x| in *xmax (when not NULL). */
static int residual(sd_fields *f, mg_level *L, double *rmax, double *xmax)
{
    double rm = 0, xm = 0;
    if (!f->o.overlap || L->serial) {
        SD_CALL(sd_halo_exchange(L->hf, L->x));
        rm = sd_mg_residual(&L->st, &L->all, L->x, L->b, L->diag, L->r, &xm);
    } else {
        SD_CALL(sd_halo_begin(L->hf, L->x));
        rm = sd_mg_residual(&L->st, &L->inner, L->x, L->b, L->diag, L->r, &xm);
        SD_CALL(sd_halo_end(L->hf));
        for (int i = 0; i < L->nshell; i++) {
            double v = sd_mg_residual(&L->st, &L->shell[i], L->x, L->b, L->diag, L->r, &xm);
            rm = (v > rm || isnan(v)) ? v : rm;
        }
    }
    if (rmax) *rmax = rm;
    if (xmax) *xmax = xm;
    return SD_OK;
}

/* Restrict src (a ghosted array of level l, ghosts current) into dst of
 * level l+1, gathering when level l+1 is held whole. */
static int restrict_to(sd_fields *f, int l, const double *src, double *dst)
{
    mg_level *L = &f->lev[l], *C = &f->lev[l + 1];
    if (L->gather) {
        sd_mg_gather *G = L->gather;
        sd_mg_restrict_run(&L->rs, L->box, src, G->send, G->ln[0],
                           (ptrdiff_t)G->ln[0] * G->ln[1], 0);
        return sd_mg_gather_run(G, C->box, dst);
    }
    sd_mg_restrict_run(&L->rs, L->box, src, dst, C->box->sy, C->box->sz, C->box->origin);
    return SD_OK;
}

static int vcycle(sd_fields *f, int l)
{
    mg_level *L = &f->lev[l];
    if (l == f->nl - 1) {
        /* Ghosts are refreshed by the exchange before the prolongation. */
        sd_mg_lu_solve(&L->st, L->lu, L->b, L->x, L->work);
        return SD_OK;
    }
    /* Below level 0 the correction starts from zero: the first red half-
     * sweep then needs no neighbours (and writes the zeros of the black
     * cells); the black half-sweep exchanges first, refreshing the ghosts.
     * Ghosts on walls are never written: they stay 0 from the allocation. */
    if (l > 0 && f->o.pre_smooth == 0) memset(L->x, 0, sizeof(double) * L->box->size);
    for (int s = 0; s < f->o.pre_smooth; s++) {
        if (l > 0 && s == 0)
            sd_mg_smooth_first(&L->st, L->x, L->b, L->idiag);
        else
            SD_CALL(half_sweep(f, L, 0));
        SD_CALL(half_sweep(f, L, 1));
    }
    SD_CALL(residual(f, L, NULL, NULL));
    SD_CALL(sd_halo_exchange(L->hc, L->r));
    mg_level *C = &f->lev[l + 1];
    SD_CALL(restrict_to(f, l, L->r, C->b));
    SD_CALL(vcycle(f, l + 1));
    SD_CALL(sd_halo_exchange(C->hc, C->x));
    sd_mg_prolong_add(&L->pr, L->box, L->x, C->box, C->x);
    for (int s = 0; s < f->o.post_smooth; s++) {
        SD_CALL(half_sweep(f, L, 0));
        SD_CALL(half_sweep(f, L, 1));
    }
    return SD_OK;
}

/* ---- Solve ---------------------------------------------------------------------- */

/* Solve (alpha0 + alpha1 a) u - c0 lap_h u = bu u_old + bq q. */
static int mg_solve(sd_fields *f, double *u, const double *a, const double *q, double alpha0,
                    double alpha1, double c0, double bu, double bq, sd_fields_stats *st)
{
    mg_level *L0 = &f->lev[0];
    const sd_box *b0 = L0->box;
    sd_fields_stats s = {0, 0, 0, 0, 0};
    if (st) *st = s; /* defined on every return */

    /* Coefficients of every level. */
    for (int l = 0; l < f->nl; l++) {
        mg_level *L = &f->lev[l];
        for (int d = 0; d < b0->dim; d++)
            for (int i = 0; i < L->box->ln[d]; i++) {
                L->cm[d][i] = c0 * L->gm[d][i];
                L->cp[d][i] = c0 * L->gp[d][i];
            }
    }
    /* Level 0: alpha (into r), the right-hand side, their checks. */
    int bad = 0;
    double bmax = sd_mg_rhs(b0, u, a, q, alpha0, alpha1, bu, bq, L0->r, L0->b, &bad);
    double dmax = sd_mg_diag(&L0->st, L0->r, L0->diag, L0->idiag);
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
    /* Coarse operators: alpha restricted as volume-weighted means. */
    for (int l = 0; l + 1 < f->nl; l++) {
        mg_level *L = &f->lev[l], *C = &f->lev[l + 1];
        if (l > 0) sd_mg_diag(&L->st, L->r, L->diag, L->idiag);
        SD_CALL(sd_halo_exchange(L->hc, L->r));
        SD_CALL(restrict_to(f, l, L->r, C->r));
    }
    mg_level *C = &f->lev[f->nl - 1];
    if (f->nl > 1) sd_mg_diag(&C->st, C->r, C->diag, C->idiag);
    if (sd_mg_lu_factor(&C->st, C->box->periodic, C->diag, C->lu))
        return sd_error(SD_ERR_MODEL, "fields: the coarsest multigrid operator is singular "
                                      "or not finite");

    /* Iterate.  u is level 0's x. */
    L0->x = u;
    double v[2];
    int rc = residual(f, L0, &v[0], &v[1]);
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
            rc = vcycle(f, 0);
            s.cycles++;
            if (!rc) rc = residual(f, L0, &v[0], &v[1]);
            if (!rc) rc = sd_grid_max(L0->g, v, 2);
            if (!rc) {
                s.res_norm = v[0];
                rfloor = 16 * DBL_EPSILON * 2 * dmax * v[1];
                if (rfloor > s.tol) s.tol = rfloor;
            }
        }
    }
    L0->x = NULL;
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
