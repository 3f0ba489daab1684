// One CommonJS file for fast start-up: every tsrun command starts a fresh Node.
// The addon (.node) and koffi stay outside the bundle and are loaded by path. package.json's
// version is inlined (src/container/version.ts imports the field; esbuild keeps only it).
// Its first line, `// tsrun-build <hash of the rest>`, is the build id that keys its V8 code
// caches (src/launch/code-cache.ts). dist/launch.cjs, which bin/tsrun runs, loads it with them.
// yargs (help, usage errors, completion) goes into a second file, dist/tsrun-help.cjs,
// which main.ts requires only on those paths: a valid command does not even read it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

// yargs and yargs-parser are ES modules that find their files from `import.meta.url`, which
// a CommonJS bundle lacks. They get a URL as if yargs sat in dist/node_modules/yargs: yargs'
// platform shim then reads its y18n locales from dist/locales (copied below) and looks for
// package.json from dist/ up, which finds tsrun's own.
// (`__filename` is the bundle's: yargs' shim declares a `__dirname` of its own.)
const importMetaUrl = "__bundlePathToFileURL(__filename + '/../node_modules/yargs/index.mjs').href";
const importUrl = "import { pathToFileURL as __bundlePathToFileURL } from 'node:url';\n";
const yargsImportMeta = {
  name: 'yargs-import-meta',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/](yargs|yargs-parser)[\\/].*\.m?js$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: importUrl + text.replaceAll('import.meta.url', importMetaUrl), loader: 'js' };
    });
  },
};

// main.ts's `require('./help/output')` and `require('./help/usage-error')` load the help file.
const helpFile = './tsrun-help.cjs';
const helpModules = {
  name: 'help-file',
  setup(b) {
    b.onResolve({ filter: /^\.\/help\/(output|usage-error)$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'cli', 'main.ts')) ? { path: helpFile, external: true } : undefined,
    );
  },
};

// The help file reads the command table, not its handlers: their lazy requires resolve to an
// empty module, so the file stands alone (Bun's compiler embeds it in bin/tsrun-bun).
const noHandlers = {
  name: 'no-handlers',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) =>
      args.kind === 'require-call' && args.importer.endsWith(path.join('src', 'cli', 'commands.ts'))
        ? { path: args.path, namespace: 'no-handler' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-handler' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

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
  plugins: [helpModules],
  write: false,
});
const text = result.outputFiles[0].text;
const buildId = createHash('sha256').update(text).digest('hex').slice(0, 16);
fs.writeFileSync('dist/tsrun.cjs', `// tsrun-build ${buildId}\n${text}`);

await build({ ...common, entryPoints: ['src/launch/main.ts'], outfile: 'dist/launch.cjs' });
await build({
  ...common,
  stdin: {
    contents:
      "export { yargsOutput } from './src/cli/help/output';\nexport { explainUsage } from './src/cli/help/usage-error';\n",
    resolveDir: '.',
    sourcefile: 'help-entry.ts',
    loader: 'ts',
  },
  outfile: `dist/${helpFile}`,
  plugins: [yargsImportMeta, noHandlers],
});

const locales = path.join('node_modules', 'yargs', 'locales');
fs.rmSync('dist/locales', { recursive: true, force: true });
fs.cpSync(locales, 'dist/locales', { recursive: true });
