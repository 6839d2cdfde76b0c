/**
 * The start path: what the image runs when it starts, followed from CMD/ENTRYPOINT through
 * package scripts (with their pre/post hooks), `npm run`/`yarn x`/`pnpm x`/`npx`, `&&` chains,
 * `sh -c`, wrappers (cross-env, dotenv-cli, env-cmd, tini, dumb-init) and node flags
 * (-r, --require, --import, --loader), down to the packages whose binaries or modules it needs
 * and the files their loaders read at run time.
 *
 * The transforms ask it three questions before they change what the image holds: does the start
 * need a devDependency (then devDependencies stay), is this a development image (a dev server, a
 * watcher: then the file is left alone), and does the start install or build (then the runtime
 * needs the whole build environment).
 */
import { normalizePosix, type ParsedDockerfile, type Stage } from '../../dockerfile/parse.js';
import type { ProjectFacts } from '../project/facts.js';
import { builtinModules } from 'node:module';
import {
  ENV_FILE_FLAGS,
  MODULE_FLAGS,
  knownNodeFlag,
  nodeFlagTakesValue,
  notAProductionRun,
  splitFlag,
} from '../commands/node-flags.js';
import { stageChain } from '../commands/classify.js';
import { tsconfigChain } from '../project/tsconfig.js';
import { importedPackages } from '../project/imports.js';
import { optionValue, shellWords, unwrapOne } from '../commands/command-line.js';
import { ScriptWalker } from '../commands/script-graph.js';
import type { Project } from '../project/project.js';

export interface StartPath {
  /** Every simple command the start runs (words), after following package scripts. */
  commands: string[][];
  /** Package scripts the start runs, in order, hooks included. */
  scripts: string[];
  /** Packages whose binary or module the start needs -> the command that needs it. */
  packages: Map<string, string>;
  /** Those of them that are devDependencies only. */
  devPackages: { name: string; why: string }[];
  /** Why this is a development image (a dev server, a watcher), or null. */
  devServer: string | null;
  /** Why the start installs dependencies or builds (so it needs the build environment), or null. */
  buildsAtStart: string | null;
  /** Context files that loaders on the start path read at run time. */
  runtimeFiles: { path: string; why: string }[];
  /** Package managers the start runs through. */
  managers: Set<string>;
  /**
   * Scripts of other packages than the root that the start runs (`pnpm --filter api start`,
   * `pnpm -C apps/api start`, `npm --workspace apps/api start`): the package's folder and the script.
   */
  packageScripts: { dir: string; script: string }[];
  /** Why the start needs the app's sources and their compiler (TypeScript migrations at start-up), or null. */
  needsSources: string | null;
  /**
   * The first `nest start` on the start path (it compiles the app into dist/, then runs it with
   * node): its words and the line (script or command) that runs it, or null.
   */
  nestStart: { words: string[]; line: string } | null;
  /**
   * The start runs a Next.js production server: `next start` (it needs `.next`, `public/`, `next.config.*`,
   * package.json and node_modules), or the server of `output: 'standalone'`
   * (`node .next/standalone/server.js`: it needs that folder only, which holds its own node_modules).
   */
  next: NextStart | null;
  /**
   * The files the start runs or hands to the runtime (node's script, a folder's main, `-r ./tracing.js`,
   * `--env-file .env`, a script file run directly): paths relative to the context, or absolute as written.
   */
  entries: string[];
  /** The start runs TypeScript directly (tsx, ts-node, bun on a .ts file): tsconfig.json is read at run time. */
  runsTypeScript: boolean;
}

export type NextStart =
  | { kind: 'next-start'; line: string }
  | {
      kind: 'standalone';
      line: string;
      /** The standalone folder, relative to the directory the start runs in (`.next/standalone`). */
      dir: string;
    };

/** Next.js config files, in the order Next.js looks for them. */
export const NEXT_CONFIGS = ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.mts', 'next.config.cjs'];

/** The Next.js config file of the context, or null. */
export function nextConfigFile(facts: ProjectFacts): string | null {
  return NEXT_CONFIGS.find((f) => facts.topLevel.has(f)) ?? null;
}

