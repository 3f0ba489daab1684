// Each semantic rule and each "not supported yet" refusal, with its exact JSON path.

import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { ConfigError } from '../../src/errors';
import { CAPABILITIES, RLIMITS } from '../../src/config/linux-names';
import { checkProcess, checkRootfs, checkSpec, findSpecErrors, sysctlNamespace } from '../../src/config/semantics';
import type { Spec } from '../../src/config/types';
import { baseConfig, variant } from '../fixtures/configs/base-config';

const REAL_CONFIGS = path.resolve(__dirname, '../../../shared/configs');

function bundleWithRootfs(t: { testdir: (fixture: any) => string }): string {
  return t.testdir({ rootfs: {} });
}

/** [name, mutation, JSON path, problem] */
const RULES: [string, Parameters<typeof variant>[0], string, string][] = [
  ['ociVersion major 2', (s) => void (s.ociVersion = '2.0.0'), 'ociVersion', 'unsupported version "2.0.0": need 1.x'],
  ['ociVersion not semver', (s) => void (s.ociVersion = 'latest'), 'ociVersion', 'invalid version "latest"'],
  ['root missing', (s) => void delete s.root, 'root', 'is required'],
  ['root.path empty', (s) => void (s.root.path = ''), 'root.path', 'must not be empty'],
  ['args missing', (s) => void delete s.process.args, 'process.args', 'must not be empty'],
  ['args empty', (s) => void (s.process.args = []), 'process.args', 'must not be empty'],
  ['cwd relative', (s) => void (s.process.cwd = 'home'), 'process.cwd', 'must be an absolute path, got "home"'],
  [
    'env without =',
    (s) => void (s.process.env = ['A=1', 'B']),
    'process.env[1]',
    "invalid environment variable: missing '='",
  ],
  [
    'env empty name',
    (s) => void (s.process.env = ['=1']),
    'process.env[0]',
    'invalid environment variable: name cannot be empty',
  ],
  [
    'env with NUL',
    (s) => void (s.process.env = ['A=1\0x']),
    'process.env[0]',
    'invalid environment variable "A": contains nul byte (\\x00)',
  ],
  [
    'unknown capability',
    (s) => void s.process.capabilities.bounding.push('CAP_FOO'),
    'process.capabilities.bounding[3]',
    'unknown capability "CAP_FOO"',
  ],
  [
    'capability without CAP_',
    (s) => void (s.process.capabilities.ambient = ['KILL']),
    'process.capabilities.ambient[0]',
    'unknown capability "KILL"',
  ],
  [
    'unknown rlimit',
    (s) => void s.process.rlimits.push({ type: 'RLIMIT_FOO', soft: 1, hard: 1 }),
    'process.rlimits[1].type',
    'unknown rlimit type "RLIMIT_FOO"',
  ],
  [
    'duplicate rlimit',
    (s) => void s.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }),
    'process.rlimits[1].type',
    'duplicate rlimit type "RLIMIT_NOFILE"',
  ],
  [
    'rlimit soft above hard',
    (s) => void (s.process.rlimits[0].soft = 2048),
    'process.rlimits[0].soft',
    'soft limit 2048 is above hard limit 1024',
  ],
  ['mount destination empty', (s) => void (s.mounts[2].destination = ''), 'mounts[2].destination', 'must not be empty'],
  [
    'bind mount without source',
    (s) => void s.mounts.push({ destination: '/data', type: 'bind', options: ['rbind'] }),
    'mounts[4].source',
    'is required for a bind mount',
  ],
  [
    'rbind option without source',
    (s) => void s.mounts.push({ destination: '/data', options: ['rbind', 'ro'] }),
    'mounts[4].source',
    'is required for a bind mount',
  ],
  ['empty mount option', (s) => void s.mounts[1].options.push(''), 'mounts[1].options[4]', 'must not be empty'],
  [
    'mount uidMappings without gidMappings',
    (s) =>
      void s.mounts.push({
        destination: '/d',
        source: '/s',
        type: 'bind',
        options: ['rbind'],
        uidMappings: [{ containerID: 0, hostID: 1, size: 1 }],
      }),
    'mounts[4].gidMappings',
    'uidMappings and gidMappings go together',
  ],
  [
    'idmap without mappings or a user namespace',
    (s) => void s.mounts.push({ destination: '/d', source: '/s', type: 'bind', options: ['rbind', 'idmap'] }),
    'mounts[4].options[1]',
    'needs mounts uidMappings/gidMappings, or a new user namespace with mappings',
  ],
  [
    'ridmap on a tmpfs',
    (s) => void s.mounts.push({ destination: '/d', source: 'tmpfs', type: 'tmpfs', options: ['ridmap'] }),
    'mounts[4].options[0]',
    'an idmapped mount must be a bind mount',
  ],
  [
    'unknown option on a bind mount',
    (s) => void s.mounts.push({ destination: '/d', type: 'bind', source: '/tmp', options: ['rbind', 'ro', 'z'] }),
    'mounts[4].options[2]',
    'unknown option "z"',
  ],
  [
    'tmpcopyup on a bind mount',
    (s) => void s.mounts.push({ destination: '/d', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] }),
    'mounts[4].options[1]',
    'tmpcopyup needs a tmpfs mount',
  ],
  [
    'masked paths without a mount namespace',
    (s) =>
      void ((s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'mount')),
      (s.linux.maskedPaths = ['/proc/kcore'])),
    'linux.maskedPaths',
    'unable to restrict sys entries without a private MNT namespace',
  ],
  [
    'unknown namespace type',
    (s) => void (s.linux.namespaces[1].type = 'foo'),
    'linux.namespaces[1].type',
    'unknown namespace type "foo"',
  ],
  [
    'duplicate namespace',
    (s) => void s.linux.namespaces.push({ type: 'pid' }),
    'linux.namespaces[5].type',
    'duplicate namespace type "pid"',
  ],
  [
    'namespace path relative',
    (s) => void (s.linux.namespaces[1].path = 'ns/net'),
    'linux.namespaces[1].path',
    'must be an absolute path, got "ns/net"',
  ],
  [
    'uid mappings without user ns',
    (s) => void (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    'linux.uidMappings',
    'uid mappings need a user namespace in linux.namespaces',
  ],
  [
    'gid mappings without user ns',
    (s) => void (s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    'linux.gidMappings',
    'gid mappings need a user namespace in linux.namespaces',
  ],
  [
    'new user ns without uid mappings',
    (s) => void s.linux.namespaces.push({ type: 'user' }),
    'linux.uidMappings',
    'user namespace enabled, but no uid mappings found',
  ],
  [
    'new user ns without gid mappings',
    (s) => {
      s.linux.namespaces.push({ type: 'user' });
      s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    },
    'linux.gidMappings',
    'user namespace enabled, but no gid mappings found',
  ],
  [
    'hostname without uts ns',
    (s) => void s.linux.namespaces.splice(3, 1),
    'hostname',
    'unable to set hostname without a private UTS namespace',
  ],
  [
    'domainname without uts ns',
    (s) => {
      delete s.hostname;
      s.domainname = 'example.org';
      s.linux.namespaces.splice(3, 1);
    },
    'domainname',
    'unable to set domainname without a private UTS namespace',
  ],
  [
    'timeOffsets without time ns',
    (s) => void (s.linux.timeOffsets = { monotonic: { secs: 1 } }),
    'linux.timeOffsets',
    'needs a new time namespace',
  ],
  [
    'timeOffsets with a joined time ns',
    (s) => {
      s.linux.timeOffsets = { monotonic: { secs: 1 } };
      s.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' });
    },
    'linux.timeOffsets',
    'needs a new time namespace',
  ],
  [
    'timeOffsets nanosecs of a whole second',
    (s) => {
      s.linux.namespaces.push({ type: 'time' });
      s.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 1_000_000_000 } };
    },
    'linux.timeOffsets.monotonic.nanosecs',
    'must be below 1000000000, got 1000000000',
  ],
  [
    'timeOffsets secs beyond what a JSON number holds exactly',
    (s) => {
      s.linux.namespaces.push({ type: 'time' });
      s.linux.timeOffsets = { boottime: { secs: 2 ** 60 } };
    },
    'linux.timeOffsets.boottime.secs',
    `must be an integer of at most 2^53 - 1 in size, got ${2 ** 60}`,
  ],
  [
    'intelRdt closID with a slash',
    (s) => void (s.linux.intelRdt = { closID: '../x' }),
    'linux.intelRdt.closID',
    'must be "/" or one directory name, got "../x"',
  ],
  [
    'host-wide sysctl',
    (s) => void (s.linux.sysctl = { 'vm.foo': '1' }),
    'linux.sysctl."vm.foo"',
    'sysctl "vm.foo" is not in a separate kernel namespace',
  ],
  [
    'net sysctl without netns',
    (s) => void (s.linux.namespaces.splice(1, 1), (s.linux.sysctl = { 'net.ipv4.ip_forward': '1' })),
    'linux.sysctl."net.ipv4.ip_forward"',
    'sysctl "net.ipv4.ip_forward" is not allowed in the host\'s network namespace',
  ],
  [
    'ipc sysctl without ipc ns',
    (s) => void (s.linux.namespaces.splice(2, 1), (s.linux.sysctl = { 'kernel.shmmax': '1' })),
    'linux.sysctl."kernel.shmmax"',
    'sysctl "kernel.shmmax" is not allowed in the host\'s ipc namespace',
  ],
  [
    'mqueue sysctl without ipc ns',
    (s) => void (s.linux.namespaces.splice(2, 1), (s.linux.sysctl = { 'fs.mqueue.msg_max': '1' })),
    'linux.sysctl."fs.mqueue.msg_max"',
    'sysctl "fs.mqueue.msg_max" is not allowed in the host\'s ipc namespace',
  ],
  [
    'device type unknown',
    (s) => void (s.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]),
    'linux.devices[0].type',
    'unknown device type "x", want one of "c", "b", "u", "p"',
  ],
  [
    'device path relative',
    (s) => void (s.linux.devices = [{ type: 'c', path: 'dev/null', major: 1, minor: 3 }]),
    'linux.devices[0].path',
    'must be an absolute path, got "dev/null"',
  ],
  [
    'char device without major',
    (s) => void (s.linux.devices = [{ type: 'c', path: '/dev/null', minor: 3 }]),
    'linux.devices[0].major',
    'is required for a "c" device',
  ],
  [
    'block device without minor',
    (s) => void (s.linux.devices = [{ type: 'b', path: '/dev/sda', major: 8 }]),
    'linux.devices[0].minor',
    'is required for a "b" device',
  ],
  [
    'fileMode type bits disagree',
    (s) => void (s.linux.devices = [{ type: 'c', path: '/dev/sda', major: 8, minor: 0, fileMode: 0o60660 }]),
    'linux.devices[0].fileMode',
    'file type bits 0o60000 do not match device type "c"',
  ],
  [
    'masked path relative',
    (s) => void s.linux.maskedPaths.push('proc/x'),
    'linux.maskedPaths[2]',
    'must be an absolute path, got "proc/x"',
  ],
  [
    'readonly path relative',
    (s) => void (s.linux.readonlyPaths[0] = 'proc/bus'),
    'linux.readonlyPaths[0]',
    'must be an absolute path, got "proc/bus"',
  ],
  [
    'unknown device rule type',
    (s) =>
      void (s.linux.resources = {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'x', access: 'r' },
        ],
      }),
    'linux.resources.devices[1].type',
    'unknown device type "x" (want a, b or c)',
  ],
  [
    'device rule access letter',
    (s) => void (s.linux.resources = { devices: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rx' }] }),
    'linux.resources.devices[0].access',
    '"rx" has a letter other than r, w and m',
  ],
  [
    'device rule major not a number',
    (s) => void (s.linux.resources = { devices: [{ allow: true, type: 'c', major: 1.5, access: 'r' }] }),
    'linux.resources.devices[0].major',
    '1.5 is not a device number',
  ],
];

t.test('the base config passes every rule', (t) => {
  t.same(findSpecErrors(baseConfig()), []);
  t.end();
});

for (const [name, mutate, jsonPath, problem] of RULES) {
  t.test(`rule: ${name}`, (t) => {
    const errors = findSpecErrors(variant(mutate));
    t.equal(errors.length, 1, 'exactly one rule fails');
    t.equal(errors[0]?.jsonPath, jsonPath);
    t.equal(errors[0]?.problem, problem);
    t.equal(errors[0]?.message, `config.json: ${jsonPath}: ${problem}`);
    t.end();
  });
}

t.test('what is accepted', (t) => {
  const accepted: [string, Parameters<typeof variant>[0]][] = [
    [
      'net sysctl with a joined netns',
      (s) => void ((s.linux.namespaces[1].path = '/run/netns/x'), (s.linux.sysctl = { 'net.ipv4.ip_forward': '1' })),
    ],
    ['net sysctl written with slashes', (s) => void (s.linux.sysctl = { 'net/ipv4/ip_forward': '1' })],
    ['ipc sysctl with ipc ns', (s) => void (s.linux.sysctl = { 'kernel.msgmax': '1', 'kernel.sem': '1 2 3 4' })],
    ['kernel.hostname with uts ns', (s) => void (s.linux.sysctl = { 'kernel.hostname': 'x' })],
    ['joined user ns without mappings', (s) => void s.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' })],
    [
      'new user ns with both mappings',
      (s) => {
        s.linux.namespaces.push({ type: 'user' });
        s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      },
    ],
    [
      'podman fileMode with S_IFCHR bits',
      (s) => void (s.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 8630 }]),
    ],
    ['fifo without major/minor', (s) => void (s.linux.devices = [{ type: 'p', path: '/dev/fifo' }])],
    ['every capability', (s) => void (s.process.capabilities.bounding = [...CAPABILITIES])],
    [
      'every rlimit once',
      (s) => void (s.process.rlimits = Object.keys(RLIMITS).map((type) => ({ type, soft: 1, hard: 2 }))),
    ],
    ['hostname with a joined uts ns', (s) => void (s.linux.namespaces[3].path = '/proc/1/ns/uts')],
    ['no hostname and no uts ns', (s) => void (delete s.hostname, s.linux.namespaces.splice(3, 1))],
    ['ociVersion 1.3.0+dev', (s) => void (s.ociVersion = '1.3.0+dev')],
    [
      'time ns with offsets is valid',
      (s) => {
        s.linux.namespaces.push({ type: 'time' });
        s.linux.timeOffsets = { boottime: { secs: 5 } };
      },
    ],
    [
      'mountLabel, selinuxLabel and apparmorProfile are ignored',
      (s) => {
        s.linux.mountLabel = 'system_u:object_r:container_file_t:s0';
        s.process.selinuxLabel = 'system_u:system_r:container_t:s0';
        s.process.apparmorProfile = 'docker-default';
      },
    ],
  ];
  for (const [name, mutate] of accepted) {
    const spec = variant(mutate);
    t.same(
      findSpecErrors(spec).map((e) => e.message),
      [],
      name,
    );
  }
  const labelled = variant((s) => {
    s.linux.mountLabel = 'x';
    s.process.selinuxLabel = 'x';
    s.process.apparmorProfile = 'x';
  });
  t.same(findSpecErrors(labelled), [], 'mountLabel, selinuxLabel, apparmorProfile not refused');
  t.end();
});

