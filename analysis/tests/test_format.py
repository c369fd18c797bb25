"""Numbers in tables never run together; unreliable indices are marked and
explained; --x/--y errors name the option at fault."""

import os
import re
import shutil
import tempfile
import unittest

import numpy as np

from sendrift_analysis import figures, sobol
from sendrift_analysis.fmt import fmt_num, num
from sendrift_analysis.results import ResultError, ResultFile
from tests import synth
from tests.test_cli import read, run

# a number as the tables print it
NUM = r"-?(?:\d+\.\d+|\d(?:\.\d+)?e[-+]\d+|nan|inf)"


class FmtNum(unittest.TestCase):
    VALUES = [0.0, -0.0, 0.4424, -0.0499, 1.0, 12345.6789, -99999.99999, 123456.7,
              0.037174669065659989, 1e30, -5.682e21, 1e300, -1e-300, 3e-5, 1e-20,
              float("nan"), float("inf"), -float("inf")]

    def test_fixed_width_and_separated(self):
        for w in (8, 10, 12, 13):
            for v in self.VALUES:
                s = fmt_num(v, w)
                self.assertEqual(len(s), w, (v, w, s))
                self.assertEqual(s[0], " ", (v, w, s))
                if np.isfinite(v):
                    self.assertAlmostEqual(float(s), v, delta=abs(v) * 0.06 + 1e-4)
        # columns side by side split back into the same numbers
        row = "".join(fmt_num(v, 12) for v in self.VALUES)
        self.assertEqual(len(row.split()), len(self.VALUES))

    def test_forms(self):
        self.assertEqual(fmt_num(0.4424, 12).strip(), "0.4424")
        self.assertEqual(fmt_num(1e30, 12).strip(), "1.000e+30")
        self.assertEqual(fmt_num(-5.682e21, 12).strip(), "-5.682e+21")
        self.assertEqual(fmt_num(3e-5, 12).strip(), "3.000e-05")
        self.assertEqual(fmt_num(3e-5, 12, tiny="fixed").strip(), "0.0000")
        self.assertEqual(fmt_num(float("nan"), 9).strip(), "nan")
        self.assertEqual(num(1e30, 3), "1.00e+30")
        self.assertEqual(num(0.5, 3), "0.500")


