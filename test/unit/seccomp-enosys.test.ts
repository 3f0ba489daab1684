// The ENOSYS stub in front of libseccomp's program: when it is added, its exact layout,
// and what whole filters return, evaluated with the classic-BPF interpreter in
// test/helpers/cbpf.ts on the hand-made profile and the real engine profiles. Needs
// libseccomp.so.2 2.5.4 (Debian 12): the limits below come from its syscall tables.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { ConfigError } from '../../src/errors';
import { compileSeccomp, compileSeccompParts, SECCOMP_ARCHES, seccompAction } from '../../src/seccomp/compile';
import {
  type ArchLimit,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  encodeBpf,
  enosysStub,
  enosysStubApplies,
  type Insn,
  RET_ERRNO_ENOSYS,
  SCMP_ARCH_X32,
  syscallLimits,
  X32_SYSCALL_BIT,
} from '../../src/seccomp/enosys-stub';
import { libseccomp } from '../../src/seccomp/libseccomp';
import type { Seccomp } from '../../src/config/types';
import { checkFilter, decodeBpf, disassemble, runFilter } from '../helpers/cbpf';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');
const X86 = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL = 0; // libseccomp's default bad-arch action, KILL_THREAD
const AUDIT_ARCH_AARCH64 = 0xc00000b7;
const x32 = (nr: number) => (nr | X32_SYSCALL_BIT) >>> 0;

const onX86_64 = (nr: number) => ({ nr, arch: AUDIT_ARCH_X86_64 });
const onX32 = (nr: number) => ({ nr: x32(nr), arch: AUDIT_ARCH_X86_64 });
const onI386 = (nr: number) => ({ nr, arch: AUDIT_ARCH_I386 });

const handMade: Seccomp = {
  defaultAction: 'SCMP_ACT_ERRNO',
  architectures: X86,
  syscalls: [{ names: ['read', 'write', 'close', 'exit_group'], action: 'SCMP_ACT_ALLOW' }],
};

t.test('which default actions get the stub', (t) => {
  const action = (name: string, errnoRet?: number) => seccompAction(name, errnoRet, 'x');
  t.notOk(enosysStubApplies(action('SCMP_ACT_ALLOW')), 'ALLOW: none');
  t.notOk(enosysStubApplies(action('SCMP_ACT_LOG')), 'LOG: none');
  t.notOk(enosysStubApplies(action('SCMP_ACT_TRACE')), 'TRACE: none');
  t.notOk(enosysStubApplies(action('SCMP_ACT_TRACE', 38)), 'TRACE(38): none');
  t.notOk(enosysStubApplies(action('SCMP_ACT_ERRNO', 38)), 'ERRNO(ENOSYS): none');
  t.ok(enosysStubApplies(action('SCMP_ACT_ERRNO')), 'ERRNO(EPERM)');
  t.ok(enosysStubApplies(action('SCMP_ACT_ERRNO', 22)), 'ERRNO(EINVAL)');
  t.ok(enosysStubApplies(action('SCMP_ACT_KILL')), 'KILL');
  t.ok(enosysStubApplies(action('SCMP_ACT_KILL_PROCESS')), 'KILL_PROCESS');
  t.ok(enosysStubApplies(action('SCMP_ACT_TRAP')), 'TRAP');
  t.end();
});

t.test('libseccomp numbers: x32 carries bit 30, unknown and foreign calls are negative', (t) => {
  const lib = libseccomp();
  t.equal(lib.archNative(), SECCOMP_ARCHES.SCMP_ARCH_X86_64, 'native is x86_64 here');
  t.equal(lib.resolveNameArch(SECCOMP_ARCHES.SCMP_ARCH_X86_64!, 'exit_group'), 231);
  t.equal(lib.resolveNameArch(SCMP_ARCH_X32, 'exit_group'), 0x40000000 + 231, 'x32 exit_group has the bit');
  t.equal(lib.resolveNameArch(SCMP_ARCH_X32, 'read'), 0x40000000, 'x32 read has the bit');
  t.equal(lib.resolveNameArch(SECCOMP_ARCHES.SCMP_ARCH_X86!, 'exit_group'), 252);
  t.ok(
    lib.resolveNameArch(SECCOMP_ARCHES.SCMP_ARCH_X86_64!, 'socketcall') < -1,
    'i386-only socketcall is a pseudo-number on x86_64',
  );
  t.equal(lib.resolveNameArch(SECCOMP_ARCHES.SCMP_ARCH_X86_64!, 'no_such_syscall_tsrun'), -1);
  t.end();
});