t.test('sysctl namespaces as runc sorts them', (t) => {
  t.equal(sysctlNamespace('net.core.somaxconn'), 'network');
  t.equal(sysctlNamespace('kernel.shm_rmid_forced'), 'ipc');
  t.equal(sysctlNamespace('fs.mqueue.queues_max'), 'ipc');
  t.equal(sysctlNamespace('kernel.domainname'), 'uts');
  t.equal(sysctlNamespace('kernel.pid_max'), undefined);
  t.equal(sysctlNamespace('vm.swappiness'), undefined);
  t.end();
});

t.test('every runtime-spec 1.3 field is implemented: a config asking for them all passes the rules', (t) => {
  const everything = variant((s) => {
    s.process.scheduler = { policy: 'SCHED_BATCH' };
    s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
    s.process.execCPUAffinity = { final: '0' };
    s.linux.personality = { domain: 'LINUX' };
    s.linux.memoryPolicy = { mode: 'MPOL_LOCAL' };
    s.linux.namespaces.push({ type: 'time' });
    s.linux.timeOffsets = { boottime: { secs: 1 } };
    s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' };
  });
  t.same(findSpecErrors(everything), []);
  t.end();
});

t.test('hooks that run in the runtime namespace are accepted; path absolute, timeout > 0', (t) => {
  const spec = variant((s) => {
    s.hooks = {
      prestart: [{ path: '/bin/true' }],
      createRuntime: [{ path: '/bin/true', args: ['true', 'x'], env: ['A=1'], timeout: 5 }],
      poststart: [{ path: '/bin/true' }],
      poststop: [{ path: '/bin/true' }],
    };
  });
  t.same(findSpecErrors(spec), []);
  const relative = variant((s) => void (s.hooks = { poststop: [{ path: '/bin/true' }, { path: 'bin/true' }] }));
  t.equal(
    findSpecErrors(relative)[0]?.message,
    'config.json: hooks.poststop[1].path: must be an absolute path, got "bin/true"',
  );
  const zero = variant((s) => void (s.hooks = { createRuntime: [{ path: '/bin/true', timeout: 0 }] }));
  t.equal(
    findSpecErrors(zero)[0]?.message,
    'config.json: hooks.createRuntime[0].timeout: must be greater than zero, got 0',
  );
  t.end();
});

