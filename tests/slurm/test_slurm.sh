#!/usr/bin/env bash
# slurm/sweep.sbatch against a real Slurm (Debian's slurm-wlm 22.05): a
# single run longer than the job's time limit finishes over several
# allocations, continuing from its checkpoints; a sweep split over a job
# array survives a stop of one task.
#
#  1. installs slurm-wlm and munge when missing (apt-get; needs root: without
#     it the test is skipped, exit 77);
#  2. starts munged, slurmctld and slurmd on this machine as a one-node
#     cluster (start-slurm.sh; everything under a temporary folder);
#  3. job A: submits slurm/sweep.sbatch as users do, with the default
#     launcher (srun --mpi=pmix here), --time=1 and --signal=B:USR1@50, for
#     a sweep of ONE drift run of about 115 s on one core (sweeps/requeue.json),
#     with CHECKPOINT_EVERY=5 and GRACE=20: Slurm's time-limit machinery sends
#     USR1 0 to 30 s into each one-minute allocation, the run writes a
#     checkpoint, goes on for the grace period, is abandoned with another
#     checkpoint, the script requeues the job, and the next allocation
#     continues the run from its checkpoint.  The time limit is never raised:
#     the run finishes within one-minute allocations, by its checkpoints
#     alone (about 45 s of it in each);
#     job B, at the same time: the same script as a job array of two tasks,
#     LAUNCHER=mpirun, OUT=b-%a.h5; task 1 alone gets a USR1 through
#     `scancel --signal=USR1 --batch` (what --signal=B:USR1 sends), is
#     requeued and finishes; task 0 must not be disturbed;
#  4. checks: every job COMPLETED (never TIMEOUT) after the expected number
#     of requeues, which the script's log agrees with; job A requeued at
#     least twice, and every allocation after the first continued the run
#     from its checkpoint (never from t = 0), further each time; every run
#     DONE; every run tried once (except runs the log says were abandoned
#     after the grace period); datasets bit-identical to references made
#     with mpirun directly (job A's: the same run, uninterrupted, started in
#     the background at the beginning).
# Prints the timeline of job A.  About 3 minutes on an idle 2-core machine
# (estimated); 5 to 8.5 minutes measured beside other test suites at a load
# average of 4 to 10.
#
# Environment (as for the e2e tests): SENDRIFT, MPIEXEC, SD_PYTHON,
# SD_SOURCE_DIR, SD_TMP, and the Open MPI variables for root.  Optional:
# SD_SLURM_DEADLINE (seconds after submission by which every job must have
# ended, 450).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: test_slurm needs root (it installs slurm-wlm and munge and runs their daemons)"
    exit 77
fi
# shellcheck source=/dev/null
source "${SD_SOURCE_DIR:?SD_SOURCE_DIR must name the repository}/tests/e2e/lib.sh"
HERE="$SD_SOURCE_DIR/tests/slurm"
SCRIPT="$SD_SOURCE_DIR/slurm/sweep.sbatch"
DEADLINE=${SD_SLURM_DEADLINE:-450}
T0=$(date +%s)
note() { echo "test_slurm: [$(($(date +%s) - T0)) s] $*"; }

# ---- 1. Slurm and munge ----------------------------------------------------
PACKAGES="slurm-wlm slurm-wlm-basic-plugins munge"
missing=
for p in $PACKAGES; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    command -v apt-get >/dev/null || { echo "SKIP: no apt-get to install$missing"; exit 77; }
    note "installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # The packages would start system-wide munge, slurmctld and slurmd
    # services; the test runs its own.  Keep them off while installing (the
    # policy-rc.d convention), unless the machine has a policy already.
    policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    # shellcheck disable=SC2086 # a list of packages
    apt_install() { apt-get install -y -q --no-install-recommends $missing >"$WORK/apt.log" 2>&1; }
    apt_install || { apt-get update -q >>"$WORK/apt.log" 2>&1 || true; apt_install; } || {
        tail -20 "$WORK/apt.log" >&2
        [ -z "$policy" ] || rm -f "$policy"
        fail "apt-get install$missing failed (log: $WORK/apt.log)"
    }
    [ -z "$policy" ] || { rm -f "$policy"; trap - EXIT; }
fi
"$SD_PYTHON" -c "import h5py" 2>/dev/null || fail "$SD_PYTHON lacks h5py (apt-get install python3-h5py)"

