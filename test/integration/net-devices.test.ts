// linux.netDevices: one end of a veth pair this test creates on the host (this kernel has
// no dummy driver) is moved into the container's network namespace, renamed, with its
// permanent global addresses, and up, as the container sees it (its sysfs, or `ip -j addr`
// through nsenter); after delete it is gone with the namespace, and its peer with it
// (runtime-spec: the runtime MUST NOT move it out; the kernel destroys a virtual device
// with its namespace). Each pair has a unique name and is removed in teardown if still there.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import { harness, waitFor } from '../helpers/harness';

/** `ip ARGS` on the host; throws with its stderr when it fails. */
function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface IpLink {
  ifname: string;
  flags: string[];
  addr_info: { family: string; local: string; prefixlen: number; scope: string }[];
}

/** `ip -j addr show dev NAME` in the network namespace of process `pid`. */
function linkInNetns(pid: number, name: string): IpLink | undefined {
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', '-j', 'addr', 'show', 'dev', name], {
    encoding: 'utf8',
  });
  return r.status === 0 ? (JSON.parse(r.stdout) as IpLink[])[0] : undefined;
}

const h = harness(t);
let serial = 0;

/** A veth pair on the host (NAME and NAMEp), removed at the end of `t` if still there. */
function vethPair(t: Test): string {
  const name = `tsrt${process.pid % 100000}${serial++}`;
  const r = spawnSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip link add ${name}: ${r.stderr}`);
  t.teardown(() => {
    if (onHost(`${name}p`)) spawnSync('ip', ['link', 'del', `${name}p`]);
  });
  return name;
}

const onHost = (name: string) => fs.existsSync(`/sys/class/net/${name}`);

/** Lines of `cat FILE...` run in the container `id` (created, not started, with a sysfs). */
function catInside(id: string, ...files: string[]): { code: number; stdout: string; stderr: string } {
  return h.cli(['exec', id, '/bin/cat', ...files]);
}

function created(t: Test, id: string, edit: (s: Spec) => void): void {
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/bin/sleep', '1000'];
    edit(s);
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 0, `create: ${r.stderr}`);
  t.equal(h.cli(['start', id]).code, 0);
}

t.test('moved and renamed into the container, up there; gone from the host; destroyed at delete', async (t) => {
  const host = vethPair(t);
  const id = h.id('netdev');
  created(t, id, (s) => void (s.linux!.netDevices = { [host]: { name: 'ctr0' } }));
  t.notOk(onHost(host), 'no longer on the host');
  t.ok(onHost(`${host}p`), 'its peer stays');
  const r = catInside(id, '/sys/class/net/ctr0/ifindex', '/sys/class/net/ctr0/flags');
  t.equal(r.code, 0, `the container has ctr0: ${r.stderr}`);
  const flags = Number(r.stdout.trim().split('\n')[1]);
  t.equal(flags & 1, 1, `IFF_UP (flags ${r.stdout.trim().split('\n')[1]})`);
  t.equal(h.cli(['delete', '-f', id]).code, 0);
  t.notOk(onHost(host), 'a virtual device is destroyed with the namespace, not moved back');
  // The kernel frees a namespace in the background: its devices go a moment later.
  t.ok(await waitFor(() => !onHost(`${host}p`)), 'its peer with it');
  t.notOk(onHost('ctr0'));
});

t.test('without a name the host name is kept', async (t) => {
  const host = vethPair(t);
  const id = h.id('netdev');
  created(t, id, (s) => void (s.linux!.netDevices = { [host]: {} }));
  t.equal(catInside(id, `/sys/class/net/${host}/ifindex`).code, 0, 'same name inside');
  t.equal(h.cli(['delete', '-f', id]).code, 0);
});

t.test('refusals: one line naming the entry, nothing left, the interface still on the host', async (t) => {
  const host = vethPair(t);
  const cases: [string, (s: Spec) => void, RegExp][] = [
    [
      'no such interface',
      (s) => void (s.linux!.netDevices = { tsrtnope0: {} }),
      /^tsrun: config\.json: linux\.netDevices\.tsrtnope0: no such network interface on the host$/,
    ],
    [
      'no network namespace',
      (s) => {
        s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'network');
        s.linux!.netDevices = { [host]: {} };
      },
      /^tsrun: config\.json: linux\.netDevices: needs a network namespace \(linux\.namespaces has none\)$/,
    ],
    [
      'a name the kernel refuses',
      (s) => void (s.linux!.netDevices = { [host]: { name: 'a/b' } }),
      new RegExp(`^tsrun: config\\.json: linux\\.netDevices\\.${host}\\.name: is not an interface name`),
    ],
  ];
  for (const [what, edit, pattern] of cases) {
    const id = h.id('netdev-bad');
    const r = h.cli(['create', '--bundle', h.bundle(id, edit), id]);
    t.equal(r.code, 1, what);
    t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
    t.match(r.stderr.trim(), pattern, what);
    t.notOk(h.stateDirExists(id), `${what}: no state directory`);
    t.same(h.cgroupsLeft(id), [], `${what}: no cgroup`);
    t.same(h.processesLeft(), [], `${what}: no process`);
    t.ok(onHost(host), `${what}: the interface is still on the host`);
  }
});

t.test('a move the kernel refuses rolls the container back; what moved goes with its namespace', async (t) => {
  // Past validation: the interface moves under its host name, then the kernel refuses the
  // rename (the container's namespace has its lo): create fails after the child is in its
  // namespaces. runtime-spec leaves a moved device to the kernel, which destroys a virtual
  // one with the namespace (a physical one would come back to the host).
  const host = vethPair(t);
  const id = h.id('netdev-bad');
  const r = h.cli([
    'create',
    '--bundle',
    h.bundle(id, (s) => void (s.linux!.netDevices = { [host]: { name: 'lo' } })),
    id,
  ]);
  t.equal(r.code, 1);
  t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  t.match(
    r.stderr.trim(),
    new RegExp(`^tsrun: linux\\.netDevices\\.${host}: move into the container as lo: .*file exists$`, 'i'),
  );
  t.notOk(h.stateDirExists(id), 'no state directory');
  t.same(h.cgroupsLeft(id), [], 'no cgroup');
  t.same(h.processesLeft(), [], 'no process');
  t.ok(await waitFor(() => !onHost(`${host}p`)), 'the pair is destroyed with the namespace, not left in one');
});

t.test('permanent global addresses, IPv4 and IPv6, are carried over; others are not; up after', async (t) => {
  const host = vethPair(t);
  ip('addr', 'add', '192.0.2.7/24', 'dev', host);
  ip('addr', 'add', '2001:db8::7/64', 'dev', host, 'nodad');
  ip('addr', 'add', '198.51.100.9/24', 'dev', host, 'scope', 'link'); // not global
  ip('addr', 'add', '203.0.113.5/24', 'dev', host, 'valid_lft', '600', 'preferred_lft', '600'); // not permanent
  const id = h.id('netdev');
  created(t, id, (s) => void (s.linux!.netDevices = { [host]: { name: 'ctr0' } }));
  const pid = Number(JSON.parse(h.cli(['state', id]).stdout).pid);
  const link = linkInNetns(pid, 'ctr0');
  t.ok(link, 'ctr0 in the container');
  const global = link!.addr_info.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
  t.same(global.sort(), ['192.0.2.7/24', '2001:db8::7/64'], 'the permanent global ones, no others');
  t.ok(link!.flags.includes('UP'), `up (flags ${link!.flags.join(',')})`);
  t.equal(h.cli(['delete', '-f', id]).code, 0);
  t.ok(await waitFor(() => !onHost(`${host}p`)), 'destroyed with the namespace');
});

t.test('an address the container refuses fails create, rolled back', async (t) => {
  // A real refusal: the container joins a network namespace (held by a process this test
  // starts) whose new devices get IPv6 disabled (net.ipv6.conf.default.disable_ipv6), so
  // the kernel refuses RTM_NEWADDR for the IPv6 address with EACCES. The interface stays in
  // that namespace (runtime-spec: never moved out); it goes when the holder is killed.
  const host = vethPair(t);
  ip('addr', 'add', '2001:db8::8/64', 'dev', host, 'nodad');
  const holder = spawn('unshare', ['-n', 'sleep', '1000'], { stdio: 'ignore' });
  t.teardown(() => void holder.kill('SIGKILL'));
  const netnsOf = (pid: number) => fs.readlinkSync(`/proc/${pid}/ns/net`);
  t.ok(await waitFor(() => netnsOf(holder.pid!) !== netnsOf(process.pid)), 'the holder has its namespace');
  const set = spawnSync('nsenter', [
    '-t',
    String(holder.pid),
    '-n',
    'sysctl',
    '-qw',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
  t.equal(set.status, 0, 'IPv6 disabled for new devices there');
  const id = h.id('netdev-bad');
  const bundle = h.bundle(id, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((ns) =>
      ns.type === 'network' ? { type: 'network', path: `/proc/${holder.pid}/ns/net` } : ns,
    );
    s.linux!.netDevices = { [host]: { name: 'ctr0' } };
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1);
  t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  t.equal(
    r.stderr.trim(),
    `tsrun: linux.netDevices.${host}: add address 2001:db8::8/64 in the container: permission denied`,
  );
  t.notOk(h.stateDirExists(id), 'no state directory');
  t.same(h.cgroupsLeft(id), [], 'no cgroup');
  t.same(
    h.processesLeft().filter((pid) => pid !== holder.pid),
    [],
    'no process but the holder',
  );
  t.ok(linkInNetns(holder.pid!, 'ctr0'), 'the interface is in the joined namespace, as moved');
  holder.kill('SIGKILL');
  t.ok(await waitFor(() => !onHost(`${host}p`)), 'destroyed with that namespace');
});
