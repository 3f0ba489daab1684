// The state directory: ROOT/ID holds state.json and, until `start`, exec.fifo; the
// directory itself is the container's lock (lock.ts). It is made with an exclusive mkdir,
// so a duplicate ID touches nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TsrunError } from '../errors';
import { nodeErrorText } from '../errno';
import { STATE_VERSION, type ContainerRecord } from './types';

const validId = /^[\w+\-.]+$/;

export function checkId(id: string): void {
  if (!validId.test(id) || id === '.' || id === '..')
    throw new TsrunError('ERR_TSRUN_USAGE', `invalid container id format: ${id}`);
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }

  fifoPath(id: string): string {
    return path.join(this.dir(id), 'exec.fifo');
  }

  /** Make ROOT/ID; fails if the container exists. */
  reserve(id: string): string {
    checkId(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(id);
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new TsrunError('ERR_TSRUN_STATE', `container with id exists: ${id}`);
      throw new TsrunError('ERR_TSRUN_SYSCALL', `mkdir ${dir}: ${nodeErrorText(err)}`, { cause: err });
    }
    return dir;
  }

  /** Write state.json atomically (temp file + rename). */
  save(record: ContainerRecord): void {
    const file = path.join(this.dir(record.id), 'state.json');
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  /** The record, or null while the container is still being created. Throws NOT_FOUND. */
  load(id: string): ContainerRecord | null {
    checkId(id);
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir(id), 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (fs.existsSync(this.dir(id))) return null;
      throw new TsrunError('ERR_TSRUN_NOT_FOUND', `container does not exist: ${id}`);
    }
    const record = JSON.parse(text) as ContainerRecord;
    if (record.version !== STATE_VERSION)
      throw new TsrunError(
        'ERR_TSRUN_STATE',
        `container ${id}: state written by an incompatible tsrun (version ${record.version})`,
      );
    return record;
  }

  /** Load, and fail as runc does for a container still being created. */
  require(id: string): ContainerRecord {
    const record = this.load(id);
    if (!record) throw new TsrunError('ERR_TSRUN_STATE', `container ${id} is still being created`);
    return record;
  }

  list(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** The directory holds only files tsrun wrote (state.json, exec.fifo, temp files):
   * unlink them and rmdir, cheaper than a recursive rm. */
  remove(id: string): void {
    const dir = this.dir(id);
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) fs.unlinkSync(path.join(dir, entry));
    fs.rmdirSync(dir);
  }
}
