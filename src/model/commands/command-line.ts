/**
 * The small readers every command model shares: a shell text as simple commands, an option's value,
 * the wrappers a command runs through (env, exec, tini, cross-env, dotenv-cli, npx, dockerize, ...),
 * redirections, and npm-run-all's script patterns. One table of wrappers: a new one is one row.
 */
import { tokenizeShell } from '../../dockerfile/shell.js';

/** A shell text (a package script, `sh -c` text, an entrypoint script) as its simple commands' words. */
export function shellWords(text: string): string[][] {
  return tokenizeShell(text, 0, text.length).map((c) => c.words.map((w) => w.value));
}

/** `NAME=value`: an environment assignment. */
export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The value of the first of `names` in `words` (from index 1): `--out-dir x`, `--out-dir=x`, `-o x`.
 * A short option takes its value only as the next word.
 */
export function optionValue(words: readonly string[], names: readonly string[]): string | null {
  for (let i = 1; i < words.length; i++)
    for (const n of names) {
      if (words[i] === n) return words[i + 1] ?? null;
      if (n.startsWith('--') && words[i].startsWith(n + '=')) return words[i].slice(n.length + 1);
    }
  return null;
}

/** Every value of `names` in `words`: `-e a -e b`, `--env-file=a`. */
export function optionValues(words: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++)
    for (const n of names) {
      if (words[i] === n && words[i + 1]) out.push(words[i + 1]);
      else if (words[i].startsWith(n + '=')) out.push(words[i].slice(n.length + 1));
    }
  return out;
}

/**
 * A wrapper: a program that runs the command that follows its own options. `transparent` wrappers
 * are not part of what the command needs (a shell builtin, a system tool); the others are programs
 * of their own (cross-env, dotenv-cli: packages the command needs at run time).
 */
interface WrapperRule {
  /** The binary names it goes by (without a path). */
  names: readonly string[];
  transparent?: boolean;
  /** Options that take the next word as their value. */
  valued?: RegExp;
  /** NAME=value words before the command set its environment (env, cross-env). */
  assignments?: boolean;
  /** The command runs only after `--` (wait-for-it host:port -- cmd). */
  afterDashes?: boolean;
  /** The rest is one shell command line (cross-env-shell). */
  shell?: boolean;
  /** A subcommand comes first (`dotenvx run -- cmd`). */
  sub?: string;
  /** The npm package whose binary it is. */
  pkg?: string;
}

// prettier-ignore
const WRAPPERS: readonly WrapperRule[] = [
  { names: ['env'], transparent: true, valued: /^(-u|--unset|-C|--chdir|-S|--split-string)$/, assignments: true },
  { names: ['sudo'], transparent: true, valued: /^(-u|-g|-C|-D|-h|-p|-r|-t|-U|-T)$/ },
  { names: ['exec'], transparent: true, valued: /^-a$/ },
  { names: ['nice'], transparent: true, valued: /^(-n|--adjustment)$/ },
  { names: ['nohup', 'time'], transparent: true },
  { names: ['tini', 'dumb-init'], transparent: true, valued: /^(-s|-p|-e|-r|--rewrite)$/ },
  { names: ['cross-env'], assignments: true, pkg: 'cross-env' },
  { names: ['cross-env-shell'], assignments: true, shell: true, pkg: 'cross-env' },
  { names: ['dotenv'], valued: /^(-e|-v|-c|-p|-f|--env-file)$/, pkg: 'dotenv-cli' },
  { names: ['env-cmd'], valued: /^(-f|--file|-e|--environments|-r|--rc-file)$/, pkg: 'env-cmd' },
  { names: ['dotenvx'], sub: 'run', valued: /^(-f|--env-file|-e|--env|-fk|--env-keys-file|--convention)$/, afterDashes: true, pkg: '@dotenvx/dotenvx' },
  {
    names: ['dockerize'],
    valued: /^--?(wait|timeout|template|stdout|stderr|wait-retry-interval|wait-http-header|delims)$/,
  },
  { names: ['wait-for-it', 'wait-for-it.sh', 'wait-for', 'wait-for.sh'], afterDashes: true },
  { names: ['npx', 'pnpx', 'bunx'], valued: /^(-p|--package|-c|--call)$/ },
];

