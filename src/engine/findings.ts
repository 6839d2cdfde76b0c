/** The one way a transform refuses: no edit, one warning with its reason code. */
import type { TransformResult } from './types.js';

/** A transform that leaves the file as it is, and says why: one warning with its reason code. */
export function holdBack(code: string, message: string, line?: number): TransformResult {
  return { edits: [], changes: [], warnings: [{ code, message, ...(line !== undefined ? { line } : {}) }] };
}
