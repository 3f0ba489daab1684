// The kernel's word that a memory cgroup hit OOM, as it comes, for the `events` stream;
// runc listens the same ways. v1: an eventfd registered on memory.oom_control through
// cgroup.event_control; the kernel signals it at each OOM, and once more when the cgroup is
// removed (then cgroup.event_control is gone); its count is taken at each check(). v2:
// inotify on memory.events (fs.watch), then its oom_kill count is read: more than before
// is an OOM kill. The stream calls check() on its own poll (v1's only reader; v2's in
// case inotify missed a change).
import { closeSync, existsSync, type FSWatcher, openSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeErrorText } from '../errno';
import { TsrunError } from '../errors';
import { eventfd, takeEventfdCount } from '../sys/eventfd';
import type { CgroupFs } from './manager';
import { type MemoryCgroup, oomKills } from './oom';

export interface OomWatch {
  /** Look now (v1 takes the eventfd's count, v2 reads memory.events). */
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

/** What the v1 eventfd's count means. The kernel adds 1 for each OOM and 1 when the cgroup
 * is removed; `run` removes the cgroup milliseconds after an OOM kill, so one take may hold
 * both. With the cgroup gone, one of them is the removal and any other an OOM (runc looks
 * only at the cgroup, and can lose the OOM). */
export function v1Wake(count: bigint, controlExists: boolean): { oom: boolean; gone: boolean } {
  if (controlExists) return { oom: count > 0n, gone: false };
  return { oom: count >= 2n, gone: true };
}

/** v1: an eventfd registered on memory.oom_control (as runc does), taken at each check():
 * the count waits in the eventfd, so nothing is lost however late the check comes, and
 * the OOM and the cgroup's end are decided in one place, in order. */
function watchV1(m: MemoryCgroup, listener: OomListener): OomWatch {
  const control = join(m.dir, 'cgroup.event_control');
  const efd = eventfd();
  let ofd: number | undefined;
  try {
    ofd = openSync(join(m.dir, 'memory.oom_control'), 'r');
    writeFileSync(control, `${efd} ${ofd}`);
  } catch (err) {
    closeSync(efd);
    if (ofd !== undefined) closeSync(ofd);
    throw new TsrunError('ERR_TSRUN_SYSCALL', `register OOM notification in ${m.dir}: ${nodeErrorText(err)}`, {
      cause: err,
    });
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    closeSync(efd);
    closeSync(ofd as number);
  };
  return {
    check: () => {
      if (closed) return;
      let count: bigint;
      try {
        count = takeEventfdCount(efd);
      } catch (err) {
        close();
        return listener.failed(err as Error);
      }
      if (count === 0n) return;
      const wake = v1Wake(count, existsSync(control));
      if (wake.oom) listener.oom();
      if (wake.gone) {
        close();
        listener.gone();
      }
    },
    close,
  };
}

function watchV2(cgfs: CgroupFs, m: MemoryCgroup, listener: OomListener): OomWatch {
  const file = join(m.dir, 'memory.events');
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
  let watcher: FSWatcher;
  try {
    watcher = watch(file, check);
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
