/**
 * reparse(): after a transform's edits the engine parses only the instructions the edits touch.
 * Whatever the edits, the result must equal a full parse of the new text in every field a
 * transform can read, and fail the same way a full parse fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DockerfileError, parseDockerfile, reparse, sameParse, type ParsedDockerfile } from '../src/dockerfile/parse.js';
import { CASES } from './case-harness.js';
import { caseArb } from './generators.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Text that edits insert: whole instructions, comments, and the pieces that change how what follows is read. */
const FRAGMENTS = [
  'RUN echo hi\n',
  'USER node\n',
  'ENV NODE_ENV=production\n',
  'FROM node:22-slim AS runtime\n',
  'FROM base\n',
  'ARG PORT=3000\n',
  'COPY --from=build /app/dist ./dist\n',
  'COPY --chown=node:node package.json ./\n',
  'WORKDIR /srv\n',
  '# a comment\n',
  '# syntax=docker/dockerfile:1\n',
  '# escape=`\n',
  '\n',
  '\r\n',
  '\n\n',
  'RUN a \\\n',
  'RUN a `\n',
  '  && b\n',
  '\\\n',
  '\\',
  '`',
  ' ',
  '#',
  'RUN <<EOF\n',
  'COPY <<EOF /x\n',
  'EOF\n',
  'RUN cat <<-END\n\tx\n\tEND\n',
  'CMD ["node", "server.js"]\n',
  'HEALTHCHECK CMD curl -f http://localhost/ || exit 1\n',
  'ONBUILD RUN x\n',
  '',
];

/** Up to three non-overlapping edits; positions lean towards line starts, where transforms edit. */
function editsArb(text: string): fc.Arbitrary<Edit[]> {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const pos = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...lineStarts).map((p) => Math.min(p, text.length)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: text.length }) },
  );
  const one = fc.tuple(
    pos,
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 }), fc.constant(-1)),
    fc.constantFrom(...FRAGMENTS),
    fc.constantFrom(...FRAGMENTS),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((raw) => {
    const edits: Edit[] = [];
    for (const [start, len, t1, t2] of raw) {
      // -1: to the end of the line
      const end =
        len === -1
          ? text.indexOf('\n', start) < 0
            ? text.length
            : text.indexOf('\n', start) + 1
          : Math.min(text.length, start + len);
      if (edits.some((e) => start < e.end && e.start < end) || edits.some((e) => e.start === start)) continue;
      edits.push({ start, end, text: t1 + t2 });
    }
    return edits;
  });
}

function apply(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The same outcome as a full parse: an equal parse, or the same DockerfileError. */
function check(prev: ParsedDockerfile, edits: Edit[]): void {
  const next = apply(prev.text, edits);
  let full: ParsedDockerfile | Error;
  try {
    full = parseDockerfile(next);
  } catch (e) {
    full = e as Error;
  }
  if (full instanceof Error) {
    expect(full).toBeInstanceOf(DockerfileError);
    expect(() => reparse(prev, next, edits)).toThrow(full.message);
    return;
  }
  const part = reparse(prev, next, edits);
  expect(sameParse(part, full), JSON.stringify({ before: prev.text, edits, after: next })).toBeNull();
}

/** Every fixture Dockerfile: the cases' inputs, and every Dockerfile under fixtures/ (corpus/, e2e/). */
function fixtureInputs(): string[] {
  const out = CASES.map((c) => c.input);
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'Dockerfile') out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(import.meta.dirname, '..', 'fixtures'));
  return out.filter((t) => {
    try {
      return parseDockerfile(t).instructions.length > 0;
    } catch {
      return false;
    }
  });
}

describe('reparse', () => {
  it('equals a full parse after random edits of generated Dockerfiles', () => {
    const arb = caseArb
      .map((c) => {
        try {
          return parseDockerfile(c.dockerfile);
        } catch {
          return null;
        }
      })
      .filter((d): d is ParsedDockerfile => d !== null && d.instructions.length > 0)
      .chain((doc) => fc.tuple(fc.constant(doc), editsArb(doc.text)));
    fc.assert(
      fc.property(arb, ([doc, edits]) => check(doc, edits)),
      { numRuns: RUNS * 3 },
    );
  });

  it('equals a full parse after random edits of every fixture Dockerfile', () => {
    const docs = fixtureInputs().map((t) => parseDockerfile(t));
    expect(docs.length).toBeGreaterThan(200);
    const arb = fc.constantFrom(...docs).chain((doc) => fc.tuple(fc.constant(doc), editsArb(doc.text)));
    fc.assert(
      fc.property(arb, ([doc, edits]) => check(doc, edits)),
      { numRuns: RUNS * 3 },
    );
  });

  it('re-parses only the touched region: untouched instructions keep what was worked out', () => {
    const doc = parseDockerfile('FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n');
    const cmd = doc.instructions[4];
    expect(cmd.jsonArgs).toEqual(['node', 'server.js']);
    const edits = [{ start: doc.instructions[1].blockEnd, end: doc.instructions[1].blockEnd, text: 'ENV A=1\n' }];
    const next = reparse(doc, apply(doc.text, edits), edits);
    expect(next.instructions.map((i) => i.keyword)).toEqual(['FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'CMD']);
    // The instructions before the insertion are outside the region: the same objects.
    expect(next.instructions[0]).toBe(doc.instructions[0]);
    expect(next.instructions[1]).toBe(doc.instructions[1]);
    expect(next.instructions[5].node).toBe(cmd.node);
    expect(next.instructions[5].start).toBe(cmd.start + 8);
    expect(next.instructions[5].argRanges).toEqual(cmd.argRanges.map(([s, e]) => [s + 8, e + 8]));
    expect(sameParse(next, parseDockerfile(next.text))).toBeNull();
  });

  it('fails like a full parse when an edit brings in a bare carriage return', () => {
    const doc = parseDockerfile('FROM node:22\nRUN a\nRUN b\nRUN c\n');
    const edits = [{ start: doc.instructions[2].start, end: doc.instructions[2].start, text: 'RUN x\r' }];
    expect(() => reparse(doc, apply(doc.text, edits), edits)).toThrow('bare carriage-return');
  });
});
