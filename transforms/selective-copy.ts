/**
 * selective-copy: the runtime stage receives only what the app runs (production
 * node_modules, package.json, the build output or the entry file and what it uses)
 * instead of the whole app directory of the build stage.
 */
import { copyParts, normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import type { PackageJson, ProjectFacts } from '../src/model/project/facts.js';
import { isDevEntry } from '../src/model/image/app-files.js';
import { ARCHIVE, type AppDirModel, type Created } from '../src/model/image/app-dir.js';
import type { StartPath } from '../src/model/image/start-path.js';
import {
  copyDest,
  escapeRegExp,
  finalWorkdir,
  flagText,
  globToRegExp,
  isContextCopy,
  lastStage,
  lineNo,
  stageNamed,
  workdirAt,
} from '../src/dockerfile/query.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step, type Stop } from '../src/engine/findings.js';
import { classifyRun, stageChain } from '../src/model/commands/classify.js';
import type { ChangeCode, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';

const ID = 'selective-copy';
const BUILD_INPUTS = /^(src|source|app|client|server|lib|tsconfig.*\.json|.*\.ts)$/;
/** What next build compiles (pages, components, styles, its CSS and lint configs): `next start` reads none of it. */
const NEXT_BUILD_INPUTS =
  /^(pages|components|styles|hooks|utils|types|middleware\.[jt]s|instrumentation\.[jt]s|next-env\.d\.ts|(tailwind|postcss)\.config\.[cm]?[jt]s|eslint\.config\.[cm]?js|\.eslintrc(\.\w+)?)$/;

/** `COPY --from=<stage> <its app dir> <our app dir>`. */
function wholeStageCopy(doc: ParsedDockerfile, stage: Stage): { ins: Instr; src: Stage; appDir: string } | null {
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'COPY') continue;
    const from = ins.flags.find((f) => f.name === 'from')?.value;
    const src = from ? stageNamed(doc, from) : null;
    if (!src || src === stage) continue;
    const parts = copyParts(ins);
    if (!parts || parts.sources.length !== 1) continue;
    // A stage without a WORKDIR of its own works in the one of the stage it builds on.
    const srcDir = finalWorkdir(doc, src);
    if (!srcDir || srcDir === '/') continue;
    if (normalizePosix(parts.sources[0]) !== srcDir) continue;
    const dest = copyDest(ins, workdirAt(stage, ins, doc));
    if (!dest || dest !== srcDir) continue;
    return { ins, src, appDir: srcDir };
  }
  return null;
}

