#!/usr/bin/env node
/**
 * The dockerfile-migrate command. The only module that reads argv, prints, writes files or
 * sets the exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const EXIT_OK = 0;
const EXIT_CHANGES = 1;
const EXIT_ERROR = 2;

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x ?? '').split(','))
    .map((x) => x.trim())
    .filter(Boolean);

interface OptionSpec {
  type: 'boolean' | 'string';
  describe: string;
  alias?: string;
  choices?: string[];
}

/** Every option, once: the fast parser and the full yargs parser both read this table. */
const OPTIONS: Record<string, OptionSpec> = {
  'dry-run': {
    type: 'boolean',
    describe: 'print a unified diff (git apply accepts it); write nothing (the default; not with --write or --check)',
  },
  write: { type: 'boolean', describe: 'apply the changes in place (atomic writes, file mode kept)' },
  check: { type: 'boolean', describe: 'print the diff and exit 1 if anything would change' },
  json: { type: 'boolean', describe: 'print one JSON document: per file path, status, changes, warnings, diff; and a summary' },
  markdown: { type: 'boolean', describe: 'print a markdown report (for pull request bodies)' },
  context: { type: 'string', describe: "build context directory (default: each Dockerfile's directory)" },
  transforms: { type: 'string', describe: 'comma-separated transform ids to run (default: all)' },
  skip: { type: 'string', describe: 'comma-separated transform ids to leave out' },
  'runtime-base': {
    type: 'string',
    describe: "the runtime stage's base: slim (default), alpine, distroless, full (leave it), or an image name",
  },
  'list-transforms': {
    type: 'boolean',
    describe: 'list the transforms with their summaries and exit (with --verbose: what, why and every reason code)',
  },
  verbose: { type: 'boolean', describe: "with --list-transforms: each transform's documentation and codes" },
  'print-config': {
    type: 'string',
    describe: 'print the configuration a Dockerfile would be migrated with (configuration file and flags), as JSON, and exit',
  },
  color: { type: 'boolean', describe: 'colour the diff (default: on a terminal, unless NO_COLOR is set)' },
  quiet: { type: 'boolean', alias: 'q', describe: 'print no explanations on stderr, only errors' },
  verify: {
    type: 'boolean',
    describe:
      'build the original and the migrated image (from temporary copies), compare sizes, run the smoke test; removes what it creates',
  },
  engine: {
    type: 'string',
    choices: ['docker', 'podman'],
    describe: 'container engine for --verify (default: docker if `docker info` works, else podman)',
  },
  'verify-cmd': {
    type: 'string',
    describe: 'with --verify: a command run inside each image (entrypoint cleared), e.g. "node healthcheck.js"',
  },
  'verify-url': {
    type: 'string',
    describe: 'with --verify: a path fetched from each running container on the port it EXPOSEs, e.g. /health',
  },
};
const CONFLICTS: [string, string][] = [
  ['write', 'check'],
  ['dry-run', 'write'],
  ['dry-run', 'check'],
  ['json', 'markdown'],
];
const IMPLIES: Record<string, string> = { engine: 'verify', 'verify-cmd': 'verify', 'verify-url': 'verify' };

type Args = { _: (string | number)[]; [key: string]: unknown } & Partial<{
  'dry-run': boolean;
  write: boolean;
  check: boolean;
  json: boolean;
  markdown: boolean;
  context: string;
  transforms: string;
  skip: string;
  'runtime-base'?: string;
  'list-transforms': boolean;
  verbose: boolean;
  'print-config': string;
  color: boolean;
  quiet: boolean;
  verify: boolean;
  engine: 'docker' | 'podman';
  'verify-cmd': string;
  'verify-url': string;
  help: boolean;
  version: boolean;
}>;

/**
 * The common case (known options, no --help/--version, no usage error) is parsed by yargs-parser,
 * the parser inside yargs, without loading the rest of yargs: that keeps the command's start-up
 * short. Anything else goes to yargs itself, which prints help, the version or the usage error.
 */
