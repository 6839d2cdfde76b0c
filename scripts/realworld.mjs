#!/usr/bin/env node
/**
 * Real-world suite: public Node.js applications with the Dockerfiles their authors wrote, pinned by
 * commit in realworld/manifest.json (only the manifest is committed, never their files).
 *
 *   node scripts/realworld.mjs materialize [--into DIR] [--only a,b]
 *       check each repository out at its commit into DIR/src/<owner>__<name> (default DIR: .realworld/).
 *       From a local mirror when REALWORLD_MIRROR (default /work/.mirror when it exists) holds
 *       <owner>+<name>/repo (a git directory), else `git fetch` of that one commit from GitHub.
 *   node scripts/realworld.mjs run [--into DIR] [--only a,b]
 *       run the built CLI (dist/src/cli/cli.js --json --context <ctx> <dockerfile>) over every entry; print
 *       a table (repo, status, reason codes); write DIR/out/<owner>__<name>.diff and DIR/out/summary.json.
 *   node scripts/realworld.mjs build [--engine podman|docker] [--into DIR] [--only a,b]
 *       for entries with `run`: build the original and the migrated Dockerfile, run each image in turn
 *       (host network, the entry's port and env), make the same HTTP requests (or read the start-up
 *       log) and report same / different / broken. Writes DIR/out/build-summary.json and the logs
 *       under DIR/build/. Removes the containers and images it creates.
 *
 * `run` in a manifest entry: { port, env, paths, expectLog, logLines, waitSeconds, buildArgs, replaceFrom }.
 * With `paths`, both images must answer GET <path> on `port` alike (status, content type, body);
 * without, the first `logLines` (5) lines of their logs must match once times and ids are masked, and
 * `expectLog` (a regexp) must occur in both. `replaceFrom` { "node:14": "node:20" } swaps FROM images
 * that this machine lacks (and their variants: node:14-slim -> node:20-slim), in both Dockerfiles alike (after the migration, so the tool sees the original).
 *
 * Needs the CLI built (`npm run build`). `build` needs podman (or docker) and the base
 * images the Dockerfiles name; an entry whose FROM image is not present locally is reported as
 * `no-base-image` instead of being built.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');
const MANIFEST = path.join(ROOT, 'realworld', 'manifest.json');
const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const command = argv[0];
function option(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`--${name} needs a value`);
  return v;
}
function fail(msg) {
  console.error(`realworld: ${msg}`);
  process.exit(2);
}
const INTO = path.resolve(option('into', path.join(ROOT, '.realworld')));
const ONLY = option('only', '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const ENGINE = option('engine', 'podman');
if (!['podman', 'docker'].includes(ENGINE)) fail(`--engine must be podman or docker, not ${ENGINE}`);
const MIRROR = process.env.REALWORLD_MIRROR ?? (fs.existsSync('/work/.mirror') ? '/work/.mirror' : '');

const slug = (repo) => repo.replace('/', '__');
const srcDir = (e) => path.join(INTO, 'src', slug(e.repo));
const OUT = path.join(INTO, 'out');

function loadManifest() {
  const all = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  for (const e of all) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(e.repo)) fail(`manifest: bad repo ${JSON.stringify(e.repo)}`);
    if (!/^[0-9a-f]{40}$/.test(e.commit ?? '')) fail(`manifest: ${e.repo}: commit must be 40 hex digits`);
    if (!e.dockerfile || !e.context) fail(`manifest: ${e.repo}: dockerfile and context are required`);
  }
  if (!ONLY.length) return all;
  const picked = all.filter((e) => ONLY.some((o) => e.repo === o || e.repo.endsWith(`/${o}`) || slug(e.repo) === o));
  if (!picked.length) fail(`--only ${ONLY.join(',')} matches no entry`);
  return picked;
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

const children = new Set();
/** Run a command; resolves with { code, out, ms }. Never rejects. */
function run(cmd, args, { timeoutMs = 120000, cwd = ROOT, env, input } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      out += `\n[realworld: killed after ${timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    const done = (code, extra = '') => {
      children.delete(child);
      clearTimeout(timer);
      resolve({ code, out: out + extra, ms: Date.now() - started });
    };
    child.on('error', (e) => done(-1, `\n${e.message}`));
    child.on('close', (code) => done(code));
  });
}
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });

// ---------------------------------------------------------------------------------------------
// materialize
// ---------------------------------------------------------------------------------------------

function mirrorGitDir(repo) {
  if (!MIRROR) return null;
  const base = path.join(MIRROR, repo.replace('/', '+'), 'repo');
  for (const g of [path.join(base, '.git'), base]) {
    if (fs.existsSync(path.join(g, 'HEAD')) && fs.existsSync(path.join(g, 'objects'))) return g;
  }
  return null;
}

/** Check out e.commit into its source directory; a marker file records what is there. */
function materializeOne(e) {
  const dest = srcDir(e);
  const marker = path.join(INTO, 'src', `.${slug(e.repo)}.commit`);
  if (fs.existsSync(dest) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === e.commit) return 'present';
  fs.rmSync(dest, { recursive: true, force: true });
  fs.rmSync(marker, { force: true });
  fs.mkdirSync(dest, { recursive: true });
  const gitDir = mirrorGitDir(e.repo);
  let how;
  if (gitDir && sh('git', ['--git-dir', gitDir, 'cat-file', '-e', `${e.commit}^{commit}`]).status === 0) {
    // A private index: the mirror itself is never written to.
    const index = path.join(os.tmpdir(), `realworld-index-${RUN_ID}-${slug(e.repo)}`);
    const env = { ...process.env, GIT_INDEX_FILE: index };
    const r1 = sh('git', ['--git-dir', gitDir, 'read-tree', e.commit], { env });
    const r2 =
      r1.status === 0 ? sh('git', ['--git-dir', gitDir, '--work-tree', dest, 'checkout-index', '-a', '-f'], { env }) : r1;
    fs.rmSync(index, { force: true });
    // A snapshot may lack its largest blobs (images, PDFs): every other file is written. The tool reads
    // only the file list and small text files, so the entry still runs; the absent files are named.
    const absent = [...(r2.stderr ?? '').matchAll(/unable to read sha1 file of (.+) \([0-9a-f]{40}\)/g)].map((m) => m[1]);
    const otherErrors = (r2.stderr ?? '').split('\n').filter((l) => l.trim() && !/unable to read sha1 file of /.test(l));
    if (r2.status !== 0 && (!absent.length || otherErrors.length || r1.status !== 0))
      throw new Error(`${e.repo}: checkout from ${gitDir} failed: ${r2.stderr}`);
    how = absent.length ? `mirror (${absent.length} large files absent: ${absent.join(', ')})` : 'mirror';
  } else {
    const url = `https://github.com/${e.repo}.git`;
    const steps = [
      ['init', '-q', dest],
      ['-C', dest, 'fetch', '-q', '--depth', '1', url, e.commit],
      ['-C', dest, 'checkout', '-q', 'FETCH_HEAD'],
    ];
    for (const s of steps) {
      const r = sh('git', s, { stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.status !== 0) throw new Error(`${e.repo}: git ${s.slice(2).join(' ')} failed: ${r.stderr.trim()}`);
    }
    // Same tree as a mirror checkout: no .git directory in the build context.
    fs.rmSync(path.join(dest, '.git'), { recursive: true, force: true });
    how = 'clone';
  }
  fs.writeFileSync(marker, `${e.commit}\n`);
  return how;
}

