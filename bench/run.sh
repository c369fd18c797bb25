#!/usr/bin/env bash
# Benchmarks (never assertions).  Usage: bench/run.sh BUILD_DIR
#   1. runs per second of the null model on 2 and 4 ranks (and 1 for scale)
#   2. the controller's CPU share while the workers compute
#   3. the field solver alone (bench_fields, 512^2 and 64^3): voxel-steps/s
#      per core and V-cycles per step for S and E, and beside them the
#      accuracy against an exact backward-Euler solve (time-discretisation
#      error of a step, algebraic error per rtol)
#   4. the drift model (bench_drift): site-steps per second per core at
#      512^2 (2-D) and 128^3 (3-D) on one rank, the field solves' share of a
#      step, bytes per site-step against a STREAM triad of the same run; and
#      1024^2 on P = 1 and P = 2 ranks, measured in turns, with the speedup
#   5. checkpoints of the drift model (bench_checkpoint): size per site, write
#      and read time at 1024^2 (2-D) and 128^3 (3-D) against one step and
#      against the disk's sequential write bandwidth measured in the same
#      run, in the directory of the result files ($CKPT_DIR); restored runs
#      checked bit for bit; on one rank, then on two (and restored on one);
#      the core time a requeue loses before and after checkpoints
#   6. any other benchmark program in BUILD_DIR/bench/, with no arguments
# Prints every command before its output, and a summary table at the end;
# the numbers in docs/benchmarks.md come from this script.  About 5-6
# minutes on an idle 2-core machine (longer when it is shared; 5 min 46 s
# at load average 11-13 on 2026-11-30, bench_checkpoint 2 x 1.5 min of it).
#
# Environment (optional): DRIFT_DAYS2 (simulated days at 512^2, default 2),
# DRIFT_DAYS3 (at 128^3, default 1), DRIFT_DAYS_P (at 1024^2, default 1),
# DRIFT_REPS (repetitions at 512^2, default 2), SPEEDUP_PAIRS (P = 1 / P = 2
# pairs at 1024^2, default 3), STREAM_MB (triad MB per rank, default 256),
# CKPT_DIR (where bench_checkpoint writes its checkpoints and measures the
# disk: the file system of the result files; default a temporary directory),
# DISK_MB (MiB it writes to measure the disk, default 512).
# Exit status 1 when a restored run differs from the original (the one
# check among the benchmarks); the timings are never assertions.
set -euo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
SENDRIFT="$BUILD/sendrift"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ENV=(OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1)
[ "$(id -u)" = 0 ] && ENV+=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
# Open MPI's idle waiting (docs/benchmarks.md, "MPI idle waiting"): a rank
# waiting in MPI polls its core when every rank has a core of its own
# (OMPI_MCA_mpi_yield_when_idle=0), and yields it when there are more ranks
# than cores (=1).  Set explicitly for every command, from its rank count
# (`run -n NP ...`), unless the caller's environment sets it.
yield_for() { if [ "$1" -gt "$(nproc)" ]; then echo 1; else echo 0; fi; }
run() {
    env "${ENV[@]}" OMPI_MCA_mpi_yield_when_idle="${OMPI_MCA_mpi_yield_when_idle:-$(yield_for "$2")}" \
        mpirun --oversubscribe "$@"
}
# Print a command (as it can be pasted), then run it.
show() {
    echo "\$ OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-$(yield_for "$2")} mpirun --oversubscribe $*"
    run "$@"
}

DAYS2=${DRIFT_DAYS2:-2}
DAYS3=${DRIFT_DAYS3:-1}
DAYSP=${DRIFT_DAYS_P:-1}
REPS=${DRIFT_REPS:-2}
PAIRS=${SPEEDUP_PAIRS:-3}
MB=${STREAM_MB:-256}
CKPT_DIR=${CKPT_DIR:-$OUT}
DISK_MB=${DISK_MB:-512}
CKPT_STATUS=
T0=$(date +%s)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git -C "$HERE/.." describe --always --dirty 2>/dev/null || echo unknown)"
echo "== null model, 20000 runs (bench/sweeps/null_throughput.json); OMPI_MCA_mpi_yield_when_idle = 1 only for more ranks than the $(nproc) cores"
declare -A NULLRATE
for np in 1 2 4; do
    line=$(run -n "$np" "$SENDRIFT" run "$HERE/sweeps/null_throughput.json" -o "$OUT/t$np.h5" \
           --progress-interval 1000 2>&1 | grep "wrote")
    echo "np=$np: ${line#*: }"
    NULLRATE[$np]=$(sed -n 's/.* \([0-9.]*\) runs\/s.*/\1/p' <<<"$line")
