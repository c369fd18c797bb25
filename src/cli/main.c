/* sendrift: the command line.  It parses arguments and calls the library. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sendrift/config.h"
#include "sendrift/design.h"
#include "sendrift/error.h"
#include "sendrift/merge.h"
#include "sendrift/model.h"
#include "sendrift/mpicheck.h"
#include "sendrift/plan.h"
#include "sendrift/progress.h"
#include "sendrift/results.h"
#include "sendrift/sweep.h"
#include "sendrift/version.h"

#include "export.h"

/* Exit statuses (documented in README.md). */
enum {
    SD_EXIT_OK = 0,          /* every run done                              */
    SD_EXIT_USAGE = 2,       /* bad command line or sweep file              */
    SD_EXIT_ERROR = 3,       /* the sweep could not go on (I/O, MPI, ...)   */
    SD_EXIT_FAILED_RUNS = 4, /* finished, but some runs failed              */
    SD_EXIT_REQUEUE = 75     /* stopped by a signal: resume it (EX_TEMPFAIL) */
};

static int sd_rank, sd_size;

static void usage(FILE *out)
{
    fputs("Usage: mpirun -n N sendrift run SWEEP.json [-o OUT.h5] [options]\n"
          "       sendrift check SWEEP.json [--all]\n"
          "       sendrift merge SWEEP.json -o OUT.h5 [--force] SHARD.h5...\n"
          "       sendrift export RESULT.h5 [--format csv|tsv|json] [-o OUT]\n"
          "       sendrift models [NAME] [--json]\n"
          "       sendrift --help | --version\n"
          "\n"
          "Commands:\n"
          "  run      run every run of the sweep and write one HDF5 result file.\n"
          "           Rank 0 hands out runs; the other ranks form worker groups.\n"
          "  check    validate the sweep file and print the expanded design (runs,\n"
          "           parameters, ranges, estimated output size) without running.\n"
          "  models   list the models and their parameters (with units and ranges);\n"
          "           --json prints the same as JSON, for programs.\n"
          "  merge    merge the files of `run --shard I/N` into one result file; runs\n"
          "           no shard finished stay PENDING (finish them with run --resume).\n"
          "  export   write a result file (whole, shard, merged or unfinished) as one\n"
          "           table, a row per run: run, point, replicate, status, attempts,\n"
          "           wall_seconds, parameters, summaries, message (no time series).\n"
          "\n"
          "Options of run:\n"
          "  -o, --output FILE         result file (default: output.file of the sweep,\n"
          "                            else NAME.h5 after the sweep's name)\n"
          "  -P, --ranks-per-sim P     ranks per simulation (worker group size; 1)\n"
          "  -f, --force               overwrite an existing result file\n"
          "  -q, --quiet               no progress output\n"
          "      --progress-interval S seconds between progress lines when stderr is\n"
          "                            not a terminal (10)\n"
          "      --progress MODE       bar (a live line), lines (for logs) or none (only\n"
          "                            warnings and errors); default: the bar when stderr\n"
          "                            is a terminal, also mpirun's, else lines\n"
          "      --resume              continue the sweep in the output file: finished\n"
          "                            runs are kept, unfinished ones run (the file is\n"
          "                            created when it does not exist yet)\n"
          "      --retry N             re-attempt a failed run up to N times (with\n"
          "                            --resume, runs that failed before are retried too)\n"
          "      --grace S             after SIGTERM/SIGUSR1/SIGINT, let running runs\n"
          "                            finish for S seconds (60) before abandoning them\n"
          "                            (within one model step; a second signal abandons\n"
          "                            them at once)\n"
          "      --run-timeout S       stop a run that takes longer than S seconds and\n"
          "                            record it FAILED (\"timeout\"); the sweep goes on\n"
          "                            (default: run_timeout of the sweep file, else none)\n"
          "      --checkpoint-every S  save a run's whole state every S seconds of its\n"
          "                            wall time (OUT.ckpt/ beside the result file), so\n"
          "                            that --resume goes on from there, on any -P and\n"
          "                            number of ranks (default: checkpoint_every of the\n"
          "                            sweep file, else only at a stop signal)\n"
          "      --shard I/N           run only the runs with run % N == I, into a file of\n"
          "                            their own (a job array: one shard per task; then\n"
          "                            `sendrift merge`)\n"
          "Options of check:\n"
          "      --all                 print every run, not the first 10\n",
          out);
    sd_cli_export_help(out);
    fputs("\n"
          "Exit status: 0 all runs done; 2 bad command line or sweep file (export: or\n"
          "result file); 3 the sweep could not go on (I/O, MPI, HDF5, memory); 4\n"
          "finished with failed runs; 75 stopped by a signal before the end, or\n"
          "(merge) runs left unfinished: run again with --resume (requeue).\n",
          out);
}

