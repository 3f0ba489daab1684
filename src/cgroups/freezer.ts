// The freezer: `pause` freezes every process of the container's cgroup, `resume` thaws it.
// One interface over both versions, as runc: cgroup v1's freezer controller (freezer.state:
// FROZEN/THAWED, passing through FREEZING) on a v1 or hybrid host, cgroup v2's
// cgroup.freeze (1/0, done once cgroup.events says "frozen 1") on a unified one.
import { join } from 'node:path';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import { sleepMs } from '../sys/sleep';
import type { CgroupFs, CgroupRecord } from './manager';

export interface Freezer {
  version: 1 | 2;
  /** The container's cgroup in the hierarchy that freezes it. */
  dir: string;
}

/** Waits the freezer may make; tests make them instant. */
export interface FreezeTiming {
  sleep(ms: number): void;
}

const realTiming: FreezeTiming = { sleep: sleepMs };

/** Which freezer holds the container: the v1 freezer hierarchy when the host has one (a
 * hybrid host too, as runc), the cgroup2 directory on a unified host; null when neither. */
export function freezerOf(record: CgroupRecord): Freezer | null {
  const v1 = record.paths.freezer;
  if (v1) return { version: 1, dir: v1 };
  const keys = Object.keys(record.paths);
  const v2 = record.paths[''];
  if (v2 && keys.length === 1) return { version: 2, dir: v2 };
  return null;
}

/** Whether the container is paused: one small read (what `state` pays). A cgroup that is
 * gone, or a freezer file the kernel lacks, is not frozen. */
export function isFrozen(cgfs: CgroupFs, f: Freezer): boolean {
  try {
    if (f.version === 1) return cgfs.read(join(f.dir, 'freezer.state')).trim() === 'FROZEN';
    return cgfs.read(join(f.dir, 'cgroup.freeze')).trim() === '1';
  } catch {
    return false;
  }
}

function writeFile(cgfs: CgroupFs, file: string, value: string): void {
  try {
    cgfs.write(file, value);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `write ${file}: ${nodeErrorText(err)}`, { cause: err });
  }
}

function readFile(cgfs: CgroupFs, file: string): string {
  try {
    return cgfs.read(file);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `read ${file}: ${nodeErrorText(err)}`, { cause: err });
  }
}

/** v1 may stay FREEZING while processes keep appearing: write FROZEN again and again, and
 * now and then thaw and wait a little (runc's loop: 1000 tries, a thaw and 10 ms every 50). */
function freezeV1(cgfs: CgroupFs, dir: string, timing: FreezeTiming): void {
  const file = join(dir, 'freezer.state');
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        writeFile(cgfs, file, 'THAWED');
        timing.sleep(10);
      }
      writeFile(cgfs, file, 'FROZEN');
      const state = readFile(cgfs, file).trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new TsrunError('ERR_TSRUN_SYSCALL', `unexpected state ${state} while freezing`);
    }
    throw new TsrunError('ERR_TSRUN_SYSCALL', 'unable to freeze');
  } catch (err) {
    // Left FROZEN or FREEZING the container is stuck: thaw it back, as runc does.
    try {
      cgfs.write(file, 'THAWED');
    } catch {
      // the error above says what went wrong
    }
    throw err;
  }
}

/** v2: write 1, then wait for "frozen 1" in cgroup.events (runc: 1000 x 10 ms). */
function freezeV2(cgfs: CgroupFs, dir: string, timing: FreezeTiming): void {
  writeFile(cgfs, join(dir, 'cgroup.freeze'), '1');
  const events = join(dir, 'cgroup.events');
  for (let i = 0; i < 1000; i++) {
    const line = readFile(cgfs, events)
      .split('\n')
      .find((l) => l.startsWith('frozen '));
    if (line === undefined) throw new TsrunError('ERR_TSRUN_SYSCALL', `${events} has no "frozen" line`);
    if (line === 'frozen 1') return;
    timing.sleep(10);
  }
  try {
    cgfs.write(join(dir, 'cgroup.freeze'), '0');
  } catch {
    // the timeout says what went wrong
  }
  throw new TsrunError('ERR_TSRUN_SYSCALL', 'timeout of 10s reached waiting for the cgroup to freeze');
}

export function freeze(cgfs: CgroupFs, f: Freezer, timing: FreezeTiming = realTiming): void {
  if (f.version === 1) freezeV1(cgfs, f.dir, timing);
  else freezeV2(cgfs, f.dir, timing);
}

export function thaw(cgfs: CgroupFs, f: Freezer): void {
  if (f.version === 1) writeFile(cgfs, join(f.dir, 'freezer.state'), 'THAWED');
  else writeFile(cgfs, join(f.dir, 'cgroup.freeze'), '0');
}
