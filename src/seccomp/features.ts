// What `features` says of seccomp: what compile.ts accepts here. Of the architectures
// only those the loaded libseccomp knows (2.5 lacks a few that 2.6 adds), of the actions
// and flags only those the running kernel has (kernel.ts asks it; compile.ts refuses the
// others), with the library's version. knownFlags is every flag tsrun can name, as runc's.
// No libseccomp: seccomp is disabled, as in a runc built without it, since every profile
// would be refused.
import { kernelTakesFlag, SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from './compile';
import { hostSeccompKernel, type SeccompKernel } from './kernel';
import { type Libseccomp, libseccomp } from './libseccomp';

const SCMP_ACT_ALLOW = SECCOMP_ACTIONS.SCMP_ACT_ALLOW as number;

export interface SeccompFeatures {
  seccomp: Record<string, unknown>;
  /** libseccomp's version, for the io.github.seccomp.libseccomp.version annotation. */
  libseccompVersion?: string;
}

/** The SCMP_ARCH_* names compile.ts can put in a filter here: those the library knows,
 * with the native one's byte order (libseccomp refuses to mix them: -EDOM). */
function knownArches(lib: Libseccomp): string[] {
  return Object.keys(SECCOMP_ARCHES).filter((name) => {
    const ctx = lib.init(SCMP_ACT_ALLOW);
    if (!ctx) return false;
    try {
      const token = SECCOMP_ARCHES[name] as number;
      return lib.archExist(ctx, token) === 0 || lib.archAdd(ctx, token) === 0;
    } finally {
      lib.release(ctx);
    }
  });
}

export function seccompFeatures(
  load: () => Libseccomp = libseccomp,
  kernel: () => SeccompKernel = hostSeccompKernel,
): SeccompFeatures {
  let lib: Libseccomp;
  try {
    lib = load();
  } catch {
    return { seccomp: { enabled: false } };
  }
  const host = kernel();
  const flags = Object.keys(SECCOMP_FLAGS);
  return {
    seccomp: {
      enabled: true,
      actions: Object.keys(SECCOMP_ACTIONS).filter((name) => host.hasAction(SECCOMP_ACTIONS[name]!)),
      operators: Object.keys(SECCOMP_OPERATORS),
      archs: knownArches(lib),
      knownFlags: flags,
      supportedFlags: flags.filter((name) => kernelTakesFlag(host, name)),
    },
    libseccompVersion: lib.version(),
  };
}
