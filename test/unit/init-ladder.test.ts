// The runtime's side of the sync ladder (src/container/init-ladder.ts) against a fake
// child (test/fakes/sync-channel.ts: the kernel and the addon are mocked there, their
// outcomes reproduced): the rungs with and without user and pid namespaces, messages out
// of order, a short read, a child's Error, a timeout, a child that dies early.
import { constants } from 'node:os';
import t from 'tap';
import type { Spec } from '../../src/config/types';
import { InitLadder, SYNC_TIMEOUT_MS, syncTypeName, type LadderHandlers } from '../../src/container/init-ladder';
import { describeChildError } from '../../src/plan/describe';
import { ChildStep, SyncType } from '../../src/plan/types';
import { type FakeChild, FakeSyncChannel, normalChild, type ChildScript } from '../fakes/sync-channel';

const { EACCES, ENOENT, EPROTO, ETIMEDOUT } = constants.errno;

const spec: Spec = {
  ociVersion: '1.2.0',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind'] },
  ],
  process: { cwd: '/', args: ['/bin/app'], user: { uid: 0, gid: 0 } },
};

/** A ladder over the fake, and handlers that log into the fake's events. */
function setup(script: ChildScript, options: { timeoutMs?: number } = {}) {
  const ch = new FakeSyncChannel(script);
  const ladder = new InitLadder(ch, ch.spawned, {
    describe: (msg) => describeChildError(msg, spec),
    ...options,
  });
  const handlers: Required<LadderHandlers> = {
    writeIdMaps: (pid) => void ch.events.push(`runtime writes id maps of ${pid}`),
    writeTimeOffsets: (pid) => void ch.events.push(`runtime writes time offsets of ${pid}`),
    initForked: (pid) => void ch.events.push(`runtime told init ${pid}`),
    createRuntime: () => void ch.events.push('runtime createRuntime'),
  };
  return { ch, ladder, handlers };
}

/** The messages the runtime sent, in order. */
function sentBy(ch: FakeSyncChannel): string[] {
  return ch.events.filter((e) => /^parent [A-Z]/.test(e));
}

/** The whole ladder, as create drives it. */
function climb(ladder: InitLadder, handlers: LadderHandlers): void {
  ladder.release();
  ladder.followUntilReady(handlers);
  ladder.detach();
}

t.test('message names come from the enum; unknown numbers say so', async (t) => {
  t.equal(syncTypeName(SyncType.Ready), 'Ready');
  t.equal(syncTypeName(SyncType.IdMapsDone), 'IdMapsDone');
  t.equal(syncTypeName(99), 'message 99');
  t.equal(syncTypeName(0), 'message 0');
});

t.test('the ladder without user or pid namespace: Go, CreateRuntime/Resume, Ready, Detach/Detached', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: false, pidNamespace: false }));
  climb(ladder, handlers);
  t.same(ch.events, [
    'parent Go',
    'child CreateRuntime',
    'runtime createRuntime',
    'parent Resume',
    'child Ready',
    'parent Detach',
    'child Detached',
  ]);
  t.equal(ladder.pid, 100, 'the cloned child is the init');
  t.equal(ladder.pidfd, ch.spawned.pidfd, 'its pidfd, still open');
  t.ok(ch.isOpen(ladder.pidfd));
  t.same(ch.recvTimeouts, [SYNC_TIMEOUT_MS, SYNC_TIMEOUT_MS, SYNC_TIMEOUT_MS], 'every wait is bounded');
});

t.test('with a user namespace: the maps are written for the pid asked, then IdMapsDone', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: true, pidNamespace: false }));
  climb(ladder, handlers);
  t.same(ch.events.slice(0, 4), [
    'parent Go',
    'child NeedIdMaps 100',
    'runtime writes id maps of 100',
    'parent IdMapsDone',
  ]);
  t.same(ch.events.slice(4), [
    'child CreateRuntime',
    'runtime createRuntime',
    'parent Resume',
    'child Ready',
    'parent Detach',
    'child Detached',
  ]);
  t.equal(ladder.pid, 100);
});

