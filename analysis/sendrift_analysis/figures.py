"""PNG figures from a result file.  Everything drawn is read from the file
(or computed from it by sobol.py / morris.py / phase.py): nothing is
invented, and what is missing is said in the figure or left out.

    timeseries_figure   a time series, mean and min-max band over replicates
                        per design point (or ensemble quantiles when the
                        design has too many points to draw one by one)
    replicates_figure   summary metrics across replicates (no swept parameters)
    heatmap_figure      a summary metric over two swept parameters
    phase_figure        regimes of drift per cell, a panel per drug arm, and the
                        drug's paired effect (phase.py)
    snapshot_figure     lattice snapshot: kind, epi, ecm, S, E
    sobol_figure        S1 and ST bars with intervals (and S2)
    morris_figure       mu* bars with intervals and mu* vs sigma
    over_time_figure    indices over time of a time-series metric
    draw_all            everything that applies to a file
"""

import os
import textwrap
import warnings

import numpy as np

from .results import ResultError
from . import phase as phase_mod

os.environ.setdefault("MPLBACKEND", "Agg")
import matplotlib  # noqa: E402
import matplotlib.ticker  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

DPI = 110
# Colours of the site kinds by the names the result file gives them (the
# flag_meanings of a kind snapshot); other categories take OTHER_COLOURS.
KIND_COLOURS = {"empty": "#e8e8e8", "normal": "#3a8f5c", "senescent": "#c0392b"}
OTHER_COLOURS = ["#4c72b0", "#dd8452", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def categories(ds, a):
    """Codes and names of a categorical snapshot ds (values a): its flag_values
    and flag_meanings, or in a file without them the codes present, named by
    their numbers."""
    v, m = ds.attrs.get("flag_values"), ds.attrs.get("flag_meanings")
    if v is not None and m is not None:
        codes = [int(c) for c in np.asarray(v).ravel()]
        names = (m.decode() if isinstance(m, bytes) else str(m)).split()
        if len(names) == len(codes):
            return codes, names
    codes = [int(c) for c in np.unique(a)]
    return codes, [str(c) for c in codes]


def _unit_suffix(units):
    return "" if units in (None, "", "1") else " (%s)" % units


def metric_label(rf, name, series=False):
    return name + _unit_suffix(rf.metric_info(name, series)["units"])


def _time_label(rf):
    return "time" + _unit_suffix(rf.time_units)


def _save(fig, path):
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _title(rf):
    return "%s (%s)" % (rf.meta.get("sweep_name", os.path.basename(rf.path)),
                        rf.meta.get("model", "?"))


# -- time series -----------------------------------------------------------------

def timeseries_figure(rf, metric, path, max_points=8):
    """Mean over replicates with a min-max band, per design point; with more
    than max_points points, the median and 50 % / 90 % bands over all
    finished runs.  Returns the path, or None when no run has finished."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _timeseries_figure(rf, metric, path, max_points)


def _timeseries_figure(rf, metric, path, max_points):
    y = rf.timeseries(metric)
    t = rf.time
    done = rf.done & np.isfinite(y).any(axis=1)
    if not done.any():
        return None
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    if rf.points <= max_points:
        colours = plt.cm.tab10(np.linspace(0, 1, 10))
        shown = 0
        thin = False
        for p in range(rf.points):
            m = done & (rf.point == p)
            if not m.any():
                continue
            Y = y[m]
            c = colours[shown % 10]
            with np.errstate(invalid="ignore"):
                mean = np.nanmean(Y, axis=0)
            lab = "%s (n=%d)" % (rf.describe_point(p, 3), m.sum())
            if rf.no_parameters and m.sum() <= 20:
                thin = True
                for i, yr in enumerate(Y):     # few replicates: each one, thin
                    ax.plot(t, yr, color=c, lw=0.7, alpha=0.6,
                            label="single replicates" if (shown == 0 and i == 0) else None)
            ax.plot(t, mean, color=c, lw=1.8, label=lab)
            if m.sum() > 1:
                ax.fill_between(t, np.nanmin(Y, axis=0), np.nanmax(Y, axis=0),
                                color=c, alpha=0.2, lw=0)
            shown += 1
        ax.set_title("%s: %s\nline: mean over replicates; band: min-max over replicates%s"
                     % (_title(rf), metric, "; thin: each replicate" if thin else ""),
                     fontsize=10)
        ax.legend(fontsize=7.5, loc="best", framealpha=0.8,
                  title="design point (finished replicates)", title_fontsize=7.5)
    else:
        Y = y[done]
        q = np.nanpercentile(Y, [5, 25, 50, 75, 95], axis=0)
        ax.fill_between(t, q[0], q[4], color="tab:blue", alpha=0.18, lw=0,
                        label="5-95 % of runs")
        ax.fill_between(t, q[1], q[3], color="tab:blue", alpha=0.35, lw=0,
                        label="25-75 % of runs")
        ax.plot(t, q[2], color="tab:blue", lw=1.8, label="median")
        ax.set_title("%s: %s\nacross all %d finished runs (%d design points: too many "
                     "to draw one by one)" % (_title(rf), metric, done.sum(), rf.points),
                     fontsize=10)
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel(_time_label(rf))
    ax.set_ylabel(metric_label(rf, metric, series=True))
    ax.grid(alpha=0.3)
    return _save(fig, path)


# -- replicates of one configuration ---------------------------------------------------

def summary_stats(rf, metric):
    """Mean, spread and count of a summary metric over the finished runs
    with a finite value (a sweep without parameters: replicates of the
    model's defaults).  std is the sample standard deviation (ddof 1; NaN
    with one value)."""
    v = rf.summary(metric)
    v = v[rf.done & np.isfinite(v)]
    n = int(v.size)
    nan = float("nan")
    return {"n": n, "done": int(rf.done.sum()),
            "mean": float(v.mean()) if n else nan,
            "std": float(v.std(ddof=1)) if n > 1 else nan,
            "min": float(v.min()) if n else nan,
            "max": float(v.max()) if n else nan,
            "median": float(np.median(v)) if n else nan}


def replicates_figure(rf, metrics, path):
    """One panel per summary metric: every finished run's value, the mean
    (line) and mean +- one standard deviation (band).  For a sweep without
    swept parameters, where runs differ only by their random streams.
    Returns the path, or None when no run has finished."""
    metrics = list(metrics)
    if not metrics or not rf.done.any():
        return None
    nc = min(4, len(metrics))
    nr = -(-len(metrics) // nc)
    fig, axes = plt.subplots(nr, nc, figsize=(3.0 * nc + 0.6, 2.7 * nr + 0.9), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, m in zip(axes.ravel(), metrics):
        v = rf.summary(m)
        v = v[rf.done & np.isfinite(v)]
        st = summary_stats(rf, m)
        ax.set_title(m, fontsize=9)
        ax.set_xticks([])
        ax.set_xlim(-1, 1)
        ax.tick_params(labelsize=7.5)
        u = rf.metric_info(m)["units"]
        if u not in ("", "1"):
            ax.set_ylabel(u, fontsize=8)
        if not v.size:
            ax.text(0.5, 0.5, "no finite value\nin %d finished run%s"
                    % (st["done"], "" if st["done"] == 1 else "s"),
                    transform=ax.transAxes, ha="center", va="center", fontsize=8, color="0.3")
            ax.set_yticks([])
            continue
        if np.isfinite(st["std"]):
            ax.axhspan(st["mean"] - st["std"], st["mean"] + st["std"], color="tab:blue",
                       alpha=0.15, lw=0)
        ax.axhline(st["mean"], color="tab:blue", lw=1.5)
        ax.scatter(rng.uniform(-0.35, 0.35, v.size), v, s=14, color="k", zorder=3)
        ax.text(0.02, 0.02, "n=%d  mean %.4g\nstd %s" % (st["n"], st["mean"],
                "%.3g" % st["std"] if np.isfinite(st["std"]) else "n/a"),
                transform=ax.transAxes, ha="left", va="bottom", fontsize=7,
                bbox=dict(facecolor="white", alpha=0.7, lw=0))
        ax.grid(axis="y", alpha=0.3)
    for ax in axes.ravel()[len(metrics):]:
        ax.axis("off")
    fig.suptitle("%s: summary metrics across %d finished run%s (no swept parameters: "
                 "replicates of the model's defaults)\ndots: runs; line: mean; band: mean "
                 "+- 1 std" % (_title(rf), int(rf.done.sum()), "" if rf.done.sum() == 1 else "s"),
                 fontsize=9.5)
    fig.tight_layout()
    return _save(fig, path)


# -- two-axis grids ----------------------------------------------------------------

class _Axis:
    """How runs fall into the cells of one heatmap axis."""

    def __init__(self, rf, name, bins):
        p = rf.param(name)
        i = rf.param_index(name)
        x = rf.X[:, i]
        vals = np.unique(x[np.isfinite(x)])
        self.param = p
        self.label = p.label()
        if p.categorical or len(vals) <= max(bins, 12):
            self.discrete = True
            self.index = np.searchsorted(vals, x)
            if p.categorical:
                self.ticks = [p.format_value(v) for v in vals]
            else:
                self.ticks = ["%.3g" % v for v in vals]
            self.n = len(vals)
            self.edges = np.arange(self.n + 1) - 0.5
            self.log = False
        else:
            self.discrete = False
            lo, hi = np.nanmin(x), np.nanmax(x)
            lo, hi = min(lo, p.lower), max(hi, p.upper)
            self.log = p.scale == "log" and lo > 0
            self.edges = (np.geomspace(lo, hi, bins + 1) if self.log
                          else np.linspace(lo, hi, bins + 1))
            self.index = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, bins - 1)
            self.n = bins
            self.ticks = None

    def centres(self):
        if self.discrete:
            return np.arange(self.n, dtype=float)
        if self.log:
            return np.sqrt(self.edges[:-1] * self.edges[1:])
        return 0.5 * (self.edges[:-1] + self.edges[1:])

    def apply(self, ax, which):
        setl = ax.set_xlabel if which == "x" else ax.set_ylabel
        setl(self.label)
        if self.discrete:
            (ax.set_xticks if which == "x" else ax.set_yticks)(np.arange(self.n))
            (ax.set_xticklabels if which == "x" else ax.set_yticklabels)(self.ticks)
        else:
            if self.log:
                (ax.set_xscale if which == "x" else ax.set_yscale)("log")
            axis = ax.xaxis if which == "x" else ax.yaxis
            axis.set_major_locator(matplotlib.ticker.FixedLocator(self.edges))
            axis.set_major_formatter(matplotlib.ticker.FixedFormatter(
                ["%.3g" % e for e in self.edges]))
            axis.set_minor_locator(matplotlib.ticker.NullLocator())
            if which == "x" and self.n > 6:
                ax.tick_params(axis="x", labelrotation=45)


def default_axes(rf):
    """The first two swept parameters; with three or more, the first two that
    are not drug doses (a dose axis is better shown panel by panel, see
    facet_axis)."""
    if rf.dim < 2:
        return None
    names = list(rf.param_names)
    if rf.dim >= 3:
        plain = [p.name for p in rf.params if not phase_mod.is_dose(p)]
        if len(plain) >= 2:
            return plain[0], plain[1]
    return names[0], names[1]


MAX_FACETS = 6


def facet_axis(rf, x, y, facet=None):
    """The swept parameter whose levels get a panel each in the phase diagram
    and the heatmaps, so that it is not pooled: `facet` when given ("none":
    no panels), else the first drug dose (a name ending in .doses or .dose),
    else the first other parameter, not x or y, with at most MAX_FACETS
    distinct values; None when there is none."""
    names = list(rf.param_names)
    if facet is not None:
        if facet == "none":
            return None
        if facet not in names:
            raise ResultError("--facet %s: parameter '%s' is not swept in %s; swept "
                              "parameters: %s (or none)" % (facet, facet, rf.path,
                                                            ", ".join(names) or "(none)"))
        if facet in (x, y):
            raise ResultError("--facet %s: it is already an axis (--x %s, --y %s); give "
                              "another swept parameter, or none" % (facet, x, y))
        return facet
    cands = [p for p in rf.params if p.name not in (x, y)]
    cands = [p for p in cands if phase_mod.is_dose(p)] + [p for p in cands
                                                          if not phase_mod.is_dose(p)]
    P = rf.point_params()
    for p in cands:
        col = P[:, rf.param_index(p.name)]
        if 1 < len(np.unique(col[np.isfinite(col)])) <= MAX_FACETS:
            return p.name
    return None


def facet_levels(rf, facet):
    """[(label, mask over runs)] for each level of facet, or one entry for
    all runs when facet is None."""
    if facet is None:
        return [(None, np.ones(rf.runs, dtype=bool))]
    p = rf.param(facet)
    x = rf.X[:, rf.param_index(facet)]
    out = []
    for v in np.unique(x[np.isfinite(x)]):
        lab = p.format_value(v) if p.categorical else "%.4g" % v
        out.append(("%s = %s%s" % (facet, lab, "" if p.categorical or p.unit in ("", "1")
                                   else " " + p.unit), x == v))
    return out


def check_axes(rf, x=None, y=None):
    """The two parameters of heatmaps and the phase diagram from --x and
    --y: both, or neither (then default_axes: the first two swept
    parameters, None with fewer).  Every error names the option at fault and
    lists the swept parameters."""
    if x is None and y is None:
        return default_axes(rf)
    names = list(rf.param_names)
    swept = ", ".join(names) or "(none)"
    alone = "--y" if y is None else "--x" if x is None else None
    for opt, v in (("--x", x), ("--y", y)):
        if v is not None and v not in names:
            raise ResultError("%s %s: parameter '%s' is not swept in %s; swept parameters: %s%s"
                              % (opt, v, v, rf.path, swept,
                                 "; and %s is missing: give both --x and --y (or neither)"
                                 % alone if alone else ""))
    if alone:
        given, value, missing = ("--x", x, "--y") if y is None else ("--y", y, "--x")
        others = [n for n in names if n != value]
        if not others:
            raise ResultError("%s %s given, but %s is the only swept parameter in %s: "
                              "heatmaps and the phase diagram need two (drop %s)"
                              % (given, value, value, rf.path, given))
        raise ResultError("%s %s given without %s: give both --x and --y (or neither, for "
                          "the first two swept parameters); %s is one of: %s"
                          % (given, value, missing, missing, ", ".join(others)))
    if x == y:
        raise ResultError("--x and --y both name '%s': give two different swept parameters "
                          "(%s)" % (x, swept))
    return x, y


def _cells(ax_x, ax_y, values, use):
    """Mean of values and count per cell over runs where use is true."""
    Z = np.zeros((ax_y.n, ax_x.n))
    C = np.zeros((ax_y.n, ax_x.n))
    np.add.at(Z, (ax_y.index[use], ax_x.index[use]), values[use])
    np.add.at(C, (ax_y.index[use], ax_x.index[use]), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        M = Z / C
    return np.ma.masked_where(C == 0, M), C


def _draw_grid(ax, ax_x, ax_y, M, C, cmap, vmin=None, vmax=None, fmt="%.3g"):
    cm = plt.get_cmap(cmap).copy()
    cm.set_bad("#bdbdbd")
    mesh = ax.pcolormesh(ax_x.edges, ax_y.edges, M, cmap=cm, vmin=vmin, vmax=vmax,
                         shading="flat")
    ax_x.apply(ax, "x")
    ax_y.apply(ax, "y")
    if ax_x.n * ax_y.n <= 100:
        xc, yc = ax_x.centres(), ax_y.centres()
        lo, hi = mesh.get_clim()
        for j in range(ax_y.n):
            for i in range(ax_x.n):
                if C[j, i] == 0:
                    continue
                v = M[j, i]
                frac = (v - lo) / (hi - lo) if hi > lo else 0.5
                if cmap == "RdBu_r":      # dark at both ends
                    col = "white" if (frac < 0.2 or frac > 0.8) else "black"
                else:                     # viridis: dark low, light high
                    col = "white" if frac < 0.55 else "black"
                ax.text(xc[i], yc[j], fmt % v, ha="center", va="center", fontsize=7.5,
                        color=col)
    return mesh


def _pool_note(rf, x, y, facet=None):
    others = [n for n in rf.param_names if n not in (x, y, facet)]
    parts = []
    if rf.replicates > 1:
        parts.append("replicates")
    if others:
        parts.append("other axes (%s)" % ", ".join(others[:4]) + (" ..." if len(others) > 4 else ""))
    note = ("pooled over " + " and ".join(parts)) if parts else "one run per cell"
    if facet is not None:
        note = "one panel per %s; %s" % (facet, note)
    return note


def _count_note(C):
    cnt = C[C > 0]
    lo, hi = int(cnt.min()), int(cnt.max())
    return ("%d finished run%s" % (lo, "s" if lo != 1 else "")) if lo == hi else \
        "%d-%d finished runs" % (lo, hi)


def _panels(n, extra=0, w=4.3, h=3.9):
    """A figure with n + extra panels in one row (two rows beyond 4)."""
    k = n + extra
    nc = k if k <= 4 else -(-k // 2)
    nr = -(-k // nc)
    fig, axes = plt.subplots(nr, nc, figsize=(w * nc + 0.8, h * nr + 1.3), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel()[k:]:
        ax.axis("off")
    return fig, list(axes.ravel()[:k])


def heatmap_figure(rf, metric, x, y, path, bins=8, facet=None):
    """Mean of a summary metric over finished runs, per cell of (x, y), one
    panel per level of facet (None: one panel; facet_axis chooses).  Grey
    cells hold no finished run with a finite value."""
    if x == y:
        raise ResultError("heatmap axes must differ (both are '%s')" % x)
    v = rf.summary(metric)
    ax_x, ax_y = _Axis(rf, x, bins), _Axis(rf, y, bins)
    use = rf.done & np.isfinite(v)
    if not use.any():
        return None
    levels = facet_levels(rf, facet)
    cells = [_cells(ax_x, ax_y, v, use & m) for _, m in levels]
    vmin, vmax = float(np.nanmin(v[use])), float(np.nanmax(v[use]))
    if facet is None:
        fig, ax = plt.subplots(figsize=(6.8, 5.2))
        axes = [ax]
    else:
        fig, axes = _panels(len(levels))
    Cs = np.concatenate([C.ravel() for _, C in cells])
    for ax, (lab, _), (M, C) in zip(axes, levels, cells):
        mesh = _draw_grid(ax, ax_x, ax_y, M, C, "viridis", vmin=vmin, vmax=vmax)
        if lab:
            ax.set_title(lab, fontsize=9.5)
    cb = fig.colorbar(mesh, ax=axes)
    cb.set_label("mean " + metric_label(rf, metric))
    head = ("%s: mean %s\n%s; %s per cell; grey: no data"
            % (_title(rf), metric, _pool_note(rf, x, y, facet), _count_note(Cs)))
    if facet is None:
        axes[0].set_title(head, fontsize=9.5)
    else:
        fig.suptitle(head, fontsize=9.5)
    return _save(fig, path)


REGIME_COLOURS = ("#9ecae1", "#a1d99b", "#cb181d", "#fd8d3c", "#7a0177", "#bcbddc")
# the order a tied cell takes its colour in (the text gives the counts)
REGIME_ORDER = (phase_mod.FRONT, phase_mod.MIXED, phase_mod.NUCLEATION, phase_mod.GROWTH,
                phase_mod.CLEARED, phase_mod.CONTAINED_R)


def regime_cells(ax_x, ax_y, codes, use):
    """Per cell of (x, y): counts of each regime over the runs where use is
    true, shape (y cells, x cells, regimes)."""
    K = np.zeros((ax_y.n, ax_x.n, len(phase_mod.REGIMES)), dtype=int)
    u = use & (codes >= 0)
    np.add.at(K, (ax_y.index[u], ax_x.index[u], codes[u]), 1)
    return K


def _majority(k):
    """The regime with most runs (ties: the first in REGIME_ORDER), and
    whether it was a tie."""
    top = k.max()
    best = [c for c in REGIME_ORDER if k[c] == top]
    return best[0], len(best) > 1


def _draw_regimes(ax, ax_x, ax_y, K, speed_cells):
    cm = ListedColormap(REGIME_COLOURS)
    cm.set_bad("#bdbdbd")
    M = np.full(K.shape[:2], np.nan)
    ties = np.zeros(K.shape[:2], dtype=bool)
    for j in range(K.shape[0]):
        for i in range(K.shape[1]):
            if K[j, i].sum():
                M[j, i], ties[j, i] = _majority(K[j, i])
    ax.pcolormesh(ax_x.edges, ax_y.edges, np.ma.masked_invalid(M), cmap=cm,
                  norm=BoundaryNorm(np.arange(len(REGIME_COLOURS) + 1) - 0.5, len(REGIME_COLOURS)),
                  shading="flat", edgecolors="white", linewidth=1.5)
    ax_x.apply(ax, "x")
    ax_y.apply(ax, "y")
    if ax_x.n * ax_y.n > 64:
        return
    xc, yc = ax_x.centres(), ax_y.centres()
    for j in range(K.shape[0]):
        for i in range(K.shape[1]):
            k = K[j, i]
            if not k.sum():
                continue
            lines = ["%s %d/%d" % (phase_mod.REGIME_SHORT[c], k[c], k.sum())
                     for c in REGIME_ORDER if k[c]]
            sp = speed_cells[j][i]
            if sp is not None:
                lines.append("v %s um/d" % sp)
            if ties[j, i]:
                lines.append("(tie)")
            dark = int(M[j, i]) in (phase_mod.FRONT, phase_mod.MIXED)
            ax.text(xc[i], yc[j], "\n".join(lines), ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")


def _speed_cells(ax_x, ax_y, speed, use):
    """Per cell: the finite drift speeds of its runs as text ('0.31' or
    '0.30-0.49'), or None."""
    out = [[None] * ax_x.n for _ in range(ax_y.n)]
    for j in range(ax_y.n):
        for i in range(ax_x.n):
            m = use & (ax_y.index == j) & (ax_x.index == i) & np.isfinite(speed)
            if m.any():
                lo, hi = float(speed[m].min()), float(speed[m].max())
                a, b = "%.2g" % lo, "%.2g" % hi
                out[j][i] = a if a == b else "%s..%s" % (a, b)
    return out


def _contrast_panel(ax, rf, ax_x, ax_y, eff, level, metric, vlim):
    """One panel: the paired difference of metric (this level of the facet
    minus its reference) per cell of (x, y), pooled over the other axes'
    arms, with its interval."""
    D = np.full((ax_y.n, ax_x.n), np.nan)
    text = {}
    rows = [r for r in eff["rows"] if r["level"] == level]
    for j in range(ax_y.n):
        for i in range(ax_x.n):
            rs = []
            for r in rows:
                p = r["point"]
                run = np.flatnonzero(rf.point == p)
                if run.size and ax_x.index[run[0]] == i and ax_y.index[run[0]] == j:
                    rs.append(r)
            rs = [r for r in rs if np.isfinite(r["diff"])]
            if not rs:
                continue
            D[j, i] = np.mean([r["diff"] for r in rs])
            if len(rs) == 1:
                r = rs[0]
                ci = ("[%.3g, %.3g]" % (r["lo"], r["hi"]) if np.isfinite(r["lo"])
                      else "no interval")
                text[(j, i)] = "%+.3g\n%s\n%d pairs" % (r["diff"], ci, r["n_pairs"])
            else:
                text[(j, i)] = "%+.3g\nmean of %d arms" % (D[j, i], len(rs))
    cm = plt.get_cmap("RdBu_r").copy()
    cm.set_bad("#bdbdbd")
    mesh = ax.pcolormesh(ax_x.edges, ax_y.edges, np.ma.masked_invalid(D), cmap=cm,
                         vmin=-vlim, vmax=vlim, shading="flat", edgecolors="white",
                         linewidth=1.5)
    ax_x.apply(ax, "x")
    ax_y.apply(ax, "y")
    xc, yc = ax_x.centres(), ax_y.centres()
    if ax_x.n * ax_y.n <= 64:
        for (j, i), tx in text.items():
            dark = abs(D[j, i]) > 0.6 * vlim
            ax.text(xc[i], yc[j], tx, ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    p = rf.param(eff["axis"])
    ax.set_title("paired effect on %s:\n%s %s vs %s (replicate by replicate)"
                 % (metric, eff["axis"], "%.4g" % level, "%.4g" % eff["reference"])
                 + ("" if p.unit in ("", "1") else " " + p.unit), fontsize=8.5)
    return mesh


def phase_figure(rf, x, y, path, bins=8, speed_threshold=phase_mod.DEFAULT_SPEED_THRESHOLD,
                 growth_factor=phase_mod.DEFAULT_GROWTH_FACTOR,
                 min_rise=phase_mod.DEFAULT_MIN_RISE, facet=None,
                 contrast_metric="final_frac_senescent", seed=1, boot=2000, level=0.95):
    """The regimes of drift (phase.regimes) per cell of (x, y): each cell
    coloured by its most frequent regime, with the counts of every regime
    and the runs' drift speeds; one panel per level of facet (None: one
    panel).  When facet is a drug's dose axis with a level 0, a further panel
    per other level gives the paired effect of the drug on contrast_metric
    per cell (phase.paired_effects).  Returns (path, info)."""
    if x == y:
        raise ResultError("phase-diagram axes must differ (both are '%s')" % x)
    codes, info = phase_mod.regimes(rf, speed_threshold, growth_factor, min_rise)
    ax_x, ax_y = _Axis(rf, x, bins), _Axis(rf, y, bins)
    use = codes >= 0
    info["facet"] = facet
    if not use.any():
        return None, info
    levels = facet_levels(rf, facet)
    eff = None
    extra = []
    if (facet is not None and phase_mod.is_dose(rf.param(facet))
            and contrast_metric in rf.summary_names()):
        eff = phase_mod.paired_effects(rf, rf.summary(contrast_metric), facet, boot, level,
                                       seed)
        if eff["reference"] == 0:
            extra = sorted(set(r["level"] for r in eff["rows"]))[:3]
        info["effects"] = eff
    fig, axes = _panels(len(levels), len(extra))
    speed = info["speed"]
    for ax, (lab, m) in zip(axes, levels):
        K = regime_cells(ax_x, ax_y, codes, use & m)
        _draw_regimes(ax, ax_x, ax_y, K, _speed_cells(ax_x, ax_y, speed, use & m))
        if lab:
            ax.set_title(lab, fontsize=9.5)
    if extra:
        d = [r["diff"] for r in eff["rows"] if np.isfinite(r["diff"])]
        vlim = max([abs(v) for v in d] + [1e-12])
        for ax, lv in zip(axes[len(levels):], extra):
            mesh = _contrast_panel(ax, rf, ax_x, ax_y, eff, lv, contrast_metric, vlim)
        cb = fig.colorbar(mesh, ax=axes[len(levels):], shrink=0.8)
        cb.set_label("difference of " + metric_label(rf, contrast_metric), fontsize=8)
    present = [c for c in range(len(phase_mod.REGIMES)) if info["counts"][phase_mod.REGIMES[c]]]
    fig.legend(handles=[Patch(color=REGIME_COLOURS[c], label="%s (%d)" % (
        phase_mod.REGIMES[c], info["counts"][phase_mod.REGIMES[c]])) for c in present],
        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(present), fontsize=8,
        frameon=False)
    counts = ", ".join("%d %s" % (info["counts"][phase_mod.REGIMES[c]], phase_mod.REGIMES[c])
                       for c in present)
    fig.suptitle("%s: regimes of drift (cell colour: most runs; v: drift_speed of its runs)\n"
                 "%s\n%s; %s%s; grey: no data"
                 % (_title(rf), "\n".join(textwrap.wrap(info["rule"], 150)),
                    _pool_note(rf, x, y, facet), counts,
                    ", %d unclassified" % info["unclassified"] if info["unclassified"] else ""),
                 fontsize=8.5)
    return _save(fig, path), info


# -- snapshots --------------------------------------------------------------------

def run_note(rf, run, codes, info):
    """One line on a run's regime and the numbers behind it (phase.regimes'
    codes and info), for a snapshot's title and the report."""
    c = int(codes[run])
    if c < 0:
        return "regime: unclassified"
    parts = ["regime: %s" % phase_mod.regime_name(c)]
    v = info["speed"][run]
    if np.isfinite(v):
        parts.append("drift_speed %.3g um/d" % v)
    wt = info["wall_time"][run]
    tu = "" if rf.time_units in ("", "1") else " " + rf.time_units
    if np.isfinite(wt):
        parts.append("focus at a wall at t = %g%s" % (wt, tu))
    if info["gone"][run]:
        parts.append("focus cleared (no senescent cell in it)")
    if "nucleated_clusters" in rf.timeseries_names():
        nc = rf.timeseries("nucleated_clusters")[run]
        if np.isfinite(nc).any():
            parts.append("peak %d nucleated clusters" % int(np.nanmax(nc)))
    fg, ng = info["focus_gain"][run], info["nucleated_gain"][run]
    if np.isfinite(fg) and np.isfinite(ng):
        parts.append("until a wall (or the end) the focus cluster gained %.3g of the sites, "
                     "clusters apart from it %.3g" % (fg, ng))
    return "; ".join(parts)


