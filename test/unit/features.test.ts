// `features` as a document: valid under schemas/features.schema.json (and the official
// runtime-spec schema where ../shared has it), and its seccomp claims true: every listed
// action, operator, architecture and supported flag compiles through compile.ts, and what
// it leaves out does not. What the kernel lacks is tested with the kernel mocked (a fake
// SeccompKernel, a fake /proc/self/ns). Claims that need a container:
// test/integration/features.test.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import AjvDraft04 from 'ajv-draft-04';
import { features, hostNamespaces, memoryPolicyFeatures } from '../../src/cli/features';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../../src/config/memory-policy';
import { hostMemoryPolicyCheck } from '../../src/sys/memory-policy-modes';
import { kernelHasMountSetattr } from '../../src/sys/mount-setattr';
import { NAMESPACE_CLONE_FLAGS, NAMESPACE_PROC_FILES } from '../../src/config/linux-names';
import { loadValidators } from '../../src/config/validate';
import type { Seccomp } from '../../src/config/types';
import { compileSeccomp, SECCOMP_ARCHES, SECCOMP_FLAGS } from '../../src/seccomp/compile';
import { seccompFeatures } from '../../src/seccomp/features';
import type { SeccompKernel } from '../../src/seccomp/kernel';
import { libseccomp } from '../../src/seccomp/libseccomp';

const doc = features() as Record<string, any>;
const seccomp = doc.linux.seccomp;
const OFFICIAL = path.resolve(__dirname, '../../../shared/oci-schemas');
const RUNC = '/usr/sbin/runc';

/** Whether `profile` compiles; the error's message when it does not. */
function compiles(profile: Seccomp): true | string {
  try {
    compileSeccomp(profile);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

t.test('the document is valid under our schema, and a wrong one is not', (t) => {
  const { validateFeatures } = loadValidators();
  t.ok(validateFeatures(doc), JSON.stringify(validateFeatures.errors));
  const wrong: [string, Record<string, any>][] = [
    ['mountOptions a string', { ...doc, mountOptions: 'ro' }],
    ['seccomp.enabled a string', { ...doc, linux: { ...doc.linux, seccomp: { ...seccomp, enabled: 'yes' } } }],
    ['an unknown action', { ...doc, linux: { ...doc.linux, seccomp: { ...seccomp, actions: ['SCMP_ACT_NOPE'] } } }],
    ['intelRdt.monitoring a number', { ...doc, linux: { ...doc.linux, intelRdt: { monitoring: 1 } } }],
    ['memoryPolicy.modes not an array', { ...doc, linux: { ...doc.linux, memoryPolicy: { modes: 'MPOL_BIND' } } }],
    ['an annotation not a string', { ...doc, annotations: { a: 1 } }],
  ];
  for (const [what, bad] of wrong) t.notOk(validateFeatures(bad), `${what}: invalid`);
  t.end();
});

t.test(
  'the official runtime-spec schema accepts it',
  { skip: !fs.existsSync(OFFICIAL) && 'no shared schemas' },
  (t) => {
    const ajv = new AjvDraft04({ strict: false });
    for (const file of fs.readdirSync(OFFICIAL).filter((f) => f.endsWith('.json')))
      ajv.addSchema(JSON.parse(fs.readFileSync(path.join(OFFICIAL, file), 'utf8')), file);
    const official = ajv.getSchema('features-schema.json')!;
    t.ok(official(doc), JSON.stringify(official.errors));
    t.notOk(official({ ...doc, linux: { ...doc.linux, namespaces: ['nope'] } }), 'and refuses an unknown namespace');
    t.end();
  },
);

t.test('every listed seccomp action compiles, as the default and in a rule', (t) => {
  t.ok(seccomp.enabled, 'libseccomp is here');
  for (const action of seccomp.actions) {
    const rule = { names: ['getcwd'], action };
    if (action === 'SCMP_ACT_NOTIFY') {
      const profile = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [rule] } as Seccomp;
      t.equal(compiles(profile), true, `${action} in a rule, with a listenerPath`);
      continue;
    }
    t.equal(compiles({ defaultAction: action }), true, `${action} as defaultAction`);
    t.equal(compiles({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [rule] }), true, `${action} in a rule`);
  }
  t.ok(seccomp.actions.includes('SCMP_ACT_NOTIFY'), 'notify is listed');
  t.match(
    compiles({ defaultAction: 'SCMP_ACT_NOTIFY' }),
    /cannot be the default action/,
    'but never as the default (runc)',
  );
  t.end();
});

t.test('every listed operator compiles', (t) => {
  for (const op of seccomp.operators) {
    const args = [{ index: 0, value: 1, valueTwo: 1, op }];
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args }],
    };
    t.equal(compiles(profile as Seccomp), true, op);
  }
  t.end();
});

