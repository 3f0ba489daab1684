// `make oci-validation`: the OCI runtime-tools validation suite against RUNTIME (default
// this repository's bin/tsrun), one line per file, a summary and the wall time. For this
// repository's tsrun (or with OCI_CHECK=1) the results are also compared with
// conformance/oci-expected and a mismatch makes the exit status 1.
//
//   node build/oci-validation.cjs [NAME...]     (run from the repository root; make builds it)
//   RUNTIME=/usr/sbin/runc  OCI_TIMEOUT=120 (seconds per file)  OCI_CHECK=0|1
import * as path from 'node:path';
import { loadExpected } from './expected';
import { runSuite } from './harness';
import { compareOutcomes, judge } from './ratchet';
import { missingPrerequisite } from './suite';
import { duration, resultLine, summaryLine } from './table';

async function main(): Promise<number> {
  const repo = process.cwd();
  const tsrun = path.join(repo, 'bin', 'tsrun');
  const runtime = process.env.RUNTIME ? path.resolve(process.env.RUNTIME) : tsrun;
  const missing = missingPrerequisite(repo);
  if (missing) {
    console.log(`oci-validation skipped: ${missing}`);
    return 0;
  }
  const check = process.env.OCI_CHECK ? process.env.OCI_CHECK === '1' : runtime === tsrun;
  const expected = check ? loadExpected(path.join(repo, 'conformance', 'oci-expected')) : [];
  const byName = new Map(expected.map((e) => [e.name, e]));
  const names = process.argv.slice(2);
  console.log(`OCI validation suite against ${runtime}`);
  const run = await runSuite({
    repo,
    runtime,
    names: names.length > 0 ? names : undefined,
    timeoutMs: (Number(process.env.OCI_TIMEOUT) || 120) * 1000,
    log: (l) => console.log(l),
    // On a shared machine a run can be disturbed (the suite's cgroup names are fixed), and a
    // few files race with the runtime: a file not as expected gets a second run.
    retry: check ? (r) => !judge(byName.get(r.name), r).ok : undefined,
    onResult: (r, _cleanup, rerun) => console.log(`${resultLine(r)}${rerun ? '   (second run)' : ''}`),
  });
  console.log(summaryLine(run.results, names.length > 0 ? run.results.length : run.allNames.length));
  console.log(`wall time ${duration(run.wallMs)}; logs in ${path.relative(repo, run.logDir)}/`);
  if (!check) return 0;
  const scope = names.length > 0 ? expected.filter((e) => names.includes(e.name)) : expected;
  const problems = compareOutcomes(scope, run.results);
  if (problems.length === 0) {
    console.log('conformance/oci-expected: every file as expected');
    return 0;
  }
  console.log(`conformance/oci-expected: ${problems.length} file(s) not as expected:`);
  for (const p of problems) console.log(`  ${p}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`oci-validation: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
