import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { ImageModel } from '../src/model/image/model.js';
import { Project } from '../src/model/project/project.js';
import { classifyRun, pruneCommand } from '../src/model/commands/classify.js';

const TSCONFIG = JSON.stringify({ compilerOptions: { rootDir: 'src', outDir: 'dist' } });

/** A pnpm 9 workspace: apps/api (built by tsc into dist/) uses packages/shared (plain JS). */
function workspace(over: Record<string, string | null> = {}): Record<string, string> {
  const files: Record<string, string | null> = {
    'package.json': JSON.stringify({ name: 'root', private: true, packageManager: 'pnpm@9.15.9' }),
    'pnpm-workspace.yaml': 'packages:\n  - "apps/*"\n  - "packages/*"\n',
    'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
    'apps/api/package.json': JSON.stringify({
      name: '@x/api',
      scripts: { build: 'tsc -p tsconfig.json' },
      dependencies: { '@x/shared': 'workspace:*', express: '^4' },
      devDependencies: { typescript: '^5' },
    }),
    'apps/api/tsconfig.json': TSCONFIG,
    'apps/api/src/server.ts': "import express from 'express';\nimport { x } from '@x/shared';\nexpress().listen(3000);\n",
    'packages/shared/package.json': JSON.stringify({ name: '@x/shared', main: 'index.js' }),
    'packages/shared/index.js': 'module.exports = { x: 1 };\n',
    ...over,
  };
  return Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => e[1] !== null));
}

const DOCKERFILE = (cmd = '["node", "apps/api/dist/server.js"]', build = 'pnpm -r build') =>
  [
    'FROM node:22-slim',
    'RUN corepack enable',
    'WORKDIR /app',
    'COPY . .',
    'RUN pnpm install --frozen-lockfile',
    `RUN ${build}`,
    `CMD ${cmd}`,
    '',
  ].join('\n');

/** The decision: the deploy command, or the hold-back code. */
function decide(files: Record<string, string>, dockerfile = DOCKERFILE()): string | null {
  const doc = parseDockerfile(dockerfile);
  const facts = gatherFacts(memorySource(files));
  const stage = doc.stages[0];
  const installs = stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => classifyRun(doc, i).commands.filter((c) => c.kind === 'install'));
  const prune = pruneCommand(doc, new Project(facts), stage, installs).command;
  if (prune === null) return 'prune-unknown';
  const model = new ImageModel(doc, new Project(facts));
  const d = model.workspaceDeploy(stage, model.start(stage), '/app', installs, prune);
  return d === null ? null : d.kind === 'deploy' ? d.command : d.code;
}

const DEPLOY = 'pnpm deploy --filter=@x/api --prod /prod/api';
const api = (o: Record<string, unknown>) =>
  JSON.stringify({ ...(JSON.parse(workspace()['apps/api/package.json']) as Record<string, unknown>), ...o });

