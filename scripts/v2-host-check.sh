#!/bin/bash
# Usage (from the repo root, with the device tool): build here with `make`, put a compressed
# node at .carry/node.xz (`xz -c /usr/bin/node > .carry/node.xz`), then run
# `bash scripts/v2-host-check.sh` there carrying .carry, dist, addon/build, build and
# node_modules/koffi. It prints what a pure cgroup v2 host shows; CI never runs it.
# Runs on the pure cgroup v2 device machine: real containers through bin/tsrun.
set -u
export PATH=/tmp/nodebin:$PATH
mkdir -p /tmp/nodebin && xz -dc .carry/node.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node
node --version; uname -r; cat /sys/fs/cgroup/cgroup.controllers; cat /sys/fs/cgroup/cgroup.subtree_control
ROOT=/tmp/tsr; B=/tmp/b
T=bin/tsrun
mk() { rm -rf $B; mkdir -p $B; cp -a build/rootfs $B/rootfs; node -e "
const c=require('./bundles/probe/config.json'); c.linux.cgroupsPath='/tsrun-test-v2/'+process.argv[1];
$2
require('fs').writeFileSync('$B/config.json', JSON.stringify(c));" $1; }
echo "== probe in a new cgroup ns, pids limit"
mk p1 "c.linux.resources.pids={limit:42};"
$T --root $ROOT run -b $B p1 > /tmp/p1.json; echo "rc=$?"
node -e "const p=require('/tmp/p1.json'); console.log('pid',p.pid,'cgroup',p.cgroup,'seccomp',p.seccomp); console.log((p.mounts||[]).filter(m=>m.mountPoint.startsWith('/sys/fs/cgroup')).map(m=>m.mountPoint+' '+m.fstype+' '+m.root+' '+m.options.join(',')).join('\n'))"
echo "== create/state/pids.max/kill --all/delete, no cgroup ns"
mk p2 "c.linux.namespaces=c.linux.namespaces.filter(n=>n.type!=='cgroup'); c.process.args=['/bin/sh','-c','sleep 100 & exec sleep 100']; c.linux.resources.pids={limit:42};"
$T --root $ROOT create -b $B p2; echo "create rc=$?"
$T --root $ROOT start p2; sleep 0.3
$T --root $ROOT state p2 | grep status
cat /sys/fs/cgroup/tsrun-test-v2/p2/pids.max /sys/fs/cgroup/tsrun-test-v2/p2/cgroup.procs
$T --root $ROOT kill --all p2 KILL; sleep 0.3; echo "procs after kill --all: $(cat /sys/fs/cgroup/tsrun-test-v2/p2/cgroup.procs | wc -l)"
$T --root $ROOT delete p2; echo "delete rc=$?"; ls -d /sys/fs/cgroup/tsrun-test-v2/p2 2>&1
echo "== user namespace"
mk p3 "c.linux.namespaces.push({type:'user'}); c.linux.uidMappings=[{containerID:0,hostID:100000,size:65536}]; c.linux.gidMappings=c.linux.uidMappings; c.mounts=c.mounts.filter(m=>m.destination!=='/sys'); c.mounts.find(m=>m.destination==='/dev/pts').options=['nosuid','noexec','newinstance','ptmxmode=0666','mode=0620'];"
chown -R 100000:100000 $B/rootfs
$T --root $ROOT run -b $B p3 | head -c 300; echo " rc=$?"
rmdir /sys/fs/cgroup/tsrun-test-v2 2>&1; ls /tmp/tsr
echo "== demo"; bundles/make-bundle.sh demo /tmp/demo >/dev/null && $T --root $ROOT run -b /tmp/demo demo | head -5
