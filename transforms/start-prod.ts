/**
 * start-prod: the start runs node itself instead of a package manager or a compiler.
 *
 * - `npm start` (yarn, pnpm) whose start script is one `node [flags] <file> [args]` call runs that
 *   call directly, so the stop signal reaches node with no package manager in between. node's own
 *   flags are kept as written (`--enable-source-maps`, `--max-old-space-size=512`, `-r dotenv/config`,
 *   `--import ./otel.mjs`, `--env-file=.env`); a start with the debugger, a watcher, code on the
 *   command line, a preload from devDependencies or a flag whose form is not known stays as it is.
 * - A NestJS image whose start is `nest start` (usually through `npm start`) runs the project's
 *   `start:prod` command instead (`node dist/main`), when that is such a call of what the image's
 *   build already created. `nest start` compiles the app again at every start (deleting and
 *   rewriting dist/), so it needs @nestjs/cli, TypeScript and the sources at run time: the runtime
 *   stage could not leave them out. `start:prod` is how Nest's own project template runs the built app.
 */
import { normalizePosix, type Instr, type ParsedDockerfile, type Stage } from '../src/dockerfile/parse.js';
import { finalWorkdir, lastStage, lineNo } from '../src/dockerfile/query.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step, type Stop } from '../src/engine/findings.js';
import { tokenizeShell } from '../src/dockerfile/shell.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import type { Manifest } from '../src/model/project/workspace.js';
import { parseJsonc } from '../src/model/project/tsconfig.js';
import { plainNodeCall, type StartPath } from '../src/model/image/start-path.js';
import type { Created } from '../src/model/image/app-dir.js';
import type { ChangeCode, Edit, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';

const ID = 'start-prod';
const PROD_SCRIPT = 'start:prod';

/** The ways a CMD names the start script or `nest start` itself. */
function isStartInvocation(w: readonly string[], scripts: Record<string, string>): 'script' | 'nest' | null {
  const j = w.join(' ');
  if (/^(npm|yarn|pnpm) (run |run-script )?start$/.test(j)) return scripts.start !== undefined ? 'script' : null;
  if (/^((npx|pnpx|pnpm exec|yarn) )?nest start$/.test(j)) return 'nest';
  return null;
}

/** Where the app's code reads what npm puts in the environment of a script (`npm_package_version`). */
function readsNpmEnv(model: ImageModel): string | null {
  return model.firstSource(/\bnpm_(package|lifecycle|config)_/);
}

/** The file `nest start` runs: `<outDir>/<entryFile>.js` per nest-cli.json (entryFile `main` unless set). */
function nestEntryFile(facts: ProjectFacts, dir: string): string | null {
  const text = facts.read(dir ? `${dir}/nest-cli.json` : 'nest-cli.json');
  if (text === null) return 'main';
  try {
    const cfg = parseJsonc(text) as { entryFile?: unknown; exec?: unknown; monorepo?: unknown };
    if (cfg.monorepo || (cfg.exec !== undefined && cfg.exec !== 'node')) return null;
    return typeof cfg.entryFile === 'string' ? cfg.entryFile : 'main';
  } catch {
    return null;
  }
}

/** The edit that replaces the start invocation in CMD/ENTRYPOINT with `node <entry>`, or why it cannot. */
function rewrite(
  doc: ParsedDockerfile,
  stage: Stage,
  scripts: Record<string, string>,
  prod: string[],
): { edit: Edit; ins: Instr } | { why: string } {
  const ins = [...stage.instructions].reverse().filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  for (const i of ins) {
    if (i.json) {
      const args = i.jsonArgs;
      if (!args || !isStartInvocation(args, scripts)) continue;
      const open = doc.text.indexOf('[', i.start + i.keyword.length);
      const close = doc.text.lastIndexOf(']', i.end);
      const sep = /",\s+"/.test(doc.text.slice(open, close + 1)) ? ', ' : ',';
      const inner = /^\[\s/.test(doc.text.slice(open, close + 1)) ? ' ' : '';
      return {
        ins: i,
        edit: { start: open, end: close + 1, text: `[${inner}${prod.map((x) => JSON.stringify(x)).join(sep)}${inner}]` },
      };
    }
    for (const c of tokenizeShell(doc.text, i.start + i.keyword.length, i.end, doc.escape)) {
      const w = c.words.map((x) => x.value);
      if (!isStartInvocation(w, scripts)) continue;
      return { ins: i, edit: { start: c.start, end: c.end, text: prod.join(' ') } };
    }
  }
  return { why: 'the start command is not written in CMD or ENTRYPOINT itself (a script file or `sh -c` runs it)' };
}

const docs = {
  what: '`CMD ["npm", "start"]` (or yarn/pnpm, exec or shell form) whose start script is one `node [flags] <file> [args]` call becomes that call in exec form (`CMD ["node", "--enable-source-maps", "<file>"]`; node\'s flags as written, a preload from the app or its dependencies) when the app handles SIGTERM itself (as PID 1, node ignores it otherwise); when the image starts through `nest start` (`npm start` in Nest\'s project template) and the build already ran `nest build`, CMD/ENTRYPOINT runs the `start:prod` script\'s command (`node dist/main`) instead, provided it is such a `node [flags] <file>` call of a file the build creates (with any `--env-file` in the image), the script has no pre/post hooks and the app does not read npm\'s environment',
  why: '`nest start` compiles the app again at every start: it needs @nestjs/cli, TypeScript and the sources in the running image, so devDependencies and sources could not stay out of it, and every start takes longer; a start through npm, yarn or pnpm keeps a package manager between Docker and node, which must pass the stop signal on (yarn 1 does not) and which corepack may fetch at start',
  changes: {
    'start-prod': "the start runs start:prod's `node <file>` instead of `nest start`",
    'start-node': "the start runs the start script's `node <file>` itself instead of through npm, yarn or pnpm",
  },
  holdsBack: {
    'nest-start-options': 'left `nest start` as it is: it has options (`--exec`, `--entryFile`, `--debug`, ...)',
    'no-start-prod': 'left `nest start` as it is: package.json has no start:prod script',
    'start-prod-not-node':
      'left `nest start` as it is: start:prod is not one `node [flags] <file>` call (environment, other commands, the debugger, a watcher, a loader from devDependencies, a flag whose form is not known)',
    'start-prod-env-file-missing':
      "left `nest start` as it is: start:prod's `--env-file` names a file the build context does not hold (or leaves out), so node would stop at start-up",
    'start-node-flags':
      'left the start as it is: the start script is a `node` call whose flags are not those of a production run (`--inspect`, `--watch`, `-e`, a loader or preload from devDependencies, a flag whose form is not known)',
    'start-prod-not-built': "left `nest start` as it is: the image's build does not create start:prod's file",
    'start-prod-other-entry':
      'left `nest start` as it is: it runs another entry file than start:prod (nest-cli.json entryFile, exec, monorepo)',
    'start-script-not-plain': 'left the start as it is: the start script does more than `nest start`, or has pre/post hooks',
    'app-reads-npm-env':
      "left the start as it is: the app reads npm's script environment (npm_package_*), which `node` alone does not set",
    'start-through-pnp':
      "left the start as it is: yarn's Plug'n'Play loader resolves the packages, and plain `node` would not load it",
    'start-not-rewritable': 'left the start as it is: a script file or `sh -c` runs it, not CMD/ENTRYPOINT itself',
    'stop-waits-timeout':
      'the switch is made, with a warning: node runs as PID 1 and the app does not handle SIGTERM, so `docker stop` waits its timeout',
    'no-signal-handler':
      'left `npm start` as it is: the app does not handle SIGTERM, which node as PID 1 then ignores (npm passes it on to the app)',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const startProd = defineTransform({
  id: ID,
  summary:
    "the start runs node directly: `npm start` whose script is `node <file>` becomes `node <file>`, and `nest start` runs start:prod's `node dist/main`",
  docs,
  apply({ doc, facts, model }) {
    const checked = check(doc, facts, model);
    if ('stop' in checked) return stopped(checked);
    const planned = plan(doc, facts, model, checked.go);
    if ('stop' in planned) return stopped(planned);
    return emit(doc, planned.go);
  },
});

/** The final stage's start, once it is known to run neither a development server nor without package.json. */
interface StartInputs {
  stage: Stage;
  start: StartPath;
  /** The package the start runs in: '' the root, or the workspace package the final WORKDIR steps into. */
  dir: string;
  /** That package's manifest, its path, and its scripts. */
  manifest: Manifest;
  manifestPath: string;
  scripts: Record<string, string>;
  /** The scripts of that package the start runs (main scripts; hooks for the root). */
  ran: readonly string[];
}

/** The start's new command, as data: `emit` writes it. */
type StartPlan =
  /** `nest start` runs start:prod's `node <file>` (`words`), which the build already made (`built`). */
  | { kind: 'start-prod'; ins: Instr; edit: Edit; words: string[]; built: Created; handler: string | null }
  /** `npm start` runs the start script's `node <file>` (`words`) itself; `handler` handles SIGTERM. */
  | { kind: 'start-node'; ins: Instr; edit: Edit; words: string[]; handler: string };

/** Hold back: the start stays as it is, and why. */
function keep(code: Held, why: string): Stop<Held> {
  return stop(code, `left the start as it is: ${why}`);
}

/** Is there a start to look at: a final stage, package.json, and no development server? */
function check(doc: ParsedDockerfile, facts: ProjectFacts, image: ImageModel): Step<StartInputs, Held> {
  const stage = lastStage(doc);
  const pkg = facts.packageJson;
  if (!stage || !pkg) return NOTHING_TO_DO;
  const start = image.start(stage);
  if (start.devServer) return NOTHING_TO_DO;
  const dir = image.startPackage(stage);
  return go({
    stage,
    start,
    dir,
    manifest: dir ? image.project.workspace.manifest(dir) : pkg,
    manifestPath: dir ? `${dir}/package.json` : 'package.json',
    scripts: dir ? image.project.scripts(dir) : (pkg.scripts ?? {}),
    ran: dir ? start.packageScripts.filter((s) => s.dir === dir).map((s) => s.script) : start.scripts,
  });
}

/** What the start runs instead: start:prod's command for `nest start`, else the start script's node call. */
function plan(doc: ParsedDockerfile, facts: ProjectFacts, image: ImageModel, inputs: StartInputs): Step<StartPlan, Held> {
  if (!inputs.start.nestStart) return plainStart(doc, facts, image, inputs);
  return nestStart(doc, facts, image, inputs, inputs.start.nestStart);
}

/** `nest start` becomes start:prod's `node <file>` when the build already made that file and nothing else differs. */
function nestStart(
  doc: ParsedDockerfile,
  facts: ProjectFacts,
  image: ImageModel,
  { stage, scripts, ran, dir, manifest, manifestPath }: StartInputs,
  nest: { words: string[]; line: string },
): Step<StartPlan, Held> {
  if (nest.words.length > 2)
    return keep('nest-start-options', `\`${nest.words.join(' ')}\` has options that start:prod may not match`);
  // Through the start script: it must be `nest start` and nothing else, with no hooks around it.
  const viaScript = ran.length > 0;
  if (viaScript) {
    const hooks = ['prestart', 'poststart'].filter((h) => scripts[h] !== undefined);
    if (scripts.start?.trim() !== 'nest start' || hooks.length || ran.some((s) => s !== 'start'))
      return keep(
        'start-script-not-plain',
        hooks.length
          ? `npm runs the ${hooks.join(' and ')} script${hooks.length > 1 ? 's' : ''} around \`nest start\``
          : `the start runs \`${nest.line}\`, more than \`nest start\` alone`,
      );
  }
  const prod = plainNodeCall(scripts[PROD_SCRIPT], manifest);
  if ('why' in prod) {
    if (scripts[PROD_SCRIPT] === undefined)
      return keep(
        'no-start-prod',
        `\`nest start\` compiles the app at every start, and ${manifestPath} has no start:prod script to run the build instead`,
      );
    return keep('start-prod-not-node', `start:prod ${prod.why}, so it may not start the app the way \`nest start\` does`);
  }
  const entryFile = nestEntryFile(facts, dir);
  const inPackage = (p: string) => (dir ? `${dir}/${p.replace(/^\.\//, '')}` : p);
  const base = prod.entry.replace(/\.js$/, '').split('/').pop();
  if (entryFile === null || entryFile.split('/').pop() !== base)
    return keep(
      'start-prod-other-entry',
      `\`nest start\` runs ${entryFile === null ? 'an entry nest-cli.json sets up in its own way (exec, monorepo)' : `dist/…/${entryFile}.js`}, start:prod runs ${prod.entry}`,
    );
  // start:prod's file must be an output of the build this image runs (nest build, tsc into dist/).
  // (The build's outputs are paths of the context: in a package, its folder comes first.)
  const appDir = dir ? image.startWhere(stage).base : finalWorkdir(doc, stage);
  const model = appDir && appDir !== '/' ? image.appDir(stage, normalizePosix(appDir)) : null;
  const entry = inPackage(prod.entry);
  const out = model?.created.find(
    (c) => (c.type === 'dir' || c.type === 'any') && (entry === c.path || entry.startsWith(c.path + '/')),
  );
  if (!model || !out)
    return keep(
      'start-prod-not-built',
      `the build does not create ${prod.entry} (no \`nest build\` in the Dockerfile), so \`nest start\` is what builds it`,
    );
  // Yarn Plug'n'Play: `yarn start` loads .pnp.cjs, plain node would not find a single package.
  if (viaScript && facts.manager === 'yarn-berry' && !/nodeLinker:\s*["']?node-modules/.test(facts.read('.yarnrc.yml') ?? ''))
    return keep(
      'start-through-pnp',
      "yarn starts the app with Plug'n'Play's loader (.pnp.cjs), which plain `node` would not load",
    );
  const npmEnv = readsNpmEnv(image);
  if (npmEnv && viaScript)
    return keep(
      'app-reads-npm-env',
      `${npmEnv} reads npm's script environment (npm_package_*), which \`node\` alone does not set`,
    );
  // An env file node must read (--env-file) has to be in the image: `nest start` did not need it.
  const missing = prod.envFiles
    .map((f) => ({ ...f, path: inPackage(f.path) }))
    .find((f) => !f.optional && (!image.project.hasFile(f.path) || facts.ignored(f.path)));
  if (missing)
    return keep(
      'start-prod-env-file-missing',
      `start:prod's \`--env-file\` names ${missing.path}, which the build context ${image.project.hasFile(missing.path) ? 'leaves out (.dockerignore)' : 'does not hold'}: node would stop at start-up`,
    );
  const r = rewrite(doc, stage, scripts, prod.words);
  if ('why' in r) return keep('start-not-rewritable', r.why);
  return go({ kind: 'start-prod', ins: r.ins, edit: r.edit, words: prod.words, built: out, handler: handlesSigterm(image) });
}

/** Words as an exec-form CMD: `["node", "server.js"]`. */
function execForm(words: readonly string[]): string {
  return `[${words.map((x) => JSON.stringify(x)).join(', ')}]`;
}

/** Where the app's code handles SIGTERM itself (a graceful shutdown), or null. */
function handlesSigterm(model: ImageModel): string | null {
  // process.on('SIGTERM', ...), or NestJS' enableShutdownHooks(), which listens for the termination signals.
  return model.firstSource(/\b(process|proc)\s*\.\s*(on|once|addListener)\s*\(\s*["'`]SIGTERM["'`]|\.enableShutdownHooks\s*\(/);
}

/**
 * `npm start` (yarn, pnpm) whose start script is `node <file>`: the start runs that directly, so the
 * stop signal reaches node without a package manager in between and the runtime needs none.
 */
function plainStart(
  doc: ParsedDockerfile,
  facts: ProjectFacts,
  image: ImageModel,
  { stage, scripts, ran, manifest }: StartInputs,
): Step<StartPlan, Held> {
  if (ran.length !== 1 || ran[0] !== 'start') return NOTHING_TO_DO;
  const call = plainNodeCall(scripts.start, manifest);
  if ('why' in call && !call.nodeCall) return NOTHING_TO_DO;
  const found = rewrite(doc, stage, scripts, 'why' in call ? ['node'] : call.words);
  if ('why' in found) return NOTHING_TO_DO;
  const hooks = ['prestart', 'poststart'].filter((h) => scripts[h] !== undefined);
  if (hooks.length) return NOTHING_TO_DO; // the start runs more than node: analyzeStart lists the hook scripts too
  if ('why' in call)
    return stop(
      'start-node-flags',
      `left \`${found.ins.text.split(/\r?\n/)[0]}\` as it is: the start script ${call.why}`,
      lineNo(doc, found.ins),
    );
  if (facts.manager === 'yarn-berry' && !/nodeLinker:\s*["']?node-modules/.test(facts.read('.yarnrc.yml') ?? ''))
    return keep(
      'start-through-pnp',
      "yarn starts the app with Plug'n'Play's loader (.pnp.cjs), which plain `node` would not load",
    );
  const npmEnv = readsNpmEnv(image);
  if (npmEnv)
    return keep(
      'app-reads-npm-env',
      `${npmEnv} reads npm's script environment (npm_package_*), which \`node\` alone does not set`,
    );
  const handler = handlesSigterm(image);
  if (!handler)
    return stop(
      'no-signal-handler',
      `left \`${found.ins.text.split(/\r?\n/)[0]}\` as it is: as PID 1, node ignores the SIGTERM of \`docker stop\` unless the app handles it, and ${/\byarn\b/.test(found.ins.text) ? 'yarn' : /\bpnpm\b/.test(found.ins.text) ? 'pnpm' : 'npm'} stands in between today; with a SIGTERM handler (or \`docker run --init\`), \`CMD ${execForm(call.words)}\` would start it without a package manager`,
      lineNo(doc, found.ins),
    );
  return go({ kind: 'start-node', ins: found.ins, edit: found.edit, words: call.words, handler });
}

/** The new start command, and what it changes; a warning when node, as PID 1, would ignore SIGTERM. */
function emit(doc: ParsedDockerfile, p: StartPlan): TransformResult<Changed, Held> {
  if (p.kind === 'start-prod')
    return {
      edits: [p.edit],
      changes: [
        {
          code: 'start-prod',
          line: lineNo(doc, p.ins),
          message: `the start runs start:prod's \`${p.words.join(' ')}\` instead of \`nest start\`: the build already made ${p.built.path}/ (${p.built.why}), and \`nest start\` would compile it again at every start with @nestjs/cli and TypeScript, which the runtime image then needs; node now runs as PID 1`,
        },
      ],
      // As PID 1, node ignores SIGTERM unless the app handles it (the package manager passed it on before).
      ...(p.handler
        ? {}
        : {
            warnings: [
              {
                code: 'stop-waits-timeout',
                line: lineNo(doc, p.ins),
                message:
                  'node now runs as PID 1, and the app does not handle SIGTERM: `docker stop` waits its timeout (10 s) before it kills the app; call `app.enableShutdownHooks()` in main.ts (or run the container with `--init`)',
              },
            ],
          }),
    };
  // A shell-form CMD that is only the start becomes exec form: node itself receives the signal.
  const ins = p.ins;
  const whole =
    !ins.json &&
    ins.argRanges.length &&
    tokenizeShell(doc.text, ins.start + ins.keyword.length, ins.end, doc.escape).length === 1;
  const edit = whole ? { start: ins.argRanges[0][0], end: ins.end, text: execForm(p.words) } : p.edit;
  return {
    edits: [edit],
    changes: [
      {
        code: 'start-node',
        line: lineNo(doc, p.ins),
        message: `the start runs \`${p.words.join(' ')}\` itself instead of through the start script: SIGTERM reaches node (${p.handler} handles it) with no package manager in between, and the image needs none to start`,
      },
    ],
  };
}
