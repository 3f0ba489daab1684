// Our schemas/ against the official runtime-spec schemas (draft-04, ../shared/oci-schemas, a
// test oracle only): the same verdict on a corpus of real engine output and of variants with
// one rule broken each, except where a disagreement is intended and listed with its reason.

import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import AjvDraft04 from 'ajv-draft-04';
import { loadValidators, schemaErrorToConfigError, type ValidateFunction } from '../../src/config/validate';
import { baseConfig, variant } from '../fixtures/configs/base-config';

const SHARED = path.resolve(__dirname, '../../../shared');
const REAL_CONFIGS = path.join(SHARED, 'configs');
const OFFICIAL_SCHEMAS = path.join(SHARED, 'oci-schemas');

type Kind = 'config' | 'process';

interface CorpusEntry {
  name: string;
  kind: Kind;
  doc: unknown;
  /** Expected verdict of our schema; the official one must be the same unless `disagree`. */
  valid: boolean;
  /** Intended disagreement: the official verdict is the opposite of `valid`, for this reason. */
  disagree?: string;
  /** Our first error, rendered, for invalid entries. */
  message?: string;
}

/** Real configs where our schema intentionally says "valid" and the official one "invalid". */
const REAL_DISAGREEMENTS: Record<string, string> = {
  'podman-device-fuse.json': 'podman writes device fileMode with the file-type bits (8630 = 0o20666); runc accepts it',
  'podman-privileged.json': 'podman writes device fileMode with the file-type bits (8576 = 0o20600); runc accepts it',
};

function realCorpus(): CorpusEntry[] {
  return fs
    .readdirSync(REAL_CONFIGS)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const doc = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, name), 'utf8'));
      const kind: Kind = name.endsWith('-process.json') ? 'process' : 'config';
      const entry: CorpusEntry = { name, kind, doc, valid: true };
      const reason = REAL_DISAGREEMENTS[name];
      if (reason) entry.disagree = reason;
      return entry;
    });
}

function invalid(name: string, message: string, mutate: Parameters<typeof variant>[0]): CorpusEntry {
  return { name, kind: 'config', doc: variant(mutate), valid: false, message };
}

