// The pure parts of process.scheduler, ioPriority, execCPUAffinity and linux.personality:
// the CPU list parser, the scheduler's value rules, the tables the plan reads.
import t from 'tap';
import {
  cpuMask,
  parseCpuList,
  possibleCpuCountOf,
  SCHED_FLAGS,
  SCHED_POLICIES,
  schedFlagBits,
  schedulerProblem,
} from '../../src/config/process-attributes';
import { planCpuMask, planIoPriority, planPersonality, planScheduler } from '../../src/plan/process-attributes';

t.test('CPU lists', (t) => {
  t.same(parseCpuList('0-3,7', 8), { cpus: [0, 1, 2, 3, 7] });
  t.same(parseCpuList(' 1 , 0 ', 2), { cpus: [0, 1] }, 'spaces around entries, sorted');
  t.same(parseCpuList('1,1-1', 2), { cpus: [1] }, 'each CPU once');
  t.same(parseCpuList('', 2), { cpus: [] }, 'empty: none');
  t.same(parseCpuList('2', 2), { problem: "CPU 2 is beyond the host's possible CPUs (0-1)" });
  t.same(parseCpuList('0-9', 2), { problem: "CPU 9 is beyond the host's possible CPUs (0-1)" });
  t.same(parseCpuList('3-1', 8), { problem: 'invalid CPU range "3-1": 1 is below 3' });
  for (const bad of ['1-', '-1', '1--2', '0,,1', '1 2', ','])
    t.match(parseCpuList(bad, 8), { problem: /invalid CPU list entry/ }, `"${bad}" refused`);
  t.end();
});

t.test('CPU masks are cpu_set_t words', (t) => {
  t.same([...cpuMask([0, 1])], [3, 0, 0, 0, 0, 0, 0, 0]);
  t.same(cpuMask([64]).length, 16, 'CPU 64 needs a second word');
  t.equal(cpuMask([63])[7], 0x80);
  t.equal(planCpuMask(undefined, 2), null);
  t.equal(planCpuMask('', 2), null, 'empty: the kernel decides (config.md)');
  t.same([...(planCpuMask('1', 2) ?? [])], [2, 0, 0, 0, 0, 0, 0, 0]);
  t.equal(possibleCpuCountOf('0-1\n'), 2);
  t.equal(possibleCpuCountOf('0\n'), 1);
  t.equal(possibleCpuCountOf('0-3,8-15\n'), 16);
  t.end();
});

t.test('scheduler rules', (t) => {
  t.equal(schedulerProblem({ policy: 'SCHED_OTHER', nice: 19 }), undefined);
  t.equal(schedulerProblem({ policy: 'SCHED_RR', priority: 99, flags: ['SCHED_FLAG_RESET_ON_FORK'] }), undefined);
  const dl = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 20_000_000, period: 30_000_000 };
  t.equal(schedulerProblem(dl), undefined);
  const cases: [object, string, RegExp][] = [
    [{ policy: 'SCHED_NOPE' }, 'policy', /unknown policy/],
    [{ policy: 'SCHED_ISO' }, 'policy', /not implemented/],
    [{ policy: 'SCHED_OTHER', nice: 20 }, 'nice', /-20 and 19/],
    [{ policy: 'SCHED_OTHER', nice: -21 }, 'nice', /-20 and 19/],
    [{ policy: 'SCHED_FIFO' }, 'priority', /1 and 99/],
    [{ policy: 'SCHED_RR', priority: 100 }, 'priority', /1 and 99/],
    [{ policy: 'SCHED_BATCH', priority: 1 }, 'priority', /must be 0/],
    [{ policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_RESET_ON_FORK', 'X'] }, 'flags[1]', /unknown flag "X"/],
    [{ policy: 'SCHED_DEADLINE', deadline: 2000, period: 3000 }, 'runtime', /required/],
    [{ ...dl, period: undefined }, 'period', /required/],
    [{ ...dl, runtime: 1000 }, 'runtime', /at least 1024/],
    [{ ...dl, runtime: 25_000_000 }, 'runtime', /above deadline/],
    [{ ...dl, deadline: 40_000_000 }, 'deadline', /above period/],
    [{ policy: 'SCHED_OTHER', runtime: 5000 }, 'runtime', /SCHED_DEADLINE only/],
  ];
  for (const [scheduler, field, problem] of cases) {
    const bad = schedulerProblem(scheduler as Parameters<typeof schedulerProblem>[0]);
    t.equal(bad?.field, field, JSON.stringify(scheduler));
    t.match(bad?.problem, problem);
  }
  t.end();
});

t.test('tables: the kernel numbers the plan sends', (t) => {
  t.equal(SCHED_POLICIES.SCHED_DEADLINE, 6);
  t.equal(SCHED_POLICIES.SCHED_IDLE, 5);
  t.equal(schedFlagBits(Object.keys(SCHED_FLAGS)), 0x7f, 'the seven flags are the seven low bits');
  t.same(
    planScheduler({ cwd: '/', scheduler: { policy: 'SCHED_RR', priority: 5, flags: ['SCHED_FLAG_RESET_ON_FORK'] } }),
    {
      policy: 2,
      flags: 1,
      nice: 0,
      priority: 5,
      runtime: 0n,
      deadline: 0n,
      period: 0n,
    },
  );
  t.equal(planScheduler({ cwd: '/' }), null);
  t.equal(planIoPriority({ cwd: '/', ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 7 } }), (3 << 13) | 7);
  t.equal(planIoPriority({ cwd: '/', ioPriority: { class: 'IOPRIO_CLASS_RT' } }), 1 << 13, 'priority 0 when absent');
  t.equal(planIoPriority({ cwd: '/' }), -1);
  t.equal(planPersonality({ domain: 'LINUX32' }), 8);
  t.equal(planPersonality({ domain: 'LINUX' }), 0);
  t.equal(planPersonality({}), -1, '{} asks for nothing');
  t.equal(planPersonality(undefined), -1);
  t.end();
});
