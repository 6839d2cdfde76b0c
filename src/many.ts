/**
 * migrateMany(): the command's batch run as a library call, for bots written in TypeScript or
 * JavaScript. The same discovery (paths, directories, globs, .gitignore), the same configuration
 * files, the same statuses and reason codes as `dockerfile-migrate`; results come one by one as
 * the caller asks for them, in the command's order, and nothing is kept once handed over, so
 * memory stays flat however many files there are. Nothing is written unless `write` is set.
 */
import * as path from 'node:path';
import { migrateInOrder, type FileResult } from './run/batch.js';
import type { ConfigOptions } from './run/config.js';
import { planRun } from './run/plan.js';
import { writeMigration } from './run/write.js';
import type { FileReport } from './report/report.js';

export interface MigrateManyOptions extends ConfigOptions {
  /** Directory the paths, and the paths in the results, are relative to (default: process.cwd()). */
  cwd?: string;
  /** The build context directory for every Dockerfile (default: each Dockerfile's directory). */
  context?: string;
  /** Write each migration in place (atomically, as `--write`); default: false, a dry run. */
  write?: boolean;
  /** Read configuration files (default: true). `transforms`, `skip` and `runtimeBase` given here win over them. */
  config?: boolean;
}

/** One Dockerfile's result: migrateFile()'s, plus whether it was written. */
export type ManyResult = FileResult & {
  /** True when `write` was set and the migration was written (status `migrated`). */
  written: boolean;
};

/**
 * Migrate every Dockerfile found under `paths` (default: the current directory), one result at a
 * time. A path that cannot be used is a result with status `error` (codes `not-found`,
 * `unreadable`, `no-dockerfile`); a named Dockerfile that a configuration ignores is `skipped`
 * (code `ignored`). A configuration file that cannot be used rejects the first `next()` with a
 * ConfigError, before anything is migrated or written.
 */
export async function* migrateMany(paths: string | string[] = [], options: MigrateManyOptions = {}): AsyncGenerator<ManyResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const given: ConfigOptions = {};
  if (options.transforms !== undefined) given.transforms = options.transforms;
  if (options.skip !== undefined) given.skip = options.skip;
  if (options.runtimeBase !== undefined) given.runtimeBase = options.runtimeBase;
  if (given.transforms?.length || given.skip?.length) (await import('./migrate.js')).selectTransforms(given);
  const plan = await planRun(typeof paths === 'string' ? [paths] : paths, { cwd, given, config: options.config });
  for (const e of plan.early) {
    yield { ...e, output: '', files: [], changes: [], warnings: [], diff: '', written: false };
  }
  const results = migrateInOrder(plan.files, {
    cwd,
    context: options.context,
    options: {},
    optionsFor: (i) => plan.options[i],
  });
  let index = 0;
  for await (const res of results) {
    const file = plan.files[index++];
    let written = false;
    if (options.write && res.status === 'migrated') {
      const problem = writeMigration(
        path.resolve(cwd, file),
        res.output,
        res.files.map((f) => ({ file: path.resolve(cwd, f.displayPath), content: f.content })),
        cwd,
      );
      if (problem) {
        yield { ...res, status: 'error', code: problem.code, reason: problem.reason, written };
        continue;
      }
      written = true;
    }
    yield { ...res, written };
  }
}

/** A result as the reports take it (markdownReport(), summarize(), the --json `files` entries). */
export function reportOf(r: FileResult): FileReport {
  return {
    path: r.path,
    status: r.status,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    ...(r.code !== undefined ? { code: r.code } : {}),
    changes: r.changes,
    warnings: r.warnings,
    diff: r.diff,
    files: r.files.map((f) => ({ path: f.displayPath, created: f.before === null })),
  };
}
