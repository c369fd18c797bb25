"""Synthetic sendrift result files for the tests, written with h5py exactly
as docs/output-format.md lays them out (format_version 2; 1 and the
netCDF-4 compatible 3 on request: write_result).

The numbers in them come from the analytic test models (Ishigami, Sobol g,
linear and product functions) evaluated on the same designs the C side
builds: the Saltelli layout from the unscrambled Sobol sequence (scipy's
qmc.Sobol, Joe & Kuo direction numbers, as SALib) and Morris trajectories
in the unit cube.
"""

import json
import math

import h5py
import numpy as np

STATUS_ENUM = h5py.enum_dtype({"PENDING": 0, "DONE": 1, "FAILED": 2}, basetype="u1")
PENDING, DONE, FAILED = 0, 1, 2

ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1


# -- designs -------------------------------------------------------------------

def default_skip(N):
    """sendrift's default design.skip (SALib's saltelli.sample): the
    smallest power of two >= N, at least 16."""
    return max(16, 1 << max(int(N) - 1, 0).bit_length())


def saltelli_unit(D, N, second_order, skip=None):
    """N Saltelli blocks (N*(D+2) or N*(2D+2) rows, D columns) in the unit
    cube: A, AB_1..AB_D, [BA_1..BA_D,] B per base point, from Sobol' point
    skip on (default: default_skip(N), as sendrift)."""
    from scipy.stats import qmc
    if skip is None:
        skip = default_skip(N)
    eng = qmc.Sobol(d=2 * D, scramble=False)
    if skip:
        eng.fast_forward(skip)
    base = eng.random(N)
    A, B = base[:, :D], base[:, D:]
    rows = [A]
    for i in range(D):
        ab = A.copy()
        ab[:, i] = B[:, i]
        rows.append(ab)
    if second_order:
        for i in range(D):
            ba = B.copy()
            ba[:, i] = A[:, i]
            rows.append(ba)
    rows.append(B)
    step = len(rows)
    return np.stack(rows, axis=1).reshape(N * step, D)


def morris_unit(D, trajectories, levels, seed=0):
    """Morris trajectories: D+1 points each, one coordinate moving by
    +-delta per step, delta = levels / (2 (levels - 1))."""
    rng = np.random.default_rng(seed)
    delta = levels / (2.0 * (levels - 1))
    out = np.zeros((trajectories, D + 1, D))
    for t in range(trajectories):
        x = rng.integers(levels, size=D) / (levels - 1.0)
        out[t, 0] = x
        for s, i in enumerate(rng.permutation(D)):
            x = x.copy()
            x[i] = x[i] + delta if x[i] + delta <= 1 + 1e-12 else x[i] - delta
            out[t, s + 1] = x
    return out.reshape(trajectories * (D + 1), D)


def design_roles(design_type, D, points, design_attrs):
    """Per point (block, role) of a sobol or morris design, from the layout
    docs/output-format.md documents: a Saltelli block of D + 2 (2D + 2 with
    second_order) points A, AB_1..AB_D, [BA_1..BA_D,] B, or a Morris
    trajectory of D + 1 steps, the points of a block consecutive.  None for
    other designs, which have no blocks."""
    if design_type == "sobol":
        size = 2 * D + 2 if design_attrs.get("second_order") else D + 2
    elif design_type == "morris":
        size = D + 1
    else:
        return None
    p = np.arange(points)
    return p // size, p % size


# -- models --------------------------------------------------------------------

def ishigami(X, a=ISHIGAMI_A, b=ISHIGAMI_B, t=1.0):
    x1, x2, x3 = X[..., 0], X[..., 1], X[..., 2]
    return np.sin(x1) + a * t * np.sin(x2) ** 2 + b * x3 ** 4 * np.sin(x1)


def ishigami_exact(a=ISHIGAMI_A, b=ISHIGAMI_B):
    """Exact S1, ST, S2 of (x1, x3) for Ishigami."""
    pi = math.pi
    V1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
    V2 = a ** 2 / 8
    V13 = 8 * b ** 2 * pi ** 8 / 225
    V = V1 + V2 + V13
    return {"S1": np.array([V1, V2, 0.0]) / V,
            "ST": np.array([V1 + V13, V2, V13]) / V,
            "S13": V13 / V}