t.test('with user and pid namespaces: the ladder follows the forked init and reaps the intermediate', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: true, pidNamespace: true, initPid: 200 }));
  const intermediateFd = ch.spawned.pidfd;
  climb(ladder, handlers);
  t.same(ch.events, [
    'parent Go',
    'child NeedIdMaps 100',
    'runtime writes id maps of 100',
    'parent IdMapsDone',
    'child Pid 200',
    // The init goes on at once: its CreateRuntime is queued behind the Pid.
    'child CreateRuntime',
    'parent reaps 100 in the background',
    'runtime told init 200',
    'runtime createRuntime',
    'parent Resume',
    'child Ready',
    'parent Detach',
    'child Detached',
  ]);
  t.equal(ladder.pid, 200, 'the init in the pid namespace, as the host sees it');
  t.equal(ch.pidOf(ladder.pidfd), 200, 'the pidfd is the init’s');
  t.not(ladder.pidfd, intermediateFd);
  t.notOk(ch.isOpen(intermediateFd), "the intermediate's pidfd is closed");
  t.ok(ch.process(100)?.reaped, 'the intermediate is reaped');
  t.notOk(ch.process(200)?.reaped, 'the init is not');
});

t.test('with user and time namespaces and offsets: written for the pid asked, before the init is forked', async (t) => {
  const { ch, ladder, handlers } = setup(
    normalChild({ userNamespace: true, pidNamespace: true, initPid: 200, timeOffsets: true }),
  );
  climb(ladder, handlers);
  t.same(ch.events.slice(0, 9), [
    'parent Go',
    'child NeedIdMaps 100',
    'runtime writes id maps of 100',
    'parent IdMapsDone',
    'child NeedTimeOffsets 100',
    'runtime writes time offsets of 100',
    'parent TimeOffsetsDone',
    'child Pid 200',
    'child CreateRuntime',
  ]);
  t.equal(ladder.pid, 200);
});

t.test('NeedTimeOffsets without a handler (exec joins a time namespace, never sets one)', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: false, pidNamespace: false, timeOffsets: true }));
  ladder.release();
  t.throws(() => ladder.followUntilReady({ createRuntime: handlers.createRuntime }), {
    code: 'ERR_TSRUN_CHILD',
    message: 'sync: expected Pid, CreateRuntime or Ready, received NeedTimeOffsets',
  });
  t.notOk(ch.events.includes('parent TimeOffsetsDone'), 'not answered');
});

t.test('with a pid namespace only', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: false, pidNamespace: true, initPid: 300 }));
  climb(ladder, handlers);
  t.same(ch.events.slice(0, 5), [
    'parent Go',
    'child Pid 300',
    'child CreateRuntime',
    'parent reaps 100 in the background',
    'runtime told init 300',
  ]);
  t.equal(ladder.pid, 300);
  t.equal(ch.pidOf(ladder.pidfd), 300);
});

t.test('steps out of turn are refused before anything is sent', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: false, pidNamespace: false }));
  t.throws(() => ladder.followUntilReady(handlers), /followUntilReady\(\) when the child is spawned/);
  t.throws(() => ladder.detach(), /detach\(\) when the child is spawned/);
  t.same(ch.events, [], 'no Go, no Detach');
  ladder.release();
  t.throws(() => ladder.release(), /release\(\) when the child is released/);
  t.same(sentBy(ch), ['parent Go'], 'Go once');
});

