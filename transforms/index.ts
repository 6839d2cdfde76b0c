/**
 * The transforms, in the order they run. Each id equals its file name. Each one sees the output of
 * the one before, so the order carries meaning:
 * - cache-order: first, while the Dockerfile still has its original single-stage shape to reorder.
 * - npm-ci: after cache-order, so the lockfile it checks for is copied before the install.
 * - start-prod: before split-stages, which then sees a start that runs the build's output
 *   (`node dist/main`) instead of one that compiles (`nest start`).
 * - split-stages: after the install is in its final form, which the build stage keeps as it is.
 * - selective-copy: needs the runtime stage split-stages creates (or one that was there).
 * - runtime-base: on the runtime stage split-stages creates; before non-root, which picks the user of the final base.
 * - production-deps: after selective-copy, whose COPY of node_modules it points at its stage, and after
 *   runtime-base, which reads the build stage's install where the runtime receives node_modules from.
 * - non-root: after the runtime stage's copies exist, to give them and the app directory an owner.
 * - node-env: after the split, so it lands in the runtime stage and never before an install.
 * - dockerignore: last, because it must know every COPY the final Dockerfile makes.
 */
import type { Transform } from '../src/model/image/model.js';
import { cacheOrder } from './cache-order.js';
import { npmCi } from './npm-ci.js';
import { startProd } from './start-prod.js';
import { splitStages } from './split-stages.js';
import { selectiveCopy } from './selective-copy.js';
import { runtimeBase } from './runtime-base.js';
import { productionDeps } from './production-deps.js';
import { nonRoot } from './non-root.js';
import { nodeEnv } from './node-env.js';
import { dockerignoreTransform } from './dockerignore.js';

export const transforms: readonly Transform[] = [
  cacheOrder,
  npmCi,
  startProd,
  splitStages,
  selectiveCopy,
  runtimeBase,
  productionDeps,
  nonRoot,
  nodeEnv,
  dockerignoreTransform,
];

export const transformIds: readonly string[] = transforms.map((t) => t.id);
