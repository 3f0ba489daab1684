// OCI linux.seccomp -> classic BPF (struct sock_filter[]) through libseccomp, in the
// runtime process; the child only installs the bytes (DESIGN §2, ANCHORS B). Behaviour
// follows runc's libcontainer/seccomp: syscall names libseccomp does not know are skipped,
// a rule whose action equals the default action is skipped, ERRNO and TRACE default to
// EPERM, args sharing an index become one rule per condition, TSYNC is a no-op, a flag or
// an action the running kernel lacks is refused (kernel.ts asks it); and, in front of
// libseccomp's program, runc's ENOSYS stub for syscalls newer than the profile
// (enosys-stub.ts).
import { ConfigError } from '../errors';
import type { Seccomp, SyscallArg } from '../config/types';
import { errnoText } from '../errno';
import { encodeBpf, enosysStub, enosysStubApplies, type Insn, syscallLimits } from './enosys-stub';
import { hostSeccompKernel, type SeccompKernel } from './kernel';
import {
  libseccomp,
  NR_SCMP_ERROR,
  SCMP_FLTATR_CTL_NNP,
  SCMP_FLTATR_CTL_TSYNC,
  type ScmpArgCmp,
  type ScmpFilter,
} from './libseccomp';

/** Action values (seccomp.h SCMP_ACT_*). ERRNO and TRACE carry a 16-bit return code. */
export const SECCOMP_ACTIONS: Readonly<Record<string, number>> = {
  SCMP_ACT_KILL: 0x00000000, // SCMP_ACT_KILL_THREAD, as runc and libseccomp
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
};

/** Actions whose errnoRet is used (runc: EPERM when absent). */
const ACTIONS_WITH_ERRNO: readonly string[] = ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE'];

/** enum scmp_compare (seccomp.h). */
export const SECCOMP_OPERATORS: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** SCMP_ARCH_* tokens (AUDIT_ARCH_* values, seccomp.h and linux/audit.h). libseccomp
 * 2.5 lacks the last four: asking for them is an error at compile time. */
export const SECCOMP_ARCHES: Readonly<Record<string, number>> = {
  SCMP_ARCH_X86: 0x40000003,
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_X32: 0x4000003e,
  SCMP_ARCH_ARM: 0x40000028,
  SCMP_ARCH_AARCH64: 0xc00000b7,
  SCMP_ARCH_MIPS: 0x00000008,
  SCMP_ARCH_MIPS64: 0x80000008,
  SCMP_ARCH_MIPS64N32: 0xa0000008,
  SCMP_ARCH_MIPSEL: 0x40000008,
  SCMP_ARCH_MIPSEL64: 0xc0000008,
  SCMP_ARCH_MIPSEL64N32: 0xe0000008,
  SCMP_ARCH_PPC: 0x00000014,
  SCMP_ARCH_PPC64: 0x80000015,
  SCMP_ARCH_PPC64LE: 0xc0000015,
  SCMP_ARCH_S390: 0x00000016,
  SCMP_ARCH_S390X: 0x80000016,
  SCMP_ARCH_PARISC: 0x0000000f,
  SCMP_ARCH_PARISC64: 0x8000000f,
  SCMP_ARCH_RISCV64: 0xc00000f3,
  SCMP_ARCH_SH: 0x4000002a,
  SCMP_ARCH_SHEB: 0x0000002a,
  SCMP_ARCH_LOONGARCH64: 0xc0000102,
  SCMP_ARCH_M68K: 0x00000004,
};

/** SECCOMP_FILTER_FLAG_* bits the child passes to seccomp(2). TSYNC is accepted and
 * dropped (the child is single-threaded; runc does the same). WAIT_KILLABLE_RECV (Linux
 * 5.19) needs a listener: the kernel refuses it without NEW_LISTENER, so does compile. */
export const SECCOMP_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 0,
  SECCOMP_FILTER_FLAG_LOG: 1 << 1,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 1 << 2,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 1 << 5,
};

