/* sendrift: is the progress output going to a terminal, even under mpirun?
 * (see sd_progress_terminal in include/sendrift/progress.h)
 *
 * Under mpirun a rank's stderr is a pipe to the launcher, which copies what
 * it reads to its own stderr, so isatty() on the rank says no even when the
 * user watches a terminal.  No environment variable of Open MPI (or MPICH,
 * or Slurm) says where the launcher's output goes, so we look: Linux shows
 * every process's parent and open files under /proc, and the launcher is an
 * ancestor of the ranks on its own node.  Elsewhere (no /proc, the ranks on
 * other nodes, srun whose ranks hang below slurmstepd) the answer is no,
 * and --progress=bar forces the bar.
 */
#include "sendrift/progress.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

#define SD_MAX_ANCESTORS 16

/* The launchers whose stderr is the user's (the kernel keeps 15 characters
 * of a command's name: mpiexec.openmpi fits). */
static const char *const sd_launchers[] = {"mpirun",  "mpiexec", "mpiexec.openmpi",
                                           "mpiexec.hydra", "mpirun.openmpi", "mpirun.mpich",
                                           "mpiexec.mpich", "orterun", "prterun", "prun",
                                           "srun",    NULL};

/* A process's parent and command name, from /proc/PID/stat ("PID (NAME) S
 * PPID ...", where NAME may hold spaces and parentheses). */
static int sd_parent_of(pid_t pid, pid_t *ppid, char *name, size_t n)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (got <= 0) return 0;
    buf[got] = '\0';
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren < open_paren) return 0;
    size_t len = (size_t)(close_paren - open_paren - 1);
    if (len >= n) len = n - 1;
    memcpy(name, open_paren + 1, len);
    name[len] = '\0';
    char state;
    long pp;
    if (sscanf(close_paren + 1, " %c %ld", &state, &pp) != 2) return 0;
    *ppid = (pid_t)pp;
    return 1;
}

static int sd_is_launcher(const char *name)
{
    for (const char *const *l = sd_launchers; *l; l++)
        if (strcmp(name, *l) == 0) return 1;
    return 0;
}

/* Is fd a terminal?  Its width into *cols when the terminal tells. */
static int sd_fd_terminal(int fd, int *cols)
{
    if (!isatty(fd)) return 0;
    struct winsize ws;
    if (cols && ioctl(fd, TIOCGWINSZ, &ws) == 0) *cols = ws.ws_col;
    return 1;
}

/* Does process pid hold the pipe (or socket) named target ("pipe:[INODE]")
 * open?  The launcher reads our output from the other end of it. */
static int sd_holds(pid_t pid, const char *target)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        char path[128], link[256];
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t len = readlink(path, link, sizeof link - 1);
        if (len <= 0) continue;
        link[len] = '\0';
        found = strcmp(link, target) == 0;
    }
    closedir(d);
    return found;
}

/* Is the launcher's stderr (/proc/PID/fd/2) a terminal?  Only a device is
 * opened (never a named pipe, which could block). */
static int sd_launcher_terminal(pid_t pid, int *cols)
{
    char path[64], link[256];
    snprintf(path, sizeof path, "/proc/%ld/fd/2", (long)pid);
    ssize_t len = readlink(path, link, sizeof link - 1);
    if (len <= 0) return 0;
    link[len] = '\0';
    if (strncmp(link, "/dev/", 5) != 0) return 0;
    int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    int tty = sd_fd_terminal(fd, cols);
    close(fd);
    return tty;
}

int sd_progress_terminal(FILE *out, int *cols)
{
    if (cols) *cols = 0;
    if (sd_fd_terminal(fileno(out), cols)) return 1;
    /* Our stderr must be a pipe (or socket) that the launcher, or a process
     * between it and us (a launcher's local daemon), holds the other end
     * of: then what we write ends up on the launcher's stderr.  A pipe to
     * anything else (`sendrift ... 2>&1 | tee log` in a wrapper) is not a
     * terminal, whatever the launcher's stderr is. */
    char self[64], target[256];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fileno(out));
    ssize_t len = readlink(self, target, sizeof target - 1);
    if (len <= 0) return 0;
    target[len] = '\0';
    if (strncmp(target, "pipe:", 5) != 0 && strncmp(target, "socket:", 7) != 0) return 0;
    int held = 0;
    pid_t pid = getppid();
    for (int depth = 0; depth < SD_MAX_ANCESTORS && pid > 1; depth++) {
        pid_t ppid;
        char name[64];
        if (!sd_parent_of(pid, &ppid, name, sizeof name)) return 0;
        held = held || sd_holds(pid, target);
        if (sd_is_launcher(name)) return held && sd_launcher_terminal(pid, cols);
        pid = ppid;
    }
    return 0;
}
