/**
 * cache-order: copy the package manifest and lockfile, install, then copy the sources, so that
 * editing a source file does not invalidate the dependency install layer.
 */
import { copyParts, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import { blockText, flagText, isContextCopy, lineNo, sourceCovers } from '../src/dockerfile/query.js';
import { insertAfter, removeBlock } from '../src/dockerfile/edit.js';
import { classifyRun, copiedBefore, type CommandKind } from '../src/model/commands/classify.js';
import { go, NOTHING_TO_DO, stopped, type Step } from '../src/engine/findings.js';
import type { ChangeCode, Edit, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import { defineTransform } from '../src/model/image/model.js';

const ID = 'cache-order';
const PURE_INSTALL: ReadonlySet<CommandKind> = new Set([
  'install',
  'pm-setup',
  'cleanup',
  'system',
  'prune',
  'global',
  'user',
  'mkdir',
  'link',
]);
const SAFE_BETWEEN: ReadonlySet<CommandKind> = new Set(['pm-setup', 'cleanup', 'system', 'global', 'user', 'link']);

const docs = {
  what: "copies `package.json`, the lockfile (and the install settings the install saw: `.npmrc`, `.yarnrc.yml`, `pnpm-workspace.yaml`, `patches/`), every workspace package's `package.json` at its own path, and installs before `COPY . .`; an install chained with the build in one RUN is split so the sources land between them",
  why: 'a source edit no longer re-runs the dependency install',
  changes: {
    reorder: 'the broad COPY moved after the install, with the manifests copied first',
    'manifest-files': 'the lockfile and install settings copied with package.json',
    'split-install':
      'an install chained with a build (`RUN npm ci && npm run build`) split in two RUNs, the sources copied between them',
  },
  holdsBack: {
    'install-config-unseen':
      'install settings (.npmrc, .yarnrc.yml, pnpm-workspace.yaml, ...) not added to a manifest COPY: the original install never saw them',
    'dest-not-dir': 'files not added to the manifest COPY: its destination is not a directory',
    blocked: 'left the COPY before the install: the install or a step between may need the sources',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const cacheOrder = defineTransform({
  id: ID,
  summary: 'copy package.json and the lockfile and install before copying the sources, so source edits keep the install cached',
  docs,
  apply({ doc, facts }) {
    const checked = check(doc);
    if ('stop' in checked) return stopped(checked);
    return emit(doc, plan(doc, facts, checked.go));
  },
});

/** A stage's first install. */
interface StageInstall {
  stage: Stage;
  install: Instr;
}

/** What the install of one stage gets, as data: `emit` writes the edits and findings. */
type StagePlan =
  /**
   * The manifest is copied on its own (`narrow`) already: `add` (the lockfile, what an earlier copy
   * brought) joins it; `unseen` install settings stay out, with a warning.
   */
  | { kind: 'complete'; install: Instr; narrow: Instr; add: string[]; unseen: string[] }
  /** The broad COPY stays before the install, and why. */
  | { kind: 'blocked'; broad: Instr; why: string }
  /**
   * The broad COPYs (`broads`, `broad` the first) move after the install, or between its install
   * and its other commands (`split`). Without a manifest COPY (`narrow` null) the first broad copy's
   * place gets copies of the `needed` files; with one, it gets `extra` files and the workspace
   * `manifests` are copied after it.
   */
  | {
      kind: 'reorder';
      stage: Stage;
      install: Instr;
      broad: Instr;
      broads: Instr[];
      narrow: Instr | null;
      needed: NeededFiles;
      extra: string[];
      manifests: string[];
      split: SplitPoint | null;
    };

/** What the install reads besides the sources: package.json, the lockfile and settings, each workspace package's manifest. */
interface NeededFiles {
  files: string[];
  dirs: string[];
  manifests: string[];
}

/** Where a `RUN <install> && <build>` is cut in two, and its commands as text. */
interface SplitPoint {
  start: number;
  end: number;
  rest: string;
  all: string;
}

/** Does a COPY bring the context path `rel`? */
const covers = (i: Instr, rel: string) => copyParts(i)?.sources.some((s) => sourceCovers(s, rel)) ?? false;

/** A COPY of the whole context (`.`, `./`, `*`), package.json with the sources. */
const isBroad = (i: Instr) =>
  covers(i, 'package.json') && copyParts(i)!.sources.some((src) => /^\.?\/?$|^\.\/?\*?$|^\*$/.test(src));

/** Does a stage install dependencies? Each stage's first install. */
function check(doc: ParsedDockerfile): Step<StageInstall[], Held> {
  const installs: StageInstall[] = [];
  for (const stage of doc.stages) {
    const install = stage.instructions.find(
      (i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => c.kind === 'install'),
    );
    if (install) installs.push({ stage, install });
  }
  return installs.length ? go(installs) : NOTHING_TO_DO;
}

/** For each stage: complete the manifest COPY, or move the broad COPYs after the install, or say why they stay. */
function plan(doc: ParsedDockerfile, facts: ProjectFacts, installs: StageInstall[]): StagePlan[] {
  const plans: StagePlan[] = [];
  for (const { stage, install } of installs) {
    const before = stage.instructions.filter((i) => i.index < install.index);
    const copies = before.filter(isContextCopy);
    const broads = copies.filter(isBroad);
    const broad = broads[0] ?? null;
    const narrow = copies.find((i) => !isBroad(i) && covers(i, 'package.json')) ?? null;
    const needed = neededFiles(facts);
    const missingFrom = (exclude: Instr[]) =>
      needed.files.filter((f) => !copies.some((c) => !exclude.includes(c) && covers(c, f)));
    if (!broad) {
      // Manifest copied on its own already: make sure the lockfile and install files come with it.
      if (!narrow || !facts.packageJson) continue;
      // Install settings (.npmrc, .yarnrc.yml, pnpm-workspace.yaml, ...) that the original install never
      // saw stay out: a .npmrc that needs ${NPM_TOKEN}, or settings that change which build scripts run,
      // would change or fail the install. Only the lockfile, which package.json names anyway, is added.
      const add = missingFrom([]).filter((f) => f === facts.lockfile || copiedBefore(doc, stage, install, f));
      const unseen = missingFrom([]).filter((f) => !add.includes(f));
      if (add.length || unseen.length) plans.push({ kind: 'complete', install, narrow, add, unseen });
      continue;
    }
    // Broad COPYs before the install: move them after the install.
    const split = splitPoint(doc, install);
    const why = reorderBlocker(doc, stage.instructions, broad, install, facts, split !== null);
    if (why) {
      plans.push({ kind: 'blocked', broad, why });
      continue;
    }
    plans.push({
      kind: 'reorder',
      stage,
      install,
      broad,
      broads,
      narrow,
      needed,
      extra: narrow ? missingFrom(broads) : [],
      manifests: narrow ? needed.manifests.filter((m) => !copies.some((c) => !broads.includes(c) && covers(c, m))) : [],
      split,
    });
  }
  return plans;
}

/** Each stage's edits and findings, in the order of the stages; null when there are none. */
function emit(doc: ParsedDockerfile, plans: StagePlan[]): TransformResult<Changed, Held> | null {
  const edits: Edit[] = [];
  const changes: Finding<Changed>[] = [];
  const warnings: Finding<Held>[] = [];
  for (const p of plans) {
    if (p.kind === 'complete') {
      const { install, narrow, add, unseen } = p;
      if (unseen.length) {
        const one = unseen.length === 1;
        const how = install.flags.some((f) => f.name === 'mount')
          ? 'gets its settings another way (a --mount)'
          : `never saw ${one ? 'it' : 'them'}`;
        warnings.push({
          code: 'install-config-unseen',
          line: lineNo(doc, narrow),
          message: `${unseen.join(', ')} not added to the manifest COPY: the install ${how}, and ${one ? 'it' : 'they'} could change or fail it${unseen.includes('.npmrc') ? ' (a .npmrc that needs \${NPM_TOKEN} fails without the token)' : ''}; copy ${one ? 'it' : 'them'} before the install yourself to use ${one ? 'it' : 'them'}`,
        });
      }
      if (!add.length) continue;
      if (extendCopy(doc, narrow, add, edits, warnings))
        changes.push({
          code: 'manifest-files',
          line: lineNo(doc, narrow),
          message: `copies ${add.join(', ')} with package.json so the install sees the lockfile and registry settings`,
        });
    } else if (p.kind === 'blocked') {
      warnings.push({
        code: 'blocked',
        line: lineNo(doc, p.broad),
        message: `left \`${p.broad.text.split(/\r?\n/)[0]}\` before the install: ${p.why}`,
      });
    } else reorder(doc, p, edits, changes, warnings);
  }
  if (!edits.length && !warnings.length) return null;
  return { edits, changes, warnings };
}

/**
 * The manifest copy takes the first broad copy's place (or the manifest COPY there gets what the install
 * also reads); the broad copies (with their comments) follow the install, separated from it the way the
 * first was separated before.
 */
function reorder(
  doc: ParsedDockerfile,
  p: Extract<StagePlan, { kind: 'reorder' }>,
  edits: Edit[],
  changes: Finding<Changed>[],
  warnings: Finding<Held>[],
): void {
  const { stage, install, broad, broads, narrow, needed, split } = p;
  const sep = doc.text.slice(broad.blockEnd, nextBlockStart(stage.instructions, broad));
  const gap = /^(\r?\n)*$/.test(sep) ? sep : '';
  if (!narrow) {
    const parts = copyParts(broad)!;
    const dest = broad.json ? './' : parts.dest.endsWith('/') ? parts.dest : parts.dest + '/';
    // ADD-only flags have no meaning on COPY.
    const head = ['COPY', ...flagText(doc, broad, ['checksum', 'keep-git-dir', 'unpack'])].join(' ');
    const out = [`${head} ${needed.files.join(' ')} ${dest}`];
    for (const d of needed.dirs) out.push(`${head} ${d} ${dest}${d}/`);
    for (const m of needed.manifests) out.push(`${head} ${m} ${dest}${m.slice(0, -'package.json'.length)}`);
    const indent = doc.text.slice(broad.lineStart, broad.start);
    edits.push({ start: broad.blockStart, end: broad.end, text: out.map((l) => indent + l).join(doc.eol) });
    for (const other of broads.slice(1)) edits.push(removeBlock(doc, other));
  } else {
    extendCopy(doc, narrow, p.extra, edits, warnings);
    if (p.manifests.length) {
      const parts = copyParts(narrow)!;
      const dest = narrow.json ? './' : parts.dest.endsWith('/') ? parts.dest : parts.dest + '/';
      const head = ['COPY', ...flagText(doc, narrow, ['checksum', 'keep-git-dir', 'unpack'])].join(' ');
      const indent = doc.text.slice(narrow.lineStart, narrow.start);
      const lines = p.manifests.map((m) => `${indent}${head} ${m} ${dest}${m.slice(0, -'package.json'.length)}${doc.eol}`);
      edits.push(insertAfter(doc, narrow, lines.join('')));
    }
    for (const b2 of broads) edits.push(removeBlock(doc, b2));
  }
  if (split) {
    // RUN install && build: the sources go between the install and the rest, which becomes its own RUN.
    const flags = flagText(doc, install);
    edits.push({
      start: split.start,
      end: split.end,
      text: doc.eol + broads.map((b2) => blockText(doc, b2)).join('') + ['RUN', ...flags].join(' ') + ' ',
    });
    changes.push({
      code: 'split-install',
      line: lineNo(doc, install),
      message: `\`RUN ${split.all}\` split after the install: the install runs on the manifests alone, \`${split.rest}\` after the sources are copied`,
    });
  } else edits.push(insertAfter(doc, install, gap + broads.map((b2) => blockText(doc, b2)).join('')));
  const copied =
    [...needed.files, ...needed.dirs].join(', ') +
    (needed.manifests.length
      ? ` and the package.json of ${needed.manifests.length === 1 ? 'the workspace package' : `the ${needed.manifests.length} workspace packages`} (${needed.manifests.map((m) => m.slice(0, -'/package.json'.length)).join(', ')})`
      : '');
  changes.push({
    code: 'reorder',
    line: lineNo(doc, broad),
    message: `\`${broad.text.split(/\r?\n/)[0]}\` moved after the install, with ${copied} copied first: a source edit no longer re-runs the install`,
  });
}

/** Extend a manifest COPY with the files the install also reads (lockfile, .npmrc, ...); false when its destination is not a directory, or its JSON form cannot take them. */
function extendCopy(doc: ParsedDockerfile, target: Instr, missing: string[], edits: Edit[], warnings: Finding<Held>[]): boolean {
  const parts = copyParts(target)!;
  if (!missing.length) return true;
  if (!/\/$|^\.\/?$/.test(parts.dest)) {
    warnings.push({
      code: 'dest-not-dir',
      line: lineNo(doc, target),
      message: `${missing.join(', ')} not added to this COPY: its destination is not a directory`,
    });
    return false;
  }
  if (target.json) {
    // ["package.json", "./"]: a new JSON string before the destination.
    const close = doc.text.lastIndexOf('"', doc.text.lastIndexOf('"', target.end - 1) - 1);
    const lastComma = doc.text.lastIndexOf(',', close);
    if (lastComma < 0) return false;
    edits.push({ start: lastComma, end: lastComma, text: missing.map((m) => `, "${m}"`).join('') });
    // Several sources need a destination that ends in a slash: "." becomes "./".
    const destClose = doc.text.lastIndexOf('"', target.end - 1);
    if (parts.dest === '.') edits.push({ start: destClose, end: destClose, text: '/' });
  } else {
    const lastSrc = target.argRanges[target.args.length - 2];
    edits.push({ start: lastSrc[1], end: lastSrc[1], text: ' ' + missing.join(' ') });
    const dest = target.argRanges[target.args.length - 1];
    if (parts.dest === '.') edits.push({ start: dest[1], end: dest[1], text: '/' });
  }
  return true;
}

function nextBlockStart(all: Instr[], ins: Instr): number {
  const next = all.find((i) => i.index > ins.index);
  return next ? next.blockStart : ins.blockEnd;
}

function neededFiles(facts: ProjectFacts): NeededFiles {
  const files = ['package.json'];
  const dirs: string[] = [];
  // Each workspace package's package.json, at its own path: the install reads them all.
  const manifests = (facts.workspacePackages ?? []).map((p) => `${p.dir}/package.json`).filter((f) => !facts.ignored(f));
  if (facts.lockfile && !facts.ignored(facts.lockfile)) files.push(facts.lockfile);
  for (const f of facts.installFiles) {
    if (facts.ignored(f)) continue;
    if (facts.topLevel.get(f) === 'dir') dirs.push(f);
    else files.push(f);
  }
  return { files, dirs, manifests };
}

/**
 * Where a shell-form `RUN <install> && <build> ...` can be cut in two: after its leading install
 * commands, at an `&&`, when every separator in the RUN is `&&` (so running it as two RUNs fails and
 * succeeds exactly when the one did). Null when it cannot.
 */
function splitPoint(doc: ParsedDockerfile, install: Instr): SplitPoint | null {
  if (install.json || install.heredoc) return null;
  const cmds = classifyRun(doc, install).commands;
  const k = cmds.findIndex((c) => !PURE_INSTALL.has(c.kind));
  if (k <= 0 || !cmds.slice(0, k).some((c) => c.kind === 'install')) return null;
  const esc = doc.escape === '`' ? '`' : '\\\\';
  const andOnly = new RegExp(`^(\\s|${esc}\\r?\\n)*&&(\\s|${esc}\\r?\\n)*$`);
  for (let i = 1; i < cmds.length; i++) {
    if (!andOnly.test(doc.text.slice(cmds[i - 1].cmd.end, cmds[i].cmd.start))) return null;
  }
  const text = (from: number) =>
    cmds
      .slice(from)
      .map((c) => c.words.map((w) => w.value).join(' '))
      .join(' && ');
  return { start: cmds[k - 1].cmd.end, end: cmds[k].cmd.start, rest: text(k), all: text(0) };
}

function reorderBlocker(
  doc: ParsedDockerfile,
  all: Instr[],
  broad: Instr,
  install: Instr,
  facts: ProjectFacts,
  splittable: boolean,
): string | null {
  if (!facts.packageJson)
    return facts.files ? 'there is no readable package.json in the build context' : 'the build context is unknown';
  if (facts.workspaces) {
    const ws = facts.workspacePackages;
    if (!ws)
      return `the project uses workspaces, whose package.json files the install needs too, and they cannot be listed (${facts.workspacesUnknown ?? 'unknown'})`;
    const run0 = classifyRun(doc, install);
    const ignores = run0.commands.some((c) => c.words.some((w) => w.value === '--ignore-scripts'));
    const scripted = ws.filter((p) => p.installScripts.length && !facts.ignored(`${p.dir}/package.json`));
    if (scripted.length && !ignores)
      return `workspace package ${scripted[0].dir} has ${scripted[0].installScripts.join(', ')} script(s) that run during the install and may need its sources`;
    const bins = ws.filter((p) => p.hasBin && !facts.ignored(`${p.dir}/package.json`));
    if (bins.length)
      return `workspace package ${bins[0].dir} declares \`bin\`, which the install links to files that only its sources bring`;
    const local = ws.find((p) => p.localDeps.length);
    if (local) return `workspace package ${local.dir} has dependencies from local paths (${local.localDeps.join(', ')})`;
    // @prisma/client generates the client during the install when the schema is there; without the
    // sources only a later `prisma generate` (or db push / migrate) makes it.
    const prismaAt = ['package.json', ...ws.map((p) => `${p.dir}/package.json`)].find((f) =>
      /"@prisma\/client"\s*:/.test(facts.read(f) ?? ''),
    );
    const regenerates = (t: string) => /\bprisma\s+(generate|db\s+push|migrate)\b/.test(t);
    const later = all.filter((i) => i.index > install.index && i.keyword === 'RUN').some((i) => regenerates(i.text));
    const scripts = ['package.json', ...ws.map((p) => `${p.dir}/package.json`)].some((f) => regenerates(facts.read(f) ?? ''));
    if (prismaAt && !later && !scripts)
      return `${prismaAt} depends on @prisma/client, whose install generates the client from a schema that only the sources bring, and nothing runs \`prisma generate\` later`;
  }
  const localDeps = Object.entries({ ...facts.packageJson.dependencies, ...facts.packageJson.devDependencies }).filter(([, v]) =>
    /^(file|link|portal):/.test(String(v)),
  );
  if (localDeps.length) return `dependencies ${localDeps.map(([k]) => k).join(', ')} come from local paths`;
  const run = classifyRun(doc, install);
  const ignoresScripts = run.commands.some((c) => c.words.some((w) => w.value === '--ignore-scripts'));
  if (facts.installScripts.length && !ignoresScripts)
    return `package.json has ${facts.installScripts.join(', ')} script(s) that run during the install and may need the sources`;
  const impure = run.commands.filter((c) => !PURE_INSTALL.has(c.kind));
  if (impure.length && !splittable) {
    const first = run.commands.indexOf(impure[0]);
    const cut = first > 0 && run.commands.slice(0, first).some((c) => c.kind === 'install');
    return `the same RUN also runs \`${impure[0].words.map((w) => w.value).join(' ')}\`, which needs the sources${cut ? ' (not split after the install: its commands are not all joined by `&&`, so two RUNs could fail where the one did not)' : ''}`;
  }
  for (const i of all) {
    if (i.index <= broad.index || i.index >= install.index) continue;
    // Only a RUN can read the sources, and only WORKDIR changes where the copy lands.
    if (i.keyword !== 'RUN' && i.keyword !== 'WORKDIR') continue;
    if (i.keyword === 'RUN') {
      const kinds = classifyRun(doc, i).commands;
      if (kinds.length && kinds.every((c) => SAFE_BETWEEN.has(c.kind))) continue;
    }
    return `\`${i.text.split(/\r?\n/)[0]}\` between the copy and the install may need the sources`;
  }
  return null;
}
