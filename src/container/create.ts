// `create`: validate, reserve the state directory, make the cgroup, clone the child and
// drive it up the sync ladder (numbered as in src/plan/types.ts) until it is Ready and
// blocked on exec.fifo. Any failure rolls back everything made so far, in reverse.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyDeviceRules } from '../cgroups/devices-v1';
import { createCgroups, hostCgroupFs, joinCgroups, removeCgroups, type CgroupRecord } from '../cgroups/manager';
import { cgroupPathIn } from '../cgroups/paths';
import { applyResources, controllerDir } from '../cgroups/resources';
import { cgroupVersion, readHostHierarchies, type Hierarchy } from '../cgroups/hierarchies';
import { TsrunError } from '../errors';
import { buildInitPlan } from '../plan/build';
import type { CgroupMountSource } from '../plan/mounts';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, MS_REC } from '../plan/constants';
import { describeChildError } from '../plan/describe';
import { entersNamespace, idMapText, planNamespaces } from '../plan/namespaces';
import { SyncType, type MountStep, type SyncMessage } from '../plan/types';
import { compileSeccomp } from '../seccomp/compile';
import { loadSpec } from '../config/load';
import type { Spec } from '../config/types';
import { STATE_VERSION, type ContainerRecord } from '../state/types';
import { writeFileAtomic } from '../sys/atomic-file';
import { nodeErrorText } from '../errno';
import { native, type Native } from '../sys/native';
import { pathKind } from '../sys/path-kind';
import { readBoundingCapabilities, readProcessFacts } from '../sys/proc';
import { sleepMs } from '../sys/sleep';
import type { RuntimeContext } from './context';
import { inheritedFds } from './inherited-fds';
import { readImagePasswd } from './image-passwd';
import { unmountUnder } from './shared-mounts';
import { Undo } from './undo';
import { OCI_VERSION } from './version';

const SYNC_TIMEOUT_MS = 60_000;

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  noPivot: boolean;
  /** --no-new-keyring: keep the runtime's session keyring instead of "_ses.<id>". */
  noNewKeyring: boolean;
  preserveFds: number;
  /** `run` in the foreground: the container may use the runtime's terminal. */
  foreground: boolean;
}

export interface Created {
  record: ContainerRecord;
  /** pidfd of the container's init, a child of this process. */
  pidfd: number;
  spec: Spec;
}

/** systemd socket activation, as runc passes it on: the LISTEN_FDS fds (from 3) go to the
 * container before the --preserve-fds ones, and its env says so, with the init as pid 1. */
function socketActivation(preserveFds: number): { preserveFds: number; extraEnv: string[] } {
  const listen = Number(process.env.LISTEN_FDS ?? '');
  if (!Number.isInteger(listen) || listen <= 0) return { preserveFds, extraEnv: [] };
  return { preserveFds: preserveFds + listen, extraEnv: [`LISTEN_FDS=${listen}`, 'LISTEN_PID=1'] };
}

function checkTerminal(spec: Spec, opts: CreateOptions): void {
  const terminal = spec.process?.terminal === true;
  if (terminal && !opts.consoleSocket) {
    throw new TsrunError(
      'ERR_TSRUN_USAGE',
      opts.foreground
        ? 'process.terminal: a terminal for `run` without --console-socket is not supported yet'
        : 'cannot allocate tty if tsrun will detach without setting console socket',
    );
  }
  if (!terminal && opts.consoleSocket)
    throw new TsrunError('ERR_TSRUN_USAGE', 'cannot use console socket if tsrun will not detach or allocate tty');
}

