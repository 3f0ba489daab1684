// What the running kernel's seccomp(2) accepts, asked from the runtime process without
// changing it: SECCOMP_SET_MODE_FILTER with a NULL program fails EINVAL for a flag the
// kernel does not know and EFAULT (reading the program) for one it does, before anything
// is installed or allocated (runc asks libseccomp, which asks the kernel the same way);
// SECCOMP_GET_ACTION_AVAIL says 0 or EOPNOTSUPP per action (Linux 4.14). Asked once per
// process; `features` lists the answers and compile.ts refuses the rest.
import { ffi } from '../sys/libc';

/** One raw seccomp(op, flags, args) call: 0 or the errno it failed with. */
export type SeccompCall = (op: number, flags: number, args: Buffer | null) => number;

export interface SeccompKernel {
  /** Whether seccomp(2) would accept these SECCOMP_FILTER_FLAG_* bits with a filter. */
  acceptsFlags(bits: number): boolean;
  /** Whether the kernel has this SECCOMP_RET_* action (SCMP_ACT_* values are the same). */
  hasAction(action: number): boolean;
}

const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_GET_ACTION_AVAIL = 2;
const EFAULT = 14;
const EINVAL = 22;
/** SECCOMP_RET_ACTION_FULL: the action without its data (an errno, a trace code). */
const RET_ACTION_FULL = 0xffff0000;
/** The actions every kernel with seccomp filters has (3.5 to 4.13, before GET_ACTION_AVAIL
 * could be asked): KILL_THREAD, TRAP, ERRNO, TRACE, ALLOW. */
const ACTIONS_BEFORE_4_14 = [0x00000000, 0x00030000, 0x00050000, 0x7ff00000, 0x7fff0000];

/** __NR_seccomp per Node architecture. */
const SYS_SECCOMP: Record<string, number | undefined> = { x64: 317, arm64: 277 };

/** The kernel's answers through `call`, each asked once. */
export function seccompKernel(call: SeccompCall): SeccompKernel {
  const flagAnswers = new Map<number, boolean>();
  const actionAnswers = new Map<number, boolean>();
  return {
    acceptsFlags(bits) {
      let known = flagAnswers.get(bits);
      if (known === undefined) {
        known = call(SECCOMP_SET_MODE_FILTER, bits, null) === EFAULT;
        flagAnswers.set(bits, known);
      }
      return known;
    },
    hasAction(action) {
      const base = (action & RET_ACTION_FULL) >>> 0;
      let known = actionAnswers.get(base);
      if (known === undefined) {
        const arg = Buffer.from(new Uint32Array([base]).buffer); // a u32 in host order
        const errno = call(SECCOMP_GET_ACTION_AVAIL, 0, arg);
        // EINVAL: a kernel before 4.14 does not know the question, only the first actions.
        known = errno === 0 || (errno === EINVAL && ACTIONS_BEFORE_4_14.includes(base));
        actionAnswers.set(base, known);
      }
      return known;
    },
  };
}

/** seccomp(2) through koffi and libc's syscall(). */
function hostSeccompCall(): SeccompCall {
  const nr = SYS_SECCOMP[process.arch];
  if (nr === undefined) throw new Error(`seccomp(2): no syscall number known for ${process.arch}`);
  const { koffi, libc } = ffi();
  const syscall = libc.func('long syscall(long number, ...)');
  return (op, flags, args) => {
    const result = Number(syscall(nr, 'unsigned int', op, 'unsigned int', flags, 'void *', args));
    return result < 0 ? koffi.errno() : 0;
  };
}

let host: SeccompKernel | undefined;

/** This host's kernel, asked on first use. */
export function hostSeccompKernel(): SeccompKernel {
  host ??= seccompKernel(hostSeccompCall());
  return host;
}
