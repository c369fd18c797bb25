"""Morris elementary effects against functions whose answers are known.

Linear y = sum c_i x_i over [lo_i, hi_i]: every elementary effect is exactly
c_i (hi_i - lo_i) (SALib's EE divides by delta in the unit cube), so mu =
c_i (hi_i - lo_i), mu* = |mu|, sigma = 0 and mu_star_conf = 0 up to
rounding (1e-9).  For y = x1 x2 + 2 x3 on [0, 1]^3 the EE of x1 is the value
of x2 when x1 moves (and vice versa), which differs between trajectories:
sigma > 0, while x3's EE is exactly 2 everywhere.
"""

import os
import shutil
import tempfile
import unittest

import numpy as np

from sendrift_analysis import morris
from sendrift_analysis.results import ResultError, ResultFile
from tests import synth


class MorrisCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-morris-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_linear_exact(self):
        c = np.array([3.0, -2.0, 0.5, 0.0])
        lo = np.array([0.0, -1.0, 10.0, 5.0])
        hi = np.array([1.0, 1.0, 20.0, 6.0])
        p = synth.morris_file(os.path.join(self.dir, "lin.h5"), lambda X: X @ c, lo, hi,
                              trajectories=25, levels=4, seed=1)
        with ResultFile(p) as rf:
            S = morris.analyze_summary(rf, "y")
        want = c * (hi - lo)
        self.assertEqual(S["names"], ["x1", "x2", "x3", "x4"])
        np.testing.assert_allclose(S["mu"], want, atol=1e-9)
        np.testing.assert_allclose(S["mu_star"], np.abs(want), atol=1e-9)
        np.testing.assert_allclose(S["sigma"], 0, atol=1e-9)
        np.testing.assert_allclose(S["mu_star_conf"], 0, atol=1e-9)
        self.assertEqual(S["blocks"]["used"], 25)

    def test_levels_change_delta_not_result(self):
        c = np.array([1.5, -4.0])
        for levels in (4, 6):
            p = synth.morris_file(os.path.join(self.dir, "l%d.h5" % levels), lambda X: X @ c,
                                  [0, 0], [2, 1], trajectories=10, levels=levels, seed=2)
            with ResultFile(p) as rf:
                S = morris.analyze_summary(rf, "y")
            self.assertAlmostEqual(S["delta"], levels / (2 * (levels - 1)))
            np.testing.assert_allclose(S["mu"], [3.0, -4.0], atol=1e-9)

    def test_interaction_gives_sigma(self):
        T = 40

        def f(X):
            return X[:, 0] * X[:, 1] + 2 * X[:, 2]

        p = synth.morris_file(os.path.join(self.dir, "nl.h5"), f, [0, 0, 0], [1, 1, 1],
                              trajectories=T, levels=4, seed=3)
        with ResultFile(p) as rf:
            S = morris.analyze_summary(rf, "y")
            U = rf.point_unit()[rf.point_blocks(4)]     # (T, 4 steps, 3)
        self.assertGreater(S["sigma"][0], 0.1)
        self.assertGreater(S["sigma"][1], 0.1)
        self.assertAlmostEqual(S["sigma"][2], 0.0, places=9)
        self.assertAlmostEqual(S["mu_star"][2], 2.0, places=9)
        self.assertGreater(S["mu_star_conf"][0], 0)
        # independent: EE of x1 is x2 where x1 moves (y = x1 x2 is bilinear)
        ee1 = []
        for t in range(T):
            for s in range(3):
                d = U[t, s + 1] - U[t, s]
                if abs(d[0]) > 0:
                    ee1.append(U[t, s, 1])
        self.assertAlmostEqual(S["mu"][0], np.mean(ee1), places=9)
        self.assertAlmostEqual(S["sigma"][0], np.std(ee1, ddof=1), places=9)

    def test_failed_trajectories_dropped(self):
        c = np.array([1.0, 2.0, 3.0])
        # points 1 and 2 are in trajectory 0, point 9 in trajectory 2
        p = synth.morris_file(os.path.join(self.dir, "fail.h5"), lambda X: X @ c, [0] * 3,
                              [1] * 3, trajectories=12, failed_points=[1, 2, 9], n_times=3)
        with ResultFile(p) as rf:
            S = morris.analyze_summary(rf, "y")
            St = morris.analyze_timeseries(rf, "y")
        self.assertEqual(S["blocks"]["dropped"], 2)
        self.assertEqual(S["blocks"]["used"], 10)
        np.testing.assert_allclose(S["mu"], c, atol=1e-9)
        self.assertEqual(St["mu"].shape, (3, 3))
        np.testing.assert_allclose(St["mu"][-1], c, atol=1e-9)
        np.testing.assert_allclose(St["mu"][0], 0, atol=1e-12)
        self.assertEqual(St["blocks"]["dropped_unfinished"], 2)

    def test_seeded_interval(self):
        rng = np.random.default_rng(0)
        ee = rng.normal(size=(2, 30))
        a = morris.statistics(ee, 100, 0.95, 5)
        b = morris.statistics(ee, 100, 0.95, 5)
        np.testing.assert_array_equal(a["mu_star_conf"], b["mu_star_conf"])
        # the half-width is z * std of the bootstrap mean |EE|: close to
        # 1.96 * std(|EE|) / sqrt(30) (within bootstrap noise, 25 %)
        approx = 1.96 * np.abs(ee).std(axis=1, ddof=1) / np.sqrt(30)
        np.testing.assert_allclose(a["mu_star_conf"], approx, rtol=0.25)

    def test_design_is_checked(self):
        U = synth.morris_unit(2, 3, 4, 0)
        U[4, 1] = U[3, 1] + 0.1                     # trajectory 1: a step of 0.1
        p = synth.write_result(os.path.join(self.dir, "bad.h5"), model="t",
                               design_type="morris", names=["a", "b"], lower=[0, 0],
                               upper=[1, 1], unit=U, params=U,
                               design_attrs={"trajectories": 3, "levels": 4},
                               summary={"y": (U.sum(axis=1), "1", "sum")})
        with ResultFile(p) as rf:
            with self.assertRaisesRegex(ResultError, "trajectory 1"):
                morris.analyze_summary(rf, "y")

    def test_trajectories_from_the_file(self):
        """Each point's trajectory and step come from /design/block and
        /design/role: the points in another order give the same numbers,
        and a file without them (older) the documented layout."""
        T, D, levels = 15, 3, 4
        U = synth.morris_unit(D, T, levels, 4)
        y = U[:, 0] * U[:, 1] + 2 * U[:, 2]
        blk, role = synth.design_roles("morris", D, len(U), {})
        out = []
        for name, order, roles in (("ordered", np.arange(len(U)), True),
                                   ("shuffled", np.random.default_rng(1).permutation(len(U)),
                                    None),
                                   ("older", np.arange(len(U)), False)):
            if roles is None:
                roles = (blk[order], role[order])
            p = synth.write_result(os.path.join(self.dir, name + ".h5"), model="t",
                                   design_type="morris", names=["a", "b", "c"],
                                   lower=[0] * 3, upper=[1] * 3, unit=U[order],
                                   params=U[order],
                                   design_attrs={"trajectories": T, "levels": levels},
                                   summary={"y": (y[order], "1", "x1 x2 + 2 x3")}, roles=roles)
            with ResultFile(p) as rf:
                out.append(morris.analyze_summary(rf, "y"))
        for S in out[1:]:
            for k in ("mu", "mu_star", "sigma", "mu_star_conf"):
                np.testing.assert_array_equal(S[k], out[0][k], err_msg=k)
        self.assertAlmostEqual(out[0]["mu_star"][2], 2.0, places=9)

    def test_wrong_design(self):
        p = synth.ishigami_file(os.path.join(self.dir, "ish.h5"), N=16, second_order=False,
                                n_times=2)
        with ResultFile(p) as rf:
            with self.assertRaisesRegex(ResultError, "design type is 'sobol'.*'morris'"):
                morris.analyze_summary(rf, "y")


if __name__ == "__main__":
    unittest.main()
