/**
 * The README is a newcomer's page: under 20 KB, no table row a screen cannot show, and a link to
 * every page under docs/, where the rest lives. Every relative link in the README and in docs/
 * reaches a file that exists and, with `#anchor`, a heading that exists (as GitHub names its
 * anchors). The output the README's quick start shows is what `npm run example` prints.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './cli-harness.js';

const README = 'README.md';
const MAX_README_BYTES = 20_480;
const MAX_TABLE_ROW = 400;
const DOCS = fs
  .readdirSync(path.join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)
  .sort();
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The text outside fenced code blocks and code spans: where links and headings are markdown. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1]
      .trim()
      .toLowerCase()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** The relative links of a markdown file: `[text](target)`, resolved to a repository path and an anchor. */
function links(file: string): { target: string; file: string; anchor: string }[] {
  return [...prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))
    .map((target) => {
      const [p, anchor = ''] = target.split('#');
      return { target, file: p ? path.posix.normalize(path.posix.join(path.posix.dirname(file), p)) : file, anchor };
    });
}

describe('the README', () => {
  it(`stays under ${MAX_README_BYTES} bytes, with no table row over ${MAX_TABLE_ROW} characters`, () => {
    expect(fs.statSync(path.join(ROOT, README)).size).toBeLessThan(MAX_README_BYTES);
    const long = read(README)
      .split('\n')
      .filter((l) => l.startsWith('|') && l.length > MAX_TABLE_ROW);
    expect(long.map((l) => `${l.length}: ${l.slice(0, 60)}...`)).toEqual([]);
  });

  it('links every page under docs/, and to no markdown page outside docs/', () => {
    const targets = links(README).map((l) => l.file);
    expect(DOCS.length).toBeGreaterThan(0);
    for (const page of DOCS) expect(targets, page).toContain(page);
    for (const t of targets.filter((t) => t.endsWith('.md'))) expect(t).toMatch(/^docs\/[^/]+\.md$/);
  });

  it('shows the start of what `npm run example` prints, as it prints it', () => {
    const text = read(README);
    const r = spawnSync(process.execPath, [CLI, '--dry-run', 'examples/express-api'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).toBe(0);
    /** The lines of the README's fenced block that starts with `first`, up to its `...` line. */
    const shown = (first: string) => {
      const m = new RegExp(
        `^\`\`\`[a-z]*\\n(${first.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n[\\s\\S]*?)^\\s*\\.\\.\\.$`,
        'm',
      ).exec(text);
      if (!m) throw new Error(`the README has no block starting with ${first}, cut short with ...`);
      return m[1].split('\n').slice(0, -1);
    };
    const diff = shown('diff --git a/examples/express-api/Dockerfile b/examples/express-api/Dockerfile');
    expect(diff).toEqual(r.stdout.split('\n').slice(0, diff.length));
    const explained = shown('examples/express-api/Dockerfile: migrated');
    expect(explained).toEqual(r.stderr.split('\n').slice(0, explained.length));
  });
});

describe('links in the README and docs/', () => {
  for (const file of [README, ...DOCS]) {
    it(`${file}: every relative link reaches a file, and a heading for #anchor`, () => {
      for (const link of links(file)) {
        expect(fs.existsSync(path.join(ROOT, link.file)), `${file}: ${link.target}`).toBe(true);
        if (link.anchor) expect([...anchors(read(link.file))], `${file}: ${link.target}`).toContain(link.anchor);
      }
    });
  }
});
