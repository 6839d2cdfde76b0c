/**
 * The one package a workspace's image runs: the decision that the runtime stage receives that package's
 * production closure (its files, its production dependencies, the workspace packages it depends on with
 * their built output) instead of the whole workspace.
 *
 * It applies when the start runs one workspace package's file directly (`node apps/api/dist/server.js`),
 * or through that package's own script with the package manager (`pnpm --filter api start`,
 * `npm start --workspace=apps/api`), and the app reads nothing outside the closure at run time (files at
 * the workspace root, .env read from the working directory, another package's folder). Each manager has
 * its command:
 *
 * - pnpm: `pnpm deploy --filter=<name> --prod /prod/<folder>` after the build. It copies each package's
 *   files as publishing would (npm-packlist 5 in pnpm 8 to 10: the `files` field, else .npmignore, else
 *   .gitignore, folder by folder) and installs the closure in an isolated node_modules, so it must keep
 *   every file the app runs: the entry, each workspace dependency's `main`/`exports`, the build output,
 *   what the sources name. pnpm 8 and 9 deploy as described; pnpm 10 deploys only a workspace with
 *   `inject-workspace-packages` (then from the shared lockfile) unless given `--legacy` (the
 *   implementation of 8 and 9), which lifts that requirement from pnpm 10.3.0 on.
 * - npm: `npm ci --omit=dev --workspace=<folder>` after the build. It wipes the root node_modules and
 *   installs from package-lock.json the production packages that workspace reaches, with links to the
 *   workspace packages; no root dependency. It runs the root's install scripts, and it leaves what the
 *   full install put in a workspace package's own node_modules: both hold back.
 * - yarn 2+ with the node-modules linker: `yarn workspaces focus <name> --production` instead of the
 *   prune of every workspace (`--all`).
 *
 * With npm and yarn the workspace packages are links into their folders, which the runtime stage
 * receives whole from the build stage (build output included), so each package of the closure must
 * import only what it declares: a package the workspace install hoisted from elsewhere would be missing.
 * A build that writes into node_modules (prisma generate) holds back, since the install of the closure
 * starts afresh. The runtime stage keeps the workspace layout: each folder lands at its own path in the
 * app directory, so the start command, its working directory and every path inside the package stay
 * as they were.
 */
import { normalizePosix, type ParsedDockerfile, type Stage } from '../../dockerfile/parse.js';
import { covering, globToRegExp, lineNo } from '../../dockerfile/query.js';
import { parse as parseYaml } from 'yaml';
import semver from 'semver';
import type { ProjectFacts, WorkspacePackage } from '../project/facts.js';
import type { Project } from '../project/project.js';
import { installScripts, ScriptWalker } from '../commands/script-graph.js';
import { ENV_FILE_FLAGS, MODULE_FLAGS, splitFlag } from '../commands/node-flags.js';
import type { Manifest, Workspace } from '../project/workspace.js';
import {
  baseImageInfo,
  classifyRun,
  omitDevFlag,
  stageChain,
  stagePnpmVersion,
  type ClassifiedCommand,
} from '../commands/classify.js';
import { scriptOutputs, type AppDirModel, type Created } from './app-dir.js';
import { entrySource, importedPackages } from '../project/imports.js';
import { namedBySources } from './app-files.js';
import { isDevEntry, runtimeSources } from '../project/sources.js';
import { envLibraryFiles, type EnvFileUse } from './build-reads.js';
import { plainNodeCall, type StartPath } from './start-path.js';

/** Why the runtime stage keeps the whole workspace although the start runs one package (the workspace reinstall or prune stays). */
export type DeployHoldCode =
  | 'deploy-start-shape'
  | 'deploy-pnpm-version'
  | 'deploy-node-linker'
  | 'deploy-output-unknown'
  | 'deploy-publish-rules'
  | 'deploy-reads-outside-package'
  | 'deploy-npm-lockfile'
  | 'deploy-install-scripts'
  | 'deploy-undeclared-import'
  | 'deploy-writes-node-modules';

