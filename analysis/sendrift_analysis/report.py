"""A one-page summary of a result file, as Markdown or HTML with PNGs:
what was run, completion, key indices, figures."""

import html
import math
import os
import re

import numpy as np

from . import contrasts as contrasts_mod
from . import figures, sobol, morris
from . import phase as phase_mod
from .fmt import num
from .results import ResultError

DRIFT_KEY_SUMMARY = ["final_frac_senescent", "final_F", "drift_speed", "ev_share"]
DRIFT_KEY_SERIES = ["frac_senescent", "function_F"]
# drawn besides the key series in a report of a sweep with parameters when
# the file has the focus-cluster outputs: spread vs nucleation
DRIFT_CLUSTER_SERIES = ["focus_radius", "nucleated_frac"]
MAX_KEY_METRICS = 4
TOP_PARAMS = 6
MAX_CONTRAST_ARMS = 16      # arms per table of the contrasts section
MAX_CONTRAST_EFFECTS = 16   # factorial effects per table


# -- a tiny document model rendered to Markdown or HTML ---------------------------

class Doc:
    def __init__(self):
        self.blocks = []

    def h(self, level, text):
        self.blocks.append(("h", level, text))

    def p(self, text):
        self.blocks.append(("p", text))

    def ul(self, items):
        self.blocks.append(("ul", list(items)))

    def table(self, header, rows):
        self.blocks.append(("table", header, rows))

    def img(self, src, caption, wide=False):
        self.blocks.append(("img", src, caption, wide))

    def markdown(self):
        out = []
        for b in self.blocks:
            if b[0] == "h":
                out.append("#" * b[1] + " " + b[2])
            elif b[0] == "p":
                out.append(b[1])
            elif b[0] == "ul":
                out.append("\n".join("- " + i for i in b[1]))
            elif b[0] == "table":
                esc = [str(c).replace("|", "\\|") for c in b[1]]
                lines = ["| " + " | ".join(esc) + " |",
                         "|" + "|".join("---" for _ in b[1]) + "|"]
                for r in b[2]:
                    lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
                out.append("\n".join(lines))
            elif b[0] == "img":
                out.append("![%s](%s)" % (b[2], b[1]))
        return "\n\n".join(out) + "\n"

    def html(self, title):
        e = html.escape
        out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
               "<title>%s</title>" % e(title),
               "<style>body{font-family:sans-serif;max-width:60em;margin:1em auto;"
               "line-height:1.35}table{border-collapse:collapse;margin:.5em 0}"
               "td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
               "td:first-child,th:first-child{text-align:left}"
               "figure{display:inline-block;margin:.3em;max-width:48%;vertical-align:top}"
               "figure.wide{max-width:98%}figure img{max-width:100%}figcaption{font-size:85%;color:#444}"
               "</style></head><body>"]
        for b in self.blocks:
            if b[0] == "h":
                out.append("<h%d>%s</h%d>" % (b[1], e(b[2]), b[1]))
            elif b[0] == "p":
                out.append("<p>%s</p>" % _inline(b[1]))
            elif b[0] == "ul":
                out.append("<ul>" + "".join("<li>%s</li>" % _inline(i) for i in b[1]) + "</ul>")
            elif b[0] == "table":
                out.append("<table><tr>" + "".join("<th>%s</th>" % e(str(c)) for c in b[1])
                           + "</tr>" + "".join("<tr>" + "".join("<td>%s</td>" % e(str(c))
                                                                for c in r) + "</tr>"
                                               for r in b[2]) + "</table>")
            elif b[0] == "img":
                out.append("<figure%s><img src=\"%s\" alt=\"%s\"><figcaption>%s</figcaption>"
                           "</figure>" % (' class="wide"' if b[3] else "", e(b[1]), e(b[2]),
                                          e(b[2])))
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _inline(text):
    """Markdown **bold** and `code` to HTML, after escaping."""
    t = html.escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", t)


def _fmt(v, nd=3, tiny="fixed"):
    """A table number: nd decimals, or exponent form when large (never a
    30-digit run); "n/a" when not a finite number."""
    if v is None or not np.isfinite(v):
        return "n/a"
    return num(v, nd, tiny=tiny)


def _unreliable_cell(bad, i):
    ks = [k for k in ("S1", "ST") if k in bad and bad[k][i]]
    return "unreliable (%s)" % ", ".join(ks) if ks else ""


