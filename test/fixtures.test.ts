import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_CODES } from '../src/model/project/compose.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { transformIds, transforms } from '../transforms/index.js';
import { lintErrors, listCases, readOptional, reportLines, runCase } from './fixture-harness.js';

const cases = listCases();
/**
 * UPDATE_FIXTURES=1 rewrites Dockerfile.expected and .dockerignore.expected from the current output
 * (as `-u` does for report.expected); review the result in the diff.
 */
const UPDATE = process.env.UPDATE_FIXTURES === '1';

describe('fixtures', () => {
  it('has cases for every transform and for the pipeline', () => {
    const groups = new Set(cases.map((c) => c.group));
    for (const g of [...transformIds, 'pipeline']) {
      expect(groups, `fixtures/${g}`).toContain(g);
    }
  });

  for (const c of cases) {
    describe(`${c.group}/${c.name}`, () => {
      const input = readOptional(path.join(c.dir, 'Dockerfile'))!;
      const res = runCase(c);
      if (UPDATE) {
        const write = (name: string, content: string | null) => {
          const file = path.join(c.dir, name);
          if (content === null) fs.rmSync(file, { force: true });
          else fs.writeFileSync(file, content);
        };
        write('Dockerfile.expected', res.output === input ? null : res.output);
        write('.dockerignore.expected', res.files.find((x) => x.path.endsWith('.dockerignore'))?.content ?? null);
      }

      const expected = readOptional(path.join(c.dir, 'Dockerfile.expected'));
      const expectedIgnore = readOptional(path.join(c.dir, '.dockerignore.expected'));

      it('gives exactly the expected Dockerfile', () => {
        expect(res.status === 'error' ? res.reason : undefined).toBeUndefined();
        expect(res.output).toBe(expected ?? input);
      });

      it('writes exactly the expected .dockerignore (or none)', () => {
        const f = res.files.find((x) => x.path.endsWith('.dockerignore'));
        expect(f?.content ?? null).toBe(expectedIgnore);
      });

      it('reports exactly the expected changes and warnings, with their codes (report.expected)', async () => {
        await expect(reportLines(res)).toMatchFileSnapshot(path.join(c.dir, 'report.expected'));
      });

      it('reports only codes its transform declares: changes as changes, warnings as hold-backs', () => {
        const docs = new Map(transforms.map((t) => [t.id, t.docs] as const));
        for (const f of res.changes)
          expect(Object.keys(docs.get(f.transform)?.changes ?? {}), `${f.transform}/${f.code}`).toContain(f.code);
        for (const f of res.warnings) {
          if (f.transform === 'context') continue;
          const declared = f.transform === 'compose' ? COMPOSE_CODES : docs.get(f.transform)?.holdsBack;
          expect(Object.keys(declared ?? {}), `${f.transform}/${f.code}`).toContain(f.code);
        }
      });

      it('explains every change', () => {
        if (res.status === 'migrated') {
          expect(res.changes.length).toBeGreaterThan(0);
          for (const ch of res.changes) expect(ch.message.length).toBeGreaterThan(10);
        } else {
          expect(res.changes).toEqual([]);
        }
      });

      it('re-parses with no new lint errors', () => {
        const out = parseDockerfile(res.output);
        expect(out.instructions.length).toBeGreaterThan(0);
        const before = lintErrors(input);
        for (const e of lintErrors(res.output)) expect(before).toContain(e);
      });

      it('changes nothing on a second run', () => {
        const overlay: Record<string, string> = {};
        for (const f of res.files) overlay[f.path] = f.content;
        const again = runCase(c, res.output, overlay);
        expect(again.output).toBe(res.output);
        expect(again.files).toEqual([]);
        expect(['unchanged', 'skipped']).toContain(again.status);
      });
    });
  }
});
