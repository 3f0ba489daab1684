#!/usr/bin/env node
// A deliberately broken runtime, to show the suite's assertions can fail:
//   RUNTIME=conformance/lib/mutant.mjs MUTANT_REAL=/usr/sbin/runc MUTANT_MODE=config|lenient|fail tap ...
// config:  drops or alters most of config.json (hostname, user, rlimits, sysctl, devices, masked and
//          readonly paths, extra mounts, namespace paths, mappings...) before calling the real runtime
// lenient: the real runtime, but every failing command reports success (exit 0)
// fail:    does nothing and exits 1 (except --version)
// misc:    create also starts; kill always sends KILL; the pid file is off by one; delete also
//          removes every tsrun-test-conf-* cgroup tree it can (parents and foreign ones too)
// nodelete: `delete` without --force does nothing and exits 0
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const real = process.env.MUTANT_REAL || '/usr/sbin/runc';
const mode = process.env.MUTANT_MODE || 'config';
const argv = process.argv.slice(2);
if (mode === 'fail' && !argv.includes('--version')) process.exit(1);

const sub = argv.find(
  (a, i) => !a.startsWith('-') && !(i > 0 && ['--root', '--log', '--log-format'].includes(argv[i - 1])),
);
if (mode === 'config' && (sub === 'create' || sub === 'run')) {
  const bi = argv.findIndex((a) => a === '--bundle' || a === '-b');
  const bundle = bi >= 0 ? resolve(argv[bi + 1]) : process.cwd();
  const file = join(bundle, 'config.json');
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    if (c.hostname) c.hostname = 'mutant';
    delete c.domainname;
    if (c.process) {
      c.process.user = { uid: 0, gid: 0 };
      delete c.process.oomScoreAdj;
      c.process.rlimits = [];
      c.process.env = (c.process.env || []).filter((e) => e.startsWith('PATH='));
      c.process.cwd = '/';
      c.process.noNewPrivileges = false;
      if (c.process.capabilities)
        c.process.capabilities.bounding = [...c.process.capabilities.bounding, 'CAP_SYS_ADMIN'];
      if ((c.process.args || [])[0] === 'probe') c.process.args[0] = '/probe';
    }
    if (c.root) c.root.readonly = false;
    const si = (c.mounts || []).findIndex((m) => m.destination === '/sys');
    const qi = (c.mounts || []).findIndex((m) => m.destination === '/dev/mqueue');
    if (si >= 0 && qi >= 0) [c.mounts[si], c.mounts[qi]] = [c.mounts[qi], c.mounts[si]];
    c.mounts = (c.mounts || []).filter(
      (m) => m.destination !== '/tmp' && m.type !== 'bind' && !(m.options || []).includes('bind'),
    );
    delete c.annotations;
    if (c.linux) {
      delete c.linux.sysctl;
      delete c.linux.devices;
      delete c.linux.rootfsPropagation;
      delete c.linux.resources;
      c.linux.maskedPaths = [];
      c.linux.readonlyPaths = [];
      c.linux.namespaces = (c.linux.namespaces || []).filter(
        (n) => !n.path && !['user', 'cgroup', 'ipc', 'network', 'pid'].includes(n.type),
      );
      if (!c.linux.namespaces.some((n) => n.type === 'uts')) c.linux.namespaces.push({ type: 'uts' });
      if (!c.linux.namespaces.some((n) => n.type === 'mount')) c.linux.namespaces.push({ type: 'mount' });
      delete c.linux.uidMappings;
      delete c.linux.gidMappings;
    }
    writeFileSync(file, JSON.stringify(c));
  }
}
if (mode === 'nodelete' && sub === 'delete' && !argv.includes('--force') && !argv.includes('-f')) process.exit(0);
if (mode === 'misc' && sub === 'kill') {
  const k = argv.indexOf('kill');
  const rest = argv.slice(k + 1).filter((a) => !a.startsWith('-'));
  argv.splice(k + 1, argv.length, ...argv.slice(k + 1).filter((a) => a.startsWith('-')), rest[0] ?? '', 'KILL');
}
const r = spawnSync(real, argv, { stdio: 'inherit' });
if (mode === 'misc' && sub === 'create' && r.status === 0) {
  const id = argv[argv.length - 1];
  const ri = argv.indexOf('--root');
  spawnSync(real, [...(ri >= 0 ? ['--root', argv[ri + 1]] : []), 'start', id], { stdio: 'inherit' });
  const pi = argv.indexOf('--pid-file');
  if (pi >= 0 && existsSync(argv[pi + 1]))
    writeFileSync(argv[pi + 1], String(Number(readFileSync(argv[pi + 1], 'utf8')) + 1));
}
if (mode === 'misc' && sub === 'delete') {
  spawnSync('sh', [
    '-c',
    'for d in /sys/fs/cgroup/*/tsrun-test-conf-*; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done; true',
  ]);
}
process.exit(mode === 'lenient' ? 0 : (r.status ?? 1));
