// The runtime under test: RUNTIME=... (default bin/tsrun), its version, and whether it is
// runc, for which the known deviations are todos.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');

/** Absolute path of the runtime under test: $RUNTIME, default <repo>/bin/tsrun. */
export function runtime(): string {
  const r = process.env.RUNTIME;
  return r ? path.resolve(r) : path.join(REPO, 'bin', 'tsrun');
}

let versionCache: string | undefined;
/** First line of `RUNTIME --version` ('' if it does not answer). */
function runtimeVersion(bin = runtime()): string {
  if (bin === runtime() && versionCache !== undefined) return versionCache;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20000 });
  const v = `${r.stdout ?? ''}`.split('\n')[0] ?? '';
  if (bin === runtime()) versionCache = v;
  return v;
}

/** True when the runtime under test is runc (known-deviation todos apply only then). */
export function isRunc(): boolean {
  return path.basename(runtime()) === 'runc' || /^runc version/.test(runtimeVersion());
}