function materialize(entries) {
  let failed = 0;
  for (const e of entries) {
    try {
      const how = materializeOne(e);
      console.log(`${how.padEnd(8)} ${e.repo}@${e.commit.slice(0, 10)}`);
    } catch (err) {
      failed++;
      console.log(`FAILED   ${err.message}`);
    }
  }
  return failed;
}

// ---------------------------------------------------------------------------------------------
// run: the CLI over every entry
// ---------------------------------------------------------------------------------------------

function reasons(file) {
  const ws = file.warnings ?? [];
  const r = ws.map((w) => w.code ?? w.message);
  if (file.reason) r.unshift(file.code ?? file.reason);
  return r;
}

async function migrateReport(e, { write = false, root = srcDir(e) } = {}) {
  const dockerfile = path.join(root, e.dockerfile);
  const context = path.join(root, e.context);
  const r = await run(
    process.execPath,
    [CLI, write ? '--write' : '--dry-run', '--json', '--quiet', '--context', context, dockerfile],
    { cwd: root },
  );
  let report;
  try {
    report = JSON.parse(r.out.slice(r.out.indexOf('{')));
  } catch {
    return {
      status: 'error',
      reasons: [`the CLI printed no JSON (exit ${r.code}): ${r.out.trim().split('\n').slice(-3).join(' | ')}`],
      diff: '',
      exit: r.code,
    };
  }
  const file = report.files?.[0];
  if (!file) return { status: 'error', reasons: [`no file in the report (exit ${r.code})`], diff: '', exit: r.code };
  return {
    status: file.status,
    reasons: reasons(file),
    diff: file.diff ?? '',
    changes: file.changes ?? [],
    warnings: file.warnings ?? [],
    exit: r.code,
  };
}

