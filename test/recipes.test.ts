/**
 * The recipes of docs/batch.md ("Migrating many repositories"), run the way each engine runs
 * them, on local git repositories (npm, yarn, pnpm, a monorepo, one already multi-stage, one not
 * Node.js, one without a Dockerfile, one with a Dockerfile the tool cannot read).
 *
 * The engines themselves are not run (no network here): each one's documented and coded
 * behaviour is reproduced, from its source:
 * - multi-gitter `run`: clones, branches, runs the script in the clone with REPOSITORY (and
 *   DRY_RUN=true under --dry-run); a non-zero exit is an error; `git status -s` empty is "no
 *   change"; otherwise `git add .` and `git commit`, then the pull request.
 * - git-xargs: clones, branches, runs the command (no shell) with XARGS_DRY_RUN, XARGS_REPO_NAME,
 *   XARGS_REPO_OWNER; a non-zero exit is an error; a clean worktree is left alone; otherwise every
 *   untracked file is added and everything committed (`commit -a`).
 * - Sourcegraph (src batch): the repository archive in a fresh `git init` + `git add --force
 *   --all` + commit; one workspace per directory holding a package.json (rootAtLocationOf); the
 *   step's `run` written to a file and run by bash in the workspace directory; then `git add
 *   --all` and `git diff --cached`: an empty diff gives no changeset; the changeset template is
 *   rendered with steps.path and the step's outputs.
 *
 * `npx` is a stand-in that runs the package built from this checkout (the recipes pin a version,
 * checked against package.json below). Everything else in the commands is taken from docs/batch.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, NODE_DOCKERFILE, ROOT, app, baseEnv, read, useCliHarness } from './cli-harness.js';
import { findCase } from './case-harness.js';

useCliHarness('dfm-recipes-');
// Every directory of this file under one root, removed by this file's own afterAll: the clones and
// repositories are many small files, slow to remove on a loaded machine.
let root = '';
let dirs = 0;
const tmp = () => {
  if (!root) root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-recipes-')));
  const d = path.join(root, String(dirs++));
  fs.mkdirSync(d);
  return d;
};
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
}, 120_000);
const PKG = JSON.parse(read(ROOT, 'package.json')) as { version: string };
const BATCH_DOC = read(ROOT, 'docs', 'batch.md');
const TIMEOUT = 240_000;

// ---------------------------------------------------------------------------------------------
// The blocks and command lines of docs/batch.md
// ---------------------------------------------------------------------------------------------

/** The fenced block right after `<!-- marker -->` in docs/batch.md. */
function docBlock(marker: string): string {
  const tag = `<!-- ${marker} -->`;
  const at = BATCH_DOC.indexOf(tag);
  if (at < 0) throw new Error(`docs/batch.md has no ${tag}`);
  const m = /^\s*```[a-z]*\n([\s\S]*?)^```$/m.exec(BATCH_DOC.slice(at + tag.length));
  if (!m || m.index !== 0) throw new Error(`no fenced block right after ${tag}`);
  return m[1];
}

/** Shell words of a command line: quotes, backslash-newline continuations and $PWD, as sh reads them. */
function shellWords(line: string, pwd: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && line[i + 1] === '\n') i++;
    else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end).replace(/\$PWD\b/g, pwd);
      i = end;
    } else if (line.startsWith('$PWD', i)) {
      cur = (cur ?? '') + pwd;
      i += 3;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) words.push(cur);
  return words;
}

// ---------------------------------------------------------------------------------------------
// Processes and git
// ---------------------------------------------------------------------------------------------

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
}

let npxDir = '';

