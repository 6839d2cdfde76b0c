/**
 * split-stages: a single-stage Dockerfile becomes a build stage (the original, which keeps
 * the build tools, the full install and the build) and a runtime stage from the same base
 * image that receives the app directory with production dependencies only.
 *
 * The diff stays small: the original lines stay where they are; the new stage is inserted
 * after the last build step, so the instructions that follow it (EXPOSE, CMD, ...) simply
 * end up in the runtime stage. Runtime-only instructions written earlier (LABEL, EXPOSE, ...)
 * move down verbatim with their comments; settings both stages need (WORKDIR, ENV, ARG,
 * USER, SHELL, user creation) are repeated verbatim; a system package install is repeated without
 * its compilers and headers, with the libraries a -dev package stands for (src/model/image/system-packages.ts).
 */
import { normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import { blockText, copyDest, instructionText, isInside, lineNo, usesVariable, workdirAt } from '../src/dockerfile/query.js';
import { insertAfter, removeBlock } from '../src/dockerfile/edit.js';
import {
  browserDownloaders,
  chownOfDir,
  classifyRun,
  installOmitsDev,
  pruneCommand,
  type ClassifiedCommand,
} from '../src/model/commands/classify.js';
import { escapeRegExp } from '../src/dockerfile/query.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step } from '../src/engine/findings.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import type { StartPath } from '../src/model/image/start-path.js';
import type { WorkspaceDeploy } from '../src/model/image/workspace-deploy.js';
import { systemInstallPlan } from '../src/model/image/system-packages.js';
import { contextRoot } from '../src/model/image/app-files.js';
import { unwrap } from '../src/model/commands/command-line.js';
import type { ChangeCode, Edit, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';

/** The build caches to remove after the build, when what the build writes is known. */
function buildCaches(image: ImageModel, stage: Stage, appDir: string): string[] {
  const model = image.appDir(stage, appDir);
  return model.unknown ? [] : model.caches.map((c) => c.path);
}

const ID = 'split-stages';
const BUILD_STAGE = 'build';
const RUNTIME_STAGE = 'runtime';

type Role =
  | 'build' // stays in the build stage only
  | 'shared' // stays, and is repeated in the runtime stage
  | 'runtime' // belongs to the runtime stage only
  | 'unknown'; // cannot tell what it leaves behind

interface Classified {
  ins: Instr;
  role: Role;
  why?: string;
  /** For RUN: the commands. */
  commands?: ClassifiedCommand[];
  warn?: string;
  warnCode?: Held;
  /** A system install as the runtime stage runs it (build tools out, libraries for -dev packages), with what to report. */
  system?: { text: string; changes: Finding<Changed>[]; warnings: Finding<Held>[] };
  /** chown -R of the app directory: the runtime copy needs the same owner. */
  owner?: string;
  /** Sets or writes credentials: never repeated in the runtime stage. */
  secret?: boolean;
  /** Packages a global install names. */
  globals?: string[];
}

/** Names of ARG/ENV that hold credentials: never repeated into the runtime stage. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|CREDENTIAL|NPM_AUTH|_AUTH$|^AUTH_/i;
/** Global tools the running app uses; other global installs (typescript, @nestjs/cli, ...) are build tools. */
const RUNTIME_GLOBALS = new Set([
  'pm2',
  'serve',
  'forever',
  'http-server',
  'pm2-runtime',
  'node-static',
  'local-web-server',
  'nodemon',
]);

interface StageContext {
  start: StartPath;
  facts: ProjectFacts;
  model: ImageModel;
  /** CMD, ENTRYPOINT and HEALTHCHECK text of the stage: what runs in the runtime image. */
  runtimeCommands: string;
}

/** The variable names an ARG or ENV instruction sets. */
function varNames(ins: Instr): string[] {
  if (ins.keyword === 'ENV' && ins.args.length && !ins.args[0].includes('=')) return [ins.args[0]];
  return ins.args.map((a) => a.split('=')[0]);
}

/** Packages a global install names. */
function globalPackages(c: ClassifiedCommand): string[] {
  const from = (c.sub ?? 0) + 1;
  return c.words
    .slice(from)
    .map((w) => w.value)
    .filter((v) => !v.startsWith('-') && v !== 'add')
    .map((v) => v.replace(/(.)@[^/]*$/, '$1'));
}

const RUNTIME_KEYWORDS = new Set([
  'LABEL',
  'EXPOSE',
  'VOLUME',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'CMD',
  'ENTRYPOINT',
  'ONBUILD',
  'MAINTAINER',
]);
const SHARED_KEYWORDS = new Set(['WORKDIR', 'ENV', 'USER', 'SHELL']);

/** The package manager the container starts through (yarn, pnpm, bun; corepack too when `corepack` is named), or null. */
function startManager(model: ImageModel, stage: Stage, corepack = false): string | null {
  for (const run of model.startCommand(stage)?.runs ?? []) {
    const bin = unwrap(run, true).words[0]?.replace(/^.*\//, '');
    if (bin && (corepack ? /^(yarn|pnpm|bun|corepack)$/ : /^(yarn|pnpm|bun)$/).test(bin)) return bin;
  }
  return null;
}

function classify(doc: ParsedDockerfile, stage: Stage, ins: Instr, appDir: string, sc: StageContext): Classified {
  const k = ins.keyword;
  if (RUNTIME_KEYWORDS.has(k)) return { ins, role: 'runtime' };
  // Credentials stay in the build stage.
  if (k === 'ENV' && varNames(ins).some((n) => SECRET_NAME.test(n))) return { ins, role: 'build', secret: true };
  if (SHARED_KEYWORDS.has(k)) return { ins, role: 'shared' };
  if (k === 'ARG') return { ins, role: 'build', secret: varNames(ins).some((n) => SECRET_NAME.test(n)) }; // promoted to shared when the runtime stage uses it
  if (k === 'COPY' || k === 'ADD') {
    const dest = copyDest(ins, workdirAt(stage, ins, doc));
    if (!dest || dest.includes('$')) return { ins, role: 'unknown', why: 'its destination cannot be resolved' };
    return isInside(dest, appDir) ? { ins, role: 'build' } : { ins, role: 'shared' };
  }
  if (k === 'RUN') {
    const info = classifyRun(doc, ins);
    const cmds = info.commands;
    if (!cmds.length)
      return { ins, role: 'unknown', why: ins.heredoc ? 'a heredoc cannot be read' : 'a shell run in exec form cannot be read' };
    const kinds = new Set(cmds.map((c) => c.kind));
    const has = (...ks: string[]) => ks.some((x) => kinds.has(x as never));
    // Commands whose effect lies inside the app directory (`cp -r .next/static .next/standalone/.next/static`
    // after a Next.js build, a mkdir): the runtime stage receives that directory, so the build stage keeps them.
    const knownInApp = () => !has('user', 'global', 'system', 'start') && sc.model.runEffect(stage, ins, appDir).unknown === null;
    if (has('install', 'add', 'build', 'prune', 'test')) {
      if (has('other') && knownInApp()) return { ins, role: 'build', commands: cmds };
      if (has('other', 'user', 'global'))
        return {
          ins,
          role: 'unknown',
          why: 'it mixes the build with commands whose effect the runtime may need',
          commands: cmds,
        };
      return { ins, role: 'build', commands: cmds };
    }
    if (has('system')) {
      if (has('other')) return { ins, role: 'unknown', why: 'it mixes system packages with other commands', commands: cmds };
      // Compilers and headers stay in the build stage; the runtime stage installs the libraries the
      // compiled modules load, and every package it cannot classify (src/model/image/system-packages.ts).
      const system = systemInstallPlan(
        doc.text,
        ins,
        cmds,
        stage.resolvedImage,
        doc.escape,
        instructionText(doc, ins),
        lineNo(doc, ins),
        sc.model.programsTheAppRuns(),
      );
      if (system.role === 'build') return { ins, role: 'build', commands: cmds, system: { text: '', ...system } };
      return { ins, role: 'shared', commands: cmds, system };
    }
    if (has('other') && knownInApp()) return { ins, role: 'build', commands: cmds };
    if (has('other', 'start')) return { ins, role: 'unknown', why: 'its effect on the image is unknown', commands: cmds };
    if (has('global')) {
      // A global tool is repeated only when the running app uses it (pm2-runtime, serve).
      const pkgs = cmds.filter((c) => c.kind === 'global').flatMap(globalPackages);
      // The start's commands (through package scripts) name their binaries: `start: ts-node dist/server.js`
      // runs a global ts-node, which loads typescript from where it was installed.
      const startBins = new Set(sc.start.commands.map((c) => c[0]?.replace(/^.*\//, '') ?? ''));
      const runsTsNode = [...startBins].some((b) => /^(ts-node|ts-node-dev|tsnd)$/.test(b));
      const used = pkgs.filter(
        (p) =>
          RUNTIME_GLOBALS.has(p) ||
          sc.start.packages.has(p) ||
          startBins.has(p.replace(/^@[^/]+\//, '')) ||
          (p === 'typescript' && runsTsNode) ||
          new RegExp(`(^|[\\s"'/])${escapeRegExp(p.replace(/^@[^/]+\//, ''))}(["'\\s]|$)`, 'm').test(sc.runtimeCommands),
      );
      if (!used.length) return { ins, role: 'build', commands: cmds, globals: pkgs };
      return {
        ins,
        role: 'shared',
        commands: cmds,
        globals: pkgs,
        ...(used.length < pkgs.length
          ? {
              warnCode: 'build-tools-repeated',
              warn: `runs in both stages because the app uses ${used.join(', ')}; the runtime stage does not need ${pkgs.filter((p) => !used.includes(p)).join(', ')}: drop them from its copy by hand`,
            }
          : {}),
      };
    }
    if (has('user')) return { ins, role: 'shared', commands: cmds };
    if (has('pm-setup')) {
      // Registry credentials (npm config set //registry/:_authToken ...) stay in the build stage.
      if (/_auth|authToken|\$\{?[A-Z_]*(TOKEN|SECRET|PASSWORD|AUTH)/i.test(ins.content))
        return { ins, role: 'build', commands: cmds, secret: true };
      const usesPm = startManager(sc.model, stage, true) !== null;
      return { ins, role: usesPm ? 'shared' : 'build', commands: cmds };
    }
    // mkdir / chmod / chown / ln / cleanup only
    const wd = workdirAt(stage, ins, doc) ?? '/';
    const paths = cmds.flatMap((c) => c.paths ?? []);
    const abs = paths.map((p) => (p.startsWith('/') ? normalizePosix(p) : normalizePosix(wd + '/' + p)));
    const inApp = abs.filter((p) => isInside(p, appDir));
    const owner = chownOfDir(doc, stage, ins, appDir)?.owner;
    if (inApp.length === abs.length && abs.length) return { ins, role: 'build', commands: cmds, owner };
    if (has('cleanup') && !abs.length) return { ins, role: 'build', commands: cmds };
    return { ins, role: 'shared', commands: cmds, owner };
  }
  return { ins, role: 'unknown', why: `${k} is not understood` };
}

const docs = {
  what: 'the single stage becomes a `build` stage (the original: build tools, the full install, the build) and a `runtime` stage from the same base image; devDependencies are pruned after the build by the installer that ran; runtime-only instructions (EXPOSE, CMD, ...) move down verbatim, settings both stages need are repeated; credentials and global build tools stay in the build stage',
  why: 'build tools, devDependencies and sources stay out of the image that runs',
  changes: {
    split: 'the single stage became a build stage and a runtime stage',
    prune: 'a prune after the build: the runtime stage receives production dependencies only',
    'build-cache':
      "the build's cache (next build's .next/cache) is removed after the build: the runtime stage does not receive it",
    standalone:
      "no prune for Next.js' standalone server: the runtime stage receives its folder, with the node_modules next build traced",
    deploy:
      "only the workspace package the start runs, with its production dependencies and workspace dependencies (`pnpm deploy --prod`, `npm ci --omit=dev --workspace`, `yarn workspaces focus --production`), at the package's own path",
    moved: 'runtime-only instructions moved to the runtime stage, unchanged',
    repeated: 'settings both stages need repeated in the runtime stage, unchanged',
    'app-owner': 'the app directory keeps its owner in the runtime stage',
    'secrets-build-only': 'credentials (ARG/ENV/registry auth) stay in the build stage',
    'build-tools-build-only': 'global build tools stay in the build stage',
    'system-packages-build-only': 'a system install of build tools only (compilers, python3, make) stays in the build stage',
    'system-packages-split':
      'the runtime stage installs the system libraries native modules load, without the compilers, headers and -dev packages that built them',
  },
  holdsBack: {
    'install-unreadable': 'not split: the install is in a form that cannot be read (heredoc, sh -c)',
    'no-workdir': 'not split: without a WORKDIR the app directory is unknown',
    'workdir-variable': 'not split: the WORKDIR depends on a variable',
    'workdir-ambiguous': 'not split: the stage changes WORKDIR between directories',
    'install-outside-app': 'not split: the install runs outside the app directory',
    'unknown-effect': 'not split: a build step leaves behind something the runtime may need',
    'mixed-owners': 'the copies into the app directory use different owners',
    'system-packages-shared':
      'a system package install runs in both stages as it is: the package names of the base image are not known (Ubuntu, ...), or an install would be left with nothing to install',
    'system-package-unknown': 'a system package the tool does not know is installed in the runtime stage too',
    'system-package-app-runs':
      'a build tool (git, python3, make) is installed in the runtime stage too: the app runs it (simple-git, python-shell, a spawn of it in the sources)',
    'system-package-release-dependent':
      "a -dev package stays in the runtime stage: its library's name changes between Debian releases, and the tag names none",
    'start-runs-build': 'not split: the start installs or builds, so it needs the build environment',
    'start-needs-sources': 'not split: the start loads TypeScript sources (knexfile.ts, TypeScript migrations) through ts-node',
    'start-through-corepack': 'not split: the start runs a package manager corepack fetches, with no version pinned',
    'browser-download': "not split: puppeteer/playwright download a browser into the build user's home",
    'secret-needed-at-runtime': 'not split: a runtime instruction uses a credential that must stay in the build stage',
    'start-needs-dev-dependency': 'devDependencies stay: the start runs a devDependency',
    'build-tools-repeated': 'a global install the app uses runs in both stages, with build tools in it',
    'deploy-start-shape':
      'the whole workspace stays: the start reaches the package through a root script, a package manager call other than `pnpm --filter <package> <script>` / `pnpm -C <folder> <script>` / `npm <script> --workspace=<folder>` of a plain `node <file>` script, yarn, a root .npmrc, or node loads a module from the working directory',
    'deploy-pnpm-version':
      "the whole workspace stays: the pnpm version is not pinned or not 8 to 10 (10.0 to 10.2 only with injected workspace packages), and `pnpm deploy`'s behaviour depends on it",
    'deploy-node-linker':
      "the whole workspace stays: pnpm's node-linker is hoisted or pnp, or yarn's nodeLinker is not node-modules",
    'deploy-output-unknown':
      "the whole workspace stays: a file the package or a workspace dependency runs is not in the context, and the build's output there cannot be told",
    'deploy-publish-rules':
      'the whole workspace stays: the `files` field, .npmignore or .gitignore would leave out a file the app runs or reads (`pnpm deploy` copies as publishing does)',
    'deploy-reads-outside-package':
      'the whole workspace stays: the app reads files outside its package at run time (root .env, a root folder, another package)',
    'deploy-npm-lockfile':
      "the whole workspace stays: `npm ci --workspace` cannot be told to install what the workspace install did (no package-lock.json v2+, an install other than `npm ci`, packages inside a workspace package's own node_modules, an image whose npm is not known to be 10 or later)",
    'deploy-install-scripts':
      "the whole workspace stays: `npm ci --omit=dev --workspace` runs the root's (or a workspace package's) install scripts again, which may need devDependencies",
    'deploy-undeclared-import':
      'the whole workspace stays: a package of the closure imports a package it does not declare, which the workspace install hoisted from elsewhere',
    'deploy-writes-node-modules':
      "the whole workspace stays: the build writes into node_modules (prisma generate, patch-package), and the install of the package's closure would not have it",
    'prune-unknown':
      "not split: no prune of devDependencies is safe for the installer that ran (another binary, install scripts it would re-run, a Prisma client a pnpm workspace's reinstall would drop, yarn Plug'n'Play in the global cache)",
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const splitStages = defineTransform({
  id: ID,
  summary: 'split into a build stage (tools, full install, build) and a runtime stage from the same base image',
  docs,
  apply({ doc, facts, model }) {
    const checked = check(doc, facts, model);
    if ('stop' in checked) return stopped(checked);
    const planned = plan(doc, facts, model, checked.go);
    if ('stop' in planned) return stopped(planned);
    return emit(doc, planned.go);
  },
});

/** What the plan needs once the Dockerfile is known to be splittable. */
interface SplitInputs {
  stage: Stage;
  /** The WORKDIR: the directory the runtime stage receives. */
  appDir: string;
  start: StartPath;
}

/** An instruction of the runtime stage written before the copy of the app directory. */
type RuntimeItem =
  /** A runtime-only instruction that moves down, with its comments. */
  | { kind: 'moved'; ins: Instr }
  /** A setting both stages need, repeated. */
  | { kind: 'repeated'; ins: Instr; createsUser: boolean; text?: string }
  /** The setup of the package manager the start command runs (corepack enable, npm i -g pnpm). */
  | { kind: 'pm-setup'; ins: Instr; command: string; pm: string };

/** What the split does, as data: `emit` turns it into edits and findings. */
interface SplitPlan {
  stage: Stage;
  appDir: string;
  /** How the FROM line names the build stage: add ` AS build`, replace its name, or keep it. */
  naming: 'add' | 'rename' | 'keep';
  buildName: string;
  runtimeName: string;
  /** The last build instruction: the runtime stage starts after it. */
  last: Instr;
  runtime: RuntimeItem[];
  /** The owner the app directory keeps (--chown of the runtime copy). */
  owner: string | undefined;
  /** The prune of devDependencies after the build, or null. */
  prune: string | null;
  /** The closure of the package the start runs (`pnpm deploy`, `npm ci --workspace`, `yarn workspaces focus`), instead of the prune: the runtime stage receives its folders only. */
  deploy: Extract<WorkspaceDeploy, { kind: 'deploy' }> | null;
  /** The folder of Next.js' standalone server, which is all the runtime stage receives: no prune. */
  standalone: string | null;
  /** Build caches removed after the build (next build's .next/cache), relative to the app directory. */
  caches: string[];
  /** Credentials kept in the build stage only. */
  keptSecrets: Instr[];
  /** Global build tools kept in the build stage only. */
  buildGlobals: string[];
  /** System installs the runtime stage runs without build tools. */
  systemChanges: Finding<Changed>[];
  warnings: Finding<Held>[];
}

/** Is this a single stage that builds, with one app directory and a start that runs without the build environment? */
function check(doc: ParsedDockerfile, facts: ProjectFacts, model: ImageModel): Step<SplitInputs, Held> {
  if (doc.stages.length !== 1) return NOTHING_TO_DO;
  const stage = doc.stages[0];
  const ins = stage.instructions;
  let appDir = stage.workdir ? normalizePosix(stage.workdir) : null;
  const hasInstallOrBuild = ins.some(
    (i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => ['install', 'build', 'add'].includes(c.kind)),
  );
  if (!hasInstallOrBuild) {
    const hidden = ins.find(
      (i) => i.keyword === 'RUN' && !classifyRun(doc, i).commands.length && /\b(npm|yarn|pnpm|bun)\b/.test(i.content),
    );
    return hidden
      ? stop(
          'install-unreadable',
          `not split: the install at line ${lineNo(doc, hidden)} is in a form that cannot be read (heredoc or sh -c)`,
          lineNo(doc, hidden),
        )
      : NOTHING_TO_DO;
  }
  if (!appDir || appDir === '/')
    return stop('no-workdir', 'not split: there is no WORKDIR, so the app directory to hand to the runtime stage is unknown');
  if (appDir.includes('$')) return stop('workdir-variable', `not split: the WORKDIR ${stage.workdir} depends on a variable`);
  if (stage.instructions.filter((i) => i.keyword === 'WORKDIR').length > 1) {
    const wds = new Set(
      stage.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => workdirAt(stage, { index: i.index + 1 }, doc)),
    );
    // The build runs in the context's folder and the last WORKDIRs only step into a folder of it (a
    // workspace package's): the app directory is that folder, and the runtime stage steps in the same way.
    const root = contextRoot(doc, stage);
    const lastWork = Math.max(...ins.filter((i) => ['RUN', 'COPY', 'ADD'].includes(i.keyword)).map((i) => i.index));
    const within =
      root !== null &&
      stage.instructions
        .filter((i) => i.keyword === 'WORKDIR')
        .every((i) => {
          const at = workdirAt(stage, { index: i.index + 1 }, doc);
          return at !== null && (normalizePosix(at) === root || (isInside(at, root) && i.index > lastWork));
        });
    if (within) appDir = root;
    else if (wds.size > 1)
      return stop(
        'workdir-ambiguous',
        'not split: the stage changes WORKDIR between directories, so the app directory is ambiguous',
      );
  }

  const start = model.start(stage);
  // A start that installs or builds needs the whole build environment at run time.
  if (start.buildsAtStart)
    return stop(
      'start-runs-build',
      `not split: ${start.buildsAtStart}, so the running image needs the sources, the build tools and devDependencies`,
    );
  if (start.needsSources)
    return stop(
      'start-needs-sources',
      `not split: ${start.needsSources}, so the running image needs the sources and devDependencies`,
    );
  const corepack = model.unpinnedCorepack(stage);
  if (corepack) return stop('start-through-corepack', `not split: ${corepack}`);
  // Browsers that puppeteer/playwright download at install time live in the build user's home, not in the app directory.
  const browsers = browserDownloaders(facts);
  if (
    browsers.length &&
    !ins.some(
      (i) => i.keyword === 'ENV' && /PUPPETEER_SKIP_(CHROMIUM_)?DOWNLOAD|PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD/.test(i.content),
    )
  ) {
    return stop(
      'browser-download',
      `not split: ${browsers.join(', ')} download${browsers.length === 1 ? 's' : ''} a browser into the build user's home directory at install time, which the runtime stage would not receive`,
    );
  }
  return go({ stage, appDir, start });
}

/** Where the stage splits, what the runtime stage repeats or receives, and what the build prunes. */
function plan(
  doc: ParsedDockerfile,
  facts: ProjectFacts,
  model: ImageModel,
  { stage, appDir, start }: SplitInputs,
): Step<SplitPlan, Held> {
  const split = splitPoint(doc, facts, model, stage, appDir, start);
  if ('stop' in split) return split;
  const { head, tail } = split.go;
  const warnings: Finding<Held>[] = [];
  for (const c of [...head, ...tail])
    if (c.warn) warnings.push({ code: c.warnCode ?? 'system-packages-shared', line: lineNo(doc, c.ins), message: c.warn });
  // A system install before the split runs in both stages; one after it only in the runtime stage, as it is.
  const systemChanges = head.flatMap((c) => c.system?.changes ?? []);
  warnings.push(...head.flatMap((c) => c.system?.warnings ?? []));
  const { owner, copyOwners } = appOwner(head);
  if (copyOwners.length > 1)
    warnings.push({
      code: 'mixed-owners',
      message: `the copies into ${appDir} use different owners (${copyOwners.map((o) => o || 'root').join(', ')}); the runtime stage receives the directory owned by ${owner ?? 'root'}`,
    });
  const installs = head.flatMap((c) => (c.commands ?? []).filter((x) => x.kind === 'install'));
  const pruneWanted =
    installs.length > 0 && !installs.every(installOmitsDev) && !head.some((c) => c.commands?.some((x) => x.kind === 'prune'));
  // Next.js' standalone server: the runtime stage receives its folder only, with the node_modules it traced.
  const standalone = model.standaloneRuntime(stage, start, appDir);
  // The start needs a devDependency (tsx, ts-node, nodemon, cross-env...): devDependencies stay.
  const needsPrune = pruneWanted && !start.devPackages.length && !standalone;
  if (pruneWanted && start.devPackages.length && !standalone) {
    const list = start.devPackages
      .map((p) => (p.why.startsWith('imported by ') ? `${p.name} (${p.why})` : `${p.name} (\`${p.why}\`)`))
      .join(', ');
    warnings.push({
      code: 'start-needs-dev-dependency',
      message: `devDependencies stay in the runtime stage: the start needs ${list}, ${start.devPackages.length === 1 ? 'a devDependency' : 'devDependencies'}; move ${start.devPackages.length === 1 ? 'it' : 'them'} to dependencies (or start the built output) to leave devDependencies out`,
    });
  }
  const prune = needsPrune ? pruneCommand(doc, model.project, stage, installs) : null;
  if (prune && prune.command === null) {
    const at = head.find((c) => c.commands?.includes(installs[0]))!.ins;
    return stop('prune-unknown', `not split: no prune of devDependencies is safe here: ${prune.why}`, lineNo(doc, at));
  }
  // A workspace whose start runs one package: that package's closure instead of the whole workspace.
  const ws = prune?.command && facts.workspaces ? model.workspaceDeploy(stage, start, appDir, installs, prune.command) : null;
  const deploy = ws?.kind === 'deploy' ? ws : null;
  if (ws?.kind === 'hold')
    warnings.push({
      code: ws.code,
      message: `the runtime stage receives the whole workspace with its production dependencies, not only the package the start runs: ${ws.why}`,
    });
  return go({
    stage,
    appDir,
    ...stageNames(stage),
    last: head[head.length - 1].ins,
    runtime: runtimeItems(doc, model, stage, head),
    owner,
    prune: prune && !deploy ? prune.command : null,
    deploy,
    standalone: standalone?.dir ?? null,
    caches: standalone ? [] : buildCaches(model, stage, appDir),
    keptSecrets: head.filter((c) => c.secret).map((c) => c.ins),
    buildGlobals: head.filter((c) => c.role === 'build' && c.globals?.length).flatMap((c) => c.globals!),
    systemChanges,
    warnings,
  });
}

/**
 * The instructions of the build (head) and those that follow the last build step (tail), with
 * the ARGs the runtime stage uses promoted to shared; stops when a build step's effect is unknown
 * or the runtime stage would need a credential.
 */
function splitPoint(
  doc: ParsedDockerfile,
  facts: ProjectFacts,
  model: ImageModel,
  stage: Stage,
  appDir: string,
  start: StartPath,
): Step<{ head: Classified[]; tail: Classified[] }, Held> {
  const runtimeCommands = stage.instructions
    .filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT' || i.keyword === 'HEALTHCHECK')
    .map((i) => i.content)
    .join('\n');
  const cls = stage.instructions.map((i) => classify(doc, stage, i, appDir, { start, facts, model, runtimeCommands }));
  // The install must run in the app directory, or the runtime copy would miss node_modules.
  for (const c of cls) {
    if (c.commands?.some((x) => x.kind === 'install') && workdirAt(stage, c.ins, doc) !== appDir) {
      return stop(
        'install-outside-app',
        `not split: the install at line ${lineNo(doc, c.ins)} runs outside ${appDir}`,
        lineNo(doc, c.ins),
      );
    }
  }
  let lastBuild = -1;
  cls.forEach((c, i) => {
    if (c.role === 'build' || c.role === 'unknown') lastBuild = i;
  });
  const unknown = cls.find((c, i) => c.role === 'unknown' && i <= lastBuild);
  if (unknown) {
    return stop(
      'unknown-effect',
      `not split: \`${unknown.ins.text.split(/\r?\n/)[0]}\` at line ${lineNo(doc, unknown.ins)} runs in the build, and ${unknown.why}; the runtime stage might need what it leaves behind`,
      lineNo(doc, unknown.ins),
    );
  }
  // lastBuild points at a build instruction now; unknown ones after it simply run in the runtime stage.
  while (lastBuild >= 0 && cls[lastBuild].role !== 'build') lastBuild--;
  const tail = cls.slice(lastBuild + 1);
  const head = cls.slice(0, lastBuild + 1);

  // ARGs the runtime stage uses are repeated there.
  const runtimeText = [...head.filter((c) => c.role !== 'build').map((c) => c.ins.text), ...tail.map((c) => c.ins.text)].join(
    '\n',
  );
  for (const c of head) {
    if (c.ins.keyword !== 'ARG') continue;
    const names = varNames(c.ins);
    const used = names.filter((n) => usesVariable(runtimeText, n));
    if (!used.length) continue;
    const secret = used.filter((n) => SECRET_NAME.test(n));
    if (secret.length) {
      return stop(
        'secret-needed-at-runtime',
        `not split: the runtime instructions use ${secret.join(', ')}, a credential that must not be repeated into the runtime image`,
        lineNo(doc, c.ins),
      );
    }
    c.role = 'shared';
  }
  // Credentials set by ENV in the build stage stay there; an instruction left for the runtime stage must not need them.
  for (const c of head) {
    if (!c.secret || c.ins.keyword !== 'ENV') continue;
    const used = varNames(c.ins).filter((n) => usesVariable(runtimeText, n));
    if (used.length)
      return stop(
        'secret-needed-at-runtime',
        `not split: the runtime instructions use ${used.join(', ')}, a credential that must not be repeated into the runtime image`,
        lineNo(doc, c.ins),
      );
  }
  return go({ head, tail });
}

/**
 * The stage names. `docker build --target <name>` must keep giving the image that runs the app: an
 * existing stage name goes to the runtime stage (unless it says "build"), and the build stage is renamed.
 */
function stageNames(stage: Stage): Pick<SplitPlan, 'naming' | 'buildName' | 'runtimeName'> {
  if (!stage.name) return { naming: 'add', buildName: BUILD_STAGE, runtimeName: RUNTIME_STAGE };
  if (/^(build|builder|building|compile|deps)$/i.test(stage.name))
    return { naming: 'keep', buildName: stage.name, runtimeName: RUNTIME_STAGE };
  return {
    naming: 'rename',
    buildName: stage.name.toLowerCase() === BUILD_STAGE ? `${BUILD_STAGE}-stage` : BUILD_STAGE,
    runtimeName: stage.name,
  };
}

/** What the runtime stage holds before the app copy: moved and repeated instructions, in order, then the package manager's setup. */
function runtimeItems(doc: ParsedDockerfile, model: ImageModel, stage: Stage, head: Classified[]): RuntimeItem[] {
  const items: RuntimeItem[] = [];
  for (const c of head) {
    if (c.role === 'runtime') items.push({ kind: 'moved', ins: c.ins });
    else if (c.role === 'shared')
      items.push({
        kind: 'repeated',
        ins: c.ins,
        createsUser: Boolean(c.commands?.some((x) => x.kind === 'user')),
        text: c.system && c.system.text !== instructionText(doc, c.ins) ? c.system.text : undefined,
      });
  }
  // The start command runs a package manager that a build RUN set up (npm i -g pnpm, corepack enable):
  // the runtime stage needs the same setup.
  const pm = startManager(model, stage);
  if (pm) {
    for (const c of head) {
      if (c.role !== 'build' || !c.commands) continue;
      for (const x of c.commands) {
        if (x.kind !== 'pm-setup' && x.kind !== 'global') continue;
        const command = doc.text.slice(x.cmd.start, x.cmd.end);
        if (!new RegExp(`\\b(${pm}|corepack)\\b`).test(command)) continue;
        items.push({ kind: 'pm-setup', ins: c.ins, command, pm });
      }
    }
  }
  return items;
}

/** The app directory's owner: a `chown -R` of it, or the --chown every copy into it uses; and the owners those copies use. */
function appOwner(head: Classified[]): { owner: string | undefined; copyOwners: string[] } {
  const appCopies = head.filter((c) => (c.ins.keyword === 'COPY' || c.ins.keyword === 'ADD') && c.role === 'build');
  const copyOwners = new Set(appCopies.map((c) => c.ins.flags.find((f) => f.name === 'chown')?.value ?? ''));
  const copyOwner = copyOwners.size === 1 ? [...copyOwners][0] || undefined : undefined;
  const owner =
    head
      .map((c) => c.owner)
      .filter(Boolean)
      .pop() ?? copyOwner;
  return { owner, copyOwners: [...copyOwners] };
}

/** What the closure of the started package gives the runtime stage, in words. */
function deployMessage(d: Extract<WorkspaceDeploy, { kind: 'deploy' }>, appDir: string): string {
  const others = d.packages.slice(1);
  const root = d.rootFiles.length ? `, with the root's ${d.rootFiles.join(' and ')} that ${d.manager} reads` : '';
  const what =
    d.manager === 'pnpm'
      ? `the runtime stage receives ${d.dir} with its production dependencies and the workspace packages it uses, at ${appDir}/${d.dir}${root}`
      : `node_modules holds only the production dependencies of ${d.dir}${others.length ? ` and of the workspace packages it uses (${others.join(', ')})` : ''}, and the runtime stage receives node_modules and ${[d.dir, ...others].join(', ')} from the build stage${root}`;
  return `\`${d.command}\` after the build: ${what}, so \`${d.start}\` runs as before without the rest of the workspace`;
}

/** The FROM rename, the moved instructions taken out, and the runtime stage inserted after the last build step. */
function emit(doc: ParsedDockerfile, p: SplitPlan): TransformResult<Changed, Held> {
  const { stage, appDir, owner, prune } = p;
  const eol = doc.eol;
  const edits: Edit[] = [];
  if (p.naming === 'add') {
    const imageEnd = stage.from.argRanges.length ? stage.from.argRanges[stage.from.argRanges.length - 1][1] : stage.from.end;
    edits.push({ start: imageEnd, end: imageEnd, text: ` AS ${BUILD_STAGE}` });
  } else if (p.naming === 'rename') {
    const nameArg = stage.from.argRanges[stage.from.argRanges.length - 1];
    edits.push({ start: nameArg[0], end: nameArg[1], text: p.buildName });
  }
  const prefix = p.runtime.map((r) => ({
    text:
      r.kind === 'moved'
        ? blockText(doc, r.ins)
        : r.kind === 'repeated'
          ? (r.text ?? instructionText(doc, r.ins))
          : `RUN ${r.command.replace(/\\\r?\n\s*/g, '')}${eol}`,
    workdir: r.kind === 'repeated' && r.ins.keyword === 'WORKDIR',
    user: r.kind === 'repeated' && r.createsUser,
  }));
  for (const r of p.runtime) if (r.kind === 'moved') edits.push(removeBlock(doc, r.ins));

  const fromFlags = stage.from.flags.map((f) => doc.text.slice(f.start, f.end));
  const out: string[] = [];
  if (prune) out.push(`RUN ${prune}`);
  if (p.deploy) out.push(`RUN ${p.deploy.command}`);
  if (p.caches.length) out.push(`RUN rm -rf ${p.caches.join(' ')}`);
  out.push('');
  out.push(['FROM', ...fromFlags, stage.image, 'AS', p.runtimeName].join(' '));
  const copyFrom = (what: string) => `COPY --from=${p.buildName}${owner ? ` --chown=${owner}` : ''} ${what}${eol}`;
  const copy = p.deploy
    ? (p.deploy.rootFiles.length ? copyFrom(`${p.deploy.rootFiles.map((f) => `${appDir}/${f}`).join(' ')} ${appDir}/`) : '') +
      p.deploy.copies.map((c) => copyFrom(`${c.from} ${appDir}/${c.to}`)).join('')
    : copyFrom(`${appDir} ${appDir}`);
  let body: string;
  if (owner) {
    // COPY --chown gives a directory it creates to the owner, but leaves one that WORKDIR already
    // created owned by root: copy first (after the user exists), then set WORKDIR.
    const lastUser = prefix.map((x) => x.user).lastIndexOf(true);
    const early = prefix.slice(0, lastUser + 1);
    body =
      early
        .filter((x) => !x.workdir)
        .map((x) => x.text)
        .join('') +
      copy +
      early
        .filter((x) => x.workdir)
        .map((x) => x.text)
        .join('') +
      prefix
        .slice(lastUser + 1)
        .map((x) => x.text)
        .join('');
  } else {
    body = prefix.map((x) => x.text).join('') + copy;
  }
  edits.push(insertAfter(doc, p.last, out.map((l) => l + eol).join('') + body));

  const at = (ins: Instr) => `${ins.keyword} (line ${lineNo(doc, ins)})`;
  const moved = p.runtime.flatMap((r) => (r.kind === 'moved' ? [at(r.ins)] : []));
  const repeated = p.runtime.flatMap((r) =>
    r.kind === 'repeated' && !r.text
      ? [at(r.ins)]
      : r.kind === 'pm-setup'
        ? [`\`${r.command}\` (line ${lineNo(doc, r.ins)}), which sets up ${r.pm} for the start command`]
        : [],
  );
  const changes: Finding<Changed>[] = [
    {
      code: 'split',
      line: lineNo(doc, stage.from),
      message: `split into a \`${p.buildName}\` stage and a \`${p.runtimeName}\` stage from ${stage.image}: build tools, devDependencies and build-only files stay out of the final image`,
    },
  ];
  if (prune)
    changes.push({
      code: 'prune',
      line: lineNo(doc, p.last) + 1,
      message: `\`${prune}\` after the build: the runtime stage receives production dependencies only`,
    });
  if (p.deploy)
    changes.push({
      code: 'deploy',
      line: lineNo(doc, p.last) + 1,
      message: deployMessage(p.deploy, appDir),
    });
  if (p.caches.length)
    changes.push({
      code: 'build-cache',
      line: lineNo(doc, p.last) + 1,
      message: `\`RUN rm -rf ${p.caches.join(' ')}\` after the build: the build's cache stays out of the runtime stage (the server recreates what it caches)`,
    });
  if (p.standalone)
    changes.push({
      code: 'standalone',
      line: lineNo(doc, p.last),
      message: `no prune: the start runs Next.js' standalone server, so the runtime stage needs only ${p.standalone}, which next build fills with the node_modules the server uses`,
    });
  if (p.keptSecrets.length)
    changes.push({
      code: 'secrets-build-only',
      message: `credentials stay in the build stage, not repeated in the runtime image: ${p.keptSecrets.map(at).join(', ')}`,
    });
  if (p.buildGlobals.length)
    changes.push({
      code: 'build-tools-build-only',
      message: `global build tools stay in the build stage: ${p.buildGlobals.join(', ')}`,
    });
  if (moved.length) changes.push({ code: 'moved', message: `moved to the runtime stage, unchanged: ${moved.join(', ')}` });
  if (repeated.length)
    changes.push({ code: 'repeated', message: `repeated in the runtime stage, unchanged: ${repeated.join(', ')}` });
  changes.push(...p.systemChanges);
  if (owner)
    changes.push({ code: 'app-owner', message: `the app directory keeps its owner ${owner} in the runtime stage (--chown)` });
  return { edits, changes, warnings: p.warnings };
}
