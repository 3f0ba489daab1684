// The OCI validation ratchet (conformance/oci/ratchet.ts): a file that does worse than
// conformance/oci-expected says fails the comparison, and so does a listed exception that
// now does better, so the list can only shrink.
import t from 'tap';
import { type Expectation, parseExpected } from '../../conformance/oci/expected';
import type { FileResult } from '../../conformance/oci/outcome';
import { compareOutcomes, judge } from '../../conformance/oci/ratchet';

const expected: Expectation[] = parseExpected(`
# a comment
create PASS
process_capabilities host 297/302 root here lacks CAP_SYS_RESOURCE
delete compat 3/5 delete of a created container succeeds,
  as in runc
hooks todo hooks (the hooks/exec/terminal work)
`);

function result(name: string, ok: number, total: number, status: FileResult['status'] = 'FAIL'): FileResult {
  return { name, status, ok, total, why: status === 'FAIL' ? 'not ok: something' : '', wallMs: 1 };
}

const asExpected: FileResult[] = [
  result('create', 4, 4, 'PASS'),
  result('process_capabilities', 297, 302),
  result('delete', 3, 5),
  result('hooks', 0, 1),
];

function withOne(r: FileResult): FileResult[] {
  return asExpected.map((x) => (x.name === r.name ? r : x));
}

t.test('results as expected: no problem', async (t) => {
  t.same(compareOutcomes(expected, asExpected), []);
  for (const r of asExpected)
    t.ok(
      judge(
        expected.find((e) => e.name === r.name),
        r,
      ).ok,
      r.name,
    );
});

t.test('a PASS file that fails is a problem', async (t) => {
  const problems = compareOutcomes(expected, withOne(result('create', 3, 4)));
  t.equal(problems.length, 1);
  t.match(problems[0], /^create: expected PASS, got FAIL 3\/4/);
  t.equal(judge(expected[0], result('create', 3, 4)).direction, 'worse');
});

t.test('a SKIP counts as all-ok for a PASS file', async (t) => {
  t.same(compareOutcomes(expected, withOne(result('create', 1, 1, 'SKIP'))), []);
});

t.test('an exception that now passes is a problem: the list only shrinks', async (t) => {
  const problems = compareOutcomes(expected, withOne(result('hooks', 1, 1, 'PASS')));
  t.equal(problems.length, 1);
  t.match(problems[0], /^hooks now passes .*remove its exception/);
  t.match(problems[0], /todo: hooks \(the hooks\/exec\/terminal work\)/, 'the reason is in the message');
  t.equal(judge(expected[3], result('hooks', 1, 1, 'PASS')).direction, 'better');
});

t.test('a partial count that drops is a problem, though the file was failing anyway', async (t) => {
  const fewerOk = compareOutcomes(expected, withOne(result('process_capabilities', 296, 302)));
  t.equal(fewerOk.length, 1);
  t.match(fewerOk[0], /^process_capabilities: expected 297\/302, got FAIL 296\/302/);
  // More assertions, the same number ok: one more not ok.
  const moreNotOk = compareOutcomes(expected, withOne(result('process_capabilities', 297, 303)));
  t.equal(moreNotOk.length, 1);
  t.match(moreNotOk[0], /expected 297\/302, got FAIL 297\/303/);
  // A file that stopped early: fewer ok, fewer assertions.
  t.equal(judge(expected[1], result('process_capabilities', 0, 0)).direction, 'worse');
});

t.test('a partial count that rises must be recorded', async (t) => {
  const problems = compareOutcomes(expected, withOne(result('delete', 4, 5)));
  t.equal(problems.length, 1);
  t.match(problems[0], /^delete: better than recorded: 4\/5 \(expected 3\/5\)/);
});

t.test('an exception without a count only has to keep failing', async (t) => {
  t.same(compareOutcomes(expected, withOne(result('hooks', 0, 0))), []);
});

t.test('a file not listed, and a listed file that did not run, are problems', async (t) => {
  const problems = compareOutcomes(expected, [...asExpected.slice(1), result('new_test', 1, 1, 'PASS')]);
  t.same(problems, [
    'create is listed in conformance/oci-expected but did not run',
    'new_test PASS 1/1 is not listed in conformance/oci-expected',
  ]);
});
