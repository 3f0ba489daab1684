// containerd 1.6's CRI plugin drives the runtime under test as kubelet drives it: gRPC calls
// of runtime.v1 (test/engines/cri/runtime-v1.proto) on a private containerd whose runtime
// handler `tsrun` is the runc v2 shim with BinaryName = the runtime (test/engines/lib/cri.ts),
// pods on a CNI bridge of our own, a leak check at the end (test/engines/lib/cri-leaks.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test as Tap } from 'tap';
import { waitFor } from '../helpers/harness';
import { cgroupMountPoints, cgroupsBelow, inCgroup, removeCgroups } from '../helpers/leftovers';
import { Cri, type CriError, engineRuntime, handler, image, missingHandler, sandboxImage } from './lib/cri';
import {
  bridgePorts,
  type CriScope,
  criLeftovers,
  hostNetns,
  ourIptablesRules,
  removeCriLeftovers,
} from './lib/cri-leaks';
import { containerdMaskedPaths, containerdReadonlyPaths } from './lib/ctr';
import { isRunc } from './lib/runtime-under-test';

const cri = new Cri();
t.comment(`runtime under test: ${engineRuntime}`);
const scope: CriScope = {
  dir: cri.dir,
  pidFile: cri.ctd.pidFile,
  cgroupParent: cri.ctd.cgroupParent,
  namespace: 'k8s.io',
  hostRun: '/run/containerd',
  network: cri.network,
  netns: new Set(),
  veths: new Set(),
  iptablesBefore: ourIptablesRules(cri.network),
  hostRoot: '/',
  hostNetnsBefore: hostNetns('/'),
};

t.teardown(async () => {
  await cri.stop();
  removeCriLeftovers(scope);
});

const GRPC_NOT_FOUND = 5;
const MiB = 1024 * 1024;

/** The v1 hierarchy directory of `controller` for cgroup `rel` ("/tsrun-test-.../pod/id"). */
function cgroupFile(controller: string, rel: string, file: string): string {
  const mp = cgroupMountPoints().find((m) => path.basename(m).split(',').includes(controller));
  return fs.readFileSync(path.join(mp ?? '/nonexistent', rel, file), 'utf8').trim();
}

/** The leak check finds the running daemon and nothing else. */
function onlyDaemon(t: Tap, when: string): void {
  const left = criLeftovers(scope);
  t.equal(left.length, 1, `one thing left ${when}: ${left.join('; ')}`);
  t.match(left[0], /^daemon pid \d+/, 'the running daemon');
}

interface Pod {
  id: string;
  name: string;
  config: object;
}

/** RunPodSandbox as kubelet calls it, with our handler, in a pod cgroup made first as
 * kubelet makes it; records the pod's netns and veths
 * for the leak check. */
async function runPod(name: string): Promise<Pod> {
  cri.makePodCgroup(name);
  const config = cri.podConfig(name);
  const r = await cri.call('RunPodSandbox', { config, runtime_handler: handler });
  const info = await sandboxInfo(r.pod_sandbox_id);
  scope.netns.add(fs.readlinkSync(`/proc/${info.pid}/ns/net`));
  for (const v of bridgePorts(cri.network)) scope.veths.add(v);
  return { id: r.pod_sandbox_id, name, config };
}

/** After RemovePodSandbox, as kubelet then does: the pod's cgroup, which kubelet made, is
 * still there in every hierarchy with nothing below it; remove it. */
function removePodCgroup(t: Tap, name: string): void {
  const dirs = cri.podCgroups(name);
  t.equal(dirs.length, cgroupMountPoints().length, `pod ${name}'s cgroup is kept in every hierarchy`);
  t.same(
    dirs.flatMap((d) => cgroupsBelow(d)),
    [],
    `no container cgroup is left below pod ${name}'s`,
  );
  t.same(removeCgroups(dirs), [], `pod ${name}'s cgroup removed`);
}

/** PodSandboxStatus's verbose info (containerd's JSON: pid, runtime options, spec). */
async function sandboxInfo(id: string): Promise<any> {
  const st = await cri.call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  return JSON.parse(st.info.info);
}

/** CreateContainer + StartContainer of `command` in `pod`, with kubelet's masked and
 * read-only paths in the security context, as kubelet sends them; the container's id. */
