/**
 * One grammar for npm, yarn, pnpm and bun command lines: which subcommand a call runs (aliases and
 * npm's accepted typos resolved once), which script or binary it starts, which packages of a
 * workspace it targets, and the lifecycle scripts an install runs. Every model that reads a
 * package-manager call asks this module; none parses the words itself.
 */

export type Manager = 'npm' | 'yarn' | 'pnpm' | 'bun';

export type Verb =
  | 'install' // installs what the manifests and the lockfile say (no package named)
  | 'ci' // npm ci and its aliases
  | 'add' // installs named packages
  | 'remove'
  | 'update'
  | 'prune'
  | 'rebuild'
  | 'dedupe'
  | 'link'
  | 'run' // a script (run, run-script, and `yarn <script>`)
  | 'test'
  | 'start'
  | 'exec' // exec, x, dlx: runs a binary
  | 'binary' // `yarn <name>`, `pnpm <name>`, `bun <name>` that names no script of the package: its binary
  | 'config'
  | 'cache'
  | 'deploy' // pnpm deploy
  | 'focus' // yarn workspaces focus
  | 'foreach' // yarn workspaces foreach
  | 'pack'
  | 'other';

/** A package of the workspace a call runs in: by pnpm/bun filter, by folder, by npm workspace, by yarn workspace name. */
export interface Target {
  by: 'filter' | 'dir' | 'workspace' | 'name';
  value: string;
}

export interface PmCall {
  manager: Manager;
  /** Index in the words of the subcommand, or -1 when there is none (`yarn`, `yarn --frozen-lockfile`). */
  subIndex: number;
  /** The subcommand as written ('' when there is none). */
  sub: string;
  verb: Verb;
  /** The script a run, test, start (or `yarn <name>`) names; null for other verbs. */
  script: string | null;
  /**
   * `yarn <name>`, `pnpm <name>`, `bun <name>`: the script of that name when the package has one, else
   * the binary `command` (`yarn vite build`).
   */
  implicit: boolean;
  /** What exec/dlx/x (or an implicit call that is a binary) runs: the binary and its arguments. */
  command: string[] | null;
  targets: Target[];
  /** Runs in every workspace package (pnpm -r, npm --workspaces, yarn workspaces foreach -A). */
  recursive: boolean;
  global: boolean;
  ignoreScripts: boolean;
  /** Words after the subcommand that are not flags or flag values (package names for add, the script name for run). */
  operands: string[];
  /** The script's own arguments: what follows its name (npm: after `--`). */
  rest: string[];
}

const MANAGERS: Readonly<Record<string, Manager>> = { npm: 'npm', yarn: 'yarn', pnpm: 'pnpm', bun: 'bun' };

/** Flags that take the next word as their value (when no `=` gives it), by manager. */
// prettier-ignore
const VALUED: Readonly<Record<Manager, ReadonlySet<string>>> = {
  npm: new Set([
    '--prefix', '-C', '--workspace', '-w', '--cache', '--registry', '--loglevel', '--userconfig', '--globalconfig',
    '--omit', '--include', '--only', '--tag', '--otp', '--scope', '--install-strategy', '--script-shell', '--cwd', '--dir', '--filter',
  ]),
  yarn: new Set([
    '--cwd', '--modules-folder', '--cache-folder', '--network-timeout', '--mutex', '--registry', '--global-folder',
    '--link-folder', '--prefix', '--loglevel', '--cache', '--dir', '--filter',
  ]),
  pnpm: new Set([
    '-C', '--dir', '--filter', '-F', '--filter-prod', '--workspace-concurrency', '--reporter', '--loglevel', '--store-dir',
    '--virtual-store-dir', '--modules-dir', '--registry', '--cache-dir', '--cache', '--prefix', '--cwd', '--userconfig',
    '--network-concurrency', '--child-concurrency',
  ]),
  bun: new Set(['--cwd', '--filter', '-F', '--backend', '--cache-dir', '--registry', '--config', '-c', '--prefix', '--dir']),
};

