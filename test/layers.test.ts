/**
 * The layering docs/architecture.md describes, checked on the import graph: a module may import
 * its own layer and the layers below it, never a layer above, and never a sibling group of its own
 * rank (run/ and report/ stand side by side). Type-only and dynamic imports count too: they are
 * part of the structure a reader has to follow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Lowest first. Groups of the same rank may not import each other. */
export const LAYERS: readonly { rank: number; group: string; match: (file: string) => boolean }[] = [
  { rank: 0, group: 'dockerfile', match: (f) => f.startsWith('src/dockerfile/') },
  { rank: 1, group: 'engine', match: (f) => f.startsWith('src/engine/') },
  { rank: 2, group: 'model/project', match: (f) => f.startsWith('src/model/project/') },
  { rank: 3, group: 'model/commands', match: (f) => f.startsWith('src/model/commands/') },
  { rank: 4, group: 'model/image', match: (f) => f.startsWith('src/model/image/') },
  { rank: 5, group: 'transforms', match: (f) => f.startsWith('transforms/') },
  { rank: 6, group: 'migrate', match: (f) => f === 'src/migrate.ts' },
  { rank: 7, group: 'run', match: (f) => f.startsWith('src/run/') },
  { rank: 7, group: 'report', match: (f) => f.startsWith('src/report/') },
  { rank: 8, group: 'library', match: (f) => f === 'src/index.ts' || f === 'src/many.ts' },
  { rank: 9, group: 'cli', match: (f) => f.startsWith('src/cli/') },
];

function layerOf(file: string) {
  return LAYERS.find((l) => l.match(file)) ?? null;
}

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) out.push(rel);
    }
  };
  walk('src');
  walk('transforms');
  return out.sort();
}

/** Every relative module a file imports (static, type-only, dynamic, re-exports), as a repository path. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  // Comments may quote an import (`import x from './setup.js'` in a doc comment): they are not code.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of code.matchAll(re)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])).replace(/\.js$/, '.ts');
    out.push(target);
  }
  return out;
}

describe('layers', () => {
  const files = sources();

  it('every module belongs to a layer', () => {
    expect(files.filter((f) => !layerOf(f))).toEqual([]);
  });

  it('no module imports a layer above its own, or a sibling group', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const from = layerOf(f)!;
      for (const target of importsOf(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))) {
        const to = layerOf(target);
        if (!to) {
          wrong.push(`${f} imports ${target}, which is in no layer`);
          continue;
        }
        if (to.rank > from.rank || (to.rank === from.rank && to.group !== from.group))
          wrong.push(`${f} (${from.group}) imports ${target} (${to.group})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the check sees a violation', () => {
    // The import parser itself: a higher layer named with a type-only and a dynamic import.
    const text = "import type { X } from '../../transforms/index.js';\nconst m = await import('../run/batch.js');";
    expect(importsOf('src/engine/engine.ts', text)).toEqual(['transforms/index.ts', 'src/run/batch.ts']);
  });
});
