// A state.json that is corrupt, truncated, incomplete or gone: every command says so in one
// line naming the file, list skips the container, and delete --force still removes the
// container's processes, cgroups and state directory (it used to fail and leave all three).
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import { cliAsync } from '../helpers/concurrent';
import { harness, isRunning, waitFor } from '../helpers/harness';

const h = harness(t);

interface Made {
  id: string;
  pid: number;
  file: string;
}

/** A created (or, with `start`, running) container, its init pid and its state.json. */
function make(prefix: string, opts: { start?: boolean; edit?: (s: Spec) => void } = {}): Made {
  const id = h.id(prefix);
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/probe', 'sleep', '300'];
    opts.edit?.(s);
  });
  const c = h.cli(['create', '--bundle', bundle, id]);
  if (c.code !== 0) throw new Error(`create ${id}: ${c.stderr}`);
  if (opts.start && h.cli(['start', id]).code !== 0) throw new Error(`start ${id} failed`);
  const pid = JSON.parse(h.cli(['state', id]).stdout).pid as number;
  return { id, pid, file: path.join(h.root, id, 'state.json') };
}

const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const corruptions: Record<string, (text: string, id: string) => string | null> = {
  truncated: (text) => text.slice(0, Math.floor(text.length / 2)),
  empty: () => '',
  'not JSON': () => 'xx{',
  'fields missing': (_text, id) => JSON.stringify({ version: 1, id }),
  'fields of the wrong type': (text) => JSON.stringify({ ...JSON.parse(text), pid: 'one', cgroup: null }),
  gone: () => null,
};

function corrupt(m: Made, how: keyof typeof corruptions): void {
  const text = corruptions[how]!(fs.readFileSync(m.file, 'utf8'), m.id);
  if (text === null) fs.rmSync(m.file);
  else fs.writeFileSync(m.file, text);
}

/** delete --force left nothing: no init, no cgroup, no state directory, no process. */
async function assertAllGone(t: Test, m: Made): Promise<void> {
  t.ok(await waitFor(() => !isRunning(m.pid), 5000), `the init ${m.pid} is gone (/proc/${m.pid})`);
  t.notOk(h.stateDirExists(m.id), 'no state directory');
  t.same(h.cgroupsLeft(m.id), [], 'no cgroup');
  t.same(h.processesLeft(), [], 'no process of the harness');
}

t.test('state, start, kill, delete: one line naming the file, exit 1; nothing is changed', async (t) => {
  for (const how of ['truncated', 'not JSON', 'fields missing', 'fields of the wrong type'] as const) {
    const m = make('bad');
    corrupt(m, how);
    for (const args of [
      ['state', m.id],
      ['start', m.id],
      ['kill', m.id, 'KILL'],
      ['delete', m.id],
    ]) {
      const r = h.cli(args);
      t.equal(r.code, 1, `${how}: ${args[0]} fails`);
      t.match(r.stderr, new RegExp(`^tsrun: ${literal(m.file)}: \\S`), `${how}: ${args[0]} names the file`);
      t.equal(r.stderr.trim().split('\n').length, 1, `${how}: ${args[0]}: one line`);
    }
    t.ok(isRunning(m.pid), `${how}: the init was left alone`);
    t.equal(h.cli(['delete', '--force', m.id]).code, 0);
  }
});

t.test('the line says what is wrong: where the JSON ends, which field', async (t) => {
  const m = make('bad');
  corrupt(m, 'truncated');
  t.match(h.cli(['state', m.id]).stderr, /state\.json: invalid JSON at line 1, column \d+: [^\n]+\n$/);
  corrupt(m, 'fields missing');
  t.match(h.cli(['state', m.id]).stderr, /state\.json: ociVersion: must be a string\n$/);
  t.equal(h.cli(['delete', '--force', m.id]).code, 0);
});

