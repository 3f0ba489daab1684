// Status derivation (pure), the state store on a tmpdir, logger lines, signal names.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { deriveStatus, stateDocument } from '../../src/container/status';
import { formatRecord } from '../../src/log/logger';
import { StateStore } from '../../src/state/store';
import { CLEANUP_VERSION, STATE_VERSION, type ContainerRecord } from '../../src/state/types';
import { errnoText } from '../../src/errno';
import { parseStartTime, unescapeMountField } from '../../src/sys/proc';
import { mountPointsUnder } from '../../src/container/shared-mounts';
import { parseSignal } from '../../src/sys/signals';

t.test('status: derived from the live process, its start time and the fifo', async (t) => {
  const alive = { startTime: 100, state: 'S' };
  t.equal(deriveStatus({ process: alive, recordedStartTime: 100, fifoExists: true, frozen: false }), 'created');
  t.equal(deriveStatus({ process: alive, recordedStartTime: 100, fifoExists: false, frozen: false }), 'running');
  t.equal(
    deriveStatus({ process: alive, recordedStartTime: 99, fifoExists: false, frozen: false }),
    'stopped',
    'a reused pid is not the container',
  );
  t.equal(
    deriveStatus({ process: { startTime: 100, state: 'Z' }, recordedStartTime: 100, fifoExists: false, frozen: false }),
    'stopped',
  );
  t.equal(deriveStatus({ process: null, recordedStartTime: 100, fifoExists: true, frozen: false }), 'stopped');
  t.equal(deriveStatus({ process: alive, recordedStartTime: 100, fifoExists: false, frozen: true }), 'paused');
  t.equal(
    deriveStatus({ process: alive, recordedStartTime: 100, fifoExists: true, frozen: true }),
    'paused',
    'a frozen created container is paused, as in runc',
  );
  t.equal(
    deriveStatus({ process: alive, recordedStartTime: 99, fifoExists: false, frozen: true }),
    'stopped',
    'a dead init is stopped even with a frozen cgroup',
  );
});

t.test('proc: start time is field 22 even when the command has spaces and parens', async (t) => {
  const stat =
    '4242 (a b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615';
  t.equal(parseStartTime(stat), 987654);
});

const record = (id: string): ContainerRecord => ({
  version: STATE_VERSION,
  id,
  ociVersion: '1.3.0',
  bundle: '/b',
  rootfs: '/b/rootfs',
  pid: 7,
  startTime: 1,
  created: '2026-01-01T00:00:00.000Z',
  owner: '',
  annotations: {},
  cgroup: { paths: {}, created: [] },
  hasPidNamespace: true,
  hasProcess: true,
  hasMountNamespace: true,
});

t.test('store: exclusive reserve, atomic save, list, not-found', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-store-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new StateStore(path.join(root, 'state'));
  store.reserve('a');
  t.throws(() => store.reserve('a'), { code: 'ERR_TSRUN_STATE', message: 'container with id exists: a' });
  t.equal(store.load('a'), null, 'reserved but not saved: still being created');
  store.save(record('a'));
  t.equal(store.require('a').pid, 7);
  t.same(fs.readdirSync(store.dir('a')), ['state.json'], 'no temp file left');
  t.same(store.list(), ['a']);
  t.throws(() => store.load('nope'), { code: 'ERR_TSRUN_NOT_FOUND' });
  t.throws(() => store.reserve('../x'), { code: 'ERR_TSRUN_USAGE' });
  store.remove('a');
  t.same(store.list(), []);
});

function storeIn(t: Test): StateStore {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-store-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return new StateStore(path.join(root, 'state'));
}