async function startContainer(
  pod: Pod,
  name: string,
  command: string[],
  linux: { resources?: object; security_context?: object } = {},
): Promise<string> {
  const log = cri.logPath(pod.name, name);
  const security_context = {
    masked_paths: kubeletMaskedPaths,
    readonly_paths: containerdReadonlyPaths,
    ...linux.security_context,
  };
  const c = await cri.call('CreateContainer', {
    pod_sandbox_id: pod.id,
    config: {
      metadata: { name },
      image: { image },
      command,
      log_path: log.log_path,
      linux: { ...linux, security_context },
    },
    sandbox_config: pod.config,
  });
  await cri.call('StartContainer', { container_id: c.container_id });
  return c.container_id;
}

async function status(id: string): Promise<any> {
  return (await cri.call('ContainerStatus', { container_id: id })).status;
}

/** ContainerStatus once the container has exited (or after a minute, as it is then). */
async function exited(id: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const st = await status(id);
    if (st.state === 'CONTAINER_EXITED' || Date.now() > deadline) return st;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function execSync(id: string, cmd: string[], timeout = 30): Promise<{ out: string; err: string; code: number }> {
  const r = await cri.call('ExecSync', { container_id: id, cmd, timeout });
  return { out: r.stdout.toString(), err: r.stderr.toString(), code: r.exit_code };
}

/** Whether a call fails with gRPC NotFound. */
async function notFound(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (e) {
    return (e as CriError).code === GRPC_NOT_FOUND;
  }
}

/** The runtime's state directory of container `id`: the shim's --root is the private
 * /run/containerd/runc/<namespace>. */
function runtimeState(id: string): string {
  return path.join(cri.dir, 'run', 'containerd', 'runc', 'k8s.io', id);
}

// containerd's default spec's masked paths (its sandboxes get them), and kubelet's default
// lists, which it sends in every container's security context (containerd 1.6 then masks
// only what is sent). Both runtimes' read-only lists are the same.
const kubeletMaskedPaths = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];

const sleeper = ['sh', '-c', 'trap "exit 7" TERM; echo started; while :; do sleep 0.1; done'];
let web: Pod;
let app: string;

t.test('a private containerd runs CRI; the images imported into k8s.io are what it serves', async (t) => {
  await cri.start();
  const v = await cri.call('Version', { version: 'v1' });
  t.equal(v.runtime_name, 'containerd');
  t.equal(v.runtime_api_version, 'v1', 'the runtime.v1 API');
  const images = await cri.imageCall('ListImages');
  const tags = images.images.flatMap((i: { repo_tags: string[] }) => i.repo_tags).sort();
  t.same(tags, [image, sandboxImage], 'ListImages: the workload and sandbox images');
  const st = await cri.imageCall('ImageStatus', { image: { image: sandboxImage } });
  t.match(st.image?.id, /^sha256:[0-9a-f]{64}$/, 'ImageStatus knows the sandbox image');
  t.notOk((await cri.imageCall('ImageStatus', { image: { image: 'localhost/absent:1' } })).image, 'and no other');
});

