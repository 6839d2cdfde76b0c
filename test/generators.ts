/**
 * fast-check generators of realistic Node.js Dockerfiles with a matching in-memory build
 * context (package.json, lockfile, sources), for the property tests.
 *
 * A generated Dockerfile is a list of blocks (instructions, comment lines, blank lines), each a
 * list of lines. Lines are written with "\n" and the placeholder ESC for the escape character;
 * `render` picks the line ending, the escape character, BOM, parser directives, indentation,
 * trailing whitespace and the final newline, so every shape can meet every formatting quirk.
 */
import fc from 'fast-check';

export type Manager = 'npm' | 'yarn' | 'yarn-berry' | 'pnpm' | 'bun';

/** Placeholder for the escape character in generated lines. */
export const ESC = '\u0001';

export interface Line {
  t: string;
  /** Heredoc bodies and terminators: no indentation or trailing-whitespace noise. */
  raw?: boolean;
  /** First line of an instruction (may get indentation). */
  head?: boolean;
}

export interface Block {
  kind: 'instr' | 'comment' | 'blank';
  keyword?: string;
  lines: Line[];
}

export interface App {
  manager: Manager;
  lockfile: boolean;
  ts: boolean;
  outDir: string;
  entry: string;
  port: number;
  installScript: boolean;
  workspaces: boolean;
  npmrc: boolean;
  packageManagerField: boolean;
  dockerignore: string | null;
  extras: string[];
  name: string;
}

export interface Style {
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
  backtick: boolean;
  /** The last instruction ends with a line continuation (Docker accepts it at the end of the file). */
  dangling: boolean;
  directives: string[];
  /** Per-line noise choices, used cyclically: 0-5 nothing, 6 space, 7 tab, 8 two spaces, 9 indent. */
  noise: number[];
}

export interface GenCase {
  dockerfile: string;
  context: Record<string, string>;
  style: Style;
  app: App;
  /** Which template produced it (for reading shrunk counterexamples). */
  shape: string;
}

// ---------------------------------------------------------------------------------------------
// Small pieces

const COMMENT_TEXTS = [
  'Install dependencies',
  'Build the app',
  'syntax is not a directive here',
  'Ünïcödé — ça marche, 日本語のコメント 🐳',
  'TODO: pin the base image digest',
  'escape=` is only a directive on the first lines',
  '---------------------------------------------------------------',
  'Копируем исходники',
  'see https://example.com/docs#section',
  'multi  spaced\tcomment',
  'RUN npm install (commented out)',
  '',
];

const unicodeWord = fc.string({
  unit: fc.constantFrom('a', 'z', 'é', 'ß', 'ø', 'ñ', '中', '文', 'я', 'ж', '🚀', '🐳', '—', '·', '-', '_', '1'),
  minLength: 1,
  maxLength: 8,
});

export const commentText = fc.oneof(fc.constantFrom(...COMMENT_TEXTS), unicodeWord);

/** True once in `n` draws, without fast-check's bias towards small numbers; shrinks to false. */
const rare = (n: number) => fc.noBias(fc.nat(n - 1)).map((x) => x === n - 1);

/** `arb` in about one draw in `n`, else null; shrinks to null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const kw = (k: string) => fc.constantFrom(k, k, k, k, k, k.toLowerCase());
const sep = fc.constantFrom(' ', ' ', ' ', ' ', '\t', '  ');

function instr(keyword: string, lines: Line[]): Block {
  return { kind: 'instr', keyword, lines: lines.map((l, i) => (i === 0 ? { ...l, head: true } : l)) };
}

function simple(keyword: string, args: fc.Arbitrary<string>): fc.Arbitrary<Block> {
  return fc.tuple(kw(keyword), sep, args).map(([k, s, a]) => instr(keyword, [{ t: `${k}${s}${a}` }]));
}

/** Flags in a random order and subset, each with a leading space. */
function flags(all: string[], required: string[] = []): fc.Arbitrary<string> {
  return fc
    .tuple(fc.subarray(all), fc.constant(required))
    .chain(([opt, req]) => fc.shuffledSubarray([...req, ...opt], { minLength: req.length + opt.length }))
    .map((fs) => fs.map((f) => ` ${f}`).join(''));
}

/**
 * A shell command list spread over continuation lines, with optional embedded comments and
 * empty continuation lines, in the styles people write: `&& \` at line end or `\` then `&&`.
 */
