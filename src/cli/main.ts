/**
 * The dockerfile-migrate command (cli.ts starts it). The only module that reads argv, prints,
 * writes files or sets the exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import parse from 'yargs-parser';
import * as reporting from '../report/report.js';
import { ConfigError } from '../run/config.js';
import * as discovery from '../run/discover.js';
import * as batch from '../run/batch.js';
import { planRun, printedConfig, type Plan } from '../run/plan.js';
import * as writer from '../run/write.js';
import { progressLine, Tally } from './progress.js';
import { version } from './version.js';

const EXIT_OK = 0;
const EXIT_CHANGES = 1;
const EXIT_ERROR = 2;

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
  write: {
    type: 'boolean',
    describe:
      'apply the changes in place (atomic writes, file mode kept); with DRY_RUN=true and REPOSITORY set (multi-gitter run --dry-run), print the diff instead and write nothing',
  },
  check: { type: 'boolean', describe: 'print the diff and exit 1 if anything would change' },
  format: {
    type: 'string',
    choices: ['text', 'json', 'markdown', 'sarif', 'github'],
    describe:
      'the report: text (explanations on stderr, the default), json, markdown (a pull request body), sarif (SARIF 2.1.0) or github (Actions annotations), on stdout',
  },
  output: {
    type: 'string',
    describe: 'write the report to this file instead (atomically); the diff still goes to stdout with --dry-run and --check',
  },
  json: { type: 'boolean', describe: 'same as --format json (one JSON document, schema/report.schema.json)' },
  markdown: { type: 'boolean', describe: 'same as --format markdown' },
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

type Format = 'text' | 'json' | 'markdown' | 'sarif' | 'github';

/** --format, or its aliases --json and --markdown (a usage error when they disagree). */
function reportFormat(a: Args): Format | Error {
  const alias = a.json ? 'json' : a.markdown ? 'markdown' : undefined;
  if (a.format && alias && a.format !== alias)
    return new UsageError(`--${alias} and --format ${a.format} cannot be used together`);
  return a.format ?? alias ?? 'text';
}

/** The command line as a shell would take it back, for the markdown report's footer. */
function commandLine(argv: string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['dockerfile-migrate', ...argv].map(quote).join(' ');
}

