#!/usr/bin/env node
/**
 * End-to-end proof on real images (`npm run test:e2e`).
 *
 * For every app under fixtures/e2e/<app>/ (a single-stage Dockerfile as real projects write it, a real
 * package.json and lockfile): migrate a temporary copy with the built CLI (`--write`), build the
 * original and the migrated Dockerfile with podman, run both, make the same HTTP requests to both
 * and compare the answers (ignoring the `user` field); check that the migrated image runs as a
 * non-root user, holds no devDependency and is smaller; then edit one source file, rebuild both,
 * and check that the migrated image's dependency install came from the layer cache. Finally
 * `dockerfile-migrate --verify` runs against podman on one app. Prints a table of sizes and rebuild
 * times.
 *
 * Needs podman and the local node base images: `bash ../shared/real-build/setup-engine.sh` (root).
 *   E2E_APPS=a,b        only these apps
 *   E2E_KEEP=1          keep the temporary directory (logs, migrated Dockerfiles)
 *   --readme            write the table into README.md (section "Proof on real images")
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const APPS_DIR = path.join(ROOT, 'fixtures', 'e2e');
const ENGINE = 'podman';
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
const BUILD_TIMEOUT_MS = 8 * 60 * 1000;
const NETWORK_ATTEMPTS = 3;
const NPM_TOKEN = `e2e-secret-${RUN_ID}`;
const suiteStart = Date.now();

/**
 * The apps. `paths`: requests answered the same by both images; `edit`: the source file changed
 * before the rebuild; `secret`: the build argument that must not reach the migrated image.
 */
const APPS = [
  { name: 'express-devdeps', port: 3811, paths: ['/health', '/api/items', '/api/items/2'], edit: 'src/routes/items.js', verify: true },
  { name: 'typescript-build', port: 3821, paths: ['/health', '/quotes'], edit: 'src/quotes.ts' },
  { name: 'yarn-classic', port: 3831, paths: ['/health', '/services'], edit: 'lib/services.js' },
  { name: 'pnpm-corepack', port: 3841, paths: ['/health', '/routes'], edit: 'routes.js' },
  { name: 'templates-static', port: 3851, paths: ['/health', '/', '/static/css/site.css', '/static/js/app.js'], edit: 'app.js' },
  { name: 'entrypoint-script', port: 3861, paths: ['/health'], edit: 'src/server.js' },
  { name: 'typescript-schema', port: 3881, paths: ['/health', '/schema/types'], edit: 'src/index.ts' },
  { name: 'private-npmrc', port: 3871, paths: ['/health', '/invoices/7'], edit: 'server.js', buildArgs: { NPM_TOKEN }, secret: NPM_TOKEN },
];

// ---------------------------------------------------------------------------------------------
// Bookkeeping: what this run created, removed on exit, Ctrl-C and SIGTERM
// ---------------------------------------------------------------------------------------------

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-migrate-e2e-'));
const created = { containers: new Set(), images: new Set() };
let imagesAtStart = new Set();
let buildContainersAtStart = null;
const children = new Set();
let cleanedUp = false;

function podmanSync(args) {
  return spawnSync(ENGINE, args, { encoding: 'utf8', timeout: 120000 });
}
function allImageIds() {
  const r = podmanSync(['images', '-a', '-q', '--no-trunc']);
  return new Set((r.stdout ?? '').split('\n').map((s) => s.trim()).filter(Boolean));
}
/** podman's build (working) containers: an interrupted `podman build` leaves them behind. */
function buildContainers() {
  const r = podmanSync(['ps', '-a', '--external', '--no-trunc', '--format', '{{.ID}} {{.Names}}']);
  return (r.stdout ?? '').split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 2 && /-working-container(-\d+)?$/.test(f[1])).map((f) => f[0]);
}
function removeContainer(name) {
  podmanSync(['rm', '-f', '-t', '0', name]);
  created.containers.delete(name);
}
function removeImage(tag) {
  podmanSync(['rmi', '-f', tag]);
  created.images.delete(tag);
}
/** Remove this run's containers, tags, and the untagged layer images its builds left. */
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const c of [...created.containers]) removeContainer(c);
  if (buildContainersAtStart) for (const id of buildContainers()) if (!buildContainersAtStart.has(id)) podmanSync(['rm', '-f', id]);
  for (const i of [...created.images]) removeImage(i);
  if (imagesAtStart.size) {
    // Removing the top of a chain of untagged build-step images removes the chain.
    for (let round = 0; round < 3; round++) {
      const dangling = (podmanSync(['images', '-a', '-q', '--no-trunc', '--filter', 'dangling=true']).stdout ?? '').split('\n').map((s) => s.trim()).filter((id) => id && !imagesAtStart.has(id));
      if (!dangling.length) break;
      podmanSync(['rmi', ...dangling]);
    }
  }
  if (process.env.E2E_KEEP === '1') console.log(`kept ${WORK}`);
  else fs.rmSync(WORK, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`\ne2e: ${sig}: stopping builds, removing containers and images`);
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => {
      cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }, children.size ? 3000 : 0);
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
      resolve({ code, out, ms: Date.now() - started });
    });
  });
}

