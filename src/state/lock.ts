// The container's lock: flock on its state directory, ROOT/ID itself (no extra file to
// create or remove). Commands that change the container (create from its reservation to
// its record, start, delete) take it exclusively; kill takes it shared, so it never signals
// a container half-made or half-deleted; state and list take none (runc takes none for
// them): they read files that are only ever replaced whole. A waiter whose directory was
// removed meanwhile (a delete that went first) finds that the container does not exist.
import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import { native } from '../sys/native';
import { waitUntil } from '../sys/sleep';
import { checkId, type StateStore } from './store';

export type LockMode = 'exclusive' | 'shared';

export interface ContainerLock {
  release(): void;
}

/** How long a command waits for another one on the same container (a create can take a
 * while: its child's steps each have a minute). */
const LOCK_WAIT_MS = 120_000;

function sameDirectory(fd: number, dir: string): boolean {
  const held = fstatSync(fd);
  const now = statSync(dir, { throwIfNoEntry: false });
  return now !== undefined && now.dev === held.dev && now.ino === held.ino;
}

/** Take the lock on container `id`, waiting up to `waitMs` for the commands that hold it.
 * Throws NOT_FOUND when there is no such container (or it was deleted while we waited). */
export function lockContainer(store: StateStore, id: string, mode: LockMode, waitMs = LOCK_WAIT_MS): ContainerLock {
  checkId(id);
  const dir = store.dir(id);
  const addon = native();
  const deadline = Date.now() + waitMs;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new TsrunError('ERR_TSRUN_NOT_FOUND', `container does not exist: ${id}`);
      throw new TsrunError('ERR_TSRUN_SYSCALL', `open ${dir}: ${nodeErrorText(err)}`, { cause: err });
    }
    try {
      if (!waitUntil(() => addon.tryLock(fd, mode === 'exclusive'), deadline - Date.now()))
        throw new TsrunError(
          'ERR_TSRUN_STATE',
          `container ${id} is busy: another tsrun command has held its lock for ${waitMs / 1000} s`,
        );
      // Removed while we waited, and perhaps made again by a new create: look again.
      if (sameDirectory(fd, dir)) return { release: () => closeSync(fd) };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    closeSync(fd);
  }
}
