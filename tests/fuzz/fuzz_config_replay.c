/* Replay of the fuzz corpus as a regression test (ctest fuzz.config_replay).
 *
 *   fuzz_config_replay PATH...
 *
 * Every regular file of every directory PATH (not recursive, sorted), and
 * every file PATH, goes through the same checks as the libFuzzer target
 * (fuzz_config_one.c), plus sd_sweep_load of the file itself.  A broken
 * invariant aborts; a crash fails the test; under -DSD_SANITIZE=ON
 * AddressSanitizer, UBSan and LeakSanitizer watch it.  Prints how many
 * inputs it replayed and how many parsed. */
#include <dirent.h>
#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_config_one.h"

#define REPLAY_MAX_BYTES ((size_t)1 << 20)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double slowest_s;
static char slowest[4096];

/* 0, or 1 after printing why the file could not be replayed. */
static int replay_file(const char *path, sd_fuzz_stats *st)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_config_replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    unsigned char *buf = malloc(REPLAY_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        fprintf(stderr, "fuzz_config_replay: out of memory\n");
        return 1;
    }
    size_t n = fread(buf, 1, REPLAY_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > REPLAY_MAX_BYTES) {
        free(buf);
        fprintf(stderr, "fuzz_config_replay: %s: %s\n", path,
                bad ? "read error" : "larger than 1 MiB; keep corpus files small");
        return 1;
    }
    double t0 = now();
    sd_fuzz_config_one(buf, n, path, st);
    double dt = now() - t0;
    if (dt > slowest_s) {
        slowest_s = dt;
        snprintf(slowest, sizeof slowest, "%s", path);
    }
    free(buf);
    return 0;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int keep_entry(const struct dirent *e) { return e->d_name[0] != '.'; }

static int replay_dir(const char *dir, sd_fuzz_stats *st, unsigned long *files)
{
    struct dirent **names;
    int n = scandir(dir, &names, keep_entry, alphasort);
    if (n < 0) {
        fprintf(stderr, "fuzz_config_replay: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            bad |= replay_file(path, st);
            (*files)++;
        }
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    /* Leave SIGABRT and SIGSEGV to the sanitizers, not Open MPI's handlers. */
    setenv("OMPI_MCA_opal_signal", "", 0);
    MPI_Init(&argc, &argv);
    /* The loader runs on MPI_COMM_SELF: its MPI errors come back as codes,
     * as in sendrift (a failure here would only abort, as before). */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_config_replay DIR_OR_FILE...\n");
        MPI_Finalize();
        return 2;
    }
    sd_fuzz_stats st;
    memset(&st, 0, sizeof st);
    int bad = 0;
    double t0 = now();
    for (int i = 1; i < argc; i++) {
        unsigned long files = 0;
        if (is_dir(argv[i])) {
            bad |= replay_dir(argv[i], &st, &files);
        } else {
            bad |= replay_file(argv[i], &st);
            files = 1;
        }
        printf("fuzz_config_replay: %s: %lu input%s\n", argv[i], files, files == 1 ? "" : "s");
    }
    printf("fuzz_config_replay: replayed %llu inputs in %.2f s: %llu parsed (+%llu of the "
           "harness model); %llu refused by the model's layout; %llu designs built, %llu "
           "refused by the design, %llu not built (too costly); %llu also loaded; %llu values "
           "an ulp or so past their range; slowest %.3f s (%s)\n",
           (unsigned long long)st.inputs, now() - t0, (unsigned long long)st.parsed,
           (unsigned long long)st.parsed_fuzz, (unsigned long long)st.layout_refused,
           (unsigned long long)st.designs, (unsigned long long)st.design_refused,
           (unsigned long long)st.design_skipped, (unsigned long long)st.loads,
           (unsigned long long)st.range_overshoots, slowest_s, slowest[0] ? slowest : "-");
    if (st.inputs == 0) {
        fprintf(stderr, "fuzz_config_replay: no inputs found\n");
        bad = 1;
    }
    MPI_Finalize();
    return bad ? 1 : 0;
}
