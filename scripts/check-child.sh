#!/usr/bin/env bash
# The code that runs after clone3 (addon/src/child) must be async-signal-safe: it may
# only reach the kernel through syscall() and a few libc functions that touch nothing
# but their arguments. Checked on the compiled objects, so inlined helpers and
# compiler-generated calls count too: any undefined symbol that is neither allowed
# below nor defined by another child object fails the build.
#
# The clone3 call itself lives in src/child/clone.cc, so the child's first instructions
# are checked too. And the addon must be linked with -z now: a lazily bound symbol would
# make the child run the dynamic linker (locks, malloc) on its first call through the PLT.
#
# usage: scripts/check-child.sh [OBJ_DIR]   (default: addon/build/Release/obj.target)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
obj_dir="${1:-$root/addon/build/Release/obj.target}"

# Async-signal-safe and needed: the raw syscall entry, errno's address (syscall() sets
# errno), the compiler's block copies, strlen, _exit, and the stack protector's abort.
allowed=(syscall __errno_location memcpy memset memmove memcmp strlen _exit __stack_chk_fail)

mapfile -t objects < <(find "$obj_dir" -path '*/src/child/*.o' -type f | sort)
if [ "${#objects[@]}" -eq 0 ]; then
  echo "check-child: no child objects under $obj_dir (build the addon first)" >&2
  exit 1
fi

declare -A ok=()
for s in "${allowed[@]}"; do ok[$s]=1; done
# Symbols the child objects define for each other (child_main calls rootfs_*, ...).
while read -r sym; do
  [ -n "$sym" ] && ok[$sym]=1
done < <(nm --defined-only --format=posix "${objects[@]}" 2>/dev/null | awk 'NF >= 2 && $2 ~ /^[TtWwVvRrDdBb]$/ {print $1}')

status=0
for o in "${objects[@]}"; do
  while read -r sym; do
    [ -z "$sym" ] && continue
    if [ -z "${ok[$sym]:-}" ]; then
      demangled="$(echo "$sym" | c++filt)"
      echo "check-child: ${o#"$root"/}: undefined symbol '$sym'${demangled:+ ($demangled)} is not async-signal-safe-allowed" >&2
      status=1
    fi
  done < <(nm -u --format=posix "$o" | awk '{print $1}')
done

if [ "$status" -ne 0 ]; then
  echo "check-child: child code may call only: ${allowed[*]} (see addon/src/child/sys.h)" >&2
  exit 1
fi
addon="$(dirname "$obj_dir")/tsrun.node"
if [ -f "$addon" ] && ! readelf -d "$addon" | grep -qE '\((FLAGS|FLAGS_1)\).*\bNOW\b|BIND_NOW'; then
  echo "check-child: $addon is not linked with -z now (lazy binding in the child)" >&2
  exit 1
fi
echo "check-child: ${#objects[@]} child objects clean, addon bound at load"
