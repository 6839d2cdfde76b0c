/**
 * The configuration file (src/run/config.ts, src/run/plan.ts): where it is found, what it sets,
 * per-path overrides and ignore globs, flags over the file, and one clear error for a bad one.
 * The library calls here; test/config-cli.test.ts runs the command.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/run/config.js';
import { planRun, printedConfig } from '../src/run/plan.js';
import { transformIds } from '../transforms/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp tree from relative path -> content. */
function tree(files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dfm-config-')));
  dirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  if (opts.git) spawnSync('git', ['init', '-q', '.'], { cwd: root });
  return root;
}

const DF = 'FROM node:22\n';
const ALL = [...transformIds];
const json = (v: unknown) => JSON.stringify(v);

/** What --print-config says of one file, in short: the configuration file, the runtime base, the transforms left out. */
async function resolved(root: string, file: string, given = {}) {
  const p = await printedConfig(file, { cwd: root, given });
  return {
    configFile: p.configFile,
    runtimeBase: p.runtimeBase,
    left: ALL.filter((t) => !p.transforms.includes(t)),
    ignored: p.ignored,
  };
}

async function problem(root: string, paths: string[] = ['.']): Promise<string> {
  try {
    await planRun(paths, { cwd: root });
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'no error';
}

describe('where the configuration is found', () => {
  const names: [string, string][] = [
    ['.dockerfile-migrate.json', json({ runtimeBase: 'alpine' })],
    ['.dockerfile-migraterc', json({ runtimeBase: 'alpine' })],
    ['.dockerfile-migraterc', 'runtimeBase: alpine\n'],
    ['.dockerfile-migraterc.json', json({ runtimeBase: 'alpine' })],
    ['.dockerfile-migraterc.yaml', '# the runtime\nruntimeBase: alpine\n'],
    ['.dockerfile-migraterc.yml', 'runtimeBase: alpine\n'],
    ['package.json', json({ name: 'x', 'dockerfile-migrate': { runtimeBase: 'alpine' } })],
  ];
  for (const [name, content] of names) {
    it(`${name}${name === '.dockerfile-migraterc' ? (content.startsWith('{') ? ' (JSON)' : ' (YAML)') : ''}, in a directory above the Dockerfile`, async () => {
      const root = tree({ [name]: content, 'services/api/Dockerfile': DF }, { git: true });
      expect(await resolved(root, 'services/api/Dockerfile')).toEqual({
        configFile: name,
        runtimeBase: 'alpine',
        left: [],
        ignored: false,
      });
    });
  }

  it('the nearest one applies, alone; a package.json without the key is passed over', async () => {
    const root = tree(
      {
        '.dockerfile-migrate.json': json({ runtimeBase: 'alpine', skip: ['non-root'] }),
        'services/.dockerfile-migraterc.yml': 'runtimeBase: full\n',
        'services/api/package.json': json({ name: 'api' }),
        'services/api/Dockerfile': DF,
        'web/Dockerfile': DF,
      },
      { git: true },
    );
    expect(await resolved(root, 'services/api/Dockerfile')).toMatchObject({
      configFile: 'services/.dockerfile-migraterc.yml',
      runtimeBase: 'full',
      left: [], // the root file's skip does not reach here: files are not merged
    });
    expect(await resolved(root, 'web/Dockerfile')).toMatchObject({ configFile: '.dockerfile-migrate.json', left: ['non-root'] });
  });

  it('the search stops at the repository root: a configuration above it is never read', async () => {
    const outer = tree({ '.dockerfile-migrate.json': json({ runtimeBase: 'alpine' }), 'repo/app/Dockerfile': DF });
    spawnSync('git', ['init', '-q', '.'], { cwd: path.join(outer, 'repo') });
    expect(await resolved(outer, 'repo/app/Dockerfile')).toMatchObject({ configFile: null, runtimeBase: 'slim' });
    // Without a repository, the search goes on up (to the file system root).
    fs.rmSync(path.join(outer, 'repo', '.git'), { recursive: true });
    expect(await resolved(outer, 'repo/app/Dockerfile')).toMatchObject({ configFile: '.dockerfile-migrate.json' });
  });

  it('a .git file (a worktree, a submodule) marks a repository root too', async () => {
    const outer = tree({
      '.dockerfile-migrate.json': json({ runtimeBase: 'alpine' }),
      'wt/.git': 'gitdir: /elsewhere\n',
      'wt/Dockerfile': DF,
    });
    expect(await resolved(outer, 'wt/Dockerfile')).toMatchObject({ configFile: null });
  });

  it('an empty configuration file sets nothing and stops the search', async () => {
    const root = tree(
      { '.dockerfile-migrate.json': json({ runtimeBase: 'alpine' }), 'app/.dockerfile-migraterc.yaml': '', 'app/Dockerfile': DF },
      { git: true },
    );
    expect(await resolved(root, 'app/Dockerfile')).toMatchObject({
      configFile: 'app/.dockerfile-migraterc.yaml',
      runtimeBase: 'slim',
    });
  });

  it('a package.json that is a directory is passed over; a configuration file that is not a regular file is an error', async () => {
    const root = tree({ '.dockerfile-migraterc': 'runtimeBase: alpine\n', 'app/Dockerfile': DF }, { git: true });
    fs.mkdirSync(path.join(root, 'app', 'package.json'));
    expect(await resolved(root, 'app/Dockerfile')).toMatchObject({ configFile: '.dockerfile-migraterc' });
    fs.mkdirSync(path.join(root, 'app', '.dockerfile-migrate.json'));
    expect(await problem(root)).toBe('app/.dockerfile-migrate.json: not a regular file');
  });

  it('a package.json that is not JSON holds no configuration (the migration reports it), the search goes on', async () => {
    const root = tree(
      { '.dockerfile-migraterc': 'runtimeBase: alpine\n', 'app/package.json': '{ not json', 'app/Dockerfile': DF },
      { git: true },
    );
    expect(await resolved(root, 'app/Dockerfile')).toMatchObject({ configFile: '.dockerfile-migraterc' });
  });
});

describe('what it sets', () => {
  const root = tree(
    {
      '.dockerfile-migraterc.yaml': [
        'skip: [non-root]',
        'runtimeBase: alpine',
        'overrides:',
        '  - files: ["services/legacy/**"]',
        '    runtimeBase: full',
        '  - files: "*.prod"', // any depth, as in .gitignore
        '    skip: [dockerignore]',
        '  - files: [services/legacy/Dockerfile.prod]',
        '    transforms: [cache-order, npm-ci]',
        '',
      ].join('\n'),
      Dockerfile: DF,
      'services/legacy/Dockerfile': DF,
      'services/legacy/Dockerfile.prod': DF,
      'services/api/Dockerfile.prod': DF,
    },
    { git: true },
  );

  it('options for every Dockerfile, and overrides by path; a later override wins over an earlier one', async () => {
    expect(await resolved(root, 'Dockerfile')).toMatchObject({ runtimeBase: 'alpine', left: ['non-root'] });
    expect(await resolved(root, 'services/legacy/Dockerfile')).toMatchObject({ runtimeBase: 'full', left: ['non-root'] });
    expect(await resolved(root, 'services/api/Dockerfile.prod')).toMatchObject({ runtimeBase: 'alpine', left: ['dockerignore'] });
    const p = await printedConfig('services/legacy/Dockerfile.prod', { cwd: root });
    expect(p).toEqual({
      file: 'services/legacy/Dockerfile.prod',
      configFile: '.dockerfile-migraterc.yaml',
      overrides: [0, 1, 2],
      ignored: false,
      transforms: ['cache-order', 'npm-ci'],
      runtimeBase: 'full',
    });
  });

  it('each flag given wins over the file and its overrides; the others still come from the file', async () => {
    expect(await resolved(root, 'services/legacy/Dockerfile', { runtimeBase: 'distroless' })).toMatchObject({
      runtimeBase: 'distroless',
      left: ['non-root'],
    });
    expect(await resolved(root, 'services/legacy/Dockerfile', { skip: [] })).toMatchObject({ runtimeBase: 'full', left: [] });
  });

  it('the run gets each file its own options', async () => {
    const plan = await planRun(['.'], { cwd: root });
    expect(plan.files).toEqual([
      'Dockerfile',
      'services/api/Dockerfile.prod',
      'services/legacy/Dockerfile',
      'services/legacy/Dockerfile.prod',
    ]);
    expect(plan.options.map((o) => o.runtimeBase)).toEqual(['alpine', 'alpine', 'full', 'full']);
    expect(plan.options.map((o) => o.skip)).toEqual([['non-root'], ['dockerignore'], ['non-root'], ['dockerignore']]);
    expect(plan.options[3].transforms).toEqual(['cache-order', 'npm-ci']);
  });
});

describe('ignore', () => {
  const root = tree(
    {
      '.dockerfile-migrate.json': json({ ignore: ['legacy/', '*.dev', '/Dockerfile.ci'] }),
      Dockerfile: DF,
      'Dockerfile.ci': DF,
      'api/Dockerfile.ci': DF,
      'api/Dockerfile.dev': DF,
      'legacy/Dockerfile': DF,
      'legacy/deep/Dockerfile': DF,
    },
    { git: true },
  );

  it('what a search finds and the configuration ignores is not listed at all (as ESLint does)', async () => {
    const plan = await planRun(['.'], { cwd: root });
    expect(plan.files).toEqual(['Dockerfile', 'api/Dockerfile.ci']);
    expect(plan.early).toEqual([]);
    // A glob is a search too.
    expect((await planRun(['*/Dockerfile*'], { cwd: root })).files).toEqual(['api/Dockerfile.ci']);
  });

  it('a Dockerfile named on the command line that it ignores is reported as skipped, code ignored', async () => {
    const plan = await planRun(['legacy/deep/Dockerfile', 'api/Dockerfile.dev', 'Dockerfile'], { cwd: root });
    expect(plan.files).toEqual(['Dockerfile']);
    expect(plan.early).toEqual([
      {
        path: 'legacy/deep/Dockerfile',
        status: 'skipped',
        code: 'ignored',
        reason: 'matches an ignore glob of .dockerfile-migrate.json',
      },
      {
        path: 'api/Dockerfile.dev',
        status: 'skipped',
        code: 'ignored',
        reason: 'matches an ignore glob of .dockerfile-migrate.json',
      },
    ]);
    expect((await printedConfig('legacy/Dockerfile', { cwd: root })).ignored).toBe(true);
  });

  it('a directory whose Dockerfiles are all ignored is not an error (nothing to do)', async () => {
    const plan = await planRun(['legacy'], { cwd: root });
    expect(plan).toMatchObject({ files: [], early: [] });
  });
});

describe('a configuration that cannot be used: one message naming the file and the key', () => {
  const cases: [string, Record<string, string>, string][] = [
    [
      'an unknown key',
      { '.dockerfile-migrate.json': json({ runtimeBase: 'alpine', stages: {} }) },
      '.dockerfile-migrate.json: "stages" is not a known key; known: transforms, skip, runtimeBase, overrides, ignore',
    ],
    [
      'a key spelt as the flag',
      { '.dockerfile-migraterc.yml': 'runtime-base: alpine\n' },
      '.dockerfile-migraterc.yml: "runtime-base" is not a known key (did you mean "runtimeBase"?); known: transforms, skip, runtimeBase, overrides, ignore',
    ],
    [
      'an unknown transform',
      { '.dockerfile-migrate.json': json({ skip: ['non-root', 'nonroot'] }) },
      `.dockerfile-migrate.json: "skip[1]" names an unknown transform "nonroot" (known: ${ALL.join(', ')})`,
    ],
    [
      'an unknown transform in an override',
      { '.dockerfile-migrate.json': json({ overrides: [{ files: 'x', transforms: ['npm'] }] }) },
      `.dockerfile-migrate.json: "overrides[0].transforms[0]" names an unknown transform "npm" (known: ${ALL.join(', ')})`,
    ],
    [
      'a number where a list is expected',
      { '.dockerfile-migrate.json': json({ transforms: 3 }) },
      '.dockerfile-migrate.json: "transforms" must be a transform id or an array of them (got number 3)',
    ],
    [
      'a bad runtime base',
      { '.dockerfile-migrate.json': json({ runtimeBase: '' }) },
      '.dockerfile-migrate.json: "runtimeBase" must be slim, alpine, distroless, full or an image name (got "")',
    ],
    [
      'an override without files',
      { '.dockerfile-migrate.json': json({ overrides: [{ runtimeBase: 'full' }] }) },
      '.dockerfile-migrate.json: "overrides[0].files" is missing: the globs this override applies to',
    ],
    [
      'ignore inside an override',
      { '.dockerfile-migrate.json': json({ overrides: [{ files: 'a', ignore: 'b' }] }) },
      '.dockerfile-migrate.json: "overrides[0].ignore" is not a known key; known: files, transforms, skip, runtimeBase',
    ],
    [
      'overrides not a list',
      { '.dockerfile-migrate.json': json({ overrides: { files: 'a' } }) },
      '.dockerfile-migrate.json: "overrides" must be an array of { files, ...options } (got object {"files":"a"})',
    ],
    [
      'an empty glob',
      { '.dockerfile-migrate.json': json({ ignore: ['ok', ' '] }) },
      '.dockerfile-migrate.json: "ignore" must be a glob or an array of them (got an array)',
    ],
    [
      'not an object',
      { '.dockerfile-migraterc': '- a\n- b\n' },
      '.dockerfile-migraterc: the configuration must be an object (got an array)',
    ],
    [
      'the package.json key not an object',
      { 'package.json': json({ 'dockerfile-migrate': 'alpine' }) },
      'package.json: "dockerfile-migrate" must be an object (got "alpine")',
    ],
    [
      'a bad key in package.json',
      { 'package.json': json({ 'dockerfile-migrate': { skipp: [] } }) },
      'package.json: "dockerfile-migrate.skipp" is not a known key; known: transforms, skip, runtimeBase, overrides, ignore',
    ],
    ['invalid JSON', { '.dockerfile-migrate.json': '{"skip": [}' }, '.dockerfile-migrate.json: not valid JSON ('],
    ['invalid YAML', { '.dockerfile-migraterc.yaml': 'skip: [a\n' }, '.dockerfile-migraterc.yaml: not valid YAML ('],
    [
      'two files in one directory',
      { '.dockerfile-migrate.json': '{}', '.dockerfile-migraterc.yml': '' },
      '.dockerfile-migrate.json: another configuration file in the same directory (.dockerfile-migraterc.yml); keep one',
    ],
    [
      'a file and the package.json key',
      { '.dockerfile-migraterc': '{}', 'package.json': json({ 'dockerfile-migrate': {} }) },
      '.dockerfile-migraterc: another configuration file in the same directory (package.json ("dockerfile-migrate")); keep one',
    ],
  ];
  for (const [what, files, message] of cases) {
    it(what, async () => {
      const root = tree({ ...files, 'app/Dockerfile': DF }, { git: true });
      const got = await problem(root);
      if (message.endsWith('(')) expect(got.startsWith(message), got).toBe(true);
      else expect(got).toBe(message);
      expect(got).not.toContain('\n');
    });
  }

  it('names the file relative to the current directory, wherever the Dockerfile is', async () => {
    const root = tree({ 'services/.dockerfile-migrate.json': json({ nope: 1 }), 'services/api/Dockerfile': DF }, { git: true });
    expect(await problem(root, ['services/api/Dockerfile'])).toMatch(
      /^services\/\.dockerfile-migrate\.json: "nope" is not a known key/,
    );
    expect(await problem(path.join(root, 'services', 'api'), ['Dockerfile'])).toMatch(
      /^\.\.\/\.dockerfile-migrate\.json: "nope"/,
    );
  });

  it('a configuration file the run would not otherwise need is not read: only those of the Dockerfiles found', async () => {
    const root = tree({ 'other/.dockerfile-migrate.json': '{ bad', 'app/Dockerfile': DF }, { git: true });
    expect(await problem(root, ['app'])).toBe('no error');
  });
});