class Unreliable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = d = tempfile.mkdtemp(prefix="sd-fmt-")
        # the study: 3 parameters, N = 8, second order, skip 0
        cls.skip0 = synth.ishigami_file(os.path.join(d, "skip0.h5"), N=8, n_times=3, skip=0)
        # a sound one
        cls.good = synth.ishigami_file(os.path.join(d, "good.h5"), N=2 ** 8, n_times=3)
        # few blocks, some failed
        cls.failed = synth.ishigami_file(os.path.join(d, "failed.h5"), N=16, n_times=2,
                                         second_order=False, failed_points=[1, 5 * 3, 5 * 7])
        # f(A), f(B) almost constant, f(AB_i) not: indices and intervals ~1e22
        N, D = 8, 3
        U = synth.saltelli_unit(D, N, False)
        y = np.zeros((N, D + 2))
        j = np.arange(1.0, N + 1)
        y[:, 0], y[:, -1] = 1e-13 * j, -1e-13 * j
        y[:, 1:D + 1] = np.sin(np.arange(N * D)).reshape(N, D)
        cls.huge = synth.write_result(
            os.path.join(d, "huge.h5"), model="ishigami", design_type="sobol",
            names=["x1", "x2", "x3"], lower=[0] * 3, upper=[1] * 3, unit=U, params=U,
            design_attrs={"samples": N, "second_order": 0, "skip": synth.default_skip(N)},
            summary={"y": (y.ravel(), "1", "near-constant A and B")})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def rows(self, out, name):
        m = re.search(r"^%s((?:\s+%s!?){4})\s*$" % (name, NUM), out, re.M)
        self.assertIsNotNone(m, "row %s not in:\n%s" % (name, out))
        return m.group(1)

    # -- the analysis -----------------------------------------------------------
    def test_flags_and_reason(self):
        with ResultFile(self.skip0) as rf:
            S = sobol.analyze_summary(rf, "y")
        self.assertEqual(S["degenerate_blocks"], 2)
        bad = sobol.unreliable(S)
        self.assertEqual(list(bad["S1"]), list(S["S1_conf"] > 0.5))
        self.assertTrue(bad["ST"][0])                     # x1: ST_conf 0.9
        why = sobol.unreliable_why(S)
        self.assertIn("too few samples: 8 Saltelli blocks used of 8", why)
        self.assertIn("2 degenerate blocks (A = B", why)
        with ResultFile(self.good) as rf:
            S = sobol.analyze_summary(rf, "y")
        self.assertEqual(S["degenerate_blocks"], 0)
        self.assertFalse(any(a.any() for a in sobol.unreliable(S).values()))
        S = {"S1": np.array([0.2, np.nan]), "S1_conf": np.array([np.nan, np.nan]),
             "ST": np.array([0.4, 0.3]), "ST_conf": np.array([0.5, 0.51])}
        self.assertEqual([list(v) for v in sobol.unreliable(S).values()],
                         [[True, False], [False, True]])

    # -- analysis/sensitivity -----------------------------------------------------
    def test_table_huge_values_separated_and_marked(self):
        rc, out, err = run("sensitivity", self.huge)
        self.assertEqual(rc, 0, err)
        self.assertNotRegex(out, r"\d{12}")               # no 30-digit runs
        for n in ("x1", "x2", "x3"):
            cells = self.rows(out, n).split()
            self.assertEqual(len(cells), 4, out)
            self.assertTrue(all(c.endswith("!") for c in cells), out)
            self.assertTrue(all(abs(float(c.rstrip("!"))) > 1e15 for c in cells), out)
        self.assertIn("! unreliable: the interval (index +- conf) is wider than the index "
                      "range [0, 1]", out)
        self.assertIn("Why: too few samples: 8 Saltelli blocks used of 8", out)

    def test_table_skip0_reason(self):
        rc, out, err = run("sensitivity", self.skip0)
        self.assertEqual(rc, 0, err)
        self.assertTrue(self.rows(out, "x1").rstrip().endswith("!"), out)
        self.assertIn("2 degenerate blocks (A = B", out)
        self.assertRegex(out, r"S2 of \(x1, x3\)")
        rc, out, err = run("sensitivity", self.skip0, "--over-time")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"ST of x1 at 3 of 3 times")

    def test_table_sound_study_unmarked(self):
        rc, out, err = run("sensitivity", self.good)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("!", out)
        self.assertNotIn("unreliable", out)
        self.assertRegex(out, r"(?m)^x2\s+0\.4\d{3}\s+0\.\d{4}\s+0\.4\d{3}\s+0\.\d{4}\s*$")

    def test_json_flags(self):
        js = os.path.join(self.dir, "skip0.json")
        rc, out, err = run("sensitivity", self.skip0, "--json", js, "-q")
        self.assertEqual(rc, 0, err)
        import json
        S = json.loads(read(js))["summary"]["y"]
        self.assertEqual(S["unreliable"]["ST"][0], True)
        self.assertIn("degenerate", S["unreliable_why"])

    def test_failed_blocks_reason(self):
        rc, out, err = run("sensitivity", self.failed)
        self.assertEqual(rc, 0, err)
        self.assertIn("! unreliable", out)
        self.assertIn("failed blocks: 3 dropped (3 with failed or unfinished runs)", out)

    # -- analysis/report ------------------------------------------------------------
    def test_report_huge(self):
        o = os.path.join(self.dir, "rep_huge")
        rc, out, err = run("report", self.huge, "-o", o, "-q")
        self.assertEqual(rc, 0, err)
        md = read(os.path.join(o, "report.md"))
        self.assertNotRegex(md, r"\d{12}")
        self.assertRegex(md, r"\| x\d \| -?\d\.\d+e\+\d+ \| \d\.\d+e\+\d+ \| .* \| "
                             r"unreliable \(S1, ST\) \|")
        self.assertRegex(md, r"\*\*Unreliable\*\*: .*wider than the index range \[0, 1\]"
                             r".*Why: too few samples")

    def test_report_skip0_and_failed(self):
        o = os.path.join(self.dir, "rep_skip0")
        rc, out, err = run("report", self.skip0, "-o", o, "-q")
        self.assertEqual(rc, 0, err)
        md = read(os.path.join(o, "report.md"))
        self.assertRegex(md, r"\| x1 \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| unreliable \(")
        self.assertIn("2 degenerate blocks", md)
        o = os.path.join(self.dir, "rep_failed")
        rc, out, err = run("report", self.failed, "-o", o, "-q", "--format", "html")
        self.assertEqual(rc, 0, err)
        h = read(os.path.join(o, "report.html"))
        self.assertIn("<b>Unreliable</b>", h)
        self.assertIn("failed blocks: 3 dropped", h)
        o = os.path.join(self.dir, "rep_good")
        rc, out, err = run("report", self.good, "-o", o, "-q")
        self.assertEqual(rc, 0, err)
        md = read(os.path.join(o, "report.md"))
        self.assertNotIn("nreliable", md)
        self.assertIn("| parameter | S1 | S1 conf (+-) | ST | ST conf (+-) |\n", md)