t.test('syscallLimits: largest known number per architecture and mode', (t) => {
  const table: Record<number, Record<string, number>> = {
    [SECCOMP_ARCHES.SCMP_ARCH_X86_64!]: { a: 5, b: 300, c: -10001 },
    [SCMP_ARCH_X32]: { a: 0x40000005, b: 7 }, // 7: a number without the bit gets it
    [SECCOMP_ARCHES.SCMP_ARCH_X86!]: { a: 9, b: -1 },
    [SECCOMP_ARCHES.SCMP_ARCH_ARM!]: { a: -1, b: -10002 },
  };
  const resolve = (arch: number, name: string) => table[arch]?.[name] ?? -1;
  const tokens = (names: string[]) => names.map((n) => SECCOMP_ARCHES[n]!);
  t.same(
    syscallLimits(
      tokens(['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86']),
      ['a', 'b', 'c', 'a'],
      resolve,
    ),
    [
      { audit: AUDIT_ARCH_I386, native: 9 },
      { audit: AUDIT_ARCH_X86_64, native: 300, x32: 0x40000007 },
    ],
  );
  t.same(
    syscallLimits(tokens(['SCMP_ARCH_X32']), ['a'], resolve),
    [{ audit: AUDIT_ARCH_X86_64, x32: 0x40000005 }],
    'x32 alone',
  );
  t.same(
    syscallLimits(tokens(['SCMP_ARCH_ARM', 'SCMP_ARCH_X86_64']), ['a', 'b'], resolve),
    [{ audit: AUDIT_ARCH_X86_64, native: 300 }],
    'an arch where no name exists has no limit',
  );
  t.same(syscallLimits(tokens(['SCMP_ARCH_X86_64']), ['c', 'zzz'], resolve), [], 'only negative numbers: nothing');
  const zero = syscallLimits(tokens(['SCMP_ARCH_X86_64']), ['read'], () => 0);
  t.same(zero, [{ audit: AUDIT_ARCH_X86_64, native: 0 }], 'syscall 0 is a limit like any other');
  t.end();
});

t.test('sock_filter encoding', (t) => {
  const insns: Insn[] = [
    { code: 0x20, jt: 0, jf: 0, k: 4 },
    { code: 0x15, jt: 1, jf: 250, k: 0xc000003e },
    { code: 0x06, jt: 0, jf: 0, k: RET_ERRNO_ENOSYS },
  ];
  const bytes = encodeBpf(insns);
  t.equal(
    bytes.toString('hex'),
    '2000000004000000' + '150001fa3e0000c0' + '0600000026000500',
    'little-endian struct sock_filter',
  );
  t.same(decodeBpf(bytes), insns, 'decodes back');
  t.throws(() => decodeBpf(Buffer.alloc(12)), /not whole BPF instructions/);
  t.end();
});

t.test('the hand-made profile: exact stub and what the filter returns', (t) => {
  const { program, stub } = compileSeccompParts(handMade);
  // Limits: x86_64 exit_group 231, x32 exit_group 0x400000e7, i386 exit_group 252.
  t.same(disassemble(stub), [
    '   0: ld [4]',
    '   1: jeq #0xc000003e, 2, 8',
    '   2: ld [0]',
    '   3: jset #0x40000000, 4, 5',
    '   4: jgt #0x400000e7, 6, 7',
    '   5: jgt #0xe7, 6, 7',
    '   6: ret #0x50026',
    '   7: ja 12',
    '   8: jeq #0x40000003, 9, 12',
    '   9: ld [0]',
    '  10: jgt #0xfc, 11, 12',
    '  11: ret #0x50026',
  ]);
  const { filter } = compileSeccomp(handMade);
  t.same(filter, Buffer.concat([encodeBpf(stub), program]), "the stub, then libseccomp's program unchanged");
  t.same(decodeBpf(program)[0], { code: 0x20, jt: 0, jf: 0, k: 4 }, 'which loads the arch again itself');
  const run = (d: { nr: number; arch: number }) => runFilter(filter, d);

  t.equal(run(onX86_64(0)), ALLOW, 'x86_64 read');
  t.equal(run(onX86_64(231)), ALLOW, 'x86_64 exit_group, the limit');
  t.equal(run(onX86_64(230)), EPERM, 'x86_64 230 (clock_nanosleep): below the limit, the default');
  t.equal(run(onX86_64(5)), EPERM, 'x86_64 fstat: the default');
  t.equal(run(onX86_64(232)), ENOSYS, 'x86_64 232: above the limit');
  t.equal(run(onX86_64(436)), ENOSYS, 'close_range');
  t.equal(run(onX86_64(437)), ENOSYS, 'openat2');
  t.equal(run(onX86_64(0xffffffff)), ENOSYS, 'nr -1 (bit 30 set, above the x32 limit)');

  t.equal(run(onX32(0)), ALLOW, 'x32 read');
  t.equal(run(onX32(231)), ALLOW, 'x32 exit_group');
  t.equal(run(onX32(230)), EPERM, 'x32 230: the default');
  t.equal(run(onX32(232)), ENOSYS, 'x32 232');
  t.equal(run(onX32(512)), ENOSYS, 'x32 512 (rt_sigaction)');

  t.equal(run(onI386(3)), ALLOW, 'i386 read');
  t.equal(run(onI386(252)), ALLOW, 'i386 exit_group, the limit');
  t.equal(run(onI386(251)), EPERM, 'i386 251: the default');
  t.equal(run(onI386(253)), ENOSYS, 'i386 253');
  t.equal(run(onI386(435)), ENOSYS, 'i386 clone3');

  t.equal(run({ nr: 462, arch: AUDIT_ARCH_AARCH64 }), KILL, 'aarch64 (not listed): the bad-arch action');
  t.equal(run({ nr: 0, arch: AUDIT_ARCH_AARCH64 }), KILL);
  t.end();
});

