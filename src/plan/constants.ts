// Kernel numbers the plan speaks in (linux/sched.h, linux/mount.h, capability.h,
// asm-generic/resource.h). Tables are data, as runc's specconv keeps them.
import { CAPABILITIES, DEVICE_FILE_TYPE_BITS, NAMESPACE_CLONE_FLAGS, RLIMITS } from '../config/linux-names';

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

/** OCI namespace type -> CLONE_NEW* flag (the table lives with the names the checks know). */
export const namespaceFlags: Readonly<Record<string, number>> = NAMESPACE_CLONE_FLAGS;

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
const MS_MANDLOCK = 0x40;
const MS_DIRSYNC = 0x80;
const MS_NOSYMFOLLOW = 0x100;
const MS_SILENT = 0x8000;
const MS_NOATIME = 0x400;
const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
const MS_SHARED = 0x100000;
const MS_RELATIME = 0x200000;
const MS_STRICTATIME = 0x1000000;
const MS_I_VERSION = 0x800000;
const MS_LAZYTIME = 0x2000000;

/** Mount options that set or clear a flag (runc specconv's table). */
export const mountFlagOptions: Record<string, { clear: boolean; flag: number }> = {
  defaults: { clear: false, flag: 0 },
  ro: { clear: false, flag: MS_RDONLY },
  rw: { clear: true, flag: MS_RDONLY },
  suid: { clear: true, flag: MS_NOSUID },
  nosuid: { clear: false, flag: MS_NOSUID },
  dev: { clear: true, flag: MS_NODEV },
  nodev: { clear: false, flag: MS_NODEV },
  exec: { clear: true, flag: MS_NOEXEC },
  noexec: { clear: false, flag: MS_NOEXEC },
  sync: { clear: false, flag: MS_SYNCHRONOUS },
  async: { clear: true, flag: MS_SYNCHRONOUS },
  dirsync: { clear: false, flag: MS_DIRSYNC },
  remount: { clear: false, flag: MS_REMOUNT },
  mand: { clear: false, flag: MS_MANDLOCK },
  nomand: { clear: true, flag: MS_MANDLOCK },
  atime: { clear: true, flag: MS_NOATIME },
  noatime: { clear: false, flag: MS_NOATIME },
  diratime: { clear: true, flag: MS_NODIRATIME },
  nodiratime: { clear: false, flag: MS_NODIRATIME },
  bind: { clear: false, flag: MS_BIND },
  rbind: { clear: false, flag: MS_BIND | MS_REC },
  relatime: { clear: false, flag: MS_RELATIME },
  norelatime: { clear: true, flag: MS_RELATIME },
  strictatime: { clear: false, flag: MS_STRICTATIME },
  nostrictatime: { clear: true, flag: MS_STRICTATIME },
  lazytime: { clear: false, flag: MS_LAZYTIME },
  nolazytime: { clear: true, flag: MS_LAZYTIME },
  nosymfollow: { clear: false, flag: MS_NOSYMFOLLOW },
  symfollow: { clear: true, flag: MS_NOSYMFOLLOW },
  iversion: { clear: false, flag: MS_I_VERSION },
  noiversion: { clear: true, flag: MS_I_VERSION },
  silent: { clear: false, flag: MS_SILENT },
  loud: { clear: true, flag: MS_SILENT },
};

export const propagationOptions: Record<string, number> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

// mount_setattr's MOUNT_ATTR_* (linux/mount.h). The atime mode is one field, not bits:
// changing it clears the whole field (MOUNT_ATTR__ATIME) and sets one value.
const MOUNT_ATTR_RDONLY = 0x1;
const MOUNT_ATTR_NOSUID = 0x2;
const MOUNT_ATTR_NODEV = 0x4;
const MOUNT_ATTR_NOEXEC = 0x8;
const MOUNT_ATTR__ATIME = 0x70;
const MOUNT_ATTR_RELATIME = 0x0;
const MOUNT_ATTR_NOATIME = 0x10;
const MOUNT_ATTR_STRICTATIME = 0x20;
const MOUNT_ATTR_NODIRATIME = 0x80;
const MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

