/**
 * Rendering for people: colour, summaries and markdown reports (the patch itself is src/engine/diff.ts).
 */
import type { Change, Status, Transform, Warning } from '../engine/types.js';

const colors = {
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
};
export type Paint = typeof colors;
const plain: Paint = { red: (s) => s, green: (s) => s, cyan: (s) => s, bold: (s) => s, dim: (s) => s, yellow: (s) => s };
export function painter(color: boolean): Paint {
  return color ? colors : plain;
}

export function colorDiff(diff: string, p: Paint): string {
  if (p === plain) return diff;
  return diff
    .split('\n')
    .map((l) => {
      if (/^(diff --git|--- |\+\+\+ |new file mode)/.test(l)) return p.bold(l);
      if (l.startsWith('@@')) return p.cyan(l);
      if (l.startsWith('+')) return p.green(l);
      if (l.startsWith('-')) return p.red(l);
      return l;
    })
    .join('\n');
}

export interface FileReport {
  path: string;
  status: Status;
  reason?: string;
  /** The stable code of the reason. */
  code?: string;
  changes: Change[];
  warnings: Warning[];
  diff: string;
  files: { path: string; created: boolean }[];
}

export interface Summary {
  files: number;
  migrated: number;
  unchanged: number;
  skipped: number;
  error: number;
}

export function summarize(reports: FileReport[]): Summary {
  const s: Summary = { files: reports.length, migrated: 0, unchanged: 0, skipped: 0, error: 0 };
  for (const r of reports) s[r.status]++;
  return s;
}

export function markdownReport(reports: FileReport[]): string {
  const s = summarize(reports);
  const out: string[] = [
    '## dockerfile-migrate',
    '',
    `${s.migrated} migrated, ${s.unchanged} unchanged, ${s.skipped} skipped, ${s.error} errors`,
    '',
  ];
  for (const r of reports) {
    out.push(`### \`${r.path}\`: ${r.status}${r.reason ? ` (${r.code ? `\`${r.code}\`: ` : ''}${r.reason})` : ''}`, '');
    for (const c of r.changes) out.push(`- **${c.transform}/${c.code}**${c.line ? ` (line ${c.line})` : ''}: ${c.message}`);
    for (const w of r.warnings) out.push(`- ⚠️ **${w.transform}/${w.code}**${w.line ? ` (line ${w.line})` : ''}: ${w.message}`);
    if (r.diff)
      out.push('', '<details><summary>diff</summary>', '', '```diff', r.diff.replace(/\n$/, ''), '```', '', '</details>');
    out.push('');
  }
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's transforms table: what each transform does, why, and every reason it holds back. */
export function transformsTable(transforms: readonly Transform[]): string {
  const rows = transforms.map((t) => {
    const held = Object.entries(t.docs.holdsBack)
      .map(([code, text]) => `\`${code}\`: ${text}`)
      .join('; ');
    return `| \`${t.id}\` | ${cell(t.docs.what)}; ${cell(t.docs.why)} | ${cell(held)} |`;
  });
  return (
    ['| id | what it does, and why | when it holds back or warns (code: reason) |', '| --- | --- | --- |', ...rows].join('\n') +
    '\n'
  );
}

/** `--list-transforms --verbose`: each transform's documentation and codes, as plain text. */
export function transformsText(transforms: readonly Transform[]): string {
  const out: string[] = [];
  for (const t of transforms) {
    out.push(t.id, `  what: ${t.docs.what.replace(/`/g, '')}`, `  why:  ${t.docs.why.replace(/`/g, '')}`, '  changes:');
    for (const [c, text] of Object.entries(t.docs.changes)) out.push(`    ${t.id}/${c}: ${text.replace(/`/g, '')}`);
    out.push('  holds back or warns:');
    for (const [c, text] of Object.entries(t.docs.holdsBack)) out.push(`    ${t.id}/${c}: ${text.replace(/`/g, '')}`);
    out.push('');
  }
  return out.join('\n');
}
