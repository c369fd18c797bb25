#!/usr/bin/env bash
# Nothing lost: kill -9 of the controller, a worker, or the whole job at
# several moments, each followed by --resume; a stop signal with a grace
# period; --resume of a different design refused; the final file is
# bit-identical to an uninterrupted run's.
source "$(dirname "$0")/lib.sh"
SWEEP="$E2E/sweeps/slow.json"
ref="$WORK/ref.h5"
mpi 3 "$SENDRIFT" run "$SWEEP" -o "$ref" --quiet
$CHECK values "$ref" null

# Start a sweep in the background; its mpirun's pid in $pid.
start() { $MPIEXEC -n 3 "$SENDRIFT" run "$SWEEP" -o "$1" "${@:2}" >"$WORK/log" 2>&1 & pid=$!; }
# The rank processes of an mpirun, lowest pid (the controller) first.
ranks() { { pgrep -P "$1" || true; } | sort -n; }
gone() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }

out="$WORK/killed.h5"
for point in "0.3 controller" "1.0 worker" "1.6 all" "2.2 worker" "2.8 controller"; do
    set -- $point
    if [ -e "$out" ]; then start "$out" --resume --quiet; else start "$out" --quiet; fi
    sleep "$1"
    case $2 in
        controller) victim=$(ranks "$pid" | head -1) ;;
        worker) victim=$(ranks "$pid" | tail -1) ;;
        all) victim="$pid $(ranks "$pid" | tr '\n' ' ')" ;;
    esac
    # shellcheck disable=SC2086
    kill -9 $victim 2>/dev/null || true
    for p in $victim; do gone "$p" || fail "pid $p survived kill -9"; done
    wait "$pid" 2>/dev/null || true
    for p in $(ranks "$pid"); do kill -9 "$p" 2>/dev/null || true; done
    gone "$pid" || fail "mpirun survived"
    if [ -e "$out" ]; then
        $CHECK partial "$out" null
    else
        echo "killed at $1 s ($2): before the file was complete; no file at the final path"
    fi
done
mpi 3 "$SENDRIFT" run "$SWEEP" -o "$out" --resume >"$WORK/stdout" 2>"$WORK/stderr"
cat "$WORK/stderr"
$CHECK same "$ref" "$out"
$CHECK attempts "$out" DONE 1 >/dev/null || echo "(some runs were redone after a kill)"

# A stop signal: no new runs, running runs finish or are abandoned after the
# grace period, the file is closed, the exit status asks for a requeue.
sig="$WORK/signal.h5"
start "$sig" --grace 0.05
sleep 1.5
kill -USR1 "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 75 ] || { cat "$WORK/log"; fail "exit status $status after SIGUSR1, wanted 75"; }
grep -q "SIGUSR1 received: no new runs" "$WORK/log" || fail "no note of the signal"
grep -q "continue with --resume" "$WORK/log" || fail "no advice to resume"
$CHECK partial "$sig" null
expect_status 0 mpi 3 "$SENDRIFT" run "$SWEEP" -o "$sig" --resume
expect_stderr "resuming $sig"
$CHECK same "$ref" "$sig"
# Resuming a finished sweep runs nothing.
expect_status 0 mpi 3 "$SENDRIFT" run "$SWEEP" -o "$sig" --resume
expect_stderr "80 done, 0 failed (80 of them before this session)"

# The same signal to a single-rank sweep, and SIGTERM.
one="$WORK/one.h5"
"$SENDRIFT" run "$SWEEP" -o "$one" --grace 0 >"$WORK/log" 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 75 ] || { cat "$WORK/log"; fail "exit status $status after SIGTERM, wanted 75"; }
expect_status 0 "$SENDRIFT" run "$SWEEP" -o "$one" --resume --quiet
$CHECK same "$ref" "$one"

# --resume refuses a file made from another design, and --force with it.
sed 's/"seed": 5/"seed": 6/' "$SWEEP" >"$WORK/other.json"
expect_status 2 "$SENDRIFT" run "$WORK/other.json" -o "$one" --resume
expect_stderr "cannot resume: the file was made from a different design"
expect_status 2 "$SENDRIFT" run "$SWEEP" -o "$one" --resume --force
expect_stderr "--resume and --force contradict each other"
echo "not hdf5" >"$WORK/junk.h5"
expect_status 3 "$SENDRIFT" run "$SWEEP" -o "$WORK/junk.h5" --resume
expect_stderr "cannot resume: not a readable HDF5 file"
echo "1 passed, 0 failed"
