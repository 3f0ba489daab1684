// Device rules -> a BPF_PROG_TYPE_CGROUP_DEVICE program, the cgroup v2 form of the v1
// devices controller. The kernel runs it for every open (access r, w or both) and mknod
// (access m) of a device node by a task of the cgroup; r0 = 1 allows, 0 refuses (EPERM).
//
// What it decides, for each access letter the kernel asks about: the last rule whose type,
// major and minor match the device and whose access has that letter says allow or deny; no
// such rule denies (as runc, whose empty rule set denies everything). An access made of
// several letters (an O_RDWR open) needs every letter allowed. So the program walks the
// rules backwards once per letter and stops at the first match.
//
// Layout (the kernel's verifier refuses backward jumps and unreachable instructions, so a
// rule that matches every device ends its chain):
//   r2 = device type, r3 = access letters, r4 = major, r5 = minor
//   per letter: if !(r3 & letter) goto next letter
//               per rule, last first: if r2 != type goto next rule; same for r4, r5;
//                                     allow: goto next letter; deny: goto deny
//               no rule: goto deny
//   r0 = 1; exit
//   deny: r0 = 0; exit
import { type DeviceRule, deviceRuleProblem } from '../device-rules';
import {
  CTX_ACCESS_TYPE,
  CTX_MAJOR,
  CTX_MINOR,
  DEVCG_ACC_MKNOD,
  DEVCG_ACC_READ,
  DEVCG_ACC_WRITE,
  DEVCG_DEV_BLOCK,
  DEVCG_DEV_CHAR,
  encodeInsns,
  type Insn,
  Op,
  R0,
  R1,
} from './bpf-abi';

export interface DeviceProgram {
  /** struct bpf_insn[], in the host's byte order. */
  insns: Uint8Array;
  license: string;
}

/** No helper is called, so the license is only a label. */
const LICENSE = 'Apache-2.0';

const R_TYPE = 2;
const R_ACCESS = 3;
const R_MAJOR = 4;
const R_MINOR = 5;

const LETTERS: ReadonlyArray<readonly [letter: string, bit: number]> = [
  ['m', DEVCG_ACC_MKNOD],
  ['r', DEVCG_ACC_READ],
  ['w', DEVCG_ACC_WRITE],
];

const TYPES: Record<string, number | undefined> = { a: undefined, b: DEVCG_DEV_BLOCK, c: DEVCG_DEV_CHAR };

/** A jump whose target is a label, resolved once every instruction is placed. */
type Draft = Insn & { target?: Label };
type Label = { at?: number };

const insn = (code: number, dst: number, src: number, off: number, imm: number): Draft => ({
  code,
  dst,
  src,
  off,
  imm,
});
const jump = (code: number, dst: number, imm: number, target: Label): Draft => ({
  ...insn(code, dst, 0, 0, imm),
  target,
});

const isWildcard = (n: number | null | undefined): boolean => n === undefined || n === null || n < 0;

/** The program enforcing `rules` (a later rule wins). Throws on a rule deviceRuleProblem
 * refuses, and when the rules are too many for the program's 16-bit jumps. */
export function deviceFilter(rules: readonly DeviceRule[]): DeviceProgram {
  for (const rule of rules) {
    const bad = deviceRuleProblem(rule);
    if (bad) throw new Error(`device rule ${JSON.stringify(rule)}: ${bad.field}: ${bad.problem}`);
  }
  const out: Draft[] = [
    insn(Op.LDX_MEM_W, R_TYPE, R1, CTX_ACCESS_TYPE, 0),
    insn(Op.AND32_K, R_TYPE, 0, 0, 0xffff),
    insn(Op.LDX_MEM_W, R_ACCESS, R1, CTX_ACCESS_TYPE, 0),
    insn(Op.RSH32_K, R_ACCESS, 0, 0, 16),
    insn(Op.LDX_MEM_W, R_MAJOR, R1, CTX_MAJOR, 0),
    insn(Op.LDX_MEM_W, R_MINOR, R1, CTX_MINOR, 0),
  ];
  const place = (label: Label) => {
    label.at = out.length;
  };
  const deny: Label = {};
  let denied = false;
  for (const [letter, bit] of LETTERS) {
    const nextLetter: Label = {};
    out.push(insn(Op.JSET_K, R_ACCESS, 0, 1, bit), jump(Op.JA, 0, 0, nextLetter));
    let decided = false;
    for (let i = rules.length - 1; i >= 0 && !decided; i--) {
      const rule = rules[i]!;
      if (!(rule.access ?? 'rwm').includes(letter)) continue;
      const nextRule: Label = {};
      const type = TYPES[rule.type ?? 'a'];
      const checks: Draft[] = [
        ...(type === undefined ? [] : [jump(Op.JNE_K, R_TYPE, type, nextRule)]),
        ...(isWildcard(rule.major) ? [] : [jump(Op.JNE_K, R_MAJOR, rule.major as number, nextRule)]),
        ...(isWildcard(rule.minor) ? [] : [jump(Op.JNE_K, R_MINOR, rule.minor as number, nextRule)]),
      ];
      out.push(...checks, jump(Op.JA, 0, 0, rule.allow ? nextLetter : deny));
      denied ||= !rule.allow;
      place(nextRule);
      decided = checks.length === 0; // it matches every device: the rules before it never decide
    }
    if (!decided) {
      out.push(jump(Op.JA, 0, 0, deny));
      denied = true;
    }
    place(nextLetter);
  }
  out.push(insn(Op.MOV32_K, R0, 0, 0, 1), insn(Op.EXIT, 0, 0, 0, 0));
  if (denied) {
    place(deny);
    out.push(insn(Op.MOV32_K, R0, 0, 0, 0), insn(Op.EXIT, 0, 0, 0, 0));
  }
  const insns = out.map(({ target, ...rest }, pc) => {
    if (!target) return rest;
    const off = (target.at as number) - (pc + 1);
    if (off > 0x7fff) throw new Error(`${rules.length} device rules are too many for one eBPF program`);
    return { ...rest, off };
  });
  return { insns: encodeInsns(insns), license: LICENSE };
}
