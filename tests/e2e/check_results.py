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
  check_results.py sobol-analysis FILE SUMMARY.json OVER_TIME.json
                                          analysis/sensitivity's Sobol indices of an
                                          Ishigami file against the exact values
  check_results.py morris-analysis FILE JSON MODEL
                                          analysis/sensitivity's Morris statistics
                                          against a direct computation (and, for the
                                          null model, the exact values)
  check_results.py report FILE REPORT.md  the numbers analysis/report prints about
                                          the design and its runs, against the file
"""
import json
import re
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


def strs(a):
    """Strings of an attribute or dataset: a netCDF character array (format
    3: single bytes along the last axis) joined, NULs dropped."""
    a = np.asarray(a)
    if a.dtype.kind == "S" and a.dtype.itemsize == 1 and a.ndim == 2:
        a = np.ascontiguousarray(a).view("S%d" % a.shape[1])[:, 0]
    return [n.decode() if isinstance(n, bytes) else str(n) for n in a]


def block_size(d):
    """Points per block of a sobol or morris /design (docs/output-format.md)."""
    D = int(d.attrs["dim"])
    if d.attrs["type"] == "morris":
        return D + 1
    return 2 * D + 2 if int(d.attrs["second_order"]) else D + 2


def blocks_of(f):
    """The design points of every block by role, (blocks, block size), read
    from /design/block and /design/role (sobol and morris designs)."""
    d = f["design"]
    for k in ("block", "role"):
        if k not in d:
            fail(f"no /design/{k} in a {d.attrs['type']} design")
    blk, role, point = d["block"][:], d["role"][:], d["point"][:]
    size = block_size(d)
    n = int(d.attrs["points"]) // size
    if blk.max() >= n or role.max() >= size:
        fail(f"/design/block or /design/role out of range ({n} blocks of {size})")
    idx = np.full((n, size), -1, dtype=np.int64)
    idx[blk, role] = point
    if np.any(idx < 0) or not np.array_equal(idx[blk, role], point):
        fail("/design/block and /design/role do not give every block each role once")
    return idx


def check_roles(f):
    """A sobol or morris design's /design/block and /design/role: uint64 per
    run; the documented layout (point = block * block size + role); and the
    unit coordinates that the roles promise (AB_k is A with column k from B,
    BA_k is B with column k from A; a Morris step moves one coordinate by
    +-delta)."""
    d = f["design"]
    runs, D = int(d.attrs["runs"]), int(d.attrs["dim"])
    for k in ("block", "role"):
        if k not in d or d[k].dtype != np.uint64 or d[k].shape != (runs,):
            fail(f"/design/{k}: wanted uint64 of {runs} rows")
    idx = blocks_of(f)
    size = idx.shape[1]
    if not np.array_equal(idx.ravel(), np.arange(int(d.attrs["points"]))):
        fail("the points of a block are not block * block size + role")
    U = np.zeros((int(d.attrs["points"]), D))
    U[d["point"][:]] = d["unit"][:]
    Ub = U[idx]
    if d.attrs["type"] == "sobol":
        A, B = Ub[:, 0], Ub[:, -1]
        for k in range(D):
            ab, ba = A.copy(), B.copy()
            ab[:, k], ba[:, k] = B[:, k], A[:, k]
            if not np.array_equal(Ub[:, 1 + k], ab):
                fail(f"role {1 + k} is not AB_{1 + k}")
            if size == 2 * D + 2 and not np.array_equal(Ub[:, 1 + D + k], ba):
                fail(f"role {1 + D + k} is not BA_{1 + k}")
    else:
        levels = int(d.attrs["levels"])
        step = np.abs(np.diff(Ub, axis=1))
        moved = step > 1e-12
        if not np.all(moved.sum(axis=2) == 1) or not np.allclose(
                step[moved], levels / (2 * (levels - 1)), rtol=0, atol=1e-12):
            fail("a Morris step does not move exactly one coordinate by delta")


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
        if d.attrs["type"] in ("sobol", "morris"):
            check_roles(f)
        elif "block" in d or "role" in d:
            fail(f"/design/block or /design/role in a {d.attrs['type']} design")
        if int(f.attrs["format_version"]) != 3 or f.attrs["Conventions"] != "CF-1.8":
            fail(f"format_version {f.attrs['format_version']}, wanted 3 (CF-1.8)")
        st = f["runs/status"]
        flags = dict(zip(strs([st.attrs.get("flag_meanings", "")])[0].split(),
                         np.asarray(st.attrs.get("flag_values", [])).tolist()))
        if st.dtype != np.uint8 or flags != STATUS:
            fail(f"status {st.dtype} with flags {flags}, wanted uint8 with {STATUS}")
        if not np.array_equal(f["run"][:], d["run"][:]):
            fail("/run is not /design/run")
        s = st[:]
        if not np.all(s == STATUS["DONE"]):
            fail(f"{np.sum(s != 1)} runs not DONE")
        filled = set()
        for name, ds in {**datasets(f, "timeseries"), **datasets(f, "summary"),
                         **datasets(f, "design"), **datasets(f, "runs")}.items():
            if b"not a netCDF variable" in ds.attrs.get("NAME", b""):
                continue  # a dimension, no variable: only its length counts
            for a in ("units", "description", "long_name"):
                if a not in ds.attrs:
                    fail(f"{name} lacks attribute {a}")
            if not all(len(ds.dims[i]) for i in range(ds.ndim)) and not h5py.h5ds.is_scale(ds.id):
                fail(f"{name} has an axis without a dimension scale")
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


def ishigami_exact(a=7.0, b=0.1):
    """Exact S1, ST (x1, x2, x3) and S2 of (x1, x3) of the Ishigami function
    on [-pi, pi]^3: the variances V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8,
    V13 = 8 b^2 pi^8 / 225 (Ishigami and Homma 1990)."""
    V1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    V2 = a ** 2 / 8
    V13 = 8 * b ** 2 * np.pi ** 8 / 225
    V = V1 + V2 + V13
    return np.array([V1, V2, 0.0]) / V, np.array([V1 + V13, V2, V13]) / V, V13 / V


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
    exact_s1, exact_st, _ = ishigami_exact()
    with h5py.File(path, "r") as f:
        D = int(f["design"].attrs["dim"])
        N = int(f["design"].attrs["samples"])
        y = np.zeros(int(f["design"].attrs["points"]))
        y[f["design/point"][:]] = f["summary/y"][:]
        Y = y[blocks_of(f)]
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


def nan_array(v):
    """A JSON array of the analysis (null for NaN) as floats."""
    return np.array(v, dtype=float)


def check_sobol_analysis(path, summary_json, over_time_json):
    """The Sobol indices analysis/sensitivity wrote (--json) for an Ishigami
    file, summary and over time (a scaled by t), against the exact values.

    Tolerance.  The design is the unscrambled Sobol' sequence, so the
    estimates are deterministic: this check always passes or always fails.
    A Monte Carlo design of N base points would give an error of about
    1/sqrt(N) in units of the index (the bootstrap half-widths, which treat
    the points as independent, are 0.014-0.07 at N = 4096); the
    quasi-random design does better: at N = 4096 the largest error over S1,
    ST and S2(x1, x3) at t = 0, 0.5, 1 is 0.0041.  We allow 0.5 / sqrt(N)
    (0.0078 at N = 4096, as analysis/tests/test_sobol.py), which still
    fails a wrong estimator (a normalising variance off by 1 % moves ST of
    x1 by 0.0056), and require the exact values inside the 95 % intervals."""
    with h5py.File(path, "r") as f:
        N = int(f["design"].attrs["samples"])
        a = float(json.loads(f.attrs["sweep_text"])["model"]["params"]["a"])
    with open(summary_json) as fh:
        S = json.load(fh)["summary"]["y"]
    with open(over_time_json) as fh:
        St = json.load(fh)["timeseries"]["y"]
    tol = 0.5 / np.sqrt(N)
    if S["blocks"]["used"] != N or S["degenerate_blocks"] != 0:
        fail(f"blocks {S['blocks']}, degenerate {S['degenerate_blocks']}, wanted {N} used")
    s1, st, s13 = ishigami_exact(a)
    got = {"S1": (nan_array(S["S1"]), s1), "ST": (nan_array(S["ST"]), st),
           "S2(x1,x3)": (nan_array(S["S2"])[0, 2], s13),
           "S2(x1,x2)": (nan_array(S["S2"])[0, 1], 0.0),
           "S2(x2,x3)": (nan_array(S["S2"])[1, 2], 0.0)}
    conf = {"S1": nan_array(S["S1_conf"]), "ST": nan_array(S["ST_conf"]),
            "S2(x1,x3)": nan_array(S["S2_conf"])[0, 2]}
    for k, (v, want) in got.items():
        err = np.abs(v - want)
        if not np.all(err <= tol):
            fail(f"{k} = {v}, exact {want}: error {err} > {tol:.4f}")
        if k in conf and not np.all(err <= conf[k]):
            fail(f"{k} = {v}: the exact {want} is outside the interval +-{conf[k]}")
    worst = 0.0
    for i, t in enumerate(St["time"]):
        s1, st, s13 = ishigami_exact(a * t)
        for k, want in (("S1", s1), ("ST", st), ("S2", s13)):
            v = nan_array(St[k][i])
            v = v[0, 2] if k == "S2" else v
            err = np.max(np.abs(v - want))
            worst = max(worst, err)
            if err > tol:
                fail(f"t = {t}: {k} = {v}, exact {want}: error {err:.4f} > {tol:.4f}")
    print(f"sobol analysis ok: N={N}, S1={np.round(got['S1'][0], 4)}, "
          f"ST={np.round(got['ST'][0], 4)}, S13={got['S2(x1,x3)'][0]:.4f}; over "
          f"{len(St['time'])} times the largest error is {worst:.4f} (tolerance {tol:.4f})")


def check_morris_analysis(path, json_path, model):
    """The Morris statistics analysis/sensitivity wrote (--json) against a
    direct computation from the file's own design and outputs: within each
    trajectory (/design/block) the points in step order (/design/role); the
    coordinate a step moves, and EE = dy / du, du the step in the unit cube.
    For the null model (y = sum_k k x_k) also against the exact answer:
    every EE of x_k is k (max - min), so mu = mu* = k (max - min), sigma = 0."""
    with h5py.File(path, "r") as f:
        d = f["design"]
        names = strs(d["params"].attrs["names"])
        lower, upper = d["params"].attrs["lower"], d["params"].attrs["upper"]
        metric = "sum" if model == "null" else "y"
        runs_y = f["summary/" + metric][:]
        point = d["point"][:]
        idx = blocks_of(f)
        U = np.zeros((int(d.attrs["points"]), len(names)))
        U[point] = d["unit"][:]
        y = np.zeros(len(U))
        np.add.at(y, point, runs_y / int(d.attrs["replicates"]))
    with open(json_path) as fh:
        S = json.load(fh)["summary"][metric]
    D = len(names)
    ee = [[] for _ in range(D)]
    for pts in idx:
        for s in range(D):
            du = U[pts[s + 1]] - U[pts[s]]
            k = int(np.flatnonzero(du)[0])
            ee[k].append((y[pts[s + 1]] - y[pts[s]]) / du[k])
    ee = np.array(ee)
    want = {"mu": ee.mean(axis=1), "mu_star": np.abs(ee).mean(axis=1),
            "sigma": ee.std(axis=1, ddof=1)}
    if model == "null":
        k = np.array([int(n[1:]) for n in names], dtype=float)
        exact = k * (upper - lower)
        for name, v in (("mu", exact), ("mu_star", np.abs(exact)), ("sigma", 0 * exact)):
            if not np.allclose(want[name], v, rtol=1e-12, atol=1e-9):
                fail(f"direct {name} {want[name]} is not the exact {v}")
        want["mu_star_conf"] = 0 * exact
    for name, v in want.items():
        got = nan_array(S[name])
        if not np.allclose(got, v, rtol=1e-10, atol=1e-9):
            fail(f"{name}: the analysis says {got}, directly {v}")
    if S["blocks"]["used"] != len(idx):
        fail(f"trajectories used {S['blocks']}, wanted {len(idx)}")
    print(f"morris analysis ok: {len(idx)} trajectories, mu*={np.round(want['mu_star'], 4)}, "
          f"sigma={np.round(want['sigma'], 4)}")


def check_report(path, report):
    """The numbers analysis/report prints about a sweep's design and runs
    (the design line, the parameter table, completion, failure messages,
    wall time) against the file."""
    with open(report) as fh:
        text = fh.read()
    with h5py.File(path, "r") as f:
        d = f["design"]
        pa = d["params"].attrs
        names, units = strs(pa["names"]), strs(pa["units"])
        kinds, scales = strs(pa["kinds"]), strs(pa["scales"])
        st = f["runs/status"][:]
        msg = strs(f["runs/message"][:])
        wall = f["runs/wall_seconds"][:]
        point = d["point"][:].astype(np.int64)
        P, R = int(d.attrs["points"]), int(d.attrs["replicates"])
        want = [f"Design `{d.attrs['type']}`: {len(names)} parameter(s), {P} design points "
                f"x {R} replicate(s) = {len(st)} runs."]
        for i, n in enumerate(names):
            want.append(f"| {n} | {units[i]} | {kinds[i]} | {scales[i]} | "
                        f"{pa['lower'][i]:.4g} .. {pa['upper'][i]:.4g} |")
    done, failed = st == STATUS["DONE"], st == STATUS["FAILED"]
    complete = np.bincount(point, weights=done, minlength=P) == R
    want.append(f"{done.sum()} of {len(st)} runs DONE ({100 * done.sum() / len(st):.1f} %), "
                f"{failed.sum()} FAILED, {np.sum(st == STATUS['PENDING'])} PENDING; "
                f"{complete.sum()} of {P} design points complete")
    counts = {}
    for m in np.array(msg, dtype=object)[failed]:
        counts[m.strip()] = counts.get(m.strip(), 0) + 1
    for m, n in sorted(counts.items(), key=lambda e: -e[1])[:5]:
        want.append(f"- {n} x {m}")
    for line in want:
        if line not in text:
            fail(f"the report lacks: {line}\n{text}")
    w = wall[done]
    m = re.search(r"Wall time of finished runs: total (\S+) s, median (\S+) s, max (\S+) s",
                  text)
    if not m or not np.allclose([float(x) for x in m.groups()],
                                [w.sum(), np.median(w), w.max()], rtol=5e-3, atol=0):
        fail(f"wall times: {m.groups() if m else None} vs the file's {w.sum()}, "
             f"{np.median(w)}, {w.max()}")
    print(f"report ok: {len(want)} lines and the wall times agree with {path}")


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
    elif cmd == "sobol-analysis":
        check_sobol_analysis(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "morris-analysis":
        check_morris_analysis(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "report":
        check_report(sys.argv[2], sys.argv[3])
    else:
        fail(f"unknown check {cmd}")


if __name__ == "__main__":
    main()
