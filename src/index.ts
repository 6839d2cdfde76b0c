/** dockerfile-migrate as a library. Nothing here writes files or prints. */
export { migrate, migrateFile, UnknownTransformError, MAX_DOCKERFILE_BYTES } from './migrate.js';
export type { MigrateInput, MigrateResult, MigrateFileOptions, OutputFile } from './migrate.js';
export { migrateFiles } from './run/batch.js';
export type { FileResult, BatchOptions } from './run/batch.js';
export { migrateMany, reportOf } from './many.js';
export type { MigrateManyOptions, ManyResult } from './many.js';
export { ConfigError } from './run/config.js';
export type { ConfigOptions } from './run/config.js';
export { transforms, transformIds } from '../transforms/index.js';
export { parseDockerfile, DockerfileError } from './dockerfile/parse.js';
export type { ParsedDockerfile, Stage, Instr } from './dockerfile/parse.js';
export { gatherFacts, dirSource, memorySource } from './model/project/facts.js';
export type { ProjectFacts, FileSource, PackageManager } from './model/project/facts.js';
export { unifiedDiff } from './engine/diff.js';
export { markdownReport, jsonReport, summarize, SCHEMA_VERSION } from './report/report.js';
export type { FileReport, Summary, Mode, ReportMeta } from './report/report.js';
export { sarifReport } from './report/sarif.js';
export type { SarifMeta } from './report/sarif.js';
export { githubAnnotations } from './report/github.js';
export type { Transform, MigrationTransformContext as TransformContext } from './model/image/model.js';
export type {
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