function shellLines(keywordText: string, cmds: string[], layout: number[], trailingOps: boolean): Line[] {
  if (cmds.length === 1 || layout[0] === 0) return [{ t: `${keywordText}${cmds.join(' && ')}` }];
  const lines: Line[] = [];
  for (let i = 0; i < cmds.length; i++) {
    const last = i === cmds.length - 1;
    const n = layout[i % layout.length];
    let t: string;
    if (trailingOps) t = `${i === 0 ? keywordText : '    '}${cmds[i]}${last ? '' : ` && ${ESC}`}`;
    else t = `${i === 0 ? keywordText : '    && '}${cmds[i]}${last ? '' : ` ${ESC}`}`;
    lines.push({ t });
    if (!last && n === 3) lines.push({ t: '# ' + COMMENT_TEXTS[i % COMMENT_TEXTS.length] });
    if (!last && n === 4) lines.push({ t: '    # embedded comment' });
    if (!last && n === 5) lines.push({ t: '' });
  }
  return lines;
}

function runShell(cmds: fc.Arbitrary<string[]>, runFlags: fc.Arbitrary<string> = fc.constant('')): fc.Arbitrary<Block> {
  return fc
    .tuple(kw('RUN'), sep, runFlags, cmds, fc.array(fc.nat(5), { minLength: 1, maxLength: 6 }), fc.boolean())
    .map(([k, s, f, c, layout, trailing]) => instr('RUN', shellLines(`${k}${f}${s}`, c, layout, trailing)));
}

function jsonArray(words: string[]): string {
  return '[' + words.map((w) => JSON.stringify(w)).join(', ') + ']';
}

// ---------------------------------------------------------------------------------------------
// Node-specific commands

export function installCommands(m: Manager): string[] {
  switch (m) {
    case 'npm':
      return [
        'npm install',
        'npm i',
        'npm ci',
        'npm install --production',
        'npm ci --only=production',
        'npm install --only production',
        'npm install --legacy-peer-deps',
        'npm ci --omit=dev',
        'npm install --no-audit --no-fund',
        'npm ci --ignore-scripts',
      ];
    case 'yarn':
      return [
        'yarn',
        'yarn install',
        'yarn install --frozen-lockfile',
        'yarn install --production',
        'yarn --pure-lockfile',
        'yarn install --network-timeout 600000',
      ];
    case 'yarn-berry':
      return ['yarn install', 'yarn install --immutable', 'yarn'];
    case 'pnpm':
      return ['pnpm install', 'pnpm install --frozen-lockfile', 'pnpm i --prod', 'pnpm install --prod'];
    case 'bun':
      return ['bun install', 'bun install --frozen-lockfile', 'bun install --production'];
  }
}

function setupCommands(m: Manager): string[] {
  switch (m) {
    case 'npm':
      return ['npm config set fund false', 'npm install -g npm@10'];
    case 'yarn':
      return ['yarn config set network-timeout 300000'];
    case 'yarn-berry':
      return ['corepack enable', 'corepack prepare yarn@4.1.0 --activate'];
    case 'pnpm':
      return ['corepack enable', 'npm install -g pnpm@9'];
    case 'bun':
      return ['npm install -g bun'];
  }
}

function runScript(m: Manager, script: string): string {
  switch (m) {
    case 'npm':
      return `npm run ${script}`;
    case 'yarn':
    case 'yarn-berry':
      return `yarn ${script}`;
    case 'pnpm':
      return `pnpm run ${script}`;
    case 'bun':
      return `bun run ${script}`;
  }
}

export function lockfileName(m: Manager): string {
  return m === 'npm'
    ? 'package-lock.json'
    : m === 'yarn' || m === 'yarn-berry'
      ? 'yarn.lock'
      : m === 'pnpm'
        ? 'pnpm-lock.yaml'
        : 'bun.lock';
}

const SYSTEM_RUNS: string[][] = [
  ['apk add --no-cache python3 make g++'],
  ['apk add --no-cache tini curl'],
  ['apk update', 'apk add --no-cache --virtual .build-deps python3 make g++', 'rm -rf /var/cache/apk/*'],
  ['apt-get update', 'apt-get install -y --no-install-recommends curl ca-certificates', 'rm -rf /var/lib/apt/lists/*'],
  ['apt-get update', 'apt-get install -y build-essential python3', 'rm -rf /var/lib/apt/lists/*'],
  [
    'apt-get update -qq',
    'DEBIAN_FRONTEND=noninteractive apt-get install -yqq --no-install-recommends dumb-init openssl',
    'apt-get clean',
    'rm -rf /var/lib/apt/lists/*',
  ],
];

