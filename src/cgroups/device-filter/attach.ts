// Load a device program and attach it to a cgroup v2 directory, replacing the one tsrun
// attached before (a re-create, an update) so programs never stack: with exactly one there,
// BPF_F_REPLACE swaps it atomically; otherwise the new one is attached first and the old
// ones detached after, so the cgroup is never without a filter (runc does the same).
// Programs are attached with BPF_F_ALLOW_MULTI, as runc and systemd do: a mix of flags in
// one cgroup is refused by the kernel.
import { closeSync, constants, openSync } from 'node:fs';
import { bpf, bufferAddress } from '../../sys/bpf';
import { SyscallError } from '../../sys/native';
import {
  BPF_CGROUP_DEVICE,
  BPF_F_ALLOW_MULTI,
  BPF_F_REPLACE,
  BPF_PROG_ATTACH,
  BPF_PROG_DETACH,
  BPF_PROG_GET_FD_BY_ID,
  BPF_PROG_LOAD,
  BPF_PROG_QUERY,
  BPF_PROG_TYPE_CGROUP_DEVICE,
  INSN_SIZE,
} from './bpf-abi';
import type { DeviceProgram } from './generate';

/** Enough of union bpf_attr for every command here; the kernel zero-fills the rest. */
const ATTR_SIZE = 128;
const PROG_NAME = 'tsrun_devices';
const LOG_SIZE = 256 * 1024;
const ENOSPC = 28;

/** A verifier refusal: the errno and the verifier's own words. */
export class VerifierError extends SyscallError {
  constructor(
    errno: number,
    readonly verifierMessage: string,
  ) {
    super('bpf BPF_PROG_LOAD', errno, '');
    if (verifierMessage) this.message += `: verifier: ${verifierMessage}`;
  }
}

function attr(): Buffer {
  return Buffer.alloc(ATTR_SIZE);
}

function load(program: DeviceProgram, log: Buffer | null): number {
  const insns = Buffer.from(program.insns.buffer, program.insns.byteOffset, program.insns.byteLength);
  const license = Buffer.from(`${program.license}\0`);
  const a = attr();
  a.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
  a.writeUInt32LE(insns.length / INSN_SIZE, 4);
  a.writeBigUInt64LE(bufferAddress(insns), 8);
  a.writeBigUInt64LE(bufferAddress(license), 16);
  if (log) {
    a.writeUInt32LE(1, 24); // log_level
    a.writeUInt32LE(log.length, 28);
    a.writeBigUInt64LE(bufferAddress(log), 32);
  }
  a.write(PROG_NAME, 48, 'latin1');
  return bpf('bpf BPF_PROG_LOAD', BPF_PROG_LOAD, a);
}

/** The line of a verifier log that says what is wrong: not an instruction of the trace
 * ("12: (55) if r4 != 0x1 goto pc+3"), a register state or the closing statistics. */
export function verifierMessage(log: string): string {
  const lines = log.split('\n').map((l) => l.trim());
  const noise = /^(\d+: |from \d+ to \d+: |func#\d+ |processed \d+ insns|verification time|stack depth|;)/;
  return lines.find((l) => l !== '' && !noise.test(l)) ?? '';
}

/** BPF_PROG_LOAD; the program's fd (close it). A refusal is retried with a verifier log
 * so the error can say why. */
export function loadDeviceProgram(program: DeviceProgram): number {
  try {
    return load(program, null);
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    const log = Buffer.alloc(LOG_SIZE);
    try {
      return load(program, log);
    } catch {
      const end = log.indexOf(0);
      throw new VerifierError(err.errno, verifierMessage(log.toString('utf8', 0, end < 0 ? log.length : end)));
    }
  }
}

/** Ids of the device programs attached to the cgroup itself (not inherited). */
function queryIds(cgroupFd: number): number[] {
  for (let capacity = 16; ; capacity *= 4) {
    const ids = Buffer.alloc(capacity * 4);
    const a = attr();
    a.writeUInt32LE(cgroupFd, 0);
    a.writeUInt32LE(BPF_CGROUP_DEVICE, 4);
    a.writeBigUInt64LE(bufferAddress(ids), 16);
    a.writeUInt32LE(capacity, 24);
    try {
      bpf('bpf BPF_PROG_QUERY', BPF_PROG_QUERY, a);
    } catch (err) {
      if (err instanceof SyscallError && err.errno === ENOSPC) continue;
      throw err;
    }
    const count = a.readUInt32LE(24);
    return Array.from({ length: count }, (_, i) => ids.readUInt32LE(i * 4));
  }
}

function programFdById(id: number): number {
  const a = attr();
  a.writeUInt32LE(id, 0);
  return bpf('bpf BPF_PROG_GET_FD_BY_ID', BPF_PROG_GET_FD_BY_ID, a);
}

function attachOrDetach(cmd: number, cgroupFd: number, progFd: number, flags: number, replaceFd: number): void {
  const a = attr();
  a.writeUInt32LE(cgroupFd, 0);
  a.writeUInt32LE(progFd, 4);
  a.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  a.writeUInt32LE(flags, 12);
  a.writeUInt32LE(replaceFd, 16);
  bpf(cmd === BPF_PROG_ATTACH ? 'bpf BPF_PROG_ATTACH' : 'bpf BPF_PROG_DETACH', cmd, a);
}

function withFd<T>(fd: number, use: (fd: number) => T): T {
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

function openCgroup(cgroupDir: string): number {
  return openSync(cgroupDir, constants.O_RDONLY | constants.O_DIRECTORY);
}

/** Attach the loaded program `progFd` to the cgroup directory, replacing the device
 * programs attached there before. */
export function attachDeviceProgram(cgroupDir: string, progFd: number): void {
  withFd(openCgroup(cgroupDir), (cgroupFd) => {
    const old = queryIds(cgroupFd);
    if (old.length === 1) {
      withFd(programFdById(old[0]!), (oldFd) =>
        attachOrDetach(BPF_PROG_ATTACH, cgroupFd, progFd, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, oldFd),
      );
      return;
    }
    attachOrDetach(BPF_PROG_ATTACH, cgroupFd, progFd, BPF_F_ALLOW_MULTI, 0);
    for (const id of old) withFd(programFdById(id), (oldFd) => attachOrDetach(BPF_PROG_DETACH, cgroupFd, oldFd, 0, 0));
  });
}

/** Ids of the device programs attached to a cgroup directory itself. */
export function attachedDevicePrograms(cgroupDir: string): number[] {
  return withFd(openCgroup(cgroupDir), queryIds);
}