const lastLines = (s, n = 25) => s.trimEnd().split('\n').slice(-n).map((l) => `    | ${l}`).join('\n');
const NETWORK_ERROR = /ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|socket hang up|network (timeout|error)|fetch failed|ERR_SOCKET|\b50[234]\b|Request timeout|getaddrinfo|TLS|ESOCKETTIMEDOUT|There appears to be trouble with your network/i;

/** podman build; retried (bounded) when the failure looks like a network problem. */
async function build(app, step, { dockerfile, context, tag, buildArgs = {} }) {
  const args = ['build', '--network', 'host', '--pull=never', '-f', dockerfile, '-t', tag];
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  args.push(context);
  created.images.add(tag);
  let last;
  for (let attempt = 1; attempt <= NETWORK_ATTEMPTS; attempt++) {
    last = await run(ENGINE, args, { timeoutMs: BUILD_TIMEOUT_MS });
    fs.appendFileSync(path.join(WORK, `${app}.log`), `\n===== ${step} (attempt ${attempt}) exit ${last.code}, ${(last.ms / 1000).toFixed(1)} s\n${last.out}`);
    if (last.code === 0) return last;
    if (!NETWORK_ERROR.test(last.out) || attempt === NETWORK_ATTEMPTS) break;
    console.log(`  ${app}: ${step}: network trouble, retrying (${attempt + 1}/${NETWORK_ATTEMPTS})`);
    await new Promise((r) => setTimeout(r, 3000 * attempt));
  }
  throw new StepError(app, step, `podman build failed (exit ${last.code})`, lastLines(last.out));
}

async function inspect(tag, format) {
  const r = await run(ENGINE, ['image', 'inspect', '--format', format, tag]);
  if (r.code !== 0) throw new Error(`podman image inspect ${tag}: ${r.out}`);
  return r.out.trim();
}

/** Run a one-off node script inside an image (entrypoint replaced), as `user` if given. */
async function nodeIn(tag, script, user) {
  const args = ['run', '--rm', '--network', 'none', '--entrypoint', 'node', ...(user ? ['--user', user] : []), tag, '-e', script];
  return run(ENGINE, args, { timeoutMs: 120000 });
}

