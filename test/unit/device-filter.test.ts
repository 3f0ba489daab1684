// The cgroup v2 device filter: the generated eBPF program, decoded and run by the tests'
// interpreter (test/helpers/ebpf.ts), decides as a plain reading of the rules does (for each
// access letter the last matching rule wins, none denies), for hand-picked cases, random
// rule sets and the rules tsrun composes for real engine configs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import {
  DEVCG_ACC_MKNOD,
  DEVCG_ACC_READ,
  DEVCG_ACC_WRITE,
  DEVCG_DEV_BLOCK,
  DEVCG_DEV_CHAR,
  decodeInsns,
  encodeInsns,
  INSN_SIZE,
  type Insn,
  Op,
} from '../../src/cgroups/device-filter/bpf-abi';
import { verifierMessage } from '../../src/cgroups/device-filter/attach';
import { deviceFilter } from '../../src/cgroups/device-filter/generate';
import { deviceRuleProblem } from '../../src/cgroups/device-rules';
import { containerDeviceRules, type DeviceNode, type DeviceRule } from '../../src/cgroups/device-rules';
import { checkProgram, type DeviceAccess, runDeviceProgram } from '../helpers/ebpf';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');

const LETTER_BITS: Record<string, number> = { m: DEVCG_ACC_MKNOD, r: DEVCG_ACC_READ, w: DEVCG_ACC_WRITE };
const TYPE_CODES: Record<string, number> = { b: DEVCG_DEV_BLOCK, c: DEVCG_DEV_CHAR };

/** The rules read plainly: every letter asked needs its last matching rule to allow. */
function evaluate(rules: readonly DeviceRule[], q: DeviceAccess): boolean {
  const matches = (r: DeviceRule) =>
    ((r.type ?? 'a') === 'a' || TYPE_CODES[r.type!] === q.type) &&
    (r.major === undefined || r.major === null || r.major < 0 || r.major === q.major) &&
    (r.minor === undefined || r.minor === null || r.minor < 0 || r.minor === q.minor);
  return Object.entries(LETTER_BITS)
    .filter(([, bit]) => (q.access & bit) !== 0)
    .every(([letter]) => {
      const decisive = rules.filter((r) => (r.access ?? 'rwm').includes(letter) && matches(r));
      return decisive.at(-1)?.allow === true;
    });
}

/** A question in the rules' words: type, major, minor, access letters. */
function ask(type: 'b' | 'c', major: number, minor: number, access: string): DeviceAccess {
  let bits = 0;
  for (const letter of access) bits |= LETTER_BITS[letter]!;
  return { type: TYPE_CODES[type]!, major, minor, access: bits };
}

const allows = (rules: readonly DeviceRule[], q: DeviceAccess): boolean =>
  runDeviceProgram(deviceFilter(rules).insns, q) === 1;

/** Every access set the kernel can ask (it asks m, r, w or rw; the others are checked too). */
const ACCESSES = ['m', 'r', 'w', 'rw', 'rm', 'wm', 'rwm'];

function grid(majors: number[], minors: number[]): DeviceAccess[] {
  const out: DeviceAccess[] = [];
  for (const type of ['b', 'c'] as const)
    for (const major of majors)
      for (const minor of minors) for (const access of ACCESSES) out.push(ask(type, major, minor, access));
  return out;
}

/** Where the program and the plain reading disagree on `questions`. */
function disagreements(rules: readonly DeviceRule[], insns: Uint8Array, questions: DeviceAccess[]): string[] {
  return questions
    .filter((q) => (runDeviceProgram(insns, q) === 1) !== evaluate(rules, q))
    .map((q) => JSON.stringify(q));
}

t.test('layout: whole instructions, the context read first, r0 set before every exit', async (t) => {
  const program = deviceFilter([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]);
  t.equal(program.insns.length % INSN_SIZE, 0, 'whole 8-byte instructions');
  t.ok(program.license.length > 0, 'a license string');
  const insns = decodeInsns(program.insns);
  t.same(
    insns.slice(0, 6).map((i) => [i.code, i.dst, i.src, i.off, i.imm]),
    [
      [Op.LDX_MEM_W, 2, 1, 0, 0],
      [Op.AND32_K, 2, 0, 0, 0xffff],
      [Op.LDX_MEM_W, 3, 1, 0, 0],
      [Op.RSH32_K, 3, 0, 0, 16],
      [Op.LDX_MEM_W, 4, 1, 4, 0],
      [Op.LDX_MEM_W, 5, 1, 8, 0],
    ],
    'type, access, major and minor from bpf_cgroup_dev_ctx',
  );
  t.same(
    insns.filter((i) => i.code === Op.JSET_K).map((i) => i.imm),
    [DEVCG_ACC_MKNOD, DEVCG_ACC_READ, DEVCG_ACC_WRITE],
    'one block per access letter',
  );
  t.same(
    insns.filter((i) => i.code === Op.JNE_K).map((i) => [i.dst, i.imm]),
    [
      [2, DEVCG_DEV_CHAR],
      [4, 1],
      [5, 3],
      [2, DEVCG_DEV_CHAR],
      [4, 1],
      [5, 3],
    ],
    'the allow rule is checked for r and w, not m; the deny-all rule needs no check',
  );
  t.equal(insns.at(-1)?.code, Op.EXIT, 'ends in exit');
  t.doesNotThrow(() => checkProgram(insns), "the verifier's static checks pass");
  t.same(decodeInsns(encodeInsns(insns)), insns, 'encode and decode agree');
});

