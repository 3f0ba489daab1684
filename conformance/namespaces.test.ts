// Namespaces (config-linux.md "Namespaces", "User namespace mappings").
// runtime-tools: linux_ns_itype, linux_ns_nopath, linux_ns_path, linux_ns_path_type, linux_uid_mappings.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { Harness, sleep } from './lib/harness';
import type { Bundle, Config } from './lib/bundle';
import type { CliOpts } from './lib/cli';
import { spec } from './lib/expectations';
import { nsInode } from './lib/host';
import { probeLines } from './lib/probe';

const h = new Harness();
t.teardown(() => h.cleanup());

const PROC_NS = ['ipc', 'mnt', 'net', 'pid', 'uts', 'user', 'cgroup'];
const CFG_TYPE: Record<string, string> = {
  ipc: 'ipc',
  mnt: 'mount',
  net: 'network',
  pid: 'pid',
  uts: 'uts',
  user: 'user',
  cgroup: 'cgroup',
};
const UNSHARE_OPT: Record<string, string> = {
  ipc: '--ipc',
  mnt: '--mount',
  net: '--net',
  pid: '--pid',
  uts: '--uts',
  user: '--user',
  cgroup: '--cgroup',
};

/** Start `unshare <opts> --fork --kill-child sleep 100` and wait until its namespace `ns` is new. */
async function unshareHelper(opts: string[], ns: string): Promise<{ c: ChildProcess; nsPath: string; inode: number }> {
  const c = h.helper('unshare', [...opts, '--fork', '--kill-child', 'sleep', '100']);
  const link = ns === 'pid' ? 'pid_for_children' : ns;
  const mine = nsInode('self', ns);
  for (let i = 0; i < 100; i++) {
    const ino = c.pid ? nsInode(c.pid, link) : undefined;
    if (ino !== undefined && ino !== mine) return { c, nsPath: `/proc/${c.pid}/ns/${link}`, inode: ino };
    await sleep(30);
  }
  throw new Error(`unshare ${opts.join(' ')} did not make a new ${ns} namespace`);
}

