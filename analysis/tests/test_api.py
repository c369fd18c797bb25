"""The API: sendrift_analysis.open(), to_dataframe(), to_xarray(), sobol()
and morris(), checked against the file as h5py reads it, on synthetic files
of format_version 1, 2 and 3 (netCDF-4 compatible: status a uint8 with
flag_values / flag_meanings, messages a character array) and, with SENDRIFT
set (ctest sets it), on files the real sendrift writes."""

import os
import shutil
import tempfile
import unittest

import h5py
import numpy as np
import pandas as pd
import xarray as xr

import sendrift_analysis as sa
from sendrift_analysis import morris, sobol
from tests import synth
from tests.realrun import needs_sendrift, run_sweeps

# The documented status codes (docs/output-format.md), written out here
# rather than taken from the package under test.
STATUS = {0: "PENDING", 1: "DONE", 2: "FAILED"}


def h5_texts(ds):
    """A dataset of strings as text (/runs/message, /design/choices/<name>),
    from fixed-length or variable-length strings or a character array."""
    a = ds[...]
    if a.ndim == 2:
        rows = [b"".join(r) for r in a]
    else:
        rows = [x if isinstance(x, bytes) else x.encode() for x in a]
    return [r.split(b"\0", 1)[0].decode() for r in rows]


def h5_masked(f, path):
    """A metric as the policy gives it: NaN where the run is not DONE."""
    y = np.asarray(f[path][...], dtype=float)
    y[f["runs/status"][...].astype(int) != 1] = np.nan
    return y


class Checks:
    """Every column of the table and every variable of the dataset against
    independent h5py reads of the file."""

    def check_dataframe(self, path):
        with sa.open(path) as res, h5py.File(path, "r") as f:
            df = res.to_dataframe()
            runs = int(f["design"].attrs["runs"])
            st = f["runs/status"][...].astype(int)
            pa = f["design/params"]
            names = [n.decode() if isinstance(n, bytes) else str(n)
                     for n in pa.attrs["names"]] if pa.shape[1] else []
            summ = sorted(f["summary"])
            self.assertEqual(list(df.columns), ["run", "point", "replicate", "status", "attempts",
                                                "wall_seconds", "message"] + names + summ)
            self.assertEqual(len(df), runs)
            np.testing.assert_array_equal(df["run"].to_numpy(), np.arange(runs))
            np.testing.assert_array_equal(df["point"].to_numpy(), f["design/point"][...])
            np.testing.assert_array_equal(df["replicate"].to_numpy(), f["design/replicate"][...])
            self.assertEqual(list(df["status"].astype(str)), [STATUS[s] for s in st])
            np.testing.assert_array_equal(df["attempts"].to_numpy(dtype=np.int64),
                                          f["runs/attempts"][...])
            np.testing.assert_array_equal(df["wall_seconds"].to_numpy(),
                                          f["runs/wall_seconds"][...])
            self.assertEqual(list(df["message"]), h5_texts(f["runs/message"]))
            X = pa[...]
            for i, n in enumerate(names):
                if "choices" in f["design"] and n in f["design/choices"]:
                    ch = h5_texts(f["design/choices"][n])
                    self.assertEqual(list(df[n].astype(str)),
                                     [ch[int(k)] for k in X[:, i]], n)
                    self.assertEqual(list(df[n].cat.categories), ch, n)
                else:
                    np.testing.assert_array_equal(df[n].to_numpy(), X[:, i], n)
            for m in summ:
                np.testing.assert_array_equal(df[m].to_numpy(), h5_masked(f, "summary/" + m), m)
                self.assertEqual(df.attrs["units"][m], f["summary"][m].attrs["units"], m)
            # the status filter keeps exactly the runs of those statuses
            for want in ("DONE", "failed", ("PENDING", "FAILED")):
                sub = res.to_dataframe(status=want)
                keep = [STATUS[s] in ([want.upper()] if isinstance(want, str) else want)
                        for s in st]
                np.testing.assert_array_equal(sub["run"].to_numpy(), np.flatnonzero(keep))
                pd.testing.assert_frame_equal(sub.reset_index(drop=True),
                                              df[keep].reset_index(drop=True))
            return df

    def check_xarray(self, path, renamed=()):
        with sa.open(path) as res, h5py.File(path, "r") as f:
            ds = res.to_xarray()
            runs = int(f["design"].attrs["runs"])
            pa = f["design/params"]
            D = pa.shape[1]
            t = f["timeseries/time"][...]
            self.assertEqual(dict(ds.sizes), {"run": runs, "time": len(t), "param": D})
            np.testing.assert_array_equal(ds["run"].values, np.arange(runs))
            np.testing.assert_array_equal(ds["time"].values, t)
            self.assertEqual(ds["time"].attrs["units"], f["timeseries/time"].attrs["units"])
            if D:
                self.assertEqual([str(n) for n in ds["param"].values],
                                 [n.decode() if isinstance(n, bytes) else str(n)
                                  for n in pa.attrs["names"]])
            np.testing.assert_array_equal(ds["params"].values, pa[...])
            np.testing.assert_array_equal(ds["params"].dims, ("run", "param"))
            np.testing.assert_array_equal(ds["point"].values, f["design/point"][...])
            np.testing.assert_array_equal(ds["replicate"].values, f["design/replicate"][...])
            st = ds["status"]
            self.assertEqual(st.dtype, np.uint8)
            np.testing.assert_array_equal(st.values, f["runs/status"][...].astype(int))
            self.assertEqual(list(st.attrs["flag_values"]), [0, 1, 2])
            self.assertEqual(st.attrs["flag_meanings"], "PENDING DONE FAILED")
            self.assertEqual(list(ds["message"].values), h5_texts(f["runs/message"]))
            np.testing.assert_array_equal(ds["attempts"].values, f["runs/attempts"][...])
            for m in f["timeseries"]:
                if m == "time":
                    continue
                v = ds[m]
                self.assertEqual(v.dims, ("run", "time"), m)
                np.testing.assert_array_equal(v.values, h5_masked(f, "timeseries/" + m), m)
                self.assertEqual(v.attrs["units"], f["timeseries"][m].attrs["units"], m)
            for m in f["summary"]:
                name = renamed[m] if m in renamed else m
                v = ds[name]
                self.assertEqual(v.dims, ("run",), m)
                np.testing.assert_array_equal(v.values, h5_masked(f, "summary/" + m), m)
            return ds


