#!/usr/bin/env bash
# Checkpoint and restart of single runs (issue 13, docs/checkpoints.md).
#
# 1. kill -9 of the whole job (mpirun and every rank) at five moments, each
#    followed by --resume on another number of ranks and another -P:
#      (a) runs in flight, no checkpoint yet (each group leader stalls in its
#          first checkpoint write: SENDRIFT_CHECKPOINT_STALL=1);
#      (b) checkpoints exist for the runs in flight;
#      (c) during a checkpoint write (SENDRIFT_CHECKPOINT_STALL=2): the .tmp
#          is there, the previous checkpoint stays valid and is used;
#      (d) a session that continued runs from their checkpoints has written
#          newer ones;
#      (e) runs DONE while others have checkpoints;
#    then a stop signal (SIGUSR1 to mpirun): a checkpoint of each run in
#    flight, then a second signal abandons them, exit 75; then a checkpoint
#    made unacceptable (its params_digest changed): refused, that run starts
#    from t = 0; the last session finishes the sweep.  Before every session
#    the checkpoints (run, output_index, run_seconds) are recorded; every run
#    that had one and was not DONE either continued from exactly that
#    checkpoint (its log line; a newer checkpoint of it is further on) or,
#    in a session cut short before it got there, was not touched; in the
#    last session every one continued.  The result is bit-identical to an
#    uninterrupted sweep without checkpoints.
# 2. A full disk during checkpoints (as root: the sweep runs on a real tmpfs,
#    filled once the last session has written a checkpoint): "checkpoint
#    failed", the session finishes every run, bit-identical, exit 0.
# 3. The checkpoint directory is gone after a finished sweep; bad values of
#    --checkpoint-every and checkpoint_every are refused.
#
# No fixed sleeps: every kill and signal waits for a condition (a log line,
# a checkpoint file, a new checkpoint file).
source "$(dirname "$0")/lib.sh"
SWEEP="$E2E/sweeps/drift_ckpt.json"
RUNS=4
WAIT=90 # seconds any one wait may take, however loaded the machine

# The reference: the same sweep without checkpoints, uninterrupted.
grep -q '"checkpoint_every": 0.3,' "$SWEEP" || fail "no checkpoint_every 0.3 in $SWEEP"
sed '/"checkpoint_every"/d' "$SWEEP" >"$WORK/ref.json"
ref="$WORK/ref.h5"
expect_status 0 mpi 3 "$SENDRIFT" run "$WORK/ref.json" -o "$ref" --quiet
[ ! -e "$ref.ckpt" ] || fail "a sweep without checkpoint_every made $ref.ckpt"
NT=$($SD_PYTHON -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['timeseries/time'].shape[0])" "$ref")
[ "$NT" = 31 ] || fail "$NT output times in the reference, wanted 31"

# Bad checkpoint intervals.
for bad in 0 -1 abc; do
    expect_status 2 "$SENDRIFT" run "$SWEEP" -o "$WORK/bad.h5" --checkpoint-every "$bad"
    expect_stderr "--checkpoint-every"
    [ ! -e "$WORK/bad.h5" ] || fail "--checkpoint-every $bad left a file"
done
sed 's/"checkpoint_every": 0.3/"checkpoint_every": -1/' "$SWEEP" >"$WORK/bad.json"
expect_status 2 "$SENDRIFT" check "$WORK/bad.json"
expect_stderr "checkpoint_every"

# As root the sweep runs on a small real tmpfs (8 MiB: it needs about 4),
# which its last session fills (a full disk during checkpoints); elsewhere
# in a plain directory.
disk="$WORK/disk"
out="$disk/chain.h5"
ckdir="$out.ckpt"

