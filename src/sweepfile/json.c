/* sendrift: the JSON checker the sweep file is validated with (see
 * jsoncheck.h).
 *
 * These functions know JSON, paths and messages, not sweeps: the schema
 * (schema.c, schema_params.c) says what is allowed where, and these say,
 * with the path, the quoted value and a did-you-mean, what is not.
 */
#include "jsoncheck.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sendrift/error.h"

/* ---------------------------------------------------------------- messages */

int sd_json_fail_at(const char *file, int line, const char *source, const char *path,
                    const char *fmt, ...)
{
    char msg[3072];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && *path)
        return sd_error_at(file, line, SD_ERR_INPUT, "%s: %s: %s", source, path, msg);
    return sd_error_at(file, line, SD_ERR_INPUT, "%s: %s", source, msg);
}

/* Format a JSON path into buf (cut short when it does not fit). */
const char *sd_json_sub(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

/* s in double quotes, escaped, at most about 60 characters of it. */
const char *sd_json_quote(char *buf, size_t n, const char *s)
{
    size_t o = 0, i;
    buf[o++] = '"';
    for (i = 0; s[i] && o + 10 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (i >= 60 && (ch & 0xC0) != 0x80) break;
        if (ch == '"' || ch == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(buf + o, n - o, "\\x%02x", ch);
            o += 4;
        } else {
            buf[o++] = (char)ch;
        }
    }
    if (s[i]) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* The shortest decimal form that reads back as v. */
const char *sd_json_num(char *buf, size_t n, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v) break;
    }
    return buf;
}

/* What a JSON value is, for "expected ..., got ..." messages. */
const char *sd_json_got(char *buf, size_t n, const cJSON *j)
{
    char q[SD_JSON_Q];
    if (cJSON_IsString(j)) {
        snprintf(buf, n, "the string %s", sd_json_quote(q, sizeof q, j->valuestring));
    } else if (cJSON_IsNumber(j)) {
        char num[40];
        snprintf(buf, n, "the number %s", sd_json_num(num, sizeof num, j->valuedouble));
    } else if (cJSON_IsTrue(j)) {
        snprintf(buf, n, "true");
    } else if (cJSON_IsFalse(j)) {
        snprintf(buf, n, "false");
    } else if (cJSON_IsNull(j)) {
        snprintf(buf, n, "null");
    } else if (cJSON_IsArray(j)) {
        snprintf(buf, n, "an array");
    } else if (cJSON_IsObject(j)) {
        snprintf(buf, n, "an object");
    } else {
        snprintf(buf, n, "an invalid value");
    }
    return buf;
}

/* "a, b, c" (quoted when quote), cut short with ", ..." when too long. */
const char *sd_json_join(char *buf, size_t n, const char *const *list, size_t count, int quote)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        char q[SD_JSON_Q];
        const char *item = quote ? sd_json_quote(q, sizeof q, list[i]) : list[i];
        size_t need = strlen(item) + (i ? 2 : 0);
        if (o + need + 6 >= n) {
            snprintf(buf + o, n - o, "%s...", i ? ", " : "");
            break;
        }
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "", item);
    }
    return buf;
}

/* Path of key under parent: parent.key, or parent["odd key"]. */
const char *sd_json_key_path(char *buf, size_t n, const char *parent, const char *key)
{
    int plain = key[0] != '\0' && strlen(key) <= 64;
    for (const char *k = key; *k && plain; k++)
        plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
                (*k >= '0' && *k <= '9') || *k == '_' || *k == '$' || *k == '-';
    if (plain) {
        snprintf(buf, n, "%s%s%s", parent, *parent ? "." : "", key);
    } else {
        char q[SD_JSON_Q];
        snprintf(buf, n, "%s[%s]", parent, sd_json_quote(q, sizeof q, key));
    }
    return buf;
}

/* c in lower case (ASCII only: key and parameter names are ASCII, and the
 * locale must not change the suggestions). */
