/**
 * Shared by the fixture tests: a fixture case folder is a build context whose Dockerfile is
 * the input; `Dockerfile.expected` and `.dockerignore.expected` are the exact expected outputs
 * (a missing `Dockerfile.expected` means the Dockerfile must come out unchanged, a missing
 * `.dockerignore.expected` means no .dockerignore may be written or changed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from 'dockerfile-utils';
import { dirSource, gatherFacts, type FileSource } from '../src/model/project/facts.js';
import { migrate, type MigrateResult } from '../src/migrate.js';
import type { Options } from '../src/engine/types.js';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

export interface FixtureCase {
  group: string;
  name: string;
  dir: string;
}

export function listCases(): FixtureCase[] {
  const out: FixtureCase[] = [];
  for (const group of fs.readdirSync(FIXTURES).sort()) {
    const gdir = path.join(FIXTURES, group);
    if (!fs.statSync(gdir).isDirectory() || group === 'corpus' || group === 'e2e') continue;
    for (const name of fs.readdirSync(gdir).sort()) {
      const dir = path.join(gdir, name);
      if (fs.existsSync(path.join(dir, 'Dockerfile'))) out.push({ group, name, dir });
    }
  }
  return out;
}

const EXPECTED = /\.expected$|^case\.json$/;

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

/**
 * A case's case.json: the migrate options, and `base`, a fixture folder (relative to fixtures/) whose
 * files make the build context under the case's own, so a variant of a large context holds only the
 * files it changes.
 */
function caseConfig(dir: string): { base: string | null; options: Options } {
  const file = path.join(dir, 'case.json');
  if (!fs.existsSync(file)) return { base: null, options: {} };
  const { base, ...options } = JSON.parse(fs.readFileSync(file, 'utf8')) as Options & { base?: string };
  return { base: base ? path.join(FIXTURES, base) : null, options };
}

/** The case folder as a build context (over its `base`, if any), without the expectation files. */
export function caseSource(dir: string, overlay: Record<string, string> = {}): FileSource {
  const own = dirSource(dir);
  const baseDir = caseConfig(dir).base;
  const under = baseDir ? dirSource(baseDir) : null;
  const base: FileSource = under
    ? {
        list: () => [...new Set([...(under.list() ?? []), ...(own.list() ?? [])])].sort(),
        read: (rel) => own.read(rel) ?? under.read(rel),
        isDir: (rel) => own.isDir(rel) || under.isDir(rel),
      }
    : own;
  return {
    list: () => {
      const l = (base.list() ?? []).filter((f) => !EXPECTED.test(path.posix.basename(f)));
      for (const k of Object.keys(overlay)) if (!l.includes(k)) l.push(k);
      return l;
    },
    read: (rel) => (EXPECTED.test(path.posix.basename(rel)) ? null : rel in overlay ? overlay[rel] : base.read(rel)),
    isDir: (rel) => base.isDir(rel),
  };
}

export function caseOptions(c: FixtureCase): Options {
  const extra = caseConfig(c.dir).options;
  if (c.group === 'pipeline') return extra;
  return { transforms: [c.group], ...extra };
}

export function runCase(c: FixtureCase, input?: string, overlay: Record<string, string> = {}): MigrateResult {
  const text = input ?? fs.readFileSync(path.join(c.dir, 'Dockerfile'), 'utf8');
  const facts = gatherFacts(caseSource(c.dir, overlay), { dockerfileName: 'Dockerfile' });
  return migrate({ dockerfile: text, context: facts, path: 'Dockerfile', options: caseOptions(c) });
}

export function readOptional(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

export function lintErrors(text: string): string[] {
  return validate(text)
    .filter((d) => d.severity === 1)
    .map((d) => `${d.code}:${d.message}`)
    .sort();
}