/** For every nr up to `top` in every mode: the filter returns ENOSYS above the mode's
 * limit (none: never) and exactly what libseccomp's program alone returns otherwise. */
function sameAsProgramBelowLimits(
  t: any,
  profile: Seccomp,
  limits: { x86_64?: number; x32?: number; i386?: number },
  top = 600,
): void {
  const { program, stub } = compileSeccompParts(profile);
  const { filter } = compileSeccomp(profile);
  t.ok(stub.length > 0, `a stub of ${stub.length} instructions`);
  const modes: [string, number | undefined, (nr: number) => { nr: number; arch: number }][] = [
    ['x86_64', limits.x86_64, onX86_64],
    ['x32', limits.x32 === undefined ? undefined : x32(limits.x32), onX32],
    ['i386', limits.i386, onI386],
    ['aarch64', undefined, (nr) => ({ nr, arch: AUDIT_ARCH_AARCH64 })],
  ];
  for (const [mode, limit, data] of modes) {
    const wrong: string[] = [];
    for (let n = 0; n <= top; n++) {
      const d = data(n);
      const want = limit !== undefined && d.nr > limit ? ENOSYS : runFilter(program, d);
      const got = runFilter(filter, d);
      if (got !== want) wrong.push(`${n}: 0x${got.toString(16)} not 0x${want.toString(16)}`);
    }
    t.same(
      wrong.slice(0, 5),
      [],
      `${mode}: 0..${top} as expected (limit ${limit === undefined ? 'none' : `0x${limit.toString(16)}`})`,
    );
  }
}