/** Run a program (no shell) with the test's environment, the npx stand-in first on PATH, and env. */
function exec(file: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const e = baseEnv({ PATH: `${npxDir}${path.delimiter}${process.env.PATH}`, ...env });
    const child = spawn(file, args, { cwd, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', ['-c', 'user.name=Recipes', '-c', 'user.email=recipes@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}): ${r.stderr}`);
  return r.stdout;
}

/** `git status --porcelain` paths (untracked files listed one by one), sorted. */
function dirty(clone: string): string[] {
  return git(['status', '--porcelain', '--untracked-files=all'], clone)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3))
    .sort();
}

/** Files the last commit changed, sorted. */
function committed(clone: string): string[] {
  return git(['show', '--name-only', '--format=', 'HEAD'], clone).split('\n').filter(Boolean).sort();
}

// ---------------------------------------------------------------------------------------------
// The repositories
// ---------------------------------------------------------------------------------------------

/** A fixture case's Dockerfile with its build context. */
const fixture = (id: string) => ({ ...findCase(id).files });
const npmApp = () => {
  const d = tmp();
  app(d);
  return Object.fromEntries(fs.readdirSync(d).map((f) => [f, read(d, f)]));
};
const under = (dir: string, files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([f, c]) => [`${dir}/${f}`, c]));

const PYTHON_DOCKERFILE =
  'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n';

/** name -> files; built in beforeAll (already-multi-stage holds a migration made by the tool). */
const REPOS: Record<string, Record<string, string>> = {};
/** What the tool itself reports per repository (its --json dry run): the files a run may change. */
const REPORTED: Record<string, string[]> = {};
let origins = '';

type Outcome = 'pull-request' | 'no-change' | 'error';
const FIRST_RUN: Record<string, Outcome> = {
  'npm-api': 'pull-request',
  'yarn-web': 'pull-request',
  'pnpm-worker': 'pull-request',
  monorepo: 'pull-request',
  'already-multi-stage': 'no-change',
  'python-service': 'no-change',
  library: 'no-change',
  broken: 'error',
};
/** After the pull requests are merged: nothing left to do, and the broken repository still fails. */
const SECOND_RUN: Record<string, Outcome> = Object.fromEntries(
  Object.keys(FIRST_RUN).map((r) => [r, r === 'broken' ? 'error' : 'no-change']),
);

beforeAll(async () => {
  npxDir = tmp();
  fs.writeFileSync(
    path.join(npxDir, 'npx'),
    [
      '#!/bin/sh',
      '# Stands in for npx: `npx [--yes] dockerfile-migrate@<version> ARGS` runs the package built from this checkout.',
      '[ "$1" = --yes ] && shift',
      'case "$1" in',
      '  dockerfile-migrate@*) shift ;;',
      '  *) echo "npx stand-in: unexpected package: $1" >&2; exit 127 ;;',
      'esac',
      `exec '${process.execPath}' '${CLI}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );

  // A repository someone already migrated: the tool's own output for the npm app.
  const done = tmp();
  app(done);
  const migrated = await exec(process.execPath, [CLI, '--write', '-q'], done);
  if (migrated.code !== 0) throw new Error(migrated.stderr);

  Object.assign(REPOS, {
    'npm-api': npmApp(),
    'yarn-web': fixture('split-stages/yarn-classic'),
    'pnpm-worker': fixture('split-stages/pnpm'),
    monorepo: {
      'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }, null, 2) + '\n',
      ...under('packages/api', npmApp()),
      ...under('packages/web', fixture('split-stages/yarn-classic')),
      'packages/lib/package.json': JSON.stringify({ name: 'lib', version: '1.0.0', main: 'index.js' }, null, 2) + '\n',
      'packages/lib/index.js': 'module.exports = 42;\n',
    },
    'already-multi-stage': { ...npmApp(), Dockerfile: read(done, 'Dockerfile'), '.dockerignore': read(done, '.dockerignore') },
    'python-service': { Dockerfile: PYTHON_DOCKERFILE, 'requirements.txt': 'flask\n', 'app.py': 'print("hi")\n' },
    library: {
      'package.json': JSON.stringify({ name: 'a-library', version: '1.0.0', main: 'index.js' }, null, 2) + '\n',
      'index.js': 'module.exports = () => 1;\n',
    },
    // A Dockerfile the tool migrates and one it cannot read (empty).
    broken: { ...npmApp(), 'Dockerfile.worker': '' },
  });

  origins = tmp();
  for (const [name, files] of Object.entries(REPOS)) {
    const work = path.join(tmp(), name);
    for (const [f, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
      fs.writeFileSync(path.join(work, f), content);
    }
    git(['-c', 'init.defaultBranch=main', 'init', '-q'], work);
    git(['add', '-A'], work);
    git(['commit', '-q', '-m', 'initial'], work);
    git(['clone', '-q', '--bare', work, path.join(origins, `${name}.git`)], origins);

    const r = await exec(process.execPath, [CLI, '--json'], work);
    const doc = JSON.parse(r.stdout) as { files: { path: string; status: string; files: { path: string }[] }[] };
    REPORTED[name] = doc.files
      .filter((f) => f.status === 'migrated')
      .flatMap((f) => [f.path, ...f.files.map((x) => x.path)])
      .sort();
  }
  expect(REPORTED['npm-api']).toEqual(['.dockerignore', 'Dockerfile']);
  expect(REPORTED['monorepo']).toEqual([
    'packages/api/.dockerignore',
    'packages/api/Dockerfile',
    'packages/web/.dockerignore',
    'packages/web/Dockerfile',
  ]);
  expect(REPORTED['already-multi-stage']).toEqual([]);
  expect(REPORTED['broken']).toEqual(['.dockerignore', 'Dockerfile']);
}, TIMEOUT);