t.test('the leak check sees each kind of planted leak', async (t) => {
  onlyDaemon(t, 'before the plants');
  const tag = path.basename(cri.dir).slice(-6);
  // Each plant is undone at the end, or by the teardown if the test stops before.
  const undo: (() => void)[] = [];
  const undoAll = () => {
    for (const f of undo.splice(0).reverse()) f();
  };
  t.teardown(undoAll);
  // A process in a network namespace we call a pod's, and that namespace bound in the tmpdir.
  const holder = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
  const gone = new Promise((r) => holder.once('exit', r));
  undo.push(() => holder.kill('SIGKILL'));
  await waitFor(() => fs.readlinkSync(`/proc/${holder.pid}/exe`).endsWith('sleep'));
  const ns = fs.readlinkSync(`/proc/${holder.pid}/ns/net`);
  const bound = path.join(cri.dir, 'planted-netns');
  fs.writeFileSync(bound, '');
  t.equal(spawnSync('mount', ['--bind', `/proc/${holder.pid}/ns/net`, bound]).status, 0, 'bound a netns');
  undo.push(() => spawnSync('umount', [bound]));
  const netnsFile = path.join(cri.dir, 'run', 'netns', 'cni-planted');
  fs.mkdirSync(path.dirname(netnsFile), { recursive: true });
  fs.writeFileSync(netnsFile, '');
  // Our bridge, a veth under a recorded name, a rule naming our subnet.
  const dummy = `tscrv${tag}`;
  const peer = `tscrp${tag}`;
  t.equal(spawnSync('ip', ['link', 'add', cri.network.bridge, 'type', 'bridge']).status, 0, 'planted the bridge');
  undo.push(() => spawnSync('ip', ['link', 'delete', cri.network.bridge]));
  t.equal(spawnSync('ip', ['link', 'add', dummy, 'type', 'veth', 'peer', 'name', peer]).status, 0, 'planted a veth');
  undo.push(() => spawnSync('ip', ['link', 'delete', dummy]));
  const chain = `TSCRI-${tag}`;
  t.equal(spawnSync('iptables', ['-N', chain]).status, 0, 'planted a chain');
  undo.push(() => {
    spawnSync('iptables', ['-F', chain]);
    spawnSync('iptables', ['-X', chain]);
  });
  t.equal(spawnSync('iptables', ['-A', chain, '-s', cri.network.subnet, '-j', 'RETURN']).status, 0, 'and a rule');
  // CNI state: an IP reservation, a cached result in the private /var/lib and in a stand-in
  // for the host's root, with a host netns file and a networks directory there.
  const reservation = path.join(cri.network.ipamDir, cri.network.name, `${cri.network.prefix}9`);
  fs.mkdirSync(path.dirname(reservation), { recursive: true });
  fs.writeFileSync(reservation, 'planted');
  const privateResult = path.join(cri.dir, 'overlay', '0', 'upper', 'cni', 'results', `${cri.network.name}-x-eth0`);
  fs.mkdirSync(path.dirname(privateResult), { recursive: true });
  fs.writeFileSync(privateResult, '{}');
  const standIn = path.join(cri.dir, 'host-root');
  const hostResult = path.join(standIn, 'var', 'lib', 'cni', 'results', `${cri.network.name}-y-eth0`);
  const hostNetworks = path.join(standIn, 'var', 'lib', 'cni', 'networks', cri.network.name);
  const hostNetnsFile = path.join(standIn, 'run', 'netns', 'cni-planted');
  for (const f of [hostResult, hostNetnsFile]) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, '');
  }
  fs.mkdirSync(hostNetworks, { recursive: true });

  const found = criLeftovers({ ...scope, netns: new Set([ns]), veths: new Set([dummy]), hostRoot: standIn });
  const expect = [
    new RegExp(`^process ${holder.pid} in a pod's network namespace`),
    new RegExp(`^netns ${ns.replace(/[[\]]/g, '\\$&')} bound at ${bound}$`),
    `mount ${bound}`,
    'netns file run/netns/cni-planted in the tmpdir',
    `bridge ${cri.network.bridge}`,
    `veth ${dummy}`,
    new RegExp(`^iptables rule -A ${chain} -s ${cri.network.subnet.replace(/\./g, '\\.')}`),
    `IP reservation ${cri.network.prefix}9`,
    `CNI result ${privateResult}`,
    `CNI result ${hostResult}`,
    `host directory ${hostNetworks}`,
    `host netns file ${hostNetnsFile}`,
  ];
  for (const e of expect)
    t.ok(
      found.some((l) => (typeof e === 'string' ? l === e : e.test(l))),
      `found: ${e}`,
    );

  undoAll();
  await gone;
  for (const f of [bound, netnsFile, reservation, privateResult]) fs.rmSync(f);
  fs.rmSync(standIn, { recursive: true });
  onlyDaemon(t, 'once the plants are removed');
});

t.test('RunPodSandbox with the handler: the shim runs BinaryName, the pod is on our network', async (t) => {
  web = await runPod('web');
  const st = (await cri.call('PodSandboxStatus', { pod_sandbox_id: web.id })).status;
  t.equal(st.state, 'SANDBOX_READY');
  t.equal(st.runtime_handler, handler, 'PodSandboxStatus names the handler');
  t.ok(st.network.ip.startsWith(cri.network.prefix), `the pod IP ${st.network.ip} is in ${cri.network.subnet}`);
  const info = await sandboxInfo(web.id);
  t.equal(info.runtimeOptions?.binary_name, engineRuntime, "the handler's BinaryName");
  t.ok(inCgroup(info.pid, `${cri.podCgroupParent('web')}/${web.id}`), 'the sandbox is in <cgroup_parent>/<id>');
  // The runtime that created the sandbox left its own state: tsrun's record or runc's.
  const state = JSON.parse(fs.readFileSync(path.join(runtimeState(web.id), 'state.json'), 'utf8'));
  if (isRunc) t.match(state, { id: web.id, init_process_pid: info.pid }, "runc's state.json");
  else t.match(state, { id: web.id, pid: info.pid, hasPidNamespace: true }, "tsrun's state.json");
  t.equal(bridgePorts(cri.network).length, 1, 'one veth on our bridge');
  t.ok(fs.existsSync(path.join(cri.dir, 'run', 'netns')), 'netns binds are in the private /run');
  t.ok(
    cri.ctd.daemonMountsUnderDir().some((m) => /^\/run\/netns\/cni-/.test(m)),
    "the daemon's netns bind is in its mount namespace (the private /run)",
  );

  // A handler whose BinaryName does not exist cannot run a pod: BinaryName is what runs.
  cri.makePodCgroup('broken');
  const err = await cri
    .call('RunPodSandbox', { config: cri.podConfig('broken'), runtime_handler: missingHandler })
    .then(
      () => null,
      (e: CriError) => e,
    );
  t.ok(err, 'RunPodSandbox with the missing handler fails');
  t.match(err?.details, cri.missingBinary, 'naming the binary');
  removePodCgroup(t, 'broken');
});

