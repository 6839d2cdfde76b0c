/**
 * What the transforms know about Node.js package managers, RUN commands and base images.
 */
import { normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../../dockerfile/parse.js';
import semver from 'semver';
import { copySourcesBefore, sourceCovers, stageChain, workdirAt } from '../../dockerfile/query.js';

export { copiedBefore, copySourcesBefore, rootImage, stageChain } from '../../dockerfile/query.js';
import { tokenizeShell, type SimpleCommand, type Word } from '../../dockerfile/shell.js';
import { LOCKFILES, type PackageManager, type ProjectFacts } from '../project/facts.js';
import { pmCall, type PmCall } from './package-manager.js';
import { installScripts } from './script-graph.js';
import type { Project } from '../project/project.js';

export type CommandKind =
  | 'install' // a lockfile install: npm install/ci, yarn, pnpm install, bun install (no package names)
  | 'add' // installs named packages (npm install express, yarn add)
  | 'global' // a global tool install (npm install -g)
  | 'build' // a script or compiler run at build time
  | 'prune' // removes devDependencies
  | 'start' // starts the app (npm start)
  | 'test' // runs tests or linters
  | 'system' // system package manager
  | 'pm-setup' // corepack enable, npm config set, npm i -g npm, yarn config
  | 'cleanup' // rm -rf, cache clean
  | 'user' // adduser, useradd, addgroup, groupadd
  | 'mkdir'
  | 'chmod'
  | 'chown'
  | 'link'
  | 'other';

export interface ClassifiedCommand {
  kind: CommandKind;
  manager?: PackageManager;
  cmd: SimpleCommand;
  /** Words after env assignments. */
  words: Word[];
  /** Index in words of the package manager's subcommand (install, ci, ...). */
  sub?: number;
  /** System packages named by a system install. */
  packages?: string[];
  /** Paths named by chmod/chown/mkdir. */
  paths?: string[];
  /** Owner given to chown. */
  owner?: string;
}

const SCRIPT_TESTS = /^(test|lint|check|typecheck|type-check|format|prettier|eslint|test:.*|lint:.*)$/;
const RUNTIME_SCRIPTS = /^(start|serve|dev|watch|start:.*|serve:.*)$/;
const BUILD_BINARIES = new Set([
  'tsc',
  'babel',
  'webpack',
  'vite',
  'rollup',
  'esbuild',
  'swc',
  'next',
  'nest',
  'nuxt',
  'ng',
  'tsup',
  'parcel',
  'gulp',
  'grunt',
  'prisma',
  'npx',
  'bunx',
  'pnpx',
  'node',
  'turbo',
  'nx',
  'lerna',
  'svelte-kit',
  'astro',
  'remix',
]);

const TEST_BINARIES = new Set([
  'jest',
  'vitest',
  'mocha',
  'ava',
  'tap',
  'jasmine',
  'karma',
  'nyc',
  'c8',
  'eslint',
  'prettier',
  'playwright',
  'cypress',
  'tsd',
  'xo',
  'standard',
  'biome',
]);

/** Packages that only serve to compile native modules or fetch git dependencies. */
export const BUILD_TOOL_PACKAGES = new Set([
  'python3',
  'python',
  'python2',
  'py3-pip',
  'py-pip',
  'make',
  'g++',
  'gcc',
  'build-base',
  'build-essential',
  'git',
  'cmake',
  'pkgconfig',
  'pkgconf',
  'pkg-config',
  'autoconf',
  'automake',
  'libtool',
  'musl-dev',
  'linux-headers',
  'libc-dev',
  'libc6-dev',
  'gyp',
  'node-gyp',
  'python3-dev',
  'python-dev',
  'openssh-client',
  'nasm',
  'zlib-dev',
  'zlib1g-dev',
  'binutils',
  'file',
  'bash',
]);

/** `yarn <script>`, `pnpm run <script>`: starting the app, a test or lint, or else a build step. */
function scriptKind(script: string): CommandKind {
  if (script === 'start' || RUNTIME_SCRIPTS.test(script)) return 'start';
  if (script === 'test' || SCRIPT_TESTS.test(script)) return 'test';
  return 'build';
}

function stripEnvAssignments(words: Word[]): Word[] {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i].value)) i++;
  if (words[i]?.value === 'sudo') i++;
  if (words[i]?.value === 'env') {
    i++;
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i].value)) i++;
  }
  return words.slice(i);
}

