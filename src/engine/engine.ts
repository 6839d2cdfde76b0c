/**
 * The engine: runs transforms in order, each on a fresh parse of the previous output,
 * applies each transform's edits with one MagicString, and guards the result.
 */
import MagicString from 'magic-string';
import { parseDockerfile, reparse, sameParse, type ParsedDockerfile } from '../dockerfile/parse.js';
import type { Change, Edit, Finding, GeneratedFile, Options, Transform, Warning } from './types.js';

class EditConflictError extends Error {}

/** A transform crashed or produced conflicting edits: names the transform (the caller adds the file). */
class TransformError extends Error {
  constructor(
    readonly transform: string,
    original: unknown,
  ) {
    super(`${transform}: ${original instanceof Error ? original.message : String(original)}`, { cause: original });
  }
}

const stamp = (transform: string, items: readonly Finding[] | undefined): (Change & Warning)[] =>
  (items ?? []).map((f) => ({ transform, code: f.code, message: f.message, ...(f.line !== undefined ? { line: f.line } : {}) }));

/** Compare every re-parse with a full parse of the same text (the test suite turns this on). */
const CHECK_REPARSE = process.env.DOCKERFILE_MIGRATE_CHECK_REPARSE === '1';

/** Apply non-overlapping edits. Inserts at the same offset keep their given order. */
function applyEdits(text: string, edits: Edit[]): string {
  if (!edits.length) return text;
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (cur.start < prev.end || (prev.start < prev.end && cur.start === prev.start && cur.end > cur.start)) {
      throw new EditConflictError(`overlapping edits at offsets ${prev.start}-${prev.end} and ${cur.start}-${cur.end}`);
    }
  }
  for (const e of sorted)
    if (e.start < 0 || e.end > text.length || e.end < e.start)
      throw new EditConflictError(`edit out of range: ${e.start}-${e.end}`);
  const s = new MagicString(text);
  for (const e of sorted) {
    if (e.start === e.end) s.appendLeft(e.start, e.text);
    else if (e.text === '') s.remove(e.start, e.end);
    else s.overwrite(e.start, e.end, e.text);
  }
  return s.toString();
}

const byPosition = (a: Edit, b: Edit) => a.start - b.start || a.end - b.end;

/**
 * Where an offset of the old text lands in the new one, given the edits sorted by position. An offset
 * inside a replaced range lands at its start; text inserted exactly at the offset comes after it (so a
 * line that a transform reports as "where I inserted" points at the inserted text).
 */
function mapSorted(offset: number, edits: Edit[]): number {
  let delta = 0;
  for (const e of edits) {
    if (e.start > offset) break;
    if (e.start === e.end) {
      if (e.start < offset) delta += e.text.length;
      continue;
    }
    if (e.end <= offset) {
      delta += e.text.length - (e.end - e.start);
      continue;
    }
    return e.start + delta;
  }
  return offset + delta;
}

/**
 * Where an offset inside a removed block lands when the same edit set inserts that block's text
 * elsewhere (a block moved, not deleted): the same place in the inserted copy. Null otherwise.
 */
function movedTo(offset: number, text: string, edits: Edit[]): number | null {
  const removal = edits.find((e) => e.text === '' && e.start <= offset && offset < e.end);
  if (!removal) return null;
  const removed = text.slice(removal.start, removal.end).replace(/^(\r?\n)+|(\r?\n)+$/g, '');
  if (!removed) return null;
  for (const e of edits) {
    if (e.start !== e.end) continue;
    const i = e.text.indexOf(removed);
    if (i < 0) continue;
    const inRemoved = offset - removal.start - text.slice(removal.start, removal.end).indexOf(removed);
    return mapSorted(e.start, edits) + i + Math.max(0, inRemoved);
  }
  return null;
}

export interface PipelineResult {
  output: string;
  doc: ParsedDockerfile;
  files: GeneratedFile[];
  changes: Change[];
  warnings: Warning[];
}

/**
 * Run `transforms` in order over `text`. `context` gives, for each pass, what the migration adds to
 * the engine's context (the models of the project and the image, for this pass's parse).
 */
export function runPipeline<C extends object>(
  text: string,
  transforms: readonly Transform<C>[],
  context: (doc: ParsedDockerfile) => C,
  options: Options,
  parsed?: ParsedDockerfile,
): PipelineResult {
  let doc = parsed && parsed.text === text ? parsed : parseDockerfile(text);
  const files = new Map<string, GeneratedFile>();
  const changes: Change[] = [];
  const warnings: Warning[] = [];
  for (const t of transforms) {
    let res;
    try {
      res = t.apply({ ...context(doc), doc, options, files });
    } catch (e) {
      throw new TransformError(t.id, e);
    }
    if (!res) continue;
    const resChanges = stamp(t.id, res.changes);
    warnings.push(...stamp(t.id, res.warnings));
    for (const f of res.files ?? []) {
      const prev = files.get(f.path);
      files.set(f.path, { ...f, before: prev ? prev.before : f.before });
    }
    if (res.edits.length) {
      let next: string;
      try {
        next = applyEdits(doc.text, res.edits);
      } catch (e) {
        throw new TransformError(t.id, e);
      }
      if (next !== doc.text) {
        const before = doc;
        doc = reparse(before, next, res.edits);
        if (CHECK_REPARSE) {
          const why = sameParse(doc, parseDockerfile(next));
          if (why) throw new Error(`re-parse after ${t.id} differs from a full parse: ${why}`);
        }
        changes.push(...resChanges);
        // Keep every reported line pointing at the same place in the new text.
        const sorted = [...res.edits].sort(byPosition);
        for (const item of [...changes, ...warnings]) {
          if (item.line === undefined) continue;
          const at = before.offsetOf(item.line - 1, 0);
          const off = movedTo(at, before.text, sorted) ?? mapSorted(at, sorted);
          item.line = doc.lineOf(off) + 1;
        }
      }
    } else if (res.files?.length) {
      changes.push(...resChanges);
    }
  }
  return { output: doc.text, doc, files: [...files.values()].filter((f) => f.content !== f.before), changes, warnings };
}
