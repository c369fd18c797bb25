#!/usr/bin/env bash
# A sweep split into shards (--shard I/N, one file each, as job-array tasks
# would run it) and merged gives a file bit-identical to an unsharded run;
# a missing shard leaves its runs PENDING for --resume; mismatched shards
# are refused.
source "$(dirname "$0")/lib.sh"
for sweep in null_snap ishigami_lhs; do
    SW="$E2E/sweeps/$sweep.json"
    ref="$WORK/$sweep.ref.h5"
    mpi 1 "$SENDRIFT" run "$SW" -o "$ref" --quiet
    for i in 0 1 2; do
        mpi 2 "$SENDRIFT" run "$SW" -o "$WORK/$sweep.s$i.h5" --shard "$i/3" --quiet
    done
    merged="$WORK/$sweep.merged.h5"
    expect_status 0 "$SENDRIFT" merge "$SW" -o "$merged" "$WORK/$sweep.s2.h5" "$WORK/$sweep.s0.h5" "$WORK/$sweep.s1.h5"
    expect_stderr "merged 3 shard files (of 3)"
    $CHECK layout "$merged"
    $CHECK same "$ref" "$merged"
done

SW="$E2E/sweeps/ishigami_lhs.json"
s="$WORK/ishigami_lhs"
# A missing shard: its runs stay PENDING; --resume finishes them.
part="$WORK/partial.h5"
expect_status 75 "$SENDRIFT" merge "$SW" -o "$part" "$s.s0.h5" "$s.s2.h5"
expect_stderr "291 runs, 194 done, 0 failed, 97 pending"
expect_stderr "finish the pending runs with: sendrift run"
expect_status 0 "$SENDRIFT" run "$SW" -o "$part" --resume --quiet
$CHECK same "$s.ref.h5" "$part"
# Mismatches are refused, and leave no merged file.
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/dup.h5" "$s.s0.h5" "$s.s0.h5"
expect_stderr "shard 0/3 is given twice"
[ ! -e "$WORK/dup.h5" ] || fail "a refused merge left its file"
expect_status 2 "$SENDRIFT" merge "$SW" -o "$WORK/other.h5" "$WORK/null_snap.s0.h5"
expect_stderr "made from a different design"
expect_status 2 "$SENDRIFT" run "$SW" -o "$s.s1.h5" --shard 2/3 --resume
expect_stderr "cannot resume: the file holds shard 1/3, not 2/3"
expect_status 2 "$SENDRIFT" run "$SW" -o "$WORK/x.h5" --shard 3/3
expect_stderr '--shard: "3/3" is not I/N with 0 <= I < N'
echo "1 passed, 0 failed"