def _unreliable_par(d, S, bad):
    """After a table of Sobol indices: which indices (S2 too, which the
    table leaves out) are unreliable, and why."""
    names = S["names"]
    which = ["%s of %s" % (k, names[i]) for i in range(len(names))
             for k in ("S1", "ST") if k in bad and bad[k][i]]
    if "S2" in bad:
        which += ["S2 of (%s, %s)" % (names[j], names[k]) for j in range(len(names))
                  for k in range(j + 1, len(names)) if bad["S2"][j, k]]
    if which:
        d.p("**Unreliable**: %s. Their interval (index +- conf) is wider than the index "
            "range [0, 1] (or is not a number), so these numbers do not estimate the index. "
            "Why: %s." % ("; ".join(which), sobol.unreliable_why(S)))


def _pct(a, b):
    """A percentage that never rounds a shortfall up to 100 % (or a few
    runs down to 0 %)."""
    if not b:
        return "n/a"
    v = 100.0 * a / b
    if 0 < a < b:
        v = min(max(v, 0.1), 99.9)
        v = math.floor(v * 10) / 10 if v > 50 else math.ceil(v * 10) / 10
    return "%.1f %%" % v


def _sig(v):
    """A statistic in a metric's own units: 5 significant digits; "n/a"
    when not a finite number."""
    if v is None or not np.isfinite(v):
        return "n/a"
    return "%.5g" % v


MAX_RUN_ROWS = 20


def _replicates_sections(d, rf, summ, ksum):
    """A sweep without parameters: the runs (when few) and every summary
    metric's mean and spread across them."""
    c = rf.completion()
    if rf.runs <= MAX_RUN_ROWS:
        names = {v: k for k, v in rf.status_codes.items()}
        cols = ksum[:MAX_KEY_METRICS]
        vals = {m: rf.summary(m) for m in cols}
        head = ["run"] + (["point"] if rf.points > 1 else []) + ["replicate", "status",
                                                                 "wall time (s)"] + cols
        rows = []
        for i in range(rf.runs):
            w = rf.wall_seconds[i] if rf.wall_seconds is not None else float("nan")
            rows.append([i] + ([int(rf.point[i])] if rf.points > 1 else [])
                        + [int(rf.replicate[i]), names.get(int(rf.status_raw[i]), "?"),
                           _sig(w) if rf.done[i] else ""]
                        + [_sig(vals[m][i]) if rf.done[i] else "" for m in cols])
        d.h(3, "Runs")
        d.table(head, rows)
    d.h(2, "Across replicates")
    if not summ:
        d.p("No summary metrics in the file; the time series below show the runs.")
        return
    if not c["done"]:
        d.p("No run finished: nothing to summarise.")
        return
    d.p("Every summary metric over the %d finished run%s (replicates of the model's "
        "defaults, differing only in their random streams): mean, sample standard "
        "deviation (n - 1), min and max over the runs with a finite value; n/a where "
        "there is none (or, for the standard deviation, only one)."
        % (c["done"], "" if c["done"] == 1 else "s"))
    rows = []
    for m in summ:
        st = figures.summary_stats(rf, m)
        rows.append([m, rf.metric_info(m)["units"] or "",
                     "%d" % st["n"] if st["n"] == st["done"] else "%d of %d" % (st["n"], st["done"]),
                     _sig(st["mean"]), _sig(st["std"]), _sig(st["min"]), _sig(st["max"])])
    d.table(["metric", "unit", "n", "mean", "std", "min", "max"], rows)


def _interval(lo, hi, nd=4):
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    return "%s .. %s" % (_fmt(lo, nd, "exp"), _fmt(hi, nd, "exp"))


