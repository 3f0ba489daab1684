// `create`: validate, reserve the state directory and lock it, make the cgroup (and record
// it in cleanup.json), clone the child and follow it up the sync ladder (init-ladder.ts)
// until it is Ready and blocked on exec.fifo, record it, let it detach. Any failure rolls
// back everything made so far, in reverse (the undo stack). The lock is held throughout:
// a delete, start or kill of the same id waits for the create to end.
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { joinCgroups, hostCgroupFs } from '../cgroups/manager';
import { cgroupVersion, readHostHierarchies } from '../cgroups/hierarchies';
import { TsrunError } from '../errors';
import { buildInitPlan } from '../plan/build';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER } from '../plan/constants';
import { describeChildError } from '../plan/describe';
import { entersNamespace, planNamespaces } from '../plan/namespaces';
import { compileSeccomp } from '../seccomp/compile';
import { sendSeccompListener } from '../seccomp/listener';
import { joinResctrl } from '../resctrl/resctrl';
import { loadSpec } from '../config/load';
import { hostLsms, ignoredLsmLabels } from '../config/lsm-labels';
import { moveNetDevices } from '../config/net-devices';
import { stepTracer } from '../log/trace';
import type { Spec } from '../config/types';
import { lockContainer, type ContainerLock } from '../state/lock';
import { updatableResources } from '../cgroups/update-merge';
import { STATE_VERSION, type ContainerRecord } from '../state/types';
import { writeFileAtomic } from '../sys/atomic-file';
import { nodeErrorText } from '../errno';
import { native } from '../sys/native';
import { pathKind } from '../sys/path-kind';
import { readBoundingCapabilities, readProcessFacts } from '../sys/proc';
import {
  closeAll,
  connectConsoleSocket,
  openBindSources,
  openExecFifo,
  openNamespaceJoins,
  openOwnConsoleSocket,
  openStartHooksFifo,
  receiveConsoleMaster,
} from './child-fds';
import {
  applyContainerResources,
  applyPidsLimit,
  cgroup2BirthDir,
  checkExistingCgroups,
  cgroup2Dir,
  cgroupMountSources,
  makeContainerCgroups,
  removeContainerCgroups,
} from './container-cgroups';
import type { RuntimeContext } from './context';
import { execRecord } from './exec-defaults';
import { inheritedFds, socketActivation } from './inherited-fds';
import { readImagePasswd } from './image-passwd';
import { addonTransport, InitLadder } from './init-ladder';
import { writeIdMappings, writeOomScoreAdj, writeTimeOffsets } from './init-proc';
import { hostNotifySocket, makeNotifyDir, notifyDir, withNotifySocket } from './notify-socket';
import { cleanupRecord } from './recover';
import { unmountUnder } from './shared-mounts';
import { checkTerminalOptions } from './terminal-options';
import { type HookContainer, hookStateDocument, recordedHooks, runHooks } from './hooks';
import { Undo } from './undo';
import { OCI_VERSION } from './version';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  noPivot: boolean;
  /** --no-new-keyring: keep the runtime's session keyring instead of "_ses.<id>". */
  noNewKeyring: boolean;
  preserveFds: number;
  /** `run` in the foreground: the container may use the runtime's terminal, and a
   * container terminal without --console-socket is proxied by the runtime. */
  foreground: boolean;
}

export interface Created {
  record: ContainerRecord;
  /** pidfd of the container's init, a child of this process. */
  pidfd: number;
  spec: Spec;
  /** The container's pty master, for `run` to proxy (terminal mode 'proxy'); else -1. */
  consoleMaster: number;
}

