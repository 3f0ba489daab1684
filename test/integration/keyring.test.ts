// The session keyring, as runc sets it: unless --no-new-keyring, the container init joins
// a new session keyring "_ses.<id>" and makes it searchable (KEY_USR_SEARCH, or
// KEY_OTH_SEARCH with a user namespace). /proc/keys lists the keys the reader can view,
// its session keyring among them. Where runc is installed, the same bundle under runc
// must show the same thing.
import * as fs from 'node:fs';
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { chownForUserns, type Harness, harness, inUserNamespace, type CliResult } from '../helpers/harness';

const h = harness(t);

const KEY_USR_SEARCH = 0x080000;
const KEY_OTH_SEARCH = 0x08;

const runc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].find((p) =>
  fs.existsSync(p),
);
const runcHarness = runc ? harness(t, runc) : null;

interface KeyLine {
  serial: string;
  perm: number;
  uid: number;
  gid: number;
  type: string;
  description: string;
}

/** Lines of /proc/keys: "serial flags usage expiry perm uid gid type description: summary". */
function parseKeys(text: string): KeyLine[] {
  const keys: KeyLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{8}) \S+ +\d+ +\S+ ([0-9a-f]{8}) +(\d+) +(\d+) (\S+) +([^:]*)(?::|$)/.exec(line);
    if (m)
      keys.push({
        serial: m[1]!,
        perm: parseInt(m[2]!, 16),
        uid: Number(m[3]),
        gid: Number(m[4]),
        type: m[5]!,
        description: m[6]!.trim(),
      });
  }
  return keys;
}

function keysBundle(harness: Harness, id: string, edit?: (s: Spec) => void): string {
  return harness.bundle(id, (s) => {
    s.process!.args = ['/bin/sh', '-c', 'cat /proc/keys'];
    // The probe config masks /proc/keys, as runc's default spec does.
    s.linux!.maskedPaths = (s.linux!.maskedPaths ?? []).filter((p) => p !== '/proc/keys');
    edit?.(s);
  });
}

/** Runs `cat /proc/keys` in a container and returns what it printed, parsed. */
function containerKeys(
  harness: Harness,
  id: string,
  extra: string[],
  edit?: (s: Spec) => void,
  chownRoot = false,
): { r: CliResult; keys: KeyLine[] } {
  const bundle = keysBundle(harness, id, edit);
  if (chownRoot) chownForUserns(bundle);
  const r = harness.cli(['run', ...extra, '--bundle', bundle, id]);
  // runc's `run` deletes the container when it exits; force it anyway for a failed run.
  harness.cli(['delete', '-f', id]);
  return { r, keys: parseKeys(r.stdout) };
}

function sessionKey(keys: KeyLine[], id: string): KeyLine | undefined {
  return keys.find((k) => k.type === 'keyring' && k.description === `_ses.${id}`);
}

/** Keyrings other than containers' "_ses.*" ones (parallel tests make those). */
function hostKeyrings(keys: KeyLine[]): string[] {
  return keys
    .filter((k) => k.type === 'keyring' && !k.description.startsWith('_ses.'))
    .map((k) => `${k.serial} ${k.description}`)
    .sort();
}

t.test('the init joins a new session keyring "_ses.<id>", searchable by its user', async (t) => {
  const id = h.id('keys');
  const { r, keys } = containerKeys(h, id, []);
  t.equal(r.code, 0, r.stderr);
  t.ok(keys.length > 0, 'the container can read /proc/keys');
  const ses = sessionKey(keys, id);
  t.ok(ses, `_ses.${id} is listed:\n${r.stdout}`);
  t.ok(ses && (ses.perm & KEY_USR_SEARCH) !== 0, 'KEY_USR_SEARCH is set');
  t.equal(ses?.uid, 0, 'owned by the container root');
});

t.test('a non-root process user still sees (possesses) the keyring', async (t) => {
  const id = h.id('keys-user');
  const { r, keys } = containerKeys(h, id, [], (s) => (s.process!.user = { uid: 1000, gid: 1000 }));
  t.equal(r.code, 0, r.stderr);
  const ses = sessionKey(keys, id);
  t.ok(ses, `_ses.${id} is listed:\n${r.stdout}`);
  t.equal(ses?.uid, 0, 'made before the credential switch: owned by root');
});

t.test('--no-new-keyring keeps the runtime session keyring', async (t) => {
  const id = h.id('keys-none');
  const { r, keys } = containerKeys(h, id, ['--no-new-keyring']);
  t.equal(r.code, 0, r.stderr);
  t.ok(keys.length > 0, 'the container can read /proc/keys');
  t.equal(sessionKey(keys, id), undefined, `no _ses.${id}:\n${r.stdout}`);
  t.same(
    hostKeyrings(keys),
    hostKeyrings(parseKeys(fs.readFileSync('/proc/keys', 'utf8'))),
    'it sees the keyrings the runtime sees',
  );
});

t.test('with a user namespace the keyring gets KEY_OTH_SEARCH', async (t) => {
  const id = h.id('keys-userns');
  const { r, keys } = containerKeys(
    h,
    id,
    [],
    (s) => {
      inUserNamespace(s);
      s.process!.user = { uid: 1000, gid: 1000 };
    },
    true,
  );
  t.equal(r.code, 0, r.stderr);
  const ses = sessionKey(keys, id);
  t.ok(ses, `_ses.${id} is listed:\n${r.stdout}`);
  t.ok(ses && (ses.perm & KEY_OTH_SEARCH) !== 0, 'KEY_OTH_SEARCH is set');
  t.ok(ses && (ses.perm & KEY_USR_SEARCH) === 0, 'KEY_USR_SEARCH is not added');
});

t.test(
  'runc shows the same for the same bundle',
  { skip: runcHarness ? false : 'runc is not installed' },
  async (t) => {
    const cases: { name: string; flags: string[]; edit?: (s: Spec) => void; chown?: boolean }[] = [
      { name: 'default', flags: [] },
      { name: 'user 1000', flags: [], edit: (s) => (s.process!.user = { uid: 1000, gid: 1000 }) },
      { name: '--no-new-keyring', flags: ['--no-new-keyring'] },
      {
        name: 'user namespace',
        flags: [],
        edit: (s) => {
          inUserNamespace(s);
          s.process!.user = { uid: 1000, gid: 1000 };
        },
        chown: true,
      },
    ];
    for (const c of cases) {
      const ours = h.id('keys-cmp');
      const theirs = runcHarness!.id('keys-runc');
      const a = containerKeys(h, ours, c.flags, c.edit, c.chown);
      const b = containerKeys(runcHarness!, theirs, c.flags, c.edit, c.chown);
      t.equal(a.r.code, 0, `${c.name}: tsrun: ${a.r.stderr}`);
      t.equal(b.r.code, 0, `${c.name}: runc: ${b.r.stderr}`);
      const sa = sessionKey(a.keys, ours);
      const sb = sessionKey(b.keys, theirs);
      t.equal(sa === undefined, sb === undefined, `${c.name}: a _ses keyring in both or in neither`);
      if (sa && sb)
        t.same(
          [sa.perm.toString(16), sa.uid, sa.gid],
          [sb.perm.toString(16), sb.uid, sb.gid],
          `${c.name}: same perm and owner as runc`,
        );
      t.same(hostKeyrings(a.keys), hostKeyrings(b.keys), `${c.name}: the same other keyrings`);
    }
  },
);
