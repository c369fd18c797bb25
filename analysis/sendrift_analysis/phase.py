"""Regimes of senescent drift, the rule of the phase diagram, and the paired
effect of one axis (a drug) per condition.

Each finished run of the drift model falls into one REGIME, from its
focus-cluster and nucleation outputs (docs/model.md, "Outputs").  The
principle: where did the new senescent cells appear, in the cluster joined
to the focus or in clusters apart from it (nucleated_frac)?  The senescent
sites of the focus cluster are frac_senescent - nucleated_frac.

  front       the focus spread: drift_speed (the slope of focus_radius while
              the focus cluster exists and touches no wall) > speed_threshold
              (default 0.1 um/d: one cell diameter per 100 days), or the focus
              cluster reached a wall within two output intervals (drift_speed
              NaN, status 4); the focus was never cleared (below); and at the end
              of the drift window (the last output time from t = 0 before the
              focus cluster touches a wall or is gone) the clusters apart from
              the focus had gained fewer senescent sites since t = 0 than the
              focus cluster, or less than min_rise (default 0.01) of all sites;
  mixed       the focus spread, and the clusters apart from it gained at least
              as much (and at least min_rise);
  nucleation  the focus did not spread, and the senescent fraction rose
              (final_frac_senescent > growth_factor (default 2) x the first
              row of frac_senescent, and by >= min_rise), at least half of the
              rise in clusters apart from the focus (final nucleated_frac
              against its first value), or the focus was cleared (below) at
              some output time, or there is none (every cluster is then
              nucleated);
  growth      the focus did not spread, and the senescent fraction rose so,
              most of it in the focus cluster (a focus growing slower than the
              threshold); also, in files without the focus-cluster outputs
              (older sendrift), any such rise without a front;
  cleared     none of these, and at some output time the focus cluster held
              no senescent site (frac_senescent = nucleated_frac), or was
              gone (focus_radius 0; the cluster holds the lesion's empty sites
              too, so focus_radius stays above 0 until they are refilled);
  contained   none of these: the focus stayed, neither spreading nor
              cleared, and the senescent fraction did not rise.

What the outputs cannot tell apart: a diffuse front (EVs inducing cells a
few sites ahead of it) leaves satellites that count as clusters apart from
the focus until it joins them, and a focus that absorbs nucleated clusters
counts them as its own; the snapshots show which.

For files without focus_radius, focus_wall and nucleated_frac (older
sendrift), a run is front when drift_speed > speed_threshold, else growth or
contained.  A run for which nothing can be evaluated is UNCLASSIFIED; runs
not DONE are never classified.

A run is SPREADING (classify(): 1.0) in the regimes front, nucleation, mixed
and growth, CONTAINED (0.0) in cleared and contained.
"""

import numpy as np

from .results import ResultError

DEFAULT_SPEED_THRESHOLD = 0.1   # um/d
DEFAULT_GROWTH_FACTOR = 2.0
DEFAULT_MIN_RISE = 0.01
# frac_senescent - nucleated_frac at or below this: no senescent site in the
# focus cluster (both are counts over the same number of sites)
SENESCENT_EPS = 1e-9

SPREADING, CONTAINED = 1.0, 0.0

UNCLASSIFIED = -1
CONTAINED_R, CLEARED, FRONT, NUCLEATION, MIXED, GROWTH = 0, 1, 2, 3, 4, 5
REGIMES = ("contained", "cleared", "front", "nucleation", "mixed", "growth")
REGIME_SHORT = ("contained", "cleared", "front", "nucl.", "mixed", "growth")
SPREADING_REGIMES = (FRONT, NUCLEATION, MIXED, GROWTH)
CLUSTER_SERIES = ("focus_radius", "focus_wall", "nucleated_frac")
DOSE_SUFFIXES = (".doses", ".dose")


def rule_text(speed_threshold=DEFAULT_SPEED_THRESHOLD, growth_factor=DEFAULT_GROWTH_FACTOR,
              min_rise=DEFAULT_MIN_RISE, cluster=True):
    """The rule in one line (cluster: whether the file has the focus-cluster
    outputs)."""
    if not cluster:
        return ("front: drift_speed > %g um/d; growth: final_frac_senescent > %g x initial "
                "and rises by >= %g" % (speed_threshold, growth_factor, min_rise))
    return ("front: drift_speed > %g um/d, focus never cleared, and until it meets a wall the "
            "focus cluster gains more senescent sites than the clusters apart from it (or "
            "they gain < %g); mixed: a front where they gain as much; nucleation: no front, "
            "frac_senescent > %g x initial (and up by >= %g), half of the rise apart from "
            "the focus; cleared: no senescent cell left in the focus cluster at some output "
            "time; contained: none of these"
            % (speed_threshold, min_rise, growth_factor, min_rise))