done
echo "== controller CPU share with busy workers (bench/sweeps/null_busy.json, 3 ranks)"
line=$(run -n 3 "$SENDRIFT" run "$HERE/sweeps/null_busy.json" -o "$OUT/busy.h5" \
       --progress-interval 1000 2>&1 | grep "wrote")
echo "np=3: ${line#*: }"
CTRL=$(sed -n 's/.*controller CPU \([0-9.]*%\).*/\1/p' <<<"$line")

if [ -x "$BUILD/bench/bench_fields" ]; then
    echo "== bench_fields: the field solver alone (512^2 and 64^3, 12 steps)"
    show -n 1 "$BUILD/bench/bench_fields" --n2 512 --n3 64 --steps 12 --stream-mb "$MB" | tee "$OUT/f.txt"
fi

# key = value lines of bench_drift's output file $1, key $2.
key() { sed -n "s/^$2 = //p" "$1" | head -1; }

if [ -x "$BUILD/bench/bench_drift" ]; then
    D="$BUILD/bench/bench_drift"
    echo "== bench_drift: 2-D 512^2, one rank, $DAYS2 d, $REPS repetitions + phase breakdown"
    show -n 1 "$D" --n2 512 --n3 0 --days "$DAYS2" --reps "$REPS" --stream-mb "$MB" | tee "$OUT/d2.txt"
    echo "== bench_drift: 3-D 128^3, one rank, $DAYS3 d + phase breakdown"
    show -n 1 "$D" --n2 0 --n3 128 --days "$DAYS3" --reps 1 --stream-mb "$MB" | tee "$OUT/d3.txt"
    echo "== bench_drift: 2-D 1024^2, P = 1 and P = 2 in turns ($PAIRS pairs, $DAYSP d each), then the phase breakdown at P = 2"
    show -n 2 "$D" --n2 1024 --n3 0 --days "$DAYSP" --reps "$PAIRS" --speedup 1 --stream-mb "$MB" | tee "$OUT/dp.txt"
fi

if [ -x "$BUILD/bench/bench_checkpoint" ]; then
    C="$BUILD/bench/bench_checkpoint"
    CKPT_STATUS=ok
    for np in 1 2; do
        echo "== bench_checkpoint: drift 1024^2 and 128^3 on $np rank(s): checkpoint size, write and read against one step and the disk ($CKPT_DIR, $DISK_MB MiB)"
        show -n "$np" "$C" --dir "$CKPT_DIR" --n2 1024 --n3 128 --disk-mb "$DISK_MB" | tee "$OUT/c$np.txt" ||
            CKPT_STATUS=FAIL
    done
fi

for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    case "$(basename "$b")" in bench_fields|bench_drift|bench_checkpoint) continue ;; esac
    echo "== $(basename "$b")"
    show -n 1 "$b"
done

echo
echo "== summary ($(($(date +%s) - T0)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-52s %s\n' "null model runs/s, np = 1 / 2 / 4" "${NULLRATE[1]:-?} / ${NULLRATE[2]:-?} / ${NULLRATE[4]:-?}"
printf '%-52s %s\n' "controller CPU share, 2 busy workers" "${CTRL:-?}"
if [ -s "$OUT/f.txt" ]; then
    for t in f2_n512_P1 f3_n64_P1; do
        for F in S E; do
            v=$(key "$OUT/f.txt" "$t.$F.voxel_steps_per_s_per_core")
            [ -n "$v" ] || continue
            printf '%-52s %s\n' "$t $F voxel-steps/s per core; cycles/step" \
                "$v; $(key "$OUT/f.txt" "$t.$F.cycles_per_step")"
            printf '%-52s %s\n' "$t $F error: algebraic (rtol $(key "$OUT/f.txt" "$t.$F.default_rtol")); time step" \
                "$(key "$OUT/f.txt" "$t.$F.alg_err.default"); $(key "$OUT/f.txt" "$t.$F.time_err")"
        done
    done
