// One CommonJS file for fast start-up: every tsrun command starts a fresh Node.
// The addon (.node) and koffi stay outside the bundle and are loaded by path. package.json's
// version is inlined (src/container/version.ts imports the field; esbuild keeps only it).
// Its first line, `// tsrun-build <hash of the rest>`, is the build id that keys its V8 code
// caches (src/launch/code-cache.ts). dist/launch.cjs, which bin/tsrun runs, loads it with them.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const result = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/tsrun.cjs',
  external: ['koffi', '*.node'],
  write: false,
});
const text = result.outputFiles[0].text;
const buildId = createHash('sha256').update(text).digest('hex').slice(0, 16);
writeFileSync('dist/tsrun.cjs', `// tsrun-build ${buildId}\n${text}`);

await build({ ...common, entryPoints: ['src/launch/main.ts'], outfile: 'dist/launch.cjs' });
