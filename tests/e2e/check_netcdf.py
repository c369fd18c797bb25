#!/usr/bin/python3
"""A sendrift result file read as netCDF-4 by readers nobody here wrote
(docs/output-format.md, "netCDF"), checked against what h5py reads:

  check_netcdf.py FILE...
  check_netcdf.py format2 IN OUT      OUT: a copy of IN as format 2 wrote it
                                      (an enum status, one fixed-length string
                                      per message), for the tests that older
                                      files still merge and resume

For each file:
  * `ncdump -h FILE` (netcdf-bin) exits 0, prints no error and no phony
    dimension;
  * netCDF4-python opens it and walks every group: every variable has named
    dimensions, units, long_name and description, and its values equal
    h5py's;
  * xarray.open_dataset(FILE, group=G) with engine netcdf4 and h5netcdf, G
    the root, design, design/choices (when there), runs, summary,
    timeseries and every snapshot: the dimensions are the documented ones,
    every decoded value equals h5py's (characters joined into strings), the
    run coordinate holds the file's run ids, and /runs/status shows its
    flags in its attributes.
Exit status 0 when all hold, 1 (with FAIL: ...) otherwise.
"""
import subprocess
import sys
import warnings

import h5py
import netCDF4
import numpy as np
import xarray as xr

FLAGS = ([0, 1, 2], "PENDING DONE FAILED")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def h5_value(ds):
    """A dataset's values as h5py reads them; a netCDF character array
    (single bytes along its last axis) joined into strings."""
    v = ds[()]
    if v.dtype.kind == "S" and v.dtype.itemsize == 1 and v.ndim >= 1:
        v = np.ascontiguousarray(v).view("S%d" % v.shape[-1])[..., 0]
        return np.array([b.decode("utf-8") for b in v.ravel()], dtype=object).reshape(v.shape)
    return v


def equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8))
    if a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
        return [str(x) for x in a.ravel()] == [str(x) for x in b.ravel()]
    return a.dtype == b.dtype and np.array_equal(a, b)


def check_ncdump(path):
    p = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    if p.returncode != 0 or p.stderr.strip():
        fail(f"ncdump -h {path}: exit {p.returncode}: {p.stderr.strip()}")
    if "phony_dim" in p.stdout:
        fail(f"ncdump -h {path} shows phony dimensions")
    if not p.stdout.startswith("netcdf "):
        fail(f"ncdump -h {path} printed no header")
    return p.stdout.count(" ;\n")


def check_netcdf4(path, f):
    """Walk every group with netCDF4-python; compare every variable."""
    n = 0
    with netCDF4.Dataset(path) as nc:
        if nc.getncattr("format_version") != 3 or nc.getncattr("Conventions") != "CF-1.8":
            fail(f"{path}: format_version {nc.getncattr('format_version')}, Conventions")
        todo = [nc]
        while todo:
            g = todo.pop()
            todo.extend(g.groups.values())
            for name, v in g.variables.items():
                full = (g.path.rstrip("/") + "/" + name).lstrip("/")
                for a in ("units", "long_name", "description"):
                    if a not in v.ncattrs():
                        fail(f"{path}: /{full} lacks attribute {a}")
                if any(d.startswith("phony_dim") for d in v.dimensions):
                    fail(f"{path}: /{full} has phony dimensions {v.dimensions}")
                v.set_auto_mask(False)
                got = v[...]
                want = h5_value(f[full])
                if v.dtype == "S1" or v.dtype is str:
                    got = np.asarray(got, dtype=object)
                if not equal(got, want):
                    fail(f"{path}: netCDF4 reads /{full} as {got!r}, h5py {want!r}")
                n += 1
    return n


def xr_open(path, group, engine):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no phony dimensions, no surprises
        return xr.open_dataset(path, group=group, engine=engine).load()


def check_group(path, f, group, engine, dims):
    """Every variable of group through xarray equals h5py's; dims: the
    dimensions wanted of some variables ({name: dims})."""
    ds = xr_open(path, group, engine)
    g = f[group] if group else f
    names = [k for k, o in g.items() if isinstance(o, h5py.Dataset)
             and b"This is a netCDF dimension but not a netCDF variable" not in
             o.attrs.get("NAME", b"")]
    if sorted(names) != sorted(ds.variables):
        fail(f"{path}: xarray ({engine}) shows {sorted(ds.variables)} in /{group}, h5py {sorted(names)}")
    for k in names:
        if not equal(ds[k].values, h5_value(g[k])):
            fail(f"{path}: xarray ({engine}) reads /{group}/{k} as {ds[k].values!r}, "
                 f"h5py {h5_value(g[k])!r}")
    for k, want in dims.items():
        if k in ds and ds[k].dims != want:
            fail(f"{path}: /{group}/{k} has dimensions {ds[k].dims} in xarray ({engine}), wanted {want}")
    return ds


