/**
 * Loads and runs the fixture cases of fixtures/cases/ (the format: fixtures/cases/case.ts). Every
 * test that wants the fixture Dockerfiles with their contexts takes them from `CASES`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { validate } from 'dockerfile-utils';
import { gatherFacts, memorySource, type FileSource } from '../src/model/project/facts.js';
import { migrate, type MigrateResult } from '../src/migrate.js';
import type { Options } from '../src/engine/types.js';
import type { Case } from '../fixtures/cases/case.js';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
export const CASES_DIR = path.join(FIXTURES, 'cases');
export const CONTEXTS_DIR = path.join(FIXTURES, 'contexts');
export const REPORTS_DIR = path.join(CASES_DIR, '__reports__');

export interface LoadedCase {
  /** The cases file's name: a transform id, or `pipeline`. */
  group: string;
  name: string;
  /** `<group>/<name>`. */
  id: string;
  /** The case as written in fixtures/cases/<group>.ts. */
  case: Case;
  /** The context folder under fixtures/ the case builds on, if any. */
  baseDir: string | null;
  /** The whole build context, the Dockerfile included: relative path -> content. */
  files: Record<string, string>;
  input: string;
  /** The Dockerfile the tool must write (the input when the case expects no change). */
  expected: string;
  options: Options;
}

const KEYS = new Set(['name', 'context', 'options', 'dockerfile', 'output', 'ignore', 'codes']);
const CODE = /^((skipped|error)( [a-z0-9-]+)?|(change|warning) [a-z-]+\/[a-z0-9-]+(@[1-9][0-9]*)?)$/;

/** A folder's files (relative path -> UTF-8 content), read once per run. */
const folders = new Map<string, Record<string, string>>();
export function folderFiles(dir: string): Record<string, string> {
  let files = folders.get(dir);
  if (files) return files;
  files = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else files![r] = fs.readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  folders.set(dir, files);
  return files;
}

/** Checks a case as written and resolves its context; throws on anything malformed. */
export function loadCase(group: string, c: Case): LoadedCase {
  const where = `fixtures/cases/${group}.ts: case ${JSON.stringify(c?.name)}`;
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (typeof c !== 'object' || c === null) fail('not an object');
  for (const k of Object.keys(c)) if (!KEYS.has(k)) fail(`unknown key "${k}" (known: ${[...KEYS].join(', ')})`);
  if (typeof c.name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(c.name)) fail('name must be kebab-case');
  if (typeof c.dockerfile !== 'string') fail('dockerfile must be a string');
  if (c.output !== undefined && typeof c.output !== 'string') fail('output must be a string');
  if (c.output === c.dockerfile) fail('output equals the input: leave it out (absent means unchanged)');
  if (c.ignore !== undefined && typeof c.ignore !== 'string') fail('ignore must be a string');
  if (!Array.isArray(c.codes)) fail('codes must be a list');
  for (const code of c.codes) if (typeof code !== 'string' || !CODE.test(code)) fail(`malformed code ${JSON.stringify(code)}`);
  if (c.options !== undefined && (typeof c.options !== 'object' || c.options === null)) fail('options must be an object');

  const ctx = typeof c.context === 'string' ? { base: c.context } : c.context;
  if (typeof ctx !== 'object' || ctx === null) fail('context must be a folder name or { base, files }');
  for (const k of Object.keys(ctx)) if (k !== 'base' && k !== 'files') fail(`unknown context key "${k}"`);
  let baseDir: string | null = null;
  let files: Record<string, string> = {};
  if (ctx.base !== undefined) {
    baseDir = path.resolve(CONTEXTS_DIR, ctx.base);
    if (!fs.existsSync(baseDir) || !fs.statSync(baseDir).isDirectory()) fail(`no context folder fixtures/contexts/${ctx.base}`);
    files = { ...folderFiles(baseDir) };
  }
  for (const [rel, content] of Object.entries(ctx.files ?? {})) {
    if (rel === 'Dockerfile') fail('the Dockerfile is `dockerfile`, not a context file');
    if (rel !== path.posix.normalize(rel) || rel.startsWith('/') || rel.startsWith('..'))
      fail(`context file ${rel}: not a plain relative path`);
    if (content === null) {
      if (!(rel in files)) fail(`context file ${rel} is removed but the base has none`);
      delete files[rel];
    } else if (typeof content !== 'string') fail(`context file ${rel} must be a string or null`);
    else if (files[rel] === content) fail(`context file ${rel} is the base's own: leave it out`);
    else files[rel] = content;
  }
  files.Dockerfile = c.dockerfile;
  return {
    group,
    name: c.name,
    id: `${group}/${c.name}`,
    case: c,
    baseDir,
    files,
    input: c.dockerfile,
    expected: c.output ?? c.dockerfile,
    options: group === 'pipeline' ? { ...c.options } : { transforms: [group], ...c.options },
  };
}

