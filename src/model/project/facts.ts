/**
 * ProjectFacts: what the transforms know about a build context, gathered once per context
 * directory and frozen. Reading goes through a small FileSource so the same code serves a
 * real directory (the CLI) and an in-memory map (the library and tests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ignoreMatcher } from './ignore.js';
import { checkLockfileSync, type LockfileSync } from './lockfile.js';
import { parse as parseYaml } from 'yaml';
import { globToRegExp } from '../../dockerfile/query.js';
import { tsconfigOptions } from './tsconfig.js';

export type PackageManager = 'npm' | 'yarn' | 'yarn-berry' | 'pnpm' | 'bun';

export interface PackageJson {
  name?: string;
  main?: string;
  bin?: string | Record<string, string>;
  type?: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  workspaces?: unknown;
  packageManager?: string;
  /** `prisma.schema`: where the Prisma CLI finds the schema when no --schema or prisma.config.* says. */
  prismaSchema?: string;
}

export interface WorkspacePackage {
  /** Folder relative to the context, no trailing slash. */
  dir: string;
  name: string | null;
  /** Lifecycle scripts the install runs in this package (preinstall, install, postinstall, prepare). */
  installScripts: string[];
  /** Does it declare `bin` (linked into node_modules/.bin at install time)? */
  hasBin: boolean;
  /** Dependencies from local paths (file:, link:, portal:) other than the workspace protocol. */
  localDeps: string[];
}

export interface ProjectFacts {
  /** Relative POSIX paths of files in the context (node_modules and .git excluded), or null when unknown. */
  files: readonly string[] | null;
  /** Top-level names in the context: name -> 'file' | 'dir'. */
  topLevel: ReadonlyMap<string, 'file' | 'dir'>;
  packageJson: PackageJson | null;
  manager: PackageManager | null;
  /** The lockfile's name in the context, when there is one. */
  lockfile: string | null;
  /** Why a lockfile that is there cannot be used (it does not parse), or null. */
  lockfileProblem: string | null;
  /**
   * package-lock.json / npm-shrinkwrap.json against package.json, as `npm ci` checks them (see
   * src/model/project/lockfile.ts); null when the lockfile is another manager's, or there is none or no package.json.
   */
  lockfileSync: LockfileSync | null;
  /**
   * Does package.json list anything to install (dependencies, devDependencies, optionalDependencies,
   * workspaces; peerDependencies with npm, which installs them)? An install with nothing to install
   * creates no node_modules. True when unknown (no package.json, or one that does not parse).
   */
  hasDependencies: boolean;
  /**
   * Yarn 2+ as the project pins it: the exact version (from yarnPath's release file, else the
   * packageManager field), where it comes from, and whether .yarnrc.yml loads the workspace-tools
   * plugin (built into yarn 4, a plugin on 2 and 3). Null unless the project uses yarn 2+.
   */
  yarnBerry: {
    version: string | null;
    yarnPath: string | null;
    workspaceToolsPlugin: boolean;
    /** nodeLinker of .yarnrc.yml: pnp unless it says node-modules or pnpm. */
    nodeLinker: 'pnp' | 'node-modules' | 'pnpm';
    /** enableGlobalCache as .yarnrc.yml sets it, or null when it does not (the default: true from yarn 4, false before). */
    enableGlobalCache: boolean | null;
  } | null;
  hasNpmrc: boolean;
  /** Extra files the package manager reads at install time (pnpm-workspace.yaml, .yarnrc.yml, patches/...). */
  installFiles: readonly string[];
  /** Lifecycle scripts that run during install (preinstall, install, postinstall, prepare). */
  installScripts: readonly string[];
  workspaces: boolean;
  /**
   * The workspace packages (npm/yarn `workspaces`, pnpm-workspace.yaml `packages`): each one's folder
   * and what its package.json says that matters before its sources are there. Null when the project
   * has no workspaces, or when they cannot be listed (no file list, a pattern that cannot be read,
   * a package.json that does not parse): `workspacesUnknown` says why.
   */
  workspacePackages: readonly WorkspacePackage[] | null;
  workspacesUnknown: string | null;
  /** compilerOptions.outDir of tsconfig.json, through the files it extends, normalised (no ./, no trailing /). */
  tsOutDir: string | null;
  tsRootDir: string | null;
  /** The existing .dockerignore (or <Dockerfile>.dockerignore), if any. */
  dockerignore: { path: string; content: string } | null;
  /** Why the ignore file that is there cannot be read (a directory, a FIFO, a dangling link), or null. */
  dockerignoreProblem: string | null;
  /** Is a context path excluded by the existing .dockerignore? */
  ignored(rel: string): boolean;
  /** Read a context file as text (null when missing or not readable). */
  read(rel: string): string | null;
  /** Things that could not be read, for the user. */
  notes: readonly { code: string; message: string }[];
}

