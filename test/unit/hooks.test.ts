// Hooks run by the runtime process: the state document, argv/env assembly, the error line,
// what state.json keeps; and the runner itself on small sh scripts (no container).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import {
  hookFailure,
  hookInvocation,
  hookName,
  hookOutcome,
  hookStateDocument,
  outputTail,
  recordedHooks,
  runHooks,
} from '../../src/container/hooks';
import { Logger } from '../../src/log/logger';
import { parseRecord } from '../../src/state/record';
import { STATE_VERSION } from '../../src/state/types';

const container = { ociVersion: '1.3.0', id: 'c1', bundle: '/b', annotations: {} };

t.test('state document: runtime-spec fields, pid only while not stopped', (t) => {
  t.same(hookStateDocument(container, 'creating', 42), {
    ociVersion: '1.3.0',
    id: 'c1',
    status: 'creating',
    pid: 42,
    bundle: '/b',
  });
  t.same(hookStateDocument(container, 'running', 42).pid, 42);
  t.notOk('pid' in hookStateDocument(container, 'stopped', 42), 'a stopped container has no pid (runc)');
  t.same(hookStateDocument({ ...container, annotations: { a: 'b' } }, 'stopped', 0).annotations, { a: 'b' });
  t.notOk('annotations' in hookStateDocument(container, 'running', 1), 'no empty annotations');
  t.end();
});

t.test('invocation: args[0] is argv[0], env exactly as given, timeout in ms', (t) => {
  t.same(hookInvocation({ path: '/bin/h' }), {
    file: '/bin/h',
    argv0: '/bin/h',
    args: [],
    env: undefined,
    timeoutMs: undefined,
  });
  t.same(hookInvocation({ path: '/bin/h', args: [] }).argv0, '/bin/h', 'empty args: argv[0] is the path');
  const full = hookInvocation({
    path: '/bin/h',
    args: ['name', 'a', 'b'],
    env: ['A=1', 'B=x=y', 'A=2', 'C'],
    timeout: 3,
  });
  t.equal(full.argv0, 'name');
  t.same(full.args, ['a', 'b']);
  t.same(full.env, { A: '2', B: 'x=y', C: '' }, 'a later entry wins; no runtime variable added');
  t.equal(full.timeoutMs, 3000);
  t.same(hookInvocation({ path: '/bin/h', env: [] }).env, {}, 'an empty env is empty, not the runtime one');
  t.end();
});

t.test('error line: names the hook, what happened, the output tail on one line', (t) => {
  const hook = { path: '/bin/h', timeout: 2 };
  const name = hookName('createRuntime', 1);
  t.equal(name, 'hooks.createRuntime[1]');
  const ok = { status: 0, signal: null, stdout: '', stderr: '' };
  t.equal(hookFailure(name, hook, ok), undefined);
  t.equal(hookFailure(name, hook, { ...ok, stdout: 'fine' }), undefined, 'output alone is no failure');
  t.equal(
    hookFailure(name, hook, { ...ok, status: 3, stderr: 'line 1\nline 2\n' }),
    'hooks.createRuntime[1]: /bin/h exited with status 3: line 1 | line 2',
  );
  t.equal(
    hookFailure(name, hook, { ...ok, status: 1, stdout: 'only stdout\n' }),
    'hooks.createRuntime[1]: /bin/h exited with status 1: only stdout',
  );
  t.equal(
    hookFailure(name, hook, { ...ok, status: 1, stdout: '' }),
    'hooks.createRuntime[1]: /bin/h exited with status 1',
  );
  t.equal(
    hookFailure(name, hook, { ...ok, status: null, signal: 'SIGKILL', errorCode: 'ETIMEDOUT' }),
    'hooks.createRuntime[1]: /bin/h ran past its timeout of 2 s and was killed',
  );
  t.equal(
    hookFailure(name, hook, { ...ok, status: null, signal: 'SIGSEGV' }),
    'hooks.createRuntime[1]: /bin/h was killed by signal SIGSEGV',
  );
  t.equal(
    hookFailure(name, hook, { ...ok, status: null, errorCode: 'ENOENT', errorText: 'no such file or directory' }),
    'hooks.createRuntime[1]: /bin/h: no such file or directory',
  );
  t.match(hookFailure(name, hook, { ...ok, status: null, signal: 'SIGKILL', errorCode: 'ENOBUFS' }), /wrote more than/);
  const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
  const unread = hookOutcome({ error: epipe, status: 3, signal: null, stdout: '', stderr: 'oops\n' });
  t.equal(
    hookFailure(name, hook, unread),
    'hooks.createRuntime[1]: /bin/h exited with status 3: oops',
    'a hook that did not read its stdin: its status, not EPIPE',
  );
  t.equal(
    hookFailure(name, hook, hookOutcome({ error: epipe, status: 0, signal: null, stdout: '', stderr: '' })),
    undefined,
  );
  const enoent = Object.assign(new Error('spawnSync /bin/h ENOENT'), { code: 'ENOENT' });
  t.equal(
    hookFailure(name, hook, hookOutcome({ error: enoent, status: null, signal: null, stdout: '', stderr: '' })),
    'hooks.createRuntime[1]: /bin/h: no such file or directory',
  );
  const long = outputTail('', `${'x'.repeat(500)}END`);
  t.ok(long.length <= 203 && long.startsWith('...') && long.endsWith('END'), 'a long output keeps its end');
  t.end();
});

