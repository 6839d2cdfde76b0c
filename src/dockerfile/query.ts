/**
 * Questions the transforms ask of a parsed Dockerfile: line joining in the file's own line ending,
 * stage and WORKDIR lookups, block text, COPY destinations, and glob matching for COPY sources.
 */
import {
  copyParts,
  joinPosix,
  normalizePosix,
  substitute,
  unquote,
  type Instr,
  type ParsedDockerfile,
  type Stage,
} from './parse.js';

/** Lines joined and terminated with the document's line ending. */
export function lines(doc: ParsedDockerfile, ls: string[]): string {
  return ls.map((l) => l + doc.eol).join('');
}

export function lastStage(doc: ParsedDockerfile): Stage | null {
  return doc.stages.length ? doc.stages[doc.stages.length - 1] : null;
}

/** 1-based line number of an instruction. */
export function lineNo(doc: ParsedDockerfile, ins: Instr): number {
  return doc.lineOf(ins.start) + 1;
}

/** The text of an instruction's block (comments above, instruction, line break), ensuring a final line break. */
export function blockText(doc: ParsedDockerfile, ins: Instr): string {
  const t = doc.text.slice(ins.blockStart, ins.blockEnd);
  return t.endsWith('\n') ? t : t + doc.eol;
}

/** The instruction's own line(s), indentation kept, without the comments above, with a line break. */
export function instructionText(doc: ParsedDockerfile, ins: Instr): string {
  return doc.text.slice(ins.lineStart, ins.end) + doc.eol;
}

/** Glob (COPY source) to RegExp: * ? and [..] within one path segment; ** crosses segments. */
const globCache = new Map<string, RegExp>();
export function globToRegExp(glob: string): RegExp {
  let cached = globCache.get(glob);
  if (!cached) {
    cached = compileGlob(glob);
    if (globCache.size > 5000) globCache.clear();
    globCache.set(glob, cached);
  }
  return cached;
}

/** Text to match literally inside a RegExp. */
export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

function compileGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i);
      if (close < 0) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, close).replace(/^!/, '^') + ']';
        i = close;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp('^' + re + '$');
}

/** Normalise a COPY source to a context-relative path ('' means the whole context). */
export function contextPath(src: string): string {
  const n = normalizePosix(src.replace(/^\/+/, ''));
  return n === '.' ? '' : n;
}

/** Does a COPY/ADD source (glob or path) bring in the context file `rel`? */
export function sourceCovers(src: string, rel: string): boolean {
  return covering(src)(rel);
}

/** sourceCovers() for one source, worked out once for testing many paths. */
export function covering(src: string): (rel: string) => boolean {
  const p = contextPath(src);
  if (p === '') return () => true;
  const under = p + '/';
  const re = /[*?[]/.test(p) ? globToRegExp(p) : null;
  return (rel) => {
    if (rel === p || rel.startsWith(under)) return true;
    if (!re) return false;
    if (re.test(rel)) return true;
    // a glob matching a directory brings its contents
    for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) if (re.test(rel.slice(0, i))) return true;
    return false;
  };
}

/** COPY/ADD from the build context (no --from). */
export function isContextCopy(ins: Instr): boolean {
  return (ins.keyword === 'COPY' || ins.keyword === 'ADD') && !ins.flags.some((f) => f.name === 'from') && !ins.heredoc;
}

/** Absolute destination of a COPY, given the workdir in effect. */
export function copyDest(ins: Instr, workdir: string | null): string | null {
  const parts = copyParts(ins);
  if (!parts) return null;
  if (parts.dest.startsWith('/')) return normalizePosix(parts.dest);
  return joinPosix(workdir ?? '/', parts.dest);
}

/**
 * Workdir in effect at an instruction: the last WORKDIR before it in its stage, starting from the
 * one the stage inherits when it is built FROM an earlier stage.
 */
