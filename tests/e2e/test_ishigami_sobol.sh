#!/usr/bin/env bash
# A Saltelli design of the Ishigami function, run on 3 ranks, gives the
# exact first-order and total indices when recomputed from the file.
source "$(dirname "$0")/lib.sh"
out="$WORK/ishigami.h5"
mpi 3 "$SENDRIFT" run "$E2E/sweeps/ishigami_sobol.json" -o "$out" --quiet
$CHECK layout "$out"
$CHECK values "$out" ishigami
$CHECK ishigami "$out"
echo "1 passed, 0 failed"