/** Container ids 0.. map to host ids 100000.. (65536 of them), users and groups alike. */
function mapIds(c: Config): void {
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

/** chown -R 100000:100000 the bundle's rootfs: the mapped root owns it, as an image
 * prepared for that user namespace would be. */
function giveRootfsToMappedRoot(b: Bundle): void {
  spawnSync('chown', ['-R', '100000:100000', b.rootfs]);
}

/** create; read the container init's namespaces from the host; then kill + delete. */
async function outsideNamespaces(
  b: Bundle,
  opts: CliOpts = {},
): Promise<{ code: number | null; stderr: string; ns: Record<string, number | undefined>; pid?: number }> {
  const c = h.create(b, [], opts);
  const ns: Record<string, number | undefined> = {};
  let pid: number | undefined;
  if (c.code === 0) {
    pid = h.state(b.id, opts)?.pid;
    if (pid) for (const n of PROC_NS) ns[n] = nsInode(pid, n);
  }
  h.cli(['delete', '--force', b.id], opts);
  return { code: c.code, stderr: c.stderr, ns, pid };
}

t.test('linux_ns_itype', async (t) => {
  // No mount namespace in the config means the runtime works in its own mount namespace: run the
  // runtime inside a private helper mount namespace (nsenter) so the host's mounts stay untouched.
  const { c: helper } = await unshareHelper(['--mount', '--propagation', 'private'], 'mnt');
  const wrap = ['nsenter', '-t', String(helper.pid), '-m', '--'];
  const b = h.makeBundle((c) => {
    c.linux.namespaces = [];
    delete c.hostname;
    delete c.linux.maskedPaths; // masking needs a private mount namespace (runc refuses otherwise)
    delete c.linux.readonlyPaths;
    c.process.args = ['/probe', 'sleep', '30'];
  });
  const r = await outsideNamespaces(b, { wrap });
  t.equal(r.code, 0, 'create with no namespaces listed', { stderr: r.stderr });
  const phrase = spec(
    'config-linux.md',
    'If a namespace type is not specified in the namespaces array, the container MUST inherit the runtime namespace of that type',
    ['linux_ns_itype'],
  );
  for (const n of PROC_NS) {
    const runtimeNs = n === 'mnt' ? nsInode(helper.pid as number, 'mnt') : nsInode('self', n);
    t.equal(r.ns[n], runtimeNs, `inherits the runtime's ${n} namespace ${phrase}`);
  }
  h.killHelper(helper);
});

t.test('linux_ns_nopath', async (t) => {
  const b = h.makeBundle((c) => {
    for (const n of ['cgroup', 'user']) c.linux.namespaces.push({ type: n });
    mapIds(c);
    c.process.args = ['/probe', 'sleep', '30'];
  });
  giveRootfsToMappedRoot(b);
  const r = await outsideNamespaces(b);
  t.equal(r.code, 0, 'create with every namespace type and no paths', { stderr: r.stderr });
  const phrase = spec(
    'config-linux.md',
    'If a path is not specified, the runtime MUST create a new container namespace of the given type',
    ['linux_ns_nopath'],
  );
  for (const n of PROC_NS) {
    t.ok(r.ns[n] !== undefined && r.ns[n] !== nsInode('self', n), `a new ${n} namespace ${phrase}`, {
      container: r.ns[n],
      host: nsInode('self', n),
    });
  }
});

t.test('linux_ns_path', async (t) => {
  const phrase = spec(
    'config-linux.md',
    'the runtime MUST place the container process in the namespace specified by that path',
    ['linux_ns_path'],
  );
  for (const n of ['ipc', 'mnt', 'net', 'pid', 'uts', 'cgroup']) {
    const { c: helper, nsPath, inode } = await unshareHelper([UNSHARE_OPT[n] as string], n);
    const b = h.makeBundle((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((x: Config) => x.type !== CFG_TYPE[n]);
      c.linux.namespaces.push({ type: CFG_TYPE[n], path: nsPath });
      c.process.args = ['/probe', 'sleep', '30'];
    });
    const r = await outsideNamespaces(b);
    t.equal(r.code, 0, `create joining ${nsPath} (${n})`, { stderr: r.stderr });
    t.equal(r.ns[n], inode, `the container is in the ${n} namespace of the path ${phrase}`);
    h.killHelper(helper);
  }
});

t.test('linux_ns_path_type', async (t) => {
  const phrase = spec(
    'config-linux.md',
    'If a path is specified which does not point to a namespace of the given type, the runtime MUST generate an error',
    ['linux_ns_path_type'],
  );
  const pairs: [string, string][] = [
    ['cgroup', 'ipc'],
    ['ipc', 'mnt'],
    ['mnt', 'net'],
    ['net', 'pid'],
    ['pid', 'user'],
    ['user', 'uts'],
    ['uts', 'cgroup'],
  ];
  for (const [n, wrong] of pairs) {
    const b = h.makeBundle((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((x: Config) => x.type !== CFG_TYPE[n]);
      c.linux.namespaces.push({ type: CFG_TYPE[n], path: `/proc/${process.pid}/ns/${wrong}` });
      if (n === 'user') {
        mapIds(c);
      }
      c.process.args = ['/probe', 'write', '/ran', 'yes'];
    });
    const r = h.cli(['run', '--bundle', b.dir, b.id]);
    t.not(r.code, 0, `a ${n} namespace path to a ${wrong} namespace is an error ${phrase}`);
    t.notOk(fs.existsSync(path.join(b.rootfs, 'ran')), 'the process did not run');
    h.cli(['delete', '--force', b.id]);
  }
  const missing = h.makeBundle((c) => {
    c.linux.namespaces = c.linux.namespaces.filter((x: Config) => x.type !== 'network');
    c.linux.namespaces.push({ type: 'network', path: '/proc/self/ns/does-not-exist' });
  });
  t.not(
    h.cli(['run', '--bundle', missing.dir, missing.id]).code,
    0,
    'a namespace path that does not exist is an error',
  );
  h.cli(['delete', '--force', missing.id]);
});

t.test('linux_uid_mappings', async (t) => {
  const b = h.makeBundle((c) => {
    c.linux.namespaces.push({ type: 'user' });
    mapIds(c);
    c.process.args = [
      'sh',
      '-c',
      'cat /proc/self/uid_map /proc/self/gid_map; /probe; /probe stat /probe; /probe write /owned x',
    ];
  });
  giveRootfsToMappedRoot(b);
  const { output, result } = await h.runProbe(undefined, { bundle: b });
  t.equal(result.code, 0, 'run in a user namespace', { stderr: result.stderr });
  const maps = output
    .split('\n')
    .filter((l) => /^\s*\d+\s+\d+\s+\d+\s*$/.test(l))
    .map((l) => l.trim().split(/\s+/).map(Number));
  const phrase = spec(
    'config-linux.md',
    'uidMappings (array of objects, OPTIONAL) describes the user namespace uid mappings from the host to the container',
    ['linux_uid_mappings'],
  );
  t.same(maps[0], [0, 100000, 65536], `uid_map is 0 100000 65536 ${phrase}`);
  t.same(
    maps[1],
    [0, 100000, 65536],
    `gid_map is 0 100000 65536 ${spec('config-linux.md', 'gidMappings (array of objects, OPTIONAL) describes the user namespace gid mappings from the host to the container', ['linux_uid_mappings'])}`,
  );
  const [p, st, w] = probeLines(output);
  t.equal(p?.uid, 0, 'the process is uid 0 inside');
  t.not(p?.namespaces?.user, nsInode('self', 'user'), 'in a new user namespace');
  t.same(
    st?.['/probe'] && [st['/probe'].uid, st['/probe'].gid],
    [0, 0],
    'files owned by host 100000 appear as 0:0 inside',
  );
  t.same(w, { ok: true }, 'container root can write its (host 100000-owned) rootfs');
  t.equal(fs.statSync(path.join(b.rootfs, 'owned')).uid, 100000, 'a file it creates is owned by host uid 100000');

  // The host view of the created container's init.
  const b2 = h.makeBundle((c) => {
    c.linux.namespaces.push({ type: 'user' });
    mapIds(c);
    c.process.args = ['/probe', 'sleep', '30'];
  });
  giveRootfsToMappedRoot(b2);
  t.equal(h.create(b2).code, 0, 'create in a user namespace');
  const pid = h.state(b2.id)?.pid;
  const hostMap = pid ? fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/).map(Number) : [];
  t.same(hostMap, [0, 100000, 65536], 'the mapping is in place already after create');
  h.cli(['start', b2.id]);
  await h.waitStatus(b2.id, ['running']);
  const uidLine = pid
    ? fs
        .readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Uid:'))
    : '';
  t.equal(uidLine?.split(/\s+/)[1], '100000', 'the running process is host uid 100000');
  h.cli(['delete', '--force', b2.id]);
});
