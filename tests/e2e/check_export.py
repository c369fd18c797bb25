"""Check a table of `sendrift export` against the result file, read with h5py.

    check_export.py [--pandas] RESULT.h5 TABLE...

(each TABLE's format is its extension: .csv, .tsv or .json.)

Every column of every row: its name and place, and its value, which must be
the file's value to the bit (numbers), its name (status, categorical
parameters) or its text (message).  NaN is an empty field in csv and tsv,
and null in json.  With --pandas, pandas.read_csv (csv, tsv) or
pandas.read_json (json) reads the table too and is held to the same values.
Exits 1 with the first difference.
"""
import csv
import io
import json
import math
import struct
import sys

import h5py
import numpy as np


def fail(msg):
    print("check_export: " + msg, file=sys.stderr)
    sys.exit(1)


def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def strings(ds):
    """The strings of a dataset: fixed or variable-length strings, or rows
    of netCDF characters."""
    a = ds[()]
    if a.ndim == 2:
        return [b"".join(bytes(c) for c in row).rstrip(b"\0").decode("utf-8", "replace")
                for row in a]
    return [text(s).rstrip("\0") for s in a]


def status_names(ds):
    """value -> name: from the CF flags (format 3), else the enum (format 2)."""
    if "flag_meanings" in ds.attrs:
        names = text(ds.attrs["flag_meanings"]).split()
        return {int(v): n for v, n in zip(ds.attrs["flag_values"], names)}
    enum = h5py.check_dtype(enum=ds.dtype)
    if enum:
        return {v: k for k, v in enum.items()}
    fail("runs/status has neither flag_meanings nor an enum type")


def expected(path):
    """(columns, rows): the table the file should give, values as Python
    objects (int, float, str)."""
    with h5py.File(path, "r") as f:
        names = [text(n) for n in f["design/params"].attrs["names"]]
        params = f["design/params"][()]
        choices = {}
        for n in names:
            if "design/choices/" + n in f:
                choices[n] = strings(f["design/choices/" + n])
        summ = [k for k, d in f["summary"].items()
                if isinstance(d, h5py.Dataset) and "CLASS" not in d.attrs and d.ndim == 1]
        sval = {k: f["summary/" + k][()] for k in summ}
        sn = status_names(f["runs/status"])
        status = f["runs/status"][()]
        msgs = strings(f["runs/message"])
        cols = (["run", "point", "replicate", "status", "attempts", "wall_seconds"] + names + summ
                + ["message"])
        rows = []
        for i in range(len(status)):
            r = [int(f["design/run"][i]), int(f["design/point"][i]), int(f["design/replicate"][i]),
                 sn[int(status[i])], int(f["runs/attempts"][i]), float(f["runs/wall_seconds"][i])]
            for k, n in enumerate(names):
                v = float(params[i, k])
                r.append(choices[n][int(v)] if n in choices else v)
            r += [float(sval[k][i]) for k in summ]
            r.append(msgs[i])
            rows.append(r)
    return cols, rows


def bits(x):
    return struct.pack("<d", x)


def same(want, got, where):
    """got (text, or a JSON value) is want."""
    if isinstance(want, float):
        if math.isnan(want) or math.isinf(want):
            if got not in ("", None):
                fail(f"{where}: want an empty field (NaN), got {got!r}")
            return
        if got in ("", None) or bits(float(got)) != bits(want):
            fail(f"{where}: want {want!r}, got {got!r}")
        return
    if isinstance(want, int):
        if isinstance(got, bool) or int(got) != want or (isinstance(got, str) and got != str(want)):
            fail(f"{where}: want {want!r}, got {got!r}")
        return
    if got != want:
        fail(f"{where}: want {want!r}, got {got!r}")


def check_rows(cols, rows, hdr, table, reader):
    if hdr != cols:
        fail(f"{reader}: columns {hdr} != {cols}")
    if len(table) != len(rows):
        fail(f"{reader}: {len(table)} rows, want {len(rows)}")
    for i, (w, g) in enumerate(zip(rows, table)):
        if len(g) != len(w):
            fail(f"{reader}: row {i} has {len(g)} fields, want {len(w)}")
        for c, (a, b) in enumerate(zip(w, g)):
            same(a, b, f"{reader}: row {i}, column {cols[c]}")


def check_pandas(cols, rows, path, fmt):
    import pandas as pd
    if fmt == "json":
        df = pd.read_json(path, orient="records", dtype=False, precise_float=True,
                          convert_dates=False, keep_default_dates=False)
    else:
        df = pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", float_precision="round_trip",
                         keep_default_na=False, na_values=[""], encoding_errors="replace")
    if list(df.columns) != cols:
        fail(f"pandas: columns {list(df.columns)} != {cols}")
    if len(df) != len(rows):
        fail(f"pandas: {len(df)} rows, want {len(rows)}")
    for c, name in enumerate(cols):
        want = [r[c] for r in rows]
        col = df[name].tolist()
        for i, (w, g) in enumerate(zip(want, col)):
            where = f"pandas: row {i}, column {name}"
            if isinstance(w, float):
                g = float("nan") if g is None else float(g)
                if math.isnan(w) != math.isnan(g) or (not math.isnan(w) and bits(w) != bits(g)):
                    fail(f"{where}: want {w!r}, got {g!r}")
            elif isinstance(w, int):
                if int(g) != w:
                    fail(f"{where}: want {w!r}, got {g!r}")
            else:
                g = "" if g is None or (isinstance(g, float) and math.isnan(g)) else g
                if g != w:
                    fail(f"{where}: want {w!r}, got {g!r}")


def check_table(h5, cols, rows, path, use_pandas):
    fmt = path.rsplit(".", 1)[-1].lower()
    # A message cut inside a character is written as its bytes in csv and
    # tsv, and with U+FFFD in json: read back, both are the same text.
    raw = open(path, "rb").read().decode("utf-8", "replace")
    if fmt == "json":
        data = json.loads(raw)
        if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
            fail("json: not an array of objects")
        hdr = list(data[0].keys()) if data else cols
        for i, o in enumerate(data):
            if list(o.keys()) != cols:
                fail(f"json: row {i} has keys {list(o.keys())}, want {cols}")
        table = [[o[c] for c in cols] for o in data]
    elif fmt in ("csv", "tsv"):
        rd = list(csv.reader(io.StringIO(raw, newline=""), delimiter="\t" if fmt == "tsv" else ","))
        hdr, table = rd[0], rd[1:]
    else:
        fail(f"{path}: not .csv, .tsv or .json")
    check_rows(cols, rows, hdr, table, fmt)
    if use_pandas:
        check_pandas(cols, rows, path, fmt)
    print(f"check_export: {path}: {len(rows)} rows x {len(cols)} columns match {h5}"
          + (" (csv/json module and pandas)" if use_pandas else ""))


def main():
    args = sys.argv[1:]
    use_pandas = args[:1] == ["--pandas"]
    if use_pandas:
        args = args[1:]
    h5, tables = args[0], args[1:]
    cols, rows = expected(h5)
    for path in tables:
        check_table(h5, cols, rows, path, use_pandas)


main()
