/* sendrift: the command line of `sendrift export` (src/cli/export.c). */
#ifndef SENDRIFT_CLI_EXPORT_H
#define SENDRIFT_CLI_EXPORT_H

#include <stdio.h>

/* The options of export, for `sendrift --help` and `sendrift export --help`. */
void sd_cli_export_help(FILE *out);

/* `sendrift export FILE [--format csv|tsv|json] [-o OUT] [-q]`: argv[0] is
 * "export".  Rank 0 of MPI_COMM_WORLD exports, and every rank returns the
 * outcome it agreed on: an sd_err (SD_ERR_INPUT: a usage error), its
 * message recorded on rank 0.  --help prints the help and returns SD_OK. */
int sd_cli_export(int argc, char **argv);

#endif
