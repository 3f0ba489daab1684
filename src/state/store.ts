// The state directory: ROOT/ID holds state.json, cleanup.json and, until `start`,
// exec.fifo; the directory itself is the container's lock (lock.ts). It is made with an
// exclusive mkdir, so a duplicate ID touches nothing. Files are replaced by rename, so a
// reader never sees half of one.
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import { writeFileAtomic } from '../sys/atomic-file';
import { parseCleanup, parseRecord, salvageRecord } from './record';
import type { CleanupRecord, ContainerRecord } from './types';

const validId = /^[\w+\-.]+$/;

const ownSuffix = (): string => String(process.pid);

export function checkId(id: string): void {
  if (!validId.test(id) || id === '.' || id === '..')
    throw new TsrunError('ERR_TSRUN_USAGE', `invalid container id format: ${id}`);
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  fifoPath(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Where the init reports its startContainer hooks to `start` (only with such hooks). */
  startHooksFifoPath(id: string): string {
    return join(this.dir(id), 'start-hooks.fifo');
  }

  /** Make ROOT/ID; fails if the container exists. */
  reserve(id: string): string {
    checkId(id);
    mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new TsrunError('ERR_TSRUN_STATE', `container with id exists: ${id}`);
      throw new TsrunError('ERR_TSRUN_SYSCALL', `mkdir ${dir}: ${nodeErrorText(err)}`, { cause: err });
    }
    return dir;
  }

  statePath(id: string): string {
    return join(this.dir(id), 'state.json');
  }

  cleanupPath(id: string): string {
    return join(this.dir(id), 'cleanup.json');
  }

  /** Write state.json atomically (temp file + rename). Only root writes in the state
   * directory, under the container's lock: the temporary name needs no random part. */
  save(record: ContainerRecord): void {
    writeFileAtomic(this.statePath(record.id), JSON.stringify(record), ownSuffix, 0o600);
  }

  /** Write cleanup.json atomically. */
  saveCleanup(record: CleanupRecord): void {
    writeFileAtomic(this.cleanupPath(record.id), JSON.stringify(record), ownSuffix, 0o600);
  }

  /** The record, or null while the container is still being created. Throws NOT_FOUND,
   * and CORRUPT_STATE naming the file when it is not a whole, well-typed record. */
  load(id: string): ContainerRecord | null {
    checkId(id);
    const text = this.read(this.statePath(id));
    if (text !== null) return parseRecord(text, this.statePath(id), id);
    if (existsSync(this.dir(id))) return null;
    throw new TsrunError('ERR_TSRUN_NOT_FOUND', `container does not exist: ${id}`);
  }

  /** What delete --force can still use when load() fails: the fields of state.json that
   * kept their type, and cleanup.json if it is whole (else why not). */
  remains(id: string): {
    partial: Partial<ContainerRecord>;
    cleanup: CleanupRecord | null;
    cleanupProblem: string | null;
  } {
    let partial: Partial<ContainerRecord> = {};
    try {
      const stateText = this.read(this.statePath(id));
      if (stateText !== null) partial = salvageRecord(stateText, id);
    } catch {
      // unreadable: nothing to salvage
    }
    try {
      const cleanupText = this.read(this.cleanupPath(id));
      if (cleanupText === null) return { partial, cleanup: null, cleanupProblem: `${this.cleanupPath(id)}: missing` };
      return { partial, cleanup: parseCleanup(cleanupText, this.cleanupPath(id), id), cleanupProblem: null };
    } catch (err) {
      return { partial, cleanup: null, cleanupProblem: (err as Error).message };
    }
  }

  /** A file's text, or null when it does not exist. */
  private read(file: string): string | null {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new TsrunError('ERR_TSRUN_CORRUPT_STATE', `${file}: ${nodeErrorText(err)}`, { cause: err });
    }
  }

  /** Load, and fail as runc does for a container still being created. */
  require(id: string): ContainerRecord {
    const record = this.load(id);
    if (!record) throw new TsrunError('ERR_TSRUN_STATE', `container ${id} is still being created`);
    return record;
  }

  list(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** The directory holds only what tsrun wrote (state.json, cleanup.json, exec.fifo,
   * start-hooks.fifo, temp files, the notify directory): unlink the files and rmdir,
   * cheaper than a recursive rm. */
  remove(id: string): void {
    const dir = this.dir(id);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const entryPath = join(dir, entry.name);
      if (entry.isDirectory()) rmSync(entryPath, { recursive: true });
      else unlinkSync(entryPath);
    }
    rmdirSync(dir);
  }
}