t.test('a container sees eth0 with the pod IP and lo, and logs to log_directory/log_path', async (t) => {
  app = await startContainer(web, 'app', sleeper);
  const st = await status(app);
  t.equal(st.state, 'CONTAINER_RUNNING');
  const podIp = (await cri.call('PodSandboxStatus', { pod_sandbox_id: web.id })).status.network.ip;
  const eth0 = await execSync(app, ['ip', '-o', '-4', 'addr', 'show', 'eth0']);
  t.match(eth0.out, new RegExp(`inet ${podIp.replace(/\./g, '\\.')}/24 `), 'eth0 has the pod IP');
  const lo = await execSync(app, ['ip', '-o', 'addr', 'show', 'lo']);
  t.match(lo.out, /inet 127\.0\.0\.1\/8/, 'lo has 127.0.0.1');
  t.match((await execSync(app, ['ip', '-o', 'link', 'show', 'lo'])).out, /<LOOPBACK,UP,LOWER_UP>/, 'lo is up');
  t.equal((await execSync(app, ['hostname'])).out, 'web\n', "the pod's hostname");
  const file = cri.logPath('web', 'app').file;
  t.equal(st.log_path, file, 'ContainerStatus: the log path');
  t.ok(await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('started')), 'logged');
  t.match(fs.readFileSync(file, 'utf8'), /^\S+ stdout F started$/m, 'a CRI log line: time, stream, full, text');
});

