/**
 * The fixture cases (fixtures/cases/<transform-id>.ts and pipeline.ts; the format: fixtures/cases/case.ts).
 * Each case must give exactly its output, its .dockerignore (or none) and its codes; its transform
 * may only report codes it declares; every change is explained; the output re-parses with no new
 * lint error; a second run changes nothing. One file snapshot per cases file holds every case's
 * report with its messages (fixtures/cases/__reports__/<file>.txt), so a wording change shows in review.
 *
 * `UPDATE_FIXTURES=1` rewrites each case's `output`, `ignore` and `codes` from the current results
 * (test/case-update.ts), `-u` the report snapshots: review the result in the diff.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPOSE_CODES } from '../src/model/project/compose.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import type { MigrateResult } from '../src/migrate.js';
import { transformIds, transforms } from '../transforms/index.js';
import type { Case } from '../fixtures/cases/case.js';
import {
  CASES,
  CASES_DIR,
  CONTEXTS_DIR,
  GROUPS,
  REPORTS_DIR,
  codesOf,
  ignoreOf,
  lintErrors,
  loadCase,
  reportsFile,
  runCase,
  type LoadedCase,
} from './case-harness.js';
import { updateCasesFile } from './case-update.js';

const UPDATE = process.env.UPDATE_FIXTURES === '1';
const results = new Map<LoadedCase, MigrateResult>(CASES.map((c) => [c, runCase(c)]));

if (UPDATE) {
  for (const group of GROUPS) {
    const wanted = new Map(
      CASES.filter((c) => c.group === group).map((c) => {
        const res = results.get(c)!;
        const now = {
          output: res.output === c.input ? undefined : res.output,
          ignore: ignoreOf(res) ?? undefined,
          codes: codesOf(res),
        };
        // This run checks what it wrote.
        Object.assign(c.case, now);
        c.expected = res.output;
        return [c.name, now] as const;
      }),
    );
    await updateCasesFile(path.join(CASES_DIR, `${group}.ts`), wanted);
  }
}

const declared = new Map(transforms.map((t) => [t.id, t.docs] as const));

/** The checks every case passes; each throws (a failed expect) when its case is wrong. */
const CHECKS: Record<string, (c: LoadedCase, res: MigrateResult) => void> = {
  'gives exactly the expected Dockerfile': (c, res) => {
    expect(res.status === 'error' ? res.reason : undefined).toBeUndefined();
    expect(res.output).toBe(c.case.output ?? c.case.dockerfile);
  },
  'writes exactly the expected .dockerignore (or none)': (c, res) => {
    expect(ignoreOf(res)).toBe(c.case.ignore ?? null);
  },
  'reports exactly the expected codes, in order': (c, res) => {
    expect(codesOf(res)).toEqual(c.case.codes);
  },
  'reports only codes its transform declares: changes as changes, warnings as hold-backs': (_c, res) => {
    for (const f of res.changes)
      expect(Object.keys(declared.get(f.transform)?.changes ?? {}), `${f.transform}/${f.code}`).toContain(f.code);
    for (const f of res.warnings) {
      if (f.transform === 'context') continue;
      const codes = f.transform === 'compose' ? COMPOSE_CODES : declared.get(f.transform)?.holdsBack;
      expect(Object.keys(codes ?? {}), `${f.transform}/${f.code}`).toContain(f.code);
    }
  },
  'explains every change': (_c, res) => {
    if (res.status === 'migrated') {
      expect(res.changes.length).toBeGreaterThan(0);
      for (const ch of res.changes) expect(ch.message.length).toBeGreaterThan(10);
    } else {
      expect(res.changes).toEqual([]);
    }
  },
  're-parses with no new lint errors': (c, res) => {
    const out = parseDockerfile(res.output);
    expect(out.instructions.length).toBeGreaterThan(0);
    const before = lintErrors(c.input);
    for (const e of lintErrors(res.output)) expect(before).toContain(e);
  },
  'changes nothing on a second run': (c, res) => {
    const overlay: Record<string, string> = {};
    for (const f of res.files) overlay[f.path] = f.content;
    const again = runCase(c, res.output, overlay);
    expect(again.output).toBe(res.output);
    expect(again.files).toEqual([]);
    expect(['unchanged', 'skipped']).toContain(again.status);
  },
};

describe('fixture cases', () => {
  it('has a cases file for every transform and for the pipeline, and none for anything else', () => {
    expect(GROUPS).toEqual([...transformIds, 'pipeline'].sort());
    for (const g of GROUPS) expect(CASES.filter((c) => c.group === g).length, `fixtures/cases/${g}.ts`).toBeGreaterThan(0);
  });

  it('uses every context folder, and has a report file for each cases file only', () => {
    const used = new Set(CASES.map((c) => c.baseDir));
    for (const name of fs.readdirSync(CONTEXTS_DIR))
      expect(used, `fixtures/contexts/${name}`).toContain(path.join(CONTEXTS_DIR, name));
    expect(fs.readdirSync(REPORTS_DIR).sort()).toEqual(GROUPS.map((g) => `${g}.txt`));
  });
});

