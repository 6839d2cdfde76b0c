/**
 * dockerignore: keep node_modules, VCS data, secrets, logs, test output and the Dockerfiles
 * out of the build context. Writes .dockerignore when there is none and appends the missing
 * patterns to an existing one (its lines and comments stay as they are). A pattern that
 * would hide a file a COPY/ADD names, or that the build or the app reads (src/model/image/build-reads.ts:
 * test folders, .git, env files), is left out; `.env.*` then gives way to the env files nothing reads.
 */
import { ignoreMatcher } from '../src/model/project/ignore.js';
import { covering, finalWorkdir, globToRegExp, sourceCovers, stageNamed } from '../src/dockerfile/query.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step } from '../src/engine/findings.js';
import { buildOutputDir } from '../src/model/image/app-files.js';
import { classifyRun, copySourcesBefore } from '../src/model/commands/classify.js';
import type { EnvFileUse } from '../src/model/image/build-reads.js';
import type {
  ChangeCode,
  Finding,
  GeneratedFile,
  HoldCode,
  Options,
  TransformDocs,
  TransformResult,
} from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';
import type { ParsedDockerfile } from '../src/dockerfile/parse.js';
import type { ProjectFacts } from '../src/model/project/facts.js';

const ID = 'dockerignore';
const HEADER = '# dockerfile-migrate: keep dependencies, VCS data, secrets, logs and test output out of the build context';

interface Candidate {
  pattern: string;
  /** Only when this top-level entry exists in the context. */
  when?: (has: (name: string) => boolean) => boolean;
}

const CANDIDATES: Candidate[] = [
  { pattern: 'node_modules' },
  { pattern: 'npm-debug.log*' },
  { pattern: 'yarn-debug.log*' },
  { pattern: 'yarn-error.log*' },
  { pattern: '*.log' },
  { pattern: '.git' },
  { pattern: '.env' },
  { pattern: '.env.*' },
  { pattern: 'coverage' },
  { pattern: '.nyc_output' },
  { pattern: 'test', when: (h) => h('test') },
  { pattern: 'tests', when: (h) => h('tests') },
  { pattern: '__tests__', when: (h) => h('__tests__') },
  { pattern: 'Dockerfile*' },
  { pattern: '*.Dockerfile' },
  { pattern: '.dockerignore' },
  { pattern: 'docker-compose*' },
  { pattern: '.vscode' },
  { pattern: '.idea' },
  { pattern: '.DS_Store' },
];

/** What stands in for `.env.*` when something reads one of the files it matches: each of these that matches no read file is added (broadest first). */
const ENV_NARROW = [
  '.env.*.local',
  '.env.local',
  '.env.development',
  '.env.development.local',
  '.env.test',
  '.env.test.local',
  '.env.production',
  '.env.production.local',
];

const list = (files: string[]) => files.map((f) => `\`${f}\``).join(', ');

/** One warning per group of env files kept for the same readers. */
function envWarnings(kept: EnvFileUse[]): Finding<Held>[] {
  const groups = new Map<string, EnvFileUse[]>();
  for (const u of kept) {
    const key = `${u.build.join(', ')}\u0000${u.run.join(', ')}\u0000${u.copiedByBuild ? 'copied' : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  const out: Finding<Held>[] = [];
  for (const us of groups.values()) {
    const { build, run } = us[0];
    const files = us.map((u) => u.file);
    const one = files.length === 1;
    const it = one ? 'it' : 'them';
    const cmds = run.filter((r) => r.startsWith('`'));
    // `node -r dotenv/config` is the dotenv dependency at work: name it once.
    const deps = run.filter((r) => !r.startsWith('`') && !(r === 'dotenv' && cmds.some((c) => c.includes('dotenv/config'))));
    const runWho = [
      ...cmds.map((c) => `${c} reads ${it} when the app runs`),
      ...(us[0].copiedByBuild ? [us[0].copiedByBuild.replace(/\bit\b/g, it)] : []),
      ...(deps.length ? [`the app depends on ${deps.join(', ')} and may read ${it} at run time`] : []),
    ].join('; ');
    if (build.length) {
      out.push({
        code: 'env-read-at-build',
        message:
          `${list(files)} ${one ? 'stays' : 'stay'} in the build context: ${build.join(', ')} ${build.length === 1 ? 'reads' : 'read'} ${it}${runWho ? `, and ${runWho}` : ''}; ` +
          (runWho
            ? `keep secrets out of ${it} (pass build secrets as build secrets, run-time secrets as environment variables)`
            : `${one ? 'it holds' : 'they hold'} build-time settings, not secrets (pass secrets as build secrets)`),
      });
    } else {
      out.push({
        code: 'env-read-at-runtime',
        message: `${one ? files[0] : list(files)} ${one ? 'is' : 'are'} not ignored: ${runWho}; pass ${one ? 'its' : 'their'} settings as environment variables instead of baking them into the image`,
      });
    }
  }
  return out;
}

