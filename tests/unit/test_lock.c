/* Unit tests of the result-file lock (src/core/lock.c).
 *
 * No MPI here: the lock is rank 0's alone, and the tests fork() processes
 * that race for it, which is safest in a process that never started MPI.
 * Every test works in its own temporary directory.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sendrift/error.h"
#include "sendrift/lock.h"
#include "sd_test.h"

/* ------------------------------------------------------------- helpers */

static char dir[64];

/* Acquire without waiting for a live holder (sd_lock_acquire waits 5 s). */
static int acquire_now(const char *path, sd_lock **l) { return sd_lock_acquire_wait(path, 0.0, l); }

/* A fresh directory for one test; its name in dir. */
static int make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/sd_test_lock_XXXXXX");
    return mkdtemp(dir) != NULL;
}

/* Remove the files the tests leave in dir, then dir. */
static void remove_dir(void)
{
    static const char *const names[] = {"r.h5.lock", "x.h5.lock", "plain", "sub", "ro/a.h5.lock",
                                        "ro"};
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (unlink(p) != 0) rmdir(p);
    }
    CU_ASSERT_EQUAL(rmdir(dir), 0); /* nothing else was left behind */
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void read_text(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = '\0';
    fclose(f);
}

static int has(const char *text, const char *sub)
{
    if (strstr(text, sub)) return 1;
    fprintf(stderr, "\n  message\n    %s\n  lacks\n    %s\n", text, sub);
    return 0;
}

static void host(char *buf, size_t n)
{
    if (gethostname(buf, n) != 0) snprintf(buf, n, "unknown");
    buf[n - 1] = '\0';
}

/* The pid of a process that has exited and been reaped: free, for now. */
static pid_t dead_pid(void)
{
    fflush(NULL);
    pid_t p = fork();
    if (p == 0) _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

/* ------------------------------------------------------------- tests */

static void test_acquire_refuse_release(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], text[2048], want[PATH_MAX + 512], h[256];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);
    host(h, sizeof h);

    sd_lock *a = NULL, *b = (sd_lock *)&b;
    CU_ASSERT_EQUAL_FATAL(acquire_now(out, &a), SD_OK);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_TRUE(exists(lockf));
    /* The line names this host and pid, for people and for the stale check. */
    read_text(lockf, text, sizeof text);
    snprintf(want, sizeof want, "host=%s pid=%ld since=20", h, (long)getpid());
    CU_ASSERT_TRUE(has(text, want));
    CU_ASSERT_TRUE(has(text, "cmd="));
    struct stat st;
    CU_ASSERT_EQUAL(stat(lockf, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0644 & ~mask);

    /* A second writer (here: the same process again) is refused. */
    sd_error_clear();
    CU_ASSERT_EQUAL(acquire_now(out, &b), SD_ERR_IO);
    CU_ASSERT_PTR_NULL(b);
    const char *msg = sd_error_message();
    snprintf(want, sizeof want, "%s: in use by another sendrift (pid %ld on %s, since 20", out,
             (long)getpid(), h);
    CU_ASSERT_TRUE(has(msg, want));
    CU_ASSERT_TRUE(has(msg, "; lock file "));
    CU_ASSERT_TRUE(has(msg, lockf));
    CU_ASSERT_TRUE(has(msg, "): wait for it, or remove the lock file if that process is gone"));
    CU_ASSERT_TRUE(exists(lockf)); /* a refused start leaves the holder's lock alone */

    sd_lock_release(&a);
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_FALSE(exists(lockf));
    sd_lock_release(&a); /* NULL is fine */
    sd_lock_release(NULL);

    /* Free again. */
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_OK);
    sd_lock_release(&a);
    CU_ASSERT_FALSE(exists(lockf));
    remove_dir();
}

