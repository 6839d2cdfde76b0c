import type { ParsedDockerfile } from './dockerfile.js';
import type { ProjectFacts } from './facts.js';

/** Replace text[start, end) with `text`. start === end inserts. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * What a transform reports: a stable reason code (kebab-case, unique within the transform, the
 * key users and batch reports group by), one line a reviewer understands, and the 1-based line
 * in the input of that transform's pass when it applies to one.
 */
export interface Finding {
  code: string;
  message: string;
  line?: number;
}

/** A change made, stamped by the engine with the transform that made it. */
export interface Change extends Finding {
  transform: string;
}

/** Something left as it was, and why; stamped with the transform (or `context`, `discover`, ...). */
export interface Warning extends Finding {
  transform: string;
}

export interface GeneratedFile {
  /** Path relative to the build context. */
  path: string;
  content: string;
  /** The file's content before, or null when it is new. */
  before: string | null;
}

export interface Options {
  /** Transform ids to run (default: all). */
  transforms?: string[];
  /** Transform ids to leave out. */
  skip?: string[];
  /** The Dockerfile's file name, used for <name>.dockerignore. */
  dockerfileName?: string;
}

export interface TransformContext {
  doc: ParsedDockerfile;
  facts: ProjectFacts;
  options: Options;
  /** Files written by earlier transforms in this run (path -> content). */
  files: ReadonlyMap<string, GeneratedFile>;
}

export interface TransformResult {
  edits: Edit[];
  files?: GeneratedFile[];
  changes: Finding[];
  warnings?: Finding[];
}

export interface Transform {
  id: string;
  summary: string;
  /** Every code the transform reports, with what it means: changes it makes and reasons it holds back. */
  codes: Readonly<Record<string, string>>;
  apply(ctx: TransformContext): TransformResult | null;
}

export type Status = 'migrated' | 'unchanged' | 'skipped' | 'error';