export function workdirAt(stage: Stage, ins: Pick<Instr, 'index'>, doc?: ParsedDockerfile): string | null {
  if (!doc) return walkWorkdir(stage, ins, null);
  if (doc.stages[stage.index] !== stage) {
    const parent = parentStage(doc, stage);
    return walkWorkdir(stage, ins, parent ? finalWorkdir(doc, parent) : null);
  }
  const w = workdirsOf(doc);
  const list = stage.instructions;
  if (!list.length || ins.index <= list[0].index) return w.inherited[stage.index];
  if (ins.index > list[list.length - 1].index) return w.final[stage.index];
  return w.before[ins.index];
}

/** workdirAt() by walking the stage (a stage that is not one of the document's, or no document). */
function walkWorkdir(stage: Stage, ins: Pick<Instr, 'index'>, inherited: string | null): string | null {
  let wd = inherited;
  for (const i of stage.instructions) {
    if (i.index >= ins.index) break;
    wd = nextWorkdir(wd, i);
  }
  return wd;
}

function nextWorkdir(wd: string | null, i: Instr): string | null {
  if (i.keyword !== 'WORKDIR' || !i.args.length) return wd;
  const w = i.args.join(' ');
  return w.startsWith('/') || !wd ? normalizePosix(w.startsWith('/') ? w : '/' + w) : joinPosix(wd, w);
}

/** The workdirs of a parse, worked out once: asked for every instruction, a walk per question was quadratic. */
interface Workdirs {
  /** By instruction index: the workdir in effect just before it (in its stage, inherited one included). */
  before: (string | null)[];
  /** By stage index: the workdir a stage starts with, and the one in effect at its end. */
  inherited: (string | null)[];
  final: (string | null)[];
}

function workdirsOf(doc: ParsedDockerfile): Workdirs {
  const workdirs = doc.derived.table<Workdirs>('workdirs');
  let w = workdirs.get(doc);
  if (!w) {
    w = { before: new Array<string | null>(doc.instructions.length).fill(null), inherited: [], final: [] };
    for (const stage of doc.stages) {
      const parent = parentStage(doc, stage);
      let wd = parent ? w.final[parent.index] : null;
      w.inherited[stage.index] = wd;
      for (const i of stage.instructions) {
        w.before[i.index] = wd;
        wd = nextWorkdir(wd, i);
      }
      w.final[stage.index] = wd;
    }
    workdirs.set(doc, w);
  }
  return w;
}

/** The earlier stage a stage is built FROM (the first one of that name), or null. */
function parentStage(doc: ParsedDockerfile, stage: Stage): Stage | null {
  const firstByName = doc.derived.table<Map<string, Stage>>('stages-by-name');
  let first = firstByName.get(doc);
  if (!first) {
    first = new Map();
    for (const s of doc.stages) if (s.name && !first.has(s.name.toLowerCase())) first.set(s.name.toLowerCase(), s);
    firstByName.set(doc, first);
  }
  const parent = first.get(stage.image.toLowerCase());
  return parent && parent.index < stage.index ? parent : null;
}

/** The workdir in effect at the end of a stage (its own last WORKDIR, or the inherited one). */
export function finalWorkdir(doc: ParsedDockerfile, stage: Stage): string | null {
  if (doc.stages[stage.index] !== stage) {
    const parent = parentStage(doc, stage);
    return walkWorkdir(stage, { index: Infinity }, parent ? finalWorkdir(doc, parent) : null);
  }
  return workdirsOf(doc).final[stage.index];
}

/** The stage a `--from=<name or index>` refers to. */
export function stageNamed(doc: ParsedDockerfile, ref: string): Stage | null {
  const r = ref.toLowerCase();
  return doc.stages.find((s) => (s.name && s.name.toLowerCase() === r) || String(s.index) === ref) ?? null;
}

export function isInside(p: string, dir: string): boolean {
  const a = normalizePosix(p);
  const d = normalizePosix(dir);
  return a === d || a.startsWith(d === '/' ? '/' : d + '/');
}

