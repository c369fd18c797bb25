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
# The room a drift run's checkpoint takes: 25 x 19 sites x 33 B, 11 rows of
# 31 series x 16 B, 64 KiB of HDF5 overhead: 86667 B.
expect_status 0 "$SENDRIFT" check "$E2E/sweeps/drift_small.json"
grep -q "^checkpoints: about 84.6 KiB per run in flight, at stop signals" "$WORK/stdout" \
    || fail "check: checkpoint size"
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
# For developers, SENDRIFT_TRACE=1 adds where the error was recorded and the
# calls it went up through (file:line, relative to the source tree); users
# see the message alone.
grep -q "src/" "$WORK/stderr" && fail "a source location shown without SENDRIFT_TRACE"
expect_status 2 env SENDRIFT_TRACE=1 "$SENDRIFT" check "$WORK/bad.json"
expect_stderr "bad.json: parameters[0].range: min 2 > max 1"
grep -qE '^sendrift: error: \(bad input, at src/sweepfile/[a-z_]+\.c:[0-9]+( <- src/[a-z_/]+\.c:[0-9]+)+\)$' \
    "$WORK/stderr" || { cat "$WORK/stderr"; fail "SENDRIFT_TRACE: no trace"; }

# A missing sweep file.
expect_status 2 "$SENDRIFT" run "$WORK/nosuch.json" -o "$WORK/x.h5"
expect_stderr "nosuch.json"

# Output safety: an existing file is never overwritten without --force.
cat > "$WORK/small.json" <<'JSON'
{ "model": { "name": "null" }, "parameters": [ { "name": "x1", "values": [1, 2, 3] } ],
  "design": { "type": "grid" } }
JSON
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/small.h5" --quiet
# (a missing --force is a command-line matter: exit 2, as for a bad option)
expect_status 2 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/small.h5" --quiet
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
# Numbers past the range of an int are refused, never wrapped (2^32 + 1 was 1).
expect_status 2 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/w.h5" -P 4294967297
expect_stderr '--ranks-per-sim: "4294967297" is not a whole number in [1, 2147483647]'
expect_status 2 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/w.h5" --retry 4294967296
expect_stderr '--retry: "4294967296" is not a whole number in [0, 2147483647]'
expect_status 2 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/w.h5" --retry -1
[ ! -e "$WORK/w.h5" ] || fail "a refused command line created its file"

# models --json: the same table for programs.
expect_status 0 "$SENDRIFT" models drift --json
$SD_PYTHON - "$WORK/stdout" <<'PY' || fail "models drift --json"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["name"] == "drift", m["name"]
p = {q["name"]: q for q in m["parameters"]}
assert p["nx"]["type"] == "int" and p["nx"]["default"] == 128, p["nx"]
assert p["tissue"]["type"] == "choice" and "cartilage" in p["tissue"]["choices"], p["tissue"]
PY
expect_status 0 "$SENDRIFT" models --json
$SD_PYTHON -c 'import json, sys; n = [m["name"] for m in json.load(open(sys.argv[1]))]; assert {"drift", "null", "ishigami"} <= set(n), n' \
    "$WORK/stdout" || fail "models --json"
expect_status 2 "$SENDRIFT" models drift --yaml
expect_stderr "models: unknown option --yaml"

# Names: the status line names the file made from the sweep's name (it
# printed freed memory), and that name never leaves the directory.
mkdir -p "$WORK/cwd"
cat > "$WORK/cwd/dots.json" <<'JSON'
{ "name": "../../escape", "model": { "name": "null" },
  "parameters": [ { "name": "x1", "values": [1] } ], "design": { "type": "grid" } }
JSON
(cd "$WORK/cwd" && expect_status 0 "$SENDRIFT" run dots.json)
expect_stderr "wrote _._.._escape.h5: 1 runs"
[ -f "$WORK/cwd/_._.._escape.h5" ] || fail "default output name"
[ ! -e "$WORK/escape.h5" ] && [ ! -e "$SD_TMP/escape.h5" ] || fail "the default output left the directory"
cat > "$WORK/cwd/named.json" <<'JSON'
{ "model": { "name": "null" }, "parameters": [ { "name": "x1", "values": [1] } ],
  "design": { "type": "grid" }, "output": { "file": "from-sweep.h5" } }
JSON
(cd "$WORK/cwd" && expect_status 0 "$SENDRIFT" run named.json)
expect_stderr "wrote from-sweep.h5: 1 runs"
# A 300-byte output name, a 100 kB sweep name, invalid UTF-8 and NUL: refused
# with a message (they aborted inside MPI-IO, or cut names short).
long=$(printf 'a%.0s' $(seq 300))
expect_status 2 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/$long.h5" -q
expect_stderr "a name in the result file's path is 303 bytes long; at most 247 are allowed"
$SD_PYTHON -c '
import json, sys
json.dump({"name": "n" * 100000, "model": {"name": "null"},
           "parameters": [{"name": "x1", "values": [1]}], "design": {"type": "grid"}},
          open(sys.argv[1], "w"))' "$WORK/longname.json"
