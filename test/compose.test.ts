/**
 * Compose services that build the migrated Dockerfile and run tests or a dev server in it: a
 * warning naming the compose file and the service (transform `compose`).
 */
import { describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate.js';

const PKG = JSON.stringify({
  name: 'api',
  version: '1.0.0',
  scripts: { start: 'node server.js', dev: 'nodemon server.js', test: 'vitest run' },
  dependencies: { express: '^4.21.0' },
  devDependencies: { nodemon: '^3.1.0', vitest: '^2.0.0' },
});
const LOCK = JSON.stringify({
  name: 'api',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'api', version: '1.0.0' } },
});
const DOCKERFILE =
  'FROM node:22-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm install\nCOPY . .\nEXPOSE 3000\nCMD ["node", "server.js"]\n';

function composeWarnings(
  files: Record<string, string>,
  opts: { path?: string; contextPath?: string; dockerfile?: string; transforms?: string[] } = {},
) {
  const context = {
    'package.json': PKG,
    'package-lock.json': LOCK,
    'server.js': 'require("express")().listen(3000);\n',
    ...files,
  };
  const res = migrate({
    dockerfile: opts.dockerfile ?? DOCKERFILE,
    context,
    path: opts.path,
    contextPath: opts.contextPath,
    options: opts.transforms ? { transforms: opts.transforms } : {},
  });
  return res.warnings.filter((w) => w.transform === 'compose').map((w) => `${w.code}: ${w.message}`);
}

describe('compose warnings', () => {
  it('a service running the tests in the image', () => {
    expect(
      composeWarnings({
        'compose.yaml': 'services:\n  api:\n    build: .\n  unit:\n    build: .\n    command: ["npx", "vitest", "run"]\n',
      }),
    ).toEqual([
      'compose-test-command: compose.yaml service unit runs `npx vitest run` in this image: the migrated image has no devDependencies and no tests; keep a development target for it',
    ]);
  });

  it('a dev server, with and without the sources mounted over the app directory', () => {
    const yml =
      'services:\n  web:\n    build: .\n    command: npm run dev\n    volumes:\n      - ./:/app\n  watch:\n    build: .\n    entrypoint: nodemon\n    command: server.js\n    volumes:\n      - data:/data\n';
    expect(composeWarnings({ 'docker-compose.yml': yml })).toEqual([
      'compose-dev-command: docker-compose.yml service web runs `npm run dev` in this image with the sources mounted over /app (`./:/app`): the migrated image has no devDependencies; keep a development target for it',
      'compose-dev-command: docker-compose.yml service watch runs `nodemon server.js` in this image: the migrated image has no devDependencies; keep a development target for it',
    ]);
  });

  it('only services that build this Dockerfile', () => {
    const yml =
      'services:\n  dev:\n    build:\n      context: .\n      dockerfile: Dockerfile.dev\n    command: npm run dev\n  other:\n    image: node:22\n    command: npm test\n';
    expect(composeWarnings({ 'docker-compose.yml': yml })).toEqual([]);
    expect(composeWarnings({ 'docker-compose.yml': yml }, { path: 'Dockerfile.dev' })).toEqual([
      'compose-dev-command: docker-compose.yml service dev runs `npm run dev` in this image: the migrated image has no devDependencies; keep a development target for it',
    ]);
  });

  it('a Dockerfile in a folder of the context: build.context names the folder', () => {
    const yml = 'services:\n  api:\n    build:\n      context: ./api\n    command: npm test\n';
    const files = { 'docker-compose.yml': yml, 'api/package.json': PKG, 'api/server.js': '' };
    expect(composeWarnings(files, { path: 'api/Dockerfile', contextPath: '' })).toHaveLength(1);
    expect(composeWarnings(files, { path: 'Dockerfile', contextPath: '' })).toEqual([]);
  });

  it('nothing for the app itself, an unreadable compose file, or a migration that keeps the devDependencies', () => {
    expect(composeWarnings({ 'docker-compose.yml': 'services:\n  api:\n    build: .\n    command: node server.js\n' })).toEqual(
      [],
    );
    expect(composeWarnings({ 'docker-compose.yml': 'services:\n  api: [\n    build: .\n  command: npm test\n' })).toEqual([]);
    expect(
      composeWarnings(
        { 'docker-compose.yml': 'services:\n  api:\n    build: .\n    command: npm test\n' },
        { transforms: ['npm-ci', 'cache-order'] },
      ),
    ).toEqual([]);
  });
});
