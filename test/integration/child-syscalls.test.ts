// The child's after-filter list (src/seccomp/child-syscalls.ts, addon/src/child/
// after_filter.h) is the truth: a profile allowing exactly it plus the program's own two
// calls (write, exit_group) starts a container, with and without noNewPrivileges, as
// root and as a user; and each call the list names (but the conditional ones) is needed.
// The same for the calls a startContainer hook adds.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { harness, repo } from '../helpers/harness';
import {
  AFTER_EARLY_FILTER,
  AFTER_LATE_FILTER,
  CONDITIONAL,
  START_CONTAINER_HOOKS,
} from '../../src/seccomp/child-syscalls';
import type { Seccomp, Spec } from '../../src/config/types';

const h = harness(t);

const tiny = path.join(path.dirname(h.root), 'tiny');
const built =
  process.arch === 'x64'
    ? spawnSync(
        'gcc',
        ['-static', '-nostdlib', '-O2', '-o', tiny, path.join(repo, 'test', 'fixtures', 'programs', 'tiny.c')],
        { encoding: 'utf8' },
      )
    : null;
const skip = built === null ? 'x86_64 only' : built.status !== 0 ? `gcc failed: ${built.stderr}` : false;
const PROGRAM_OWN = ['write', 'exit_group'];

function profile(allowed: readonly string[]): Seccomp {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...new Set(allowed)], action: 'SCMP_ACT_ALLOW' }],
  };
}

function runTiny(allowed: readonly string[], noNewPrivileges: boolean, uid: number, startHook = false) {
  const id = h.id('tiny');
  const bundle = h.bundle(id, (s: Spec) => {
    // The program itself as the hook: it writes "ok" to the init's stderr and exits 0.
    if (startHook) s.hooks = { startContainer: [{ path: '/tiny', timeout: 30 }] };
    s.process!.args = ['/tiny'];
    s.process!.noNewPrivileges = noNewPrivileges;
    s.process!.user = { uid, gid: uid };
    s.process!.cwd = '/tmp';
    s.linux!.seccomp = profile(allowed);
  });
  fs.copyFileSync(tiny, path.join(bundle, 'rootfs', 'tiny'));
  fs.chmodSync(path.join(bundle, 'rootfs', 'tiny'), 0o755);
  return { id, result: h.cli(['run', '--bundle', bundle, id]) };
}

for (const noNewPrivileges of [true, false]) {
  const list = noNewPrivileges ? AFTER_LATE_FILTER : AFTER_EARLY_FILTER;
  t.test(`exactly the list starts a container (noNewPrivileges ${noNewPrivileges})`, { skip }, async (t) => {
    for (const uid of [0, 1000]) {
      const { result } = runTiny([...list, ...PROGRAM_OWN], noNewPrivileges, uid);
      t.equal(result.code, 0, `uid ${uid}: ${result.stderr}`);
      t.equal(result.stdout, 'ok\n', `uid ${uid}: the program ran`);
    }
  });
  t.test(`each call of the list is needed (noNewPrivileges ${noNewPrivileges})`, { skip }, async (t) => {
    for (const name of list.filter((n) => !CONDITIONAL.includes(n) && !PROGRAM_OWN.includes(n))) {
      const { id, result } = runTiny(
        [...list, ...PROGRAM_OWN].filter((n) => n !== name),
        noNewPrivileges,
        1000,
      );
      t.not(result.stdout, 'ok\n', `without ${name} the container does not start`);
      t.not(result.code, 0, `without ${name}: run fails`);
      t.notOk(h.stateDirExists(id), `without ${name}: nothing left`);
    }
  });
}

for (const noNewPrivileges of [true, false]) {
  const list = [...(noNewPrivileges ? AFTER_LATE_FILTER : AFTER_EARLY_FILTER), ...START_CONTAINER_HOOKS];
  t.test(
    `with a startContainer hook, the list and the hooks' (noNewPrivileges ${noNewPrivileges})`,
    { skip },
    async (t) => {
      const { result } = runTiny([...list, ...PROGRAM_OWN], noNewPrivileges, 1000, true);
      t.equal(result.code, 0, result.stderr);
      t.equal(result.stdout, 'ok\n', 'the program ran');
      t.equal(result.stderr, 'ok\n', "the hook ran (its stdout is the init's stderr)");
    },
  );
  t.test(`each call the hooks add is needed (noNewPrivileges ${noNewPrivileges})`, { skip }, async (t) => {
    const base = noNewPrivileges ? AFTER_LATE_FILTER : AFTER_EARLY_FILTER;
    for (const name of START_CONTAINER_HOOKS.filter((n) => !CONDITIONAL.includes(n) && !base.includes(n))) {
      const { id, result } = runTiny(
        [...list, ...PROGRAM_OWN].filter((n) => n !== name),
        noNewPrivileges,
        1000,
        true,
      );
      t.not(result.stdout, 'ok\n', `without ${name} the program does not run`);
      t.match(result.stderr, /hooks\.startContainer\[0\]/, `without ${name}: start fails on the hook`);
      t.notOk(h.stateDirExists(id), `without ${name}: nothing left`);
    }
  });
}
