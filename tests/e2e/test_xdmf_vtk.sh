#!/usr/bin/env bash
# The XDMF files of snapshots, read by a real reader: ParaView 5.11's
# pvpython (Debian's python3-paraview) opens them with the reader it picks
# for .xmf (Xdmf3ReaderS) and with Xdmf3ReaderT.  A 2-D sweep (40 x 16
# sites, two snapshot runs at three times) and a 3-D one (6 x 5 x 4): the
# bounds (2-D in the x-y plane, z = 0), the orientation of every cell, the
# times in days, the values against h5py, and each run on its own.
# (Debian's python3-vtk9 has no XDMF reader: VTK 9.1 there is built without
# IOXdmf2 and IOXdmf3.  No display is needed: nothing is rendered.)
source "$(dirname "$0")/lib.sh"
PVPYTHON=$(command -v pvpython) || fail "pvpython not found: install Debian's python3-paraview"
cat >"$WORK/two.json" <<'JSON'
{
  "name": "xdmf_2d",
  "description": "drift in 2-D, 40 x 16 sites (nx != ny), two snapshot runs at three times",
  "model": { "name": "drift", "params": { "nx": 40, "ny": 16, "dx": 10, "duration": 6, "output_interval": 2 } },
  "parameters": [ { "name": "tissue", "values": ["cartilage", "muscle"] } ],
  "design": { "type": "grid" },
  "replicates": 2,
  "seed": 7,
  "output": { "snapshots": { "runs": [0, 3], "times": [2, 4, 6] } }
}
JSON
cat >"$WORK/three.json" <<'JSON'
{
  "name": "xdmf_3d",
  "description": "drift in 3-D, 6 x 5 x 4 sites, one snapshot run at two times",
  "model": { "name": "drift", "params": { "dim": 3, "nx": 6, "ny": 5, "nz": 4, "dx": 10, "duration": 4, "output_interval": 2 } },
  "parameters": [ { "name": "tissue", "values": ["cartilage"] } ],
  "design": { "type": "grid" },
  "replicates": 1,
  "seed": 7,
  "output": { "snapshots": { "runs": [0], "times": [2, 4] } }
}
JSON
mpi 2 "$SENDRIFT" run "$WORK/two.json" -o "$WORK/two.h5" --quiet
mpi 2 "$SENDRIFT" run "$WORK/three.json" -o "$WORK/three.h5" --quiet
# What h5py reads, for the reader to be checked against (in another
# process: ParaView brings its own HDF5 library).
$SD_PYTHON - "$WORK" <<'PY'
import sys
import h5py
import numpy as np
work = sys.argv[1]
for name in ("two", "three"):
    want = {}
    with h5py.File(f"{work}/{name}.h5", "r") as f:
        s = f["snapshots"]
        want["dx"] = np.array(float(np.atleast_1d(s.attrs["dx"])[0]))
        want["cells_xyz"] = np.array(s.attrs["cells_xyz"][:], dtype=int)
        for run in sorted(k for k in s if k.startswith("run_")):
            for t in sorted(s[run]):
                g = s[run][t]
                key = f"{run}/{float(np.atleast_1d(g.attrs['time'])[0]):g}"
                want[key + "/epi"] = g["epi"][:]
                want[key + "/kind"] = g["kind"][:]
    np.savez(f"{work}/{name}_want.npz", **{k.replace("/", "|"): v for k, v in want.items()})
PY
"$PVPYTHON" "$E2E/xdmf_vtk_check.py" "$WORK" || fail "ParaView's XDMF readers disagree with the file"

# A run's file is written anew on --resume; written over with other
# snapshot runs, the file of a run no longer there goes.
sum=$(file_sum "$WORK/two.run_3.xmf")
rm "$WORK/two.run_3.xmf"
mpi 2 "$SENDRIFT" run "$WORK/two.json" -o "$WORK/two.h5" --resume --quiet
expect_unchanged "$WORK/two.run_3.xmf" "$sum" "run 3's XDMF written anew on --resume"
sed 's/"runs": \[0, 3\]/"runs": [3]/' "$WORK/two.json" >"$WORK/two3.json"
mpi 2 "$SENDRIFT" run "$WORK/two3.json" -o "$WORK/two.h5" --force --quiet
[ ! -e "$WORK/two.run_0.xmf" ] || fail "the XDMF of run 0, no longer in the file, stayed"
expect_unchanged "$WORK/two.run_3.xmf" "$sum" "run 3's XDMF, written over"
! grep -q run_0 "$WORK/two.xmf" || fail "two.xmf still lists run 0"
echo "1 passed, 0 failed"
