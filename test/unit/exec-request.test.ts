// exec's request: --process files (the real ones engines write, and bad ones: one line naming
// the flag, the file and the JSON path), runc's command-line form applied to the container's
// process, and runc's validateProcessSpec on the result.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { Process } from '../../src/config/types';
import {
  type ExecFlags,
  type ExecRequest,
  loadProcessFile,
  parseAdditionalGids,
  resolveExecProcess,
} from '../../src/container/exec-request';
import { thrown } from '../helpers/thrown';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');

/** A container's process as config.json gives it (the exec defaults). */
function defaults(): Process {
  return {
    terminal: true,
    user: { uid: 0, gid: 0, additionalGids: [10] },
    args: ['sh'],
    env: ['PATH=/bin', 'TERM=xterm'],
    cwd: '/',
    capabilities: {
      bounding: ['CAP_KILL', 'CAP_CHOWN'],
      effective: ['CAP_KILL', 'CAP_CHOWN'],
      permitted: ['CAP_KILL', 'CAP_CHOWN'],
    },
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: false,
  };
}

function flags(over: Partial<ExecFlags> = {}): ExecRequest {
  return { kind: 'flags', flags: { args: ['ls', '-la'], env: [], additionalGids: [], caps: [], ...over } };
}

t.test('every real --process file engines write loads, and resolves to itself', (t) => {
  const names = fs.existsSync(REAL_CONFIGS)
    ? fs.readdirSync(REAL_CONFIGS).filter((n) => n.endsWith('-process.json'))
    : [];
  t.ok(names.length >= 4, `${names.length} process files in ${REAL_CONFIGS}`);
  for (const name of names) {
    const file = path.join(REAL_CONFIGS, name);
    const process = loadProcessFile(file);
    t.same(process, JSON.parse(fs.readFileSync(file, 'utf8')), `${name}: loaded as written`);
    // Each gives its own capabilities, so the container's never replace them.
    const resolved = resolveExecProcess(defaults(), { kind: 'file', process });
    t.same(resolved.capabilities, process.capabilities, `${name}: its own capabilities`);
    t.same(resolved.args, process.args, `${name}: its own args`);
  }
  t.end();
});

t.test('bad --process files: one line naming the flag, the file and what is wrong', (t) => {
  const dir = t.testdir({
    'args.json': JSON.stringify({ cwd: '/', args: [] }),
    'nocwd.json': JSON.stringify({ args: ['x'] }),
    'relcwd.json': JSON.stringify({ cwd: 'tmp', args: ['x'] }),
    'type.json': JSON.stringify({ cwd: '/', args: 'ls' }),
    'notobject.json': '[1]',
    'cap.json': JSON.stringify({ cwd: '/', args: ['x'], capabilities: { bounding: ['CAP_NOPE'] } }),
    'rlimit.json': JSON.stringify({ cwd: '/', args: ['x'], rlimits: [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }] }),
    'env.json': JSON.stringify({ cwd: '/', args: ['x'], env: ['PATH=/bin', 'NOEQUALS'] }),
    'sched.json': JSON.stringify({ cwd: '/', args: ['x'], scheduler: { policy: 'SCHED_FIFO' } }),
    'broken.json': '{"cwd": }',
  });
  const cases: [file: string, message: string][] = [
    ['args.json', 'process.args: must not be empty'],
    ['nocwd.json', 'process.cwd: is required'],
    ['relcwd.json', 'process.cwd: must be an absolute path, got "tmp"'],
    ['type.json', 'process.args: must be array'],
    ['notobject.json', 'process: must be object'],
    ['cap.json', 'process.capabilities.bounding[0]: unknown capability "CAP_NOPE"'],
    ['rlimit.json', 'process.rlimits[0].type: unknown rlimit type "RLIMIT_NOPE"'],
    ['env.json', "process.env[1]: invalid environment variable: missing '='"],
    ['sched.json', 'process.scheduler.priority: must be between 1 and 99 for SCHED_FIFO, got 0'],
    ['broken.json', 'invalid JSON at line 1, column 9: expected a value, got "}"'],
  ];
  for (const [name, problem] of cases) {
    const file = path.join(dir, name);
    const error = thrown(() => loadProcessFile(file));
    t.equal(error.message, `--process ${file}: ${problem}`, name);
    t.equal(error.code, 'ERR_TSRUN_CONFIG', `${name}: a config error`);
  }
  const missing = thrown(() => loadProcessFile(path.join(dir, 'none.json')));
  t.equal(missing.message, `--process ${path.join(dir, 'none.json')}: no such file or directory`);
  t.equal(missing.code, 'ERR_TSRUN_NOT_FOUND');
  t.equal(thrown(() => loadProcessFile(dir)).message, `--process ${dir}: is a directory`);
  t.end();
});

