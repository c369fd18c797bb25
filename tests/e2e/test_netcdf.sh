#!/usr/bin/env bash
# The result file is a netCDF-4 file (format_version 3): ncdump -h
# (netcdf-bin), netCDF4-python and xarray with the netcdf4 and h5netcdf
# engines read every group with named dimensions, and decode the values h5py
# reads (check_netcdf.py).  Files of a 2-D drift sweep with snapshots and a
# categorical parameter, a 3-D one split over 2 ranks per run, a sweep with
# failed runs (messages), a shard file and the merged file.  Files of format
# 2 still merge and resume, and a resumed one keeps its format.
source "$(dirname "$0")/lib.sh"
NC="$SD_PYTHON $E2E/check_netcdf.py"
SW="$E2E/sweeps/drift_small.json"

ref="$WORK/drift.h5"
mpi 3 "$SENDRIFT" run "$SW" -o "$ref" --quiet
$CHECK layout "$ref"
$NC "$ref"

cat >"$WORK/drift3d.json" <<'EOF'
{ "name": "drift_3d", "seed": 5,
  "model": { "name": "drift", "params": { "dim": 3, "nx": 9, "ny": 7, "nz": 4, "duration": 4,
                                          "output_interval": 2 } },
  "parameters": [ { "name": "senolytic.doses", "values": [0, 3] } ],
  "design": { "type": "grid" },
  "output": { "snapshots": { "runs": [1], "times": [0, 4] } } }
EOF
mpi 3 "$SENDRIFT" run "$WORK/drift3d.json" -o "$WORK/drift3d.h5" --ranks-per-sim 2 --quiet
$NC "$WORK/drift3d.h5"

# Failed runs: their messages and statuses as xarray shows them.
fails="$WORK/failing.h5"
expect_status 4 mpi 2 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$fails" --quiet
$NC "$fails"
$SD_PYTHON - "$fails" <<'PY'
import sys
import numpy as np
import xarray as xr
for engine in ("netcdf4", "h5netcdf"):
    r = xr.open_dataset(sys.argv[1], group="runs", engine=engine)
    st = r["status"]
    names = dict(zip(st.attrs["flag_values"].tolist(), st.attrs["flag_meanings"].split()))
    got = [names[int(v)] for v in st.values]
    assert got.count("DONE") == 6 and got.count("FAILED") == 6, (engine, got)
    for s, m in zip(got, r["message"].values):
        assert isinstance(m, str), (engine, type(m))
        assert (s == "FAILED") == ("exceeds fail_above 15 (on purpose)" in m), (engine, s, m)
        assert s == "FAILED" or m == "", (engine, m)
print("failed runs ok: 6 DONE, 6 FAILED with their messages, through both engines")
PY

# A shard file holds its own runs on the run axis; merged, the same as one run.
for i in 0 1 2; do
    mpi 2 "$SENDRIFT" run "$SW" -o "$WORK/s$i.h5" --shard "$i/3" --quiet
done
$NC "$WORK/s1.h5"
merged="$WORK/merged.h5"
expect_status 0 "$SENDRIFT" merge "$SW" -o "$merged" "$WORK/s0.h5" "$WORK/s1.h5" "$WORK/s2.h5"
$NC "$merged"
$CHECK same "$ref" "$merged"

# Format 2: a shard of that format merges; a file of it resumes, and stays
# format 2 (its status an enum, its messages strings).
$NC format2 "$WORK/s0.h5" "$WORK/s0.v2.h5"
expect_status 0 "$SENDRIFT" merge "$SW" -o "$WORK/merged2.h5" "$WORK/s0.v2.h5" "$WORK/s1.h5" "$WORK/s2.h5"
$CHECK same "$ref" "$WORK/merged2.h5"
$NC "$WORK/merged2.h5"
expect_status 75 "$SENDRIFT" merge "$SW" -o "$WORK/part.h5" "$WORK/s0.h5" "$WORK/s2.h5"
$NC format2 "$WORK/part.h5" "$WORK/part.v2.h5"
mpi 2 "$SENDRIFT" run "$SW" -o "$WORK/part.v2.h5" --resume --quiet
$CHECK same "$ref" "$WORK/part.v2.h5"
$SD_PYTHON - "$WORK/part.v2.h5" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    assert int(f.attrs["format_version"]) == 2, f.attrs["format_version"]
    assert h5py.check_enum_dtype(f["runs/status"].dtype), f["runs/status"].dtype
    assert f["runs/message"].shape == (8,) and f["runs/message"].dtype == "S256"
    assert (f["runs/status"][:] == 1).all(), f["runs/status"][:]
print("format 2 resumed as format 2: 8 runs DONE")
PY
echo "1 passed, 0 failed"
