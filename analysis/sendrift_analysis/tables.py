"""A result file as one table (pandas) or one labelled dataset (xarray).

    import sendrift_analysis as sa
    with sa.open("results.h5") as res:
        df = res.to_dataframe(status="DONE")     # one row per run
        ds = res.to_xarray()                     # dims run, time, param

Both follow the failed-run policy of results.py: a metric of a run that is
not DONE is NaN (the file holds NaN rows for unfinished runs; a failed
run's partial numbers are never data), while the run itself stays in the
table with its status, attempts and wall time, so that failures can be
counted and studied.

pandas and xarray are optional: they are imported only here, when asked
for, and a missing one is said in one line that names the package.

Names: the fixed columns come first (RUN_COLUMNS); a parameter, time series
or summary metric keeps its own name unless that is taken (by a fixed
column or variable, a coordinate, a parameter, or in to_xarray a time
series), when it gets the prefix "param_", "series_" or "summary_" (the
Ishigami file's summary "y" beside its time series "y" becomes
"summary_y" in the dataset).
"""

import numpy as np

from .results import ResultError

# The columns of every table, in order, before the parameters and metrics.
RUN_COLUMNS = ("run", "point", "replicate", "status", "attempts", "wall_seconds", "message")
# What each status code means, in code order (CF flag_values/flag_meanings).
STATUS_FLAGS = ("PENDING", "DONE", "FAILED")


