// Status is derived, never trusted: the recorded pid must be alive with the recorded start
// time (a reused pid is not the container); a frozen cgroup means paused (before created,
// as runc); exec.fifo present means not started yet.
import { existsSync } from 'node:fs';
import { freezerOf, isFrozen } from '../cgroups/freezer';
import { hostCgroupFs } from '../cgroups/manager';
import type { ContainerRecord } from '../state/types';
import type { StateStore } from '../state/store';
import { isSameLiveProcess, readProcessFacts, type ProcessFacts } from '../sys/proc';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface StatusFacts {
  process: ProcessFacts | null;
  recordedStartTime: number;
  fifoExists: boolean;
  /** The container's freezer says FROZEN (v1) or cgroup.freeze is 1 (v2). */
  frozen: boolean;
}

export function deriveStatus(facts: StatusFacts): Status {
  if (!isSameLiveProcess(facts.process, facts.recordedStartTime)) return 'stopped';
  if (facts.frozen) return 'paused';
  return facts.fifoExists ? 'created' : 'running';
}

/** Whether the container's cgroup is frozen: one small file read. */
function containerFrozen(record: ContainerRecord): boolean {
  const freezer = freezerOf(record.cgroup);
  return freezer !== null && isFrozen(hostCgroupFs, freezer);
}

export function containerStatus(store: StateStore, record: ContainerRecord): Status {
  const process = record.pid > 0 ? readProcessFacts(record.pid) : null;
  // The freezer and the fifo are read only for a live init.
  const alive = isSameLiveProcess(process, record.startTime);
  return deriveStatus({
    process,
    recordedStartTime: record.startTime,
    fifoExists: alive && existsSync(store.fifoPath(record.id)),
    frozen: alive && containerFrozen(record),
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