/** Flags text of an instruction as written, e.g. "--chown=node:node --from=build". */
export function flagText(doc: ParsedDockerfile, ins: Instr, except: string[] = []): string[] {
  return ins.flags.filter((f) => !except.includes(f.name)).map((f) => doc.text.slice(f.start, f.end));
}

/** Uses $NAME or ${NAME} somewhere in the text. */
export function usesVariable(text: string, name: string): boolean {
  const id = name.replace(/[^A-Za-z0-9_]/g, '');
  // A long text (the rest of a stage, asked about each ARG in turn) is read once for the names it uses.
  if (id && text.length > 2048) return namesUsedIn(text).has(id);
  let re = usePatterns.get(id);
  if (!re) {
    if (usePatterns.size > 1000) usePatterns.clear();
    usePatterns.set(id, (re = new RegExp(`\\$\\{?${id}(\\b|\\}|:)`)));
  }
  return re.test(text);
}

/** The pattern of each name, compiled once (asked about each ARG, for each of a few instructions). */
const usePatterns = new Map<string, RegExp>();

let namesText: string | null = null;
let names = new Set<string>();

/**
 * The names a text uses as $NAME or ${NAME}: the whole run of word characters after `$` or `${`,
 * which is exactly where the pattern above can match a name (it must end at a word boundary).
 */
function namesUsedIn(text: string): Set<string> {
  if (text !== namesText) {
    names = new Set();
    for (const m of text.matchAll(/\$\{?(\w+)/g)) names.add(m[1]);
    namesText = text;
  }
  return names;
}

/** Stages this stage builds on (FROM <earlier stage name>), nearest first, itself included. */
export function stageChain(doc: ParsedDockerfile, stage: Stage): Stage[] {
  const chain: Stage[] = [stage];
  let cur = stage;
  for (let guard = 0; guard < doc.stages.length; guard++) {
    const parent = doc.stages.find((s) => s.index < cur.index && s.name && s.name.toLowerCase() === cur.image.toLowerCase());
    if (!parent) break;
    chain.push(parent);
    cur = parent;
  }
  return chain;
}

/** Is the context file `rel` copied into the image before instruction `ins` (in its stage or a parent stage)? */
export function copiedBefore(doc: ParsedDockerfile, stage: Stage, ins: Instr, rel: string): boolean {
  return copySourcesBefore(doc, stage, ins).some((s) => !s.fromStage && sourceCovers(s.source, rel));
}

interface CopiedSource {
  source: string;
  /** Set when copied from another stage or image (COPY --from). */
  fromStage: string | null;
}

/** Every COPY/ADD source that lands in the image before `ins` (its stage and the stages it builds on). */
export function copySourcesBefore(doc: ParsedDockerfile, stage: Stage, ins: Pick<Instr, 'index'>): CopiedSource[] {
  const out: CopiedSource[] = [];
  for (const st of stageChain(doc, stage)) {
    // ARG and ENV defaults seen so far in this stage, for substituting into the sources.
    const vars = new Map(doc.globalArgs);
    for (const i of st.instructions) {
      if (st === stage && i.index >= ins.index) break;
      if (i.keyword === 'ARG' || i.keyword === 'ENV') {
        for (const a of i.args) if (a.includes('=')) vars.set(a.slice(0, a.indexOf('=')), unquote(a.slice(a.indexOf('=') + 1)));
        continue;
      }
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const parts = copyParts(i);
      if (!parts) continue;
      const from = i.flags.find((f) => f.name === 'from')?.value ?? null;
      for (const src of parts.sources) out.push({ source: substitute(src, vars), fromStage: from });
    }
  }
  return out;
}

/** The base image a stage ultimately builds on. */
export function rootImage(doc: ParsedDockerfile, stage: Stage): string {
  const chain = stageChain(doc, stage);
  return chain[chain.length - 1].resolvedImage;
}
