// ENOSYS for syscalls newer than a profile (runc does the same in patchbpf). A profile
// lists the syscalls its author knew; under a default action like ERRNO(EPERM) or KILL a
// newer call (clone3, openat2, faccessat2...) gets that action, and a libc that would fall
// back to an older call on ENOSYS (glibc: clone3 -> clone) fails instead. So, in front of
// libseccomp's program, a stub returns ERRNO(ENOSYS) for every syscall number above the
// largest one the profile names on that architecture.
//
// Layout: `ld arch`, then one section per architecture (in the order of `architectures`),
// each opened by its own arch test, so that every conditional jump lands inside its
// section or at the next one (at most 6 ahead), whatever the number of architectures; the
// way on into libseccomp's program is a `ja`, whose offset is 32 bits. An architecture
// matching no section falls through into the program, which applies its bad-arch action.
//
//        ld   [4]                      ; seccomp_data.arch
//   s:   jeq  #AUDIT_ARCH, 0, next     ; not this one: the next section (or the program)
//        ld   [0]                      ; seccomp_data.nr
//        jset #0x40000000, ...         ; x86_64 only: x32 calls carry bit 30
//        jgt  #max, enosys, pass       ; one per mode (x86_64, x32)
//   enosys: ret #ERRNO(ENOSYS)
//   pass:   ja  program                ; left out in the last section, which precedes it
//   next:   ...
//   program: libseccomp's filter, unchanged (its jumps are relative; it loads the arch
//            itself first)
//
// Everything here is pure: syscall names are resolved through the function the caller
// passes (libseccomp's seccomp_syscall_resolve_name_arch).
import { endianness } from 'node:os';

/** struct sock_filter. */
export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Classic BPF opcodes the stub uses (linux/bpf_common.h combinations). */
const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JA = 0x05;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGT_K = 0x25;
const BPF_JMP_JSET_K = 0x45;
const BPF_RET_K = 0x06;

/** offsetof(struct seccomp_data, nr / arch). */
const SECCOMP_DATA_NR = 0;
const SECCOMP_DATA_ARCH = 4;

/** linux/audit.h. x86_64 and x32 processes both report AUDIT_ARCH_X86_64. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
/** libseccomp's SCMP_ARCH_X32: the one SCMP_ARCH_* token that is not an AUDIT_ARCH_* value. */
export const SCMP_ARCH_X32 = 0x4000003e;
/** __X32_SYSCALL_BIT: set in seccomp_data.nr for every x32 syscall. */
export const X32_SYSCALL_BIT = 0x40000000;

/** SECCOMP_RET_* (linux/seccomp.h). */
const SECCOMP_RET_ACTION_FULL = 0xffff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_TRACE = 0x7ff00000;
const SECCOMP_RET_LOG = 0x7ffc0000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const ENOSYS = 38;
export const RET_ERRNO_ENOSYS = SECCOMP_RET_ERRNO | ENOSYS;

/** Conditional jumps hold an 8-bit offset. */
const MAX_COND_JUMP = 255;

/** Whether a profile with this default action (a SECCOMP_RET_* value) gets the stub: not
 * when the default lets calls through (ALLOW, LOG; TRACE, as runc: a tracer handles new
 * calls itself), nor when it already is ERRNO(ENOSYS). */
export function enosysStubApplies(defaultAction: number): boolean {
  const action = (defaultAction & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW || action === SECCOMP_RET_LOG || action === SECCOMP_RET_TRACE) return false;
  return defaultAction >>> 0 !== RET_ERRNO_ENOSYS;
}

/** The largest syscall number a profile names on one architecture (as the kernel reports
 * it in seccomp_data.arch), per mode; a mode is absent when the profile does not list it
 * or names no call that exists there. `x32` only for AUDIT_ARCH_X86_64, with the x32 bit. */
export interface ArchLimit {
  audit: number;
  native?: number;
  x32?: number;
}

/** seccomp_syscall_resolve_name_arch: a number, or negative when `name` does not exist on
 * the architecture (unknown, or a pseudo-number for a call other architectures have). */
export type ResolveSyscall = (archToken: number, name: string) => number;

/** The limits for `archTokens` (SCMP_ARCH_* values, first appearance first, repeats
 * ignored) over every name of every rule, whatever its action. */
export function syscallLimits(
  archTokens: readonly number[],
  names: readonly string[],
  resolve: ResolveSyscall,
): ArchLimit[] {
  const limits: ArchLimit[] = [];
  const seen = new Set<number>();
  for (const raw of archTokens) {
    const token = raw >>> 0;
    if (seen.has(token)) continue;
    seen.add(token);
    const x32 = token === SCMP_ARCH_X32;
    const audit = x32 ? AUDIT_ARCH_X86_64 : token;
    let max: number | undefined;
    for (const name of new Set(names)) {
      let nr = resolve(token, name);
      if (!Number.isInteger(nr) || nr < 0) continue;
      // libseccomp 2.5 returns x32 numbers with the bit; should one come without, add it.
      if (x32) nr = (nr | X32_SYSCALL_BIT) >>> 0;
      if (max === undefined || nr > max) max = nr;
    }
    if (max === undefined) continue;
    let limit = limits.find((l) => l.audit === audit);
    if (!limit) {
      limit = { audit };
      limits.push(limit);
    }
    if (x32) limit.x32 = max;
    else limit.native = max;
  }
  return limits;
}

