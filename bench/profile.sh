#!/bin/bash
# bench/profile.sh (make profile): where each tsrun command's time goes, on each engine make
# built. A container's life (run of /bin/true; create, state, start, kill KILL, delete -f of
# a `/probe sleep 10`) RUNS times with --debug: each command's step lines (src/log/trace.ts:
# "<step> at N ms of uptime", from "dispatched" to "done") and its wall time (bash's
# EPOCHREALTIME around it, so fork and exec are in it) go to one log per run; then CPU_RUNS
# times without --debug under the engine's CPU profiler (--cpu-prof, sampling every 100 us).
# bench.cjs profile turns them into one table per engine and command (median of each step's
# uptime and of its share; the wall time after the last step, outside the engine's clock)
# and the functions with the most self time.
# Results: bench/results/profile-<date>/ and bench/results/profile-<date>.md (printed).
# Env: TSRUN_NODE, TSRUN_BUN (executables); RUNS (20), CPU_RUNS (10), BENCH_OUT (bench/results).
# Everything made (containers, cgroups under tsrun-test-profile-*, the work directory) is
# removed at exit. NODE_EXTRA_CA_CERTS is unset, as users run.
set -euo pipefail
unset NODE_EXTRA_CA_CERTS

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
[ "$(id -u)" = 0 ] || { echo "bench/profile.sh: needs root" >&2; exit 1; }
[ -f "$repo/build/bench/bench.cjs" ] || { echo "bench/profile.sh: build/bench/bench.cjs missing: run make profile" >&2; exit 1; }

TSRUN_NODE=${TSRUN_NODE:-$repo/bin/tsrun-node}
TSRUN_BUN=${TSRUN_BUN:-$repo/bin/tsrun-bun}
RUNS=${RUNS:-20}
CPU_RUNS=${CPU_RUNS:-10}
OUT=${BENCH_OUT:-$here/results}
day=$(date -u +%F)
raw=$OUT/profile-$day
CG=tsrun-test-profile-$$
BENCH=(node "$repo/build/bench/bench.cjs")
# shellcheck source=bench/common.sh
. "$here/common.sh"

declare -A BIN=([node]=$TSRUN_NODE)
engines=(node)
if [ -x "$TSRUN_BUN" ]; then BIN[bun]=$TSRUN_BUN; engines=(bun node); fi

work=$(mktemp -d /tmp/tsrun-profile-XXXX)
chmod 755 "$work"
rm -rf "$raw"
mkdir -p "$raw"

cleanup() {
    set +e
    for e in "${engines[@]}"; do
        for id in $(ls "$work/root-$e" 2>/dev/null); do "${BIN[$e]}" --root "$work/root-$e" delete -f "$id" >/dev/null 2>&1; done
    done
    remove_bench_cgroups
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -a "$repo/build/rootfs" "$work/rootfs"

# One command of a run: its stderr (the step lines) and "wall MS" into LOG.
timed() { # LOG COMMAND...
    local log=$1 t0 t1
    shift
    t0=$EPOCHREALTIME
    "$@" </dev/null >/dev/null 2>"$log" || echo "profile: failed: $*" >>"$log"
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "wall %.3f\n", (b - a) * 1000 }' >>"$log"
}

# A container's life with --debug, each command's log DIR/COMMAND.N.log.
life() { # ENGINE DIR N
    local e=$1 bin="${BIN[$1]} --debug" dir=$2 n=$3 R=$work/root-$1
    timed "$dir/run.$n.log" $bin --root "$R" run --bundle "$work/b/run-$e" run
    timed "$dir/create.$n.log" $bin --root "$R" create --bundle "$work/b/life-$e" life
    timed "$dir/state.$n.log" $bin --root "$R" state life
    timed "$dir/start.$n.log" $bin --root "$R" start life
    timed "$dir/kill.$n.log" $bin --root "$R" kill life KILL
    timed "$dir/delete.$n.log" $bin --root "$R" delete -f life
}

# One command under its engine's CPU profiler, writing into DIR/ENGINE/cpu/COMMAND.
profiled() { # ENGINE COMMAND ARGS...
    local e=$1 c=$2
    shift 2
    local flags="--cpu-prof --cpu-prof-interval=100 --cpu-prof-dir=$raw/$e/cpu/$c" run
    # Bun's executable reads BUN_OPTIONS; Node refuses --cpu-prof there, so Node runs the
    # launcher script with the flags.
    if [ "$e" = bun ]; then run=(env "BUN_OPTIONS=$flags" "${BIN[$e]}"); else run=(node $flags "${BIN[$e]}"); fi
    "${run[@]}" --root "$work/root-$e" "$@" </dev/null >/dev/null 2>&1 || echo "profile: failed under the profiler: $e $*" >&2
}

for e in "${engines[@]}"; do
    mkdir -p "$work/root-$e" "$raw/$e"
    bundle "run-$e" "run-$e" '["/bin/true"]'
    bundle "life-$e" "life-$e" '["/probe","sleep","10"]'
    echo "profile: $e, $RUNS lives with --debug" >&2
    life "$e" "$raw/$e" 0 # a warm-up (page cache, code cache), not counted
    rm -f "$raw/$e"/*.0.log
    for n in $(seq "$RUNS"); do life "$e" "$raw/$e" "$n"; done
    echo "profile: $e, $CPU_RUNS lives under the CPU profiler" >&2
    for c in run create state start kill delete; do mkdir -p "$raw/$e/cpu/$c"; done
    for _ in $(seq "$CPU_RUNS"); do
        profiled "$e" run run --bundle "$work/b/run-$e" run
        profiled "$e" create create --bundle "$work/b/life-$e" life
        profiled "$e" state state life
        profiled "$e" start start life
        profiled "$e" kill kill life KILL
        profiled "$e" delete delete -f life
    done
done

cat >"$raw/about.md" <<ABOUT
$(date -u '+%F %H:%M') UTC, $(nproc) cores, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; node $(node --version)$([ -x "$TSRUN_BUN" ] && echo ", $($TSRUN_BUN --version | tail -n 1)").
Medians of $RUNS runs with --debug (after one warm-up); "at": ms of the engine's uptime when the step was logged; "since the step before": the median of each run's gap; "wall" includes bash's fork and exec. Self times: $CPU_RUNS runs without --debug under --cpu-prof (100 us sampling).
ABOUT

md=$OUT/profile-$day.md
"${BENCH[@]}" profile "$raw" "$md"
echo
echo "results: $md, $raw/"
