"""A sweep with "parameters": [] (replicates of the model's defaults).

sendrift writes its result file with /design/params of shape (runs, 0) and
the attributes names, units, kinds, scales, lower, upper with a NULL
dataspace (h5py.Empty).  report and figures show the runs and their spread
across replicates and say that there are no sensitivity indices;
sensitivity says why it has nothing to compute (exit status 1), never a
traceback.  With SENDRIFT set (ctest sets it) the same on files written by
the real sendrift."""

import os
import re
import shutil
import tempfile
import unittest

import h5py
import numpy as np

from sendrift_analysis.results import ResultFile
from tests import synth
from tests.realrun import needs_sendrift, run_sweeps
from tests.test_cli import png_size, read, run

NULL_ATTRS = ("names", "units", "kinds", "scales", "lower", "upper")


def stats_row(path, metric):
    """The report's row for a summary metric, computed here from the file."""
    with h5py.File(path, "r") as f:
        st = f["runs/status"][...]
        v = f["summary"][metric][...][st == synth.DONE]
        units = f["summary"][metric].attrs["units"]
    units = units.decode() if isinstance(units, bytes) else str(units)
    n, done = int(np.isfinite(v).sum()), len(v)
    v = v[np.isfinite(v)]
    if not n:
        return "| %s | %s | 0 of %d | n/a | n/a | n/a | n/a |" % (metric, units, done)
    return "| %s | %s | %s | %s | %s | %s | %s |" % (
        metric, units, str(n) if n == done else "%d of %d" % (n, done), "%.5g" % v.mean(),
        "%.5g" % v.std(ddof=1) if n > 1 else "n/a", "%.5g" % v.min(), "%.5g" % v.max())


class NoParameters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = d = tempfile.mkdtemp(prefix="sd-nopar-")
        # drift model, 4 replicates of the defaults, run 3 FAILED, snapshots
        cls.drift = synth.defaults_file(os.path.join(d, "drift.h5"), replicates=4,
                                        failed_runs=[3])
        # the null model, 3 replicates
        cls.null = synth.defaults_file(os.path.join(d, "null.h5"), model="null",
                                       replicates=3)
        # several design points, all at the defaults (an lhs with no parameters)
        cls.multi = synth.defaults_file(os.path.join(d, "multi.h5"), model="null",
                                        points=3, replicates=2)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assertNoTraceback(self, rc, out, err):
        self.assertNotIn("Traceback", err)
        self.assertNotIn("Traceback", out)

    def assertPngs(self, out_dir, names):
        for n in names:
            p = os.path.join(out_dir, n)
            self.assertTrue(os.path.isfile(p), "%s missing" % p)
            w, h = png_size(p)
            self.assertGreater(w, 300, p)
            self.assertGreater(h, 200, p)

    # -- the file is laid out as sendrift writes it -----------------------------
    def test_layout_as_sendrift(self):
        with h5py.File(self.drift, "r") as f:
            ds = f["design/params"]
            self.assertEqual(ds.shape, (4, 0))
            self.assertEqual(f["design/unit"].shape, (4, 0))
            self.assertEqual(int(f["design"].attrs["dim"]), 0)
            for k in NULL_ATTRS:
                self.assertIsInstance(ds.attrs[k], h5py.Empty, k)

    def test_result_file(self):
        with ResultFile(self.drift) as rf:
            self.assertEqual(rf.dim, 0)
            self.assertTrue(rf.no_parameters)
            self.assertEqual(rf.params, [])
            self.assertEqual(rf.param_names, [])
            self.assertEqual(rf.X.shape, (4, 0))
            self.assertEqual(rf.U.shape, (4, 0))
            self.assertEqual(rf.point_params().shape, (1, 0))
            self.assertEqual(rf.describe_point(0), "model defaults")
            c = rf.completion()
            self.assertEqual((c["done"], c["failed"], c["points_complete"]), (3, 1, 0))
        with ResultFile(self.multi) as rf:
            self.assertEqual(rf.describe_point(2), "point 2 (defaults)")

    # -- sensitivity: a clear message, exit 1 -----------------------------------
    def test_sensitivity_says_no_parameters(self):
        for path, extra in ((self.drift, []), (self.null, []), (self.multi, []),
                            (self.drift, ["--over-time"]), (self.drift, ["--method", "sobol"]),
                            (self.null, ["--method", "morris", "--metric", "sum"])):
            rc, out, err = run("sensitivity", path, *extra)
            self.assertNoTraceback(rc, out, err)
            self.assertEqual(rc, 1, (path, extra, err))
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertRegex(err, r"^sensitivity: error: .*: no swept parameters")
            self.assertIn('"parameters": []', err)
            self.assertIn("no sensitivity indices", err)
            self.assertIn("analysis/report", err)
            self.assertEqual(out, "")

    # -- report ---------------------------------------------------------------------
    def test_report_markdown_drift(self):
        out_dir = os.path.join(self.dir, "rep_drift")
        rc, out, err = run("report", self.drift, "-o", out_dir, "-q")
        self.assertNoTraceback(rc, out, err)
        self.assertEqual(rc, 0, err)
        md = read(os.path.join(out_dir, "report.md"))
        self.assertIn("**no swept parameters** (the sweep has `\"parameters\": []`): 1 design "
                      "point x 4 replicate(s) = 4 runs, every one at the model's defaults", md)
        self.assertIn("3 of 4 runs DONE (75.0 %), 1 FAILED, 0 PENDING", md)
        self.assertIn("- 1 x synthetic failure of run 3", md)
        # the runs, one row each
        self.assertRegex(md, r"\| run \| replicate \| status \| wall time \(s\) \| "
                             r"final_frac_senescent \| final_F \| drift_speed \| ev_share \|")
        self.assertRegex(md, r"\n\| 3 \| 3 \| FAILED \|")
        self.assertEqual(len(re.findall(r"\n\| \d \| \d \| DONE \|", md)), 3)
        # mean and spread across replicates, every summary metric
        self.assertIn("## Across replicates", md)
        self.assertIn("| metric | unit | n | mean | std | min | max |", md)
        for m, _, _ in synth.DRIFT_SUMMARY:
            self.assertIn(stats_row(self.drift, m), md)
        self.assertIn("| time_F_below_half | d | 0 of 3 | n/a | n/a | n/a | n/a |", md)
        # no indices, said plainly
        sec = md.split("## Key sensitivity indices", 1)[1].split("## Figures", 1)[0]
        self.assertIn("None: there are no swept parameters", sec)
        self.assertIn("no sensitivity indices", sec)
        self.assertNotIn("S1", md)
        imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
        self.assertEqual(imgs, ["replicates_summary.png", "timeseries_frac_senescent.png",
                                "timeseries_function_F.png", "snapshot_run0_t10.png"])
        self.assertPngs(out_dir, imgs)

    def test_report_html_null_and_multi(self):
        for path, n in ((self.null, 3), (self.multi, 6)):
            out_dir = os.path.join(self.dir, "rep_" + os.path.basename(path))
            rc, out, err = run("report", path, "-o", out_dir, "--format", "html")
            self.assertNoTraceback(rc, out, err)
            self.assertEqual(rc, 0, err)
            h = read(os.path.join(out_dir, "report.html"))
            self.assertIn("<b>no swept parameters</b>", h)
            self.assertIn("%d of %d runs DONE" % (n, n), h)
            self.assertIn("<th>mean</th><th>std</th>", h)
            self.assertIn("None: there are no swept parameters", h)
            imgs = re.findall(r'<img src="([^"]+)"', h)
            self.assertEqual(imgs, ["replicates_summary.png", "timeseries_value.png"])
            self.assertPngs(out_dir, imgs)

    def test_report_axes_error(self):
        rc, out, err = run("report", self.null, "-o", os.path.join(self.dir, "rep_x"),
                           "--x", "a", "--y", "b")
        self.assertNoTraceback(rc, out, err)
        self.assertEqual(rc, 1)
        self.assertIn("parameter 'a' is not swept", err)
        self.assertIn("swept parameters: (none)", err)

    # -- figures -------------------------------------------------------------------
    def test_figures(self):
        out_dir = os.path.join(self.dir, "fig_drift")
        rc, out, err = run("figures", self.drift, "-o", out_dir, "--metric", "final_F",
                           "--metric", "frac_senescent")
        self.assertNoTraceback(rc, out, err)
        self.assertEqual(rc, 0, err)
        self.assertIn("no swept parameters", out)
        want = ["timeseries_frac_senescent.png", "replicates_summary.png",
                "snapshot_run0_t0.png", "snapshot_run0_t10.png"]
        self.assertEqual(sorted(os.listdir(out_dir)), sorted(want))
        self.assertPngs(out_dir, want)


