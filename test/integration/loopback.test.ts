// A network namespace the runtime creates gets its loopback interface up (runc adds a
// "loopback" network for it); a joined one is left as it is.
import { spawn } from 'node:child_process';
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);

const IFF_UP = 0x1;

/** `run` of a container that prints lo's flags (sysfs of its own netns), with `edit`. */
function loFlags(edit?: (s: Spec) => void): {
  code: number;
  flags: number;
  err: string;
} {
  const id = h.id('lo');
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/cat', '/sys/class/net/lo/flags'];
    edit?.(s);
  });
  const r = h.cli(['run', '--bundle', bundle, id]);
  return { code: r.code, flags: Number(r.stdout.trim()), err: r.stderr };
}

t.test('a new network namespace has lo up', async (t) => {
  const r = loFlags();
  t.equal(r.code, 0, `runs (${r.err.trim()})`);
  t.equal(r.flags & IFF_UP, IFF_UP, `lo is up (flags ${r.flags.toString(16)})`);
});

t.test('a joined network namespace is left as it is', async (t) => {
  // unshare -n makes a netns whose lo is down; the container joins it through the holder's pid.
  const holder = spawn('unshare', ['-n', 'sh', '-c', 'echo ready; exec sleep 1000'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.teardown(() => holder.kill('SIGKILL'));
  await new Promise((r) => holder.stdout.once('data', r));
  const nsPath = `/proc/${holder.pid}/ns/net`;
  const r = loFlags((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
      n.type === 'network' ? { type: 'network', path: nsPath } : n,
    );
  });
  t.equal(r.code, 0, `runs (${r.err.trim()})`);
  t.equal(r.flags & IFF_UP, 0, 'lo stays down');
});