t.test('the hooks that run in the container are supported', (t) => {
  const spec = variant(
    (s) => void (s.hooks = { createContainer: [{ path: '/bin/true' }], startContainer: [{ path: '/bin/true' }] }),
  );
  t.same(findSpecErrors(spec), []);
  t.end();
});

t.test('empty values ask for nothing and are accepted', (t) => {
  const spec = variant((s) => {
    s.hooks = { prestart: [], poststop: [], createContainer: [], startContainer: [] };
    s.linux.resources.blockIO = {};
    s.linux.resources.hugepageLimits = [];
    s.linux.netDevices = {};
    s.linux.resources.devices = [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ];
  });
  t.same(findSpecErrors(spec), []);
  t.end();
});

t.test('checkSpec: rootfs on disk, order of checks', (t) => {
  const bundle = bundleWithRootfs(t);
  t.doesNotThrow(() => checkSpec(baseConfig(), bundle), 'base config with rootfs/');
  const missing = variant((s) => void (s.root.path = 'nope'));
  t.throws(() => checkSpec(missing, bundle), {
    code: 'ERR_TSRUN_CONFIG',
    message: `config.json: root.path: rootfs directory ${path.join(bundle, 'nope')} does not exist`,
  });
  fs.writeFileSync(path.join(bundle, 'afile'), '');
  t.throws(
    () =>
      checkSpec(
        variant((s) => void (s.root.path = 'afile')),
        bundle,
      ),
    {
      message: `config.json: root.path: rootfs ${path.join(bundle, 'afile')} is not a directory`,
    },
  );
  t.doesNotThrow(
    () =>
      checkSpec(
        variant((s) => void (s.root.path = path.join(bundle, 'rootfs'))),
        '/',
      ),
    'absolute root.path',
  );
  const both = variant((s) => {
    s.root.path = 'nope';
    s.process.cwd = 'x';
    s.linux.intelRdt = { closID: 'x' };
  });
  t.throws(
    () => checkSpec(both, bundle),
    { message: 'config.json: process.cwd: must be an absolute path, got "x"' },
    'rules first',
  );
  const rootfsThenUnsupported = variant((s) => {
    s.root.path = 'nope';
    s.linux.intelRdt = { closID: 'x' };
  });
  t.throws(
    () => checkSpec(rootfsThenUnsupported, bundle),
    { message: /root\.path: rootfs directory/ },
    'rootfs before refusals',
  );
  try {
    checkSpec(
      variant((s) => void (s.linux.intelRdt = { closID: 'x' })),
      bundle,
    );
    t.fail('intelRdt refused');
  } catch (error) {
    t.ok(error instanceof ConfigError, 'a ConfigError');
    t.equal((error as ConfigError).jsonPath, 'linux.intelRdt');
  }
  t.equal(
    checkRootfs(
      variant((s) => void delete s.root),
      bundle,
    ),
    undefined,
  );
  t.end();
});

