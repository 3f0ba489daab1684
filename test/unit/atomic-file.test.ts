// writeFileAtomic (--pid-file): a planted temporary name cannot redirect the write.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { writeFileAtomic } from '../../src/sys/atomic-file';

function tmpdir(t: any): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-atomic-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('writes the file through a random temporary name and leaves nothing else', async (t) => {
  const dir = tmpdir(t);
  writeFileAtomic(path.join(dir, 'pid'), '42');
  writeFileAtomic(path.join(dir, 'pid'), '43');
  t.equal(fs.readFileSync(path.join(dir, 'pid'), 'utf8'), '43');
  t.same(fs.readdirSync(dir), ['pid']);
});

t.test('a symlink at the temporary name is not followed: the write fails, its target is untouched', async (t) => {
  const dir = tmpdir(t);
  const outside = path.join(dir, 'outside');
  fs.writeFileSync(outside, 'untouched');
  fs.mkdirSync(path.join(dir, 'run'));
  fs.symlinkSync(outside, path.join(dir, 'run', '.pid.fixed.tmp'));
  t.throws(() => writeFileAtomic(path.join(dir, 'run', 'pid'), '42', () => 'fixed'), { code: 'EEXIST' });
  t.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
  t.same(fs.readdirSync(path.join(dir, 'run')), ['.pid.fixed.tmp'], 'the planted link is left alone, no pid file');
  fs.unlinkSync(path.join(dir, 'run', '.pid.fixed.tmp'));
  fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, 'run', '.pid.fixed.tmp'));
  t.throws(
    () => writeFileAtomic(path.join(dir, 'run', 'pid'), '42', () => 'fixed'),
    { code: 'EEXIST' },
    'a dangling link neither',
  );
  t.notOk(fs.existsSync(path.join(dir, 'missing')));
});

t.test('a symlink at the final name is replaced, not followed (as runc)', async (t) => {
  const dir = tmpdir(t);
  const outside = path.join(dir, 'outside');
  fs.writeFileSync(outside, 'untouched');
  fs.symlinkSync(outside, path.join(dir, 'pid'));
  writeFileAtomic(path.join(dir, 'pid'), '42');
  t.ok(fs.lstatSync(path.join(dir, 'pid')).isFile());
  t.equal(fs.readFileSync(path.join(dir, 'pid'), 'utf8'), '42');
  t.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
});

t.test('a failed rename removes the temporary file', async (t) => {
  const dir = tmpdir(t);
  fs.mkdirSync(path.join(dir, 'pid'));
  fs.writeFileSync(path.join(dir, 'pid', 'x'), '');
  t.throws(() => writeFileAtomic(path.join(dir, 'pid'), '42'));
  t.same(fs.readdirSync(dir), ['pid']);
});
