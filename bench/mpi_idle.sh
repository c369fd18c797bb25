#!/usr/bin/env bash
# Open MPI's idle waiting: busy polling (OMPI_MCA_mpi_yield_when_idle=0) against
# yielding the core (=1), measured on this machine as it is and with an extra
# busy process beside it (a benchmark: it asserts nothing).
#   Usage: bench/mpi_idle.sh BUILD_DIR
# For each round, each background (none; EXTRA_LOAD busy loops) and each
# setting (0, 1), in turns:
#   - null sweep throughput (bench/sweeps/null_throughput.json) on 2 and 3 ranks
#   - bench_drift --speedup 1 at 1024^2 on 2 ranks: P = 1 and P = 2 in turns
# and prints every figure with the load average, then the medians.  The
# decision it informs is in docs/benchmarks.md ("MPI idle waiting").
# Environment (optional): ROUNDS (2), EXTRA_LOAD (1 busy loop), DAYS (0.25 d
# of drift per run), PAIRS (3 P = 1 / P = 2 pairs per bench_drift).
# About 5 minutes per 2 rounds on a 2-core machine (up to 12 when it is shared).
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-2}
EXTRA=${EXTRA_LOAD:-1}
DAYS=${DAYS:-0.25}
PAIRS=${PAIRS:-3}
OUT=$(mktemp -d)
BUSY=()
cleanup() {
    for p in "${BUSY[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$OUT"
}
trap cleanup EXIT
ENV=(OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1)
[ "$(id -u)" = 0 ] && ENV+=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
load1() { cut -d' ' -f1 /proc/loadavg; }
echo "== $(nproc) cores; $(mpirun --version 2>&1 | head -1); load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "== commands (Y = 0 or 1):"
echo "   ${ENV[*]} OMPI_MCA_mpi_yield_when_idle=Y mpirun --oversubscribe -n NP $BUILD/sendrift run $HERE/sweeps/null_throughput.json -o OUT.h5 --force --progress-interval 1000"
echo "   ${ENV[*]} OMPI_MCA_mpi_yield_when_idle=Y mpirun --oversubscribe -n 2 $BUILD/bench/bench_drift --n2 1024 --n3 0 --days $DAYS --reps $PAIRS --speedup 1 --phases 0 --stream-mb 64"
RES="$OUT/results"
: >"$RES"
for r in $(seq 1 "$ROUNDS"); do
    for bg in 0 "$EXTRA"; do
        for ((i = 0; i < bg; i++)); do
            yes >/dev/null &
            BUSY+=($!)
        done
        for y in 0 1; do
            # Flip the order each round.
            [ $((r % 2)) = 0 ] && y=$((1 - y))
            for np in 2 3; do
                la=$(load1)
                line=$(env "${ENV[@]}" OMPI_MCA_mpi_yield_when_idle=$y mpirun --oversubscribe -n $np \
                       "$BUILD/sendrift" run "$HERE/sweeps/null_throughput.json" -o "$OUT/n.h5" --force \
                       --progress-interval 1000 2>&1 | grep wrote)
                rate=$(sed -n 's/.* \([0-9.]*\) runs\/s.*/\1/p' <<<"$line")
                echo "null bg=$bg yield=$y np=$np $rate" >>"$RES"
                printf 'round %d, %d busy, yield %d: null sweep np=%d %8s runs/s (load %s)\n' "$r" "$bg" "$y" "$np" "$rate" "$la"
            done
            la=$(load1)
            env "${ENV[@]}" OMPI_MCA_mpi_yield_when_idle=$y mpirun --oversubscribe -n 2 \
                "$BUILD/bench/bench_drift" --n2 1024 --n3 0 --days "$DAYS" --reps "$PAIRS" --speedup 1 \
                --phases 0 --stream-mb 64 >"$OUT/d.txt" 2>&1
            sp=$(sed -n 's/^d2_n1024_P2.speedup.median = //p' "$OUT/d.txt")
            lo=$(sed -n 's/^d2_n1024_P2.speedup.pair_min = //p' "$OUT/d.txt")
            hi=$(sed -n 's/^d2_n1024_P2.speedup.pair_max = //p' "$OUT/d.txt")
            t1=$(sed -n 's/^d2_n1024_P2.p1.advance_s_median = //p' "$OUT/d.txt")
            t2=$(sed -n 's/^d2_n1024_P2.model.advance_s_median = //p' "$OUT/d.txt")
            # CPU / wall of each P = 2 run: 1.00 when both ranks had a core.
            u2=$(sed -n 's/^d2_n1024_P2.model.cpu_over_wall_all = //p' "$OUT/d.txt")
            echo "speedup bg=$bg yield=$y $sp" >>"$RES"
            printf 'round %d, %d busy, yield %d: 1024^2 P = 1 -> 2 speedup %s (pairs %s..%s; t1 %s s, t2 %s s; P = 2 CPU/wall %s) (load %s)\n' \
                "$r" "$bg" "$y" "$sp" "$lo" "$hi" "$t1" "$t2" "$u2" "$la"
        done
        for p in "${BUSY[@]}"; do kill "$p" 2>/dev/null || true; done
        BUSY=()
    done
done
echo
echo "== medians over $ROUNDS rounds (load average at the end $(cut -d' ' -f1-3 /proc/loadavg))"
awk '{ k = $1 " " $2 " " $3 (NF == 5 ? " " $4 : ""); v[k] = v[k] " " $NF }
     END { for (k in v) print k ":" v[k] }' "$RES" | sort | while IFS=: read -r k vals; do
    med=$(tr ' ' '\n' <<<"$vals" | sed '/^$/d' | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}')
    printf '%-28s median %-9s (all:%s)\n' "$k" "$med" "$vals"
done
