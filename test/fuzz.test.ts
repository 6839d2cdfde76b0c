/**
 * Fuzzing the parser layer and the library entry point: random bytes and strings, every
 * truncation of the fixture Dockerfiles (the cases' and those under fixtures/), and fixtures with
 * troublesome snippets spliced in.
 * parseDockerfile may only throw DockerfileError; migrate may never throw, and reports any
 * failure as a clean `error` (never an exception caught from inside the tool).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DockerfileError, parseDockerfile } from '../src/dockerfile/parse.js';
import { migrate, type MigrateResult } from '../src/migrate.js';
import { factsFor } from '../src/migrate.js';
import { gatherFacts, type ProjectFacts } from '../src/model/project/facts.js';
import { CASES, caseSource } from './case-harness.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

interface Source {
  file: string;
  text: string;
  /** The build context the Dockerfile sits in. */
  facts: () => ProjectFacts;
}

const once = <T>(f: () => T): (() => T) => {
  let v: T | undefined;
  return () => (v ??= f());
};

/**
 * Every fixture Dockerfile with its build context: the cases' inputs and expected outputs, and
 * every other Dockerfile under fixtures/ (corpus/, e2e/) with its folder.
 */
function fixtureDockerfiles(): Source[] {
  const out: Source[] = [];
  for (const c of CASES) {
    const facts = once(() => gatherFacts(caseSource(c), { dockerfileName: 'Dockerfile' }));
    out.push({ file: `${c.id} (input)`, text: c.input, facts });
    if (c.case.output !== undefined) out.push({ file: `${c.id} (output)`, text: c.case.output, facts });
  }
  const walk = (dir: string) => {
    const facts = once(() => factsFor(dir));
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(full);
      } else if (/^Dockerfile(\..*)?$|\.[Dd]ockerfile$/.test(e.name))
        out.push({ file: path.relative(FIXTURES, full), text: fs.readFileSync(full, 'utf8'), facts });
    }
  };
  walk(FIXTURES);
  return out;
}

const files = fixtureDockerfiles();

function parseOnly(text: string): void {
  try {
    parseDockerfile(text);
  } catch (e) {
    if (!(e instanceof DockerfileError))
      throw new Error(
        `parseDockerfile threw ${(e as Error)?.constructor?.name}: ${(e as Error).stack}\ninput: ${JSON.stringify(text)}`,
      );
  }
}

/** migrate must return, with a known status; an error must be one the tool meant to report. */
function migrateCleanly(text: string, context?: ProjectFacts | Record<string, string>): MigrateResult | null {
  let res: MigrateResult;
  try {
    res = migrate({ dockerfile: text, context });
  } catch (e) {
    throw new Error(`migrate threw: ${(e as Error).stack}\ninput: ${JSON.stringify(text)}`);
  }
  const where = `input: ${JSON.stringify(text)}\nreason: ${res.reason}`;
  expect(['migrated', 'unchanged', 'skipped', 'error'], where).toContain(res.status);
  if (res.status === 'error') {
    expect(res.reason, where).toBeTruthy();
    // The lint guard is a deliberate refusal; any other "internal error" is an exception the tool caught from itself.
    expect(res.reason, where).not.toMatch(/^internal error: (?!the migrated Dockerfile would add a lint error)/);
  }
  if (res.status === 'migrated') expect(() => parseDockerfile(res.output), where).not.toThrow();
  else expect(res.output, where).toBe(text);
  return res;
}

const NODE_CONTEXT = {
  'package.json':
    '{"name":"a","version":"1.0.0","main":"server.js","scripts":{"start":"node server.js","build":"tsc"},"dependencies":{"express":"^4.19.2"}}',
  'package-lock.json': '{"name":"a","lockfileVersion":3,"requires":true,"packages":{}}',
  'server.js': "require('express')().listen(3000);\n",
};

