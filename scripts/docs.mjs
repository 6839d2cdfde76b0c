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

const README = path.resolve(import.meta.dirname, '..', 'README.md');
const START = '<!-- transforms-table:start -->';
const END = '<!-- transforms-table:end -->';
const text = fs.readFileSync(README, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  process.stderr.write(`README.md has no ${START} ... ${END} block\n`);
  process.exit(1);
}
const next = text.slice(0, a + START.length) + '\n' + transformsTable(transforms) + text.slice(b);
if (next !== text) fs.writeFileSync(README, next);
process.stdout.write(next === text ? 'README.md: transforms table up to date\n' : 'README.md: transforms table written\n');
