/**
 * What the runtime base images hold, for choosing a smaller one without breaking the app: the
 * matching tag of each variant of the official node image, the tools the full Debian image has
 * and its slim variant lacks, and which production dependencies run native code that needs more
 * than the C and C++ runtime libraries every variant has.
 */
import type { ProjectFacts } from '../project/facts.js';
import type { Project } from '../project/project.js';
import { runtimeSources } from '../project/sources.js';

/** The official node image's tag split into version and Debian release: `22-bookworm` -> 22, bookworm. */
export interface NodeTag {
  /** `22`, `22.11.0`, `lts`, `current`, `iron`, or '' for `latest`. */
  version: string;
  /** `bookworm`, `bullseye`, `buster`, `trixie` or '' (the image's default release). */
  release: string;
  /** `slim`, `alpine`, `alpine3.20`, or '' (the full image). */
  variant: string;
}

const RELEASES = ['trixie', 'bookworm', 'bullseye', 'buster', 'stretch'];
const VERSION =
  /^(\d+(\.\d+){0,2}|lts|current|latest|argon|boron|carbon|dubnium|erbium|fermium|gallium|hydrogen|iron|jod|krypton)$/;

/** Parse an official node image tag; null when it is not one the tool knows. */
export function parseNodeTag(tag: string): NodeTag | null {
  const parts = tag.split('-');
  let version = '';
  if (parts.length && VERSION.test(parts[0])) version = parts.shift() === 'latest' ? '' : tag.split('-')[0];
  let release = '';
  if (parts.length && RELEASES.includes(parts[0])) release = parts.shift()!;
  const variant = parts.join('-');
  if (variant && !/^(slim|alpine(\d+(\.\d+)?)?)$/.test(variant)) return null;
  if (!version && !release && !variant && tag !== 'latest' && tag !== '') return null;
  return { version, release, variant };
}

/** The tag of the slim variant with the same Node.js version and Debian release (same glibc). */
export function slimTag(t: NodeTag): string {
  return [t.version, t.release, 'slim'].filter(Boolean).join('-');
}

/** The Alpine variant's tag for the same Node.js version. */
export function alpineTag(t: NodeTag): string {
  return [t.version, 'alpine'].filter(Boolean).join('-');
}

/**
 * Commands the full Debian node image has (buildpack-deps: curl, wget, git, compilers, python ...)
 * and the slim image does not.
 */
export const FULL_IMAGE_ONLY_TOOLS = new Set([
  'curl',
  'wget',
  'git',
  'hg',
  'svn',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'python',
  'python3',
  'pip',
  'pip3',
  'make',
  'gcc',
  'g++',
  'cc',
  'c++',
  'cpp',
  'ld',
  'node-gyp',
  'pkg-config',
  'ps',
  'pgrep',
  'pkill',
  'top',
  'free',
  'unzip',
  'bzip2',
  'xz',
  'unxz',
  'gpg',
  'file',
  'patch',
  'procps',
  'convert',
  'identify',
  'mysql',
  'psql',
  'pg_dump',
  'sqlite3',
]);

/** Tools the node Alpine images lack besides those above (busybox has wget, ps, unzip ...). */
export const NOT_IN_ALPINE = new Set(['bash', 'apt-get', 'apt', 'dpkg']);

/**
 * Native production dependencies that need a system library the slim (and Alpine) images lack,
 * or a tool at run time: a compiled addon that links them, or an engine that detects them.
 */
export const NEEDS_SYSTEM_LIBRARY: Record<string, string> = {
  canvas: 'links cairo, pango, libjpeg and giflib, which only the full image has',
  'pg-native': 'links libpq',
  libpq: 'links libpq',
  oracledb: 'loads the Oracle Instant Client libraries',
  ibm_db: 'loads the IBM DB2 client libraries',
  odbc: 'links unixODBC',
  kerberos: 'links the Kerberos (GSSAPI) libraries',
  prisma: 'its engines detect OpenSSL through the openssl binary and libssl, which the slim image lacks',
  '@prisma/client': 'its query engine detects OpenSSL through the openssl binary and libssl, which the slim image lacks',
  '@prisma/engines': 'its engines detect OpenSSL through the openssl binary and libssl, which the slim image lacks',
  'node-libcurl': 'links libcurl',
  usb: 'links libudev',
  'node-hid': 'links libusb and libudev',
  robotjs: 'links the X11 libraries',
  puppeteer: 'runs a browser that needs system libraries neither image has',
};

/**
 * Production dependencies whose install script compiles nothing (it prints, checks, or picks a
 * prebuilt binary shipped as an optional dependency): they install on any image.
 */