static void version(void)
{
    char mpiver[MPI_MAX_LIBRARY_VERSION_STRING];
    int len;
    unsigned maj, min, rel;
    MPI_Get_library_version(mpiver, &len);
    char *nl = strchr(mpiver, '\n');
    if (nl) *nl = '\0';
    H5get_libversion(&maj, &min, &rel);
    printf("sendrift %s (git %s)\nMPI: %s\nHDF5: %u.%u.%u\n", SD_VERSION, SD_GIT_COMMIT, mpiver,
           maj, min, rel);
}

/* Print the error (rank 0) and give the exit status.  SENDRIFT_TRACE=1 adds
 * where in the source it was recorded and the calls it went up through. */
static int fail(int code, int exit_status)
{
    if (sd_rank == 0) {
        fprintf(stderr, "sendrift: error: %s\n", sd_error_message());
        const char *trace = getenv("SENDRIFT_TRACE");
        if (trace && *trace && strcmp(trace, "0") != 0 && *sd_error_trace())
            fprintf(stderr, "sendrift: error: (%s, at %s)\n", sd_error_name(code),
                    sd_error_trace());
    }
    return exit_status;
}

/* A whole number in [min, INT_MAX] from a command-line value: the whole text,
 * in range (never wrapped: 4294967297 is refused, not read as 1). */
static int parse_int(const char *opt, const char *text, long min, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno == ERANGE || v < min || v > INT_MAX)
        return sd_error(SD_ERR_INPUT, "%s: \"%s\" is not a whole number in [%ld, %d]", opt,
                        text, min, INT_MAX);
    *out = (int)v;
    return SD_OK;
}

static const char *const *choice_list(const sd_param_def *d) { return d->choices; }

static void print_param(const sd_param_def *d)
{
    printf("  %-22s %-6s ", d->name ? d->name : "?", d->unit ? d->unit : "1");
    if (d->type == SD_PARAM_CHOICE) {
        printf("choice of");
        for (const char *const *c = choice_list(d); c && *c; c++) printf(" %s", *c);
        printf(" (default %s)", d->def_choice);
    } else {
        printf("%s in [%g, %g] ", d->type == SD_PARAM_INT ? "int" : "real", d->min, d->max);
        if (isnan(d->def))
            printf("(default: %s)", d->def_from ? d->def_from : "none");
        else
            printf("(default %g)", d->def);
    }
    if (d->fixed_only) printf(" [fixed: model.params only]");
    printf("\n  %-22s %s\n", "", d->description ? d->description : "");
}

/* One model as JSON: name, description and, with params, every parameter
 * (type, unit, range or choices, default; null for "the tissue preset"). */
static cJSON *model_json(const sd_model_class *m, int params)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "description", m->description);
    if (!params) return o;
    cJSON *list = cJSON_AddArrayToObject(o, "parameters");
    for (size_t k = 0; list && k < m->n_params; k++) {
        const sd_param_def *d = &m->params[k];
        cJSON *p = cJSON_CreateObject();
        if (!p) break;
        cJSON_AddItemToArray(list, p);
        cJSON_AddStringToObject(p, "name", d->name ? d->name : "");
        cJSON_AddStringToObject(p, "unit", d->unit ? d->unit : "1");
        cJSON_AddStringToObject(p, "description", d->description ? d->description : "");
        if (d->type == SD_PARAM_CHOICE) {
            cJSON_AddStringToObject(p, "type", "choice");
            cJSON *c = cJSON_AddArrayToObject(p, "choices");
            for (const char *const *ch = choice_list(d); c && ch && *ch; ch++)
                cJSON_AddItemToArray(c, cJSON_CreateString(*ch));
            cJSON_AddStringToObject(p, "default", d->def_choice ? d->def_choice : "");
        } else {
            cJSON_AddStringToObject(p, "type", d->type == SD_PARAM_INT ? "int" : "real");
            cJSON_AddNumberToObject(p, "min", d->min);
            cJSON_AddNumberToObject(p, "max", d->max);
            if (isnan(d->def))
                cJSON_AddNullToObject(p, "default"); /* see def_from */
            else
                cJSON_AddNumberToObject(p, "default", d->def);
        }
        cJSON_AddBoolToObject(p, "fixed_only", d->fixed_only != 0);
    }
    cJSON_AddBoolToObject(o, "parameter_families", m->lookup != NULL);
    return o;
}

