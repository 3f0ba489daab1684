// process.apparmorProfile, process.selinuxLabel and linux.mountLabel: tsrun applies none
// of them. runc ignores them on a host without AppArmor or SELinux, and so does tsrun,
// saying so under --debug; on a host with the module the label would be expected to
// confine, so that is a warning instead.
import { existsSync, readFileSync } from 'node:fs';
import type { Spec } from './types';

export interface HostLsms {
  apparmor: boolean;
  selinux: boolean;
}

/** The LSMs this kernel enforces: AppArmor enabled, selinuxfs mounted. */
export function hostLsms(): HostLsms {
  let apparmor = false;
  try {
    apparmor = readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    // no AppArmor module
  }
  return { apparmor, selinux: existsSync('/sys/fs/selinux/enforce') };
}

/** One line per label the config sets: `debug` where the host lacks its LSM, else `warn`. */
export function ignoredLsmLabels(spec: Spec, host: HostLsms): { level: 'debug' | 'warn'; text: string }[] {
  const labels: [string, string | undefined, 'AppArmor' | 'SELinux'][] = [
    ['process.apparmorProfile', spec.process?.apparmorProfile, 'AppArmor'],
    ['process.selinuxLabel', spec.process?.selinuxLabel, 'SELinux'],
    ['linux.mountLabel', spec.linux?.mountLabel, 'SELinux'],
  ];
  return labels
    .filter(([, value]) => value)
    .map(([at, value, lsm]) => {
      const present = lsm === 'AppArmor' ? host.apparmor : host.selinux;
      const shown = `${at} ${JSON.stringify(value)}`;
      return present
        ? { level: 'warn', text: `${shown} is not applied: tsrun does not implement ${lsm}` }
        : { level: 'debug', text: `${shown} ignored: this host has no ${lsm}` };
    });
}
