// Cross-field and value rules that a JSON Schema cannot say clearly. One small function per
// rule; each returns the first ConfigError it finds or undefined. checkSpec throws the first
// error of all rules, in the order of SPEC_RULES (roughly the order of config.md). The
// process's rules are in process-rules.ts, the mounts' in mount-rules.ts.
//
// Where runc is the reference, the rule says so. Every Linux field of runtime-spec 1.3 is
// implemented; what a host cannot honour (intelRdt without resctrl, a seccomp flag the
// kernel lacks) is refused by its own rule.

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { deviceRuleProblem } from '../cgroups/device-rules';
import { ConfigError } from '../errors';
import { hostResctrlMount, intelRdtProblem } from '../resctrl/resctrl';
import { native } from '../sys/native';
import { appendIndex, appendKey } from './json-path';
import { DEVICE_FILE_TYPE_BITS, NAMESPACE_CLONE_FLAGS, S_IFMT } from './linux-names';
import { checkMemoryPolicy, checkMemoryPolicyNodesOnHost, parseNodeList } from './memory-policy';
import { checkIdmappedMounts, checkMountDestinations, checkMountOptions } from './mount-rules';
import { checkNetDevices, checkNetDevicesOnHost } from './net-devices';
import { PERSONALITY_DOMAINS } from './process-attributes';
import { checkProcessRules, firstProcessError } from './process-rules';
import { mustBeAbsolute, namespaceOf, quote, type SpecRule } from './rule-kit';
import type { Process, Spec } from './types';

// ---- top level ----------------------------------------------------------------------

/** ociVersion: a semantic version with major 1 ("1.0.2-dev", "1.3.0"). */
const checkOciVersion: SpecRule = (spec) => {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(spec.ociVersion);
  if (!match) return new ConfigError('ociVersion', `invalid version ${quote(spec.ociVersion)}`);
  if (match[1] !== '1') return new ConfigError('ociVersion', `unsupported version ${quote(spec.ociVersion)}: need 1.x`);
  return undefined;
};

const checkRootPresent: SpecRule = (spec) => {
  if (!spec.root) return new ConfigError('root', 'is required');
  if (spec.root.path === '') return new ConfigError('root.path', 'must not be empty');
  return undefined;
};

// ---- hooks ------------------------------------------------------------------------------

const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

/** config.md: a hook's `path` MUST be absolute, its `timeout` greater than zero (the schema
 * says the second too; a document checked without it still gets one line here). */
const checkHooks: SpecRule = (spec) => {
  for (const kind of HOOK_KINDS) {
    const hooks = spec.hooks?.[kind] ?? [];
    for (let i = 0; i < hooks.length; i++) {
      const here = appendIndex(`hooks.${kind}`, i);
      const hook = hooks[i]!;
      const error = mustBeAbsolute(`${here}.path`, hook.path);
      if (error) return error;
      if (hook.timeout !== undefined && !(hook.timeout > 0))
        return new ConfigError(`${here}.timeout`, `must be greater than zero, got ${quote(hook.timeout)}`);
    }
  }
  return undefined;
};

// ---- namespaces and id mappings ------------------------------------------------------------

const checkNamespaceTypes: SpecRule = (spec) => {
  const namespaces = spec.linux?.namespaces ?? [];
  for (let i = 0; i < namespaces.length; i++) {
    const type: string = namespaces[i]!.type;
    if (!Object.hasOwn(NAMESPACE_CLONE_FLAGS, type)) {
      return new ConfigError(`${appendIndex('linux.namespaces', i)}.type`, `unknown namespace type ${quote(type)}`);
    }
  }
  return undefined;
};

const checkNamespaceDuplicates: SpecRule = (spec) => {
  const namespaces = spec.linux?.namespaces ?? [];
  const seen = new Set<string>();
  for (let i = 0; i < namespaces.length; i++) {
    const type = namespaces[i]!.type;
    if (seen.has(type)) {
      return new ConfigError(`${appendIndex('linux.namespaces', i)}.type`, `duplicate namespace type ${quote(type)}`);
    }
    seen.add(type);
  }
  return undefined;
};

