// kill --all: every process of the container's cgroup gets the signal, those in a child pid
// namespace too. SIGKILL goes through cgroup.kill where the kernel has it (this host's
// cgroup2 tree has it); another signal walks the pids with the cgroup frozen, so nothing
// forks past the walk, and leaves the freezer as it found it.
import * as fs from 'node:fs';
import t from 'tap';
import { harness, waitFor } from '../helpers/harness';

const h = harness(t);
const CAPS = ['CAP_SYS_ADMIN', 'CAP_KILL', 'CAP_AUDIT_WRITE', 'CAP_NET_BIND_SERVICE'];

function started(id: string, script: string, opts: { pidNamespace?: boolean } = {}): void {
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sh', '-c', script];
    if (opts.pidNamespace === false) s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    s.process!.capabilities = { bounding: CAPS, effective: CAPS, permitted: CAPS };
  });
  const c = h.cli(['create', '--bundle', bundle, id]);
  if (c.code !== 0) throw new Error(`create ${id}: ${c.stderr}`);
  const s = h.cli(['start', id]);
  if (s.code !== 0) throw new Error(`start ${id}: ${s.stderr}`);
}

/** The container's pids, as `ps --format json` lists them (host pids). */
function pids(id: string): number[] {
  const r = h.cli(['ps', '--format', 'json', id]);
  return r.code === 0 ? ((JSON.parse(r.stdout) as number[] | null) ?? []) : [];
}

/** A process's pid in each pid namespace it is in, the host's first (3 of them: in a pid
 * namespace inside the container's). */
function nsPids(pid: number): string[] {
  const line = readStatus(pid)
    .split('\n')
    .find((l) => l.startsWith('NSpid:'));
  return (line ?? '').split(/\s+/).slice(1);
}
const pidNsDepth = (pid: number) => nsPids(pid).length;

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readStatus(pid));
function readStatus(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

const NESTED = 'unshare -p -f /bin/sh -c "sleep 1000 & sleep 1000" & sleep 1000 & wait';

t.test('kill --all KILL ends every process, those in a nested pid namespace included', async (t) => {
  const id = h.id('killall');
  started(id, NESTED);
  t.teardown(() => void h.cli(['delete', '--force', id]));
  t.ok(await waitFor(() => pids(id).some((p) => pidNsDepth(p) === 3)), 'a process runs in a nested pid namespace');
  await waitFor(() => pids(id).length >= 5);
  const before = pids(id);
  t.ok(before.length >= 5, `${before.length} processes: sh, unshare, two nested sleeps, sleep`);
  const k = h.cli(['kill', '--all', id, 'KILL']);
  t.equal(k.code, 0, k.stderr);
  t.ok(await waitFor(() => before.every((p) => !alive(p))), 'every one of them is gone');
  t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'stopped');
  t.equal(h.cli(['delete', id]).code, 0);
});

t.test('kill --all TERM reaches the nested processes; the freezer is left as found', async (t) => {
  const id = h.id('killterm');
  started(id, NESTED);
  t.teardown(() => void h.cli(['delete', '--force', id]));
  t.ok(await waitFor(() => pids(id).filter((p) => pidNsDepth(p) === 3).length >= 2), 'nested sh and sleep');
  // Not the nested namespace's init (pid 1 there), which TERM without a handler cannot end.
  const nestedSleep = pids(id).find((p) => pidNsDepth(p) === 3 && nsPids(p)[2] !== '1');
  t.ok(nestedSleep, 'a nested process that is not its namespace init');
  const k = h.cli(['kill', '--all', id, 'TERM']);
  t.equal(k.code, 0, k.stderr);
  t.ok(await waitFor(() => !alive(nestedSleep!)), 'the nested sleep got TERM');
  t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'running', 'not left frozen: running');
  // Paused: the signal waits for resume, and the container stays paused.
  t.equal(h.cli(['pause', id]).code, 0);
  t.equal(h.cli(['kill', '--all', id, 'TERM']).code, 0);
  t.equal(JSON.parse(h.cli(['state', id]).stdout).status, 'paused', 'a paused container stays paused');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test('kill --all KILL leaves nothing of fork loops (no fork gets past the kill)', async (t) => {
  const id = h.id('forkloop');
  // Without a pid namespace: the init's death does not end the others.
  started(id, 'for i in 1 2 3 4; do (while :; do sleep 1000 & done) & done; wait', { pidNamespace: false });
  t.teardown(() => void h.cli(['delete', '--force', id]));
  t.ok(await waitFor(() => pids(id).length >= 50), 'the loop has forked');
  const k = h.cli(['kill', '--all', id, 'KILL']);
  t.equal(k.code, 0, k.stderr);
  t.ok(await waitFor(() => pids(id).length === 0), 'the cgroup is empty');
  t.equal(h.cli(['delete', id]).code, 0);
});