t.test('list skips a container it cannot load, with a warning, as runc; the others are listed', async (t) => {
  const bad = make('bad');
  const good = make('good');
  corrupt(bad, 'truncated');
  const r = h.cli(['list', '--format', 'json']);
  t.equal(r.code, 0);
  const ids = (JSON.parse(r.stdout) as { id: string }[]).map((c) => c.id);
  t.ok(ids.includes(good.id), 'the good container is listed');
  t.notOk(ids.includes(bad.id), 'the bad one is not');
  t.match(r.stderr, new RegExp(`load container ${literal(bad.id)}: ${literal(bad.file)}: invalid JSON`));
  for (const m of [bad, good]) t.equal(h.cli(['delete', '--force', m.id]).code, 0);
});

for (const how of Object.keys(corruptions)) {
  t.test(`delete --force of a running container whose state.json is ${how}: all gone`, async (t) => {
    const m = make('force', { start: true });
    corrupt(m, how);
    const r = h.cli(['delete', '--force', m.id]);
    t.equal(r.code, 0, r.stderr);
    await assertAllGone(t, m);
  });
}

t.test('delete --force of a created container, state.json truncated: all gone', async (t) => {
  const m = make('force');
  corrupt(m, 'truncated');
  t.equal(h.cli(['delete', '--force', m.id]).code, 0);
  await assertAllGone(t, m);
});

t.test('delete --force, no pid namespace, state.json truncated: every process of the cgroup goes', async (t) => {
  const m = make('nopidns', {
    start: true,
    edit: (s) => {
      s.process!.args = ['/bin/sh', '-c', 'sleep 300 & sleep 300 & exec /probe sleep 300'];
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    },
  });
  const procs = path.join('/sys/fs/cgroup/pids', h.cgroupParent, m.id, 'cgroup.procs');
  t.ok(await waitFor(() => fs.readFileSync(procs, 'utf8').trim().split('\n').length >= 3), 'three processes');
  const pids = fs.readFileSync(procs, 'utf8').trim().split('\n').map(Number);
  corrupt(m, 'truncated');
  t.equal(h.cli(['delete', '--force', m.id]).code, 0);
  for (const pid of pids) t.ok(await waitFor(() => !isRunning(pid), 5000), `process ${pid} is gone`);
  await assertAllGone(t, m);
});

t.test('a create killed half-way: delete --force removes its cgroups too, not only its directory', async (t) => {
  const id = h.id('killed');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '300']));
  const create = cliAsync(h, ['create', '--bundle', bundle, id]);
  const fifo = path.join(h.root, id, 'exec.fifo');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(fifo) && create.result === null && Date.now() < deadline) {
    // a tight loop: create must be killed before it records the container
  }
  process.kill(create.pid, 'SIGKILL');
  await create.done;
  t.notOk(fs.existsSync(path.join(h.root, id, 'state.json')), 'create died before it recorded the container');
  t.not(h.cgroupsLeft(id).length, 0, 'it left its cgroups');
  const r = h.cli(['delete', '--force', id]);
  t.equal(r.code, 0, r.stderr);
  t.notOk(h.stateDirExists(id), 'no state directory');
  t.same(h.cgroupsLeft(id), [], 'no cgroup');
  t.same(h.processesLeft(), [], 'no process');
});

t.test('delete --force when nothing says which processes were the container: none is killed', async (t) => {
  // state.json unreadable and no cleanup record beside it (a container of an older tsrun):
  // the state directory goes, the rest is left and the line says so.
  const m = make('unknown');
  corrupt(m, 'not JSON');
  fs.rmSync(path.join(h.root, m.id, 'cleanup.json'));
  t.teardown(() => {
    try {
      process.kill(m.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  const r = h.cli(['delete', '--force', m.id]);
  t.equal(r.code, 1);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.match(r.stderr, /processes and cgroups were not found/);
  t.notOk(h.stateDirExists(m.id), 'the state directory is gone');
  t.ok(isRunning(m.pid), 'what is not provably the container is not killed');
  t.equal(h.cli(['delete', '--force', m.id]).code, 0, 'a second delete --force has nothing left to do');
  // What delete --force rightly left (the init and its cgroups) is this test's to remove.
  process.kill(m.pid, 'SIGKILL');
  t.ok(await waitFor(() => !isRunning(m.pid), 5000));
  h.removeLeftovers();
});
