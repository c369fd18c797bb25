#!/usr/bin/env bash
# sendrift export: every column of every row of the table, in csv, tsv and
# json, read back with Python's csv and json modules and with pandas, is the
# result file's value as h5py reads it (check_export.py): a categorical
# parameter as its choice, NaN as an empty field (null in json), numbers to
# the bit.  Whole files, a shard file, a merged file with pending runs, the
# file of a sweep still running and then killed; quoting; clear refusals
# that leave no half-written table.
source "$(dirname "$0")/lib.sh"
CHECKX="$SD_PYTHON $E2E/check_export.py"
SW="$E2E/sweeps"

# A categorical parameter (tissue) and summaries that are NaN in runs that
# finished (time_F_below_half when F never falls below half).
drift="$WORK/drift.h5"
mpi 2 "$SENDRIFT" run "$SW/drift_small.json" -o "$drift" --quiet
for fmt in csv tsv json; do
    expect_status 0 "$SENDRIFT" export "$drift" --format "$fmt" -o "$WORK/drift.$fmt"
    expect_stderr "exported $drift: 8 runs (8 done, 0 failed, 0 pending) to $WORK/drift.$fmt"
done
$CHECKX --pandas "$drift" "$WORK/drift.csv" "$WORK/drift.tsv" "$WORK/drift.json"
[ ! -e "$WORK/drift.csv.tmp" ] || fail "the temporary table was left"
# The checks above are not vacuous: both tissues are there as words, and
# the file holds NaN summaries of runs that are DONE.
grep -q ',cartilage,' "$WORK/drift.csv" && grep -q ',muscle,' "$WORK/drift.csv" || fail "tissue choices"
$SD_PYTHON - "$drift" "$WORK/drift.json" <<'PY' || fail "no NaN in a finished run's summary"
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    nan = np.isnan(f["summary/time_F_below_half"][()]) & (f["runs/status"][()] == 1)
    assert nan.sum() >= 1, nan
rows = json.load(open(sys.argv[2]))
assert [r["time_F_below_half"] for r in rows if r["status"] == "DONE"].count(None) == nan.sum()
PY
# Standard output by default, csv by default, the format from -o's name.
expect_status 0 "$SENDRIFT" export "$drift"
cmp -s "$WORK/stdout" "$WORK/drift.csv" || fail "stdout differs from -o drift.csv"
expect_status 0 "$SENDRIFT" export "$drift" -o "$WORK/byname.JSON" -q
cmp -s "$WORK/byname.JSON" "$WORK/drift.json" || fail "-o NAME.JSON is not json"
[ ! -s "$WORK/stderr" ] || fail "--quiet printed something"
expect_status 0 "$SENDRIFT" export -o "$WORK/byname.tsv" "$drift"
cmp -s "$WORK/byname.tsv" "$WORK/drift.tsv" || fail "-o NAME.tsv is not tsv"
expect_status 0 "$SENDRIFT" export "$drift" --format json -o "$WORK/forced.csv"
cmp -s "$WORK/forced.csv" "$WORK/drift.json" || fail "--format does not win over the name"
# Under mpirun one rank writes the table once.
expect_status 0 mpi 2 "$SENDRIFT" export "$drift" -o "$WORK/mpi.csv"
cmp -s "$WORK/mpi.csv" "$WORK/drift.csv" || fail "export under mpirun"
[ "$(grep -c 'exported' "$WORK/stderr")" = 1 ] || fail "export under mpirun: not one summary line"

# Failed runs: status FAILED, their message, empty summaries.
failing="$WORK/failing.h5"
expect_status 4 "$SENDRIFT" run "$SW/failing.json" -o "$failing" --quiet
expect_status 0 "$SENDRIFT" export "$failing" -o "$WORK/failing.csv"
expect_stderr "12 runs (6 done, 6 failed, 0 pending)"
$CHECKX "$failing" "$WORK/failing.csv"
grep -q '^1,1,0,FAILED,1,[0-9.e-]*,1,10,,at t = 1: null model: sum 21 exceeds fail_above 15 (on purpose)$' \
    "$WORK/failing.csv" || { cat "$WORK/failing.csv"; fail "a failed run's row"; }