@needs_sendrift
class RealSendrift(unittest.TestCase):
    """The same on files the real sendrift writes (ctest sets SENDRIFT)."""

    SWEEPS = {
        "null": {"model": {"name": "null"}, "parameters": [], "design": {"type": "grid"},
                 "replicates": 3},
        "drift": {"model": {"name": "drift", "params": {"nx": 16, "ny": 16, "duration": 10}},
                  "parameters": [], "design": {"type": "grid"}, "replicates": 2},
    }

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-nopar-real-")
        cls.files = run_sweeps(cls.SWEEPS, cls.dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_layout(self):
        for name, h5 in self.files.items():
            with h5py.File(h5, "r") as f:
                runs = self.SWEEPS[name]["replicates"]
                self.assertEqual(f["design/params"].shape, (runs, 0))
                for k in NULL_ATTRS:
                    self.assertIsInstance(f["design/params"].attrs[k], h5py.Empty, (name, k))

    def test_tools(self):
        for name, h5 in self.files.items():
            runs = self.SWEEPS[name]["replicates"]
            rc, out, err = run("sensitivity", h5)
            self.assertNotIn("Traceback", err)
            self.assertEqual(rc, 1, err)
            self.assertIn("no swept parameters", err)
            out_dir = os.path.join(self.dir, "rep_" + name)
            rc, out, err = run("report", h5, "-o", out_dir, "-q")
            self.assertEqual(rc, 0, err)
            md = read(os.path.join(out_dir, "report.md"))
            self.assertIn("**no swept parameters**", md)
            self.assertIn("%d of %d runs DONE" % (runs, runs), md)
            self.assertIn("## Across replicates", md)
            self.assertIn("None: there are no swept parameters", md)
            self.assertIn("replicates_summary.png", md)
            rc, out, err = run("figures", h5, "-o", os.path.join(self.dir, "fig_" + name))
            self.assertEqual(rc, 0, err)
            self.assertIn("replicates_summary.png", out)


if __name__ == "__main__":
    unittest.main()
