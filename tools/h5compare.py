#!/usr/bin/env python3
"""Compare two sendrift result files bit for bit: every group, dataset and
attribute, everything but what records when, where or how long.

    /usr/bin/python3 tools/h5compare.py OLD.h5 NEW.h5 [NAME ...]

NAME: objects (a full path such as /design/block, or a last component) that
NEW may add without counting as a difference; attributes NEW adds are
listed.  Exit status 0 when the files hold the same data, 1 otherwise.  Used
to show that a change of the code changed no result (README, "Measured").
"""
import sys

import h5py
import numpy as np

# What differs from one run to the next by nature (when, with what, and on
# which nodes and ranks it ran: the placement), or refers to objects by
# address (dimension-scale references) rather than by content.
IGNORED_ATTRS = {"created", "git_commit", "sendrift_version", "mpi_version", "hdf5_version",
                 "format_version", "DIMENSION_LIST", "REFERENCE_LIST",
                 "placement", "placement_ranks", "placement_nodes", "placement_ranks_per_sim",
                 "placement_groups", "placement_idle_ranks", "placement_nodes_from"}
IGNORED_DATASETS = {"wall_seconds", "group"}


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind == "f":  # NaN == NaN, and -0.0 != 0.0: compare the bits
        return np.array_equal(x.view(np.uint8), y.view(np.uint8))
    return np.array_equal(x, y)


def compare(a, b, allowed):
    diffs = []

    def attrs(name, oa, ob):
        for k in oa.attrs:
            if k in IGNORED_ATTRS:
                continue
            if k not in ob.attrs:
                diffs.append(f"attribute missing: {name}@{k}")
            elif not same(oa.attrs[k], ob.attrs[k]):
                diffs.append(f"attribute differs: {name}@{k}")
        for k in ob.attrs:
            if k not in oa.attrs and k not in IGNORED_ATTRS:
                print(f"added attribute: {name}@{k}")

    def walk(name, oa, ob):
        attrs(name, oa, ob)
        if isinstance(oa, h5py.Group):
            for k in oa:
                full = f"{name.rstrip('/')}/{k}"
                if k not in ob:
                    diffs.append(f"missing: {full}")
                else:
                    walk(full, oa[k], ob[k])
            for k in ob:
                full = f"{name.rstrip('/')}/{k}"
                if k not in oa:
                    if full in allowed or k in allowed:
                        print(f"added: {full}")
                    else:
                        diffs.append(f"added: {full}")
        elif name.rsplit("/", 1)[-1] not in IGNORED_DATASETS and not same(oa[()], ob[()]):
            diffs.append(f"data differs: {name}")

    walk("/", a, b)
    return diffs


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with h5py.File(argv[1], "r") as a, h5py.File(argv[2], "r") as b:
        diffs = compare(a, b, set(argv[3:]))
    for d in diffs:
        print("DIFF", d)
    print(f"{'same' if not diffs else f'{len(diffs)} differences'}: {argv[1]} {argv[2]}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
