// process.scheduler, process.ioPriority, process.execCPUAffinity and linux.personality,
// read back from inside by the probe (`probe sched`: sched_getattr, ioprio_get,
// sched_getaffinity, personality(0xffffffff)), for the init and through `exec`; bad values
// and kernel refusals fail create with one line naming the entry, leaving nothing behind.
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);
const SCHED_BATCH = 3;
const SCHED_IDLE = 5;
const SCHED_DEADLINE = 6;
const SCHED_FLAG_RESET_ON_FORK = 1;
const PER_LINUX32 = 8;
const ioprio = (cls: number, level: number) => (cls << 13) | level;

function sched(t: any, edit: (s: Spec) => void): Record<string, any> {
  const { result, probe } = h.probe(edit, ['sched']);
  t.equal(result.code, 0, `run succeeded: ${result.stderr}`);
  if (!probe) throw new Error(`no probe output: ${result.stdout} ${result.stderr}`);
  return probe;
}

t.test('defaults: nothing asked, nothing changed', async (t) => {
  const p = sched(t, () => {});
  t.equal(p.policy, 0, 'SCHED_OTHER');
  t.equal(p.personality & 0xff, 0, 'PER_LINUX');
});

t.test('init: scheduler, I/O priority and personality as the kernel reports them', async (t) => {
  const p = sched(t, (s) => {
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
    s.linux!.personality = { domain: 'LINUX32' };
  });
  t.equal(p.policy, SCHED_BATCH);
  t.equal(p.nice, 7);
  t.equal(p.flags & SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RESET_ON_FORK, 'reset-on-fork');
  t.equal(p.ioprio, ioprio(2, 6), 'IOPRIO_CLASS_BE level 6');
  t.equal(p.personality & 0xff, PER_LINUX32, 'PER_LINUX32');
});

t.test('init: SCHED_IDLE and IOPRIO_CLASS_IDLE', async (t) => {
  const p = sched(t, (s) => {
    s.process!.scheduler = { policy: 'SCHED_IDLE' };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
  });
  t.equal(p.policy, SCHED_IDLE);
  t.equal(p.ioprio, ioprio(3, 0));
});

t.test('init: SCHED_DEADLINE with its parameters', async (t) => {
  const dl = { runtime: 1_000_000, deadline: 5_000_000, period: 10_000_000 };
  const p = sched(t, (s) => void (s.process!.scheduler = { policy: 'SCHED_DEADLINE', ...dl }));
  t.equal(p.policy, SCHED_DEADLINE);
  t.same([p.runtime, p.deadline, p.period], [dl.runtime, dl.deadline, dl.period]);
});

t.test('exec: the container defaults, what --process sets, personality, CPU affinity', async (t) => {
  const id = h.id('attrs');
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sleep', '1000'];
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 3 };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 5 };
    s.process!.execCPUAffinity = { final: '1' };
    s.linux!.personality = { domain: 'LINUX32' };
  });
  t.teardown(() => void h.cli(['delete', '--force', id]));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0, 'create');
  t.equal(h.cli(['start', id]).code, 0, 'start');
  const init = JSON.parse(h.cli(['state', id]).stdout).pid as number;
  const initCpus = /Cpus_allowed_list:\s*(\S+)/.exec(
    require('node:fs').readFileSync(`/proc/${init}/status`, 'utf8'),
  )?.[1];
  t.equal(initCpus, '0-1', 'execCPUAffinity is not for the init (config.md)');

  const r = h.cli(['exec', id, '/probe', 'sched']);
  t.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  t.equal(p.policy, SCHED_BATCH, "the container's scheduler");
  t.equal(p.nice, 3);
  t.equal(p.ioprio, ioprio(2, 5), "the container's I/O priority");
  t.equal(p.cpus, '1', 'execCPUAffinity.final');
  t.equal(p.personality & 0xff, PER_LINUX32, "the container's personality");

  const file = `${bundle}/exec.json`;
  require('node:fs').writeFileSync(
    file,
    JSON.stringify({
      cwd: '/',
      args: ['/probe', 'sched'],
      scheduler: { policy: 'SCHED_IDLE' },
      ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 0 },
      execCPUAffinity: { initial: '1', final: '0' },
    }),
  );
  const q = h.cli(['exec', '--process', file, id]);
  t.equal(q.code, 0, q.stderr);
  const o = JSON.parse(q.stdout);
  t.equal(o.policy, SCHED_IDLE, "the file's scheduler");
  t.equal(o.ioprio, ioprio(3, 0), "the file's I/O priority");
  t.equal(o.cpus, '0', "the file's final CPUs");
});

