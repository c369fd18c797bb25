#!/usr/bin/env bash
# Stop the one-node cluster that start-slurm.sh DIR started: cancel its jobs,
# stop slurmd, slurmctld and munged (only the processes whose pids it
# recorded under DIR), then the job processes they leave behind.  Safe to run
# twice, or on a half-started cluster.
#
#   stop-slurm.sh DIR
set -uo pipefail
dir=${1:?usage: stop-slurm.sh DIR}
[ -d "$dir" ] || exit 0
export SLURM_CONF="$dir/slurm.conf"

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { if [ -s "$1" ]; then cat "$1" 2>/dev/null; fi; }
# stop PID NAME: SIGTERM, wait up to 10 s, then SIGKILL.
stop() {
    local pid=$1 name=$2
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.1; done
    echo "stop-slurm: $name (pid $pid) ignored SIGTERM: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
}

ctld=$(pid_of "$dir/slurmctld.pid")
slurmd=$(pid_of "$dir/slurmd.pid")
munged=$(pid_of "$dir/munge/munged.pid")

# Cancel the jobs while the controller still runs, and give them a moment.
if alive "$ctld" && [ -s "$SLURM_CONF" ]; then
    scancel --full --quiet --user=root 2>/dev/null || true
    for _ in $(seq 50); do
        [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.2
    done
fi
# The job processes of this cluster: slurmstepd and what it started, all
# children of slurmd or reparented; find them by their spool directory.
steps=$(pgrep -f "^slurmstepd: \[" 2>/dev/null || true)

stop "$slurmd" slurmd
stop "$ctld" slurmctld
# slurmstepd processes left behind (a job that outlived its cancellation):
# only those that talk to this cluster's spool (their cwd or open files).
ours() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        case $(readlink "$fd" 2>/dev/null) in "$dir"/*) return 0 ;; esac
    done
    return 1
}
for pid in $steps; do
    if alive "$pid" && ours "$pid"; then
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    fi
done
stop "$munged" munged
exit 0
