/**
 * Is package-lock.json (or npm-shrinkwrap.json) in sync with package.json, the way `npm ci` sees it?
 *
 * `npm ci` builds the tree package.json asks for from the lockfile and refuses to install when
 * that tree differs from the lockfile ("Missing: x from lock file", "Invalid: lock file's x@1
 * does not satisfy x@2"). So every dependency package.json lists (dependencies, devDependencies,
 * optionalDependencies and non-optional peerDependencies, which npm 7+ installs) must be in the
 * lockfile at the place Node.js resolves it from, with a version its range accepts. Entries the
 * lockfile has and package.json no longer lists are dropped by npm ci without an error.
 *
 * When a spec cannot be checked by version (git, file:, URLs, tags), it counts as in sync only
 * when it is exactly the spec the lockfile was written for (its root entry, packages[""]). A
 * lockfile that lists no installed packages at all is judged by that root entry alone. Anything else that cannot be told
 * counts as out of sync: keeping `npm install` never breaks a build that worked.
 */
import semver from 'semver';

export interface LockfileSync {
  inSync: boolean;
  /** Why not (names the first dependency that does not match), or '' when in sync. */
  why: string;
}

type Deps = Record<string, string>;
export interface Manifest {
  dependencies?: Deps;
  devDependencies?: Deps;
  optionalDependencies?: Deps;
  peerDependencies?: Deps;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  workspaces?: unknown;
}