t.test('flags: a copy of the container process with args replaced, tty off unless given', (t) => {
  const given = defaults();
  const p = resolveExecProcess(given, flags());
  t.same(p.args, ['ls', '-la']);
  t.equal(p.terminal, false, 'terminal false without --tty, even where the container has one');
  t.equal(p.cwd, '/');
  t.same(p.env, ['PATH=/bin', 'TERM=xterm']);
  t.same(p.user, { uid: 0, gid: 0, additionalGids: [10] });
  t.same(p.rlimits, given.rlimits, "the container's rlimits");
  t.equal(p.noNewPrivileges, false);
  t.same(given, defaults(), 'the defaults are not changed');
  t.equal(resolveExecProcess(given, flags({ tty: true })).terminal, true, '--tty');
  t.equal(resolveExecProcess(given, flags({ noNewPrivs: true })).noNewPrivileges, true, '--no-new-privs');
  t.equal(resolveExecProcess(given, flags({ cwd: '/tmp' })).cwd, '/tmp', '--cwd');
  t.same(
    resolveExecProcess(given, flags({ env: ['A=1', 'PATH=/usr/bin'] })).env,
    ['PATH=/bin', 'TERM=xterm', 'A=1', 'PATH=/usr/bin'],
    '--env appended (the last PATH wins at execve)',
  );
  t.equal(resolveExecProcess(given, flags({ apparmor: 'p1' })).apparmorProfile, 'p1', '--apparmor carried');
  t.same(resolveExecProcess({ cwd: '/', args: ['sh'] }, flags()).env, [], 'no env in the defaults: none added');
  t.end();
});

t.test('flags: --user and --additional-gids, numbers only, in runc words', (t) => {
  const p = (over: Partial<ExecFlags>) => resolveExecProcess(defaults(), flags(over));
  t.same(p({ user: '1000' }).user, { uid: 1000, gid: 0, additionalGids: [10] }, 'uid only keeps the gid');
  t.same(p({ user: '1000:1001' }).user, { uid: 1000, gid: 1001, additionalGids: [10] }, 'uid:gid');
  t.same(p({ additionalGids: ['20', '30'] }).user?.additionalGids, [10, 20, 30], 'gids appended');
  t.same(
    resolveExecProcess({ cwd: '/', args: ['sh'] }, flags({ user: '5', additionalGids: ['7'] })).user,
    { uid: 5, additionalGids: [7] },
    'defaults without a user',
  );
  const bad: [Partial<ExecFlags>, string][] = [
    [{ user: 'root' }, 'bad uid: strconv.Atoi: parsing "root": invalid syntax'],
    [{ user: '1000:wheel' }, 'bad gid: strconv.Atoi: parsing "wheel": invalid syntax'],
    [{ user: 'a:b' }, 'bad gid: strconv.Atoi: parsing "b": invalid syntax'],
    [{ user: '1000:' }, 'bad gid: strconv.Atoi: parsing "": invalid syntax'],
    [{ user: '-1' }, 'bad uid: -1 is out of range (0 to 4294967294)'],
    [{ user: '4294967295' }, 'bad uid: 4294967295 is out of range (0 to 4294967294)'],
    [
      { additionalGids: ['x'] },
      'invalid value "x" for flag --additional-gids: strconv.ParseInt: parsing "x": invalid syntax',
    ],
    [{ additionalGids: ['-3'] }, 'additional-gids must be a positive number -3'],
  ];
  for (const [over, message] of bad) {
    const error = thrown(() => p(over));
    t.equal(error.message, message, JSON.stringify(over));
    t.equal(error.code, 'ERR_TSRUN_USAGE');
  }
  t.same(parseAdditionalGids(['0', '+4']), [0, 4]);
  t.end();
});

t.test('flags: --cap adds to bounding, effective and permitted; ambient only with an inheritable list', (t) => {
  const p = resolveExecProcess(defaults(), flags({ caps: ['CAP_NET_ADMIN', 'CAP_KILL'] }));
  t.same(p.capabilities, {
    bounding: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_ADMIN'],
    effective: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_ADMIN'],
    permitted: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_ADMIN'],
  });
  const withInheritable = { ...defaults(), capabilities: { ...defaults().capabilities, inheritable: [] } };
  const q = resolveExecProcess(withInheritable, flags({ caps: ['CAP_NET_ADMIN'] }));
  t.same(q.capabilities?.ambient, ['CAP_NET_ADMIN'], 'ambient too when the container has inheritable (even empty)');
  t.same(q.capabilities?.inheritable, [], 'inheritable is not added to');
  const none = resolveExecProcess({ cwd: '/', args: ['sh'] }, flags({ caps: ['CAP_SYS_ADMIN'] }));
  t.same(
    none.capabilities,
    { bounding: ['CAP_SYS_ADMIN'], effective: ['CAP_SYS_ADMIN'], permitted: ['CAP_SYS_ADMIN'] },
    'a container without capabilities gets only the added one',
  );
  t.equal(
    thrown(() => resolveExecProcess(defaults(), flags({ caps: ['NET_ADMIN'] }))).message,
    '--cap: unknown capability "NET_ADMIN"',
  );
  t.end();
});

