#!/usr/bin/env node
/**
 * `npm run docs`: writes the README's transforms table from each transform's own `docs`
 * (what it does, why, and every code it holds back with). test/registry.test.ts fails when the
 * README differs, so the table and the code never drift apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transforms } from '../dist/transforms/index.js';
import { transformsTable } from '../dist/src/cli/report.js';
import { nativeModulesTable } from '../dist/src/node/system-packages.js';

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
