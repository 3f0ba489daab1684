// Each config field, checked from inside the container by the probe.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import {
  chownForUserns,
  type Harness,
  harness,
  hostNamespace,
  inUserNamespace,
  waitFor,
  type Probe,
} from '../helpers/harness';

const h = harness(t);

function probe(t: any, edit?: Parameters<Harness['probe']>[0], args: string[] = []): Probe {
  const { result, probe } = h.probe(edit, args);
  t.equal(result.code, 0, `run succeeded: ${result.stderr}`);
  if (!probe) throw new Error(`no probe output: ${result.stdout} ${result.stderr}`);
  return probe;
}

const mount = (p: Probe, at: string) => (p.mounts as any[]).filter((m) => m.mountPoint === at).at(-1);
const capBits = (hex: string) => BigInt(`0x${hex}`);

t.test('defaults of the probe bundle: pid 1, root user, cwd, env, args', async (t) => {
  const p = probe(t);
  t.equal(p.pid, 1);
  t.same([p.uid, p.gid, p.euid, p.egid], [0, 0, 0, 0]);
  t.equal(p.cwd, '/');
  t.same(p.args, ['/probe']);
  t.ok(p.env.includes('TERM=xterm'));
  t.equal(p.umask, 0o022, "runc's default umask");
  t.same(p.openFds, [0, 1, 2]);
  t.equal(p.seccomp, 0);
});

t.test('hostname and domainname', async (t) => {
  const p = probe(t, (s) => {
    s.hostname = 'box-1';
    s.domainname = 'example.test';
  });
  t.equal(p.hostname, 'box-1');
  t.equal(p.domainname, 'example.test');
});

t.test('process.user: uid, gid, additionalGids, umask; cwd; env; args', async (t) => {
  const p = probe(t, (s) => {
    s.process!.user = { uid: 1000, gid: 1000, additionalGids: [10, 5], umask: 0o077 };
    s.process!.cwd = '/tmp';
    s.process!.env = ['PATH=/bin', 'HELLO=world'];
    s.process!.args = ['probe'];
  });
  t.same([p.uid, p.euid, p.gid, p.egid], [1000, 1000, 1000, 1000]);
  t.same(
    [...p.groups].sort((a: number, b: number) => a - b),
    [5, 10],
  );
  t.equal(p.umask, 0o077);
  t.equal(p.cwd, '/tmp');
  t.same(p.env, ['PATH=/bin', 'HELLO=world', 'HOME=/home/tester'], 'HOME added from /etc/passwd, as runc');
  t.same(p.args, ['probe'], 'args[0] found through PATH');
});

t.test('capabilities: all five sets (non-root, so execve keeps exactly what was set)', async (t) => {
  const p = probe(t, (s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.process!.capabilities = {
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW', 'CAP_SETPCAP'],
      permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      inheritable: ['CAP_KILL', 'CAP_NET_RAW'],
      ambient: ['CAP_KILL'],
    };
  });
  const bit = (n: number) => 1n << BigInt(n);
  t.equal(capBits(p.capabilities.bounding), bit(0) | bit(5) | bit(13) | bit(8));
  t.equal(capBits(p.capabilities.inheritable), bit(5) | bit(13));
  t.equal(capBits(p.capabilities.ambient), bit(5));
  // execve by a non-root user: permitted and effective become the ambient set.
  t.equal(capBits(p.capabilities.permitted), bit(5));
  t.equal(capBits(p.capabilities.effective), bit(5));
});

