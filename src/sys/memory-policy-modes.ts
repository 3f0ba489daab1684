// Whether the running kernel knows a memory policy mode (with its flags), asked from the
// runtime process without changing any policy: mbind(2) on an empty range checks the mode
// and its flags (EINVAL for a mode past MPOL_MAX or a flag it lacks) and returns 0 before
// it looks for a mapping or makes a policy. Modes came late (MPOL_PREFERRED_MANY 5.15,
// MPOL_WEIGHTED_INTERLEAVE 6.9; MPOL_F_NUMA_BALANCING 5.12) and the child's set_mempolicy
// would refuse one the kernel lacks.
import { ffi } from './libc';

/** Whether mbind(0, 0, mode, NULL, 0, 0) succeeds: `mode` is an MPOL_* number, flags OR-ed in. */
export type ModeCheck = (mode: number) => boolean;

/** __NR_mbind per Node architecture. */
const SYS_MBIND: Record<string, number | undefined> = { x64: 237, arm64: 235 };

export function hostMemoryPolicyCheck(): ModeCheck {
  const nr = SYS_MBIND[process.arch];
  if (nr === undefined) throw new Error(`mbind(2): no syscall number known for ${process.arch}`);
  const { libc } = ffi();
  const syscall = libc.func('long syscall(long number, ...)');
  const ulong = 'unsigned long';
  return (mode) =>
    Number(syscall(nr, ulong, 0, ulong, 0, ulong, mode, 'void *', null, ulong, 0, 'unsigned int', 0)) === 0;
}