# ---- 2. the cluster --------------------------------------------------------
# Short path: the daemons' Unix sockets live there.
SLURM_DIR=$(mktemp -d /tmp/sdslurm.XXXXXX)
ref_pid=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # The reference of job A, if it still runs (timeout passes the TERM on).
    [ -z "$ref_pid" ] || kill "$ref_pid" 2>/dev/null || true
    if [ "$rc" != 0 ]; then
        for f in "$WORK"/job-*.log; do
            [ -s "$f" ] && { echo "--- $f"; cat "$f"; }
        done
        for f in "$SLURM_DIR/slurmctld.log" "$SLURM_DIR/slurmd.log"; do
            [ -s "$f" ] && { echo "--- last lines of $f"; tail -n 30 "$f"; }
        done
    fi >&2
    bash "$HERE/stop-slurm.sh" "$SLURM_DIR" || true
    cp "$SLURM_DIR"/*.log "$SLURM_DIR/slurm.conf" "$WORK/" 2>/dev/null || true
    rm -rf "$SLURM_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The reference of job A: its one run, uninterrupted, with mpirun directly
# (one worker, as in the job).  It takes as long as the run, so it starts
# now, beside the cluster and the jobs; in a session of its own, as Slurm's
# tasks are, so that with the kernel's autogroup scheduling it does not
# share its CPU with this script's polling of Slurm.
SWEEP_A="$HERE/sweeps/requeue.json" RUNS_A=1 LOG_A="$WORK/job-a.log"
# shellcheck disable=SC2086 # MPIEXEC may carry options
setsid -w timeout 500 $MPIEXEC -n 2 "$SENDRIFT" run "$SWEEP_A" -o "$WORK/ref-a.h5" --quiet \
    >"$WORK/ref-a.log" 2>&1 &
ref_pid=$!
bash "$HERE/start-slurm.sh" "$SLURM_DIR" 8 10 || fail "the cluster did not start"
# shellcheck source=/dev/null
source "$SLURM_DIR/env"
note "cluster up: $(sinfo -h -o '%P %a %l %D %T %N')"

# job_field JOB NAME: a field of `scontrol show job` (JobState, Restarts...).
job_field() { scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
is_final() { case $1 in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE) return 0 ;; esac; return 1; }
# rel "YYYY-mm-dd HH:MM:SS": seconds since the jobs were submitted
rel() { echo $(($(date -d "$1" +%s) - T_SUB)); }

# reference SWEEP OUT: a null-model sweep run directly with mpirun.  The
# null model's outputs do not depend on the CPU it burns (`work`), so the
# reference burns none: same design, same results, in a second.
reference() {
    sed 's/"work": *[0-9.]*/"work": 0/' "$1" >"$WORK/ref-$(basename "$1")"
    mpi 3 "$SENDRIFT" run "$WORK/ref-$(basename "$1")" -o "$2" --quiet
}

# check_results NAME LOG OUT REF RUNS: the file is complete, identical to the
# reference, and no run was tried twice unless LOG says it was abandoned.
check_results() {
    local name=$1 log=$2 out=$3 ref=$4 runs=$5
    $CHECK layout "$out"
    $CHECK count "$out" DONE "$runs"
    $CHECK same "$ref" "$out"
    grep -o 'run [0-9]* abandoned' "$log" | awk '{print $2}' >"$WORK/abandoned-$name" || true
    "$SD_PYTHON" - "$out" "$WORK/abandoned-$name" <<'EOF' || fail "$name: runs repeated"
import collections, sys
import h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    attempts = f["runs/attempts"][:]
abandoned = collections.Counter(int(x) for x in open(sys.argv[2]).read().split())
want = np.ones_like(attempts)
for run, n in abandoned.items():
    want[run] += n
bad = np.nonzero(attempts != want)[0]
if bad.size:
    print(f"FAIL: attempts differ from 1 + times abandoned for runs {bad[:10].tolist()}: "
          f"{attempts[bad[:10]].tolist()} vs {want[bad[:10]].tolist()}", file=sys.stderr)
    sys.exit(1)
print(f"attempts ok: {attempts.size} runs tried once each"
      + (f", {len(abandoned)} of them again after being abandoned" if abandoned else ""))
EOF
}

