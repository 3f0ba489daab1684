// The InitPlan contract: src/plan/types.ts is the one definition of the plan the runtime
// hands to the addon, and the C++ side is checked against it three ways:
//   1. every key addon/src/plan.cc reads is a field of types.ts and every field is read
//      (a field spelled differently, or added on one side only);
//   2. every field crosses: two full plans (tsc makes them name every field, optional ones
//      too), differing in every value, come back from the addon's ChildPlan (planEcho)
//      unchanged, so no field is ignored, defaulted, swapped or dropped on the way;
//   3. plan_echo.cc takes each plan.h struct apart with a structured binding, so a member
//      added to the ChildPlan without being echoed (and so compared here) does not compile.
// Each checker has a case below that plants a difference and sees it fail.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { type InitPlan, MountTargetKind } from '../../src/plan/types';
import { native } from '../../src/sys/native';

const repo = path.resolve(__dirname, '..', '..');

/** Every field, optional ones included, all the way down: a fixture lacking one is a tsc error. */
type Full<T> = T extends bigint | number | string | boolean | Uint8Array
  ? T
  : T extends readonly (infer E)[]
    ? Full<E>[]
    : T extends object
      ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> }
      : T;

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const U64_MAX = 2n ** 64n - 1n;
// BPF "ret ALLOW" and "ld [0]; ret ALLOW": whole 8-byte instructions.
const bpf = (...insns: number[][]) => Uint8Array.from(insns.flat());
const RET_ALLOW = [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f];
const LD_NR = [0x20, 0, 0, 0, 0, 0, 0, 0];

const planA: Full<InitPlan> = {
  joins: [{ type: 0x40000000, fd: 11, index: 2 }],
  newNamespaces: 0x20020000,
  hasUserMappings: true,
  hasTimeOffsets: true,
  cgroupFd: 12,
  rootFd: 17,
  rootfs: '/a/rootfs',
  rootPropagation: 0x84000,
  rootfsPropagation: 0x40000,
  rootReadonly: true,
  noPivot: true,
  mounts: [
    {
      index: 3,
      source: '/a/src',
      destination: '/a/dst',
      fstype: 'tmpfs',
      flags: 0x5000,
      data: 'size=1k',
      remountFlags: 0x1,
      clearFlags: 0x2,
      recursiveAttrSet: 0x200001,
      recursiveAttrClr: 0x70,
      copyUp: true,
      idmapped: false,
      propagation: [0x40000],
      targetKind: MountTargetKind.Directory,
      sourceIsPath: true,
      sourceTreeFd: 13,
    },
  ],
  devices: [
    {
      index: 4,
      path: '/dev/a',
      fileType: S_IFCHR,
      major: 1,
      minor: 3,
      mode: 0o666,
      uid: 5,
      gid: 6,
      bindFromHost: true,
    },
  ],
  symlinks: [{ target: '/proc/self/fd', linkPath: '/dev/fd' }],
  maskedPaths: ['/proc/kcore'],
  readonlyPaths: ['/proc/sys'],
  sysctls: [{ path: 'net/ipv4/ip_forward', value: '1', key: 'net.ipv4.ip_forward' }],
  hostname: 'host-a',
  domainname: 'domain-a',
  sessionKeyring: '_ses.a',
  sessionKeyringPerm: 0x080000,
  rlimits: [{ resource: 7, soft: 1024n, hard: 4096n, index: 0 }],
  uid: 1000,
  gid: 1001,
  additionalGids: [10],
  umask: 0o022,
  capabilities: { bounding: 1n << 21n, effective: 1n, permitted: 3n, inheritable: 4n, ambient: 8n },
  noNewPrivileges: true,
  seccomp: { filter: bpf(RET_ALLOW), flags: 1 },
  scheduler: {
    policy: 6,
    flags: 0x41,
    nice: -5,
    priority: 0,
    runtime: 10n ** 6n,
    deadline: 2n * 10n ** 6n,
    period: U64_MAX >> 1n,
  },
  ioPriority: (1 << 13) | 4,
  personality: 8,
  cpuAffinityInitial: Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]),
  cpuAffinityFinal: Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]),
  memoryPolicy: { mode: 2 | (1 << 15), nodes: [0, 3, 64, 1023] },
  cwd: '/a',
  args: ['/bin/a', '-x'],
  env: ['A=1'],
  searchPath: ['/a/bin'],
  fifoFd: 14,
  consoleSocketFd: 15,
  consoleRows: 24,
  consoleCols: 80,
  preserveFds: 2,
  inheritFds: [4],
  createContainerHooks: {
    hooks: [{ index: 0, path: '/a/hook', args: ['hook-a', '-x'], env: ['H=1'], timeoutMs: 5000 }],
    statePrefix: '{"status":"creating","pid":',
    stateSuffix: ',"bundle":"/a"}',
  },
  startContainerHooks: {
    hooks: [{ index: 2, path: '/a/start', args: ['/a/start'], env: null, timeoutMs: -1 }],
    statePrefix: '{"status":"created","pid":',
    stateSuffix: ',"bundle":"/a/s"}',
  },
  startReportFd: 16,
};

