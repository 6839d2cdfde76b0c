/**
 * The command as a user runs it: the built binary (dist/src/cli/cli.js) in fresh temp dirs, checking
 * what a user notices: stdout, stderr, exit codes, and which files are (not) written.
 */
import { transformIds } from '../transforms/index.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'vitest';
import {
  APP_FILES,
  HAS_SCRIPT,
  NODE_DOCKERFILE,
  PACKAGE_JSON,
  ROOT,
  SERVER_JS,
  STACK,
  app,
  contents,
  errorLines,
  exists,
  git,
  read,
  run,
  runTty,
  snapshot,
  useCliHarness,
} from './cli-harness.js';
import { parseJsonReport } from './report-schema.js';

const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

const TRANSFORM_IDS = [...transformIds];
const OPTIONS = [
  '--dry-run',
  '--write',
  '--check',
  '--json',
  '--markdown',
  '--format',
  '--output',
  '--context',
  '--transforms',
  '--skip',
  '--runtime-base',
  '--list-transforms',
  '--print-config',
  '--color',
  '--quiet',
  '--help',
  '--version',
];

const { tmp } = useCliHarness('dfm-cli-');

const PYTHON_DOCKERFILE = `FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "app.py"]
`;

const ANSI = /\x1b\[/;
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const count = (s: string, sub: string) => s.split(sub).length - 1;

// ---------------------------------------------------------------------------------------------

describe.concurrent('dockerfile-migrate (built binary)', () => {
  describe('--dry-run', () => {
    it('prints a git-style patch, writes nothing, and git apply gives exactly what --write gives', async ({ expect }) => {
      const dir = app(tmp());
      const before = snapshot(dir);

      const implicit = await run([], dir);
      const explicit = await run(['--dry-run'], dir);
      for (const r of [implicit, explicit]) {
        expect(r.code).toBe(0);
        expect(r.stderr).not.toMatch(STACK);
        expect(r.stdout).not.toMatch(ANSI);
      }
      expect(explicit.stdout).toBe(implicit.stdout);
      const patch = explicit.stdout;
      expect(patch.startsWith('diff --git a/Dockerfile b/Dockerfile\n--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,')).toBe(true);
      expect(patch).toContain(
        '\ndiff --git a/.dockerignore b/.dockerignore\nnew file mode 100644\n--- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1,',
      );
      expect(explicit.stderr.startsWith('Dockerfile: migrated\n')).toBe(true);

      // nothing in the directory changed: names, modes, sizes, contents, mtimes
      expect(snapshot(dir)).toEqual(before);

      // the patch applies with git, and gives the same tree as --write
      expect(git(['-c', 'init.defaultBranch=main', 'init', '-q'], dir).code).toBe(0);
      const check = git(['apply', '--check', '-'], dir, patch);
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      expect(git(['apply', '-'], dir, patch).code).toBe(0);

      const other = app(tmp());
      const written = await run(['--write'], other);
      expect(written.code).toBe(0);
      expect(contents(dir)).toEqual(contents(other));
      expect(Object.keys(contents(dir))).toEqual(['.dockerignore', ...APP_FILES]);
    });

    it('names paths relative to the current directory', async ({ expect }) => {
      const parent = tmp();
      app(path.join(parent, 'sub'));
      const before = snapshot(parent);
      const r = await run(['sub/Dockerfile'], parent);
      expect(r.code).toBe(0);
      expect(
        r.stdout.startsWith('diff --git a/sub/Dockerfile b/sub/Dockerfile\n--- a/sub/Dockerfile\n+++ b/sub/Dockerfile\n'),
      ).toBe(true);
      expect(r.stdout).toContain(
        '\ndiff --git a/sub/.dockerignore b/sub/.dockerignore\nnew file mode 100644\n--- /dev/null\n+++ b/sub/.dockerignore\n',
      );
      expect(r.stdout).not.toContain(parent);
      expect(r.stderr.startsWith('sub/Dockerfile: migrated\n')).toBe(true);
      expect(snapshot(parent)).toEqual(before);

      // the directory form gives the same patch
      const asDir = await run(['sub'], parent);
      expect(asDir.stdout).toBe(r.stdout);

      // and it applies from that directory, giving what --write gives
      git(['-c', 'init.defaultBranch=main', 'init', '-q'], parent);
      expect(git(['apply', '--check', '-'], parent, r.stdout).code).toBe(0);
      expect(git(['apply', '-'], parent, r.stdout).code).toBe(0);
      const other = tmp();
      app(path.join(other, 'sub'));
      expect((await run(['--write', 'sub/Dockerfile'], other)).code).toBe(0);
      expect(contents(parent)).toEqual(contents(other));
    });

    it('two Dockerfiles sharing a context: one combined patch, the shared .dockerignore created once', async ({ expect }) => {
      const make = (d: string) => {
        app(d);
        fs.writeFileSync(
          path.join(d, 'Dockerfile.dev'),
          'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "server.js"]\n',
        );
        return d;
      };
      const dir = make(tmp());
      const before = snapshot(dir);
      const r = await run([], dir);
      expect(r.code).toBe(0);
      expect(snapshot(dir)).toEqual(before);
      expect(r.stdout).toContain('diff --git a/Dockerfile b/Dockerfile\n');
      expect(r.stdout).toContain('diff --git a/Dockerfile.dev b/Dockerfile.dev\n');
      expect(count(r.stdout, 'diff --git a/.dockerignore b/.dockerignore\n')).toBe(1);
      expect(count(r.stdout, 'new file mode')).toBe(1);

      git(['-c', 'init.defaultBranch=main', 'init', '-q'], dir);
      const check = git(['apply', '--check', '-'], dir, r.stdout);
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      expect(git(['apply', '-'], dir, r.stdout).code).toBe(0);

      const other = make(tmp());
      expect((await run(['--write'], other)).code).toBe(0);
      expect(contents(dir)).toEqual(contents(other));
    });
  });

  describe('--write', () => {
    it('writes the files, keeps the mode, leaves no temp files, and is idempotent', async ({ expect }) => {
      const dir = app(tmp());
      fs.chmodSync(path.join(dir, 'Dockerfile'), 0o640);
      const r = await run(['--write'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith('Dockerfile: migrated, written (and .dockerignore)\n')).toBe(true);
      expect(r.stderr.endsWith('\n1 migrated, 0 unchanged, 0 skipped, 0 errors\n')).toBe(true);

      expect(fs.readdirSync(dir).sort()).toEqual(['.dockerignore', ...APP_FILES]);
      expect(read(dir, 'Dockerfile')).not.toBe(NODE_DOCKERFILE);
      expect(read(dir, 'Dockerfile')).toMatch(/^FROM node:22-alpine AS \w+\n/);
      expect(read(dir, '.dockerignore')).toMatch(/^node_modules$/m);
      expect(fs.statSync(path.join(dir, 'Dockerfile')).mode & 0o7777).toBe(0o640);
      expect(read(dir, 'package.json')).toBe(PACKAGE_JSON);
      expect(read(dir, 'server.js')).toBe(SERVER_JS);

      const check = await run(['--check'], dir);
      expect(check).toMatchObject({
        code: 0,
        stdout: '',
        stderr: 'Dockerfile: unchanged\n0 migrated, 1 unchanged, 0 skipped, 0 errors\n',
      });

      const before = snapshot(dir);
      const again = await run(['--write'], dir);
      expect(again).toMatchObject({
        code: 0,
        stdout: '',
        stderr: 'Dockerfile: unchanged\n0 migrated, 1 unchanged, 0 skipped, 0 errors\n',
      });
      expect(snapshot(dir)).toEqual(before);
    });

    it('--skip dockerignore writes no .dockerignore', async ({ expect }) => {
      const dir = app(tmp());
      const dry = await run(['--skip', 'dockerignore'], dir);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('diff --git a/Dockerfile b/Dockerfile\n');
      expect(dry.stdout).not.toContain('.dockerignore');
      const r = await run(['--write', '--skip', 'dockerignore'], dir);
      expect(r.code).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(APP_FILES);
      expect(read(dir, 'Dockerfile')).not.toBe(NODE_DOCKERFILE);
    });
  });

  describe('--check', () => {
    it('exits 1 and prints the diff while a migration is pending, writing nothing', async ({ expect }) => {
      const dir = app(tmp());
      const before = snapshot(dir);
      const dry = await run(['--dry-run'], dir);
      const r = await run(['--check'], dir);
      expect(r.code).toBe(1);
      expect(r.stdout.startsWith('diff --git a/Dockerfile b/Dockerfile\n')).toBe(true);
      expect(r.stdout).toBe(dry.stdout);
      expect(r.stderr.endsWith('\n1 migrated, 0 unchanged, 0 skipped, 0 errors\n')).toBe(true);
      expect(snapshot(dir)).toEqual(before);
    });

    it('exits 0 with no output on stdout when there is nothing to do', async ({ expect }) => {
      const dir = app(tmp(), PYTHON_DOCKERFILE);
      const before = snapshot(dir);
      const r = await run(['--check'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^Dockerfile: skipped \(not-node: .*\)\n0 migrated, 0 unchanged, 1 skipped, 0 errors\n$/);
      expect(snapshot(dir)).toEqual(before);
    });
  });

  describe('reports', () => {
    it('--json: one document with per-file path, status, changes, warnings, diff and a summary', async ({ expect }) => {
      const root = tmp();
      app(path.join(root, 'node'));
      app(path.join(root, 'done'));
      expect((await run(['--write', 'done'], root)).code).toBe(0);
      app(path.join(root, 'py'), PYTHON_DOCKERFILE);
      app(path.join(root, 'empty'), '');
      const before = snapshot(root);

      const r = await run(['--json', '.'], root);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(STACK);
      expect(snapshot(root)).toEqual(before);
      const doc = parseJsonReport(r.stdout) as {
        version: string;
        mode: string;
        files: {
          path: string;
          status: string;
          reason?: string;
          changes: { transform: string; message: string }[];
          warnings: unknown[];
          diff: string;
        }[];
        summary: Record<string, number>;
      };
      expect(doc.version).toBe(PKG.version);
      expect(doc.mode).toBe('dry-run');
      expect(doc.files.map((f) => f.path).sort()).toEqual([
        'done/Dockerfile',
        'empty/Dockerfile',
        'node/Dockerfile',
        'py/Dockerfile',
      ]);
      for (const f of doc.files) {
        expect(Array.isArray(f.changes)).toBe(true);
        expect(Array.isArray(f.warnings)).toBe(true);
        expect(typeof f.diff).toBe('string');
      }
      const by = Object.fromEntries(doc.files.map((f) => [f.path, f]));

      expect(by['node/Dockerfile'].status).toBe('migrated');
      expect(by['node/Dockerfile'].diff.startsWith('diff --git a/node/Dockerfile b/node/Dockerfile\n')).toBe(true);
      expect(by['node/Dockerfile'].diff).toContain('+++ b/node/.dockerignore\n');
      expect(by['node/Dockerfile'].changes.map((c) => c.transform)).toContain('npm-ci');
      for (const c of by['node/Dockerfile'].changes) expect(c.message.length).toBeGreaterThan(0);

      expect(by['done/Dockerfile']).toMatchObject({ status: 'unchanged', changes: [], diff: '' });

      expect(by['py/Dockerfile']).toMatchObject({ status: 'skipped', changes: [], diff: '' });
      expect(by['py/Dockerfile'].reason).toMatch(/node/i);

      expect(by['empty/Dockerfile']).toMatchObject({ status: 'error', reason: 'the file is empty', changes: [], diff: '' });

      expect(doc.summary).toEqual({ files: 4, migrated: 1, unchanged: 1, skipped: 1, error: 1 });
    });

    it('--json --color still prints plain JSON', async ({ expect }) => {
      const dir = app(tmp());
      const r = await run(['--json', '--color'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(ANSI);
      expect(parseJsonReport(r.stdout).summary).toEqual({ files: 1, migrated: 1, unchanged: 0, skipped: 0, error: 0 });
    });

    it('--markdown: the summary line, the table and a ```diff block', async ({ expect }) => {
      const dir = app(tmp());
      const before = snapshot(dir);
      const r = await run(['--markdown'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('\n1 migrated, 0 unchanged, 0 skipped, 0 errors (proposed, nothing written)\n');
      expect(r.stdout).toContain('\n| `Dockerfile` | migrated | 11 | 0 |\n');
      expect(r.stdout).toContain('\n### `Dockerfile`\n\n**migrated**: 11 changes, 0 warnings; also `.dockerignore` (new)\n');
      expect(r.stdout).toContain('\n```diff\ndiff --git a/Dockerfile b/Dockerfile\n');
      expect(r.stdout).toMatch(/\n\+\+\+ b\/\.dockerignore\n[\s\S]*\n```\n/);
      expect(r.stdout).not.toMatch(ANSI);
      expect(snapshot(dir)).toEqual(before);
    });
  });

  describe('transform selection', () => {
    it('--list-transforms lists every transform id, in order, with its summary', async ({ expect }) => {
      const dir = tmp();
      const r = await run(['--list-transforms'], dir);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(TRANSFORM_IDS);
      for (const l of lines) expect(l).toMatch(/^[a-z-]+ {2,}\S.{10,}$/);
      expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('--transforms npm-ci changes only the install line', async ({ expect }) => {
      const dir = app(tmp());
      const before = snapshot(dir);
      const r = await run(['--transforms', 'npm-ci'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        [
          'diff --git a/Dockerfile b/Dockerfile',
          '--- a/Dockerfile',
          '+++ b/Dockerfile',
          '@@ -1,7 +1,7 @@',
          ' FROM node:22-alpine',
          ' WORKDIR /app',
          ' COPY package*.json ./',
          '-RUN npm install',
          '+RUN npm ci',
          ' COPY . .',
          ' EXPOSE 3000',
          ' CMD ["node", "server.js"]',
          '',
        ].join('\n'),
      );
      expect(r.stderr.startsWith('Dockerfile: migrated\n  npm-ci/npm-ci (line 4): ')).toBe(true);
      expect(snapshot(dir)).toEqual(before);
    });

    for (const args of [
      ['--transforms', 'bogus'],
      ['--skip', 'npm-ci,bogus'],
      ['--transforms=npm-ci,bogus', '--write'],
    ]) {
      it(`unknown transform id: ${args.join(' ')} -> exit 2, one line naming it`, async ({ expect }) => {
        const dir = app(tmp());
        const before = snapshot(dir);
        const r = await run(args, dir);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.endsWith('\n')).toBe(true);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^dockerfile-migrate: .*"bogus"/);
        expect(snapshot(dir)).toEqual(before);
      });
    }
  });

  describe('help and version', () => {
    it('--help mentions every option and exits 0', async ({ expect }) => {
      const dir = tmp();
      for (const flag of ['--help', '-h']) {
        const r = await run([flag], dir);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('');
        for (const o of OPTIONS) expect(r.stdout, o).toContain(o);
        expect(r.stdout).toMatch(/exit codes/i);
      }
      expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('--version prints the package.json version', async ({ expect }) => {
      const dir = tmp();
      for (const flag of ['--version', '-v']) {
        const r = await run([flag], dir);
        expect(r).toMatchObject({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
      }
    });

    it('bad options: exit 2 and a usage hint', async ({ expect }) => {
      const dir = app(tmp());
      const before = snapshot(dir);
      const unknown = await run(['--bogus'], dir);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^dockerfile-migrate: .*bogus/);
      const both = await run(['--write', '--check'], dir);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/^dockerfile-migrate: .*write.*check/);
      for (const r of [unknown, both]) {
        expect(r.stdout).toBe('');
        expect(r.stderr).not.toMatch(STACK);
      }
      expect(snapshot(dir)).toEqual(before);
    });

    for (const args of [
      ['--dry-run', '--write'],
      ['--write', '--dry-run'],
      ['--dry-run', '--check'],
      ['--check', '--dry-run', '--json'],
    ]) {
      it(`${args.join(' ')}: a usage error naming both flags, exit 2, nothing written`, async ({ expect }) => {
        const dir = app(tmp());
        const before = snapshot(dir);
        const r = await run([...args, '.'], dir);
        const other = args.includes('--write') ? '--write' : '--check';
        expect(r).toMatchObject({ code: 2, stdout: '' });
        expect(r.stderr).toBe(
          `dockerfile-migrate: --dry-run and ${other} cannot be used together\nRun dockerfile-migrate --help for usage.\n`,
        );
        expect(snapshot(dir)).toEqual(before);
      });
    }
  });

  describe('colour', () => {
    it('none when stdout is not a terminal', async ({ expect }) => {
      const dir = app(tmp());
      const r = await run([], dir);
      expect(r.stdout).not.toMatch(ANSI);
      expect(r.stderr).not.toMatch(ANSI);
    });

    it('--color forces it, even with NO_COLOR set; the text is the same', async ({ expect }) => {
      const dir = app(tmp());
      const plain = await run([], dir);
      for (const env of [{}, { NO_COLOR: '1' }]) {
        const r = await run(['--color'], dir, { env });
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(ANSI);
        expect(stripAnsi(r.stdout)).toBe(plain.stdout);
      }
    });

    it('NO_COLOR=1 without --color: none', async ({ expect }) => {
      const dir = app(tmp());
      const r = await run([], dir, { env: { NO_COLOR: '1' } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(ANSI);
      expect(r.stderr).not.toMatch(ANSI);
    });

    it.skipIf(!HAS_SCRIPT)('on a terminal: colour by default, none with NO_COLOR=1 or --no-color', async ({ expect }) => {
      const dir = app(tmp());
      const plain = await run([], dir);
      const tty = await runTty([], dir);
      expect(tty.code).toBe(0);
      expect(tty.stdout).toMatch(/\x1b\[1mdiff --git a\/Dockerfile b\/Dockerfile/);
      expect(stripAnsi(tty.stdout)).toContain(plain.stdout);
      for (const [args, env] of [
        [[], { NO_COLOR: '1' }],
        [['--no-color'], {}],
      ] as const) {
        const r = await runTty([...args], dir, { env });
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('diff --git a/Dockerfile b/Dockerfile');
        expect(r.stdout).not.toMatch(ANSI);
      }
    });
  });

  describe('quiet', () => {
    it('-q prints no explanations, only errors', async ({ expect }) => {
      const dir = app(tmp());
      const ok = await run(['-q'], dir);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('diff --git a/Dockerfile b/Dockerfile\n');
      expect(ok.stderr).toBe('');
      const bad = app(tmp(), '');
      const err = await run(['-q'], bad);
      expect(err).toMatchObject({ code: 2, stdout: '', stderr: 'dockerfile-migrate: Dockerfile: the file is empty\n' });
    });
  });

  describe('bad input: exit 2, one line naming the file and the reason, nothing written', () => {
    const cases: { name: string; setup: (dir: string) => string[]; line: RegExp }[] = [
      {
        name: 'a binary file named Dockerfile',
        setup: (d) => (app(d, Buffer.from('FROM node:22\n\u0000\u0000\u0001\u0002RUN npm install\n', 'latin1')), ['Dockerfile']),
        line: /^dockerfile-migrate: Dockerfile: the file is binary \(it contains NUL bytes\)$/,
      },
      {
        name: 'an empty Dockerfile',
        setup: (d) => (app(d, ''), []),
        line: /^dockerfile-migrate: Dockerfile: the file is empty$/,
      },
      {
        name: 'a Dockerfile that is not valid UTF-8',
        setup: (d) => (
          app(
            d,
            Buffer.concat([
              Buffer.from('FROM node:22\nRUN echo '),
              Buffer.from([0xff, 0xfe, 0xc3]),
              Buffer.from('\nRUN npm install\n'),
            ]),
          ),
          ['Dockerfile']
        ),
        line: /^dockerfile-migrate: Dockerfile: the file is not valid UTF-8$/,
      },
      {
        name: 'a file with no FROM',
        setup: (d) => (
          app(d, 'WORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "server.js"]\n', 'api.Dockerfile'),
          ['api.Dockerfile']
        ),
        line: /^dockerfile-migrate: api\.Dockerfile: no FROM instruction/,
      },
      {
        name: 'a read-only Dockerfile with --write',
        setup: (d) => {
          app(d);
          fs.chmodSync(path.join(d, 'Dockerfile'), 0o444);
          return ['Dockerfile'];
        },
        line: /^dockerfile-migrate: Dockerfile: .*read-only; nothing was written$/,
      },
      {
        name: 'a missing path',
        setup: (d) => (app(d), ['nope/Dockerfile']),
        line: /^dockerfile-migrate: nope\/Dockerfile: no such file or directory$/,
      },
      {
        name: 'a directory without Dockerfiles',
        setup: (d) => (
          fs.mkdirSync(path.join(d, 'emptydir')),
          fs.writeFileSync(path.join(d, 'emptydir', 'README.md'), '# hi\n'),
          ['emptydir']
        ),
        line: /^dockerfile-migrate: emptydir: no Dockerfile found/,
      },
      {
        name: 'a directory named Dockerfile passed directly',
        setup: (d) => (
          app(path.join(d, 'app')),
          fs.mkdirSync(path.join(d, 'app', 'Dockerfile.d', 'Dockerfile'), { recursive: true }),
          ['app/Dockerfile.d/Dockerfile']
        ),
        line: /^dockerfile-migrate: app\/Dockerfile\.d\/Dockerfile: .*director/,
      },
      {
        name: '--context pointing at a missing directory',
        setup: (d) => (app(d), ['--context', 'nope', 'Dockerfile']),
        line: /^dockerfile-migrate: nope: the --context directory does not exist$/,
      },
    ];
    for (const c of cases) {
      it(c.name, async ({ expect }) => {
        const dir = tmp();
        const args = c.setup(dir);
        const before = snapshot(dir);
        const r = await run(['--write', ...args], dir);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).not.toMatch(STACK);
        expect(r.stderr).not.toContain('internal error');
        const lines = errorLines(r.stderr);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(c.line);
        expect(snapshot(dir)).toEqual(before);
      });
    }

    it('a batch survives one bad file: the good one is written, the exit code is 2', async ({ expect }) => {
      const root = tmp();
      app(path.join(root, 'good'));
      app(path.join(root, 'bad'), '');
      const badBefore = snapshot(path.join(root, 'bad'));
      const r = await run(['--write', '.'], root);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(STACK);
      expect(errorLines(r.stderr)).toEqual(['dockerfile-migrate: bad/Dockerfile: the file is empty']);
      expect(r.stderr).toContain('good/Dockerfile: migrated, written (and good/.dockerignore)\n');
      expect(r.stderr.endsWith('\n1 migrated, 0 unchanged, 0 skipped, 1 errors\n  errors: 1 empty-file\n')).toBe(true);
      expect(exists(root, 'good', '.dockerignore')).toBe(true);
      expect(read(root, 'good', 'Dockerfile')).not.toBe(NODE_DOCKERFILE);
      expect(snapshot(path.join(root, 'bad'))).toEqual(badBefore);
    });

    it("a batch dry run still prints the good file's patch", async ({ expect }) => {
      const root = tmp();
      app(path.join(root, 'good'));
      app(path.join(root, 'bad'), Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x00, 0x00]));
      const before = snapshot(root);
      const r = await run(['.'], root);
      expect(r.code).toBe(2);
      expect(r.stdout.startsWith('diff --git a/good/Dockerfile b/good/Dockerfile\n')).toBe(true);
      expect(errorLines(r.stderr)).toEqual(['dockerfile-migrate: bad/Dockerfile: the file is binary (it contains NUL bytes)']);
      expect(snapshot(root)).toEqual(before);
    });
  });

  describe('reported bugs (fail until fixed)', () => {
    it('a read-only Dockerfile: the error names the file once', async ({ expect }) => {
      const dir = app(tmp());
      fs.chmodSync(path.join(dir, 'Dockerfile'), 0o444);
      const r = await run(['--write'], dir);
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual(['dockerfile-migrate: Dockerfile: the file is read-only; nothing was written']);
    });

    it('-q still prints the error for a missing path', async ({ expect }) => {
      const dir = tmp();
      const r = await run(['-q', 'missing'], dir);
      expect(r).toMatchObject({ code: 2, stdout: '', stderr: 'dockerfile-migrate: missing: no such file or directory\n' });
    });

    it('a batch with a missing path still writes the good one and names the missing one', async ({ expect }) => {
      const root = tmp();
      app(path.join(root, 'good'));
      const r = await run(['--write', 'good', 'missing'], root);
      expect(r.code).toBe(2);
      expect(exists(root, 'good', '.dockerignore')).toBe(true);
      expect(errorLines(r.stderr)).toEqual(['dockerfile-migrate: missing: no such file or directory']);
    });

    it('from a subdirectory on ../Dockerfile, every patch path is relative to the current directory', async ({ expect }) => {
      const dir = app(tmp());
      fs.mkdirSync(path.join(dir, 'child'));
      const r = await run(['../Dockerfile'], path.join(dir, 'child'));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('diff --git a/../Dockerfile b/../Dockerfile\n');
      expect(r.stdout).not.toContain(dir);
      expect(r.stdout).toContain('+++ b/../.dockerignore\n');
    });
  });

  describe('compose', () => {
    it('a compose service running the tests in the Dockerfile named on the command line: a warning naming the file and the service', async ({
      expect,
    }) => {
      const dir = app(tmp(), NODE_DOCKERFILE, 'Dockerfile.ci');
      fs.writeFileSync(
        path.join(dir, 'docker-compose.yml'),
        'services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.ci\n    command: npm test\n',
      );
      const r = await run(['--dry-run', 'Dockerfile.ci'], dir);
      expect(r.code).toBe(0);
      expect(r.stderr.split('\n').filter((l) => l.includes('compose/'))).toEqual([
        '  warning compose/compose-test-command: docker-compose.yml service api runs `npm test` in this image: the migrated image has no devDependencies and no tests; keep a development target for it',
      ]);
    });
  });

  describe('progress line', () => {
    it.skipIf(!HAS_SCRIPT)(
      'over 50 files on a terminal: one line rewritten in place, gone before the summary; never when piped or with -q',
      async ({ expect }) => {
        const root = tmp();
        for (let i = 0; i < 55; i++) app(path.join(root, `app-${String(i).padStart(2, '0')}`));
        const copy = tmp();
        fs.cpSync(root, copy, { recursive: true });
        const tty = await runTty(['--write', '--no-color', '.'], root, { timeoutMs: 120000 });
        expect(tty.code).toBe(0);
        const out = tty.stdout;
        const last = '\r\x1b[Kdockerfile-migrate: 55/55 files: 55 migrated, 0 unchanged, 0 skipped, 0 errors';
        expect(out).toContain('\r\x1b[Kdockerfile-migrate: 1/55 files: 1 migrated,');
        // The last state, then the line cleared, then the summary as the last line.
        expect(out.endsWith(`${last}\r\x1b[K55 migrated, 0 unchanged, 0 skipped, 0 errors\n`)).toBe(true);
        // Each file's explanations start on a cleared line, never after the progress text.
        expect(out).toContain('\r\x1b[Kapp-01/Dockerfile: migrated, written (and app-01/.dockerignore)\n');

        const piped = await run(['--write', '.'], copy, { timeoutMs: 120000 });
        expect(piped.code).toBe(0);
        expect(piped.stderr).not.toContain('\r');
        expect(piped.stderr).not.toContain('files:');
        const quiet = await runTty(['--check', '-q', '.'], root, { timeoutMs: 120000 });
        expect(quiet).toMatchObject({ code: 0, stdout: '' });
      },
      240000,
    );
  });

  describe('configuration file', () => {
    it('applies to the run; a flag wins over it; --print-config shows the result as JSON and exits 0', async ({ expect }) => {
      const dir = app(tmp());
      fs.writeFileSync(path.join(dir, '.dockerfile-migraterc.yml'), 'skip: [dockerignore, non-root]\n');
      const before = snapshot(dir);
      const r = await run(['--dry-run', '.'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('.dockerignore');
      expect(r.stdout).not.toContain('USER node');
      const flag = await run(['--dry-run', '--skip', 'non-root', '.'], dir);
      expect(flag.stdout).toContain('+++ b/.dockerignore');
      expect(flag.stdout).not.toContain('USER node');

      const p = await run(['--print-config', 'Dockerfile', '--runtime-base', 'alpine'], dir);
      expect(p).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(p.stdout)).toEqual({
        file: 'Dockerfile',
        configFile: '.dockerfile-migraterc.yml',
        overrides: [],
        ignored: false,
        transforms: TRANSFORM_IDS.filter((t) => t !== 'dockerignore' && t !== 'non-root'),
        runtimeBase: 'alpine',
      });
      expect(snapshot(dir)).toEqual(before);
    });

    it('a bad configuration: exit 2, one line naming the file and the key, nothing written, whatever the mode', async ({
      expect,
    }) => {
      const root = tmp();
      app(path.join(root, 'a'));
      app(path.join(root, 'b'));
      fs.writeFileSync(path.join(root, 'b', '.dockerfile-migrate.json'), '{"overrides": [{"files": "x", "runtimeBase": 3}]}\n');
      const before = snapshot(root);
      const line =
        'dockerfile-migrate: b/.dockerfile-migrate.json: "overrides[0].runtimeBase" must be slim, alpine, distroless, full or an image name (got number 3)\n';
      for (const args of [
        ['--write', '.'],
        ['--json', '.'],
        ['--print-config', 'b/Dockerfile'],
      ]) {
        const r = await run(args, root);
        expect(r, args.join(' ')).toMatchObject({ code: 2, stdout: '', stderr: line });
      }
      expect(snapshot(root)).toEqual(before);
    });

    it('a Dockerfile named on the command line that the configuration ignores: skipped, code ignored, not written', async ({
      expect,
    }) => {
      const root = tmp();
      app(path.join(root, 'legacy'));
      app(path.join(root, 'api'));
      fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ 'dockerfile-migrate': { ignore: ['legacy/'] } }));
      const before = snapshot(path.join(root, 'legacy'));
      const r = await run(['--write', 'legacy/Dockerfile', 'api/Dockerfile'], root);
      expect(r.code).toBe(0);
      expect(r.stderr.split('\n')[0]).toBe('legacy/Dockerfile: skipped (ignored: matches an ignore glob of package.json)');
      expect(r.stderr.endsWith('\n1 migrated, 0 unchanged, 1 skipped, 0 errors\n  skipped: 1 ignored\n')).toBe(true);
      expect(snapshot(path.join(root, 'legacy'))).toEqual(before);
      expect(read(root, 'api', 'Dockerfile')).not.toBe(NODE_DOCKERFILE);
      // Found by a search, it is simply not there.
      const j = await run(['--json', '.'], root);
      expect((JSON.parse(j.stdout) as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(['api/Dockerfile']);
    });
  });

  describe('discovery', () => {
    it('finds Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile; skips node_modules and .git; survives a link loop', async ({
      expect,
    }) => {
      const root = tmp();
      const x = path.join(root, 'x');
      app(x);
      for (const name of ['Dockerfile.prod', 'api.Dockerfile', 'web.dockerfile'])
        fs.writeFileSync(path.join(x, name), NODE_DOCKERFILE);
      app(path.join(x, 'svc'));
      app(path.join(x, 'node_modules', 'some-pkg'));
      app(path.join(x, '.git'));
      fs.writeFileSync(path.join(x, 'README.md'), '# hello\n');
      fs.symlinkSync('..', path.join(x, 'loop'));
      fs.symlinkSync('..', path.join(x, 'svc', 'loop'));
      const before = snapshot(root);

      const r = await run(['--json', 'x'], root, { timeoutMs: 10000 });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      const doc = parseJsonReport(r.stdout);
      expect(doc.files.map((f) => f.path).sort()).toEqual([
        'x/Dockerfile',
        'x/Dockerfile.prod',
        'x/api.Dockerfile',
        'x/svc/Dockerfile',
        'x/web.dockerfile',
      ]);
      for (const f of doc.files) expect(f.status).toBe('migrated');
      expect(snapshot(root)).toEqual(before);

      // the default path is the current directory
      const cwdRun = await run(['--json'], x, { timeoutMs: 10000 });
      expect(cwdRun.code).toBe(0);
      expect(
        parseJsonReport(cwdRun.stdout)
          .files.map((f) => f.path)
          .sort(),
      ).toEqual(['Dockerfile', 'Dockerfile.prod', 'api.Dockerfile', 'svc/Dockerfile', 'web.dockerfile']);
    });

    it('finds dockerfile and DockerFile in any letter case; never lists a Dockerfile under .devcontainer/', async ({
      expect,
    }) => {
      const root = tmp();
      app(path.join(root, 'lower'), NODE_DOCKERFILE, 'dockerfile');
      app(path.join(root, 'camel'), NODE_DOCKERFILE, 'DockerFile');
      app(path.join(root, 'upper'), NODE_DOCKERFILE, 'DOCKERFILE.prod');
      app(path.join(root, 'svc'), NODE_DOCKERFILE, 'api.DockerFile');
      app(path.join(root, '.devcontainer'));
      app(path.join(root, 'svc', '.devcontainer'), NODE_DOCKERFILE, 'dev.Dockerfile');
      const before = snapshot(root);

      const r = await run(['--json', '.'], root);
      expect(r.code).toBe(0);
      const doc = parseJsonReport(r.stdout);
      expect(doc.files.map((f) => f.path).sort()).toEqual([
        'camel/DockerFile',
        'lower/dockerfile',
        'svc/api.DockerFile',
        'upper/DOCKERFILE.prod',
      ]);
      for (const f of doc.files) expect(f.status).toBe('migrated');
      expect(snapshot(root)).toEqual(before);
    });

    it('a .devcontainer Dockerfile named on the command line is skipped with code devcontainer, not written', async ({
      expect,
    }) => {
      const root = tmp();
      app(path.join(root, '.devcontainer'));
      const before = snapshot(root);

      const w = await run(['--write', '.devcontainer/Dockerfile'], root);
      expect(w.code).toBe(0);
      expect(w.stdout).toBe('');
      expect(w.stderr).toBe(
        '.devcontainer/Dockerfile: skipped (devcontainer: a dev container definition (.devcontainer/): it builds a development environment, not a production image)\n' +
          '0 migrated, 0 unchanged, 1 skipped, 0 errors\n',
      );
      expect(snapshot(root)).toEqual(before);

      // the directory itself named: its Dockerfile is reported the same way
      const j = await run(['--json', '.devcontainer'], root);
      expect(j.code).toBe(0);
      const doc = parseJsonReport(j.stdout);
      expect(doc.files.map((f) => [f.path, f.status, f.code])).toEqual([['.devcontainer/Dockerfile', 'skipped', 'devcontainer']]);
      expect(snapshot(root)).toEqual(before);
    });
  });
});
