/**
 * Edits the transforms hand to the engine: insert after an instruction's block, remove a block,
 * both keeping the file's line endings and its "no final newline".
 */
import type { Instr, ParsedDockerfile } from './parse.js';

/** Replace text[start, end) with `text`. start === end inserts. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Insert text at the end of a block; adds a line break first when the block ends the file without one. */
export function insertAfter(doc: ParsedDockerfile, ins: Instr, text: string): Edit {
  const needsEol = ins.blockEnd === doc.text.length && !doc.text.endsWith('\n');
  if (needsEol) {
    // Keep the file's "no final newline": the inserted text loses its last line break instead.
    const body = text.endsWith(doc.eol) ? text.slice(0, -doc.eol.length) : text;
    return { start: ins.blockEnd, end: ins.blockEnd, text: doc.eol + body };
  }
  return { start: ins.blockEnd, end: ins.blockEnd, text };
}

/** Delete an instruction together with its comments and line break. */
export function removeBlock(doc: ParsedDockerfile, ins: Instr): Edit {
  let start = ins.blockStart;
  let end = ins.blockEnd;
  // Between two blank lines: take one of them along, so no double gap is left behind.
  const blankBefore = start >= 2 && /\n\r?\n$/.test(doc.text.slice(Math.max(0, start - 3), start));
  const after = /^\r?\n/.exec(doc.text.slice(end, end + 2));
  if (blankBefore && after) end += after[0].length;
  if (end === doc.text.length && !doc.text.endsWith('\n') && start > 0) {
    // Last line without a newline: remove the previous line break instead, keeping "no final newline".
    start = start - (doc.text[start - 2] === '\r' ? 2 : 1);
  }
  return { start, end, text: '' };
}
