/**
 * The workdir questions (workdirAt, finalWorkdir) are answered from one pass over a parse: they
 * must give what walking each stage from its start gives, stages built FROM earlier ones included.
 * usesVariable() reads a long text once for the names it uses: the same answers as its pattern.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  joinPosix,
  normalizePosix,
  parseDockerfile,
  type Instr,
  type ParsedDockerfile,
  type Stage,
} from '../src/dockerfile/parse.js';
import { finalWorkdir, usesVariable, workdirAt } from '../src/dockerfile/query.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** The walk the cached answers replace. */
function walk(doc: ParsedDockerfile, stage: Stage, index: number): string | null {
  const parent = doc.stages.find((s) => s.index < stage.index && s.name && s.name.toLowerCase() === stage.image.toLowerCase());
  let wd = parent ? walk(doc, parent, Infinity) : null;
  for (const i of stage.instructions) {
    if (i.index >= index) break;
    if (i.keyword === 'WORKDIR' && i.args.length) {
      const w = i.args.join(' ');
      wd = w.startsWith('/') || !wd ? normalizePosix(w.startsWith('/') ? w : '/' + w) : joinPosix(wd, w);
    }
  }
  return wd;
}

const line = fc.oneof(
  fc.constantFrom(
    'WORKDIR /app',
    'WORKDIR src',
    'WORKDIR ../lib',
    'WORKDIR /srv/./x/',
    'WORKDIR',
    'RUN npm ci',
    'COPY . .',
    'ENV A=1',
  ),
  fc.constantFrom(
    'FROM node:22 AS base',
    'FROM base AS build',
    'FROM BUILD',
    'FROM base',
    'FROM node:22-slim AS runtime',
    'FROM build',
  ),
);

describe('workdirAt and finalWorkdir', () => {
  it('equal a walk of the stage and the stages it is built FROM', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (lines) => {
        const doc = parseDockerfile(['FROM node:22 AS first', ...lines].join('\n') + '\n');
        for (const stage of doc.stages) {
          expect(finalWorkdir(doc, stage)).toBe(walk(doc, stage, Infinity));
          const probes: Pick<Instr, 'index'>[] = [stage.from, ...stage.instructions, { index: stage.from.index + 1000 }];
          for (const ins of probes) expect(workdirAt(stage, ins, doc)).toBe(walk(doc, stage, ins.index));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('walk a stage that is not one of the document it is asked with', () => {
    const a = parseDockerfile('FROM node:22 AS base\nWORKDIR /app\nFROM base\nWORKDIR src\n');
    const b = parseDockerfile('FROM node:22 AS base\nWORKDIR /srv\nFROM base\n');
    expect(workdirAt(a.stages[1], { index: 99 }, b)).toBe('/srv/src');
    expect(finalWorkdir(b, a.stages[1])).toBe('/srv/src');
    expect(workdirAt(a.stages[1], { index: 99 })).toBe('/src');
  });
});

describe('usesVariable', () => {
  it('answers for a long text what the pattern answers', () => {
    const piece = fc.constantFrom(
      '$A',
      '${A}',
      '${A:-x}',
      '$AB',
      '${AB}',
      '$$A',
      '${',
      '$',
      'A',
      ' ',
      '\\$A',
      '${A-x}',
      '$A_1',
      '${1}',
      '$_',
      'x$A.y',
      '${{A}',
      '$é',
    );
    const name = fc.constantFrom('A', 'AB', 'A_1', '1', '_', 'B', 'A-B', '-');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 40 }), name, (pieces, n) => {
        const text = pieces.join('').padEnd(3000, ' ');
        const id = n.replace(/[^A-Za-z0-9_]/g, '');
        expect(usesVariable(text, n)).toBe(new RegExp(`\\$\\{?${id}(\\b|\\}|:)`).test(text));
      }),
      { numRuns: RUNS * 10 },
    );
  });
});
