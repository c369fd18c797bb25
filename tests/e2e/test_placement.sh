#!/usr/bin/env bash
# Worker groups are built node by node.  On this one machine
# SENDRIFT_RANKS_PER_NODE=3 pretends nodes of 3 ranks: with 7 ranks and
# -P 2, node 0 = ranks 0-2 (the controller and group 0 = ranks 1-2), node 1 =
# ranks 3-5 (group 1 = ranks 3-4, rank 5 idle), node 2 = rank 6 (idle); the
# old (rank - 1) / P would have made a group of ranks 5 and 6, across nodes 1
# and 2.  The log and the result file say so, no group spans a node, and the
# sweep (the drift model, its lattice split over each group of 2, with
# snapshots) gives the same bits as on 5 ranks with no pretence
# (tools/h5compare.py).  A malformed variable and a -P that fits no node are
# refused; a --resume elsewhere replaces the recorded placement.
source "$(dirname "$0")/lib.sh"

SWEEP="$E2E/sweeps/drift_small.json"
H5COMPARE="$SD_PYTHON $SD_SOURCE_DIR/tools/h5compare.py"

# The placement text of FILE (its root attribute), and checks on it.
placement_check() {
    $SD_PYTHON - "$@" <<'PY'
import re, sys, h5py
path, want_nodes, want_groups, want_idle, want_from = sys.argv[1:6]
with h5py.File(path, "r") as f:
    a = f.attrs
    text = a["placement"]
    text = text.decode() if isinstance(text, bytes) else str(text)
    got = (int(a["placement_nodes"]), int(a["placement_groups"]), int(a["placement_idle_ranks"]),
           a["placement_nodes_from"].decode() if isinstance(a["placement_nodes_from"], bytes)
           else str(a["placement_nodes_from"]))
    used = set(int(g) for g in f["runs/group"][:])
want = (int(want_nodes), int(want_groups), int(want_idle), want_from)
if got != want:
    sys.exit(f"placement attributes {got}, wanted {want}")

def ranks(spec):  # "ranks 1-3,7" or "rank 5"
    out = []
    for part in spec.split(" ", 1)[1].split(","):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out

# Every group's ranks, from every node line that names it; every node's ranks.
group_ranks, node_ranks = {}, {}
for line in text.splitlines():
    m = re.match(r"node (\d+) \([^)]*\): (ranks? [0-9,-]+)(.*)$", line)
    if not m:
        sys.exit(f"not a node line: {line!r}")
    k = int(m.group(1))
    node_ranks[k] = set(ranks(m.group(2)))
    for item in m.group(3).split("; ")[1:]:
        g = re.match(r"group (\d+): (ranks? [0-9,-]+)$", item)
        gs = re.match(r"groups (\d+)-(\d+) of (\d+): (ranks [0-9-]+)$", item)
        if g:
            group_ranks.setdefault(int(g.group(1)), []).append((k, ranks(g.group(2))))
        elif gs:
            first, last, p, rs = int(gs.group(1)), int(gs.group(2)), int(gs.group(3)), ranks(gs.group(4))
            for i, gid in enumerate(range(first, last + 1)):
                group_ranks.setdefault(gid, []).append((k, rs[i * p:(i + 1) * p]))
        elif not re.match(r"(controller: rank 0|idle: ranks? [0-9,-]+)$", item):
            sys.exit(f"unknown entry {item!r} in {line!r}")
if sorted(group_ranks) != list(range(want[1])):
    sys.exit(f"groups {sorted(group_ranks)} in the text, wanted 0..{want[1] - 1}")
for gid, seen in group_ranks.items():
    if len(seen) != 1 or not set(seen[0][1]) <= node_ranks[seen[0][0]]:
        sys.exit(f"group {gid} spans nodes: {seen}")
if not used <= set(range(want[1])):
    sys.exit(f"/runs/group holds {sorted(used)}, not groups of 0..{want[1] - 1}")
print(text, end="")
PY
}

