// scripts/lint.sh, the check `make lint` and CI run, proven able to fail: a tree with one
// misformatted or lint-failing file is refused, the same tree made clean passes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';

const repo = path.resolve(__dirname, '../..');

/** A throwaway git tree holding `files` and this repository's lint configuration. */
function lintTree(t: Test, files: Record<string, string>): { code: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-lint-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const config of ['biome.jsonc', '.clang-format'])
    fs.copyFileSync(path.join(repo, config), path.join(dir, config));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  spawnSync('git', ['init', '-q', dir]);
  spawnSync('git', ['-C', dir, 'add', '.']);
  const r = spawnSync(path.join(repo, 'scripts/lint.sh'), [dir], { encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

const cleanTs = 'export function twice(n: number): number {\n  return n * 2;\n}\n';
const cleanCc = 'int twice(int n) { return n * 2; }\n';

t.test('a clean tree passes', async (t) => {
  const r = lintTree(t, { 'a.ts': cleanTs, 'a.cc': cleanCc });
  t.equal(r.code, 0, r.output);
});

t.test('misformatted TypeScript fails', async (t) => {
  const r = lintTree(t, { 'a.ts': 'export function twice(n:number):number{return n*2}\n', 'a.cc': cleanCc });
  t.equal(r.code, 1);
  t.match(r.output, /a\.ts/);
});

t.test('a lint finding in well-formatted TypeScript fails', async (t) => {
  const r = lintTree(t, { 'a.ts': 'export function f(x: any): any {\n  return x;\n}\n', 'a.cc': cleanCc });
  t.equal(r.code, 1);
  t.match(r.output, /noExplicitAny/);
});

t.test('misformatted C++ fails', async (t) => {
  const r = lintTree(t, { 'a.ts': cleanTs, 'a.cc': 'int twice(int n)\n{\n    return n*2;\n}\n' });
  t.equal(r.code, 1);
  t.match(r.output, /a\.cc/);
});
