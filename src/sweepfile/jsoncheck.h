/* sendrift: checking a JSON document against what is allowed, with messages
 * that say where (private to src/sweepfile; defined in json.c).
 *
 * Nothing here knows about sweeps: these are the tools a schema is checked
 * with.  Every message reads
 *   <source>: <JSON path>: <what is wrong>; <what is allowed>
 * where the path is written as in JavaScript (model.params.a,
 * parameters[2].range, output["odd key"]), values are quoted and escaped,
 * numbers are printed in their shortest exact form, and an unknown name gets
 * a did-you-mean from the names allowed.  Each checking function records
 * SD_ERR_INPUT with such a message (sd_error) and returns it, or SD_OK.
 */
#ifndef SENDRIFT_SWEEPFILE_JSONCHECK_H
#define SENDRIFT_SWEEPFILE_JSONCHECK_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* 2^53, the largest whole number up to which a double (and so a JSON
 * number as cJSON reads it) holds every whole number exactly. */
#define SD_JSON_MAX_INT 9007199254740992.0

/* Buffer sizes for the pieces of a message. */
#define SD_JSON_PATH 512  /* a JSON path             */
#define SD_JSON_Q 256     /* a quoted value          */
#define SD_JSON_LIST 1024 /* a list of allowed names */

/* ---------------------------------------------------------------- messages */

/* Record SD_ERR_INPUT with "source: path: <fmt>" (no path when path is NULL
 * or empty) and return it; the error's place is the caller's. */
#define sd_json_fail(source, path, ...) \
    sd_json_fail_at(__FILE__, __LINE__, (source), (path), __VA_ARGS__)
int sd_json_fail_at(const char *file, int line, const char *source, const char *path,
                    const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Format a JSON path into buf (cut short when it does not fit). */
const char *sd_json_sub(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Path of key under parent: parent.key, or parent["odd key"]. */
const char *sd_json_key_path(char *buf, size_t n, const char *parent, const char *key);

/* s in double quotes, escaped, at most about 60 characters of it. */
const char *sd_json_quote(char *buf, size_t n, const char *s);

/* The shortest decimal form that reads back as v. */
const char *sd_json_num(char *buf, size_t n, double v);

/* What a JSON value is, for "expected ..., got ..." messages. */
const char *sd_json_got(char *buf, size_t n, const cJSON *j);

/* "a, b, c" (quoted when quote), cut short with ", ..." when too long. */
const char *sd_json_join(char *buf, size_t n, const char *const *list, size_t count,
                         int quote);

/* " (did you mean "x"?)", naming the one of known[] that word most likely
 * stands for, or "" when none is close. */
const char *sd_json_suggest(char *buf, size_t n, const char *word, const char *const *known,
                            size_t count);

/* The index of s in list[], or -1. */
int sd_json_in_list(const char *s, const char *const *list, size_t n);

/* ----------------------------------------------------------- typed getters */

/* Every key of the object obj at path must be one of allowed[]. */
int sd_json_keys(const char *source, const cJSON *obj, const char *path,
                 const char *const *allowed, size_t n);

/* A whole number in [min, max] (max <= 2^53); what says what is allowed. */
int sd_json_whole(const char *source, const cJSON *j, const char *path, uint64_t min,
                  uint64_t max, const char *what, uint64_t *out);

/* true or false, as 1 or 0. */
int sd_json_bool(const char *source, const cJSON *j, const char *path, int *out);

/* A string (non-empty when nonempty); copied into *out when out. */
int sd_json_string(const char *source, const cJSON *j, const char *path, int nonempty,
                   char **out);

/* --------------------------------------------------------- repeated names */

/* A name and where it stands among others. */
typedef struct {
    const char *key;
    size_t pos;
} sd_json_named;

/* Of n named things, the position of the first repeat of a name (the
 * smallest position that repeats an earlier one) and of that earlier one;
 * returns 0 when all differ.  Sorts a. */
int sd_json_first_repeat(sd_json_named *a, size_t n, size_t *later, size_t *earlier);

/* Refuse a key repeated in any object of the document j.  path is a buffer
 * of SD_JSON_PATH bytes holding the path of j; it is restored before
 * returning. */
int sd_json_dups(const char *source, const cJSON *j, char *path);

/* ------------------------------------------------------------------ syntax */

/* Parse text (len bytes, not necessarily NUL-terminated) as one JSON
 * document into *out (free with cJSON_Delete).  Refuses, with the line and
 * column: a NUL byte, bytes that are not UTF-8, a \u0000 escape (cJSON
 * would cut the string there), a syntax error, and text after the document;
 * and an empty text.  noun names what the text should be ("a sweep file"),
 * shape what it holds ("one JSON object {...}"), for the messages. */
int sd_json_parse(const char *source, const char *text, size_t len, const char *noun,
                  const char *shape, cJSON **out);

#endif
