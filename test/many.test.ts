/**
 * migrateMany() (src/many.ts): the command's batch run as a library call. Same files, statuses,
 * codes and diffs as `dockerfile-migrate --json`; nothing written unless asked; a bad configuration
 * rejects before anything is done. And docs/library.md's example (examples/bot.mjs) runs as documented.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, migrateMany, type ManyResult } from '../src/index.js';
import { CLI, NODE_DOCKERFILE, ROOT, app, git, read, snapshot, useCliHarness } from './cli-harness.js';

const { tmp } = useCliHarness('dfm-many-');

const PYTHON = 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n';

/** A repository: two Node apps, a Python one, an empty Dockerfile, a gitignored one, one the configuration ignores. */
function repository(): string {
  const root = tmp();
  git(['init', '-q', '.'], root);
  app(path.join(root, 'services', 'api'));
  app(path.join(root, 'services', 'web'));
  app(path.join(root, 'services', 'py'), PYTHON);
  app(path.join(root, 'services', 'empty'), '');
  app(path.join(root, 'build', 'gen'));
  app(path.join(root, 'legacy'));
  fs.writeFileSync(path.join(root, '.gitignore'), 'build/\n');
  fs.writeFileSync(
    path.join(root, '.dockerfile-migraterc.yml'),
    'ignore: [legacy/]\noverrides:\n  - files: services/web/**\n    skip: [non-root]\n',
  );
  return root;
}

async function all(it: AsyncIterable<ManyResult>): Promise<ManyResult[]> {
  const out: ManyResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const ARGS = ['.', 'legacy/Dockerfile', 'missing'];

describe('migrateMany', () => {
  it('gives what the command gives: the same files in the same order, statuses, codes and diffs; writes nothing', async () => {
    const root = repository();
    const before = snapshot(root);
    const results = await all(migrateMany(ARGS, { cwd: root }));
    const cli = spawnSync(process.execPath, [CLI, '--json', ...ARGS], { cwd: root, encoding: 'utf8' });
    const doc = JSON.parse(cli.stdout) as { files: { path: string; status: string; code?: string; diff: string }[] };
    const pick = (r: { path: string; status: string; code?: string; diff: string }) => [r.path, r.status, r.code ?? null, r.diff];
    expect(results.map(pick)).toEqual(doc.files.map(pick));
    expect(results.map((r) => [r.path, r.status, r.code ?? null])).toEqual([
      ['missing', 'error', 'not-found'],
      ['legacy/Dockerfile', 'skipped', 'ignored'],
      ['services/api/Dockerfile', 'migrated', null],
      ['services/empty/Dockerfile', 'error', 'empty-file'],
      ['services/py/Dockerfile', 'skipped', 'not-node'],
      ['services/web/Dockerfile', 'migrated', null],
    ]);
    // The override applies: web keeps running as root, api does not.
    expect(results[2].diff).toContain('+USER node');
    expect(results[5].diff).not.toContain('+USER node');
    expect(results.every((r) => !r.written)).toBe(true);
    expect(snapshot(root)).toEqual(before);
  });

  it('write: true writes each migration (as --write does) and says so; a second run finds nothing to do', async () => {
    const root = repository();
    const results = await all(migrateMany('services', { cwd: root, write: true, runtimeBase: 'full' }));
    expect(results.filter((r) => r.written).map((r) => r.path)).toEqual(['services/api/Dockerfile', 'services/web/Dockerfile']);
    expect(read(root, 'services', 'api', 'Dockerfile')).toBe(results[0].output);
    expect(fs.existsSync(path.join(root, 'services', 'api', '.dockerignore'))).toBe(true);
    expect(read(root, 'build', 'gen', 'Dockerfile')).toBe(NODE_DOCKERFILE);
    const again = await all(migrateMany('services', { cwd: root, write: true, runtimeBase: 'full' }));
    expect(again.map((r) => r.status)).toEqual(['unchanged', 'error', 'skipped', 'unchanged']);
  });

  it('a configuration that cannot be used rejects the first next(), before anything is migrated or written', async () => {
    const root = repository();
    fs.writeFileSync(path.join(root, 'services', '.dockerfile-migrate.json'), '{"runtimeBase": ["alpine"]}');
    const before = snapshot(root);
    const run = migrateMany('.', { cwd: root, write: true });
    await expect(run.next()).rejects.toThrow(ConfigError);
    await expect(all(migrateMany('.', { cwd: root }))).rejects.toThrow(
      'services/.dockerfile-migrate.json: "runtimeBase" must be slim, alpine, distroless, full or an image name (got an array)',
    );
    expect(snapshot(root)).toEqual(before);
    // config: false reads none.
    expect((await all(migrateMany('services/api', { cwd: root, config: false }))).map((r) => r.status)).toEqual(['migrated']);
  });
});

describe('examples/bot.mjs (the docs/library.md example)', () => {
  it('prints the markdown of each Dockerfile that would change, writes nothing', () => {
    const root = repository();
    const before = snapshot(root);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'examples', 'bot.mjs'), root], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const sections = r.stdout.split('\n').filter((l) => l.startsWith('### '));
    expect(sections).toEqual(['### `services/api/Dockerfile`', '### `services/web/Dockerfile`']);
    expect(r.stdout).toContain('```diff\ndiff --git a/services/api/Dockerfile b/services/api/Dockerfile\n');
    expect(r.stderr.split('\n')).toEqual([
      'services/empty/Dockerfile: error (empty-file)',
      'services/py/Dockerfile: skipped (not-node)',
      '2 Dockerfile(s) would change',
      '',
    ]);
    expect(snapshot(root)).toEqual(before);
  });
});