/** The package manager whose command gives the runtime stage one package's closure. */
export type ClosureManager = 'pnpm' | 'npm' | 'yarn';

export type WorkspaceDeploy =
  | {
      kind: 'deploy';
      manager: ClosureManager;
      /** The package's folder, relative to the context (and to the app directory). */
      dir: string;
      /** The command that leaves the package's production closure, run in the app directory after the build. */
      command: string;
      /** What the runtime stage copies from the build stage: an absolute path there, and where it lands, relative to the app directory. */
      copies: { from: string; to: string }[];
      /** The workspace packages the runtime stage receives, the started one first. */
      packages: string[];
      /** What the start runs. */
      start: string;
      /** Files of the workspace root the start needs besides the package (the package manager's package.json, pnpm-workspace.yaml). */
      rootFiles: string[];
    }
  | { kind: 'hold'; code: DeployHoldCode; why: string };

/**
 * The install scripts `npm ci` may run: the root's, and those of the workspace packages in `dirs`
 * ("the root's prepare", "apps/api's postinstall"). A manifest that does not parse counts as one.
 */
export function npmInstallScripts(project: Project, dirs: readonly string[]): string[] {
  const { scripts, unreadable } = installScripts(project, 'npm', ['', ...dirs]);
  return [
    ...scripts.map((s) => `${s.dir ? s.dir : 'the root'}'s ${s.name}`),
    ...unreadable.map((d) => `${d}/package.json (which does not parse)`),
  ];
}

const WORKSPACE_TASK_RUNNERS = /^(nx|lerna|rush|moon|wireit|ultra)$/;

/**
 * Does the runtime stage receive only the closure of the package the start runs? The command that
 * leaves it (`pnpm deploy`, `npm ci --omit=dev --workspace`, `yarn workspaces focus <name> --production`),
 * a hold-back with its reason when the start runs one workspace package but something is unsure, or null
 * when the question does not arise (not a workspace of these managers, a start that runs no workspace
 * package's file). `prune` is the workspace-wide prune the split would run otherwise.
 */
