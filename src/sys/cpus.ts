// The host's possible CPUs, for checking CPU lists (process.execCPUAffinity) before
// anything is created. Read once per command.
import { readFileSync } from 'node:fs';
import { possibleCpuCountOf } from '../config/process-attributes';

let cached: number | undefined;

/** How many CPUs the kernel may ever bring online here (/sys/devices/system/cpu/possible). */
export function possibleCpuCount(): number {
  cached ??= possibleCpuCountOf(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return cached;
}
