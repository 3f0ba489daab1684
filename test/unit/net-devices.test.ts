// linux.netDevices: interface names as the kernel takes them, the document rules with
// their JSON paths, the host's side through an injected address count, and the move
// through an injected RTM_NEWLINK (test/integration/net-devices.test.ts does it for real).
import t from 'tap';
import {
  checkNetDevices,
  checkNetDevicesOnHost,
  interfaceNameProblem,
  moveNetDevices,
  netDeviceTargets,
} from '../../src/config/net-devices';
import type { Spec } from '../../src/config/types';

const spec = (netDevices: Record<string, { name?: string }>, namespaces = [{ type: 'network' as const }]): Spec => ({
  ociVersion: '1.3.0',
  linux: { namespaces, netDevices },
});
const problem = (s: Spec) => {
  const e = checkNetDevices(s);
  return e && `${e.jsonPath}: ${e.problem}`;
};

t.test('interface names: 1 to 15 bytes, no "/", ":" or space, not "." or ".."', async (t) => {
  for (const ok of ['eth0', 'a', 'x'.repeat(15), 'net%d', 'ctr-0_1.2'])
    t.equal(interfaceNameProblem(ok), undefined, ok);
  for (const bad of ['', 'x'.repeat(16), '.', '..', 'a/b', 'a:b', 'a b', 'a\tb']) t.ok(interfaceNameProblem(bad), bad);
});

t.test('each entry targets its name, or the host name', async (t) => {
  t.same(netDeviceTargets(spec({ eth1: { name: 'ctr0' }, eth2: {}, eth3: { name: '' } })), [
    ['eth1', 'ctr0'],
    ['eth2', 'eth2'],
    ['eth3', 'eth3'],
  ]);
});

t.test('document rules name the entry', async (t) => {
  t.equal(problem(spec({})), undefined, 'none asked');
  t.equal(problem(spec({ eth1: {} }, [])), 'linux.netDevices: needs a network namespace (linux.namespaces has none)');
  t.equal(problem(spec({ eth1: {} }, [{ type: 'network', path: '/run/netns/x' } as never])), undefined, 'a joined one');
  t.match(problem(spec({ 'a/b': {} })), /^linux\.netDevices\."a\/b": the host interface name is not an interface name/);
  t.match(
    problem(spec({ eth1: { name: 'x'.repeat(16) } })),
    /^linux\.netDevices\.eth1\.name: must be 1 to 15 bytes long/,
  );
  t.equal(
    problem(spec({ eth1: { name: 'ctr0' }, eth2: { name: 'ctr0' } })),
    'linux.netDevices.eth2: two entries are named "ctr0" in the container',
  );
  t.equal(
    problem(spec({ eth1: { name: 'net%d' }, eth2: { name: 'net%d' } })),
    undefined,
    'the kernel numbers a template',
  );
});

t.test('the host: the interface exists and has no permanent global address', async (t) => {
  const counts: Record<string, number> = { eth1: 0, eth2: 2 };
  const onHost = (s: Spec) => {
    const e = checkNetDevicesOnHost(s, (name) => counts[name] ?? -1);
    return e && `${e.jsonPath}: ${e.problem}`;
  };
  t.equal(onHost(spec({ eth1: { name: 'x' } })), undefined);
  t.equal(onHost(spec({ eth9: {} })), 'linux.netDevices.eth9: no such network interface on the host');
  t.equal(
    onHost(spec({ eth1: {}, eth2: {} })),
    'linux.netDevices.eth2: has 2 permanent global IP address(es), which tsrun cannot carry over yet',
  );
});

t.test('the move: each interface with its target name; a failure names the entry', async (t) => {
  const moved: string[] = [];
  moveNetDevices(
    spec({ eth1: { name: 'ctr0' }, eth2: {} }),
    7,
    (name, fd, to) => void moved.push(`${name}@${fd}->${to}`),
  );
  t.same(moved, ['eth1@7->ctr0', 'eth2@7->eth2']);
  t.throws(
    () =>
      moveNetDevices(spec({ eth1: { name: 'lo' } }), 7, () => {
        throw new Error('RTM_NEWLINK eth1: file exists');
      }),
    { message: 'linux.netDevices.eth1: move into the container as lo: RTM_NEWLINK eth1: file exists' },
  );
});
