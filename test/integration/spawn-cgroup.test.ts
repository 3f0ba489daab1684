// clone3 with CLONE_INTO_CGROUP: given the plan's cgroupFd, the child is born in that
// cgroup, before it is told to Go.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { basePlan, N, requireRoot, SIGKILL, sandbox } from '../helpers/addon-child';
import { harness } from '../helpers/harness';

t.before(requireRoot);
// Checks after every test that no child it cloned, and no cgroup, is left.
const h = harness(t);

const V2_ROOT = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find(
  (d) => fs.existsSync(path.join(d, 'cgroup.procs')) && !fs.existsSync(path.join(d, 'tasks')),
);

t.test(
  'spawn: with cgroupFd the child is born in that cgroup (CLONE_INTO_CGROUP)',
  { skip: V2_ROOT ? false : 'no cgroup v2 hierarchy' },
  async (t) => {
    const v2root = V2_ROOT ?? '';
    const name = `${h.cgroupParent}/addon`;
    const dir = path.join(v2root, name);
    fs.mkdirSync(dir, { recursive: true });
    t.teardown(() => fs.rmdirSync(dir));
    // Teardowns run last first: the child is killed and reaped before its cgroup goes.
    const sb = sandbox(t);
    const cgroupFd = sb.track(N.openReadOnly(dir));
    const r = N.spawn(basePlan(sb, { cgroupFd }));
    const pidfd = sb.trackPidfd(r.pidfd);
    sb.track(r.syncFd);
    const line = fs
      .readFileSync(`/proc/${r.pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    t.equal(line, `0::/${name}`, 'in the cgroup before Go');
    N.pidfdSignal(pidfd, SIGKILL);
    t.same(await N.reap(pidfd), { code: -1, signal: SIGKILL }, 'killed by SIGKILL');
    sb.closeFd(pidfd);
  },
);
