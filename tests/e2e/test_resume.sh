#!/usr/bin/env bash
# Nothing lost: kill -9 of the controller, the whole job, or a worker in the
# middle of a sweep, each followed by --resume; a stop signal (SIGUSR1 to
# mpirun, SIGTERM to a single rank) with a grace period; --resume of a
# different design refused; the final file is bit-identical to an
# uninterrupted run's.
#
# No fixed sleeps: every kill and signal waits until the sweep has finished a
# given number of runs (its progress lines), and is then shown to have hit it
# in the middle: the file holds some runs DONE but not all, and the next
# session says it is resuming exactly those.
source "$(dirname "$0")/lib.sh"
# The sweeps, from slow.json: 300 runs of 0.06 CPU s (9 s on two workers) to
# be killed three times, and 40 runs of 0.08 CPU s for the stop signals.  A
# worker killed leaves the rest of the job running until mpirun stops it
# (about 2 s: up to 80 runs here), so that kill comes last, with 250 runs to
# spare.
# The null model's outputs do not depend on the CPU it burns, so the
# references burn none.
SWEEP="$WORK/kill.json" RUNS=300
sed -e 's/"work": 0.06/"work": 0.015/' -e 's/"samples": 40/"samples": 150/' "$E2E/sweeps/slow.json" >"$SWEEP"
SHORT="$WORK/short.json" SHORT_RUNS=40
sed -e 's/"work": 0.06/"work": 0.02/' -e 's/"samples": 40/"samples": 20/' "$E2E/sweeps/slow.json" >"$SHORT"
grep -q '"samples": 150' "$SWEEP" && grep -q '"work": 0.02' "$SHORT" || fail "cannot derive the sweeps from slow.json"
ref="$WORK/ref.h5" short_ref="$WORK/short-ref.h5"
sed 's/"work": [0-9.]*/"work": 0/' "$SWEEP" >"$WORK/ref.json"
sed 's/"work": [0-9.]*/"work": 0/' "$SHORT" >"$WORK/short-ref.json"
"$SENDRIFT" run "$WORK/ref.json" -o "$ref" --quiet
"$SENDRIFT" run "$WORK/short-ref.json" -o "$short_ref" --quiet
$CHECK values "$ref" null
WAIT=60 # seconds any one wait may take, however loaded the machine

# start SWEEP OUT ARGS...: a sweep in the background, its progress lines in
# $WORK/log, its mpirun's pid in $pid.
start() {
    $MPIEXEC -n 3 "$SENDRIFT" run "$1" -o "$2" --progress-interval 0.05 "${@:3}" >"$WORK/log" 2>&1 &
    pid=$!
}
# The rank processes of an mpirun, lowest pid (the controller) first.
ranks() { { pgrep -P "$1" || true; } | sort -n; }
gone() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
# in_the_middle FILE AT_LEAST TOTAL: FILE is a sound result file of a sweep
# cut short ($CHECK partial: it opens, every run DONE is right); prints how
# many runs are DONE, which must be at least AT_LEAST and less than TOTAL:
# the stop hit the sweep while it ran.
in_the_middle() {
    local said n
    said=$($CHECK partial "$1" null) || fail "$1: not a sound partial result file"
    echo "$said" >&2
    n=$(echo "$said" | sed -n 's/^values ok: .* (\([0-9]*\) runs done)$/\1/p')
    [ -n "$n" ] || fail "no count of runs done in: $said"
    [ "$n" -ge "$2" ] && [ "$n" -lt "$3" ] || fail "$1: $n runs DONE, wanted $2 to $(($3 - 1))"
    echo "$n"
}