def snapshot_figure(rf, entry, path, note=None):
    """One lattice snapshot: kind and the fields present; the middle z slice
    in 3-D.  note: a line under the title (the run's regime, run_note)."""
    run, k, t, gpath = entry
    g = rf.h5[gpath]
    names = [n for n in ("kind", "epi", "ecm", "S", "E") if n in g and g[n].ndim in (2, 3)]
    if not names:
        return None
    dx = g.attrs.get("dx", rf.h5["snapshots"].attrs.get("dx"))
    dx = float(np.asarray(dx).ravel()[0]) if dx is not None else None
    shp = g[names[0]].shape[-2:]
    aspect = min(max(shp[0] / max(shp[1], 1), 0.3), 3.0)
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 2.4 * aspect + 1.3),
                             squeeze=False, layout="constrained")
    slice_note = ""
    for ax, n in zip(axes[0], names):
        a = g[n][...]
        if a.ndim == 3:
            z = a.shape[0] // 2
            slice_note = "; middle z slice (z = %d of %d)" % (z, a.shape[0])
            a = a[z]
        ny, nx = a.shape
        ext = ([0, nx * dx, 0, ny * dx] if dx else [-0.5, nx - 0.5, -0.5, ny - 0.5])
        if n == "kind":
            codes, labels = categories(g[n], a)
            others = iter(OTHER_COLOURS * len(labels))
            colours = [KIND_COLOURS.get(lb) or next(others) for lb in labels]
            idx = np.full(a.shape, -1)   # category i is colour i; other values stay blank
            for i, c in enumerate(codes):
                idx[a == c] = i
            im = ax.imshow(np.ma.masked_less(idx, 0), origin="lower", cmap=ListedColormap(colours),
                           norm=BoundaryNorm(np.arange(len(codes) + 1) - 0.5, len(codes)),
                           extent=ext, interpolation="nearest")
            ax.legend(handles=[Patch(color=colours[i], label="%s %.1f%%" % (labels[i], 100 * np.mean(a == c)))
                               for i, c in enumerate(codes)], fontsize=7, loc="upper center",
                      bbox_to_anchor=(0.5, -0.2), ncol=min(len(codes), 3), frameon=False,
                      handlelength=1, columnspacing=0.8)
            ax.set_title("cell kind", fontsize=9)
        else:
            units = g[n].attrs.get("units", "1")
            units = units.decode() if isinstance(units, bytes) else str(units)
            im = ax.imshow(a, origin="lower", cmap="magma" if n in ("S", "E") else "viridis",
                           extent=ext, interpolation="nearest")
            cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
            cb.set_label(n + _unit_suffix(units), fontsize=8)
            cb.ax.tick_params(labelsize=7)
            desc = {"epi": "epigenetic age epi", "ecm": "matrix integrity ecm",
                    "S": "SASP load S", "E": "EV load E"}[n]
            ax.set_title(desc, fontsize=9)
        ax.set_xlabel("x (um)" if dx else "x (site)", fontsize=8)
        ax.set_ylabel("y (um)" if dx else "y (site)", fontsize=8)
        ax.tick_params(labelsize=7)
    p = int(rf.point[run]) if 0 <= run < rf.runs else None
    rep = int(rf.replicate[run]) if p is not None else None
    tu = "" if rf.time_units in ("", "1") else " " + rf.time_units
    tt = ("t = %g%s" % (t, tu)) if t is not None else "output %d" % k
    where = ("point %d, replicate %d: %s" % (p, rep, rf.describe_point(p, 4))) if p is not None else ""
    fig.suptitle("%s: lattice of run %d at %s\n%s%s%s" % (_title(rf), run, tt, where, slice_note,
                                                       "\n" + note if note else ""),
                 fontsize=9.5)
    return _save(fig, path)