function table(rows, cols) {
  const w = cols.map((c) => Math.min(c.max ?? 200, Math.max(c.title.length, ...rows.map((r) => String(r[c.key] ?? '').length))));
  const line = (vals) =>
    vals
      .map((v, i) =>
        String(v ?? '')
          .slice(0, w[i])
          .padEnd(w[i]),
      )
      .join('  ')
      .trimEnd();
  console.log(line(cols.map((c) => c.title)));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const r of rows) console.log(line(cols.map((c) => r[c.key])));
}

async function runAll(entries) {
  if (!fs.existsSync(CLI)) fail(`${path.relative(ROOT, CLI)} is missing: run \`npm run build\` first`);
  if (materialize(entries.filter((e) => !fs.existsSync(srcDir(e)))) > 0)
    console.log('(some entries could not be checked out; they are reported as errors)');
  fs.mkdirSync(OUT, { recursive: true });
  const rows = [];
  for (const e of entries) {
    let res;
    if (!fs.existsSync(path.join(srcDir(e), e.dockerfile))) res = { status: 'error', reasons: ['not checked out'], diff: '' };
    else res = await migrateReport(e);
    const diffFile = path.join(OUT, `${slug(e.repo)}.diff`);
    if (res.diff) fs.writeFileSync(diffFile, res.diff);
    else fs.rmSync(diffFile, { force: true });
    rows.push({
      repo: e.repo,
      commit: e.commit,
      dockerfile: e.dockerfile,
      shape: e.shape,
      status: res.status,
      reasons: res.reasons,
      changes: res.changes,
      warnings: res.warnings,
      exit: res.exit,
      diff: res.diff ? path.relative(INTO, diffFile) : null,
    });
  }
  table(
    rows.map((r) => ({ ...r, why: r.reasons.join(', ') })),
    [
      { key: 'repo', title: 'repo', max: 44 },
      { key: 'status', title: 'status' },
      { key: 'why', title: 'reasons', max: 160 },
    ],
  );
  const counts = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  fs.writeFileSync(path.join(OUT, 'summary.json'), `${JSON.stringify({ counts, entries: rows }, null, 2)}\n`);
  console.log(
    `\n${rows.length} entries: ${Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}; diffs and summary.json in ${path.relative(process.cwd(), OUT) || '.'}`,
  );
}

// ---------------------------------------------------------------------------------------------
// build: original vs migrated images
// ---------------------------------------------------------------------------------------------

const created = { containers: new Set(), images: new Set() };
let cleanedUp = false;
function engineSync(args) {
  return sh(ENGINE, args, { timeout: 120000 });
}
/** Remove this run's containers and tags. Podman builds run with --layers=false, so no untagged
 * intermediate images are left behind and nothing else on the machine needs touching. */
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const c of created.containers) engineSync(['rm', '-f', c]);
  for (const i of created.images) engineSync(['rmi', '-f', i]);
}

const NETWORK_ERROR =
  /ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|network (timeout|error)|fetch failed|ERR_SOCKET|Request timeout|getaddrinfo|There appears to be trouble with your network/i;

