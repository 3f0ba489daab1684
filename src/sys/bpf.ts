// bpf(2) from the runtime process, through koffi and libc's syscall(): the one file that
// calls it. Loaded on first use, so only a create on a cgroup v2 host pays for koffi.
import { ffi } from './libc';
import { SyscallError } from './native';

/** __NR_bpf per Node architecture. */
const SYS_BPF: Record<string, number | undefined> = { x64: 321, arm64: 280 };

type Syscall = (cmd: number, attr: Buffer) => { result: number; errno: number };

let loaded: { call: Syscall; address: (buf: Buffer) => bigint } | undefined;

function bindings(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new Error(`bpf(2): no syscall number known for ${process.arch}`);
  const { koffi, libc } = ffi();
  const syscall = libc.func('long syscall(long number, ...)');
  loaded = {
    call: (cmd, attr) => {
      const result = Number(syscall(nr, 'int', cmd, 'void *', attr, 'unsigned int', attr.length));
      return { result, errno: result < 0 ? koffi.errno() : 0 };
    },
    address: (buf) => koffi.address(buf),
  };
  return loaded;
}

/** bpf(cmd, attr, sizeof attr): its non-negative result, or a SyscallError named `op`. */
export function bpf(op: string, cmd: number, attr: Buffer): number {
  const { result, errno } = bindings().call(cmd, attr);
  if (result < 0) throw new SyscallError(op, errno, '');
  return result;
}

/** The address of a buffer's bytes, for a pointer field of union bpf_attr. The buffer
 * must stay referenced until the call that reads it returns. */
export function bufferAddress(buf: Buffer): bigint {
  return bindings().address(buf);
}