def check_file(path):
    lines = check_ncdump(path)
    with h5py.File(path, "r") as f:
        nvar = check_netcdf4(path, f)
        run_ids = f["design/run"][:]
        si, sn = int(f.attrs["shard_index"]), int(f.attrs["shard_count"])
        if not np.array_equal(run_ids, si + sn * np.arange(len(run_ids), dtype=np.uint64)):
            fail(f"{path}: /design/run {run_ids} is not shard {si}/{sn}'s runs")
        groups = ["", "design", "runs", "summary", "timeseries"]
        if "choices" in f["design"]:
            groups.append("design/choices")
        snaps = []
        if "snapshots" in f:
            groups.append("snapshots")
            f["snapshots"].visititems(lambda n, o: snaps.append("snapshots/" + n)
                                      if isinstance(o, h5py.Group) and n.count("/") == 1 else None)
            if not snaps:
                fail(f"{path}: /snapshots holds no snapshot")
        lat = ("z", "y", "x") if "z" in f.get("snapshots", {}) else ("y", "x")
        want = {"params": ("run", "param"), "unit": ("run", "param"), "point": ("run",),
                "status": ("run",), "message": ("run",), "wall_seconds": ("run",),
                "run": ("run",), "x": ("x",), "y": ("y",), "z": ("z",)}
        for name in f.get("timeseries", {}):
            want[name] = ("run", "time") if name != "time" else ("time",)
        for name in f.get("summary", {}):
            want[name] = ("run",)
        for engine in ("netcdf4", "h5netcdf"):
            for g in groups + snaps:
                w = dict(want)
                if g in snaps:
                    w = {k: lat for k in f[g]}
                ds = check_group(path, f, g, engine, w)
                if g in ("", "design") and not np.array_equal(ds["run"].values, run_ids):
                    fail(f"{path}: the run coordinate of /{g} ({engine}) is {ds['run'].values}")
                if g == "runs":
                    a = ds["status"].attrs
                    if list(np.asarray(a.get("flag_values", [])).tolist()) != FLAGS[0] or \
                            a.get("flag_meanings") != FLAGS[1]:
                        fail(f"{path}: /runs/status attributes in xarray ({engine}): {a}")
                    if ds["status"].dtype != np.uint8:
                        fail(f"{path}: /runs/status is {ds['status'].dtype} in xarray ({engine})")
                    if ds["message"].dtype.kind not in "OU":
                        fail(f"{path}: /runs/message is {ds['message'].dtype} in xarray ({engine})")
    print(f"netcdf ok: {path}: ncdump {lines} lines, netCDF4 {nvar} variables, xarray "
          f"{len(groups) + len(snaps)} groups x 2 engines")


def to_format2(src, dst):
    """dst: src with /runs/status an HDF5 enum and /runs/message one
    NUL-terminated 256-byte string per run, format_version 2: what sendrift
    wrote before format 3 (its other datasets are the same, or ignored by a
    reader of format 2)."""
    import shutil
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        r = f["runs"]
        st = r["status"][:]
        msg = np.ascontiguousarray(r["message"][:]).view("S256")[:, 0]
        del r["status"], r["message"]
        enum = h5py.enum_dtype({"PENDING": 0, "DONE": 1, "FAILED": 2}, basetype="u1")
        r.create_dataset("status", data=st, dtype=enum)
        t = h5py.h5t.C_S1.copy()
        t.set_size(256)
        t.set_strpad(h5py.h5t.STR_NULLTERM)
        r.create_dataset("message", data=msg, dtype=h5py.Datatype(t))
        f.attrs["format_version"] = np.int32(2)
    print(f"format 2: {dst}")


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    if sys.argv[1] == "format2":
        to_format2(sys.argv[2], sys.argv[3])
        return
    for path in sys.argv[1:]:
        check_file(path)


if __name__ == "__main__":
    main()
