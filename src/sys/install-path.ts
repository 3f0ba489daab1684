// Where tsrun's files outside its JavaScript live: the addon (addon/build), the schema
// validators (dist/validators.cjs) and koffi (node_modules). One answer for every way tsrun
// runs: the bundle dist/tsrun.cjs (on Node, or on Bun), the sources (tests: src/<dir>/), and
// the Bun executable bin/tsrun-bun. In that executable __dirname is the build machine's
// directory baked in, so the root is found from the executable's real path instead.
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let root: string | undefined;

/** Bun's single-file executables run their code from the embedded /$bunfs/ file system. */
function inBunExecutable(): boolean {
  const main = (globalThis as { Bun?: { main?: string } }).Bun?.main;
  return main?.startsWith('/$bunfs/') === true;
}

function installRoot(): string {
  if (root === undefined) {
    if (inBunExecutable()) root = dirname(dirname(realpathSync(process.execPath)));
    else root = basename(__dirname) === 'dist' ? dirname(__dirname) : join(__dirname, '..', '..');
  }
  return root;
}

/** The absolute path of `parts` below the repository (or installed package) root. */
export function installPath(...parts: string[]): string {
  return join(installRoot(), ...parts);
}
