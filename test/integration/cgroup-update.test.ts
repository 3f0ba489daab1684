// `tsrun update` on live containers: --memory, --pids-limit and --resources - change the
// host cgroup files and what the container itself reads in its /sys/fs/cgroup; a lowered
// pids limit stops a fork loop; created and paused containers are updated, a stopped one is
// refused with runc's words; malformed values and kernel refusals are one line, exit 1,
// and leave the cgroup and state.json as they were. The merge and the write order are
// unit-tested in test/unit/cgroup-update.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { cgroupVersion, readHostHierarchies } from '../../src/cgroups/hierarchies';
import type { Resources, Spec } from '../../src/config/types';
import { harness, waitFor } from '../helpers/harness';

const h = harness(t);
const hierarchies = readHostHierarchies();
const version = cgroupVersion(hierarchies);
const MiB = 2 ** 20;

const hostFile = (controller: string, id: string, file: string) => h.cgroupFile(controller, id, file);

/** The memory limit and pids files, named as on this host's cgroup version. */
const LIMIT = version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
const SWAP = version === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max';
const memoryLimit = (id: string) => hostFile('memory', id, LIMIT);
const pidsMax = (id: string) => hostFile('pids', id, 'pids.max');
/** Inside the container: v1 shows each hierarchy in its directory, v2 the one cgroup. */
const inside = (controller: string, file: string) =>
  version === 1 ? `/sys/fs/cgroup/${controller}/${file}` : `/sys/fs/cgroup/${file}`;

function withResources(r: Resources, script: string) {
  return (s: Spec) => {
    s.linux!.resources = { ...s.linux!.resources, ...r };
    s.process!.args = ['/bin/sh', '-c', script];
  };
}

/** A container that copies its own pids.max and memory limit into /tmp/seen every 50 ms. */
const WATCHER = `while :; do cat ${inside('pids', 'pids.max')} ${inside('memory', LIMIT)} > /tmp/seen.new; mv /tmp/seen.new /tmp/seen; sleep 0.05; done`;

function create(id: string, r: Resources, script: string): string {
  const bundle = h.bundle(id, withResources(r, script));
  const c = h.cli(['create', '--bundle', bundle, id]);
  if (c.code !== 0) throw new Error(`create ${id}: ${c.stderr}`);
  return bundle;
}

function start(id: string): void {
  const s = h.cli(['start', id]);
  if (s.code !== 0) throw new Error(`start ${id}: ${s.stderr}`);
}

const seen = (bundle: string) => {
  try {
    return fs
      .readFileSync(path.join(bundle, 'rootfs', 'tmp', 'seen'), 'utf8')
      .trim()
      .split('\n');
  } catch {
    return [];
  }
};
const stateJson = (id: string) => fs.readFileSync(path.join(h.root, id, 'state.json'), 'utf8');

