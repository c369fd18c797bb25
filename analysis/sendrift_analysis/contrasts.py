"""Paired contrasts between the arms of a grid or list design.

An *arm* is a design point.  Within each tissue (the categorical parameter
`tissue` when it is swept, else the one tissue the sweep fixes, or none),
every arm is compared with a reference arm, replicate by replicate:

    d_k = y(arm, replicate k) - y(reference, replicate k)

over the replicates k whose runs are DONE in both arms (with a finite
value).  With `"streams": "paired"` in the sweep file the runs of one
replicate share their random numbers, so d_k removes the noise the arms
share; with per-run streams (the default) the pairs are independent draws
and d_k is still an unbiased difference, only no narrower than an unpaired
one.  The estimate is the mean of d_k; its interval a percentile bootstrap
over replicates: B resamples of the n pairs with replacement, the interval
the (1 - level) / 2 and (1 + level) / 2 quantiles of the resampled means.
Fewer than 2 pairs give no interval (NaN, with a note).

For grid designs, factorial effects of every axis (every swept parameter
but tissue) per tissue, each level against the reference arm's level:

    main effect of A at level a:       mean over the other axes of
                                       y(A = a) - y(A = ref)
    interaction of A (a) and B (b):    mean over the other axes of
                                       y(a, b) - y(a, ref) - y(ref, b) + y(ref, ref)

(the difference of differences: how much the effect of A changes when B
goes from its reference level to b).  Each is a fixed linear combination
of the cell means, so it is computed within every replicate that is DONE in
every cell of the tissue, and its bootstrap resamples those replicates
jointly across cells (one draw of replicates for all cells), which keeps
the pairing.

Every analysis also gives the unpaired interval (each arm's, or each
cell's, replicates resampled independently), to show what pairing gains.

    with ResultFile("results.h5") as rf:
        res = analyze(rf, outputs=["final_F"], reference=["senolytic.doses=0"])
        write_table(res, sys.stdout)
"""

import json
import zlib

import numpy as np

from .fmt import fmt_num
from .results import ResultError

DEFAULT_BOOT = 2000
DEFAULT_SEED = 1
DEFAULT_LEVEL = 0.95
CONTRAST_DESIGNS = ("grid", "list")
TISSUE = "tissue"
DOSE_SUFFIXES = (".doses", ".dose")
# Coverage of a nominal 95 % percentile bootstrap interval of a mean of n
# normal differences (2000 resamples; 2000 simulated data sets each; see
# analysis/README.md): too narrow with few replicates.
PERCENTILE_COVERAGE_95 = ((3, 0.76), (5, 0.83), (8, 0.88), (12, 0.91), (20, 0.92), (40, 0.94))


# -- the sweep: streams and tissue -------------------------------------------------------

def _sweep(rf):
    """The sweep file stored in the result (root attribute sweep_text) as a
    dict, or None when it is missing or not JSON."""
    text = rf.meta.get("sweep_text")
    if not text:
        return None
    try:
        s = json.loads(text)
    except ValueError:
        return None
    return s if isinstance(s, dict) else None


def streams(rf):
    """How the sweep keyed its random streams: {"mode": "paired" | "per-run" |
    "unknown", "paired": bool, "note": text}, from the key "streams" of the
    sweep file stored in the result (absent: "per-run", the default)."""
    s = _sweep(rf)
    if s is None:
        return {"mode": "unknown", "paired": False,
                "note": "the result file holds no readable sweep file (root attribute "
                        "sweep_text), so whether the arms shared random streams is unknown; "
                        "the differences are valid either way, narrower only if they did"}
    mode = s.get("streams", "per-run")
    if mode == "paired":
        return {"mode": "paired", "paired": True,
                "note": "the sweep used \"streams\": \"paired\": the runs of one replicate "
                        "share their random numbers across arms, so differences taken "
                        "replicate by replicate remove the noise the arms share"}
    return {"mode": str(mode), "paired": False,
            "note": "the sweep used per-run streams (no \"streams\": \"paired\"): arms do not "
                    "share random numbers, so the replicate-by-replicate differences are "
                    "valid but no more precise than unpaired ones; run the sweep with "
                    "\"streams\": \"paired\" for paired arms"}


