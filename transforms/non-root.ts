/**
 * non-root: the final stage runs as an unprivileged user. Official node images have `node`
 * (uid 1000), oven/bun images `bun` (uid 1000); distroless has `nonroot`; on other Alpine or Debian bases a system user is
 * created. Copies into the app directory get --chown so the app owns its files.
 */
import { copyParts, normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import { copyDest, finalWorkdir, isContextCopy, isInside, lastStage, lineNo, lines, workdirAt } from '../src/dockerfile/query.js';
import { insertAfter } from '../src/dockerfile/edit.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step } from '../src/engine/findings.js';
import {
  baseImageInfo,
  browserDownloaders,
  chownOfDir,
  classifyRun,
  stageChain,
  stageRunsNode,
  type BaseImage,
} from '../src/model/commands/classify.js';
import type { ChangeCode, Edit, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';

const ID = 'non-root';
const ROOT = /^(root|0)(:.*)?$/;
const PYTHON_TOOL_INSTALL = /(^|[\s/;&|(])(pip3?|pipx)\s+install\b|\bpython[\d.]*\s+-m\s+(pip\s+install|venv)\b/;
const PRIVILEGE_DROP = /\b(gosu|su-exec|setpriv|runuser|chpst|s6-setuidgid)\b|\bsu\s+-|\bchown\b/;

const docs = {
  what: '`USER node` on official node images (uid 1000), `USER bun` on oven/bun images (uid 1000), `USER nonroot` on distroless, a created system user on other Alpine or Debian bases; `--chown` on copies into the app directory, and the app directory itself (and folders RUN made in it) given to that user',
  why: 'the app does not run as root, and can still create files where it could before',
  changes: {
    'create-user': 'a system user is created: the base image has none',
    chown: '--chown on the copies into the app directory',
    user: 'USER: the app no longer runs as root',
    'app-dir-owner': 'the app directory itself belongs to the user, so the app can create files in it',
  },
  holdsBack: {
    'start-through-corepack':
      "no USER added: the start runs a package manager corepack fetched into root's home, with no version pinned",
    'explicit-root': 'left as it is: the Dockerfile asks for root explicitly',
    'base-unresolved': 'no USER added: the base image cannot be resolved',
    'base-unknown': 'no USER added: the base image is not a known node, Alpine or Debian image',
    'low-port': 'no USER added: the app listens on a port below 1024',
    'privilege-drop': 'no USER added: the start command switches users itself and expects root',
    'start-writes-app': 'no USER added: the start installs or builds into directories root created',
    'no-app-dir': 'no USER added: the app runs in / (no WORKDIR), where another user cannot create files',
    'volume-owner': 'no USER added: a VOLUME the app writes to is owned by root (or by the host for a bind mount)',
    'browser-in-root-home':
      "no USER added: puppeteer/playwright installed their browser into root's home, where another user does not look",
    'app-dir-root-owned': 'the app directory stays owned by root: the image has no shell to change it',
    'root-installed-tool':
      'no USER added: a Python tool is installed as root (pip, a venv), and such tools may write into their own folder at run time (scancode builds its license index there)',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const nonRoot = defineTransform({
  id: ID,
  summary: 'the final stage runs as a non-root user (USER node on official images) and owns its files via --chown',
  docs,
  apply({ doc, facts, model }) {
    const checked = check(doc, facts, model);
    if ('stop' in checked) return stopped(checked);
    return emit(doc, plan(doc, checked.go));
  },
});

/** The final stage, once it is known to run as root and to be able to run as `user`. */
interface NonRootInputs {
  stage: Stage;
  /** The image the stage builds on (the root of its chain), as written. */
  baseImage: string;
  base: BaseImage;
  /** The user it runs as: the base image's own, or one created for it. */
  user: string;
  /** The RUN that creates `user` on a base image that has none, or null. */
  create: string | null;
  /** The base is an oven/bun image, which ships user bun. */
  ovenBun: boolean;
  /** The app directory (the final WORKDIR). */
  appDir: string;
}

/** Who owns the app directory itself. */
type AppDirOwner =
  /** `chown` of the directory and the folders RUN made in it: right after `early` (its WORKDIR), else with USER. */
  | { kind: 'chown'; paths: string[]; early: Instr | undefined }
  /** A distroless base has no shell to run a chown: the directory stays root's. */
  | { kind: 'root-owned' };

/** What the final stage gets, as data: `emit` writes the edits and findings. */
interface NonRootPlan extends NonRootInputs {
  /** Where `--chown` goes on each copy into the app directory: after its last flag. */
  chowns: number[];
  /** Null when a RUN of the stage already gives the app directory an owner. */
  appDirOwner: AppDirOwner | null;
  /** The instruction USER follows: the last RUN, COPY or ADD, else FROM. */
  anchor: Instr;
}

/** Does the final stage run Node.js as root by default, and can it run as another user without breaking? */
function check(doc: ParsedDockerfile, facts: ProjectFacts, model: ImageModel): Step<NonRootInputs, Held> {
  const stage = lastStage(doc);
  // A final stage without Node.js (Python serving assets built by an npm stage) is not ours to change.
  if (!stage || !stageRunsNode(doc, stage)) return NOTHING_TO_DO;
  const chain = stageChain(doc, stage);
  const users = chain.flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER'));
  const ownUser = [...stage.instructions].reverse().find((i) => i.keyword === 'USER');
  const lastUser = ownUser ?? users[0];
  if (lastUser) {
    const u = lastUser.args.join(' ');
    if (!ROOT.test(u)) return NOTHING_TO_DO;
    return stop('explicit-root', `left \`USER ${u}\` as it is: the Dockerfile asks for root explicitly`, lineNo(doc, lastUser));
  }
  const baseStage = chain[chain.length - 1];
  const base = baseImageInfo(baseStage.resolvedImage);
  let user: string;
  let create: string | null = null;
  // oven/bun images (Debian, slim, Alpine) ship user bun, uid 1000; the distroless one has no shell for the chown below.
  const ovenBun =
    /^((docker\.io|index\.docker\.io)\/)?oven\/bun(:|@|$)/i.test(baseStage.resolvedImage) &&
    !/distroless/i.test(baseStage.resolvedImage);
  if (base.unresolved)
    return stop(
      'base-unresolved',
      `no USER added: the base image ${baseStage.image} cannot be resolved, so its users are unknown`,
    );
  if (base.officialNode || /chainguard\/node/.test(baseStage.resolvedImage)) user = 'node';
  else if (ovenBun) user = 'bun';
  else if (base.distroless) user = 'nonroot';
  else if (base.alpine) {
    user = 'app';
    create = 'RUN addgroup -S app && adduser -S -G app app';
  } else if (base.debian) {
    user = 'app';
    create = 'RUN groupadd --system app && useradd --system --gid app --no-create-home app';
  } else
    return stop(
      'base-unknown',
      `no USER added: ${baseStage.image} is neither an official node image nor a known Alpine or Debian base`,
    );

  const lowPorts = chain
    .flatMap((st) => st.instructions)
    .filter((i) => i.keyword === 'EXPOSE')
    .flatMap((i) => i.args)
    .map((p) => Number(p.split('/')[0]))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 1024);
  if (lowPorts.length)
    return stop(
      'low-port',
      `no USER added: the app listens on port ${lowPorts.join(', ')}, which a non-root user may not bind on every runtime (e.g. Kubernetes)`,
    );
  // A start command or entrypoint script that drops privileges itself (su-exec, gosu, chown) expects root.
  const words = model.startCommand(stage)!.runs.flat();
  if (PRIVILEGE_DROP.test(words.join(' ')))
    return stop(
      'privilege-drop',
      'no USER added: the start command switches users or changes ownership itself and expects to start as root',
    );
  const wd = finalWorkdir(doc, stage);
  const start = model.start(stage);
  if (start.buildsAtStart)
    return stop('start-writes-app', `no USER added: ${start.buildsAtStart}, writing where root created the files`);
  const corepack = model.unpinnedCorepack(stage);
  if (corepack) return stop('start-through-corepack', `no USER added: ${corepack}`);
  // The app can create files in its directory as root; as another user only where it owns it.
  if (!wd || wd === '/')
    return stop(
      'no-app-dir',
      'no USER added: the app runs in / (there is no WORKDIR), where another user could not create the files it creates as root',
    );
  const volumes = chain.flatMap((st) => st.instructions.filter((i) => i.keyword === 'VOLUME'));
  if (volumes.length)
    return stop(
      'volume-owner',
      `no USER added: \`${volumes[0].text}\` declares data the app writes, and a volume is owned by root (or by the host, for a bind mount), where another user cannot write`,
      lineNo(doc, volumes[0]),
    );
  // Browsers downloaded by an install that ran as root live in /root/.cache, where user node does not look.
  const browsers = browserDownloaders(facts);
  const installsHere = chain.some((st) =>
    st.instructions.some(
      (i) => i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => c.kind === 'install' || c.kind === 'add'),
    ),
  );
  if (
    browsers.length &&
    installsHere &&
    !chain.some((st) =>
      st.instructions.some(
        (i) =>
          i.keyword === 'ENV' &&
          /PUPPETEER_CACHE_DIR|PLAYWRIGHT_BROWSERS_PATH|PUPPETEER_SKIP_(CHROMIUM_)?DOWNLOAD|PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD/.test(
            i.content,
          ),
      ),
    )
  ) {
    return stop(
      'browser-in-root-home',
      `no USER added: ${browsers.join(', ')} installed ${browsers.length === 1 ? 'its' : 'their'} browser into root's home (~/.cache) during the install, and another user would not find it`,
    );
  }
  // A Python tool installed as root may write into its own install on first use (scancode's license
  // index in site-packages): as another user that write fails.
  const pip = chain.flatMap((st) => st.instructions).find((i) => i.keyword === 'RUN' && PYTHON_TOOL_INSTALL.test(i.content));
  if (pip)
    return stop(
      'root-installed-tool',
      `no USER added: \`${pip.text.split(/\r?\n/)[0]}\` installs a Python tool as root, and a tool may write into its own folder at run time (a cache, an index), which another user could not`,
      lineNo(doc, pip),
    );
  for (const w of words) {
    const body = scriptBody(doc, w, facts, wd);
    if (body !== null && PRIVILEGE_DROP.test(body))
      return stop(
        'privilege-drop',
        `no USER added: ${w} switches users or changes ownership itself and expects to start as root`,
      );
  }
  return go({ stage, baseImage: baseStage.image, base, user, create, ovenBun, appDir: wd });
}

/** The copies that get --chown, who owns the app directory, and where USER goes. */
function plan(doc: ParsedDockerfile, inputs: NonRootInputs): NonRootPlan {
  const { stage, appDir: wd } = inputs;
  const chowns: number[] = [];
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    if (ins.flags.some((f) => f.name === 'chown')) continue;
    const wd = workdirAt(stage, ins, doc);
    const dest = copyDest(ins, wd);
    if (!wd || !dest || !isInside(dest, normalizePosix(wd))) continue;
    chowns.push(ins.flags.length ? ins.flags[ins.flags.length - 1].end : ins.start + ins.keyword.length);
  }
  const anchor = lastWriter(stage) ?? stage.from;
  // WORKDIR creates the app directory owned by root (BuildKit does it at once; podman at the first
  // COPY), and so does RUN mkdir: the app, which could create files there as root, must still be able to.
  let appDirOwner: AppDirOwner | null = null;
  if (!stage.instructions.some((i) => chownOfDir(doc, stage, i, wd))) {
    if (inputs.base.distroless) appDirOwner = { kind: 'root-owned' };
    else {
      const made = stage.instructions
        .filter((i) => i.keyword === 'RUN')
        .flatMap((i) =>
          classifyRun(doc, i)
            .commands.filter((c) => c.kind === 'mkdir')
            .flatMap((c) => (c.paths ?? []).map((p) => ({ p, at: workdirAt(stage, i, doc) ?? '/' }))),
        )
        .map(({ p, at }) => normalizePosix(p.startsWith('/') ? p : `${at}/${p}`))
        .filter((p) => isInside(p, wd) && p !== wd && !p.includes('$'));
      // Right after the WORKDIR when nothing later makes or replaces the directory: the layer then stays
      // cached when the copies after it change, so a source edit does not run it again.
      const early = made.length ? undefined : earlyOwnerAnchor(doc, stage, wd, anchor);
      appDirOwner = { kind: 'chown', paths: [wd.includes('$') ? '.' : wd, ...new Set(made)], early };
    }
  }
  return { ...inputs, chowns, appDirOwner, anchor };
}

/** The user created, the copies' --chown, the app directory's owner, and USER after the last write. */
function emit(doc: ParsedDockerfile, p: NonRootPlan): TransformResult<Changed, Held> {
  const { stage, user, appDir: wd, anchor } = p;
  const edits: Edit[] = [];
  const changes: Finding<Changed>[] = [];
  const fromBlock = stage.from;
  if (p.create) {
    edits.push(insertAfter(doc, fromBlock, lines(doc, [p.create])));
    changes.push({
      code: 'create-user',
      line: lineNo(doc, fromBlock),
      message: `creates system user ${user}: ${stage.image} has no unprivileged user`,
    });
  }
  for (const at of p.chowns) edits.push({ start: at, end: at, text: ` --chown=${user}:${user}` });
  const chowned = p.chowns.length;
  if (chowned)
    changes.push({
      code: 'chown',
      message: `\`--chown=${user}:${user}\` on ${chowned === 1 ? 'the copy' : `the ${chowned} copies`} into the app directory: COPY leaves files owned by root otherwise`,
    });
  const own: string[] = [];
  const warnings: Finding<Held>[] = [];
  if (p.appDirOwner?.kind === 'root-owned') {
    warnings.push({
      code: 'app-dir-root-owned',
      message: `${wd} stays owned by root: ${p.baseImage} has no shell to change its owner; the app cannot create files there`,
    });
  } else if (p.appDirOwner?.kind === 'chown') {
    const { paths, early } = p.appDirOwner;
    const chown = `RUN chown ${user}:${user} ${paths.join(' ')}`;
    if (early) edits.push(insertAfter(doc, early, lines(doc, [chown])));
    else own.push(chown);
    changes.push({
      code: 'app-dir-owner',
      line: lineNo(doc, early ?? anchor) + 1,
      message: `\`${chown}\`: ${wd} itself belongs to ${user}, so the app can create files in it (logs, uploads) as it could as root`,
    });
  }
  edits.push(insertAfter(doc, anchor, lines(doc, [...own, `USER ${user}`])));
  changes.push({
    code: 'user',
    line: lineNo(doc, anchor) + 1,
    message: `\`USER ${user}\`: the app no longer runs as root${p.base.officialNode ? ' (the node image ships this user, uid 1000)' : p.ovenBun ? ' (the oven/bun image ships this user, uid 1000)' : ''}`,
  });
  return { edits, changes, warnings };
}

/**
 * The text of a script the start command names: a context file of that path, or the source of a
 * COPY whose destination ends in that name (COPY scripts/entrypoint.sh /usr/local/bin/entrypoint.sh).
 */
function scriptBody(doc: ParsedDockerfile, word: string, facts: ProjectFacts, appDir: string | null): string | null {
  if (!word || word.startsWith('-') || /^(node|npm|yarn|pnpm|bun|sh|bash|exec)$/.test(word)) return null;
  const name = word.replace(/^.*\//, '');
  // /app/docker-entrypoint.sh, when /app holds the context: the context file of that name.
  if (appDir && word.startsWith(appDir + '/')) word = word.slice(appDir.length + 1);
  const rel = word.replace(/^\.\//, '');
  if (!word.startsWith('/')) {
    const direct = facts.read(rel);
    if (direct !== null && /\.(sh|bash)$|^[^.]+$/.test(name)) return direct;
  }
  for (const ins of doc.instructions) {
    if (!isContextCopy(ins)) continue;
    const parts = copyParts(ins);
    if (!parts) continue;
    const destName = parts.dest.endsWith('/') ? null : parts.dest.replace(/^.*\//, '');
    for (const src of parts.sources) {
      const srcName = src.replace(/^.*\//, '');
      if (destName === name || (destName === null && srcName === name)) {
        const body = facts.read(src.replace(/^\.?\//, ''));
        if (body !== null) return body;
      }
    }
  }
  return null;
}

/**
 * The stage's own WORKDIR that makes the app directory, when no COPY/ADD after it copies a whole directory
 * onto the app directory itself (which may bring that directory's owner along): the app directory's chown
 * can run right after it.
 */
function earlyOwnerAnchor(doc: ParsedDockerfile, stage: Stage, wd: string, userAnchor: Instr): Instr | undefined {
  const workdirs = stage.instructions.filter((i) => i.keyword === 'WORKDIR');
  const last = workdirs[workdirs.length - 1];
  // The WORKDIR that ends the stage's writes: the chown goes with USER, after it.
  if (!last || last === userAnchor || workdirAt(stage, { index: last.index + 1 }, doc) !== wd) return undefined;
  const ontoDir = stage.instructions.some(
    (i) =>
      i.index > last.index &&
      (i.keyword === 'COPY' || i.keyword === 'ADD') &&
      copyDest(i, workdirAt(stage, i, doc)) === wd &&
      (copyParts(i)?.sources ?? []).some((src) => !/\.[A-Za-z0-9]+$/.test(src.replace(/\/+$/, '')) || src.endsWith('/')),
  );
  // A user the stage creates after the WORKDIR does not exist yet there.
  const userLater = stage.instructions.some(
    (i) => i.index > last.index && i.keyword === 'RUN' && classifyRun(doc, i).commands.some((c) => c.kind === 'user'),
  );
  return ontoDir || userLater ? undefined : last;
}

/**
 * The last instruction that writes to the image: USER goes after it. A WORKDIR counts (it creates its
 * folder as root), so the folder the app runs in exists when its owner is set.
 */
function lastWriter(stage: Stage): Instr | undefined {
  return [...stage.instructions]
    .reverse()
    .find((i) => i.keyword === 'RUN' || i.keyword === 'COPY' || i.keyword === 'ADD' || i.keyword === 'WORKDIR');
}