for (const group of GROUPS) {
  const cases = CASES.filter((c) => c.group === group);
  describe(group, () => {
    it(`reports every case's changes and warnings with their messages (fixtures/cases/__reports__/${group}.txt)`, async () => {
      await expect(reportsFile(cases, results)).toMatchFileSnapshot(path.join(REPORTS_DIR, `${group}.txt`));
    });

    for (const c of cases) {
      describe(c.name, () => {
        for (const [title, check] of Object.entries(CHECKS)) it(title, () => check(c, results.get(c)!));
      });
    }
  });
}

/** A case with everything to get wrong: an output, an ignore file and codes. */
describe('the checks fail on a wrong case', () => {
  const c = CASES.find((x) => x.case.output && x.case.ignore && x.case.codes.length > 2 && x.group === 'pipeline')!;
  const res = results.get(c)!;
  const variant = (over: Partial<Case>): LoadedCase => ({ ...c, case: { ...c.case, ...over } });
  const fails = (check: string, v: LoadedCase, r: MigrateResult = res) => expect(() => CHECKS[check](v, r)).toThrow();

  it('passes the case as it is', () => {
    for (const check of Object.values(CHECKS)) check(c, res);
  });

  it('a wrong or missing output', () => {
    fails('gives exactly the expected Dockerfile', variant({ output: c.case.output + '\n' }));
    fails('gives exactly the expected Dockerfile', variant({ output: c.case.output!.replace('AS runtime', 'AS run') }));
    fails('gives exactly the expected Dockerfile', variant({ output: undefined }));
  });

  it('a wrong, missing or unexpected .dockerignore', () => {
    fails('writes exactly the expected .dockerignore (or none)', variant({ ignore: c.case.ignore + 'dist\n' }));
    fails('writes exactly the expected .dockerignore (or none)', variant({ ignore: undefined }));
    const none = CASES.find((x) => !x.case.ignore)!;
    fails('writes exactly the expected .dockerignore (or none)', { ...none, case: { ...none.case, ignore: 'node_modules\n' } });
  });

  it('a wrong, missing, extra or misplaced code', () => {
    const codes = c.case.codes;
    const check = 'reports exactly the expected codes, in order';
    fails(check, variant({ codes: codes.slice(1) }));
    fails(check, variant({ codes: [...codes, 'warning split-stages/prune-unknown'] }));
    fails(check, variant({ codes: [codes[1], codes[0], ...codes.slice(2)] }));
    fails(check, variant({ codes: codes.map((x, i) => (i === 0 ? x.replace(/@\d+$/, '') + '@99' : x)) }));
  });

  it('an undeclared code, an unexplained change, a new lint error, a second run that changes something', () => {
    const change = res.changes[0];
    fails('reports only codes its transform declares: changes as changes, warnings as hold-backs', c, {
      ...res,
      changes: [{ ...change, code: 'not-declared' }],
    });
    fails('explains every change', c, { ...res, changes: [] });
    fails('explains every change', c, { ...res, changes: [{ ...change, message: 'did it' }] });
    fails('re-parses with no new lint errors', c, { ...res, output: res.output + 'EXPOSE abc\n' });
    // The input again as if it were the output: a second run would migrate it.
    fails('changes nothing on a second run', c, { ...res, output: c.input, files: [] });
  });

  it('a malformed case in a cases file', () => {
    const good = c.case;
    expect(() => loadCase('pipeline', { ...good, outptu: 'x' } as Case)).toThrow(/unknown key "outptu"/);
    expect(() => loadCase('pipeline', { ...good, output: good.dockerfile })).toThrow(/output equals the input/);
    expect(() => loadCase('pipeline', { ...good, codes: ['change split-stages/split @1'] })).toThrow(/malformed code/);
    expect(() => loadCase('pipeline', { ...good, context: 'no-such-context' })).toThrow(/no context folder/);
    const base = CASES.find((x) => x.baseDir && typeof x.case.context === 'string')!;
    const name = base.case.context as string;
    const [rel, content] = Object.entries(base.files).find(([f]) => f !== 'Dockerfile')!;
    expect(() => loadCase('pipeline', { ...good, context: { base: name, files: { [rel]: content } } })).toThrow(/base's own/);
    expect(() => loadCase('pipeline', { ...good, context: { base: name, files: { 'nothing-here.js': null } } })).toThrow(
      /removed but the base has none/,
    );
    expect(() => loadCase('pipeline', { ...good, context: { files: { Dockerfile: 'FROM x\n' } } })).toThrow(/dockerfile/);
  });
});