# Quoting: messages with the separators, quotes, line breaks, a tab, and
# one cut inside a character (a message is cut at 255 bytes).
quoted="$WORK/quoted.h5"
cp "$failing" "$quoted"
$SD_PYTHON - "$quoted" <<'PY'
import sys, h5py, numpy as np
msgs = {1: b'a "quoted", comma', 3: b"two\nlines\r\nand\ttab", 5: b"caf\xc3", 7: b'"'}
with h5py.File(sys.argv[1], "r+") as f:
    d = f["runs/message"]
    a = d[()]
    for i, m in msgs.items():
        if d.ndim == 2:     # netCDF characters: written in the file's own type
            a[i] = b""      # (a 1-byte NULLTERM string takes no byte by conversion)
            a[i, :len(m)] = [m[k:k + 1] for k in range(len(m))]
        else:
            a[i] = m
    d.id.write(h5py.h5s.ALL, h5py.h5s.ALL, a, mtype=d.id.get_type())
PY
for fmt in csv tsv json; do
    expect_status 0 "$SENDRIFT" export "$quoted" --format "$fmt" -o "$WORK/quoted.$fmt"
done
$CHECKX --pandas "$quoted" "$WORK/quoted.csv" "$WORK/quoted.tsv" "$WORK/quoted.json"
grep -q '^3,3,0,FAILED,1,[0-9.e-]*,2,10,,"two$' "$WORK/quoted.csv" || fail "csv: a field with a line break is quoted"
grep -q ',"a ""quoted"", comma"$' "$WORK/quoted.csv" || fail "csv: quotes doubled"
grep -qF '"message": "caf\ufffd"' "$WORK/quoted.json" || fail "json: a cut character is U+FFFD"

# A shard file: its rows are runs 1, 4, 7, ...
grid="$SW/null_grid.json"
for i in 0 1 2; do
    mpi 2 "$SENDRIFT" run "$grid" -o "$WORK/grid.s$i.h5" --shard "$i/3" --quiet
done
expect_status 0 "$SENDRIFT" export "$WORK/grid.s1.h5" -o "$WORK/s1.csv"
expect_stderr "28 runs (28 done, 0 failed, 0 pending)"
$CHECKX "$WORK/grid.s1.h5" "$WORK/s1.csv"
[ "$(cut -d, -f1 "$WORK/s1.csv" | sed -n '2,5p' | tr '\n' ' ')" = "1 4 7 10 " ] || fail "shard rows"
# A merged file with a shard missing: PENDING runs with empty outputs.
expect_status 75 "$SENDRIFT" merge "$grid" -o "$WORK/grid.part.h5" "$WORK/grid.s0.h5" "$WORK/grid.s2.h5"
for fmt in csv json; do
    expect_status 0 "$SENDRIFT" export "$WORK/grid.part.h5" -o "$WORK/part.$fmt"
    expect_stderr "84 runs (56 done, 0 failed, 28 pending)"
done
$CHECKX --pandas "$WORK/grid.part.h5" "$WORK/part.csv" "$WORK/part.json"
grep -q '^1,0,1,PENDING,0,,0.001,-1.5,0,,$' "$WORK/part.csv" || { head -3 "$WORK/part.csv"; fail "a pending row"; }

# The file of a sweep still running, and then killed.
slow="$WORK/slow.h5"
"$SENDRIFT" run "$SW/slow.json" -o "$slow" --progress-interval 0.05 2>"$WORK/slow.log" &
pid=$!
wait_log_done "$WORK/slow.log" 4 120 "$pid"
expect_status 0 "$SENDRIFT" export "$slow" -o "$WORK/running.csv"
kill -KILL "$pid"
wait "$pid" || true
expect_status 0 "$SENDRIFT" export "$slow" -o "$WORK/killed.csv"
$CHECKX "$slow" "$WORK/killed.csv"
# What the export of the running sweep said of a run that was done is what
# the file holds at the end; it had both done and pending runs.
$SD_PYTHON - "$WORK/running.csv" "$WORK/killed.csv" <<'PY' || fail "the table of a running sweep"
import csv, sys
mid = list(csv.DictReader(open(sys.argv[1], newline="")))
end = list(csv.DictReader(open(sys.argv[2], newline="")))
assert len(mid) == len(end) == 80
st = [r["status"] for r in mid]
assert st.count("DONE") >= 4 and st.count("PENDING") >= 1, st
for a, b in zip(mid, end):
    if a["status"] == "DONE":
        assert a == b, (a, b)
    else:
        assert a["status"] == "PENDING" and a["sum"] == "" and a["wall_seconds"] == "", a
PY

