/**
 * System packages in a Node.js image: which ones only compile native modules (compilers, headers,
 * `-dev` packages) and which ones the compiled modules load at run time, for Debian (apt) and
 * Alpine (apk) bases.
 *
 * A native module built in the build stage (`node-gyp` through `npm ci`) is a `.node` file linked
 * against the system's libraries: the runtime stage needs those libraries (libcairo2 for canvas),
 * not the compiler nor the headers (build-essential, libcairo2-dev). A package this module does not
 * know is never dropped: it stays in the runtime stage, and the caller says so.
 */
import { baseImageInfo, BUILD_TOOL_PACKAGES } from '../commands/classify.js';
import type { Word } from '../../dockerfile/shell.js';
import type { Finding } from '../../engine/types.js';
import type { Project } from '../project/project.js';
import { runtimeSources } from '../project/sources.js';

export type SystemFamily = 'debian' | 'alpine';
/** Debian releases whose package names differ (the 64-bit time_t transition renamed libraries in trixie). */
export type DebianRelease = 'buster' | 'bullseye' | 'bookworm' | 'trixie';

export interface NativeModulePackages {
  /** The npm package. */
  module: string;
  /** When the system packages are needed at all. */
  when: string;
  debian: { build: readonly string[]; runtime: readonly string[] };
  alpine: { build: readonly string[]; runtime: readonly string[] };
}

/**
 * The common native modules: what their build from source needs, and what the built module loads
 * at run time. Rendered in docs/native-modules.md (`npm run docs`).
 */
export const NATIVE_MODULES: readonly NativeModulePackages[] = [
  {
    module: 'canvas',
    when: 'built from source (no prebuilt binary for the platform or Node.js version)',
    debian: {
      build: [
        'build-essential',
        'python3',
        'pkg-config',
        'libcairo2-dev',
        'libpango1.0-dev',
        'libjpeg-dev',
        'libgif-dev',
        'librsvg2-dev',
      ],
      runtime: ['libcairo2', 'libpango-1.0-0', 'libpangocairo-1.0-0', 'libjpeg62-turbo', 'libgif7', 'librsvg2-2'],
    },
    alpine: {
      build: ['build-base', 'python3', 'pkgconf', 'cairo-dev', 'pango-dev', 'jpeg-dev', 'giflib-dev', 'librsvg-dev'],
      runtime: ['cairo', 'pango', 'libjpeg-turbo', 'giflib', 'librsvg'],
    },
  },
  {
    module: 'sharp',
    when: 'built against a global libvips (the prebuilt binaries bundle libvips and need no system package)',
    debian: { build: ['build-essential', 'python3', 'pkg-config', 'libvips-dev'], runtime: ['libvips42 (trixie: libvips42t64)'] },
    alpine: { build: ['build-base', 'python3', 'pkgconf', 'vips-dev'], runtime: ['vips', 'vips-cpp'] },
  },
  {
    module: 'sqlite3',
    when: 'built from source; it bundles SQLite unless built with `--sqlite=/usr`',
    debian: { build: ['build-essential', 'python3'], runtime: [] },
    alpine: { build: ['build-base', 'python3'], runtime: [] },
  },
  {
    module: 'sqlite3 (`--sqlite=/usr`)',
    when: 'built against the system SQLite',
    debian: { build: ['build-essential', 'python3', 'libsqlite3-dev'], runtime: ['libsqlite3-0'] },
    alpine: { build: ['build-base', 'python3', 'sqlite-dev'], runtime: ['sqlite-libs'] },
  },
  {
    module: 'better-sqlite3',
    when: 'built from source; it bundles SQLite',
    debian: { build: ['python3', 'make', 'g++'], runtime: [] },
    alpine: { build: ['python3', 'make', 'g++'], runtime: [] },
  },
  {
    module: 'bcrypt',
    when: 'built from source (`npm rebuild bcrypt --build-from-source`, or no prebuilt binary)',
    debian: { build: ['python3', 'make', 'g++'], runtime: [] },
    alpine: { build: ['python3', 'make', 'g++'], runtime: [] },
  },
  {
    module: 'argon2',
    when: 'built from source (no prebuilt binary)',
    debian: { build: ['python3', 'make', 'g++'], runtime: [] },
    alpine: { build: ['python3', 'make', 'g++'], runtime: [] },
  },
  {
    module: 'any node-gyp build',
    when: 'a module with a `binding.gyp` and no prebuilt binary; the C++ runtime (libstdc++) is in every node image',
    debian: { build: ['build-essential (or make, g++)', 'python3'], runtime: [] },
    alpine: { build: ['build-base (or make, g++)', 'python3'], runtime: [] },
  },
];

