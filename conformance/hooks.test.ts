// Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): prestart and
// createRuntime during create, poststart after start, poststop after delete, all in the
// runtime's namespaces; createContainer during create and startContainer during start, in
// the container's; each gets the container's state on stdin; what a failure does.
// runtime-tools: hooks, hooks_stdin, prestart, prestart_fail, poststart, poststart_fail,
// poststop, poststop_fail.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bundle } from './lib/bundle';
import { Harness } from './lib/harness';
import { runcDeviation, spec } from './lib/expectations';

const h = new Harness();
t.teardown(() => h.cleanup());

const KINDS = ['prestart', 'createRuntime', 'poststart', 'poststop'] as const;
type Kind = (typeof KINDS)[number];

/** A recording hook: appends `KIND MNT-NS` to DIR/order and its stdin to DIR/KIND.state. */
function recorder(dir: string): (kind: Kind | 'createContainer') => { path: string; args: string[] } {
  const file = path.join(dir, 'record.sh');
  fs.writeFileSync(
    file,
    `#!/bin/sh\n/bin/cat > ${dir}/"$1".state\necho "$1 $(/bin/readlink /proc/self/ns/mnt)" >> ${dir}/order\n`,
    { mode: 0o755 },
  );
  return (kind) => ({ path: file, args: ['record.sh', kind] });
}

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const order = (dir: string): string[] =>
  fs.existsSync(path.join(dir, 'order'))
    ? fs.readFileSync(path.join(dir, 'order'), 'utf8').trim().split('\n').filter(Boolean)
    : [];
const kindsRun = (dir: string): string[] => order(dir).map((l) => l.split(' ')[0]!);
const stateSeen = (dir: string, kind: Kind): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(dir, `${kind}.state`), 'utf8'));

/** A bundle whose process sleeps, with `hooks`; its hook records go to a directory of its own. */
function hooked(hooks: (record: ReturnType<typeof recorder>, dir: string) => Record<string, unknown>): {
  b: Bundle;
  dir: string;
} {
  let dir = '';
  const b = h.makeBundle((c, { dir: bundleDir }) => {
    dir = path.join(bundleDir, 'hook-records');
    fs.mkdirSync(dir);
    c.process.args = ['/probe', 'sleep', '30'];
    c.hooks = hooks(recorder(dir), dir);
  });
  return { b, dir };
}

const hostMountNs = fs.readlinkSync('/proc/self/ns/mnt');
/** runc 1.1.5 (Debian 12) runs poststart hooks at the end of `create`, state "created". */
const RUNC_EARLY_POSTSTART = 'runc 1.1.5 runs the poststart hooks inside create, with status "created"';

t.test('each hook runs once, at its point of the lifecycle, with the state on stdin', async (t: Test) => {
  const { b, dir } = hooked((rec) => Object.fromEntries(KINDS.map((k) => [k, [rec(k)]])));
  t.equal(h.create(b).code, 0, 'create');
  t.same(
    kindsRun(dir),
    ['prestart', 'createRuntime'],
    `prestart then createRuntime during create, nothing else yet ${spec('config.md', 'The prestart hooks MUST be called as part of the create operation', ['prestart', 'hooks'])}`,
    runcDeviation(RUNC_EARLY_POSTSTART),
  );
  const pid = h.state(b.id)?.pid;
  for (const kind of ['prestart', 'createRuntime'] as const) {
    const s = stateSeen(dir, kind);
    t.match(
      s,
      { id: b.id, pid, bundle: b.dir },
      `${kind} reads the state ${spec('config.md', 'The state of the container MUST be passed to hooks over stdin', ['hooks_stdin'])}`,
    );
  }
  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.same(
    kindsRun(dir),
    ['prestart', 'createRuntime', 'poststart'],
    `poststart has run when start returns ${spec('runtime.md', 'the poststart hooks MUST be invoked by the runtime', ['poststart'])}`,
  );
  t.match(
    stateSeen(dir, 'poststart'),
    { id: b.id, pid, status: 'running' },
    'poststart reads a running state',
    runcDeviation(RUNC_EARLY_POSTSTART),
  );
  t.equal(h.cli(['kill', b.id, 'KILL']).code, 0);
  t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
  t.same(
    kindsRun(dir),
    ['prestart', 'createRuntime', 'poststart', 'poststop'],
    `poststop after delete ${spec('runtime.md', 'the poststop hooks MUST be invoked by the runtime', ['poststop'])}`,
  );
  t.match(stateSeen(dir, 'poststop'), { id: b.id, bundle: b.dir }, 'poststop reads the state');
  for (const line of order(dir))
    t.equal(
      line.split(' ')[1],
      hostMountNs,
      `${line.split(' ')[0]} runs in the runtime's mount namespace ${spec('config.md', 'in the runtime namespace', ['hooks'])}`,
    );
});

