// The host's side of containers: the cgroup hierarchies (and removing a container's
// cgroup trees from them), a process's namespaces and signal handlers.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** All cgroup hierarchy mount points: /sys/fs/cgroup itself if cgroup2, else its subdirectories. */
export function cgroupHierarchies(): string[] {
  const base = '/sys/fs/cgroup';
  if (fs.existsSync(path.join(base, 'cgroup.controllers'))) return [base];
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(base, d.name));
}

/** rmdir a cgroup directory tree depth first; true when it is gone. */
export function rmdirTree(dir: string): boolean {
  let ents: fs.Dirent[];
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  for (const e of ents) if (e.isDirectory()) rmdirTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return !fs.existsSync(dir);
  }
}

/** Remove /sys/fs/cgroup/<h>/<name> trees; returns those that remain. */
export function removeCgroupTrees(name: string): string[] {
  const left: string[] = [];
  for (const h of cgroupHierarchies()) {
    const d = path.join(h, name);
    if (fs.existsSync(d) && !rmdirTree(d)) left.push(d);
  }
  return left;
}

/** Namespace inode number of /proc/<pid>/ns/<name> (readlink 'net:[123]'), or undefined. */
export function nsInode(pid: number | string, name: string): number | undefined {
  try {
    const l = fs.readlinkSync(`/proc/${pid}/ns/${name}`);
    const m = /\[(\d+)\]/.exec(l);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` has a handler for signal number `signal` (SigCgt in /proc/PID/status);
 * false when it is gone or unknown. */
export function catchesSignal(pid: number | undefined, signal: number): boolean {
  if (!pid) return false;
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(signal - 1))) !== 0n;
  } catch {
    return false;
  }
}
