// The state operation and the state document (runtime.md "State", "Query State").
// runtime-tools: state, create (its 'state MUST return the state' checks).
import t from 'tap';
import * as fs from 'node:fs';
import { Harness } from './lib/harness';
import { spec } from './lib/expectations';

const h = new Harness();
t.teardown(() => h.cleanup());

t.test('state errors', async (t) => {
  t.not(
    h.cli(['state']).code,
    0,
    `state without an id fails ${spec('runtime.md', 'This operation MUST generate an error if it is not provided the ID of a container', ['state'])}`,
  );
  t.not(
    h.cli(['state', `missing-${process.pid}`]).code,
    0,
    `state of a container that does not exist fails ${spec('runtime.md', 'Attempting to query a container that does not exist MUST generate an error', ['state'])}`,
  );
});

t.test('state document through the lifecycle', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'sleep', '30'];
    c.annotations = { 'org.tsrun.test': 'value-1' };
  });
  t.equal(h.create(b).code, 0, 'create');
  const r = h.cli(['state', b.id]);
  t.equal(r.code, 0, 'state succeeds');
  let s: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  t.doesNotThrow(
    () => {
      s = JSON.parse(r.stdout);
    },
    `state prints a JSON document ${spec('runtime.md', 'This operation MUST return the state of a container as specified in the State section', ['state'])}`,
  );
  t.type(
    s?.ociVersion,
    'string',
    `ociVersion is a string ${spec('runtime.md', 'ociVersion (string, REQUIRED)', ['state'])}`,
  );
  t.match(s?.ociVersion ?? '', /^\d+\.\d+\.\d+/, 'ociVersion is a SemVer version');
  t.equal(
    s?.id,
    b.id,
    `id is the container id ${spec('runtime.md', "id (string, REQUIRED) is the container's ID", ['state', 'create'])}`,
  );
  t.equal(
    s?.status,
    'created',
    `status is created ${spec('runtime.md', 'created: the container has been created but the user-specified program has not yet been executed', ['state'])}`,
  );
  t.type(
    s?.pid,
    'number',
    `pid is a number while created ${spec('runtime.md', 'pid (int, REQUIRED when status is created or running on Linux)', ['state'])}`,
  );
  t.ok(s?.pid > 0 && fs.existsSync(`/proc/${s?.pid}`), 'pid is a live host process');
  t.equal(
    s?.bundle,
    b.dir,
    `bundle is the absolute bundle path ${spec('runtime.md', "bundle (string, REQUIRED) is the absolute path to the container's bundle directory", ['state'])}`,
  );
  t.same(
    s?.annotations,
    { 'org.tsrun.test': 'value-1' },
    `annotations are the config's ${spec('runtime.md', 'annotations (map, OPTIONAL) contains the list of annotations associated with the container', ['state'])}`,
  );

  t.equal(h.cli(['start', b.id]).code, 0, 'start');
  t.equal(
    await h.waitStatus(b.id, ['running']),
    'running',
    `status is running after start ${spec('runtime.md', 'running: the container process has executed and is running', ['state'])}`,
  );
  const running = h.state(b.id);
  t.ok(typeof running?.pid === 'number' && running?.pid === s?.pid, 'pid unchanged while running');
  t.equal(running?.id, b.id, 'id unchanged');

  t.equal(h.cli(['kill', b.id, 'KILL']).code, 0, 'kill');
  t.equal(
    await h.waitStatus(b.id, ['stopped']),
    'stopped',
    `status is stopped after the process exited ${spec('runtime.md', 'stopped: the container process has exited', ['state'])}`,
  );
  const stopped = h.state(b.id);
  t.equal(stopped?.bundle, b.dir, 'bundle still reported when stopped');
  t.equal(h.cli(['delete', b.id]).code, 0, 'delete');
  t.not(h.cli(['state', b.id]).code, 0, 'state fails after delete');
});

t.test('state of a relative --bundle is absolute', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
  });
  const r = h.cli(['create', '--bundle', '.', b.id], { cwd: b.dir, stdoutFile: `${b.dir}/out` });
  t.equal(r.code, 0, 'create --bundle .');
  t.equal(h.state(b.id)?.bundle, b.dir, 'state.bundle is absolute');
  h.cli(['delete', '--force', b.id]);
});

t.test('create from the bundle directory without --bundle', async (t) => {
  const b = h.makeBundle((c) => {
    c.process.args = ['/probe', 'exit', '0'];
  });
  const r = h.cli(['create', b.id], { cwd: b.dir, stdoutFile: `${b.dir}/out` });
  t.equal(r.code, 0, 'create uses the current directory as the bundle (runc CLI)');
  t.equal(h.state(b.id)?.bundle, b.dir, 'state.bundle is the cwd');
  h.cli(['delete', '--force', b.id]);
});