t.test('messages out of order name what was expected and what came', async (t) => {
  const normal = normalChild({ userNamespace: true, pidNamespace: true });
  const cases: { name: string; script: ChildScript; error: string; sentLast: string }[] = [
    {
      name: 'Detached where Ready is expected',
      script: { ...normal, [SyncType.Resume]: (c) => c.say(SyncType.Detached) },
      error: 'sync: expected Ready, received Detached',
      sentLast: 'parent Resume',
    },
    {
      name: 'a Pid after Ready',
      script: { ...normal, [SyncType.Detach]: (c) => c.say(SyncType.Pid, 300) },
      error: 'sync: expected Detached, received Pid',
      sentLast: 'parent Detach',
    },
    {
      name: 'NeedIdMaps after CreateRuntime: down the ladder',
      script: { ...normal, [SyncType.Resume]: (c) => c.say(SyncType.NeedIdMaps, c.pid) },
      error: 'sync: expected Ready, received NeedIdMaps',
      sentLast: 'parent Resume',
    },
    {
      name: 'CreateRuntime twice',
      script: { ...normal, [SyncType.Resume]: (c) => c.say(SyncType.CreateRuntime) },
      error: 'sync: expected Ready, received CreateRuntime',
      sentLast: 'parent Resume',
    },
    {
      name: 'a second Pid',
      script: {
        ...normal,
        [SyncType.IdMapsDone]: (c) => {
          c.forkInit(200);
          c.say(SyncType.Pid, 201);
        },
      },
      error: 'sync: expected CreateRuntime or Ready, received Pid',
      sentLast: 'parent IdMapsDone',
    },
    {
      name: 'a number that is no message',
      script: { ...normal, [SyncType.Go]: (c) => c.say(99) },
      error: 'sync: expected NeedIdMaps, NeedTimeOffsets, Pid, CreateRuntime or Ready, received message 99',
      sentLast: 'parent Go',
    },
    {
      name: 'a message the parent sends',
      script: { ...normal, [SyncType.Go]: (c) => c.say(SyncType.Resume) },
      error: 'sync: expected NeedIdMaps, NeedTimeOffsets, Pid, CreateRuntime or Ready, received Resume',
      sentLast: 'parent Go',
    },
  ];
  for (const c of cases) {
    const { ch, ladder, handlers } = setup(c.script);
    t.throws(() => climb(ladder, handlers), { code: 'ERR_TSRUN_CHILD', message: c.error }, c.name);
    t.equal(sentBy(ch).at(-1), c.sentLast, `${c.name}: nothing answered after it`);
  }
});

t.test('a rung without a handler is not expected (exec has no maps to write)', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: true, pidNamespace: false }));
  ladder.release();
  t.throws(() => ladder.followUntilReady({ initForked: handlers.initForked, createRuntime: handlers.createRuntime }), {
    code: 'ERR_TSRUN_CHILD',
    message: 'sync: expected Pid, CreateRuntime or Ready, received NeedIdMaps',
  });
  t.notOk(ch.events.includes('parent IdMapsDone'), 'not answered');
});

t.test('a short read is the addon’s EPROTO, and the ladder stops there', async (t) => {
  const { ch, ladder, handlers } = setup({
    ...normalChild({ userNamespace: true, pidNamespace: false }),
    [SyncType.Go]: (c) => c.shortRecord(),
  });
  ladder.release();
  t.throws(() => ladder.followUntilReady(handlers), {
    code: 'ERR_TSRUN_SYSCALL',
    errno: EPROTO,
    message: 'recv sync socket: protocol error',
  });
  t.same(ch.events, ['parent Go', 'child short record'], 'nothing written, nothing answered');
  t.throws(() => ladder.detach(), /when the child is failed/, 'no detach after a failure');
});

t.test("a child's Error becomes the described failure, naming the config entry", async (t) => {
  const { ch, ladder, handlers } = setup({
    ...normalChild({ userNamespace: false, pidNamespace: true }),
    [SyncType.Go]: (c) => c.fail(ChildStep.Mount, 1, EACCES, '/data'),
  });
  ladder.release();
  t.throws(() => ladder.followUntilReady(handlers), {
    code: 'ERR_TSRUN_CHILD',
    message: 'mount mounts[1] (bind /srv/data on /data): permission denied',
  });
  t.same(
    ch.events.filter((e) => e.startsWith('runtime')),
    [],
    'no handler ran',
  );
  t.same(ch.events.at(-1), 'child Error', 'nothing answered');
});

t.test('an Error queued before the child exited wins over its exit', async (t) => {
  const { ladder, handlers } = setup({
    ...normalChild({ userNamespace: false, pidNamespace: false }),
    [SyncType.Resume]: (c) => c.fail(ChildStep.LookupExec, -1, ENOENT, 'app'),
  });
  ladder.release();
  t.throws(() => ladder.followUntilReady(handlers), {
    code: 'ERR_TSRUN_CHILD',
    message: 'exec: "/bin/app": stat /bin/app: no such file or directory',
  });
});

