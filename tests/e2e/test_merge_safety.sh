#!/usr/bin/env bash
# `sendrift merge` never destroys what it was given: every shard is checked
# before anything is created; a shard that is the output file (under any
# name: the same path, a hard link, a symbolic link, or the output's
# .partial) is refused and left byte-identical, and so is an output that is
# no regular file; a merge that fails (a foreign, corrupt, missing,
# incomplete or damaged shard) leaves a previous merged file and its XDMF
# byte-identical and no temporary files; a good merge with --force replaces
# the old file and matches an unsharded run.
source "$(dirname "$0")/lib.sh"
SW="$E2E/sweeps/null_snap.json" # snapshots: the XDMF file is checked too
ref="$WORK/ref.h5"
"$SENDRIFT" run "$SW" -o "$ref" --quiet
s0="$WORK/s0.h5" s1="$WORK/s1.h5"
"$SENDRIFT" run "$SW" -o "$s0" --shard 0/2 --quiet
"$SENDRIFT" run "$SW" -o "$s1" --shard 1/2 --quiet
sum0=$(file_sum "$s0") sum1=$(file_sum "$s1")
# no_leftovers: no temporary file of a merge is left in $WORK.
no_leftovers() {
    local left
    left=$(find "$WORK" \( -name '*merging*' -o -name '*.partial' \) ! -name keep.h5.partial)
    [ -z "$left" ] || fail "temporary files left behind: $left"
}

# 1. A good merge: complete, identical to the unsharded run, its XDMF names it.
m="$WORK/merged.h5"
expect_status 0 "$SENDRIFT" merge "$SW" -o "$m" "$s0" "$s1"
expect_stderr "merged 2 shard files (of 2) into $m: 6 runs, 6 done"
$CHECK layout "$m"
$CHECK same "$ref" "$m"
[ -f "$WORK/merged.xmf" ] || fail "no XDMF file next to the merged file"
grep -q '>merged.h5:/snapshots/run_1/t_2/value<' "$WORK/merged.xmf" || fail "the XDMF does not name merged.h5"
! grep -q merging "$WORK/merged.xmf" || fail "the XDMF names the temporary file"
no_leftovers
msum=$(file_sum "$m") xsum=$(file_sum "$WORK/merged.xmf")

# 2. The output is one of the shards, under any name: refused, nothing touched.
expect_status 2 "$SENDRIFT" merge "$SW" -o "$s0" --force "$s0" "$s1"
expect_stderr "$s0: is the output file $s0 (the same file): a merge never writes over one of its shards"
expect_unchanged "$s0" "$sum0" "merge -o S0 --force S0 S1"
expect_unchanged "$s1" "$sum1" "merge -o S0 --force S0 S1"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/./s1.h5" --force "$s0" "$s1"
expect_stderr "$s1: is the output file $WORK/./s1.h5 (the same file)"
expect_unchanged "$s1" "$sum1" "the output is a shard under another path"
ln "$s1" "$WORK/hardlink.h5"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/hardlink.h5" --force "$s0" "$s1"
expect_stderr "$s1: is the output file $WORK/hardlink.h5 (the same file)"
expect_unchanged "$s1" "$sum1" "the output is a hard link to a shard"
ln -s s0.h5 "$WORK/symlink.h5"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/symlink.h5" --force "$s0" "$s1"
expect_stderr "$s0: is the output file $WORK/symlink.h5 (the same file)"
expect_unchanged "$s0" "$sum0" "the output is a symbolic link to a shard"
[ -L "$WORK/symlink.h5" ] || fail "the symbolic link was replaced"
# A shard named as the output's .partial (what creating the output truncates).
cp "$s1" "$WORK/keep.h5.partial"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/keep.h5" "$s0" "$WORK/keep.h5.partial"
expect_stderr "$WORK/keep.h5.partial: is $WORK/keep.h5.partial, which merging into $WORK/keep.h5 would write"
expect_unchanged "$WORK/keep.h5.partial" "$sum1" "a shard named as the output's .partial"
[ ! -e "$WORK/keep.h5" ] || fail "a refused merge created its output"
# An output that is no regular file (a FIFO) is never replaced, even with --force.
mkfifo "$WORK/fifo.h5"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/fifo.h5" --force "$s0" "$s1"
expect_stderr "$WORK/fifo.h5: not a regular file"
[ -p "$WORK/fifo.h5" ] || fail "the FIFO was replaced"
no_leftovers

