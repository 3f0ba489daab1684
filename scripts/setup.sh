#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) to build and run tsrun: the packages it needs,
# the build, and the demo bundle at build/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: run as root" >&2; exit 1; fi
scripts/install-deps.sh
make
bundles/make-bundle.sh demo build/demo >/dev/null
