/**
 * One reading of a build context: its facts, its workspace, and the analyses the models compute
 * from them once (what the start runs, what the sources name, where NODE_ENV matters, ...). A
 * migration makes one Project per build context and keeps it while the context does not change, so
 * every transform of every pass, and every Dockerfile of that context in a batch, asks the same
 * object: no model keeps state of its own between calls.
 */
import type { ProjectFacts } from './facts.js';
import { Workspace } from './workspace.js';

export class Project {
  private ws: Workspace | null = null;
  private readonly memos = new Map<string, unknown>();
  constructor(readonly facts: ProjectFacts) {}

  get workspace(): Workspace {
    return (this.ws ??= new Workspace(this.facts));
  }

  /** A context file as text (null when missing or not readable). */
  read(rel: string): string | null {
    return this.facts.read(rel);
  }

  /** Is `rel` a file of the context? A set lookup where the listing is known. */
  hasFile(rel: string): boolean {
    const files = this.facts.files;
    if (!files) return this.facts.read(rel) !== null;
    return this.memo('file-set', () => new Set(files)).has(rel);
  }

  /** The scripts of the package in folder `dir` ('' the root package). */
  scripts(dir = ''): Record<string, string> {
    return this.workspace.scripts(dir);
  }

  /** The workspace package in folder `dir` as a project of its own (its scripts, configs and sources at its root). */
  scoped(dir: string): Project {
    return this.memo(`scoped:${dir}`, () => new Project(this.workspace.scoped(dir)));
  }

  /**
   * An analysis of this project, computed on first use and kept with it. `key` names the analysis
   * and its inputs (`start:<command>`): the same key must always compute the same value.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }
}
