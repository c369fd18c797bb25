#!/usr/bin/env bash
# Snapshots: tiles written by every rank of a group land in the right place,
# the same for 1 or 2 ranks per simulation; the XDMF file names them.
source "$(dirname "$0")/lib.sh"
a="$WORK/p1.h5"
b="$WORK/p2.h5"
mpi 1 "$SENDRIFT" run "$E2E/sweeps/null_snap.json" -o "$a" --quiet
mpi 3 "$SENDRIFT" run "$E2E/sweeps/null_snap.json" -o "$b" --quiet --ranks-per-sim 2
$SD_PYTHON - "$a" "$b" <<'PY'
import sys
import xml.etree.ElementTree as ET
import h5py
import numpy as np
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        s = f["snapshots"]
        assert sorted(k for k in s if k.startswith("run_")) == ["run_1", "run_4"], sorted(s)
        assert list(s.attrs["cells_xyz"]) == [13, 7, 1]
        for run in (1, 4):
            x1 = f["design/params"][run, 0]
            for k in (0, 2):
                g = s[f"run_{run}/t_{k}"]
                t = f["timeseries/time"][k]
                assert g.attrs["time"][0] == t
                want = np.arange(7 * 13, dtype=float).reshape(7, 13) + t * x1
                got = g["value"][:]
                assert np.array_equal(got, want), (path, run, k, got - want)
                assert np.array_equal(g["parity"][:], (np.arange(91) % 2).reshape(7, 13).astype(np.uint8))
                assert g["value"].attrs["units"] == "1"
        assert "run_0" not in s
    xmf = path[:-3] + ".xmf"
    root = ET.parse(xmf).getroot()
    items = [d.text for d in root.iter("DataItem") if d.get("Format") == "HDF"]
    assert len(items) == 2 * 2 * 2, items
    base = path.rsplit("/", 1)[1]
    assert f"{base}:/snapshots/run_4/t_2/value" in items, items
print("snapshots ok")
PY
$CHECK same "$a" "$b"
echo "1 passed, 0 failed"
