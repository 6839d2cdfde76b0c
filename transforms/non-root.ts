/**
 * non-root: the final stage runs as an unprivileged user. Official node images have `node`
 * (uid 1000); distroless has `nonroot`; on other Alpine or Debian bases a system user is
 * created. Copies into the app directory get --chown so the app owns its files.
 */
import { normalizePosix, type Instr, type Stage } from '../src/dockerfile.js';
import { copyDest, insertAfter, isInside, lastStage, lineNo, lines, workdirAt } from '../src/helpers.js';
import { baseImageInfo, stageChain } from '../src/node.js';
import { runtimeCommandWords } from '../src/app-files.js';
import type { Change, Edit, Transform, TransformResult } from '../src/types.js';

const ID = 'non-root';
const ROOT = /^(root|0)(:.*)?$/;
const PRIVILEGE_DROP = /\b(gosu|su-exec|setpriv|runuser|chpst|s6-setuidgid)\b|\bsu\s+-|\bchown\b/;

export const nonRoot: Transform = {
  id: ID,
  summary: 'the final stage runs as a non-root user (USER node on official images) and owns its files via --chown',
  apply({ doc, facts }): TransformResult | null {
    const stage = lastStage(doc);
    if (!stage) return null;
    const chain = stageChain(doc, stage);
    const users = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER'));
    const ownUser = [...stage.instructions].reverse().find((i) => i.keyword === 'USER');
    const lastUser = ownUser ?? users[0];
    const warn = (message: string, line?: number): TransformResult => ({ edits: [], changes: [], warnings: [{ transform: ID, message, line }] });
    if (lastUser) {
      const u = lastUser.args.join(' ');
      if (!ROOT.test(u)) return null;
      return warn(`left \`USER ${u}\` as it is: the Dockerfile asks for root explicitly`, lineNo(doc, lastUser));
    }
    const baseStage = chain[chain.length - 1];
    const base = baseImageInfo(baseStage.resolvedImage);
    let user: string;
    let create: string | null = null;
    if (base.unresolved) return warn(`no USER added: the base image ${baseStage.image} cannot be resolved, so its users are unknown`);
    if (base.officialNode) user = 'node';
    else if (base.distroless) user = 'nonroot';
    else if (base.alpine) {
      user = 'app';
      create = 'RUN addgroup -S app && adduser -S -G app app';
    } else if (base.debian) {
      user = 'app';
      create = 'RUN groupadd --system app && useradd --system --gid app --no-create-home app';
    } else return warn(`no USER added: ${baseStage.image} is neither an official node image nor a known Alpine or Debian base`);

    const lowPorts = stage.instructions
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args)
      .map((p) => Number(p.split('/')[0]))
      .filter((p) => Number.isInteger(p) && p > 0 && p < 1024);
    if (lowPorts.length) return warn(`no USER added: the app listens on port ${lowPorts.join(', ')}, which a non-root user may not bind on every runtime (e.g. Kubernetes)`);
    const words = runtimeCommandWords(doc, stage);
    const scripts = words.filter((w) => /\.sh$/.test(w)).map((w) => w.replace(/^\.\//, ''));
    for (const s of scripts) {
      const body = facts.read(s) ?? facts.read(s.replace(/^.*\//, '')) ?? '';
      if (PRIVILEGE_DROP.test(body)) return warn(`no USER added: ${s} switches users or changes ownership itself and expects to start as root`);
    }

    const edits: Edit[] = [];
    const changes: Change[] = [];
    const fromBlock = stage.from;
    if (create) {
      edits.push(insertAfter(doc, fromBlock, lines(doc, [create])));
      changes.push({ transform: ID, line: lineNo(doc, fromBlock), message: `creates system user ${user}: ${stage.image} has no unprivileged user` });
    }
    let chowned = 0;
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      if (ins.flags.some((f) => f.name === 'chown')) continue;
      const wd = workdirAt(stage, ins);
      const dest = copyDest(ins, wd);
      if (!wd || !dest || !isInside(dest, normalizePosix(wd))) continue;
      const lastFlag = ins.flags.length ? ins.flags[ins.flags.length - 1].end : ins.start + ins.keyword.length;
      edits.push({ start: lastFlag, end: lastFlag, text: ` --chown=${user}:${user}` });
      chowned++;
    }
    if (chowned) changes.push({ transform: ID, message: `\`--chown=${user}:${user}\` on ${chowned === 1 ? 'the copy' : `the ${chowned} copies`} into the app directory: COPY leaves files owned by root otherwise` });
    const anchor = lastWriter(stage) ?? fromBlock;
    edits.push(insertAfter(doc, anchor, lines(doc, [`USER ${user}`])));
    changes.push({ transform: ID, line: lineNo(doc, anchor) + 1, message: `\`USER ${user}\`: the app no longer runs as root${base.officialNode ? ' (the node image ships this user, uid 1000)' : ''}` });
    return { edits, changes };
  },
};

function lastWriter(stage: Stage): Instr | undefined {
  return [...stage.instructions].reverse().find((i) => i.keyword === 'RUN' || i.keyword === 'COPY' || i.keyword === 'ADD');
}