/** Package manager flags that take a separate value. */
// prettier-ignore
const INSTALL_VALUE_FLAGS = new Set(
  [
    'prefix', 'cache', 'registry', 'loglevel', 'userconfig', 'cwd', 'dir', 'filter', 'network-timeout', 'mutex',
    'modules-folder', 'cache-folder', 'virtual-store-dir', 'store-dir', 'workspace', 'omit', 'include', 'only',
  ].map((f) => `--${f}`),
);

function nonFlagWords(words: Word[], from: number): Word[] {
  const out: Word[] = [];
  for (let i = from; i < words.length; i++) {
    const v = words[i].value;
    if (v.startsWith('-')) {
      // flags that take a separate value
      if (INSTALL_VALUE_FLAGS.has(v)) i++;
      continue;
    }
    out.push(words[i]);
  }
  return out;
}

/** The kind of a package-manager call, and the index of its subcommand among `words`. */
function pmKind(call: PmCall, words: readonly Word[]): Pick<ClassifiedCommand, 'kind' | 'manager' | 'sub'> {
  const manager: PackageManager = call.manager;
  const at = { manager, ...(call.subIndex >= 0 ? { sub: call.subIndex } : {}) };
  const kind = (k: CommandKind) => ({ ...at, kind: k });
  const script = call.script ?? '';
  switch (call.verb) {
    case 'install':
    case 'ci':
    case 'add':
      if (call.global) {
        // `npm i -g pnpm@9`, `npm i -g corepack`: the package manager's own setup.
        const first = words.find((w, i) => i > call.subIndex && call.operands.includes(w.value))?.value ?? '';
        return kind(call.manager === 'npm' && /^(npm|yarn|pnpm|corepack)(@|$)/.test(first) ? 'pm-setup' : 'global');
      }
      return kind(call.verb === 'add' ? 'add' : 'install');
    case 'prune':
      return kind('prune');
    case 'focus':
      return kind(words.some((w) => w.value === '--production') ? 'prune' : 'install');
    case 'cache':
      return kind('cleanup');
    case 'config':
      return kind('pm-setup');
    case 'rebuild':
      return kind(call.manager === 'npm' ? 'build' : scriptKind(call.sub));
    case 'test':
      return kind('test');
    case 'start':
      return kind(call.manager === 'npm' ? (call.sub === 'start' ? 'start' : 'other') : scriptKind(call.sub));
    case 'run':
      if (call.manager === 'npm')
        return kind(RUNTIME_SCRIPTS.test(script) ? 'start' : SCRIPT_TESTS.test(script) ? 'test' : 'build');
      return kind(scriptKind(call.sub === 'run' ? script : call.sub));
    default:
      if (call.global && call.manager === 'yarn') return kind('global');
      if (call.manager === 'npm' || call.subIndex < 0) return kind('other');
      return kind(scriptKind(call.sub));
  }
}