# -- indices -----------------------------------------------------------------------

def _blocks_note(S, word):
    b = S["blocks"]
    if "used" in b:
        return ("%d of %d %s used; %d dropped (%d with unfinished runs, %d with non-finite "
                "values)" % (b["used"], b["total"], word, b["dropped"], b["dropped_unfinished"],
                             b["dropped_nonfinite"]))
    u = np.asarray(b["used_per_time"])
    lo, hi = (int(u.min()), int(u.max())) if len(u) else (0, 0)
    used = ("%d of %d %s used at every time" % (hi, b["total"], word) if lo == hi else
            "%d-%d of %d %s used, by time (fewer: non-finite values)" % (lo, hi, b["total"], word))
    return "%s; %d dropped with unfinished runs" % (used, b["dropped_unfinished"])


def _err(conf):
    """Error-bar half-widths; an undefined (NaN) interval draws no bar."""
    return np.nan_to_num(np.asarray(conf, dtype=float), nan=0.0)


def _undefined_note(ax, values):
    bad = ~np.isfinite(np.asarray(values, dtype=float))
    if bad.all():
        ax.text(0.5, 0.5, "indices undefined: the output does not vary\n(zero variance), "
                "or too few blocks were left", transform=ax.transAxes, ha="center",
                va="center", fontsize=10, color="0.3")
    elif bad.any():
        ax.text(0.01, 0.97, "no bar: index undefined", transform=ax.transAxes, ha="left",
                va="top", fontsize=8, color="0.3")


