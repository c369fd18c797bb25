#!/usr/bin/python3
"""Checks on sendrift result files made with h5py alone (no sendrift code).

  check_results.py layout FILE            the documented layout, all runs DONE
  check_results.py same A B               /design, /timeseries, /summary bit-identical
  check_results.py ishigami FILE          recompute Ishigami's Sobol indices
  check_results.py values FILE MODEL      recompute every run's outputs from its params
  check_results.py partial FILE MODEL     a file cut short: it opens, and every run
                                          marked DONE has all its rows right
  check_results.py attempts FILE STATUS N every run with STATUS (DONE/FAILED) was tried N times
  check_results.py count FILE STATUS N    exactly N runs have STATUS
"""
import sys

import h5py
import numpy as np

STATUS = {"PENDING": 0, "DONE": 1, "FAILED": 2}


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def datasets(f, group):
    out = {}
    if group not in f:
        return out
    f[group].visititems(lambda n, o: out.__setitem__(group + "/" + n, o) if isinstance(o, h5py.Dataset) else None)
    return out


def check_layout(path):
    with h5py.File(path, "r") as f:
        for a in ("format", "format_version", "sendrift_version", "git_commit", "sweep_text",
                  "seed", "mpi_version", "hdf5_version", "created", "design_digest", "model"):
            if a not in f.attrs:
                fail(f"root attribute {a} missing")
        if f.attrs["format"] != "sendrift-results":
            fail("format attribute")
        d = f["design"]
        runs = int(d.attrs["runs"])
        dim = int(d.attrs["dim"])
        if d["params"].shape != (runs, dim) or d["unit"].shape != (runs, dim):
            fail(f"design shapes {d['params'].shape} {d['unit'].shape}, wanted {(runs, dim)}")
        names = [n.decode() if isinstance(n, bytes) else n for n in d["params"].attrs["names"]]
        if len(names) != dim or len(d["params"].attrs["units"]) != dim:
            fail("params names/units")
        point = d["point"][:]
        rep = d["replicate"][:]
        R = int(d.attrs["replicates"])
        if not np.array_equal(point * R + rep, np.arange(runs)):
            fail("run = point * replicates + replicate does not hold")
        st = f["runs/status"]
        if h5py.check_enum_dtype(st.dtype) != STATUS:
            fail(f"status enum {h5py.check_enum_dtype(st.dtype)}")
        s = st[:]
        if not np.all(s == STATUS["DONE"]):
            fail(f"{np.sum(s != 1)} runs not DONE")
        filled = set()
        for name, ds in {**datasets(f, "timeseries"), **datasets(f, "summary"),
                         **datasets(f, "design"), **datasets(f, "runs")}.items():
            for a in ("units", "description"):
                if a not in ds.attrs:
                    fail(f"{name} lacks attribute {a}")
            if ds.dtype.kind == "f" and ds.shape and ds.shape[0] == runs and name.split("/")[0] in ("timeseries", "summary"):
                # Some metrics are NaN by definition (time_F_below_half when
                # F never drops); finished runs must fill the others.
                if not np.isnan(ds[:]).all():
                    filled.add(name.split("/")[0])
        if "summary" not in filled:
            fail("every summary dataset is all NaN")
        for name, ds in datasets(f, "timeseries").items():
            if name == "timeseries/time":
                continue
            if ds.shape != (runs, f["timeseries/time"].shape[0]):
                fail(f"{name} shape {ds.shape}")
            if not ds.dims[1] or ds.dims[1][0].name != "/timeseries/time":
                fail(f"{name} has no time dimension scale")
        if not np.all(f["runs/wall_seconds"][:] >= 0):
            fail("wall_seconds")
        if np.any(f["runs/group"][:] < 0):
            fail("group")
    print(f"layout ok: {path}: {runs} runs, {dim} parameters")


