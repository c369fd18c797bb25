#!/usr/bin/env bash
# Fuzz the sweep-file loader with libFuzzer (docs/fuzzing.md).
#
#   tests/fuzz/run.sh [SECONDS] [--minimize]
#
# Builds the fuzz_config target (clang, -DSD_FUZZ=ON) in $BUILD (default
# build-fuzz), runs $JOBS fuzzing jobs in parallel (default 2, for a 2-core
# machine) for SECONDS each (default 600) on tests/fuzz/corpus/config,
# tests/fuzz/regressions and the dictionary tests/fuzz/config.dict, then
# merges what they found that reaches new code (new edges: libFuzzer -merge=1
# with -use_counters=0, which keeps the corpus small) into
# tests/fuzz/corpus/config.  With --minimize, the corpus is re-minimised as a
# whole: the named seed files are kept, the hash-named ones only where they
# reach an edge nothing before them did.  Crash, leak, timeout and
# out-of-memory reproducers land in $WORK/artifacts (printed at the end; the
# script then exits 1): turn each into a named file in tests/fuzz/regressions
# once fixed.
#
# Environment: BUILD, JOBS, CC (default clang), WORK (default a new
# temporary directory, kept), FUZZ_ARGS (more libFuzzer flags).
set -euo pipefail

SECONDS_PER_JOB=600
MINIMIZE=0
for a in "$@"; do
  case "$a" in
    --minimize) MINIMIZE=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    ''|*[!0-9]*) echo "run.sh: unknown argument: $a (usage: run.sh [SECONDS] [--minimize])" >&2; exit 2 ;;
    *) SECONDS_PER_JOB=$a ;;
  esac
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-fuzz}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
JOBS=${JOBS:-2}
CORPUS=$HERE/corpus/config
REGRESSIONS=$HERE/regressions
DICT=$HERE/config.dict
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sendrift-fuzz.XXXXXX")}
mkdir -p "$WORK/new" "$WORK/artifacts" "$CORPUS" "$REGRESSIONS"

# ---- build
if ! command -v "${CC:-clang}" >/dev/null; then
  echo "run.sh: ${CC:-clang} not found; on Debian: apt-get install clang libclang-rt-dev" >&2
  exit 2
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=${CC:-clang} cmake -S "$ROOT" -B "$BUILD" -DSD_FUZZ=ON -DSD_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log" >&2; exit 2; }
fi
cmake --build "$BUILD" --target fuzz_config -j "$JOBS" >"$WORK/build.log" 2>&1 ||
  { tail -40 "$WORK/build.log" >&2; exit 2; }
FUZZER=$BUILD/tests/fuzz/fuzz_config

# ---- environment: MPI singletons as root, sanitizers
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_hwloc_base_binding_policy=none
# Leaks are checked after every input that allocates more than it frees; not
# at exit, where LeakSanitizer's tracer trips over Open MPI's threads.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:leak_check_at_exit=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$HERE/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

COMMON=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -dict="$DICT")

# ---- fuzz: new inputs go to $WORK/new (the first directory), the kept corpus
# and the reproducers are read only.
echo "run.sh: $JOBS jobs x ${SECONDS_PER_JOB}s; work directory $WORK"
before=$(find "$CORPUS" -type f | wc -l)
cd "$WORK"
# shellcheck disable=SC2086
"$FUZZER" "${COMMON[@]}" -jobs="$JOBS" -workers="$JOBS" \
  -max_total_time="$SECONDS_PER_JOB" -print_final_stats=1 \
  -artifact_prefix="$WORK/artifacts/" ${FUZZ_ARGS:-} \
  "$WORK/new" "$CORPUS" "$REGRESSIONS" >"$WORK/fuzz.log" 2>&1 || true

# ---- what each job reached
execs=0
for log in "$WORK"/fuzz-*.log; do
  [ -f "$log" ] || continue
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1 || true)
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # A job that crashed prints no final stats: take its last status line.
  [ -n "$n" ] || n=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  [ -n "$eps" ] || eps=$(printf '%s\n' "$last" | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  echo "run.sh: $(basename "$log"): ${n:-?} execs, ${eps:-?} exec/s, peak ${rss:-?} MB; last: $last"
  execs=$((execs + ${n:-0}))
done
echo "run.sh: $execs executions in all; $(find "$WORK/new" -type f | wc -l) new inputs"

# ---- merge into the kept corpus: by edges only (-use_counters=0), so that it
# stays small
MERGE=(-merge=1 -use_counters=0 -artifact_prefix="$WORK/artifacts/")
if [ "$MINIMIZE" = 1 ]; then
  min="$WORK/min"
  mkdir -p "$min"
  # Named seeds stay; hash-named files (40 hex digits) only where they add.
  find "$CORPUS" -maxdepth 1 -regextype posix-extended -type f ! -regex '.*/[0-9a-f]{40}' \
    -exec cp {} "$min/" \;
  "$FUZZER" "${COMMON[@]}" "${MERGE[@]}" "$min" "$CORPUS" "$WORK/new" >"$WORK/merge.log" 2>&1 ||
    { tail -30 "$WORK/merge.log" >&2; exit 1; }
  find "$CORPUS" -maxdepth 1 -regextype posix-extended -type f -regex '.*/[0-9a-f]{40}' -delete
  find "$min" -maxdepth 1 -regextype posix-extended -type f -regex '.*/[0-9a-f]{40}' \
    -exec cp {} "$CORPUS/" \;
else
  "$FUZZER" "${COMMON[@]}" "${MERGE[@]}" "$CORPUS" "$WORK/new" >"$WORK/merge.log" 2>&1 ||
    { tail -30 "$WORK/merge.log" >&2; exit 1; }
fi
grep -E 'MERGE-OUTER: [0-9]+ new files' "$WORK/merge.log" | tail -1 || true
after=$(find "$CORPUS" -type f | wc -l)
echo "run.sh: corpus $CORPUS: $before -> $after files, $(cat "$CORPUS"/* | wc -c) bytes"

# ---- findings
found=$(find "$WORK/artifacts" -type f | wc -l)
if [ "$found" -gt 0 ]; then
  echo "run.sh: $found reproducer(s) in $WORK/artifacts (logs: $WORK/fuzz-*.log):" >&2
  ls -l "$WORK/artifacts" >&2
  exit 1
fi
echo "run.sh: no crash, leak, timeout or out-of-memory found"