static void test_stale(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], text[2048], line[512], want[PATH_MAX + 512], h[256];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);
    host(h, sizeof h);
    snprintf(want, sizeof want, "pid=%ld ", (long)getpid());

    /* A crashed holder on this host: its pid is gone. */
    snprintf(line, sizeof line, "host=%s pid=%ld since=2020-01-01T00:00:00Z pstart=1 cmd=x\n", h,
             (long)dead_pid());
    write_text(lockf, line);
    sd_lock *a = NULL;
    sd_error_clear();
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_OK);
    read_text(lockf, text, sizeof text);
    CU_ASSERT_TRUE(has(text, want));
    sd_lock_release(&a);
    CU_ASSERT_FALSE(exists(lockf));

    /* Its pid now names another process (a different start time): here
     * ours, started long after "pstart=1". */
    snprintf(line, sizeof line, "host=%s pid=%ld since=2020-01-01T00:00:00Z pstart=1 cmd=x\n", h,
             (long)getpid());
    write_text(lockf, line);
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_OK);
    read_text(lockf, text, sizeof text);
    CU_ASSERT_TRUE(has(text, "pstart="));
    CU_ASSERT_PTR_NULL(strstr(text, "pstart=1 "));
    sd_lock_release(&a);

    /* A live process of this host (our parent) that holds no flock: the
     * pid check alone keeps its lock. */
    snprintf(line, sizeof line, "host=%s pid=%ld since=2020-01-01T00:00:00Z cmd=x\n", h,
             (long)getppid());
    write_text(lockf, line);
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_ERR_IO);
    CU_ASSERT_PTR_NULL(a);
    snprintf(want, sizeof want, "in use by another sendrift (pid %ld on %s, since "
             "2020-01-01T00:00:00Z; lock file ", (long)getppid(), h);
    CU_ASSERT_TRUE(has(sd_error_message(), want));
    CU_ASSERT_TRUE(exists(lockf));
    unlink(lockf);

    /* No stale lock file is left beside it either. */
    remove_dir();
}

/* A lock whose flock is held is live, whatever its pid says (its holder
 * may be in another pid namespace under the same host name). */
static void test_flock_held(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], h[256], line[512];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);
    host(h, sizeof h);
    long gone = (long)dead_pid();
    snprintf(line, sizeof line, "host=%s pid=%ld since=2020-01-01T00:00:00Z cmd=x\n", h, gone);
    write_text(lockf, line);
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    fflush(NULL);
    pid_t c = fork();
    if (c == 0) {
        int fd = open(lockf, O_RDONLY);
        char r = fd >= 0 && flock(fd, LOCK_EX) == 0;
        if (write(fds[1], &r, 1) < 0) _exit(99);
        for (;;) pause();
    }
    char r = 0;
    CU_ASSERT_EQUAL(read(fds[0], &r, 1), 1);
    CU_ASSERT_EQUAL(r, 1);
    close(fds[0]);
    close(fds[1]);
    sd_lock *a = NULL;
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_ERR_IO);
    char want[PATH_MAX + 512];
    snprintf(want, sizeof want, "in use by another sendrift (pid %ld on %s", gone, h);
    CU_ASSERT_TRUE(has(sd_error_message(), want));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_OK); /* now it is stale */
    sd_lock_release(&a);
    CU_ASSERT_FALSE(exists(lockf));
    remove_dir();
}

static void test_other_host(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], h[256];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);
    host(h, sizeof h);
    write_text(lockf, "host=node-elsewhere.invalid pid=1234 since=2026-11-29T20:00:00Z "
                      "pstart=99 cmd=sendrift sweep a b\n");
    sd_lock *a = NULL;
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_ERR_IO);
    CU_ASSERT_PTR_NULL(a);
    const char *msg = sd_error_message();
    CU_ASSERT_TRUE(has(msg, "in use by another sendrift (pid 1234 on node-elsewhere.invalid, "
                            "since 2026-11-29T20:00:00Z; lock file "));
    CU_ASSERT_TRUE(has(msg, lockf));
    CU_ASSERT_TRUE(has(msg, "cannot be checked from this host"));
    CU_ASSERT_TRUE(has(msg, h));
    CU_ASSERT_TRUE(has(msg, "remove the lock file if that job is gone"));
    CU_ASSERT_TRUE(exists(lockf)); /* never taken over */

    /* Damaged or empty: refused, saying what to do. */
    write_text(lockf, "");
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_ERR_IO);
    CU_ASSERT_TRUE(has(sd_error_message(), "is not a valid sendrift lock (empty or damaged): if "
                                           "no sendrift is writing"));
    CU_ASSERT_TRUE(exists(lockf));
    remove_dir();
}

