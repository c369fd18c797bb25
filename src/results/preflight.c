/* sendrift: checks before a result file is created or reopened: its name,
 * the file or directory it goes to, the space it needs (see
 * include/sendrift/results.h).  Rank 0 looks at the file system; every rank
 * learns the outcome and the same message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "resultsimpl.h"
#include "sendrift/error.h"
#include "sendrift/mpicheck.h"
#include "sendrift/progress.h"

/* The directory part of path ("." when it has none). */
static void sd_dirname(const char *path, char *dir, size_t n)
{
    snprintf(dir, n, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

uint64_t sd_results_free_bytes(const char *path)
{
    char dir[4096];
    sd_dirname(path, dir, sizeof dir);
    struct statvfs v;
    if (statvfs(dir, &v) != 0) return UINT64_MAX;
    return (uint64_t)v.f_bavail * (uint64_t)v.f_frsize;
}

uint64_t sd_results_estimate_bytes(const sd_plan *plan)
{
    const sd_sweep *s = sd_plan_sweep(plan);
    const sd_design *d = sd_plan_design(plan);
    const sd_layout *l = sd_plan_layout(plan);
    uint64_t runs = sd_design_runs(d);
    uint64_t dim = sd_design_dim(d);
    int roles = sd_design_role(d, 0, NULL, NULL) != 0;
    uint64_t per_run = 2 * dim * 8            /* params, unit */
                       + (3 + (roles ? 2 : 0)) * 8 /* point, replicate, run (block, role) */
                       + 8                    /* /run */
                       + 1 + SD_RUN_MESSAGE_LEN + 8 + 4 + 4 /* runs/ */
                       + l->n_summary * 8;
    if (s->output_timeseries) per_run += (uint64_t)l->n_series * l->n_times * 8;
    uint64_t snaps = 0;
    if (l->n_snapfields && s->n_snap_runs) {
        uint64_t cells = (uint64_t)l->snap_n[0] * (uint64_t)(l->snap_n[1] > 0 ? l->snap_n[1] : 1) *
                         (uint64_t)(l->snap_dim == 3 ? l->snap_n[2] : 1);
        uint64_t per = 0;
        for (size_t f = 0; f < l->n_snapfields; f++)
            per += l->snapfields[f].type == SD_SNAP_U8 ? 1 : 8;
        /* About 4 KiB of metadata per snapshot group, 512 bytes per field
         * (its attributes and dimension list). */
        snaps = (uint64_t)s->n_snap_runs * s->n_snap_times *
                (cells * per + 4096 + 512 * l->n_snapfields);
    }
    return runs * per_run + snaps + 64 * 1024 + strlen(s->text);
}

/* Refuse output names the file system or MPI-IO cannot take: a path past
 * PATH_MAX or a name past NAME_MAX, counting the ".partial" the file is
 * built under (MPI-IO aborts on some of these instead of failing). */
static int sd_path_too_long(const char *path, char *msg, size_t n)
{
    size_t len = strlen(path), extra = strlen(SD_RESULTS_TEMP_SUFFIX);
    if (len == 0) {
        snprintf(msg, n, "the result file name is empty");
        return 1;
    }
    if (len + extra >= 4096) {
        snprintf(msg, n, "%.200s...: the result file name is %zu bytes long; at most %zu are "
                         "allowed",
                 path, len, 4095 - extra);
        return 1;
    }
    for (const char *p = path; *p;) {
        size_t k = strcspn(p, "/");
        size_t limit = p[k] ? 255 : 255 - extra;
        if (k > limit) {
            snprintf(msg, n, "%.200s...: a name in the result file's path is %zu bytes long; "
                             "at most %zu are allowed%s",
                     path, k, limit, p[k] ? "" : " (the file is built as NAME.partial)");
            return 1;
        }
        p += k;
        while (*p == '/') p++;
    }
    return 0;
}

int sd_results_check_name(const char *path)
{
    char msg[600];
    if (sd_path_too_long(path, msg, sizeof msg)) return sd_error(SD_ERR_INPUT, "%s", msg);
    return SD_OK;
}

/* Rank 0's verdict (code, with msg) recorded there and shared with every
 * rank of comm. */
static int sd_share_verdict(MPI_Comm comm, int rank, int code, const char *msg)
{
    if (rank == 0 && code != SD_OK) sd_error(code, "%s", msg);
    return sd_agree(comm, rank == 0 ? code : SD_OK);
}

/* May the file at path be created (rank 0)?  Only a regular file is ever
 * replaced: a device, a FIFO or a socket (as root, -o /dev/null --force) is
 * refused. */
static int sd_precheck_create(const char *path, int force, uint64_t need, uint64_t ckpt,
                              char *msg, size_t n)
{
    struct stat st;
    char temp[4200];
    snprintf(temp, sizeof temp, "%s%s", path, SD_RESULTS_TEMP_SUFFIX);
    if (sd_path_too_long(path, msg, n)) return SD_ERR_INPUT;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(msg, n, "%.900s: is a directory; give a file name", path);
            return SD_ERR_INPUT;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(msg, n,
                     "%.900s: not a regular file (a device, a pipe or a socket); a "
                     "result file never replaces one, even with --force: give a file name",
                     path);
            return SD_ERR_INPUT;
        }
        if (!force) {
            snprintf(msg, n,
                     "%.900s: exists; it is never overwritten: add --force to replace it, "
                     "or --resume to continue the sweep it holds",
                     path);
            return SD_ERR_INPUT;
        }
    }
    if (stat(temp, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(msg, n,
                 "%.900s: not a regular file; it is where the result file is built: "
                 "remove it or write elsewhere",
                 temp);
        return SD_ERR_INPUT;
    }
    char dir[4096];
    sd_dirname(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(msg, n, "%.900s: directory %.900s does not exist", path, dir);
        return SD_ERR_IO;
    }
    if (access(dir, W_OK) != 0) {
        snprintf(msg, n, "%.900s: directory %.900s is not writable: %s", path, dir,
                 strerror(errno));
        return SD_ERR_IO;
    }
    uint64_t avail = sd_results_free_bytes(path);
    if (avail != UINT64_MAX && need + ckpt > avail) {
        char a[32], b[32], c[32], with[128] = " needs";
        sd_format_bytes((double)(need + ckpt), a, sizeof a);
        sd_format_bytes((double)avail, b, sizeof b);
        sd_format_bytes((double)ckpt, c, sizeof c);
        if (ckpt)
            snprintf(with, sizeof with,
                     " and the checkpoints of its runs in flight (%s of it) need", c);
        snprintf(msg, n,
                 "%.900s: the result file%s about %s, but only %s are free "
                 "there; free some space or write elsewhere",
                 path, with, a, b);
        return SD_ERR_IO;
    }
    return SD_OK;
}

int sd_results_precheck(const char *path, MPI_Comm comm, int force, uint64_t need,
                        uint64_t ckpt)
{
    int rank, code = SD_OK;
    char msg[2300] = {0};
    SD_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) code = sd_precheck_create(path, force, need, ckpt, msg, sizeof msg);
    return sd_share_verdict(comm, rank, code, msg);
}

int sd_results_precheck_open(const char *path, MPI_Comm comm)
{
    int rank, code = SD_OK;
    char msg[1200] = {0};
    SD_MPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
        struct stat st;
        if (stat(path, &st) != 0) {
            code = SD_ERR_IO;
            snprintf(msg, sizeof msg, "%.900s: cannot resume: %s", path, strerror(errno));
        } else if (!S_ISREG(st.st_mode)) {
            code = SD_ERR_IO;
            snprintf(msg, sizeof msg, "%.900s: cannot resume: not a regular file", path);
        } else if (access(path, R_OK | W_OK) != 0) {
            code = SD_ERR_IO;
            snprintf(msg, sizeof msg, "%.900s: cannot resume: %s", path, strerror(errno));
        }
    }
    return sd_share_verdict(comm, rank, code, msg);
}
