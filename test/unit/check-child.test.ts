// scripts/check-child.sh is the build's proof of DESIGN section 1: it must trip on a child
// object that calls something outside its allowlist, and on an addon linked for lazy
// binding. Needs gcc (no privileges).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';

const repo = path.resolve(__dirname, '..', '..');
const script = path.join(repo, 'scripts', 'check-child.sh');

function layout(childSource: string, linkFlags: string[]): { objDir: string; cleanup: () => void } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-check-child-'));
  const objDir = path.join(top, 'Release', 'obj.target');
  const childDir = path.join(objDir, 'tsrun', 'src', 'child');
  fs.mkdirSync(childDir, { recursive: true });
  const src = path.join(top, 'x.c');
  fs.writeFileSync(src, childSource);
  const obj = path.join(childDir, 'x.o');
  const cc = spawnSync('gcc', ['-c', '-fPIC', '-O2', '-o', obj, src], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);
  const so = spawnSync('gcc', ['-shared', ...linkFlags, '-o', path.join(top, 'Release', 'tsrun.node'), obj], {
    encoding: 'utf8',
  });
  if (so.status !== 0) throw new Error(so.stderr);
  return { objDir, cleanup: () => fs.rmSync(top, { recursive: true, force: true }) };
}

function check(objDir: string) {
  return spawnSync('bash', [script, objDir], { encoding: 'utf8' });
}

const clean = 'long syscall(long, ...); long f(void) { return syscall(39); }\n';

t.test('a clean child object linked with -z now passes', async (t) => {
  const { objDir, cleanup } = layout(clean, ['-Wl,-z,now']);
  t.teardown(cleanup);
  const r = check(objDir);
  t.equal(r.status, 0, r.stderr);
});

t.test('a child object calling malloc fails the build, naming it', async (t) => {
  const { objDir, cleanup } = layout('#include <stdlib.h>\nvoid *f(void) { return malloc(8); }\n', ['-Wl,-z,now']);
  t.teardown(cleanup);
  const r = check(objDir);
  t.equal(r.status, 1);
  t.match(r.stderr, /undefined symbol 'malloc'/);
});

t.test('an addon linked for lazy binding fails the build', async (t) => {
  const { objDir, cleanup } = layout(clean, ['-Wl,-z,lazy']);
  t.teardown(cleanup);
  const r = check(objDir);
  t.equal(r.status, 1);
  t.match(r.stderr, /not linked with -z now/);
});
