#!/usr/bin/env bash
# Formatting and lint of a git tree (default: this repository), changing nothing: Biome for
# TypeScript, JavaScript and JSON, clang-format for C and C++, knip for unused files, exports
# and dependencies, each configured by the tree's own biome.jsonc, .clang-format and
# knip.jsonc (a tree without knip.jsonc is not checked for unused code). Exit status 1 on
# any finding. `make format` fixes what it can.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "${1:-$repo}"
"$repo/node_modules/.bin/biome" ci --error-on-warnings --colors=off .
mapfile -t c_sources < <(git ls-files '*.c' '*.cc' '*.h')
if [ ${#c_sources[@]} -gt 0 ]; then
  clang-format --style=file --dry-run -Werror "${c_sources[@]}"
fi
if [ -f knip.jsonc ]; then
  "$repo/node_modules/.bin/knip" --no-progress
fi
