/**
 * node's own command-line flags (those before the file it runs): which take the next word as their
 * value, which load modules or read files, and which make a start something else than running a
 * file in production (the inspector, a watcher, code given on the command line).
 *
 * node takes a flag's value either after `=` or as the next word (`-r dotenv/config`,
 * `--require=dotenv/config`); V8's flags (`--max-old-space-size=512`) only after `=`: given as
 * `--max-old-space-size 512`, node would run a file named 512.
 */

/** node's flags that take the next word as their value when no `=` gives it. */
const VALUE_FLAGS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--env-file',
  '--env-file-if-exists',
  '-C',
  '--conditions',
  '--title',
  '--unhandled-rejections',
  '--dns-result-order',
  '--max-http-header-size',
  '--disable-warning',
  '--redirect-warnings',
  '--openssl-config',
  '--tls-cipher-list',
  '--tls-keylog',
  '--icu-data-dir',
  '--use-largepages',
  '--secure-heap',
  '--secure-heap-min',
  '--report-dir',
  '--report-directory',
  '--report-filename',
  '--report-signal',
  '--diagnostic-dir',
  '--heapsnapshot-signal',
  '--heapsnapshot-near-heap-limit',
  '--trace-event-categories',
  '--trace-event-file-pattern',
  '--experimental-default-type',
  '--experimental-policy',
  '--policy-integrity',
  '--input-type',
  '--inspect-port',
  '--debug-port',
  '--watch-path',
  '--localstorage-file',
  '--cpu-prof-dir',
  '--cpu-prof-name',
  '--heap-prof-dir',
  '--heap-prof-name',
  '-e',
  '--eval',
  '-p',
  '--print',
]);

/** node's flags that take no value: given alone, they leave the next word to the file. */
const BOOLEAN_FLAGS = new Set([
  '--enable-source-maps',
  '--trace-warnings',
  '--trace-deprecation',
  '--trace-uncaught',
  '--trace-exit',
  '--trace-sigint',
  '--throw-deprecation',
  '--pending-deprecation',
  '--abort-on-uncaught-exception',
  '--preserve-symlinks',
  '--preserve-symlinks-main',
  '--expose-gc',
  '--expose_gc',
  '--openssl-legacy-provider',
  '--openssl-shared-config',
  '--use-openssl-ca',
  '--use-bundled-ca',
  '--report-uncaught-exception',
  '--report-on-fatalerror',
  '--report-on-signal',
  '--report-compact',
  '--tls-min-v1.0',
  '--tls-min-v1.1',
  '--tls-min-v1.2',
  '--tls-min-v1.3',
  '--tls-max-v1.2',
  '--tls-max-v1.3',
  '--frozen-intrinsics',
  '--disallow-code-generation-from-strings',
  '--insecure-http-parser',
  '--force-fips',
  '--enable-fips',
  '--zero-fill-buffers',
  '--experimental-vm-modules',
  '--experimental-json-modules',
  '--experimental-wasm-modules',
  '--experimental-import-meta-resolve',
  '--experimental-require-module',
  '--experimental-detect-module',
  '--experimental-global-webcrypto',
  '--experimental-global-customevent',
  '--experimental-fetch',
  '--experimental-websocket',
  '--experimental-sqlite',
  '--experimental-strip-types',
  '--experimental-transform-types',
]);

/** Flags that load a module before the app (a preload, an ESM loader hook). */
export const MODULE_FLAGS = /^(-r|--require|--import|--loader|--experimental-loader)$/;
/** Flags that read an env file at start-up. */
export const ENV_FILE_FLAGS = /^(--env-file|--env-file-if-exists)$/;

/** Does node read the next word as the value of `flag` (a word that starts with `-` and has no `=`)? */
export function nodeFlagTakesValue(flag: string): boolean {
  return VALUE_FLAGS.has(flag);
}

/** Flags that make a start something else than running a file in production, with why. */
const NOT_A_PRODUCTION_RUN: [RegExp, string][] = [
  [/^--(inspect|inspect-brk|inspect-wait|debug|debug-brk|inspect-port|debug-port|inspect-publish-uid)$/, 'opens the debugger'],
  [/^--(watch|watch-path|watch-preserve-output|watch-kill-signal)$/, 'restarts the app on file changes (a development run)'],
  [/^(-e|--eval|-p|--print|-i|--interactive)$/, 'runs code given on the command line, not a file'],
  [/^(-c|--check|--test|--test-.*|--run|-v|--version|-h|--help|--v8-options)$/, 'does not start the app'],
];

/** A node flag, split: `--require=x` -> { name: '--require', value: 'x' }. */
export function splitFlag(word: string): { name: string; value: string | null } {
  const eq = word.indexOf('=');
  return word.startsWith('--') && eq > 0 ? { name: word.slice(0, eq), value: word.slice(eq + 1) } : { name: word, value: null };
}

/** Why a node flag makes the start other than a production run of a file, or null. */
export function notAProductionRun(name: string): string | null {
  for (const [re, why] of NOT_A_PRODUCTION_RUN) if (re.test(name)) return why;
  return null;
}

/** Is `name` a flag whose form is known, so that the words after it can be told apart (value or file)? */
export function knownNodeFlag(name: string, hasValue: boolean): boolean {
  if (hasValue) return name.startsWith('--');
  return VALUE_FLAGS.has(name) || BOOLEAN_FLAGS.has(name) || /^--no-[a-z]/.test(name);
}