def _contrasts_section(d, rf, ksum, outdir, seed, boot, conf_level, log):
    """Grid and list designs: each key metric's arm means and paired
    differences from the reference arm, per tissue, and for a grid the
    factorial main effects and two-way interactions (contrasts.py)."""
    d.h(2, "Paired contrasts")
    if not ksum:
        d.p("No summary metrics in the file: no contrasts.")
        return None
    res = contrasts_mod.analyze(rf, outputs=ksum, boot=boot, seed=seed, level=conf_level)
    s = res["streams"]
    d.p("Each arm (design point) against a reference arm, per tissue, differences taken "
        "replicate by replicate; %g %% percentile bootstrap intervals over replicates (%d "
        "resamples, seed %d); n/a: fewer than 2 pairs. **Streams: %s**: %s. "
        "`analysis/contrasts` gives every output, the unpaired intervals, CSV and JSON."
        % (100 * conf_level, boot, seed, s["mode"], s["note"]))
    if res["excluded"]["warning"]:
        d.p("**Excluded**: %s." % res["excluded"]["warning"])
    few = contrasts_mod.few_replicates_note(res["replicates"])
    if few:
        d.p("**Few replicates**: %s." % few)
    d.ul(["reference%s: %s (point %d; %s)"
          % (" in %s" % t["tissue"] if t["tissue"] is not None else "", t["reference_label"],
             t["reference_point"], t["reference_how"]) for t in res["tissues"]])
    for m, o in res["outputs"].items():
        u = figures._unit_suffix(o["units"])
        for t in o["tissues"]:
            where = ", tissue %s" % t["tissue"] if t["tissue"] is not None else ""
            arms = t["arms"]
            cut = len(arms) > MAX_CONTRAST_ARMS
            d.p("**%s**%s%s: arms%s" % (m, u, where, " (first %d of %d)"
                                       % (MAX_CONTRAST_ARMS, len(arms)) if cut else ""))
            rows = []
            for a in arms[:MAX_CONTRAST_ARMS]:
                rows.append([a["label"] + (" (reference)" if a["reference"] else ""),
                             a["n"], _fmt(a["mean"], 4, "exp"),
                             "" if a["reference"] else _fmt(a["diff"], 4, "exp"),
                             "" if a["reference"] else _interval(a["lo"], a["hi"]),
                             a["n_pairs"], a["note"]])
            d.table(["arm", "n", "mean", "difference", "interval", "pairs", "note"], rows)
            fac = t.get("factorial")
            if fac is None:
                continue
            if not fac["effects"]:
                d.p(fac["note"] + ".")
                continue
            eff = fac["effects"]
            d.p("**%s**%s%s: factorial effects (%d of %d replicates DONE in every cell; "
                "main effect: mean over the other axes; interaction: difference of "
                "differences)%s" % (m, u, where, fac["replicates_used"],
                                    fac["replicates_total"],
                                    " (first %d of %d)" % (MAX_CONTRAST_EFFECTS, len(eff))
                                    if len(eff) > MAX_CONTRAST_EFFECTS else ""))
            d.table(["effect", "contrast", "estimate", "interval", "note"],
                    [["%s %s" % (e["kind"], e["label"]), e["contrast"],
                      _fmt(e["estimate"], 4, "exp"), _interval(e["lo"], e["hi"]), e["note"]]
                     for e in eff[:MAX_CONTRAST_EFFECTS]])
    fn = "contrasts_%s.png" % figures._safe(ksum[0])
    p = contrasts_mod.figure(res, os.path.join(outdir, fn), outputs=[ksum[0]])
    if p:
        log("wrote %s" % p)
        return (fn, "paired differences and effects of %s with their intervals" % ksum[0])
    return None


MAX_REGIME_ROWS = 24
DRUG_EFFECT_METRICS = ("final_frac_senescent", "final_F")


def _arm_text(rf, p):
    return rf.describe_point(p, 6)


def _span(v, fmt):
    """'a' or 'a .. b' (min and max of v, in fmt; one number when they read
    the same); 'n/a' when v is empty."""
    if not len(v):
        return "n/a"
    a, b = fmt % np.min(v), fmt % np.max(v)
    return a if a == b else "%s .. %s" % (a, b)


