// The cgroup v2 device filter on the real kernel. This host is hybrid, but the kernel runs a
// cgroup's device programs for every task in that cgroup2 cgroup whatever the v1 devices
// controller says (the tests run in its root, which allows everything), so a cgroup under
// the cgroup2 mount shows what the program enforces: a shell moved into it fails to open a
// denied device with EPERM and opens an allowed one. Programs attached again replace the
// old one (BPF_PROG_QUERY lists one). Skipped without a cgroup2 hierarchy.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import {
  BPF_CGROUP_DEVICE,
  BPF_F_ALLOW_MULTI,
  BPF_PROG_ATTACH,
  encodeInsns,
  Op,
} from '../../src/cgroups/device-filter/bpf-abi';
import {
  attachDeviceProgram,
  attachedDevicePrograms,
  loadDeviceProgram,
  VerifierError,
} from '../../src/cgroups/device-filter/attach';
import { deviceFilter } from '../../src/cgroups/device-filter/generate';
import type { DeviceRule } from '../../src/cgroups/device-rules';
import { applyDeviceFilter } from '../../src/cgroups/devices-v2';
import { type Hierarchy, readHostHierarchies } from '../../src/cgroups/hierarchies';
import type { Spec } from '../../src/config/types';
import { applyContainerResources } from '../../src/container/container-cgroups';
import { ConfigError, TsrunError } from '../../src/errors';
import { Logger } from '../../src/log/logger';
import { bpf } from '../../src/sys/bpf';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');

const cgroup2 = readHostHierarchies().find((h) => h.version === 2);
if (!cgroup2) t.plan(0, 'no cgroup2 hierarchy is mounted on this host');
else onCgroup2(cgroup2);