class SyntheticCase(Checks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-api-")
        d = cls.dir
        runs = 16 * 5 * 2        # sobol over (L_E, psi, tissue), N 16, 2 replicates
        rng = np.random.default_rng(5)
        cls.drift = {}
        for v in (1, 2, 3):
            cls.drift[v] = synth.drift_file(
                os.path.join(d, "drift_v%d.h5" % v), design_type="sobol", N=16, replicates=2,
                n_times=6, failed_runs=[3, 40], pending_runs=[7, 8],
                attempts=rng.integers(0, 4, runs), wall_seconds=rng.uniform(1, 9, runs),
                roles=v > 1, format_version=v)
        cls.ish = synth.ishigami_file(os.path.join(d, "ish.h5"), N=64, second_order=True,
                                      n_times=4, failed_points=[5], format_version=3)
        cls.mor = synth.morris_file(os.path.join(d, "mor.h5"), lambda X: X @ [1.0, -2.0, 0.5],
                                    [0] * 3, [1] * 3, trajectories=12, n_times=3,
                                    format_version=3)
        cls.grid = synth.drift_file(os.path.join(d, "grid.h5"), failed_runs=[4])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_dataframe_every_format(self):
        for v, path in self.drift.items():
            with self.subTest(format_version=v):
                df = self.check_dataframe(path)
                self.assertEqual(list(df["status"].cat.categories), ["PENDING", "DONE", "FAILED"])
                self.assertEqual((df["status"] == "FAILED").sum(), 2)
                self.assertEqual(list(df.index[df["status"] == "PENDING"]), [7, 8])
                self.assertEqual(df.loc[3, "message"], "solver did not converge (synthetic)")
                self.assertEqual(df.loc[0, "message"], "")
                self.assertEqual(set(df["tissue"].astype(str)),
                                 {"cartilage", "bone", "muscle", "disc"})
                self.assertTrue(np.isnan(df.loc[7, "final_F"]))
                self.assertEqual(df.attrs["units"]["L_E"], "um")

    def test_xarray_every_format(self):
        for v, path in self.drift.items():
            with self.subTest(format_version=v):
                ds = self.check_xarray(path)
                self.assertEqual(ds.attrs["format_version"], v)
                self.assertEqual(ds.attrs["design_type"], "sobol")
                self.assertEqual(list(ds["params"].attrs["choices_tissue"]),
                                 ["cartilage", "bone", "muscle", "disc"])
                self.assertEqual([str(u) for u in ds["param_units"].values], ["um", "1", ""])
                self.assertEqual(ds["final_F"].attrs["units"], "1")
                # one run's series by label, as a user selects it
                with h5py.File(path, "r") as f:
                    np.testing.assert_array_equal(ds["front_radius"].sel(run=11).values,
                                                  f["timeseries/front_radius"][11])
                # the dataset saves as netCDF-4 and reads back the same
                nc = os.path.join(self.dir, "drift_v%d.nc" % v)
                ds.to_netcdf(nc, engine="h5netcdf")
                with xr.open_dataset(nc, engine="h5netcdf") as back:
                    xr.testing.assert_identical(back, ds)

    def test_name_shared_by_summary_and_series(self):
        ds = self.check_xarray(self.ish, renamed={"y": "summary_y"})
        self.assertEqual(ds["y"].dims, ("run", "time"))
        self.assertEqual(ds["summary_y"].dims, ("run",))
        df = self.check_dataframe(self.ish)
        self.assertEqual(int(df["y"].isna().sum()), 1)

    def test_sobol_equals_the_module(self):
        with sa.open(self.ish) as res:
            for kw in ({}, {"seed": 7, "num_resamples": 50, "conf_level": 0.9}):
                S = res.sobol("y", **kw)
                ref = sobol.analyze_summary(res, "y", **kw)
                self.assertEqual(sorted(S), sorted(ref))
                for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"):
                    np.testing.assert_array_equal(S[k], ref[k], k)
                self.assertEqual(S["blocks"], ref["blocks"])
                St = res.sobol("y", over_time=True, **kw)
                ref = sobol.analyze_timeseries(res, "y", **kw)
                for k in ("S1", "ST", "S2", "time"):
                    np.testing.assert_array_equal(St[k], ref[k], k)
            self.assertEqual(S["blocks"]["used"], 63)
        with sa.open(self.drift[1]) as res:   # format 1: the documented layout, no roles
            np.testing.assert_array_equal(res.sobol("final_F")["S1"],
                                          sobol.analyze_summary(res, "final_F")["S1"])

    def test_morris_equals_the_module(self):
        with sa.open(self.mor) as res:
            M = res.morris("y", seed=3)
            ref = morris.analyze_summary(res, "y", seed=3)
            for k in ("mu", "mu_star", "sigma", "mu_star_conf"):
                np.testing.assert_array_equal(M[k], ref[k], k)
            np.testing.assert_allclose(M["mu_star"], [1.0, 2.0, 0.5], rtol=1e-12)
            Mt = res.morris("y", over_time=True)
            np.testing.assert_array_equal(Mt["mu_star"],
                                          morris.analyze_timeseries(res, "y")["mu_star"])

    def test_indices_need_their_design(self):
        cases = [(self.grid, "sobol", "design type is 'grid'"),
                 (self.grid, "morris", "design type is 'grid'"),
                 (self.ish, "morris", "design type is 'sobol', not 'morris'"),
                 (self.mor, "sobol", "design type is 'morris', not 'sobol'")]
        for path, method, why in cases:
            with sa.open(path) as res:
                with self.assertRaises(sa.ResultError) as cm:
                    getattr(res, method)("y" if path != self.grid else "final_F")
                msg = str(cm.exception)
                self.assertIn("%s() needs a '%s' design" % (method, method), msg)
                self.assertIn(why, msg)
                self.assertIn(path, msg)
        with sa.open(self.ish) as res:
            with self.assertRaisesRegex(sa.ResultError, "summary metric 'nope' not found.*"
                                        "available: y"):
                res.sobol("nope")
            with self.assertRaisesRegex(sa.ResultError, "status 'DNOE' is not one of "
                                        "PENDING, DONE, FAILED"):
                res.to_dataframe(status="DNOE")

    def test_open_errors_and_context(self):
        with self.assertRaisesRegex(sa.ResultError, "no such file"):
            sa.open(os.path.join(self.dir, "missing.h5"))
        res = sa.open(self.grid)
        with res:
            self.assertEqual(res.runs, 48)
        self.assertFalse(res.h5.id.valid)      # closed on leaving the with block

    def test_unfinished_values_and_c_strings(self):
        """Numbers a FAILED or PENDING run left in the file are not data
        (NaN in the table and the dataset); a character-array message ends
        at its NUL, whatever bytes follow it."""
        path = os.path.join(self.dir, "partial.h5")
        shutil.copy(self.drift[3], path)
        with h5py.File(path, "r+") as f:
            f["summary/final_F"][3] = 0.5          # FAILED
            f["summary/final_F"][7] = 0.25         # PENDING
            f["timeseries/frac_senescent"][40, :] = 0.125
            row = np.zeros(256, dtype="S1")
            row[:12] = np.frombuffer(b"oom\0leftover", dtype="S1")
            f["runs/message"][40] = row
        with sa.open(path) as res:
            df = res.to_dataframe()
            self.assertTrue(np.isnan(df.loc[3, "final_F"]) and np.isnan(df.loc[7, "final_F"]))
            self.assertEqual(df.loc[40, "message"], "oom")
            self.assertEqual(df.loc[3, "message"], "solver did not converge (synthetic)")
            ds = res.to_xarray()
            self.assertTrue(np.isnan(ds["final_F"].values[[3, 7]]).all())
            self.assertTrue(np.isnan(ds["frac_senescent"].values[40]).all())
            self.assertEqual(str(ds["message"].values[40]), "oom")

    def test_status_from_flag_attributes(self):
        """A format 3 file whose flag attributes give other codes: the names
        come from flag_values / flag_meanings, not from fixed codes."""
        path = os.path.join(self.dir, "flags.h5")
        shutil.copy(self.drift[3], path)
        with h5py.File(path, "r+") as f:
            st = f["runs/status"]
            raw = st[...]
            st[...] = np.array([5, 9, 7], dtype=np.uint8)[raw]
            st.attrs["flag_values"] = np.array([5, 9, 7], dtype=np.uint8)
        with sa.open(path) as res:
            df = res.to_dataframe()
            self.assertEqual(list(df["status"].astype(str)), [STATUS[s] for s in raw])
            self.assertEqual(res.completion()["done"], int((raw == 1).sum()))
            self.assertEqual(list(res.to_xarray()["status"].attrs["flag_values"]), [5, 7, 9])


@needs_sendrift
class RealSendrift(Checks, unittest.TestCase):
    """The same on files the real sendrift writes (ctest sets SENDRIFT)."""

    SWEEPS = {
        # a categorical parameter, replicates
        "drift": {"model": {"name": "drift", "params": {"nx": 12, "ny": 10, "duration": 6,
                                                         "output_interval": 2}},
                  "parameters": [{"name": "tissue", "values": ["cartilage", "muscle"]},
                                 {"name": "L_E", "values": [20, 60]}],
                  "design": {"type": "grid"}, "replicates": 2, "seed": 4},
        # FAILED runs with their messages
        "failing": {"model": {"name": "null", "params": {"n_times": 3, "fail_above": 15}},
                    "parameters": [{"name": "x1", "values": [1, 2, 3, 4, 5, 6]},
                                   {"name": "x2", "values": [0, 10]}],
                    "design": {"type": "grid"}, "seed": 3},
        "sobol": {"model": {"name": "ishigami", "params": {"n_times": 3}},
                  "parameters": [{"name": "x%d" % i, "range": [-3.14159, 3.14159]}
                                 for i in (1, 2, 3)],
                  "design": {"type": "sobol", "samples": 64, "second_order": True}, "seed": 1},
        "morris": {"model": {"name": "null", "params": {"n_times": 3}},
                   "parameters": [{"name": "x1", "range": [0, 1]},
                                  {"name": "x2", "range": [-2, 2]}],
                   "design": {"type": "morris", "trajectories": 8, "levels": 4}, "seed": 8},
    }

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sd-api-real-")
        # sendrift exits 4 when runs failed (the failing sweep), with the file written
        cls.files = run_sweeps({k: dict(v, name="api_" + k) for k, v in cls.SWEEPS.items()},
                               cls.dir, ok=(0, 4))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_tables(self):
        for name, h5 in self.files.items():
            with self.subTest(sweep=name):
                self.check_dataframe(h5)
                self.check_xarray(h5, renamed={"y": "summary_y"} if name == "sobol" else {})

    def test_categorical_and_failed(self):
        with sa.open(self.files["drift"]) as res:
            df = res.to_dataframe()
            self.assertEqual(list(df["tissue"].astype(str)),
                             [t for t in ("cartilage", "muscle") for _ in range(4)])
            self.assertEqual(list(df["L_E"]), [20, 20, 60, 60] * 2)
            self.assertEqual(list(df["replicate"]), [0, 1] * 4)
            self.assertTrue((df["status"] == "DONE").all())
            self.assertTrue((df["attempts"] == 1).all())
        with sa.open(self.files["failing"]) as res:
            df = res.to_dataframe(status="FAILED")
            # x1 + 2 x2 > 15: every point with x2 = 10 fails
            self.assertEqual(list(df["x1"]), [1, 2, 3, 4, 5, 6])
            self.assertEqual(set(df["x2"]), {10})
            self.assertTrue(all(m for m in df["message"]), list(df["message"]))
            self.assertTrue(df[res.summary_names()].isna().all().all())
            self.assertEqual(len(res.to_dataframe(status="DONE")), 6)

    def test_indices(self):
        with sa.open(self.files["sobol"]) as res:
            S = res.sobol("y")
            ref = sobol.analyze_summary(res, "y")
            for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"):
                np.testing.assert_array_equal(S[k], ref[k], k)
            self.assertEqual(S["blocks"]["used"], 64)
        with sa.open(self.files["morris"]) as res:
            M = res.morris("sum")
            ref = morris.analyze_summary(res, "sum")
            for k in ("mu", "mu_star", "sigma", "mu_star_conf"):
                np.testing.assert_array_equal(M[k], ref[k], k)
            # the null model's sum_k k x_k: elementary effect k (max - min)
            np.testing.assert_allclose(M["mu_star"], [1.0, 8.0], rtol=1e-12)


if __name__ == "__main__":
    unittest.main()