/** Runtime names of a `-dev` package: one list, or one per release when the name depends on it. */
type RuntimeNames = readonly string[] | Readonly<Record<DebianRelease, readonly string[]>>;

const NO_T64 = (names: string[], t64: string[]): Record<DebianRelease, string[]> => ({
  buster: names,
  bullseye: names,
  bookworm: names,
  trixie: t64,
});

/** Debian `-dev` packages and the libraries a module built against them loads. */
const DEBIAN_DEV: Readonly<Record<string, RuntimeNames>> = {
  'libcairo2-dev': ['libcairo2'],
  'libpango1.0-dev': ['libpango-1.0-0', 'libpangocairo-1.0-0'],
  'libjpeg-dev': ['libjpeg62-turbo'],
  'libjpeg62-turbo-dev': ['libjpeg62-turbo'],
  'libgif-dev': ['libgif7'],
  'librsvg2-dev': ['librsvg2-2'],
  'libpixman-1-dev': ['libpixman-1-0'],
  'libfreetype6-dev': ['libfreetype6'],
  'libfontconfig1-dev': ['libfontconfig1'],
  'libsqlite3-dev': ['libsqlite3-0'],
  'libpng-dev': NO_T64(['libpng16-16'], ['libpng16-16t64']),
  'libvips-dev': NO_T64(['libvips42'], ['libvips42t64']),
  'libssl-dev': { buster: ['libssl1.1'], bullseye: ['libssl1.1'], bookworm: ['libssl3'], trixie: ['libssl3t64'] },
};

/** Alpine `-dev` packages and the libraries a module built against them loads. */
const ALPINE_DEV: Readonly<Record<string, RuntimeNames>> = {
  'cairo-dev': ['cairo'],
  'pango-dev': ['pango'],
  'jpeg-dev': ['libjpeg-turbo'],
  'libjpeg-turbo-dev': ['libjpeg-turbo'],
  'giflib-dev': ['giflib'],
  'librsvg-dev': ['librsvg'],
  'libpng-dev': ['libpng'],
  'pixman-dev': ['pixman'],
  'freetype-dev': ['freetype'],
  'fontconfig-dev': ['fontconfig'],
  'vips-dev': ['vips', 'vips-cpp'],
  'sqlite-dev': ['sqlite-libs'],
};

/** Packages that are only headers or build tools, beyond BUILD_TOOL_PACKAGES. */
const BUILD_ONLY = new Set(['libc6-dev', 'g++-multilib', 'gcc-multilib', 'clang', 'ccache']);

/** Runtime libraries and tools the table knows: they go to the runtime stage without a word. */
const KNOWN_RUNTIME = new Set([
  ...Object.values(DEBIAN_DEV).flatMap((v) => (Array.isArray(v) ? v : Object.values(v).flat())),
  ...Object.values(ALPINE_DEV).flatMap((v) => (Array.isArray(v) ? v : Object.values(v).flat())),
  'libvips',
  'libvips42',
  'libvips42t64',
  'libstdc++',
  'libstdc++6',
  'libgcc',
  'libc6-compat',
  'gcompat',
  'ca-certificates',
  'tini',
  'dumb-init',
  'tzdata',
]);

/**
 * npm packages that run a system program at run time, and the system packages (Debian and Alpine
 * names) that provide it: the tools a build needs (git, python3) stay in the runtime stage then.
 */
const PROGRAM_WRAPPERS: Readonly<Record<string, readonly string[]>> = {
  'simple-git': ['git', 'openssh-client', 'openssh'],
  'git-clone': ['git', 'openssh-client', 'openssh'],
  'git-rev-sync': ['git'],
  'git-last-commit': ['git'],
  gitlog: ['git'],
  'python-shell': ['python3', 'python'],
};

