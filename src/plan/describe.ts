// A child failure arrives as numbers {step, index, errno, detail}; this turns it into one
// sentence naming the config entry, in runc's words where callers parse them.
import { constants } from 'node:os';
import { TsrunError } from '../errors';
import type { Spec } from '../config/types';
import { hookName } from '../container/hooks';
import { errnoNumber, errnoText } from '../errno';
import { ChildStep, type SyncMessage } from './types';

function entry(index: number, array: string): string {
  return index >= 0 ? `${array}[${index}]` : '';
}

function signalName(signal: number): string {
  const name = Object.entries(constants.signals).find(([, n]) => n === signal)?.[0];
  return name ?? String(signal);
}

/** A createContainer or startContainer hook the child ran failed (hooks.cc): in the words
 * hooks.ts has for the other kinds. errno: it could not run (not found, not executable)
 * or ETIMEDOUT with arg its timeout; else arg is its exit status, or -signal. */
export function describeContainerHookFailure(msg: SyncMessage): string {
  const name = hookName(msg.step === ChildStep.StartContainerHook ? 'startContainer' : 'createContainer', msg.index);
  const path = msg.detail;
  if (msg.errno === errnoNumber('ETIMEDOUT'))
    return `${name}: ${path} ran past its timeout of ${msg.arg} s and was killed`;
  if (msg.errno) return `${name}: ${path}: ${errnoText(msg.errno)}`;
  if (msg.arg < 0) return `${name}: ${path} was killed by signal ${signalName(-msg.arg)}`;
  return `${name}: ${path} exited with status ${msg.arg}`;
}