# start NP P NAME ARGS...: a sweep writing $out in the background on NP ranks
# with -P P, its log in $WORK/NAME.log ($log), its mpirun's pid in $pid.
# $STALL, when set, goes to SENDRIFT_CHECKPOINT_STALL.  Every rank appends
# its stderr to the log itself: what mpirun forwards is lost when it is
# killed (a "continuing from its checkpoint" line printed just before a
# kill went missing that way).
STALL=
full_ok=0
start() {
    local np=$1 P=$2
    log="$WORK/$3.log"
    shift 3
    : >"$log"
    # shellcheck disable=SC2086,SC2016
    env ${STALL:+SENDRIFT_CHECKPOINT_STALL=$STALL} $MPIEXEC -n "$np" \
        sh -c 'exec "$@" 2>>"$0"' "$log" "$SENDRIFT" run "$SWEEP" \
        -o "$out" -P "$P" --progress-interval 0.05 "$@" >>"$log" 2>&1 &
    pid=$!
}
# On the way out (a failure above all): no sweep of this test left running,
# no tmpfs left mounted.
pid='' mnt=''
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        # shellcheck disable=SC2046
        kill -9 "$pid" $(ranks "$pid") 2>/dev/null || true
    fi
    if [ -n "$mnt" ]; then umount "$mnt" 2>/dev/null || true; fi
}
trap cleanup EXIT
# lines PATTERN: the lines of the log matching PATTERN, on stderr.
lines() {
    if ! grep -- "$1" "$log" >&2; then echo "(no line of $log matches $1)" >&2; fi
}
# show: the sweep's log on stderr, without its progress lines but the last.
show() {
    grep -v '^sendrift: [0-9]*/[0-9]* runs (' "$log" >&2 || true
    tail -1 "$log" >&2
}
# The rank processes of an mpirun.
ranks() { { pgrep -P "$1" || true; } | sort -n; }
# gone PID: the process has ended (a zombie counts: it holds no file)
# within 10 s.
gone() {
    for _ in $(seq 200); do
        [ -e "/proc/$1" ] || return 0
        grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# wait_until WHAT CMD...: poll CMD every 0.05 s until it succeeds; fail when
# the sweep ($pid) ends first, or after $WAIT s.
wait_until() {
    local what=$1 end=$((SECONDS + WAIT))
    shift
    until "$@"; do
        kill -0 "$pid" 2>/dev/null || { show; fail "the sweep ended before: $what"; }
        [ "$SECONDS" -lt "$end" ] || { show; fail "not within $WAIT s: $what"; }
        sleep 0.05
    done
}
# kill_job: kill -9 of mpirun and every rank at once; none survives, and the
# sweep did not end normally.
kill_job() {
    local all_ranks p status=0
    all_ranks=$(ranks "$pid" | tr '\n' ' ')
    [ -n "$all_ranks" ] || fail "no rank processes under mpirun $pid"
    # shellcheck disable=SC2086
    kill -9 "$pid" $all_ranks
    for p in $pid $all_ranks; do gone "$p" || fail "pid $p survived kill -9"; done
    wait "$pid" || status=$?
    [ "$status" != 0 ] || { show; fail "the sweep ended normally: the kill missed it"; }
}
# finish: wait for the sweep to end (at most 300 s); its exit status in $status.
finish() {
    local end=$((SECONDS + 300))
    while kill -0 "$pid" 2>/dev/null; do
        [ "$SECONDS" -lt "$end" ] || { kill_job; show; fail "the sweep did not end within 300 s"; }
        sleep 0.1
    done
    status=0
    wait "$pid" || status=$?
}
# state FILE: what the result file and the checkpoint directory hold, read
# with h5py alone:
#   status DIGITS              a digit per run (0 pending, 1 done, 2 failed)
#   ckpt R K X SECONDS INO MTIME  run_R.h5: output_index K, run_seconds
#                              (%.3g and exact), inode and mtime
#   tmp NAME INO MTIME         a temporary file
# and checks every checkpoint's attributes (format, run, digests).
state() {
    HDF5_USE_FILE_LOCKING=FALSE $SD_PYTHON - "$out" >"$1" <<'PY' || fail "reading $out and its checkpoints"
import glob, os, re, sys
import h5py
out = sys.argv[1]
def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)
with h5py.File(out, "r") as f:
    st = f["runs/status"][:]
    digest = s(f.attrs["design_digest"])
print("status", "".join(str(int(x)) for x in st))
for p in sorted(glob.glob(out + ".ckpt/run_*.h5")):
    r = int(re.search(r"run_(\d+)\.h5$", p).group(1))
    info = os.stat(p)
    with h5py.File(p, "r") as c:
        a = c.attrs
        k, x = int(a["output_index"]), float(a["run_seconds"])
        bad = []
        if s(a["format"]) != "sendrift checkpoint": bad.append("format %r" % s(a["format"]))
        if int(a["format_version"]) != 1: bad.append("format_version")
        if s(a["model"]) != "drift": bad.append("model")
        if int(a["run"]) != r: bad.append("run %d" % int(a["run"]))
        if s(a["design_digest"]) != digest: bad.append("design_digest")
        if not re.fullmatch(r"[0-9a-f]{16}", s(a["params_digest"])): bad.append("params_digest")
        if not (0 < k < 31 and x > 0): bad.append("output_index %d, run_seconds %r" % (k, x))
        if "engine/series" not in c or "model/step" not in c: bad.append("no engine/series or model/step")
        if bad:
            sys.exit("%s: %s" % (p, ", ".join(bad)))
    print("ckpt", r, k, "%.3g" % x, repr(x), info.st_ino, info.st_mtime_ns)
for p in sorted(glob.glob(out + ".ckpt/*.tmp")):
    info = os.stat(p)
    print("tmp", os.path.basename(p), info.st_ino, info.st_mtime_ns)
PY
}
# field FILE KIND KEY N: field N of the line "KIND KEY ..." of a state file.
field() { awk -v k="$2" -v r="$3" -v n="$4" '$1 == k && $2 == r { print $n }' "$1"; }
statuses() { awk '$1 == "status" { print $2 }' "$1"; }
status_of() { local s; s=$(statuses "$1"); echo "${s:$2:1}"; }
ckpt_runs() { awk '$1 == "ckpt" { print $2 }' "$1"; }
# The runs that logged continuing from a checkpoint in $log.
continued() { sed -n 's/^sendrift: run \([0-9]*\): continuing from its checkpoint .*/\1/p' "$log" | sort -un; }