def _regimes_section(d, rf, facet, speed_threshold, growth_factor, min_rise, seed, boot,
                     conf_level):
    """Grid and list designs of the drift model: each arm's regimes
    (phase.regimes) with the numbers behind them, and, when the panels of
    the phase diagram are a drug's arms, the drug's paired effect in every
    condition (phase.paired_effects).  Returns (codes, info) or None."""
    try:
        codes, info = phase_mod.regimes(rf, speed_threshold, growth_factor, min_rise)
    except ResultError:
        return None
    d.h(2, "Regimes of drift")
    cnt = info["counts"]
    d.p("Each finished run is classified from its outputs (`analysis/README.md`, \"The phase "
        "diagram\"): %s. Runs: %s%s."
        % (info["rule"], ", ".join("%d %s" % (cnt[r], r) for r in phase_mod.REGIMES if cnt[r])
           or "none", ", %d unclassified" % info["unclassified"] if info["unclassified"] else ""))
    has_nc = "nucleated_clusters" in rf.timeseries_names()
    fin = rf.summary("final_frac_senescent") if "final_frac_senescent" in rf.summary_names() \
        else None
    tu = "" if rf.time_units in ("", "1") else " (%s)" % rf.time_units
    rows = []
    for p in range(rf.points)[:MAX_REGIME_ROWS]:
        m = (rf.point == p) & rf.done
        k = [int(c) for c in codes[m]]
        reg = ", ".join("%s %d" % (phase_mod.REGIMES[c], k.count(c))
                        for c in sorted(set(k)) if c >= 0) or "n/a"
        sp = info["speed"][m]
        sp = sp[np.isfinite(sp)]
        spd = _span(sp, "%.3g")
        wt = info["wall_time"][m]
        wt = wt[np.isfinite(wt)]
        wall = ("never" if not wt.size else _span(wt, "%g")) + \
            ("" if wt.size == m.sum() or not wt.size else " (%d of %d runs)" % (wt.size, m.sum()))
        row = [_arm_text(rf, p), int(m.sum()), reg, spd, wall]
        if has_nc:
            nc = rf.timeseries("nucleated_clusters")[m]
            pk = np.nanmax(nc, axis=1) if nc.size and np.isfinite(nc).any() else np.array([])
            row.append(_span(pk[np.isfinite(pk)], "%d"))
        if fin is not None:
            v = fin[m]
            v = v[np.isfinite(v)]
            row.append(_span(v, "%.3g"))
        rows.append(row)
    head = ["arm", "runs", "regimes", "drift_speed (um/d)", "focus at a wall%s" % tu]
    if has_nc:
        head.append("peak nucleated clusters")
    if fin is not None:
        head.append("final_frac_senescent")
    d.table(head, rows)
    if rf.points > MAX_REGIME_ROWS:
        d.p("(first %d of %d arms)" % (MAX_REGIME_ROWS, rf.points))
    if facet is None or not phase_mod.is_dose(rf.param(facet)):
        return codes, info
    drug = facet.rsplit(".", 1)[0]
    for met in DRUG_EFFECT_METRICS:
        if met not in rf.summary_names():
            continue
        eff = phase_mod.paired_effects(rf, rf.summary(met), facet, boot, conf_level, seed)
        if not eff["rows"]:
            continue
        d.p("**Effect of %s on %s in every condition**: %s at each level against %s = %g in "
            "the same condition (the other parameters equal), replicate by replicate; %g %% "
            "percentile bootstrap interval over the pairs (%d resamples); n/a: fewer than 2 "
            "pairs.%s" % (drug, met, facet, facet, eff["reference"], 100 * conf_level, boot,
                          " The replicates share their random streams (\"streams\": "
                          "\"paired\"), so a pair differs only by the drug."
                          if contrasts_mod.streams(rf)["paired"] else
                          " The sweep did not use \"streams\": \"paired\": the pairs are "
                          "independent draws."))
        rows = []
        for r in eff["rows"]:
            cond = ", ".join("%s=%s" % (n, rf.param(n).format_value(v)
                                        if rf.param(n).categorical else "%.4g" % v)
                             for n, v in r["others"].items()) or "-"
            rows.append([cond, "%.4g" % r["level"], r["n_pairs"], _fmt(r["diff"], 4, "exp"),
                         _interval(r["lo"], r["hi"]),
                         ", ".join(phase_mod.regime_name(int(c)) for c in
                                   codes[(rf.point == r["reference_point"]) & rf.done]),
                         ", ".join(phase_mod.regime_name(int(c)) for c in
                                   codes[(rf.point == r["point"]) & rf.done])])
        d.table(["condition", facet, "pairs", "difference", "interval",
                 "regimes without", "regimes with"], rows)
    few = contrasts_mod.few_replicates_note(rf.replicates)
    if few and any(met in rf.summary_names() for met in DRUG_EFFECT_METRICS):
        d.p("**Few replicates**: %s." % few)
    return codes, info


