#!/usr/bin/env node
/**
 * `npm run docs`: writes the generated parts of the documentation from the code, so the docs and
 * the code never drift apart:
 * - README.md: the short transforms table (each transform's summary, its count of hold-back codes);
 * - docs/transforms.md: the full transforms table from each transform's own `docs` (what it does,
 *   why, and every code it holds back with);
 * - docs/native-modules.md: the native modules table from src/model/image/system-packages.ts;
 * - docs/sample-pr-body.md: the markdown report of examples/express-api exactly as
 *   `dockerfile-migrate --format markdown examples/express-api` prints it from the repository root.
 * test/registry.test.ts and test/reports.test.ts fail when any of them differs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transforms } from '../dist/transforms/index.js';
import { transformsSummaryTable, transformsTable } from '../dist/src/report/report.js';
import { nativeModulesTable } from '../dist/src/model/image/system-packages.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** `text` with the block between `<!-- name:start -->` and `<!-- name:end -->` replaced by `table`. */
function fill(file, text, name, table) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    process.stderr.write(`${file} has no ${start} ... ${end} block\n`);
    process.exit(1);
  }
  return text.slice(0, a + start.length) + '\n' + table + '\n' + text.slice(b);
}
/** Each file with its generated blocks (`[name, table]`) filled in; written only when it changes. */
const GENERATED = {
  'README.md': [['transforms-summary', transformsSummaryTable(transforms, 'docs/transforms.md').replace(/\n$/, '')]],
  'docs/transforms.md': [['transforms-table', transformsTable(transforms).replace(/\n$/, '')]],
  'docs/native-modules.md': [['native-modules-table', nativeModulesTable()]],
};
for (const [file, blocks] of Object.entries(GENERATED)) {
  const at = path.join(ROOT, file);
  const text = fs.readFileSync(at, 'utf8');
  const next = blocks.reduce((t, [name, table]) => fill(file, t, name, table), text);
  if (next !== text) fs.writeFileSync(at, next);
  process.stdout.write(`${file}: ${next === text ? 'tables up to date' : 'tables written'}\n`);
}

/** The arguments docs/sample-pr-body.md is made with (test/reports.test.ts runs the same). */
const SAMPLE_ARGS = ['--format', 'markdown', 'examples/express-api'];
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
