#!/usr/bin/env bash
# Limits that are enforced: a design too large to track is refused up front
# (with the estimate, without a loop over its runs); a run past its time
# limit is stopped within one step and recorded FAILED ("timeout"); after a
# stop signal running runs stop within the grace period plus one step, and at
# once on a second signal.  Every wait below waits for a condition (a line in
# the log); the `timeout` bounds only catch a hang.
source "$(dirname "$0")/lib.sh"

# wait_log FILE PATTERN PID: until FILE has a line matching PATTERN (ERE);
# fails when PID ends first, or after 120 s.  (A polling loop that waits
# for a condition; the sleep only paces it.)
wait_log() {
    local i
    for i in $(seq 2400); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || { cat "$1" >&2; fail "process $3 ended before: $2"; }
        sleep 0.05
    done
    cat "$1" >&2
    fail "no line matching $2 in $1 after 120 s"
}

# ---- designs too large to track: refused at once, with the estimate --------
huge() {
    printf '{"model": {"name": "null"}, "parameters": [%s], "design": %s%s}\n' "$1" "$2" "$3" \
        >"$WORK/huge.json"
    for cmd in check run; do
        local args=("$SENDRIFT" "$cmd" "$WORK/huge.json")
        [ "$cmd" = run ] && args+=(-o "$WORK/huge.h5")
        expect_status 3 timeout 60 "${args[@]}"
        expect_stderr "runs; keeping track of them needs about"
        expect_stderr "make the design smaller"
        [ ! -e "$WORK/huge.h5" ] || fail "a refused sweep left a file"
    done
}
X1='{"name": "x1", "range": [0, 1]}'
X2='{"name": "x2", "range": [0, 1]}'
huge "$X1" '{"type": "random", "samples": 10}' ', "replicates": 10000000000000'
huge "$X1" '{"type": "random", "samples": 1000000000}' ''
huge "$X1, $X2" '{"type": "lhs", "samples": 400000000}' ''
huge '{"name": "x1", "range": [0, 1], "levels": 100000}, {"name": "x2", "range": [0, 1], "levels": 100000}' \
    '{"type": "grid"}' ''
expect_stderr "the sweep has 10000000000 runs"
# The same on 3 ranks: one message, every rank ends.
got=0
mpi 3 "$SENDRIFT" run "$WORK/huge.json" -o "$WORK/huge.h5" >"$WORK/stdout" 2>"$WORK/stderr" || got=$?
[ "$got" != 0 ] || fail "huge design on 3 ranks exited 0"
[ "$(grep -c 'keeping track of them' "$WORK/stderr")" = 1 ] || { cat "$WORK/stderr"; fail "3 ranks: one message"; }

# merge keeps no queue of runs: a design that `run` cannot keep track of on
# this machine is no burden to it, and it goes on to check the shards (here:
# one that does not exist).
printf '{"model": {"name": "null"}, "parameters": [%s], "design": %s}\n' "$X1" \
    '{"type": "random", "samples": 1000000000}' >"$WORK/huge.json"
expect_status 3 timeout 60 "$SENDRIFT" merge "$WORK/huge.json" -o "$WORK/huge.h5" "$WORK/nosuch.h5"
expect_stderr "nosuch.h5: cannot read the shard file"

# ---- --run-timeout and run_timeout ---------------------------------------------
# Run 1 would burn 30 s of CPU; its limit is 1 s.  The others finish.
cat >"$WORK/timeout.json" <<'JSON'
{ "model": { "name": "null", "params": { "n_times": 2 } },
  "parameters": [ { "name": "work", "values": [0.05, 30, 0.05, 0.05] } ],
  "design": { "type": "list" }, "run_timeout": 1 }
JSON
expect_status 4 timeout 25 "$SENDRIFT" run "$WORK/timeout.json" -o "$WORK/timeout.h5"
expect_stderr "run 1 failed"
run_statuses "$WORK/timeout.h5" >"$WORK/status"
[ "$(head -1 "$WORK/status")" = 1211 ] || { cat "$WORK/status"; fail "run_timeout: statuses"; }
grep -q "timeout: the run took longer than its limit of 1 s" "$WORK/status" ||
    { cat "$WORK/status"; fail "run_timeout: reason"; }
