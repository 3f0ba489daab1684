// What a containerd test file can leave on the host, found by what marks it as ours: the
// daemon's pid file, processes whose command line, cwd, root or cgroup names our tmpdir or
// cgroup parent (the shims carry the daemon's socket path in their arguments), mounts under
// the tmpdir (netns bind-mounts included), cgroups under the parent, and directories named
// after our ctr namespace in the host's /run/containerd (another engine's containerd, run
// by a test file alongside, may use /run/containerd itself: only ours count).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alive, mountPointsUnder } from '../../helpers/leftovers';
import { type EngineScope, removeScope, scopeCgroups, scopeProcesses } from './engine-scope';

export interface Scope {
  /** The tmpdir that holds everything. */
  dir: string;
  /** The daemon's pid file. */
  pidFile: string;
  /** The cgroup parent, "/tsrun-test-...". */
  cgroupParent: string;
  /** Our ctr namespace. */
  namespace: string;
  /** The host's containerd state directory, /run/containerd (a test plants a leak elsewhere). */
  hostRun: string;
}

function link(pid: number, name: string): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/${name}`);
  } catch {
    return '';
  }
}

function daemonPid(scope: Scope): number {
  try {
    return Number(fs.readFileSync(scope.pidFile, 'utf8'));
  } catch {
    return 0;
  }
}

/** One line for each thing left behind; [] when nothing is. */
export function ctrLeftovers(scope: Scope): string[] {
  const left: string[] = [];
  const daemon = daemonPid(scope);
  if (daemon > 0 && alive(daemon)) left.push(`daemon pid ${daemon} (pid file ${scope.pidFile})`);
  for (const pid of scopeProcesses(engineScope(scope))) {
    if (pid !== daemon) left.push(`process ${pid}: ${link(pid, 'exe')}`);
  }
  for (const m of mountPointsUnder(scope.dir)) left.push(`mount ${m}`);
  for (const c of scopeCgroups(engineScope(scope))) left.push(`cgroup ${c}`);
  // Where containerd 1.6 and its runc shim keep a namespace's state when /run is the host's.
  for (const sub of ['runc', 'io.containerd.runtime.v2.task']) {
    const p = path.join(scope.hostRun, sub, scope.namespace);
    if (fs.existsSync(p)) left.push(`host directory ${p}`);
  }
  return left;
}

/** Remove whatever is left (processes by pid after checking they are still ours, mounts under
 * the tmpdir, the cgroups and their parent) and the tmpdir itself. */
export function removeAll(scope: Scope): void {
  removeScope(engineScope(scope));
}

function engineScope(scope: Scope): EngineScope {
  return { dir: scope.dir, cgroupParent: scope.cgroupParent };
}
