#!/usr/bin/env bash
# The Node.js package.json asks for (engines.node, ">=X.Y.Z"), and its headers (node-gyp
# builds the addon against /usr/include/node and must never download them). One line and
# exit 1 when either is missing. TSRUN_NODE_VERSION pretends another version (tests).
set -euo pipefail
cd "$(dirname "$0")/.."
wanted=$(node -p "require('./package.json').engines.node.replace(/^>=\\s*/, '')")
found=${TSRUN_NODE_VERSION:-$(node -p 'process.versions.node')}
if ! node -e "
  const [a, b] = [process.argv[1], process.argv[2]].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) process.exit((a[i] ?? 0) > (b[i] ?? 0) ? 0 : 1);
" "$found" "$wanted"; then
  echo "check-node: Node.js $found is installed; tsrun needs $wanted or newer (package.json engines.node)" >&2
  exit 1
fi
if [ ! -f /usr/include/node/node_api.h ]; then
  echo "check-node: Node.js headers missing (/usr/include/node/node_api.h); install the nodejs package that carries them (Debian: libnode-dev)" >&2
  exit 1
fi
