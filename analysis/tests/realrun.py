"""Result files written by the real sendrift, for the tests that check the
analysis on them: SENDRIFT names the executable (ctest sets it); without it
those tests are skipped."""

import json
import os
import subprocess
import unittest

SENDRIFT = os.environ.get("SENDRIFT")

needs_sendrift = unittest.skipUnless(SENDRIFT and os.access(SENDRIFT, os.X_OK),
                                     "SENDRIFT (the sendrift executable) not set")


def run_sweeps(sweeps, folder, ok=(0,)):
    """Write each sweep {name: sweep dict} as NAME.json in folder and run it
    with `sendrift run NAME.json -o NAME.h5` there; {name: path of NAME.h5}.
    ok: the exit statuses that count as success (4: runs failed, the file
    is written)."""
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    files = {}
    for name, sweep in sweeps.items():
        js = os.path.join(folder, name + ".json")
        with open(js, "w") as fh:
            json.dump(sweep, fh)
        h5 = os.path.join(folder, name + ".h5")
        p = subprocess.run([SENDRIFT, "run", js, "-o", h5], capture_output=True,
                           text=True, env=env, timeout=300, cwd=folder)
        if p.returncode not in ok or not os.path.exists(h5):
            raise AssertionError("sendrift run %s: exit %d: %s" % (js, p.returncode, p.stderr))
        files[name] = h5
    return files
