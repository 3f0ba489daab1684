// V8 code caches for the bundle, one per command (Node 20 has no module.enableCompileCache).
// V8 accepts cached data made for any source of the same length, so a cache must never be
// read for another bundle: its file name carries the bundle's identity (the build id the
// bundler writes on its first line, its size, mtime and inode) and V8's version. Caches are
// an optimisation only: a failed read or write costs nothing and says nothing.
import { type BigIntStats, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../sys/atomic-file';

/** The first line of dist/tsrun.cjs, written by scripts/bundle.mjs: `// tsrun-build <hex>`. */
const BUILD_LINE = /^\/\/ tsrun-build ([0-9a-f]+)\n/;

export function buildIdOf(source: string): string | undefined {
  return BUILD_LINE.exec(source)?.[1];
}

/** What makes a cache valid for a bundle: any change to one of them is another key. */
export interface BundleIdentity {
  buildId: string;
  stat: Pick<BigIntStats, 'size' | 'mtimeNs' | 'ino'>;
  v8: string;
}

/** A file name for `command`'s cache of this bundle; undefined when the bundle has no build
 * id or the command is not a plain name (it is chosen from argv before anything checks it). */
export function cacheFileName(command: string | undefined, id: BundleIdentity): string | undefined {
  if (!command || !/^[a-z]+$/.test(command) || !/^[0-9a-f]+$/.test(id.buildId)) return undefined;
  const { size, mtimeNs, ino } = id.stat;
  const v8 = id.v8.replace(/[^0-9A-Za-z.-]/g, '_');
  return `${command}.${id.buildId}.${size}.${mtimeNs}.${ino}.${v8}.v8cache`;
}

export function readCache(dir: string, name: string): Buffer | undefined {
  try {
    return readFileSync(join(dir, name));
  } catch {
    return undefined;
  }
}

/** Atomically (temporary file, rename): a concurrent start reads the old cache or the new
 * one. The command's caches of other bundles are removed: no build will read them again. */
export function writeCache(dir: string, name: string, data: Uint8Array): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileAtomic(join(dir, name), data, () => String(process.pid), 0o644);
    const command = name.slice(0, name.indexOf('.') + 1);
    for (const old of readdirSync(dir))
      if (old !== name && old.startsWith(command) && old.endsWith('.v8cache')) rmSync(join(dir, old), { force: true });
  } catch {
    // a read-only install or a full disk: the next start compiles, as without a cache
  }
}
