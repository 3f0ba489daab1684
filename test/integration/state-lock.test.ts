// Commands on one container at the same time: those that change it (create, start, delete)
// take the container's lock exclusively, kill takes it shared, state and list take none.
// Whoever comes second sees what the first did: a clear error or nothing to do, never a
// half-done container. The test holds the lock itself to line the commands up.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { lockContainer } from '../../src/state/lock';
import { StateStore } from '../../src/state/store';
import { cliAsync, holdLock, sleep } from '../helpers/concurrent';
import { harness, isRunning, waitFor } from '../helpers/harness';

const h = harness(t);

/** Long enough for a command that does not wait to have finished. */
const WAIT_MS = 1500;

function make(prefix: string, start = false): { id: string; pid: number } {
  const id = h.id(prefix);
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '300']));
  const c = h.cli(['create', '--bundle', bundle, id]);
  if (c.code !== 0) throw new Error(`create ${id}: ${c.stderr}`);
  if (start && h.cli(['start', id]).code !== 0) throw new Error(`start ${id} failed`);
  return { id, pid: JSON.parse(h.cli(['state', id]).stdout).pid as number };
}

function lockOf(t: Test, id: string, exclusive: boolean): () => void {
  const lock = holdLock(path.join(h.root, id), exclusive);
  let held = true;
  const release = (): void => {
    if (held) lock.release();
    held = false;
  };
  t.teardown(release);
  return release;
}

function status(id: string): string {
  const r = h.cli(['state', id]);
  return r.code === 0 ? (JSON.parse(r.stdout).status as string) : `error: ${r.stderr}`;
}

async function assertAllGone(t: Test, id: string, pid: number): Promise<void> {
  t.ok(await waitFor(() => !isRunning(pid), 5000), `the init ${pid} is gone`);
  t.notOk(h.stateDirExists(id), 'no state directory');
  t.same(h.cgroupsLeft(id), [], 'no cgroup');
}

t.test('lockContainer: readers share it, a writer waits, and gives up with one line', async (t) => {
  const store = new StateStore(h.root);
  const id = h.id('lk');
  store.reserve(id);
  t.teardown(() => store.remove(id));
  const reader = lockContainer(store, id, 'shared');
  lockContainer(store, id, 'shared', 0).release();
  t.throws(() => lockContainer(store, id, 'exclusive', 200), {
    code: 'ERR_TSRUN_STATE',
    message: `container ${id} is busy: another tsrun command has held its lock for 0.2 s`,
  });
  reader.release();
  const writer = lockContainer(store, id, 'exclusive', 0);
  t.throws(() => lockContainer(store, id, 'shared', 0), { code: 'ERR_TSRUN_STATE' }, 'a writer excludes readers');
  writer.release();
  t.throws(() => lockContainer(store, 'nope', 'shared'), {
    code: 'ERR_TSRUN_NOT_FOUND',
    message: 'container does not exist: nope',
  });
});

t.test('lockContainer: a directory removed while we wait is not found; one made again is locked', async (t) => {
  const store = new StateStore(h.root);
  const id = h.id('lk');
  const dir = store.dir(id);
  // flock(1) holds the lock as another command would, then deletes the directory (and,
  // the second time, a new create makes it again) before letting go.
  for (const [then, expect] of [
    [`rmdir ${dir}`, 'not found'],
    [`rmdir ${dir} && mkdir ${dir}`, 'locked'],
  ] as const) {
    store.reserve(id);
    const holder = spawn('flock', ['--exclusive', dir, 'sh', '-c', `sleep 0.5; ${then}`], { stdio: 'ignore' });
    const exited = new Promise((r) => holder.on('exit', r));
    t.ok(
      await waitFor(() => {
        try {
          lockContainer(store, id, 'shared', 0).release();
          return false;
        } catch {
          return true;
        }
      }),
      'flock(1) holds the lock',
    );
    if (expect === 'not found') {
      t.throws(() => lockContainer(store, id, 'exclusive'), { code: 'ERR_TSRUN_NOT_FOUND' }, 'deleted meanwhile');
    } else {
      const lock = lockContainer(store, id, 'exclusive');
      t.throws(() => holdLock(dir, false), /locked already/, 'the new directory is the one locked');
      lock.release();
      store.remove(id);
    }
    await exited;
  }
});

t.test('start waits while the container is locked; state and list answer at once', async (t) => {
  const c = make('lock');
  const release = lockOf(t, c.id, true);
  const start = cliAsync(h, ['start', c.id]);
  await sleep(WAIT_MS);
  t.equal(start.result, null, 'start is still waiting for the lock');
  t.equal(status(c.id), 'created', 'state does not wait');
  t.ok(h.cli(['list', '-q']).stdout.split('\n').includes(c.id), 'list does not wait');
  release();
  t.equal((await start.done).code, 0, 'start goes on once the lock is free');
  t.equal(status(c.id), 'running');
  t.equal(h.cli(['delete', '--force', c.id]).code, 0);
});