def key_metrics(rf, metrics=None):
    summ, series = rf.summary_names(), rf.timeseries_names()
    if metrics:
        bad = [m for m in metrics if m not in summ and m not in series]
        if bad:
            raise ResultError("metric '%s' not found in %s; summary metrics: %s; time-series "
                              "metrics: %s" % (bad[0], rf.path, ", ".join(summ) or "(none)",
                                               ", ".join(series) or "(none)"))
        return [m for m in metrics if m in summ], [m for m in metrics if m in series]
    ks = [m for m in DRIFT_KEY_SUMMARY if m in summ] or summ
    kt = [m for m in DRIFT_KEY_SERIES if m in series] or series
    # without parameters the time series are the report's main figures
    return ks[:MAX_KEY_METRICS], kt[:2 if rf.no_parameters else 1]


def write_report(rf, outdir, fmt="md", metrics=None, x=None, y=None, bins=8,
                 seed=sobol.DEFAULT_SEED, num_resamples=sobol.DEFAULT_RESAMPLES,
                 conf_level=sobol.DEFAULT_CONF_LEVEL,
                 speed_threshold=phase_mod.DEFAULT_SPEED_THRESHOLD,
                 growth_factor=phase_mod.DEFAULT_GROWTH_FACTOR,
                 min_rise=phase_mod.DEFAULT_MIN_RISE, max_points=8, log=print,
                 contrast_boot=contrasts_mod.DEFAULT_BOOT, facet=None, max_snapshot_runs=4):
    if fmt not in ("md", "html"):
        raise ResultError("report format must be md or html, not '%s'" % fmt)
    axes = figures.check_axes(rf, x, y)
    fac = figures.facet_axis(rf, axes[0], axes[1], facet) if axes else None
    os.makedirs(outdir, exist_ok=True)
    ksum, kser = key_metrics(rf, metrics)
    d = Doc()
    name = rf.meta.get("sweep_name", os.path.basename(rf.path))
    d.h(1, "Sweep report: %s" % name)
    d.p("File `%s`; model `%s`; created %s; sendrift %s (%s); seed %s."
        % (os.path.abspath(rf.path), rf.meta.get("model", "?"), rf.meta.get("created", "?"),
           rf.meta.get("sendrift_version", "?"), rf.meta.get("git_commit", "?"),
           rf.meta.get("seed", "?")))

    # what was run
    d.h(2, "What was run")
    de = rf.design
    extra = []
    if rf.dtype == "sobol":
        extra.append("N = %s base points, %s order" % (de.get("samples", "?"),
                                                       "second" if de.get("second_order") else "first"))
    elif rf.dtype == "morris":
        extra.append("%s trajectories, %s levels" % (de.get("trajectories", "?"), de.get("levels", "?")))
    elif "samples" in de:
        extra.append("%s samples" % de["samples"])
    if rf.no_parameters:
        d.p("Design `%s`%s: **no swept parameters** (the sweep has `\"parameters\": []`): "
            "%d design point%s x %d replicate(s) = %d runs, every one at the model's "
            "defaults; they differ only in their random streams."
            % (rf.dtype, (" (" + "; ".join(extra) + ")") if extra else "", rf.points,
               "" if rf.points == 1 else "s", rf.replicates, rf.runs))
    else:
        d.p("Design `%s`%s: %d parameter(s), %d design points x %d replicate(s) = %d runs."
            % (rf.dtype, (" (" + "; ".join(extra) + ")") if extra else "", rf.dim, rf.points,
               rf.replicates, rf.runs))
    if rf.params:
        rows = []
        for p in rf.params:
            rng = (", ".join(p.choices) if p.categorical
                   else "%.4g .. %.4g" % (p.lower, p.upper))
            rows.append([p.name, p.unit or "", p.kind, p.scale or "", rng])
        d.table(["parameter", "unit", "kind", "scale", "range / choices"], rows)

    # completion
    d.h(2, "Completion")
    c = rf.completion()
    d.p("%d of %d runs DONE (%s), %d FAILED, %d PENDING; %d of %d design points complete "
        "(every replicate DONE)." % (c["done"], c["runs"], _pct(c["done"], c["runs"]),
                                      c["failed"], c["pending"], c["points_complete"], c["points"]))
    msgs = rf.failure_messages()
    if msgs:
        d.ul(["%d x %s" % (n, m) for m, n in msgs])
    if rf.wall_seconds is not None and c["done"]:
        w = rf.wall_seconds[rf.done]
        w = w[np.isfinite(w)]
        if w.size:
            d.p("Wall time of finished runs: total %.4g s, median %.3g s, max %.3g s."
                % (w.sum(), np.median(w), w.max()))

    # indices
    if rf.no_parameters:
        summ_all = [m for m in rf.summary_names() if not metrics or m in metrics]
        _replicates_sections(d, rf, summ_all, ksum)
    d.h(2, "Key sensitivity indices")
    ind_figs = []
    if rf.no_parameters:
        d.p("None: there are no swept parameters, so there is nothing to attribute the "
            "output's variation to and no sensitivity indices; the spread above and in the "
            "figures is across replicates (the model's stochasticity) only.")
    elif rf.dtype in ("sobol", "morris") and ksum:
        d.p("Policy: runs not DONE are never used; a design point's response is the mean over "
            "its replicates and needs all of them; a %s with an unfinished run or a "
            "non-finite value is dropped whole. Intervals: %g %% bootstrap (%d resamples, "
            "seed %d)." % ("Saltelli block" if rf.dtype == "sobol" else "Morris trajectory",
                          100 * conf_level, num_resamples, seed))
        for m in ksum:
            if rf.dtype == "sobol":
                S = sobol.analyze_summary(rf, m, num_resamples, conf_level, seed)
                order = np.argsort(-np.nan_to_num(S["ST"], nan=-np.inf), kind="stable")
                bad = sobol.unreliable(S)
                rows = [[S["names"][i], _fmt(S["S1"][i]), _fmt(S["S1_conf"][i]),
                         _fmt(S["ST"][i]), _fmt(S["ST_conf"][i]),
                         _unreliable_cell(bad, i)] for i in order[:TOP_PARAMS]]
                head = ["parameter", "S1", "S1 conf (+-)", "ST", "ST conf (+-)", "note"]
                if not any(r[-1] for r in rows):
                    head, rows = head[:-1], [r[:-1] for r in rows]
            else:
                S = morris.analyze_summary(rf, m, num_resamples, conf_level, seed)
                order = np.argsort(-np.nan_to_num(S["mu_star"], nan=-np.inf), kind="stable")
                rows = [[S["names"][i], _fmt(S["mu_star"][i], 4, "exp"),
                         _fmt(S["mu_star_conf"][i], 4, "exp"), _fmt(S["mu"][i], 4, "exp"),
                         _fmt(S["sigma"][i], 4, "exp")] for i in order[:TOP_PARAMS]]
                head = ["parameter", "mu*", "mu* conf (+-)", "mu", "sigma"]
            b = S["blocks"]
            word = "Saltelli blocks" if rf.dtype == "sobol" else "trajectories"
            u = figures._unit_suffix(S["units"])
            d.p("**%s**%s: %d of %d %s used, %d dropped (%d with unfinished runs, %d with "
                "non-finite values)%s." % (m, u, b["used"], b["total"], word, b["dropped"],
                                           b["dropped_unfinished"], b["dropped_nonfinite"],
                                           "; top %d by %s" % (TOP_PARAMS, head[3] if rf.dtype == "sobol" else "mu*")
                                           if len(order) > TOP_PARAMS else ""))
            d.table(head, rows)
            if rf.dtype == "sobol":
                _unreliable_par(d, S, bad)
            if len(ind_figs) < 2:
                fn = "indices_%s.png" % figures._safe(m)
                draw = figures.sobol_figure if rf.dtype == "sobol" else figures.morris_figure
                p = draw(rf, S, os.path.join(outdir, fn), conf_level)
                ind_figs.append((fn, "%s indices of %s" % (rf.dtype, m)))
                log("wrote %s" % p)
    elif rf.dtype in ("sobol", "morris"):
        d.p("No summary metrics in the file: no indices.")
    else:
        d.p("None: the design is `%s`; sensitivity indices need a `sobol` or `morris` design."
            % rf.dtype)

    # regimes of drift, and the drug's paired effect per condition
    reg = None
    if not rf.no_parameters and rf.dtype in contrasts_mod.CONTRAST_DESIGNS:
        reg = _regimes_section(d, rf, fac, speed_threshold, growth_factor, min_rise, seed,
                               contrast_boot, conf_level)
    elif not rf.no_parameters:
        try:
            reg = phase_mod.regimes(rf, speed_threshold, growth_factor, min_rise)
        except ResultError:
            reg = None

    # paired contrasts between arms (grid and list designs)
    if not rf.no_parameters and rf.dtype in contrasts_mod.CONTRAST_DESIGNS:
        cf = _contrasts_section(d, rf, ksum, outdir, seed, contrast_boot, conf_level, log)
        if cf:
            ind_figs.append(cf)

    # figures
    figs = list(ind_figs)
    if rf.no_parameters:
        fn = "replicates_summary.png"
        p = figures.replicates_figure(rf, summ_all, os.path.join(outdir, fn))
        if p:
            figs.append((fn, "summary metrics across replicates: runs, mean, mean +- 1 std"))
            log("wrote %s" % p)
    if not metrics and not rf.no_parameters and phase_mod.has_cluster_outputs(rf):
        kser = kser + [m for m in DRIFT_CLUSTER_SERIES if m not in kser]
    for m in kser:
        fn = "timeseries_%s.png" % figures._safe(m)
        p = figures.timeseries_figure(rf, m, os.path.join(outdir, fn), max_points)
        if p:
            figs.append((fn, "time series of %s" % m))
            log("wrote %s" % p)
    if axes:
        drew_phase = False
        try:
            fn = "phase_%s_%s.png" % (figures._safe(axes[0]), figures._safe(axes[1]))
            p, info = figures.phase_figure(rf, axes[0], axes[1], os.path.join(outdir, fn), bins,
                                           speed_threshold, growth_factor, min_rise, fac,
                                           seed=seed, boot=contrast_boot, level=conf_level)
            if p:
                figs.append((fn, "phase diagram over %s and %s%s (%s)"
                             % (axes[0], axes[1], ", a panel per %s and its paired effect"
                                % fac if fac else "", info["rule"])))
                log("wrote %s" % p)
                drew_phase = True
        except ResultError:
            pass
        if ksum and not (drew_phase and rf.dtype in ("sobol", "morris")):
            m = ksum[0]
            fn = "heatmap_%s_%s_%s.png" % (figures._safe(m), figures._safe(axes[0]),
                                          figures._safe(axes[1]))
            p = figures.heatmap_figure(rf, m, axes[0], axes[1], os.path.join(outdir, fn), bins,
                                       fac)
            if p:
                figs.append((fn, "mean %s over %s and %s%s" % (m, axes[0], axes[1],
                                                               ", a panel per %s" % fac
                                                               if fac else "")))
                log("wrote %s" % p)
    snaps = rf.snapshots()
    if snaps:
        runs = sorted(set(e[0] for e in snaps))
        cut = len(runs) > max_snapshot_runs
        for run in runs[:max_snapshot_runs]:
            mine = sorted((e for e in snaps if e[0] == run), key=lambda e: e[1])
            # the initial state (output 0) is left out when there are later ones
            mine = [e for e in mine if e[1] != 0] or mine
            note = None
            if reg is not None and 0 <= run < rf.runs:
                note = figures.run_note(rf, run, reg[0], reg[1])
            for e in mine[-2:]:
                fn = "snapshot_run%d_t%d.png" % (e[0], e[1])
                p = figures.snapshot_figure(rf, e, os.path.join(outdir, fn), note)
                if p:
                    tt = ("t = %g%s" % (e[2], "" if rf.time_units in ("", "1")
                                        else " " + rf.time_units)) if e[2] is not None \
                        else "output %d" % e[1]
                    figs.append((fn, "lattice of run %d at %s%s" % (run, tt, " (%s)" % note
                                                                     if note else "")))
                    log("wrote %s" % p)
        if cut:
            log("note: the report shows the snapshots of %d of %d runs; analysis/figures "
                "draws them all" % (max_snapshot_runs, len(runs)))
    d.h(2, "Figures")
    if figs:
        for fn, cap in figs:
            d.img(fn, cap, wide=fn.startswith(("snapshot_", "replicates_")))
    else:
        d.p("No figures: no finished run to draw.")
    d.p("Made by analysis/report; `analysis/figures` draws every figure, `analysis/sensitivity` "
        "prints and exports all indices.")
    path = os.path.join(outdir, "report.%s" % fmt)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(d.markdown() if fmt == "md" else d.html("Sweep report: %s" % name))
    log("wrote %s" % path)
    return path
