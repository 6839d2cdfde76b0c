/**
 * ParsedDockerfile: one wrapper over dockerfile-ast that every transform shares.
 * It turns the parser's LSP ranges into byte offsets of the original text, groups
 * instructions by stage, and knows each instruction's "block": the comments directly
 * above it, the instruction itself and its line break, so that moving or deleting an
 * instruction carries its comments along and leaves no stray blank line.
 */
import { DockerfileParser, type Instruction, type Flag } from 'dockerfile-ast';
import { installAstPatches } from './ast-patches.js';
import { TextDocument } from 'vscode-languageserver-textdocument';

installAstPatches();

export interface FlagInfo {
  name: string;
  value: string | null;
  start: number;
  end: number;
}

export interface Instr {
  index: number;
  keyword: string;
  /** Offset of the keyword. */
  start: number;
  /** Offset just past the last argument (trailing spaces excluded). */
  end: number;
  /** Start of the first comment line directly above (or of the keyword's line). */
  blockStart: number;
  /** Just past the line break that ends the instruction (or end of text). */
  blockEnd: number;
  /** Offset of the start of the keyword's line. */
  lineStart: number;
  /** The instruction as written, keyword to last argument. */
  text: string;
  /** Raw argument text (after flags for COPY/ADD/FROM/RUN), as written. */
  args: string[];
  /** Argument offsets into the text. */
  argRanges: [number, number][];
  flags: FlagInfo[];
  /** Index of the stage this instruction belongs to (-1 before the first FROM). */
  stage: number;
  /** JSON (exec) form for RUN/CMD/ENTRYPOINT/SHELL. */
  json: boolean;
  /** Parsed JSON array for exec form, when valid. */
  jsonArgs: string[] | null;
  /** Argument content with continuations and embedded comments removed. */
  content: string;
  heredoc: boolean;
  node: Instruction;
}

export interface Stage {
  index: number;
  from: Instr;
  /** The image as written (may contain variables). */
  image: string;
  /** The image with ARG defaults before FROM substituted. */
  resolvedImage: string;
  name: string | null;
  instructions: Instr[];
  /** The last WORKDIR value of the stage, as written, or null. */
  workdir: string | null;
}

export interface ParsedDockerfile {
  text: string;
  eol: '\n' | '\r\n';
  escape: string;
  /** Length of the parser directive block (including its line breaks and a BOM). */
  directivesEnd: number;
  hasBom: boolean;
  endsWithNewline: boolean;
  instructions: Instr[];
  stages: Stage[];
  /** ARGs before the first FROM, with their default values. */
  globalArgs: Map<string, string | null>;
  offsetOf(line: number, character: number): number;
  /** Position to line number (zero-based). */
  lineOf(offset: number): number;
  /**
   * What the models worked out about this parse's instructions, keyed by their parser nodes: a
   * re-parse keeps the nodes of the instructions it reuses, and hands the same store on, so what was
   * read of an untouched instruction is not read again. Nothing outside the parse holds it.
   */
  derived: Derived;
}

/** Derived data about instructions, per kind of question, keyed by the instruction's parser node. */
export class Derived {
  private readonly tables = new Map<string, WeakMap<object, unknown>>();
  /** The table for one kind of question (`name`), created on first use. */
  table<V>(name: string): WeakMap<object, V> {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new WeakMap()));
    return t as WeakMap<object, V>;
  }
}

export class DockerfileError extends Error {}

function flagInfo(f: Flag, doc: TextDocument, base: number): FlagInfo {
  const r = f.getRange();
  return {
    name: f.getName().toLowerCase(),
    value: f.getValue(),
    start: doc.offsetAt(r.start) + base,
    end: doc.offsetAt(r.end) + base,
  };
}