/** Not an OCI flag: the compiler adds it when a rule notifies, and the child then gets the
 * listener fd from seccomp(2) (addon/src/child/seccomp.cc tests the same bit). */
const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

/** Whether the running kernel takes the OCI flag `name` (one of SECCOMP_FLAGS). TSYNC
 * always: it is dropped, never passed (runc lists and accepts it the same way).
 * WAIT_KILLABLE_RECV is asked with NEW_LISTENER, without which no kernel takes it. */
export function kernelTakesFlag(kernel: SeccompKernel, name: string): boolean {
  const bit = SECCOMP_FLAGS[name];
  if (bit === undefined) return false;
  if (bit === 0) return true;
  const companion = name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  return kernel.acceptsFlags(bit | companion);
}

const NOTIFY = 'SCMP_ACT_NOTIFY';

/** BPF_MAXINSNS: the kernel refuses a longer classic filter. */
const BPF_MAX_INSNS = 4096;
/** sizeof(struct sock_filter). */
export const BPF_INSN_SIZE = 8;

export interface CompiledSeccomp {
  /** struct sock_filter[] in host byte order. */
  filter: Buffer;
  /** SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...). */
  flags: number;
}

const AT = 'linux.seccomp';

/** The numeric action for an OCI action name, or a ConfigError at `at`. */
export function seccompAction(name: string, errnoRet: number | undefined, at: string, kernel?: SeccompKernel): number {
  const base = SECCOMP_ACTIONS[name];
  if (base === undefined) throw new ConfigError(at, `unknown action ${JSON.stringify(name)}`);
  if (kernel && !kernel.hasAction(base)) throw new ConfigError(at, `${name} is not supported by this kernel`);
  if (!ACTIONS_WITH_ERRNO.includes(name)) return base;
  const ret = errnoRet ?? 1; // EPERM
  return (base | (ret & 0xffff)) >>> 0;
}

function toU64(value: unknown, at: string): bigint {
  if (typeof value === 'bigint' && value >= 0n && value < 1n << 64n) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  throw new ConfigError(at, 'expected an unsigned 64-bit integer');
}

function condition(arg: SyscallArg, at: string): ScmpArgCmp {
  const op = SECCOMP_OPERATORS[arg.op];
  if (op === undefined) throw new ConfigError(`${at}.op`, `unknown operator ${JSON.stringify(arg.op)}`);
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5)
    throw new ConfigError(`${at}.index`, 'must be an argument index from 0 to 5');
  return {
    arg: arg.index,
    op,
    datum_a: toU64(arg.value, `${at}.value`),
    datum_b: toU64(arg.valueTwo ?? 0, `${at}.valueTwo`),
  };
}

/** runc: when two conditions name the same argument, each condition becomes its own rule
 * (libseccomp would AND them, which can never match for EQ). */
function ruleConditions(conds: ScmpArgCmp[]): ScmpArgCmp[][] {
  if (conds.length === 0) return [[]];
  const seen = new Set<number>();
  const repeated = conds.some((c) => {
    if (seen.has(c.arg)) return true;
    seen.add(c.arg);
    return false;
  });
  return repeated ? conds.map((c) => [c]) : [conds];
}

/** The bits of `names` for seccomp(2). Unknown names and those the kernel would refuse
 * are refused here, naming the entry: runc refuses both at create, and a flag silently
 * dropped would weaken what the profile asked for (LOG, SPEC_ALLOW) unseen. */
function kernelFlags(names: readonly string[] | undefined, kernel: SeccompKernel): number {
  let flags = 0;
  (names ?? []).forEach((name, i) => {
    const bit = SECCOMP_FLAGS[name];
    if (bit === undefined) throw new ConfigError(`${AT}.flags[${i}]`, `unknown flag ${JSON.stringify(name)}`);
    if (!kernelTakesFlag(kernel, name))
      throw new ConfigError(`${AT}.flags[${i}]`, `${name} is not supported by this kernel`);
    flags |= bit;
  });
  return flags;
}