# check_log NAME LOG RESTARTS [LAST]: the script's own account agrees with
# Slurm's.  LAST=1: the last allocation may have had its warning too (job A:
# its run may finish within the grace period that follows it).
check_log() {
    local name=$1 log=$2 restarts=$3 last=${4:-0} n
    n=$(grep -c "sweep.sbatch: .*: job [0-9_]*, allocation" "$log" || true)
    [ "$n" = $((restarts + 1)) ] || fail "$name: $n allocations in the log, Slurm counts $restarts restarts"
    n=$(grep -c "sweep.sbatch: .*: job [0-9_]* requeued$" "$log" || true)
    [ "$n" = "$restarts" ] || fail "$name: $n requeues in the log, Slurm counts $restarts restarts"
    n=$(grep -c "SIGUSR1 received (time limit near): forwarding it" "$log" || true)
    if [ "$n" -lt "$restarts" ] || [ "$n" -gt $((restarts + last)) ]; then
        local wanted=$restarts
        [ "$last" = 0 ] || wanted="$restarts or $((restarts + 1))"
        fail "$name: $n forwarded signals in the log, wanted $wanted"
    fi
    ! grep -q "requeueing anyway" "$log" || fail "$name: the launcher did not exit 75 after the signal"
    grep -q "sweep finished: every run done" "$log" || fail "$name: no 'sweep finished' in the log"
    ! grep -q "scontrol requeue failed" "$log" || fail "$name: scontrol requeue failed"
}

# ---- 3. the jobs, all at once ------------------------------------------------
# Job A: srun --mpi=pmix (the script's default here), cut by Slurm's time
# limit again and again.  One worker (2 tasks) for its one run, which
# continues from its checkpoint in every allocation after the first; a
# checkpoint every 5 s of the run (CHECKPOINT_EVERY), and one at each
# warning.  GRACE=20: the run goes on 20 s after the warning, then is
# abandoned with a checkpoint, and the job requeued.  Slurm checks time
# limits every 30 s and sends a one-minute job's --signal=B:USR1@50 at its
# first check, 0 to 30 s into the allocation (measured: 54 s before the
# limit at the earliest), so the grace period ends 10 s before the limit at
# the latest.  A requeued job starts 11 to 14 s after its requeue: with
# GRACE=20 that is just after the next check, and its warning comes one
# check later, 23 to 28 s into the allocation: a one-minute cycle that gives
# the run about 45 s.  A short GRACE (5 s) makes half-minute cycles of
# which the run gets 15 s; one of 16 to 19 s would start allocations just
# before a check.  MAX_RESTARTS stops a job that would loop without
# progress.  Job B: an array of two tasks, mpirun inside the
# allocation, 2 workers each; task 1 alone is stopped once through scancel
# (a requeue must not touch task 0).  The node declares 8 CPUs: all fit.
# Tasks are asked per node, overriding the script's --ntasks-per-node, as
# users do (a --ntasks would be refused beside the script's 32 per node on
# this node of 8 CPUs).
SWEEP_B="$HERE/sweeps/short.json" RUNS_B=120 RUNS_B_TASK=60
reference "$SWEEP_B" "$WORK/ref-b.h5"
# The script's #SBATCH lines hold (--requeue, --open-mode=append); these
# options override the others for a one-node test cluster.  Its knobs come
# through the environment (sbatch's default --export=ALL), as SENDRIFT does.
T_SUB=$(date +%s)
job_a=$(SWEEP="$SWEEP_A" OUT="$WORK/a.h5" GRACE=20 CHECKPOINT_EVERY=5 MAX_RESTARTS=15 \
    sbatch --parsable --job-name=sd-timelimit --ntasks-per-node=2 --time=1 --signal=B:USR1@50 \
    --output="$LOG_A" --chdir="$WORK" "$SCRIPT") || fail "sbatch refused the script"
note "job A ($job_a): $RUNS_A run longer than its time limit, default launcher, --time=1 --signal=B:USR1@50, GRACE=20, CHECKPOINT_EVERY=5"
job_b=$(SWEEP="$SWEEP_B" OUT="$WORK/b-%a.h5" GRACE=15 LAUNCHER=mpirun MPIRUN="$MPIEXEC" \
    SENDRIFT_ARGS="--progress-interval 1 --shard %a/2" \
    sbatch --parsable --job-name=sd-array --array=0-1 --ntasks-per-node=3 --time=5 --signal=B:USR1@50 \
    --output="$WORK/job-b-%a.log" --chdir="$WORK" "$SCRIPT") || fail "sbatch refused the script"
