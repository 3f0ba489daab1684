// An eBPF interpreter for cgroup device programs, for tests: exactly the instructions
// src/cgroups/device-filter/generate.ts emits (ldxw from the context, and32/rsh32/mov32 #k,
// ja, jne #k, jset #k, exit). Anything else throws, as do the verifier's static checks that
// matter here: a jump backwards or out of the program, an unreachable instruction, a read
// of a register never written or outside struct bpf_cgroup_dev_ctx, an exit before r0 is
// set, a program that can run off its end.
import {
  CTX_ACCESS_TYPE,
  CTX_MAJOR,
  CTX_MINOR,
  CTX_SIZE,
  decodeInsns,
  type Insn,
  Op,
  R0,
  R1,
} from '../../src/cgroups/device-filter/bpf-abi';

/** The kernel's question: (BPF_DEVCG_ACC_* bits, BPF_DEVCG_DEV_* type, major, minor). */
export interface DeviceAccess {
  access: number;
  type: number;
  major: number;
  minor: number;
}

const JUMPS = new Set<number>([Op.JA, Op.JNE_K, Op.JSET_K]);
const KNOWN = new Set<number>(Object.values(Op));
const CTX_FIELDS = new Set([CTX_ACCESS_TYPE, CTX_MAJOR, CTX_MINOR]);
const MAX_REG = 10;

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** The verifier's static checks; throws naming the first problem. */
export function checkProgram(insns: readonly Insn[]): void {
  if (insns.length === 0) throw new Error('empty program');
  const reached = new Array<boolean>(insns.length).fill(false);
  reached[0] = true;
  insns.forEach((insn, pc) => {
    const { code, dst, src, off } = insn;
    if (!KNOWN.has(code)) throw new Error(`${pc}: opcode ${hex(code)} not handled by this interpreter`);
    if (dst > MAX_REG || src > MAX_REG) throw new Error(`${pc}: register r${Math.max(dst, src)}`);
    if (code === Op.LDX_MEM_W && (src !== R1 || !CTX_FIELDS.has(off)))
      throw new Error(`${pc}: load from r${src}+${off}: not a field of bpf_cgroup_dev_ctx`);
    if (!reached[pc]) throw new Error(`unreachable insn ${pc}`);
    if (JUMPS.has(code)) {
      if (off < 0) throw new Error(`${pc}: backward jump`);
      if (pc + 1 + off >= insns.length) throw new Error(`${pc}: jump out of range to ${pc + 1 + off}`);
      reached[pc + 1 + off] = true;
    }
    const fallsThrough = code !== Op.JA && code !== Op.EXIT;
    if (fallsThrough) {
      if (pc + 1 >= insns.length) throw new Error(`${pc}: falls off the end of the program`);
      reached[pc + 1] = true;
    }
  });
}

function context(q: DeviceAccess): DataView {
  const view = new DataView(new ArrayBuffer(CTX_SIZE));
  view.setUint32(CTX_ACCESS_TYPE, ((q.access << 16) | q.type) >>> 0, true);
  view.setUint32(CTX_MAJOR, q.major >>> 0, true);
  view.setUint32(CTX_MINOR, q.minor >>> 0, true);
  return view;
}

/** The program's r0 for the question `q` (1 allows, 0 refuses). */
export function runDeviceProgram(program: Uint8Array | readonly Insn[], q: DeviceAccess): number {
  const insns = program instanceof Uint8Array ? decodeInsns(program) : program;
  checkProgram(insns);
  const ctx = context(q);
  // Registers as 64-bit values; undefined until written (r1 is the context pointer).
  const regs: (bigint | undefined)[] = new Array(MAX_REG + 1).fill(undefined);
  const get = (r: number, pc: number): bigint => {
    const v = regs[r];
    if (v === undefined) throw new Error(`${pc}: r${r} read before it is written`);
    return v;
  };
  const u32 = (v: bigint) => BigInt.asUintN(32, v);
  for (let pc = 0; pc < insns.length; ) {
    const { code, dst, off, imm } = insns[pc]!;
    const at = pc++;
    const k = BigInt.asUintN(64, BigInt(imm)); // imm sign-extended to 64 bits
    switch (code) {
      case Op.LDX_MEM_W:
        regs[dst] = BigInt(ctx.getUint32(off, true));
        break;
      case Op.AND32_K:
        regs[dst] = u32(get(dst, at) & k);
        break;
      case Op.RSH32_K:
        regs[dst] = u32(get(dst, at)) >> BigInt(imm & 31);
        break;
      case Op.MOV32_K:
        regs[dst] = u32(k);
        break;
      case Op.JA:
        pc += off;
        break;
      case Op.JNE_K:
        if (get(dst, at) !== k) pc += off;
        break;
      case Op.JSET_K:
        if ((get(dst, at) & k) !== 0n) pc += off;
        break;
      case Op.EXIT:
        return Number(get(R0, at));
      default:
        throw new Error(`${at}: opcode ${hex(code)} not handled by this interpreter`);
    }
  }
  throw new Error('ran off the end of the program');
}
