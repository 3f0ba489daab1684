// Idmapped bind mounts (runtime-spec 1.2 "idmap"/"ridmap", mounts[].uidMappings and
// gidMappings): the source is seen through a user namespace with the mount's mappings
// (config.md: "The format is the same as user namespace mappings"), or, when the mount has
// none, the container's own. The runtime makes that namespace and maps the detached tree
// (addon openTree); the child only attaches it.
import type { Mount, Spec } from '../config/types';
import { IDMAP_OPTIONS } from './constants';
import { idMapText } from './namespaces';

/** Whether the mount asks for an idmap: an idmap option, or mappings of its own. */
export function isIdmapped(mount: Mount): boolean {
  return (
    (mount.options ?? []).some((o) => IDMAP_OPTIONS.includes(o)) ||
    (mount.uidMappings ?? []).length > 0 ||
    (mount.gidMappings ?? []).length > 0
  );
}

export interface MountIdmap {
  uidMap: string;
  gidMap: string;
  /** ridmap: every mount of an rbind's tree, not only its top. */
  recursive: boolean;
}

/** The idmap of spec.mounts[index], or null when it asks for none. The checks
 * (config/semantics.ts) made sure mappings exist: the mount's or the container's. */
export function mountIdmap(spec: Spec, index: number): MountIdmap | null {
  const mount = spec.mounts?.[index];
  if (!mount || !isIdmapped(mount)) return null;
  const own = (mount.uidMappings ?? []).length > 0;
  return {
    uidMap: idMapText((own ? mount.uidMappings : spec.linux?.uidMappings) ?? []),
    gidMap: idMapText((own ? mount.gidMappings : spec.linux?.gidMappings) ?? []),
    recursive: (mount.options ?? []).includes('ridmap'),
  };
}
