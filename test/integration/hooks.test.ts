// Hooks through the real binary: prestart and createRuntime in create, poststart in start,
// poststop in delete (and in run), each once, in that order, in the host's mount namespace,
// with the state document on stdin; env and argv exactly as given; a failing or slow
// createRuntime hook fails create in one line and leaves nothing; a failing poststart or
// poststop hook is a warning and the lifecycle goes on (runtime.md; runc fails start on a
// poststart hook). The in-container kinds, run by the child: createContainer in create
// (the container's mount namespace, host paths, before pivot_root), startContainer in start
// (resolved in the container's root, before the process runs); a failing one fails its
// operation in one line.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import { harness, isRunning, waitFor } from '../helpers/harness';

const h = harness(t);
const hostMountNs = fs.readlinkSync('/proc/self/ns/mnt');
const KINDS = ['prestart', 'createRuntime', 'poststart', 'poststop'] as const;
type Kind = (typeof KINDS)[number];

/** A directory for one test's hook records, and the recording hook: it appends its state
 * document to DIR/KIND.state and `KIND MNT-NS` to DIR/order. */
function recorder(name: string): { dir: string; hook: (kind: string) => { path: string; args: string[] } } {
  const dir = path.join(h.tmp, 'hooks', name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'record.sh');
  fs.writeFileSync(
    file,
    `#!/bin/sh\n/bin/cat >> ${dir}/"$1".state\necho "$1 $(/bin/readlink /proc/self/ns/mnt)" >> ${dir}/order\n`,
    { mode: 0o755 },
  );
  return { dir, hook: (kind) => ({ path: file, args: ['record.sh', kind] }) };
}

/** A hook script in the harness's tmpdir. */
function script(name: string, body: string): string {
  const file = path.join(h.tmp, 'hooks', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

function order(dir: string): string[] {
  const file = path.join(dir, 'order');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
}

/** The one state document a hook of `kind` received (JSON.parse fails on two). */
function stateSeen(dir: string, kind: Kind): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(dir, `${kind}.state`), 'utf8'));
}

