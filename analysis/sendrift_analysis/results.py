"""Open a sendrift result file (layout: docs/output-format.md).

    with ResultFile("results.h5") as rf:
        rf.design["type"], rf.params, rf.completion()
        y = rf.summary("y")              # NaN where the run is not DONE
        ys = rf.timeseries("frac_senescent")
        ym, ok = rf.point_values(y)      # replicate mean per design point

The failed-run policy (see analysis/README.md) is applied here:

* A run counts only when its status is DONE.  FAILED and PENDING runs (and a
  finished run's NaN rows, which the file also holds for unfinished runs) are
  never read as data: summary() and timeseries() return NaN for them.
* A design point is *complete* when every one of its replicates is DONE; its
  response is the mean over those replicates.  An incomplete point has no
  response (NaN), so that replicate means never mix different numbers of
  replicates.
* A structured block (a Saltelli block, a Morris trajectory) with an
  incomplete point is dropped whole by sobol.py / morris.py, which report
  how many blocks were dropped and why.
"""

import os
import sys

import numpy as np

FORMAT_NAME = "sendrift-results"
# The newest format_version this reads (docs/output-format.md): 1; 2, which
# added /design/block and /design/role for sobol and morris designs; and 3,
# the netCDF-4 compatible layout, whose /runs/status is a uint8 with
# flag_values / flag_meanings instead of an HDF5 enum and whose strings
# may be character arrays.  This reader uses nothing that only 3 has.
FORMAT_VERSION = 3
ROLES_SINCE_VERSION = 2
STATUS_NAMES = ("PENDING", "DONE", "FAILED")
SENSITIVITY_DESIGNS = ("sobol", "morris")


class ResultError(Exception):
    """A problem with a result file or a request, for the user to fix."""


def _empty(v):
    """An attribute with a NULL dataspace (h5py.Empty): sendrift writes the
    per-parameter attributes of /design/params so when a sweep has no
    parameters ("parameters": [])."""
    try:
        import h5py
    except ImportError:  # pragma: no cover
        return False
    return isinstance(v, h5py.Empty)


def _str(v):
    if _empty(v):
        return ""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _str(v[()])
    return str(v)


def _strs(v, n=None):
    if v is None:
        return [""] * (n or 0)
    if _empty(v):
        return []
    if isinstance(v, (str, bytes)):
        v = [v]
    a = np.asarray(v)
    if a.ndim == 2 and a.dtype.kind in "Su" and a.dtype.itemsize == 1:
        # a netCDF character array: one row of single bytes per string,
        # NUL-padded (format_version 3 may store strings so)
        a = np.ascontiguousarray(a).view("S%d" % a.shape[1]).ravel()
        return [_str(x.split(b"\0", 1)[0]) for x in a]
    return [_str(x) for x in np.asarray(v, dtype=object).ravel()]


def _floats(v):
    """A 1-D float array of an attribute; an Empty one is empty."""
    if _empty(v):
        return np.zeros(0)
    return np.asarray(v, dtype=float).ravel()


def _num(v, default=None):
    if v is None or _empty(v):
        return default
    a = np.asarray(v)
    if a.size != 1:
        return default
    try:
        return a.item()
    except (TypeError, ValueError):
        return default


def over_time_info(rf, metric, tidx, total, used, dropped_unfinished):
    """What every over-time analysis returns beside its indices: the times,
    the parameter names, the metric and its units, and how many blocks
    (Saltelli blocks or Morris trajectories) were used and dropped."""
    return {
        "time": rf.time[tidx],
        "time_index": tidx,
        "time_units": rf.time_units,
        "names": rf.param_names,
        "metric": metric,
        "units": rf.metric_info(metric, series=True)["units"],
        "blocks": {"total": int(total), "used_per_time": used,
                   "dropped_unfinished": int(dropped_unfinished),
                   "dropped_nonfinite_per_time": (total - dropped_unfinished - used)},
    }


def _is_scale(ds):
    """Whether a dataset is an HDF5 dimension scale (a coordinate, such as
    the run axis a netCDF-4 compatible file may keep beside its metrics),
    not a metric."""
    import h5py
    return bool(h5py.h5ds.is_scale(ds.id))