const bad: { name: string; edit: (s: Spec) => void; pattern: RegExp }[] = [
  {
    name: 'unknown flag',
    edit: (s) => void (s.process!.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_NOPE'] }),
    pattern: /process\.scheduler\.flags\[0\]: must be one of/,
  },
  {
    name: 'nice out of range',
    edit: (s) => void (s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 20 }),
    pattern: /process\.scheduler\.nice: must be between -20 and 19, got 20$/,
  },
  {
    name: 'priority for SCHED_FIFO',
    edit: (s) => void (s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 0 }),
    pattern: /process\.scheduler\.priority: must be between 1 and 99 for SCHED_FIFO, got 0$/,
  },
  {
    name: 'SCHED_DEADLINE without period',
    edit: (s) => void (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 2000, deadline: 4000 }),
    pattern: /process\.scheduler\.period: is required by SCHED_DEADLINE$/,
  },
  {
    name: 'SCHED_DEADLINE runtime above deadline',
    edit: (s) =>
      void (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 9000, deadline: 4000, period: 9000 }),
    pattern: /process\.scheduler\.runtime: 9000 is above deadline 4000$/,
  },
  {
    name: 'ioPriority level 8',
    edit: (s) => void (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }),
    pattern: /process\.ioPriority\.priority: must be 0 to 7, got 8$/,
  },
  {
    name: 'CPU beyond the host',
    edit: (s) => void (s.process!.execCPUAffinity = { final: '0-4096' }),
    pattern: /process\.execCPUAffinity\.final: CPU 4096 is beyond the host's possible CPUs/,
  },
  {
    name: 'bad CPU list',
    edit: (s) => void (s.process!.execCPUAffinity = { initial: '1-' }),
    pattern: /process\.execCPUAffinity\.initial: invalid CPU list entry "1-"/,
  },
  {
    name: 'personality flag',
    edit: (s) => void (s.linux!.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }),
    pattern: /linux\.personality\.flags\[0\]: unknown flag "ADDR_NO_RANDOMIZE"/,
  },
  {
    // The container's cpu cgroup has no real-time budget (cpu.rt_runtime_us 0): the kernel
    // says EPERM in the child, after the cgroup and the namespaces exist.
    name: 'kernel refusal: SCHED_RR without an rt budget',
    edit: (s) => void (s.process!.scheduler = { policy: 'SCHED_RR', priority: 10 }),
    pattern: /set process\.scheduler \(SCHED_RR\): operation not permitted$/i,
  },
];

for (const c of bad) {
  t.test(`bad input: ${c.name}`, async (t) => {
    const id = h.id('bad');
    const bundle = h.bundle(id, c.edit);
    const r = h.cli(['create', '--bundle', bundle, id]);
    t.equal(r.code, 1, 'exit status 1');
    const lines = r.stderr.trim().split('\n');
    t.equal(lines.length, 1, `one line: ${r.stderr}`);
    t.match(lines[0], c.pattern);
    t.notOk(h.stateDirExists(id), 'no state directory');
    t.same(h.cgroupsLeft(id), [], 'no cgroup');
    t.same(h.mountsLeft(), [], 'no mount');
    t.same(h.processesLeft(), [], 'no process');
  });
}
