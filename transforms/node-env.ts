/**
 * node-env: `ENV NODE_ENV=production` in the final stage, where frameworks read it at run
 * time. Never before an install that needs devDependencies.
 */
import { lastStage, lineNo, lines } from '../src/dockerfile/query.js';
import { insertAfter } from '../src/dockerfile/edit.js';
import { go, NOTHING_TO_DO, stop, stopped, type Step } from '../src/engine/findings.js';
import { classifyRun, installOmitsDev, stageChain, stageRunsNode } from '../src/model/commands/classify.js';
import type { Instr, ParsedDockerfile, Stage } from '../src/dockerfile/parse.js';
import type { ProjectFacts } from '../src/model/project/facts.js';
import type { ChangeCode, HoldCode, TransformDocs, TransformResult } from '../src/engine/types.js';
import { defineTransform, type ImageModel } from '../src/model/image/model.js';

const ID = 'node-env';

const docs = {
  what: '`ENV NODE_ENV=production` in the final stage, never before an install that needs devDependencies',
  why: 'Express and other frameworks skip development-only work and verbose errors',
  changes: {
    'node-env': 'ENV NODE_ENV=production in the final stage',
  },
  holdsBack: {
    'node-env-set': 'left the NODE_ENV the Dockerfile sets as it is',
    'app-reads-node-env': "not added: the app's code or configuration behaves differently under NODE_ENV=production",
    'no-context': 'not added: without the build context it cannot be told whether the app depends on NODE_ENV',
    'development-image': 'not added: the image runs a development server',
  },
} satisfies TransformDocs;
type Changed = ChangeCode<typeof docs>;
type Held = HoldCode<typeof docs>;

export const nodeEnv = defineTransform({
  id: ID,
  summary: 'ENV NODE_ENV=production in the final stage, after any install that needs devDependencies',
  docs,
  apply({ doc, facts, model }) {
    const checked = check(doc, facts, model);
    if ('stop' in checked) return stopped(checked);
    return emit(doc, plan(doc, checked.go));
  },
});

/** The final stage, once NODE_ENV is known to be unset there and safe to set. */
interface NodeEnvInputs {
  stage: Stage;
}

/** Where the ENV goes, as data: `emit` writes it. */
interface NodeEnvPlan {
  /** The instruction the ENV follows: the last RUN that installs devDependencies or builds, else FROM. */
  anchor: Instr;
}

/** Does the final stage run Node.js without a NODE_ENV, in an app that behaves the same under NODE_ENV=production? */
function check(doc: ParsedDockerfile, facts: ProjectFacts, model: ImageModel): Step<NodeEnvInputs, Held> {
  const stage = lastStage(doc);
  // A final stage without Node.js (Python serving assets built by an npm stage) is not ours to change.
  if (!stage || !stageRunsNode(doc, stage)) return NOTHING_TO_DO;
  for (const st of stageChain(doc, stage)) {
    for (const i of st.instructions) {
      if (i.keyword !== 'ENV') continue;
      const m = /(?:^|\s)NODE_ENV(?:=|\s+)["']?([^"'\s]*)/.exec(i.content);
      if (!m) continue;
      if (st !== stage && st.index < stage.index) return NOTHING_TO_DO;
      if (m[1] !== 'production') return stop('node-env-set', `left NODE_ENV=${m[1]} as it is`, lineNo(doc, i));
      return NOTHING_TO_DO;
    }
  }
  // NODE_ENV=production changes behaviour, not only speed, where the app branches on it.
  if (!facts.files)
    return stop(
      'no-context',
      'left NODE_ENV unset: without the build context it cannot be told whether the app behaves differently under NODE_ENV=production',
    );
  const use = model.nodeEnvUse();
  if (use)
    return stop(
      'app-reads-node-env',
      `left NODE_ENV unset: ${use.file}: ${use.why}, so NODE_ENV=production would change what the app does; set it yourself once that is what you want`,
    );
  if (model.start(stage).devServer) return stop('development-image', 'left NODE_ENV unset: the image runs a development server');
  return go({ stage });
}

/** After the last RUN that installs devDependencies or builds, else right after FROM. */
function plan(doc: ParsedDockerfile, { stage }: NodeEnvInputs): NodeEnvPlan {
  let anchor = stage.from;
  for (const i of stage.instructions) {
    if (i.keyword !== 'RUN') continue;
    const cmds = classifyRun(doc, i).commands;
    // A RUN that cannot be read (heredoc, sh -c in exec form) may install or build.
    if (!cmds.length) anchor = i;
    if (
      cmds.some(
        (c) => (c.kind === 'install' && !installOmitsDev(c)) || c.kind === 'build' || c.kind === 'test' || c.kind === 'prune',
      )
    )
      anchor = i;
  }
  return { anchor };
}

/** The ENV after its anchor. */
function emit(doc: ParsedDockerfile, { anchor }: NodeEnvPlan): TransformResult<Changed, Held> {
  return {
    edits: [insertAfter(doc, anchor, lines(doc, ['ENV NODE_ENV=production']))],
    changes: [
      {
        code: 'node-env',
        line: lineNo(doc, anchor) + 1,
        message:
          '`ENV NODE_ENV=production` in the final stage: Express and other frameworks skip dev-only work and verbose errors',
      },
    ],
  };
}
