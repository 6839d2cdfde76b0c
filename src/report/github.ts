/**
 * `--format github`: GitHub Actions workflow commands, which the runner turns into annotations on
 * the Dockerfiles: a notice per change, a warning per warning, an error per file that failed.
 */
import type { FileReport, Mode } from './report.js';
import { originalLine, parsePatch } from './patch.js';

/** A command's message: %, CR and LF escaped, as the Actions toolkit does. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value: also `:` and `,`, which separate properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: 'notice' | 'warning' | 'error', props: Record<string, string | number | undefined>, message: string) {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${p ? ` ${p}` : ''}::${escapeData(message)}\n`;
}

/**
 * The workflow commands for one file. Lines point into the file as it is on disk after the run:
 * the migrated Dockerfile with --write, the original otherwise (the reported line of the migrated
 * Dockerfile is carried back through the patch).
 */
export function githubAnnotations(r: FileReport, mode: Mode): string {
  if (r.status === 'error') {
    const lines = [command('error', { file: r.path, title: `dockerfile-migrate/${r.code ?? 'error'}` }, r.reason ?? 'error')];
    for (const w of r.warnings) lines.push(command('warning', { file: r.path, title: `${w.transform}/${w.code}` }, w.message));
    return lines.join('');
  }
  const patch = mode === 'write' ? undefined : parsePatch(r.diff).find((p) => p.path === r.path);
  const line = (n: number | undefined) => (n === undefined ? undefined : patch ? originalLine(patch, n) : n);
  let out = '';
  for (const c of r.changes)
    out += command('notice', { file: r.path, line: line(c.line), title: `${c.transform}/${c.code}` }, c.message);
  for (const w of r.warnings)
    out += command('warning', { file: r.path, line: line(w.line), title: `${w.transform}/${w.code}` }, w.message);
  return out;
}