t.test('checkProcess (exec --process)', (t) => {
  t.doesNotThrow(() => checkProcess({ cwd: '/', args: ['true'] }));
  t.throws(() => checkProcess({ cwd: '/', args: [] }), { message: 'config.json: process.args: must not be empty' });
  t.throws(() => checkProcess({ cwd: '/', args: ['x'], capabilities: { effective: ['CAP_NOPE'] } }), {
    message: 'config.json: process.capabilities.effective[0]: unknown capability "CAP_NOPE"',
  });
  t.throws(() => checkProcess({ cwd: '/', args: ['x'], scheduler: { policy: 'SCHED_FIFO' } }), {
    message: 'config.json: process.scheduler.priority: must be between 1 and 99 for SCHED_FIFO, got 0',
  });
  t.doesNotThrow(() => checkProcess({ cwd: '/', args: ['x'], scheduler: { policy: 'SCHED_FIFO', priority: 1 } }));
  t.end();
});

/** Real configs: which pass the rules, and the first refusal of those tsrun cannot run yet. */
const REAL_RULE_FAILURES: Record<string, string> = {
  // crun fills in the current user's mappings itself; runc refuses a new userns without them.
  'crun-spec-rootless.json': 'config.json: linux.uidMappings: user namespace enabled, but no uid mappings found',
};

