// Compile and run the bundle as a CommonJS module through a V8 code cache (code-cache.ts),
// as Node's loader would, minus the cache. The bundle's command runs on after this returns
// (it is async); `finish` is called with the exit code when the process exits.
import { type BigIntStats, closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { buildIdOf, cacheFileName, readCache, writeCache } from './code-cache';

export interface Launched {
  /** What became of the cache file for this bundle and command. */
  cache: 'none' | 'accepted' | 'rejected';
  /** After a successful run without a usable cache, store one made now: it holds the
   * functions the command compiled lazily, so the next run of it compiles almost nothing.
   * A run never reads the cache it writes. */
  finish(exitCode: number): void;
}

type ModuleFunction = (exports: object, require: NodeJS.Require, module: object, file: string, dir: string) => void;

export function launch(bundle: string, cacheDir: string, command: string | undefined): Launched {
  const fd = openSync(bundle, 'r');
  let source: string;
  let stat: BigIntStats;
  try {
    stat = fstatSync(fd, { bigint: true });
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const buildId = buildIdOf(source);
  const name = buildId ? cacheFileName(command, { buildId, stat, v8: process.versions.v8 }) : undefined;
  const cachedData = name ? readCache(cacheDir, name) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  const module = { exports: {}, filename: bundle, id: '.', loaded: false };
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return {
    cache,
    finish(exitCode) {
      if (name && cache !== 'accepted' && exitCode === 0) writeCache(cacheDir, name, script.createCachedData());
    },
  };
}
