"""Reading result files: layout, status, replicate grouping, errors."""

import os
import shutil
import tempfile
import unittest

import h5py
import numpy as np

from sendrift_analysis import phase
from sendrift_analysis.results import ResultError, ResultFile
from tests import synth


class ResultsCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-results-")
        cls.drift = synth.drift_file(os.path.join(cls.dir, "drift.h5"), failed_runs=[4, 30])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_reads_design_and_metrics(self):
        with ResultFile(self.drift) as rf:
            self.assertEqual(rf.dtype, "grid")
            self.assertEqual((rf.dim, rf.points, rf.replicates, rf.runs), (2, 16, 3, 48))
            self.assertEqual(rf.param_names, ["L_E", "psi"])
            self.assertEqual(rf.param("L_E").unit, "um")
            self.assertEqual(rf.param("L_E").label(), "L_E (um)")
            self.assertEqual(rf.meta["model"], "drift")
            self.assertEqual(len(rf.summary_names()), 11)
            self.assertEqual(len(rf.timeseries_names()), 15)
            self.assertEqual(rf.time_units, "d")
            self.assertEqual(rf.metric_info("drift_speed")["units"], "um/d")
            y = rf.summary("drift_speed")
            self.assertTrue(np.isnan(y[4]) and np.isnan(y[30]))
            self.assertEqual(int(np.isfinite(y).sum()), 46)
            c = rf.completion()
            self.assertEqual((c["done"], c["failed"], c["pending"], c["points_complete"]),
                             (46, 2, 0, 14))
            self.assertEqual(rf.failure_messages(), [("solver did not converge (synthetic)", 2)])
            snaps = rf.snapshots()
            self.assertEqual([(s[0], s[1]) for s in snaps], [(0, 0), (0, 36), (47, 0), (47, 36)])
            self.assertAlmostEqual(snaps[1][2], 360.0)

    def test_point_values_replicate_mean(self):
        with ResultFile(self.drift) as rf:
            y = rf.summary("drift_speed")
            v, ok = rf.point_values(y)
            raw = h5py.File(self.drift, "r")["summary/drift_speed"][:]
            self.assertFalse(ok[1])                      # run 4 = point 1, replicate 1
            self.assertTrue(np.isnan(v[1]))
            self.assertAlmostEqual(v[0], raw[0:3].mean())
            self.assertAlmostEqual(v[15], raw[45:48].mean())
            ts, ok2 = rf.point_values(rf.timeseries("front_radius"))
            self.assertEqual(ts.shape, (16, 37))
            np.testing.assert_array_equal(ok, ok2)

    def test_metric_errors_list_available(self):
        with ResultFile(self.drift) as rf:
            with self.assertRaises(ResultError) as cm:
                rf.summary("nope")
            self.assertIn("'nope' not found", str(cm.exception))
            self.assertIn("drift_speed", str(cm.exception))
            with self.assertRaisesRegex(ResultError, "time-series metric"):
                rf.summary("frac_normal")
            with self.assertRaisesRegex(ResultError, "parameter 'k0' is not swept.*L_E, psi"):
                rf.param("k0")

    def test_not_a_result_file(self):
        p = os.path.join(self.dir, "other.h5")
        with h5py.File(p, "w") as f:
            f["x"] = 1
        with self.assertRaisesRegex(ResultError, "not a sendrift result file"):
            ResultFile(p)
        t = os.path.join(self.dir, "text.h5")
        with open(t, "w") as fh:
            fh.write("hello")
        with self.assertRaisesRegex(ResultError, "not an HDF5 file"):
            ResultFile(t)
        with self.assertRaisesRegex(ResultError, "no such file"):
            ResultFile(os.path.join(self.dir, "missing.h5"))

    def test_newer_format_refused(self):
        p = os.path.join(self.dir, "v4.h5")
        shutil.copy(self.drift, p)
        with h5py.File(p, "a") as f:
            f.attrs["format_version"] = 4
        with self.assertRaisesRegex(ResultError, "format_version 4 is newer than this tool "
                                    "reads \\(3\\)"):
            ResultFile(p)

    def test_fixed_length_strings_and_enum_order(self):
        """C writers may store fixed-length byte strings and any enum values."""
        p = os.path.join(self.dir, "fixed.h5")
        shutil.copy(self.drift, p)
        with h5py.File(p, "a") as f:
            f.attrs["format"] = np.bytes_(b"sendrift-results")
            f.attrs["model"] = np.bytes_(b"drift")
            ds = f["design/params"]
            ds.attrs["names"] = np.array([b"L_E", b"psi"], dtype="S8")
            ds.attrs["units"] = np.array([b"um", b"1"], dtype="S4")
            f["design"].attrs["type"] = np.bytes_(b"grid")
            st = f["runs/status"][:]
            del f["runs/status"]
            enum = h5py.enum_dtype({"DONE": 5, "PENDING": 7, "FAILED": 9}, basetype="u1")
            f.create_dataset("runs/status", data=np.where(st == 1, 5, 9).astype("u1"),
                             dtype=enum)
        with ResultFile(p) as rf:
            self.assertEqual(rf.param_names, ["L_E", "psi"])
            self.assertEqual(rf.param("L_E").unit, "um")
            self.assertEqual(rf.completion()["done"], 46)
            self.assertEqual(rf.completion()["failed"], 2)


class PhaseCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-phase-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def _file(self, speed, f_init, f_final, status=None):
        n = len(speed)
        U = np.stack([np.arange(n) / n, np.zeros(n)], axis=1)
        ts = np.stack([f_init, f_final], axis=1)
        return synth.write_result(
            os.path.join(self.dir, "p%d.h5" % len(os.listdir(self.dir))), model="drift",
            design_type="list", names=["a", "b"], lower=[0, 0], upper=[1, 1], unit=U,
            params=U, status=status, time=[0.0, 100.0],
            summary={"drift_speed": (np.asarray(speed, float), "um/d", "speed"),
                     "final_frac_senescent": (np.asarray(f_final, float), "1", "final")},
            timeseries={"frac_senescent": (ts, "1", "fraction")})

    def test_rule(self):
        nan = float("nan")
        speed = [0.5, 0.05, nan, nan, 0.05, nan, 0.2, 0.0]
        f0 = [0.01, 0.01, 0.01, 0.01, 0.001, nan, 0.01, 0.01]
        f1 = [0.01, 0.01, 0.05, 0.015, 0.004, nan, 0.01, 0.5]
        status = np.array([1, 1, 1, 1, 1, 1, 2, 1], dtype=np.uint8)
        with ResultFile(self._file(speed, f0, f1, status)) as rf:
            lab, info = phase.classify(rf)
        # 0: front; 1: neither; 2: growth x5; 3: x1.5 only; 4: x4 but rise
        # 0.003 < 0.01; 5: nothing known; 6: FAILED; 7: growth, no front
        want = [1, 0, 1, 0, 0, nan, nan, 1]
        np.testing.assert_array_equal(lab, want)
        self.assertEqual((info["spreading"], info["contained"], info["unclassified"],
                          info["not_done"]), (3, 3, 1, 1))
        with ResultFile(rf.path) as rf2:
            lab2, _ = phase.classify(rf2, speed_threshold=0.01, growth_factor=1.4)
        np.testing.assert_array_equal(lab2, [1, 1, 1, 0, 1, nan, nan, 1])

    def test_needs_drift_outputs(self):
        p = synth.ishigami_file(os.path.join(self.dir, "ish.h5"), N=4, n_times=2)
        with ResultFile(p) as rf:
            with self.assertRaisesRegex(ResultError, "phase diagram needs"):
                phase.classify(rf)


if __name__ == "__main__":
    unittest.main()