const origin = (name: string) => path.join(origins, `${name}.git`);

/** A fresh clone of the repository on a new branch, as every engine starts. */
function checkout(name: string, branch: string): string {
  const clone = path.join(tmp(), name);
  git(['clone', '-q', origin(name), clone], path.dirname(clone));
  git(['checkout', '-q', '-b', branch], clone);
  return clone;
}

/** Merge the pull request: the branch becomes the default branch of the origin. */
function merge(clone: string) {
  git(['push', '-q', '--force', 'origin', 'HEAD:main'], clone);
}

/** Put every origin back to its first commit (each engine's test starts from the same repositories). */
function resetOrigins() {
  for (const name of Object.keys(REPOS)) {
    const first = git(['rev-list', '--max-parents=0', 'main'], origin(name)).trim();
    git(['update-ref', 'refs/heads/main', first], origin(name));
  }
}

// ---------------------------------------------------------------------------------------------
// The engines
// ---------------------------------------------------------------------------------------------

interface RepoRun extends Proc {
  name: string;
  outcome: Outcome;
  clone: string;
  /** What the tree held after the command, before the engine committed (git status). */
  dirty: string[];
}

const BRANCH = 'dockerfile-migrate';

/** multi-gitter run SCRIPT: internal/multigitter/run.go (runSingleRepo) and internal/git/cmdgit. */
async function multiGitter(name: string, script: string, opts: { dryRun?: boolean; env?: Record<string, string> } = {}) {
  const clone = checkout(name, BRANCH);
  const r = await exec(script, [], clone, {
    REPOSITORY: `my-org/${name}`,
    ...(opts.dryRun ? { DRY_RUN: 'true' } : {}),
    ...opts.env,
  });
  const left = dirty(clone);
  let outcome: Outcome;
  if (r.code !== 0) outcome = 'error';
  else if (!git(['status', '-s'], clone).trim()) outcome = 'no-change';
  else {
    git(['add', '.'], clone);
    git(['commit', '-q', '--no-verify', '-m', 'Migrate to a multi-stage Dockerfile (dockerfile-migrate)'], clone);
    outcome = 'pull-request';
  }
  return { ...r, name, outcome, clone, dirty: left } satisfies RepoRun;
}

/** git-xargs ... COMMAND: repository/repo-operations.go (executeCommand, updateRepo, commitLocalChanges). */
async function gitXargs(name: string, command: string[], opts: { dryRun?: boolean; env?: Record<string, string> } = {}) {
  const clone = checkout(name, BRANCH);
  const r = await exec(command[0], command.slice(1), clone, {
    XARGS_DRY_RUN: opts.dryRun ? 'true' : 'false',
    XARGS_REPO_NAME: name,
    XARGS_REPO_OWNER: 'my-org',
    ...opts.env,
  });
  const left = dirty(clone);
  let outcome: Outcome;
  if (r.code !== 0) outcome = 'error';
  else if (!left.length) outcome = 'no-change';
  else {
    for (const l of git(['status', '--porcelain', '--untracked-files=all'], clone).split('\n'))
      if (l.startsWith('?? ')) git(['add', '--', l.slice(3)], clone);
    git(['commit', '-q', '-a', '-m', '[skip ci] Migrate to a multi-stage Dockerfile (dockerfile-migrate)'], clone);
    outcome = 'pull-request';
  }
  return { ...r, name, outcome, clone, dirty: left } satisfies RepoRun;
}

interface BatchSpec {
  version: number;
  name: string;
  on: { repositoriesMatchingQuery?: string }[];
  workspaces: { rootAtLocationOf: string; in?: string }[];
  steps: { run: string; container: string; outputs: Record<string, { value: string; format?: string }> }[];
  changesetTemplate: { title: string; body: string; branch: string; commit: { message: string }; published: boolean };
}