const docs = {
  what: 'writes `.dockerignore` (or extends the one there, keeping its lines): `node_modules`, logs, `.git`, `.env*`, `coverage`, test folders, Dockerfiles, editor folders, the build output',
  why: 'smaller and faster build contexts, no local secrets or node_modules in the image; never hides what a COPY names, the build reads or the app reads',
  changes: {
    created: 'a new ignore file keeps dependencies, VCS data, secrets, logs and test output out of the build context',
    extended: 'patterns added to the existing ignore file; its lines are kept',
  },
  holdsBack: {
    'ignore-unreadable': 'left the ignore file alone: it cannot be read',
    'env-read-at-runtime': 'env files not ignored: the app reads them when it runs (dotenv, node --env-file, next start, ...)',
    'env-read-at-build':
      'env files not ignored: a build step reads them (vite build, next build, react-scripts build, dotenv -e, ...)',
    'copied-by-dockerfile': 'a pattern not added: the Dockerfile copies what it would hide',
    'env-machine-local':
      "Next.js' `.env.local` / `.env.production.local` stay out of the build context although next build would read them: they hold one machine's settings; pass them as build secrets or build arguments",
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const dockerignoreTransform = defineTransform({
  id: ID,
  summary:
    'write or extend .dockerignore (node_modules, .git, .env*, logs, coverage, tests, Dockerfiles), never hiding a file a COPY needs',
  docs,
  apply({ doc, facts, files, options, model }) {
    const checked = check(facts, files);
    if ('stop' in checked) return stopped(checked);
    return emit(doc, plan(doc, facts, model, options, checked.go));
  },
});

/** The ignore file to write or extend. */
interface IgnoreInputs {
  /** Its path in the build context. */
  target: string;
  /** Its content (as an earlier transform of this run left it), or null when there is none. */
  existing: string | null;
}

/** What the ignore file gets, as data: `emit` writes it. */
interface IgnorePlan extends IgnoreInputs {
  /** Patterns to append, in order. */
  patterns: string[];
  /** Patterns left out, and env files kept, and why. */
  warnings: Finding<Held>[];
}

/** Can the build context and its ignore file be read? */
function check(facts: ProjectFacts, files: ReadonlyMap<string, GeneratedFile>): Step<IgnoreInputs, Held> {
  if (!facts.files) return NOTHING_TO_DO;
  if (facts.dockerignoreProblem) return stop('ignore-unreadable', `left the ignore file alone: ${facts.dockerignoreProblem}`);
  const target = facts.dockerignore?.path ?? '.dockerignore';
  return go({ target, existing: files.get(target)?.content ?? facts.dockerignore?.content ?? null });
}

/**
 * The patterns to add: each candidate the ignore file lacks, unless it would hide what a COPY names,
 * what the build or the app reads, or what the file re-includes; then the build output.
 */
function plan(doc: ParsedDockerfile, facts: ProjectFacts, model: ImageModel, options: Options, inputs: IgnoreInputs): IgnorePlan {
  const existingLines = inputs.existing ? inputs.existing.split(/\r?\n/) : [];
  const matcher = ignoreMatcher(existingLines);
  const existingPatterns = new Set(
    existingLines.map((l) =>
      l
        .trim()
        .replace(/^\/+|\/+$/g, '')
        .replace(/^\*\*\//, ''),
    ),
  );
  const negations = existingLines
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/^\/+/, ''));

  const runWords = doc.instructions.filter((i) => i.keyword === 'RUN').flatMap((i) => classifyRun(doc, i).commands);
  const builtOut = runWords.some((c) => c.kind === 'build' && c.manager)
    ? buildOutputDir(facts, doc.stages.length ? model.entries().paths : [])
    : null;
  const named = namedByDockerfile(doc, facts, builtOut);
  // What the build's commands, the scripts they reach and the app read besides the COPY sources.
  const reads = [...model.buildReads(), ...model.appReads()];
  const runsGit = reads.some((r) => r.reason === 'git');
  // A compose service that runs tests in this image reads the test folders too.
  const runsTests = reads.some((r) => r.reason === 'tests') || model.composeRunsTests(options.dockerfileName ?? 'Dockerfile');
  const envUses = model.envFiles().filter((u) => u.build.length || u.run.length);
  const has = (n: string) => facts.topLevel.has(n);
  const warnings: Finding<Held>[] = [];
  // Env files kept in the context because something reads them, reported together at the end.
  const keptEnv: EnvFileUse[] = [];
  const keepEnv = (u: EnvFileUse) => {
    if (!keptEnv.includes(u)) keptEnv.push(u);
  };

  // Every path a named source brings in, with its parent folders, worked out once.
  const namedPaths = new Set<string>();
  for (const src of named) {
    const covers = covering(src);
    for (const p of [src.replace(/^\.\//, ''), ...(facts.files ?? []).filter(covers)]) {
      for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) namedPaths.add(p.slice(0, i));
      namedPaths.add(p);
    }
  }
  const namedList = [...namedPaths];
  const hiddenBy = (re: RegExp) => {
    for (let i = 0; i < namedList.length; i++) if (re.test(namedList[i])) return namedList[i];
    return null;
  };

  const add: string[] = [];
  /** Add the pattern unless the ignore file already has it, or it would hide what a COPY names. */
  const consider = (pattern: string): void => {
    const re = globToRegExp(pattern);
    if (matcher.ignores(pattern.replace(/\*/g, 'x'))) return;
    if (existingPatterns.has(pattern)) return;
    if (negations.some((n) => re.test(n) || re.test(n.split('/')[0]))) return;
    // Never hide a file that a COPY names.
    const hit = hiddenBy(re);
    const needed = hit
      ? [
          named.find(
            (n) => hit === n.replace(/^\.\//, '') || sourceCovers(n, hit) || hit.startsWith(n.replace(/^\.\//, '') + '/'),
          ) ?? hit,
        ]
      : [];
    if (needed.length && !(pattern.startsWith('.env') && envUses.some((u) => re.test(u.file) && !u.machineLocal))) {
      warnings.push({ code: 'copied-by-dockerfile', message: `\`${pattern}\` not added: the Dockerfile copies ${needed[0]}` });
      return;
    }
    if (pattern.startsWith('.env')) {
      // Never hide an env file the build or the app reads: ignore only the others, by name. (Decided from
      // what reads them, before what the Dockerfile copies: a copy of an env file that exists on this
      // machine must not change the answer.) Machine-local files are ignored by name below.
      const readHere = envUses.filter((u) => re.test(u.file) && !u.machineLocal);
      if (readHere.length) {
        readHere.forEach(keepEnv);
        if (pattern === '.env.*')
          for (const p of ENV_NARROW)
            if (!envUses.some((u) => globToRegExp(p).test(u.file)) && !add.some((a) => globToRegExp(a).test(p))) consider(p);
        return;
      }
    }
    add.push(pattern);
  };
  for (const c of CANDIDATES) {
    if (c.when && !c.when(has)) continue;
    if (c.pattern === '.git' && runsGit) continue;
    if (/^(test|tests|__tests__)$/.test(c.pattern) && runsTests) continue;
    consider(c.pattern);
  }
  warnings.push(...envWarnings(keptEnv));
  // Next.js' machine-local env files: out of the build context, so the image does not depend on where it is built.
  const local = envUses.filter((u) => u.machineLocal);
  if (local.length) {
    const before = add.length;
    for (const u of local) consider(u.file);
    const out = local.filter((u) => add.slice(before).includes(u.file) || matcher.ignores(u.file)).map((u) => u.file);
    if (out.length)
      warnings.push({
        code: 'env-machine-local',
        message: `${list(out)} ${out.length === 1 ? 'is' : 'are'} excluded from the build context: ${local[0].machineLocal!.replace(/\bit\b/g, out.length === 1 ? 'it' : 'them')}; pass ${out.length === 1 ? 'its' : 'their'} values as build secrets or build arguments (run-time values as the container's environment)`,
      });
  }
  // The build output is rebuilt in the image: a local copy only slows the context down or goes stale.
  if (builtOut) {
    const out = builtOut;
    // Whether or not a local build left it there: the result must not depend on the working tree's state.
    if (out && !matcher.ignores(out) && !named.some((s) => sourceCovers(s, out) || sourceCovers(out, s.replace(/^\.\//, ''))))
      add.push(out);
  }
  return { ...inputs, patterns: add, warnings };
}

/**
 * What the Dockerfile names explicitly: the context sources of its copies (ARG/ENV defaults
 * substituted: COPY ${ENV_FILE} ./.env), then what copies from a build stage take that the build
 * stage got from the context (not node_modules, not the build output, which are made there).
 */
function namedByDockerfile(doc: ParsedDockerfile, facts: ProjectFacts, builtOut: string | null): string[] {
  const named: string[] = [];
  const fromBuild: string[] = [];
  for (const stage of doc.stages) {
    const last = stage.instructions[stage.instructions.length - 1];
    if (!last) continue;
    const after = { index: last.index + 1 };
    for (const s of copySourcesBefore(doc, stage, after)) {
      if (!s.fromStage) {
        if (!/^\.?\/?$/.test(s.source)) named.push(s.source);
        continue;
      }
      // COPY --from=build /app/.env: the build stage got it from the context, so it must stay in.
      const src = stageNamed(doc, s.fromStage);
      const wd = src ? finalWorkdir(doc, src) : null;
      const rel = wd && wd !== '/' && s.source.startsWith(wd + '/') ? s.source.slice(wd.length + 1) : null;
      if (rel && !/^node_modules(\/|$)/.test(rel) && facts.topLevel.has(rel.split('/')[0])) fromBuild.push(rel);
    }
  }
  for (const rel of fromBuild) if (!builtOut || !(rel === builtOut || rel.startsWith(builtOut + '/'))) named.push(rel);
  return named;
}

/** The ignore file with the patterns appended under a header; its own lines and line endings stay. */
function emit(doc: ParsedDockerfile, p: IgnorePlan): TransformResult<Changed, Held> | null {
  const { target, existing, patterns, warnings } = p;
  if (!patterns.length) return warnings.length ? { edits: [], changes: [], warnings } : null;
  const eol = existing !== null ? (existing.includes('\r\n') ? '\r\n' : '\n') : doc.eol;
  let content = existing ?? '';
  if (content && !content.endsWith('\n')) content += eol;
  if (content && content.trim() !== '' && !/\n\s*\n$/.test(content)) content += eol;
  content += [HEADER, ...patterns].join(eol) + eol;
  const message =
    existing === null
      ? `new ${target}: ${patterns.join(', ')} stay out of the build context (smaller, faster builds; no local secrets or node_modules in the image)`
      : `${target}: added ${patterns.join(', ')}; its existing lines are kept`;
  return {
    edits: [],
    files: [{ path: target, content, before: existing }],
    changes: [{ code: existing === null ? 'created' : 'extended', message }],
    warnings,
  };
}
