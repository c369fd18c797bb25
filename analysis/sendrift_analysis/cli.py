"""Command-line entry points: analysis/sensitivity, analysis/figures,
analysis/report, analysis/contrasts.  Each returns an exit status: 0 on success, 1 on an error
in the file or the request (a message on stderr), 2 on bad usage."""

import argparse
import csv
import json
import math
import os
import sys

import numpy as np

from .fmt import fmt_num
from .results import ResultError, ResultFile
from . import phase as phase_mod
from . import sobol as sobol_mod
from .sobol import DEFAULT_CONF_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED


def _common(ap):
    ap.add_argument("result", metavar="RESULT.h5", help="a sendrift result file")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED,
                    help="seed of the bootstrap resampling (default %(default)s; the same "
                         "seed gives the same intervals, and SALib's with seed=SEED)")
    ap.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                    help="bootstrap resamples for the intervals (default %(default)s)")
    ap.add_argument("--conf-level", type=float, default=DEFAULT_CONF_LEVEL,
                    help="confidence level of the intervals (default %(default)s)")


def _phase_opts(ap):
    ap.add_argument("--spread-threshold", type=float, default=phase_mod.DEFAULT_SPEED_THRESHOLD,
                    metavar="UM_PER_D",
                    help="drift_speed above which the focus spreads (a front; default "
                         "%(default)s um/d)")
    ap.add_argument("--growth-factor", type=float, default=phase_mod.DEFAULT_GROWTH_FACTOR,
                    help="nucleated_frac or the senescent fraction has risen when it exceeds "
                         "this multiple of its first value (default %(default)s) ...")
    ap.add_argument("--min-rise", type=float, default=phase_mod.DEFAULT_MIN_RISE,
                    help="... and rises by at least this share of all sites (default "
                         "%(default)s); see analysis/README.md, the phase diagram")


def _axes_opts(ap):
    ap.add_argument("--x", metavar="AXIS", help="swept parameter on the x axis of heatmaps "
                    "and the phase diagram; give --x and --y together, or neither for the "
                    "first two swept parameters")
    ap.add_argument("--y", metavar="AXIS", help="swept parameter on the y axis (with --x)")
    ap.add_argument("--facet", metavar="AXIS",
                    help="swept parameter with one panel per level in the heatmaps and the "
                         "phase diagram, so that it is not pooled (default: the first drug "
                         "dose axis, NAME.doses, else another axis with at most 6 levels; "
                         "'none': one panel, pooled)")
    ap.add_argument("--bins", type=int, default=8,
                    help="cells per axis for a continuous parameter (default %(default)s; a "
                         "parameter with few distinct values gets one cell per value)")


def _check_common(args):
    if args.resamples < 2:
        raise ResultError("--resamples must be at least 2")
    if not 0 < args.conf_level < 1:
        raise ResultError("--conf-level must be in (0, 1)")


def _run(prog, fn, argv):
    try:
        return fn(argv)
    except ResultError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        return 130


# -- sensitivity ----------------------------------------------------------------------

def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(v) else float(v)
    return v


UNRELIABLE_MARK = "!"


def _f(v, w=13, flag=False, tiny="exp"):
    """A number in a column of w characters: w - 1 for the number (always
    with a leading space, exponent form when large), then the unreliable
    mark or a space.  tiny: fmt.num's (Sobol indices: "fixed")."""
    return fmt_num(v, w - 1, tiny=tiny) + (UNRELIABLE_MARK if flag else " ")


def _h(name, w=13):
    return "%*s " % (w - 1, name[:w - 2])


def _unreliable_note(S, flagged, out):
    """The footnote of a table with marked indices: which, and why."""
    if not flagged:
        return
    out.write("%s unreliable: the interval (index +- conf) is wider than the index range "
              "[0, 1] or is not a number, so the index is not known (%s).\n  Why: %s.\n"
              % (UNRELIABLE_MARK, "; ".join(flagged), sobol_mod.unreliable_why(S)))


def _unreliable_doc(method, S):
    """JSON keys: 'unreliable' {S1, ST, S2: booleans like the indices} and,
    when one is set, 'unreliable_why'."""
    if method != "sobol":
        return {}
    bad = sobol_mod.unreliable(S)
    d = {"unreliable": bad}
    if any(np.any(a) for a in bad.values()):
        d["unreliable_why"] = sobol_mod.unreliable_why(S)
    return d