static int cmd_models(int argc, char **argv)
{
    size_t n;
    const sd_model_class *const *all = sd_model_all(&n);
    const char *want = NULL;
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-') {
            sd_error(SD_ERR_INPUT, "models: unknown option %s (see --help)", argv[i]);
            return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
        } else if (!want) {
            want = argv[i];
        } else {
            sd_error(SD_ERR_INPUT, "models: one model at a time (got %s and %s)", want, argv[i]);
            return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
        }
    }
    if (want && !sd_model_find(want)) {
        sd_error(SD_ERR_INPUT, "no model \"%s\"; run `sendrift models` for the list", want);
        return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
    }
    if (sd_rank != 0) return SD_EXIT_OK;
    if (json) {
        /* One object for a named model; a list of all of them otherwise. */
        cJSON *out = want ? model_json(sd_model_find(want), 1) : cJSON_CreateArray();
        for (size_t i = 0; !want && out && i < n; i++)
            cJSON_AddItemToArray(out, model_json(all[i], 0));
        char *text = out ? cJSON_Print(out) : NULL;
        cJSON_Delete(out);
        if (!text) {
            sd_error(SD_ERR_NOMEM, "models --json: out of memory");
            return fail(SD_ERR_NOMEM, SD_EXIT_ERROR);
        }
        printf("%s\n", text);
        cJSON_free(text);
        return SD_EXIT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (want && strcmp(want, all[i]->name) != 0) continue;
        printf("%s: %s\n", all[i]->name, all[i]->description);
        if (!want) continue;
        printf("parameters:\n");
        for (size_t k = 0; k < all[i]->n_params; k++) print_param(&all[i]->params[k]);
        if (all[i]->lookup) printf("  (and parameter families: see the model's documentation)\n");
    }
    return SD_EXIT_OK;
}

static int cmd_check(int argc, char **argv)
{
    int all = 0;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (argv[i][0] == '-') {
            sd_error(SD_ERR_INPUT, "check: unknown option %s (see --help)", argv[i]);
            return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
        } else if (!path)
            path = argv[i];
        else {
            sd_error(SD_ERR_INPUT, "check: one sweep file at a time (got %s and %s)", path, argv[i]);
            return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
        }
    }
    if (!path) {
        sd_error(SD_ERR_INPUT, "check: give a sweep file: sendrift check SWEEP.json");
        return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
    }
    sd_sweep *s = NULL;
    sd_plan *plan = NULL;
    int rc = sd_sweep_load(path, MPI_COMM_WORLD, &s);
    if (rc != SD_OK) return fail(rc, SD_EXIT_USAGE);
    /* The plan `run` builds before its first run, the same code, as run
     * would on one worker group per rank besides rank 0. */
    sd_plan_opts o = {.ranks_per_sim = 1, .worker = sd_size == 1 || sd_rank > 0,
                      .controller = 1, .check_memory = 1, .quiet = 0};
    rc = sd_plan_create(s, MPI_COMM_WORLD, &o, &plan);
    if (rc != SD_OK) {
        sd_sweep_destroy(&s);
        return fail(rc, rc == SD_ERR_INPUT ? SD_EXIT_USAGE : SD_EXIT_ERROR);
    }
    if (sd_rank == 0)
        rc = sd_plan_print(plan, stdout, path, all, sd_results_estimate_bytes(plan));
    sd_plan_destroy(&plan);
    sd_sweep_destroy(&s);
    return rc == SD_OK ? SD_EXIT_OK : fail(rc, SD_EXIT_ERROR);
}

