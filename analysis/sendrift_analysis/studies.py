"""The two studies of docs/studies.md, each run by one command.

    analysis/study channels   --sendrift build/sendrift -o results/study-channels
    analysis/study epigenetic --sendrift build/sendrift -o results/study-epigenetic

(`make study-channels`, `make study-epigenetic`.)  Each runs its sweeps
through mpirun (sweeps/study-*.json, and the variants derived from them,
written to OUT/sweeps/ and stored in each result file), then analyses the
result files and writes OUT/<study>.md (the tables of docs/studies.md),
OUT/<study>.json (every number) and the figures (--figures DIR).  A sweep
whose result file already holds every run DONE of the same sweep is not
run again (--analyze-only runs none).

Study 1, "channels": is drift EV- or SASP-driven, per tissue?

  Paired knock-outs in every tissue (sweeps/study-channels.json, a grid
  tissue x k_E x k_S with "streams": "paired"), at the default potencies
  and with both at POTENCY_LEVELS times them.  For an output y and the
  four arms of a tissue, replicate by replicate (b baseline, e0 = k_E 0,
  s0 = k_S 0, n0 both 0):

      removal effect of EVs     b - e0   (what EVs add, the SASP present)
      removal effect of SASP    b - s0
      total                     b - n0   (what the two paracrine channels add)
      synergy                   b - e0 - s0 + n0
      Shapley share of EVs      phi_E / (b - n0), phi_E = ((b - e0) + (s0 - n0)) / 2
                                (phi_E + phi_S = b - n0: the synergy split evenly)
      EV-only - SASP-only       s0 - e0 = phi_E - phi_S

  each a mean over replicates with a percentile bootstrap interval (the
  replicates resampled jointly across the four arms, which keeps the
  pairing; a share is the ratio of the resampled means).  The spatial
  signature compares the EV-only and SASP-only arms at a third of the run
  and at its end (SIGNATURE_AT: pair correlation pcf_1..pcf_32, cluster
  sizes, nucleated clusters).

  Sobol indices over psi, L_E and L_S (sweeps/study-channels-sobol.json) of
  the baseline's front outputs and of the answer, EV-only - SASP-only, at
  every design point (three sweeps of the same design and seed: baseline,
  k_E = 0, k_S = 0; paired streams, so one set of random numbers).

Study 2, "epigenetic": do epigenetic drugs belong beside senolytics?

  A 2 x 2 x 2 grid of senolytic, DNA demethylation and HDAC inhibitor in
  cartilage and disc (sweeps/study-epigenetic.json, paired streams), main
  effects and two-way interactions with intervals (contrasts.factorial),
  and the paired contrasts the question asks for: each epigenetic drug
  added to the senolytic against the senolytic alone ("add-on"), and given
  instead of it ("instead").  Repeated (VARIANT_REPLICATES replicates) at
  low and high values of the assumptions that decide the answer
  (epi_variants); an effect *survives* when its interval excludes 0 on the
  same side in every variant.
"""

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from . import contrasts, sobol
from .results import ResultError, ResultFile

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEPS = os.path.join(HERE, "sweeps")
CHANNELS_SWEEP = "study-channels.json"
SOBOL_SWEEP = "study-channels-sobol.json"
VARIANT_REPLICATES = 5          # study 2: replicates of each assumption variant
EPI_SWEEP = "study-epigenetic.json"
SOBOL_TISSUES = ("cartilage",)
# Paracrine potency levels of study 1: k_S and k_E both at this multiple of
# their defaults (the neutral potencies), which keeps them neutral to each
# other; the Sobol study runs at SOBOL_POTENCY.
POTENCY_LEVELS = (1, 30)
SOBOL_POTENCY = 30
BOOT = 2000
SEED = 1
LEVEL = 0.95

# Outputs of study 1: (name, how it is read, units); "final:" a time series'
# value at the last output time.
CHANNEL_OUTPUTS = (("drift_speed", "um/d"), ("final:focus_radius", "um"),
                   ("final:nucleated_frac", "1"), ("auc_frac_senescent", "d"),
                   ("final_frac_senescent", "1"), ("final_frac_normal", "1"))
# The spatial signature: these time series at a third of the run and at its end.
SIGNATURE = ("pcf_1", "pcf_2", "pcf_4", "pcf_8", "pcf_16", "pcf_32", "cluster_mean",
             "cluster_max", "clusters", "nucleated_clusters", "nucleated_frac", "focus_radius",
             "frac_senescent")
SIGNATURE_AT = (1.0 / 3.0, 1.0)
PCF_LAGS = (1, 2, 4, 8, 16, 32)
SOBOL_OUTPUTS = ("drift_speed", "final:nucleated_frac", "auc_frac_senescent")
ARMS = (("baseline", True, True), ("no_ev", False, True), ("no_sasp", True, False),
        ("neither", False, False))
ARM_WORDS = {"baseline": "both channels", "no_ev": "k_E = 0 (SASP only)",
             "no_sasp": "k_S = 0 (EV only)", "neither": "k_E = k_S = 0"}

# Study 2.
EPI_OUTPUTS = (("final_F", "1"), ("auc_frac_senescent", "d"), ("drift_speed", "um/d"),
               ("final:focus_radius", "um"))
DRUGS = ("senolytic.doses", "dna_demethylation.doses", "hdac_inhibitor.doses")
DRUG_WORDS = {"senolytic.doses": "senolytic", "dna_demethylation.doses": "DNA demethylation",
              "hdac_inhibitor.doses": "HDAC inhibitor"}
# Better is higher (+1) or lower (-1).
BETTER = {"final_F": 1, "auc_frac_senescent": -1, "drift_speed": -1, "final:focus_radius": -1}


def epi_variants(defaults):
    """[(label, {parameter: value})]: the baseline and one low and one high
    value of each assumption that decides study 2 (docs/studies.md says
    why these values)."""
    kS, kE = defaults["k_S"], defaults["k_E"]
    kdm = defaults.get("hdac_inhibitor.k_dm", 0.0) or 0.1
    return [("baseline", {}),
            ("g_epi=1", {"g_epi": 1.0}), ("g_epi=8", {"g_epi": 8.0}),
            ("g_sec=0", {"g_sec": 0.0}), ("g_sec=4", {"g_sec": 4.0}),
            ("hdac k_dm=0", {"hdac_inhibitor.k_dm": 0.0}),
            ("hdac k_dm=%g" % (4 * kdm), {"hdac_inhibitor.k_dm": 4 * kdm}),
            ("potency x0.3", {"k_S": 0.3 * kS, "k_E": 0.3 * kE}),
            ("potency x10", {"k_S": 10.0 * kS, "k_E": 10.0 * kE})]


