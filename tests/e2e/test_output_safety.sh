#!/usr/bin/env bash
# The result file is never lost or wrongly kept: only regular files are
# replaced; a refused file stays byte for byte as it was; --force keeps the
# old file until the new sweep has ended (and a killed replacement resumes);
# everything that shapes the file is in the digest; the XDMF is valid XML
# whatever the file is called, and comes back on --resume.
source "$(dirname "$0")/lib.sh"

# statuses FILE: the run status flags, one digit each.
statuses() { run_statuses "$1" | head -1; }

GRID="$E2E/sweeps/null_grid.json"
SNAP="$E2E/sweeps/null_snap.json"

# ---- only regular files are replaced --------------------------------------------
if [ "$(id -u)" = 0 ]; then
    # As root, --force onto a device node (like /dev/null) replaced it with a
    # regular file.  A node of the same device, made here, stands in for it.
    mknod -m 666 "$WORK/null.h5" c 1 3
    expect_status 2 "$SENDRIFT" run "$GRID" -o "$WORK/null.h5" --force -q
    expect_stderr "null.h5: not a regular file"
    [ -c "$WORK/null.h5" ] || fail "the device node was replaced"
fi
mkfifo "$WORK/fifo.h5"
expect_status 2 "$SENDRIFT" run "$GRID" -o "$WORK/fifo.h5" --force -q
expect_stderr "fifo.h5: not a regular file"
[ -p "$WORK/fifo.h5" ] || fail "the FIFO was replaced"
mkdir "$WORK/dir.h5"
expect_status 2 "$SENDRIFT" run "$GRID" -o "$WORK/dir.h5" --force -q
expect_stderr "dir.h5: is a directory"

# ---- a refused file stays as it was -----------------------------------------------
: >"$WORK/zero.h5"
expect_status 3 "$SENDRIFT" run "$GRID" -o "$WORK/zero.h5" --resume -q
expect_stderr "zero.h5: cannot resume: not a readable HDF5 file"
[ -f "$WORK/zero.h5" ] && [ ! -s "$WORK/zero.h5" ] || fail "the 0-byte file was rewritten"
printf 'not an HDF5 file\n' >"$WORK/junk.h5"
sum=$(file_sum "$WORK/junk.h5")
expect_status 3 "$SENDRIFT" run "$GRID" -o "$WORK/junk.h5" --resume -q
expect_unchanged "$WORK/junk.h5" "$sum" "resume of a text file"
# A result file of another sweep: refused, unchanged.
expect_status 0 "$SENDRIFT" run "$SNAP" -o "$WORK/other.h5" -q
sum=$(file_sum "$WORK/other.h5")
expect_status 2 "$SENDRIFT" run "$GRID" -o "$WORK/other.h5" --resume -q
expect_stderr "made from a different design"
expect_unchanged "$WORK/other.h5" "$sum" "resume of another sweep's file"

# ---- snapshots are part of the digest ---------------------------------------------
# The same sweep without its snapshots, or with other snapshot times, would
# write into datasets that are not there, or leave NaN where data belongs.
sed 's/"times": \[0, 2\]/"times": [0, 3]/' "$SNAP" >"$WORK/snap_times.json"
grep -q '"times": \[0, 3\]' "$WORK/snap_times.json" || fail "sed: snapshot times"
$SD_PYTHON -c '
import json, sys
s = json.load(open(sys.argv[1]))
del s["output"]
json.dump(s, open(sys.argv[2], "w"))' "$SNAP" "$WORK/snap_none.json"
for changed in snap_times snap_none; do
    expect_status 2 "$SENDRIFT" run "$WORK/$changed.json" -o "$WORK/other.h5" --resume -q
    expect_stderr "made from a different design or output layout"
    expect_unchanged "$WORK/other.h5" "$sum" "resume with $changed"
done

# ---- --force keeps the old file until the new sweep has ended ----------------------
expect_status 0 "$SENDRIFT" run "$GRID" -o "$WORK/old.h5" -q
old=$(file_sum "$WORK/old.h5")
# A new sweep that fails (the disk "fills" after 3 runs): the old file is
# kept, and the runs the new one finished wait in old.h5.partial.
cat >"$WORK/slow.json" <<'JSON'
{ "model": { "name": "null", "params": { "n_times": 2, "work": 0.02 } },
  "parameters": [ { "name": "x1", "values": [1, 2, 3, 4, 5, 6, 7, 8] } ],
  "design": { "type": "grid" } }
