/**
 * The GitHub Action (action.yml) as the runner runs it, without GitHub: each composite step's
 * `run:` goes to `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`) in a temporary
 * git repository, with its `env:` expressions (`${{ inputs.x }}`, `${{ github.action_path }}`,
 * `${{ steps.id.outputs.name }}`) substituted as the runner substitutes them and GITHUB_OUTPUT /
 * GITHUB_STEP_SUMMARY files; the action's outputs are read back the same way. The action path is
 * this checkout, whose build `npm test` made. Also checks the example workflows use it as it is,
 * and that docs/reports.md documents exactly the inputs and outputs the action declares.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, app, git, read, useCliHarness } from './cli-harness.js';

const { tmp } = useCliHarness('dfm-action-');

interface Step {
  id?: string;
  name?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as Action;

/** The action's part of docs/reports.md: the inputs its table lists and the outputs its "Outputs:" sentence names. */
function documented(): { inputs: string[]; outputs: string[] } {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'reports.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## GitHub Action\n'));
  const header = section.indexOf('\n| input | default | what it does |\n');
  if (header < 0) throw new Error('docs/reports.md has no inputs table in its "GitHub Action" section');
  const inputs: string[] = [];
  for (const line of section
    .slice(header + 1)
    .split('\n')
    .slice(2)) {
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (!row) break;
    inputs.push(row[1]);
  }
  // The outputs are the code spans of the "Outputs:" paragraph outside parentheses.
  const from = section.indexOf('\nOutputs: ');
  if (from < 0) throw new Error('docs/reports.md has no "Outputs:" paragraph in its "GitHub Action" section');
  const sentence = section.slice(from, section.indexOf('\n\n', from));
  let depth = 0;
  let top = '';
  for (const c of sentence) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) top += c;
  }
  return { inputs, outputs: [...top.matchAll(/`([^`]+)`/g)].map((m) => m[1]) };
}

interface ActionRun {
  /** Exit code of the step that ended the run (the last one, or the first that failed). */
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

/** Key/value lines and `key<<DELIM` blocks, as the runner reads GITHUB_OUTPUT. */
function readOutputFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) out[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
  }
  return out;
}

/** Run the action's steps in `workspace` with these inputs (the rest take their defaults). */
function runAction(workspace: string, inputs: Record<string, string> = {}): ActionRun {
  for (const k of Object.keys(inputs)) if (!(k in ACTION.inputs)) throw new Error(`action.yml has no input ${k}`);
  const runnerTemp = tmp();
  const summaryFile = path.join(runnerTemp, 'step-summary.md');
  const stepOutputs: Record<string, Record<string, string>> = {};
  const evaluate = (value: string) =>
    String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
      let m = /^inputs\.([\w-]+)$/.exec(expr);
      if (m) return inputs[m[1]] ?? ACTION.inputs[m[1]]?.default ?? '';
      if (expr === 'github.action_path') return ROOT;
      m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
      if (m) return stepOutputs[m[1]]?.[m[2]] ?? '';
      throw new Error(`the test does not know the expression ${expr}`);
    });
  let stdout = '';
  let stderr = '';
  let code: number | null = 0;
  for (const [i, step] of ACTION.runs.steps.entries()) {
    const script = path.join(runnerTemp, `step-${i}.sh`);
    fs.writeFileSync(script, step.run!);
    const outputFile = path.join(runnerTemp, `output-${i}`);
    fs.writeFileSync(outputFile, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_ACTION_PATH: ROOT,
      RUNNER_TEMP: runnerTemp,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = evaluate(v);
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: workspace,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    stdout += r.stdout;
    stderr += r.stderr;
    code = r.status;
    if (step.id) stepOutputs[step.id] = readOutputFile(outputFile);
    if (code !== 0) break;
  }
  const outputs: Record<string, string> = {};
  for (const [k, o] of Object.entries(ACTION.outputs)) outputs[k] = evaluate(o.value);
  const summary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '';
  return { code, stdout, stderr, outputs, summary, runnerTemp };
}

const PYTHON = 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n';

/** A git repository with a Node app and a Python service, committed. */
function repo(): string {
  const dir = tmp();
  app(dir);
  fs.mkdirSync(path.join(dir, 'py'));
  fs.writeFileSync(path.join(dir, 'py', 'Dockerfile'), PYTHON);
  expect0(git(['-c', 'init.defaultBranch=main', 'init', '-q'], dir).code);
  expect0(git(['add', '-A'], dir).code);
  expect0(git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init'], dir).code);
  return dir;
}
function expect0(code: number | null) {
  if (code !== 0) throw new Error(`git exited ${code}`);
}
const status = (dir: string) => git(['status', '--porcelain', '--untracked-files=all'], dir).stdout;

const SLOW = 240_000;

describe.concurrent('action.yml', () => {
  it('is a composite action whose steps are bash, read inputs only through env, and declare what docs/reports.md names', ({
    expect,
  }) => {
    expect(ACTION.runs.using).toBe('composite');
    expect(Object.keys(ACTION.inputs).sort()).toEqual(['mode', 'paths', 'report-file', 'runtime-base', 'transforms', 'version']);
    expect(Object.keys(ACTION.outputs).sort()).toEqual(['changed', 'exit-code', 'report-file']);
    const doc = documented();
    expect(doc.inputs).toEqual(Object.keys(ACTION.inputs));
    expect(doc.outputs.sort()).toEqual(Object.keys(ACTION.outputs).sort());
    expect(ACTION.inputs.mode.default).toBe('check');
    for (const step of ACTION.runs.steps) {
      expect(step.shell).toBe('bash');
      // An input in a script's text would be code: inputs reach the scripts as environment variables.
      expect(step.run).not.toContain('${{');
      expect(step.if).toBeUndefined();
    }
  });

  it(
    'check: an annotation per change, the diff in the log, a report, exit 1; nothing written',
    ({ expect }) => {
      const dir = repo();
      const r = runAction(dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^::notice file=Dockerfile,line=4,title=npm-ci\/npm-ci::`npm install` → `npm ci`: /m);
      expect(r.stdout.match(/^::notice /gm)).toHaveLength(11);
      expect(r.stdout).not.toContain('file=py/Dockerfile');
      // the diff is in a group, with workflow commands off while it prints
      const token = /^::stop-commands::(dockerfile-migrate-\d+)$/m.exec(r.stdout)?.[1];
      expect(token).toBeTruthy();
      const diff = r.stdout.slice(r.stdout.indexOf(`::stop-commands::${token}\n`), r.stdout.indexOf(`::${token}::\n`));
      expect(diff).toContain('\ndiff --git a/Dockerfile b/Dockerfile\n');
      expect(r.stdout).toMatch(/::group::Diff\n::stop-commands::[^\n]+\n[\s\S]*\n::dockerfile-migrate-\d+::\n::endgroup::\n$/);
      expect(r.outputs).toEqual({
        changed: 'true',
        'report-file': path.join(r.runnerTemp, 'dockerfile-migrate-report.md'),
        'exit-code': '1',
      });
      const report = read(r.outputs['report-file']);
      expect(report).toContain('\n1 migrated, 0 unchanged, 1 skipped, 0 errors (proposed, nothing written)\n');
      expect(r.summary).toBe(report);
      expect(status(dir)).toBe('');
    },
    SLOW,
  );

  it(
    'check on a migrated repository: no annotation, changed=false, exit 0',
    ({ expect }) => {
      const dir = repo();
      expect(runAction(dir, { mode: 'write' }).code).toBe(0);
      const r = runAction(dir);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/^::(notice|warning|error) /m);
      expect(r.outputs).toMatchObject({ changed: 'false', 'exit-code': '0' });
    },
    SLOW,
  );

  it(
    'write: the Dockerfile and .dockerignore written and nothing else, the report for the pull request, exit 0; a second run changes nothing',
    ({ expect }) => {
      const dir = repo();
      const r = runAction(dir, { mode: 'write' });
      expect(r.code).toBe(0);
      expect(r.outputs).toMatchObject({ changed: 'true', 'exit-code': '0' });
      expect(status(dir)).toBe(' M Dockerfile\n?? .dockerignore\n');
      expect(read(dir, 'Dockerfile')).toContain(' AS runtime\n');
      const report = read(r.outputs['report-file']);
      expect(report).toMatch(/^## dockerfile-migrate\n\n1 migrated, 0 unchanged, 1 skipped, 0 errors \(written\)\n/);
      expect(report).toContain('\n<details><summary>Diff</summary>\n');
      // the annotations name the lines of the files as they were
      expect(r.stdout).toMatch(/^::notice file=Dockerfile,line=4,title=npm-ci\/npm-ci::/m);
      expect(git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'm'], dir).code).toBe(0);
      git(['add', '-A'], dir);
      git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'm2'], dir);
      const again = runAction(dir, { mode: 'write' });
      expect(again.code).toBe(0);
      expect(again.outputs.changed).toBe('false');
      expect(status(dir)).toBe('');
    },
    SLOW,
  );

  it(
    'inputs: paths one per line (spaces kept), transforms, runtime-base and report-file reach the tool',
    ({ expect }) => {
      const dir = repo();
      app(path.join(dir, 'my app'));
      app(path.join(dir, 'other'));
      const reportFile = path.join(tmp(), 'body.md');
      const r = runAction(dir, {
        mode: 'write',
        paths: '  my app  \n\npy\n',
        transforms: 'npm-ci',
        'runtime-base': 'alpine',
        'report-file': reportFile,
      });
      expect(r.code).toBe(0);
      expect(r.outputs['report-file']).toBe(reportFile);
      expect(read(dir, 'my app', 'Dockerfile')).toBe(read(dir, 'Dockerfile').replace('RUN npm install', 'RUN npm ci'));
      expect(read(dir, 'other', 'Dockerfile')).toBe(read(dir, 'Dockerfile'));
      const report = read(reportFile);
      expect(report).toContain('| `my app/Dockerfile` | migrated | 1 | 0 |');
      expect(report).toContain('| `py/Dockerfile` | skipped (`not-node`) |');
      expect(read(dir, 'Dockerfile')).toBe(read(dir, 'other', 'Dockerfile'));
      // the command line in the report's footer
      expect(report).toContain(
        `: \`dockerfile-migrate --write --format markdown --output ${reportFile} --transforms npm-ci --runtime-base alpine -- 'my app' py\`</sub>\n`,
      );
    },
    SLOW,
  );

  it(
    'a Dockerfile that fails: an error annotation, the others still migrated, exit 2',
    ({ expect }) => {
      const dir = repo();
      fs.mkdirSync(path.join(dir, 'broken'));
      fs.writeFileSync(path.join(dir, 'broken', 'Dockerfile'), '');
      const check = runAction(dir);
      expect(check.code).toBe(2);
      expect(check.stdout).toMatch(/^::error file=broken\/Dockerfile,title=dockerfile-migrate\/empty-file::the file is empty$/m);
      expect(check.outputs).toMatchObject({ changed: 'true', 'exit-code': '2' });
      const write = runAction(dir, { mode: 'write' });
      expect(write.code).toBe(2);
      expect(write.outputs).toMatchObject({ changed: 'true', 'exit-code': '2' });
      expect(read(dir, 'Dockerfile')).toContain(' AS runtime\n');
    },
    SLOW,
  );

  it(
    'bad inputs: an error annotation and exit 2, nothing written',
    ({ expect }) => {
      const dir = repo();
      const mode = runAction(dir, { mode: 'fix' });
      expect(mode.code).toBe(2);
      expect(mode.stdout).toBe('::error title=dockerfile-migrate::mode must be check or write (got: fix)\n');
      const version = runAction(dir, { version: '1.0.0; rm -rf /' });
      expect(version.code).toBe(2);
      expect(version.stdout).toBe(
        '::error title=dockerfile-migrate::version must be an npm version or tag (got: 1.0.0; rm -rf /)\n',
      );
      const transform = runAction(dir, { transforms: 'bogus' });
      expect(transform.code).toBe(2);
      expect(transform.stderr).toContain('"bogus"');
      expect(status(dir)).toBe('');
    },
    SLOW,
  );
});