t.test('capabilities for root: bounded by the bounding set', async (t) => {
  const p = probe(t, (s) => {
    s.process!.capabilities = {
      bounding: ['CAP_CHOWN', 'CAP_KILL'],
      permitted: ['CAP_CHOWN', 'CAP_KILL'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      inheritable: [],
      ambient: [],
    };
  });
  t.equal(capBits(p.capabilities.bounding), 0b100001n);
  t.equal(capBits(p.capabilities.effective), 0b100001n);
});

t.test('capabilities for a non-root user stay with it', async (t) => {
  const p = probe(t, (s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.process!.capabilities = {
      bounding: ['CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_NET_BIND_SERVICE'],
      effective: ['CAP_NET_BIND_SERVICE'],
      inheritable: ['CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_NET_BIND_SERVICE'],
    };
  });
  t.equal(capBits(p.capabilities.effective), 1n << 10n);
});

t.test('no process.capabilities: no capabilities at all (as runc and crun)', async (t) => {
  const p = probe(t, (s) => delete s.process!.capabilities);
  t.equal(p.uid, 0, 'root inside');
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'])
    t.equal(p.capabilities[set], '0000000000000000', `${set} is empty`);
});

t.test('no process.capabilities: a setuid-root binary in the image gains nothing', async (t) => {
  // busybox drops its setuid privileges itself for ordinary applets (measured on this
  // host), so it cannot show what the kernel grants; a setuid-root copy of the probe
  // reports the capabilities of the setuid process itself.
  const id = h.id('suid');
  const bundle = h.bundle(id, (s) => {
    delete s.process!.capabilities;
    s.process!.user = { uid: 1000, gid: 1000 };
    s.process!.noNewPrivileges = false;
    s.process!.args = ['/bin/suid-probe'];
  });
  const suid = path.join(bundle, 'rootfs', 'bin', 'suid-probe');
  fs.copyFileSync(path.join(bundle, 'rootfs', 'probe'), suid);
  fs.chownSync(suid, 0, 0);
  fs.chmodSync(suid, 0o4755);
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  t.same([p.uid, p.euid], [1000, 0], 'the setuid bit took effect: euid 0');
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'])
    t.equal(p.capabilities[set], '0000000000000000', `${set} of the setuid process is empty`);
});

t.test('rlimits, noNewPrivileges, oomScoreAdj', async (t) => {
  const p = probe(t, (s) => {
    s.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
      { type: 'RLIMIT_NPROC', soft: 100, hard: 200 },
    ];
    s.process!.noNewPrivileges = true;
    s.process!.oomScoreAdj = 123;
  });
  t.same(p.rlimits.RLIMIT_NOFILE, { soft: 512, hard: 1024 });
  t.same(p.rlimits.RLIMIT_CORE, { soft: 0, hard: 0 });
  t.same(p.rlimits.RLIMIT_NPROC, { soft: 100, hard: 200 });
  t.equal(p.noNewPrivs, 1);
  t.equal(p.oomScoreAdj, 123);
  const q = probe(t, (s) => (s.process!.noNewPrivileges = false));
  t.equal(q.noNewPrivs, 0);
});

t.test('namespaces: new ones differ from the host, absent ones are shared', async (t) => {
  const p = probe(
    t,
    (s) =>
      (s.linux!.namespaces = [
        { type: 'pid' },
        { type: 'mount' },
        { type: 'uts' },
        { type: 'ipc' },
        { type: 'network' },
        { type: 'cgroup' },
      ]),
  );
  for (const [type, key] of [
    ['pid', 'pid'],
    ['mnt', 'mnt'],
    ['uts', 'uts'],
    ['ipc', 'ipc'],
    ['net', 'net'],
    ['cgroup', 'cgroup'],
  ])
    t.not(p.namespaces[key!], hostNamespace(type!), `${type} is new`);
  t.equal(p.namespaces.user, hostNamespace('user'), 'user is shared');
  const q = probe(t, (s) => {
    s.linux!.namespaces = [{ type: 'mount' }];
    delete s.hostname;
  });
  t.equal(q.namespaces.net, hostNamespace('net'), 'network shared when not asked for');
  t.not(q.pid, 1, 'no pid namespace: not pid 1');
});

t.test('namespaces: time namespace', async (t) => {
  const p = probe(t, (s) => s.linux!.namespaces!.push({ type: 'time' }));
  t.not(p.namespaces.time, hostNamespace('time'));
});

t.test('user namespace with mappings', async (t) => {
  const id = h.id('userns');
  const bundle = h.bundle(id, inUserNamespace);
  chownForUserns(bundle);
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  t.equal(p.uid, 0, 'root inside');
  t.not(p.namespaces.user, hostNamespace('user'));
  t.ok(fs.readFileSync('/proc/self/uid_map', 'utf8').includes('0          0 4294967295'), 'host unchanged');
});