/** The rules that notify, as [index in syscalls, rule]. */
function notifyRules(seccomp: Seccomp): number[] {
  return (seccomp.syscalls ?? []).flatMap((call, i) => (call.action === NOTIFY ? [i] : []));
}

/** What a profile with SCMP_ACT_NOTIFY must hold to work (runc's rules): not the default
 * action, never on write (the child reports the listener with write: a notified write
 * could never reach the runtime, which has no listener yet), a listenerPath to send it
 * to; WAIT_KILLABLE_RECV only with a listener. A listenerPath without a notifying rule is
 * accepted and never used, as runc. */
function checkSeccompNotify(seccomp: Seccomp): void {
  if (seccomp.defaultAction === NOTIFY)
    throw new ConfigError(
      `${AT}.defaultAction`,
      `${NOTIFY} cannot be the default action (the runtime could never receive the listener)`,
    );
  const rules = notifyRules(seccomp);
  for (const i of rules) {
    const j = seccomp.syscalls![i]!.names.indexOf('write');
    if (j >= 0)
      throw new ConfigError(
        `${AT}.syscalls[${i}].names[${j}]`,
        `${NOTIFY} cannot be used for the write syscall (the container's init reports the listener with it)`,
      );
  }
  if (rules.length > 0 && !seccomp.listenerPath)
    throw new ConfigError(`${AT}.listenerPath`, `required by ${NOTIFY} in ${AT}.syscalls[${rules[0]}]`);
  const killable = (seccomp.flags ?? []).indexOf('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV');
  if (killable >= 0 && rules.length === 0)
    throw new ConfigError(`${AT}.flags[${killable}]`, `needs a rule with ${NOTIFY}`);
}

/** True when the compiled filter hands a listener to `listenerPath`. */
function seccompNotifies(seccomp: Seccomp): boolean {
  return notifyRules(seccomp).length > 0;
}

function check(r: number, at: string, what: string): void {
  if (r < 0) throw new ConfigError(at, `${what}: ${errnoText(-r)}`);
}

function addRules(
  lib: ReturnType<typeof libseccomp>,
  ctx: ScmpFilter,
  seccomp: Seccomp,
  defaultAction: number,
  kernel: SeccompKernel,
): void {
  (seccomp.syscalls ?? []).forEach((call, i) => {
    const at = `${AT}.syscalls[${i}]`;
    const action = seccompAction(call.action, call.errnoRet, `${at}.action`, kernel);
    const conds = (call.args ?? []).map((a, j) => condition(a, `${at}.args[${j}]`));
    if (!Array.isArray(call.names) || call.names.length === 0)
      throw new ConfigError(`${at}.names`, 'must not be empty');
    // runc: a rule that does what the default does is left out.
    if (action === defaultAction) return;
    call.names.forEach((name, j) => {
      if (typeof name !== 'string' || name === '')
        throw new ConfigError(`${at}.names[${j}]`, 'empty string is not a valid syscall');
      const nr = lib.resolveName(name);
      if (nr === NR_SCMP_ERROR) return; // unknown to libseccomp (or this arch): skipped, as runc
      for (const set of ruleConditions(conds))
        check(lib.ruleAdd(ctx, action, nr, set), `${at}.names[${j}]`, `add rule for syscall ${JSON.stringify(name)}`);
    });
  });
}

/** The ENOSYS stub for `seccomp` (enosys-stub.ts): empty when the default action needs
 * none. The limits come from every name of every rule, whatever its action, on each
 * architecture of the profile (none listed: the native one). */
function stubFor(
  lib: ReturnType<typeof libseccomp>,
  seccomp: Seccomp,
  defaultAction: number,
  archTokens: number[],
): Insn[] {
  if (!enosysStubApplies(defaultAction)) return [];
  const names = (seccomp.syscalls ?? [])
    .flatMap((call) => call.names)
    .filter((name) => typeof name === 'string' && name !== '');
  const tokens = archTokens.length > 0 ? archTokens : [lib.archNative()];
  return enosysStub(syscallLimits(tokens, names, lib.resolveNameArch));
}

