// A classic-BPF interpreter for seccomp filters, for tests: the opcodes libseccomp 2.5
// emits (gen_bpf.c: ld [abs], and #k, ja, jeq/jgt/jge #k, ret #k) and the ENOSYS stub's
// jset. Anything else throws, as do the kernel's static checks (bpf_check_classic and
// seccomp_check_filter): a jump out of the program, a load outside struct seccomp_data,
// a program that does not end in ret.
import * as os from 'node:os';
import type { Insn } from '../../src/seccomp/enosys-stub';

/** struct seccomp_data, the input of a seccomp filter. */
export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  args?: readonly bigint[];
}

const SECCOMP_DATA_SIZE = 64;
const LITTLE_ENDIAN = os.endianness() === 'LE';
/** sizeof(struct sock_filter). */
const INSN_SIZE = 8;
const MAX_INSNS = 4096;

const LD_W_ABS = 0x20;
const ALU_AND_K = 0x54;
const JMP_JA = 0x05;
const JMP_JEQ_K = 0x15;
const JMP_JGT_K = 0x25;
const JMP_JGE_K = 0x35;
const JMP_JSET_K = 0x45;
const RET_K = 0x06;
const CONDITIONAL = [JMP_JEQ_K, JMP_JGT_K, JMP_JGE_K, JMP_JSET_K];

const NAMES: Record<number, string> = {
  [LD_W_ABS]: 'ld',
  [ALU_AND_K]: 'and',
  [JMP_JA]: 'ja',
  [JMP_JEQ_K]: 'jeq',
  [JMP_JGT_K]: 'jgt',
  [JMP_JGE_K]: 'jge',
  [JMP_JSET_K]: 'jset',
  [RET_K]: 'ret',
};

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** The kernel's checks before it accepts a filter; throws naming the first problem. */
export function checkFilter(insns: readonly Insn[]): void {
  if (insns.length === 0 || insns.length > MAX_INSNS) throw new Error(`${insns.length} instructions`);
  insns.forEach((insn, pc) => {
    const { code, jt, jf, k } = insn;
    if (!(code in NAMES)) throw new Error(`${pc}: opcode ${hex(code)} not handled by this interpreter`);
    if (code === LD_W_ABS && (k % 4 !== 0 || k >= SECCOMP_DATA_SIZE))
      throw new Error(`${pc}: ld [${k}] outside seccomp_data`);
    if (code === JMP_JA && pc + 1 + k >= insns.length) throw new Error(`${pc}: ja ${k} leaves the program`);
    if (CONDITIONAL.includes(code) && pc + 1 + Math.max(jt, jf) >= insns.length)
      throw new Error(`${pc}: jump ${jt}/${jf} leaves the program`);
  });
  if (insns[insns.length - 1]!.code !== RET_K) throw new Error('the program does not end in ret');
}

function seccompData(d: SeccompData): Buffer {
  const buf = Buffer.alloc(SECCOMP_DATA_SIZE);
  // Host byte order, as the kernel lays it out; the tests run on little-endian x86_64.
  buf.writeUInt32LE(d.nr >>> 0, 0);
  buf.writeUInt32LE(d.arch >>> 0, 4);
  buf.writeBigUInt64LE(d.instructionPointer ?? 0n, 8);
  for (const [i, a] of (d.args ?? []).entries()) buf.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i);
  return buf;
}

/** What the filter returns (a SECCOMP_RET_* value) for `data`. */
export function runFilter(filter: Buffer | readonly Insn[], data: SeccompData): number {
  const insns = Buffer.isBuffer(filter) ? decodeBpf(filter) : filter;
  checkFilter(insns);
  const mem = seccompData(data);
  let a = 0;
  for (let pc = 0; pc < insns.length; ) {
    const { code, jt, jf, k } = insns[pc]!;
    pc++;
    switch (code) {
      case LD_W_ABS:
        a = mem.readUInt32LE(k);
        break;
      case ALU_AND_K:
        a = (a & k) >>> 0;
        break;
      case JMP_JA:
        pc += k;
        break;
      case JMP_JEQ_K:
        pc += a === k >>> 0 ? jt : jf;
        break;
      case JMP_JGT_K:
        pc += a > k >>> 0 ? jt : jf;
        break;
      case JMP_JGE_K:
        pc += a >= k >>> 0 ? jt : jf;
        break;
      case JMP_JSET_K:
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case RET_K:
        return k >>> 0;
      default:
        throw new Error(`${pc - 1}: opcode ${hex(code)} not handled by this interpreter`);
    }
  }
  throw new Error('ran off the end of the program');
}

/** One line per instruction: `  3: jgt #0xe7, 6, 7` (jump targets as absolute indexes). */
export function disassemble(insns: readonly Insn[]): string[] {
  return insns.map(({ code, jt, jf, k }, pc) => {
    const name = NAMES[code] ?? `op${hex(code)}`;
    const at = String(pc).padStart(4);
    if (code === LD_W_ABS) return `${at}: ld [${k}]`;
    if (code === JMP_JA) return `${at}: ja ${pc + 1 + k}`;
    if (code === RET_K) return `${at}: ret #${hex(k)}`;
    if (CONDITIONAL.includes(code)) return `${at}: ${name} #${hex(k)}, ${pc + 1 + jt}, ${pc + 1 + jf}`;
    return `${at}: ${name} #${hex(k)}`;
  });
}

/** The reverse of encodeBpf (src/seccomp/enosys-stub.ts): host byte order, `bytes` whole
 * instructions. */
export function decodeBpf(bytes: Buffer): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) throw new Error(`${bytes.length} bytes are not whole BPF instructions`);
  const out: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    out.push({
      code: LITTLE_ENDIAN ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at),
      jt: bytes[at + 2]!,
      jf: bytes[at + 3]!,
      k: LITTLE_ENDIAN ? bytes.readUInt32LE(at + 4) : bytes.readUInt32BE(at + 4),
    });
  }
  return out;
}
