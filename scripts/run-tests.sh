#!/usr/bin/env bash
# Runs the tap suites given as directories or files and ends with one plain line:
# "N passed, N failed, N skipped" (tap's own summary counts assertions and skips).
set -uo pipefail
cd "$(dirname "$0")/.."
files=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$arg" -name '*.test.ts' | sort)
  else
    files+=("$arg")
  fi
done
log=$(mktemp /tmp/tsrun-tests.XXXXXX)
# test/oci (the OCI validation suite: fixed cgroup names, timing-sensitive) runs alone, after
# the files before it.
node_modules/.bin/tap --disable-coverage --reporter=tap --jobs="${TEST_JOBS:-2}" --timeout=600 --serial=test/oci "${files[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^# \{ total: ' "$log" | tail -n 1)
rm -f "$log"
num() { printf '%s\n' "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
total=$(num total); pass=$(num pass); fail=$(num fail); skip=$(num skip); todo=$(num todo)
[ -n "$summary" ] || fail=$((fail + 1))
# A file that crashed before its assertions counts as a failure even if tap's totals miss it.
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "${pass} passed, ${fail} failed, $((skip + todo)) skipped"
[ "$fail" -eq 0 ]
