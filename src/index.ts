/** dockerfile-migrate as a library. Nothing here writes files or prints. */
export { migrate, migrateFile, selectTransforms, factsFor, textProblem, UnknownTransformError, MAX_DOCKERFILE_BYTES } from './migrate.js';
export type { MigrateInput, MigrateResult, MigrateFileOptions, OutputFile } from './migrate.js';
export { transforms, transformIds } from '../transforms/index.js';
export { parseDockerfile, DockerfileError } from './dockerfile.js';
export type { ParsedDockerfile, Stage, Instr } from './dockerfile.js';
export { gatherFacts, dirSource, memorySource } from './facts.js';
export type { ProjectFacts, FileSource, PackageManager } from './facts.js';
export { applyEdits, runPipeline, EditConflictError } from './engine.js';
export { unifiedDiff, quotePath } from './diff.js';
export { markdownReport, summarize, colorDiff, painter, transformsTable } from './report.js';
export type { FileReport, Summary } from './report.js';
export { discover, isDockerfileName } from './discover.js';
export { writeFileAtomic, writableProblem, writeMigration } from './write.js';
export { migrateFiles, defaultWorkers, PARALLEL_FROM } from './batch.js';
export type { FileResult, BatchOptions } from './batch.js';
export type { Transform, TransformContext, TransformResult, TransformDocs, Finding, Edit, Change, Warning, Options, Status, GeneratedFile } from './types.js';