export function parseDockerfile(text: string): ParsedDockerfile {
  if (/\r(?!\n)/.test(text)) throw new DockerfileError('bare carriage-return line endings are not supported');
  const hasBom = text.charCodeAt(0) === 0xfeff;
  // dockerfile-ast mis-reads the first line when a BOM is present: parse a copy with the BOM
  // swapped for a space (same UTF-16 length, so every offset stays aligned).
  const parsed = parseText(hasBom ? ' ' + text.slice(1) : text);
  let directivesEnd = hasBom ? 1 : 0;
  const dirs = parsed.ast.getDirectives();
  if (dirs.length) directivesEnd = lineEndAfter(text, parsed.doc.offsetAt(dirs[dirs.length - 1].getRange().end));
  const escape = parsed.ast.getEscapeCharacter();
  const instructions = collect(text, parsed, 0, directivesEnd, escape);
  return assemble(text, instructions, { escape, directivesEnd, hasBom }, new Derived(), parsed.doc.getLineOffsets?.());
}

/**
 * The parse of `next`, the text of `prev` with `edits` applied (offsets into prev.text), worked out
 * by parsing only the instructions the edits touch, and the untouched one after them; the
 * instructions before and after are reused, moved by the edits' length. Equal to
 * parseDockerfile(next) in every field; when the edits reach the parser directives, or the
 * re-parsed region does not end where its last untouched instruction did, it is exactly that.
 */
