// The container process as the probe sees it (config.md "Process", "Hostname", extensibility) with
// the default probe config and variations.
// runtime-tools: default, process, process_user, process_oom_score_adj, process_rlimits_fail,
// hostname, misc_props.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness } from './lib/harness';
import type { Config } from './lib/bundle';
import { runcDeviation, spec } from './lib/expectations';
import { nsInode } from './lib/host';
import { capMask, mountAt, type Probe } from './lib/probe';

const h = new Harness();
t.teardown(() => h.cleanup());

const base: Config = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'bundles', 'probe', 'config.json'), 'utf8'));

t.test('default', async (t) => {
  const { probe: p, result } = await h.runProbe();
  t.equal(result.code, 0, 'run of the default probe config exits 0', { stderr: result.stderr });
  t.ok(p, 'probe printed its report');
  t.same(
    p?.args,
    ['/probe'],
    `args ${spec('config.md', "args (array of strings, OPTIONAL) with similar semantics to IEEE Std 1003.1-2008 execvp's argv", ['default'])}`,
  );
  t.equal(
    p?.cwd,
    '/',
    `cwd ${spec('config.md', 'cwd (string, REQUIRED) is the working directory that will be set for the executable', ['default'])}`,
  );
  for (const e of base.process.env)
    t.ok(
      p?.env?.includes(e),
      `env has ${e} ${spec('config.md', "env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008's environ", ['default'])}`,
    );
  t.equal(p?.pid, 1, 'the process is pid 1 of its new pid namespace');
  t.equal(
    p?.uid,
    0,
    `uid ${spec('config.md', 'uid (int, REQUIRED) specifies the user ID in the container namespace', ['default'])}`,
  );
  t.equal(p?.gid, 0, 'gid');
  t.equal(
    p?.hostname,
    'probe',
    `hostname ${spec('config.md', "hostname (string, OPTIONAL) specifies the container's hostname as seen by processes running inside the container", ['default', 'hostname'])}`,
  );

  const caps = base.process.capabilities;
  const cp = p?.capabilities ?? {};
  const capPhrase = spec(
    'config.md',
    'capabilities (object, OPTIONAL) is an object containing arrays that specifies the sets of capabilities for the process',
    ['default'],
  );
  t.equal(cp.bounding, capMask(caps.bounding), `bounding set ${capPhrase}`);
  t.equal(cp.effective, capMask(caps.effective), 'effective set');
  t.equal(cp.permitted, capMask(caps.permitted), 'permitted set');
  t.equal(cp.inheritable, capMask(caps.inheritable), 'inheritable set (none configured)');
  // The kernel only keeps ambient capabilities that are also permitted and inheritable.
  const amb = (caps.ambient as string[]).filter(
    (c) => (caps.inheritable ?? []).includes(c) && caps.permitted.includes(c),
  );
  t.equal(cp.ambient, capMask(amb), 'ambient set (configured ∩ inheritable ∩ permitted)');

  t.same(
    p?.rlimits?.RLIMIT_NOFILE,
    { soft: 1024, hard: 1024 },
    `rlimits ${spec('config.md', 'rlimits (array of objects, OPTIONAL) allows setting resource limits for the process', ['default'])}`,
  );
  t.equal(
    p?.noNewPrivs,
    1,
    `noNewPrivileges ${spec('config.md', 'noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true prevents the process from gaining additional privileges', ['default'])}`,
  );
  t.equal(p?.seccomp, 0, 'no seccomp filter without linux.seccomp');

  const mountPhrase = spec('config.md', 'The runtime MUST mount entries in the listed order', ['default', 'mounts']);
  for (const m of base.mounts) {
    const got = mountAt(p, m.destination);
    const types = m.type === 'cgroup' ? ['cgroup', 'cgroup2', 'tmpfs'] : [m.type];
    t.ok(got && types.includes(got.fstype), `${m.destination} is mounted as ${m.type} ${mountPhrase}`, { got });
  }
  const ids = (base.mounts as Config[]).map((m) => mountAt(p, m.destination)?.id as number);
  t.ok(
    ids.every((i) => typeof i === 'number') && ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)),
    'mounts were made in the listed order (increasing mount ids)',
    { ids },
  );
  t.ok(mountAt(p, '/sys')?.options.includes('ro'), '/sys is read-only as its options say');
  t.ok(
    mountAt(p, '/proc/sys')?.options.includes('ro'),
    `/proc/sys (readonlyPaths) is read-only ${spec('config-linux.md', 'readonlyPaths (array of strings, OPTIONAL) will set the provided paths as readonly inside the container', ['default'])}`,
  );
  t.equal(p?.mounts?.[0]?.mountPoint, '/', 'the first mount is the root');

  const nsPhrase = spec(
    'config-linux.md',
    'If a namespace type is not specified in the namespaces array, the container MUST inherit the runtime namespace of that type',
    ['default'],
  );
  for (const [cfg, proc] of [
    ['pid', 'pid'],
    ['network', 'net'],
    ['ipc', 'ipc'],
    ['uts', 'uts'],
    ['mount', 'mnt'],
  ]) {
    const ino = p?.namespaces?.[proc as string];
    t.ok(
      typeof ino === 'number' && ino !== nsInode('self', proc as string),
      `new ${cfg} namespace ${spec('config-linux.md', 'If a path is not specified, the runtime MUST create a new container namespace of the given type', ['default'])}`,
    );
  }
  t.equal(p?.namespaces?.user, nsInode('self', 'user'), `user namespace inherited ${nsPhrase}`);
  t.equal(p?.namespaces?.cgroup, nsInode('self', 'cgroup'), 'cgroup namespace inherited');

  const cg = (p?.cgroup ?? []) as string[];
  const pidsLine = cg.find((l) => /^\d+:(pids|):/.test(l) && (l.includes(':pids:') || l.startsWith('0::')));
  t.ok(
    pidsLine?.endsWith(base.linux?.cgroupsPath ?? h.cgroupPath('')) || cg.some((l) => l.includes(`/${h.cgParent}/`)),
    `the process is in the cgroupsPath cgroup ${spec('config-linux.md', 'cgroupsPath (string, OPTIONAL) path to the cgroups', ['default'])}`,
    { cg },
  );
});

