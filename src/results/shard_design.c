/* sendrift: what a result file says about its design and outputs, read
 * from the file alone (see include/sendrift/shard.h): the swept parameters
 * from /design/params and /design/choices, the summaries from /summary.
 *
 * Strings are read in any of the forms a result file has held or a
 * netCDF-4 writer makes: variable-length strings, fixed-length strings, and
 * 2-D arrays of one-byte strings (netCDF's char arrays, one row a string).
 */
#include "sendrift/shard.h"

#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "resultsimpl.h"
#include "sendrift/error.h"

struct sd_shard_design {
    const char *path;            /* the shard reader's: borrowed            */
    hid_t file;                  /* the shard reader's open file: borrowed  */
    size_t n_params;
    sd_shard_param *params;
    char **names;                /* n_params parameter names (owned)        */
    char ***choices;             /* per parameter: its choices, or NULL     */
    sd_layout outputs;
    sd_metric_def *summary;      /* outputs.summary, its names owned        */
    size_t cap_summary;
};

static void sd_strings_free(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

/* A copy of the first n bytes of s up to its first NUL, without the spaces
 * a space-padded string ends with. */
static char *sd_string_copy(const char *s, size_t n, int spacepad)
{
    size_t len = strnlen(s, n);
    while (spacepad && len > 0 && s[len - 1] == ' ') len--;
    char *c = sd_malloc(len + 1, "a string of a result file");
    if (!c) return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

/* The strings of the attribute or dataset id (is_attr says which), *n of
 * them, each in its own allocation.  0; -1 without a message when the
 * object holds no strings of a known form (the caller names what it
 * lacked); -2 when an allocation failed (recorded as SD_ERR_NOMEM). */
static int sd_read_strings(hid_t id, int is_attr, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t t = is_attr ? H5Aget_type(id) : H5Dget_type(id);
    hid_t sp = is_attr ? H5Aget_space(id) : H5Dget_space(id);
    hid_t mt = -1;
    int rc = -1, nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t dims[2] = {0, 0};
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t < 0 || nd < 0 || nd > 2 || np < 0 || H5Tget_class(t) != H5T_STRING) goto done;
    if (nd > 0 && H5Sget_simple_extent_dims(sp, dims, NULL) < 0) goto done;
    htri_t vl = H5Tis_variable_str(t);
    size_t size = H5Tget_size(t);
    /* A 2-D array of one-byte strings holds one string per row. */
    size_t count = nd == 2 ? (size_t)dims[0] : (size_t)np;
    size_t width = nd == 2 ? (size_t)dims[1] : size;
    if (vl < 0 || (nd == 2 && (vl || size != 1))) goto done;
    char **s = sd_calloc(count + 1, sizeof *s, "strings of a result file");
    if (!s) {
        rc = -2;
        goto done;
    }
    if (vl) {
        mt = sd_h5_vlstr_type();
        char **v = sd_calloc(count + 1, sizeof *v, "strings of a result file");
        herr_t st = !v || mt < 0 ? -1
                    : is_attr    ? H5Aread(id, mt, v)
                                 : H5Dread(id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        for (size_t i = 0; st >= 0 && i < count; i++)
            if (!(s[i] = sd_string_copy(v[i] ? v[i] : "", SIZE_MAX, 0))) st = -2;
        if (v && count && st != -1) (void)H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
        free(v);
        rc = st >= 0 ? 0 : st == -2 ? -2 : -1;
    } else {
        int spacepad = H5Tget_strpad(t) == H5T_STR_SPACEPAD;
        mt = H5Tcopy(t);
        char *raw = sd_calloc(count * width + 1, 1, "strings of a result file");
        herr_t st = !raw || mt < 0 ? -1
                    : is_attr      ? H5Aread(id, mt, raw)
                                   : H5Dread(id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
        for (size_t i = 0; st >= 0 && i < count; i++)
            if (!(s[i] = sd_string_copy(raw + i * width, width, spacepad))) st = -2;
        free(raw);
        rc = st >= 0 ? 0 : st == -2 ? -2 : -1;
    }
    if (rc == 0) {
        *out = s;
        *n = count;
    } else {
        sd_strings_free(s, count);
    }
done:
    (void)sd_h5_close(mt);
    (void)sd_h5_close(sp);
    (void)sd_h5_close(t);
    (void)H5Eclear2(H5E_DEFAULT); /* the caller says what it lacked */
    return rc;
}

/* The choices of parameter k, from /design/choices/<name>. */
static int sd_design_read_choices(sd_shard_design *d, size_t k)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SD_G_CHOICES, d->names[k]);
    hid_t ds = H5Lexists(d->file, SD_G_CHOICES, H5P_DEFAULT) > 0 &&
                       H5Lexists(d->file, path, H5P_DEFAULT) > 0
                   ? H5Dopen2(d->file, path, H5P_DEFAULT)
                   : -1;
    size_t n = 0;
    int st = ds < 0 ? -1 : sd_read_strings(ds, 0, &d->choices[k], &n);
    (void)sd_h5_close(ds);
    (void)H5Eclear2(H5E_DEFAULT);
    if (st == -2) return SD_ERR_NOMEM;
    if (st < 0 || n == 0)
        return sd_error(SD_ERR_INPUT,
                        "%s: parameter %s is categorical, but /%s holds no list of its choices",
                        d->path, d->names[k], path);
    d->params[k].choices = (const char *const *)d->choices[k];
    d->params[k].n_choices = n;
    return SD_OK;
}

/* The parameters: the names and kinds attributes of /design/params. */
static int sd_design_read_params(sd_shard_design *d)
{
    hid_t ds = H5Lexists(d->file, SD_G_DESIGN, H5P_DEFAULT) > 0 &&
                       H5Lexists(d->file, SD_D_PARAMS, H5P_DEFAULT) > 0
                   ? H5Dopen2(d->file, SD_D_PARAMS, H5P_DEFAULT)
                   : -1;
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hsize_t dims[2] = {0, 0};
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (nd == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) < 0) nd = -1;
    (void)sd_h5_close(sp);
    hid_t an = ds >= 0 && H5Aexists(ds, "names") > 0 ? H5Aopen(ds, "names", H5P_DEFAULT) : -1;
    hid_t ak = ds >= 0 && H5Aexists(ds, "kinds") > 0 ? H5Aopen(ds, "kinds", H5P_DEFAULT) : -1;
    char **kinds = NULL;
    size_t n = 0, nk = 0;
    int st = an < 0 ? -1 : sd_read_strings(an, 1, &d->names, &n);
    int stk = ak < 0 ? -1 : sd_read_strings(ak, 1, &kinds, &nk);
    (void)sd_h5_close(an);
    (void)sd_h5_close(ak);
    (void)sd_h5_close(ds);
    (void)H5Eclear2(H5E_DEFAULT);
    d->n_params = n;
    int rc = SD_OK;
    if (st == -2 || stk == -2) {
        rc = SD_ERR_NOMEM;
    } else if (ds < 0 || nd != 2) {
        rc = sd_error(SD_ERR_INPUT,
                      "%s: has no 2-D dataset /%s: not a complete sendrift result file", d->path,
                      SD_D_PARAMS);
    } else if (st < 0 || n != dims[1] || (stk == 0 && nk != n)) {
        rc = sd_error(SD_ERR_INPUT,
                      "%s: /%s has %llu columns but its attribute names does not name them",
                      d->path, SD_D_PARAMS, (unsigned long long)dims[1]);
    } else {
        d->params = sd_calloc(n + 1, sizeof *d->params, "parameters");
        d->choices = sd_calloc(n + 1, sizeof *d->choices, "parameters");
        if (!d->params || !d->choices) rc = SD_ERR_NOMEM;
    }
    for (size_t k = 0; k < n && rc == SD_OK; k++) {
        d->params[k].name = d->names[k];
        /* Without kinds (a file before they were written), a parameter
         * with a list of choices is categorical. */
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SD_G_CHOICES, d->names[k]);
        int categorical = stk == 0 ? strcmp(kinds[k], "choices") == 0
                                   : H5Lexists(d->file, SD_G_CHOICES, H5P_DEFAULT) > 0 &&
                                         H5Lexists(d->file, path, H5P_DEFAULT) > 0;
        (void)H5Eclear2(H5E_DEFAULT);
        if (categorical) rc = sd_design_read_choices(d, k);
    }
    sd_strings_free(kinds, nk);
    return rc;
}

