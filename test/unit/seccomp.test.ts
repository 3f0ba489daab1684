// linux.seccomp -> BPF: the mapping tables, runc's rules, errors naming the JSON path, and
// the real engine profiles. Needs libseccomp.so.2 (no privileges).
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { ConfigError } from '../../src/errors';
import {
  BPF_INSN_SIZE,
  compileSeccomp,
  compileSeccompParts,
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
  seccompAction,
} from '../../src/seccomp/compile';
import type { Seccomp } from '../../src/config/types';
import { describeChildError } from '../../src/plan/describe';
import { ChildStep, SyncType } from '../../src/plan/types';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');

t.test('mapping tables (seccomp.h values)', (t) => {
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_KILL, 0, 'KILL is KILL_THREAD');
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_KILL_THREAD, 0);
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_KILL_PROCESS, 0x80000000);
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_TRAP, 0x00030000);
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_ALLOW, 0x7fff0000);
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_LOG, 0x7ffc0000);
  t.equal(SECCOMP_ACTIONS.SCMP_ACT_NOTIFY, 0x7fc00000);
  t.equal(seccompAction('SCMP_ACT_ERRNO', undefined, 'x'), 0x00050001, 'ERRNO defaults to EPERM (runc)');
  t.equal(seccompAction('SCMP_ACT_ERRNO', 38, 'x'), 0x00050026, 'errnoRet ENOSYS');
  t.equal(seccompAction('SCMP_ACT_TRACE', undefined, 'x'), 0x7ff00001, 'TRACE defaults to EPERM (runc)');
  t.equal(seccompAction('SCMP_ACT_ALLOW', 5, 'x'), 0x7fff0000, 'errnoRet ignored for other actions');
  t.same(Object.values(SECCOMP_OPERATORS), [1, 2, 3, 4, 5, 6, 7]);
  t.equal(SECCOMP_ARCHES.SCMP_ARCH_X86_64, 0xc000003e);
  t.equal(SECCOMP_ARCHES.SCMP_ARCH_X86, 0x40000003);
  t.equal(SECCOMP_ARCHES.SCMP_ARCH_X32, 0x4000003e);
  t.equal(SECCOMP_ARCHES.SCMP_ARCH_AARCH64, 0xc00000b7);
  t.same(SECCOMP_FLAGS, {
    SECCOMP_FILTER_FLAG_TSYNC: 0,
    SECCOMP_FILTER_FLAG_LOG: 2,
    SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
  });
  t.end();
});

/** The BPF as [code, jt, jf, k] tuples. */
function insns(filter: Buffer): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < filter.length; i += 8)
    out.push([filter.readUInt16LE(i), filter[i + 2]!, filter[i + 3]!, filter.readUInt32LE(i + 4)]);
  return out;
}
/** BPF_RET|BPF_K values the filter can return. */
const returns = (filter: Buffer): number[] =>
  insns(filter)
    .filter(([code]) => code === 0x06)
    .map(([, , , k]) => k!);

t.test('a small profile compiles to whole BPF instructions', (t) => {
  const profile: Seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      {
        names: ['personality'],
        action: 'SCMP_ACT_KILL_PROCESS',
        args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }],
      },
    ],
  };
  const { filter, flags } = compileSeccomp(profile);
  t.ok(filter.length > 0 && filter.length % BPF_INSN_SIZE === 0, `${filter.length} bytes`);
  t.equal(flags, 0);
  const rets = returns(filter);
  t.ok(rets.includes(0x00050001), 'returns ERRNO(EPERM)');
  t.ok(rets.includes(0x80000000), 'returns KILL_PROCESS');
  t.ok(rets.includes(0x7fff0000), 'returns ALLOW');
  t.end();
});

t.test('flags: LOG and SPEC_ALLOW go to the kernel, TSYNC is dropped', (t) => {
  const { flags } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
  });
  t.equal(flags, 6);
  t.end();
});

t.test("runc's rules: unknown names skipped, rules like the default skipped, repeated arg index", (t) => {
  const base = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }).filter;
  const unknown = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['no_such_syscall_tsrun'], action: 'SCMP_ACT_ERRNO' }],
  }).filter;
  t.same(unknown, base, 'an unknown syscall name adds nothing and is no error');
  const same = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }],
  }).filter;
  t.same(same, base, 'a rule with the default action is left out');
  // libseccomp's program only: the rule's name still sets the ENOSYS stub's limit.
  const errnoDefault = compileSeccompParts({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  }).program;
  t.same(
    errnoDefault,
    compileSeccompParts({ defaultAction: 'SCMP_ACT_ERRNO' }).program,
    'ERRNO(EPERM) equals the EPERM default',
  );
  // Two EQ conditions on arg 0 would never both hold; runc makes one rule per condition.
  const repeated = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      {
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
          { index: 0, value: 8, op: 'SCMP_CMP_EQ' },
        ],
      },
    ],
  }).filter;
  const ks = insns(repeated).map(([, , , k]) => k);
  t.ok(ks.includes(0) && ks.includes(8), 'both values are compared');
  t.end();
});

