/**
 * The two models the transforms consult before they change what an image holds: what the image
 * runs when it starts (start-path) and what its build creates in the app directory (app-dir).
 */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { gatherFacts, memorySource } from '../src/model/project/facts.js';
import { plainNodeCall } from '../src/model/image/start-path.js';
import { ImageModel } from '../src/model/image/model.js';
import { Project } from '../src/model/project/project.js';
import type { ParsedDockerfile } from '../src/dockerfile/parse.js';
import { tsconfigChain, tsconfigOptions, tsconfigOutDir } from '../src/model/project/tsconfig.js';

const facts = (files: Record<string, string>, pkg: object = {}) =>
  gatherFacts(memorySource({ 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', ...pkg }), ...files }));

/** The image model of a Dockerfile over a project: what the transforms ask. */
const image = (doc: ParsedDockerfile, f: ReturnType<typeof facts>) => new ImageModel(doc, new Project(f));

const start = (dockerfile: string, pkg: object = {}, files: Record<string, string> = {}) => {
  const doc = parseDockerfile(dockerfile);
  return image(doc, facts(files, pkg)).start();
};

const created = (dockerfile: string, pkg: object = {}, files: Record<string, string> = {}) => {
  const doc = parseDockerfile(dockerfile);
  const m = image(doc, facts(files, pkg)).appDir(doc.stages[doc.stages.length - 1], '/app');
  return { paths: m.created.map((c) => `${c.path}:${c.type}`).sort(), unknown: m.unknown?.why ?? null };
};

describe('start path', () => {
  it('follows npm start through prestart and a && chain to the devDependencies it runs', () => {
    const s = start('FROM node:20\nCMD ["npm", "start"]\n', {
      scripts: { prestart: 'node check.js', start: 'cross-env PORT=1 tsx src/index.ts && echo done' },
      dependencies: { express: '4' },
      devDependencies: { tsx: '4', 'cross-env': '7' },
    });
    expect(s.scripts).toEqual(['prestart', 'start']);
    expect(s.devPackages.map((p) => p.name).sort()).toEqual(['cross-env', 'tsx']);
    expect(s.runtimeFiles.map((f) => f.path)).toEqual(['tsconfig.json']);
    expect(s.devServer).toBeNull();
    expect(s.buildsAtStart).toBeNull();
  });

  it('reads packages from node -r/--require/--import and files from --env-file', () => {
    const s = start(
      'FROM node:20\nCMD node -r tsconfig-paths/register --import=@opentelemetry/auto --env-file=.env.prod dist/main.js\n',
      {
        dependencies: { 'tsconfig-paths': '4', '@opentelemetry/auto': '1' },
      },
    );
    expect([...s.packages.keys()].sort()).toEqual(['@opentelemetry/auto', 'tsconfig-paths']);
    expect(s.devPackages).toEqual([]);
    expect(s.runtimeFiles.map((f) => f.path).sort()).toEqual(['.env.prod', 'tsconfig.json']);
  });

  it("follows a local preload's imports, and skips the values of node's own flags", () => {
    const s = start(
      'FROM node:20\nCMD ["node", "--title", "api", "--require", "./tracing.js", "server.js"]\n',
      { dependencies: { express: '4' }, devDependencies: { 'pino-pretty': '13', debug: '4' } },
      {
        'tracing.js': "const pretty = require('pino-pretty');\n",
        'server.js': "const debug = require('debug');\n",
        'api.js': "require('never-loaded');\n",
      },
    );
    expect(s.devPackages.map((p) => [p.name, p.why])).toEqual([
      ['pino-pretty', 'imported by tracing.js, which `node --title api --require ./tracing.js server.js` preloads (--require)'],
      ['debug', 'imported by server.js, which `node --title api --require ./tracing.js server.js` loads'],
    ]);
    expect(s.packages.has('never-loaded')).toBe(false);
  });

  it("names the files node's flags load and the entry, not the values of its other flags", () => {
    const s = start(
      'FROM node:20\nCMD ["node", "--title", "api", "-C", "production", "-r", "./tracing.js", "--env-file", ".env", "server.js"]\n',
      {},
      { 'server.js': '', 'tracing.js': '', '.env': '' },
    );
    expect(s.entries).toEqual(['tracing.js', '.env', 'server.js']);
    expect(s.runsTypeScript).toBe(false);
  });

  it('names what a start script, bun, pm2 and a script file run; not a name looked up on PATH', () => {
    expect(start('FROM node:20\nCMD ["npm", "start"]\n', { scripts: { start: 'tsx src/main.ts' } }).entries).toEqual([
      'src/main.ts',
    ]);
    expect(start('FROM node:20\nCMD ["npm", "start"]\n', { scripts: { start: 'tsx src/main.ts' } }).runsTypeScript).toBe(true);
    const bun = start('FROM oven/bun:1\nCMD ["bun", "run", "server.ts"]\n', {}, { 'server.ts': '' });
    expect([bun.entries, bun.runsTypeScript]).toEqual([['server.ts'], true]);
    expect(start('FROM node:20\nCMD ["pm2-runtime", "ecosystem.config.js"]\n').entries).toEqual(['ecosystem.config.js']);
    expect(start('FROM node:20\nCMD ["./start.sh"]\n', {}, { 'start.sh': 'node server.js\n', 'server.js': '' }).entries).toEqual([
      'start.sh',
      'server.js',
    ]);
    expect(start('FROM node:20\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["node", "/app/server.js"]\n').entries).toEqual([
      '/app/server.js',
    ]);
  });

  it("reads the start in the WORKDIR's workspace package: its scripts, its main for `node .`, its devDependencies", () => {
    const files = {
      'package.json': JSON.stringify({ name: 'root', workspaces: ['apps/*'] }),
      'apps/api/package.json': JSON.stringify({
        name: 'api',
        main: 'dist/server.js',
        scripts: { start: 'ts-node src/main.ts' },
        devDependencies: { 'ts-node': '10' },
      }),
      'apps/api/src/main.ts': '',
    };
    const run = (cmd: string) =>
      image(parseDockerfile(`FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR /app/apps/api\nCMD ${cmd}\n`), facts(files)).start();
    expect(run('["node", "."]').entries).toEqual(['apps/api/dist/server.js']);
    const s = run('["npm", "start"]');
    expect(s.entries).toEqual(['apps/api/src/main.ts']);
    expect(s.devPackages.map((p) => p.name)).toEqual(['ts-node']);
  });

  it('marks development servers: a dev script, nodemon, next dev, vite, --watch', () => {
    expect(start('FROM node:20\nCMD ["yarn", "dev"]\n', { scripts: { dev: 'node server.js' } }).devServer).toMatch(
      /`dev` script/,
    );
    expect(start('FROM node:20\nCMD npx nodemon server.js\n', { devDependencies: { nodemon: '3' } }).devServer).toMatch(
      /watcher/,
    );
    expect(start('FROM node:20\nCMD ["npm", "start"]\n', { scripts: { start: 'next dev -p 3000' } }).devServer).toMatch(
      /Next\.js/,
    );
    expect(start('FROM node:20\nCMD ["node", "--watch", "server.js"]\n').devServer).toMatch(/--watch/);
    expect(start('FROM node:20\nCMD ["npm", "start"]\n', { scripts: { start: 'next start' } }).devServer).toBeNull();
  });

  it('tells a start that installs or builds', () => {
    expect(
      start('FROM node:20\nCMD ["npm", "start"]\n', {
        scripts: { prestart: 'yarn install && yarn build', build: 'tsc', start: 'node dist' },
      }).buildsAtStart,
    ).toMatch(/installs dependencies/);
    expect(
      start('FROM node:20\nCMD ["npm", "run", "start:prod"]\n', { scripts: { 'start:prod': 'nest start' } }).buildsAtStart,
    ).toMatch(/nest start/);
    expect(start('FROM node:20\nCMD ["node", "dist/main.js"]\n').buildsAtStart).toBeNull();
  });

  it('follows an exec-form ENTRYPOINT with CMD arguments and sh -c', () => {
    const s = start(
      'FROM node:20\nENTRYPOINT ["sh", "-c"]\nCMD ["npx prisma migrate deploy && node dist/index.js"]\n',
      { devDependencies: { prisma: '5' } },
      { 'prisma/schema.prisma': 'x' },
    );
    expect(s.devPackages.map((p) => p.name)).toEqual(['prisma']);
    expect(s.runtimeFiles.map((f) => f.path)).toEqual(['prisma']);
  });

  it('follows wait-for wrappers to the command they run', () => {
    expect(
      start('FROM node:20\nCMD dockerize -wait tcp://db:5432 -timeout 60s prisma db push && node dist/main\n').buildsAtStart,
    ).toMatch(/prisma db push/);
    expect(
      start('FROM node:20\nCMD ["./wait-for-it.sh", "db:5432", "--", "npm", "run", "dev"]\n', {
        scripts: { dev: 'nodemon x.js' },
      }).devServer,
    ).toMatch(/dev/);
  });

  it('names the package of a binary from the lockfile bin fields', () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: { '': {}, 'node_modules/@acme/serve-cli': { bin: { 'acme-serve': 'bin.js' }, dev: true } },
    });
    const s = start(
      'FROM node:20\nCMD ["npx", "acme-serve"]\n',
      { devDependencies: { '@acme/serve-cli': '1' } },
      { 'package-lock.json': lock },
    );
    expect(s.devPackages.map((p) => p.name)).toEqual(['@acme/serve-cli']);
  });

  const nextPkg = {
    scripts: { build: 'next build', start: 'next start' },
    dependencies: { next: '15.5.4' },
    devDependencies: { typescript: '5.9.2' },
  };
  it('next start with a next.config.ts needs typescript, a devDependency, and reads the config, what it imports and public/', () => {
    const s = start('FROM node:22\nCMD ["npm", "start"]\n', nextPkg, {
      'next.config.ts': "import { rewrites } from './config/rewrites';\nexport default { rewrites };\n",
      'config/rewrites.ts': 'export const rewrites = async () => [];\n',
      'public/robots.txt': 'User-agent: *\n',
      'tsconfig.json': '{ "extends": "./tsconfig.base.json" }',
      'tsconfig.base.json': '{}',
    });
    expect(s.next?.kind).toBe('next-start');
    expect(s.devPackages.map((p) => p.name)).toEqual(['typescript']);
    expect(s.runtimeFiles.map((f) => f.path)).toEqual([
      'next.config.ts',
      'tsconfig.json',
      'tsconfig.base.json',
      'config/rewrites.ts',
      'public',
    ]);
  });
  it('next start with a next.config.js or .mjs needs no devDependency', () => {
    for (const cfg of ['next.config.js', 'next.config.mjs']) {
      const s = start('FROM node:22\nCMD ["npx", "next", "start", "-p", "3001"]\n', nextPkg, { [cfg]: 'export default {};\n' });
      expect(s.devPackages).toEqual([]);
      expect(s.runtimeFiles.map((f) => f.path)).toEqual([cfg]);
    }
  });
  it("node .next/standalone/server.js is the standalone server only when the config says output: 'standalone'", () => {
    const cmd = 'FROM node:22\nWORKDIR /app\nCMD ["node", ".next/standalone/server.js"]\n';
    const on = start(cmd, nextPkg, { 'next.config.mjs': "export default { output: 'standalone' };\n" });
    expect(on.next).toEqual({ kind: 'standalone', line: 'node .next/standalone/server.js', dir: '.next/standalone' });
    expect(on.devPackages).toEqual([]);
    expect(start(cmd, nextPkg, { 'next.config.mjs': 'export default {};\n' }).next).toBeNull();
  });
});

