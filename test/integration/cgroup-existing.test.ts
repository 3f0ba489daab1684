// A container whose cgroup already exists: frozen, create is refused (runc: "container's
// cgroup unexpectedly frozen") instead of hanging with the child frozen in it; holding
// another process, create warns and goes on, as runc does.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { harness, isRunning, waitFor } from '../helpers/harness';

const h = harness(t);

/** The container's cgroup, made ahead of it in one v1 hierarchy. */
function existingCgroup(controller: string, id: string): string {
  const dir = path.join('/sys/fs/cgroup', controller, h.cgroupParent, id);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes it before the harness looks for leftovers (the harness removes the parent). */
function removeCgroup(dir: string): void {
  fs.rmdirSync(dir);
}

t.test('a frozen cgroup that already exists: create is refused in one line, nothing left', async (t) => {
  const id = h.id('frozen');
  const dir = existingCgroup('freezer', id);
  try {
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'FROZEN');
    const r = h.cli(['create', '--bundle', h.bundle(id), id]);
    t.equal(r.code, 1);
    t.equal(r.stderr, "tsrun: container's cgroup unexpectedly frozen\n");
    t.notOk(h.stateDirExists(id), 'no state directory');
    t.same(
      h.cgroupsLeft(id).filter((d) => d !== dir),
      [],
      'no cgroup but the one that was there before',
    );
  } finally {
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED');
    removeCgroup(dir);
  }
});

t.test('a cgroup that already holds a process: create warns and the container runs', async (t) => {
  const id = h.id('busy');
  const dir = existingCgroup('pids', id);
  const stranger = spawn('sleep', ['100'], { stdio: 'ignore' });
  const pid = stranger.pid as number;
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    const r = h.cli(['run', '--bundle', h.bundle(id), id]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, `container ${id}: its cgroup is not empty: 1 process(es) found`);
    t.ok(isRunning(pid), 'the stranger is left alone');
  } finally {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isRunning(pid));
    removeCgroup(dir);
  }
});

t.test('delete --force of a container whose cgroup holds a stranger: the stranger lives on', async (t) => {
  // With its own pid namespace the container is gone once its init is: delete used to wait
  // 10 s for the cgroup to empty, then SIGKILL everything in it, the stranger too.
  const id = h.id('shared');
  const dir = existingCgroup('pids', id);
  const stranger = spawn('sleep', ['100'], { stdio: 'ignore' });
  const pid = stranger.pid as number;
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    t.equal(h.cli(['create', '--bundle', h.bundle(id), id]).code, 0);
    const r = h.cli(['delete', '--force', id]);
    t.equal(r.code, 0, r.stderr);
    t.notOk(h.stateDirExists(id), 'the container is gone');
    t.ok(isRunning(pid), 'the stranger is left alone');
    t.ok(fs.existsSync(dir), 'the cgroup that was there before stays');
  } finally {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isRunning(pid));
    removeCgroup(dir);
  }
});
