/**
 * Finding Dockerfiles: a path is a Dockerfile, a directory searched for Dockerfile, Dockerfile.*
 * and *.Dockerfile in any letter case (`docker build` accepts `dockerfile`), or a glob
 * (`services/*\/Dockerfile`, quoted so that the tool expands it) matching such files or
 * directories. node_modules, .git and .devcontainer are not searched (a dev container's
 * Dockerfile is not a production image; one named on the command line is reported as skipped, see
 * migrateFile()); directory symlinks are not followed, so a link loop cannot trap the walk.
 *
 * A search (a directory or a glob) honours .gitignore as git does: the repository's
 * .git/info/exclude, its root .gitignore and every nested one, the deeper file winning, a
 * directory git ignores never entered. A path named on the command line is taken as given, even
 * when git ignores it: that is the user's explicit choice (as `git add -f`, or ripgrep with a path).
 *
 * The order is stable: the paths in the order given, each directory's entries sorted by name
 * (code unit order, whatever the file system returns), a file found twice listed once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ignore } from 'ignore';
import { ignore, picomatch } from './lazy.js';

import { DEVCONTAINER_DIR } from '../model/project/devcontainer.js';

const NAME = /^(dockerfile(\.[^/]+)?|[^/]+\.dockerfile)$/i;
const NOT_DOCKERFILE = /\.(dockerignore|md|orig|rej|bak|swp|expected)$|~$/;
const SKIP = new Set(['node_modules', '.git', DEVCONTAINER_DIR]);
const MAX_DEPTH = 40;

/** The reason given for a directory searched without finding a Dockerfile. */
export const NO_DOCKERFILE = 'no Dockerfile found in this directory';

export function isDockerfileName(name: string): boolean {
  return NAME.test(name) && !NOT_DOCKERFILE.test(name);
}

/** A path the search could not use: the path as given, a stable code and the reason. */
export interface DiscoveryError {
  path: string;
  code: 'not-found' | 'unreadable' | 'no-dockerfile';
  reason: string;
}

export interface Discovered {
  files: string[];
  errors: DiscoveryError[];
  /** Files named on the command line that a configuration's `ignore` excludes, and that configuration file. */
  ignored: { path: string; by: string }[];
  /**
   * Every directory read (absolute path -> entries as read), so that the build contexts need not
   * be read again; empty when not asked for, or once more than `keepListingsUpTo` files were found.
   */
  listings: Map<string, fs.Dirent[]>;
}

export interface DiscoverOptions {
  /** Keep the directory listings while at most this many Dockerfiles have been found (default: none kept). */
  keepListingsUpTo?: number;
  /** Honour .gitignore files in a search (default: true). */
  gitignore?: boolean;
  /**
   * What a configuration excludes (its `ignore` globs): given an absolute path and whether it is a
   * directory, the configuration file that excludes it, or null. A directory it excludes is not
   * entered, a Dockerfile found in a search is left out, and a file named on the command line is
   * listed in `ignored`. May throw (a configuration that cannot be read): the search stops.
   */
  excludedBy?: (abs: string, isDir: boolean) => string | null;
  /** Called with each directory read, before its entries are looked at (the configuration lookup reuses the listing). */
  onDirectory?: (dir: string, names: readonly string[]) => void;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

// ---------------------------------------------------------------------------------------------
// .gitignore
// ---------------------------------------------------------------------------------------------

/** The rules of one ignore file, relative to the directory they belong to. */
interface Rules {
  dir: string;
  ig: Ignore;
}

/** Git matches case-sensitively unless the file system folds case (core.ignoreCase, set at clone). */
const GIT_IGNORECASE = process.platform === 'darwin' || process.platform === 'win32';

function readRules(dir: string, file: string): Rules | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null; // unreadable: git skips it too
  }
  return { dir, ig: ignore({ ignorecase: GIT_IGNORECASE }).add(text) };
}

/** The repository a directory belongs to: the nearest directory upwards holding .git (a directory, or a file for a worktree or submodule). */
export function repositoryRoot(dir: string): string | null {
  for (let d = dir; ;) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/**
 * The rules that apply above a directory a search starts from: the repository's info/exclude and
 * every .gitignore from its root down to the directory's parent (the directory's own is read by
 * the walk). Outside a repository, none.
 */
function rulesAbove(dir: string): Rules[] {
  const root = repositoryRoot(dir);
  if (!root) return [];
  const out: Rules[] = [];
  const exclude = readRules(root, path.join(root, '.git', 'info', 'exclude'));
  if (exclude) out.push(exclude);
  if (root === dir) return out;
  const chain: string[] = [];
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === root || path.dirname(d) === d) break;
  }
  for (const d of chain) {
    const r = readRules(d, path.join(d, '.gitignore'));
    if (r) out.push(r);
  }
  return out;
}

/** Does git ignore this path? The deepest rules that say either way win (git's precedence). */
function gitIgnored(abs: string, isDir: boolean, stack: readonly Rules[]): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const rel = toPosix(path.relative(stack[i].dir, abs));
    if (!rel || rel.startsWith('..')) continue;
    const r = stack[i].ig.test(isDir ? `${rel}/` : rel);
    if (r.ignored) return true;
    if (r.unignored) return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The search
