"""Sobol indices from Saltelli designs against exact answers.

Tolerances.  The designs are the unscrambled Sobol sequence (quasi-Monte
Carlo), so every number here is deterministic: a test either always passes
or always fails.  With N base points, a plain Monte Carlo design would give
the estimators a standard error of roughly 1/sqrt(N) in units of the index
(the bootstrap intervals, which treat the points as independent, say
0.01-0.02 at N = 2^13: their half-widths S1_conf / 1.96).  The quasi-random
design does better: the errors measured when these tests were written were
at most 0.0011 (Ishigami, N = 2^13), 0.0006 (Sobol g, N = 2^13) and 0.0007
(Ishigami over time, N = 2^12).  We assert

    |estimate - exact| <= TOL(N) = 0.5 / sqrt(N)     (0.0055 at 2^13, 0.0078 at 2^12)

which leaves a margin of 5x over the measured errors, yet catches a wrong
estimator: a normalising variance off by 1 % already moves Ishigami's ST of
x1 by 0.0056 and fails.  Details of SALib's algorithm that move the numbers
less than that on a quasi-random design (the centring of Y before the S1
estimator, the bootstrap draws) are pinned by test_matches_salib_algorithm,
which compares with an independent transcription to 1e-10.  We also assert
that every exact value lies inside its 95 % bootstrap interval, and that the
intervals are reasonably sized: half-width at most 4 / sqrt(N) (0.044 at
2^13; measured 0.010-0.028).
"""

import math
import os
import shutil
import tempfile
import unittest
from statistics import NormalDist

import h5py
import numpy as np

from sendrift_analysis import sobol
from sendrift_analysis.results import ResultError, ResultFile
from tests import synth


def tol(N):
    return 0.5 / math.sqrt(N)


def reference_sobol(Y, D, second_order, num_resamples, conf_level, seed):
    """An independent, loop-by-loop transcription of what SALib's
    sobol.analyze computes (normalise Y; S1 Saltelli 2010; ST Jansen; S2
    Saltelli 2002; bootstrap over base points with default_rng(seed))."""
    step = 2 * D + 2 if second_order else D + 2
    N = len(Y) // step
    Yn = (Y - Y.mean()) / Y.std()
    Yb = Yn.reshape(N, step)
    r = np.random.default_rng(seed).integers(N, size=(N, num_resamples))

    def est(rows):
        a, b = Yb[rows, 0], Yb[rows, -1]
        v = np.var(np.concatenate([a, b]))
        s1 = np.array([np.mean(b * (Yb[rows, 1 + j] - a)) / v for j in range(D)])
        st = np.array([0.5 * np.mean((a - Yb[rows, 1 + j]) ** 2) / v for j in range(D)])
        s2 = np.full((D, D), np.nan)
        if second_order:
            for j in range(D):
                for k in range(j + 1, D):
                    vjk = np.mean(Yb[rows, 1 + D + j] * Yb[rows, 1 + k] - a * b) / v
                    s2[j, k] = vjk - s1[j] - s1[k]
        return s1, st, s2

    s1, st, s2 = est(np.arange(N))
    boots = [est(r[:, i]) for i in range(num_resamples)]
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    out = {"S1": s1, "ST": st,
           "S1_conf": z * np.std([b[0] for b in boots], axis=0, ddof=1),
           "ST_conf": z * np.std([b[1] for b in boots], axis=0, ddof=1)}
    if second_order:
        out["S2"] = s2
        out["S2_conf"] = z * np.std([b[2] for b in boots], axis=0, ddof=1)
    return out


class SobolCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-sobol-")
        cls.N_ish = 2 ** 13
        cls.ish = synth.ishigami_file(os.path.join(cls.dir, "ish.h5"), N=cls.N_ish,
                                      second_order=True)
        cls.N_time = 2 ** 12
        cls.ish_t = synth.ishigami_file(os.path.join(cls.dir, "ish_t.h5"), N=cls.N_time,
                                        second_order=False, n_times=11)
        cls.g_a = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)
        cls.N_g = 2 ** 13
        cls.g = synth.sobol_g_file(os.path.join(cls.dir, "g.h5"), cls.g_a, N=cls.N_g)
        with ResultFile(cls.ish) as rf:
            cls.S_ish = sobol.analyze_summary(rf, "y")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    # -- Ishigami -------------------------------------------------------------
    def test_ishigami_exact_values(self):
        ex = synth.ishigami_exact()
        np.testing.assert_allclose(ex["S1"], [0.3139, 0.4424, 0.0], atol=5e-5)
        np.testing.assert_allclose(ex["ST"], [0.5576, 0.4424, 0.2437], atol=5e-5)

    def test_ishigami_first_and_total(self):
        S, ex, t = self.S_ish, synth.ishigami_exact(), tol(self.N_ish)
        self.assertEqual(S["blocks"], {"total": self.N_ish, "used": self.N_ish, "dropped": 0,
                                       "dropped_unfinished": 0, "dropped_nonfinite": 0})
        for k in ("S1", "ST"):
            err = np.abs(S[k] - ex[k])
            self.assertTrue(np.all(err <= t), "%s err %s > %g" % (k, err, t))
            self.assertTrue(np.all(err <= S[k + "_conf"]), "%s exact outside interval" % k)
            self.assertTrue(np.all(S[k + "_conf"] <= 4 / math.sqrt(self.N_ish)),
                            "%s_conf %s too wide" % (k, S[k + "_conf"]))
            self.assertTrue(np.all(S[k + "_conf"] > 0))

    def test_ishigami_second_order(self):
        S, ex, t = self.S_ish, synth.ishigami_exact(), tol(self.N_ish)
        self.assertEqual(S["S2"].shape, (3, 3))
        # SALib's convention: NaN except the upper triangle
        self.assertTrue(np.all(np.isnan(S["S2"][np.tril_indices(3)])))
        self.assertLessEqual(abs(S["S2"][0, 2] - ex["S13"]), t)
        self.assertLessEqual(abs(S["S2"][0, 2] - ex["S13"]), S["S2_conf"][0, 2])
        self.assertLessEqual(abs(S["S2"][0, 1]), t)
        self.assertLessEqual(abs(S["S2"][1, 2]), t)

    def test_over_time_tracks_exact(self):
        with ResultFile(self.ish_t) as rf:
            St = sobol.analyze_timeseries(rf, "y")
        t = tol(self.N_time)
        self.assertEqual(St["S1"].shape, (11, 3))
        np.testing.assert_allclose(St["time"], np.linspace(0, 1, 11))
        for i, tt in enumerate(St["time"]):
            ex = synth.ishigami_exact(a=synth.ISHIGAMI_A * tt)
            for k in ("S1", "ST"):
                err = np.abs(St[k][i] - ex[k])
                self.assertTrue(np.all(err <= t), "t=%g %s err %s" % (tt, k, err))
        # x2's share grows from 0 to its classic value
        self.assertLess(St["S1"][0, 1], 0.01)
        self.assertGreater(St["S1"][-1, 1], 0.43)
        self.assertTrue(np.all(np.diff(St["S1"][:, 1]) > 0))

    # -- Sobol g --------------------------------------------------------------
    def test_sobol_g(self):
        with ResultFile(self.g) as rf:
            S = sobol.analyze_summary(rf, "y")
        ex, t = synth.sobol_g_exact(self.g_a), tol(self.N_g)
        self.assertNotIn("S2", S)
        for k in ("S1", "ST"):
            err = np.abs(S[k] - ex[k])
            self.assertTrue(np.all(err <= t), "%s err %s > %g" % (k, err, t))
            # the interval holds the exact value (with a floor for the two
            # unimportant inputs, whose intervals are ~1e-4 wide)
            self.assertTrue(np.all(err <= np.maximum(S[k + "_conf"], 1e-3)))
        # ranking by a_i
        self.assertTrue(np.all(np.diff(S["ST"][:4]) < 0))

    # -- SALib conventions ------------------------------------------------------
    def test_matches_salib_algorithm(self):
        N = 2 ** 8
        U = synth.saltelli_unit(3, N, True)
        Y = synth.ishigami(-math.pi + 2 * math.pi * U)
        got = sobol.analyze(Y, 3, True, num_resamples=50, conf_level=0.9, seed=7)
        ref = reference_sobol(Y, 3, True, 50, 0.9, 7)
        self.assertEqual(set(got), {"S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"})
        for k in ref:
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-10, atol=1e-12, err_msg=k)

    def test_file_path_equals_direct_call(self):
        """Reading the file (points, replicates, blocks) changes nothing."""
        with ResultFile(self.ish) as rf:
            y = rf.summary("y")
        direct = sobol.analyze(y, 3, True)
        for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"):
            np.testing.assert_array_equal(self.S_ish[k], direct[k])

    def test_seeded_bootstrap(self):
        N = 2 ** 8
        Y = synth.ishigami(-math.pi + 2 * math.pi * synth.saltelli_unit(3, N, False))
        a = sobol.analyze(Y, 3, False, seed=3)
        b = sobol.analyze(Y, 3, False, seed=3)
        c = sobol.analyze(Y, 3, False, seed=4)
        np.testing.assert_array_equal(a["S1_conf"], b["S1_conf"])
        self.assertFalse(np.array_equal(a["S1_conf"], c["S1_conf"]))
        np.testing.assert_array_equal(a["S1"], c["S1"])

    def test_constant_output_is_undefined(self):
        S = sobol.analyze(np.ones(5 * 16), 3, False)
        self.assertTrue(np.all(np.isnan(S["S1"])) and np.all(np.isnan(S["ST"])))

    def test_bad_sizes(self):
        with self.assertRaises(ResultError):
            sobol.analyze(np.ones(7), 3, False)
        with self.assertRaises(ResultError):
            sobol.analyze(np.ones(10), 3, False, num_resamples=1)