note "job B ($job_b, array 0-1): $RUNS_B runs in 2 shards (--shard %a/2), LAUNCHER=mpirun MPIRUN=\"$MPIEXEC\", --time=5"

signalled=0 state_a='' state_b0='' state_b1='' seen_a=0 finished=0
deadline=$((SECONDS + DEADLINE))
while [ $SECONDS -lt $deadline ]; do
    state_a=$(job_field "$job_a" JobState)
    state_b0=$(job_field "${job_b}_0" JobState)
    state_b1=$(job_field "${job_b}_1" JobState)
    if is_final "$state_a" && is_final "$state_b0" && is_final "$state_b1"; then
        finished=1
        break
    fi
    # A: say when each allocation starts (a line of the log per allocation).
    n=$(grep -c "sweep.sbatch: .*: job [0-9_]*, allocation" "$LOG_A" 2>/dev/null || true)
    if [ "${n:-0}" -gt "$seen_a" ]; then
        seen_a=$n
        note "job A: allocation $n started"
    fi
    # B: once task 1 has finished 10 of its runs (its progress lines say so),
    # USR1 to its batch shell, the way --signal=B:USR1 sends it.
    if [ "$signalled" = 0 ] && [ "$(log_done "$WORK/job-b-1.log")" -ge 10 ]; then
        scancel --signal=USR1 --batch "${job_b}_1" || fail "scancel --signal=USR1 --batch ${job_b}_1 failed"
        signalled=1
        note "job B: USR1 sent to the batch shell of task 1 (scancel --signal=USR1 --batch ${job_b}_1)"
    fi
    sleep 1
done
[ "$finished" = 1 ] \
    || fail "the jobs have not ended $DEADLINE s after submission: A '$state_a' after" \
        "$(job_field "$job_a" Restarts) restarts, B '$state_b0' and '$state_b1'"
restarts_a=$(job_field "$job_a" Restarts)
restarts_b0=$(job_field "${job_b}_0" Restarts)
restarts_b1=$(job_field "${job_b}_1" Restarts)
note "job A: $state_a after $restarts_a restarts, exit code $(job_field "$job_a" ExitCode)"
note "job B, task 0: $state_b0 after $restarts_b0 restarts; task 1: $state_b1 after $restarts_b1 restarts"

# ---- 4. checks --------------------------------------------------------------
[ "$state_a" = COMPLETED ] || fail "job A: '$state_a', wanted COMPLETED (log: $LOG_A)"
[ "${restarts_a:-0}" -ge 2 ] \
    || fail "job A finished after $restarts_a requeues, wanted at least 2: its run is too short" \
        "for this machine to need several allocations (lengthen the run of $SWEEP_A)"
check_log A "$LOG_A" "$restarts_a" 1
rc=0
wait "$ref_pid" || rc=$?
ref_pid=
[ "$rc" = 0 ] || { cat "$WORK/ref-a.log" >&2; fail "the reference of job A failed (exit status $rc)"; }
check_results A "$LOG_A" "$WORK/a.h5" "$WORK/ref-a.h5" "$RUNS_A"
# Every allocation after the first continued the run from its checkpoint,
# further on each time; none started it over.
! grep -E "^sendrift: run 0: checkpoint .* (refused|unreadable)|the run starts from t = 0" "$LOG_A" \
    || fail "job A: a checkpoint was refused or unreadable: the run started over"
! grep "^sendrift: run 0: checkpoint failed" "$LOG_A" || fail "job A: a checkpoint write failed"
n=$(grep -c "^sendrift: run 0: checkpoint written at the stop signal" "$LOG_A" || true)
[ "$n" -ge "$restarts_a" ] || fail "job A: $n checkpoints at the warning, for $restarts_a requeues"
n=$(grep -c "^sendrift: resuming .*a\.h5: 0 runs done and 0 failed before; 1 to run (1 from checkpoints)" "$LOG_A" || true)
[ "$n" = "$restarts_a" ] \
    || fail "job A: $n allocations resumed the run from a checkpoint, wanted $restarts_a (one per requeue)"
sed -n 's|^sendrift: run 0: continuing from its checkpoint .*/a\.h5\.ckpt/run_0\.h5 (\([0-9.e+-]*\) s of run time, output \([0-9]*\) of \([0-9]*\))$|\1 \2 \3|p' \
    "$LOG_A" >"$WORK/continued-a"