const planB: Full<InitPlan> = {
  joins: [{ type: 0x04000000, fd: 21, index: 5 }],
  newNamespaces: 0x14000000,
  hasUserMappings: false,
  hasTimeOffsets: false,
  cgroupFd: 22,
  rootFd: 23,
  rootfs: '/b/rootfs',
  rootPropagation: 0x44000,
  rootfsPropagation: 0x80000,
  rootReadonly: false,
  noPivot: false,
  mounts: [
    {
      index: -1,
      source: 'proc',
      destination: '/b/proc',
      fstype: 'proc',
      flags: 0xe,
      data: 'hidepid=2',
      remountFlags: -1,
      clearFlags: 0,
      recursiveAttrSet: 0,
      recursiveAttrClr: 0x8,
      copyUp: false,
      idmapped: true,
      propagation: [0x84000],
      targetKind: MountTargetKind.File,
      sourceIsPath: false,
      sourceTreeFd: -1,
    },
  ],
  devices: [
    {
      index: -1,
      path: '/dev/b',
      fileType: S_IFBLK,
      major: 8,
      minor: 1,
      mode: 0o600,
      uid: 0,
      gid: 0,
      bindFromHost: false,
    },
  ],
  symlinks: [{ target: '/proc/self/fd/0', linkPath: '/dev/stdin' }],
  maskedPaths: ['/proc/keys'],
  readonlyPaths: ['/proc/bus'],
  sysctls: [{ path: 'kernel/shmmax', value: '65536', key: 'kernel.shmmax' }],
  hostname: 'host-b',
  domainname: 'domain-b',
  sessionKeyring: '_ses.b',
  sessionKeyringPerm: 0x08,
  rlimits: [{ resource: 1, soft: 0n, hard: U64_MAX, index: 1 }],
  uid: 0,
  gid: 0,
  additionalGids: [20],
  umask: -1,
  capabilities: { bounding: 1n << 40n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
  noNewPrivileges: false,
  seccomp: { filter: bpf(LD_NR, RET_ALLOW), flags: 0 },
  scheduler: null,
  ioPriority: -1,
  personality: -1,
  cpuAffinityInitial: null,
  cpuAffinityFinal: null,
  memoryPolicy: { mode: 4, nodes: [] },
  cwd: '/b',
  args: ['b'],
  env: ['B=2', 'C=3'],
  searchPath: ['/b/bin', '/usr/bin'],
  fifoFd: -1,
  consoleSocketFd: -1,
  consoleRows: 0,
  consoleCols: 0,
  preserveFds: 3,
  inheritFds: [3, 5],
  createContainerHooks: {
    hooks: [{ index: 1, path: '/b/hook', args: ['/b/hook'], env: null, timeoutMs: -1 }],
    statePrefix: '{"pid":',
    stateSuffix: '}',
  },
  startContainerHooks: {
    hooks: [{ index: 0, path: '/b/start', args: ['start-b', 'y'], env: ['S=2', 'T=3'], timeoutMs: 1000 }],
    statePrefix: '{"id":"b","pid":',
    stateSuffix: ',"bundle":"/b"}',
  },
  startReportFd: -1,
};

type Tree = unknown;
const isObject = (v: Tree): v is Record<string, Tree> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const show = (v: Tree) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes[${v.length}]` : `${v}`);

/** Where `got` (the child's plan) differs from `sent`, one line per field. */
function differences(sent: Tree, got: Tree, at = 'plan'): string[] {
  if (Array.isArray(sent) && Array.isArray(got)) {
    if (sent.length !== got.length) return [`${at}: sent ${sent.length} entries, the child sees ${got.length}`];
    return sent.flatMap((v, i) => differences(v, got[i], `${at}[${i}]`));
  }
  if (isObject(sent) && isObject(got)) {
    const keys = new Set([...Object.keys(sent), ...Object.keys(got)]);
    return [...keys].flatMap((k) =>
      !(k in got)
        ? [`${at}.${k}: not in the child's plan (plan.cc or plan_echo.cc lacks it)`]
        : !(k in sent)
          ? [`${at}.${k}: in the child's plan but not in src/plan/types.ts`]
          : differences(sent[k], got[k], `${at}.${k}`),
    );
  }
  if (sent instanceof Uint8Array && got instanceof Uint8Array && Buffer.compare(sent, got) === 0) return [];
  return sent === got ? [] : [`${at}: sent ${show(sent)}, the child sees ${show(got)}`];
}