/**
 * The part of Sourcegraph's templating (Go text/template between `${{` and `}}`) the batch spec
 * uses: names, string literals, and calls of join_if and replace, parenthesized or not.
 */
function render(template: string, vars: Record<string, string>): string {
  type Fn = (...a: string[]) => string;
  const funcs: Record<string, Fn> = {
    join_if: (sep, ...elems) => elems.filter((e) => e !== '').join(sep),
    replace: (s, from, to) => s.split(from).join(to), // strings.ReplaceAll
  };
  return template.replace(/\$\{\{(.*?)\}\}/g, (_, expr: string) => {
    const tokens = expr.match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()]+/g) ?? [];
    let i = 0;
    const operand = (): string | Fn => {
      const t = tokens[i++];
      if (t === '(') {
        const v = pipeline();
        if (tokens[i++] !== ')') throw new Error(`template: no ) in ${expr}`);
        return v;
      }
      if (t.startsWith('"')) return JSON.parse(t) as string;
      if (t in funcs) return funcs[t];
      if (t in vars) return vars[t];
      throw new Error(`template: unknown name ${t} in ${expr}`);
    };
    const pipeline = (): string => {
      const head = operand();
      if (typeof head === 'string') return head;
      const args: string[] = [];
      while (i < tokens.length && tokens[i] !== ')') {
        const a = operand();
        if (typeof a !== 'string') throw new Error(`template: a function as an argument in ${expr}`);
        args.push(a);
      }
      return head(...args);
    };
    const value = pipeline();
    if (i !== tokens.length) throw new Error(`template: left over in ${expr}`);
    return value;
  });
}

interface Changeset {
  repo: string;
  path: string;
  title: string;
  branch: string;
  body: string;
  files: string[];
  diff: string;
}
interface WorkspaceRun extends Proc {
  repo: string;
  path: string;
  outcome: 'changeset' | 'no-changeset' | 'error';
  changeset?: Changeset;
}