export interface FileSource {
  list(): string[] | null;
  read(rel: string): string | null;
  isDir(rel: string): boolean;
  /** Why a path that exists cannot be read as a file (a directory, a FIFO, a dangling link), or null. */
  problem?(rel: string): string | null;
}

/** Temporary files of an interrupted or concurrent --write (see src/run/write.ts): never part of an app. */
export const TEMP_FILE = /(^|\/)\.[^/]*\.dfm-\d+-[a-z0-9]+\.tmp$/;

/** Each package manager's lockfile, in the order one is looked for. */
export const LOCKFILES: readonly (readonly [string, PackageManager])[] = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['yarn.lock', 'yarn'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
];

const SKIP_DIRS = new Set(['node_modules', '.git']);
const MAX_FILES = 50000;

/** Directory listings read earlier in the same run (absolute path -> entries), to read each directory once. */
export type Listings = ReadonlyMap<string, fs.Dirent[]>;

export function dirSource(dir: string, listings?: Listings): FileSource {
  const cache = new Map<string, string | null>();
  // What the walk saw: regular files, and everything else (links, FIFOs, sockets, directories).
  let regular: Set<string> | null = null;
  const special = new Set<string>();
  const inspect = (rel: string): string | null => {
    const full = path.join(dir, rel);
    let l: fs.Stats;
    try {
      l = fs.lstatSync(full);
    } catch {
      return null; // absent
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(full);
    } catch {
      return l.isSymbolicLink() ? 'is a symbolic link to nothing' : 'cannot be read';
    }
    if (st.isDirectory()) return 'is a directory';
    if (!st.isFile()) return 'is not a regular file';
    return null;
  };
  return {
    list() {
      const out: string[] = [];
      const files = new Set<string>();
      const walk = (rel: string, depth: number): boolean => {
        let entries: fs.Dirent[];
        try {
          const full = path.join(dir, rel);
          entries = listings?.get(full) ?? fs.readdirSync(full, { withFileTypes: true });
        } catch {
          return true;
        }
        for (const e of entries) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) {
            special.add(r);
            out.push(r + '/');
            if (SKIP_DIRS.has(e.name)) continue;
            if (depth < 12 && !walk(r, depth + 1)) return false;
          } else if (!TEMP_FILE.test(r)) {
            if (e.isFile()) files.add(r);
            else special.add(r);
            out.push(r);
          }
          if (out.length > MAX_FILES) return false;
        }
        return true;
      };
      const complete = walk('', 0);
      regular = complete ? files : null;
      return complete ? out : null;
    },
    read(rel) {
      if (cache.has(rel)) return cache.get(rel)!;
      let v: string | null = null;
      try {
        const full = path.join(dir, rel);
        // A file the walk saw as regular is read at once; anything else is checked first
        // (a FIFO must never be opened for reading).
        if (regular?.has(rel)) v = fs.readFileSync(full, 'utf8');
        else if (regular && !special.has(rel))
          v = null; // the walk did not see it: absent
        else if (!regular) {
          const st = fs.statSync(full);
          if (st.isFile()) v = fs.readFileSync(full, 'utf8');
        } else if (inspect(rel) === null) v = fs.readFileSync(full, 'utf8');
        if (v !== null && v.length > 2_000_000) v = null;
      } catch {
        v = null;
      }
      cache.set(rel, v);
      return v;
    },
    isDir(rel) {
      try {
        return fs.statSync(path.join(dir, rel)).isDirectory();
      } catch {
        return false;
      }
    },
    problem(rel) {
      if (regular?.has(rel)) return null;
      if (regular && !special.has(rel)) return null; // not there
      return inspect(rel);
    },
  };
}