describe('workspaceDeploy: pnpm deploy of the package the start runs, or why not', () => {
  it('deploys a built package with a plain-JS workspace dependency', () => {
    expect(decide(workspace())).toBe(DEPLOY);
  });

  it('does not arise outside a pnpm workspace or for a start that runs no package', () => {
    expect(decide(workspace({ 'pnpm-workspace.yaml': null }))).toBeNull();
    expect(decide(workspace({ 'server.js': '' }), DOCKERFILE('["node", "server.js"]'))).toBeNull();
  });

  // What npm-packlist 5.1.3 (pnpm 8 to 10's copy of a package) keeps, as observed on real folders:
  // `files` decides at the package root, then each folder's .npmignore, or its .gitignore when it has none.
  it('follows the publish rules for the build output', () => {
    expect(decide(workspace({ 'apps/api/.gitignore': 'dist\n' }))).toBe('deploy-publish-rules');
    expect(decide(workspace({ 'apps/api/.gitignore': 'dist\n', 'apps/api/.npmignore': 'src\n' }))).toBe(DEPLOY);
    expect(decide(workspace({ 'apps/api/package.json': api({ files: ['dist'] }), 'apps/api/.gitignore': 'dist\n' }))).toBe(
      DEPLOY,
    );
    expect(decide(workspace({ 'apps/api/package.json': api({ files: ['dist/**/*.js'] }) }))).toBe(DEPLOY);
    expect(decide(workspace({ 'apps/api/package.json': api({ files: ['src'] }) }))).toBe('deploy-publish-rules');
    expect(decide(workspace({ 'apps/api/.gitignore': '/dist/sub/\n*.log\n' }))).toBe(DEPLOY);
    // A negation brings dist/server.js back for npm-packlist; the model does not follow negations and holds back.
    expect(decide(workspace({ 'apps/api/.gitignore': 'dist/*\n!dist/server.js\n' }))).toBe('deploy-publish-rules');
  });

  it("checks a workspace dependency's entry the same way", () => {
    const built = {
      'packages/shared/package.json': JSON.stringify({ name: '@x/shared', main: 'dist/index.js', scripts: { build: 'tsc' } }),
      'packages/shared/tsconfig.json': TSCONFIG,
      'packages/shared/src/index.ts': 'export const x = 1;\n',
      'packages/shared/index.js': null,
    };
    expect(decide(workspace(built))).toBe(DEPLOY);
    expect(decide(workspace({ ...built, 'packages/shared/.gitignore': 'dist/\n' }))).toBe('deploy-publish-rules');
    // Built by neither the build nor present in the context.
    expect(decide(workspace(built), DOCKERFILE(undefined, 'pnpm --filter @x/api build'))).toBe('deploy-output-unknown');
    expect(decide(workspace(built), DOCKERFILE(undefined, 'pnpm --filter @x/api... build'))).toBe(DEPLOY);
  });

  it('holds back for pnpm versions whose deploy is not known, and adds --legacy on pnpm 10', () => {
    const root = (pm: string | undefined) => JSON.stringify({ name: 'root', private: true, packageManager: pm });
    expect(decide(workspace({ 'package.json': root(undefined) }))).toBe('deploy-pnpm-version');
    expect(decide(workspace({ 'package.json': root('pnpm@7.33.0') }))).toBe('deploy-pnpm-version');
    expect(decide(workspace({ 'package.json': root('pnpm@10.6.5') }))).toBe(
      'pnpm deploy --filter=@x/api --prod --legacy /prod/api',
    );
    // Before pnpm 10.3.0, --legacy did not lift the need for injected workspace packages.
    expect(decide(workspace({ 'package.json': root('pnpm@10.2.1') }))).toBe('deploy-pnpm-version');
    expect(
      decide(
        workspace({
          'package.json': root('pnpm@10.6.5'),
          'pnpm-workspace.yaml': 'packages:\n  - "apps/*"\n  - "packages/*"\ninjectWorkspacePackages: true\n',
        }),
      ),
    ).toBe(DEPLOY);
  });

  it('holds back when the app reads outside its package', () => {
    const server = workspace()['apps/api/src/server.ts'];
    expect(decide(workspace({ 'apps/api/src/server.ts': `${server}const web = '../../web/dist';\n` }))).toBe(
      'deploy-reads-outside-package',
    );
    expect(decide(workspace({ 'apps/api/src/server.ts': `${server}path.join(__dirname, '..', '..', 'web');\n` }))).toBe(
      'deploy-reads-outside-package',
    );
    // One level up from src/ (or dist/) is the package itself.
    expect(decide(workspace({ 'apps/api/src/server.ts': `${server}path.join(__dirname, '..', 'views');\n` }))).toBe(DEPLOY);
    expect(decide(workspace({ 'apps/api/package.json': api({ dependencies: { dotenv: '^16' } }), '.env': 'A=1\n' }))).toBe(
      'deploy-reads-outside-package',
    );
  });

  it('reads the start: a root script or node -r holds back, pnpm --filter of a plain node script deploys', () => {
    const scripts = (o: Record<string, string>) =>
      JSON.stringify({ name: 'root', private: true, packageManager: 'pnpm@9.15.9', scripts: o });
    expect(
      decide(workspace({ 'package.json': scripts({ start: 'node apps/api/dist/server.js' }) }), DOCKERFILE('["pnpm", "start"]')),
    ).toBe('deploy-start-shape');
    expect(decide(workspace(), DOCKERFILE('["node", "-r", "dotenv/config", "apps/api/dist/server.js"]'))).toBe(
      'deploy-start-shape',
    );
    const withStart = {
      'apps/api/package.json': api({ scripts: { build: 'tsc -p tsconfig.json', start: 'node dist/server.js' } }),
    };
    expect(decide(workspace(withStart), DOCKERFILE('["pnpm", "--filter", "@x/api", "start"]'))).toBe(DEPLOY);
    expect(decide(workspace(withStart), DOCKERFILE('["pnpm", "-C", "apps/api", "start"]'))).toBe(DEPLOY);
    expect(decide(workspace({ ...withStart, '.npmrc': 'x=1\n' }), DOCKERFILE('["pnpm", "-C", "apps/api", "start"]'))).toBe(
      'deploy-start-shape',
    );
  });

  it('holds back for a hoisted node_modules', () => {
    expect(decide(workspace({ '.npmrc': 'node-linker=hoisted\n' }))).toBe('deploy-node-linker');
  });
});

