/* sendrift: the XDMF files beside a result file with snapshots, so that
 * ParaView and VisIt open them (see docs/output-format.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resultsimpl.h"
#include "sendrift/error.h"

/* Where a run's temporal collection starts and ends in the XDMF text; the
 * per-run files are cut from it there (sd_results_xdmf_write). */
#define SD_XDMF_RUN_OPEN "\n  <Grid Name=\"run_"
#define SD_XDMF_RUN_CLOSE "\n  </Grid>\n"
#define SD_XDMF_TAIL " </Domain>\n</Xdmf>\n"

/* text with XML's five special characters escaped, for an attribute value
 * or element text; "--" is broken up too, so it may stand in a comment. */
static void sd_xml_escape(FILE *f, const char *text)
{
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '-': fputs(c[1] == '-' ? "-&#45;" : "-", f); c += c[1] == '-'; break;
        default: fputc(*c, f);
        }
    }
}

void sd_results_xdmf_name(const char *path, char *xmf, size_t n)
{
    snprintf(xmf, n, "%s", path);
    char *dot = strrchr(xmf, '.');
    char *slash = strrchr(xmf, '/');
    if (dot && (!slash || dot > slash)) *dot = '\0';
    strncat(xmf, ".xmf", n - strlen(xmf) - 1);
}

/* The XDMF file of one run: path's XDMF name with ".run_<run>" before
 * ".xmf" (results.h5: results.run_3.xmf). */
static void sd_results_xdmf_run_name(const char *path, unsigned long long run, char *xmf,
                                     size_t n)
{
    sd_results_xdmf_name(path, xmf, n);
    size_t len = strlen(xmf);
    if (len >= 4) xmf[len - 4] = '\0';
    size_t used = strlen(xmf);
    snprintf(xmf + used, n - used, ".run_%llu.xmf", run);
}

/* The shortest decimal form of t that reads back as t (times are few and
 * distinct: grid names must tell them apart). */
static void sd_xdmf_number(double t, char *buf, size_t n)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, t);
        if (strtod(buf, NULL) == t) return;
    }
}

/* The word a grid name gives the time in: "day" for days, "time" for any
 * other unit. */
static const char *sd_xdmf_time_word(const char *unit)
{
    return unit && strcmp(unit, "d") == 0 ? "day" : "time";
}

/* The XDMF text for the result file path, so that ParaView and VisIt open the
 * snapshots: one temporal collection per run, named run_<run>, whose grids
 * are named for their time (run_0_day_240), cell-centred attributes.  A 2-D
 * lattice is written as a 3-D one a single point layer thick, at z = 0: the
 * XDMF readers of VTK and ParaView put a 2DCoRectMesh in the y-z plane.  NULL
 * in *out when the sweep has no snapshots. */
