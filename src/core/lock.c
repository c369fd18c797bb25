/* sendrift: an exclusive lock on a result file (see include/sendrift/lock.h).
 *
 * How the pieces fit:
 *  - the lock file is created with O_CREAT|O_EXCL, so of two processes
 *    starting together exactly one gets it;
 *  - its owner writes its line first and only then takes a flock(), so an
 *    inspector that finds the flock free still sees a complete line naming a
 *    live pid with a matching start time (the pid check covers that window);
 *  - a same-host lock is stale only when nobody holds its flock AND its pid
 *    is gone (or now names another process: /proc/PID/stat field 22 differs);
 *    either test alone can be fooled (flock: file systems without it; pid:
 *    another pid namespace under the same host name);
 *  - a stale lock is removed by whoever holds its flock, after checking that
 *    the name still points at the file it inspected, by renaming it to a
 *    unique name (so two processes clearing one stale lock cannot both win;
 *    O_EXCL then decides who gets the new one).
 */
/* realpath() is an XSI function: the build's _POSIX_C_SOURCE alone hides it. */
#define _XOPEN_SOURCE 700

#include "sendrift/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sendrift/error.h"

struct sd_lock {
    char *path; /* the lock file, under the real path of the directory */
    int fd;     /* kept open: it carries the flock and pins the inode */
    dev_t dev;
    ino_t ino;
};

/* Attempts at creating the lock file: a stale lock cleared, or one that
 * vanished or changed while it was inspected, costs one. */
#define LOCK_ATTEMPTS 5

/* What a lock file says about its holder. */
typedef struct {
    char host[256];
    long pid;
    char since[32];
    unsigned long long pstart; /* 0: unknown */
} lock_owner;

/* The outcome of inspecting an existing lock file. */
enum { LOCK_RETRY = -1, LOCK_BUSY = -2 };

/* Seconds a live holder on this host is waited for before a refusal: a job
 * being torn down (mpirun kills its ranks a second or two after the first
 * one died) still holds the lock for a moment after it has failed. */
#define LOCK_WAIT_SECONDS 5.0

int sd_lock_acquire(const char *output_path, sd_lock **out)
{
    return sd_lock_acquire_wait(output_path, LOCK_WAIT_SECONDS, out);
}

/* ------------------------------------------------------------ this process */

static void lock_hostname(char *buf, size_t n)
{
    if (gethostname(buf, n) != 0) snprintf(buf, n, "unknown");
    buf[n - 1] = '\0';
    /* The line is split at spaces; a host name has none, but be sure. */
    for (char *p = buf; *p; p++)
        if (*p <= ' ' || *p == 0x7f) *p = '?';
    if (!buf[0]) snprintf(buf, n, "unknown");
}

/* The start time of process pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when it cannot be read.  The command name (field 2)
 * may hold spaces and parentheses, so count fields from its last ')'. */
/* Field 22 of /proc/PID/stat (the start time), 0 when unknown; *zombie
 * set when the process has ended but is not yet reaped (state Z or X). */
static unsigned long long lock_proc_start_state(long pid, int *zombie)
{
    char path[64], buf[1024];
    *zombie = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    p++;
    while (*p == ' ') p++;
    *zombie = *p == 'Z' || *p == 'X'; /* field 3, the state */
    for (int field = 3; field < 22; field++) { /* skip fields 3 to 21 */
        while (*p == ' ') p++;
        while (*p && *p != ' ') p++;
    }
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    return end == p ? 0 : v;
}

/* This process's command line, arguments joined by spaces, for people who
 * read the lock file; "" when /proc cannot tell. */
