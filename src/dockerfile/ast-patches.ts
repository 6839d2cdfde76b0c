/**
 * Speed-ups to dockerfile-ast's internals, in one place, applied only to the version they were
 * written for (package.json pins it exactly). They change no result, only how often work is done,
 * but they patch prototypes shared by every user of dockerfile-ast in the process (dockerfile-utils,
 * which the lint guard uses, and a bot that imports this library), so any other version is left
 * exactly as it is.
 *
 * - dockerfile-ast 0.7.1 re-tokenises an instruction's arguments every time getRawArguments() is
 *   called, and its own constructors call it about four times per instruction while parsing; that
 *   was a third of a migration's time. A parsed instruction never changes, so the result is kept
 *   per instance (callers get a fresh array: ModifiableInstruction.getArguments shifts it).
 * - Its parser also builds every instruction twice: once up to the end of its first line, only to
 *   look for heredocs, then again for good. Without a heredoc both calls are identical, so the
 *   second one returns the instruction the first one built.
 * - Resolving a variable (dockerfile-utils asks for every `$NAME` of every instruction: the lint
 *   guard) lists every ENV and ARG of the stage and walks them back from the last one, and the
 *   Dockerfile's own resolveVariable() lists every FROM of the file first: quadratic in the size of
 *   the file (a 400 kB Dockerfile spent seconds there). Each image template now keeps, per variable
 *   name, its ENV and ARG definitions in order, found by binary search on the line; the lists are
 *   dropped whenever an instruction is added, so a template still being built is never stale.
 */
import { createRequire } from 'node:module';
import { Dockerfile } from 'dockerfile-ast/lib/dockerfile.js';
import { ImageTemplate } from 'dockerfile-ast/lib/imageTemplate.js';
import { Instruction } from 'dockerfile-ast/lib/instruction.js';
import { Arg } from 'dockerfile-ast/lib/instructions/arg.js';
import { Env } from 'dockerfile-ast/lib/instructions/env.js';
import { Parser } from 'dockerfile-ast/lib/parser.js';

/** The dockerfile-ast version the patches were written for. */
export const PATCHED_VERSION = '0.7.1';

const require = createRequire(import.meta.url);
let installed = false;

/** The installed dockerfile-ast version. */
export function astVersion(): string {
  return (require('dockerfile-ast/package.json') as { version: string }).version;
}

/**
 * Install the patches when `version` (the installed one by default) is the one they were written
 * for. Returns whether they are in place. Idempotent.
 */
export function installAstPatches(version: string = astVersion()): boolean {
  if (version !== PATCHED_VERSION) return false;
  if (installed) return true;
  installed = true;
  // Imported, not required: a bundle of this module then patches the copy of dockerfile-ast it holds.
  const proto = Instruction.prototype as unknown as { getRawArguments(): unknown[] };
  const original = proto.getRawArguments;
  const kept = Symbol('rawArguments');
  proto.getRawArguments = function (this: { [kept]?: unknown[] }) {
    const args = (this[kept] ??= original.call(this));
    return args.slice();
  };
  type Build = (this: object, dockerfile: unknown, keyword: string, start: number, keywordEnd: number, end: number) => unknown;
  const parser = Parser.prototype as unknown as { createInstruction: Build; document?: unknown };
  const build = parser.createInstruction;
  let last: {
    owner: object;
    dockerfile: unknown;
    keyword: string;
    start: number;
    keywordEnd: number;
    end: number;
    built: unknown;
  } | null = null;
  parser.createInstruction = function (this: { document?: unknown }, dockerfile, keyword, start, keywordEnd, end) {
    const owner = this.document as object;
    if (
      last &&
      last.owner === owner &&
      last.dockerfile === dockerfile &&
      last.start === start &&
      last.keywordEnd === keywordEnd &&
      last.end === end &&
      last.keyword === keyword
    ) {
      const built = last.built;
      last = null;
      return built;
    }
    const built = build.call(this, dockerfile, keyword, start, keywordEnd, end);
    last = { owner, dockerfile, keyword, start, keywordEnd, end, built };
    return built;
  };
  patchVariableResolution();
  return true;
}

interface Property {
  getName(): string;
  getValue(): string | null;
}
interface Line {
  getRange(): { start: { line: number }; end: { line: number } };
}
/** Definitions of one name in a template, in instruction order: the line each instruction starts on, and its property. */
interface Definitions {
  lines: number[];
  properties: Property[];
}
interface VariableIndex {
  env: Map<string, Definitions>;
  arg: Map<string, Definitions>;
}
interface Template {
  instructions: Line[];
  addInstruction(instruction: unknown): void;
  resolveVariable(variable: string, line: number): string | null | undefined;
  [INDEX]?: VariableIndex;
  [FROMS]?: Line[];
  [INITIAL]?: Template;
}
interface DockerfileTemplate extends Template {
  getFROMs(): Line[];
  getContainingImage(position: { line: number; character: number }): Template | null;
  getInitialARGs(): unknown[];
}