export function classifyCommand(cmd: SimpleCommand): ClassifiedCommand {
  const words = stripEnvAssignments(cmd.words);
  const base: ClassifiedCommand = { kind: 'other', cmd, words };
  if (!words.length) return base;
  const bin = words[0].value.replace(/^.*\//, '');
  const call = pmCall(words.map((w) => w.value));
  if (call) return { ...base, ...pmKind(call, words) };
  if (bin === 'corepack') return { ...base, kind: 'pm-setup' };
  if (bin === 'apk' && words[1]?.value === 'add')
    return { ...base, kind: 'system', packages: nonFlagWords(words, 2).map((w) => w.value) };
  if (
    (bin === 'apt-get' || bin === 'apt' || bin === 'yum' || bin === 'dnf' || bin === 'microdnf') &&
    words.some((w) => w.value === 'install')
  ) {
    const at = words.findIndex((w) => w.value === 'install');
    return { ...base, kind: 'system', packages: nonFlagWords(words, at + 1).map((w) => w.value) };
  }
  if (['apk', 'apt-get', 'apt', 'yum', 'dnf', 'microdnf'].includes(bin)) return { ...base, kind: 'system', packages: [] };
  if (bin === 'rm') return { ...base, kind: 'cleanup' };
  if (['adduser', 'addgroup', 'useradd', 'groupadd', 'usermod'].includes(bin)) return { ...base, kind: 'user' };
  if (bin === 'mkdir') return { ...base, kind: 'mkdir', paths: nonFlagWords(words, 1).map((w) => w.value) };
  if (bin === 'chmod') return { ...base, kind: 'chmod', paths: nonFlagWords(words, 2).map((w) => w.value) };
  if (bin === 'chown') {
    const rest = nonFlagWords(words, 1);
    return { ...base, kind: 'chown', owner: rest[0]?.value, paths: rest.slice(1).map((w) => w.value) };
  }
  if (bin === 'ln') return { ...base, kind: 'link' };
  if (bin === 'true' || bin === 'echo' || bin === 'set') return { ...base, kind: 'cleanup' };
  const tool =
    bin === 'npx' || bin === 'bunx' || bin === 'pnpx' || (bin === 'pnpm' && words[1]?.value === 'exec')
      ? (words.find((w, i) => i > 0 && !w.value.startsWith('-') && w.value !== 'exec')?.value ?? '')
      : bin;
  if (TEST_BINARIES.has(tool.replace(/@.*$/, ''))) return { ...base, kind: 'test' };
  if (BUILD_BINARIES.has(bin)) {
    if (bin === 'node' && words.length === 1) return base;
    return { ...base, kind: 'build' };
  }
  return base;
}

export interface RunInfo {
  ins: Instr;
  commands: ClassifiedCommand[];
}

/** The simple commands of a RUN, classified. */
export function classifyRun(doc: ParsedDockerfile, ins: Instr): RunInfo {
  // Kept with the parse for its instruction's node: an instruction that a re-parse moved (the same
  // node at another offset) gets the classification moved along.
  const runs = doc.derived.table<RunInfo>('classified-run');
  let info = runs.get(ins.node);
  if (info?.ins === ins) return info;
  if (info && info.ins.text === ins.text) info = moveRun(info, ins);
  else info = classifyRunUncached(doc, ins);
  runs.set(ins.node, info);
  return info;
}

/**
 * The `chown` of a RUN that gives a directory its owner (chown [-R] user /app, or a path relative
 * to the WORKDIR), if the instruction has one.
 */
export function chownOfDir(doc: ParsedDockerfile, stage: Stage, ins: Instr, dir: string): ClassifiedCommand | undefined {
  if (ins.keyword !== 'RUN') return undefined;
  const wd = workdirAt(stage, ins, doc) ?? '/';
  return classifyRun(doc, ins).commands.find(
    (c) =>
      c.kind === 'chown' &&
      (c.paths ?? []).some((p) => normalizePosix(p.startsWith('/') ? p : `${wd}/${p}`) === normalizePosix(dir)),
  );
}

function moveRun(info: RunInfo, ins: Instr): RunInfo {
  const delta = ins.start - info.ins.start;
  const moved = new Map<Word, Word>();
  const word = (w: Word) => {
    let m = moved.get(w);
    if (!m) moved.set(w, (m = { ...w, start: w.start + delta, end: w.end + delta }));
    return m;
  };
  return {
    ins,
    commands: info.commands.map((c) => ({
      ...c,
      cmd: { words: c.cmd.words.map(word), start: c.cmd.start + delta, end: c.cmd.end + delta },
      words: c.words.map(word),
    })),
  };
}

function classifyRunUncached(doc: ParsedDockerfile, ins: Instr): RunInfo {
  if (ins.keyword !== 'RUN' || ins.heredoc) return { ins, commands: [] };
  if (ins.json) {
    // Exec form: ["npm", "ci", ...] is one simple command whose words are the JSON strings
    // (offsets inside the quotes). ["sh", "-c", "..."] is left unread.
    if (!ins.jsonArgs || !ins.jsonArgs.length || /^(\/bin\/)?(ba|da)?sh$/.test(ins.jsonArgs[0])) return { ins, commands: [] };
    const words: Word[] = [];
    const re = /"((?:[^"\\])*)"/g;
    const body = doc.text.slice(ins.start, ins.end);
    const open = body.indexOf('[');
    re.lastIndex = open;
    let m: RegExpExecArray | null;
    while ((m = re.exec(body))) {
      const start = ins.start + m.index + 1;
      words.push({ value: m[1], start, end: start + m[1].length });
    }
    if (words.length !== ins.jsonArgs.length || words.some((w, i) => w.value !== ins.jsonArgs![i])) return { ins, commands: [] };
    return { ins, commands: [classifyCommand({ words, start: words[0].start, end: words[words.length - 1].end })] };
  }
  const flagsEnd = ins.flags.length ? Math.max(...ins.flags.map((f) => f.end)) : ins.start + 3;
  const bodyStart = Math.max(ins.start + 3, flagsEnd);
  const cmds = tokenizeShell(doc.text, bodyStart, ins.end, doc.escape);
  return { ins, commands: cmds.map(classifyCommand) };
}