const checkNamespacePaths: SpecRule = (spec) => {
  const namespaces = spec.linux?.namespaces ?? [];
  for (let i = 0; i < namespaces.length; i++) {
    const nsPath = namespaces[i]!.path;
    if (nsPath === undefined) continue;
    const error = mustBeAbsolute(`${appendIndex('linux.namespaces', i)}.path`, nsPath);
    if (error) return error;
  }
  return undefined;
};

/** runc: "user namespace mappings specified, but user namespace isn't enabled in the config". */
const checkMappingsNeedUserNamespace: SpecRule = (spec) => {
  if (namespaceOf(spec, 'user')) return undefined;
  for (const [field, what] of [
    ['uidMappings', 'uid'],
    ['gidMappings', 'gid'],
  ] as const) {
    if ((spec.linux?.[field] ?? []).length > 0) {
      return new ConfigError(`linux.${field}`, `${what} mappings need a user namespace in linux.namespaces`);
    }
  }
  return undefined;
};

/** runc: a new user namespace needs both maps ("user namespaces enabled, but no uid mappings found"). */
const checkNewUserNamespaceMappings: SpecRule = (spec) => {
  const userns = namespaceOf(spec, 'user');
  if (!userns || userns.path !== undefined) return undefined;
  for (const [field, what] of [
    ['uidMappings', 'uid'],
    ['gidMappings', 'gid'],
  ] as const) {
    if ((spec.linux?.[field] ?? []).length === 0) {
      return new ConfigError(`linux.${field}`, `user namespace enabled, but no ${what} mappings found`);
    }
  }
  return undefined;
};

/** runc: "unable to set hostname without a private UTS namespace" (a joined one counts). */
const checkHostnameNeedsUts: SpecRule = (spec) => {
  if (namespaceOf(spec, 'uts')) return undefined;
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field]) return new ConfigError(field, `unable to set ${field} without a private UTS namespace`);
  }
  return undefined;
};

/** Without a mount namespace the container shares the runtime's: masking, read-only paths
 * and a read-only root would change the runtime's own mounts (runc refuses the first two). */
const checkRestrictionsNeedMountNamespace: SpecRule = (spec) => {
  if (namespaceOf(spec, 'mount')) return undefined;
  if ((spec.linux?.maskedPaths?.length ?? 0) > 0)
    return new ConfigError('linux.maskedPaths', 'unable to restrict sys entries without a private MNT namespace');
  if ((spec.linux?.readonlyPaths?.length ?? 0) > 0)
    return new ConfigError('linux.readonlyPaths', 'unable to restrict sys entries without a private MNT namespace');
  if (spec.root?.readonly) return new ConfigError('root.readonly', 'a read-only root needs a private mount namespace');
  return undefined;
};

/** Offsets can only be written into a time namespace the runtime creates (runc refuses
 * them without one, and with a joined one: its offsets are already fixed). */
const checkTimeOffsetsNeedTimeNamespace: SpecRule = (spec) => {
  if (spec.linux?.timeOffsets === undefined) return undefined;
  const timens = namespaceOf(spec, 'time');
  return timens && timens.path === undefined
    ? undefined
    : new ConfigError('linux.timeOffsets', 'needs a new time namespace');
};

/** Each offset as the kernel reads it (a timespec): whole nanoseconds below one second,
 * seconds a JSON number holds exactly (the kernel bounds them further: create says so). */
const checkTimeOffsetValues: SpecRule = (spec) => {
  for (const clock of ['monotonic', 'boottime'] as const) {
    const offset = spec.linux?.timeOffsets?.[clock];
    if (!offset) continue;
    const at = `linux.timeOffsets.${clock}`;
    if (offset.secs !== undefined && !Number.isSafeInteger(offset.secs))
      return new ConfigError(`${at}.secs`, `must be an integer of at most 2^53 - 1 in size, got ${quote(offset.secs)}`);
    if (offset.nanosecs !== undefined && offset.nanosecs >= 1_000_000_000)
      return new ConfigError(`${at}.nanosecs`, `must be below 1000000000, got ${quote(offset.nanosecs)}`);
  }
  return undefined;
};