/** The FROM images of a Dockerfile that are not stages of it, after ARG defaults. */
function baseImages(text) {
  const args = {};
  const stages = new Set();
  const bases = [];
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_]\w*)(?:=(\S*))?/i.exec(line);
    if (arg && !bases.length && !stages.size) args[arg[1]] = (arg[2] ?? '').replace(/^["']|["']$/g, '');
    const from = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) continue;
    const image = from[1].replace(/\$\{?(\w+)\}?/g, (_, n) => args[n] ?? '');
    if (!stages.has(image.toLowerCase()) && image !== 'scratch') bases.push(image);
    if (from[2]) stages.add(from[2].toLowerCase());
  }
  return bases;
}
/** `run.replaceFrom` { "node:14": "node:20" }: rewrite those FROM images (builds here have only local bases). */
function replaceFrom(file, map) {
  if (!map || !Object.keys(map).length) return;
  const text = fs.readFileSync(file, 'utf8');
  // A variant of a swapped tag is swapped alike: node:14-slim -> node:20-slim (the migration's runtime base).
  const swap = (image) => {
    if (Object.hasOwn(map, image)) return map[image];
    const key = Object.keys(map).find((k) => image.startsWith(`${k}-`));
    return key ? map[key] + image.slice(key.length) : null;
  };
  const out = text.replace(/^(\s*FROM\s+(?:--\S+\s+)*)(\S+)/gim, (all, head, image) => {
    const to = swap(image);
    return to ? `${head}${to}` : all;
  });
  if (out !== text) fs.writeFileSync(file, out);
}
function imagePresent(image) {
  const names = image.includes('/') ? [image] : [image, `docker.io/library/${image}`];
  return names.some((n) => engineSync(['image', 'inspect', n.includes(':') || n.includes('@') ? n : `${n}:latest`]).status === 0);
}

async function buildImage(e, variant, dir, tag, log) {
  const args = ['build', '--network', 'host', '-f', path.join(dir, e.dockerfile), '-t', tag];
  if (ENGINE === 'podman') args.push('--pull=never', '--layers=false');
  for (const [k, v] of Object.entries(e.run.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  args.push(path.join(dir, e.context));
  created.images.add(tag);
  let last;
  for (let attempt = 1; attempt <= 3; attempt++) {
    last = await run(ENGINE, args, { timeoutMs: 15 * 60 * 1000 });
    fs.appendFileSync(
      log,
      `\n===== build ${variant} (attempt ${attempt}) exit ${last.code}, ${(last.ms / 1000).toFixed(1)} s\n${last.out}`,
    );
    if (last.code === 0 || !NETWORK_ERROR.test(last.out)) break;
    await new Promise((r) => setTimeout(r, 3000 * attempt));
  }
  return last;
}

const lastLines = (s, n) => s.trimEnd().split('\n').slice(-n).join('\n');
/** A start-up log line without what differs between two runs of the same image. */
const normalizeLog = (l) =>
  l
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?/g, '<time>')
    .replace(/\b\d\d:\d\d:\d\d(\.\d+)?\b/g, '<time>')
    .replace(/\b\d{10,13}\b/g, '<ts>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d+(\.\d+)?\s?ms\b/g, '<ms>')
    // dotenv 16.5+ ends its first line with a tip picked at random on every start.
    .replace(/(\[dotenv@[\d.]+\] injecting env .*?) -- tip: .*$/, '$1')
    .trimEnd();

async function get(port, p) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(10000), redirect: 'manual' });
    const body = await res.text();
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], body };
  } catch (err) {
    return { status: 0, type: '', body: err.cause?.code ?? err.message };
  }
}
/** A response for comparison: times, timestamps, uptimes and ids masked as in logs. */
const comparable = (r) =>
  `${r.status} ${r.type} ${normalizeLog(r.body)
    .replace(/("(?:uptime|uptimeSeconds|memory|pid)"\s*:\s*)[\d.]+/gi, '$1<n>')
    .slice(0, 4000)}`;

/** Start an image, collect its answers and its first log lines, stop it. */
async function exercise(e, variant, tag, log) {
  const spec = e.run;
  const name = `dfm-rw-${slug(e.repo)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')}-${variant}-${RUN_ID}`;
  const args = ['run', '-d', '--name', name, '--network', 'host'];
  const env = { ...(spec.port ? { PORT: String(spec.port) } : {}), ...(spec.env ?? {}) };
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  args.push(tag);
  created.containers.add(name);
  const started = await run(ENGINE, args);
  if (started.code !== 0) return { started: false, why: `${ENGINE} run failed: ${lastLines(started.out, 3)}` };
  const waitMs = (spec.waitSeconds ?? 45) * 1000;
  const deadline = Date.now() + waitMs;
  let answers = null;
  let running = true;
  const logs = async () => (await run(ENGINE, ['logs', name])).out;
  while (Date.now() < deadline) {
    running = (await run(ENGINE, ['inspect', '--format', '{{.State.Running}}', name])).out.trim() === 'true';
    if (spec.port && spec.paths?.length) {
      const first = await get(spec.port, spec.paths[0]);
      if (first.status > 0) {
        answers = [];
        for (const p of spec.paths) answers.push({ path: p, ...(await get(spec.port, p)) });
        break;
      }
    } else if (spec.expectLog && new RegExp(spec.expectLog, 'm').test(await logs())) break;
    if (!running) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!spec.paths?.length && !spec.expectLog) await new Promise((r) => setTimeout(r, Math.min(waitMs, 8000)));
  const out = await logs();
  running = (await run(ENGINE, ['inspect', '--format', '{{.State.Running}}', name])).out.trim() === 'true';
  const exitCode = running ? null : (await run(ENGINE, ['inspect', '--format', '{{.State.ExitCode}}', name])).out.trim();
  const user = (await run(ENGINE, ['image', 'inspect', '--format', '{{.Config.User}}', tag])).out.trim();
  const size = Number((await run(ENGINE, ['image', 'inspect', '--format', '{{.Size}}', tag])).out.trim());
  fs.appendFileSync(log, `\n===== ${variant} container log (running: ${running}, exit ${exitCode})\n${out}`);
  await run(ENGINE, ['rm', '-f', name]);
  created.containers.delete(name);
  const logMatch = spec.expectLog ? new RegExp(spec.expectLog, 'm').test(out) : null;
  return { started: true, answers, running, exitCode, logMatch, log: out, user, size };
}