static int json_fold(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Optimal string alignment distance in half edits, capped: changing only a
 * letter's case costs 1, any other substitution, insertion, deletion or
 * transposition 2, so k_e is nearer k_E than k_S. */
static size_t json_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 62 || lb > 62) return 99;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = 2 * i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = 2 * j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = 2;
            if (a[i - 1] == b[j - 1]) cost = 0;
            else if (json_fold(a[i - 1]) == json_fold(b[j - 1])) cost = 1; /* case only */
            size_t v = d[i - 1][j] + 2;
            if (d[i][j - 1] + 2 < v) v = d[i][j - 1] + 2;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 2 < v)
                v = d[i - 2][j - 2] + 2;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* " (did you mean "x"?)" or "".  A name equal to word but for case is what
 * was meant (of those, the one with the fewest case changes: k_e -> k_E,
 * not K_E, nor k_S, also one edit away); failing that, the closest name
 * within two edits that is not a rewrite of the whole word.  Ties go to the
 * first in known[]. */
const char *sd_json_suggest(char *buf, size_t n, const char *word, const char *const *known,
                            size_t count)
{
    size_t best = 5, bi = 0; /* half edits: within two edits */
    int folded = 0;
    for (size_t i = 0; i < count; i++) {
        const char *a = word, *b = known[i];
        while (*a && json_fold(*a) == json_fold(*b)) a++, b++;
        if (*a || *b) continue;
        size_t dist = json_distance(word, known[i]);
        if (!folded || dist < best) {
            best = dist;
            bi = i;
            folded = 1;
        }
    }
    for (size_t i = 0; i < count && !folded; i++) {
        size_t dist = json_distance(word, known[i]);
        if (dist < best && dist < 2 * strlen(word) && dist < 2 * strlen(known[i])) {
            best = dist;
            bi = i;
        }
    }
    buf[0] = '\0';
    if (folded || best <= 4) {
        char q[SD_JSON_Q];
        snprintf(buf, n, " (did you mean %s?)", sd_json_quote(q, sizeof q, known[bi]));
    }
    return buf;
}

int sd_json_in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return (int)i;
    return -1;
}

/* ---------------------------------------------------------- typed getters */

/* Every key of obj must be one of allowed[]. */
int sd_json_keys(const char *source, const cJSON *obj, const char *path, const char *const *allowed,
                 size_t n)
{
    for (const cJSON *k = obj->child; k; k = k->next) {
        if (sd_json_in_list(k->string, allowed, n) >= 0) continue;
        char kp[SD_JSON_PATH], q[SD_JSON_Q], list[SD_JSON_LIST], hint[SD_JSON_Q];
        return sd_json_fail(source, sd_json_key_path(kp, sizeof kp, path, k->string),
                            "unknown key %s; allowed here: %s%s",
                            sd_json_quote(q, sizeof q, k->string),
                            sd_json_join(list, sizeof list, allowed, n, 0),
                            sd_json_suggest(hint, sizeof hint, k->string, allowed, n));
    }
    return SD_OK;
}

/* A whole number in [min, max] (max <= 2^53); what says what is allowed. */
int sd_json_whole(const char *source, const cJSON *j, const char *path, uint64_t min, uint64_t max,
                  const char *what, uint64_t *out)
{
    char g[SD_JSON_Q], a[40];
    if (!cJSON_IsNumber(j))
        return sd_json_fail(source, path, "expected %s, got %s", what, sd_json_got(g, sizeof g, j));
    double v = j->valuedouble;
    sd_json_num(a, sizeof a, v);
    if (!isfinite(v) || v != floor(v))
        return sd_json_fail(source, path, "%s is not a whole number; allowed: %s", a, what);
    if (v < 0 && min == 0)
        return sd_json_fail(source, path, "%s is negative; allowed: %s", a, what);
    if (v < (double)min)
        return sd_json_fail(source, path, "%s is below the minimum %llu; allowed: %s", a,
                            (unsigned long long)min, what);
    if (v > (double)max)
        return sd_json_fail(source, path, "%s is above the maximum %llu; allowed: %s", a,
                            (unsigned long long)max, what);
    *out = (uint64_t)v;
    return SD_OK;
}