export function workspaceDeploy(
  doc: ParsedDockerfile,
  stage: Stage,
  start: StartPath,
  project: Project,
  appDir: string,
  installs: readonly ClassifiedCommand[],
  prune: string,
  envUses: readonly EnvFileUse[],
  appModel: AppDirModel,
): WorkspaceDeploy | null {
  const facts = project.facts;
  if (!facts.workspaces || !facts.workspacePackages || !facts.files) return null;
  const manager: ClosureManager | null =
    facts.manager === 'pnpm' && installs.every((c) => c.manager === 'pnpm')
      ? 'pnpm'
      : facts.manager === 'npm' && installs.every((c) => c.manager === 'npm')
        ? 'npm'
        : facts.manager === 'yarn-berry' && prune.startsWith('yarn workspaces focus ')
          ? 'yarn'
          : null;
  if (!manager) return null;
  const ws = project.workspace;
  const hold = (code: DeployHoldCode, why: string): WorkspaceDeploy => ({ kind: 'hold', code, why });

  // 1. The start: one `node <file>` of a workspace package, nothing around it.
  const started = startedPackage(start, ws, appDir, manager);
  if (!started) return null;
  const { pkg, entry, line, rootFiles } = started;
  if (started.shape) return hold('deploy-start-shape', started.shape);

  // 2. The package manager that leaves the closure, and settings that change what it does.
  const pnpm = manager === 'pnpm' ? pnpmDeploy(doc, stage, facts, ws) : null;
  if (pnpm && 'code' in pnpm) return hold(pnpm.code, pnpm.why);
  if (manager === 'yarn' && facts.yarnBerry?.nodeLinker !== 'node-modules')
    return hold(
      'deploy-node-linker',
      `yarn's nodeLinker is ${facts.yarnBerry?.nodeLinker ?? 'unknown'}: the packages are not in a node_modules folder the runtime stage could receive alone`,
    );

  // 3. The closure: the package and the workspace packages it depends on in production.
  const closure = ws.closure(pkg);
  const name = typeof ws.manifest(pkg.dir).name === 'string' ? (ws.manifest(pkg.dir).name as string) : null;
  if (manager !== 'pnpm' && !/^[\w@./-]+$/.test(pkg.dir))
    return hold('deploy-start-shape', `the folder name ${pkg.dir} would need quoting in the ${manager} command`);
  if (manager === 'npm') {
    const npm = npmReinstall(project, closure, installs) ?? npmVersion(stage);
    if (npm) return hold(npm.code, npm.why);
  }
  if (manager === 'yarn' && (!name || !/^[\w@./-]+$/.test(name)))
    return hold('deploy-start-shape', `${pkg.dir}/package.json has no name that \`yarn workspaces focus\` could select`);

  // 4. What the build builds, and whether each package's runtime files exist after it (and survive deploy's copy).
  const built = builtScripts(doc, stage, project);
  if (manager === 'pnpm') {
    const held = pnpmCopies(project, built, closure, pkg, entry);
    if (held) return hold(held.code, held.why);
  } else {
    // npm and yarn leave packages as links to their folders, which the runtime stage receives whole:
    // what a package runs must be its own dependency, not one the workspace hoisted from elsewhere.
    const undeclared = undeclaredImport(project, closure, pkg, entry);
    if (undeclared) return hold('deploy-undeclared-import', undeclared);
  }

  // 5. A build that writes into node_modules (prisma generate) leaves what a fresh install of the closure drops.
  const installLine = Math.max(
    0,
    ...stage.instructions
      .filter((i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => c.kind === 'install'))
      .map((i) => lineNo(doc, i)),
  );
  const writes = appModel.nodeModules.filter((w) => w.line === undefined || w.line > installLine);
  if (writes.length)
    return hold(
      'deploy-writes-node-modules',
      `${writes[0].why}${writes[0].line !== undefined ? ` (line ${writes[0].line})` : ''} writes into node_modules, and the install of the package's closure would not have it`,
    );
  for (const q of closure)
    for (const script of built.scripts.get(q.dir) ?? []) {
      const w = scriptOutputs(project.scoped(q.dir), script).nodeModules[0];
      if (w)
        return hold(
          'deploy-writes-node-modules',
          `${q.dir}'s \`${script}\` script runs ${w.why}, which writes into node_modules, and the install of the package's closure would not have it`,
        );
    }

  // 6. Nothing read outside the package at run time.
  const outside = readsOutside(project, envUses, start, closure, pkg);
  if (outside) return hold('deploy-reads-outside-package', outside);

  const packages = closure.map((q) => q.dir);
  if (manager === 'pnpm') {
    const selector = name && /^[\w@./-]+$/.test(name) ? name : `./${pkg.dir}`;
    const target = `/prod/${pkg.dir.replace(/^.*\//, '')}`;
    return {
      kind: 'deploy',
      manager,
      dir: pkg.dir,
      command: `pnpm deploy --filter=${selector} --prod${pnpm!.legacy ? ' --legacy' : ''} ${target}`,
      copies: [{ from: target, to: pkg.dir }],
      packages,
      start: line,
      rootFiles,
    };
  }
  const copies = [
    { from: `${appDir}/node_modules`, to: 'node_modules' },
    ...packages.map((d) => ({ from: `${appDir}/${d}`, to: d })),
  ];
  const command =
    manager === 'npm'
      ? `npm ci${npmFlags(installs)} ${omitDevFlag(stage.resolvedImage)} --workspace=${pkg.dir}`
      : `yarn workspaces focus ${name} --production`;
  return { kind: 'deploy', manager, dir: pkg.dir, command, copies, packages, start: line, rootFiles };
}

