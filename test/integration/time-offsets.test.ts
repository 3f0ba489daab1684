// linux.timeOffsets: the child writes them into the new time namespace before the init
// is forked into it; checked inside with the probe (timens_offsets and the clocks) against
// the host's clocks, for the init and for an exec'd process (it joins the namespace).
import * as fs from 'node:fs';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import { harness, inUserNamespace, chownForUserns, type Probe } from '../helpers/harness';

const h = harness(t);
const OFFSET = 1_000_000; // s: far beyond the seconds a test takes

function withOffsets(s: Spec, offsets: NonNullable<Spec['linux']>['timeOffsets']): void {
  s.linux!.namespaces!.push({ type: 'time' });
  s.linux!.timeOffsets = offsets;
}

/** Whole seconds of CLOCK_MONOTONIC and CLOCK_BOOTTIME here, as the probe reads them. */
function hostClocks(): { monotonic: number; boottime: number } {
  const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]); // boottime
  return { monotonic: Number(process.hrtime.bigint() / 1_000_000_000n), boottime: Math.floor(uptime) };
}

function clocks(t: Test, edit: (s: Spec) => void): Probe {
  const { result, probe } = h.probe(edit, ['clocks']);
  t.equal(result.code, 0, `run succeeded: ${result.stderr}`);
  if (!probe) throw new Error(`no probe output: ${result.stdout} ${result.stderr}`);
  return probe;
}

/** `got` is `host` moved by `offset`, give or take the seconds the run took. */
function shifted(t: Test, got: number, host: number, offset: number, what: string): void {
  t.ok(Math.abs(got - host - offset) <= 5, `${what}: ${got} is ${host} + ${offset} (within 5 s)`);
}

t.test('without offsets a new time namespace has the host clocks', async (t) => {
  const before = hostClocks();
  const p = clocks(t, (s) => void s.linux!.namespaces!.push({ type: 'time' }));
  t.equal(p.timensOffsets, 'monotonic           0         0\nboottime            0         0\n');
  shifted(t, p.monotonic, before.monotonic, 0, 'monotonic');
  shifted(t, p.boottime, before.boottime, 0, 'boottime');
});

t.test('monotonic and boottime offsets show in timens_offsets and in the clocks', async (t) => {
  const before = hostClocks();
  const p = clocks(t, (s) =>
    withOffsets(s, { monotonic: { secs: OFFSET, nanosecs: 5 }, boottime: { secs: 2 * OFFSET } }),
  );
  t.match(p.timensOffsets, new RegExp(`^monotonic\\s+${OFFSET}\\s+5\\nboottime\\s+${2 * OFFSET}\\s+0\\n$`));
  shifted(t, p.monotonic, before.monotonic, OFFSET, 'monotonic');
  shifted(t, p.boottime, before.boottime, 2 * OFFSET, 'boottime');
});

t.test('one clock only: the other keeps the host value', async (t) => {
  const before = hostClocks();
  const p = clocks(t, (s) => withOffsets(s, { boottime: { secs: OFFSET } }));
  shifted(t, p.monotonic, before.monotonic, 0, 'monotonic');
  shifted(t, p.boottime, before.boottime, OFFSET, 'boottime');
});

t.test('in a new user namespace too (the child is root of the namespace that owns it)', async (t) => {
  const id = h.id('timens');
  const bundle = h.bundle(id, (s) => {
    inUserNamespace(s);
    withOffsets(s, { monotonic: { secs: OFFSET } });
    s.process!.args = ['/probe', 'clocks'];
  });
  chownForUserns(bundle);
  const before = hostClocks();
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  shifted(t, JSON.parse(r.stdout).monotonic, before.monotonic, OFFSET, 'monotonic');
});

t.test("an exec'd process joins the time namespace and sees its offsets", async (t) => {
  const id = h.id('timens');
  const bundle = h.bundle(id, (s) => {
    withOffsets(s, { monotonic: { secs: OFFSET } });
    s.process!.args = ['/bin/sleep', '1000'];
  });
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  t.equal(h.cli(['start', id]).code, 0);
  const before = hostClocks();
  const r = h.cli(['exec', id, '/probe', 'clocks']);
  t.equal(r.code, 0, r.stderr);
  shifted(t, JSON.parse(r.stdout).monotonic, before.monotonic, OFFSET, 'monotonic');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});