/** `output: 'standalone'` in the context's Next.js config. */
export function nextStandalone(facts: ProjectFacts): boolean {
  const cfg = nextConfigFile(facts);
  const text = cfg ? facts.read(cfg) : null;
  return text !== null && /\boutput\s*:\s*["'`]standalone["'`]/.test(text);
}

/** The local modules a Next.js config imports (`import x from '../../node/setup.js'`, `require('./x')`): read whenever the config is. */
export function nextConfigImports(project: Project): string[] {
  const facts = project.facts;
  const cfg = nextConfigFile(facts);
  const text = cfg ? facts.read(cfg) : null;
  if (!text) return [];
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) {
    const p = normalizePosix(`/${m[1]}`).slice(1);
    const hit = [p, `${p}.js`, `${p}.mjs`, `${p}.cjs`, `${p}.ts`, `${p}/index.js`].find(
      (c) => facts.topLevel.has(c.split('/')[0]) && project.hasFile(c),
    );
    if (hit && !out.includes(hit)) out.push(hit);
  }
  return out;
}

/** Binaries whose package has another name. */
const BIN_PACKAGES: Record<string, string> = {
  tsc: 'typescript',
  tsserver: 'typescript',
  nest: '@nestjs/cli',
  'pm2-runtime': 'pm2',
  'pm2-docker': 'pm2',
  dotenv: 'dotenv-cli',
  'run-s': 'npm-run-all',
  'run-p': 'npm-run-all',
  'npm-run-all': 'npm-run-all',
  'babel-node': '@babel/node',
  babel: '@babel/cli',
  sequelize: 'sequelize-cli',
  ng: '@angular/cli',
  'react-scripts': 'react-scripts',
  swc: '@swc/cli',
  'ts-node-dev': 'ts-node-dev',
  tsnd: 'ts-node-dev',
  'ts-node-esm': 'ts-node',
  'ts-node-transpile-only': 'ts-node',
  'svelte-kit': '@sveltejs/kit',
  remix: '@remix-run/dev',
  'remix-serve': '@remix-run/serve',
  'http-server': 'http-server',
  'node-dev': 'node-dev',
  'env-cmd': 'env-cmd',
  'cross-env': 'cross-env',
  'cross-env-shell': 'cross-env',
};

/** Tools that only run a development server or a watcher. */
const DEV_SERVERS: [RegExp, string][] = [
  [/^(nodemon|ts-node-dev|tsnd|node-dev|webpack-dev-server)(\s|$)/, 'a file watcher'],
  [/^next dev\b/, 'the Next.js development server'],
  [/^nuxt dev\b|^nuxi dev\b/, 'the Nuxt development server'],
  [/^vite( (dev|serve)\b|$| --)/, 'the Vite development server'],
  [/^react-scripts start\b/, 'the Create React App development server'],
  [/^webpack (serve|s)\b/, 'the webpack development server'],
  [/^ng serve\b/, 'the Angular development server'],
  [/^(astro|remix|svelte-kit) dev\b/, 'a framework development server'],
  [/^gatsby develop\b/, 'the Gatsby development server'],
  [/^nest start\b.*(--watch|-w)\b/, 'nest start --watch'],
  [/^tsx watch\b/, 'tsx watch'],
  [/^(node|tsx|bun)\b.*\s--watch\b/, 'a --watch run'],
  [/^tsc\b.*\s(--watch|-w)\b/, 'tsc --watch'],
];

/** Script names that start a development setup. */
const DEV_SCRIPTS = /^(dev|develop|development|watch|start:dev|start-dev|dev:.*|serve:dev|start:watch)$/;