t.test("flags: runc's validateProcessSpec and the other refusals", (t) => {
  const cases: [ExecRequest, Process | null, string][] = [
    [flags({ args: [] }), defaults(), 'exec args cannot be empty'],
    [flags({ cwd: 'tmp' }), defaults(), '--cwd: must be an absolute path, got "tmp"'],
    [
      flags({ processLabel: 'system_u:system_r:container_t:s0' }),
      defaults(),
      '--process-label: selinux label is specified, but selinux is disabled or not supported',
    ],
    [flags({ env: ['A=1', 'NOVALUE'] }), defaults(), `--env "NOVALUE": invalid environment variable: missing '='`],
    [flags({ env: ['=1'] }), defaults(), '--env "=1": invalid environment variable: name cannot be empty'],
    [
      flags({ env: ['A=x\0y'] }),
      defaults(),
      '--env "A=x\\u0000y": invalid environment variable "A": contains nul byte (\\x00)',
    ],
    [flags(), null, "the container's config.json had no process to take exec defaults from: give one with --process"],
  ];
  for (const [request, given, message] of cases)
    t.equal(thrown(() => resolveExecProcess(given, request)).message, message);
  t.end();
});

t.test('file: the file is the whole process; what it leaves out is the container confinement', (t) => {
  const container: Process = {
    ...defaults(),
    apparmorProfile: 'container-profile',
    noNewPrivileges: true,
    oomScoreAdj: 100,
    user: { uid: 0, gid: 0, umask: 0o27 },
  };
  const bare: Process = { cwd: '/srv', args: ['id'], env: ['X=1'] };
  const p = resolveExecProcess(container, { kind: 'file', process: bare });
  t.same(p.args, ['id']);
  t.same(p.env, ['X=1'], "the file's env only");
  t.equal(p.cwd, '/srv');
  t.equal(p.terminal, undefined, "the container's terminal is not taken");
  t.same(p.capabilities, container.capabilities, "the container's capabilities");
  t.same(p.rlimits, container.rlimits, "the container's rlimits");
  t.equal(p.apparmorProfile, 'container-profile');
  t.equal(p.noNewPrivileges, true, "the container's no_new_privs");
  t.equal(p.oomScoreAdj, 100);
  t.same(p.user, { umask: 0o27 }, "the container's umask; not its uid");
  t.same(bare, { cwd: '/srv', args: ['id'], env: ['X=1'] }, 'the request is not changed');

  const own: Process = {
    cwd: '/',
    args: ['id'],
    capabilities: { bounding: [] },
    rlimits: [],
    apparmorProfile: 'mine',
    noNewPrivileges: false,
    user: { uid: 5, gid: 5, umask: 0o77 },
  };
  const q = resolveExecProcess(container, { kind: 'file', process: own });
  t.same(q.capabilities, { bounding: [] }, 'its own capabilities, even empty');
  t.same(q.rlimits, container.rlimits, 'an empty rlimits list takes the container ones (runc)');
  t.equal(q.apparmorProfile, 'mine');
  t.equal(q.noNewPrivileges, false, 'its own no_new_privs');
  t.same(q.user, { uid: 5, gid: 5, umask: 0o77 });
  t.same(resolveExecProcess(null, { kind: 'file', process: bare }), bare, 'a container without process: the file only');
  t.end();
});

t.test('file: runc validateProcessSpec; its SELinux label refused', (t) => {
  const cases: [Process, string][] = [
    [{ cwd: '', args: ['x'] }, 'process.cwd: must not be empty'],
    [{ cwd: 'x', args: ['x'] }, 'process.cwd: must be an absolute path, got "x"'],
    [{ cwd: '/', args: [] }, 'process.args: must not be empty'],
    [
      { cwd: '/', args: ['x'], selinuxLabel: 'l' },
      'process.selinuxLabel: selinux label is specified, but selinux is disabled or not supported',
    ],
  ];
  for (const [process, message] of cases)
    t.equal(thrown(() => resolveExecProcess(defaults(), { kind: 'file', process })).message, message);
  t.equal(
    resolveExecProcess({ ...defaults(), selinuxLabel: 'l' }, flags()).selinuxLabel,
    'l',
    "the container's own label (accepted by create) does not refuse an exec",
  );
  t.end();
});