class AxesErrors(unittest.TestCase):
    """--x or --y alone, or naming a parameter the file does not sweep."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-axes-")
        cls.grid = synth.drift_file(os.path.join(cls.dir, "grid.h5"))
        cls.one = synth.write_result(
            os.path.join(cls.dir, "one.h5"), model="ishigami", design_type="grid",
            names=["x1"], lower=[0.0], upper=[1.0], unit=np.array([[0.0], [1.0]]),
            params=np.array([[0.0], [1.0]]), design_attrs={},
            summary={"y": (np.array([0.0, 1.0]), "1", "y")})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def fails(self, x, y, *needles, path=None):
        """check_axes (what analysis/figures and analysis/report call)."""
        with ResultFile(path or self.grid) as rf:
            with self.assertRaises(ResultError) as cm:
                figures.check_axes(rf, x, y)
        for n in needles:
            self.assertIn(n, str(cm.exception), (x, y))

    def test_one_given(self):
        self.fails("L_E", None, "--x L_E given without --y", "--y is one of: psi")
        self.fails(None, "psi", "--y psi given without --x", "--x is one of: L_E")

    def test_unknown_name(self):
        self.fails("k0", None, "--x k0: parameter 'k0' is not swept",
                   "swept parameters: L_E, psi", "--y is missing")
        self.fails(None, "k0", "--y k0: parameter 'k0' is not swept",
                   "swept parameters: L_E, psi", "--x is missing")
        self.fails("L_E", "k0", "--y k0: parameter 'k0' is not swept",
                   "swept parameters: L_E, psi")
        self.fails("k0", "psi", "--x k0: parameter 'k0' is not swept")

    def test_same_and_single(self):
        self.fails("psi", "psi", "--x and --y both name 'psi'")
        self.fails("x1", None, "x1 is the only swept parameter", path=self.one)
        with ResultFile(self.grid) as rf:
            self.assertEqual(figures.check_axes(rf), ("L_E", "psi"))
            self.assertEqual(figures.check_axes(rf, "psi", "L_E"), ("psi", "L_E"))
        with ResultFile(self.one) as rf:
            self.assertIsNone(figures.check_axes(rf))

    def test_tools(self):
        for tool in ("figures", "report"):
            rc, out, err = run(tool, self.grid, "-o", os.path.join(self.dir, tool), "-q",
                               "--x", "k0")
            self.assertEqual(rc, 1, (tool, err))
            self.assertNotIn("Traceback", err)
            self.assertIn("%s: error: --x k0: parameter 'k0' is not swept" % tool, err)
            self.assertIn("swept parameters: L_E, psi; and --y is missing", err)

    def test_both_valid(self):
        rc, out, err = run("figures", self.grid, "-o", os.path.join(self.dir, "ok"), "-q",
                           "--x", "psi", "--y", "L_E")
        self.assertEqual(rc, 0, err)
        self.assertIn("heatmap_drift_speed_psi_L_E.png", os.listdir(os.path.join(self.dir, "ok")))


if __name__ == "__main__":
    unittest.main()
