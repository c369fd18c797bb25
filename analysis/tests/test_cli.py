"""The command-line tools end to end on synthetic result files."""

import csv
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

from tests import synth

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = {n: os.path.join(HERE, n) for n in ("sensitivity", "figures", "report")}


def run(tool, *args):
    env = dict(os.environ, MPLBACKEND="Agg")
    p = subprocess.run([sys.executable, TOOLS[tool]] + [str(a) for a in args],
                       capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def png_size(path):
    """(width, height) of a PNG, after checking its signature."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError("%s is not a PNG" % path)
    return struct.unpack(">II", head[16:24])


class CliCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-cli-")
        d = cls.dir
        # Ishigami, N = 2^10, FAILED runs in 3 Saltelli blocks (0, 6, 12)
        cls.ish = synth.ishigami_file(os.path.join(d, "ish.h5"), N=2 ** 10, second_order=True,
                                      n_times=6, failed_points=[3, 5, 6 * 8 + 7, 12 * 8])
        cls.grid = synth.drift_file(os.path.join(d, "grid.h5"), failed_runs=[4])
        cls.dsob = synth.drift_file(os.path.join(d, "dsob.h5"), design_type="sobol", N=32,
                                    replicates=2, three_d=True, n_times=13)
        c = np.array([1.0, -2.0, 0.5])
        cls.mor = synth.morris_file(os.path.join(d, "mor.h5"), lambda X: X @ c, [0] * 3,
                                    [1] * 3, trajectories=10, n_times=4)
        cls.g = synth.sobol_g_file(os.path.join(d, "g.h5"), (0, 1, 9), N=64)
        cls.text = os.path.join(d, "notes.h5")
        with open(cls.text, "w") as fh:
            fh.write("not hdf5\n")
        cls.other = os.path.join(d, "other.h5")
        with h5py.File(cls.other, "w") as f:
            f["data"] = np.arange(3)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assertPngs(self, paths, min_bytes=8000):
        for p in paths:
            self.assertTrue(os.path.isfile(p), "%s missing" % p)
            self.assertGreater(os.path.getsize(p), min_bytes, p)
            w, h = png_size(p)
            self.assertGreater(w, 300, p)
            self.assertGreater(h, 200, p)

    def assertFails(self, rc, err, *needles):
        self.assertEqual(rc, 1, err)
        for n in needles:
            self.assertRegex(err, n)
        self.assertNotIn("Traceback", err)

    # -- basics ---------------------------------------------------------------
    def test_executables_and_help(self):
        for name, path in TOOLS.items():
            self.assertTrue(os.access(path, os.X_OK), "%s not executable" % path)
            with open(path) as fh:
                self.assertTrue(fh.readline().startswith("#!"))
            rc, out, err = run(name, "--help")
            self.assertEqual(rc, 0, err)
            self.assertIn("usage: %s" % name, out)
            self.assertIn("RESULT.h5", out)

    # -- sensitivity ------------------------------------------------------------
    def test_sensitivity_sobol_exports(self):
        js, cs = os.path.join(self.dir, "ish.json"), os.path.join(self.dir, "ish.csv")
        rc, out, err = run("sensitivity", self.ish, "--json", js, "--csv", cs, "--seed", "5")
        self.assertEqual(rc, 0, err)
        self.assertIn("Saltelli blocks: 1021 used of 1024 (3 dropped: 3 with unfinished runs",
                      out)
        self.assertIn("4 failed", out)
        row = re.search(r"^x2\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", out, re.M)
        self.assertIsNotNone(row, out)
        self.assertAlmostEqual(float(row.group(1)), 0.4424, delta=0.02)
        doc = json.loads(read(js))
        S = doc["summary"]["y"]
        self.assertEqual(doc["method"], "sobol")
        self.assertEqual(doc["seed"], 5)
        self.assertEqual(S["names"], ["x1", "x2", "x3"])
        self.assertEqual(S["blocks"]["dropped"], 3)
        self.assertEqual(len(S["S1"]), 3)
        self.assertIsNone(S["S2"][1][0])                 # NaN -> null, SALib's layout
        self.assertAlmostEqual(S["S2"][0][2], 0.2437, delta=0.05)
        with open(cs, newline="") as fh:
            rows = list(csv.DictReader(fh))
        self.assertEqual(len(rows), 3 + 3 + 3)
        st3 = [r for r in rows if r["index"] == "ST" and r["parameter"] == "x3"][0]
        self.assertAlmostEqual(float(st3["value"]), S["ST"][2], places=8)

    def test_sensitivity_over_time(self):
        js = os.path.join(self.dir, "t.json")
        rc, out, err = run("sensitivity", self.ish, "--over-time", "--json", js,
                           "--resamples", "20")
        self.assertEqual(rc, 0, err)
        St = json.loads(read(js))["timeseries"]["y"]
        self.assertEqual(len(St["time"]), 6)
        self.assertEqual(np.shape(St["S1"]), (6, 3))
        self.assertLess(St["S1"][0][1], 0.02)
        self.assertAlmostEqual(St["S1"][-1][1], 0.4424, delta=0.02)

    def test_sensitivity_morris(self):
        rc, out, err = run("sensitivity", self.mor, "--metric", "y")
        self.assertEqual(rc, 0, err)
        self.assertIn("Morris indices of summary 'y'", out)
        row = re.search(r"^x2\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", out, re.M)
        self.assertEqual([float(v) for v in row.groups()], [-2.0, 2.0, 0.0])

    def test_sensitivity_errors(self):
        self.assertFails(*run("sensitivity", os.path.join(self.dir, "nope.h5"))[::2],
                         "no such file")
        self.assertFails(*run("sensitivity", self.text)[::2], "not an HDF5 file")
        self.assertFails(*run("sensitivity", self.other)[::2], "not a sendrift result file")
        self.assertFails(*run("sensitivity", self.ish, "--metric", "z")[::2],
                         "summary metric 'z' not found", "available: y")
        self.assertFails(*run("sensitivity", self.grid)[::2], "design type is 'grid'",
                         "sobol.*morris")
        self.assertFails(*run("sensitivity", self.ish, "--method", "morris")[::2],
                         "design type is 'sobol'; this analysis needs a 'morris' design")
        self.assertFails(*run("sensitivity", self.dsob, "--metric", "frac_normal")[::2],
                         "is a time series: add --over-time")
        self.assertFails(*run("sensitivity", self.g, "--over-time")[::2],
                         "no time-series metrics")
        rc, _, err = run("sensitivity")
        self.assertEqual(rc, 2)
        self.assertIn("RESULT.h5", err)

    # -- figures ----------------------------------------------------------------
    def test_figures_grid(self):
        out_dir = os.path.join(self.dir, "fig_grid")
        rc, out, err = run("figures", self.grid, "-o", out_dir, "--metric", "frac_senescent",
                           "--metric", "drift_speed")
        self.assertEqual(rc, 0, err)
        self.assertIn("no sensitivity indices", out)
        want = ["timeseries_frac_senescent.png", "heatmap_drift_speed_L_E_psi.png",
                "phase_L_E_psi.png", "snapshot_run0_t0.png", "snapshot_run0_t36.png",
                "snapshot_run47_t0.png", "snapshot_run47_t36.png"]
        self.assertEqual(sorted(os.listdir(out_dir)), sorted(want))
        self.assertPngs([os.path.join(out_dir, w) for w in want])

    def test_figures_sobol_3d_categorical(self):
        out_dir = os.path.join(self.dir, "fig_sob")
        rc, out, err = run("figures", self.dsob, "-o", out_dir, "--metric", "drift_speed",
                           "--metric", "frac_senescent", "--x", "tissue", "--y", "L_E",
                           "--max-snapshots", "1", "--resamples", "20", "-q")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        want = ["timeseries_frac_senescent.png", "heatmap_drift_speed_tissue_L_E.png",
                "phase_tissue_L_E.png", "snapshot_run0_t0.png", "indices_drift_speed.png",
                "indices_time_frac_senescent.png"]
        self.assertEqual(sorted(os.listdir(out_dir)), sorted(want))
        self.assertPngs([os.path.join(out_dir, w) for w in want])

    def test_figures_errors(self):
        o = os.path.join(self.dir, "fig_err")
        self.assertFails(*run("figures", self.grid, "-o", o, "--x", "L_E")[::2],
                         "--x L_E given without --y", "both --x and --y")
        self.assertFails(*run("figures", self.grid, "-o", o, "--x", "L_E", "--y", "k0")[::2],
                         "parameter 'k0' is not swept", "L_E, psi")
        self.assertFails(*run("figures", self.grid, "-o", o, "--metric", "speed")[::2],
                         "metric 'speed' not found", "drift_speed")
        self.assertFails(*run("figures", self.other, "-o", o)[::2], "not a sendrift")
        rc, _, err = run("figures", self.grid)
        self.assertEqual(rc, 2)
        self.assertIn("-o", err)

    # -- report -----------------------------------------------------------------
    def test_report_markdown_sobol(self):
        out_dir = os.path.join(self.dir, "rep_ish")
        rc, out, err = run("report", self.ish, "-o", out_dir, "-q")
        self.assertEqual(rc, 0, err)
        md = read(os.path.join(out_dir, "report.md"))
        self.assertIn("8188 of 8192 runs DONE", md)
        self.assertIn("4 FAILED", md)
        self.assertIn("1021 of 1024 Saltelli blocks used, 3 dropped (3 with unfinished runs", md)
        self.assertIn("- 1 x synthetic failure at point 55", md)
        self.assertIn("(99.9 %)", md)
        self.assertRegex(md, r"\| x2 \| 0\.4\d\d \| 0\.\d+ \| 0\.4\d\d \|")
        imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
        self.assertIn("indices_y.png", imgs)
        self.assertPngs([os.path.join(out_dir, i) for i in imgs])

    def test_report_html_grid(self):
        out_dir = os.path.join(self.dir, "rep_grid")
        rc, out, err = run("report", self.grid, "-o", out_dir, "--format", "html")
        self.assertEqual(rc, 0, err)
        self.assertIn("report.html", out)
        h = read(os.path.join(out_dir, "report.html"))
        self.assertTrue(h.startswith("<!DOCTYPE html>"))
        self.assertIn("47 of 48 runs DONE (97.9 %), 1 FAILED, 0 PENDING", h)
        self.assertIn("sensitivity indices need a <code>sobol</code>", h)
        imgs = re.findall(r'<img src="([^"]+)"', h)
        self.assertIn("phase_L_E_psi.png", imgs)
        self.assertPngs([os.path.join(out_dir, i) for i in imgs])

    def test_report_errors(self):
        o = os.path.join(self.dir, "rep_err")
        self.assertFails(*run("report", self.grid, "-o", o, "--metric", "zz")[::2],
                         "metric 'zz' not found")
        self.assertFails(*run("report", self.text, "-o", o)[::2], "not an HDF5 file")


if __name__ == "__main__":
    unittest.main()
