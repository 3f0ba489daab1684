#!/usr/bin/env bash
# Installs what building and testing tsrun needs on a Debian machine (as root), the one
# list for CI (.ci/run) and for a new machine (scripts/setup.sh): Node.js from the
# distribution's `nodejs` package, with its headers (node-gyp must never download any),
# the toolchains, runc (the reference the tests compare with), Go for the OCI validation
# suite, the formatters, and the engines the end-to-end tests drive (test/engines: podman,
# containerd, dockerd, with their network plugins; no daemon is started). Then scripts/check-node.sh: one line and exit 1 when the
# Node.js found is too old or has no headers.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(
  nodejs            # the runtime's engine; its headers build the addon
  g++ make python3  # node-gyp
  busybox-static    # the test rootfs
  runc              # the reference implementation the tests compare with
  golang-go         # builds the OCI runtime-tools validation suite (../shared/runtime-tools)
  clang-format      # make lint, C and C++
  git               # make lint lists the tracked sources
  podman conmon containerd docker.io      # the engines of test/engines
  containernetworking-plugins iptables    # their container networks
  slirp4netns uidmap fuse-overlayfs umoci # podman's helpers; umoci makes OCI images
  catatonit                               # podman run --init
  hyperfine crun time                     # make bench: the timer, the other runtime, peak RSS
)
need=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ]; then
  # The engines' packages would start their daemons on the host: the tests run private
  # ones. A policy-rc.d that denies service starts, for this install only when none exists.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=true
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if $own_policy; then rm -f "$policy"; fi
fi
# Debian's own nodejs leaves npm to a package of its own; NodeSource's carries it.
command -v npm >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends npm >/dev/null

scripts/check-node.sh