def sobol_g(X, a):
    a = np.asarray(a, dtype=float)
    return np.prod((np.abs(4 * X - 2) + a) / (1 + a), axis=-1)


def sobol_g_exact(a):
    a = np.asarray(a, dtype=float)
    Vi = 1.0 / (3 * (1 + a) ** 2)
    V = np.prod(1 + Vi) - 1
    ST = np.array([Vi[i] * np.prod(np.delete(1 + Vi, i)) for i in range(len(a))]) / V
    return {"S1": Vi / V, "ST": ST}


# -- the file ------------------------------------------------------------------

def write_result(path, *, model, design_type, names, lower, upper, unit, params,
                 replicates=1, units=None, kinds=None, scales=None, choices=None,
                 design_attrs=None, status=None, messages=None, summary=None,
                 timeseries=None, time=None, time_units="d", snapshots=None,
                 sweep_name="synthetic", seed=42, points=None, roles=True,
                 attempts=None, wall_seconds=None, format_version=None, sweep_extra=None):
    """Write a result file.  unit/params are per *point* (points x D); runs
    are point * replicates + replicate.  summary: {name: (values (runs,),
    units, description)}; timeseries: {name: (values (runs, T), units,
    description)}; snapshots: [{run, index, time, arrays: {name: array}}].
    With no parameters (names == [], a sweep with "parameters": []) give
    points; the file is then what sendrift writes: /design/params and
    /design/unit of shape (runs, 0), and the attributes names, units, kinds,
    scales, lower, upper with a NULL dataspace (h5py.Empty).
    roles: for sobol and morris designs, /design/block and /design/role as
    sendrift writes them (True: from the documented layout, point = block *
    block size + role), none (False: a file of format_version 1, from
    before sendrift wrote them), or per point (block, role) arrays of one's
    own.  The file has format_version 2, or 1 with roles False; or with
    format_version=3 the netCDF-4 compatible layout: /runs/status a uint8
    with flag_values and flag_meanings instead of an enum, /runs/message a
    character array (runs x 256 of single bytes), a root /run coordinate
    (a dimension scale of the run ids) and long_name attributes.
    attempts, wall_seconds: per run (default 1 for a run that ran, 0 for a
    PENDING one; 0.01 s for a DONE run, NaN else).
    sweep_extra: keys merged into the sweep file stored in sweep_text (e.g.
    {"streams": "paired"}, or a "model" with its "params")."""
    D = len(names)
    if D == 0:
        unit = np.zeros((int(points or 1), 0))
        params = np.zeros((int(points or 1), 0))
    else:
        unit = np.asarray(unit, dtype=float).reshape(-1, D)
        params = np.asarray(params, dtype=float).reshape(-1, D)
    points = unit.shape[0]
    runs = points * replicates
    run_point = np.repeat(np.arange(points), replicates)
    run_rep = np.tile(np.arange(replicates), points)
    if status is None:
        status = np.full(runs, DONE, dtype=np.uint8)
    status = np.asarray(status, dtype=np.uint8)
    str_t = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as f:
        sweep = {"name": sweep_name, "model": {"name": model}, "seed": seed,
                 "design": {"type": design_type}}
        sweep.update(sweep_extra or {})
        for k, v in [("format", "sendrift-results"), ("sendrift_version", "0.1.0"),
                     ("git_commit", "synthetic"), ("sweep_text", json.dumps(sweep)),
                     ("sweep_source", "sweeps/synthetic.json"), ("sweep_name", sweep_name),
                     ("model", model), ("mpi_version", "none"), ("hdf5_version", h5py.version.hdf5_version),
                     ("created", "2025-01-01T00:00:00Z"), ("design_digest", "0" * 16)]:
            f.attrs[k] = v
        # as sendrift: version 2 writes the roles, a file without them is older
        if format_version is None:
            format_version = 1 if roles is False else 2
        f.attrs["format_version"] = np.int32(format_version)
        v3 = format_version >= 3
        if v3:
            rc = f.create_dataset("run", data=np.arange(runs, dtype=np.uint64))
            rc.attrs["long_name"] = "run id"
            rc.make_scale("run")
        f.attrs["seed"] = np.uint64(seed)

        g = f.create_group("design")
        g.attrs["type"] = design_type
        g.attrs["dim"] = np.uint64(D)
        g.attrs["points"] = np.uint64(points)
        g.attrs["replicates"] = np.uint64(replicates)
        g.attrs["runs"] = np.uint64(runs)
        for k, v in (design_attrs or {}).items():
            g.attrs[k] = np.uint64(v)
        ds = g.create_dataset("params", data=params[run_point])
        if D == 0:      # as sendrift: H5S_NULL attributes, which h5py reads as Empty
            for k in ("names", "units", "kinds", "scales"):
                ds.attrs.create(k, h5py.Empty(str_t), dtype=str_t)
            for k in ("lower", "upper"):
                ds.attrs.create(k, h5py.Empty("<f8"), dtype="<f8")
        else:
            ds.attrs["names"] = list(names)
            ds.attrs["units"] = list(units or ["1"] * D)
            ds.attrs["kinds"] = list(kinds or ["range"] * D)
            ds.attrs["scales"] = list(scales or ["lin"] * D)
            ds.attrs["lower"] = np.asarray(lower, dtype=float)
            ds.attrs["upper"] = np.asarray(upper, dtype=float)
        ds.attrs["description"] = "parameter vector of each run"
        ds = g.create_dataset("unit", data=unit[run_point])
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "unit-cube coordinates of each run's point"
        ds = g.create_dataset("point", data=run_point.astype(np.uint64))
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "design point of each run"
        ds = g.create_dataset("replicate", data=run_rep.astype(np.uint64))
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "replicate of each run"
        if roles is True:
            roles = design_roles(design_type, D, points, design_attrs or {})
        if roles is not None and roles is not False:
            for k, v, what in zip(("block", "role"), roles, (
                    "the block of each run's point: Saltelli base point or Morris trajectory",
                    "the role of each run's point in its block: sobol 0 = A, k = AB_k, "
                    "D + k = BA_k, last = B; morris the step")):
                ds = g.create_dataset(k, data=np.asarray(v, dtype=np.uint64)[run_point])
                ds.attrs["units"] = "1"
                ds.attrs["description"] = what
        if choices:
            cg = g.create_group("choices")
            for k, v in choices.items():
                cds = cg.create_dataset(k, data=np.array(v, dtype=object), dtype=str_t)
                cds.attrs["units"] = "1"
                cds.attrs["description"] = "choices of %s" % k

        r = f.create_group("runs")
        if v3:
            ds = r.create_dataset("status", data=status, dtype=np.uint8)
            ds.attrs["flag_values"] = np.array([PENDING, DONE, FAILED], dtype=np.uint8)
            ds.attrs["flag_meanings"] = "PENDING DONE FAILED"
            ds.attrs["long_name"] = "run status"
        else:
            ds = r.create_dataset("status", data=status, dtype=STATUS_ENUM)
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "run status"
        msg = np.zeros(runs, dtype="S256")
        for i, m in (messages or {}).items():
            msg[i] = m.encode()
        if v3:      # a netCDF character array: runs x 256 single bytes
            msg = msg.view("S1").reshape(runs, 256)
        ds = r.create_dataset("message", data=msg)
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "why a run failed"
        if wall_seconds is None:
            wall_seconds = np.where(status == DONE, 0.01, np.nan)
        ds = r.create_dataset("wall_seconds", data=np.asarray(wall_seconds, dtype=float))
        ds.attrs["units"] = "s"
        ds.attrs["description"] = "wall-clock time"
        ds = r.create_dataset("group", data=np.zeros(runs, dtype=np.int32))
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "worker group"
        if attempts is None:
            attempts = (status != PENDING).astype(np.uint32)
        ds = r.create_dataset("attempts", data=np.asarray(attempts, dtype=np.uint32))
        ds.attrs["units"] = "1"
        ds.attrs["description"] = "how often the run was tried"
        if v3:
            for k in r:
                r[k].attrs["long_name"] = r[k].attrs["description"]
                r[k].dims[0].attach_scale(f["run"])

        notdone = status != DONE
        tsg = f.create_group("timeseries")
        tm = np.asarray(time if time is not None else [], dtype=float)
        tds = tsg.create_dataset("time", data=tm)
        tds.attrs["units"] = time_units
        tds.attrs["description"] = "output times"
        if tm.size:
            tds.make_scale("time")
        for k, (v, u, d) in (timeseries or {}).items():
            v = np.array(v, dtype=float)
            v[notdone] = np.nan
            ds = tsg.create_dataset(k, data=v)
            ds.attrs["units"] = u
            ds.attrs["description"] = d
            ds.dims[1].attach_scale(tds)
        sg = f.create_group("summary")
        for k, (v, u, d) in (summary or {}).items():
            v = np.array(v, dtype=float)
            v[notdone] = np.nan
            ds = sg.create_dataset(k, data=v)
            ds.attrs["units"] = u
            ds.attrs["description"] = d
            if v3:
                ds.attrs["long_name"] = d
                ds.dims[0].attach_scale(f["run"])
        if snapshots:
            sn = f.create_group("snapshots")
            for s in snapshots:
                tg = sn.require_group("run_%d" % s["run"]).create_group("t_%d" % s["index"])
                tg.attrs["time"] = float(s["time"])
                tg.attrs["run"] = np.uint64(s["run"])
                for k, a in s["arrays"].items():
                    ds = tg.create_dataset(k, data=a)
                    ds.attrs["units"] = "1"
                    ds.attrs["description"] = k
    return path


