/**
 * Two speed-ups to dockerfile-ast's internals, in one place, applied only to the version they were
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
 */
import { createRequire } from 'node:module';

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
  const proto = (require('dockerfile-ast/lib/instruction.js') as { Instruction: { prototype: { getRawArguments(): unknown[] } } })
    .Instruction.prototype;
  const original = proto.getRawArguments;
  const kept = Symbol('rawArguments');
  proto.getRawArguments = function (this: { [kept]?: unknown[] }) {
    const args = (this[kept] ??= original.call(this));
    return args.slice();
  };
  type Build = (this: object, dockerfile: unknown, keyword: string, start: number, keywordEnd: number, end: number) => unknown;
  const parser = (
    require('dockerfile-ast/lib/parser.js') as { Parser: { prototype: { createInstruction: Build; document?: unknown } } }
  ).Parser.prototype;
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
  return true;
}