/** An in-memory context: keys are relative paths, values file contents. */
export function memorySource(files: Record<string, string>): FileSource {
  const keys = Object.keys(files).map((k) => k.replace(/^\.\//, ''));
  const dirs = new Set<string>();
  for (const k of keys) {
    const parts = k.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return {
    list: () => [...[...dirs].map((d) => d + '/'), ...keys],
    read: (rel) => (rel in files ? files[rel] : null),
    isDir: (rel) => dirs.has(rel),
  };
}

export interface GatherOptions {
  /** The Dockerfile's base name, for <name>.dockerignore. */
  dockerfileName?: string;
}

export function gatherFacts(src: FileSource, opts: GatherOptions = {}): ProjectFacts {
  const notes: { code: string; message: string }[] = [];
  const note = (code: string, message: string) => notes.push({ code, message });
  // Context files that exist but cannot be read as files.
  const problems = new Map<string, string>();
  const listed = src.list();
  const names = listed ? new Set(listed.map((f) => f.replace(/\/$/, ''))) : null;
  for (const f of [
    'package.json',
    'package-lock.json',
    'npm-shrinkwrap.json',
    'yarn.lock',
    'pnpm-lock.yaml',
    'tsconfig.json',
    '.dockerignore',
    ...(opts.dockerfileName && opts.dockerfileName !== 'Dockerfile' ? [`${opts.dockerfileName}.dockerignore`] : []),
  ]) {
    if (names && !names.has(f)) continue; // not there at all: nothing to ask the file system
    const p = src.problem?.(f);
    if (p) {
      problems.set(f, p);
      note('context-file-unreadable', `${f} ${p}; it was not read`);
    }
  }
  const files = listed ? listed.filter((f) => !f.endsWith('/')) : null;
  const topLevel = new Map<string, 'file' | 'dir'>();
  for (const f of listed ?? []) {
    const slash = f.indexOf('/');
    if (slash < 0) topLevel.set(f, 'file');
    else topLevel.set(f.slice(0, slash), 'dir');
  }
  const fileSet = files ? new Set(files) : null;
  const exists = (rel: string) => (fileSet ? fileSet.has(rel) : src.read(rel) !== null);

  let packageJson: PackageJson | null = null;
  let rawPackageJson: Record<string, unknown> | null = null;
  const pkgText = src.read('package.json');
  if (pkgText !== null) {
    try {
      const raw = JSON.parse(pkgText) as Record<string, unknown>;
      const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {});
      packageJson = {
        name: typeof raw.name === 'string' ? raw.name : undefined,
        main: typeof raw.main === 'string' ? raw.main : undefined,
        bin:
          typeof raw.bin === 'string' || (raw.bin && typeof raw.bin === 'object') ? (raw.bin as PackageJson['bin']) : undefined,
        type: typeof raw.type === 'string' ? raw.type : undefined,
        scripts: obj(raw.scripts),
        dependencies: obj(raw.dependencies),
        devDependencies: obj(raw.devDependencies),
        optionalDependencies: obj(raw.optionalDependencies),
        workspaces: raw.workspaces,
        packageManager: typeof raw.packageManager === 'string' ? raw.packageManager : undefined,
        prismaSchema:
          typeof (raw.prisma as { schema?: unknown } | undefined)?.schema === 'string'
            ? (raw.prisma as { schema: string }).schema
            : undefined,
      };
      rawPackageJson = raw;
    } catch (e) {
      note(
        'package-json-invalid',
        `package.json could not be parsed (${(e as Error).message.split('\n')[0]}); treating the project as having no scripts or dependencies`,
      );
    }
  }

  let manager: PackageManager | null = null;
  let lockfile: string | null = null;
  let lockfileProblem: string | null = null;
  for (const [file, pm] of LOCKFILES) {
    if (exists(file)) {
      manager = pm;
      lockfile = file;
      break;
    }
  }
  const pmField = packageJson?.packageManager;
  if (pmField) {
    const m = /^(npm|yarn|pnpm|bun)@(\d+)/.exec(pmField);
    if (m) {
      const fieldPm = m[1] === 'yarn' ? (Number(m[2]) >= 2 ? 'yarn-berry' : 'yarn') : (m[1] as PackageManager);
      if (!manager || (manager === 'yarn' && fieldPm === 'yarn-berry') || (!lockfile && fieldPm)) manager = fieldPm;
      if (manager !== fieldPm && !(manager === 'yarn' && fieldPm === 'yarn-berry')) {
        note(
          'package-manager-mismatch',
          `package.json says packageManager ${pmField} but the lockfile is ${lockfile}; following the lockfile`,
        );
      }
    }
  }
  if (manager === 'yarn' && (exists('.yarnrc.yml') || /__metadata:/.test(src.read('yarn.lock')?.slice(0, 400) ?? '')))
    manager = 'yarn-berry';
  if (lockfile === 'package-lock.json') {
    const t = src.read('package-lock.json');
    if (t !== null) {
      try {
        JSON.parse(t);
      } catch {
        lockfileProblem = 'package-lock.json does not parse, and npm ci would fail on it';
        note('lockfile-invalid', 'package-lock.json does not parse; npm ci would fail on it, so installs are left as they are');
        lockfile = null;
      }
    }
  }
  if (!manager && packageJson) manager = 'npm';

  let lockfileSync: LockfileSync | null = null;
  if (rawPackageJson && lockfile && /^(package-lock\.json|npm-shrinkwrap\.json)$/.test(lockfile)) {
    const t = src.read(lockfile);
    if (t !== null) lockfileSync = checkLockfileSync(rawPackageJson, t, lockfile, (rel) => src.read(rel));
  }
  // npm 7+ also installs the root's peerDependencies, and links workspaces into node_modules.
  const peers = Object.keys(
    rawPackageJson?.peerDependencies && typeof rawPackageJson.peerDependencies === 'object'
      ? rawPackageJson.peerDependencies
      : {},
  );
  const hasDependencies = packageJson
    ? [packageJson.dependencies, packageJson.devDependencies, packageJson.optionalDependencies].some(
        (d) => Object.keys(d).length > 0,
      ) ||
      Boolean(packageJson.workspaces) ||
      (manager === 'npm' && peers.length > 0)
    : true;

  let yarnBerry: ProjectFacts['yarnBerry'] = null;
  if (manager === 'yarn-berry') {
    const rc = src.read('.yarnrc.yml') ?? '';
    const yarnPath = /^yarnPath:\s*["']?([^"'\s#]+)/m.exec(rc)?.[1] ?? null;
    const fromPath = yarnPath ? (/yarn-(\d+\.\d+\.\d+[^/]*?)\.c?js$/.exec(yarnPath)?.[1] ?? null) : null;
    const fromField = /^yarn@(\d+\.\d+\.\d+[^+\s]*)/.exec(pmField ?? '')?.[1] ?? null;
    yarnBerry = {
      // yarnPath wins: any yarn binary hands over to the release it names.
      version: yarnPath ? fromPath : fromField,
      yarnPath,
      workspaceToolsPlugin: /plugin-workspace-tools/.test(rc),
      nodeLinker: (/^nodeLinker:\s*["']?(node-modules|pnpm)\b/m.exec(rc)?.[1] as 'node-modules' | 'pnpm' | undefined) ?? 'pnp',
      enableGlobalCache: ((v) => (v ? v === 'true' : null))(/^enableGlobalCache:\s*["']?(true|false)\b/m.exec(rc)?.[1]),
    };
  }

  const installFiles: string[] = [];
  for (const f of ['.npmrc', '.yarnrc', '.yarnrc.yml', 'pnpm-workspace.yaml', 'bunfig.toml']) if (exists(f)) installFiles.push(f);
  if (topLevel.get('patches') === 'dir' && manager === 'pnpm') installFiles.push('patches');
  if (topLevel.get('.yarn') === 'dir' && manager === 'yarn-berry') installFiles.push('.yarn');
  // @prisma/client before Prisma 7 runs `prisma generate` when it is installed: without the schema
  // it writes a stub client that fails at run time ("did not initialize yet").
  const prismaClient = packageJson?.dependencies['@prisma/client'] ?? packageJson?.devDependencies['@prisma/client'];
  if (prismaClient !== undefined && !/^[\^~>=]*\s*([7-9]|\d\d)\./.test(prismaClient)) {
    const schemaTop = (packageJson?.prismaSchema ?? 'prisma/schema.prisma').replace(/^\.\//, '').split('/')[0];
    if (topLevel.has(schemaTop) && !installFiles.includes(schemaTop)) installFiles.push(schemaTop);
  }

  const scripts = packageJson?.scripts ?? {};
  const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => typeof scripts[s] === 'string');

  const wsInfo = workspaceInfo(src, files, packageJson?.workspaces, src.read('pnpm-workspace.yaml'));

  // tsconfig.json as tsc reads it, through the local files it extends.
  const ts = problems.has('tsconfig.json') ? null : tsconfigOptions(src, 'tsconfig.json');
  if (ts?.problem) note('tsconfig-invalid', `tsconfig.json could not be parsed (${ts.problem}); its outDir is unknown`);
  const tsOutDir = ts?.outDir ?? null;
  const tsRootDir = ts?.rootDir ?? null;

  let di: ProjectFacts['dockerignore'] = null;
  let dockerignoreProblem: string | null = null;
  const specific = opts.dockerfileName && opts.dockerfileName !== 'Dockerfile' ? `${opts.dockerfileName}.dockerignore` : null;
  for (const p of [specific, '.dockerignore']) {
    if (!p) continue;
    if (problems.has(p)) {
      dockerignoreProblem = `${p} ${problems.get(p)}`;
      break;
    }
    const c = src.read(p);
    if (c !== null) {
      di = { path: p, content: c };
      break;
    }
  }
  let matcher: { ignores(p: string): boolean } | null = null;
  if (di) {
    try {
      matcher = ignoreMatcher(di.content.split(/\r?\n/));
    } catch {
      note('ignore-invalid', `${di.path} could not be read as ignore patterns`);
    }
  }

  return Object.freeze({
    files: files ? Object.freeze(files) : null,
    topLevel,
    packageJson,
    manager,
    lockfile,
    lockfileProblem,
    lockfileSync,
    hasDependencies,
    yarnBerry,
    hasNpmrc: installFiles.includes('.npmrc'),
    installFiles: Object.freeze(installFiles),
    installScripts: Object.freeze(installScripts),
    // pnpm-workspace.yaml may hold only settings (onlyBuiltDependencies, ...): a workspace lists packages.
    workspaces: Boolean(packageJson?.workspaces) || /^packages\s*:/m.test(src.read('pnpm-workspace.yaml') ?? ''),
    workspacePackages: wsInfo.packages ? Object.freeze(wsInfo.packages) : null,
    workspacesUnknown: wsInfo.unknown,
    tsOutDir,
    tsRootDir,
    dockerignore: di,
    dockerignoreProblem,
    ignored: (rel: string) => (matcher ? matcher.ignores(rel) : false),
    read: (rel: string) => src.read(rel),
    notes: Object.freeze(notes),
  });
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/**
 * The workspace packages of a project: the folders matched by the `workspaces` patterns of
 * package.json (an array, or `{ packages }`) or by `packages` in pnpm-workspace.yaml, that hold a
 * package.json (node_modules never counts). `!pattern` removes folders, as npm, yarn and pnpm do.
 */
function workspaceInfo(
  src: FileSource,
  files: string[] | null,
  field: unknown,
  pnpmWorkspace: string | null,
): { packages: WorkspacePackage[] | null; unknown: string | null } {
  let patterns: unknown[] | null = null;
  let from = 'package.json workspaces';
  if (Array.isArray(field)) patterns = field;
  else if (field && typeof field === 'object' && Array.isArray((field as { packages?: unknown }).packages))
    patterns = (field as { packages: unknown[] }).packages;
  else if (field !== undefined) return { packages: null, unknown: 'the workspaces field of package.json is not a list' };
  if (!patterns && pnpmWorkspace !== null && /^packages\s*:/m.test(pnpmWorkspace)) {
    from = 'pnpm-workspace.yaml';
    try {
      const doc = parseYaml(pnpmWorkspace) as { packages?: unknown } | null;
      patterns = Array.isArray(doc?.packages) ? doc.packages : null;
    } catch {
      patterns = null;
    }
    if (!patterns) return { packages: null, unknown: 'pnpm-workspace.yaml does not parse as a list of packages' };
  }
  if (!patterns) return { packages: null, unknown: null };
  if (!files) return { packages: null, unknown: 'the files of the build context are unknown' };
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const p of patterns) {
    if (typeof p !== 'string' || !p.trim()) return { packages: null, unknown: `${from} has a pattern that is not a path` };
    const neg = p.startsWith('!');
    const clean = p.replace(/^!/, '').replace(/^\.\//, '').replace(/\/+$/, '');
    if (/^\.\.\/|\{|\}/.test(clean))
      return { packages: null, unknown: `${from} pattern ${p} is outside the context or uses braces` };
    // `apps/**` matches apps/a and apps/a/b; the folder itself holds the package.json.
    (neg ? exclude : include).push(globToRegExp(clean));
  }
  const packages: WorkspacePackage[] = [];
  for (const f of files) {
    if (!f.endsWith('/package.json') || f.split('/').includes('node_modules')) continue;
    const dir = f.slice(0, -'/package.json'.length);
    if (!include.some((r) => r.test(dir)) || exclude.some((r) => r.test(dir))) continue;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(src.read(f) ?? '') as Record<string, unknown>;
    } catch {
      return { packages: null, unknown: `${f}, a workspace package, does not parse` };
    }
    const scripts = raw.scripts && typeof raw.scripts === 'object' ? (raw.scripts as Record<string, unknown>) : {};
    const deps = ['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((k) =>
      raw[k] && typeof raw[k] === 'object' ? Object.entries(raw[k] as Record<string, unknown>) : [],
    );
    packages.push({
      dir,
      name: typeof raw.name === 'string' ? raw.name : null,
      installScripts: INSTALL_SCRIPTS.filter((s) => typeof scripts[s] === 'string'),
      hasBin: Boolean(raw.bin) || Boolean(raw.directories && typeof raw.directories === 'object' && 'bin' in raw.directories),
      localDeps: deps.filter(([, v]) => /^(file|link|portal):/.test(String(v))).map(([k]) => k),
    });
  }
  packages.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return { packages, unknown: null };
}