t.test('root.readonly, maskedPaths, readonlyPaths', async (t) => {
  const ro = probe(t, (s) => (s.root!.readonly = true), ['write', '/tmp/x', 'y']);
  t.same(ro, { ok: false, errno: 'EROFS' });
  const rw = probe(t, (s) => (s.root!.readonly = false), ['write', '/x', 'y']);
  t.same(rw, { ok: true });
  const p = probe(t, (s) => {
    s.linux!.maskedPaths = ['/proc/timer_list', '/sys/firmware', '/proc/does-not-exist'];
    s.linux!.readonlyPaths = ['/proc/sys', '/proc/sysrq-trigger'];
  });
  t.equal(mount(p, '/proc/timer_list')?.root, '/null', 'a masked /proc file is covered by /dev/null');
  t.notOk(mount(p, '/proc/does-not-exist'), 'a missing masked path is skipped');
  t.equal(mount(p, '/sys/firmware')?.fstype, 'tmpfs', 'a masked directory is an empty tmpfs');
  t.ok(mount(p, '/sys/firmware')?.options.includes('ro'));
  t.ok(mount(p, '/proc/sys')?.options.includes('ro'), '/proc/sys read-only');
  const w = probe(t, (s) => (s.linux!.readonlyPaths = ['/tmp']), ['write', '/tmp/x', 'y']);
  t.same(w, { ok: false, errno: 'EROFS' });
  const st = probe(t, (s) => (s.linux!.maskedPaths = ['/etc/passwd']), ['stat', '/etc/passwd']);
  t.same(
    [st['/etc/passwd'].type, st['/etc/passwd'].major, st['/etc/passwd'].minor],
    ['char', 1, 3],
    'a masked file is /dev/null',
  );
});

t.test('sysctl in the container namespaces', async (t) => {
  const p = probe(t, (s) => (s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234' }), [
    'sysctl',
    'net.ipv4.ip_forward',
    'kernel.shmmni',
  ]);
  t.same(p.sysctl, { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234' });
  t.not(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), '1234', 'host unchanged');
});

t.test('mounts: tmpfs options, bind ro, bind of a file, propagation', async (t) => {
  const id = h.id();
  const hostDir = path.join(h.root, '..', `data-${id}`);
  fs.mkdirSync(hostDir, { recursive: true });
  fs.writeFileSync(path.join(hostDir, 'f.txt'), 'hello');
  const p = probe(t, (s) => {
    s.mounts!.push(
      {
        destination: '/scratch',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=700'],
      },
      { destination: '/data', type: 'bind', source: hostDir, options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/etc/greeting', type: 'bind', source: path.join(hostDir, 'f.txt'), options: ['bind'] },
      { destination: '/new/deep/dir', type: 'tmpfs', source: 'tmpfs' },
    );
  });
  const scratch = mount(p, '/scratch');
  t.equal(scratch.fstype, 'tmpfs');
  for (const o of ['nosuid', 'nodev', 'noexec']) t.ok(scratch.options.includes(o), o);
  t.ok(scratch.superOptions.includes('size=1024k'), 'size option reached tmpfs');
  t.ok(scratch.superOptions.includes('mode=700'));
  const data = mount(p, '/data');
  t.ok(data.options.includes('ro'), 'bind remounted read-only');
  t.same(data.optional, [], 'rprivate: no propagation peers');
  t.ok(mount(p, '/etc/greeting'), 'file bind mounted on a created file');
  t.ok(mount(p, '/new/deep/dir'), 'missing destination directories are created');
  t.same(h.mountsLeft(), [], 'no mount leaked to the host');
});

t.test('mounts: a destination symlink cannot point a mount outside the rootfs', async (t) => {
  const id = h.id('escape');
  const outside = path.join(h.root, '..', `outside-${id}`);
  fs.mkdirSync(outside, { recursive: true });
  const bundle = h.bundle(id, (s) => s.mounts!.push({ destination: '/evil/x', type: 'tmpfs', source: 'tmpfs' }));
  fs.symlinkSync(outside, path.join(bundle, 'rootfs', 'evil'));
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  t.notOk(fs.existsSync(path.join(outside, 'x')), 'nothing created outside the rootfs');
  t.ok(fs.existsSync(path.join(bundle, 'rootfs', outside, 'x')), 'the link was followed inside the rootfs');
});

t.test('devices: default nodes, linux.devices, /dev symlinks', async (t) => {
  const p = probe(
    t,
    (s) =>
      (s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 8630, uid: 0, gid: 0 }]),
    [
      'stat',
      '/dev/null',
      '/dev/zero',
      '/dev/full',
      '/dev/random',
      '/dev/urandom',
      '/dev/tty',
      '/dev/fuse',
      '/dev/fd',
      '/dev/ptmx',
      '/dev/stdin',
    ],
  );
  t.same([p['/dev/null'].type, p['/dev/null'].major, p['/dev/null'].minor, p['/dev/null'].mode], ['char', 1, 3, 0o666]);
  for (const d of ['zero', 'full', 'random', 'urandom', 'tty']) t.equal(p[`/dev/${d}`].type, 'char', d);
  t.same(
    [p['/dev/fuse'].type, p['/dev/fuse'].major, p['/dev/fuse'].minor, p['/dev/fuse'].mode],
    ['char', 10, 229, 0o666],
  );
  t.same([p['/dev/fd'].type, p['/dev/fd'].target], ['symlink', '/proc/self/fd']);
  t.same([p['/dev/ptmx'].type, p['/dev/ptmx'].target], ['symlink', 'pts/ptmx']);
  t.equal(p['/dev/stdin'].target, '/proc/self/fd/0');
});

