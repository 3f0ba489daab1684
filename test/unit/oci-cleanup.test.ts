// Where the OCI validation harness looks for the suite's fixed cgroups after each file
// (conformance/oci/cleanup.ts): every hierarchy's root, and this process's own cgroup in
// it, since a relative cgroupsPath ("testdir/cgrouptest/container") is relative to the
// runtime's cgroup, which is the harness's.
import t from 'tap';
import { cgroupBases } from '../../conformance/oci/cleanup';

// This project's hybrid host, the caller in a memory cgroup of its own.
const selfCgroup = `9:name=systemd:/
8:pids:/
4:memory:/process_api/4ba70e
2:cpu,cpuacct:/user.slice
0::/
`;
const mountinfo = `25 1 0:23 / /sys rw - sysfs sysfs rw
30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 30 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 30 0:33 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
37 30 0:34 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd
38 30 0:35 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw
`;

t.test('hierarchy roots and our own cgroup in each', async (t) => {
  t.same(cgroupBases(selfCgroup, mountinfo).sort(), [
    '/sys/fs/cgroup/cpu,cpuacct',
    '/sys/fs/cgroup/cpu,cpuacct/user.slice',
    '/sys/fs/cgroup/memory',
    '/sys/fs/cgroup/memory/process_api/4ba70e',
    '/sys/fs/cgroup/pids',
    '/sys/fs/cgroup/systemd',
    '/sys/fs/cgroup/unified',
  ]);
});

t.test('a hierarchy mounted from a subtree (a container) is read relative to it', async (t) => {
  const inner = '40 30 0:32 /process_api /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n';
  t.same(cgroupBases('4:memory:/process_api/4ba70e\n', inner), [
    '/sys/fs/cgroup/memory',
    '/sys/fs/cgroup/memory/4ba70e',
  ]);
});

t.test('a pure cgroup2 host', async (t) => {
  const v2 = '30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n';
  t.same(cgroupBases('0::/user.slice/session-1.scope\n', v2), [
    '/sys/fs/cgroup',
    '/sys/fs/cgroup/user.slice/session-1.scope',
  ]);
});
