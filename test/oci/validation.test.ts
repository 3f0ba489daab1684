// The OCI runtime-tools validation suite against bin/tsrun, one assertion per suite file: its
// outcome matches conformance/oci-expected (a ratchet: worse fails, and so does better than
// recorded). Needs the suite's source (../shared/runtime-tools) and Go; without either the
// file is skipped with one line saying what is missing. About 10 minutes, one file at a time.
import * as path from 'node:path';
import t from 'tap';
import { loadExpected } from '../../conformance/oci/expected';
import { runSuite } from '../../conformance/oci/harness';
import { judge } from '../../conformance/oci/ratchet';
import { missingPrerequisite } from '../../conformance/oci/suite';
import { duration, resultLine, summaryLine } from '../../conformance/oci/table';

const repo = path.resolve(__dirname, '..', '..');
const missing = missingPrerequisite(repo);

if (missing) {
  t.plan(0, missing);
} else {
  // 58 files at up to 120 s each, each perhaps twice: far beyond the runner's default.
  t.setTimeout(3 * 60 * 60 * 1000);
  t.test('OCI validation suite against bin/tsrun, compared with conformance/oci-expected', async (t) => {
    const expected = loadExpected(path.join(repo, 'conformance', 'oci-expected'));
    const byName = new Map(expected.map((e) => [e.name, e]));
    const run = await runSuite({
      repo,
      runtime: path.join(repo, 'bin', 'tsrun'),
      // A file not as expected runs a second time: the machine is shared, the suite's cgroup
      // names are fixed, and a few files race with the runtime (pidfile).
      retry: (r) => !judge(byName.get(r.name), r).ok,
      onResult: (r, cleanup, rerun) => {
        t.comment(`${resultLine(r)}${rerun ? '   (second run)' : ''}`);
        for (const note of cleanup) t.comment(`  cleanup: ${note}`);
      },
    });
    t.comment(summaryLine(run.results, run.allNames.length));
    t.comment(`wall time ${duration(run.wallMs)}; logs in ${path.relative(repo, run.logDir)}/`);
    const results = new Map(run.results.map((r) => [r.name, r]));
    for (const name of new Set([...run.allNames, ...byName.keys()])) {
      const v = judge(byName.get(name), results.get(name));
      t.ok(v.ok, v.text);
    }
  });
}
