/**
 * Large batches run in worker threads (src/run/batch.ts): the patch, the exit code and the files
 * written must be exactly those of a run in one thread, also when a worker runs out of heap
 * and hands its unfinished files back.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCase, materialise } from './case-harness.js';
import { parseJsonReport } from './report-schema.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');
const SOURCES = [
  'express-seed',
  'typescript-seed',
  'static-templates',
  'entrypoint-script',
  'crlf',
  'no-lockfile',
  'not-node',
  'already-multi-stage',
];
let tree: string;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tree,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/src/cli/cli.js is missing: build first (`npm test` builds before testing)');
  tree = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-batch-')));
  // 240 contexts: enough to start worker threads, each with its own Dockerfile (and two with a second one).
  for (let i = 0; i < 240; i++)
    materialise(findCase(`pipeline/${SOURCES[i % SOURCES.length]}`), path.join(tree, `app-${String(i).padStart(3, '0')}`));
  fs.copyFileSync(path.join(tree, 'app-000', 'Dockerfile'), path.join(tree, 'app-000', 'Dockerfile.prod'));
  fs.copyFileSync(path.join(tree, 'app-008', 'Dockerfile'), path.join(tree, 'app-008', 'Dockerfile.prod'));
});

afterAll(() => {
  if (tree) fs.rmSync(tree, { recursive: true, force: true });
});

describe('a large batch in worker threads', () => {
  it('prints exactly the patch and explanations of a single-thread run, in the same order', () => {
    const one = run(['.'], { DOCKERFILE_MIGRATE_THREADS: '1' });
    const two = run(['.'], { DOCKERFILE_MIGRATE_THREADS: '2' });
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(one.stdout.length).toBeGreaterThan(10000);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
  });

  it('gives the same result when the workers run out of heap and hand their files back', () => {
    const one = run(['--json', '.'], { DOCKERFILE_MIGRATE_THREADS: '1' });
    const starved = run(['--json', '.'], { DOCKERFILE_MIGRATE_THREADS: '2', DOCKERFILE_MIGRATE_HEAP_MB: '4' });
    expect(starved.code).toBe(one.code);
    expect(parseJsonReport(starved.stdout)).toEqual(parseJsonReport(one.stdout));
  });

  it("each file's own options (a configuration file with overrides) reach the worker threads", () => {
    const config = path.join(tree, '.dockerfile-migrate.json');
    // app-000 .. app-099 keep their base; no file gets a .dockerignore.
    fs.writeFileSync(config, JSON.stringify({ skip: ['dockerignore'], overrides: [{ files: 'app-0*/', runtimeBase: 'full' }] }));
    try {
      const one = run(['--json', '.'], { DOCKERFILE_MIGRATE_THREADS: '1' });
      const two = run(['--json', '.'], { DOCKERFILE_MIGRATE_THREADS: '2' });
      expect(two.code).toBe(one.code);
      expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout));
      const files = (JSON.parse(two.stdout) as { files: { path: string; changes: { transform: string }[] }[] }).files;
      const rebased = files.filter((f) => f.changes.some((c) => c.transform === 'runtime-base')).map((f) => f.path);
      expect(rebased.length).toBeGreaterThan(10);
      expect(rebased.filter((p) => p.startsWith('app-0'))).toEqual([]);
      expect(files.filter((f) => f.changes.some((c) => c.transform === 'dockerignore'))).toEqual([]);
    } finally {
      fs.rmSync(config);
    }
  });

  it('--write from worker threads writes what a single-thread --write writes', () => {
    const copy = `${tree}-copy`;
    fs.cpSync(tree, copy, { recursive: true });
    try {
      expect(run(['--write', '-q', '.'], { DOCKERFILE_MIGRATE_THREADS: '2' }).code).toBe(0);
      const r = spawnSync(process.execPath, [CLI, '--write', '-q', '.'], {
        cwd: copy,
        encoding: 'utf8',
        env: { ...process.env, DOCKERFILE_MIGRATE_THREADS: '1' },
      });
      expect(r.status).toBe(0);
      for (const dir of fs.readdirSync(tree)) {
        for (const f of ['Dockerfile', 'Dockerfile.prod', '.dockerignore']) {
          const a = path.join(tree, dir, f);
          if (!fs.existsSync(a)) continue;
          expect(fs.readFileSync(a, 'utf8'), `${dir}/${f}`).toBe(fs.readFileSync(path.join(copy, dir, f), 'utf8'));
        }
      }
      // and a second run changes nothing
      expect(run(['--check', '-q', '.'], { DOCKERFILE_MIGRATE_THREADS: '2' }).code).toBe(0);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