def fixed_tissue(rf):
    """The tissue the sweep fixes in model.params (None: not set)."""
    s = _sweep(rf)
    try:
        t = s["model"]["params"][TISSUE]
    except (TypeError, KeyError):
        return None
    return str(t)


# -- arms ---------------------------------------------------------------------------------

def _value_text(p, v):
    return p.format_value(v) if p.categorical else "%.6g" % v


def _same(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _parse_value(p, text):
    """A --reference value for parameter p: a number, or for a categorical
    parameter a choice (or its index)."""
    if p.categorical:
        if text in p.choices:
            return float(p.choices.index(text))
        try:
            i = int(text)
        except ValueError:
            i = -1
        if 0 <= i < len(p.choices):
            return float(i)
        raise ResultError("--reference %s=%s: not a choice of %s (%s)"
                          % (p.name, text, p.name, ", ".join(p.choices)))
    try:
        return float(text)
    except ValueError:
        raise ResultError("--reference %s=%s: not a number" % (p.name, text)) from None


def parse_reference(rf, specs):
    """--reference NAME=VALUE options (each may hold several, comma
    separated) as {parameter index: value}."""
    ref = {}
    for spec in specs or []:
        for item in str(spec).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise ResultError("--reference '%s': expected NAME=VALUE, e.g. %s=%s"
                                  % (item, rf.params[0].name,
                                     _value_text(rf.params[0], rf.point_params()[0, 0]))
                                  if rf.params else "--reference '%s': expected NAME=VALUE"
                                  % item)
            name, val = (s.strip() for s in item.split("=", 1))
            i = rf.param_index(name)
            if name == TISSUE and rf.params[i].categorical:
                raise ResultError("--reference %s: tissue is not an arm's parameter here: the "
                                  "contrasts are taken within each tissue" % item)
            ref[i] = _parse_value(rf.params[i], val)
    return ref


def _drugs(rf, skip):
    """{drug: [parameter indices]} of the swept dose parameters (names
    ending in .doses or .dose): a drug is not given when any of them is 0."""
    out = {}
    for i, p in enumerate(rf.params):
        if i != skip and p.name.endswith(DOSE_SUFFIXES) and not p.categorical:
            out.setdefault(p.name.rsplit(".", 1)[0], []).append(i)
    return out


def choose_reference(rf, P, pts, ref, tissue_idx, tissue_label):
    """(reference point, how it was chosen) among the points pts of one
    tissue: the one that --reference (ref, {index: value}) names; else the
    first arm with no drug given (every swept dose parameter's drug at 0),
    else the first arm."""
    where = " in tissue %s" % tissue_label if tissue_label is not None else ""
    if ref:
        match = [p for p in pts if all(_same(P[p, i], v) for i, v in ref.items())]
        what = ", ".join("%s=%s" % (rf.params[i].name, _value_text(rf.params[i], v))
                         for i, v in sorted(ref.items()))
        if not match:
            raise ResultError("--reference %s matches no arm%s; arms: %s"
                              % (what, where, "; ".join(arm_label(rf, P, q, pts, tissue_idx)
                                                        for q in pts[:12])))
        if len(match) > 1:
            raise ResultError("--reference %s matches %d arms%s (%s): give more parameters"
                              % (what, len(match), where,
                                 "; ".join(arm_label(rf, P, q, pts, tissue_idx)
                                           for q in match[:6])))
        return match[0], "--reference %s" % what
    drugs = _drugs(rf, tissue_idx)
    if drugs:
        none = [p for p in pts
                if all(any(_same(P[p, i], 0.0) for i in idx) for idx in drugs.values())]
        if len(none) == 1:
            return none[0], "the arm with every drug dose 0 (%s)" % ", ".join(sorted(drugs))
        if none:
            return none[0], ("the first of the %d arms with every drug dose 0 (%s)"
                             % (len(none), ", ".join(sorted(drugs))))
    return pts[0], "the first arm"


def arm_label(rf, P, p, pts, tissue_idx):
    """'name=value, ...' of the parameters that vary among the points pts
    (tissue left out: it is the stratum); 'point p' when none varies."""
    parts = []
    for i, par in enumerate(rf.params):
        if i == tissue_idx:
            continue
        col = P[pts, i]
        if np.all(col == col[0]):
            continue
        parts.append("%s=%s" % (par.name, _value_text(par, P[p, i])))
    return ", ".join(parts) if parts else "point %d" % p


def strata(rf):
    """[(tissue label or None, points)] and the index of the tissue
    parameter (None when tissue is not swept)."""
    P = rf.point_params()
    ti = None
    for i, p in enumerate(rf.params):
        if p.name == TISSUE and p.categorical:
            ti = i
    if ti is None:
        return [(fixed_tissue(rf), list(range(rf.points)))], None
    out = []
    codes = P[:, ti]
    for c in sorted(set(int(round(v)) for v in codes if np.isfinite(v))):
        pts = [p for p in range(rf.points) if int(round(codes[p])) == c]
        out.append((rf.params[ti].format_value(c), pts))
    return out, ti


# -- the numbers ---------------------------------------------------------------------------

def replicate_matrix(rf, y):
    """points x replicates values of per-run y: NaN where the run is not
    DONE, not in the file, or not finite."""
    Y = np.full((rf.points, rf.replicates), np.nan)
    ok = rf.done & np.isfinite(y) & (rf.replicate < rf.replicates)
    Y[rf.point[ok], rf.replicate[ok]] = y[ok]
    return Y


def _rng(seed, *key):
    """A generator for one item, from the seed and the item's name, so that
    an item's interval does not depend on which others are computed."""
    h = zlib.crc32("\x1f".join(str(k) for k in key).encode("utf-8"))
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, h])


