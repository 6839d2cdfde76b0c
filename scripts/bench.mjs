#!/usr/bin/env node
/**
 * npm run bench: speed and memory of dockerfile-migrate, printed as numbers (no assertions).
 *
 *   node scripts/bench.mjs            full run (needs dist/: `npm run build` first)
 *   node scripts/bench.mjs --quick    fewer repeats and files, for a smoke check
 *   node scripts/bench.mjs --against <git-ref>   the same cold-start and large-file numbers for
 *                                     that commit too, built in a temporary worktree, side by side
 *   node scripts/bench.mjs --only cold,large     only these sections (cold, large, batch)
 *   node scripts/bench.mjs --keep     keep the generated corpus (its path is printed)
 *   node scripts/bench.mjs --corpus-only   only generate (and keep) the corpus, e.g. for profiling
 *
 * Measures, each as a median over repeated runs:
 *  - CLI cold start: `--version`, `--dry-run` on examples/express-api, and bare `node -e 0`, runs
 *    interleaved (wall time, CPU time = user + system, max RSS);
 *  - large Dockerfiles: `--dry-run` on generated Dockerfiles of 100 kB, 400 kB and 1 MiB (the size
 *    limit), in two shapes: one stage that the whole pipeline migrates (many ENV, ARG, LABEL, COPY
 *    and RUN lines, continuations, comments), and many stages built FROM one another (WORKDIRs,
 *    COPY --from); with --against, whether both builds print the same patch;
 *  - batch: migrateFile over 2,000 generated Dockerfiles in one process (shared facts cache and
 *    overlay, reports kept, as src/cli/main.ts runs them): per-file time, files/s, peak memory (sampled
 *    rss and maxRSS); the same without overlay; then 10,000 files for the memory target;
 *  - the real CLI end to end over the 2,000 files (`--dry-run --quiet <dir>`);
 *  - peers on the same files: dockerfile-utils (validate() in process, and its CLI, which takes
 *    one file per process), and tally (`tally lint <dir>`, installed for the run into a temp dir).
 * The corpus replicates every fixture case's Dockerfile (fixtures/cases/*.ts, with its build context:
 * its folder under fixtures/contexts/ and its own files) and every `Dockerfile` under fixtures/
 * (corpus/, e2e/) and examples/ with variations (base image tags, ports, WORKDIR, comments, extra
 * ENV/LABEL lines, CRLF), each in its own context directory with the source's package.json, lockfile
 * and sources.
 *
 *  - flat memory: the CLI (one thread) and migrateMany() over the 10,000 files with the V8 heap
 *    capped at 48 MB; they complete only if what they keep does not grow with the number of files.
 * Internal: `node scripts/bench.mjs --worker <migrate|migrate-lib|validate> <list-file>` runs one
 * batch in a fresh process and prints one JSON line (`--worker many <dir>`: migrateMany over a directory).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist', 'src');
const CLI = path.join(DIST, 'cli', 'cli.js');

// ---------------------------------------------------------------------------------------------
// Worker: one batch in this process, one JSON line on stdout.
// ---------------------------------------------------------------------------------------------
async function worker(kind, listFile) {
  if (kind === 'many') {
    // listFile is a directory here: migrateMany finds the files itself.
    const lib = await import(pathToFileURL(path.join(DIST, 'index.js')).href);
    const statuses = {};
    for await (const r of lib.migrateMany(listFile)) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    process.stdout.write(JSON.stringify({ statuses, heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20 }) + '\n');
    return;
  }
  const files = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const reasons = {};
  const t0 = process.hrtime.bigint();
  let run;
  if (kind === 'validate') {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const { validate } = require('dockerfile-utils');
    run = (f) => {
      const d = validate(fs.readFileSync(f, 'utf8'));
      return d.some((x) => x.severity === 1) ? 'lint-error' : 'ok';
    };
  } else {
    const lib = await import(pathToFileURL(path.join(DIST, 'index.js')).href);
    const factsCache = new Map();
    // src/cli/cli.ts passes the files proposed so far (a shared .dockerignore) as an overlay.
    const pending = kind === 'migrate' ? new Map() : undefined;
    const cwd = process.cwd();
    // ... and keeps one report per file until the end (for the summary and --json).
    const reports = [];
    globalThis.__benchReports = reports;
    run = (f) => {
      const res = lib.migrateFile(f, { cwd, factsCache, overlay: pending, options: { transforms: [], skip: [] } });
      if (pending) for (const o of res.files) pending.set(path.resolve(cwd, o.displayPath), o.content);
      if (pending)
        reports.push({
          path: res.path,
          status: res.status,
          reason: res.reason,
          changes: res.changes,
          warnings: res.warnings,
          diff: res.diff,
          files: res.files.map((o) => ({ path: o.displayPath, created: o.before === null })),
        });
      if (res.status === 'error' || res.status === 'skipped') {
        const why = `${res.status}: ${String(res.reason).slice(0, 120)}`;
        reasons[why] = (reasons[why] ?? 0) + 1;
      }
      return res.status;
    };
  }
  const importMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const per = new Float64Array(files.length);
  const statuses = {};
  let peakRss = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < files.length; i++) {
    const a = process.hrtime.bigint();
    const s = run(files[i]);
    per[i] = Number(process.hrtime.bigint() - a) / 1e6;
    statuses[s] = (statuses[s] ?? 0) + 1;
    if ((i & 15) === 0) {
      const r = process.memoryUsage.rss();
      if (r > peakRss) peakRss = r;
    }
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const r = process.memoryUsage.rss();
  if (r > peakRss) peakRss = r;
  const sorted = Array.from(per).sort((x, y) => x - y);
  process.stdout.write(
    JSON.stringify({
      n: files.length,
      importMs,
      totalMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      perFileMedianMs: quantile(sorted, 0.5),
      perFileP95Ms: quantile(sorted, 0.95),
      perFileMeanMs: totalMs / files.length,
      filesPerSec: files.length / (totalMs / 1000),
      peakRssMB: peakRss / 2 ** 20,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      statuses,
      reasons,
    }) + '\n',
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}
const median = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HAVE_TIME = fs.existsSync('/usr/bin/time');

/** Run a command; wall time in ms, plus CPU time and max RSS of the child when /usr/bin/time exists. */
function timed(cmd, args, opts = {}) {
  let stats = null;
  let file = cmd;
  let argv = args;
  let statFile = null;
  if (HAVE_TIME && opts.rusage) {
    statFile = path.join(os.tmpdir(), `bench-time-${process.pid}.txt`);
    file = '/usr/bin/time';
    argv = ['-f', '%U %S %M', '-o', statFile, cmd, ...args];
  }
  const t = process.hrtime.bigint();
  const r = spawnSync(file, argv, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
    stdio: ['ignore', opts.stdout ?? 'ignore', 'pipe'],
    maxBuffer: 64 * 2 ** 20,
    timeout: opts.timeout ?? 300_000,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (statFile) {
    try {
      const last = fs.readFileSync(statFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      stats = { cpuMs: (last[0] + last[1]) * 1000, maxRssMB: last[2] / 1024 };
    } catch {}
    fs.rmSync(statFile, { force: true });
  }
  return {
    ms,
    status: r.status,
    signal: r.signal,
    error: r.error,
    stdout: opts.stdout === 'pipe' ? (r.stdout?.toString() ?? '') : undefined,
    stderr: r.stderr?.toString() ?? '',
    ...stats,
  };
}

function runWorker(kind, listFile) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', kind, listFile], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`worker ${kind} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------
const SKIP_DIRS = new Set(['node_modules', '.git']);
const DOCKERFILE_LIKE = /^(Dockerfile|Containerfile)(\..*)?$|\.[Dd]ockerfile$|\.expected$/;

function findDockerfiles(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) findDockerfiles(full, out);
    } else if (e.isFile() && e.name === 'Dockerfile') out.push(full);
  }
  return out;
}