// ---- sysctl -----------------------------------------------------------------------------

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** The namespace a sysctl belongs to, as runc's validator sorts them; undefined = host-wide. */
export function sysctlNamespace(name: string): 'ipc' | 'network' | 'uts' | undefined {
  const key = name.replace(/\//g, '.'); // runc takes "net/ipv4/ip_forward" too
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

/** A sysctl is written inside the container, so it must belong to a namespace the container
 * does not share with the host (runc validate.go). Joined namespaces count as separate; runc
 * also refuses a net.* sysctl when the joined netns is the host's, which needs the filesystem. */
const checkSysctls: SpecRule = (spec) => {
  const sysctl = spec.linux?.sysctl ?? {};
  for (const name of Object.keys(sysctl)) {
    const at = appendKey('linux.sysctl', name);
    const ns = sysctlNamespace(name);
    if (ns === undefined) return new ConfigError(at, `sysctl ${quote(name)} is not in a separate kernel namespace`);
    if (!namespaceOf(spec, ns)) {
      return new ConfigError(at, `sysctl ${quote(name)} is not allowed in the host's ${ns} namespace`);
    }
  }
  return undefined;
};

// ---- devices and paths ------------------------------------------------------------------

const checkDevices: SpecRule = (spec) => {
  const devices = spec.linux?.devices ?? [];
  for (let i = 0; i < devices.length; i++) {
    const device = devices[i]!;
    const here = appendIndex('linux.devices', i);
    const typeBits = DEVICE_FILE_TYPE_BITS[device.type];
    if (!Object.hasOwn(DEVICE_FILE_TYPE_BITS, device.type) || typeBits === undefined) {
      return new ConfigError(
        `${here}.type`,
        `unknown device type ${quote(device.type)}, want one of "c", "b", "u", "p"`,
      );
    }
    const pathError = mustBeAbsolute(`${here}.path`, device.path);
    if (pathError) return pathError;
    if (device.type !== 'p') {
      for (const field of ['major', 'minor'] as const) {
        if (device[field] === undefined)
          return new ConfigError(`${here}.${field}`, `is required for a ${quote(device.type)} device`);
      }
    }
    // podman writes the file-type bits into fileMode (8630 = 0o20666); runc accepts that, but
    // they must then agree with the type.
    const fileType = (device.fileMode ?? 0) & S_IFMT;
    if (fileType !== 0 && fileType !== typeBits) {
      return new ConfigError(
        `${here}.fileMode`,
        `file type bits 0o${fileType.toString(8)} do not match device type ${quote(device.type)}`,
      );
    }
  }
  return undefined;
};

const checkMaskedAndReadonlyPaths: SpecRule = (spec) => {
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    const paths = spec.linux?.[field] ?? [];
    for (let i = 0; i < paths.length; i++) {
      const error = mustBeAbsolute(appendIndex(`linux.${field}`, i), paths[i]!);
      if (error) return error;
    }
  }
  return undefined;
};

/** linux.resources.devices: a rule neither cgroup version can enforce (runc: "invalid
 * cgroup device type"), refused before anything is made. */
const checkDeviceRules: SpecRule = (spec) => {
  const rules = spec.linux?.resources?.devices ?? [];
  for (let i = 0; i < rules.length; i++) {
    const bad = deviceRuleProblem(rules[i]!);
    if (bad) return new ConfigError(`${appendIndex('linux.resources.devices', i)}.${bad.field}`, bad.problem);
  }
  return undefined;
};

/** linux.personality: a known domain (config-linux.md names no flag yet). */
const checkPersonality: SpecRule = (spec) => {
  const personality = spec.linux?.personality;
  if (!personality) return undefined;
  const flags = personality.flags ?? [];
  if (flags.length > 0)
    return new ConfigError(
      appendIndex('linux.personality.flags', 0),
      `unknown flag ${quote(flags[0])}: the runtime-spec defines none`,
    );
  // `{}` asks for nothing (as for every other object): the personality stays as it is.
  if (personality.domain !== undefined && !Object.hasOwn(PERSONALITY_DOMAINS, personality.domain))
    return new ConfigError('linux.personality.domain', `unknown domain ${quote(personality.domain)}`);
  return undefined;
};

/** linux.intelRdt: a closID that names one directory, schemata that are one line each. */
const checkIntelRdt: SpecRule = (spec) => {
  const rdt = spec.linux?.intelRdt;
  const bad = rdt && intelRdtProblem(rdt);
  return bad ? new ConfigError(`linux.intelRdt.${bad[0]}`, bad[1]) : undefined;
};

/** runtime-spec: with intelRdt set and no resctrl mounted where the runtime runs, the
 * runtime MUST generate an error (runc says the same). */
function checkResctrlMounted(spec: Spec): ConfigError | undefined {
  if (spec.linux?.intelRdt === undefined || hostResctrlMount() !== null) return undefined;
  return new ConfigError('linux.intelRdt', 'resctrl is not mounted on this host (no Intel RDT or AMD QoS)');
}

// ---- the whole spec ---------------------------------------------------------------------

/** Rules that need nothing but the document, in reporting order. */
const SPEC_RULES: readonly SpecRule[] = [
  checkOciVersion,
  checkRootPresent,
  checkProcessRules,
  checkMountDestinations,
  checkMountOptions,
  checkIdmappedMounts,
  checkNamespaceTypes,
  checkNamespaceDuplicates,
  checkNamespacePaths,
  checkMappingsNeedUserNamespace,
  checkNewUserNamespaceMappings,
  checkHostnameNeedsUts,
  checkRestrictionsNeedMountNamespace,
  checkTimeOffsetsNeedTimeNamespace,
  checkTimeOffsetValues,
  checkSysctls,
  checkDevices,
  checkDeviceRules,
  checkMaskedAndReadonlyPaths,
  checkMemoryPolicy,
  checkIntelRdt,
  checkNetDevices,
  checkHooks,
  checkPersonality,
];

/** Every rule's first error (document only, no filesystem, no support refusals). */
export function findSpecErrors(spec: Spec): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const rule of SPEC_RULES) {
    const error = rule(spec);
    if (error) errors.push(error);
  }
  return errors;
}

