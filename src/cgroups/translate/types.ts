// What every per-resource translator takes and gives: linux.resources.<group> in, an
// ordered list of cgroup file writes out, for cgroup v1 or v2. Translators are pure; what
// they need to know about the host (a file that exists, a value already there) they ask
// through HostView, so tests can answer from a table.

type CgroupVersion = 1 | 2;

interface CgroupWrite {
  /** The controller whose files these are (v1: the hierarchy that holds it). */
  controller: string;
  /** The file's name in the container's cgroup. */
  file: string;
  value: string;
  /** The config entry that asked for it, for error messages. */
  at: string;
  /** A write runc makes only when the kernel shows the file: skipped with a debug note. */
  optional?: boolean;
  /** Checks the value the kernel kept (read back after the write): a problem, or undefined. */
  check?: (kept: string) => string | undefined;
}

export interface Translation {
  writes: CgroupWrite[];
  /** Fields accepted but not written (deprecated, or meaningless on this version). */
  notes: string[];
}

export interface HostView {
  version: CgroupVersion;
  /** Whether the container's cgroup shows this controller's file. */
  has(controller: string, file: string): boolean;
  /** The file's current content, or undefined when it cannot be read. */
  read(controller: string, file: string): string | undefined;
}

/** A translation collected write by write. */
export function collector(): Translation & {
  write(controller: string, file: string, value: string, at: string, optional?: boolean): void;
  checked(controller: string, file: string, value: string, at: string, check: CgroupWrite['check']): void;
  note(text: string): void;
} {
  const writes: CgroupWrite[] = [];
  const notes: string[] = [];
  return {
    writes,
    notes,
    write: (controller, file, value, at, optional) => {
      writes.push(optional ? { controller, file, value, at, optional } : { controller, file, value, at });
    },
    checked: (controller, file, value, at, check) => {
      writes.push({ controller, file, value, at, check });
    },
    note: (text) => {
      notes.push(text);
    },
  };
}

/** runc's numToStr for cgroup v2: 0 is "not set", -1 (or less) is "max". */
export function v2Value(n: number | undefined): string | undefined {
  if (n === undefined || n === 0) return undefined;
  return n < 0 ? 'max' : String(n);
}
