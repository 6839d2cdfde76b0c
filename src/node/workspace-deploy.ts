/**
 * `pnpm deploy` for the one package a pnpm workspace's image runs: the decision that the runtime stage
 * receives that package's production closure (its files, its production dependencies, the workspace
 * packages it depends on with their built output) instead of the whole workspace.
 *
 * It applies when the start runs one workspace package's file directly (`node apps/api/dist/server.js`)
 * and the build stage builds what that package and its workspace dependencies need. `pnpm deploy` copies
 * each package's files as publishing would (npm-packlist 5 in pnpm 8 to 10: the `files` field, else
 * .npmignore, else .gitignore, folder by folder) and installs the closure in an isolated node_modules. It
 * must therefore keep every file the app runs: the entry, each workspace dependency's `main`/`exports`, the
 * build output, what the sources name; and the app must read nothing outside its package at run time
 * (files at the workspace root, .env read from the working directory, another package's folder).
 *
 * The runtime stage keeps the workspace layout: the deployed folder lands at the package's own path in
 * the app directory, so the start command, its working directory and every path inside the package stay
 * as they were.
 *
 * Versions: pnpm 8 and 9 deploy as described; pnpm 10 deploys only a workspace with
 * `inject-workspace-packages` (then from the shared lockfile) unless given `--legacy` (the implementation
 * of 8 and 9), which lifts that requirement from pnpm 10.3.0 on. Another version, or one that is not
 * pinned, makes the behaviour unknown.
 */
import { normalizePosix, type ParsedDockerfile, type Stage } from '../dockerfile/parse.js';
import { covering, globToRegExp } from '../dockerfile/query.js';
import { parse as parseYaml } from 'yaml';
import semver from 'semver';
import { gatherFacts, type FileSource, type ProjectFacts, type WorkspacePackage } from './facts.js';
import { classifyRun, stageChain, stagePnpmVersion } from './commands.js';
import { scriptOutputs, type Created } from './app-dir.js';
import { isDevEntry, namedBySources } from './app-files.js';
import { envFiles, envLibraryFiles } from './build-reads.js';
import { plainNodeCall, type StartPath } from './start-path.js';
import { tokenizeShell } from '../dockerfile/shell.js';

/** Why `pnpm deploy` is not used although the start runs one workspace package (the workspace reinstall stays). */
export type DeployHoldCode =
  | 'deploy-start-shape'
  | 'deploy-pnpm-version'
  | 'deploy-node-linker'
  | 'deploy-output-unknown'
  | 'deploy-publish-rules'
  | 'deploy-reads-outside-package';

export type WorkspaceDeploy =
  | {
      kind: 'deploy';
      /** The package's folder, relative to the context (and to the app directory). */
      dir: string;
      /** The folder `pnpm deploy` writes, outside the app directory. */
      target: string;
      /** The deploy command, run in the app directory after the build. */
      command: string;
      /** What the start runs. */
      start: string;
      /** Files of the workspace root the start needs besides the package (pnpm's package.json and pnpm-workspace.yaml). */
      rootFiles: string[];
    }
  | { kind: 'hold'; code: DeployHoldCode; why: string };

interface Manifest {
  name?: unknown;
  main?: unknown;
  exports?: unknown;
  files?: unknown;
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, unknown>;
}

const MODULE_FLAGS = /^(-r|--require|--import|--loader|--experimental-loader|--env-file|--env-file-if-exists)(=|$)/;
const WORKSPACE_TASK_RUNNERS = /^(nx|lerna|rush|moon|wireit|ultra)$/;
const MAX_DEPTH = 6;

/**
 * Does the runtime stage receive `pnpm deploy`'s closure of the package the start runs? The deploy, a
 * hold-back with its reason when the start runs one workspace package but something is unsure, or null
 * when the question does not arise (not a pnpm workspace, a start that runs no workspace package's file).
 */
