#!/usr/bin/env node
/**
 * Corpus runner: `npm run corpus -- DIR [--verbose] [--json]`.
 *
 * Runs the library over every Dockerfile under DIR (as the CLI finds them) and counts what
 * happened: parsed, migrated, unchanged, skipped (by reason), errors (by reason), crashes,
 * idempotence failures (a second run on the output, with the generated files overlaid on the
 * build context, must change nothing), lint regressions (new dockerfile-utils errors, or the
 * tool refusing a file because its own output would add one) and time.
 *
 * Exit code: 0 when there is no crash, idempotence failure or lint regression; 1 otherwise;
 * 2 on bad usage. Reads dist/, so the npm script builds first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { validate } from 'dockerfile-utils';
import { migrate, migrateFile, dirSource, gatherFacts, parseDockerfile, DockerfileError } from '../dist/src/index.js';
import { discover } from '../dist/src/run/discover.js';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const asJson = args.includes('--json');
const dirs = args.filter((a) => !a.startsWith('-'));
if (!dirs.length || args.includes('--help') || args.includes('-h')) {
  process.stderr.write('usage: npm run corpus -- DIR [DIR...] [--verbose] [--json]\n');
  process.exit(dirs.length ? 0 : 2);
}

const LINT_GUARD = /^internal error: the migrated Dockerfile would add a lint error/;
/** Reasons grouped without their file-specific details (image names, line numbers). */
const group = (reason) => (reason ?? '(no reason)').replace(/\s*\([^()]*\)(; nothing was changed)?$/, '$1').replace(/\d+/g, 'N');

function lintErrors(text) {
  const m = new Map();
  for (const d of validate(text))
    if (d.severity === 1) m.set(`${d.code}:${d.message}`, (m.get(`${d.code}:${d.message}`) ?? 0) + 1);
  return m;
}

/** The Dockerfile's build context with the files the first run proposed laid over it. */
function overlaid(dir, files) {
  const base = dirSource(dir);
  const mine = new Map(files.map((f) => [f.path, f.content]));
  return {
    list: () => {
      const l = base.list();
      return l ? [...new Set([...l, ...mine.keys()])] : null;
    },
    read: (rel) => (mine.has(rel) ? mine.get(rel) : base.read(rel)),
    isDir: (rel) => base.isDir(rel),
  };
}

const cwd = process.cwd();
const started = performance.now();
const found = discover(dirs, cwd);
const counts = {
  files: found.files.length,
  parsed: 0,
  migrated: 0,
  unchanged: 0,
  skipped: 0,
  errors: 0,
  crashes: 0,
  idempotenceFailures: 0,
  lintRegressions: 0,
};
const skippedBy = new Map();
const errorsBy = new Map();
const warningsBy = new Map();
const problems = [];
const perFile = [];
const factsCache = new Map();
/** An exception's message and the first frames of its stack. */
const short = (e) => (e?.stack ?? String(e)).split('\n').slice(0, 6).join('\n');
const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
let slowest = { file: null, ms: 0 };

for (const d of found.errors) {
  counts.errors++;
  bump(errorsBy, d.reason);
}

