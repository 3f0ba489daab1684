// Fields that are valid OCI but tsrun does not implement yet. Each is refused with one line,
// `config.json: <path>: not supported yet`, before anything is created: silently ignoring a
// seccomp profile or a memory limit would run the container with less confinement than asked.
// A field counts only when it asks for something: `{}` and `[]` are accepted. README's "Not
// supported yet" lists the same fields. linux.mountLabel, process.selinuxLabel and
// process.apparmorProfile are accepted and ignored, as runc does on a host without SELinux
// or AppArmor (this project's hosts have neither): a label or profile is not enforced.

import { ConfigError } from '../errors';
import type { Process, Spec } from './types';

// Every process field is applied: none is refused here.
const PROCESS_FIELDS = [] as const;
const LINUX_FIELDS = ['timeOffsets', 'netDevices'] as const;
// Every linux.resources field is applied (cgroups/resources.ts): none is refused here.
// linux.seccomp is compiled, notify included (seccomp/compile.ts): nothing is refused here.
const LINUX_LATE_FIELDS = ['intelRdt', 'memoryPolicy'] as const;

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

/** The first field of `spec` that tsrun refuses as not implemented, in config.md order. */
export function findUnsupportedField(spec: Spec): ConfigError | undefined {
  const processError = spec.process ? findUnsupportedProcessField(spec.process, 'process') : undefined;
  if (processError) return processError;
  const linux = spec.linux;
  if (!linux) return undefined;
  for (const field of LINUX_FIELDS) {
    if (asksForSomething(linux[field])) return notSupported(`linux.${field}`);
  }
  for (const field of LINUX_LATE_FIELDS) {
    if (asksForSomething(linux[field])) return notSupported(`linux.${field}`);
  }
  return undefined;
}
