// The launcher's V8 code caches (src/launch/): a cache is read only for the bundle and V8 it
// was made for, never for a changed bundle of the same length (which V8 itself would accept);
// it is written once, after a successful run that had none, and a failed write is silent.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { type BundleIdentity, buildIdOf, cacheFileName } from '../../src/launch/code-cache';

const repo = path.resolve(__dirname, '../..');
const loader = pathToFileURL(path.join(repo, 'node_modules', '@tapjs', 'typescript', 'dist', 'esm', 'import.mjs'));

/** test/fixtures/launch-once.ts in a fresh Node: what it did with the cache, and what ran. */
function launch(bundle: string, cacheDir: string, command: string | undefined, exitCode = 0) {
  const fixture = path.join(repo, 'test', 'fixtures', 'launch-once.ts');
  const r = spawnSync(
    process.execPath,
    [`--import=${loader.href}`, fixture, bundle, cacheDir, command ?? '-', String(exitCode)],
    { encoding: 'utf8', cwd: repo },
  );
  if (r.status !== exitCode) throw new Error(`launch-once: ${r.status} ${r.stderr}`);
  return JSON.parse(r.stdout) as { cache: string; value: string };
}

const identity: BundleIdentity = {
  buildId: '0123456789abcdef',
  stat: { size: 1000n, mtimeNs: 1796167408138199086n, ino: 42n },
  v8: '11.3.244.8-node.38',
};

t.test('the file name changes with every part of the identity, and only with a plain command', async (t) => {
  const base = cacheFileName('run', identity);
  t.ok(base?.startsWith('run.'));
  const changed: BundleIdentity[] = [
    { ...identity, buildId: '0123456789abcdee' },
    { ...identity, stat: { ...identity.stat, size: 1001n } },
    { ...identity, stat: { ...identity.stat, mtimeNs: identity.stat.mtimeNs + 1n } },
    { ...identity, stat: { ...identity.stat, ino: 43n } },
    { ...identity, v8: '11.3.244.9-node.38' },
  ];
  for (const id of changed)
    t.not(
      cacheFileName('run', id),
      base,
      JSON.stringify(id, (_k, v) => String(v)),
    );
  t.not(cacheFileName('state', identity), base);
  for (const cmd of [undefined, '', '/run/x', '../x', 'Run', 'a.b']) t.equal(cacheFileName(cmd, identity), undefined);
  t.equal(cacheFileName('run', { ...identity, buildId: '../x' }), undefined);
});

t.test('the build id is read from the bundle first line only', async (t) => {
  t.equal(buildIdOf('// tsrun-build 00ff\n"use strict";'), '00ff');
  t.equal(buildIdOf('"use strict";\n// tsrun-build 00ff\n'), undefined);
});

function setup(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-code-cache-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'tsrun.cjs');
  const cacheDir = path.join(dir, 'code-cache');
  // A bundle that records that it ran, and its __dirname.
  const write = (id: string, value: string) =>
    fs.writeFileSync(bundle, `// tsrun-build ${id}\nglobalThis.codeCacheTest = { value: __dirname + ':${value}' };\n`);
  return { dir, bundle, cacheDir, write };
}

t.test('a run without a cache writes one; the next run reads it and writes nothing', async (t) => {
  const { dir, bundle, cacheDir, write } = setup(t);
  write('aaaa', 'one');
  t.same(launch(bundle, cacheDir, 'run'), { cache: 'none', value: `${dir}:one` });
  const files = fs.readdirSync(cacheDir);
  t.equal(files.length, 1);
  const before = fs.statSync(path.join(cacheDir, files[0]!), { bigint: true }).mtimeNs;
  t.same(launch(bundle, cacheDir, 'run'), { cache: 'accepted', value: `${dir}:one` });
  t.same(fs.readdirSync(cacheDir), files);
  t.equal(fs.statSync(path.join(cacheDir, files[0]!), { bigint: true }).mtimeNs, before, 'not rewritten');
});

t.test('a failed command writes no cache', async (t) => {
  const { bundle, cacheDir, write } = setup(t);
  write('aaaa', 'one');
  launch(bundle, cacheDir, 'run', 1);
  t.notOk(fs.existsSync(cacheDir));
});

t.test('a changed bundle of the same length never reads the old cache, which is replaced', async (t) => {
  const { dir, bundle, cacheDir, write } = setup(t);
  write('aaaa', 'one');
  launch(bundle, cacheDir, 'run');
  const old = fs.readdirSync(cacheDir);
  write('bbbb', 'two');
  t.same(launch(bundle, cacheDir, 'run'), { cache: 'none', value: `${dir}:two` });
  const now = fs.readdirSync(cacheDir);
  t.equal(now.length, 1, 'the old cache is removed');
  t.not(now[0], old[0]);
  // The same build id written again (a hand edit that kept the first line): a new mtime.
  write('bbbb', 'six');
  t.same(launch(bundle, cacheDir, 'run'), { cache: 'none', value: `${dir}:six` });
  // A damaged cache file is refused by V8 (cachedDataRejected), and made again.
  const name = fs.readdirSync(cacheDir)[0]!;
  fs.writeFileSync(path.join(cacheDir, name), Buffer.alloc(4096, 7));
  t.same(launch(bundle, cacheDir, 'run'), { cache: 'rejected', value: `${dir}:six` });
  t.equal(launch(bundle, cacheDir, 'run').cache, 'accepted');
});

t.test('caches are per command', async (t) => {
  const { bundle, cacheDir, write } = setup(t);
  write('aaaa', 'one');
  launch(bundle, cacheDir, 'run');
  t.equal(launch(bundle, cacheDir, 'state').cache, 'none');
  t.equal(launch(bundle, cacheDir, 'run').cache, 'accepted');
  t.equal(launch(bundle, cacheDir, 'state').cache, 'accepted');
});

t.test('a cache directory that cannot be made costs nothing and says nothing', async (t) => {
  const { dir, bundle, write } = setup(t);
  write('aaaa', 'one');
  const blocked = path.join(dir, 'not-a-dir');
  fs.writeFileSync(blocked, '');
  t.same(launch(bundle, path.join(blocked, 'code-cache'), 'run'), { cache: 'none', value: `${dir}:one` });
  t.equal(launch(bundle, path.join(blocked, 'code-cache'), 'run').cache, 'none');
});

t.test('without a build id or a command name, no cache is read or written', async (t) => {
  const { bundle, cacheDir } = setup(t);
  fs.writeFileSync(bundle, 'globalThis.codeCacheTest = { value: "plain" };\n');
  t.same(launch(bundle, cacheDir, 'run'), { cache: 'none', value: 'plain' });
  t.notOk(fs.existsSync(cacheDir));
  fs.writeFileSync(bundle, '// tsrun-build aaaa\nglobalThis.codeCacheTest = { value: "plain" };\n');
  launch(bundle, cacheDir, undefined);
  t.notOk(fs.existsSync(cacheDir));
});
