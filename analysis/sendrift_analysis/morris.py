"""Morris elementary effects, as SALib.analyze.morris.analyze.

Design (docs/output-format.md): `trajectories` blocks of D+1 points; step
k+1 of a trajectory differs from step k in exactly one unit-cube
coordinate, by +-delta, delta = levels / (2 (levels - 1)).  Each point's
trajectory and step come from the file (/design/block, /design/role:
ResultFile.point_blocks).

Elementary effect of factor i in a trajectory (SALib's convention):

    EE_i = (y(upper point) - y(lower point)) / delta

where delta is the step in the *unit* cube, not in the parameter's units,
so that EE is "output change per full range of the factor" (for a linear
y = c x over [lo, hi], EE = c (hi - lo)).  For a log-scale parameter the unit
cube is the log-mapped axis.  Then, over the trajectories (SALib's names):

    mu        mean(EE)
    mu_star   mean(|EE|)                        Campolongo et al. 2007
    sigma     std(EE, ddof=1)
    mu_star_conf  Phi^-1(0.5 + conf_level/2) * std(ddof=1) of mu_star over
                  num_resamples bootstrap resamples of the trajectories,
                  np.random.RandomState(seed).randint per factor in turn
                  (what SALib's np.random.seed(seed) + randint gives).

Failed-run policy: a trajectory with a point that has no response (a
replicate not DONE) or a non-finite response is dropped whole.
"""

import warnings

import numpy as np

from .results import ResultError, over_time_info
from .sobol import DEFAULT_CONF_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, z_value


def compute_delta(levels):
    if levels < 2:
        raise ResultError("Morris design needs levels >= 2, got %d" % levels)
    return levels / (2.0 * (levels - 1))


def trajectory_moves(Ut, delta, path="result file", first_traj=0):
    """For unit coordinates of trajectories (T, D+1, D): which factor moves at
    each step (T, D) and the sign of the move (T, D)."""
    T, P, D = Ut.shape
    diff = Ut[:, 1:, :] - Ut[:, :-1, :]
    moved = np.abs(diff) > 1e-12
    nmoved = moved.sum(axis=2)
    bad = np.argwhere(nmoved != 1)
    if bad.size:
        t, s = bad[0]
        raise ResultError("%s: Morris trajectory %d, step %d changes %d coordinates "
                          "(expected exactly one)" % (path, first_traj + t, s, nmoved[t, s]))
    factor = np.argmax(moved, axis=2)
    step = np.take_along_axis(diff, factor[:, :, None], axis=2)[:, :, 0]
    off = np.argwhere(np.abs(np.abs(step) - delta) > 1e-9)
    if off.size:
        t, s = off[0]
        raise ResultError("%s: Morris trajectory %d, step %d moves by %g, not "
                          "+-delta = %g (levels / (2 (levels - 1)))"
                          % (path, first_traj + t, s, step[t, s], delta))
    if D and not np.all(np.sort(factor, axis=1) == np.arange(D)):
        t = int(np.flatnonzero(~np.all(np.sort(factor, axis=1) == np.arange(D), axis=1))[0])
        raise ResultError("%s: Morris trajectory %d does not move every factor exactly once"
                          % (path, first_traj + t))
    return factor, np.sign(step)


def elementary_effects(Ut, Yt, delta):
    """EE (D, T) from unit coordinates (T, D+1, D) and outputs (T, D+1)."""
    factor, sign = trajectory_moves(Ut, delta)
    T, P, D = Ut.shape
    dy = Yt[:, 1:] - Yt[:, :-1]
    ee = np.zeros((D, T))
    rows = np.repeat(np.arange(T), D)
    ee[factor.ravel(), rows] = (sign * dy).ravel() / delta
    return ee


