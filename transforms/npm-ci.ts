/**
 * npm-ci: installs that follow the lockfile exactly.
 * `npm install` becomes `npm ci` when the lockfile is in the image at that point and in sync with
 * package.json (npm ci refuses a stale one);
 * `--only=production`/`--production` become `--omit=dev` (npm 7+); yarn, pnpm and bun installs
 * get their frozen-lockfile flag. Flags that shaped the lockfile (--legacy-peer-deps) stay.
 */
import type { Instr, ParsedDockerfile, Stage } from '../src/dockerfile/parse.js';
import type { Word } from '../src/dockerfile/shell.js';
import { lineNo } from '../src/dockerfile/query.js';
import { go, NOTHING_TO_DO, stopped, type Step } from '../src/engine/findings.js';
import {
  baseImageInfo,
  classifyRun,
  pnpmReadsLockfile,
  rootImage,
  usableLockfile,
  type ClassifiedCommand,
} from '../src/model/commands/classify.js';
import type { PackageManager, ProjectFacts } from '../src/model/project/facts.js';
import type { ChangeCode, Edit, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform } from '../src/model/image/model.js';

const ID = 'npm-ci';
const PROD_FLAG = /^--(only=prod(uction)?|production(=true)?)$/;

const docs = {
  what: '`npm install` → `npm ci` when an in-sync lockfile is in the image at that point; `--only=production`/`--production` → `--omit=dev`; yarn 1 gets `--frozen-lockfile`, yarn 2+ `--immutable`, pnpm and bun `--frozen-lockfile`; flags that shaped the lockfile stay',
  why: 'the image gets exactly the versions the lockfile pins, and a stale lockfile fails the build instead of drifting',
  changes: {
    'npm-ci': '`npm install` became `npm ci`',
    'omit-dev': '--production/--only=production became --omit=dev',
    'frozen-lockfile': 'a yarn/pnpm/bun install got its frozen-lockfile flag',
  },
  holdsBack: {
    'no-lockfile': 'kept the install: no usable lockfile at that point',
    'old-npm': 'kept the old flag: the image ships npm 6',
    'lockfile-mismatch': 'kept the install: the lockfile belongs to another package manager',
    'pnpm-version-unpinned':
      "left pnpm install without --frozen-lockfile: the pnpm version is unknown or does not read the lockfile's format",
    'lockfile-out-of-sync': 'kept `npm install`: package-lock.json does not match package.json, and npm ci would fail',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const npmCi = defineTransform({
  id: ID,
  summary: 'npm install becomes npm ci (yarn/pnpm/bun: frozen lockfile) and --production becomes --omit=dev',
  docs,
  apply({ doc, facts }) {
    const checked = check(doc);
    if ('stop' in checked) return stopped(checked);
    return emit(doc, plan(doc, facts, checked.go));
  },
});

/** An install by a package manager, with the stage and the RUN it runs in. */
interface Install {
  stage: Stage;
  ins: Instr;
  command: ClassifiedCommand;
  manager: PackageManager;
}

/**
 * One decision about an install, in the order of the Dockerfile, as data: `emit` writes its edit
 * and its change, or its warning. `line` is the RUN's.
 */
type InstallStep = { line: number } &
  /** `npm install` (the subcommand `sub`) becomes `npm ci`. */
  (
    | { kind: 'npm-ci'; sub: Word; lockfile: string }
    /** `npm install` stays: the lockfile is out of sync with package.json. */
    | { kind: 'npm-out-of-sync'; sub: string; lockfile: string; why: string }
    /** `npm install` stays: no package-lock.json or npm-shrinkwrap.json (`lockfile` is the one there, if any). */
    | { kind: 'npm-no-lockfile'; sub: string; lockfile: string | null; why: string }
    /** The production flag at `start`..`end` becomes `--omit=dev`. */
    | { kind: 'omit-dev'; start: number; end: number }
    /** The production flag at `start`..`end` stays: `image` ships npm 6. */
    | { kind: 'old-npm'; start: number; end: number; image: string }
    /** A yarn, pnpm or bun install (`command`) gets `flag` at `at`. */
    | { kind: 'frozen'; at: number; command: string; flag: string; lockfile: string }
    /** A yarn, pnpm or bun install stays without `flag`: no lockfile. */
    | { kind: 'frozen-no-lockfile'; manager: string; flag: string; why: string }
    /** A yarn, pnpm or bun install stays: the lockfile is another manager's. */
    | { kind: 'lockfile-mismatch'; manager: string; lockfile: string }
    /** A pnpm install stays without --frozen-lockfile: its version is unknown, or does not read the lockfile. */
    | { kind: 'pnpm-version-unpinned'; why: string }
  );

/** Are there installs by a package manager? */
function check(doc: ParsedDockerfile): Step<Install[], Held> {
  const installs: Install[] = [];
  for (const stage of doc.stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'RUN') continue;
      for (const c of classifyRun(doc, ins).commands)
        if (c.kind === 'install' && c.manager) installs.push({ stage, ins, command: c, manager: c.manager });
    }
  }
  return installs.length ? go(installs) : NOTHING_TO_DO;
}