const INDEX = Symbol('variableIndex');
const FROMS = Symbol('froms');
const INITIAL = Symbol('initialArgs');

function define(map: Map<string, Definitions>, name: string, line: number, property: Property): void {
  let d = map.get(name);
  if (!d) map.set(name, (d = { lines: [], properties: [] }));
  d.lines.push(line);
  d.properties.push(property);
}

/**
 * ImageTemplate.getENVs()/getARGs() as an index: for each ENV, the first of its properties of each
 * name (what resolveVariable() returns from it), for each ARG its one property.
 */
function variableIndex(t: Template): VariableIndex {
  let index = t[INDEX];
  if (!index) {
    index = { env: new Map(), arg: new Map() };
    for (const ins of t.instructions) {
      const line = ins.getRange().start.line;
      if (ins instanceof Env) {
        const seen = new Set<string>();
        for (const p of (ins as unknown as { getProperties(): Property[] }).getProperties()) {
          const name = p.getName();
          if (seen.has(name)) continue;
          seen.add(name);
          define(index.env, name, line, p);
        }
      } else if (ins instanceof Arg) {
        const p = (ins as unknown as { getProperty(): Property | null }).getProperty();
        if (p) define(index.arg, p.getName(), line, p);
      }
    }
    t[INDEX] = index;
  }
  return index;
}

/** The property of the last definition on an instruction that starts before `line` (Line.isBefore), or null. */
function lastBefore(d: Definitions | undefined, line: number): Property | null {
  if (!d) return null;
  let lo = 0;
  let hi = d.lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (d.lines[mid] < line) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? d.properties[lo - 1] : null;
}

/** The three lookups that were quadratic, answered from the index; each returns what the original returns. */
function patchVariableResolution(): void {
  const template = ImageTemplate.prototype as unknown as Template;
  const addInstruction = template.addInstruction;
  template.addInstruction = function (this: Template, instruction: unknown) {
    this[INDEX] = undefined;
    this[FROMS] = undefined;
    this[INITIAL] = undefined;
    return addInstruction.call(this, instruction);
  };
  // ImageTemplate.resolveVariable: the value of the last ENV before the line that defines it, else
  // of the last such ARG, else undefined.
  template.resolveVariable = function (this: Template, variable: string, line: number) {
    const index = variableIndex(this);
    const p = lastBefore(index.env.get(variable), line) ?? lastBefore(index.arg.get(variable), line);
    return p ? p.getValue() : undefined;
  };
  // Instruction.isBuildVariable, outside FROM: false when an ENV before the line defines it, true
  // when an ARG does, else undefined.
  const instruction = Instruction.prototype as unknown as {
    isBuildVariable(this: unknown, variable: string, line: number): boolean | undefined;
  };
  const isBuildVariable = instruction.isBuildVariable;
  instruction.isBuildVariable = function (
    this: { getKeyword(): string; dockerfile: DockerfileTemplate },
    variable: string,
    line: number,
  ) {
    if (this.getKeyword() === 'FROM') return isBuildVariable.call(this, variable, line);
    const index = variableIndex(this.dockerfile.getContainingImage({ line, character: 0 })!);
    if (lastBefore(index.env.get(variable), line)) return false;
    if (lastBefore(index.arg.get(variable), line)) return true;
    return undefined;
  };
  // Dockerfile.resolveVariable: the same steps, with the FROMs and the template of the initial ARGs
  // kept instead of listed and rebuilt on every call.
  const dockerfile = Dockerfile.prototype as unknown as DockerfileTemplate;
  const initialArgs = (df: DockerfileTemplate): Template => {
    let t = df[INITIAL];
    if (!t) {
      t = new ImageTemplate() as unknown as Template;
      for (const ins of df.getInitialARGs()) t.addInstruction(ins);
      df[INITIAL] = t;
    }
    return t;
  };
  dockerfile.resolveVariable = function (this: DockerfileTemplate, variable: string, line: number) {
    for (const from of (this[FROMS] ??= this.getFROMs())) {
      const range = from.getRange();
      if (range.start.line <= line && line <= range.end.line) return initialArgs(this).resolveVariable(variable, line);
    }
    const image = this.getContainingImage({ line, character: 0 });
    if (image === null) return undefined;
    const resolved = image.resolveVariable(variable, line);
    if (resolved === null) return initialArgs(this).resolveVariable(variable, line);
    return resolved;
  };
}