/** pnpm's deploy: the version that runs it and whether it needs --legacy, or why it cannot be told. */
function pnpmDeploy(
  doc: ParsedDockerfile,
  stage: Stage,
  facts: ProjectFacts,
  ws: Workspace,
): { legacy: boolean } | { code: DeployHoldCode; why: string } {
  const version = stagePnpmVersion(doc, stage, facts);
  if (!version || version === 'latest')
    return {
      code: 'deploy-pnpm-version',
      why: "the pnpm version is not pinned (packageManager field with corepack, or a global install of pnpm@<version>), and `pnpm deploy`'s behaviour depends on it (pnpm 10 needs inject-workspace-packages or --legacy)",
    };
  const major = semver.major(version);
  if (major < 8 || major > 10)
    return {
      code: 'deploy-pnpm-version',
      why: `\`pnpm deploy\` is known from pnpm 8 to 10, and this stage runs pnpm ${version}`,
    };
  const settings = pnpmSettings(ws);
  // pnpm 10 deploys a workspace that injects its packages; `--legacy` does so without them from 10.3.0 on.
  if (major === 10 && !settings.inject && semver.lt(version, '10.3.0'))
    return {
      code: 'deploy-pnpm-version',
      why: `pnpm ${version} deploys only a workspace with inject-workspace-packages=true, and its --legacy does not lift that (pnpm 10.3.0 and later do)`,
    };
  if (settings.nodeLinker && settings.nodeLinker !== 'isolated')
    return {
      code: 'deploy-node-linker',
      why: `node-linker=${settings.nodeLinker}: \`pnpm deploy\` does not install from the lockfile with it`,
    };
  return { legacy: major === 10 && !settings.inject && !settings.forceLegacy };
}

/** Why each package of the closure would miss a file it runs after `pnpm deploy`'s copy, or null. */
function pnpmCopies(
  project: Project,
  built: BuiltScripts,
  closure: readonly WorkspacePackage[],
  pkg: WorkspacePackage,
  entry: string,
): { code: DeployHoldCode; why: string } | null {
  const ws = project.workspace;
  const settings = pnpmSettings(ws);
  for (const q of closure) {
    const sp = project.scoped(q.dir);
    const manifest = ws.manifest(q.dir);
    const needed = q === pkg ? [entry] : manifestEntries(manifest);
    const created: Created[] = [];
    const unknown: string[] = [];
    for (const script of built.scripts.get(q.dir) ?? []) {
      const out = scriptOutputs(sp, script);
      created.push(...out.created);
      if (out.unknown) unknown.push(`its \`${script}\` script: ${out.unknown}`);
    }
    for (const f of needed) {
      const inContext = resolveContext(ws, q.dir, f);
      const made = created.some((c) => (c.type === 'file' ? c.path === f : covering(c.path)(f)));
      if (inContext === null && !made) {
        const why = unknown[0] ?? built.unknown[0];
        return {
          code: 'deploy-output-unknown',
          why: why
            ? `${q.dir}/${f} is not in the build context, and what the build makes in ${q.dir} cannot be told (${why})`
            : `${q.dir}/${f} is neither in the build context nor made by the build's scripts`,
        };
      }
    }
    if (settings.deployAllFiles) continue;
    const checks: [string, boolean][] = [
      ...needed.map((f): [string, boolean] => [resolveContext(ws, q.dir, f) ?? f, false]),
      ...created.map((c): [string, boolean] => [c.path, c.type !== 'file']),
    ];
    // What the package's sources name inside it (views/, templates, data files): read at run time.
    for (const p of namedBySources(sp, new Set())) if (!isDevEntry(p.split('/')[0])) checks.push([p, ws.isDir(`${q.dir}/${p}`)]);
    for (const [f, isDir] of checks) {
      const drop = publishDrop(ws, q.dir, manifest, f, isDir);
      if (drop)
        return {
          code: 'deploy-publish-rules',
          why: `\`pnpm deploy\` copies a package's files as publishing would, and ${q.dir}/${f} would be left out: ${drop}`,
        };
    }
  }
  return null;
}