/** A call that runs a program by name: exec('git …'), spawn("python3", …), execa('make'). */
const SPAWN =
  /\b(?:exec|execSync|spawn|spawnSync|execFile|execFileSync|execa|execaSync|execaCommand)\s*\(\s*['"`](git|python3?|make|gcc|g\+\+|cmake)\b/;
/**
 * System packages the app runs at run time, with why: a production dependency that wraps the
 * program (simple-git runs git), or the app's own code spawning it. Every package.json of the
 * context counts (a workspace's packages too).
 */
export function programsTheAppRuns(project: Project): Map<string, string> {
  const facts = project.facts;
  const out = new Map<string, string>();
  const files = facts.files ?? [];
  for (const f of files) {
    if (!/(^|\/)package\.json$/.test(f) || f.includes('node_modules/')) continue;
    let m: { dependencies?: Record<string, unknown>; optionalDependencies?: Record<string, unknown> };
    try {
      m = JSON.parse(facts.read(f) ?? '{}') as typeof m;
    } catch {
      continue;
    }
    for (const dep of Object.keys({ ...(m.dependencies ?? {}), ...(m.optionalDependencies ?? {}) }))
      for (const p of PROGRAM_WRAPPERS[dep] ?? []) if (!out.has(p)) out.set(p, `${dep} in ${f}`);
  }
  for (const { path: f, text } of runtimeSources(project)) {
    const hit = SPAWN.exec(text);
    if (!hit) continue;
    const names =
      hit[1] === 'python' || hit[1] === 'python3'
        ? ['python3', 'python']
        : hit[1] === 'git'
          ? ['git', 'openssh-client', 'openssh']
          : hit[1] === 'g++'
            ? ['g++', 'build-base', 'build-essential']
            : hit[1] === 'gcc'
              ? ['gcc', 'build-base', 'build-essential']
              : [hit[1]];
    for (const p of names) if (!out.has(p)) out.set(p, `${f} runs ${hit[1]}`);
  }
  return out;
}

/** The package manager family of a base image: the names in this module are Debian's or Alpine's. Ubuntu's differ. */
export function systemFamily(image: string): SystemFamily | null {
  const info = baseImageInfo(image);
  if (info.unresolved || info.distroless) return null;
  if (info.alpine) return 'alpine';
  const lower = image.toLowerCase();
  if (/(^|\/)ubuntu(:|$)|jammy|noble|focal|bionic/.test(lower)) return null;
  if (info.debian) return 'debian';
  // oven/bun images are Debian unless tagged alpine or distroless.
  if (/(^|\/)oven\/bun(:|@|$)/.test(lower) && !/distroless/.test(lower)) return 'debian';
  return null;
}

/** The Debian release a tag names (node:20-bookworm-slim), or null when the tag does not say. */
export function debianRelease(image: string): DebianRelease | null {
  const m = /\b(buster|bullseye|bookworm|trixie)\b/.exec(image.toLowerCase().split('@')[0]);
  return m ? (m[1] as DebianRelease) : null;
}

export type PackageRole =
  | { role: 'build' }
  | { role: 'runtime' }
  /** A `-dev` package: the runtime stage installs these libraries instead. */
  | { role: 'dev'; runtime: readonly string[] }
  /** A `-dev` package whose library name depends on the release, which the tag does not name. */
  | { role: 'release-dependent' }
  | { role: 'unknown' };

/** What one system package is for, on this family and release. Version pins (`pkg=1.2`) are ignored. */
export function classifyPackage(name: string, family: SystemFamily, release: DebianRelease | null): PackageRole {
  const bare = name.replace(/[=<>~].*$/, '');
  if (BUILD_TOOL_PACKAGES.has(bare) || BUILD_ONLY.has(bare)) return { role: 'build' };
  const dev = (family === 'debian' ? DEBIAN_DEV : ALPINE_DEV)[bare];
  if (dev) {
    if (Array.isArray(dev)) return { role: 'dev', runtime: dev };
    const byRelease = dev as Readonly<Record<DebianRelease, readonly string[]>>;
    return release ? { role: 'dev', runtime: byRelease[release] } : { role: 'release-dependent' };
  }
  if (KNOWN_RUNTIME.has(bare)) return { role: 'runtime' };
  return { role: 'unknown' };
}

/** Flags of apt-get/apt/apk install that take a separate value (never a package name). */
const VALUE_FLAGS = new Set(['-o', '-t', '--target-release', '--option', '--virtual', '--repository', '-X', '--root', '-p']);

/** The package words of a system install (`apt-get install -y a b`, `apk add --no-cache a b`), or null when it is none. */
export function systemInstallWords(words: readonly Word[]): Word[] | null {
  const bin = words[0]?.value.replace(/^.*\//, '');
  let at = -1;
  if (bin === 'apk') at = words.findIndex((w) => w.value === 'add');
  else if (bin === 'apt-get' || bin === 'apt') at = words.findIndex((w) => w.value === 'install');
  if (at < 0) return null;
  const out: Word[] = [];
  for (let i = at + 1; i < words.length; i++) {
    const v = words[i].value;
    if (v.startsWith('-')) {
      if (VALUE_FLAGS.has(v)) i++;
      continue;
    }
    out.push(words[i]);
  }
  return out;
}

export interface SystemPackageSplit {
  /** Build tools and headers: build stage only. */
  build: string[];
  /** Packages the runtime stage installs as they are (known runtime libraries). */
  runtime: string[];
  /** `-dev` packages replaced by their runtime libraries: dev package -> libraries. */
  replaced: { dev: string; runtime: readonly string[] }[];
  /** Packages kept in the runtime stage because the tool does not know them. */
  unknown: string[];
  /** `-dev` packages kept in the runtime stage because their library's name depends on the release. */
  releaseDependent: string[];
}

/** Split a list of system packages into what the build needs and what the runtime stage installs. */
export function splitPackages(
  packages: readonly string[],
  family: SystemFamily,
  release: DebianRelease | null,
): SystemPackageSplit {
  const out: SystemPackageSplit = { build: [], runtime: [], replaced: [], unknown: [], releaseDependent: [] };
  for (const p of packages) {
    const c = classifyPackage(p, family, release);
    if (c.role === 'build') out.build.push(p);
    else if (c.role === 'runtime') out.runtime.push(p);
    else if (c.role === 'dev') out.replaced.push({ dev: p, runtime: c.runtime });
    else if (c.role === 'release-dependent') out.releaseDependent.push(p);
    else out.unknown.push(p);
  }
  return out;
}

/** The table of native modules and their system packages in docs/native-modules.md. */
export function nativeModulesTable(): string {
  const cell = (xs: readonly string[]) => (xs.length ? xs.map((x) => x.replace(/^([^ ]+)/, '`$1`')).join(', ') : 'none');
  const rows = NATIVE_MODULES.map(
    (m) =>
      `| ${m.module.replace(/^([^ ]+)/, '`$1`')} | ${m.when} | ${cell(m.debian.build)} | ${cell(m.debian.runtime)} | ${cell(m.alpine.build)} | ${cell(m.alpine.runtime)} |`,
  );
  return [
    '| module | needs system packages when | Debian: build stage | Debian: runtime stage | Alpine: build stage | Alpine: runtime stage |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** A system install as the runtime stage runs it. */
export interface RuntimeInstall {
  /**
   * The instruction for the runtime stage (line start to end, no line break): the original with
   * build tools removed and `-dev` packages replaced by their libraries; null when the runtime
   * stage needs no system package from it.
   */
  text: string | null;
  split: SystemPackageSplit;
}

/**
 * The runtime stage's version of a RUN that installs system packages (`apt-get install`, `apk add`,
 * with `apt-get update`, cleanups and the like around them), or why there is none: the base image's
 * family is not one whose names this module knows, or removing the build tools would leave an
 * install command with nothing to install.
 *
 * `text` is the file text, `lineStart`/`end` the instruction's span, `commands` its simple
 * commands (offsets into `text`).
 */
export function runtimeSystemInstall(
  text: string,
  lineStart: number,
  end: number,
  commands: readonly { words: readonly Word[] }[],
  image: string,
  escape: string,
  keep: ReadonlyMap<string, string> = new Map(),
): { install: RuntimeInstall; why: '' } | { install: null; why: string } {
  const family = systemFamily(image);
  if (!family) return { install: null, why: `the package names of ${image} are not known (neither Debian nor Alpine)` };
  const release = family === 'debian' ? debianRelease(image) : null;
  const split: SystemPackageSplit = { build: [], runtime: [], replaced: [], unknown: [], releaseDependent: [] };
  const edits: { start: number; end: number; text: string }[] = [];
  let kept = 0;
  const emptied: string[] = [];
  for (const c of commands) {
    const pkgs = systemInstallWords(c.words);
    if (!pkgs) continue;
    const seen = new Set<string>();
    let left = 0;
    for (const w of pkgs) {
      const role: PackageRole = keep.has(w.value.replace(/[=<>~].*$/, ''))
        ? { role: 'runtime' }
        : classifyPackage(w.value, family, release);
      if (role.role === 'build') {
        split.build.push(w.value);
        edits.push({ start: w.start, end: w.end, text: '' });
      } else if (role.role === 'dev') {
        split.replaced.push({ dev: w.value, runtime: role.runtime });
        const names = role.runtime.filter((n) => !seen.has(n) && !pkgs.some((p) => p.value === n));
        names.forEach((n) => seen.add(n));
        edits.push({ start: w.start, end: w.end, text: names.join(' ') });
        left += names.length;
      } else {
        if (role.role === 'runtime') split.runtime.push(w.value);
        else if (role.role === 'release-dependent') split.releaseDependent.push(w.value);
        else split.unknown.push(w.value);
        left++;
      }
    }
    if (left === 0 && pkgs.length) emptied.push(c.words.map((w) => w.value).join(' '));
    kept += left;
  }
  if (!kept) return { install: { text: null, split }, why: '' };
  if (emptied.length)
    return { install: null, why: `\`${emptied[0]}\` installs build tools only, next to packages the runtime needs` };
  // A removed word takes the blanks after it along (or, at the end of a line, the blanks before it);
  // then a continued line left empty goes, and so does a line continuation left at the very end.
  let out = '';
  let at = lineStart;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    let { start, end: stop } = e;
    if (!e.text) {
      const after = /^[ \t]*/.exec(text.slice(stop, end))![0].length;
      const next = text[stop + after];
      if (after && next !== undefined && next !== '\n' && next !== '\r') stop += after;
      else while (start > at && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    }
    out += text.slice(at, start) + e.text;
    at = stop;
  }
  out += text.slice(at, end);
  const cont = new RegExp(`[ \\t]*${escapeForRegExp(escape)}[ \\t]*$`);
  const eol = /\r\n/.test(out) ? '\r\n' : '\n';
  const blank = (l: string) => /^[ \t]*$/.test(l.replace(cont, ''));
  const before = text.slice(lineStart, end).split(/\r?\n/);
  let lines = out.split(/\r?\n/);
  // Only the lines the edits emptied go (a blank continued line the author wrote stays).
  if (lines.length === before.length) {
    // Words removed at the end of a line leave no blanks behind them there.
    lines = lines.map((l, i) => (/[ \t]$/.test(before[i]) ? l : l.replace(/[ \t]+$/, '')));
    const keep = lines.map((l, i) => i === 0 || !blank(l) || blank(before[i]));
    lines = lines.filter((_, i) => keep[i]);
    if (!keep[keep.length - 1]) {
      // The last line went: so do the blank and comment lines before it, and the continuation that led to it.
      while (lines.length > 1 && (blank(lines[lines.length - 1]) || /^[ \t]*#/.test(lines[lines.length - 1]))) lines.pop();
      lines[lines.length - 1] = lines[lines.length - 1].replace(cont, '');
    }
  }
  return { install: { text: lines.join(eol), split }, why: '' };
}

function escapeForRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The codes of the changes a system install plan reports (split-stages declares them). */
export type SystemInstallChange = 'system-packages-split' | 'system-packages-build-only';
/** The codes of the warnings a system install plan reports (split-stages declares them). */
export type SystemInstallHold =
  'system-packages-shared' | 'system-package-app-runs' | 'system-package-unknown' | 'system-package-release-dependent';

/** What the runtime stage does with a RUN that installs system packages, and what to tell the reader. */
export type SystemInstallPlan =
  /** Build tools only: the install stays in the build stage. */
  | { role: 'build'; changes: Finding<SystemInstallChange>[]; warnings: Finding<SystemInstallHold>[] }
  /** The runtime stage runs `text` (the original when it could not be split). */
  | { role: 'shared'; text: string; changes: Finding<SystemInstallChange>[]; warnings: Finding<SystemInstallHold>[] };

const list = (xs: readonly string[]) => xs.join(', ');

/**
 * The plan for a RUN of system installs (and update/cleanup commands around them) in a stage from
 * `image`: what the runtime stage installs, with the findings (`SystemInstallChange` and
 * `SystemInstallHold` codes) at `line`.
 * `original` is the instruction's text as the runtime stage would repeat it unchanged.
 */
export function systemInstallPlan(
  text: string,
  span: { lineStart: number; end: number },
  commands: readonly { words: readonly Word[] }[],
  image: string,
  escape: string,
  original: string,
  line: number,
  keep: ReadonlyMap<string, string> = new Map(),
): SystemInstallPlan {
  const r = runtimeSystemInstall(text, span.lineStart, span.end, commands, image, escape, keep);
  if (!r.install) {
    const pkgs = commands.flatMap((c) => systemInstallWords(c.words) ?? []).map((w) => w.value);
    return {
      role: 'shared',
      text: original,
      changes: [],
      warnings: [
        {
          code: 'system-packages-shared',
          line,
          message: `runs in both stages as it is: ${r.why}; ${list(pkgs)} may be needed at run time, drop the build-only ones from the runtime copy by hand`,
        },
      ],
    };
  }
  const { split } = r.install;
  const changes: Finding<SystemInstallChange>[] = [];
  const warnings: Finding<SystemInstallHold>[] = [];
  const used = split.runtime.filter((p) => keep.has(p.replace(/[=<>~].*$/, '')));
  if (used.length)
    warnings.push({
      code: 'system-package-app-runs',
      line,
      message: `kept ${list(used)} in the runtime stage: the app runs ${used.length === 1 ? 'it' : 'them'} (${used.map((p) => keep.get(p.replace(/[=<>~].*$/, ''))).join('; ')})`,
    });
  if (r.install.text === null) {
    changes.push({
      code: 'system-packages-build-only',
      line,
      message: `stays in the build stage: ${list(split.build)} only ${split.build.length === 1 ? 'serves' : 'serve'} the build (compiling native modules, fetching git dependencies), and the runtime stage receives what it built`,
    });
    return { role: 'build', changes, warnings };
  }
  const eol = original.endsWith('\r\n') ? '\r\n' : original.endsWith('\n') ? '\n' : '';
  const runtimeText = r.install.text + eol;
  if (split.build.length || split.replaced.length) {
    const parts: string[] = [];
    if (split.build.length) parts.push(`without the build tools and headers (${list(split.build)})`);
    if (split.replaced.length)
      parts.push(
        `with the libraries in place of the -dev packages (${split.replaced.map((x) => `${x.dev} → ${list(x.runtime)}`).join('; ')})`,
      );
    changes.push({ code: 'system-packages-split', line, message: `the runtime stage runs this install ${parts.join(', ')}` });
  }
  if (split.unknown.length)
    warnings.push({
      code: 'system-package-unknown',
      line,
      message: `runs in the runtime stage too with ${list(split.unknown)}: not known to be build-only, so kept; drop ${split.unknown.length === 1 ? 'it' : 'them'} from the runtime copy by hand if the app does not use ${split.unknown.length === 1 ? 'it' : 'them'}`,
    });
  if (split.releaseDependent.length)
    warnings.push({
      code: 'system-package-release-dependent',
      line,
      message: `kept ${list(split.releaseDependent)} in the runtime stage: the name of the library ${split.releaseDependent.length === 1 ? 'it provides' : 'they provide'} changes between Debian releases, and ${image} does not name one (a tag such as -bookworm does)`,
    });
  return { role: 'shared', text: runtimeText, changes, warnings };
}
