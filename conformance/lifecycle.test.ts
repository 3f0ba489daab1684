// Lifecycle operations (runtime.md "Operations"): create, start, kill, delete, pid file, and what
// delete must (and must not) remove.
// runtime-tools: create, start, kill, kill_no_effect, killsig, delete, delete_resources,
// delete_only_create_resources, config_updates_without_affect, pidfile.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bundle } from './lib/bundle';
import { Harness, waitUntil } from './lib/harness';
import { runcBehaviourKept, runcDeviation, spec } from './lib/expectations';
import { catchesSignal, cgroupHierarchies } from './lib/host';
import { parseProbe } from './lib/probe';

const h = new Harness();
t.teardown(() => h.cleanup());

/** A probe container created and started (both asserted), then waited for until it is
 * stopped (the probe exits 0) or running (it sleeps 30s). */
async function started(t: Test, until: 'stopped' | 'running'): Promise<Bundle> {
  const b = h.makeBundle((c) => {
    c.process.args = until === 'stopped' ? ['/probe', 'exit', '0'] : ['/probe', 'sleep', '30'];
  });
  t.equal(h.create(b).code, 0, 'create');
  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.equal(await h.waitStatus(b.id, [until]), until, until);
  return b;
}

const OUT = '/output';
const appendOutput = ['sh', '-c', `echo 'process called' >> ${OUT}`];

t.test('create', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = appendOutput;
  });
  const noId = h.cli(['create', '--bundle', b.dir]);
  t.not(
    noId.code,
    0,
    `create without an id fails ${spec('runtime.md', 'This operation MUST generate an error if it is not provided a path to the bundle and the container ID', ['create'])}`,
  );

  const r = h.create(b);
  t.equal(
    r.code,
    0,
    `create makes a new container ${spec('runtime.md', 'create <container-id> <path-to-bundle>', ['create'])}`,
    { stderr: r.stderr },
  );
  const s = h.state(b.id);
  t.equal(s?.id, b.id, `state returns the created container ${spec('runtime.md', 'state <container-id>', ['create'])}`);
  t.equal(s?.status, 'created', 'status is created after create');
  t.notOk(
    fs.existsSync(path.join(b.rootfs, OUT)),
    `create does not run the user process ${spec('runtime.md', 'the user-specified program (from process) MUST NOT be run at this time', ['create', 'start'])}`,
  );

  const again = h.create(b, [], { stdoutFile: path.join(b.dir, 'again.out') });
  t.not(
    again.code,
    0,
    `create with an id in use fails ${spec('runtime.md', 'MUST generate an error if the ID provided is not unique', ['create'])}`,
  );
  t.equal(h.state(b.id)?.status, 'created', 'the failed duplicate create left the first container alone');
  h.cli(['delete', '--force', b.id]);
});

t.test('start', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = appendOutput;
  });
  const out = path.join(b.rootfs, OUT);
  t.not(
    h.cli(['start']).code,
    0,
    `start without an id fails ${spec('runtime.md', 'This operation MUST generate an error if it is not provided the container ID', ['start'])}`,
  );
  t.not(
    h.cli(['start', b.id]).code,
    0,
    `start of a container that does not exist fails ${spec('runtime.md', 'Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error', ['start'])}`,
  );

  const c = h.create(b);
  t.equal(c.code, 0, 'create', { stderr: c.stderr });
  t.notOk(
    fs.existsSync(out),
    `process.args not applied before start ${spec('config.md', 'MUST NOT be applied until triggered by the start operation', ['start'])}`,
  );
  const s = h.cli(['start', b.id]);
  t.equal(
    s.code,
    0,
    `start runs the process ${spec('runtime.md', 'This operation MUST run the user-specified program as specified by process', ['start'])}`,
    { stderr: s.stderr },
  );
  t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped', 'the container stops when its process exits');
  t.equal(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : null, 'process called\n', 'the process ran exactly once');

  t.not(
    h.cli(['start', b.id]).code,
    0,
    `start of a stopped container fails ${spec('runtime.md', 'Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error', ['start'])}`,
  );
  t.equal(
    fs.readFileSync(out, 'utf8'),
    'process called\n',
    'start of a stopped container had no effect (the process did not run again)',
  );
  t.equal(h.state(b.id)?.status, 'stopped', 'still stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete of the stopped container');

  // process unset: config.md makes process OPTIONAL at create and REQUIRED at start.
  const np = h.makeBundle((c) => {
    delete c.process;
  });
  const cr = h.create(np);
  t.equal(
    cr.code,
    0,
    `create accepts a config without process ${spec('config.md', 'This property is REQUIRED when start is called', ['start'])}`,
    {
      stderr: cr.stderr,
      ...runcDeviation(
        'runc rejects a config without process already at create ("process property must not be empty")',
      ),
    },
  );
  const st = h.cli(['start', np.id]);
  t.not(
    st.code,
    0,
    `start without process fails ${spec('runtime.md', 'This operation MUST generate an error if process was not set', ['start'])}`,
  );
  h.cli(['delete', '--force', np.id]);
});