def has_cluster_outputs(rf):
    return all(s in rf.timeseries_names() for s in CLUSTER_SERIES)


def regimes(rf, speed_threshold=DEFAULT_SPEED_THRESHOLD, growth_factor=DEFAULT_GROWTH_FACTOR,
            min_rise=DEFAULT_MIN_RISE):
    """Per run: the regime code (CONTAINED_R, CLEARED, FRONT, NUCLEATION,
    MIXED, GROWTH; UNCLASSIFIED for a run not DONE or without inputs).
    Returns (codes, info): info has the rule, the counts per regime, and per
    run the numbers behind it: speed (drift_speed), wall_time (when the focus
    cluster first touched a wall), gone (cleared at some output time),
    nucleated_rise (peak of nucleated_frac over its first value),
    focus_gain and nucleated_gain (the senescent sites, as fractions of all
    sites, the focus cluster and the clusters apart from it gained from t = 0
    to the end of the drift window)."""
    summ, series = rf.summary_names(), rf.timeseries_names()
    have_speed = "drift_speed" in summ
    have_frac = "frac_senescent" in series
    cluster = has_cluster_outputs(rf)
    if not (have_speed or have_frac):
        raise ResultError("%s: the phase diagram needs the summary 'drift_speed', or "
                          "the time series 'frac_senescent' (drift model outputs); this "
                          "file has summaries: %s" % (rf.path, ", ".join(summ) or "(none)"))
    n = rf.runs
    nan = np.full(n, np.nan)
    speed = rf.summary("drift_speed") if have_speed else nan
    t = np.asarray(rf.time, dtype=float)
    if have_frac:
        f = rf.timeseries("frac_senescent")
        f0 = f[:, 0]
        fin = rf.summary("final_frac_senescent") if "final_frac_senescent" in summ else f[:, -1]
        with np.errstate(invalid="ignore"):
            grew = (np.isfinite(fin) & np.isfinite(f0) & (fin > growth_factor * f0)
                    & (fin - f0 >= min_rise))
        frac_known = np.isfinite(fin) & np.isfinite(f0)
    else:
        f0 = fin = nan
        grew = np.zeros(n, dtype=bool)
        frac_known = np.zeros(n, dtype=bool)
    codes = np.full(n, UNCLASSIFIED, dtype=np.int64)
    wall_time = nan.copy()
    gone = np.zeros(n, dtype=bool)
    nucl_rise = nan.copy()
    focus_gain = nan.copy()
    nucl_gain = nan.copy()
    if cluster:
        r = rf.timeseries("focus_radius")
        w = rf.timeseries("focus_wall")
        nf = rf.timeseries("nucleated_frac")
        focus = np.isfinite(r[:, 0])
        with np.errstate(invalid="ignore"):
            walled = w > 0.5
            zero = r == 0
            # no senescent cell left in the focus cluster (its lesion may
            # still hold empty sites, which keep focus_radius above 0)
            g = f - nf if have_frac else np.full(nf.shape, np.nan)
            cleared_t = zero | (g <= SENESCENT_EPS)
            gone = focus & np.any(cleared_t[:, 1:], axis=1)
            # the drift window: output times from t = 0 while the focus
            # cluster exists and touches no wall (at least t = 0)
            inside = np.logical_and.accumulate(~walled & ~zero, axis=1)
            inside[:, 0] = True
            # at the end of the window: the senescent sites the focus cluster
            # and the clusters apart from it gained since t = 0
            kw = np.maximum(np.sum(inside, axis=1) - 1, 0)
            rows = np.arange(n)
            dg_win = g[rows, kw] - g[:, 0]
            dn_win = nf[rows, kw] - nf[:, 0]
            nucl_win = (dn_win >= min_rise) & (dn_win >= dg_win)
            focus_gain, nucl_gain = np.where(focus, dg_win, np.nan), dn_win
            nucl_rise = np.nanmax(np.where(np.isfinite(nf), nf, -np.inf), axis=1) - nf[:, 0]
            f_rise = fin - f0
            n_rise_end = nf[:, -1] - nf[:, 0]
            outside = n_rise_end >= 0.5 * f_rise
        first_wall = np.where(walled.any(axis=1), np.argmax(walled, axis=1), -1)
        wall_time = np.where(first_wall >= 0, t[np.maximum(first_wall, 0)], np.nan)
        # drift_speed NaN because the wall came within 2 output intervals
        early_wall = ~np.isfinite(speed) & (first_wall >= 0) & (first_wall <= 2)
        with np.errstate(invalid="ignore"):
            fast = (np.isfinite(speed) & (speed > speed_threshold)) | early_wall
        spreads = focus & fast & ~gone
        known = np.isfinite(r[:, 0]) | np.isfinite(nf[:, 0]) | frac_known
        rise = ~spreads & grew
        codes[known] = CONTAINED_R
        codes[known & gone] = CLEARED
        codes[known & rise & focus & ~outside & ~gone] = GROWTH
        codes[known & rise & (outside | ~focus | gone)] = NUCLEATION
        codes[known & spreads] = FRONT
        codes[known & spreads & nucl_win] = MIXED
    else:
        with np.errstate(invalid="ignore"):
            front = np.isfinite(speed) & (speed > speed_threshold)
        known = np.isfinite(speed) | frac_known
        codes[known] = CONTAINED_R
        codes[known & grew] = GROWTH
        codes[known & front] = FRONT
    codes[~rf.done] = UNCLASSIFIED
    counts = {name: int(np.sum(codes == c)) for c, name in enumerate(REGIMES)}
    info = {"rule": rule_text(speed_threshold, growth_factor, min_rise, cluster),
            "cluster_outputs": cluster,
            "criteria": ([c for c, h in (("front", have_speed), ("growth", have_frac)) if h]
                         if not cluster else ["front", "nucleation", "cleared"]),
            "counts": counts,
            "spreading": int(np.isin(codes, SPREADING_REGIMES).sum()),
            "contained": int(np.isin(codes, (CONTAINED_R, CLEARED)).sum()),
            "unclassified": int(np.sum(rf.done & (codes == UNCLASSIFIED))),
            "not_done": int(np.sum(~rf.done)),
            "speed": speed, "wall_time": wall_time, "gone": gone,
            "nucleated_rise": nucl_rise, "focus_gain": focus_gain,
            "nucleated_gain": nucl_gain}
    return codes, info


