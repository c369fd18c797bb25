/* sendrift: a result file as one tidy table (see include/sendrift/export.h).
 *
 * The file is read through include/sendrift/shard.h: the runs (status,
 * attempts, wall time, message) and the summaries with sd_shard, which
 * knows every version of the file's format, the design with
 * sd_shard_design.  Nothing here speaks HDF5.  Rows are read and written
 * a block at a time, so that a sweep of millions of runs takes little
 * memory.
 */
#include "sendrift/export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sendrift/error.h"
#include "sendrift/results.h"
#include "sendrift/shard.h"

#define SD_EXPORT_BLOCK 4096 /* rows read at a time */

static const char *const sd_export_names[] = {"csv", "tsv", "json"};

int sd_export_format_parse(const char *text, sd_export_format *out)
{
    for (int f = SD_EXPORT_CSV; f <= SD_EXPORT_JSON; f++)
        if (strcasecmp(text, sd_export_names[f]) == 0) {
            *out = (sd_export_format)f;
            return SD_OK;
        }
    return sd_error(SD_ERR_INPUT, "--format: unknown format \"%s\" (csv, tsv or json)", text);
}

int sd_export_format_of_name(const char *path, sd_export_format *out)
{
    const char *dot = strrchr(path, '.');
    for (int f = SD_EXPORT_CSV; dot && !strchr(dot, '/') && f <= SD_EXPORT_JSON; f++)
        if (strcasecmp(dot + 1, sd_export_names[f]) == 0) {
            *out = (sd_export_format)f;
            return 1;
        }
    return 0;
}

/* ---- the table writer ------------------------------------------------------ */

typedef struct {
    FILE *f;
    sd_export_format fmt;
    size_t n_cols;
    char **names;            /* the column names                           */
    size_t col;              /* the next field of the row being written     */
    uint64_t rows;           /* rows written                                */
} sd_table;

/* s as a CSV or TSV field: quoted when it holds the separator, a quote, CR
 * or LF, its quotes doubled (RFC 4180). */
static void sd_table_put_delimited(sd_table *t, const char *s)
{
    const char *special = t->fmt == SD_EXPORT_TSV ? "\t\"\r\n" : ",\"\r\n";
    if (!s[strcspn(s, special)]) {
        fputs(s, t->f);
        return;
    }
    putc('"', t->f);
    for (const char *p = s; *p; p++) {
        if (*p == '"') putc('"', t->f);
        putc(*p, t->f);
    }
    putc('"', t->f);
}

/* The length of the valid UTF-8 sequence at s (0: not one).  A run's
 * message is cut at a byte count and may end inside a character. */
static size_t sd_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                          : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    /* No overlong forms, surrogates, or code points past U+10FFFF. */
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void sd_table_put_json(sd_table *t, const char *s)
{
    putc('"', t->f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = sd_utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", t->f);
            p++;
        } else if (*p == '"' || *p == '\\') {
            fprintf(t->f, "\\%c", *p++);
        } else if (*p < 0x20) {
            fprintf(t->f, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, n, t->f);
            p += n;
        }
    }
    putc('"', t->f);
}

static void sd_table_put_str(sd_table *t, const char *s)
{
    if (t->fmt == SD_EXPORT_JSON)
        sd_table_put_json(t, s);
    else
        sd_table_put_delimited(t, s);
}

/* Before a field: the separator, or in JSON the object's punctuation and
 * the field's key. */
static void sd_table_field(sd_table *t)
{
    if (t->fmt != SD_EXPORT_JSON) {
        if (t->col) putc(t->fmt == SD_EXPORT_TSV ? '\t' : ',', t->f);
    } else {
        fputs(t->col ? ", " : t->rows ? ",\n{" : "\n{", t->f);
        sd_table_put_json(t, t->names[t->col]);
        fputs(": ", t->f);
    }
    t->col++;
}

static void sd_table_str(sd_table *t, const char *s)
{
    sd_table_field(t);
    sd_table_put_str(t, s);
}

static void sd_table_u64(sd_table *t, uint64_t v)
{
    sd_table_field(t);
    fprintf(t->f, "%llu", (unsigned long long)v);
}

/* A double in full: the shortest of 15, 16 and 17 significant digits that
 * reads back as v (17 always does); not finite: empty, or null in JSON. */
static void sd_table_num(sd_table *t, double v)
{
    sd_table_field(t);
    if (!isfinite(v)) {
        if (t->fmt == SD_EXPORT_JSON) fputs("null", t->f);
        return;
    }
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, t->f);
}

static void sd_table_end_row(sd_table *t)
{
    fputs(t->fmt == SD_EXPORT_JSON ? "}" : "\n", t->f);
    t->col = 0;
    t->rows++;
}