t.test("everywhere else the filter is libseccomp's program", (t) => {
  sameAsProgramBelowLimits(t, handMade, { x86_64: 231, x32: 231, i386: 252 });
  // A mode the profile does not list goes on to the program, whatever its number.
  sameAsProgramBelowLimits(t, { ...handMade, architectures: ['SCMP_ARCH_X86_64'] }, { x86_64: 231 });
  sameAsProgramBelowLimits(t, { ...handMade, architectures: ['SCMP_ARCH_X32'] }, { x32: 231 });
  sameAsProgramBelowLimits(
    t,
    { ...handMade, architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { x32: 231, i386: 252 },
  );
  // No architectures: the native one.
  sameAsProgramBelowLimits(t, { ...handMade, architectures: undefined }, { x86_64: 231 });
  sameAsProgramBelowLimits(
    t,
    { ...handMade, defaultAction: 'SCMP_ACT_KILL_PROCESS' },
    { x86_64: 231, x32: 231, i386: 252 },
  );
  t.end();
});

t.test('a mode not listed reaches the program: the x32 test really branches', (t) => {
  const only64 = compileSeccomp({ ...handMade, architectures: ['SCMP_ARCH_X86_64'] }).filter;
  t.not(runFilter(only64, onX32(232)), ENOSYS, 'x86_64 only: x32 232 is not ENOSYS');
  t.equal(runFilter(only64, onX86_64(232)), ENOSYS);
  const only32 = compileSeccomp({ ...handMade, architectures: ['SCMP_ARCH_X32'] }).filter;
  t.not(runFilter(only32, onX86_64(232)), ENOSYS, 'x32 only: x86_64 232 is not ENOSYS');
  t.equal(runFilter(only32, onX32(232)), ENOSYS);
  t.end();
});

t.test('no stub: permissive defaults, ERRNO(ENOSYS), nothing named', (t) => {
  const cases: [string, Seccomp][] = [
    [
      'ALLOW',
      { ...handMade, defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] },
    ],
    ['LOG', { ...handMade, defaultAction: 'SCMP_ACT_LOG' }],
    ['TRACE', { ...handMade, defaultAction: 'SCMP_ACT_TRACE' }],
    ['ERRNO(ENOSYS)', { ...handMade, defaultErrnoRet: 38 }],
    ['no syscalls', { defaultAction: 'SCMP_ACT_ERRNO', architectures: X86 }],
    [
      'only unknown names',
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: X86,
        syscalls: [{ names: ['no_such_syscall_tsrun'], action: 'SCMP_ACT_ALLOW' }],
      },
    ],
  ];
  for (const [what, profile] of cases) {
    const { program, stub } = compileSeccompParts(profile);
    t.same(stub, [], `${what}: no stub`);
    t.same(compileSeccomp(profile).filter, program, `${what}: the filter is libseccomp's export`);
  }
  const allowed = compileSeccomp(cases[0]![1]).filter;
  t.equal(runFilter(allowed, onX86_64(462)), ALLOW, 'ALLOW: 462 allowed');
  t.equal(runFilter(allowed, onX86_64(83)), EPERM, 'ALLOW: mkdir denied');
  // The contrast: the same ALLOW rule under an EPERM default gets one.
  t.ok(compileSeccompParts({ ...handMade, defaultErrnoRet: 1 }).stub.length > 0, 'ERRNO(EPERM): a stub');
  t.end();
});

t.test('every rule counts, whatever its action', (t) => {
  // clone3 (435) only in a rule with the default action, which libseccomp never sees.
  const profile: Seccomp = {
    ...handMade,
    syscalls: [...handMade.syscalls!, { names: ['clone3'], action: 'SCMP_ACT_ERRNO' }],
  };
  const { filter } = compileSeccomp(profile);
  t.equal(runFilter(filter, onX86_64(435)), EPERM, 'clone3 (435) is the limit now: the default');
  t.equal(runFilter(filter, onX86_64(300)), EPERM);
  t.equal(runFilter(filter, onX86_64(436)), ENOSYS, '436 above it');
  t.end();
});

const configs = (name: string): Seccomp | undefined =>
  JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, name), 'utf8')).linux?.seccomp;
const haveConfigs = fs.existsSync(REAL_CONFIGS) ? false : `${REAL_CONFIGS} is absent`;
const namesOf = (p: Seccomp) => new Set(p.syscalls!.flatMap((c) => c.names));

t.test("docker's default profile", { skip: haveConfigs }, (t) => {
  const docker = configs('docker-default.json')!;
  const names = namesOf(docker);
  const lib = libseccomp();
  // The limits: futex_waitv (449) on x86_64 and i386, pwritev2 (x32 547) on x32.
  t.same(
    syscallLimits(
      docker.architectures!.map((a) => SECCOMP_ARCHES[a]!),
      [...names],
      lib.resolveNameArch,
    ),
    [
      { audit: AUDIT_ARCH_X86_64, native: 449, x32: x32(547) },
      { audit: AUDIT_ARCH_I386, native: 449 },
    ],
  );
  const { filter } = compileSeccomp(docker);
  checkFilter(decodeBpf(filter));
  t.ok(
    !names.has('kexec_load') && !names.has('set_mempolicy_home_node'),
    'kexec_load, set_mempolicy_home_node unlisted',
  );
  t.equal(runFilter(filter, onX86_64(0)), ALLOW, 'read');
  t.equal(runFilter(filter, onX86_64(1)), ALLOW, 'write');
  t.equal(runFilter(filter, onX86_64(449)), ALLOW, 'futex_waitv, the limit');
  t.equal(runFilter(filter, onX86_64(246)), EPERM, 'kexec_load: the default');
  t.equal(runFilter(filter, onX86_64(435)), ENOSYS, "clone3: the profile's own ERRNO(38)");
  t.equal(runFilter(filter, onX86_64(450)), ENOSYS, 'set_mempolicy_home_node (450): above the limit');
  t.equal(runFilter(filter, onX86_64(462)), ENOSYS, 'mseal (462)');
  t.equal(runFilter(filter, onX32(0)), ALLOW, 'x32 read');
  t.equal(runFilter(filter, onX32(528)), EPERM, 'x32 kexec_load (528)');
  t.equal(runFilter(filter, onX32(450)), EPERM, 'x32 450 is below the x32 limit (547): the default');
  t.equal(runFilter(filter, onX32(548)), ENOSYS, 'x32 548');
  t.equal(runFilter(filter, onI386(3)), ALLOW, 'i386 read');
  t.equal(runFilter(filter, onI386(283)), EPERM, 'i386 kexec_load (283)');
  t.equal(runFilter(filter, onI386(450)), ENOSYS, 'i386 450');
  t.equal(runFilter(filter, { nr: 63, arch: AUDIT_ARCH_AARCH64 }), KILL, 'aarch64: the bad-arch action');
  sameAsProgramBelowLimits(t, docker, { x86_64: 449, x32: 547, i386: 449 });
  t.end();
});

