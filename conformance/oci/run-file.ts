// One validation test file, run in isolation: its own TMPDIR (mode 0755: the bundles must be
// reachable by a user namespace's mapped uids), its own session and process group (setsid),
// cwd the suite's directory, stdin /dev/null, stdout and stderr into files (a container that
// keeps a copy of them open must not keep us waiting), and a timeout that kills the group.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RawRun {
  name: string;
  stdout: string;
  stderr: string;
  /** exit status, null when killed by a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  wallMs: number;
  /** the file's TMPDIR (still present: cleanup removes it) */
  tmpdir: string;
  /** the file's process group id (= its pid; 0 when it could not be started) */
  pgid: number;
}

export interface RunFileOpts {
  suiteDir: string;
  name: string;
  /** absolute path of the runtime binary (RUNTIME for the suite) */
  runtime: string;
  timeoutMs: number;
  /** where NAME.stdout and NAME.stderr are written */
  logDir: string;
}

/** The environment the suite (and through it the runtime) runs with. */
function suiteEnv(runtime: string, tmpdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, RUNTIME: runtime, TMPDIR: tmpdir };
  delete env.NODE_EXTRA_CA_CERTS; // it slows every start of a Node runtime
  return env;
}

export async function runFile(o: RunFileOpts): Promise<RawRun> {
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), `oci-validation-${o.name}-`));
  fs.chmodSync(tmpdir, 0o755);
  fs.mkdirSync(o.logDir, { recursive: true });
  const outFile = path.join(o.logDir, `${o.name}.stdout`);
  const errFile = path.join(o.logDir, `${o.name}.stderr`);
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  const started = Date.now();
  let timedOut = false;
  let pgid = 0;
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // detached: the child calls setsid(), so it leads a new session and process group.
    const child = spawn(path.join('validation', o.name, `${o.name}.t`), [], {
      cwd: o.suiteDir,
      env: suiteEnv(o.runtime, tmpdir),
      stdio: ['ignore', out, err],
      detached: true,
    });
    pgid = child.pid ?? 0;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(pgid);
    }, o.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fs.appendFileSync(errFile, `[harness: cannot start: ${e.message}]\n`);
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  fs.closeSync(out);
  fs.closeSync(err);
  return {
    name: o.name,
    stdout: fs.readFileSync(outFile, 'utf8'),
    stderr: fs.readFileSync(errFile, 'utf8'),
    ...exit,
    timedOut,
    wallMs: Date.now() - started,
    tmpdir,
    pgid,
  };
}

/** SIGKILL to every process of group `pgid`; false when the group has no process left. */
export function killGroup(pgid: number): boolean {
  if (pgid <= 1) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
