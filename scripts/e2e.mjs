#!/usr/bin/env node
/**
 * End-to-end proof on real images (`npm run test:e2e`).
 *
 * For every app under fixtures/e2e/<app>/ (a single-stage Dockerfile as real projects write it, a real
 * package.json and lockfile): migrate a temporary copy with the built CLI (`--write`), build the
 * original and the migrated Dockerfile, run both, make the same HTTP requests to both and compare the
 * answers (ignoring the `user` field); check that the migrated image runs as a non-root user, holds
 * no devDependency and is smaller; then edit one source file, rebuild both, and check that the
 * migrated image's dependency install came from the layer cache. Finally `dockerfile-migrate
 * --verify --engine <engine>` runs on one app. The whole app list runs on every engine in turn
 * (Docker Engine with BuildKit, podman), since they differ: BuildKit creates WORKDIR eagerly as
 * root, podman 4.3 lazily at the first COPY (owned by that COPY's --chown). Prints, per engine, a
 * table of sizes and rebuild times and a summary of what held.
 *
 * Targets, checked per app and summed up per engine after the tables:
 * - A migrated Dockerfile with a `production-deps` stage (the prune, or the production install, in a
 *   stage of its own built on the install; the runtime copies node_modules from it): on the rebuild
 *   after the source edit, no install or prune step runs (all come from the cache), and the runtime
 *   image's node_modules layer has the same digest as before the edit (found through the image
 *   config's history that `save` writes, on both engines). Either failing fails the run.
 * - An original on the full Debian image (`node:20`, `node:22-bookworm`, ...): the migrated image is
 *   at most 45% of its size. Above that, the run fails unless the tool's report holds back with a
 *   runtime-base code (a system library or a tool the slim image lacks) or with the app's expected codes.
 * - Apps marked `sigterm`: the migrated container stops in under 2 s.
 * - The median over the apps of the rebuild time after the source edit: migrated ≤ original. Only
 *   reported (a NOTE line when it does not hold), never a failure: timings on a shared 2-core
 *   machine, with other builds running, are too noisy to fail a run on.
 *
 * Needs the engines and the local node base images: `bash ../shared/real-build/setup-engine.sh`
 * (podman) and `bash ../shared/real-build/setup-docker.sh` (Docker), as root.
 *   E2E_ENGINES=docker,podman  these engines, in this order (default: every one available, docker first)
 *   E2E_APPS=a,b               only these apps
 *   E2E_KEEP=1                 keep the temporary directory (logs, migrated Dockerfiles)
 *   E2E_PORT_OFFSET=1000       added to every app's port (two runs on one machine)
 *   --docs                     write the tables into docs/proof.md (between its e2e-table markers)
 *
 * It removes what it created, and only that: its own containers (by name), its own tags, and the
 * image IDs its own builds produced (podman's per-step images, BuildKit's images that a rebuild
 * untagged), never an image that existed before it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Every --json document the suite reads is checked against the schema the package ships. */
const reportSchema = new Ajv({ allErrors: true, strictRequired: false }).compile(
  JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'report.schema.json'), 'utf8')),
);
const schemaErrors = (doc) =>
  reportSchema(doc) ? null : reportSchema.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');
const APPS_DIR = path.join(ROOT, 'fixtures', 'e2e');
const KNOWN_ENGINES = ['docker', 'podman'];
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const BUILD_TIMEOUT_MS = 8 * 60 * 1000;
const NETWORK_ATTEMPTS = 3;
const NPM_TOKEN = `e2e-secret-${RUN_ID}`;
/** Added to every app's port, so that two runs can share a machine. */
const PORT_OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 0);
const suiteStart = Date.now();

/** The host's npm registry, for corepack inside builds (a build argument, never a committed file). */
function hostRegistry() {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  return (r.stdout ?? '').trim().replace(/\/$/, '');
}

/**
 * The apps. `paths`: requests answered the same by both images; `edit`: the source file changed
 * before the rebuild; `secret`: the build argument that must not reach the migrated image; `sigterm`: the
 * app shuts down on SIGTERM, so the migrated container must stop in under 2 s; `runtime`: the binary that
 * runs scripts in the image (`bun` in an oven/bun image, which has no node).
 * `expect`: where the tool must hold back, the reason codes its report must give (`codes`) and the
 * checks that hold-back makes moot (`skip`: 'non-root', 'no-devdeps', 'smaller').
 */
const APPS = [
  {
    name: 'express-devdeps',
    port: 3811,
    paths: ['/health', '/api/items', '/api/items/2'],
    edit: 'src/routes/items.js',
    verify: true,
  },
  { name: 'typescript-build', port: 3821, paths: ['/health', '/quotes'], edit: 'src/quotes.ts' },
  { name: 'yarn-classic', port: 3831, paths: ['/health', '/services'], edit: 'lib/services.js' },
  { name: 'pnpm-corepack', port: 3841, paths: ['/health', '/routes'], edit: 'routes.js' },
  { name: 'templates-static', port: 3851, paths: ['/health', '/', '/static/css/site.css', '/static/js/app.js'], edit: 'app.js' },
  { name: 'entrypoint-script', port: 3861, paths: ['/health'], edit: 'src/server.js' },
  { name: 'typescript-schema', port: 3881, paths: ['/health', '/schema/types'], edit: 'src/index.ts' },
  {
    name: 'private-npmrc',
    port: 3871,
    paths: ['/health', '/invoices/7'],
    edit: 'server.js',
    buildArgs: { NPM_TOKEN },
    secret: NPM_TOKEN,
  },
  {
    name: 'tsx-start',
    port: 3891,
    paths: ['/health', '/greet/Ada?lang=fr'],
    edit: 'src/greetings.ts',
    expect: { codes: ['split-stages/start-needs-dev-dependency'], skip: ['no-devdeps'] },
  },
  { name: 'ts-node-paths', port: 3901, paths: ['/health', '/products', '/products/TEA-002'], edit: 'src/lib/catalog.ts' },
  {
    name: 'prestart-hook',
    port: 3911,
    paths: ['/health', '/status'],
    edit: 'src/checks.ts',
    expect: {
      codes: ['split-stages/start-runs-build', 'non-root/start-writes-app'],
      skip: ['non-root', 'no-devdeps', 'smaller'],
    },
  },
  { name: 'dotenv-safe', port: 3921, paths: ['/health', '/settings'], edit: 'src/server.js' },
  {
    name: 'config-production',
    port: 3931,
    paths: ['/health', '/settings', '/quote/team'],
    edit: 'lib/prices.js',
    expect: { codes: ['node-env/app-reads-node-env'], skip: [] },
  },
  { name: 'writes-logs-uploads', port: 3941, paths: ['/health', '/uploads'], edit: 'storage.js' },
  { name: 'run-generated', port: 3951, paths: ['/health', '/build-info', '/data'], edit: 'app.js' },
  { name: 'second-output', port: 3961, paths: ['/health', '/api/forecast', '/', '/static/app.js'], edit: 'src/forecast.ts' },
  { name: 'add-tarball', port: 3971, paths: ['/health', '/regions', '/assets/pin.svg'], edit: 'server.js' },
  { name: 'zero-deps', port: 3981, paths: ['/health', '/ping', '/since'], edit: 'index.js' },
  { name: 'vite-env-production', port: 3991, paths: ['/health', '/', '/api/orders'], edit: 'src/main.js' },
  {
    name: 'yarn-berry-postinstall',
    port: 4001,
    paths: ['/health', '/bookmarks', '/bookmarks/2'],
    edit: 'src/bookmarks.js',
    buildArgs: { COREPACK_NPM_REGISTRY: hostRegistry() },
    expect: { codes: ['split-stages/prune-unknown'], skip: ['no-devdeps', 'smaller'] },
  },
  { name: 'stale-lockfile', port: 4011, paths: ['/health', '/format/93784000'], edit: 'index.js' },
  {
    name: 'nest-app',
    port: 4021,
    paths: ['/health', '/orders', '/orders/3?lang=fr', '/static/site.css'],
    edit: 'src/orders/orders.service.ts',
  },
  { name: 'npm-start-sigterm', port: 4061, paths: ['/health', '/remind/90m'], edit: 'server.js', sigterm: true },
  {
    name: 'next-config-ts',
    port: 4041,
    paths: ['/health', '/api/items', '/', '/robots.txt'],
    edit: 'lib/items.ts',
    expect: { codes: ['split-stages/start-needs-dev-dependency'], skip: ['no-devdeps'] },
  },
  { name: 'next-standalone', port: 4051, paths: ['/health', '/api/items', '/', '/robots.txt'], edit: 'lib/items.ts' },
  { name: 'pnpm-workspace', port: 4071, paths: ['/health', '/vehicles'], edit: 'apps/api/src/server.ts' },
  { name: 'npm-workspace', port: 4111, paths: ['/health', '/vehicles'], edit: 'apps/api/src/server.ts' },
  {
    name: 'yarn-workspace',
    port: 4121,
    paths: ['/health', '/vehicles'],
    edit: 'apps/api/src/server.ts',
    buildArgs: { COREPACK_NPM_REGISTRY: hostRegistry() },
  },
  {
    name: 'bun-hono',
    port: 4081,
    paths: ['/health', '/books', '/books/2', '/decades'],
    edit: 'src/books.ts',
    runtime: 'bun',
  },
  { name: 'native-sqlite', port: 4091, paths: ['/health', '/notes', '/notes/2', '/stats'], edit: 'db.js' },
  {
    name: 'husky-native',
    port: 4101,
    paths: ['/health', '/bookmarks', '/bookmarks/3', '/tags'],
    edit: 'src/db.ts',
    sigterm: true,
  },
];

