// The kernel's names (include/uapi/linux/bpf.h) for what the cgroup v2 device filter uses:
// the few eBPF instructions the generator emits, the program's input, and the bpf(2)
// commands that load and attach it. Named once, for the generator, the loader and the
// tests' interpreter.
import { endianness } from 'node:os';

/** sizeof(struct bpf_insn). */
export const INSN_SIZE = 8;

/** Opcodes (class | operation | source) of the instructions the generator emits. */
export const Op = {
  /** dst = *(u32 *)(src + off): BPF_LDX | BPF_MEM | BPF_W */
  LDX_MEM_W: 0x61,
  /** dst32 &= imm: BPF_ALU | BPF_AND | BPF_K */
  AND32_K: 0x54,
  /** dst32 >>= imm: BPF_ALU | BPF_RSH | BPF_K */
  RSH32_K: 0x74,
  /** dst32 = imm: BPF_ALU | BPF_MOV | BPF_K */
  MOV32_K: 0xb4,
  /** pc += off: BPF_JMP | BPF_JA */
  JA: 0x05,
  /** if dst != imm (imm sign-extended to 64 bits) pc += off: BPF_JMP | BPF_JNE | BPF_K */
  JNE_K: 0x55,
  /** if dst & imm pc += off: BPF_JMP | BPF_JSET | BPF_K */
  JSET_K: 0x45,
  /** return r0: BPF_JMP | BPF_EXIT */
  EXIT: 0x95,
} as const;

/** r0 holds the verdict, r1 points at the context on entry. */
export const R0 = 0;
export const R1 = 1;

/** struct bpf_cgroup_dev_ctx: access_type is (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*. */
export const CTX_ACCESS_TYPE = 0;
export const CTX_MAJOR = 4;
export const CTX_MINOR = 8;
export const CTX_SIZE = 12;

export const DEVCG_ACC_MKNOD = 1;
export const DEVCG_ACC_READ = 2;
export const DEVCG_ACC_WRITE = 4;
export const DEVCG_DEV_BLOCK = 1;
export const DEVCG_DEV_CHAR = 2;

/** enum bpf_cmd. */
export const BPF_PROG_LOAD = 5;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_DETACH = 9;
export const BPF_PROG_GET_FD_BY_ID = 13;
export const BPF_PROG_QUERY = 16;

export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 2;
export const BPF_F_REPLACE = 4;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  /** Signed 16-bit jump offset or memory offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

// struct bpf_insn's dst_reg:4 and src_reg:4 share a byte; bit-field order follows the
// host's byte order.
const LITTLE_ENDIAN = endianness() === 'LE';

/** The instructions as the kernel reads them, in the host's byte order. */
export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    const at = i * INSN_SIZE;
    view.setUint8(at, insn.code);
    view.setUint8(at + 1, LITTLE_ENDIAN ? (insn.src << 4) | insn.dst : (insn.dst << 4) | insn.src);
    view.setInt16(at + 2, insn.off, LITTLE_ENDIAN);
    view.setInt32(at + 4, insn.imm, LITTLE_ENDIAN);
  });
  return bytes;
}

/** The instructions back from their bytes (for tests and diagnostics). */
export function decodeInsns(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) throw new Error(`${bytes.length} bytes is not a whole number of instructions`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const insns: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    const regs = view.getUint8(at + 1);
    insns.push({
      code: view.getUint8(at),
      dst: LITTLE_ENDIAN ? regs & 0xf : regs >> 4,
      src: LITTLE_ENDIAN ? regs >> 4 : regs & 0xf,
      off: view.getInt16(at + 2, LITTLE_ENDIAN),
      imm: view.getInt32(at + 4, LITTLE_ENDIAN),
    });
  }
  return insns;
}