/**
 * Why the image's npm may not filter `npm ci` by workspace as npm 10 does, or null: an official node
 * image from Node.js 20 on, or an 18 tag without a minor version (the latest 18 ships npm 10). Older
 * npm releases, or an image whose npm is unknown, keep the whole workspace.
 */
function npmVersion(stage: Stage): { code: DeployHoldCode; why: string } | null {
  const info = baseImageInfo(stage.resolvedImage);
  const tag = info.tag;
  const known =
    info.officialNode && info.nodeMajor !== null && (info.nodeMajor >= 20 || (info.nodeMajor === 18 && !/^18\.\d/.test(tag)));
  const latest =
    info.officialNode && info.nodeMajor === null && /^(latest|lts|current|slim|alpine|bookworm|bullseye|trixie)/.test(tag);
  return known || latest
    ? null
    : {
        code: 'deploy-npm-lockfile',
        why: `the npm of ${stage.image} is not known to be npm 10 or later, whose \`npm ci --workspace\` installs only what the workspace reaches`,
      };
}

/**
 * Why `npm ci --omit=dev --workspace=<dir>` would not install what the workspace install did for the
 * closure, or null. It installs from package-lock.json the packages the workspace reaches (and no root
 * dependency), wiping the root node_modules first; it runs the root's install scripts.
 */
function npmReinstall(
  project: Project,
  closure: readonly WorkspacePackage[],
  installs: readonly ClassifiedCommand[],
): { code: DeployHoldCode; why: string } | null {
  const facts = project.facts;
  const lockName = facts.lockfile;
  const no = (why: string) => ({ code: 'deploy-npm-lockfile' as const, why });
  if (lockName !== 'package-lock.json' && lockName !== 'npm-shrinkwrap.json')
    return no('there is no package-lock.json, so an install of the closure alone could resolve other versions');
  const verbs = installs.map((c) => (c.sub !== undefined ? c.words[c.sub]?.value : undefined));
  if (!verbs.every((v) => v === 'ci'))
    return no('the workspace install is not `npm ci`, so package-lock.json may not be what it installed');
  let lock: { lockfileVersion?: unknown; packages?: Record<string, unknown> };
  try {
    lock = JSON.parse(facts.read(lockName) ?? '') as typeof lock;
  } catch {
    return no(`${lockName} does not parse`);
  }
  if (typeof lock.lockfileVersion !== 'number' || lock.lockfileVersion < 2 || !lock.packages)
    return no(
      `${lockName} is lockfileVersion ${String(lock.lockfileVersion ?? 1)}, which does not list the workspace's packages`,
    );
  const nested = Object.keys(lock.packages).find((k) => closure.some((q) => k.startsWith(`${q.dir}/node_modules/`)));
  if (nested)
    return no(
      `${nested} is installed inside a workspace package, and \`npm ci --workspace\` wipes only the root node_modules, so that folder would keep what the full install left there`,
    );
  const scripts = npmInstallScripts(
    project,
    closure.map((q) => q.dir),
  );
  if (scripts.length)
    return {
      code: 'deploy-install-scripts',
      why: `\`npm ci --omit=dev --workspace\` runs ${scripts.join(', ')} script again, which may need the devDependencies it leaves out`,
    };
  return null;
}

/**
 * The original install's own flags that `npm ci` of the closure repeats (--legacy-peer-deps,
 * --ignore-scripts, --registry URL...), with a leading space. `npm ci` takes no argument of its own,
 * so a word after a flag is that flag's value.
 */