# check_session BEFORE AFTER FINAL [REFUSED]: what a session (its log in
# $log) did with the checkpoints in BEFORE (the state when it started):
# the resume line counts them; every run that had one and was not DONE
# continued from exactly it (output_index and run_seconds in the line), or
# (REFUSED) was refused; in a session cut short (FINAL 0) a run without
# such a line must be untouched: not DONE, the same checkpoint file.  No
# run continued from a checkpoint that BEFORE did not hold.
check_session() {
    local before=$1 after=$2 final=$3 refused=${4:-} r k k2 x st done_n left c=0 line
    for r in $(ckpt_runs "$before"); do [ "$(status_of "$before" "$r")" = 1 ] || c=$((c + 1)); done
    st=$(statuses "$before")
    done_n=$(echo "$st" | tr -cd 1 | wc -c)
    left=$((RUNS - done_n))
    if [ "$c" -gt 0 ]; then
        grep -qF "sendrift: resuming $out: $done_n runs done and 0 failed before; $left to run ($c from checkpoints)" "$log" \
            || { show; fail "no resume line counting $done_n runs done and $c from checkpoints"; }
    elif [ "$done_n" -gt 0 ]; then
        grep -qF "sendrift: resuming $out: $done_n runs done and 0 failed before; $left to run," "$log" \
            || { show; fail "no resume line counting $done_n runs done (and no checkpoints)"; }
    else # nothing to resume: a plain start
        grep -qF "sendrift: starting $RUNS runs on" "$log" || { show; fail "no line starting $RUNS runs"; }
    fi
    for r in $(ckpt_runs "$before"); do
        [ "$(status_of "$before" "$r")" = 1 ] && continue
        k=$(field "$before" ckpt "$r" 3)
        x=$(field "$before" ckpt "$r" 4)
        if [ "$r" = "$refused" ]; then
            if ! grep -F "sendrift: run $r: checkpoint $ckdir/run_$r.h5 refused: " "$log" \
                    | grep -qF "; the run starts from t = 0"; then
                show
                fail "run $r: its altered checkpoint was not refused"
            fi
            if grep -q "^sendrift: run $r: continuing from its checkpoint" "$log"; then
                fail "run $r continued from a refused checkpoint"
            fi
            continue
        fi
        line="sendrift: run $r: continuing from its checkpoint $ckdir/run_$r.h5 ($x s of run time, output $k of $NT)"
        if grep -q "^sendrift: run $r: continuing from its checkpoint" "$log"; then
            grep -qxF "$line" "$log" || { lines "run $r: continuing"; fail "wanted: $line"; }
            # A newer checkpoint of it is further on: the run went on from
            # the old one (a run started again would count from 0).
            k2=$(field "$after" ckpt "$r" 3)
            if [ -n "$k2" ] && [ "$(field "$after" ckpt "$r" 6)" != "$(field "$before" ckpt "$r" 6)" ]; then
                awk -v k="$k" -v k2="$k2" -v x="$(field "$before" ckpt "$r" 5)" \
                    -v x2="$(field "$after" ckpt "$r" 5)" 'BEGIN { exit !(k2 >= k && x2 > x) }' \
                    || fail "run $r: its new checkpoint (output $k2, $(field "$after" ckpt "$r" 4) s) is not past the one it continued from (output $k, $x s)"
            fi
        elif [ "$final" = 1 ]; then
            show
            fail "run $r had a checkpoint (output $k) but did not continue from it"
        else
            [ "$(status_of "$after" "$r")" != 1 ] \
                || { show; fail "run $r had a checkpoint, is DONE, but never said it continued from it"; }
            [ "$(field "$after" ckpt "$r" 6) $(field "$after" ckpt "$r" 7)" = \
              "$(field "$before" ckpt "$r" 6) $(field "$before" ckpt "$r" 7)" ] \
                || { show; fail "run $r: its checkpoint changed, but it never said it continued from it (restarted from t = 0?)"; }
        fi
    done
    for r in $(continued); do
        [ -n "$(field "$before" ckpt "$r" 3)" ] || fail "run $r continued from a checkpoint that was not there"
    done
    # The temporary files of the session before are gone (a new one of the
    # same name has another inode or time).
    while read -r line; do
        if grep -qxF "$line" "$after"; then fail "$line: left by the session before, still there"; fi
    done < <(awk '$1 == "tmp"' "$before")
    if grep -q "refused" "$log" && [ -z "$refused" ]; then show; fail "a checkpoint was refused"; fi
    if [ "$full_ok" = 0 ] && grep -q "checkpoint failed" "$log"; then show; fail "a checkpoint failed"; fi
}