function onCgroup2(unified: Hierarchy): void {
  const parent = path.join(unified.mountPoint, `tsrun-test-${process.pid}-devbpf`);
  fs.mkdirSync(parent);
  t.teardown(() => {
    for (const entry of fs.readdirSync(parent, { withFileTypes: true }))
      if (entry.isDirectory()) fs.rmdirSync(path.join(parent, entry.name));
    fs.rmdirSync(parent);
  });
  let serial = 0;
  /** A fresh cgroup below the test parent, removed when the test ends (its shells have
   * exited by then: spawnSync waits for them). */
  const cgroup = (t: Test): string => {
    const dir = path.join(parent, `c${++serial}`);
    fs.mkdirSync(dir);
    t.teardown(() => fs.rmdirSync(dir));
    return dir;
  };

  /** Open `device` (for reading, writing or both: <, >, <>) from a shell moved into `dir`:
   * 'ok' or the shell's error (strerror of the open). */
  const open = (dir: string, redirect: '<' | '>' | '<>', device: string): string => {
    const r = spawnSync(
      '/bin/sh',
      ['-c', `echo $$ > "$1/cgroup.procs" && exec 3${redirect}"$2" && echo ok`, 'sh', dir, device],
      {
        encoding: 'utf8',
      },
    );
    return r.stdout.trim() === 'ok' ? 'ok' : r.stderr.trim();
  };
  const EPERM = /Operation not permitted/;

  /** Exactly `rules` (no defaults added) as the cgroup's device program, replacing what is there. */
  function attachRules(dir: string, rules: DeviceRule[]): void {
    const fd = loadDeviceProgram(deviceFilter(rules));
    try {
      attachDeviceProgram(dir, fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  t.test('a generated program allows and denies opens; a new one replaces it', async (t) => {
    const dir = cgroup(t);
    t.equal(open(dir, '<', '/dev/null'), 'ok', 'no program: /dev/null opens');
    const exceptReadingNull: DeviceRule[] = [
      { allow: true },
      { allow: false, type: 'c', major: 1, minor: 3, access: 'r' },
    ];
    attachRules(dir, exceptReadingNull);
    const first = attachedDevicePrograms(dir);
    t.equal(first.length, 1, 'one program attached');
    t.match(open(dir, '<', '/dev/null'), EPERM, 'reading /dev/null: EPERM');
    t.match(open(dir, '<>', '/dev/null'), EPERM, 'reading and writing /dev/null: EPERM');
    t.equal(open(dir, '>', '/dev/null'), 'ok', 'writing /dev/null is allowed');
    t.equal(open(dir, '<', '/dev/zero'), 'ok', 'reading /dev/zero is allowed');

    const onlyNull: DeviceRule[] = [{ allow: true, type: 'c', major: 1, minor: 3 }];
    for (const round of [1, 2]) {
      attachRules(dir, onlyNull);
      const ids = attachedDevicePrograms(dir);
      t.equal(ids.length, 1, `attach #${round + 1}: still one program`);
      t.not(ids[0], first[0], `attach #${round + 1}: not the first one`);
    }
    t.equal(open(dir, '<', '/dev/null'), 'ok', 'the replacement allows reading /dev/null');
    t.match(open(dir, '<', '/dev/zero'), EPERM, 'and denies /dev/zero');
  });

  t.test('programs stacked by someone else are all replaced by one', async (t) => {
    const dir = cgroup(t);
    const cgroupFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    t.teardown(() => fs.closeSync(cgroupFd));
    for (const rules of [[{ allow: true }], [{ allow: true, type: 'c' }]] as DeviceRule[][]) {
      const fd = loadDeviceProgram(deviceFilter(rules));
      const attr = Buffer.alloc(128);
      attr.writeUInt32LE(cgroupFd, 0);
      attr.writeUInt32LE(fd, 4);
      attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
      attr.writeUInt32LE(BPF_F_ALLOW_MULTI, 12);
      bpf('bpf BPF_PROG_ATTACH', BPF_PROG_ATTACH, attr);
      fs.closeSync(fd);
    }
    const stacked = attachedDevicePrograms(dir);
    t.equal(stacked.length, 2, 'two programs attached side by side');
    attachRules(dir, [{ allow: true, type: 'c', major: 1, minor: 3 }]);
    const after = attachedDevicePrograms(dir);
    t.equal(after.length, 1, 'one program left');
    t.notOk(stacked.includes(after[0]!), 'the new one');
    t.equal(open(dir, '<', '/dev/null'), 'ok', '/dev/null opens');
    t.match(open(dir, '<', '/dev/zero'), EPERM, '/dev/zero does not: the new rules alone decide');
  });

  t.test("applyContainerResources on a cgroup v2 host: docker's rules, the defaults, linux.devices", async (t) => {
    const dir = cgroup(t);
    const v2Host: Hierarchy[] = [{ ...unified }];
    const record = { paths: { [unified.key]: dir }, created: [] };
    const docker = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, 'docker-default.json'), 'utf8')) as Spec;
    const spec: Spec = { ociVersion: '1.0.2', linux: { resources: { devices: docker.linux!.resources!.devices } } };
    const logger = new Logger(undefined, 'text', 'error');
    applyContainerResources(logger, spec, v2Host, record);
    t.equal(attachedDevicePrograms(dir).length, 1, 'one program attached');
    t.equal(open(dir, '<>', '/dev/null'), 'ok', '/dev/null (docker and the defaults allow it)');
    t.equal(open(dir, '<', '/dev/urandom'), 'ok', '/dev/urandom');
    t.match(open(dir, '<', '/dev/kmsg'), EPERM, '/dev/kmsg: EPERM (no rule allows it)');
    t.match(open(dir, '<>', '/dev/fuse'), EPERM, '/dev/fuse: EPERM (docker denies it)');

    // The same cgroup again (a re-create): the program is replaced, /dev/fuse now allowed.
    const withFuse: Spec = {
      ...spec,
      linux: { ...spec.linux, devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] },
    };
    applyContainerResources(logger, withFuse, v2Host, record);
    t.equal(attachedDevicePrograms(dir).length, 1, 'still one program');
    t.equal(open(dir, '<>', '/dev/fuse'), 'ok', '/dev/fuse opens');

    const bad: Spec = { ...spec, linux: { resources: { devices: [{ allow: false }, { allow: true, type: 'x' }] } } };
    t.throws(
      () => applyContainerResources(logger, bad, v2Host, record),
      new ConfigError('linux.resources.devices[1].type', 'unknown device type "x" (want a, b or c)'),
    );
  });

  t.test('errors: one line naming linux.resources.devices and the kernel refusal', async (t) => {
    const notCgroup = fs.mkdtempSync('/tmp/tsrun-devbpf-');
    t.teardown(() => fs.rmdirSync(notCgroup));
    const err = (() => {
      try {
        applyDeviceFilter(notCgroup, [], []);
      } catch (e) {
        return e as TsrunError;
      }
      return null;
    })();
    t.ok(err instanceof TsrunError, 'a TsrunError');
    t.equal(err?.code, 'ERR_TSRUN_SYSCALL');
    t.match(
      err?.message,
      /^linux\.resources\.devices: attach the eBPF device filter to \/tmp\/tsrun-devbpf-\S+: bpf BPF_PROG_\w+: bad file descriptor$/,
    );

    const noVerdict = { insns: encodeInsns([{ code: Op.EXIT, dst: 0, src: 0, off: 0, imm: 0 }]), license: 'GPL' };
    const refusal = (() => {
      try {
        loadDeviceProgram(noVerdict);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    t.ok(refusal instanceof VerifierError, 'an exit without r0 is refused by the verifier');
    t.equal(refusal?.message, 'bpf BPF_PROG_LOAD: permission denied: verifier: R0 !read_ok', 'with its words');
  });
}