export const INSTALL_SCRIPT_ONLY = new Set([
  'core-js',
  'core-js-pure',
  'es5-ext',
  'protobufjs',
  '@nestjs/core',
  'nodemon',
  'husky',
  'esbuild',
  '@swc/core',
  'unrs-resolver',
  '@sentry/cli',
  'fsevents',
]);

/**
 * Production dependencies with native code that, once built or downloaded prebuilt in the build
 * stage, needs nothing beyond libc and libstdc++ (bundled libraries): they run on slim. Built in
 * the runtime stage, they may need compilers when no prebuilt binary fits.
 */
export const NATIVE_SELF_CONTAINED = new Set([
  ...INSTALL_SCRIPT_ONLY,
  'bcrypt',
  'argon2',
  'better-sqlite3',
  'sqlite3',
  'sharp',
  'bufferutil',
  'utf-8-validate',
  'cpu-features',
  'ssh2',
  'msgpackr-extract',
  'lmdb',
  'leveldown',
  'classic-level',
  '@parcel/watcher',
  'deasync',
  'farmhash',
  'xxhash-addon',
  'bson-ext',
  'zeromq',
  'node-sass',
]);

/** What is known about the production dependencies that run install scripts. */
export interface NativeDependencies {
  /** Whether the lockfile tells which packages have install scripts (package-lock.json does). */
  known: boolean;
  /** Production packages with an install script (package-lock.json's `hasInstallScript`). */
  withInstallScript: string[];
  /** Production packages that are prebuilt binaries for one platform (`os`/`cpu` in package-lock.json). */
  platformBinaries: string[];
  /** Production packages (by name, from any lockfile) that need a system library: name -> why. */
  needingLibraries: Map<string, string>;
}

/** Native code among the production dependencies, from the lockfile. */
export function nativeDependencies(facts: ProjectFacts): NativeDependencies {
  const needingLibraries = new Map<string, string>();
  const lockName = facts.lockfile;
  const text = lockName ? facts.read(lockName) : null;
  if (text && (lockName === 'package-lock.json' || lockName === 'npm-shrinkwrap.json')) {
    try {
      const data = JSON.parse(text) as {
        packages?: Record<string, { dev?: boolean; hasInstallScript?: boolean; os?: string[]; cpu?: string[] }>;
      };
      if (data.packages) {
        const withInstallScript = new Set<string>();
        const platformBinaries = new Set<string>();
        for (const [key, p] of Object.entries(data.packages)) {
          const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
          if (!m || p.dev) continue;
          if (p.hasInstallScript) withInstallScript.add(m[1]);
          if (p.os || p.cpu) platformBinaries.add(m[1]);
          if (NEEDS_SYSTEM_LIBRARY[m[1]]) needingLibraries.set(m[1], NEEDS_SYSTEM_LIBRARY[m[1]]);
        }
        return {
          known: true,
          withInstallScript: [...withInstallScript].sort(),
          platformBinaries: [...platformBinaries].sort(),
          needingLibraries,
        };
      }
    } catch {
      // Unreadable: fall through to what the manifest and the lockfile's text tell.
    }
  }
  // Other lockfiles do not mark install scripts: look for the known names among the packages.
  const names = new Set(Object.keys(facts.packageJson?.dependencies ?? {}));
  for (const name of Object.keys(NEEDS_SYSTEM_LIBRARY)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    if (names.has(name) || (text && new RegExp(`(^|[\\s"'/])${escaped}@`, 'm').test(text)))
      needingLibraries.set(name, NEEDS_SYSTEM_LIBRARY[name]);
  }
  return { known: false, withInstallScript: [], platformBinaries: [], needingLibraries };
}

/** Modules that start processes: a file that uses one may run the programs it names. */
const SPAWN = /\b(child_process|execa|shelljs|cross-spawn|zx)\b/;
/** Words that name no program a base image may lack, although they look like one. */
const NOT_PROGRAMS = new Set(['file', 'patch', 'free', 'top', 'cc', 'ld', 'cpp']);

/**
 * The programs the app's runtime sources may start: in each source that uses child_process (execa,
 * shelljs, cross-spawn, zx), the words in quotes that could be a command's name.
 */
export function spawnedPrograms(project: Project): { file: string; names: string[] }[] {
  const out: { file: string; names: string[] }[] = [];
  for (const { path, text } of runtimeSources(project)) {
    if (!SPAWN.test(text)) continue;
    const names: string[] = [];
    for (const m of text.matchAll(/["'`]([a-z][a-z0-9+_-]*)(?=[\s"'`])/g))
      if (!NOT_PROGRAMS.has(m[1]) && !names.includes(m[1])) names.push(m[1]);
    if (names.length) out.push({ file: path, names });
  }
  return out;
}
