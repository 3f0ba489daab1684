// What the runtime writes into the container init's /proc/PID from outside: its uid/gid
// maps when it asks for them (NeedIdMaps), its time namespace's offsets (NeedTimeOffsets),
// and process.oomScoreAdj once it is ready.
import { writeFileSync } from 'node:fs';
import type { Spec } from '../config/types';
import { TsrunError } from '../errors';
import { idMapText } from '../plan/namespaces';
import { timeOffsetsText } from '../plan/time-offsets';
import { nodeErrorText } from '../errno';

/** linux.uidMappings and linux.gidMappings for the process that made the user namespace. */
export function writeIdMappings(pid: number, spec: Spec): void {
  const uidMap = idMapText(spec.linux?.uidMappings ?? []);
  const gidMap = idMapText(spec.linux?.gidMappings ?? []);
  try {
    writeFileSync(`/proc/${pid}/uid_map`, uidMap);
    if (gidMap) writeFileSync(`/proc/${pid}/gid_map`, gidMap);
  } catch (err) {
    throw new TsrunError(
      'ERR_TSRUN_SYSCALL',
      `write uid/gid mappings (linux.uidMappings, linux.gidMappings) for pid ${pid}: ${nodeErrorText(err)}`,
      { cause: err },
    );
  }
}

/** linux.timeOffsets into the time namespace the child (pid) made for its children; host
 * root may (CAP_SYS_TIME over every user namespace), and no process is in it yet. */
export function writeTimeOffsets(pid: number, spec: Spec): void {
  const text = timeOffsetsText(spec.linux?.timeOffsets);
  if (text === null) return;
  try {
    writeFileSync(`/proc/${pid}/timens_offsets`, text);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `write linux.timeOffsets for pid ${pid}: ${nodeErrorText(err)}`, {
      cause: err,
    });
  }
}

/** process.oomScoreAdj, when the config sets it. */
export function writeOomScoreAdj(pid: number, spec: Spec): void {
  const value = spec.process?.oomScoreAdj;
  if (value === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(value));
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `write process.oomScoreAdj ${value}: ${nodeErrorText(err)}`, {
      cause: err,
    });
  }
}