class FailedRunPolicy(unittest.TestCase):
    """A Saltelli block with a run that is not DONE is dropped whole."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-policy-")
        cls.N = 2 ** 10
        cls.step = 2 * 3 + 2
        # failed runs in blocks 0 (twice), 6 and 12; a PENDING run in block 20
        cls.failed = [3, 5, 6 * cls.step + 7, 12 * cls.step]
        cls.pending = [20 * cls.step + 1]
        cls.path = synth.ishigami_file(os.path.join(cls.dir, "f.h5"), N=cls.N,
                                       second_order=True, n_times=3,
                                       failed_points=cls.failed, pending_points=cls.pending)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_blocks_dropped_and_counted(self):
        with ResultFile(self.path) as rf:
            c = rf.completion()
            self.assertEqual((c["done"], c["failed"], c["pending"]),
                             (self.N * self.step - 5, 4, 1))
            S = sobol.analyze_summary(rf, "y")
        self.assertEqual(S["blocks"]["dropped"], 4)
        self.assertEqual(S["blocks"]["dropped_unfinished"], 4)
        self.assertEqual(S["blocks"]["used"], self.N - 4)
        self.assertTrue(np.all(np.isfinite(S["S1"])) and np.all(np.isfinite(S["ST"])))
        # identical to the analysis of the same design without those blocks
        U = synth.saltelli_unit(3, self.N, True)
        Y = synth.ishigami(-math.pi + 2 * math.pi * U).reshape(self.N, self.step)
        keep = np.setdiff1d(np.arange(self.N), [0, 6, 12, 20])
        ref = sobol.analyze(Y[keep].ravel(), 3, True)
        for k in ("S1", "S1_conf", "ST", "ST_conf", "S2"):
            np.testing.assert_allclose(S[k], ref[k], rtol=1e-12, err_msg=k)
        ex = synth.ishigami_exact()
        self.assertTrue(np.all(np.abs(S["ST"] - ex["ST"]) <= S["ST_conf"]))

    def test_three_failed_blocks(self):
        """The issue's case: FAILED runs inside exactly 3 blocks."""
        p = synth.ishigami_file(os.path.join(self.dir, "three.h5"), N=2 ** 8,
                                second_order=False, n_times=2,
                                failed_points=[2, 3, 5 * 5 + 4, 9 * 5])
        with ResultFile(p) as rf:
            S = sobol.analyze_summary(rf, "y")
            St = sobol.analyze_timeseries(rf, "y")
        self.assertEqual(S["blocks"]["dropped"], 3)
        self.assertEqual(S["blocks"]["used"], 2 ** 8 - 3)
        self.assertTrue(np.all(np.isfinite(S["S1"])))
        self.assertEqual(St["blocks"]["dropped_unfinished"], 3)
        self.assertEqual(list(St["blocks"]["used_per_time"]), [2 ** 8 - 3] * 2)

    def test_nonfinite_values_dropped_separately(self):
        N, step = 2 ** 6, 5
        U = synth.saltelli_unit(3, N, False)
        X = -math.pi + 2 * math.pi * U
        y = synth.ishigami(X)
        y[[7, 8, 40]] = np.nan            # blocks 1 (twice) and 8
        p = synth.write_result(os.path.join(self.dir, "nan.h5"), model="ishigami",
                               design_type="sobol", names=["x1", "x2", "x3"],
                               lower=[-math.pi] * 3, upper=[math.pi] * 3, unit=U, params=X,
                               design_attrs={"samples": N, "second_order": 0,
                                             "skip": synth.default_skip(N)},
                               summary={"y": (y, "1", "y with NaN")})
        with ResultFile(p) as rf:
            S = sobol.analyze_summary(rf, "y")
        self.assertEqual(S["blocks"]["dropped_nonfinite"], 2)
        self.assertEqual(S["blocks"]["dropped_unfinished"], 0)
        self.assertEqual(S["blocks"]["used"], N - 2)
        ref = sobol.analyze(np.delete(y.reshape(N, step), [1, 8], axis=0).ravel(), 3, False)
        np.testing.assert_allclose(S["S1"], ref["S1"], rtol=1e-12)

    def test_replicates_mean_and_policy(self):
        N = 2 ** 7
        a = synth.ishigami_file(os.path.join(self.dir, "r1.h5"), N=N, second_order=False,
                                n_times=2)
        b = synth.ishigami_file(os.path.join(self.dir, "r3.h5"), N=N, second_order=False,
                                n_times=2, replicates=3, failed_points=[11])
        with ResultFile(a) as ra, ResultFile(b) as rb:
            self.assertEqual(rb.runs, 3 * ra.runs)
            Sa = sobol.analyze_summary(ra, "y")
            Sb = sobol.analyze_summary(rb, "y")
            v, ok = rb.point_values(rb.summary("y"))
            self.assertFalse(ok[11])
            self.assertTrue(np.isnan(v[11]))
            self.assertEqual(int(ok.sum()), rb.points - 1)
        # one replicate of point 11 (block 2) failed: block 2 dropped
        self.assertEqual(Sb["blocks"]["dropped"], 1)
        Y = synth.ishigami(-math.pi + 2 * math.pi * synth.saltelli_unit(3, N, False))
        ref = sobol.analyze(np.delete(Y.reshape(N, 5), 2, axis=0).ravel(), 3, False)
        np.testing.assert_allclose(Sb["S1"], ref["S1"], rtol=1e-12)
        self.assertEqual(Sa["blocks"]["dropped"], 0)

    def test_layout_is_checked(self):
        N = 2 ** 4
        U = synth.saltelli_unit(3, N, False)
        U[5 * 3 + 2, 0] += 0.25          # block 3, AB_2: column 1 no longer A's
        p = synth.write_result(os.path.join(self.dir, "bad.h5"), model="ishigami",
                               design_type="sobol", names=["x1", "x2", "x3"], lower=[0] * 3,
                               upper=[1] * 3, unit=U, params=U,
                               design_attrs={"samples": N, "second_order": 0,
                                             "skip": synth.default_skip(N)},
                               summary={"y": (U.sum(axis=1), "1", "sum")})
        with ResultFile(p) as rf:
            with self.assertRaisesRegex(ResultError, "block 3, AB_2"):
                sobol.analyze_summary(rf, "y")


