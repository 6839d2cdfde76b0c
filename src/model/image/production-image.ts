/**
 * Is this Dockerfile a production image of the app at all? Some Node.js Dockerfiles only set up a
 * development environment: the sources come from a bind mount at run time, devDependencies and a
 * dev server are the point. Splitting such a file into a build and a lean runtime stage breaks the
 * workflow it serves, so migrate() leaves it as it is and says why.
 *
 * Each check looks at the parsed Dockerfile and the build context and returns a reason, or null.
 * The first check that answers wins; add new ones to CHECKS.
 */
import { copyParts, type Instr, type ParsedDockerfile } from '../../dockerfile/parse.js';
import type { ProjectFacts } from '../project/facts.js';
import { isContextCopy } from '../../dockerfile/query.js';
import { classifyRun } from '../commands/classify.js';
import type { StartPath } from './start-path.js';

export interface DevelopmentImageCheck {
  /** The stable reason code reported with status `skipped`. */
  code: string;
  /** Why this is a development image (one line for the user), or null when the check does not apply. */
  check(doc: ParsedDockerfile, facts: ProjectFacts, start: () => StartPath | null): string | null;
}

/** Scripts copied into a development image to set it up (an entrypoint, a setup script): not the app. */
const SETUP_SCRIPT = /\.(sh|bash)$/i;

/** Does this COPY/ADD bring (possibly) some of the app into the image? */
function bringsApp(ins: Instr): boolean {
  if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') return false;
  if (ins.heredoc) return false;
  // From another stage or image: whatever that stage got from the context is seen there.
  if (!isContextCopy(ins)) return ins.keyword === 'ADD';
  const parts = copyParts(ins);
  if (!parts) return true;
  // A remote ADD (a tarball, a git repository) may be the app itself.
  return parts.sources.some((s) => /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(s) || !SETUP_SCRIPT.test(s));
}

/** Does this RUN install the app's dependencies or fetch the app? Unknown RUN forms count as yes. */
function runBringsApp(doc: ParsedDockerfile, ins: Instr): boolean {
  if (ins.keyword !== 'RUN') return false;
  const info = classifyRun(doc, ins);
  if (!info.commands.length) return !/^\s*(true|:)?\s*$/.test(ins.content);
  return info.commands.some((c) => {
    if (c.manager && (c.kind === 'install' || c.kind === 'add' || c.kind === 'build' || c.kind === 'prune')) return true;
    const words = c.words.map((w) => w.value);
    const bin = words[0]?.replace(/^.*\//, '') ?? '';
    return (bin === 'git' && words.includes('clone')) || (bin === 'svn' && (words.includes('checkout') || words.includes('co')));
  });
}

/**
 * Only a development environment: no COPY/ADD brings the app's sources in (setup scripts aside),
 * nothing installs its dependencies or fetches it. The app comes from a bind mount at run time.
 */
const bindMountDev: DevelopmentImageCheck = {
  code: 'bind-mount-dev',
  check(doc) {
    // An ONBUILD base image (node:*-onbuild) copies the app and installs it in its triggers.
    if (doc.stages.some((s) => /onbuild/i.test(s.resolvedImage))) return null;
    if (doc.instructions.some((i) => bringsApp(i) || runBringsApp(doc, i))) return null;
    return 'nothing copies the app into the image and nothing installs its dependencies: a development image for sources mounted at run time; there is no production image to split into stages';
  },
};

/**
 * The image starts a development server or a watcher (next dev, vite, nodemon, `npm run dev`,
 * node --watch): pruning devDependencies or setting NODE_ENV=production would break what it is for.
 */
const devServer: DevelopmentImageCheck = {
  code: 'development-image',
  check(doc, facts, start) {
    const why = start()?.devServer;
    return why ? `${why}: a development image, which keeps devDependencies and its development mode` : null;
  },
};

/** The checks, in order. */
const DEVELOPMENT_IMAGE_CHECKS: readonly DevelopmentImageCheck[] = [bindMountDev, devServer];

/** Why this Dockerfile builds a development image rather than a production one, or null. */
export function developmentImageReason(
  doc: ParsedDockerfile,
  facts: ProjectFacts,
  start: () => StartPath | null,
): { code: string; reason: string } | null {
  for (const c of DEVELOPMENT_IMAGE_CHECKS) {
    const reason = c.check(doc, facts, start);
    if (reason) return { code: c.code, reason };
  }
  return null;
}