# kill -9 of the controller, the whole job, a worker: each once the session
# has finished 6 runs; each session after the first must resume exactly the
# runs the file held.
out="$WORK/killed.h5"
before=0
for victim_kind in controller all worker; do
    if [ "$before" = 0 ]; then start "$SWEEP" "$out"; else start "$SWEEP" "$out" --resume; fi
    wait_log_done "$WORK/log" $((before + 6)) "$WAIT" "$pid"
    all_ranks=$(ranks "$pid" | tr '\n' ' ')
    [ -n "$all_ranks" ] || fail "no rank processes under mpirun $pid"
    case $victim_kind in
        controller) victim=${all_ranks%% *} ;;
        worker) victim=$(echo "$all_ranks" | awk '{print $NF}') ;;
        all) victim="$pid $all_ranks" ;;
    esac
    # shellcheck disable=SC2086
    kill -9 $victim
    for p in $victim; do gone "$p" || fail "pid $p survived kill -9"; done
    status=0
    wait "$pid" || status=$?
    [ "$status" != 0 ] || { cat "$WORK/log"; fail "the sweep ended normally: the kill ($victim_kind) missed it"; }
    # mpirun may exit before the ranks it stops: none may outlive it (one
    # would hold the file).
    for p in $all_ranks; do
        kill -9 "$p" 2>/dev/null || true
        gone "$p" || fail "rank $p survived"
    done
    gone "$pid" || fail "mpirun survived"
    if [ "$before" != 0 ]; then
        grep -qF "resuming $out: $before runs done and 0 failed before; $((RUNS - before)) to run" "$WORK/log" \
            || { cat "$WORK/log"; fail "the session did not resume the $before runs the file held"; }
    fi
    after=$(in_the_middle "$out" $((before + 6)) "$RUNS")
    echo "killed ($victim_kind) after $before + 6 runs: $after runs DONE in the file"
    before=$after
done
expect_status 0 mpi 3 "$SENDRIFT" run "$SWEEP" -o "$out" --resume
expect_stderr "resuming $out: $before runs done and 0 failed before; $((RUNS - before)) to run"
$CHECK same "$ref" "$out"
# Every run DONE.  A run killed in flight is run again: each kill caught at
# most two (two worker groups), so few runs were tried twice, none more often.
"$SD_PYTHON" - "$out" <<'EOF' || fail "status or attempts of the killed sweep"
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    st = f["runs/status"][:]
    at = f["runs/attempts"][:]
again = int((at > 1).sum())
print(f"{int((st == 1).sum())} of {st.size} runs DONE; {again} tried more than once, "
      f"at most {at.max()} times")
if (st != 1).any() or at.min() < 1 or at.max() > 2 or again > 6:
    sys.exit("FAIL: runs not DONE, or attempts out of range")
EOF

# A stop signal: no new runs, running runs finish or are abandoned after the
# grace period, the file is closed, the exit status asks for a requeue.
sig="$WORK/signal.h5"
start "$SHORT" "$sig" --grace 0.05
wait_log_done "$WORK/log" 10 "$WAIT" "$pid"
kill -USR1 "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 75 ] || { cat "$WORK/log"; fail "exit status $status after SIGUSR1, wanted 75"; }
grep -q "SIGUSR1 received: no new runs" "$WORK/log" || fail "no note of the signal"
grep -q "continue with --resume" "$WORK/log" || fail "no advice to resume"
n=$(in_the_middle "$sig" 10 "$SHORT_RUNS")
expect_status 0 mpi 3 "$SENDRIFT" run "$SHORT" -o "$sig" --resume
expect_stderr "resuming $sig: $n runs done and 0 failed before"
$CHECK same "$short_ref" "$sig"
# Resuming a finished sweep runs nothing.
expect_status 0 "$SENDRIFT" run "$SHORT" -o "$sig" --resume
expect_stderr "$SHORT_RUNS done, 0 failed ($SHORT_RUNS of them before this session)"

# The same signal to a single-rank sweep, and SIGTERM.
one="$WORK/one.h5"
"$SENDRIFT" run "$SHORT" -o "$one" --grace 0 --progress-interval 0.05 >"$WORK/log" 2>&1 &
pid=$!
wait_log_done "$WORK/log" 4 "$WAIT" "$pid"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 75 ] || { cat "$WORK/log"; fail "exit status $status after SIGTERM, wanted 75"; }
n=$(in_the_middle "$one" 4 "$SHORT_RUNS")
expect_status 0 "$SENDRIFT" run "$SHORT" -o "$one" --resume
expect_stderr "resuming $one: $n runs done and 0 failed before; $((SHORT_RUNS - n)) to run"
$CHECK same "$short_ref" "$one"

# --resume refuses a file made from another design, and --force with it.
sed 's/"seed": 5/"seed": 6/' "$SHORT" >"$WORK/other.json"
expect_status 2 "$SENDRIFT" run "$WORK/other.json" -o "$one" --resume
expect_stderr "cannot resume: the file was made from a different design"
expect_status 2 "$SENDRIFT" run "$SHORT" -o "$one" --resume --force
expect_stderr "--resume and --force contradict each other"
echo "not hdf5" >"$WORK/junk.h5"
expect_status 3 "$SENDRIFT" run "$SHORT" -o "$WORK/junk.h5" --resume
expect_stderr "cannot resume: not a readable HDF5 file"
echo "1 passed, 0 failed"