/** src batch: the archive, the workspaces, the step, the diff and the changeset template. */
async function sourcegraph(name: string, spec: BatchSpec): Promise<WorkspaceRun[]> {
  // The repository archive (no .git), then src's own repository around it.
  const archive = tmp();
  git(['--git-dir', origin(name), 'archive', '--format=tar', '-o', path.join(archive, 'repo.tar'), 'main'], archive);
  const manifests = git(['--git-dir', origin(name), 'ls-tree', '-r', '--name-only', 'main'], archive)
    .split('\n')
    .filter((f) => path.posix.basename(f) === spec.workspaces[0].rootAtLocationOf);
  const runs: WorkspaceRun[] = [];
  for (const manifest of manifests) {
    const wsPath = path.posix.dirname(manifest) === '.' ? '' : path.posix.dirname(manifest);
    const work = tmp();
    spawnSync('tar', ['-xf', path.join(archive, 'repo.tar'), '-C', work]);
    git(['init', '-q'], work);
    git(['add', '--force', '--all'], work);
    git(['commit', '-q', '--all', '-m', 'sourcegraph-batch-changes'], work);

    const outputs: Record<string, string> = {};
    let failed: Proc | null = null;
    let last: Proc = { code: 0, stdout: '', stderr: '' };
    for (const step of spec.steps) {
      const scriptFile = path.join(tmp(), 'step.sh');
      fs.writeFileSync(scriptFile, step.run);
      last = await exec('bash', [scriptFile], path.join(work, wsPath));
      if (last.code !== 0) {
        failed = last;
        break;
      }
      for (const [k, o] of Object.entries(step.outputs ?? {}))
        outputs[`outputs.${k}`] = render(o.value, { 'step.stdout': last.stdout, 'step.stderr': last.stderr });
    }
    if (failed) {
      runs.push({ ...failed, repo: name, path: wsPath, outcome: 'error' });
      continue;
    }
    git(['add', '--all'], work);
    const diff = git(['diff', '--cached', '--no-prefix', '--binary'], work);
    if (!diff) {
      runs.push({ ...last, repo: name, path: wsPath, outcome: 'no-changeset' });
      continue;
    }
    const vars = { 'steps.path': wsPath, ...outputs };
    const t = spec.changesetTemplate;
    runs.push({
      ...last,
      repo: name,
      path: wsPath,
      outcome: 'changeset',
      changeset: {
        repo: name,
        path: wsPath,
        title: render(t.title, vars),
        branch: render(t.branch, vars),
        body: render(t.body, vars),
        files: git(['diff', '--cached', '--name-only'], work).split('\n').filter(Boolean).sort(),
        diff,
      },
    });
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// The recipes as docs/batch.md gives them
// ---------------------------------------------------------------------------------------------

const recipe = {
  multiGitterScript: 'examples/multi-gitter/migrate.sh',
  gitXargsScript: 'examples/git-xargs/migrate.sh',
  batchSpec: 'examples/sourcegraph/batch-spec.yaml',
};

/** multi-gitter's command line in docs/batch.md: `multi-gitter run SCRIPT --flags`, SCRIPT from this checkout. */
function multiGitterCommand(): { script: string; words: string[] } {
  const words = shellWords(docBlock('recipe: multi-gitter').trim(), ROOT);
  expect(words.slice(0, 2)).toEqual(['multi-gitter', 'run']);
  return { script: path.resolve(ROOT, words[2]), words };
}

/** git-xargs's command line in docs/batch.md: flags (urfave/cli: up to the first non-flag word), then the command. */
function gitXargsCommand(): { command: string[]; flags: Record<string, string> } {
  const words = shellWords(docBlock('recipe: git-xargs').trim(), ROOT);
  expect(words[0]).toBe('git-xargs');
  const WITH_VALUE = new Set([
    '--repos',
    '--repo',
    '--github-org',
    '--branch-name',
    '--commit-message',
    '--pull-request-title',
    '--pull-request-description',
  ]);
  const flags: Record<string, string> = {};
  let i = 1;
  for (; i < words.length && words[i].startsWith('--'); i++) {
    if (!WITH_VALUE.has(words[i])) throw new Error(`git-xargs flag not known to this test: ${words[i]}`);
    flags[words[i]] = words[++i];
  }
  return { command: words.slice(i), flags };
}

const outcomes = (runs: { name: string; outcome: Outcome }[]) => Object.fromEntries(runs.map((r) => [r.name, r.outcome]));

// ---------------------------------------------------------------------------------------------

describe('the recipes in docs/batch.md', () => {
  it('show the recipe files verbatim, which pin the version of this package', ({ expect }) => {
    const pin = `dockerfile-migrate@${PKG.version.split('.').slice(0, 2).join('.')}`;
    for (const file of Object.values(recipe)) {
      const text = read(ROOT, file);
      expect(docBlock(`file: ${file}`), file).toBe(text);
      const calls = text.match(/npx --yes dockerfile-migrate@\S+/g) ?? [];
      expect(calls.length, file).toBe(1);
      expect(calls[0], file).toBe(`npx --yes ${pin}`);
    }
    for (const script of [recipe.multiGitterScript, recipe.gitXargsScript])
      expect(fs.statSync(path.join(ROOT, script)).mode & 0o111, `${script} is executable`).not.toBe(0);
    expect(multiGitterCommand().script).toBe(path.join(ROOT, recipe.multiGitterScript));
    expect(gitXargsCommand().command).toEqual([path.join(ROOT, recipe.gitXargsScript)]);
  });

  it('the batch spec is version 2, one workspace per package.json, one step, a unique branch per workspace', ({ expect }) => {
    const spec = parseYaml(read(ROOT, recipe.batchSpec)) as BatchSpec;
    expect(Object.keys(spec).sort()).toEqual([
      'changesetTemplate',
      'description',
      'name',
      'on',
      'steps',
      'version',
      'workspaces',
    ]);
    expect(spec.version).toBe(2);
    expect(spec.name).toMatch(/^[\w.-]+$/);
    expect(spec.on).toHaveLength(1);
    expect(spec.on[0].repositoriesMatchingQuery).toMatch(/patterntype:regexp/);
    expect(spec.workspaces).toEqual([{ rootAtLocationOf: 'package.json' }]);
    expect(spec.steps).toHaveLength(1);
    expect(spec.steps[0].container).toMatch(/^node:\d+$/);
    expect(spec.steps[0].outputs).toEqual({ report: { value: '${{ step.stdout }}' } });
    expect(spec.changesetTemplate.body).toBe('${{ outputs.report }}');
    expect(spec.changesetTemplate.published).toBe(false);
    expect(spec.changesetTemplate.commit.message).toBeTruthy();
    // The branch, rendered for the root and for nested workspaces: valid and distinct.
    const branches = ['', 'packages/api', 'packages/web'].map((p) => render(spec.changesetTemplate.branch, { 'steps.path': p }));
    expect(branches).toEqual(['dockerfile-migrate', 'dockerfile-migrate-packages-api', 'dockerfile-migrate-packages-web']);
  });
});

describe('multi-gitter: the script runs in each clone; exit 0 and a changed tree make the pull request', () => {
  it(
    'first run: pull requests where there is something to migrate, holding exactly what the tool reports; an error for the unreadable Dockerfile; a second run after the merges changes nothing',
    async ({ expect }) => {
      resetOrigins();
      const { script } = multiGitterCommand();
      const first = await Promise.all(Object.keys(REPOS).map((name) => multiGitter(name, script)));
      expect(outcomes(first)).toEqual(FIRST_RUN);
      for (const r of first) {
        // Nothing but what the tool reported: no backup, no temporary file, nothing else.
        expect(r.dirty, r.name).toEqual(REPORTED[r.name]);
        expect(r.stdout, r.name).toBe(''); // --quiet: nothing for the log but errors
        if (r.outcome === 'pull-request') expect(committed(r.clone), r.name).toEqual(REPORTED[r.name]);
        if (r.outcome === 'error') expect(r.stderr).toBe('dockerfile-migrate: Dockerfile.worker: the file is empty\n');
        else expect(r.stderr, r.name).toBe('');
        if (r.outcome === 'pull-request') merge(r.clone);
      }

      const second = await Promise.all(Object.keys(REPOS).map((name) => multiGitter(name, script)));
      expect(outcomes(second)).toEqual(SECOND_RUN);
      for (const r of second) if (r.outcome !== 'error') expect(r.dirty, r.name).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'under multi-gitter --dry-run (DRY_RUN=true): nothing is written, the diff goes to the log, errors are still errors',
    async ({ expect }) => {
      resetOrigins();
      const { script } = multiGitterCommand();
      const runs = await Promise.all(Object.keys(REPOS).map((name) => multiGitter(name, script, { dryRun: true })));
      expect(outcomes(runs)).toEqual({ ...SECOND_RUN });
      for (const r of runs) {
        expect(r.dirty, r.name).toEqual([]);
        // The patch multi-gitter logs names every file a real run changes.
        const patched = [...r.stdout.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]).sort();
        expect(patched, r.name).toEqual(REPORTED[r.name]);
      }
    },
    TIMEOUT,
  );

  it('a repository without any Dockerfile: nothing to do, exit 0; a directory named on the command line without one is still an error', async ({
    expect,
  }) => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"lib","version":"1.0.0"}\n');
    const cli = (args: string[]) => exec(process.execPath, [CLI, ...args], dir);
    expect(await cli(['--write', '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const plain = await cli(['--write']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe(
      'no Dockerfile found under the current directory: nothing to do\n0 migrated, 0 unchanged, 0 skipped, 0 errors\n',
    );
    const json = await cli(['--write', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ files: [], summary: { files: 0, error: 0 } });
    expect((await cli(['--check'])).code).toBe(0);
    const named = await cli(['--write', '.']);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/^dockerfile-migrate: \.: no Dockerfile found in this directory$/m);
    expect(fs.readdirSync(dir)).toEqual(['package.json']);
  });

  it('DRY_RUN=true makes only --write a dry run, and only with REPOSITORY set (a multi-gitter run)', async ({ expect }) => {
    const dir = app(tmp());
    git(['-c', 'init.defaultBranch=main', 'init', '-q'], dir);
    git(['add', '-A'], dir);
    git(['commit', '-q', '-m', 'initial'], dir);
    const cli = (args: string[], env: Record<string, string | undefined>) => exec(process.execPath, [CLI, ...args], dir, env);

    // --check never passes because of DRY_RUN.
    const check = await cli(['--check'], { DRY_RUN: 'true', REPOSITORY: 'my-org/app' });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^diff --git a\/Dockerfile b\/Dockerfile$/m);

    const dry = await cli(['--write'], { DRY_RUN: 'true', REPOSITORY: 'my-org/app' });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/^DRY_RUN=true \(multi-gitter --dry-run\): --write writes nothing, the diff goes to stdout$/m);
    expect(dry.stdout).toMatch(/^diff --git a\/Dockerfile b\/Dockerfile$/m);
    expect(dirty(dir)).toEqual([]);
    const json = await cli(['--write', '--json'], { DRY_RUN: 'true', REPOSITORY: 'my-org/app' });
    expect((JSON.parse(json.stdout) as { mode: string }).mode).toBe('dry-run');
    expect(dirty(dir)).toEqual([]);

    // Any other DRY_RUN value, or no REPOSITORY: a plain --write.
    for (const env of [
      { DRY_RUN: 'true', REPOSITORY: undefined },
      { DRY_RUN: '1', REPOSITORY: 'my-org/app' },
    ]) {
      const w = await cli(['--write', '-q'], env);
      expect(w.code, JSON.stringify(env)).toBe(0);
      expect(w.stdout).toBe('');
      expect(dirty(dir), JSON.stringify(env)).toEqual(['.dockerignore', 'Dockerfile']);
      git(['checkout', '-q', '--', '.'], dir);
      git(['clean', '-qfd'], dir);
    }
    // --help says so.
    const help = await cli(['--help'], {});
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'with DRY_RUN=true and REPOSITORY set (multi-gitter run --dry-run), print the diff instead and write nothing',
    );
  });
});