(cd "$WORK/cwd" && expect_status 2 "$SENDRIFT" run "$WORK/longname.json")
expect_stderr "name: 100000 bytes long; allowed: at most 200"
printf '{"name": "a\\u0000b", "model": {"name": "null"}, "parameters": [{"name": "x1", "values": [1]}], "design": {"type": "grid"}}' >"$WORK/nul.json"
expect_status 2 "$SENDRIFT" check "$WORK/nul.json"
expect_stderr 'nul.json:1:12: JSON syntax error'
expect_stderr '(a NUL character) is not allowed in a string'
printf '{"name": "a\xff\xfeb", "model": {"name": "null"}, "parameters": [{"name": "x1", "values": [1]}], "design": {"type": "grid"}}' >"$WORK/utf8.json"
expect_status 2 "$SENDRIFT" check "$WORK/utf8.json"
expect_stderr 'utf8.json:1:12: byte 0xFF is not valid UTF-8'

# check accepts exactly what run would start: snapshot times that are not
# output times, and snapshots of a model without them, fail both.
cat > "$WORK/snaptime.json" <<'JSON'
{ "model": { "name": "null", "params": { "n_times": 3, "lattice_nx": 4 } },
  "parameters": [ { "name": "x1", "values": [1, 2] } ], "design": { "type": "grid" },
  "output": { "snapshots": { "runs": [0], "times": [1.5] } } }
JSON
cat > "$WORK/snapmodel.json" <<'JSON'
{ "model": { "name": "ishigami" },
  "parameters": [ { "name": "x1", "values": [1, 2] } ], "design": { "type": "grid" },
  "output": { "snapshots": { "runs": [0], "times": [0] } } }
JSON
for f in snaptime snapmodel; do
    expect_status 2 "$SENDRIFT" check "$WORK/$f.json"
    cp "$WORK/stderr" "$WORK/check.err"
    expect_status 2 "$SENDRIFT" run "$WORK/$f.json" -o "$WORK/$f.h5" -q
    cmp -s "$WORK/stderr" "$WORK/check.err" || { cat "$WORK/check.err" "$WORK/stderr"; fail "$f: check and run say different things"; }
done
expect_stderr 'output.snapshots: model "ishigami" has no snapshots'
# A Saltelli design whose A and B halves coincide (skip 0) is warned about by
# check and run; the default skip (SALib's, max(N, 16)) has none.
cat > "$WORK/skip0.json" <<'JSON'
{ "model": { "name": "ishigami" },
  "parameters": [ { "name": "x1", "range": [0, 1] }, { "name": "x2", "range": [0, 1] },
                  { "name": "x3", "range": [0, 1] } ],
  "design": { "type": "sobol", "samples": 8, "second_order": true, "skip": 0 } }
JSON
expect_status 0 "$SENDRIFT" check "$WORK/skip0.json"
expect_stderr "warning: $WORK/skip0.json: 2 of the 8 Saltelli base points are degenerate (A = B, the first at base point 0)"
expect_status 0 "$SENDRIFT" run "$WORK/skip0.json" -o "$WORK/skip0.h5"
expect_stderr "2 of the 8 Saltelli base points are degenerate"
sed 's/, "skip": 0//' "$WORK/skip0.json" >"$WORK/skipdefault.json"
expect_status 0 "$SENDRIFT" check "$WORK/skipdefault.json"
grep -q "skip 16)" "$WORK/stdout" || { cat "$WORK/stdout"; fail "check: the default skip"; }
! grep -q "degenerate" "$WORK/stderr" || fail "the default skip warned"

# A sweep without parameters (replicates of the defaults) is valid, and runs.
cat > "$WORK/noparams.json" <<'JSON'
{ "model": { "name": "null" }, "parameters": [], "design": { "type": "grid" }, "replicates": 3 }
JSON
expect_status 0 "$SENDRIFT" check "$WORK/noparams.json"
grep -q "^runs: *3$" "$WORK/stdout" || fail "check: no parameters, 3 replicates"
expect_status 0 "$SENDRIFT" run "$WORK/noparams.json" -o "$WORK/noparams.h5"
expect_stderr "3 runs, 3 done, 0 failed"

# Progress: plain lines when stderr is not a terminal, and a final line.
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/q.h5"
expect_stderr "sendrift: 3/3 runs (100.0%): 3 done, 0 failed"
expect_stderr "wrote $WORK/q.h5: 3 runs, 3 done, 0 failed"
expect_status 0 "$SENDRIFT" run "$WORK/small.json" -o "$WORK/q.h5" --quiet --force
[ ! -s "$WORK/stderr" ] || fail "--quiet printed something"
echo "1 passed, 0 failed"
