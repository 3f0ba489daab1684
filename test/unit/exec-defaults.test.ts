// What create keeps in state.json for exec: copies of config.json's process and seccomp,
// the namespace types and --no-new-keyring; a record from before exec gets one clear line.
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { execRecord, recordedExec } from '../../src/container/exec-defaults';
import type { ContainerRecord } from '../../src/state/types';
import { baseConfig } from '../fixtures/configs/base-config';

t.test('execRecord: the process, seccomp and namespace types as config.json gives them', (t) => {
  const spec: Spec = baseConfig();
  spec.linux!.namespaces = [{ type: 'pid' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'mount' }];
  spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  const exec = execRecord(spec, true);
  t.same(exec, {
    process: spec.process,
    seccomp: spec.linux!.seccomp,
    namespaces: ['pid', 'network', 'mount'],
    noNewKeyring: true,
  });
  spec.process!.args = ['changed'];
  spec.linux!.seccomp.defaultAction = 'SCMP_ACT_KILL';
  t.not(exec.process?.args?.[0], 'changed', 'a copy of the process');
  t.equal(exec.seccomp?.defaultAction, 'SCMP_ACT_ERRNO', 'a copy of seccomp');

  const bare: Spec = { ociVersion: '1.0.2', root: { path: 'rootfs' } };
  t.same(execRecord(bare, false), { process: null, namespaces: [], noNewKeyring: false }, 'no process, no seccomp key');
  t.end();
});

t.test('recordedExec: the record, or one line for a container from an older tsrun', (t) => {
  const exec = { process: null, namespaces: [], noNewKeyring: false };
  const record = { id: 'c1', exec } as unknown as ContainerRecord;
  t.equal(recordedExec(record), exec);
  t.throws(() => recordedExec({ id: 'c1' } as ContainerRecord), {
    code: 'ERR_TSRUN_STATE',
    message:
      'container c1 was created by an older tsrun that did not keep what exec needs: recreate it to exec into it',
  });
  t.end();
});