# -- ready-made files ------------------------------------------------------------

def ishigami_file(path, N=2 ** 13, second_order=True, n_times=11, replicates=1,
                  failed_points=(), pending_points=(), skip=None, **extra):
    """The Ishigami function on a Saltelli design (extra: write_result's
    options, e.g. format_version)."""
    D = 3
    skip = default_skip(N) if skip is None else skip
    U = saltelli_unit(D, N, second_order, skip)
    lo, hi = -math.pi, math.pi
    X = lo + U * (hi - lo)
    times = np.linspace(0.0, 1.0, n_times)
    yp = ishigami(X)
    ysp = np.stack([ishigami(X, t=t) for t in times], axis=1)
    runs = len(U) * replicates
    status = np.full(runs, DONE, dtype=np.uint8)
    messages = {}
    for p in failed_points:
        status[p * replicates] = FAILED
        messages[p * replicates] = "synthetic failure at point %d" % p
    for p in pending_points:
        status[p * replicates] = PENDING
    rp = np.repeat(np.arange(len(U)), replicates)
    return write_result(
        path, model="ishigami", design_type="sobol", names=["x1", "x2", "x3"],
        lower=[lo] * 3, upper=[hi] * 3, unit=U, params=X, replicates=replicates,
        design_attrs={"samples": N, "second_order": int(second_order), "skip": skip},
        status=status, messages=messages, time=times, time_units="1",
        summary={"y": (yp[rp], "1", "Ishigami function (a, b as given) at t = 1")},
        timeseries={"y": (ysp[rp], "1", "Ishigami function with a scaled by t")}, **extra)