/** Does an install command omit devDependencies? */
export function installOmitsDev(c: ClassifiedCommand): boolean {
  return (
    c.words.some(
      (w) =>
        /^--(production|prod)(=true)?$/.test(w.value) ||
        /^--only=prod(uction)?$/.test(w.value) ||
        /^--omit=dev$/.test(w.value) ||
        w.value === '-P' ||
        (w.value === '--omit' && false),
    ) || c.words.some((w, i) => (w.value === '--omit' || w.value === '--only') && /^prod|^dev$/.test(c.words[i + 1]?.value ?? ''))
  );
}

export interface BaseImage {
  /** The official node image (any registry mirror of library/node). */
  officialNode: boolean;
  distroless: boolean;
  alpine: boolean;
  debian: boolean;
  /** Major Node.js version when the tag says it. */
  nodeMajor: number | null;
  /** The image names a Node.js runtime at all. */
  node: boolean;
  /** A variable could not be resolved. */
  unresolved: boolean;
  /** The tag, lower-cased ('latest' when there is none). */
  tag: string;
}

export function baseImageInfo(image: string): BaseImage {
  const unresolved = image.includes('$');
  const lower = image.toLowerCase();
  const noDigest = lower.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? noDigest.slice(0, colon) : noDigest;
  const tag = colon >= 0 ? noDigest.slice(colon + 1) : 'latest';
  const officialNode =
    /^((docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?(library\/)?node$/.test(repo) ||
    (/^[^/]+\/(library\/)?node$/.test(repo) && /mirror|docker/.test(repo));
  const distroless = /distroless\/nodejs/.test(repo) || /chainguard\/node/.test(repo);
  const alpine = /alpine/.test(tag) || /(^|\/)alpine$/.test(repo);
  const debian =
    !alpine &&
    (officialNode || /(^|\/)(debian|ubuntu)$/.test(repo) || /bookworm|bullseye|buster|slim|jammy|noble|focal/.test(tag));
  const m = officialNode ? /^(\d+)/.exec(tag) : distroless ? /nodejs(\d+)/.exec(repo) : null;
  const node =
    officialNode || distroless || /(^|\/)node(js)?([-_][a-z0-9]+)*$/.test(repo) || /(^|[/-])node(js)?(\d+)?($|[-/])/.test(repo);
  return { officialNode, distroless, alpine, debian, nodeMajor: m ? Number(m[1]) : null, node, unresolved, tag };
}

/** `--omit=dev` needs npm 7+ (Node 15+); older official images need `--production`. */
export function omitDevFlag(image: string): string {
  const info = baseImageInfo(image);
  return info.nodeMajor !== null && info.nodeMajor < 15 ? '--production' : '--omit=dev';
}

/** Does this stage run Node.js (node base image, a node/npm/yarn start command, an install, node_modules copied in)? */
export function stageRunsNode(doc: ParsedDockerfile, stage: Stage): boolean {
  for (const st of stageChain(doc, stage)) {
    if (baseImageInfo(st.resolvedImage).node) return true;
    for (const i of st.instructions) {
      if (i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => c.manager || c.words[0]?.value === 'node')) return true;
      if (
        (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') &&
        /(^|[\s"[/])(node|nodejs|npm|npx|yarn|pnpm|bun|pm2-runtime)(["\s,\]]|$)/.test(i.content)
      )
        return true;
      if (i.keyword === 'COPY' && /node_modules/.test(i.content)) return true;
    }
  }
  return false;
}

/** Is this a Node.js Dockerfile at all? */
export function isNodeDockerfile(doc: ParsedDockerfile): { node: boolean; reason: string } {
  for (const st of doc.stages) {
    const b = baseImageInfo(st.resolvedImage);
    if (b.node) return { node: true, reason: '' };
  }
  for (const ins of doc.instructions) {
    if (ins.keyword !== 'RUN') continue;
    const info = classifyRun(doc, ins);
    if (info.commands.some((c) => c.manager && (c.kind === 'install' || c.kind === 'add' || c.kind === 'build')))
      return { node: true, reason: '' };
  }
  const images = doc.stages.map((s) => s.image).join(', ') || 'none';
  return { node: false, reason: `not a Node.js Dockerfile (base image ${images}, no npm/yarn/pnpm/bun install)` };
}

/** A prune after the build: the command, or null and why none is safe. */
export type Prune = { command: string; why: '' } | { command: null; why: string };

const YARN_CLASSIC_PRUNE = 'yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline';

/**
 * The command that removes devDependencies from node_modules after a build, for the installs that
 * ran (`installs`: the stage's install commands). It must be the installer that ran, a binary the
 * stage has, and a command that cannot fail the build; when none is, the command is null.
 *
 * - npm: `npm prune --omit=dev` (`--production` on npm 6). npm prune runs no lifecycle scripts.
 * - yarn 1: a production install over the existing node_modules, scripts off.
 * - yarn 2+: `yarn workspaces focus --all --production`: built in from yarn 4, the workspace-tools
 *   plugin on 2 and 3. It re-runs the workspaces' preinstall/install/postinstall whenever their
 *   dependencies change, which a prune always does, and enableScripts does not stop that (it only
 *   covers dependencies' builds): a project with such scripts gets no prune.
 * - pnpm: `pnpm prune --prod`, which re-runs the root's lifecycle scripts: with `--ignore-scripts`
 *   (pnpm 8.15.6+) when there are some. In a pnpm workspace, where pnpm prune does not work, a fresh
 *   production install (`pnpmWorkspacePrune`).
 * - bun: a production reinstall, which runs the root's lifecycle scripts again and holds to the lockfile:
 *   only after an install with --frozen-lockfile.
 */
export function pruneCommand(
  doc: ParsedDockerfile,
  project: Project,
  stage: Stage,
  installs: readonly ClassifiedCommand[],
): Prune {
  const facts = project.facts;
  const ok = (command: string): Prune => ({ command, why: '' });
  const no = (why: string): Prune => ({ command: null, why });
  const managers = [...new Set(installs.map((c) => c.manager))];
  if (managers.length !== 1 || !managers[0]) {
    return no(
      managers.filter(Boolean).length > 1
        ? `the installs run different package managers (${managers.filter(Boolean).join(', ')})`
        : 'the package manager that installed cannot be told',
    );
  }
  const pm = managers[0];
  const setup = setupCommands(doc, stage);
  const pmField = facts.packageJson?.packageManager ?? '';
  switch (pm) {
    case 'npm':
      return ok(`npm prune ${omitDevFlag(stage.resolvedImage)}`);
    case 'yarn': {
      const berryField = /^yarn@(\d+)/.exec(pmField);
      const berry = facts.manager === 'yarn-berry' || (berryField !== null && Number(berryField[1]) >= 2);
      if (!berry) return ok(YARN_CLASSIC_PRUNE);
      const yb = facts.yarnBerry;
      if (!yb)
        return no(
          `package.json asks for ${pmField}, but the project's lockfile is ${facts.lockfile ?? 'missing'}, so which yarn installs cannot be told`,
        );
      // The image's own yarn is 1.x: yarn 2+ comes from yarnPath (any yarn hands over to it) or corepack.
      if (!yb.yarnPath && !setup.some((c) => /^corepack\b/.test(c))) {
        return no('yarn 2+ needs corepack or a yarnPath release, and this stage sets up neither');
      }
      const major = yb.version ? (semver.coerce(yb.version)?.major ?? null) : null;
      if (major === null)
        return no(
          `the yarn version cannot be told (${yb.yarnPath ? `yarnPath ${yb.yarnPath} names no release` : 'no packageManager field'}), and \`yarn workspaces focus\` needs yarn 4 or the workspace-tools plugin`,
        );
      if (major < 4 && !yb.workspaceToolsPlugin) {
        return no(
          `yarn ${yb.version} has \`yarn workspaces focus\` only with the workspace-tools plugin (built in from yarn 4), and .yarnrc.yml does not load it`,
        );
      }
      // Plug'n'Play with the global cache (yarn 4's default) reads the packages from ~/.yarn/berry/cache,
      // outside the app directory that the runtime stage receives.
      const globalCache = yb.enableGlobalCache ?? major >= 4;
      if (yb.nodeLinker === 'pnp' && globalCache)
        return no(
          `yarn ${yb.version} runs Plug'n'Play from its global cache (${yb.enableGlobalCache === null ? 'enableGlobalCache is on by default from yarn 4' : 'enableGlobalCache: true'}), outside the app directory the runtime stage receives; set \`enableGlobalCache: false\` or \`nodeLinker: node-modules\` in .yarnrc.yml to keep the packages in the project`,
        );
      const scripts = berryInstallScripts(project);
      if (scripts.length) {
        return no(
          `\`yarn workspaces focus --production\` runs ${scripts.join(', ')} again (yarn re-runs a workspace's install scripts when its dependencies change, whatever enableScripts says), which may need the devDependencies it removes`,
        );
      }
      return ok('yarn workspaces focus --all --production');
    }
    case 'pnpm': {
      if (facts.workspaces) return pnpmWorkspacePrune(facts, installs);
      if (!facts.installScripts.length) return ok('pnpm prune --prod');
      const version = pnpmVersion(setup, pmField);
      if (version === 'latest' || (version && semver.gte(version, '8.15.6'))) return ok('pnpm prune --prod --ignore-scripts');
      return no(
        `pnpm prune runs the ${facts.installScripts.join(', ')} script again, which may need the devDependencies it removes, and ${version ? `pnpm ${version}` : 'this pnpm (version unknown)'} has no --ignore-scripts for prune (pnpm 8.15.6+)`,
      );
    }
    case 'bun':
      if (writesPrismaClientIntoNodeModules(doc, facts, stage))
        return no(
          '`rm -rf node_modules && bun install --production` deletes the Prisma client that `prisma generate` wrote into node_modules/.prisma, and the prisma CLI that could write it again is a devDependency',
        );
      if (facts.installScripts.length)
        return no(
          `\`bun install --production\` runs the ${facts.installScripts.join(', ')} script again, which may need the devDependencies it removes`,
        );
      // `bun install --production` holds to the lockfile as --frozen-lockfile does: safe only after an
      // install that held to the same lockfile (bun.lock or bun.lockb), else a stale one fails the build.
      if (!installs.every((c) => c.words.some((w) => w.value === '--frozen-lockfile')))
        return no(
          "`bun install --production` fails on a lockfile out of date with package.json (it holds to the lockfile as --frozen-lockfile does), and the build's install did not hold to it",
        );
      return ok('rm -rf node_modules && bun install --frozen-lockfile --production');
  }
  return no('the package manager that installed cannot be told');
}

/**
 * The build runs `prisma generate` (in a RUN, or in a package script a RUN names) for a generator
 * with no `output`: the client then lives in node_modules/.prisma and @prisma/client, outside any
 * package a reinstall would bring back. npm prune, yarn 1 and pnpm prune leave it where it is;
 * a prune that deletes node_modules loses it.
 */
export function writesPrismaClientIntoNodeModules(doc: ParsedDockerfile, facts: ProjectFacts, stage: Stage): boolean {
  const scripts = facts.packageJson?.scripts ?? {};
  const generating = Object.keys(scripts).filter((k) => /\bprisma\s+generate\b/.test(scripts[k]));
  const runs = stageChain(doc, stage).flatMap((st) => st.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.content));
  const runsGenerate = runs.some(
    (t) =>
      /\bprisma\s+generate\b/.test(t) ||
      generating.some((k) => new RegExp(`(^|[\\s"'])${k.replace(/[.*+?^${}()|[\]\\:]/g, '\\$&')}($|[\\s"'&;|])`).test(t)),
  );
  if (!runsGenerate) return false;
  const schema = facts.read('prisma/schema.prisma');
  // A generator with its own output writes outside node_modules (the app-dir model follows it).
  if (schema !== null && /^\s*generator\b[^}]*^\s*output\s*=/m.test(schema)) return false;
  return true;
}

