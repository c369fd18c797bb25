#!/usr/bin/env bash
# slurm/sweep.sbatch against a real Slurm (Debian's slurm-wlm 22.05): a sweep
# longer than its allocations survives their time limits.
#
#  1. installs slurm-wlm and munge when missing (apt-get; needs root: without
#     it the test is skipped, exit 77);
#  2. starts munged, slurmctld and slurmd on this machine as a one-node
#     cluster (start-slurm.sh; everything under a temporary folder);
#  3. job A: submits slurm/sweep.sbatch as users do, with the default
#     launcher (srun --mpi=pmix here), --time=1 and --signal=B:USR1@50:
#     Slurm's time-limit machinery sends USR1 10 to 40 s into each one-minute
#     allocation, the script stops the sweep and requeues the job; after two
#     such cuts the test raises the job's time limit so that the third
#     allocation finishes;
#     job B, at the same time: the same script as a job array of two tasks,
#     LAUNCHER=mpirun, OUT=b-%a.h5; task 1 alone gets a USR1 through
#     `scancel --signal=USR1 --batch` (what --signal=B:USR1 sends), is
#     requeued and finishes; task 0 must not be disturbed;
#  4. checks: every job COMPLETED (never TIMEOUT) after the expected number
#     of requeues, which the script's log agrees with; every run DONE; every
#     run tried once (except runs the log says were abandoned after the
#     grace period); datasets bit-identical to a reference made with mpirun
#     directly.
# Prints the timeline of job A.  About 1.5 to 2.5 minutes on 2 cores.
#
# Environment (as for the e2e tests): SENDRIFT, MPIEXEC, SD_PYTHON,
# SD_SOURCE_DIR, SD_TMP, and the Open MPI variables for root.  Optional:
# SD_SLURM_CUTS (time-limit cuts of job A before its limit is raised, 2).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: test_slurm needs root (it installs slurm-wlm and munge and runs their daemons)"
    exit 77
fi
# shellcheck source=/dev/null
source "${SD_SOURCE_DIR:?SD_SOURCE_DIR must name the repository}/tests/e2e/lib.sh"
HERE="$SD_SOURCE_DIR/tests/slurm"
SCRIPT="$SD_SOURCE_DIR/slurm/sweep.sbatch"
CUTS=${SD_SLURM_CUTS:-2}
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
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
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
bash "$HERE/start-slurm.sh" "$SLURM_DIR" 8 10 || fail "the cluster did not start"
# shellcheck source=/dev/null
source "$SLURM_DIR/env"
note "cluster up: $(sinfo -h -o '%P %a %l %D %T %N')"

# job_field JOB NAME: a field of `scontrol show job` (JobState, Restarts...).
job_field() { scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
is_final() { case $1 in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE) return 0 ;; esac; return 1; }
# rel "YYYY-mm-dd HH:MM:SS": seconds since the jobs were submitted
rel() { echo $(($(date -d "$1" +%s) - T_SUB)); }

# reference SWEEP OUT: the sweep run directly with mpirun.  The null model's
# outputs do not depend on the CPU it burns (`work`), so the reference burns
# none: same design, same results, in a second.
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

# check_log NAME LOG RESTARTS: the script's own account agrees with Slurm's.
check_log() {
    local name=$1 log=$2 restarts=$3 n
    n=$(grep -c "sweep.sbatch: .*: job [0-9_]*, allocation" "$log" || true)
    [ "$n" = $((restarts + 1)) ] || fail "$name: $n allocations in the log, Slurm counts $restarts restarts"
    n=$(grep -c "sweep.sbatch: .*: job [0-9_]* requeued$" "$log" || true)
    [ "$n" = "$restarts" ] || fail "$name: $n requeues in the log, Slurm counts $restarts restarts"
    n=$(grep -c "SIGUSR1 received (time limit near): forwarding it" "$log" || true)
    [ "$n" = "$restarts" ] || fail "$name: $n forwarded signals in the log, wanted $restarts"
    ! grep -q "requeueing anyway" "$log" || fail "$name: the launcher did not exit 75 after the signal"
    grep -q "sweep finished: every run done" "$log" || fail "$name: no 'sweep finished' in the log"
    ! grep -q "scontrol requeue failed" "$log" || fail "$name: scontrol requeue failed"
}