fi
if [ -s "$OUT/d2.txt" ]; then
    for f in d2:d2_n512_P1 d3:d3_n128_P1 dp:d2_n1024_P2; do
        file="$OUT/${f%%:*}.txt" t=${f#*:}
        [ -s "$file" ] || continue
        printf '%-52s %s\n' "$t site-steps/s per core (wall; per CPU s)" \
            "$(key "$file" "$t.model.site_steps_per_s_per_core") ($(key "$file" "$t.model.site_steps_per_cpu_s"))"
        printf '%-52s %s\n' "$t field share of a step (wall; CPU)" \
            "$(key "$file" "$t.field_share") ($(key "$file" "$t.field_share_cpu"))"
        printf '%-52s %s\n' "$t V-cycles per step S / E" \
            "$(key "$file" "$t.cycles_S_per_step") / $(key "$file" "$t.cycles_E_per_step")"
        printf '%-52s %s\n' "$t bytes/site-step; triad GB/s" \
            "$(key "$file" "$t.bytes_per_site_step"); $(key "$file" "$t.triad_gbs")"
        printf '%-52s %s\n' "$t fraction of STREAM (wall; CPU)" \
            "$(key "$file" "$t.model.frac_stream") ($(key "$file" "$t.model.frac_stream_cpu"))"
        printf '%-52s %s\n' "$t phase replica / model time (1: undisturbed)" \
            "$(key "$file" "$t.phases.replica_over_model") (bit-identical: $(key "$file" "$t.phases.replica_bit_identical"))"
    done
    if [ -s "$OUT/dp.txt" ]; then
        t=d2_n1024_P2
        printf '%-52s %s\n' "1024^2 P = 1 advance s (median; all)" \
            "$(key "$OUT/dp.txt" "$t.p1.advance_s_median"); $(key "$OUT/dp.txt" "$t.p1.advance_s_all")"
        printf '%-52s %s\n' "1024^2 P = 2 advance s (median; all)" \
            "$(key "$OUT/dp.txt" "$t.model.advance_s_median"); $(key "$OUT/dp.txt" "$t.model.advance_s_all")"
        printf '%-52s %s\n' "1024^2 speedup t1/t2 (median; pairs)" \
            "$(key "$OUT/dp.txt" "$t.speedup.median"); $(key "$OUT/dp.txt" "$t.speedup.pair_min") .. $(key "$OUT/dp.txt" "$t.speedup.pair_max")"
    fi
fi
if [ -n "$CKPT_STATUS" ]; then
    printf '%-52s %s\n' "disk write / cold read MB/s ($DISK_MB MiB, CKPT_DIR)" \
        "$(awk '{printf "%.0f", $1 / 1e6}' <<<"$(key "$OUT/c1.txt" disk.write_bytes_per_s)") / $(awk '{printf "%.0f", $1 / 1e6}' <<<"$(key "$OUT/c1.txt" disk.read_bytes_per_s)")"
    for np in 1 2; do
        file="$OUT/c$np.txt"
        [ -s "$file" ] || continue
        for t in c2_n1024_P$np c3_n128_P$np; do
            [ -n "$(key "$file" "$t.step_s")" ] || continue
            printf '%-52s %s\n' "$t checkpoint B/site; step s" \
                "$(key "$file" "$t.ckpt.bytes_per_site"); $(key "$file" "$t.step_s")"
            printf '%-52s %s\n' "$t write s (steps; /disk); read s (steps)" \
                "$(key "$file" "$t.write.s") ($(key "$file" "$t.write.over_step"); $(key "$file" "$t.write.frac_disk")); $(key "$file" "$t.read.s") ($(key "$file" "$t.read.over_step"))"
            printf '%-52s %s\n' "$t requeue core-h lost before / after" \
                "$(key "$file" "$t.requeue.before_core_h") / $(key "$file" "$t.requeue.after_core_h") ($(key "$file" "$t.requeue.groups") groups, grace $(key "$file" "$t.requeue.grace_s") s)"
        done
    done
    printf '%-52s %s\n' "checkpoint restored bit for bit (all cases)" "$CKPT_STATUS"
    [ "$CKPT_STATUS" = ok ]
fi
