// Host mounts a test makes as bind sources (a tree with a submount, a read-only source):
// under a directory of its own outside the harness's tmpdir, unmounted by path (only the
// mounts made here) and removed when the test ends.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mountPointsUnder } from './leftovers';

export interface HostMounts {
  /** The directory the test's mounts are made under. */
  dir: string;
  /** Mounts a tmpfs at dir/rel (created), its per-mount flags then set to `options` (a
   * bind remount: "ro" makes the mount read-only, not the filesystem), returns its path. */
  tmpfs(rel: string, options: string[]): string;
}

export function hostMounts(t: { teardown(fn: () => void): void }): HostMounts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-mnt-'));
  fs.chmodSync(dir, 0o755);
  const made: string[] = [];
  t.teardown(() => {
    for (const at of made.reverse()) spawnSync('umount', [at]);
    // Never rm through a mount that failed to go.
    const left = mountPointsUnder(dir);
    if (left.length > 0) throw new Error(`host mounts left: ${left.join(', ')}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    tmpfs(rel, options) {
      const at = path.join(dir, rel);
      fs.mkdirSync(at, { recursive: true });
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', at]);
      if (r.status !== 0) throw new Error(`mount tmpfs on ${at}: ${r.stderr}`);
      made.push(at);
      if (options.length === 0) return at;
      const f = spawnSync('mount', ['-o', ['remount', 'bind', ...options].join(','), at]);
      if (f.status !== 0) throw new Error(`remount ${at} ${options}: ${f.stderr}`);
      return at;
    },
  };
}