function verdict(e, o, m) {
  const spec = e.run;
  const notes = [];
  if (spec.paths?.length) {
    if (!o.answers) return { result: 'original-broken', notes: [`original answered nothing on ${spec.port}`] };
    if (!m.answers)
      return {
        result: 'broken',
        notes: [
          `migrated answered nothing on ${spec.port} (running: ${m.running}, exit ${m.exitCode}): ${lastLines(m.log, 4).replace(/\n/g, ' | ')}`,
        ],
      };
    let same = true;
    for (let i = 0; i < o.answers.length; i++) {
      const [a, b] = [o.answers[i], m.answers[i]];
      if (comparable(a) !== comparable(b)) {
        same = false;
        notes.push(`GET ${a.path}: original ${comparable(a).slice(0, 120)} | migrated ${comparable(b).slice(0, 120)}`);
      }
    }
    return { result: same ? 'same' : 'different', notes };
  }
  if (spec.expectLog) {
    if (!o.logMatch) return { result: 'original-broken', notes: [`original log does not match /${spec.expectLog}/`] };
    if (!m.logMatch)
      return {
        result: 'broken',
        notes: [`migrated log does not match /${spec.expectLog}/: ${lastLines(m.log, 4).replace(/\n/g, ' | ')}`],
      };
  }
  const n = spec.logLines ?? 5;
  const first = (s) =>
    s
      .split('\n')
      .map(normalizeLog)
      .filter((l) => l && !/^npm (notice|warn)/i.test(l))
      .slice(0, n);
  const [a, b] = [first(o.log), first(m.log)];
  if (o.running !== m.running)
    notes.push(
      `original ${o.running ? 'still running' : `exited ${o.exitCode}`}, migrated ${m.running ? 'still running' : `exited ${m.exitCode}`}`,
    );
  if (a.join('\n') !== b.join('\n'))
    notes.push(`first log lines differ: original ${JSON.stringify(a)} | migrated ${JSON.stringify(b)}`);
  return { result: notes.length ? (m.running === false && o.running ? 'broken' : 'different') : 'same', notes };
}