async function startContainer(app, variant, tag, port) {
  const name = `dfm-e2e-${app}-${variant}-${RUN_ID}`;
  created.containers.add(name);
  const r = await run(ENGINE, ['run', '-d', '--name', name, '--network', 'host', '-e', `PORT=${port}`, tag]);
  if (r.code !== 0) throw new StepError(app, `run ${variant}`, 'podman run failed', lastLines(r.out));
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
  const cause = logs.split('\n').reverse().find((l) => /^\w*Error\b|^Error:/.test(l.trim()))?.trim();
  return { why: `no answer on port ${port} (${last || 'the container exited'})${cause ? `: ${cause}` : ''}`, log: lastLines(logs, 15) };
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

/** The RUN steps of a podman build log with whether each came from the cache. */
function buildSteps(out) {
  const steps = [];
  for (const line of out.split('\n')) {
    const m = /STEP \d+\/\d+: (.*)$/.exec(line);
    if (m) steps.push({ instr: m[1], cached: false });
    else if (steps.length && /^--> Using cache /.test(line)) steps.at(-1).cached = true;
  }
  return steps;
}
const INSTALL = /^RUN\b.*(\bnpm (ci|install|i)\b|\byarn install\b|\byarn\s*$|\bpnpm (install|i)\b)/;
const firstInstall = (steps) => steps.find((s) => INSTALL.test(s.instr) && !/--production|--prod\b|prune/.test(s.instr));

const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------
// One app
// ---------------------------------------------------------------------------------------------

async function runApp(app) {
  const row = { app: app.name, checks: [], failed: null };
  const check = (name, ok, detail = '') => {
    row.checks.push({ name, ok, detail });
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  };
  const src = path.join(APPS_DIR, app.name);
  const origDir = path.join(WORK, app.name, 'original');
  const migDir = path.join(WORK, app.name, 'migrated');
  fs.cpSync(src, origDir, { recursive: true });
  fs.cpSync(src, migDir, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  const devDeps = Object.keys(pkg.devDependencies ?? {});
  const tags = { original: `localhost/dfm-e2e-${app.name}:original-${RUN_ID}`, migrated: `localhost/dfm-e2e-${app.name}:migrated-${RUN_ID}` };

  // 1. migrate
  const mig = await run(process.execPath, [CLI, '--write', '--json', 'Dockerfile'], { cwd: migDir });
  let report;
  try {
    report = JSON.parse(mig.out.slice(mig.out.indexOf('{')));
  } catch {
    throw new StepError(app.name, 'migrate', `the CLI printed no JSON (exit ${mig.code})`, lastLines(mig.out));
  }
  const status = report.files?.[0]?.status;
  if (mig.code !== 0 || status !== 'migrated') throw new StepError(app.name, 'migrate', `exit ${mig.code}, status ${status} ${report.files?.[0]?.reason ?? ''}`);
  fs.writeFileSync(path.join(WORK, `${app.name}.diff`), report.files[0].diff);

  // 2. build both
  const buildArgs = app.buildArgs ?? {};
  const b1 = await build(app.name, 'build original', { dockerfile: path.join(origDir, 'Dockerfile'), context: origDir, tag: tags.original, buildArgs });
  const b2 = await build(app.name, 'build migrated', { dockerfile: path.join(migDir, 'Dockerfile'), context: migDir, tag: tags.migrated, buildArgs });
  console.log(`  built: original ${secs(b1.ms)}, migrated ${secs(b2.ms)}`);
  row.size = { original: Number(await inspect(tags.original, '{{.Size}}')), migrated: Number(await inspect(tags.migrated, '{{.Size}}')) };

  // 3. run both, same requests
  const ports = { original: app.port, migrated: app.port + 1 };
  const c1 = await startContainer(app.name, 'original', tags.original, ports.original);
  const c2 = await startContainer(app.name, 'migrated', tags.migrated, ports.migrated);
  const down = await waitForHttp(c1, ports.original);
  if (down) throw new StepError(app.name, 'start original', down.why, down.log);
  const migratedDown = await waitForHttp(c2, ports.migrated);
  check('migrated container answers', !migratedDown, migratedDown?.why ?? '');
  if (migratedDown) console.log(`  its log:\n${migratedDown.log}`);
  const health = { original: JSON.parse((await get(ports.original, '/health')).body), migrated: { user: undefined } };
  if (!migratedDown) {
    for (const p of app.paths) {
      const [a, b] = [await get(ports.original, p), await get(ports.migrated, p)];
      const same = comparable(a) === comparable(b) && a.status < 400;
      check(`GET ${p} answers the same`, same, same ? `${b.status} ${b.type}` : `original ${comparable(a).slice(0, 200)} | migrated ${comparable(b).slice(0, 200)}`);
    }
    health.migrated = JSON.parse((await get(ports.migrated, '/health')).body);
  }
  removeContainer(c1);
  removeContainer(c2);

  // 4. non-root, no devDependency, smaller, no secret
  const configUser = await inspect(tags.migrated, '{{.Config.User}}');
  const nonRoot = configUser !== '' && !/^(root|0)(:|$)/.test(configUser) && health.migrated.user !== 'root';
  check('migrated image runs as non-root', nonRoot, `USER ${configUser || '(none)'}, /health says ${health.migrated.user ?? '(no answer)'} (original: ${health.original.user})`);
  const probe = `const fs=require('fs');const d=${JSON.stringify(devDeps)};const pn=fs.existsSync('node_modules/.pnpm')?fs.readdirSync('node_modules/.pnpm'):[];` +
    `console.log(JSON.stringify(d.filter(n=>fs.existsSync('node_modules/'+n)||pn.some(e=>e.startsWith(n.replace('/','+')+'@')))))`;
  const inImage = {};
  for (const v of ['original', 'migrated']) {
    const r = await nodeIn(tags[v], probe);
    if (r.code !== 0) throw new StepError(app.name, `devDependency probe (${v})`, `exit ${r.code}`, lastLines(r.out));
    inImage[v] = JSON.parse(r.out.trim().split('\n').at(-1));
  }
  check('migrated image holds no devDependency', inImage.migrated.length === 0, `migrated: [${inImage.migrated.join(', ')}], original: [${inImage.original.join(', ')}]`);
  check('migrated image is smaller', row.size.migrated < row.size.original, `${mb(row.size.original)} → ${mb(row.size.migrated)}`);
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
      const leaks = [hist.out.includes(app.secret) && 'history', conf.out.includes(app.secret) && 'config', ...(r.hits ?? [])].filter(Boolean);
      if (v === 'migrated') {
        check('migrated image holds no .npmrc', r.npmrc === false);
        check('migrated image holds no NPM_TOKEN', leaks.length === 0, leaks.length ? `found in ${leaks.join(', ')}` : '');
      } else console.log(`  info original image: .npmrc ${r.npmrc ? 'present' : 'absent'}, token ${leaks.length ? `in ${leaks.join(', ')}` : 'absent'}`);
    }
  }

  // 5. edit one source file, rebuild both: the migrated install must come from the layer cache
  for (const dir of [origDir, migDir]) fs.appendFileSync(path.join(dir, app.edit), `\n// edited ${RUN_ID}\n`);
  const r1 = await build(app.name, 'rebuild original after an edit', { dockerfile: path.join(origDir, 'Dockerfile'), context: origDir, tag: tags.original, buildArgs });
  const r2 = await build(app.name, 'rebuild migrated after an edit', { dockerfile: path.join(migDir, 'Dockerfile'), context: migDir, tag: tags.migrated, buildArgs });
  row.rebuild = { original: r1.ms, migrated: r2.ms };
  const inst = { original: firstInstall(buildSteps(r1.out)), migrated: firstInstall(buildSteps(r2.out)) };
  row.install = { original: inst.original ? (inst.original.cached ? 'cached' : 're-ran') : '?', migrated: inst.migrated ? (inst.migrated.cached ? 'cached' : 're-ran') : '?' };
  check(
    `migrated rebuild takes the install from the cache`,
    Boolean(inst.migrated?.cached),
    inst.migrated ? `\`${inst.migrated.instr}\` ${inst.migrated.cached ? 'cached' : 'RE-RAN'} (original: \`${inst.original?.instr}\` ${inst.original?.cached ? 'cached' : 're-ran'})` : 'no install step found in the build log',
  );
  removeImage(tags.original);
  removeImage(tags.migrated);
  return row;
}