for (const file of found.files) {
  const t0 = performance.now();
  const abs = path.resolve(cwd, file);
  let input = null;
  try {
    input = fs.readFileSync(abs, 'utf8');
    parseDockerfile(input);
    counts.parsed++;
  } catch (e) {
    if (!(e instanceof DockerfileError) && input !== null) {
      counts.crashes++;
      problems.push({ file, kind: 'crash', detail: `parseDockerfile threw ${short(e)}` });
    }
  }
  let res;
  try {
    res = migrateFile(file, { cwd, factsCache });
  } catch (e) {
    counts.crashes++;
    problems.push({ file, kind: 'crash', detail: short(e) });
    perFile.push({ file, status: 'crash' });
    continue;
  }
  counts[res.status === 'error' ? 'errors' : res.status]++;
  if (res.status === 'skipped') bump(skippedBy, res.code ?? group(res.reason));
  for (const w of res.warnings) bump(warningsBy, `${w.transform}/${w.code}`);
  if (res.status === 'error') {
    bump(errorsBy, res.code ?? group(res.reason));
    if (LINT_GUARD.test(res.reason ?? '')) {
      counts.lintRegressions++;
      problems.push({ file, kind: 'lint regression', detail: res.reason });
    } else if (/^internal error/.test(res.reason ?? '')) {
      counts.crashes++;
      problems.push({ file, kind: 'crash', detail: res.reason });
    }
  }
  if (res.status === 'migrated' && input !== null) {
    try {
      parseDockerfile(res.output);
    } catch (e) {
      counts.crashes++;
      problems.push({ file, kind: 'crash', detail: `the output does not parse: ${e?.message ?? e}` });
    }
    const before = lintErrors(input);
    for (const [k, n] of lintErrors(res.output)) {
      if (n > (before.get(k) ?? 0)) {
        counts.lintRegressions++;
        problems.push({ file, kind: 'lint regression', detail: k });
      }
    }
    const dir = path.dirname(abs);
    const name = path.basename(abs);
    let again;
    try {
      again = migrate({
        dockerfile: res.output,
        context: gatherFacts(overlaid(dir, res.files), { dockerfileName: name }),
        path: file,
        options: { dockerfileName: name },
      });
    } catch (e) {
      counts.crashes++;
      problems.push({ file, kind: 'crash', detail: `second run threw ${short(e)}` });
    }
    if (again && (again.output !== res.output || again.files.length)) {
      counts.idempotenceFailures++;
      problems.push({
        file,
        kind: 'idempotence failure',
        detail: again.output !== res.output ? again.diff : `second run would write ${again.files.map((f) => f.path).join(', ')}`,
      });
    }
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { file, ms };
  perFile.push({ file, status: res.status, reason: res.reason, ms: Math.round(ms * 10) / 10 });
}

const seconds = (performance.now() - started) / 1000;
const failed = counts.crashes + counts.idempotenceFailures + counts.lintRegressions > 0;

if (asJson) {
  process.stdout.write(
    JSON.stringify(
      {
        ...counts,
        skippedBy: Object.fromEntries(skippedBy),
        warningsBy: Object.fromEntries(warningsBy),
        errorsBy: Object.fromEntries(errorsBy),
        problems,
        seconds,
        perFile: verbose ? perFile : undefined,
      },
      null,
      2,
    ) + '\n',
  );
} else {
  const out = [];
  const row = (label, n) => out.push(`  ${label.padEnd(22)}${String(n).padStart(5)}`);
  const sub = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .forEach(([k, n]) => out.push(`      ${String(n).padStart(4)}  ${k}`));
  if (verbose) for (const f of perFile) out.push(`${f.status.padEnd(10)} ${f.file}${f.reason ? `  (${f.reason})` : ''}`);
  out.push(`corpus: ${dirs.join(', ')}`);
  row('Dockerfiles', counts.files);
  row('parsed', counts.parsed);
  row('migrated', counts.migrated);
  row('unchanged', counts.unchanged);
  row('skipped', counts.skipped);
  sub(skippedBy);
  row('errors', counts.errors);
  sub(errorsBy);
  row(
    'warnings, by code',
    [...warningsBy.values()].reduce((a, b) => a + b, 0),
  );
  sub(warningsBy);
  row('crashes', counts.crashes);
  row('idempotence failures', counts.idempotenceFailures);
  row('lint regressions', counts.lintRegressions);
  out.push(
    `  time                  ${seconds.toFixed(2)} s${slowest.file ? ` (slowest ${slowest.file}, ${Math.round(slowest.ms)} ms)` : ''}`,
  );
  for (const p of problems) out.push(`\n${p.kind}: ${p.file}\n${p.detail}`);
  process.stdout.write(out.join('\n') + '\n');
}
process.exitCode = failed ? 1 : 0;