static void test_spellings(void)
{
    CU_ASSERT_FATAL(make_dir());
    char cwd[PATH_MAX], abs[PATH_MAX], sub[PATH_MAX];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CU_ASSERT_EQUAL(mkdir(sub, 0755), 0);
    snprintf(abs, sizeof abs, "%s/x.h5", dir);

    sd_lock *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(acquire_now("x.h5", &a), SD_OK);
    static const char *const same[] = {"./x.h5", "sub/../x.h5", "./sub/.././x.h5", ".//x.h5"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        CU_ASSERT_EQUAL(acquire_now(same[i], &b), SD_ERR_IO);
        CU_ASSERT_PTR_NULL(b);
        CU_ASSERT_TRUE(has(sd_error_message(), same[i]));
    }
    CU_ASSERT_EQUAL(acquire_now(abs, &b), SD_ERR_IO);
    /* Another name is another lock. */
    CU_ASSERT_EQUAL(acquire_now("sub/x.h5", &b), SD_OK);
    CU_ASSERT_TRUE(exists("sub/x.h5.lock"));
    sd_lock_release(&b);
    CU_ASSERT_FALSE(exists("sub/x.h5.lock"));
    /* The lock keeps its absolute name: a chdir() before the release is
     * harmless. */
    CU_ASSERT_EQUAL(chdir("sub"), 0);
    sd_lock_release(&a);
    CU_ASSERT_FALSE(exists("../x.h5.lock"));
    CU_ASSERT_EQUAL(chdir(cwd), 0);
    remove_dir();
}

static void test_bad_places(void)
{
    CU_ASSERT_FATAL(make_dir());
    char p[PATH_MAX];
    sd_lock *a = NULL;

    CU_ASSERT_EQUAL(acquire_now("/nonexistent-sd-dir/deeper/a.h5", &a), SD_ERR_IO);
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_TRUE(has(sd_error_message(), "/nonexistent-sd-dir/deeper/a.h5: cannot lock it: "
                                           "the directory /nonexistent-sd-dir/deeper does not "
                                           "exist"));

    snprintf(p, sizeof p, "%s/plain", dir);
    write_text(p, "x");
    snprintf(p, sizeof p, "%s/plain/a.h5", dir);
    CU_ASSERT_EQUAL(acquire_now(p, &a), SD_ERR_IO);
    CU_ASSERT_TRUE(has(sd_error_message(), "plain is not a directory"));

    /* Unwritable: a read-only directory, or (root ignores modes) sysfs. */
    if (geteuid() != 0) {
        snprintf(p, sizeof p, "%s/ro", dir);
        CU_ASSERT_EQUAL(mkdir(p, 0555), 0);
        snprintf(p, sizeof p, "%s/ro/a.h5", dir);
    } else {
        snprintf(p, sizeof p, "/sys/sd_test_lock.h5");
    }
    CU_ASSERT_EQUAL(acquire_now(p, &a), SD_ERR_IO);
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_TRUE(has(sd_error_message(), p));
    CU_ASSERT_TRUE(has(sd_error_message(), ": cannot lock it: cannot create the lock file "));
    CU_ASSERT_TRUE(has(sd_error_message(), ".h5.lock: "));

    CU_ASSERT_EQUAL(acquire_now("", &a), SD_ERR_INPUT);
    CU_ASSERT_EQUAL(acquire_now("somedir/", &a), SD_ERR_INPUT);
    CU_ASSERT_TRUE(has(sd_error_message(), "\"somedir/\": not a file name"));
    CU_ASSERT_EQUAL(acquire_now("..", &a), SD_ERR_INPUT);
    CU_ASSERT_PTR_NULL(a);
    remove_dir();
}

