/** The one way a transform refuses: no edit, one warning with its reason code. */
import type { Finding, TransformResult } from './types.js';

/** A transform that leaves the file as it is, and says why: one warning with its reason code. */
export function holdBack(code: string, message: string, line?: number): TransformResult {
  return { edits: [], changes: [], warnings: [finding(code, message, line)] };
}

/**
 * What a transform's check or plan step hands on: `go` with the value the next step needs, or `stop`
 * with the hold-back finding (null when the transform simply has nothing to do here).
 */
export type Step<T> = { go: T } | Stop;
export interface Stop {
  stop: Finding | null;
}

/** The transform does not apply: no edit, no finding. */
export const NOTHING_TO_DO: Stop = { stop: null };

export function go<T>(value: T): { go: T } {
  return { go: value };
}

/** Hold back with a reason code. */
export function stop(code: string, message: string, line?: number): Stop {
  return { stop: finding(code, message, line) };
}

/** The transform's result when a step stopped it. */
export function stopped(s: Stop): TransformResult | null {
  return s.stop ? { edits: [], changes: [], warnings: [s.stop] } : null;
}

function finding(code: string, message: string, line?: number): Finding {
  return { code, message, ...(line !== undefined ? { line } : {}) };
}