function makeCgroups(ctx: RuntimeContext, spec: Spec, id: string, hierarchies: Hierarchy[], undo: Undo): CgroupRecord {
  const record = createCgroups(hostCgroupFs, hierarchies, (h) =>
    cgroupPathIn(h, spec.linux?.cgroupsPath, id, ctx.systemdCgroup),
  );
  undo.push('remove cgroups', () => {
    const left = removeCgroups(hostCgroupFs, record);
    if (left.length > 0) throw new Error(`cgroups left: ${left.join(', ')}`);
  });
  try {
    applyResources(hostCgroupFs, hierarchies, record, spec.linux?.resources);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `apply linux.resources: ${nodeErrorText(err)}`, { cause: err });
  }
  // The v1 devices controller; v2 has no devices files.
  const devicesDir = cgroupVersion(hierarchies) === 1 ? controllerDir(hierarchies, record, 'devices') : undefined;
  if (!devicesDir && (spec.linux?.resources?.devices?.length ?? 0) > 0) {
    // cgroup v2 enforces device rules with an eBPF program, which arrives with the cgroup
    // issue; say so rather than pretend.
    ctx.logger.warn('linux.resources.devices is not enforced on this host yet (cgroup v2 needs an eBPF device filter)');
  }
  if (devicesDir) {
    try {
      applyDeviceRules(hostCgroupFs, devicesDir, spec.linux?.resources?.devices ?? [], spec.linux?.devices ?? []);
    } catch (err) {
      throw new TsrunError(
        'ERR_TSRUN_SYSCALL',
        `apply linux.resources.devices in ${devicesDir}: ${nodeErrorText(err)}`,
        { cause: err },
      );
    }
  }
  return record;
}

/** What the container's /sys/fs/cgroup shows of each v1 hierarchy. */
function cgroupMountSources(record: CgroupRecord, hierarchies: Hierarchy[]): CgroupMountSource[] {
  return hierarchies
    .filter((h) => h.version === 1 && record.paths[h.key])
    .map((h) => ({
      name: h.name,
      hostDir: record.paths[h.key] as string,
      aliases: h.name.includes(',') ? h.name.split(',') : [],
    }));
}

/** In a user namespace the container's root may not reach a bind source the runtime can:
 * give the child a detached copy made with the runtime's view (open_tree), its flags set,
 * which the child uses where its own open is refused. */
function prepareBindSources(mounts: MountStep[], fds: number[], addon: Native): void {
  for (const m of mounts) {
    if (!m.sourceIsPath) continue;
    try {
      m.sourceTreeFd = addon.openTree(m.source, (m.flags & MS_REC) !== 0, m.remountFlags);
    } catch (err) {
      throw new TsrunError('ERR_TSRUN_CONFIG', `config.json: mounts[${m.index}].source: ${(err as Error).message}`, {
        cause: err,
      });
    }
    fds.push(m.sourceTreeFd);
  }
}

/** Receive the next message; an Error becomes the described child failure. */
function receive(addon: Native, syncFd: number, pidfd: number, spec: Spec): SyncMessage {
  const msg = addon.syncRecv(syncFd, pidfd, SYNC_TIMEOUT_MS);
  if (msg.type === SyncType.Error) {
    if (msg.step === 0 || (msg.errno === 0 && msg.detail === '')) {
      const status = addon.reapNoHang(pidfd);
      const how = status
        ? status.signal
          ? `killed by signal ${status.signal}`
          : `exit status ${status.code}`
        : 'no reply';
      throw new TsrunError('ERR_TSRUN_CHILD', `container init ended before it was ready (${how})`);
    }
    throw describeChildError(msg, spec);
  }
  return msg;
}

function expect(msg: SyncMessage, ...types: SyncType[]): void {
  if (!types.includes(msg.type))
    throw new TsrunError('ERR_TSRUN_CHILD', `sync: expected message ${types.join(' or ')}, received ${msg.type}`);
}