/* Release removes only its own lock file: one that replaced it stays. */
static void test_release_only_ours(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], text[256];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);
    sd_lock *a = NULL;
    CU_ASSERT_EQUAL_FATAL(acquire_now(out, &a), SD_OK);
    CU_ASSERT_EQUAL(unlink(lockf), 0);
    write_text(lockf, "someone else's\n");
    sd_lock_release(&a);
    read_text(lockf, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "someone else's\n");
    unlink(lockf);
    remove_dir();
}

/* sd_lock_acquire waits for a live holder that ends (a job being torn
 * down): a child holds the lock until the parent has started to wait for
 * it (the parent's acquire has found it held), then exits; the parent gets
 * the lock, where acquire_now is refused. */
static void test_waits_for_ending_holder(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX];
    snprintf(out, sizeof out, "%s/w.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/w.h5.lock", dir);
    int up[2], go[2];
    CU_ASSERT_EQUAL_FATAL(pipe(up), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
    fflush(NULL);
    pid_t c = fork();
    if (c == 0) {
        close(up[0]);
        close(go[1]);
        sd_lock *b = NULL;
        char r = (char)acquire_now(out, &b);
        if (write(up[1], &r, 1) < 0) _exit(99);
        char x;
        if (read(go[0], &x, 1) < 0) _exit(99); /* the parent is about to wait */
        /* Ends a moment later, holding it (no release), so that the parent
         * finds it still alive and has to wait (a late parent finds it gone
         * and takes it over: the test passes either way with the wait, and
         * fails without it unless the parent is late). */
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
        _exit(0);
    }
    close(up[1]);
    close(go[0]);
    char r = 99;
    CU_ASSERT_EQUAL(read(up[0], &r, 1), 1);
    CU_ASSERT_EQUAL(r, SD_OK);
    sd_lock *a = NULL;
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_ERR_IO); /* held, and alive */
    CU_ASSERT_EQUAL(write(go[1], "x", 1), 1);          /* now let it end */
    close(go[1]);
    close(up[0]);
    CU_ASSERT_EQUAL(sd_lock_acquire(out, &a), SD_OK); /* waited for it */
    waitpid(c, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL(a);
    sd_lock_release(&a);
    CU_ASSERT_FALSE(exists(lockf));
    remove_dir();
}

/* A real second process is refused while we hold the lock; a holder that
 * is killed leaves a lock that is taken over. */
static void test_two_processes(void)
{
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], msg[4096], want[PATH_MAX + 512];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);

    /* We hold it; a child tries and reports its code and message. */
    sd_lock *a = NULL;
    CU_ASSERT_EQUAL_FATAL(acquire_now(out, &a), SD_OK);
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    fflush(NULL);
    pid_t c = fork();
    if (c == 0) {
        close(fds[0]);
        sd_lock *b = NULL;
        int rc = acquire_now(out, &b);
        const char *m = sd_error_message();
        if (write(fds[1], m, strlen(m) + 1) < 0) _exit(99);
        _exit(rc);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], msg, sizeof msg - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(c, &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == SD_ERR_IO);
    snprintf(want, sizeof want, "in use by another sendrift (pid %ld on ", (long)getpid());
    CU_ASSERT_TRUE(has(msg, want));
    sd_lock_release(&a);

    /* A child holds it, we are refused; the child is killed (no release),
     * and its lock is then ours without a word. */
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    fflush(NULL);
    c = fork();
    if (c == 0) {
        close(fds[0]);
        sd_lock *b = NULL;
        char r = (char)acquire_now(out, &b);
        if (write(fds[1], &r, 1) < 0) _exit(99);
        for (;;) pause();
    }
    close(fds[1]);
    char r = 99;
    CU_ASSERT_EQUAL(read(fds[0], &r, 1), 1);
    close(fds[0]);
    CU_ASSERT_EQUAL(r, SD_OK);
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_ERR_IO);
    snprintf(want, sizeof want, "in use by another sendrift (pid %ld on ", (long)c);
    CU_ASSERT_TRUE(has(sd_error_message(), want));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    CU_ASSERT_TRUE(exists(lockf));
    sd_error_clear();
    CU_ASSERT_EQUAL(acquire_now(out, &a), SD_OK);
    CU_ASSERT_STRING_EQUAL(sd_error_message(), "");
    sd_lock_release(&a);
    CU_ASSERT_FALSE(exists(lockf));
    remove_dir();
}