static void lock_cmdline(char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/self/cmdline", "r");
    if (!f) return;
    size_t k = fread(buf, 1, n - 1, f);
    fclose(f);
    while (k && buf[k - 1] == '\0') k--;
    buf[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if (buf[i] == '\0') buf[i] = ' ';
        else if ((unsigned char)buf[i] < ' ' || buf[i] == 0x7f) buf[i] = '?';
}

/* Is the process a lock names still the one that wrote it?  Unknowns
 * count as yes: a lock is taken over only on proof. */
static unsigned long long lock_proc_start(long pid)
{
    int zombie;
    return lock_proc_start_state(pid, &zombie);
}

static int lock_owner_alive(const lock_owner *o)
{
    if (o->pid <= 0) return 1;
    if (kill((pid_t)o->pid, 0) != 0 && errno == ESRCH) return 0;
    int zombie = 0;
    unsigned long long now = lock_proc_start_state(o->pid, &zombie);
    if (zombie) return 0;                             /* ended, not yet reaped */
    if (o->pstart && now && now != o->pstart) return 0; /* the pid was reused */
    return 1;
}

/* ------------------------------------------------------------ lock files */

/* Parse "host=H pid=P since=T pstart=S cmd=..." (a complete line).
 * Returns 1 when host, pid and since are all there. */
static int lock_parse(const char *text, lock_owner *o)
{
    memset(o, 0, sizeof *o);
    const char *nl = strchr(text, '\n');
    if (!nl) return 0; /* empty, or still being written */
    const char *p = text;
    int have = 0;
    while (p < nl) {
        while (p < nl && *p == ' ') p++;
        const char *e = p;
        while (e < nl && *e != ' ') e++;
        size_t len = (size_t)(e - p);
        if (len >= 4 && strncmp(p, "cmd=", 4) == 0) break; /* the rest of the line */
        /* The token's value, after its key (compared on the line itself:
         * gcc -O3 misjudges strncmp on a copied token). */
        char val[300];
        size_t k = 0;
        while (k < len && p[k] != '=') k++;
        if (k == len || len - k - 1 >= sizeof val) return 0;
        memcpy(val, p + k + 1, len - k - 1);
        val[len - k - 1] = '\0';
        char *end;
        if (k == 4 && memcmp(p, "host", 4) == 0 && val[0] && strlen(val) < sizeof o->host) {
            snprintf(o->host, sizeof o->host, "%s", val);
            have |= 1;
        } else if (k == 3 && memcmp(p, "pid", 3) == 0) {
            errno = 0;
            o->pid = strtol(val, &end, 10);
            if (end == val || *end || errno || o->pid <= 0) return 0;
            have |= 2;
        } else if (k == 5 && memcmp(p, "since", 5) == 0 && strlen(val) < sizeof o->since) {
            snprintf(o->since, sizeof o->since, "%s", val);
            have |= 4;
        } else if (k == 6 && memcmp(p, "pstart", 6) == 0) {
            o->pstart = strtoull(val, &end, 10);
            if (*end) o->pstart = 0;
        }
        p = e;
    }
    return have == 7;
}

/* Read a lock file's first line into buf, waiting a little for a line that
 * is still being written (its creator writes right after O_EXCL). */
static int lock_read_owner(int fd, lock_owner *o)
{
    char buf[2048];
    for (int i = 0; i < 50; i++) {
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        if (lock_parse(buf, o)) return 1;
        if (n < 0) return 0;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL); /* 10 ms */
    }
    return 0;
}

static int lock_same_file(const char *path, dev_t dev, ino_t ino)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Remove the stale lock file open as fd (whose flock the caller holds,
 * when the file system has flock), as described at the top. */
static int lock_clear_stale(const char *path, int fd, const char *output, const char *shown)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !lock_same_file(path, st.st_dev, st.st_ino))
        return LOCK_RETRY; /* someone else already replaced it */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t n = strlen(path) + 64;
    char *aside = sd_malloc(n, "a lock file name");
    if (!aside) return SD_ERR_NOMEM;
    snprintf(aside, n, "%s.stale.%ld.%ld", path, (long)getpid(), (long)ts.tv_nsec);
    int rc = LOCK_RETRY;
    if (rename(path, aside) != 0) {
        if (errno != ENOENT)
            rc = sd_error(SD_ERR_IO, "%s: cannot remove the stale lock file %s: %s", output,
                          shown, strerror(errno));
    } else if (!lock_same_file(aside, st.st_dev, st.st_ino)) {
        /* Only possible without flock: another process replaced the stale
         * lock with its own live one between our two looks.  Put it back. */
        if (link(aside, path) != 0)
            rc = sd_error(SD_ERR_IO, "%s: lost a race for the lock file %s; "
                          "another sendrift may be writing it", output, shown);
        unlink(aside);
    } else {
        unlink(aside);
    }
    free(aside);
    return rc;
}

