/**
 * What the build and the app read from the build context besides the files a COPY names:
 * test folders a test run reads, `.git` that a `git` command or a build plugin reads, and the
 * `.env*` files that build tools (vite, Next.js, Create React App, ...) and env loaders (dotenv,
 * dotenv-safe, dotenv-flow, `node --env-file`, ...) read at build time or at run time.
 *
 * Everything here is decided from the Dockerfile and package.json (its scripts, followed
 * through `npm run`, `yarn x`, `pnpm x`, `bun run`, `npm-run-all`/`run-s`/`run-p`,
 * `concurrently`, with their pre/post hooks, and its dependencies), never from whether a file
 * is in the context right now: env files are usually .gitignored and exist only on some machines,
 * so the answer must be the same with or without them.
 */
import type { ParsedDockerfile } from '../../dockerfile/parse.js';
import type { ProjectFacts } from '../project/facts.js';
import { classifyCommand, classifyRun } from '../commands/classify.js';
import { nextStandalone } from './start-path.js';
import { optionValue, optionValues, unwrap } from '../commands/command-line.js';
import { ScriptWalker, type ScriptRef, type WalkEvent } from '../commands/script-graph.js';
import { startCommand } from '../commands/start-command.js';
import type { Project } from '../project/project.js';

export type ReadReason = 'tests' | 'git' | 'env';

/** A context path the build reads, and who reads it. */
export interface BuildRead {
  /** Context-relative path, no leading `./`: `test`, `.git`, `.env.production`. */
  path: string;
  reason: ReadReason;
  /** Who reads it, for a reviewer: "`vite build` (script `build`)", "`git rev-parse` (script `version`)". */
  by: string;
}

/** One env file, and who reads it when. */
export interface EnvFileUse {
  /** The file's name in the context: `.env`, `.env.production`, `.env.example`... */
  file: string;
  /** Build steps that read it (RUN commands and the scripts they reach). Empty: the build does not read it. */
  build: string[];
  /** What reads it when the app runs (the runtime command and the scripts it reaches, env-loading dependencies). Empty: the app does not. */
  run: string[];
  /**
   * Why the file stays out of the build context although a reader would load it when present: Next.js'
   * `.env.local` and `.env.production.local` hold one machine's overrides and secrets, are not committed
   * (create-next-app ignores them), and so exist on one machine and not another; an image built from them
   * would depend on where it was built. Their values belong in build secrets, build arguments or the
   * container's environment.
   */
  machineLocal?: string;
  /**
   * The build copies it into its output, where the app reads the copy at run time (next build puts `.env`
   * and `.env.production` next to the standalone server): it reaches the image inside the build output,
   * not as a file of the app directory.
   */
  copiedByBuild?: string;
}

/** The env files every decision covers, read or not, in this order (tools may name more). */
const ENV_FILES: readonly string[] = [
  '.env',
  '.env.local',
  '.env.development',
  '.env.development.local',
  '.env.test',
  '.env.test.local',
  '.env.production',
  '.env.production.local',
  '.env.example',
  '.env.defaults',
  '.env.schema',
];

/** Folders a test run reads (the test runners' conventional roots). */
const TEST_DIRS: readonly string[] = ['test', 'tests', '__tests__', 'spec', 'specs', 'e2e'];

/** Dependencies that read `.git` when the build runs (release names, revision banners). */
const GIT_BUILD_PLUGINS = [
  'git-revision-webpack-plugin',
  '@sentry/webpack-plugin',
  '@sentry/vite-plugin',
  '@sentry/rollup-plugin',
  '@sentry/esbuild-plugin',
  '@sentry/nextjs',
  'vite-plugin-git-revision',
  'webpack-git-hash',
];
/** Dependencies that read `.git` wherever they are loaded (build scripts or the app). */
const GIT_LIBRARIES = ['git-rev-sync', 'git-repo-info', 'git-rev', 'git-describe', 'git-last-commit', 'git-commit-info'];

/** Env-loading dependencies of the app (package.json dependencies): the files they read by default. */
const ENV_LIBRARIES: readonly (readonly [string, readonly string[]])[] = [
  ['dotenv', ['.env']],
  ['dotenv-safe', ['.env', '.env.example']],
  ['dotenv-flow', ['.env', '.env.local', '.env.production', '.env.production.local']],
  ['dotenv-defaults', ['.env', '.env.defaults']],
  ['dotenv-extended', ['.env', '.env.defaults', '.env.schema']],
  ['@dotenvx/dotenvx', ['.env']],
  ['@nestjs/config', ['.env']],
];

