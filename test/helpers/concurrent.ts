// For tests of commands that run at the same time: the runtime started without waiting
// for it, and a container's lock held by the test itself.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native } from '../../src/sys/native';
import type { CliResult, Harness } from './harness';

export interface Running {
  pid: number;
  /** Set once the command has exited. */
  result: CliResult | null;
  done: Promise<CliResult>;
}

/** Start `tsrun --root ROOT ARGS...` and return at once. Output goes to files, as in
 * Harness.cli: a detached container keeps its copies of stdout and stderr open. */
export function cliAsync(h: Harness, args: string[]): Running {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cli-'));
  const out = fs.openSync(path.join(dir, 'out'), 'w+');
  const err = fs.openSync(path.join(dir, 'err'), 'w+');
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(h.binary, ['--root', h.root, ...args], { env, stdio: ['ignore', out, err] });
  fs.closeSync(out);
  fs.closeSync(err);
  const running: Running = {
    pid: child.pid ?? -1,
    result: null,
    done: new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        const result = {
          code: code ?? (signal ? 128 : -1),
          stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'),
          stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8'),
        };
        fs.rmSync(dir, { recursive: true, force: true });
        running.result = result;
        resolve(result);
      });
    }),
  };
  return running;
}

/** Take the flock a tsrun command takes on a container (its state directory), as the
 * test; release() drops it. */
export function holdLock(dir: string, exclusive: boolean): { release(): void } {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  if (!native().tryLock(fd, exclusive)) {
    fs.closeSync(fd);
    throw new Error(`${dir} is locked already`);
  }
  return { release: () => fs.closeSync(fd) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
