// The mounts' rules: destinations, the options tsrun knows (one table: plan/constants.ts),
// tmpcopyup and idmapped mounts. One small function per rule.
import { ConfigError } from '../errors';
import { COPY_UP_OPTION, IDMAP_OPTIONS, supportedMountOptions } from '../plan/constants';
import { isIdmapped } from '../plan/idmap';
import { isBind } from '../plan/mounts';
import { appendIndex } from './json-path';
import { namespaceOf, quote, type SpecRule } from './rule-kit';

/** A mount destination names a path: a relative one is accepted (config.md, Linux: "MAY be
 * a relative path, in which case it MUST be interpreted as relative to "/"", deprecated),
 * and made absolute when the config is loaded (mountDestination); an empty one is not. */
export const checkMountDestinations: SpecRule = (spec) => {
  const mounts = spec.mounts ?? [];
  for (let i = 0; i < mounts.length; i++) {
    if (mounts[i]!.destination === '')
      return new ConfigError(`${appendIndex('mounts', i)}.destination`, 'must not be empty');
  }
  return undefined;
};

/** The destination as an absolute path: a relative one (deprecated) is relative to "/". */
export function mountDestination(destination: string): string {
  return destination.startsWith('/') ? destination : `/${destination}`;
}

const KNOWN_MOUNT_OPTIONS = new Set(supportedMountOptions());

/** Cheap sanity: a bind mount names its source and has only options tsrun knows; options
 * are not empty strings; tmpcopyup is asked of a tmpfs. */
export const checkMountOptions: SpecRule = (spec) => {
  const mounts = spec.mounts ?? [];
  for (let i = 0; i < mounts.length; i++) {
    const mount = mounts[i]!;
    const here = appendIndex('mounts', i);
    const options = mount.options ?? [];
    const emptyAt = options.indexOf('');
    if (emptyAt >= 0) return new ConfigError(appendIndex(`${here}.options`, emptyAt), 'must not be empty');
    const bind = isBind(mount);
    if (bind && !mount.source) return new ConfigError(`${here}.source`, 'is required for a bind mount');
    // A bind mount takes no filesystem data. runc passes what it does not know to mount(2),
    // which ignores it on a bind, and runtime-tools' mounts test gives binds "mode=755" and
    // "size=1k": a KEY=VALUE is data, accepted and without effect, as there. A bare word
    // tsrun does not know is a mistake (a typo of an option), never dropped without a word.
    const unknownAt = bind ? options.findIndex((o) => !KNOWN_MOUNT_OPTIONS.has(o) && !o.includes('=')) : -1;
    if (unknownAt >= 0)
      return new ConfigError(appendIndex(`${here}.options`, unknownAt), `unknown option ${quote(options[unknownAt])}`);
    const copyUpAt = options.indexOf(COPY_UP_OPTION);
    if (copyUpAt >= 0 && (mount.type !== 'tmpfs' || bind))
      return new ConfigError(appendIndex(`${here}.options`, copyUpAt), 'tmpcopyup needs a tmpfs mount');
  }
  return undefined;
};

/** Idmapped mounts (runtime-spec 1.2): a bind mount only; uidMappings and gidMappings
 * together ("MUST be specified along with"); without mappings of its own, the container's
 * new user namespace lends its mappings, and with neither it is an error (config.md). */
export const checkIdmappedMounts: SpecRule = (spec) => {
  const mounts = spec.mounts ?? [];
  const userns = namespaceOf(spec, 'user');
  const containerMaps = userns !== undefined && userns.path === undefined && (spec.linux?.uidMappings ?? []).length > 0;
  for (let i = 0; i < mounts.length; i++) {
    const mount = mounts[i]!;
    if (!isIdmapped(mount)) continue;
    const here = appendIndex('mounts', i);
    const options = mount.options ?? [];
    const optionAt = options.findIndex((o) => IDMAP_OPTIONS.includes(o));
    const at = optionAt >= 0 ? appendIndex(`${here}.options`, optionAt) : `${here}.uidMappings`;
    if (!isBind(mount)) return new ConfigError(at, 'an idmapped mount must be a bind mount');
    const uid = (mount.uidMappings ?? []).length > 0;
    const gid = (mount.gidMappings ?? []).length > 0;
    if (uid !== gid)
      return new ConfigError(
        `${here}.${uid ? 'gidMappings' : 'uidMappings'}`,
        'uidMappings and gidMappings go together',
      );
    if (!uid && !containerMaps)
      return new ConfigError(at, 'needs mounts uidMappings/gidMappings, or a new user namespace with mappings');
  }
  return undefined;
};