/** The files a framework that loads env files by mode reads (Vite, Next.js, Create React App, Vue CLI). */
const modeFiles = (mode: string) => ['.env', '.env.local', `.env.${mode}`, `.env.${mode}.local`];

const clean = (p: string) => p.replace(/^\.\//, '');

/**
 * The env files one command reads, with the tool's name. `time` is when the command runs:
 * `next start` reads env files only as the app's command, `next build` only in the build.
 */
function envReadsOf(words: string[], time: 'build' | 'run'): { files: string[]; tool: string } | null {
  const bin = words[0]?.replace(/^.*\//, '') ?? '';
  const sub = words[1] ?? '';
  const mode = (fallback: string) => optionValue(words, ['--mode', '-m']) ?? fallback;
  if (time === 'build') {
    if (bin === 'vite' && sub === 'build') return { files: modeFiles(mode('production')), tool: 'vite build' };
    if ((bin === 'astro' || bin === 'react-router') && sub === 'build')
      return { files: modeFiles(mode('production')), tool: `${bin} build` };
    if (bin === 'remix' && sub === 'vite:build') return { files: modeFiles(mode('production')), tool: 'remix vite:build' };
    if (bin === 'next' && sub === 'build') return { files: modeFiles('production'), tool: 'next build' };
    if (['react-scripts', 'craco', 'react-app-rewired'].includes(bin) && sub === 'build')
      return { files: modeFiles('production'), tool: `${bin} build` };
    if (bin === 'vue-cli-service' && sub === 'build')
      return { files: modeFiles(mode('production')), tool: 'vue-cli-service build' };
    if ((bin === 'nuxt' || bin === 'nuxi') && (sub === 'build' || sub === 'generate'))
      return { files: [clean(optionValue(words, ['--dotenv']) ?? '.env')], tool: `${bin} ${sub}` };
  } else if (bin === 'next' && sub === 'start') {
    return { files: modeFiles('production'), tool: 'next start' };
  }
  if (bin === 'dotenv') {
    const named = optionValues(words.slice(0, words.includes('--') ? words.indexOf('--') : words.length), ['-e']).map(clean);
    const cascade = words.indexOf('-c');
    if (cascade > 0) {
      const env =
        words[cascade + 1] && !words[cascade + 1].startsWith('-') && words[cascade + 1] !== '--' ? words[cascade + 1] : null;
      const base = named.length ? named : ['.env'];
      const files = base.flatMap((f) => (env ? [`${f}.${env}.local`, `${f}.local`, `${f}.${env}`, f] : [`${f}.local`, f]));
      return { files, tool: 'dotenv-cli' };
    }
    return { files: named.length ? named : ['.env'], tool: 'dotenv-cli' };
  }
  if (bin === 'env-cmd') {
    const f = optionValue(words, ['-f', '--file']);
    if (optionValue(words, ['-e', '--environments']) && !f) return null; // .env-cmdrc environments
    return { files: [clean(f ?? '.env')], tool: 'env-cmd' };
  }
  if (bin === 'dotenvx' && sub === 'run') {
    const named = optionValues(words.slice(0, words.includes('--') ? words.indexOf('--') : words.length), [
      '-f',
      '--env-file',
    ]).map(clean);
    return { files: named.length ? named : ['.env'], tool: 'dotenvx run' };
  }
  // node --env-file, -r dotenv/config (also through tsx, ts-node, nodemon, which pass node's flags on).
  const files = optionValues(words, ['--env-file', '--env-file-if-exists']).map(clean);
  if (files.length) return { files, tool: `${bin} --env-file` };
  const loads = optionValues(words, ['-r', '--require', '--import']);
  if (loads.some((l) => l === 'dotenv/config' || l === 'dotenv-flow/config' || l === '@dotenvx/dotenvx/config')) {
    const path = words.find((x) => x.startsWith('dotenv_config_path='));
    return { files: [path ? clean(path.slice('dotenv_config_path='.length)) : '.env'], tool: `${bin} -r dotenv/config` };
  }
  return null;
}

function runsTests(words: string[]): boolean {
  const bin = words[0]?.replace(/^.*\//, '') ?? '';
  if (bin === 'bun' && words[1] === 'test') return true;
  if ((bin === 'node' || bin === 'tsx') && words.includes('--test')) return true;
  return classifyCommand({ words: words.map((value) => ({ value, start: 0, end: 0 })), start: 0, end: 0 }).kind === 'test';
}

const GIT_COMMAND = /(^|[\s;&|(`"'$])git\s+(-C\s+\S+\s+)?([a-z][a-z-]*)/g;
/** git subcommands that read the local repository (`apt-get install git curl` is not one). */
const GIT_READS = new Set([
  'rev-parse',
  'describe',
  'log',
  'show',
  'rev-list',
  'status',
  'diff',
  'branch',
  'tag',
  'config',
  'submodule',
  'lfs',
  'ls-files',
  'symbolic-ref',
  'name-rev',
  'remote',
  'fetch',
  'pull',
  'checkout',
  'switch',
  'reset',
  'clean',
  'stash',
  'archive',
  'blame',
  'for-each-ref',
  'shortlog',
  'cat-file',
  'ls-tree',
  'worktree',
  'merge-base',
  'show-ref',
  'restore',
  'apply',
  'am',
  'commit',
  'add',
  'diff-index',
  'diff-tree',
  'update-index',
  'gc',
  'count-objects',
]);

/** A `git` command in a command or script text that reads the repository (not clone/init/global config). */
function gitCommandIn(text: string): string | null {
  for (const m of text.matchAll(GIT_COMMAND)) {
    const sub = m[3];
    if (!GIT_READS.has(sub)) continue;
    if (sub === 'config' && /--global|--system/.test(text)) continue;
    return `git ${sub}`;
  }
  return null;
}

function allDeps(facts: ProjectFacts): Record<string, string> {
  return { ...(facts.packageJson?.devDependencies ?? {}), ...(facts.packageJson?.dependencies ?? {}) };
}

// ---------------------------------------------------------------------------------------------
// On the one script walker
// ---------------------------------------------------------------------------------------------

/** A command the walker does not follow further, or an env loader that runs one (dotenv-cli reads its files). */
interface ReadLeaf {
  words: string[];
  /** The script it is in, or null for a command of the Dockerfile. */
  via: ScriptRef | null;
  /** The package it runs in ('' the root). */
  dir: string;
}

const ENV_LOADERS = new Set(['dotenv', 'env-cmd', 'dotenvx']);

/** The leaves of a walk: what runs, and the env loaders on the way. */
function leavesOf(events: readonly WalkEvent[]): ReadLeaf[] {
  const out: ReadLeaf[] = [];
  for (const e of events) {
    if (e.kind !== 'command') continue;
    const bin = e.words[0].replace(/^.*\//, '');
    // bun's own test runner is a test run, not a script.
    const bunTest = e.pm?.manager === 'bun' && e.pm.sub === 'test';
    if ((e.pm === null && (!e.expands || ENV_LOADERS.has(bin))) || bunTest)
      out.push({ words: e.words, via: e.via, dir: e.dir ?? '' });
  }
  return out;
}

/** A script as the findings name it: `build`, or `build` of apps/web. */
const scriptLabel = (ref: ScriptRef) => `\`${ref.name}\`${ref.dir ? ` of ${ref.dir}` : ''}`;
const byScript = (via: ScriptRef | null) => (via ? ` (script ${scriptLabel(via)})` : '');
const showLeaf = (l: ReadLeaf, n = 2) => `\`${l.words.slice(0, n).join(' ')}\`` + byScript(l.via);
/** A path the command names, relative to the context (a command in another package names paths in its folder). */
const inDir = (dir: string, p: string) => (dir ? `${dir}/${p}` : p);

/** The build's commands: every RUN of every stage, walked with one walker (a script two RUNs run is read once). */
function buildWalk(doc: ParsedDockerfile, project: Project): { events: WalkEvent[]; direct: ReadLeaf[] } {
  const walker = new ScriptWalker(project);
  const events: WalkEvent[] = [];
  const direct: ReadLeaf[] = [];
  for (const ins of doc.instructions) {
    if (ins.keyword !== 'RUN') continue;
    for (const c of classifyRun(doc, ins).commands) {
      const words = c.words.map((x) => x.value);
      // A Dockerfile command that is a test run by itself (`npm run lint`, `yarn test` with no such script).
      if (c.kind === 'test') direct.push({ words, via: null, dir: '' });
      events.push(...walker.walk({ words }));
    }
  }
  return { events, direct };
}

/**
 * The context paths the build's RUN commands (every stage), and the package.json scripts they
 * reach, read: test folders when a test or lint runs (`tests`), `.git` when a `git` command runs
 * or a build plugin/library that reads it is a dependency (`git`), and the env files build tools
 * load (`env`). One entry per path and reader; decided from the Dockerfile and package.json only.
 */
export function buildReads(doc: ParsedDockerfile, project: Project): BuildRead[] {
  const facts = project.facts;
  const { events, direct } = buildWalk(doc, project);
  const out: BuildRead[] = [];
  const seen = new Set<string>();
  const push = (r: BuildRead) => {
    const k = `${r.reason}\u0000${r.path}\u0000${r.by}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  };
  const leaves = [...direct, ...leavesOf(events)];
  const scripts = events.filter((e): e is Extract<WalkEvent, { kind: 'script' }> => e.kind === 'script');
  // Tests: the first test run found names the reason for every test folder.
  const test = leaves.find((l) => runsTests(l.words));
  const testScript = scripts.find((e) => /^(test|test:.*)$/.test(e.ref.name));
  const testBy = test ? showLeaf(test) : testScript ? `script ${scriptLabel(testScript.ref)}` : null;
  if (testBy) for (const d of TEST_DIRS) push({ path: d, reason: 'tests', by: testBy });
  // Git: a git command in a RUN or in a script the build reaches.
  for (const ins of doc.instructions) {
    if (ins.keyword !== 'RUN') continue;
    const g = gitCommandIn(ins.content);
    if (g) push({ path: '.git', reason: 'git', by: `\`${g}\` in a RUN` });
  }
  for (const e of scripts) {
    const g = gitCommandIn(e.body);
    if (g) push({ path: '.git', reason: 'git', by: `\`${g}\`${byScript(e.ref)}` });
  }
  const deps = allDeps(facts);
  const builds = doc.instructions.some(
    (i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => c.kind === 'build'),
  );
  for (const d of GIT_BUILD_PLUGINS) if (deps[d] && builds) push({ path: '.git', reason: 'git', by: `${d} in the build` });
  for (const d of GIT_LIBRARIES) if (deps[d]) push({ path: '.git', reason: 'git', by: d });
  // Env files the build tools load (a tool in another package loads the files of its folder).
  for (const l of leaves) {
    const r = envReadsOf(l.words, 'build');
    if (!r) continue;
    for (const f of r.files) push({ path: inDir(l.dir, f), reason: 'env', by: `\`${r.tool}\`` + byScript(l.via) });
  }
  return out;
}

/**
 * What the app's own command (the final stage's start command and the scripts it reaches, such as
 * a `prestart` that runs `git describe`) reads from the image that a COPY of the context brings
 * in: `.git` (reason `git`). Env files are envFiles()'s business.
 */
export function appReads(doc: ParsedDockerfile, project: Project): BuildRead[] {
  const last = doc.stages[doc.stages.length - 1];
  if (!last) return [];
  const walker = new ScriptWalker(project);
  const out: BuildRead[] = [];
  const scripts: ScriptRef[] = [];
  for (const run of startCommand(doc, last).runs) {
    const g = gitCommandIn(run.join(' '));
    if (g) out.push({ path: '.git', reason: 'git', by: `\`${g}\` in the app's command` });
    for (const e of walker.walk({ words: run })) if (e.kind === 'script') scripts.push(e.ref);
  }
  for (const ref of scripts) {
    const g = gitCommandIn(project.scripts(ref.dir)[ref.name]);
    if (g) out.push({ path: '.git', reason: 'git', by: `\`${g}\`${byScript(ref)}` });
  }
  return out;
}

/**
 * The decision for each env file, for the whole tool: is it read at build time (by which build
 * step), at run time (by what), or not at all?
 *
 * Contract:
 * - One entry per file of ENV_FILES, then any other file a tool names (`vite build --mode
 *   staging` -> `.env.staging`, `dotenv -e .env.ci`, `node --env-file=config/.env`), in that order.
 *   A file not listed is read by nobody.
 * - Decided from the Dockerfile (RUN commands of every stage; the final stage's start command)
 *   and package.json (scripts reached from them, with hooks; `dependencies` for the app's env
 *   loaders), never from the files present: the result is the same whether or not an env file
 *   is in the context.
 * - `build` lists build steps (`vite build`, `next build`, `react-scripts build`, `dotenv-cli`,
 *   `node --env-file`, ... with the script they run in); `run` lists what reads it in the running
 *   container (`dotenv`, `dotenv-safe`, `dotenv-flow`, `next start`, `node --env-file`, ...).
 *   A file the build reads must stay in the build context; a file the app reads must also be in
 *   the runtime image.
 * - Over-approximates: a reader that may load a file (dotenv-flow under NODE_ENV=production,
 *   Next.js' `.env.local`) counts as reading it.
 */
export function envFiles(
  doc: ParsedDockerfile,
  project: Project,
  reads: readonly BuildRead[] = buildReads(doc, project),
): EnvFileUse[] {
  const facts = project.facts;
  const uses = new Map<string, EnvFileUse>();
  const use = (file: string) => {
    let u = uses.get(file);
    if (!u) uses.set(file, (u = { file, build: [], run: [] }));
    return u;
  };
  for (const f of ENV_FILES) use(f);
  const add = (list: string[], who: string) => {
    if (!list.includes(who)) list.push(who);
  };
  for (const r of reads) if (r.reason === 'env') add(use(r.path).build, r.by);
  const last = doc.stages[doc.stages.length - 1];
  if (last) {
    const walker = new ScriptWalker(project);
    const start = startCommand(doc, last);
    const leaves = leavesOf(start.runs.flatMap((run) => walker.walk({ words: run })));
    const standalone = nextStandalone(facts);
    for (const l of leaves) {
      // The server of output: 'standalone' loads the copies of .env and .env.production next build put next to it.
      const server = l.words[1]?.replace(/^\.\//, '');
      if (standalone && /^(node|nodejs)$/.test(l.words[0] ?? '') && server && /(^|\/)standalone\/server\.js$/.test(server))
        for (const f of ['.env', '.env.production'])
          use(f).copiedByBuild ??=
            `next build copies it into ${server.slice(0, -'/server.js'.length)}, where \`node ${server}\` reads it at run time`;
      const r = envReadsOf(l.words, 'run');
      if (!r) continue;
      for (const f of r.files) add(use(inDir(l.dir, f)).run, `\`${r.tool}\`` + byScript(l.via));
    }
    // bun loads .env, .env.<NODE_ENV> (development when unset; production, test) and .env.local itself, whatever it runs.
    if (start.runs.some((run) => /^bunx?$/.test(unwrap(run, true).words[0]?.replace(/^.*\//, '') ?? '')))
      for (const f of [
        '.env',
        '.env.local',
        '.env.development',
        '.env.development.local',
        '.env.production',
        '.env.production.local',
        '.env.test',
        '.env.test.local',
      ])
        add(use(f).run, '`bun`');
  }
  const deps = facts.packageJson?.dependencies ?? {};
  for (const [dep, files] of ENV_LIBRARIES) if (deps[dep]) for (const f of files) add(use(f).run, dep);
  // Next.js' machine-local files: out of the build context, whoever would read them.
  for (const u of uses.values()) {
    if (!/^\.env(\.[\w-]+)?\.local$/.test(u.file)) continue;
    const next = [...u.build, ...u.run].filter((r) => /`next (build|start)`/.test(r));
    if (next.length)
      u.machineLocal = `${next.join(', ')} would read it when present, but Next.js keeps \`.env*.local\` for one machine's settings, which are not committed: an image built with it would depend on the machine it was built on`;
  }
  const order = (f: string) => {
    const i = ENV_FILES.indexOf(f);
    return i < 0 ? ENV_FILES.length : i;
  };
  return [...uses.values()].sort((a, b) => order(a.file) - order(b.file));
}

/** The env files that the env-loading libraries among `deps` (dotenv, @nestjs/config, ...) read when the app runs. */
export function envLibraryFiles(deps: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [dep, files] of ENV_LIBRARIES) if (deps[dep]) for (const f of files) if (!out.includes(f)) out.push(f);
  return out;
}

/** The decision for one env file from `envFiles()`'s answer (a file not listed is read by nobody). */
export function envFileUse(uses: readonly EnvFileUse[], file: string): EnvFileUse {
  return uses.find((u) => u.file === file) ?? { file, build: [], run: [] };
}
