import { describe, expect, it } from 'vitest';
import { appReads, buildReads, envFileUse, envFiles } from '../src/model/image/build-reads.js';
import { scriptClosure } from '../src/model/commands/script-graph.js';
import { Project } from '../src/model/project/project.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { CASES, runCase } from './case-harness.js';

const pkg = (p: {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}) => JSON.stringify({ name: 'app', ...p });

function project(pkgJson: string, extra: Record<string, string> = {}) {
  return new Project(gatherFacts(memorySource({ 'package.json': pkgJson, 'package-lock.json': '{}', ...extra })));
}

const dockerfile = (run: string, cmd = '["node", "server.js"]') =>
  parseDockerfile(
    `FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n${run ? `RUN ${run}\n` : ''}CMD ${cmd}\n`,
  );

/** The env decisions as `file: build | run` lines, read files only. */
function readEnv(doc: ReturnType<typeof parseDockerfile>, facts: ReturnType<typeof project>): string[] {
  return envFiles(doc, facts)
    .filter((u) => u.build.length || u.run.length)
    .map((u) => `${u.file}: ${u.build.join(', ') || '-'} | ${u.run.join(', ') || '-'}`);
}

describe('scriptClosure', () => {
  it('follows npm run, npm test, yarn, pnpm, bun run and their pre/post hooks', () => {
    const facts = project(
      pkg({
        scripts: {
          ci: 'npm run lint && npm test && yarn types && pnpm bundle && bun run last',
          lint: 'eslint .',
          pretest: 'echo pre',
          test: 'jest',
          posttest: 'echo post',
          types: 'tsc --noEmit',
          bundle: 'vite build',
          prebundle: 'node gen.js',
          last: 'echo done',
          unrelated: 'git rev-parse HEAD',
        },
      }),
    );
    expect(scriptClosure(facts, 'ci')).toEqual([
      'ci',
      'lint',
      'pretest',
      'test',
      'posttest',
      'types',
      'prebundle',
      'bundle',
      'last',
    ]);
  });

  it('expands npm-run-all, run-s, run-p patterns and concurrently npm: shortcuts and commands', () => {
    const facts = project(
      pkg({
        scripts: {
          build: 'run-s clean "build:*"',
          clean: 'rimraf dist',
          'build:client': 'vite build',
          'build:server': 'tsc',
          'build:x:y': 'echo nested',
          all: 'npm-run-all --parallel --max-parallel 2 lint build',
          lint: 'eslint .',
          dev: 'concurrently -n a,b "npm:watch-*" "cross-env NODE_ENV=test npm run seed"',
          'watch-a': 'tsc -w',
          'watch-b': 'vite',
          seed: 'node seed.js',
          par: 'run-p lint',
        },
      }),
    );
    expect(scriptClosure(facts, 'build')).toEqual(['build', 'clean', 'build:client', 'build:server']);
    expect(scriptClosure(facts, 'all')).toEqual(['all', 'lint', 'build', 'clean', 'build:client', 'build:server']);
    expect(scriptClosure(facts, 'dev')).toEqual(['dev', 'watch-a', 'watch-b', 'seed']);
    expect(scriptClosure(facts, 'par')).toEqual(['par', 'lint']);
  });

  it('survives scripts that call each other, and names only scripts that exist', () => {
    const facts = project(pkg({ scripts: { a: 'npm run b', b: 'npm run a && npm run missing' } }));
    expect(scriptClosure(facts, 'a')).toEqual(['a', 'b']);
    expect(scriptClosure(facts, 'missing')).toEqual([]);
  });
});