def sobol_g_file(path, a, N=2 ** 12, second_order=False):
    D = len(a)
    U = saltelli_unit(D, N, second_order)
    return write_result(
        path, model="sobol_g", design_type="sobol",
        names=["x%d" % (i + 1) for i in range(D)], lower=[0.0] * D, upper=[1.0] * D,
        unit=U, params=U, design_attrs={"samples": N, "second_order": int(second_order),
                                        "skip": default_skip(N)},
        summary={"y": (sobol_g(U, a), "1", "Sobol g function")}, time=[])


def morris_file(path, func, lower, upper, trajectories=20, levels=4, seed=0,
                names=None, failed_points=(), n_times=0, **extra):
    """func on Morris trajectories (extra: write_result's options)."""
    D = len(lower)
    U = morris_unit(D, trajectories, levels, seed)
    lo, hi = np.asarray(lower, float), np.asarray(upper, float)
    X = lo + U * (hi - lo)
    status = np.full(len(U), DONE, dtype=np.uint8)
    for p in failed_points:
        status[p] = FAILED
    ts = None
    times = []
    if n_times:
        times = np.linspace(0, 1, n_times)
        ts = {"y": (func(X)[:, None] * times[None, :], "1", "y scaled by t")}
    return write_result(
        path, model="testfunc", design_type="morris",
        names=names or ["x%d" % (i + 1) for i in range(D)], lower=lo, upper=hi,
        unit=U, params=X, design_attrs={"trajectories": trajectories, "levels": levels},
        status=status, summary={"y": (func(X), "1", "test function")},
        timeseries=ts, time=times, time_units="1", **extra)