t.test("podman's default profile: ERRNO(ENOSYS) default, no stub", { skip: haveConfigs }, (t) => {
  const podman = configs('podman-default.json')!;
  t.equal(podman.defaultErrnoRet, 38);
  const names = namesOf(podman);
  const lib = libseccomp();
  // Reported, not used: process_mrelease (448) on x86_64 and i386, pwritev2 on x32.
  t.same(
    syscallLimits(
      podman.architectures!.map((a) => SECCOMP_ARCHES[a]!),
      [...names],
      lib.resolveNameArch,
    ),
    [
      { audit: AUDIT_ARCH_X86_64, native: 448, x32: x32(547) },
      { audit: AUDIT_ARCH_I386, native: 448 },
    ],
  );
  const { program, stub } = compileSeccompParts(podman);
  t.same(stub, []);
  const { filter } = compileSeccomp(podman);
  t.same(filter, program);
  t.ok(!names.has('add_key') && names.has('kexec_load'), 'add_key unlisted, kexec_load listed');
  t.equal(runFilter(filter, onX86_64(0)), ALLOW, 'read');
  t.equal(runFilter(filter, onX86_64(1)), ALLOW, 'write');
  t.equal(runFilter(filter, onX86_64(246)), EPERM, 'kexec_load: its ERRNO(EPERM) rule');
  t.equal(runFilter(filter, onX86_64(248)), ENOSYS, 'add_key (248): the default, ENOSYS');
  t.equal(runFilter(filter, onX86_64(462)), ENOSYS, '462: the default');
  t.equal(runFilter(filter, onI386(3)), ALLOW, 'i386 read');
  t.equal(runFilter(filter, onX32(0)), ALLOW, 'x32 read');
  t.equal(runFilter(filter, { nr: 63, arch: AUDIT_ARCH_AARCH64 }), KILL, 'aarch64: the bad-arch action');
  t.end();
});

t.test("containerd's (ctr) config has no profile", { skip: haveConfigs }, (t) => {
  t.equal(configs('ctr-default.json'), undefined, 'ctr run adds no linux.seccomp');
  t.end();
});

t.test('long jumps: conditional jumps stay within a section, the way on is ja', (t) => {
  // More sections than any real profile has (one per AUDIT_ARCH value), so that the first
  // sections lie far more than 255 instructions before the program.
  const limits: ArchLimit[] = Array.from({ length: 80 }, (_, i) => ({ audit: 0x1000 + i, native: 100 + i }));
  limits.splice(40, 0, { audit: AUDIT_ARCH_X86_64, native: 231, x32: x32(231) });
  const stub = enosysStub(limits);
  t.ok(stub.length > 400, `${stub.length} instructions`);
  const conditional = stub.filter((i) => i.code !== 0x05 && i.code !== 0x06 && i.code !== 0x20);
  t.ok(Math.max(...conditional.map((i) => Math.max(i.jt, i.jf))) <= 6, 'no conditional jump beyond 6');
  const ja = stub.map((insn, pc) => ({ insn, pc })).filter(({ insn }) => insn.code === 0x05);
  t.equal(ja[0]!.pc + 1 + ja[0]!.insn.k, stub.length, "the first section's ja lands on the program");
  t.ok(ja[0]!.insn.k > 255, `and spans ${ja[0]!.insn.k} instructions`);
  const program: Insn[] = [{ code: 0x06, jt: 0, jf: 0, k: ALLOW }];
  const filter = [...stub, ...program];
  for (const l of limits) {
    if (l.audit === AUDIT_ARCH_X86_64) continue;
    t.equal(runFilter(filter, { nr: l.native!, arch: l.audit }), ALLOW);
    t.equal(runFilter(filter, { nr: l.native! + 1, arch: l.audit }), ENOSYS);
  }
  t.equal(runFilter(filter, onX86_64(231)), ALLOW);
  t.equal(runFilter(filter, onX86_64(232)), ENOSYS);
  t.equal(runFilter(filter, onX32(232)), ENOSYS);
  t.equal(runFilter(filter, { nr: 1000, arch: 0x2000 }), ALLOW, 'no section: the program');
  // Every real architecture at once: 22 AUDIT_ARCH values (x86_64 and x32 share one).
  const all = enosysStub(syscallLimits(Object.values(SECCOMP_ARCHES), ['x'], () => 10));
  t.equal(all.length, 1 + 21 * 5 + 7 - 1, 'one ld, 21 plain sections of 5, x86_64 of 7, no ja in the last');
  t.end();
});

