/**
 * The transform registry: every transform's id is its file name and the value users pass to
 * --transforms; each has fixture cases (fixtures/cases/<id>.ts); the transforms tables (the
 * README's short one, docs/transforms.md's full one) are generated from the transforms' own
 * summaries and docs (`npm run docs`), so what the documentation promises is what the code declares.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { transformsSummaryTable, transformsTable } from '../src/report/report.js';
import { nativeModulesTable } from '../src/model/image/system-packages.js';
import { transforms } from '../transforms/index.js';
import { CASES } from './case-harness.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The text between `<!-- name:start -->` and `<!-- name:end -->` in a file (what `npm run docs` writes there). */
function generated(file: string, name: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const start = `<!-- ${name}:start -->\n`;
  const a = text.indexOf(start);
  const b = text.indexOf(`<!-- ${name}:end -->`);
  if (a < 0 || b < a) throw new Error(`${file} has no ${name} block`);
  return text.slice(a + start.length, b);
}

describe('transform registry', () => {
  for (const t of transforms) {
    it(`${t.id}: its file is transforms/${t.id}.ts, it has fixture cases and documents every code once`, async () => {
      const file = path.join(ROOT, 'transforms', `${t.id}.ts`);
      const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
      expect(Object.values(mod).some((v) => (v as { id?: string })?.id === t.id)).toBe(true);
      expect(CASES.filter((c) => c.group === t.id).length, `fixtures/cases/${t.id}.ts`).toBeGreaterThan(0);
      expect(t.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      const codes = [...Object.keys(t.docs.changes), ...Object.keys(t.docs.holdsBack)];
      expect(new Set(codes).size).toBe(codes.length);
      for (const c of codes) expect(c).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(t.docs.what.length).toBeGreaterThan(20);
      expect(t.docs.why.length).toBeGreaterThan(20);
    });
  }

  it('the README transforms table is the one the transforms summarize (run `npm run docs` after changing them)', () => {
    expect(generated('README.md', 'transforms-summary')).toBe(transformsSummaryTable(transforms, 'docs/transforms.md'));
  });

  it('the docs/transforms.md table is the one the transforms document (run `npm run docs` after changing them)', () => {
    expect(generated('docs/transforms.md', 'transforms-table')).toBe(transformsTable(transforms));
  });

  it('the docs/native-modules.md table is the one src/model/image/system-packages.ts holds (run `npm run docs` after changing it)', () => {
    expect(generated('docs/native-modules.md', 'native-modules-table')).toBe(nativeModulesTable() + '\n');
  });

  it('transforms/index.ts says for each transform why it runs where it does', () => {
    const index = fs.readFileSync(path.join(ROOT, 'transforms', 'index.ts'), 'utf8');
    for (const t of transforms) expect(index, t.id).toMatch(new RegExp(`^ \\* - ${t.id}: .{20,}`, 'm'));
  });
});