t.test("the child's own complaint at step Sync carries an errno: described, not a death", async (t) => {
  // No script entry for Resume: the fake child does what child_await does with it.
  const script = normalChild({ userNamespace: false, pidNamespace: false });
  delete script[SyncType.Resume];
  const { ladder, handlers } = setup(script);
  ladder.release();
  t.throws(() => ladder.followUntilReady(handlers), {
    code: 'ERR_TSRUN_CHILD',
    message: 'container init failed at unexpected sync message: protocol error',
  });
});

t.test('the undo waits for a killed init that takes seconds to exit, not 2 s', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: false, pidNamespace: false }));
  ladder.release();
  ladder.followUntilReady(handlers);
  ch.dyingMs = 3000;
  ladder.kill();
  t.ok(ch.process(100)?.reaped, 'reaped once it exited');
  t.notOk(ch.isOpen(ch.spawned.pidfd), 'its pidfd closed');
});

t.test('a silent child: the wait runs out, naming what was awaited', async (t) => {
  const { ch, ladder, handlers } = setup(
    { ...normalChild({ userNamespace: true, pidNamespace: true }), [SyncType.IdMapsDone]: () => undefined },
    { timeoutMs: 5000 },
  );
  ladder.release();
  const err = t.throws(() => ladder.followUntilReady(handlers), {
    code: 'ERR_TSRUN_CHILD',
    message: 'sync: no message from the container init in 5 s (expected NeedTimeOffsets, Pid, CreateRuntime or Ready)',
  }) as Error | undefined;
  t.match(err?.cause, { code: 'ERR_TSRUN_SYSCALL', errno: ETIMEDOUT }, "the addon's ETIMEDOUT is the cause");
  t.same(ch.recvTimeouts.at(-1), 5000, 'the wait asked of the addon');
  t.notOk(ch.process(100)?.exit, 'still running: the undo kills it');
  ladder.kill();
  t.same(ch.signals, [{ pid: 100, signal: 9 }]);
  t.ok(ch.process(100)?.reaped, 'killed and reaped');
  t.notOk(ch.isOpen(ch.spawned.pidfd), 'its pidfd closed');
});

t.test('a child that dies early: its exit status or signal, or no reply', async (t) => {
  const normal = normalChild({ userNamespace: false, pidNamespace: false });
  const cases: { name: string; script: ChildScript; message: string }[] = [
    {
      name: 'exit status',
      script: { ...normal, [SyncType.Go]: (c) => c.exit(3) },
      message: 'container init ended before it was ready (exit status 3)',
    },
    {
      name: 'killed',
      script: { ...normal, [SyncType.Resume]: (c) => c.killedBy(9) },
      message: 'container init ended before it was ready (killed by signal 9)',
    },
    {
      name: 'its end closed, the process not gone yet',
      script: { ...normal, [SyncType.Go]: (c) => c.closeSocket() },
      message: 'container init ended before it was ready (no reply)',
    },
  ];
  for (const c of cases) {
    const { ch, ladder, handlers } = setup(c.script);
    ladder.release();
    t.throws(() => ladder.followUntilReady(handlers), { code: 'ERR_TSRUN_CHILD', message: c.message }, c.name);
    t.doesNotThrow(() => ladder.kill(), `${c.name}: the undo does not reap it twice`);
    t.notOk(ch.isOpen(ch.spawned.pidfd), `${c.name}: its pidfd closed`);
  }
});

t.test("the init dying after the pid fork reports the init's status, not the intermediate's", async (t) => {
  const { ch, ladder, handlers } = setup({
    ...normalChild({ userNamespace: false, pidNamespace: true, initPid: 200 }),
    [SyncType.Resume]: (c) => c.killedBy(11),
  });
  ladder.release();
  t.throws(() => ladder.followUntilReady(handlers), {
    message: 'container init ended before it was ready (killed by signal 11)',
  });
  t.same(ch.process(100)?.exit, { code: 0, signal: 0 }, 'the intermediate exited 0');
  ladder.kill();
  t.same(ch.signals, [], 'nothing to kill: the init is gone');
  t.notOk(ch.isOpen(ladder.pidfd));
});