/** Fields where two fixtures agree: such a field could be ignored by the addon unseen. */
function sameValues(a: Tree, b: Tree, at = 'plan'): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === 0 && b.length === 0) return [`${at}: empty in both`];
    return a.flatMap((v, i) => (i < b.length ? sameValues(v, b[i], `${at}[${i}]`) : []));
  }
  if (isObject(a) && isObject(b)) return Object.keys(a).flatMap((k) => sameValues(a[k], b[k], `${at}.${k}`));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0 ? [at] : [];
  return a === b ? [at] : [];
}

/** Every field name of a plan, at any depth. */
function fieldNames(v: Tree, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) fieldNames(x, out);
  else if (isObject(v))
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      fieldNames(x, out);
    }
  return out;
}

/** The keys plan.cc reads: its bare camelCase string literals ("cgroupFd", and ".rootfs" in
 * error paths), less the root's name. */
function readerKeys(source: string): Set<string> {
  const keys = [...source.matchAll(/"\.?([a-z][A-Za-z0-9]*)"/g)].map((m) => m[1]!);
  return new Set(keys.filter((k) => k !== 'plan'));
}

/** The two sides' field names compared, one line per name only one side has. */
function keyMismatches(tsNames: Set<string>, cppKeys: Set<string>): string[] {
  return [
    ...[...cppKeys].filter((k) => !tsNames.has(k)).map((k) => `plan.cc reads "${k}", which types.ts does not have`),
    ...[...tsNames].filter((k) => !cppKeys.has(k)).map((k) => `types.ts has "${k}", which plan.cc never reads`),
  ];
}

const planSource = () => fs.readFileSync(path.join(repo, 'addon/src/plan.cc'), 'utf8');

t.test('plan.cc reads exactly the fields of types.ts', async (t) => {
  t.same(keyMismatches(fieldNames(planA), readerKeys(planSource())), []);
});

t.test('the key check trips on a field on one side only, or spelled differently', async (t) => {
  const added = planSource().replace(
    'r.field_num(o, w, "cgroupFd"',
    'r.field_num(o, w, "joinPid", -1, kI32Max, &d->cgroup_fd) && r.field_num(o, w, "cgroupFd"',
  );
  t.same(keyMismatches(fieldNames(planA), readerKeys(added)), [
    'plan.cc reads "joinPid", which types.ts does not have',
  ]);
  const misspelt = planSource().replace('"cgroupFd"', '"cgroupFD"');
  t.same(keyMismatches(fieldNames(planA), readerKeys(misspelt)), [
    'plan.cc reads "cgroupFD", which types.ts does not have',
    'types.ts has "cgroupFd", which plan.cc never reads',
  ]);
  t.same(keyMismatches(fieldNames({ ...planA, joinPid: 1 }), readerKeys(planSource())), [
    'types.ts has "joinPid", which plan.cc never reads',
  ]);
});

t.test('the two fixtures differ in every field', async (t) => {
  t.same(sameValues(planA, planB), []);
  t.same(sameValues(planB, planA), []);
});

t.test('the fixture check trips on a field both fixtures give the same value', async (t) => {
  t.same(sameValues(planA, { ...planB, cgroupFd: planA.cgroupFd }), ['plan.cgroupFd']);
  t.same(sameValues({ ...planA, inheritFds: [] }, { ...planB, inheritFds: [] }), ['plan.inheritFds: empty in both']);
});

t.test('a fixture lacking a field, optional ones included, does not type-check', async (t) => {
  const { sessionKeyringPerm: _, ...lacking } = planA;
  // @ts-expect-error sessionKeyringPerm is missing
  const incomplete: Full<InitPlan> = lacking;
  t.notOk('sessionKeyringPerm' in incomplete);
});

