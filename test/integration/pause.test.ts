// pause, resume, ps and kill signal 0 through the real binary (runc's behaviour and words).
// The freezer itself is unit-tested against fake trees in test/unit/freezer.test.ts.
import * as fs from 'node:fs';
import t, { type Test } from 'tap';
import { harness, isRunning, waitFor } from '../helpers/harness';

const h = harness(t);

function state(id: string): Record<string, any> {
  const r = h.cli(['state', id]);
  if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Create and start a container running `script` under sh; returns its init pid. */
function started(id: string, script: string): number {
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/bin/sh', '-c', script]));
  const c = h.cli(['create', '--bundle', bundle, id]);
  if (c.code !== 0) throw new Error(`create ${id}: ${c.stderr}`);
  const s = h.cli(['start', id]);
  if (s.code !== 0) throw new Error(`start ${id}: ${s.stderr}`);
  return state(id).pid;
}

/** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line on stderr, exit 1, matching `pattern`. */
function failsWith(t: Test, r: { code: number; stderr: string }, pattern: RegExp, what: string): void {
  t.equal(r.code, 1, `${what}: exit 1`);
  t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line (${r.stderr.trim()})`);
  t.match(r.stderr, pattern, what);
}

t.test('pause freezes a busy loop, state says paused, resume lets it run again', async (t) => {
  const id = h.id('pause');
  const pid = started(id, 'while :; do :; done');
  await sleep(100);
  const running0 = cpuTicks(pid);
  await sleep(300);
  t.ok(cpuTicks(pid) > running0, 'the loop uses CPU while running');
  const p = h.cli(['pause', id]);
  t.equal(p.code, 0, p.stderr);
  t.equal(state(id).status, 'paused');
  t.equal(state(id).pid, pid, 'a paused container keeps its pid in state');
  const listed = JSON.parse(h.cli(['list', '--format', 'json']).stdout) as { id: string; status: string }[];
  t.equal(listed.find((c) => c.id === id)?.status, 'paused', 'list shows paused');
  const paused0 = cpuTicks(pid);
  await sleep(300);
  t.equal(cpuTicks(pid), paused0, 'no CPU time while paused');
  failsWith(t, h.cli(['pause', id]), /^tsrun: container not running$/m, 'pause of a paused container');
  failsWith(t, h.cli(['start', id]), /cannot start a container in the paused state/, 'start of a paused container');
  failsWith(
    t,
    h.cli(['delete', id]),
    /cannot delete container .* that is not stopped: paused/,
    'delete without --force',
  );
  const r = h.cli(['resume', id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(state(id).status, 'running');
  const resumed0 = cpuTicks(pid);
  await sleep(300);
  t.ok(cpuTicks(pid) > resumed0, 'CPU time grows again after resume');
  failsWith(t, h.cli(['resume', id]), /^tsrun: container not paused$/m, 'resume of a running container');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('pause of a stopped container and resume of a stopped one fail in runc words', async (t) => {
  const id = h.id('pause');
  const pid = started(id, 'exec sleep 100');
  t.equal(h.cli(['kill', id, 'KILL']).code, 0);
  t.ok(await waitFor(() => state(id).status === 'stopped'), 'stopped');
  t.notOk(isRunning(pid));
  failsWith(t, h.cli(['pause', id]), /^tsrun: container not running$/m, 'pause of a stopped container');
  failsWith(t, h.cli(['resume', id]), /^tsrun: container not paused$/m, 'resume of a stopped container');
  failsWith(t, h.cli(['pause', 'nope']), /container does not exist: nope/, 'pause of no container');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('a created container can be paused (as runc); start refuses it until resumed', async (t) => {
  const id = h.id('pause');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/bin/sh', '-c', 'exec sleep 100']));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  t.equal(h.cli(['pause', id]).code, 0, 'pause of a created container');
  t.equal(state(id).status, 'paused');
  failsWith(t, h.cli(['start', id]), /cannot start a container in the paused state/, 'start while paused');
  t.equal(h.cli(['resume', id]).code, 0);
  t.equal(state(id).status, 'created', 'created again once thawed');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('delete --force of a paused container kills it and leaves nothing', async (t) => {
  const id = h.id('pause');
  const pid = started(id, 'sleep 100 & while :; do :; done');
  t.ok(await waitFor(() => (JSON.parse(h.cli(['ps', '--format', 'json', id]).stdout) ?? []).length === 2));
  t.equal(h.cli(['pause', id]).code, 0);
  const d = h.cli(['delete', '--force', id]);
  t.equal(d.code, 0, d.stderr);
  t.notOk(isRunning(pid), 'the init is gone');
  t.notOk(h.stateDirExists(id));
  t.same(h.cgroupsLeft(id), [], 'cgroups gone');
});

t.test('kill KILL of a paused container thaws it so it dies (as runc)', async (t) => {
  const id = h.id('pause');
  const pid = started(id, 'while :; do :; done');
  t.equal(h.cli(['pause', id]).code, 0);
  t.equal(h.cli(['kill', id, 'KILL']).code, 0);
  t.ok(await waitFor(() => state(id).status === 'stopped'), 'stopped');
  t.notOk(isRunning(pid));
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('ps: json lists the init and its child; table keeps the header and their lines', async (t) => {
  const id = h.id('ps');
  const pid = started(id, 'sleep 100 & exec sleep 100');
  let pids: number[] = [];
  t.ok(
    await waitFor(() => {
      const r = h.cli(['ps', '--format', 'json', id]);
      pids = (JSON.parse(r.stdout) as number[] | null) ?? [];
      return pids.length === 2;
    }),
    'two processes',
  );
  t.ok(pids.includes(pid), 'the init pid is listed');
  const child = pids.find((p) => p !== pid) as number;
  const table = h.cli(['ps', id]);
  t.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  t.match(lines[0], /^UID\s+PID\s+PPID\s/, 'ps -ef header');
  t.equal(lines.length, 3, 'header and two lines');
  t.ok(
    lines.slice(1).every((l) => pids.includes(Number(l.trim().split(/\s+/)[1]))),
    'only the container processes',
  );
  t.ok(lines.some((l) => l.trim().split(/\s+/)[1] === String(child) && l.trim().split(/\s+/)[2] === String(pid)));
  const custom = h.cli(['ps', id, '-o', 'pid,comm']);
  t.equal(custom.code, 0, custom.stderr);
  t.same(
    custom.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().split(/\s+/)),
    [
      ['PID', 'COMMAND'],
      ...pids
        .slice()
        .sort((a, b) => a - b)
        .map((p) => [String(p), 'sleep']),
    ],
    'the ps options after the ID go to ps',
  );
  failsWith(t, h.cli(['ps', '--format', 'xml', id]), /invalid format option/, 'a bad format');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('kill ID 0: exit 0 while the init lives, runc error once stopped', async (t) => {
  const id = h.id('sig0');
  const pid = started(id, 'exec sleep 100');
  const k = h.cli(['kill', id, '0']);
  t.equal(k.code, 0, k.stderr);
  t.ok(isRunning(pid), 'signal 0 delivers nothing');
  t.equal(state(id).status, 'running');
  t.equal(h.cli(['kill', id, 'KILL']).code, 0);
  t.ok(await waitFor(() => state(id).status === 'stopped'));
  failsWith(t, h.cli(['kill', id, '0']), /^tsrun: container not running$/m, 'kill 0 of a stopped container');
  t.equal(h.cli(['delete', id]).code, 0);
});