// ---------------------------------------------------------------------------------------------

export function discover(paths: string[], cwd: string, opts: DiscoverOptions = {}): Discovered {
  const files: string[] = [];
  const errors: DiscoveryError[] = [];
  const ignored: Discovered['ignored'] = [];
  const listings: Discovered['listings'] = new Map();
  const useGitignore = opts.gitignore !== false;
  let keep = (opts.keepListingsUpTo ?? 0) > 0;
  const seen = new Set<string>();
  const push = (f: string) => {
    const key = path.resolve(cwd, f);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(f);
    }
  };
  /** A file named on the command line: taken as given, unless a configuration excludes it. */
  const named = (p: string) => {
    const by = opts.excludedBy?.(path.resolve(cwd, p), false) ?? null;
    if (by) ignored.push({ path: p, by });
    else push(p);
  };

  /**
   * Search a directory; with `match`, only for the files (or within the directories) whose path
   * relative to `dir` it matches. Returns the files found (absolute) and whether any Dockerfile was
   * left out by a configuration's `ignore`.
   */
  const search = (dir: string, match: ((rel: string) => boolean) | null): { found: string[]; excluded: boolean } => {
    const found: string[] = [];
    let excluded = false;
    // An explicitly named directory is searched even when git ignores it: the rules above it that
    // ignore it are left out (the ones inside it still apply).
    const above = useGitignore ? rulesAbove(dir).filter((r) => !gitIgnored(dir, true, [r])) : [];
    const walk = (d: string, depth: number, stack: Rules[], inMatch: boolean) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
        if (keep) listings.set(d, entries.slice());
      } catch (e) {
        errors.push({
          path: toPosix(path.relative(cwd, d)) || d,
          code: 'unreadable',
          reason: `cannot read the directory (${(e as NodeJS.ErrnoException).code})`,
        });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const names = entries.map((e) => e.name);
      opts.onDirectory?.(d, names);
      if (useGitignore) {
        // A nested repository is its own world: the outer rules stop at its root.
        if (d !== dir && names.includes('.git')) {
          stack = [];
          const exclude = readRules(d, path.join(d, '.git', 'info', 'exclude'));
          if (exclude) stack.push(exclude);
        }
        if (names.includes('.gitignore')) {
          const r = readRules(d, path.join(d, '.gitignore'));
          if (r) stack = [...stack, r];
        }
      }
      for (const e of entries) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) {
          if (SKIP.has(e.name) || depth >= MAX_DEPTH) continue;
          if (useGitignore && gitIgnored(full, true, stack)) continue;
          if (opts.excludedBy?.(full, true)) continue;
          walk(full, depth + 1, stack, inMatch || (match !== null && match(toPosix(path.relative(dir, full)))));
        } else if ((e.isFile() || e.isSymbolicLink()) && isDockerfileName(e.name)) {
          if (match && !inMatch && !match(toPosix(path.relative(dir, full)))) continue;
          if (useGitignore && gitIgnored(full, false, stack)) continue;
          if (opts.excludedBy?.(full, false)) {
            excluded = true;
            continue;
          }
          found.push(full);
          // A batch this large goes to worker threads, which read their contexts themselves.
          if (keep && found.length + files.length > opts.keepListingsUpTo!) {
            keep = false;
            listings.clear();
          }
        }
      }
    };
    walk(dir, 0, above, match === null);
    return { found, excluded };
  };

  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats | null = null;
    let code: string | undefined;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      code = (e as NodeJS.ErrnoException).code;
    }
    // A dangling or looping link is reported by migrateFile with its own reason.
    if (code === 'ELOOP') {
      named(p);
      continue;
    }
    if (!st) {
      // Not a path: a glob? (A path that exists is taken literally, even with [ or * in its name.)
      const pm = picomatch();
      const scan = pm.scan(p);
      if (code === 'ENOENT' && scan.isGlob) {
        const base = path.resolve(cwd, scan.base || '.');
        const isMatch = pm(scan.glob);
        const baseSt = fs.statSync(base, { throwIfNoEntry: false });
        const { found, excluded } = baseSt?.isDirectory() ? search(base, isMatch) : { found: [], excluded: false };
        if (!found.length && !excluded)
          errors.push({ path: p, code: 'no-dockerfile', reason: 'no Dockerfile matches this pattern' });
        for (const f of found) push(toPosix(path.relative(cwd, f)) || f);
        continue;
      }
      errors.push(
        code === 'ENOENT'
          ? { path: p, code: 'not-found', reason: 'no such file or directory' }
          : { path: p, code: 'unreadable', reason: `cannot read it (${code})` },
      );
      continue;
    }
    if (!st.isDirectory()) {
      named(p);
      continue;
    }
    const { found, excluded } = search(abs, null);
    if (!found.length && !excluded) errors.push({ path: p, code: 'no-dockerfile', reason: NO_DOCKERFILE });
    for (const f of found) push(toPosix(path.relative(cwd, f)) || f);
  }
  return { files, errors, ignored, listings };
}
