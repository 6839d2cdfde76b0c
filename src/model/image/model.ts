/**
 * What a migration hands each transform besides the Dockerfile: the facts of the build context.
 */
import type { Transform as EngineTransform, TransformContext } from '../../engine/types.js';
import type { ProjectFacts } from '../project/facts.js';

export interface MigrationContext {
  facts: ProjectFacts;
}

/** A transform of this tool: the engine's contract over the migration's context. */
export type Transform = EngineTransform<MigrationContext>;
export type MigrationTransformContext = TransformContext<MigrationContext>;