def _print_table(method, S, out):
    names = S["names"]
    wn = max([9] + [len(n) for n in names])
    bad = sobol_mod.unreliable(S) if method == "sobol" else {}
    tiny = "fixed" if method == "sobol" else "exp"
    flagged = []
    if method == "sobol":
        cols = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        cols = ("mu", "mu_star", "sigma", "mu_star_conf")

    def flag(c, *ij):
        k = c[:-5] if c.endswith("_conf") else c
        return bool(k in bad and bad[k][ij])

    out.write("%-*s" % (wn, "parameter") + "".join(_h(c) for c in cols) + "\n")
    for i, n in enumerate(names):
        out.write("%-*s" % (wn, n) + "".join(_f(S[c][i], flag=flag(c, i), tiny=tiny)
                                             for c in cols) + "\n")
        ks = [k for k in ("S1", "ST") if k in bad and bad[k][i]]
        if ks:
            flagged.append("%s of %s" % (" and ".join(ks), n))
    if method == "sobol" and "S2" in S and len(names) > 1:
        out.write("second order:\n")
        out.write("%-*s" % (2 * wn + 1, "pair") + _h("S2") + _h("S2_conf") + "\n")
        for j in range(len(names)):
            for k in range(j + 1, len(names)):
                fl = flag("S2", j, k)
                out.write("%-*s" % (2 * wn + 1, names[j] + " " + names[k])
                          + _f(S["S2"][j, k], flag=fl, tiny=tiny)
                          + _f(S["S2_conf"][j, k], flag=fl, tiny=tiny)
                          + "\n")
                if fl:
                    flagged.append("S2 of (%s, %s)" % (names[j], names[k]))
    _unreliable_note(S, flagged, out)


def _blocks_line(method, b):
    word = "Saltelli blocks" if method == "sobol" else "Morris trajectories"
    if "used" in b:
        return ("%s: %d used of %d (%d dropped: %d with unfinished runs, %d with non-finite "
                "values)" % (word, b["used"], b["total"], b["dropped"], b["dropped_unfinished"],
                             b["dropped_nonfinite"]))
    u = np.asarray(b["used_per_time"])
    lo, hi = (int(u.min()), int(u.max())) if len(u) else (0, 0)
    used = ("%d used of %d at every time" % (hi, b["total"]) if lo == hi else
            "%d-%d used of %d, by time (fewer where values are non-finite)"
            % (lo, hi, b["total"]))
    return "%s: %s; %d dropped with unfinished runs" % (word, used, b["dropped_unfinished"])


def _csv_rows(method, metric, kind, S, time=None):
    names = S["names"]
    if method == "sobol":
        for k in ("S1", "ST"):
            for i, n in enumerate(names):
                yield [metric, kind, time, k, n, "", S[k][i], S[k + "_conf"][i]]
        if "S2" in S:
            for j in range(len(names)):
                for k in range(j + 1, len(names)):
                    yield [metric, kind, time, "S2", names[j], names[k], S["S2"][j, k],
                           S["S2_conf"][j, k]]
    else:
        for k in ("mu", "mu_star", "sigma"):
            for i, n in enumerate(names):
                conf = S["mu_star_conf"][i] if k == "mu_star" else None
                yield [metric, kind, time, k, n, "", S[k][i], conf]


