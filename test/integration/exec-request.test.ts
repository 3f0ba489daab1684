// exec's request side through the real binary: create keeps what exec needs in state.json
// (a config.json changed later changes nothing there), and exec's command-line errors are
// one line with exit status 1, leaving nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/config/types';
import { harness } from '../helpers/harness';

const h = harness(t);

const stateJson = (id: string) => JSON.parse(fs.readFileSync(path.join(h.root, id, 'state.json'), 'utf8'));

/** One line; exit 1 for what runc's flag parser refuses, 255 for the rest (runc's exec). */
function failsWith(t: Test, args: string[], message: string, status = 1): void {
  const r = h.cli(args);
  t.equal(r.code, status, `${args.join(' ')}: exit ${status}`);
  t.equal(r.stderr, `tsrun: ${message}\n`, `${args.join(' ')}: one line`);
}

t.test('create writes what exec needs into state.json, from config.json at create time', async (t) => {
  const id = h.id('execrec');
  const seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW' as const,
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' as const }],
  };
  const bundle = h.bundle(id, (s) => {
    s.process!.args = ['/probe', 'sleep', '30'];
    s.process!.env = ['PATH=/bin', 'A=1'];
    s.linux!.seccomp = seccomp;
  });
  const spec = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  const c = h.cli(['create', '--no-new-keyring', '--bundle', bundle, id]);
  t.equal(c.code, 0, c.stderr);
  const exec = stateJson(id).exec;
  t.same(exec.process, spec.process, "config.json's process");
  t.same(exec.seccomp, seccomp, "config.json's seccomp");
  t.same(
    exec.namespaces,
    spec.linux!.namespaces!.map((ns) => ns.type),
    'the namespace types',
  );
  t.equal(exec.noNewKeyring, true, '--no-new-keyring');
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ ...spec, process: { cwd: '/', args: ['x'] } }));
  t.same(stateJson(id).exec.process, spec.process, 'config.json changed after create: the record is unchanged');
  t.equal(h.cli(['state', id]).code, 0, 'state reads the record');
  t.equal(h.cli(['delete', '--force', id]).code, 0);
});

t.test("exec's command-line errors: one line, exit 1 from the flag parser, else 255 (runc's)", async (t) => {
  failsWith(t, ['exec'], '"exec" requires a minimum of 1 argument(s)');
  failsWith(t, ['exec', '-t', 'nosuch'], 'exec failed: exec args cannot be empty', 255);
  failsWith(t, ['exec', '--preserve-fds', 'x', 'nosuch', 'ls'], 'invalid value "x" for flag --preserve-fds');
  failsWith(
    t,
    ['exec', '-g', 'abc', 'nosuch', 'ls'],
    'invalid value "abc" for flag --additional-gids: strconv.ParseInt: parsing "abc": invalid syntax',
  );
  const bad = path.join(h.tmp, 'bad-process.json');
  fs.writeFileSync(bad, JSON.stringify({ cwd: 'rel', args: ['ls'] }));
  failsWith(
    t,
    ['exec', '-p', bad, 'nosuch'],
    `exec failed: --process ${bad}: process.cwd: must be an absolute path, got "rel"`,
    255,
  );
  const help = h.cli(['exec', '--help']);
  t.equal(help.code, 0);
  for (const flag of ['-e, --env', '-g, --additional-gids', '-c, --cap', '--ignore-paused', '--cgroup'])
    t.match(help.stdout, flag, `help lists ${flag}`);
});