def _need(module, what):
    """Import an optional package, or say which one is missing and why."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ResultError("%s needs the Python package '%s', which %s cannot import (%s); "
                          "install it (Debian: apt-get install python3-%s; pip: pip install "
                          "'sendrift-analysis[%s]')" % (what, module, _python(), e, module,
                                                        module)) from None


def _python():
    import sys
    return sys.executable or "this python"


def _unique(name, taken, prefix):
    """name, or prefix + name when name is taken; recorded as taken."""
    out = name if name not in taken else prefix + name
    if out in taken:
        raise ResultError("the name '%s' occurs twice even as '%s'" % (name, out))
    taken.add(out)
    return out


def status_filter(rf, status):
    """Boolean mask of the runs whose status is one of `status` (a name or
    names, any case; None: every run)."""
    if status is None:
        return np.ones(rf.runs, dtype=bool)
    want = [status] if isinstance(status, str) else list(status)
    codes = rf.status_codes
    sel = []
    for w in want:
        if not isinstance(w, str) or w.upper() not in codes:
            raise ResultError("status %r is not one of %s (in %s)"
                              % (w, ", ".join(sorted(codes, key=codes.get)), rf.path))
        sel.append(codes[w.upper()])
    return np.isin(rf.status_raw, sel)


def _param_columns(rf, sel, pd, taken):
    """[(column name, values)] of the swept parameters: numbers, or for a
    categorical parameter a pandas Categorical of its choice strings."""
    cols = []
    for i, p in enumerate(rf.params):
        x = rf.X[sel, i]
        if p.categorical:
            idx = np.rint(x).astype(np.int64)
            if idx.size and (idx.min() < 0 or idx.max() >= len(p.choices)):
                bad = int(idx[(idx < 0) | (idx >= len(p.choices))][0])
                raise ResultError("%s: parameter '%s' has choice index %d beyond its %d "
                                  "choices" % (rf.path, p.name, bad, len(p.choices)))
            x = pd.Categorical.from_codes(idx, categories=list(p.choices))
        cols.append((_unique(p.name, taken, "param_"), x))
    return cols


def to_dataframe(rf, status=None):
    """One tidy row per run (or per run whose status is in `status`):
    run, point, replicate, status (a categorical of the names PENDING, DONE,
    FAILED), attempts (<NA> where the file does not record it), wall_seconds,
    message, then every swept parameter by name (a categorical parameter as
    its choice string), then every summary metric (NaN where the run is not
    DONE).  The metrics' units and descriptions are in df.attrs["units"]
    and df.attrs["descriptions"]."""
    pd = _need("pandas", "to_dataframe()")
    sel = status_filter(rf, status)
    names = rf.status_names()
    order = sorted(rf.status_codes, key=rf.status_codes.get)
    order += sorted(set(names) - set(order))
    n = int(sel.sum())
    cols = [("run", np.flatnonzero(sel).astype(np.int64)),
            ("point", rf.point[sel]),
            ("replicate", rf.replicate[sel]),
            ("status", pd.Categorical(names[sel], categories=order)),
            ("attempts", pd.array(rf.attempts[sel], dtype="Int64") if rf.attempts is not None
             else pd.array([None] * n, dtype="Int64")),
            ("wall_seconds", rf.wall_seconds[sel] if rf.wall_seconds is not None
             else np.full(n, np.nan)),
            ("message", np.asarray(rf.messages, dtype=object)[sel] if rf.messages is not None
             else np.full(n, "", dtype=object))]
    taken = set(RUN_COLUMNS)
    cols += _param_columns(rf, sel, pd, taken)
    units, desc = {}, {}
    for p in rf.params:
        units[p.name] = "" if p.categorical else p.unit
    for m in rf.summary_names():
        c = _unique(m, taken, "summary_")
        cols.append((c, rf.summary(m)[sel]))
        info = rf.metric_info(m)
        units[c], desc[c] = info["units"], info["description"]
    df = pd.DataFrame(dict(cols), columns=[c for c, _ in cols])
    df.attrs["units"] = units
    df.attrs["descriptions"] = desc
    df.attrs["file"] = rf.path
    return df


def _var_attrs(info):
    return {"units": info["units"], "long_name": info["description"] or "",
            "description": info["description"]}


def to_xarray(rf):
    """An xarray.Dataset of the whole file: coordinates run (the run ids),
    time (the output times, with their units) and param (the swept
    parameters' names, with param_units, param_kind, param_scale,
    param_lower and param_upper along it); per run point, replicate, status
    (uint8 with CF flag_values / flag_meanings), attempts (where the file
    has it), wall_seconds and message; params (run, param) the parameter
    values (a categorical parameter's choice index; its choices are the
    attribute choices_<name> of params), and unit (run, param) where the
    file has it; every time series as (run, time) and every summary metric
    as (run,), NaN where the run is not DONE; the file's metadata and
    design as attributes."""
    xr = _need("xarray", "to_xarray()")
    runs, D = rf.runs, rf.dim
    names = rf.param_names
    coords = {
        "run": ("run", np.arange(runs, dtype=np.int64), {"long_name": "run id"}),
        "time": ("time", rf.time, {"units": rf.time_units, "long_name": "output time"}),
        "param": ("param", np.asarray(names, dtype=object), {"long_name": "swept parameter"}),
        "param_units": ("param", np.asarray([p.unit for p in rf.params], dtype=object)),
        "param_kind": ("param", np.asarray([p.kind for p in rf.params], dtype=object)),
        "param_scale": ("param", np.asarray([p.scale for p in rf.params], dtype=object)),
        "param_lower": ("param", np.asarray([p.lower for p in rf.params], dtype=float)),
        "param_upper": ("param", np.asarray([p.upper for p in rf.params], dtype=float)),
    }
    codes = rf.status_codes
    order = sorted(codes, key=codes.get)
    data = {
        "point": ("run", rf.point, {"long_name": "design point of each run"}),
        "replicate": ("run", rf.replicate, {"long_name": "replicate of each run"}),
        "status": ("run", rf.status_raw.astype(np.uint8),
                   {"long_name": "run status",
                    "flag_values": np.asarray([codes[k] for k in order], dtype=np.uint8),
                    "flag_meanings": " ".join(order)}),
    }
    if rf.attempts is not None:
        data["attempts"] = ("run", rf.attempts, {"long_name": "how often the run was tried"})
    if rf.wall_seconds is not None:
        data["wall_seconds"] = ("run", rf.wall_seconds,
                                {"units": "s", "long_name": "the run's wall-clock time"})
    if rf.messages is not None:
        data["message"] = ("run", np.asarray(rf.messages, dtype=object),
                           {"long_name": "why a run failed"})
    pattrs = {"long_name": "parameter value of each run (a categorical parameter: the "
                           "index of its choice)"}
    for p in rf.params:
        if p.categorical:
            pattrs["choices_" + p.name] = list(p.choices)
    data["params"] = (("run", "param"), rf.X.reshape(runs, D), pattrs)
    if rf.U is not None:
        data["unit"] = (("run", "param"), rf.U.reshape(runs, D),
                        {"long_name": "unit-cube coordinates of each run's point"})
    taken = set(coords) | set(data)
    for m in rf.timeseries_names():
        taken.add(_unique(m, taken, "series_"))
        data[m] = (("run", "time"), rf.timeseries(m), _var_attrs(rf.metric_info(m, True)))
    for m in rf.summary_names():
        data[_unique(m, taken, "summary_")] = ("run", rf.summary(m),
                                               _var_attrs(rf.metric_info(m)))
    attrs = {"file": rf.path, "format_version": rf.format_version,
             "design_type": rf.dtype}
    for k, v in rf.meta.items():
        attrs[k] = v
    for k, v in rf.design.items():
        if isinstance(v, (int, float, str)) and not isinstance(v, bool):
            attrs["design_" + k] = v
    return xr.Dataset(data_vars=data, coords=coords, attrs=attrs)


def indices(rf, method, output, over_time=False, **kw):
    """Sobol indices or Morris statistics of one output, from sobol.py or
    morris.py: of the summary metric `output`, or with over_time=True of
    the time series `output` at every output time.  kw: num_resamples,
    conf_level, seed."""
    from . import morris, sobol
    mod = {"sobol": sobol, "morris": morris}[method]
    if rf.no_parameters or rf.dtype != method:
        why = rf.no_indices_reason() or ("design type is '%s', not '%s'" % (rf.dtype, method))
        raise ResultError("%s: %s() needs a '%s' design: %s" % (rf.path, method, method, why))
    if over_time:
        rf.metric_info(output, series=True)       # says which metrics there are
        return mod.analyze_timeseries(rf, output, **kw)
    rf.metric_info(output)
    return mod.analyze_summary(rf, output, **kw)
