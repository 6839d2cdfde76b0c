/**
 * The configuration file: `.dockerfile-migrate.json`, `.dockerfile-migraterc` (JSON or YAML),
 * `.dockerfile-migraterc.json|.yaml|.yml`, or a `dockerfile-migrate` key in package.json. The one
 * nearest to a Dockerfile applies, alone (files are not merged): it is searched from the
 * Dockerfile's directory upwards, up to the repository root (the directory holding .git) or the
 * file system root, never above the repository. No configuration is ever executed (no .js
 * configuration): a repository a bot migrates cannot run code through it.
 *
 *   { "transforms": [...], "skip": [...], "runtimeBase": "slim",
 *     "overrides": [{ "files": ["services/legacy/**"], "runtimeBase": "full" }],
 *     "ignore": ["examples/**"] }
 *
 * `overrides[].files` and `ignore` are globs in .gitignore syntax, relative to the configuration
 * file's directory (`*.prod` matches at any depth, `/Dockerfile` only next to the file,
 * `legacy/` a directory and everything in it). Later overrides win over earlier ones, options
 * given by the caller (the command line) over the file. Unknown keys and bad values are a
 * ConfigError naming the file and the key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ignore } from 'ignore';
import { lilconfigSync } from 'lilconfig';
import { ignore, parseYaml } from './lazy.js';
import type { Options } from '../engine/types.js';

/** Where a configuration is looked for in each directory, in this order (the first found wins). */
export const CONFIG_FILES = [
  '.dockerfile-migrate.json',
  '.dockerfile-migraterc',
  '.dockerfile-migraterc.json',
  '.dockerfile-migraterc.yaml',
  '.dockerfile-migraterc.yml',
  'package.json',
] as const;
/** The key of the configuration in package.json. */
export const PACKAGE_KEY = 'dockerfile-migrate';

/** The options a configuration may set, for all its Dockerfiles or in an override. */
export interface ConfigOptions {
  /** Transform ids to run (default: all). */
  transforms?: string[];
  /** Transform ids to leave out. */
  skip?: string[];
  /** The runtime stage's base: `slim`, `alpine`, `distroless`, `full` or an image name. */
  runtimeBase?: string;
}

export interface ConfigOverride extends ConfigOptions {
  /** Globs (.gitignore syntax) relative to the configuration file's directory. */
  files: string[];
}

export interface Config extends ConfigOptions {
  overrides?: ConfigOverride[];
  /** Globs (.gitignore syntax) of Dockerfiles and directories to leave alone. */
  ignore?: string[];
}

/** A configuration file that cannot be used; the message names the file and the key. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

const OPTION_KEYS = ['transforms', 'skip', 'runtimeBase'] as const;
const TOP_KEYS = [...OPTION_KEYS, 'overrides', 'ignore'];
const OVERRIDE_KEYS = ['files', ...OPTION_KEYS];

interface Loaded {
  /** Absolute path of the file. */
  file: string;
  dir: string;
  config: Config;
  ignore: Ignore | null;
  overrides: { match: Ignore; options: ConfigOptions }[];
  /** Where each transform id was given (key path), for checking them once the ids are known. */
  ids: { key: string; id: string }[];
}

export interface ResolvedConfig {
  /** The configuration file that applies (absolute path), or null. */
  file: string | null;
  /** The indexes of the overrides whose `files` match. */
  overrides: number[];
  /** The configuration file whose `ignore` excludes the Dockerfile, or null. */
  ignoredBy: string | null;
  /** The options: the file's, its matching overrides', then the caller's. */
  options: Options;
}

const describe = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'string'
        ? JSON.stringify(v)
        : `${typeof v} ${JSON.stringify(v)}`;
const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

export interface ConfigResolverOptions {
  /** Paths in messages are relative to this directory. */
  cwd: string;
  /** Options given by the caller: each key present wins over the configuration. */
  given?: ConfigOptions;
  /** Read no configuration file (the caller's options alone). */
  disabled?: boolean;
}

/**
 * Finds, loads and checks configuration files, each once, and resolves the options of each
 * Dockerfile. Not shared between runs: a file edited since is read again by a new resolver.
 */
export class ConfigResolver {
  private readonly cwd: string;
  private readonly given: ConfigOptions;
  private readonly disabled: boolean;
  private readonly roots = new Map<string, string | null>();
  private readonly loaded = new Map<string, Loaded | null>();
  private readonly byDir = new Map<string, Loaded | null>();
  /** Directories known (from a listing) to hold no configuration file and no .git. */
  private readonly plain = new Set<string>();

  constructor(opts: ConfigResolverOptions) {
    this.cwd = opts.cwd;
    this.given = opts.given ?? {};
    this.disabled = Boolean(opts.disabled);
  }

  private rel(file: string): string {
    return path.relative(this.cwd, file).split(path.sep).join('/') || file;
  }

