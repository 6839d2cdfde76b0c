/**
 * production-deps: the prune of devDependencies moves out of the build stage into a stage of its own,
 * built on the install and nothing after it:
 *
 *     FROM node:22 AS deps                 (the build stage up to its install, renamed)
 *     ...
 *     RUN npm ci
 *
 *     FROM deps AS production-deps         (the prune, on the install alone)
 *     RUN npm prune --omit=dev
 *
 *     FROM deps AS build                   (the sources and the build, as before)
 *     COPY . .
 *     RUN npm run build
 *
 *     FROM node:22-slim AS runtime
 *     COPY --from=production-deps /app/node_modules ./node_modules
 *
 * A source edit then re-runs the build only: the prune and the runtime's node_modules layer come from
 * the cache. The prune is the same command the build stage ran, on the same install, so what the
 * runtime receives does not change; the production stage inherits every ENV, USER and the package
 * manager setup of the install, and runs no lifecycle script the build stage's prune would not have
 * run (npm prune runs none), so a `prepare: husky` or a native module is not touched again.
 *
 * It holds back, keeping the prune in the build stage, where the build changes node_modules after the
 * install (`prisma generate` into node_modules/.prisma, patch-package, npm rebuild, another install),
 * in a workspace (the packages' node_modules and links need their sources), or where the install
 * runs after the sources are copied (a stage of its own would gain nothing). In a workspace, the
 * closure of the one package the start runs moves too: `npm ci --omit=dev --workspace=<folder>` (a
 * reinstall from the lockfile and the manifests, no install script anywhere) and
 * `yarn workspaces focus <name> --production` with the node-modules linker need no package's sources;
 * the runtime stage still receives the packages' folders from the build.
 */
