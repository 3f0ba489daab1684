// Differential check: the same probe configs under RUNTIME and COMPARE_WITH (e.g. runc) must give
// the same probe reports (after normalising inode numbers, pids, mount ids, paths and ids), the
// same state documents (after normalising pid/created/ociVersion/bundle paths) and the same exit
// codes for bad inputs. Skipped unless COMPARE_WITH names a second runtime binary.
//   COMPARE_WITH=/usr/sbin/runc RUNTIME=$PWD/bin/tsrun node_modules/.bin/tap --disable-coverage conformance/differential.test.ts
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness } from './lib/harness';
import type { Bundle, Config } from './lib/bundle';
import type { Probe } from './lib/probe';
import { runtime } from './lib/runtime';

const other = process.env.COMPARE_WITH;
if (!other) {
  t.plan(0, 'COMPARE_WITH is not set (set it to a second runtime binary, e.g. /usr/sbin/runc)');
} else {
  const A = new Harness(runtime());
  const B = new Harness(path.resolve(other));
  t.teardown(() => {
    A.cleanup();
    B.cleanup();
  });

  /** Replace per-run values so two runtimes' reports are comparable. */
  const normalise = (p: Probe | undefined, b: Bundle): unknown => {
    if (!p) return p;
    let s = JSON.stringify(p);
    s = s.split(b.dir).join('<bundle>').split(b.id).join('<id>');
    const q = JSON.parse(s);
    if (q.namespaces)
      for (const k of Object.keys(q.namespaces)) q.namespaces[k] = q.namespaces[k] === null ? null : '<ns>';
    if (Array.isArray(q.mounts)) {
      const ids = new Map<number, number>();
      q.mounts.forEach((m: Probe, i: number) => {
        ids.set(m.id, i);
      });
      for (const m of q.mounts) {
        m.id = ids.get(m.id);
        m.parent = ids.has(m.parent) ? ids.get(m.parent) : '<outside>';
        m.optional = (m.optional as string[]).map((o) => o.replace(/:\d+$/, ':<n>'));
        m.superOptions = (m.superOptions as string[]).map((o) => o.replace(/^(inode64|nr_inodes=\d+)$/, '<inodes>'));
      }
    }
    if (typeof q.ppid === 'number') q.ppid = q.pid === 1 ? 0 : '<ppid>';
    // runc's foreground run hands the container pipes, tsrun (like crun) its own stdio.
    delete q.stdio;
    return q;
  };

  const cases: [string, (c: Config) => void][] = [
    ['default', () => {}],
    [
      'process_user',
      (c) => {
        c.process.user = { uid: 10, gid: 10, additionalGids: [5], umask: 2 };
      },
    ],
    [
      'hostname+env+cwd',
      (c) => {
        c.hostname = 'diff';
        c.process.env.push('A=1');
        c.process.cwd = '/tmp';
      },
    ],
    [
      'sysctl',
      (c) => {
        c.linux.sysctl = { 'net.ipv4.ip_default_ttl': '42' };
        c.process.args = ['/probe', 'sysctl', 'net.ipv4.ip_default_ttl'];
      },
    ],
    [
      'readonly root + tmpfs',
      (c) => {
        c.root.readonly = true;
        c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1k'] });
      },
    ],
    [
      'devices',
      (c) => {
        c.linux.devices = [{ path: '/dev/test1', type: 'c', major: 10, minor: 666, fileMode: 0o660, uid: 0, gid: 0 }];
        c.process.args = ['/probe', 'stat', '/dev/null', '/dev/test1', '/dev/ptmx', '/dev/fd', '/proc/kcore'];
      },
    ],
    [
      'capabilities+rlimits',
      (c) => {
        c.process.capabilities.bounding.push('CAP_CHOWN', 'CAP_SYS_ADMIN');
        c.process.capabilities.effective.push('CAP_CHOWN');
        c.process.capabilities.permitted.push('CAP_CHOWN');
        c.process.capabilities.inheritable = ['CAP_CHOWN', 'CAP_KILL'];
        c.process.rlimits.push({ type: 'RLIMIT_CORE', soft: 1, hard: 2 });
      },
    ],
  ];

  for (const [name, edit] of cases) {
    t.test(`probe: ${name}`, async (t) => {
      const a = await A.runProbe(edit);
      const b = await B.runProbe(edit);
      t.equal(a.result.code, b.result.code, 'same exit code', { a: a.result.stderr, b: b.result.stderr });
      t.same(normalise(a.probe, a.bundle), normalise(b.probe, b.bundle), 'same probe report (normalised)');
    });
  }

  const normState = (s: Record<string, unknown> | undefined, b: Bundle): unknown => {
    if (!s) return s;
    const q: Record<string, unknown> = JSON.parse(
      JSON.stringify(s).split(b.dir).join('<bundle>').split(b.id).join('<id>'),
    );
    if (typeof q.pid === 'number' && q.pid > 0) q.pid = '<pid>';
    if (q.created) q.created = '<time>';
    if (q.ociVersion) q.ociVersion = '<version>';
    return q;
  };

  t.test('state documents', async (t) => {
    const mk = (H: Harness) =>
      H.makeBundle((c) => {
        c.process.args = ['/probe', 'sleep', '30'];
        c.annotations = { 'org.example.key': 'v' };
      });
    const ba = mk(A);
    const bb = mk(B);
    for (const [step, act] of [
      ['create', (H: Harness, b: Bundle) => H.create(b)],
      ['start', (H: Harness, b: Bundle) => H.cli(['start', b.id])],
      ['kill', (H: Harness, b: Bundle) => H.cli(['kill', b.id, 'KILL'])],
    ] as const) {
      const ra = act(A, ba);
      const rb = act(B, bb);
      t.equal(ra.code, rb.code, `${step}: same exit code`);
      await A.waitStatus(ba.id, step === 'kill' ? ['stopped'] : step === 'start' ? ['running'] : ['created']);
      await B.waitStatus(bb.id, step === 'kill' ? ['stopped'] : step === 'start' ? ['running'] : ['created']);
      t.same(normState(A.state(ba.id), ba), normState(B.state(bb.id), bb), `${step}: same state document (normalised)`);
    }
    A.cli(['delete', ba.id]);
    B.cli(['delete', bb.id]);
  });

  t.test('exit codes for bad inputs', async (t) => {
    const missing = `missing-${process.pid}`;
    const bad: [string, (H: Harness) => number | null][] = [
      ['state of a missing container', (H) => H.cli(['state', missing]).code],
      ['start of a missing container', (H) => H.cli(['start', missing]).code],
      ['kill of a missing container', (H) => H.cli(['kill', missing, 'KILL']).code],
      ['delete of a missing container', (H) => H.cli(['delete', missing]).code],
      ['create without an id', (H) => H.cli(['create', '--bundle', H.work]).code],
      ['create with a missing bundle', (H) => H.cli(['create', '--bundle', '/nonexistent-bundle', H.newId()]).code],
      ['unknown subcommand', (H) => H.cli(['frobnicate']).code],
      [
        'RLIMIT_TEST',
        (H) => {
          const b = H.makeBundle((c) => {
            c.process.rlimits.push({ type: 'RLIMIT_TEST', soft: 1, hard: 1 });
          });
          return H.cli(['run', '--bundle', b.dir, b.id]).code;
        },
      ],
      [
        'process exits 3',
        (H) => {
          const b = H.makeBundle((c) => {
            c.process.args = ['/probe', 'exit', '3'];
          });
          return H.cli(['run', '--bundle', b.dir, b.id]).code;
        },
      ],
      [
        'duplicate id',
        (H) => {
          const b = H.makeBundle((c) => {
            c.process.args = ['/probe', 'exit', '0'];
          });
          H.create(b);
          const code = H.create(b, [], { stdoutFile: path.join(b.dir, 'dup.out') }).code;
          H.cli(['delete', '--force', b.id]);
          return code;
        },
      ],
    ];
    for (const [name, f] of bad) t.equal(f(A), f(B), `${name}: same exit code`);
    t.ok(fs.existsSync(A.root) && fs.existsSync(B.root), 'state roots intact');
  });
}
