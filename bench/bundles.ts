// The bench's bundles: bundles/probe/config.json with the shared rootfs, the process, a
// cgroupsPath of its own (so no two containers share one) and, for the mount metric, N bind
// mounts of one host directory.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BundleOptions {
  rootfs: string;
  cgroupsPath: string;
  args: string[];
  resources?: Record<string, unknown>;
  /** Bind-mount `source` at /mnt/b0 ... /mnt/b{count-1}. */
  binds?: { count: number; source: string };
}

// biome-ignore lint/suspicious/noExplicitAny: config.json as read, changed in a few fields
function benchConfig(base: any, o: BundleOptions): any {
  const c = structuredClone(base);
  c.root.path = o.rootfs;
  c.process.args = o.args;
  c.linux.cgroupsPath = o.cgroupsPath;
  c.linux.resources = { ...c.linux.resources, ...o.resources };
  if (o.binds) {
    for (let i = 0; i < o.binds.count; i++) {
      c.mounts.push({ destination: `/mnt/b${i}`, type: 'bind', source: o.binds.source, options: ['bind'] });
    }
  }
  return c;
}

/** Writes DIR/config.json; with `count`, DIR-1 ... DIR-count, cgroupsPath suffixed -1 ... */
export function writeBundles(base: string, dir: string, o: BundleOptions, count?: number): void {
  const config = JSON.parse(fs.readFileSync(base, 'utf8'));
  const dirs =
    count === undefined
      ? [[dir, o.cgroupsPath]]
      : [...Array(count)].map((_, i) => [`${dir}-${i + 1}`, `${o.cgroupsPath}-${i + 1}`]);
  for (const [d, cgroupsPath] of dirs as [string, string][]) {
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(benchConfig(config, { ...o, cgroupsPath }), null, 2));
  }
}
