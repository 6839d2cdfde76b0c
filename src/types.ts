import type { ParsedDockerfile } from './dockerfile.js';
import type { ProjectFacts } from './facts.js';

/** Replace text[start, end) with `text`. start === end inserts. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface Change {
  transform: string;
  /** One line a reviewer understands: what changed and why. */
  message: string;
  /** 1-based line in the input of that transform's pass, when it applies to one. */
  line?: number;
}

export interface Warning {
  transform: string;
  message: string;
  line?: number;
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
  changes: Change[];
  warnings?: Warning[];
}

export interface Transform {
  id: string;
  summary: string;
  apply(ctx: TransformContext): TransformResult | null;
}

export type Status = 'migrated' | 'unchanged' | 'skipped' | 'error';