export function workspaceDeploy(
  doc: ParsedDockerfile,
  stage: Stage,
  start: StartPath,
  facts: ProjectFacts,
  appDir: string,
): WorkspaceDeploy | null {
  if (facts.manager !== 'pnpm' || !facts.workspaces || !facts.workspacePackages || !facts.files) return null;
  const ws = new Workspace(facts);
  const hold = (code: DeployHoldCode, why: string): WorkspaceDeploy => ({ kind: 'hold', code, why });

  // 1. The start: one `node <file>` of a workspace package, nothing around it.
  const started = startedPackage(start, ws, appDir);
  if (!started) return null;
  const { pkg, entry, line, rootFiles } = started;
  if (started.shape) return hold('deploy-start-shape', started.shape);

  // 2. The pnpm that deploys, and settings that change what deploy does.
  const version = stagePnpmVersion(doc, stage, facts);
  if (!version || version === 'latest')
    return hold(
      'deploy-pnpm-version',
      "the pnpm version is not pinned (packageManager field with corepack, or a global install of pnpm@<version>), and `pnpm deploy`'s behaviour depends on it (pnpm 10 needs inject-workspace-packages or --legacy)",
    );
  const major = semver.major(version);
  if (major < 8 || major > 10)
    return hold('deploy-pnpm-version', `\`pnpm deploy\` is known from pnpm 8 to 10, and this stage runs pnpm ${version}`);
  const settings = ws.settings();
  // pnpm 10 deploys a workspace that injects its packages; `--legacy` does so without them from 10.3.0 on.
  if (major === 10 && !settings.inject && semver.lt(version, '10.3.0'))
    return hold(
      'deploy-pnpm-version',
      `pnpm ${version} deploys only a workspace with inject-workspace-packages=true, and its --legacy does not lift that (pnpm 10.3.0 and later do)`,
    );
  if (settings.nodeLinker && settings.nodeLinker !== 'isolated')
    return hold(
      'deploy-node-linker',
      `node-linker=${settings.nodeLinker}: \`pnpm deploy\` does not install from the lockfile with it`,
    );

  // 3. The closure: the package and the workspace packages it depends on in production.
  const closure = ws.closure(pkg);

  // 4. What the build builds, and whether each package's runtime files exist after it and survive deploy's copy.
  const built = builtScripts(doc, stage, ws);
  for (const q of closure) {
    const sf = ws.scoped(q.dir);
    const manifest = ws.manifest(q.dir);
    const needed = q === pkg ? [entry] : manifestEntries(manifest);
    const created: Created[] = [];
    const unknown: string[] = [];
    for (const script of built.scripts.get(q.dir) ?? []) {
      const out = scriptOutputs(sf, script);
      created.push(...out.created);
      if (out.unknown) unknown.push(`its \`${script}\` script: ${out.unknown}`);
    }
    for (const f of needed) {
      const inContext = resolveContext(ws, q.dir, f);
      const made = created.some((c) => (c.type === 'file' ? c.path === f : covering(c.path)(f)));
      if (inContext === null && !made) {
        const why = unknown[0] ?? built.unknown[0];
        return hold(
          'deploy-output-unknown',
          why
            ? `${q.dir}/${f} is not in the build context, and what the build makes in ${q.dir} cannot be told (${why})`
            : `${q.dir}/${f} is neither in the build context nor made by the build's scripts`,
        );
      }
    }
    if (settings.deployAllFiles) continue;
    const checks: [string, boolean][] = [
      ...needed.map((f): [string, boolean] => [resolveContext(ws, q.dir, f) ?? f, false]),
      ...created.map((c): [string, boolean] => [c.path, c.type !== 'file']),
    ];
    // What the package's sources name inside it (views/, templates, data files): read at run time.
    for (const p of namedBySources(sf, new Set())) if (!isDevEntry(p.split('/')[0])) checks.push([p, ws.isDir(`${q.dir}/${p}`)]);
    for (const [f, isDir] of checks) {
      const drop = ws.publishDrop(q.dir, manifest, f, isDir);
      if (drop)
        return hold(
          'deploy-publish-rules',
          `\`pnpm deploy\` copies a package's files as publishing would, and ${q.dir}/${f} would be left out: ${drop}`,
        );
    }
  }

  // 5. Nothing read outside the package at run time.
  const outside = readsOutside(doc, start, ws, closure, pkg);
  if (outside) return hold('deploy-reads-outside-package', outside);

  const name = typeof ws.manifest(pkg.dir).name === 'string' ? (ws.manifest(pkg.dir).name as string) : null;
  const selector = name && /^[\w@./-]+$/.test(name) ? name : `./${pkg.dir}`;
  const legacy = major === 10 && !settings.inject && !settings.forceLegacy;
  const target = `/prod/${pkg.dir.replace(/^.*\//, '')}`;
  return {
    kind: 'deploy',
    dir: pkg.dir,
    target,
    command: `pnpm deploy --filter=${selector} --prod${legacy ? ' --legacy' : ''} ${target}`,
    start: line,
    rootFiles,
  };
}