t.test('the undo kills the init, not the intermediate, once the ladder follows it', async (t) => {
  const { ch, ladder, handlers } = setup({
    ...normalChild({ userNamespace: false, pidNamespace: true, initPid: 200 }),
    [SyncType.Resume]: () => undefined,
  });
  ladder.release();
  t.throws(() => ladder.followUntilReady(handlers), { message: /no message from the container init/ });
  ladder.kill();
  t.same(ch.signals, [{ pid: 200, signal: 9 }]);
  t.ok(ch.process(200)?.reaped);
});

t.test('a child that dies between Ready and Detached', async (t) => {
  const { ladder, handlers } = setup({
    ...normalChild({ userNamespace: false, pidNamespace: false }),
    [SyncType.Detach]: (c) => c.killedBy(31),
  });
  ladder.release();
  ladder.followUntilReady(handlers);
  t.throws(() => ladder.detach(), {
    code: 'ERR_TSRUN_CHILD',
    message: 'container init ended before it detached (killed by signal 31)',
  });
});

t.test('a child gone before Go: its own account instead of a broken pipe', async (t) => {
  {
    const { ch, ladder } = setup(normalChild({ userNamespace: false, pidNamespace: false }));
    ch.before((c) => c.exit(1));
    t.throws(() => ladder.release(), {
      code: 'ERR_TSRUN_CHILD',
      message: 'container init ended before it was ready (exit status 1)',
    });
  }
  {
    const { ch, ladder } = setup(normalChild({ userNamespace: false, pidNamespace: false }));
    ch.before((c) => c.fail(ChildStep.Setup, -1, EACCES, 'prctl PR_SET_DUMPABLE'));
    t.throws(() => ladder.release(), {
      code: 'ERR_TSRUN_CHILD',
      message: 'container init failed at prctl PR_SET_DUMPABLE: permission denied',
    });
  }
});

t.test('a failing handler ends the ladder: nothing is answered', async (t) => {
  const { ch, ladder, handlers } = setup(normalChild({ userNamespace: true, pidNamespace: false }));
  ladder.release();
  t.throws(
    () =>
      ladder.followUntilReady({
        ...handlers,
        writeIdMaps: () => {
          throw new Error('write uid_map: permission denied');
        },
      }),
    { message: 'write uid_map: permission denied' },
  );
  t.notOk(ch.events.includes('parent IdMapsDone'));
  t.throws(() => ladder.followUntilReady(handlers), /when the child is failed/);
});

/** A child whose notify filter goes in at `late` (after Detach) or before Ready. */
function notifyingChild(late: boolean): ChildScript {
  const base = normalChild({ userNamespace: false, pidNamespace: true, initPid: 200 });
  const listener = (after: SyncType) => (c: FakeChild) => {
    c.say(SyncType.SeccompListener, 7);
    pending = after;
  };
  let pending = SyncType.Ready;
  return {
    ...base,
    [late ? SyncType.Detach : SyncType.Resume]: listener(late ? SyncType.Detached : SyncType.Ready),
    [SyncType.SeccompListenerDone]: (c) => c.say(pending),
  };
}

for (const late of [false, true]) {
  t.test(
    `a notify filter ${late ? 'after Detach' : 'before Ready'}: the listener is taken, handed on, then Done`,
    async (t) => {
      const ch = new FakeSyncChannel(notifyingChild(late));
      const ladder = new InitLadder(ch, ch.spawned, {
        describe: (msg) => describeChildError(msg, spec),
        seccompListener: (fd, pid) => void ch.events.push(`runtime hands listener ${fd} of ${pid}`),
      });
      climb(ladder, { createRuntime: () => undefined });
      const from = ch.events.indexOf('child SeccompListener 7');
      t.ok(from > 0, ch.events.join(', '));
      t.same(ch.events.slice(from, from + 5), [
        'child SeccompListener 7',
        'parent takeFd 200 7',
        'runtime hands listener 907 of 200',
        'parent SeccompListenerDone',
        late ? 'child Detached' : 'child Ready',
      ]);
    },
  );
}

t.test('a listener nobody asked for is a protocol error', async (t) => {
  const { ladder } = setup(notifyingChild(false));
  ladder.release();
  t.throws(() => ladder.followUntilReady({ createRuntime: () => undefined }), {
    message: /sync: expected .*received SeccompListener/,
  });
});