int sd_json_bool(const char *source, const cJSON *j, const char *path, int *out)
{
    char g[SD_JSON_Q];
    if (!cJSON_IsBool(j))
        return sd_json_fail(source, path, "expected true or false, got %s",
                            sd_json_got(g, sizeof g, j));
    *out = cJSON_IsTrue(j) ? 1 : 0;
    return SD_OK;
}

/* A string (non-empty when nonempty); copied into *out when out. */
int sd_json_string(const char *source, const cJSON *j, const char *path, int nonempty, char **out)
{
    char g[SD_JSON_Q];
    if (!cJSON_IsString(j))
        return sd_json_fail(source, path, "expected a string, got %s", sd_json_got(g, sizeof g, j));
    if (nonempty && j->valuestring[0] == '\0')
        return sd_json_fail(source, path, "empty string; allowed: a non-empty string");
    if (out) {
        *out = sd_strdup(j->valuestring);
        if (!*out) return SD_ERR_NOMEM;
    }
    return SD_OK;
}

/* ------------------------------------------------------- duplicated keys */

static int json_named_cmp(const void *pa, const void *pb)
{
    const sd_json_named *a = pa, *b = pb;
    int r = strcmp(a->key, b->key);
    if (r) return r;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Of n named things, the position of the first repeat of a name (the
 * smallest position that repeats an earlier one) and of that earlier one;
 * returns 0 when all differ.  Sorts a. */
int sd_json_first_repeat(sd_json_named *a, size_t n, size_t *later, size_t *earlier)
{
    int found = 0;
    qsort(a, n, sizeof *a, json_named_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(a[i].key, a[i - 1].key) != 0) continue;
        /* The first repeat of a name is the second element of its run. */
        if (i > 1 && strcmp(a[i - 2].key, a[i].key) == 0) continue;
        if (!found || a[i].pos < *later) {
            *later = a[i].pos;
            *earlier = a[i - 1].pos;
            found = 1;
        }
    }
    return found;
}

/* cJSON keeps every member of an object, repeated keys included: refuse
 * them anywhere in the document.  path is a buffer of SD_JSON_PATH bytes holding
 * the path of j; it is restored before returning. */
int sd_json_dups(const char *source, const cJSON *j, char *path)
{
    size_t plen = strlen(path);
    if (cJSON_IsObject(j)) {
        size_t n = 0;
        for (const cJSON *k = j->child; k; k = k->next) n++;
        if (n > 1) {
            sd_json_named *a = sd_malloc(n * sizeof *a, "the keys of a JSON object");
            if (!a) return SD_ERR_NOMEM;
            size_t i = 0, later = 0, earlier = 0;
            for (const cJSON *k = j->child; k; k = k->next, i++)
                a[i] = (sd_json_named){k->string, i};
            int dup = sd_json_first_repeat(a, n, &later, &earlier);
            free(a);
            if (dup) {
                const cJSON *k = j->child;
                for (i = 0; i < later; i++) k = k->next;
                char kp[SD_JSON_PATH], q[SD_JSON_Q];
                return sd_json_fail(source, sd_json_key_path(kp, sizeof kp, path, k->string),
                                    "key %s appears twice in the same object; each key may "
                                    "appear only once",
                                    sd_json_quote(q, sizeof q, k->string));
            }
        }
    }
    if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
        size_t i = 0;
        for (const cJSON *k = j->child; k; k = k->next, i++) {
            if (!cJSON_IsObject(k) && !cJSON_IsArray(k)) continue;
            char sub[SD_JSON_PATH];
            if (cJSON_IsObject(j))
                sd_json_key_path(sub, sizeof sub, path, k->string);
            else
                sd_json_sub(sub, sizeof sub, "%s[%zu]", path, i);
            memcpy(path, sub, strlen(sub) + 1);
            int rc = sd_json_dups(source, k, path);
            path[plen] = '\0';
            if (rc) return rc;
        }
    }
    return SD_OK;
}