def sobol_figure(rf, S, path, conf_level=0.95):
    names = S["names"]
    D = len(names)
    so = "S2" in S and D >= 2
    fig, axes = plt.subplots(1, 2 if so else 1, figsize=(11.5 if so else 6.8, 4.6),
                             squeeze=False, gridspec_kw={"width_ratios": [1.4, 1] if so else [1]})
    ax = axes[0, 0]
    xx = np.arange(D)
    w = 0.38
    ax.bar(xx - w / 2, S["S1"], w, yerr=_err(S["S1_conf"]), capsize=3, color="tab:blue",
           label="first order S1")
    ax.bar(xx + w / 2, S["ST"], w, yerr=_err(S["ST_conf"]), capsize=3, color="tab:orange",
           label="total ST")
    _undefined_note(ax, S["ST"])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(xx)
    ax.set_xticklabels(names, rotation=30 if D > 6 else 0, ha="right" if D > 6 else "center")
    ax.set_xlabel("parameter")
    ax.set_ylabel("Sobol index (share of output variance)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("%s: Sobol indices of %s\n%s\nerror bars: %g %% bootstrap intervals"
                 % (_title(rf), S["metric"], _blocks_note(S, "Saltelli blocks"),
                    100 * conf_level), fontsize=9)
    if so:
        ax2 = axes[0, 1]
        M = np.ma.masked_invalid(S["S2"])
        lim = max(0.05, float(np.nanmax(np.abs(S["S2"]))) if np.isfinite(S["S2"]).any() else 0.05)
        im = ax2.imshow(M, cmap="PuOr_r", vmin=-lim, vmax=lim)
        for j in range(D):
            for k in range(j + 1, D):
                if np.isfinite(S["S2"][j, k]) and D <= 8:
                    ax2.text(k, j, "%.2f\n\u00b1%.2f" % (S["S2"][j, k], S["S2_conf"][j, k]),
                             ha="center", va="center", fontsize=7)
        ax2.set_xticks(range(D))
        ax2.set_yticks(range(D))
        ax2.set_xticklabels(names, rotation=30 if D > 6 else 0)
        ax2.set_yticklabels(names)
        cb = fig.colorbar(im, ax=ax2, fraction=0.046)
        cb.set_label("second-order index S2")
        ax2.set_title("second-order indices S2 (upper triangle)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def morris_figure(rf, S, path, conf_level=0.95):
    names = S["names"]
    D = len(names)
    u = _unit_suffix(S.get("units", ""))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11.5, 4.6))
    xx = np.arange(D)
    a1.bar(xx, S["mu_star"], 0.6, yerr=_err(S["mu_star_conf"]), capsize=3, color="tab:blue")
    _undefined_note(a1, S["mu_star"])
    a1.set_xticks(xx)
    a1.set_xticklabels(names, rotation=30 if D > 6 else 0)
    a1.set_xlabel("parameter")
    a1.set_ylabel("mu* = mean |EE|" + (u and " (%s per unit range)" % S["units"]))
    a1.grid(axis="y", alpha=0.3)
    a1.set_title("%s: Morris mu* of %s\n%s\nerror bars: %g %% bootstrap intervals"
                 % (_title(rf), S["metric"], _blocks_note(S, "trajectories"),
                    100 * conf_level), fontsize=9)
    a2.scatter(S["mu_star"], S["sigma"], color="tab:red", clip_on=False, zorder=3)
    for i, n in enumerate(names):
        if np.isfinite(S["mu_star"][i]) and np.isfinite(S["sigma"][i]):
            a2.annotate(n, (S["mu_star"][i], S["sigma"][i]), textcoords="offset points",
                        xytext=(4, 4), fontsize=8)
    a2.set_xlabel("mu* (importance)")
    a2.set_ylabel("sigma = std(EE) (interactions / nonlinearity)")
    a2.set_xlim(left=0)
    a2.set_ylim(bottom=0)
    a2.grid(alpha=0.3)
    a2.set_title("mu* vs sigma: far right = important, high = nonlinear or interacting",
                 fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def over_time_figure(rf, St, path, method, conf_level=0.95):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _over_time_figure(rf, St, path, method, conf_level)


def _over_time_figure(rf, St, path, method, conf_level):
    names = St["names"]
    t = St["time"]
    keys = (("S1", "S1_conf", "first-order S1"), ("ST", "ST_conf", "total ST")) \
        if method == "sobol" else (("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma"))
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.4), sharey=(method == "sobol"))
    colours = plt.cm.tab10(np.linspace(0, 1, 10))
    mk = "o" if len(t) <= 40 else None
    for ax, (k, kc, lab) in zip(axes, keys):
        for i, n in enumerate(names):
            c = colours[i % 10]
            ax.plot(t, St[k][:, i], color=c, lw=1.6, marker=mk, ms=3, label=n)
            if kc is not None:
                ax.fill_between(t, St[k][:, i] - St[kc][:, i], St[k][:, i] + St[kc][:, i],
                                color=c, alpha=0.15, lw=0)
        ax.set_xlabel(_time_label(rf))
        ax.set_ylabel(lab if method == "sobol" else lab + _unit_suffix(St.get("units")))
        ax.grid(alpha=0.3)
        ax.set_title(lab, fontsize=9)
    axes[0].legend(fontsize=8, title="parameter", title_fontsize=8)
    nt = len(rf.time)
    sub = "" if len(t) == nt else "; computed at %d of %d output times (markers)" % (len(t), nt)
    fig.suptitle("%s: %s indices of %s over time\nbands: %g %% bootstrap intervals%s; %s"
                 % (_title(rf), "Sobol" if method == "sobol" else "Morris", St["metric"],
                    100 * conf_level, sub, _blocks_note(St, "Saltelli blocks" if method == "sobol"
                                                         else "trajectories")), fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


# -- everything -----------------------------------------------------------------------

def _safe(name):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def draw_all(rf, outdir, metrics=None, x=None, y=None, bins=8, max_points=8,
             max_snapshots=12, max_times=40, indices=True, phase=True,
             speed_threshold=phase_mod.DEFAULT_SPEED_THRESHOLD,
             growth_factor=phase_mod.DEFAULT_GROWTH_FACTOR,
             min_rise=phase_mod.DEFAULT_MIN_RISE,
             seed=None, num_resamples=None, conf_level=0.95, log=print, facet=None):
    """Draw every figure that applies.  metrics: names of summary and/or
    time-series metrics (default all); facet: the parameter with a panel per
    level in heatmaps and the phase diagram (None: facet_axis chooses;
    "none": no panels).  Returns [(path, caption)]."""
    from . import sobol, morris
    seed = sobol.DEFAULT_SEED if seed is None else seed
    num_resamples = sobol.DEFAULT_RESAMPLES if num_resamples is None else num_resamples
    os.makedirs(outdir, exist_ok=True)
    summ, series = rf.summary_names(), rf.timeseries_names()
    if metrics:
        bad = [m for m in metrics if m not in summ and m not in series]
        if bad:
            raise ResultError("metric '%s' not found in %s; summary metrics: %s; time-series "
                              "metrics: %s" % (bad[0], rf.path, ", ".join(summ) or "(none)",
                                               ", ".join(series) or "(none)"))
        summ = [m for m in summ if m in metrics]
        series = [m for m in series if m in metrics]
    axes = check_axes(rf, x, y)
    fac = facet_axis(rf, axes[0], axes[1], facet) if axes else None
    out = []

    def add(p, cap):
        if p:
            out.append((p, cap))
            log("wrote %s" % p)

    for m in series:
        add(timeseries_figure(rf, m, os.path.join(outdir, "timeseries_%s.png" % _safe(m)),
                              max_points), "time series of %s" % m)
    if rf.no_parameters:
        add(replicates_figure(rf, summ, os.path.join(outdir, "replicates_summary.png")),
            "summary metrics across replicates")
        log("note: no swept parameters (\"parameters\": []): the figures show the spread "
            "across replicates; no heatmaps, phase diagram or sensitivity indices")
    elif axes is None:
        log("note: %d swept parameter(s): no two-axis heatmaps" % rf.dim)
    else:
        for m in summ:
            add(heatmap_figure(rf, m, axes[0], axes[1],
                               os.path.join(outdir, "heatmap_%s_%s_%s.png"
                                            % (_safe(m), _safe(axes[0]), _safe(axes[1]))), bins,
                               fac),
                "%s over %s and %s%s" % (m, axes[0], axes[1],
                                         ", a panel per %s" % fac if fac else ""))
        if phase:
            try:
                p, info = phase_figure(rf, axes[0], axes[1],
                                       os.path.join(outdir, "phase_%s_%s.png"
                                                    % (_safe(axes[0]), _safe(axes[1]))),
                                       bins, speed_threshold, growth_factor, min_rise, fac,
                                       seed=seed)
                add(p, "phase diagram over %s and %s%s (%s)"
                    % (axes[0], axes[1], ", a panel per %s" % fac if fac else "", info["rule"]))
            except ResultError:
                log("note: no phase diagram (it needs the drift model's drift_speed, or "
                    "final_frac_senescent and frac_senescent)")
    try:
        codes, info = phase_mod.regimes(rf, speed_threshold, growth_factor, min_rise)
    except ResultError:
        codes = None
    for e in rf.snapshots()[:max_snapshots]:
        note = run_note(rf, e[0], codes, info) if codes is not None and 0 <= e[0] < rf.runs \
            else None
        add(snapshot_figure(rf, e, os.path.join(outdir, "snapshot_run%d_t%d.png" % (e[0], e[1])),
                            note),
            "lattice of run %d at output %d" % (e[0], e[1]))
    if len(rf.snapshots()) > max_snapshots:
        log("note: drew %d of %d snapshots (--max-snapshots)" % (max_snapshots, len(rf.snapshots())))
    if rf.no_parameters:
        pass                            # said above
    elif indices and rf.dtype in ("sobol", "morris"):
        mod = sobol if rf.dtype == "sobol" else morris
        draw = sobol_figure if rf.dtype == "sobol" else morris_figure
        for m in summ:
            S = mod.analyze_summary(rf, m, num_resamples, conf_level, seed)
            add(draw(rf, S, os.path.join(outdir, "indices_%s.png" % _safe(m)), conf_level),
                "%s indices of %s" % (rf.dtype, m))
        for m in series:
            St = over_time(rf, m, max_times, num_resamples, conf_level, seed)
            add(over_time_figure(rf, St, os.path.join(outdir, "indices_time_%s.png" % _safe(m)),
                                 rf.dtype, conf_level),
                "%s indices of %s over time" % (rf.dtype, m))
    elif indices:
        log("note: design '%s': no sensitivity indices (they need a sobol or morris design)"
            % rf.dtype)
    return out


def time_subset(n, max_times):
    """Indices of at most max_times output times, evenly spread, first and
    last included."""
    if max_times is None or n <= max_times:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max_times)).astype(int))


def over_time(rf, metric, max_times=None, num_resamples=100, conf_level=0.95, seed=1):
    """Indices of a time-series metric at (a subset of) the output times."""
    from . import sobol, morris
    mod = sobol if rf.dtype == "sobol" else morris
    idx = time_subset(len(rf.time), max_times)
    St = mod.analyze_timeseries(rf, metric, num_resamples, conf_level, seed, times=idx)
    return St
