/** git-style unified diffs that `git apply` accepts. */
import { editScript } from './edit-script.js';

const CONTEXT = 3;

/**
 * A text as jsdiff's line diff reads it: each line with its line break ("\n" or "\r\n"), the
 * last one without when the text does not end in one.
 */
function lineTokens(text: string): string[] {
  const parts = text.split('\n');
  const last = parts.pop()!;
  for (let i = 0; i < parts.length; i++) parts[i] += '\n';
  if (last !== '') parts.push(last);
  return parts;
}

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

/**
 * The hunks jsdiff's structuredPatch(…, { context: 3 }) gives for these texts. Lines are
 * compared as small integers (each distinct line gets one), which is where its line diff spends
 * its time; the edit script is jsdiff's (editScript() gives what its diffArrays gives, in time
 * that grows with the text rather than with the square of the number of edits), and the hunks
 * are cut exactly as structuredPatch cuts them.
 */
function hunks(before: string, after: string): Hunk[] {
  const oldTokens = lineTokens(before);
  const newTokens = lineTokens(after);
  const ids = new Map<string, number>();
  const id = (t: string) => {
    let n = ids.get(t);
    if (n === undefined) ids.set(t, (n = ids.size));
    return n;
  };
  const oldIds = oldTokens.map(id);
  const newIds = newTokens.map(id);
  if (!oldIds.length && !newIds.length) return [];
  const comps: { count: number; added: boolean; removed: boolean }[] = !oldIds.length
    ? [{ count: newIds.length, added: true, removed: false }]
    : !newIds.length
      ? [{ count: oldIds.length, added: false, removed: true }]
      : editScript(oldIds, newIds);
  comps.push({ count: 0, added: false, removed: false }); // closes the last hunk
  const out: Hunk[] = [];
  let oldRangeStart = 0;
  let newRangeStart = 0;
  let cur: string[] = [];
  let oldLine = 1;
  let newLine = 1;
  let oldPos = 0;
  let newPos = 0;
  let prevLines: string[] = [];
  for (let i = 0; i < comps.length; i++) {
    const c = comps[i];
    let lines: string[];
    if (c.removed) {
      lines = oldTokens.slice(oldPos, oldPos + c.count);
      oldPos += c.count;
    } else {
      lines = newTokens.slice(newPos, newPos + c.count);
      newPos += c.count;
      if (!c.added) oldPos += c.count;
    }
    if (c.added || c.removed) {
      if (!oldRangeStart) {
        oldRangeStart = oldLine;
        newRangeStart = newLine;
        if (i > 0) {
          cur = prevLines.slice(-CONTEXT).map((l) => ' ' + l);
          oldRangeStart -= cur.length;
          newRangeStart -= cur.length;
        }
      }
      const sign = c.added ? '+' : '-';
      for (const l of lines) cur.push(sign + l);
      if (c.added) newLine += lines.length;
      else oldLine += lines.length;
    } else {
      if (oldRangeStart) {
        if (lines.length <= CONTEXT * 2 && i < comps.length - 2) {
          for (const l of lines) cur.push(' ' + l);
        } else {
          const n = Math.min(lines.length, CONTEXT);
          for (let k = 0; k < n; k++) cur.push(' ' + lines[k]);
          out.push({
            oldStart: oldRangeStart,
            oldLines: oldLine - oldRangeStart + n,
            newStart: newRangeStart,
            newLines: newLine - newRangeStart + n,
            lines: cur,
          });
          oldRangeStart = 0;
          newRangeStart = 0;
          cur = [];
        }
      }
      oldLine += lines.length;
      newLine += lines.length;
    }
    prevLines = lines;
  }
  // Line breaks come off; a last line without one gets git's marker.
  for (const h of out) {
    const lines: string[] = [];
    for (const l of h.lines) {
      if (l.endsWith('\n')) lines.push(l.slice(0, -1));
      else lines.push(l, '\\ No newline at end of file');
    }
    h.lines = lines;
  }
  return out;
}

/** A git-style patch turning `before` into `after` at `path` (before null: new file). */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  if (before === after) return '';
  const hs = hunks(before ?? '', after);
  if (!hs.length) return '';
  const a = quotePath(`a/${path}`);
  const b = quotePath(`b/${path}`);
  const out: string[] = [`diff --git ${a} ${b}`];
  if (before === null) out.push('new file mode 100644', '--- /dev/null');
  else out.push(`--- ${a}`);
  out.push(`+++ ${b}`);
  for (const h of hs) {
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`);
    for (const l of h.lines) out.push(l);
  }
  return out.join('\n') + '\n';
}

/** Quote a path the way git does when it holds a control character, a double quote or a backslash. */
function quotePath(p: string): string {
  if (!/[\x00-\x1f"\\\x7f]/.test(p)) return p;
  const named: Record<string, string> = {
    '\t': '\\t',
    '\n': '\\n',
    '\r': '\\r',
    '"': '\\"',
    '\\': '\\\\',
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\v': '\\v',
  };
  return '"' + p.replace(/[\x00-\x1f"\\\x7f]/g, (c) => named[c] ?? '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')) + '"';
}