t.test('store: a state.json that is not a whole record is one error naming the file', async (t) => {
  const store = storeIn(t);
  store.reserve('a');
  const file = store.statePath('a');
  const whole = JSON.stringify(record('a'));
  const cases: [text: string, message: string][] = [
    [whole.slice(0, 40), `${file}: invalid JSON at line 1, column 41: unterminated string`],
    ['', `${file}: invalid JSON at line 1, column 1: expected a value, got end of file`],
    ['[1]', `${file}: must hold a JSON object`],
    [JSON.stringify({ version: 1, id: 'a' }), `${file}: ociVersion: must be a string`],
    [JSON.stringify({ ...record('a'), pid: 0 }), `${file}: pid: must be a positive integer`],
    [JSON.stringify({ ...record('a'), startTime: '1' }), `${file}: startTime: must be a non-negative integer`],
    [
      JSON.stringify({ ...record('a'), cgroup: { paths: {}, created: [1] } }),
      `${file}: cgroup: must be {"paths": {KEY: DIR}, "created": [DIR]}`,
    ],
    [JSON.stringify({ ...record('a'), hasProcess: 'yes' }), `${file}: hasProcess: must be true or false`],
    [JSON.stringify(record('b')), `${file}: id: is "b", not the directory's name "a"`],
    [JSON.stringify({ ...record('a'), version: 9 }), `${file}: written by an incompatible tsrun (version 9)`],
    [JSON.stringify({ ...record('a'), resources: [] }), `${file}: resources: must be an object`],
    [
      JSON.stringify({ ...record('a'), intelRdt: { group: '/sys/fs/resctrl/a', removeGroup: 'yes', monGroup: null } }),
      `${file}: intelRdt: must be {"group": DIR, "removeGroup": BOOL, "monGroup": DIR|null}`,
    ],
    [
      JSON.stringify({ ...record('a'), exec: { process: null, namespaces: 'pid', noNewKeyring: false } }),
      `${file}: exec: must be {"process": PROCESS|null, "seccomp"?: SECCOMP, "memoryPolicy"?: POLICY, "namespaces": [TYPE], "noNewKeyring": BOOL}`,
    ],
    [
      JSON.stringify({
        ...record('a'),
        exec: { process: null, memoryPolicy: 'MPOL_BIND', namespaces: [], noNewKeyring: false },
      }),
      `${file}: exec: must be {"process": PROCESS|null, "seccomp"?: SECCOMP, "memoryPolicy"?: POLICY, "namespaces": [TYPE], "noNewKeyring": BOOL}`,
    ],
    [
      JSON.stringify({ ...record('a'), exec: { process: [], namespaces: [], noNewKeyring: false } }),
      `${file}: exec: must be {"process": PROCESS|null, "seccomp"?: SECCOMP, "memoryPolicy"?: POLICY, "namespaces": [TYPE], "noNewKeyring": BOOL}`,
    ],
    [
      JSON.stringify({ ...record('a'), startContainerHooks: 'yes' }),
      `${file}: startContainerHooks: must be true when present`,
    ],
  ];
  for (const [text, message] of cases) {
    fs.writeFileSync(file, text);
    t.throws(() => store.load('a'), { code: 'ERR_TSRUN_CORRUPT_STATE', message }, message);
  }
  fs.writeFileSync(file, whole);
  t.same(store.load('a'), record('a'), 'a whole record loads (one from before resources were kept)');
  const withResources = { ...record('a'), resources: { pids: { limit: 5 } } };
  fs.writeFileSync(file, JSON.stringify(withResources));
  t.same(store.load('a'), withResources, 'the resources update keeps');
  const withExec: ContainerRecord = {
    ...record('a'),
    exec: {
      process: { cwd: '/', args: ['sh'] },
      seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
      namespaces: ['pid', 'mount'],
      noNewKeyring: true,
    },
  };
  fs.writeFileSync(file, JSON.stringify(withExec));
  t.same(store.load('a'), withExec, 'what exec needs from create time keeps');
  const withStartHooks = { ...record('a'), startContainerHooks: true };
  fs.writeFileSync(file, JSON.stringify(withStartHooks));
  t.same(store.load('a'), withStartHooks, 'a container with startContainer hooks says so');
});