t.test('the interpreter refuses what the verifier refuses', async (t) => {
  const ok = decodeInsns(deviceFilter([{ allow: true, type: 'c', access: 'r' }]).insns);
  const mov = (imm: number): Insn => ({ code: Op.MOV32_K, dst: 0, src: 0, off: 0, imm });
  const exit: Insn = { code: Op.EXIT, dst: 0, src: 0, off: 0, imm: 0 };
  const ja = (off: number): Insn => ({ code: Op.JA, dst: 0, src: 0, off, imm: 0 });
  t.throws(() => checkProgram([mov(1), exit, mov(0), exit]), /unreachable insn 2/);
  t.throws(() => checkProgram([mov(1), ja(-2), exit]), /backward jump/);
  t.throws(() => checkProgram([mov(1), ja(5), exit]), /jump out of range/);
  t.throws(() => checkProgram([mov(1)]), /falls off the end/);
  t.throws(() => checkProgram([{ ...mov(1), code: 0x07 }, exit]), /opcode 0x7/);
  t.throws(() => checkProgram([{ code: Op.LDX_MEM_W, dst: 2, src: 1, off: 12, imm: 0 }, mov(1), exit]), /ctx/);
  t.throws(() => runDeviceProgram([exit], ask('c', 1, 3, 'r')), /r0 read before it is written/);
  t.doesNotThrow(() => checkProgram(ok));
});

t.test('the comparison catches a program that reads the rules first to last', async (t) => {
  const rules: DeviceRule[] = [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }];
  const questions = grid([1], [3]);
  t.same(disagreements(rules, deviceFilter(rules).insns, questions), [], 'the real program agrees');
  const forward = deviceFilter([...rules].reverse()).insns;
  t.ok(disagreements(rules, forward, questions).length > 0, 'first-match-wins would disagree');
});

t.test('hand-picked rules', async (t) => {
  const nullR = ask('c', 1, 3, 'r');
  const nullRw = ask('c', 1, 3, 'rw');
  const nullM = ask('c', 1, 3, 'm');
  const sdaR = ask('b', 8, 0, 'r');
  t.notOk(allows([], nullR), 'no rules: denied (runc denies too)');
  t.notOk(allows([], sdaR), 'no rules: denied, block too');
  t.ok(allows([{ allow: true }], sdaR), "type 'a', no numbers, no access: every device, every access");
  t.ok(allows([{ allow: true, type: 'c', major: 1 }], nullRw), 'minor wildcard (absent)');
  t.ok(allows([{ allow: true, type: 'c', major: -1, minor: 3 }], nullRw), 'major -1 is a wildcard');
  t.ok(allows([{ allow: true, type: 'c', major: null, minor: 3 }], nullRw), 'major null is a wildcard');
  t.notOk(allows([{ allow: true, type: 'b', major: 1, minor: 3 }], nullR), 'b does not match c');
  t.notOk(allows([{ allow: true, type: 'c', major: 1, minor: 4 }], nullR), 'another minor');
  t.notOk(allows([{ allow: true, type: 'c', major: 2, minor: 3 }], nullR), 'another major');
  t.ok(allows([{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }], nullR), 'r allowed');
  t.notOk(allows([{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }], nullRw), 'rw needs w too');
  t.notOk(allows([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }], nullM), 'm not granted');
  t.notOk(allows([{ allow: true, type: 'c', major: 1, minor: 3, access: '' }], nullR), 'empty access grants nothing');
  const split: DeviceRule[] = [
    { allow: true, type: 'c', major: 1, minor: 3, access: 'r' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'w' },
  ];
  t.ok(allows(split, nullRw), 'r from one rule and w from another: rw allowed (v1 merges them too)');
  const denyAfterAllow: DeviceRule[] = [{ allow: true }, { allow: false, type: 'c', major: 1, minor: 3 }];
  t.notOk(allows(denyAfterAllow, nullR), 'deny after allow: the deny wins');
  t.ok(allows(denyAfterAllow, ask('c', 1, 5, 'rw')), 'deny after allow: other devices still allowed');
  const allowAfterDeny: DeviceRule[] = [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }];
  t.ok(allows(allowAfterDeny, nullRw), 'allow after deny: the allow wins');
  t.notOk(allows(allowAfterDeny, ask('c', 1, 5, 'r')), 'allow after deny: others stay denied');
  const denyWrite: DeviceRule[] = [{ allow: true }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }];
  t.ok(allows(denyWrite, nullR), 'deny w: reading still allowed');
  t.notOk(allows(denyWrite, nullRw), 'deny w: an O_RDWR open is refused (runc would allow it)');
  const shadowed: DeviceRule[] = [{ allow: false, type: 'c', major: 1, minor: 3 }, { allow: true }];
  t.ok(allows(shadowed, nullRw), 'an allow-all after a deny wins');
  t.same(deviceFilter(shadowed), deviceFilter([{ allow: true }]), 'and the rules before it are not emitted');
});