# ---- 3. the jobs, all at once ------------------------------------------------
# Job A: srun --mpi=pmix (the script's default here), cut by Slurm's time
# limit.  One worker (2 tasks), so that the sweep outlasts the first warning
# while using one core.  Job B: an array of two tasks, mpirun inside the
# allocation, 2 workers each; task 1 alone is stopped once through scancel
# (a requeue must not touch task 0).  The node declares 8 CPUs: all fit.
# Tasks are asked per node, overriding the script's --ntasks-per-node, as
# users do (a --ntasks would be refused beside the script's 32 per node on
# this node of 8 CPUs).
SWEEP_A="$HERE/sweeps/requeue.json" RUNS_A=100 LOG_A="$WORK/job-a.log"
SWEEP_B="$HERE/sweeps/short.json" RUNS_B=120 RUNS_B_TASK=60
reference "$SWEEP_A" "$WORK/ref-a.h5"
reference "$SWEEP_B" "$WORK/ref-b.h5"
# The script's #SBATCH lines hold (--requeue, --open-mode=append); these
# options override the others for a one-node test cluster.  Its knobs come
# through the environment (sbatch's default --export=ALL), as SENDRIFT does.
T_SUB=$(date +%s)
job_a=$(SWEEP="$SWEEP_A" OUT="$WORK/a.h5" GRACE=15 \
    sbatch --parsable --job-name=sd-timelimit --ntasks-per-node=2 --time=1 --signal=B:USR1@50 \
    --output="$LOG_A" --chdir="$WORK" "$SCRIPT") || fail "sbatch refused the script"
note "job A ($job_a): $RUNS_A runs, default launcher, --time=1 --signal=B:USR1@50, GRACE=15"
job_b=$(SWEEP="$SWEEP_B" OUT="$WORK/b-%a.h5" GRACE=15 LAUNCHER=mpirun MPIRUN="$MPIEXEC" \
    SENDRIFT_ARGS="--progress-interval 1 --shard %a/2" \
    sbatch --parsable --job-name=sd-array --array=0-1 --ntasks-per-node=3 --time=5 --signal=B:USR1@50 \
    --output="$WORK/job-b-%a.log" --chdir="$WORK" "$SCRIPT") || fail "sbatch refused the script"
note "job B ($job_b, array 0-1): $RUNS_B runs in 2 shards (--shard %a/2), LAUNCHER=mpirun MPIRUN=\"$MPIEXEC\", --time=5"

raised=0 signalled=0 state_a='' state_b0='' state_b1=''
deadline=$((SECONDS + 400))
while [ $SECONDS -lt $deadline ]; do
    state_a=$(job_field "$job_a" JobState)
    state_b0=$(job_field "${job_b}_0" JobState)
    state_b1=$(job_field "${job_b}_1" JobState)
    is_final "$state_a" && is_final "$state_b0" && is_final "$state_b1" && break
    # A: after enough cuts, let the next allocation finish the sweep.
    restarts=$(job_field "$job_a" Restarts)
    if [ "$raised" = 0 ] && [ "${restarts:-0}" -ge "$CUTS" ]; then
        scontrol update JobId="$job_a" TimeLimit=10 || fail "cannot raise the time limit of job $job_a"
        raised=1
        note "job A: $restarts restarts; its time limit raised to 10 min ($state_a)"
    fi
    # B: once task 1 has finished 10 of its runs (its progress lines say so),
    # USR1 to its batch shell, the way --signal=B:USR1 sends it.
    if [ "$signalled" = 0 ] && [ "$(log_done "$WORK/job-b-1.log")" -ge 10 ]; then
        scancel --signal=USR1 --batch "${job_b}_1" || fail "scancel --signal=USR1 --batch ${job_b}_1 failed"
        signalled=1
        note "job B: USR1 sent to the batch shell of task 1 (scancel --signal=USR1 --batch ${job_b}_1)"
    fi
    sleep 0.5
done
restarts_a=$(job_field "$job_a" Restarts)
restarts_b0=$(job_field "${job_b}_0" Restarts)
restarts_b1=$(job_field "${job_b}_1" Restarts)
note "job A: $state_a after $restarts_a restarts, exit code $(job_field "$job_a" ExitCode)"
note "job B, task 0: $state_b0 after $restarts_b0 restarts; task 1: $state_b1 after $restarts_b1 restarts"

# ---- 4. checks --------------------------------------------------------------
[ "$state_a" = COMPLETED ] || fail "job A: '$state_a', wanted COMPLETED (log: $LOG_A)"
[ "${restarts_a:-0}" -ge 1 ] \
    || fail "job A finished in its first allocation: the sweep is too short to be cut by the time limit"
check_log A "$LOG_A" "$restarts_a"
check_results A "$LOG_A" "$WORK/a.h5" "$WORK/ref-a.h5" "$RUNS_A"
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
grep -E "^sendrift: (resuming|stopped by|wrote)" "$LOG_A" | sed 's/^/  /' || true

note "done"
echo "1 passed, 0 failed"
