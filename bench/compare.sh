#!/usr/bin/env bash
# Before/after comparison of two builds in ONE run (a benchmark: it asserts
# nothing).  Usage: bench/compare.sh BASE_BUILD NEW_BUILD
#   (`make bench-compare BASE=<commit>` builds BASE in a worktree and runs this)
#
# Runs, ROUNDS times in turns (base, new; new, base; ...: the order flips each
# round so that a trend in the background load hits both alike), on one rank:
#   bench_fields  2-D FIELDS_N2^2 (1024) and 3-D FIELDS_N3^3 (128), S and E
#   bench_drift   2-D DRIFT_N2^2 (512, DRIFT_DAYS2 d) and 3-D DRIFT_N3^3 (128,
#                 DRIFT_DAYS3 d), with the phase breakdown
# and prints, per figure, the median of each build, the ratio new/base (the
# median of the per-round pairs, and their range), each figure against the
# STREAM triad each bench measured in the same invocation, bytes per cell per
# V-cycle and V-cycles per step.  Then (ACCURACY=1) the new build's
# bench_fields accuracy section once (512^2 and 64^3: time-discretisation and
# algebraic errors against an exact backward-Euler solve).
#
# The base build's benches may be older than this script: bench_fields of
# commits before issue 14 prints no key = value lines, and its text is parsed
# instead (the same figures: step time, cycles per step, MB per cycle, triad).
#
# Environment (optional): ROUNDS (3), FIELDS_N2 (1024), FIELDS_N3 (128),
# FIELDS_STEPS (8), DRIFT_N2 (512), DRIFT_N3 (128), DRIFT_DAYS2 (1),
# DRIFT_DAYS3 (0.25), STREAM_MB (256), ACCURACY (1), KEEP (a directory to keep
# the raw outputs in).  4 min 6 s on the 2-core VM (load 2-5) with the
# pre-issue-14 kernels on both sides; less when the new build is faster.
# That A/A run gave new/base 0.91 to 1.00 on the headline rates: differences
# within about 10 % are noise on a shared machine.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 BASE_BUILD NEW_BUILD (build directories with bench/bench_fields and bench/bench_drift)" >&2
    exit 2
fi
BASE=$1
NEW=$2
for b in "$BASE" "$NEW"; do
    for p in bench_fields bench_drift; do
        [ -x "$b/bench/$p" ] || { echo "compare.sh: $b/bench/$p is missing (build it first)" >&2; exit 2; }
    done
done
PYTHON=${PYTHON:-python3}
ROUNDS=${ROUNDS:-3}
FN2=${FIELDS_N2:-1024}
FN3=${FIELDS_N3:-128}
FSTEPS=${FIELDS_STEPS:-8}
DN2=${DRIFT_N2:-512}
DN3=${DRIFT_N3:-128}
DAYS2=${DRIFT_DAYS2:-1}
DAYS3=${DRIFT_DAYS3:-0.25}
MB=${STREAM_MB:-256}
ACC=${ACCURACY:-1}
if [ -n "${KEEP:-}" ]; then
    OUT=$KEEP
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d)
    trap 'rm -rf "$OUT"' EXIT
fi

# One rank each: no rank ever waits for another, so the MPI idle policy
# hardly matters here.  Set by bench/run.sh's rule (docs/benchmarks.md, "MPI
# idle waiting": poll, 0, when every rank has a core; yield, 1, when ranks
# outnumber the cores), unless the caller's environment sets it.
ENV=(OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
     "OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-0}")
[ "$(id -u)" = 0 ] && ENV+=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
run() { env "${ENV[@]}" mpirun --oversubscribe "$@"; }

# The commit a build directory was configured from (its CMakeCache's source).
commit_of() {
    local src
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$1/CMakeCache.txt" 2>/dev/null)
    git -C "${src:-$1}" describe --always --dirty 2>/dev/null || echo unknown
}
T0=$(date +%s)
echo "== compare: base $BASE (commit $(commit_of "$BASE")) against new $NEW (commit $(commit_of "$NEW"))"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "== $ROUNDS rounds, one rank, the two builds in turns (order flipped each round)"
# The commands, as they can be pasted (B: either build).
set_cmd() {
    case $1 in
        F2) cmd=(bench/bench_fields --n2 "$FN2" --n3 0 --steps "$FSTEPS" --stream-mb "$MB" --accuracy 0) ;;
        F3) cmd=(bench/bench_fields --n2 0 --n3 "$FN3" --steps "$FSTEPS" --stream-mb "$MB" --accuracy 0) ;;
        D2) cmd=(bench/bench_drift --n2 "$DN2" --n3 0 --days "$DAYS2" --reps 1 --stream-mb "$MB") ;;
        D3) cmd=(bench/bench_drift --n2 0 --n3 "$DN3" --days "$DAYS3" --reps 1 --stream-mb "$MB") ;;
    esac
}
cmd=()
for item in F2 F3 D2 D3; do
    set_cmd "$item"
    echo "   $item: ${ENV[*]} mpirun --oversubscribe -n 1 B/${cmd[*]}"