DRIFT_SERIES = [
    ("frac_normal", "1", "fraction of sites NORMAL"),
    ("frac_senescent", "1", "fraction of sites SENESCENT"),
    ("frac_empty", "1", "fraction of sites EMPTY"),
    ("mean_epi", "1", "mean epigenetic age"),
    ("mean_ecm", "1", "mean matrix integrity"),
    ("mean_S", "1", "mean SASP load"),
    ("mean_E", "1", "mean EV load"),
    ("function_F", "1", "tissue function index F"),
    ("ind_intrinsic", "1", "intrinsic inductions so far"),
    ("ind_sasp", "1", "SASP inductions so far"),
    ("ind_ev", "1", "EV inductions so far"),
    ("ind_tox", "1", "toxicity inductions so far"),
    ("clearances", "1", "clearances so far"),
    ("rejuvenations", "1", "rejuvenations so far"),
    ("front_radius", "um", "drift front radius"),
]
DRIFT_SUMMARY = [
    ("final_frac_normal", "1", "final fraction NORMAL"),
    ("final_frac_senescent", "1", "final fraction SENESCENT"),
    ("final_frac_empty", "1", "final fraction EMPTY"),
    ("final_mean_epi", "1", "final mean epi"),
    ("final_mean_ecm", "1", "final mean ecm"),
    ("final_F", "1", "final function F"),
    ("peak_frac_senescent", "1", "peak senescent fraction"),
    ("auc_frac_senescent", "d", "area under the senescent fraction curve"),
    ("time_F_below_half", "d", "time F first drops below 0.5 (NaN if never)"),
    ("drift_speed", "um/d", "slope of the front radius"),
    ("ev_share", "1", "share of inductions due to EVs"),
]