function state(id: string): Record<string, any> {
  const r = h.cli(['state', id]);
  if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** One line on stderr, exit 1, matching `pattern`. */
function failsWith(t: Test, r: { code: number; stderr: string }, pattern: RegExp, what: string): void {
  t.equal(r.code, 1, `${what}: exit 1`);
  t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line (${r.stderr.trim()})`);
  t.match(r.stderr, pattern, what);
}

function withHooks(hooks: NonNullable<Spec['hooks']>, args = ['/bin/sh', '-c', 'exec sleep 1000']) {
  return (s: Spec) => {
    s.hooks = hooks;
    s.process!.args = args;
  };
}

t.test('each hook fires once, in order, in the host mount namespace, with the state at that point', async (t) => {
  const id = h.id('hooks');
  const { dir, hook } = recorder('order');
  const bundle = h.bundle(
    id,
    withHooks({
      poststop: [hook('poststop')],
      poststart: [hook('poststart')],
      createRuntime: [hook('createRuntime')],
      prestart: [hook('prestart')],
    }),
  );
  const c = h.cli(['create', '--bundle', bundle, id]);
  t.equal(c.code, 0, c.stderr);
  const pid = state(id).pid;
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['prestart', 'createRuntime'],
    'create runs prestart, then createRuntime',
  );
  for (const kind of ['prestart', 'createRuntime'] as const)
    t.match(stateSeen(dir, kind), { ociVersion: '1.3.0', id, status: 'creating', pid, bundle }, `${kind} state`);
  t.not(fs.readlinkSync(`/proc/${pid}/ns/mnt`), hostMountNs, 'the container has a mount namespace of its own');

  // A config.json changed after create does not matter (runtime.md lifecycle step 2).
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  delete config.hooks;
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));

  const s = h.cli(['start', id]);
  t.equal(s.code, 0, s.stderr);
  t.equal(order(dir).length, 3, 'start runs poststart');
  t.match(stateSeen(dir, 'poststart'), { id, status: 'running', pid, bundle }, 'poststart state');
  t.equal(h.cli(['kill', id, 'KILL']).code, 0);
  await waitFor(() => !isRunning(pid));
  const d = h.cli(['delete', id]);
  t.equal(d.code, 0, d.stderr);
  t.equal(d.stderr, '', 'no warning');
  const seen = order(dir);
  t.same(
    seen.map((l) => l.split(' ')[0]),
    ['prestart', 'createRuntime', 'poststart', 'poststop'],
    'each kind once, in order',
  );
  for (const line of seen) t.equal(line.split(' ')[1], hostMountNs, `${line.split(' ')[0]}: host mount namespace`);
  const poststop = stateSeen(dir, 'poststop');
  t.match(poststop, { id, status: 'stopped', bundle }, 'poststop state');
  t.notOk('pid' in poststop, 'a stopped container has no pid (runc)');
});

t.test('run fires all four, poststop after the container is deleted', async (t) => {
  const id = h.id('hooks-run');
  const { dir, hook } = recorder('run');
  const gone = script(
    'gone.sh',
    `test -d ${path.join(h.root, id)} && echo "state dir still there" >&2 && exit 1; exit 0`,
  );
  const bundle = h.bundle(
    id,
    withHooks(
      {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        poststart: [hook('poststart')],
        poststop: [{ path: gone }, hook('poststop')],
      },
      ['/bin/true'],
    ),
  );
  const r = h.cli(['run', '--bundle', bundle, id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '', 'no warning: the state directory was gone when poststop ran');
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['prestart', 'createRuntime', 'poststart', 'poststop'],
  );
});

t.test('env and argv are exactly as given', async (t) => {
  const id = h.id('hooks-env');
  const out = path.join(h.tmp, 'hooks', 'env');
  fs.mkdirSync(out, { recursive: true });
  // sh itself as the hook: a script's argv[0] would be replaced by the kernel.
  const body = `/bin/cat /proc/$$/cmdline > ${out}/argv; /bin/cat /proc/$$/environ > ${out}/environ`;
  const bundle = h.bundle(
    id,
    withHooks({
      createRuntime: [{ path: '/bin/sh', args: ['my-hook', '-c', body, 'x'], env: ['A=1', 'B=two words'] }],
    }),
  );
  // Through `env -i`: tap's process-info hook, in this process and (through NODE_OPTIONS)
  // in tsrun, adds its variables to every process spawned; tsrun run by an engine has none.
  // stderr to a file: the created container keeps a copy of what it inherits, and
  // spawnSync would wait for a pipe's end.
  const errFile = path.join(out, 'stderr');
  const errFd = fs.openSync(errFile, 'w');
  const clean = spawnSync(
    '/usr/bin/env',
    ['-i', `PATH=${process.env.PATH}`, h.binary, '--root', h.root, 'create', '--bundle', bundle, id],
    { stdio: ['ignore', 'ignore', errFd], timeout: 60_000 },
  );
  fs.closeSync(errFd);
  const c = { code: clean.status, stderr: fs.readFileSync(errFile, 'utf8') };
  t.equal(c.code, 0, c.stderr);
  t.same(fs.readFileSync(path.join(out, 'argv'), 'utf8').split('\0').slice(0, -1), ['my-hook', '-c', body, 'x']);
  t.same(
    fs.readFileSync(path.join(out, 'environ'), 'utf8').split('\0').slice(0, -1),
    ['A=1', 'B=two words'],
    'nothing of the runtime environment',
  );
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('a failing createRuntime hook fails create in one line and leaves nothing', async (t) => {
  const id = h.id('hooks-fail');
  const { dir, hook } = recorder('fail');
  const fail = script('fail.sh', 'echo some output; echo oops >&2; exit 3');
  const bundle = h.bundle(
    id,
    withHooks({
      createRuntime: [hook('createRuntime'), { path: fail }, hook('never')],
      poststart: [hook('poststart')],
      poststop: [hook('poststop')],
    }),
  );
  const r = h.cli(['create', '--bundle', bundle, id]);
  failsWith(t, r, new RegExp(`^tsrun: hooks.createRuntime\\[1\\]: ${fail} exited with status 3: oops$`, 'm'), 'create');
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['createRuntime', 'poststop'],
    'the hooks after the failing one do not run; a failed create ends with poststop (runtime.md step 13)',
  );
  const pid = stateSeen(dir, 'createRuntime').pid;
  t.ok(pid > 0, 'the hook saw the init');
  t.notOk(isRunning(pid), 'the init is gone');
  t.notOk(h.stateDirExists(id), 'no state directory');
});

t.test('a hook past its timeout is killed and create fails cleanly', async (t) => {
  const id = h.id('hooks-slow');
  const pidFile = path.join(h.tmp, 'hooks', 'slow.pid');
  const slow = script('slow.sh', `echo $$ > ${pidFile}; exec /bin/sleep 30`);
  const bundle = h.bundle(id, withHooks({ prestart: [{ path: slow, timeout: 1 }] }));
  const r = h.cli(['create', '--bundle', bundle, id]);
  failsWith(
    t,
    r,
    new RegExp(`^tsrun: hooks.prestart\\[0\\]: ${slow} ran past its timeout of 1 s and was killed$`, 'm'),
    'create',
  );
  const hookPid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(await waitFor(() => !isRunning(hookPid)), 'the hook was killed');
  t.notOk(h.stateDirExists(id), 'no state directory');
});

t.test('a hook that does not exist fails create with its path', async (t) => {
  const id = h.id('hooks-absent');
  const absent = path.join(h.tmp, 'hooks', 'absent');
  const bundle = h.bundle(id, withHooks({ createRuntime: [{ path: absent }] }));
  failsWith(
    t,
    h.cli(['create', '--bundle', bundle, id]),
    new RegExp(`^tsrun: hooks.createRuntime\\[0\\]: ${absent}: no such file or directory$`, 'm'),
    'create',
  );
});

t.test('a relative hook path is refused before anything is made', async (t) => {
  const id = h.id('hooks-rel');
  const bundle = h.bundle(id, withHooks({ poststop: [{ path: 'bin/true' }] }));
  failsWith(
    t,
    h.cli(['create', '--bundle', bundle, id]),
    /^tsrun: config.json: hooks.poststop\[0\].path: must be an absolute path, got "bin\/true"$/m,
    'create',
  );
});

t.test('a failing poststart hook is a warning: the next one runs, start succeeds, the container runs', async (t) => {
  const id = h.id('hooks-poststart');
  const { dir, hook } = recorder('poststart');
  const fail = script('fail-poststart.sh', 'echo no >&2; exit 1');
  const bundle = h.bundle(
    id,
    withHooks({ poststart: [{ path: fail }, hook('poststart')], poststop: [hook('poststop')] }),
  );
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  const pid = state(id).pid;
  const s = h.cli(['start', id]);
  t.equal(s.code, 0, s.stderr);
  t.match(s.stderr, /level=warning msg="hooks.poststart\[0\]: .*fail-poststart.sh exited with status 1: no"/);
  t.ok(isRunning(pid), 'the container runs on');
  t.equal(state(id).status, 'running');
  const d = h.cli(['delete', '--force', id]);
  t.equal(d.code, 0, d.stderr);
  t.same(order(dir), [`poststart ${hostMountNs}`, `poststop ${hostMountNs}`], 'the next poststart, then poststop');
});

t.test('a failing poststop hook is a warning, the next one runs, delete succeeds', async (t) => {
  const id = h.id('hooks-poststop');
  const { dir, hook } = recorder('poststop');
  const fail = script('fail-poststop.sh', 'echo bad >&2; exit 2');
  const bundle = h.bundle(id, withHooks({ poststop: [{ path: fail }, hook('poststop')] }));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  const d = h.cli(['delete', '--force', id]);
  t.equal(d.code, 0, d.stderr);
  t.match(d.stderr, /level=warning msg="hooks.poststop\[0\]: .*fail-poststop.sh exited with status 2: bad"/);
  t.same(order(dir), [`poststop ${hostMountNs}`]);
  t.notOk(h.stateDirExists(id));
});

t.test('delete --force of a corrupt state.json still runs the poststop hooks it names', async (t) => {
  const id = h.id('hooks-corrupt');
  const { dir, hook } = recorder('corrupt');
  const bundle = h.bundle(id, withHooks({ poststop: [hook('poststop')] }));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  const file = path.join(h.root, id, 'state.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), created: 7 }));
  t.equal(h.cli(['delete', id]).code, 1, 'a plain delete refuses the corrupt state.json');
  const d = h.cli(['delete', '--force', id]);
  t.equal(d.code, 0, d.stderr);
  t.same(order(dir), [`poststop ${hostMountNs}`]);
  t.match(stateSeen(dir, 'poststop'), { id, status: 'stopped', bundle });
});

t.test('features lists the hooks tsrun runs', async (t) => {
  const features = JSON.parse(h.cli(['features']).stdout);
  t.same(features.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
});

// The in-container kinds. A recording hook for the host's view (createContainer) and one
// inside the bundle's rootfs copy (startContainer), both appending `KIND MNT-NS` to a file
// the runtime-namespace recorder also writes, and their state document and fds beside it.

/** A hook script inside the rootfs of `bundle` at /name, and the host path of its log dir
 * (the container's /tmp/hooks). */
function inRootfs(bundle: string, name: string, body: string): { path: string; log: string } {
  const log = path.join(bundle, 'rootfs', 'tmp', 'hooks');
  fs.mkdirSync(log, { recursive: true });
  fs.writeFileSync(path.join(bundle, 'rootfs', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { path: `/${name}`, log };
}

/** What a hook records about itself: state, mount namespace, fds (with their targets). */
function recordBody(dir: string, kind: string): string {
  return [
    `/bin/ls -l /proc/self/fd > ${dir}/${kind}.fds`,
    `/bin/cat > ${dir}/${kind}.state`,
    `echo "${kind} $(/bin/readlink /proc/self/ns/mnt)" >> ${dir}/order`,
  ].join('\n');
}

/** The fds `ls -l /proc/self/fd` listed, but the one ls opened on that directory itself. */
function foreignFds(dir: string, kind: string): string[] {
  const lines = fs.readFileSync(path.join(dir, `${kind}.fds`), 'utf8').split('\n');
  return lines
    .map((l) => l.match(/\s(\d+) -> (.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .filter((m) => !['0', '1', '2'].includes(m[1]!) && !/^\/proc\/\d+\/fd$/.test(m[2]!))
    .map((m) => `${m[1]} -> ${m[2]}`);
}

t.test('createContainer and startContainer fire once each, in order, in the container', async (t) => {
  const id = h.id('hooks-in');
  const { dir, hook } = recorder('in');
  const createContainer = script('create-container.sh', recordBody(dir, 'createContainer'));
  const bundle = h.bundle(id);
  // Only in the rootfs copy: a host path would not resolve there (and this one is absent on the host).
  const start = inRootfs(bundle, 'start-container.sh', recordBody('/tmp/hooks', 'startContainer'));
  t.notOk(fs.existsSync(start.path), 'the startContainer path is not a host path');
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  withHooks({
    prestart: [hook('prestart')],
    createRuntime: [hook('createRuntime')],
    createContainer: [{ path: createContainer }],
    startContainer: [{ path: start.path }],
    // The startContainer hook writes inside the container: a poststart hook sees its record.
    poststart: [
      { path: script('saw-start.sh', `test -s ${start.log}/order && echo "saw-startContainer" >> ${dir}/order`) },
      hook('poststart'),
    ],
    poststop: [hook('poststop')],
  })(config);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));

  const c = h.cli(['create', '--bundle', bundle, id]);
  t.equal(c.code, 0, c.stderr);
  const pid = state(id).pid;
  const containerNs = fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['prestart', 'createRuntime', 'createContainer'],
    'create: prestart, createRuntime, then createContainer',
  );
  t.equal(order(dir)[2]!.split(' ')[1], containerNs, "createContainer: the container's mount namespace");
  t.not(containerNs, hostMountNs);
  t.match(JSON.parse(fs.readFileSync(path.join(dir, 'createContainer.state'), 'utf8')), {
    ociVersion: '1.3.0',
    id,
    status: 'creating',
    pid: 1,
    bundle,
  });
  t.same(foreignFds(dir, 'createContainer'), [], 'createContainer: no runtime fd');
  t.notOk(fs.existsSync(path.join(start.log, 'order')), 'startContainer has not run at create');

  const s = h.cli(['start', id]);
  t.equal(s.code, 0, s.stderr);
  const inside = fs.readFileSync(path.join(start.log, 'order'), 'utf8').trim().split(' ');
  t.same(inside, ['startContainer', containerNs], "startContainer ran once, in the container's mount namespace");
  t.match(JSON.parse(fs.readFileSync(path.join(start.log, 'startContainer.state'), 'utf8')), {
    id,
    status: 'created',
    pid: 1,
    bundle,
  });
  t.same(foreignFds(start.log, 'startContainer'), [], 'startContainer: no runtime fd');
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['prestart', 'createRuntime', 'createContainer', 'saw-startContainer', 'poststart'],
    'start: startContainer, then poststart',
  );
  t.ok(isRunning(pid), 'the process runs');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['prestart', 'createRuntime', 'createContainer', 'saw-startContainer', 'poststart', 'poststop'],
  );
});

t.test('in-container hooks get env and argv exactly as given; no env: the process env', async (t) => {
  const id = h.id('hooks-in-env');
  const out = path.join(h.tmp, 'hooks', 'in-env');
  fs.mkdirSync(out, { recursive: true });
  // sh itself as the hook (a script's argv[0] is replaced by the kernel), in no pid
  // namespace of its own so that $$ names it in the host's /proc before pivot_root. The
  // rootfs's sh is busybox, which needs its own name as argv[0].
  const body = (dir: string) => `/bin/cat /proc/$$/cmdline > ${dir}/argv; /bin/cat /proc/$$/environ > ${dir}/environ`;
  const bundle = h.bundle(id, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    s.process!.env = ['PATH=/bin', 'FROM=process'];
  });
  const log = path.join(bundle, 'rootfs', 'tmp');
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  withHooks({
    createContainer: [{ path: '/bin/sh', args: ['my-hook', '-c', body(out), 'x'], env: ['A=1', 'B=two words'] }],
    startContainer: [{ path: '/bin/sh', args: ['sh', '-c', body('/tmp'), 'y'] }],
  })(config);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const c = h.cli(['create', '--bundle', bundle, id]);
  t.equal(c.code, 0, c.stderr);
  const list = (file: string) => fs.readFileSync(file, 'utf8').split('\0').slice(0, -1);
  t.same(list(path.join(out, 'argv')), ['my-hook', '-c', body(out), 'x']);
  t.same(list(path.join(out, 'environ')), ['A=1', 'B=two words'], 'nothing of the runtime environment');
  const s = h.cli(['start', id]);
  t.equal(s.code, 0, s.stderr);
  t.same(list(path.join(log, 'argv')), ['sh', '-c', body('/tmp'), 'y']);
  // busybox's sh rewrites its own environ (adds SHLVL and PWD, reorders); HOME is the
  // process's (from the image's passwd).
  t.same(
    list(path.join(log, 'environ'))
      .filter((e) => !/^(SHLVL|PWD)=/.test(e))
      .sort(),
    ['FROM=process', 'HOME=/root', 'PATH=/bin'],
    "no env: the container process's (runc), nothing of the runtime's",
  );
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('a failing createContainer hook fails create in one line and leaves nothing', async (t) => {
  const id = h.id('hooks-cc-fail');
  const { dir, hook } = recorder('cc-fail');
  const fail = script('cc-fail.sh', 'exit 3');
  const bundle = h.bundle(
    id,
    withHooks({
      createContainer: [hook('createContainer'), { path: fail }, hook('never')],
      poststop: [hook('poststop')],
    }),
  );
  const r = h.cli(['create', '--bundle', bundle, id]);
  failsWith(t, r, new RegExp(`^tsrun: hooks.createContainer\\[1\\]: ${fail} exited with status 3$`, 'm'), 'create');
  t.same(
    order(dir).map((l) => l.split(' ')[0]),
    ['createContainer', 'poststop'],
    'the hooks after the failing one do not run; the failed create ends with poststop',
  );
  t.notOk(h.stateDirExists(id), 'no state directory');
});

t.test("a createContainer hook's stdout and stderr reach the runtime's stderr", async (t) => {
  const id = h.id('hooks-cc-out');
  const fail = script('cc-out.sh', 'echo to-stdout; echo to-stderr >&2; exit 1');
  const bundle = h.bundle(id, withHooks({ createContainer: [{ path: fail }] }));
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1);
  t.same(r.stderr.trim().split('\n'), [
    'to-stdout',
    'to-stderr',
    `tsrun: hooks.createContainer[0]: ${fail} exited with status 1`,
  ]);
});

t.test('a createContainer hook past its timeout is killed and create fails cleanly', async (t) => {
  const id = h.id('hooks-cc-slow');
  const slow = script('cc-slow.sh', 'exec /bin/sleep 30');
  const bundle = h.bundle(id, withHooks({ createContainer: [{ path: slow, timeout: 1 }] }));
  failsWith(
    t,
    h.cli(['create', '--bundle', bundle, id]),
    new RegExp(`^tsrun: hooks.createContainer\\[0\\]: ${slow} ran past its timeout of 1 s and was killed$`, 'm'),
    'create',
  );
  t.notOk(h.stateDirExists(id), 'no state directory');
});

t.test('a createContainer hook that does not exist fails create with its path', async (t) => {
  const id = h.id('hooks-cc-absent');
  const absent = path.join(h.tmp, 'hooks', 'cc-absent');
  const bundle = h.bundle(id, withHooks({ createContainer: [{ path: absent }] }));
  failsWith(
    t,
    h.cli(['create', '--bundle', bundle, id]),
    new RegExp(`^tsrun: hooks.createContainer\\[0\\]: ${absent}: no such file or directory$`, 'm'),
    'create',
  );
});

t.test('a failing startContainer hook fails start in one line; the container ends stopped', async (t) => {
  const id = h.id('hooks-sc-fail');
  const { dir, hook } = recorder('sc-fail');
  const bundle = h.bundle(id);
  const fail = inRootfs(bundle, 'sc-fail.sh', 'exit 4');
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  withHooks({ startContainer: [{ path: fail.path }], poststart: [hook('poststart')], poststop: [hook('poststop')] })(
    config,
  );
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  const pid = state(id).pid;
  failsWith(t, h.cli(['start', id]), /^tsrun: hooks.startContainer\[0\]: \/sc-fail.sh exited with status 4$/m, 'start');
  t.ok(await waitFor(() => !isRunning(pid)), 'the init is gone');
  t.equal(state(id).status, 'stopped');
  t.same(order(dir), [], 'no poststart');
  const d = h.cli(['delete', id]);
  t.equal(d.code, 0, d.stderr);
  t.same(order(dir), [`poststop ${hostMountNs}`]);
  t.notOk(h.stateDirExists(id));
});

t.test('a startContainer hook past its timeout fails start', async (t) => {
  const id = h.id('hooks-sc-slow');
  const bundle = h.bundle(id);
  const slow = inRootfs(bundle, 'sc-slow.sh', 'exec /bin/sleep 30');
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  withHooks({ startContainer: [{ path: slow.path, timeout: 1 }] })(config);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0);
  failsWith(
    t,
    h.cli(['start', id]),
    /^tsrun: hooks.startContainer\[0\]: \/sc-slow.sh ran past its timeout of 1 s and was killed$/m,
    'start',
  );
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});
