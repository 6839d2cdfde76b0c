/**
 * Property tests over generated Dockerfiles and build contexts (see generators.ts).
 *
 * (a) migrate never throws and returns one of the four statuses; on these well-formed inputs
 *     it never reports an internal error either.
 * (b) nothing is lost: an instruction-level accounting of input against output (below).
 * (c) the output re-parses, adds no dockerfile-utils error, and a second run changes nothing.
 * (d) parser directives stay first, the BOM, the line ending and the final newline are kept.
 */
import fc from 'fast-check';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { migrate, type MigrateResult } from '../src/migrate.js';
import { caseArb, type GenCase } from './generators.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const STATUSES = ['migrated', 'unchanged', 'skipped', 'error'];

function run(c: GenCase): MigrateResult {
  return migrate({ dockerfile: c.dockerfile, context: c.context, path: 'Dockerfile' });
}

function show(c: GenCase, res?: MigrateResult): string {
  return [
    `shape ${c.shape}, manager ${c.app.manager}, lockfile ${c.app.lockfile}`,
    'input:',
    JSON.stringify(c.dockerfile),
    ...(res ? [`status ${res.status} ${res.reason ?? ''}`, 'output:', JSON.stringify(res.output)] : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Items: what the accounting counts

export interface Item {
  kind: 'instr' | 'comment' | 'line';
  keyword: string;
  text: string;
}

/** Leading parser-directive lines (BOM removed), as BuildKit reads them. */
export function directiveLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (!/^#\s*(syntax|escape|check)\s*=/i.test(line)) break;
    out.push(line);
  }
  return out;
}

/**
 * The Dockerfile as items, read with dockerfile-ast directly (not through the tool's own
 * wrapper): every instruction as written from its keyword to its last argument (continuation
 * lines, embedded comments and heredoc bodies included), every whole-line comment outside an
 * instruction, and any other non-blank line neither covers. Parser directives are left out
 * (property (d) checks them).
 */
export function items(text: string): Item[] {
  const src = text.replace(/^\uFEFF/, ' ');
  const doc = TextDocument.create('file:///Dockerfile', 'dockerfile', 0, src);
  const ast = DockerfileParser.parse(src);
  const covered: [number, number][] = [];
  const out: (Item & { at: number })[] = [];
  for (const ins of ast.getInstructions()) {
    const r = ins.getRange();
    const s = doc.offsetAt(r.start);
    const e = doc.offsetAt(r.end);
    covered.push([s, e]);
    out.push({ kind: 'instr', keyword: ins.getKeyword().toUpperCase(), text: src.slice(s, e), at: s });
  }
  const inside = (off: number) => covered.some(([s, e]) => off >= s && off < e);
  const lines = src.split('\n');
  const nDirectives = directiveLines(text).length;
  let off = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const lead = line.length - line.trimStart().length;
    if (i >= nDirectives && line.trim() !== '' && !inside(off + lead)) {
      const t = line.trim();
      out.push({ kind: t.startsWith('#') ? 'comment' : 'line', keyword: '', text: t, at: off });
    }
    off += lines[i].length + 1;
  }
  return out.sort((a, b) => a.at - b.at).map(({ kind, keyword, text: t }) => ({ kind, keyword, text: t }));
}

// ---------------------------------------------------------------------------------------------
// The accounting
//
// Every input item must be found in the output. Items are matched as a multiset on their exact
// text (an instruction repeated in the input must appear as often in the output), so an
// instruction moved verbatim (cache-order moving `COPY . .`, split-stages moving LABEL/EXPOSE/
// CMD to the runtime stage with their comments) counts as kept wherever it lands. What is left
// must be one of the rewrites the transforms are known to make, and the transform that makes it
// must say so in `changes`:
//   - npm-ci rewrites RUN words: the npm install subcommand becomes `ci`, `--production`,
//     `--only=prod[uction]` and `--only prod[uction]` become `--omit=dev`, and
//     `--frozen-lockfile`/`--immutable` are inserted; every other word stays in order;
//   - non-root inserts `--chown=<user>:<user>` into a COPY/ADD; cache-order inserts the lockfile
//     and install files (.npmrc, .yarnrc.yml, pnpm-workspace.yaml, ...) into the manifest COPY;
//   - split-stages names the build stage: `FROM <image> [AS <name>]` becomes `FROM <image> AS build`
//     (a name the input gave moves to the new runtime stage, whose FROM is an addition);
//   - selective-copy replaces `COPY --from=<stage> <dir> <dir>` and quotes it in its change.
// Then the reverse: every output item not matched by an input item must be something a
// transform that reported a change adds (the runtime FROM, the prune RUN, `COPY --from`, the
// manifest COPY, ENV NODE_ENV, USER and user creation) or a verbatim repeat of an input
// instruction, as written or as rewritten (split-stages repeats WORKDIR, ENV, ARG, copies
// outside the app directory, ...). The tool never adds a comment.

const NPM_INSTALL = new Set([
  'install',
  'i',
  'in',
  'ins',
  'inst',
  'insta',
  'instal',
  'isnt',
  'isnta',
  'isntal',
  'isntall',
  'add',
]);
const PROD_FLAG = /^--(only=prod(uction)?|production(=true)?)$/;
const INSTALL_FILES =
  /^(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|\.npmrc|\.yarnrc(\.yml)?|pnpm-workspace\.yaml|bunfig\.toml|patches|\.yarn)$/;

/** Words and shell operators; JSON punctuation apart, so exec-form words compare like shell words. */
function tokens(text: string): string[] {
  return text.split(/(\s+|&&|\|\||;|\||\[|\]|"|,)/).filter((t) => t.trim() !== '');
}

/** Could npm-ci have turned `a` into `b`? */
function npmCiRewrite(a: string[], b: string[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (b[j] === '--frozen-lockfile' || b[j] === '--immutable')) j++;
    else if (i < a.length && b[j] === 'ci' && NPM_INSTALL.has(a[i])) {
      i++;
      j++;
    } else if (i < a.length && b[j] === '--omit=dev' && PROD_FLAG.test(a[i])) {
      i++;
      j++;
    } else if (b[j] === '--omit=dev' && a[i] === '--only' && /^prod(uction)?$/.test(a[i + 1] ?? '')) {
      i += 2;
      j++;
    } else return false;
  }
  return true;
}

/** `b` is `a` with words inserted; returns the inserted words, or null. */
function insertions(a: string[], b: string[]): string[] | null {
  const extra: string[] = [];
  let i = 0;
  for (const w of b) {
    if (i < a.length && a[i] === w) i++;
    else extra.push(w);
  }
  return i === a.length ? extra : null;
}

/** `FROM [flags] image` without the stage name. */
function fromImage(text: string): string {
  return tokens(text)
    .join(' ')
    .replace(/\s+AS\s+\S+$/i, '');
}

/** The image a FROM names. */
function imageOf(text: string): string | undefined {
  return tokens(text).filter((t) => !t.startsWith('--'))[1];
}

interface Rewrite {
  transform: string;
  applies(a: Item, b: Item, res: MigrateResult): boolean;
}

const REWRITES: Rewrite[] = [
  {
    transform: 'npm-ci',
    applies: (a, b) => a.keyword === 'RUN' && b.keyword === 'RUN' && npmCiRewrite(tokens(a.text), tokens(b.text)),
  },
  {
    transform: 'non-root',
    applies: (a, b) =>
      (a.keyword === 'COPY' || a.keyword === 'ADD') &&
      a.keyword === b.keyword &&
      (insertions(tokens(a.text), tokens(b.text)) ?? ['x']).every((w) => /^--chown=[\w-]+:[\w-]+$/.test(w)),
  },
  {
    transform: 'cache-order',
    applies: (a, b, res) => {
      if (a.keyword !== 'COPY' || b.keyword !== 'COPY') return false;
      // JSON form adds quotes and a comma around the new name.
      const extra = insertions(tokens(a.text), tokens(b.text))?.filter((w) => !/^[",]$/.test(w));
      if (!extra || !extra.some((w) => INSTALL_FILES.test(w))) return false;
      // non-root may also have added --chown to the same COPY
      return extra.every(
        (w) => INSTALL_FILES.test(w) || (/^--chown=/.test(w) && res.changes.some((c) => c.transform === 'non-root')),
      );
    },
  },
  {
    transform: 'split-stages',
    applies: (a, b) => a.keyword === 'FROM' && b.keyword === 'FROM' && fromImage(a.text) === fromImage(b.text),
  },
  {
    transform: 'runtime-base',
    applies: (a, b) => a.keyword === 'FROM' && b.keyword === 'FROM' && slimOf(fromImage(a.text)) === fromImage(b.text),
  },
  {
    transform: 'selective-copy',
    applies: (a, b, res) =>
      a.keyword === 'COPY' &&
      b.keyword === 'COPY' &&
      /--from=/i.test(b.text) &&
      res.changes.some((c) => c.transform === 'selective-copy' && c.message.startsWith('`' + a.text + '`')),
  },
];

/** The slim variant runtime-base moves a full node image to: node:22 -> node:22-slim, node -> node:slim. */
function slimOf(image: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.indexOf(':', slash + 1);
  if (colon < 0) return `${image}:slim`;
  const tag = image.slice(colon + 1);
  return `${image.slice(0, colon)}:${tag === 'latest' ? 'slim' : `${tag}-slim`}`;
}

/** What a transform adds, by the shape of the added item. */
const ADDITIONS: { transform: string[]; test: (b: Item) => boolean }[] = [
  { transform: ['split-stages'], test: (b) => b.keyword === 'FROM' },
  {
    transform: ['split-stages'],
    test: (b) =>
      b.keyword === 'RUN' &&
      /^RUN (npm prune|yarn install --production|yarn workspaces focus|pnpm prune|rm -rf node_modules && bun install|rm -rf node_modules( \S+\/node_modules)* && pnpm install --prod)/.test(
        b.text,
      ),
  },
  { transform: ['split-stages', 'selective-copy'], test: (b) => b.keyword === 'COPY' && /^COPY --from=/.test(b.text) },
  {
    transform: ['cache-order'],
    test: (b) =>
      b.keyword === 'COPY' &&
      tokens(b.text)
        .slice(1, -1)
        // A workspace package's manifest comes at its own path: packages/shared/package.json.
        .every((w) => w.startsWith('--') || INSTALL_FILES.test(w) || /^[\w.@-]+(\/[\w.@-]+)*\/package\.json$/.test(w)),
  },
  { transform: ['node-env'], test: (b) => b.text === 'ENV NODE_ENV=production' },
  {
    transform: ['non-root'],
    test: (b) =>
      /^USER (node|nonroot|app|bun)$/.test(b.text) ||
      /^RUN (addgroup|groupadd)\b/.test(b.text) ||
      /^RUN chown (node|nonroot|app|bun):(node|nonroot|app|bun) /.test(b.text),
  },
  // A system install repeated without its build tools (and with libraries for -dev packages).
  { transform: ['split-stages'], test: (b) => b.keyword === 'RUN' && /\b(apt-get|apt|apk)\b/.test(b.text) },
];

export function accounting(input: string, res: MigrateResult): string[] {
  const problems: string[] = [];
  const reported = (t: string) => res.changes.some((c) => c.transform === t);
  const before = items(input);
  const after = items(res.output);
  const pool = new Map<string, number[]>();
  const key = (x: Item) => `${x.kind}\0${x.text}`;
  after.forEach((x, i) => pool.set(key(x), [...(pool.get(key(x)) ?? []), i]));
  const used = new Set<number>();
  const lost: Item[] = [];
  for (const x of before) {
    const free = pool.get(key(x))?.find((i) => !used.has(i));
    if (free === undefined) lost.push(x);
    else used.add(free);
  }
  for (const x of lost) {
    let explained = false;
    for (let i = 0; i < after.length && !explained; i++) {
      if (used.has(i) || after[i].kind !== 'instr' || x.kind !== 'instr') continue;
      const rw = REWRITES.find((r) => r.applies(x, after[i], res));
      if (!rw) continue;
      if (!reported(rw.transform))
        problems.push(`${rw.transform} rewrote \`${x.text}\` into \`${after[i].text}\` without reporting a change`);
      used.add(i);
      explained = true;
    }
    if (!explained) problems.push(`lost: ${x.kind} \`${x.text}\``);
  }
  // A repeat may be of an input item as written or as a transform rewrote it.
  const keptTexts = new Set([...before.map((x) => x.text), ...after.filter((_, i) => used.has(i)).map((x) => x.text)]);
  after.forEach((x, i) => {
    if (used.has(i)) return;
    if (x.kind !== 'instr') return problems.push(`added ${x.kind} \`${x.text}\``);
    if (keptTexts.has(x.text) && reported('split-stages')) return;
    const slimmed = (y: Item) => slimOf(imageOf(y.text) ?? '') === imageOf(x.text) && reported('runtime-base');
    // production-deps builds two stages on the install's stage: `FROM deps AS production-deps`, `FROM deps AS build`.
    const onStage = (y: Item) => y.keyword === 'FROM' && new RegExp(`\\sAS ${imageOf(x.text)}\\s*$`, 'i').test(y.text);
    if (x.keyword === 'FROM' && reported('production-deps') && after.slice(0, i).some(onStage)) return;
    if (
      x.keyword === 'FROM' &&
      !before.some((y) => y.keyword === 'FROM' && (imageOf(y.text) === imageOf(x.text) || slimmed(y)))
    ) {
      return problems.push(`added \`${x.text}\`, a stage from an image the input does not use`);
    }
    const add = ADDITIONS.find((a) => a.test(x));
    if (!add && keptTexts.has(x.text)) return problems.push(`\`${x.text}\` repeated without split-stages reporting it`);
    if (!add) return problems.push(`added \`${x.text}\`, which no transform is known to add`);
    if (!add.transform.some(reported)) problems.push(`added \`${x.text}\` but ${add.transform.join('/')} reported no change`);
  });
  return problems;
}

const cases = caseArb;

function lintErrors(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of validate(text))
    if (d.severity === 1) m.set(`${d.code}:${d.message}`, (m.get(`${d.code}:${d.message}`) ?? 0) + 1);
  return m;
}

describe('properties over generated Dockerfiles', () => {
  it('(a) never throws; returns a known status and no internal error', () => {
    fc.assert(
      fc.property(cases, (c) => {
        let res: MigrateResult;
        try {
          res = run(c);
        } catch (e) {
          throw new Error(`migrate threw ${(e as Error).stack}\n${show(c)}`);
        }
        expect(STATUSES, show(c, res)).toContain(res.status);
        expect(res.status === 'error' ? res.reason : '', show(c, res)).not.toMatch(/internal error/);
        if (res.status === 'migrated') expect(res.changes.length, show(c, res)).toBeGreaterThan(0);
        if (res.status !== 'migrated') expect(res.output).toBe(c.dockerfile);
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) loses nothing: every input instruction and comment is kept, or changed by a transform that says so', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const res = run(c);
        if (res.status !== 'migrated') return;
        expect(accounting(c.dockerfile, res), show(c, res)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) output re-parses, adds no lint error, and a second run changes nothing', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const res = run(c);
        if (res.status !== 'migrated') return;
        expect(() => parseDockerfile(res.output), show(c, res)).not.toThrow();
        const before = lintErrors(c.dockerfile);
        for (const [k, n] of lintErrors(res.output)) expect(n, `${k}\n${show(c, res)}`).toBeLessThanOrEqual(before.get(k) ?? 0);
        const context = { ...c.context };
        for (const f of res.files) context[f.path] = f.content;
        const again = migrate({ dockerfile: res.output, context, path: 'Dockerfile' });
        expect(again.output, `second run\n${show(c, res)}\nsecond output:\n${JSON.stringify(again.output)}`).toBe(res.output);
        expect(
          again.files.map((f) => f.path),
          show(c, res),
        ).toEqual([]);
        expect(['unchanged', 'skipped'], show(c, res)).toContain(again.status);
      }),
      { numRuns: RUNS },
    );
  });

  it('(d) keeps parser directives first, the BOM, CRLF and the final-newline choice', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const res = run(c);
        const out = res.output;
        expect(directiveLines(out), show(c, res)).toEqual(directiveLines(c.dockerfile));
        expect(out.startsWith('\uFEFF'), show(c, res)).toBe(c.dockerfile.startsWith('\uFEFF'));
        expect(out.endsWith('\n'), show(c, res)).toBe(c.dockerfile.endsWith('\n'));
        if (c.style.eol === '\r\n') expect(/(^|[^\r])\n/.test(out), show(c, res)).toBe(false);
        else expect(out.includes('\r'), show(c, res)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the accounting itself', () => {
  const input =
    '# deps\nFROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install --production\nCOPY . .\nCMD ["node", "server.js"]\n';
  const res = (output: string, transforms: string[]): MigrateResult => ({
    status: 'migrated',
    output,
    files: [],
    changes: transforms.map((transform) => ({ transform, message: 'changed' })),
    warnings: [],
    diff: '',
  });
  it('accepts reported rewrites and moves', () => {
    const out =
      '# deps\nFROM node:20 AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY . .\n\nFROM node:20 AS runtime\nWORKDIR /app\nCOPY --from=build /app /app\nUSER node\nCMD ["node", "server.js"]\n';
    expect(accounting(input, res(out, ['cache-order', 'npm-ci', 'split-stages', 'non-root']))).toEqual([]);
  });
  it('catches a lost instruction, a lost comment, an unreported rewrite and an added comment', () => {
    expect(accounting(input, res(input.replace('COPY . .\n', ''), ['npm-ci']))).toEqual(['lost: instr `COPY . .`']);
    expect(accounting(input, res(input.replace('# deps\n', ''), ['npm-ci']))).toEqual(['lost: comment `# deps`']);
    expect(accounting(input, res(input.replace('npm install', 'npm ci'), ['cache-order']))[0]).toMatch(/^npm-ci rewrote/);
    expect(accounting(input, res(input.replace('WORKDIR', '# hi\nWORKDIR'), ['npm-ci']))).toEqual(['added comment `# hi`']);
    expect(
      accounting(input, res(input.replace('npm install --production', 'npm install --omit=dev && rm -rf /'), ['npm-ci']))[0],
    ).toMatch(/^lost: instr `RUN/);
  });
});
