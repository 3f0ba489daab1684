// cgroup v2 has no devices files: the container's device rules (device-rules.ts) become an
// eBPF program attached to its cgroup (device-filter/). Errors are one line naming
// linux.resources.devices: a rule the program cannot express, or the kernel's refusal.
import { closeSync } from 'node:fs';
import { appendIndex } from '../config/json-path';
import { nodeErrorText } from '../errno';
import { ConfigError, TsrunError } from '../errors';
import { attachDeviceProgram, loadDeviceProgram } from './device-filter/attach';
import { deviceFilter } from './device-filter/generate';
import { containerDeviceRules, type DeviceNode, type DeviceRule, deviceRuleProblem } from './device-rules';
import { SyscallError } from '../sys/native';

const WHERE = 'linux.resources.devices';

/** The kernel's refusal, in Go's words ("bpf BPF_PROG_ATTACH: operation not permitted"). */
function reason(err: unknown): string {
  return err instanceof SyscallError ? err.message : nodeErrorText(err);
}

/** Enforce `rules` (linux.resources.devices) with the defaults and `nodes` (linux.devices)
 * in the cgroup v2 directory `cgroupDir`, replacing the filter attached there before. */
export function applyDeviceFilter(cgroupDir: string, rules: DeviceRule[], nodes: DeviceNode[]): void {
  rules.forEach((rule, i) => {
    const bad = deviceRuleProblem(rule);
    if (bad) throw new ConfigError(`${appendIndex(WHERE, i)}.${bad.field}`, bad.problem);
  });
  const program = deviceFilter(containerDeviceRules(rules, nodes));
  let progFd: number;
  try {
    progFd = loadDeviceProgram(program);
  } catch (err) {
    throw new TsrunError('ERR_TSRUN_SYSCALL', `${WHERE}: load the eBPF device filter: ${reason(err)}`, { cause: err });
  }
  try {
    attachDeviceProgram(cgroupDir, progFd);
  } catch (err) {
    throw new TsrunError(
      'ERR_TSRUN_SYSCALL',
      `${WHERE}: attach the eBPF device filter to ${cgroupDir}: ${reason(err)}`,
      {
        cause: err,
      },
    );
  } finally {
    closeSync(progFd);
  }
}
