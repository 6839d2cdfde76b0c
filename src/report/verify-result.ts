/**
 * What --verify finds for one Dockerfile, as the reports carry it (the verifier itself is src/cli/verify.ts).
 */

export type EngineName = 'docker' | 'podman';

export interface SmokeResult {
  passed: boolean;
  /** What happened: "GET /health → 200", "exit 0", "exit 1: Error: Cannot find module 'express'". */
  detail: string;
}

export interface ImageResult {
  builds: boolean;
  /** Image size in bytes, as the engine reports it. */
  size?: number;
  buildSeconds?: number;
  /** Why the build failed (the engine's last error line). */
  error?: string;
  /** Set when a smoke test was asked for and the image built. */
  smoke?: SmokeResult;
}

export interface VerifyResult {
  engine: EngineName;
  /** The migrated image builds and, when asked for, passes the smoke test. */
  ok: boolean;
  /** One line for people: "image 233 MB → 157 MB, smoke test passed". */
  summary: string;
  /** The smoke test run in each container, if any. */
  smokeTest: { cmd?: string; url?: string } | null;
  before: ImageResult;
  after: ImageResult;
}
