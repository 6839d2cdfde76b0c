/**
 * The model of the image, built for each pass of the pipeline from that pass's parse and the
 * project: the one object the transforms ask what the image runs, makes and reads (as ESLint rules
 * ask `context.sourceCode`, or Biome's rules their services). Each answer is worked out on first use
 * and kept for the pass; what depends only on the project (the start path of a command, what the
 * sources name, where NODE_ENV matters) is kept with the project, for every pass and every
 * Dockerfile of the same build context.
 */
import type { Instr, ParsedDockerfile, Stage } from '../../dockerfile/parse.js';
import { finalWorkdir, isInside, lastStage } from '../../dockerfile/query.js';
import { normalizePosix } from '../../dockerfile/parse.js';
import { defineTransform as defineEngineTransform, type DefineTransform } from '../../engine/define.js';
import type { Transform as EngineTransform, TransformContext } from '../../engine/types.js';
import type { ClassifiedCommand } from '../commands/classify.js';
import { startCommand, type StartCommand } from '../commands/start-command.js';
import { composeRunsTests } from '../project/compose.js';
import type { ProjectFacts } from '../project/facts.js';
import type { Project } from '../project/project.js';
import { firstSource } from '../project/sources.js';
import { nativeDependencies, spawnedPrograms, type NativeDependencies } from './base-images.js';
import { appDirModel, runEffect, standaloneRuntime, type AppDirModel, type Created } from './app-dir.js';
import { contextRoot, namedBySources, type EntryInfo } from './app-files.js';
import { appReads, buildReads, envFiles, type BuildRead, type EnvFileUse } from './build-reads.js';
import { nodeEnvUse, type NodeEnvUse } from './node-env-use.js';
import { developmentImageReason } from './production-image.js';
import { analyzeRuns, unpinnedCorepackStart, type StartPath } from './start-path.js';
import { programsTheAppRuns } from './system-packages.js';
import { workspaceDeploy, type WorkspaceDeploy } from './workspace-deploy.js';

export class ImageModel {
  private readonly memos = new Map<string, unknown>();
  constructor(
    readonly doc: ParsedDockerfile,
    readonly project: Project,
  ) {}

  get facts(): ProjectFacts {
    return this.project.facts;
  }

  private memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** The final stage (the image that runs), or null for an empty file. */
  get runtime(): Stage | null {
    return lastStage(this.doc);
  }

  /** What `stage` (default: the final one) runs when the container starts. */
  startCommand(stage: Stage | null = this.runtime): StartCommand | null {
    return stage ? this.memo(`start-command:${stage.index}`, () => startCommand(this.doc, stage)) : null;
  }

  /** The start path of `stage` (default: the final one): what it runs and needs. */
  start(stage: Stage = this.runtime!): StartPath {
    return this.memo(`start:${stage.index}`, () => {
      const runs = this.startCommand(stage)!.runs;
      // The start runs in the stage's WORKDIR: a workspace package's folder runs that package's scripts.
      const where = this.startWhere(stage);
      const key = `start:${where.cwd === where.base ? '' : where.cwd.slice(where.base.length)}:${JSON.stringify(runs)}`;
      return this.project.memo(key, () => analyzeRuns(this.project, runs, where));
    });
  }

  /**
   * Where the start of `stage` runs: `base`, the folder the build context lands in (`/app`), and
   * `cwd`, the stage's final WORKDIR inside it (`/app/apps/api`); both `/` when no copy says.
   */
  startWhere(stage: Stage = this.runtime!): { base: string; cwd: string } {
    const root = contextRoot(this.doc, stage);
    const wd = finalWorkdir(this.doc, stage);
    return root && wd && isInside(wd, root) ? { base: root, cwd: normalizePosix(wd) } : { base: '/', cwd: '/' };
  }

  /**
   * The package the start of `stage` runs in, as a context folder (`apps/api`; '' the root): the
   * workspace package the final WORKDIR steps into, whose scripts `npm start` runs.
   */
  startPackage(stage: Stage = this.runtime!): string {
    const { base, cwd } = this.startWhere(stage);
    const rel = cwd === base ? '' : cwd.slice(base === '/' ? 1 : base.length + 1);
    return rel && this.project.workspace.manifestOrNull(rel) ? rel : '';
  }

  /** The start runs pnpm or yarn through corepack with no version pinned: why, or null. */
  unpinnedCorepack(stage: Stage = this.runtime!): string | null {
    return unpinnedCorepackStart(this.doc, stage, this.facts, this.start(stage));
  }

