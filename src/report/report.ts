/**
 * Rendering for people: colour, summaries and markdown reports (the patch itself is src/engine/diff.ts).
 */
import type { Change, Status, Transform, Warning } from '../engine/types.js';
import type { VerifyResult } from './verify-result.js';

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
  /** What --verify found (migrated files only). */
  verify?: VerifyResult;
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

/** Sizes the way `docker images` shows them (decimal units). */
export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e7) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

export type Mode = 'dry-run' | 'check' | 'write';

/**
 * The version of the `--json` document's shape (schema/report.schema.json). It changes when a
 * field is removed or changes meaning; fields may be added without a change.
 */
export const SCHEMA_VERSION = 1;

/** The `--json` document. */
export function jsonReport(reports: FileReport[], meta: { version: string; mode: Mode }): string {
  const doc = {
    schemaVersion: SCHEMA_VERSION,
    version: meta.version,
    mode: meta.mode,
    files: reports,
    summary: summarize(reports),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** What produced a report: the mode (default dry-run), and for its footer the version and command. */
export interface ReportMeta {
  version: string;
  mode: Mode;
  /** The command line, as typed (`dockerfile-migrate --format markdown .`). */
  command: string;
}

/** A markdown code span holding `s` whatever backticks it contains. */
export function codeSpan(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

const tableCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function statusText(r: FileReport): string {
  return r.code ? `${r.status} (${codeSpan(r.code)})` : r.status;
}

function sizeCell(r: FileReport): string {
  const v = r.verify;
  if (!v) return '–';
  const sizes = v.after.builds
    ? `${v.before.builds ? `${formatSize(v.before.size)} → ` : ''}${formatSize(v.after.size)}`
    : 'does not build';
  return `${v.ok ? '✅' : '❌'} ${sizes}`;
}

/**
 * The markdown report, as a pull request body: a table of the Dockerfiles (status, image sizes
 * when --verify ran, how many changes and warnings), then per Dockerfile its changes grouped by
 * transform, its warnings with their codes and the diff in a collapsed block, and a footer with
 * the tool's version and the command that produced it.
 */
export function markdownReport(reports: FileReport[], meta: Partial<ReportMeta> = {}): string {
  const s = summarize(reports);
  const verified = reports.some((r) => r.verify);
  const written = meta.mode === 'write' ? 'written' : 'proposed, nothing written';
  const out: string[] = [
    '## dockerfile-migrate',
    '',
    `${s.migrated} migrated, ${s.unchanged} unchanged, ${s.skipped} skipped, ${s.error} errors (${written})`,
    '',
  ];
  if (reports.length) {
    out.push(
      verified ? '| Dockerfile | status | image size | changes | warnings |' : '| Dockerfile | status | changes | warnings |',
      verified ? '| --- | --- | --- | ---: | ---: |' : '| --- | --- | ---: | ---: |',
    );
    for (const r of reports) {
      const cells = [
        codeSpan(r.path),
        statusText(r),
        ...(verified ? [sizeCell(r)] : []),
        String(r.changes.length),
        String(r.warnings.length),
      ];
      out.push(`| ${cells.map(tableCell).join(' | ')} |`);
    }
    out.push('');
    if (reports.some((r) => r.changes.some((c) => c.line) || r.warnings.some((w) => w.line)))
      out.push('Line numbers refer to the migrated Dockerfile.', '');
  }
  for (const r of reports) {
    if (r.status === 'unchanged' && !r.warnings.length && !r.verify) continue;
    out.push(`### ${codeSpan(r.path)}`, '');
    if (r.status === 'migrated') {
      const also = r.files.map((f) => `${codeSpan(f.path)}${f.created ? ' (new)' : ''}`);
      out.push(
        `**migrated**: ${plural(r.changes.length, 'change')}, ${plural(r.warnings.length, 'warning')}${also.length ? `; also ${also.join(', ')}` : ''}`,
        '',
      );
    } else out.push(`**${r.status}**${r.code ? ` (${codeSpan(r.code)})` : ''}${r.reason ? `: ${r.reason}` : ''}`, '');
    if (r.verify) out.push(`**verify** (${r.verify.engine}): ${r.verify.ok ? '✅' : '❌'} ${r.verify.summary}`, '');
    if (r.changes.length) {
      out.push('#### Changes', '');
      const byTransform = new Map<string, Change[]>();
      for (const c of r.changes) byTransform.set(c.transform, [...(byTransform.get(c.transform) ?? []), c]);
      for (const [t, cs] of byTransform) {
        out.push(`**${t}**`, '');
        for (const c of cs) out.push(`- ${codeSpan(`${t}/${c.code}`)}${c.line ? ` (line ${c.line})` : ''}: ${c.message}`);
        out.push('');
      }
    }
    if (r.warnings.length) {
      out.push('#### Warnings', '');
      for (const w of r.warnings)
        out.push(`- ⚠️ ${codeSpan(`${w.transform}/${w.code}`)}${w.line ? ` (line ${w.line})` : ''}: ${w.message}`);
      out.push('');
    }
    if (r.diff) {
      // A context line can hold a fence of its own (up to three spaces, then backticks).
      const longest = Math.max(2, ...(r.diff.match(/^ {0,3}`{3,}/gm) ?? []).map((f) => f.trim().length));
      const fence = '`'.repeat(longest + 1);
      out.push('<details><summary>Diff</summary>', '', `${fence}diff`, r.diff.replace(/\n$/, ''), fence, '', '</details>', '');
    }
  }
  if (meta.version || meta.command)
    out.push(
      '---',
      '',
      `<sub>dockerfile-migrate${meta.version ? ` ${meta.version}` : ''}${meta.command ? `: ${codeSpan(meta.command)}` : ''}</sub>`,
      '',
    );
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The transforms table of docs/transforms.md: what each transform does, why, and every reason it holds back. */
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

/**
 * The README's short transforms table: each transform's one-line summary (what `--list-transforms`
 * prints) and how many reasons it holds back or warns with, linked to the full table at `details`.
 */
export function transformsSummaryTable(transforms: readonly Transform[], details: string): string {
  const rows = transforms.map((t) => {
    const n = Object.keys(t.docs.holdsBack).length;
    return `| \`${t.id}\` | ${cell(t.summary)} | [${n} ${n === 1 ? 'reason' : 'reasons'}](${details}) |`;
  });
  return ['| id | what it does | holds back or warns |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
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