describe('NestJS and Prisma on the start path', () => {
  it('finds `nest start` behind npm start, and a plain node start:prod', () => {
    const s = start('FROM node:20\nCMD ["npm", "start"]\n', {
      scripts: { start: 'nest start', 'start:prod': 'node dist/main' },
      devDependencies: { '@nestjs/cli': '11' },
    });
    expect(s.nestStart).toEqual({ words: ['nest', 'start'], line: 'start: nest start' });
    expect(s.devPackages.map((p) => p.name)).toEqual(['@nestjs/cli']);
    expect(plainNodeCall('node dist/main')).toEqual({
      entry: 'dist/main',
      words: ['node', 'dist/main'],
      preloads: [],
      envFiles: [],
    });
    expect(plainNodeCall('node ./dist/src/main.js')).toMatchObject({
      entry: 'dist/src/main.js',
      words: ['node', 'dist/src/main.js'],
    });
    expect(plainNodeCall('cross-env NODE_ENV=production node dist/main')).not.toHaveProperty('nodeCall');
    expect(plainNodeCall('prisma migrate deploy && node dist/main')).not.toHaveProperty('nodeCall');
    expect(plainNodeCall(undefined)).toHaveProperty('why');
  });

  it("reads node's own flags before the file: values after `=` or as the next word, preloads and env files", () => {
    const pkg = {
      dependencies: { dotenv: '16', '@opentelemetry/auto': '1' },
      devDependencies: { tsx: '4', 'ts-node': '10' },
      optionalDependencies: {},
    };
    expect(plainNodeCall('node --enable-source-maps dist/main', pkg)).toMatchObject({
      entry: 'dist/main',
      words: ['node', '--enable-source-maps', 'dist/main'],
    });
    expect(plainNodeCall('node -r dotenv/config --title api -C production ./index.js --port 3000', pkg)).toEqual({
      entry: 'index.js',
      words: ['node', '-r', 'dotenv/config', '--title', 'api', '-C', 'production', 'index.js', '--port', '3000'],
      preloads: ['dotenv/config'],
      envFiles: [],
    });
    expect(
      plainNodeCall(
        'node --require ./tracing.js --import=@opentelemetry/auto/register --env-file=.env --env-file-if-exists .env.local -- app.js',
        pkg,
      ),
    ).toEqual({
      entry: 'app.js',
      words: [
        'node',
        '--require',
        './tracing.js',
        '--import=@opentelemetry/auto/register',
        '--env-file=.env',
        '--env-file-if-exists',
        '.env.local',
        '--',
        'app.js',
      ],
      preloads: ['./tracing.js', '@opentelemetry/auto/register'],
      envFiles: [
        { path: '.env', optional: false },
        { path: '.env.local', optional: true },
      ],
    });
    expect(plainNodeCall('node --max-old-space-size=512 --no-warnings server.js', pkg)).toMatchObject({ entry: 'server.js' });
    const refused = (body: string) => {
      const r = plainNodeCall(body, pkg);
      return 'why' in r && r.nodeCall ? r.why.replace(`\`${body}\` `, '') : r;
    };
    expect(refused('node --inspect server.js')).toBe('opens the debugger (`--inspect`)');
    expect(refused('node --inspect=0.0.0.0:9229 server.js')).toBe('opens the debugger (`--inspect`)');
    expect(refused('node --watch server.js')).toBe('restarts the app on file changes (a development run) (`--watch`)');
    expect(refused('node -e 1')).toBe('runs code given on the command line, not a file (`-e`)');
    expect(refused('node -p process.version')).toBe('runs code given on the command line, not a file (`-p`)');
    expect(refused('node --loader ts-node/esm src/main.ts')).toBe(
      'loads ts-node/esm (`--loader`) from ts-node, a devDependency: a development setup',
    );
    expect(refused('node --import tsx src/main.ts')).toBe('loads tsx (`--import`), a devDependency: a development setup');
    expect(refused('node -r pino-debug server.js')).toBe(
      'loads pino-debug (`-r`), which package.json does not list among its dependencies',
    );
    expect(refused('node --max-old-space-size 512 server.js')).toBe(
      "passes `--max-old-space-size 512`: node takes this flag's value only after `=` (`--max-old-space-size=512`)",
    );
    expect(refused('node --frobnicate server.js')).toBe(
      'passes `--frobnicate`, a flag whose form is not known (it may take the next word as its value)',
    );
    expect(refused('node -r')).toBe('passes `-r` without its value');
    expect(refused('node --enable-source-maps')).toBe('runs no file');
    expect(refused('node server.js --port $PORT')).toBe(
      'has words the shell expands or redirects, which exec form would pass to node as they are',
    );
  });

  it('prisma migrate at start needs the CLI, the schema folder, prisma.config.ts and what that config imports', () => {
    const s = start(
      'FROM node:22\nCMD ["npm", "run", "start:migrate"]\n',
      {
        scripts: { 'start:migrate': 'prisma migrate deploy && node dist/main' },
        dependencies: { '@prisma/client': '7' },
        devDependencies: { prisma: '7', dotenv: '16' },
      },
      {
        'prisma.config.ts':
          "import 'dotenv/config';\nimport { defineConfig } from 'prisma/config';\nexport default defineConfig({});\n",
        'prisma/schema.prisma': 'x',
      },
    );
    expect(s.devPackages.map((p) => p.name).sort()).toEqual(['dotenv', 'prisma']);
    expect(s.runtimeFiles.map((f) => f.path)).toEqual(['prisma.config.ts', 'prisma']);
  });

  it('prisma migrate --schema and package.json prisma.schema name the schema folder', () => {
    expect(
      start('FROM node:22\nCMD npx prisma migrate deploy --schema=db/schema.prisma && node index.js\n').runtimeFiles,
    ).toEqual([{ path: 'db', why: 'read by `prisma migrate` at start-up' }]);
    expect(
      start('FROM node:22\nCMD npx prisma migrate deploy && node index.js\n', { prisma: { schema: 'database/schema.prisma' } })
        .runtimeFiles,
    ).toEqual([{ path: 'database', why: 'read by `prisma migrate` at start-up' }]);
  });
});