def _quantiles(bm, level):
    q = np.quantile(bm, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return q[0], q[1]


def boot_mean(e, boot, level, rng):
    """(mean, lo, hi) of the values e: percentile bootstrap of the mean over
    resamples of e with replacement; lo, hi NaN when len(e) < 2."""
    e = np.asarray(e, dtype=float)
    n = len(e)
    if n == 0:
        return np.nan, np.nan, np.nan
    m = float(e.mean())
    if n < 2:
        return m, np.nan, np.nan
    idx = rng.integers(n, size=(boot, n))
    lo, hi = _quantiles(e[idx].mean(axis=1), level)
    return m, float(lo), float(hi)


def boot_diff_unpaired(a, b, boot, level, rng):
    """(lo, hi) of mean(a) - mean(b), a and b resampled independently."""
    if len(a) < 2 or len(b) < 2:
        return np.nan, np.nan
    ia = rng.integers(len(a), size=(boot, len(a)))
    ib = rng.integers(len(b), size=(boot, len(b)))
    lo, hi = _quantiles(a[ia].mean(axis=1) - b[ib].mean(axis=1), level)
    return float(lo), float(hi)


def _no_interval_note(n):
    if n == 0:
        return "difference: no replicate DONE in both arms, no estimate"
    if n == 1:
        return "difference: 1 pair, no interval (needs 2)"
    return ""


def arm_contrasts(rf, Y, P, pts, refp, tissue_idx, boot, level, seed, key):
    """Rows per arm of one tissue: its mean (with interval) and its paired
    difference from the reference arm refp (with paired and unpaired
    intervals)."""
    rows = []
    yr = Y[refp]
    for p in pts:
        ya = Y[p]
        va = ya[np.isfinite(ya)]
        m, mlo, mhi = boot_mean(va, boot, level, _rng(seed, *key, "mean", p))
        row = {"point": int(p), "label": arm_label(rf, P, p, pts, tissue_idx),
               "params": {par.name: (par.format_value(P[p, i]) if par.categorical
                                     else float(P[p, i])) for i, par in enumerate(rf.params)},
               "reference": bool(p == refp), "n": int(len(va)), "mean": m,
               "mean_lo": mlo, "mean_hi": mhi}
        notes = []
        if len(va) < 2:
            notes.append("arm: %d replicate%s, no interval"
                         % (len(va), "" if len(va) == 1 else "s"))
        if p == refp:
            row.update(n_pairs=int(len(va)), diff=np.nan, lo=np.nan, hi=np.nan,
                       lo_unpaired=np.nan, hi_unpaired=np.nan)
        else:
            both = np.isfinite(ya) & np.isfinite(yr)
            d = ya[both] - yr[both]
            dm, lo, hi = boot_mean(d, boot, level, _rng(seed, *key, "diff", p))
            vr = yr[np.isfinite(yr)]
            ulo, uhi = boot_diff_unpaired(va, vr, boot, level, _rng(seed, *key, "unpaired", p))
            row.update(n_pairs=int(len(d)), diff=dm, lo=lo, hi=hi, lo_unpaired=ulo,
                       hi_unpaired=uhi)
            if len(d) < 2:
                notes.append(_no_interval_note(len(d)))
        row["note"] = "; ".join(notes)
        rows.append(row)
    return rows


def grid_cells(rf, P, pts, tissue_idx):
    """The factors (axes that vary among pts, tissue left out) of a full
    factorial: ([(parameter index, level values)], cell index per point),
    or (None, reason) when pts do not form one."""
    factors = []
    for i, par in enumerate(rf.params):
        if i == tissue_idx:
            continue
        vals = np.unique(P[pts, i])
        if len(vals) > 1:
            factors.append((i, vals))
    if not factors:
        return None, "no axis varies"
    shape = tuple(len(v) for _, v in factors)
    if int(np.prod(shape)) != len(pts):
        return None, ("%d arms do not form the full grid of %s levels"
                      % (len(pts), " x ".join(str(s) for s in shape)))
    cell = np.zeros(len(pts), dtype=np.int64)
    for (i, vals) in factors:
        lv = np.searchsorted(vals, P[pts, i])
        cell = cell * len(vals) + lv
    if len(np.unique(cell)) != len(pts):
        return None, "arms repeat a cell of the grid"
    return factors, cell


def _effect_weights(factors, refl):
    """Weights over the cells (row-major in the factors' order) of every
    main effect and two-way interaction, against the reference levels refl."""
    shape = tuple(len(v) for _, v in factors)
    ncell = int(np.prod(shape))
    grids = np.indices(shape).reshape(len(shape), ncell)
    effects = []
    for f in range(len(factors)):
        n_other = ncell // shape[f]
        for a in range(shape[f]):
            if a == refl[f]:
                continue
            w = ((grids[f] == a).astype(float) - (grids[f] == refl[f])) / n_other
            effects.append(("main", (f,), (a,), w))
    for f in range(len(factors)):
        for g in range(f + 1, len(factors)):
            n_other = ncell // (shape[f] * shape[g])
            for a in range(shape[f]):
                if a == refl[f]:
                    continue
                for b in range(shape[g]):
                    if b == refl[g]:
                        continue
                    fa, fr = grids[f] == a, grids[f] == refl[f]
                    gb, gr = grids[g] == b, grids[g] == refl[g]
                    w = ((fa & gb).astype(float) - (fa & gr) - (fr & gb) + (fr & gr)) / n_other
                    effects.append(("interaction", (f, g), (a, b), w))
    return effects


def factorial(rf, Y, P, pts, refp, tissue_idx, boot, level, seed, key):
    """Main effects and two-way interactions of one tissue's grid, or a
    dict with only 'note' when the arms are not a full grid."""
    factors, cell = grid_cells(rf, P, pts, tissue_idx)
    if factors is None:
        return {"note": "no factorial effects: %s" % cell, "effects": []}
    ncell = len(pts)
    Yc = np.full((ncell, Y.shape[1]), np.nan)
    Yc[cell] = Y[pts]
    complete = np.all(np.isfinite(Yc), axis=0)
    R = Yc[:, complete]                      # cells x replicates complete everywhere
    n = R.shape[1]
    refl = []
    for f, (i, vals) in enumerate(factors):
        refl.append(int(np.searchsorted(vals, P[refp, i])))
    effects = _effect_weights(factors, refl)
    W = np.array([e[3] for e in effects]).reshape(len(effects), ncell)
    rng = _rng(seed, *key, "factorial")
    est = np.full(len(effects), np.nan)
    lo = np.full(len(effects), np.nan)
    hi = np.full(len(effects), np.nan)
    ulo = np.full(len(effects), np.nan)
    uhi = np.full(len(effects), np.nan)
    if n >= 1:
        per_rep = W @ R                      # effects x replicates: each replicate's own
        est = per_rep.mean(axis=1)
    if n >= 2 and len(effects):
        idx = rng.integers(n, size=(boot, n))          # one draw for every cell
        bm = per_rep[:, idx].mean(axis=2)              # effects x boot
        lo, hi = _quantiles(bm.T, level)
        # unpaired: every cell's replicates resampled on their own
        ub = np.zeros((boot, len(effects)))
        for c in range(ncell):
            ic = rng.integers(n, size=(boot, n))
            ub += np.outer(R[c, ic].mean(axis=1), W[:, c])
        ulo, uhi = _quantiles(ub, level)
    note = ""
    if n < 2:
        note = ("%d replicate%s DONE in every cell: no interval"
                % (n, "" if n == 1 else "s")) if n else \
               "no replicate DONE in every cell: no estimate"
    out = []
    for k, (kind, fs, ls, _) in enumerate(effects):
        names = [rf.params[factors[f][0]].name for f in fs]
        lv = [_value_text(rf.params[factors[f][0]], factors[f][1][l]) for f, l in zip(fs, ls)]
        rv = [_value_text(rf.params[factors[f][0]], factors[f][1][refl[f]]) for f in fs]
        out.append({"kind": kind, "factors": names, "levels": lv, "reference_levels": rv,
                    "label": " x ".join(names),
                    "contrast": " x ".join("%s vs %s" % (a, b) for a, b in zip(lv, rv)),
                    "estimate": float(est[k]), "lo": float(lo[k]), "hi": float(hi[k]),
                    "lo_unpaired": float(ulo[k]), "hi_unpaired": float(uhi[k]),
                    "note": note})
    return {"factors": [rf.params[i].name for i, _ in factors],
            "levels": [[_value_text(rf.params[i], v) for v in vals] for i, vals in factors],
            "replicates_used": int(n), "replicates_total": int(Y.shape[1]),
            "note": note, "effects": out}


# -- the analysis ----------------------------------------------------------------------------

def check_design(rf):
    if rf.no_parameters:
        raise ResultError("%s: no swept parameters (the sweep has \"parameters\": []): a "
                          "single arm, nothing to contrast" % rf.path)
    if rf.dtype not in CONTRAST_DESIGNS:
        raise ResultError("%s: design type is '%s': contrasts between arms need a 'grid' or "
                          "'list' design (a '%s' design has analysis/sensitivity)"
                          % (rf.path, rf.dtype, rf.dtype))


def excluded(rf):
    """Runs that are not DONE: counts, and the warning line (None when all
    are DONE)."""
    c = rf.completion()
    n = c["runs"] - c["done"]
    w = None
    if n:
        w = ("%d of %d run%s not DONE (%d FAILED, %d PENDING) excluded: their arms have "
             "fewer replicates" % (n, c["runs"], "" if c["runs"] == 1 else "s",
                                   c["failed"], c["pending"]))
    return {"runs": c["runs"], "done": c["done"], "failed": c["failed"],
            "pending": c["pending"], "excluded": n, "warning": w}


def analyze(rf, outputs=None, reference=None, boot=DEFAULT_BOOT, seed=DEFAULT_SEED,
            level=DEFAULT_LEVEL, with_factorial=True):
    """Contrasts of every output (summary metric; default all) per tissue:
    arm means, paired differences from the reference arm and, for a grid,
    factorial effects; all with percentile bootstrap intervals over
    replicates.  reference: --reference strings ("name=value", ...)."""
    check_design(rf)
    if int(boot) < 2:
        raise ResultError("--boot must be at least 2")
    if not 0 < level < 1:
        raise ResultError("--level must be in (0, 1)")
    avail = rf.summary_names()
    outputs = list(outputs) if outputs else avail
    for m in outputs:
        if m not in avail:
            rf.metric_info(m)               # raises: not found, with the list
    if not outputs:
        raise ResultError("%s: no summary outputs to contrast" % rf.path)
    ref = parse_reference(rf, reference)
    P = rf.point_params()
    st, ti = strata(rf)
    tissues = []
    for label, pts in st:
        refp, how = choose_reference(rf, P, pts, ref, ti, label)
        tissues.append({"tissue": label, "points": pts, "reference_point": int(refp),
                        "reference_label": arm_label(rf, P, refp, pts, ti),
                        "reference_how": how})
    res = {"file": rf.path, "model": rf.meta.get("model"),
           "sweep_name": rf.meta.get("sweep_name"), "design": rf.dtype,
           "points": rf.points, "replicates": rf.replicates,
           "streams": streams(rf), "boot": int(boot), "seed": int(seed), "level": float(level),
           "excluded": excluded(rf),
           "tissue_axis": rf.params[ti].name if ti is not None else None,
           "tissues": [{k: v for k, v in t.items() if k != "points"} for t in tissues],
           "outputs": {}}
    for m in outputs:
        y = rf.summary(m)
        Y = replicate_matrix(rf, y)
        nonfinite = int((rf.done & ~np.isfinite(y)).sum())
        per = []
        for t in tissues:
            key = (m, t["tissue"])
            entry = {"tissue": t["tissue"], "reference_point": t["reference_point"],
                     "reference_label": t["reference_label"],
                     "arms": arm_contrasts(rf, Y, P, t["points"], t["reference_point"], ti,
                                           boot, level, seed, key)}
            if with_factorial and rf.dtype == "grid":
                entry["factorial"] = factorial(rf, Y, P, t["points"], t["reference_point"],
                                               ti, boot, level, seed, key)
            per.append(entry)
        res["outputs"][m] = {"units": rf.metric_info(m)["units"], "nonfinite_done": nonfinite,
                             "tissues": per}
    return res


# -- text, CSV, JSON --------------------------------------------------------------------------

def _n(v, w=12):
    return fmt_num(v, w)


def few_replicates_note(replicates):
    """A warning that percentile intervals from few replicates are too
    narrow (None from 20 replicates on)."""
    if replicates >= 20:
        return None
    return ("with %d replicate%s the intervals are too narrow: a nominal 95 %% percentile "
            "bootstrap interval covers about %s (normal differences); more replicates "
            "narrow that gap" % (replicates, "" if replicates == 1 else "s",
                                 ", ".join("%d %% at n = %d" % (100 * c, n)
                                           for n, c in PERCENTILE_COVERAGE_95)))


def header_lines(res):
    ex = res["excluded"]
    lines = ["design %s: %d arms x %d replicates; %d runs, %d DONE, %d FAILED, %d PENDING"
             % (res["design"], res["points"], res["replicates"], ex["runs"], ex["done"],
                ex["failed"], ex["pending"])]
    if ex["warning"]:
        lines.append("warning: " + ex["warning"])
    s = res["streams"]
    lines.append("streams: %s: %s" % (s["mode"], s["note"]))
    lines.append("intervals: %g %% percentile bootstrap over replicates, %d resamples, seed %d"
                 % (100 * res["level"], res["boot"], res["seed"]))
    note = few_replicates_note(res["replicates"])
    if note:
        lines.append("note: " + note)
    for t in res["tissues"]:
        lines.append("reference%s: %s (point %d; %s)"
                     % (" in tissue %s" % t["tissue"] if t["tissue"] is not None else "",
                        t["reference_label"], t["reference_point"], t["reference_how"]))
    return lines


def write_table(res, out):
    """The contrasts as text tables (fixed-width numbers that never run
    together)."""
    for line in header_lines(res):
        out.write(line + "\n")
    for m, o in res["outputs"].items():
        u = " (%s)" % o["units"] if o["units"] not in ("", "1", None) else ""
        for t in o["tissues"]:
            out.write("\n%s%s%s\n" % (m, u, ", tissue %s" % t["tissue"]
                                      if t["tissue"] is not None else ""))
            if o["nonfinite_done"]:
                out.write("(%d DONE run%s with a non-finite value left out)\n"
                          % (o["nonfinite_done"], "" if o["nonfinite_done"] == 1 else "s"))
            wl = max([5] + [len(a["label"]) + 6 for a in t["arms"]])
            out.write("%-*s %4s %12s %12s %12s %12s %5s  %s\n"
                      % (wl, "arm", "n", "mean", "diff", "lo", "hi", "pairs", "note"))
            for a in t["arms"]:
                lab = a["label"] + (" (ref)" if a["reference"] else "")
                out.write("%-*s %4d%s%s%s%s %5d  %s\n"
                          % (wl, lab, a["n"], _n(a["mean"], 13),
                             _n(a["diff"], 13) if not a["reference"] else "%13s" % "-",
                             _n(a["lo"], 13) if not a["reference"] else "%13s" % "",
                             _n(a["hi"], 13) if not a["reference"] else "%13s" % "",
                             a["n_pairs"], a["note"]))
            fac = t.get("factorial")
            if fac is None:
                continue
            if not fac["effects"]:
                out.write("%s\n" % fac["note"])
                continue
            out.write("factorial effects (%d of %d replicates DONE in every cell; "
                      "interaction = difference of differences)\n"
                      % (fac["replicates_used"], fac["replicates_total"]))
            wl = max([6] + [len(e["label"]) + 12 for e in fac["effects"]])
            wc = max([8] + [len(e["contrast"]) for e in fac["effects"]])
            out.write("%-*s %-*s %12s %12s %12s  %s\n"
                      % (wl, "effect", wc, "contrast", "estimate", "lo", "hi", "note"))
            for e in fac["effects"]:
                out.write("%-*s %-*s%s%s%s  %s\n"
                          % (wl, "%s %s" % (e["kind"], e["label"]), wc, e["contrast"],
                             _n(e["estimate"], 13), _n(e["lo"], 13), _n(e["hi"], 13),
                             e["note"]))


CSV_HEADER = ["output", "tissue", "kind", "label", "contrast", "point", "reference_point",
              "n", "n_pairs", "estimate", "lo", "hi", "lo_unpaired", "hi_unpaired", "note"]


def csv_rows(res):
    """Long format: one row per arm mean, arm difference and factorial
    effect."""
    for m, o in res["outputs"].items():
        for t in o["tissues"]:
            tis = "" if t["tissue"] is None else t["tissue"]
            for a in t["arms"]:
                yield [m, tis, "mean", a["label"], "", a["point"], "", a["n"], "", a["mean"],
                       a["mean_lo"], a["mean_hi"], "", "", a["note"]]
                if not a["reference"]:
                    yield [m, tis, "difference", a["label"], "vs " + t["reference_label"],
                           a["point"], t["reference_point"], a["n"], a["n_pairs"], a["diff"],
                           a["lo"], a["hi"], a["lo_unpaired"], a["hi_unpaired"], a["note"]]
            for e in (t.get("factorial") or {}).get("effects", []):
                yield [m, tis, e["kind"], e["label"], e["contrast"], "", "",
                       t["factorial"]["replicates_used"], "", e["estimate"], e["lo"], e["hi"],
                       e["lo_unpaired"], e["hi_unpaired"], e["note"]]


def write_csv(res, path):
    import csv
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER)
        for r in csv_rows(res):
            w.writerow(["nan" if isinstance(v, float) and not np.isfinite(v) else
                        ("%.10g" % v if isinstance(v, (float, np.floating)) else v) for v in r])