/** Values the run-like flags of a manager take; used after the subcommand too. */
const RUN_VALUED: Readonly<Record<Manager, ReadonlySet<string>>> = {
  npm: new Set(['--workspace', '-w', '--prefix', '--loglevel', '--registry', '--cache', '--userconfig', '--script-shell']),
  yarn: new Set(['--cwd']),
  pnpm: new Set(['--filter', '-F', '-C', '--dir', '--reporter', '--loglevel', '--workspace-concurrency']),
  bun: new Set(['--filter', '-F', '--cwd']),
};

// prettier-ignore
const NPM_VERBS: Readonly<Record<string, Verb>> = {
  ...verbs('install', 'install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add'),
  ...verbs('ci', 'ci', 'clean-install', 'install-clean', 'ic', 'isntall-clean'),
  ...verbs('run', 'run', 'run-script', 'rum', 'urn'),
  ...verbs('test', 'test', 't', 'tst'),
  ...verbs('start', 'start', 'stop', 'restart'),
  ...verbs('exec', 'exec', 'x'),
  ...verbs('prune', 'prune'),
  ...verbs('rebuild', 'rebuild', 'rb'),
  ...verbs('dedupe', 'dedupe', 'ddp'),
  ...verbs('remove', 'uninstall', 'unlink', 'remove', 'rm', 'r', 'un'),
  ...verbs('update', 'update', 'up', 'upgrade', 'udpate'),
  ...verbs('link', 'link', 'ln'),
  ...verbs('cache', 'cache'),
  ...verbs('config', 'config', 'c', 'set', 'get'),
  ...verbs('pack', 'pack'),
};

// prettier-ignore
const YARN_VERBS: Readonly<Record<string, Verb>> = {
  ...verbs('install', 'install'),
  ...verbs('add', 'add'),
  ...verbs('remove', 'remove'),
  ...verbs('update', 'upgrade', 'up', 'upgrade-interactive'),
  ...verbs('run', 'run'),
  ...verbs('exec', 'exec', 'dlx'),
  ...verbs('cache', 'cache'),
  ...verbs('config', 'config', 'set', 'policies', 'plugin'),
  ...verbs('rebuild', 'rebuild'),
  ...verbs('dedupe', 'dedupe'),
  ...verbs('link', 'link', 'unlink'),
  ...verbs('pack', 'pack'),
};

/** yarn's own commands: `yarn <name>` with one of these never runs a script or a binary. */
// prettier-ignore
const YARN_BUILTINS = new Set([
  'add', 'audit', 'autoclean', 'bin', 'cache', 'check', 'config', 'constraints', 'create', 'dedupe', 'dlx', 'exec',
  'explain', 'generate-lock-entry', 'global', 'help', 'import', 'info', 'init', 'install', 'licenses', 'link', 'list',
  'login', 'logout', 'node', 'npm', 'outdated', 'owner', 'pack', 'patch', 'patch-commit', 'plugin', 'policies',
  'publish', 'rebuild', 'remove', 'set', 'tag', 'team', 'unlink', 'unplug', 'up', 'upgrade', 'upgrade-interactive',
  'version', 'versions', 'why', 'workspace', 'workspaces',
]);

// prettier-ignore
const PNPM_VERBS: Readonly<Record<string, Verb>> = {
  ...verbs('install', 'install', 'i'),
  ...verbs('add', 'add'),
  ...verbs('remove', 'remove', 'rm', 'uninstall', 'un'),
  ...verbs('update', 'update', 'up', 'upgrade'),
  ...verbs('prune', 'prune'),
  ...verbs('run', 'run', 'run-script'),
  ...verbs('test', 'test', 't'),
  ...verbs('start', 'start'),
  ...verbs('exec', 'exec', 'dlx'),
  ...verbs('deploy', 'deploy'),
  ...verbs('rebuild', 'rebuild', 'rb'),
  ...verbs('dedupe', 'dedupe'),
  ...verbs('link', 'link', 'ln', 'unlink'),
  ...verbs('cache', 'store', 'cache', 'fetch'),
  ...verbs('config', 'config', 'setup', 'set', 'get'),
  ...verbs('pack', 'pack'),
};

