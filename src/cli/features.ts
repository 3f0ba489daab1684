// `features`: what this tsrun supports, in runc's `features` shape (runtime-spec
// features.md). Only what is implemented is listed.
import { capabilityNumbers, mountFlagOptions, propagationOptions } from '../plan/constants';
import { OCI_VERSION, TSRUN_VERSION } from '../container/version';
import {
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
  UNSUPPORTED_FLAGS,
} from '../seccomp/compile';

export function features(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: [],
    mountOptions: [...Object.keys(mountFlagOptions), ...Object.keys(propagationOptions), 'tmpcopyup'].sort(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: Object.keys(capabilityNumbers),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: {
        enabled: true,
        actions: Object.keys(SECCOMP_ACTIONS),
        operators: Object.keys(SECCOMP_OPERATORS),
        archs: Object.keys(SECCOMP_ARCHES),
        knownFlags: [...Object.keys(SECCOMP_FLAGS), ...UNSUPPORTED_FLAGS],
        supportedFlags: Object.keys(SECCOMP_FLAGS),
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'org.opencontainers.runc.version': `tsrun-${TSRUN_VERSION}` },
  };
}