t.test('every field crosses into the child plan unchanged', async (t) => {
  for (const [name, plan] of [
    ['plan A', planA],
    ['plan B', planB],
  ] as const)
    t.same(differences(plan, native().planEcho(plan)), [], name);
});

t.test('absent and null optional fields reach the child as none', async (t) => {
  const {
    sessionKeyring: _k,
    sessionKeyringPerm: _p,
    seccomp: _s,
    memoryPolicy: _m,
    hasTimeOffsets: _t,
    createContainerHooks: _c,
    startContainerHooks: _h,
    startReportFd: _r,
    ...required
  } = { ...planA, preserveFds: 0, inheritFds: [] };
  const bare = {
    ...required,
    hostname: null,
    domainname: null,
    capabilities: null,
  };
  const defaults = {
    ...bare,
    sessionKeyring: null,
    sessionKeyringPerm: 0x080000,
    seccomp: null,
    memoryPolicy: null,
    hasTimeOffsets: false,
    createContainerHooks: null,
    startContainerHooks: null,
    startReportFd: -1,
  };
  t.same(differences(defaults, native().planEcho(bare)), []);
  t.same(
    differences(
      defaults,
      native().planEcho({
        ...bare,
        sessionKeyring: null,
        seccomp: null,
        memoryPolicy: null,
        hasTimeOffsets: false,
        createContainerHooks: null,
        startReportFd: -1,
      }),
    ),
    [],
  );
});

t.test('the round trip trips on a field the addon does not carry', async (t) => {
  t.same(differences({ ...planA, joinPid: 4 }, native().planEcho({ ...planA, joinPid: 4 } as InitPlan)), [
    "plan.joinPid: not in the child's plan (plan.cc or plan_echo.cc lacks it)",
  ]);
  const { cgroupFd: _, ...withoutCgroupFd } = native().planEcho(planA);
  t.same(differences(planA, withoutCgroupFd), [
    "plan.cgroupFd: not in the child's plan (plan.cc or plan_echo.cc lacks it)",
  ]);
  t.same(differences(planA, { ...native().planEcho(planA), uid: 0 }), ['plan.uid: sent 1000, the child sees 0']);
  t.same(differences(planA, { ...native().planEcho(planA), joinPid: 4 }), [
    "plan.joinPid: in the child's plan but not in src/plan/types.ts",
  ]);
});

// Compiles plan_echo.cc against a copy of addon/src, changed by `edit` (syntax only).
function compileEcho(edit: (planH: string) => string): { status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-plan-echo-'));
  try {
    fs.cpSync(path.join(repo, 'addon/src'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'plan.h'), edit(fs.readFileSync(path.join(dir, 'plan.h'), 'utf8')));
    const nodeHeaders = fs.existsSync('/usr/include/node/node_api.h')
      ? '/usr/include/node'
      : path.join(os.homedir(), '.cache/node-gyp', process.versions.node, 'include/node');
    const addonApi = path.dirname(require.resolve('node-addon-api/package.json', { paths: [repo] }));
    // gcc compiles .cc as C++.
    const r = spawnSync(
      'gcc',
      [
        '-std=c++17',
        '-fsyntax-only',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-DNAPI_VERSION=8',
        '-DNAPI_DISABLE_CPP_EXCEPTIONS',
      ].concat([`-I${nodeHeaders}`, `-I${addonApi}`, path.join(dir, 'plan_echo.cc')]),
      { encoding: 'utf8' },
    );
    return { status: r.status, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

t.test('a ChildPlan member plan_echo.cc does not name is a compile error', async (t) => {
  const asIs = compileEcho((h) => h);
  t.equal(asIs.status, 0, `plan_echo.cc compiles as it is: ${asIs.stderr}`);
  const added = compileEcho((h) =>
    h.replace('  uint32_t n_inherit_fds;\n', '  uint32_t n_inherit_fds;\n  int32_t join_pid;\n'),
  );
  t.not(added.status, 0, 'an extra ChildPlan member fails the build');
  t.match(added.stderr, /structured binding/);
  const inMount = compileEcho((h) => h.replace('  int32_t source_tree_fd;', '  int32_t source_tree_fd;\n  int32_t x;'));
  t.not(inMount.status, 0, 'an extra MountPlan member fails the build');
});