  /** A directory's entries, seen by a search: spares the lookups there. */
  noteListing(dir: string, names: readonly string[]): void {
    if (this.disabled) return;
    if (names.includes('.git')) this.roots.set(dir, dir);
    else if (!CONFIG_FILES.some((n) => names.includes(n))) this.plain.add(dir);
  }

  /** The repository root of a directory (the nearest one upwards with .git), or null. */
  private rootOf(dir: string): string | null {
    const known = this.roots.get(dir);
    if (known !== undefined) return known;
    const up = path.dirname(dir);
    const root = !this.plain.has(dir) && fs.existsSync(path.join(dir, '.git')) ? dir : up === dir ? null : this.rootOf(up);
    this.roots.set(dir, root);
    return root;
  }

  /** The configuration that applies to the files of a directory, or null. */
  forDir(dir: string): Loaded | null {
    if (this.disabled) return null;
    const known = this.byDir.get(dir);
    if (known !== undefined) return known;
    let res: Loaded | null | undefined = this.plain.has(dir) ? undefined : this.searchDir(dir);
    if (res === undefined) {
      const up = path.dirname(dir);
      // Up to the repository root, never above it; outside a repository, up to the file system root.
      res = this.rootOf(dir) === dir || up === dir ? null : this.forDir(up);
    }
    this.byDir.set(dir, res);
    return res;
  }

