// `tsrun features` claims only what tsrun does: each claim is run here, one container per
// group. Every listed namespace is new in a container that asks for all; every listed mount
// option is accepted by `create` (flags on tmpfs, bind and remount on binds, propagation on
// binds, idmap on binds with mappings) and the ones mountinfo can show take effect; every
// option of runtime-spec's table is listed; every listed
// capability shows in CapBnd; every listed hook runs; every listed memory policy mode and flag
// is set; every listed seccomp flag and action is accepted by `create` on this kernel, an
// unknown flag is refused naming its entry. Seccomp names: test/unit/features.test.ts
// (with the kernel mocked for what this one has: a flag or action it lacks).
import * as fs from 'node:fs';
import { release } from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../../src/config/memory-policy';
import type { Mount, Seccomp, Spec } from '../../src/config/types';
import { loadValidators } from '../../src/config/validate';
import { chownForUserns, harness, hostNamespace, inUserNamespace, type Probe } from '../helpers/harness';
import { startSeccompAgent } from '../helpers/seccomp-agent';

const h = harness(t);
const features = JSON.parse(h.cli(['features']).stdout);
const listed = (option: string): boolean => features.mountOptions.includes(option);

/** The probe's report of the container of `bundle`, which must run. */
function probeOf(t: Test, bundle: string, id: string): Probe {
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, `runs: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const mountAt = (p: Probe, at: string) => (p.mounts as any[]).filter((m) => m.mountPoint === at).at(-1);

t.test('the document validates against our schema', async (t) => {
  t.ok(loadValidators().validateFeatures(features), 'features.schema.json');
  t.equal(features.ociVersionMax, '1.3.0');
});

t.test('every listed namespace is a new one in a container that asks for them all', async (t) => {
  const procName: Record<string, string> = { mount: 'mnt', network: 'net' };
  const id = h.id('feat-ns');
  const bundle = h.bundle(id, (s) => {
    s.linux!.namespaces = features.linux.namespaces
      .filter((type: string) => type !== 'user')
      .map((type: string) => ({ type }));
    if (features.linux.namespaces.includes('user')) inUserNamespace(s);
  });
  chownForUserns(bundle);
  const p = probeOf(t, bundle, id);
  t.ok(features.linux.namespaces.length >= 8, 'all eight of runtime-spec');
  for (const type of features.linux.namespaces) {
    const name = procName[type] ?? type;
    t.not(p.namespaces[name], hostNamespace(name), `${type}: its own`);
  }
});

t.test('every listed mount option is accepted, and those mountinfo shows take effect', async (t) => {
  const id = h.id('feat-mnt');
  const propagation = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable'];
  const onBind = ['bind', 'rbind', 'remount', 'idmap', 'ridmap'];
  const flags = features.mountOptions.filter((o: string) => !propagation.includes(o) && !onBind.includes(o));
  t.same(
    features.mountOptions.filter((o: string) => propagation.includes(o)).sort(),
    [...propagation].sort(),
    'the eight propagation options',
  );
  const mounts: { at: string; option: string; mount: Omit<Mount, 'destination'> }[] = [];
  for (const option of flags)
    mounts.push({ at: `/mnt/t-${option}`, option, mount: { type: 'tmpfs', source: 'tmpfs', options: [option] } });
  for (const option of onBind)
    mounts.push({
      at: `/mnt/b-${option}`,
      option,
      mount: {
        type: 'bind',
        source: 'data',
        options: option === 'rbind' ? ['rbind'] : ['bind', option],
        // An idmap maps through the mount's own mappings here (no user namespace).
        ...(option.endsWith('idmap')
          ? {
              uidMappings: [{ containerID: 0, hostID: 0, size: 65536 }],
              gidMappings: [{ containerID: 0, hostID: 0, size: 65536 }],
            }
          : {}),
      },
    });
  for (const option of propagation)
    mounts.push({
      at: `/mnt/p-${option}`,
      option,
      mount: { type: 'bind', source: 'data', options: ['rbind', option] },
    });
  // Per-mount flags on a bind are set after it is made (mount_setattr), the recursive ones
  // on it and every mount under it.
  const recursive = ['rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnoatime', 'rnodiratime', 'rnosymfollow'];
  for (const option of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime', 'nosymfollow', ...recursive])
    mounts.push({
      at: `/mnt/bf-${option}`,
      option,
      mount: { type: 'bind', source: 'data', options: ['rbind', option] },
    });
  const bundle = h.bundle(id, (s) => {
    for (const m of mounts) s.mounts!.push({ ...m.mount, destination: m.at });
  });
  fs.mkdirSync(path.join(bundle, 'data'));
  const p = probeOf(t, bundle, id);
  for (const m of mounts) t.ok(mountAt(p, m.at), `${m.at}: mounted with ${m.option}`);

  // What mountinfo shows: per-mount options, superblock options, peer groups.
  const perMount: Record<string, string> = {
    ro: 'ro',
    nosuid: 'nosuid',
    nodev: 'nodev',
    noexec: 'noexec',
    noatime: 'noatime',
    nodiratime: 'nodiratime',
    nosymfollow: 'nosymfollow',
    rro: 'ro',
    rnosuid: 'nosuid',
    rnodev: 'nodev',
    rnoexec: 'noexec',
    rnoatime: 'noatime',
    rnodiratime: 'nodiratime',
    rnosymfollow: 'nosymfollow',
  };
  for (const [option, shown] of Object.entries(perMount)) {
    t.ok(mountAt(p, `/mnt/t-${option}`)?.options.includes(shown), `tmpfs ${option}: ${shown}`);
    t.ok(mountAt(p, `/mnt/bf-${option}`)?.options.includes(shown), `bind ${option}: ${shown}`);
  }
  for (const option of ['sync', 'dirsync', 'lazytime'])
    t.ok(mountAt(p, `/mnt/t-${option}`)?.superOptions.includes(option), `tmpfs ${option}: a superblock option`);
  t.ok(mountAt(p, '/mnt/t-rw')?.options.includes('rw'), 'rw: rw');
  t.notOk(mountAt(p, '/mnt/t-strictatime')?.options.includes('relatime'), 'strictatime: not relatime');
  t.notOk(mountAt(p, '/mnt/t-rstrictatime')?.options.includes('relatime'), 'rstrictatime: not relatime');
  t.ok(mountAt(p, '/mnt/t-rrw')?.options.includes('rw'), 'rrw: rw');
  t.match(mountAt(p, '/mnt/p-shared')?.optional.join(' '), /shared:\d+/, 'shared: a peer group');
  t.ok(mountAt(p, '/mnt/p-unbindable')?.optional.includes('unbindable'), 'unbindable');
  t.same(mountAt(p, '/mnt/p-private')?.optional, [], 'private: no peer group');
});

t.test("every option of runtime-spec's table is listed; any other is filesystem data", async (t) => {
  // config.md, "Mount options" (runtime-spec 1.3).
  const spec = `async atime bind defaults dev diratime dirsync exec iversion lazytime loud mand noatime nodev
    nodiratime noexec noiversion nolazytime nomand norelatime nostrictatime nosuid nosymfollow private ratime
    rbind rdev rdiratime relatime remount rexec rnoatime rnodiratime rnoexec rnorelatime rnostrictatime rnosuid
    rnosymfollow ro rprivate rro rrw rshared rslave rstrictatime rsuid rsymfollow runbindable rw shared silent
    slave strictatime suid symfollow sync tmpcopyup unbindable idmap ridmap`.split(/\s+/);
  t.same(
    spec.filter((o) => !listed(o)),
    [],
    'none left out',
  );
  // Any other option is filesystem data, as runc passes it: the kernel judges it.
  const id = h.id('feat-data');
  const bundle = h.bundle(id, (s) => {
    s.mounts!.push({ type: 'tmpfs', source: 'tmpfs', destination: '/mnt', options: ['no-such-option'] });
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 1, 'an option tmpfs does not know: exit 1');
  t.match(
    r.stderr,
    /^tsrun: mount mounts\[\d+\] \(tmpfs tmpfs on \/mnt\): invalid argument\n$/,
    'the kernel refuses it',
  );
});

t.test("tmpcopyup is listed and copies the image's directory into the tmpfs", async (t) => {
  t.ok(listed('tmpcopyup'), 'listed');
  const id = h.id('feat-copyup');
  const bundle = h.bundle(id, (s) => {
    s.mounts!.push({ type: 'tmpfs', source: 'tmpfs', destination: '/etc', options: ['tmpcopyup'] });
    s.process!.args = ['/probe', 'stat', '/etc/passwd'];
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, `runs: ${r.stderr}`);
  t.equal(JSON.parse(r.stdout)['/etc/passwd'].type, 'file', "the image's /etc/passwd is in the tmpfs");
});

t.test('every listed capability is accepted and shows in CapBnd, where the host has it', async (t) => {
  const caps: string[] = features.linux.capabilities;
  const lastCap = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  t.equal(caps.length, lastCap + 1, "as many as this kernel's");
  // What the runtime itself lacks (this host's bounding set) it cannot grant: it warns.
  const hostBnd = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const id = h.id('feat-caps');
  const bundle = h.bundle(id, (s) => {
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, 'accepted');
  const p = JSON.parse(r.stdout);
  const want = ((1n << BigInt(caps.length)) - 1n) & hostBnd;
  t.equal(BigInt(`0x${p.capabilities.bounding}`), want, 'CapBnd has each of them the host has');
  t.equal(BigInt(`0x${p.capabilities.effective}`), want, 'CapEff too');
  caps.forEach((name, bit) => {
    if ((hostBnd & (1n << BigInt(bit))) === 0n)
      t.match(r.stderr, name, `${name}: the host lacks it, a warning says so`);
  });
});

t.test('every listed hook runs', async (t) => {
  const id = h.id('feat-hooks');
  const record = path.join(h.tmp, 'feat-hooks');
  fs.mkdirSync(record, { recursive: true });
  const bundle = h.bundle(id, (s: Spec) => {
    s.mounts!.push({ type: 'bind', source: record, destination: '/record', options: ['rbind'] });
    s.hooks = {};
    for (const kind of features.hooks as string[]) {
      // startContainer runs in the container, after pivot_root: it sees the bind mount.
      const dir = kind === 'startContainer' ? '/record' : record;
      (s.hooks as Record<string, unknown[]>)[kind] = [
        { path: '/bin/sh', args: ['sh', '-c', `echo ${kind} >> ${dir}/ran`] },
      ];
    }
  });
  probeOf(t, bundle, id);
  const ran = fs.readFileSync(path.join(record, 'ran'), 'utf8').trim().split('\n').sort();
  t.same(ran, [...features.hooks].sort(), 'each once');
  t.equal(features.hooks.length, 6, 'all six of runtime-spec');
});

t.test('every listed memory policy mode and flag is set, as get_mempolicy reads it inside', async (t) => {
  const { memoryPolicy } = features.linux;
  // The kernel is asked (MPOL_WEIGHTED_INTERLEAVE came last, in 6.9): from there, all.
  const [major, minor] = release().split('.').map(Number) as [number, number];
  if (major > 6 || (major === 6 && minor >= 9)) {
    t.same([...memoryPolicy.modes].sort(), Object.keys(MEMORY_POLICY_MODES).sort(), 'all seven of runtime-spec');
    t.equal(memoryPolicy.flags.length, 3, 'all three of runtime-spec');
  }
  const readBack = (policy: { mode: string; nodes?: string; flags?: string[] }): unknown => {
    const { result, probe } = h.probe((s) => void (s.linux!.memoryPolicy = policy), ['mempolicy']);
    t.equal(result.code, 0, `${JSON.stringify(policy)}: ${result.stderr}`);
    return probe;
  };
  for (const mode of memoryPolicy.modes as string[]) {
    // This host has node 0 only; a mode that takes no nodes gets none.
    const takesNodes = MEMORY_POLICY_MODES[mode]!.nodes !== 'forbidden';
    const want = { mode: MEMORY_POLICY_MODES[mode]!.value, nodes: takesNodes ? [0] : [] };
    t.same(readBack({ mode, ...(takesNodes ? { nodes: '0' } : {}) }), want, mode);
  }
  for (const flag of memoryPolicy.flags as string[]) {
    const want = { mode: MEMORY_POLICY_MODES.MPOL_BIND!.value | MEMORY_POLICY_FLAGS[flag]!, nodes: [0] };
    t.same(readBack({ mode: 'MPOL_BIND', nodes: '0', flags: [flag] }), want, `MPOL_BIND with ${flag}`);
  }
});

t.test('intelRdt is said enabled only where resctrl is mounted; elsewhere create refuses it', async (t) => {
  const mounted = fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' - resctrl ');
  t.same(features.linux.intelRdt, { enabled: mounted, schemata: mounted, monitoring: mounted });
  if (mounted) return;
  const id = h.id('feat-rdt');
  const bundle = h.bundle(id, (s) => void (s.linux!.intelRdt = { closID: 'x' }), { rootfs: false });
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(
    r.stderr,
    'tsrun: config.json: linux.intelRdt: resctrl is not mounted on this host (no Intel RDT or AMD QoS)\n',
  );
});

t.test('netDevices is said enabled: test/integration/net-devices.test.ts moves a veth end', async (t) => {
  t.same(features.linux.netDevices, { enabled: true });
});

t.test('what tsrun cannot do is said, and nothing is refused as not supported', async (t) => {
  t.same(
    features.linux.mountExtensions,
    { idmap: { enabled: true } },
    'idmapped mounts: test/integration/mount-options.test.ts',
  );
  t.same(features.potentiallyUnsafeConfigAnnotations, [], 'tsrun reads no annotation');
});

t.test('every listed seccomp flag and action is accepted by create on this kernel', async (t) => {
  const { seccomp } = features.linux;
  t.ok(seccomp.enabled, 'seccomp is enabled');
  // NOTIFY (and WAIT_KILLABLE_RECV, which needs it) hands a listener to an agent.
  const agent = await startSeccompAgent(path.join(h.tmp, 'feat-seccomp.sock'), 1, t);
  // Each action on a syscall the shell never makes; ALLOW is the default (its rule is
  // skipped, as runc), NOTIFY on mkdir, which the agent answers with EPERM.
  const unused = ['acct', 'swapon', 'swapoff', 'reboot', 'init_module', 'delete_module', 'kexec_load', 'syslog'];
  const syscalls = (seccomp.actions as string[]).map((action) => ({
    names: action === 'SCMP_ACT_NOTIFY' ? ['mkdir', 'mkdirat'] : [unused.pop()!],
    action: action as Seccomp['defaultAction'],
  }));
  const id = h.id('feat-seccomp');
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sh', '-c', 'mkdir /tmp/x 2>/dev/null; echo ran'];
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: agent.socket,
      flags: seccomp.supportedFlags,
      syscalls,
    };
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, `flags ${seccomp.supportedFlags.join(', ')}; ${syscalls.length} actions: ${r.stderr}`);
  t.equal(r.stdout, 'ran\n', 'the container ran under the filter');
  t.equal(agent.states().length, 1, 'the agent got the listener');
  t.ok(seccomp.supportedFlags.includes('SECCOMP_FILTER_FLAG_LOG'), 'LOG at least (Linux 4.14)');
  await agent.stop();
});

t.test('an unknown seccomp flag is refused by create, naming its entry', async (t) => {
  const id = h.id('feat-seccomp-flag');
  const bundle = h.bundle(id, (s) => {
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_TSYNC_ESRCH'],
    };
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1, 'exit 1');
  // The schema names the flags tsrun knows (compile.ts refuses the same, and those the
  // kernel lacks).
  t.match(
    r.stderr,
    /^tsrun: config\.json: linux\.seccomp\.flags\[1\]: must be one of "SECCOMP_FILTER_FLAG_TSYNC".*\n$/,
  );
  t.notOk(h.stateDirExists(id), 'nothing created');
});