// prettier-ignore
const PNPM_BUILTINS = new Set([
  ...Object.keys(PNPM_VERBS), 'audit', 'licenses', 'list', 'ls', 'outdated', 'why', 'publish', 'root', 'bin', 'env',
  'init', 'import', 'patch', 'patch-commit', 'server', 'doctor', 'self-update', 'create',
]);

// prettier-ignore
const BUN_VERBS: Readonly<Record<string, Verb>> = {
  ...verbs('install', 'install', 'i'),
  ...verbs('add', 'add', 'a'),
  ...verbs('remove', 'remove', 'rm'),
  ...verbs('update', 'update'),
  ...verbs('run', 'run'),
  ...verbs('exec', 'x'),
  ...verbs('link', 'link', 'unlink'),
  ...verbs('cache', 'pm'),
};

// prettier-ignore
const BUN_BUILTINS = new Set([...Object.keys(BUN_VERBS), 'test', 'build', 'init', 'create', 'upgrade', 'outdated', 'publish', 'patch', 'why', 'repl', 'exec']);

function verbs(verb: Verb, ...names: string[]): Record<string, Verb> {
  return Object.fromEntries(names.map((n) => [n, verb]));
}

/** A flag split at its `=`: `--filter=api` -> `--filter`, `api`. */
export function splitOption(word: string): { name: string; value: string | null } {
  const eq = word.indexOf('=');
  return word.startsWith('-') && eq > 0 ? { name: word.slice(0, eq), value: word.slice(eq + 1) } : { name: word, value: null };
}