t.test('ExecSync: stdout, stderr and exit code apart; a timeout ends the call', async (t) => {
  const r = await execSync(app, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.same(r, { out: 'out\n', err: 'err\n', code: 3 });
  const ok = await execSync(app, ['true']);
  t.equal(ok.code, 0);
  const timedOut = await cri.call('ExecSync', { container_id: app, cmd: ['sleep', '30'], timeout: 1 }).then(
    () => null,
    (e: CriError) => e,
  );
  t.ok(timedOut, 'an ExecSync past its timeout fails');
  t.match(timedOut?.details, /timeout 1s exceeded/, "containerd's timeout error");
  const ps = await execSync(app, ['ps', '-o', 'args']);
  t.notMatch(ps.out, /sleep 30/, 'the timed-out process was killed');
});

t.test("a container's output in its log and its exit code in ContainerStatus", async (t) => {
  const id = await startContainer(web, 'once', ['sh', '-c', 'echo hello; echo oops >&2; exit 3']);
  const st = await exited(id);
  t.equal(st.state, 'CONTAINER_EXITED', 'the container exits');
  t.equal(st.exit_code, 3, 'exit code 3');
  t.equal(st.reason, 'Error', 'reason Error (non-zero)');
  t.ok(st.started_at > 0, `started at ${st.started_at}`);
  // Not compared with started_at: containerd stamps that when the start call returns, and
  // a process this short can have exited by then.
  t.ok(st.finished_at > st.created_at, `finished at ${st.finished_at}, after it was created`);
  const log = fs.readFileSync(cri.logPath('web', 'once').file, 'utf8');
  t.match(log, /^\S+ stdout F hello$/m, 'stdout line');
  t.match(log, /^\S+ stderr F oops$/m, 'stderr line');
  await cri.call('RemoveContainer', { container_id: id });
  t.ok(await notFound(status(id)), 'removed: ContainerStatus says NotFound');
  t.notOk(fs.existsSync(runtimeState(id)), "the runtime's state is gone");
});

t.test('LinuxContainerResources land in the cgroup; ContainerStats reports memory and CPU', async (t) => {
  const resources = { memory_limit_in_bytes: 64 * MiB, cpu_shares: 512, cpu_period: 100000, cpu_quota: 50000 };
  const id = await startContainer(
    web,
    'limited',
    ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000'],
    {
      resources,
    },
  );
  const rel = `${cri.podCgroupParent('web')}/${id}`;
  t.equal(cgroupFile('memory', rel, 'memory.limit_in_bytes'), String(64 * MiB), 'memory limit');
  t.equal(cgroupFile('cpu', rel, 'cpu.shares'), '512', 'cpu shares');
  t.equal(cgroupFile('cpu', rel, 'cpu.cfs_quota_us'), '50000', 'cpu quota');
  t.equal(cgroupFile('cpu', rel, 'cpu.cfs_period_us'), '100000', 'cpu period');
  await waitFor(() => Number(cgroupFile('cpuacct', rel, 'cpuacct.usage')) > 0);
  const stats = (await cri.call('ContainerStats', { container_id: id })).stats;
  t.equal(stats.attributes.id, id);
  t.equal(stats.attributes.metadata.name, 'limited');
  t.ok(stats.memory.working_set_bytes.value > 0, `memory working set ${stats.memory.working_set_bytes.value}`);
  t.ok(stats.memory.usage_bytes.value > 0, 'memory usage');
  t.ok(stats.cpu.usage_core_nano_seconds.value > 0, `CPU time ${stats.cpu.usage_core_nano_seconds.value} ns`);
  await cri.call('StopContainer', { container_id: id, timeout: 0 });
  await cri.call('RemoveContainer', { container_id: id });
});

t.test('security context: run_as_user, readonly_rootfs, capabilities drop, RuntimeDefault seccomp', async (t) => {
  const id = await startContainer(web, 'secure', ['sleep', '1000'], {
    security_context: {
      run_as_user: { value: 1000 },
      readonly_rootfs: true,
      capabilities: { drop_capabilities: ['CHOWN', 'NET_RAW'] },
      seccomp: { profile_type: 'RuntimeDefault' },
    },
  });
  const probe = await execSync(id, ['/probe']);
  t.equal(probe.code, 0, probe.err);
  const p = JSON.parse(probe.out);
  t.equal(p.uid, 1000, 'uid 1000');
  // containerd's default set (a80425fb) without CHOWN (bit 0) and NET_RAW (bit 13).
  t.equal(p.capabilities.bounding, '00000000a80405fa', 'bounding set without CHOWN and NET_RAW');
  t.equal(p.seccomp, 2, "RuntimeDefault: containerd's profile filters");
  const write = await execSync(id, ['touch', '/written']);
  t.not(write.code, 0, 'the read-only root cannot be written');
  t.match(write.err, /Read-only file system/);
  await cri.call('StopContainer', { container_id: id, timeout: 0 });
  await cri.call('RemoveContainer', { container_id: id });
});

t.test("masked and read-only paths: containerd's defaults in the sandbox, kubelet's in a container", async (t) => {
  // The sandbox's mounts, read from the host: what containerd's default spec asks.
  const sandbox = (await sandboxInfo(web.id)).pid;
  const sandboxMounts = fs
    .readFileSync(`/proc/${sandbox}/mountinfo`, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const f = l.split(' ');
      return {
        root: f[3] ?? '',
        mountPoint: f[4] ?? '',
        options: (f[5] ?? '').split(','),
        fstype: f[f.indexOf('-') + 1] ?? '',
      };
    });
  checkPaths(t, 'sandbox', sandboxMounts, containerdMaskedPaths);
  // The container's, seen from inside by /probe: what kubelet sent.
  const probe = await execSync(app, ['/probe']);
  t.equal(probe.code, 0, probe.err);
  const p = JSON.parse(probe.out);
  t.equal(p.uid, 0);
  t.equal(p.capabilities.bounding, '00000000a80425fb', "containerd's default capabilities");
  t.equal(p.seccomp, 0, 'no filter when no profile is asked (Unconfined)');
  checkPaths(t, 'container', p.mounts, kubeletMaskedPaths);
});

interface SeenMount {
  root: string;
  mountPoint: string;
  fstype: string;
  options: string[];
}

/** Each masked path this host has is covered by one empty tmpfs or /dev/null; each read-only
 * path is a read-only mount. */