def check_same(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        groups = ("design", "timeseries", "summary", "snapshots")
        da = {k: v for g in groups for k, v in datasets(fa, g).items()}
        db = {k: v for g in groups for k, v in datasets(fb, g).items()}
        if sorted(da) != sorted(db):
            fail(f"different datasets: {sorted(set(da) ^ set(db))}")
        for name in da:
            x, y = da[name][()], db[name][()]
            if x.dtype != y.dtype or x.shape != y.shape:
                fail(f"{name}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
            if x.dtype.kind == "f":
                same = np.array_equal(x.view(np.uint64 if x.itemsize == 8 else np.uint32),
                                      y.view(np.uint64 if y.itemsize == 8 else np.uint32))
            else:
                same = np.array_equal(x, y)
            if not same:
                fail(f"{name} differs between {a} and {b}")
        if not np.array_equal(fa["runs/status"][:], fb["runs/status"][:]):
            fail("status differs")
    print(f"bit-identical: {a} {b} ({len(da)} datasets)")


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def check_values(path, model, done_only=False):
    with h5py.File(path, "r") as f:
        keep = f["runs/status"][:] == STATUS["DONE"] if done_only else slice(None)
        x = f["design/params"][:]
        names = [n.decode() if isinstance(n, bytes) else n for n in f["design/params"].attrs["names"]]
        if model == "ishigami":
            cols = {n: i for i, n in enumerate(names)}
            b = x[:, cols["b"]] if "b" in cols else 0.1
            y = ishigami(x[:, [cols["x1"], cols["x2"], cols["x3"]]], 7.0, b)
            got = f["summary/y"][:]
            t = f["timeseries/time"][:]
            ts = f["timeseries/y"][:]
            s1 = np.sin(x[:, cols["x1"]])
            want_ts = (s1[:, None] + 7.0 * t[None, :] * np.sin(x[:, cols["x2"]])[:, None] ** 2
                       + (b * x[:, cols["x3"]] ** 4 * s1)[:, None])
            if not np.allclose(ts[keep], want_ts[keep], rtol=1e-12, atol=1e-12):
                fail("ishigami time series differ from the formula")
        elif model == "null":
            k = np.array([int(n[1:]) for n in names if n.startswith("x")], dtype=float)
            xi = x[:, [i for i, n in enumerate(names) if n.startswith("x")]]
            y = (xi * k).sum(axis=1)
            got = f["summary/sum"][:]
            t = f["timeseries/time"][:]
            ts = f["timeseries/value"][:]
            if not np.allclose(ts[keep], ((1 + t[None, :]) * y[:, None])[keep], rtol=1e-12):
                fail("null time series differ from the formula")
        else:
            fail(f"unknown model {model}")
        if not np.allclose(got[keep], y[keep], rtol=1e-12, atol=1e-12):
            fail(f"{model} summaries differ from the formula")
        n = int(np.sum(f["runs/status"][:] == STATUS["DONE"]))
    print(f"values ok: {path} ({n} runs done)")


def check_attempts(path, status, n):
    with h5py.File(path, "r") as f:
        st = f["runs/status"][:]
        at = f["runs/attempts"][:]
    sel = at[st == STATUS[status]]
    if sel.size == 0 or not np.all(sel == n):
        fail(f"attempts of {status} runs: {sorted(set(sel.tolist()))}, wanted {n}")
    print(f"attempts ok: {sel.size} {status} runs tried {n} times")


def check_count(path, status, n):
    with h5py.File(path, "r") as f:
        got = int(np.sum(f["runs/status"][:] == STATUS[status]))
    if got != n:
        fail(f"{got} runs {status}, wanted {n}")
    print(f"count ok: {n} runs {status}")


def check_ishigami(path):
    """First-order and total Sobol indices from the Saltelli layout in the file
    (Saltelli 2010 for S1, Jansen for ST, the estimators SALib uses)."""
    exact_s1 = np.array([0.3139, 0.4424, 0.0])
    exact_st = np.array([0.5576, 0.4424, 0.2437])
    with h5py.File(path, "r") as f:
        D = int(f["design"].attrs["dim"])
        N = int(f["design"].attrs["samples"])
        so = int(f["design"].attrs["second_order"])
        y = f["summary/y"][:]
    step = 2 * D + 2 if so else D + 2
    Y = y.reshape(N, step)
    A, B = Y[:, 0], Y[:, -1]
    AB = Y[:, 1:D + 1]
    var = np.var(np.r_[A, B])
    s1 = np.mean(B[:, None] * (AB - A[:, None]), axis=0) / var
    st = 0.5 * np.mean((A[:, None] - AB) ** 2, axis=0) / var
    # The unscrambled Sobol design is deterministic, so this check cannot
    # flake.  Its error shrinks about as 1/N (quasi-Monte Carlo); at
    # N = 16384 the estimates land within 0.002 of the exact values, and
    # SALib's bootstrap intervals at this N are about +-0.01: allow 0.01.
    tol = 0.01 * np.sqrt(16384 / N)
    print(f"ishigami N={N}: S1={np.round(s1, 4)} ST={np.round(st, 4)} tol={tol:.3f}")
    if np.any(np.abs(s1 - exact_s1) > tol) or np.any(np.abs(st - exact_st) > tol):
        fail(f"indices off: S1 {s1} vs {exact_s1}, ST {st} vs {exact_st}")


def main():
    cmd = sys.argv[1]
    if cmd == "layout":
        check_layout(sys.argv[2])
    elif cmd == "same":
        check_same(sys.argv[2], sys.argv[3])
    elif cmd == "ishigami":
        check_ishigami(sys.argv[2])
    elif cmd == "values":
        check_values(sys.argv[2], sys.argv[3])
    elif cmd == "partial":
        check_values(sys.argv[2], sys.argv[3], done_only=True)
    elif cmd == "attempts":
        check_attempts(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "count":
        check_count(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        fail(f"unknown check {cmd}")


if __name__ == "__main__":
    main()
