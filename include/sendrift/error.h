/* sendrift: error codes and messages.
 *
 * Every library function returns an sd_err (0 = success).  The function that
 * detects a problem records a message naming what was wrong and where with
 * sd_error(); callers propagate the code with SD_CALL() and may prepend
 * context with sd_error_prefix().  Nothing in the library aborts on bad input.
 */
#ifndef SENDRIFT_ERROR_H
#define SENDRIFT_ERROR_H

#include <stddef.h>

typedef enum {
    SD_OK = 0,
    SD_ERR_INPUT = 1,    /* bad user input: sweep file, option, parameter   */
    SD_ERR_IO = 2,       /* file system: open, read, write, full disk       */
    SD_ERR_MPI = 3,      /* an MPI call failed                              */
    SD_ERR_HDF5 = 4,     /* an HDF5 call failed                             */
    SD_ERR_NOMEM = 5,    /* allocation failed or would exceed memory        */
    SD_ERR_MODEL = 6,    /* a model run failed (NaN, divergence, ...)       */
    SD_ERR_INTERNAL = 7, /* a bug: an invariant did not hold                */
    SD_ERR_INTERRUPTED = 8, /* stopped by a signal before it finished       */
    SD_ERR_TIMEOUT = 9   /* a run went past its time limit (--run-timeout)  */
} sd_err;

/* Record a printf-style message for code and return code.  The message is
 * what users read; the place that recorded it (file:line, relative to the
 * source tree) and the places it was passed up through with SD_CALL are kept
 * beside it for developers (sd_error_trace; `SENDRIFT_TRACE=1` makes the
 * command line print them). */
#define sd_error(code, ...) sd_error_at(__FILE__, __LINE__, (code), __VA_ARGS__)
int sd_error_at(const char *file, int line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepend "context: " to the current message; returns code unchanged. */
int sd_error_prefix(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last message recorded ("" when none). */
const char *sd_error_message(void);

/* A short name for a code ("bad input", "I/O error", ...). */
const char *sd_error_name(int code);

void sd_error_clear(void);

/* Where the current error was recorded and every SD_CALL it passed through
 * on its way up, innermost first: "src/core/x.c:12 <- src/core/y.c:40"
 * ("" when none). */
const char *sd_error_trace(void);

/* Note that the current error passed through file:line (used by SD_CALL);
 * returns code unchanged. */
int sd_error_pass(const char *file, int line, int code);

/* Propagate a non-zero code to the caller, noting this place in the trace. */
#define SD_CALL(expr)                                                       \
    do {                                                                    \
        int sd_call_rc_ = (expr);                                           \
        if (sd_call_rc_ != SD_OK)                                           \
            return sd_error_pass(__FILE__, __LINE__, sd_call_rc_);          \
    } while (0)

/* Allocation helpers that record SD_ERR_NOMEM with the size asked for. */
void *sd_malloc(size_t n, const char *what);
void *sd_calloc(size_t count, size_t size, const char *what);
char *sd_strdup(const char *s);

#endif
