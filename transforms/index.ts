/** The transforms, in the order they run. Each id equals its file name. */
import type { Transform } from '../src/types.js';
import { cacheOrder } from './cache-order.js';
import { npmCi } from './npm-ci.js';
import { splitStages } from './split-stages.js';
import { selectiveCopy } from './selective-copy.js';
import { nonRoot } from './non-root.js';
import { nodeEnv } from './node-env.js';
import { dockerignoreTransform } from './dockerignore.js';

export const transforms: readonly Transform[] = [cacheOrder, npmCi, splitStages, selectiveCopy, nonRoot, nodeEnv, dockerignoreTransform];

export const transformIds: readonly string[] = transforms.map((t) => t.id);