t.test('state after delete, and operations on missing containers', async (t) => {
  const b = await started(t, 'stopped');
  const d = h.cli(['delete', b.id]);
  t.equal(
    d.code,
    0,
    `delete of a stopped container succeeds ${spec('runtime.md', 'Deleting a container MUST delete the resources that were created during the create step', ['delete'])}`,
    { stderr: d.stderr },
  );
  t.not(
    h.cli(['state', b.id]).code,
    0,
    `state errors after delete ${spec('runtime.md', 'MUST generate an error if it is not provided the ID of a container', ['state', 'delete'])}`,
  );
  t.notOk(fs.existsSync(path.join(h.root, b.id)), 'the state directory is gone');
  t.not(h.cli(['delete', b.id]).code, 0, 'delete of a container that no longer exists fails');
  t.not(h.cli(['kill', b.id, 'KILL']).code, 0, 'kill of a container that no longer exists fails');
});

t.test('delete', async (t) => {
  t.not(
    h.cli(['delete']).code,
    0,
    `delete without an id fails ${spec('runtime.md', 'This operation MUST generate an error if it is not provided the container ID', ['delete'])}`,
  );

  // created (not stopped)
  const cb = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
  });
  t.equal(h.create(cb).code, 0, 'create');
  const dc = h.cli(['delete', cb.id]);
  const dev = runcBehaviourKept('delete of a created container kills its init and removes it, as runc 1.1 does');
  t.not(
    dc.code,
    0,
    `delete of a created container fails ${spec('runtime.md', 'Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error', ['delete'])}`,
    dev,
  );
  t.equal(h.state(cb.id)?.status, 'created', 'delete of a created container has no effect (still created)', dev);
  h.cli(['kill', cb.id, 'KILL']);
  await h.waitStatus(cb.id, ['stopped', ''], 5000);
  h.cli(['delete', '--force', cb.id]);

  // running
  const rb = await started(t, 'running');
  t.not(
    h.cli(['delete', rb.id]).code,
    0,
    `delete of a running container fails ${spec('runtime.md', 'Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error', ['delete'])}`,
  );
  t.equal(h.state(rb.id)?.status, 'running', 'delete of a running container has no effect (still running)');
  const f = h.cli(['delete', '--force', rb.id]);
  t.equal(f.code, 0, 'delete --force removes a running container', { stderr: f.stderr });
  t.not(h.cli(['state', rb.id]).code, 0, 'gone after delete --force');
});

t.test('kill', async (t) => {
  t.not(
    h.cli(['kill']).code,
    0,
    `kill without an id fails ${spec('runtime.md', 'This operation MUST generate an error if it is not provided the container ID', ['kill'])}`,
  );
  t.not(
    h.cli(['kill', `no-such-container-${process.pid}`, 'KILL']).code,
    0,
    `kill of a container that does not exist fails ${spec('runtime.md', 'Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error', ['kill'])}`,
  );

  // created
  const cb = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
  });
  t.equal(h.create(cb).code, 0, 'create');
  const kc = h.cli(['kill', cb.id, 'KILL']);
  t.equal(
    kc.code,
    0,
    `kill KILL of a created container succeeds ${spec('runtime.md', 'This operation MUST send the specified signal to the container process', ['kill'])}`,
    { stderr: kc.stderr },
  );
  t.equal(await h.waitStatus(cb.id, ['stopped']), 'stopped', 'the created container is stopped by KILL');
  t.equal(h.cli(['delete', cb.id]).code, 0, 'delete');

  // stopped
  const sb = await started(t, 'stopped');
  t.not(
    h.cli(['kill', sb.id, 'KILL']).code,
    0,
    `kill of a stopped container fails ${spec('runtime.md', 'Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error', ['kill'])}`,
  );
  h.cli(['delete', '--force', sb.id]);

  // running
  const rb = await started(t, 'running');
  const kr = h.cli(['kill', rb.id, 'KILL']);
  t.equal(
    kr.code,
    0,
    `kill KILL of a running container succeeds ${spec('runtime.md', 'This operation MUST send the specified signal to the container process', ['kill'])}`,
    { stderr: kr.stderr },
  );
  t.equal(await h.waitStatus(rb.id, ['stopped']), 'stopped', 'KILL stopped the running container');
  t.equal(h.cli(['delete', rb.id]).code, 0, 'delete');
});

