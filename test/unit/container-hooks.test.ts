// The in-container hooks (createContainer, startContainer) as the plan carries them: argv,
// env and timeout resolved; the state document split around the pid the child fills in;
// and the one line describe.ts makes of a hook failure the child reports.
import t from 'tap';
import { hookStateDocument } from '../../src/container/hooks';
import { buildInitPlan, type PlanContext } from '../../src/plan/build';
import { hookStateText, planContainerHooks } from '../../src/plan/container-hooks';
import { describeChildError, describeContainerHookFailure } from '../../src/plan/describe';
import { ChildStep, type SyncMessage, SyncType } from '../../src/plan/types';
import type { Spec } from '../../src/config/types';
import { planContext } from '../helpers/plan-context';

const container = { ociVersion: '1.3.0', id: 'c1', bundle: '/b', annotations: { 'a"pid":1': '"pid":9' } };

/** What the child writes: prefix, its pid, suffix. */
const filled = (parts: { statePrefix: string; stateSuffix: string }, pid: number) =>
  `${parts.statePrefix}${pid}${parts.stateSuffix}`;

t.test('the state text around the pid is the runtime hooks document, key order and all', async (t) => {
  for (const status of ['creating', 'created'] as const) {
    const parts = hookStateText(container, status);
    t.equal(filled(parts, 1), JSON.stringify(hookStateDocument(container, status, 1)), status);
    t.equal(filled(parts, 4242), JSON.stringify(hookStateDocument(container, status, 4242)), `${status}, pid 4242`);
    t.match(JSON.parse(filled(parts, 1)), { status, pid: 1, annotations: container.annotations });
  }
  // Without annotations the document has none, as hooks.ts's.
  const bare = hookStateText({ ...container, annotations: {} }, 'creating');
  t.same(JSON.parse(filled(bare, 7)), { ociVersion: '1.3.0', id: 'c1', status: 'creating', pid: 7, bundle: '/b' });
});

t.test('a plan hook: argv from args (the path without them), env exactly or null, timeout in ms', async (t) => {
  t.equal(planContainerHooks(undefined, container, 'creating'), null);
  t.equal(planContainerHooks([], container, 'creating'), null);
  const set = planContainerHooks(
    [
      { path: '/h/a', args: ['name', '-x'], env: ['A=1', 'A=2'], timeout: 3 },
      { path: '/h/b' },
      { path: '/h/c', args: [], env: [] },
    ],
    container,
    'created',
  );
  t.same(set?.hooks, [
    { index: 0, path: '/h/a', args: ['name', '-x'], env: ['A=1', 'A=2'], timeoutMs: 3000 },
    { index: 1, path: '/h/b', args: ['/h/b'], env: null, timeoutMs: -1 },
    { index: 2, path: '/h/c', args: ['/h/c'], env: [], timeoutMs: -1 },
  ]);
  t.match(JSON.parse(`${set?.statePrefix}1${set?.stateSuffix}`), { status: 'created', pid: 1 });
});

/** The hook fields as given; the rest as before this fixture was shared (nothing here reads them). */
function context(spec: Spec, startReportFd: number): PlanContext {
  return planContext(spec, {
    statSource: () => 'dir',
    passwd: null,
    cgroupSources: [],
    availableCaps: 0n,
    fifoFd: 5,
    hookContainer: container,
    startReportFd,
  });
}

t.test('buildInitPlan: each kind with its status, the report fd as given; none without hooks', async (t) => {
  const spec: Spec = {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { args: ['/bin/true'], cwd: '/' },
    hooks: { createContainer: [{ path: '/h/cc' }], startContainer: [{ path: '/h/sc', args: ['sc'] }] },
  };
  const { plan } = buildInitPlan(spec, context(spec, 9));
  t.match(JSON.parse(`${plan.createContainerHooks?.statePrefix}1${plan.createContainerHooks?.stateSuffix}`), {
    status: 'creating',
  });
  t.match(JSON.parse(`${plan.startContainerHooks?.statePrefix}1${plan.startContainerHooks?.stateSuffix}`), {
    status: 'created',
  });
  t.same(
    plan.createContainerHooks?.hooks.map((h) => h.path),
    ['/h/cc'],
  );
  t.same(
    plan.startContainerHooks?.hooks.map((h) => h.args),
    [['sc']],
  );
  t.equal(plan.startReportFd, 9);
  const none = buildInitPlan({ ...spec, hooks: { prestart: [{ path: '/h/p' }] } }, context(spec, -1)).plan;
  t.equal(none.createContainerHooks, null);
  t.equal(none.startContainerHooks, null);
  t.equal(none.startReportFd, -1);
});

const failure = (over: Partial<SyncMessage>): SyncMessage => ({
  type: SyncType.Error,
  step: ChildStep.CreateContainerHook,
  index: 1,
  errno: 0,
  arg: 0,
  detail: '/h/cc',
  ...over,
});

t.test('describe: a hook failure in one line naming hooks.<kind>[i] and what happened', async (t) => {
  t.equal(describeContainerHookFailure(failure({ arg: 3 })), 'hooks.createContainer[1]: /h/cc exited with status 3');
  t.equal(
    describeContainerHookFailure(failure({ step: ChildStep.StartContainerHook, index: 0, detail: '/sc', arg: -9 })),
    'hooks.startContainer[0]: /sc was killed by signal SIGKILL',
  );
  t.equal(
    describeContainerHookFailure(failure({ errno: 110, arg: 2 })),
    'hooks.createContainer[1]: /h/cc ran past its timeout of 2 s and was killed',
  );
  t.equal(
    describeContainerHookFailure(failure({ errno: 2 })),
    'hooks.createContainer[1]: /h/cc: no such file or directory',
  );
  t.equal(describeContainerHookFailure(failure({ errno: 13 })), 'hooks.createContainer[1]: /h/cc: permission denied');
  // create's path: the child's Error on the sync socket.
  const spec: Spec = { ociVersion: '1.3.0', root: { path: 'rootfs' } };
  t.equal(
    describeChildError(failure({ arg: 1 }), spec).message,
    'hooks.createContainer[1]: /h/cc exited with status 1',
  );
});
