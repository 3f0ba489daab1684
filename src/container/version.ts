// Versions. tsrun's own comes from package.json, the one place it is written: esbuild
// inlines the field into dist/tsrun.cjs at build time (nothing reads package.json when a
// command runs); from sources (tests) it is an ordinary JSON require.
import { version } from '../../package.json';

/** The runtime-spec version tsrun implements (the state's ociVersion). */
export const OCI_VERSION = '1.3.0';
/** tsrun's version, package.json's "version". */
export const TSRUN_VERSION: string = version;
/** The JavaScript engine running tsrun, as `--version` names it: `bun: 1.x` or `node: v20.x`. */
export function engineVersion(): string {
  const bun = process.versions.bun;
  return bun ? `bun: ${bun}` : `node: ${process.version}`;
}
