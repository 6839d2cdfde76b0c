/**
 * The models moving onto the one script walker (src/model/commands/script-graph.ts): each old reader
 * and its replacement answer the same question over every fixture context, the corpus, generated
 * projects and, when it has been checked out (`node scripts/realworld.mjs materialize`), the
 * real-world suite. They must agree, except where the old reader was wrong: each such case is listed
 * below with the fix, and has a fixture of its own. This test goes when the old readers do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, type ParsedDockerfile } from '../src/dockerfile/parse.js';
import { dirSource, gatherFacts, memorySource, type ProjectFacts } from '../src/model/project/facts.js';
import { Project } from '../src/model/project/project.js';
import { analyzeRuns, analyzeStart, legacyStartCommands, type StartPath } from '../src/model/image/start-path.js';
import {
  appReads,
  buildReads,
  envFiles,
  legacyAppReads,
  legacyBuildReads,
  legacyEnvFiles,
  legacyScriptClosure,
} from '../src/model/image/build-reads.js';
import { scriptClosure } from '../src/model/commands/script-graph.js';
import { appDirModel, legacyAppDirModel } from '../src/model/image/app-dir.js';
import { finalWorkdir } from '../src/dockerfile/query.js';
import { caseArb } from './generators.js';
import { CASES, caseSource } from './case-harness.js';

const ROOT = path.resolve(import.meta.dirname, '..');

interface Context {
  name: string;
  dockerfile: string;
  facts: () => ProjectFacts;
}

function contexts(): Context[] {
  const out: Context[] = [];
  for (const c of CASES) out.push({ name: `fixtures/${c.id}`, dockerfile: c.input, facts: () => gatherFacts(caseSource(c)) });
  const folders = (dir: string, label: string) => {
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir).sort()) {
      const d = path.join(dir, name);
      if (!fs.existsSync(path.join(d, 'Dockerfile'))) continue;
      out.push({
        name: `${label}/${name}`,
        dockerfile: fs.readFileSync(path.join(d, 'Dockerfile'), 'utf8'),
        facts: () => gatherFacts(dirSource(d)),
      });
    }
  };
  folders(path.join(ROOT, 'fixtures', 'corpus'), 'corpus');
  folders(path.join(ROOT, 'fixtures', 'e2e'), 'e2e');
  // The real-world suite, where it is checked out (realworld/manifest.json names each Dockerfile and context).
  const rw = process.env.REALWORLD_DIR ?? path.join(ROOT, '.realworld');
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'realworld', 'manifest.json'), 'utf8')) as {
    repo: string;
    dockerfile: string;
    context: string;
  }[];
  for (const e of manifest) {
    const src = path.join(rw, 'src', e.repo.replace('/', '__'));
    const file = path.join(src, e.dockerfile);
    if (!fs.existsSync(file)) continue;
    out.push({
      name: `realworld/${e.repo}`,
      dockerfile: fs.readFileSync(file, 'utf8'),
      facts: () => gatherFacts(dirSource(path.join(src, e.context))),
    });
  }
  fc.sample(caseArb, { numRuns: 300, seed: 18 }).forEach((g, i) =>
    out.push({ name: `generated/${i}`, dockerfile: g.dockerfile, facts: () => gatherFacts(memorySource(g.context)) }),
  );
  return out;
}

function parse(text: string): ParsedDockerfile | null {
  try {
    return parseDockerfile(text);
  } catch {
    return null;
  }
}

/** A start path as plain data, to compare. */
function shape(s: StartPath): unknown {
  return {
    commands: s.commands,
    scripts: s.scripts,
    packages: [...s.packages],
    devPackages: s.devPackages,
    devServer: s.devServer,
    buildsAtStart: s.buildsAtStart,
    runtimeFiles: s.runtimeFiles,
    managers: [...s.managers].sort(),
    packageScripts: s.packageScripts,
    needsSources: s.needsSources,
    nestStart: s.nestStart,
    next: s.next,
  };
}

/** Where the old start path was wrong, and what the walker does instead. */
const START_FIXES: Readonly<Record<string, string>> = {
  'fixtures/split-stages/start-run-p-double-star-needs-tsx':
    "run-p's `**` matches across `:`-separated parts: `start:**` runs start:api:prod and the tsx it needs (the old start path read `**` as `*` and pruned tsx)",
  'fixtures/cache-order/bun-bunfig': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/dockerignore/bun-loads-env':
    'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/non-root/bun-alpine-image-user':
    'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/non-root/bun-image-user': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/npm-ci/bun': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/pipeline/bun-oven-image': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/split-stages/bun': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/split-stages/bun-install-not-frozen':
    'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/split-stages/bun-lockb': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/split-stages/bun-prisma-generate':
    'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'corpus/hono-bun': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'e2e/bun-hono': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'realworld/iamshishirgaire/y_api': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'realworld/Shoalstone/MASH': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'realworld/CarlosHxH/webscrimg': 'the walker reports the file `bun run <file>` runs as a command of its own (`bun <file>`)',
  'fixtures/pipeline/company-onbuild-base': 'npm runs `node server.js` for a missing start script only when there is a server.js',
  'corpus/company-onbuild-base': 'npm runs `node server.js` for a missing start script only when there is a server.js',
  'realworld/edmret/dynamic-template': 'npm runs `node server.js` for a missing start script only when there is a server.js',
  'fixtures/pipeline/entrypoint-script': 'shell keywords (`if`, `then`, `fi`) are not commands',
  'corpus/lerna-yarn-workspaces': '`yarn start` without a start script runs a binary of that name, as yarn does',
  'realworld/dreyerx/dreyerx-eth-staking':
    "npx's `-p` is its own option only before the command: `npx next start -p 3001` needs no package 3001",
  'realworld/WawanC/taledo':
    "turbo runs the task's script in each workspace package, and the start path follows it (server's start)",
  'realworld/Sahil-Gupta584/racle':
    "turbo runs the task's script in each workspace package, and the start path follows it (apps/backend's start)",
};