def _status_codes(ds, path):
    """{name: code} of /runs/status: from its HDF5 enum type (format_version
    1 and 2), or from the CF attributes flag_values and flag_meanings of a
    plain integer (3), or sendrift's fixed codes when it has neither."""
    import h5py
    codes = {"PENDING": 0, "DONE": 1, "FAILED": 2}
    enum = h5py.check_enum_dtype(ds.dtype)
    if enum:
        codes = {str(k).upper(): int(v) for k, v in enum.items()}
    elif "flag_values" in ds.attrs and "flag_meanings" in ds.attrs:
        vals = np.asarray(ds.attrs["flag_values"]).ravel()
        names = _str(ds.attrs["flag_meanings"]).split()
        if len(vals) != len(names):
            raise ResultError("%s: /runs/status has %d flag_values but %d flag_meanings"
                              % (path, len(vals), len(names)))
        codes = {n.upper(): int(v) for n, v in zip(names, vals)}
    if "DONE" not in codes:
        raise ResultError("%s: /runs/status names no DONE status (%s)"
                          % (path, ", ".join(sorted(codes)) or "no names"))
    return codes


class Param:
    """One swept parameter: name, unit, kind (range/values/choices), scale
    (lin/log/""), lower, upper and, for a categorical parameter, choices."""

    def __init__(self, name, unit, kind, scale, lower, upper, choices=None):
        self.name = name
        self.unit = unit
        self.kind = kind
        self.scale = scale
        self.lower = lower
        self.upper = upper
        self.choices = choices

    @property
    def categorical(self):
        return self.choices is not None

    def label(self):
        """Axis label: name and unit, e.g. 'L_E (um)'."""
        if self.categorical or self.unit in ("", "1", None):
            return self.name
        return "%s (%s)" % (self.name, self.unit)

    def format_value(self, v):
        if self.categorical:
            i = int(round(v))
            if 0 <= i < len(self.choices):
                return self.choices[i]
            return str(i)
        return "%.4g" % v

    def __repr__(self):
        return "Param(%r, unit=%r, kind=%r, scale=%r, [%g, %g])" % (
            self.name, self.unit, self.kind, self.scale, self.lower, self.upper)