describe('example workflows (examples/github-actions)', () => {
  const DIR = path.join(ROOT, 'examples', 'github-actions');
  const workflows = Object.fromEntries(
    fs.readdirSync(DIR).map((f) => [f, parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Record<string, unknown>]),
  );
  type Job = { steps: Step[]; permissions?: Record<string, string> };
  const jobs = (w: Record<string, unknown>) => Object.values(w.jobs as Record<string, Job>);
  const ours = (s: Step) => /^[\w.-]+\/dockerfile-migrate@v1$/.test(s.uses ?? '');

  it('each uses the action with inputs it declares', ({ expect }) => {
    expect(Object.keys(workflows).sort()).toEqual(['dockerfile-migrate-check.yml', 'dockerfile-migrate-pr.yml']);
    for (const [name, w] of Object.entries(workflows)) {
      const steps = jobs(w).flatMap((j) => j.steps);
      const step = steps.find(ours);
      expect(step, name).toBeDefined();
      for (const k of Object.keys(step!.with ?? {})) expect(Object.keys(ACTION.inputs), `${name}: ${k}`).toContain(k);
      // Node.js comes first
      expect(steps.findIndex((s) => s.uses?.startsWith('actions/setup-node@'))).toBeLessThan(steps.indexOf(step!));
    }
  });

  it('pull requests: check mode, read-only', ({ expect }) => {
    const w = workflows['dockerfile-migrate-check.yml'];
    expect(Object.keys(w.on as object)).toContain('pull_request');
    expect(w.permissions).toEqual({ contents: 'read' });
    expect(jobs(w)[0].steps.find(ours)!.with?.mode).toBe('check');
  });

  it('schedule: write mode, then a pull request whose body is the report, only when something changed', ({ expect }) => {
    const w = workflows['dockerfile-migrate-pr.yml'];
    expect(Object.keys(w.on as object)).toEqual(expect.arrayContaining(['schedule', 'workflow_dispatch']));
    const steps = jobs(w)[0].steps;
    const step = steps.find(ours)!;
    expect(step.with?.mode).toBe('write');
    const pr = steps.find((s) => s.uses?.startsWith('peter-evans/create-pull-request@'))!;
    expect(pr.if).toBe(`steps.${step.id}.outputs.changed == 'true'`);
    expect(pr.with?.['body-path']).toBe(`\${{ steps.${step.id}.outputs.report-file }}`);
    expect(w.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
  });
});