// ---------------------------------------------------------------------------------------------
// Engines: what differs between `docker` (BuildKit) and `podman`
// ---------------------------------------------------------------------------------------------

/** The RUN steps of a podman build log with whether each came from the cache. */
function podmanSteps(out) {
  const steps = [];
  for (const line of out.split('\n')) {
    const m = /STEP \d+\/\d+: (.*)$/.exec(line);
    if (m) steps.push({ instr: m[1], cached: false });
    else if (steps.length && /^--> Using cache /.test(line)) steps.at(-1).cached = true;
  }
  return steps;
}
/** The steps of a BuildKit build (`--progress=plain`): `#9 [build 4/7] RUN npm ci`, then `#9 CACHED`. */
function buildkitSteps(out) {
  const byId = new Map();
  for (const line of out.split('\n')) {
    const m = /^#(\d+) \[(?:[^\]]*\s)?\d+\/\d+\] (.*)$/.exec(line);
    if (m && !byId.has(m[1])) byId.set(m[1], { instr: m[2], cached: false });
    else if (/^#\d+ CACHED\s*$/.test(line)) {
      const s = byId.get(/^#(\d+)/.exec(line)[1]);
      if (s) s.cached = true;
    }
  }
  return [...byId.values()];
}
/** The image IDs a podman build committed (`--> 1a2b3c…`; not the one after `--> Using cache …`, which it did not make). */
function podmanCommitted(out) {
  const ids = [];
  let cached = false;
  for (const line of out.split('\n')) {
    if (/^--> Using cache /.test(line)) cached = true;
    else {
      const m = /^--> ([0-9a-f]{10,64})\s*$/.exec(line);
      if (m && !cached) ids.push(m[1]);
      if (m || /STEP \d+\/\d+:/.test(line)) cached = false;
    }
  }
  return ids;
}

const ENGINE_SPECS = {
  docker: {
    available: () => spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 30000 }).status === 0,
    version: () =>
      `Docker ${(spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).stdout ?? '').trim()} (BuildKit)`,
    buildFlags: ['--progress=plain', '--force-rm', '--network', 'host'],
    rmContainer: (name) => ['rm', '-f', name],
    imageExists: (ref) => spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { stdio: 'ignore' }).status === 0,
    steps: buildkitSteps,
    committed: () => [],
    containers: () => ['ps', '-a', '-q', '--no-trunc'],
    setup: 'bash ../shared/real-build/setup-docker.sh',
  },
  podman: {
    available: () => spawnSync('podman', ['--version'], { timeout: 30000 }).status === 0,
    version: () =>
      `podman ${(spawnSync('podman', ['--version'], { encoding: 'utf8' }).stdout ?? '').trim().replace(/^podman version /, '')}`,
    buildFlags: ['--network', 'host', '--pull=never', '--force-rm'],
    rmContainer: (name) => ['rm', '-f', '-t', '0', name],
    imageExists: (ref) => spawnSync('podman', ['image', 'exists', ref]).status === 0,
    steps: podmanSteps,
    committed: podmanCommitted,
    containers: () => ['ps', '-a', '--external', '-q', '--no-trunc'],
    setup: 'NODE_MAJORS="20 22" bash ../shared/real-build/setup-engine.sh',
  },
};

/** The engine the apps run on now (the suite runs them on each engine in turn). */
let ENGINE = 'podman';
const spec = () => ENGINE_SPECS[ENGINE];

// ---------------------------------------------------------------------------------------------
// Bookkeeping: what this run created, removed on exit, Ctrl-C and SIGTERM
// ---------------------------------------------------------------------------------------------

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-migrate-e2e-'));
/** Per engine: container names, image tags and image IDs this run created. */
const created = Object.fromEntries(KNOWN_ENGINES.map((e) => [e, { containers: new Set(), images: new Set(), ids: [] }]));
/** Per engine: the image IDs present before the run, which are never removed. */
const imagesAtStart = {};
const children = new Set();
let cleanedUp = false;

function engineSync(args, engine = ENGINE) {
  return spawnSync(engine, args, { encoding: 'utf8', timeout: 120000 });
}
function allImageIds(engine = ENGINE) {
  const r = engineSync(['images', '-a', '-q', '--no-trunc'], engine);
  return new Set(
    (r.stdout ?? '')
      .split('\n')
      .map((s) => s.trim().replace(/^sha256:/, ''))
      .filter(Boolean),
  );
}
function removeContainer(name, engine = ENGINE) {
  engineSync(ENGINE_SPECS[engine].rmContainer(name), engine);
  created[engine].containers.delete(name);
}
function removeImage(tag, engine = ENGINE) {
  engineSync(['rmi', '-f', tag], engine);
  created[engine].images.delete(tag);
}
/** Note an image ID this run's build produced, unless it existed before the run. */
function noteImageId(id, engine = ENGINE) {
  const full = id.replace(/^sha256:/, '');
  const start = imagesAtStart[engine] ?? new Set();
  if ([...start].some((s) => s.startsWith(full))) return;
  if (!created[engine].ids.includes(full)) created[engine].ids.push(full);
}
/** Remove the image IDs this run's builds produced, newest first (a child before its parent). */
function removeCreatedIds(engine = ENGINE) {
  const ids = created[engine].ids;
  if (engine === 'podman' && ids.length) {
    // An interrupted podman build leaves a build container named after the step image it started from.
    const names = (engineSync(['ps', '-a', '--external', '--format', '{{.Names}}'], engine).stdout ?? '')
      .split('\n')
      .map((n) => n.trim());
    const ours = names.filter((n) =>
      ids.some((id) => new RegExp(`^${id.slice(0, 11)}[0-9a-f]{0,53}-working-container(-\\d+)?$`).test(n)),
    );
    if (ours.length) engineSync(['rm', '-f', ...ours], engine);
  }
  for (let i = ids.length - 1; i >= 0; i--) engineSync(['rmi', ids[i]], engine);
  created[engine].ids = [];
}
/** Remove this run's containers, tags, and the images its builds produced. */
function cleanupEngine(engine) {
  for (const c of [...created[engine].containers]) removeContainer(c, engine);
  for (const i of [...created[engine].images]) removeImage(i, engine);
  removeCreatedIds(engine);
}
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const e of KNOWN_ENGINES) cleanupEngine(e);
  if (process.env.E2E_KEEP === '1') console.log(`kept ${WORK}`);
  else fs.rmSync(WORK, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`\ne2e: ${sig}: stopping builds, removing containers and images`);
    for (const c of children) c.kill('SIGTERM');
    // Wait for the builds to stop (up to 30 s), so that the step images they made are known.
    const deadline = Date.now() + 30000;
    const wait = () => {
      if (children.size && Date.now() < deadline) return setTimeout(wait, 200);
      setTimeout(() => {
        cleanup();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }, 500);
    };
    wait();
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

