/**
 * The one script walker: from command lines (a RUN, the container's start command) through what
 * they run: package scripts with their pre/post hooks, `npm run`/`yarn x`/`pnpm x`/`bun run`, the
 * lifecycle scripts of an install, npm-run-all/run-s/run-p and concurrently with their patterns,
 * `sh -c`, wrappers (env, exec, tini, cross-env, dotenv-cli, env-cmd, dotenvx, npx, dockerize,
 * wait-for-it), `cd`, other workspace packages (`--filter`, `-C`, `--workspace`, `--prefix`,
 * `yarn workspace`, `pnpm -r`, turbo) and script files (`./start.sh`).
 *
 * It reports what it meets as events, in the order the shell would run them: every command, every
 * script entered, scripts that are missing, and what it cannot follow. The models keep only their
 * own rules on top: what a command needs (start-path), writes (app-dir) or reads (build-reads).
 */
import { normalizePosix } from '../../dockerfile/parse.js';
import type { Project } from '../project/project.js';
import type { WorkspacePackage } from '../project/facts.js';
import {
  matchScripts,
  redirects as splitRedirects,
  shellWords,
  unwrap,
  unwrapOne,
  withoutKeywords,
  type Wrapper,
} from './command-line.js';
import { lifecycleScripts, pmCall, type Manager, type PmCall } from './package-manager.js';

/** A script of a package: `dir` is the package's folder ('' the root package). */
export interface ScriptRef {
  dir: string;
  name: string;
}

/** Where a walk starts: a command's words, and where it runs. */
export interface Root {
  words: readonly string[];
  /** The working directory (absolute); default: the walk's base. */
  cwd?: string;
  /** The 1-based line of the instruction it comes from, for the models' findings. */
  line?: number;
}

interface Base {
  /** The script whose body holds this command, or null for a root command (or one a wrapper runs). */
  via: ScriptRef | null;
  root: Root;
  /** The working directory (absolute, POSIX). */
  cwd: string;
  /** The package whose scripts apply here ('' the root package), or null when the directory is outside the project. */
  dir: string | null;
  /** How many scripts, wrappers and shells deep. */
  depth: number;
  /** The text for messages: `<hook>: <body>` inside a script, else the root command. */
  line: string;
}

export type WalkEvent =
  /** A simple command, after environment assignments, transparent wrappers (env, exec, tini), keywords and redirections. */
  | (Base & {
      kind: 'command';
      words: string[];
      /** Files its redirections write (`> out.txt`). */
      writes: string[];
      env: Record<string, string>;
      /** A package-manager call, read. */
      pm: PmCall | null;
      /** Is it followed further (a script, a wrapper, a shell, a runner), or is it a leaf? */
      expands: boolean;
    })
  /** A package script entered (each hook, and each lifecycle script of an install, is one). */
  | (Base & { kind: 'script'; ref: ScriptRef; body: string; hook: 'pre' | 'main' | 'post' | 'lifecycle' })
  /** `npm run x` where the package has no script x (npm fails; yarn/pnpm would run a binary). */
  | (Base & {
      kind: 'missing-script';
      ref: ScriptRef;
      words: string[];
      /** `yarn x`, `pnpm x`: the package manager then runs a binary of that name, which the walk follows. */
      implicit: boolean;
    })
  /** Something the walk cannot follow. */
  | (Base & { kind: 'unknown'; reason: UnknownReason; why: string; words: string[] });

export type UnknownReason =
  /** Runs scripts of another package (a target, a recursive run) and the walk does not follow packages. */
  | 'other-package'
  /** Runs in a directory outside the project, or a package that cannot be found. */
  | 'outside'
  /** A selector (filter, task runner) whose packages cannot be told. */
  | 'selector'
  /** Nested too deeply. */
  | 'depth';