async function fastParse(argv: string[]): Promise<Args | null> {
  const { default: parse } = await import('yargs-parser');
  const booleans = Object.keys(OPTIONS).filter((k) => OPTIONS[k].type === 'boolean');
  const strings = Object.keys(OPTIONS).filter((k) => OPTIONS[k].type === 'string');
  const aliases: Record<string, string[]> = { help: ['h'], version: ['v'] };
  for (const [k, o] of Object.entries(OPTIONS)) if (o.alias) aliases[k] = [o.alias];
  const res = parse.detailed(argv, {
    boolean: [...booleans, 'help', 'version'],
    string: strings,
    alias: aliases,
    configuration: { 'camel-case-expansion': false },
  });
  if (res.error) return null;
  const a = res.argv as Args;
  const known = new Set([
    '_',
    '$0',
    '--',
    'help',
    'version',
    'h',
    'v',
    ...Object.keys(OPTIONS),
    ...Object.values(OPTIONS).flatMap((o) => (o.alias ? [o.alias] : [])),
  ]);
  if (Object.keys(a).some((k) => !known.has(k))) return null;
  if (a.help || a.version) return null;
  for (const [k, o] of Object.entries(OPTIONS)) {
    const v = a[k];
    if (v === undefined) continue;
    if (Array.isArray(v) || (o.type === 'string' && typeof v !== 'string') || (o.choices && !o.choices.includes(String(v))))
      return null;
  }
  if (CONFLICTS.some(([x, y]) => a[x] !== undefined && a[y] !== undefined && a[x] !== false && a[y] !== false)) return null;
  if (Object.entries(IMPLIES).some(([k, need]) => a[k] !== undefined && !a[need])) return null;
  return a;
}

async function fullParse(argv: string[]): Promise<Args | 'exit' | Error> {
  const { default: yargs } = await import('yargs');
  let parser = yargs(argv)
    .scriptName('dockerfile-migrate')
    .usage(
      '$0 [paths..]\n\nMigrate single-stage Node.js Dockerfiles to lean multi-stage builds.\n' +
        'Each path is a Dockerfile, a directory searched for Dockerfile, Dockerfile.*, *.Dockerfile in any letter case, ' +
        'or a quoted glob; searches skip node_modules, .git, .devcontainer and what .gitignore ignores (default: .). ' +
        'Options also come from the nearest .dockerfile-migrate.json, .dockerfile-migraterc[.json|.yaml|.yml] ' +
        'or package.json "dockerfile-migrate" key; flags win.',
    );
  for (const [name, o] of Object.entries(OPTIONS))
    parser = parser.option(name, { type: o.type, describe: o.describe, alias: o.alias, choices: o.choices });
  parser = parser
    .implies(IMPLIES)
    .example('$0 --dry-run', 'show the migration of ./Dockerfile as a diff')
    .example('$0 --write services/', 'migrate every Dockerfile under services/ in place')
    .example('$0 --check .', 'fail CI while a migration is pending')
    .epilog(
      'Exit codes: 0 success, 1 --check found changes, 2 an error (bad path, unreadable or invalid Dockerfile, bad or conflicting options).',
    )
    .strictOptions()
    .help()
    .alias('h', 'help')
    .version(version())
    .alias('v', 'version')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  for (const [x, y] of CONFLICTS) parser = parser.conflicts(x, y);
  try {
    const a = (await parser.parseAsync()) as Args;
    return a.help || a.version ? 'exit' : a;
  } catch (e) {
    return e as Error;
  }
}

