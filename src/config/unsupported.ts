// Fields that are valid OCI but tsrun does not implement yet. Each is refused with one line,
// `config.json: <path>: not supported yet`, before anything is created: silently ignoring a
// seccomp profile or a memory limit would run the container with less confinement than asked.
// A field counts only when it asks for something: `{}` and `[]` are accepted. README's "Not
// supported yet" lists the same fields. linux.mountLabel, process.selinuxLabel and
// process.apparmorProfile are accepted and ignored, as runc does on a host without SELinux
// or AppArmor (this project's hosts have neither): a label or profile is not enforced
// (create says so, config/lsm-labels.ts).

import { ConfigError } from '../errors';
import { findUnsupportedSeccomp } from '../seccomp/compile';
import { appendIndex } from './json-path';
import type { Process, Spec } from './types';

const PROCESS_FIELDS = ['scheduler', 'ioPriority', 'execCPUAffinity'] as const;
// Every linux.resources field is applied (cgroups/resources.ts): none is refused here.
// linux.seccomp is compiled (seccomp/compile.ts); only its notify parts are refused here.
const LINUX_LATE_FIELDS = ['personality'] as const;
// Mount options runc (1.2+) knows that tsrun does not implement: idmapped mounts, and the
// recursive mount attributes (mount_setattr with AT_RECURSIVE). runc 1.1 passed them to
// the kernel as data, which a bind mount ignores: "rro" would leave submounts writable.
// `features` leaves them out of mountOptions, so an engine that reads it (containerd asks
// for "rro") knows.
const UNSUPPORTED_MOUNT_OPTIONS = [
  'idmap',
  'ridmap',
  'rro',
  'rrw',
  'rnosuid',
  'rsuid',
  'rnodev',
  'rdev',
  'rnoexec',
  'rexec',
  'rnodiratime',
  'rdiratime',
  'rrelatime',
  'rnorelatime',
  'rnoatime',
  'ratime',
  'rstrictatime',
  'rnostrictatime',
  'rnosymfollow',
  'rsymfollow',
];

/** True when a value asks for something: present, and not an empty object or array. */
function asksForSomething(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function notSupported(at: string): ConfigError {
  return new ConfigError(at, 'not supported yet');
}

export function findUnsupportedProcessField(process: Process, at: string): ConfigError | undefined {
  for (const field of PROCESS_FIELDS) {
    if (asksForSomething(process[field])) return notSupported(`${at}.${field}`);
  }
  return undefined;
}

function findUnsupportedMountField(spec: Spec): ConfigError | undefined {
  const mounts = spec.mounts ?? [];
  for (let i = 0; i < mounts.length; i++) {
    const mount = mounts[i]!;
    const here = appendIndex('mounts', i);
    for (const field of ['uidMappings', 'gidMappings'] as const) {
      if (asksForSomething(mount[field])) return notSupported(`${here}.${field}`);
    }
    const options = mount.options ?? [];
    const at = options.findIndex((option) => UNSUPPORTED_MOUNT_OPTIONS.includes(option));
    if (at >= 0) return notSupported(appendIndex(`${here}.options`, at));
  }
  return undefined;
}

/** The first field of `spec` that tsrun refuses as not implemented, in config.md order. */
export function findUnsupportedField(spec: Spec): ConfigError | undefined {
  const processError = spec.process ? findUnsupportedProcessField(spec.process, 'process') : undefined;
  if (processError) return processError;
  const mountError = findUnsupportedMountField(spec);
  if (mountError) return mountError;
  const linux = spec.linux;
  if (!linux) return undefined;
  if (linux.seccomp) {
    const seccompError = findUnsupportedSeccomp(linux.seccomp);
    if (seccompError) return seccompError;
  }
  for (const field of LINUX_LATE_FIELDS) {
    if (asksForSomething(linux[field])) return notSupported(`linux.${field}`);
  }
  return undefined;
}