/** One rule broken each; `message` is what loadSpec would print. */
const GENERATED: CorpusEntry[] = [
  { name: 'base config', kind: 'config', doc: baseConfig(), valid: true },
  invalid('ociVersion missing', 'config.json: ociVersion: is required', (s) => void delete s.ociVersion),
  invalid('ociVersion a number', 'config.json: ociVersion: must be string', (s) => void (s.ociVersion = 1)),
  invalid('document is an array', 'config.json: must be object', () => []),
  invalid('root without path', 'config.json: root.path: is required', (s) => void (s.root = { readonly: true })),
  invalid(
    'root.readonly a string',
    'config.json: root.readonly: must be boolean',
    (s) => void (s.root.readonly = 'yes'),
  ),
  invalid(
    'mount without destination',
    'config.json: mounts[2].destination: is required',
    (s) => void delete s.mounts[2].destination,
  ),
  invalid(
    'mount options a string',
    'config.json: mounts[1].options: must be array',
    (s) => void (s.mounts[1].options = 'ro'),
  ),
  invalid('mounts an object', 'config.json: mounts: must be array', (s) => void (s.mounts = {})),
  invalid('process without cwd', 'config.json: process.cwd: is required', (s) => void delete s.process.cwd),
  invalid('process.args a string', 'config.json: process.args: must be array', (s) => void (s.process.args = 'sh')),
  invalid(
    'process.args[0] a number',
    'config.json: process.args[0]: must be string',
    (s) => void (s.process.args = [1]),
  ),
  invalid('env entry null', 'config.json: process.env[1]: must be string', (s) => void (s.process.env[1] = null)),
  invalid('uid negative', 'config.json: process.user.uid: must be >= 0, got -1', (s) => void (s.process.user.uid = -1)),
  invalid(
    'gid above uint32',
    'config.json: process.user.gid: must be <= 4294967295, got 4294967296',
    (s) => void (s.process.user.gid = 2 ** 32),
  ),
  invalid('uid fractional', 'config.json: process.user.uid: must be integer', (s) => void (s.process.user.uid = 1.5)),
  invalid(
    'rlimit without soft',
    'config.json: process.rlimits[0].soft: is required',
    (s) => void delete s.process.rlimits[0].soft,
  ),
  invalid(
    'rlimit type lowercase',
    'config.json: process.rlimits[0].type: must match ^RLIMIT_[A-Z]+$, got "rlimit_nofile"',
    (s) => void (s.process.rlimits[0].type = 'rlimit_nofile'),
  ),
  invalid(
    'consoleSize without width',
    'config.json: process.consoleSize.width: is required',
    (s) => void (s.process.consoleSize = { height: 10 }),
  ),
  invalid(
    'capabilities.bounding a string',
    'config.json: process.capabilities.bounding: must be array',
    (s) => void (s.process.capabilities.bounding = 'CAP_KILL'),
  ),
  invalid(
    'ioPriority class unknown',
    'config.json: process.ioPriority.class: must be one of "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", got "IOPRIO_CLASS_X"',
    (s) => void (s.process.ioPriority = { class: 'IOPRIO_CLASS_X' }),
  ),
  invalid(
    'scheduler without policy',
    'config.json: process.scheduler.policy: is required',
    (s) => void (s.process.scheduler = { nice: 1 }),
  ),
  invalid(
    'execCPUAffinity letters',
    'config.json: process.execCPUAffinity.initial: must match ^[0-9, -]*$, got "x"',
    (s) => void (s.process.execCPUAffinity = { initial: 'x' }),
  ),
  invalid('hostname a number', 'config.json: hostname: must be string', (s) => void (s.hostname = 7)),
  invalid(
    'hook without path',
    'config.json: hooks.prestart[0].path: is required',
    (s) => void (s.hooks = { prestart: [{ args: ['x'] }] }),
  ),
  invalid(
    'hook timeout zero',
    'config.json: hooks.poststop[0].timeout: must be >= 1, got 0',
    (s) => void (s.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] }),
  ),
  invalid(
    'annotation value a number',
    'config.json: annotations."org.example.n": must be string',
    (s) => void (s.annotations = { 'org.example.n': 1 }),
  ),
  invalid(
    'namespace without type',
    'config.json: linux.namespaces[1].type: is required',
    (s) => void (s.linux.namespaces[1] = { path: '/proc/1/ns/net' }),
  ),
  invalid(
    'uidMappings entry without size',
    'config.json: linux.uidMappings[0].size: is required',
    (s) => void (s.linux.uidMappings = [{ containerID: 0, hostID: 1000 }]),
  ),
  invalid(
    'device without path',
    'config.json: linux.devices[0].path: is required',
    (s) => void (s.linux.devices = [{ type: 'c', major: 1, minor: 3 }]),
  ),
  invalid(
    'device type x',
    'config.json: linux.devices[0].type: must be one of "c", "b", "u", "p", got "x"',
    (s) => void (s.linux.devices = [{ type: 'x', path: '/dev/x' }]),
  ),
  invalid(
    'device cgroup rule without allow',
    'config.json: linux.resources.devices[0].allow: is required',
    (s) => void (s.linux.resources.devices = [{ access: 'rwm' }]),
  ),
  invalid(
    'pids without limit',
    'config.json: linux.resources.pids.limit: is required',
    (s) => void (s.linux.resources.pids = {}),
  ),
  invalid(
    'memory limit a string',
    'config.json: linux.resources.memory.limit: must be integer',
    (s) => void (s.linux.resources.memory = { limit: '64m' }),
  ),
  invalid(
    'blockIO weight above uint16',
    'config.json: linux.resources.blockIO.weight: must be <= 65535, got 70000',
    (s) => void (s.linux.resources.blockIO = { weight: 70000 }),
  ),
  invalid(
    'hugepage pageSize bad',
    'config.json: linux.resources.hugepageLimits[0].pageSize: must match ^[1-9][0-9]*[KMG]B$, got "2M"',
    (s) => void (s.linux.resources.hugepageLimits = [{ pageSize: '2M', limit: 1 }]),
  ),
  invalid(
    'throttle device without minor',
    'config.json: linux.resources.blockIO.throttleReadBpsDevice[0].minor: is required',
    (s) => void (s.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 8, rate: 1 }] }),
  ),
  invalid(
    'seccomp without defaultAction',
    'config.json: linux.seccomp.defaultAction: is required',
    (s) => void (s.linux.seccomp = { syscalls: [] }),
  ),
  invalid(
    'seccomp syscall with no names',
    'config.json: linux.seccomp.syscalls[0].names: must not be empty',
    (s) =>
      void (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }),
  ),
  invalid(
    'seccomp arch unknown',
    'config.json: linux.seccomp.architectures[0]: must be one of',
    (s) => void (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] }),
  ),
  invalid(
    'sysctl value a number',
    'config.json: linux.sysctl."net.ipv4.ip_forward": must be string',
    (s) => void (s.linux.sysctl = { 'net.ipv4.ip_forward': 1 }),
  ),
  invalid(
    'maskedPaths entry a number',
    'config.json: linux.maskedPaths[1]: must be string',
    (s) => void (s.linux.maskedPaths[1] = 5),
  ),
  invalid(
    'rootfsPropagation unknown',
    'config.json: linux.rootfsPropagation: must be one of',
    (s) => void (s.linux.rootfsPropagation = 'sideways'),
  ),
  invalid(
    'timeOffsets nanosecs negative',
    'config.json: linux.timeOffsets.boottime.nanosecs: must be >= 0, got -1',
    (s) => void (s.linux.timeOffsets = { boottime: { secs: 1, nanosecs: -1 } }),
  ),
  invalid(
    'personality domain unknown',
    'config.json: linux.personality.domain: must be one of "LINUX", "LINUX32", got "BSD"',
    (s) => void (s.linux.personality = { domain: 'BSD' }),
  ),
  invalid(
    'memBwSchema without MB:',
    'config.json: linux.intelRdt.memBwSchema: must match',
    (s) => void (s.linux.intelRdt = { memBwSchema: 'L3:0=ff' }),
  ),
  invalid(
    'netDevices entry name a number',
    'config.json: linux.netDevices.eth0.name: must be string',
    (s) => void (s.linux.netDevices = { eth0: { name: 1 } }),
  ),
  invalid(
    'network priority without name',
    'config.json: linux.resources.network.priorities[0].name: is required',
    (s) => void (s.linux.resources.network = { priorities: [{ priority: 1 }] }),
  ),
  {
    name: 'unknown namespace type',
    kind: 'config',
    doc: variant((s) => void (s.linux.namespaces[1].type = 'foo')),
    valid: true,
    disagree: 'namespace type is left to semantics.ts so the message can say `unknown namespace type "foo"`',
  },
  {
    name: 'memoryPolicy mode unknown',
    kind: 'config',
    doc: variant((s) => void (s.linux.memoryPolicy = { mode: 'MPOL_X' })),
    valid: true,
    disagree: 'modes and flags are left to memory-policy.ts, the one table validation, plan and features share',
  },
  {
    name: 'rootfsPropagation rprivate',
    kind: 'config',
    doc: variant((s) => void (s.linux.rootfsPropagation = 'rprivate')),
    valid: true,
    disagree: 'runc takes the recursive propagation spellings (specconv), so do we',
  },
  {
    name: 'device fileMode with S_IFCHR bits',
    kind: 'config',
    doc: variant(
      (s) => void (s.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o20666 }]),
    ),
    valid: true,
    disagree:
      'podman writes the file-type bits into fileMode and runc accepts them (semantics.ts checks they match the type)',
  },
  {
    name: 'extra unknown properties',
    kind: 'config',
    doc: variant((s) => {
      s.x = 1;
      s.process.extra = { a: 1 };
      s.linux.unknownThing = [];
    }),
    valid: true,
  },
];

