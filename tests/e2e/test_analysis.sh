#!/usr/bin/env bash
# The analysis (analysis/sensitivity, report, figures) on files the C code
# wrote, which take each design point's block and role from the file
# (/design/block, /design/role):
#   sobol   Ishigami, second order: S1, ST and S2 against the exact values,
#           summary and over time;
#   morris  the null model, whose elementary effects are exact, and Ishigami,
#           against a direct computation from the file's design and outputs;
#   grid    the report's numbers against the file, with and without failed
#           runs; the figures; no indices for a grid.
source "$(dirname "$0")/lib.sh"
A="$SD_PYTHON $SD_SOURCE_DIR/analysis"
export MPLBACKEND=Agg

sobol="$WORK/sobol.h5"
mpi 1 "$SENDRIFT" run "$E2E/sweeps/ishigami_second_order.json" -o "$sobol" --quiet
$CHECK layout "$sobol"
$A/sensitivity "$sobol" --json "$WORK/sobol.json" >"$WORK/sobol.txt"
grep -q "^Saltelli blocks: 4096 used of 4096 (0 dropped" "$WORK/sobol.txt" \
    || { cat "$WORK/sobol.txt" >&2; fail "the table does not count 4096 blocks"; }
$A/sensitivity "$sobol" --over-time --json "$WORK/sobol_t.json" --quiet
$CHECK sobol-analysis "$sobol" "$WORK/sobol.json" "$WORK/sobol_t.json"

for m in null ishigami; do
    f="$WORK/morris_$m.h5"
    mpi 2 "$SENDRIFT" run "$E2E/sweeps/${m}_morris.json" -o "$f" --quiet
    $CHECK layout "$f"
    $A/sensitivity "$f" --json "$WORK/morris_$m.json" --quiet
    $CHECK morris-analysis "$f" "$WORK/morris_$m.json" "$m"
done

grid="$WORK/grid.h5"
mpi 2 "$SENDRIFT" run "$E2E/sweeps/null_grid.json" -o "$grid" --quiet
$A/report "$grid" -o "$WORK/report" >/dev/null
$CHECK report "$grid" "$WORK/report/report.md"
failing="$WORK/failing.h5"
expect_status 4 mpi 2 "$SENDRIFT" run "$E2E/sweeps/failing.json" -o "$failing" --quiet
$A/report "$failing" -o "$WORK/report_failing" >/dev/null
$CHECK report "$failing" "$WORK/report_failing/report.md"
$A/figures "$grid" -o "$WORK/figures" >/dev/null
for png in timeseries_value.png heatmap_sum_x1_x2.png; do
    head -c 8 "$WORK/figures/$png" | grep -q PNG || fail "figures drew no $png"
done
expect_status 1 $A/sensitivity "$grid"
expect_stderr "design type is 'grid': no sensitivity indices"
echo "1 passed, 0 failed"
