// libseccomp.so.2 through koffi: the only file that names seccomp_* symbols. Loaded on
// first use, so only a create whose config has linux.seccomp pays for koffi (DESIGN §5).
// Every function returns what the C function returns (0 or -errno for the int ones).
import { closeSync, fstatSync, readSync } from 'node:fs';
import { ffi } from '../sys/libc';

/** struct scmp_arg_cmp (seccomp.h). */
export interface ScmpArgCmp {
  arg: number;
  op: number;
  datum_a: bigint;
  datum_b: bigint;
}

/** An opaque scmp_filter_ctx. */
export type ScmpFilter = { readonly __brand: 'scmp_filter_ctx' };

export interface Libseccomp {
  init(defaultAction: number): ScmpFilter | null;
  release(ctx: ScmpFilter): void;
  /** 0 when the architecture is in the filter, -EEXIST when it is not. */
  archExist(ctx: ScmpFilter, arch: number): number;
  archAdd(ctx: ScmpFilter, arch: number): number;
  /** The syscall number on the native architecture (negative pseudo-numbers for calls
   * that exist only elsewhere), or -1 (__NR_SCMP_ERROR) when libseccomp does not know it. */
  resolveName(name: string): number;
  /** The syscall number on the architecture `arch` (an SCMP_ARCH_* token); negative
   * (pseudo-numbers, __NR_SCMP_ERROR) when the call does not exist there or is unknown.
   * x32 numbers carry __X32_SYSCALL_BIT. */
  resolveNameArch(arch: number, name: string): number;
  /** The SCMP_ARCH_* token of the architecture libseccomp was built for. */
  archNative(): number;
  ruleAdd(ctx: ScmpFilter, action: number, syscall: number, args: ScmpArgCmp[]): number;
  attrSet(ctx: ScmpFilter, attr: number, value: number): number;
  /** The filter as raw BPF (struct sock_filter[]), read back from a memfd. */
  exportBpf(ctx: ScmpFilter): Buffer | number;
  /** The loaded library's own version (seccomp_version), "2.5.4". */
  version(): string;
}

/** enum scmp_filter_attr (seccomp.h). */
export const SCMP_FLTATR_CTL_NNP = 3;
export const SCMP_FLTATR_CTL_TSYNC = 4;
/** __NR_SCMP_ERROR: seccomp_syscall_resolve_name's "unknown". */
export const NR_SCMP_ERROR = -1;

const MFD_CLOEXEC = 1;

let loaded: Libseccomp | null = null;

/** The bindings; throws (a plain Error naming the library) when libseccomp.so.2 cannot
 * be loaded. */
export function libseccomp(): Libseccomp {
  if (loaded) return loaded;
  const { koffi, libc } = ffi();
  const lib = koffi.load('libseccomp.so.2');
  // Anonymous types: koffi's type names are global to the process.
  const cmp = koffi.struct({ arg: 'unsigned int', op: 'int', datum_a: 'uint64_t', datum_b: 'uint64_t' });
  const ctxType = koffi.pointer(koffi.opaque());
  const seccompInit = lib.func('seccomp_init', ctxType, ['uint32_t']);
  const seccompRelease = lib.func('seccomp_release', 'void', [ctxType]);
  const seccompArchExist = lib.func('seccomp_arch_exist', 'int', [ctxType, 'uint32_t']);
  const seccompArchAdd = lib.func('seccomp_arch_add', 'int', [ctxType, 'uint32_t']);
  const seccompResolve = lib.func('seccomp_syscall_resolve_name', 'int', ['const char *']);
  const seccompResolveArch = lib.func('seccomp_syscall_resolve_name_arch', 'int', ['uint32_t', 'const char *']);
  const seccompArchNative = lib.func('seccomp_arch_native', 'uint32_t', []);
  const seccompRuleAdd = lib.func('seccomp_rule_add_array', 'int', [
    ctxType,
    'uint32_t',
    'int',
    'unsigned int',
    koffi.pointer(cmp),
  ]);
  const seccompAttrSet = lib.func('seccomp_attr_set', 'int', [ctxType, 'int', 'uint32_t']);
  const seccompExportBpf = lib.func('seccomp_export_bpf', 'int', [ctxType, 'int']);
  const memfdCreate = libc.func('memfd_create', 'int', ['const char *', 'unsigned int']);
  const versionType = koffi.struct({ major: 'unsigned int', minor: 'unsigned int', micro: 'unsigned int' });
  const seccompVersion = lib.func('seccomp_version', koffi.pointer(versionType), []);

  loaded = {
    init: (defaultAction) => seccompInit(defaultAction >>> 0) as ScmpFilter | null,
    release: (ctx) => void seccompRelease(ctx),
    archExist: (ctx, arch) => seccompArchExist(ctx, arch >>> 0) as number,
    archAdd: (ctx, arch) => seccompArchAdd(ctx, arch >>> 0) as number,
    resolveName: (name) => seccompResolve(name) as number,
    resolveNameArch: (arch, name) => seccompResolveArch(arch >>> 0, name) as number,
    archNative: () => (seccompArchNative() as number) >>> 0,
    ruleAdd: (ctx, action, syscall, args) =>
      seccompRuleAdd(ctx, action >>> 0, syscall, args.length, args.length > 0 ? args : null) as number,
    attrSet: (ctx, attr, value) => seccompAttrSet(ctx, attr, value >>> 0) as number,
    exportBpf: (ctx) => {
      const fd = memfdCreate('tsrun-seccomp', MFD_CLOEXEC) as number;
      if (fd < 0) throw new Error('memfd_create failed');
      try {
        const r = seccompExportBpf(ctx, fd) as number;
        if (r < 0) return r;
        const size = fstatSync(fd).size;
        const out = Buffer.alloc(size);
        let done = 0;
        while (done < size) {
          const n = readSync(fd, out, done, size - done, done);
          if (n === 0) break;
          done += n;
        }
        return out.subarray(0, done);
      } finally {
        closeSync(fd);
      }
    },
    version: () => {
      const v = koffi.decode(seccompVersion(), versionType) as { major: number; minor: number; micro: number };
      return `${v.major}.${v.minor}.${v.micro}`;
    },
  };
  return loaded;
}