# The sessions change the number of ranks and -P at every step (the runs
# with -P > 1 only run until their condition: on a loaded machine their many
# small messages per step make them slow; the last session has -P 1).
mkdir -p "$disk"
full=0
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=8m tmpfs "$disk" 2>/dev/null; then
    mnt=$disk
    full=1
else
    echo "note: cannot mount a tmpfs here (not root, or no permission): the full disk during checkpoints is not tried"
fi

# S1, moment (a): 2 ranks, -P 1 (one group of one).  The group leader stalls
# in its first checkpoint write: a run is in flight and none has a
# checkpoint.
STALL=1 start 2 1 s1 --checkpoint-every 0.3
wait_until "a checkpoint write stalled" grep -qF "checkpoint stalled half-way (SENDRIFT_CHECKPOINT_STALL" "$log"
kill_job
state "$WORK/st1"
[ -z "$(ckpt_runs "$WORK/st1")" ] || fail "moment (a): a checkpoint exists"
grep -q "^tmp " "$WORK/st1" || fail "moment (a): no .tmp of the stalled write"
[ "$(statuses "$WORK/st1")" = 0000 ] || fail "moment (a): runs DONE: $(statuses "$WORK/st1")"
echo "(a) killed with the runs in flight, no checkpoint: $(grep -c '^tmp ' "$WORK/st1") .tmp"