done
echo "   (the base's bench_fields ignores --accuracy if it predates it)"
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order="base new"; else order="new base"; fi
    for item in F2 F3 D2 D3; do
        set_cmd "$item"
        for which in $order; do
            if [ "$which" = base ]; then b=$BASE; else b=$NEW; fi
            f="$OUT/$item.$which.$r.txt"
            t1=$(date +%s%N)
            run -n 1 "$b/${cmd[0]}" "${cmd[@]:1}" >"$f" 2>&1 ||
                { echo "compare.sh: $which ${cmd[0]} failed:" >&2; tail -20 "$f" >&2; exit 1; }
            t2=$(date +%s%N)
            printf '   round %d %-2s %-4s %5d.%d s  (load %s)\n' "$r" "$item" "$which" \
                $(((t2 - t1) / 1000000000)) $(((t2 - t1) / 100000000 % 10)) "$(cut -d' ' -f1 /proc/loadavg)"
        done
    done
done
if [ "$ACC" = 1 ]; then
    echo "== accuracy of the new build (bench_fields, 512^2 and 64^3; the base's is in docs/benchmarks.md)"
    echo "\$ ${ENV[*]} mpirun --oversubscribe -n 1 $NEW/bench/bench_fields --n2 512 --n3 64 --steps 1 --long 0 --stream-mb 16"
    run -n 1 "$NEW/bench/bench_fields" --n2 512 --n3 64 --steps 1 --long 0 --stream-mb 16 >"$OUT/acc.new.txt" 2>&1 ||
        { echo "compare.sh: the accuracy run failed:" >&2; tail -20 "$OUT/acc.new.txt" >&2; exit 1; }
    awk '/^[23]-D /{print} /accuracy against/{p=1; print; next} p && /^    /{print; next} {p=0}' "$OUT/acc.new.txt"
fi

echo
echo "== summary ($(($(date +%s) - T0)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
"$PYTHON" - "$OUT" "$ROUNDS" "$FN2" "$FN3" "$DN2" "$DN3" <<'EOF'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
fn2, fn3, dn2, dn3 = (int(x) for x in sys.argv[3:7])

def parse(path):
    """key = value lines; plus bench_fields' text (builds before issue 14
    print no keys), turned into the keys today's bench_fields prints."""
    kv = {}
    tag = field = None
    for line in open(path, errors="replace"):
        m = re.match(r"^([a-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_.+\-]+)+) = (.*)$", line)
        if m:
            kv[m.group(1)] = m.group(2).strip()
            continue
        m = re.match(r"^(\d)-D (\d+)\^\d = ([0-9.e+]+) cells on (\d+) ranks", line)
        if m:
            tag = "f%s_n%s_P%s" % (m.group(1), m.group(2), m.group(4))
            kv.setdefault(tag + ".cells", str(float(m.group(3))))
            field = None
            continue
        if tag is None:
            continue
        m = re.search(r"STREAM triad: ([0-9.]+) GB/s", line)
        if m:
            kv.setdefault(tag + ".triad_gbs", m.group(1))
        m = re.match(r"^  (SASP S|EV E)\s+L =", line)
        if m:
            field = tag + "." + m.group(1)[-1]
        if field is None:
            continue
        m = re.search(r"time step\s+([0-9.]+) ms\s+([0-9.]+) cycles/step", line)
        if m:
            kv.setdefault(field + ".step_ms", m.group(1))
            kv.setdefault(field + ".cycles_per_step", m.group(2))
        m = re.search(r"one V\(\d+,\d+\) cycle\s+([0-9.]+) ms", line)
        if m:
            kv.setdefault(field + ".cycle_ms", m.group(1))
        m = re.search(r"~([0-9.]+) MB moved per cycle: ([0-9.]+) GB/s", line)
        if m:
            # The MB are rounded to integers: from GB/s x cycle time when few.
            cells, mb = float(kv[tag + ".cells"]), float(m.group(1))
            if mb < 100 and field + ".cycle_ms" in kv:
                mb = float(m.group(2)) * float(kv[field + ".cycle_ms"])
            kv.setdefault(field + ".bytes_per_cell_per_cycle", "%.1f" % (mb * 1e6 / cells))
    return kv

def num(kv, k):
    try:
        return float(kv[k])
    except (KeyError, ValueError):
        return None

runs = {}
for item in ("F2", "F3", "D2", "D3"):
    for which in ("base", "new"):
        runs[item, which] = [parse("%s/%s.%s.%d.txt" % (out, item, which, r)) for r in range(1, rounds + 1)]

