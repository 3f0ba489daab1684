// conformance/oci-expected's format (conformance/oci/expected.ts), and the real file: one
// well-formed entry per validation file, every exception with a class and a reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { CLASSES, loadExpected, parseExpected } from '../../conformance/oci/expected';

const repo = path.resolve(__dirname, '..', '..');

t.test('entries, counts, continuation lines and comments', async (t) => {
  const e = parseExpected(
    [
      '# comment',
      'create PASS',
      'kill PASS passes; a note',
      'delete compat 3/5 first part',
      '  second part',
      '   # an indented comment',
      '',
      'hooks todo hooks (the hooks/exec/terminal work)',
    ].join('\n'),
  );
  t.same(
    e.map(({ name, outcome, count, reason }) => ({ name, outcome, count, reason })),
    [
      { name: 'create', outcome: 'PASS', count: undefined, reason: '' },
      { name: 'kill', outcome: 'PASS', count: undefined, reason: 'passes; a note' },
      { name: 'delete', outcome: 'compat', count: { ok: 3, total: 5 }, reason: 'first part second part' },
      { name: 'hooks', outcome: 'todo', count: undefined, reason: 'hooks (the hooks/exec/terminal work)' },
    ],
  );
  t.equal(e[2]?.line, 4);
});

t.test('malformed entries are refused with their line', async (t) => {
  t.throws(() => parseExpected('create FAILS'), /oci-expected:1: create: outcome must be PASS or one of host/);
  t.throws(() => parseExpected('create PASS\ncreate PASS'), /oci-expected:2: create is listed twice/);
  t.throws(() => parseExpected('hooks todo'), /hooks: an exception needs a reason/);
  t.throws(() => parseExpected('hooks todo 3/2 why'), /count 3\/2 is more than all/);
  t.throws(() => parseExpected('create PASS 4/4'), /a PASS has no count/);
  t.throws(() => parseExpected('  orphan'), /a continuation line before any entry/);
});

t.test('conformance/oci-expected: every validation file once, exceptions classed and explained', async (t) => {
  const expected = loadExpected(path.join(repo, 'conformance', 'oci-expected'));
  t.equal(expected.length, 58, "the suite's 58 files");
  for (const e of expected) {
    if (e.outcome === 'PASS') continue;
    t.ok((CLASSES as readonly string[]).includes(e.outcome), `${e.name}: class ${e.outcome}`);
    t.ok(e.reason.length > 20, `${e.name}: the reason says why`);
  }
  // Where the suite is here, its files are the ones listed.
  const validation = path.resolve(repo, 'build', 'runtime-tools', 'runtime-tools', 'validation');
  if (fs.existsSync(validation)) {
    const names = fs
      .readdirSync(validation)
      .filter((n) => fs.existsSync(path.join(validation, n, `${n}.go`)))
      .sort();
    t.same(expected.map((e) => e.name).sort(), names, 'the same names as the built suite');
  }
});
