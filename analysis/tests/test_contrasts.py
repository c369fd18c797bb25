"""Paired contrasts between arms (sendrift_analysis/contrasts.py and
analysis/contrasts), validated on synthetic result files with known effects.

The factorial files are 2 x 2 grids over a drug (senolytic.doses 0 / 6)
and psi (2 / 8) with R replicates and

    y(arm, k) = a + eA [A on] + eB [B high] + eI [A on][B high] + s_k + o_(arm,k)

where s_k (sd SHARED) is the replicate's noise, shared by every arm as
paired streams share their random numbers, and o (sd OWN) each run's own.
Then the known answers are: arm (A on, B low) - reference = eA, (A off, B
high) - reference = eB, (on, high) - reference = eA + eB + eI; main effect
of A (mean over B's two levels) = eA + eI / 2, of B = eB + eI / 2; and the
interaction (difference of differences) = eI."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

from sendrift_analysis import contrasts
from sendrift_analysis.results import ResultError, ResultFile
from tests import synth
from tests.realrun import needs_sendrift, run_sweeps

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(HERE, "contrasts")

A0, EA, EB, EI = 1.0, 0.30, -0.20, 0.25
SHARED, OWN = 1.0, 0.05
ARM_TRUTH = {(0, 0): 0.0, (1, 0): EA, (0, 1): EB, (1, 1): EA + EB + EI}
EFFECT_TRUTH = {("main", "senolytic.doses"): EA + EI / 2, ("main", "psi"): EB + EI / 2,
                ("interaction", "senolytic.doses x psi"): EI}


def run_tool(*args):
    env = dict(os.environ, MPLBACKEND="Agg")
    p = subprocess.run([sys.executable, TOOL] + [str(a) for a in args], capture_output=True,
                       text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def factorial_values(R, rng, shared=SHARED, own=OWN):
    """y per (A, B) cell and replicate: (2, 2, R)."""
    s = rng.normal(0.0, shared, R)
    y = np.empty((2, 2, R))
    for a in (0, 1):
        for b in (0, 1):
            y[a, b] = A0 + EA * a + EB * b + EI * a * b + s + rng.normal(0.0, own, R)
    return y


def factorial_file(path, R=20, seed=0, status=None, streams="paired", tissue=None,
                   garbage=None, shared=SHARED, own=OWN):
    """The 2 x 2 grid as sendrift lays it out: axes senolytic.doses (0, 6)
    then psi (2, 8), the last axis fastest; run = point * R + replicate.
    garbage: {run: value} written into the summary of (FAILED) runs after
    the file is made, so that a reader that used them would be wrong."""
    y = factorial_values(R, np.random.default_rng(seed), shared, own)
    cells = [(0, 0), (0, 1), (1, 0), (1, 1)]
    X = np.array([[(0.0, 6.0)[a], (2.0, 8.0)[b]] for a, b in cells])
    U = np.array([[a, b] for a, b in cells], dtype=float)
    vals = np.concatenate([y[a, b] for a, b in cells])
    extra = {}
    if streams:
        extra["streams"] = streams
    if tissue:
        extra["model"] = {"name": "drift", "params": {"tissue": tissue}}
    synth.write_result(
        path, model="drift", design_type="grid", names=["senolytic.doses", "psi"],
        lower=[0, 2], upper=[6, 8], unit=U, params=X, replicates=R, units=["1", "1"],
        kinds=["values", "values"], scales=["", ""], status=status,
        summary={"y": (vals, "1", "a + eA A + eB B + eI A B + noise"),
                 "z": (2.0 * vals, "um", "twice y")},
        time=[], sweep_extra=extra)
    if garbage:
        with h5py.File(path, "r+") as f:
            for run, v in garbage.items():
                f["summary/y"][run] = v
    return path, y


def arm_of(t, doses, psi):
    for a in t["arms"]:
        if a["params"]["senolytic.doses"] == doses and a["params"]["psi"] == psi:
            return a
    raise AssertionError("no arm senolytic.doses=%g, psi=%g" % (doses, psi))


def effects_by_key(t):
    return {(e["kind"], e["label"]): e for e in t["factorial"]["effects"]}


class FactorialCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-contrasts-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def analyze(self, path, **kw):
        with ResultFile(path) as rf:
            return contrasts.analyze(rf, **kw)

    # -- the known effects ------------------------------------------------------------
    def test_recovers_known_effects(self):
        path, y = factorial_file(os.path.join(self.dir, "known.h5"), R=20, seed=3)
        res = self.analyze(path, outputs=["y"])
        self.assertEqual(res["streams"]["mode"], "paired")
        self.assertTrue(res["streams"]["paired"])
        [t] = res["outputs"]["y"]["tissues"]
        self.assertIsNone(t["tissue"])
        # the reference: the arm with the drug off (point 0 here; see the list test for
        # a design where it is not the first point)
        ref = arm_of(t, 0, 2)
        self.assertTrue(ref["reference"])
        self.assertIn("every drug dose 0", res["tissues"][0]["reference_how"])
        for (a, b), truth in ARM_TRUTH.items():
            arm = arm_of(t, (0, 6)[a], (2, 8)[b])
            self.assertEqual(arm["n"], 20)
            self.assertAlmostEqual(arm["mean"], y[a, b].mean(), places=12)
            if (a, b) == (0, 0):
                continue
            self.assertAlmostEqual(arm["diff"], (y[a, b] - y[0, 0]).mean(), places=12)
            self.assertLess(arm["lo"], truth, (a, b, arm))
            self.assertGreater(arm["hi"], truth, (a, b, arm))
            self.assertLess(arm["lo"], arm["diff"])
            self.assertGreater(arm["hi"], arm["diff"])
            # the paired interval is of the size the own noise alone gives
            # (sd of a difference OWN sqrt 2, of its mean / sqrt R), not the shared
            half = (arm["hi"] - arm["lo"]) / 2
            self.assertLess(half, 3 * 1.96 * OWN * np.sqrt(2 / 20))
            self.assertGreater(half, 0.3 * 1.96 * OWN * np.sqrt(2 / 20))
        eff = effects_by_key(t)
        self.assertEqual(set(eff), set(EFFECT_TRUTH))
        self.assertEqual(t["factorial"]["replicates_used"], 20)
        for k, truth in EFFECT_TRUTH.items():
            e = eff[k]
            self.assertLess(e["lo"], truth, (k, e))
            self.assertGreater(e["hi"], truth, (k, e))
            self.assertLess(abs(e["estimate"] - truth), 0.05, (k, e))
        # the effects are the cell-mean combinations they are said to be
        m = y.mean(axis=2)
        self.assertAlmostEqual(eff[("interaction", "senolytic.doses x psi")]["estimate"],
                               m[1, 1] - m[1, 0] - m[0, 1] + m[0, 0], places=12)
        self.assertAlmostEqual(eff[("main", "psi")]["estimate"],
                               (m[0, 1] + m[1, 1] - m[0, 0] - m[1, 0]) / 2, places=12)
        self.assertEqual(eff[("main", "senolytic.doses")]["contrast"], "6 vs 0")

    def test_paired_narrower_than_unpaired(self):
        path, _ = factorial_file(os.path.join(self.dir, "narrow.h5"), R=20, seed=4)
        [t] = self.analyze(path, outputs=["y"])["outputs"]["y"]["tissues"]
        rows = [a for a in t["arms"] if not a["reference"]] + t["factorial"]["effects"]
        self.assertEqual(len(rows), 6)
        for r in rows:
            paired = r["hi"] - r["lo"]
            unpaired = r["hi_unpaired"] - r["lo_unpaired"]
            # shared sd 1 against own 0.05: pairing removes nearly all the noise
            self.assertLess(paired, 0.2 * unpaired, r)
        # and with nothing shared, pairing gains nothing: the widths agree
        path, _ = factorial_file(os.path.join(self.dir, "noshare.h5"), R=20, seed=4,
                                 shared=0.0, own=0.3, streams=None)
        res = self.analyze(path, outputs=["y"])
        self.assertEqual(res["streams"]["mode"], "per-run")
        self.assertFalse(res["streams"]["paired"])
        [t] = res["outputs"]["y"]["tissues"]
        for a in t["arms"]:
            if not a["reference"]:
                ratio = (a["hi"] - a["lo"]) / (a["hi_unpaired"] - a["lo_unpaired"])
                self.assertGreater(ratio, 0.6, a)
                self.assertLess(ratio, 1.6, a)

    def test_coverage(self):
        """Over 50 synthetic files the 95 % intervals cover the true arm
        difference and the true interaction in 40-50 of them (a percentile
        bootstrap with 12 replicates covers somewhat less than 95 %);
        the unpaired interval of an output with no shared noise too."""
        cover = {"diff": 0, "interaction": 0, "main": 0}
        widths = []
        for k in range(50):
            path, _ = factorial_file(os.path.join(self.dir, "cov.h5"), R=12, seed=1000 + k,
                                     own=0.2)
            [t] = self.analyze(path, outputs=["y"], boot=1000, seed=k)["outputs"]["y"]["tissues"]
            d = arm_of(t, 6, 2)
            cover["diff"] += d["lo"] < EA < d["hi"]
            eff = effects_by_key(t)
            e = eff[("interaction", "senolytic.doses x psi")]
            cover["interaction"] += e["lo"] < EI < e["hi"]
            e = eff[("main", "psi")]
            cover["main"] += e["lo"] < EB + EI / 2 < e["hi"]
            widths.append(d["hi"] - d["lo"])
        for k, v in cover.items():
            self.assertGreaterEqual(v, 40, (k, cover))
            self.assertLessEqual(v, 50, (k, cover))
        # the width is that of a 95 % interval of a mean of 12 differences of sd 0.2 sqrt 2
        expect = 2 * 1.96 * 0.2 * np.sqrt(2) / np.sqrt(12)
        self.assertAlmostEqual(np.mean(widths) / expect, 1.0, delta=0.2)
        self.coverage = cover

    # -- failed runs ----------------------------------------------------------------------
    def test_failed_runs_excluded(self):
        R = 6
        status = np.full(4 * R, synth.DONE, dtype=np.uint8)
        # point 2 (drug on, psi 2): replicates 1 and 4 FAILED; point 3: replicate 1
        failed = [2 * R + 1, 2 * R + 4, 3 * R + 1]
        status[failed] = synth.FAILED
        status[1 * R + 5] = synth.PENDING
        path, y = factorial_file(os.path.join(self.dir, "failed.h5"), R=R, seed=5,
                                 status=status, garbage={r: 1e6 for r in failed})
        with h5py.File(path, "r") as f:              # the garbage is in the file
            self.assertEqual(f["summary/y"][failed[0]], 1e6)
        res = self.analyze(path, outputs=["y"])
        ex = res["excluded"]
        self.assertEqual((ex["excluded"], ex["failed"], ex["pending"]), (4, 3, 1))
        self.assertIn("4 of 24 runs not DONE (3 FAILED, 1 PENDING) excluded", ex["warning"])
        [t] = res["outputs"]["y"]["tissues"]
        on = arm_of(t, 6, 2)
        keep = [k for k in range(R) if k not in (1, 4)]
        self.assertEqual((on["n"], on["n_pairs"]), (4, 4))
        self.assertAlmostEqual(on["mean"], y[1, 0, keep].mean(), places=12)
        self.assertAlmostEqual(on["diff"], (y[1, 0, keep] - y[0, 0, keep]).mean(), places=12)
        self.assertLess(on["hi"], 1.0)
        # the factorial uses the replicates DONE in every cell: 0, 2, 3
        fac = t["factorial"]
        self.assertEqual((fac["replicates_used"], fac["replicates_total"]), (3, 6))
        use = [0, 2, 3]
        m = y[:, :, use].mean(axis=2)
        e = effects_by_key(t)[("interaction", "senolytic.doses x psi")]
        self.assertAlmostEqual(e["estimate"], m[1, 1] - m[1, 0] - m[0, 1] + m[0, 0], places=12)
        # the command line warns on stderr, naming how many
        rc, out, err = run_tool(path, "--output", "y")
        self.assertEqual(rc, 0, err)
        self.assertIn("warning", err)
        self.assertIn("4 of 24 runs not DONE (3 FAILED, 1 PENDING) excluded", err)
        self.assertIn("4 of 24 runs not DONE", out)

    def test_fewer_than_two_replicates_no_interval(self):
        R = 3
        status = np.full(4 * R, synth.DONE, dtype=np.uint8)
        status[[3 * R + 0, 3 * R + 1]] = synth.FAILED      # point 3: one replicate left
        status[[2 * R + 0, 2 * R + 1, 2 * R + 2]] = synth.FAILED   # point 2: none
        path, y = factorial_file(os.path.join(self.dir, "few.h5"), R=R, seed=6, status=status)
        res = self.analyze(path, outputs=["y"])
        [t] = res["outputs"]["y"]["tissues"]
        one = arm_of(t, 6, 8)
        self.assertEqual((one["n"], one["n_pairs"]), (1, 1))
        self.assertAlmostEqual(one["diff"], y[1, 1, 2] - y[0, 0, 2], places=12)
        for k in ("lo", "hi", "mean_lo", "mean_hi", "lo_unpaired", "hi_unpaired"):
            self.assertTrue(np.isnan(one[k]), (k, one))
        self.assertIn("no interval", one["note"])
        none = arm_of(t, 6, 2)
        self.assertEqual(none["n"], 0)
        self.assertTrue(np.isnan(none["diff"]) and np.isnan(none["mean"]))
        self.assertIn("no estimate", none["note"])
        fac = t["factorial"]
        self.assertEqual(fac["replicates_used"], 0)
        self.assertTrue(all(np.isnan(e["lo"]) and np.isnan(e["estimate"])
                            for e in fac["effects"]))
        self.assertIn("no estimate", fac["note"])
        js = os.path.join(self.dir, "few.json")
        rc, out, err = run_tool(path, "--output", "y", "--json", js)
        self.assertEqual(rc, 0, err)
        with open(js) as fh:
            doc = json.load(fh)
        a = [a for a in doc["outputs"]["y"]["tissues"][0]["arms"] if a["point"] == 3][0]
        self.assertIsNone(a["lo"])                   # NaN -> null, never a number
        self.assertIsNone(a["hi"])
        self.assertRegex(out, r"senolytic\.doses=6, psi=8 +1 .* nan +nan +1 ")


class ListCase(unittest.TestCase):
    """A list design over tissue (an axis) and two drugs, its zero-dose arm
    not first: per-tissue references, per-tissue effects."""

    TRUE = {"cartilage": {"senolytic": -0.10, "dna_demethylation": -0.02},
            "disc": {"senolytic": -0.30, "dna_demethylation": 0.05}}

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-contrasts-list-")
        R = 10
        rng = np.random.default_rng(11)
        arms = []                                   # (tissue, senolytic, dna_demethylation)
        for tis in (0, 1):
            arms += [(tis, 6, 0), (tis, 0, 0), (tis, 0, 3)]
        s = rng.normal(0, 0.5, R)
        vals = []
        for tis, sen, dna in arms:
            t = cls.TRUE[("cartilage", "disc")[tis]]
            mean = 0.5 + 0.2 * tis + t["senolytic"] * (sen > 0) + t["dna_demethylation"] * (dna > 0)
            vals.append(mean + s + rng.normal(0, 0.01, R))
        cls.vals = np.array(vals)
        X = np.array(arms, dtype=float)
        cls.path = os.path.join(cls.dir, "list.h5")
        synth.write_result(
            cls.path, model="drift", design_type="list",
            names=["tissue", "senolytic.doses", "dna_demethylation.doses"],
            lower=[0, 0, 0], upper=[1, 6, 3], unit=X / np.maximum(X.max(axis=0), 1),
            params=X, replicates=R, kinds=["choices", "values", "values"],
            units=["", "1", "1"], scales=["", "", ""],
            choices={"tissue": ["cartilage", "disc"]},
            summary={"final_F": (cls.vals.ravel(), "1", "function")}, time=[],
            sweep_extra={"streams": "paired"})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_list_per_tissue(self):
        with ResultFile(self.path) as rf:
            res = contrasts.analyze(rf)
        self.assertEqual(res["tissue_axis"], "tissue")
        self.assertEqual([t["tissue"] for t in res["tissues"]], ["cartilage", "disc"])
        # the reference in each tissue: the arm with both drugs at 0 (points 1 and 4)
        self.assertEqual([t["reference_point"] for t in res["tissues"]], [1, 4])
        for t in res["outputs"]["final_F"]["tissues"]:
            self.assertNotIn("factorial", t)          # a list has no factorial
            self.assertEqual(len(t["arms"]), 3)
            for a in t["arms"]:
                if a["reference"]:
                    continue
                drug = "senolytic" if a["params"]["senolytic.doses"] > 0 else "dna_demethylation"
                truth = self.TRUE[t["tissue"]][drug]
                # own noise sd 0.01: the mean of 10 differences is within 4 sd
                # of the truth (the intervals' coverage is FactorialCase's test)
                self.assertLess(abs(a["diff"] - truth), 4 * 0.01 * np.sqrt(2 / 10), a)
                self.assertLess(a["lo"], a["diff"])
                self.assertGreater(a["hi"], a["diff"])
                self.assertLess(a["hi"] - a["lo"], 4 * 1.96 * 0.01 * np.sqrt(2 / 10))
                self.assertNotIn("tissue", a["label"])
                self.assertEqual(a["params"]["tissue"], t["tissue"])
            p = t["arms"][0]["point"]
            self.assertAlmostEqual(t["arms"][0]["diff"],
                                   (self.vals[p] - self.vals[t["reference_point"]]).mean(),
                                   places=12)

    def test_reference_option(self):
        with ResultFile(self.path) as rf:
            res = contrasts.analyze(rf, reference=["senolytic.doses=6"])
            self.assertEqual([t["reference_point"] for t in res["tissues"]], [0, 3])
            self.assertIn("--reference senolytic.doses=6", res["tissues"][0]["reference_how"])
            res = contrasts.analyze(rf, reference=["senolytic.doses=0,dna_demethylation.doses=3"])
            self.assertEqual([t["reference_point"] for t in res["tissues"]], [2, 5])
            with self.assertRaisesRegex(ResultError, "matches 2 arms in tissue cartilage"):
                contrasts.analyze(rf, reference=["senolytic.doses=0"])
            with self.assertRaisesRegex(ResultError, "matches no arm"):
                contrasts.analyze(rf, reference=["senolytic.doses=5"])
            with self.assertRaisesRegex(ResultError, "parameter 'zz' is not swept"):
                contrasts.analyze(rf, reference=["zz=1"])
            with self.assertRaisesRegex(ResultError, "contrasts are taken within each tissue"):
                contrasts.analyze(rf, reference=["tissue=disc"])

    def test_cli_exports_and_figure(self):
        js, cs, png = (os.path.join(self.dir, n) for n in ("l.json", "l.csv", "l.png"))
        rc, out, err = run_tool(self.path, "--json", js, "--csv", cs, "--figure", png,
                                "--boot", "500", "--seed", "3", "--level", "0.9")
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        self.assertIn("streams: paired", out)
        self.assertIn("90 % percentile bootstrap over replicates, 500 resamples, seed 3", out)
        self.assertIn("final_F, tissue disc", out)
        self.assertIn("reference in tissue cartilage: senolytic.doses=0, "
                      "dna_demethylation.doses=0 (point 1; the arm with every drug dose 0", out)
        with open(js) as fh:
            doc = json.load(fh)
        self.assertEqual((doc["boot"], doc["seed"], doc["level"]), (500, 3, 0.9))
        with open(cs, newline="") as fh:
            rows = list(csv.DictReader(fh))
        diffs = [r for r in rows if r["kind"] == "difference"]
        self.assertEqual(len(diffs), 4)
        self.assertEqual({r["tissue"] for r in diffs}, {"cartilage", "disc"})
        d0 = [r for r in diffs if r["tissue"] == "disc" and r["point"] == "3"][0]
        self.assertAlmostEqual(float(d0["estimate"]), (self.vals[3] - self.vals[4]).mean(),
                               places=8)
        with open(png, "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(png), 5000)
        # the same seed gives the same numbers; another seed other intervals
        js2 = os.path.join(self.dir, "l2.json")
        self.assertEqual(run_tool(self.path, "--json", js2, "--boot", "500", "--seed", "3",
                                  "--level", "0.9", "-q")[0], 0)
        with open(js2) as fh:
            self.assertEqual(json.load(fh)["outputs"], doc["outputs"])
        self.assertEqual(run_tool(self.path, "--json", js2, "--boot", "500", "--seed", "4",
                                  "--level", "0.9", "-q")[0], 0)
        with open(js2) as fh:
            self.assertNotEqual(json.load(fh)["outputs"], doc["outputs"])


class CliErrorsCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-contrasts-err-")
        cls.grid, _ = factorial_file(os.path.join(cls.dir, "g.h5"), R=4, tissue="disc",
                                     streams="per-run")
        cls.sob = synth.ishigami_file(os.path.join(cls.dir, "ish.h5"), N=16, n_times=2)
        cls.none = synth.defaults_file(os.path.join(cls.dir, "none.h5"), snapshots=False)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assertFails(self, rc, err, *needles):
        self.assertEqual(rc, 1, err)
        for n in needles:
            self.assertRegex(err, n)
        self.assertNotIn("Traceback", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_fixed_tissue_and_streams(self):
        rc, out, err = run_tool(self.grid, "--output", "z")
        self.assertEqual(rc, 0, err)
        self.assertIn("z (um), tissue disc", out)
        self.assertIn("streams: per-run: the sweep used per-run streams", out)
        self.assertIn("factorial effects (4 of 4 replicates", out)
        self.assertRegex(out, r"interaction senolytic\.doses x psi +6 vs 0 x 8 vs 2 ")
        self.assertNotIn("\ny\n", out)

    def test_errors(self):
        self.assertFails(*run_tool(self.sob)[::2], "design type is 'sobol'",
                         "need a 'grid' or 'list' design")
        self.assertFails(*run_tool(self.none)[::2], "no swept parameters")
        self.assertFails(*run_tool(self.grid, "--output", "nope")[::2],
                         "summary metric 'nope' not found", "available: y, z")
        self.assertFails(*run_tool(self.grid, "--reference", "psi")[::2], "NAME=VALUE")
        self.assertFails(*run_tool(self.grid, "--reference", "psi=x")[::2], "not a number")
        self.assertFails(*run_tool(self.grid, "--boot", "1")[::2], "--boot")
        self.assertFails(*run_tool(self.grid, "--level", "1.5")[::2], "--level")
        rc, out, err = run_tool("--help")
        self.assertEqual(rc, 0, err)
        self.assertIn("usage: contrasts", out)
        self.assertTrue(os.access(TOOL, os.X_OK))


class ReportCase(unittest.TestCase):
    def test_report_shows_contrasts(self):
        d = tempfile.mkdtemp(prefix="sd-contrasts-rep-")
        try:
            path, y = factorial_file(os.path.join(d, "r.h5"), R=8, seed=9)
            o = os.path.join(d, "rep")
            env = dict(os.environ, MPLBACKEND="Agg")
            p = subprocess.run([sys.executable, os.path.join(HERE, "report"), path, "-o", o,
                                "-q", "--metric", "y"], capture_output=True, text=True,
                               env=env, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(o, "report.md"), encoding="utf-8") as fh:
                md = fh.read()
            self.assertIn("## Paired contrasts", md)
            self.assertIn("**Streams: paired**", md)
            diff = (y[1, 1] - y[0, 0]).mean()
            self.assertRegex(md, r"\| senolytic\.doses=6, psi=8 \| 8 \| [-\d.]+ \| %.4f \| "
                             r"[-\d.]+ \.\. [-\d.]+ \| 8 \|" % diff)
            self.assertRegex(md, r"\| interaction senolytic\.doses x psi \| 6 vs 0 x 8 vs 2 \| ")
            imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
            self.assertIn("contrasts_y.png", imgs)
            self.assertTrue(os.path.getsize(os.path.join(o, "contrasts_y.png")) > 5000)
        finally:
            shutil.rmtree(d, ignore_errors=True)


@needs_sendrift
class RealPairedCase(unittest.TestCase):
    """On files the real sendrift writes: with "streams": "paired" two arms
    with the same parameters give the same runs replicate by replicate, so
    their paired difference is 0 with a zero-width interval; with per-run
    streams it is not."""

    def test_paired_streams_real(self):
        d = tempfile.mkdtemp(prefix="sd-contrasts-real-")
        try:
            base = {"model": {"name": "drift", "params": {
                        "nx": 24, "ny": 24, "duration": 20, "output_interval": 5,
                        "focus_radius": 40}},
                    "parameters": [{"name": "psi", "values": [4, 4, 8]}],
                    "design": {"type": "list"}, "replicates": 3, "seed": 5}
            sweeps = {"paired": dict(base, name="paired", streams="paired"),
                      "perrun": dict(base, name="perrun")}
            files = run_sweeps(sweeps, d)
            with ResultFile(files["paired"]) as rf:
                res = contrasts.analyze(rf, outputs=["final_frac_senescent"], boot=200)
            self.assertTrue(res["streams"]["paired"])
            [t] = res["outputs"]["final_frac_senescent"]["tissues"]
            same = [a for a in t["arms"] if a["point"] == 1][0]
            self.assertEqual((same["diff"], same["lo"], same["hi"]), (0.0, 0.0, 0.0))
            with ResultFile(files["perrun"]) as rf:
                res = contrasts.analyze(rf, outputs=["final_frac_senescent"], boot=200)
            self.assertFalse(res["streams"]["paired"])
            [t] = res["outputs"]["final_frac_senescent"]["tissues"]
            same = [a for a in t["arms"] if a["point"] == 1][0]
            self.assertGreater(same["hi"] - same["lo"], 0.0)
            self.check_tissue_grid(d)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def check_tissue_grid(self, d):
        """tissue as a grid axis (choices stored by sendrift): one stratum per
        tissue, its reference the zero-dose arm, the paired difference and
        the interaction as computed here from the file with h5py."""
        sweep = {"name": "tg", "model": {"name": "drift", "params": {
                     "nx": 24, "ny": 24, "duration": 30, "output_interval": 5,
                     "focus_radius": 40, "senolytic.start": 5, "senolytic.interval": 10}},
                 "parameters": [{"name": "tissue", "values": ["cartilage", "disc"]},
                                {"name": "senolytic.doses", "values": [0, 3]},
                                {"name": "psi", "values": [2, 8]}],
                 "design": {"type": "grid"}, "replicates": 4, "seed": 3, "streams": "paired"}
        path = run_sweeps({"tg": sweep}, d)["tg"]
        m = "final_frac_senescent"
        with ResultFile(path) as rf:
            res = contrasts.analyze(rf, outputs=[m], boot=200)
            names = rf.param_names
        self.assertEqual(res["tissue_axis"], "tissue")
        self.assertEqual([t["tissue"] for t in res["tissues"]], ["cartilage", "disc"])
        with h5py.File(path, "r") as f:
            X = f["design/params"][...]
            point = f["design/point"][...]
            rep = f["design/replicate"][...]
            y = f["summary"][m][...]
            self.assertTrue((f["runs/status"][...] == 1).all())
        it, isen, ipsi = (names.index(k) for k in ("tissue", "senolytic.doses", "psi"))
        for ti, t in enumerate(res["outputs"][m]["tissues"]):
            ref = [p for p in range(8) if X[point == p][0, it] == ti
                   and X[point == p][0, isen] == 0 and X[point == p][0, ipsi] == 2]
            self.assertEqual(t["reference_point"], ref[0])
            fac = t["factorial"]
            self.assertEqual(fac["factors"], ["senolytic.doses", "psi"])
            self.assertEqual(fac["replicates_used"], 4)

            def cell(sen, psi):
                p = [q for q in range(8) if X[point == q][0, it] == ti
                     and X[point == q][0, isen] == sen and X[point == q][0, ipsi] == psi][0]
                return y[point == p][np.argsort(rep[point == p])]
            arm = arm_of(t, 3, 8)
            self.assertAlmostEqual(arm["diff"], (cell(3, 8) - cell(0, 2)).mean(), places=12)
            e = effects_by_key(t)[("interaction", "senolytic.doses x psi")]
            self.assertAlmostEqual(e["estimate"], (cell(3, 8) - cell(3, 2) - cell(0, 8)
                                                   + cell(0, 2)).mean(), places=12)


if __name__ == "__main__":
    unittest.main()