describe('the start path on the script walker', () => {
  const all = contexts();
  it(`agrees with the old start path over ${all.length} contexts, but for the listed fixes`, () => {
    const differ: string[] = [];
    for (const c of all) {
      const doc = parse(c.dockerfile);
      const stage = doc?.stages[doc.stages.length - 1];
      if (!doc || !stage) continue;
      const facts = c.facts();
      const old = JSON.stringify(shape(analyzeStart(doc, stage, facts)));
      const now = JSON.stringify(shape(analyzeRuns(new Project(facts), legacyStartCommands(doc, stage))));
      if (old !== now && !START_FIXES[c.name]) differ.push(`${c.name}\n  old: ${old}\n  new: ${now}`);
    }
    expect(differ).toEqual([]);
  });
});

/** Where the old build-reads walker was wrong, and what the walker does instead. */
const READS_FIXES: Readonly<Record<string, string>> = {
  'fixtures/cache-order/workspace-manifest-copy-and-broad':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'fixtures/split-stages/pnpm-workspace-deploy-serves-sibling':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'corpus/turborepo-prune':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'realworld/rahul-MyGit/collabSheet':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'realworld/LWJerri/Pauperial':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'realworld/WawanC/taledo':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'realworld/Akaseli/turunrakennukset':
    'the walker follows a script into the workspace package it runs in, and reads the env files its build tool loads there (`apps/web/.env.production`), which the old walker missed',
  'realworld/KiraLT/torrent-stream-server':
    "`npm run --prefix frontend build` runs frontend's build script, not the root's: the old walker skipped `--prefix` and followed the root's build",
  'realworld/smart-on-fhir/health-cards-dev-tools':
    "`cd ./shl-server && npm install` runs shl-server's install scripts, not the root's prepare",
};

describe('build reads, app reads, env files and script closures on the script walker', () => {
  const all = contexts();
  it(`agree with the old walker over ${all.length} contexts, but for the listed fixes`, () => {
    const differ: string[] = [];
    for (const c of all) {
      const doc = parse(c.dockerfile);
      if (!doc) continue;
      const facts = c.facts();
      const project = new Project(facts);
      const scripts = Object.keys(facts.packageJson?.scripts ?? {});
      const old = JSON.stringify({
        build: legacyBuildReads(doc, facts),
        app: legacyAppReads(doc, facts),
        env: legacyEnvFiles(doc, facts),
        closures: scripts.map((s) => legacyScriptClosure(facts, s)),
      });
      const now = JSON.stringify({
        build: buildReads(doc, project),
        app: appReads(doc, project),
        env: envFiles(doc, project),
        closures: scripts.map((s) => scriptClosure(project, s)),
      });
      if (old !== now && !READS_FIXES[c.name]) differ.push(`${c.name}\n  old: ${old}\n  new: ${now}`);
    }
    expect(differ).toEqual([]);
  });
});

/** Where the old app-directory model was wrong, and what the walker does instead. */
const WORKSPACE_BUILD =
  "the walker follows the build into the workspace packages it runs in (pnpm -r, --filter, npm --workspaces, yarn workspace, yarn workspaces foreach, turbo run), with each package's own configs: their outputs are known where the old model gave up (or, for yarn workspaces foreach, saw nothing at all)";
