#!/usr/bin/env bash
# Runs test/integration/cgroup-v2-host.test.ts, and nothing else, on a lent pure cgroup v2
# machine (DESIGN.md section 6). CI never runs it: its host is hybrid, where that file is
# skipped in one line. The lent machine is bare, so prepare here once, from the repo root:
#   make
#   mkdir -p .carry && xz -T0 -c "$(command -v node)" > .carry/node.xz
#   tar -cJf .carry/node_modules.tar.xz --exclude=node_modules/@biomejs \
#     --exclude=node_modules/@esbuild --exclude=node_modules/esbuild \
#     --exclude=node_modules/knip --exclude=node_modules/@typescript node_modules
# then run `bash scripts/v2-host-check.sh` there with the device tool, carrying .carry, dist,
# addon/build and build (about 45 MiB together).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d /tmp/tsrun-v2-node.XXXXXX)
xz -dc .carry/node.xz > "$bin/node"
chmod +x "$bin/node"
export PATH="$bin:$PATH"
[ -d node_modules ] || tar -xJf .carry/node_modules.tar.xz
exec node_modules/.bin/tap --disable-coverage --reporter=tap --timeout=600 test/integration/cgroup-v2-host.test.ts