export function createContainer(ctx: RuntimeContext, opts: CreateOptions): Created {
  const mark = stepTracer(ctx.logger, `create ${opts.id}`);
  const bundle = resolve(opts.bundle);
  const config = loadSpec(bundle);
  mark('config validated');
  for (const line of ignoredLsmLabels(config, hostLsms())) ctx.logger[line.level](line.text);
  // With a host notify socket, the container gets its own (runc mutates its spec likewise);
  // exec's defaults stay config.json's (record.exec below).
  const notify = hostNotifySocket() ? notifyDir(ctx.store, opts.id) : null;
  const spec = notify ? withNotifySocket(config, notify) : config;
  const terminal = checkTerminalOptions(spec, opts);
  // Before anything is made: a profile libseccomp refuses is a config error.
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
  if (seccomp) mark('seccomp compiled');
  const rootfs = resolve(bundle, spec.root?.path ?? 'rootfs');
  // Which fds the caller passed, before this process opens any of its own (the lock, the
  // fifo): one of those landing in the preserved range would look passed.
  const activation = socketActivation(opts.preserveFds);
  const inheritFds = inheritedFds(activation.preserveFds);
  const undo = new Undo(ctx.logger);
  let lock: ContainerLock | null = null;
  // The fds opened for the child: closed here once it holds its copies, whatever happens.
  const fds: number[] = [];
  const addon = native();
  try {
    // The state directory, exclusively: a duplicate ID fails here, touching nothing.
    ctx.store.reserve(opts.id);
    lock = lockReservation(ctx, opts.id);
    const hookContainer: HookContainer = {
      ociVersion: OCI_VERSION,
      id: opts.id,
      bundle,
      annotations: spec.annotations ?? {},
    };
    // A create that fails once the container exists ends as a delete does, its poststop
    // hooks last (runtime.md lifecycle steps 12 and 13; runc destroys the container).
    undo.push('run poststop hooks', () =>
      runHooks(ctx.logger, 'poststop', spec.hooks?.poststop, hookStateDocument(hookContainer, 'stopped', 0)),
    );
    undo.push('remove state directory', () => ctx.store.remove(opts.id));
    if (notify) makeNotifyDir(notify);

    const namespaces = planNamespaces(spec);
    const hasMountNamespace = entersNamespace(namespaces, CLONE_NEWNS);
    const hierarchies = readHostHierarchies();
    const cgroups = makeContainerCgroups(spec, opts.id, hierarchies, ctx.systemdCgroup);
    undo.push('remove cgroups', () => removeContainerCgroups(cgroups));
    checkExistingCgroups(ctx.logger, opts.id, cgroups);
    // Before anything can run in them: what delete --force removes if state.json is lost.
    ctx.store.saveCleanup(cleanupRecord(opts.id, cgroups, rootfs, hasMountNamespace));
    applyContainerResources(ctx.logger, spec, hierarchies, cgroups);
    mark('cgroups made');

    const fifoFd = openExecFifo(addon, ctx.store.fifoPath(opts.id), fds);
    const hasStartHooks = (spec.hooks?.startContainer?.length ?? 0) > 0;
    const startReportFd = hasStartHooks ? openStartHooksFifo(addon, ctx.store.startHooksFifoPath(opts.id), fds) : -1;
    if (!hasMountNamespace) {
      ctx.logger.warn(
        `container ${opts.id} has no mount namespace: its mounts are made in the runtime's and removed at delete`,
      );
      undo.push('unmount what the container mounted in the shared mount namespace', () => unmountUnder(rootfs));
    }
    const joinFds = openNamespaceJoins(addon, namespaces.joins, fds);
    const ownConsole = terminal === 'proxy' ? openOwnConsoleSocket(addon, fds) : null;
    const consoleSocketFd = opts.consoleSocket
      ? connectConsoleSocket(addon, opts.consoleSocket, fds)
      : (ownConsole?.child ?? -1);

    const cgroupV = cgroupVersion(hierarchies);
    const birthDir = cgroup2BirthDir(cgroups, hierarchies);
    const cgroupFd = birthDir ? addon.openReadOnly(birthDir) : -1;
    if (cgroupFd >= 0) fds.push(cgroupFd);
    const { plan, warnings } = buildInitPlan(spec, {
      bundle,
      rootfs,
      namespaces,
      joinFds,
      statSource: pathKind,
      passwd: spec.process?.env?.some((e) => e.startsWith('HOME=')) ? null : readImagePasswd(addon, rootfs),
      cgroupSources: cgroupV === 1 ? cgroupMountSources(cgroups, hierarchies) : [],
      cgroupVersion: cgroupV,
      cgroup2HostDir: cgroup2Dir(cgroups, hierarchies),
      cgroupFd,
      availableCaps: readBoundingCapabilities(),
      fifoFd,
      consoleSocketFd,
      ...activation,
      inheritFds,
      noPivot: opts.noPivot,
      containerId: opts.id,
      newKeyring: !opts.noNewKeyring,
      seccomp,
      hookContainer,
      startReportFd,
    });
    for (const w of warnings) ctx.logger.warn(w);
    openBindSources(addon, spec, plan.mounts, fds, entersNamespace(namespaces, CLONE_NEWUSER));
    mark('plan built');

    // Born in its cgroup2 directory; the child waits for Go, so it is placed in the v1
    // hierarchies before it runs.
    const child = addon.spawn(plan);
    fds.push(child.syncFd);
    const ladder = new InitLadder(addonTransport(addon, child.syncFd), child, {
      describe: (msg) => describeChildError(msg, spec),
      trace: mark,
      // The filter is in; the container's program has not run yet.
      seccompListener: (fd, pid) =>
        sendSeccompListener(addon, spec.linux!.seccomp!, fd, pid, hookStateDocument(hookContainer, 'creating', pid)),
    });
    undo.push('kill the container init', () => ladder.kill());
    mark(`child ${child.pid} spawned`);
    joinCgroups(hostCgroupFs, cgroups, child.pid, birthDir ? [birthDir] : []);
    mark('child placed in its cgroups');
    const rdt = spec.linux?.intelRdt ? joinResctrl(spec.linux.intelRdt, opts.id, child.pid, undo) : undefined;
    ladder.release();
    ladder.followUntilReady({
      writeIdMaps: (pid) => writeIdMappings(pid, spec),
      writeTimeOffsets: (pid) => writeTimeOffsets(pid, spec),
      initForked: (pid) => mark(`init ${pid} forked into its pid namespace`),
      // The mounts are made, pivot_root is not: prestart, then createRuntime (runc's order).
      createRuntime: () => {
        // The init is in its network namespace: the interfaces go there before any hook.
        if (spec.linux?.netDevices) {
          const netns = addon.openReadOnly(`/proc/${ladder.pid}/ns/net`);
          try {
            moveNetDevices(spec, netns, {
              addresses: (name) => addon.linkAddresses(name),
              move: (name, fd, newName) => addon.moveLink(name, fd, newName),
              setUp: (fd, index, name, addresses) => addon.setUpMovedLink(fd, index, name, addresses),
            });
          } finally {
            addon.close(netns);
          }
          mark('network devices moved');
        }
        const state = hookStateDocument(hookContainer, 'creating', ladder.pid);
        runHooks(ctx.logger, 'prestart', spec.hooks?.prestart, state);
        runHooks(ctx.logger, 'createRuntime', spec.hooks?.createRuntime, state);
      },
    });

    // Ready: the child blocks on exec.fifo until `start`.
    applyPidsLimit(ctx.logger, spec, hierarchies, cgroups);
    mark('pids limit applied');
    const pid = ladder.pid;
    const facts = readProcessFacts(pid);
    if (!facts) throw new TsrunError('ERR_TSRUN_CHILD', `container init ${pid} vanished after it was ready`);
    writeOomScoreAdj(pid, spec);
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
      resources: updatableResources(spec.linux?.resources),
    };
    const hooks = recordedHooks(spec.hooks);
    if (hooks) record.hooks = hooks;
    record.exec = execRecord(config, opts.noNewKeyring);
    if (hasStartHooks) record.startContainerHooks = true;
    if (rdt) record.intelRdt = rdt;
    if (opts.pidFile) {
      try {
        writeFileAtomic(resolve(opts.pidFile), String(pid));
      } catch (err) {
        throw new TsrunError('ERR_TSRUN_SYSCALL', `write pid file ${opts.pidFile}: ${nodeErrorText(err)}`, {
          cause: err,
        });
      }
    }
    ctx.store.save(record);
    mark('state saved');
    const consoleMaster = ownConsole ? receiveConsoleMaster(addon, ownConsole.own) : -1;
    if (consoleMaster >= 0) undo.push('close the terminal master', () => addon.close(consoleMaster));
    // Only now may the child outlive us.
    ladder.detach();
    undo.commit();
    return { record, pidfd: ladder.pidfd, spec, consoleMaster };
  } catch (err) {
    undo.rollback();
    throw err;
  } finally {
    closeAll(addon, fds);
    lock?.release();
  }
}

/** The lock on the directory just reserved. Only a delete that came in the instant
 * between mkdir and flock can have removed it first (and another create made it again:
 * then it is not empty, as ours is until we write in it). */
function lockReservation(ctx: RuntimeContext, id: string): ContainerLock {
  const deleted = new TsrunError('ERR_TSRUN_STATE', `container ${id} was deleted while it was being created`);
  let lock: ContainerLock;
  try {
    lock = lockContainer(ctx.store, id, 'exclusive');
  } catch (err) {
    throw (err as TsrunError).code === 'ERR_TSRUN_NOT_FOUND' ? deleted : err;
  }
  if (readdirSync(ctx.store.dir(id)).length === 0) return lock;
  lock.release();
  throw deleted;
}
