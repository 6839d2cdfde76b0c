/**
 * The packages an app's code imports at run time: the module graph from the entry file, followed
 * through relative imports (require, import, export ... from, dynamic import), never through tests
 * or type-only imports. A built entry (dist/main.js) is followed from its TypeScript source.
 */
import { builtinModules } from 'node:module';
import { normalizePosix } from '../../dockerfile/parse.js';
import type { Project } from './project.js';

const MAX_FILES = 800;
const EXTENSIONS = ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx', '.jsx', '/index.js', '/index.ts', '/index.mjs'];
const BUILTIN = new Set(builtinModules);

/** Module specifiers a file imports at run time (type-only imports left out). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(/\brequire\s*\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  for (const m of code.matchAll(/^\s*(import|export)\s+(?!type\b)([^;'"]*?\bfrom\s*)?["']([^"']+)["']/gm)) {
    if (m[1] === 'export' && !m[2]) continue;
    out.push(m[3]);
  }
  return out;
}

function packageName(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('#')) return null;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTIN.has(name) ? null : name;
}

/** The context file an import or an entry names, trying Node's and TypeScript's extensions. */
function resolveFile(project: Project, base: string): string | null {
  const exists = (p: string) => project.hasFile(p);
  const stem = base.replace(/\.(c|m)?js$/, '');
  for (const ext of EXTENSIONS) {
    if (exists(base + ext)) return base + ext;
    if (stem !== base && ext && exists(stem + ext)) return stem + ext;
  }
  return null;
}

/** A built entry's source: dist/main.js -> src/main.ts, by tsconfig's outDir and rootDir. */
function sourceOf(project: Project, entry: string): string | null {
  const facts = project.facts;
  const out = facts.tsOutDir;
  if (!out || !entry.startsWith(`${out}/`)) return null;
  const rest = entry.slice(out.length + 1);
  const roots = facts.tsRootDir !== null ? [facts.tsRootDir] : ['src', ''];
  for (const root of roots) {
    const hit = resolveFile(project, root ? `${root}/${rest}` : rest);
    if (hit) return hit;
  }
  return null;
}

/** The context file the module graph of an entry starts from (the entry, or a built entry's TypeScript source), or null. */
export function entrySource(project: Project, entry: string): string | null {
  const rel = normalizePosix(`/${entry}`).slice(1);
  return resolveFile(project, rel) ?? sourceOf(project, rel);
}

/** Packages the app imports from its entry on: package name -> the first file that imports it. */
export function importedPackages(project: Project, entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const start = entrySource(project, entry);
  if (!start) return found;
  const queue = [start];
  const seen = new Set(queue);
  while (queue.length && seen.size <= MAX_FILES) {
    const file = queue.shift()!;
    const text = project.read(file);
    if (!text) continue;
    for (const spec of specifiers(text)) {
      const pkg = packageName(spec);
      if (pkg) {
        if (!found.has(pkg)) found.set(pkg, file);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      const next = resolveFile(project, normalizePosix(`/${dir}/${spec}`).slice(1));
      if (next && !seen.has(next) && !/(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]sx?$/.test(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return found;
}