/** Packages whose install writes generated code into node_modules that a reinstall without the devDependencies cannot write again. */
const GENERATES_INTO_NODE_MODULES = ['@prisma/client', 'prisma'];

/**
 * A pnpm workspace: `pnpm prune` does nothing useful there (pnpm says it does not support recursive
 * prune), and `pnpm install --prod` over an installed tree unlinks the devDependencies but leaves
 * them in node_modules/.pnpm, so the image does not shrink. A fresh production install does: remove
 * every node_modules of the workspace (the root's and each workspace package's) and install again
 * with `--prod`, from the store the first install filled (`--prefer-offline`: the registry only for
 * what the store lacks, as when the store is a cache mount). The layout stays as the build left it,
 * so every path the app uses is where it was. It re-runs the root's and the workspace packages'
 * lifecycle scripts and the dependencies' builds: not when a workspace package has install scripts,
 * nor when a dependency generates code into node_modules (Prisma) that needs a devDependency. A
 * `--filter` of the original install is kept, so the reinstall installs what the first one did.
 */
function pnpmWorkspacePrune(facts: ProjectFacts, installs: readonly ClassifiedCommand[]): Prune {
  const no = (why: string): Prune => ({ command: null, why });
  const ws = facts.workspacePackages;
  if (!ws) return no(`the pnpm workspace's packages cannot be listed (${facts.workspacesUnknown ?? 'unknown'})`);
  const scripted = [
    ...(facts.installScripts.length ? [`the root's ${facts.installScripts.join(', ')}`] : []),
    ...ws.filter((p) => p.installScripts.length).map((p) => `${p.dir}'s ${p.installScripts.join(', ')}`),
  ];
  if (scripted.length)
    return no(
      `\`pnpm prune\` does not prune a pnpm workspace, and the production reinstall that does would run ${scripted.join('; ')} again, which may need the devDependencies it leaves out`,
    );
  const generators = new Set<string>();
  const scan = (deps: Record<string, string> | undefined) => {
    for (const n of Object.keys(deps ?? {})) if (GENERATES_INTO_NODE_MODULES.includes(n)) generators.add(n);
  };
  scan(facts.packageJson?.dependencies);
  scan(facts.packageJson?.devDependencies);
  for (const p of ws) {
    try {
      const raw = JSON.parse(facts.read(`${p.dir}/package.json`) ?? '{}') as Record<string, Record<string, string>>;
      scan(raw.dependencies);
      scan(raw.devDependencies);
    } catch {
      return no(`${p.dir}/package.json does not parse`);
    }
  }
  if (generators.size)
    return no(
      `\`pnpm prune\` does not prune a pnpm workspace, and the production reinstall that does would drop the Prisma client the build generated into node_modules (${[...generators].join(', ')})`,
    );
  const filters: string[] = [];
  for (const c of installs) {
    const w = c.words.map((x) => x.value);
    for (let i = 0; i < w.length; i++) {
      const m = /^(--filter|-F)(=.*)?$/.exec(w[i]);
      if (!m) continue;
      const value = m[2] ? m[2].slice(1) : w[++i];
      if (value === undefined) return no('the install has a --filter without a value');
      filters.push(`--filter ${/^[\w@./*!{}^-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`}`);
    }
  }
  const dirs = ['node_modules', ...ws.map((p) => `${p.dir}/node_modules`)];
  return {
    command: `rm -rf ${dirs.join(' ')} && pnpm install --prod --frozen-lockfile --prefer-offline${filters.length ? ' ' + filters.join(' ') : ''}`,
    why: '',
  };
}

/** Package-manager setup commands (corepack, global installs of a package manager) in a stage and those it builds on. */
function setupCommands(doc: ParsedDockerfile, stage: Stage): string[] {
  const out: string[] = [];
  for (const st of stageChain(doc, stage)) {
    for (const ins of st.instructions) {
      if (ins.keyword !== 'RUN') continue;
      for (const c of classifyRun(doc, ins).commands) {
        if (c.kind === 'pm-setup' || c.kind === 'global') out.push(c.words.map((w) => w.value).join(' '));
      }
    }
  }
  return out;
}

/**
 * The pnpm version a stage runs: the last `npm i -g pnpm@x` / `corepack prepare pnpm@x` (a bare
 * `npm i -g pnpm` installs the latest), else the packageManager field when corepack is enabled.
 * A range gives its lowest version; anything else is unknown (null).
 */
function pnpmVersion(setup: string[], pmField: string): string | null {
  const exact = (v: string) => semver.valid(v) ?? (semver.validRange(v) ? (semver.minVersion(v)?.version ?? null) : null);
  for (const c of [...setup].reverse()) {
    const m = /(?:^|\s)pnpm(?:@(\S+))?(?=\s|$)/.exec(c);
    if (!m) continue;
    if (/^corepack\b/.test(c) && !m[1]) break; // `corepack enable pnpm`: the packageManager field decides
    if (!m[1] || m[1] === 'latest') return 'latest';
    return exact(m[1]);
  }
  if (setup.some((c) => /^corepack\b/.test(c))) {
    const v = /^pnpm@([^+\s]+)/.exec(pmField)?.[1];
    return v ? exact(v) : null;
  }
  return null;
}

/**
 * The pnpm a stage runs, as pnpmVersion() tells it from the stage's setup (a global install or
 * `corepack prepare`, else the packageManager field with corepack): an exact version, 'latest'
 * (unpinned), or null (unknown).
 */
export function stagePnpmVersion(doc: ParsedDockerfile, stage: Stage, facts: ProjectFacts): string | null {
  return pnpmVersion(setupCommands(doc, stage), facts.packageJson?.packageManager ?? '');
}

/** preinstall/install/postinstall of the root and each yarn workspace: what yarn 2+ runs for workspaces. */
function berryInstallScripts(project: Project): string[] {
  const ws = project.facts.workspacePackages;
  if (project.facts.workspaces && !ws)
    return [`the workspace's packages (${project.facts.workspacesUnknown ?? 'they cannot be listed'})`];
  const { scripts, unreadable } = installScripts(project, 'yarn', ['', ...(ws ?? []).map((p) => p.dir)], true);
  return [
    ...scripts.map((s) => `${s.dir || 'the root'}'s ${s.name} (\`${s.body}\`)`),
    ...unreadable.map((d) => `${d}/package.json (which does not parse)`),
  ];
}

const LOCKFILE_NAMES = new Set(LOCKFILES.map(([name]) => name));

/** The lockfile when the install at `ins` can use it: present in the context, not ignored, copied before. */
export function usableLockfile(
  doc: ParsedDockerfile,
  stage: Stage,
  ins: Instr,
  facts: ProjectFacts,
): { file: string | null; why: string } {
  const sources = copySourcesBefore(doc, stage, ins);
  if (
    facts.lockfile &&
    !facts.ignored(facts.lockfile) &&
    sources.some((s) => !s.fromStage && sourceCovers(s.source, facts.lockfile!))
  ) {
    return { file: facts.lockfile, why: '' };
  }
  // A lockfile named explicitly: from another stage (COPY --from=build /app/package-lock.json ./),
  // or from a subdirectory of the context (COPY api/package-lock.json ./).
  for (const s of [...sources].reverse()) {
    const base = s.source.replace(/^.*\//, '');
    if (!LOCKFILE_NAMES.has(base)) continue;
    if (s.fromStage) return { file: base, why: '' };
    const rel = s.source.replace(/^\.?\/+/, '');
    if (facts.files?.includes(rel) && !facts.ignored(rel)) return { file: base, why: '' };
  }
  if (facts.lockfileProblem) return { file: null, why: facts.lockfileProblem };
  if (!facts.lockfile) return { file: null, why: 'there is no lockfile in the build context' };
  if (facts.ignored(facts.lockfile))
    return { file: null, why: `${facts.lockfile} is excluded by ${facts.dockerignore?.path ?? '.dockerignore'}` };
  return { file: null, why: `${facts.lockfile} is not copied into the image before this install` };
}

/**
 * Can the pnpm this stage runs install `--frozen-lockfile` from the lockfile in the context? Only
 * when its version is pinned (`npm i -g pnpm@8`, `corepack prepare pnpm@9`, or the packageManager
 * field with corepack) and reads that lockfile's format: an unpinned pnpm (`npm i -g pnpm`) is
 * whatever is newest on the day of the build, and a frozen install fails on a format it does not
 * read, where a plain install converts it.
 */
export function pnpmReadsLockfile(doc: ParsedDockerfile, stage: Stage, facts: ProjectFacts): { ok: boolean; why: string } {
  const version = pnpmVersion(setupCommands(doc, stage), facts.packageJson?.packageManager ?? '');
  const lock = /^lockfileVersion:\s*['"]?(\d+)/m.exec(facts.read('pnpm-lock.yaml') ?? '')?.[1];
  if (!version || version === 'latest')
    return {
      ok: false,
      why: "the pnpm version is not pinned, so whether it reads this lockfile's format depends on the day of the build",
    };
  if (!lock) return { ok: false, why: 'the lockfile format of pnpm-lock.yaml cannot be read' };
  const major = semver.major(version);
  const reads: Record<string, number[]> = { '5': [6, 7], '6': [8], '9': [9, 10] };
  if (!(reads[lock] ?? []).includes(major))
    return { ok: false, why: `pnpm ${version} and a lockfile of format ${lock} may not go together` };
  return { ok: true, why: '' };
}

/** Production dependencies that download a browser into the installing user's home (~/.cache) at install time. */
export function browserDownloaders(facts: ProjectFacts): string[] {
  return ['puppeteer', 'playwright', 'playwright-chromium', 'playwright-firefox', 'playwright-webkit'].filter(
    (p) => facts.packageJson?.dependencies[p] !== undefined,
  );
}