/** Snippets that have tripped Dockerfile parsers. */
const SNIPPETS = [
  '\\\n',
  '\\',
  '`\n',
  '\r\n',
  '\r',
  '\n\n',
  '#',
  '# escape=`\n',
  '# syntax=x\n',
  '"',
  "'",
  '[',
  ']',
  '["',
  '$',
  '${',
  '${A:-',
  '<<EOF\n',
  '<<-EOT\n',
  'EOF\n',
  '\t',
  ' ',
  '\uFEFF',
  '\u00a0',
  '\u2028',
  '🐳',
  '\uD800',
  '\u0000',
  ' AS ',
  ' --from=',
  ' --chown=',
  '--mount=type=cache,target=/x ',
  'FROM ',
  'RUN ',
  'COPY . .\n',
  'FROM node:20 AS build\n',
  'WORKDIR /app\n',
  'RUN npm install\n',
  'ONBUILD ',
  'HEALTHCHECK ',
  '&& ',
  '|| ',
  ';',
  '\\\n# c\n',
  '\\\n\n',
];

describe('fuzz: parser layer', () => {
  it(`has fixture Dockerfiles to fuzz (${files.length})`, () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('parseDockerfile on random strings throws nothing but DockerfileError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: fc.constantFrom(...SNIPPETS, 'a', 'n', '0', '=', '-', '/'), maxLength: 60 }),
        ),
        parseOnly,
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('parseDockerfile on random bytes (decoded leniently, as latin1 and as UTF-16) throws nothing but DockerfileError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const buf = Buffer.from(bytes);
        parseOnly(new TextDecoder('utf-8').decode(bytes));
        parseOnly(buf.toString('latin1'));
        parseOnly(buf.toString('utf16le'));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('parseDockerfile on truncations of every fixture Dockerfile throws nothing but DockerfileError', () => {
    // Around line boundaries (before the break, inside a CRLF, after it) and evenly spread cuts,
    // at most 48 per file so the growing fixture set keeps this fast.
    for (const f of files) {
      const cuts = new Set<number>([0, f.text.length]);
      const breaks: number[] = [];
      for (let i = 0; i < f.text.length; i++) if (f.text[i] === '\n') breaks.push(i);
      const every = Math.max(1, Math.ceil(breaks.length / 10));
      breaks.filter((_, k) => k % every === 0).forEach((i) => [i - 1, i, i + 1].forEach((c) => cuts.add(c)));
      const step = Math.max(1, Math.floor(f.text.length / 16));
      for (let i = 0; i <= f.text.length; i += step) cuts.add(i);
      [...cuts]
        .filter((c) => c >= 0 && c <= f.text.length)
        .slice(0, 48)
        .forEach((c) => parseOnly(f.text.slice(0, c)));
    }
  });
});

describe('fuzz: migrate', () => {
  it('on random strings and bytes returns a clean status', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => new TextDecoder().decode(b)),
          fc
            .string({ unit: fc.constantFrom(...SNIPPETS, 'a', 'node', 'npm ci', '0', '=', '-', '/'), maxLength: 40 })
            .map((s) => 'FROM node:20\n' + s),
        ),
        fc.boolean(),
        (text, withContext) => void migrateCleanly(text, withContext ? NODE_CONTEXT : undefined),
      ),
      { numRuns: RUNS },
    );
  });

  it('on truncations of the fixture Dockerfiles, with their build contexts, returns a clean status', () => {
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), (n, at) => {
        const f = files[n];
        migrateCleanly(f.text.slice(0, Math.round(at * f.text.length)), f.facts());
      }),
      { numRuns: RUNS },
    );
  });

  it('on fixture Dockerfiles with troublesome snippets spliced in returns a clean status', () => {
    fc.assert(
      fc.property(
        fc.nat(files.length - 1),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...SNIPPETS), fc.nat(3)), {
          minLength: 1,
          maxLength: 4,
        }),
        (n, cuts) => {
          const f = files[n];
          let text = f.text;
          for (const [at, snippet, del] of cuts) {
            const i = Math.round(at * text.length);
            text = text.slice(0, i) + snippet + text.slice(i + del);
          }
          migrateCleanly(text, f.facts());
        },
      ),
      { numRuns: RUNS },
    );
  });
});