# The checker is not blind: a table with one wrong column fails it.
$SD_PYTHON - "$WORK/s1.csv" "$WORK/mut" <<'PY'
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
swap = rows[:1] + [r[:6] + [r[7], r[6]] + r[8:] for r in rows[1:]]  # two parameters swapped
digit = [r[:] for r in rows]
digit[5][-2] = repr(math.nextafter(float(digit[5][-2]), math.inf))  # one summary one ulp off
for name, t in (("swap", swap), ("digit", digit)):
    csv.writer(open(f"{sys.argv[2]}.{name}.csv", "w", newline=""), lineterminator="\n").writerows(t)
PY
for m in "swap:row 0, column x1:" "digit:row 4, column sum:"; do
    if $CHECKX "$WORK/grid.s1.h5" "$WORK/mut.${m%%:*}.csv" 2>"$WORK/mut.err"; then
        fail "check_export.py accepted a table with a wrong column (${m%%:*})"
    fi
    grep -qF "${m#*:}" "$WORK/mut.err" || { cat "$WORK/mut.err"; fail "mutation ${m%%:*}: not found where made"; }
done

# Refusals: exit 2 for the command line and the input, 3 for the output.
expect_status 2 "$SENDRIFT" export "$WORK/nosuch.h5"
expect_stderr "$WORK/nosuch.h5: no such file"
echo "run,point" >"$WORK/text.h5"
expect_status 2 "$SENDRIFT" export "$WORK/text.h5"
expect_stderr "$WORK/text.h5: not a sendrift result file (not an HDF5 file)"
$SD_PYTHON -c 'import h5py, sys; h5py.File(sys.argv[1], "w").create_dataset("x", data=[1])' "$WORK/other.h5"
expect_status 2 "$SENDRIFT" export "$WORK/other.h5"
expect_stderr "$WORK/other.h5: not a sendrift result file"
expect_status 2 "$SENDRIFT" export "$drift" --format xml
expect_stderr '--format: unknown format "xml" (csv, tsv or json)'
expect_status 2 "$SENDRIFT" export "$drift" --frobnicate
expect_stderr "export: unknown option or missing value: --frobnicate"
expect_status 2 "$SENDRIFT" export
expect_stderr "export: give exactly one result file"
expect_status 2 "$SENDRIFT" export "$drift" "$failing"
expect_stderr "export: give exactly one result file"
expect_status 3 "$SENDRIFT" export "$drift" -o "$WORK/no/such/dir/t.csv"
expect_stderr "-o $WORK/no/such/dir/t.csv: cannot write $WORK/no/such/dir/t.csv.tmp: No such file or directory"
expect_status 3 "$SENDRIFT" export "$drift" -o "$WORK"
expect_stderr "-o $WORK: is a directory"
# Never over a result file: the input itself, or any HDF5 file.
sum=$(file_sum "$drift")
expect_status 2 "$SENDRIFT" export "$drift" -o "$drift"
expect_stderr "is the result file $drift itself"
expect_unchanged "$drift" "$sum" "export -o the input"
sum=$(file_sum "$failing")
expect_status 2 "$SENDRIFT" export "$drift" -o "$failing"
expect_stderr "-o $failing: is an HDF5 file; export writes text and never overwrites one"
expect_unchanged "$failing" "$sum" "export -o another result file"
# A table that fails part way leaves the file it was to replace as it was,
# and no temporary file.
bad="$WORK/badchoice.h5"
cp "$drift" "$bad"
$SD_PYTHON -c 'import h5py, sys; f = h5py.File(sys.argv[1], "r+"); f["design/params"][5, 0] = 7' "$bad"
sum=$(file_sum "$WORK/drift.csv")
expect_status 2 "$SENDRIFT" export "$bad" -o "$WORK/drift.csv"
expect_stderr "$bad: row 5: parameter tissue holds 7, not the index of one of its 2 choices"
expect_unchanged "$WORK/drift.csv" "$sum" "a failed export"
[ ! -e "$WORK/drift.csv.tmp" ] || fail "a failed export left its temporary file"
expect_status 0 "$SENDRIFT" export --help
grep -q "^Usage: sendrift export RESULT.h5" "$WORK/stdout" || fail "export --help"
grep -q "^Options of export:" "$WORK/stdout" || fail "export --help: options"
expect_status 0 "$SENDRIFT" --help
grep -q "^       sendrift export RESULT.h5 \[--format csv|tsv|json\] \[-o OUT\]$" "$WORK/stdout" &&
    grep -q "^  export   " "$WORK/stdout" && grep -q "^Options of export:" "$WORK/stdout" ||
    fail "--help lacks export"
echo "1 passed, 0 failed"