# S2, moment (b): 4 ranks, -P 3 (one group of three); checkpoints from the
# sweep file's checkpoint_every alone.  Killed once a checkpoint exists.
STALL=
start 4 3 s2 --resume
has_ckpt() { compgen -G "$ckdir/run_*.h5" >/dev/null; }
wait_until "a checkpoint file" has_ckpt
kill_job
state "$WORK/st2"
check_session "$WORK/st1" "$WORK/st2" 0
[ -n "$(ckpt_runs "$WORK/st2")" ] || fail "moment (b): no checkpoint"
echo "(b) killed with checkpoints of runs $(ckpt_runs "$WORK/st2" | tr '\n' ' ')"

# S3, moment (c): 5 ranks, -P 2 (two groups of two); killed while a group
# leader writes its second checkpoint: the .tmp exists beside the previous,
# valid checkpoint of the same run (both groups' runs have one by then).
STALL=2 start 5 2 s3 --resume --checkpoint-every 0.3
wait_until "a checkpoint write stalled" grep -qF "checkpoint stalled half-way (SENDRIFT_CHECKPOINT_STALL" "$log"
kill_job
state "$WORK/st3"
check_session "$WORK/st2" "$WORK/st3" 0
stalled=$(sed -n 's/^sendrift: run \([0-9]*\): checkpoint stalled half-way.*/\1/p' "$log" | head -1)
[ -n "$stalled" ] || fail "no run number in the stall line"
grep -q "^tmp run_$stalled.h5.tmp " "$WORK/st3" || fail "moment (c): no run_$stalled.h5.tmp"
stalled_k=$(field "$WORK/st3" ckpt "$stalled" 3)
[ -n "$stalled_k" ] || fail "moment (c): run $stalled has no previous checkpoint beside its .tmp"
echo "(c) killed in the middle of a checkpoint of run $stalled (previous: output $stalled_k)"

# S4, moment (d): 4 ranks, -P 3 (one group of three); killed once a run that
# continued from its checkpoint has written a newer one.
STALL=
start 4 3 s4 --resume --checkpoint-every 0.3
newer_of_continued() {
    local r ino
    for r in $(continued); do
        ino=$(stat -c %i "$ckdir/run_$r.h5" 2>/dev/null) || continue
        [ "$ino" != "$(field "$WORK/st3" ckpt "$r" 6)" ] && newer=$r && return 0
    done
    return 1
}
wait_until "a newer checkpoint of a continued run" newer_of_continued
kill_job
state "$WORK/st4"
check_session "$WORK/st3" "$WORK/st4" 0
$SD_PYTHON -c "import sys; sys.exit(not float(sys.argv[2]) > float(sys.argv[1]))" \
    "$(field "$WORK/st3" ckpt "$newer" 5)" "$(field "$WORK/st4" ckpt "$newer" 5)" \
    || fail "moment (d): run $newer's new checkpoint is not later than the one it continued from"
echo "(d) killed after run $newer continued and wrote a newer checkpoint"