/* Processes starting together, on a free or a stale lock: exactly one
 * gets it, every time. */
static void test_race(void)
{
    enum { KIDS = 6, ROUNDS = 60 };
    CU_ASSERT_FATAL(make_dir());
    char out[PATH_MAX], lockf[PATH_MAX], h[256], line[512];
    snprintf(out, sizeof out, "%s/r.h5", dir);
    snprintf(lockf, sizeof lockf, "%s/r.h5.lock", dir);
    host(h, sizeof h);
    int bad_rounds = 0;
    for (int round = 0; round < ROUNDS; round++) {
        if (round % 2) { /* odd rounds race to clear a stale lock */
            snprintf(line, sizeof line, "host=%s pid=%ld since=2020-01-01T00:00:00Z cmd=x\n", h,
                     (long)dead_pid());
            write_text(lockf, line);
        }
        int go[2], done[2], res[2];
        CU_ASSERT_FATAL(pipe(go) == 0 && pipe(done) == 0 && pipe(res) == 0);
        pid_t kids[KIDS];
        fflush(NULL);
        for (int k = 0; k < KIDS; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                char x;
                close(go[1]);
                close(done[1]);
                close(res[0]);
                if (read(go[0], &x, 1) < 0) _exit(99); /* EOF: go */
                sd_lock *l = NULL;
                char r = (char)acquire_now(out, &l);
                if (write(res[1], &r, 1) < 0) _exit(99);
                if (read(done[0], &x, 1) < 0) _exit(99); /* hold until all reported */
                sd_lock_release(&l);
                _exit(0);
            }
        }
        close(go[0]);
        close(done[0]);
        close(res[1]);
        close(go[1]); /* all start */
        int ok = 0, busy = 0;
        char r;
        for (int k = 0; k < KIDS && read(res[0], &r, 1) == 1; k++) {
            if (r == SD_OK) ok++;
            else if (r == SD_ERR_IO) busy++;
        }
        close(res[0]);
        close(done[1]); /* the winner releases */
        for (int k = 0; k < KIDS; k++) waitpid(kids[k], NULL, 0);
        if (ok != 1 || busy != KIDS - 1) {
            fprintf(stderr, "\n  round %d: %d got the lock, %d were refused\n", round, ok, busy);
            bad_rounds++;
        }
        CU_ASSERT_FALSE(exists(lockf));
    }
    CU_ASSERT_EQUAL(bad_rounds, 0);
    remove_dir();
}

/* ---------------------------------------------------------------- main */

static const sd_test tests[] = {
    {"acquire, refuse a second writer, release", test_acquire_refuse_release},
    {"stale locks of this host are taken over", test_stale},
    {"a held flock keeps a lock whose pid is gone", test_flock_held},
    {"another host's lock, a damaged lock", test_other_host},
    {"spellings of one path are one lock", test_spellings},
    {"missing and unwritable directories", test_bad_places},
    {"release removes only its own lock file", test_release_only_ours},
    {"a second process; a killed holder", test_two_processes},
    {"a holder that ends is waited for", test_waits_for_ending_holder},
    {"processes racing for a free or stale lock", test_race},
    SD_TEST_END};

/* Without MPI: these tests fork, which an MPI process must not do. */
int main(void)
{
    const sd_test_suite suites[] = {{"lock", NULL, NULL, tests}, SD_SUITE_END};
    return sd_test_main(suites);
}
