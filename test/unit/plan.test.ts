// spec -> InitPlan, pure: mount option tables, namespace order, devices, capabilities.
import t from 'tap';
import { buildInitPlan } from '../../src/plan/build';
import * as K from '../../src/plan/constants';
import { capabilityMask, planCapabilities, rlimitValue, searchPath } from '../../src/plan/creds';
import { planMounts, parseMountOptions } from '../../src/plan/mounts';
import { mountIdmap } from '../../src/plan/idmap';
import { entersNamespace, idMapText, planNamespaces } from '../../src/plan/namespaces';
import { MountTargetKind } from '../../src/plan/types';
import type { Spec } from '../../src/config/types';
import { ALL_CAPS, planContext } from '../helpers/plan-context';

const ALL = ALL_CAPS;
const ctx = planContext;

const base = (): Spec => ({
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  process: {
    args: ['sh'],
    cwd: '/',
    env: ['PATH=/usr/bin:/bin', 'A=1'],
    user: { uid: 1, gid: 2, additionalGids: [3] },
  },
  mounts: [],
  linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
});

t.test('mount options: flags set and cleared, propagation and data kept apart', async (t) => {
  const p = parseMountOptions(['nosuid', 'ro', 'rw', 'noexec', 'rslave', 'mode=755', 'size=1k', 'tmpcopyup']);
  t.equal(p.flags, K.MS_NOSUID | K.MS_NOEXEC);
  t.same(p.propagation, [K.MS_SLAVE | K.MS_REC]);
  t.same(p.data, ['mode=755', 'size=1k']);
  t.ok(p.copyUp, 'tmpcopyup: a copy, not data');
  t.notOk(parseMountOptions(['mode=755']).copyUp);
});

t.test('mount options: the recursive ones fold into one change, the last word winning', async (t) => {
  const p = parseMountOptions(['rro', 'rnosuid', 'rnoatime', 'rsuid', 'rstrictatime', 'rbind']);
  t.same(
    p.recursive,
    { set: 0x1 | 0x20, clr: 0x2 | 0x70 },
    'ro and strictatime set; nosuid and the atime field cleared',
  );
  t.same(parseMountOptions(['rro', 'rrw']).recursive, { set: 0, clr: 0x1 }, 'rrw after rro: cleared');
  t.same(parseMountOptions(['ratime']).recursive, { set: 0, clr: 0x70 }, 'ratime: the default, relatime');
  t.same(p.data, [], 'none of them is filesystem data');
  t.equal(p.flags, K.MS_BIND | K.MS_REC);
});

t.test('mount options: what an option clears is remembered until one sets it again', async (t) => {
  const p = parseMountOptions(['rw', 'suid', 'nosuid', 'exec', 'atime', 'dev']);
  t.equal(p.cleared, K.MS_RDONLY | K.MS_NOEXEC | 0x400 | K.MS_NODEV);
  t.equal(p.flags, K.MS_NOSUID);
  const b = planMounts([{ destination: '/d', type: 'bind', source: '/tmp', options: ['bind', 'rw', 'exec'] }], {
    ...ctx(base()),
    sysfsNeedsBind: false,
    cgroup2Direct: false,
  }).mounts[0]!;
  t.equal(b.remountFlags, 0, 'a flag change although nothing is set');
  t.equal(b.clearFlags, K.MS_RDONLY | K.MS_NOEXEC, 'rw and exec cleared on the bind');
  const plain = planMounts([{ destination: '/d', type: 'bind', source: '/tmp', options: ['rbind', 'rro'] }], {
    ...ctx(base()),
    sysfsNeedsBind: false,
    cgroup2Direct: false,
  }).mounts[0]!;
  t.equal(plain.remountFlags, -1, 'no per-mount change for a recursive option alone');
  t.equal(plain.recursiveAttrSet, 0x1);
});

t.test('mounts: bind source resolved against the bundle, remount carries ro', async (t) => {
  const r = planMounts([{ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'nosuid'] }], {
    ...ctx(base()),
    sysfsNeedsBind: false,
    cgroup2Direct: false,
  });
  const m = r.mounts[0]!;
  t.equal(m.source, '/b/data');
  t.equal(m.flags, K.MS_BIND | K.MS_REC);
  t.equal(m.remountFlags, K.MS_RDONLY | K.MS_NOSUID);
  t.ok(m.sourceIsPath);
  const f = planMounts([{ destination: '/etc/x.txt', source: '/h/x.txt', options: ['bind'] }], {
    ...ctx(base()),
    sysfsNeedsBind: false,
    cgroup2Direct: false,
  });
  t.equal(f.mounts[0]!.targetKind, MountTargetKind.File, 'a file source gets a file target');
  t.equal(f.mounts[0]!.remountFlags, -1, 'no remount when nothing but bind was asked');
});