/** The workspace package whose file the start runs with node, the file relative to it, and why the start's shape rules deploy out. */
function startedPackage(
  start: StartPath,
  ws: Workspace,
  appDir: string,
): { pkg: WorkspacePackage; entry: string; line: string; shape: string | null; rootFiles: string[] } | null {
  // Through a package's own script (pnpm --filter api start, pnpm -C apps/api start).
  // pnpm then needs the root's package.json (its packageManager field, for corepack) and pnpm-workspace.yaml
  // (for --filter) besides the package: the runtime stage receives them too.
  const script = start.packageScripts.find((s) => ws.byDir(s.dir));
  if (script) {
    const pkg = ws.byDir(script.dir)!;
    const line = start.commands[0]?.join(' ') ?? '';
    const held = (shape: string) => ({ pkg, entry: '', line, shape, rootFiles: [] });
    const body = ws.manifest(pkg.dir).scripts?.[script.script];
    const plain = plainNodeCall(typeof body === 'string' ? body : undefined);
    if (!('entry' in plain)) return held(`the start runs ${pkg.dir}'s ${script.script} script through pnpm, and ${plain.why}`);
    if (
      start.packageScripts.length !== 1 ||
      start.scripts.length ||
      start.commands.length !== 2 ||
      start.commands[0][0] !== 'pnpm' ||
      [...start.managers].some((m) => m !== 'pnpm')
    )
      return held(
        `the start reaches ${pkg.dir}'s ${script.script} script through \`${line}\`${start.scripts.length ? ` and the root's ${start.scripts.join(', ')} script` : ''}, and only \`pnpm --filter <package> ${script.script}\` or \`pnpm -C <folder> ${script.script}\` itself is known to need nothing but the root's package.json and pnpm-workspace.yaml`,
      );
    if (ws.has('.npmrc'))
      return held(
        `the start runs pnpm, which reads the workspace's .npmrc (settings, maybe credentials), and the runtime stage would receive the package without it`,
      );
    return {
      pkg,
      entry: plain.entry,
      line,
      shape: null,
      rootFiles: ['package.json', 'pnpm-workspace.yaml'].filter((f) => ws.has(f)),
    };
  }
  for (const w of start.commands) {
    if (!/^(node|nodejs)$/.test(w[0].replace(/^.*\//, ''))) continue;
    let file: string | null = null;
    let loads: string | null = null;
    for (let i = 1; i < w.length; i++) {
      if (w[i].startsWith('-')) {
        if (MODULE_FLAGS.test(w[i])) loads ??= w[i].includes('=') ? w[i] : `${w[i]} ${w[++i] ?? ''}`;
        continue;
      }
      file = w[i];
      break;
    }
    if (!file || /[$`*?]/.test(file)) continue;
    const abs = file.startsWith('/') ? normalizePosix(file) : normalizePosix(`${appDir}/${file}`);
    if (!abs.startsWith(`${appDir}/`)) continue;
    const rel = abs.slice(appDir.length + 1);
    const pkg = ws.containing(rel);
    if (!pkg) continue;
    const line = w.join(' ');
    const entry = rel.slice(pkg.dir.length + 1);
    if (start.commands.length !== 1 || start.scripts.length || start.managers.size)
      return {
        pkg,
        entry,
        line,
        rootFiles: [],
        shape: `the start reaches \`${line}\` through ${start.scripts.length ? `the root's ${start.scripts.join(', ')} script` : `\`${start.commands[0].join(' ')}\``}, which the deployed package alone would not have; a start with \`${line}\` itself would deploy the package alone`,
      };
    if (loads)
      return {
        pkg,
        entry,
        line,
        rootFiles: [],
        shape: `\`${loads}\` loads a module or file from the working directory ${appDir}, which holds the deployed package only`,
      };
    return { pkg, entry, line, shape: null, rootFiles: [] };
  }
  return null;
}

/** Why the app reads something outside the package at run time, or null. */
function readsOutside(
  doc: ParsedDockerfile,
  start: StartPath,
  ws: Workspace,
  closure: readonly WorkspacePackage[],
  pkg: WorkspacePackage,
): string | null {
  const facts = ws.facts;
  const inside = (p: string) => p === pkg.dir || p.startsWith(`${pkg.dir}/`);
  for (const f of start.runtimeFiles)
    if (!inside(f.path)) return `${f.path} is ${f.why}, outside ${pkg.dir}, which is all that \`pnpm deploy\` copies`;
  const present = (f: string) => facts.topLevel.has(f) && !facts.ignored(f);
  for (const u of envFiles(doc, facts))
    if (u.run.length && !u.machineLocal && present(u.file))
      return `${u.file} at the workspace root is read at run time (${u.run.join(', ')}), and the deployed package does not hold it`;
  for (const q of closure) {
    const m = ws.manifest(q.dir);
    const deps = Object.fromEntries(
      Object.entries({ ...(m.dependencies ?? {}), ...(m.optionalDependencies ?? {}) }).map(([k, v]) => [k, String(v)]),
    );
    const read = envLibraryFiles(deps).filter(present);
    if (read.length)
      return `${q.dir} loads env files from the working directory (${Object.keys(deps)
        .filter((d) => envLibraryFiles({ [d]: '*' }).length)
        .join(', ')}), and ${read.join(', ')} at the workspace root would not be in the deployed image`;
  }
  // Paths the closure's sources name outside every package of the closure (../../frontend/dist, a root config/).
  const inClosure = (f: string) => closure.some((q) => f.startsWith(`${q.dir}/`));
  const sourceOf = (f: string) => {
    const q = closure.find((x) => f.startsWith(`${x.dir}/`));
    return q !== undefined && !isDevEntry(f.slice(q.dir.length + 1).split('/')[0]);
  };
  for (const p of namedBySources(facts, new Set(), sourceOf))
    if (!inClosure(`${p}/`) && !closure.some((q) => q.dir === p || q.dir.startsWith(`${p}/`)))
      return `the sources of the deployed packages (${closure.map((q) => q.dir).join(', ')}) name ${p}, outside them`;
  // Paths that climb out of their package: '../../frontend/dist', join(__dirname, '..', '..', 'frontend').
  for (const q of closure) {
    for (const f of facts.files ?? []) {
      if (!f.startsWith(`${q.dir}/`) || !sourceOf(f) || !SOURCE.test(f) || /\.d\.[cm]?ts$|\.(test|spec)\.[cm]?[jt]sx?$/.test(f))
        continue;
      const inPkg = f.slice(q.dir.length + 1);
      const depth = inPkg.split('/').length - 1;
      const climb = climbOf(facts.read(f) ?? '');
      if (climb && climb.up > depth)
        return `${q.dir}/${inPkg} reaches outside its package (\`${climb.text}\`), and the deployed image holds the deployed packages only`;
    }
  }
  return null;
}

const SOURCE = /\.(m?[jt]sx?|cjs|cts)$/;

/** The deepest climb to parent folders a source names: a '../../x' literal or `join(__dirname, '..', '..')`. */
function climbOf(text: string): { up: number; text: string } | null {
  let best: { up: number; text: string } | null = null;
  const see = (up: number, t: string) => {
    if (!best || up > best.up) best = { up, text: t };
  };
  for (const m of text.matchAll(/["'`]((?:\.\.\/)+\.?\.?)/g)) see(m[1].split('/').filter((x) => x === '..').length, m[0]);
  for (const m of text.matchAll(/\b(?:join|resolve)\(\s*(?:__dirname|import\.meta\.dirname)((?:\s*,\s*["']\.\.["'])+)/g))
    see((m[1].match(/\.\./g) ?? []).length, m[0]);
  return best;
}

/** The files a package's manifest points at for Node.js: `exports` targets (types left out), else `main` (index.js). */
function manifestEntries(m: Manifest): string[] {
  const out: string[] = [];
  const add = (t: string) => {
    if (/\.d\.[cm]?ts$/.test(t) || t.includes('*')) return;
    const n = normalizePosix(`/${t}`).slice(1);
    if (n && !n.startsWith('..') && !out.includes(n)) out.push(n);
  };
  const walk = (v: unknown, key: string) => {
    if (key === 'types' || key === 'typings') return;
    if (typeof v === 'string') add(v);
    else if (Array.isArray(v)) for (const x of v) walk(x, '');
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  if (m.exports !== undefined && m.exports !== null) walk(m.exports, '');
  else add(typeof m.main === 'string' && m.main.trim() ? m.main : 'index.js');
  return out;
}

/** The context file a package-relative module path names (Node's extensions tried), or null. */
function resolveContext(ws: Workspace, dir: string, f: string): string | null {
  for (const c of [f, `${f}.js`, `${f}.cjs`, `${f}.mjs`, `${f}.json`, `${f}/index.js`]) if (ws.has(`${dir}/${c}`)) return c;
  return null;
}

/** The package scripts the build stage runs in workspace packages, by folder, and build steps whose reach cannot be told. */
function builtScripts(
  doc: ParsedDockerfile,
  stage: Stage,
  ws: Workspace,
): { scripts: Map<string, Set<string>>; unknown: string[] } {
  const scripts = new Map<string, Set<string>>();
  const unknown: string[] = [];
  const run = (p: WorkspacePackage, script: string) => {
    if (typeof ws.manifest(p.dir).scripts?.[script] !== 'string') return;
    let s = scripts.get(p.dir);
    if (!s) scripts.set(p.dir, (s = new Set()));
    s.add(script);
  };
  const rootScripts = ws.facts.packageJson?.scripts ?? {};
  const follow = (w: string[], depth: number): void => {
    while (w.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0])) w = w.slice(1);
    if (!w.length || depth > MAX_DEPTH) return;
    const bin = w[0].replace(/^.*\//, '');
    const text = w.join(' ');
    if (bin === 'npx' || bin === 'pnpx' || bin === 'bunx')
      return follow(
        w.slice(1).filter((x) => !x.startsWith('-')),
        depth + 1,
      );
    if (bin === 'turbo') {
      const { filters, args } = readFlags(w, ['--filter', '-F'], []);
      const tasks = args.filter((a) => a !== 'run');
      for (const task of tasks) {
        const sel = filters.length ? ws.select(filters, ws.turboDependsOnDeps(task)) : ws.packages;
        if (!sel) unknown.push(`\`${text}\``);
        else for (const p of sel) run(p, task);
      }
      return;
    }
    if (WORKSPACE_TASK_RUNNERS.test(bin)) {
      unknown.push(`\`${text}\``);
      return;
    }
    if (bin !== 'pnpm' && bin !== 'npm' && bin !== 'yarn') {
      unknown.push(`\`${text}\` runs at the workspace root`);
      return;
    }
    const dirFlags = bin === 'pnpm' ? ['-C', '--dir'] : bin === 'npm' ? ['--prefix', '--workspace', '-w'] : ['--cwd'];
    const { filters, dirs, recursive, args, rest } = readFlags(w, bin === 'pnpm' ? ['--filter', '-F'] : [], dirFlags);
    const sub = args[0] ?? '';
    if (bin === 'pnpm' && (sub === 'exec' || sub === 'dlx')) return follow(args.slice(1), depth + 1);
    const script = sub === 'run' || sub === 'run-script' ? args[1] : sub;
    if (!script || ['install', 'i', 'ci', 'add', 'prune', 'deploy', 'store', 'fetch', 'rebuild'].includes(script)) return;
    if (recursive || filters.length || dirs.length) {
      let sel: readonly WorkspacePackage[] | null = recursive && !filters.length ? ws.packages : null;
      if (filters.length) sel = ws.select(filters, false);
      for (const d of dirs) {
        const p = ws.byDir(d.replace(/^\.\//, '').replace(/\/+$/, ''));
        if (p) sel = [...(sel ?? []), p];
      }
      if (!sel) unknown.push(`\`${text}\``);
      else for (const p of sel) run(p, script);
      return;
    }
    const body = rootScripts[script];
    if (typeof body === 'string') {
      // The script's own arguments go to its last command (`pnpm run build --filter=api` with `build: turbo run build`).
      const cmds = tokenizeShell(body, 0, body.length).map((c) => c.words.map((x) => x.value));
      cmds.forEach((c, i) => follow(i === cmds.length - 1 ? [...c, ...rest] : c, depth + 1));
      return;
    }
    // `pnpm turbo run build`: pnpm runs a binary of that name.
    if (bin === 'pnpm' && sub !== 'run') follow([...args, ...rest], depth + 1);
  };
  for (const st of [...stageChain(doc, stage)].reverse())
    for (const ins of st.instructions) {
      if (ins.keyword !== 'RUN') continue;
      const commands = classifyRun(doc, ins).commands;
      // A build run from another folder (`cd apps/api && pnpm build`) builds what that folder's scripts say.
      const moved = commands.find((c) => c.words[0]?.value === 'cd');
      if (moved && commands.some((c) => c.kind === 'build')) {
        unknown.push(`\`${ins.text.split(/\r?\n/)[0]}\` builds from another folder`);
        continue;
      }
      for (const c of commands)
        if (c.kind === 'build')
          follow(
            c.words.map((x) => x.value),
            0,
          );
    }
  return { scripts, unknown };
}

/**
 * `--filter x`, `-C dir`, `-r` and the other words of a package manager or turbo command. A package
 * manager's words after the script name are the script's own arguments (`rest`).
 */
function readFlags(
  w: string[],
  filterNames: readonly string[],
  dirNames: readonly string[],
): { filters: string[]; dirs: string[]; recursive: boolean; args: string[]; rest: string[] } {
  const filters: string[] = [];
  const dirs: string[] = [];
  const args: string[] = [];
  const pm = /^(npm|pnpm|yarn)$/.test(w[0].replace(/^.*\//, ''));
  let recursive = false;
  for (let i = 1; i < w.length; i++) {
    const a = w[i];
    const m = /^(--[\w-]+|-[A-Za-z])(?:=(.*))?$/.exec(a);
    if (!m) {
      args.push(a);
      if (pm && (args.length === 2 || (args.length === 1 && !/^(run|run-script)$/.test(a))))
        return { filters, dirs, recursive, args, rest: w.slice(i + 1) };
      continue;
    }
    const value = () => m[2] ?? w[++i] ?? '';
    if (filterNames.includes(m[1])) filters.push(value());
    else if (dirNames.includes(m[1])) dirs.push(value());
    else if (m[1] === '-r' || m[1] === '--recursive' || m[1] === '--workspaces' || m[1] === '-ws') recursive = true;
    else if (
      ['--concurrency', '--workspace-concurrency', '--reporter', '--loglevel', '--cache-dir', '--log-prefix'].includes(m[1]) &&
      !m[2]
    )
      i++;
  }
  return { filters, dirs, recursive, args, rest: [] };
}

/** The workspace's packages, their manifests, and each one seen as a build context of its own. */
class Workspace {
  readonly packages: readonly WorkspacePackage[];
  private readonly manifests = new Map<string, Manifest>();
  private readonly scopes = new Map<string, ProjectFacts>();
  private readonly fileSet: ReadonlySet<string>;
  constructor(readonly facts: ProjectFacts) {
    this.packages = facts.workspacePackages ?? [];
    this.fileSet = new Set(facts.files ?? []);
  }
  /** A context file that reaches the build stage (in the listing, not excluded by .dockerignore). */
  has(rel: string): boolean {
    return this.fileSet.has(rel) && !this.facts.ignored(rel);
  }
  isDir(rel: string): boolean {
    return (this.facts.files ?? []).some((f) => f.startsWith(`${rel}/`));
  }
  byDir(dir: string): WorkspacePackage | undefined {
    return this.packages.find((p) => p.dir === dir);
  }
  byName(name: string): WorkspacePackage | undefined {
    return this.packages.find((p) => p.name === name);
  }
  /** The package whose folder holds the context path `rel` (the deepest one). */
  containing(rel: string): WorkspacePackage | undefined {
    return [...this.packages].sort((a, b) => b.dir.length - a.dir.length).find((p) => rel.startsWith(`${p.dir}/`));
  }
  manifest(dir: string): Manifest {
    let m = this.manifests.get(dir);
    if (!m) {
      try {
        m = JSON.parse(this.facts.read(`${dir}/package.json`) ?? '{}') as Manifest;
      } catch {
        m = {};
      }
      this.manifests.set(dir, m);
    }
    return m;
  }
  /** The package's folder as a build context of its own, for the models that read a package (scripts, tsconfig, sources). */
  scoped(dir: string): ProjectFacts {
    let f = this.scopes.get(dir);
    if (!f) {
      const prefix = `${dir}/`;
      const files = (this.facts.files ?? []).filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
      const dirs = new Set<string>();
      for (const x of files) {
        const parts = x.split('/');
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      }
      const src: FileSource = {
        list: () => [...[...dirs].map((d) => `${d}/`), ...files],
        read: (rel) => (rel === '.dockerignore' ? null : this.facts.read(`${prefix}${rel}`)),
        isDir: (rel) => dirs.has(rel),
      };
      this.scopes.set(dir, (f = gatherFacts(src)));
    }
    return f;
  }
  /** Workspace packages a package depends on. `dev`: devDependencies too (what pnpm's `pkg...` selector follows). */
  private deps(p: WorkspacePackage, dev: boolean): WorkspacePackage[] {
    const m = this.manifest(p.dir);
    const names = Object.keys({
      ...(m.dependencies ?? {}),
      ...(m.optionalDependencies ?? {}),
      ...(dev ? (m.devDependencies ?? {}) : {}),
    });
    return names.map((n) => this.byName(n)).filter((x): x is WorkspacePackage => x !== undefined && x !== p);
  }
  /** The package and the workspace packages it needs in production, transitively. */
  closure(p: WorkspacePackage): WorkspacePackage[] {
    const out = [p];
    for (let i = 0; i < out.length; i++) for (const d of this.deps(out[i], false)) if (!out.includes(d)) out.push(d);
    return out;
  }
  /** pnpm filter selectors (name, name glob, ./dir, {dir}, with `...` for dependencies): the packages, or null when one cannot be read. */
  select(filters: readonly string[], withDeps: boolean): WorkspacePackage[] | null {
    const out: WorkspacePackage[] = [];
    const addWithDeps = (p: WorkspacePackage, self: boolean) => {
      const queue = [p];
      const seen = new Set([p]);
      for (let i = 0; i < queue.length; i++)
        for (const d of this.deps(queue[i], true))
          if (!seen.has(d)) {
            seen.add(d);
            queue.push(d);
          }
      for (const q of queue) if ((self || q !== p) && !out.includes(q)) out.push(q);
    };
    for (const raw of filters) {
      let s = raw.replace(/^["']|["']$/g, '');
      if (!s || s.startsWith('!') || s.startsWith('...') || s.includes('[')) return null;
      let deps = withDeps;
      let self = true;
      if (s.endsWith('^...')) {
        s = s.slice(0, -4);
        deps = true;
        self = false;
      } else if (s.endsWith('...')) {
        s = s.slice(0, -3);
        deps = true;
      }
      let found: WorkspacePackage[];
      if (s.startsWith('./') || s.startsWith('{') || s === '.') {
        const path = normalizePosix(`/${s.replace(/^\{|\}$/g, '')}`).slice(1);
        const re = /[*?]/.test(path) ? globToRegExp(path) : null;
        found = this.packages.filter((p) => (re ? re.test(p.dir) : p.dir === path || p.dir.startsWith(`${path}/`)));
      } else {
        const re = globToRegExp(s);
        found = this.packages.filter((p) => p.name !== null && re.test(p.name));
      }
      if (!found.length) return null;
      for (const p of found) {
        if (deps) addWithDeps(p, self);
        else if (!out.includes(p)) out.push(p);
      }
    }
    return out;
  }
  /** Does turbo.json make `task` run in a package's workspace dependencies first (`dependsOn: ["^task"]`)? */
  turboDependsOnDeps(task: string): boolean {
    try {
      const t = JSON.parse(this.facts.read('turbo.json') ?? '{}') as {
        tasks?: Record<string, { dependsOn?: unknown }>;
        pipeline?: Record<string, { dependsOn?: unknown }>;
      };
      const d = (t.tasks ?? t.pipeline ?? {})[task]?.dependsOn;
      return Array.isArray(d) && d.includes(`^${task}`);
    } catch {
      return false;
    }
  }
  /** The workspace's pnpm settings that change deploy (.npmrc, pnpm-workspace.yaml). */
  settings(): { nodeLinker: string | null; inject: boolean; forceLegacy: boolean; deployAllFiles: boolean } {
    const rc = new Map<string, string>();
    for (const line of (this.facts.read('.npmrc') ?? '').split(/\r?\n/)) {
      const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) rc.set(m[1], m[2].replace(/^["']|["']$/g, ''));
    }
    let yaml: Record<string, unknown> = {};
    try {
      yaml = (parseYaml(this.facts.read('pnpm-workspace.yaml') ?? '') as Record<string, unknown> | null) ?? {};
    } catch {
      yaml = {};
    }
    const get = (kebab: string, camel: string): string | null =>
      yaml[camel] !== undefined ? String(yaml[camel]) : (rc.get(kebab) ?? null);
    return {
      nodeLinker: get('node-linker', 'nodeLinker'),
      inject: get('inject-workspace-packages', 'injectWorkspacePackages') === 'true',
      forceLegacy: get('force-legacy-deploy', 'forceLegacyDeploy') === 'true',
      deployAllFiles: get('deploy-all-files', 'deployAllFiles') === 'true',
    };
  }
  /**
   * Why `pnpm deploy`'s copy of the package leaves `rel` out (npm-packlist 5's rules: the `files` field at the
   * package root, then in each folder .npmignore, or .gitignore when there is none), or null. Negated rules
   * are not followed: a path one would bring back counts as left out.
   */
  publishDrop(dir: string, m: Manifest, rel: string, isDir: boolean): string | null {
    const files = Array.isArray(m.files) ? m.files.filter((x): x is string => typeof x === 'string') : null;
    if (files) {
      const pos = files.filter((x) => !x.startsWith('!')).map((x) => x.replace(/^\.\//, '').replace(/\/+$/, ''));
      // `dist/**/*.js` also matches dist/server.js: `**/` stands for no folder too.
      const covers = (e: string, p: string) => covering(e)(p) || (e.includes('**/') && covering(e.replace(/\*\*\//g, ''))(p));
      const listed = pos.some((e) => covers(e, rel) || (isDir && (e.startsWith(`${rel}/`) || covers(e, `${rel}/x`))));
      if (!listed) return `the "files" field of ${dir}/package.json does not list it`;
      const neg = files.find((x) => x.startsWith('!') && covering(x.slice(1).replace(/^\.\//, ''))(rel));
      if (neg) return `the "files" field of ${dir}/package.json excludes it (${neg})`;
    }
    const segs = rel.split('/');
    for (let i = 0; i < segs.length; i++) {
      if (i === 0 && files) continue; // at the root, "files" decides
      const base = [dir, ...segs.slice(0, i)].join('/');
      const file = ['.npmignore', '.gitignore'].map((n) => `${base}/${n}`).find((f) => this.has(f));
      if (!file) continue;
      const rule = ignoredBy((this.facts.read(file) ?? '').split(/\r?\n/), segs.slice(i).join('/'), isDir);
      if (rule) return `${file} ignores it (\`${rule}\`)`;
    }
    return null;
  }
}

/** The gitignore rule of `lines` that leaves out `rel` or a folder on its way, or null (negations are not followed). */
function ignoredBy(lines: readonly string[], rel: string, isDir: boolean): string | null {
  const segs = rel.split('/');
  for (const line of lines) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('!')) continue;
    const dirOnly = t.endsWith('/');
    let p = t.replace(/\/+$/, '');
    const anchored = p.includes('/');
    p = p.replace(/^\/+/, '');
    if (!p) continue;
    const re = globToRegExp(p);
    const loose = p.startsWith('**/') ? globToRegExp(p.slice(3)) : null;
    for (let k = 1; k <= segs.length; k++) {
      if (dirOnly && k === segs.length && !isDir) continue;
      const cand = segs.slice(0, k).join('/');
      const name = segs[k - 1];
      if (anchored ? re.test(cand) || (loose !== null && loose.test(name)) : re.test(name)) return t;
    }
  }
  return null;
}
