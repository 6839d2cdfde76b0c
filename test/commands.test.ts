/**
 * The one reading of commands (src/model/commands/): the package-manager grammar, the wrappers and
 * npm-run-all patterns, the script walker, and what the container starts. Every model reads commands
 * through these, so what they answer here is what every transform sees.
 */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { matchScripts, redirects, scriptPattern, shellWords, unwrap } from '../src/model/commands/command-line.js';
import { lifecycleScripts, pmCall } from '../src/model/commands/package-manager.js';
import { installScripts, scriptClosure, walkScripts, type WalkEvent } from '../src/model/commands/script-graph.js';
import { startCommand } from '../src/model/commands/start-command.js';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { Project } from '../src/model/project/project.js';

const project = (files: Record<string, string>) => new Project(gatherFacts(memorySource(files)));
const pkg = (o: object) => JSON.stringify({ name: 'app', version: '1.0.0', ...o });

describe('pmCall: one grammar for npm, yarn, pnpm and bun', () => {
  const call = (line: string) => pmCall(shellWords(line)[0]);

  it('resolves aliases and typos, and tells an install from an add', () => {
    expect(call('npm isntall')).toMatchObject({ verb: 'install', subIndex: 1 });
    expect(call('npm i express')).toMatchObject({ verb: 'add', operands: ['express'] });
    expect(call('npm install --only production')).toMatchObject({ verb: 'install', operands: [] });
    expect(call('npm clean-install')).toMatchObject({ verb: 'ci' });
    expect(call('yarn')).toMatchObject({ verb: 'install', subIndex: -1 });
    expect(call('yarn --frozen-lockfile')).toMatchObject({ verb: 'install' });
    expect(call('pnpm i -g pnpm@9')).toMatchObject({ verb: 'add', global: true });
    expect(call('node server.js')).toBeNull();
  });

  it('reads the workspace package a call targets, by manager', () => {
    expect(call('npm -w apps/api install')).toMatchObject({
      verb: 'install',
      subIndex: 3,
      targets: [{ by: 'workspace', value: 'apps/api' }],
    });
    expect(call('npm run build --workspace=apps/web')).toMatchObject({
      script: 'build',
      targets: [{ by: 'workspace', value: 'apps/web' }],
    });
    expect(call('npm run build --workspaces --if-present')).toMatchObject({ script: 'build', recursive: true });
    expect(call('pnpm --filter @x/api... build')).toMatchObject({
      script: 'build',
      implicit: true,
      targets: [{ by: 'filter', value: '@x/api...' }],
    });
    expect(call('pnpm -w build')).toMatchObject({ script: 'build', targets: [] });
    expect(call('pnpm -C apps/api start')).toMatchObject({ verb: 'start', targets: [{ by: 'dir', value: 'apps/api' }] });
    expect(call('yarn workspace @x/web build')).toMatchObject({
      script: 'build',
      subIndex: 3,
      targets: [{ by: 'name', value: '@x/web' }],
    });
    expect(call('yarn workspaces foreach -A run build')).toMatchObject({ verb: 'foreach', recursive: true, script: 'build' });
  });

  it('tells scripts from binaries and files, and keeps a script its own arguments', () => {
    expect(call('npm run build -- --outDir out')).toMatchObject({ script: 'build', rest: ['--outDir', 'out'] });
    expect(call('pnpm run build --filter=api')).toMatchObject({ script: 'build', rest: ['--filter=api'] });
    expect(call('yarn vite build')).toMatchObject({ verb: 'run', implicit: true, command: ['vite', 'build'] });
    expect(call('yarn node server.js')).toMatchObject({ verb: 'exec', command: ['node', 'server.js'] });
    expect(call('bun server.ts')).toMatchObject({ verb: 'binary', command: ['bun', 'server.ts'] });
    expect(call('bun run src/index.ts')).toMatchObject({ implicit: true, command: ['bun', 'src/index.ts'] });
    expect(call('bun test')).toMatchObject({ verb: 'other' });
    expect(call('npm exec -- tsc -p .')).toMatchObject({ verb: 'exec', command: ['tsc', '-p', '.'] });
  });

  it('lists the lifecycle scripts each manager runs on install', () => {
    expect(lifecycleScripts('npm', 'ci')).toContain('postprepare');
    expect(lifecycleScripts('yarn', 'install', true)).toEqual(['preinstall', 'install', 'postinstall']);
    expect(lifecycleScripts('pnpm', 'install')).toEqual(['preinstall', 'install', 'postinstall', 'prepare']);
    expect(lifecycleScripts('npm', 'run')).toEqual([]);
  });
});

