// Status is derived, never trusted: the recorded pid must be alive with the recorded start
// time (a reused pid is not the container), and exec.fifo present means not started yet.
import * as fs from 'node:fs';
import type { ContainerRecord } from '../state/types';
import type { StateStore } from '../state/store';
import { isSameLiveProcess, readProcessFacts, type ProcessFacts } from '../sys/proc';

export type Status = 'creating' | 'created' | 'running' | 'stopped';

export interface StatusFacts {
  process: ProcessFacts | null;
  recordedStartTime: number;
  fifoExists: boolean;
}

export function deriveStatus(facts: StatusFacts): Status {
  if (!isSameLiveProcess(facts.process, facts.recordedStartTime)) return 'stopped';
  return facts.fifoExists ? 'created' : 'running';
}

export function containerStatus(store: StateStore, record: ContainerRecord): Status {
  return deriveStatus({
    process: record.pid > 0 ? readProcessFacts(record.pid) : null,
    recordedStartTime: record.startTime,
    fifoExists: fs.existsSync(store.fifoPath(record.id)),
  });
}

/** The state document `tsrun state` prints (runc's shape). */
export function stateDocument(record: ContainerRecord, status: Status): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    ociVersion: record.ociVersion,
    id: record.id,
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    owner: record.owner,
  };
  if (Object.keys(record.annotations).length > 0) doc.annotations = record.annotations;
  return doc;
}