function checkPaths(t: Tap, who: string, mounts: SeenMount[], masked: string[]): void {
  const at = (point: string) => mounts.filter((m) => m.mountPoint === point);
  // A path this kernel does not have (/proc/kcore without CONFIG_PROC_KCORE, say) has nothing to mask.
  const onHost = (paths: string[]) => paths.filter((x) => fs.existsSync(x));
  const here = onHost(masked);
  t.ok(here.length > 0, `${who}: masked paths this host has: ${here.join(' ')}`);
  for (const x of here) {
    const m = at(x);
    t.equal(m.length, 1, `${who}: ${x} is masked by a mount`);
    t.ok(m[0]?.fstype === 'tmpfs' || m[0]?.root === '/null', `${who}: ${x}: an empty tmpfs or /dev/null`);
  }
  const readonly = onHost(containerdReadonlyPaths);
  t.ok(readonly.length > 0, `${who}: read-only paths this host has: ${readonly.join(' ')}`);
  for (const x of readonly) t.ok(at(x)[0]?.options.includes('ro'), `${who}: ${x} is read-only`);
}

t.test('ListContainers filtered by pod and by state', async (t) => {
  const other = await runPod('other');
  const solo = await startContainer(other, 'solo', ['sleep', '1000']);
  const ids = async (filter: object) =>
    (await cri.call('ListContainers', { filter })).containers.map((c: { id: string }) => c.id).sort();
  t.same(await ids({ pod_sandbox_id: web.id }), [app], "web's containers");
  t.same(await ids({ pod_sandbox_id: other.id }), [solo], "other's containers");
  t.same(await ids({}), [app, solo].sort(), 'all containers');
  t.same(await ids({ state: { state: 'CONTAINER_RUNNING' }, pod_sandbox_id: other.id }), [solo], 'running in other');
  const listed = (await cri.call('ListContainers', { filter: { id: solo } })).containers[0];
  t.match(listed, { pod_sandbox_id: other.id, metadata: { name: 'solo' }, state: 'CONTAINER_RUNNING' });
  // The other pod goes with its running container: StopPodSandbox stops it, Remove removes it.
  await cri.call('StopPodSandbox', { pod_sandbox_id: other.id });
  t.equal((await status(solo)).state, 'CONTAINER_EXITED', 'StopPodSandbox stopped the container');
  await cri.call('RemovePodSandbox', { pod_sandbox_id: other.id });
  t.ok(await notFound(status(solo)), 'RemovePodSandbox removed the container');
  removePodCgroup(t, 'other');
  t.same(await ids({}), [app], 'only app is left');
});

t.test('StopContainer (SIGTERM: exit 7), RemoveContainer, StopPodSandbox, RemovePodSandbox', async (t) => {
  await cri.call('StopContainer', { container_id: app, timeout: 30 });
  const st = await status(app);
  t.equal(st.state, 'CONTAINER_EXITED');
  t.equal(st.exit_code, 7, "the TERM trap's exit code");
  await cri.call('RemoveContainer', { container_id: app });
  t.ok(await notFound(status(app)), 'the container is gone');
  t.notOk(fs.existsSync(runtimeState(app)), "the runtime's state is gone");
  await cri.call('StopPodSandbox', { pod_sandbox_id: web.id });
  const stopped = (await cri.call('PodSandboxStatus', { pod_sandbox_id: web.id })).status;
  t.equal(stopped.state, 'SANDBOX_NOTREADY', 'the pod is not ready once stopped');
  t.same(bridgePorts(cri.network), [], "the pods' veths are gone");
  t.same(fs.readdirSync(path.join(cri.dir, 'run', 'netns')), [], 'the netns binds are gone');
  await cri.call('RemovePodSandbox', { pod_sandbox_id: web.id });
  t.ok(await notFound(cri.call('PodSandboxStatus', { pod_sandbox_id: web.id })), 'the pod is gone');
  t.notOk(fs.existsSync(runtimeState(web.id)), "the sandbox's runtime state is gone");
  t.same((await cri.call('ListContainers', { filter: {} })).containers, [], 'no container is left');
  removePodCgroup(t, 'web');
});

t.test('after the file: containerd stopped by pid, nothing left behind', async (t) => {
  t.same(cri.ctd.daemonMountsUnderDir(), [], "no mount is left in the daemon's mount namespace");
  await cri.stop();
  // CNI makes the bridge and leaves it; the network's owner deletes it.
  t.equal(spawnSync('ip', ['link', 'delete', cri.network.bridge]).status, 0, 'our bridge deleted');
  await waitFor(() => criLeftovers(scope).length === 0);
  t.same(criLeftovers(scope), [], 'no daemon, shim, process, mount, cgroup, netns, device, rule or file');
});