describe('buildReads', () => {
  it('test folders when the build runs npm run ci, which runs npm test', () => {
    const facts = project(pkg({ scripts: { ci: 'npm run lint && npm test', lint: 'echo ok', test: 'jest --ci' } }));
    const reads = buildReads(dockerfile('npm run ci'), facts).filter((r) => r.reason === 'tests');
    expect(reads.map((r) => r.path)).toEqual(['test', 'tests', '__tests__', 'spec', 'specs', 'e2e']);
    expect(reads[0].by).toBe('`jest --ci` (script `test`)');
  });

  it('no test folders when no step runs tests', () => {
    const facts = project(pkg({ scripts: { build: 'tsc', test: 'jest' } }));
    expect(buildReads(dockerfile('npm run build'), facts)).toEqual([]);
  });

  it('.git when a script the build reaches runs git, or a git-reading plugin builds', () => {
    const facts = project(
      pkg({ scripts: { build: 'npm run version && tsc', version: 'echo $(git rev-parse --short HEAD) > REVISION' } }),
    );
    expect(buildReads(dockerfile('npm run build'), facts)).toEqual([
      { path: '.git', reason: 'git', by: '`git rev-parse` (script `version`)' },
    ]);
    const plugin = project(pkg({ scripts: { build: 'webpack' }, devDependencies: { 'git-revision-webpack-plugin': '^5.0.0' } }));
    expect(buildReads(dockerfile('npm run build'), plugin)).toEqual([
      { path: '.git', reason: 'git', by: 'git-revision-webpack-plugin in the build' },
    ]);
    // The plugin reads nothing when no build runs.
    expect(buildReads(dockerfile(''), plugin)).toEqual([]);
    const sync = project(pkg({ dependencies: { 'git-rev-sync': '^3.0.0' } }));
    expect(buildReads(dockerfile(''), sync)).toEqual([{ path: '.git', reason: 'git', by: 'git-rev-sync' }]);
  });

  it('git clone reads no local repository; a git command in a script the build does not reach does not count', () => {
    const facts = project(pkg({ scripts: { build: 'tsc', release: 'git describe --tags' } }));
    expect(buildReads(dockerfile('git clone https://example.invalid/x.git vendor/x && npm run build'), facts)).toEqual([]);
  });

  it('a test script reached counts as a test run even when its runner is not known by name', () => {
    const facts = project(
      pkg({ scripts: { verify: 'CI=true npm run test:unit', 'test:unit': 'react-scripts test --watchAll=false' } }),
    );
    expect(buildReads(dockerfile('npm run verify'), facts).map((r) => `${r.path} ${r.by}`)[0]).toBe('test script `test:unit`');
  });

  it('installing the git package is not a git command', () => {
    const facts = project(pkg({}));
    expect(buildReads(dockerfile('apt-get update && apt-get install -y git curl'), facts)).toEqual([]);
  });

  it('install lifecycle scripts run with npm ci, unless --ignore-scripts', () => {
    const facts = project(pkg({ scripts: { prepare: 'git describe --always > VERSION' } }));
    expect(buildReads(dockerfile(''), facts).map((r) => r.path)).toEqual(['.git']);
    const doc = parseDockerfile('FROM node:22\nCOPY . .\nRUN npm ci --ignore-scripts\n');
    expect(buildReads(doc, facts)).toEqual([]);
  });
});

describe('appReads', () => {
  it(".git when the app's start script reaches a git command", () => {
    const facts = project(pkg({ scripts: { prestart: 'git describe --tags > VERSION', start: 'node server.js' } }));
    expect(appReads(dockerfile('', '["npm", "start"]'), facts)).toEqual([
      { path: '.git', reason: 'git', by: '`git describe` (script `prestart`)' },
    ]);
    expect(appReads(dockerfile('', '["node", "server.js"]'), facts)).toEqual([]);
  });
});