export function reparse(
  prev: ParsedDockerfile,
  next: string,
  edits: readonly { start: number; end: number; text: string }[],
): ParsedDockerfile {
  const old = prev.instructions as LazyInstr[];
  const n = old.length;
  if (!edits.length || !n || !old.every((i) => i instanceof LazyInstr)) return parseDockerfile(next);
  let lo = Infinity;
  let hi = -Infinity;
  let delta = 0;
  for (const e of edits) {
    lo = Math.min(lo, e.start);
    hi = Math.max(hi, e.end);
    delta += e.text.length - (e.end - e.start);
  }
  if (next.length !== prev.text.length + delta || lo < old[0].blockStart || lo < prev.directivesEnd) return parseDockerfile(next);
  // a: the first instruction whose block the edits can reach; b: the one after the last touched one.
  let a = old.findIndex((i) => i.blockEnd > lo);
  if (a < 0) a = n - 1;
  let last = -1;
  for (let k = n - 1; k >= 0; k--)
    if (old[k].blockStart <= hi) {
      last = k;
      break;
    }
  const b = Math.min(n - 1, last + 1);
  // The region starts where the instruction before it ends (a heredoc body is part of its
  // instruction's block, so the parser is between instructions there): comments and blank lines
  // in between are re-read too.
  const regionStart = a > 0 ? old[a - 1].blockEnd : old[0].blockStart;
  const regionEnd = b === n - 1 ? prev.text.length : old[b].blockEnd;
  if (regionEnd < hi) return parseDockerfile(next);
  const newEnd = regionEnd + delta;
  let region = next.slice(regionStart, newEnd);
  // The first instruction's line starts with the BOM: swapped for a space, as parseDockerfile does.
  if (regionStart < prev.directivesEnd) {
    if (!(regionStart === 0 && prev.hasBom && prev.directivesEnd === 1)) return parseDockerfile(next);
    region = ' ' + region.slice(1);
  }
  // Right after the directives, a comment line the edits put first may be read as one more.
  if (regionStart <= prev.directivesEnd && /^[ \t]*#/.test(region)) return parseDockerfile(next);
  if (/\r(?!\n)/.test(region) || (regionStart > 0 && next[regionStart - 1] !== '\n')) return parseDockerfile(next);
  // The region on its own: the escape character set by a directive, then a blank line, which
  // ends directive parsing (a comment at the top of the region is a comment, as in the file).
  const prefix = (prev.escape === '\\' ? '' : `# escape=${prev.escape}\n`) + '\n';
  const parsed = parseText(prefix + region);
  if (parsed.ast.getEscapeCharacter() !== prev.escape) return parseDockerfile(next);
  const middle = collect(next, parsed, regionStart - prefix.length, regionStart, prev.escape);
  // The region must close where it did: its last instruction is the untouched b, ending at the region's end.
  const tail = middle[middle.length - 1];
  if (b < n - 1) {
    const ob = old[b];
    if (
      !tail ||
      tail.blockEnd !== newEnd ||
      tail.start !== ob.start + delta ||
      tail.end !== ob.end + delta ||
      tail.keyword !== ob.keyword
    )
      return parseDockerfile(next);
  }
  const instructions: LazyInstr[] = [];
  // Instructions before the region keep their offsets, index and stage: they are shared.
  for (let k = 0; k < a; k++) instructions.push(old[k]);
  instructions.push(...middle);
  // After it, shared too when nothing moved and the region holds as many instructions and stages.
  const froms = (list: Instr[]) => list.filter((i) => i.keyword === 'FROM').length;
  const shift = delta !== 0 || middle.length !== b - a + 1 || froms(middle) !== froms(old.slice(a, b + 1));
  for (let k = b + 1; k < n; k++) instructions.push(shift ? old[k].moved(delta) : old[k]);
  return assemble(
    next,
    instructions,
    { escape: prev.escape, directivesEnd: prev.directivesEnd, hasBom: prev.hasBom },
    prev.derived,
  );
}

interface ParsedText {
  ast: ReturnType<typeof DockerfileParser.parse>;
  doc: TextDocument & { getLineOffsets?: () => number[] };
}

function parseText(text: string): ParsedText {
  const ast = DockerfileParser.parse(text);
  // The parser's own document (its line offsets are already worked out); a new one if it is not there.
  const doc =
    (ast as unknown as { document?: TextDocument }).document ?? TextDocument.create('file:///Dockerfile', 'dockerfile', 0, text);
  return { ast, doc };
}

function lineStartOf(text: string, off: number): number {
  // (lastIndexOf reads a negative position as 0)
  return off <= 0 ? 0 : text.lastIndexOf('\n', off - 1) + 1;
}

function lineEndAfter(text: string, off: number): number {
  const nl = text.indexOf('\n', off);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * The instructions of a parse, with offsets into `text`: `base` is where the parsed text's offset 0
 * falls in it, and comment blocks are not followed above `prevBlockEnd`.
 */
function collect(text: string, parsed: ParsedText, base: number, prevBlockEnd: number, escape: string): LazyInstr[] {
  const { ast, doc } = parsed;
  // Comment lines (whole-line comments) by line start offset.
  const commentLineStarts = new Set<number>();
  for (const c of ast.getComments()) {
    const s = doc.offsetAt(c.getRange().start) + base;
    const ls = lineStartOf(text, s);
    if (text.slice(ls, s).trim() === '') commentLineStarts.add(ls);
  }
  const out: LazyInstr[] = [];
  for (const node of ast.getInstructions()) {
    const r = node.getRange();
    const start = doc.offsetAt(r.start) + base;
    const end = doc.offsetAt(r.end) + base;
    const lineStart = lineStartOf(text, start);
    // Walk up over contiguous whole-line comments.
    let blockStart = lineStart;
    while (blockStart > prevBlockEnd) {
      const prevLineStart = lineStartOf(text, blockStart - 1);
      if (prevLineStart < prevBlockEnd) break;
      if (!commentLineStarts.has(prevLineStart)) break;
      blockStart = prevLineStart;
    }
    const blockEnd = lineEndAfter(text, end);
    const keyword = node.getKeyword().toUpperCase();
    // Arguments, flags and JSON forms cost most of a parse and most instructions never need
    // them: each is computed on first use and kept.
    out.push(
      new LazyInstr(
        { index: 0, keyword, start, end, blockStart, blockEnd, lineStart, text: text.slice(start, end), stage: -1, node },
        doc,
        escape,
        base,
      ),
    );
    prevBlockEnd = blockEnd;
  }
  return out;
}

/** Index, stage and global ARGs of each instruction, and the stages. */
function assemble(
  text: string,
  instructions: LazyInstr[],
  meta: Pick<ParsedDockerfile, 'escape' | 'directivesEnd' | 'hasBom'>,
  derived: Derived,
  lineOffsets?: number[],
): ParsedDockerfile {
  const crlf = text.indexOf('\r\n');
  const lf = text.indexOf('\n');
  const eol: '\n' | '\r\n' = crlf >= 0 && crlf < lf + 1 && crlf === lf - 1 ? '\r\n' : '\n';
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string | null>();
  let stageIdx = -1;
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i];
    const keyword = ins.keyword;
    if (keyword === 'FROM') stageIdx++;
    ins.index = i;
    ins.stage = stageIdx;
    if (keyword === 'ARG' && stageIdx < 0) {
      for (const a of ins.args) {
        const eq = a.indexOf('=');
        if (eq < 0) globalArgs.set(a, null);
        else globalArgs.set(a.slice(0, eq), unquote(a.slice(eq + 1)));
      }
    }
    if (keyword === 'FROM') {
      const nonFlag = ins.args.filter((a) => !a.startsWith('--'));
      const image = nonFlag[0] ?? '';
      const name = nonFlag.length >= 3 && nonFlag[1].toUpperCase() === 'AS' ? nonFlag[2] : null;
      stages.push({
        index: stageIdx,
        from: ins,
        image,
        resolvedImage: substitute(image, globalArgs),
        name,
        instructions: [],
        workdir: null,
      });
    } else if (stageIdx >= 0) {
      const st = stages[stageIdx];
      st.instructions.push(ins);
      if (keyword === 'WORKDIR' && ins.args.length) {
        const w = ins.args.join(' ');
        st.workdir = w.startsWith('/') ? w : st.workdir ? joinPosix(st.workdir, w) : '/' + w;
      }
    }
  }
  // Line starts (a bare CR was refused, so only LF ends a line): the parser's when it has them.
  let starts = lineOffsets;
  if (!starts) {
    starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  }
  const lineStarts = starts;
  return {
    text,
    eol,
    escape: meta.escape,
    directivesEnd: meta.directivesEnd,
    hasBom: meta.hasBom,
    endsWithNewline: text.endsWith('\n'),
    instructions,
    stages,
    globalArgs,
    derived,
    offsetOf: (line, character) => (lineStarts[line] ?? text.length) + character,
    lineOf: (offset) => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

type EagerFields = Pick<
  Instr,
  'index' | 'keyword' | 'start' | 'end' | 'blockStart' | 'blockEnd' | 'lineStart' | 'text' | 'stage' | 'node'
>;

const JSON_CAPABLE = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'VOLUME', 'COPY', 'ADD']);

