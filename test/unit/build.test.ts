// The build a fresh machine repeats: scripts/check-node.sh refuses a Node.js older than
// package.json's engines.node in one line, and once `make` has run, a second `make` has
// nothing to do (no file target hangs on a phony prerequisite).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const repo = path.resolve(__dirname, '../..');

function checkNode(version: string): { code: number | null; stderr: string } {
  const r = spawnSync(path.join(repo, 'scripts/check-node.sh'), {
    encoding: 'utf8',
    env: { ...process.env, TSRUN_NODE_VERSION: version },
  });
  return { code: r.status, stderr: r.stderr };
}

t.test('check-node: an older Node.js is refused in one line naming both versions', async (t) => {
  const r = checkNode('18.19.0');
  t.equal(r.code, 1);
  t.equal(r.stderr, 'check-node: Node.js 18.19.0 is installed; tsrun needs 20 or newer (package.json engines.node)\n');
});

t.test('check-node: the version package.json asks for, and newer ones, pass', async (t) => {
  for (const v of ['20.0.0', '20.20.2', '22.1.0']) t.equal(checkNode(v).code, 0, v);
});

t.test('after make, make has nothing to do', async (t) => {
  const r = spawnSync('make', ['-q', 'all'], { cwd: repo, encoding: 'utf8' });
  t.equal(r.status, 0, 'make -q all: every target is up to date (run make first)');
});