/** The same workspace with npm: workspaces in package.json, a v3 package-lock.json. */
function npmWorkspace(over: Record<string, string | null> = {}): Record<string, string> {
  const lock = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      name: 'root',
      lockfileVersion: 3,
      packages: {
        '': { name: 'root', workspaces: ['apps/*', 'packages/*'] },
        'apps/api': { name: '@x/api' },
        'packages/shared': { name: '@x/shared' },
        'node_modules/@x/api': { resolved: 'apps/api', link: true },
        'node_modules/@x/shared': { resolved: 'packages/shared', link: true },
        'node_modules/express': { version: '4.21.2' },
        'node_modules/typescript': { version: '5.7.2', dev: true },
        ...extra,
      },
    });
  return workspace({
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['apps/*', 'packages/*'] }),
    'pnpm-workspace.yaml': null,
    'pnpm-lock.yaml': null,
    'package-lock.json': lock(),
    'apps/api/package.json': JSON.stringify({
      name: '@x/api',
      scripts: { build: 'tsc -p tsconfig.json' },
      dependencies: { '@x/shared': '*', express: '^4' },
      devDependencies: { typescript: '^5' },
    }),
    ...Object.fromEntries(
      Object.entries(over).map(([k, v]) =>
        k === 'lock' ? ['package-lock.json', lock(JSON.parse(v!) as Record<string, unknown>)] : [k, v],
      ),
    ),
  });
}
const NPM_DOCKERFILE = (cmd = '["node", "apps/api/dist/server.js"]', install = 'npm ci') =>
  ['FROM node:22-slim', 'WORKDIR /app', 'COPY . .', `RUN ${install}`, 'RUN npm run build --workspaces', `CMD ${cmd}`, ''].join(
    '\n',
  );
const NPM_CLOSURE = 'npm ci --omit=dev --workspace=apps/api';

