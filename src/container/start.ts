// `start`: release the child blocked on exec.fifo so it execs the user process. Under the
// container's lock: of two racing starts the second finds it running, and a start that
// waited for a delete finds no container. A container with startContainer hooks is
// waited for until the init says how they went (runtime.md: a failing one fails start
// and the container ends stopped, as its init exits).
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import { describeContainerHookFailure } from '../plan/describe';
import { SyncType } from '../plan/types';
import { lockContainer } from '../state/lock';
import type { ContainerRecord } from '../state/types';
import { native } from '../sys/native';
import type { RuntimeContext } from './context';
import { hookStateDocument, runHooks } from './hooks';
import { ContainerNotifySocket } from './notify-socket';
import { openInit } from './signal';
import { containerStatus } from './status';

const START_TIMEOUT_MS = 60_000;

export interface Started {
  record: ContainerRecord;
  /** Bound when the runtime was given NOTIFY_SOCKET: the caller relays READY, unlocked. */
  notify: ContainerNotifySocket | null;
}

/** What `run` holds already from its create: the record it saved and the init's pidfd
 * (which stays open: run waits on it). */
export interface HeldInit {
  record: ContainerRecord;
  pidfd: number;
}

export function startContainer(ctx: RuntimeContext, id: string, held?: HeldInit): Started {
  const lock = lockContainer(ctx.store, id, 'exclusive');
  try {
    return startLocked(ctx, id, held);
  } finally {
    lock.release();
  }
}

/** `start` as the command does it: with NOTIFY_SOCKET, it returns once the container sent
 * READY (passed on to the host with the init's pid as MAINPID) or ended without it. The
 * wait holds no lock: a kill or delete meanwhile is not held up. */
export async function startCommand(ctx: RuntimeContext, id: string): Promise<void> {
  const { record, notify } = startContainer(ctx, id);
  if (!notify) return;
  const pidfd = openInit(record);
  try {
    await notify.relayReady(pidfd, record.pid);
  } finally {
    notify.close();
    if (pidfd !== null) native().close(pidfd);
  }
}

function startLocked(ctx: RuntimeContext, id: string, held: HeldInit | undefined): Started {
  const record = held?.record ?? ctx.store.require(id);
  const status = containerStatus(ctx.store, record);
  if (status === 'stopped') throw new TsrunError('ERR_TSRUN_STATE', 'cannot start a container that has stopped');
  if (status === 'running') throw new TsrunError('ERR_TSRUN_STATE', 'cannot start an already running container');
  if (status === 'paused') throw new TsrunError('ERR_TSRUN_STATE', 'cannot start a container in the paused state');
  if (!record.hasProcess)
    throw new TsrunError('ERR_TSRUN_CONFIG', 'config.json: process: is required to start the container');
  const pidfd = held ? held.pidfd : openInit(record);
  if (pidfd === null) throw new TsrunError('ERR_TSRUN_STATE', 'cannot start a container that has stopped');
  const fifo = ctx.store.fifoPath(id);
  let report = -1;
  let released = false;
  let notify: ContainerNotifySocket | null = null;
  try {
    // Bound before the process runs, so that no message of it is lost.
    notify = ContainerNotifySocket.open(ctx.store, id);
    // Opened before the byte: a report written by an init that exits at once stays readable.
    if (record.startContainerHooks) report = openStartHooksReport(ctx, id);
    released = native().releaseFifo(fifo, pidfd, START_TIMEOUT_MS);
    if (!released) throw new TsrunError('ERR_TSRUN_STATE', 'cannot start a container that has stopped');
    if (report >= 0) awaitStartHooks(report, pidfd);
  } catch (err) {
    notify?.close();
    throw err;
  } finally {
    if (!held) native().close(pidfd);
    if (report >= 0) closeSync(report);
    // Taken: the container is started (or, its startContainer hooks failed, stopping).
    if (released) removeFifos(ctx, id, report >= 0);
  }
  runPoststart(ctx, record);
  return { record, notify };
}

function removeFifos(ctx: RuntimeContext, id: string, startHooks: boolean): void {
  const files = [ctx.store.fifoPath(id), ...(startHooks ? [ctx.store.startHooksFifoPath(id)] : [])];
  for (const file of files) {
    try {
      unlinkSync(file);
    } catch {
      // a concurrent start removed it already
    }
  }
}

function openStartHooksReport(ctx: RuntimeContext, id: string): number {
  try {
    return openSync(ctx.store.startHooksFifoPath(id), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_STATE', `open the start-hooks fifo of ${id}: ${nodeErrorText(err)}`, {
      cause: err,
    });
  }
}

/** The init ran the startContainer hooks: it goes on to execve, or it failed and exited. */
function awaitStartHooks(report: number, pidfd: number): void {
  const msg = native().awaitStartHooks(report, pidfd);
  if (msg?.type === SyncType.StartHooksDone) return;
  if (msg?.type === SyncType.Error) throw new TsrunError('ERR_TSRUN_HOOK', describeContainerHookFailure(msg));
  throw new TsrunError('ERR_TSRUN_STATE', 'container init exited before its startContainer hooks were done');
}

/** poststart: the process was released, start has not returned. A failing hook is a
 * warning and the next one still runs (runtime.md lifecycle step 9: "the runtime MUST log
 * a warning, but the remaining hooks and lifecycle continue"; runc instead kills the
 * container and fails start). */
function runPoststart(ctx: RuntimeContext, record: ContainerRecord): void {
  const hooks = record.hooks?.poststart;
  if (!hooks?.length) return;
  // The status as it is (runc's): a process that exited at once is stopped already.
  const status = containerStatus(ctx.store, record) === 'stopped' ? 'stopped' : 'running';
  runHooks(ctx.logger, 'poststart', hooks, hookStateDocument(record, status, record.pid));
}
