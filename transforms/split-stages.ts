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
import { normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile.js';
import { blockText, copyDest, insertAfter, instructionText, isInside, lineNo, removeBlock, usesVariable, workdirAt } from '../src/helpers.js';
import { BUILD_TOOL_PACKAGES, classifyRun, installOmitsDev, pruneCommand, type ClassifiedCommand } from '../src/node.js';
import { holdBack } from '../src/helpers.js';
import type { Edit, Finding, Transform, TransformResult } from '../src/types.js';

const ID = 'split-stages';
export const BUILD_STAGE = 'build';
export const RUNTIME_STAGE = 'runtime';

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
}

const RUNTIME_KEYWORDS = new Set(['LABEL', 'EXPOSE', 'VOLUME', 'HEALTHCHECK', 'STOPSIGNAL', 'CMD', 'ENTRYPOINT', 'ONBUILD', 'MAINTAINER']);
const SHARED_KEYWORDS = new Set(['WORKDIR', 'ENV', 'USER', 'SHELL']);

function runtimeCommand(doc: ParsedDockerfile, stage: Stage): string {
  const cmd = [...stage.instructions].reverse().find((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  return cmd ? (cmd.jsonArgs ? cmd.jsonArgs.join(' ') : cmd.content) : '';
}

function classify(doc: ParsedDockerfile, stage: Stage, ins: Instr, appDir: string): Classified {
  const k = ins.keyword;
  if (RUNTIME_KEYWORDS.has(k)) return { ins, role: 'runtime' };
  if (SHARED_KEYWORDS.has(k)) return { ins, role: 'shared' };
  if (k === 'ARG') return { ins, role: 'build' }; // promoted to shared when the runtime stage uses it
  if (k === 'COPY' || k === 'ADD') {
    const dest = copyDest(ins, workdirAt(stage, ins, doc));
    if (!dest || dest.includes('$')) return { ins, role: 'unknown', why: 'its destination cannot be resolved' };
    return isInside(dest, appDir) ? { ins, role: 'build' } : { ins, role: 'shared' };
  }
  if (k === 'RUN') {
    const info = classifyRun(doc, ins);
    const cmds = info.commands;
    if (!cmds.length) return { ins, role: 'unknown', why: ins.heredoc ? 'a heredoc cannot be read' : 'a shell run in exec form cannot be read' };
    const kinds = new Set(cmds.map((c) => c.kind));
    const has = (...ks: string[]) => ks.some((x) => kinds.has(x as never));
    if (has('install', 'add', 'build', 'prune', 'test')) {
      if (has('other', 'user', 'global')) return { ins, role: 'unknown', why: 'it mixes the build with commands whose effect the runtime may need', commands: cmds };
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
    if (has('global')) return { ins, role: 'shared', commands: cmds };
    if (has('user')) return { ins, role: 'shared', commands: cmds };
    if (has('pm-setup')) {
      const usesPm = /^\s*(yarn|pnpm|bun|corepack)\b/.test(runtimeCommand(doc, stage));
      return { ins, role: usesPm ? 'shared' : 'build', commands: cmds };
    }
    // mkdir / chmod / chown / ln / cleanup only
    const wd = workdirAt(stage, ins, doc) ?? '/';
    const paths = cmds.flatMap((c) => c.paths ?? []);
    const abs = paths.map((p) => (p.startsWith('/') ? normalizePosix(p) : normalizePosix(wd + '/' + p)));
    const inApp = abs.filter((p) => isInside(p, appDir));
    const owner = cmds.find((c) => c.kind === 'chown' && (c.paths ?? []).some((p) => {
      const a = p.startsWith('/') ? normalizePosix(p) : normalizePosix(wd + '/' + p);
      return a === normalizePosix(appDir);
    }))?.owner;
    if (inApp.length === abs.length && abs.length) return { ins, role: 'build', commands: cmds, owner };
    if (has('cleanup') && !abs.length) return { ins, role: 'build', commands: cmds };
    return { ins, role: 'shared', commands: cmds, owner };
  }
  return { ins, role: 'unknown', why: `${k} is not understood` };
}

export const splitStages: Transform = {
  id: ID,
  summary: 'split into a build stage (tools, full install, build) and a runtime stage from the same base image',
  codes: {
    split: 'the single stage became a build stage and a runtime stage',
    prune: 'a prune after the build: the runtime stage receives production dependencies only',
    moved: 'runtime-only instructions moved to the runtime stage, unchanged',
    repeated: 'settings both stages need repeated in the runtime stage, unchanged',
    'app-owner': 'the app directory keeps its owner in the runtime stage',
    'install-unreadable': 'not split: the install is in a form that cannot be read (heredoc, sh -c)',
    'no-workdir': 'not split: without a WORKDIR the app directory is unknown',
    'workdir-variable': 'not split: the WORKDIR depends on a variable',
    'workdir-ambiguous': 'not split: the stage changes WORKDIR between directories',
    'install-outside-app': 'not split: the install runs outside the app directory',
    'unknown-effect': 'not split: a build step leaves behind something the runtime may need',
    'secret-arg': 'an ARG with a credential-like name is repeated in the runtime stage',
    'mixed-owners': 'the copies into the app directory use different owners',
    'system-packages-shared': 'a system package install runs in both stages',
  },
  apply({ doc, facts }): TransformResult | null {
    if (doc.stages.length !== 1) return null;
    const stage = doc.stages[0];
    const ins = stage.instructions;
    const appDir = stage.workdir ? normalizePosix(stage.workdir) : null;
    const hasInstallOrBuild = ins.some((i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => ['install', 'build', 'add'].includes(c.kind)));
    if (!hasInstallOrBuild) {
      const hidden = ins.find((i) => i.keyword === 'RUN' && !classifyRun(doc, i).commands.length && /\b(npm|yarn|pnpm|bun)\b/.test(i.content));
      return hidden ? holdBack('install-unreadable', `not split: the install at line ${lineNo(doc, hidden)} is in a form that cannot be read (heredoc or sh -c)`, lineNo(doc, hidden)) : null;
    }
    if (!appDir || appDir === '/') return holdBack('no-workdir', 'not split: there is no WORKDIR, so the app directory to hand to the runtime stage is unknown');
    if (appDir.includes('$')) return holdBack('workdir-variable', `not split: the WORKDIR ${stage.workdir} depends on a variable`);
    if (stage.instructions.filter((i) => i.keyword === 'WORKDIR').length > 1) {
      const wds = new Set(stage.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => workdirAt(stage, { index: i.index + 1 }, doc)));
      if (wds.size > 1) return holdBack('workdir-ambiguous', 'not split: the stage changes WORKDIR between directories, so the app directory is ambiguous');
    }

    const cls = ins.map((i) => classify(doc, stage, i, appDir));
    // The install must run in the app directory, or the runtime copy would miss node_modules.
    for (const c of cls) {
      if (c.commands?.some((x) => x.kind === 'install') && workdirAt(stage, c.ins, doc) !== appDir) {
        return holdBack('install-outside-app', `not split: the install at line ${lineNo(doc, c.ins)} runs outside ${appDir}`, lineNo(doc, c.ins));
      }
    }
    let lastBuild = -1;
    cls.forEach((c, i) => {
      if (c.role === 'build' || c.role === 'unknown') lastBuild = i;
    });
    const unknown = cls.find((c, i) => c.role === 'unknown' && i <= lastBuild);
    if (unknown) {
      return holdBack('unknown-effect', `not split: \`${unknown.ins.text.split(/\r?\n/)[0]}\` at line ${lineNo(doc, unknown.ins)} runs in the build, and ${unknown.why}; the runtime stage might need what it leaves behind`, lineNo(doc, unknown.ins));
    }
    // lastBuild points at a build instruction now; unknown ones after it simply run in the runtime stage.
    while (lastBuild >= 0 && cls[lastBuild].role !== 'build') lastBuild--;
    const tail = cls.slice(lastBuild + 1);
    const head = cls.slice(0, lastBuild + 1);

    // ARGs the runtime stage uses are repeated there.
    const runtimeText = [...head.filter((c) => c.role !== 'build').map((c) => c.ins.text), ...tail.map((c) => c.ins.text)].join('\n');
    for (const c of head) {
      if (c.ins.keyword !== 'ARG') continue;
      const names = c.ins.args.map((a) => a.split('=')[0]);
      if (names.some((n) => usesVariable(runtimeText, n))) {
        c.role = 'shared';
        if (names.some((n) => /TOKEN|SECRET|PASSWORD|AUTH|KEY/i.test(n))) {
          c.warnCode = 'secret-arg';
        c.warn = `ARG ${names.join(' ')} is repeated in the runtime stage because runtime instructions use it; make sure no credential ends up there`;
        }
      }
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
        prefix.push({ text: instructionText(doc, c.ins), workdir: c.ins.keyword === 'WORKDIR', user: c.commands?.some((x) => x.kind === 'user') });
        repeated.push(`${c.ins.keyword} (line ${lineNo(doc, c.ins)})`);
      }
      if (c.warn) warnings.push({ code: c.warnCode ?? 'system-packages-shared', line: lineNo(doc, c.ins), message: c.warn });
    }
    for (const c of tail) if (c.warn) warnings.push({ code: c.warnCode ?? 'system-packages-shared', line: lineNo(doc, c.ins), message: c.warn });
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
    const owner = head.map((c) => c.owner).filter(Boolean).pop() ?? copyOwner;
    if (copyOwners.size > 1) warnings.push({ code: 'mixed-owners', message: `the copies into ${appDir} use different owners (${[...copyOwners].map((o) => o || 'root').join(', ')}); the runtime stage receives the directory owned by ${owner ?? 'root'}` });
    const installs = head.flatMap((c) => (c.commands ?? []).filter((x) => x.kind === 'install'));
    const needsPrune = installs.length > 0 && !installs.every(installOmitsDev) && !head.some((c) => c.commands?.some((x) => x.kind === 'prune'));
    const last = head[head.length - 1].ins;
    const fromFlags = stage.from.flags.map((f) => doc.text.slice(f.start, f.end));
    const out: string[] = [];
    if (needsPrune) out.push(`RUN ${pruneCommand(facts, stage)}`);
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
        early.filter((p) => !p.workdir).map((p) => p.text).join('') +
        copy +
        early.filter((p) => p.workdir).map((p) => p.text).join('') +
        prefix.slice(lastUser + 1).map((p) => p.text).join('');
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
    if (needsPrune) changes.push({ code: 'prune', line: lineNo(doc, last) + 1, message: `\`${pruneCommand(facts, stage)}\` after the build: the runtime stage receives production dependencies only` });
    if (moved.length) changes.push({ code: 'moved', message: `moved to the runtime stage, unchanged: ${moved.join(', ')}` });
    if (repeated.length) changes.push({ code: 'repeated', message: `repeated in the runtime stage, unchanged: ${repeated.join(', ')}` });
    if (owner) changes.push({ code: 'app-owner', message: `the app directory keeps its owner ${owner} in the runtime stage (--chown)` });
    return { edits, changes, warnings };
  },
};
