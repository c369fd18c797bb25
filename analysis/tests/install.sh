#!/usr/bin/env bash
# analysis.install: `pip install ./analysis` with no network, into a venv
# that sees the system's packages (Debian's pip refuses to install into the
# system Python: PEP 668), then the API from a folder outside analysis/ and
# the installed console scripts.
#
# --no-deps: Debian ships h5py under the distribution name
# "h5py._debian_h5py_serial", which pip does not take for "h5py", so pip
# would look for h5py in the (absent) index although `import h5py` works.
# The check below imports every dependency through the installed package.
#
# The install runs on a copy of analysis/: pip builds in the tree it is
# given, and its build/ and *.egg-info/ do not belong in the source tree.
set -euo pipefail
PY=${SD_PYTHON:-/usr/bin/python3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sd-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$work/src" "$work/run"
tar -C "$SRC/.." --exclude=__pycache__ --exclude=build --exclude='*.egg-info' \
    -cf - analysis | tar -C "$work/src" -xf -

# The result file, written with the test helpers (the only step that puts
# analysis/ on the path).
PYTHONPATH="$SRC" "$PY" -c "
from tests import synth
synth.drift_file('$work/run/dsob.h5', design_type='sobol', N=16, replicates=2,
                 failed_runs=[3, 7], n_times=5)"

"$PY" -m venv --system-site-packages "$work/venv"
# Any attempt to reach an index fails at once: the install must not need one.
(cd "$work/src" && env PIP_NO_INDEX=1 http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
    "$work/venv/bin/pip" install --no-index --no-build-isolation --no-deps --quiet ./analysis) \
    || fail "pip install --no-index --no-build-isolation --no-deps ./analysis"
for s in sendrift-sensitivity sendrift-figures sendrift-report sendrift-contrasts; do
    [ -x "$work/venv/bin/$s" ] || fail "pip installed no console script $s"
done

cd "$work/run"
env -u PYTHONPATH MPLBACKEND=Agg "$work/venv/bin/sendrift-report" dsob.h5 -o rep -q \
    || fail "sendrift-report dsob.h5 -o rep"
grep -q "158 of 160 runs DONE" rep/report.md || fail "the report does not count 158 of 160 runs DONE"
env -u PYTHONPATH "$work/venv/bin/sendrift-sensitivity" dsob.h5 --metric final_F \
    --json si.json --quiet || fail "sendrift-sensitivity dsob.h5"

env -u PYTHONPATH SRC="$SRC" VENV="$work/venv" "$work/venv/bin/python" - <<'EOF'
import json, os, sys
import numpy as np
import h5py
import sendrift_analysis as sa
from sendrift_analysis import sobol

where = os.path.realpath(sa.__file__)
assert where.startswith(os.path.realpath(os.environ["VENV"])), where
assert not where.startswith(os.path.realpath(os.environ["SRC"])), where
assert not any(os.path.realpath(p or ".") == os.path.realpath(os.environ["SRC"])
               for p in sys.path), sys.path

with sa.open("dsob.h5") as res, h5py.File("dsob.h5", "r") as f:
    df = res.to_dataframe()
    assert len(df) == 160, len(df)
    assert list(df.columns[:10]) == ["run", "point", "replicate", "status", "attempts",
                                     "wall_seconds", "message", "L_E", "psi", "tissue"], \
        list(df.columns)
    st = f["runs/status"][:]
    assert (df["status"] == "FAILED").sum() == 2 and list(df.index[df["status"] == "FAILED"]) == [3, 7]
    np.testing.assert_array_equal(df["status"].cat.codes.to_numpy(), st)
    choices = [c.decode() for c in f["design/choices/tissue"][:]]
    np.testing.assert_array_equal(df["tissue"].astype(str).to_numpy(),
                                  np.asarray(choices)[f["design/params"][:, 2].astype(int)])
    y = f["summary/final_F"][:]
    y[st != 1] = np.nan
    np.testing.assert_array_equal(df["final_F"].to_numpy(), y)
    ds = res.to_xarray()
    assert dict(ds.sizes) == {"run": 160, "time": 5, "param": 3}, dict(ds.sizes)
    np.testing.assert_array_equal(ds["frac_senescent"].sel(run=0).values,
                                  f["timeseries/frac_senescent"][0])
    S = res.sobol("final_F")
    ref = sobol.analyze_summary(res, "final_F")
    for k in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_array_equal(S[k], ref[k])
    with open("si.json") as fh:
        cli = json.load(fh)["summary"]["final_F"]
    np.testing.assert_allclose(cli["S1"], S["S1"], rtol=0, atol=1e-15)
print("installed at", where, "- table, dataset, indices and console scripts agree")
EOF
echo "1 passed, 0 failed"
