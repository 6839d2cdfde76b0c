/**
 * The one reader of tsconfig files: a config and the local files it `extends` (one path, or since
 * TypeScript 5.0 a list), which tsc and nest build from and ts-node, tsx and tsconfig-paths read at
 * run time. Compiler options are resolved as tsc resolves them: the bases first, in order, each one
 * overriding the one before, then the file's own options; a path is relative to the file that sets it.
 * Shared configs from packages (`@tsconfig/node20`) live in node_modules, outside the build context:
 * they are not followed.
 */
import { normalizePosix } from '../../dockerfile/parse.js';

/** What the reader needs of a build context. */
export interface TextSource {
  read(rel: string): string | null;
}

/** How many files of an `extends` chain are read. */
const MAX_FILES = 8;

export interface TsconfigJson {
  extends?: unknown;
  compilerOptions?: { outDir?: unknown; outFile?: unknown; rootDir?: unknown; noEmit?: unknown };
}

export interface TsconfigFile {
  /** Path in the build context. */
  path: string;
  /** Its content; absent when it cannot be read or parsed, or lies beyond the files read. */
  config?: TsconfigJson;
}

/** Parse JSON with comments and trailing commas (tsconfig, nest-cli.json). */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  let inStr = false;
  while (i < text.length) {
    const c = text[i];
    if (inStr) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '"') inStr = false;
      i++;
      continue;
    }
    if (c === '"') {
      inStr = true;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? text.length : e + 2;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** A tsconfig file read and parsed, or why not (null: it is not there). */
function readConfig(src: TextSource, path: string): { config: TsconfigJson } | { problem: string } | null {
  const text = src.read(path);
  if (text === null) return null;
  try {
    const parsed = parseJsonc(text);
    // `null` parses, but configures nothing and extends nothing.
    return { config: (parsed && typeof parsed === 'object' ? parsed : {}) as TsconfigJson };
  } catch (e) {
    return { problem: (e as Error).message.split('\n')[0] };
  }
}

/** The local files a config extends, as context paths, in order. */
function bases(path: string, config: TsconfigJson): string[] {
  const out: string[] = [];
  for (const e of Array.isArray(config.extends) ? config.extends : [config.extends]) {
    if (typeof e !== 'string' || !e.startsWith('.')) continue;
    out.push(normalizePosix(`/${dirOf(path)}${e.endsWith('.json') ? e : e + '.json'}`).slice(1));
  }
  return out;
}

/**
 * A tsconfig file and the local files it `extends`, breadth first, each once: the files tools read
 * with it. The walk stops at a file that cannot be read.
 */
export function tsconfigChain(src: TextSource, file = 'tsconfig.json'): TsconfigFile[] {
  const chain: TsconfigFile[] = [{ path: file }];
  for (let i = 0; i < chain.length && i < MAX_FILES; i++) {
    const r = readConfig(src, chain[i].path);
    if (r === null || 'problem' in r) break;
    chain[i].config = r.config;
    for (const p of bases(chain[i].path, r.config)) if (!chain.some((f) => f.path === p)) chain.push({ path: p });
  }
  return chain;
}

/** The compiler options the models use, resolved through `extends`; paths relative to the context. */
export interface TsOptions {
  outDir: string | null;
  outFile: string | null;
  rootDir: string | null;
  noEmit: boolean;
  /** Why the config itself cannot be read (it does not parse), or null. */
  problem: string | null;
}

/** Normalise a directory option: no `./`, no trailing `/`, null for the context root or nothing. */
function cleanDir(p: string): string | null {
  const n = p.replace(/^\.\//, '').replace(/\/+$/, '');
  return n === '' || n === '.' ? null : n;
}

/** The compiler options of `file` as tsc resolves them. */
export function tsconfigOptions(src: TextSource, file = 'tsconfig.json'): TsOptions {
  /** Options as set so far: null where no file of the chain sets one. */
  type Set_ = { outDir: string | null; outFile: string | null; rootDir: string | null; noEmit: boolean | null };
  const none: Set_ = { outDir: null, outFile: null, rootDir: null, noEmit: null };
  let read = 0;
  let problem: string | null = null;
  const resolve = (path: string, seen: ReadonlySet<string>): Set_ => {
    if (seen.has(path) || ++read > MAX_FILES) return none;
    const r = readConfig(src, path);
    if (r === null) return none;
    if ('problem' in r) {
      if (path === file) problem = r.problem;
      return none;
    }
    const next = new Set(seen).add(path);
    let opts: Set_ = { ...none };
    for (const base of bases(path, r.config)) {
      const b = resolve(base, next);
      opts = {
        outDir: b.outDir ?? opts.outDir,
        outFile: b.outFile ?? opts.outFile,
        rootDir: b.rootDir ?? opts.rootDir,
        noEmit: b.noEmit ?? opts.noEmit,
      };
    }
    const own = r.config.compilerOptions ?? {};
    const local = (p: string) => normalizePosix(`/${dirOf(path)}${p}`).slice(1);
    if (typeof own.outDir === 'string') opts.outDir = cleanDir(local(own.outDir));
    if (typeof own.outFile === 'string') opts.outFile = local(own.outFile);
    if (typeof own.rootDir === 'string') opts.rootDir = cleanDir(local(own.rootDir));
    if (typeof own.noEmit === 'boolean') opts.noEmit = own.noEmit;
    return opts;
  };
  const o = resolve(file, new Set());
  return { ...o, noEmit: o.noEmit ?? false, problem };
}

/** compilerOptions.outDir (or outFile) of a tsconfig file, through `extends`, and whether it sets noEmit. */
export function tsconfigOutDir(src: TextSource, file: string): { outDir: string | null; noEmit: boolean } {
  const o = tsconfigOptions(src, file);
  return { outDir: o.outDir ?? o.outFile, noEmit: o.noEmit };
}

/** The folder of a context path, with its trailing slash ('' at the top). */
function dirOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
}