t.test('every listed architecture compiles; the ones left out do not', (t) => {
  const rule = { names: ['getcwd'], action: 'SCMP_ACT_ERRNO' };
  for (const arch of Object.keys(SECCOMP_ARCHES)) {
    const result = compiles({ defaultAction: 'SCMP_ACT_ALLOW', architectures: [arch], syscalls: [rule] } as Seccomp);
    if (seccomp.archs.includes(arch)) t.equal(result, true, `${arch}: listed, compiles`);
    else t.not(result, true, `${arch}: not listed, refused (${result})`);
  }
  t.ok(seccomp.archs.includes('SCMP_ARCH_X86_64') || seccomp.archs.includes('SCMP_ARCH_AARCH64'), 'the native one');
  t.end();
});

t.test('supported flags compile; known but unsupported ones are refused', (t) => {
  for (const flag of seccomp.knownFlags) {
    // WAIT_KILLABLE_RECV is about the listener: it needs a rule that notifies.
    const notify = { listenerPath: '/run/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
    const result = compiles({ defaultAction: 'SCMP_ACT_ALLOW', flags: [flag], ...notify } as Seccomp);
    if (seccomp.supportedFlags.includes(flag)) t.equal(result, true, `${flag}: supported`);
    else t.match(result, /is not supported by this kernel/, `${flag}: refused`);
  }
  t.same(seccomp.knownFlags, Object.keys(SECCOMP_FLAGS), 'known: every flag tsrun can name');
  t.end();
});

/** A mocked kernel without these flag bits and actions. */
function kernelWithout(flagBits: number, actions: number[]): SeccompKernel {
  return {
    acceptsFlags: (bits) => (bits & flagBits) === 0,
    hasAction: (action) => !actions.includes((action & 0xffff0000) >>> 0),
  };
}
const SPEC_ALLOW = 1 << 2;
const WAIT_KILLABLE_RECV = 1 << 5;
const USER_NOTIF = 0x7fc00000;
const RET_LOG = 0x7ffc0000;

t.test('(mocked kernel) flags and actions it lacks are not listed, and compile refuses them by entry', (t) => {
  const old = kernelWithout(SPEC_ALLOW | WAIT_KILLABLE_RECV, [USER_NOTIF, RET_LOG]);
  const listed = seccompFeatures(libseccomp, () => old).seccomp as Record<string, string[]>;
  t.same(listed.supportedFlags, ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'], 'TSYNC (dropped) and LOG');
  t.same(listed.knownFlags, Object.keys(SECCOMP_FLAGS), 'all still known');
  t.notOk(listed.actions!.includes('SCMP_ACT_NOTIFY'), 'no NOTIFY');
  t.notOk(listed.actions!.includes('SCMP_ACT_LOG'), 'no LOG action');
  t.ok(listed.actions!.includes('SCMP_ACT_ERRNO'), 'ERRNO is');

  const refused = (profile: Seccomp): string => {
    try {
      compileSeccomp(profile, old);
      return 'compiled';
    } catch (err) {
      return (err as Error).message;
    }
  };
  const flags = ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'];
  t.equal(
    refused({ defaultAction: 'SCMP_ACT_ALLOW', flags }),
    'config.json: linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported by this kernel',
  );
  t.equal(
    refused({ defaultAction: 'SCMP_ACT_LOG' }),
    'config.json: linux.seccomp.defaultAction: SCMP_ACT_LOG is not supported by this kernel',
  );
  t.equal(
    refused({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_LOG' }] }),
    'config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_LOG is not supported by this kernel',
  );
  const { flags: bits } = compileSeccomp(
    { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'] },
    old,
  );
  t.equal(bits, 1 << 1, 'what it has compiles: TSYNC dropped, LOG passed');
  t.end();
});

t.test('(mocked kernel) WAIT_KILLABLE_RECV is asked together with NEW_LISTENER', (t) => {
  const asked: number[] = [];
  const kernel: SeccompKernel = { acceptsFlags: (bits) => (asked.push(bits), true), hasAction: () => true };
  seccompFeatures(libseccomp, () => kernel);
  t.ok(asked.includes(WAIT_KILLABLE_RECV | (1 << 3)), 'with the listener bit');
  t.notOk(asked.includes(0), 'TSYNC is never asked: it is not passed to the kernel');
  t.end();
});

t.test('namespaces: those /proc/self/ns shows (mocked: no time, no cgroup)', (t) => {
  t.same(Object.keys(NAMESPACE_PROC_FILES).sort(), Object.keys(NAMESPACE_CLONE_FLAGS).sort(), 'one file per type');
  const old = hostNamespaces((file) => !['time', 'cgroup'].includes(file));
  t.same(old, ['ipc', 'mount', 'network', 'pid', 'user', 'uts']);
  t.same(
    hostNamespaces(() => true),
    Object.keys(NAMESPACE_CLONE_FLAGS).sort(),
    'all eight where all are',
  );
  t.same(doc.linux.namespaces, hostNamespaces(), 'the document says this host');
  t.end();
});

t.test('without libseccomp, seccomp is disabled and no version is claimed', (t) => {
  const none = seccompFeatures(() => {
    throw new Error('libseccomp.so.2: cannot open shared object file');
  });
  t.same(none, { seccomp: { enabled: false } });
  t.end();
});

t.test("libseccomp's version is the loaded library's", (t) => {
  const version = doc.annotations['io.github.seccomp.libseccomp.version'];
  t.match(version, /^\d+\.\d+\.\d+$/);
  // runc links the same shared library and prints its version.
  if (fs.existsSync(RUNC)) {
    const runc = spawnSync(RUNC, ['--version'], { encoding: 'utf8' }).stdout;
    t.equal(version, /libseccomp: (\S+)/.exec(runc)?.[1], 'runc --version says the same');
  }
  t.end();
});

t.test(
  '(mocked kernel) memory policy: a 6.1 kernel has neither of the late modes, nor NUMA_BALANCING on a 5.10',
  (t) => {
    const onLinux61 = (mode: number) => (mode & 0xff) <= 5; // before WEIGHTED_INTERLEAVE (6)
    t.same(
      memoryPolicyFeatures(onLinux61).modes,
      Object.keys(MEMORY_POLICY_MODES).slice(0, 6),
      'no WEIGHTED_INTERLEAVE',
    );
    const onLinux510 = (mode: number) =>
      (mode & 0xff) <= 4 && (mode & MEMORY_POLICY_FLAGS.MPOL_F_NUMA_BALANCING!) === 0;
    const old = memoryPolicyFeatures(onLinux510);
    t.notOk(old.modes.includes('MPOL_PREFERRED_MANY'), 'no PREFERRED_MANY');
    t.same(old.flags, ['MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'], 'no NUMA_BALANCING');
    t.end();
  },
);

t.test('this host: the empty mbind tells a known mode from one past MPOL_MAX, and the document says it', (t) => {
  const accepts = hostMemoryPolicyCheck();
  t.ok(accepts(MEMORY_POLICY_MODES.MPOL_BIND!.value), 'MPOL_BIND');
  t.notOk(accepts(7), 'mode 7: past MPOL_MAX on every kernel so far');
  t.notOk(
    accepts(MEMORY_POLICY_MODES.MPOL_PREFERRED!.value | MEMORY_POLICY_FLAGS.MPOL_F_NUMA_BALANCING!),
    'NUMA_BALANCING only with BIND/PREFERRED_MANY',
  );
  t.same(doc.linux.memoryPolicy, memoryPolicyFeatures(accepts));
  t.end();
});

t.test('this host: idmap where user namespaces and mount_setattr are, netDevices where network namespaces are', (t) => {
  t.ok(kernelHasMountSetattr(), 'Linux 5.12 or later has mount_setattr (this host: 6.x)');
  const namespaces: string[] = doc.linux.namespaces;
  t.same(doc.linux.mountExtensions, { idmap: { enabled: namespaces.includes('user') && kernelHasMountSetattr() } });
  t.same(doc.linux.netDevices, { enabled: namespaces.includes('network') });
  t.end();
});