def drift_file(path, design_type="grid", L_E=(10.0, 30.0, 60.0, 120.0),
               psi=(1.0, 2.0, 4.0, 8.0), replicates=3, n_times=37, tmax=360.0,
               seed=0, failed_runs=(), snapshots=True, three_d=False, N=32, pending_runs=(),
               **extra):
    """A drift-model-shaped file on a grid over (L_E, psi) (or a Sobol design
    over (L_E, psi, k_E) with N blocks), its numbers from a simple
    closed-form stand-in: the front advances at a speed that grows with the
    EV range and affinity (no simulation; for testing figures only).
    extra: write_result's options (format_version, attempts, ...)."""
    rng = np.random.default_rng(seed)
    if design_type == "grid":
        names = ["L_E", "psi"]
        units = ["um", "1"]
        gl, gp = np.meshgrid(np.arange(len(L_E)), np.arange(len(psi)), indexing="ij")
        Ugrid = np.stack([gl.ravel() / len(L_E), gp.ravel() / len(psi)], axis=1)
        X = np.stack([np.asarray(L_E)[gl.ravel()], np.asarray(psi)[gp.ravel()]], axis=1)
        lower, upper = [min(L_E), min(psi)], [max(L_E), max(psi)]
        kinds, scales = ["values", "values"], ["", ""]
        dattrs = {}
        U = Ugrid
        choices = None
    else:
        names = ["L_E", "psi", "tissue"]
        units = ["um", "1", ""]
        U = saltelli_unit(3, N, False)
        lower, upper = [10.0, 1.0, 0.0], [120.0, 8.0, 3.0]
        X = np.empty_like(U)
        X[:, 0] = lower[0] * (upper[0] / lower[0]) ** U[:, 0]
        X[:, 1] = 1.0 + 7.0 * U[:, 1]
        X[:, 2] = np.floor(U[:, 2] * 4)
        kinds, scales = ["range", "range", "choices"], ["log", "lin", ""]
        dattrs = {"samples": N, "second_order": 0, "skip": default_skip(N)}
        choices = {"tissue": ["cartilage", "bone", "muscle", "disc"]}
    points = len(U)
    runs = points * replicates
    rp = np.repeat(np.arange(points), replicates)
    Xr = X[rp]
    t = np.linspace(0.0, tmax, n_times)
    speed = 0.6 * (Xr[:, 0] / 60.0) * (Xr[:, 1] / 4.0) - 0.15 + rng.normal(0, 0.03, runs)
    speed = np.maximum(speed, 0.0)
    r0 = 50.0
    front = r0 + speed[:, None] * t[None, :] + rng.normal(0, 2.0, (runs, n_times))
    front = np.maximum(front, 0)
    area = 640.0 * 640.0
    f0 = 0.01
    fs = np.clip(f0 + math.pi * front ** 2 / area * 0.5, 0, 1)
    fe = 0.02 * (1 - np.exp(-t / 100.0))[None, :] * np.ones((runs, 1))
    fn = 1 - fs - fe
    epi = 0.2 + 0.1 * t[None, :] / tmax + 0 * fs
    ecm = 1 - 0.5 * fs
    S = fs * 0.9
    E = fs * 0.7
    F = fn * ecm
    ind = np.cumsum(np.ones((runs, n_times)), axis=1)
    ev_share = np.clip(0.3 + 0.1 * Xr[:, 1] / 8 + rng.normal(0, 0.02, runs), 0, 1)
    series = {"frac_normal": fn, "frac_senescent": fs, "frac_empty": fe, "mean_epi": epi,
              "mean_ecm": ecm, "mean_S": S, "mean_E": E, "function_F": F,
              "ind_intrinsic": ind, "ind_sasp": 2 * ind, "ind_ev": 3 * ind,
              "ind_tox": 0 * ind, "clearances": ind, "rejuvenations": 0 * ind,
              "front_radius": front}
    below = np.where((F < 0.5).any(axis=1), t[np.argmax(F < 0.5, axis=1)], np.nan)
    summ = {"final_frac_normal": fn[:, -1], "final_frac_senescent": fs[:, -1],
            "final_frac_empty": fe[:, -1], "final_mean_epi": epi[:, -1],
            "final_mean_ecm": ecm[:, -1], "final_F": F[:, -1],
            "peak_frac_senescent": fs.max(axis=1),
            "auc_frac_senescent": np.trapz(fs, t, axis=1),
            "time_F_below_half": below, "drift_speed": speed, "ev_share": ev_share}
    status = np.full(runs, DONE, dtype=np.uint8)
    messages = {}
    for i in failed_runs:
        status[i] = FAILED
        messages[i] = "solver did not converge (synthetic)"
    status[list(pending_runs)] = PENDING
    snaps = []
    if snapshots:
        shape = (5, 48, 64) if three_d else (48, 64)
        for run in (0, runs - 1):
            for k in (0, n_times - 1):
                zz, yy, xx = np.meshgrid(*(np.arange(n) for n in ((1,) + shape if not three_d else shape)),
                                         indexing="ij")
                rr = np.hypot(xx - shape[-1] / 2, yy - shape[-2] / 2) * 10.0
                rad = front[run, k]
                kind = np.where(rr < rad, 2, 1).astype(np.uint8)
                kind[(rng.random(kind.shape) < 0.03)] = 0
                kind = kind.reshape(shape)
                field = np.exp(-np.maximum(rr - rad, 0) / 50.0).reshape(shape)
                snaps.append({"run": run, "index": k, "time": t[k],
                              "arrays": {"kind": kind, "epi": 0.2 + 0.3 * field,
                                         "ecm": 1 - 0.4 * field, "S": 0.8 * field,
                                         "E": np.exp(-np.maximum(rr - rad, 0) / 15.0).reshape(shape)}})
    return write_result(
        path, model="drift", design_type=design_type, names=names, lower=lower,
        upper=upper, unit=U, params=X, replicates=replicates, units=units, kinds=kinds,
        scales=scales, choices=choices, design_attrs=dattrs, status=status,
        messages=messages, time=t, time_units="d",
        summary={k: (summ[k], u, d) for k, u, d in DRIFT_SUMMARY},
        timeseries={k: (series[k], u, d) for k, u, d in DRIFT_SERIES},
        snapshots=snaps, sweep_name="drift-synthetic", **extra)


