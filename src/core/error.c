/* sendrift: error messages (see include/sendrift/error.h). */
#include "sendrift/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One message per process: the library is single-threaded per rank. */
static char sd_msg[4096];
/* Where it was recorded, and the SD_CALLs it went up through. */
static char sd_trace[1024];

/* A source path without the build's directories: the build maps the source
 * tree's root away (-fmacro-prefix-map); this keeps other builds short too. */
static const char *sd_short_path(const char *file)
{
    const char *p = strstr(file, "src/");
    if (!p) p = strstr(file, "tests/");
    return p ? p : file;
}

int sd_error_pass(const char *file, int line, int code)
{
    size_t n = strlen(sd_trace);
    if (n + 8 < sizeof sd_trace)
        snprintf(sd_trace + n, sizeof sd_trace - n, "%s%s:%d", n ? " <- " : "",
                 sd_short_path(file), line);
    return code;
}

const char *sd_error_trace(void) { return sd_trace; }

int sd_error_at(const char *file, int line, int code, const char *fmt, ...)
{
    sd_trace[0] = '\0';
    sd_error_pass(file, line, code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sd_msg, sizeof sd_msg, fmt, ap);
    va_end(ap);
    return code;
}

int sd_error_prefix(int code, const char *fmt, ...)
{
    char prefix[1024];
    va_list ap;
    va_start(ap, fmt);
    int np = vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
    va_end(ap);
    if (np < 0) return code;
    size_t lp = strlen(prefix);
    size_t lm = strlen(sd_msg);
    if (lm) {
        memcpy(prefix + lp, ": ", 3);
        lp += 2;
    }
    /* Keep the message intact where it fits; truncate its end otherwise. */
    if (lp + lm + 1 > sizeof sd_msg) lm = sizeof sd_msg - 1 - lp;
    memmove(sd_msg + lp, sd_msg, lm);
    memcpy(sd_msg, prefix, lp);
    sd_msg[lp + lm] = '\0';
    return code;
}

const char *sd_error_message(void) { return sd_msg; }

void sd_error_clear(void)
{
    sd_msg[0] = '\0';
    sd_trace[0] = '\0';
}

const char *sd_error_name(int code)
{
    switch (code) {
    case SD_OK: return "ok";
    case SD_ERR_INPUT: return "bad input";
    case SD_ERR_IO: return "I/O error";
    case SD_ERR_MPI: return "MPI error";
    case SD_ERR_HDF5: return "HDF5 error";
    case SD_ERR_NOMEM: return "out of memory";
    case SD_ERR_MODEL: return "model failure";
    case SD_ERR_INTERNAL: return "internal error";
    case SD_ERR_INTERRUPTED: return "interrupted";
    case SD_ERR_TIMEOUT: return "timeout";
    default: return "unknown error";
    }
}

void *sd_malloc(size_t n, const char *what)
{
    void *p = malloc(n ? n : 1);
    if (!p) sd_error(SD_ERR_NOMEM, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}

void *sd_calloc(size_t count, size_t size, const char *what)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        sd_error(SD_ERR_NOMEM, "out of memory allocating %zu x %zu bytes for %s",
                 count, size, what);
    return p;
}

char *sd_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sd_malloc(n, "a string");
    if (p) memcpy(p, s, n);
    return p;
}
