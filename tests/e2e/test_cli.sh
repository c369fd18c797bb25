#!/usr/bin/env bash
# The command line: help, version, models, check, and clear refusals of bad
# input that end every rank without hanging.
source "$(dirname "$0")/lib.sh"
SWEEPS="$SD_SOURCE_DIR/sweeps"

expect_status 0 "$SENDRIFT" --help
grep -q "Usage: mpirun -n N sendrift run" "$WORK/stdout" || fail "--help"
expect_status 0 "$SENDRIFT" --version
grep -q "^sendrift [0-9]" "$WORK/stdout" && grep -q "^HDF5: 1\." "$WORK/stdout" || fail "--version"
expect_status 2 "$SENDRIFT"
expect_stderr "Usage:"
expect_status 2 "$SENDRIFT" frobnicate
expect_stderr 'unknown command "frobnicate"'

expect_status 0 "$SENDRIFT" models
grep -q "^ishigami:" "$WORK/stdout" && grep -q "^null:" "$WORK/stdout" || fail "models"
expect_status 0 "$SENDRIFT" models ishigami
grep -q "x1 .* real in \[-3.14159, 3.14159\]" "$WORK/stdout" || fail "models ishigami"
expect_status 2 "$SENDRIFT" models nosuch
expect_stderr 'no model "nosuch"'

# check: the expanded design without running anything.
expect_status 0 "$SENDRIFT" check "$E2E/sweeps/ishigami_saltelli.json"
grep -q "^runs: *8192$" "$WORK/stdout" || fail "check: runs (1024 x (2*3+2) = 8192)"
grep -q "^design: *sobol (N = 1024 base points, second order" "$WORK/stdout" || fail "check: design"
grep -q "result file: about" "$WORK/stdout" || fail "check: size estimate"
grep -q "8182 more" "$WORK/stdout" || fail "check: first 10 runs"
expect_status 0 "$SENDRIFT" check "$E2E/sweeps/null_grid.json" --all
[ "$(grep -cE '^ +[0-9]+ +[0-9]+ +[01] ' "$WORK/stdout")" = 84 ] || fail "check --all: 84 rows"

# Every example sweep of the repository is valid.
for f in "$SWEEPS"/*.json; do
    [ "$(basename "$f")" = schema.json ] && continue
    expect_status 0 "$SENDRIFT" check "$f"
    grep -q ": valid$" "$WORK/stdout" || fail "check $f"
done

# A bad sweep file fails on every rank with one message, and nothing hangs.
cat > "$WORK/bad.json" <<'JSON'
{ "model": { "name": "ishigami" },
  "parameters": [ { "name": "x1", "range": [2, 1] } ],
  "design": { "type": "random", "samples": 10 } }
JSON
expect_status 2 "$SENDRIFT" check "$WORK/bad.json"
expect_stderr "bad.json: parameters[0].range: min 2 > max 1"
got=0
mpi 3 "$SENDRIFT" run "$WORK/bad.json" -o "$WORK/bad.h5" >"$WORK/stdout" 2>"$WORK/stderr" || got=$?
[ "$got" != 0 ] || fail "bad sweep on 3 ranks exited 0"
[ "$(grep -c 'parameters\[0\].range: min 2 > max 1' "$WORK/stderr")" = 1 ] || { cat "$WORK/stderr"; fail "message not printed exactly once"; }
[ ! -e "$WORK/bad.h5" ] || fail "a bad sweep created its result file"

# A missing sweep file.
expect_status 2 "$SENDRIFT" run "$WORK/nosuch.json" -o "$WORK/x.h5"
expect_stderr "nosuch.json"

# Output safety: an existing file is never overwritten without --force.
cat > "$WORK/small.json" <<'JSON'
{ "model": { "name": "null" }, "parameters": [ { "name": "x1", "values": [1, 2, 3] } ],
  "design": { "type": "grid" } }
JSON
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/small.h5" --quiet
expect_status 3 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/small.h5" --quiet
expect_stderr "small.h5: exists; it is never overwritten: add --force"
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/small.h5" --quiet --force
expect_status 3 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/no/such/dir/x.h5" --quiet
expect_stderr "directory $WORK/no/such/dir does not exist"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$WORK/ro" && chmod 555 "$WORK/ro"
    expect_status 3 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/ro/x.h5" --quiet
    expect_stderr "is not writable"
fi

# Rank layout: P needs P + 1 ranks; leftover ranks are reported.
expect_status 2 mpi 2 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/p.h5" --ranks-per-sim 2
expect_stderr "--ranks-per-sim 2 needs at least 3 ranks"
expect_status 0 mpi 4 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/p.h5" --ranks-per-sim 2
expect_stderr "1 rank stay idle"
expect_status 2 "$SENDRIFT" run "$WORK/small.json" --ranks-per-sim zero
expect_stderr '--ranks-per-sim: "zero" is not a whole number'

# Progress: plain lines when stderr is not a terminal, and a final line.
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/q.h5"
expect_stderr "sendrift: 3/3 runs (100.0%): 3 done, 0 failed"
expect_stderr "wrote $WORK/q.h5: 3 runs, 3 done, 0 failed"
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/q.h5" --quiet --force
[ ! -s "$WORK/stderr" ] || fail "--quiet printed something"
echo "1 passed, 0 failed"