/* The lock file exists: refuse (an error code), or clear it when stale, or
 * ask for another try (LOCK_RETRY). */
static int lock_inspect(const char *path, const char *output, const char *shown, int last)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return LOCK_RETRY; /* released meanwhile */
        return sd_error(SD_ERR_IO, "%s: cannot read its lock file %s: %s; if no sendrift is "
                        "writing %s, remove the lock file",
                        output, shown, strerror(errno), output);
    }
    struct stat st;
    lock_owner o;
    int rc;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !lock_read_owner(fd, &o)) {
        rc = sd_error(SD_ERR_IO, "%s: its lock file %s exists but is not a valid sendrift lock "
                      "(empty or damaged): if no sendrift is writing %s, remove the lock file",
                      output, shown, output);
        close(fd);
        return rc;
    }
    char host[256];
    lock_hostname(host, sizeof host);
    if (strcmp(o.host, host) != 0) {
        rc = sd_error(SD_ERR_IO, "%s: in use by another sendrift (pid %ld on %s, since %s; lock "
                      "file %s), which cannot be checked from this host (%s): wait for it, or "
                      "remove the lock file if that job is gone",
                      output, o.pid, o.host, o.since, shown, host);
        close(fd);
        return rc;
    }
    int fl = flock(fd, LOCK_EX | LOCK_NB);
    int held = fl != 0 && errno == EWOULDBLOCK;
    int alive = lock_owner_alive(&o);
    if (held && !alive && !last) {
        /* Its pid is gone yet its flock is held: another starter is
         * clearing it right now.  Look again shortly. */
        close(fd);
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
        return LOCK_RETRY;
    }
    if (held || alive) {
        sd_error(SD_ERR_IO, "%s: in use by another sendrift (pid %ld on %s, since %s; lock "
                 "file %s): wait for it, or remove the lock file if that process is gone",
                 output, o.pid, o.host, o.since, shown);
        close(fd);
        return LOCK_BUSY;
    }
    rc = lock_clear_stale(path, fd, output, shown);
    close(fd); /* drops the flock, after the rename */
    return rc;
}

/* Write our line into the new lock file fd, then take its flock. */
static int lock_fill(int fd, const char *output, const char *shown)
{
    char host[256], since[32], cmd[512], line[1024];
    lock_hostname(host, sizeof host);
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(since, sizeof since, "unknown");
    lock_cmdline(cmd, sizeof cmd);
    long pid = (long)getpid();
    int n = snprintf(line, sizeof line, "host=%s pid=%ld since=%s pstart=%llu cmd=%s\n", host,
                     pid, since, lock_proc_start(pid), cmd);
    if (n < 0) return sd_error(SD_ERR_INTERNAL, "%s: cannot format the lock line", output);
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    line[len - 1] = '\n'; /* a cut command still ends the line */
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            return sd_error(SD_ERR_IO, "%s: cannot write its lock file %s: %s", output, shown,
                            w < 0 ? strerror(errno) : "nothing written");
        off += (size_t)w;
    }
    /* On disk before anyone relies on it: an empty lock after a crash of the
     * machine would need removing by hand. */
    if (fsync(fd) != 0 && errno != EINVAL)
        return sd_error(SD_ERR_IO, "%s: cannot write its lock file %s: %s", output, shown,
                        strerror(errno));
    /* An inspector may hold the flock for a moment; the pid check covers
     * us until we have it, and for good where flock is not supported. */
    for (int i = 0; i < 100; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return SD_OK;
}

/* The lock file of output: the real path of its directory, its base name,
 * ".lock".  *shown: the name for messages, as the user spelled it. */