/** What each install gets, or why it stays as it is. */
function plan(doc: ParsedDockerfile, facts: ProjectFacts, installs: Install[]): InstallStep[] {
  const steps: InstallStep[] = [];
  for (const { stage, ins, command: c, manager } of installs) {
    const base = baseImageInfo(rootImage(doc, stage));
    const oldNpm = base.nodeMajor !== null && base.nodeMajor < 15;
    const line = lineNo(doc, ins);
    const sub = c.sub !== undefined ? c.words[c.sub] : undefined;
    const lock = usableLockfile(doc, stage, ins, facts);
    if (manager === 'npm') {
      const isCi = sub && ['ci', 'clean-install', 'install-clean', 'ic'].includes(sub.value);
      if (sub && !isCi) {
        const sync = lock.file && lock.file === facts.lockfile ? facts.lockfileSync : null;
        if (lock.file && sync && !sync.inSync)
          steps.push({ kind: 'npm-out-of-sync', line, sub: sub.value, lockfile: lock.file, why: sync.why });
        else if (lock.file && /^(package-lock\.json|npm-shrinkwrap\.json)$/.test(lock.file))
          steps.push({ kind: 'npm-ci', line, sub, lockfile: lock.file });
        else steps.push({ kind: 'npm-no-lockfile', line, sub: sub.value, lockfile: lock.file, why: lock.why });
      }
      for (let i = 0; i < c.words.length; i++) {
        const w = c.words[i];
        const next = c.words[i + 1];
        let end = -1;
        if (PROD_FLAG.test(w.value)) end = w.end;
        else if (w.value === '--only' && next && /^prod(uction)?$/.test(next.value)) end = next.end;
        if (end < 0) continue;
        steps.push(
          oldNpm
            ? { kind: 'old-npm', line, start: w.start, end, image: stage.image }
            : { kind: 'omit-dev', line, start: w.start, end },
        );
      }
      continue;
    }
    const frozen = c.words.some((w) => /^--(frozen-lockfile|immutable|pure-lockfile|frozen-lockfile=true)$/.test(w.value));
    if (frozen) continue;
    const flag = facts.manager === 'yarn-berry' && manager === 'yarn' ? '--immutable' : '--frozen-lockfile';
    if (!lock.file) {
      steps.push({ kind: 'frozen-no-lockfile', line, manager, flag, why: lock.why });
      continue;
    }
    const expected: Record<string, RegExp> = { yarn: /^yarn\.lock$/, pnpm: /^pnpm-lock\.yaml$/, bun: /^bun\.lockb?$/ };
    if (!expected[manager]?.test(lock.file)) {
      steps.push({ kind: 'lockfile-mismatch', line, manager, lockfile: lock.file });
      continue;
    }
    if (manager === 'pnpm') {
      const reads = pnpmReadsLockfile(doc, stage, facts);
      if (!reads.ok) {
        steps.push({ kind: 'pnpm-version-unpinned', line, why: reads.why });
        continue;
      }
    }
    const after = sub ?? c.words[0];
    steps.push({
      kind: 'frozen',
      line,
      at: after.end,
      command: `${manager}${sub ? ' ' + sub.value : ''}`,
      flag,
      lockfile: lock.file,
    });
  }
  return steps;
}

/** Each decision's edit and change, or its warning; null when there are none. */
function emit(doc: ParsedDockerfile, steps: InstallStep[]): TransformResult<Changed, Held> | null {
  const edits: Edit[] = [];
  const changes: Finding<Changed>[] = [];
  const warnings: Finding<Held>[] = [];
  for (const s of steps) {
    const { line } = s;
    switch (s.kind) {
      case 'npm-out-of-sync':
        warnings.push({
          code: 'lockfile-out-of-sync',
          line,
          message: `kept \`npm ${s.sub}\`: npm ci would fail, ${s.lockfile} is out of sync with package.json: ${s.why}`,
        });
        break;
      case 'npm-ci':
        edits.push({ start: s.sub.start, end: s.sub.end, text: 'ci' });
        changes.push({
          code: 'npm-ci',
          line,
          message: `\`npm ${s.sub.value}\` → \`npm ci\`: installs exactly what ${s.lockfile} pins and fails if it is out of date`,
        });
        break;
      case 'npm-no-lockfile':
        warnings.push({
          code: 'no-lockfile',
          line,
          message: `kept \`npm ${s.sub}\`: npm ci needs package-lock.json or npm-shrinkwrap.json, and ${s.lockfile ? `the lockfile is ${s.lockfile}` : s.why}`,
        });
        break;
      case 'old-npm':
        warnings.push({
          code: 'old-npm',
          line,
          message: `kept \`${doc.text.slice(s.start, s.end)}\`: ${s.image} ships npm 6, which does not know --omit=dev`,
        });
        break;
      case 'omit-dev':
        edits.push({ start: s.start, end: s.end, text: '--omit=dev' });
        changes.push({
          code: 'omit-dev',
          line,
          message: `\`${doc.text.slice(s.start, s.end)}\` → \`--omit=dev\`: the deprecated flag's current spelling (npm 7+)`,
        });
        break;
      case 'frozen-no-lockfile':
        warnings.push({
          code: 'no-lockfile',
          line,
          message: `left \`${s.manager} install\` without ${s.flag}: ${s.why}`,
        });
        break;
      case 'lockfile-mismatch':
        warnings.push({
          code: 'lockfile-mismatch',
          line,
          message: `left \`${s.manager} install\` alone: the lockfile in the context is ${s.lockfile}`,
        });
        break;
      case 'pnpm-version-unpinned':
        warnings.push({
          code: 'pnpm-version-unpinned',
          line,
          message: `left \`pnpm install\` without --frozen-lockfile: ${s.why}`,
        });
        break;
      case 'frozen':
        edits.push({ start: s.at, end: s.at, text: ` ${s.flag}` });
        changes.push({
          code: 'frozen-lockfile',
          line,
          message: `\`${s.command}\` gets \`${s.flag}\`: installs exactly what ${s.lockfile} pins and fails if it is out of date`,
        });
        break;
    }
  }
  if (!edits.length && !warnings.length) return null;
  return { edits, changes, warnings };
}
