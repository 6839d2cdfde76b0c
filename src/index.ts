/** dockerfile-migrate as a library. Nothing here writes files or prints. */
export { migrate, migrateFile, UnknownTransformError, MAX_DOCKERFILE_BYTES } from './migrate.js';
export type { MigrateInput, MigrateResult, MigrateFileOptions, OutputFile } from './migrate.js';
export { migrateFiles } from './cli/batch.js';
export type { FileResult, BatchOptions } from './cli/batch.js';
export { migrateMany, reportOf } from './many.js';
export type { MigrateManyOptions, ManyResult } from './many.js';
export { ConfigError } from './cli/config.js';
export type { ConfigOptions } from './cli/config.js';
export { transforms, transformIds } from '../transforms/index.js';
export { parseDockerfile, DockerfileError } from './dockerfile/parse.js';
export type { ParsedDockerfile, Stage, Instr } from './dockerfile/parse.js';
export { gatherFacts, dirSource, memorySource } from './node/facts.js';
export type { ProjectFacts, FileSource, PackageManager } from './node/facts.js';
export { unifiedDiff } from './engine/diff.js';
export { markdownReport, jsonReport, summarize, SCHEMA_VERSION } from './cli/report.js';
export type { FileReport, Summary, Mode, ReportMeta } from './cli/report.js';
export { sarifReport } from './cli/sarif.js';
export type { SarifMeta } from './cli/sarif.js';
export { githubAnnotations } from './cli/github.js';
export type {
  Transform,
  TransformContext,
  TransformResult,
  TransformDocs,
  Finding,
  Edit,
  Change,
  Warning,
  Options,
  Status,
  GeneratedFile,
} from './engine/types.js';
