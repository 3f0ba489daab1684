#!/bin/sh
# make-rootfs.sh OUTDIR PROBE
# Builds a minimal busybox rootfs in OUTDIR (recreated from scratch) with the probe at /probe and /bin/probe.
# Needs the host's static busybox (Debian package busybox-static) at /bin/busybox. No network.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 OUTDIR PROBE" >&2
    exit 2
fi
out=$1
probe=$2
busybox=${BUSYBOX:-/bin/busybox}

[ -f "$probe" ] || { echo "$0: probe binary '$probe' not found" >&2; exit 1; }
probe=$(cd "$(dirname "$probe")" && pwd)/$(basename "$probe")   # absolute: we cd below
[ -x "$busybox" ] || { echo "$0: $busybox not found (apt-get install busybox-static)" >&2; exit 1; }
case "$(file -bL "$busybox" 2>/dev/null || echo unknown)" in
    *"statically linked"*|unknown) ;;
    *) echo "$0: $busybox is not statically linked (install busybox-static)" >&2; exit 1 ;;
esac

# Refuse obviously dangerous targets before rm -rf.
case "$out" in
    ""|/|/bin|/etc|/usr|/var|/home|/root|/tmp|.|..) echo "$0: refusing OUTDIR '$out'" >&2; exit 1 ;;
esac
rm -rf "$out"
mkdir -p "$out"
cd "$out"

mkdir -p bin sbin etc dev proc sys tmp root run var/tmp home/tester usr/bin usr/sbin
chmod 1777 tmp var/tmp
chmod 700 root
cp "$busybox" bin/busybox
chmod 755 bin/busybox

# One symlink per applet, all in /bin (busybox --list prints bare names).
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "bin/$applet"
done

cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:tester:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > etc/group <<'EOF'
root:x:0:
wheel:x:10:root
tty:x:5:
tester:x:1000:
nogroup:x:65534:
EOF
chown 1000:1000 home/tester

cp "$probe" probe
cp "$probe" bin/probe
chmod 755 probe bin/probe
