#!/usr/bin/env bash
# The same sweep on 1, 2, 3, 4 or 5 ranks, with 1 or 2 ranks per simulation,
# gives bit-identical /design, /timeseries, /summary and /snapshots data;
# h5py reads the files without sendrift, and every value of the test models
# matches their formula.  drift_small runs the real model (a categorical
# tissue axis, a drug, snapshots split over the group's ranks).
source "$(dirname "$0")/lib.sh"

for sweep in null_grid ishigami_lhs drift_small; do
    ref="$WORK/$sweep.np1.P1.h5"
    mpi 1 "$SENDRIFT" run "$E2E/sweeps/$sweep.json" -o "$ref" --quiet
    $CHECK layout "$ref"
    model=$(sed -n 's/.*"model": { "name": "\([a-z_]*\)".*/\1/p' "$E2E/sweeps/$sweep.json")
    [ "$model" = drift ] || $CHECK values "$ref" "$model"
    for cfg in "2 1" "3 1" "4 1" "3 2" "4 2" "5 2"; do
        set -- $cfg
        out="$WORK/$sweep.np$1.P$2.h5"
        mpi "$1" "$SENDRIFT" run "$E2E/sweeps/$sweep.json" -o "$out" --ranks-per-sim "$2" --quiet
        $CHECK same "$ref" "$out"
    done
done
echo "1 passed, 0 failed"