t.test('random rule sets agree with the plain reading', async (t) => {
  // A small deterministic generator (mulberry32): failures reproduce.
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const numbers = [undefined, null, -1, 1, 3, 5];
  const accesses = [undefined, '', 'r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm', 'mwr'];
  const questions = grid([1, 3, 5, 7], [1, 3, 5, 7]);
  let checked = 0;
  const problems: string[] = [];
  for (let set = 0; set < 300; set++) {
    const rules: DeviceRule[] = Array.from({ length: Math.floor(random() * 8) }, () => ({
      allow: random() < 0.5,
      type: pick([undefined, 'a', 'b', 'c']),
      major: pick(numbers),
      minor: pick(numbers),
      access: pick(accesses),
    }));
    const bad = disagreements(rules, deviceFilter(rules).insns, questions);
    if (bad.length > 0) problems.push(`${JSON.stringify(rules)}: ${bad[0]}`);
    checked += questions.length;
  }
  t.same(problems, [], `${checked} questions over 300 rule sets`);
});

t.test("the rules tsrun composes for the engines' configs", async (t) => {
  const configs = fs.readdirSync(REAL_CONFIGS).filter((f) => f.endsWith('.json'));
  const composed = new Map<string, DeviceRule[]>();
  for (const file of configs) {
    const spec = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, file), 'utf8'));
    const rules: DeviceRule[] = spec.linux?.resources?.devices ?? [];
    const nodes: DeviceNode[] = spec.linux?.devices ?? [];
    composed.set(file, containerDeviceRules(rules, nodes));
  }
  t.ok(composed.size >= 10, `${composed.size} configs`);
  const questions = grid([1, 5, 8, 10, 136], [0, 1, 2, 3, 5, 7, 9, 200, 229]);
  for (const [file, rules] of composed)
    t.same(disagreements(rules, deviceFilter(rules).insns, questions), [], `${file}: ${rules.length} rules`);

  const docker = composed.get('docker-default.json')!;
  t.ok(allows(docker, ask('c', 1, 3, 'rw')), 'docker: /dev/null rw');
  t.ok(allows(docker, ask('c', 136, 4, 'rw')), 'docker: a pts');
  t.ok(allows(docker, ask('c', 10, 200, 'rw')), 'docker: /dev/net/tun (runc default)');
  t.ok(allows(docker, ask('b', 8, 0, 'm')), 'docker: mknod of any block device (runc default b *:* m)');
  t.notOk(allows(docker, ask('b', 8, 0, 'r')), 'docker: reading /dev/sda is denied');
  t.notOk(allows(docker, ask('c', 10, 229, 'rw')), 'docker: /dev/fuse is denied (its own deny rule)');
  t.notOk(allows(docker, ask('c', 4, 1, 'w')), 'docker: a tty of the host is denied');
  const fuse = composed.get('podman-device-fuse.json')!;
  t.ok(allows(fuse, ask('c', 10, 229, 'rw')), 'podman --device /dev/fuse: allowed by linux.devices');
  const privileged = composed.get('docker-privileged.json')!;
  t.ok(allows(privileged, ask('b', 8, 0, 'rw')), 'docker --privileged: every device');
});

t.test('rules the program cannot express', async (t) => {
  t.equal(deviceRuleProblem({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }), null);
  t.match(deviceRuleProblem({ allow: true, type: 'u' }), { field: 'type', problem: /unknown device type "u"/ });
  t.match(deviceRuleProblem({ allow: true, type: 'c', access: 'rx' }), { field: 'access', problem: /"rx"/ });
  t.match(deviceRuleProblem({ allow: true, type: 'c', major: 2 ** 31 }), { field: 'major' });
  t.match(deviceRuleProblem({ allow: true, type: 'c', minor: 1.5 }), { field: 'minor' });
  t.throws(() => deviceFilter([{ allow: true, type: 'x' }]), /type/);
  const many = Array.from(
    { length: 3000 },
    (_, i): DeviceRule => ({ allow: i % 2 === 0, type: 'c', major: 1, minor: i }),
  );
  t.throws(() => deviceFilter(many), /too many/);
  t.doesNotThrow(() => deviceFilter(many.slice(0, 500)), '500 rules fit');
});

t.test('the verifier log line that says what is wrong', async (t) => {
  t.equal(verifierMessage('unreachable insn 7\nprocessed 0 insns (limit 1000000)\n'), 'unreachable insn 7');
  t.equal(
    verifierMessage(
      'func#0 @0\n0: R1=ctx() R10=fp0\n0: (b7) r2 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000) max_states_per_insn 0\n',
    ),
    'R0 !read_ok',
  );
  t.equal(verifierMessage(''), '');
});