# -- sweeps -------------------------------------------------------------------------------

def load_sweep(name):
    path = name if os.path.isabs(name) else os.path.join(SWEEPS, name)
    with open(path) as fh:
        return json.load(fh)


def derive(sweep, name, params=None, replicates=None, axes=None):
    """A copy of sweep named name with model.params updated by params (a
    value set to None is removed), the values of swept axes replaced by
    axes ({name: values}) and its output file left to -o."""
    s = copy.deepcopy(sweep)
    s["name"] = name
    for k, vals in (axes or {}).items():
        ax = [p for p in s.get("parameters", []) if p["name"] == k]
        if not ax or "values" not in ax[0]:
            raise ResultError("%s: %s is not an axis with values" % (name, k))
        ax[0]["values"] = list(vals)
    mp = s.setdefault("model", {}).setdefault("params", {})
    for k, v in (params or {}).items():
        if any(p["name"] == k for p in s.get("parameters", [])):
            raise ResultError("%s: %s is swept, it cannot be fixed in a variant" % (name, k))
        if v is None:
            mp.pop(k, None)
        else:
            mp[k] = v
    if replicates is not None:
        s["replicates"] = int(replicates)
    out = s.get("output")
    if isinstance(out, dict):
        out.pop("file", None)
        if not out:
            s.pop("output")
    return s


def model_defaults(sendrift):
    """{parameter: default} of the drift model, as `sendrift models drift
    --json` prints them."""
    p = subprocess.run([sendrift, "models", "drift", "--json"], capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        raise ResultError("%s models drift --json: exit %d: %s"
                          % (sendrift, p.returncode, p.stderr.strip()))
    return {q["name"]: q.get("default") for q in json.loads(p.stdout)["parameters"]}


def check_channels_sweep(sweep, defaults):
    """The knock-out grid's 'on' values must be the model's defaults (the
    neutral potencies), so that the baseline arm is the default model."""
    axes = {p["name"]: p.get("values") for p in sweep["parameters"]}
    for k in ("k_E", "k_S"):
        vals = axes.get(k)
        if not vals or len(vals) != 2 or 0 not in vals or max(vals) <= 0:
            raise ResultError("%s: the axis %s must be [default, 0], is %r"
                              % (CHANNELS_SWEEP, k, vals))
        on = max(vals)
        d = defaults.get(k)
        if d is None or abs(on - d) > 1e-9 * max(1.0, abs(d)):
            raise ResultError("%s: %s = %r is not the model's default %r (the neutral potency): "
                              "update the sweep" % (CHANNELS_SWEEP, k, on, d))


def check_sobol_sweep(sweep, defaults):
    """The Sobol sweep fixes k_S and k_E at SOBOL_POTENCY times the model's
    defaults."""
    mp = sweep["model"]["params"]
    for k in ("k_S", "k_E"):
        want = SOBOL_POTENCY * defaults[k]
        if abs(mp.get(k, float("nan")) - want) > 1e-3 * abs(want):
            raise ResultError("%s: %s = %r is not %g x the model's default %r: update the sweep"
                              % (SOBOL_SWEEP, k, mp.get(k), SOBOL_POTENCY, defaults[k]))


def mpi_env(np_):
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.update(OMPI_MCA_btl_vader_single_copy_mechanism="none",
               OMPI_MCA_rmaps_base_oversubscribe="1",
               OMPI_MCA_mpi_yield_when_idle="1" if np_ > (os.cpu_count() or 1) else "0")
    return env


def _done_same(h5, sweep):
    """Whether h5 holds every run DONE of this very sweep."""
    if not os.path.exists(h5):
        return False
    try:
        with ResultFile(h5) as rf:
            stored = json.loads(rf.meta.get("sweep_text", "null"))
            return stored == sweep and bool(rf.done.all())
    except (ResultError, OSError, ValueError):
        return False


def run_sweep(sweep, outdir, tag, args, log):
    """Write OUT/sweeps/TAG.json, run it into OUT/TAG.h5 (unless done); the
    path of the result file."""
    h5 = os.path.join(outdir, tag + ".h5")
    if args.analyze_only:
        if not os.path.exists(h5):
            raise ResultError("%s: missing (--analyze-only)" % h5)
        return h5
    if _done_same(h5, sweep):
        log("%s: kept (every run of this sweep DONE)" % h5)
        return h5
    sdir = os.path.join(outdir, "sweeps")
    os.makedirs(sdir, exist_ok=True)
    js = os.path.join(sdir, tag + ".json")
    with open(js, "w") as fh:
        json.dump(sweep, fh, indent=1)
    cmd = ["mpirun", "--oversubscribe", "-n", str(args.np), args.sendrift, "run", js, "-o", h5,
           "--force", "--progress", "lines", "--progress-interval", "60"]
    log("$ " + " ".join(cmd))
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=mpi_env(args.np))
    except OSError as e:
        raise ResultError("%s: cannot start: %s" % (" ".join(cmd), e)) from None
    if p.returncode:
        raise ResultError("%s: exit %d" % (" ".join(cmd), p.returncode))
    log("%s: %.0f s" % (h5, time.time() - t0))
    return h5


# -- reading ------------------------------------------------------------------------------

def per_run(rf, name):
    """Per-run values of a summary, or of a time series at its last output
    time ("final:NAME") or at the output time nearest to day D ("at:D:NAME")."""
    if name.startswith("final:"):
        y = rf.timeseries(name[6:])
        return y[:, -1]
    if name.startswith("at:"):
        _, day, series = name.split(":", 2)
        k = int(np.argmin(np.abs(rf.time - float(day))))
        return rf.timeseries(series)[:, k]
    return rf.summary(name)


def _rng(*key):
    return contrasts._rng(SEED, *key)