t.test('a failing createRuntime hook fails create and leaves no container', async (t: Test) => {
  const { b, dir } = hooked((rec, d) => ({
    createRuntime: [{ path: script(d, 'fail.sh', 'exit 1') }],
    poststart: [rec('poststart')],
  }));
  t.not(
    h.create(b).code,
    0,
    `create fails ${spec('runtime.md', 'If any prestart hook fails, the runtime MUST generate an error, stop the container', ['prestart_fail'])}`,
  );
  t.equal(h.state(b.id), undefined, 'no container is left');
  t.same(kindsRun(dir), [], 'nothing else ran');
});

t.test('a failing poststart hook is a warning: start succeeds, the container runs', async (t: Test) => {
  const { b, dir } = hooked((rec, d) => ({ poststart: [{ path: script(d, 'fail.sh', 'exit 1') }, rec('poststart')] }));
  t.equal(h.create(b).code, 0, 'create', runcDeviation(RUNC_EARLY_POSTSTART));
  const started = h.cli(['start', b.id]);
  const why = 'a failing poststart hook fails start (runc kills the container)';
  t.equal(
    started.code,
    0,
    `start succeeds ${spec('runtime.md', 'If any poststart hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue', ['poststart_fail'])}`,
    runcDeviation(why),
  );
  t.same(kindsRun(dir), ['poststart'], 'the next poststart hook ran', runcDeviation(why));
  t.equal(h.state(b.id)?.status, 'running', 'the container runs', runcDeviation(why));
  h.cli(['delete', '--force', b.id]);
});

t.test('a failing poststop hook is a warning: delete succeeds', async (t: Test) => {
  const { b, dir } = hooked((rec, d) => ({ poststop: [{ path: script(d, 'fail.sh', 'exit 1') }, rec('poststop')] }));
  t.equal(h.create(b).code, 0, 'create');
  const d = h.cli(['delete', '--force', b.id]);
  t.equal(
    d.code,
    0,
    `delete succeeds ${spec('runtime.md', 'If any poststop hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue', ['poststop_fail'])}`,
    runcDeviation('a failing poststop hook fails delete'),
  );
  t.same(
    kindsRun(dir),
    ['poststop'],
    'the next poststop hook ran',
    runcDeviation('the hooks after a failing one do not run'),
  );
  t.equal(h.state(b.id), undefined, 'the container is gone');
});

/** A recording hook inside the rootfs at /record.sh, writing to the container's /hook-records
 * (rootfs/hook-records on the host): startContainer's path resolves in the container. */
function recorderInRootfs(rootfs: string): { hook: { path: string; args: string[] }; dir: string } {
  const dir = path.join(rootfs, 'hook-records');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(rootfs, 'record.sh'),
    '#!/bin/sh\n/bin/cat > /hook-records/"$1".state\necho "$1 $(/bin/readlink /proc/self/ns/mnt)" >> /hook-records/order\n',
    { mode: 0o755 },
  );
  return { hook: { path: '/record.sh', args: ['record.sh', 'startContainer'] }, dir };
}

