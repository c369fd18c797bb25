#!/usr/bin/env bash
# Start a one-node Slurm cluster on this machine, for tests: munged (as user
# munge, with its own key and socket), slurmctld and slurmd, all state, logs
# and sockets under DIR.  Needs root and Debian's slurm-wlm and munge.
#
#   start-slurm.sh DIR [CPUS] [MAXTIME]
#
# CPUS: the CPUs the node declares (default 4; SlurmdParameters=
# config_overrides lets it declare more than the machine has).  MAXTIME: the
# partition's time limit in minutes (default 5).  Writes DIR/env: source it
# (it sets SLURM_CONF) before sbatch, squeue, scontrol.  Stop everything with
# stop-slurm.sh DIR, which also runs when this script fails half-way.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: start-slurm.sh DIR [CPUS] [MAXTIME]}
cpus=${2:-4}
maxtime=${3:-5}

say() { echo "start-slurm: $*"; }
die() {
    echo "start-slurm: error: $*" >&2
    for log in "$dir"/munge/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
        [ -s "$log" ] && { echo "--- last lines of $log" >&2; tail -n 20 "$log" >&2; }
    done
    bash "$here/stop-slurm.sh" "$dir" >&2 || true
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (the daemons run as root and munge)"
for tool in munged mungekey slurmctld slurmd sinfo scontrol runuser; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install slurm-wlm munge"
done
id munge >/dev/null 2>&1 || die "no user munge (the munge package makes it)"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Unix socket paths are limited to 107 bytes: munged's and slurmstepd's live here.
[ ${#dir} -le 60 ] || die "$dir: path too long for the daemons' Unix sockets (keep it under 60 characters)"
# munged checks that no directory above its files is writable by others
# (unless sticky): keep DIR 0755, and munge's own folder the user munge's.
chmod 0755 "$dir"
mkdir -p "$dir/munge" "$dir/ctld" "$dir/spool"
chown munge:munge "$dir/munge"
chmod 0755 "$dir/munge"  # munged wants its socket directory searchable by all

# munged, as user munge, with a key made for this cluster.
key="$dir/munge/munge.key"
if [ ! -s "$key" ]; then
    runuser -u munge -- mungekey --create --keyfile="$key" >/dev/null 2>&1 \
        || runuser -u munge -- dd if=/dev/urandom of="$key" bs=1024 count=1 status=none \
        || die "cannot create $key"
    chmod 0600 "$key"
fi
runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" || die "munged did not start"
for _ in $(seq 50); do
    munge -n -S "$dir/munge/munge.socket" 2>/dev/null | unmunge -S "$dir/munge/munge.socket" >/dev/null 2>&1 && break
    sleep 0.1
done
munge -n -S "$dir/munge/munge.socket" | unmunge -S "$dir/munge/munge.socket" >/dev/null \
    || die "munged does not answer on $dir/munge/munge.socket"
say "munged up (pid $(cat "$dir/munge/munged.pid"), socket $dir/munge/munge.socket)"

# Two free TCP ports for slurmctld and slurmd (a real Slurm on this machine
# would hold 6817 and 6818).
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 20000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free TCP port found"
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done

host=$(hostname -s)
sed -e "s|@DIR@|$dir|g" -e "s|@HOST@|$host|g" -e "s|@CPUS@|$cpus|g" \
    -e "s|@MAXTIME@|$maxtime|g" -e "s|@CTLD_PORT@|$ctld_port|g" \
    -e "s|@SLURMD_PORT@|$slurmd_port|g" "$here/slurm.conf.in" >"$dir/slurm.conf"
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
export SLURM_CONF="$dir/slurm.conf"

# -c: a fresh cluster, no saved state.  Both daemonize and write their pid files.
slurmctld -c -f "$SLURM_CONF" || die "slurmctld did not start"
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
scontrol ping | grep -q UP || die "slurmctld does not answer"
say "slurmctld up (pid $(cat "$dir/slurmctld.pid"), port $ctld_port)"
slurmd -f "$SLURM_CONF" || die "slurmd did not start"

# The node is ready when sinfo calls it idle.
state=
for _ in $(seq 150); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || die "node $host is '$state', not idle, after 30 s"
say "slurmd up (pid $(cat "$dir/slurmd.pid"), port $slurmd_port); node $host idle with $cpus CPUs"
