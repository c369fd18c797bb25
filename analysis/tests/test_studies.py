"""The studies of docs/studies.md (sendrift_analysis/studies.py, analysis/study):
the knock-out decomposition and the drug add-ons on synthetic result files
with known effects, the sweep files (schema, and with SENDRIFT set: valid
for sendrift, the knock-out grid's baseline at the model's defaults), and
the variants derived from them.

The knock-out files are grids tissue x k_E (0, on) x k_S (0, on) with R
replicates and, in every tissue,

    y(E, S, k) = a + eE E + eS S + eI E S + s_k + o_(arm,k)

(E, S in {0, 1}: the channel on), s_k the replicate's noise shared by the
arms (paired streams), o each run's own.  Then: removal of EVs = eE + eI,
of SASP = eS + eI, total = eE + eS + eI, synergy = eI, Shapley share of EVs
= (eE + eI / 2) / total, EV-only - SASP-only = eE - eS."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from sendrift_analysis import studies
from sendrift_analysis.results import ResultError, ResultFile
from tests import synth
from tests.realrun import SENDRIFT, needs_sendrift

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(HERE)
TOOL = os.path.join(HERE, "study")
KE, KS = 0.05, 0.002
TISSUES = ("cartilage", "disc")
TRUTH = {"cartilage": (2.0, 0.5, 0.4), "disc": (0.3, 1.5, -0.2)}   # eE, eS, eI


def channel_values(R, rng, tissue, shared=1.0, own=0.02):
    eE, eS, eI = TRUTH[tissue]
    s = rng.normal(0.0, shared, R)
    y = {}
    for E in (0, 1):
        for S in (0, 1):
            y[E, S] = 1.0 + eE * E + eS * S + eI * E * S + s + rng.normal(0.0, own, R)
    return y


def channels_file(path, R=12, seed=3):
    """The knock-out grid as sendrift lays it out: tissue, k_E (values
    [KE, 0]), k_S ([KS, 0]), the last axis fastest."""
    rng = np.random.default_rng(seed)
    X, vals, truth = [], [], {}
    for ti, t in enumerate(TISSUES):
        y = channel_values(R, rng, t)
        truth[t] = y
        for E in (1, 0):
            for S in (1, 0):
                X.append((ti, KE * E, KS * S))
                vals.append(y[E, S])
    X = np.array(X, dtype=float)
    v = np.concatenate(vals)
    T = 5
    ts = np.outer(v, np.linspace(0.2, 1.0, T))      # final value = v
    synth.write_result(
        path, model="drift", design_type="grid", names=["tissue", "k_E", "k_S"],
        lower=[0, 0, 0], upper=[1, KE, KS], unit=X / np.maximum(X.max(axis=0), 1e-300),
        params=X, replicates=R, kinds=["choices", "values", "values"], units=["", "1/d", "1/d"],
        scales=["", "", ""], choices={"tissue": list(TISSUES)},
        summary={"auc_frac_senescent": (v, "d", "area"), "drift_speed": (2 * v, "um/d", "x2")},
        timeseries={"nucleated_frac": (ts, "1", "ramp to v")}, time=np.arange(T, dtype=float),
        sweep_extra={"streams": "paired"})
    return truth


class Decompose(unittest.TestCase):
    def test_exact_without_noise(self):
        eE, eS, eI = 2.0, 0.5, 0.4
        n0 = np.full(6, 1.0)
        d = studies.decompose(n0 + eE + eS + eI, n0 + eS, n0 + eE, n0)
        self.assertEqual(d["n"], 6)
        for k, want in (("removal_ev", eE + eI), ("removal_sasp", eS + eI),
                        ("total", eE + eS + eI), ("synergy", eI),
                        ("shapley_ev", eE + eI / 2), ("shapley_sasp", eS + eI / 2),
                        ("ev_minus_sasp", eE - eS),
                        ("share_ev", (eE + eI / 2) / (eE + eS + eI))):
            self.assertAlmostEqual(d[k]["estimate"], want, places=12, msg=k)
            self.assertAlmostEqual(d[k]["lo"], want, places=12, msg=k)
            self.assertAlmostEqual(d[k]["hi"], want, places=12, msg=k)
        self.assertAlmostEqual(d["share_ev"]["estimate"] + d["share_sasp"]["estimate"], 1.0,
                               places=12)
        self.assertTrue(d["share_defined"])

    def test_no_spread_no_share(self):
        z = np.zeros(10)
        b = np.array([1.0, -1.0] * 5)         # baseline - neither: mean 0, spread 1
        d = studies.decompose(b, z, z, z)
        self.assertEqual(d["total"]["estimate"], 0.0)
        self.assertLess(d["total"]["lo"], 0)
        self.assertGreater(d["total"]["hi"], 0)
        self.assertFalse(d["share_defined"])

    def test_missing_replicates_left_out(self):
        b = np.array([3.0, 3.0, np.nan, 3.0])
        z = np.array([1.0, 1.0, 1.0, np.nan])
        d = studies.decompose(b, z, z, z)
        self.assertEqual(d["n"], 2)
        self.assertAlmostEqual(d["total"]["estimate"], 2.0)
        one = studies.decompose(b[:1], z[:1], z[:1], z[:1])
        self.assertEqual(one["n"], 1)
        self.assertTrue(np.isnan(one["total"]["lo"]))


class ChannelsFile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-studies-")
        cls.path = os.path.join(cls.dir, "channels.h5")
        cls.truth = channels_file(cls.path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_arms_found(self):
        with ResultFile(self.path) as rf:
            cp = studies.channel_points(rf)
        self.assertEqual(sorted(cp), sorted(TISSUES))
        # the grid's order: k_E [KE, 0] then k_S [KS, 0], the last fastest
        self.assertEqual(cp["cartilage"], {"baseline": 0, "no_sasp": 1, "no_ev": 2,
                                           "neither": 3})
        self.assertEqual(cp["disc"]["neither"], 7)

    def test_known_effects_recovered(self):
        res = studies.analyze_channels(
            self.path, outputs=(("auc_frac_senescent", "d"), ("final:nucleated_frac", "1")),
            signature=("nucleated_frac",))
        for name in ("auc_frac_senescent", "final:nucleated_frac"):
            for t in TISSUES:
                eE, eS, eI = TRUTH[t]
                y = self.truth[t]
                d = res["outputs"][name]["tissues"][t]
                direct = studies.decompose(y[1, 1], y[0, 1], y[1, 0], y[0, 0])
                for k, want in (("removal_ev", eE + eI), ("removal_sasp", eS + eI),
                                ("total", eE + eS + eI), ("synergy", eI),
                                ("share_ev", (eE + eI / 2) / (eE + eS + eI)),
                                ("ev_minus_sasp", eE - eS)):
                    e = d[k]
                    self.assertAlmostEqual(e["estimate"], direct[k]["estimate"], places=10)
                    self.assertLessEqual(e["lo"], want, msg="%s %s %s" % (name, t, k))
                    self.assertGreaterEqual(e["hi"], want, msg="%s %s %s" % (name, t, k))
                    # paired: the shared noise (sd 1) cancels, the own (0.02) remains
                    self.assertLess(e["hi"] - e["lo"], 0.2, msg="%s %s %s" % (name, t, k))
        self.assertEqual(list(res["signature"]), ["1", "4"])    # a third of the run, its end
        s = res["signature"]["4"]["nucleated_frac"]["disc"]
        self.assertAlmostEqual(s["ev_minus_sasp"]["estimate"],
                               float(np.mean(self.truth["disc"][1, 0] - self.truth["disc"][0, 1])),
                               places=10)

    def test_markdown_and_figures(self):
        res = studies.analyze_channels(
            self.path, outputs=(("auc_frac_senescent", "d"), ("drift_speed", "um/d")),
            signature=())
        md = studies.channels_markdown(res, {})
        self.assertIn("| cartilage | 12 |", md)
        self.assertIn("**auc_frac_senescent** (d)", md)
        png = studies.figure_channels(res, os.path.join(self.dir, "eff.png"))
        with open(png, "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")


def drug_file(path, R=8, seed=4):
    """A 2 x 2 x 2 grid of senolytic, DNA demethylation and HDAC inhibitor
    in one tissue (fixed in the sweep): y = 1 + 0.5 sen + 0.1 dna + 0.05 hdac
    - 0.04 sen dna + noise; the add-on of DNA demethylation to the senolytic
    is 0.1 - 0.04."""
    rng = np.random.default_rng(seed)
    s = rng.normal(0, 1.0, R)
    X, vals = [], []
    for sen in (0, 6):
        for dna in (0, 24):
            for hd in (0, 136):
                X.append((sen, dna, hd))
                a, b, c = sen > 0, dna > 0, hd > 0
                vals.append(1 + 0.5 * a + 0.1 * b + 0.05 * c - 0.04 * a * b + s
                            + rng.normal(0, 0.005, R))
    X = np.array(X, dtype=float)
    synth.write_result(
        path, model="drift", design_type="grid", names=list(studies.DRUGS),
        lower=[0, 0, 0], upper=[6, 24, 136], unit=X / X.max(axis=0), params=X, replicates=R,
        kinds=["values"] * 3, units=["1"] * 3, scales=[""] * 3,
        summary={"final_F": (np.concatenate(vals), "1", "function")}, time=[],
        sweep_extra={"streams": "paired", "model": {"name": "drift",
                                                    "params": {"tissue": "disc"}}})


class Epigenetic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-studies-epi-")
        cls.a = os.path.join(cls.dir, "a.h5")
        cls.b = os.path.join(cls.dir, "b.h5")
        drug_file(cls.a, seed=4)
        drug_file(cls.b, seed=5)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_effects_addons_and_survival(self):
        res = studies.analyze_epigenetic([("baseline", self.a), ("other", self.b)],
                                         outputs=(("final_F", "1"),))
        eff = res["effects"]
        main_dna = eff[("final_F", "disc", "main", "dna_demethylation.doses")]
        self.assertAlmostEqual(main_dna["baseline"]["estimate"], 0.1 - 0.02, delta=0.01)
        inter = eff[("final_F", "disc", "interaction",
                     "senolytic.doses x dna_demethylation.doses")]
        self.assertAlmostEqual(inter["baseline"]["estimate"], -0.04, delta=0.01)
        add = eff[("final_F", "disc", "add-on", "senolytic + DNA demethylation")]
        self.assertAlmostEqual(add["baseline"]["estimate"], 0.06, delta=0.01)
        self.assertEqual(add["baseline"]["verdict"], "+")
        self.assertEqual(add["_survives"], "+")
        inst = eff[("final_F", "disc", "instead",
                    "DNA demethylation alone vs senolytic alone")]
        self.assertAlmostEqual(inst["baseline"]["estimate"], 0.1 - 0.5, delta=0.01)
        both = eff[("final_F", "disc", "add-on", "senolytic + both")]
        self.assertAlmostEqual(both["baseline"]["estimate"], 0.11, delta=0.01)
        # HDAC interacts with nothing: its interval decides nothing
        hi = eff[("final_F", "disc", "interaction",
                  "dna_demethylation.doses x hdac_inhibitor.doses")]
        self.assertEqual(hi["baseline"]["verdict"], "0")
        self.assertEqual(hi["_survives"], "no")
        md = studies.epigenetic_markdown(res)
        self.assertIn("| disc | final_F | add-on senolytic + DNA demethylation |", md)

    def test_verdict(self):
        self.assertEqual(studies.verdict({"lo": 0.1, "hi": 0.2}), "+")
        self.assertEqual(studies.verdict({"lo": -0.3, "hi": -0.2}), "-")
        self.assertEqual(studies.verdict({"lo": -0.3, "hi": 0.2}), "0")
        self.assertEqual(studies.verdict({"lo": float("nan"), "hi": 0.2}), "?")


class Sweeps(unittest.TestCase):
    FILES = (studies.CHANNELS_SWEEP, studies.SOBOL_SWEEP, studies.EPI_SWEEP)

    def test_schema(self):
        import jsonschema
        with open(os.path.join(ROOT, "sweeps", "schema.json")) as fh:
            schema = json.load(fh)
        for f in self.FILES:
            sw = studies.load_sweep(f)
            jsonschema.validate(sw, schema)
            self.assertEqual(sw.get("streams"), "paired", f)

    def test_knockout_axes(self):
        sw = studies.load_sweep(studies.CHANNELS_SWEEP)
        axes = {p["name"]: p["values"] for p in sw["parameters"]}
        self.assertEqual(axes["tissue"], ["cartilage", "bone", "muscle", "disc"])
        defaults = {"k_E": max(axes["k_E"]), "k_S": max(axes["k_S"])}
        studies.check_channels_sweep(sw, defaults)
        with self.assertRaisesRegex(ResultError, "not the model's default"):
            studies.check_channels_sweep(sw, {"k_E": defaults["k_E"] * 2, "k_S": defaults["k_S"]})
        sob = studies.load_sweep(studies.SOBOL_SWEEP)
        mp = sob["model"]["params"]
        studies.check_sobol_sweep(sob, {k: mp[k] / studies.SOBOL_POTENCY for k in ("k_S", "k_E")})
        with self.assertRaisesRegex(ResultError, "x the model's default"):
            studies.check_sobol_sweep(sob, {k: 2 * v for k, v in defaults.items()})
        self.assertEqual([p["name"] for p in sob["parameters"]], ["psi", "L_E", "L_S"])

    def test_derive(self):
        sw = studies.load_sweep(studies.EPI_SWEEP)
        d = studies.derive(sw, "x", {"g_epi": 1.0}, replicates=3)
        self.assertEqual(d["model"]["params"]["g_epi"], 1.0)
        self.assertEqual(d["replicates"], 3)
        self.assertEqual(d["name"], "x")
        self.assertNotIn("file", d.get("output", {}))
        self.assertNotIn("g_epi", sw["model"]["params"])          # the original untouched
        ch = studies.derive(studies.load_sweep(studies.CHANNELS_SWEEP), "c",
                            axes={"k_E": [1.0, 0.0]})
        self.assertEqual([p["values"] for p in ch["parameters"] if p["name"] == "k_E"],
                         [[1.0, 0.0]])
        with self.assertRaisesRegex(ResultError, "not an axis"):
            studies.derive(sw, "z", axes={"psi": [1, 2]})
        with self.assertRaisesRegex(ResultError, "is swept"):
            studies.derive(sw, "y", {"senolytic.doses": 1})
        labels = [v for v, _ in studies.epi_variants({"k_S": 1.0, "k_E": 2.0,
                                                      "hdac_inhibitor.k_dm": 0.1})]
        self.assertEqual(len(labels), 9)
        self.assertEqual(labels[0], "baseline")

    @needs_sendrift
    def test_sendrift_accepts_them_at_its_defaults(self):
        defaults = studies.model_defaults(SENDRIFT)
        studies.check_channels_sweep(studies.load_sweep(studies.CHANNELS_SWEEP), defaults)
        studies.check_sobol_sweep(studies.load_sweep(studies.SOBOL_SWEEP), defaults)
        sw = studies.load_sweep(studies.EPI_SWEEP)
        files = [os.path.join(ROOT, "sweeps", f) for f in self.FILES]
        tmp = tempfile.mkdtemp(prefix="sd-studies-check-")
        try:
            # every parameter a variant sets, in one sweep (one check)
            every = {}
            for label, over in studies.epi_variants(defaults):
                every.update(over)
            p = os.path.join(tmp, "variants.json")
            with open(p, "w") as fh:
                json.dump(studies.derive(sw, "v", every), fh)
            files.append(p)
            for f in files:
                r = subprocess.run([SENDRIFT, "check", f], capture_output=True, text=True,
                                   timeout=60, env=dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
                                                        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1"))
                self.assertEqual(r.returncode, 0, "%s: %s" % (f, r.stderr))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class KeepDone(unittest.TestCase):
    """run_sweep keeps a result file that holds every run DONE of the very
    same sweep, and runs the sweep again when it differs."""

    def test_kept_only_when_the_same(self):
        import types
        tmp = tempfile.mkdtemp(prefix="sd-studies-keep-")
        try:
            sw = studies.derive(studies.load_sweep(studies.EPI_SWEEP), "k", {"g_epi": 1.0})
            # a synthetic file that stores this sweep as its sweep_text
            X = np.array([[0, 0, 0], [6, 24, 136]], dtype=float)
            synth.write_result(os.path.join(tmp, "k.h5"), model="drift", design_type="grid",
                            names=list(studies.DRUGS), lower=[0, 0, 0], upper=[6, 24, 136],
                            unit=X / X.max(axis=0), params=X, replicates=2,
                            kinds=["values"] * 3, units=["1"] * 3, scales=[""] * 3,
                            summary={"final_F": (np.ones(4), "1", "f")}, time=[],
                            sweep_extra=dict(sw))
            args = types.SimpleNamespace(analyze_only=False, np=1, sendrift="/bin/false")
            logs = []
            self.assertEqual(studies.run_sweep(sw, tmp, "k", args, logs.append),
                             os.path.join(tmp, "k.h5"))
            self.assertIn("kept", logs[-1])
            other = studies.derive(sw, "k", {"g_epi": 2.0})
            from unittest import mock
            done = mock.Mock(returncode=0)
            with mock.patch.object(studies.subprocess, "run", return_value=done) as run:
                studies.run_sweep(other, tmp, "k", args, logs.append)
            cmd = run.call_args[0][0]
            self.assertEqual(cmd[:4], ["mpirun", "--oversubscribe", "-n", "1"])
            self.assertEqual(cmd[4:7], ["/bin/false", "run", os.path.join(tmp, "sweeps", "k.json")])
            with open(os.path.join(tmp, "sweeps", "k.json")) as fh:
                self.assertEqual(json.load(fh), other)
            with mock.patch.object(studies.subprocess, "run",
                                   return_value=mock.Mock(returncode=4)):
                with self.assertRaisesRegex(ResultError, "exit 4"):
                    studies.run_sweep(other, tmp, "k", args, logs.append)
            args.analyze_only = True
            with self.assertRaisesRegex(ResultError, "missing"):
                studies.run_sweep(sw, tmp, "absent", args, logs.append)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class Tool(unittest.TestCase):
    def test_help_and_missing_files(self):
        p = subprocess.run([sys.executable, TOOL, "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("channels", p.stdout)
        tmp = tempfile.mkdtemp(prefix="sd-studies-tool-")
        try:
            p = subprocess.run([sys.executable, TOOL, "epigenetic", "--analyze-only",
                                "--sendrift", SENDRIFT or "/bin/false", "-o", tmp],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1)
            self.assertRegex(p.stderr, "missing|models drift")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