# S5, moment (e): 2 ranks, -P 1 (one group of one); killed once a run is
# DONE in this session while another has a checkpoint.
start 2 1 s5 --resume --checkpoint-every 0.3
d4=$(statuses "$WORK/st4" | tr -cd 1 | wc -c)
done_and_ckpt() { [ "$(log_done "$log")" -gt "$d4" ] && has_ckpt; }
wait_until "a run DONE and a checkpoint" done_and_ckpt
kill_job
state "$WORK/st5"
check_session "$WORK/st4" "$WORK/st5" 0
pending_ckpt=
for r in $(ckpt_runs "$WORK/st5"); do
    if [ "$(status_of "$WORK/st5" "$r")" = 0 ]; then pending_ckpt=$r; fi
done
[ -n "$pending_ckpt" ] || fail "moment (e): no PENDING run with a checkpoint"
d5=$(statuses "$WORK/st5" | tr -cd 1 | wc -c)
[ "$d5" -gt "$d4" ] && [ "$d5" -lt "$RUNS" ] || fail "moment (e): $d5 runs DONE"
echo "(e) killed with $d5 runs DONE and run $pending_ckpt checkpointed"

# Left-overs that --resume must tidy: a checkpoint of a DONE run and a
# stray .tmp.
done_run=$(statuses "$WORK/st5" | grep -bo 1 | head -1 | cut -d: -f1)
cp "$ckdir/run_$pending_ckpt.h5" "$ckdir/run_$done_run.h5"
echo junk >"$ckdir/run_$pending_ckpt.h5.tmp"