def jsonable(v):
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if np.isfinite(v) else None
    return v


def write_json(res, path):
    with open(path, "w") as fh:
        json.dump(jsonable(res), fh, indent=1)


# -- the figure --------------------------------------------------------------------------------

MAX_PANELS = 16


def figure(res, path, outputs=None, max_panels=MAX_PANELS):
    """Differences from the reference arm (and factorial effects) with their
    intervals, one panel per output and tissue; None when there is nothing
    to draw."""
    from . import figures as figs
    plt = figs.plt
    panels = []
    for m, o in res["outputs"].items():
        if outputs and m not in outputs:
            continue
        for t in o["tissues"]:
            panels.append((m, o["units"], t))
    if not panels:
        return None
    cut = len(panels) > max_panels
    panels = panels[:max_panels]
    heights = []
    for _, _, t in panels:
        k = sum(1 for a in t["arms"] if not a["reference"])
        k += len((t.get("factorial") or {}).get("effects", []))
        heights.append(max(k, 1))
    fig, axes = plt.subplots(len(panels), 1, squeeze=False,
                             figsize=(8.0, sum(0.32 * h + 1.1 for h in heights)),
                             gridspec_kw={"height_ratios": [h + 2 for h in heights]})
    for ax, (m, units, t) in zip(axes[:, 0], panels):
        labels, est, lo, hi, col = [], [], [], [], []
        for a in t["arms"]:
            if a["reference"]:
                continue
            labels.append(a["label"] + ("  (n=%d)" % a["n_pairs"]))
            est.append(a["diff"])
            lo.append(a["lo"])
            hi.append(a["hi"])
            col.append("#4c72b0")
        for e in (t.get("factorial") or {}).get("effects", []):
            labels.append("%s %s: %s" % (e["kind"], e["label"], e["contrast"]))
            est.append(e["estimate"])
            lo.append(e["lo"])
            hi.append(e["hi"])
            col.append("#dd8452" if e["kind"] == "main" else "#8172b3")
        yv = np.arange(len(labels))[::-1]
        est, lo, hi = (np.asarray(v, dtype=float) for v in (est, lo, hi))
        ax.axvline(0.0, color="0.5", lw=0.8)
        for k in range(len(labels)):
            if np.isfinite(lo[k]) and np.isfinite(hi[k]):
                ax.plot([lo[k], hi[k]], [yv[k], yv[k]], color=col[k], lw=2)
            if np.isfinite(est[k]):
                ax.plot([est[k]], [yv[k]], "o", color=col[k], ms=5,
                        mfc=col[k] if np.isfinite(lo[k]) else "white")
        ax.set_yticks(yv)
        ax.set_yticklabels(labels, fontsize=7.5)
        ax.set_ylim(-0.7, len(labels) - 0.3)
        u = figs._unit_suffix(units)
        ax.set_xlabel("difference in %s%s" % (m, u), fontsize=8.5)
        ax.set_title("%s%s: vs %s" % (m, ", %s" % t["tissue"] if t["tissue"] is not None
                                      else "", t["reference_label"]), fontsize=9)
        if not labels:
            ax.text(0.5, 0.5, "a single arm: nothing to contrast", transform=ax.transAxes,
                    ha="center", va="center", color="0.3")
    s = res["streams"]
    fig.suptitle("%s: paired differences, %g %% bootstrap intervals over replicates\n"
                 "streams %s; blue: arm - reference; orange: main effect; purple: "
                 "interaction; open dot: no interval%s"
                 % (res.get("sweep_name") or res["file"], 100 * res["level"], s["mode"],
                    "; first %d panels" % max_panels if cut else ""), fontsize=9)
    h = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / h))
    return figs._save(fig, path)