t.test('createContainer runs in create, startContainer in start, both in the container', async (t: Test) => {
  const { b, dir } = hooked((rec) => ({
    createRuntime: [rec('createRuntime')],
    createContainer: [rec('createContainer')],
    poststart: [rec('poststart')],
  }));
  // The startContainer hook lives only in the rootfs.
  const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
  const { hook, dir: inside } = recorderInRootfs(b.rootfs);
  config.hooks.startContainer = [hook];
  fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));

  t.equal(h.create(b).code, 0, 'create');
  t.same(
    kindsRun(dir),
    ['createRuntime', 'createContainer'],
    `createContainer after createRuntime, during create ${spec('config.md', 'The createContainer hooks MUST be called as part of the create operation', ['hooks'])}`,
    runcDeviation(RUNC_EARLY_POSTSTART),
  );
  t.same(kindsRun(dir).slice(0, 2), ['createRuntime', 'createContainer'], 'createContainer after createRuntime');
  const pid = h.state(b.id)?.pid;
  const containerNs = fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  t.equal(
    order(dir)[1]?.split(' ')[1],
    containerNs,
    `createContainer runs in the container's mount namespace ${spec('config.md', 'executed in the container namespace', ['hooks'])}`,
  );
  t.not(containerNs, hostMountNs);
  t.match(
    JSON.parse(fs.readFileSync(path.join(dir, 'createContainer.state'), 'utf8')),
    { id: b.id, status: 'creating', bundle: b.dir },
    'createContainer reads the state',
  );
  t.notOk(fs.existsSync(path.join(inside, 'order')), 'startContainer has not run yet');

  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.same(
    fs.readFileSync(path.join(inside, 'order'), 'utf8').trim().split(' '),
    ['startContainer', containerNs],
    `startContainer ran once, resolved and run in the container ${spec('config.md', 'The startContainer hooks MUST be called as part of the start operation', ['hooks'])}`,
  );
  t.match(
    JSON.parse(fs.readFileSync(path.join(inside, 'startContainer.state'), 'utf8')),
    { id: b.id, bundle: b.dir },
    'startContainer reads the state',
  );
  t.same(
    kindsRun(dir),
    ['createRuntime', 'createContainer', 'poststart'],
    'poststart after it',
    runcDeviation(RUNC_EARLY_POSTSTART),
  );
  h.cli(['delete', '--force', b.id]);
});

t.test('a failing createContainer hook fails create and leaves no container', async (t: Test) => {
  const { b, dir } = hooked((rec, d) => ({
    createContainer: [{ path: script(d, 'fail.sh', 'exit 1') }],
    poststart: [rec('poststart')],
  }));
  t.not(
    h.create(b).code,
    0,
    `create fails ${spec('runtime.md', 'If any createContainer hook fails, the runtime MUST generate an error, stop the container', ['hooks'])}`,
  );
  t.equal(h.state(b.id), undefined, 'no container is left');
  t.same(kindsRun(dir), [], 'nothing else ran');
});

t.test('a failing startContainer hook fails start; the container stops', async (t: Test) => {
  const { b } = hooked(() => ({}));
  fs.writeFileSync(path.join(b.rootfs, 'fail.sh'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const config = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8'));
  config.hooks = { startContainer: [{ path: '/fail.sh' }] };
  fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(config));
  t.equal(h.create(b).code, 0, 'create');
  t.not(
    h.cli(['start', b.id]).code,
    0,
    `start fails ${spec('runtime.md', 'If any startContainer hook fails, the runtime MUST generate an error, stop the container', ['hooks'])}`,
    runcDeviation('start returns 0 once the init took the exec.fifo byte; the failing hook only ends the init'),
  );
  t.equal(await h.waitStatus(b.id, ['stopped']), 'stopped', 'the container is stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
  t.equal(h.state(b.id), undefined, 'the container is gone');
});