t.test('default devices and /dev links', async (t) => {
  const paths = [
    '/dev/null',
    '/dev/zero',
    '/dev/full',
    '/dev/random',
    '/dev/urandom',
    '/dev/tty',
    '/dev/ptmx',
    '/dev/fd',
    '/dev/stdin',
    '/dev/stdout',
    '/dev/stderr',
  ];
  const { probe: p, result } = await h.runProbe((c) => {
    c.process.args = ['/probe', 'stat', ...paths];
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const devPhrase = spec('config-linux.md', 'the runtime MUST supply the following devices', [
    'default',
    'linux_devices',
  ]);
  for (const [dev, maj, min] of [
    ['/dev/null', 1, 3],
    ['/dev/zero', 1, 5],
    ['/dev/full', 1, 7],
    ['/dev/random', 1, 8],
    ['/dev/urandom', 1, 9],
    ['/dev/tty', 5, 0],
  ] as const) {
    const s = p?.[dev];
    t.same(
      s && { type: s.type, major: s.major, minor: s.minor },
      { type: 'char', major: maj, minor: min },
      `${dev} is char ${maj}:${min} ${devPhrase}`,
    );
    t.equal(s?.mode, 0o666, `${dev} mode 0666`);
  }
  const ptmx = p?.['/dev/ptmx'];
  t.ok(
    (ptmx?.type === 'symlink' && ptmx?.target === 'pts/ptmx') ||
      (ptmx?.type === 'char' && ptmx?.major === 5 && ptmx?.minor === 2),
    '/dev/ptmx is the devpts ptmx (link to pts/ptmx)',
    { ptmx },
  );
  const linkPhrase = spec('runtime-linux.md', 'the runtime MUST set up the following symlinks', ['default']);
  for (const [l, target] of [
    ['/dev/fd', '/proc/self/fd'],
    ['/dev/stdin', '/proc/self/fd/0'],
    ['/dev/stdout', '/proc/self/fd/1'],
    ['/dev/stderr', '/proc/self/fd/2'],
  ]) {
    t.same(
      p?.[l as string] && { type: p[l as string].type, target: p[l as string].target },
      { type: 'symlink', target },
      `${l} -> ${target} ${linkPhrase}`,
    );
  }
});

t.test('process', async (t) => {
  const { probe: p, result } = await h.runProbe(
    (c) => {
      c.process.cwd = '/test';
      c.process.env.push('testa=valuea', 'testb=123');
      c.process.args = ['/probe'];
    },
    { prepare: (b) => fs.mkdirSync(path.join(b.rootfs, 'test'), { mode: 0o700 }) },
  );
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  t.equal(
    p?.cwd,
    '/test',
    `cwd is process.cwd ${spec('config.md', 'cwd (string, REQUIRED) is the working directory that will be set for the executable', ['process'])}`,
  );
  t.ok(
    p?.env?.includes('testa=valuea'),
    `env has testa=valuea ${spec('config.md', 'env (array of strings, OPTIONAL)', ['process'])}`,
  );
  t.ok(p?.env?.includes('testb=123'), 'env has testb=123');

  const a = await h.runProbe((c) => {
    c.process.args = ['probe', 'sysctl', 'kernel.hostname'];
    c.process.env = ['PATH=/bin'];
  });
  t.equal(
    a.result.code,
    0,
    `args[0] is looked up in PATH ${spec('config.md', 'with similar semantics to IEEE Std 1003.1-2008 execvp', ['process'])}`,
  );
  t.same(a.probe?.args, ['probe', 'sysctl', 'kernel.hostname'], 'argv is passed as given');

  const ex = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '7'];
  });
  t.equal(
    h.cli(['run', '--bundle', ex.dir, ex.id]).code,
    7,
    "run exits with the container process's exit status (runc CLI)",
  );
  h.cli(['delete', '--force', ex.id]);

  const bad = h.makeBundle((c) => {
    c.process.args = ['/no/such/binary'];
  });
  t.not(h.cli(['run', '--bundle', bad.dir, bad.id]).code, 0, 'a process that cannot be executed is an error');
  h.cli(['delete', '--force', bad.id]);
});

