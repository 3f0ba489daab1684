// Bad input: exit status 1, one clear line naming what is wrong, and nothing left behind
// (no state directory, cgroup, mount or process).
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);

const cases: { name: string; edit?: (s: Spec) => void; bundle?: (dir: string) => void; pattern: RegExp }[] = [
  {
    name: 'unknown device type in linux.resources.devices',
    edit: (s) => void s.linux!.resources!.devices!.push({ allow: true, type: 'x', major: 1, minor: 3, access: 'rwm' }),
    pattern:
      /^tsrun: .*config\.json: linux\.resources\.devices\[\d+\]\.type: unknown device type "x" \(want a, b or c\)$/,
  },
  {
    name: 'missing config.json',
    bundle: (d) => fs.rmSync(path.join(d, 'config.json')),
    pattern: /config\.json.*(no such file|not found)/,
  },
  {
    name: 'malformed config.json',
    bundle: (d) => fs.writeFileSync(path.join(d, 'config.json'), '{"ociVersion": "1.0.2",\n  "process": {'),
    pattern: /config\.json/,
  },
  {
    name: 'schema violation',
    edit: (s) => ((s.process as any).args = 'not-an-array'),
    pattern: /config\.json: process\.args/,
  },
  {
    name: 'missing rootfs',
    bundle: (d) => fs.rmSync(path.join(d, 'rootfs'), { recursive: true }),
    pattern: /root\.path/,
  },
  {
    name: 'unknown namespace type',
    edit: (s) => s.linux!.namespaces!.push({ type: 'foo' as any }),
    pattern: /linux\.namespaces\[\d+\]\.type: unknown namespace type "foo"/,
  },
  {
    name: 'duplicated namespace',
    edit: (s) => s.linux!.namespaces!.push({ type: 'pid' }),
    pattern: /linux\.namespaces\[\d+\]/,
  },
  {
    name: 'empty mount destination',
    edit: (s) => s.mounts!.push({ destination: '', type: 'tmpfs', source: 'tmpfs' }),
    pattern: /mounts\[\d+\]\.destination/,
  },
  {
    name: 'mapping without a user namespace',
    edit: (s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    pattern: /linux\.uidMappings/,
  },
  {
    name: 'mount source does not exist',
    edit: (s) =>
      s.mounts!.push({ destination: '/data', type: 'bind', source: '/nonexistent/tsrun', options: ['rbind'] }),
    pattern: /mounts\[\d+\]\.source/,
  },
  {
    name: 'args[0] not in the rootfs',
    edit: (s) => (s.process!.args = ['no-such-binary']),
    pattern: /exec: "no-such-binary": executable file not found in \$PATH/,
  },
  {
    name: 'absolute args[0] not in the rootfs',
    edit: (s) => (s.process!.args = ['/bin/nope']),
    pattern: /exec: "\/bin\/nope": stat \/bin\/nope: no such file or directory/,
  },
  {
    name: 'unknown capability',
    edit: (s) => s.process!.capabilities!.bounding!.push('CAP_FOO'),
    pattern: /process\.capabilities\.bounding\[\d+\]: unknown capability "CAP_FOO"/,
  },
  {
    name: 'rlimit the host refuses',
    edit: (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 50000, hard: 50000 }]),
    pattern: /process\.rlimits\[0\]/,
  },
  // Failures inside the child, after the cgroup and state directory exist: rollback.
  {
    name: 'mount of an unknown filesystem type',
    edit: (s) => s.mounts!.push({ destination: '/x', type: 'nosuchfs', source: 'none' }),
    pattern: /mount mounts\[\d+\] \(nosuchfs none on \/x\): no such device/,
  },
  {
    name: 'sysctl value the kernel refuses',
    edit: (s) => (s.linux!.sysctl = { 'net.ipv4.ip_forward': 'bogus' }),
    pattern: /linux\.sysctl\."net\.ipv4\.ip_forward": invalid argument/,
  },
  {
    name: 'namespace path of another type',
    edit: (s) =>
      (s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
        n.type === 'network' ? { type: 'network', path: '/proc/self/ns/uts' } : n,
      )),
    pattern: /linux\.namespaces\[\d+\] \(network namespace \/proc\/self\/ns\/uts\): invalid argument/,
  },
  {
    name: 'hostname without a uts namespace',
    edit: (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts')),
    pattern: /hostname/,
  },
  { name: 'cwd that is a file', edit: (s) => (s.process!.cwd = '/probe'), pattern: /cwd/ },
  {
    name: 'unknown linux.memoryPolicy.mode',
    edit: (s) => void (s.linux!.memoryPolicy = { mode: 'MPOL_NOPE', nodes: '0' }),
    pattern:
      /^tsrun: config\.json: linux\.memoryPolicy\.mode: unknown mode "MPOL_NOPE", expected one of MPOL_DEFAULT, /,
  },
  {
    name: 'unknown linux.memoryPolicy flag',
    edit: (s) => void (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_NOPE'] }),
    pattern: /^tsrun: config\.json: linux\.memoryPolicy\.flags\[0\]: unknown flag "MPOL_F_NOPE"/,
  },
  {
    name: 'linux.memoryPolicy mode that needs nodes, without them',
    edit: (s) => void (s.linux!.memoryPolicy = { mode: 'MPOL_BIND' }),
    pattern: /^tsrun: config\.json: linux\.memoryPolicy\.nodes: MPOL_BIND needs at least one node$/,
  },
  {
    name: 'linux.memoryPolicy mode that takes no nodes, with them',
    edit: (s) => void (s.linux!.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' }),
    pattern: /^tsrun: config\.json: linux\.memoryPolicy\.nodes: MPOL_LOCAL takes no nodes, got "0"$/,
  },
  {
    name: "linux.memoryPolicy node beyond the host's possible nodes (this host has node 0 only)",
    edit: (s) => void (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,63' }),
    pattern:
      /^tsrun: config\.json: linux\.memoryPolicy\.nodes: node 63 does not exist on this host \(possible nodes: 0\)$/,
  },
  {
    // Valid to the document rules; the kernel refuses it (balancing is for MPOL_BIND), so the
    // child fails after clone: the rollback of a started child.
    name: 'linux.memoryPolicy the kernel refuses (set_mempolicy EINVAL in the child)',
    edit: (s) =>
      void (s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_NUMA_BALANCING'] }),
    pattern: /^tsrun: set linux\.memoryPolicy \(set_mempolicy\): invalid argument$/i,
  },
  {
    name: 'linux.timeOffsets nanoseconds of a second or more',
    edit: (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { boottime: { secs: 1, nanosecs: 1_000_000_000 } };
    },
    pattern: /^tsrun: config\.json: linux\.timeOffsets\.boottime\.nanosecs: must be below 1000000000, got 1000000000$/,
  },
  {
    // Valid to the document rules; the kernel refuses a clock moved below zero when the
    // runtime writes the offsets: the rollback of a child waiting in its namespaces.
    name: 'linux.timeOffsets the kernel refuses (a monotonic clock below zero)',
    edit: (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: -1_000_000_000_000 } };
    },
    pattern: /^tsrun: write linux\.timeOffsets for pid \d+: /,
  },
  {
    // runtime-spec: no resctrl mounted where the runtime runs -> an error (this host has none).
    name: 'linux.intelRdt without resctrl on the host',
    edit: (s) => void (s.linux!.intelRdt = { l3CacheSchema: 'L3:0=f', enableMonitoring: true }),
    pattern: /^tsrun: config\.json: linux\.intelRdt: resctrl is not mounted on this host \(no Intel RDT or AMD QoS\)$/,
  },
];

for (const c of cases) {
  t.test(`create: ${c.name}`, async (t) => {
    const id = h.id('bad');
    const dir = h.bundle(id, c.edit);
    c.bundle?.(dir);
    h.expectRefused(t, id, h.cli(['create', '--bundle', dir, id]), c.pattern);
  });
}

t.test('create: a pid file that cannot be written (the last step) rolls back the ready child', async (t) => {
  const id = h.id('bad');
  h.expectRefused(
    t,
    id,
    h.cli(['create', '--pid-file', '/nonexistent/dir/pid', '--bundle', h.bundle(id), id]),
    /write pid file \/nonexistent\/dir\/pid: no such file or directory/,
  );
});

t.test('create: uid mappings the kernel refuses roll back the child in its user namespace', async (t) => {
  const id = h.id('bad');
  const dir = h.bundle(id, (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [
      { containerID: 0, hostID: 100000, size: 10 },
      { containerID: 5, hostID: 200000, size: 10 },
    ];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 10 }];
  });
  h.expectRefused(t, id, h.cli(['create', '--bundle', dir, id]), /write uid\/gid mappings .*: invalid argument/);
});