class ResultFile:
    """A sendrift result file opened read-only with h5py.

    The design arrays (params, unit, point, replicate, status) are read at
    open; metrics are read when asked for.
    """

    def __init__(self, path):
        try:
            import h5py
        except ImportError as e:  # pragma: no cover
            raise ResultError("h5py is not importable by %s (%s); use a python3 "
                              "with h5py, e.g. /usr/bin/python3" % (sys.executable, e))
        self.path = path
        if not os.path.exists(path):
            raise ResultError("%s: no such file" % path)
        if os.path.isdir(path):
            raise ResultError("%s: is a directory, not a result file" % path)
        try:
            self.h5 = h5py.File(path, "r")
        except OSError as e:
            raise ResultError("%s: not an HDF5 file, or unreadable (%s)" % (path, e))
        try:
            self._load()
        except ResultError:
            self.h5.close()
            raise
        except (KeyError, ValueError, TypeError, OSError) as e:
            self.h5.close()
            raise ResultError("%s: malformed sendrift result file: %s" % (path, e))

    # -- context manager -------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.h5.close()
        except Exception:  # pragma: no cover
            pass

    # -- loading ---------------------------------------------------------
    def _load(self):
        f = self.h5
        fmt = f.attrs.get("format")
        if fmt is None or _str(fmt) != FORMAT_NAME:
            raise ResultError("%s: not a sendrift result file (root attribute "
                              "'format' is %r, expected %r)"
                              % (self.path, None if fmt is None else _str(fmt), FORMAT_NAME))
        ver = _num(f.attrs.get("format_version"), None)
        if ver is None:
            raise ResultError("%s: no 'format_version' attribute" % self.path)
        if int(ver) > FORMAT_VERSION:
            raise ResultError("%s: format_version %d is newer than this tool reads (%d)"
                              % (self.path, int(ver), FORMAT_VERSION))
        self.format_version = int(ver)
        self.meta = {}
        for k in ("sendrift_version", "git_commit", "sweep_name", "sweep_source",
                  "model", "created", "mpi_version", "hdf5_version",
                  "design_digest", "sweep_text"):
            if k in f.attrs:
                self.meta[k] = _str(f.attrs[k])
        if "seed" in f.attrs:
            self.meta["seed"] = int(_num(f.attrs["seed"], 0))

        for grp in ("design", "runs"):
            if grp not in f:
                raise ResultError("%s: no /%s group" % (self.path, grp))
        g = f["design"]
        d = {}
        for k, v in g.attrs.items():
            if isinstance(v, (bytes, str)) or (isinstance(v, np.ndarray) and v.dtype.kind in "SOU"):
                d[k] = _str(v)
            else:
                d[k] = _num(v, v)
        for k in ("type", "dim", "points", "replicates", "runs"):
            if k not in d:
                raise ResultError("%s: /design has no attribute '%s'" % (self.path, k))
        for k in ("dim", "points", "replicates", "runs", "samples", "second_order",
                  "skip", "trajectories", "levels"):
            if k in d:
                d[k] = int(d[k])
        self.design = d
        D, runs = d["dim"], d["runs"]

        for name in ("params", "point", "replicate"):
            if name not in g:
                raise ResultError("%s: no /design/%s dataset" % (self.path, name))
        X = np.asarray(g["params"][...], dtype=float).reshape(runs, D) \
            if runs * D else np.zeros((runs, D))
        self.X = X
        self.U = (np.asarray(g["unit"][...], dtype=float).reshape(runs, D)
                  if "unit" in g else None)
        self.point = np.asarray(g["point"][...], dtype=np.int64)
        self.replicate = np.asarray(g["replicate"][...], dtype=np.int64)
        if len(self.point) != runs or len(self.replicate) != runs:
            raise ResultError("%s: /design/point or /design/replicate does not have "
                              "%d rows" % (self.path, runs))
        if runs and (self.point.min() < 0 or self.point.max() >= d["points"]):
            raise ResultError("%s: /design/point out of range 0..%d"
                              % (self.path, d["points"] - 1))
        # Where each run's point sits in the design's blocks (sobol and
        # morris designs; see point_blocks): both datasets or neither.
        self.block = self.role = None
        have = [k for k in ("block", "role") if k in g]
        if len(have) == 1:
            other = "role" if have == ["block"] else "block"
            raise ResultError("%s: /design/%s without /design/%s: the file is damaged"
                              % (self.path, have[0], other))
        if have:
            self.block = np.asarray(g["block"][...], dtype=np.uint64).ravel()
            self.role = np.asarray(g["role"][...], dtype=np.uint64).ravel()
            for k, v in (("block", self.block), ("role", self.role)):
                if len(v) != runs:
                    raise ResultError("%s: /design/%s has %d rows, /design says %d runs"
                                      % (self.path, k, len(v), runs))

        pa = g["params"].attrs
        names = _strs(pa.get("names"), D)
        if len(names) != D:
            raise ResultError("%s: /design/params has %d names for dim %d"
                              % (self.path, len(names), D))
        units = _strs(pa.get("units"), D) if "units" in pa else [""] * D
        kinds = _strs(pa.get("kinds"), D) if "kinds" in pa else ["range"] * D
        scales = _strs(pa.get("scales"), D) if "scales" in pa else ["lin"] * D
        lower = (_floats(pa["lower"]) if "lower" in pa
                 else (X.min(axis=0) if runs and D else np.zeros(D)))
        upper = (_floats(pa["upper"]) if "upper" in pa
                 else (X.max(axis=0) if runs and D else np.ones(D)))
        for k, v in (("units", units), ("kinds", kinds), ("scales", scales),
                     ("lower", lower), ("upper", upper)):
            if len(v) != D:
                raise ResultError("%s: /design/params has %d %s for dim %d"
                                  % (self.path, len(v), k, D))
        self.params = []
        for i in range(D):
            choices = None
            if "choices" in g and names[i] in g["choices"]:
                choices = _strs(g["choices"][names[i]][...])
            elif kinds[i] == "choices":
                n = int(upper[i]) + 1
                choices = [str(k) for k in range(n)]
            self.params.append(Param(names[i], units[i], kinds[i], scales[i],
                                     float(lower[i]), float(upper[i]), choices))

        r = f["runs"]
        if "status" not in r:
            raise ResultError("%s: no /runs/status dataset" % self.path)
        st = r["status"]
        self.status_codes = codes = _status_codes(st, self.path)
        s = np.asarray(st[...], dtype=np.int64)
        if len(s) != runs:
            raise ResultError("%s: /runs/status has %d rows, /design says %d runs"
                              % (self.path, len(s), runs))
        self.status_raw = s
        self.done = s == codes["DONE"]
        self.failed = s == codes.get("FAILED", -1)
        self.pending = ~(self.done | self.failed)
        self.messages = None
        if "message" in r:
            self.messages = _strs(r["message"][...])
            if len(self.messages) != runs:
                raise ResultError("%s: /runs/message has %d rows, /design says %d runs"
                                  % (self.path, len(self.messages), runs))
        self.wall_seconds = (np.asarray(r["wall_seconds"][...], dtype=float)
                             if "wall_seconds" in r else None)
        self.attempts = (np.asarray(r["attempts"][...], dtype=np.int64)
                         if "attempts" in r else None)

        # metrics
        self._summary = {}
        if "summary" in f:
            for k, ds in f["summary"].items():
                if (hasattr(ds, "shape") and ds.ndim == 1 and len(ds) == runs
                        and not _is_scale(ds)):
                    self._summary[k] = ds
        self._series = {}
        self.time = np.zeros(0)
        self.time_units = ""
        if "timeseries" in f:
            ts = f["timeseries"]
            if "time" in ts:
                self.time = np.asarray(ts["time"][...], dtype=float).ravel()
                self.time_units = _str(ts["time"].attrs.get("units", ""))
            T = len(self.time)
            for k, ds in ts.items():
                if k == "time" or not hasattr(ds, "shape") or _is_scale(ds):
                    continue
                if ds.ndim == 2 and ds.shape[0] == runs and ds.shape[1] == T and T > 0:
                    self._series[k] = ds

    # -- design ----------------------------------------------------------
    @property
    def dtype(self):
        return self.design["type"]

    @property
    def dim(self):
        return self.design["dim"]

    @property
    def runs(self):
        return self.design["runs"]

    @property
    def points(self):
        return self.design["points"]

    @property
    def replicates(self):
        return self.design["replicates"]

    @property
    def param_names(self):
        return [p.name for p in self.params]

    def param(self, name):
        for p in self.params:
            if p.name == name:
                return p
        raise ResultError("parameter '%s' is not swept in %s; swept parameters: %s"
                          % (name, self.path, ", ".join(self.param_names) or "(none)"))

    def param_index(self, name):
        self.param(name)
        return self.param_names.index(name)

    def point_params(self):
        """points x D parameter vectors (from the first run of each point)."""
        P = np.full((self.points, self.dim), np.nan)
        P[self.point[::-1]] = self.X[::-1]
        return P

    def point_unit(self):
        if self.U is None:
            return None
        P = np.full((self.points, self.dim), np.nan)
        P[self.point[::-1]] = self.U[::-1]
        return P

    def point_blocks(self, size):
        """The design's blocks as the file records them: an array (blocks,
        size) of design points whose row b holds block b's points and column
        r the point with role r in it (a Saltelli block's A, AB_i, BA_i, B;
        a Morris trajectory's steps).  sendrift writes each run's block and
        role in /design/block and /design/role for sobol and morris designs
        (format_version 2 on); the analysis reads them rather than knowing
        the layout.  Files of format_version 1 have neither dataset: their
        points follow the layout documented for that version, point = block
        * size + role, which is what they get here, so that results made
        before stay readable.  Raises ResultError when a newer file lacks
        the datasets or they do not make whole blocks of `size` distinct
        roles."""
        points = self.points
        if size < 1 or points % size:
            raise ResultError("%s: %d design points are not a whole number of blocks of %d"
                              % (self.path, points, size))
        n = points // size
        if self.block is None and self.format_version >= ROLES_SINCE_VERSION:
            raise ResultError("%s: no /design/block and /design/role dataset, which a %s design "
                              "of format_version %d must have: the file is damaged"
                              % (self.path, self.dtype, self.format_version))
        if self.block is None:
            p = np.arange(points)
            blk, role = p // size, p % size
        else:
            for k, v, top in (("block", self.block, n), ("role", self.role, size)):
                bad = np.flatnonzero(v >= np.uint64(top))
                if bad.size:
                    raise ResultError("%s: /design/%s is %d at run %d, beyond the %d %s%s of "
                                      "this design" % (self.path, k, v[bad[0]], bad[0], top, k,
                                                       "s" if top != 1 else ""))
            blk = np.full(points, -1, dtype=np.int64)
            role = np.full(points, -1, dtype=np.int64)
            blk[self.point] = self.block.astype(np.int64)
            role[self.point] = self.role.astype(np.int64)
            bad = np.flatnonzero((blk[self.point] != self.block.astype(np.int64))
                                 | (role[self.point] != self.role.astype(np.int64)))
            if bad.size:
                raise ResultError("%s: the runs of design point %d have different "
                                  "/design/block or /design/role"
                                  % (self.path, self.point[bad[0]]))
            if (blk < 0).any():
                raise ResultError("%s: design point %d has no run, so no /design/block and "
                                  "/design/role" % (self.path, np.flatnonzero(blk < 0)[0]))
        cell = blk * size + role
        count = np.bincount(cell, minlength=n * size)
        if (count != 1).any():
            c = int(np.flatnonzero(count != 1)[0])
            raise ResultError("%s: /design/block and /design/role give block %d %s of role %d"
                              % (self.path, c // size,
                                 "no point" if count[c] == 0 else "%d points" % count[c],
                                 c % size))
        idx = np.empty(n * size, dtype=np.int64)
        idx[cell] = np.arange(points)
        return idx.reshape(n, size)

    # -- completion --------------------------------------------------------
    def completion(self):
        """Counts of runs by status, and of complete design points."""
        full = self.point_complete()
        return {"runs": self.runs,
                "done": int(self.done.sum()),
                "failed": int(self.failed.sum()),
                "pending": int(self.pending.sum()),
                "points": self.points,
                "points_complete": int(full.sum())}

    def failure_messages(self, top=5):
        """The most frequent failure messages: [(message, count)]."""
        if self.messages is None or not self.failed.any():
            return []
        msgs = [self.messages[i].strip() or "(no message)"
                for i in np.flatnonzero(self.failed)]
        uniq, cnt = np.unique(np.asarray(msgs, dtype=object), return_counts=True)
        order = np.argsort(-cnt, kind="stable")
        return [(str(uniq[i]), int(cnt[i])) for i in order[:top]]

    def point_complete(self):
        """Boolean per design point: every replicate is DONE."""
        n = np.bincount(self.point, minlength=self.points)
        nd = np.bincount(self.point, weights=self.done.astype(float), minlength=self.points)
        return (n > 0) & (nd == n)

    # -- metrics -----------------------------------------------------------
    def summary_names(self):
        return sorted(self._summary)

    def timeseries_names(self):
        return sorted(self._series)

    def _check_metric(self, name, table, what):
        if name not in table:
            avail = sorted(table)
            other = self._series if table is self._summary else self._summary
            hint = ""
            if name in other:
                hint = " ('%s' is a %s metric)" % (
                    name, "time-series" if table is self._summary else "summary")
            raise ResultError("%s metric '%s' not found in %s%s; available: %s"
                              % (what, name, self.path, hint,
                                 ", ".join(avail) if avail else "(none)"))
        return table[name]

    def metric_info(self, name, series=False):
        ds = self._check_metric(name, self._series if series else self._summary,
                                "time-series" if series else "summary")
        return {"units": _str(ds.attrs.get("units", "")),
                "description": _str(ds.attrs.get("description",
                                                 ds.attrs.get("long_name", "")))}

    def summary(self, name):
        """Per-run values of a summary metric; NaN where the run is not DONE."""
        ds = self._check_metric(name, self._summary, "summary")
        y = np.asarray(ds[...], dtype=float)
        y[~self.done] = np.nan
        return y

    def timeseries(self, name):
        """runs x times values of a time-series metric; NaN rows where the run
        is not DONE."""
        ds = self._check_metric(name, self._series, "time-series")
        y = np.asarray(ds[...], dtype=float)
        y[~self.done] = np.nan
        return y

    def point_values(self, y):
        """Replicate mean per design point of per-run values y (runs,) or
        (runs, T).  Returns (values, complete): values is NaN where the
        point is not complete (policy above)."""
        y = np.asarray(y, dtype=float)
        complete = self.point_complete()
        shape = (self.points,) + y.shape[1:]
        s = np.zeros(shape)
        yy = np.where(self.done.reshape((-1,) + (1,) * (y.ndim - 1)), y, 0.0)
        np.add.at(s, self.point, yy)
        n = np.bincount(self.point, minlength=self.points).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = s / n.reshape((-1,) + (1,) * (y.ndim - 1))
        v[~complete] = np.nan
        return v, complete

    # -- snapshots -------------------------------------------------------------
    def snapshots(self):
        """[(run, output index, time, h5 group path)] sorted by run, index."""
        out = []
        if "snapshots" not in self.h5:
            return out
        for rname, rg in self.h5["snapshots"].items():
            if not rname.startswith("run_") or not hasattr(rg, "keys"):
                continue
            try:
                run = int(rname[4:])
            except ValueError:
                continue
            for tname, tg in rg.items():
                if not tname.startswith("t_") or not hasattr(tg, "keys"):
                    continue
                try:
                    k = int(tname[2:])
                except ValueError:
                    continue
                t = _num(tg.attrs.get("time"), None)
                if t is None and 0 <= k < len(self.time):
                    t = self.time[k]
                out.append((run, k, t, tg.name))
        out.sort(key=lambda e: (e[0], e[1]))
        return out

    def describe_point(self, point, max_params=4):
        """'name=value unit, ...' for a design point; without swept
        parameters, 'model defaults' (or 'point N' when the design has
        several points, all at the defaults)."""
        if self.dim == 0:
            return "model defaults" if self.points == 1 else "point %d (defaults)" % point
        P = self.point_params()[point]
        parts = []
        for i, p in enumerate(self.params[:max_params]):
            u = "" if (p.categorical or p.unit in ("", "1")) else " " + p.unit
            parts.append("%s=%s%s" % (p.name, p.format_value(P[i]), u))
        if self.dim > max_params:
            parts.append("...")
        return ", ".join(parts) if parts else "point %d" % point

    @property
    def no_parameters(self):
        """True for a sweep with "parameters": [] (dim 0): replicates of the
        model's defaults, with nothing to attribute variation to."""
        return self.dim == 0

    def no_indices_reason(self):
        """Why this file has no sensitivity indices, or None when it may."""
        if self.dim == 0:
            return ("no swept parameters (the sweep has \"parameters\": [], so its %d run%s "
                    "%s replicate%s of the model's defaults): no sensitivity indices, "
                    "which need parameters to vary"
                    % (self.runs, "" if self.runs == 1 else "s",
                       "is a" if self.runs == 1 else "are", "" if self.runs == 1 else "s"))
        if self.dtype not in ("sobol", "morris"):
            return ("design type is '%s': no sensitivity indices (they need a 'sobol' "
                    "(Saltelli) or 'morris' design)" % self.dtype)
        return None

    def require_design(self, *types):
        if self.dim == 0:
            raise ResultError("%s: %s" % (self.path, self.no_indices_reason()))
        if self.dtype not in types:
            raise ResultError("%s: design type is '%s'; this analysis needs a %s design"
                              % (self.path, self.dtype, " or ".join("'%s'" % t for t in types)))

    # -- the API: tables and indices (tables.py) ---------------------------------
    def status_names(self):
        """Per run the name of its status (PENDING, DONE, FAILED; the code
        as text for a code the file does not name)."""
        name = {v: k for k, v in self.status_codes.items()}
        return np.asarray([name.get(int(s), str(int(s))) for s in self.status_raw],
                          dtype=object)

    def to_dataframe(self, status=None):
        """One tidy row per run as a pandas DataFrame (tables.to_dataframe);
        status: a status name or names to keep (default every run)."""
        from . import tables
        return tables.to_dataframe(self, status)

    def to_xarray(self):
        """The file as an xarray.Dataset over run, time and param
        (tables.to_xarray)."""
        from . import tables
        return tables.to_xarray(self)

    def sobol(self, output, over_time=False, **kw):
        """Sobol indices of a summary metric (of a time series at every
        output time with over_time=True), as sobol.analyze_summary /
        analyze_timeseries; kw: num_resamples, conf_level, seed."""
        from . import tables
        return tables.indices(self, "sobol", output, over_time, **kw)

    def morris(self, output, over_time=False, **kw):
        """Morris statistics of a metric, as morris.analyze_summary /
        analyze_timeseries (see sobol())."""
        from . import tables
        return tables.indices(self, "morris", output, over_time, **kw)
