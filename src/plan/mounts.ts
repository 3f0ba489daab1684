// config.json mounts -> MountSteps: option strings to flags (runc specconv's tables),
// bind sources resolved against the bundle, the cgroup mount expanded for the host.
import { posix, resolve } from 'node:path';
import { ConfigError } from '../errors';
import type { Mount } from '../config/types';
import {
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_REC,
  MS_REMOUNT,
  type MountAttrChange,
  mountFlagOptions,
  COPY_UP_OPTION,
  IDMAP_OPTIONS,
  PER_MOUNT_FLAGS,
  propagationOptions,
  recursiveAttrOptions,
} from './constants';
import { isIdmapped } from './idmap';
import { MountTargetKind, type MountStep, type SymlinkStep } from './types';

export interface ParsedOptions {
  flags: number;
  /** Flags an option cleared (rw, suid, exec...) and no later option set again. */
  cleared: number;
  /** The recursive options, folded into one change (the last word on each attribute wins). */
  recursive: MountAttrChange;
  propagation: number[];
  data: string[];
  /** tmpcopyup (on a tmpfs): the image's directory is copied into it. */
  copyUp: boolean;
}

export function parseMountOptions(options: string[]): ParsedOptions {
  let flags = 0;
  let cleared = 0;
  const recursive: MountAttrChange = { set: 0, clr: 0 };
  const propagation: number[] = [];
  const data: string[] = [];
  let copyUp = false;
  for (const option of options) {
    const known = mountFlagOptions[option];
    if (known) {
      flags = known.clear ? flags & ~known.flag : flags | known.flag;
      cleared = known.clear ? cleared | known.flag : cleared & ~known.flag;
      continue;
    }
    const attr = recursiveAttrOptions[option];
    if (attr) {
      recursive.set = (recursive.set & ~attr.clr) | attr.set;
      recursive.clr = (recursive.clr & ~attr.set) | attr.clr;
      continue;
    }
    const prop = propagationOptions[option];
    if (prop !== undefined) propagation.push(prop);
    else if (option === COPY_UP_OPTION) copyUp = true;
    else if (!IDMAP_OPTIONS.includes(option)) data.push(option);
  }
  return { flags, cleared, recursive, propagation, data, copyUp };
}

/** The host's cgroup hierarchies as a container's /sys/fs/cgroup shows them. */
export interface CgroupMountSource {
  /** Directory name under the mount destination ("cpu,cpuacct", "memory", "unified"). */
  name: string;
  /** The container's cgroup directory on the host. */
  hostDir: string;
  /** Names that point at a co-mounted hierarchy ("cpu" -> "cpu,cpuacct"). */
  aliases: string[];
}

export interface MountContext {
  bundle: string;
  /** Whether a path exists on the host and what it is. */
  statSource(p: string): 'dir' | 'file' | null;
  /** cgroup v2 with a cgroup namespace: mount cgroup2 itself. */
  cgroup2Direct: boolean;
  /** cgroup v2 without a cgroup namespace: bind the container's cgroup directory. */
  cgroup2HostDir: string | null;
  cgroupSources: CgroupMountSource[];
  /** sysfs cannot be mounted from a user namespace without its own network namespace. */
  sysfsNeedsBind: boolean;
}

/** A bind mount: type "bind", or a bind/rbind option (runc reads either). */
export function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

function bindStep(
  index: number,
  source: string,
  destination: string,
  parsed: ParsedOptions,
  kind: MountTargetKind,
): MountStep {
  const rec = parsed.flags & MS_REC;
  const extra = parsed.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  const clear = parsed.cleared & PER_MOUNT_FLAGS;
  return {
    index,
    source,
    destination,
    fstype: '',
    flags: MS_BIND | rec,
    data: '',
    remountFlags: extra !== 0 || clear !== 0 ? extra : -1,
    clearFlags: clear,
    recursiveAttrSet: parsed.recursive.set,
    recursiveAttrClr: parsed.recursive.clr,
    propagation: parsed.propagation,
    targetKind: kind,
    sourceIsPath: true,
    sourceTreeFd: -1,
  };
}

/** Fields of a mount(2) step (not a bind) that only the options decide. */
function recursiveOf(parsed: ParsedOptions): Pick<MountStep, 'clearFlags' | 'recursiveAttrSet' | 'recursiveAttrClr'> {
  return { clearFlags: 0, recursiveAttrSet: parsed.recursive.set, recursiveAttrClr: parsed.recursive.clr };
}