async function buildAll(entries) {
  if (!fs.existsSync(CLI)) fail(`${path.relative(ROOT, CLI)} is missing: run \`npm run build\` first`);
  if (sh(ENGINE, ['version']).status !== 0) fail(`${ENGINE} is not usable here`);
  const withRun = entries.filter((e) => e.run);
  if (!withRun.length) fail('no selected entry has a `run` section');
  materialize(withRun.filter((e) => !fs.existsSync(srcDir(e))));
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      for (const c of children) c.kill('SIGTERM');
      setTimeout(() => {
        cleanup();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }, 2000);
    });
  }
  fs.mkdirSync(OUT, { recursive: true });
  const rows = [];
  for (const e of withRun) {
    const row = { repo: e.repo, result: '', notes: [] };
    rows.push(row);
    const work = path.join(INTO, 'build', slug(e.repo));
    fs.rmSync(work, { recursive: true, force: true });
    const dirs = { original: path.join(work, 'original'), migrated: path.join(work, 'migrated') };
    for (const d of Object.values(dirs)) fs.cpSync(srcDir(e), d, { recursive: true, verbatimSymlinks: true });
    const log = path.join(work, 'build.log');
    console.log(`\n${e.repo}`);
    replaceFrom(path.join(dirs.original, e.dockerfile), e.run.replaceFrom);
    const bases = baseImages(fs.readFileSync(path.join(dirs.original, e.dockerfile), 'utf8'));
    const missing = bases.filter((b) => !imagePresent(b));
    if (missing.length) {
      row.result = 'no-base-image';
      row.notes.push(`not available locally: ${missing.join(', ')}`);
      console.log(`  no-base-image: ${missing.join(', ')}`);
      continue;
    }
    const mig = await migrateReport(e, { write: true, root: dirs.migrated });
    // Base images missing here are swapped for a local one in both Dockerfiles, after the migration.
    replaceFrom(path.join(dirs.migrated, e.dockerfile), e.run.replaceFrom);
    row.status = mig.status;
    if (mig.status !== 'migrated') {
      row.result = mig.status === 'error' ? 'tool-error' : 'not-migrated';
      row.notes.push(...mig.reasons);
      console.log(`  ${row.result}: ${mig.reasons.join(', ')}`);
      continue;
    }
    const tags = {
      original: `localhost/dfm-rw-${slug(e.repo).toLowerCase()}:original-${RUN_ID}`,
      migrated: `localhost/dfm-rw-${slug(e.repo).toLowerCase()}:migrated-${RUN_ID}`,
    };
    const built = {};
    for (const v of ['original', 'migrated']) {
      built[v] = await buildImage(e, v, dirs[v], tags[v], log);
      console.log(
        `  build ${v}: ${built[v].code === 0 ? 'ok' : `FAILED (exit ${built[v].code})`} ${(built[v].ms / 1000).toFixed(0)} s`,
      );
    }
    if (built.original.code !== 0) {
      row.result = built.migrated.code === 0 ? 'original-broken' : 'both-fail-build';
      row.notes.push(`original: ${lastLines(built.original.out, 2).replace(/\n/g, ' | ')}`);
      if (built.migrated.code !== 0) row.notes.push(`migrated: ${lastLines(built.migrated.out, 2).replace(/\n/g, ' | ')}`);
      continue;
    }
    if (built.migrated.code !== 0) {
      row.result = 'broken';
      row.notes.push(`migrated build fails: ${lastLines(built.migrated.out, 3).replace(/\n/g, ' | ')}`);
      continue;
    }
    const o = await exercise(e, 'original', tags.original, log);
    const m = await exercise(e, 'migrated', tags.migrated, log);
    if (!o.started || !m.started) {
      row.result = !o.started ? 'original-broken' : 'broken';
      row.notes.push(o.why ?? m.why);
      continue;
    }
    const v = verdict(e, o, m);
    row.result = v.result;
    row.notes.push(...v.notes);
    row.size = { original: o.size, migrated: m.size };
    row.user = { original: o.user || '(root)', migrated: m.user || '(root)' };
    for (const v2 of ['original', 'migrated']) (engineSync(['rmi', '-f', tags[v2]]), created.images.delete(tags[v2]));
    console.log(`  ${row.result}${row.notes.length ? `: ${row.notes.join(' ; ').slice(0, 400)}` : ''}`);
  }
  console.log('');
  const mb = (n) => (Number.isFinite(n) ? `${Math.round(n / 1e6)} MB` : '');
  table(
    rows.map((r) => ({
      ...r,
      sizes: r.size ? `${mb(r.size.original)} → ${mb(r.size.migrated)}` : '',
      users: r.user ? `${r.user.original} → ${r.user.migrated}` : '',
      why: r.notes.join(' ; '),
    })),
    [
      { key: 'repo', title: 'repo', max: 44 },
      { key: 'result', title: 'result' },
      { key: 'sizes', title: 'size' },
      { key: 'users', title: 'user' },
      { key: 'why', title: 'notes', max: 140 },
    ],
  );
  fs.writeFileSync(path.join(OUT, 'build-summary.json'), `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`\nlogs under ${path.relative(process.cwd(), path.join(INTO, 'build'))}/<owner>__<name>/build.log`);
}

// ---------------------------------------------------------------------------------------------

const entries = loadManifest();
if (command === 'materialize') process.exitCode = materialize(entries) ? 1 : 0;
else if (command === 'run') await runAll(entries);
else if (command === 'build') await buildAll(entries);
else fail('usage: node scripts/realworld.mjs materialize|run|build [--into DIR] [--only a,b] [--engine podman|docker]');