/** A compiled profile in its two parts, before they are joined: libseccomp's program and
 * the stub that goes in front of it. */
export interface SeccompParts {
  program: Buffer;
  stub: Insn[];
  flags: number;
}

/** `seccomp` (config.json's linux.seccomp) through libseccomp, and its ENOSYS stub, for
 * `kernel` (this host's unless a test says otherwise). Throws ConfigError naming the JSON
 * path of the first problem. */
export function compileSeccompParts(seccomp: Seccomp, kernel: SeccompKernel = hostSeccompKernel()): SeccompParts {
  checkSeccompNotify(seccomp);
  const defaultAction = seccompAction(seccomp.defaultAction, seccomp.defaultErrnoRet, `${AT}.defaultAction`, kernel);
  const flags = kernelFlags(seccomp.flags, kernel) | (seccompNotifies(seccomp) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  const archTokens = (seccomp.architectures ?? []).map((name, i) => {
    const token = SECCOMP_ARCHES[name];
    if (token === undefined)
      throw new ConfigError(`${AT}.architectures[${i}]`, `unknown architecture ${JSON.stringify(name)}`);
    return token;
  });

  let lib: ReturnType<typeof libseccomp>;
  try {
    lib = libseccomp();
  } catch (err) {
    throw new ConfigError(AT, `cannot load libseccomp.so.2: ${(err as Error).message}`);
  }
  const ctx = lib.init(defaultAction);
  if (!ctx) throw new ConfigError(`${AT}.defaultAction`, 'libseccomp refused the default action');
  try {
    // tsrun sets no_new_privs itself (process.noNewPrivileges); the child is single-threaded.
    check(lib.attrSet(ctx, SCMP_FLTATR_CTL_NNP, 0), AT, 'clear SCMP_FLTATR_CTL_NNP');
    check(lib.attrSet(ctx, SCMP_FLTATR_CTL_TSYNC, 0), AT, 'clear SCMP_FLTATR_CTL_TSYNC');
    archTokens.forEach((token, i) => {
      // The native architecture is in a new filter already (libseccomp-golang's AddArch).
      if (lib.archExist(ctx, token) === 0) return;
      const r = lib.archAdd(ctx, token);
      const name = seccomp.architectures![i]!;
      if (r === -22)
        throw new ConfigError(`${AT}.architectures[${i}]`, `${name} is not supported by the installed libseccomp`);
      check(r, `${AT}.architectures[${i}]`, `add architecture ${name}`);
    });
    addRules(lib, ctx, seccomp, defaultAction, kernel);
    const bpf = lib.exportBpf(ctx);
    if (typeof bpf === 'number') throw new ConfigError(AT, `export the filter: ${errnoText(-bpf)}`);
    if (bpf.length === 0 || bpf.length % BPF_INSN_SIZE !== 0)
      throw new ConfigError(AT, `libseccomp exported ${bpf.length} bytes, not whole BPF instructions`);
    return { program: bpf, stub: stubFor(lib, seccomp, defaultAction, archTokens), flags };
  } finally {
    lib.release(ctx);
  }
}

/** Compiles `seccomp` (config.json's linux.seccomp) to BPF: the stub, then libseccomp's
 * program. Throws ConfigError naming the JSON path of the first problem. */
export function compileSeccomp(seccomp: Seccomp, kernel?: SeccompKernel): CompiledSeccomp {
  const { program, stub, flags } = compileSeccompParts(seccomp, kernel);
  // libseccomp's jumps are relative: its program moves behind the stub unchanged.
  const filter = stub.length === 0 ? program : Buffer.concat([encodeBpf(stub), program]);
  const insns = filter.length / BPF_INSN_SIZE;
  if (insns > BPF_MAX_INSNS) {
    const ofStub = stub.length === 0 ? '' : ` (${stub.length} of them the ENOSYS stub)`;
    throw new ConfigError(
      AT,
      `the filter has ${insns} instructions${ofStub}, more than the kernel's limit of ${BPF_MAX_INSNS}`,
    );
  }
  return { filter, flags };
}