t.test('state.json keeps poststart and poststop hooks, and checks them on load', (t) => {
  t.equal(recordedHooks(undefined), undefined);
  t.equal(recordedHooks({ prestart: [{ path: '/p' }], poststop: [] }), undefined, 'only what start and delete run');
  t.same(recordedHooks({ poststart: [{ path: '/a' }], poststop: [{ path: '/b', timeout: 1 }] }), {
    poststart: [{ path: '/a' }],
    poststop: [{ path: '/b', timeout: 1 }],
  });
  const base = {
    version: STATE_VERSION,
    id: 'c1',
    ociVersion: '1.3.0',
    bundle: '/b',
    rootfs: '/b/rootfs',
    pid: 5,
    startTime: 1,
    created: 'now',
    owner: '',
    annotations: {},
    cgroup: { paths: {}, created: [] },
    hasPidNamespace: true,
    hasMountNamespace: true,
    hasProcess: true,
  };
  const load = (extra: object) => parseRecord(JSON.stringify({ ...base, ...extra }), 'state.json', 'c1');
  t.notOk(load({}).hooks, 'a state.json without hooks still loads');
  t.same(load({ hooks: { poststop: [{ path: '/x', args: ['x'], env: ['A=1'], timeout: 2 }] } }).hooks, {
    poststop: [{ path: '/x', args: ['x'], env: ['A=1'], timeout: 2 }],
  });
  t.throws(() => load({ hooks: { poststop: [{ args: ['x'] }] } }), /state\.json: hooks: must be/);
  t.throws(() => load({ hooks: { poststart: [{ path: '/x', timeout: 0 }] } }), /state\.json: hooks: must be/);
  t.throws(() => load({ hooks: [] }), /state\.json: hooks: must be/);
  t.end();
});

t.test('runner: state on stdin, argv and env as given, failure, timeout, warnings', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-hooks-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'out');
  const script = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };
  const logFile = path.join(dir, 'log');
  const logger = new Logger(logFile, 'text', 'debug');
  const state = hookStateDocument(container, 'creating', 42);

  // sh itself as the hook: a script's own argv[0] is replaced by the kernel (binfmt_script).
  const body = `cat /proc/$$/cmdline > ${out}.argv; cat /proc/$$/environ > ${out}.env; cat > ${out}`;
  const recorder = { path: '/bin/sh', args: ['my-name', '-c', body, 'sh'], env: ['ONLY=1', 'PATH=/bin:/usr/bin'] };
  runHooks(logger, 'prestart', [recorder], state);
  const nulList = (file: string) => fs.readFileSync(file, 'utf8').split('\0').slice(0, -1);
  t.same(nulList(`${out}.argv`), ['my-name', '-c', body, 'sh'], 'argv as given, args[0] as argv[0]');
  // tap's process-info hook adds its own variables to every child; the real binary has none
  // (test/integration/hooks.test.ts checks the exact env through it).
  const env = nulList(`${out}.env`).filter((l) => !/^(NODE_OPTIONS|_TAPJS_\w+)=/.test(l));
  t.same(env, ['ONLY=1', 'PATH=/bin:/usr/bin'], 'only the given env');
  t.same(JSON.parse(fs.readFileSync(out, 'utf8')), state, 'the state document on stdin');
  process.env.TSRUN_HOOK_TEST = 'inherited';
  runHooks(logger, 'prestart', [{ path: '/bin/sh', args: ['sh', '-c', body] }], state);
  delete process.env.TSRUN_HOOK_TEST;
  t.ok(nulList(`${out}.env`).includes('TSRUN_HOOK_TEST=inherited'), 'no env: the runtime environment, as runc');
  const record = script('record.sh', `cat > ${out}`);

  const fail = script('fail.sh', 'echo some output; echo oops >&2; exit 3');
  const never = path.join(dir, 'never');
  t.throws(
    () =>
      runHooks(
        logger,
        'createRuntime',
        [{ path: record }, { path: fail }, { path: script('n.sh', `touch ${never}`) }],
        state,
      ),
    { code: 'ERR_TSRUN_HOOK', message: `hooks.createRuntime[1]: ${fail} exited with status 3: oops` },
  );
  t.notOk(fs.existsSync(never), 'hooks after the failing one do not run');

  const slow = script('slow.sh', 'exec sleep 30');
  t.throws(() => runHooks(logger, 'createRuntime', [{ path: slow, timeout: 1 }], state), {
    message: `hooks.createRuntime[0]: ${slow} ran past its timeout of 1 s and was killed`,
  });
  t.throws(() => runHooks(logger, 'prestart', [{ path: path.join(dir, 'absent') }], state), {
    message: `hooks.prestart[0]: ${path.join(dir, 'absent')}: no such file or directory`,
  });

  fs.rmSync(out);
  runHooks(logger, 'poststop', [{ path: fail }, { path: record }], hookStateDocument(container, 'stopped', 0));
  t.ok(fs.existsSync(out), 'after a failing poststop hook the next still runs');
  fs.rmSync(out);
  runHooks(logger, 'poststart', [{ path: fail }, { path: record }], state);
  t.ok(fs.existsSync(out), 'after a failing poststart hook too');
  const log = fs.readFileSync(logFile, 'utf8');
  t.match(log, /level=warning msg="hooks.poststop\[0\]: .*fail.sh exited with status 3: oops"/);
  t.match(log, /level=warning msg="hooks.poststart\[0\]: .*fail.sh exited with status 3: oops"/);
  t.match(log, /hooks.createRuntime\[1\]: stdout: some output/, 'output in full at debug level');
  t.end();
});