/* Line and column (1-based; columns count UTF-8 characters) of offset. */
static void json_line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int json_syntax(const char *source, const char *text, size_t len, size_t off,
                       const char *what)
{
    size_t line, col, n = 0;
    char near[32], where[SD_JSON_Q + 8], q[SD_JSON_Q];
    if (off > len) off = len;
    json_line_col(text, off, &line, &col);
    while (off + n < len && n < 24 && text[off + n] != '\n' && text[off + n] != '\r' &&
           text[off + n] != '\0')
        n++;
    /* Do not cut a UTF-8 character in two. */
    while (n > 0 && off + n < len && ((unsigned char)text[off + n] & 0xC0) == 0x80) n--;
    memcpy(near, text + off, n);
    near[n] = '\0';
    if (n)
        snprintf(where, sizeof where, " at %s", sd_json_quote(q, sizeof q, near));
    else if (off >= len)
        snprintf(where, sizeof where, " at the end of the file");
    else if (text[off] == '\0')
        snprintf(where, sizeof where, " at a NUL byte");
    else
        snprintf(where, sizeof where, " at the end of the line");
    return sd_error(SD_ERR_INPUT, "%s:%zu:%zu: JSON syntax error%s; %s", source, line, col,
                    where, what);
}

/* Offset of the first byte that does not start a valid UTF-8 character
 * (overlong forms, surrogates and code points past U+10FFFF included), or len
 * when the text is valid UTF-8, as JSON text must be. */
static size_t json_utf8_bad(const unsigned char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = t[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 1;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3;
            cp = b & 0x07;
        } else {
            return i;
        }
        if (len - i <= n) return i;
        for (size_t k = 1; k <= n; k++) {
            if ((t[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (t[i + k] & 0x3F);
        }
        static const uint32_t least[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return len;
}

/* Offset of the first \u0000 escape inside a JSON string, or len: cJSON
 * would end the string there and silently drop the rest of it. */
static size_t json_escaped_nul(const char *t, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_string) {
            in_string = t[i] == '"';
        } else if (t[i] == '"') {
            in_string = 0;
        } else if (t[i] == '\\' && i + 1 < len) {
            if (t[i + 1] == 'u' && i + 6 <= len && memcmp(t + i + 2, "0000", 4) == 0) return i;
            i++;
        }
    }
    return len;
}

int sd_json_parse(const char *source, const char *text, size_t len, const char *noun,
                  const char *shape, cJSON **out)
{
    char what[SD_JSON_Q];
    *out = NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        snprintf(what, sizeof what, "%s is JSON text, without NUL bytes", noun);
        return json_syntax(source, text, len, (size_t)(nul - text), what);
    }
    size_t bad = json_utf8_bad((const unsigned char *)text, len);
    if (bad < len) {
        size_t line, col;
        json_line_col(text, bad, &line, &col);
        return sd_error(SD_ERR_INPUT,
                        "%s:%zu:%zu: byte 0x%02X is not valid UTF-8; %s is JSON text in UTF-8 "
                        "(save it as UTF-8)",
                        source, line, col, (unsigned)(unsigned char)text[bad], noun);
    }
    bad = json_escaped_nul(text, len);
    if (bad < len)
        return json_syntax(source, text, len, bad,
                           "\\u0000 (a NUL character) is not allowed in a string: it would "
                           "cut the string short");
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
        k++;
    if (k == len) return sd_json_fail(source, NULL, "the file is empty; %s is %s", noun, shape);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root)
        return json_syntax(source, text, len, end ? (size_t)(end - text) : 0,
                           "look for a missing or extra comma, quote, bracket or brace");
    size_t e = (size_t)(end - text);
    while (e < len && (text[e] == ' ' || text[e] == '\t' || text[e] == '\n' || text[e] == '\r'))
        e++;
    if (e < len) {
        cJSON_Delete(root);
        return json_syntax(source, text, len, e, "text after the end of the JSON document");
    }
    *out = root;
    return SD_OK;
}
