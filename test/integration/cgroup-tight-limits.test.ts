// Limits too tight for anything but the container itself (crun's headline cases, which
// runc fails): the runtime is never charged to the container's cgroup, and the child that
// forks the init into its pid namespace is gone before the pids limit is written.
// `podman run --memory 512k` and `--pids-limit 1` become these configs.
import * as fs from 'node:fs';
import t from 'tap';
import type { Resources, Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);

function limited(resources: Resources, args: string[]) {
  return (s: Spec) => {
    s.linux!.resources = { ...s.linux!.resources, ...resources };
    s.process!.args = args;
  };
}

const hasPidNs = (s: Spec) => s.linux?.namespaces?.some((n) => n.type === 'pid') ?? false;

t.test('pids.limit 1: the container runs, with its own pid namespace, and cannot fork', async (t) => {
  let withPidNs = false;
  const one = h.probe((s) => {
    limited({ pids: { limit: 1 } }, ['/bin/echo', 'alone'])(s);
    withPidNs = hasPidNs(s);
  }).result;
  t.ok(withPidNs, 'the config has a new pid namespace (the init is forked into it)');
  t.equal(one.code, 0, one.stderr);
  t.equal(one.stdout, 'alone\n');
  const fork = h.probe(limited({ pids: { limit: 1 } }, ['/bin/sh', '-c', '/bin/true && echo forked'])).result;
  t.not(fork.code, 0, 'a fork is refused');
  t.match(fork.stderr, /can't fork/);
  t.notMatch(fork.stdout, /forked/);
});

t.test('pids.limit 2 allows exactly one more process', async (t) => {
  const r = h.probe(
    limited({ pids: { limit: 2 } }, [
      '/bin/sh',
      '-c',
      '/bin/echo one; /bin/sh -c "/bin/true; /bin/true" || echo refused',
    ]),
  ).result;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'one\nrefused\n');
});

t.test('memory.limit 512 KiB: a small process runs (nothing of the runtime is charged)', async (t) => {
  const r = h.probe(limited({ memory: { limit: 512 << 10 } }, ['/bin/echo', 'fits'])).result;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'fits\n');
});

t.test('the limits are in place before the container runs (created, not started)', async (t) => {
  const id = h.id('tight');
  const bundle = h.bundle(id, limited({ pids: { limit: 1 }, memory: { limit: 512 << 10 } }, ['/bin/true']));
  const c = h.cli(['create', '--bundle', bundle, id]);
  t.equal(c.code, 0, c.stderr);
  t.teardown(() => void h.cli(['delete', '--force', id]));
  const pid = Number(JSON.parse(h.cli(['state', id]).stdout).pid);
  const v1Pids = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^[0-9]+:pids:(.*)$/m)?.[1];
  const v2 = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1];
  const pidsMax = v1Pids ? `/sys/fs/cgroup/pids${v1Pids}/pids.max` : `/sys/fs/cgroup${v2}/pids.max`;
  t.equal(fs.readFileSync(pidsMax, 'utf8').trim(), '1', `${pidsMax} is 1 while the init waits for start`);
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});