const APP_DIR_FIXES: Readonly<Record<string, string>> = {
  'fixtures/cache-order/pnpm-workspace-packages': WORKSPACE_BUILD,
  'fixtures/cache-order/workspace-manifest-copy-and-broad': WORKSPACE_BUILD,
  'fixtures/cache-order/workspace-postinstall-unchanged': WORKSPACE_BUILD,
  'fixtures/cache-order/workspace-prisma-client-unchanged': WORKSPACE_BUILD,
  'fixtures/cache-order/workspace-prisma-generate-later': WORKSPACE_BUILD,
  'fixtures/pipeline/npm-workspace': WORKSPACE_BUILD,
  'fixtures/pipeline/pnpm-workspace-deploy': WORKSPACE_BUILD,
  'fixtures/pipeline/pnpm-workspace-deploy-gitignored-output': WORKSPACE_BUILD,
  'fixtures/production-deps/npm-workspace-closure': WORKSPACE_BUILD,
  'fixtures/production-deps/yarn-workspace-focus': WORKSPACE_BUILD,
  'fixtures/production-deps/yarn-workspace-install-script': WORKSPACE_BUILD,
  'fixtures/split-stages/npm-workspace-closure': WORKSPACE_BUILD,
  'fixtures/split-stages/npm-workspace-closure-npm-start': WORKSPACE_BUILD,
  'fixtures/split-stages/npm-workspace-install-scripts': WORKSPACE_BUILD,
  'fixtures/split-stages/npm-workspace-undeclared-import': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-built-dependency': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-dir-start-npmrc': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-files-field': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-filter-start': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-gitignored-dependency-output': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-hoisted': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-node-require': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-pnpm10-legacy': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-reads-root-config': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-root-env': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-root-script': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-serves-sibling': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-turbo-injected': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-install-script-unchanged': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-prisma-unchanged': WORKSPACE_BUILD,
  'fixtures/split-stages/yarn-workspace-focus': WORKSPACE_BUILD,
  'corpus/npm-workspaces-api': WORKSPACE_BUILD,
  'corpus/pnpm-workspace-deploy': WORKSPACE_BUILD,
  'e2e/npm-workspace': WORKSPACE_BUILD,
  'e2e/pnpm-workspace': WORKSPACE_BUILD,
  'e2e/yarn-workspace': WORKSPACE_BUILD,
  'realworld/KiraLT/torrent-stream-server': WORKSPACE_BUILD,
  'realworld/iusecookies64/mcqapp': WORKSPACE_BUILD,
  'realworld/LWJerri/Pauperial': WORKSPACE_BUILD,
  'realworld/trnvll/oktavolt-core': WORKSPACE_BUILD,
  'realworld/WawanC/taledo': WORKSPACE_BUILD,
  'realworld/Akaseli/turunrakennukset': WORKSPACE_BUILD,
  'realworld/doubleopen-project/dos': WORKSPACE_BUILD,
  'realworld/Sahil-Gupta584/racle': WORKSPACE_BUILD,
  'realworld/rahul-MyGit/collabSheet': WORKSPACE_BUILD,
  'corpus/turborepo-prune': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-deploy-unpinned': WORKSPACE_BUILD,
  'fixtures/split-stages/pnpm-workspace-filter': WORKSPACE_BUILD,
  'fixtures/npm-ci/prefix-before-subcommand':
    '`npm --prefix /opt/app install` installs in /opt/app, which is the app directory: a write into node_modules, not another package',
  'fixtures/dockerignore/run-s-concurrently-chains': "concurrently's `npm:` names are followed (the old model gave up on them)",
  'fixtures/production-deps/npm-build-args':
    "the script's own arguments reach its last command (`npm run build -- --pretty $BUILD_MODE` runs `tsc --pretty $BUILD_MODE`)",
  'corpus/angular-ssr-node': "the script's own arguments reach its last command (`ng build --configuration production`)",
  'realworld/smart-on-fhir/health-cards-dev-tools':
    "`tsc` run in shl-server reads shl-server/tsconfig.json, which has no outDir (the .js files land next to the sources), not the root's outDir js: the old model named a folder tsc never makes",
  'generated/54': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/214': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/98': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/149': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/222': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/279': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/250': '`bun run build` without a build script runs a binary named build, which the walker follows (still unknown)',
  'generated/253':
    "`npm install --only production`: `production` is the option's value, so this is a plain install, which runs the postinstall script (the old model counted it as a package name)",
};

/** A global install (`npm install -g pm2`) writes outside the app's node_modules: the walker's model no longer counts it. */
const GLOBAL_INSTALL = /`(npm|pnpm|yarn|bun) .*(\s-g\b|\s--global\b|\bglobal add\b)/;

describe('the app-directory model on the script walker', () => {
  const all = contexts();
  it(`agrees with the old model over ${all.length} contexts, but for the listed fixes`, () => {
    const differ: string[] = [];
    for (const c of all) {
      const doc = parse(c.dockerfile);
      if (!doc) continue;
      const facts = c.facts();
      const project = new Project(facts);
      const old: unknown[] = [];
      const now: unknown[] = [];
      for (const st of doc.stages) {
        const wd = finalWorkdir(doc, st);
        if (!wd || wd === '/' || wd.includes('$')) continue;
        const legacy = legacyAppDirModel(doc, st, facts, wd);
        old.push({ ...legacy, nodeModules: legacy.nodeModules.filter((w) => !GLOBAL_INSTALL.test(w.why)) });
        now.push(appDirModel(doc, st, project, wd));
      }
      const o = JSON.stringify(old);
      const n = JSON.stringify(now);
      if (o !== n && !APP_DIR_FIXES[c.name]) differ.push(`${c.name}\n  old: ${o}\n  new: ${n}`);
    }
    expect(differ).toEqual([]);
  });
});