/** A mount_setattr change: attributes to set and to clear. */
export interface MountAttrChange {
  set: number;
  clr: number;
}

const atimeMode = (mode: number): MountAttrChange => ({ set: mode, clr: MOUNT_ATTR__ATIME });

/** The recursive options (runtime-spec 1.1): one mount_setattr(AT_RECURSIVE) on the mount
 * and every mount under it, after it is made. An atime option replaces the whole mode; the
 * "no"/plain forms that only clear a mode go back to the kernel's default, relatime, as
 * atime/norelatime/nostrictatime do on mount(2). */
export const recursiveAttrOptions: Readonly<Record<string, MountAttrChange>> = {
  rro: { set: MOUNT_ATTR_RDONLY, clr: 0 },
  rrw: { set: 0, clr: MOUNT_ATTR_RDONLY },
  rnosuid: { set: MOUNT_ATTR_NOSUID, clr: 0 },
  rsuid: { set: 0, clr: MOUNT_ATTR_NOSUID },
  rnodev: { set: MOUNT_ATTR_NODEV, clr: 0 },
  rdev: { set: 0, clr: MOUNT_ATTR_NODEV },
  rnoexec: { set: MOUNT_ATTR_NOEXEC, clr: 0 },
  rexec: { set: 0, clr: MOUNT_ATTR_NOEXEC },
  rnodiratime: { set: MOUNT_ATTR_NODIRATIME, clr: 0 },
  rdiratime: { set: 0, clr: MOUNT_ATTR_NODIRATIME },
  rrelatime: atimeMode(MOUNT_ATTR_RELATIME),
  rnorelatime: atimeMode(MOUNT_ATTR_RELATIME),
  rnoatime: atimeMode(MOUNT_ATTR_NOATIME),
  ratime: atimeMode(MOUNT_ATTR_RELATIME),
  rstrictatime: atimeMode(MOUNT_ATTR_STRICTATIME),
  rnostrictatime: atimeMode(MOUNT_ATTR_RELATIME),
  rnosymfollow: { set: MOUNT_ATTR_NOSYMFOLLOW, clr: 0 },
  rsymfollow: { set: 0, clr: MOUNT_ATTR_NOSYMFOLLOW },
};

/** Flags a bind mount takes per mount (the rest are the filesystem's): an option that
 * clears one of them clears it on the bind even when its source has it. */
export const PER_MOUNT_FLAGS =
  MS_RDONLY |
  MS_NOSUID |
  MS_NODEV |
  MS_NOEXEC |
  MS_NOATIME |
  MS_NODIRATIME |
  MS_RELATIME |
  MS_STRICTATIME |
  MS_NOSYMFOLLOW;

/** On a tmpfs: what the image has at the destination is copied into it (the child). */
export const COPY_UP_OPTION = 'tmpcopyup';

/** Idmapped bind mounts (plan/idmap.ts): ridmap maps every mount of an rbind's tree. */
export const IDMAP_OPTIONS: readonly string[] = ['idmap', 'ridmap'];

/** Every mount option tsrun implements, the one list `features` reports; any other is
 * filesystem data, which the kernel judges. */
export function supportedMountOptions(): string[] {
  return [
    ...Object.keys(mountFlagOptions),
    ...Object.keys(propagationOptions),
    ...Object.keys(recursiveAttrOptions),
    COPY_UP_OPTION,
    ...IDMAP_OPTIONS,
  ].sort();
}

/** CAP_* name -> capability number, from the names in bit order. */
export const capabilityNumbers: Readonly<Record<string, number>> = Object.fromEntries(
  CAPABILITIES.map((name, bit) => [name, bit]),
);

export const rlimitNumbers: Readonly<Record<string, number>> = RLIMITS;

export const S_IFCHR = DEVICE_FILE_TYPE_BITS.c as number;
