// What `features` says of seccomp: the names compile.ts accepts, and of the architectures
// only those the loaded libseccomp knows (2.5 lacks a few that 2.6 adds: compile.ts
// refuses them there), with that library's version. No libseccomp: seccomp is disabled,
// as in a runc built without it, since every profile would be refused.
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from './compile';
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

export function seccompFeatures(load: () => Libseccomp = libseccomp): SeccompFeatures {
  let lib: Libseccomp;
  try {
    lib = load();
  } catch {
    return { seccomp: { enabled: false } };
  }
  return {
    seccomp: {
      enabled: true,
      actions: Object.keys(SECCOMP_ACTIONS),
      operators: Object.keys(SECCOMP_OPERATORS),
      archs: knownArches(lib),
      knownFlags: Object.keys(SECCOMP_FLAGS),
      supportedFlags: Object.keys(SECCOMP_FLAGS),
    },
    libseccompVersion: lib.version(),
  };
}