static int lock_path(const char *output, char **path, char **shown)
{
    *path = *shown = NULL;
    const char *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return sd_error(SD_ERR_INPUT, "\"%s\": not a file name; give the result file", output);
    char *dir;
    if (!slash) dir = sd_strdup(".");
    else if (slash == output) dir = sd_strdup("/");
    else {
        dir = sd_malloc((size_t)(slash - output) + 1, "a directory name");
        if (dir) {
            memcpy(dir, output, (size_t)(slash - output));
            dir[slash - output] = '\0';
        }
    }
    if (!dir) return SD_ERR_NOMEM;
    char *real = realpath(dir, NULL);
    struct stat st;
    if (real && (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))) {
        /* glibc resolves "file" as a directory part without complaint */
        free(real);
        real = NULL;
        errno = ENOTDIR;
    }
    if (!real) {
        int e = errno;
        int rc = e == ENOENT ? sd_error(SD_ERR_IO, "%s: cannot lock it: the directory %s does "
                                        "not exist", output, dir)
                 : e == ENOTDIR ? sd_error(SD_ERR_IO, "%s: cannot lock it: %s is not a "
                                           "directory", output, dir)
                 : sd_error(SD_ERR_IO, "%s: cannot lock it: the directory %s: %s", output, dir,
                            strerror(e));
        free(dir);
        return rc;
    }
    free(dir);
    size_t n = strlen(real) + strlen(base) + 7;
    *path = sd_malloc(n, "a lock file name");
    *shown = sd_malloc(strlen(output) + 6, "a lock file name");
    if (!*path || !*shown) {
        free(real);
        free(*path);
        free(*shown);
        *path = *shown = NULL;
        return SD_ERR_NOMEM;
    }
    snprintf(*path, n, "%s%s%s.lock", real, strcmp(real, "/") ? "/" : "", base);
    snprintf(*shown, strlen(output) + 6, "%s.lock", output);
    free(real);
    return SD_OK;
}

/* ------------------------------------------------------------------ API */

int sd_lock_acquire_wait(const char *output_path, double wait, sd_lock **out)
{
    *out = NULL;
    char *path, *shown;
    SD_CALL(lock_path(output_path, &path, &shown));
    int rc = SD_OK;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int attempt = 0;; attempt++) {
        if (attempt == LOCK_ATTEMPTS) {
            rc = sd_error(SD_ERR_IO, "%s: its lock file %s keeps changing: another sendrift is "
                          "starting on it; try again",
                          output_path, shown);
            break;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            struct stat st;
            memset(&st, 0, sizeof st);
            rc = lock_fill(fd, output_path, shown);
            if (rc == SD_OK && fstat(fd, &st) != 0)
                rc = sd_error(SD_ERR_IO, "%s: cannot stat its lock file %s: %s", output_path,
                              shown, strerror(errno));
            sd_lock *l = rc == SD_OK ? sd_malloc(sizeof *l, "a lock") : NULL;
            if (!l) {
                if (rc == SD_OK) rc = SD_ERR_NOMEM;
                unlink(path); /* ours: nobody takes over a lock naming a live pid */
                close(fd);
                break;
            }
            l->path = path;
            l->fd = fd;
            l->dev = st.st_dev;
            l->ino = st.st_ino;
            free(shown);
            *out = l;
            return SD_OK;
        }
        if (errno != EEXIST) {
            rc = sd_error(SD_ERR_IO, "%s: cannot lock it: cannot create the lock file %s: %s",
                          output_path, shown, strerror(errno));
            break;
        }
        rc = lock_inspect(path, output_path, shown, attempt == LOCK_ATTEMPTS - 1);
        if (rc == LOCK_BUSY) {
            /* A live holder: wait a little in case it is ending. */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double waited = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
            if (waited >= wait) {
                rc = SD_ERR_IO;
                break;
            }
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
            attempt--;
            continue;
        }
        if (rc != LOCK_RETRY) break;
        rc = SD_OK;
    }
    free(path);
    free(shown);
    return rc;
}

void sd_lock_release(sd_lock **l)
{
    if (!l || !*l) return;
    sd_lock *k = *l;
    /* Unlink only our own file: while our descriptor is open its inode
     * number cannot be reused, so an equal dev/inode means it is ours. */
    if (lock_same_file(k->path, k->dev, k->ino)) unlink(k->path);
    close(k->fd); /* after the unlink: see lock_clear_stale */
    free(k->path);
    free(k);
    *l = NULL;
}