describe('app directory', () => {
  it('prisma generate writes where each generator says: its output, or node_modules', () => {
    const run = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npx prisma generate\n';
    expect(created(run, {}, { 'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client-js"\n}\n' })).toEqual({
      paths: [],
      unknown: null,
    });
    expect(
      created(
        run,
        {},
        { 'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client"\n  output   = "../generated/prisma"\n}\n' },
      ),
    ).toEqual({ paths: ['generated/prisma:dir'], unknown: null });
  });

  it('records what writes into node_modules, with the line: installs, prisma generate without output, patch-package', () => {
    const writes = (dockerfile: string, pkg: object = {}, files: Record<string, string> = {}) => {
      const doc = parseDockerfile(dockerfile);
      return image(doc, facts(files, pkg))
        .appDir(doc.stages[0], '/app')
        .nodeModules.map((w) => `${w.line}: ${w.why}`);
    };
    const df = (...runs: string[]) => ['FROM node:22', 'WORKDIR /app', 'COPY . .', ...runs.map((r) => `RUN ${r}`), ''].join('\n');
    const schema = { 'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client-js"\n}\n' };
    expect(writes(df('npm ci', 'npm run build'), { scripts: { build: 'prisma generate && tsc' } }, schema)).toEqual([
      '4: `npm ci`',
      '5: the output of `prisma generate`',
    ]);
    expect(writes(df('npm ci', 'npx patch-package', 'npm rebuild bcrypt'))).toEqual([
      '4: `npm ci`',
      '5: `patch-package` patches packages in node_modules',
      '6: `npm rebuild bcrypt`',
    ]);
    // A generator with its own output writes outside node_modules; tsc writes none.
    const own = { 'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client"\n  output = "../gen"\n}\n' };
    expect(writes(df('npm ci', 'npx prisma generate', 'npx tsc'), {}, own)).toEqual(['4: `npm ci`']);
  });

  it('follows a plain install into postinstall: prisma generate (not with --ignore-scripts)', () => {
    const files = {
      'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client"\n  output = "../src/generated/prisma"\n}\n',
    };
    const pkg = { scripts: { postinstall: 'prisma generate' } };
    expect(created('FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', pkg, files).paths).toEqual(['src/generated/prisma:dir']);
    expect(created('FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci --ignore-scripts\n', pkg, files).paths).toEqual([]);
  });

  it('nest build writes the tsconfig outDir and the outDir of its assets', () => {
    expect(
      created(
        'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npx nest build\n',
        {},
        {
          'tsconfig.json': '{ "compilerOptions": { "outDir": "./build" } }',
          'nest-cli.json':
            '{ "compilerOptions": { "assets": ["**/*.hbs", { "include": "mail/**/*", "outDir": "mail-templates" }] } }',
        },
      ).paths,
    ).toEqual(['build:dir', 'mail-templates:dir']);
  });

  it('knows mkdir, touch, redirects, cp and ln in the app directory, and ignores other directories', () => {
    const r = created(
      'FROM node:20\nWORKDIR /app\nRUN mkdir -p uploads /var/log/app && touch db.json && echo ok > build.txt 2>/dev/null && cp -r assets public && ln -s /data data\n',
    );
    expect(r.unknown).toBeNull();
    expect(r.paths).toEqual(['build.txt:file', 'data:any', 'db.json:file', 'public:any', 'uploads:dir']);
  });

  it('reads build outputs through npm scripts: tsc outDir, esbuild --outfile, vite default', () => {
    const r = created(
      'FROM node:20\nWORKDIR /app\nRUN npm run build\n',
      {
        scripts: {
          build: 'tsc -p tsconfig.build.json && esbuild src/c.ts --outfile=public-build/app.js && npm run web',
          web: 'vite build',
        },
      },
      {
        'tsconfig.build.json': '{ "extends": "./tsconfig.json" }',
        'tsconfig.json': '{ /* c */ "compilerOptions": { "outDir": "./out" } }',
      },
    );
    expect(r.unknown).toBeNull();
    expect(r.paths).toEqual(['dist:dir', 'out:dir', 'public-build/app.js:file']);
  });

  it('is unknown when a build step writes where it cannot be told', () => {
    expect(created('FROM node:20\nWORKDIR /app\nRUN node scripts/build.js\n').unknown).toMatch(/node scripts\/build\.js/);
    expect(created('FROM node:20\nWORKDIR /app\nADD data.tar.gz ./\n').unknown).toMatch(/unpacks data\.tar\.gz/);
    expect(
      created('FROM node:20\nWORKDIR /app\nRUN npm run build\n', { scripts: { build: 'tsc' } }, { 'tsconfig.json': '{}' })
        .unknown,
    ).toMatch(/tsc/);
    expect(created('FROM node:20\nWORKDIR /app\nRUN npm run missing\n').unknown).toMatch(/does not have/);
  });

  it('is not unknown for what runs outside the app directory, and follows cd', () => {
    expect(created('FROM node:20\nWORKDIR /app\nRUN cd /tmp && ./configure && make\n').unknown).toBeNull();
    expect(created('FROM node:20\nWORKDIR /app\nRUN cd client && mkdir gen\n').paths).toEqual(['client/gen:dir']);
  });

  it('knows what ADD unpacks into a folder and what COPY --from brings', () => {
    const r = created(
      'FROM node:20 AS deps\nFROM node:20\nWORKDIR /app\nADD geo.tar.gz ./geo/\nCOPY --from=deps /opt/tool ./bin/tool\n',
    );
    expect(r.unknown).toBeNull();
    expect(r.paths).toEqual(['bin/tool:any', 'geo:dir']);
  });

  const standalone = {
    pkg: { scripts: { build: 'next build', start: 'next start' }, dependencies: { next: '15.5.4' } },
    files: { 'next.config.mjs': "export default { output: 'standalone' };\n", 'public/robots.txt': 'x' },
  };
  it("knows next build's output and cache, and the cp steps that complete a standalone server", () => {
    const doc = parseDockerfile(
      'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n' +
        'RUN cp -r .next/static .next/standalone/.next/static\n' +
        'RUN if [ -d public ]; then cp -r public .next/standalone/public; fi\n',
    );
    const m = image(doc, facts(standalone.files, standalone.pkg)).appDir(doc.stages[0], '/app');
    expect(m.unknown).toBeNull();
    expect(m.created.map((c) => `${c.path}:${c.type}`)).toEqual([
      '.next:dir',
      '.next/standalone/.next/static:any',
      '.next/standalone/public:any',
    ]);
    expect(m.caches.map((c) => c.path)).toEqual(['.next/cache']);
  });

  it('the standalone runtime: the folder next build writes, when the start runs its server.js and every step is known', () => {
    const f = facts(standalone.files, standalone.pkg);
    const runtime = (runs: string) => {
      const doc = parseDockerfile(
        `FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n${runs}CMD ["node", ".next/standalone/server.js"]\n`,
      );
      const st = doc.stages[0];
      const m = image(doc, f);
      return m.standaloneRuntime(st, m.start(st), '/app');
    };
    expect(runtime('RUN npm run build\nRUN cp -r .next/static .next/standalone/.next/static\n')?.dir).toBe('.next/standalone');
    expect(runtime('RUN npm run build\nRUN node scripts/post.js\n')).toBeNull();
    expect(runtime('')).toBeNull();
    const plain = facts({ 'next.config.mjs': 'export default {};\n' }, standalone.pkg);
    const doc = parseDockerfile('FROM node:22\nWORKDIR /app\nRUN npm run build\nCMD ["node", ".next/standalone/server.js"]\n');
    const m = image(doc, plain);
    expect(m.standaloneRuntime(doc.stages[0], m.start(doc.stages[0]), '/app')).toBeNull();
  });

  it('tells the effect of one RUN: known inside the app directory, unknown when it writes elsewhere', () => {
    const doc = parseDockerfile(
      'FROM node:22\nWORKDIR /app\nRUN cp -r public .next/standalone/ && cp -r .next/static .next/standalone/.next/\n' +
        'RUN cp config.json /etc/app/\nRUN node scripts/gen.js\n',
    );
    const f = facts(standalone.files, standalone.pkg);
    const [a, b, c] = doc.stages[0].instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => image(doc, f).runEffect(doc.stages[0], i, '/app'));
    expect(a).toEqual({
      created: [
        { path: '.next/standalone', type: 'any', why: '`cp -r public .next/standalone/`' },
        { path: '.next/standalone/.next', type: 'any', why: '`cp -r .next/static .next/standalone/.next/`' },
      ],
      unknown: null,
    });
    expect(b.unknown).toMatch(/writes outside \/app \(\/etc\/app\/\)/);
    expect(c.unknown).toMatch(/node scripts\/gen\.js/);
  });
});

