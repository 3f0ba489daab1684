// The compiled filters on this kernel: test/helpers/seccomp-try.c installs one (with
// no_new_privs, no root needed) and makes raw x86_64, x32 and i386 (int 0x80) syscalls,
// every argument -1. Needs gcc and an x86_64 host; i386 checks need IA-32 emulation. The
// kernel need not run x32 programs: it shows their numbers to the filter all the same.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { compileSeccomp } from '../../src/seccomp/compile';
import type { Seccomp } from '../../src/config/types';

const REAL_CONFIGS = path.resolve(__dirname, '..', '..', '..', 'shared', 'configs');
const source = path.resolve(__dirname, '..', 'helpers', 'seccomp-try.c');
const EPERM = -1;
const ENOSYS = -38;

function build(): string | undefined {
  if (process.arch !== 'x64') return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-seccomp-try-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'seccomp-try');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Werror', '-o', bin, source], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return bin;
}
const bin = build();
const skip = bin ? false : 'needs gcc on x86_64';

/** Installs `profile`'s filter in a fresh process and makes `calls`; result per call. */
function attempt(t: any, profile: Seccomp, calls: string[]): { i386: boolean; results: Map<string, number> } {
  const file = path.join(path.dirname(bin!), `filter-${process.pid}-${Math.random().toString(36).slice(2)}.bpf`);
  fs.writeFileSync(file, compileSeccomp(profile).filter);
  const r = spawnSync(bin!, [file, ...calls], { encoding: 'utf8' });
  fs.rmSync(file);
  t.equal(r.status, 0, `the helper ran: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const i386 = lines.shift() === 'i386 ok';
  const results = new Map(lines.map((l) => l.split(' ')).map(([call, ret]) => [call!, Number(ret)]));
  return { i386, results };
}

function expect(t: any, profile: Seccomp, want: Record<string, number | 'ok'>): void {
  const { i386, results } = attempt(t, profile, Object.keys(want));
  if (!i386) t.comment('int 0x80 is unavailable here: i386 calls not checked');
  for (const [call, expected] of Object.entries(want)) {
    if (call.startsWith('i386:') && !i386) continue;
    const got = results.get(call);
    if (expected === 'ok') t.ok(got !== undefined && got >= 0, `${call}: allowed (${got})`);
    else t.equal(got, expected, `${call}: ${expected === ENOSYS ? 'ENOSYS' : expected === EPERM ? 'EPERM' : expected}`);
  }
}

t.test('the hand-made profile on the kernel', { skip }, (t) => {
  expect(
    t,
    {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      // getpid allowed on x86_64 and i386 only by name; write/exit_group for the helper.
      syscalls: [{ names: ['read', 'write', 'close', 'exit_group', 'getpid'], action: 'SCMP_ACT_ALLOW' }],
    },
    {
      'x86_64:39': 'ok', // getpid
      'x86_64:110': EPERM, // getppid: below the limit (231)
      'x86_64:230': EPERM, // clock_nanosleep
      'x86_64:232': ENOSYS, // epoll_wait: above it
      'x86_64:435': ENOSYS, // clone3
      'x86_64:462': ENOSYS,
      'x32:110': EPERM,
      'x32:232': ENOSYS,
      'i386:20': 'ok', // getpid
      'i386:64': EPERM, // getppid: below the limit (252)
      'i386:253': ENOSYS,
      'i386:435': ENOSYS,
    },
  );
  t.end();
});

t.test(
  "docker's default profile on the kernel",
  { skip: skip || (fs.existsSync(REAL_CONFIGS) ? false : `${REAL_CONFIGS} is absent`) },
  (t) => {
    const docker = JSON.parse(fs.readFileSync(path.join(REAL_CONFIGS, 'docker-default.json'), 'utf8')).linux
      .seccomp as Seccomp;
    expect(t, docker, {
      'x86_64:39': 'ok', // getpid
      'x86_64:246': EPERM, // kexec_load: unlisted, below the limit (449)
      'x86_64:435': ENOSYS, // clone3: the profile's own rule
      'x86_64:450': ENOSYS, // set_mempolicy_home_node: above it
      'x86_64:462': ENOSYS,
      'x32:528': EPERM, // x32 kexec_load, below the x32 limit (547)
      'x32:548': ENOSYS,
      'i386:20': 'ok',
      'i386:283': EPERM, // kexec_load
      'i386:450': ENOSYS,
    });
    t.end();
  },
);