# The command line sets it too (and wins), with worker groups: 3 ranks.
sed 's/, "run_timeout": 1//' "$WORK/timeout.json" >"$WORK/timeout2.json"
grep -q run_timeout "$WORK/timeout2.json" && fail "sed"
expect_status 4 mpi 3 "$SENDRIFT" run "$WORK/timeout2.json" -o "$WORK/timeout2.h5" --run-timeout 0.5
run_statuses "$WORK/timeout2.h5" >"$WORK/status"
[ "$(head -1 "$WORK/status")" = 1211 ] || { cat "$WORK/status"; fail "--run-timeout: statuses"; }
grep -q "limit of 0.5 s" "$WORK/status" || { cat "$WORK/status"; fail "--run-timeout: reason"; }
expect_status 2 "$SENDRIFT" run "$WORK/timeout2.json" -o "$WORK/x.h5" --run-timeout -3
expect_stderr '--run-timeout: "-3" is not a number of seconds > 0'
sed 's/"run_timeout": 1/"run_timeout": 0/' "$WORK/timeout.json" >"$WORK/timeout3.json"
expect_status 2 "$SENDRIFT" check "$WORK/timeout3.json"
expect_stderr "run_timeout: expected a number of seconds > 0"

# ---- the grace period is kept within one step -----------------------------------
# One run of 120 s between its two output times (t = 0 and 1), in steps of
# 10 ms; its snapshot at t = 0 lands in the file when it starts: from then on
# the run is in progress (a condition, not a clock), and a signal must stop
# it within the grace period plus one step (it used to wait for the next
# output time, 120 s away).
cat >"$WORK/grace.json" <<'JSON'
{ "model": { "name": "null", "params": { "n_times": 2, "lattice_nx": 4, "lattice_ny": 2 } },
  "parameters": [ { "name": "work", "values": [120] } ],
  "design": { "type": "list" },
  "output": { "snapshots": { "runs": [0], "times": [0] } } }
JSON
# start_sweep NP OUT ARGS...: start a sweep in the background, its log in
# $WORK/log; $pid is mpirun's (or the singleton's).
start_sweep() {
    local np=$1 out=$2; shift 2
    rm -f "$out" "$WORK/log"
    if [ "$np" = 1 ]; then
        "$SENDRIFT" run "$WORK/grace.json" -o "$out" "$@" 2>"$WORK/log" &
    else
        $MPIEXEC -n "$np" "$SENDRIFT" run "$WORK/grace.json" -o "$out" "$@" 2>"$WORK/log" &
    fi
    pid=$!
}
# wait_running OUT PID: until run 0's first snapshot is in OUT (fails when
# PID ends first, or after 120 s).
wait_running() {
    HDF5_USE_FILE_LOCKING=FALSE $SD_PYTHON - "$1" "$2" <<'PY' || { cat "$WORK/log" >&2; fail "run 0 never started"; }
import os, sys, time, h5py, numpy as np
path, pid = sys.argv[1], int(sys.argv[2])
for _ in range(2400):
    try:
        with h5py.File(path, "r") as f:
            if np.isfinite(f["snapshots/run_0/t_0/value"][...]).all():
                sys.exit(0)
    except (OSError, KeyError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the sweep ended before run 0 started")
    time.sleep(0.05)
sys.exit("run 0 did not start within 120 s")
PY
}
# stopped_within PID SECONDS: PID ends within SECONDS (the run alone would
# take 120 s: ending sooner means the grace period was kept); sets $rc.
stopped_within() {
    local i
    for i in $(seq $(($2 * 20))); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$1" 2>/dev/null; then
        kill -9 "$1"
        wait "$1" || true
        cat "$WORK/log" >&2
        fail "still running $2 s after the stop"
    fi
    rc=0
    wait "$1" || rc=$?
}
for np in 1 3; do
    start_sweep "$np" "$WORK/grace$np.h5" --grace 1
    wait_running "$WORK/grace$np.h5" "$pid"
    kill -USR1 "$pid"
    stopped_within "$pid" 30
    [ "$rc" = 75 ] || { cat "$WORK/log"; fail "np $np: SIGUSR1 with --grace 1: exit $rc, wanted 75"; }
    grep -q "run 0 abandoned" "$WORK/log" || { cat "$WORK/log"; fail "np $np: run 0 not abandoned"; }
    [ "$(run_statuses "$WORK/grace$np.h5" | head -1)" = 0 ] || fail "np $np: run 0 pending"
done
# A second signal abandons at once, whatever the grace period (600 s here).
start_sweep 1 "$WORK/second.h5" --grace 600
wait_running "$WORK/second.h5" "$pid"
kill -INT "$pid"
# (Two signals sent at once may merge into one: the second waits for the first.)
wait_log "$WORK/log" 'SIGINT received' "$pid"
kill -INT "$pid"
stopped_within "$pid" 30
[ "$rc" = 75 ] || { cat "$WORK/log"; fail "two SIGINTs: exit $rc, wanted 75"; }
grep -q "run 0 abandoned" "$WORK/log" || { cat "$WORK/log"; fail "two SIGINTs: run 0 not abandoned"; }
echo ok
