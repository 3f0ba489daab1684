#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) to build and run tsrun: the packages it needs,
# the build, and the demo bundle at build/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: run as root" >&2; exit 1; fi
need=()
for p in busybox-static runc g++ make python3 clang-format; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
make
bundles/make-bundle.sh demo build/demo >/dev/null