class RolesFromFile(unittest.TestCase):
    """The analysis takes each point's block and role from /design/block and
    /design/role, not from where the point sits in the file."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-roles-")
        cls.N, cls.D = 2 ** 6, 3
        U = synth.saltelli_unit(cls.D, cls.N, True)
        cls.U, cls.y = U, synth.ishigami(-math.pi + 2 * math.pi * U)
        cls.roles = synth.design_roles("sobol", cls.D, len(U), {"second_order": 1})
        cls.ref = cls.write("ref.h5")
        with ResultFile(cls.ref) as rf:
            cls.S = sobol.analyze_summary(rf, "y")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write(cls, name, order=None, roles=True):
        """The design with its points in `order`; roles True: each point's
        own (block, role)."""
        order = np.arange(len(cls.U)) if order is None else order
        if roles is True:
            roles = (cls.roles[0][order], cls.roles[1][order])
        return synth.write_result(
            os.path.join(cls.dir, name), model="ishigami", design_type="sobol",
            names=["x1", "x2", "x3"], lower=[-math.pi] * 3, upper=[math.pi] * 3,
            unit=cls.U[order], params=-math.pi + 2 * math.pi * cls.U[order],
            design_attrs={"samples": cls.N, "second_order": 1,
                          "skip": synth.default_skip(cls.N)},
            summary={"y": (cls.y[order], "1", "Ishigami")}, roles=roles)

    def test_points_in_any_order(self):
        order = np.random.default_rng(5).permutation(len(self.U))
        with ResultFile(self.write("shuffled.h5", order)) as rf:
            S = sobol.analyze_summary(rf, "y")
        for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"):
            np.testing.assert_array_equal(S[k], self.S[k], err_msg=k)

    def test_file_without_roles_uses_the_documented_layout(self):
        """format_version 1, from before the roles: the layout documented
        for it."""
        with ResultFile(self.write("old.h5", roles=False)) as rf:
            self.assertEqual(rf.format_version, 1)
            self.assertIsNone(rf.block)
            S = sobol.analyze_summary(rf, "y")
        for k in ("S1", "ST", "S2"):
            np.testing.assert_array_equal(S[k], self.S[k], err_msg=k)

    def test_damaged_roles(self):
        blk, role = self.roles
        p = self.write("norole.h5")
        with h5py.File(p, "a") as f:
            del f["design/role"]
        with self.assertRaisesRegex(ResultError, "norole.h5: /design/block without "
                                    "/design/role"):
            ResultFile(p)
        with h5py.File(p, "a") as f:
            del f["design/block"]
        with ResultFile(p) as rf:
            with self.assertRaisesRegex(ResultError, "norole.h5: no /design/block and "
                                        "/design/role dataset, which a sobol design of "
                                        "format_version 2 must have"):
                sobol.analyze_summary(rf, "y")
        step = 2 * self.D + 2
        cases = [("big", (blk, np.where(np.arange(len(blk)) == 9, step, role)),
                  "/design/role is 8 at run 9, beyond the 8 roles"),
                 ("twice", (blk, np.where(np.arange(len(blk)) == step + 2, 1, role)),
                  "give block 1 2 points of role 1"),
                 ("block", (np.where(np.arange(len(blk)) == 0, self.N, blk), role),
                  "/design/block is 64 at run 0, beyond the 64 blocks")]
        for name, roles, want in cases:
            with ResultFile(self.write(name + ".h5", roles=roles)) as rf:
                with self.assertRaisesRegex(ResultError, want):
                    sobol.analyze_summary(rf, "y")
        # Roles that contradict /design/unit: the layout check says so.
        swapped = np.where(role == 1, 2, np.where(role == 2, 1, role))
        with ResultFile(self.write("swapped.h5", roles=(blk, swapped))) as rf:
            with self.assertRaisesRegex(ResultError, "block 0, AB_1 is not A"):
                sobol.analyze_summary(rf, "y")


if __name__ == "__main__":
    unittest.main()