def statistics(ee, num_resamples=DEFAULT_RESAMPLES, conf_level=DEFAULT_CONF_LEVEL,
               seed=DEFAULT_SEED):
    """mu, mu_star, sigma, mu_star_conf from EE (D, T)."""
    Z = z_value(conf_level)
    D, T = ee.shape
    out = {k: np.full(D, np.nan) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
    if T < 1 or not np.all(np.isfinite(ee)):
        return out
    out["mu"] = ee.mean(axis=1)
    out["mu_star"] = np.abs(ee).mean(axis=1)
    rs = np.random.RandomState(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if T >= 2:
            out["sigma"] = ee.std(axis=1, ddof=1)
        for j in range(D):
            idx = rs.randint(T, size=(num_resamples, T))
            res = np.abs(ee[j][idx]).mean(axis=1)
            out["mu_star_conf"][j] = Z * res.std(ddof=1)
    return out


def analyze(U, Y, D, levels, num_resamples=DEFAULT_RESAMPLES,
            conf_level=DEFAULT_CONF_LEVEL, seed=DEFAULT_SEED, names=None):
    """Morris statistics from unit coordinates U (T*(D+1), D) and outputs Y.
    Returns SALib's keys: names, mu, mu_star, sigma, mu_star_conf."""
    U = np.asarray(U, dtype=float)
    Y = np.asarray(Y, dtype=float).ravel()
    P = D + 1
    if Y.size % P or U.shape != (Y.size, D):
        raise ResultError("%d outputs / %s inputs do not form Morris trajectories of "
                          "%d points" % (Y.size, U.shape, P))
    T = Y.size // P
    ee = elementary_effects(U.reshape(T, P, D), Y.reshape(T, P), compute_delta(levels))
    S = statistics(ee, num_resamples, conf_level, seed)
    S = {"names": list(names) if names is not None else ["x%d" % (i + 1) for i in range(D)],
         **S}
    return S


# -- from a result file --------------------------------------------------------

def design_trajectories(rf):
    """(T, D, blocks, Ut, delta) of a Morris result file: blocks (T, D+1)
    holds the design points of each trajectory in step order, as the file
    records them, and Ut their unit coordinates (T, D+1, D), checked."""
    rf.require_design("morris")
    D = rf.dim
    P = D + 1
    if rf.points % P:
        raise ResultError("%s: %d design points are not a whole number of Morris "
                          "trajectories of %d points" % (rf.path, rf.points, P))
    T = rf.points // P
    if "trajectories" in rf.design and rf.design["trajectories"] != T:
        raise ResultError("%s: /design trajectories = %d but the points make %d"
                          % (rf.path, rf.design["trajectories"], T))
    if "levels" not in rf.design:
        raise ResultError("%s: Morris design without a 'levels' attribute" % rf.path)
    U = rf.point_unit()
    if U is None:
        raise ResultError("%s: Morris analysis needs /design/unit" % rf.path)
    delta = compute_delta(rf.design["levels"])
    blocks = rf.point_blocks(P)
    Ut = U[blocks]
    trajectory_moves(Ut, delta, rf.path)   # validate the whole design once
    return T, D, blocks, Ut, delta


def analyze_values(values, complete, blocks, Ut, delta, **kw):
    """Morris statistics from per-point responses `values` (points,) with
    the per-point flag `complete`, arranged by `blocks`; drops whole
    trajectories (policy)."""
    T = len(blocks)
    V = np.asarray(values, dtype=float)[blocks]
    C = np.asarray(complete, dtype=bool)[blocks]
    bad_run = ~C.all(axis=1)
    bad_val = ~bad_run & ~np.isfinite(V).all(axis=1)
    keep = ~(bad_run | bad_val)
    ee = elementary_effects(Ut[keep], V[keep], delta)
    S = statistics(ee, **kw)
    S["blocks"] = {"total": int(T), "used": int(keep.sum()),
                   "dropped": int(T - keep.sum()),
                   "dropped_unfinished": int(bad_run.sum()),
                   "dropped_nonfinite": int(bad_val.sum())}
    return S


def analyze_summary(rf, metric, num_resamples=DEFAULT_RESAMPLES,
                    conf_level=DEFAULT_CONF_LEVEL, seed=DEFAULT_SEED):
    T, D, blocks, Ut, delta = design_trajectories(rf)
    v, complete = rf.point_values(rf.summary(metric))
    S = analyze_values(v, complete, blocks, Ut, delta, num_resamples=num_resamples,
                       conf_level=conf_level, seed=seed)
    S["names"] = rf.param_names
    S["metric"] = metric
    S["units"] = rf.metric_info(metric)["units"]
    S["delta"] = delta
    return S


def analyze_timeseries(rf, metric, num_resamples=DEFAULT_RESAMPLES,
                       conf_level=DEFAULT_CONF_LEVEL, seed=DEFAULT_SEED, times=None):
    T, D, blocks, Ut, delta = design_trajectories(rf)
    y = rf.timeseries(metric)
    tidx = np.arange(y.shape[1]) if times is None else np.asarray(times, dtype=int)
    y = y[:, tidx]
    v, complete = rf.point_values(y)
    nt = y.shape[1]
    out = {k: np.full((nt, D), np.nan) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
    used = np.zeros(nt, dtype=int)
    dropped_unfinished = 0
    for t in range(nt):
        S = analyze_values(v[:, t], complete, blocks, Ut, delta, num_resamples=num_resamples,
                           conf_level=conf_level, seed=seed)
        b = S.pop("blocks")
        used[t] = b["used"]
        dropped_unfinished = b["dropped_unfinished"]
        for k in out:
            out[k][t] = S[k]
    out.update(over_time_info(rf, metric, tidx, T, used, dropped_unfinished))
    out["delta"] = delta
    return out