t.test('create: missing bundle', async (t) => {
  const id = h.id('bad');
  h.expectRefused(t, id, h.cli(['create', '--bundle', '/nonexistent/bundle', id]), /\/nonexistent\/bundle/);
});

t.test('duplicate container ID: refused, the first container unharmed', async (t) => {
  const id = h.id();
  t.equal(h.cli(['create', '--bundle', h.bundle(id), id]).code, 0);
  const before = JSON.parse(h.cli(['state', id]).stdout);
  const r = h.cli(['create', '--bundle', h.bundle(`${id}-2`), id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /container with id exists: /);
  const after = JSON.parse(h.cli(['state', id]).stdout);
  t.same(after, before, 'first container unchanged');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('unknown container ID, for each command', async (t) => {
  for (const args of [['start'], ['state'], ['kill'], ['delete'], ['kill', '--all']]) {
    const r = h.cli([...args, 'no-such-container']);
    t.equal(r.code, 1, `${args.join(' ')} exits 1`);
    t.match(r.stderr.trim(), /^tsrun: container does not exist: no-such-container$/);
  }
  t.equal(h.cli(['delete', '--force', 'no-such-container']).code, 0, 'delete --force of nothing succeeds, as runc');
});

t.test('unknown signal name', async (t) => {
  const id = h.id();
  t.equal(h.cli(['create', '--bundle', h.bundle(id), id]).code, 0);
  const r = h.cli(['kill', id, 'SIGFOO']);
  t.equal(r.code, 1);
  t.match(r.stderr.trim(), /^tsrun: unknown signal "SIGFOO"$/);
  t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'created', 'the container is untouched');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});
