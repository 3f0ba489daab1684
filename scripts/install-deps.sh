#!/usr/bin/env bash
# Installs what building and testing tsrun needs on a Debian machine (as root), the one
# list for CI (.ci/run) and for a new machine (scripts/setup.sh): Node.js from the
# distribution's `nodejs` package, with its headers (node-gyp must never download any),
# the toolchains, runc (the reference the tests compare with), Go for the OCI validation
# suite, and the formatters. Then scripts/check-node.sh: one line and exit 1 when the
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
)
need=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's own nodejs leaves npm to a package of its own; NodeSource's carries it.
command -v npm >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends npm >/dev/null

scripts/check-node.sh
