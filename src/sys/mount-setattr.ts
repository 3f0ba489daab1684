// Whether the running kernel has mount_setattr(2) (Linux 5.12), which idmapped mounts
// need (MOUNT_ATTR_IDMAP, addon/src/idmap.cc). Asked with a call that can do nothing: a
// zero-sized attribute is refused with EINVAL where the call exists, ENOSYS where it does
// not (or EPERM where a seccomp profile around the runtime hides it).
import { ffi } from './libc';

/** __NR_mount_setattr: the same on every architecture (the unified numbers from 424 on). */
const SYS_MOUNT_SETATTR = 442;
const EINVAL = 22;

export function kernelHasMountSetattr(): boolean {
  const { koffi, libc } = ffi();
  const syscall = libc.func('long syscall(long number, ...)');
  const result = Number(
    syscall(SYS_MOUNT_SETATTR, 'int', -1, 'const char *', '', 'unsigned int', 0, 'void *', null, 'unsigned long', 0),
  );
  return result < 0 && koffi.errno() === EINVAL;
}