static void sd_table_header(sd_table *t)
{
    if (t->fmt == SD_EXPORT_JSON) {
        putc('[', t->f);
        return;
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c) putc(t->fmt == SD_EXPORT_TSV ? '\t' : ',', t->f);
        sd_table_put_str(t, t->names[c]);
    }
    putc('\n', t->f);
}

static void sd_table_footer(sd_table *t)
{
    if (t->fmt == SD_EXPORT_JSON) fputs(t->rows ? "\n]\n" : "]\n", t->f);
}

/* ---- the columns ------------------------------------------------------------ */

static const char *const sd_fixed_columns[] = {"run",      "point",        "replicate", "status",
                                               "attempts", "wall_seconds", "message"};
#define SD_N_FIXED (sizeof sd_fixed_columns / sizeof *sd_fixed_columns)

/* Add column name (prefix + name when an earlier column took the name). */
static int sd_table_add(sd_table *t, const char *prefix, const char *name)
{
    int taken = 0;
    for (size_t c = 0; c < t->n_cols && !taken; c++) taken = strcmp(t->names[c], name) == 0;
    size_t len = strlen(prefix) + strlen(name) + 1;
    char *s = sd_malloc(len, "a column name");
    if (!s) return SD_ERR_NOMEM;
    snprintf(s, len, "%s%s", taken ? prefix : "", name);
    t->names[t->n_cols++] = s;
    return SD_OK;
}

/* The columns: the fixed ones (message last), the parameters, the
 * summaries.  The fixed names are taken first, so that a parameter or
 * summary of the same name is the one prefixed. */
static int sd_table_columns(sd_table *t, const sd_shard_param *par, size_t np, const sd_layout *l)
{
    size_t n = SD_N_FIXED + np + l->n_summary;
    t->names = sd_calloc(n + 1, sizeof *t->names, "column names");
    if (!t->names) return SD_ERR_NOMEM;
    for (size_t c = 0; c < SD_N_FIXED; c++) SD_CALL(sd_table_add(t, "", sd_fixed_columns[c]));
    for (size_t k = 0; k < np; k++) SD_CALL(sd_table_add(t, "param.", par[k].name));
    for (size_t k = 0; k < l->n_summary; k++)
        SD_CALL(sd_table_add(t, "summary.", l->summary[k].name));
    /* In row order: message goes after the summaries. */
    char *message = t->names[SD_N_FIXED - 1];
    memmove(&t->names[SD_N_FIXED - 1], &t->names[SD_N_FIXED], (n - SD_N_FIXED) * sizeof *t->names);
    t->names[n - 1] = message;
    return SD_OK;
}

static void sd_table_free(sd_table *t)
{
    for (size_t c = 0; t->names && c < t->n_cols; c++) free(t->names[c]);
    free(t->names);
}

/* ---- reading and writing ---------------------------------------------------- */

typedef struct {
    const char *in;
    sd_shard *sh;
    sd_shard_design *design;
    const sd_shard_param *par;
    size_t np;
    const sd_layout *outputs;
    uint64_t rows;
    /* one block of rows */
    sd_shard_runs runs;
    uint64_t *point, *replicate;
    double *params;          /* SD_EXPORT_BLOCK x np                        */
    double *summary;         /* n_summary x SD_EXPORT_BLOCK                 */
} sd_export_ctx;

static const char *const sd_status_names[] = {"PENDING", "DONE", "FAILED"};

/* Write the rows [row0, row0 + n) read into x. */
static int sd_export_rows(sd_export_ctx *x, sd_table *t, uint64_t row0, uint64_t n,
                          sd_export_report *rep)
{
    for (uint64_t i = 0; i < n; i++) {
        uint8_t st = x->runs.status[i];
        if (st > SD_RUN_FAILED)
            return sd_error(SD_ERR_INPUT, "%s: row %llu has status %u, not one of 0 (PENDING), "
                                          "1 (DONE), 2 (FAILED)",
                            x->in, (unsigned long long)(row0 + i), st);
        rep->done += st == SD_RUN_DONE;
        rep->failed += st == SD_RUN_FAILED;
        rep->pending += st == SD_RUN_PENDING;
        sd_table_u64(t, sd_shard_row_run(x->sh, row0 + i));
        sd_table_u64(t, x->point[i]);
        sd_table_u64(t, x->replicate[i]);
        sd_table_str(t, sd_status_names[st]);
        sd_table_u64(t, x->runs.attempts[i]);
        /* A run not DONE has no values yet, whatever the file holds: a run
         * being written (its status comes last) or one abandoned (its wall
         * time so far). */
        sd_table_num(t, st == SD_RUN_PENDING ? NAN : x->runs.wall_seconds[i]);
        for (size_t k = 0; k < x->np; k++) {
            double v = x->params[i * x->np + k];
            const sd_shard_param *p = &x->par[k];
            if (!p->n_choices) {
                sd_table_num(t, v);
                continue;
            }
            if (!(v >= 0 && v < (double)p->n_choices && v == floor(v)))
                return sd_error(SD_ERR_INPUT,
                                "%s: row %llu: parameter %s holds %g, not the index of one of "
                                "its %zu choices",
                                x->in, (unsigned long long)(row0 + i), p->name, v, p->n_choices);
            sd_table_str(t, p->choices[(size_t)v]);
        }
        for (size_t k = 0; k < x->outputs->n_summary; k++)
            sd_table_num(t, st == SD_RUN_DONE ? x->summary[k * SD_EXPORT_BLOCK + i] : NAN);
        char *msg = x->runs.message + i * SD_RUN_MESSAGE_LEN;
        msg[SD_RUN_MESSAGE_LEN - 1] = '\0';
        sd_table_str(t, msg);
        sd_table_end_row(t);
    }
    return SD_OK;
}