export function createContainer(ctx: RuntimeContext, opts: CreateOptions): Created {
  const started = performance.now();
  const mark = (what: string): void =>
    ctx.logger.debug(`create ${opts.id}: ${what} at ${(performance.now() - started).toFixed(1)} ms`);
  const bundle = path.resolve(opts.bundle);
  const spec = loadSpec(bundle);
  mark('config validated');
  checkTerminal(spec, opts);
  // Before anything is made: a profile libseccomp refuses is a config error.
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
  if (seccomp) mark('seccomp compiled');
  const rootfs = path.resolve(bundle, spec.root?.path ?? 'rootfs');
  const undo = new Undo(ctx.logger);
  const fds: number[] = [];
  const addon = native();
  try {
    // 0: the state directory, exclusively: a duplicate ID fails here, touching nothing.
    ctx.store.reserve(opts.id);
    undo.push('remove state directory', () => ctx.store.remove(opts.id));

    const hierarchies = readHostHierarchies();
    const cgroupV = cgroupVersion(hierarchies);
    const cgroups = makeCgroups(ctx, spec, opts.id, hierarchies, undo);
    mark('cgroups made');

    // The child gets the fifo itself, opened O_RDWR here (no directory fd of the host
    // reaches it); it blocks reading it until `start` writes. 0600: only root releases it.
    addon.mkfifo(ctx.store.fifoPath(opts.id), 0o600);
    const fifoFd = fs.openSync(ctx.store.fifoPath(opts.id), fs.constants.O_RDWR);
    fds.push(fifoFd);

    const namespaces = planNamespaces(spec);
    const hasMountNamespace = entersNamespace(namespaces, CLONE_NEWNS);
    if (!hasMountNamespace) {
      ctx.logger.warn(
        `container ${opts.id} has no mount namespace: its mounts are made in the runtime's and removed at delete`,
      );
      undo.push('unmount what the container mounted in the shared mount namespace', () => unmountUnder(rootfs));
    }
    const joinFds = namespaces.joins.map((j) => {
      try {
        const fd = addon.openReadOnly(j.path);
        fds.push(fd);
        return fd;
      } catch (err) {
        throw new TsrunError(
          'ERR_TSRUN_CONFIG',
          `config.json: linux.namespaces[${j.index}].path: ${(err as Error).message}`,
          { cause: err },
        );
      }
    });
    let consoleSocketFd = -1;
    if (opts.consoleSocket) {
      consoleSocketFd = addon.connectUnix(opts.consoleSocket);
      fds.push(consoleSocketFd);
    }

    const activation = socketActivation(opts.preserveFds);
    const { plan, warnings } = buildInitPlan(spec, {
      bundle,
      rootfs,
      namespaces,
      joinFds,
      statSource: pathKind,
      passwd: spec.process?.env?.some((e) => e.startsWith('HOME=')) ? null : readImagePasswd(addon, rootfs),
      cgroupSources: cgroupV === 1 ? cgroupMountSources(cgroups, hierarchies) : [],
      cgroupVersion: cgroupV,
      // On a v2 host every controller lives in the one directory.
      cgroup2HostDir: cgroupV === 2 ? (controllerDir(hierarchies, cgroups, 'memory') ?? null) : null,
      availableCaps: readBoundingCapabilities(),
      fifoFd,
      consoleSocketFd,
      ...activation,
      inheritFds: inheritedFds(activation.preserveFds),
      noPivot: opts.noPivot,
      containerId: opts.id,
      newKeyring: !opts.noNewKeyring,
      seccomp,
    });
    for (const w of warnings) ctx.logger.warn(w);
    if (entersNamespace(namespaces, CLONE_NEWUSER)) prepareBindSources(plan.mounts, fds, addon);

    // 1: spawn. The child waits for Go, so it is placed in its cgroups before it runs.
    mark('plan built');
    const child = addon.spawn(plan);
    fds.push(child.syncFd);
    let pid = child.pid;
    let pidfd = child.pidfd;
    undo.push('kill the container init', () => {
      try {
        addon.pidfdSignal(pidfd, 9);
      } catch {
        // already gone
      }
      // Wait for it to be gone: its cgroup cannot be removed while it lives.
      for (let i = 0; i < 2000 && addon.reapNoHang(pidfd) === null; i++) sleepMs(1);
      addon.close(pidfd);
    });
    mark(`child ${pid} spawned`);
    joinCgroups(hostCgroupFs, cgroups, pid);
    mark('child placed in its cgroups');
    addon.syncSend(child.syncFd, SyncType.Go, 0);

    // 2..: follow the child up the ladder.
    for (;;) {
      const msg = receive(addon, child.syncFd, pidfd, spec);
      mark(`child sent message ${msg.type}`);
      if (msg.type === SyncType.NeedIdMaps) {
        const uidMap = idMapText(spec.linux?.uidMappings ?? []);
        const gidMap = idMapText(spec.linux?.gidMappings ?? []);
        try {
          fs.writeFileSync(`/proc/${msg.arg}/uid_map`, uidMap);
          if (gidMap) fs.writeFileSync(`/proc/${msg.arg}/gid_map`, gidMap);
        } catch (err) {
          throw new TsrunError(
            'ERR_TSRUN_SYSCALL',
            `write uid/gid mappings (linux.uidMappings, linux.gidMappings) for pid ${msg.arg}: ${nodeErrorText(err)}`,
            { cause: err },
          );
        }
        addon.syncSend(child.syncFd, SyncType.IdMapsDone, 0);
      } else if (msg.type === SyncType.Pid) {
        // The intermediate forked the init into its pid/time namespace and exits.
        const intermediate = pidfd;
        pid = msg.arg;
        pidfd = addon.pidfdOpen(pid);
        addon.reap(intermediate).then(
          () => addon.close(intermediate),
          () => undefined,
        );
      } else if (msg.type === SyncType.CreateRuntime) {
        // prestart and createRuntime hooks run here (hooks issue).
        addon.syncSend(child.syncFd, SyncType.Resume, 0);
      } else {
        expect(msg, SyncType.Ready);
        break;
      }
    }

    // 3: the child is Ready and blocks on exec.fifo until `start`.
    const facts = readProcessFacts(pid);
    if (!facts) throw new TsrunError('ERR_TSRUN_CHILD', `container init ${pid} vanished after it was ready`);
    if (spec.process?.oomScoreAdj !== undefined) {
      try {
        fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(spec.process.oomScoreAdj));
      } catch (err) {
        throw new TsrunError(
          'ERR_TSRUN_SYSCALL',
          `write process.oomScoreAdj ${spec.process.oomScoreAdj}: ${nodeErrorText(err)}`,
          { cause: err },
        );
      }
    }
    const record: ContainerRecord = {
      version: STATE_VERSION,
      id: opts.id,
      ociVersion: OCI_VERSION,
      bundle,
      rootfs,
      pid,
      startTime: facts.startTime,
      created: new Date().toISOString(),
      owner: '',
      annotations: spec.annotations ?? {},
      cgroup: cgroups,
      hasPidNamespace: entersNamespace(namespaces, CLONE_NEWPID),
      hasProcess: spec.process !== undefined,
      hasMountNamespace,
    };
    if (opts.pidFile) {
      try {
        writeFileAtomic(path.resolve(opts.pidFile), String(pid));
      } catch (err) {
        throw new TsrunError('ERR_TSRUN_SYSCALL', `write pid file ${opts.pidFile}: ${nodeErrorText(err)}`, {
          cause: err,
        });
      }
    }
    ctx.store.save(record);
    mark('state saved');
    // 4: only now may the child outlive us: it clears its parent-death signal and says so.
    addon.syncSend(child.syncFd, SyncType.Detach, 0);
    expect(receive(addon, child.syncFd, pidfd, spec), SyncType.Detached);
    undo.commit();
    return { record, pidfd, spec };
  } catch (err) {
    undo.rollback();
    throw err;
  } finally {
    for (const fd of fds) {
      try {
        addon.close(fd);
      } catch {
        // closing is best effort
      }
    }
  }
}