/** Commands that build or install when they run at start-up. */
const BUILD_AT_START: [RegExp, string][] = [
  [/^(npm (install|i|ci|add)|yarn( install| add|$)|pnpm (install|i|add)|bun (install|i|add))\b/, 'installs dependencies'],
  [/^(tsc|tsup|esbuild|webpack|rollup|parcel build|vite build|next build|nest build|babel|swc|ncc build)\b/, 'builds'],
  [/^nest start\b/, 'compiles the app (nest start builds before it starts)'],
  [/^prisma generate\b/, 'generates the Prisma client into node_modules'],
  [
    /^prisma (db push|migrate dev)\b(?!.*--skip-generate)/,
    'generates the Prisma client into node_modules (prisma db push / migrate dev)',
  ],
];

const BUILTIN = new Set(builtinModules);

function packageOfModule(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Binary name -> package, from the lockfile's `bin` fields, a table, and same-named dependencies. */
function binIndex(facts: ProjectFacts): Map<string, string> {
  const out = new Map<string, string>(Object.entries(BIN_PACKAGES));
  const lock =
    facts.lockfile === 'package-lock.json' || facts.lockfile === 'npm-shrinkwrap.json' ? facts.read(facts.lockfile) : null;
  if (lock) {
    try {
      const data = JSON.parse(lock) as { packages?: Record<string, { bin?: Record<string, string> | string }> };
      for (const [key, p] of Object.entries(data.packages ?? {})) {
        const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
        if (!m || !p?.bin) continue;
        if (typeof p.bin === 'string') out.set(m[1].replace(/^@[^/]+\//, ''), m[1]);
        else for (const b of Object.keys(p.bin)) out.set(b, m[1]);
      }
    } catch {
      // An unreadable lockfile only loses the bin names it would have added.
    }
  }
  return out;
}

/**
 * The start path of what the container runs (`runs`, each a command line), followed by the script
 * walker through scripts, hooks, wrappers, `sh -c`, other workspace packages and script files; the
 * rules here say what each command needs.
 */
export function analyzeRuns(
  project: Project,
  runs: readonly (readonly string[])[],
  where: { base: string; cwd: string } = { base: '/', cwd: '/' },
): StartPath {
  const facts = project.facts;
  const pkg = facts.packageJson;
  const deps = pkg?.dependencies ?? {};
  const devDeps = pkg?.devDependencies ?? {};
  const bins = binIndex(facts);
  const result: StartPath = {
    commands: [],
    scripts: [],
    packages: new Map(),
    devPackages: [],
    devServer: null,
    buildsAtStart: null,
    runtimeFiles: [],
    managers: new Set(),
    packageScripts: [],
    needsSources: null,
    nestStart: null,
    next: null,
    entries: [],
    runsTypeScript: false,
  };
  /** The package folder ('' the root) each needed package was found in: its manifest says whether it is a devDependency. */
  const neededIn = new Map<string, string>();
  /** The package the command being read runs in. */
  let here = '';
  const need = (name: string, why: string) => {
    if (result.packages.has(name)) return;
    result.packages.set(name, why);
    neededIn.set(name, here);
  };
  /** A path the command names, relative to the context (a command in a workspace package names paths in its folder). */
  let cwdRel = '';
  const inContext = (p: string) => normalizePosix(`/${cwdRel ? `${cwdRel}/` : ''}${p}`).slice(1);
  /** A file the start runs, as the command names it (relative to where it runs, or absolute). */
  const entry = (p: string) => {
    const path = p.startsWith('/') ? normalizePosix(p) : inContext(p.replace(/^\.\//, ''));
    if (path && !result.entries.includes(path)) result.entries.push(path);
  };
  const file = (p: string, why: string) => {
    if (!result.runtimeFiles.some((f) => f.path === p)) result.runtimeFiles.push({ path: p, why });
  };
  const manifestOf = (dir: string) => (dir ? project.workspace.manifest(dir) : pkg);
  const binary = (bin: string, line: string) => {
    const name = bin.replace(/^.*\/node_modules\/\.bin\//, '').replace(/^\.\/node_modules\/\.bin\//, '');
    const m = manifestOf(here);
    const own = m && (m.dependencies?.[name] !== undefined || m.devDependencies?.[name] !== undefined);
    const p = bins.get(name) ?? (deps[name] || devDeps[name] || own ? name : null);
    if (p) need(p, line);
  };
  const otherScript = (dir: string, name: string) => {
    if (!result.packageScripts.some((s) => s.dir === dir && s.script === name)) result.packageScripts.push({ dir, script: name });
  };
  const walker = new ScriptWalker(project, { scriptFiles: true, base: where.base });
  for (const run of runs)
    for (const e of walker.walk({ words: run, cwd: where.cwd })) {
      if (e.kind === 'script') {
        if (e.hook === 'lifecycle') continue;
        if (e.ref.dir === '') {
          result.scripts.push(e.ref.name);
          if (e.hook === 'main' && DEV_SCRIPTS.test(e.ref.name))
            result.devServer ??= `the start runs the \`${e.ref.name}\` script (\`${e.line}\`)`;
        } else if (e.hook === 'main') {
          otherScript(e.ref.dir, e.ref.name);
          if (DEV_SCRIPTS.test(e.ref.name))
            result.devServer ??= `the start runs the \`${e.ref.name}\` script of ${e.ref.dir} (\`${e.line}\`)`;
        }
        continue;
      }
      if (e.kind === 'missing-script') {
        if (e.ref.dir !== '') otherScript(e.ref.dir, e.ref.name);
        continue;
      }
      if (e.kind !== 'command') continue;
      here = e.dir ?? '';
      cwdRel =
        e.cwd === where.base
          ? ''
          : e.cwd.startsWith(`${where.base === '/' ? '' : where.base}/`)
            ? e.cwd.slice(where.base === '/' ? 1 : where.base.length + 1)
            : '';
      command(e.words, e.line, e.pm !== null, e.expands);
    }

  function command(w: string[], line: string, isPm: boolean, expands: boolean): void {
    result.commands.push(w);
    const bin = w[0].replace(/^.*\//, '');
    const joined = [bin, ...w.slice(1)].join(' ');
    if (bin === 'nest' && w[1] === 'start') result.nestStart ??= { words: w, line };
    for (const [re, why] of DEV_SERVERS) if (re.test(joined)) result.devServer ??= `the start runs ${why} (\`${line}\`)`;
    for (const [re, why] of BUILD_AT_START) if (re.test(joined)) result.buildsAtStart ??= `the start ${why} (\`${line}\`)`;
    // `bun server.ts`, `bun run ./dist/index.js`: bun runs the file, as node would.
    const bunFile =
      bin === 'bun' &&
      [w[1] === 'run' ? w[2] : w[1]].some((a) => a !== undefined && (/\.[cm]?[jt]sx?$/.test(a) || a.includes('/')));
    if (isPm && !bunFile) {
      result.managers.add(bin);
      return;
    }
    // Wrappers: the packages they come from; the walker follows the command they run.
    const wrapper = unwrapOne(w)?.wrappers[0];
    if (wrapper) {
      if (bin === 'cross-env' || bin === 'cross-env-shell') need('cross-env', line);
      for (const p of wrapper.packages ?? []) {
        const name = packageOfModule(p);
        if (name) need(name.replace(/@[^/@]*$/, '') || name, line);
      }
      if (bin === 'dotenv' || bin === 'env-cmd') {
        binary(bin, line);
        const own = wrapper.words;
        for (let i = 1; i < own.length; i++)
          if (/^-(e|f|c|-file|-environments)$/.test(own[i])) {
            file(own[i + 1] ?? '.env', `read by ${bin} at start-up`);
            i++;
          }
        if (!own.slice(1).some((x) => /^-(e|f)$/.test(x))) file('.env', `read by ${bin} at start-up`);
      }
      return;
    }
    // Monorepo task runners: `turbo run dev`, `nx serve`, `lerna run dev`.
    if (/^(turbo|nx|lerna)$/.test(bin)) {
      const tasks = w.slice(1).filter((x) => !x.startsWith('-') && x !== 'run' && x !== 'run-many');
      const dev = tasks.find((t) => DEV_SCRIPTS.test(t.replace(/^.*:/, '')) || t === 'serve');
      if (dev) result.devServer ??= `the start runs the \`${dev}\` task (\`${line}\`)`;
      binary(bin, line);
      return;
    }
    if (/^(sh|bash|ash|dash|zsh)$/.test(bin) && w[1] === '-c') return;
    if (bin === 'concurrently' || bin === 'run-s' || bin === 'run-p' || bin === 'npm-run-all' || bin === 'npm-run-all2') {
      binary(bin, line);
      return;
    }
    if (
      bin === 'node' ||
      bin === 'nodejs' ||
      bin === 'bun' ||
      bin === 'ts-node' ||
      bin === 'tsx' ||
      bin === 'ts-node-dev' ||
      bin === 'babel-node' ||
      bin === 'nodemon' ||
      bin === 'node-dev'
    ) {
      if (bin !== 'node' && bin !== 'nodejs' && bin !== 'bun') binary(bin, line);
      if (bin === 'ts-node' || bin === 'tsx' || bin === 'ts-node-dev') result.runsTypeScript = true;
      if (bin === 'ts-node' || bin === 'tsx' || bin === 'ts-node-dev')
        for (const t of tsconfigChain(facts)) file(t.path, `read by ${bin} at run time`);
      if (bin === 'babel-node')
        for (const b of ['.babelrc', 'babel.config.js', 'babel.config.json', '.babelrc.js'])
          if (facts.topLevel.has(b)) file(b, 'read by babel-node at run time');
      // Packages the app's code imports: a devDependency among them is needed at run time too.
      const imports = (file: string, loads: string) => {
        const manifest = manifestOf(here);
        for (const [p, from] of importedPackages(project, inContext(file)))
          if (manifest?.devDependencies?.[p] !== undefined && manifest.dependencies?.[p] === undefined)
            need(p, `imported by ${from}, which \`${line}\` ${loads}`);
      };
      for (let i = 1; i < w.length; i++) {
        const a = w[i];
        const { name, value: inline } = splitFlag(a);
        if (MODULE_FLAGS.test(name)) {
          const v = inline ?? w[++i];
          const p = v ? packageOfModule(v) : null;
          // A preload of the app's own (-r ./tracing.js, --import ./otel.mjs): what it imports is loaded too.
          if (v && !p) {
            entry(v);
            imports(v.replace(/^\.\//, ''), `preloads (${name})`);
          }
          if (p) {
            need(p, line);
            if (
              p === 'tsconfig-paths' ||
              p === 'ts-node' ||
              p === 'tsx' ||
              p === '@swc-node/register' ||
              p === 'esbuild-register'
            )
              for (const t of tsconfigChain(facts)) file(t.path, `read by ${v} at run time`);
          }
          continue;
        }
        if (ENV_FILE_FLAGS.test(name)) {
          const v = inline ?? w[++i];
          if (v) {
            entry(v);
            file(v.replace(/^\.\//, ''), `read by node ${name} at start-up`);
          }
          continue;
        }
        // Other flags of node's own that take the next word as their value (--title api, -C production).
        if ((bin === 'node' || bin === 'nodejs') && inline === null && nodeFlagTakesValue(name)) {
          i++;
          continue;
        }
        if (a === '--' || (bin === 'bun' && i === 1 && a === 'run')) continue;
        if (!a.startsWith('-')) {
          // `node .` (or a folder) runs the package's main: the folder's package.json says which file.
          const runs = a.startsWith('/') ? a : entryOf(a);
          entry(runs);
          if (bin === 'bun' && /\.[cm]?tsx?$/.test(runs)) result.runsTypeScript = true;
          if (!a.startsWith('/')) imports(runs, 'loads');
          const m = /^(?:\.\/)?((?:[^/]+\/)*standalone)\/server\.js$/.exec(a);
          if (m && (bin === 'node' || bin === 'nodejs') && nextStandalone(facts))
            result.next ??= { kind: 'standalone', line, dir: normalizePosix(`/${m[1]}`).slice(1) };
          break;
        }
      }
      return;
    }
    // Database CLIs that load TypeScript configs or migrations (knexfile.ts, a data-source.ts) need
    // the sources and ts-node at run time.
    if (/^(knex|typeorm|sequelize|sequelize-cli|mikro-orm)$/.test(bin)) {
      binary(bin, line);
      const ts =
        w.slice(1).find((x) => /\.[cm]?ts$/.test(x) && !x.endsWith('.d.ts')) ??
        (bin === 'knex' && !w.includes('--knexfile') && facts.topLevel.has('knexfile.ts') ? 'knexfile.ts' : null);
      if (ts) result.needsSources ??= `\`${line}\` loads ${ts} through ts-node at start-up`;
      return;
    }
    // The Next.js production server reads the build output, public/ and its config when it starts. Since
    // Next.js 15 it compiles a next.config.ts at start-up with the typescript package, which is most
    // often a devDependency: then devDependencies stay.
    if (bin === 'next' && w[1] === 'start') {
      need('next', line);
      result.next ??= { kind: 'next-start', line };
      const cfg = nextConfigFile(facts);
      if (cfg) {
        file(cfg, '`next start` loads it');
        if (/\.m?ts$/.test(cfg)) {
          // Next.js resolves typescript (installing it when missing) and reads tsconfig.json's paths to compile it.
          need('typescript', `${line}, which compiles ${cfg} at start-up`);
          for (const t of tsconfigChain(facts))
            if (facts.topLevel.has(t.path.split('/')[0])) file(t.path, `read by \`next start\` to compile ${cfg}`);
        }
        for (const f of nextConfigImports(project)) file(f, `imported by ${cfg}, which \`next start\` loads`);
      }
      if (facts.topLevel.get('public') === 'dir') file('public', '`next start` serves it');
      return;
    }
    if (bin === 'pm2-runtime' || bin === 'pm2' || bin === 'pm2-docker' || bin === 'forever') {
      need(bin === 'forever' ? 'forever' : 'pm2', line);
      // `pm2-runtime ecosystem.config.js`, `pm2 start server.js`, `forever start app.js`: the file it runs.
      const args = w.slice(1).filter((x) => !x.startsWith('-'));
      const target = bin === 'pm2-runtime' || bin === 'pm2-docker' ? args[0] : args[0] === 'start' ? args[1] : args[0];
      if (target && /[./]/.test(target) && !/^[a-z]+$/.test(target)) entry(target);
      return;
    }
    if (bin === 'prisma' && (w[1] === 'migrate' || (w[1] === 'db' && w[2] !== 'seed'))) {
      need('prisma', line);
      for (const f of prismaFiles(facts, w)) {
        file(f, `read by \`prisma ${w[1]}\` at start-up`);
        // prisma.config.ts loads what it imports (dotenv/config, an adapter) when the CLI starts.
        if (/^prisma\.config\.[cm]?[jt]s$/.test(f))
          for (const m of (facts.read(f) ?? '').matchAll(/(?:\bfrom|\bimport|\brequire\s*\()\s*["']([^"']+)["']/g)) {
            const p = packageOfModule(m[1]);
            if (p && p !== 'prisma') need(p, `${f} imports ${m[1]}`);
          }
      }
      return;
    }
    // A script file the walker followed (./start.sh), or one it cannot read: not a package's binary.
    if (/\.(sh|bash)$/.test(bin) || w[0].startsWith('./')) {
      // A bare name is looked up on PATH (docker-entrypoint.sh copied to /usr/local/bin), not in the app.
      if (!w[0].includes('$') && w[0].includes('/')) entry(w[0]);
      return;
    }
    if (expands) return;
    // `bin/www`: a file of the context, run by its path.
    if (w[0].includes('/') && !w[0].startsWith('/') && !w[0].includes('$') && facts.topLevel.has(w[0].split('/')[0])) {
      entry(w[0]);
      return;
    }
    binary(w[0], line);
  }

  // The config package reads ./config (NODE_CONFIG_DIR) when the app loads it.
  if ((deps.config !== undefined || deps['node-config'] !== undefined) && facts.topLevel.get('config') === 'dir')
    file('config', 'read by the config package at run time');
  for (const [name, why] of result.packages) {
    const m = manifestOf(neededIn.get(name) ?? '');
    const dev = m?.devDependencies?.[name] !== undefined && m?.dependencies?.[name] === undefined;
    const rootDev = devDeps[name] !== undefined && deps[name] === undefined;
    if (dev || rootDev) result.devPackages.push({ name, why });
  }
  return result;

  /** The file node runs for an argument: itself, or a folder's main (package.json `main`, else index.js). */
  function entryOf(arg: string): string {
    const p = arg.replace(/\/+$/, '');
    const dir = p === '.' || p === '' ? '' : p.replace(/^\.\//, '');
    if (dir && project.hasFile(inContext(dir))) return arg;
    const m = project.workspace.manifestOrNull(inContext(dir || '.').replace(/^\.$/, ''));
    if (p !== '.' && !m) return arg;
    const main = typeof m?.main === 'string' && m.main.trim() ? m.main.trim() : 'index.js';
    return normalizePosix(`/${dir ? `${dir}/` : ''}${main}`).slice(1);
  }
}

/**
 * What the prisma CLI reads when it runs: the schema (`--schema`, package.json's `prisma.schema`,
 * else prisma/schema.prisma or the prisma/ folder of a multi-file schema) with the migrations
 * next to it, and the Prisma config file (prisma.config.ts, Prisma 6.6+, required by Prisma 7),
 * which names the schema and the migrations folder itself.
 */
export function prismaFiles(facts: ProjectFacts, w: readonly string[]): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    const clean = normalizePosix(`/${p.replace(/^\.\//, '')}`).slice(1);
    if (clean && !clean.startsWith('..') && !out.includes(clean)) out.push(clean);
  };
  const config = optionValue(w, ['--config']);
  if (config) add(config);
  else
    for (const f of ['prisma.config.ts', 'prisma.config.mts', 'prisma.config.js', 'prisma.config.mjs', 'prisma.config.cjs'])
      if (facts.topLevel.has(f)) add(f);
  const schema = optionValue(w, ['--schema']) ?? facts.packageJson?.prismaSchema;
  if (typeof schema === 'string') {
    const dir = schema.includes('/') ? schema.slice(0, schema.lastIndexOf('/')) : '';
    // The schema's folder holds its migrations/ too: keep the folder, not only the file.
    add(dir && dir !== '.' ? dir : schema);
  } else if (facts.topLevel.has('prisma')) add('prisma');
  return out;
}

/** A start script that is one `node [flags] <file> [args]` call, as the start can run it without the script. */
export interface NodeCall {
  /** The file node runs, without a leading `./`. */
  entry: string;
  /** The whole call as CMD words: `node`, its flags as written, the file, the app's arguments. */
  words: string[];
  /** Modules node loads before the app (`-r`, `--require`, `--import`, `--loader`), as written. */
  preloads: string[];
  /** Env files node reads at start-up (`--env-file`; `optional` for `--env-file-if-exists`). */
  envFiles: { path: string; optional: boolean }[];
}

/** Characters that make sh change a word (expansions, globs, redirections, comments): the word is not what exec form would pass. */
const SHELL_WORD = /[$`*?[\]~<>(){}!|;&#]|^'|^"/;

/**
 * A package script that is one `node [flags] <file> [args]` call (`node dist/main`,
 * `node --enable-source-maps -r dotenv/config dist/main.js --port 3000`): the call, or why it is
 * not one. `nodeCall` says it is a single node call whose flags keep it from running as it is
 * (the debugger, a watcher, code on the command line, a loader from devDependencies, a flag whose
 * form is not known). The only start that can replace another without changing what runs: node's
 * flags are kept as written, and a preload must come from the app or its dependencies.
 */
export function plainNodeCall(
  body: string | undefined,
  pkg?: {
    dependencies?: Record<string, unknown>;
    devDependencies?: Record<string, unknown>;
    optionalDependencies?: Record<string, unknown>;
  } | null,
): NodeCall | { why: string; nodeCall?: true } {
  if (typeof body !== 'string') return { why: 'there is no such script' };
  const cmds = shellWords(body);
  if (cmds.length !== 1) return { why: `\`${body}\` runs more than one command` };
  const w = cmds[0];
  if (w[0] !== 'node') return { why: `\`${body}\` is not a \`node <file>\` call` };
  const refuse = (why: string) => ({ why: `\`${body}\` ${why}`, nodeCall: true as const });
  const preloads: string[] = [];
  const envFiles: NodeCall['envFiles'] = [];
  let i = 1;
  for (; i < w.length; i++) {
    const a = w[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const { name, value: inline } = splitFlag(a);
    const bad = notAProductionRun(name);
    if (bad) return refuse(`${bad} (\`${name}\`)`);
    if (!knownNodeFlag(name, inline !== null))
      return refuse(
        /^--[a-z]/.test(name) && w[i + 1] !== undefined && !w[i + 1].startsWith('-') && /^\d/.test(w[i + 1])
          ? `passes \`${name} ${w[i + 1]}\`: node takes this flag's value only after \`=\` (\`${name}=${w[i + 1]}\`)`
          : `passes \`${name}\`, a flag whose form is not known (it may take the next word as its value)`,
      );
    const value = inline ?? (nodeFlagTakesValue(name) ? w[++i] : null);
    if (nodeFlagTakesValue(name) && !value) return refuse(`passes \`${name}\` without its value`);
    if (value !== null && MODULE_FLAGS.test(name)) {
      const p = packageOfModule(value);
      if (p && !BUILTIN.has(p.replace(/^node:/, ''))) {
        const listed = pkg && (pkg.dependencies?.[p] !== undefined || pkg.optionalDependencies?.[p] !== undefined);
        if (!listed)
          return refuse(
            pkg?.devDependencies?.[p] !== undefined
              ? `loads ${value} (\`${name}\`)${value === p ? '' : ` from ${p}`}, a devDependency: a development setup`
              : `loads ${value} (\`${name}\`)${value === p ? '' : ` from ${p}`}, which package.json does not list among its dependencies`,
          );
      }
      preloads.push(value);
    }
    if (value !== null && ENV_FILE_FLAGS.test(name))
      envFiles.push({ path: value.replace(/^\.\//, ''), optional: name === '--env-file-if-exists' });
  }
  const file = w[i];
  if (file === undefined) return refuse('runs no file');
  if (w.some((x) => SHELL_WORD.test(x) || x === ''))
    return refuse('has words the shell expands or redirects, which exec form would pass to node as they are');
  return {
    entry: file.replace(/^\.\//, ''),
    words: [...w.slice(0, i), file.replace(/^\.\//, ''), ...w.slice(i + 1)],
    preloads,
    envFiles,
  };
}

/**
 * The start runs pnpm or yarn through corepack with no version pinned (no packageManager field, no
 * global install): corepack fetched it into root's home while the build ran, and another stage or
 * user would fetch whatever is newest at start-up, needing the network, and may reinstall
 * node_modules with it. Returns why, or null.
 */
export function unpinnedCorepackStart(doc: ParsedDockerfile, stage: Stage, facts: ProjectFacts, start: StartPath): string | null {
  const pm = ['pnpm', 'yarn'].find((m) => start.managers.has(m));
  if (!pm || facts.packageJson?.packageManager) return null;
  if (pm === 'yarn' && facts.manager !== 'yarn-berry') return null;
  const runs = stageChain(doc, stage).flatMap((st) => st.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.content));
  if (!runs.some((t) => /\bcorepack\s+enable\b/.test(t))) return null;
  if (
    runs.some((t) =>
      new RegExp(`\\b(npm\\s+(i|install|add)\\s+(-g|--global)\\s+.*\\b${pm}\\b|corepack\\s+(prepare|install|use)\\b)`).test(t),
    )
  )
    return null;
  return `the start runs ${pm} through corepack with no version pinned (no packageManager field): the build fetched it into root's home, and the running image would fetch whatever ${pm} is newest at every start`;
}
