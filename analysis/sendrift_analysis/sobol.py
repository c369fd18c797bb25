"""Sobol indices from a Saltelli design, as SALib.analyze.sobol.analyze.

Layout (docs/output-format.md, SALib's saltelli sample): base point j owns the
block of design points A, AB_1 .. AB_D, [BA_1 .. BA_D,] B.  analyze() takes
outputs in that order; from a result file, each point's block and role come
from the file (/design/block, /design/role: ResultFile.point_blocks).

Estimators (the ones SALib 1.4 uses; its source, not its documentation, is
the reference here):

* the model output is first normalised over the whole design,
  Y <- (Y - mean(Y)) / std(Y) (population std), which matters for S1:
  the Saltelli 2010 first-order estimator is not shift invariant with finite N;
* V = np.var(np.r_[A, B]) (population variance, ddof = 0, over the 2N base
  evaluations A and B only);
* S1_j = mean(B * (AB_j - A)) / V                Saltelli et al. 2010, Table 2 (b)
* ST_j = 0.5 * mean((A - AB_j)**2) / V            Jansen 1999 (Saltelli 2010 (f))
* S2_jk = mean(BA_j * AB_k - A * B) / V - S1_j - S1_k     Saltelli 2002
* confidence: the base points (rows of the blocks) are resampled with
  replacement, r = default_rng(seed).integers(N, size=(N, num_resamples)),
  each estimator is recomputed on every resample (V recomputed too), and
  conf = Phi^-1(0.5 + conf_level / 2) * std(resampled, ddof=1): the
  half-width of a normal-approximation interval, SALib's `*_conf`.
* S2 and S2_conf are D x D with NaN except the upper triangle (j < k).

With the same Y and a seed other than 0, analyze() returns the numbers that
SALib.analyze.sobol.analyze(problem, Y, calc_second_order, num_resamples,
conf_level, seed=seed) returns.  Where the output is constant (zero
variance) every index is NaN: undefined, not zero.

Dropped blocks (failed-run policy): analyze_values() drops a whole block
when one of its points has no response (a replicate not DONE) or a
non-finite response, and analyses the remaining N' blocks as a Saltelli
design of size N' (the estimators need every role of a block).

Reliability: every Sobol index lies in [0, 1] (INDEX_RANGE), so an interval
S +- conf wider than that range (conf > 0.5), or one that is not a number
where the index is, says nothing about the index: unreliable() flags such
indices and unreliable_why() says why in words (the blocks used, dropped and
degenerate: a block whose A row equals its B row, as the unscrambled Sobol'
points 0 and 1 of a design with skip 0, repeats one point and adds only
zeros to the estimators).
"""

import warnings
from statistics import NormalDist

import numpy as np

from .results import ResultError, over_time_info

DEFAULT_SEED = 1
DEFAULT_RESAMPLES = 100
DEFAULT_CONF_LEVEL = 0.95
INDEX_RANGE = (0.0, 1.0)


def block_size(D, second_order):
    return 2 * D + 2 if second_order else D + 2


def separate_output_values(Y, D, N, second_order):
    """A, B (N,), AB, BA (N, D) from Y in SALib's Saltelli layout."""
    step = block_size(D, second_order)
    Yb = np.asarray(Y, dtype=float).reshape(N, step)
    A = Yb[:, 0]
    B = Yb[:, step - 1]
    AB = Yb[:, 1:D + 1]
    BA = Yb[:, D + 1:2 * D + 1] if second_order else None
    return A, B, AB, BA


def first_order(A, AB, B):
    return np.mean(B * (AB - A), axis=0) / np.var(np.r_[A, B], axis=0)


def total_order(A, AB, B):
    return 0.5 * np.mean((A - AB) ** 2, axis=0) / np.var(np.r_[A, B], axis=0)


def second_order(A, ABj, ABk, BAj, B):
    Vjk = np.mean(BAj * ABk - A * B, axis=0) / np.var(np.r_[A, B], axis=0)
    return Vjk - first_order(A, ABj, B) - first_order(A, ABk, B)


def z_value(conf_level):
    if not 0 < conf_level < 1:
        raise ResultError("confidence level must be in (0, 1), got %g" % conf_level)
    return NormalDist().inv_cdf(0.5 + conf_level / 2)


