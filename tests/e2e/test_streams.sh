#!/usr/bin/env bash
# "streams": "paired" keys a run's random numbers by the seed and its
# replicate, not its run id: two arms that differ only in a parameter with
# no effect (a senolytic schedule of zero doses, started on day 5 or day 50)
# give identical runs replicate by replicate, while replicates differ from
# each other; with the default ("per-run") the same two arms differ.  Paired
# sweeps stay bit-identical across ranks per simulation; a bad value is
# refused with what is allowed.
source "$(dirname "$0")/lib.sh"

sweep() { # sweep FILE STREAMS_LINE
    cat >"$1" <<EOF
{
  "name": "streams",
  "model": { "name": "drift", "params": { "nx": 40, "ny": 32, "duration": 60, "output_interval": 6,
                                          "focus_radius": 40, "tissue": "disc", "senolytic.doses": 0 } },
  "parameters": [ { "name": "senolytic.start", "values": [5, 50] } ],
  "design": { "type": "list" },
  "replicates": 2,
  $2
  "seed": 5
}
EOF
}
sweep "$WORK/paired.json" '"streams": "paired",'
sweep "$WORK/perrun.json" ''
sweep "$WORK/bad.json" '"streams": "pairs",'

expect_status 0 "$SENDRIFT" run "$WORK/paired.json" -o "$WORK/paired.h5" --quiet
expect_status 0 mpi 3 "$SENDRIFT" run "$WORK/paired.json" -o "$WORK/paired-p2.h5" -P 2 --quiet
$CHECK same "$WORK/paired.h5" "$WORK/paired-p2.h5"
expect_status 0 "$SENDRIFT" run "$WORK/perrun.json" -o "$WORK/perrun.h5" --quiet

# Runs: point p, replicate r is run 2 p + r.
"$SD_PYTHON" - "$WORK/paired.h5" "$WORK/perrun.h5" <<'PY' || fail "paired streams"
import sys
import h5py
import numpy as np

def series(path):
    with h5py.File(path, "r") as f:
        assert (f["runs/status"][:] == 1).all(), f"{path}: runs not DONE"
        names = sorted(k for k in f["timeseries"] if k != "time")
        return np.stack([f["timeseries"][k][:] for k in names], axis=1)  # run, metric, time

paired, perrun = series(sys.argv[1]), series(sys.argv[2])
same = lambda a, b: np.array_equal(a, b, equal_nan=True)
for r in (0, 1):
    if not same(paired[r], paired[2 + r]):
        sys.exit(f"FAIL: paired: replicate {r} differs between the arms")
if same(paired[0], paired[1]):
    sys.exit("FAIL: paired: replicates 0 and 1 are the same run")
if same(perrun[0], perrun[2]):
    sys.exit("FAIL: per-run: the two arms share their random numbers")
# Replicate 0 of the per-run sweep is run 0 either way: the same stream.
if not same(perrun[0], paired[0]):
    sys.exit("FAIL: run 0 (replicate 0) differs between per-run and paired")
sen = list(sorted(k for k in h5py.File(sys.argv[1], "r")["timeseries"] if k != "time")).index("frac_senescent")
print("paired: arms identical per replicate; final senescent fractions "
      f"{paired[0, sen, -1]:.4f} / {paired[1, sen, -1]:.4f} (replicates 0 / 1); "
      f"per-run arm 2 vs arm 1: {perrun[2, sen, -1]:.4f} vs {perrun[0, sen, -1]:.4f}")
PY

expect_status 2 "$SENDRIFT" check "$WORK/bad.json"
expect_stderr 'streams: expected "per-run"'
expect_stderr 'got the string "pairs"'
echo "1 passed, 0 failed"