const BY_NAME = new Map<string, WrapperRule>(WRAPPERS.flatMap((r) => r.names.map((n) => [n, r] as const)));

/** One wrapper a command went through, with its own words (its options, without the command it runs). */
export interface Wrapper {
  name: string;
  words: string[];
  /** The npm package whose binary it is, when it is one. */
  pkg?: string;
  /** Packages it was told to install (`npx -p tsx`). */
  packages?: string[];
  /** A program of its own, not part of the shell (cross-env, dotenv-cli, npx, dockerize). */
  program: boolean;
}

export interface Unwrapped {
  /** The command the wrappers run (empty when none). */
  words: string[];
  /** NAME=value assignments before the command and those env/cross-env set. */
  env: Record<string, string>;
  /** The wrappers, outermost first. */
  wrappers: Wrapper[];
  /** A wrapper that runs a shell command line (`cross-env-shell "..."`, `npx -c "..."`): its text. */
  shell: string | null;
}

/** The wrapper rule for a binary, or null. */
export function wrapperRule(bin: string): WrapperRule | null {
  return BY_NAME.get(bin.replace(/^.*\//, '')) ?? null;
}

/**
 * Take one wrapper (or the environment assignments before a command) off `words`: the command it
 * runs, the assignments it makes, and the wrapper itself. Null when `words` start with neither.
 */
export function unwrapOne(words: readonly string[], transparentOnly = false): Unwrapped | null {
  const out: Unwrapped = { words: [], env: {}, wrappers: [], shell: null };
  let w = words.filter((x) => x !== '');
  let i = 0;
  while (i < w.length && ASSIGNMENT.test(w[i])) {
    const eq = w[i].indexOf('=');
    out.env[w[i].slice(0, eq)] = w[i].slice(eq + 1);
    i++;
  }
  if (i > 0) {
    out.words = w.slice(i);
    return out;
  }
  if (!w.length) return null;
  const bin = w[0].replace(/^.*\//, '');
  const rule = BY_NAME.get(bin);
  if (!rule || (transparentOnly && !rule.transparent)) return null;
  i = 1;
  if (rule.sub) {
    if (w[1] !== rule.sub) return null; // `dotenvx get`: not a wrapper call
    i = 2;
  }
  const npx = /^(npx|pnpx|bunx)$/.test(bin);
  const packages: string[] = [];
  const dashes = w.indexOf('--', i);
  for (; i < w.length; i++) {
    const a = w[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      const takes = eq < 0 && rule.valued?.test(name) === true;
      const value = eq > 0 ? a.slice(eq + 1) : takes ? w[i + 1] : undefined;
      if ((name === '-p' || name === '--package') && value && npx) packages.push(value);
      if ((name === '-c' || name === '--call') && value !== undefined && npx) out.shell = value;
      // dotenv-cli's `-c [environment]` takes a value only when one follows.
      if (takes && !(bin === 'dotenv' && name === '-c' && (w[i + 1] === undefined || w[i + 1].startsWith('-')))) i++;
      continue;
    }
    if (rule.assignments && ASSIGNMENT.test(a)) {
      const eq = a.indexOf('=');
      out.env[a.slice(0, eq)] = a.slice(eq + 1);
      continue;
    }
    if (rule.afterDashes && dashes >= 0) continue; // wait-for-it host:port -- cmd
    break;
  }
  let inner = rule.afterDashes && dashes < 0 ? [] : w.slice(i);
  const own = w.slice(0, w.length - inner.length);
  out.wrappers.push({
    name: bin,
    words: own,
    program: !rule.transparent,
    ...(rule.pkg ? { pkg: rule.pkg } : {}),
    ...(packages.length ? { packages } : {}),
  });
  if (rule.shell) {
    out.shell = inner.join(' ');
    inner = [];
  }
  if (out.shell !== null) inner = [];
  // npx tsx@4 server.ts: the binary without its version.
  if (npx && inner.length) inner = [inner[0].replace(/(.)@[^/]*$/, '$1'), ...inner.slice(1)];
  out.words = inner;
  return out;
}

/**
 * The command that environment assignments and wrappers run, with what they set and the wrappers,
 * outermost first. Only the transparent wrappers (env, exec, tini, ...) are taken off when
 * `transparentOnly` is set: the others stay part of the command.
 */
export function unwrap(words: readonly string[], transparentOnly = false): Unwrapped {
  const out: Unwrapped = { words: words.filter((x) => x !== ''), env: {}, wrappers: [], shell: null };
  for (let guard = 0; guard < 64; guard++) {
    const one = unwrapOne(out.words, transparentOnly);
    if (!one) break;
    Object.assign(out.env, one.env);
    out.wrappers.push(...one.wrappers);
    out.words = one.words;
    if (one.shell !== null) {
      out.shell = one.shell;
      break;
    }
  }
  return out;
}

/** A redirection word (`>`, `2>&1`, `>>log`, `<`), and the target it names. */
export interface Redirects {
  words: string[];
  /** Files written (`> out.txt`, `>>log`); `2>` and `&N` targets are not files the command makes. */
  targets: string[];
}

/** The words of a simple command without its redirections, and the files those write. */
export function redirects(w: readonly string[]): Redirects {
  const out: string[] = [];
  const targets: string[] = [];
  for (let i = 0; i < w.length; i++) {
    const m = /^(\d?)(>>?)(.*)$/.exec(w[i]);
    // A word with blanks (`">= 17"`, quoted) or `>=` is an argument, not a redirection.
    if (m && m[1] !== '2' && !/\s/.test(w[i]) && !m[3].startsWith('=')) {
      const t = m[3] || w[++i];
      if (t && !t.startsWith('&')) targets.push(t);
      continue;
    }
    if (/^\d?>>?&?\d*$/.test(w[i]) || /^2>/.test(w[i])) {
      if (/^2>>?$/.test(w[i])) i++;
      continue;
    }
    if (w[i].startsWith('<')) {
      if (w[i] === '<') i++;
      continue;
    }
    out.push(w[i]);
  }
  return { words: out, targets };
}

/** Shell keywords that open or continue a compound command as the tokenizer splits it (`if [ -d x ]`, `then cp ...`). */
const COMPOUND = /^(if|then|else|elif|do|while|until|!)$/;

/** A simple command without the compound-command keywords before it; null for a bare `fi` or `done`. */
export function withoutKeywords(w: readonly string[]): string[] | null {
  let i = 0;
  while (i < w.length && COMPOUND.test(w[i])) i++;
  const rest = w.slice(i);
  if (rest.length === 1 && /^(fi|done|esac)$/.test(rest[0])) return null;
  return rest;
}

/**
 * npm-run-all's script pattern (also run-s, run-p, concurrently's `npm:` names): `*` matches within
 * one `:`-separated part of a name, `**` across parts, `?` one character other than `:`.
 */
export function scriptPattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^:]*';
    else if (c === '?') re += '[^:]';
    else re += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The script names `pattern` matches, in package.json order (a name without wildcards: itself, when it exists). */
export function matchScripts(scripts: Readonly<Record<string, string>>, pattern: string): string[] {
  const names = Object.keys(scripts);
  if (!/[*?]/.test(pattern)) return names.includes(pattern) ? [pattern] : [];
  const re = scriptPattern(pattern);
  return names.filter((s) => re.test(s));
}
