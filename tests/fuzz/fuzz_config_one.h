/* The body shared by the libFuzzer target (fuzz_config.c) and the corpus
 * replay (fuzz_config_replay.c): one input through the sweep-file loader and,
 * when it parses, the design.  Every invariant that does not hold is printed
 * and abort()s, so that libFuzzer records a crash and the replay fails. */
#ifndef SD_FUZZ_CONFIG_ONE_H
#define SD_FUZZ_CONFIG_ONE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t inputs;         /* inputs seen                                 */
    uint64_t parsed;         /* sd_sweep_parse accepted them                */
    uint64_t parsed_fuzz;    /* accepted only with the harness model "fuzz" */
    uint64_t designs;        /* sd_design_create built a design             */
    uint64_t layout_refused; /* parsed, but the model's layout refused it   */
    uint64_t design_refused; /* parsed, but the design refused (a message)  */
    uint64_t design_skipped; /* parsed, design not built: too costly here   */
    uint64_t loads;          /* also read back through sd_sweep_load        */
    uint64_t range_overshoots; /* design values past their range (fatal;
                                  was a rounding bug in design.c)           */
} sd_fuzz_stats;

/* One input of size bytes (not NUL-terminated).  path: the file it came
 * from, or NULL; with a path, the input is also loaded with sd_sweep_load
 * (MPI_COMM_SELF) and must give the same result as sd_sweep_parse.  Without
 * one, inputs holding a NUL byte are written to a temporary file and loaded,
 * to reach the loader's NUL check.  MPI must be initialised. */
void sd_fuzz_config_one(const uint8_t *data, size_t size, const char *path,
                        sd_fuzz_stats *st);

#endif
