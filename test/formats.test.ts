/**
 * The report formats as functions of the per-file reports: the markdown pull request body (exact
 * output), GitHub workflow commands (exact lines and escaping), SARIF (validated, its fixes applied
 * back), the JSON document against the shipped schema, and reading patches back (every fixture's
 * patch, and random texts, give back the migrated text).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/engine/diff.js';
import { githubAnnotations, escapeData, escapeProperty } from '../src/report/github.js';
import { applyReplacements, originalLine, parsePatch, replacements } from '../src/report/patch.js';
import { jsonReport, markdownReport, type FileReport } from '../src/report/report.js';
import { sarifReport } from '../src/report/sarif.js';
import { COMPOSE_CODES } from '../src/model/project/compose.js';
import { transforms } from '../transforms/index.js';
import { CASES, runCase } from './case-harness.js';
import { parseJsonReport, parseSarif, reportSchemaErrors } from './report-schema.js';

const ORIGINAL = `FROM node:22
WORKDIR /app
COPY . .
RUN npm install
EXPOSE 3000
CMD ["npm", "start"]
`;
const MIGRATED = `FROM node:22 AS build
WORKDIR /app
COPY . .
RUN npm ci
RUN npm prune --omit=dev

FROM node:22-slim AS runtime
WORKDIR /app
COPY --from=build /app ./
EXPOSE 3000
CMD ["npm", "start"]
`;
const IGNORE = 'node_modules\n.git\n';

function reports(): FileReport[] {
  return [
    {
      path: 'api/Dockerfile',
      status: 'migrated',
      changes: [
        { transform: 'npm-ci', code: 'npm-ci', message: '`npm install` → `npm ci`', line: 4 },
        { transform: 'split-stages', code: 'split', message: 'split into a `build` and a `runtime` stage', line: 1 },
        { transform: 'split-stages', code: 'prune', message: '`npm prune --omit=dev` after the build', line: 5 },
        { transform: 'dockerignore', code: 'created', message: 'new .dockerignore' },
      ],
      warnings: [
        { transform: 'start-prod', code: 'no-signal-handler', message: 'left `CMD ["npm", "start"]` as it is', line: 11 },
      ],
      diff: unifiedDiff('api/Dockerfile', ORIGINAL, MIGRATED) + unifiedDiff('api/.dockerignore', null, IGNORE),
      files: [{ path: 'api/.dockerignore', created: true }],
      verify: {
        engine: 'docker',
        ok: true,
        summary: 'image 1.10 GB → 180 MB, smoke test passed',
        smokeTest: { url: '/health' },
        before: { builds: true, size: 1.1e9, smoke: { passed: true, detail: 'GET /health → 200' } },
        after: { builds: true, size: 180e6, smoke: { passed: true, detail: 'GET /health → 200' } },
      },
    },
    {
      path: 'web/Dockerfile',
      status: 'unchanged',
      changes: [],
      warnings: [{ transform: 'non-root', code: 'low-port', message: 'no USER added: the app listens on port 80', line: 3 }],
      diff: '',
      files: [],
    },
    { path: 'done/Dockerfile', status: 'unchanged', changes: [], warnings: [], diff: '', files: [] },
    {
      path: 'py/Dockerfile',
      status: 'skipped',
      code: 'not-node',
      reason: 'no node base image and no npm/yarn/pnpm/bun install',
      changes: [],
      warnings: [],
      diff: '',
      files: [],
    },
    {
      path: 'bad/Dockerfile',
      status: 'error',
      code: 'empty-file',
      reason: 'the file is empty',
      changes: [],
      warnings: [],
      diff: '',
      files: [],
    },
  ];
}

const META = { version: '1.2.3', mode: 'check' as const, command: 'dockerfile-migrate --check --format markdown .' };

describe('markdown report (pull request body)', () => {
  it('a table, then per Dockerfile the changes by transform, the warnings, the diff folded, and a footer', () => {
    const [api] = reports();
    const diff = api.diff.replace(/\n$/, '');
    expect(markdownReport(reports(), META)).toBe(
      [
        '## dockerfile-migrate',
        '',
        '1 migrated, 2 unchanged, 1 skipped, 1 errors (proposed, nothing written)',
        '',
        '| Dockerfile | status | image size | changes | warnings |',
        '| --- | --- | --- | ---: | ---: |',
        '| `api/Dockerfile` | migrated | ✅ 1.10 GB → 180 MB | 4 | 1 |',
        '| `web/Dockerfile` | unchanged | – | 0 | 1 |',
        '| `done/Dockerfile` | unchanged | – | 0 | 0 |',
        '| `py/Dockerfile` | skipped (`not-node`) | – | 0 | 0 |',
        '| `bad/Dockerfile` | error (`empty-file`) | – | 0 | 0 |',
        '',
        'Line numbers refer to the migrated Dockerfile.',
        '',
        '### `api/Dockerfile`',
        '',
        '**migrated**: 4 changes, 1 warning; also `api/.dockerignore` (new)',
        '',
        '**verify** (docker): ✅ image 1.10 GB → 180 MB, smoke test passed',
        '',
        '#### Changes',
        '',
        '**npm-ci**',
        '',
        '- `npm-ci/npm-ci` (line 4): `npm install` → `npm ci`',
        '',
        '**split-stages**',
        '',
        '- `split-stages/split` (line 1): split into a `build` and a `runtime` stage',
        '- `split-stages/prune` (line 5): `npm prune --omit=dev` after the build',
        '',
        '**dockerignore**',
        '',
        '- `dockerignore/created`: new .dockerignore',
        '',
        '#### Warnings',
        '',
        '- ⚠️ `start-prod/no-signal-handler` (line 11): left `CMD ["npm", "start"]` as it is',
        '',
        '<details><summary>Diff</summary>',
        '',
        '```diff',
        diff,
        '```',
        '',
        '</details>',
        '',
        '### `web/Dockerfile`',
        '',
        '**unchanged**',
        '',
        '#### Warnings',
        '',
        '- ⚠️ `non-root/low-port` (line 3): no USER added: the app listens on port 80',
        '',
        '### `py/Dockerfile`',
        '',
        '**skipped** (`not-node`): no node base image and no npm/yarn/pnpm/bun install',
        '',
        '### `bad/Dockerfile`',
        '',
        '**error** (`empty-file`): the file is empty',
        '',
        '---',
        '',
        '<sub>dockerfile-migrate 1.2.3: `dockerfile-migrate --check --format markdown .`</sub>',
        '',
      ].join('\n'),
    );
  });

  it('without --verify there is no image size column; with --write the summary says written', () => {
    const md = markdownReport(
      reports().map(({ verify: _, ...r }) => r),
      { ...META, mode: 'write' },
    );
    expect(md).toContain(
      '\n| Dockerfile | status | changes | warnings |\n| --- | --- | ---: | ---: |\n| `api/Dockerfile` | migrated | 4 | 1 |\n',
    );
    expect(md).toContain('\n1 migrated, 2 unchanged, 1 skipped, 1 errors (written)\n');
    expect(md).not.toContain('**verify**');
  });

  it('as a library call without meta: a dry run, no footer', () => {
    expect(markdownReport([])).toBe(
      '## dockerfile-migrate\n\n0 migrated, 0 unchanged, 0 skipped, 0 errors (proposed, nothing written)\n',
    );
    expect(markdownReport(reports()).endsWith('\n**error** (`empty-file`): the file is empty\n')).toBe(true);
  });

  it('a failed verification shows in the table and under the heading', () => {
    const r = reports()[0];
    r.verify = {
      engine: 'podman',
      ok: false,
      summary: 'image 1.10 GB → 180 MB, smoke test FAILED: exit 1: boom',
      smokeTest: { cmd: 'node -e 1' },
      before: { builds: true, size: 1.1e9 },
      after: { builds: true, size: 180e6, smoke: { passed: false, detail: 'exit 1: boom' } },
    };
    const md = markdownReport([r], META);
    expect(md).toContain('| `api/Dockerfile` | migrated | ❌ 1.10 GB → 180 MB | 4 | 1 |');
    expect(md).toContain('\n**verify** (podman): ❌ image 1.10 GB → 180 MB, smoke test FAILED: exit 1: boom\n');
  });

  it('a fence in the diff gets a longer fence around it; a backtick in a path gets a longer code span', () => {
    const r: FileReport = {
      path: 'a`b/Dockerfile',
      status: 'migrated',
      changes: [{ transform: 'npm-ci', code: 'npm-ci', message: 'x' }],
      warnings: [],
      diff: unifiedDiff(
        'Dockerfile',
        'FROM node:22\n```` not a fence\nRUN npm install\n',
        'FROM node:22\n```` not a fence\nRUN npm ci\n',
      ),
      files: [],
    };
    const md = markdownReport([r], META);
    expect(md).toContain('\n`````diff\ndiff --git a/Dockerfile b/Dockerfile\n');
    expect(md).toContain('\n ```` not a fence\n-RUN npm install\n+RUN npm ci\n`````\n');
    expect(md).toContain('\n### `` a`b/Dockerfile ``\n');
  });
});

describe('GitHub workflow commands', () => {
  it('a notice per change, a warning per warning, an error per failed file; lines in the file on disk', () => {
    const [api, web, , py, bad] = reports();
    // --check: the file on disk is the original: lines are carried back through the patch.
    expect(githubAnnotations(api, 'check')).toBe(
      [
        '::notice file=api/Dockerfile,line=4,title=npm-ci/npm-ci::`npm install` → `npm ci`',
        '::notice file=api/Dockerfile,line=1,title=split-stages/split::split into a `build` and a `runtime` stage',
        // an added line stands for the line it replaces
        '::notice file=api/Dockerfile,line=4,title=split-stages/prune::`npm prune --omit=dev` after the build',
        '::notice file=api/Dockerfile,title=dockerignore/created::new .dockerignore',
        '::warning file=api/Dockerfile,line=6,title=start-prod/no-signal-handler::left `CMD ["npm", "start"]` as it is',
        '',
      ].join('\n'),
    );
    // --write: the file on disk is the migrated one.
    expect(githubAnnotations(api, 'write')).toContain(
      '::warning file=api/Dockerfile,line=11,title=start-prod/no-signal-handler::',
    );
    expect(githubAnnotations(web, 'check')).toBe(
      '::warning file=web/Dockerfile,line=3,title=non-root/low-port::no USER added: the app listens on port 80\n',
    );
    expect(githubAnnotations(py, 'check')).toBe('');
    expect(githubAnnotations(bad, 'check')).toBe(
      '::error file=bad/Dockerfile,title=dockerfile-migrate/empty-file::the file is empty\n',
    );
  });

  it('escapes data (%, CR, LF) and properties (also : and ,) as the Actions toolkit does', () => {
    expect(escapeData('100% a\r\nb: c, d')).toBe('100%25 a%0D%0Ab: c, d');
    expect(escapeProperty('100% a\r\nb: c, d')).toBe('100%25 a%0D%0Ab%3A c%2C d');
    const r: FileReport = {
      path: 'odd,name:x/Dockerfile',
      status: 'unchanged',
      changes: [],
      warnings: [{ transform: 'context', code: 'context-file-unreadable', message: 'line one\nline two 50%', line: 2 }],
      diff: '',
      files: [],
    };
    expect(githubAnnotations(r, 'dry-run')).toBe(
      '::warning file=odd%2Cname%3Ax/Dockerfile,line=2,title=context/context-file-unreadable::line one%0Aline two 50%25\n',
    );
  });
});

describe('SARIF', () => {
  const sarif = (rs: FileReport[], mode: 'check' | 'write' = 'check') =>
    parseSarif(
      sarifReport(rs, { version: '1.2.3', mode, cwd: '/work/repo', transforms, otherCodes: { compose: COMPOSE_CODES } }),
    );

  it('one result per change (note) and per warning (warning), rule ids and docs from the transforms', () => {
    const log = sarif(reports());
    const run = log.runs[0];
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'dockerfile-migrate', version: '1.2.3' });
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/repo/' } });
    expect(run.results.map((r) => [r.ruleId, r.level, r.locations[0].physicalLocation.region?.startLine])).toEqual([
      ['npm-ci/npm-ci', 'note', 4],
      ['split-stages/split', 'note', 1],
      ['split-stages/prune', 'note', 4],
      ['dockerignore/created', 'note', 1],
      ['start-prod/no-signal-handler', 'warning', 6],
      ['non-root/low-port', 'warning', 3],
    ]);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
    }
    const npmCi = transforms.find((t) => t.id === 'npm-ci')!;
    const rule = run.tool.driver.rules.find((r) => r.id === 'npm-ci/npm-ci')!;
    expect(rule.shortDescription.text).toBe(npmCi.docs.changes['npm-ci'].replace(/`/g, ''));
    expect(rule.help.text).toContain(npmCi.docs.why.replace(/`/g, ''));
    expect(rule.defaultConfiguration.level).toBe('note');
    expect(run.tool.driver.rules.find((r) => r.id === 'non-root/low-port')!.defaultConfiguration.level).toBe('warning');
    expect(new Set(run.tool.driver.rules.map((r) => r.id)).size).toBe(run.tool.driver.rules.length);
  });

  it("the migrated file's first change carries the whole migration as a fix; applied, it gives the migrated files", () => {
    const run = sarif(reports()).runs[0];
    const withFix = run.results.filter((r) => r.fixes);
    expect(withFix.map((r) => r.ruleId)).toEqual(['npm-ci/npm-ci']);
    const changes = withFix[0].fixes![0].artifactChanges;
    expect(changes.map((c) => c.artifactLocation.uri)).toEqual(['api/Dockerfile', 'api/.dockerignore']);
    const apply = (text: string, i: number) =>
      applyReplacements(
        text,
        changes[i].replacements.map((r) => ({ ...r.deletedRegion, text: r.insertedContent.text })),
      );
    expect(apply(ORIGINAL, 0)).toBe(MIGRATED);
    expect(apply('', 1)).toBe(IGNORE);
  });

  it('with --write: no fix (it is applied), lines in the migrated file', () => {
    const run = sarif(reports(), 'write').runs[0];
    expect(run.results.some((r) => r.fixes)).toBe(false);
    expect(run.results.find((r) => r.ruleId === 'start-prod/no-signal-handler')!.locations[0].physicalLocation.region).toEqual({
      startLine: 11,
    });
  });

  it('failed and skipped files are tool notifications; a failure makes the run unsuccessful', () => {
    const inv = sarif(reports()).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toEqual([
      {
        level: 'note',
        message: { text: 'skipped: no node base image and no npm/yarn/pnpm/bun install' },
        descriptor: { id: 'not-node' },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'py/Dockerfile', uriBaseId: '%SRCROOT%' } } }],
      },
      {
        level: 'error',
        message: { text: 'error: the file is empty' },
        descriptor: { id: 'empty-file' },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'bad/Dockerfile', uriBaseId: '%SRCROOT%' } } }],
      },
    ]);
    expect(sarif(reports().slice(0, 2)).runs[0].invocations[0]).toEqual({ executionSuccessful: true });
  });

  it('paths are percent-encoded URI references; codes outside the transforms get rules too', () => {
    const r: FileReport = {
      path: 'my app/50%/Dockerfile',
      status: 'unchanged',
      changes: [],
      warnings: [
        { transform: 'compose', code: 'compose-dev-command', message: 'dev server' },
        { transform: 'context', code: 'context-file-unreadable', message: 'package.json is a directory' },
      ],
      diff: '',
      files: [],
    };
    const run = sarif([r]).runs[0];
    expect(run.results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('my%20app/50%25/Dockerfile');
    expect(run.tool.driver.rules.map((x) => [x.id, x.shortDescription.text])).toEqual([
      ['compose/compose-dev-command', COMPOSE_CODES['compose-dev-command']],
      ['context/context-file-unreadable', 'context-file-unreadable'],
    ]);
  });
});

describe('JSON report and its schema', () => {
  it('carries schemaVersion 1 and validates, with and without --verify', () => {
    const doc = parseJsonReport(jsonReport(reports(), { version: '1.2.3', mode: 'check' }));
    expect(doc.schemaVersion).toBe(1);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'version', 'mode', 'files', 'summary']);
    expect(doc.summary).toEqual({ files: 5, migrated: 1, unchanged: 2, skipped: 1, error: 1 });
  });

  it('rejects what the tool never prints (the schema is not a rubber stamp)', () => {
    const good = JSON.parse(jsonReport(reports(), { version: '1.2.3', mode: 'check' })) as Record<string, unknown> & {
      files: Record<string, unknown>[];
    };
    expect(reportSchemaErrors(good)).toBeNull();
    const bad = (f: (d: typeof good) => void) => {
      const d = structuredClone(good);
      f(d);
      return reportSchemaErrors(d);
    };
    expect(bad((d) => delete d.schemaVersion)).toMatch(/schemaVersion/);
    expect(bad((d) => (d.schemaVersion = 2))).toMatch(/schemaVersion/);
    expect(bad((d) => (d.extra = true))).toMatch(/additional/);
    expect(bad((d) => (d.files[0].status = 'done'))).toMatch(/status/);
    expect(bad((d) => delete d.files[3].code)).toMatch(/code/);
    expect(bad((d) => (d.files[3].changes as unknown[]).push({ transform: 'x', code: 'y', message: 'z' }))).toMatch(/changes/);
    expect(bad((d) => ((d.files[0].changes as { line?: number }[])[0].line = 0))).toMatch(/line/);
    expect(bad((d) => ((d.files[0].changes as { code: string }[])[0].code = 'Not Kebab'))).toMatch(/code/);
  });
});

describe('reading patches back', () => {
  it('every fixture: the replacements turn the input into the output, and reported lines land in the input', () => {
    let checked = 0;
    for (const c of CASES) {
      const res = runCase(c);
      if (res.status !== 'migrated') continue;
      const input = c.input;
      const patches = parsePatch(res.diff);
      const own = patches.find((p) => p.path === 'Dockerfile');
      const inputLines = input.split('\n').length - (input.endsWith('\n') ? 1 : 0);
      if (own) {
        expect(applyReplacements(input, replacements(own)), c.id).toBe(res.output);
        for (const f of [...res.changes, ...res.warnings])
          if (f.line !== undefined) {
            const l = originalLine(own, f.line);
            expect(l >= 1 && l <= Math.max(1, inputLines), `${c.id} ${f.transform}/${f.code}@${f.line} -> ${l}`).toBe(true);
          }
      } else expect(res.output).toBe(input);
      for (const f of res.files) {
        const p = patches.find((x) => x.path === f.path)!;
        const before = c.files[f.path] ?? '';
        expect(p.created).toBe(f.before === null);
        expect(applyReplacements(f.before ?? before, replacements(p)), `${c.id} ${f.path}`).toBe(f.content);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('random texts: applied replacements give the new text; unchanged lines map to themselves', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'RUN x', '', ' ', '```', 'é', 'x\r');
    const text = fc
      .tuple(fc.array(line, { maxLength: 12 }), fc.boolean())
      .map(([ls, nl]) => ls.join('\n') + (nl && ls.length ? '\n' : ''));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = unifiedDiff('Dockerfile', before, after);
        if (!diff) return before === after;
        const [p] = parsePatch(diff);
        expect(applyReplacements(before, replacements(p))).toBe(after);
        const count = (t: string) => (t === '' ? 0 : t.split('\n').length - (t.endsWith('\n') ? 1 : 0));
        const oldCount = count(before);
        for (let n = 1; n <= count(after); n++) {
          const o = originalLine(p, n);
          expect(o >= 1 && o <= Math.max(1, oldCount)).toBe(true);
        }
        return true;
      }),
      { numRuns: 400 },
    );
  });

  it('undoes git quoting of odd paths', () => {
    const diff = unifiedDiff('tab\there/"q"/é\\x/Dockerfile', 'FROM a\n', 'FROM b\n');
    expect(diff.split('\n')[0]).toMatch(/^diff --git "a\/tab\\there/);
    expect(parsePatch(diff)[0].path).toBe('tab\there/"q"/é\\x/Dockerfile');
  });
});
