#!/usr/bin/env bash
# Progress output of `sendrift run` under mpirun (--progress=bar|lines|none):
# a first line before any run has finished; rate and ETA from the runs' wall
# times (the wall_seconds in the file) and cost hints as soon as one run has
# finished; plain lines when stderr is a file, the live bar when it is a
# terminal, also through mpirun (a pseudo-terminal made by util-linux's
# `script`), or when forced; none keeps the notes; a bad value is refused.
source "$(dirname "$0")/lib.sh"

# sweep NAME REPLICATES WORK...: a null-model sweep, REPLICATES runs per
# WORK value (CPU seconds each, also the cost hint), in $WORK/NAME.json.
sweep() {
    local name=$1 reps=$2 values
    shift 2
    values=$(IFS=,; echo "$*")
    cat >"$WORK/$name.json" <<EOF
{
  "name": "$name",
  "model": { "name": "null", "params": { "n_times": 3 } },
  "parameters": [ { "name": "work", "values": [$values] } ],
  "design": { "type": "grid" },
  "replicates": $reps,
  "seed": 1
}
EOF
}

# field LINE REGEX: the first group of REGEX (sed -E) in LINE.
field() { sed -En "s|.*$2.*|\\1|p" <<<"$1"; }

# seconds TEXT: "12.3 s", "2 min 05 s" -> seconds.
seconds() {
    local t=$1
    if [[ $t =~ ^([0-9]+)\ min\ ([0-9]+)\ s$ ]]; then
        echo $((BASH_REMATCH[1] * 60 + 10#${BASH_REMATCH[2]}))
    else
        echo "${t% s}"
    fi
}

# 1. Lines (the default when stderr is a file), 4 equal runs of 1 CPU
#    seconds on 2 groups.  The first line comes before any run has finished
#    (seen in the file while the sweep runs), the second as soon as the
#    first run has finished (the interval, 100 s, is far away).
sweep equal 4 1.0
out="$WORK/equal.h5"
log="$WORK/equal.log"
mpi 3 "$SENDRIFT" run "$WORK/equal.json" -o "$out" --progress-interval 100 2>"$log" &
pid=$!
for _ in $(seq 2400); do
    grep -q "^sendrift: starting" "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the sweep ended before its first line"; }
    sleep 0.05
done
grep -qx "sendrift: starting 4 runs on 2 worker groups of 1 rank" "$log" \
    || { cat "$log" >&2; fail "no first line within 120 s"; }
grep -q "runs (" "$log" && { cat "$log" >&2; fail "a progress line before a run finished"; }
st=$(run_statuses "$out" | head -1)
[ "$st" = "0000" ] || fail "a run had finished ($st) when the first line appeared"
wait "$pid" || fail "the sweep failed (exit $?)"
cat "$log"
grep -q $'\r' "$log" && fail "lines mode wrote carriage returns"
[ -z "$(tail -c1 "$log")" ] || fail "the last line lacks its newline"
# The first line, then one progress line at the first finished run and one
# at the end, then the summary.
mapfile -t lines < <(grep -E "^sendrift: (starting|[0-9]+/4 runs|wrote)" "$log")
[ "${#lines[@]}" = 4 ] || fail "${#lines[@]} progress lines, wanted 4"
[ "${lines[0]}" = "sendrift: starting 4 runs on 2 worker groups of 1 rank" ] \
    || fail "first line: ${lines[0]}"
[[ ${lines[1]} =~ ^sendrift:\ [12]/4\ runs\ \(.*\):\ [12]\ done,\ 0\ failed\;\ .*\ runs/s,\ mean\ run\ .*\ s\;.*ETA ]] \
    || fail "second line, at the first finished run: ${lines[1]}"
[[ ${lines[2]} =~ ^sendrift:\ 4/4\ runs\ \(100.0%\):\ 4\ done,\ 0\ failed\;\ .*\ runs/s,\ mean\ run ]] \
    || fail "third line, at the end: ${lines[2]}"
[[ ${lines[3]} =~ ^sendrift:\ wrote ]] || fail "fourth line: ${lines[3]}"
# The numbers: the final mean run time is the file's mean wall_seconds; the
# rate at the first finished run counts both groups' work (a rate from the
# runs finished per second would see one group); rate x mean run never
# exceeds the 2 groups; the ETA is the runs left over the rate, less what
# the running runs have done (at most one run each).
means=$(HDF5_USE_FILE_LOCKING=FALSE $SD_PYTHON -c "
import sys, h5py
with h5py.File(sys.argv[1], 'r') as f:
    print(f['runs/wall_seconds'][:].mean())" "$out")
r1=$(field "${lines[1]}" '; ([0-9.e+-]+) runs/s')
m1=$(field "${lines[1]}" 'mean run ([0-9.e+-]+) s')
eta1=$(seconds "$(field "${lines[1]}" 'ETA (.*)$')")
left1=$((4 - $(field "${lines[1]}" '^sendrift: ([0-9]+)/')))
r2=$(field "${lines[2]}" '; ([0-9.e+-]+) runs/s')
m2=$(field "${lines[2]}" 'mean run ([0-9.e+-]+) s')
$SD_PYTHON - "$means" "$r1" "$m1" "$eta1" "$left1" "$r2" "$m2" <<'PY' || fail "progress numbers inconsistent: ${lines[*]}"
import sys
wall, r1, m1, eta1, left1, r2, m2 = map(float, sys.argv[1:])
print(f"file mean wall {wall:.4f} s; first: {r1} runs/s, mean {m1} s, ETA {eta1} s, {left1:.0f} "
      f"left; end: {r2} runs/s, mean {m2} s")
assert abs(m2 - wall) <= 0.006 * wall, "the final mean run is not the file's mean wall_seconds"
assert 1.5 <= r1 * m1 <= 2.02, "the first rate does not count the 2 busy groups"
assert 0 < r2 * m2 <= 2.02, "the final rate exceeds what 2 groups can do"
assert (left1 - 2) / r1 - 0.1 <= eta1 <= left1 / r1 + 0.1, "ETA is not the runs left over the rate"
PY

# 2. Cost hints: 2 long runs (handed out first) and 8 short ones.  When the
#    first long run has finished, the ETA follows the hints (the short runs
#    need little), not the mean run time of the runs finished so far.
sweep costs 1 0.8 0.81 0.05 0.051 0.052 0.053 0.054 0.055 0.056 0.057
expect_status 0 mpi 3 "$SENDRIFT" run "$WORK/costs.json" -o "$WORK/costs.h5" --progress=lines \
    --progress-interval 100
first=$(grep -m1 "runs/s" "$WORK/stderr") || { cat "$WORK/stderr" >&2; fail "no rate line"; }
echo "$first"
r=$(field "$first" '; ([0-9.e+-]+) runs/s')
m=$(field "$first" 'mean run ([0-9.e+-]+) s')
eta=$(seconds "$(field "$first" 'ETA (.*)$')")
left=$((10 - $(field "$first" '^sendrift: ([0-9]+)/')))
$SD_PYTHON - "$r" "$m" "$eta" "$left" <<'PY' || fail "the ETA ignores the cost hints: $first"
import sys
r, m, eta, left = map(float, sys.argv[1:])
# By counts the ETA would be about (left - 1) x mean / 2 groups; by the
# hints (0.8 + 8 x 0.05 left, one long run running) a fifth of that or less.
by_counts = (left - 1) * m / (r * m)
print(f"ETA {eta} s; by counts it would be {by_counts:.2f} s")
assert m > 0.5 and eta < 0.4 * by_counts
PY

# 3. none: no progress lines, but the notes (failed runs) and the summary.
expect_status 4 mpi 3 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$WORK/none.h5" --progress=none
expect_stderr "sendrift: run 1 failed: at t = 1: null model: sum 21 exceeds fail_above 15"
expect_stderr "wrote $WORK/none.h5: 12 runs, 6 done, 6 failed"
if grep -E "runs \(|starting|resuming|runs/s|\[[#-]{20}\]" "$WORK/stderr" | grep -v "^sendrift: wrote"; then
    fail "--progress=none printed progress"
fi

# 4. The bar, forced into a file: carriage-return updates, notes on lines of
#    their own (the bar cleared first), and a final newline.  The runs of
#    failing.json, slowed down to 0.2 CPU seconds each (a few bar updates).
sed 's/"fail_above": 15/"fail_above": 15, "work": 0.2/' "$E2E/sweeps/failing.json" >"$WORK/slowfail.json"
grep -q '"work": 0.2' "$WORK/slowfail.json" || fail "could not slow failing.json down"
expect_status 4 mpi 3 "$SENDRIFT" run "$WORK/slowfail.json" -o "$WORK/bar.h5" --progress=bar
$SD_PYTHON - "$WORK/stderr" <<'PY' || { cat -A "$WORK/stderr" >&2; fail "bad bar output"; }
import sys
text = open(sys.argv[1], encoding="utf-8", newline="").read()
clear = "\r\x1b[K"
assert text.endswith("\n"), "no final newline"
bars = text.count(clear + "sendrift: [")
assert bars >= 2, f"{bars} bar updates"
assert clear + "sendrift: [####################] 12/12 runs (100.0%), 6 failed" in text
for line in text.split("\n"):
    if " failed: " in line:
        # A note: on a line of its own, the bar cleared before it.
        assert line.startswith("sendrift: run") or clear + "sendrift: run" in line, line
        assert line.rsplit(clear, 1)[-1].startswith("sendrift: run "), line
notes = sum(1 for line in text.split("\n") if " failed: at t = 1" in line)
assert notes == 6, f"{notes} notes"
print(f"{bars} bar updates, {notes} notes on lines of their own")
PY

# 5. A terminal through mpirun: under a pseudo-terminal the default is the
#    bar, although the controller's stderr is a pipe to mpirun.
command -v script >/dev/null || fail "script (util-linux) is needed"
cmd=$(printf '%q ' $MPIEXEC -n 3 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$WORK/pty.h5")
timeout 300 script -qec "$cmd" /dev/null >"$WORK/pty.out" 2>&1 </dev/null || true
grep -qF $'\r\033[Ksendrift: [####################] 12/12 runs (100.0%), 6 failed' "$WORK/pty.out" \
    || { cat -A "$WORK/pty.out" >&2; fail "no bar on a terminal under mpirun"; }
grep -qF "wrote $WORK/pty.h5: 12 runs, 6 done, 6 failed" "$WORK/pty.out" \
    || { cat -A "$WORK/pty.out" >&2; fail "the sweep on a terminal did not finish"; }
# ... and a pipe to something else than mpirun is no terminal.
cmd=$(printf '%q ' $MPIEXEC -n 3 sh -c '"$0" "$@" 2>&1 | cat' "$SENDRIFT" run \
    "$E2E/sweeps/failing.json" -o "$WORK/pipe.h5")
timeout 300 script -qec "$cmd" /dev/null >"$WORK/pipe.out" 2>&1 </dev/null || true
grep -qF "12/12 runs (100.0%): 6 done, 6 failed" "$WORK/pipe.out" \
    || { cat -A "$WORK/pipe.out" >&2; fail "no progress lines through a pipe to cat"; }
grep -qF $'\033[K' "$WORK/pipe.out" && { cat -A "$WORK/pipe.out" >&2; fail "the bar went into a pipe to cat"; }

# 6. A bad value is refused, naming the option and the values it takes.
expect_status 2 mpi 1 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$WORK/bad.h5" --progress=foo
expect_stderr '--progress: "foo" is not one of bar, lines, none'
[ ! -e "$WORK/bad.h5" ] || fail "a refused command created its output file"
echo "progress: all checks passed"
