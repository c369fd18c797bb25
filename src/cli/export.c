/* sendrift: the command line of `sendrift export` (see src/cli/export.h);
 * the table itself is include/sendrift/export.h. */
#include "export.h"

#include <getopt.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "sendrift/error.h"
#include "sendrift/export.h"
#include "sendrift/mpicheck.h"

void sd_cli_export_help(FILE *out)
{
    fputs("Options of export:\n"
          "      --format F            csv, tsv or json (one array of objects); default:\n"
          "                            from the extension of -o, else csv\n"
          "  -o, --output OUT          write OUT (made as OUT.tmp, renamed when complete;\n"
          "                            default: standard output)\n"
          "  -q, --quiet               no summary line on stderr\n",
          out);
}

/* Parse the command line: *in, *out (NULL: stdout), *fmt, *quiet; 1 in
 * *help for --help. */
static int sd_cli_export_args(int argc, char **argv, const char **in, const char **out,
                              sd_export_format *fmt, int *quiet, int *help)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'F'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *format = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'F': format = optarg; break;
        case 'o': *out = optarg; break;
        case 'q': *quiet = 1; break;
        case 'h': *help = 1; return SD_OK;
        default:
            return sd_error(SD_ERR_INPUT,
                            "export: unknown option or missing value: %s (see --help)",
                            argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return sd_error(SD_ERR_INPUT, "export: give exactly one result file: sendrift export "
                                      "RESULT.h5 [--format csv|tsv|json] [-o OUT]");
    *in = argv[optind];
    *fmt = SD_EXPORT_CSV;
    if (format) return sd_export_format_parse(format, fmt);
    if (*out && strcmp(*out, "-") != 0) (void)sd_export_format_of_name(*out, fmt);
    return SD_OK;
}

int sd_cli_export(int argc, char **argv)
{
    int rank;
    SD_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    const char *in = NULL, *out = NULL;
    sd_export_format fmt = SD_EXPORT_CSV;
    int quiet = 0, help = 0;
    int rc = sd_cli_export_args(argc, argv, &in, &out, &fmt, &quiet, &help);
    if (rc == SD_OK && help) {
        if (rank == 0) {
            fputs("Usage: sendrift export RESULT.h5 [--format csv|tsv|json] [-o OUT] [-q]\n"
                  "\n"
                  "One table of a result file (whole, a shard's, merged, or of a sweep not\n"
                  "finished), a row per run: run, point, replicate, status (PENDING, DONE,\n"
                  "FAILED), attempts, wall_seconds, the swept parameters (a categorical one\n"
                  "as its choice), the summaries, message.  Values not written (runs not\n"
                  "finished) or undefined (NaN) are empty fields, null in JSON.  Time series\n"
                  "and snapshots are not in it: read them from the file.\n"
                  "\n",
                  stdout);
            sd_cli_export_help(stdout);
        }
        return SD_OK;
    }
    /* One table, written by one process; under mpirun the others wait for
     * its outcome. */
    sd_export_report rep;
    if (out && strcmp(out, "-") == 0) out = NULL;
    if (rc == SD_OK && rank == 0) {
        rc = sd_export(in, out, fmt, &rep);
        if (rc == SD_OK && !quiet)
            fprintf(stderr,
                    "sendrift: exported %s: %llu runs (%llu done, %llu failed, %llu pending)%s%s\n",
                    in, (unsigned long long)rep.rows, (unsigned long long)rep.done,
                    (unsigned long long)rep.failed, (unsigned long long)rep.pending,
                    out ? " to " : "", out ? out : "");
    }
    return sd_agree(MPI_COMM_WORLD, rc);
}
