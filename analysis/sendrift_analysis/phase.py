"""Contained vs spreading senescent drift: the rule of the phase diagram.

A finished run is SPREADING when either criterion holds:

  1. front:  drift_speed > speed_threshold (default 0.1 um/d: one cell
             diameter, 10 um, per 100 days; the front radius is fitted by
             least squares, so a contained focus gives a slope near 0);
  2. growth: final_frac_senescent > growth_factor * f_init (default 2) and
             final_frac_senescent - f_init >= min_rise (default 0.01), where
             f_init is the senescent fraction in the first row of
             /timeseries/frac_senescent (the initial state, background plus
             focus).  The absolute rise keeps a tissue that starts with
             almost no senescent cells from counting a handful of new ones
             as spreading.

and CONTAINED otherwise.  A criterion whose inputs are missing or NaN (no
focus: no front, drift_speed NaN) counts as not met; a run for which neither
criterion can be evaluated is UNCLASSIFIED and left out of the fractions.
Runs whose status is not DONE are never classified.
"""

import numpy as np

from .results import ResultError

DEFAULT_SPEED_THRESHOLD = 0.1   # um/d
DEFAULT_GROWTH_FACTOR = 2.0
DEFAULT_MIN_RISE = 0.01

SPREADING, CONTAINED = 1.0, 0.0


def rule_text(speed_threshold=DEFAULT_SPEED_THRESHOLD, growth_factor=DEFAULT_GROWTH_FACTOR,
              min_rise=DEFAULT_MIN_RISE):
    return ("spreading: drift_speed > %g um/d, or final_frac_senescent > %g x initial "
            "and rises by >= %g" % (speed_threshold, growth_factor, min_rise))


def classify(rf, speed_threshold=DEFAULT_SPEED_THRESHOLD, growth_factor=DEFAULT_GROWTH_FACTOR,
             min_rise=DEFAULT_MIN_RISE):
    """Per run: 1.0 spreading, 0.0 contained, NaN unclassified.  Returns
    (labels, info) with the counts and which criteria were available."""
    have_speed = "drift_speed" in rf.summary_names()
    have_growth = ("final_frac_senescent" in rf.summary_names()
                   and "frac_senescent" in rf.timeseries_names())
    if not (have_speed or have_growth):
        raise ResultError("%s: the phase diagram needs the summary 'drift_speed', or "
                          "'final_frac_senescent' with the time series 'frac_senescent' "
                          "(drift model outputs); this file has summaries: %s"
                          % (rf.path, ", ".join(rf.summary_names()) or "(none)"))
    n = rf.runs
    known = np.zeros(n, dtype=bool)
    spread = np.zeros(n, dtype=bool)
    if have_speed:
        v = rf.summary("drift_speed")
        ok = np.isfinite(v)
        known |= ok
        spread |= ok & (np.where(ok, v, -np.inf) > speed_threshold)
    if have_growth:
        fin = rf.summary("final_frac_senescent")
        init = rf.timeseries("frac_senescent")[:, 0]
        ok = np.isfinite(fin) & np.isfinite(init)
        known |= ok
        with np.errstate(invalid="ignore"):
            grow = ok & (fin > growth_factor * init) & (fin - init >= min_rise)
        spread |= grow
    known &= rf.done
    labels = np.where(known, np.where(spread, SPREADING, CONTAINED), np.nan)
    info = {"rule": rule_text(speed_threshold, growth_factor, min_rise),
            "criteria": [c for c, h in (("front", have_speed), ("growth", have_growth)) if h],
            "spreading": int(np.sum(labels == SPREADING)),
            "contained": int(np.sum(labels == CONTAINED)),
            "unclassified": int(np.sum(rf.done & ~known)),
            "not_done": int(np.sum(~rf.done))}
    return labels, info