describe('workspaceDeploy: npm ci --workspace of the package the start runs, or why not', () => {
  it('reinstalls the closure of a package the start runs directly, with the flags of the install', () => {
    expect(decide(npmWorkspace(), NPM_DOCKERFILE())).toBe(NPM_CLOSURE);
    expect(decide(npmWorkspace(), NPM_DOCKERFILE(undefined, 'npm ci --legacy-peer-deps'))).toBe(
      'npm ci --legacy-peer-deps --omit=dev --workspace=apps/api',
    );
    expect(decide(npmWorkspace(), NPM_DOCKERFILE(undefined, 'npm ci --registry https://npm.example.test/ --include dev'))).toBe(
      'npm ci --registry https://npm.example.test/ --omit=dev --workspace=apps/api',
    );
  });

  it('reinstalls for `npm start --workspace` of a plain node script, and the root package.json comes along', () => {
    const withStart = {
      'apps/api/package.json': JSON.stringify({
        name: '@x/api',
        scripts: { build: 'tsc -p tsconfig.json', start: 'node dist/server.js' },
        dependencies: { '@x/shared': '*', express: '^4' },
      }),
    };
    expect(decide(npmWorkspace(withStart), NPM_DOCKERFILE('["npm", "start", "--workspace=apps/api"]'))).toBe(NPM_CLOSURE);
    expect(decide(npmWorkspace({ ...withStart, '.npmrc': 'x=1\n' }), NPM_DOCKERFILE('["npm", "start", "-w", "apps/api"]'))).toBe(
      'deploy-start-shape',
    );
  });

  it('holds back when the lockfile cannot tell what the install did', () => {
    expect(decide(npmWorkspace({ 'package-lock.json': null }), NPM_DOCKERFILE(undefined, 'npm install'))).toBe(
      'deploy-npm-lockfile',
    );
    expect(decide(npmWorkspace(), NPM_DOCKERFILE(undefined, 'npm install'))).toBe('deploy-npm-lockfile');
    expect(
      decide(npmWorkspace({ 'package-lock.json': JSON.stringify({ lockfileVersion: 1, dependencies: {} }) }), NPM_DOCKERFILE()),
    ).toBe('deploy-npm-lockfile');
    expect(
      decide(npmWorkspace({ lock: JSON.stringify({ 'apps/api/node_modules/express': { version: '5.0.0' } }) }), NPM_DOCKERFILE()),
    ).toBe('deploy-npm-lockfile');
    // A nested folder in a package outside the closure is not copied and does not matter.
    expect(
      decide(npmWorkspace({ lock: JSON.stringify({ 'apps/web/node_modules/react': { version: '18.0.0' } }) }), NPM_DOCKERFILE()),
    ).toBe(NPM_CLOSURE);
  });

  it('holds back on images whose npm is older than 10 or unknown', () => {
    const on = (image: string) => decide(npmWorkspace(), NPM_DOCKERFILE().replace('FROM node:22-slim', `FROM ${image}`));
    expect(on('node:20-alpine')).toBe(NPM_CLOSURE);
    expect(on('node:18')).toBe(NPM_CLOSURE);
    expect(on('node:18.12-alpine')).toBe('deploy-npm-lockfile');
    expect(on('node:16')).toBe('deploy-npm-lockfile');
    expect(on('registry.example.test/base/node-runtime:3')).toBe('deploy-npm-lockfile');
  });

  it('holds back when npm ci would run an install script again', () => {
    const root = JSON.stringify({
      name: 'root',
      private: true,
      workspaces: ['apps/*', 'packages/*'],
      scripts: { prepare: 'husky' },
    });
    expect(decide(npmWorkspace({ 'package.json': root }), NPM_DOCKERFILE())).toBe('deploy-install-scripts');
    const shared = JSON.stringify({ name: '@x/shared', main: 'index.js', scripts: { postinstall: 'node setup.js' } });
    expect(decide(npmWorkspace({ 'packages/shared/package.json': shared }), NPM_DOCKERFILE())).toBe('deploy-install-scripts');
  });

  it('holds back when a package of the closure imports what it does not declare', () => {
    const server = "import express from 'express';\nimport { x } from '@x/shared';\nimport _ from 'lodash';\n";
    expect(decide(npmWorkspace({ 'apps/api/src/server.ts': server }), NPM_DOCKERFILE())).toBe('deploy-undeclared-import');
    expect(decide(npmWorkspace({ 'packages/shared/index.js': "module.exports = require('ms');\n" }), NPM_DOCKERFILE())).toBe(
      'deploy-undeclared-import',
    );
  });

  it('holds back when what a package of the closure imports cannot be read', () => {
    // A built entry without a tsconfig that leads back to its source: its imports are unknown.
    expect(decide(npmWorkspace({ 'apps/api/tsconfig.json': null }), NPM_DOCKERFILE())).toBe('deploy-undeclared-import');
  });

  it('holds back when the build writes into node_modules', () => {
    expect(
      decide(
        npmWorkspace(),
        NPM_DOCKERFILE().replace('RUN npm run build --workspaces', 'RUN npx prisma generate && npm run build --workspaces'),
      ),
    ).toBe('deploy-writes-node-modules');
  });
});

describe('workspaceDeploy: yarn workspaces focus of the package the start runs', () => {
  const yarn = (linker: string, over: Record<string, string | null> = {}) =>
    workspace({
      'package.json': JSON.stringify({
        name: 'root',
        private: true,
        workspaces: ['apps/*', 'packages/*'],
        packageManager: 'yarn@4.5.3',
      }),
      'pnpm-workspace.yaml': null,
      'pnpm-lock.yaml': null,
      'yarn.lock': '__metadata:\n  version: 8\n',
      '.yarnrc.yml': `nodeLinker: ${linker}\n`,
      ...over,
    });
  const YARN_DOCKERFILE = (cmd = '["node", "apps/api/dist/server.js"]') =>
    [
      'FROM node:22-slim',
      'RUN corepack enable',
      'WORKDIR /app',
      'COPY . .',
      'RUN yarn install --immutable',
      'RUN yarn workspaces foreach -A run build',
      `CMD ${cmd}`,
      '',
    ].join('\n');

  it('focuses the started package with the node-modules linker, and holds back otherwise', () => {
    expect(decide(yarn('node-modules'), YARN_DOCKERFILE())).toBe('yarn workspaces focus @x/api --production');
    expect(decide(yarn('node-modules'), YARN_DOCKERFILE('["yarn", "workspace", "@x/api", "start"]'))).toBe('deploy-start-shape');
    expect(decide(yarn('pnp', { '.yarnrc.yml': 'nodeLinker: pnp\nenableGlobalCache: false\n' }), YARN_DOCKERFILE())).toBe(
      'deploy-node-linker',
    );
  });
});