import { copyParts, normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import {
  blockText,
  copyDest,
  isContextCopy,
  isInside,
  lastStage,
  lineNo,
  stageNamed,
  usesVariable,
  workdirAt,
} from '../src/dockerfile/query.js';
import { insertAfter, removeBlock } from '../src/dockerfile/edit.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step } from '../src/engine/findings.js';
import { classifyRun, installOmitsDev, type ClassifiedCommand } from '../src/model/commands/classify.js';
import { npmInstallScripts } from '../src/model/image/workspace-deploy.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import type { ChangeCode, Edit, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';
import type { Project } from '../src/model/project/project.js';

const ID = 'production-deps';
const DEPS_NAMES = ['deps', 'dependencies', 'install'];
const PRODUCTION_NAMES = ['production-deps', 'prod-deps', 'production-dependencies'];
/** Settings that change what a package manager does, when set after the install: the prune ran with them. */
const PM_ENV = /^(NPM_CONFIG_|npm_config_|YARN_|PNPM_|BUN_)/;
/** Build arguments a registry login reads (an .npmrc with `${NPM_TOKEN}`). */
const REGISTRY_ARG = /TOKEN|AUTH|REGISTRY|NPM|YARN|PASSWORD|SECRET/i;

const docs = {
  what: 'the build stage is split at its install: `deps` (up to the install), `production-deps` (`FROM deps` with the prune the build stage ran) and the build (`FROM deps`: sources and build); the runtime stage copies node_modules from `production-deps`',
  why: 'a source edit re-runs only the build: no prune or reinstall, and the runtime node_modules layer stays the same, so a deploy pushes only the app',
  changes: {
    'production-deps': 'the prune moved to a production-deps stage built on the install; the runtime copies node_modules from it',
  },
  holdsBack: {
    'build-writes-node-modules':
      'the prune stays in the build stage: the build changes node_modules after the install (prisma generate, patch-package, npm rebuild, another install)',
    workspace:
      "the prune stays in the build stage: in a workspace the packages' node_modules and links need their sources (the closure of one package with `npm ci --workspace` or `yarn workspaces focus` moves)",
    'install-after-sources':
      'the prune stays in the build stage: the install runs after the sources are copied, so a stage of its own would be rebuilt on every edit as well',
    'whole-app-copy':
      'the prune stays in the build stage: the runtime stage receives the whole app directory, node_modules with it',
    'install-env-after-install':
      'the prune stays in the build stage: an ENV set after the install changes what the package manager does',
    'local-dependency':
      "the prune stays in the build stage: a production dependency is installed from the project's own files (file:, link:), which only the build stage has",
    'build-effect-unknown': 'the prune stays in the build stage: what the build does to node_modules cannot be told',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const productionDeps = defineTransform({
  id: ID,
  summary: 'the prune of devDependencies runs in a stage of its own, on the install alone, so a source edit never re-runs it',
  docs,
  apply({ doc, facts, model }) {
    const checked = check(doc, facts, model);
    if ('stop' in checked) return stopped(checked);
    return emit(doc, checked.go);
  },
});

interface Plan {
  build: Stage;
  /** The runtime's COPY of node_modules from the build stage, and the range of its --from value. */
  copy: Instr;
  fromValue: [number, number];
  install: Instr;
  prune: Instr;
  depsName: string;
  productionName: string;
  /** ARG instructions of the install's part the build part uses, repeated after `FROM deps AS build`. */
  buildArgs: Instr[];
  /** ARG instructions the prune may need (credentials, those the install uses), repeated in the production stage. */
  pruneArgs: Instr[];
}

/** A RUN that only prunes devDependencies: `npm prune --omit=dev`, a production reinstall, with `rm -rf node_modules`. */
function isPruneRun(doc: ParsedDockerfile, ins: Instr): boolean {
  if (ins.keyword !== 'RUN' || ins.flags.length) return false;
  const cmds = classifyRun(doc, ins).commands;
  const prunes = (c: ClassifiedCommand) => c.kind === 'prune' || (c.kind === 'install' && installOmitsDev(c));
  return (
    cmds.some(prunes) &&
    cmds.every(
      (c) =>
        prunes(c) ||
        (c.kind === 'cleanup' && c.words[0]?.value === 'rm' && /node_modules/.test(c.words.map((w) => w.value).join(' '))),
    )
  );
}

/** A RUN that installs devDependencies too. */
function fullInstallRun(doc: ParsedDockerfile, ins: Instr): boolean {
  return classifyRun(doc, ins).commands.some((c) => (c.kind === 'install' || c.kind === 'add') && !installOmitsDev(c));
}

/**
 * The closure of one workspace package, which a stage built on the install can leave as well as the build
 * stage: the workspace packages are links to their folders (the runtime stage receives them from the
 * build), and nothing runs that needs their sources. `reinstall`: `npm ci --omit=dev --workspace=<folder>`
 * (it installs from the lockfile and the manifests alone, wiping node_modules first); `focus`:
 * `yarn workspaces focus <name> --production` with yarn's node-modules linker. Either only where no
 * package of the workspace runs an install script.
 */
function workspaceClosure(doc: ParsedDockerfile, project: Project, prune: Instr): 'reinstall' | 'focus' | null {
  const facts = project.facts;
  if (!facts.workspaces || facts.workspacesUnknown) return null;
  const cmds = classifyRun(doc, prune).commands;
  if (cmds.length !== 1) return null;
  const words = cmds[0].words.map((w) => w.value);
  const kind =
    facts.manager === 'yarn-berry' && facts.yarnBerry?.nodeLinker === 'node-modules'
      ? cmds[0].manager === 'yarn' &&
        words[1] === 'workspaces' &&
        words[2] === 'focus' &&
        !words.includes('--all') &&
        !words.includes('-A')
        ? 'focus'
        : null
      : facts.manager === 'npm' &&
          cmds[0].manager === 'npm' &&
          words[cmds[0].sub ?? 0] === 'ci' &&
          words.some((w) => /^(--workspace=.|-w$|--workspace$)/.test(w))
        ? 'reinstall'
        : null;
  // No package of the workspace may run an install script: a stage without the sources could not.
  if (
    !kind ||
    npmInstallScripts(
      project,
      (facts.workspacePackages ?? []).map((p) => p.dir),
    ).length
  )
    return null;
  return kind;
}

function check(doc: ParsedDockerfile, facts: ProjectFacts, image: ImageModel): Step<Plan, Held> {
  const runtime = lastStage(doc);
  if (!runtime || doc.stages.length < 2) return NOTHING_TO_DO;
  // The runtime's copies from another stage of this Dockerfile.
  let copy: Instr | null = null;
  let build: Stage | null = null;
  let wholeCopy: { ins: Instr; stage: Stage } | null = null;
  for (const ins of runtime.instructions) {
    const from = ins.keyword === 'COPY' ? ins.flags.find((f) => f.name === 'from') : undefined;
    const src = from?.value ? stageNamed(doc, from.value) : null;
    if (!src || src === runtime || !src.name || /^\d+$/.test(from!.value!)) continue;
    const parts = copyParts(ins);
    if (!parts || parts.sources.length !== 1) continue;
    const source = normalizePosix(parts.sources[0]);
    const srcDir = workdirAt(src, { index: Number.MAX_SAFE_INTEGER }, doc);
    if (srcDir && source === srcDir) wholeCopy = { ins, stage: src };
    if (!/\/node_modules$/.test(source)) continue;
    if (copy) return NOTHING_TO_DO; // two node_modules copies: not the shape this transform knows
    copy = ins;
    build = src;
  }
  if (!copy || !build) {
    const fullInstall = wholeCopy?.stage.instructions.find((i) => i.keyword === 'RUN' && fullInstallRun(doc, i));
    const pruneRun = wholeCopy?.stage.instructions.find((i) => fullInstall && i.index > fullInstall.index && isPruneRun(doc, i));
    if (wholeCopy && pruneRun)
      return stop(
        'whole-app-copy',
        `\`${pruneRun.text}\` stays in the ${wholeCopy.stage.name} stage: the runtime stage receives its whole app directory (line ${lineNo(doc, wholeCopy.ins)}), node_modules with it, so a source edit re-runs the prune`,
        lineNo(doc, pruneRun),
      );
    return NOTHING_TO_DO;
  }
  const appDir = normalizePosix(copyParts(copy)!.sources[0]).replace(/\/node_modules$/, '');
  const prune = [...build.instructions].reverse().find((i) => isPruneRun(doc, i));
  if (!prune || workdirAt(build, prune, doc) !== appDir) return NOTHING_TO_DO;
  const install = [...build.instructions]
    .reverse()
    .find((i) => i.index < prune.index && i.keyword === 'RUN' && fullInstallRun(doc, i));
  if (!install || workdirAt(build, install, doc) !== appDir) return NOTHING_TO_DO;
  const installCmds = classifyRun(doc, install).commands;
  if (installCmds.some((c) => c.kind !== 'install' && c.kind !== 'cleanup' && c.kind !== 'pm-setup')) return NOTHING_TO_DO;

  // A reinstall from the lockfile wipes node_modules first: what the build did to it does not reach the runtime either way.
  const closure = workspaceClosure(doc, image.project, prune);
  const reinstall = closure === 'reinstall';
  if ((facts.workspaces || facts.workspacesUnknown) && !closure)
    return stop(
      'workspace',
      `\`${prune.text}\` stays in the ${build.name} stage: in a workspace the packages' node_modules and links to them need the packages' sources, which only the build has`,
      lineNo(doc, prune),
    );
  // A file:/link: dependency is a link into the app directory, whose target only the build stage has.
  const pkg = facts.packageJson;
  const local = pkg ? Object.entries(pkg.dependencies).find(([, v]) => /^(file|link|portal|workspace):/.test(v)) : undefined;
  if (local)
    return stop(
      'local-dependency',
      `\`${prune.text}\` stays in the ${build.name} stage: the dependency ${local[0]} (\`${local[1]}\`) is installed from the project's own files, which only the build stage has`,
      lineNo(doc, prune),
    );
  const sources = build.instructions.find(
    (i) =>
      i.index < install.index &&
      isContextCopy(i) &&
      (copyParts(i)?.sources ?? []).some((s) => /^\.?\/?$|^\*$/.test(s.trim())) &&
      copyDest(i, workdirAt(build, i, doc)) === appDir,
  );
  if (sources)
    return stop(
      'install-after-sources',
      `\`${prune.text}\` stays in the ${build.name} stage: the install (line ${lineNo(doc, install)}) runs after the sources are copied (line ${lineNo(doc, sources)}), so a stage built on it would be rebuilt on every source edit too`,
      lineNo(doc, prune),
    );
  const between = build.instructions.filter((i) => i.index > install.index && i.index < prune.index);
  const env = between.find((i) => i.keyword === 'ENV' && i.args.some((a) => PM_ENV.test(a)));
  if (env)
    return stop(
      'install-env-after-install',
      `\`${prune.text}\` stays in the ${build.name} stage: \`${env.text}\` (line ${lineNo(doc, env)}) changes what the package manager does, and a stage built on the install would prune without it`,
      lineNo(doc, prune),
    );
  const model = image.appDir(build, appDir);
  if (model.unknown && !reinstall)
    return stop(
      'build-effect-unknown',
      `\`${prune.text}\` stays in the ${build.name} stage: ${model.unknown.why}, so what the build leaves in node_modules cannot be told`,
      lineNo(doc, prune),
    );
  const installLine = lineNo(doc, install);
  const pruneLine = lineNo(doc, prune);
  const writes = model.nodeModules.filter((w) => w.line !== undefined && w.line > installLine && w.line < pruneLine);
  const intoNodeModules = between.find(
    (i) =>
      (i.keyword === 'COPY' || i.keyword === 'ADD') &&
      isInside(copyDest(i, workdirAt(build, i, doc)) ?? '/', `${appDir}/node_modules`),
  );
  if ((writes.length || intoNodeModules) && !reinstall) {
    const what = intoNodeModules
      ? `\`${intoNodeModules.text}\` (line ${lineNo(doc, intoNodeModules)}) copies into node_modules`
      : `${writes[0].why} (line ${writes[0].line}) writes into node_modules`;
    return stop(
      'build-writes-node-modules',
      `\`${prune.text}\` stays in the ${build.name} stage: ${what} after the install, which a stage built on the install alone would not have`,
      lineNo(doc, prune),
    );
  }

  const fromFlag = copy.flags.find((f) => f.name === 'from')!;
  const fromText = doc.text.slice(fromFlag.start, fromFlag.end);
  const valueAt = fromFlag.start + fromText.indexOf('=') + 1;
  const taken = new Set(doc.stages.map((s) => s.name?.toLowerCase()).filter(Boolean));
  const depsName = DEPS_NAMES.find((n) => !taken.has(n))!;
  const productionName = PRODUCTION_NAMES.find((n) => !taken.has(n))!;
  if (!depsName || !productionName) return NOTHING_TO_DO;

  // ARGs are not inherited by a stage built FROM another: repeat those the later parts use.
  const headArgs = build.instructions.filter((i) => i.keyword === 'ARG' && i.index < install.index);
  const rest = build.instructions.filter((i) => i.index > install.index && i !== prune);
  const restText = rest.map((i) => i.text).join('\n');
  const names = (i: Instr) => i.args.map((a) => a.split('=')[0]);
  const buildArgs = headArgs.filter((a) => names(a).some((n) => usesVariable(restText, n)));
  // npm and pnpm prune only remove; the other prunes install again and may reach the registry as the install did.
  const offline = classifyRun(doc, prune).commands.every(
    (c) => c.kind === 'cleanup' || (c.kind === 'prune' && (c.manager === 'npm' || c.manager === 'pnpm')),
  );
  const pruneArgs = headArgs.filter((a) =>
    names(a).some((n) => usesVariable(prune.text, n) || usesVariable(install.text, n) || (!offline && REGISTRY_ARG.test(n))),
  );
  return go({
    build,
    copy,
    fromValue: [valueAt, fromFlag.end],
    install,
    prune,
    depsName,
    productionName,
    buildArgs,
    pruneArgs,
  });
}

function emit(doc: ParsedDockerfile, p: Plan): TransformResult<Changed, Held> {
  const eol = doc.eol;
  const { build } = p;
  const nameArg = build.from.argRanges[build.from.argRanges.length - 1];
  const argText = (is: Instr[]) => is.map((i) => doc.text.slice(i.start, i.end) + eol).join('');
  const pruneText = blockText(doc, p.prune);
  const stages =
    `FROM ${p.depsName} AS ${p.productionName}${eol}` +
    argText(p.pruneArgs) +
    pruneText +
    eol +
    `FROM ${p.depsName} AS ${build.name}${eol}` +
    argText(p.buildArgs);
  // A blank line after the install already separates it from what follows: the new stages go after it.
  const blank = doc.text.startsWith(eol, p.install.blockEnd) && p.install.blockEnd > 0;
  const at = p.install.blockEnd + eol.length;
  const edits: Edit[] = [
    { start: nameArg[0], end: nameArg[1], text: p.depsName },
    blank ? { start: at, end: at, text: stages } : insertAfter(doc, p.install, eol + stages),
    removeBlock(doc, p.prune),
    { start: p.fromValue[0], end: p.fromValue[1], text: p.productionName },
  ];
  const changes: Finding<Changed>[] = [
    {
      code: 'production-deps',
      line: lineNo(doc, p.install),
      message: `\`${p.prune.text}\` moved from the ${build.name} stage to a \`${p.productionName}\` stage built on this install (the \`${p.depsName}\` stage), and the runtime stage copies node_modules from it: a source edit re-runs only the build, never the prune, and the node_modules layer stays cached`,
    },
  ];
  return { edits, changes, warnings: [] };
}
