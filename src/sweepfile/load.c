/* sendrift: loading a sweep file on every rank of a communicator (see
 * include/sendrift/config.h).
 *
 * Rank 0 alone reads the file: a shared file system sees one reader instead
 * of one per rank, and every rank parses the very same bytes, even when the
 * file is edited while the job starts.  Parsing is deterministic, so every
 * rank reaches the same verdict; the ranks still agree on it at the end, for
 * the one outcome that is not (running out of memory).
 */
#include "sweepfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sendrift/error.h"
#include "sendrift/mpicheck.h"

/* Read path whole (rank 0). */
static int cfg_read(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return sd_error(SD_ERR_IO, "%s: cannot open the sweep file: %s", path,
                        strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return sd_error(SD_ERR_IO, "%s: cannot stat the sweep file: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return sd_error(SD_ERR_INPUT, "%s: not a regular file (%s); give the path of a "
                                      "sweep file (.json)",
                        path, S_ISDIR(st.st_mode) ? "a directory" : "a device, pipe or socket");
    }
    if ((uint64_t)st.st_size > SD_SWEEP_MAX_BYTES) {
        close(fd);
        return sd_error(SD_ERR_INPUT, "%s: the file has %lld bytes; a sweep file may have at "
                                      "most %llu (64 MiB)",
                        path, (long long)st.st_size, (unsigned long long)SD_SWEEP_MAX_BYTES);
    }
    size_t cap = (size_t)st.st_size, n = 0;
    char *buf = sd_malloc(cap + 1, "the sweep file");
    if (!buf) {
        close(fd);
        return SD_ERR_NOMEM;
    }
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return sd_error(SD_ERR_IO, "%s: cannot read the sweep file: %s", path,
                            strerror(e));
        }
        if (r == 0) break; /* the file shrank: take what is there */
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return SD_OK;
}

/* Rank 0's len bytes of the file, *buf, to every other rank, which
 * allocates its *buf (len + 1 bytes, NUL-terminated).  On an error *buf may
 * be allocated all the same: the caller frees it. */
static int cfg_share(const char *path, MPI_Comm comm, int rank, char **buf, size_t *len)
{
    uint64_t n = *len;
    SD_MPI(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm));
    *len = (size_t)n;
    int rc = SD_OK;
    if (rank != 0) {
        *buf = sd_malloc(*len + 1, "the sweep file");
        if (!*buf)
            rc = sd_error(SD_ERR_NOMEM, "%s: out of memory for the %zu bytes of the sweep file",
                          path, *len);
    }
    SD_CALL(sd_agree(comm, rc));
    /* len <= SD_SWEEP_MAX_BYTES, well within an int count. */
    if (*len > 0) SD_MPI(MPI_Bcast(*buf, (int)*len, MPI_CHAR, 0, comm));
    (*buf)[*len] = '\0';
    return SD_OK;
}

int sd_sweep_load(const char *path, MPI_Comm comm, sd_sweep **out)
{
    int rank, rc = SD_OK;
    char *buf = NULL;
    size_t len = 0;
    if (!out) return sd_error(SD_ERR_INTERNAL, "sd_sweep_load: out is NULL");
    *out = NULL;
    if (!path) path = "(null)";
    SD_MPI(MPI_Comm_rank(comm, &rank));

    /* Every rank learns whether rank 0 could read the file, and if not, why:
     * all return the same code and message. */
    if (rank == 0) rc = cfg_read(path, &buf, &len);
    rc = sd_agree(comm, rank == 0 ? rc : SD_OK);
    if (rc == SD_OK) rc = cfg_share(path, comm, rank, &buf, &len);
    if (rc != SD_OK) {
        free(buf);
        return rc;
    }

    size_t n;
    const sd_model_class *const *all = sd_model_all(&n);
    rc = sd_schema_parse(buf, len, path, all, n, out);
    free(buf);
    /* Every rank parsed the same bytes with the same code, so all reached
     * the same verdict, unless one ran out of memory: agree on it. */
    rc = sd_agree(comm, rc);
    if (rc != SD_OK) sd_sweep_destroy(out);
    return rc;
}