describe('command-line readers', () => {
  it('takes wrappers off one table: env, tini, cross-env, dotenv-cli, npx, wait-for-it', () => {
    expect(unwrap(['NODE_ENV=production', 'tini', '--', 'node', 'server.js'])).toMatchObject({
      words: ['node', 'server.js'],
      env: { NODE_ENV: 'production' },
    });
    expect(unwrap(['cross-env', 'PORT=1', 'dotenv', '-e', '.env.prod', '--', 'node', 'x.js']).words).toEqual(['node', 'x.js']);
    expect(unwrap(['npx', '-p', 'tsx', 'tsx@4', 'src/a.ts'])).toMatchObject({ words: ['tsx', 'src/a.ts'] });
    expect(unwrap(['npx', '-p', 'tsx', 'tsx@4', 'src/a.ts']).wrappers[0].packages).toEqual(['tsx']);
    expect(unwrap(['wait-for-it.sh', 'db:5432', '-t', '30', '--', 'npm', 'start']).words).toEqual(['npm', 'start']);
    expect(unwrap(['nice', '-n', '10', 'node', 'a.js']).words).toEqual(['node', 'a.js']);
    expect(unwrap(['cross-env', 'A=1', 'node', 'a.js'], true).words).toEqual(['cross-env', 'A=1', 'node', 'a.js']);
  });

  it("reads npm-run-all's patterns: `*` within a part, `**` across parts", () => {
    const scripts = { 'start:api:prod': 'x', 'start:web': 'y', 'build:a': 'z', build: 'w' };
    expect(matchScripts(scripts, 'start:**')).toEqual(['start:api:prod', 'start:web']);
    expect(matchScripts(scripts, 'start:*')).toEqual(['start:web']);
    expect(matchScripts(scripts, 'build')).toEqual(['build']);
    expect(scriptPattern('a?c').test('a:c')).toBe(false);
  });

  it('tells redirections from arguments', () => {
    expect(redirects(['echo', 'x', '>', 'out.txt', '2>&1'])).toEqual({ words: ['echo', 'x'], targets: ['out.txt'] });
    expect(redirects(['if-node-version', '>= 17', 'npm', 'i']).targets).toEqual([]);
  });
});

