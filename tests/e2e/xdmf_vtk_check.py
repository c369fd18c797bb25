"""Run by test_xdmf_vtk.sh under ParaView's pvpython: read the XDMF files of
a 2-D and a 3-D sweep with ParaView's XDMF readers and check them against
what h5py read (DIR/<name>_want.npz).  Usage: pvpython xdmf_vtk_check.py DIR"""
import sys
import xml.etree.ElementTree as ET

import numpy as np
from paraview import servermanager, simple

WORK = sys.argv[1]
READERS = ("Xdmf3ReaderS", "Xdmf3ReaderT")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def load(name):
    z = np.load(f"{WORK}/{name}_want.npz")
    return {k.replace("|", "/"): z[k] for k in z.files}


def open_with(reader, path):
    if reader is None:
        return simple.OpenDataFile(path)
    return getattr(simple, reader)(FileName=[path])


def cells_of(data):
    """The data set, and its cell values of epi and kind as numpy arrays."""
    epi = data.GetCellData().GetArray("epi")
    kind = data.GetCellData().GetArray("kind")
    return (np.array([epi.GetValue(i) for i in range(epi.GetNumberOfTuples())]),
            np.array([kind.GetValue(i) for i in range(kind.GetNumberOfTuples())]))


def check_run(path, reader, want, run, times, label):
    """One run's file: one data set per time, at the right place, with the
    values of the file in every cell."""
    nx, ny, nz = (int(n) for n in want["cells_xyz"])
    dx = float(want["dx"])
    dim = 3 if nz > 1 else 2
    r = open_with(reader, path)
    got_reader = r.GetXMLName()
    check(list(r.TimestepValues) == times,
          f"{label}: {got_reader} times {list(r.TimestepValues)}, wanted {times} (days)")
    for t in times:
        r.UpdatePipeline(t)
        d = servermanager.Fetch(r)
        check(d.IsA("vtkImageData"), f"{label}: {got_reader} gives a {d.GetClassName()}, "
              "not one image data set, at t = {t}")
        if not d.IsA("vtkImageData"):
            continue
        bounds = tuple(round(b, 9) for b in d.GetBounds())
        wb = (0.0, nx * dx, 0.0, ny * dx, 0.0, nz * dx if dim == 3 else 0.0)
        check(bounds == wb, f"{label} t={t}: {got_reader} bounds {bounds}, wanted {wb}")
        check(d.GetNumberOfCells() == nx * ny * nz,
              f"{label} t={t}: {d.GetNumberOfCells()} cells, wanted {nx * ny * nz}")
        epi, kind = cells_of(d)
        key = f"run_{run}/{t:g}"
        we, wk = want[key + "/epi"], want[key + "/kind"]
        # One value, then every cell found by its centre: the cell at index
        # (k,) j, i of the HDF5 array lies at x = (i + 1/2) dx, y = (j + 1/2)
        # dx (, z = (k + 1/2) dx).
        check(epi.shape == (we.size,), f"{label} t={t}: epi has {epi.shape} values")
        if epi.shape != (we.size,):
            continue
        check(epi[0] == we.flat[0], f"{label} t={t}: epi of cell 0 is {epi[0]}, h5py {we.flat[0]}")
        bad = 0
        for idx in np.ndindex(we.shape):
            ijk = idx[::-1] + ((0,) if dim == 2 else ())
            centre = [(c + 0.5) * dx if a < dim else 0.0 for a, c in enumerate(ijk)]
            where, pc = [0, 0, 0], [0.0, 0.0, 0.0]
            inside = d.ComputeStructuredCoordinates(centre, where, pc)
            cell = d.ComputeCellId(where)
            if not inside or epi[cell] != we[idx] or kind[cell] != wk[idx]:
                bad += 1
        check(bad == 0, f"{label} t={t}: {bad} of {we.size} cells hold another cell's values")
        # The check above tells a flip or a transposition only if the data do.
        for axis in range(we.ndim):
            check(not np.array_equal(np.flip(we, axis), we),
                  f"{label} t={t}: epi is symmetric along axis {axis}: orientation untested")
    return got_reader


def leaf_names(path):
    root = ET.parse(path).getroot()
    runs = root.findall("./Domain/Grid")
    return {g.get("Name"): [c.get("Name") for c in g.findall("Grid")] for g in runs}


# ---- 2-D: two runs, three times each --------------------------------------------
want = load("two")
check(list(want["cells_xyz"]) == [40, 16, 1], f"cells_xyz {want['cells_xyz']}")
times = [2.0, 4.0, 6.0]
for run in (0, 3):
    path = f"{WORK}/two.run_{run}.xmf"
    picked = check_run(path, None, want, run, times, f"2-D run {run}, default reader")
    check(picked == "Xdmf3ReaderS", f"ParaView picked {picked} for .xmf")
    for reader in READERS:
        check_run(path, reader, want, run, times, f"2-D run {run}, {reader}")
    names = leaf_names(path)
    check(names == {f"run_{run}": [f"run_{run}_day_{t:g}" for t in times]},
          f"the grids of {path} are {names}")
# The two runs are not the same data.
for t in times:
    check(not np.array_equal(want[f"run_0/{t:g}/epi"], want[f"run_3/{t:g}/epi"]),
          f"runs 0 and 3 hold the same epi at t = {t}")
r0 = open_with(None, f"{WORK}/two.run_0.xmf")
r3 = open_with(None, f"{WORK}/two.run_3.xmf")
r0.UpdatePipeline(4.0)
r3.UpdatePipeline(4.0)
e0 = cells_of(servermanager.Fetch(r0))[0]
e3 = cells_of(servermanager.Fetch(r3))[0]
check(not np.array_equal(e0, e3), "the files of runs 0 and 3 read the same values")
# The file of all runs: each run a temporal collection named for it, its
# grids named for their time; read, both runs at the same place.
allp = f"{WORK}/two.xmf"
names = leaf_names(allp)
check(names == {f"run_{r}": [f"run_{r}_day_{t:g}" for t in times] for r in (0, 3)},
      f"the grids of {allp} are {names}")
ra = open_with(None, allp)
check(list(ra.TimestepValues) == times, f"{allp}: times {list(ra.TimestepValues)}")
ra.UpdatePipeline(6.0)
info = ra.GetDataInformation()
check(info.GetNumberOfCells() == 2 * 640, f"{allp}: {info.GetNumberOfCells()} cells")
check(tuple(info.GetBounds()) == (0.0, 400.0, 0.0, 160.0, 0.0, 0.0),
      f"{allp}: bounds {tuple(info.GetBounds())}")

# ---- 3-D: one run, two times ---------------------------------------------------
want = load("three")
check(list(want["cells_xyz"]) == [6, 5, 4], f"cells_xyz {want['cells_xyz']}")
for reader in (None,) + READERS:
    check_run(f"{WORK}/three.run_0.xmf", reader, want, 0, [2.0, 4.0], f"3-D, {reader}")

if failures:
    print(f"{len(failures)} checks failed")
    sys.exit(1)
print("xdmf read by ParaView ok")
