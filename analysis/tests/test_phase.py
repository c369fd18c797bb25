"""The regimes of drift (phase.regimes), the paired effect of a drug axis per
condition (phase.paired_effects), the phase diagram's panels per drug arm and
the report's regimes section, on synthetic files whose regimes and effects
are known by construction."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from . import synth
from .realrun import needs_sendrift, run_sweeps
from sendrift_analysis import figures, phase, report
from sendrift_analysis.results import ResultError, ResultFile

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.dirname(HERE)
nan = float("nan")

T = np.arange(0.0, 101.0, 10.0)      # 11 output times, 0 .. 100 d


def read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def lin(a, b, n=len(T)):
    return np.linspace(a, b, n)


def const(a, n=len(T)):
    return np.full(n, float(a))


def step(before, after, k, n=len(T)):
    """before at indices < k, after from k on."""
    v = np.full(n, float(before))
    v[k:] = after
    return v


# One run per case: (name, expected regime, drift_speed, focus_radius,
# focus_wall, nucleated_frac, frac_senescent, status)
CASES = [
    # focus grows at 0.5 um/d, background quiet
    ("front", phase.FRONT, 0.5, lin(50, 100), const(0), const(0.01), lin(0.03, 0.10), 1),
    # the same, but the clusters apart from the focus gain 0.04 of the sites,
    # the focus cluster (frac_senescent - nucleated_frac) 0.03
    ("mixed", phase.MIXED, 0.5, lin(50, 100), const(0), lin(0.01, 0.05), lin(0.03, 0.1), 1),
    # a wall at index 7; nucleation only after it (outside the drift window,
    # which ends at index 6)
    ("front, nucleation after the wall", phase.FRONT, 0.6, lin(50, 110), step(0, 1, 7),
     step(0.01, 0.05, 8), lin(0.03, 0.3), 1),
    # slow focus (0.05 um/d), the rise in nucleated clusters (0.19 of 0.27)
    ("nucleation", phase.NUCLEATION, 0.05, lin(50, 55), const(0), lin(0.01, 0.2),
     lin(0.03, 0.3), 1),
    # slow focus, the rise mostly in the focus cluster (0.04 of 0.27 apart)
    ("growth", phase.GROWTH, 0.05, lin(50, 55), const(0), lin(0.01, 0.05), lin(0.03, 0.3), 1),
    # the focus is gone from index 5 on, nothing rises
    ("cleared", phase.CLEARED, -0.9, step(50, 0, 5), const(0), const(0.01), lin(0.03, 0.005), 1),
    # gone, and the tissue then fills with nucleated clusters
    ("cleared, then nucleation", phase.NUCLEATION, -0.9, step(50, 0, 5), const(0),
     lin(0.01, 0.2), lin(0.03, 0.2), 1),
    # nucleation for a while (0.01 -> 0.04 at t = 30), then a drug clears
    # everything: the outcome is cleared
    ("transient nucleation, cleared", phase.CLEARED, -0.5, step(50, 0, 5), const(0),
     np.array([0.01, 0.02, 0.03, 0.04, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
     lin(0.03, 0.01), 1),
    ("contained", phase.CONTAINED_R, 0.0, const(50), const(0), const(0.01), const(0.03), 1),
    # no focus: every cluster is nucleated
    ("no focus, rise", phase.NUCLEATION, nan, const(nan), const(0), lin(0.01, 0.1),
     lin(0.01, 0.1), 1),
    ("no focus, flat", phase.CONTAINED_R, nan, const(nan), const(0), const(0.01),
     const(0.01), 1),
    # a wall within two output intervals: drift_speed NaN (status 4), a front
    ("early wall", phase.FRONT, nan, lin(50, 300), step(0, 1, 1), const(0.01),
     lin(0.03, 0.6), 1),
    ("FAILED", phase.UNCLASSIFIED, 0.5, lin(50, 100), const(0), const(0.01), lin(0.03, 0.1), 2),
    # the focus spread, then a drug cleared it: cleared
    ("front, then cleared", phase.CLEARED, 0.5, np.r_[lin(50, 70, 6), const(0, 5)], const(0),
     const(0.01), lin(0.03, 0.01), 1),
    # exactly at the threshold: not a front (strictly above)
    ("at the threshold", phase.CONTAINED_R, 0.1, lin(50, 60), const(0), const(0.01),
     const(0.03), 1),
]


def cases_file(path):
    n = len(CASES)
    U = np.stack([np.arange(n) / n, np.zeros(n)], axis=1)
    col = lambda j: np.array([c[j] for c in CASES], dtype=float)   # noqa: E731
    f = col(6)
    return synth.write_result(
        path, model="drift", design_type="list", names=["a", "b"], lower=[0, 0],
        upper=[1, 1], unit=U, params=U, status=np.array([c[7] for c in CASES], np.uint8),
        time=T,
        summary={"drift_speed": (col(2), "um/d", "speed"),
                 "final_frac_senescent": (f[:, -1], "1", "final")},
        timeseries={"frac_senescent": (f, "1", "fraction"),
                    "focus_radius": (col(3), "um", "focus"),
                    "focus_wall": (col(4), "1", "wall"),
                    "nucleated_frac": (col(5), "1", "nucleated"),
                    "nucleated_clusters": (1000 * col(5), "1", "clusters")})


# -- a psi x beta x senolytic grid with known regimes and drug effects -----------------

PSI = (1.0, 8.0)
BETA = (0.03, 0.15)
DOSES = (0.0, 7.0)
REPS = 3
# the senolytic's effect on final_frac_senescent by (psi, beta): known
DRUG = {(1.0, 0.03): -0.39, (8.0, 0.03): -0.69, (1.0, 0.15): 0.0, (8.0, 0.15): 0.0}
S_K = (0.004, -0.003, 0.001)     # each replicate's offset, shared by its arms


def grid_file(path, paired=True, doses_first=False):
    """psi x beta x senolytic.doses (doses the first axis with doses_first),
    REPS replicates.  Without the drug at beta 0.03: psi 8 a front, psi 1
    nucleation; at beta 0.15 and with the drug, cleared.  The final senescent
    fraction is base + DRUG[cell] (with the drug) + s_k, s_k the replicate's
    own offset shared by the arms (paired streams)."""
    axes = [("psi", PSI, "1"), ("beta", BETA, "1/d"), ("senolytic.doses", DOSES, "1")]
    if doses_first:
        axes = [axes[2], axes[0], axes[1]]
    names = [a[0] for a in axes]
    grids = np.meshgrid(*[np.arange(len(a[1])) for a in axes], indexing="ij")
    idx = np.stack([g.ravel() for g in grids], axis=1)
    X = np.stack([np.asarray(axes[j][1])[idx[:, j]] for j in range(3)], axis=1)
    U = idx / 2.0
    pts = len(X)
    runs = pts * REPS
    rp = np.repeat(np.arange(pts), REPS)
    rep = np.tile(np.arange(REPS), pts)
    s_k = np.asarray(S_K)
    col = {n: X[rp, j] for j, n in enumerate(names)}
    psi, beta, dose = col["psi"], col["beta"], col["senolytic.doses"]
    speed = np.empty(runs)
    r = np.empty((runs, len(T)))
    w = np.zeros((runs, len(T)))
    nf = np.empty((runs, len(T)))
    f = np.empty((runs, len(T)))
    fin = np.empty(runs)
    for i in range(runs):
        key = (psi[i], beta[i])
        base = 0.7 if key == (8.0, 0.03) else 0.4 if key == (1.0, 0.03) else 0.005
        fin[i] = base + (DRUG[key] if dose[i] > 0 else 0.0) + s_k[rep[i]]
        if beta[i] == 0.03 and dose[i] == 0 and psi[i] == 8.0:       # front
            speed[i] = 1.1
            r[i] = lin(60, 170)
            w[i] = step(0, 1, 9)
            nf[i] = const(0.009)
        elif beta[i] == 0.03 and dose[i] == 0:                        # nucleation
            speed[i] = 0.05
            r[i] = lin(60, 65)
            nf[i] = lin(0.009, fin[i] - 0.05)
        else:                                                         # cleared
            speed[i] = -0.5
            r[i] = step(60, 0, 6)
            nf[i] = lin(0.009, fin[i])
        f[i] = lin(0.036, fin[i])
    sweep = {"streams": "paired"} if paired else {}
    return synth.write_result(
        path, model="drift", design_type="grid", names=names, units=[a[2] for a in axes],
        kinds=["values"] * 3, scales=[""] * 3, lower=[min(a[1]) for a in axes],
        upper=[max(a[1]) for a in axes], unit=U, params=X, replicates=REPS, time=T,
        summary={"drift_speed": (speed, "um/d", "speed"),
                 "final_frac_senescent": (fin, "1", "final"),
                 "final_F": (1 - fin, "1", "function")},
        timeseries={"frac_senescent": (f, "1", "fraction"),
                    "focus_radius": (r, "um", "focus"), "focus_wall": (w, "1", "wall"),
                    "nucleated_frac": (nf, "1", "nucleated"),
                    "nucleated_clusters": (np.round(3000 * nf), "1", "clusters")},
        sweep_name="grid-synthetic", sweep_extra=sweep)


def want_regime(psi, beta, dose):
    if beta == 0.03 and dose == 0:
        return phase.FRONT if psi == 8.0 else phase.NUCLEATION
    return phase.CLEARED


class Regimes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-regimes-")
        cls.cases = cases_file(os.path.join(cls.dir, "cases.h5"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_each_case(self):
        with ResultFile(self.cases) as rf:
            codes, info = phase.regimes(rf)
        for i, c in enumerate(CASES):
            self.assertEqual(codes[i], c[1], "%s: got %s, want %s" % (
                c[0], phase.regime_name(codes[i]), phase.regime_name(c[1])))
        want = {name: sum(1 for c in CASES if c[1] == k) for k, name in enumerate(phase.REGIMES)}
        self.assertEqual(info["counts"], want)
        self.assertEqual(info["counts"], {"contained": 3, "cleared": 3, "front": 3,
                                          "nucleation": 3, "mixed": 1, "growth": 1})
        self.assertEqual((info["unclassified"], info["not_done"]), (0, 1))
        self.assertTrue(info["cluster_outputs"])
        # the numbers behind it: the first wall time, the focus gone, the rise
        self.assertEqual(info["wall_time"][2], 70.0)
        self.assertEqual(info["wall_time"][11], 10.0)
        self.assertTrue(np.isnan(info["wall_time"][0]))
        np.testing.assert_array_equal(np.flatnonzero(info["gone"]), [5, 6, 7, 13])
        self.assertAlmostEqual(info["nucleated_rise"][7], 0.03)
        # the gains at the end of the drift window
        self.assertAlmostEqual(info["focus_gain"][1], 0.03)
        self.assertAlmostEqual(info["nucleated_gain"][1], 0.04)
        self.assertAlmostEqual(info["focus_gain"][0], 0.07)
        self.assertAlmostEqual(info["nucleated_gain"][0], 0.0)
        # window of case 2 ends at index 6, before the wall: frac 0.03 + 0.162
        self.assertAlmostEqual(info["focus_gain"][2], 0.162)
        self.assertAlmostEqual(info["nucleated_gain"][2], 0.0)
        self.assertTrue(np.isnan(info["focus_gain"][9]))      # no focus

    def test_spreading_labels(self):
        with ResultFile(self.cases) as rf:
            lab, info = phase.classify(rf)
        want = [1.0 if c[1] in phase.SPREADING_REGIMES else
                nan if c[1] == phase.UNCLASSIFIED else 0.0 for c in CASES]
        np.testing.assert_array_equal(lab, want)
        self.assertEqual((info["spreading"], info["contained"]), (8, 6))

    def test_thresholds(self):
        with ResultFile(self.cases) as rf:
            codes, _ = phase.regimes(rf, speed_threshold=0.01)
            # the slow foci now spread: case 3's clusters apart from the focus
            # gained 0.19, its focus cluster 0.08 (mixed); case 4's 0.04 and
            # 0.23 (a front)
            self.assertEqual(codes[3], phase.MIXED)
            self.assertEqual(codes[4], phase.FRONT)
            self.assertEqual(codes[14], phase.FRONT)
            # the senescent fraction must rise 8-fold: case 6 (x 6.7) does not,
            # case 3 (x 10) does
            codes, _ = phase.regimes(rf, growth_factor=8.0)
            self.assertEqual(codes[6], phase.CLEARED)
            self.assertEqual(codes[3], phase.NUCLEATION)
            # a gain of at least 0.05 of the sites apart from the focus: 0.04 is not one
            codes, _ = phase.regimes(rf, min_rise=0.05)
            self.assertEqual(codes[1], phase.FRONT)
            self.assertEqual(codes[3], phase.NUCLEATION)

    def test_without_cluster_outputs(self):
        # an older file: drift_speed and the senescent fraction only
        n = 4
        U = np.stack([np.arange(n) / n, np.zeros(n)], axis=1)
        f = np.stack([lin(0.01, 0.01), lin(0.01, 0.1), lin(0.01, 0.1), lin(0.01, 0.012)])
        p = synth.write_result(
            os.path.join(self.dir, "old.h5"), model="drift", design_type="list",
            names=["a", "b"], lower=[0, 0], upper=[1, 1], unit=U, params=U, time=T,
            summary={"drift_speed": (np.array([0.5, 0.0, nan, 0.0]), "um/d", "s"),
                     "final_frac_senescent": (f[:, -1], "1", "final")},
            timeseries={"frac_senescent": (f, "1", "fraction")})
        with ResultFile(p) as rf:
            codes, info = phase.regimes(rf)
        np.testing.assert_array_equal(codes, [phase.FRONT, phase.GROWTH, phase.GROWTH,
                                              phase.CONTAINED_R])
        self.assertFalse(info["cluster_outputs"])
        self.assertIn("growth: final_frac_senescent > 2 x initial", info["rule"])


class PairedEffects(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-paired-")
        cls.grid = grid_file(os.path.join(cls.dir, "grid.h5"))
        cls.first = grid_file(os.path.join(cls.dir, "first.h5"), doses_first=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_effects_known(self):
        with ResultFile(self.grid) as rf:
            eff = phase.paired_effects(rf, rf.summary("final_frac_senescent"),
                                       "senolytic.doses", boot=500, seed=2)
            y = rf.summary("final_frac_senescent")
            P = rf.point_params()
            self.assertEqual(eff["reference"], 0.0)
            self.assertEqual(len(eff["rows"]), 4)
            for r in eff["rows"]:
                key = (r["others"]["psi"], r["others"]["beta"])
                # the shared replicate offsets cancel: each pair differs by DRUG
                self.assertAlmostEqual(r["diff"], DRUG[key], places=12)
                self.assertAlmostEqual(r["lo"], DRUG[key], places=12)
                self.assertAlmostEqual(r["hi"], DRUG[key], places=12)
                self.assertEqual(r["n_pairs"], REPS)
                self.assertEqual(r["level"], 7.0)
                self.assertEqual(P[r["reference_point"], 2], 0.0)
                self.assertEqual(list(P[r["reference_point"], :2]), list(P[r["point"], :2]))
                # direct: the mean over replicates of the two arms' difference
                a = y[rf.point == r["point"]]
                b = y[rf.point == r["reference_point"]]
                self.assertAlmostEqual(r["diff"], float(np.mean(a - b)), places=12)

    def test_failed_run_drops_its_pair(self):
        p = os.path.join(self.dir, "failed.h5")
        grid_file(p)
        import h5py
        with h5py.File(p, "r+") as f:
            st = f["runs/status"][...]
            st[7 * REPS + 1] = synth.FAILED           # psi 8, beta 0.15, dose 7, rep 1
            f["runs/status"][...] = st
        with ResultFile(p) as rf:
            eff = phase.paired_effects(rf, rf.summary("final_frac_senescent"),
                                       "senolytic.doses")
        row = [r for r in eff["rows"] if r["point"] == 7][0]
        self.assertEqual(row["n_pairs"], REPS - 1)

    def test_one_pair_no_interval(self):
        p = os.path.join(self.dir, "one.h5")
        grid_file(p)
        import h5py
        with h5py.File(p, "r+") as f:
            st = f["runs/status"][...]
            st[1 * REPS + 1] = synth.FAILED           # psi 1, beta 0.03, dose 7: reps 1, 2
            st[1 * REPS + 2] = synth.FAILED
            f["runs/status"][...] = st
        with ResultFile(p) as rf:
            eff = phase.paired_effects(rf, rf.summary("final_frac_senescent"),
                                       "senolytic.doses")
        row = [r for r in eff["rows"] if r["point"] == 1][0]
        self.assertEqual(row["n_pairs"], 1)
        self.assertAlmostEqual(row["diff"], DRUG[(1.0, 0.03)], places=12)
        self.assertTrue(np.isnan(row["lo"]) and np.isnan(row["hi"]))

    def test_axes_and_facet(self):
        for path in (self.grid, self.first):
            with ResultFile(path) as rf:
                # the dose axis is not an axis of the diagram: it gets the panels
                self.assertEqual(figures.check_axes(rf), ("psi", "beta"))
                self.assertEqual(figures.facet_axis(rf, "psi", "beta"), "senolytic.doses")
                self.assertEqual(figures.facet_axis(rf, "psi", "senolytic.doses"), "beta")
                self.assertIsNone(figures.facet_axis(rf, "psi", "beta", "none"))
                self.assertEqual(figures.facet_axis(rf, "psi", "senolytic.doses", "beta"),
                                 "beta")
                with self.assertRaisesRegex(ResultError, "--facet gamma: parameter 'gamma' "
                                                         "is not swept"):
                    figures.facet_axis(rf, "psi", "beta", "gamma")
                with self.assertRaisesRegex(ResultError, "already an axis"):
                    figures.facet_axis(rf, "psi", "beta", "psi")
                lv = figures.facet_levels(rf, "senolytic.doses")
                self.assertEqual([a for a, _ in lv], ["senolytic.doses = 0",
                                                      "senolytic.doses = 7"])
                self.assertEqual([int(m.sum()) for _, m in lv], [4 * REPS, 4 * REPS])

    def test_regimes_of_the_grid(self):
        with ResultFile(self.grid) as rf:
            codes, info = phase.regimes(rf)
            X = rf.X
        for i in range(len(codes)):
            self.assertEqual(codes[i], want_regime(*X[i]), i)
        self.assertEqual(info["counts"]["front"], REPS)
        self.assertEqual(info["counts"]["nucleation"], REPS)
        self.assertEqual(info["counts"]["cleared"], 6 * REPS)

    def test_phase_figure_panels(self):
        with ResultFile(self.grid) as rf:
            out = os.path.join(self.dir, "phase.png")
            p, info = figures.phase_figure(rf, "psi", "beta", out, facet="senolytic.doses",
                                           boot=200)
            self.assertEqual(p, out)
            self.assertGreater(os.path.getsize(out), 10000)
            self.assertEqual(info["facet"], "senolytic.doses")
            self.assertEqual(len(info["effects"]["rows"]), 4)
            # the cells of each panel: the regimes counted per (psi, beta)
            codes, _ = phase.regimes(rf)
            ax_x, ax_y = figures._Axis(rf, "psi", 8), figures._Axis(rf, "beta", 8)
            for lab, m in figures.facet_levels(rf, "senolytic.doses"):
                K = figures.regime_cells(ax_x, ax_y, codes, m)
                self.assertEqual(K.sum(), 4 * REPS)
                if lab.endswith("= 0"):
                    self.assertEqual(K[0, 1, phase.FRONT], REPS)       # beta 0.03, psi 8
                    self.assertEqual(K[0, 0, phase.NUCLEATION], REPS)  # beta 0.03, psi 1
                    self.assertEqual(K[1, :, phase.CLEARED].sum(), 2 * REPS)
                else:
                    self.assertEqual(K[:, :, phase.CLEARED].sum(), 4 * REPS)
            # without panels: one, pooled
            p, info = figures.phase_figure(rf, "psi", "beta", os.path.join(self.dir, "p1.png"))
            self.assertIsNone(info["facet"])
            self.assertNotIn("effects", info)
            # a heatmap with panels
            h = figures.heatmap_figure(rf, "final_F", "psi", "beta",
                                       os.path.join(self.dir, "h.png"), facet="senolytic.doses")
            self.assertTrue(os.path.getsize(h) > 10000)

    def test_report(self):
        out = os.path.join(self.dir, "rep")
        with ResultFile(self.grid) as rf:
            report.write_report(rf, out, log=lambda s: None, contrast_boot=200)
        md = read(os.path.join(out, "report.md"))
        self.assertIn("## Regimes of drift", md)
        self.assertIn("Runs: %d cleared, %d front, %d nucleation." % (6 * REPS, REPS, REPS), md)
        self.assertIn("| psi=8, beta=0.03 1/d, senolytic.doses=0 | 3 | front 3 | 1.1 | 90 | 27 | "
                      "0.697 .. 0.704 |", md)
        self.assertRegex(md, r"\| psi=1, beta=0.03 1/d, senolytic.doses=0 \| 3 \| nucleation 3 "
                             r"\| 0.05 \| never \|")
        self.assertIn("**Effect of senolytic on final_frac_senescent in every condition**", md)
        self.assertIn("share their random streams", md)
        for (ps, be), dv in DRUG.items():
            row = ("| psi=%g, beta=%g | 7 | 3 | %s | %s .. %s | "
                   % (ps, be, report._fmt(dv, 4, "exp"), report._fmt(dv, 4, "exp"),
                      report._fmt(dv, 4, "exp")))
            self.assertIn(row, md)
        self.assertIn("| psi=8, beta=0.03 | 7 | 3 | -0.6900 | -0.6900 .. -0.6900 | front, front, "
                      "front | cleared, cleared, cleared |", md)
        self.assertIn("**Effect of senolytic on final_F in every condition**", md)
        self.assertIn("| psi=1, beta=0.03 | 7 | 3 | 0.3900 |", md)
        # analysis/contrasts' section is there too
        self.assertIn("## Paired contrasts", md)
        self.assertIn("**Streams: paired**", md)
        imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
        for fn in ("phase_psi_beta.png", "heatmap_final_frac_senescent_psi_beta.png",
                   "timeseries_focus_radius.png", "timeseries_nucleated_frac.png"):
            self.assertIn(fn, imgs)
            self.assertTrue(os.path.getsize(os.path.join(out, fn)) > 5000, fn)
        self.assertIn("a panel per senolytic.doses and its paired effect", md)

    def test_report_per_run_streams(self):
        p = grid_file(os.path.join(self.dir, "perrun.h5"), paired=False)
        out = os.path.join(self.dir, "rep2")
        with ResultFile(p) as rf:
            report.write_report(rf, out, log=lambda s: None, contrast_boot=200, facet="none")
        md = read(os.path.join(out, "report.md"))
        self.assertIn("## Regimes of drift", md)
        # no panels: no drug-effect tables
        self.assertNotIn("**Effect of senolytic", md)

    def test_cli_facet(self):
        fig = os.path.join(ANALYSIS, "figures")
        out = os.path.join(self.dir, "figs")
        # the default axes are psi and beta: --facet beta is refused
        r = subprocess.run([sys.executable, fig, self.grid, "-o", out, "--facet", "beta"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("--facet beta: it is already an axis", r.stderr)
        r = subprocess.run([sys.executable, fig, self.grid, "-o", out, "--facet", "nope"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--facet nope: parameter 'nope' is not swept", r.stderr)
        r = subprocess.run([sys.executable, fig, self.grid, "-o", out, "--metric", "final_F",
                            "--x", "psi", "--y", "senolytic.doses", "--facet", "beta"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("wrote %s" % os.path.join(out, "phase_psi_senolytic.doses.png"), r.stdout)
        self.assertIn("wrote %s" % os.path.join(out, "heatmap_final_F_psi_senolytic.doses.png"),
                      r.stdout)
        r = subprocess.run([sys.executable, os.path.join(ANALYSIS, "report"), self.grid, "-o",
                            os.path.join(self.dir, "rep3"), "-q"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout + r.stderr, "")


@needs_sendrift
class RealSendrift(unittest.TestCase):
    """Regimes and the drug's paired effect on a file the real sendrift writes
    (ctest sets SENDRIFT): a potent, cooperative EV channel spreads a focus
    of 40 um as a front to the walls of a 32 x 32 lattice within 60 days at
    slow clearance; fast clearance, and a senolytic from day 4, clear it."""

    SWEEP = {"name": "regimes", "model": {"name": "drift", "params": {
        "nx": 32, "ny": 32, "duration": 60, "output_interval": 2, "focus_radius": 40,
        "psi": 8, "k_E": 0.3, "K_E": 1, "h": 4, "senolytic.start": 4,
        "senolytic.interval": 10}},
        "parameters": [{"name": "beta", "values": [0.03, 0.5]},
                       {"name": "senolytic.doses", "values": [0, 6]}],
        "design": {"type": "grid"}, "replicates": 3, "seed": 7, "streams": "paired"}

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-regimes-real-")
        cls.h5 = run_sweeps({"regimes": cls.SWEEP}, cls.dir)["regimes"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_regimes(self):
        import h5py
        with ResultFile(self.h5) as rf:
            codes, info = phase.regimes(rf)
            X = rf.X
        with h5py.File(self.h5, "r") as f:
            v = f["summary/drift_speed"][:]
            wall = f["timeseries/focus_wall"][:]
            fs = f["timeseries/frac_senescent"][:]
            nf = f["timeseries/nucleated_frac"][:]
        for i in range(len(codes)):
            beta, dose = X[i]
            if beta == 0.03 and dose == 0:
                self.assertEqual(codes[i], phase.FRONT, i)
                self.assertGreater(v[i], 1.0)
                self.assertTrue(wall[i].any())
                self.assertGreater(info["focus_gain"][i], 0.2)
                self.assertLess(info["nucleated_gain"][i], info["focus_gain"][i])
            else:
                self.assertEqual(codes[i], phase.CLEARED, i)
                # no senescent site left in the focus cluster at some time
                self.assertTrue(np.any(fs[i, 1:] == nf[i, 1:]), i)

    def test_paired_effect(self):
        import h5py
        with ResultFile(self.h5) as rf:
            eff = phase.paired_effects(rf, rf.summary("final_frac_senescent"),
                                       "senolytic.doses", boot=500)
        with h5py.File(self.h5, "r") as f:
            y = f["summary/final_frac_senescent"][:]
            point = f["design/point"][:]
            rep = f["design/replicate"][:]
            params = f["design/params"][:]
        self.assertEqual(len(eff["rows"]), 2)
        for r in eff["rows"]:
            a = [y[(point == r["point"]) & (rep == k)][0] for k in range(3)]
            b = [y[(point == r["reference_point"]) & (rep == k)][0] for k in range(3)]
            self.assertAlmostEqual(r["diff"], float(np.mean(np.subtract(a, b))), places=12)
            self.assertEqual(r["n_pairs"], 3)
            beta = params[point == r["point"]][0, 0]
            if beta == 0.03:
                # the senolytic stops the front: most of the tissue saved
                self.assertLess(r["diff"], -0.5)
                self.assertLess(r["hi"], -0.5)


if __name__ == "__main__":
    unittest.main()
