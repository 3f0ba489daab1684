// linux.seccomp in real containers: the filter is installed (Seccomp: 2 in
// /proc/self/status), denies what the profile denies, works with and without
// noNewPrivileges (two install points), and a bad profile leaves nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { harness, repo, type Probe } from '../helpers/harness';
import type { Seccomp, Spec } from '../../src/config/types';

const h = harness(t);

const X86 = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
const denyMkdir: Seccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: X86,
  syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
};

function probe(t: any, edit: (s: Spec) => void, args: string[] = []): Probe {
  const { result, probe } = h.probe(edit, args);
  t.equal(result.code, 0, `run succeeded: ${result.stderr}`);
  if (!probe) throw new Error(`no probe output: ${result.stdout} ${result.stderr}`);
  return probe;
}

/** `run` of /bin/sh -c SCRIPT with `edit` applied. */
function shell(edit: (s: Spec) => void, script: string) {
  const id = h.id('sh');
  const bundle = h.bundle(id, (s) => {
    edit(s);
    s.process!.args = ['/bin/sh', '-c', script];
  });
  return h.cli(['run', '--bundle', bundle, id]);
}

for (const noNewPrivileges of [true, false]) {
  t.test(`ERRNO rule on mkdir, noNewPrivileges ${noNewPrivileges}`, async (t) => {
    const withFilter = (s: Spec) => {
      s.process!.noNewPrivileges = noNewPrivileges;
      s.linux!.seccomp = denyMkdir;
    };
    t.same(probe(t, withFilter, ['write', '/tmp/out', 'hello']), { ok: true }, 'the probe still writes a file');
    const p = probe(t, withFilter);
    t.equal(p.seccomp, 2, 'a seccomp filter is installed');
    t.equal(p.noNewPrivs, noNewPrivileges ? 1 : 0);

    const denied = shell(withFilter, 'mkdir /tmp/x');
    t.not(denied.code, 0, 'mkdir fails under the filter');
    t.match(denied.stderr, /Operation not permitted/);
    const allowed = shell((s) => void (s.process!.noNewPrivileges = noNewPrivileges), 'mkdir /tmp/x');
    t.equal(allowed.code, 0, `mkdir works without it: ${allowed.stderr}`);
  });
}

t.test('errnoRet chooses the error', async (t) => {
  const r = shell((s) => {
    s.linux!.seccomp = {
      ...denyMkdir,
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
    };
  }, 'mkdir /tmp/x');
  t.not(r.code, 0);
  t.match(r.stderr, /not implemented/i, 'ENOSYS');
});

const dockerConfig = path.resolve(repo, '..', 'shared', 'configs', 'docker-default.json');
for (const noNewPrivileges of [true, false]) {
  t.test(
    `docker's default profile, noNewPrivileges ${noNewPrivileges}`,
    { skip: fs.existsSync(dockerConfig) ? false : `${dockerConfig} is absent` },
    async (t) => {
      const docker = JSON.parse(fs.readFileSync(dockerConfig, 'utf8')) as Spec;
      const p = probe(t, (s) => {
        s.process!.noNewPrivileges = noNewPrivileges;
        s.linux!.seccomp = docker.linux!.seccomp;
      });
      t.equal(p.seccomp, 2);
      t.equal(p.pid, 1);
    },
  );
}

// runc 1.1.5 with this bundle: `runc run` exits 1 ("container process is already dead"),
// with and without noNewPrivileges, and leaves no container behind.
t.test('a profile that allows nothing: the container fails, nothing is left', async (t) => {
  const nothing: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: X86 };
  {
    // Without no_new_privs the filter precedes the credential switch: create fails.
    const id = h.id('deny');
    const bundle = h.bundle(id, (s) => {
      s.process!.noNewPrivileges = false;
      s.linux!.seccomp = nothing;
    });
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.equal(r.code, 1, `exit status 1, as runc: ${r.stderr}`);
    t.notOk(h.stateDirExists(id), 'no state directory');
    t.same(h.cgroupsLeft(id), [], 'no cgroup');
  }
  {
    // With no_new_privs the filter goes in right before execve, which it denies: the
    // init cannot even report it (write and exit_group are denied) and dies of SIGILL.
    const id = h.id('deny');
    const bundle = h.bundle(id, (s) => {
      s.process!.noNewPrivileges = true;
      s.linux!.seccomp = nothing;
    });
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.not(r.code, 0, `run fails: ${r.code}`);
    t.notOk(h.stateDirExists(id), 'no state directory');
    t.same(h.cgroupsLeft(id), [], 'no cgroup');
  }
  t.same(h.processesLeft(), [], 'no process');
});

t.test('a bad action: one line with the JSON path, nothing created', async (t) => {
  const id = h.id('bad');
  const bundle = h.bundle(id, (s) => {
    s.linux!.seccomp = {
      ...denyMkdir,
      syscalls: [
        ...denyMkdir.syscalls!,
        { names: ['a'], action: 'SCMP_ACT_ALLOW' },
        { names: ['b'], action: 'SCMP_ACT_ALLOW' },
        { names: ['c'], action: 'SCMP_ACT_FOO' as never },
      ],
    };
  });
  const r = h.cli(['create', '--bundle', bundle, id]);
  t.equal(r.code, 1, 'exit status 1');
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line: ${r.stderr}`);
  t.match(lines[0], /config\.json: linux\.seccomp\.syscalls\[3\]\.action: .*SCMP_ACT_FOO/);
  t.notOk(h.stateDirExists(id), 'no state directory');
  t.same(h.cgroupsLeft(id), [], 'no cgroup');
  t.same(h.processesLeft(), [], 'no process');
});