t.test('process_user', async (t) => {
  const { probe: p, result } = await h.runProbe((c) => {
    c.process.user = { uid: 10, gid: 10, additionalGids: [5], umask: 0o002 };
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const phrase = spec('config.md', 'uid (int, REQUIRED) specifies the user ID in the container namespace', [
    'process_user',
  ]);
  t.equal(p?.uid, 10, `uid 10 ${phrase}`);
  t.equal(p?.euid, 10, 'euid 10');
  t.equal(
    p?.gid,
    10,
    `gid 10 ${spec('config.md', 'gid (int, REQUIRED) specifies the group ID in the container namespace', ['process_user'])}`,
  );
  t.equal(p?.egid, 10, 'egid 10');
  t.same(
    p?.groups,
    [5],
    `additional gids [5] ${spec('config.md', 'additionalGids (array of ints, OPTIONAL) specifies additional group IDs in the container namespace to be added to the process', ['process_user'])}`,
  );
  t.equal(
    p?.umask,
    0o002,
    `umask 002 ${spec('config.md', 'umask (int, OPTIONAL) specifies the umask of the user', ['process_user'])}`,
  );
  t.equal(
    p?.capabilities?.effective,
    '0000000000000000',
    'a non-root uid has no effective capabilities (none ambient)',
  );
});

t.test('process_oom_score_adj', async (t) => {
  // Lowering below the runtime's own value needs CAP_SYS_RESOURCE, which this host's root may lack.
  for (const v of [500, 200]) {
    const { probe: p, result } = await h.runProbe((c) => {
      c.process.oomScoreAdj = v;
    });
    t.equal(result.code, 0, 'run', { stderr: result.stderr });
    t.equal(
      p?.oomScoreAdj,
      v,
      `oom_score_adj is ${v} ${spec('config.md', "oomScoreAdj (int, OPTIONAL) adjusts the oom-killer score in [pid]/oom_score_adj for the process's [pid] in a proc pseudo-filesystem", ['process_oom_score_adj'])}`,
    );
  }
});

t.test('process_rlimits', async (t) => {
  const { probe: p, result } = await h.runProbe((c) => {
    c.process.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 900 },
      { type: 'RLIMIT_CORE', soft: 4096, hard: 8192 },
      { type: 'RLIMIT_NPROC', soft: 300, hard: 400 },
    ];
  });
  t.equal(result.code, 0, 'run', { stderr: result.stderr });
  const phrase = spec('config.md', 'The runtime MUST set the limits of the process by calling setrlimit(2)', [
    'process_rlimits',
  ]);
  t.same(p?.rlimits?.RLIMIT_NOFILE, { soft: 512, hard: 900 }, `RLIMIT_NOFILE ${phrase}`);
  t.same(p?.rlimits?.RLIMIT_CORE, { soft: 4096, hard: 8192 }, 'RLIMIT_CORE');
  t.same(p?.rlimits?.RLIMIT_NPROC, { soft: 300, hard: 400 }, 'RLIMIT_NPROC');
});