  /**
   * The configuration file in one directory, if any (undefined: none here). lilconfig reads it,
   * with our loaders; only regular files are read (a FIFO would block the run), and a package.json
   * that is not a file or has no `dockerfile-migrate` key is passed over.
   */
  private searchDir(dir: string): Loaded | undefined {
    for (const name of CONFIG_FILES) {
      const file = path.join(dir, name);
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (!st) continue;
      if (!st.isFile()) {
        if (name === 'package.json') continue;
        throw new ConfigError(file, `${this.rel(file)}: not a regular file`);
      }
      let found: { config: unknown } | null;
      try {
        found = this.loader.load(file);
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        if (name === 'package.json') continue;
        throw new ConfigError(
          file,
          `${this.rel(file)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
      if (name === 'package.json' && (found?.config === undefined || found.config === null)) continue;
      return this.load(file, found?.config);
    }
    return undefined;
  }

  private readonly loader = lilconfigSync(PACKAGE_KEY, {
    packageProp: PACKAGE_KEY,
    // An empty configuration file is one that sets nothing (the search stops there).
    ignoreEmptySearchPlaces: false,
    loaders: {
      '.json': (f, c) => this.loadJson(f, c),
      noExt: (f, c) => this.loadJsonOrYaml(f, c),
      '.yaml': (f, c) => this.loadYaml(f, c),
      '.yml': (f, c) => this.loadYaml(f, c),
    },
  });

  private readonly loadJson = (file: string, content: string): unknown => {
    const text = content.replace(/^\uFEFF/, '');
    try {
      return JSON.parse(text);
    } catch (e) {
      // A package.json that is not JSON holds no configuration; what it means for the build is
      // the migration's business (it reports it).
      if (path.basename(file) === 'package.json') return {};
      throw new ConfigError(file, `${this.rel(file)}: not valid JSON (${(e as Error).message})`);
    }
  };

  private readonly loadYaml = (file: string, content: string): unknown => {
    try {
      return parseYaml(content.replace(/^\uFEFF/, '')) ?? {};
    } catch (e) {
      throw new ConfigError(file, `${this.rel(file)}: not valid YAML (${(e as Error).message.split('\n')[0].replace(/:$/, '')})`);
    }
  };

  private readonly loadJsonOrYaml = (file: string, content: string): unknown => {
    const text = content.replace(/^\uFEFF/, '');
    try {
      return JSON.parse(text);
    } catch {
      try {
        return parseYaml(text) ?? {};
      } catch (e) {
        throw new ConfigError(
          file,
          `${this.rel(file)}: not valid JSON or YAML (${(e as Error).message.split('\n')[0].replace(/:$/, '')})`,
        );
      }
    }
  };

  private load(file: string, raw: unknown): Loaded {
    const known = this.loaded.get(file);
    if (known) return known;
    const where = this.rel(file);
    const inPackage = path.basename(file) === 'package.json';
    const keyName = (k: string) => (inPackage ? `${PACKAGE_KEY}.${k}` : k);
    const fail = (key: string, message: string): never => {
      throw new ConfigError(file, `${where}: "${keyName(key)}" ${message}`);
    };
    // Two configuration files in one directory: which one counts would be a surprise.
    const dir = path.dirname(file);
    const others: string[] = CONFIG_FILES.filter(
      (n) => n !== 'package.json' && path.join(dir, n) !== file && fs.existsSync(path.join(dir, n)),
    );
    if (!inPackage) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown> | null;
        if (pkg && typeof pkg === 'object' && pkg[PACKAGE_KEY] != null) others.push(`package.json ("${PACKAGE_KEY}")`);
      } catch {
        // no package.json, or not JSON: no configuration there
      }
    }
    if (others.length)
      throw new ConfigError(file, `${where}: another configuration file in the same directory (${others.join(', ')}); keep one`);
    if (raw === undefined || raw === null) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new ConfigError(
        file,
        `${where}: ${inPackage ? `"${PACKAGE_KEY}" ` : 'the configuration '}must be an object (got ${describe(raw)})`,
      );
    const ids: Loaded['ids'] = [];
    const strings = (key: string, v: unknown, what: string): string[] => {
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x.trim() === ''))
        fail(key, `must be ${what} or an array of them (got ${describe(v)})`);
      return (list as string[]).map((x) => x.trim());
    };
    const options = (obj: Record<string, unknown>, prefix: string, allowed: readonly string[]): ConfigOptions => {
      for (const k of Object.keys(obj)) {
        if (allowed.includes(k)) continue;
        const hint = allowed.find((a) => squash(a) === squash(k));
        fail(`${prefix}${k}`, `is not a known key${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${allowed.join(', ')}`);
      }
      const out: ConfigOptions = {};
      for (const k of ['transforms', 'skip'] as const) {
        if (obj[k] === undefined) continue;
        out[k] = strings(`${prefix}${k}`, obj[k], 'a transform id');
        out[k].forEach((id, i) => ids.push({ key: `${prefix}${k}[${i}]`, id }));
      }
      if (obj.runtimeBase !== undefined) {
        const v = obj.runtimeBase;
        if (typeof v !== 'string' || !/^\S+$/.test(v))
          fail(`${prefix}runtimeBase`, `must be slim, alpine, distroless, full or an image name (got ${describe(v)})`);
        out.runtimeBase = v as string;
      }
      return out;
    };
    const obj = raw as Record<string, unknown>;
    const config: Config = options(obj, '', TOP_KEYS);
    const loaded: Loaded = { file, dir, config, ignore: null, overrides: [], ids };
    if (obj.ignore !== undefined) {
      config.ignore = strings('ignore', obj.ignore, 'a glob');
      loaded.ignore = ignore({ ignorecase: false }).add(config.ignore);
    }
    if (obj.overrides !== undefined) {
      if (!Array.isArray(obj.overrides))
        fail('overrides', `must be an array of { files, ...options } (got ${describe(obj.overrides)})`);
      config.overrides = (obj.overrides as unknown[]).map((o, i) => {
        const prefix = `overrides[${i}].`;
        if (typeof o !== 'object' || o === null || Array.isArray(o))
          fail(`overrides[${i}]`, `must be an object (got ${describe(o)})`);
        const rec = o as Record<string, unknown>;
        if (rec.files === undefined) fail(`${prefix}files`, 'is missing: the globs this override applies to');
        const files = strings(`${prefix}files`, rec.files, 'a glob');
        const opts = options(rec, prefix, OVERRIDE_KEYS);
        loaded.overrides.push({ match: ignore({ ignorecase: false }).add(files), options: opts });
        return { files, ...opts };
      });
    }
    this.loaded.set(file, loaded);
    return loaded;
  }

  /** Whether any configuration loaded so far names transforms (checkTransformIds then needs the ids). */
  namesTransforms(): boolean {
    return [...this.loaded.values()].some((l) => l?.ids.length);
  }

  /** Check every transform id the loaded configurations name. */
  checkTransformIds(known: readonly string[]): void {
    for (const l of this.loaded.values()) {
      for (const { key, id } of l?.ids ?? []) {
        if (!known.includes(id))
          throw new ConfigError(
            l!.file,
            `${this.rel(l!.file)}: "${path.basename(l!.file) === 'package.json' ? `${PACKAGE_KEY}.` : ''}${key}" names an unknown transform "${id}" (known: ${known.join(', ')})`,
          );
      }
    }
  }

  /** The configuration file whose `ignore` excludes a path (absolute; a directory or a file), or null. */
  readonly excludedBy = (abs: string, isDir: boolean): string | null => {
    const cfg = this.forDir(path.dirname(abs));
    if (!cfg?.ignore) return null;
    const rel = path.relative(cfg.dir, abs).split(path.sep).join('/');
    return cfg.ignore.ignores(isDir ? `${rel}/` : rel) ? cfg.file : null;
  };

  /** The options of one Dockerfile (absolute path). */
  resolve(file: string): ResolvedConfig {
    const cfg = this.forDir(path.dirname(file));
    const merged: ConfigOptions = {};
    const overrides: number[] = [];
    const apply = (o: ConfigOptions) => {
      for (const k of OPTION_KEYS) if (o[k] !== undefined) (merged as Record<string, unknown>)[k] = o[k];
    };
    if (cfg) {
      apply(cfg.config);
      const rel = path.relative(cfg.dir, file).split(path.sep).join('/');
      cfg.overrides.forEach((o, i) => {
        if (o.match.ignores(rel)) {
          overrides.push(i);
          apply(o.options);
        }
      });
    }
    apply(this.given);
    return { file: cfg?.file ?? null, overrides, ignoredBy: this.excludedBy(file, false), options: merged };
  }
}