// ---------------------------------------------------------------------------------------------
// --verify, as a user runs it
// ---------------------------------------------------------------------------------------------

async function runVerify(app) {
  const row = { app: `--verify (${app.name})`, checks: [], failed: null };
  const check = (name, ok, detail = '') => {
    row.checks.push({ name, ok, detail });
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  };
  const dir = path.join(WORK, `verify-${app.name}`);
  fs.cpSync(path.join(APPS_DIR, app.name), dir, { recursive: true });
  const snapshot = () => fs.readdirSync(dir, { recursive: true }).sort().map((f) => { const p = path.join(dir, f); return fs.statSync(p).isFile() ? `${f}:${fs.readFileSync(p, 'utf8').length}:${fs.readFileSync(p, 'utf8')}` : f; }).join('\n');
  const filesBefore = snapshot();
  const imagesBefore = allImageIds();
  const containersBefore = podmanSync(['ps', '-a', '--external', '-q']).stdout;
  let r;
  for (let attempt = 1; attempt <= NETWORK_ATTEMPTS; attempt++) {
    r = await run(process.execPath, [CLI, '--verify', '--engine', 'podman', '--verify-url', '/health', '--verify-cmd', `node -e 'require("express")'`, '--json', dir], { timeoutMs: BUILD_TIMEOUT_MS * 2 });
    fs.appendFileSync(path.join(WORK, 'verify.log'), `\n===== attempt ${attempt} exit ${r.code}\n${r.out}`);
    if (r.code === 0 || !NETWORK_ERROR.test(r.out) || attempt === NETWORK_ATTEMPTS) break;
    console.log(`  --verify: network trouble, retrying (${attempt + 1}/${NETWORK_ATTEMPTS})`);
  }
  let v;
  try {
    v = JSON.parse(r.out.slice(r.out.indexOf('{'))).files[0].verify;
  } catch {
    throw new StepError(row.app, 'run', `no JSON report (exit ${r.code})`, lastLines(r.out));
  }
  check('exit 0', r.code === 0, `exit ${r.code}`);
  check('both images build', v?.before?.builds === true && v?.after?.builds === true, v?.summary);
  check('smoke test passes on both', v?.before?.smoke?.passed === true && v?.after?.smoke?.passed === true, `${v?.before?.smoke?.detail} / ${v?.after?.smoke?.detail}`);
  check('sizes reported, migrated smaller', v?.after?.size > 0 && v.after.size < v.before.size, v?.summary);
  check('summary line', /^image \d+ MB → \d+ MB, smoke test passed$/.test(v?.summary ?? ''), v?.summary);
  check("the user's files are untouched", snapshot() === filesBefore);
  const leftImages = [...allImageIds()].filter((id) => !imagesBefore.has(id));
  const containersAfter = podmanSync(['ps', '-a', '--external', '-q']).stdout;
  check('no image or container left behind', leftImages.length === 0 && containersAfter === containersBefore, leftImages.length ? `${leftImages.length} new images` : containersAfter !== containersBefore ? 'containers changed' : '');

  // The smoke test can fail: a devDependency is not in the migrated image.
  const devDep = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).devDependencies ?? {})[0];
  const neg = await run(process.execPath, [CLI, '--verify', '--verify-cmd', `node -e 'require("${devDep}")'`, '--markdown', dir], { timeoutMs: BUILD_TIMEOUT_MS * 2 });
  fs.appendFileSync(path.join(WORK, 'verify.log'), `\n===== negative exit ${neg.code}\n${neg.out}`);
  check('a failing smoke test exits 2 and says so in markdown', neg.code === 2 && /\*\*verify\*\* \(podman\): ❌ image \d+ MB → \d+ MB, smoke test FAILED: exit 1: .*Cannot find module/.test(neg.out), `exit ${neg.code}`);
  const leftAfterNeg = [...allImageIds()].filter((id) => !imagesBefore.has(id));
  check('still nothing left behind', leftAfterNeg.length === 0, leftAfterNeg.length ? `${leftAfterNeg.length} new images` : '');
  return row;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function table(rows) {
  const lines = ['| app | original image | migrated image | ratio | rebuild after a source edit: original | migrated | dependency install on that rebuild |', '| --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    if (!r.size || !r.rebuild) {
      lines.push(`| ${r.app} | ${r.size ? mb(r.size.original) : '–'} | ${r.size ? mb(r.size.migrated) : '–'} | – | failed: ${r.failed ?? '?'} | | |`);
      continue;
    }
    const broken = r.checks.some((c) => !c.ok) ? ' ⚠️ failed checks' : '';
    lines.push(`| ${r.app}${broken} | ${mb(r.size.original)} | ${mb(r.size.migrated)} | ${(r.size.migrated / r.size.original).toFixed(2)} | ${secs(r.rebuild.original)} | ${secs(r.rebuild.migrated)} | ${r.install.original} → ${r.install.migrated} |`);
  }
  return lines.join('\n');
}

