# Sourced by bench/run.sh and bench/profile.sh, which set repo, work, CG (a cgroup name
# under tsrun-test-*) and BENCH (the command that runs build/bench/bench.cjs).

# A probe bundle in $work/b/DIR whose cgroupsPath is /$CG/CGROUP (bench.cjs bundle).
bundle() { # DIR CGROUP ARGS-JSON [bench.cjs bundle options]
    "${BENCH[@]}" bundle "$repo/bundles/probe/config.json" "$work/b/$1" --rootfs "$work/rootfs" \
        --cgroup "/$CG/$2" --args "$3" "${@:4}"
}

# The bench's cgroups in every hierarchy (v1's, and cgroup2's at the root on a pure v2
# host), deepest first (after its containers are deleted).
remove_bench_cgroups() {
    for h in /sys/fs/cgroup/ /sys/fs/cgroup/*/; do
        [ -d "$h$CG" ] && find "$h$CG" -depth -type d -exec rmdir {} + 2>/dev/null
    done
}
