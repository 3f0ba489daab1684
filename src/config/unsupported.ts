// Fields that are valid OCI but tsrun does not implement are refused here with one line,
// `config.json: <path>: not supported yet`, before anything is created: silently ignoring a
// field would run the container with less than it asked for. A field counts only when it
// asks for something: `{}` and `[]` are accepted. Every field of runtime-spec 1.3 for Linux
// is implemented now, so the lists are empty; what a host cannot honour (intelRdt without
// resctrl, a netDevice that is not there) is refused by its own rule in semantics.ts.
// linux.mountLabel, process.selinuxLabel and process.apparmorProfile are accepted and
// ignored, as runc does on a host without SELinux or AppArmor (create says so with --debug,
// config/lsm-labels.ts).

import { ConfigError } from '../errors';
import type { Process, Spec } from './types';

type Linux = NonNullable<Spec['linux']>;

const PROCESS_FIELDS: readonly (keyof Process)[] = [];
const LINUX_FIELDS: readonly (keyof Linux)[] = [];

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
  const field = PROCESS_FIELDS.find((f) => asksForSomething(process[f]));
  return field === undefined ? undefined : notSupported(`${at}.${String(field)}`);
}

/** The first field of `spec` that tsrun refuses as not implemented, in config.md order. */
export function findUnsupportedField(spec: Spec): ConfigError | undefined {
  const processError = spec.process ? findUnsupportedProcessField(spec.process, 'process') : undefined;
  if (processError) return processError;
  const linux = spec.linux;
  const field = linux && LINUX_FIELDS.find((f) => asksForSomething(linux[f]));
  return field === undefined || field === null ? undefined : notSupported(`linux.${String(field)}`);
}