/** Top-level entries present in the build stage's app directory. */
function presentIn(doc: ParsedDockerfile, src: Stage, facts: ProjectFacts, appDir: string): Set<string> | null {
  const present = new Set<string>();
  for (const st of stageChain(doc, src)) {
    for (const ins of st.instructions) {
      if (!isContextCopy(ins)) continue;
      const parts = copyParts(ins);
      const dest = copyDest(ins, workdirAt(st, ins, doc));
      if (!parts || !dest) return null;
      for (const s of parts.sources) {
        // ADD unpacks a local archive: the archive itself is not in the image (the app-dir model knows what it makes).
        if (ins.keyword === 'ADD' && ARCHIVE.test(s)) continue;
        const rel = normalizePosix(s.replace(/^\/+/, ''));
        if (rel === '' || rel === '.') {
          if (dest !== appDir) return null;
          for (const [name] of facts.topLevel) if (!facts.ignored(name)) present.add(name);
        } else if (/[*?[]/.test(rel)) {
          const re = globToRegExp(rel);
          for (const [name] of facts.topLevel) if (!facts.ignored(name) && re.test(name)) present.add(name);
        } else {
          const top = rel.split('/')[0];
          const target = dest.endsWith('/') || parts.sources.length > 1 || facts.topLevel.get(rel) === 'dir' ? null : dest;
          if (dest === appDir || dest === appDir + '/' + rel || (target === null && normalizePosix(dest) === appDir))
            present.add(rel.includes('/') ? top : rel);
          else if (normalizePosix(dest).startsWith(appDir + '/'))
            present.add(
              normalizePosix(dest)
                .slice(appDir.length + 1)
                .split('/')[0],
            );
        }
      }
    }
  }
  return present;
}

const docs = {
  what: 'the runtime stage copies production `node_modules`, `package.json`, what the build created (every build output, generated files, folders RUN made), the entry file and what the sources and start-path loaders name, instead of the whole build directory',
  why: 'tests, docs, sources of a build, Dockerfiles and dev configs stay out of the image',
  changes: {
    selective: 'the whole-directory copy became copies of what the app runs',
  },
  holdsBack: {
    'kept-unknown': 'entries that are neither development files nor build inputs stay, as the app may read them',
    'chown-creates-dir': 'kept the whole copy: it creates the app directory with its owner',
    'no-context': 'kept the whole copy: the build context could not be read',
    'yarn-pnp': "kept the whole copy: Plug'n'Play keeps dependencies outside node_modules",
    'copies-unfollowable': 'kept the whole copy: the build stage copies files in ways that cannot be followed',
    'no-entry': 'kept the whole copy: the entry file cannot be told',
    'unknown-writer': 'kept the whole copy: a build step writes into the app directory, and what it writes cannot be told',
    'entry-missing': "kept the whole copy: the entry is not in the build stage's app directory",
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const selectiveCopy = defineTransform({
  id: ID,
  summary: 'the runtime stage copies node_modules, package.json and what the app runs instead of the whole build directory',
  docs,
  apply({ doc, facts, model }) {
    const checked = check(doc, facts, model);
    if ('stop' in checked) return stopped(checked);
    const planned = plan(doc, facts, model, checked.go);
    if ('stop' in planned) return stopped(planned);
    return emit(doc, planned.go);
  },
});

/** What the plan needs once the whole-directory copy is known to be replaceable. */
interface CopyInputs {
  stage: Stage;
  /** The whole-directory copy. */
  ins: Instr;
  appDir: string;
  /** Top-level entries of the build stage's app directory that come from the context. */
  present: Set<string>;
  /** The build stage installs dependencies. */
  installs: boolean;
  /** What the build creates in the app directory. */
  model: AppDirModel;
  /** The build runs a build tool. */
  builds: boolean;
  start: StartPath;
  /** The start runs TypeScript directly (ts-node, tsx). */
  runsTypeScript: boolean;
  /** Entry files, relative to the app directory. */
  entries: string[];
  /** Next.js' standalone server: the folder that is all the runtime stage needs, or null. */
  standalone: { dir: string; why: string } | null;
  /** The start runs `next start`: its runtime is the build output, public/, the config and node_modules. */
  nextStart: boolean;
  pkg: PackageJson;
  files: readonly string[];
}

/** What the runtime stage receives, as data: `emit` writes the copies. */
interface CopyPlan {
  stage: Stage;
  ins: Instr;
  appDir: string;
  /** Paths (relative to the app directory) copied, in the order they were found, with why. */
  copied: Map<string, string>;
  /** Those of them that are directories. */
  dirs: Set<string>;
  /** Top-level entries left out, sorted. */
  leftOut: string[];
  /** Entries kept only because the app may read them. */
  unknownKept: string[];
}

/** Is there a whole-directory copy from a build stage, and can what the app needs be told? */
function check(doc: ParsedDockerfile, facts: ProjectFacts, image: ImageModel): Step<CopyInputs, Held> {
  const stage = lastStage(doc);
  if (!stage || doc.stages.length < 2) return NOTHING_TO_DO;
  const whole = wholeStageCopy(doc, stage);
  if (!whole) return NOTHING_TO_DO;
  const { ins, src, appDir } = whole;
  const keep = (code: Held, why: string): Stop<Held> => stop(code, `kept \`${ins.text}\`: ${why}`, lineNo(doc, ins));
  if (
    ins.flags.some((f) => f.name === 'chown') &&
    !stage.instructions.some((i) => i.index < ins.index && i.keyword === 'WORKDIR')
  ) {
    return keep(
      'chown-creates-dir',
      `this copy creates ${appDir} owned by ${ins.flags.find((f) => f.name === 'chown')!.value}; copies of its parts would leave the directory itself owned by root`,
    );
  }
  if (!facts.files || !facts.packageJson)
    return keep('no-context', 'the build context could not be read, so what the app needs is unknown');
  if (facts.manager === 'yarn-berry' && !/nodeLinker:\s*["']?node-modules/.test(facts.read('.yarnrc.yml') ?? ''))
    return keep('yarn-pnp', "Yarn Plug'n'Play keeps dependencies outside node_modules");

  const present = presentIn(doc, src, facts, appDir);
  if (!present) return keep('copies-unfollowable', 'the build stage copies files in ways that cannot be followed');
  const chain = stageChain(doc, src);
  const runs = chain.flatMap((st) => st.instructions.filter((i) => i.keyword === 'RUN').map((i) => classifyRun(doc, i)));
  const installs = runs.some((r) => r.commands.some((c) => c.kind === 'install' || c.kind === 'add'));
  // What the build creates in the app directory besides the context's files and node_modules.
  const model = image.appDir(src, appDir);
  if (model.unknown) {
    return keep(
      'unknown-writer',
      `${model.unknown.why}${model.unknown.line ? ` (line ${model.unknown.line})` : ''}; the runtime stage receives the whole directory`,
    );
  }
  const builds = model.builds || runs.some((r) => r.commands.some((c) => c.kind === 'build' && c.manager));
  const start = image.start(stage);
  const entry = image.entries(stage);
  // Absolute paths inside the app directory count like relative ones; other absolute paths are not the app's.
  let entries = entry.paths
    .map((e) => (e.startsWith(appDir + '/') ? e.slice(appDir.length + 1) : e))
    .filter((e) => !e.startsWith('/'));
  if (!entries.length && facts.packageJson.main) entries = [facts.packageJson.main.replace(/^\.\//, '')];
  // Next.js: the standalone server needs its folder only; `next start` needs what next build wrote and
  // what the start path names (config, public/), not an entry file.
  const wd = workdirAt(stage, ins, doc);
  const standalone = wd && normalizePosix(wd) === appDir ? image.standaloneRuntime(src, start, appDir) : null;
  const nextStart = start.next?.kind === 'next-start' && model.created.some((c) => /`next build\b/.test(c.why));
  if (standalone) entries = [standalone.dir];
  if (!entries.length && !nextStart)
    return keep('no-entry', 'the entry file cannot be told from CMD, ENTRYPOINT, the start script or main');
  return go({
    stage,
    ins,
    appDir,
    present,
    installs,
    model,
    builds,
    start,
    runsTypeScript: entry.runsTypeScript,
    entries,
    standalone,
    nextStart,
    pkg: facts.packageJson,
    files: facts.files,
  });
}

/** What the app runs: dependencies, package.json, what the build created, the entry, and what the app and the start path read. */
function plan(doc: ParsedDockerfile, facts: ProjectFacts, image: ImageModel, inputs: CopyInputs): Step<CopyPlan, Held> {
  const { stage, ins, appDir, present, model, start, pkg, files } = inputs;
  if (inputs.standalone) return standalonePlan(inputs, inputs.standalone);
  const subDirs = new Set<string>();
  const need = new Map<string, string>();
  const add = (name: string, why: string) => {
    if (!need.has(name)) need.set(name, why);
  };
  // An app without dependencies gets no node_modules from its install.
  const hasProdDeps =
    Object.keys(pkg.dependencies).length > 0 ||
    Object.keys(pkg.optionalDependencies ?? {}).length > 0 ||
    // A workspace (package.json `workspaces`, pnpm-workspace.yaml): the packages' dependencies live in node_modules.
    facts.workspaces;
  if (inputs.installs && (hasProdDeps || (start.devPackages.length > 0 && Object.keys(pkg.devDependencies).length > 0)))
    add('node_modules', 'production dependencies');
  add('package.json', 'read by Node.js and npm');
  const created = new Map<string, Created>(model.created.map((c) => [c.path, c]));
  const outs = [...created.keys()];
  const isOutput = (e: string) => outs.some((o) => e === o || e.startsWith(o + '/'));
  // Created at the top level: copied as they are. Created inside a context folder: see below.
  for (const c of model.created) {
    const top = c.path.split('/')[0];
    if (c.path.includes('/') && present.has(top)) continue;
    add(top, c.why);
    if (c.path.includes('/')) subDirs.add(top);
  }
  for (const e of inputs.entries) {
    const top = e.split('/')[0];
    if (isOutput(e)) continue;
    if (!present.has(top))
      return stop(
        'entry-missing',
        `kept \`${ins.text}\`: the entry ${e} is not in the build stage's ${appDir}`,
        lineNo(doc, ins),
      );
    add(top, 'entry point');
  }
  // node_modules links each workspace package to its folder (npm, yarn, pnpm): the folders come along.
  if (need.has('node_modules'))
    for (const p of image.project.workspace.packages) {
      const top = p.dir.split('/')[0];
      if (p.dir && present.has(top)) add(top, `holds workspace package ${p.name ?? p.dir}, which node_modules links to`);
    }
  // What the app's sources, and the runtime stage's own instructions, name.
  const buildOnly = new Set<string>();
  if (inputs.builds) {
    for (const n of present) if (BUILD_INPUTS.test(n) && !created.has(n) && !need.has(n)) buildOnly.add(n);
    // What next build compiles into .next: the server reads none of it.
    if (inputs.nextStart) for (const n of present) if (NEXT_BUILD_INPUTS.test(n) && !need.has(n)) buildOnly.add(n);
    if (facts.tsRootDir) buildOnly.add(facts.tsRootDir.split('/')[0]);
  }
  // Files that loaders on the start path read at run time (tsconfig.json for tsconfig-paths, ...).
  for (const f of start.runtimeFiles) {
    const top = f.path.split('/')[0];
    if (present.has(top)) add(top, f.why);
  }
  // Env files the app reads when it runs (dotenv, dotenv-safe's .env.example, --env-file, next start):
  // the same decision the dockerignore transform takes for the build context.
  // Machine-local files (Next.js' .env.local) stay out of the build context, so out of the image.
  for (const u of image.envFiles())
    if (u.run.length && !u.machineLocal && present.has(u.file)) add(u.file, `read at run time by ${u.run.join(', ')}`);
  // Started through yarn 2+: yarn needs its settings and release to run at all.
  if (facts.manager === 'yarn-berry' && start.managers.has('yarn')) {
    if (present.has('.yarnrc.yml')) add('.yarnrc.yml', 'read by yarn, which starts the app');
    for (const sub of ['.yarn/releases', '.yarn/plugins']) {
      if (present.has('.yarn') && files.some((f) => f.startsWith(sub + '/'))) {
        add(sub, "yarn's release and plugins, which start the app");
        subDirs.add(sub);
      }
    }
  }
  // Started through pnpm or npm: pnpm finds the workspace's packages (`pnpm --filter api start`) in
  // pnpm-workspace.yaml, and both read .npmrc's settings (enable-pre-post-scripts, script-shell,
  // node-options). An .npmrc that holds credentials stays in the build stage.
  for (const m of ['pnpm', 'npm'] as const) {
    if (!start.managers.has(m)) continue;
    if (m === 'pnpm' && present.has('pnpm-workspace.yaml')) add('pnpm-workspace.yaml', 'read by pnpm, which starts the app');
    if (present.has('.npmrc') && !/(^|[:\s])_(auth|authToken|password)\s*=/m.test(facts.read('.npmrc') ?? ''))
      add('.npmrc', `read by ${m}, which starts the app`);
  }
  // What the sources name is kept even when its name looks like a development folder (docs/ served as pages).
  for (const p of image.namedBySources(new Set(need.keys()))) {
    const parts = p.split('/');
    const top = parts[0];
    if (!present.has(top) || top === 'node_modules' || (isDevEntry(top) && /^(\.git|coverage|\.nyc_output)$/.test(top))) continue;
    if (!buildOnly.has(top)) {
      add(top, 'used by the app');
      continue;
    }
    // A path inside the sources of a build (src/views): copy just that folder or file.
    if (parts.length < 2) continue;
    const sub = parts.slice(0, 2).join('/');
    const isFile = files.includes(sub);
    const isDir = files.some((f) => f.startsWith(sub + '/'));
    if (isFile || isDir) {
      add(sub, 'used by the app');
      if (isDir) subDirs.add(sub);
    } else if (!/[*?]/.test(p) && !isOutput(p)) {
      // A path under the sources that neither the context nor the build has: the app may create it
      // at run time (GraphQL code first: autoSchemaFile 'src/schema.gql'), which needs the folder.
      add(top, `the app names ${p}, which the image does not hold until the app writes it`);
    }
  }
  if (inputs.runsTypeScript) for (const t of ['tsconfig.json']) if (present.has(t)) add(t, 'read by the TypeScript runner');
  // Paths other runtime instructions use (a context COPY brings its own files; CMD/ENTRYPOINT were read above).
  const runtimeText = stage.instructions
    .filter((i) => i !== ins && !isContextCopy(i) && i.keyword !== 'CMD' && i.keyword !== 'ENTRYPOINT' && i.keyword !== 'FROM')
    .map((i) => i.text)
    .join('\n');
  for (const n of present)
    if (
      !need.has(n) &&
      runtimeText.includes(n) &&
      new RegExp(`(^|[\\s"'=])(\\./|${escapeRegExp(appDir)}/)?${escapeRegExp(n)}($|[\\s"'/])`, 'm').test(runtimeText)
    )
      add(n, 'named by the runtime stage');
  // Keep anything that is neither a known development file nor a build input: it may be read at run time.
  // Files the runtime stage copies from the context itself need no second copy.
  const ownCopies = new Set(
    stage.instructions
      .filter(isContextCopy)
      .flatMap((i) => copyParts(i)?.sources.map((src) => normalizePosix(src.replace(/^\/+/, '')).split('/')[0]) ?? []),
  );
  const unknownKept: string[] = [];
  for (const n of present) {
    if (need.has(n) || isDevEntry(n) || buildOnly.has(n) || facts.ignored(n) || ownCopies.has(n)) continue;
    add(n, 'may be read at run time');
    unknownKept.push(n);
  }
  // Created inside a context folder that stays behind (server/dist while server/ holds sources):
  // the created path on its own.
  for (const c of model.created) {
    const top = c.path.split('/')[0];
    if (!c.path.includes('/') || !present.has(top) || need.has(top)) continue;
    add(c.path, c.why);
    if (c.type !== 'file') subDirs.add(c.path);
  }
  const leftOut = [...present].filter((n) => !need.has(n)).sort();
  if (!leftOut.length) return NOTHING_TO_DO;
  const isDir = (n: string) =>
    n === 'node_modules' ||
    subDirs.has(n) ||
    created.get(n)?.type === 'dir' ||
    created.get(n)?.type === 'any' ||
    facts.topLevel.get(n) === 'dir';
  return go({ stage, ins, appDir, copied: need, dirs: new Set([...need.keys()].filter(isDir)), leftOut, unknownKept });
}

/**
 * Next.js' standalone server: the runtime stage receives its folder (server.js, the node_modules next build
 * traced, package.json, and what the build copied into it) and what the runtime stage's own instructions name.
 */
function standalonePlan(inputs: CopyInputs, standalone: { dir: string; why: string }): Step<CopyPlan, Held> {
  const { stage, ins, appDir, present } = inputs;
  const copied = new Map<string, string>([[standalone.dir, standalone.why]]);
  const runtimeText = stage.instructions
    .filter((i) => i !== ins && !isContextCopy(i) && i.keyword !== 'CMD' && i.keyword !== 'ENTRYPOINT' && i.keyword !== 'FROM')
    .map((i) => i.text)
    .join('\n');
  for (const n of present)
    if (new RegExp(`(^|[\\s"'=])(\\./|${escapeRegExp(appDir)}/)?${escapeRegExp(n)}($|[\\s"'/])`, 'm').test(runtimeText))
      copied.set(n, 'named by the runtime stage');
  const leftOut = [...present].filter((n) => !copied.has(n)).sort();
  const dirs = new Set([
    standalone.dir,
    ...[...copied.keys()].filter((n) => n !== standalone.dir && inputs.files.some((f) => f.startsWith(n + '/'))),
  ]);
  return go({ stage, ins, appDir, copied, dirs, leftOut, unknownKept: [] });
}

/** The whole-directory copy becomes one COPY of node_modules, one of the top-level files, then one per nested file and directory. */
function emit(doc: ParsedDockerfile, p: CopyPlan): TransformResult<Changed, Held> {
  const { stage, ins, appDir, dirs: isDir } = p;
  const need = [...p.copied.keys()];
  const flags = flagText(doc, ins, ['from']);
  const fromFlag = doc.text.slice(ins.flags.find((f) => f.name === 'from')!.start, ins.flags.find((f) => f.name === 'from')!.end);
  const head = ['COPY', fromFlag, ...flags].join(' ');
  const wd = workdirAt(stage, ins, doc);
  const destBase = wd && normalizePosix(wd) === appDir ? '.' : appDir;
  const files = need.filter((n) => !isDir.has(n));
  const dirs = need.filter((n) => isDir.has(n));
  const order = (a: string, b: string) => (a === 'node_modules' ? -1 : b === 'node_modules' ? 1 : a.localeCompare(b));
  files.sort((a, b) => (a === 'package.json' ? -1 : b === 'package.json' ? 1 : a.localeCompare(b)));
  dirs.sort(order);
  const copies: string[] = [];
  // A name with a blank or a quote (`index copy.ts`) would split into several sources in the
  // shell form: such a COPY takes the JSON form.
  const copyLine = (paths: string[]) =>
    paths.some((x) => /[\s"'\\]/.test(x))
      ? `${head} [${paths.map((x) => JSON.stringify(x)).join(', ')}]`
      : `${head} ${paths.join(' ')}`;
  const dirLine = (d: string) => copyLine([`${appDir}/${d}`, `${destBase}/${d}`]);
  if (dirs[0] === 'node_modules') copies.push(dirLine(dirs.shift()!));
  // Top-level files share one COPY; a nested file (src/schema.graphql) goes to its own directory.
  const topFiles = files.filter((f) => !f.includes('/'));
  if (topFiles.length) copies.push(copyLine([...topFiles.map((f) => `${appDir}/${f}`), `${destBase}/`]));
  for (const f of files.filter((x) => x.includes('/')))
    copies.push(copyLine([`${appDir}/${f}`, `${destBase}/${f.slice(0, f.lastIndexOf('/') + 1)}`]));
  for (const d of dirs) copies.push(dirLine(d));
  const indent = doc.text.slice(ins.lineStart, ins.start);
  const replacement = copies.map((l, i) => (i === 0 ? l : indent + l)).join(doc.eol);

  const line = lineNo(doc, ins);
  const { leftOut, unknownKept } = p;
  const changes: Finding<Changed>[] = [
    {
      code: 'selective',
      line,
      message: `\`${ins.text}\` → copies of ${need.map((n) => (isDir.has(n) ? n + '/' : n)).join(', ')}; left out: ${leftOut.slice(0, 12).join(', ')}${leftOut.length > 12 ? ` and ${leftOut.length - 12} more` : ''}`,
    },
  ];
  const warnings: Finding<Held>[] = unknownKept.length
    ? [
        {
          code: 'kept-unknown',
          line,
          message: `kept ${unknownKept.join(', ')} in the runtime image because the app may read ${unknownKept.length === 1 ? 'it' : 'them'} at run time; drop what it does not need`,
        },
      ]
    : [];
  return { edits: [{ start: ins.start, end: ins.end, text: replacement }], changes, warnings };
}