t.test('mounts: a missing bind source names the mount entry', async (t) => {
  t.throws(
    () =>
      planMounts(
        [
          { destination: '/a', source: '/tmp' },
          { destination: '/x', type: 'bind', source: '/missing', options: ['bind'] },
        ],
        { ...ctx(base()), sysfsNeedsBind: false, cgroup2Direct: false },
      ),
    {
      code: 'ERR_TSRUN_CONFIG',
      message: /^config\.json: mounts\[1\]\.source: /,
    },
  );
});

t.test('mounts: cgroup on v1 is a writable tmpfs with one read-only bind per hierarchy (as runc)', async (t) => {
  const r = planMounts(
    [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'ro'] }],
    { ...ctx(base()), sysfsNeedsBind: false, cgroup2Direct: false },
  );
  t.same(
    r.mounts.map((m) => [m.fstype, m.destination]),
    [
      ['tmpfs', '/sys/fs/cgroup'],
      ['', '/sys/fs/cgroup/memory'],
    ],
  );
  t.notOk(r.mounts[0]!.flags & K.MS_RDONLY, 'the tmpfs stays writable');
  t.ok(r.mounts[1]!.remountFlags & K.MS_RDONLY, 'each hierarchy bind is read-only');
});

t.test('namespaces: user first among joins, new ones as clone flags', async (t) => {
  const spec = base();
  spec.linux!.namespaces = [
    { type: 'network', path: '/proc/1/ns/net' },
    { type: 'user', path: '/proc/1/ns/user' },
    { type: 'uts' },
  ];
  const ns = planNamespaces(spec);
  t.same(
    ns.joins.map((j) => [j.type, j.index]),
    [
      [K.CLONE_NEWUSER, 1],
      [K.CLONE_NEWNET, 0],
    ],
  );
  t.equal(ns.newNamespaces, K.CLONE_NEWUTS);
  t.notOk(ns.hasUserMappings);
  t.ok(entersNamespace(ns, K.CLONE_NEWNET), 'joined counts');
  t.ok(entersNamespace(ns, K.CLONE_NEWUTS), 'new counts');
  t.notOk(entersNamespace(ns, K.CLONE_NEWPID), "absent: the runtime's");
  t.equal(idMapText([{ containerID: 0, hostID: 100000, size: 65536 }]), '0 100000 65536\n');
});

t.test('plan: defaults, devices, symlinks, credentials', async (t) => {
  const spec = base();
  spec.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 8630 }];
  const { plan } = buildInitPlan(spec, ctx(spec));
  t.equal(plan.rootPropagation, K.MS_REC | K.MS_SLAVE, 'rslave by default: no mount leaks to the host');
  t.equal(plan.rootfsPropagation, 0, 'nothing after pivot_root unless asked');
  const priv = base();
  priv.linux!.rootfsPropagation = 'rprivate';
  const pp = buildInitPlan(priv, ctx(priv)).plan;
  t.same(
    [pp.rootPropagation, pp.rootfsPropagation],
    [K.MS_REC | K.MS_PRIVATE, K.MS_REC | K.MS_PRIVATE],
    'rprivate from the start',
  );
  t.equal(plan.umask, 0o022);
  t.same([plan.uid, plan.gid, plan.additionalGids], [1, 2, [3]]);
  t.same(plan.searchPath, ['/usr/bin', '/bin']);
  t.equal(
    plan.devices.find((d) => d.path === '/dev/fuse')?.mode,
    0o666,
    "podman's type bits are dropped from fileMode",
  );
  t.ok(plan.devices.some((d) => d.path === '/dev/null' && d.major === 1 && d.minor === 3));
  t.ok(plan.symlinks.some((s) => s.linkPath === '/dev/ptmx' && s.target === 'pts/ptmx'));
  t.same(
    plan.capabilities,
    { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
    'no capabilities object: all five sets empty, as runc and crun',
  );
});

