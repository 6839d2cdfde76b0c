/**
 * tsconfig files: a config and the local files it `extends`, which tsc and nest build from and
 * ts-node, tsx and tsconfig-paths read at run time.
 */
import { normalizePosix } from '../../dockerfile/parse.js';
import { parseJsonc, type ProjectFacts } from './facts.js';

/** How many files of an `extends` chain are read. */
const MAX_FILES = 5;

export interface TsconfigJson {
  extends?: unknown;
  compilerOptions?: { outDir?: unknown; outFile?: unknown; noEmit?: unknown };
}

export interface TsconfigFile {
  /** Path in the build context. */
  path: string;
  /** Its content; absent when it cannot be read or parsed, or lies beyond the files read. */
  config?: TsconfigJson;
}

/**
 * A tsconfig file and the local files it `extends` (a path or, since TypeScript 5.0, a list of
 * paths, starting with `.`; shared configs from packages are not followed), breadth first, each
 * once. The walk stops at a file that cannot be read.
 */
export function tsconfigChain(facts: ProjectFacts, file = 'tsconfig.json'): TsconfigFile[] {
  const chain: TsconfigFile[] = [{ path: file }];
  for (let i = 0; i < chain.length && i < MAX_FILES; i++) {
    const text = facts.read(chain[i].path);
    if (text === null) break;
    let parsed: unknown;
    try {
      parsed = parseJsonc(text);
    } catch {
      break;
    }
    // `null` parses, but configures nothing and extends nothing.
    const config = (parsed ?? {}) as TsconfigJson;
    chain[i].config = config;
    if (parsed === null || parsed === undefined) break;
    const dir = dirOf(chain[i].path);
    for (const e of Array.isArray(config.extends) ? config.extends : [config.extends]) {
      if (typeof e !== 'string' || !e.startsWith('.')) continue;
      const p = normalizePosix(`/${dir}${e.endsWith('.json') ? e : e + '.json'}`).slice(1);
      if (!chain.some((f) => f.path === p)) chain.push({ path: p });
    }
  }
  return chain;
}

/**
 * compilerOptions.outDir (or outFile) of a tsconfig file, following a local `extends`, relative to
 * the context; and whether a file of the chain up to it sets noEmit.
 */
export function tsconfigOutDir(facts: ProjectFacts, file: string): { outDir: string | null; noEmit: boolean } {
  let noEmit = false;
  for (const { path, config } of tsconfigChain(facts, file)) {
    if (!config) break;
    const own = config.compilerOptions ?? {};
    const local = (p: string) => normalizePosix(`/${dirOf(path)}${p}`).slice(1);
    if (typeof own.outDir === 'string') return { outDir: local(own.outDir), noEmit: noEmit || own.noEmit === true };
    if (typeof own.outFile === 'string') return { outDir: local(own.outFile), noEmit };
    noEmit ||= own.noEmit === true;
    // With a list of parents, which one sets outDir is not followed here.
    if (typeof config.extends !== 'string' || !config.extends.startsWith('.')) break;
  }
  return { outDir: null, noEmit };
}

/** The folder of a context path, with its trailing slash ('' at the top). */
function dirOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
}