interface LockEntry {
  version?: string;
  name?: string;
  link?: boolean;
  resolved?: string;
  from?: string;
  dependencies?: Deps | Record<string, LockEntry>;
  devDependencies?: Deps;
  optionalDependencies?: Deps;
  peerDependencies?: Deps;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The dependencies npm installs for a manifest, with the section each comes from. */
function manifestDependencies(pkg: Manifest): { name: string; spec: string; section: string }[] {
  const out: { name: string; spec: string; section: string }[] = [];
  const seen = new Set<string>();
  // npm gives a name listed in two sections the first of: optional, dependencies, dev, peer.
  for (const section of ['optionalDependencies', 'dependencies', 'devDependencies', 'peerDependencies'] as const) {
    for (const [name, spec] of Object.entries(obj(pkg[section]))) {
      if (seen.has(name) || typeof spec !== 'string') continue;
      if (section === 'peerDependencies' && obj(obj(pkg.peerDependenciesMeta)[name]).optional === true) continue;
      seen.add(name);
      out.push({ name, spec, section });
    }
  }
  return out;
}

/** Does a locked version satisfy a package.json spec? null when the spec is not a version range. */
function rangeCheck(spec: string, entry: LockEntry): boolean | null {
  let range = spec.trim();
  let alias: string | null = null;
  const m = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(range);
  if (m) {
    alias = m[1];
    range = m[2] ?? '*';
  }
  if (semver.validRange(range, { loose: true }) === null) return null;
  if (alias && entry.name !== undefined && entry.name !== alias) return false;
  // A version 1 lockfile writes an aliased package's version as npm:<name>@<version>.
  const v = typeof entry.version === 'string' ? entry.version.replace(/^npm:(?:@[^/@]+\/)?[^@]+@/, '') : undefined;
  if (typeof v !== 'string' || !semver.valid(v, { loose: true })) return false;
  return semver.satisfies(v, range, { loose: true });
}

/**
 * Check a package-lock.json / npm-shrinkwrap.json text against the root package.json and, for npm
 * workspaces, each workspace's package.json (read through `read`, relative to the context).
 */
export function checkLockfileSync(
  pkg: Manifest,
  lockText: string,
  lockName: string,
  read: (rel: string) => string | null = () => null,
): LockfileSync {
  let lock: Record<string, unknown>;
  try {
    lock = obj(JSON.parse(lockText));
  } catch {
    return { inSync: false, why: `${lockName} does not parse` };
  }
  const out = (why: string): LockfileSync => ({ inSync: false, why });
  const packages = obj(lock.packages) as Record<string, LockEntry>;
  const version = typeof lock.lockfileVersion === 'number' ? lock.lockfileVersion : 1;

  if (version >= 2 && Object.keys(packages).length) {
    const root = packages[''] ?? {};
    const hasPackages = Object.keys(packages).some((k) => k.startsWith('node_modules/') || k.includes('/node_modules/'));
    // The projects to check: the root and the npm workspaces the lockfile knows (folders, not node_modules).
    const projects: { path: string; manifest: Manifest; lockRoot: LockEntry }[] = [{ path: '', manifest: pkg, lockRoot: root }];
    for (const [key, entry] of Object.entries(packages)) {
      if (key === '' || key.includes('node_modules/') || key.startsWith('node_modules')) continue;
      if (!pkg.workspaces) continue;
      const text = read(`${key}/package.json`);
      if (text === null) return out(`${key}/package.json, a workspace in ${lockName}, cannot be read to compare`);
      try {
        projects.push({ path: key, manifest: JSON.parse(text) as Manifest, lockRoot: entry });
      } catch {
        return out(`${key}/package.json does not parse`);
      }
    }
    for (const p of projects) {
      for (const { name, spec, section } of manifestDependencies(p.manifest)) {
        const where = p.path ? `${p.path}/package.json` : 'package.json';
        // Node.js resolution: the project's own node_modules, then each folder up to the root.
        let entry: LockEntry | undefined;
        const parts = p.path ? p.path.split('/') : [];
        for (let i = parts.length; i >= 0 && !entry; i--) {
          const base = parts.slice(0, i).join('/');
          entry = packages[`${base ? base + '/' : ''}node_modules/${name}`];
        }
        if (!entry && !hasPackages) {
          // An abbreviated lockfile that lists no installed packages at all: judged by its root entry,
          // which records the spec each dependency was locked for.
          const recorded = obj(p.lockRoot[section as keyof LockEntry])[name];
          if (recorded === spec) continue;
          return out(
            `${name} (${section} in ${where}) is ${typeof recorded === 'string' ? `${recorded} in ${lockName}, not ${spec}` : `missing from ${lockName}`}`,
          );
        }
        if (!entry) return out(`${name} (${section} in ${where}) is missing from ${lockName}`);
        if (entry.link && typeof entry.resolved === 'string')
          entry = { ...entry, version: packages[entry.resolved]?.version ?? entry.version };
        const ok = rangeCheck(spec, entry);
        if (ok === false) return out(`${name} is ${spec} in ${where}, but ${lockName} locks ${entry.version ?? 'no version'}`);
        if (ok === null) {
          const recorded = obj(p.lockRoot[section as keyof LockEntry])[name];
          if (recorded !== spec)
            return out(
              `${name} is ${spec} in ${where}, which ${lockName} was not written for${typeof recorded === 'string' ? ` (it has ${recorded})` : ''}`,
            );
        }
      }
    }
    return { inSync: true, why: '' };
  }

  // lockfileVersion 1: top-level `dependencies` hold the packages at the root of node_modules.
  if (pkg.workspaces) return out(`${lockName} is a version 1 lockfile, which predates npm workspaces`);
  const deps = obj(lock.dependencies) as Record<string, LockEntry>;
  for (const { name, spec, section } of manifestDependencies(pkg)) {
    const entry = deps[name];
    if (!entry) return out(`${name} (${section} in package.json) is missing from ${lockName}`);
    const ok = rangeCheck(spec, entry);
    if (ok === false) return out(`${name} is ${spec} in package.json, but ${lockName} locks ${entry.version ?? 'no version'}`);
    if (ok === null && entry.from !== spec)
      return out(`${name} is ${spec} in package.json, which ${lockName} was not written for`);
  }
  return { inSync: true, why: '' };
}