function cgroupSteps(
  index: number,
  m: Mount,
  parsed: ParsedOptions,
  ctx: MountContext,
): { mounts: MountStep[]; symlinks: SymlinkStep[] } {
  const dest = m.destination;
  if (ctx.cgroup2Direct) {
    return {
      mounts: [
        {
          index,
          source: 'cgroup2',
          destination: dest,
          fstype: 'cgroup2',
          flags: parsed.flags,
          data: '',
          remountFlags: -1,
          ...recursiveOf(parsed),
          propagation: parsed.propagation,
          targetKind: MountTargetKind.Directory,
          sourceIsPath: false,
          sourceTreeFd: -1,
        },
      ],
      symlinks: [],
    };
  }
  if (ctx.cgroup2HostDir !== null) {
    return {
      mounts: [
        bindStep(
          index,
          ctx.cgroup2HostDir,
          dest,
          { ...parsed, flags: parsed.flags | MS_BIND | MS_REC },
          MountTargetKind.Directory,
        ),
      ],
      symlinks: [],
    };
  }
  // Like runc on cgroup v1: a writable tmpfs holding a read-only (as the mount asks) bind
  // mount of the container's own cgroup from each hierarchy.
  const base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const mounts: MountStep[] = [
    {
      index,
      source: 'tmpfs',
      destination: dest,
      fstype: 'tmpfs',
      flags: base,
      data: 'mode=755',
      remountFlags: -1,
      // Not made read-only (rro) before the hierarchies are mounted inside it.
      clearFlags: 0,
      recursiveAttrSet: 0,
      recursiveAttrClr: 0,
      propagation: [],
      targetKind: MountTargetKind.Directory,
      sourceIsPath: false,
      sourceTreeFd: -1,
    },
  ];
  const symlinks: SymlinkStep[] = [];
  for (const src of ctx.cgroupSources) {
    mounts.push(
      bindStep(
        index,
        src.hostDir,
        posix.join(dest, src.name),
        {
          flags: MS_BIND | MS_REC | (parsed.flags & ~MS_BIND & ~MS_REC) | base,
          cleared: 0,
          recursive: parsed.recursive,
          propagation: [],
          data: [],
          copyUp: false,
        },
        MountTargetKind.Directory,
      ),
    );
    for (const alias of src.aliases) symlinks.push({ target: src.name, linkPath: posix.join(dest, alias) });
  }
  for (const p of parsed.propagation) mounts[0]?.propagation.push(p);
  return { mounts, symlinks };
}

export function planMounts(mounts: Mount[], ctx: MountContext): { mounts: MountStep[]; symlinks: SymlinkStep[] } {
  const steps: MountStep[] = [];
  const symlinks: SymlinkStep[] = [];
  mounts.forEach((m, index) => {
    const parsed = parseMountOptions(m.options ?? []);
    if (m.type === 'cgroup') {
      const c = cgroupSteps(index, m, parsed, ctx);
      steps.push(...c.mounts);
      symlinks.push(...c.symlinks);
      return;
    }
    if (isBind(m) || (m.type === 'sysfs' && ctx.sysfsNeedsBind)) {
      const source = m.type === 'sysfs' && !isBind(m) ? '/sys' : resolve(ctx.bundle, m.source ?? '');
      const kind = ctx.statSource(source);
      if (kind === null)
        throw new ConfigError(
          `mounts[${index}].source`,
          `${JSON.stringify(m.source ?? '')} does not exist (mount on ${m.destination})`,
        );
      const flags = m.type === 'sysfs' && !isBind(m) ? parsed.flags | MS_BIND | MS_REC : parsed.flags;
      const step = bindStep(
        index,
        source,
        m.destination,
        { ...parsed, flags },
        kind === 'dir' ? MountTargetKind.Directory : MountTargetKind.File,
      );
      if (isIdmapped(m)) step.idmapped = true;
      steps.push(step);
      return;
    }
    steps.push({
      index,
      source: m.source ?? m.type ?? '',
      destination: m.destination,
      fstype: m.type ?? '',
      flags: parsed.flags,
      data: parsed.data.join(','),
      remountFlags: -1,
      ...recursiveOf(parsed),
      copyUp: parsed.copyUp,
      propagation: parsed.propagation,
      targetKind: MountTargetKind.Directory,
      sourceIsPath: false,
      sourceTreeFd: -1,
    });
  });
  return { mounts: steps, symlinks };
}