describe('git-xargs: the command runs in each clone; whatever it leaves changed or new is committed', () => {
  it(
    'first run: commits holding exactly what the tool reports; an error for the unreadable Dockerfile; a second run after the merges changes nothing',
    async ({ expect }) => {
      resetOrigins();
      const { command } = gitXargsCommand();
      const first = await Promise.all(Object.keys(REPOS).map((name) => gitXargs(name, command)));
      expect(outcomes(first)).toEqual(FIRST_RUN);
      for (const r of first) {
        expect(r.dirty, r.name).toEqual(REPORTED[r.name]);
        if (r.outcome === 'pull-request') {
          expect(committed(r.clone), r.name).toEqual(REPORTED[r.name]);
          expect(dirty(r.clone), r.name).toEqual([]);
          merge(r.clone);
        }
      }
      const second = await Promise.all(Object.keys(REPOS).map((name) => gitXargs(name, command)));
      expect(outcomes(second)).toEqual(SECOND_RUN);
      for (const r of second) if (r.outcome !== 'error') expect(r.dirty, r.name).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'XARGS_DRY_RUN=true is not read: git-xargs --dry-run pushes nothing, the command runs as always',
    async ({ expect }) => {
      resetOrigins();
      const { command } = gitXargsCommand();
      const r = await gitXargs('npm-api', command, { dryRun: true });
      expect(r.outcome).toBe('pull-request');
      expect(committed(r.clone)).toEqual(REPORTED['npm-api']);
    },
    TIMEOUT,
  );

  describe('a write that fails half-way through a batch (disk full at the nth rename)', () => {
    // Three services; the renames are svc-a/Dockerfile (1), svc-a/.dockerignore (2),
    // svc-b/Dockerfile (3), svc-b/.dockerignore (4), svc-c/Dockerfile (5), svc-c/.dockerignore (6).
    const FAIL_PRELOAD = `'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
const at = Number(process.env.FAIL_RENAME_AT);
let n = 0;
const { renameSync } = fs;
fs.renameSync = function (from, to) {
  if (++n === at) {
    const e = new Error("ENOSPC: no space left on device, rename '" + from + "' -> '" + to + "'");
    e.code = 'ENOSPC';
    throw e;
  }
  return renameSync.call(this, from, to);
};
syncBuiltinESMExports();
`;
    for (const at of [3, 4]) {
      it(
        `rename ${at} fails: exit 2, svc-b left exactly as it was, the others written, no temporary file, nothing committed`,
        async ({ expect }) => {
          const preload = path.join(tmp(), 'fail-rename.cjs');
          fs.writeFileSync(preload, FAIL_PRELOAD);
          const work = tmp();
          for (const s of ['svc-a', 'svc-b', 'svc-c']) app(path.join(work, s));
          git(['-c', 'init.defaultBranch=main', 'init', '-q'], work);
          git(['add', '-A'], work);
          git(['commit', '-q', '-m', 'initial'], work);
          const name = `three-services-${at}`;
          git(['clone', '-q', '--bare', work, origin(name)], origins);

          const { command } = gitXargsCommand();
          const r = await gitXargs(name, command, { env: { NODE_OPTIONS: `--require ${preload}`, FAIL_RENAME_AT: String(at) } });
          expect(r.outcome).toBe('error');
          expect(r.stderr).toMatch(
            new RegExp(
              `^dockerfile-migrate: svc-b/Dockerfile: could not write: ENOSPC: no space left on device, rename .*; nothing was written\\n$`,
            ),
          );
          // git status: svc-a and svc-c, nothing of svc-b, no temporary file.
          expect(r.dirty).toEqual(['svc-a/.dockerignore', 'svc-a/Dockerfile', 'svc-c/.dockerignore', 'svc-c/Dockerfile']);
          expect(read(r.clone, 'svc-b', 'Dockerfile')).toBe(NODE_DOCKERFILE);
          expect(git(['log', '--format=%s'], r.clone).trim()).toBe('initial');
        },
        TIMEOUT,
      );
    }
  });
});

describe('Sourcegraph batch changes: one changeset per workspace with a diff, the markdown report as its body', () => {
  it(
    'first run: a changeset per project with something to migrate, none for the others, an error for the unreadable Dockerfile; a second run after the merges gives none',
    async ({ expect }) => {
      resetOrigins();
      const spec = parseYaml(read(ROOT, recipe.batchSpec)) as BatchSpec;
      const first = (await Promise.all(Object.keys(REPOS).map((name) => sourcegraph(name, spec)))).flat();
      const summary = (runs: WorkspaceRun[]) => Object.fromEntries(runs.map((r) => [`${r.repo}:${r.path || '.'}`, r.outcome]));
      expect(summary(first)).toEqual({
        'npm-api:.': 'changeset',
        'yarn-web:.': 'changeset',
        'pnpm-worker:.': 'changeset',
        // The root's package.json makes a workspace of its own, without a Dockerfile: no changeset,
        // and the projects under it are left to their own workspaces.
        'monorepo:.': 'no-changeset',
        'monorepo:packages/api': 'changeset',
        'monorepo:packages/web': 'changeset',
        'monorepo:packages/lib': 'no-changeset',
        'already-multi-stage:.': 'no-changeset',
        'library:.': 'no-changeset',
        'broken:.': 'error',
        // python-service has no package.json: no workspace.
      });
      for (const r of first) {
        if (r.outcome === 'error') {
          expect(r.stderr).toContain('dockerfile-migrate: Dockerfile.worker: the file is empty\n');
          continue;
        }
        if (r.outcome === 'no-changeset') {
          // Without a Dockerfile of its own, the tool is not even run.
          if (['monorepo:.', 'monorepo:packages/lib', 'library:.'].includes(`${r.repo}:${r.path || '.'}`))
            expect(r.stdout, `${r.repo}:${r.path}`).toBe('');
          continue;
        }
        const cs = r.changeset!;
        const prefix = cs.path ? `${cs.path}/` : '';
        expect(cs.files, `${r.repo}:${r.path}`).toEqual(REPORTED[r.repo].filter((f) => f.startsWith(prefix)));
        expect(cs.branch).toBe(cs.path ? `dockerfile-migrate-${cs.path.replace(/\//g, '-')}` : 'dockerfile-migrate');
        expect(cs.title).toBe(cs.path ? `Multi-stage Node.js Dockerfile in ${cs.path}` : 'Multi-stage Node.js Dockerfile');
        // The body is the tool's markdown report for this workspace's Dockerfile, and nothing else.
        expect(cs.body).toContain('`Dockerfile`');
        expect(cs.body).toContain('split-stages/split');
        expect(cs.body).not.toMatch(/packages\//);
        expect(r.stderr).toBe('');
      }
      // The workspaces that have changes are each in one changeset only.
      const changed = first.flatMap((r) => r.changeset?.files.map((f) => `${r.repo}:${f}`) ?? []);
      expect(new Set(changed).size).toBe(changed.length);

      // Merge each changeset: its diff applied to the default branch.
      for (const r of first) {
        if (r.outcome !== 'changeset') continue;
        const clone = checkout(r.repo, r.changeset!.branch);
        const patch = path.join(tmp(), 'changeset.diff');
        fs.writeFileSync(patch, r.changeset!.diff);
        git(['apply', '-p0', '--index', patch], clone);
        git(['commit', '-q', '-m', r.changeset!.title], clone);
        merge(clone);
      }
      const second = (await Promise.all(Object.keys(REPOS).map((name) => sourcegraph(name, spec)))).flat();
      expect(summary(second)).toEqual(
        Object.fromEntries(Object.entries(summary(first)).map(([k, v]) => [k, v === 'error' ? 'error' : 'no-changeset'])),
      );
    },
    TIMEOUT,
  );
});