def sensitivity_main(argv=None):
    ap = argparse.ArgumentParser(
        prog="sensitivity",
        description="Sensitivity indices of a sendrift result file: Sobol S1, ST (and S2) "
                    "from a Saltelli ('sobol') design, or Morris mu*, mu, sigma from a "
                    "'morris' design, per summary metric or (--over-time) per output time "
                    "of a time series.  Same estimators and key names as SALib.  Blocks "
                    "(Saltelli blocks, Morris trajectories) with unfinished runs are "
                    "dropped whole and counted.  See analysis/README.md.")
    _common(ap)
    ap.add_argument("--metric", action="append", metavar="NAME",
                    help="metric to analyse (repeatable; default: all summary metrics, or "
                         "all time series with --over-time)")
    ap.add_argument("--over-time", action="store_true",
                    help="indices of time-series metrics at every output time")
    ap.add_argument("--method", choices=("auto", "sobol", "morris"), default="auto",
                    help="analysis (default: from the design type)")
    ap.add_argument("--json", metavar="OUT", help="also write all indices as JSON")
    ap.add_argument("--csv", metavar="OUT", help="also write all indices as CSV (long format)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no table on stdout")
    args = ap.parse_args(argv)

    def body(_):
        from . import sobol, morris
        _check_common(args)
        with ResultFile(args.result) as rf:
            method = rf.dtype if args.method == "auto" else args.method
            if rf.no_parameters:
                raise ResultError("%s: %s; analysis/report and analysis/figures show the "
                                  "runs and their spread across replicates"
                                  % (rf.path, rf.no_indices_reason()))
            if method not in ("sobol", "morris"):
                raise ResultError("%s: design type is '%s': no sensitivity indices (they need "
                                  "a 'sobol' (Saltelli) or 'morris' design); analysis/figures "
                                  "and analysis/report still work" % (rf.path, rf.dtype))
            rf.require_design(method)
            mod = sobol if method == "sobol" else morris
            avail = rf.timeseries_names() if args.over_time else rf.summary_names()
            other = rf.summary_names() if args.over_time else rf.timeseries_names()
            metrics = args.metric or avail
            for m in metrics:
                if m not in avail:
                    hint = ""
                    if m in other:
                        hint = (" ('%s' is a summary metric: drop --over-time)" % m
                                if args.over_time else
                                " ('%s' is a time series: add --over-time)" % m)
                    raise ResultError("%s metric '%s' not found in %s%s; available: %s"
                                      % ("time-series" if args.over_time else "summary", m,
                                         rf.path, hint, ", ".join(avail) or "(none)"))
            if not metrics:
                raise ResultError("%s: no %s metrics to analyse" % (
                    rf.path, "time-series" if args.over_time else "summary"))
            c = rf.completion()
            out = sys.stdout
            doc = {"file": os.path.abspath(rf.path), "model": rf.meta.get("model"),
                   "sweep_name": rf.meta.get("sweep_name"), "design": rf.design,
                   "method": method, "num_resamples": args.resamples,
                   "conf_level": args.conf_level, "seed": args.seed, "completion": c,
                   "summary" if not args.over_time else "timeseries": {}}
            rows = []
            if not args.quiet:
                out.write("%s: model %s, sweep %s\n" % (rf.path, rf.meta.get("model", "?"),
                                                         rf.meta.get("sweep_name", "?")))
                out.write("design %s: %d parameters, %d points x %d replicates = %d runs; "
                          "%d done, %d failed, %d pending\n"
                          % (rf.dtype, rf.dim, rf.points, rf.replicates, rf.runs,
                             c["done"], c["failed"], c["pending"]))
                out.write("intervals: %g %% bootstrap, %d resamples, seed %d\n"
                          % (100 * args.conf_level, args.resamples, args.seed))
            for m in metrics:
                kw = dict(num_resamples=args.resamples, conf_level=args.conf_level,
                          seed=args.seed)
                if not args.over_time:
                    S = mod.analyze_summary(rf, m, **kw)
                    doc["summary"][m] = dict(S, **_unreliable_doc(method, S))
                    rows += list(_csv_rows(method, m, "summary", S))
                    if not args.quiet:
                        out.write("\n%s indices of summary '%s'%s\n%s\n"
                                  % ("Sobol" if method == "sobol" else "Morris", m,
                                     " (%s)" % S["units"] if S["units"] not in ("", "1") else "",
                                     _blocks_line(method, S["blocks"])))
                        _print_table(method, S, out)
                else:
                    St = mod.analyze_timeseries(rf, m, **kw)
                    doc["timeseries"][m] = dict(St, **_unreliable_doc(method, St))
                    for ti, t in enumerate(St["time"]):
                        Si = {k: St[k][ti] for k in St if isinstance(St[k], np.ndarray)
                              and St[k].ndim >= 2}
                        Si["names"] = St["names"]
                        rows += list(_csv_rows(method, m, "timeseries", Si, float(t)))
                    if not args.quiet:
                        k1, k2 = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
                        out.write("\n%s indices of time series '%s' over time (%s)\n%s\n"
                                  % ("Sobol" if method == "sobol" else "Morris", m,
                                     "intervals %s: see --json/--csv" % ", ".join(
                                         k + "_conf" for k in (k1, k2) if k + "_conf" in St),
                                     _blocks_line(method, St["blocks"])))
                        head = "%10s" % ("time" + (" (%s)" % rf.time_units if rf.time_units
                                                   not in ("", "1") else ""))
                        head += "".join(_h("%s[%s]" % (k, n), 12)
                                        for k in (k1, k2) for n in St["names"])
                        out.write(head + "\n")
                        bad = sobol_mod.unreliable(St) if method == "sobol" else {}
                        for ti, t in enumerate(St["time"]):
                            out.write("%10.4g" % t + "".join(
                                _f(St[k][ti, i], 12, k in bad and bool(bad[k][ti, i]),
                                   "fixed" if method == "sobol" else "exp")
                                for k in (k1, k2) for i in range(len(St["names"]))) + "\n")
                        flagged = []
                        for k in (k1, k2):
                            for i, n in enumerate(St["names"]):
                                if k in bad and bad[k][:, i].any():
                                    flagged.append("%s of %s at %d of %d times"
                                                   % (k, n, int(bad[k][:, i].sum()),
                                                      len(St["time"])))
                        if "S2" in bad and bad["S2"].any():
                            flagged.append("S2 (see --json/--csv) at %d of %d times"
                                           % (int(bad["S2"].any(axis=(1, 2)).sum()),
                                              len(St["time"])))
                        _unreliable_note(St, flagged, out)
            if args.json:
                with open(args.json, "w") as fh:
                    json.dump(_jsonable(doc), fh, indent=1)
                if not args.quiet:
                    out.write("\nwrote %s\n" % args.json)
            if args.csv:
                with open(args.csv, "w", newline="") as fh:
                    w = csv.writer(fh)
                    w.writerow(["metric", "kind", "time", "index", "parameter", "parameter2",
                                "value", "conf"])
                    for r in rows:
                        w.writerow(["" if v is None else
                                    ("%.10g" % v if isinstance(v, (float, np.floating)) else v)
                                    for v in r])
                if not args.quiet:
                    out.write("wrote %s\n" % args.csv)
        return 0

    return _run("sensitivity", body, None)


