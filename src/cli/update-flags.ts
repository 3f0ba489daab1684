// runc's `update` flags, with its names; every one takes a value (numbers and sizes are
// parsed by update-request.ts, so that `--memory -1` and runc's syntax errors are ours).
import type { FlagSpec } from './commands';

const string = (describe: string): FlagSpec => ({ type: 'string', describe });

export const updateFlags: Record<string, FlagSpec> = {
  resources: {
    type: 'string',
    short: 'r',
    describe: "file with the linux.resources to update, or '-' for stdin (the other flags are then unused)",
  },
  'blkio-weight': string('per cgroup block IO weight, 10 to 1000'),
  'cpu-period': string('CPU CFS period (usecs)'),
  'cpu-quota': string('CPU CFS quota (usecs) per period'),
  'cpu-burst': string('CPU CFS burst (usecs) per period'),
  'cpu-share': string('CPU shares (relative weight)'),
  'cpu-rt-period': string('CPU realtime period (usecs)'),
  'cpu-rt-runtime': string('CPU realtime runtime (usecs) per period'),
  'cpuset-cpus': string('CPUs to use'),
  'cpuset-mems': string('memory nodes to use'),
  memory: string('memory limit (bytes, or with a unit: 512m, 1g; -1 for unlimited)'),
  'memory-reservation': string('memory soft limit'),
  'memory-swap': string("memory + swap limit; '-1' for unlimited swap"),
  'kernel-memory': string('obsolete, ignored'),
  'kernel-memory-tcp': string('obsolete, ignored'),
  'pids-limit': string('maximum number of pids (-1 for unlimited)'),
  'cpu-idle': string('1 for SCHED_IDLE, 0 for the default'),
  'l3-cache-schema': string('Intel RDT/CAT L3 cache schema (not supported)'),
  'mem-bw-schema': string('Intel RDT/MBA memory bandwidth schema (not supported)'),
};
