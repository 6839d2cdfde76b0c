/**
 * The one way a transform refuses: no edit, one warning with its reason code. Each helper keeps the
 * code's literal type (`K`), so what a transform returns is checked against the codes it declares.
 */
import type { Finding, TransformResult } from './types.js';

/** A transform that leaves the file as it is, and says why: one warning with its reason code. */
export function holdBack<K extends string>(code: K, message: string, line?: number): TransformResult<never, K> {
  return { edits: [], changes: [], warnings: [finding(code, message, line)] };
}

/**
 * What a transform's check or plan step hands on: `go` with the value the next step needs, or `stop`
 * with the hold-back finding of code `K` (null when the transform simply has nothing to do here).
 */
export type Step<T, K extends string = string> = { go: T } | Stop<K>;
export interface Stop<K extends string = string> {
  stop: Finding<K> | null;
}

/** The transform does not apply: no edit, no finding. */
export const NOTHING_TO_DO: Stop<never> = { stop: null };

export function go<T>(value: T): { go: T } {
  return { go: value };
}

/** Hold back with a reason code. */
export function stop<K extends string>(code: K, message: string, line?: number): Stop<K> {
  return { stop: finding(code, message, line) };
}

/** The transform's result when a step stopped it. */
export function stopped<K extends string>(s: Stop<K>): TransformResult<never, K> | null {
  return s.stop ? { edits: [], changes: [], warnings: [s.stop] } : null;
}

function finding<K extends string>(code: K, message: string, line?: number): Finding<K> {
  return { code, message, ...(line !== undefined ? { line } : {}) };
}