awk -v want="$restarts_a" '
    { n++
      if ($1 <= 0) { print "FAIL: allocation " n + 1 ": continued from " $1 " s of run time"; bad = 1 }
      if (n > 1 && $1 <= s) { print "FAIL: allocation " n + 1 ": continued from " $1 " s of run time, after " s; bad = 1 }
      if (n > 1 && $2 < k) { print "FAIL: allocation " n + 1 ": continued from output " $2 ", after " k; bad = 1 }
      s = $1; k = $2 }
    END { if (n != want) { print "FAIL: " n " continuations from the checkpoint, wanted " want; bad = 1 }
          exit bad }' "$WORK/continued-a" >&2 \
    || fail "job A: the allocations did not continue the run from its checkpoints (log: $LOG_A)"
[ ! -e "$WORK/a.h5.ckpt" ] || fail "job A: the checkpoint directory $WORK/a.h5.ckpt is left after the sweep"
grep -q "running: srun --mpi=pmix -n 2" "$LOG_A" || fail "job A did not use srun --mpi=pmix"
# Under srun, the ranks' node is found (MPI_COMM_TYPE_SHARED) and logged.
grep -q "^sendrift: placement: 2 ranks on 1 node, 1 worker group of 1 rank, 0 idle ranks$" "$LOG_A" \
    || fail "job A: no placement line in the log"

[ "$state_b0" = COMPLETED ] || fail "job B, task 0: '$state_b0', wanted COMPLETED"
[ "$state_b1" = COMPLETED ] || fail "job B, task 1: '$state_b1', wanted COMPLETED"
[ "$restarts_b0" = 0 ] || fail "job B, task 0: $restarts_b0 restarts, wanted 0 (requeued with task 1?)"
[ "$restarts_b1" = 1 ] || fail "job B, task 1: $restarts_b1 restarts, wanted 1"
for task in 0 1; do
    log="$WORK/job-b-$task.log"
    restarts=$restarts_b0
    [ $task = 0 ] || restarts=$restarts_b1
    check_log "B, task $task" "$log" "$restarts"
    $CHECK count "$WORK/b-$task.h5" DONE "$RUNS_B_TASK"
    grep -q "running: $MPIEXEC -n 3" "$log" || fail "job B, task $task did not use mpirun"
done
# The USR1 hit task 1 in the middle of its sweep: the next allocation
# resumed at least the 10 runs done before it, and left some to run.
grep -Eq "^sendrift: resuming .*b-1\.h5: ([1-9][0-9]+) runs done and 0 failed before; [1-9][0-9]* to run" \
    "$WORK/job-b-1.log" || fail "job B, task 1: no resumption of a sweep stopped in the middle"
# The two shards merged: the whole sweep, as one unsharded run makes it.
"$SENDRIFT" merge "$SWEEP_B" -o "$WORK/b.h5" "$WORK/b-0.h5" "$WORK/b-1.h5" \
    || fail "sendrift merge of the two shards failed"
cat "$WORK/job-b-0.log" "$WORK/job-b-1.log" >"$WORK/job-b.log"
check_results B "$WORK/job-b.log" "$WORK/b.h5" "$WORK/ref-b.h5" "$RUNS_B"

# The timeline of job A, from the script's time stamps.
echo "timeline of job A (seconds after sbatch):"
sed -n 's/^sweep\.sbatch: \([0-9-]* [0-9:]*\): \(.*\)$/\1|\2/p' "$LOG_A" | while IFS='|' read -r when what; do
    t=$(rel "$when")
    case $what in
        *", allocation "*)
            ends=$(echo "$what" | sed -n 's/.*ends \([0-9-]*\)T\([0-9:]*\).*/\1 \2/p')
            n=${what#*allocation }
            echo "  t=$t: allocation ${n%% *} starts${ends:+, its time limit at t=$(rel "$ends")}" ;;
        "SIGUSR1 received"*) echo "  t=$t: USR1 from Slurm (--signal=B:USR1@50), forwarded to srun" ;;
        "requeueing"*) echo "  t=$t: sendrift stopped (exit 75): scontrol requeue" ;;
        "sweep finished"*) echo "  t=$t: sweep finished" ;;
    esac
done
grep -E "^sendrift: (run 0: continuing|wrote)" "$LOG_A" \
    | sed -e "s|$WORK/||g" -e 's/^/  /' || true

note "done"
echo "1 passed, 0 failed"
