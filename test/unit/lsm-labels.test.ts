// The lines create logs for the LSM labels it does not apply, by what the host has.
import t from 'tap';
import { hostLsms, ignoredLsmLabels } from '../../src/config/lsm-labels';
import type { Spec } from '../../src/config/types';

const spec: Spec = {
  ociVersion: '1.3.0',
  process: { cwd: '/', args: ['/x'], apparmorProfile: 'docker-default', selinuxLabel: 'system_u:system_r:c_t:s0' },
  linux: { mountLabel: 'system_u:object_r:c_file_t:s0' },
};

t.test('without AppArmor or SELinux: one debug line each, naming the entry and the reason', async (t) => {
  t.same(ignoredLsmLabels(spec, { apparmor: false, selinux: false }), [
    { level: 'debug', text: 'process.apparmorProfile "docker-default" ignored: this host has no AppArmor' },
    { level: 'debug', text: 'process.selinuxLabel "system_u:system_r:c_t:s0" ignored: this host has no SELinux' },
    { level: 'debug', text: 'linux.mountLabel "system_u:object_r:c_file_t:s0" ignored: this host has no SELinux' },
  ]);
});

t.test('with the module: a warning, the label is not applied', async (t) => {
  const lines = ignoredLsmLabels(spec, { apparmor: true, selinux: false });
  t.same(lines[0], {
    level: 'warn',
    text: 'process.apparmorProfile "docker-default" is not applied: tsrun does not implement AppArmor',
  });
  t.equal(lines[1]?.level, 'debug');
});

t.test('no label, no line; this host has neither module', async (t) => {
  t.same(
    ignoredLsmLabels({ ociVersion: '1.3.0', process: { cwd: '/', args: ['/x'], apparmorProfile: '' } }, hostLsms()),
    [],
  );
  t.same(hostLsms(), { apparmor: false, selinux: false });
});
