/**
 * split-stages: a single-stage Dockerfile becomes a build stage (the original, which keeps
 * the build tools, the full install and the build) and a runtime stage from the same base
 * image that receives the app directory with production dependencies only.
 *
 * The diff stays small: the original lines stay where they are; the new stage is inserted
 * after the last build step, so the instructions that follow it (EXPOSE, CMD, ...) simply
 * end up in the runtime stage. Runtime-only instructions written earlier (LABEL, EXPOSE, ...)
 * move down verbatim with their comments; settings both stages need (WORKDIR, ENV, ARG,
 * USER, SHELL, user creation, system packages the app may use) are repeated verbatim.
 */
import { normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import { blockText, copyDest, instructionText, isInside, lineNo, usesVariable, workdirAt } from '../src/dockerfile/query.js';
import { insertAfter, removeBlock } from '../src/dockerfile/edit.js';
import {
  BUILD_TOOL_PACKAGES,
  browserDownloaders,
  classifyRun,
  installOmitsDev,
  pruneCommand,
  type ClassifiedCommand,
} from '../src/node/commands.js';
import { escapeRegExp } from '../src/dockerfile/query.js';
import { holdBack } from '../src/engine/findings.js';
import { analyzeStart, unpinnedCorepackStart, type StartPath } from '../src/node/start-path.js';
import type { Edit, Finding, Transform, TransformResult } from '../src/engine/types.js';

const ID = 'split-stages';
const BUILD_STAGE = 'build';
const RUNTIME_STAGE = 'runtime';

type Role =
  | 'build' // stays in the build stage only
  | 'shared' // stays, and is repeated in the runtime stage
  | 'runtime' // belongs to the runtime stage only
  | 'unknown'; // cannot tell what it leaves behind

interface Classified {
  ins: Instr;
  role: Role;
  why?: string;
  /** For RUN: the commands. */
  commands?: ClassifiedCommand[];
  warn?: string;
  warnCode?: string;
  /** chown -R of the app directory: the runtime copy needs the same owner. */
  owner?: string;
  /** Sets or writes credentials: never repeated in the runtime stage. */
  secret?: boolean;
  /** Packages a global install names. */
  globals?: string[];
}

/** Names of ARG/ENV that hold credentials: never repeated into the runtime stage. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|CREDENTIAL|NPM_AUTH|_AUTH$|^AUTH_/i;
/** Global tools the running app uses; other global installs (typescript, @nestjs/cli, ...) are build tools. */
const RUNTIME_GLOBALS = new Set([
  'pm2',
  'serve',
  'forever',
  'http-server',
  'pm2-runtime',
  'node-static',
  'local-web-server',
  'nodemon',
]);

interface StageContext {
  start: StartPath;
  /** CMD, ENTRYPOINT and HEALTHCHECK text of the stage: what runs in the runtime image. */
  runtimeCommands: string;
}

/** The variable names an ARG or ENV instruction sets. */
function varNames(ins: Instr): string[] {
  if (ins.keyword === 'ENV' && ins.args.length && !ins.args[0].includes('=')) return [ins.args[0]];
  return ins.args.map((a) => a.split('=')[0]);
}

/** Packages a global install names. */
function globalPackages(c: ClassifiedCommand): string[] {
  const from = (c.sub ?? 0) + 1;
  return c.words
    .slice(from)
    .map((w) => w.value)
    .filter((v) => !v.startsWith('-') && v !== 'add')
    .map((v) => v.replace(/(.)@[^/]*$/, '$1'));
}

const RUNTIME_KEYWORDS = new Set([
  'LABEL',
  'EXPOSE',
  'VOLUME',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'CMD',
  'ENTRYPOINT',
  'ONBUILD',
  'MAINTAINER',
]);
const SHARED_KEYWORDS = new Set(['WORKDIR', 'ENV', 'USER', 'SHELL']);

function runtimeCommand(doc: ParsedDockerfile, stage: Stage): string {
  const cmd = [...stage.instructions].reverse().find((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  return cmd ? (cmd.jsonArgs ? cmd.jsonArgs.join(' ') : cmd.content) : '';
}

function classify(doc: ParsedDockerfile, stage: Stage, ins: Instr, appDir: string, sc: StageContext): Classified {
  const k = ins.keyword;
  if (RUNTIME_KEYWORDS.has(k)) return { ins, role: 'runtime' };
  // Credentials stay in the build stage.
  if (k === 'ENV' && varNames(ins).some((n) => SECRET_NAME.test(n))) return { ins, role: 'build', secret: true };
  if (SHARED_KEYWORDS.has(k)) return { ins, role: 'shared' };
  if (k === 'ARG') return { ins, role: 'build', secret: varNames(ins).some((n) => SECRET_NAME.test(n)) }; // promoted to shared when the runtime stage uses it
  if (k === 'COPY' || k === 'ADD') {
    const dest = copyDest(ins, workdirAt(stage, ins, doc));
    if (!dest || dest.includes('$')) return { ins, role: 'unknown', why: 'its destination cannot be resolved' };
    return isInside(dest, appDir) ? { ins, role: 'build' } : { ins, role: 'shared' };
  }
  if (k === 'RUN') {
    const info = classifyRun(doc, ins);
    const cmds = info.commands;
    if (!cmds.length)
      return { ins, role: 'unknown', why: ins.heredoc ? 'a heredoc cannot be read' : 'a shell run in exec form cannot be read' };
    const kinds = new Set(cmds.map((c) => c.kind));
    const has = (...ks: string[]) => ks.some((x) => kinds.has(x as never));
    if (has('install', 'add', 'build', 'prune', 'test')) {
      if (has('other', 'user', 'global'))
        return {
          ins,
          role: 'unknown',
          why: 'it mixes the build with commands whose effect the runtime may need',
          commands: cmds,
        };
      return { ins, role: 'build', commands: cmds };
    }
    if (has('system')) {
      const pkgs = cmds.flatMap((c) => c.packages ?? []).filter((p) => !p.startsWith('$'));
      const runtimePkgs = pkgs.filter((p) => !BUILD_TOOL_PACKAGES.has(p.replace(/[=<>~].*$/, '')));
      if (has('other')) return { ins, role: 'unknown', why: 'it mixes system packages with other commands', commands: cmds };
      if (!runtimePkgs.length) return { ins, role: 'build', commands: cmds };
      return {
        ins,
        role: 'shared',
        commands: cmds,
        warn: `runs in both stages: ${runtimePkgs.join(', ')} may be needed at run time${pkgs.length > runtimePkgs.length ? `; drop the build-only packages (${pkgs.filter((p) => !runtimePkgs.includes(p)).join(', ')}) from the runtime copy by hand` : ''}`,
      };
    }
    if (has('other', 'start')) return { ins, role: 'unknown', why: 'its effect on the image is unknown', commands: cmds };
    if (has('global')) {
      // A global tool is repeated only when the running app uses it (pm2-runtime, serve).
      const pkgs = cmds.filter((c) => c.kind === 'global').flatMap(globalPackages);
      const used = pkgs.filter(
        (p) =>
          RUNTIME_GLOBALS.has(p) ||
          sc.start.packages.has(p) ||
          new RegExp(`(^|[\\s"'/])${escapeRegExp(p.replace(/^@[^/]+\//, ''))}(["'\\s]|$)`, 'm').test(sc.runtimeCommands),
      );
      if (!used.length) return { ins, role: 'build', commands: cmds, globals: pkgs };
      return {
        ins,
        role: 'shared',
        commands: cmds,
        globals: pkgs,
        ...(used.length < pkgs.length
          ? {
              warnCode: 'build-tools-repeated',
              warn: `runs in both stages because the app uses ${used.join(', ')}; the runtime stage does not need ${pkgs.filter((p) => !used.includes(p)).join(', ')}: drop them from its copy by hand`,
            }
          : {}),
      };
    }
    if (has('user')) return { ins, role: 'shared', commands: cmds };
    if (has('pm-setup')) {
      // Registry credentials (npm config set //registry/:_authToken ...) stay in the build stage.
      if (/_auth|authToken|\$\{?[A-Z_]*(TOKEN|SECRET|PASSWORD|AUTH)/i.test(ins.content))
        return { ins, role: 'build', commands: cmds, secret: true };
      const usesPm = /^\s*(yarn|pnpm|bun|corepack)\b/.test(runtimeCommand(doc, stage));
      return { ins, role: usesPm ? 'shared' : 'build', commands: cmds };
    }
    // mkdir / chmod / chown / ln / cleanup only
    const wd = workdirAt(stage, ins, doc) ?? '/';
    const paths = cmds.flatMap((c) => c.paths ?? []);
    const abs = paths.map((p) => (p.startsWith('/') ? normalizePosix(p) : normalizePosix(wd + '/' + p)));
    const inApp = abs.filter((p) => isInside(p, appDir));
    const owner = cmds.find(
      (c) =>
        c.kind === 'chown' &&
        (c.paths ?? []).some((p) => {
          const a = p.startsWith('/') ? normalizePosix(p) : normalizePosix(wd + '/' + p);
          return a === normalizePosix(appDir);
        }),
    )?.owner;
    if (inApp.length === abs.length && abs.length) return { ins, role: 'build', commands: cmds, owner };
    if (has('cleanup') && !abs.length) return { ins, role: 'build', commands: cmds };
    return { ins, role: 'shared', commands: cmds, owner };
  }
  return { ins, role: 'unknown', why: `${k} is not understood` };
}

export const splitStages: Transform = {
  id: ID,
  summary: 'split into a build stage (tools, full install, build) and a runtime stage from the same base image',
  docs: {
    what: 'the single stage becomes a `build` stage (the original: build tools, the full install, the build) and a `runtime` stage from the same base image; devDependencies are pruned after the build by the installer that ran; runtime-only instructions (EXPOSE, CMD, ...) move down verbatim, settings both stages need are repeated; credentials and global build tools stay in the build stage',
    why: 'build tools, devDependencies and sources stay out of the image that runs',
    changes: {
      split: 'the single stage became a build stage and a runtime stage',
      prune: 'a prune after the build: the runtime stage receives production dependencies only',
      moved: 'runtime-only instructions moved to the runtime stage, unchanged',
      repeated: 'settings both stages need repeated in the runtime stage, unchanged',
      'app-owner': 'the app directory keeps its owner in the runtime stage',
      'secrets-build-only': 'credentials (ARG/ENV/registry auth) stay in the build stage',
      'build-tools-build-only': 'global build tools stay in the build stage',
    },
    holdsBack: {
      'install-unreadable': 'not split: the install is in a form that cannot be read (heredoc, sh -c)',
      'no-workdir': 'not split: without a WORKDIR the app directory is unknown',
      'workdir-variable': 'not split: the WORKDIR depends on a variable',
      'workdir-ambiguous': 'not split: the stage changes WORKDIR between directories',
      'install-outside-app': 'not split: the install runs outside the app directory',
      'unknown-effect': 'not split: a build step leaves behind something the runtime may need',
      'mixed-owners': 'the copies into the app directory use different owners',
      'system-packages-shared': 'a system package install runs in both stages',
      'start-runs-build': 'not split: the start installs or builds, so it needs the build environment',
      'start-needs-sources': 'not split: the start loads TypeScript sources (knexfile.ts, TypeScript migrations) through ts-node',
      'start-through-corepack': 'not split: the start runs a package manager corepack fetches, with no version pinned',
      'browser-download': "not split: puppeteer/playwright download a browser into the build user's home",
      'secret-needed-at-runtime': 'not split: a runtime instruction uses a credential that must stay in the build stage',
      'start-needs-dev-dependency': 'devDependencies stay: the start runs a devDependency',
      'build-tools-repeated': 'a global install the app uses runs in both stages, with build tools in it',
      'prune-unknown':
        'not split: no prune of devDependencies is safe for the installer that ran (another binary, a pnpm workspace, install scripts it would re-run)',
    },
  },
  apply({ doc, facts }): TransformResult | null {
    if (doc.stages.length !== 1) return null;
    const stage = doc.stages[0];
    const ins = stage.instructions;
    const appDir = stage.workdir ? normalizePosix(stage.workdir) : null;
    const hasInstallOrBuild = ins.some(
      (i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => ['install', 'build', 'add'].includes(c.kind)),
    );
    if (!hasInstallOrBuild) {
      const hidden = ins.find(
        (i) => i.keyword === 'RUN' && !classifyRun(doc, i).commands.length && /\b(npm|yarn|pnpm|bun)\b/.test(i.content),
      );
      return hidden
        ? holdBack(
            'install-unreadable',
            `not split: the install at line ${lineNo(doc, hidden)} is in a form that cannot be read (heredoc or sh -c)`,
            lineNo(doc, hidden),
          )
        : null;
    }
    if (!appDir || appDir === '/')
      return holdBack(
        'no-workdir',
        'not split: there is no WORKDIR, so the app directory to hand to the runtime stage is unknown',
      );
    if (appDir.includes('$'))
      return holdBack('workdir-variable', `not split: the WORKDIR ${stage.workdir} depends on a variable`);
    if (stage.instructions.filter((i) => i.keyword === 'WORKDIR').length > 1) {
      const wds = new Set(
        stage.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => workdirAt(stage, { index: i.index + 1 }, doc)),
      );
      if (wds.size > 1)
        return holdBack(
          'workdir-ambiguous',
          'not split: the stage changes WORKDIR between directories, so the app directory is ambiguous',
        );
    }

    const start = analyzeStart(doc, stage, facts);
    // A start that installs or builds needs the whole build environment at run time.
    if (start.buildsAtStart)
      return holdBack(
        'start-runs-build',
        `not split: ${start.buildsAtStart}, so the running image needs the sources, the build tools and devDependencies`,
      );
    if (start.needsSources)
      return holdBack(
        'start-needs-sources',
        `not split: ${start.needsSources}, so the running image needs the sources and devDependencies`,
      );
    const corepack = unpinnedCorepackStart(doc, stage, facts, start);
    if (corepack) return holdBack('start-through-corepack', `not split: ${corepack}`);
    // Browsers that puppeteer/playwright download at install time live in the build user's home, not in the app directory.
    const browsers = browserDownloaders(facts);
    if (
      browsers.length &&
      !ins.some(
        (i) => i.keyword === 'ENV' && /PUPPETEER_SKIP_(CHROMIUM_)?DOWNLOAD|PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD/.test(i.content),
      )
    ) {
      return holdBack(
        'browser-download',
        `not split: ${browsers.join(', ')} download${browsers.length === 1 ? 's' : ''} a browser into the build user's home directory at install time, which the runtime stage would not receive`,
      );
    }
    const runtimeCommands = ins
      .filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT' || i.keyword === 'HEALTHCHECK')
      .map((i) => i.content)
      .join('\n');
    const cls = ins.map((i) => classify(doc, stage, i, appDir, { start, runtimeCommands }));
    // The install must run in the app directory, or the runtime copy would miss node_modules.
    for (const c of cls) {
      if (c.commands?.some((x) => x.kind === 'install') && workdirAt(stage, c.ins, doc) !== appDir) {
        return holdBack(
          'install-outside-app',
          `not split: the install at line ${lineNo(doc, c.ins)} runs outside ${appDir}`,
          lineNo(doc, c.ins),
        );
      }
    }
    let lastBuild = -1;
    cls.forEach((c, i) => {
      if (c.role === 'build' || c.role === 'unknown') lastBuild = i;
    });
    const unknown = cls.find((c, i) => c.role === 'unknown' && i <= lastBuild);
    if (unknown) {
      return holdBack(
        'unknown-effect',
        `not split: \`${unknown.ins.text.split(/\r?\n/)[0]}\` at line ${lineNo(doc, unknown.ins)} runs in the build, and ${unknown.why}; the runtime stage might need what it leaves behind`,
        lineNo(doc, unknown.ins),
      );
    }
    // lastBuild points at a build instruction now; unknown ones after it simply run in the runtime stage.
    while (lastBuild >= 0 && cls[lastBuild].role !== 'build') lastBuild--;
    const tail = cls.slice(lastBuild + 1);
    const head = cls.slice(0, lastBuild + 1);

    // ARGs the runtime stage uses are repeated there.
    const runtimeText = [...head.filter((c) => c.role !== 'build').map((c) => c.ins.text), ...tail.map((c) => c.ins.text)].join(
      '\n',
    );
    for (const c of head) {
      if (c.ins.keyword !== 'ARG') continue;
      const names = varNames(c.ins);
      const used = names.filter((n) => usesVariable(runtimeText, n));
      if (!used.length) continue;
      const secret = used.filter((n) => SECRET_NAME.test(n));
      if (secret.length) {
        return holdBack(
          'secret-needed-at-runtime',
          `not split: the runtime instructions use ${secret.join(', ')}, a credential that must not be repeated into the runtime image`,
          lineNo(doc, c.ins),
        );
      }
      c.role = 'shared';
    }
    // Credentials set by ENV in the build stage stay there; an instruction left for the runtime stage must not need them.
    for (const c of head) {
      if (!c.secret || c.ins.keyword !== 'ENV') continue;
      const used = varNames(c.ins).filter((n) => usesVariable(runtimeText, n));
      if (used.length)
        return holdBack(
          'secret-needed-at-runtime',
          `not split: the runtime instructions use ${used.join(', ')}, a credential that must not be repeated into the runtime image`,
          lineNo(doc, c.ins),
        );
    }

    const edits: Edit[] = [];
    const changes: Finding[] = [];
    const warnings: Finding[] = [];
    const fromLine = lineNo(doc, stage.from);
    // `docker build --target <name>` must keep giving the image that runs the app: an existing
    // stage name goes to the runtime stage (unless it says "build"), and the build stage is renamed.
    let buildName: string;
    let runtimeName: string;
    if (!stage.name) {
      buildName = BUILD_STAGE;
      runtimeName = RUNTIME_STAGE;
      const imageEnd = stage.from.argRanges.length ? stage.from.argRanges[stage.from.argRanges.length - 1][1] : stage.from.end;
      edits.push({ start: imageEnd, end: imageEnd, text: ` AS ${BUILD_STAGE}` });
    } else if (/^(build|builder|building|compile|deps)$/i.test(stage.name)) {
      buildName = stage.name;
      runtimeName = RUNTIME_STAGE;
    } else {
      buildName = stage.name.toLowerCase() === BUILD_STAGE ? `${BUILD_STAGE}-stage` : BUILD_STAGE;
      runtimeName = stage.name;
      const nameArg = stage.from.argRanges[stage.from.argRanges.length - 1];
      edits.push({ start: nameArg[0], end: nameArg[1], text: buildName });
    }
    interface PrefixItem {
      text: string;
      workdir?: boolean;
      user?: boolean;
    }
    const prefix: PrefixItem[] = [];
    const moved: string[] = [];
    const repeated: string[] = [];
    for (const c of head) {
      if (c.role === 'runtime') {
        edits.push(removeBlock(doc, c.ins));
        prefix.push({ text: blockText(doc, c.ins) });
        moved.push(`${c.ins.keyword} (line ${lineNo(doc, c.ins)})`);
      } else if (c.role === 'shared') {
        prefix.push({
          text: instructionText(doc, c.ins),
          workdir: c.ins.keyword === 'WORKDIR',
          user: c.commands?.some((x) => x.kind === 'user'),
        });
        repeated.push(`${c.ins.keyword} (line ${lineNo(doc, c.ins)})`);
      }
      if (c.warn) warnings.push({ code: c.warnCode ?? 'system-packages-shared', line: lineNo(doc, c.ins), message: c.warn });
    }
    for (const c of tail)
      if (c.warn) warnings.push({ code: c.warnCode ?? 'system-packages-shared', line: lineNo(doc, c.ins), message: c.warn });
    // The start command runs a package manager that a build RUN set up (npm i -g pnpm, corepack enable):
    // the runtime stage needs the same setup.
    const pm = /^\s*(yarn|pnpm|bun)\b/.exec(runtimeCommand(doc, stage))?.[1];
    if (pm) {
      for (const c of head) {
        if (c.role !== 'build' || !c.commands) continue;
        for (const x of c.commands) {
          if (x.kind !== 'pm-setup' && x.kind !== 'global') continue;
          const cmdText = doc.text.slice(x.cmd.start, x.cmd.end);
          if (!new RegExp(`\\b(${pm}|corepack)\\b`).test(cmdText)) continue;
          prefix.push({ text: `RUN ${cmdText.replace(/\\\r?\n\s*/g, '')}${doc.eol}` });
          repeated.push(`\`${cmdText}\` (line ${lineNo(doc, c.ins)}), which sets up ${pm} for the start command`);
        }
      }
    }

    // The app directory's owner: a `chown -R` of it, or the --chown every copy into it uses.
    const appCopies = head.filter((c) => (c.ins.keyword === 'COPY' || c.ins.keyword === 'ADD') && c.role === 'build');
    const copyOwners = new Set(appCopies.map((c) => c.ins.flags.find((f) => f.name === 'chown')?.value ?? ''));
    const copyOwner = copyOwners.size === 1 ? [...copyOwners][0] || undefined : undefined;
    const owner =
      head
        .map((c) => c.owner)
        .filter(Boolean)
        .pop() ?? copyOwner;
    if (copyOwners.size > 1)
      warnings.push({
        code: 'mixed-owners',
        message: `the copies into ${appDir} use different owners (${[...copyOwners].map((o) => o || 'root').join(', ')}); the runtime stage receives the directory owned by ${owner ?? 'root'}`,
      });
    const installs = head.flatMap((c) => (c.commands ?? []).filter((x) => x.kind === 'install'));
    const pruneWanted =
      installs.length > 0 && !installs.every(installOmitsDev) && !head.some((c) => c.commands?.some((x) => x.kind === 'prune'));
    // The start needs a devDependency (tsx, ts-node, nodemon, cross-env...): devDependencies stay.
    const needsPrune = pruneWanted && !start.devPackages.length;
    if (pruneWanted && start.devPackages.length) {
      const list = start.devPackages.map((p) => `${p.name} (\`${p.why}\`)`).join(', ');
      warnings.push({
        code: 'start-needs-dev-dependency',
        message: `devDependencies stay in the runtime stage: the start runs ${list}, ${start.devPackages.length === 1 ? 'a devDependency' : 'devDependencies'}; move ${start.devPackages.length === 1 ? 'it' : 'them'} to dependencies (or start the built output) to leave devDependencies out`,
      });
    }
    const keptSecrets = head.filter((c) => c.secret);
    const later: Finding[] = [];
    if (keptSecrets.length)
      later.push({
        code: 'secrets-build-only',
        message: `credentials stay in the build stage, not repeated in the runtime image: ${keptSecrets.map((c) => `${c.ins.keyword} (line ${lineNo(doc, c.ins)})`).join(', ')}`,
      });
    const buildGlobals = head.filter((c) => c.role === 'build' && c.globals?.length);
    if (buildGlobals.length)
      later.push({
        code: 'build-tools-build-only',
        message: `global build tools stay in the build stage: ${buildGlobals.flatMap((c) => c.globals!).join(', ')}`,
      });
    const prune = needsPrune ? pruneCommand(doc, facts, stage, installs) : null;
    if (prune && prune.command === null) {
      const at = head.find((c) => c.commands?.includes(installs[0]))!.ins;
      return holdBack('prune-unknown', `not split: no prune of devDependencies is safe here: ${prune.why}`, lineNo(doc, at));
    }
    const last = head[head.length - 1].ins;
    const fromFlags = stage.from.flags.map((f) => doc.text.slice(f.start, f.end));
    const out: string[] = [];
    if (prune) out.push(`RUN ${prune.command}`);
    out.push('');
    out.push(['FROM', ...fromFlags, stage.image, 'AS', runtimeName].join(' '));
    const eol = doc.eol;
    const chown = owner ? ` --chown=${owner}` : '';
    const copy = `COPY --from=${buildName}${chown} ${appDir} ${appDir}${eol}`;
    let body: string;
    if (owner) {
      // COPY --chown gives a directory it creates to the owner, but leaves one that WORKDIR already
      // created owned by root: copy first (after the user exists), then set WORKDIR.
      const lastUser = prefix.map((p) => Boolean(p.user)).lastIndexOf(true);
      const early = prefix.slice(0, lastUser + 1);
      body =
        early
          .filter((p) => !p.workdir)
          .map((p) => p.text)
          .join('') +
        copy +
        early
          .filter((p) => p.workdir)
          .map((p) => p.text)
          .join('') +
        prefix
          .slice(lastUser + 1)
          .map((p) => p.text)
          .join('');
    } else {
      body = prefix.map((p) => p.text).join('') + copy;
    }
    const text = out.map((l) => l + eol).join('') + body;
    edits.push(insertAfter(doc, last, text));

    changes.push({
      code: 'split',
      line: fromLine,
      message: `split into a \`${buildName}\` stage and a \`${runtimeName}\` stage from ${stage.image}: build tools, devDependencies and build-only files stay out of the final image`,
    });
    if (prune)
      changes.push({
        code: 'prune',
        line: lineNo(doc, last) + 1,
        message: `\`${prune.command}\` after the build: the runtime stage receives production dependencies only`,
      });
    changes.push(...later);
    if (moved.length) changes.push({ code: 'moved', message: `moved to the runtime stage, unchanged: ${moved.join(', ')}` });
    if (repeated.length)
      changes.push({ code: 'repeated', message: `repeated in the runtime stage, unchanged: ${repeated.join(', ')}` });
    if (owner)
      changes.push({ code: 'app-owner', message: `the app directory keeps its owner ${owner} in the runtime stage (--chown)` });
    return { edits, changes, warnings };
  },
};