# 3. Failing merges with --force over the good merged file: it stays as it was.
# A shard without --force: refused, the file kept.
expect_status 2 "$SENDRIFT" merge "$SW" -o "$m" "$s0" "$s1"
expect_stderr "$m: exists; it is never overwritten: add --force to replace it"
expect_unchanged "$m" "$msum" "merge without --force over an existing file"
# A foreign shard (another sweep) after a good one.
sed 's/"values": \[1, 2, 3\]/"values": [1, 2, 4]/' "$SW" >"$WORK/other.json"
"$SENDRIFT" run "$WORK/other.json" -o "$WORK/other.s1.h5" --shard 1/2 --quiet
expect_status 2 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/other.s1.h5"
expect_stderr "$WORK/other.s1.h5: made from a different design than"
expect_unchanged "$m" "$msum" "a merge with a foreign shard"
expect_unchanged "$WORK/merged.xmf" "$xsum" "a merge with a foreign shard"
# A corrupt shard (a good one cut short).
head -c 4000 "$s1" >"$WORK/corrupt.h5"
expect_status 3 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/corrupt.h5"
expect_stderr "$WORK/corrupt.h5: cannot open it as an HDF5 file"
expect_unchanged "$m" "$msum" "a merge with a corrupt shard"
# A missing shard file.
expect_status 3 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/nosuch.h5"
expect_stderr "$WORK/nosuch.h5: cannot read the shard file: No such file or directory"
expect_unchanged "$m" "$msum" "a merge with a missing shard"
# A shard of the wrong split.
"$SENDRIFT" run "$SW" -o "$WORK/third.h5" --shard 1/3 --quiet
expect_status 2 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/third.h5"
expect_stderr "$WORK/third.h5: shard 1/3 does not belong to a split into 2"
expect_unchanged "$m" "$msum" "a merge with a shard of another split"
# A shard without its rows' datasets: refused before anything is created.
cp "$s1" "$WORK/norows.h5"
$SD_PYTHON -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); del f['runs/attempts']; f.close()" "$WORK/norows.h5"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/norows.h5"
expect_stderr "$WORK/norows.h5: has no dataset runs/attempts"
expect_unchanged "$m" "$msum" "a merge with an incomplete shard"
# A shard that passes the checks but fails while its runs are copied (a
# snapshot dataset gone): the merge fails late, the old file stays.
cp "$s1" "$WORK/damaged.h5"
$SD_PYTHON -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); del f['snapshots/run_1/t_2/parity']; f.close()" "$WORK/damaged.h5"
expect_status 3 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/damaged.h5"
expect_stderr "$WORK/damaged.h5: reading snapshots/run_1/t_2/parity failed"
expect_unchanged "$m" "$msum" "a merge that fails while copying"
expect_unchanged "$WORK/merged.xmf" "$xsum" "a merge that fails while copying"
# The same on two ranks (the file is created collectively).
expect_status 3 mpi 2 "$SENDRIFT" merge "$SW" -o "$m" --force "$s0" "$WORK/damaged.h5"
expect_stderr "$WORK/damaged.h5: reading snapshots/run_1/t_2/parity failed"
expect_unchanged "$m" "$msum" "a merge on two ranks that fails while copying"
expect_unchanged "$s0" "$sum0" "the failing merges"
expect_unchanged "$s1" "$sum1" "the failing merges"
no_leftovers

# A merge onto a file that a sweep is writing: refused, naming the sweep
# (one writer per file: OUT.lock).
cat >"$WORK/busy.json" <<'JSON'
{ "model": { "name": "null", "params": { "n_times": 2, "work": 100 } },
  "parameters": [ { "name": "x1", "values": [1] } ], "design": { "type": "grid" } }
JSON
start_holder "$WORK/busy.json" "$WORK/busy.h5" "$WORK/busy.log" --grace 0
bpid=$holder
bsum=$(file_sum "$WORK/busy.h5")
expect_status 3 "$SENDRIFT" merge "$SW" -o "$WORK/busy.h5" --force "$s0" "$s1"
expect_stderr "busy.h5: in use by another sendrift (pid $bpid on"
expect_unchanged "$WORK/busy.h5" "$bsum" "a merge onto a file in use"
kill -USR1 "$bpid"
rc=0
wait "$bpid" || rc=$?
[ "$rc" = 75 ] || fail "the busy sweep: exit $rc, wanted 75"
rm -f "$WORK/busy.h5" "$WORK/busy.json" "$WORK/busy.log"

# 4. A good merge with --force replaces the old file, and matches.
expect_status 0 mpi 2 "$SENDRIFT" merge "$SW" -o "$m" --force "$s1" "$s0"
expect_stderr "merged 2 shard files (of 2) into $m: 6 runs, 6 done"
$CHECK layout "$m"
$CHECK same "$ref" "$m"
grep -q '>merged.h5:/snapshots/run_4/t_0/parity<' "$WORK/merged.xmf" || fail "the XDMF does not name merged.h5"
no_leftovers
echo "1 passed, 0 failed"