t.test('cgroups: the process is in linux.cgroupsPath in every hierarchy', async (t) => {
  const p = probe(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup')));
  for (const line of p.cgroup as string[]) t.match(line, new RegExp(`:/${h.cgroupParent}/probe-`), line);
});

t.test('rootfsPropagation: private root', async (t) => {
  const p = probe(t, (s) => (s.linux!.rootfsPropagation = 'private'));
  t.same(mount(p, '/').optional, []);
  const q = probe(t, (s) => (s.linux!.rootfsPropagation = 'shared'));
  t.match(mount(q, '/').optional.join(' '), /shared:/);
});

t.test('mounts: overlay with lower, upper and work directories', async (t) => {
  const base = path.join(h.root, '..', `overlay-${process.pid}`);
  for (const d of ['lower', 'upper', 'work']) fs.mkdirSync(path.join(base, d), { recursive: true });
  fs.writeFileSync(path.join(base, 'lower', 'from-lower'), 'x');
  const p = probe(
    t,
    (s) =>
      s.mounts!.push({
        destination: '/ov',
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=${base}/lower`, `upperdir=${base}/upper`, `workdir=${base}/work`],
      }),
    ['stat', '/ov/from-lower'],
  );
  t.equal(p['/ov/from-lower'].type, 'file', 'the lower layer shows through');
});

t.test('namespaces: joined by path', async (t) => {
  const { spawn } = await import('node:child_process');
  const holder = spawn('unshare', ['--net', '--uts', '--ipc', 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  // unshare has created the namespaces once it has exec'd sleep.
  await waitFor(
    () => fs.existsSync(`/proc/${holder.pid}/exe`) && fs.readlinkSync(`/proc/${holder.pid}/exe`).endsWith('/sleep'),
  );
  const nsOf = (type: string) => Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${holder.pid}/ns/${type}`))?.[1]);
  const p = probe(t, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
      ['network', 'uts', 'ipc'].includes(n.type)
        ? { type: n.type, path: `/proc/${holder.pid}/ns/${n.type === 'network' ? 'net' : n.type}` }
        : n,
    );
    delete s.hostname;
  });
  t.equal(p.namespaces.net, nsOf('net'));
  t.equal(p.namespaces.uts, nsOf('uts'));
  t.equal(p.namespaces.ipc, nsOf('ipc'));
  t.not(p.namespaces.net, hostNamespace('net'));
});

t.test(
  'no namespaces at all: the runtime namespaces are inherited, and delete removes the shared mounts',
  async (t) => {
    const { result, probe: p } = h.probe((s) => {
      s.linux!.namespaces = [];
      delete s.hostname;
      delete s.linux!.maskedPaths;
      delete s.linux!.readonlyPaths;
      s.root!.readonly = false;
    });
    t.equal(result.code, 0, result.stderr);
    for (const [type, key] of [
      ['mnt', 'mnt'],
      ['net', 'net'],
      ['pid', 'pid'],
      ['uts', 'uts'],
      ['ipc', 'ipc'],
    ])
      t.equal(p?.namespaces[key!], hostNamespace(type!), `${type} inherited`);
    t.same(h.mountsLeft(), [], 'the mounts made in the shared namespace are gone after run deleted the container');
    const r = h.cli([
      'create',
      '--bundle',
      h.bundle(h.id(), (s) => {
        s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
      }),
      'x',
    ]);
    t.equal(r.code, 1, 'masked paths need a mount namespace');
    t.match(r.stderr, /linux\.maskedPaths: unable to restrict sys entries without a private MNT namespace/);
  },
);
