// The runtime's command line, run as an engine would: `<runtime> --root <state dir> ...`,
// its stdout and stderr through files (a detached container keeps its copies open, so a
// pipe would not end), a timeout that kills, and no NODE_EXTRA_CA_CERTS in its env.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOpts {
  cwd?: string;
  timeoutMs?: number;
  /** file that receives the runtime's (and so the container's) stdout; default: a fresh tmp file */
  stdoutFile?: string;
  /** run the runtime through this prefix (e.g. ['nsenter', '-t', pid, '-m', '--']) */
  wrap?: string[];
  /** the runtime binary; default runtime() */
  runtime?: string;
  /** fds handed to the runtime as its 3, 4, ... (--preserve-fds) */
  extraFds?: number[];
  /** variables added to the runtime's environment (NOTIFY_SOCKET) */
  env?: NodeJS.ProcessEnv;
}

let seq = 0;

/** Runs `bin --root <root> ...args`; its stdout and stderr go through files made in `dir`
 * (also the default cwd), removed after unless opts.stdoutFile names the stdout's. */
export function runCli(bin: string, root: string, args: string[], dir: string, opts: CliOpts = {}): CliResult {
  const outFile = opts.stdoutFile ?? path.join(dir, `out-${++seq}`);
  const errFile = path.join(dir, `err-${++seq}`);
  const out = fs.openSync(outFile, 'a');
  const err = fs.openSync(errFile, 'w');
  const argv = [...(opts.wrap ?? []), bin, '--root', root, ...args];
  let r: ReturnType<typeof spawnSync>;
  try {
    r = spawnSync(argv[0] as string, argv.slice(1), {
      cwd: opts.cwd ?? dir,
      stdio: ['ignore', out, err, ...(opts.extraFds ?? [])],
      timeout: opts.timeoutMs ?? 60000,
      killSignal: 'SIGKILL',
      env: { ...envForRuntime(), ...opts.env },
    });
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  const res: CliResult = {
    code: r.status,
    signal: r.signal,
    stdout: readIf(outFile),
    stderr: readIf(errFile) + (r.error ? `\n[spawn error: ${r.error.message}]` : ''),
  };
  if (!opts.stdoutFile) fs.rmSync(outFile, { force: true });
  fs.rmSync(errFile, { force: true });
  return res;
}

function envForRuntime(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** A file's text, or '' when it cannot be read. */
export function readIf(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
