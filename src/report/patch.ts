/**
 * Reading back the patches src/engine/diff.ts writes: which lines of the file on disk a reported
 * line of the migrated Dockerfile stands for, and the edits as line/column replacements (SARIF
 * fixes). The reports carry the patch only (not the texts), so this is all they can go by.
 */

export interface HunkLine {
  op: ' ' | '-' | '+';
  /** The line without its line break. */
  text: string;
  /** The line has no line break (the last line of a file that does not end in one). */
  noEol: boolean;
}

export interface Hunk {
  /** First line of the old range (1-based); for an empty range, the line it is inserted before. */
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: HunkLine[];
}

export interface FilePatch {
  /** The path after `+++ b/` (git's quoting undone). */
  path: string;
  created: boolean;
  hunks: Hunk[];
}

/** Undo git's C-style quoting of a path ("a\tb" with octal escapes for other bytes). */
function unquote(p: string): string {
  if (!p.startsWith('"') || !p.endsWith('"')) return p;
  const bytes: number[] = [];
  const named: Record<string, number> = { t: 9, n: 10, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  const body = p.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[i + 1];
    if (/[0-7]/.test(next ?? '')) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(named[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The files of a git-style patch with their hunks. */
export function parsePatch(diff: string): FilePatch[] {
  const out: FilePatch[] = [];
  let cur: FilePatch | null = null;
  let hunk: Hunk | null = null;
  let created = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      cur = null;
      hunk = null;
      created = false;
    } else if (line === 'new file mode 100644' || line.startsWith('new file mode ')) {
      created = true;
    } else if (line.startsWith('--- ') && !hunk) {
      if (line === '--- /dev/null') created = true;
    } else if (line.startsWith('+++ ') && !hunk) {
      const p = unquote(line.slice(4));
      cur = { path: p.startsWith('b/') ? p.slice(2) : p, created, hunks: [] };
      out.push(cur);
    } else if (line.startsWith('@@ ') && cur) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      const oldLines = m[2] === undefined ? 1 : Number(m[2]);
      const newLines = m[4] === undefined ? 1 : Number(m[4]);
      // An empty range names the line after which it sits; keep "the line it comes before".
      hunk = {
        oldStart: oldLines === 0 ? Number(m[1]) + 1 : Number(m[1]),
        oldLines,
        newStart: newLines === 0 ? Number(m[3]) + 1 : Number(m[3]),
        newLines,
        lines: [],
      };
      cur.hunks.push(hunk);
    } else if (hunk && (line[0] === ' ' || line[0] === '-' || line[0] === '+')) {
      hunk.lines.push({ op: line[0] as HunkLine['op'], text: line.slice(1), noEol: false });
    } else if (hunk && line.startsWith('\\ ')) {
      const last = hunk.lines[hunk.lines.length - 1];
      if (last) last.noEol = true;
    }
  }
  return out;
}

/** A run of removed and added lines between context lines. */
interface Block {
  /** First old line removed, or the old line the added lines come before. */
  oldAt: number;
  removed: HunkLine[];
  added: HunkLine[];
  /** First new line added (or where the removed lines were). */
  newAt: number;
}

function blocks(h: Hunk): Block[] {
  const out: Block[] = [];
  let oldNo = h.oldStart;
  let newNo = h.newStart;
  let cur: Block | null = null;
  for (const l of h.lines) {
    if (l.op === ' ') {
      cur = null;
      oldNo++;
      newNo++;
      continue;
    }
    if (!cur) {
      cur = { oldAt: oldNo, removed: [], added: [], newAt: newNo };
      out.push(cur);
    }
    if (l.op === '-') {
      cur.removed.push(l);
      oldNo++;
    } else {
      cur.added.push(l);
      newNo++;
    }
  }
  return out;
}

/**
 * The line of the original file that line `newLine` of the patched file stands for: the same line
 * when it is unchanged, the line it replaces when it replaces one, and the line it is inserted
 * before (the last line, at the end of the file) when it is new.
 */
export function originalLine(patch: FilePatch, newLine: number): number {
  let delta = 0;
  for (const h of patch.hunks) {
    if (newLine < h.newStart) return Math.max(1, newLine + (h.oldStart - h.newStart));
    if (newLine < h.newStart + h.newLines) {
      let oldNo = h.oldStart;
      let newNo = h.newStart;
      for (const l of h.lines) {
        if (l.op === ' ') {
          if (newNo === newLine) return oldNo;
          oldNo++;
          newNo++;
        } else if (l.op === '-') oldNo++;
        else {
          if (newNo === newLine) break;
          newNo++;
        }
      }
      for (const b of blocks(h)) {
        const k = newLine - b.newAt;
        if (k < 0 || k >= b.added.length) continue;
        if (b.removed.length) return b.oldAt + Math.min(k, b.removed.length - 1);
        // A pure insertion: before the next old line, or after the last one at the end of the hunk.
        const atEnd = b.oldAt >= h.oldStart + h.oldLines;
        return Math.max(1, atEnd && h.oldLines > 0 ? b.oldAt - 1 : b.oldAt);
      }
      return Math.max(1, h.oldStart);
    }
    delta = h.oldStart + h.oldLines - (h.newStart + h.newLines);
  }
  return Math.max(1, newLine + delta);
}

/** A replacement of whole lines, as SARIF describes one (1-based lines and columns, end exclusive). */
export interface LineReplacement {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  /** The text that replaces the region. */
  text: string;
}

/**
 * The edits of one file as replacements of the original text: each run of removed and added lines
 * replaces the removed lines (with their line breaks) by the added ones. Applied together, they
 * turn the original into the patched file. Columns count UTF-16 code units.
 */
export function replacements(patch: FilePatch): LineReplacement[] {
  const out: LineReplacement[] = [];
  for (const h of patch.hunks)
    for (const b of blocks(h)) {
      const text = b.added.map((l) => l.text + (l.noEol ? '' : '\n')).join('');
      const last = b.removed[b.removed.length - 1];
      if (!last) out.push({ startLine: b.oldAt, startColumn: 1, endLine: b.oldAt, endColumn: 1, text });
      else if (last.noEol)
        out.push({
          startLine: b.oldAt,
          startColumn: 1,
          endLine: b.oldAt + b.removed.length - 1,
          endColumn: last.text.length + 1,
          text,
        });
      else out.push({ startLine: b.oldAt, startColumn: 1, endLine: b.oldAt + b.removed.length, endColumn: 1, text });
    }
  return out;
}

/** Apply line replacements to a text (what a SARIF consumer does with a fix); for tests and checks. */
export function applyReplacements(text: string, reps: LineReplacement[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const offset = (line: number, col: number) => (starts[line - 1] ?? text.length) + col - 1;
  let out = text;
  for (const r of [...reps].sort((a, b) => b.startLine - a.startLine || b.startColumn - a.startColumn)) {
    out = out.slice(0, offset(r.startLine, r.startColumn)) + r.text + out.slice(offset(r.endLine, r.endColumn));
  }
  return out;
}
