/**
 * docker-compose files in the build context that build this Dockerfile and run something other
 * than the app in it: the tests, or a dev server (often with the sources mounted over the app
 * directory). The migrated image has no devDependencies (and, with selective-copy, no tests), so
 * such a service stops working; migrate() warns, naming the compose file and the service.
 *
 * Only compose files at the top of the build context are read (docker-compose.yml, compose.yaml,
 * docker-compose.<name>.yml, ...). The `yaml` package is loaded only when one is there.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { ParsedDockerfile } from '../../dockerfile/parse.js';
import type { ProjectFacts } from './facts.js';
import type { Project } from './project.js';
import { finalWorkdir, isInside, lastStage } from '../../dockerfile/query.js';
import type { Change, Warning } from '../../engine/types.js';

/** The warnings this module reports (transform `compose`), with what they mean. */
export const COMPOSE_CODES: Readonly<Record<string, string>> = {
  'compose-test-command':
    'a compose service builds this Dockerfile and runs the tests in the image, which the migrated image no longer holds',
  'compose-dev-command':
    'a compose service builds this Dockerfile and runs a dev server in the image (maybe over mounted sources), which needs the devDependencies the migrated image no longer holds',
};

const COMPOSE_FILE = /^(docker-)?compose(\.[^/]+)?\.ya?ml$/;
const DEFAULT_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const TEST_COMMAND = [
  /(^|[\s;&|(])(npm|pnpm|yarn|bun)\s+(run\s+)?(test|t)(\s|:|$)/,
  /(^|[\s;&|(/])(jest|vitest|mocha|ava|tap|jasmine|karma|playwright|cypress)(\s|$)/,
  /(^|[\s;&|(/])node\s+(.*\s)?--test(\s|$)/,
];
const DEV_COMMAND = [
  /(^|[\s;&|(])(npm|pnpm|yarn|bun)\s+(run\s+)?(dev|start:dev|serve|watch)(\s|:|$)/,
  /(^|[\s;&|(/])(nodemon|ts-node-dev|tsnd|node-dev|webpack-dev-server)(\s|$)/,
  /(^|[\s;&|(/])(next|nuxt|astro|remix)\s+dev(\s|$)/,
  /(^|[\s;&|(/])vite(\s+(dev|serve)(\s|$)|\s+-|\s*$)/,
  /(^|[\s;&|(/])(tsx\s+watch|ng\s+serve|react-scripts\s+start|webpack\s+serve)(\s|$)/,
  /(^|\s)--watch(\s|=|$)/,
];

type Yaml = { parse(text: string, options?: { merge?: boolean }): unknown };
let yaml: Yaml | null = null;
/** Loaded on first use: most contexts have no compose file, and the command's start-up stays short. */
function loadYaml(): Yaml {
  return (yaml ??= createRequire(import.meta.url)('yaml') as Yaml);
}

interface ComposeService {
  file: string;
  name: string;
  /**
   * The Dockerfile it builds, relative to the compose file's folder (the context root), normalised;
   * null when this file does not say (an override file adds to the service another file builds),
   * undefined when it builds none of this checkout's Dockerfiles.
   */
  dockerfile: string | null | undefined;
  command: string | null;
  /** Bind mounts as written: source and target. */
  mounts: { source: string; target: string; text: string }[];
}

const record = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const norm = (p: string) => path.posix.normalize(p.replace(/^\.\/+/, '')).replace(/\/+$/, '') || '.';

function commandText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(' ');
  return null;
}

function mounts(v: unknown): ComposeService['mounts'] {
  if (!Array.isArray(v)) return [];
  const out: ComposeService['mounts'] = [];
  for (const m of v) {
    if (typeof m === 'string') {
      const [source, target] = m.split(':');
      // A path (not a named volume) mounted from the host.
      if (source && target && /^[.~/$]/.test(source)) out.push({ source, target, text: m });
    } else {
      const r = record(m);
      if (r && r.type === 'bind' && typeof r.source === 'string' && typeof r.target === 'string')
        out.push({ source: r.source, target: r.target, text: `${r.source}:${r.target}` });
    }
  }
  return out;
}

function servicesIn(file: string, text: string): ComposeService[] {
  let doc: unknown;
  try {
    doc = loadYaml().parse(text, { merge: true });
  } catch {
    return []; // not ours to judge: compose itself reports a file it cannot read
  }
  const services = record(record(doc)?.services);
  if (!services) return [];
  const out: ComposeService[] = [];
  for (const [name, raw] of Object.entries(services)) {
    const svc = record(raw);
    if (!svc) continue;
    const command = [commandText(svc.entrypoint), commandText(svc.command)].filter(Boolean).join(' ') || null;
    out.push({ file, name, dockerfile: buildsWhat(svc.build), command, mounts: mounts(svc.volumes) });
  }
  return out;
}

/** The Dockerfile a service's `build` names (see ComposeService.dockerfile). */
function buildsWhat(build: unknown): string | null | undefined {
  if (build === undefined) return null;
  let context: string;
  let dockerfile = 'Dockerfile';
  if (typeof build === 'string') context = build;
  else {
    const b = record(build);
    if (!b) return undefined;
    context = typeof b.context === 'string' ? b.context : '.';
    if (typeof b.dockerfile === 'string') dockerfile = b.dockerfile;
    else if (b.dockerfile !== undefined || b.dockerfile_inline !== undefined) return undefined;
  }
  // A remote context (a git URL) or an absolute path is not this checkout's Dockerfile.
  if (/^[a-z][a-z0-9+.-]*:\/\/|^git@|^\//i.test(context) || dockerfile.startsWith('/')) return undefined;
  return norm(path.posix.join(context, dockerfile));
}

/** Every service of the compose files at the top of the build context (read once per project). */
function composeServices(project: Project): ComposeService[] {
  return project.memo('compose-services', () => readServices(project.facts));
}

function readServices(facts: ProjectFacts): ComposeService[] {
  let all: ComposeService[];
  const names = facts.topLevel.size
    ? [...facts.topLevel].filter(([n, kind]) => kind === 'file' && COMPOSE_FILE.test(n)).map(([n]) => n)
    : facts.files === null
      ? DEFAULT_NAMES
      : [];
  all = [];
  for (const file of names.sort()) {
    const text = facts.read(file);
    if (text !== null && /^\s*services\s*:/m.test(text)) all.push(...servicesIn(file, text));
  }
  // Compose merges the files it is given (docker-compose.yml and docker-compose.override.yml by
  // default): a service an override file only adds a command to builds what the other files say.
  const built = new Map<string, string>();
  for (const s of all) if (typeof s.dockerfile === 'string' && !built.has(s.name)) built.set(s.name, s.dockerfile);
  for (const s of all) if (s.dockerfile === null) s.dockerfile = built.get(s.name);
  return all;
}

export interface ComposeCheck {
  doc: ParsedDockerfile;
  project: Project;
  /** The Dockerfile's path relative to the build context (POSIX). */
  dockerfile: string;
  /** What the migration changed: only a split into a lean runtime stage takes anything away. */
  changes: readonly Change[];
}

/** Warnings for the compose services that build this Dockerfile and run tests or a dev server in it. */
export function composeWarnings({ doc, project, dockerfile, changes }: ComposeCheck): Warning[] {
  if (!changes.some((c) => c.transform === 'split-stages')) return [];
  const services = composeServices(project);
  if (!services.length) return [];
  const target = norm(dockerfile);
  const stage = lastStage(doc);
  const workdir = stage ? finalWorkdir(doc, stage) : null;
  const noTests = changes.some((c) => c.transform === 'selective-copy');
  const out: Warning[] = [];
  for (const s of services) {
    if (!s.command || s.dockerfile !== target) continue;
    const runs = `${s.file} service ${s.name} runs \`${s.command}\` in this image`;
    if (TEST_COMMAND.some((re) => re.test(s.command!))) {
      out.push({
        transform: 'compose',
        code: 'compose-test-command',
        message: `${runs}: the migrated image has no devDependencies${noTests ? ' and no tests' : ''}; keep a development target for it`,
      });
    } else if (DEV_COMMAND.some((re) => re.test(s.command!))) {
      const mount = s.mounts.find(
        (m) => /^\.(\/|$)/.test(m.source) && (!workdir || isInside(m.target, workdir) || isInside(workdir, m.target)),
      );
      const over = mount ? ` with the sources mounted over ${workdir ?? mount.target} (\`${mount.text}\`)` : '';
      out.push({
        transform: 'compose',
        code: 'compose-dev-command',
        message: `${runs}${over}: the migrated image has no devDependencies; keep a development target for it`,
      });
    }
  }
  return out;
}

/** Does a compose service that builds this Dockerfile run tests in it (so its test folders are read)? */
export function composeRunsTests(project: Project, dockerfile: string): boolean {
  const target = norm(dockerfile);
  return composeServices(project).some(
    (s) => s.command && s.dockerfile === target && TEST_COMMAND.some((re) => re.test(s.command!)),
  );
}