t.test('the stub counts toward the kernel limit of 4096', (t) => {
  // personality with one EQ value per rule: about one instruction each.
  const profile = (n: number): Seccomp => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      ...Array.from({ length: n }, (_, i) => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW' as const,
        args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' as const }],
      })),
    ],
  });
  const size = (n: number) => {
    const p = compileSeccompParts(profile(n));
    return { program: p.program.length / 8, stub: p.stub.length };
  };
  const base = size(4000);
  let n = 4000 + (4096 - base.program) - base.stub;
  let s = size(n);
  while (s.program + s.stub <= 4096) s = size(++n);
  t.ok(s.program <= 4096, `${n} rules: libseccomp's ${s.program} instructions fit`);
  t.ok(s.program + s.stub > 4096, `with the stub's ${s.stub} they do not`);
  try {
    compileSeccomp(profile(n));
    t.fail('expected a ConfigError');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    t.equal(
      (err as Error).message,
      `config.json: linux.seccomp: the filter has ${s.program + s.stub} instructions (${s.stub} of them the ENOSYS stub), more than the kernel's limit of 4096`,
    );
  }
  t.end();
});

t.test('the interpreter refuses what the kernel refuses', (t) => {
  const ret = { code: 0x06, jt: 0, jf: 0, k: ALLOW };
  t.throws(
    () => runFilter([{ code: 0x07, jt: 0, jf: 0, k: 0 }, ret], onX86_64(0)),
    /opcode 0x7 not handled/,
    'unknown opcode (tax)',
  );
  t.throws(
    () => runFilter([{ code: 0x15, jt: 1, jf: 0, k: 0 }, ret], onX86_64(0)),
    /leaves the program/,
    'jump past the end',
  );
  t.throws(
    () => runFilter([{ code: 0x05, jt: 0, jf: 0, k: 1 }, ret], onX86_64(0)),
    /leaves the program/,
    'ja past the end',
  );
  t.throws(
    () => runFilter([{ code: 0x20, jt: 0, jf: 0, k: 64 }, ret], onX86_64(0)),
    /outside seccomp_data/,
    'load past seccomp_data',
  );
  t.throws(
    () => runFilter([{ code: 0x20, jt: 0, jf: 0, k: 2 }, ret], onX86_64(0)),
    /outside seccomp_data/,
    'unaligned load',
  );
  t.throws(() => runFilter([ret, { code: 0x20, jt: 0, jf: 0, k: 0 }], onX86_64(0)), /does not end in ret/);
  // ld args[0] low word, and #0xf0, jge #0x30 / jset #0x8.
  const prog: Insn[] = [
    { code: 0x20, jt: 0, jf: 0, k: 16 },
    { code: 0x54, jt: 0, jf: 0, k: 0xf8 },
    { code: 0x35, jt: 0, jf: 2, k: 0x30 },
    { code: 0x45, jt: 0, jf: 1, k: 0x8 },
    { code: 0x06, jt: 0, jf: 0, k: 1 },
    { code: 0x06, jt: 0, jf: 0, k: 2 },
  ];
  const arg = (a: bigint) => runFilter(prog, { nr: 0, arch: 0, args: [a] });
  t.equal(arg(0x38n), 1, '0x38: >= 0x30 with bit 3');
  t.equal(arg(0x30n), 2, '0x30: >= 0x30 without bit 3');
  t.equal(arg(0x107n), 2, '0x107 & 0xf8 = 0: below 0x30');
  t.end();
});
