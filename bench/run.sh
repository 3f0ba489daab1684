#!/bin/bash
# bench/run.sh: tsrun beside runc and crun, timed by hyperfine (one invocation, --warmup 3 --runs 20).
#   scenarios: run      foreground `run` of a bundle whose process is /bin/true (no terminal)
#              limits   the same with linux.resources: memory 64 MiB (swap too), cpu quota 50000/100000,
#                       pids 64 (what `podman run --memory 64m --cpus 0.5 --pids-limit 64` asks for)
#              cycle    create X && start X && delete -f X   (process: /probe sleep 10)
#              state    `state` of a created container
#   floor:     node -e 0
# Results: hyperfine markdown + JSON in $BENCH_OUT (default bench/results/), then a table of ratios
# (bench/ratios.mjs). If bin/tsrun does not work yet its rows are skipped with a message.
# crun 1.8 refuses this hybrid host's cgroups unless /sys/fs/cgroup/unified/cgroup.controllers reads
# empty, so the hyperfine invocation runs inside a private mount namespace (unshare -m) where an empty
# file is bind-mounted over it; the host's mounts are never changed. All three runtimes are timed in
# that same namespace so the numbers are comparable.
# Env: TSRUN (default bin/tsrun), RUNC (default runc), CRUN (default crun), RUNS (20), WARMUP (3).
set -euo pipefail
unset NODE_EXTRA_CA_CERTS

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
TSRUN=${TSRUN:-$repo/bin/tsrun}
RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
CRUN=${CRUN:-$(command -v crun || echo /usr/bin/crun)}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
OUT=${BENCH_OUT:-$here/results}
CG=tsrun-test-bench

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench/run.sh: hyperfine not installed" >&2; exit 1; }
[ -x "$repo/build/probe" ] && [ -f "$repo/build/rootfs/.done" ] || make -C "$repo" build/probe build/rootfs/.done >/dev/null

work=$(mktemp -d /tmp/tsrun-bench-XXXX)
chmod 755 "$work"
mkdir -p "$OUT"

declare -A BIN=([tsrun]=$TSRUN [runc]=$RUNC [crun]=$CRUN)
runtimes=()

cleanup() {
    set +e
    for rt in tsrun runc crun; do
        [ -d "$work/root-$rt" ] || continue
        for id in $(ls "$work/root-$rt" 2>/dev/null); do
            in_ns "${BIN[$rt]}" --root "$work/root-$rt" delete -f "$id" >/dev/null 2>&1
        done
    done
    for h in /sys/fs/cgroup/*/; do
        [ -d "$h$CG" ] && find "$h$CG" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT

# Run a command in the private mount namespace (crun's requirement, see above).
in_ns() {
    unshare -m --propagation private sh -c 'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; exec "$@"' "$work/empty" "$@"
}
: > "$work/empty"

# One shared rootfs; one config per (runtime, scenario) so cgroupsPaths never collide.
cp -a "$repo/build/rootfs" "$work/rootfs"
mkbundle() { # rt scenario args-json [resources-json]
    local dir=$work/b-$1-$2 resources=${4:-'{}'}
    mkdir -p "$dir"
    node -e '
        const fs = require("fs");
        const [base, out, rootfs, cg, args, resources] = process.argv.slice(1);
        const c = JSON.parse(fs.readFileSync(base, "utf8"));
        c.root.path = rootfs;
        c.process.args = JSON.parse(args);
        c.linux.cgroupsPath = cg;
        c.linux.resources = { ...c.linux.resources, ...JSON.parse(resources) };
        fs.writeFileSync(out, JSON.stringify(c, null, 2));
    ' "$repo/bundles/probe/config.json" "$dir/config.json" "$work/rootfs" "/$CG/$1-$2" "$3" "$resources"
    echo "$dir"
}

for rt in tsrun runc crun; do
    bin=${BIN[$rt]}
    if [ ! -x "$bin" ]; then echo "bench: skipping $rt: $bin not found" >&2; continue; fi
    mkdir -p "$work/root-$rt"
    b=$(mkbundle "$rt" check '["/bin/true"]')
    if ! in_ns timeout 60 "$bin" --root "$work/root-$rt" run --bundle "$b" "check-$rt" </dev/null >"$work/check-$rt.log" 2>&1; then
        echo "bench: skipping $rt rows: '$bin run' of a /bin/true bundle failed:" >&2
        tail -n 5 "$work/check-$rt.log" | sed 's/^/    /' >&2
        in_ns "$bin" --root "$work/root-$rt" delete -f "check-$rt" >/dev/null 2>&1 || true
        continue
    fi
    in_ns "$bin" --root "$work/root-$rt" delete -f "check-$rt" >/dev/null 2>&1 || true
    runtimes+=("$rt")
done
[ ${#runtimes[@]} -gt 0 ] || { echo "bench: no runtime works" >&2; exit 1; }

cmds=()
names=()
for rt in "${runtimes[@]}"; do
    bin=${BIN[$rt]}
    R="$work/root-$rt"
    brun=$(mkbundle "$rt" run '["/bin/true"]')
    blim=$(mkbundle "$rt" limits '["/bin/true"]' \
        '{"memory":{"limit":67108864,"swap":67108864},"cpu":{"quota":50000,"period":100000},"pids":{"limit":64}}')
    bcyc=$(mkbundle "$rt" cycle '["/probe","sleep","10"]')
    bst=$(mkbundle "$rt" state '["/probe","sleep","10"]')
    "$bin" --root "$R" delete -f "st-$rt" >/dev/null 2>&1 || true
    in_ns "$bin" --root "$R" create --bundle "$bst" "st-$rt" </dev/null >/dev/null 2>&1 \
        || { echo "bench: $rt: create for the state scenario failed" >&2; }
    names+=("$rt: run"); cmds+=("$bin --root $R run --bundle $brun run-$rt </dev/null >/dev/null")
    names+=("$rt: limits"); cmds+=("$bin --root $R run --bundle $blim lim-$rt </dev/null >/dev/null")
    names+=("$rt: cycle"); cmds+=("$bin --root $R create --bundle $bcyc cyc-$rt </dev/null >/dev/null && $bin --root $R start cyc-$rt && $bin --root $R delete -f cyc-$rt")
    names+=("$rt: state"); cmds+=("$bin --root $R state st-$rt >/dev/null")
done
names+=("node -e 0"); cmds+=("env -u NODE_EXTRA_CA_CERTS node -e 0")

args=(--warmup "$WARMUP" --runs "$RUNS" --export-markdown "$OUT/bench.md" --export-json "$OUT/bench.json")
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done

echo "bench: timing ${runtimes[*]} + node -e 0 (hyperfine --warmup $WARMUP --runs $RUNS)" >&2
in_ns env -u NODE_EXTRA_CA_CERTS hyperfine "${args[@]}"

node "$here/ratios.mjs" "$OUT/bench.json" | tee "$OUT/ratios.txt"
echo
echo "results: $OUT/bench.md $OUT/bench.json $OUT/ratios.txt"