t.test('kill waits for an exclusive holder, not for another reader', async (t) => {
  const c = make('lock', true);
  const releaseShared = lockOf(t, c.id, false);
  t.equal(h.cli(['kill', c.id, 'CONT']).code, 0, 'kill shares the lock with another reader');
  releaseShared();
  const release = lockOf(t, c.id, true);
  const kill = cliAsync(h, ['kill', c.id, 'KILL']);
  await sleep(WAIT_MS);
  t.equal(kill.result, null, 'kill waits while a command changes the container');
  t.ok(isRunning(c.pid), 'and has sent nothing yet');
  release();
  t.equal((await kill.done).code, 0);
  t.ok(await waitFor(() => !isRunning(c.pid), 5000), 'then the signal arrives');
  t.equal(h.cli(['delete', c.id]).code, 0);
});

t.test('two racing delete --force: both exit 0, the container is gone, nothing is left', async (t) => {
  const c = make('del2', true);
  const release = lockOf(t, c.id, true);
  const first = cliAsync(h, ['delete', '--force', c.id]);
  const second = cliAsync(h, ['delete', '--force', c.id]);
  await sleep(WAIT_MS);
  t.equal(first.result ?? second.result, null, 'both wait for the lock');
  release();
  const [a, b] = await Promise.all([first.done, second.done]);
  t.equal(a.code, 0, a.stderr);
  t.equal(b.code, 0, b.stderr);
  await assertAllGone(t, c.id, c.pid);
});

t.test('start racing delete --force: whichever is second sees what the first did', async (t) => {
  for (let round = 0; round < 3; round++) {
    const c = make('startdel');
    const release = lockOf(t, c.id, true);
    const start = cliAsync(h, ['start', c.id]);
    const del = cliAsync(h, ['delete', '--force', c.id]);
    await sleep(round === 0 ? WAIT_MS : 200);
    t.equal(start.result ?? del.result, null, 'both wait for the lock');
    release();
    const [s, d] = await Promise.all([start.done, del.done]);
    t.equal(d.code, 0, `delete --force: ${d.stderr}`);
    if (s.code !== 0) t.match(s.stderr, /^tsrun: container does not exist: /, 'start after delete: not found');
    await assertAllGone(t, c.id, c.pid);
  }
});

t.test('two racing starts: one starts the container, the other says it already runs', async (t) => {
  for (let round = 0; round < 3; round++) {
    const c = make('start2');
    const release = lockOf(t, c.id, true);
    const runs = [cliAsync(h, ['start', c.id]), cliAsync(h, ['start', c.id])];
    await sleep(round === 0 ? WAIT_MS : 200);
    t.equal(runs[0]!.result ?? runs[1]!.result, null, 'both wait for the lock');
    release();
    const results = await Promise.all(runs.map((r) => r.done));
    t.same(results.map((r) => r.code).sort(), [0, 1], 'one succeeds, one fails');
    const loser = results.find((r) => r.code === 1);
    t.equal(loser?.stderr, 'tsrun: cannot start an already running container\n', "runc's line");
    t.equal(status(c.id), 'running');
    t.equal(h.cli(['delete', '--force', c.id]).code, 0);
  }
});

t.test('a create held half-way: delete --force waits for it, then removes the created container', async (t) => {
  const id = h.id('createdel');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe', 'sleep', '300']));
  const fifo = path.join(h.root, id, 'exec.fifo');
  const create = cliAsync(h, ['create', '--bundle', bundle, id]);
  t.teardown(() => {
    if (create.result === null) process.kill(create.pid, 'SIGCONT');
  });
  // exec.fifo is made once the state directory is reserved and the cgroups exist; the
  // container is recorded (state.json) only at the end. Stop create in between.
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(fifo) && create.result === null && Date.now() < deadline) {
    // a tight loop: a timer would let create run on to its end
  }
  process.kill(create.pid, 'SIGSTOP');
  t.notOk(fs.existsSync(path.join(h.root, id, 'state.json')), 'create was stopped before it recorded the container');
  t.equal(status(id), 'creating');
  const del = cliAsync(h, ['delete', '--force', id]);
  await sleep(WAIT_MS);
  t.equal(del.result, null, 'delete --force waits for the create');
  process.kill(create.pid, 'SIGCONT');
  const c = await create.done;
  t.equal(c.code, 0, `create finished: ${c.stderr}`);
  t.equal((await del.done).code, 0, 'then delete --force removed it');
  t.notOk(h.stateDirExists(id), 'no state directory');
  t.same(h.cgroupsLeft(id), [], 'no cgroup');
  t.same(h.processesLeft(), [], 'no process');
});

t.test('a wide --preserve-fds passes only what the caller passed: not the lock, not exec.fifo', async (t) => {
  // The fds the caller passed are found before create opens any (the lock on the state
  // directory, exec.fifo): one of those in the preserved range used to look passed.
  const id = h.id('pfd');
  const bundle = h.bundle(id, (s) => (s.process!.args = ['/probe']));
  const extra = fs.openSync(path.join(bundle, 'config.json'), 'r');
  const r = h.cli(['run', '--preserve-fds', '40', '--bundle', bundle, id], { stdio: ['ignore', 1, 2, extra] });
  fs.closeSync(extra);
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout).openFds, [0, 1, 2, 3]);
});