t.test('real engine configs', { skip: fs.existsSync(REAL_CONFIGS) ? false : `${REAL_CONFIGS} is absent` }, (t) => {
  const names = fs.readdirSync(REAL_CONFIGS).filter((n) => n.endsWith('.json') && !n.endsWith('-process.json'));
  t.ok(names.length >= 30, `${names.length} configs`);
  const refused = new Map<string, string>();
  for (const name of names) {
    const spec = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, name), 'utf8')) as Spec;
    const first = findSpecErrors(spec)[0]?.message;
    t.equal(first, REAL_RULE_FAILURES[name], `${name}: rules`);
    if (first) refused.set(name, first);
  }
  t.equal(refused.get('runc-spec.json'), undefined, 'runc spec is runnable');
  t.equal(refused.get('runc-spec-rootless.json'), undefined, 'runc spec --rootless is runnable');
  t.equal(refused.get('crun-spec.json'), undefined, 'crun spec is runnable');
  t.equal(refused.get('podman-default.json'), undefined, 'podman default (with its seccomp profile) is runnable');
  t.equal(refused.get('docker-default.json'), undefined, 'docker (resources with zeros, "hooks": {}) is runnable');
  t.equal(refused.get('docker-memory-pids.json'), undefined, 'docker --memory --pids-limit is runnable');
  t.equal(refused.get('podman-resources.json'), undefined, 'podman with memory, cpu and pids limits is runnable');
  t.equal(refused.get('ctr-resources.json'), undefined, 'ctr with memory and cpu limits is runnable');
  t.equal(refused.get('podman-hooks.json'), undefined, 'podman with a prestart hook is runnable');
  t.equal(refused.get('ctr-default.json'), undefined, 'ctr (cpu.shares 1024) is runnable');
  t.equal(refused.get('podman-seccomp-unconfined.json'), undefined, 'podman without seccomp is runnable');
  for (const name of names.filter((n) => n.endsWith('-process.json'))) t.fail(`${name} is a process file`);
  for (const name of fs.readdirSync(REAL_CONFIGS).filter((n) => n.endsWith('-process.json'))) {
    const process = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, name), 'utf8'));
    t.doesNotThrow(() => checkProcess(process), `${name}: exec process passes`);
  }
  t.end();
});

t.test('the capability and rlimit tables', (t) => {
  t.equal(CAPABILITIES.length, 41);
  t.equal(CAPABILITIES[0], 'CAP_CHOWN');
  t.equal(CAPABILITIES[21], 'CAP_SYS_ADMIN');
  t.equal(CAPABILITIES[40], 'CAP_CHECKPOINT_RESTORE');
  t.equal(RLIMITS.RLIMIT_NOFILE, 7);
  t.equal(Object.keys(RLIMITS).length, 16);
  t.end();
});