JSON
expect_status 3 env SENDRIFT_FAULT_WRITES=3 "$SENDRIFT" run "$WORK/slow.json" -o "$WORK/old.h5" --force -q
expect_stderr "old.h5 was kept as it was; this sweep's finished runs are in"
expect_unchanged "$WORK/old.h5" "$old" "a failed --force sweep"
[ "$(statuses "$WORK/old.h5.partial")" = 11100000 ] || fail "the new runs in old.h5.partial"
# --resume continues the replacement, and it replaces the old file at the end.
expect_status 0 "$SENDRIFT" run "$WORK/slow.json" -o "$WORK/old.h5" --resume
expect_stderr "continuing $WORK/old.h5.partial, the unfinished replacement"
expect_stderr "3 of them before this session"
[ "$(statuses "$WORK/old.h5")" = 11111111 ] || fail "the replacement is complete"
[ ! -e "$WORK/old.h5.partial" ] || fail "old.h5.partial left behind"
# Bit-identical to a sweep that was never interrupted.
expect_status 0 "$SENDRIFT" run "$WORK/slow.json" -o "$WORK/straight.h5" -q
$CHECK same "$WORK/old.h5" "$WORK/straight.h5" || fail "replacement differs from a straight run"
# A replacement that ends well replaces the old file only at its end: while it
# runs (after its first run is done), the old file is still the old one.
expect_status 0 "$SENDRIFT" run "$GRID" -o "$WORK/old.h5" --force -q
old=$(file_sum "$WORK/old.h5")
sed 's/"work": 0.02/"work": 1/' "$WORK/slow.json" >"$WORK/slower.json"
"$SENDRIFT" run "$WORK/slower.json" -o "$WORK/old.h5" --force -q 2>"$WORK/log" &
pid=$!
for _ in $(seq 2400); do
    st=$(statuses "$WORK/old.h5.partial" 2>/dev/null || true)
    [ -n "$st" ] && [ "$st" != 00000000 ] && break
    kill -0 "$pid" 2>/dev/null || fail "the --force sweep ended early"
    sleep 0.05
done
expect_unchanged "$WORK/old.h5" "$old" "during a --force sweep"
kill -9 "$pid"
wait "$pid" || true
expect_unchanged "$WORK/old.h5" "$old" "after a killed --force sweep"
expect_status 0 "$SENDRIFT" run "$WORK/slower.json" -o "$WORK/old.h5" --resume --progress-interval 100
expect_stderr "continuing $WORK/old.h5.partial"
[ "$(statuses "$WORK/old.h5")" = 11111111 ] || fail "the killed replacement finished"

# ---- one writer per result file ------------------------------------------------------
cat >"$WORK/long.json" <<'JSON'
{ "model": { "name": "null", "params": { "n_times": 100, "work": 100 } },
  "parameters": [ { "name": "x1", "values": [1, 2] } ], "design": { "type": "grid" } }
JSON
start_holder "$WORK/long.json" "$WORK/busy.h5" "$WORK/log" --grace 0
pid=$holder
# A second sweep on the same file, with --resume, --force, or by another
# spelling of its path: refused, naming the holder; nothing touched.
for args in "-o $WORK/busy.h5 --resume" "-o $WORK/busy.h5 --force" "-o $WORK/../$(basename "$WORK")/busy.h5 --force"; do
    # shellcheck disable=SC2086
    expect_status 3 "$SENDRIFT" run "$WORK/long.json" $args -q
    expect_stderr "busy.h5: in use by another sendrift (pid $pid on"
done
[ ! -e "$WORK/busy.h5.partial" ] || fail "a refused --force made busy.h5.partial"
kill -USR1 "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 75 ] || { cat "$WORK/log"; fail "the first sweep: exit $rc, wanted 75"; }
[ ! -e "$WORK/busy.h5.lock" ] || fail "the lock outlived its sweep"
# A lock left by a killed sweep is taken over by the next one.
start_holder "$WORK/long.json" "$WORK/busy.h5" "$WORK/log" --resume
pid=$holder
kill -9 "$pid"
wait "$pid" || true
[ -f "$WORK/busy.h5.lock" ] || fail "kill -9 should leave the lock file"
# (its runs, 100 s each, are cut short by a time limit: exit 4, runs failed)
expect_status 4 "$SENDRIFT" run "$WORK/long.json" -o "$WORK/busy.h5" --resume --run-timeout 0.5
expect_stderr "2 runs, 0 done, 2 failed"
[ ! -e "$WORK/busy.h5.lock" ] || fail "the lock outlived its sweep"

# ---- XDMF: valid XML whatever the name, and written anew on --resume ---------------
name='a&b<c>"d'"'"'e--f.h5'
expect_status 0 "$SENDRIFT" run "$SNAP" -o "$WORK/$name" -q
xmf="$WORK/a&b<c>\"d'e--f.xmf"
[ -f "$xmf" ] || fail "no XDMF beside $name"
$SD_PYTHON - "$xmf" "$name" <<'PY' || fail "the XDMF is not valid XML, or names the wrong file"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
items = [d.text for d in root.iter("DataItem") if d.get("Format") == "HDF"]
assert items and all(t.startswith(sys.argv[2] + ":/snapshots/") for t in items), items[:2]
PY
sum=$(file_sum "$xmf")
rm "$xmf"
expect_status 0 "$SENDRIFT" run "$SNAP" -o "$WORK/$name" --resume -q
expect_unchanged "$xmf" "$sum" "the XDMF written anew on --resume"
echo ok