  /** What the build stage `stage` (with the stages it builds on) creates in `appDir`. */
  appDir(stage: Stage, appDir: string): AppDirModel {
    return this.memo(`app-dir:${stage.index}:${appDir}`, () => appDirModel(this.doc, stage, this.project, appDir));
  }

  /** What one RUN of `stage` does to `appDir`, on its own. */
  runEffect(stage: Stage, ins: Instr, appDir: string): { created: Created[]; unknown: string | null } {
    return this.memo(`run-effect:${ins.start}:${appDir}`, () => runEffect(this.doc, stage, ins, this.project, appDir));
  }

  /** Next.js' standalone server as the whole runtime of `buildStage`'s `appDir`, or null. */
  standaloneRuntime(buildStage: Stage, start: StartPath, appDir: string): { dir: string; why: string } | null {
    return standaloneRuntime(this.appDir(buildStage, appDir), start);
  }

  /** What the build's commands and the scripts they reach read from the context besides COPY sources. */
  buildReads(): BuildRead[] {
    return this.memo('build-reads', () => buildReads(this.doc, this.project));
  }

  /** What the app's own command reads from the image (`.git`). */
  appReads(): BuildRead[] {
    return this.memo('app-reads', () => appReads(this.doc, this.project));
  }

  /** Who reads each env file, at build time and at run time. */
  envFiles(): EnvFileUse[] {
    return this.memo('env-files', () => envFiles(this.doc, this.project, this.buildReads()));
  }

  /** The paths the start command of `stage` names (entry files, preloads, env files), and whether it runs TypeScript. */
  entries(stage: Stage = this.runtime!): EntryInfo {
    const { entries, runsTypeScript } = this.start(stage);
    return { paths: entries, runsTypeScript };
  }

  /** Paths under the context's top-level entries that the app's sources name. */
  namedBySources(exclude: ReadonlySet<string>): Set<string> {
    return this.project.memo(`named-by-sources:${[...exclude].sort().join(',')}`, () => namedBySources(this.project, exclude));
  }

  /** The first place the app's behaviour depends on NODE_ENV, or null. */
  nodeEnvUse(): NodeEnvUse | null {
    return this.project.memo('node-env-use', () => nodeEnvUse(this.project));
  }

  /** System programs the app runs at run time (git for simple-git, python3 for a spawn), with why. */
  programsTheAppRuns(): Map<string, string> {
    return this.project.memo('programs-the-app-runs', () => programsTheAppRuns(this.project));
  }

  /** Native code among the production dependencies, from the lockfile. */
  nativeDependencies(): NativeDependencies {
    return this.project.memo('native-dependencies', () => nativeDependencies(this.facts));
  }

  /** The first of the app's runtime sources whose text matches `re`, or null. */
  firstSource(re: RegExp): string | null {
    return firstSource(this.project, re);
  }

  /** The programs the app's sources name in a file that starts processes (child_process, execa, ...). */
  spawnedPrograms(): { file: string; names: string[] }[] {
    return this.project.memo('spawned-programs', () => spawnedPrograms(this.project));
  }

  /** Does a compose service that builds this Dockerfile run tests in it? */
  composeRunsTests(dockerfileName: string): boolean {
    return composeRunsTests(this.project, dockerfileName);
  }

  /** Why this Dockerfile builds a development image, or null. */
  developmentImage(): { code: string; reason: string } | null {
    return this.memo('development-image', () =>
      developmentImageReason(this.doc, this.facts, () => (this.runtime ? this.start(this.runtime) : null)),
    );
  }

  /** The closure of the workspace package the start runs, or why the whole workspace stays (null: the question does not arise). */
  workspaceDeploy(
    stage: Stage,
    start: StartPath,
    appDir: string,
    installs: readonly ClassifiedCommand[],
    prune: string,
  ): WorkspaceDeploy | null {
    return workspaceDeploy(
      this.doc,
      stage,
      start,
      this.project,
      appDir,
      installs,
      prune,
      this.envFiles(),
      this.appDir(stage, appDir),
    );
  }
}

/** What a migration hands each transform besides the Dockerfile: the build context's facts and the image model of the pass. */
export interface MigrationContext {
  facts: ProjectFacts;
  model: ImageModel;
}

/**
 * A transform of this tool: the engine's contract over the migration's context, reporting the
 * change codes `Changed` and the hold-back codes `Held`.
 */
export type Transform<Changed extends string = string, Held extends string = string> = EngineTransform<
  MigrationContext,
  Changed,
  Held
>;
export type MigrationTransformContext = TransformContext<MigrationContext>;

/** Defines a transform of this tool: every code it returns must be one its docs declare (src/engine/define.ts). */
export const defineTransform: DefineTransform<MigrationContext> = defineEngineTransform;