/** The cases files' names (transform ids and `pipeline`), sorted. */
export const GROUPS = fs
  .readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'case.ts')
  .map((f) => f.slice(0, -3))
  .sort();

async function loadAll(): Promise<LoadedCase[]> {
  const out: LoadedCase[] = [];
  for (const group of GROUPS) {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(path.join(CASES_DIR, `${group}.ts`)).href)) as { default: Case[] };
    if (!Array.isArray(mod.default)) throw new Error(`fixtures/cases/${group}.ts: the default export must be a list of cases`);
    const seen = new Set<string>();
    for (const c of mod.default) {
      const lc = loadCase(group, c);
      if (seen.has(lc.name)) throw new Error(`fixtures/cases/${group}.ts: two cases named ${lc.name}`);
      seen.add(lc.name);
      out.push(lc);
    }
  }
  return out;
}

/** Every case of every file, in file order. */
export const CASES: LoadedCase[] = await loadAll();

export function findCase(id: string): LoadedCase {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new Error(`no fixture case ${id}`);
  return c;
}

/** The case's build context, with `overlay` (relative path -> content) over it. */
export function caseSource(c: LoadedCase, overlay: Record<string, string> = {}): FileSource {
  return memorySource({ ...c.files, ...overlay });
}

/** Runs the tool on the case (or on `input` in the case's context, with `overlay` over that context). */
export function runCase(c: LoadedCase, input?: string, overlay: Record<string, string> = {}): MigrateResult {
  const facts = gatherFacts(caseSource(c, overlay), { dockerfileName: 'Dockerfile' });
  return migrate({ dockerfile: input ?? c.input, context: facts, path: 'Dockerfile', options: c.options });
}

/** Writes the case's build context (its base folder's files byte for byte, then its own) into `dir`. */
export function materialise(c: LoadedCase, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (c.baseDir) fs.cpSync(c.baseDir, dir, { recursive: true });
  const own = typeof c.case.context === 'string' ? {} : (c.case.context.files ?? {});
  for (const [rel, content] of Object.entries(own)) {
    const file = path.join(dir, rel);
    if (content === null) fs.rmSync(file);
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  fs.writeFileSync(path.join(dir, 'Dockerfile'), c.input);
}

/**
 * The report of a case as reviewers read it: the status (with its code when skipped or an error),
 * then one line per change and per warning: `transform/code@line: message`.
 */
export function reportLines(res: MigrateResult): string {
  const head = res.status + (res.code ? ` ${res.code}: ${res.reason}` : '');
  const item = (kind: string, f: MigrateResult['changes'][number]) =>
    `${kind} ${f.transform}/${f.code}${f.line !== undefined ? `@${f.line}` : ''}: ${f.message}`;
  return [head, ...res.changes.map((c) => item('change', c)), ...res.warnings.map((w) => item('warning', w))].join('\n') + '\n';
}

/** The codes of a result as a case lists them (see `Case.codes`). */
export function codesOf(res: MigrateResult): string[] {
  const item = (kind: string, f: MigrateResult['changes'][number]) =>
    `${kind} ${f.transform}/${f.code}${f.line !== undefined ? `@${f.line}` : ''}`;
  const head = res.status === 'skipped' || res.status === 'error' ? [res.code ? `${res.status} ${res.code}` : res.status] : [];
  return [...head, ...res.changes.map((c) => item('change', c)), ...res.warnings.map((w) => item('warning', w))];
}

/** The reports of a file's cases, one block per case: the file snapshot reviewers read. */
export function reportsFile(cases: readonly LoadedCase[], results: ReadonlyMap<LoadedCase, MigrateResult>): string {
  return cases.map((c) => `## ${c.name}\n${reportLines(results.get(c)!)}`).join('\n');
}

export function ignoreOf(res: MigrateResult): string | null {
  return res.files.find((x) => x.path.endsWith('.dockerignore'))?.content ?? null;
}

export function lintErrors(text: string): string[] {
  return validate(text)
    .filter((d) => d.severity === 1)
    .map((d) => `${d.code}:${d.message}`)
    .sort();
}