def _ci(bm):
    lo, hi = np.quantile(bm, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(lo), float(hi)


def _est(v, lo, hi):
    return {"estimate": float(v), "lo": float(lo), "hi": float(hi)}


def decompose(b, e0, s0, n0, boot=BOOT, rng=None):
    """The knock-out decomposition of one output in one tissue from the
    four arms' per-replicate values (arrays over replicates, NaN where a
    run is missing): {quantity: {estimate, lo, hi}} over the replicates
    finite in all four, and 'n'.  Intervals: percentile bootstrap, the
    replicates resampled jointly."""
    b, e0, s0, n0 = (np.asarray(a, dtype=float) for a in (b, e0, s0, n0))
    ok = np.isfinite(b) & np.isfinite(e0) & np.isfinite(s0) & np.isfinite(n0)
    b, e0, s0, n0 = b[ok], e0[ok], s0[ok], n0[ok]
    n = int(ok.sum())
    q = {"baseline": b, "no_ev": e0, "no_sasp": s0, "neither": n0,
         "removal_ev": b - e0, "removal_sasp": b - s0, "total": b - n0,
         "synergy": b - e0 - s0 + n0,
         "shapley_ev": 0.5 * ((b - e0) + (s0 - n0)),
         "shapley_sasp": 0.5 * ((b - s0) + (e0 - n0)),
         "ev_minus_sasp": s0 - e0}
    out = {"n": n}
    if n == 0:
        for k in list(q) + ["share_ev", "share_sasp"]:
            out[k] = _est(np.nan, np.nan, np.nan)
        return out
    rng = rng if rng is not None else np.random.default_rng(SEED)
    idx = rng.integers(n, size=(boot, n)) if n >= 2 else None
    means = {}
    for k, v in q.items():
        m = float(v.mean())
        if idx is None:
            out[k] = _est(m, np.nan, np.nan)
        else:
            means[k] = v[idx].mean(axis=1)
            out[k] = _est(m, *_ci(means[k]))
    tot = float(q["total"].mean())
    for k, src in (("share_ev", "shapley_ev"), ("share_sasp", "shapley_sasp")):
        m = float(q[src].mean()) / tot if tot != 0 else np.nan
        if idx is None:
            out[k] = _est(m, np.nan, np.nan)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                r = means[src] / means["total"]
            r = r[np.isfinite(r)]
            out[k] = _est(m, *_ci(r)) if len(r) else _est(m, np.nan, np.nan)
    # a share means something only where the channels add spread that the
    # replicates decide: the total's interval excludes 0
    t = out["total"]
    out["share_defined"] = bool(np.isfinite(t["lo"]) and (t["lo"] > 0 or t["hi"] < 0))
    return out


def channel_points(rf):
    """{tissue: {arm: point}} of the knock-out grid (ARMS by k_E, k_S on/off)."""
    P = rf.point_params()
    st, ti = contrasts.strata(rf)
    ie, is_ = rf.param_index("k_E"), rf.param_index("k_S")
    out = {}
    for label, pts in st:
        arms = {}
        for arm, on_e, on_s in ARMS:
            m = [p for p in pts if (P[p, ie] > 0) == on_e and (P[p, is_] > 0) == on_s]
            if len(m) != 1:
                raise ResultError("%s: tissue %s: %d points with k_E %s, k_S %s (want 1)"
                                  % (rf.path, label, len(m), "on" if on_e else "0",
                                     "on" if on_s else "0"))
            arms[arm] = m[0]
        out[label] = arms
    return out


def arm_values(rf, name):
    """points x replicates of an output (contrasts.replicate_matrix)."""
    return contrasts.replicate_matrix(rf, per_run(rf, name))


def paired(a, b, boot=BOOT, rng=None):
    """Means of a and b and of a - b over replicates finite in both, with
    percentile bootstrap intervals (joint resampling)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = len(a)
    rng = rng if rng is not None else np.random.default_rng(SEED)
    res = {"n": int(n)}
    for k, v in (("a", a), ("b", b), ("diff", a - b)):
        if n == 0:
            res[k] = _est(np.nan, np.nan, np.nan)
        elif n == 1:
            res[k] = _est(v.mean(), np.nan, np.nan)
        else:
            idx = rng.integers(n, size=(boot, n))
            res[k] = _est(v.mean(), *_ci(v[idx].mean(axis=1)))
    return res


def analyze_channels(h5, outputs=CHANNEL_OUTPUTS, signature=SIGNATURE):
    res = {"file": h5, "outputs": {}, "signature": {}}
    with ResultFile(h5) as rf:
        res["replicates"] = rf.replicates
        res["streams"] = contrasts.streams(rf)["mode"]
        res["excluded"] = contrasts.excluded(rf)
        cp = channel_points(rf)
        res["tissues"] = list(cp)
        for name, units in outputs:
            Y = arm_values(rf, name)
            res["outputs"][name] = {"units": units, "tissues": {}}
            for t, arms in cp.items():
                d = decompose(Y[arms["baseline"]], Y[arms["no_ev"]], Y[arms["no_sasp"]],
                              Y[arms["neither"]], rng=_rng("channels", name, t))
                res["outputs"][name]["tissues"][t] = d
        days = sorted(set(float(rf.time[int(np.argmin(np.abs(rf.time - f * rf.time[-1])))])
                          for f in SIGNATURE_AT)) if len(rf.time) and signature else []
        for day in days:
            sig = res["signature"]["%g" % day] = {}
            for name in signature:
                Y = arm_values(rf, "at:%r:%s" % (day, name))
                sig[name] = {}
                for t, arms in cp.items():
                    pr = paired(Y[arms["no_sasp"]], Y[arms["no_ev"]],
                                rng=_rng("sig", day, name, t))
                    bl = paired(Y[arms["baseline"]], Y[arms["baseline"]],
                                rng=_rng("sigb", day, name, t))
                    sig[name][t] = {"ev_only": pr["a"], "sasp_only": pr["b"],
                                    "ev_minus_sasp": pr["diff"], "n": pr["n"],
                                    "baseline": bl["a"]}
        res["snapshots"] = rf.snapshots()
        res["time_end"] = float(rf.time[-1]) if len(rf.time) else np.nan
    return res


def analyze_sobol(files, outputs=SOBOL_OUTPUTS, resamples=200):
    """files: {arm: path} for baseline, no_ev, no_sasp of one Sobol design.
    Sobol indices of the baseline's outputs and of EV-only - SASP-only,
    the per-point values for the figure, and the share of points where
    EV-only spreads more."""
    rfs = {k: ResultFile(v) for k, v in files.items()}
    try:
        base = rfs["baseline"]
        N, D, so, blocks = sobol.design_blocks(base)
        X = base.point_params()
        for k, rf in rfs.items():
            if rf.points != base.points or not np.allclose(rf.point_params(), X):
                raise ResultError("%s: not the design of %s" % (rf.path, base.path))
        res = {"names": base.param_names, "N": N, "indices": {}, "points": {}}
        for name in outputs:
            vals = {}
            comp = None
            for k, rf in rfs.items():
                v, c = rf.point_values(per_run(rf, name))
                vals[k] = v
                comp = c if comp is None else comp & c
            ans = vals["no_sasp"] - vals["no_ev"]
            for what, v in (("baseline", vals["baseline"]), ("ev_minus_sasp", ans)):
                S = sobol.analyze_values(v, comp, blocks, D, so, num_resamples=resamples,
                                         seed=SEED)
                res["indices"]["%s|%s" % (what, name)] = {
                    k: (np.asarray(S[k]).tolist() if k in S else None)
                    for k in ("S1", "S1_conf", "ST", "ST_conf")}
                res["indices"]["%s|%s" % (what, name)]["blocks"] = S["blocks"]
            ok = np.isfinite(ans) & comp
            res["points"][name] = {"baseline": vals["baseline"].tolist(),
                                   "ev_minus_sasp": ans.tolist(),
                                   "frac_ev_more": float(np.mean(ans[ok] > 0)) if ok.any()
                                   else np.nan,
                                   "n": int(ok.sum()),
                                   "median": float(np.median(ans[ok])) if ok.any() else np.nan}
        res["X"] = X.tolist()
    finally:
        for rf in rfs.values():
            rf.close()
    return res


def derived_contrasts(rf, name, reference=None):
    """contrasts.analyze's entry for one output (a summary, or final:SERIES)."""
    Y = contrasts.replicate_matrix(rf, per_run(rf, name))
    P = rf.point_params()
    st, ti = contrasts.strata(rf)
    ref = contrasts.parse_reference(rf, reference)
    per = {}
    for label, pts in st:
        refp, how = contrasts.choose_reference(rf, P, pts, ref, ti, label)
        key = (name, label)
        per[label] = {"arms": contrasts.arm_contrasts(rf, Y, P, pts, refp, ti, BOOT, LEVEL,
                                                      SEED, key),
                      "factorial": contrasts.factorial(rf, Y, P, pts, refp, ti, BOOT, LEVEL,
                                                       SEED, key),
                      "reference": contrasts.arm_label(rf, P, refp, pts, ti)}
    return per


ADDONS = ((("dna_demethylation.doses",), "senolytic + DNA demethylation"),
          (("hdac_inhibitor.doses",), "senolytic + HDAC inhibitor"),
          (("dna_demethylation.doses", "hdac_inhibitor.doses"), "senolytic + both"))


def addon_contrasts(rf, name, tissue):
    """The add-on effects in one tissue: each arm of the senolytic with
    epigenetic drug(s) against the senolytic alone, paired by replicate."""
    Y = contrasts.replicate_matrix(rf, per_run(rf, name))
    P = rf.point_params()
    st, ti = contrasts.strata(rf)
    pts = dict(st)[tissue]
    idx = {d: rf.param_index(d) for d in DRUGS}

    def arm(on):
        m = [p for p in pts if all((P[p, idx[d]] > 0) == (d in on) for d in DRUGS)]
        if len(m) != 1:
            raise ResultError("%s: tissue %s: %d arms with %s (want 1)"
                              % (rf.path, tissue, len(m), ", ".join(on) or "no drug"))
        return m[0]
    ref = arm(("senolytic.doses",))
    out = []
    pairs = [(arm(("senolytic.doses",) + drugs), ref, "add-on", label)
             for drugs, label in ADDONS]
    pairs += [(arm((d,)), ref, "instead", "%s alone vs senolytic alone" % DRUG_WORDS[d])
              for d in DRUGS[1:]]
    for a, b, kind, label in pairs:
        pr = paired(Y[a], Y[b], rng=_rng(kind, name, tissue, label))
        e = dict(pr["diff"], n=pr["n"], label=label, kind=kind)
        e["verdict"] = verdict(e)
        out.append(e)
    return out


def verdict(e):
    lo, hi = e["lo"], e["hi"]
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "?"
    return "+" if lo > 0 else ("-" if hi < 0 else "0")


def analyze_epigenetic(files, outputs=EPI_OUTPUTS):
    """files: [(variant label, path)].  Factorial effects per variant,
    tissue and output; and which survive every variant."""
    res = {"variants": [v for v, _ in files], "effects": {}, "arms": {}}
    for label, h5 in files:
        with ResultFile(h5) as rf:
            if label == files[0][0]:
                res["replicates"] = rf.replicates
                res["streams"] = contrasts.streams(rf)["mode"]
            res.setdefault("excluded", {})[label] = contrasts.excluded(rf)
            for name, units in outputs:
                per = derived_contrasts(rf, name)
                for t, e in per.items():
                    for eff in e["factorial"]["effects"]:
                        k = (name, t, eff["kind"], eff["label"])
                        res["effects"].setdefault(k, {})[label] = {
                            "estimate": eff["estimate"], "lo": eff["lo"], "hi": eff["hi"],
                            "n": e["factorial"]["replicates_used"], "verdict": verdict(eff)}
                    for add in addon_contrasts(rf, name, t):
                        k = (name, t, add["kind"], add["label"])
                        res["effects"].setdefault(k, {})[label] = add
                    if label == files[0][0]:
                        res["arms"][(name, t)] = [
                            {"label": a["label"], "mean": a["mean"], "mean_lo": a["mean_lo"],
                             "mean_hi": a["mean_hi"], "diff": a["diff"], "lo": a["lo"],
                             "hi": a["hi"], "n": a["n_pairs"], "reference": a["reference"]}
                            for a in e["arms"]]
    for k, per in res["effects"].items():
        vs = [per[v]["verdict"] for v in res["variants"] if v in per]
        per["_survives"] = (vs[0] if vs and vs[0] in "+-" and all(x == vs[0] for x in vs)
                            else "no")
    return res


# -- text ---------------------------------------------------------------------------------

def _f(v, nd=3):
    if v is None or not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a != 0 and (a < 10 ** -(nd) or a >= 1e5):
        return "%.2e" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return ("%." + str(nd) + "f") % v if a < 1 else "%.2f" % v


def _ci_text(e, nd=3):
    return "%s [%s, %s]" % (_f(e["estimate"], nd), _f(e["lo"], nd), _f(e["hi"], nd))


def channels_markdown(res, sob):
    L = []
    if res is None:
        res = {"outputs": {}, "signature": {}}
    else:
        L.append("Knock-outs: %s, %d replicates, streams %s; %s."
                 % (os.path.basename(res["file"]), res["replicates"], res["streams"],
                    res["excluded"]["warning"] or "every run DONE"))
        L.append("")
    for name, o in res["outputs"].items():
        u = "" if o["units"] == "1" else " (%s)" % o["units"]
        L.append("**%s**%s: arm means, and the decomposition (mean [95 %% interval] over "
                 "replicates)" % (name, u))
        L.append("")
        L.append("| tissue | n | both channels | SASP only (k_E = 0) | EV only (k_S = 0) | "
                 "neither | removal of EVs | removal of SASP | synergy | EV share | "
                 "EV-only - SASP-only |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for t, d in o["tissues"].items():
            share = _ci_text(d["share_ev"], 2) if d.get("share_defined") else \
                "n/a (total %s)" % _ci_text(d["total"])
            L.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                     % (t, d["n"], _ci_text(d["baseline"]), _ci_text(d["no_ev"]),
                        _ci_text(d["no_sasp"]), _ci_text(d["neither"]),
                        _ci_text(d["removal_ev"]), _ci_text(d["removal_sasp"]),
                        _ci_text(d["synergy"]), share, _ci_text(d["ev_minus_sasp"])))
        L.append("")
    if res["signature"]:
        L.append("**Spatial signature**: EV only (k_S = 0) against SASP only (k_E = 0), and "
                 "their paired difference, at day %s"
                 % " and ".join(res["signature"]))
        L.append("")
        L.append("| day | output | tissue | n | EV only | SASP only | EV - SASP | "
                 "both channels |")
        L.append("|---|---|---|---|---|---|---|---|")
    for day, sig in res["signature"].items():
        for name, per in sig.items():
            for t, s in per.items():
                L.append("| %s | %s | %s | %d | %s | %s | %s | %s |"
                         % (day, name, t, s["n"], _ci_text(s["ev_only"]),
                            _ci_text(s["sasp_only"]), _ci_text(s["ev_minus_sasp"]),
                            _ci_text(s["baseline"])))
    if res["signature"]:
        L.append("")
    for tissue, so in (sob or {}).items():
        L.append("**Sobol indices, %s** (psi, L_E, L_S; N = %d base points, %d runs a "
                 "sweep; S1 / ST +- 95 %% half-width)" % (tissue, so["N"],
                                                       so["N"] * (len(so["names"]) + 2)))
        L.append("")
        L.append("| output | blocks used | " + " | ".join(
            "S1 %s | ST %s" % (n, n) for n in so["names"]) + " |")
        L.append("|---|---|" + "---|---|" * len(so["names"]))
        for key, S in so["indices"].items():
            what, name = key.split("|")
            lab = ("%s (baseline)" % name if what == "baseline"
                   else "EV-only - SASP-only of %s" % name)
            cells = []
            for j in range(len(so["names"])):
                cells.append("%s +- %s" % (_f(S["S1"][j], 2), _f(S["S1_conf"][j], 2)))
                cells.append("%s +- %s" % (_f(S["ST"][j], 2), _f(S["ST_conf"][j], 2)))
            L.append("| %s | %d of %d | %s |" % (lab.replace("final:", "final "),
                                                 S["blocks"]["used"], S["blocks"]["total"],
                                                 " | ".join(cells)))
        L.append("")
        L.append("| output | points | EV-only spreads more at | median EV-only - SASP-only |")
        L.append("|---|---|---|---|")
        for name, p in so["points"].items():
            L.append("| %s | %d | %s | %s |" % (name.replace("final:", "final "), p["n"],
                                                "%.0f %%" % (100 * p["frac_ev_more"])
                                                if np.isfinite(p["frac_ev_more"]) else "n/a",
                                                _f(p["median"])))
        L.append("")
    return "\n".join(L) + "\n"


def channels_summary_markdown(levels):
    """One compact table for docs/studies.md: per potency level, output and
    tissue, what the two channels add (both - neither), the EV share of it
    and EV-only - SASP-only.  levels: {multiple: analyze_channels result}."""
    L = ["| potency | output | tissue | both channels | what they add (both - neither) | "
         "EV share | synergy | EV only - SASP only |", "|---|---|---|---|---|---|---|---|"]
    for m, res in levels.items():
        for name, o in res["outputs"].items():
            u = "" if o["units"] == "1" else " (%s)" % o["units"]
            for t, d in o["tissues"].items():
                share = _ci_text(d["share_ev"], 2) if d.get("share_defined") else "n/a"
                L.append("| x%g | %s%s | %s | %s | %s | %s | %s | %s |"
                         % (m, name.replace("final:", "final "), u, t, _ci_text(d["baseline"]),
                            _ci_text(d["total"]), share, _ci_text(d["synergy"]),
                            _ci_text(d["ev_minus_sasp"])))
    return "\n".join(L) + "\n"


def epigenetic_markdown(res):
    L = []
    base = res["variants"][0]
    ex = res["excluded"][base]
    L.append("Drug grid: %d replicates per arm, streams %s; variants: %s; %s."
             % (res["replicates"], res["streams"], ", ".join(res["variants"]),
                ex["warning"] or "every run of the baseline DONE"))
    bad = [v for v, e in res["excluded"].items() if e["warning"]]
    if bad:
        L.append("Runs not DONE in: " + "; ".join("%s (%s)" % (v, res["excluded"][v]["warning"])
                                                for v in bad))
    L.append("")
    order = {"main": 0, "interaction": 1, "add-on": 2, "instead": 3}
    keys = sorted(res["effects"], key=lambda k: (k[1], [o for o, _ in EPI_OUTPUTS].index(k[0]),
                                                 order[k[2]], k[3]))
    L.append("**Baseline assumptions**: factorial effects (main effect: the drug given "
             "against not, averaged over the other two; interaction: difference of "
             "differences; add-on: the arm with the senolytic and the drug against the "
             "senolytic alone; instead: the drug alone against the senolytic alone; both "
             "paired by replicate), mean [95 % interval]")
    L.append("")
    L.append("| tissue | output | effect | estimate [95 % interval] |")
    L.append("|---|---|---|---|")
    for k in keys:
        name, t, kind, label = k
        e = res["effects"][k][base]
        L.append("| %s | %s | %s %s | %s |" % (t, name.replace("final:", "final "), kind,
                                               _words(label), _ci_text(e)))
    L.append("")
    L.append("**Across the assumptions**: the sign each variant's interval decides (+ above "
             "0, - below, 0 includes 0); *survives* when every variant decides the same sign")
    L.append("")
    L.append("| tissue | output | effect | " + " | ".join(res["variants"]) + " | survives |")
    L.append("|---|---|---|" + "---|" * len(res["variants"]) + "---|")
    for k in keys:
        name, t, kind, label = k
        per = res["effects"][k]
        L.append("| %s | %s | %s %s | %s | %s |"
                 % (t, name.replace("final:", "final "), kind, _words(label),
                    " | ".join("%s %s" % (per[v]["verdict"], _f(per[v]["estimate"]))
                               if v in per else "n/a" for v in res["variants"]),
                    per["_survives"]))
    L.append("")
    return "\n".join(L) + "\n"


def _words(label):
    for k, w in DRUG_WORDS.items():
        label = label.replace(k, w)
    return label


# -- figures ------------------------------------------------------------------------------

def _plt():
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path):
    fig.savefig(path, dpi=80)
    _plt().close(fig)
    return path


