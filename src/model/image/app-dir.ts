/**
 * The app directory of a build stage beyond the build context: what its instructions create there.
 * RUN commands with known effects (mkdir, touch, redirects, cp/mv, ln, curl -o, tar -C, git clone),
 * the outputs of the build tools the build scripts run (tsc, esbuild, tsup, rollup, webpack, vite,
 * babel, swc, nest, next, parcel, ncc), archives ADD unpacks, and copies from other stages.
 * Anything whose effect on the app directory cannot be told makes the model "unknown": then the
 * runtime stage must receive the whole directory.
 */
import { copyParts, normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../../dockerfile/parse.js';
import type { ProjectFacts } from '../project/facts.js';
import { parseJsonc, tsconfigOutDir } from '../project/tsconfig.js';
import { copyDest, isContextCopy, workdirAt } from '../../dockerfile/query.js';
import { classifyRun, stageChain } from '../commands/classify.js';
import { optionValue } from '../commands/command-line.js';
import type { Verb } from '../commands/package-manager.js';
import { ScriptWalker, type WalkEvent } from '../commands/script-graph.js';
import type { Project } from '../project/project.js';
import type { StartPath } from './start-path.js';

export interface Created {
  /** Path relative to the app directory (may be nested: server/dist). */
  path: string;
  /** 'file', 'dir', or 'any' when it cannot be told. */
  type: 'file' | 'dir' | 'any';
  why: string;
}

export interface AppDirModel {
  created: Created[];
  /**
   * Created paths the running app never needs: build caches (`.next/cache`, the cache of `next build`).
   * Each lies inside a created path.
   */
  caches: Created[];
  /** Why the effect of some step on the app directory is unknown, or null. */
  unknown: { why: string; line?: number } | null;
  /** The build runs a known build tool (its outputs are among `created`). */
  builds: boolean;
  /** Writes into node_modules (installs, `prisma generate`, patch-package, npm rebuild), with the line of their instruction. */
  nodeModules: NodeModulesWrite[];
}

export interface NodeModulesWrite {
  why: string;
  line?: number;
}

/** Commands that never write into the app directory (beyond node_modules). */
// prettier-ignore
const NO_APP_WRITES = new Set([
  'true', 'false', 'set', 'export', 'echo', 'printf', 'cat', 'ls', 'pwd', 'which', 'test', '[', 'sleep',
  'chmod', 'chown', 'chgrp', 'rm', 'rimraf', 'del', 'del-cli', 'apk', 'apt-get', 'apt', 'yum', 'dnf',
  'microdnf', 'update-ca-certificates', 'adduser', 'addgroup', 'useradd', 'groupadd', 'usermod', 'corepack',
  'husky', 'patch-package', 'eslint', 'prettier', 'jest', 'vitest', 'mocha', 'ava', 'tap', 'c8', 'nyc',
  'tsd', 'xo', 'standard', 'biome', 'stylelint', 'node-gyp', 'npm-check', 'audit-ci', 'is-ci', 'sha256sum',
  'md5sum', 'grep', 'sed', 'awk', 'find', 'id', 'whoami', 'uname', 'date', 'env', 'node --version',
  'ldconfig', 'command', 'type', 'hash', 'exit', ':',
]);
export const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;
interface Ctx {
  facts: ProjectFacts;
  /** The project, when the walk follows scripts into workspace packages. */
  project?: Project;
  appDir: string;
  created: Created[];
  caches: Created[];
  /** Paths outside the app directory that commands write (or a command with an unknown effect there). */
  outside: string[];
  unknown: AppDirModel['unknown'];
  builds: boolean;
  nodeModules: NodeModulesWrite[];
  line?: number;
}

function rel(ctx: Ctx, cwd: string, p: string): string | null {
  if (!p || p.includes('$') || p === '/dev/null' || p.startsWith('&')) return null;
  const abs = p.startsWith('/') ? normalizePosix(p) : normalizePosix(`${cwd}/${p}`);
  if (abs === ctx.appDir) return '.';
  if (!abs.startsWith(ctx.appDir === '/' ? '/' : ctx.appDir + '/')) return null; // outside the app directory
  return abs.slice(ctx.appDir.length + 1);
}

function create(ctx: Ctx, cwd: string, p: string, type: Created['type'], why: string) {
  const r = rel(ctx, cwd, p.replace(/\/+$/, ''));
  if (r === null) {
    if (p !== '/dev/null' && !p.startsWith('&')) ctx.outside.push(p);
    return;
  }
  if (r === '.') {
    if (type !== 'dir') unknown(ctx, `${why} writes into the app directory itself`);
    return;
  }
  if (r.split('/')[0] === 'node_modules') {
    ctx.nodeModules.push({ why, line: ctx.line });
    return;
  }
  if (!ctx.created.some((c) => c.path === r)) ctx.created.push({ path: r, type, why });
}

/** A fresh walk over the app directory `appDir`. */
function newCtx(facts: ProjectFacts, appDir: string, line?: number): Ctx {
  return {
    facts,
    appDir: normalizePosix(appDir),
    created: [],
    caches: [],
    outside: [],
    unknown: null,
    builds: false,
    nodeModules: [],
    ...(line !== undefined ? { line } : {}),
  };
}

function unknown(ctx: Ctx, why: string) {
  ctx.unknown ??= { why, line: ctx.line };
}

function readConfig(facts: ProjectFacts, names: string[]): string | null {
  for (const n of names) {
    const t = facts.read(n);
    if (t !== null) return t;
  }
  return null;
}

const quoted = (key: string, text: string): string[] =>
  [...text.matchAll(new RegExp(`\\b${key}\\s*:\\s*["'\`]([^"'\`$]+)["'\`]`, 'g'))].map((m) => m[1].replace(/^\.\//, ''));

/** What one build tool invocation writes, relative to cwd; null when unknown. */
function toolOutputs(
  ctx: Ctx,
  w: string[],
  facts: ProjectFacts = ctx.facts,
): { path: string; type: Created['type']; cache?: boolean }[] | null {
  const bin = w[0].replace(/^.*\//, '');
  const dir = (p: string | null) => (p ? [{ path: p.replace(/^\.\//, ''), type: 'dir' as const }] : null);
  const fileOut = (p: string | null) => (p ? [{ path: p.replace(/^\.\//, ''), type: 'file' as const }] : null);
  switch (bin) {
    case 'tsc': {
      if (w.includes('--noEmit')) return [];
      const outDir = optionValue(w, ['--outDir']);
      if (outDir) return dir(outDir);
      const outFile = optionValue(w, ['--outFile']);
      if (outFile) return fileOut(outFile);
      let project =
        optionValue(w, ['-p', '--project']) ??
        (w.includes('-b') || w.includes('--build') ? (w.find((x, i) => i > 0 && !x.startsWith('-')) ?? null) : null) ??
        'tsconfig.json';
      if (!project.endsWith('.json')) project = `${project.replace(/\/+$/, '')}/tsconfig.json`;
      const ts = tsconfigOutDir(facts, project.replace(/^\.\//, ''));
      if (ts.noEmit && !ts.outDir) return [];
      return ts.outDir ? dir(ts.outDir) : null; // no outDir: .js files next to the sources
    }
    case 'esbuild':
      return fileOut(optionValue(w, ['--outfile'])) ?? dir(optionValue(w, ['--outdir']));
    case 'tsup': {
      const o = optionValue(w, ['-d', '--out-dir']);
      if (o) return dir(o);
      const cfg = readConfig(facts, [
        'tsup.config.ts',
        'tsup.config.js',
        'tsup.config.mjs',
        'tsup.config.cjs',
        'tsup.config.json',
      ]);
      const dirs = cfg ? quoted('outDir', cfg) : [];
      return dirs.length ? dirs.map((d) => ({ path: d, type: 'dir' as const })) : dir('dist');
    }
    case 'rollup': {
      const f = optionValue(w, ['-o', '--file']);
      if (f) return fileOut(f);
      const d = optionValue(w, ['-d', '--dir']);
      if (d) return dir(d);
      const cfgName = optionValue(w, ['-c', '--config']);
      const cfg = readConfig(
        facts,
        cfgName && !cfgName.startsWith('-')
          ? [cfgName]
          : ['rollup.config.js', 'rollup.config.mjs', 'rollup.config.ts', 'rollup.config.cjs'],
      );
      if (!cfg) return null;
      const outs = [
        ...quoted('file', cfg).map((p) => ({ path: p, type: 'file' as const })),
        ...quoted('dir', cfg).map((p) => ({ path: p, type: 'dir' as const })),
      ];
      return outs.length ? outs : null;
    }
    case 'webpack':
    case 'webpack-cli': {
      if (w[1] === 'serve') return [];
      const o = optionValue(w, ['--output-path', '-o']);
      if (o) return dir(o);
      const cfg = readConfig(facts, [
        optionValue(w, ['-c', '--config']) ?? 'webpack.config.js',
        'webpack.config.js',
        'webpack.config.ts',
        'webpack.config.cjs',
        'webpack.config.mjs',
      ]);
      if (!cfg) return dir('dist');
      const m = [...cfg.matchAll(/\bpath\s*:\s*(?:path\.(?:resolve|join)\(\s*__dirname\s*,\s*)?["'`]([^"'`$]+)["'`]/g)].map((x) =>
        x[1].replace(/^\.\//, ''),
      );
      if (/\bpath\s*:/.test(cfg) && !m.length) return null;
      return m.length ? m.map((p) => ({ path: p, type: 'dir' as const })) : dir('dist');
    }
    case 'vite': {
      if (w[1] !== 'build') return [];
      const o = optionValue(w, ['--outDir']);
      if (o) return dir(o);
      const cfg = readConfig(facts, [
        'vite.config.ts',
        'vite.config.js',
        'vite.config.mjs',
        'vite.config.mts',
        'vite.config.cjs',
      ]);
      const dirs = cfg ? quoted('outDir', cfg) : [];
      return dirs.length ? dirs.map((d) => ({ path: d, type: 'dir' as const })) : dir('dist');
    }
    case 'next': {
      if (w[1] === 'export') return dir(optionValue(w, ['-o', '--outdir']) ?? 'out');
      if (w[1] !== 'build') return [];
      const cfg = readConfig(facts, ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs']);
      const dirs = cfg ? quoted('distDir', cfg) : [];
      const outs = dirs.length ? dirs : ['.next'];
      // next build keeps its compiler and fetch cache in <distDir>/cache: the running server does not need it.
      const caches = outs.map((d) => ({ path: `${d}/cache`, type: 'dir' as const, cache: true }));
      if (cfg && /output\s*:\s*["']export["']/.test(cfg)) outs.push('out');
      return [...outs.map((d) => ({ path: d, type: 'dir' as const })), ...caches];
    }
    case 'nest': {
      if (w[1] !== 'build') return null;
      const ts = tsconfigOutDir(
        facts,
        optionValue(w, ['-p', '--path']) ??
          (facts.read('tsconfig.build.json') !== null ? 'tsconfig.build.json' : 'tsconfig.json'),
      );
      const outs = dir(ts.outDir ?? 'dist')!;
      // nest-cli.json assets land in the outDir, unless an asset names its own outDir.
      try {
        const cli = parseJsonc(facts.read('nest-cli.json') ?? '{}') as { compilerOptions?: { assets?: unknown } };
        const assets = Array.isArray(cli?.compilerOptions?.assets) ? cli.compilerOptions.assets : [];
        for (const a of assets as { outDir?: unknown }[])
          if (a && typeof a.outDir === 'string') outs.push({ path: normalizePosix(`/${a.outDir}`).slice(1), type: 'dir' });
      } catch {
        // An unreadable nest-cli.json names no extra output.
      }
      return outs;
    }
    case 'babel':
    case 'swc':
      return dir(optionValue(w, ['-d', '--out-dir'])) ?? fileOut(optionValue(w, ['-o', '--out-file']));
    case 'parcel':
      return w[1] === 'build' ? dir(optionValue(w, ['--dist-dir', '-d']) ?? 'dist') : null;
    case 'ncc':
      return w[1] === 'build' ? dir(optionValue(w, ['-o', '--out']) ?? 'dist') : null;
    case 'prisma':
      if (w[1] === 'generate') return prismaGenerated(facts, w);
      return w[1] === 'validate' || w[1] === 'format' ? [] : null;
    case 'copyfiles':
    case 'cpx':
    case 'cpy': {
      const args = w.slice(1).filter((x) => !x.startsWith('-'));
      return args.length > 1 ? dir(args[args.length - 1]) : null;
    }
    default:
      return null;
  }
}

/**
 * Where `prisma generate` writes: each generator's `output` (relative to its schema file; the
 * `prisma-client` generator of Prisma 6.6+ and 7 requires one), or node_modules/.prisma and
 * @prisma/client when a generator has none (then nothing outside node_modules). The schema is the
 * one `--schema`, package.json's `prisma.schema` or prisma.config.* names, else prisma/.
 */
function prismaGenerated(facts: ProjectFacts, w: string[]): { path: string; type: Created['type'] }[] {
  const config = readConfig(facts, [
    optionValue(w, ['--config']) ?? 'prisma.config.ts',
    'prisma.config.ts',
    'prisma.config.mts',
    'prisma.config.js',
    'prisma.config.mjs',
  ]);
  const named =
    optionValue(w, ['--schema']) ?? facts.packageJson?.prismaSchema ?? (config ? quoted('schema', config)[0] : undefined);
  const base = typeof named === 'string' ? normalizePosix(`/${named}`).slice(1) : 'prisma/schema.prisma';
  // A schema folder (multi-file schema) or a file.
  const schemaFiles = (facts.files ?? []).filter(
    (f) => f === base || (f.startsWith(`${base.replace(/\/schema\.prisma$/, '')}/`) && f.endsWith('.prisma')),
  );
  const out: { path: string; type: Created['type'] }[] = [];
  // Without a schema to read, or for a generator with no output: the client goes into node_modules.
  let intoNodeModules = schemaFiles.length === 0;
  for (const f of schemaFiles) {
    const text = facts.read(f) ?? '';
    const dir = f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '';
    for (const block of text.matchAll(/^\s*generator\s+\w+\s*\{([^}]*)\}/gm)) {
      const m = /^\s*output\s*=\s*"([^"]+)"/m.exec(block[1]);
      if (!m) intoNodeModules = true;
      if (!m || m[1].startsWith('env(')) continue;
      const p = normalizePosix(`/${dir ? dir + '/' : ''}${m[1]}`).slice(1);
      if (p && !p.startsWith('..') && !out.some((o) => o.path === p)) out.push({ path: p, type: 'dir' });
    }
  }
  if (intoNodeModules) out.push({ path: 'node_modules/.prisma', type: 'dir' });
  return out;
}

function addOrCopy(ctx: Ctx, doc: ParsedDockerfile, st: Stage, ins: Instr) {
  const parts = copyParts(ins);
  const dest = copyDest(ins, workdirAt(st, ins, doc));
  if (!parts || !dest) {
    if (rel(ctx, '/', dest ?? ctx.appDir) !== null)
      unknown(ctx, `\`${ins.text.split(/\r?\n/)[0]}\` copies to a destination that cannot be resolved`);
    return;
  }
  const destRel = rel(ctx, '/', dest);
  if (destRel === null) return;
  const why = `\`${ins.text.split(/\r?\n/)[0]}\``;
  const intoDir = parts.dest.endsWith('/') || parts.sources.length > 1 || destRel === '.';
  if (ins.keyword === 'COPY') {
    // From another stage or image.
    for (const s of parts.sources) {
      const base = s.replace(/\/+$/, '').replace(/^.*\//, '');
      if (destRel === '.' && (s === '.' || s.endsWith('/') || !base.includes('.'))) {
        unknown(ctx, `${why} copies a directory's contents into the app directory`);
        continue;
      }
      create(ctx, '/', intoDir ? `${dest}/${base}` : dest, 'any', why);
    }
    return;
  }
  for (const s of parts.sources) {
    const base = s.replace(/\/+$/, '').replace(/^.*\//, '');
    if (/^https?:\/\//.test(s)) {
      create(ctx, '/', intoDir ? `${dest}/${base}` : dest, 'file', why);
    } else if (ARCHIVE.test(s)) {
      if (destRel === '.') unknown(ctx, `${why} unpacks ${s} into the app directory, and its contents cannot be told`);
      else create(ctx, '/', dest, 'dir', `${why} unpacks ${s} there`);
    }
    // Other ADD sources are context files, known to the selective copy.
  }
}

/** Package-manager verbs that change node_modules. */
const NODE_MODULES_VERBS: ReadonlySet<Verb> = new Set([
  'install',
  'ci',
  'add',
  'prune',
  'rebuild',
  'dedupe',
  'link',
  'remove',
  'update',
  'focus',
]);

/** The effect on the app directory of one event of the walk. */
function effect(ctx: Ctx, e: WalkEvent): void {
  switch (e.kind) {
    case 'script':
      return;
    case 'missing-script':
      if (!e.implicit) unknown(ctx, `\`${e.words.join(' ')}\` runs a script package.json does not have`);
      return;
    case 'unknown':
      if (e.reason === 'depth') unknown(ctx, 'the build scripts nest too deeply to follow');
      else if (e.reason === 'outside')
        unknown(ctx, `\`${e.words.join(' ')}\` runs outside the app directory, in another package`);
      else unknown(ctx, e.why);
      return;
    case 'command':
      break;
  }
  const cwd = e.cwd;
  for (const t of e.writes) create(ctx, cwd, t, 'file', `a redirect to ${t}`);
  const w = e.words;
  const text = w.join(' ');
  const pm = e.pm;
  if (pm) {
    // `npm --prefix /opt/app install`: another folder's node_modules.
    const outside = pm.targets.find((t) => t.by === 'dir' && rel(ctx, cwd, t.value) === null);
    if (outside) {
      ctx.outside.push(outside.value);
      return;
    }
    if (pm.global) return;
    if (pm.verb === 'pack') unknown(ctx, `\`${text}\` writes a tarball`);
    if (NODE_MODULES_VERBS.has(pm.verb) || (pm.manager === 'yarn' && pm.subIndex < 0))
      ctx.nodeModules.push({ why: `\`${text}\``, line: ctx.line });
    return;
  }
  // Wrappers, shells and script runners: the walk follows what they run.
  if (e.expands) return;
  // A command of a workspace package's script runs with that package's configs (tsconfig.json, vite.config.ts).
  leaf(ctx, w, cwd, e.dir && ctx.project ? ctx.project.scoped(e.dir).facts : ctx.facts, e.dir ?? '');
}

/** What a command the walk does not follow writes into the app directory. */
function leaf(ctx: Ctx, w: string[], cwd: string, facts: ProjectFacts, dir: string): void {
  const bin = w[0].replace(/^.*\//, '');
  const text = w.join(' ');
  if (bin === 'mkdir') {
    for (const p of w.slice(1).filter((x) => !x.startsWith('-'))) create(ctx, cwd, p, 'dir', `\`${text}\``);
    return;
  }
  if (bin === 'touch') {
    for (const p of w.slice(1).filter((x) => !x.startsWith('-'))) create(ctx, cwd, p, 'file', `\`${text}\``);
    return;
  }
  if (bin === 'cp' || bin === 'mv' || bin === 'ln' || bin === 'install' || bin === 'rsync') {
    const args = w.slice(1).filter((x) => !x.startsWith('-'));
    const t = w.includes('-t') ? w[w.indexOf('-t') + 1] : args[args.length - 1];
    if (t && args.length >= (bin === 'ln' ? 1 : 2)) create(ctx, cwd, t, 'any', `\`${text}\``);
    else unknown(ctx, `\`${text}\` writes where it cannot be told`);
    return;
  }
  if (bin === 'curl' || bin === 'wget') {
    const o = optionValue(w, bin === 'curl' ? ['-o', '--output'] : ['-O', '--output-document']);
    if (o) create(ctx, cwd, o, 'file', `\`${text}\``);
    else if (bin === 'wget' || w.includes('-O') || w.includes('--remote-name'))
      unknown(ctx, `\`${text}\` downloads a file under a name taken from the URL`);
    return;
  }
  if (bin === 'git') {
    if (w[1] === 'clone') {
      const args = w.slice(2).filter((x) => !x.startsWith('-'));
      const target = args[1] ?? args[0]?.replace(/\.git$/, '').replace(/^.*[/:]/, '');
      if (target) create(ctx, cwd, target, 'dir', `\`${text}\``);
      else unknown(ctx, `\`${text}\``);
    }
    return;
  }
  if (bin === 'tar' || bin === 'unzip') {
    const into = bin === 'tar' ? optionValue(w, ['-C', '--directory']) : optionValue(w, ['-d']);
    const extracting = bin === 'unzip' || w.some((x) => /^-?[a-zA-Z]*x/.test(x) || x === '--extract');
    if (!extracting) {
      const f =
        optionValue(w, ['-f', '--file']) ??
        w.find((x, i) => i > 0 && /^-?[a-zA-Z]*f$/.test(w[i - 1] ?? '') && !x.startsWith('-'));
      if (f) create(ctx, cwd, f, 'file', `\`${text}\``);
      else unknown(ctx, `\`${text}\``);
    } else if (into) create(ctx, cwd, into, 'dir', `\`${text}\` unpacks into it`);
    else if (rel(ctx, cwd, '.') !== null) unknown(ctx, `\`${text}\` unpacks an archive whose contents cannot be told`);
    return;
  }
  if (bin === 'patch-package') ctx.nodeModules.push({ why: `\`${text}\` patches packages in node_modules`, line: ctx.line });
  if (NO_APP_WRITES.has(bin) || NO_APP_WRITES.has(text)) return;
  const outs = toolOutputs(ctx, w, facts);
  if (outs === null) {
    if (rel(ctx, cwd, '.') === null) {
      ctx.outside.push(cwd); // runs outside the app directory
      return;
    }
    unknown(
      ctx,
      `\`${text}\` runs in ${dir ? `${dir} (a workspace package)` : 'the app directory'}, and what it writes there cannot be told`,
    );
    return;
  }
  ctx.builds = true;
  for (const o of outs) {
    if (!o.cache) {
      create(ctx, cwd, o.path, o.type, `the output of \`${text}\``);
      continue;
    }
    const r = rel(ctx, cwd, o.path);
    if (r && r !== '.' && !ctx.caches.some((c) => c.path === r))
      ctx.caches.push({ path: r, type: o.type, why: `the cache of \`${text}\`` });
  }
}

/** The walker of one app-directory model: it follows scripts once across the stage's RUNs, in the app directory only. */
function appWalker(project: Project, appDir: string): ScriptWalker {
  return new ScriptWalker(project, { base: appDir });
}

/** One RUN: its simple commands in order, through the walker. */
function walkRun(ctx: Ctx, walker: ScriptWalker, doc: ParsedDockerfile, st: Stage, ins: Instr): void {
  const cwd = workdirAt(st, ins, doc) ?? '/';
  const info = classifyRun(doc, ins);
  if (!info.commands.length) {
    if (rel(ctx, cwd, '.') !== null || ins.heredoc) unknown(ctx, `\`${ins.text.split(/\r?\n/)[0]}\` cannot be read`);
    return;
  }
  const list = info.commands.map((c) => c.cmd.words.map((w) => w.value));
  for (const e of walker.walkList(list, { cwd, line: ctx.line })) effect(ctx, e);
}

/**
 * What the build stage `stage` (with the stages it builds on) creates in `appDir` besides the
 * files of the build context and node_modules.
 */
export function appDirModel(doc: ParsedDockerfile, stage: Stage, project: Project, appDir: string): AppDirModel {
  const ctx = newCtx(project.facts, appDir);
  ctx.project = project;
  const walker = appWalker(project, ctx.appDir);
  for (const st of [...stageChain(doc, stage)].reverse()) {
    for (const ins of st.instructions) {
      ctx.line = doc.lineOf(ins.start) + 1;
      if (ins.keyword === 'RUN') walkRun(ctx, walker, doc, st, ins);
      else if (ins.keyword === 'ADD' || (ins.keyword === 'COPY' && !isContextCopy(ins))) addOrCopy(ctx, doc, st, ins);
    }
  }
  return { created: ctx.created, caches: ctx.caches, unknown: ctx.unknown, builds: ctx.builds, nodeModules: ctx.nodeModules };
}

/**
 * What one RUN instruction of `stage` does to `appDir`, on its own: the paths it creates there, or why
 * that cannot be told. A RUN whose every command has a known effect inside the app directory (a `cp` of
 * the build output, a `mkdir`) leaves nothing behind outside it, so the build stage may keep it.
 */
export function runEffect(
  doc: ParsedDockerfile,
  stage: Stage,
  ins: Instr,
  project: Project,
  appDir: string,
): { created: Created[]; unknown: string | null } {
  const ctx = newCtx(project.facts, appDir, doc.lineOf(ins.start) + 1);
  ctx.project = project;
  walkRun(ctx, appWalker(project, ctx.appDir), doc, stage, ins);
  const unknownWhy = ctx.unknown?.why ?? (ctx.outside.length ? `it writes outside ${ctx.appDir} (${ctx.outside[0]})` : null);
  return { created: ctx.created, unknown: unknownWhy };
}

/**
 * The runtime of Next.js' `output: 'standalone'`: when the start runs the standalone server
 * (`node .next/standalone/server.js`) from the app directory and the build stage makes that folder with
 * `next build` (every other step's effect known), the running image needs that folder only: it holds the
 * server, the traced node_modules, package.json, and whatever the build copied into it (`.next/static`,
 * `public/`). Returns the folder (relative to the app directory) and why, or null.
 */
export function standaloneRuntime(model: AppDirModel, start: StartPath): { dir: string; why: string } | null {
  if (start.next?.kind !== 'standalone') return null;
  const dir = start.next.dir;
  if (model.unknown) return null;
  const madeByNext = model.created.some(
    (c) => (dir === c.path || dir.startsWith(c.path + '/')) && /^the output of `.*\bnext build\b/.test(c.why),
  );
  if (!madeByNext) return null;
  return {
    dir,
    why: `\`${start.next.line}\` runs the standalone server next build writes to ${dir}, with the node_modules it needs`,
  };
}

/**
 * What running the package script `script` creates in its package (`project` is the package seen as a
 * project of its own), as the model follows the script: the paths, relative to the package, or why that
 * cannot be told (a tool whose output is unknown, a write outside the package).
 */
export function scriptOutputs(
  project: Project,
  script: string,
): { created: Created[]; unknown: string | null; nodeModules: NodeModulesWrite[] } {
  const dir = '/package';
  const ctx = newCtx(project.facts, dir);
  ctx.project = project;
  for (const e of appWalker(project, dir).walk({ words: ['npm', 'run', script], cwd: dir })) effect(ctx, e);
  const unknownWhy =
    ctx.unknown?.why.replace(/\bthe app directory\b/g, 'the package') ??
    (ctx.outside.length ? `it writes outside the package (${ctx.outside[0]})` : null);
  return { created: ctx.created, unknown: unknownWhy, nodeModules: ctx.nodeModules };
}