class StepError extends Error {
  constructor(app, step, message, detail = '') {
    super(`${app}: ${step}: ${message}`);
    this.detail = detail;
  }
}

/** Run a command; resolves with { code, out, ms }. Never rejects. */
function run(cmd, args, { timeoutMs = 120000, cwd = ROOT, env } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[e2e: killed after ${timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      children.delete(child);
      clearTimeout(timer);
      resolve({ code: -1, out: `${out}\n${e.message}`, ms: Date.now() - started });
    });
    child.on('close', (code) => {
      children.delete(child);
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - started, pid: child.pid });
    });
  });
}

const lastLines = (s, n = 25) =>
  s
    .trimEnd()
    .split('\n')
    .slice(-n)
    .map((l) => `    | ${l}`)
    .join('\n');
const NETWORK_ERROR =
  /ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|socket hang up|network (timeout|error)|fetch failed|ERR_SOCKET|\b50[234]\b|Request timeout|getaddrinfo|TLS|ESOCKETTIMEDOUT|There appears to be trouble with your network/i;

/** The line of a build log that says what went wrong (BuildKit's `ERROR:`, npm's `npm error`, …). */
function errorLine(out) {
  const lines = out
    .split('\n')
    .map((l) => l.replace(/^#\d+ \d+\.\d+ /, '').trim())
    .filter(Boolean);
  return (
    lines.find(
      (l) =>
        /^npm error (Missing|Invalid)|YN0009|: not found$|Cannot find module|EACCES|ENOENT/.test(l) &&
        !/^(ERROR|Error|#)/.test(l),
    ) ??
    lines.find((l) => /^ERROR:|^ERROR \[|^Error: /.test(l)) ??
    lines.find((l) => /^npm (error|ERR!)|YN0001|Cannot find module|EACCES|ENOENT/.test(l)) ??
    lines.findLast((l) => /error/i.test(l)) ??
    lines.at(-1) ??
    ''
  ).slice(0, 300);
}

/** Build an image with the current engine; retried (bounded) when the failure looks like a network problem. */
async function build(app, step, { dockerfile, context, tag, buildArgs = {} }) {
  const args = ['build', ...spec().buildFlags, '-f', dockerfile, '-t', tag];
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  args.push(context);
  created[ENGINE].images.add(tag);
  let last;
  for (let attempt = 1; attempt <= NETWORK_ATTEMPTS; attempt++) {
    last = await run(ENGINE, args, { timeoutMs: BUILD_TIMEOUT_MS });
    // podman prints each step image's short ID; `podman rmi` takes those as they are.
    for (const id of spec().committed(last.out)) noteImageId(id);
    if (last.code === 0) {
      const id = engineSync(['image', 'inspect', '--format', '{{.Id}}', tag]).stdout?.trim();
      if (id) noteImageId(id);
    }
    fs.appendFileSync(
      path.join(WORK, ENGINE, `${app}.log`),
      `\n===== ${step} (attempt ${attempt}) exit ${last.code}, ${(last.ms / 1000).toFixed(1)} s\n${last.out}`,
    );
    if (last.code === 0) return last;
    if (!NETWORK_ERROR.test(last.out) || attempt === NETWORK_ATTEMPTS) break;
    console.log(`  ${app}: ${step}: network trouble, retrying (${attempt + 1}/${NETWORK_ATTEMPTS})`);
    await new Promise((r) => setTimeout(r, 3000 * attempt));
  }
  throw new StepError(app, step, `${ENGINE} build failed (exit ${last.code}): ${errorLine(last.out)}`, lastLines(last.out));
}

async function inspect(tag, format) {
  const r = await run(ENGINE, ['image', 'inspect', '--format', format, tag]);
  if (r.code !== 0) throw new Error(`${ENGINE} image inspect ${tag}: ${r.out}`);
  return r.out.trim();
}

/** Run a one-off node script inside an image (entrypoint replaced), as `user` if given. */
/** Run a script with the image's JavaScript runtime (`node`, or `bun` in an oven/bun image, which has no node). */
async function nodeIn(tag, script, user, runtime = 'node') {
  const args = [
    'run',
    '--rm',
    '--network',
    'none',
    '--entrypoint',
    runtime,
    ...(user ? ['--user', user] : []),
    tag,
    '-e',
    script,
  ];
  return run(ENGINE, args, { timeoutMs: 120000 });
}

async function startContainer(app, variant, tag, port) {
  const name = `dfm-e2e-${ENGINE}-${app}-${variant}-${RUN_ID}`;
  created[ENGINE].containers.add(name);
  const r = await run(ENGINE, ['run', '-d', '--name', name, '--network', 'host', '-e', `PORT=${port}`, tag]);
  if (r.code !== 0) throw new StepError(app, `run ${variant}`, `${ENGINE} run failed`, lastLines(r.out));
  return name;
}

/** Wait until the container answers /health; null when it does, else why not (with its log). */
async function waitForHttp(container, port) {
  const deadline = Date.now() + 60000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    const st = await run(ENGINE, ['inspect', '--format', '{{.State.Running}}', container]);
    if (st.out.trim() === 'false') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = (await run(ENGINE, ['logs', container])).out.replace(/^npm notice.*\n?/gm, '');
  const cause = logs
    .split('\n')
    .reverse()
    .find((l) => /^\w*Error\b|^Error:/.test(l.trim()))
    ?.trim();
  return {
    why: `no answer on port ${port} (${last || 'the container exited'})${cause ? `: ${cause}` : ''}`,
    log: lastLines(logs, 15),
  };
}

async function get(port, p) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(10000) });
  const body = await res.text();
  return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], body };
}

/** A response body for comparison: JSON without the `user` field, anything else as is. */
function comparable(r) {
  if (r.type === 'application/json') {
    const j = JSON.parse(r.body);
    if (j && typeof j === 'object' && !Array.isArray(j)) delete j.user;
    return `${r.status} ${r.type} ${JSON.stringify(j)}`;
  }
  return `${r.status} ${r.type} ${r.body}`;
}

const INSTALL = /^RUN\b.*(\bnpm (ci|install|i)\b|\byarn install\b|\byarn\s*$|\bpnpm (install|i)\b|\bbun (install|i)\b)/;
/** The dependency installs of a build (not the production-only ones), each with whether it was cached. */
const installs = (steps) => steps.filter((s) => INSTALL.test(s.instr) && !/--production|--prod\b|prune/.test(s.instr));

const PRUNE = /^RUN\b.*(\bprune\b|--omit=dev|--production|--prod\b|workspaces focus|\bdeploy\b)/;
/** The production-only installs and prunes of a build, each with whether it was cached. */
const prunes = (steps) => steps.filter((s) => PRUNE.test(s.instr));

/** The image's layers (uncompressed digests), bottom first. */
async function layers(tag) {
  return JSON.parse(await inspect(tag, '{{json .RootFS.Layers}}')).map((l) => l.replace(/^sha256:/, ''));
}