export interface WalkOptions {
  /** Follow install lifecycle scripts (preinstall, install, postinstall, prepare, ...). Default true. */
  lifecycle?: boolean;
  /** Follow scripts of other workspace packages (targets, recursive runs, turbo); else report them unknown. Default true. */
  workspaces?: boolean;
  /** Follow shell script files the project holds (`./start.sh`). Default false. */
  scriptFiles?: boolean;
  /** The absolute directory the project root is at (the app directory). Default '/'. */
  base?: string;
  /** Is yarn the yarn 2+ (berry)? Its installs run fewer lifecycle scripts. */
  berry?: boolean;
}

/** How deep scripts, wrappers and shells nest before the walk stops. */
export const MAX_DEPTH = 12;

/** Shells whose `-c` text is followed. */
const SHELLS = /^(sh|bash|ash|dash|zsh)$/;
/** Runners of scripts by pattern. */
const RUN_ALL = /^(npm-run-all2?|run-s|run-p)$/;
// prettier-ignore
const CONCURRENTLY_VALUED = new Set([
  '-n', '--names', '-c', '--prefix-colors', '-p', '--prefix', '-s', '--success', '-t', '--timestamp-format',
  '--restart-tries', '--restart-after', '-m', '--max-processes', '--hide', '--default-input-target',
  '--name-separator', '-l', '--prefix-length', '-k', '--kill-signal', '--handle-input',
]);

/**
 * Walks command lines of one project. The scripts it has entered are remembered across the roots it
 * is given (a script two RUN instructions run is followed once), so one walker serves one question.
 */
export class ScriptWalker {
  private readonly seen = new Set<string>();
  private readonly opts: Required<WalkOptions>;
  constructor(
    readonly project: Project,
    opts: WalkOptions = {},
  ) {
    this.opts = {
      lifecycle: opts.lifecycle ?? true,
      workspaces: opts.workspaces ?? true,
      scriptFiles: opts.scriptFiles ?? false,
      base: normalizePosix(opts.base ?? '/'),
      berry: opts.berry ?? project.facts.manager === 'yarn-berry',
    };
  }

  /** The events of one root command line, in order. */
  walk(root: Root): WalkEvent[] {
    const out: WalkEvent[] = [];
    const cwd = root.cwd ? normalizePosix(root.cwd) : this.opts.base;
    this.command(out, [...root.words], { via: null, root, cwd, dir: this.dirOf(cwd), depth: 0, line: root.words.join(' ') });
    return out;
  }

  /**
   * The events of a list of commands that run one after another in one shell (the simple commands of a
   * RUN): a `cd` in one changes the directory of those after it.
   */
  walkList(list: readonly (readonly string[])[], root: Omit<Root, 'words'> = {}): WalkEvent[] {
    const out: WalkEvent[] = [];
    let cwd = root.cwd ? normalizePosix(root.cwd) : this.opts.base;
    for (const words of list) {
      const r: Root = { ...root, words };
      cwd = this.command(out, [...words], { via: null, root: r, cwd, dir: this.dirOf(cwd), depth: 0, line: words.join(' ') });
    }
    return out;
  }

  /** The events of every root, in order, with scripts followed once across them. */
  walkAll(roots: readonly Root[]): WalkEvent[] {
    return roots.flatMap((r) => this.walk(r));
  }

  /** The package folder whose scripts apply in `cwd` ('' the root), or null when `cwd` is outside the project. */
  private dirOf(cwd: string): string | null {
    const base = this.opts.base;
    if (cwd === base) return '';
    if (!cwd.startsWith(base === '/' ? '/' : `${base}/`)) return null;
    let rel = cwd.slice(base === '/' ? 1 : base.length + 1);
    // npm, yarn and pnpm run the scripts of the nearest package.json up from the working directory.
    while (rel) {
      if (this.project.workspace.manifestOrNull(rel) !== null) return rel;
      rel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    }
    return '';
  }

  /** A list of commands (a script body, `sh -c` text): `cd` changes the directory for the commands after it. */
  private commands(out: WalkEvent[], list: string[][], at: Base): void {
    let cwd = at.cwd;
    for (const words of list) cwd = this.command(out, words, { ...at, cwd, dir: this.dirOf(cwd) });
  }