function npmFlags(installs: readonly ClassifiedCommand[]): string {
  const out: string[] = [];
  const SELECTS = /^--(omit|include|only|production|dev|workspaces?|include-workspace-root|also)(=|$)|^-(w|ws)$/;
  for (const c of installs) {
    const w = c.words.slice((c.sub ?? 0) + 1).map((x) => x.value);
    for (let i = 0; i < w.length; i++) {
      if (!w[i].startsWith('-')) continue;
      const flag = !w[i].includes('=') && w[i + 1] !== undefined && !w[i + 1].startsWith('-') ? `${w[i]} ${w[++i]}` : w[i];
      if (!SELECTS.test(flag.split(' ')[0]) && !out.includes(flag)) out.push(flag);
    }
  }
  return out.length ? ` ${out.join(' ')}` : '';
}

/** The first package a closure package's code imports without declaring it (hoisting made it work), as a reason, or null. */
function undeclaredImport(
  project: Project,
  closure: readonly WorkspacePackage[],
  pkg: WorkspacePackage,
  entry: string,
): string | null {
  const ws = project.workspace;
  for (const q of closure) {
    const m = ws.manifest(q.dir);
    const declared = new Set(
      Object.keys({ ...(m.dependencies ?? {}), ...(m.optionalDependencies ?? {}), ...(m.peerDependencies ?? {}) }),
    );
    if (typeof m.name === 'string') declared.add(m.name);
    const sf = project.scoped(q.dir);
    for (const e of q === pkg ? [entry] : manifestEntries(m)) {
      if (!entrySource(sf, e))
        return `what ${q.dir}/${e} imports cannot be read (neither it nor its TypeScript source is in the context), so whether it needs a package the workspace install hoisted from elsewhere cannot be told`;
      for (const [name, file] of importedPackages(sf, e))
        if (!declared.has(name))
          return `${q.dir}/${file} imports ${name}, which ${q.dir}/package.json does not list in its dependencies (the workspace install hoisted it from elsewhere), and the install of ${pkg.dir}'s closure may leave it out`;
    }
  }
  return null;
}