t.test('kill_no_effect', async (t) => {
  const b = await started(t, 'stopped');
  const before = h.state(b.id);
  h.cli(['kill', b.id, 'KILL']);
  const after = h.state(b.id);
  t.ok(before, 'state before');
  t.same(
    before ? after : 'no state before kill',
    before ?? 'state before kill',
    `kill of a stopped container leaves its state unchanged ${spec('runtime.md', 'Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container', ['kill_no_effect'])}`,
  );
  h.cli(['delete', '--force', b.id]);
});

t.test('killsig', async (t) => {
  for (const [name, num] of [
    ['TERM', 15],
    ['USR1', 10],
    ['USR2', 12],
    ['SIGHUP', 1],
    ['2', 2],
  ] as const) {
    const b = h.makeBundle((c) => {
      c.process.args = ['/probe', 'sleep', '30'];
    });
    const c = h.create(b);
    t.equal(c.code, 0, `create (${name})`);
    t.equal(h.cli(['start', b.id]).code, 0, 'start');
    t.equal(await h.waitStatus(b.id, ['running']), 'running', 'running');
    // The probe installs its handlers after exec: until then the signal would kill it.
    const pid = h.state(b.id)?.pid;
    await waitUntil(() => catchesSignal(pid, num));
    const k = h.cli(['kill', b.id, name]);
    t.equal(k.code, 0, `kill ${name} succeeds`, { stderr: k.stderr });
    t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped', 'the process exited on the signal');
    const got = parseProbe(fs.readFileSync(c.outFile, 'utf8'));
    t.same(
      got,
      { signal: num },
      `the process received signal ${num} for "${name}" ${spec('runtime.md', 'This operation MUST send the specified signal to the container process', ['killsig'])}`,
    );
    h.cli(['delete', b.id]);
  }
  const d = h.makeBundle((c) => {
    c.process.args = ['/probe', 'sleep', '30'];
  });
  t.equal(h.create(d).code, 0, 'create (default signal)');
  t.equal(h.cli(['start', d.id]).code, 0, 'start');
  await h.waitStatus(d.id, ['running']);
  const pid = h.state(d.id)?.pid;
  await waitUntil(() => catchesSignal(pid, 15));
  t.equal(h.cli(['kill', d.id]).code, 0, 'kill without a signal succeeds');
  t.equal(await h.waitStatus(d.id, ['stopped']), 'stopped', 'stopped');
  t.same(
    parseProbe(fs.readFileSync(path.join(d.dir, 'container.out'), 'utf8')),
    { signal: 15 },
    'kill without a signal sends SIGTERM (runc CLI default)',
  );
  h.cli(['delete', d.id]);
});

t.test('pidfile', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'sleep', '30'];
  });
  const pidFile = path.join(h.work, `pidfile-${b.id}`);
  const c = h.create(b, ['--pid-file', pidFile]);
  t.equal(c.code, 0, 'create --pid-file', { stderr: c.stderr });
  const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : '';
  t.match(text, /^\d+\n?$/, 'the pid file holds a decimal pid');
  const st = h.state(b.id);
  t.equal(
    Number(text),
    st?.pid,
    `the pid file holds the container pid (= state.pid) ${spec('runtime.md', 'pid (int, REQUIRED when status is created or running on Linux) is the ID of the container process', ['pidfile'])}`,
  );
  t.ok(fs.existsSync(`/proc/${Number(text)}`), 'that process exists');
  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.equal(await h.waitStatus(b.id, ['running']), 'running', 'running');
  t.equal(h.state(b.id)?.pid, Number(text), 'state.pid unchanged by start');
  t.equal(h.cli(['kill', b.id, 'KILL']).code, 0, 'kill');
  t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped', 'stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');

  const rel = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
  });
  const r = h.cli(['create', '--bundle', rel.dir, '--pid-file', 'rel.pid', rel.id], { cwd: h.work });
  t.equal(r.code, 0, 'create with a relative --pid-file');
  t.equal(
    Number(fs.existsSync(path.join(h.work, 'rel.pid')) ? fs.readFileSync(path.join(h.work, 'rel.pid'), 'utf8') : NaN),
    h.state(rel.id)?.pid,
    'a relative pid file is relative to the working directory of the runtime',
  );
  h.cli(['delete', '--force', rel.id]);
});

