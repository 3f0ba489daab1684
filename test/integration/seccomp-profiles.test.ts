// Real engines' seccomp profiles, each with and without noNewPrivileges, as root and as
// uid 1000, with a cwd other than "/": the container must start and run its process.
// The child's own syscalls between the filter and execve must be ones these profiles allow
// (DESIGN.md section 1). Profiles:
//   runtime-tools  test/fixtures/seccomp/runtime-tools-default.json (oci-runtime-tool generate)
//   containerd     test/fixtures/seccomp/containerd-default.json (contrib/seccomp, v1.6.20);
//                  ../shared/configs/ctr-default.json has no linux.seccomp: plain `ctr run`
//                  sets none
//   docker, podman linux.seccomp of ../shared/configs/{docker,podman}-default.json
// Any runtime: TSRUN_BIN=/usr/sbin/runc scripts/run-tests.sh test/integration/seccomp-profiles.test.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { harness, repo } from '../helpers/harness';
import type { Seccomp } from '../../src/config/types';

const h = harness(t);

const shared = path.resolve(repo, '..', 'shared', 'configs');
const fixtures = path.join(repo, 'test', 'fixtures', 'seccomp');

const profiles: { name: string; file: string; read: (json: any) => Seccomp }[] = [
  { name: 'runtime-tools', file: path.join(fixtures, 'runtime-tools-default.json'), read: (j) => j },
  { name: 'docker', file: path.join(shared, 'docker-default.json'), read: (j) => j.linux.seccomp },
  { name: 'podman', file: path.join(shared, 'podman-default.json'), read: (j) => j.linux.seccomp },
  { name: 'containerd', file: path.join(fixtures, 'containerd-default.json'), read: (j) => j },
];

for (const profile of profiles) {
  const present = fs.existsSync(profile.file);
  for (const noNewPrivileges of [false, true]) {
    for (const uid of [0, 1000]) {
      const name = `${profile.name} profile, noNewPrivileges ${noNewPrivileges}, uid ${uid}`;
      t.test(name, { skip: present ? false : `${profile.file} is absent` }, async (t) => {
        const seccomp = profile.read(JSON.parse(fs.readFileSync(profile.file, 'utf8')));
        const id = h.id('profile');
        const bundle = h.bundle(id, (s) => {
          s.process!.args = ['/bin/sh', '-c', 'pwd; id -u; echo ok; grep ^Seccomp: /proc/self/status'];
          s.process!.cwd = '/tmp';
          s.process!.user = { uid, gid: uid };
          s.process!.noNewPrivileges = noNewPrivileges;
          s.linux!.seccomp = seccomp;
        });
        const r = h.cli(['run', '--bundle', bundle, id], { timeout: 30_000 });
        t.equal(r.code, 0, `exit status 0; stderr: ${r.stderr.trim()}`);
        const lines = r.stdout.split('\n');
        t.equal(lines.slice(0, 3).join('\n'), `/tmp\n${uid}\nok`, 'cwd, uid and ok from inside');
        t.match(lines[3], /^Seccomp:\s+2$/, 'under the filter');
      });
    }
  }
}
