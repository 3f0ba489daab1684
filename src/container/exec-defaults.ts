// What `create` keeps in state.json for a later `exec` (runc keeps the same in its state):
// the process defaults, seccomp, the memory policy, the namespace types and --no-new-keyring, as config.json and
// the flags said at create time. Reading it back names a container made before exec existed.
import type { Spec } from '../config/types';
import { TsrunError } from '../errors';
import type { ContainerRecord, ExecRecord } from '../state/types';

/** The exec record for a container created from `spec` (copies: the record must not alias it). */
export function execRecord(spec: Spec, noNewKeyring: boolean): ExecRecord {
  const record: ExecRecord = {
    process: spec.process ? structuredClone(spec.process) : null,
    namespaces: (spec.linux?.namespaces ?? []).map((ns) => ns.type),
    noNewKeyring,
  };
  if (spec.linux?.seccomp) record.seccomp = structuredClone(spec.linux.seccomp);
  if (spec.linux?.personality) record.personality = structuredClone(spec.linux.personality);
  if (spec.linux?.memoryPolicy) record.memoryPolicy = structuredClone(spec.linux.memoryPolicy);
  return record;
}

/** The record's exec part; one line when a tsrun without exec wrote the state. */
export function recordedExec(record: ContainerRecord): ExecRecord {
  if (!record.exec)
    throw new TsrunError(
      'ERR_TSRUN_STATE',
      `container ${record.id} was created by an older tsrun that did not keep what exec needs: recreate it to exec into it`,
    );
  return record.exec;
}
