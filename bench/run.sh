#!/bin/bash
# bench/run.sh (make bench): tsrun beside runc and crun, one hyperfine run per metric, so every
# ratio in a metric's rows comes from one run. Rows: tsrun on each engine make built
# (bin/tsrun-node; bin/tsrun-bun, Bun's executable, when Bun is installed), runc, crun, and
# the floors each engine starts from doing nothing (`node -e 0`, `bun -e 0`, `/bin/true`),
# timed in the metric's own shape (3 in a row for the cycle, 100 for the loop, 50 at once for
# the parallel creates).
#   run                  `run` of a bundle whose process is /bin/true
#   cycle                create && start && delete -f   (process: /probe sleep 10)
#   state                `state` of a created container
#   kill                 `kill ID KILL` of a created container, made again (untimed) by --prepare
#   list                 `list` of a root holding 1000 stopped containers: one made by the
#                        runtime (create, start, exited), copied 999 times (bench/list-root.ts)
#   create-500-mounts    `create` of a config with 500 bind mounts, deleted again by --prepare
#   run-100              100 sequential `run /bin/true` in one command (crun's README headline)
#   create-50-parallel   50 `create`s at once on one --root; failures counted (failures.tsv)
#   podman, ctr          `podman run --rm IMAGE true`, `ctr run --rm IMAGE ID true`: tsrun and
#                        runc under the engine tests' private engines (bench/engines.ts)
#   rss-create, rss-run  peak RSS (/usr/bin/time's maximum resident set size: the runtime's
#                        process and the children it waited for) of `create` and `run`
# Results: the hyperfine JSON exports and the RSS samples in bench/results/<date>/, the table
# in bench/results/<date>.md (printed at the end), copied into README.md between the bench
# markers. NODE_EXTRA_CA_CERTS is unset, as users run.
# crun 1.8 refuses a hybrid host's cgroups unless /sys/fs/cgroup/unified/cgroup.controllers
# reads empty, so the script re-runs itself in a private mount namespace (unshare -m) where an
# empty file is bind-mounted over it; every runtime is timed there, the host's mounts are never
# changed. Everything made (containers, cgroups under tsrun-test-bench-*, engines, the work
# directory) is removed at exit, also on SIGINT/SIGTERM.
# Env: TSRUN_NODE, TSRUN_BUN, RUNC, CRUN, BUN (executables, paths without spaces; BUN, for
# the floor, defaults to the one npm ci installed, else PATH's); RUNS (10), WARMUP (2),
# SLOW_RUNS (3, for the loop, the parallel creates and the 500 mounts); BENCH_OUT
# (bench/results); BENCH_README=0 leaves README.md alone.
set -euo pipefail
unset NODE_EXTRA_CA_CERTS

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: needs root" >&2; exit 1; }
if [ -z "${TSRUN_BENCH_NS:-}" ]; then
    exec env TSRUN_BENCH_NS=1 unshare -m --propagation private "$0" "$@"
fi

TSRUN_NODE=${TSRUN_NODE:-$repo/bin/tsrun-node}
TSRUN_BUN=${TSRUN_BUN:-$repo/bin/tsrun-bun}
RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
CRUN=${CRUN:-$(command -v crun || echo /usr/bin/crun)}
npm_bun=$repo/node_modules/@oven/bun-linux-x64/bin/bun
BUN=${BUN:-$( [ -x "$npm_bun" ] && echo "$npm_bun" || command -v bun || true)}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
SLOW_RUNS=${SLOW_RUNS:-3}
OUT=${BENCH_OUT:-$here/results}
day=$(date -u +%F)
raw=$OUT/$day
CG=tsrun-test-bench-$$
BENCH=(node "$repo/build/bench/bench.cjs")
# shellcheck source=bench/common.sh
. "$here/common.sh"

for tool in hyperfine /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -f "$repo/build/bench/bench.cjs" ] || { echo "bench/run.sh: build/bench/bench.cjs missing: run make bench" >&2; exit 1; }

work=$(mktemp -d /tmp/tsrun-bench-XXXX)
chmod 755 "$work"
rm -rf "$raw"
mkdir -p "$raw"

declare -A BIN=(["tsrun (node)"]=$TSRUN_NODE [runc]=$RUNC [crun]=$CRUN)
[ -x "$TSRUN_BUN" ] && BIN["tsrun (bun)"]=$TSRUN_BUN
declare -A FLOOR=([node -e 0]="node -e 0" [/bin/true]=/bin/true)
[ -n "$BUN" ] && FLOOR[bun -e 0]="$BUN -e 0"
runtimes=()
floors=("node -e 0")
[ -n "$BUN" ] && floors+=("bun -e 0")
floors+=(/bin/true)

# A runtime's files are named by a key without spaces or parentheses.
key() { echo "${1//[^a-z]/-}"; }