// ---------------------------------------------------------------------------------------------
// Instructions of every kind

export const IMAGES = [
  'node:20-alpine',
  'node:22-alpine',
  'node:18',
  'node:20-bookworm-slim',
  'node:lts-slim',
  'node:16-alpine3.18',
  'node:14-buster',
  'node:20-alpine@sha256:' + 'a1b2c3d4'.repeat(8),
  'node',
];

interface ImageChoice {
  preFrom: Block[];
  image: string;
}

const imageChoice: fc.Arbitrary<ImageChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...IMAGES).map((image) => ({ preFrom: [], image })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('20', '18.19.0', '22'),
        fc.constantFrom('${NODE_VERSION}', '$NODE_VERSION'),
        fc.constantFrom('-alpine', '-slim', ''),
      )
      .map(([v, ref, suffix]) => ({
        preFrom: [instr('ARG', [{ t: `ARG NODE_VERSION=${v}` }])],
        image: `node:${ref}${suffix}`,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('node:20-slim', 'node:22-alpine')
      .map((img) => ({ preFrom: [instr('ARG', [{ t: `ARG BASE_IMAGE=${img}` }])], image: '${BASE_IMAGE}' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constant(null)
      .map((): ImageChoice => ({ preFrom: [instr('ARG', [{ t: 'ARG REGISTRY' }])], image: '${REGISTRY}/node:20-alpine' })),
  },
  {
    weight: 1,
    arbitrary: fc.constant(null).map((): ImageChoice => ({
      preFrom: [instr('ARG', [{ t: 'ARG NODE_VERSION=20' }]), instr('ARG', [{ t: 'ARG BASE=node:${NODE_VERSION}-alpine' }])],
      image: '$BASE',
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('alpine:3.19', 'debian:bookworm-slim', 'ubuntu:22.04').map((image) => ({ preFrom: [], image })),
  },
);

function fromBlock(image: string, name: string | null): fc.Arbitrary<Block> {
  return fc
    .tuple(
      kw('FROM'),
      sep,
      fc.constantFrom('', '', '', ' --platform=$BUILDPLATFORM', ' --platform=linux/amd64'),
      fc.constantFrom('AS', 'AS', 'as'),
    )
    .map(([k, s, pf, as]) => instr('FROM', [{ t: `${k}${pf}${s}${image}${name ? ` ${as} ${name}` : ''}` }]));
}

const labelBlock: fc.Arbitrary<Block> = fc.oneof(
  simple(
    'LABEL',
    fc.constantFrom(
      'maintainer="Zoë Ångström <zoe@example.com>"',
      'org.opencontainers.image.title="API — 服务 🚀"',
      'version="1.0" description="A small service"',
      'com.example.team=platform',
    ),
  ),
  fc
    .tuple(kw('LABEL'), unicodeWord)
    .map(([k, w]) =>
      instr('LABEL', [
        { t: `${k} org.opencontainers.image.description="${w}" ${ESC}` },
        { t: `      org.opencontainers.image.vendor="ÆØÅ Inc."` },
      ]),
    ),
);
const maintainerBlock = simple('MAINTAINER', fc.constantFrom('Jöhn Dœ <john@example.com>', 'team@example.com'));
const envBlock: fc.Arbitrary<Block> = fc.oneof(
  simple(
    'ENV',
    fc.constantFrom(
      'PORT=3000',
      'NODE_ENV production',
      'NODE_ENV=development',
      'HOST=0.0.0.0 PORT=8080',
      'NPM_CONFIG_LOGLEVEL=warn',
      'PATH=/app/node_modules/.bin:$PATH',
      'TZ="Europe/Berlin"',
    ),
  ),
  fc
    .tuple(kw('ENV'), fc.nat(2))
    .map(([k, n]) =>
      instr('ENV', [
        { t: `${k} APP_HOME=/app ${ESC}` },
        ...(n === 1 ? [{ t: '# embedded comment in ENV' }] : []),
        { t: '    LOG_LEVEL=info' },
      ]),
    ),
);
const argBlock = simple('ARG', fc.constantFrom('NPM_TOKEN', 'BUILD_DATE', 'APP_VERSION=1.0.0', 'PORT=3000', 'GIT_SHA'));
const exposeBlock = simple('EXPOSE', fc.constantFrom('3000', '3000/tcp', '8080', '$PORT', '3000 9229', '80'));
const volumeBlock = simple('VOLUME', fc.constantFrom('["/data"]', '/data /logs', '/app/uploads'));
const userBlock = simple('USER', fc.constantFrom('node', '1000:1000', 'node:node'));
const stopsignalBlock = simple('STOPSIGNAL', fc.constantFrom('SIGTERM', 'SIGINT', '9'));
const shellBlock = simple('SHELL', fc.constantFrom('["/bin/bash", "-o", "pipefail", "-c"]', '["/bin/sh", "-c"]'));
const healthcheckBlock: fc.Arbitrary<Block> = fc.oneof(
  fc
    .tuple(
      kw('HEALTHCHECK'),
      flags(['--interval=30s', '--timeout=3s', '--start-period=10s', '--retries=3']),
      fc.constantFrom(
        'CMD curl -f http://localhost:3000/health || exit 1',
        'CMD ["node", "healthcheck.js"]',
        'CMD wget -qO- localhost:3000/health',
      ),
    )
    .map(([k, f, c]) => instr('HEALTHCHECK', [{ t: `${k}${f} ${c}` }])),
  simple('HEALTHCHECK', fc.constant('NONE')),
  fc
    .tuple(kw('HEALTHCHECK'), fc.constant(''))
    .map(([k]) => instr('HEALTHCHECK', [{ t: `${k} --interval=1m ${ESC}` }, { t: '  CMD node healthcheck.js' }])),
);
const onbuildBlock = simple('ONBUILD', fc.constantFrom('COPY . /app', 'RUN npm install', 'ARG NODE_ENV'));
const addBlock: fc.Arbitrary<Block> = fc
  .tuple(
    kw('ADD'),
    flags(['--chown=node:node', '--chmod=755', '--checksum=sha256:' + '0f'.repeat(32)]),
    fc.constantFrom('https://example.com/tini /tini', 'vendor.tar.gz /opt/', '. .'),
  )
  .map(([k, f, a]) => instr('ADD', [{ t: `${k}${f} ${a}` }]));

const heredocRun: fc.Arbitrary<Block> = fc
  .tuple(kw('RUN'), fc.constantFrom('EOF', 'EOT', 'SCRIPT'), fc.boolean(), fc.constantFrom('', ' bash'))
  .map(([k, tag, dash, interp]) =>
    instr('RUN', [
      { t: `${k} <<${dash ? '-' : ''}${tag}${interp}` },
      { t: `${dash ? '\t' : ''}set -eux`, raw: true },
      { t: `${dash ? '\t' : ''}echo "heredoc ünïcode" > /tmp/info`, raw: true },
      { t: tag, raw: true },
    ]),
  );
const heredocCopy: fc.Arbitrary<Block> = fc
  .tuple(kw('COPY'), fc.constantFrom('/app/config.json', '/etc/app.conf'))
  .map(([k, dest]) =>
    instr('COPY', [{ t: `${k} <<EOF ${dest}` }, { t: '{"level": "info"}', raw: true }, { t: 'EOF', raw: true }]),
  );
const miscRun = runShell(
  fc.constantFrom(
    ['mkdir -p /app/logs'],
    ['chown -R node:node /app'],
    ['echo "built"'],
    ['ln -sf /usr/share/zoneinfo/UTC /etc/localtime'],
    ['mkdir -p /data', 'chmod 777 /data'],
  ),
);
const jsonRun = simple(
  'RUN',
  fc.constantFrom(jsonArray(['npm', 'ci']), jsonArray(['sh', '-c', 'echo hi']), jsonArray(['node', '--version'])),
);

/** Instructions that can sit almost anywhere in a Node stage. */
export const extraBlock: fc.Arbitrary<Block> = fc.oneof(
  { weight: 4, arbitrary: commentText.map((c): Block => ({ kind: 'comment', lines: [{ t: c ? `# ${c}` : '#' }] })) },
  { weight: 3, arbitrary: fc.constant<Block>({ kind: 'blank', lines: [{ t: '' }] }) },
  { weight: 2, arbitrary: envBlock },
  { weight: 2, arbitrary: labelBlock },
  { weight: 1, arbitrary: argBlock },
  { weight: 1, arbitrary: exposeBlock },
  { weight: 1, arbitrary: healthcheckBlock },
  { weight: 1, arbitrary: maintainerBlock },
  { weight: 1, arbitrary: volumeBlock },
  { weight: 1, arbitrary: stopsignalBlock },
  { weight: 1, arbitrary: onbuildBlock },
  { weight: 1, arbitrary: miscRun },
  { weight: 1, arbitrary: heredocRun },
  { weight: 1, arbitrary: heredocCopy },
  { weight: 1, arbitrary: jsonRun },
  { weight: 1, arbitrary: addBlock },
  { weight: 1, arbitrary: shellBlock },
);

// ---------------------------------------------------------------------------------------------
// The app and its context

export const appArb: fc.Arbitrary<App> = fc
  .record({
    manager: fc.constantFrom<Manager>('npm', 'npm', 'npm', 'yarn', 'yarn-berry', 'pnpm', 'bun'),
    lockfile: rare(5).map((b) => !b),
    ts: fc.boolean(),
    outDir: fc.constantFrom('dist', 'build'),
    jsEntry: fc.constantFrom('server.js', 'index.js', 'src/server.js', 'app.js'),
    port: fc.constantFrom(3000, 8080, 4000),
    installScript: rare(10),
    workspaces: rare(15),
    npmrc: rare(6),
    packageManagerField: fc.boolean(),
    dockerignore: sometimes(
      fc.constantFrom(
        'node_modules\n',
        'node_modules\nnpm-debug.log\n.git\n',
        '# keep it small\r\nnode_modules\r\n!.env.example\r\n',
        '*\n!src\n!package.json\n!package-lock.json\n',
        'node_modules\n*.lock\n',
      ),
      3,
    ),
    extras: fc.subarray([
      'public/index.html',
      'test/app.test.js',
      'README.md',
      '.env',
      'docker-entrypoint.sh',
      'views/index.ejs',
      'healthcheck.js',
      '.git/HEAD',
      'coverage/lcov.info',
    ]),
    name: fc.constantFrom('api', 'web-app', 'svc_ünï', '@scope/server'),
  })
  .map((r) => ({
    manager: r.manager,
    lockfile: r.lockfile,
    ts: r.ts,
    outDir: r.outDir,
    entry: r.ts ? `${r.outDir}/main.js` : r.jsEntry,
    port: r.port,
    installScript: r.installScript,
    workspaces: r.workspaces,
    npmrc: r.npmrc,
    packageManagerField: r.packageManagerField,
    dockerignore: r.dockerignore,
    extras: r.extras,
    name: r.name,
  }));

export function contextFor(app: App): Record<string, string> {
  const files: Record<string, string> = {};
  const scripts: Record<string, string> = { start: `node ${app.entry}` };
  if (app.ts) scripts.build = 'tsc -p tsconfig.json';
  scripts.test = 'node --test';
  if (app.installScript) scripts.postinstall = 'node scripts/postinstall.js';
  const pkg: Record<string, unknown> = {
    name: app.name,
    version: '1.0.0',
    private: true,
    main: app.entry,
    scripts,
    dependencies: { express: '^4.19.2', pino: '^9.0.0' },
    devDependencies: app.ts ? { typescript: '^5.4.0', '@types/node': '^20.0.0' } : { nodemon: '^3.0.0' },
  };
  if (app.workspaces) pkg.workspaces = ['packages/*'];
  if (app.packageManagerField)
    pkg.packageManager = {
      npm: 'npm@10.5.0',
      yarn: 'yarn@1.22.22',
      'yarn-berry': 'yarn@4.1.1',
      pnpm: 'pnpm@9.1.0',
      bun: 'bun@1.1.8',
    }[app.manager];
  files['package.json'] = JSON.stringify(pkg, null, 2) + '\n';
  if (app.lockfile) {
    const lock = lockfileName(app.manager);
    files[lock] = lockfileContent(app);
    if (app.manager === 'yarn-berry') files['.yarnrc.yml'] = 'nodeLinker: node-modules\n';
  }
  if (app.ts) {
    files['tsconfig.json'] =
      `{\n  // comments and trailing commas, as tsc allows\n  "compilerOptions": { "outDir": "./${app.outDir}", "rootDir": "src", "strict": true, },\n}\n`;
    files['src/main.ts'] = "import express from 'express';\nexpress().listen(3000);\n";
  } else {
    files[app.entry] =
      "const express = require('express');\nrequire('./lib/util');\nexpress().listen(process.env.PORT || 3000);\n";
    files['lib/util.js'] = 'module.exports = {};\n';
  }
  if (app.installScript) files['scripts/postinstall.js'] = 'console.log("postinstall");\n';
  if (app.workspaces) files['packages/shared/package.json'] = '{ "name": "shared", "version": "1.0.0" }\n';
  if (app.npmrc) files['.npmrc'] = 'fund=false\naudit=false\n';
  if (app.dockerignore !== null) files['.dockerignore'] = app.dockerignore;
  for (const e of app.extras) files[e] = e.endsWith('.sh') ? '#!/bin/sh\nexec "$@"\n' : `// ${e}\n`;
  return files;
}

function lockfileContent(app: App): string {
  switch (app.manager) {
    case 'npm':
      return (
        JSON.stringify(
          {
            name: app.name,
            version: '1.0.0',
            lockfileVersion: 3,
            requires: true,
            packages: {
              '': { name: app.name, version: '1.0.0', dependencies: { express: '^4.19.2' } },
              'node_modules/express': { version: '4.19.2' },
            },
          },
          null,
          2,
        ) + '\n'
      );
    case 'yarn':
      return '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\nexpress@^4.19.2:\n  version "4.19.2"\n';
    case 'yarn-berry':
      return '__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"express@npm:^4.19.2":\n  version: 4.19.2\n  resolution: "express@npm:4.19.2"\n  languageName: node\n  linkType: hard\n';
    case 'pnpm':
      return "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: ^4.19.2\n        version: 4.19.2\n";
    case 'bun':
      return '{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n      "name": "app",\n      "dependencies": {\n        "express": "^4.19.2",\n      },\n    },\n  },\n  "packages": {},\n}\n';
  }
}

// ---------------------------------------------------------------------------------------------
// Node stages

function manifestCopy(app: App): fc.Arbitrary<Block> {
  const lock = lockfileName(app.manager);
  const srcs =
    app.manager === 'npm' ? ['package*.json', `package.json ${lock}`, 'package.json'] : [`package.json ${lock}`, 'package.json'];
  return fc
    .tuple(
      kw('COPY'),
      flags(['--chown=node:node', '--link', '--chmod=644']),
      fc.constantFrom(...srcs),
      fc.constantFrom('./', './', '/app/'),
      rare(6),
    )
    .map(([k, f, s, d, json]) =>
      json ? instr('COPY', [{ t: `${k}${f} ${jsonArray([...s.split(' '), d])}` }]) : instr('COPY', [{ t: `${k}${f} ${s} ${d}` }]),
    );
}

const broadCopy: fc.Arbitrary<Block> = fc
  .tuple(kw('COPY'), flags(['--chown=node:node', '--link']), fc.constantFrom('. .', '. ./', './ /app/', '. /app'))
  .map(([k, f, a]) => instr('COPY', [{ t: `${k}${f} ${a}` }]));

function installRun(app: App): fc.Arbitrary<Block> {
  const mounts =
    app.manager === 'npm'
      ? ['--mount=type=cache,target=/root/.npm', '--mount=type=secret,id=npmrc,target=/root/.npmrc', '--network=default']
      : ['--mount=type=cache,target=/usr/local/share/.cache'];
  return fc
    .tuple(
      fc.constantFrom(...installCommands(app.manager)),
      fc.subarray(setupCommands(app.manager), { maxLength: 1 }),
      fc.subarray([app.manager === 'npm' ? 'npm cache clean --force' : 'rm -rf /tmp/*'], { maxLength: 1 }),
      rare(6),
    )
    .chain(([install, setup, clean, mount]) =>
      runShell(fc.constant([...setup, install, ...clean]), mount ? flags(mounts) : fc.constant('')),
    );
}

function buildRun(app: App): fc.Arbitrary<Block> {
  const cmds = app.ts ? [runScript(app.manager, 'build'), 'npx tsc'] : [runScript(app.manager, 'build'), 'npx prisma generate'];
  return runShell(fc.subarray(cmds, { minLength: 1 }));
}

function cmdBlock(app: App): fc.Arbitrary<Block[]> {
  return fc.oneof(
    simple(
      'CMD',
      fc.constantFrom(
        jsonArray(['node', app.entry]),
        `node ${app.entry}`,
        jsonArray(['npm', 'start']),
        'npm run start',
        jsonArray(['dumb-init', 'node', app.entry]),
      ),
    ).map((b) => [b]),
    fc
      .tuple(
        kw('ENTRYPOINT'),
        kw('CMD'),
        fc.constantFrom(jsonArray(['docker-entrypoint.sh']), jsonArray(['/sbin/tini', '--']), jsonArray(['node'])),
      )
      .map(([e, c, ep]) => [
        instr('ENTRYPOINT', [{ t: `${e} ${ep}` }]),
        instr('CMD', [{ t: `${c} ${jsonArray(ep.includes('"node"') ? [app.entry] : ['node', app.entry])}` }]),
      ]),
  );
}

function flat(blocks: (Block | Block[])[]): Block[] {
  return blocks.flat();
}

/** Insert extras at positions after the first block (the FROM). */
function sprinkle(blocks: Block[], extras: [number, Block][]): Block[] {
  const out = [...blocks];
  for (const [pos, b] of extras) out.splice(1 + (pos % out.length), 0, b);
  return out;
}

const extras = fc.array(fc.tuple(fc.nat(40), extraBlock), { maxLength: 6 });

/** The classic single-stage Dockerfile, in its many spellings. */
function singleStage(app: App): fc.Arbitrary<{ blocks: Block[]; shape: string }> {
  return fc
    .record({
      image: imageChoice,
      name: fc.constantFrom(null, null, null, 'app', 'base'),
      order: fc.constantFrom('manifest-first', 'manifest-first', 'broad-only', 'broad-only', 'both-before'),
      manifest: manifestCopy(app),
      broad: broadCopy,
      install: installRun(app),
      build: sometimes(buildRun(app), 2),
      system: sometimes(
        fc.constantFrom(...SYSTEM_RUNS).chain((cmds) => runShell(fc.constant(cmds))),
        3,
      ),
      workdir: fc.constantFrom('/app', '/app', '/usr/src/app', '/home/node/app', null),
      expose: sometimes(exposeBlock, 2),
      cmd: cmdBlock(app),
      tailUser: sometimes(userBlock, 5),
      extras,
    })
    .chain((r) =>
      fromBlock(r.image.image, r.name).map((from) => {
        const body: (Block | Block[])[] = [from];
        if (r.system) body.push(r.system);
        if (r.workdir) body.push(instr('WORKDIR', [{ t: `WORKDIR ${r.workdir}` }]));
        if (r.order === 'manifest-first') body.push(r.manifest, r.install, r.broad);
        else if (r.order === 'both-before') body.push(r.manifest, r.broad, r.install);
        else body.push(r.broad, r.install);
        if (r.build) body.push(r.build);
        if (r.expose) body.push(r.expose);
        if (r.tailUser) body.push(r.tailUser);
        body.push(r.cmd);
        return { blocks: [...r.image.preFrom, ...sprinkle(flat(body), r.extras)], shape: `single/${r.order}` };
      }),
    );
}

/** deps → build → runtime, in the shapes the framework starters use. */
function multiStage(app: App): fc.Arbitrary<{ blocks: Block[]; shape: string }> {
  return fc
    .record({
      image: imageChoice,
      runtimeImage: fc.constantFrom<string | null>(null, null, 'distroless/nodejs20-debian12', 'node:20-alpine', 'alpine:3.19'),
      manifest: manifestCopy(app),
      install: installRun(app),
      build: buildRun(app),
      runtimeCopy: fc.constantFrom('whole', 'whole', 'parts'),
      cmd: cmdBlock(app),
      user: sometimes(userBlock, 3),
      runtimeName: fc.constantFrom(null, 'runner', 'production'),
      env: sometimes(envBlock, 2),
      extras,
      extras2: extras,
    })
    .chain((r) =>
      fc
        .tuple(
          fromBlock(r.image.image, 'deps'),
          fromBlock('deps', 'build'),
          fromBlock(r.runtimeImage ?? r.image.image, r.runtimeName),
        )
        .map(([f1, f2, f3]) => {
          const wd = instr('WORKDIR', [{ t: 'WORKDIR /app' }]);
          const deps = [f1, wd, r.manifest, r.install];
          const build = [f2, instr('COPY', [{ t: 'COPY . .' }]), r.build];
          const runtime: (Block | Block[])[] = [f3, wd];
          if (r.env) runtime.push(r.env);
          if (r.runtimeCopy === 'whole') runtime.push(instr('COPY', [{ t: 'COPY --from=build /app /app' }]));
          else
            runtime.push(
              instr('COPY', [{ t: 'COPY --from=build /app/node_modules ./node_modules' }]),
              instr('COPY', [{ t: `COPY --from=build /app/${app.entry.split('/')[0]} ./${app.entry.split('/')[0]}` }]),
            );
          if (r.user) runtime.push(r.user);
          runtime.push(r.cmd);
          return {
            blocks: [
              ...r.image.preFrom,
              ...sprinkle(flat(deps), r.extras),
              { kind: 'blank', lines: [{ t: '' }] } as Block,
              ...flat(build),
              ...sprinkle(flat(runtime), r.extras2),
            ],
            shape: `multi/${r.runtimeCopy}`,
          };
        }),
    );
}

/** A stage of random instructions of every kind in a random order. */
function noiseStage(app: App): fc.Arbitrary<{ blocks: Block[]; shape: string }> {
  const any = fc.oneof(
    extraBlock,
    manifestCopy(app),
    broadCopy,
    installRun(app),
    buildRun(app),
    cmdBlock(app),
    userBlock,
    fc.constantFrom('WORKDIR /app', 'WORKDIR src', 'WORKDIR $APP_HOME').map((t) => instr('WORKDIR', [{ t }])),
  );
  return fc
    .tuple(imageChoice, fc.array(any, { minLength: 1, maxLength: 14 }))
    .chain(([img, bs]) =>
      fromBlock(img.image, null).map((from) => ({ blocks: [...img.preFrom, from, ...flat(bs)], shape: 'noise' })),
    );
}

/** Not Node at all. */
const otherStage: fc.Arbitrary<{ blocks: Block[]; shape: string }> = fc
  .constantFrom(
    [
      'FROM python:3.12-slim',
      'WORKDIR /app',
      'COPY requirements.txt .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'COPY . .',
      'CMD ["python", "app.py"]',
    ],
    [
      'FROM golang:1.22 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN go build -o /out/app ./cmd/app',
      'FROM scratch',
      'COPY --from=build /out/app /app',
      'ENTRYPOINT ["/app"]',
    ],
    ['FROM nginx:1.27-alpine', 'COPY dist/ /usr/share/nginx/html/', 'EXPOSE 80'],
  )
  .map((ls) => ({ blocks: ls.map((t) => instr(t.split(' ')[0], [{ t }])), shape: 'other' }));

export const styleArb: fc.Arbitrary<Style> = fc.record({
  eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\n', '\r\n'),
  bom: rare(7),
  finalNewline: rare(5).map((b) => !b),
  backtick: rare(6),
  dangling: rare(12),
  directives: fc
    .subarray(['# syntax=docker/dockerfile:1', '# check=skip=JSONArgsRecommended'])
    .chain((ds) => fc.shuffledSubarray(ds, { minLength: ds.length })),
  noise: fc.array(fc.nat(9), { minLength: 1, maxLength: 24 }),
});

/** Text of the Dockerfile for blocks in a style. */
export function render(blocks: Block[], style: Style): string {
  const esc = style.backtick ? '`' : '\\';
  const directives = [...style.directives];
  if (style.backtick) directives.splice(directives.length ? 1 : 0, 0, '# escape=`');
  const lines: string[] = [...directives];
  let k = 0;
  const noise = () => style.noise[k++ % style.noise.length];
  for (const b of blocks) {
    for (const l of b.lines) {
      let t = l.t.split(ESC).join(esc);
      if (!l.raw) {
        const n = noise();
        if (n === 9 && l.head) t = (k % 2 ? '\t' : '  ') + t;
        else if (n === 6) t += ' ';
        else if (n === 7) t += '\t';
        else if (n === 8 && b.kind !== 'instr') t += '  ';
      }
      lines.push(t);
    }
  }
  const lastBlock = blocks[blocks.length - 1];
  const lastLine = lastBlock?.lines[lastBlock.lines.length - 1];
  if (style.dangling && lastBlock?.kind === 'instr' && !lastLine?.raw) lines[lines.length - 1] += ` ${esc}`;
  let text = lines.join(style.eol);
  if (style.finalNewline) text += style.eol;
  if (style.bom) text = '\uFEFF' + text;
  return text;
}

export const caseArb: fc.Arbitrary<GenCase> = fc
  .tuple(appArb, styleArb)
  .chain(([app, style]) =>
    fc
      .oneof(
        { weight: 5, arbitrary: singleStage(app) },
        { weight: 3, arbitrary: multiStage(app) },
        { weight: 2, arbitrary: noiseStage(app) },
        { weight: 1, arbitrary: otherStage },
      )
      .map(({ blocks, shape }) => ({ dockerfile: render(blocks, style), context: contextFor(app), style, app, shape })),
  );
