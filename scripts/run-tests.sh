#!/usr/bin/env bash
# Runs tap suites and ends with one plain line: "N passed, N failed, N skipped" (tap's own
# summaries count assertions and skips). Arguments are directories (every *.test.ts below)
# or files; `--jobs N` starts a group run N files at a time (default TEST_JOBS or 2), so
# suites that share host state (fixed cgroup names, the runtime's default root) run alone;
# `--env NAME=VALUE` starts a group whose files (and every later group's) see that variable
# (make test: a smoke subset with TSRUN_BIN naming the other engine's executable):
#   scripts/run-tests.sh test/unit test/integration --jobs 1 conformance
set -uo pipefail
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
log=$(mktemp /tmp/tsrun-tests.XXXXXX)
trap 'rm -f "$log"' EXIT

# Runs one group through tap and adds its totals.
run_group() {
  local jobs=$1
  shift
  [ $# -gt 0 ] || return 0
  env "${group_env[@]}" node_modules/.bin/tap --disable-coverage --reporter=tap --jobs="$jobs" --timeout=600 "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local summary
  summary=$(grep -E '^# \{ total: ' "$log" | tail -n 1)
  num() { printf '%s\n' "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
  local p f s t
  p=$(num pass) f=$(num fail) s=$(num skip) t=$(num todo)
  [ -n "$summary" ] || f=$((f + 1))
  # A file that crashed before its assertions counts as a failure even if tap's totals miss it.
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s + t))
}

jobs=${TEST_JOBS:-2}
files=()
group_env=()
while [ $# -gt 0 ]; do
  case $1 in
    --jobs)
      run_group "$jobs" "${files[@]}"
      files=()
      jobs=$2
      shift 2
      continue
      ;;
    --env)
      run_group "$jobs" "${files[@]}"
      files=()
      group_env+=("$2")
      shift 2
      continue
      ;;
  esac
  if [ -d "$1" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$1" -name '*.test.ts' | sort)
  else
    files+=("$1")
  fi
  shift
done
run_group "$jobs" "${files[@]}"
echo "${pass} passed, ${fail} failed, ${skip} skipped"
[ "$fail" -eq 0 ]