/** The package manager a binary name is (`/usr/local/bin/pnpm` too), or null. */
export function managerOf(bin: string | undefined): Manager | null {
  return bin === undefined ? null : (MANAGERS[bin.replace(/^.*\//, '')] ?? null);
}

/**
 * Read a package-manager call, or null when `words[0]` is not npm, yarn, pnpm or bun.
 * `words` are the command's words after environment assignments and wrappers.
 */
export function pmCall(words: readonly string[]): PmCall | null {
  const manager = managerOf(words[0]);
  if (!manager) return null;
  const call: PmCall = {
    manager,
    subIndex: -1,
    sub: '',
    verb: 'other',
    script: null,
    implicit: false,
    command: null,
    targets: [],
    recursive: false,
    global: false,
    ignoreScripts: false,
    operands: [],
    rest: [],
  };
  // The options before the subcommand, and the subcommand.
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') break;
    if (!w.startsWith('-') || w === '-') break;
    i = option(call, words, i, VALUED[manager]);
  }
  if (i >= words.length || words[i] === '--') {
    // `yarn`, `yarn --frozen-lockfile`: yarn's default command is install.
    if (manager === 'yarn') call.verb = 'install';
    return call;
  }
  call.subIndex = i;
  call.sub = words[i];
  const after = words.slice(i + 1);
  switch (manager) {
    case 'npm':
      return npm(call, words, i);
    case 'yarn':
      return yarn(call, words, i, after);
    case 'pnpm':
      return pnpm(call, words, i);
    case 'bun':
      return bun(call, words, i);
  }
}

/** Read the option at `i` into the call; returns the index of its last word. */
function option(call: PmCall, words: readonly string[], i: number, valued: ReadonlySet<string>): number {
  const { name, value: inline } = splitOption(words[i]);
  const takesValue = inline === null && valued.has(name) && !(call.manager === 'pnpm' && name === '-w');
  const value = inline ?? (takesValue ? (words[i + 1] ?? '') : null);
  const next = takesValue ? i + 1 : i;
  switch (name) {
    case '--filter':
    case '-F':
    case '--filter-prod':
      if (value !== null && (call.manager === 'pnpm' || call.manager === 'bun')) call.targets.push({ by: 'filter', value });
      break;
    case '-C':
    case '--dir':
    case '--prefix':
    case '--cwd':
      if (value !== null && !(call.manager === 'pnpm' && name === '--prefix'))
        call.targets.push({ by: 'dir', value: value.replace(/^\.\//, '').replace(/\/+$/, '') || '.' });
      break;
    case '--workspace':
    case '-w':
      if (call.manager === 'npm' && value !== null) call.targets.push({ by: 'workspace', value });
      break;
    case '-r':
    case '--recursive':
      if (call.manager === 'pnpm') call.recursive = true;
      break;
    case '--workspaces':
    case '-ws':
      if (call.manager === 'npm' && value !== 'false') call.recursive = true;
      break;
    case '-g':
    case '--global':
      call.global = true;
      break;
    case '--location':
      if (value === 'global') call.global = true;
      break;
    case '--ignore-scripts':
      if (value !== 'false') call.ignoreScripts = true;
      break;
  }
  return next;
}

/** The operands after the subcommand (flags and their values read into the call), up to `--`. */
function operands(call: PmCall, words: readonly string[], from: number, valued: ReadonlySet<string>): number {
  let i = from;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') return i;
    if (w.startsWith('-') && w !== '-') {
      i = option(call, words, i, valued);
      continue;
    }
    call.operands.push(w);
  }
  return i;
}

function npm(call: PmCall, words: readonly string[], i: number): PmCall {
  const verb = NPM_VERBS[call.sub] ?? 'other';
  call.verb = verb;
  if (verb === 'run' || verb === 'test' || verb === 'start') {
    // npm run <script> [-- args]: flags before `--` are npm's own.
    let j = i + 1;
    if (verb === 'run') {
      for (; j < words.length; j++) {
        const w = words[j];
        if (w === '--') break;
        if (w.startsWith('-') && w !== '-') {
          j = option(call, words, j, RUN_VALUED.npm);
          continue;
        }
        break;
      }
      call.script = words[j] !== undefined && words[j] !== '--' ? words[j] : null;
      if (call.script !== null) j++;
    } else call.script = call.sub === 't' || call.sub === 'tst' ? 'test' : call.sub;
    const tail: string[] = [];
    for (; j < words.length; j++) {
      const w = words[j];
      if (w === '--') {
        tail.push(...words.slice(j + 1));
        break;
      }
      if (w.startsWith('-') && w !== '-') {
        j = option(call, words, j, RUN_VALUED.npm);
        continue;
      }
      tail.push(w);
    }
    call.rest = tail;
    if (call.script !== null) call.operands = [call.script, ...tail];
    return call;
  }
  if (verb === 'exec') {
    const end = execArgs(call, words, i + 1, /^(-p|--package|-c|--call|-w|--workspace)$/);
    return end;
  }
  operands(call, words, i + 1, VALUED.npm);
  if (verb === 'install' && call.operands.length) call.verb = 'add';
  return call;
}

/** exec/dlx/x: the options, then the binary and its arguments (`--call "cmd"` runs a shell command). */
function execArgs(call: PmCall, words: readonly string[], from: number, valued: RegExp): PmCall {
  for (let j = from; j < words.length; j++) {
    const w = words[j];
    if (w === '--') {
      call.command = words.slice(j + 1);
      break;
    }
    if (w.startsWith('-') && w !== '-') {
      const { name, value } = splitOption(w);
      if ((name === '-c' || name === '--call') && call.manager === 'npm') {
        const text = value ?? words[j + 1];
        if (text !== undefined) call.command = ['sh', '-c', text];
        break;
      }
      if (value === null && valued.test(name)) j++;
      else if (call.manager !== 'npm') j = option(call, words, j, VALUED[call.manager]);
      continue;
    }
    call.command = words.slice(j);
    break;
  }
  call.operands = call.command ? [...call.command] : [];
  return call;
}

function yarn(call: PmCall, words: readonly string[], i: number, after: readonly string[]): PmCall {
  const sub = call.sub;
  if (sub === 'workspace') {
    // yarn workspace <name> <command...>: the command runs in that workspace.
    const name = after[0];
    if (name === undefined) return call;
    const inner = pmCall(['yarn', ...after.slice(1)]);
    if (!inner) return call;
    // The inner call's words start after the workspace's name.
    const subIndex = inner.subIndex < 0 ? -1 : inner.subIndex + i + 1;
    return { ...inner, subIndex, targets: [{ by: 'name', value: name }, ...inner.targets] };
  }
  if (sub === 'workspaces') {
    const what = after.find((w) => !w.startsWith('-'));
    if (what === 'focus') {
      call.verb = 'focus';
      operands(call, words, i + 2, VALUED.yarn);
      return call;
    }
    if (what === 'foreach') {
      call.verb = 'foreach';
      const at = words.indexOf('foreach', i);
      // yarn workspaces foreach [-A|--all] [flags] run <script> / <command>
      let j = at + 1;
      for (; j < words.length && words[j].startsWith('-'); j++) {
        if (/^(-A|--all|-R|--recursive|-W|--worktree)$/.test(words[j])) call.recursive = true;
        if (/^(--include|--exclude|--from|-j|--jobs)$/.test(words[j])) j++;
      }
      const inner = pmCall(['yarn', ...words.slice(j)]);
      if (inner) {
        call.script = inner.script;
        call.command = inner.command;
        call.rest = inner.rest;
        call.implicit = inner.implicit;
      }
      return call;
    }
    return call;
  }
  if (sub === 'global') {
    call.global = true;
    call.verb = after[0] === 'add' ? 'add' : 'other';
    operands(call, words, i + 2, VALUED.yarn);
    return call;
  }
  // `yarn node server.js`: node, with yarn's environment (Plug'n'Play's loader).
  if (sub === 'node') {
    call.verb = 'exec';
    call.command = words.slice(i);
    call.operands = [...call.command];
    return call;
  }
  const verb = YARN_VERBS[sub];
  if (verb === 'run') {
    let j = i + 1;
    for (; j < words.length && words[j].startsWith('-') && words[j] !== '--'; j++) j = option(call, words, j, RUN_VALUED.yarn);
    if (words[j] === '--') j++;
    call.verb = 'run';
    call.script = words[j] ?? null;
    call.rest = words.slice(j + 1);
    call.operands = call.script === null ? [] : [call.script, ...call.rest];
    // `yarn run vite build`: a binary when the package has no such script (the walker decides).
    call.implicit = call.script !== null;
    call.command = call.script === null ? null : words.slice(j);
    return call;
  }
  if (verb === 'exec') {
    call.verb = 'exec';
    return execArgs(call, words, i + 1, /^(-p|--package)$/);
  }
  // yarn <script> or yarn <binary>; `yarn test`, `yarn start` are scripts too.
  return ownCommand(call, words, i, verb, YARN_BUILTINS);
}

function pnpm(call: PmCall, words: readonly string[], i: number): PmCall {
  const verb = PNPM_VERBS[call.sub];
  if (verb === 'run' || verb === 'test' || verb === 'start') {
    let j = i + 1;
    if (verb === 'run') {
      for (; j < words.length && words[j].startsWith('-') && words[j] !== '--'; j++) j = option(call, words, j, RUN_VALUED.pnpm);
      if (words[j] === '--') j++;
      call.script = words[j] ?? null;
      if (call.script !== null) j++;
    } else call.script = call.sub === 't' ? 'test' : call.sub;
    call.verb = verb;
    // pnpm passes every word after the script's name on to the script.
    call.rest = words.slice(j).filter((w, k) => !(k === 0 && w === '--'));
    call.operands = call.script === null ? [] : [call.script, ...call.rest];
    return call;
  }
  if (verb === 'exec') {
    call.verb = 'exec';
    return execArgs(call, words, i + 1, /^(--package|-c|--shell-mode)$/);
  }
  return ownCommand(call, words, i, verb, PNPM_BUILTINS);
}

function bun(call: PmCall, words: readonly string[], i: number): PmCall {
  // `bun server.ts`, `bun ./dist/index.js`: bun runs the file itself.
  if (/\.[cm]?[jt]sx?$/.test(call.sub) || call.sub.includes('/')) {
    call.verb = 'binary';
    call.command = ['bun', ...words.slice(i)];
    return call;
  }
  const verb = BUN_VERBS[call.sub];
  if (verb === 'run') {
    let j = i + 1;
    for (; j < words.length && words[j].startsWith('-') && words[j] !== '--'; j++) j = option(call, words, j, RUN_VALUED.bun);
    if (words[j] === '--') j++;
    call.verb = 'run';
    call.script = words[j] ?? null;
    call.rest = words.slice(j + 1);
    call.operands = call.script === null ? [] : [call.script, ...call.rest];
    // `bun run file.ts` runs a file, `bun run vite build` a binary, when no script has that name.
    call.implicit = call.script !== null;
    const file = call.script !== null && (/\.[cm]?[jt]sx?$/.test(call.script) || call.script.includes('/'));
    call.command = call.script === null ? null : file ? ['bun', ...words.slice(j)] : words.slice(j);
    return call;
  }
  if (verb === 'exec') {
    call.verb = 'exec';
    return execArgs(call, words, i + 1, /^(-p|--package)$/);
  }
  if (call.sub === 'test') {
    // bun's own test runner, not the test script.
    call.verb = 'other';
    operands(call, words, i + 1, VALUED.bun);
    return call;
  }
  return ownCommand(call, words, i, verb, BUN_BUILTINS);
}

/**
 * A subcommand of the manager's own (`pnpm add x`, `bun install`): its operands; a built-in command
 * that runs no script (`pnpm why`); anything else names a script or a binary (`pnpm build`).
 */
function ownCommand(
  call: PmCall,
  words: readonly string[],
  i: number,
  verb: Verb | undefined,
  builtins: ReadonlySet<string>,
): PmCall {
  if (verb) call.verb = verb;
  if (verb || builtins.has(call.sub)) {
    operands(call, words, i + 1, VALUED[call.manager]);
    if (verb === 'install' && call.operands.length) call.verb = 'add';
    return call;
  }
  return implicitRun(call, words, i);
}

/** `yarn <name>`, `pnpm <name>`, `bun <name>`: the script of that name, else a binary (bun: a file too). */
function implicitRun(call: PmCall, words: readonly string[], i: number): PmCall {
  call.verb = 'run';
  call.script = call.sub;
  call.implicit = true;
  call.rest = words.slice(i + 1);
  call.operands = [call.script, ...call.rest];
  call.command = words.slice(i);
  return call;
}

/**
 * The lifecycle scripts of the project itself that an install runs, in the order the manager runs
 * them: npm (7+) runs preinstall, install, postinstall, prepublish, preprepare, prepare, postprepare;
 * yarn 1 preinstall, install, postinstall, prepublish, prepare; yarn 2+ preinstall, install,
 * postinstall; pnpm and bun preinstall, install, postinstall, prepare. Other verbs run none.
 */
export function lifecycleScripts(manager: Manager, verb: Verb, berry = false): readonly string[] {
  if (verb !== 'install' && verb !== 'ci') return [];
  switch (manager) {
    case 'npm':
      return ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
    case 'yarn':
      return berry ? ['preinstall', 'install', 'postinstall'] : ['preinstall', 'install', 'postinstall', 'prepublish', 'prepare'];
    case 'pnpm':
    case 'bun':
      return ['preinstall', 'install', 'postinstall', 'prepare'];
  }
}
