/**
 * node-env: `ENV NODE_ENV=production` in the final stage, where frameworks read it at run
 * time. Never before an install that needs devDependencies.
 */
import { holdBack, insertAfter, lastStage, lineNo, lines } from '../src/helpers.js';
import { classifyRun, installOmitsDev, stageChain, stageRunsNode } from '../src/node.js';
import type { Transform } from '../src/types.js';

const ID = 'node-env';

export const nodeEnv: Transform = {
  id: ID,
  summary: 'ENV NODE_ENV=production in the final stage, after any install that needs devDependencies',
  codes: {
    'node-env': 'ENV NODE_ENV=production in the final stage',
    'node-env-set': 'left the NODE_ENV the Dockerfile sets as it is',
  },
  apply({ doc }) {
    const stage = lastStage(doc);
    // A final stage without Node.js (Python serving assets built by an npm stage) is not ours to change.
    if (!stage || !stageRunsNode(doc, stage)) return null;
    for (const st of stageChain(doc, stage)) {
      for (const i of st.instructions) {
        if (i.keyword !== 'ENV') continue;
        const m = /(?:^|\s)NODE_ENV(?:=|\s+)["']?([^"'\s]*)/.exec(i.content);
        if (!m) continue;
        if (st !== stage && st.index < stage.index) return null;
        if (m[1] !== 'production') return holdBack('node-env-set', `left NODE_ENV=${m[1]} as it is`, lineNo(doc, i));
        return null;
      }
    }
    // After the last RUN that installs devDependencies or builds, else right after FROM.
    let anchor = stage.from;
    for (const i of stage.instructions) {
      if (i.keyword !== 'RUN') continue;
      const cmds = classifyRun(doc, i).commands;
      // A RUN that cannot be read (heredoc, sh -c in exec form) may install or build.
      if (!cmds.length) anchor = i;
      if (cmds.some((c) => (c.kind === 'install' && !installOmitsDev(c)) || c.kind === 'build' || c.kind === 'test' || c.kind === 'prune')) anchor = i;
    }
    return {
      edits: [insertAfter(doc, anchor, lines(doc, ['ENV NODE_ENV=production']))],
      changes: [{ code: 'node-env', line: lineNo(doc, anchor) + 1, message: '`ENV NODE_ENV=production` in the final stage: Express and other frameworks skip dev-only work and verbose errors' }],
    };
  },
};