static int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"ranks-per-sim", required_argument, NULL, 'P'},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress-interval", required_argument, NULL, 'i'},
        {"progress", required_argument, NULL, 'p'},
        {"resume", no_argument, NULL, 'r'},
        {"retry", required_argument, NULL, 'R'},
        {"grace", required_argument, NULL, 'g'},
        {"shard", required_argument, NULL, 's'},
        {"run-timeout", required_argument, NULL, 't'},
        {"checkpoint-every", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    sd_sweep_opts o = {.output = NULL, .ranks_per_sim = 1, .progress_interval = 10.0,
                       .grace = 60.0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:P:fqh", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'o': o.output = optarg; break;
        case 'P':
            if (parse_int("--ranks-per-sim", optarg, 1, &o.ranks_per_sim) != SD_OK)
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            break;
        case 'f': o.force = 1; break;
        case 'q': o.quiet = 1; break;
        case 'i':
            o.progress_interval = strtod(optarg, &end);
            if (!end || *end || !(o.progress_interval > 0) || !isfinite(o.progress_interval)) {
                sd_error(SD_ERR_INPUT, "--progress-interval: \"%s\" is not a positive number", optarg);
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            }
            break;
        case 'p': {
            sd_progress_mode mode;
            if (sd_progress_mode_parse("--progress", optarg, &mode) != SD_OK)
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            o.progress = (int)mode;
            break;
        }
        case 'r': o.resume = 1; break;
        case 'R':
            if (parse_int("--retry", optarg, 0, &o.retry) != SD_OK)
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            break;
        case 'g':
            o.grace = strtod(optarg, &end);
            if (!end || *end || !(o.grace >= 0) || !isfinite(o.grace)) {
                sd_error(SD_ERR_INPUT, "--grace: \"%s\" is not a number of seconds >= 0", optarg);
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            }
            break;
        case 't':
            o.run_timeout = strtod(optarg, &end);
            if (!end || *end || !(o.run_timeout > 0) || !isfinite(o.run_timeout)) {
                sd_error(SD_ERR_INPUT, "--run-timeout: \"%s\" is not a number of seconds > 0",
                         optarg);
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            }
            break;
        case 'C':
            o.checkpoint_every = strtod(optarg, &end);
            if (!end || *end || !(o.checkpoint_every > 0) || !isfinite(o.checkpoint_every)) {
                sd_error(SD_ERR_INPUT,
                         "--checkpoint-every: \"%s\" is not a number of seconds > 0", optarg);
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            }
            break;
        case 's': {
            unsigned long long i, n;
            char extra;
            if (sscanf(optarg, "%llu/%llu%c", &i, &n, &extra) != 2 || n < 1 || i >= n) {
                sd_error(SD_ERR_INPUT, "--shard: \"%s\" is not I/N with 0 <= I < N", optarg);
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            }
            o.shard_index = i;
            o.shard_count = n;
            break;
        }
        case 'h':
            if (sd_rank == 0) usage(stdout);
            return SD_EXIT_OK;
        default:
            sd_error(SD_ERR_INPUT, "run: unknown option or missing value: %s (see --help)",
                     argv[optind - 1]);
            return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
        }
    }
    if (optind != argc - 1) {
        sd_error(SD_ERR_INPUT, "run: give exactly one sweep file: sendrift run SWEEP.json -o OUT.h5");
        return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
    }
    sd_sweep *s = NULL;
    int rc = sd_sweep_load(argv[optind], MPI_COMM_WORLD, &s);
    if (rc != SD_OK) return fail(rc, SD_EXIT_USAGE);
    char fallback[SD_SWEEP_NAME_MAX + 8];
    if (!o.output) {
        if (s->output_file) {
            o.output = s->output_file;
        } else {
            sd_sweep_default_output(s, fallback, sizeof fallback);
            o.output = fallback;
        }
    }
    sd_sweep_report rep;
    rc = sd_sweep_run(s, MPI_COMM_WORLD, &o, &rep);
    if (rc != SD_OK) {
        sd_sweep_destroy(&s);
        return fail(rc, rc == SD_ERR_INTERRUPTED ? SD_EXIT_REQUEUE
                        : rc == SD_ERR_INPUT     ? SD_EXIT_USAGE
                                                 : SD_EXIT_ERROR);
    }
    /* o.output may point into the sweep (output.file): print, then free. */
    if (sd_rank == 0 && !o.quiet) {
        uint64_t ran = rep.done + rep.failed;
        fprintf(stderr,
                "sendrift: wrote %s: %llu runs, %llu done, %llu failed",
                o.output, (unsigned long long)rep.runs,
                (unsigned long long)(rep.done + rep.done_before),
                (unsigned long long)(rep.failed + rep.failed_before));
        if (rep.done_before + rep.failed_before)
            fprintf(stderr, " (%llu of them before this session)",
                    (unsigned long long)(rep.done_before + rep.failed_before));
        fprintf(stderr, "; %.3f s, %.1f runs/s; %d worker group%s", rep.seconds,
                rep.seconds > 0 ? (double)ran / rep.seconds : 0.0, rep.groups,
                rep.groups == 1 ? "" : "s");
        /* With one rank the controller is the worker: its CPU share says nothing. */
        if (sd_size > 1)
            fprintf(stderr, "; controller CPU %.1f%% of its wall time",
                    rep.seconds > 0 ? 100.0 * rep.controller_cpu / rep.seconds : 0.0);
        fputc('\n', stderr);
    }
    sd_sweep_destroy(&s);
    return rep.failed + rep.failed_before ? SD_EXIT_FAILED_RUNS : SD_EXIT_OK;
}

