/** Docker's .dockerignore semantics (Go filepath.Match, **, ! re-includes, last match wins). */
import ignoreModule from '@balena/dockerignore';

export interface IgnoreMatcher {
  ignores(path: string): boolean;
}

// The package is CommonJS (`module.exports = factory`) but its types declare a default export.
const factory = ignoreModule as unknown as (opts?: { ignorecase?: boolean }) => { add(p: string[]): IgnoreMatcher };

export function ignoreMatcher(lines: string[]): IgnoreMatcher {
  return factory({ ignorecase: false }).add(lines);
}