type Args = { _: (string | number)[]; [key: string]: unknown } & Partial<{
  'dry-run': boolean;
  write: boolean;
  check: boolean;
  json: boolean;
  markdown: boolean;
  format: Format;
  output: string;
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
function fastParse(argv: string[]): Args | null {
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
      'Exit codes: 0 success (also: no path given and no Dockerfile under the current directory), 1 --check found changes, ' +
        '2 an error (bad path, unreadable or invalid Dockerfile, bad or conflicting options).',
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
  let args = fastParse(argv);
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
  const format = reportFormat(args);
  if (format instanceof Error) {
    process.stderr.write(`dockerfile-migrate: ${format.message}\nRun dockerfile-migrate --help for usage.\n`);
    return EXIT_ERROR;
  }

  // The main thread loads only what it prints and writes with (the modules imported above); the
  // transforms are loaded where the files are migrated (here for a small batch, in worker threads
  // for a large one).
  const lib = { ...reporting, ...discovery, ...writer, ...batch };
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
  // multi-gitter runs its script with REPOSITORY set, and DRY_RUN=true under its --dry-run: there
  // --write prints the diff and writes nothing. DRY_RUN alone, or with --check, changes nothing.
  const engineDryRun = Boolean(args.write && process.env.DRY_RUN === 'true' && process.env.REPOSITORY);
  const mode = args.write && !engineDryRun ? 'write' : args.check ? 'check' : 'dry-run';
  // --output: the report goes to this file (resolved against the current directory), written at
  // the end; checked now, before anything is written.
  const outputFile = args.output !== undefined ? path.resolve(cwd, args.output) : null;
  const outputProblem = args.output === '' ? 'needs a file name' : outputFile && lib.outputFileProblem(outputFile);
  if (outputProblem) {
    process.stderr.write(`dockerfile-migrate: --output ${args.output ? `${args.output}: ` : ''}${outputProblem}\n`);
    return EXIT_ERROR;
  }
  // Where each part goes (docs/reports.md): the diff to stdout with --dry-run/--check unless the
  // report takes stdout; the report to --output or stdout (text: stderr); error lines to stderr.
  const diffOut = mode !== 'write' && (format === 'text' || outputFile !== null);
  const noColor = Boolean(process.env.NO_COLOR);
  const color = args.color ?? (Boolean(process.stdout.isTTY) && !noColor);
  const paint = lib.painter(color && diffOut);
  const errPaint = lib.painter(!outputFile && (args.color ?? (Boolean(process.stderr.isTTY) && !noColor)));
  const quiet = Boolean(args.quiet);
  /** The text report: the explanations, on stderr (not with --quiet) or into --output. */
  const textLines: string[] = [];
  /** The progress line of a long run on a terminal (src/cli/progress.ts), cleared before anything else is printed. */
  let progressBar: { tick(): void; clear(): void; end(): void } | null | undefined = null;
  const say = (s: string) => {
    if (format !== 'text') return;
    if (outputFile) textLines.push(s);
    else if (!quiet) {
      progressBar?.clear();
      process.stderr.write(s + '\n');
    }
  };
  /** Progress of --verify: part of the text report, on stderr for the other formats. */
  const progress = (s: string) => {
    if (format === 'text') say(s);
    else if (!quiet) process.stderr.write(s + '\n');
  };
  /** An error line: always on stderr, and in the text report. */
  const fail = (s: string) => {
    progressBar?.clear();
    process.stderr.write(`dockerfile-migrate: ${s}\n`);
    if (format === 'text' && outputFile) textLines.push(`dockerfile-migrate: ${s}`);
  };
  const github = format === 'github' ? await import('../report/github.js') : null;
  let githubLines = '';
  const annotate = (r: reporting.FileReport) => {
    if (!github) return;
    const a = github.githubAnnotations(r, mode);
    if (outputFile) githubLines += a;
    else process.stdout.write(a);
  };
  // Only the whole-run documents need each file's changes and diff after it is printed.
  const keepAll = format === 'json' || format === 'markdown' || format === 'sarif';

  // The directories read to find the Dockerfiles are kept for the build contexts (not read twice)
  // unless this run writes (it may add a .dockerignore) or the batch goes to worker threads.
  let found: Plan;
  try {
    found = await planRun(paths, {
      cwd,
      given,
      keepListingsUpTo: mode === 'write' || lib.defaultWorkers(1) > 0 ? 0 : lib.PARALLEL_FROM - 1,
    });
  } catch (e) {
    return configProblem(e);
  }
  // Run with no path in a directory without any Dockerfile (a batch engine runs the command in
  // every repository, with or without one): nothing to do, which is not an error. A path given
  // on the command line that holds no Dockerfile still is.
  const nothingHere =
    !paths.length && !found.files.length && found.early.length === 1 && found.early[0].reason === lib.NO_DOCKERFILE;
  if (nothingHere) found.early.length = 0;
  if (outputFile && found.files.some((f) => path.resolve(cwd, f) === outputFile)) {
    process.stderr.write(`dockerfile-migrate: --output ${args.output}: is a Dockerfile this run migrates\n`);
    return EXIT_ERROR;
  }
  // Every file's report is kept only for what is printed at the end (json, markdown, sarif) or
  // verified; otherwise the counts are, and each report goes once it is printed.
  const keepReports = keepAll || Boolean(args.verify);
  const reports: reporting.FileReport[] = [];
  const tally = new Tally();
  progressBar = progressLine(process.stderr, found.early.length + found.files.length, tally, { quiet });
  /** The progress line follows each file, once its output is printed. */
  const progressed =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      f(...a);
      progressBar?.tick();
    };
  for (const e of found.early) {
    const r = {
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
    if (keepReports) reports.push(r);
    progressBar?.tick();
    annotate(r);
    if (e.status === 'error') fail(`${e.path}: ${e.reason}`);
    else say(errPaint.dim(`${e.path}: skipped (${e.code}: ${e.reason})`));
  }

  if (nothingHere) say(errPaint.dim('no Dockerfile found under the current directory: nothing to do'));
  if (engineDryRun) say(errPaint.dim('DRY_RUN=true (multi-gitter --dry-run): --write writes nothing, the diff goes to stdout'));
  // --verify: find the engine before anything is written.
  const verifier = args.verify
    ? (await import('./verify.js')).startVerifier({
        engine: args.engine,
        cmd: args['verify-cmd'],
        url: args['verify-url'],
        log: progress,
        error: fail,
        // What --verify created is removed by now: stop here, writing nothing more (128 + signal number).
        onInterrupt: (signal) => process.exit(signal === 'SIGINT' ? 130 : 143),
      })
    : null;
  if (verifier && 'problem' in verifier) {
    process.stderr.write(`dockerfile-migrate: ${verifier.problem}\n`);
    return EXIT_ERROR;
  }

  /** A file this run writes or proposes is the --output file: the report is not written over it. */
  let outputClash: string | null = null;
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
      const report: reporting.FileReport = {
        path: res.path,
        status: res.status,
        reason: res.reason,
        ...(res.code ? { code: res.code } : {}),
        changes: res.changes,
        warnings: res.warnings,
        diff: res.diff,
        files: res.files.map((f) => ({ path: f.displayPath, created: f.before === null })),
      };
      for (const f of res.files) if (path.resolve(cwd, f.displayPath) === outputFile) outputClash = f.displayPath;
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
      if (keepReports) reports.push(keepAll ? report : { ...report, changes: [], warnings: [], diff: '' });
      annotate(report);

      if (report.status === 'error') {
        progressBar?.clear();
        fail(`${report.path}: ${report.reason}`);
        return;
      }
      if (report.diff && diffOut) {
        progressBar?.clear();
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
  progressBar?.end();
  if (verifier) await verifier.run(reports);
  const summary = keepReports ? lib.summarize(reports) : { files: tally.files, ...tally.counts };
  // The version is read (from package.json) only for the documents that print it.
  const meta = () => ({ version: version(), mode }) as const;
  let doc: string | null = null;
  if (format === 'json') doc = lib.jsonReport(reports, meta());
  else if (format === 'markdown') doc = lib.markdownReport(reports, { ...meta(), command: commandLine(argv) });
  else if (format === 'sarif') {
    const [{ sarifReport }, { transforms }, { COMPOSE_CODES }] = await Promise.all([
      import('../report/sarif.js'),
      import('../../transforms/index.js'),
      import('../model/project/compose.js'),
    ]);
    doc = sarifReport(reports, { ...meta(), cwd, transforms, otherCodes: { compose: COMPOSE_CODES } });
  } else if (format === 'github') doc = outputFile ? githubLines : null;
  else {
    if (summary.files > 1 || mode !== 'dry-run' || summary.migrated === 0) {
      say(`${summary.migrated} migrated, ${summary.unchanged} unchanged, ${summary.skipped} skipped, ${summary.error} errors`);
      // Over many files: which reasons the skipped and failed ones have, and how often.
      if (summary.files > 1) for (const l of tally.byCode()) say(l);
    }
    doc = outputFile ? textLines.map((l) => l + '\n').join('') : null;
  }
  let reportFailed = false;
  if (doc !== null && outputFile) {
    if (outputClash) {
      process.stderr.write(
        `dockerfile-migrate: --output ${args.output}: is a file this run ${mode === 'write' ? 'writes' : 'proposes'} (${outputClash}); the report was not written\n`,
      );
      reportFailed = true;
    } else {
      try {
        lib.writeFileAtomic(outputFile, doc);
      } catch (e) {
        process.stderr.write(
          `dockerfile-migrate: --output ${args.output}: could not write the report: ${(e as Error).message}\n`,
        );
        reportFailed = true;
      }
    }
  } else if (doc !== null) process.stdout.write(doc);
  if (summary.error || verifier?.failed || reportFailed) return EXIT_ERROR;
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