describe('tsconfig extends chains', () => {
  const files = {
    'tsconfig.json': '{ "extends": ["./config/base", "./config/paths.json"], "compilerOptions": { "noEmit": true } }',
    'config/base.json': '{ "extends": "../tsconfig.json", "compilerOptions": {} }',
    'config/paths.json': '{ "compilerOptions": { "outDir": "../build" } }',
    'tsconfig.build.json': '{ "extends": "./config/paths", "compilerOptions": { "noEmit": true } }',
  };

  it('lists a config and the local files it extends, each once, a list of parents included', () => {
    expect(tsconfigChain(facts(files)).map((f) => f.path)).toEqual(['tsconfig.json', 'config/base.json', 'config/paths.json']);
  });

  it("finds outDir through a local parent, relative to that parent's folder", () => {
    expect(tsconfigOutDir(facts(files), 'tsconfig.build.json')).toEqual({ outDir: 'build', noEmit: true });
  });

  it('follows a list of parents in order, the later one winning, the own options last; a cycle ends where it closes', () => {
    expect(tsconfigOutDir(facts(files), 'tsconfig.json')).toEqual({ outDir: 'build', noEmit: true });
    expect(tsconfigOptions(facts(files), 'config/base.json')).toMatchObject({ outDir: 'build', noEmit: true });
    const two = {
      'tsconfig.json': '{ "extends": ["./a.json", "./b.json"], "compilerOptions": { "rootDir": "src" } }',
      'a.json': '{ "compilerOptions": { "outDir": "a-out", "noEmit": true } }',
      'b.json': '{ "compilerOptions": { "outDir": "./lib/", "noEmit": false } }',
    };
    expect(tsconfigOptions(facts(two))).toEqual({ outDir: 'lib', outFile: null, rootDir: 'src', noEmit: false, problem: null });
  });

  it('assumes no outDir where a file does not parse, and says why', () => {
    expect(tsconfigOutDir(facts({ 'tsconfig.json': '{ "compilerOptions": ' }), 'tsconfig.json')).toEqual({
      outDir: null,
      noEmit: false,
    });
    expect(tsconfigOptions(facts({ 'tsconfig.json': '{ "compilerOptions": ' })).problem).toMatch(/JSON/);
  });

  it('gives the facts the outDir and rootDir a base config sets', () => {
    const f = facts({
      'tsconfig.json': '{ "extends": "./tsconfig.base.json", "include": ["src"] }',
      'tsconfig.base.json': '{ "compilerOptions": { "outDir": "build", "rootDir": "./src" } }',
    });
    expect([f.tsOutDir, f.tsRootDir]).toEqual(['build', 'src']);
  });
});
