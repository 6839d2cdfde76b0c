/**
 * Finding Dockerfiles: a path is a Dockerfile or a directory searched for Dockerfile,
 * Dockerfile.* and *.Dockerfile, in any letter case (`docker build` accepts `dockerfile`).
 * node_modules, .git and .devcontainer are not searched (a dev container's Dockerfile is not a
 * production image; one named on the command line is reported as skipped, see migrateFile());
 * directory symlinks are not followed, so a link loop cannot trap the walk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The directory of a dev container definition (VS Code, Codespaces): its Dockerfile builds a development environment. */
const DEVCONTAINER_DIR = '.devcontainer';

/** Is the path (a file path) inside a .devcontainer directory? */
export function inDevcontainer(file: string): boolean {
  return file.split(/[\\/]/).slice(0, -1).includes(DEVCONTAINER_DIR);
}

const NAME = /^(dockerfile(\.[^/]+)?|[^/]+\.dockerfile)$/i;
const NOT_DOCKERFILE = /\.(dockerignore|md|orig|rej|bak|swp|expected)$|~$/;
const SKIP = new Set(['node_modules', '.git', DEVCONTAINER_DIR]);

/** The reason given for a directory searched without finding a Dockerfile. */
export const NO_DOCKERFILE = 'no Dockerfile found in this directory';

function isDockerfileName(name: string): boolean {
  return NAME.test(name) && !NOT_DOCKERFILE.test(name);
}

export interface Discovered {
  files: string[];
  /** Paths that could not be searched, with a stable code (`not-found`, `unreadable`, `no-dockerfile`). */
  errors: { path: string; code: string; reason: string }[];
  /**
   * Every directory read (absolute path -> entries as read), so that the build contexts need not
   * be read again; empty when not asked for, or once more than `keepListingsUpTo` files were found.
   */
  listings: Map<string, fs.Dirent[]>;
}

export interface DiscoverOptions {
  /** Keep the directory listings while at most this many Dockerfiles have been found (default: none kept). */
  keepListingsUpTo?: number;
}

export function discover(paths: string[], cwd: string, opts: DiscoverOptions = {}): Discovered {
  const files: string[] = [];
  const errors: Discovered['errors'] = [];
  const listings: Discovered['listings'] = new Map();
  let keep = (opts.keepListingsUpTo ?? 0) > 0;
  const seen = new Set<string>();
  const push = (f: string) => {
    const key = path.resolve(cwd, f);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(f);
    }
  };
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A dangling or looping link is reported by migrateFile with its own reason.
      if (code === 'ELOOP') {
        push(p);
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
      push(p);
      continue;
    }
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
        if (keep) listings.set(dir, entries.slice());
      } catch (e) {
        errors.push({
          path: path.relative(cwd, dir) || dir,
          code: 'unreadable',
          reason: `cannot read the directory (${(e as NodeJS.ErrnoException).code})`,
        });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP.has(e.name) && depth < 40) walk(full, depth + 1);
        } else if ((e.isFile() || e.isSymbolicLink()) && isDockerfileName(e.name)) {
          found.push(full);
          // A batch this large goes to worker threads, which read their contexts themselves.
          if (keep && found.length + files.length > opts.keepListingsUpTo!) {
            keep = false;
            listings.clear();
          }
        }
      }
    };
    walk(abs, 0);
    if (!found.length) errors.push({ path: p, code: 'no-dockerfile', reason: NO_DOCKERFILE });
    for (const f of found) push(path.relative(cwd, f) || f);
  }
  return { files, errors, listings };
}