describe('envFiles', () => {
  const standard = ['.env', '.env.local', '.env.production', '.env.production.local'];

  it('vite build reads .env, .env.local, .env.production, .env.production.local; the same with or without the files', () => {
    const p = pkg({ scripts: { build: 'tsc -b && vite build' }, devDependencies: { vite: '^5.0.0' } });
    const doc = dockerfile('npm run build');
    const without = readEnv(doc, project(p));
    const withFiles = readEnv(doc, project(p, { '.env.production': 'VITE_API=/api\n', '.env': 'X=1\n' }));
    expect(without).toEqual(standard.map((f) => `${f}: \`vite build\` (script \`build\`) | -`));
    expect(withFiles).toEqual(without);
  });

  it('vite build --mode staging reads .env.staging', () => {
    const facts = project(pkg({ scripts: { build: 'vite build --mode staging' } }));
    expect(readEnv(dockerfile('npm run build'), facts)).toEqual(
      ['.env', '.env.local', '.env.staging', '.env.staging.local'].map((f) => `${f}: \`vite build\` (script \`build\`) | -`),
    );
  });

  it('Create React App and Next.js builds; next start reads them again at run time', () => {
    const cra = project(pkg({ scripts: { build: 'react-scripts build' } }));
    expect(readEnv(dockerfile('npm run build'), cra)).toEqual(
      standard.map((f) => `${f}: \`react-scripts build\` (script \`build\`) | -`),
    );
    const next = project(
      pkg({ scripts: { build: 'next build', start: 'next start -p 3000' }, dependencies: { next: '^14.0.0' } }),
    );
    expect(readEnv(dockerfile('npm run build', '["npm", "start"]'), next)).toEqual(
      standard.map((f) => `${f}: \`next build\` (script \`build\`) | \`next start\` (script \`start\`)`),
    );
  });

  it("Next.js: .env.local and .env.production.local are machine-local, whether or not they exist; the standalone server reads next build's copies of .env and .env.production", () => {
    const scripts = { build: 'next build', start: 'next start' };
    const plain = project(pkg({ scripts, dependencies: { next: '15.5.4' } }), { 'next.config.mjs': 'export default {};\n' });
    const local = (facts: ReturnType<typeof project>, cmd: string) =>
      envFiles(dockerfile('npm run build', cmd), facts)
        .filter((u) => u.machineLocal)
        .map((u) => u.file);
    expect(local(plain, '["npm", "start"]')).toEqual(['.env.local', '.env.production.local']);
    const withFile = project(pkg({ scripts, dependencies: { next: '15.5.4' } }), {
      'next.config.mjs': 'export default {};\n',
      '.env.local': 'SECRET=1\n',
    });
    expect(local(withFile, '["npm", "start"]')).toEqual(local(plain, '["npm", "start"]'));
    expect(envFileUse(envFiles(dockerfile('npm run build', '["npm", "start"]'), plain), '.env.local').machineLocal).toMatch(
      /^`next build` \(script `build`\), `next start` \(script `start`\) would read it when present/,
    );
    const standalone = project(pkg({ scripts, dependencies: { next: '15.5.4' } }), {
      'next.config.mjs': "export default { output: 'standalone' };\n",
    });
    const uses = envFiles(dockerfile('npm run build', '["node", ".next/standalone/server.js"]'), standalone);
    expect(readEnv(dockerfile('npm run build', '["node", ".next/standalone/server.js"]'), standalone)).toEqual(
      standard.map((f) => `${f}: \`next build\` (script \`build\`) | -`),
    );
    expect(uses.filter((u) => u.copiedByBuild).map((u) => `${u.file}: ${u.copiedByBuild}`)).toEqual([
      '.env: next build copies it into .next/standalone, where `node .next/standalone/server.js` reads it at run time',
      '.env.production: next build copies it into .next/standalone, where `node .next/standalone/server.js` reads it at run time',
    ]);
    // vite's .local files are not Next.js': they stay a build input.
    const vite = project(pkg({ scripts: { build: 'vite build' } }));
    expect(local(vite, '["node", "server.js"]')).toEqual([]);
  });

  it('dotenv-safe reads .env and .env.example when the app runs; dotenv in devDependencies only reads nothing', () => {
    const safe = project(pkg({ dependencies: { 'dotenv-safe': '^9.0.0' } }));
    expect(readEnv(dockerfile(''), safe)).toEqual(['.env: - | dotenv-safe', '.env.example: - | dotenv-safe']);
    const dev = project(pkg({ devDependencies: { dotenv: '^16.0.0' } }));
    expect(readEnv(dockerfile(''), dev)).toEqual([]);
  });

  it('env loaders on the command line: dotenv-cli, env-cmd, node --env-file, -r dotenv/config, dotenv-flow', () => {
    const facts = project(
      pkg({
        scripts: {
          build: 'dotenv -e .env.ci -- npm run compile',
          compile: 'tsc',
          start: 'node --env-file-if-exists=.env.runtime dist/index.js',
        },
        dependencies: { 'dotenv-flow': '^4.0.0' },
      }),
    );
    const uses = envFiles(dockerfile('npm run build', '["npm", "start"]'), facts);
    expect(envFileUse(uses, '.env.ci')).toEqual({ file: '.env.ci', build: ['`dotenv-cli` (script `build`)'], run: [] });
    expect(envFileUse(uses, '.env.runtime').run).toEqual(['`node --env-file` (script `start`)']);
    expect(envFileUse(uses, '.env.production').run).toEqual(['dotenv-flow']);
    expect(envFileUse(uses, '.env.test')).toEqual({ file: '.env.test', build: [], run: [] });
    const cmd = envFiles(
      dockerfile('', '["node", "-r", "dotenv/config", "server.js", "dotenv_config_path=config/app.env"]'),
      project(pkg({})),
    );
    expect(envFileUse(cmd, 'config/app.env').run).toEqual(['`node -r dotenv/config`']);
    const envCmd = envFiles(dockerfile('', 'env-cmd -f ./.env.docker node server.js'), project(pkg({})));
    expect(envFileUse(envCmd, '.env.docker').run).toEqual(['`env-cmd`']);
  });

  it('lists every standard env file, read or not, with nothing read for a plain app', () => {
    const uses = envFiles(dockerfile(''), project(pkg({ dependencies: { express: '^4.0.0' } })));
    expect(uses.map((u) => u.file)).toEqual([
      '.env',
      '.env.local',
      '.env.development',
      '.env.development.local',
      '.env.test',
      '.env.test.local',
      '.env.production',
      '.env.production.local',
      '.env.example',
      '.env.defaults',
      '.env.schema',
    ]);
    expect(uses.every((u) => !u.build.length && !u.run.length)).toBe(true);
  });
});

describe('dockerignore decides env files without looking for them', () => {
  const envOverlay = Object.fromEntries(
    ['.env', '.env.local', '.env.development', '.env.test', '.env.production', '.env.production.local', '.env.example'].map(
      (f) => [f, 'X=1\n'],
    ),
  );
  for (const c of CASES.filter((x) => x.group === 'dockerignore' || x.group === 'pipeline')) {
    it(`${c.group}/${c.name}: the same .dockerignore with every usual env file present`, () => {
      const ignoreOf = (r: ReturnType<typeof runCase>) => r.files.find((f) => f.path.endsWith('.dockerignore'))?.content ?? null;
      expect(ignoreOf(runCase(c, undefined, envOverlay))).toBe(ignoreOf(runCase(c)));
    });
  }
});