/**
 * What `save` writes of an image: its config (history, rootfs.diff_ids) and the size of each layer
 * blob by digest. Both engines write a manifest.json that names the config (podman's docker-archive:
 * `<id>.json`; Docker's OCI layout: `blobs/sha256/<id>`), and name the layer blobs by their
 * uncompressed digest. Saved to a file of the work directory, read, and removed.
 */
async function saved(tag) {
  const file = path.join(WORK, ENGINE, `save-${Date.now()}.tar`);
  try {
    const r = await run(ENGINE, ['save', '-o', file, tag], { timeoutMs: 300000 });
    if (r.code !== 0) throw new Error(`${ENGINE} save ${tag}: ${r.out}`);
    const listing = spawnSync('tar', ['-tvf', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout ?? '';
    const sizes = new Map();
    for (const line of listing.split('\n')) {
      const m = /\s(\d+)\s+\S+\s+\S+\s+.*?([0-9a-f]{64})(\.tar)?(\/layer\.tar)?$/.exec(line);
      if (m && line.startsWith('-')) sizes.set(m[2], Number(m[1])); // regular files only, not podman's layer.tar links
    }
    const member = (name) => spawnSync('tar', ['-xOf', file, name], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
    const manifest = JSON.parse(member('manifest.json'));
    const config = JSON.parse(member(manifest[0].Config));
    return { config, sizes };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * Bytes of the image's layers that are not in `before` (what a push after the edit uploads, uncompressed),
 * read from the sizes of the layer blobs in `save`'s archive; null when a layer cannot be found there.
 */
async function newLayerBytes(tag, before, archive) {
  const fresh = (await layers(tag)).filter((l) => !before.includes(l));
  if (!fresh.length) return 0;
  const { sizes } = archive ?? (await saved(tag));
  let total = 0;
  for (const l of fresh) {
    if (!sizes.has(l)) return null;
    total += sizes.get(l);
  }
  return total;
}

/**
 * The layer the runtime stage's `COPY --from=production-deps … node_modules` made: the last history
 * entry that copies node_modules, matched to its diff ID by position (history entries that made no
 * layer — ENV, USER, CMD, and WORKDIR on podman — are marked empty_layer on both engines). BuildKit
 * writes `COPY /app/node_modules ./node_modules # buildkit`, buildah `COPY dir:<digest> in
 * /app/node_modules`. Returns { digest, createdBy } or { why }.
 */
function nodeModulesLayer(config) {
  const history = config.history ?? [];
  const diffIds = (config.rootfs?.diff_ids ?? []).map((d) => d.replace(/^sha256:/, ''));
  const made = history.filter((h) => !h.empty_layer);
  if (made.length !== diffIds.length)
    return { why: `${made.length} history entries made layers, but the image has ${diffIds.length}` };
  for (let i = made.length - 1; i >= 0; i--) {
    const by = made[i].created_by ?? '';
    if (/\b(COPY|ADD)\b/.test(by) && /node_modules/.test(by)) return { digest: diffIds[i], createdBy: by };
  }
  return { why: 'no layer of the image copies node_modules' };
}

/** The migrated Dockerfile prunes (or installs production dependencies) in a stage of its own, which the runtime copies node_modules from. */
function hasProductionDepsStage(dockerfile) {
  return (
    /^FROM\s+(--\S+\s+)*\S+\s+AS\s+production-deps\s*$/im.test(dockerfile) &&
    /^COPY\s+(--\S+\s+)*--from=production-deps\s+(--\S+\s+)*\S*node_modules\b/im.test(dockerfile)
  );
}

/** The original's base is the full Debian node image (node:20, node:22-bookworm, node:lts, node). */
function fullDebianBase(dockerfile) {
  const froms = [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gim)].map((m) => m[1].replace(/^docker\.io\/library\//, ''));
  const last = froms.at(-1) ?? '';
  return /^node(:(\d+(\.\d+){0,2}|lts|current|latest)(-(bookworm|bullseye|buster|trixie))?)?$/.test(last) ? last : null;
}

/** The migrated image of a full-Debian original is at most this fraction of its size (the slim base, production node_modules). */
const FULL_DEBIAN_RATIO = 0.45;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/** Milliseconds `stop` takes (10 s timeout, then SIGKILL). */
async function stopTime(container) {
  const t0 = Date.now();
  await run(ENGINE, ['stop', '-t', '10', container], { timeoutMs: 60000 });
  return Date.now() - t0;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const pushed = (bytes) =>
  bytes === undefined ? '–' : bytes === null ? '?' : bytes < 1e6 ? `${(bytes / 1e3).toFixed(0)} kB` : mb(bytes);

// ---------------------------------------------------------------------------------------------
// One app
// ---------------------------------------------------------------------------------------------

/**
 * One app on the current engine. The row says, besides the checks: `original` (the original image
 * builds and answers), `migratedBuilds`, `same` (every request answered the same), `declined` (the
 * CLI left the Dockerfile as it was, and why).
 */
async function runApp(app) {
  const row = { app: app.name, checks: [], failed: null, original: false, migratedBuilds: null, same: null, declined: null };
  const check = (name, ok, detail = '') => {
    row.checks.push({ name, ok, detail });
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  };
  const src = path.join(APPS_DIR, app.name);
  const origDir = path.join(WORK, ENGINE, app.name, 'original');
  const migDir = path.join(WORK, ENGINE, app.name, 'migrated');
  fs.cpSync(src, origDir, { recursive: true });
  fs.cpSync(src, migDir, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  // devDependencies of the root and of each workspace package (apps/*/package.json, packages/*/package.json):
  // [folder, name], the folder relative to the image's working directory.
  const devDeps = Object.keys(pkg.devDependencies ?? {}).map((n) => ['.', n]);
  const prodNames = [];
  for (const top of fs.readdirSync(src, { withFileTypes: true })) {
    if (!top.isDirectory() || top.name === 'node_modules') continue;
    for (const sub of fs.readdirSync(path.join(src, top.name), { withFileTypes: true })) {
      const manifest = path.join(src, top.name, sub.name, 'package.json');
      if (!sub.isDirectory() || !fs.existsSync(manifest)) continue;
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      for (const n of Object.keys(m.devDependencies ?? {})) devDeps.push([`${top.name}/${sub.name}`, n]);
      for (const n of Object.keys({ ...m.dependencies, ...m.optionalDependencies, ...m.peerDependencies })) prodNames.push(n);
    }
  }
  // npm and yarn hoist a package's devDependencies to the root node_modules: one found there counts too,
  // unless some package of the workspace needs it in production.
  prodNames.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }));
  const tags = {
    original: `localhost/dfm-e2e-${app.name}:original-${RUN_ID}`,
    migrated: `localhost/dfm-e2e-${app.name}:migrated-${RUN_ID}`,
  };
  const ports = { original: app.port + PORT_OFFSET, migrated: app.port + PORT_OFFSET + 1 };
  const buildArgs = app.buildArgs ?? {};

  // 1. migrate
  const mig = await run(process.execPath, [CLI, '--write', '--json', 'Dockerfile'], { cwd: migDir });
  let report;
  try {
    report = JSON.parse(mig.out.slice(mig.out.indexOf('{')));
  } catch {
    throw new StepError(app.name, 'migrate', `the CLI printed no JSON (exit ${mig.code})`, lastLines(mig.out));
  }
  const invalid = schemaErrors(report);
  if (invalid) throw new StepError(app.name, 'migrate', `the JSON report does not match schema/report.schema.json: ${invalid}`);
  const file = report.files?.[0];
  if (mig.code !== 0 || !['migrated', 'unchanged', 'skipped'].includes(file?.status))
    throw new StepError(app.name, 'migrate', `exit ${mig.code}, status ${file?.status} ${file?.reason ?? ''}`);
  if (file.status !== 'migrated') {
    row.declined = `${file.status}${file.reason ? `: ${file.reason}` : ''}`;
    console.log(`  info the CLI left the Dockerfile as it was (${row.declined})`);
  } else fs.writeFileSync(path.join(WORK, ENGINE, `${app.name}.diff`), file.diff);
  for (const w of file.warnings ?? [])
    console.log(`  info warning ${w.code ?? w.transform ?? ''}: ${(w.message ?? '').split('\n')[0].slice(0, 200)}`);
  // Where the tool must hold back (the app needs what a lean image leaves out), the report says so
  // with the expected reason codes, and the checks that hold-back makes moot are not run.
  const expected = app.expect ?? { codes: [], skip: [] };
  const said = new Set((file.warnings ?? []).map((w) => `${w.transform}/${w.code}`));
  for (const c of expected.codes)
    check(`the report holds back with ${c}`, said.has(c), said.has(c) ? '' : `warnings: ${[...said].join(', ') || '(none)'}`);
  const skipped = (what) => expected.skip.includes(what);

  // 2. the original: builds and answers (the proof that the app works before any migration)
  const b1 = await build(app.name, 'build original', {
    dockerfile: path.join(origDir, 'Dockerfile'),
    context: origDir,
    tag: tags.original,
    buildArgs,
  });
  const c1 = await startContainer(app.name, 'original', tags.original, ports.original);
  const down = await waitForHttp(c1, ports.original);
  if (down) throw new StepError(app.name, 'start original', down.why, down.log);
  const originals = {};
  for (const p of app.paths) {
    originals[p] = await get(ports.original, p);
    if (originals[p].status >= 400)
      throw new StepError(app.name, 'original', `GET ${p} answered ${originals[p].status}`, originals[p].body.slice(0, 300));
  }
  row.original = true;
  check('original image builds and answers', true, `${secs(b1.ms)}, ${app.paths.length} requests`);
  if (row.declined) {
    removeContainer(c1);
    removeImage(tags.original);
    return row;
  }

  // 3. the migrated image: builds, answers the same requests the same way
  let b2;
  try {
    b2 = await build(app.name, 'build migrated', {
      dockerfile: path.join(migDir, 'Dockerfile'),
      context: migDir,
      tag: tags.migrated,
      buildArgs,
    });
    row.migratedBuilds = true;
    check('migrated image builds', true, `original ${secs(b1.ms)}, migrated ${secs(b2.ms)}`);
  } catch (e) {
    row.migratedBuilds = false;
    check('migrated image builds', false, e.message.replace(`${app.name}: build migrated: `, ''));
    console.log(e.detail);
    removeContainer(c1);
    return row;
  }
  row.size = {
    original: Number(await inspect(tags.original, '{{.Size}}')),
    migrated: Number(await inspect(tags.migrated, '{{.Size}}')),
  };
  const c2 = await startContainer(app.name, 'migrated', tags.migrated, ports.migrated);
  const migratedDown = await waitForHttp(c2, ports.migrated);
  check('migrated container answers', !migratedDown, migratedDown?.why ?? '');
  if (migratedDown) console.log(`  its log:\n${migratedDown.log}`);
  const health = { original: JSON.parse(originals['/health'].body), migrated: { user: undefined } };
  if (!migratedDown) {
    row.same = true;
    for (const p of app.paths) {
      const [a, b] = [originals[p], await get(ports.migrated, p)];
      const same = comparable(a) === comparable(b);
      if (!same) row.same = false;
      check(
        `GET ${p} answers the same`,
        same,
        same ? `${b.status} ${b.type}` : `original ${comparable(a).slice(0, 200)} | migrated ${comparable(b).slice(0, 200)}`,
      );
    }
    health.migrated = JSON.parse((await get(ports.migrated, '/health')).body);
  } else row.same = false;
  // How long `stop` takes: a start that passes SIGTERM on stops at once, one that does not waits out the timeout.
  row.stop = { original: await stopTime(c1), migrated: await stopTime(c2) };
  if (app.sigterm)
    check(
      'migrated container stops on SIGTERM',
      row.stop.migrated < 2000,
      `stop took ${secs(row.stop.migrated)} (original: ${secs(row.stop.original)})`,
    );
  removeContainer(c1);
  removeContainer(c2);

  // 4. non-root, no devDependency, smaller, no secret
  const configUser = await inspect(tags.migrated, '{{.Config.User}}');
  const nonRoot = configUser !== '' && !/^(root|0)(:|$)/.test(configUser) && health.migrated.user !== 'root';
  if (skipped('non-root')) console.log('  info non-root not expected: the tool holds back (see the codes above)');
  else
    check(
      'migrated image runs as non-root',
      nonRoot,
      `USER ${configUser || '(none)'}, /health says ${health.migrated.user ?? '(no answer)'} (original: ${health.original.user})`,
    );
  const probe =
    `const fs=require('fs');const d=${JSON.stringify(devDeps)};const p=new Set(${JSON.stringify(prodNames)});` +
    `const pn=w=>fs.existsSync(w+'/node_modules/.pnpm')?fs.readdirSync(w+'/node_modules/.pnpm'):[];` +
    `console.log(JSON.stringify([...new Set(d.filter(([w,n])=>fs.existsSync(w+'/node_modules/'+n)||(w!=='.'&&!p.has(n)&&fs.existsSync('node_modules/'+n))||[...pn('.'),...pn(w)].some(e=>e.startsWith(n.replace('/','+')+'@'))).map(([w,n])=>w==='.'?n:w+':'+n))]))`;
  const inImage = {};
  for (const v of ['original', 'migrated']) {
    const r = await nodeIn(tags[v], probe, undefined, app.runtime);
    if (r.code !== 0) throw new StepError(app.name, `devDependency probe (${v})`, `exit ${r.code}`, lastLines(r.out));
    inImage[v] = JSON.parse(r.out.trim().split('\n').at(-1));
  }
  if (skipped('no-devdeps')) console.log(`  info devDependencies kept on purpose: [${inImage.migrated.join(', ')}]`);
  else
    check(
      'migrated image holds no devDependency',
      inImage.migrated.length === 0,
      `migrated: [${inImage.migrated.join(', ')}], original: [${inImage.original.join(', ')}]`,
    );
  if (skipped('smaller'))
    console.log(`  info size: ${mb(row.size.original)} → ${mb(row.size.migrated)} (not expected to shrink: the tool holds back)`);
  else
    check(
      'migrated image is smaller',
      row.size.migrated < row.size.original,
      `${mb(row.size.original)} → ${mb(row.size.migrated)}`,
    );
  // Target: from the full Debian image, the slim runtime with production node_modules is at most 45% of
  // the original. Above it, the report must say why (a runtime-base hold-back: a system library, a tool).
  const debian = fullDebianBase(fs.readFileSync(path.join(src, 'Dockerfile'), 'utf8'));
  if (debian) {
    const ratio = row.size.migrated / row.size.original;
    const why = [...said].filter((c) => c.startsWith('runtime-base/'));
    if (skipped('smaller')) why.push(...expected.codes);
    row.debianRatio = { ratio, explained: why };
    check(
      `migrated image ≤ ${FULL_DEBIAN_RATIO * 100}% of the full-Debian original, or the report says why`,
      ratio <= FULL_DEBIAN_RATIO || why.length > 0,
      `${(ratio * 100).toFixed(0)}% of ${debian}: ${mb(row.size.original)} → ${mb(row.size.migrated)}${ratio > FULL_DEBIAN_RATIO ? (why.length ? `, held back: ${why.join(', ')}` : ', and the report gives no runtime-base hold-back') : ''}`,
    );
  }
  if (app.secret) {
    for (const v of ['original', 'migrated']) {
      const hist = await run(ENGINE, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', tags[v]]);
      const conf = await run(ENGINE, ['image', 'inspect', tags[v]]);
      const files = await nodeIn(
        tags[v],
        `const fs=require('fs'),p=require('path');let hits=[];const walk=d=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){const f=p.join(d,e.name);if(e.isDirectory()){if(!['/proc','/sys','/dev'].includes(f))walk(f)}else if(e.isFile()){try{if(fs.statSync(f).size<4e6&&fs.readFileSync(f,'latin1').includes(${JSON.stringify(app.secret)}))hits.push(f)}catch{}}}};walk('/');console.log(JSON.stringify({hits,npmrc:fs.existsSync('.npmrc')}))`,
        '0',
      );
      const r = JSON.parse(files.out.trim().split('\n').at(-1) || '{}');
      const leaks = [
        hist.out.includes(app.secret) && 'history',
        conf.out.includes(app.secret) && 'config',
        ...(r.hits ?? []),
      ].filter(Boolean);
      if (v === 'migrated') {
        check('migrated image holds no .npmrc', r.npmrc === false);
        check('migrated image holds no NPM_TOKEN', leaks.length === 0, leaks.length ? `found in ${leaks.join(', ')}` : '');
      } else
        console.log(
          `  info original image: .npmrc ${r.npmrc ? 'present' : 'absent'}, token ${leaks.length ? `in ${leaks.join(', ')}` : 'absent'}`,
        );
    }
  }

  // 5. edit one source file, rebuild both: the migrated installs must come from the layer cache
  const layersBefore = { original: await layers(tags.original), migrated: await layers(tags.migrated) };
  // With a production-deps stage, the runtime's node_modules layer must come out of the edit unchanged.
  const productionDeps = hasProductionDepsStage(fs.readFileSync(path.join(migDir, 'Dockerfile'), 'utf8'));
  const modulesBefore = productionDeps ? nodeModulesLayer((await saved(tags.migrated)).config) : null;
  for (const dir of [origDir, migDir]) fs.appendFileSync(path.join(dir, app.edit), `\n// edited ${RUN_ID}\n`);
  const r1 = await build(app.name, 'rebuild original after an edit', {
    dockerfile: path.join(origDir, 'Dockerfile'),
    context: origDir,
    tag: tags.original,
    buildArgs,
  });
  const r2 = await build(app.name, 'rebuild migrated after an edit', {
    dockerfile: path.join(migDir, 'Dockerfile'),
    context: migDir,
    tag: tags.migrated,
    buildArgs,
  });
  row.rebuild = { original: r1.ms, migrated: r2.ms };
  const inst = { original: installs(spec().steps(r1.out)), migrated: installs(spec().steps(r2.out)) };
  const state = (list) => (!list.length ? '?' : list.every((s) => s.cached) ? 'cached' : 're-ran');
  const describe = (list) => list.map((s) => `\`${s.instr}\` ${s.cached ? 'cached' : 'RE-RAN'}`).join(', ');
  row.install = { original: state(inst.original), migrated: state(inst.migrated) };
  const pr = { original: prunes(spec().steps(r1.out)), migrated: prunes(spec().steps(r2.out)) };
  row.prune = {
    original: pr.original.length ? state(pr.original) : 'none',
    migrated: pr.migrated.length ? state(pr.migrated) : 'none',
  };
  // What a deploy pushes after the edit: the layers the rebuilt image does not share with the one before.
  const archive = await saved(tags.migrated);
  row.pushed = {
    original: await newLayerBytes(tags.original, layersBefore.original),
    migrated: await newLayerBytes(tags.migrated, layersBefore.migrated, archive),
  };
  if (productionDeps) {
    const ran = spec()
      .steps(r2.out)
      .filter((st) => INSTALL.test(st.instr) || PRUNE.test(st.instr));
    check(
      'production-deps: no install or prune ran on the rebuild after the edit',
      ran.length > 0 && ran.every((st) => st.cached),
      ran.length ? describe(ran) : 'no install or prune step found in the build log',
    );
    const after = nodeModulesLayer(archive.config);
    const short = (l) => l.digest?.slice(0, 12);
    check(
      "production-deps: the runtime's node_modules layer is the same after the edit",
      Boolean(modulesBefore?.digest) && modulesBefore.digest === after.digest,
      modulesBefore?.digest && after.digest
        ? `${short(modulesBefore)} → ${short(after)} (\`${after.createdBy.replace(/\s+/g, ' ').slice(0, 100)}\`)`
        : (modulesBefore?.why ?? after.why),
    );
    row.modulesLayer = modulesBefore?.digest && modulesBefore.digest === after.digest ? 'same' : 'changed';
  }
  check(
    `migrated rebuild takes the install from the cache`,
    row.install.migrated === 'cached',
    inst.migrated.length
      ? `${describe(inst.migrated)} (original: ${describe(inst.original) || 'no install step'})`
      : 'no install step found in the build log',
  );
  removeImage(tags.original);
  removeImage(tags.migrated);
  removeCreatedIds();
  return row;
}

// ---------------------------------------------------------------------------------------------
// --verify, as a user runs it
// ---------------------------------------------------------------------------------------------

/**
 * What one `--verify` run (the CLI process `pid`) left behind: the images it tags and the containers it
 * names start with `dockerfile-migrate-verify-<its pid>-`, so they are known exactly, whatever else runs
 * on the machine. They are reported, then removed, so that a failing run does not leak into the next.
 */
function verifyLeftovers(pid) {
  const mark = new RegExp(`dockerfile-migrate-verify[-:]${pid}-`);
  const containers = (engineSync(['ps', '-a', '--format', '{{.Names}}']).stdout ?? '')
    .split('\n')
    .map((n) => n.trim())
    .filter((n) => mark.test(n));
  const tags = (engineSync(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout ?? '')
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => mark.test(t));
  if (containers.length) engineSync([...spec().rmContainer(containers[0]).slice(0, -1), ...containers]);
  if (tags.length) engineSync(['rmi', '-f', ...tags]);
  return [tags.length && `images ${tags.join(', ')}`, containers.length && `containers ${containers.join(', ')}`]
    .filter(Boolean)
    .join('; ');
}

async function runVerify(app) {
  const row = { app: `--verify (${app.name})`, checks: [], failed: null };
  const check = (name, ok, detail = '') => {
    row.checks.push({ name, ok, detail });
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  };
  const dir = path.join(WORK, ENGINE, `verify-${app.name}`);
  fs.cpSync(path.join(APPS_DIR, app.name), dir, { recursive: true });
  const snapshot = () =>
    fs
      .readdirSync(dir, { recursive: true })
      .sort()
      .map((f) => {
        const p = path.join(dir, f);
        return fs.statSync(p).isFile() ? `${f}:${fs.readFileSync(p, 'utf8').length}:${fs.readFileSync(p, 'utf8')}` : f;
      })
      .join('\n');
  const filesBefore = snapshot();
  let r;
  const leftovers = [];
  for (let attempt = 1; attempt <= NETWORK_ATTEMPTS; attempt++) {
    r = await run(
      process.execPath,
      [
        CLI,
        '--verify',
        '--engine',
        ENGINE,
        '--verify-url',
        '/health',
        '--verify-cmd',
        `node -e 'require("express")'`,
        '--json',
        dir,
      ],
      { timeoutMs: BUILD_TIMEOUT_MS * 2 },
    );
    fs.appendFileSync(path.join(WORK, ENGINE, 'verify.log'), `\n===== attempt ${attempt} exit ${r.code}\n${r.out}`);
    leftovers.push(verifyLeftovers(r.pid));
    if (r.code === 0 || !NETWORK_ERROR.test(r.out) || attempt === NETWORK_ATTEMPTS) break;
    console.log(`  --verify: network trouble, retrying (${attempt + 1}/${NETWORK_ATTEMPTS})`);
  }
  const left = leftovers.filter(Boolean).join('; ');
  let v;
  try {
    const doc = JSON.parse(r.out.slice(r.out.indexOf('{')));
    check('the JSON report matches schema/report.schema.json', !schemaErrors(doc), schemaErrors(doc) ?? '');
    v = doc.files[0].verify;
  } catch {
    v = null;
  }
  if (!v) {
    check(
      'a JSON report with a verdict',
      false,
      `exit ${r.code}, ${r.out.trim() ? `no JSON: ${lastLines(r.out, 3).trim()}` : 'nothing printed'}`,
    );
  } else {
    check('exit 0', r.code === 0, `exit ${r.code}`);
    check('both images build', v?.before?.builds === true && v?.after?.builds === true, v?.summary);
    check(
      'smoke test passes on both',
      v?.before?.smoke?.passed === true && v?.after?.smoke?.passed === true,
      `${v?.before?.smoke?.detail} / ${v?.after?.smoke?.detail}`,
    );
    check('sizes reported, migrated smaller', v?.after?.size > 0 && v.after.size < v.before.size, v?.summary);
    check('summary line', /^image \d+ MB → \d+ MB, smoke test passed$/.test(v?.summary ?? ''), v?.summary);
  }
  check("the user's files are untouched", snapshot() === filesBefore);
  check('no image or container left behind', !left, left);

  // The smoke test can fail: a devDependency is not in the migrated image.
  const devDep = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).devDependencies ?? {})[0];
  const neg = await run(
    process.execPath,
    [CLI, '--verify', '--engine', ENGINE, '--verify-cmd', `node -e 'require("${devDep}")'`, '--markdown', dir],
    { timeoutMs: BUILD_TIMEOUT_MS * 2 },
  );
  fs.appendFileSync(path.join(WORK, ENGINE, 'verify.log'), `\n===== negative exit ${neg.code}\n${neg.out}`);
  check(
    'a failing smoke test exits 2 and says so in markdown',
    neg.code === 2 &&
      new RegExp(
        `\\*\\*verify\\*\\* \\(${ENGINE}\\): ❌ image \\d+ MB → \\d+ MB, smoke test FAILED: exit 1: .*Cannot find module`,
      ).test(neg.out),
    `exit ${neg.code}`,
  );
  const leftAfterNeg = verifyLeftovers(neg.pid);
  check('still nothing left behind', !leftAfterNeg, leftAfterNeg);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function table(rows) {
  const lines = [
    '| app | original image | migrated image | ratio | rebuild after a source edit: original | migrated | dependency install on that rebuild | prune on that rebuild | pushed after the edit: original | migrated | stop: original | migrated |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    if (r.declined) {
      lines.push(`| ${r.app} | – | – | – | left as it was: ${r.declined} | | |`);
      continue;
    }
    if (!r.size || !r.rebuild) {
      const why = r.failed ?? r.checks.find((c) => !c.ok)?.detail ?? '?';
      lines.push(
        `| ${r.app} | ${r.size ? mb(r.size.original) : '–'} | ${r.size ? mb(r.size.migrated) : '–'} | – | failed: ${why.replace(/\|/g, '\\|').split('\n')[0].slice(0, 160)} | | |`,
      );
      continue;
    }
    const broken = r.checks.some((c) => !c.ok) ? ' ⚠️ failed checks' : '';
    lines.push(
      `| ${r.app}${broken} | ${mb(r.size.original)} | ${mb(r.size.migrated)} | ${(r.size.migrated / r.size.original).toFixed(2)} | ${secs(r.rebuild.original)} | ${secs(r.rebuild.migrated)} | ${r.install.original} → ${r.install.migrated} | ${r.prune ? `${r.prune.original} → ${r.prune.migrated}` : '–'} | ${pushed(r.pushed?.original)} | ${pushed(r.pushed?.migrated)} | ${r.stop ? secs(r.stop.original) : '–'} | ${r.stop ? secs(r.stop.migrated) : '–'} |`,
    );
  }
  return lines.join('\n');
}

/** Per app: does the original work, does the migration build, does it answer the same. */
function summary(rows) {
  const yn = (v) => (v === true ? 'yes' : v === false ? 'NO' : '–');
  const lines = [
    '| app | original works | migrated builds | answers the same | other failed checks |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const core = /^(original image builds and answers|migrated image builds|migrated container answers|GET .* answers the same)$/;
    const other = r.checks.filter((c) => !c.ok && !core.test(c.name)).map((c) => c.name);
    lines.push(
      `| ${r.app} | ${yn(r.original)} | ${r.declined ? `left as it was (${r.declined})` : yn(r.migratedBuilds)} | ${r.declined ? '–' : yn(r.same)} | ${other.join('; ') || (r.failed ? r.failed.split('\n')[0].slice(0, 120) : '')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The targets over one engine's apps, as lines for the summary. The failing ones are checks of the
 * apps' rows already (production-deps, full-Debian size, SIGTERM); the median rebuild time is only
 * reported: timings on a shared 2-core machine are too noisy to fail a run on.
 */
function targets(rows) {
  const lines = [];
  const rebuilt = rows.filter((r) => r.rebuild);
  const med = {
    original: median(rebuilt.map((r) => r.rebuild.original)),
    migrated: median(rebuilt.map((r) => r.rebuild.migrated)),
  };
  if (rebuilt.length)
    lines.push({
      mark: med.migrated <= med.original ? 'ok' : 'NOTE',
      text: `rebuild after a source edit, median over ${rebuilt.length} app${rebuilt.length === 1 ? '' : 's'}: original ${secs(med.original)}, migrated ${secs(med.migrated)}${med.migrated <= med.original ? '' : ' (migrated slower: timings on this shared machine are noisy, not counted as a failure)'}`,
    });
  const byCheck = (prefix) =>
    rows.flatMap((r) => r.checks.filter((c) => c.name.startsWith(prefix)).map((c) => ({ app: r.app, ...c })));
  const pd = byCheck('production-deps: ');
  if (pd.length) {
    const apps = [...new Set(pd.map((c) => c.app))];
    const bad = pd.filter((c) => !c.ok);
    lines.push({
      mark: bad.length ? 'FAIL' : 'ok',
      text: `production-deps stage (${apps.length} app${apps.length === 1 ? '' : 's'}): no install or prune on the source-edit rebuild, node_modules layer unchanged${bad.length ? `: ${bad.map((c) => `${c.app}: ${c.name.replace('production-deps: ', '')}`).join('; ')}` : ''}`,
    });
  }
  const debian = rows.filter((r) => r.debianRatio);
  if (debian.length) {
    const over = debian.filter((r) => r.debianRatio.ratio > FULL_DEBIAN_RATIO);
    const unexplained = over.filter((r) => !r.debianRatio.explained.length);
    lines.push({
      mark: unexplained.length ? 'FAIL' : 'ok',
      text: `full-Debian originals, migrated ≤ ${FULL_DEBIAN_RATIO * 100}%: ${debian.map((r) => `${r.app} ${(r.debianRatio.ratio * 100).toFixed(0)}%${r.debianRatio.ratio > FULL_DEBIAN_RATIO ? ` (${r.debianRatio.explained.join(', ') || 'no hold-back says why'})` : ''}`).join(', ')}`,
    });
  }
  const stops = byCheck('migrated container stops on SIGTERM');
  if (stops.length)
    lines.push({
      mark: stops.every((c) => c.ok) ? 'ok' : 'FAIL',
      text: `SIGTERM apps stop in under 2 s: ${stops.map((c) => `${c.app} ${c.detail.replace(/^stop took /, '').replace(/ \(original.*$/, '')}`).join(', ')}`,
    });
  return lines;
}

function writeProof(results, minutes, failures) {
  const file = path.join(ROOT, 'docs', 'proof.md');
  const text = fs.readFileSync(file, 'utf8');
  const start = '<!-- e2e-table:start -->';
  const end = '<!-- e2e-table:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error('docs/proof.md has no e2e table markers; not updated');
    return;
  }
  const when = new Date().toISOString().slice(0, 10);
  const sections = results
    .map(
      (e) =>
        `**${e.version}** (${e.minutes} min)\n\n${table(e.rows)}\n\n${targets(e.rows)
          .map((l) => `- ${l.mark === 'ok' ? '✅' : '⚠️'} ${l.text}`)
          .join('\n')}`,
    )
    .join('\n\n');
  const failed = failures.length ? `\n\n${failures.map((f) => `⚠️ ${f.split('\n')[0]}`).join('<br>\n')}` : '';
  const body = `${start}\n${sections}${failed}\n\n${os.cpus().length} cores, ${when}; the whole suite took ${minutes} min.\n${end}`;
  fs.writeFileSync(file, text.slice(0, a) + body + text.slice(b + end.length));
  console.log('docs/proof.md updated');
}

/** The engines to run on: E2E_ENGINES in its order, else every available one, docker first. */
function pickEngines() {
  const asked = (process.env.E2E_ENGINES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = asked.filter((e) => !KNOWN_ENGINES.includes(e));
  if (unknown.length) {
    console.error(`e2e: E2E_ENGINES: unknown engine ${unknown.join(', ')} (known: ${KNOWN_ENGINES.join(', ')})`);
    process.exit(2);
  }
  if (asked.length) {
    const missing = asked.filter((e) => !ENGINE_SPECS[e].available());
    if (missing.length) {
      console.error(
        `e2e: ${missing.map((e) => `${e} is not available: run \`${ENGINE_SPECS[e].setup}\` as root first`).join('; ')}`,
      );
      process.exit(2);
    }
    return asked;
  }
  const found = KNOWN_ENGINES.filter((e) => ENGINE_SPECS[e].available());
  if (!found.length) {
    console.error(
      `e2e: no container engine: run \`${ENGINE_SPECS.podman.setup}\` and \`${ENGINE_SPECS.docker.setup}\` as root first`,
    );
    process.exit(2);
  }
  return found;
}

async function runEngine(apps) {
  const started = Date.now();
  fs.mkdirSync(path.join(WORK, ENGINE), { recursive: true });
  imagesAtStart[ENGINE] = allImageIds();
  const rows = [];
  for (const app of apps) {
    const t = Date.now();
    console.log(`\n== ${ENGINE}: ${app.name}`);
    let row;
    try {
      row = await runApp(app);
    } catch (e) {
      const failed = e.message.replace(`${app.name}: `, '');
      row = {
        app: app.name,
        checks: [{ name: e instanceof StepError ? failed : 'unexpected error', ok: false, detail: e.message }],
        failed,
        original: false,
        migratedBuilds: null,
        same: null,
      };
      if (/^(migrate|build migrated|devDependency probe|rebuild)/.test(failed)) row.original = null;
      console.log(
        `  FAIL ${e.message}${e.detail ? `\n${e.detail}` : ''}\n  (full log: ${path.join(WORK, ENGINE, `${app.name}.log`)}; E2E_KEEP=1 keeps it)`,
      );
      for (const c of [...created[ENGINE].containers])
        if (c.includes(`-${app.name}-`)) {
          console.log(`  logs of ${c}:\n${lastLines((await run(ENGINE, ['logs', c])).out, 15)}`);
          removeContainer(c);
        }
    }
    for (const c of [...created[ENGINE].containers]) if (c.includes(`-${app.name}-`)) removeContainer(c);
    for (const i of [...created[ENGINE].images]) if (i.includes(`/dfm-e2e-${app.name}:`)) removeImage(i);
    removeCreatedIds();
    console.log(`  (${secs(Date.now() - t)})`);
    rows.push(row);
  }

  const verifyApp = apps.find((a) => a.verify);
  const verifyRows = [];
  if (verifyApp) {
    const t = Date.now();
    console.log(`\n== ${ENGINE}: dockerfile-migrate --verify --engine ${ENGINE} on ${verifyApp.name}`);
    try {
      verifyRows.push(await runVerify(verifyApp));
    } catch (e) {
      verifyRows.push({
        app: `--verify (${verifyApp.name})`,
        checks: [{ name: 'run', ok: false, detail: e.message }],
        failed: e.message,
      });
      console.log(`  FAIL ${e.message}${e.detail ? `\n${e.detail}` : ''}`);
    }
    console.log(`  (${secs(Date.now() - t)})`);
  }
  cleanupEngine(ENGINE);
  return { engine: ENGINE, version: spec().version(), rows, verifyRows, minutes: ((Date.now() - started) / 60000).toFixed(1) };
}

async function main() {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const engines = pickEngines();
  const only = (process.env.E2E_APPS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const apps = APPS.filter((a) => !only.length || only.includes(a.name));
  const bases = new Set();
  for (const a of apps)
    for (const m of fs.readFileSync(path.join(APPS_DIR, a.name, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gim))
      bases.add(m[1]);
  const standIns = [];
  for (const e of engines) {
    let missing = [...bases].filter((b) => !ENGINE_SPECS[e].imageExists(b));
    // oven/bun cannot be pulled here: a local stand-in (scripts/oven-bun-stand-in.sh says what it is
    // and is not), built for this run and removed after it.
    if (missing.some((b) => /^oven\/bun:1$/.test(b))) {
      console.log(`e2e: ${e}: building the local oven/bun:1 stand-in (not the official image)`);
      const r = spawnSync('sh', [path.join(ROOT, 'scripts', 'oven-bun-stand-in.sh'), e], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.error(`e2e: ${e}: the oven/bun:1 stand-in did not build:\n${r.stdout}${r.stderr}`);
        process.exit(2);
      }
      standIns.push(e);
      missing = missing.filter((b) => !ENGINE_SPECS[e].imageExists(b));
    }
    if (missing.length) {
      console.error(`e2e: ${e}: base images missing: ${missing.join(', ')}: run \`${ENGINE_SPECS[e].setup}\` first`);
      process.exit(2);
    }
  }
  console.log(`e2e: ${apps.length} apps on ${engines.join(', ')}, work dir ${WORK}`);

  const results = [];
  for (const e of engines) {
    ENGINE = e;
    results.push(await runEngine(apps));
  }

  for (const e of standIns) spawnSync(e, ['rmi', '-f', 'oven/bun:1', `oven/bun:${process.env.BUN_VERSION ?? '1.2.23'}`]);
  const minutes = ((Date.now() - suiteStart) / 60000).toFixed(1);
  const failures = [];
  let total = 0;
  for (const r of results) {
    console.log(
      `\n## ${r.version}: ${r.minutes} min\n\n${table(r.rows)}\n\n${summary(r.rows)}\n\n${targets(r.rows)
        .map((l) => `${l.mark.padEnd(4)} ${l.text}`)
        .join('\n')}\n`,
    );
    for (const row of [...r.rows, ...r.verifyRows]) {
      total += row.checks.length;
      for (const c of row.checks.filter((c) => !c.ok))
        failures.push(`${r.engine}: ${row.app}: ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
    }
  }
  console.log(
    `e2e: ${total - failures.length}/${total} checks passed in ${minutes} min (${results.map((r) => `${r.engine} ${r.minutes} min`).join(', ')})`,
  );
  for (const f of failures) console.log(`  FAILED ${f}`);
  for (const r of results)
    for (const t of targets(r.rows).filter((x) => x.mark === 'NOTE')) console.log(`  NOTE ${r.engine}: ${t.text}`);
  if (process.argv.includes('--docs')) writeProof(results, minutes, failures);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(`e2e: ${e.stack ?? e}`);
  process.exitCode = 1;
});