/* H5Literate callback: keep each 1-D dataset of /summary that is not a
 * dimension scale (a netCDF-4 coordinate) as a summary. */
static herr_t sd_design_summary_one(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    sd_shard_design *d = data;
    (void)info;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    int keep = 0;
    if (o >= 0 && H5Iget_type(o) == H5I_DATASET && H5Aexists(o, "CLASS") <= 0) {
        hid_t sp = H5Dget_space(o);
        keep = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1;
        (void)sd_h5_close(sp);
    }
    (void)sd_h5_close(o);
    (void)H5Eclear2(H5E_DEFAULT);
    if (!keep) return 0;
    if (d->outputs.n_summary == d->cap_summary) {
        size_t cap = d->cap_summary ? 2 * d->cap_summary : 8;
        sd_metric_def *m = realloc(d->summary, cap * sizeof *m);
        if (!m) return -1;
        d->summary = m;
        d->cap_summary = cap;
    }
    char *copy = sd_strdup(name);
    if (!copy) return -1;
    d->summary[d->outputs.n_summary++] = (sd_metric_def){copy, NULL, NULL};
    d->outputs.summary = d->summary;
    return 0;
}

static int sd_design_read_summary(sd_shard_design *d)
{
    if (H5Lexists(d->file, SD_G_SUMMARY, H5P_DEFAULT) <= 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_INPUT, "%s: has no group /%s: not a complete sendrift result file",
                        d->path, SD_G_SUMMARY);
    }
    hid_t g = H5Gopen2(d->file, SD_G_SUMMARY, H5P_DEFAULT);
    /* Creation order is the model's order of its summaries; a file that
     * does not track it is read in name order. */
    hsize_t at = 0;
    herr_t st = g < 0 ? -1
                      : H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &at,
                                   sd_design_summary_one, d);
    if (g >= 0 && st < 0 && d->outputs.n_summary == 0) {
        at = 0;
        (void)H5Eclear2(H5E_DEFAULT);
        st = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &at, sd_design_summary_one, d);
    }
    st = sd_h5_close_into(st, g);
    if (st < 0) return sd_h5_error(d->path, "listing /" SD_G_SUMMARY);
    return SD_OK;
}