# -- figures ------------------------------------------------------------------------

def figures_main(argv=None):
    ap = argparse.ArgumentParser(
        prog="figures",
        description="Draw PNG figures of a sendrift result file: time series with "
                    "replicate bands per design point, heatmaps of summary metrics over two "
                    "swept parameters, the phase diagram of contained vs spreading drift "
                    "(drift model), lattice snapshots, and sensitivity indices with their "
                    "intervals (sobol/morris designs).  See analysis/README.md.")
    _common(ap)
    ap.add_argument("-o", "--out", required=True, metavar="DIR", help="output folder")
    ap.add_argument("--metric", action="append", metavar="NAME",
                    help="only these metrics (summary or time series; repeatable)")
    _axes_opts(ap)
    _phase_opts(ap)
    ap.add_argument("--max-points", type=int, default=8,
                    help="draw each design point's time series when there are at most this "
                         "many points, else ensemble quantiles (default %(default)s)")
    ap.add_argument("--max-snapshots", type=int, default=12,
                    help="draw at most this many lattice snapshots (default %(default)s)")
    ap.add_argument("--max-times", type=int, default=40,
                    help="indices over time at most at this many output times, evenly "
                         "spread (default %(default)s; analysis/sensitivity --over-time "
                         "computes all)")
    ap.add_argument("--no-indices", action="store_true", help="skip sensitivity-index figures")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not list the files written")
    args = ap.parse_args(argv)

    def body(_):
        from . import figures
        _check_common(args)
        with ResultFile(args.result) as rf:
            out = figures.draw_all(
                rf, args.out, metrics=args.metric, x=args.x, y=args.y, bins=args.bins,
                max_points=args.max_points, max_snapshots=args.max_snapshots,
                max_times=args.max_times, indices=not args.no_indices,
                speed_threshold=args.spread_threshold, growth_factor=args.growth_factor,
                min_rise=args.min_rise, seed=args.seed, num_resamples=args.resamples,
                conf_level=args.conf_level, facet=args.facet,
                log=(lambda s: None) if args.quiet else (lambda s: print(s)))
            if not out:
                raise ResultError("%s: nothing to draw (no finished run)" % rf.path)
        return 0

    return _run("figures", body, None)


# -- report -------------------------------------------------------------------------

