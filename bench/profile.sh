#!/usr/bin/env bash
# perf profiles of the drift model's step (a benchmark: it asserts nothing).
#   Usage: bench/profile.sh BUILD_DIR [OUT_PREFIX]
# Samples (perf record, cpu-clock: this VM has no hardware counters) one rank
# of bench_drift on 2-D 512^2 (DAYS2 simulated days, default 4) and 3-D 128^3
# (DAYS3, default 0.5) through the model class (--phases 0: create, with the
# fields' steady start, then the steps), and writes the functions with their
# share of the samples (self time, symbols at 0.3 % and more) to
# OUT_PREFIX-2d.txt and OUT_PREFIX-3d.txt (default: perf-<commit> in the
# current directory), each headed by the command, the commit and the load
# average.  CALLGRAPH=1 adds call graphs (--call-graph dwarf; larger and
# slower).  About 30 s on a 2-core machine.
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [OUT_PREFIX]}
B=$BUILD/bench/bench_drift
[ -x "$B" ] || { echo "profile.sh: $B is missing (build it first)" >&2; exit 2; }
command -v perf >/dev/null || { echo "profile.sh: perf is not installed (linux-perf)" >&2; exit 2; }
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
commit=$(git -C "${src:-.}" describe --always --dirty 2>/dev/null || echo unknown)
PREFIX=${2:-perf-$commit}
DAYS2=${DAYS2:-4}
DAYS3=${DAYS3:-0.5}
FREQ=${FREQ:-999}
CG=()
[ "${CALLGRAPH:-0}" = 1 ] && CG=(--call-graph dwarf)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Shares grouped by kernel, from the function names (so that renamed or
# split kernels of a later solver still land in their group; check the
# "largest in other" line for kernels the patterns miss).
group() {
    awk '
    match($0, /^ +[0-9.]+%/) {
        pct = substr($0, RSTART, RLENGTH); sub(/%/, "", pct); pct += 0
        if ($0 ~ /\[k\]/) { kern += pct; next }
        n = split($0, w, " "); sym = ""
        for (i = 1; i < n; i++) if (w[i] == "[.]") sym = w[i + 1]
        if (sym == "") next
        if (sym ~ /stream_triad/) { triad += pct; next }
        user += pct
        g = "other"
        if (sym ~ /smooth|sweep|colou?r|relax|gs_|jacobi/) g = "smoother"
        else if (sym ~ /resid/) g = "residual"
        else if (sym ~ /prolong/) g = "prolongation"
        else if (sym ~ /restrict/) g = "restriction"
        else if (sym ~ /memset|zero/) g = "memset"
        else if (sym ~ /lu_|_lu|coarse/) g = "coarse solve"
        else if (sym ~ /^sd_mg_|^sd_fields|^mg_|fields|vcycle|correct|slab|refine/) g = "other multigrid"
        else if (sym ~ /event|rng|philox/) g = "events (incl. Philox)"
        else if (sym ~ /ode|expm1|exp/) g = "ode (incl. expm1)"
        else if (sym ~ /halo|MPI|mca_|opal_|ompi_/) g = "MPI and halos"
        share[g] += pct
        if (g == "other" && nother < 6) others = others (nother++ ? ", " : "") sym " " pct "%"
    }
    END {
        fs = share["smoother"] + share["residual"] + share["prolongation"] + share["restriction"] + share["memset"] + share["coarse solve"] + share["other multigrid"]
        printf "#   %-24s %8s %10s\n", "group", "% user", "% solver"
        split("smoother residual prolongation restriction memset coarse_solve other_multigrid events_(incl._Philox) ode_(incl._expm1) MPI_and_halos other", order, " ")
        for (i = 1; i <= 11; i++) {
            g = order[i]; gsub(/_/, " ", g)
            if (!(g in share)) continue
            solver = (i <= 7 && fs > 0) ? sprintf("%9.1f%%", 100 * share[g] / fs) : "         -"
            printf "#   %-24s %7.1f%% %s\n", g, 100 * share[g] / user, solver
        }
        printf "#   (field solver: %.1f %% of the user samples; left out: kernel %.1f %%, triad %.1f %% of all samples)\n", 100 * fs / user, kern, triad
        if (others != "") printf "#   largest in \"other\" (%% of all samples): %s\n", others
    }'
}

for c in "2d --n2 512 --n3 0 --days $DAYS2" "3d --n2 0 --n3 128 --days $DAYS3"; do
    read -r tag args <<<"$c"
    read -ra args <<<"$args"
    cmd=(perf record -e cpu-clock -F "$FREQ" "${CG[@]}" -o "$TMP/$tag.data" -- "$B" "${args[@]}" --reps 1 --phases 0 --stream-mb 16)
    out="$PREFIX-$tag.txt"
    {
        echo "# bench/profile.sh: commit $commit, build $BUILD, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores"
        echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# \$ ${cmd[*]}"
    } >"$out"
    "${cmd[@]}" >"$TMP/$tag.bench.txt" 2>"$TMP/$tag.perf.err"
    {
        echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# bench: $(grep -E '^d[23]_n[0-9]+_P1: ' "$TMP/$tag.bench.txt" | head -1)"
        grep -h 'samples' "$TMP/$tag.perf.err" | sed 's/^/# perf: /' || true
        echo "#"
        echo "# self time by function (perf report --no-children --sort symbol --percent-limit 0.3)"
        perf report -i "$TMP/$tag.data" --stdio --no-children --sort symbol --percent-limit 0.3 2>/dev/null |
            grep -v '^$'
        echo "#"
        echo "# grouped, in % of the user-space samples outside the benchmark's STREAM triad"
        echo "# (kernel samples, [k], are mostly page faults of the allocations and MPI),"
        echo "# and in % of the field solver's samples (sd_mg_*, sd_fields_*, memset):"
        perf report -i "$TMP/$tag.data" --stdio --no-children --sort symbol 2>/dev/null | group
        echo "#"
        echo "# by shared object (perf report --no-children --sort dso)"
        perf report -i "$TMP/$tag.data" --stdio --no-children --sort dso --percent-limit 0.3 2>/dev/null |
            grep -v '^#' | grep -v '^$'
    } >>"$out"
    echo "profile.sh: $out"
    grep -E '^ +[0-9.]+%' "$out" | head -12
done
