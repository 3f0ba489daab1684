// Replace a file with new contents in one rename, in a directory others may write to
// (--pid-file goes where the caller says), and the state directory's files: a reader sees
// the old file or the new one, never a part.
import { closeSync, constants, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** Loaded only here: node:crypto costs a fresh Node about 8 ms, more than `state` may. */
function randomSuffix(): string {
  const { randomBytes }: typeof import('node:crypto') = require('node:crypto');
  return randomBytes(6).toString('hex');
}

/** Writes `text` to a new temporary file beside `file`, then renames it over `file`. The
 * temporary name has a random part and is created with O_CREAT|O_EXCL|O_NOFOLLOW, so a
 * symlink (or anything else) planted in the directory cannot redirect the write: the open
 * fails instead. rename replaces `file` itself, a symlink there included, never its target
 * (as runc). On any failure the temporary file is removed. */
export function writeFileAtomic(
  file: string,
  text: string | Uint8Array,
  suffix: () => string = randomSuffix,
  mode = 0o666,
): void {
  const tmp = join(dirname(file), `.${basename(file)}.${suffix()}.tmp`);
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