  /** Follow one simple command; returns the working directory after it (a `cd` changes it). */
  private command(out: WalkEvent[], raw: string[], at: Base): string {
    const kept = withoutKeywords(raw);
    if (!kept) return at.cwd;
    const { words: noRedirect, targets } = splitRedirects(kept);
    const un = unwrap(noRedirect, true);
    const w = un.words;
    if (!w.length) return at.cwd;
    if (at.depth > MAX_DEPTH) {
      out.push({ ...at, kind: 'unknown', reason: 'depth', why: 'the scripts nest too deeply to follow', words: w });
      return at.cwd;
    }
    const bin = w[0].replace(/^.*\//, '');
    if (bin === 'cd') {
      const to = w[1] ?? '/root';
      return to.startsWith('/') ? normalizePosix(to) : normalizePosix(`${at.cwd}/${to}`);
    }
    const pm = pmCall(w);
    const event = { ...at, kind: 'command' as const, words: w, writes: targets, env: un.env, pm, expands: true };
    out.push(event);
    const deeper: Base = { ...at, depth: at.depth + 1 };
    // A wrapper of its own (cross-env, dotenv-cli, npx, dockerize): the command it runs.
    const wrapped = unwrapOne(w);
    if (wrapped) {
      if (wrapped.shell !== null) this.commands(out, shellWords(wrapped.shell), deeper);
      else if (wrapped.words.length) this.command(out, wrapped.words, deeper);
      else event.expands = false;
      return at.cwd;
    }
    if (SHELLS.test(bin) && w[1] === '-c' && w[2] !== undefined) {
      this.commands(out, shellWords(w[2]), deeper);
      return at.cwd;
    }
    if (pm) {
      if (!this.pm(out, pm, w, at)) event.expands = false;
      return at.cwd;
    }
    if (RUN_ALL.test(bin)) {
      this.runAll(out, w, at);
      return at.cwd;
    }
    if (bin === 'concurrently') {
      this.concurrently(out, w, at);
      return at.cwd;
    }
    if (bin === 'turbo' && this.opts.workspaces && isTurboRun(w) && this.turbo(out, w, at)) return at.cwd;
    if (this.opts.scriptFiles && (/\.(sh|bash)$/.test(bin) || w[0].startsWith('./'))) {
      const rel = this.contextPath(w[0].startsWith('/') ? w[0] : `${at.cwd}/${w[0]}`);
      const body = rel === null ? null : this.project.read(rel);
      if (body !== null) {
        for (const c of shellWords(body.replace(/^#!.*\n/, '')))
          this.command(out, c, { ...deeper, line: `${w[0]}: ${c.join(' ')}` });
        return at.cwd;
      }
    }
    event.expands = false;
    return at.cwd;
  }

  /** A context-relative path for an absolute one inside the project, or null. */
  private contextPath(abs: string): string | null {
    const p = normalizePosix(abs);
    const base = this.opts.base;
    if (!p.startsWith(base === '/' ? '/' : `${base}/`)) return null;
    return p.slice(base === '/' ? 1 : base.length + 1);
  }

  /** A package-manager call: scripts, binaries, lifecycle scripts. Returns false when it runs nothing the walk follows. */
  private pm(out: WalkEvent[], pm: PmCall, w: string[], at: Base): boolean {
    const deeper: Base = { ...at, depth: at.depth + 1 };
    // Which packages it runs in.
    let dirs: (string | null)[] = [at.dir];
    if (pm.targets.length || pm.recursive) {
      const resolved = this.targets(pm, at);
      if (!this.opts.workspaces) {
        if (pm.verb === 'run' || pm.verb === 'test' || pm.verb === 'start' || pm.verb === 'exec' || pm.verb === 'foreach') {
          out.push({
            ...at,
            kind: 'unknown',
            reason: 'other-package',
            why: `\`${w.join(' ')}\` runs in another package`,
            words: w,
          });
          return true;
        }
        // An install or other call with targets: not a script run.
        return false;
      }
      if (resolved === null) {
        out.push(unknownSelector(at, w));
        return true;
      }
      dirs = resolved;
    } else if (at.dir !== '' && at.dir !== null && !this.opts.workspaces) {
      if (pm.verb === 'run' || pm.verb === 'test' || pm.verb === 'start') {
        out.push({
          ...at,
          kind: 'unknown',
          reason: 'other-package',
          why: `\`${w.join(' ')}\` runs outside the app directory, in another package`,
          words: w,
        });
        return true;
      }
    }
    switch (pm.verb) {
      case 'install':
      case 'ci': {
        if (!this.opts.lifecycle || pm.ignoreScripts || pm.operands.length || pm.global) return false;
        let any = false;
        for (const dir of dirs) {
          if (dir === null || (dir !== '' && !this.opts.workspaces)) continue;
          const scripts = this.project.scripts(dir);
          for (const name of lifecycleScripts(pm.manager, pm.verb, this.opts.berry)) {
            if (typeof scripts[name] !== 'string') continue;
            any = true;
            this.enter(out, { dir, name }, 'lifecycle', [], { ...deeper, dir, cwd: this.cwdOf(dir, at.cwd) });
          }
        }
        return any;
      }
      case 'exec':
        if (!pm.command?.length) return false;
        for (const dir of dirs)
          this.command(out, pm.command, { ...deeper, dir, cwd: dir === null ? at.cwd : this.cwdOf(dir, at.cwd) });
        return true;
      case 'run':
      case 'test':
      case 'start':
      case 'foreach':
        break;
      default:
        return false;
    }
    const name = pm.script;
    if (name === null) return false;
    for (const dir of dirs) {
      if (dir === null) {
        out.push({ ...at, kind: 'unknown', reason: 'outside', why: `\`${w.join(' ')}\` runs outside the project`, words: w });
        continue;
      }
      const here: Base = { ...deeper, dir, cwd: this.cwdOf(dir, at.cwd) };
      const scripts = this.project.scripts(dir);
      if (typeof scripts[name] === 'string') {
        this.run(out, { dir, name }, pm.rest, here);
        continue;
      }
      // A run in every package (pnpm -r, npm --workspaces, yarn workspaces foreach) skips those without the script.
      if (pm.recursive || pm.verb === 'foreach') continue;
      // npm start (and npm run start) without a start script runs `node server.js`, when there is one.
      if (name === 'start' && pm.manager === 'npm' && this.project.workspace.has(dir ? `${dir}/server.js` : 'server.js')) {
        this.command(out, ['node', 'server.js', ...pm.rest], here);
        continue;
      }
      if (pm.implicit && pm.command) {
        // `yarn vite build`, `pnpm tsc`, `bun server.ts`: a binary or a file.
        out.push({ ...at, kind: 'missing-script', ref: { dir, name }, words: w, implicit: true });
        this.command(out, pm.command, here);
        continue;
      }
      out.push({ ...at, kind: 'missing-script', ref: { dir, name }, words: w, implicit: false });
    }
    return true;
  }

  /** The working directory of a package's scripts. */
  private cwdOf(dir: string, fallback: string): string {
    return dir === '' ? this.opts.base : normalizePosix(`${this.opts.base}/${dir}`) || fallback;
  }

  /** The folders of the packages a call targets, or null when a selector cannot be read. */
  private targets(pm: PmCall, at: Base): (string | null)[] | null {
    const ws = this.project.workspace;
    if (pm.recursive && !pm.targets.some((t) => t.by === 'filter')) return ws.packages.map((p) => p.dir);
    const out: (string | null)[] = [];
    const filters = pm.targets.filter((t) => t.by === 'filter').map((t) => t.value);
    if (filters.length) {
      const sel = ws.select(filters, false);
      if (!sel) return null;
      out.push(...sel.map((p) => p.dir));
    }
    for (const t of pm.targets) {
      if (t.by === 'filter') continue;
      if (t.by === 'dir') {
        const abs = t.value.startsWith('/') ? normalizePosix(t.value) : normalizePosix(`${at.cwd}/${t.value}`);
        out.push(this.dirOf(abs));
        continue;
      }
      // npm --workspace takes a folder or a name; yarn workspace a name.
      const value = t.value.replace(/^\.\//, '').replace(/\/+$/, '');
      const p: WorkspacePackage | undefined =
        (t.by === 'workspace' ? ws.byDir(value) : undefined) ?? ws.byName(t.value) ?? undefined;
      if (p) out.push(p.dir);
      else if (t.by === 'workspace' && ws.manifestOrNull(value) !== null) out.push(value);
      else return null;
    }
    return out;
  }

  /** A script with its pre and post hooks; `args` go to the main script's last command. */
  private run(out: WalkEvent[], ref: ScriptRef, args: readonly string[], at: Base): void {
    const scripts = this.project.scripts(ref.dir);
    for (const [hook, name] of [
      ['pre', `pre${ref.name}`],
      ['main', ref.name],
      ['post', `post${ref.name}`],
    ] as const) {
      if (typeof scripts[name] !== 'string') continue;
      this.enter(out, { dir: ref.dir, name }, hook, hook === 'main' ? args : [], at);
    }
  }

  /** Enter one script (once per walker) and follow its body. */
  private enter(
    out: WalkEvent[],
    ref: ScriptRef,
    hook: 'pre' | 'main' | 'post' | 'lifecycle',
    args: readonly string[],
    at: Base,
  ): void {
    const key = `${ref.dir}:${ref.name}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const body = this.project.scripts(ref.dir)[ref.name];
    out.push({ ...at, kind: 'script', ref, body, hook });
    const list = shellWords(body);
    if (args.length && list.length) list[list.length - 1] = [...list[list.length - 1], ...args];
    const line = `${ref.dir ? `${ref.dir} ` : ''}${ref.name}: ${body}`;
    this.commands(out, list, { ...at, via: ref, line, depth: at.depth + 1 });
  }

  /** npm-run-all, run-s, run-p: the scripts its patterns name, each as `npm run <name>` (hooks included). */
  private runAll(out: WalkEvent[], w: string[], at: Base): void {
    if (at.dir === null) return;
    const scripts = this.project.scripts(at.dir);
    const names: string[] = [];
    for (let i = 1; i < w.length; i++) {
      const v = w[i];
      if (v === '--') break;
      if (v.startsWith('-')) {
        if (/^(--max-parallel|--npm-path)$/.test(v)) i++;
        continue;
      }
      // `build:* -- --watch` arrives as one word when quoted.
      for (const n of matchScripts(scripts, v.split(/\s+/)[0])) if (!names.includes(n)) names.push(n);
    }
    for (const n of names) this.run(out, { dir: at.dir, name: n }, [], { ...at, depth: at.depth + 1 });
  }

  /** concurrently: `npm:x` (and yarn:, pnpm:, bun:) names scripts by pattern; other arguments are command lines. */
  private concurrently(out: WalkEvent[], w: string[], at: Base): void {
    const deeper = { ...at, depth: at.depth + 1 };
    for (let i = 1; i < w.length; i++) {
      const v = w[i];
      if (v.startsWith('-')) {
        if (CONCURRENTLY_VALUED.has(v)) i++;
        continue;
      }
      const m = /^(npm|yarn|pnpm|bun):(\S+)/.exec(v);
      if (m && at.dir !== null) {
        for (const n of matchScripts(this.project.scripts(at.dir), m[2])) this.run(out, { dir: at.dir, name: n }, [], deeper);
      } else this.commands(out, shellWords(v), deeper);
    }
  }

  /** `turbo run build --filter=api`: the task's script in each package it selects (and their dependencies when turbo.json says ^task). */
  private turbo(out: WalkEvent[], w: string[], at: Base): boolean {
    const ws = this.project.workspace;
    if (!ws.packages.length) return false;
    const filters: string[] = [];
    const tasks: string[] = [];
    for (let i = 1; i < w.length; i++) {
      const m = /^(--filter|-F)(?:=(.*))?$/.exec(w[i]);
      if (m) {
        filters.push(m[2] ?? w[++i] ?? '');
        continue;
      }
      if (w[i] === '--') break;
      if (w[i].startsWith('-')) {
        if (/^(--concurrency|--cache-dir|--log-prefix|--output-logs|--env-mode|--log-order)$/.test(w[i])) i++;
        continue;
      }
      if (w[i] !== 'run') tasks.push(w[i]);
    }
    for (const task of tasks) {
      const sel = filters.length ? ws.select(filters, ws.turboDependsOnDeps(task)) : ws.packages;
      if (!sel) {
        out.push(unknownSelector(at, w));
        continue;
      }
      for (const p of sel)
        if (typeof ws.scripts(p.dir)[task] === 'string')
          this.run(out, { dir: p.dir, name: task }, [], {
            ...at,
            depth: at.depth + 1,
            dir: p.dir,
            cwd: this.cwdOf(p.dir, at.cwd),
          });
    }
    return true;
  }
}

/** A selector (a filter, turbo's packages) whose packages cannot be told. */
function unknownSelector(at: Base, w: string[]): WalkEvent {
  return {
    ...at,
    kind: 'unknown',
    reason: 'selector',
    why: `\`${w.join(' ')}\`: which packages it runs in cannot be told`,
    words: w,
  };
}

/** turbo's own commands: `turbo prune`, `turbo login` do not run tasks. */
const TURBO_COMMANDS = new Set([
  'prune',
  'login',
  'logout',
  'link',
  'unlink',
  'daemon',
  'gen',
  'generate',
  'ls',
  'info',
  'telemetry',
  'bin',
  'completion',
  'query',
  'watch',
  'scan',
  'boundaries',
  'devtools',
]);

/** `turbo run build`, `turbo build`: a run of tasks (not `turbo prune web --docker`). */
function isTurboRun(w: readonly string[]): boolean {
  const first = w.slice(1).find((x) => !x.startsWith('-'));
  return first !== undefined && !TURBO_COMMANDS.has(first);
}

/** Every command a root reaches, as events, with a fresh walker. */
export function walkScripts(project: Project, roots: readonly Root[], opts?: WalkOptions): WalkEvent[] {
  return new ScriptWalker(project, opts).walkAll(roots);
}

/**
 * Every package.json script that `npm run <name>` (or `yarn`, `pnpm`, `bun run`) reaches in the root
 * package: the script with its hooks and, recursively, the scripts its commands run. In the order
 * reached; only scripts that exist.
 */
export function scriptClosure(project: Project, name: string): string[] {
  return walkScripts(project, [{ words: ['npm', 'run', name] }])
    .filter((e) => e.kind === 'script' && e.ref.dir === '')
    .map((e) => (e as { ref: ScriptRef }).ref.name);
}

export type { Wrapper };

/** One lifecycle script an install runs: its package's folder ('' the root), name and body. */
export interface InstallScript {
  dir: string;
  name: string;
  body: string;
}

/**
 * The lifecycle scripts an install by `manager` runs in the packages in `dirs` ('' the root), in
 * order, and the folders whose package.json does not parse (an install may run anything there).
 */
export function installScripts(
  project: Project,
  manager: Manager,
  dirs: readonly string[],
  berry = false,
): { scripts: InstallScript[]; unreadable: string[] } {
  const scripts: InstallScript[] = [];
  const unreadable: string[] = [];
  const names = lifecycleScripts(manager, 'install', berry);
  for (const dir of dirs) {
    const file = dir ? `${dir}/package.json` : 'package.json';
    if (dir !== '' && project.read(file) !== null && project.workspace.manifestOrNull(dir) === null) {
      unreadable.push(dir);
      continue;
    }
    const own = project.scripts(dir);
    for (const name of names) if (typeof own[name] === 'string') scripts.push({ dir, name, body: own[name] });
  }
  return { scripts, unreadable };
}
