// The kernel's word that a memory cgroup hit OOM, as it comes, for the `events` stream;
// runc listens the same ways. v1: an eventfd registered on memory.oom_control through
// cgroup.event_control; the kernel signals it at each OOM, and once more when the cgroup is
// removed (then cgroup.event_control is gone). v2: inotify on memory.events (fs.watch),
// then its oom_kill count is read: more than before is an OOM kill. The stream also calls
// check() on its own poll, in case a change was not seen.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeErrorText } from '../errno';
import { TsrunError } from '../errors';
import { eventfd, eventfdPending, signalEventfd } from '../sys/eventfd';
import type { CgroupFs } from './manager';
import { type MemoryCgroup, oomKills } from './oom';

export interface OomWatch {
  /** Look now (v2 reads the counter; v1 has nothing to read). */
  check(): void;
  /** Stop listening; no callback comes after it. */
  close(): void;
}

export interface OomListener {
  oom(): void;
  /** v1: the cgroup was removed. */
  gone(): void;
  /** Reading the eventfd failed. */
  failed(err: Error): void;
}

/** What a wake-up of the v1 eventfd means. The kernel adds 1 for each OOM and 1 when the
 * cgroup is removed; `run` removes the cgroup milliseconds after an OOM kill, so the read
 * that carried an OOM may be handled only once the cgroup is gone. `read` is what the read
 * returned, `pending` what the eventfd counted since: with the cgroup gone, one of all
 * those is the removal and any other an OOM (runc looks only at the cgroup, and loses it). */
export function v1Wake(read: bigint, controlExists: boolean, pending: bigint): { oom: boolean; gone: boolean } {
  if (controlExists) return { oom: true, gone: false };
  return { oom: read + pending >= 2n, gone: true };
}

function watchV1(m: MemoryCgroup, listener: OomListener): OomWatch {
  const control = path.join(m.dir, 'cgroup.event_control');
  const efd = eventfd();
  let ofd: number | undefined;
  try {
    ofd = fs.openSync(path.join(m.dir, 'memory.oom_control'), 'r');
    fs.writeFileSync(control, `${efd} ${ofd}`);
  } catch (err) {
    fs.closeSync(efd);
    if (ofd !== undefined) fs.closeSync(ofd);
    throw new TsrunError('ERR_TSRUN_SYSCALL', `register OOM notification in ${m.dir}: ${nodeErrorText(err)}`, {
      cause: err,
    });
  }
  let closed = false;
  /** The watch is over: no close() signal is needed any more. */
  const release = () => {
    closed = true;
    fs.closeSync(efd);
    fs.closeSync(ofd as number);
  };
  const counter = Buffer.alloc(8);
  // A blocking read on the thread pool; close() ends it by signalling the eventfd itself.
  const next = () =>
    fs.read(efd, counter, 0, 8, null, (err) => {
      if (closed) return release();
      if (err) {
        release();
        return listener.failed(err);
      }
      const wake = v1Wake(counter.readBigUInt64LE(0), fs.existsSync(control), eventfdPending(efd));
      if (wake.gone) {
        release();
        if (wake.oom) listener.oom();
        return listener.gone();
      }
      listener.oom();
      if (closed) release();
      else next();
    });
  next();
  return {
    check: () => {},
    close: () => {
      if (closed) return;
      closed = true;
      signalEventfd(efd);
    },
  };
}

function watchV2(cgfs: CgroupFs, m: MemoryCgroup, listener: OomListener): OomWatch {
  const file = path.join(m.dir, 'memory.events');
  let seen = oomKills(cgfs, m) ?? 0n;
  let closed = false;
  const check = () => {
    if (closed) return;
    const now = oomKills(cgfs, m);
    if (now !== undefined && now > seen) {
      seen = now;
      listener.oom();
    }
  };
  let watcher: fs.FSWatcher;
  try {
    watcher = fs.watch(file, check);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `unable to add inotify watch: ${nodeErrorText(err)}`, { cause: err });
  }
  watcher.on('error', () => {}); // the cgroup went away: the stream's poll sees it
  return {
    check,
    close: () => {
      closed = true;
      watcher.close();
    },
  };
}

/** Listen for OOMs in the container's memory cgroup. */
export function watchOom(cgfs: CgroupFs, m: MemoryCgroup, listener: OomListener): OomWatch {
  return m.version === 1 ? watchV1(m, listener) : watchV2(cgfs, m, listener);
}
