// Reading one cgroup directory's stat files as runc's fscommon does: a value is a uint64
// ("max" is 2^64 - 1; a negative one, a kernel bug, reads as 0), a "key value" file is one
// pair a line. A file that is not there is told apart (StatFileError.missing): runc skips
// some of them and fails on others.
import { join } from 'node:path';
import { nodeErrorText } from '../../errno';
import { TsrunError } from '../../errors';
import type { CgroupFs } from '../manager';

export const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;

export class StatFileError extends TsrunError {
  constructor(
    message: string,
    /** The file (or its cgroup) does not exist. */
    readonly missing: boolean,
    options?: { cause?: unknown },
  ) {
    super('ERR_TSRUN_SYSCALL', message, options);
  }
}

/** Go's strconv.ParseUint(text, 10, 64), with fscommon's negative-as-zero. */
export function parseUint(text: string): bigint {
  if (/^[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value > MAX_UINT64) throw new Error(`strconv.ParseUint: parsing "${text}": value out of range`);
    return value;
  }
  if (/^-[0-9]+$/.test(text)) return 0n;
  throw new Error(`strconv.ParseUint: parsing "${text}": invalid syntax`);
}

/** Go's strconv.ParseInt(text, 10, 64). */
function parseInt64(text: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Error(`strconv.ParseInt: parsing "${text}": invalid syntax`);
  const value = BigInt(text);
  if (value > MAX_INT64 || value < -MAX_INT64 - 1n)
    throw new Error(`strconv.ParseInt: parsing "${text}": value out of range`);
  return value;
}

/** The lines of a file as Go's bufio.Scanner gives them: no empty last line. */
export function fileLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** One cgroup directory of one controller. */
export class StatDir {
  constructor(
    private readonly cgfs: CgroupFs,
    readonly dir: string,
  ) {}

  exists(): boolean {
    return this.cgfs.exists(this.dir);
  }

  /** "unable to parse DIR/FILE: why", runc's parse error. */
  parseError(file: string, why: string): StatFileError {
    return new StatFileError(`unable to parse ${join(this.dir, file)}: ${why}`, false);
  }

  /** The file's text; throws StatFileError (missing when ENOENT). */
  read(file: string): string {
    const p = join(this.dir, file);
    try {
      return this.cgfs.read(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new StatFileError(`open ${p}: ${nodeErrorText(err)}`, code === 'ENOENT' || code === 'ENOTDIR', {
        cause: err,
      });
    }
  }

  /** The file's text, or undefined when it does not exist. */
  readIfThere(file: string): string | undefined {
    try {
      return this.read(file);
    } catch (err) {
      if (err instanceof StatFileError && err.missing) return undefined;
      throw err;
    }
  }

  private parsed<T>(file: string, text: string, parse: (s: string) => T): T {
    try {
      return parse(text);
    } catch (err) {
      throw this.parseError(file, (err as Error).message);
    }
  }

  /** A one-value file as uint64 ("max" is 2^64 - 1): GetCgroupParamUint. */
  uint(file: string): bigint {
    const text = this.read(file).trim();
    return text === 'max' ? MAX_UINT64 : this.parsed(file, text, parseUint);
  }

  /** A one-value file as int64 ("max" is 2^63 - 1): GetCgroupParamInt. */
  int(file: string): bigint {
    const text = this.read(file).trim();
    return text === 'max' ? MAX_INT64 : this.parsed(file, text, parseInt64);
  }

  /** A "key value" file, in file order; a line of another shape is a parse error. */
  keyValues(file: string, text = this.read(file)): [string, bigint][] {
    return fileLines(text).map((line) => {
      const space = line.indexOf(' ');
      const key = space < 0 ? '' : line.slice(0, space);
      const value = space < 0 ? '' : line.slice(space + 1);
      if (key === '' || value === '') throw this.parseError(file, `line "${line}" is not in "key value" format`);
      return [key, this.parsed(file, value, parseUint)];
    });
  }

  /** The value of `key` in a "key value" file, 0 when absent: GetValueByKey. */
  valueByKey(file: string, key: string): bigint {
    const line = this.read(file)
      .split('\n')
      .find((l) => l.startsWith(`${key} `));
    return line === undefined ? 0n : this.parsed(file, line.slice(key.length + 1), parseUint);
  }
}
