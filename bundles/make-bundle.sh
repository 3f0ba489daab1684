#!/bin/sh
# make-bundle.sh NAME OUTDIR
# Creates an OCI bundle: OUTDIR/config.json (from bundles/NAME/config.json) and OUTDIR/rootfs
# (a fresh `cp -a` copy of build/rootfs; run `make bundles` first). OUTDIR is recreated.
# Example (README): bundles/make-bundle.sh demo build/demo
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 NAME OUTDIR   (NAME: $(cd "$(dirname "$0")" && ls -d */ | tr -d / | tr '\n' ' '))" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
config=$here/$1/config.json
rootfs=${ROOTFS:-$repo/build/rootfs}
out=$2

[ -f "$config" ] || { echo "$0: no bundle named '$1' ($config missing)" >&2; exit 1; }
[ -f "$rootfs/.done" ] || [ -x "$rootfs/bin/busybox" ] || {
    echo "$0: $rootfs is not built; run 'make bundles' first" >&2; exit 1; }
case "$out" in
    ""|/|.|..) echo "$0: refusing OUTDIR '$out'" >&2; exit 1 ;;
esac

rm -rf "$out"
mkdir -p "$out"
cp "$config" "$out/config.json"
cp -a "$rootfs" "$out/rootfs"
rm -f "$out/rootfs/.done"
