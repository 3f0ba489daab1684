// The runtime every engine test drives: bin/tsrun, unless ENGINE_RUNTIME names another
// (`ENGINE_RUNTIME=/usr/sbin/runc make test-engines` runs the same scenarios with runc, which
// proves the tests). The one place the engines' libs learn it from.
import * as path from 'node:path';
import { repo } from '../../helpers/harness';

export const engineRuntime = process.env.ENGINE_RUNTIME ?? path.join(repo, 'bin', 'tsrun');

/** runc as the runtime: where it deviates, a test says so (todo) only then. */
export const isRunc = path.basename(engineRuntime) === 'runc';

/** The environment of a daemon, its shims and so of the runtime, as an engine on a host
 * would have it: no NODE_EXTRA_CA_CERTS (it slows every Node start, and node warns on stderr
 * when it names a missing file, which engines show as the runtime's error), and none of
 * tap's variables (its NODE_OPTIONS would load tap's process tracker into every runtime call). */
export function engineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'NODE_EXTRA_CA_CERTS' || key === 'NODE_OPTIONS' || /^(TAP|_TAPJS_|TS_NODE_)/.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}