int sd_results_xdmf_text(const char *path, const sd_plan *p, char **out)
{
    const sd_sweep *s = sd_plan_sweep(p);
    const sd_layout *l = sd_plan_layout(p);
    const size_t *idx = sd_plan_snapshot_indices(p);
    *out = NULL;
    if (!s->n_snap_runs || !l->n_snapfields) return SD_OK;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int rc = SD_OK;
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    if (!f) rc = sd_error(SD_ERR_NOMEM, "out of memory for the XDMF file");
    if (f) {
        int three = l->snap_dim == 3;
        int nz = three ? l->snap_n[2] : 0;
        /* The points (one more than the cells along each axis, one layer in
         * z in 2-D) and the attributes' shape, that of the datasets. */
        char pts[96], cells[96];
        snprintf(pts, sizeof pts, "%d %d %d", nz + 1, l->snap_n[1] + 1, l->snap_n[0] + 1);
        if (three)
            snprintf(cells, sizeof cells, "%d %d %d", nz, l->snap_n[1], l->snap_n[0]);
        else
            snprintf(cells, sizeof cells, "%d %d", l->snap_n[1], l->snap_n[0]);
        const char *word = sd_xdmf_time_word(l->time_unit);
        fprintf(f, "<?xml version=\"1.0\" ?>\n<!-- written by sendrift for ");
        sd_xml_escape(f, base);
        fprintf(f, ": the snapshots of ");
        sd_xml_escape(f, s->name);
        fprintf(f, "; open this file, or one run's file beside it, in ParaView or VisIt -->\n");
        fprintf(f, "<Xdmf Version=\"3.0\">\n <Domain>\n");
        for (size_t i = 0; i < s->n_snap_runs; i++) {
            unsigned long long run = (unsigned long long)s->snap_runs[i];
            fputs(&SD_XDMF_RUN_OPEN[1], f); /* without its leading newline */
            fprintf(f, "%llu\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
                    run);
            for (size_t j = 0; j < s->n_snap_times; j++) {
                char t[32];
                sd_xdmf_number(l->times[idx[j]], t, sizeof t);
                fprintf(f, "   <Grid Name=\"run_%llu_%s_%s\" GridType=\"Uniform\">\n", run, word, t);
                fprintf(f, "    <Time Value=\"%.17g\"/>\n", l->times[idx[j]]);
                fprintf(f, "    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%s\"/>\n", pts);
                fprintf(f, "    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n");
                fprintf(f, "     <DataItem Format=\"XML\" Dimensions=\"3\">0 0 0</DataItem>\n");
                fprintf(f, "     <DataItem Format=\"XML\" Dimensions=\"3\">%.17g %.17g %.17g</DataItem>\n",
                        l->snap_dx, l->snap_dx, l->snap_dx);
                fprintf(f, "    </Geometry>\n");
                for (size_t k = 0; k < l->n_snapfields; k++) {
                    const sd_snapfield_def *sf = &l->snapfields[k];
                    int u8 = sf->type == SD_SNAP_U8;
                    fprintf(f, "    <Attribute Name=\"");
                    sd_xml_escape(f, sf->name);
                    fprintf(f, "\" AttributeType=\"Scalar\" Center=\"Cell\">\n");
                    fprintf(f, "     <DataItem Format=\"HDF\" NumberType=\"%s\" Precision=\"%d\" "
                               "Dimensions=\"%s\">",
                            u8 ? "UChar" : "Float", u8 ? 1 : 8, cells);
                    sd_xml_escape(f, base);
                    fprintf(f, ":/" SD_G_SNAPSHOTS "/" SD_G_SNAP_RUN "/" SD_G_SNAP_TIME "/", run, idx[j]);
                    sd_xml_escape(f, sf->name);
                    fprintf(f, "</DataItem>\n    </Attribute>\n");
                }
                fprintf(f, "   </Grid>\n");
            }
            fprintf(f, "  </Grid>\n");
        }
        fputs(SD_XDMF_TAIL, f);
        if (fclose(f) != 0) rc = sd_error(SD_ERR_NOMEM, "out of memory for the XDMF file");
    }
    if (rc != SD_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Write the n bytes of each of the k parts into the file xmf. */
static int sd_xdmf_put(const char *xmf, const char *const *part, const size_t *n, int k)
{
    FILE *f = fopen(xmf, "w");
    if (!f) return sd_error(SD_ERR_IO, "%s: cannot write: %s", xmf, strerror(errno));
    int bad = 0;
    for (int i = 0; i < k; i++) bad |= fwrite(part[i], 1, n[i], f) != n[i];
    if (fclose(f) != 0 || bad) return sd_error(SD_ERR_IO, "%s: write failed: %s", xmf, strerror(errno));
    return SD_OK;
}

/* The text of the XDMF file xmf when sendrift wrote it (NULL otherwise, or
 * when it cannot be read): its runs' files are sendrift's to replace. */
static char *sd_xdmf_read(const char *xmf)
{
    FILE *f = fopen(xmf, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0, got;
    char buf[8192];
    FILE *m = open_memstream(&text, &len);
    while (m && (got = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, got, m);
    int bad = ferror(f);
    fclose(f);
    if (!m || fclose(m) != 0 || bad || !strstr(text, "<!-- written by sendrift for ")) {
        free(text);
        return NULL;
    }
    return text;
}

/* The next run's temporal collection in an XDMF text from from on (the
 * text, or the newline that ends the run before): where it starts, or NULL
 * when there is none; where it ends (past its closing line) and its run. */
static const char *sd_xdmf_next_run(const char *from, const char **end, unsigned long long *id)
{
    const char *open = from ? strstr(from, SD_XDMF_RUN_OPEN) : NULL;
    const char *close = open ? strstr(open, SD_XDMF_RUN_CLOSE) : NULL;
    if (!close) return NULL;
    *end = close + strlen(SD_XDMF_RUN_CLOSE);
    *id = strtoull(open + strlen(SD_XDMF_RUN_OPEN), NULL, 10);
    return open + 1;
}

/* Whether the XDMF text (may be NULL) has the run id. */
static int sd_xdmf_has_run(const char *text, unsigned long long id)
{
    const char *end = text;
    unsigned long long k;
    for (const char *at = text; sd_xdmf_next_run(at, &end, &k); at = end - 1)
        if (k == id) return 1;
    return 0;
}

/* Remove the runs' files beside path that the XDMF text old lists and the
 * text keep (may be NULL) does not. */
static void sd_xdmf_unlink_runs(const char *path, const char *old, const char *keep)
{
    char xmf[4200];
    const char *end = old;
    unsigned long long id;
    for (const char *at = old; sd_xdmf_next_run(at, &end, &id); at = end - 1) {
        if (sd_xdmf_has_run(keep, id)) continue;
        sd_results_xdmf_run_name(path, id, xmf, sizeof xmf);
        unlink(xmf);
    }
}

/* Write the XDMF text (if any) beside the result file path (rank 0), and
 * one file per run (path.run_<run>.xmf) with that run alone: ParaView's
 * default XDMF readers (Xdmf3ReaderS and T) take the runs of one file for
 * pieces of a single data set, drawn on top of each other, with no choice
 * among them; a run's own file is one data set with its times.  The files
 * of runs that an older XDMF file there listed, and this one does not, go. */
int sd_results_xdmf_write(const char *path, const char *text)
{
    if (!text) return SD_OK;
    char xmf[4200];
    sd_results_xdmf_name(path, xmf, sizeof xmf);
    char *old = sd_xdmf_read(xmf);
    const char *all[1] = {text};
    size_t all_n[1] = {strlen(text)};
    int rc = sd_xdmf_put(xmf, all, all_n, 1);
    /* The runs' files: the header, one run's collection, the tail. */
    const char *run, *end = text, *first = NULL;
    unsigned long long id;
    for (const char *at = text; rc == SD_OK && (run = sd_xdmf_next_run(at, &end, &id)); at = end - 1) {
        if (!first) first = run;
        sd_results_xdmf_run_name(path, id, xmf, sizeof xmf);
        const char *part[3] = {text, run, SD_XDMF_TAIL};
        size_t n[3] = {(size_t)(first - text), (size_t)(end - run), strlen(SD_XDMF_TAIL)};
        rc = sd_xdmf_put(xmf, part, n, 3);
    }
    if (rc == SD_OK && old) sd_xdmf_unlink_runs(path, old, text);
    free(old);
    return rc;
}

void sd_results_xdmf_remove(const char *path)
{
    char xmf[4200];
    sd_results_xdmf_name(path, xmf, sizeof xmf);
    char *old = sd_xdmf_read(xmf);
    if (old) sd_xdmf_unlink_runs(path, old, NULL);
    free(old);
    unlink(xmf);
}

int sd_results_xdmf_move(const char *from, const char *to)
{
    char xmf[4200];
    sd_results_xdmf_name(from, xmf, sizeof xmf);
    char *text = sd_xdmf_read(xmf);
    if (!text) return SD_OK;
    /* The text names from's file (XML-escaped) as to's name plus a suffix,
     * always followed by ':'; dropping the suffix there names to. */
    const char *fb = strrchr(from, '/') ? strrchr(from, '/') + 1 : from;
    const char *tb = strrchr(to, '/') ? strrchr(to, '/') + 1 : to;
    size_t tl = strlen(tb);
    char sfx[128];
    snprintf(sfx, sizeof sfx, "%s:", fb + (strncmp(fb, tb, tl) == 0 ? tl : strlen(fb)));
    size_t sl = strlen(sfx);
    char *w = text;
    for (const char *p = text; sl > 1;) {
        const char *hit = strstr(p, sfx);
        size_t k = hit ? (size_t)(hit - p) : strlen(p) + 1;
        memmove(w, p, k);
        w += k;
        if (!hit) break;
        *w++ = ':';
        p = hit + sl;
    }
    int rc = sd_results_xdmf_write(to, text);
    free(text);
    if (rc == SD_OK) sd_results_xdmf_remove(from);
    return rc;
}