export function describeChildError(msg: SyncMessage, spec: Spec): TsrunError {
  const why = msg.errno ? errnoText(msg.errno) : 'failed';
  const d = msg.detail;
  const i = msg.index;
  const text = ((): string => {
    switch (msg.step) {
      case ChildStep.LookupExec: {
        const name = spec.process?.args?.[0] ?? d;
        if (name.includes('/')) return `exec: "${name}": stat ${name}: ${why}`;
        return msg.errno === 2 ? `exec: "${name}": executable file not found in $PATH` : `exec: "${name}": ${why}`;
      }
      // Go's LookPath says a bare fs.ErrPermission when stat worked; engines map the
      // "permission denied" to 126, so the words are runc's exactly.
      case ChildStep.NotExecutable:
        return `exec: "${spec.process?.args?.[0] ?? d}": ${why}`;
      case ChildStep.Exec:
        return `exec ${d}: ${why}`;
      case ChildStep.Mount: {
        const m = spec.mounts?.[i];
        const what = m ? `${m.type ?? 'bind'} ${m.source ?? ''} on ${m.destination}` : d;
        return `mount ${entry(i, 'mounts')} (${what}${d && m && !d.includes(m.destination) ? `, at ${d}` : ''}): ${why}`;
      }
      case ChildStep.MountFlags: {
        const m = spec.mounts?.[i];
        const what = m ? ` (${m.type ?? 'bind'} ${m.source ?? ''} on ${m.destination})` : '';
        const locked =
          d === 'locked' ? ': a flag its source has is locked in the user namespace and cannot be cleared' : '';
        return `set the flags of mount ${entry(i, 'mounts')}${what}: ${why}${locked}`;
      }
      case ChildStep.CopyUp:
        return `tmpcopyup of mount ${entry(i, 'mounts')} (copy the image's ${d} into the tmpfs): ${why}`;
      case ChildStep.Device:
        return i >= 0 ? `create device linux.devices[${i}] (${d}): ${why}` : `create default device ${d}: ${why}`;
      case ChildStep.Symlink:
        return `create symlink ${d}: ${why}`;
      case ChildStep.JoinNamespace: {
        const ns = spec.linux?.namespaces?.[i];
        return `join linux.namespaces[${i}] (${ns?.type ?? '?'} namespace ${ns?.path ?? d}): ${why}`;
      }
      case ChildStep.UnshareUser:
        return `create user namespace: ${why}`;
      case ChildStep.UnshareNamespaces:
        return `create namespaces: ${why}`;
      case ChildStep.Rlimit: {
        const r = spec.process?.rlimits?.[i];
        return `setrlimit process.rlimits[${i}] (${r?.type ?? d} soft ${r?.soft} hard ${r?.hard}): ${why}`;
      }
      case ChildStep.Sysctl:
        return `write sysctl linux.sysctl."${d}": ${why}`;
      case ChildStep.MaskPath:
        return `mask linux.maskedPaths entry ${d}: ${why}`;
      case ChildStep.ReadonlyPath:
        return `make linux.readonlyPaths entry ${d} read-only: ${why}`;
      case ChildStep.Hostname:
        return `set hostname ${JSON.stringify(spec.hostname ?? d)}: ${why}`;
      case ChildStep.Domainname:
        return `set domainname ${JSON.stringify(spec.domainname ?? d)}: ${why}`;
      case ChildStep.RootReadonly:
        return `make root.readonly rootfs read-only: ${why}`;
      case ChildStep.PivotRoot:
        return `pivot_root ${d}: ${why}`;
      case ChildStep.RootPropagation:
      case ChildStep.RootfsPropagation:
        return `set linux.rootfsPropagation ${spec.linux?.rootfsPropagation ?? ''}: ${why}`;
      case ChildStep.BindRootfs:
        return `bind mount root.path ${d}: ${why}`;
      case ChildStep.Groups:
        return `setgroups process.user.additionalGids: ${why}`;
      case ChildStep.SetGid:
        return `setgid process.user.gid ${spec.process?.user?.gid ?? d}: ${why}`;
      case ChildStep.SetUid:
        return `setuid process.user.uid ${spec.process?.user?.uid ?? d}: ${why}`;
      case ChildStep.Capabilities:
        return `apply process.capabilities: ${why}`;
      case ChildStep.NoNewPrivileges:
        return `set process.noNewPrivileges: ${why}`;
      case ChildStep.Cwd:
        return `chdir to cwd (${JSON.stringify(spec.process?.cwd ?? d)}) set in config.json failed: ${why}`;
      case ChildStep.Console:
        return `set up console ${d}: ${why}`;
      case ChildStep.ExecFifo:
        return `open exec fifo: ${why}`;
      case ChildStep.IdMaps:
        return `wait for uid/gid mappings: ${why}`;
      case ChildStep.SessionKeyring:
        // d: "join session keyring _ses.ID" or "make session keyring _ses.ID searchable".
        return `${d || 'join session keyring'}: ${why}`;
      case ChildStep.Seccomp:
        return `install linux.seccomp filter: ${why}`;
      case ChildStep.CreateContainerHook:
      case ChildStep.StartContainerHook:
        return describeContainerHookFailure(msg);
      case ChildStep.EnterRoot:
        return `enter the container's root: ${why}`;
      case ChildStep.Loopback:
        return `bring up the loopback interface of the new network namespace: ${why}`;
      case ChildStep.Personality:
        return `set linux.personality.domain ${spec.linux?.personality?.domain ?? ''}: ${why}`;
      case ChildStep.CpuAffinity:
        return `set process.execCPUAffinity.${i === 0 ? 'initial' : 'final'}: ${why}`;
      case ChildStep.IoPriority:
        return `set process.ioPriority (${spec.process?.ioPriority?.class ?? '?'} priority ${spec.process?.ioPriority?.priority ?? 0}): ${why}`;
      case ChildStep.Scheduler:
        return `set process.scheduler (${spec.process?.scheduler?.policy ?? '?'}): ${why}`;
      case ChildStep.MemoryPolicy:
        return `set linux.memoryPolicy (set_mempolicy): ${why}`;
      case ChildStep.ForkInit:
        return `start container init in its pid namespace: ${why}`;
      default:
        return `container init failed${d ? ` at ${d}` : ''}: ${why}`;
    }
  })();
  return new TsrunError('ERR_TSRUN_CHILD', text);
}
