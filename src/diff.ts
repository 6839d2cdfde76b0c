/** git-style unified diffs that `git apply` accepts. */
import { structuredPatch } from 'diff';

/** A git-style patch turning `before` into `after` at `path` (before null: new file). */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  if (before === after) return '';
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after, '', '', { context: 3 });
  if (!patch.hunks.length) return '';
  const a = quotePath(`a/${path}`);
  const b = quotePath(`b/${path}`);
  const out: string[] = [`diff --git ${a} ${b}`];
  if (before === null) out.push('new file mode 100644', '--- /dev/null');
  else out.push(`--- ${a}`);
  out.push(`+++ ${b}`);
  for (const h of patch.hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`);
    for (const l of h.lines) out.push(l);
  }
  return out.join('\n') + '\n';
}

/** Quote a path the way git does when it holds a control character, a double quote or a backslash. */
export function quotePath(p: string): string {
  if (!/[\x00-\x1f"\\\x7f]/.test(p)) return p;
  const named: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  return '"' + p.replace(/[\x00-\x1f"\\\x7f]/g, (c) => named[c] ?? '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')) + '"';
}
