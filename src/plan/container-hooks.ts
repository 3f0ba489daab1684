// The createContainer and startContainer hooks as the child runs them (addon/src/child/
// hooks.cc): argv, env and timeout resolved here, and the state document as text around
// the pid, which only the init knows as seen from inside its pid namespace.
import type { Hook } from '../config/types';
import { type HookContainer, hookInvocation, hookStateDocument } from '../container/hooks';
import type { ContainerHookSet } from './types';

/** A pid no real one equals in the document's text, replaced by the child's own. */
const PID_MARK = 2 ** 31 - 1;

/** The state document (hooks.ts's, same keys and order) split around its pid. */
export function hookStateText(
  container: HookContainer,
  status: 'creating' | 'created',
): { statePrefix: string; stateSuffix: string } {
  const text = JSON.stringify(hookStateDocument(container, status, PID_MARK));
  // The first `"pid":` outside a string: the keys before it are ociVersion, id and status,
  // whose values cannot hold an unescaped quote.
  const mark = `"pid":${PID_MARK}`;
  const at = text.indexOf(mark);
  return { statePrefix: text.slice(0, at + '"pid":'.length), stateSuffix: text.slice(at + mark.length) };
}

/** The hooks of one in-container kind for the plan; null when there are none. */
export function planContainerHooks(
  hooks: readonly Hook[] | undefined,
  container: HookContainer,
  status: 'creating' | 'created',
): ContainerHookSet | null {
  if (!hooks?.length) return null;
  return {
    hooks: hooks.map((hook, index) => {
      const how = hookInvocation(hook);
      return {
        index,
        path: hook.path,
        args: [how.argv0, ...how.args],
        env: hook.env ?? null,
        timeoutMs: how.timeoutMs ?? -1,
      };
    }),
    ...hookStateText(container, status),
  };
}
