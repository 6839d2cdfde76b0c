/**
 * Before anything is migrated: find the Dockerfiles (discover.ts), read the configuration that
 * applies to each (config.ts), and check it all, so that a bad configuration stops the run before
 * a single file is written. Shared by the command and migrateMany().
 */
import * as path from 'node:path';
import { ConfigResolver, type ConfigOptions } from './config.js';
import { discover, type Discovered } from './discover.js';
import type { Options, Status } from '../engine/types.js';

export interface PlanOptions {
  cwd: string;
  /** Options given by the caller (the command line): each key present wins over the configuration files. */
  given?: ConfigOptions;
  /** Read configuration files (default: true). */
  config?: boolean;
  /** Keep the directory listings while at most this many Dockerfiles are found (see discover()). */
  keepListingsUpTo?: number;
}

/** A result known before any migration: a path that cannot be used, or a file the configuration ignores. */
export interface EarlyResult {
  path: string;
  status: Extract<Status, 'error' | 'skipped'>;
  code: string;
  reason: string;
}

export interface Plan {
  /** The Dockerfiles to migrate, in order (paths relative to cwd). */
  files: string[];
  /** The options of each file (same index); files sharing a configuration share one object. */
  options: Options[];
  /** Discovery errors, then the named files a configuration ignores. */
  early: EarlyResult[];
  listings: Discovered['listings'];
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** The transform ids, loaded only when a configuration names some (the transforms are large). */
async function checkIds(resolver: ConfigResolver): Promise<void> {
  if (!resolver.namesTransforms()) return;
  const { transformIds } = await import('../../transforms/index.js');
  resolver.checkTransformIds(transformIds);
}

/** Find the files and their options. Throws ConfigError for a configuration that cannot be used. */
export async function planRun(paths: string[], opts: PlanOptions): Promise<Plan> {
  const { cwd } = opts;
  const resolver = new ConfigResolver({ cwd, given: opts.given, disabled: opts.config === false });
  const found = discover(paths.length ? paths : ['.'], cwd, {
    keepListingsUpTo: opts.keepListingsUpTo,
    excludedBy: resolver.excludedBy,
    onDirectory: (dir, names) => resolver.noteListing(dir, names),
  });
  const shared = new Map<string, Options>();
  const options = found.files.map((f) => {
    const r = resolver.resolve(path.resolve(cwd, f));
    const key = `${r.file ?? ''}\0${r.overrides.join(',')}`;
    let o = shared.get(key);
    if (!o) shared.set(key, (o = r.options));
    return o;
  });
  await checkIds(resolver);
  const early: EarlyResult[] = [
    ...found.errors.map((e) => ({ path: e.path, status: 'error' as const, code: e.code, reason: e.reason })),
    ...found.ignored.map((i) => ({
      path: i.path,
      status: 'skipped' as const,
      code: 'ignored',
      reason: `matches an ignore glob of ${toPosix(path.relative(cwd, i.by)) || i.by}`,
    })),
  ];
  return { files: found.files, options, early, listings: found.listings };
}

/** What `--print-config <path>` prints: the configuration one Dockerfile would be migrated with. */
export interface PrintedConfig {
  file: string;
  /** The configuration file that applies, relative to cwd, or null. */
  configFile: string | null;
  /** Indexes of its overrides that match the file. */
  overrides: number[];
  /** Whether its `ignore` globs exclude the file (a run reports it as skipped, code `ignored`). */
  ignored: boolean;
  /** The transforms that run, in order. */
  transforms: string[];
  runtimeBase: string;
}

export async function printedConfig(file: string, opts: PlanOptions): Promise<PrintedConfig> {
  const { cwd } = opts;
  const resolver = new ConfigResolver({ cwd, given: opts.given, disabled: opts.config === false });
  const abs = path.resolve(cwd, file);
  const r = resolver.resolve(abs);
  await checkIds(resolver);
  const { selectTransforms } = await import('../migrate.js');
  return {
    file: toPosix(path.relative(cwd, abs)) || file,
    configFile: r.file ? toPosix(path.relative(cwd, r.file)) : null,
    overrides: r.overrides,
    ignored: r.ignoredBy !== null,
    transforms: selectTransforms(r.options).map((t) => t.id),
    runtimeBase: r.options.runtimeBase ?? 'slim',
  };
}
