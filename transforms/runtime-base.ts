/**
 * runtime-base: the runtime stage of a multi-stage build moves from the full Debian node image to
 * its slim variant (same Node.js version, same Debian release, so the same glibc the build stage
 * compiled native modules against). The build stage keeps the full image and its compilers.
 * `--runtime-base alpine|distroless|<image>` asks for more, refused where it cannot work.
 */
import type { Instr, ParsedDockerfile, Stage } from '../src/dockerfile/parse.js';
import { lastStage, lineNo, stageNamed } from '../src/dockerfile/query.js';
import { holdBack } from '../src/engine/findings.js';
import type { ChangeCode, Finding, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';
import {
  alpineTag,
  FULL_IMAGE_ONLY_TOOLS,
  INSTALL_SCRIPT_ONLY,
  NATIVE_SELF_CONTAINED,
  NOT_IN_ALPINE,
  parseNodeTag,
  slimTag,
  type NodeTag,
} from '../src/model/image/base-images.js';
import {
  baseImageInfo,
  classifyRun,
  installOmitsDev,
  stageChain,
  type ClassifiedCommand,
} from '../src/model/commands/classify.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import { tokenizeShell } from '../src/dockerfile/shell.js';

const ID = 'runtime-base';

/** Install scripts that only print or check: nothing platform-specific is left behind. */
const PURE_SCRIPT = new Set(['core-js', 'core-js-pure', 'es5-ext', 'protobufjs', '@nestjs/core', 'nodemon', 'husky']);

type Kind = 'slim' | 'alpine' | 'distroless' | 'image';

/** The runtime stage and its official node base image, or why there is nothing to change. */
interface Checked {
  stage: Stage;
  /** The image as written, and where it is in the text. */
  image: string;
  range: [number, number];
  /** Everything before the tag (registry, `library/`, `node`). */
  repo: string;
  tag: NodeTag;
}

/** The image the runtime stage gets, and what the report says about it. */
interface Plan {
  image: string;
  kind: Kind;
  /** For distroless: the CMD rewritten without `node`. */
  cmd?: { ins: Instr; text: string };
}

const docs = {
  what: 'the runtime stage of a multi-stage build moves from the full Debian node image (`node:22`, `node:22-bookworm`, `node:lts`) to the matching `-slim` image, same Node.js version and Debian release; the build stage keeps the full image and its compilers; `--runtime-base alpine`, `distroless` or an image name asks for more',
  why: "the full image's compilers, headers, git and python are build tools: the image that runs is several hundred MB smaller",
  changes: {
    slim: 'the runtime stage on the matching slim image',
    alpine: 'the runtime stage on the matching Alpine image (--runtime-base alpine)',
    distroless: 'the runtime stage on the distroless Node.js image, CMD without `node` (--runtime-base distroless)',
    image: 'the runtime stage on the image given with --runtime-base',
  },
  holdsBack: {
    'base-variable': 'left the runtime base as it is: the image is chosen by a build argument, which may name any variant',
    'digest-pinned': 'left the runtime base as it is: it is pinned by digest, and the slim digest cannot be told',
    'tag-unknown': 'left the runtime base as it is: the tag is not one of the official node image tags the tool knows',
    'base-is-stage': 'left the runtime base as it is: the runtime stage starts from another stage the build also uses',
    'runtime-builds': 'left the runtime base as it is: the runtime stage installs or builds, which needs the full image',
    'needs-tool': 'left the runtime base as it is: the runtime stage or the start runs a tool only the full image has',
    'native-system-library':
      'left the runtime base as it is: a production dependency needs a system library only the full image has',
    'native-unknown': 'left the runtime base as it is: production dependencies run install scripts whose needs are not known',
    'app-spawns-tool': 'left the runtime base as it is: the app starts a tool (child_process) only the full image has',
    'alpine-native': 'not moved to Alpine: production dependencies carry native code compiled for glibc, or it cannot be told',
    'alpine-shell': 'not moved to Alpine: the runtime stage needs bash or apt',
    'distroless-shell':
      'not moved to distroless: the runtime stage runs a shell (RUN, shell-form CMD/ENTRYPOINT/HEALTHCHECK, a script)',
    'distroless-start':
      'not moved to distroless: the start is not `node <file>` (npm, yarn and other tools are not in the image)',
    'distroless-version': 'not moved to distroless: the Node.js major version is not one distroless publishes',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const runtimeBase = defineTransform({
  id: ID,
  summary: 'the runtime stage runs on the slim node image (the build stage keeps the full one)',
  docs,
  apply({ doc, facts, options, model }) {
    const checked = check(doc);
    if (!checked || 'code' in checked) return checked ? holdBack(checked.code, checked.message, checked.line) : null;
    const kind = requestedKind(options.runtimeBase);
    if (kind === null) return null;
    const refusal = needs(doc, checked, facts, model, kind);
    if (refusal) return holdBack(refusal.code, refusal.message, refusal.line);
    const plan = planImage(doc, checked, kind, options.runtimeBase ?? 'slim');
    if ('code' in plan) return holdBack(plan.code, plan.message, plan.line);
    if (plan.image === checked.image) return null;
    return emit(doc, checked, plan);
  },
});

function requestedKind(value: string | undefined): Kind | null {
  if (value === undefined || value === '' || value === 'slim') return 'slim';
  if (value === 'full' || value === 'keep') return null;
  if (value === 'alpine' || value === 'distroless') return value;
  return 'image';
}

/** The runtime stage of a multi-stage build, on an official full Debian node image. */
function check(doc: ParsedDockerfile): Checked | Finding<Held> | null {
  const stage = lastStage(doc);
  if (!stage || doc.stages.length < 2) return null;
  const from = stage.from;
  if (!from.args.length) return null;
  const image = from.args[0];
  const line = lineNo(doc, from);
  const parent = stageNamed(doc, image);
  if (parent && parent.index < stage.index) {
    const root = stageChain(doc, parent).pop()!;
    const tag = parseNodeTag(root.resolvedImage.split('/').pop()!.split(':')[1] ?? 'latest');
    if (!baseImageInfo(root.resolvedImage).officialNode || !tag || tag.variant) return null;
    return {
      code: 'base-is-stage',
      message: `left \`FROM ${image}\` as it is: the runtime stage starts from a stage the build also uses`,
      line,
    };
  }
  const info = baseImageInfo(stage.resolvedImage);
  if (!info.officialNode) return null;
  if (image.includes('@'))
    return {
      code: 'digest-pinned',
      message: `left \`FROM ${image}\` as it is: it is pinned by digest, and the slim image's digest cannot be told`,
      line,
    };
  const resolved = stage.resolvedImage;
  if (resolved.includes('$'))
    return {
      code: 'base-variable',
      message: `left \`FROM ${image}\` as it is: a build argument chooses the image, and may name a variant that has no slim image`,
      line,
    };
  const lastSlash = resolved.lastIndexOf('/');
  const colon = resolved.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? resolved.slice(0, colon) : resolved;
  const tagText = colon >= 0 ? resolved.slice(colon + 1) : 'latest';
  const tag = parseNodeTag(tagText.toLowerCase());
  if (!tag)
    return {
      code: 'tag-unknown',
      message: `left \`FROM ${image}\` as it is: \`${tagText}\` is not an official node image tag the tool knows`,
      line,
    };
  if (tag.variant) return null; // already slim or Alpine
  if (image.includes('$'))
    return {
      code: 'base-variable',
      message: `left \`FROM ${image}\` as it is: a build argument chooses the image, and may name a variant that has no slim image`,
      line,
    };
  return { stage, image, range: from.argRanges[0], repo, tag };
}

/** Why the runtime cannot move to the smaller image, or null. */
function needs(doc: ParsedDockerfile, c: Checked, facts: ProjectFacts, model: ImageModel, kind: Kind): Finding<Held> | null {
  const { stage } = c;
  // An install or build in the runtime stage needs the full image's compilers for native modules.
  const native = model.nativeDependencies();
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'RUN') continue;
    const cmds = classifyRun(doc, ins).commands;
    const builds = cmds.find(
      (cm) => cm.kind === 'build' || ((cm.kind === 'install' || cm.kind === 'add') && !installOmitsDev(cm)),
    );
    if (builds)
      return {
        code: 'runtime-builds',
        message: `left \`FROM ${c.image}\` as it is: the runtime stage runs \`${commandText(builds)}\`, which may need the full image's compilers`,
        line: lineNo(doc, ins),
      };
    const prodInstall = cmds.find((cm) => cm.kind === 'install' && installOmitsDev(cm));
    if (prodInstall) {
      const compiled = native.withInstallScript.filter((p) => !INSTALL_SCRIPT_ONLY.has(p));
      if (!native.known || compiled.length)
        return {
          code: 'runtime-builds',
          message: `left \`FROM ${c.image}\` as it is: the runtime stage runs \`${commandText(prodInstall)}\`, and ${
            native.known
              ? `${compiled.join(', ')} compile${compiled.length === 1 ? 's' : ''} native code`
              : 'the lockfile does not tell which packages compile native code'
          }; that needs the full image's compilers`,
          line: lineNo(doc, ins),
        };
    }
  }
  // Tools the runtime stage or the start runs.
  const missingTool = (bin: string, who: string, line?: number): Finding<Held> => ({
    code: kind === 'alpine' && NOT_IN_ALPINE.has(bin) ? 'alpine-shell' : 'needs-tool',
    message: `left \`FROM ${c.image}\` as it is: ${who} runs \`${bin}\`, which the ${kind === 'alpine' ? 'Alpine' : 'slim'} image does not have`,
    ...(line !== undefined ? { line } : {}),
  });
  const installed = packagesInstalled(doc, stage);
  const missing = kind === 'alpine' ? new Set([...FULL_IMAGE_ONLY_TOOLS, ...NOT_IN_ALPINE]) : FULL_IMAGE_ONLY_TOOLS;
  const alpineHas = new Set(['wget', 'ps', 'pgrep', 'pkill', 'top', 'free', 'unzip', 'bzip2', 'xz', 'unxz', 'patch']);
  const lacks = (tool: string) => missing.has(tool) && !installed.has(tool) && !(kind === 'alpine' && alpineHas.has(tool));
  for (const ins of stage.instructions) {
    if (!['RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(ins.keyword)) continue;
    for (const words of commandWords(doc, ins)) {
      const bin = words[0]?.split('/').pop() ?? '';
      if (lacks(bin)) return missingTool(bin, ins.keyword, lineNo(doc, ins));
    }
  }
  const start = model.start(stage);
  for (const words of start.commands) {
    const bin = words[0]?.split('/').pop() ?? '';
    if (lacks(bin)) return missingTool(bin, 'the start');
  }
  // Prisma's engines look for OpenSSL (the openssl binary, libssl), which the slim image lacks.
  if (!installed.has('openssl')) {
    const pkg = facts.packageJson;
    const prismaDep = ['prisma', '@prisma/client'].find((p) => pkg?.dependencies?.[p] ?? pkg?.devDependencies?.[p]);
    const prismaRun = doc.stages
      .flatMap((st) => st.instructions)
      .find((i) => ['RUN', 'CMD', 'ENTRYPOINT'].includes(i.keyword) && /(^|[\s/"])prisma(\s|")/.test(i.content));
    const prismaStart = start.commands.some((w) => w.includes('prisma'));
    if (prismaDep || prismaRun || prismaStart)
      return {
        code: 'native-system-library',
        message: `left \`FROM ${c.image}\` as it is: ${
          prismaRun
            ? `prisma runs at line ${lineNo(doc, prismaRun)}`
            : prismaDep
              ? `the app uses ${prismaDep}`
              : 'the start runs prisma'
        }, and Prisma's engines need OpenSSL, which the slim image lacks`,
      };
  }
  // Native code that links libraries only the full image has.
  const [lib] = native.needingLibraries;
  if (lib)
    return {
      code: 'native-system-library',
      message: `left \`FROM ${c.image}\` as it is: the production dependency ${lib[0]} ${lib[1]}`,
    };
  if (kind === 'alpine') {
    const glibc = [...native.withInstallScript.filter((p) => !PURE_SCRIPT.has(p)), ...native.platformBinaries];
    if (!native.known || glibc.length)
      return {
        code: 'alpine-native',
        message: native.known
          ? `not moved to Alpine: ${glibc.join(', ')} carr${glibc.length === 1 ? 'ies' : 'y'} native code built for glibc in the build stage`
          : 'not moved to Alpine: without a package-lock.json it cannot be told whether production dependencies carry native code built for glibc',
      };
  } else if (native.known) {
    const unknown = native.withInstallScript.filter((p) => !NATIVE_SELF_CONTAINED.has(p));
    if (unknown.length)
      return {
        code: 'native-unknown',
        message: `left \`FROM ${c.image}\` as it is: the production ${unknown.length === 1 ? 'dependency' : 'dependencies'} ${unknown.map((p) => `\`${p}\``).join(', ')} run${unknown.length === 1 ? 's' : ''} an install script, and what ${unknown.length === 1 ? 'it builds' : 'they build'} may need libraries only the full image has`,
      };
  }
  // A tool only the full image has, named as a command in app code that starts processes.
  const spawn = model.spawnedPrograms().flatMap((p) => p.names.filter(lacks).map((tool) => ({ file: p.file, tool })))[0];
  if (spawn)
    return {
      code: 'app-spawns-tool',
      message: `left \`FROM ${c.image}\` as it is: ${spawn.file} starts \`${spawn.tool}\` (child_process), which the ${kind === 'alpine' ? 'Alpine' : 'slim'} image does not have`,
    };
  return null;
}

/** The image for the runtime stage. */
function planImage(doc: ParsedDockerfile, c: Checked, kind: Kind, requested: string): Plan | Finding<Held> {
  if (kind === 'slim') return { kind, image: `${c.repo}:${slimTag(c.tag)}` };
  if (kind === 'alpine') return { kind, image: `${c.repo}:${alpineTag(c.tag)}` };
  if (kind === 'image') return { kind, image: requested };
  // distroless: node is the entrypoint; no shell at all.
  const line = lineNo(doc, c.stage.from);
  const major = /^\d+/.exec(c.tag.version)?.[0];
  if (!major || !['18', '20', '22', '24'].includes(major))
    return {
      code: 'distroless-version',
      message: `not moved to distroless: ${c.tag.version ? `Node.js ${major ?? c.tag.version}` : 'the latest Node.js'} has no distroless image the tool can name (18, 20, 22, 24)`,
      line,
    };
  let cmd: Plan['cmd'];
  for (const ins of c.stage.instructions) {
    const shellForm = !ins.json && ['CMD', 'ENTRYPOINT'].includes(ins.keyword);
    if (
      ins.keyword === 'RUN' ||
      shellForm ||
      (ins.keyword === 'HEALTHCHECK' && !/^\s*NONE\b/i.test(ins.content) && !/CMD\s*\[/.test(ins.content))
    )
      return {
        code: 'distroless-shell',
        message: `not moved to distroless: \`${ins.keyword}\` at line ${lineNo(doc, ins)} needs a shell, which the distroless image does not have`,
        line: lineNo(doc, ins),
      };
    if (ins.keyword === 'ENTRYPOINT')
      return {
        code: 'distroless-start',
        message: "not moved to distroless: the ENTRYPOINT would replace the image's `node`",
        line: lineNo(doc, ins),
      };
    if (ins.keyword === 'CMD') {
      const args = ins.jsonArgs ?? [];
      if (args[0] !== 'node' || args.length < 2 || !/\.(c|m)?js$|^[^-]/.test(args[1]))
        return {
          code: 'distroless-start',
          message: `not moved to distroless: the start \`${args.join(' ')}\` is not \`node <file>\`, and the distroless image has only node`,
          line: lineNo(doc, ins),
        };
      cmd = { ins, text: `CMD ${JSON.stringify(args.slice(1)).replace(/","/g, '", "')}` };
    }
  }
  return { kind, image: `gcr.io/distroless/nodejs${major}-debian12`, cmd };
}

function emit(doc: ParsedDockerfile, c: Checked, plan: Plan): TransformResult<Changed, Held> {
  const edits = [{ start: c.range[0], end: c.range[1], text: plan.image }];
  const line = lineNo(doc, c.stage.from);
  const build = doc.stages.find((s) => s !== c.stage && s.resolvedImage === c.stage.resolvedImage);
  const kept = build ? ` (the ${build.name ? `\`${build.name}\`` : 'build'} stage keeps ${c.image} and its compilers)` : '';
  const messages: Record<Kind, string> = {
    slim: `\`FROM ${c.image}\` → \`FROM ${plan.image}\` in the runtime stage: same Node.js and Debian release, without the compilers, headers, git and python of the full image (several hundred MB less)${kept}`,
    alpine: `\`FROM ${c.image}\` → \`FROM ${plan.image}\` in the runtime stage: no production dependency carries native code, so musl runs it${kept}`,
    distroless: `\`FROM ${c.image}\` → \`FROM ${plan.image}\` in the runtime stage: node only, no shell or package manager${kept}`,
    image: `\`FROM ${c.image}\` → \`FROM ${plan.image}\` in the runtime stage, as --runtime-base asks; the tool checked the tools and native dependencies the runtime needs against the slim image, not against this one${kept}`,
  };
  const changes: Finding<Changed>[] = [{ code: plan.kind, line, message: messages[plan.kind] }];
  if (plan.cmd) {
    edits.push({ start: plan.cmd.ins.start, end: plan.cmd.ins.end, text: plan.cmd.text });
    changes.push({
      code: 'distroless',
      line: lineNo(doc, plan.cmd.ins),
      message: `\`${plan.cmd.ins.text}\` → \`${plan.cmd.text}\`: the distroless image's entrypoint is node`,
    });
  }
  return { edits, changes };
}

const commandText = (c: ClassifiedCommand) => c.words.map((w) => w.value).join(' ');

/** The simple commands of a RUN, CMD, ENTRYPOINT or HEALTHCHECK, as words. */
function commandWords(doc: ParsedDockerfile, ins: Instr): string[][] {
  if (ins.keyword === 'HEALTHCHECK') {
    const m = /\bCMD\s+/i.exec(ins.content);
    if (!m) return [];
    const rest = ins.content.slice(m.index + m[0].length).trim();
    if (rest.startsWith('[')) {
      try {
        const args = JSON.parse(rest) as string[];
        return args[0] === 'CMD-SHELL' ? words(args.slice(1).join(' ')) : [args];
      } catch {
        return words(rest);
      }
    }
    return words(rest);
  }
  if (ins.json) return ins.jsonArgs?.length ? [ins.jsonArgs] : [];
  if (ins.keyword === 'RUN') return classifyRun(doc, ins).commands.map((c) => c.words.map((w) => w.value));
  return tokenizeShell(doc.text, ins.start + ins.keyword.length, ins.end, doc.escape).map((c) => c.words.map((w) => w.value));
}

function words(text: string): string[][] {
  return tokenizeShell(text, 0, text.length).map((c) => c.words.map((w) => w.value));
}

/** Commands the runtime stage installs itself (apt-get/apk install curl gives it curl). */
function packagesInstalled(doc: ParsedDockerfile, stage: Stage): Set<string> {
  const out = new Set<string>();
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'RUN') continue;
    for (const c of classifyRun(doc, ins).commands) {
      for (const p of c.packages ?? []) {
        out.add(p);
        if (p === 'procps') for (const t of ['ps', 'pgrep', 'pkill', 'top', 'free']) out.add(t);
        if (p === 'openssh-client') for (const t of ['ssh', 'scp', 'sftp']) out.add(t);
        if (p === 'build-essential') for (const t of ['make', 'gcc', 'g++', 'cc', 'c++', 'cpp', 'ld']) out.add(t);
        if (p === 'imagemagick') for (const t of ['convert', 'identify']) out.add(t);
        if (/^postgresql-client/.test(p)) for (const t of ['psql', 'pg_dump']) out.add(t);
        if (/^(default-)?mysql-client|mariadb-client/.test(p)) out.add('mysql');
        if (p === 'xz-utils') for (const t of ['xz', 'unxz']) out.add(t);
      }
    }
  }
  return out;
}