t.test('process_rlimits_fail', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'write', '/ran', 'yes'];
    c.process.rlimits.push({ type: 'RLIMIT_TEST', soft: 1024, hard: 1024 });
  });
  const r = h.cli(['run', '--bundle', b.dir, b.id]);
  t.not(
    r.code,
    0,
    `an rlimit type that maps to no kernel resource is an error ${spec('config.md', 'The runtime MUST generate an error for any values which cannot be mapped to a relevant kernel interface', ['process_rlimits_fail'])}`,
  );
  t.notOk(fs.existsSync(path.join(b.rootfs, 'ran')), 'the process did not run');
  t.not(h.cli(['state', b.id]).code, 0, 'no container was left behind');
  h.cli(['delete', '--force', b.id]);
});

t.test('hostname', async (t) => {
  const a = await h.runProbe((c) => {
    c.hostname = 'hostname-specific';
  });
  t.equal(a.result.code, 0, 'run');
  t.equal(
    a.probe?.hostname,
    'hostname-specific',
    `hostname is set ${spec('config.md', "hostname (string, OPTIONAL) specifies the container's hostname as seen by processes running inside the container", ['hostname'])}`,
  );
  const e = await h.runProbe((c) => {
    c.hostname = '';
  });
  t.equal(e.result.code, 0, 'an empty hostname is accepted', { stderr: e.result.stderr });
  t.type(e.probe?.hostname, 'string', 'the container has some hostname');
  const d = await h.runProbe((c) => {
    c.domainname = 'example.test';
  });
  t.equal(d.result.code, 0, 'run with domainname', { stderr: d.result.stderr });
  t.equal(
    d.probe?.domainname,
    'example.test',
    `domainname is set ${spec('config.md', "domainname (string, OPTIONAL) specifies the container's domainname as seen by processes running inside the container", ['hostname'])}`,
    runcDeviation('runc 1.1.5 ignores domainname (support came in runc 1.2)'),
  );
  const noUts = h.makeBundle((c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: Config) => n.type !== 'uts');
    c.hostname = 'must-not-apply';
  });
  const r = h.cli(['run', '--bundle', noUts.dir, noUts.id]);
  t.not(
    r.code,
    0,
    "hostname without a new uts namespace is an error (runc behaviour; the host's name must not change)",
  );
  h.cli(['delete', '--force', noUts.id]);
});

t.test('misc_props', async (t) => {
  const runWith = async (
    edit: (c: Config) => void,
  ): Promise<{ code: number | null; probe: Probe | undefined; stderr: string }> => {
    const r = await h.runProbe((c) => {
      edit(c);
    });
    return { code: r.result.code, probe: r.probe, stderr: r.result.stderr };
  };
  const ann = await runWith((c) => {
    c.annotations = { [`org.${process.pid}-unknown`]: '' };
  });
  t.equal(
    ann.code,
    0,
    `an unknown annotation key is accepted ${spec('config.md', 'Implementations that are reading/processing this configuration file MUST NOT generate an error if they encounter an unknown annotation key', ['misc_props'])}`,
    { stderr: ann.stderr },
  );
  const unk = await runWith((c) => {
    c.unknown = 'unknown';
    c.process.unknownField = { a: 1 };
  });
  t.equal(
    unk.code,
    0,
    `unknown properties are accepted ${spec('config.md', 'Runtimes that are reading or processing this configuration file MUST NOT generate an error if they encounter an unknown property', ['misc_props'])}`,
    { stderr: unk.stderr },
  );
  const inv = h.makeBundle((c) => {
    c.ociVersion = 'invalid';
    c.process.args = ['/probe', 'write', '/ran', 'yes'];
  });
  const r = h.cli(['run', '--bundle', inv.dir, inv.id]);
  const dev = runcDeviation('runc does not validate ociVersion and runs a config with ociVersion "invalid"');
  t.not(
    r.code,
    0,
    `ociVersion "invalid" is an error ${spec('config.md', 'Runtimes MUST generate an error when invalid or unsupported values are encountered', ['misc_props'])}`,
    dev,
  );
  t.notOk(fs.existsSync(path.join(inv.rootfs, 'ran')), 'the process of an invalid config did not run', dev);
  h.cli(['delete', '--force', inv.id]);
});
