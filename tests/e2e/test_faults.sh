#!/usr/bin/env bash
# Failed runs are recorded and retried; a full disk (injected, and a real
# tmpfs where this machine lets us mount one) gives a clear error and loses
# no finished run; a sweep that cannot fit in memory is refused before
# anything is allocated.
source "$(dirname "$0")/lib.sh"

# 1. Failed runs: recorded with their message, the sweep goes on, exit 4.
f="$WORK/failing.h5"
expect_status 4 mpi 3 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$f" --retry 2
expect_stderr "will retry: at t = 1: null model: sum 21 exceeds fail_above 15 (on purpose)"
expect_stderr "wrote $f: 12 runs, 6 done, 6 failed"
$CHECK count "$f" FAILED 6
$CHECK attempts "$f" FAILED 3
$CHECK attempts "$f" DONE 1
# --resume keeps failed runs as they are, unless asked to retry them.
expect_status 4 mpi 3 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$f" --resume
expect_stderr "6 runs done and 6 failed before; 0 to run"
expect_stderr "12/12 runs (100.0%): 6 done, 6 failed (12 from before)"
expect_status 4 mpi 3 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$f" --resume --retry 1
expect_stderr "6 runs done and 0 failed before; 6 to run"
$CHECK attempts "$f" FAILED 5

# 2. A write that fails as on a full disk (injected after 4 runs per
#    process): a clear error, exit 3, every run written before kept, and
#    --resume finishes the sweep bit-identically.
ref="$WORK/ref.h5"
mpi 3 "$SENDRIFT" run "$E2E/sweeps/null_grid.json" -o "$ref" --quiet
d="$WORK/disk.h5"
expect_status 3 env SENDRIFT_FAULT_WRITES=4 $MPIEXEC -n 3 "$SENDRIFT" run "$E2E/sweeps/null_grid.json" -o "$d"
expect_stderr "No space left on device"
expect_stderr "writing run"
$CHECK partial "$d" null
n=$($SD_PYTHON -c "import h5py,sys; print(int((h5py.File(sys.argv[1])['runs/status'][:] == 1).sum()))" "$d")
[ "$n" -ge 4 ] && [ "$n" -le 8 ] || fail "$n runs kept, wanted 4 to 8 (4 per worker group)"
expect_status 0 mpi 3 "$SENDRIFT" run "$E2E/sweeps/null_grid.json" -o "$d" --resume
$CHECK same "$ref" "$d"

# 3. A real small file system: refused before anything is written, with the
#    estimated size.
mnt="$WORK/tiny"
mkdir -p "$mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
    trap 'umount "$mnt" 2>/dev/null || true' EXIT
    expect_status 3 "$SENDRIFT" run "$E2E/sweeps/ishigami_sobol.json" -o "$mnt/big.h5"
    expect_stderr "big.h5: the result file needs about"
    expect_stderr "are free there"
    [ ! -e "$mnt/big.h5" ] || fail "a refused sweep left a file"
    # A result file that fits, but not with the checkpoints of its runs in
    # flight: 2 groups x 2 checkpoints of 200 x 150 sites x 33 B (+ 64 KiB),
    # 4.2 MiB in all.
    printf '%s\n' '{"model": {"name": "drift", "params": {"nx": 200, "ny": 150, "duration": 10}},' \
        '"parameters": [{"name": "k_S", "values": [0.01, 0.02]}], "design": {"type": "list"}}' \
        >"$WORK/ckpt-room.json"
    expect_status 3 mpi 3 "$SENDRIFT" run "$WORK/ckpt-room.json" -o "$mnt/room.h5"
    expect_stderr "room.h5: the result file and the checkpoints of its runs in flight (4.0 MiB of it) need about 4.1 MiB"
    [ ! -e "$mnt/room.h5" ] || fail "a refused sweep left a file"
    # One that fits runs; then fill the disk: the finished file stays intact.
    expect_status 0 "$SENDRIFT" run "$E2E/sweeps/null_grid.json" -o "$mnt/small.h5" --quiet
    dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null || true
    $CHECK same "$ref" "$mnt/small.h5"
    expect_status 3 "$SENDRIFT" run "$E2E/sweeps/null_grid.json" -o "$mnt/more.h5" --quiet
    expect_stderr "more.h5"
    [ ! -e "$mnt/more.h5" ] || fail "a failed creation left a file at the final path"
    umount "$mnt"
    trap - EXIT
else
    echo "note: cannot mount a tmpfs here (not root, or no permission): the injected fault above covers the full disk"
fi

# 4. Memory: refused before anything is allocated, with the estimate.
cat >"$WORK/huge.json" <<'JSON'
{ "model": { "name": "null", "params": { "memory": 1e17 } },
  "parameters": [ { "name": "x1", "values": [1, 2] } ], "design": { "type": "grid" } }
JSON
expect_status 3 mpi 3 "$SENDRIFT" run "$WORK/huge.json" -o "$WORK/huge.h5"
expect_stderr "the sweep needs about"
expect_stderr "of memory on a node (3 ranks; the largest run needs 88.8 PiB per rank)"
[ ! -e "$WORK/huge.h5" ] || fail "a refused sweep left a file"
echo "1 passed, 0 failed"
