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
