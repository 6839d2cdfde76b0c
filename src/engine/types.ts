/**
 * The transform contract, generic over what the migration hands each transform besides the
 * Dockerfile (`C`): the engine knows nothing of Node.js; the models fill `C` in.
 */
import type { ParsedDockerfile } from '../dockerfile/parse.js';
import type { Edit } from '../dockerfile/edit.js';
import type { Change, Finding, Warning } from './finding.js';

export type { Edit, Change, Finding, Warning };

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

/** What every transform is given: this pass's parse, the options, the files earlier transforms wrote. */
export interface EngineContext {
  doc: ParsedDockerfile;
  options: Options;
  /** Files written by earlier transforms in this run (path -> content). */
  files: ReadonlyMap<string, GeneratedFile>;
}

/** The engine's context and what the migration adds to it (`C`), for one pass. */
export type TransformContext<C extends object = object> = EngineContext & C;

/**
 * What one pass of a transform returns. `Changed` and `Held` are the codes its changes and its
 * warnings may carry: a transform defined with `defineTransform` returns only the codes its docs declare.
 */
export interface TransformResult<Changed extends string = string, Held extends string = string> {
  edits: Edit[];
  files?: GeneratedFile[];
  changes: Finding<Changed>[];
  warnings?: Finding<Held>[];
}

/**
 * What a transform does and every code it reports, with what the code means. The "holds back"
 * column of docs/transforms.md is the product's promise: it comes from the same place as the code.
 */
export interface TransformDocs<Changed extends string = string, Held extends string = string> {
  /** What it changes (markdown, one paragraph). */
  what: string;
  /** Why that makes the image better. */
  why: string;
  /** Codes of the changes it makes. */
  changes: Readonly<Record<Changed, string>>;
  /** Codes of its warnings: what it leaves as it is, or what the reader must check, and why. */
  holdsBack: Readonly<Record<Held, string>>;
}

/** The change codes docs declare (the keys of `changes`). */
export type ChangeCode<D extends TransformDocs> = keyof D['changes'] & string;
/** The hold-back codes docs declare (the keys of `holdsBack`). */
export type HoldCode<D extends TransformDocs> = keyof D['holdsBack'] & string;

/**
 * A transform over the context `C` (what the migration adds), reporting changes with the codes `Changed` and
 * warnings with the codes `Held` (any string, for a transform that is not known to be typed).
 */
export interface Transform<C extends object = object, Changed extends string = string, Held extends string = string> {
  id: string;
  summary: string;
  /** The transform documents itself: the transforms tables (README, docs/transforms.md) and `--list-transforms` come from here. */
  docs: TransformDocs<Changed, Held>;
  apply(ctx: TransformContext<C>): TransformResult<Changed, Held> | null;
}

export type Status = 'migrated' | 'unchanged' | 'skipped' | 'error';
