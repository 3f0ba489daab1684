// linux.netDevices: interface names as the kernel takes them, the document rules with
// their JSON paths, the host's side through an injected lookup, and the move's steps
// through injected rtnetlink operations (test/integration/net-devices.test.ts does it for real).
import t from 'tap';
import {
  checkNetDevices,
  checkNetDevicesOnHost,
  interfaceNameProblem,
  type LinkOps,
  moveNetDevices,
  netDeviceTargets,
} from '../../src/config/net-devices';
import type { Spec } from '../../src/config/types';
import { type LinkAddress, SyscallError } from '../../src/sys/native';

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

t.test('the host: the interface exists (its addresses are carried, not refused)', async (t) => {
  const onHost = (s: Spec) => {
    const e = checkNetDevicesOnHost(s, (name) => name === 'eth1' || name === 'eth2');
    return e && `${e.jsonPath}: ${e.problem}`;
  };
  t.equal(onHost(spec({ eth1: { name: 'x' }, eth2: {} })), undefined);
  t.equal(onHost(spec({ eth1: {}, eth9: {} })), 'linux.netDevices.eth9: no such network interface on the host');
});

const v4: LinkAddress = { family: 4, prefixLength: 24, text: '192.0.2.7/24' };
const v6: LinkAddress = { family: 6, prefixLength: 64, text: '2001:db8::7/64' };

/** Link operations that log what they are asked, failing where `failAt` says. */
function recorder(failAt?: 'addresses' | 'move' | 'setUp', error: Error = new Error('boom')) {
  const log: string[] = [];
  const ops: LinkOps = {
    addresses: (name) => {
      log.push(`addresses ${name}`);
      if (failAt === 'addresses') throw error;
      return name === 'eth1' ? [v4, v6] : [];
    },
    move: (name, fd, to) => {
      log.push(`move ${name}@${fd}->${to}`);
      if (failAt === 'move') throw error;
      return name === 'eth1' ? 11 : 12;
    },
    setUp: (fd, index, name, addresses) => {
      log.push(`setUp ${index}@${fd} ${name} [${addresses.map((a) => a.text).join(' ')}]`);
      if (failAt === 'setUp') throw error;
    },
  };
  return { log, ops };
}

t.test('the move: addresses read before, the link moved and renamed, addresses and up inside', async (t) => {
  const { log, ops } = recorder();
  moveNetDevices(spec({ eth1: { name: 'ctr0' }, eth2: {} }), 7, ops);
  t.same(log, [
    'addresses eth1',
    'move eth1@7->ctr0',
    'setUp 11@7 ctr0 [192.0.2.7/24 2001:db8::7/64]',
    'addresses eth2',
    'move eth2@7->eth2',
    'setUp 12@7 eth2 []',
  ]);
});

t.test('a failure names the entry and its step, and stops there', async (t) => {
  const moveFails = recorder('move', new Error('RTM_NEWLINK eth1: file exists'));
  t.throws(() => moveNetDevices(spec({ eth1: { name: 'lo' }, eth2: {} }), 7, moveFails.ops), {
    message: 'linux.netDevices.eth1: move into the container as lo: RTM_NEWLINK eth1: file exists',
  });
  t.same(moveFails.log, ['addresses eth1', 'move eth1@7->lo'], 'no set-up after a failed move, no next entry');
  const addFails = recorder('setUp', new SyscallError('RTM_NEWADDR', 13, '2001:db8::7/64'));
  t.throws(() => moveNetDevices(spec({ eth1: { name: 'ctr0' } }), 7, addFails.ops), {
    message: 'linux.netDevices.eth1: add address 2001:db8::7/64 in the container: permission denied',
  });
  const upFails = recorder('setUp', new SyscallError('RTM_NEWLINK', 19, 'ctr0'));
  t.throws(() => moveNetDevices(spec({ eth1: { name: 'ctr0' } }), 7, upFails.ops), {
    message: 'linux.netDevices.eth1: set up as ctr0 in the container: RTM_NEWLINK ctr0: no such device',
  });
  const readFails = recorder('addresses', new SyscallError('RTM_GETADDR', 105, 'eth1'));
  t.throws(() => moveNetDevices(spec({ eth1: {} }), 7, readFails.ops), {
    message: 'linux.netDevices.eth1: read its addresses: RTM_GETADDR eth1: no buffer space available',
  });
  t.same(readFails.log, ['addresses eth1'], 'nothing moved');
});