function configError(t: any, fn: () => unknown, message: string | RegExp): void {
  try {
    fn();
    t.fail(`expected ${message}`);
  } catch (err) {
    t.ok(err instanceof ConfigError, 'a ConfigError');
    if (typeof message === 'string') t.equal((err as Error).message, message);
    else t.match((err as Error).message, message);
  }
}

t.test('errors name the JSON path', (t) => {
  const calls = (action: string) =>
    [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['a'], action: 'SCMP_ACT_ALLOW' },
      { names: ['b'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action },
    ] as Seccomp['syscalls'];
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: calls('SCMP_ACT_FOO') }),
    'config.json: linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"',
  );
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_NOPE' as never }),
    'config.json: linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"',
  );
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'] }),
    'config.json: linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"',
  );
  configError(
    t,
    () =>
      compileSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 9, op: 'SCMP_CMP_SAME' as never }] },
        ],
      }),
    'config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_SAME"',
  );
  configError(
    t,
    () =>
      compileSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 9, op: 'SCMP_CMP_EQ' }] }],
      }),
    'config.json: linux.seccomp.syscalls[0].args[0].index: must be an argument index from 0 to 5',
  );
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NOPE'] }),
    'config.json: linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"',
  );
  t.end();
});

t.test("seccomp notify: what a profile must hold (runc's rules)", (t) => {
  const mkdirNotify = { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' as const };
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/a.sock' }),
    /^config\.json: linux\.seccomp\.defaultAction: SCMP_ACT_NOTIFY cannot be the default action/,
  );
  configError(
    t,
    () =>
      compileSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: '/run/a.sock',
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW' },
          { names: ['close', 'write'], action: 'SCMP_ACT_NOTIFY' },
        ],
      }),
    /^config\.json: linux\.seccomp\.syscalls\[1\]\.names\[1\]: SCMP_ACT_NOTIFY cannot be used for the write syscall/,
  );
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [mkdirNotify] }),
    'config.json: linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY in linux.seccomp.syscalls[0]',
  );
  configError(
    t,
    () => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }),
    'config.json: linux.seccomp.flags[0]: needs a rule with SCMP_ACT_NOTIFY',
  );
  const NEW_LISTENER = 1 << 3;
  const notify = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/run/a.sock',
    syscalls: [mkdirNotify],
  });
  t.equal(notify.flags, NEW_LISTENER, 'a notifying rule asks the kernel for a listener');
  const killable = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/run/a.sock',
    flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    syscalls: [mkdirNotify],
  });
  t.equal(killable.flags, NEW_LISTENER | (1 << 5), 'WAIT_KILLABLE_RECV with it');
  const unused = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/run/a.sock',
    listenerMetadata: 'x',
  });
  t.equal(unused.flags, 0, 'a listenerPath without a notifying rule is accepted and unused, as runc');
  t.end();
});

t.test(
  'real engine profiles compile',
  { skip: fs.existsSync(REAL_CONFIGS) ? false : `${REAL_CONFIGS} is absent` },
  (t) => {
    // ctr-default.json has no profile (ctr adds none); every docker and podman one has.
    const names = fs.readdirSync(REAL_CONFIGS).filter((n) => n.endsWith('.json'));
    const withProfile = names.filter(
      (n) => JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, n), 'utf8')).linux?.seccomp,
    );
    t.ok(
      withProfile.includes('docker-default.json') && withProfile.includes('podman-default.json'),
      `${withProfile.length} profiles`,
    );
    t.notOk(withProfile.includes('ctr-default.json'), 'ctr-default.json has none');
    for (const name of withProfile) {
      const spec = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, name), 'utf8'));
      const { filter } = compileSeccomp(spec.linux.seccomp);
      t.ok(
        filter.length > 8 && filter.length % BPF_INSN_SIZE === 0 && filter.length / 8 <= 4096,
        `${name}: ${filter.length / 8} instructions`,
      );
    }
    t.end();
  },
);

t.test('a child failure at the Seccomp step is described', (t) => {
  const err = describeChildError(
    { type: SyncType.Error, step: ChildStep.Seccomp, index: -1, errno: 22, arg: 0, detail: 'seccomp' },
    { ociVersion: '1.0.2' } as never,
  );
  t.equal(err.message, 'install linux.seccomp filter: invalid argument');
  t.end();
});
