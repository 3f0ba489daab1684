// A program that cannot run fails `run` in runc's words, word for word: engines read them
// (podman and dockerd turn "permission denied" into 126, "no such file" and "not found"
// into 127). runc 1.1 takes them from Go's exec.LookPath before the fifo, and from execve
// when the user may not run what root found. Where /usr/sbin/runc is installed it runs the
// same bundle, and its message must end with the same words.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);
const RUNC = '/usr/sbin/runc';

interface Case {
  args0: string;
  user?: { uid: number; gid: number };
  words: string;
}

const cases: Case[] = [
  { args0: '/no-such-program', words: 'exec: "/no-such-program": stat /no-such-program: no such file or directory' },
  { args0: './no-such-program', words: 'exec: "./no-such-program": stat ./no-such-program: no such file or directory' },
  { args0: '/not-executable/x', words: 'exec: "/not-executable/x": stat /not-executable/x: not a directory' },
  { args0: 'no-such-program', words: 'exec: "no-such-program": executable file not found in $PATH' },
  { args0: '/not-executable', words: 'exec: "/not-executable": permission denied' },
  { args0: './not-executable', words: 'exec: "./not-executable": permission denied' },
  { args0: '/a-directory', words: 'exec: "/a-directory": permission denied' },
  // In $PATH, one that cannot run is passed over, as a missing one.
  { args0: 'in-path-not-executable', words: 'exec: "in-path-not-executable": executable file not found in $PATH' },
  { args0: 'in-path-directory', words: 'exec: "in-path-directory": executable file not found in $PATH' },
  // Root finds it, the user may not run it: execve's words.
  { args0: '/root-only', user: { uid: 1000, gid: 1000 }, words: 'exec /root-only: permission denied' },
];

function prepareRootfs(rootfs: string): void {
  fs.writeFileSync(path.join(rootfs, 'not-executable'), 'data\n', { mode: 0o644 });
  fs.writeFileSync(path.join(rootfs, 'bin', 'in-path-not-executable'), 'data\n', { mode: 0o644 });
  fs.mkdirSync(path.join(rootfs, 'a-directory'));
  fs.mkdirSync(path.join(rootfs, 'bin', 'in-path-directory'));
  fs.writeFileSync(path.join(rootfs, 'root-only'), '#!/bin/sh\necho ran\n', { mode: 0o700 });
}

function withCase(c: Case): (s: Spec) => void {
  return (s) => {
    s.process!.args = [c.args0];
    s.process!.cwd = '/';
    if (c.user) s.process!.user = c.user;
  };
}

t.test('tsrun says what runc says for a program that cannot run', async (t) => {
  const id = h.id('exec-err');
  const bundle = h.bundle(id);
  prepareRootfs(path.join(bundle, 'rootfs'));
  for (const c of cases) {
    const spec = h.baseSpec(id);
    withCase(c)(spec);
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
    const r = h.cli(['run', '--bundle', bundle, id]);
    t.equal(r.code, 1, `${c.args0}: exit 1`);
    t.equal(r.stderr, `tsrun: ${c.words}\n`, `${c.args0}: ${c.words}`);
    t.notOk(h.stateDirExists(id), `${c.args0}: nothing left`);
  }
});

t.test('runc 1.1 says the same words on the same bundle', { skip: !fs.existsSync(RUNC) && `no ${RUNC}` }, async (t) => {
  const id = h.id('exec-err-runc');
  const bundle = h.bundle(id);
  prepareRootfs(path.join(bundle, 'rootfs'));
  const root = path.join(h.tmp, 'runc-root');
  for (const c of cases) {
    const spec = h.baseSpec(id);
    withCase(c)(spec);
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
    const r = spawnSync(RUNC, ['--root', root, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 60_000 });
    spawnSync(RUNC, ['--root', root, 'delete', '--force', id], { encoding: 'utf8' });
    // runc logs `msg="runc run failed: unable to start container process: WORDS"`, quoted.
    const msg = /msg="(.*)"/.exec(r.stderr)?.[1]?.replace(/\\"/g, '"') ?? r.stderr;
    t.ok(msg.endsWith(`: ${c.words}`), `${c.args0}: runc said ${JSON.stringify(msg)}`);
  }
});
