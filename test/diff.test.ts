/**
 * unifiedDiff() cuts hunks itself from jsdiff's edit script over line numbers: it must print
 * exactly the patch jsdiff's own structuredPatch() gives for the same texts.
 */
import fc from 'fast-check';
import { diffArrays, structuredPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/engine/diff.js';
import { editScript } from '../src/engine/edit-script.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** The patch as structuredPatch() makes it, in the same git-style framing. */
function reference(path: string, before: string | null, after: string): string {
  if (before === after) return '';
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after, '', '', { context: 3 });
  if (!patch.hunks.length) return '';
  const out = [
    `diff --git a/${path} b/${path}`,
    ...(before === null ? ['new file mode 100644', '--- /dev/null'] : [`--- a/${path}`]),
    `+++ b/${path}`,
  ];
  for (const h of patch.hunks) {
    out.push(
      `@@ -${h.oldLines === 0 ? h.oldStart - 1 : h.oldStart},${h.oldLines} +${h.newLines === 0 ? h.newStart - 1 : h.newStart},${h.newLines} @@`,
      ...h.lines,
    );
  }
  return out.join('\n') + '\n';
}

// Few distinct lines, so that texts share lines in many ways (moves, repeats, ties).
const line = fc.constantFrom(
  'FROM node:22',
  'WORKDIR /app',
  'COPY . .',
  'RUN npm ci',
  '',
  '# comment',
  'USER node',
  'CMD ["node", "server.js"]',
  'RUN a \\',
  '  && b',
);
const text = fc
  .tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([ls, eol, final]) => ls.join(eol) + (final && ls.length ? eol : ''));

describe('unifiedDiff', () => {
  it('prints what structuredPatch gives, for related texts', () => {
    const pair = text.chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.array(fc.tuple(fc.nat(40), fc.nat(4), fc.array(line, { maxLength: 4 })), { maxLength: 4 }).map((eds) => {
          const ls = a.split('\n');
          for (const [at, del, ins] of eds) ls.splice(at % (ls.length + 1), del, ...ins);
          return ls.join('\n');
        }),
      ),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(unifiedDiff('Dockerfile', a, b)).toBe(reference('Dockerfile', a, b));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('prints what structuredPatch gives, for unrelated texts and new files', () => {
    fc.assert(
      fc.property(fc.option(text, { nil: null }), text, (a, b) => {
        expect(unifiedDiff('x/.dockerignore', a, b)).toBe(reference('x/.dockerignore', a, b));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('marks a last line without a line break, on either side', () => {
    expect(unifiedDiff('Dockerfile', 'FROM a\nRUN b', 'FROM a\nRUN c\n')).toBe(
      'diff --git a/Dockerfile b/Dockerfile\n--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n FROM a\n-RUN b\n\\ No newline at end of file\n+RUN c\n',
    );
    expect(unifiedDiff('.dockerignore', null, 'node_modules')).toBe(
      'diff --git a/.dockerignore b/.dockerignore\nnew file mode 100644\n--- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1,1 @@\n+node_modules\n\\ No newline at end of file\n',
    );
  });
});

/** jsdiff's components, as editScript() gives them. */
const components = (a: number[], b: number[]) =>
  diffArrays(a, b).map((c) => ({ count: c.count ?? c.value.length, added: Boolean(c.added), removed: Boolean(c.removed) }));

describe('editScript', () => {
  it("gives jsdiff's edit script for arrays over a few values (ties, repeats, edges)", () => {
    const arr = fc.array(fc.nat(4), { maxLength: 16 });
    fc.assert(
      fc.property(arr, arr, (a, b) => {
        expect(editScript(a, b)).toEqual(components(a, b));
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it("gives jsdiff's edit script for long texts with many edits (lines moved, replaced, repeated, appended)", () => {
    const edit = fc.tuple(fc.nat(5), fc.nat(10_000), fc.nat(10_000), fc.nat(6));
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 600 }), fc.array(edit, { maxLength: 60 }), fc.nat(20), (n, edits, tail) => {
        // Mostly distinct lines, some repeated (blank lines, WORKDIR /app), as in a Dockerfile.
        const a = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? i % 3 : 100 + i));
        const b = a.slice();
        let fresh = 100_000;
        for (const [op, at, to, len] of edits) {
          const i = at % (b.length + 1);
          if (op === 0) b.splice(i, 1 + (len % 3));
          else if (op === 1) b.splice(i, 0, fresh++);
          else if (op === 2) b[i % b.length] = fresh++;
          else if (op === 3) b.splice(i, 0, i % 3);
          else b.splice(to % (b.length + 1), 0, ...b.splice(i, len));
        }
        for (let k = 0; k < tail; k++) b.push(k % 2 ? fresh++ : a[(k * 7) % a.length]);
        expect(editScript(a, b)).toEqual(components(a, b));
        expect(editScript(b, a)).toEqual(components(b, a));
      }),
      { numRuns: RUNS },
    );
  });
});
