// `exec`: run one more process in a running (or created) container. The runtime opens
// what the child joins on the container's init (its namespaces and its root, pinned by a
// pidfd so a reused pid cannot redirect them), the child joins them in the addon's join
// mode (child/join.cc), is placed in the container's cgroup, and gets the confinement of
// the process to run, with create-time defaults from state.json. Without --detach the
// runtime waits for it, forwarding signals, and exits with its status.
import { resolve } from 'node:path';
import { joinCgroups, hostCgroupFs } from '../cgroups/manager';
import { readHostHierarchies } from '../cgroups/hierarchies';
import type { Process, Spec } from '../config/types';
import { NAMESPACE_PROC_FILES } from '../config/linux-names';
import { nodeErrorText } from '../errno';
import { TsrunError } from '../errors';
import { namespaceFlags } from '../plan/constants';
import { describeChildError } from '../plan/describe';
import { buildExecPlan } from '../plan/exec-plan';
import { memoryPolicyPlan } from '../config/memory-policy';
import { planPersonality } from '../plan/process-attributes';
import { possibleCpuCount } from '../sys/cpus';
import { compileSeccomp } from '../seccomp/compile';
import { sendSeccompListener } from '../seccomp/listener';
import { lockContainer } from '../state/lock';
import type { ContainerRecord } from '../state/types';
import { writeFileAtomic } from '../sys/atomic-file';
import { native, type Native } from '../sys/native';
import { readBoundingCapabilities, readProcessFacts } from '../sys/proc';
import { closeAll, connectConsoleSocket, openOwnConsoleSocket, receiveConsoleMaster } from './child-fds';
import { cgroup2BirthDir } from './container-cgroups';
import type { RuntimeContext } from './context';
import { recordedExec } from './exec-defaults';
import { type ExecOptions, resolveExecProcess } from './exec-request';
import { exitCodeOf, waitForwardingSignals } from './foreground';
import { readImagePasswd } from './image-passwd';
import { hookStateDocument } from './hooks';
import { inheritedFds, socketActivation } from './inherited-fds';
import { addonTransport, InitLadder } from './init-ladder';
import { writeOomScoreAdj } from './init-proc';
import { openInit } from './signal';
import { containerStatus, type Status } from './status';
import { checkTerminalOptions } from './terminal-options';
import type { TerminalProxy } from './terminal-proxy';

interface Started {
  pid: number;
  pidfd: number;
  /** The pty proxied to the caller (a terminal without --console-socket); else null. */
  proxy: TerminalProxy | null;
}

export function execContainer(ctx: RuntimeContext, opts: ExecOptions): number | Promise<number> {
  const started = startProcess(ctx, opts);
  if (opts.detach) {
    native().close(started.pidfd);
    return 0;
  }
  return waitForeground(started);
}

async function waitForeground(started: Started): Promise<number> {
  const { proxy } = started;
  try {
    const status = await waitForwardingSignals(native(), started.pidfd, proxy !== null);
    if (proxy) await proxy.drained;
    return exitCodeOf(status);
  } finally {
    proxy?.close();
  }
}

/** Everything up to the process running (or failed, leaving nothing), under a shared
 * lock: a delete waits until the process is in the container's cgroup. */
function startProcess(ctx: RuntimeContext, opts: ExecOptions): Started {
  const lock = lockContainer(ctx.store, opts.id, 'shared');
  try {
    return startLocked(ctx, opts);
  } finally {
    lock.release();
  }
}

/** The container's state (runtime.md "State") as the seccomp agent gets it. */
function ociState(record: ContainerRecord, status: Status): Record<string, unknown> {
  const container = {
    ociVersion: record.ociVersion,
    id: record.id,
    bundle: record.bundle,
    annotations: record.annotations,
  };
  return { ...hookStateDocument(container, 'running', record.pid), status };
}