int sd_shard_design_open(sd_shard *sh, sd_shard_design **out)
{
    *out = NULL;
    sd_shard_design *d = sd_calloc(1, sizeof *d, "a result file's design");
    if (!d) return SD_ERR_NOMEM;
    /* The file the shard reader has open (and its error printing off). */
    d->path = sd_shard_path(sh);
    d->file = sd_shard_hid(sh);
    int rc = sd_design_read_params(d);
    if (rc == SD_OK) rc = sd_design_read_summary(d);
    if (rc != SD_OK) {
        (void)sd_shard_design_close(&d);
        return rc;
    }
    *out = d;
    return SD_OK;
}

int sd_shard_design_close(sd_shard_design **dp)
{
    sd_shard_design *d = *dp;
    *dp = NULL;
    if (!d) return SD_OK;
    for (size_t k = 0; d->choices && k < d->n_params; k++)
        sd_strings_free(d->choices[k], d->params[k].n_choices);
    free(d->choices);
    sd_strings_free(d->names, d->n_params);
    free(d->params);
    for (size_t i = 0; i < d->outputs.n_summary; i++) free((char *)d->summary[i].name);
    free(d->summary);
    free(d);
    return SD_OK;
}

const sd_shard_param *sd_shard_design_params(const sd_shard_design *d, size_t *n)
{
    *n = d->n_params;
    return d->params;
}

const sd_layout *sd_shard_design_outputs(const sd_shard_design *d) { return &d->outputs; }

/* Rows [row0, row0 + n) of the dataset name of /design (ncols columns;
 * rank 1 or 2). */
static int sd_design_read(sd_shard_design *d, const char *name, hid_t memtype, uint64_t row0,
                          uint64_t n, hsize_t ncols, int rank, void *buf)
{
    hid_t ds = H5Dopen2(d->file, name, H5P_DEFAULT);
    herr_t st = ds < 0 ? -1 : sd_read_rows(ds, memtype, row0, n, ncols, rank, buf);
    st = sd_h5_close_into(st, ds);
    if (st < 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return sd_error(SD_ERR_INPUT, "%s: reading rows %llu..%llu of /%s failed", d->path,
                        (unsigned long long)row0, (unsigned long long)(row0 + n - 1), name);
    }
    return SD_OK;
}

int sd_shard_design_read_rows(sd_shard_design *d, uint64_t row0, uint64_t n, uint64_t *point,
                              uint64_t *replicate, double *params)
{
    SD_CALL(sd_design_read(d, SD_D_POINT, H5T_NATIVE_UINT64, row0, n, 1, 1, point));
    SD_CALL(sd_design_read(d, SD_D_REPLICATE, H5T_NATIVE_UINT64, row0, n, 1, 1, replicate));
    if (d->n_params)
        SD_CALL(sd_design_read(d, SD_D_PARAMS, H5T_NATIVE_DOUBLE, row0, n, d->n_params, 2, params));
    return SD_OK;
}