def report_main(argv=None):
    ap = argparse.ArgumentParser(
        prog="report",
        description="Write a one-page summary of a sendrift result file (what was run, "
                    "completion, key sensitivity indices, figures) as report.md or "
                    "report.html with its PNGs in DIR.  See analysis/README.md.")
    _common(ap)
    ap.add_argument("-o", "--out", required=True, metavar="DIR", help="output folder")
    ap.add_argument("--format", choices=("md", "html"), default="md",
                    help="Markdown or HTML (default %(default)s)")
    ap.add_argument("--metric", action="append", metavar="NAME",
                    help="key metrics (summary or time series; repeatable; default: the "
                         "drift model's final_frac_senescent, final_F, drift_speed, ev_share "
                         "and frac_senescent, or the file's own)")
    _axes_opts(ap)
    _phase_opts(ap)
    ap.add_argument("-q", "--quiet", action="store_true", help="do not list the files written")
    args = ap.parse_args(argv)

    def body(_):
        from . import report
        _check_common(args)
        with ResultFile(args.result) as rf:
            report.write_report(
                rf, args.out, fmt=args.format, metrics=args.metric, x=args.x, y=args.y,
                bins=args.bins, seed=args.seed, num_resamples=args.resamples,
                conf_level=args.conf_level, speed_threshold=args.spread_threshold,
                growth_factor=args.growth_factor, min_rise=args.min_rise, facet=args.facet,
                log=(lambda s: None) if args.quiet else (lambda s: print(s)))
        return 0

    return _run("report", body, None)


# -- contrasts ----------------------------------------------------------------------

def contrasts_main(argv=None):
    from . import contrasts as con
    ap = argparse.ArgumentParser(
        prog="contrasts",
        description="Paired contrasts between the arms (design points) of a grid or list "
                    "design, per tissue: each arm's mean and its difference from a reference "
                    "arm, taken replicate by replicate (paired: meaningful with \"streams\": "
                    "\"paired\" in the sweep file), and for a grid the factorial main effects "
                    "and two-way interactions of every axis; percentile bootstrap intervals "
                    "over replicates.  Runs not DONE are left out (and counted).  See "
                    "analysis/README.md.")
    ap.add_argument("result", metavar="RESULT.h5", help="a sendrift result file")
    ap.add_argument("--output", action="append", metavar="NAME",
                    help="summary output to contrast (repeatable; default: all)")
    ap.add_argument("--reference", action="append", metavar="NAME=VALUE[,NAME=VALUE]",
                    help="the reference arm by its parameter values (repeatable; a categorical "
                         "parameter by its choice; default: the arm where every drug dose is 0, "
                         "if the design has dose parameters, else the first arm), in each tissue")
    ap.add_argument("--boot", type=int, default=con.DEFAULT_BOOT,
                    help="bootstrap resamples (default %(default)s)")
    ap.add_argument("--seed", type=int, default=con.DEFAULT_SEED,
                    help="seed of the bootstrap (default %(default)s)")
    ap.add_argument("--level", "--conf-level", dest="level", type=float,
                    default=con.DEFAULT_LEVEL,
                    help="confidence level of the intervals (default %(default)s)")
    ap.add_argument("--no-factorial", action="store_true",
                    help="no factorial effects (grid designs), only the arms")
    ap.add_argument("--csv", metavar="OUT", help="also write every number as CSV (long format)")
    ap.add_argument("--json", metavar="OUT", help="also write everything as JSON")
    ap.add_argument("--figure", metavar="PNG",
                    help="also draw the differences and effects with their intervals")
    ap.add_argument("-q", "--quiet", action="store_true", help="no table on stdout")
    args = ap.parse_args(argv)

    def body(_):
        with ResultFile(args.result) as rf:
            res = con.analyze(rf, outputs=args.output, reference=args.reference,
                              boot=args.boot, seed=args.seed, level=args.level,
                              with_factorial=not args.no_factorial)
            if res["excluded"]["warning"]:
                print("contrasts: warning: %s: %s" % (rf.path, res["excluded"]["warning"]),
                      file=sys.stderr)
            out = sys.stdout
            if not args.quiet:
                out.write("%s: model %s, sweep %s\n" % (rf.path, rf.meta.get("model", "?"),
                                                         rf.meta.get("sweep_name", "?")))
                con.write_table(res, out)
            for opt, fn in ((args.csv, con.write_csv), (args.json, con.write_json),
                            (args.figure, con.figure)):
                if opt:
                    fn(res, opt)
                    if not args.quiet:
                        out.write("wrote %s\n" % opt)
        return 0

    return _run("contrasts", body, None)