/** Compiles the official schemas; the non-Linux platform schemas are not shipped, stub them. */
function officialValidators(): Record<Kind, ValidateFunction> {
  const ajv = new AjvDraft04({ strict: false, allErrors: false });
  for (const file of fs.readdirSync(OFFICIAL_SCHEMAS).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(OFFICIAL_SCHEMAS, file), 'utf8')), file);
  }
  for (const platform of ['solaris', 'windows', 'vm', 'zos', 'freebsd']) {
    ajv.addSchema({ [platform]: {} }, `config-${platform}.json`);
  }
  const config = ajv.getSchema('config-schema.json');
  const process = ajv.compile({ $ref: 'config-schema.json#/properties/process' });
  if (!config) throw new Error('official config-schema.json not found');
  return { config: config as ValidateFunction, process: process as ValidateFunction };
}

const haveShared = fs.existsSync(REAL_CONFIGS) && fs.existsSync(OFFICIAL_SCHEMAS);
const skipReason = haveShared ? false : `${SHARED}/configs or oci-schemas is absent: nothing to compare with`;

t.test('schemas agree with the official runtime-spec schemas', { skip: skipReason }, (t) => {
  const ours = loadValidators();
  const official = officialValidators();
  const corpus = [...realCorpus(), ...GENERATED];
  t.ok(corpus.length >= 40, `corpus has ${corpus.length} documents`);
  for (const entry of corpus) {
    const validate = entry.kind === 'config' ? ours.validateConfig : ours.validateProcess;
    const ourVerdict = validate(entry.doc);
    const officialVerdict = official[entry.kind](entry.doc);
    t.equal(ourVerdict, entry.valid, `${entry.name}: ours says ${entry.valid ? 'valid' : 'invalid'}`);
    if (entry.disagree) {
      t.equal(officialVerdict, !entry.valid, `${entry.name}: official disagrees as intended (${entry.disagree})`);
    } else {
      t.equal(officialVerdict, entry.valid, `${entry.name}: official agrees`);
    }
    if (entry.message && !ourVerdict) {
      const error = schemaErrorToConfigError(validate.errors![0]!, entry.doc);
      t.ok(error.message.startsWith(entry.message), `${entry.name}: "${error.message}" starts with "${entry.message}"`);
    }
  }
  t.end();
});