describe('the script walker', () => {
  const kinds = (events: WalkEvent[]) =>
    events.map((e) =>
      e.kind === 'script'
        ? `script ${e.ref.dir ? e.ref.dir + ':' : ''}${e.ref.name}`
        : e.kind === 'command'
          ? `${e.expands ? 'run' : 'leaf'} ${e.words.join(' ')}${e.dir ? ` (in ${e.dir})` : ''}`
          : `${e.kind} ${e.kind === 'unknown' ? e.why : e.ref.name}`,
    );

  it('follows hooks, run-p patterns, concurrently, sh -c and wrappers, each script once', () => {
    const p = project({
      'package.json': pkg({
        scripts: {
          prestart: 'node check.js',
          start: 'run-p "start:**"',
          'start:api:prod': 'cross-env PORT=1 tsx src/api.ts',
          'start:jobs': 'concurrently "npm:start:api:prod" "sh -c \'node jobs.js\'"',
        },
      }),
    });
    expect(kinds(walkScripts(p, [{ words: ['npm', 'start'] }]))).toEqual([
      'run npm start',
      'script prestart',
      'leaf node check.js',
      'script start',
      'run run-p start:**',
      'script start:api:prod',
      'run cross-env PORT=1 tsx src/api.ts',
      'leaf tsx src/api.ts',
      'script start:jobs',
      "run concurrently npm:start:api:prod sh -c 'node jobs.js'",
      'run sh -c node jobs.js',
      'leaf node jobs.js',
    ]);
  });

  it('follows a run into the workspace package it targets, with its own scripts, and cd', () => {
    const p = project({
      'package.json': pkg({ workspaces: ['apps/*'], scripts: { build: 'npm run build --workspace=apps/api' } }),
      'apps/api/package.json': pkg({ name: '@x/api', scripts: { build: 'tsc -p .' } }),
    });
    expect(kinds(walkScripts(p, [{ words: ['npm', 'run', 'build'] }]))).toEqual([
      'run npm run build',
      'script build',
      'run npm run build --workspace=apps/api',
      'script apps/api:build',
      'leaf tsc -p . (in apps/api)',
    ]);
    expect(kinds(walkScripts(p, [{ words: ['sh', '-c', 'cd apps/api && npm run build'] }])).slice(-2)).toEqual([
      'script apps/api:build',
      'leaf tsc -p . (in apps/api)',
    ]);
    expect(kinds(walkScripts(p, [{ words: ['npm', 'run', 'build', '-w', 'apps/api'] }], { workspaces: false }))).toEqual([
      'run npm run build -w apps/api',
      'unknown `npm run build -w apps/api` runs in another package',
    ]);
  });

  it("runs an install's lifecycle scripts as the manager does, and says where a script is missing", () => {
    const p = project({ 'package.json': pkg({ scripts: { postinstall: 'prisma generate', postprepare: 'node x.js' } }) });
    expect(kinds(walkScripts(p, [{ words: ['npm', 'ci'] }]))).toEqual([
      'run npm ci',
      'script postinstall',
      'leaf prisma generate',
      'script postprepare',
      'leaf node x.js',
    ]);
    expect(kinds(walkScripts(p, [{ words: ['pnpm', 'install'] }]))).toEqual([
      'run pnpm install',
      'script postinstall',
      'leaf prisma generate',
    ]);
    expect(kinds(walkScripts(p, [{ words: ['npm', 'ci', '--ignore-scripts'] }]))).toEqual(['leaf npm ci --ignore-scripts']);
    expect(kinds(walkScripts(p, [{ words: ['npm', 'run', 'nope'] }]))).toEqual(['run npm run nope', 'missing-script nope']);
    expect(scriptClosure(p, 'postinstall')).toEqual(['postinstall']);
  });

  it('lists the install scripts of the root and of workspace packages, and manifests that do not parse', () => {
    const p = project({
      'package.json': pkg({ workspaces: ['apps/*'], scripts: { prepare: 'husky' } }),
      'apps/api/package.json': pkg({ name: 'api', scripts: { postinstall: 'node setup.js' } }),
    });
    expect(installScripts(p, 'npm', ['', 'apps/api'])).toEqual({
      scripts: [
        { dir: '', name: 'prepare', body: 'husky' },
        { dir: 'apps/api', name: 'postinstall', body: 'node setup.js' },
      ],
      unreadable: [],
    });
  });
});

describe("startCommand: what the container runs, by Docker's rule", () => {
  const runs = (dockerfile: string) => {
    const doc = parseDockerfile(dockerfile);
    return startCommand(doc, doc.stages[doc.stages.length - 1]).runs;
  };

  it('joins an exec ENTRYPOINT and CMD; a shell ENTRYPOINT ignores CMD', () => {
    expect(runs('FROM node\nENTRYPOINT ["tini", "--"]\nCMD ["node", "server.js"]\n')).toEqual([
      ['tini', '--', 'node', 'server.js'],
    ]);
    expect(runs('FROM node\nENTRYPOINT node server.js\nCMD ["--port", "3000"]\n')).toEqual([['node', 'server.js']]);
    expect(runs('FROM node\nCMD npm run migrate && npm start\n')).toEqual([
      ['npm', 'run', 'migrate'],
      ['npm', 'start'],
    ]);
  });

  it('runs CMD too behind an entrypoint script, which ends in exec "$@"', () => {
    expect(runs('FROM node\nENTRYPOINT ["./docker-entrypoint.sh"]\nCMD ["npm", "start"]\n')).toEqual([
      ['./docker-entrypoint.sh', 'npm', 'start'],
      ['npm', 'start'],
    ]);
  });

  it('inherits CMD from the stage it is built FROM, and a new ENTRYPOINT clears it', () => {
    expect(runs('FROM node AS base\nCMD ["node", "a.js"]\nFROM base\nRUN true\n')).toEqual([['node', 'a.js']]);
    expect(runs('FROM node AS base\nCMD ["node", "a.js"]\nFROM base\nENTRYPOINT ["node", "b.js"]\n')).toEqual([['node', 'b.js']]);
  });
});