def figure_channels(res, path):
    plt = _plt()
    outs = list(res["outputs"])
    tissues = res["tissues"]
    ncol = min(3, len(outs))
    nrow = (len(outs) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.1 * ncol, 2.6 * nrow), squeeze=False)
    cols = {"removal_ev": "#c0392b", "removal_sasp": "#2e86c1", "synergy": "#7d3c98"}
    for ax in axes.ravel()[len(outs):]:
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), outs):
        o = res["outputs"][name]
        for j, (q, c) in enumerate(cols.items()):
            for i, t in enumerate(tissues):
                e = o["tissues"][t][q]
                y = i + (j - 1) * 0.22
                if np.isfinite(e["lo"]):
                    ax.plot([e["lo"], e["hi"]], [y, y], color=c, lw=2)
                ax.plot([e["estimate"]], [y], "o", color=c, ms=4,
                        label=q.replace("_", " ") if i == 0 else None)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_yticks(range(len(tissues)))
        ax.set_yticklabels(tissues, fontsize=8)
        ax.invert_yaxis()
        u = o["units"]
        ax.set_title(name.replace("final:", "final ") + ("" if u == "1" else " (%s)" % u),
                     fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("What each channel adds: baseline - knock-out, mean and 95 % interval "
                 "over paired replicates", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return _save(fig, path)


def figure_signature(res, path):
    plt = _plt()
    tissues = res["tissues"]
    days = list(res["signature"])
    fig, axes = plt.subplots(len(days), len(tissues), squeeze=False,
                             figsize=(2.6 * len(tissues), 2.5 * len(days)))
    for r, day in enumerate(days):
        sig = res["signature"][day]
        for ax, t in zip(axes[r], tissues):
            for arm, c, lab in (("baseline", "0.3", "both"), ("ev_only", "#c0392b", "EV only"),
                                ("sasp_only", "#2e86c1", "SASP only")):
                m, lo, hi = [], [], []
                for lag in PCF_LAGS:
                    e = sig["pcf_%d" % lag][t][arm]
                    m.append(e["estimate"])
                    lo.append(e["lo"])
                    hi.append(e["hi"])
                ax.plot(PCF_LAGS, m, "o--" if arm == "baseline" else "o-", color=c,
                        ms=2 if arm == "baseline" else 3,
                        lw=0.8 if arm == "baseline" else 1.4, label=lab)
                if arm != "baseline":
                    ax.fill_between(PCF_LAGS, lo, hi, color=c, alpha=0.2, lw=0)
            fs = sig.get("frac_senescent", {}).get(t)
            if fs is not None:
                ax.text(0.97, 0.95, "senescent fraction\nEV only %.3f\nSASP only %.3f"
                        % (fs["ev_only"]["estimate"], fs["sasp_only"]["estimate"]),
                        transform=ax.transAxes, ha="right", va="top", fontsize=6.5)
            top = max(e["estimate"] for lag in PCF_LAGS
                      for e in (sig["pcf_%d" % lag][t]["ev_only"],
                                sig["pcf_%d" % lag][t]["sasp_only"])
                      if np.isfinite(e["estimate"])) if sig else 2
            ax.set_ylim(0, max(2.0, min(12.0, 1.25 * top)))
            ax.axhline(1, color="0.6", lw=0.8)
            ax.set_xscale("log", base=2)
            ax.set_xticks(PCF_LAGS)
            ax.set_xticklabels([str(x) for x in PCF_LAGS])
            if r == len(days) - 1:
                ax.set_xlabel("lag (sites)", fontsize=8)
            ax.set_title("%s, day %s" % (t, day), fontsize=8.5)
            ax.tick_params(labelsize=7)
        axes[r][0].set_ylabel("pair correlation", fontsize=8)
    axes[0][0].legend(fontsize=6.5, loc="lower left")
    fig.tight_layout()
    return _save(fig, path)


def figure_snapshots(h5, res, path):
    """Final kind snapshots of replicate 0: tissues x (both, EV only, SASP only)."""
    import h5py
    plt = _plt()
    snaps = {}
    for run, k, tm, grp in res["snapshots"]:
        snaps[run] = grp
    if not snaps:
        return None
    with ResultFile(h5) as rf:
        cp = channel_points(rf)
        R = rf.replicates
    arms = (("baseline", "both"), ("no_sasp", "EV only"), ("no_ev", "SASP only"))
    tissues = [t for t in res["tissues"] if all(cp[t][a] * R in snaps for a, _ in arms)]
    if not tissues:
        return None
    from matplotlib.colors import ListedColormap
    cmap = ListedColormap(["#e8e8e8", "#3a8f5c", "#c0392b"])
    fig, axes = plt.subplots(len(arms), len(tissues), figsize=(1.9 * len(tissues), 5.8),
                             squeeze=False)
    with h5py.File(h5, "r") as f:
        for j, t in enumerate(tissues):
            for i, (a, lab) in enumerate(arms):
                run = cp[t][a] * R
                kind = f[snaps[run]]["kind"][...]
                ax = axes[i][j]
                ax.imshow(kind, cmap=cmap, vmin=0, vmax=2, origin="lower",
                          interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                if i == 0:
                    ax.set_title(t, fontsize=9)
                if j == 0:
                    ax.set_ylabel(lab, fontsize=8)
    fig.suptitle("Day %g, replicate 0 (red senescent, green normal, grey empty)"
                 % res["time_end"], fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return _save(fig, path)


def figure_sobol(so, tissue, path, outputs=("drift_speed", "auc_frac_senescent")):
    plt = _plt()
    names = so["names"]
    X = np.asarray(so["X"])
    fig, axes = plt.subplots(len(outputs), len(names) + 1, squeeze=False,
                             figsize=(2.5 * (len(names) + 1), 2.5 * len(outputs)))
    for r, output in enumerate(outputs):
        p = so["points"][output]
        ans = np.asarray(p["ev_minus_sasp"], dtype=float)
        for j, nm in enumerate(names):
            ax = axes[r][j]
            ax.scatter(X[:, j], ans, s=6, color="#7d3c98")
            ax.axhline(0, color="0.5", lw=0.8)
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(_plt().matplotlib.ticker.FormatStrFormatter("%g"))
            ax.xaxis.set_minor_formatter(_plt().matplotlib.ticker.NullFormatter())
            ax.set_xlabel(nm, fontsize=8)
            ax.tick_params(labelsize=7)
        axes[r][0].set_ylabel("EV-only - SASP-only\n%s" % output.replace("final:", "final "),
                              fontsize=8)
        ax = axes[r][-1]
        S = so["indices"]["ev_minus_sasp|%s" % output]
        x = np.arange(len(names))
        ax.bar(x - 0.18, S["S1"], 0.36, yerr=S["S1_conf"], color="#aab7b8", label="S1")
        ax.bar(x + 0.18, S["ST"], 0.36, yerr=S["ST_conf"], color="#7d3c98", label="ST")
        ax.set_xticks(x)
        ax.set_xticklabels(names, fontsize=8)
        ax.set_ylim(-0.2, 1.5)
        ax.tick_params(labelsize=7)
        ax.set_title("Sobol indices (95 %)", fontsize=8)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle("%s: EV-only - SASP-only at each design point (> 0: EV-only spreads more)"
                 % tissue, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return _save(fig, path)


def figure_epigenetic(res, path, outputs=("final_F", "auc_frac_senescent")):
    plt = _plt()
    tissues = sorted(set(k[1] for k in res["effects"]))
    fig, axes = plt.subplots(len(tissues), len(outputs), squeeze=False,
                             figsize=(4.6 * len(outputs), 3.3 * len(tissues)))
    variants = res["variants"]
    cmap = plt.get_cmap("tab10")
    for i, t in enumerate(tissues):
        for j, name in enumerate(outputs):
            ax = axes[i][j]
            keys = sorted([k for k in res["effects"] if k[0] == name and k[1] == t],
                          key=lambda k: ({"main": 0, "interaction": 1, "add-on": 2,
                                          "instead": 3}[k[2]], k[3]))
            for r, k in enumerate(keys):
                per = res["effects"][k]
                for v_i, v in enumerate(variants):
                    if v not in per:
                        continue
                    e = per[v]
                    y = r + (v_i - (len(variants) - 1) / 2) * 0.08
                    c = "k" if v_i == 0 else cmap(v_i % 10)
                    if np.isfinite(e["lo"]):
                        ax.plot([e["lo"], e["hi"]], [y, y], color=c, lw=1.6 if v_i == 0 else 1)
                    ax.plot([e["estimate"]], [y], "o", color=c, ms=3.5 if v_i == 0 else 2.5,
                            label=v if (i == 0 and j == 0 and r == 0) else None)
            ax.axvline(0, color="0.5", lw=0.8)
            ax.set_yticks(range(len(keys)))
            ax.set_yticklabels([{"main": "", "interaction": "x ", "add-on": "+ ",
                                 "instead": ""}[k[2]]
                                + _words(k[3]).replace("senolytic + ", "senolytic+")
                                .replace(" alone vs senolytic alone", " vs senolytic")
                                for k in keys], fontsize=7)
            ax.invert_yaxis()
            ax.set_title("%s, %s" % (t, name), fontsize=9)
            ax.tick_params(labelsize=7)
    h, lab = axes[0][0].get_legend_handles_labels()
    fig.legend(h, lab, fontsize=7, loc="lower center", ncol=min(len(lab), 9), frameon=False)
    fig.suptitle("Drug effects (main; x: interaction; +: add-on to the senolytic alone), 95 % "
                 "intervals;\nblack: baseline assumptions, colours: one assumption low or high",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 0.93))
    return _save(fig, path)


# -- the studies ----------------------------------------------------------------------------

def _jsonable(res):
    def key(k):
        return "|".join(str(x) for x in k) if isinstance(k, tuple) else str(k)

    def conv(v):
        if isinstance(v, dict):
            return {key(k): conv(x) for k, x in v.items()}
        return contrasts.jsonable(v) if not isinstance(v, (list, tuple)) else \
            [conv(x) for x in v]
    return conv(res)


def study_channels(args, log):
    defaults = model_defaults(args.sendrift)
    sweep = load_sweep(CHANNELS_SWEEP)
    check_channels_sweep(sweep, defaults)
    kS, kE = defaults["k_S"], defaults["k_E"]
    out = args.output
    levels = {}
    for m in args.potency:
        tag = "channels-x%g" % m
        axes = None if m == 1 else {"k_E": [m * kE, 0.0], "k_S": [m * kS, 0.0]}
        levels[m] = run_sweep(derive(sweep, "study-" + tag, axes=axes), out, tag, args, log)
    sob_sweep = load_sweep(SOBOL_SWEEP)
    check_sobol_sweep(sob_sweep, defaults)
    sob_files = {}
    for t in args.sobol_tissues:
        sob_files[t] = {}
        for arm, over in (("baseline", {}), ("no_ev", {"k_E": 0.0}), ("no_sasp", {"k_S": 0.0})):
            p = dict(over, tissue=t)
            tag = "sobol-%s-%s" % (t, arm)
            sob_files[t][arm] = run_sweep(derive(sob_sweep, "study-channels-" + tag, p),
                                          out, tag, args, log)
    res = {m: analyze_channels(h5) for m, h5 in levels.items()}
    sob = {t: analyze_sobol(f) for t, f in sob_files.items()}
    md = ["### Summary\n\n", channels_summary_markdown(res), "\n"]
    for m, r in res.items():
        md.append("### Paracrine potency x%g (k_S = %g, k_E = %g 1/d)\n\n" % (m, m * kS, m * kE))
        md.append(channels_markdown(r, None))
    if sob:
        md.append("### Sobol study at potency x%g\n\n" % SOBOL_POTENCY)
        md.append(channels_markdown(None, sob))
    md = "".join(md)
    with open(os.path.join(out, "channels.md"), "w") as fh:
        fh.write(md)
    with open(os.path.join(out, "channels.json"), "w") as fh:
        json.dump(_jsonable({"knockouts": {"x%g" % m: r for m, r in res.items()},
                             "sobol": sob, "defaults": {"k_S": kS, "k_E": kE}}), fh, indent=1)
    figs = args.figures or out
    os.makedirs(figs, exist_ok=True)
    made = []
    for m, r in res.items():
        made += [figure_channels(r, os.path.join(figs, "channels-effects-x%g.png" % m)),
                 figure_signature(r, os.path.join(figs, "channels-signature-x%g.png" % m)),
                 figure_snapshots(levels[m], r,
                                  os.path.join(figs, "channels-snapshots-x%g.png" % m))]
    for t, so in sob.items():
        made.append(figure_sobol(so, t, os.path.join(figs, "channels-sobol-%s.png" % t)))
    log("wrote %s, %s and %s" % (os.path.join(out, "channels.md"),
                                 os.path.join(out, "channels.json"),
                                 ", ".join(m for m in made if m)))
    return md


def study_epigenetic(args, log):
    defaults = model_defaults(args.sendrift)
    sweep = load_sweep(EPI_SWEEP)
    out = args.output
    files = []
    for label, over in epi_variants(defaults):
        tag = "epigenetic-" + label.replace(" ", "_").replace("=", "-")
        reps = None if label == "baseline" else args.variant_replicates
        files.append((label, run_sweep(derive(sweep, "study-" + tag, over, reps), out, tag,
                                       args, log)))
        if args.baseline_only:
            break
    res = analyze_epigenetic(files)
    md = epigenetic_markdown(res)
    with open(os.path.join(out, "epigenetic.md"), "w") as fh:
        fh.write(md)
    with open(os.path.join(out, "epigenetic.json"), "w") as fh:
        json.dump(_jsonable(res), fh, indent=1)
    figs = args.figures or out
    os.makedirs(figs, exist_ok=True)
    made = figure_epigenetic(res, os.path.join(figs, "epigenetic-effects.png"))
    made2 = figure_epigenetic(res, os.path.join(figs, "epigenetic-front.png"),
                              outputs=("drift_speed", "final:focus_radius"))
    log("wrote %s, %s, %s" % (os.path.join(out, "epigenetic.md"), made, made2))
    return md


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="analysis/study",
        description="Run and analyse a study of docs/studies.md: 'channels' (is drift EV- or "
                    "SASP-driven, per tissue?) or 'epigenetic' (do epigenetic drugs belong "
                    "beside senolytics?).")
    ap.add_argument("study", choices=("channels", "epigenetic"))
    ap.add_argument("--sendrift", default=os.path.join(HERE, "build", "sendrift"),
                    help="the sendrift executable (default: build/sendrift)")
    ap.add_argument("-o", "--output", help="folder for sweeps, result files and tables "
                                           "(default: results/study-STUDY)")
    ap.add_argument("--figures", help="folder for the PNGs (default: the output folder)")
    ap.add_argument("--np", type=int, default=3, help="MPI ranks (default 3: a controller and "
                                                      "two workers)")
    ap.add_argument("--analyze-only", action="store_true",
                    help="run nothing: analyse the result files already in the output folder")
    ap.add_argument("--sobol-tissues", default=",".join(SOBOL_TISSUES),
                    help="channels: tissues of the Sobol study (default %(default)s)")
    ap.add_argument("--potency", default=",".join("%g" % m for m in POTENCY_LEVELS),
                    help="channels: paracrine potency levels, multiples of the default k_S and "
                         "k_E (default %(default)s)")
    ap.add_argument("--variant-replicates", type=int, default=VARIANT_REPLICATES,
                    help="epigenetic: replicates of the variant sweeps (default %(default)s)")
    ap.add_argument("--baseline-only", action="store_true",
                    help="epigenetic: the baseline assumptions only")
    args = ap.parse_args(argv)
    args.output = args.output or os.path.join("results", "study-" + args.study)
    args.sobol_tissues = [t for t in args.sobol_tissues.split(",") if t]
    args.potency = [float(m) for m in args.potency.split(",") if m]
    os.makedirs(args.output, exist_ok=True)

    def log(msg):
        sys.stderr.write("study %s: %s\n" % (args.study, msg))
        sys.stderr.flush()
    if not args.analyze_only and not shutil.which("mpirun"):
        log("mpirun not found (make deps installs openmpi-bin)")
        return 1
    t0 = time.time()
    try:
        md = (study_channels if args.study == "channels" else study_epigenetic)(args, log)
    except ResultError as e:
        log("error: %s" % e)
        return 1
    sys.stdout.write(md)
    log("done in %.0f s" % (time.time() - t0))
    return 0