# Figures: (label, item, function kv -> value or None, higher is better?)
figs = []
def fields_figs(item, dim, n):
    t = "f%d_n%d_P1" % (dim, n)
    for F in ("S", "E"):
        p = "%s.%s." % (t, F)
        def vps(kv, p=p):
            s, c = num(kv, p + "step_ms"), num(kv, t + ".cells")
            return c / (s * 1e-3) if s and c else None
        def frac(kv, p=p):
            s, c, cy, b, tr = (num(kv, p + "step_ms"), num(kv, t + ".cells"), num(kv, p + "cycles_per_step"),
                               num(kv, p + "bytes_per_cell_per_cycle"), num(kv, t + ".triad_gbs"))
            return c * cy * b / (s * 1e-3) / 1e9 / tr if None not in (s, c, cy, b, tr) else None
        def per_triad(kv, p=p):
            v, tr = vps(kv, p), num(kv, t + ".triad_gbs")
            return v / tr if v and tr else None
        def ns_cycle(kv, p=p):
            s, c, cy = num(kv, p + "step_ms"), num(kv, t + ".cells"), num(kv, p + "cycles_per_step")
            return s * 1e6 / c / cy if s and c and cy else None
        L = "fields %d-D %d^%d %s" % (dim, n, dim, F)
        figs.extend([
            (L + ": voxel-steps/s per core", item, vps, True),
            (L + ":   per GB/s of triad", item, per_triad, True),
            (L + ": cycles per step", item, lambda kv, p=p: num(kv, p + "cycles_per_step"), False),
            (L + ": ns per cell per cycle (steps)", item, ns_cycle, False),
            (L + ": one cycle ms (long solve)", item, lambda kv, p=p: num(kv, p + "cycle_ms"), False),
            (L + ": bytes per cell per cycle (est.)", item, lambda kv, p=p: num(kv, p + "bytes_per_cell_per_cycle"), False),
            (L + ": cycles' bytes / triad", item, frac, True),
        ])
def drift_figs(item, dim, n):
    t = "d%d_n%d_P1." % (dim, n)
    L = "drift %d-D %d^%d" % (dim, n, dim)
    g = lambda k: (lambda kv: num(kv, t + k))
    figs.extend([
        (L + ": site-steps/s per core", item, g("model.site_steps_per_s_per_core"), True),
        (L + ":   per GB/s of triad", item,
         lambda kv: (num(kv, t + "model.site_steps_per_s_per_core") / num(kv, t + "triad_gbs"))
         if num(kv, t + "triad_gbs") else None, True),
        (L + ": step ms (model)", item, g("model.step_ms"), False),
        (L + ": field solves' share (phases)", item, g("field_share"), False),
        (L + ": field S ms/step (phases)", item, g("phases.field_S_ms_per_step"), False),
        (L + ": field E ms/step (phases)", item, g("phases.field_E_ms_per_step"), False),
        (L + ": events ms/step (phases)", item, g("phases.events_ms_per_step"), False),
        (L + ": cycles per step S", item, g("cycles_S_per_step"), False),
        (L + ": cycles per step E", item, g("cycles_E_per_step"), False),
        (L + ": bytes per site per cycle (est.)", item, g("bytes_per_vcycle_per_site"), False),
        (L + ": bytes per site-step (est.)", item, g("bytes_per_site_step"), False),
        (L + ": fraction of the triad (est.)", item, g("model.frac_stream"), True),
    ])
fields_figs("F2", 2, fn2); fields_figs("F3", 3, fn3); drift_figs("D2", 2, dn2); drift_figs("D3", 3, dn3)

def med(x):
    x = [v for v in x if v is not None]
    return statistics.median(x) if x else None
def fmt(v):
    if v is None: return "-"
    return "%.4g" % v

print("%-52s %11s %11s %8s %15s" % ("figure (median over rounds)", "base", "new", "new/base", "pairs min..max"))
for label, item, fn, _ in figs:
    b = [fn(kv) for kv in runs[item, "base"]]
    n = [fn(kv) for kv in runs[item, "new"]]
    pr = [y / x for x, y in zip(b, n) if x and y is not None]
    r = med(pr)
    rng = "%.3f..%.3f" % (min(pr), max(pr)) if pr else "-"
    print("%-52s %11s %11s %8s %15s" % (label, fmt(med(b)), fmt(med(n)), "%.3f" % r if r else "-", rng))

tri = {w: med([num(kv, k) for it in ("F2", "F3", "D2", "D3") for kv in runs[it, w]
               for k in kv if k.endswith(".triad_gbs") and not k.endswith("ws_gbs")]) for w in ("base", "new")}
print("%-52s %11s %11s" % ("STREAM triad GB/s (median over all runs)", fmt(tri["base"]), fmt(tri["new"])))
ident = [kv.get(t) for it in ("D2", "D3") for kv in runs[it, "new"] for t in kv if t.endswith("phases.replica_bit_identical")]
if ident and any(v != "1" for v in ident):
    print("note: the new build's phase replica is not bit-identical to its model (src/drift/model.c changed its step order): its phase figures are indicative")
print("ratios: new/base, each the median of the %d per-round pairs; > 1 is faster for rates, fewer for times/cycles < 1" % rounds)
EOF