t.test('store: remains keeps the fields that still have their type, and a whole cleanup.json', async (t) => {
  const store = storeIn(t);
  store.reserve('a');
  t.same(store.remains('a'), {
    partial: {},
    cleanup: null,
    cleanupProblem: `${store.cleanupPath('a')}: missing`,
  });
  fs.writeFileSync(store.statePath('a'), JSON.stringify({ ...record('a'), pid: 'x', cgroup: null, bundle: 3 }));
  const { partial } = store.remains('a');
  t.equal(partial.startTime, 1);
  t.equal(partial.rootfs, '/b/rootfs');
  t.notOk('pid' in partial || 'cgroup' in partial || 'bundle' in partial, 'the bad fields are dropped');
  fs.writeFileSync(store.statePath('a'), JSON.stringify(record('b')));
  t.same(store.remains('a').partial, {}, "another container's record gives nothing");
  fs.writeFileSync(store.statePath('a'), JSON.stringify(record('a')).slice(0, 60));
  t.same(store.remains('a').partial, {}, 'nothing from text that is not JSON');

  const cleanup = {
    version: CLEANUP_VERSION,
    id: 'a',
    cgroup: { paths: { pids: '/sys/fs/cgroup/pids/a' }, created: ['/sys/fs/cgroup/pids/a'] },
    cgroupInodes: { '/sys/fs/cgroup/pids/a': '4242' },
    rootfs: '/b/rootfs',
    hasMountNamespace: true,
  };
  store.saveCleanup(cleanup);
  t.same(store.remains('a').cleanup, cleanup);
  t.same(
    fs.readdirSync(store.dir('a')).sort(),
    ['cleanup.json', 'state.json'],
    'written through a temporary file, none left',
  );
  fs.writeFileSync(store.cleanupPath('a'), '{"version":1');
  t.match(store.remains('a'), { cleanup: null, cleanupProblem: /cleanup\.json: invalid JSON at line 1, column 13/ });
  store.remove('a');
  t.same(store.list(), [], 'remove takes cleanup.json too');
});

t.test('state document: pid 0 once stopped, annotations only when present', async (t) => {
  t.equal(stateDocument(record('a'), 'stopped').pid, 0);
  t.equal(stateDocument(record('a'), 'running').pid, 7);
  t.notOk('annotations' in stateDocument(record('a'), 'running'));
});

t.test('log: json lines containerd can decode (RFC 3339 time), logrus text', async (t) => {
  const line = formatRecord('json', 'error', 'boom "x"', new Date('2026-11-23T10:00:00.123Z'));
  const parsed = JSON.parse(line);
  t.same(parsed, { level: 'error', msg: 'boom "x"', time: '2026-11-23T10:00:00.123Z' });
  t.match(parsed.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
  t.equal(formatRecord('text', 'warning', 'w', new Date(0)), 'time="1970-01-01T00:00:00.000Z" level=warning msg="w"\n');
});

t.test('signals and errno text as runc spells them', async (t) => {
  t.equal(parseSignal('KILL'), 9);
  t.equal(parseSignal('SIGTERM'), 15);
  t.equal(parseSignal('usr1'), 10);
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal('0'), 0, 'signal 0: a liveness check, as in runc');
  t.equal(parseSignal('RTMIN+2'), 36);
  for (const [name, number] of Object.entries(os.constants.signals)) {
    t.equal(parseSignal(name), number, `${name}: the table agrees with node:os`);
    t.equal(parseSignal(name.slice(3).toLowerCase()), number);
  }
  t.throws(() => parseSignal('SIGFOO'), { code: 'ERR_TSRUN_USAGE', message: 'unknown signal "SIGFOO"' });
  t.throws(() => parseSignal('99'), { code: 'ERR_TSRUN_USAGE' });
  t.equal(errnoText(2), 'no such file or directory');
  t.equal(errnoText(1), 'operation not permitted');
});

t.test('mountinfo fields: octal escapes decoded; shared mounts under a rootfs, deepest first', async (t) => {
  t.equal(unescapeMountField('/a\\040b'), '/a b');
  const info = [
    '1 0 0:1 / / rw - ext4 x rw',
    '2 1 0:2 / /b/rootfs/proc rw - proc proc rw',
    '3 1 0:3 / /b/rootfs/dev rw - tmpfs t rw',
    '4 3 0:4 / /b/rootfs/dev/pts rw - devpts d rw',
    '5 1 0:5 / /b/rootfs2/x rw - tmpfs t rw',
  ].join('\n');
  t.same(mountPointsUnder(info, '/b/rootfs'), ['/b/rootfs/dev/pts', '/b/rootfs/proc', '/b/rootfs/dev']);
});
