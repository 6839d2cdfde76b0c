/**
 * Where each part of a run goes, per report format and mode, as the built binary does it: the
 * diff, the report (stdout, stderr for text, or --output FILE), the error lines, the exit codes;
 * and docs/sample-pr-body.md is what the command prints today.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'vitest';
import { CLI, ROOT, STACK, app, read, run as runCli, snapshot, useCliHarness, type Run } from './cli-harness.js';
import { parseJsonReport, parseSarif } from './report-schema.js';

const { tmp } = useCliHarness('dfm-reports-');

const FORMATS = ['text', 'json', 'markdown', 'sarif', 'github'] as const;
/** The machine these run on is shared: several runs at once get a minute each, a test two. */
const run = (args: string[], cwd: string): Promise<Run> => runCli(args, cwd, { timeoutMs: 60_000 });
const SLOW = 120_000;
/** The markdown footer names the command line, which differs between the runs compared. */
const noFooter = (s: string) => s.replace(/\n<sub>dockerfile-migrate [^\n]*<\/sub>\n$/, '\n');

describe.concurrent('reports (built binary)', () => {
  for (const format of FORMATS) {
    it(
      `--format ${format}: the report on ${format === 'text' ? 'stderr' : 'stdout'}, or in --output FILE with the diff on stdout`,
      async ({ expect }) => {
        const dir = app(tmp());
        const out = tmp();
        const before = snapshot(dir);
        const file = path.join(out, 'report');
        const [diff, plain, toFile, dryRun] = await Promise.all([
          run(['--check', '--quiet'], dir),
          run(['--check', '--format', format], dir),
          run(['--check', '--format', format, '--output', file], dir),
          run(['--format', format, '--output', `${file}-dry`], dir),
        ]);
        expect(diff.stdout.startsWith('diff --git a/Dockerfile b/Dockerfile\n')).toBe(true);
        for (const r of [plain, toFile]) expect(r.code).toBe(1);
        expect(dryRun.code).toBe(0);
        // --check and --dry-run write nothing but the report
        expect(snapshot(dir)).toEqual(before);
        expect(fs.readdirSync(out).sort()).toEqual(['report', 'report-dry']);

        // With --output: the diff on stdout, nothing on stderr, the report in the file.
        expect(toFile.stdout).toBe(diff.stdout);
        expect(dryRun.stdout).toBe(diff.stdout);
        expect(toFile.stderr).toBe('');
        const report = read(file);
        const dry = read(`${file}-dry`);
        if (format === 'json') expect(dry).toBe(report.replace('"mode": "check"', '"mode": "dry-run"'));
        // one file migrated in a dry run: no summary line (the patch says it all)
        else if (format === 'text') expect(dry).toBe(report.replace(/1 migrated, 0 unchanged, 0 skipped, 0 errors\n$/, ''));
        else expect(noFooter(dry)).toBe(noFooter(report));
        if (format === 'text') {
          // stdout: the diff; stderr: the explanations, which --output moves to the file
          expect(plain.stdout).toBe(diff.stdout);
          expect(plain.stderr.startsWith('Dockerfile: migrated\n  npm-ci/npm-ci (line 4): ')).toBe(true);
          expect(plain.stderr.endsWith('\n1 migrated, 0 unchanged, 0 skipped, 0 errors\n')).toBe(true);
          expect(report).toBe(plain.stderr);
        } else {
          // stdout: the report alone; stderr: nothing
          expect(plain.stderr).toBe('');
          expect(noFooter(report)).toBe(noFooter(plain.stdout));
        }
        if (format === 'json') expect(parseJsonReport(report).files[0].status).toBe('migrated');
        if (format === 'sarif') expect(parseSarif(report).runs[0].results.length).toBe(11);
        if (format === 'markdown') {
          expect(plain.stdout).toMatch(
            /\n<sub>dockerfile-migrate \d+\.\d+\.\d+: `dockerfile-migrate --check --format markdown`<\/sub>\n$/,
          );
          expect(report).toContain(`: \`dockerfile-migrate --check --format markdown --output ${file}\`</sub>\n`);
        }
        if (format === 'github') {
          const lines = plain.stdout.trimEnd().split('\n');
          expect(lines).toHaveLength(11);
          for (const l of lines) expect(l).toMatch(/^::notice file=Dockerfile,(line=\d+,)?title=[a-z-]+\/[a-z-]+::\S/);
        }
      },
      SLOW,
    );
  }

  it(
    '--write --output: nothing on stdout or stderr, the files written, the report says written',
    async ({ expect }) => {
      const out = tmp();
      const results = await Promise.all(
        FORMATS.map(async (format) => {
          const dir = app(tmp());
          const r = await run(['--write', '--format', format, '--output', path.join(out, format)], dir);
          return { format, dir, r };
        }),
      );
      for (const { format, dir, r } of results) {
        expect(r, format).toMatchObject({ code: 0, stdout: '', stderr: '' });
        expect(read(dir, 'Dockerfile')).toContain(' AS runtime\n');
        expect(fs.existsSync(path.join(dir, '.dockerignore'))).toBe(true);
      }
      expect(read(out, 'text')).toMatch(
        /^Dockerfile: migrated, written \(and \.dockerignore\)\n[\s\S]*\n1 migrated, 0 unchanged, 0 skipped, 0 errors\n$/,
      );
      expect(parseJsonReport(read(out, 'json')).mode).toBe('write');
      expect(read(out, 'markdown')).toContain('\n1 migrated, 0 unchanged, 0 skipped, 0 errors (written)\n');
      // with --write the file on disk is the migrated one: no fix to apply
      expect(parseSarif(read(out, 'sarif')).runs[0].results.some((r) => r.fixes)).toBe(false);
      expect(read(out, 'github')).toMatch(/^::notice file=Dockerfile,/);
      expect(fs.readdirSync(out).sort()).toEqual([...FORMATS].sort());
    },
    SLOW,
  );

  it(
    'a file that fails: its error line on stderr in every format, the report still written, exit 2',
    async ({ expect }) => {
      const root = tmp();
      app(path.join(root, 'ok'));
      fs.mkdirSync(path.join(root, 'bad'));
      fs.writeFileSync(path.join(root, 'bad', 'Dockerfile'), '');
      const out = tmp();
      const runs = await Promise.all(
        FORMATS.map((format) => run(['--check', '--format', format, '--output', path.join(out, format), '.'], root)),
      );
      for (const [i, r] of runs.entries()) {
        expect(r.code, FORMATS[i]).toBe(2);
        expect(r.stderr, FORMATS[i]).toBe('dockerfile-migrate: bad/Dockerfile: the file is empty\n');
        expect(r.stdout.startsWith('diff --git a/ok/Dockerfile b/ok/Dockerfile\n')).toBe(true);
      }
      expect(read(out, 'text')).toMatch(/^dockerfile-migrate: bad\/Dockerfile: the file is empty\nok\/Dockerfile: migrated\n/);
      expect(parseJsonReport(read(out, 'json')).files.map((f) => [f.path, f.status, f.code])).toEqual([
        ['bad/Dockerfile', 'error', 'empty-file'],
        ['ok/Dockerfile', 'migrated', undefined],
      ]);
      expect(read(out, 'markdown')).toContain('\n| `bad/Dockerfile` | error (`empty-file`) | 0 | 0 |\n');
      expect(parseSarif(read(out, 'sarif')).runs[0].invocations[0].executionSuccessful).toBe(false);
      expect(read(out, 'github')).toMatch(
        /^::error file=bad\/Dockerfile,title=dockerfile-migrate\/empty-file::the file is empty\n::notice /,
      );
      // without --output, the machine formats keep stdout to the report and still name the error on stderr
      const json = await run(['--json', '.'], root);
      expect(json.code).toBe(2);
      expect(json.stderr).toBe('dockerfile-migrate: bad/Dockerfile: the file is empty\n');
      expect(parseJsonReport(json.stdout).summary).toMatchObject({ migrated: 1, error: 1 });
    },
    SLOW,
  );

  it(
    '--json and --markdown are --format json and --format markdown; a disagreeing pair is a usage error',
    async ({ expect }) => {
      const dir = app(tmp());
      const [json, fmtJson, md, fmtMd, both, clash] = await Promise.all([
        run(['--json'], dir),
        run(['--format', 'json'], dir),
        run(['--markdown'], dir),
        run(['--format=markdown'], dir),
        run(['--json', '--format', 'json'], dir),
        run(['--json', '--format', 'sarif'], dir),
      ]);
      expect(fmtJson.stdout).toBe(json.stdout);
      expect(both.stdout).toBe(json.stdout);
      expect(noFooter(fmtMd.stdout)).toBe(noFooter(md.stdout));
      expect(clash).toMatchObject({
        code: 2,
        stdout: '',
        stderr:
          'dockerfile-migrate: --json and --format sarif cannot be used together\nRun dockerfile-migrate --help for usage.\n',
      });
      const bad = await run(['--format', 'yaml'], dir);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^dockerfile-migrate: /);
      expect(bad.stderr).toContain('yaml');
      expect(bad.stderr).not.toMatch(STACK);
    },
    SLOW,
  );

  it(
    '--output is resolved against the current directory and written atomically (no temp file left)',
    async ({ expect }) => {
      const root = tmp();
      app(path.join(root, 'svc'));
      fs.mkdirSync(path.join(root, 'reports'));
      const r = await run(['--json', '--output', '../reports/r.json', '.'], path.join(root, 'svc'));
      expect(r.code).toBe(0);
      expect(parseJsonReport(read(root, 'reports', 'r.json')).files[0].path).toBe('Dockerfile');
      expect(fs.readdirSync(path.join(root, 'reports'))).toEqual(['r.json']);
      // an existing report is replaced
      fs.writeFileSync(path.join(root, 'reports', 'r.md'), 'old\n');
      const again = await run(['--markdown', '--output', path.join(root, 'reports', 'r.md')], path.join(root, 'svc'));
      expect(again.code).toBe(0);
      expect(read(root, 'reports', 'r.md').startsWith('## dockerfile-migrate\n')).toBe(true);
      expect(fs.readdirSync(path.join(root, 'reports')).sort()).toEqual(['r.json', 'r.md']);
    },
    SLOW,
  );

  it(
    'an --output that cannot be written: exit 2 before anything is written',
    async ({ expect }) => {
      const dir = app(tmp());
      fs.mkdirSync(path.join(dir, 'adir'));
      const before = snapshot(dir);
      const cases: [string[], string][] = [
        [['--write', '--json', '--output', 'missing/r.json'], '--output missing/r.json: its directory does not exist'],
        [['--write', '--json', '--output', 'adir'], '--output adir: is a directory'],
        [['--write', '--json', '--output', 'Dockerfile'], '--output Dockerfile: is a Dockerfile this run migrates'],
        [['--write', '--output', ''], '--output needs a file name'],
      ];
      const runs = await Promise.all(cases.map(([args]) => run(args, dir)));
      for (const [i, r] of runs.entries()) {
        expect(r).toMatchObject({ code: 2, stdout: '', stderr: `dockerfile-migrate: ${cases[i][1]}\n` });
      }
      expect(snapshot(dir)).toEqual(before);
    },
    SLOW,
  );

  it(
    'an --output that names a file the migration writes: that file is kept, the report is not written, exit 2',
    async ({ expect }) => {
      const dir = app(tmp());
      const r = await run(['--write', '--json', '--output', '.dockerignore'], dir);
      expect(r).toMatchObject({
        code: 2,
        stdout: '',
        stderr:
          'dockerfile-migrate: --output .dockerignore: is a file this run writes (.dockerignore); the report was not written\n',
      });
      expect(read(dir, '.dockerignore')).toMatch(/^# dockerfile-migrate: /);
      const dry = app(tmp());
      const before = snapshot(dry);
      const d = await run(['--json', '--output', '.dockerignore'], dry);
      expect(d.code).toBe(2);
      expect(d.stderr).toBe(
        'dockerfile-migrate: --output .dockerignore: is a file this run proposes (.dockerignore); the report was not written\n',
      );
      expect(snapshot(dry)).toEqual(before);
    },
    SLOW,
  );

  it(
    'docs/sample-pr-body.md is the markdown report of examples/express-api (run `npm run docs` after changing it)',
    ({ expect }) => {
      const r = spawnSync(process.execPath, [CLI, '--format', 'markdown', 'examples/express-api'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(
        /\n<sub>dockerfile-migrate \S+: `dockerfile-migrate --format markdown examples\/express-api`<\/sub>\n$/,
      );
      expect(read(ROOT, 'docs', 'sample-pr-body.md')).toBe(r.stdout);
    },
    SLOW,
  );
});
