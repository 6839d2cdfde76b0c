#!/usr/bin/env node
/**
 * `npm run docs`: writes the README's transforms table from each transform's own `docs`
 * (what it does, why, and every code it holds back with), and docs/sample-pr-body.md, the
 * markdown report of examples/express-api exactly as `dockerfile-migrate --format markdown
 * examples/express-api` prints it from the repository root. test/registry.test.ts and
 * test/reports.test.ts fail when either differs, so the docs and the code never drift apart.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transforms } from '../dist/transforms/index.js';
import { transformsTable } from '../dist/src/report/report.js';
import { nativeModulesTable } from '../dist/src/model/image/system-packages.js';

const README = path.resolve(import.meta.dirname, '..', 'README.md');
const text = fs.readFileSync(README, 'utf8');
/** The README with the block between `<!-- name:start -->` and `<!-- name:end -->` replaced by `table`. */
function fill(readme, name, table) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) {
    process.stderr.write(`README.md has no ${start} ... ${end} block\n`);
    process.exit(1);
  }
  return readme.slice(0, a + start.length) + '\n' + table + '\n' + readme.slice(b);
}
const next = fill(
  fill(text, 'transforms-table', transformsTable(transforms).replace(/\n$/, '')),
  'native-modules-table',
  nativeModulesTable(),
);
if (next !== text) fs.writeFileSync(README, next);
process.stdout.write(next === text ? 'README.md: tables up to date\n' : 'README.md: tables written\n');

/** The arguments docs/sample-pr-body.md is made with (test/reports.test.ts runs the same). */
const SAMPLE_ARGS = ['--format', 'markdown', 'examples/express-api'];
const ROOT = path.resolve(import.meta.dirname, '..');
const SAMPLE = path.join(ROOT, 'docs', 'sample-pr-body.md');
const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'cli.js'), ...SAMPLE_ARGS], {
  cwd: ROOT,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1' },
});
if (r.status !== 0) {
  process.stderr.write(`docs/sample-pr-body.md: the CLI exited ${r.status}: ${r.stderr}\n`);
  process.exit(1);
}
const before = fs.existsSync(SAMPLE) ? fs.readFileSync(SAMPLE, 'utf8') : null;
if (before !== r.stdout) fs.writeFileSync(SAMPLE, r.stdout);
process.stdout.write(before === r.stdout ? 'docs/sample-pr-body.md: up to date\n' : 'docs/sample-pr-body.md: written\n');