t.test('generated corpus needs no shared files: our verdicts and messages', (t) => {
  const ours = loadValidators();
  t.ok(GENERATED.length >= 40, `${GENERATED.length} generated documents`);
  for (const entry of GENERATED) {
    const verdict = ours.validateConfig(entry.doc);
    t.equal(verdict, entry.valid, entry.name);
    if (entry.message && !verdict) {
      const error = schemaErrorToConfigError(ours.validateConfig.errors![0]!, entry.doc);
      t.equal(error.code, 'ERR_TSRUN_CONFIG');
      t.ok(error.message.startsWith(entry.message), `${entry.name}: "${error.message}" starts with "${entry.message}"`);
    }
  }
  t.end();
});

t.test('state and features schemas', (t) => {
  const { validateState, validateFeatures } = loadValidators();
  const state = { ociVersion: '1.3.0', id: 'c1', status: 'created', pid: 42, bundle: '/b', annotations: { a: 'b' } };
  t.ok(validateState(state), 'a created state is valid');
  t.ok(validateState({ ...state, status: 'stopped', pid: 0 }), 'stopped with pid 0 is valid');
  t.notOk(validateState({ ...state, status: 'paused2' }), 'unknown status refused');
  t.notOk(validateState({ ...state, pid: -1 }), 'negative pid refused');
  t.notOk(validateState({ ociVersion: '1.3.0', id: 'c1', status: 'created' }), 'bundle is required');
  t.notOk(validateState({ ...state, id: '' }), 'empty id refused');
  const features = {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.3.0',
    hooks: ['prestart'],
    mountOptions: ['ro', 'rbind'],
    linux: {
      namespaces: ['pid', 'mount'],
      capabilities: ['CAP_KILL'],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
      netDevices: { enabled: false },
    },
    annotations: { 'org.opencontainers.runc.version': '1.1.5' },
  };
  t.ok(validateFeatures(features), 'runc-shaped features are valid');
  t.notOk(validateFeatures({ ...features, ociVersionMax: undefined }), 'ociVersionMax is required');
  t.notOk(validateFeatures({ ...features, linux: { namespaces: ['foo'] } }), 'unknown namespace in features refused');
  t.notOk(validateFeatures({ ...features, linux: { capabilities: ['kill'] } }), 'capability names must be CAP_*');
  t.end();
});

t.test('the official schemas agree on state and features', { skip: skipReason }, (t) => {
  const ajv = new AjvDraft04({ strict: false });
  for (const file of fs.readdirSync(OFFICIAL_SCHEMAS).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(OFFICIAL_SCHEMAS, file), 'utf8')), file);
  }
  const officialState = ajv.getSchema('state-schema.json')!;
  const officialFeatures = ajv.getSchema('features-schema.json')!;
  const { validateState, validateFeatures } = loadValidators();
  const states = [
    { ociVersion: '1.3.0', id: 'c1', status: 'running', pid: 1, bundle: '/b' },
    { ociVersion: '1.3.0', id: 'c1', status: 'nope', bundle: '/b' },
    { ociVersion: '1.3.0', id: 'c1', status: 'created' },
    { ociVersion: '1.3.0', id: 'c1', status: 'stopped', pid: -3, bundle: '/b' },
  ];
  for (const state of states) t.equal(validateState(state), officialState(state), JSON.stringify(state));
  const featuresDocs = [
    { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { namespaces: ['user'], cgroup: { v2: true } } },
    { ociVersionMin: '1.0.0' },
    { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { capabilities: ['nope'] } },
  ];
  for (const doc of featuresDocs) t.equal(validateFeatures(doc), officialFeatures(doc), JSON.stringify(doc));
  t.end();
});
