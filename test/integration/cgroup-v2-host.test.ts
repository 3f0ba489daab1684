// On a pure cgroup v2 host (CI's and this VM's are hybrid: there the file is skipped in one
// line; scripts/v2-host-check.sh runs it on a lent v2 machine): a container's cgroup is the one
// directory in the one hierarchy, its pids limit lands in pids.max, /sys/fs/cgroup in the
// container is cgroup2, kill --all empties cgroup.procs, delete removes the cgroup, and a
// container with a user namespace runs. test/unit/cgroup-v2.test.ts holds the same logic to a
// fake v2 tree everywhere.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { cgroupMode, readHostHierarchies } from '../../src/cgroups/hierarchies';
import { chownForUserns, harness, hostNamespace, inUserNamespace, waitFor } from '../helpers/harness';

const hierarchies = readHostHierarchies();
const mode = cgroupMode(hierarchies);
if (mode !== 'unified') t.plan(0, `needs a pure cgroup v2 host; this one is ${mode}`);
else onV2Host(hierarchies[0]!.mountPoint);

function onV2Host(mount: string): void {
  const h = harness(t);
  const cgroupDir = (id: string) => path.join(mount, h.cgroupParent, id);
  const procs = (dir: string) =>
    fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const state = (id: string) => JSON.parse(h.cli(['state', id]).stdout);
  /** The cgroup2 line of a /proc/PID/cgroup (on a pure v2 host its only one). */
  const v2Line = (lines: string[] | undefined) => lines?.find((l) => l.startsWith('0::'));
  const withPidsLimit = (s: any) => (s.linux!.resources = { ...s.linux!.resources, pids: { limit: 42 } });

  t.test('with a cgroup namespace the container is at its root, /sys/fs/cgroup a cgroup2 mount', async (t) => {
    const { result, probe } = h.probe((s) => {
      s.linux!.namespaces!.push({ type: 'cgroup' });
      withPidsLimit(s);
    });
    t.equal(result.code, 0, result.stderr);
    t.equal(v2Line(probe?.cgroup), '0::/', '/proc/self/cgroup');
    const m = probe?.mounts.find((m: any) => m.mountPoint === '/sys/fs/cgroup');
    t.equal(m?.fstype, 'cgroup2', 'cgroup2 at /sys/fs/cgroup');
    t.not(probe?.namespaces.cgroup, hostNamespace('cgroup'), 'its own cgroup namespace');
  });

  t.test("without one, /sys/fs/cgroup is the container's own cgroup, bound from the host", async (t) => {
    const { result, probe } = h.probe(withPidsLimit);
    t.equal(result.code, 0, result.stderr);
    t.match(v2Line(probe?.cgroup), new RegExp(`^0::/${h.cgroupParent}/probe-`), 'its cgroup, below the test parent');
    const m = probe?.mounts.find((m: any) => m.mountPoint === '/sys/fs/cgroup');
    t.equal(m?.fstype, 'cgroup2', 'cgroup2 at /sys/fs/cgroup');
    t.match(m?.root, new RegExp(`^/${h.cgroupParent}/probe-`), 'rooted at its own cgroup');
  });

  t.test('create, start, kill --all, delete: the cgroup, pids.max and cgroup.procs on the host', async (t) => {
    const id = h.id('v2');
    const bundle = h.bundle(id, (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
      s.process!.args = ['/bin/sh', '-c', 'sleep 100 & exec sleep 100'];
      withPidsLimit(s);
    });
    t.equal(h.cli(['create', '--bundle', bundle, id]).code, 0, 'create');
    const pid = state(id).pid as number;
    const dir = cgroupDir(id);
    t.same(procs(dir), [pid], "the init is in the container's cgroup");
    t.equal(
      v2Line(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')),
      `0::/${h.cgroupParent}/${id}`,
      'as its /proc/PID/cgroup says',
    );
    t.equal(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8').trim(), '42', 'pids.max written');
    t.equal(h.cli(['start', id]).code, 0, 'start');
    t.ok(await waitFor(() => procs(dir).length === 2), 'the init and its child in cgroup.procs');
    t.equal(state(id).status, 'running');
    t.equal(h.cli(['kill', '--all', id, 'KILL']).code, 0, 'kill --all');
    t.ok(await waitFor(() => procs(dir).length === 0), 'cgroup.procs is empty');
    t.ok(await waitFor(() => state(id).status === 'stopped'), 'stopped');
    t.equal(h.cli(['delete', id]).code, 0, 'delete');
    t.notOk(fs.existsSync(dir), 'the cgroup is gone');
  });

  t.test('a container with a user namespace runs', async (t) => {
    const id = h.id('userns');
    const bundle = h.bundle(id, inUserNamespace);
    chownForUserns(bundle);
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    t.equal(p.uid, 0, 'root in the container');
    t.not(p.namespaces.user, hostNamespace('user'), 'in its own user namespace');
    t.equal(v2Line(p.cgroup), `0::/${h.cgroupParent}/${id}`, 'in its cgroup');
  });
}
