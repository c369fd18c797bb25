# Shared by the end-to-end tests.  ctest sets SENDRIFT, MPIEXEC, SD_PYTHON,
# SD_SOURCE_DIR and SD_TMP (and the Open MPI variables for root).
set -euo pipefail
: "${SENDRIFT:?SENDRIFT must name the sendrift executable}"
: "${MPIEXEC:?}"
: "${SD_PYTHON:?}"
: "${SD_SOURCE_DIR:?}"
: "${SD_TMP:?}"
E2E="$SD_SOURCE_DIR/tests/e2e"
WORK="$SD_TMP/$(basename "$0" .sh)"
rm -rf "$WORK"
mkdir -p "$WORK"
CHECK="$SD_PYTHON $E2E/check_results.py"

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_status WANT CMD...: run CMD, keep its stderr in $WORK/stderr, and
# fail unless it exits with WANT.
expect_status() {
    local want=$1; shift
    local got=0
    "$@" >"$WORK/stdout" 2>"$WORK/stderr" || got=$?
    if [ "$got" != "$want" ]; then
        cat "$WORK/stdout" "$WORK/stderr" >&2
        fail "exit status $got, wanted $want: $*"
    fi
}

# expect_stderr TEXT: the last command's stderr contains TEXT.
expect_stderr() {
    grep -qF -- "$1" "$WORK/stderr" || { cat "$WORK/stderr" >&2; fail "stderr lacks: $1"; }
}

mpi() { local np=$1; shift; timeout 300 $MPIEXEC -n "$np" "$@"; }

# file_sum FILE: its SHA-256.
file_sum() { sha256sum <"$1" | cut -d' ' -f1; }

# expect_unchanged FILE SUM WHAT: FILE is still there with SHA-256 SUM.
expect_unchanged() {
    [ -f "$1" ] || fail "$3: $1 is gone"
    [ "$(file_sum "$1")" = "$2" ] || fail "$3: $1 changed"
}

# log_done LOG: the done count of the last progress line in LOG ("sendrift:
# A/T runs (P%): D done, F failed ..."; D counts earlier sessions' runs
# too), or 0 when there is none yet.
log_done() {
    local n=
    if [ -f "$1" ]; then
        n=$(sed -n 's/^sendrift: [0-9]*\/[0-9]* runs ([0-9.]*%): \([0-9]*\) done, .*/\1/p' "$1" | tail -1)
    fi
    echo "${n:-0}"
}

# wait_log_done LOG N TIMEOUT [PID]: wait until a progress line of the sweep
# writing LOG (run with --progress-interval, without --quiet) counts at
# least N runs done; fail after TIMEOUT seconds, or as soon as process PID
# has ended without getting there.  Polls every 0.05 s.
wait_log_done() {
    local log=$1 want=$2 timeout=$3 pid=${4:-} end got
    end=$((SECONDS + ${timeout%.*}))
    while :; do
        got=$(log_done "$log")
        [ "$got" -ge "$want" ] && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            cat "$log" >&2
            fail "the sweep (pid $pid) ended with $got runs done, before $want (log: $log)"
        fi
        if [ "$SECONDS" -ge "$end" ]; then
            cat "$log" >&2
            fail "$got runs done after $timeout s, wanted $want (log: $log)"
        fi
        sleep 0.05
    done
}

# start_holder SWEEP OUT LOG [ARGS...]: start a single-rank sweep writing OUT
# in the background (its stderr in LOG; $holder is its pid) and wait until
# it holds OUT's lock with OUT created (fails if it ends first, or after
# 120 s).  For tests of a second writer.
start_holder() {
    local sweep=$1 out=$2 log=$3
    shift 3
    "$SENDRIFT" run "$sweep" -o "$out" -q "$@" 2>"$log" &
    holder=$!
    for _ in $(seq 2400); do
        [ -f "$out" ] && [ -f "$out.lock" ] && grep -q "pid=$holder " "$out.lock" && return 0
        kill -0 "$holder" 2>/dev/null || { cat "$log" >&2; fail "the sweep on $out ended early"; }
        sleep 0.05
    done
    fail "the sweep on $out did not take its lock within 120 s"
}

# run_statuses FILE: a line of the run status flags, one digit each (0
# pending, 1 done, 2 failed), then the messages of the failed runs, one a
# line.  Reads a file that a sweep may still be writing.
run_statuses() {
    HDF5_USE_FILE_LOCKING=FALSE $SD_PYTHON - "$1" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    st = f["runs/status"][:]
    print("".join(str(int(s)) for s in st))
    msg = f["runs/message"][:]
    if msg.ndim == 2:  # format 3: a row of one-byte characters per run
        msg = msg.view("S%d" % msg.shape[1])[:, 0]
    for s, m in zip(st, msg):
        if s == 2:
            print(m.decode())
PY
}
