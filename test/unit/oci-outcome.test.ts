// How a validation file's output is counted (conformance/oci/outcome.ts): TAP files, the
// lifecycle files that report failure as plan 1..0 with an "error" block, and the _fail
// files that succeed when create refuses the config.
import t from 'tap';
import { outcome, parseTap } from '../../conformance/oci/outcome';
import type { RawRun } from '../../conformance/oci/run-file';

function run(name: string, stdout: string, over: Partial<RawRun> = {}): RawRun {
  return {
    name,
    stdout,
    stderr: '',
    code: 0,
    signal: null,
    timedOut: false,
    wallMs: 5,
    tmpdir: '/tmp/x',
    pgid: 0,
    ...over,
  };
}

const block = (o: Record<string, string>) => `  ---\n${JSON.stringify(o, null, 2).replace(/^/gm, '  ')}\n  ...\n`;

t.test('TAP files', async (t) => {
  const pass = outcome(run('create', `TAP version 13\nok 1 - a\n${block({ reference: 'x' })}ok 2 - b\n1..2\n`));
  t.match(pass, { status: 'PASS', ok: 2, total: 2, why: '' });

  const fail = outcome(run('delete', 'TAP version 13\nok 1 - a\nnot ok 2 - must fail\nok 3 - c\n1..3\n'));
  t.match(fail, { status: 'FAIL', ok: 2, total: 3, why: 'not ok: must fail' });

  const skips = outcome(run('default', 'TAP version 13\nok 1 - a\nok 2 # SKIP not set\n1..2\n'));
  t.match(skips, { status: 'PASS', ok: 2, total: 2 }, 'SKIPs among oks: all-ok, PASS');

  const skipped = outcome(run('hostname', 'TAP version 13\n1..1\nok 1 # skip linux-specific test\n'));
  t.match(skipped, { status: 'SKIP', ok: 1, total: 1 }, 'util.Skip: the whole file skipped');

  const short = outcome(run('kill', 'TAP version 13\nok 1 - a\n1..3\n'));
  t.match(short, { status: 'FAIL', ok: 1, total: 3, why: 'plan 1..3 but 1 assertions' });

  const late = outcome(run('killsig', 'TAP version 13\nok 1 - a\n1..1\n', { code: 1, stderr: 'boom\n' }));
  t.match(late, { status: 'FAIL', ok: 1, total: 1, why: 'exit 1: boom' }, 'all ok but exit 1');

  const noTap = outcome(
    run('process_capabilities', '', { code: 1, stderr: 'failed to create the container\nrunc create failed\n' }),
  );
  t.match(noTap, {
    status: 'FAIL',
    ok: 0,
    total: 0,
    why: 'exit 1, no TAP: failed to create the container: runc create failed',
  });

  const timedOut = outcome(
    run('delete', 'TAP version 13\nok 1 - a\n', { code: null, signal: 'SIGKILL', timedOut: true }),
  );
  t.match(timedOut, { status: 'FAIL', ok: 1, total: 1, why: /^timed out/ });

  const empty = outcome(run('state', 'TAP version 13\n1..0\n'));
  t.match(empty, { status: 'FAIL', total: 0, why: 'plan 1..0: no assertions' }, 'a TAP file with no assertions');
});

t.test('lifecycle files: plan 1..0, failure is an "error" block', async (t) => {
  t.match(outcome(run('poststart', 'TAP version 13\n1..0\n')), { status: 'PASS', ok: 1, total: 1, why: '' });
  const failed = outcome(
    run(
      'prestart',
      `TAP version 13\n${block({ error: 'exit status 1', stderr: 'tsrun: config.json: hooks.prestart: not supported yet\n' })}1..0\n`,
    ),
  );
  t.match(failed, {
    status: 'FAIL',
    ok: 0,
    total: 1,
    why: 'exit status 1: tsrun: config.json: hooks.prestart: not supported yet',
  });
  const hooks = outcome(
    run('hooks', `TAP version 13\n${block({ error: 'Hooks MUST be called in the listed order' })}1..0\n`),
  );
  t.match(hooks, { status: 'FAIL', why: 'Hooks MUST be called in the listed order' });
  const crashed = outcome(run('poststop', 'TAP version 13\n', { code: 2, stderr: 'panic: nil\n' }));
  t.match(crashed, { status: 'FAIL', ok: 0, total: 1, why: 'exit 2: panic: nil' });
});

t.test('refusal files: success is create refusing the config, exit 0, no TAP', async (t) => {
  const refused = run('process_rlimits_fail', '', {
    stderr:
      'failed to create the container\ntsrun: config.json: process.rlimits[1].type: unknown rlimit type "RLIMIT_TEST"\n',
  });
  t.match(outcome(refused), { status: 'PASS', ok: 1, total: 1 });
  const accepted = run('process_capabilities_fail', 'TAP version 13\nok 1 - a\n1..1\n', {
    code: 1,
    stderr: 'Any value which cannot be mapped to a relevant kernel interface MUST cause an error\n',
  });
  t.match(outcome(accepted), {
    status: 'FAIL',
    ok: 0,
    total: 1,
    why: 'the runtime accepted the config (exit 1, runtimetest ran: 1 TAP lines)',
  });
  const noBundle = run('process_rlimits_fail', '', { stderr: 'tar: rootfs-amd64.tar.gz: Cannot open\n' });
  t.match(outcome(noBundle), { status: 'FAIL', ok: 0 }, 'exit 0 without a refusal is not a pass');
});

t.test('parseTap: YAML blocks are not test lines', async (t) => {
  const tap = parseTap(`TAP version 13\nok 1 - a\n${block({ error: 'x', stdout: 'not ok 5 - inner\\nok 6' })}1..1\n`);
  t.equal(tap.lines.length, 1);
  t.same(tap.errors, ['x']);
  t.equal(tap.plan, 1);
});