/* Every row of the file into t, a block at a time. */
static int sd_export_table(sd_export_ctx *x, sd_table *t, sd_export_report *rep)
{
    size_t B = SD_EXPORT_BLOCK, ns = x->outputs->n_summary;
    x->runs.status = sd_calloc(B, sizeof *x->runs.status, "a block of runs");
    x->runs.attempts = sd_calloc(B, sizeof *x->runs.attempts, "a block of runs");
    x->runs.group = sd_calloc(B, sizeof *x->runs.group, "a block of runs");
    x->runs.wall_seconds = sd_calloc(B, sizeof *x->runs.wall_seconds, "a block of runs");
    x->runs.message = sd_calloc(B, SD_RUN_MESSAGE_LEN, "a block of runs");
    x->point = sd_calloc(B, sizeof *x->point, "a block of runs");
    x->replicate = sd_calloc(B, sizeof *x->replicate, "a block of runs");
    x->params = sd_calloc(B * x->np + 1, sizeof *x->params, "a block of runs");
    x->summary = sd_calloc(B * ns + 1, sizeof *x->summary, "a block of runs");
    if (!x->runs.status || !x->runs.attempts || !x->runs.group || !x->runs.wall_seconds ||
        !x->runs.message || !x->point || !x->replicate || !x->params || !x->summary)
        return SD_ERR_NOMEM;
    sd_table_header(t);
    for (uint64_t row0 = 0; row0 < x->rows; row0 += B) {
        uint64_t n = x->rows - row0 < B ? x->rows - row0 : B;
        SD_CALL(sd_shard_read_runs(x->sh, row0, n, &x->runs));
        SD_CALL(sd_shard_design_read_rows(x->design, row0, n, x->point, x->replicate, x->params));
        for (size_t k = 0; k < ns; k++)
            SD_CALL(sd_shard_read_summary(x->sh, x->outputs->summary[k].name, row0, n,
                                          x->summary + k * B));
        SD_CALL(sd_export_rows(x, t, row0, n, rep));
    }
    sd_table_footer(t);
    return SD_OK;
}

/* 1 when the file at path begins with HDF5's signature (as sendrift's
 * files do: they have no user block), 0 when not, -1 when it cannot be
 * read (errno says why). */
static int sd_is_hdf5(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    unsigned char sig[8] = {0};
    size_t got = fread(sig, 1, sizeof sig, f);
    fclose(f);
    return got == sizeof sig && memcmp(sig, "\211HDF\r\n\032\n", sizeof sig) == 0;
}

/* Open in and read what it says about itself; check that it is a result
 * file with all the datasets of its rows. */
static int sd_export_open(sd_export_ctx *x)
{
    struct stat st;
    if (stat(x->in, &st) != 0)
        return sd_error(errno == ENOENT ? SD_ERR_INPUT : SD_ERR_IO, "%s: %s", x->in,
                        errno == ENOENT ? "no such file" : strerror(errno));
    if (S_ISDIR(st.st_mode))
        return sd_error(SD_ERR_INPUT, "%s: is a directory, not a sendrift result file", x->in);
    int h5 = sd_is_hdf5(x->in);
    if (h5 < 0) return sd_error(SD_ERR_IO, "%s: cannot read it: %s", x->in, strerror(errno));
    if (!h5)
        return sd_error(SD_ERR_INPUT, "%s: not a sendrift result file (not an HDF5 file)", x->in);
    SD_CALL(sd_shard_open(x->in, &x->sh));
    const sd_shard_info *info = sd_shard_get_info(x->sh);
    if (strcmp(info->format, "sendrift-results") != 0)
        return sd_error(SD_ERR_INPUT, "%s: not a sendrift result file (an HDF5 file without "
                                      "the attribute format = \"sendrift-results\")",
                        x->in);
    if (!info->has_rows)
        return sd_error(SD_ERR_INPUT,
                        "%s: has no /design with its number of runs: not a complete sendrift "
                        "result file",
                        x->in);
    x->rows = info->rows;
    SD_CALL(sd_shard_design_open(x->sh, &x->design));
    x->par = sd_shard_design_params(x->design, &x->np);
    x->outputs = sd_shard_design_outputs(x->design);
    return sd_shard_check_rows(x->sh, x->outputs, 0, x->rows);
}

