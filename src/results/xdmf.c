/* sendrift: the XDMF file beside a result file with snapshots, so that
 * ParaView and VisIt open them (see docs/output-format.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resultsimpl.h"
#include "sendrift/error.h"

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

/* The XDMF text for the result file path, so that ParaView and VisIt open the
 * snapshots: one temporal collection per run, cell-centred attributes.  NULL
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
        char pts[96], cells[96], org[64], spc[96];
        if (three) {
            snprintf(pts, sizeof pts, "%d %d %d", l->snap_n[2] + 1, l->snap_n[1] + 1, l->snap_n[0] + 1);
            snprintf(cells, sizeof cells, "%d %d %d", l->snap_n[2], l->snap_n[1], l->snap_n[0]);
            snprintf(org, sizeof org, "0 0 0");
            snprintf(spc, sizeof spc, "%.17g %.17g %.17g", l->snap_dx, l->snap_dx, l->snap_dx);
        } else {
            snprintf(pts, sizeof pts, "%d %d", l->snap_n[1] + 1, l->snap_n[0] + 1);
            snprintf(cells, sizeof cells, "%d %d", l->snap_n[1], l->snap_n[0]);
            snprintf(org, sizeof org, "0 0");
            snprintf(spc, sizeof spc, "%.17g %.17g", l->snap_dx, l->snap_dx);
        }
        fprintf(f, "<?xml version=\"1.0\" ?>\n<!-- written by sendrift for ");
        sd_xml_escape(f, base);
        fprintf(f, ": the snapshots of ");
        sd_xml_escape(f, s->name);
        fprintf(f, "; open this file in ParaView or VisIt -->\n");
        fprintf(f, "<Xdmf Version=\"3.0\">\n <Domain>\n");
        for (size_t i = 0; i < s->n_snap_runs; i++) {
            unsigned long long run = (unsigned long long)s->snap_runs[i];
            fprintf(f, "  <Grid Name=\"run_%llu\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", run);
            for (size_t j = 0; j < s->n_snap_times; j++) {
                fprintf(f, "   <Grid Name=\"run_%llu_t_%zu\" GridType=\"Uniform\">\n", run, idx[j]);
                fprintf(f, "    <Time Value=\"%.17g\"/>\n", l->times[idx[j]]);
                fprintf(f, "    <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n",
                        three ? "3DCoRectMesh" : "2DCoRectMesh", pts);
                fprintf(f, "    <Geometry GeometryType=\"%s\">\n", three ? "ORIGIN_DXDYDZ" : "ORIGIN_DXDY");
                fprintf(f, "     <DataItem Format=\"XML\" Dimensions=\"%d\">%s</DataItem>\n",
                        l->snap_dim, org);
                fprintf(f, "     <DataItem Format=\"XML\" Dimensions=\"%d\">%s</DataItem>\n",
                        l->snap_dim, spc);
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
        fprintf(f, " </Domain>\n</Xdmf>\n");
        if (fclose(f) != 0) rc = sd_error(SD_ERR_NOMEM, "out of memory for the XDMF file");
    }
    if (rc != SD_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Write the XDMF text (if any) beside the result file path (rank 0). */
int sd_results_xdmf_write(const char *path, const char *text)
{
    if (!text) return SD_OK;
    char xmf[4200];
    sd_results_xdmf_name(path, xmf, sizeof xmf);
    FILE *f = fopen(xmf, "w");
    if (!f) return sd_error(SD_ERR_IO, "%s: cannot write: %s", xmf, strerror(errno));
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    if (fclose(f) != 0 || bad) return sd_error(SD_ERR_IO, "%s: write failed: %s", xmf, strerror(errno));
    return SD_OK;
}