# 1. Pretend nodes of 3: the groups, in the log and in the file.
pre="$WORK/pretend.h5"
SENDRIFT_RANKS_PER_NODE=3 mpi 7 "$SENDRIFT" run "$SWEEP" -o "$pre" -P 2 2>"$WORK/pretend.log" \
    || { cat "$WORK/pretend.log" >&2; fail "the sweep on pretend nodes failed"; }
$CHECK layout "$pre"
placement_check "$pre" 3 2 2 SENDRIFT_RANKS_PER_NODE=3 >"$WORK/pretend.txt" \
    || fail "the placement in $pre"
cat >"$WORK/want.txt" <<'EOF'
node 0 (H): ranks 0-2; controller: rank 0; group 0: ranks 1-2
node 1 (H): ranks 3-5; group 1: ranks 3-4; idle: rank 5
node 2 (H): rank 6; idle: rank 6
EOF
sed 's/^\(node [0-9]*\) ([^)]*)/\1 (H)/' "$WORK/pretend.txt" | diff -u "$WORK/want.txt" - \
    || fail "the placement recorded in $pre"
# The log: the idle ranks' warning once, the summary, the same node lines.
[ "$(grep -c "warning: 2 worker ranks stay idle" "$WORK/pretend.log")" = 1 ] \
    || { cat "$WORK/pretend.log" >&2; fail "the idle ranks' warning, once"; }
grep -qxF "sendrift: placement: 7 ranks on 3 nodes (pretend nodes of 3 ranks: SENDRIFT_RANKS_PER_NODE), 2 worker groups of 2 ranks, 2 idle ranks" \
    "$WORK/pretend.log" || { cat "$WORK/pretend.log" >&2; fail "the placement summary in the log"; }
sed -n 's/^sendrift:   \(node [0-9]*\) ([^)]*)/\1 (H)/p' "$WORK/pretend.log" | diff -u "$WORK/want.txt" - \
    || fail "the placement in the log"

# 2. The same sweep on one (real) node, 5 ranks: the same bits.
one="$WORK/one.h5"
mpi 5 "$SENDRIFT" run "$SWEEP" -o "$one" -P 2 2>"$WORK/one.log" \
    || { cat "$WORK/one.log" >&2; fail "the sweep on one node failed"; }
placement_check "$one" 1 2 0 MPI_COMM_TYPE_SHARED >/dev/null || fail "the placement in $one"
grep -q "^sendrift:   node 0 (.*): ranks 0-4; controller: rank 0; groups 0-1 of 2: ranks 1-4$" \
    "$WORK/one.log" || { cat "$WORK/one.log" >&2; fail "the one-node placement in the log"; }
$CHECK same "$one" "$pre"
$H5COMPARE "$one" "$pre" || fail "$pre and $one differ"

# 3. --resume on other "nodes" replaces the recorded placement (nothing is
# left to run; the data stay as they were).
SENDRIFT_RANKS_PER_NODE=2 mpi 5 "$SENDRIFT" run "$SWEEP" -o "$pre" -P 1 --resume 2>"$WORK/resume.log" \
    || { cat "$WORK/resume.log" >&2; fail "the --resume failed"; }
placement_check "$pre" 3 4 0 SENDRIFT_RANKS_PER_NODE=2 >"$WORK/resume.txt" || fail "the placement after --resume"
$H5COMPARE "$one" "$pre" || fail "--resume changed $pre"

# 4. Refused, before anything is made: a malformed variable, a -P no node holds.
for bad in abc 3x; do
    SENDRIFT_RANKS_PER_NODE=$bad expect_status 2 mpi 3 "$SENDRIFT" run "$SWEEP" -o "$WORK/bad.h5"
    expect_stderr "SENDRIFT_RANKS_PER_NODE=$bad: give the ranks of each pretend node as a whole number of at least 1"
done
SENDRIFT_RANKS_PER_NODE=2 expect_status 2 mpi 5 "$SENDRIFT" run "$SWEEP" -o "$WORK/bad.h5" -P 3
expect_stderr "--ranks-per-sim 3: a worker group lies within one node, and none of the 3 nodes has 3 worker ranks (the most is 2"
[ ! -e "$WORK/bad.h5" ] || fail "a refused sweep made $WORK/bad.h5"
echo "1 passed, 0 failed"
