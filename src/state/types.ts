// What tsrun keeps about a container in ROOT/ID/state.json. Status is not stored: it is
// derived from the live process each time it is asked for.
import type { CgroupRecord } from '../cgroups/manager';
import type { MemoryPolicy, Personality, Process, Resources, Seccomp } from '../config/types';
import type { RecordedHooks } from '../container/hooks';
import type { RdtRecord } from '../resctrl/resctrl';

export const STATE_VERSION = 1;

export interface ContainerRecord {
  version: number;
  id: string;
  ociVersion: string;
  /** Absolute bundle directory. */
  bundle: string;
  /** Absolute rootfs directory. */
  rootfs: string;
  /** Host pid of the container's init. */
  pid: number;
  /** Its start time (clock ticks since boot, /proc/PID/stat field 22). */
  startTime: number;
  /** RFC 3339. */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  cgroup: CgroupRecord;
  /** Whether the container has its own pid namespace (kill --all is needed without one). */
  hasPidNamespace: boolean;
  /** false when the container shares the runtime's mount namespace: its mounts are then
   * the runtime's to remove at delete. */
  hasMountNamespace: boolean;
  /** The resctrl groups create made or joined for linux.intelRdt: delete removes what it
   * made. Absent without intelRdt. */
  intelRdt?: RdtRecord;
  /** config.json had a process: without one, create works and start fails (config.md). */
  hasProcess: boolean;
  /** The part of linux.resources `update` can change, as last applied (create, then each
   * update). Absent in a state.json written before tsrun kept it. */
  resources?: Resources;
  /** config.json's poststart and poststop hooks at create time: start and delete run
   * these, whatever config.json says later. Absent when there are none, and in a
   * state.json written before tsrun ran hooks. */
  hooks?: RecordedHooks;
  /** The init runs startContainer hooks after the exec.fifo byte and reports how they went
   * on the start-hooks fifo: `start` waits for that. Absent: no such hooks. */
  startContainerHooks?: true;
  /** What `exec` applies, as config.json and create's flags said at create time (runc
   * keeps the same in its state): a config.json edited later changes nothing. Absent in a
   * state.json written before tsrun had exec. */
  exec?: ExecRecord;
}

/** The create-time facts an exec'd process gets unless its own process spec says otherwise. */
export interface ExecRecord {
  /** config.json's process (the exec defaults); null when it had none. */
  process: Process | null;
  /** linux.seccomp as in config.json: exec compiles it again. */
  seccomp?: Seccomp;
  /** linux.personality as in config.json: an exec'd process gets it too (runc does). */
  personality?: Personality;
  /** linux.memoryPolicy as in config.json: every exec'd process gets it too (runc does). */
  memoryPolicy?: MemoryPolicy;
  /** The types in linux.namespaces, created or joined by path (`['pid', 'mount', ...]`). */
  namespaces: string[];
  /** create's --no-new-keyring. */
  noNewKeyring: boolean;
}

export const CLEANUP_VERSION = 1;

/** ROOT/ID/cleanup.json: what `delete --force` must undo when state.json cannot be read.
 * Written by create as soon as the container's cgroups exist, before its child does. */
export interface CleanupRecord {
  version: number;
  id: string;
  cgroup: CgroupRecord;
  /** Inode number (decimal) of each directory of cgroup.created when create made it: a
   * cgroup removed and made again by someone else is not the container's. */
  cgroupInodes: Record<string, string>;
  rootfs: string;
  hasMountNamespace: boolean;
}