/** One line on stderr, exit 1, matching `pattern`. */
function failsWith(t: Test, r: { code: number; stderr: string }, pattern: RegExp, what: string): void {
  t.equal(r.code, 1, `${what}: exit 1`);
  t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line (${r.stderr.trim()})`);
  t.match(r.stderr, pattern, what);
}

const updateWithStdin = (id: string, json: string) =>
  h.cli(['update', '--resources', '-', id], { stdio: ['pipe', 0, 0], input: json });

t.test('--memory, --pids-limit and --resources - change a running container, seen from inside', async (t) => {
  const id = h.id('upd');
  const bundle = create(id, { memory: { limit: 64 * MiB }, pids: { limit: 50 } }, WATCHER);
  t.teardown(() => void h.cli(['delete', '--force', id]));
  start(id);
  t.ok(await waitFor(() => seen(bundle)[0] === '50'), `the container sees pids.max 50 first: ${seen(bundle)}`);
  t.equal(memoryLimit(id), String(64 * MiB));

  const u = h.cli(['update', '--memory', '128m', '--pids-limit', '30', id]);
  t.equal(u.code, 0, u.stderr);
  t.equal(memoryLimit(id), String(128 * MiB), 'host memory limit');
  t.equal(pidsMax(id), '30', 'host pids.max');
  t.ok(
    await waitFor(() => seen(bundle).join(' ') === `30 ${128 * MiB}`),
    `the container reads the new values: ${seen(bundle)}`,
  );

  const r = updateWithStdin(id, JSON.stringify({ memory: { limit: 96 * MiB }, pids: { limit: 40 } }));
  t.equal(r.code, 0, r.stderr);
  t.equal(memoryLimit(id), String(96 * MiB), '--resources -: memory');
  t.equal(pidsMax(id), '40', '--resources -: pids');
  t.ok(await waitFor(() => seen(bundle).join(' ') === `40 ${96 * MiB}`), `inside: ${seen(bundle)}`);

  // A field the update does not give stays as it is; state.json keeps both.
  t.equal(h.cli(['update', '--pids-limit', '-1', id]).code, 0);
  t.equal(pidsMax(id), 'max', '-1 is unlimited');
  t.equal(memoryLimit(id), String(96 * MiB), 'memory untouched');
  t.match(JSON.parse(stateJson(id)).resources, { memory: { limit: 96 * MiB }, pids: { limit: -1 } });
  t.equal(h.cli(['update', '--memory', '-1', id]).code, 0, '--memory -1 is taken as a value');
  t.not(memoryLimit(id), String(96 * MiB), 'unlimited');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test(
  'malformed values: one line naming the flag or JSON path, exit 1, nothing changed; a paused container is updated',
  async (t) => {
    const id = h.id('bad');
    create(id, { memory: { limit: 64 * MiB }, pids: { limit: 50 } }, 'sleep 1000');
    t.teardown(() => void h.cli(['delete', '--force', id]));
    start(id);
    const before = { memory: memoryLimit(id), pids: pidsMax(id), state: stateJson(id) };
    const unchanged = (what: string) => {
      t.equal(memoryLimit(id), before.memory, `${what}: memory limit unchanged`);
      t.equal(pidsMax(id), before.pids, `${what}: pids.max unchanged`);
      t.equal(stateJson(id), before.state, `${what}: state.json unchanged`);
    };
    const cases: [string[], RegExp][] = [
      [['--memory', 'abc'], /^tsrun: invalid value for --memory: invalid size: 'abc'$/m],
      [['--memory', '-5'], /^tsrun: invalid value for --memory: invalid size: '-5'$/m],
      [['--pids-limit', '1.5', '--memory', '1g'], /^tsrun: invalid value for --pids-limit: "1\.5" is not an integer$/m],
      [['--cpu-period', '-1'], /^tsrun: invalid value for --cpu-period: "-1" is not a non-negative integer$/m],
      [['--l3-cache-schema', 'L3:0=f'], /^tsrun: Intel RDT\/CAT: l3 cache schema is not enabled$/m],
    ];
    for (const [args, pattern] of cases) {
      failsWith(t, h.cli(['update', ...args, id]), pattern, args.join(' '));
      unchanged(args.join(' '));
    }
    const json: [string, RegExp][] = [
      ['{"memory": {"limit": "1g"}, "pids": {"limit": 5}}', /^tsrun: --resources: memory\.limit: must be integer$/m],
      ['{"pids": {"limit": 5.5}}', /^tsrun: --resources: pids\.limit: must be integer$/m],
      ['{"pids": {"limit": 5}', /^tsrun: --resources: invalid JSON at line 1, column 22: expected ',' or '}'/m],
    ];
    for (const [text, pattern] of json) {
      failsWith(t, updateWithStdin(id, text), pattern, text);
      unchanged(text);
    }
    // A paused container is updated (runc), and stays paused.
    t.equal(h.cli(['pause', id]).code, 0);
    const p = h.cli(['update', '--pids-limit', '7', id]);
    t.equal(p.code, 0, `paused: ${p.stderr}`);
    t.equal(pidsMax(id), '7');
    t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'paused');
    t.equal(h.cli(['resume', id]).code, 0);
    failsWith(
      t,
      h.cli(['update', '--memory', '1g', 'nosuch']),
      /^tsrun: container does not exist: nosuch$/m,
      'unknown id',
    );
    t.equal(h.cli(['delete', '--force', id]).code, 0);
  },
);

t.test(
  'a limit the kernel refuses (below the usage) names the flag and the file; what was written is undone',
  { skip: version !== 1 && 'cgroup v2 reclaims and OOM-kills instead of refusing' },
  async (t) => {
    const id = h.id('busy');
    create(id, { memory: { limit: 64 * MiB, swap: 128 * MiB } }, 'sleep 1000');
    t.teardown(() => void h.cli(['delete', '--force', id]));
    start(id);
    const swapBefore = hostFile('memory', id, SWAP);
    t.equal(swapBefore, String(128 * MiB));
    // swap is raised first (1g > the current limit), then the limit is refused: EBUSY.
    const r = h.cli(['update', '--memory', '4k', '--memory-swap', '1g', id]);
    failsWith(t, r, /^tsrun: --memory: write "4096" to \/.*\/memory\.limit_in_bytes: device or resource busy$/m, '4k');
    t.equal(memoryLimit(id), String(64 * MiB), 'limit unchanged');
    t.equal(hostFile('memory', id, SWAP), swapBefore, 'memory+swap written back');
    t.match(JSON.parse(stateJson(id)).resources, { memory: { limit: 64 * MiB, swap: 128 * MiB } }, 'state kept');
    // Above the kept memory+swap: the kernel's EINVAL, named the same way.
    failsWith(
      t,
      h.cli(['update', '--memory', '256m', id]),
      /^tsrun: --memory: write .*memory\.limit_in_bytes: /m,
      '256m',
    );
    // With the swap raised too, the order makes it pass.
    const ok = h.cli(['update', '--memory', '256m', '--memory-swap', '512m', id]);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(memoryLimit(id), String(256 * MiB));
    t.equal(hostFile('memory', id, SWAP), String(512 * MiB));
    t.equal(h.cli(['delete', '--force', id]).code, 0);
  },
);

t.test('a created container is updated; its lowered pids limit stops a fork loop', async (t) => {
  const id = h.id('fork');
  const loop = 'i=0; while [ $i -lt 20 ]; do sleep 1000 & i=$((i+1)); done; wait';
  create(id, { pids: { limit: 50 } }, loop);
  t.teardown(() => void h.cli(['delete', '--force', id]));
  const u = h.cli(['update', '--pids-limit', '5', id]);
  t.equal(u.code, 0, `created: ${u.stderr}`);
  t.equal(pidsMax(id), '5');
  start(id);
  const current = () => Number(hostFile('pids', id, 'pids.current'));
  const refusedForks = () => Number(/max (\d+)/.exec(hostFile('pids', id, 'pids.events'))?.[1] ?? 0);
  t.ok(await waitFor(() => refusedForks() > 0), 'the kernel refused forks (pids.events max)');
  t.ok(current() <= 5, `at most 5 pids (${current()})`);
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('a stopped container is not updated: runc words, exit 1, its cgroup unchanged', async (t) => {
  const id = h.id('stop');
  create(id, { pids: { limit: 50 } }, 'true');
  t.teardown(() => void h.cli(['delete', '--force', id]));
  start(id);
  t.ok(await waitFor(() => JSON.parse(h.cli(['state', id]).stdout).status === 'stopped'), 'stopped');
  const before = stateJson(id);
  failsWith(t, h.cli(['update', '--pids-limit', '9', id]), /^tsrun: container not running$/m, 'stopped');
  t.equal(pidsMax(id), '50', 'pids.max unchanged');
  t.equal(stateJson(id), before, 'state.json unchanged');
  t.equal(h.cli(['delete', id]).code, 0);
});