/** The workspace package whose file the start runs with node, the file relative to it, and why the start's shape rules deploy out. */
function startedPackage(
  start: StartPath,
  ws: Workspace,
  appDir: string,
  manager: ClosureManager,
): { pkg: WorkspacePackage; entry: string; line: string; shape: string | null; rootFiles: string[] } | null {
  // Through a package's own script (pnpm --filter api start, pnpm -C apps/api start, npm start -w apps/api).
  // pnpm then needs the root's package.json (its packageManager field, for corepack) and pnpm-workspace.yaml
  // (for --filter) besides the package, npm the root's package.json (its workspaces): the runtime stage receives them too.
  const script = start.packageScripts.find((s) => ws.byDir(s.dir));
  if (script) {
    const pkg = ws.byDir(script.dir)!;
    const line = start.commands[0]?.join(' ') ?? '';
    const held = (shape: string) => ({ pkg, entry: '', line, shape, rootFiles: [] });
    if (manager === 'yarn')
      return held(
        `the start runs ${pkg.dir}'s ${script.script} script through yarn (\`${line}\`), which needs its release, .yarnrc.yml and the install state of the whole workspace`,
      );
    const body = ws.manifest(pkg.dir).scripts?.[script.script];
    const plain = plainNodeCall(typeof body === 'string' ? body : undefined);
    if (!('entry' in plain))
      return held(`the start runs ${pkg.dir}'s ${script.script} script through ${manager}, and ${plain.why}`);
    if (
      start.packageScripts.length !== 1 ||
      start.scripts.length ||
      start.commands.length !== 2 ||
      start.commands[0][0] !== manager ||
      [...start.managers].some((m) => m !== manager)
    )
      return held(
        `the start reaches ${pkg.dir}'s ${script.script} script through \`${line}\`${start.scripts.length ? ` and the root's ${start.scripts.join(', ')} script` : ''}, and only ${manager === 'pnpm' ? `\`pnpm --filter <package> ${script.script}\` or \`pnpm -C <folder> ${script.script}\`` : `\`npm ${script.script} --workspace=<folder>\``} itself is known to need nothing but the root's ${manager === 'pnpm' ? 'package.json and pnpm-workspace.yaml' : 'package.json'}`,
      );
    if (ws.has('.npmrc'))
      return held(
        `the start runs ${manager}, which reads the workspace's .npmrc (settings, maybe credentials), and the runtime stage would receive the package without it`,
      );
    return {
      pkg,
      entry: plain.entry,
      line,
      shape: null,
      rootFiles: (manager === 'pnpm' ? ['package.json', 'pnpm-workspace.yaml'] : ['package.json']).filter((f) => ws.has(f)),
    };
  }
  for (const w of start.commands) {
    if (!/^(node|nodejs)$/.test(w[0].replace(/^.*\//, ''))) continue;
    let file: string | null = null;
    let loads: string | null = null;
    for (let i = 1; i < w.length; i++) {
      if (w[i].startsWith('-')) {
        const flag = splitFlag(w[i]).name;
        if (MODULE_FLAGS.test(flag) || ENV_FILE_FLAGS.test(flag)) loads ??= w[i].includes('=') ? w[i] : `${w[i]} ${w[++i] ?? ''}`;
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
        shape: `the start reaches \`${line}\` through ${start.scripts.length ? `the root's ${start.scripts.join(', ')} script` : `\`${start.commands[0].join(' ')}\``}, which the package's closure alone would not have; a start with \`${line}\` itself would give the runtime stage that package alone`,
      };
    if (loads)
      return {
        pkg,
        entry,
        line,
        rootFiles: [],
        shape: `\`${loads}\` loads a module or file from the working directory ${appDir}, which would hold the package's closure only`,
      };
    return { pkg, entry, line, shape: null, rootFiles: [] };
  }
  return null;
}

/** Why the app reads something outside the package at run time, or null. */
function readsOutside(
  project: Project,
  envUses: readonly EnvFileUse[],
  start: StartPath,
  closure: readonly WorkspacePackage[],
  pkg: WorkspacePackage,
): string | null {
  const facts = project.facts;
  const ws = project.workspace;
  const inside = (p: string) => p === pkg.dir || p.startsWith(`${pkg.dir}/`);
  for (const f of start.runtimeFiles)
    if (!inside(f.path))
      return `${f.path} is ${f.why}, outside ${closure.map((q) => q.dir).join(', ')}, which is all the runtime stage would receive`;
  const present = (f: string) => facts.topLevel.has(f) && !facts.ignored(f);
  for (const u of envUses)
    if (u.run.length && !u.machineLocal && present(u.file))
      return `${u.file} at the workspace root is read at run time (${u.run.join(', ')}), and the package's closure does not hold it`;
  for (const q of closure) {
    const m = ws.manifest(q.dir);
    const deps = Object.fromEntries(
      Object.entries({ ...(m.dependencies ?? {}), ...(m.optionalDependencies ?? {}) }).map(([k, v]) => [k, String(v)]),
    );
    const read = envLibraryFiles(deps).filter(present);
    if (read.length)
      return `${q.dir} loads env files from the working directory (${Object.keys(deps)
        .filter((d) => envLibraryFiles({ [d]: '*' }).length)
        .join(', ')}), and ${read.join(', ')} at the workspace root would not be in the image`;
  }
  // Paths the closure's sources name outside every package of the closure (../../frontend/dist, a root config/).
  const inClosure = (f: string) => closure.some((q) => f.startsWith(`${q.dir}/`));
  const sourceOf = (f: string) => {
    const q = closure.find((x) => f.startsWith(`${x.dir}/`));
    return q !== undefined && !isDevEntry(f.slice(q.dir.length + 1).split('/')[0]);
  };
  for (const p of namedBySources(project, new Set(), sourceOf))
    if (!inClosure(`${p}/`) && !closure.some((q) => q.dir === p || q.dir.startsWith(`${p}/`)))
      return `the sources of the packages the app runs (${closure.map((q) => q.dir).join(', ')}) name ${p}, outside them`;
  // Paths that climb out of their package: '../../frontend/dist', join(__dirname, '..', '..', 'frontend').
  for (const q of closure) {
    for (const { path: f, text } of runtimeSources(project, { scope: q.dir })) {
      const inPkg = f.slice(q.dir.length + 1);
      const depth = inPkg.split('/').length - 1;
      const climb = climbOf(text);
      if (climb && climb.up > depth)
        return `${q.dir}/${inPkg} reaches outside its package (\`${climb.text}\`), and the image would hold the packages of the closure only`;
    }
  }
  return null;
}

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
/** The scripts a build runs in each workspace package (by folder), and the build steps whose reach cannot be told. */
interface BuiltScripts {
  scripts: Map<string, Set<string>>;
  unknown: string[];
}

function builtScripts(doc: ParsedDockerfile, stage: Stage, project: Project): BuiltScripts {
  const scripts = new Map<string, Set<string>>();
  const unknown: string[] = [];
  const walker = new ScriptWalker(project);
  for (const st of [...stageChain(doc, stage)].reverse())
    for (const ins of st.instructions) {
      if (ins.keyword !== 'RUN') continue;
      const commands = classifyRun(doc, ins).commands;
      if (!commands.some((c) => c.kind === 'build')) continue;
      // The commands of a RUN run one after another: a `cd` moves the ones after it.
      const list = commands.map((c) => (c.kind === 'build' || c.words[0]?.value === 'cd' ? c.words.map((w) => w.value) : []));
      for (const e of walker.walkList(list.filter((w) => w.length))) {
        if (e.kind === 'script') {
          // A package's script the build runs from outside it (the scripts it calls in turn are its own).
          if (e.ref.dir && (e.via === null || e.via.dir !== e.ref.dir)) {
            let set = scripts.get(e.ref.dir);
            if (!set) scripts.set(e.ref.dir, (set = new Set()));
            set.add(e.ref.name);
          }
          continue;
        }
        if (e.kind === 'unknown') {
          unknown.push(`\`${e.words.join(' ')}\``);
          continue;
        }
        if (e.kind !== 'command' || e.dir !== '' || e.pm || e.expands) continue;
        const bin = e.words[0].replace(/^.*\//, '');
        // Task runners whose task graph is not read, and what runs at the root: its effect on the packages is unknown.
        unknown.push(
          WORKSPACE_TASK_RUNNERS.test(bin) ? `\`${e.words.join(' ')}\`` : `\`${e.words.join(' ')}\` runs at the workspace root`,
        );
      }
    }
  return { scripts, unknown };
}

/** The workspace's pnpm settings that change deploy (.npmrc, pnpm-workspace.yaml). */
function pnpmSettings(ws: Workspace): {
  nodeLinker: string | null;
  inject: boolean;
  forceLegacy: boolean;
  deployAllFiles: boolean;
} {
  const rc = new Map<string, string>();
  for (const line of (ws.facts.read('.npmrc') ?? '').split(/\r?\n/)) {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) rc.set(m[1], m[2].replace(/^["']|["']$/g, ''));
  }
  let yaml: Record<string, unknown> = {};
  try {
    yaml = (parseYaml(ws.facts.read('pnpm-workspace.yaml') ?? '') as Record<string, unknown> | null) ?? {};
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
function publishDrop(ws: Workspace, dir: string, m: Manifest, rel: string, isDir: boolean): string | null {
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
    const file = ['.npmignore', '.gitignore'].map((n) => `${base}/${n}`).find((f) => ws.has(f));
    if (!file) continue;
    const rule = ignoredBy((ws.facts.read(file) ?? '').split(/\r?\n/), segs.slice(i).join('/'), isDir);
    if (rule) return `${file} ignores it (\`${rule}\`)`;
  }
  return null;
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