function startLocked(ctx: RuntimeContext, opts: ExecOptions): Started {
  const mark = (what: string): void => ctx.logger.debug(`exec ${opts.id}: ${what}`);
  const record = ctx.store.require(opts.id);
  const status = containerStatus(ctx.store, record);
  if (status === 'stopped') throw new TsrunError('ERR_TSRUN_STATE', 'cannot exec in a stopped container');
  if (status === 'paused' && !opts.ignorePaused)
    throw new TsrunError('ERR_TSRUN_STATE', 'cannot exec in a paused container (use --ignore-paused to override)');
  if (opts.cgroup !== undefined) throw new TsrunError('ERR_TSRUN_USAGE', '--cgroup: not supported yet');
  const execRecord = recordedExec(record);
  const proc = resolveExecProcess(execRecord.process, opts.request);
  const terminal = checkTerminalOptions({ process: proc } as Spec, {
    consoleSocket: opts.consoleSocket,
    foreground: !opts.detach,
  });
  const seccomp = execRecord.seccomp ? compileSeccomp(execRecord.seccomp) : null;
  const activation = socketActivation(opts.preserveFds);
  const inheritFds = inheritedFds(activation.preserveFds);

  const addon = native();
  const fds: number[] = [];
  let ladder: InitLadder | null = null;
  let proxy: TerminalProxy | null = null;
  try {
    // The init pinned first: while its pidfd shows it alive, /proc/PID is that process.
    const initPidfd = openInit(record);
    if (initPidfd === null) throw new TsrunError('ERR_TSRUN_STATE', 'cannot exec in a stopped container');
    fds.push(initPidfd);
    const joins = openContainerNamespaces(addon, record.pid, execRecord.namespaces, fds);
    const rootDir = `/proc/${record.pid}/root`;
    const rootFd = openOnInit(addon, rootDir, 'root', fds);
    const passwd = proc.env?.some((e) => e.startsWith('HOME=')) ? null : readImagePasswd(addon, rootDir);
    assertAlive(addon, initPidfd);

    const hierarchies = readHostHierarchies();
    const birthDir = cgroup2BirthDir(record.cgroup, hierarchies);
    const cgroupFd = birthDir ? addon.openReadOnly(birthDir) : -1;
    if (cgroupFd >= 0) fds.push(cgroupFd);
    const ownConsole = terminal === 'proxy' ? openOwnConsoleSocket(addon, fds) : null;
    const consoleSocketFd = opts.consoleSocket
      ? connectConsoleSocket(addon, opts.consoleSocket, fds)
      : (ownConsole?.child ?? -1);
    const { plan, warnings } = buildExecPlan(proc, {
      containerId: record.id,
      rootfs: record.rootfs,
      joins,
      rootFd,
      cgroupFd,
      passwd,
      availableCaps: readBoundingCapabilities(),
      seccomp,
      memoryPolicy: memoryPolicyPlan(execRecord.memoryPolicy),
      newKeyring: !execRecord.noNewKeyring,
      consoleSocketFd,
      ...activation,
      inheritFds,
      personality: planPersonality(execRecord.personality),
      cpuCount: possibleCpuCount(),
    });
    for (const w of warnings) ctx.logger.warn(w);

    const child = addon.spawn(plan);
    fds.push(child.syncFd);
    const describeAs = describedSpec(proc, execRecord.namespaces, record.pid);
    ladder = new InitLadder(addonTransport(addon, child.syncFd), child, {
      describe: (msg) => describeChildError(msg, describeAs),
      trace: mark,
      // Each exec'd process loads the filter again, with its own listener (as runc).
      seccompListener: (fd, pid) => sendSeccompListener(addon, execRecord.seccomp!, fd, pid, ociState(record, status)),
    });
    mark(`child ${child.pid} spawned`);
    joinCgroups(hostCgroupFs, record.cgroup, child.pid, birthDir ? [birthDir] : []);
    ladder.release();
    ladder.followUntilReady({ initForked: (pid) => mark(`process ${pid} forked into the pid namespace`) });
    const pid = ladder.pid;
    if (!readProcessFacts(pid)) throw new TsrunError('ERR_TSRUN_CHILD', `exec'd process ${pid} vanished`);
    writeOomScoreAdj(pid, { process: proc } as Spec);
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
    // Sized and copied before the process may run (Detach): it sees its final window size
    // from its first instruction, as `run`'s does before start.
    if (ownConsole) {
      // Loaded only here: node:net and node:tty cost an exec without a terminal about 4 ms.
      const { startTerminalProxy }: typeof import('./terminal-proxy') = require('./terminal-proxy');
      proxy = startTerminalProxy(addon, receiveConsoleMaster(addon, ownConsole.own), proc.consoleSize, ctx.logger);
    }
    ladder.detach();
    mark(`process ${pid} runs`);
    return { pid, pidfd: ladder.pidfd, proxy };
  } catch (err) {
    proxy?.close();
    ladder?.kill();
    throw err;
  } finally {
    closeAll(addon, fds);
  }
}

/** An fd on /proc/PID/<what> of the init. */
function openOnInit(addon: Native, file: string, what: string, fds: number[]): number {
  try {
    const fd = addon.openReadOnly(file);
    fds.push(fd);
    return fd;
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_STATE', `open the container's ${what} (${file}): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The container's namespaces as its init holds them, user first (joining the others
 * needs the capabilities it grants). */
function openContainerNamespaces(
  addon: Native,
  pid: number,
  types: string[],
  fds: number[],
): { type: number; fd: number }[] {
  const ordered = [...new Set(types)].sort((a, b) => Number(b === 'user') - Number(a === 'user'));
  return ordered.map((type) => {
    const file = NAMESPACE_PROC_FILES[type];
    const flag = namespaceFlags[type];
    if (!file || flag === undefined) throw new TsrunError('ERR_TSRUN_STATE', `unknown namespace type ${type} in state`);
    return { type: flag, fd: openOnInit(addon, `/proc/${pid}/ns/${file}`, `${type} namespace`, fds) };
  });
}

/** The init still alive after its files were opened: they are its, not a reused pid's. */
function assertAlive(addon: Native, pidfd: number): void {
  try {
    addon.pidfdSignal(pidfd, 0);
  } catch {
    throw new TsrunError('ERR_TSRUN_STATE', 'cannot exec in a stopped container');
  }
}

/** What describeChildError reads, for the process being exec'd: its fields, and the
 * namespaces in the order of the plan's joins (a join failure names its file). */
function describedSpec(proc: Process, types: string[], pid: number): Spec {
  const ordered = [...new Set(types)].sort((a, b) => Number(b === 'user') - Number(a === 'user'));
  const namespaces = ordered.map((type) => ({ type, path: `/proc/${pid}/ns/${NAMESPACE_PROC_FILES[type] ?? type}` }));
  return { ociVersion: '', process: proc, linux: { namespaces } } as Spec;
}

function writePidFile(file: string, pid: number): void {
  try {
    writeFileAtomic(resolve(file), String(pid));
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `write pid file ${file}: ${nodeErrorText(err)}`, { cause: err });
  }
}