/** root.path, relative to the bundle, must be an existing directory. */
export function checkRootfs(spec: Spec, bundleDir: string): ConfigError | undefined {
  if (!spec.root) return undefined;
  const rootfs = resolve(bundleDir, spec.root.path);
  const stat = statSync(rootfs, { throwIfNoEntry: false });
  if (!stat) return new ConfigError('root.path', `rootfs directory ${rootfs} does not exist`);
  if (!stat.isDirectory()) return new ConfigError('root.path', `rootfs ${rootfs} is not a directory`);
  return undefined;
}

/** The host's possible NUMA nodes; a kernel without NUMA has node 0 only. */
function possibleNumaNodes(): number[] {
  try {
    return parseNodeList(readFileSync('/sys/devices/system/node/possible', 'utf8')) ?? [0];
  } catch {
    return [0];
  }
}

/** Everything `create` needs to hold before anything is made: throws the first ConfigError
 * (document rules, then the host: rootfs on disk, NUMA nodes, resctrl, network interfaces). */
export function checkSpec(spec: Spec, bundleDir: string): void {
  const error =
    findSpecErrors(spec)[0] ??
    checkRootfs(spec, bundleDir) ??
    (spec.linux?.memoryPolicy?.nodes ? checkMemoryPolicyNodesOnHost(spec, possibleNumaNodes()) : undefined) ??
    checkResctrlMounted(spec) ??
    (spec.linux?.netDevices ? checkNetDevicesOnHost(spec, (name) => native().linkIndex(name) > 0) : undefined);
  if (error) throw error;
}

/** The same for an exec process object (`exec --process`); paths start with `process`. */
export function checkProcess(process: Process): void {
  const error = firstProcessError(process, 'process');
  if (error) throw error;
}