function writeReadme(tbl, minutes, failures) {
  const file = path.join(ROOT, 'README.md');
  const text = fs.readFileSync(file, 'utf8');
  const start = '<!-- e2e-table:start -->';
  const end = '<!-- e2e-table:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error('README.md has no e2e table markers; not updated');
    return;
  }
  const when = new Date().toISOString().slice(0, 10);
  const failed = failures.length ? `\n\n${failures.map((f) => `⚠️ ${f.split('\n')[0]}`).join('<br>\n')}` : '';
  const body = `${start}\n${tbl}${failed}\n\n${os.cpus().length} cores, podman ${(podmanSync(['--version']).stdout ?? '').trim().replace(/^podman version /, '')}, ${when}; the whole suite took ${minutes} min.\n${end}`;
  fs.writeFileSync(file, text.slice(0, a) + body + text.slice(b + end.length));
  console.log('README.md updated');
}

async function main() {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p .\` first`);
  if (spawnSync(ENGINE, ['--version']).status !== 0) {
    console.error('e2e: podman is not installed: run `bash ../shared/real-build/setup-engine.sh` as root first');
    process.exit(2);
  }
  const only = (process.env.E2E_APPS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const apps = APPS.filter((a) => !only.length || only.includes(a.name));
  const bases = new Set();
  for (const a of apps) for (const m of fs.readFileSync(path.join(APPS_DIR, a.name, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gim)) bases.add(m[1]);
  const missing = [...bases].filter((b) => spawnSync(ENGINE, ['image', 'exists', b]).status !== 0);
  if (missing.length) {
    console.error(`e2e: base images missing: ${missing.join(', ')}: run \`NODE_MAJORS="20 22" bash ../shared/real-build/setup-engine.sh\` first`);
    process.exit(2);
  }
  imagesAtStart = allImageIds();
  buildContainersAtStart = new Set(buildContainers());
  console.log(`e2e: ${apps.length} apps, work dir ${WORK}`);

  const rows = [];
  for (const app of apps) {
    const t = Date.now();
    console.log(`\n== ${app.name}`);
    let row;
    try {
      row = await runApp(app);
    } catch (e) {
      row = { app: app.name, checks: [{ name: e instanceof StepError ? e.message.replace(`${app.name}: `, '') : 'unexpected error', ok: false, detail: e.message }], failed: e.message.replace(`${app.name}: `, '') };
      console.log(`  FAIL ${e.message}${e.detail ? `\n${e.detail}` : ''}\n  (full log: ${path.join(WORK, `${app.name}.log`)}; E2E_KEEP=1 keeps it)`);
      for (const c of [...created.containers]) if (c.includes(`-${app.name}-`)) {
        console.log(`  logs of ${c}:\n${lastLines((await run(ENGINE, ['logs', c])).out, 15)}`);
        removeContainer(c);
      }
      for (const i of [...created.images]) if (i.includes(`/dfm-e2e-${app.name}:`)) removeImage(i);
    }
    console.log(`  (${secs(Date.now() - t)})`);
    rows.push(row);
  }

  const verifyApp = apps.find((a) => a.verify);
  const verifyRows = [];
  if (verifyApp) {
    const t = Date.now();
    console.log(`\n== dockerfile-migrate --verify on ${verifyApp.name}`);
    try {
      verifyRows.push(await runVerify(verifyApp));
    } catch (e) {
      verifyRows.push({ app: `--verify (${verifyApp.name})`, checks: [{ name: 'run', ok: false, detail: e.message }], failed: e.message });
      console.log(`  FAIL ${e.message}${e.detail ? `\n${e.detail}` : ''}`);
    }
    console.log(`  (${secs(Date.now() - t)})`);
  }

  const minutes = ((Date.now() - suiteStart) / 60000).toFixed(1);
  const tbl = table(rows);
  console.log(`\n${tbl}\n`);
  const failures = [...rows, ...verifyRows].flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.app}: ${c.name}${c.detail ? ` (${c.detail})` : ''}`));
  const total = [...rows, ...verifyRows].reduce((n, r) => n + r.checks.length, 0);
  console.log(`e2e: ${total - failures.length}/${total} checks passed in ${minutes} min`);
  for (const f of failures) console.log(`  FAILED ${f}`);
  if (process.argv.includes('--readme')) writeReadme(tbl, minutes, failures);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(`e2e: ${e.stack ?? e}`);
  process.exitCode = 1;
});