async function main(argv: string[]): Promise<number> {
  let args = await fastParse(argv);
  if (!args) {
    const full = await fullParse(argv);
    if (full === 'exit') return EXIT_OK;
    if (full instanceof Error) {
      // yargs says "Arguments write and check are mutually exclusive": name the flags as typed.
      const message = full.message.replace(
        /^Arguments (\S+) and (\S+) are mutually exclusive$/,
        '--$1 and --$2 cannot be used together',
      );
      process.stderr.write(`dockerfile-migrate: ${message}\nRun dockerfile-migrate --help for usage.\n`);
      return EXIT_ERROR;
    }
    args = full;
  }

  // The main thread loads only what it prints and writes with; the transforms are loaded where
  // the files are migrated (here for a small batch, in worker threads for a large one).
  const [report, discovery, writer, batch] = await Promise.all([
    import('./report.js'),
    import('./discover.js'),
    import('./write.js'),
    import('./batch.js'),
  ]);
  const lib = { ...report, ...discovery, ...writer, ...batch };
  if (args['list-transforms']) {
    const { transforms } = await import('../../transforms/index.js');
    if (args.verbose) {
      process.stdout.write(lib.transformsText(transforms));
      return EXIT_OK;
    }
    const width = Math.max(...transforms.map((t) => t.id.length));
    for (const t of transforms) process.stdout.write(`${t.id.padEnd(width)}  ${t.summary}\n`);
    return EXIT_OK;
  }
  // Only the flags given: each one wins over the configuration files.
  const given = {
    ...(args.transforms !== undefined ? { transforms: list(args.transforms) } : {}),
    ...(args.skip !== undefined ? { skip: list(args.skip) } : {}),
    ...(args['runtime-base'] ? { runtimeBase: args['runtime-base'] } : {}),
  };
  if (given.transforms?.length || given.skip?.length) {
    try {
      (await import('../migrate.js')).selectTransforms(given);
    } catch (e) {
      process.stderr.write(`dockerfile-migrate: ${(e as Error).message}\n`);
      return EXIT_ERROR;
    }
  }
  const cwd = process.cwd();
  const { planRun, printedConfig } = await import('./plan.js');
  const { ConfigError } = await import('./config.js');
  const configProblem = (e: unknown) => {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`dockerfile-migrate: ${e.message}\n`);
    return EXIT_ERROR;
  };
  if (args['print-config'] !== undefined) {
    if (!args['print-config']) {
      process.stderr.write('dockerfile-migrate: --print-config needs the path of a Dockerfile\n');
      return EXIT_ERROR;
    }
    try {
      const printed = await printedConfig(args['print-config'], { cwd, given });
      process.stdout.write(JSON.stringify(printed, null, 2) + '\n');
      return EXIT_OK;
    } catch (e) {
      return configProblem(e);
    }
  }
  if (args.context) {
    const st = fs.statSync(path.resolve(cwd, args.context), { throwIfNoEntry: false });
    if (!st?.isDirectory()) {
      process.stderr.write(`dockerfile-migrate: ${args.context}: the --context directory does not exist\n`);
      return EXIT_ERROR;
    }
  }
  const paths = ((args._ as (string | number)[]) ?? []).map(String);
  const mode = args.write ? 'write' : args.check ? 'check' : 'dry-run';
  const noColor = Boolean(process.env.NO_COLOR);
  const color = args.color ?? (Boolean(process.stdout.isTTY) && !noColor);
  const paint = lib.painter(color && !args.json && !args.markdown);
  const errPaint = lib.painter(args.color ?? (Boolean(process.stderr.isTTY) && !noColor));
  const quiet = Boolean(args.quiet);

  // The directories read to find the Dockerfiles are kept for the build contexts (not read twice)
  // unless this run writes (it may add a .dockerignore) or the batch goes to worker threads.
  let found: import('./plan.js').Plan;
  try {
    found = await planRun(paths, {
      cwd,
      given,
      keepListingsUpTo: mode === 'write' || lib.defaultWorkers(1) > 0 ? 0 : lib.PARALLEL_FROM - 1,
    });
  } catch (e) {
    return configProblem(e);
  }
  // Every file's report is kept only for what is printed at the end (--json, --markdown) or
  // verified; otherwise the counts are, and each report goes once it is printed.
  const keepReports = Boolean(args.json || args.markdown || args.verify);
  const reports: import('./report.js').FileReport[] = [];
  const { progressLine, Tally } = await import('./progress.js');
  const tally = new Tally();
  const progress = progressLine(process.stderr, found.early.length + found.files.length, tally, { quiet });
  /** The progress line follows each file, once its output is printed. */
  const progressed =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      f(...a);
      progress?.tick();
    };
  const say = (s: string) => {
    if (!quiet && !args.json) {
      progress?.clear();
      process.stderr.write(s + '\n');
    }
  };
  for (const e of found.early) {
    const report = {
      path: e.path,
      status: e.status,
      reason: e.reason,
      code: e.code,
      changes: [],
      warnings: [],
      diff: '',
      files: [],
    };
    tally.add(e.status, e.code);
    if (keepReports) reports.push(report);
    progress?.tick();
    if (args.json || args.markdown) continue;
    if (e.status === 'error') process.stderr.write(`dockerfile-migrate: ${e.path}: ${e.reason}\n`);
    else say(errPaint.dim(`${e.path}: skipped (${e.code}: ${e.reason})`));
  }

  // --verify: find the engine before anything is written.
  const verifier = args.verify
    ? (await import('./verify.js')).startVerifier({
        engine: args.engine,
        cmd: args['verify-cmd'],
        url: args['verify-url'],
        log: say,
        error: (l) => process.stderr.write(`dockerfile-migrate: ${l}\n`),
        // What --verify created is removed by now: stop here, writing nothing more (128 + signal number).
        onInterrupt: (signal) => process.exit(signal === 'SIGINT' ? 130 : 143),
      })
    : null;
  if (verifier && 'problem' in verifier) {
    process.stderr.write(`dockerfile-migrate: ${verifier.problem}\n`);
    return EXIT_ERROR;
  }

  const listings = found.listings.size && lib.defaultWorkers(found.files.length) === 0 ? found.listings : undefined;
  await lib.migrateFiles(
    found.files,
    {
      cwd,
      context: args.context,
      options: {},
      optionsFor: (i) => found.options[i],
      listings,
      needContent: mode === 'write' || Boolean(args.verify),
    },
    progressed((res, index) => {
      const file = found.files[index];
      verifier?.add(res, { cwd, context: args.context });
      const report: import('./report.js').FileReport = {
        path: res.path,
        status: res.status,
        reason: res.reason,
        ...(res.code ? { code: res.code } : {}),
        changes: res.changes,
        warnings: res.warnings,
        diff: res.diff,
        files: res.files.map((f) => ({ path: f.displayPath, created: f.before === null })),
      };
      if (res.status === 'migrated' && mode === 'write') {
        const problem = lib.writeMigration(
          path.resolve(cwd, file),
          res.output,
          res.files.map((f) => ({ file: path.resolve(cwd, f.displayPath), content: f.content })),
          cwd,
        );
        if (problem) {
          report.status = 'error';
          report.reason = problem.reason;
          report.code = problem.code;
        }
      }
      tally.add(report.status, report.code);
      // Only --json and --markdown need a file's changes and diff once it is printed.
      if (keepReports) reports.push(args.json || args.markdown ? report : { ...report, changes: [], warnings: [], diff: '' });
      if (args.json || args.markdown) return;
      if (report.status === 'error') {
        progress?.clear();
        process.stderr.write(`dockerfile-migrate: ${report.path}: ${report.reason}\n`);
        return;
      }
      if (report.diff && mode !== 'write') {
        progress?.clear();
        process.stdout.write(lib.colorDiff(report.diff, paint));
      }
      if (report.status === 'skipped')
        say(errPaint.dim(`${report.path}: skipped (${report.code ? `${report.code}: ` : ''}${report.reason})`));
      else if (report.status === 'unchanged') say(errPaint.dim(`${report.path}: unchanged`));
      else {
        say(
          errPaint.bold(`${report.path}: ${mode === 'write' ? 'migrated, written' : 'migrated'}`) +
            (report.files.length && mode === 'write' ? ` (and ${report.files.map((f) => f.path).join(', ')})` : ''),
        );
        for (const c of report.changes)
          say(`  ${errPaint.cyan(`${c.transform}/${c.code}`)}${c.line ? ` (line ${c.line})` : ''}: ${c.message}`);
      }
      for (const w of report.warnings)
        say(`  ${errPaint.yellow('warning')} ${w.transform}/${w.code}${w.line ? ` (line ${w.line})` : ''}: ${w.message}`);
    }),
  );
  progress?.end();
  if (verifier) await verifier.run(reports);
  const summary = keepReports ? lib.summarize(reports) : { files: tally.files, ...tally.counts };
  if (args.json) {
    process.stdout.write(JSON.stringify({ version: version(), mode, files: reports, summary }, null, 2) + '\n');
  } else if (args.markdown) {
    process.stdout.write(verifier ? verifier.markdown(lib.markdownReport(reports), reports) : lib.markdownReport(reports));
    for (const r of reports) if (r.status === 'error') process.stderr.write(`dockerfile-migrate: ${r.path}: ${r.reason}\n`);
  } else if (summary.files > 1 || mode !== 'dry-run' || summary.migrated === 0) {
    say(`${summary.migrated} migrated, ${summary.unchanged} unchanged, ${summary.skipped} skipped, ${summary.error} errors`);
    // Over many files: which reasons the skipped and failed ones have, and how often.
    if (summary.files > 1) for (const l of tally.byCode()) say(l);
  }
  if (summary.error || verifier?.failed) return EXIT_ERROR;
  if (mode === 'check' && summary.migrated) return EXIT_CHANGES;
  return EXIT_OK;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`dockerfile-migrate: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = EXIT_ERROR;
  },
);