type Label = string;
const PROGRAM: Label = 'program';

/** A few instructions with symbolic forward jumps; an absent target is the next
 * instruction. */
class Assembler {
  private readonly drafts: { code: number; k: number; jt?: Label; jf?: Label; ja?: Label }[] = [];
  private readonly labels = new Map<Label, number>();

  here(label: Label): void {
    if (this.labels.has(label)) throw new Error(`enosys stub: label ${label} placed twice`);
    this.labels.set(label, this.drafts.length);
  }
  ld(offset: number): void {
    this.drafts.push({ code: BPF_LD_W_ABS, k: offset });
  }
  jeq(k: number, jt?: Label, jf?: Label): void {
    this.drafts.push({ code: BPF_JMP_JEQ_K, k, jt, jf });
  }
  jgt(k: number, jt?: Label, jf?: Label): void {
    this.drafts.push({ code: BPF_JMP_JGT_K, k, jt, jf });
  }
  jset(k: number, jt?: Label, jf?: Label): void {
    this.drafts.push({ code: BPF_JMP_JSET_K, k, jt, jf });
  }
  ja(target: Label): void {
    this.drafts.push({ code: BPF_JMP_JA, k: 0, ja: target });
  }
  ret(k: number): void {
    this.drafts.push({ code: BPF_RET_K, k });
  }

  /** The instructions, every label resolved to an offset from the next instruction. A
   * conditional jump over 255 is a bug in the layout, not the profile's fault. */
  finish(): Insn[] {
    return this.drafts.map((d, i) => {
      const offset = (label: Label | undefined, limit: number): number => {
        if (label === undefined) return 0;
        const at = this.labels.get(label);
        if (at === undefined) throw new Error(`enosys stub: label ${label} never placed`);
        const off = at - (i + 1);
        if (off < 0 || off > limit) throw new Error(`enosys stub: jump from ${i} to ${label} (${off}) out of range`);
        return off;
      };
      if (d.ja !== undefined) return { code: d.code, jt: 0, jf: 0, k: offset(d.ja, 0xffffffff) };
      return { code: d.code, jt: offset(d.jt, MAX_COND_JUMP), jf: offset(d.jf, MAX_COND_JUMP), k: d.k >>> 0 };
    });
  }
}

/** One architecture's section (see the layout above). */
function section(asm: Assembler, limit: ArchLimit, index: number, last: boolean): void {
  const next = last ? PROGRAM : `s${index}.next`;
  const pass = last ? PROGRAM : `s${index}.pass`;
  const enosys = `s${index}.enosys`;
  asm.jeq(limit.audit, undefined, next);
  asm.ld(SECCOMP_DATA_NR);
  if (limit.audit === AUDIT_ARCH_X86_64) {
    // One arch value, two syscall tables: a mode the profile does not list goes on to
    // the program untouched.
    const native = `s${index}.x86_64`;
    if (limit.x32 !== undefined && limit.native !== undefined) {
      asm.jset(X32_SYSCALL_BIT, undefined, native);
      asm.jgt(limit.x32, enosys, pass);
      asm.here(native);
      asm.jgt(limit.native, enosys, pass);
    } else if (limit.x32 !== undefined) {
      asm.jset(X32_SYSCALL_BIT, undefined, pass);
      asm.jgt(limit.x32, enosys, pass);
    } else {
      asm.jset(X32_SYSCALL_BIT, pass, undefined);
      asm.jgt(limit.native!, enosys, pass);
    }
  } else {
    asm.jgt(limit.native!, enosys, pass);
  }
  asm.here(enosys);
  asm.ret(RET_ERRNO_ENOSYS);
  if (last) return;
  asm.here(pass);
  asm.ja(PROGRAM);
  asm.here(next);
}

/** The stub to put in front of libseccomp's program; empty when no architecture has a
 * limit (nothing to compare against). */
export function enosysStub(limits: readonly ArchLimit[]): Insn[] {
  const usable = limits.filter((l) => l.native !== undefined || l.x32 !== undefined);
  if (usable.length === 0) return [];
  const asm = new Assembler();
  asm.ld(SECCOMP_DATA_ARCH);
  for (const [i, limit] of usable.entries()) section(asm, limit, i, i === usable.length - 1);
  asm.here(PROGRAM);
  return asm.finish();
}

/** sizeof(struct sock_filter). */
const INSN_SIZE = 8;
const littleEndian = endianness() === 'LE';

/** struct sock_filter[] in host byte order, as seccomp(2) and seccomp_export_bpf use. */
export function encodeBpf(insns: readonly Insn[]): Buffer {
  const out = Buffer.alloc(insns.length * INSN_SIZE);
  insns.forEach((insn, i) => {
    const at = i * INSN_SIZE;
    if (littleEndian) {
      out.writeUInt16LE(insn.code, at);
      out.writeUInt32LE(insn.k >>> 0, at + 4);
    } else {
      out.writeUInt16BE(insn.code, at);
      out.writeUInt32BE(insn.k >>> 0, at + 4);
    }
    out[at + 2] = insn.jt;
    out[at + 3] = insn.jf;
  });
  return out;
}
