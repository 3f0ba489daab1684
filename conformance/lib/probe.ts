// What the probe (bundles/probe) reports: its JSON lines parsed, a mount entry looked up,
// capability names as the masks /proc/PID/status shows.

export type Probe = Record<string, any>;

/** Parse the last line of `text` that is a JSON object (probe output). */
export function parseProbe(text: string): Probe | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i] as string);
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Every line of `text` that parses as a JSON object, in order (several probe runs via sh -c). */
export function probeLines(text: string): Probe[] {
  const out: Probe[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim().startsWith('{')) continue;
    try {
      out.push(JSON.parse(l));
    } catch {
      /* skip */
    }
  }
  return out;
}

/** Mount entry of `mountPoint` from a probe report (the last one: the visible mount). */
export function mountAt(p: Probe | undefined, mountPoint: string): Probe | undefined {
  const ms = (p?.mounts ?? []) as Probe[];
  return ms.filter((m) => m.mountPoint === mountPoint).pop();
}

/** Capability name -> bit number (linux/capability.h). */
const CAPS: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
};

/** Capability names -> the 16-hex-digit mask /proc/self/status shows. */
export function capMask(names: string[] | undefined): string {
  let m = 0n;
  for (const n of names ?? []) {
    const b = CAPS[n];
    if (b === undefined) throw new Error(`unknown capability ${n}`);
    m |= 1n << BigInt(b);
  }
  return m.toString(16).padStart(16, '0');
}