static int cmd_merge(int argc, char **argv)
{
    const char *sweep = NULL, *out = NULL;
    int force = 0;
    const char **shards = calloc((size_t)argc + 1, sizeof *shards);
    size_t n = 0;
    if (!shards) return fail(SD_ERR_NOMEM, SD_EXIT_ERROR);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 == argc) {
                free(shards);
                sd_error(SD_ERR_INPUT, "merge: -o needs a file name");
                return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
            }
            out = argv[++i];
        } else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else if (argv[i][0] == '-') {
            free(shards);
            sd_error(SD_ERR_INPUT, "merge: unknown option %s (see --help)", argv[i]);
            return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
        } else if (!sweep) {
            sweep = argv[i];
        } else {
            shards[n++] = argv[i];
        }
    }
    if (!sweep || !out || n == 0) {
        free(shards);
        sd_error(SD_ERR_INPUT, "merge: sendrift merge SWEEP.json -o OUT.h5 SHARD.h5...");
        return fail(SD_ERR_INPUT, SD_EXIT_USAGE);
    }
    sd_sweep *s = NULL;
    int rc = sd_sweep_load(sweep, MPI_COMM_WORLD, &s);
    if (rc != SD_OK) {
        free(shards);
        return fail(rc, SD_EXIT_USAGE);
    }
    sd_merge_report rep;
    rc = sd_merge(s, out, shards, n, force, MPI_COMM_WORLD, &rep);
    sd_sweep_destroy(&s);
    free(shards);
    if (rc != SD_OK) return fail(rc, rc == SD_ERR_INPUT ? SD_EXIT_USAGE : SD_EXIT_ERROR);
    if (sd_rank == 0) {
        fprintf(stderr,
                "sendrift: merged %llu shard file%s (of %llu) into %s: %llu runs, %llu done, "
                "%llu failed, %llu pending\n",
                (unsigned long long)rep.shards, rep.shards == 1 ? "" : "s",
                (unsigned long long)rep.shard_count, out, (unsigned long long)rep.runs,
                (unsigned long long)rep.done, (unsigned long long)rep.failed,
                (unsigned long long)rep.pending);
        if (rep.pending)
            fprintf(stderr, "sendrift: finish the pending runs with: sendrift run %s -o %s "
                            "--resume\n",
                    sweep, out);
    }
    return rep.pending ? SD_EXIT_REQUEUE : rep.failed ? SD_EXIT_FAILED_RUNS : SD_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* If MPI cannot even start there is nothing to report through. */
    MPI_Init(&argc, &argv);
    /* From here on every MPI failure comes back as an error code, to be
     * reported like any other; communicators made from the world inherit
     * this (the models of tests also run on MPI_COMM_SELF).  Without it
     * there is no way to report anything, so a failure here ends the job. */
    if (sd_mpi_errors_return(MPI_COMM_WORLD) != SD_OK ||
        sd_mpi_errors_return(MPI_COMM_SELF) != SD_OK ||
        sd_mpi_rank_size(MPI_COMM_WORLD, &sd_rank, &sd_size) != SD_OK) {
        fprintf(stderr, "sendrift: error: %s\n", sd_error_message());
        MPI_Abort(MPI_COMM_WORLD, SD_EXIT_ERROR);
    }
    int status;
    if (argc < 2) {
        if (sd_rank == 0) usage(stderr);
        status = SD_EXIT_USAGE;
    } else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
               strcmp(argv[1], "help") == 0) {
        if (sd_rank == 0) usage(stdout);
        status = SD_EXIT_OK;
    } else if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        if (sd_rank == 0) version();
        status = SD_EXIT_OK;
    } else if (strcmp(argv[1], "run") == 0) {
        sd_sweep_catch_signals();
        status = cmd_run(argc - 1, argv + 1);
    } else if (strcmp(argv[1], "check") == 0) {
        status = cmd_check(argc - 2, argv + 2);
    } else if (strcmp(argv[1], "models") == 0) {
        status = cmd_models(argc - 2, argv + 2);
    } else if (strcmp(argv[1], "merge") == 0) {
        status = cmd_merge(argc - 2, argv + 2);
    } else if (strcmp(argv[1], "export") == 0) {
        int rc = sd_cli_export(argc - 1, argv + 1);
        status = rc == SD_OK ? SD_EXIT_OK
                             : fail(rc, rc == SD_ERR_INPUT ? SD_EXIT_USAGE : SD_EXIT_ERROR);
    } else {
        sd_error(SD_ERR_INPUT,
                 "unknown command \"%s\"; commands: run, check, models, merge, export (see "
                 "--help)",
                 argv[1]);
        status = fail(SD_ERR_INPUT, SD_EXIT_USAGE);
    }
    MPI_Finalize();
    return status;
}