def regime_name(code):
    return REGIMES[code] if 0 <= code < len(REGIMES) else "unclassified"


def classify(rf, speed_threshold=DEFAULT_SPEED_THRESHOLD, growth_factor=DEFAULT_GROWTH_FACTOR,
             min_rise=DEFAULT_MIN_RISE):
    """Per run: 1.0 spreading (front, nucleation, mixed, growth), 0.0
    contained (contained, cleared), NaN unclassified.  Returns (labels,
    info) as regimes() gives it."""
    codes, info = regimes(rf, speed_threshold, growth_factor, min_rise)
    labels = np.where(codes == UNCLASSIFIED, np.nan,
                      np.where(np.isin(codes, SPREADING_REGIMES), SPREADING, CONTAINED))
    return labels, info


# -- the paired effect of one axis, condition by condition --------------------------------

def is_dose(param):
    return param.name.endswith(DOSE_SUFFIXES) and not param.categorical


def paired_effects(rf, y, axis, boot=2000, level=0.95, seed=1):
    """The effect of moving `axis` (a swept parameter, e.g. a drug's doses)
    from its reference level (0 when it has one, else its lowest) to each
    other level, in every condition (combination of the other swept
    parameters), taken replicate by replicate: d_k = y(level, k) - y(ref, k)
    over the replicates k DONE with a finite y in both arms (paired: with
    "streams": "paired" the two runs of a replicate share their random
    numbers).  Estimate: mean of d_k; interval: percentile bootstrap over the
    pairs (contrasts.boot_mean), NaN with fewer than 2 pairs.  Returns
    {"axis", "reference", "rows": [{point, reference_point, level, n_pairs,
    diff, lo, hi, others: {name: value}}]}."""
    from . import contrasts
    i = rf.param_index(axis)
    P = rf.point_params()
    vals = np.unique(P[np.isfinite(P[:, i]), i])
    ref = 0.0 if np.any(vals == 0) else (vals[0] if len(vals) else np.nan)
    Y = contrasts.replicate_matrix(rf, np.asarray(y, dtype=float))
    others = [j for j in range(rf.dim) if j != i]
    rows = []
    for p in range(rf.points):
        if not np.isfinite(P[p, i]) or P[p, i] == ref:
            continue
        match = [q for q in range(rf.points) if P[q, i] == ref
                 and all(P[q, j] == P[p, j] for j in others)]
        if not match:
            continue
        q = match[0]
        both = np.isfinite(Y[p]) & np.isfinite(Y[q])
        d = Y[p, both] - Y[q, both]
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, p, q])
        m, lo, hi = contrasts.boot_mean(d, boot, level, rng)
        rows.append({"point": int(p), "reference_point": int(q), "level": float(P[p, i]),
                     "n_pairs": int(both.sum()), "diff": m, "lo": lo, "hi": hi,
                     "others": {rf.params[j].name: P[p, j] for j in others}})
    return {"axis": axis, "reference": float(ref), "rows": rows, "level_conf": level}