/** The context files to replicate next to a Dockerfile: everything but Dockerfiles and fixture expectations. */
function contextFiles(dir, rel = '', out = []) {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      // A nested fixture case (its own Dockerfile) is a separate source, not context.
      if (!SKIP_DIRS.has(e.name) && !fs.existsSync(path.join(dir, r, 'Dockerfile'))) contextFiles(dir, r, out);
    } else if (e.isFile() && !DOCKERFILE_LIKE.test(e.name)) {
      out.push({ rel: r, content: fs.readFileSync(path.join(dir, r)) });
    }
  }
  return out;
}

/**
 * The fixture cases as corpus sources: each case's Dockerfile with its build context. The cases files
 * are TypeScript, which plain node does not run: each is transpiled here (its only import is a type).
 */
async function caseSources() {
  const dir = path.join(ROOT, 'fixtures', 'cases');
  const out = [];
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.ts') || f === 'case.ts') continue;
    const js = ts.transpileModule(fs.readFileSync(path.join(dir, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const { default: cases } = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
    for (const c of cases) {
      const context = typeof c.context === 'string' ? { base: c.context } : c.context;
      const files = new Map();
      if (context.base)
        for (const x of contextFiles(path.join(ROOT, 'fixtures', 'contexts', context.base))) files.set(x.rel, x.content);
      for (const [rel, content] of Object.entries(context.files ?? {}))
        if (content === null) files.delete(rel);
        else files.set(rel, content);
      out.push({
        slug: `${f.slice(0, -3)}_${c.name}`,
        text: c.dockerfile,
        files: [...files].map(([rel, content]) => ({ rel, content })),
      });
    }
  }
  return out;
}

const PORTS = [3000, 3001, 4000, 5000, 8000, 8080, 8081, 9000];
const WORKDIRS = ['/app', '/usr/src/app', '/srv/app', '/home/node/app', '/opt/service', '/workspace'];
const MAJORS = ['18', '20', '22', '24'];
const COMMENTS = [
  '# install dependencies first for better caching',
  '# TODO: pin the base image digest',
  '# app sources',
  '# see docs/deploy.md',
  '# keep in sync with docker-compose.yml',
];
const EXTRA = [
  (i) => `LABEL maintainer="team-${i % 37}@example.com"`,
  (i) => `LABEL org.opencontainers.image.version="1.${i % 30}.${i % 7}"`,
  () => 'ENV TZ=UTC',
  (i) => `ENV APP_NAME=service-${i}`,
  () => 'ENV NPM_CONFIG_UPDATE_NOTIFIER=false',
];

/** One variation of a Dockerfile text; i selects the variation deterministically. */
function vary(text, i, rng) {
  const crlfIn = text.includes('\r\n');
  let t = crlfIn ? text.replace(/\r\n/g, '\n') : text;
  const escapeBacktick = /^#\s*escape\s*=\s*`/im.test(t);
  const hasHeredoc = /<<-?\s*["']?[A-Za-z_]/.test(t);
  // Base image tag: another major, same variant (alpine stays alpine: RUN apk needs it).
  t = t.replace(
    /^(\s*FROM\s+(?:--platform=\S+\s+)?(?:docker\.io\/)?(?:library\/)?node:)(\d+)((?:\.\d+)*)(-[\w.-]+)?/gim,
    (_m, pre, _maj, _minor, variant) => `${pre}${MAJORS[Math.floor(rng() * MAJORS.length)]}${variant ?? ''}`,
  );
  // Port: every mention of the first exposed port (unprivileged ports only).
  const port = /^\s*EXPOSE\s+(\d+)/im.exec(t)?.[1];
  if (port && Number(port) >= 1024) {
    const p = PORTS[Math.floor(rng() * PORTS.length)];
    t = t.replace(new RegExp(`\\b${port}\\b`, 'g'), String(p));
  }
  // WORKDIR: rename /app everywhere it appears as a path.
  if (/^\s*WORKDIR\s+\/app\s*$/im.test(t)) {
    const w = WORKDIRS[Math.floor(rng() * WORKDIRS.length)];
    t = t.replace(/(^|[\s="'[,:])\/app(?=$|[\s/"'\],:])/gm, `$1${w}`);
  }
  const lines = t.split('\n');
  const cont = (l) => (escapeBacktick ? /`\s*$/.test(l) : /\\\s*$/.test(l));
  // Extra ENV/LABEL lines right after the first FROM (when it is a one-line instruction).
  const from = lines.findIndex((l) => /^\s*FROM\s/i.test(l));
  if (from >= 0 && !cont(lines[from])) {
    const n = Math.floor(rng() * 3);
    const extra = [];
    for (let k = 0; k < n; k++) extra.push(EXTRA[Math.floor(rng() * EXTRA.length)](i));
    lines.splice(from + 1, 0, ...extra);
  }
  // Comments (and a blank line now and then) before instruction lines, never first, never in a continuation.
  if (!hasHeredoc) {
    const n = Math.floor(rng() * 4);
    for (let k = 0; k < n; k++) {
      const starts = [];
      for (let j = Math.max(1, from + 1); j < lines.length; j++)
        if (/^\s*[A-Za-z]+\s/.test(lines[j]) && !cont(lines[j - 1])) starts.push(j);
      if (!starts.length) break;
      const at = starts[Math.floor(rng() * starts.length)];
      const c = COMMENTS[Math.floor(rng() * COMMENTS.length)];
      lines.splice(at, 0, ...(rng() < 0.3 ? ['', c] : [c]));
    }
  }
  t = lines.join('\n');
  const crlf = crlfIn || i % 7 === 3;
  return crlf ? t.replace(/\n/g, '\r\n') : t;
}

function buildCorpus(root, sources, total, firstBatch) {
  const rng = mulberry32(20240611);
  // A source is a case (text and files) or a Dockerfile on disk with its folder.
  const ctx = sources.map((s) =>
    s.file ? { ...s, files: contextFiles(path.dirname(s.file)), text: fs.readFileSync(s.file, 'utf8') } : s,
  );
  const lists = { a: [], all: [] };
  const dirsMade = new Set();
  for (let i = 0; i < total; i++) {
    const src = ctx[i % ctx.length];
    const group = i < firstBatch ? 'a' : 'b';
    const dir = path.join(root, group, `${String(i).padStart(5, '0')}-${src.slug}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of src.files) {
      const target = path.join(dir, f.rel);
      const parent = path.dirname(target);
      if (parent !== dir && !dirsMade.has(parent)) {
        fs.mkdirSync(parent, { recursive: true });
        dirsMade.add(parent);
      }
      fs.writeFileSync(target, f.content);
    }
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, vary(src.text, i, rng));
    if (group === 'a') lists.a.push(file);
    lists.all.push(file);
  }
  return lists;
}

// ---------------------------------------------------------------------------------------------
// Large Dockerfiles
// ---------------------------------------------------------------------------------------------
const LARGE_SIZES = [
  ['100 kB', 100 * 1024],
  ['400 kB', 400 * 1024],
  // The largest Dockerfile the tool reads (MAX_DOCKERFILE_BYTES).
  ['1 MiB', 1024 * 1024],
];

/**
 * A build context whose Dockerfile is about `bytes` long (never over), in one of two shapes:
 *  - `app`: one stage with one WORKDIR, which the whole pipeline migrates (split, selective copy,
 *    non-root, ...): a run of ENV, ARG, LABEL, COPY, RUN (some continued over lines) and comments,
 *    then the install, the build and the start;
 *  - `stages`: stages of a few thousand lines, each built FROM the one before or from node, with
 *    WORKDIRs (absolute and relative), copies from the stage before, RUN, ENV, ARG; the last one the app.
 */
function largeContext(dir, bytes, shape) {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  const pkg = {
    name: 'large',
    version: '1.0.0',
    scripts: { build: 'tsc', start: 'node dist/server.js' },
    dependencies: { express: '^4.19.2' },
    devDependencies: { typescript: '^5.4.5' },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const lock = {
    name: 'large',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'large', version: '1.0.0', dependencies: pkg.dependencies, devDependencies: pkg.devDependencies },
      'node_modules/express': { version: '4.19.2' },
      'node_modules/typescript': { version: '5.4.5', dev: true },
    },
  };
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": { "outDir": "dist" } }\n');
  fs.writeFileSync(
    path.join(dir, 'src', 'server.ts'),
    "import express from 'express';\nexpress().listen(Number(process.env.PORT) || 3000);\n",
  );
  for (let c = 0; c < 20; c++) fs.writeFileSync(path.join(dir, 'config', `c${c}.json`), `{ "id": ${c} }\n`);
  const tail = [
    'COPY package.json package-lock.json ./',
    'RUN npm ci',
    'COPY . .',
    'RUN npm run build',
    'EXPOSE 3000',
    'CMD ["node", "dist/server.js"]',
  ];
  const lines = [];
  let size = 0;
  const room = bytes - tail.join('\n').length - 200;
  const push = (...ls) => {
    for (const l of ls) {
      lines.push(l);
      size += l.length + 1;
    }
  };
  if (shape === 'app') {
    push(
      '# syntax=docker/dockerfile:1',
      'FROM node:20-bookworm',
      'ARG APP_VERSION=1.0.0',
      'ENV APP_NAME=large TZ=UTC',
      'WORKDIR /app',
    );
    for (let i = 0; size < room; i++) {
      switch (i % 8) {
        case 0:
          push(`# step ${i}: settings for part ${i >> 3}`);
          break;
        case 1:
          push(`ENV FEATURE_${i}=on PATH_${i}=/app/bin/${i}`);
          break;
        case 2:
          push(`ARG BUILD_${i}=b${i}`);
          break;
        case 3:
          push(`COPY config/c${i % 20}.json ./config/`);
          break;
        case 4:
          push(`RUN echo "step ${i} of $APP_NAME" \\`, `    && echo "$FEATURE_${i - 3}"`);
          break;
        case 5:
          push(`LABEL org.example.step${i}="v${i}"`);
          break;
        case 6:
          push('');
          break;
        default:
          push(`ENV STEP_${i}=done`);
      }
    }
  } else {
    let stage = 0;
    push('FROM node:20-bookworm AS s0', 'WORKDIR /app');
    for (let i = 1; size < room; i++) {
      if (i % 2000 === 0) {
        stage++;
        push('', stage % 3 ? `FROM s${stage - 1} AS s${stage}` : `FROM node:20-bookworm AS s${stage}`);
        push(stage % 3 ? `WORKDIR part${stage}` : 'WORKDIR /app');
        push(`COPY --from=s${stage - 1} /app/out ./in${stage}`);
        continue;
      }
      switch (i % 9) {
        case 0:
          push(`RUN mkdir -p out && echo ${i} > out/f${i % 100}`);
          break;
        case 1:
          push(`ENV VAR_${i}=value${i}`);
          break;
        case 2:
          push(`COPY config/c${i % 20}.json ./config/`);
          break;
        case 3:
          push(`# step ${i}`);
          break;
        case 4:
          push(`WORKDIR sub${i % 7}`);
          break;
        case 5:
          push(`ARG A_${i}=x`);
          break;
        case 6:
          push(`RUN echo "$VAR_${i - 5}" \\`, `    && echo "$A_${i - 1}"`);
          break;
        case 7:
          push('WORKDIR /app');
          break;
        default:
          push(`LABEL l${i}="v${i}"`);
      }
    }
    push('', `FROM node:20-bookworm AS app`, 'WORKDIR /app', `COPY --from=s${stage} /app/out ./generated`);
  }
  push(...tail);
  const text = lines.join('\n') + '\n';
  if (Buffer.byteLength(text) > bytes) throw new Error(`generated ${Buffer.byteLength(text)} bytes for ${bytes}`);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), text);
  return Buffer.byteLength(text);
}

// ---------------------------------------------------------------------------------------------
// Another commit, built in a temporary worktree (--against)
// ---------------------------------------------------------------------------------------------
function prepareAgainst(ref, tmp) {
  const sha = execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
  const short = sha.slice(0, 8);
  const dir = path.join(tmp, `against-${short}`);
  execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', '--quiet', dir, sha], { stdio: ['ignore', 'ignore', 'pipe'] });
  const remove = () => {
    const modules = path.join(dir, 'node_modules');
    if (fs.lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(modules);
    spawnSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
  };
  try {
    const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null);
    // The same lockfile: this tree's node_modules serve; another one: install it (from the npm cache when it can).
    if (read(path.join(ROOT, 'package-lock.json')) === read(path.join(dir, 'package-lock.json')))
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    else
      execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 900_000,
      });
    const scripts = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts ?? {};
    execFileSync('npm', ['run', '--silent', scripts.build ? 'build' : 'prepack'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 900_000,
    });
    const cli = path.join(dir, 'dist', 'src', 'cli', 'cli.js');
    if (!fs.existsSync(cli)) throw new Error(`${ref} built no ${path.relative(dir, cli)}`);
    const subject = execFileSync('git', ['-C', ROOT, 'log', '-1', '--format=%s', sha], { encoding: 'utf8' }).trim();
    return { ref, sha, short, subject, dir, cli, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** Runs of each command, interleaved (so that a busy moment slows them all alike): wall, CPU, max RSS. */
function coldStart(variants, runs) {
  for (const v of variants) timed(v.cmd, v.args); // warm the page cache
  for (const v of variants) Object.assign(v, { ms: [], cpu: [], rss: [] });
  for (let k = 0; k < runs; k++) {
    for (const v of variants) {
      const r = timed(v.cmd, v.args, { rusage: true });
      if (r.status !== 0 && !(v.args.includes('--dry-run') && r.status === 1))
        throw new Error(`${v.label} exited ${r.status}: ${r.stderr}`);
      v.ms.push(r.ms);
      if (Number.isFinite(r.cpuMs)) v.cpu.push(r.cpuMs);
      if (Number.isFinite(r.maxRssMB)) v.rss.push(r.maxRssMB);
    }
  }
  return variants.map((v) => ({
    ...v,
    median: median(v.ms),
    min: Math.min(...v.ms),
    max: Math.max(...v.ms),
    cpuMedian: v.cpu.length ? median(v.cpu) : NaN,
    rssMedian: v.rss.length ? median(v.rss) : NaN,
  }));
}

/** `--dry-run --quiet` on a large context: median of `runs` (wall, CPU, max RSS) and the patch printed. */
function largeRun(cli, dir, runs, timeout) {
  const rs = [];
  for (let k = 0; k < runs; k++) {
    const r = timed(process.execPath, [cli, '--dry-run', '--quiet', dir], { rusage: true, stdout: 'pipe', timeout });
    if (r.error?.code === 'ETIMEDOUT' || r.signal) return { timedOut: true, timeout, runs: rs.length };
    if (r.status === null || r.status > 1) throw new Error(`${cli} on ${dir} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    rs.push(r);
  }
  return {
    ms: median(rs.map((r) => r.ms)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    maxRssMB: median(rs.map((r) => r.maxRssMB)),
    migrated: rs[0].stdout.length > 0,
    stdout: rs[0].stdout,
    runs: rs.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------
async function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const corpusOnly = argv.includes('--corpus-only');
  const keep = argv.includes('--keep') || corpusOnly;
  const COLD_RUNS = quick ? 5 : 15;
  const BATCH_RUNS = quick ? 1 : 3;
  const BIG_RUNS = 1;
  const N = quick ? 500 : 2000;
  const CAPPED_HEAP_MB = 48;
  const BIG = quick ? 1000 : 10000;
  const DU_CLI_SAMPLE = quick ? 10 : 40;
  const TALLY_RUNS = quick ? 1 : 3;
  const benchStart = Date.now();

  if (!fs.existsSync(CLI)) {
    console.error(`bench: ${path.relative(ROOT, CLI)} is missing; build first (npm run build)`);
    process.exit(2);
  }
  const cpus = os.cpus();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const duPkg = createRequire(path.join(ROOT, 'package.json'))('dockerfile-utils/package.json');
  console.log(`dockerfile-migrate ${pkg.version} benchmark${quick ? ' (--quick: fewer runs and files)' : ''}`);
  console.log(
    `machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'} x ${cpus.length} (available parallelism ${os.availableParallelism?.() ?? cpus.length}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}, node ${process.version}`,
  );
  const loadStart = os.loadavg();
  console.log(`load average at the start: ${loadStart.map((x) => fmt(x, 2)).join(' ')}`);
  console.log('');

  const valueOf = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sections = new Set((valueOf('--only') ?? 'cold,large,batch').split(','));
  const againstRef = valueOf('--against');
  const LARGE_RUNS = quick ? 1 : 3;
  const AGAINST_TIMEOUT_S = Number(valueOf('--against-timeout')) || 600;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-migrate-bench-'));
  let against = null;
  const cleanup = () => {
    against?.remove();
    against = null;
    if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const targets = [];
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  try {
    if (againstRef && !corpusOnly) {
      process.stderr.write(`bench: building ${againstRef} in a temporary worktree...\n`);
      against = prepareAgainst(againstRef, tmp);
      console.log(`against: ${againstRef} = ${against.short} (${against.subject}), built in a temporary worktree`);
      console.log('');
    }
    const builds = [{ name: 'this tree', cli: CLI }, ...(against ? [{ name: against.short, cli: against.cli }] : [])];

    // -- Cold start -------------------------------------------------------------------------
    if (sections.has('cold') && !corpusOnly) {
      const example = path.join('examples', 'express-api');
      process.stderr.write('bench: cold start...\n');
      const variants = [{ label: 'node -e 0 (reference)', cmd: process.execPath, args: ['-e', '0'] }];
      for (const b of builds) {
        variants.push({ label: `${b.name}: dockerfile-migrate --version`, cmd: process.execPath, args: [b.cli, '--version'] });
        variants.push({
          label: `${b.name}: dockerfile-migrate --dry-run examples/express-api`,
          cmd: process.execPath,
          args: [b.cli, '--dry-run', '--quiet', example],
          dry: b,
        });
      }
      const res = coldStart(variants, COLD_RUNS);
      console.log(`CLI cold start (median of ${COLD_RUNS} interleaved runs; wall min..max; CPU user+system; max RSS)`);
      for (const r of res)
        console.log(
          `  ${r.label.padEnd(66)} ${fmt(r.median, 0).padStart(5)} ms wall (${fmt(r.min, 0)}..${fmt(r.max, 0)})  ${fmt(r.cpuMedian, 0).padStart(5)} ms CPU  ${fmt(r.rssMedian, 0).padStart(4)} MB`,
        );
      console.log('');
      const node = res[0];
      const dry = res.find((r) => r.dry?.cli === CLI);
      targets.push(
        `  ${mark(dry.median < 120)}  CLI cold start, one file < 120 ms wall: ${fmt(dry.median, 0)} ms (CPU ${fmt(dry.cpuMedian, 0)} ms; node -e 0: ${fmt(node.median, 0)} ms wall, ${fmt(node.cpuMedian, 0)} ms CPU)`,
      );
    }

    // -- Large Dockerfiles ------------------------------------------------------------------
    if (sections.has('large') && !corpusOnly) {
      console.log(
        `Large Dockerfiles: dockerfile-migrate --dry-run --quiet <dir> (this tree: median of ${LARGE_RUNS}${against ? `; ${against.short}: one run, at most ${AGAINST_TIMEOUT_S} s` : ''})`,
      );
      for (const shape of ['app', 'stages']) {
        for (const [label, bytes] of LARGE_SIZES) {
          const dir = path.join(tmp, 'large', `${shape}-${bytes}`);
          const size = largeContext(dir, bytes, shape);
          process.stderr.write(`bench: ${shape} Dockerfile of ${label}...\n`);
          const mine = largeRun(CLI, dir, LARGE_RUNS, 300_000);
          const show = (r) =>
            r.timedOut
              ? `> ${fmt(r.timeout / 1000, 0)} s (stopped)`
              : `${fmt(r.ms / 1000, 2)} s wall, ${fmt(r.cpuMs / 1000, 2)} s CPU, ${fmt(r.maxRssMB, 0)} MB`;
          let line = `  ${`${shape}, ${label} (${int(size)} bytes)`.padEnd(34)} this tree: ${show(mine).padEnd(38)}`;
          if (against) {
            const theirs = largeRun(against.cli, dir, 1, AGAINST_TIMEOUT_S * 1000);
            const same =
              theirs.timedOut || mine.timedOut ? '' : theirs.stdout === mine.stdout ? ', same patch' : ', PATCHES DIFFER';
            line += ` ${against.short}: ${show(theirs)}${same}`;
          }
          console.log(line);
          if (bytes === LARGE_SIZES[LARGE_SIZES.length - 1][1])
            targets.push(
              `  ${mark(!mine.timedOut && mine.ms < 1000)}  ${shape} Dockerfile of ${label} < 1 s: ${mine.timedOut ? 'stopped' : `${fmt(mine.ms / 1000, 2)} s wall, ${fmt(mine.cpuMs / 1000, 2)} s CPU`}`,
            );
        }
      }
      console.log('');
    }
    if (!sections.has('batch') && !corpusOnly) {
      if (targets.length) console.log(['Targets', ...targets].join('\n'));
      return;
    }

    // -- Corpus -------------------------------------------------------------------------------
    const sources = [
      ...(await caseSources()),
      ...[...findDockerfiles(path.join(ROOT, 'fixtures')), ...findDockerfiles(path.join(ROOT, 'examples'))].map((file) => ({
        file,
        slug: path
          .relative(ROOT, path.dirname(file))
          .replace(/[\\/]/g, '_')
          .replace(/^fixtures_/, ''),
      })),
    ];
    process.stderr.write(`bench: generating ${int(BIG)} Dockerfiles from ${sources.length} sources in ${tmp}...\n`);
    const g0 = Date.now();
    const corpus = buildCorpus(path.join(tmp, 'corpus'), sources, BIG, N);
    const genS = (Date.now() - g0) / 1000;
    const listA = path.join(tmp, 'list-a.txt');
    const listAll = path.join(tmp, 'list-all.txt');
    fs.writeFileSync(listA, corpus.a.join('\n') + '\n');
    fs.writeFileSync(listAll, corpus.all.join('\n') + '\n');
    const dirA = path.join(tmp, 'corpus', 'a');
    if (corpusOnly) {
      console.log(
        `corpus: ${tmp} (list-a.txt: ${int(N)} files, list-all.txt: ${int(BIG)} files); profile with e.g.\n  node --cpu-prof --cpu-prof-dir=${tmp}/prof scripts/bench.mjs --worker migrate ${listA}`,
      );
      return;
    }

    // -- Batch in one process -------------------------------------------------------------
    process.stderr.write(`bench: migrateFile over ${int(N)} files x ${BATCH_RUNS}...\n`);
    const batch = [];
    for (let k = 0; k < BATCH_RUNS; k++) batch.push(runWorker('migrate', listA));
    const batchLib = runWorker('migrate-lib', listA);
    process.stderr.write(`bench: migrateFile over ${int(BIG)} files x ${BIG_RUNS}...\n`);
    const big = [];
    for (let k = 0; k < BIG_RUNS; k++) big.push(runWorker('migrate', listAll));
    const pick = (runs, key) => median(runs.map((r) => r[key]));

    // -- The real CLI over the same directories -------------------------------------------
    process.stderr.write('bench: CLI end to end...\n');
    const cliRuns = [];
    for (let k = 0; k < BATCH_RUNS; k++) {
      const r = timed(process.execPath, [CLI, '--dry-run', '--quiet', dirA], { rusage: true });
      if (r.status === null || r.status > 2) throw new Error(`CLI batch failed: ${r.stderr.slice(0, 500)}`);
      cliRuns.push(r);
    }
    // The memory target: the CLI over every generated file (worker threads with bounded heaps).
    process.stderr.write(`bench: CLI end to end over ${int(BIG)} files...\n`);
    const cliBig = timed(process.execPath, [CLI, '--dry-run', '--quiet', path.join(tmp, 'corpus')], {
      rusage: true,
      timeout: 900_000,
    });
    if (cliBig.status === null || cliBig.status > 2) throw new Error(`CLI batch failed: ${cliBig.stderr.slice(0, 500)}`);
    // Flat memory: what a run keeps must not grow with the number of files. V8 grows an unbounded
    // heap before it collects, so max RSS alone cannot tell; a run that completes in a small heap
    // over every generated file can. The CLI in one thread (text mode keeps no per-file report),
    // and migrateMany(), which hands each result over and keeps nothing.
    process.stderr.write(`bench: flat memory, ${int(BIG)} files in a ${CAPPED_HEAP_MB} MB heap...\n`);
    const capped = `--max-old-space-size=${CAPPED_HEAP_MB}`;
    const cliCapped = timed(process.execPath, [capped, CLI, '--dry-run', '--quiet', path.join(tmp, 'corpus')], {
      rusage: true,
      timeout: 900_000,
      env: { DOCKERFILE_MIGRATE_THREADS: '1' },
    });
    const manyCapped = timed(
      process.execPath,
      [capped, fileURLToPath(import.meta.url), '--worker', 'many', path.join(tmp, 'corpus')],
      {
        rusage: true,
        timeout: 900_000,
      },
    );

    // -- Peers ----------------------------------------------------------------------------
    process.stderr.write(`bench: dockerfile-utils validate() over ${int(N)} files x ${BATCH_RUNS}...\n`);
    const du = [];
    for (let k = 0; k < BATCH_RUNS; k++) du.push(runWorker('validate', listA));
    process.stderr.write(`bench: dockerfile-utils CLI on a ${DU_CLI_SAMPLE}-file sample...\n`);
    const duBin = path.join(
      path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('dockerfile-utils/package.json')),
      'bin',
      'dockerfile-utils',
    );
    const duCliMs = [];
    for (let k = 0; k < DU_CLI_SAMPLE; k++) {
      const f = corpus.a[Math.floor((k * corpus.a.length) / DU_CLI_SAMPLE)];
      duCliMs.push(timed(process.execPath, [duBin, 'lint', f]).ms);
    }
    const duCliPerFile = duCliMs.reduce((a, b) => a + b, 0) / duCliMs.length;

    process.stderr.write('bench: installing tally into a temp dir...\n');
    let tally = null;
    let tallyNote = '';
    const tallyDir = path.join(tmp, 'tally');
    try {
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          tallyDir,
          '--no-audit',
          '--no-fund',
          '--no-save',
          '--loglevel=error',
          '@wharflab/tally-linux-x64',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 },
      );
      const bin = path.join(tallyDir, 'node_modules', '@wharflab', 'tally-linux-x64', 'bin', 'tally');
      if (!fs.existsSync(bin)) throw new Error(`no binary at ${bin}`);
      const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
      // One invocation over the directory (tally discovers Dockerfiles itself); slow checks
      // (registry look-ups) off and no config discovery, so it measures linting alone.
      const out = path.join(tmp, 'tally.json');
      const args = ['lint', '--no-color', '--no-config', '--slow-checks', 'off', '--format', 'json', '--output', out, dirA];
      const runs = [];
      for (let k = 0; k < TALLY_RUNS; k++) {
        const r = timed(bin, args, { rusage: true });
        if (r.status === null || r.status > 1) throw new Error(`tally exited ${r.status}: ${r.stderr.slice(0, 300)}`);
        runs.push(r);
      }
      const report = JSON.parse(fs.readFileSync(out, 'utf8'));
      const linted = report.files?.length ?? NaN;
      const ms = median(runs.map((r) => r.ms));
      tally = {
        version,
        linted,
        ms,
        cpuMs: median(runs.map((r) => r.cpuMs)),
        maxRssMB: median(runs.map((r) => r.maxRssMB)),
        filesPerSec: N / (ms / 1000),
      };
      if (linted !== N) tallyNote = ` (its report lists ${linted} files with findings out of ${N})`;
    } catch (e) {
      tallyNote = `tally could not be installed or run (${String(e.message ?? e).split('\n')[0]}); skipped`;
    }

    // -- Report ---------------------------------------------------------------------------
    // The product's own path, `dockerfile-migrate <dir>`, is the headline number; the in-process
    // loop over migrateFile (one thread) is shown as well.
    const inProcess = pick(batch, 'filesPerSec');
    const cliMsAll = median(cliRuns.map((r) => r.ms));
    const ours = N / (cliMsAll / 1000);
    const oursCpu = N / (median(cliRuns.map((r) => r.cpuMs)) / 1000);
    const duFps = pick(du, 'filesPerSec');
    const duCpu = N / (pick(du, 'cpuMs') / 1000);
    const duCliFps = 1000 / duCliPerFile;
    const cliMs = median(cliRuns.map((r) => r.ms));
    const cliFps = N / (cliMs / 1000);
    const peakBig = cliBig.maxRssMB ?? NaN;
    const bigFps = BIG / (cliBig.ms / 1000);
    const loadEnd = os.loadavg();
    const busy = Math.max(loadStart[0], loadEnd[0]) > cpus.length;
    const st = batch[0].statuses;
    console.log(
      `corpus: ${int(BIG)} Dockerfiles (the first ${int(N)} for the batch and the peers) from ${sources.length} sources (the fixture cases, fixtures/ and examples/), generated in ${fmt(genS)} s`,
    );
    console.log(
      `statuses of the ${int(N)}-file batch: ${Object.entries(st)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    for (const [why, n] of Object.entries(batch[0].reasons)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5))
      console.log(`  ${n} x ${why}`);
    if (busy)
      console.log(
        `WARNING: the machine was busy (load ${fmt(loadStart[0], 1)} at the start, ${fmt(loadEnd[0], 1)} at the end, on ${cpus.length} CPUs): wall-clock numbers are inflated; files per CPU-second is the steadier figure.`,
      );
    console.log('');
    console.log(
      `Batch in one process: migrateFile, shared factsCache + overlay, reports kept, as src/cli/main.ts does (${int(N)} files: median of ${BATCH_RUNS} runs)`,
    );
    console.log(
      `  ${'run'.padEnd(30)} ${'files/s'.padStart(8)} ${'files/CPU-s'.padStart(11)} ${'median'.padStart(9)} ${'p95'.padStart(9)} ${'mean'.padStart(9)} ${'total'.padStart(8)} ${'CPU'.padStart(8)} ${'peak rss'.padStart(9)} ${'maxRSS'.padStart(7)}`,
    );
    const brow = (label, runs, n) =>
      console.log(
        `  ${label.padEnd(30)} ${fmt(pick(runs, 'filesPerSec'), 0).padStart(8)} ${fmt(n / (pick(runs, 'cpuMs') / 1000), 0).padStart(11)} ${(fmt(pick(runs, 'perFileMedianMs'), 2) + ' ms').padStart(9)} ${(fmt(pick(runs, 'perFileP95Ms'), 2) + ' ms').padStart(9)} ${(fmt(pick(runs, 'perFileMeanMs'), 2) + ' ms').padStart(9)} ` +
          `${(fmt(pick(runs, 'totalMs') / 1000, 1) + ' s').padStart(8)} ${(fmt(pick(runs, 'cpuMs') / 1000, 1) + ' s').padStart(8)} ${(fmt(pick(runs, 'peakRssMB'), 0) + ' MB').padStart(9)} ${(fmt(pick(runs, 'maxRssMB'), 0) + ' MB').padStart(7)}`,
      );
    brow(`${int(N)} files`, batch, N);
    brow(`${int(N)} files, no overlay/reports`, [batchLib], N);
    brow(`${int(BIG)} files`, big, BIG);
    console.log(
      `  CLI end to end, dockerfile-migrate --dry-run --quiet <dir>, ${int(N)} files: ${fmt(cliMs / 1000, 1)} s = ${fmt(cliFps, 0)} files/s (${fmt(N / (median(cliRuns.map((r) => r.cpuMs)) / 1000), 0)} files/CPU-s), maxRSS ${fmt(median(cliRuns.map((r) => r.maxRssMB)), 0)} MB`,
    );
    console.log(
      `  CLI end to end, ${int(BIG)} files: ${fmt(cliBig.ms / 1000, 1)} s = ${fmt(bigFps, 0)} files/s, maxRSS ${fmt(peakBig, 0)} MB`,
    );
    console.log(`  library import ${fmt(pick(batch, 'importMs'), 0)} ms (not in the totals)`);
    const flat = (r) =>
      r.status === 0 ? `completed, maxRSS ${fmt(r.maxRssMB, 0)} MB, ${fmt(r.ms / 1000, 1)} s` : `FAILED (exit ${r.status})`;
    console.log(
      `  flat memory, ${int(BIG)} files in a ${CAPPED_HEAP_MB} MB heap: CLI --dry-run --quiet, one thread: ${flat(cliCapped)}`,
    );
    console.log(`  flat memory, ${int(BIG)} files in a ${CAPPED_HEAP_MB} MB heap: migrateMany(): ${flat(manyCapped)}`);
    console.log('');
    console.log(
      `Peers on the same ${int(N)} files (ratio = dockerfile-migrate files/s / peer files/s; > 1 means dockerfile-migrate is faster)`,
    );
    console.log(
      `  ${'tool'.padEnd(52)} ${'files/s'.padStart(8)} ${'ratio'.padStart(7)} ${'files/CPU-s'.padStart(11)} ${'ratio'.padStart(7)}`,
    );
    const prow = (label, fps, cpuFps, extra) =>
      console.log(
        `  ${label.padEnd(52)} ${fmt(fps, 0).padStart(8)} ${(fmt(ours / fps, 2) + 'x').padStart(7)} ${fmt(cpuFps, 0).padStart(11)} ${(Number.isFinite(cpuFps) ? fmt(oursCpu / cpuFps, 2) + 'x' : '').padStart(7)}  ${extra}`,
      );
    prow(
      'dockerfile-migrate <dir> (CLI, batch above)',
      ours,
      oursCpu,
      `in-process single-thread loop: ${fmt(inProcess, 0)} files/s`,
    );
    prow(
      `dockerfile-utils ${duPkg.version} validate() in one process`,
      duFps,
      duCpu,
      `per file median ${fmt(pick(du, 'perFileMedianMs'), 3)} ms; maxRSS ${fmt(pick(du, 'maxRssMB'), 0)} MB`,
    );
    prow(
      `dockerfile-utils ${duPkg.version} lint CLI (1 file/process)`,
      duCliFps,
      NaN,
      `mean ${fmt(duCliPerFile, 1)} ms/file over ${DU_CLI_SAMPLE} files (~${fmt((duCliPerFile * N) / 1000, 0)} s for ${int(N)})`,
    );
    if (tally)
      prow(
        `${tally.version.replace(/^tally version /, 'tally ').replace(/ \(.*/, '')} lint <dir> (median of ${TALLY_RUNS})`,
        tally.filesPerSec,
        N / (tally.cpuMs / 1000),
        `${fmt(tally.ms / 1000, 1)} s wall, ${fmt(tally.cpuMs / 1000, 1)} s CPU, maxRSS ${fmt(tally.maxRssMB, 0)} MB${tallyNote}`,
      );
    else console.log(`  tally: ${tallyNote}`);
    console.log('');
    // The peer named by the target is the `dockerfile-utils lint` command; its validate() library
    // call (one parse and lint, no file system, no diff) is shown for reference.
    const bestDu = duCliFps;
    console.log('Targets');
    for (const t of targets) console.log(t);
    // The batch target, as the issue measures it (one process), and the CLI end to end, start-up included.
    console.log(
      `  ${mark(inProcess >= 1000)}  batch >= 1,000 Dockerfiles/s on ${cpus.length} cores, ${int(N)} files in one process: ${fmt(inProcess, 0)} files/s`,
    );
    console.log(
      `  ${mark(ours >= 1000)}  the same through the CLI end to end (start-up, finding the files, printing the patch): ${fmt(ours, 0)} files/s`,
    );
    console.log(`  ${mark(bigFps >= 1000)}  the CLI on ${int(BIG)} files: ${fmt(bigFps, 0)} files/s`);
    console.log(`  ${mark(peakBig < 200)}  peak memory < 200 MB for ${int(BIG)} files: ${fmt(peakBig, 0)} MB`);
    console.log(
      `  ${mark(cliCapped.status === 0 && manyCapped.status === 0)}  memory flat: ${int(BIG)} files run in a ${CAPPED_HEAP_MB} MB heap (CLI one thread, migrateMany)`,
    );
    console.log(
      `  ${mark(ours > bestDu)}  faster than dockerfile-utils lint: ${fmt(ours / bestDu, 2)}x (${fmt(ours, 0)} vs ${fmt(bestDu, 0)} files/s; its validate() in one process: ${fmt(duFps, 0)} files/s, ${fmt(ours / duFps, 2)}x)`,
    );
    if (tally)
      console.log(
        `  ${mark(ours > tally.filesPerSec)}  faster than tally: ${fmt(ours / tally.filesPerSec, 2)}x (${fmt(ours, 0)} vs ${fmt(tally.filesPerSec, 0)} files/s; per CPU-second ${fmt(oursCpu / (N / (tally.cpuMs / 1000)), 2)}x)`,
      );
    else console.log('  n/a   faster than tally: tally not available');
    console.log('');
    console.log(
      `bench took ${fmt((Date.now() - benchStart) / 1000, 0)} s; load average at the end ${loadEnd.map((x) => fmt(x, 2)).join(' ')}${keep ? `; corpus kept in ${tmp}` : ''}`,
    );
  } finally {
    cleanup();
  }
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3], process.argv[4]);
} else {
  await main();
}