# S6, the stop signal: 5 ranks, -P 2 (two groups of two), --grace 600.
# SIGUSR1 to mpirun once two runs have written checkpoints in this session:
# each writes one more at its next step and goes on; once both have, a
# second SIGUSR1 abandons them at once.
start 5 2 s6 --resume --checkpoint-every 0.3 --grace 600
two_new() {
    local f r ino
    inflight=
    for f in "$ckdir"/run_*.h5; do
        r=${f##*/run_}
        r=${r%.h5}
        [ "$(status_of "$WORK/st5" "$r")" = 0 ] || continue
        ino=$(stat -c %i "$f" 2>/dev/null) || continue
        [ "$ino" = "$(field "$WORK/st5" ckpt "$r" 6)" ] || inflight="$inflight $r"
    done
    [ "$(echo "$inflight" | wc -w)" -ge 2 ]
}
wait_until "two checkpoints written in this session" two_new
kill -USR1 "$pid"
stop_written() {
    local r
    for r in $inflight; do
        grep -q "^sendrift: run $r: checkpoint written at the stop signal (" "$log" || return 1
    done
}
wait_until "the checkpoints at the stop signal of runs$inflight" stop_written
kill -USR1 "$pid"
finish
[ "$status" = 75 ] || { show; fail "exit status $status after two SIGUSR1, wanted 75"; }
grep -q "SIGUSR1 received: no new runs" "$log" || fail "no note of the signal"
state "$WORK/st6"
check_session "$WORK/st5" "$WORK/st6" 0
[ ! -e "$ckdir/run_$done_run.h5" ] || fail "the checkpoint of DONE run $done_run survived --resume"
# (The session ended by itself: no write was cut short.)
if grep -q "^tmp " "$WORK/st6"; then fail "temporary files after the stop: $(grep "^tmp " "$WORK/st6")"; fi
# The runs in flight were abandoned (or finished in the grace period), and
# kept their checkpoints.
for r in $inflight; do
    [ "$(status_of "$WORK/st6" "$r")" = 1 ] && continue
    [ -n "$(field "$WORK/st6" ckpt "$r" 3)" ] || fail "run $r: no checkpoint after the stop signal"
done
echo "stop signal: checkpoints of runs$inflight written at the stop signal" \
    "($(grep -c "checkpoint written as it is abandoned" "$log" || true) more as they were abandoned)"

# S7: one checkpoint altered (params_digest): refused, that run starts from
# t = 0; the others continue.  3 ranks, -P 1 (two groups of one), a
# checkpoint every 0.1 s (the command line wins over the sweep file).  As
# root, the tmpfs is filled to the last byte once this session has written
# a checkpoint: the next ones fail, the runs and the sweep do not.
# (Not the run stalled in moment (c), unless it is the only one.)
victim=$(ckpt_runs "$WORK/st6" | awk -v s="$stalled" '$1 != s' | tail -1)
[ -n "$victim" ] || victim=$(ckpt_runs "$WORK/st6" | tail -1)
[ -n "$victim" ] || fail "no checkpoint to alter"
$SD_PYTHON - "$ckdir/run_$victim.h5" <<'PY' || fail "altering params_digest"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    old = f.attrs["params_digest"]
    s = old.decode() if isinstance(old, bytes) else str(old)
    new = ("1" if s[0] != "1" else "2") + s[1:]
    f.attrs.modify("params_digest", new.encode() if isinstance(old, bytes) else new)
    got = f.attrs["params_digest"]
    assert (got.decode() if isinstance(got, bytes) else str(got)) == new
PY
state "$WORK/st6"
start 3 1 s7 --resume --checkpoint-every 0.1
new_ckpt() {
    local f r ino
    for f in "$ckdir"/run_*.h5; do
        r=${f##*/run_}
        r=${r%.h5}
        ino=$(stat -c %i "$f" 2>/dev/null) || continue
        [ "$ino" != "$(field "$WORK/st6" ckpt "$r" 6)" ] && return 0
    done
    return 1
}
if [ "$full" = 1 ]; then
    wait_until "a checkpoint written in the last session" new_ckpt
    # dd writes until the disk is full (the sweep may free some right after:
    # a run DONE drops its checkpoint, a failed write its .tmp).
    if dd if=/dev/zero of="$disk/filler" bs=4k 2>"$WORK/dd.err"; then fail "dd ended without filling the tmpfs"; fi
    grep -q "No space left on device" "$WORK/dd.err" || { cat "$WORK/dd.err" >&2; fail "dd did not fill the tmpfs"; }
    wait_until "a failed checkpoint" grep -q "checkpoint failed" "$log"
fi
finish
[ "$status" = 0 ] || { show; fail "the last session: exit status $status"; }
grep -qF "wrote $out: $RUNS runs, $RUNS done, 0 failed" "$log" || { show; fail "not every run DONE"; }
full_ok=$full
check_session "$WORK/st6" /dev/null 1 "$victim"
grep "refused" "$log" | grep -qi "param" || { lines refused; fail "the refusal does not name the parameters"; }
$CHECK same "$ref" "$out"
[ ! -e "$ckdir" ] || { ls -la "$ckdir" >&2; fail "$ckdir is left after the finished sweep"; }
# Moment (c) once more: the stalled run went on from the checkpoint beside
# the .tmp (output $stalled_k), in the first session that ran it.
first=$(grep -h "^sendrift: run $stalled: \(continuing\|checkpoint .* refused\)" \
    "$WORK/s4.log" "$WORK/s5.log" "$WORK/s6.log" "$WORK/s7.log" | head -1)
echo "$first" | grep -q "continuing from its checkpoint .*, output $stalled_k of $NT)$" \
    || fail "run $stalled (stalled in a write) did not go on from its previous checkpoint: $first"
echo "killed 5 times, stopped once, one checkpoint refused: bit-identical to the reference"
if [ "$full" = 1 ]; then
    log="$WORK/s7.log"
    grep -q "No space left on device" "$log" || fail "the failed checkpoints do not say why"
    grep -q "^sendrift: run [0-9]*: checkpoint failed: .*; the run goes on (the previous checkpoint is kept)$" "$log" \
        || { sed -n '/checkpoint failed/{N;p;q}' "$log" >&2; fail "the failed checkpoint's line is not one line"; }
    echo "full disk in the last session: $(grep -c "checkpoint failed" "$WORK/s7.log") checkpoints failed, the sweep finished"
    umount "$disk"
    mnt=
fi

echo "1 passed, 0 failed"