/* Where the table goes: refuse the result file itself and any HDF5 file.
 * *direct: out is not a regular file (a device, a pipe): written in place. */
static int sd_export_target(const char *in, const char *out, int *direct)
{
    struct stat si, so;
    *direct = 0;
    if (stat(out, &so) != 0) return SD_OK; /* a new file */
    if (S_ISDIR(so.st_mode))
        return sd_error(SD_ERR_IO, "-o %s: is a directory; give the table's file name", out);
    if (stat(in, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
        return sd_error(SD_ERR_INPUT, "-o %s: is the result file %s itself", out, in);
    if (!S_ISREG(so.st_mode)) {
        *direct = 1;
        return SD_OK;
    }
    if (sd_is_hdf5(out) == 1)
        return sd_error(SD_ERR_INPUT,
                        "-o %s: is an HDF5 file; export writes text and never overwrites one",
                        out);
    return SD_OK;
}

/* Finish writing f (path names it; sync: a file of ours, to be put on
 * disk) after the table's outcome rc: flushed and closed (f NULL: nothing
 * to do).  A failure here is recorded only where the table was written. */
static int sd_export_finish(FILE *f, const char *path, int sync, int rc)
{
    if (!f) return rc;
    int bad = fflush(f) != 0 || ferror(f);
    int err = bad ? errno : 0;
    if (!bad && sync && fsync(fileno(f)) != 0 && errno != EINVAL) {
        bad = 1;
        err = errno;
    }
    if (f != stdout && fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad && rc == SD_OK)
        rc = sd_error(SD_ERR_IO, "%s: writing the table failed: %s", path,
                      err ? strerror(err) : "write error");
    return rc;
}

static int sd_export_write(sd_export_ctx *x, const char *out, sd_export_format fmt,
                           sd_export_report *rep)
{
    sd_table t = {.fmt = fmt};
    int rc = sd_table_columns(&t, x->par, x->np, x->outputs);
    if (rc != SD_OK) {
        sd_table_free(&t);
        return rc;
    }
    int to_stdout = !out || strcmp(out, "-") == 0, direct = 0;
    char *tmp = NULL;
    if (!to_stdout) rc = sd_export_target(x->in, out, &direct);
    if (rc == SD_OK && !to_stdout && !direct) {
        size_t len = strlen(out) + 5;
        tmp = sd_malloc(len, "a file name");
        if (!tmp) rc = SD_ERR_NOMEM;
        else snprintf(tmp, len, "%s.tmp", out);
    }
    const char *path = to_stdout ? "standard output" : tmp ? tmp : out;
    if (rc == SD_OK) {
        t.f = to_stdout ? stdout : fopen(path, "w");
        if (!t.f)
            rc = sd_error(SD_ERR_IO, "-o %s: cannot write %s: %s", out, path, strerror(errno));
    }
    if (rc == SD_OK) {
        rc = sd_export_table(x, &t, rep);
        rep->rows = t.rows;
    }
    rc = sd_export_finish(t.f, path, tmp != NULL, rc);
    if (rc == SD_OK && tmp && rename(tmp, out) != 0)
        rc = sd_error(SD_ERR_IO, "-o %s: renaming %s to it failed: %s", out, tmp,
                      strerror(errno));
    /* A table cut short never takes the place of the table asked for. */
    if (rc != SD_OK && tmp && t.f) (void)unlink(tmp);
    free(tmp);
    sd_table_free(&t);
    return rc;
}

int sd_export(const char *in, const char *out, sd_export_format fmt, sd_export_report *rep)
{
    memset(rep, 0, sizeof *rep);
    sd_export_ctx x = {.in = in};
    int rc = sd_export_open(&x);
    if (rc == SD_OK) rc = sd_export_write(&x, out, fmt, rep);
    int c1 = sd_shard_design_close(&x.design), c2 = sd_shard_close(&x.sh);
    if (rc == SD_OK) rc = c1 != SD_OK ? c1 : c2;
    free(x.runs.status);
    free(x.runs.attempts);
    free(x.runs.group);
    free(x.runs.wall_seconds);
    free(x.runs.message);
    free(x.point);
    free(x.replicate);
    free(x.params);
    free(x.summary);
    return rc;
}