function cgroupDirs(rel: string): string[] {
  return cgroupHierarchies()
    .map((hi) => path.join(hi, rel))
    .filter((d) => fs.existsSync(d));
}

t.test('delete_resources', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
    c.linux.resources = { ...(c.linux.resources ?? {}), pids: { limit: 1000 } };
  });
  t.equal(h.create(b).code, 0, 'create');
  const rel = h.cgroupPath(b.id);
  const pidsMax = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']
    .map((hi) => path.join(hi, rel, 'pids.max'))
    .find((f) => fs.existsSync(f));
  t.equal(
    pidsMax && fs.readFileSync(pidsMax, 'utf8').trim(),
    '1000',
    `the cgroup from cgroupsPath has pids.max 1000 ${spec('config-linux.md', 'limit (int64, REQUIRED) - specifies the maximum number of tasks in the cgroup', ['delete_resources'])}`,
  );
  t.ok(cgroupDirs(rel).length > 0, 'the container cgroup exists after create');
  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped', 'stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
  t.same(
    cgroupDirs(rel),
    [],
    `delete removes the container's cgroup in every hierarchy ${spec('runtime.md', 'Deleting a container MUST delete the resources that were created during the create step', ['delete_resources'])}`,
  );
});

t.test('delete_only_create_resources', async (t) => {
  // cgroup v1: the pids hierarchy (as runtime-tools); cgroup v2: the unified root.
  const hier = fs.existsSync('/sys/fs/cgroup/pids/cgroup.procs') ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
  const foreign = `${hier}/${h.cgParent}-foreign`;
  fs.mkdirSync(foreign);
  h.trackCgroupDir(foreign);
  // The cgroupsPath parent exists before this create (made here), so it is not this container's either.
  for (const hi of cgroupHierarchies()) fs.mkdirSync(path.join(hi, h.cgParent), { recursive: true });
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
  });
  t.equal(h.create(b).code, 0, 'create');
  const pid = h.state(b.id)?.pid;
  fs.writeFileSync(path.join(foreign, 'cgroup.procs'), String(pid));
  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped', 'stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
  t.ok(
    fs.existsSync(foreign),
    `a cgroup the container was moved into but did not create survives delete ${spec('runtime.md', 'resources associated with the container, but not created by this container, MUST NOT be deleted', ['delete_only_create_resources'])}`,
  );
  t.ok(fs.existsSync(path.join(hier, h.cgParent)), 'the pre-existing cgroupsPath parent survives too');
});

t.test('config_updates_without_affect', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'sysctl', 'net.ipv4.ip_forward'];
    c.process.oomScoreAdj = 100;
    c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    c.hostname = 'before-update';
  });
  const c = h.create(b);
  t.equal(c.code, 0, 'create', { stderr: c.stderr });
  fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.0' }));
  const s = h.cli(['start', b.id]);
  t.equal(
    s.code,
    0,
    `start succeeds after config.json was replaced ${spec('runtime.md', 'Any updates to config.json after this step MUST NOT affect the container', ['config_updates_without_affect'])}`,
    { stderr: s.stderr },
  );
  await h.waitStatus(b.id, ['stopped']);
  const p = parseProbe(fs.readFileSync(c.outFile, 'utf8'));
  t.equal(p?.hostname, 'before-update', 'the process ran with the config as it was at create (hostname)');
  t.equal(p?.sysctl?.['net.ipv4.ip_forward'], '1', '... sysctl');
  t.equal(p?.oomScoreAdj, 100, '... oomScoreAdj');
  t.same(p?.args, ['/probe', 'sysctl', 'net.ipv4.ip_forward'], '... args');
  h.cli(['delete', '--force', b.id]);
});
