// The executables make builds: bin/tsrun-node (the bundle on Node) and, where Bun is
// installed, bin/tsrun-bun (Bun's single-file executable of the same bundle), each naming
// its engine in --version, and bin/tsrun a link to one of them. Bun bakes the build
// directory into the executable's __dirname, so the executable must find the addon, koffi
// and the validators from its own real path: a copy elsewhere without them fails naming
// where it looked, and with them beside it runs a container, reached through a symlink.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { harness, repo } from '../helpers/harness';

const bunExecutable = path.join(repo, 'bin', 'tsrun-bun');
const hasBun = fs.existsSync(bunExecutable);

function version(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', cwd: os.tmpdir() });
  return `${r.stdout}${r.stderr}`;
}

t.test('bin/tsrun links to one engine, and --version names each engine', async (t) => {
  t.match(fs.readlinkSync(path.join(repo, 'bin', 'tsrun')), /^tsrun-(node|bun)$/);
  t.match(version(path.join(repo, 'bin', 'tsrun-node')), /^node: v\d+\.\d+\.\d+$/m);
  if (hasBun) t.match(version(bunExecutable), /^bun: \d+\.\d+\.\d+$/m);
});

// The copy's tree: bin/tsrun-bun (a hard link, or a copy across file systems) and, once
// given, the rest of an install beside it as links into this repository.
const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-exe-'));
const copy = path.join(tree, 'bin', 'tsrun-bun');
const link = path.join(tree, 'tsrun');
if (hasBun) {
  fs.mkdirSync(path.dirname(copy));
  try {
    fs.linkSync(bunExecutable, copy);
  } catch {
    fs.copyFileSync(bunExecutable, copy);
  }
  fs.symlinkSync(copy, link);
}
t.teardown(() => fs.rmSync(tree, { recursive: true, force: true }));
const h = harness(t, link);

t.test('the Bun executable finds its files from its own path', { skip: !hasBun && 'no bin/tsrun-bun' }, async (t) => {
  const id = h.id('exe');
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/true'];
  });
  const alone = h.cli(['run', '--bundle', bundle, id], { cwd: tree });
  t.not(alone.code, 0, 'without an install beside it');
  // The validators are inside the bundle; the addon is the first file it needs from disk.
  const addon = path.join(tree, 'addon', 'build', 'Release', 'tsrun.node');
  t.match(alone.stderr, `looked in: ${addon}`, 'it looked beside itself');
  h.cli(['delete', '-f', id]);

  for (const entry of ['addon', 'dist', 'node_modules', 'package.json'])
    fs.symlinkSync(path.join(repo, entry), path.join(tree, entry));
  const ran = h.cli(['run', '--bundle', bundle, id], { cwd: tree });
  t.equal(ran.code, 0, `runs with the install beside it: ${ran.stderr}`);
  const features = JSON.parse(h.cli(['features'], { cwd: tree }).stdout);
  t.match(features.annotations['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/, 'koffi loads libseccomp');
});