/** An instruction whose arguments, flags and JSON form are worked out on first use and kept. */
class LazyInstr implements Instr {
  index: number;
  keyword: string;
  start: number;
  end: number;
  blockStart: number;
  blockEnd: number;
  lineStart: number;
  text: string;
  stage: number;
  node: Instruction;
  #doc: TextDocument;
  #escape: string;
  #raw?: string;
  #argNodes?: ReturnType<Instruction['getArguments']>;
  #args?: string[];
  #argRanges?: [number, number][];
  #flags?: FlagInfo[];
  #json?: boolean;
  #jsonArgs?: string[] | null;
  #content?: string;
  #heredoc?: boolean;

  /** Where offset 0 of the parsed text (#doc) falls in the Dockerfile's text. */
  #base: number;

  constructor(base: EagerFields, doc: TextDocument, escape: string, offset: number) {
    this.#base = offset;
    this.index = base.index;
    this.keyword = base.keyword;
    this.start = base.start;
    this.end = base.end;
    this.blockStart = base.blockStart;
    this.blockEnd = base.blockEnd;
    this.lineStart = base.lineStart;
    this.text = base.text;
    this.stage = base.stage;
    this.node = base.node;
    this.#doc = doc;
    this.#escape = escape;
  }
  /** The same instruction `delta` characters further on (what was worked out is kept). */
  moved(delta: number): LazyInstr {
    const m = new LazyInstr(
      {
        index: this.index,
        keyword: this.keyword,
        start: this.start + delta,
        end: this.end + delta,
        blockStart: this.blockStart + delta,
        blockEnd: this.blockEnd + delta,
        lineStart: this.lineStart + delta,
        text: this.text,
        stage: this.stage,
        node: this.node,
      },
      this.#doc,
      this.#escape,
      this.#base + delta,
    );
    m.#raw = this.#raw;
    m.#argNodes = this.#argNodes;
    m.#args = this.#args;
    m.#argRanges = this.#argRanges?.map(([s, e]) => [s + delta, e + delta] as [number, number]);
    m.#flags = this.#flags?.map((f) => ({ ...f, start: f.start + delta, end: f.end + delta }));
    m.#json = this.#json;
    m.#jsonArgs = this.#jsonArgs;
    m.#content = this.#content;
    m.#heredoc = this.#heredoc;
    return m;
  }
  get #rawArgs(): string {
    return (this.#raw ??= this.node.getRawArgumentsContent() ?? '');
  }
  get #nodes(): ReturnType<Instruction['getArguments']> {
    return (this.#argNodes ??= this.node.getArguments());
  }
  get args(): string[] {
    return (this.#args ??= this.#nodes.map((a) => a.getValue()));
  }
  get argRanges(): [number, number][] {
    return (this.#argRanges ??= this.#nodes.map(
      (a) =>
        [this.#doc.offsetAt(a.getRange().start) + this.#base, this.#doc.offsetAt(a.getRange().end) + this.#base] as [
          number,
          number,
        ],
    ));
  }
  get flags(): FlagInfo[] {
    if (!this.#flags) {
      const n = this.node as Instruction & { getFlags?: () => Flag[] };
      this.#flags = typeof n.getFlags === 'function' ? n.getFlags().map((f) => flagInfo(f, this.#doc, this.#base)) : [];
    }
    return this.#flags;
  }
  get json(): boolean {
    return (this.#json ??= JSON_CAPABLE.has(this.keyword) && /^\s*\[/.test(stripFlagsText(this.#rawArgs)));
  }
  get jsonArgs(): string[] | null {
    if (this.#jsonArgs === undefined) {
      this.#jsonArgs = null;
      if (this.json) {
        try {
          const parsed: unknown = JSON.parse(stripContinuations(stripFlagsText(this.#rawArgs), this.#escape));
          if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) this.#jsonArgs = parsed as string[];
        } catch {
          this.#jsonArgs = null;
        }
      }
    }
    return this.#jsonArgs;
  }
  get content(): string {
    return (this.#content ??= stripContinuations(this.#rawArgs, this.#escape));
  }
  get heredoc(): boolean {
    return (this.#heredoc ??=
      (this.keyword === 'RUN' || this.keyword === 'COPY' || this.keyword === 'ADD') &&
      /<<-?\s*["']?[A-Za-z_]/.test(this.#rawArgs));
  }
}

function stripFlagsText(raw: string): string {
  return raw.replace(/^(\s*--\S+\s+)+/, '');
}

/** Remove line continuations and the comment lines embedded in them. */
function stripContinuations(raw: string, escape: string): string {
  const esc = escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const lines = raw.split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (i > 0 && /^\s*#/.test(line)) continue;
    if (i > 0 && line.trim() === '') continue;
    out.push(line.replace(new RegExp(`${esc}\\s*$`), ''));
  }
  return out.join(' ');
}

export function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

/** Substitute $VAR, ${VAR} and ${VAR:-default} from a map; unknown variables stay as written. */
export function substitute(s: string, vars: Map<string, string | null>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a, def, b) => {
    const name = a ?? b;
    const v = vars.get(name);
    if (v !== undefined && v !== null && v !== '') return v;
    if (def !== undefined && m.includes(':-')) return def;
    if (def !== undefined && m.includes('-') && !m.includes(':-') && v === undefined) return def;
    return m;
  });
}

export function joinPosix(base: string, rel: string): string {
  if (rel.startsWith('/')) return normalizePosix(rel);
  return normalizePosix(base.replace(/\/+$/, '') + '/' + rel);
}

const normalized = new Map<string, string>();

export function normalizePosix(p: string): string {
  let n = normalized.get(p);
  if (n === undefined) {
    n = normalize(p);
    // The same few paths come up again and again (WORKDIRs, COPY sources and destinations).
    if (normalized.size > 10_000) normalized.clear();
    normalized.set(p, n);
  }
  return n;
}

function normalize(p: string): string {
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return (abs ? '/' : '') + parts.join('/');
}

/** Flag lookup by name (dockerfile-ast's getFromFlag() misses when other flags are present). */
export function flag(ins: Instr, name: string): FlagInfo | undefined {
  return ins.flags.find((f) => f.name === name);
}

/** COPY/ADD sources and destination (flags excluded), JSON form included. */
export function copyParts(ins: Instr): { sources: string[]; dest: string } | null {
  if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') return null;
  if (ins.heredoc) return null;
  let parts = ins.args.filter((a, i) => !(a.startsWith('--') && ins.flags.some((f) => ins.argRanges[i][0] === f.start)));
  const joined = parts.join(' ');
  if (joined.startsWith('[')) {
    try {
      const arr = JSON.parse(stripFlagsText(ins.content));
      if (Array.isArray(arr)) parts = arr.map(String);
    } catch {
      return null;
    }
  }
  if (parts.length < 2) return null;
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1] };
}

/** How two parses of the same text differ (null when they agree on everything a transform can read). */
export function sameParse(a: ParsedDockerfile, b: ParsedDockerfile): string | null {
  const fields = ['text', 'eol', 'escape', 'directivesEnd', 'hasBom', 'endsWithNewline'] as const;
  for (const f of fields) if (a[f] !== b[f]) return `${f}: ${JSON.stringify(a[f])} != ${JSON.stringify(b[f])}`;
  if (a.instructions.length !== b.instructions.length) return `${a.instructions.length} != ${b.instructions.length} instructions`;
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (let i = 0; i < a.instructions.length; i++) {
    const x = a.instructions[i];
    const y = b.instructions[i];
    for (const f of [
      'index',
      'keyword',
      'start',
      'end',
      'blockStart',
      'blockEnd',
      'lineStart',
      'text',
      'args',
      'argRanges',
      'flags',
      'stage',
      'json',
      'jsonArgs',
      'content',
      'heredoc',
    ] as const) {
      if (!same(x[f], y[f])) return `instruction ${i} (${y.keyword}) ${f}: ${JSON.stringify(x[f])} != ${JSON.stringify(y[f])}`;
    }
  }
  const stage = (s: Stage) => ({ ...s, from: s.from.index, instructions: s.instructions.map((i) => i.index) });
  if (!same(a.stages.map(stage), b.stages.map(stage))) return 'stages differ';
  if (!same([...a.globalArgs], [...b.globalArgs])) return 'global ARGs differ';
  for (let off = 0; off <= a.text.length; off++) if (a.lineOf(off) !== b.lineOf(off)) return `lineOf(${off})`;
  const lines = b.lineOf(b.text.length);
  for (let l = 0; l <= lines + 1; l++) if (a.offsetOf(l, 0) !== b.offsetOf(l, 0)) return `offsetOf(${l})`;
  return null;
}
