// The engine metrics: `podman run --rm IMAGE true` and `ctr run --rm IMAGE ID true`, each one
// hyperfine run over the runtimes given, every runtime under the same private engine. The
// engines are the ones the engine tests set up (test/engines/lib), torn down at the end, also
// after a failure or a SIGINT/SIGTERM (which first ends the hyperfine run in progress).
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Containerd, image as ctrImage, makeImageArchive } from '../test/engines/lib/ctr';
import { removeAll } from '../test/engines/lib/ctr-leaks';
import { image as podmanImage, Podman } from '../test/engines/lib/podman';
import { engineEnv } from '../test/engines/lib/runtime-under-test';

export interface Timing {
  runs: number;
  warmup: number;
}

/** A runtime row: its name in the table and the executable an engine calls. */
export interface Runtime {
  name: string;
  path: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const shell = (argv: string[]) => argv.map(quote).join(' ');

let current: ChildProcess | null = null;
let interrupted = false;
function onSignal(): void {
  interrupted = true;
  current?.kill('SIGTERM');
}

/** One hyperfine run: `commands` as name -> shell command, exported to `json`. */
function hyperfine(
  json: string,
  t: Timing,
  commands: [string, string][],
  opts: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<void> {
  if (interrupted) return Promise.reject(new Error('interrupted'));
  const args = ['-i', '--runs', String(t.runs), '--warmup', String(t.warmup), '--export-json', json];
  for (const [name, cmd] of commands) args.push('-n', name, cmd);
  const child = spawn('hyperfine', args, { stdio: 'inherit', env: opts.env, cwd: opts.cwd });
  current = child;
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      current = null;
      if (code === 0) resolve();
      else reject(new Error(`hyperfine: exit ${code ?? signal}`));
    });
  });
}

async function podmanMetric(out: string, t: Timing, runtimes: Runtime[]): Promise<void> {
  const pm = new Podman();
  try {
    pm.importImage();
    // globalArgs ends with `--runtime <runtime under test>`: each row names its own.
    const global = pm.globalArgs().slice(0, -2);
    const commands = runtimes.map((r): [string, string] => [
      r.name,
      shell(['podman', ...global, '--runtime', r.path, 'run', '--rm', ...pm.containerArgs(), podmanImage, 'true']),
    ]);
    await hyperfine(path.join(out, 'podman.json'), t, commands, { env: pm.env, cwd: pm.tmp });
  } finally {
    pm.teardown();
  }
}

async function ctrMetric(out: string, t: Timing, runtimes: Runtime[]): Promise<void> {
  const ctd = new Containerd();
  try {
    await ctd.start();
    const archive = makeImageArchive(ctd.dir);
    const imported = ctd.ctr(['images', 'import', '--base-name', 'localhost/busybox', archive]);
    if (imported.code !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
    const base = ['ctr', '--address', ctd.socket, '--namespace', ctd.namespace, 'run', '--rm'];
    const commands = runtimes.map((r, i): [string, string] => {
      const id = `bench-${i}`;
      return [r.name, shell([...base, ...ctd.runFlags(id, r.path), ctrImage, id, 'true'])];
    });
    await hyperfine(path.join(out, 'ctr.json'), t, commands, { env: engineEnv() });
  } finally {
    await ctd.stop();
    removeAll({
      dir: ctd.dir,
      pidFile: ctd.pidFile,
      cgroupParent: ctd.cgroupParent,
      namespace: ctd.namespace,
      hostRun: '/run/containerd',
    });
  }
}

/** Both engine metrics into `out`; a metric whose engine fails is reported and skipped. */
export async function engineMetrics(out: string, t: Timing, runtimes: Runtime[]): Promise<number> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failed = 0;
  for (const [name, metric] of [
    ['podman', podmanMetric],
    ['ctr', ctrMetric],
  ] as const) {
    try {
      await metric(out, t, runtimes);
    } catch (e) {
      failed++;
      console.error(`bench: ${name} skipped: ${(e as Error).message}`);
    }
  }
  return interrupted ? 130 : failed > 0 ? 1 : 0;
}
