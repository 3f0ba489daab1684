// linux.namespaces -> what to create and what to join. The user namespace is joined
// first: joining the others needs the capabilities it grants (youki ORDERED_NAMESPACES).
import type { Spec } from '../config/types';
import { CLONE_NEWUSER, namespaceFlags } from './constants';

export interface NamespaceRequest {
  type: number;
  path: string;
  index: number;
}

export interface NamespacePlan {
  newNamespaces: number;
  joins: NamespaceRequest[];
  hasUserMappings: boolean;
}

export function planNamespaces(spec: Spec): NamespacePlan {
  let newNamespaces = 0;
  const joins: NamespaceRequest[] = [];
  (spec.linux?.namespaces ?? []).forEach((ns, index) => {
    const type = namespaceFlags[ns.type] ?? 0;
    if (ns.path) joins.push({ type, path: ns.path, index });
    else newNamespaces |= type;
  });
  joins.sort((a, b) => Number(b.type === CLONE_NEWUSER) - Number(a.type === CLONE_NEWUSER));
  const hasUserMappings = (newNamespaces & CLONE_NEWUSER) !== 0 && (spec.linux?.uidMappings?.length ?? 0) > 0;
  return { newNamespaces, joins, hasUserMappings };
}

/** Whether the container is in a namespace of this CLONE_NEW* type other than the runtime's:
 * one it creates or one it joins by path. */
export function entersNamespace(ns: NamespacePlan, flag: number): boolean {
  return (ns.newNamespaces & flag) !== 0 || ns.joins.some((j) => j.type === flag);
}

/** Content of /proc/PID/uid_map or gid_map for the mappings. */
export function idMapText(mappings: { containerID: number; hostID: number; size: number }[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}