def defaults_file(path, model="drift", replicates=3, points=1, n_times=11, tmax=10.0,
                  seed=0, failed_runs=(), snapshots=True):
    """A sweep with "parameters": [] (replicates of the model's defaults),
    laid out as sendrift writes it (write_result with names=[]).  model
    "drift": the drift model's metrics, from a noisy closed form; model
    "null": sendrift's null model's (summary 'sum', time series 'value')."""
    rng = np.random.default_rng(seed)
    runs = points * replicates
    t = np.linspace(0.0, tmax, n_times)
    status = np.full(runs, DONE, dtype=np.uint8)
    messages = {}
    for i in failed_runs:
        status[i] = FAILED
        messages[i] = "synthetic failure of run %d" % i
    snaps = []
    if model == "null":
        value = np.cumsum(rng.normal(1.0, 0.1, (runs, n_times)), axis=1)
        summ = {"sum": (value.sum(axis=1), "1", "sum of value over the outputs")}
        series = {"value": (value, "1", "a value per output")}
    else:
        speed = np.maximum(0.3 + rng.normal(0, 0.05, runs), 0)
        front = 20.0 + speed[:, None] * t[None, :] + rng.normal(0, 0.5, (runs, n_times))
        fs = np.clip(0.01 + math.pi * front ** 2 / 160.0 ** 2 * 0.5, 0, 1)
        fe = 0.01 * (1 - np.exp(-t / 5.0))[None, :] * np.ones((runs, 1))
        fn = 1 - fs - fe
        ecm = 1 - 0.5 * fs
        F = fn * ecm
        ind = np.cumsum(np.ones((runs, n_times)), axis=1)
        v = {"frac_normal": fn, "frac_senescent": fs, "frac_empty": fe,
             "mean_epi": 0.2 + 0.01 * t[None, :] + 0 * fs, "mean_ecm": ecm,
             "mean_S": 0.9 * fs, "mean_E": 0.7 * fs, "function_F": F, "ind_intrinsic": ind,
             "ind_sasp": 2 * ind, "ind_ev": 3 * ind, "ind_tox": 0 * ind, "clearances": ind,
             "rejuvenations": 0 * ind, "front_radius": front}
        series = {k: (v[k], u, d) for k, u, d in DRIFT_SERIES}
        sv = {"final_frac_normal": fn[:, -1], "final_frac_senescent": fs[:, -1],
              "final_frac_empty": fe[:, -1], "final_mean_epi": v["mean_epi"][:, -1],
              "final_mean_ecm": ecm[:, -1], "final_F": F[:, -1],
              "peak_frac_senescent": fs.max(axis=1),
              "auc_frac_senescent": np.trapz(fs, t, axis=1),
              "time_F_below_half": np.full(runs, np.nan), "drift_speed": speed,
              "ev_share": np.clip(0.4 + rng.normal(0, 0.02, runs), 0, 1)}
        summ = {k: (sv[k], u, d) for k, u, d in DRIFT_SUMMARY}
        if snapshots:
            yy, xx = np.meshgrid(np.arange(16), np.arange(16), indexing="ij")
            rr = np.hypot(xx - 8, yy - 8) * 10.0
            for k in (0, n_times - 1):
                kind = np.where(rr < front[0, k], 2, 1).astype(np.uint8)
                field = np.exp(-np.maximum(rr - front[0, k], 0) / 50.0)
                snaps.append({"run": 0, "index": k, "time": t[k],
                              "arrays": {"kind": kind, "epi": 0.2 + 0.3 * field,
                                         "ecm": 1 - 0.4 * field, "S": 0.8 * field,
                                         "E": 0.5 * field}})
    return write_result(
        path, model=model, design_type="grid", names=[], lower=[], upper=[], unit=None,
        params=None, points=points, replicates=replicates, status=status,
        messages=messages, time=t, time_units="d", summary=summ, timeseries=series,
        snapshots=snaps, sweep_name="defaults-%s" % model)
