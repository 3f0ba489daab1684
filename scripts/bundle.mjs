// One CommonJS file for fast start-up: every tsrun command starts a fresh Node.
// The addon (.node) and koffi stay outside the bundle and are loaded by path. package.json's
// version is inlined (src/container/version.ts imports the field; esbuild keeps only it).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/tsrun.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  legalComments: 'none',
  external: ['koffi', '*.node', './validators.cjs'],
  logLevel: 'warning',
});
