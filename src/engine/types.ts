import type { ParsedDockerfile } from '../dockerfile/parse.js';
import type { ProjectFacts } from '../node/facts.js';

import type { Edit } from '../dockerfile/edit.js';

export type { Edit };

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
  /** The runtime stage's base: `slim` (the default), `alpine`, `distroless`, `full` (leave it), or an image name. */
  runtimeBase?: string;
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

/**
 * What a transform does and every code it reports, with what the code means. The "holds back"
 * column of the README is the product's promise: it comes from the same place as the code.
 */
export interface TransformDocs {
  /** What it changes (markdown, one paragraph). */
  what: string;
  /** Why that makes the image better. */
  why: string;
  /** Codes of the changes it makes. */
  changes: Readonly<Record<string, string>>;
  /** Codes of its warnings: what it leaves as it is, or what the reader must check, and why. */
  holdsBack: Readonly<Record<string, string>>;
}

export interface Transform {
  id: string;
  summary: string;
  /** The transform documents itself: the README table and `--list-transforms --verbose` come from here. */
  docs: TransformDocs;
  apply(ctx: TransformContext): TransformResult | null;
}

export type Status = 'migrated' | 'unchanged' | 'skipped' | 'error';
