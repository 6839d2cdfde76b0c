import { Project } from '../src/model/project/project.js';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { classifyRun, pruneCommand } from '../src/model/commands/classify.js';

/** The prune split-stages would add after this single-stage Dockerfile, for this context. */
function prune(dockerfile: string, files: Record<string, string>) {
  const doc = parseDockerfile(dockerfile);
  const stage = doc.stages[0];
  const installs = stage.instructions.flatMap((i) =>
    i.keyword === 'RUN' ? classifyRun(doc, i).commands.filter((c) => c.kind === 'install') : [],
  );
  return pruneCommand(doc, new Project(gatherFacts(memorySource(files))), stage, installs);
}
const pkg = (o: Record<string, unknown>) =>
  JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { express: '^4' }, devDependencies: { nodemon: '^3' }, ...o });
const df = (...runs: string[]) =>
  ['FROM node:22-alpine', 'WORKDIR /app', 'COPY . .', ...runs.map((r) => `RUN ${r}`), 'CMD ["node", "server.js"]', ''].join('\n');

describe('pruneCommand: the prune of the installer that ran, or none', () => {
  it('npm: npm prune, whatever lockfile the context has', () => {
    expect(prune(df('npm install'), { 'package.json': pkg({}), 'pnpm-lock.yaml': '' }).command).toBe('npm prune --omit=dev');
    expect(prune(df('npm ci'), { 'package.json': pkg({}), 'yarn.lock': '' }).command).toBe('npm prune --omit=dev');
    expect(prune(df('npm ci').replace('node:22-alpine', 'node:14'), { 'package.json': pkg({}) }).command).toBe(
      'npm prune --production',
    );
  });

  it('installs by two package managers: no prune', () => {
    expect(prune(df('npm ci', 'yarn install'), { 'package.json': pkg({}) })).toEqual({
      command: null,
      why: 'the installs run different package managers (npm, yarn)',
    });
  });

  it('pnpm: --ignore-scripts only where pnpm has it for prune (8.15.6+), and only when there are scripts', () => {
    const withScript = pkg({ scripts: { postinstall: 'patch-package' } });
    expect(prune(df('npm i -g pnpm', 'pnpm install'), { 'package.json': pkg({}), 'pnpm-lock.yaml': '' }).command).toBe(
      'pnpm prune --prod',
    );
    expect(prune(df('npm i -g pnpm', 'pnpm install'), { 'package.json': withScript, 'pnpm-lock.yaml': '' }).command).toBe(
      'pnpm prune --prod --ignore-scripts',
    );
    expect(prune(df('npm i -g pnpm@8.15.6', 'pnpm install'), { 'package.json': withScript, 'pnpm-lock.yaml': '' }).command).toBe(
      'pnpm prune --prod --ignore-scripts',
    );
    expect(prune(df('npm i -g pnpm@8', 'pnpm install'), { 'package.json': withScript, 'pnpm-lock.yaml': '' }).command).toBeNull();
    expect(
      prune(df('corepack enable', 'pnpm install'), {
        'package.json': pkg({ packageManager: 'pnpm@9.1.0', scripts: { prepare: 'husky' } }),
        'pnpm-lock.yaml': '',
      }).command,
    ).toBe('pnpm prune --prod --ignore-scripts');
    expect(
      prune(df('corepack enable', 'pnpm install'), {
        'package.json': pkg({ packageManager: 'pnpm@8.6.0', scripts: { prepare: 'husky' } }),
        'pnpm-lock.yaml': '',
      }).command,
    ).toBeNull();
    // pnpm from somewhere this file does not show: its version is unknown.
    expect(prune(df('pnpm install'), { 'package.json': withScript, 'pnpm-lock.yaml': '' }).command).toBeNull();
  });

  it('pnpm workspace: a fresh production install of every node_modules; a pnpm-workspace.yaml with settings only is no workspace', () => {
    const ws = {
      'package.json': pkg({}),
      'pnpm-lock.yaml': '',
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - "!apps/old"\n',
      'apps/api/package.json': JSON.stringify({ name: 'api', dependencies: { fastify: '^5' } }),
      'apps/old/package.json': JSON.stringify({ name: 'old' }),
    };
    expect(prune(df('pnpm install'), ws).command).toBe(
      'rm -rf node_modules apps/api/node_modules && pnpm install --prod --frozen-lockfile --prefer-offline',
    );
    // The install's --filter is kept: the reinstall installs what the first install did.
    expect(prune(df('pnpm install --frozen-lockfile --filter "api..."'), ws).command).toBe(
      'rm -rf node_modules apps/api/node_modules && pnpm install --prod --frozen-lockfile --prefer-offline --filter api...',
    );
    // A workspace package's install script would run again without the devDependencies.
    const scripted = { ...ws, 'apps/api/package.json': JSON.stringify({ name: 'api', scripts: { postinstall: 'tsc' } }) };
    expect(prune(df('pnpm install'), scripted)).toEqual({
      command: null,
      why: "`pnpm prune` does not prune a pnpm workspace, and the production reinstall that does would run apps/api's postinstall again, which may need the devDependencies it leaves out",
    });
    // The Prisma client generated into node_modules would be lost.
    const prisma = { ...ws, 'apps/api/package.json': JSON.stringify({ name: 'api', dependencies: { '@prisma/client': '^6' } }) };
    expect(prune(df('pnpm install'), prisma).why).toMatch(
      /would drop the Prisma client the build generated into node_modules \(@prisma\/client\)$/,
    );
    expect(
      prune(df('pnpm install'), {
        'package.json': pkg({}),
        'pnpm-lock.yaml': '',
        'pnpm-workspace.yaml': 'onlyBuiltDependencies:\n  - esbuild\n',
      }).command,
    ).toBe('pnpm prune --prod');
  });

  it('yarn 1: the production install with scripts off', () => {
    expect(prune(df('yarn install --frozen-lockfile'), { 'package.json': pkg({}), 'yarn.lock': '' }).command).toBe(
      'yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline',
    );
  });

  it('yarn 2+: workspaces focus on yarn 4, or 2/3 with the workspace-tools plugin; set up by corepack or yarnPath', () => {
    const berry = { 'yarn.lock': '__metadata:\n  version: 8\n', '.yarnrc.yml': 'nodeLinker: node-modules\n' };
    const focus = 'yarn workspaces focus --all --production';
    expect(
      prune(df('corepack enable', 'yarn install'), { ...berry, 'package.json': pkg({ packageManager: 'yarn@4.5.3' }) }).command,
    ).toBe(focus);
    expect(
      prune(df('corepack enable', 'yarn install'), { ...berry, 'package.json': pkg({ packageManager: 'yarn@3.8.7' }) }).command,
    ).toBeNull();
    expect(
      prune(df('corepack enable', 'yarn install'), {
        ...berry,
        '.yarnrc.yml': 'plugins:\n  - path: .yarn/plugins/@yarnpkg/plugin-workspace-tools.cjs\n',
        'package.json': pkg({ packageManager: 'yarn@3.8.7' }),
      }).command,
    ).toBe(focus);
    // yarnPath wins over the packageManager field, and needs no corepack.
    expect(
      prune(df('yarn install'), {
        ...berry,
        '.yarnrc.yml': 'yarnPath: .yarn/releases/yarn-4.1.1.cjs\nnodeLinker: node-modules\n',
        'package.json': pkg({ packageManager: 'yarn@3.8.7' }),
      }).command,
    ).toBe(focus);
    // Neither corepack nor yarnPath: the image's yarn is 1.x.
    expect(prune(df('yarn install'), { ...berry, 'package.json': pkg({ packageManager: 'yarn@4.5.3' }) }).command).toBeNull();
    // No version to go by.
    expect(prune(df('corepack enable', 'yarn install'), { ...berry, 'package.json': pkg({}) }).command).toBeNull();
  });

  it("yarn 2+ Plug'n'Play: no prune when the packages live in the global cache, outside the app directory", () => {
    const run = (rc: string, pm: string) =>
      prune(df('corepack enable', 'yarn install'), {
        'yarn.lock': '__metadata:\n  version: 8\n',
        '.yarnrc.yml': rc,
        'package.json': pkg({ packageManager: pm }),
      });
    // yarn 4: enableGlobalCache is on by default.
    expect(run('', 'yarn@4.5.3').why).toMatch(
      /^yarn 4\.5\.3 runs Plug'n'Play from its global cache \(enableGlobalCache is on by default/,
    );
    expect(run('enableGlobalCache: false\n', 'yarn@4.5.3').command).toBe('yarn workspaces focus --all --production');
    // yarn 3: the cache is the project's .yarn/cache unless told otherwise.
    const plugin = 'plugins:\n  - path: .yarn/plugins/@yarnpkg/plugin-workspace-tools.cjs\n';
    expect(run(plugin, 'yarn@3.8.7').command).toBe('yarn workspaces focus --all --production');
    expect(run(plugin + 'enableGlobalCache: true\n', 'yarn@3.8.7').why).toMatch(/\(enableGlobalCache: true\)/);
  });

  it('yarn 2+: install scripts of the root or any workspace mean no prune (focus re-runs them); prepare does not count', () => {
    const files = { 'yarn.lock': '__metadata:\n  version: 8\n', '.yarnrc.yml': 'nodeLinker: node-modules\n' };
    const run = (extra: Record<string, string>) => prune(df('corepack enable', 'yarn install'), { ...files, ...extra }).command;
    expect(run({ 'package.json': pkg({ packageManager: 'yarn@4.5.3', scripts: { postinstall: 'husky' } }) })).toBeNull();
    expect(run({ 'package.json': pkg({ packageManager: 'yarn@4.5.3', scripts: { prepare: 'husky' } }) })).toBe(
      'yarn workspaces focus --all --production',
    );
    const ws = { 'package.json': pkg({ packageManager: 'yarn@4.5.3', workspaces: ['packages/*'] }) };
    expect(run({ ...ws, 'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'tsc' } }) })).toBe(
      'yarn workspaces focus --all --production',
    );
    expect(
      run({ ...ws, 'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { install: 'node-gyp rebuild' } }) }),
    ).toBeNull();
  });

  it('bun: the production reinstall, unless it would run the root lifecycle scripts again', () => {
    const bun = (p: string, install = 'bun install --frozen-lockfile', lockfile = 'bun.lock') =>
      prune(df(install).replace('node:22-alpine', 'oven/bun:1'), { 'package.json': p, [lockfile]: '{}' }).command;
    expect(bun(pkg({}))).toBe('rm -rf node_modules && bun install --frozen-lockfile --production');
    expect(bun(pkg({}), 'bun install --frozen-lockfile', 'bun.lockb')).toBe(
      'rm -rf node_modules && bun install --frozen-lockfile --production',
    );
    // `bun install --production` holds to the lockfile: after an install that did not, no prune.
    expect(bun(pkg({}), 'bun install')).toBeNull();
    expect(bun(pkg({ scripts: { prepare: 'husky' } }))).toBeNull();
  });
});