t.test('plan: user namespace binds devices from the host instead of mknod', async (t) => {
  const spec = base();
  spec.linux!.namespaces!.push({ type: 'user' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  const { plan } = buildInitPlan(spec, ctx(spec));
  t.ok(plan.hasUserMappings);
  t.ok(plan.devices.every((d) => d.bindFromHost));
});

t.test('plan: session keyring "_ses.<id>" unless --no-new-keyring; search bit as runc sets it', async (t) => {
  const spec = base();
  const { plan } = buildInitPlan(spec, ctx(spec, { containerId: 'web-1' }));
  t.equal(plan.sessionKeyring, '_ses.web-1', 'a new session keyring named after the container');
  t.equal(plan.sessionKeyringPerm, 0x080000, 'KEY_USR_SEARCH without a user namespace');
  const kept = buildInitPlan(spec, ctx(spec, { containerId: 'web-1', newKeyring: false })).plan;
  t.equal(kept.sessionKeyring, null, '--no-new-keyring keeps the inherited keyring');
  const userns = base();
  userns.linux!.namespaces!.push({ type: 'user' });
  userns.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  t.equal(buildInitPlan(userns, ctx(userns)).plan.sessionKeyringPerm, 0x08, 'KEY_OTH_SEARCH with a new user namespace');
  const joined = base();
  joined.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' });
  t.equal(
    buildInitPlan(joined, ctx(joined)).plan.sessionKeyringPerm,
    0x08,
    'KEY_OTH_SEARCH with a joined user namespace',
  );
});

t.test('capabilities: masks, unavailable ones reported, ambient needs inheritable', async (t) => {
  t.equal(capabilityMask(['CAP_CHOWN', 'CAP_KILL'], ALL).mask, 0b100001n);
  const noResource = ALL & ~(1n << 24n);
  const r = planCapabilities(
    {
      args: [],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_SYS_RESOURCE', 'CAP_KILL'],
        permitted: ['CAP_KILL'],
        effective: [],
        inheritable: [],
        ambient: ['CAP_KILL'],
      },
    },
    noResource,
  );
  t.same(r.unavailable, ['CAP_SYS_RESOURCE']);
  t.equal(r.caps.bounding, 1n << 5n);
  t.equal(r.caps.ambient, 0n, 'ambient without inheritable is dropped, as runc and crun do');
  const none = planCapabilities({ args: [], cwd: '/' }, ALL);
  t.same(
    none,
    { caps: { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n }, unavailable: [] },
    'no process.capabilities: nothing granted',
  );
  const partial = planCapabilities({ args: [], cwd: '/', capabilities: { effective: ['CAP_KILL'] } }, ALL);
  t.same([partial.caps.bounding, partial.caps.effective], [0n, 1n << 5n], 'a set the object leaves out is empty');
});

t.test('rlimits: 2^64-1 from JSON is unlimited', async (t) => {
  // biome-ignore lint/correctness/noPrecisionLoss: JSON.parse gives 2^64-1 as this double
  t.equal(rlimitValue(18446744073709551615), 0xffffffffffffffffn);
  t.equal(rlimitValue(1024), 1024n);
  t.same(searchPath(['PATH=/a:/b', 'PATH=/c']), ['/c'], 'the last PATH wins, as in the process environment');
  t.same(searchPath(['PATH=:/a::/b:']), ['/a', '/b'], 'empty entries dropped (the addon refuses one)');
});

t.test('HOME from the container passwd when env has none (as runc), else kept', async (t) => {
  const spec = base();
  t.ok(buildInitPlan(spec, ctx(spec)).plan.env.includes('HOME=/home/bob'), 'uid 1 is bob');
  spec.process!.user = { uid: 7, gid: 7 };
  t.ok(buildInitPlan(spec, ctx(spec)).plan.env.includes('HOME=/'), 'unknown uid: /');
  spec.process!.env = ['HOME=/x'];
  t.same(buildInitPlan(spec, ctx(spec)).plan.env, ['HOME=/x']);
});

t.test('one entry per name: where it first appears, with its last value (runc sets each in turn)', async (t) => {
  const spec = base();
  spec.process!.env = ['PATH=/bin', 'A=1', 'B=2', 'A=3', 'HOME=/h', 'B', 'HOME=/i'];
  t.same(buildInitPlan(spec, ctx(spec)).plan.env, ['PATH=/bin', 'A=3', 'B', 'HOME=/i']);
  spec.process!.env = ['PATH=/a', 'PATH=/b'];
  const plan = buildInitPlan(spec, ctx(spec)).plan;
  t.same(plan.env, ['PATH=/b', 'HOME=/home/bob'], 'HOME added once');
  t.same(plan.searchPath, ['/b'], 'the lookup uses the value the process gets');
});

t.test("idmap: the mount's own mappings, else the container's; ridmap is recursive", async (t) => {
  const spec = base();
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  spec.mounts = [
    {
      destination: '/own',
      type: 'bind',
      source: '/s',
      options: ['rbind', 'ridmap'],
      uidMappings: [{ containerID: 1000, hostID: 5, size: 1 }],
      gidMappings: [{ containerID: 1000, hostID: 6, size: 1 }],
    },
    { destination: '/lent', type: 'bind', source: '/s', options: ['bind', 'idmap'] },
    { destination: '/plain', type: 'bind', source: '/s', options: ['rbind'] },
  ];
  t.same(mountIdmap(spec, 0), { uidMap: '1000 5 1\n', gidMap: '1000 6 1\n', recursive: true });
  t.same(mountIdmap(spec, 1), { uidMap: '0 100000 65536\n', gidMap: '0 200000 65536\n', recursive: false });
  t.equal(mountIdmap(spec, 2), null);
  const steps = planMounts(spec.mounts, { ...ctx(spec), sysfsNeedsBind: false, cgroup2Direct: false }).mounts;
  t.same(
    steps.map((m) => m.idmapped ?? false),
    [true, true, false],
    'the child is told which binds take only the runtime tree',
  );
  t.same(parseMountOptions(['rbind', 'ridmap']).data, [], 'not filesystem data');
});