cleanup() {
    set +e
    for rt in "${runtimes[@]}"; do
        local k
        k=$(key "$rt")
        # The list root's copies share one container's cgroup: delete that one, drop the rest.
        ${BIN[$rt]} --root "$work/list-$k" delete -f l-0 >/dev/null 2>&1
        for id in $(ls "$work/root-$k" 2>/dev/null); do
            ${BIN[$rt]} --root "$work/root-$k" delete -f "$id" >/dev/null 2>&1 &
        done
        wait
    done
    remove_bench_cgroups
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# crun and the hybrid host, see above; only in this namespace.
if [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
    : >"$work/empty"
    mount --bind "$work/empty" /sys/fs/cgroup/unified/cgroup.controllers
fi

cp -a "$repo/build/rootfs" "$work/rootfs"
mkdir -p "$work/bind-source"

[ -x "$TSRUN_BUN" ] || echo "bench: no $TSRUN_BUN (make builds it where npm ci installed Bun): the Bun rows are skipped" >&2
for rt in "tsrun (node)" "tsrun (bun)" runc crun; do
    [ -n "${BIN[$rt]:-}" ] || continue
    k=$(key "$rt")
    set -- ${BIN[$rt]}
    if ! command -v "$1" >/dev/null; then echo "bench: skipping $rt: $1 not found" >&2; continue; fi
    mkdir -p "$work/root-$k"
    bundle "check-$k" "check-$k" '["/bin/true"]'
    if ! timeout 60 ${BIN[$rt]} --root "$work/root-$k" run --bundle "$work/b/check-$k" check </dev/null >"$work/check-$k.log" 2>&1; then
        echo "bench: skipping $rt: its run of a /bin/true bundle failed:" >&2
        tail -n 5 "$work/check-$k.log" | sed 's/^/    /' >&2
        ${BIN[$rt]} --root "$work/root-$k" delete -f check >/dev/null 2>&1 || true
        continue
    fi
    runtimes+=("$rt")
done
[ ${#runtimes[@]} -gt 0 ] || { echo "bench: no runtime works" >&2; exit 1; }

# Each runtime's bundles (a cgroupsPath each) and the containers the metrics start from.
for rt in "${runtimes[@]}"; do
    k=$(key "$rt") bin=${BIN[$rt]} R=$work/root-$k
    bundle "run-$k" "run-$k" '["/bin/true"]'
    bundle "cycle-$k" "cycle-$k" '["/probe","sleep","10"]'
    bundle "state-$k" "state-$k" '["/probe","sleep","10"]'
    bundle "kill-$k" "kill-$k" '["/probe","sleep","10"]'
    bundle "list-$k" "list-$k" '["/bin/true"]'
    bundle "m500-$k" "m500-$k" '["/bin/true"]' --binds 500 --bind-source "$work/bind-source"
    bundle "par-$k" "par-$k" '["/bin/true"]' --count 50
    $bin --root "$R" create --bundle "$work/b/state-$k" st </dev/null >/dev/null
    L=$work/list-$k
    $bin --root "$L" create --bundle "$work/b/list-$k" l-0 </dev/null >/dev/null
    $bin --root "$L" start l-0
    for _ in $(seq 100); do $bin --root "$L" state l-0 | grep -q '"stopped"' && break; sleep 0.05; done
    "${BENCH[@]}" list-root "$L" l-0 1000
    n=$($bin --root "$L" list -q | wc -l)
    [ "$n" = 1000 ] || echo "bench: $rt lists $n containers of 1000 in its list root" >&2
done

# One metric: the queued commands (add NAME CMD [PREPARE]) in one hyperfine run.
names=() cmds=() preps=()
add() { names+=("$1"); cmds+=("$2"); preps+=("${3:-true}"); }
metric() { # ID RUNS WARMUP
    local args=(-i --runs "$2" --warmup "$3" --export-json "$raw/$1.json") i
    # --prepare once per command, or not at all when none prepares anything.
    if [ -n "$(printf '%s\n' "${preps[@]}" | grep -vx true)" ]; then
        for i in "${!preps[@]}"; do args+=(--prepare "${preps[$i]}"); done
    fi
    for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    echo "bench: $1" >&2
    hyperfine "${args[@]}" || echo "bench: $1: hyperfine failed, its rows are missing" >&2
    names=() cmds=() preps=()
}
# The floors in the metric's shape: each FLOOR in SHAPE stands for the floor's command.
add_floors() { for f in "${floors[@]}"; do add "$f" "${1//FLOOR/${FLOOR[$f]}}"; done; }
each() { # RT: sets k, bin and R for it
    k=$(key "$1") bin=${BIN[$1]} R=$work/root-$k
}

for rt in "${runtimes[@]}"; do each "$rt"; add "$rt" "$bin --root $R run --bundle $work/b/run-$k run </dev/null"; done
add_floors FLOOR
metric run "$RUNS" "$WARMUP"

for rt in "${runtimes[@]}"; do
    each "$rt"
    add "$rt" "$bin --root $R create --bundle $work/b/cycle-$k cyc </dev/null >/dev/null && $bin --root $R start cyc && $bin --root $R delete -f cyc"
done
add_floors 'FLOOR && FLOOR && FLOOR'
metric cycle "$RUNS" "$WARMUP"

for rt in "${runtimes[@]}"; do each "$rt"; add "$rt" "$bin --root $R state st"; done
add_floors FLOOR
metric state "$RUNS" "$WARMUP"

for rt in "${runtimes[@]}"; do
    each "$rt"
    add "$rt" "$bin --root $R kill k KILL" \
        "$bin --root $R delete -f k >/dev/null 2>&1; $bin --root $R create --bundle $work/b/kill-$k k </dev/null >/dev/null"
done
add_floors FLOOR
metric kill "$RUNS" "$WARMUP"

for rt in "${runtimes[@]}"; do each "$rt"; add "$rt" "$bin --root $work/list-$k list"; done
add_floors FLOOR
metric list "$RUNS" "$WARMUP"

for rt in "${runtimes[@]}"; do
    each "$rt"
    add "$rt" "$bin --root $R create --bundle $work/b/m500-$k m500 </dev/null >/dev/null" \
        "$bin --root $R delete -f m500 >/dev/null 2>&1; true"
done
add_floors FLOOR
metric create-500-mounts "$SLOW_RUNS" 1

for rt in "${runtimes[@]}"; do
    each "$rt"
    add "$rt" "for i in \$(seq 100); do $bin --root $R run --bundle $work/b/run-$k loop </dev/null || exit 1; done"
done
add_floors 'for i in $(seq 100); do FLOOR || exit 1; done'
metric run-100 "$SLOW_RUNS" 0

for rt in "${runtimes[@]}"; do
    each "$rt"
    : >"$work/par-$k.failed"
    add "$rt" "for i in \$(seq 50); do ($bin --root $R create --bundle $work/b/par-$k-\$i par-\$i </dev/null >/dev/null 2>>$work/par-$k.err || echo \$i >>$work/par-$k.failed) & done; wait" \
        "for i in \$(seq 50); do $bin --root $R delete -f par-\$i >/dev/null 2>&1 & done; wait"
done
add_floors 'for i in $(seq 50); do FLOOR & done; wait'
metric create-50-parallel "$SLOW_RUNS" 1
for rt in "${runtimes[@]}"; do
    k=$(key "$rt")
    printf 'create-50-parallel\t%s\t%s\t%s\n' "$rt" "$(wc -l <"$work/par-$k.failed")" $((50 * (SLOW_RUNS + 1))) >>"$raw/failures.tsv"
    [ -s "$work/par-$k.err" ] && { echo "bench: $rt: parallel create errors (first 3):" >&2; sort "$work/par-$k.err" | uniq -c | sort -rn | head -n 3 >&2; }
done

# Peak RSS: RUNS samples of each command under /usr/bin/time (the last line of its -o file).
rss() { # ID NAME COMMAND [UNTIMED-AFTER]
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f %M -o "$work/rss" $3 </dev/null >/dev/null 2>&1 || true
        printf '%s\t%s\n' "$2" "$(tail -n 1 "$work/rss")" >>"$raw/$1.tsv"
        [ -z "${4:-}" ] || $4 >/dev/null 2>&1 || true
    done
}
echo "bench: peak RSS" >&2
for rt in "${runtimes[@]}"; do
    each "$rt"
    rss rss-create "$rt" "$bin --root $R create --bundle $work/b/run-$k rss" "$bin --root $R delete -f rss"
    rss rss-run "$rt" "$bin --root $R run --bundle $work/b/run-$k rss"
done
for f in "${floors[@]}"; do rss rss-create "$f" "${FLOOR[$f]}"; rss rss-run "$f" "${FLOOR[$f]}"; done

# The engines: tsrun on each engine, and runc.
engine_rows=()
for rt in "${runtimes[@]}"; do
    [ "$rt" = crun ] || engine_rows+=("$rt=${BIN[$rt]}")
done
"${BENCH[@]}" engines "$raw" "$RUNS" "$WARMUP" "${engine_rows[@]}" || echo "bench: an engine metric failed (above)" >&2

cat >"$raw/about.md" <<ABOUT
$(date -u '+%F %H:%M') UTC, $(nproc) cores, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;
node $(node --version), runc $($RUNC --version | head -n 1 | awk '{print $3}'), crun $($CRUN --version | head -n 1 | awk '{print $3}'), $(hyperfine --version)${BUN:+, bun $($BUN --version)}.
One hyperfine run per metric ($RUNS runs after $WARMUP warm-ups; $SLOW_RUNS for the 500 mounts, the 100 runs and the parallel creates);
"vs floor": against \`node -e 0\` (tsrun on Node), \`bun -e 0\` (tsrun on Bun), \`/bin/true\` (runc, crun), timed in the metric's shape.
ABOUT

md=$OUT/$day.md
echo
"${BENCH[@]}" summary "$raw" "$md"
[ "${BENCH_README:-1}" = 0 ] || "${BENCH[@]}" readme "$md" "$repo/README.md"
echo
echo "results: $md, $raw/"
