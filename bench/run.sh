#!/usr/bin/env bash
# Benchmarks (never assertions).  Usage: bench/run.sh BUILD_DIR
#   1. runs per second of the null model on 2 and 4 ranks (and 1 for scale)
#   2. the controller's CPU share while the workers compute
#   3. the benchmark programs in BUILD_DIR/bench/ (if any), each with no args
# Prints a table; the numbers in README.md come from this script.
set -euo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
SENDRIFT="$BUILD/sendrift"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ENV=(OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1)
[ "$(id -u)" = 0 ] && ENV+=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
run() { env "${ENV[@]}" mpirun --oversubscribe "$@"; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== null model, 20000 runs (bench/sweeps/null_throughput.json)"
for np in 1 2 4; do
    line=$(run -n "$np" "$SENDRIFT" run "$HERE/sweeps/null_throughput.json" -o "$OUT/t$np.h5" \
           --progress-interval 1000 2>&1 | grep "wrote")
    echo "np=$np: ${line#*: }"
done
echo "== controller CPU share with busy workers (bench/sweeps/null_busy.json, 3 ranks)"
line=$(run -n 3 "$SENDRIFT" run "$HERE/sweeps/null_busy.json" -o "$OUT/busy.h5" \
       --progress-interval 1000 2>&1 | grep "wrote")
echo "np=3: ${line#*: }"
for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    run -n 1 "$b"
done