def _empty(D, calc_second_order):
    S = {k: np.full(D, np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    if calc_second_order:
        S["S2"] = np.full((D, D), np.nan)
        S["S2_conf"] = np.full((D, D), np.nan)
    return S


def analyze(Y, D, calc_second_order=True, num_resamples=DEFAULT_RESAMPLES,
            conf_level=DEFAULT_CONF_LEVEL, seed=DEFAULT_SEED):
    """Sobol indices of outputs Y (N * block_size values, SALib's layout).

    Returns a dict with SALib's keys: S1, S1_conf, ST, ST_conf (D,) and, with
    calc_second_order, S2, S2_conf (D, D), upper triangle.
    """
    Y = np.asarray(Y, dtype=float).ravel()
    step = block_size(D, calc_second_order)
    if D < 1 or Y.size % step:
        raise ResultError("%d outputs do not form Saltelli blocks of %d (D = %d, "
                          "second order %s)" % (Y.size, step, D, bool(calc_second_order)))
    if num_resamples < 2:
        raise ResultError("need at least 2 bootstrap resamples, got %d" % num_resamples)
    Z = z_value(conf_level)
    N = Y.size // step
    S = _empty(D, calc_second_order)
    if N < 2 or not np.all(np.isfinite(Y)):
        return S
    sd = Y.std()
    if not sd > 0:
        return S
    Y = (Y - Y.mean()) / sd
    A, B, AB, BA = separate_output_values(Y, D, N, calc_second_order)
    r = np.random.default_rng(seed).integers(N, size=(N, num_resamples))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        Ar, Br = A[r], B[r]
        for j in range(D):
            S["S1"][j] = first_order(A, AB[:, j], B)
            S["S1_conf"][j] = Z * first_order(Ar, AB[r, j], Br).std(ddof=1)
            S["ST"][j] = total_order(A, AB[:, j], B)
            S["ST_conf"][j] = Z * total_order(Ar, AB[r, j], Br).std(ddof=1)
        if calc_second_order:
            for j in range(D):
                for k in range(j + 1, D):
                    S["S2"][j, k] = second_order(A, AB[:, j], AB[:, k], BA[:, j], B)
                    S["S2_conf"][j, k] = Z * second_order(
                        Ar, AB[r, j], AB[r, k], BA[r, j], Br).std(ddof=1)
    return S


# -- from a result file --------------------------------------------------------

def design_blocks(rf):
    """(N, D, second_order, blocks) of a Sobol result file: blocks (N, step)
    holds the design points of each Saltelli block in the order A, AB_i,
    [BA_i,] B, as the file records them; checked against /design/unit."""
    rf.require_design("sobol")
    D = rf.dim
    so = bool(rf.design.get("second_order", 0))
    step = block_size(D, so)
    if rf.points % step:
        raise ResultError("%s: %d design points are not a whole number of Saltelli "
                          "blocks of %d (D = %d, second_order = %d)"
                          % (rf.path, rf.points, step, D, so))
    N = rf.points // step
    if "samples" in rf.design and rf.design["samples"] != N:
        raise ResultError("%s: /design samples = %d but the points make %d blocks"
                          % (rf.path, rf.design["samples"], N))
    blocks = rf.point_blocks(step)
    U = rf.point_unit()
    if U is not None and N:
        check_layout(U[blocks], D, so, rf.path)
    return N, D, so, blocks


def check_layout(Ub, D, so, path="result file"):
    """Check A, AB_i, BA_i, B in unit coordinates: AB_i is A with column i
    from B, BA_i is B with column i from A."""
    A, B = Ub[:, 0, :], Ub[:, -1, :]
    for i in range(D):
        want = A.copy()
        want[:, i] = B[:, i]
        bad = np.flatnonzero(np.any(np.abs(Ub[:, 1 + i, :] - want) > 1e-12, axis=1))
        if bad.size:
            raise ResultError("%s: /design/unit does not follow the Saltelli layout: block "
                              "%d, AB_%d is not A with column %d from B"
                              % (path, bad[0], i + 1, i + 1))
        if so:
            want = B.copy()
            want[:, i] = A[:, i]
            bad = np.flatnonzero(np.any(np.abs(Ub[:, 1 + D + i, :] - want) > 1e-12, axis=1))
            if bad.size:
                raise ResultError("%s: /design/unit does not follow the Saltelli layout: "
                                  "block %d, BA_%d is not B with column %d from A"
                                  % (path, bad[0], i + 1, i + 1))


def analyze_values(values, complete, blocks, D, so, **kw):
    """Indices from per-point responses `values` (points,) with the
    per-point flag `complete`, arranged by `blocks` (design_blocks).  Drops
    whole blocks (policy) and returns the SALib dict plus 'blocks': counts
    of blocks total/used/dropped."""
    N = len(blocks)
    V = np.asarray(values, dtype=float)[blocks]
    C = np.asarray(complete, dtype=bool)[blocks]
    bad_run = ~C.all(axis=1)
    bad_val = ~bad_run & ~np.isfinite(V).all(axis=1)
    keep = ~(bad_run | bad_val)
    S = analyze(V[keep].ravel(), D, so, **kw)
    S["blocks"] = {"total": int(N), "used": int(keep.sum()),
                   "dropped": int(N - keep.sum()),
                   "dropped_unfinished": int(bad_run.sum()),
                   "dropped_nonfinite": int(bad_val.sum())}
    return S


def degenerate_blocks(rf, blocks):
    """How many of the Saltelli blocks of the file's design (design_blocks)
    have A = B in unit coordinates (every point of the block the same); 0
    when the file has no /design/unit."""
    U = rf.point_unit()
    if U is None or not len(blocks):
        return 0
    Ub = U[blocks]
    return int(np.sum(np.all(Ub[:, 0, :] == Ub[:, -1, :], axis=1)))


def unreliable(S):
    """{key: bool array} for S1, ST and S2 (where present): True where the
    index is a number but its interval S +- conf is wider than the index
    range [0, 1] (conf > 0.5) or is not a finite number.  Arrays of any
    shape (per time too); S2's NaN lower triangle is never flagged."""
    half = (INDEX_RANGE[1] - INDEX_RANGE[0]) / 2
    out = {}
    for k in ("S1", "ST", "S2"):
        if k not in S or k + "_conf" not in S:
            continue
        v = np.asarray(S[k], dtype=float)
        c = np.asarray(S[k + "_conf"], dtype=float)
        with np.errstate(invalid="ignore"):
            out[k] = np.isfinite(v) & ~(np.isfinite(c) & (c <= half))
    return out


def unreliable_why(S):
    """Why indices of S are unreliable, in words (the sample size, dropped
    and degenerate blocks); S is analyze_summary's or analyze_timeseries'
    result."""
    b = S.get("blocks", {})
    total = b.get("total")
    if "used" in b:
        used = "%d" % b["used"]
        n_used = b["used"]
    else:
        u = np.asarray(b.get("used_per_time", []))
        n_used = int(u.min()) if u.size else 0
        used = ("%d" % n_used if not u.size or u.min() == u.max()
                else "%d-%d" % (u.min(), u.max()))
    parts = ["too few samples: %s Saltelli block%s used%s (intervals narrow as "
             "1/sqrt(N): more design.samples)"
             % (used, "" if used == "1" else "s",
                " of %d" % total if total is not None else "")]
    dropped = b.get("dropped", (total - n_used) if total is not None else 0)
    if dropped:
        why = []
        if b.get("dropped_unfinished"):
            why.append("%d with failed or unfinished runs" % b["dropped_unfinished"])
        nf = b.get("dropped_nonfinite")
        if nf is None and "dropped_nonfinite_per_time" in b:
            nf = int(np.max(b["dropped_nonfinite_per_time"])) if np.size(
                b["dropped_nonfinite_per_time"]) else 0
        if nf:
            why.append("%d with non-finite values" % nf)
        parts.append("failed blocks: %d dropped%s" % (dropped, (" (" + ", ".join(why) + ")")
                                                     if why else ""))
    dg = S.get("degenerate_blocks", 0)
    if dg:
        parts.append("%d degenerate block%s (A = B: one point repeated, nothing learnt; "
                     "a sobol design with skip 0 has 2; the default skip avoids them)"
                     % (dg, "" if dg == 1 else "s"))
    return "; ".join(parts)


def analyze_summary(rf, metric, num_resamples=DEFAULT_RESAMPLES,
                    conf_level=DEFAULT_CONF_LEVEL, seed=DEFAULT_SEED):
    """Sobol indices of a summary metric.  Returns the SALib dict plus
    'names', 'blocks', 'metric', 'units'."""
    N, D, so, blocks = design_blocks(rf)
    y = rf.summary(metric)
    v, complete = rf.point_values(y)
    S = analyze_values(v, complete, blocks, D, so, num_resamples=num_resamples,
                       conf_level=conf_level, seed=seed)
    S["names"] = rf.param_names
    S["metric"] = metric
    S["units"] = rf.metric_info(metric)["units"]
    S["second_order"] = so
    S["degenerate_blocks"] = degenerate_blocks(rf, blocks)
    return S


def analyze_timeseries(rf, metric, num_resamples=DEFAULT_RESAMPLES,
                       conf_level=DEFAULT_CONF_LEVEL, seed=DEFAULT_SEED, times=None):
    """Sobol indices of a time-series metric at every output time: S1, ST ...
    with a leading time axis (T, D) / (T, D, D), and blocks_used (T,)."""
    N, D, so, blocks = design_blocks(rf)
    y = rf.timeseries(metric)
    tidx = np.arange(y.shape[1]) if times is None else np.asarray(times, dtype=int)
    y = y[:, tidx]
    v, complete = rf.point_values(y)
    T = y.shape[1]
    out = None
    used = np.zeros(T, dtype=int)
    dropped_unfinished = 0
    for t in range(T):
        S = analyze_values(v[:, t], complete, blocks, D, so, num_resamples=num_resamples,
                           conf_level=conf_level, seed=seed)
        b = S.pop("blocks")
        used[t] = b["used"]
        dropped_unfinished = b["dropped_unfinished"]
        if out is None:
            out = {k: np.full((T,) + np.shape(a), np.nan) for k, a in S.items()}
        for k, a in S.items():
            out[k][t] = a
    out.update(over_time_info(rf, metric, tidx, N, used, dropped_unfinished))
    out["second_order"] = so
    out["degenerate_blocks"] = degenerate_blocks(rf, blocks)
    return out
