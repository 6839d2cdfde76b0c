/**
 * The workspace of a project (npm/yarn `workspaces`, pnpm-workspace.yaml `packages`): its packages,
 * their manifests, lookups by folder and name, pnpm's filter selectors, the production closure of a
 * package, and each package seen as a build context of its own. One object per project: every model
 * that asks about another package asks it.
 */
import { normalizePosix } from '../../dockerfile/parse.js';
import { globToRegExp } from '../../dockerfile/query.js';
import { gatherFacts, type FileSource, type ProjectFacts, type WorkspacePackage } from './facts.js';

/** A package.json as the models read it (any field may be missing or of another type). */
export interface Manifest {
  name?: unknown;
  main?: unknown;
  exports?: unknown;
  files?: unknown;
  bin?: unknown;
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, unknown>;
  peerDependencies?: Record<string, unknown>;
}

export class Workspace {
  /** The declared workspace packages (none when the project has no workspaces or they cannot be listed). */
  readonly packages: readonly WorkspacePackage[];
  private readonly manifests = new Map<string, Manifest | null>();
  private readonly scopes = new Map<string, ProjectFacts>();
  private fileSet: ReadonlySet<string> | null = null;
  constructor(readonly facts: ProjectFacts) {
    this.packages = facts.workspacePackages ?? [];
  }
  /** A context file that reaches the build stage (in the listing, not excluded by .dockerignore). */
  has(rel: string): boolean {
    this.fileSet ??= new Set(this.facts.files ?? []);
    return this.fileSet.has(rel) && !this.facts.ignored(rel);
  }
  isDir(rel: string): boolean {
    return (this.facts.files ?? []).some((f) => f.startsWith(`${rel}/`));
  }
  byDir(dir: string): WorkspacePackage | undefined {
    return this.packages.find((p) => p.dir === dir);
  }
  byName(name: string): WorkspacePackage | undefined {
    return this.packages.find((p) => p.name === name);
  }
  /** The package whose folder holds the context path `rel` (the deepest one). */
  containing(rel: string): WorkspacePackage | undefined {
    return [...this.packages].sort((a, b) => b.dir.length - a.dir.length).find((p) => rel.startsWith(`${p.dir}/`));
  }
  /** The package.json in folder `dir` ('' the root), parsed once; `{}` when there is none or it does not parse. */
  manifest(dir: string): Manifest {
    return this.manifestOrNull(dir) ?? {};
  }
  /** The package.json in folder `dir`, or null when there is none or it does not parse. */
  manifestOrNull(dir: string): Manifest | null {
    if (!this.manifests.has(dir)) {
      let m: Manifest | null = null;
      const text = this.facts.read(dir ? `${dir}/package.json` : 'package.json');
      if (text !== null) {
        try {
          const parsed = JSON.parse(text) as unknown;
          m = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Manifest) : {};
        } catch {
          m = null;
        }
      }
      this.manifests.set(dir, m);
    }
    return this.manifests.get(dir)!;
  }
  /** The package's scripts that are strings ('' the root). */
  scripts(dir: string): Record<string, string> {
    if (dir === '') return this.facts.packageJson?.scripts ?? {};
    const raw = this.manifest(dir).scripts;
    const out: Record<string, string> = {};
    if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
    return out;
  }
  /** The package's folder as a build context of its own, for the models that read a package (scripts, tsconfig, sources). */
  scoped(dir: string): ProjectFacts {
    let f = this.scopes.get(dir);
    if (!f) {
      const prefix = `${dir}/`;
      const files = (this.facts.files ?? []).filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
      const dirs = new Set<string>();
      for (const x of files) {
        const parts = x.split('/');
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      }
      const src: FileSource = {
        list: () => [...[...dirs].map((d) => `${d}/`), ...files],
        read: (rel) => (rel === '.dockerignore' ? null : this.facts.read(`${prefix}${rel}`)),
        isDir: (rel) => dirs.has(rel),
      };
      this.scopes.set(dir, (f = gatherFacts(src)));
    }
    return f;
  }
  /** Workspace packages a package depends on. `dev`: devDependencies too (what pnpm's `pkg...` selector follows). */
  deps(p: WorkspacePackage, dev: boolean): WorkspacePackage[] {
    const m = this.manifest(p.dir);
    const names = Object.keys({
      ...(m.dependencies ?? {}),
      ...(m.optionalDependencies ?? {}),
      ...(dev ? (m.devDependencies ?? {}) : {}),
    });
    return names.map((n) => this.byName(n)).filter((x): x is WorkspacePackage => x !== undefined && x !== p);
  }
  /** The package and the workspace packages it needs in production, transitively. */
  closure(p: WorkspacePackage): WorkspacePackage[] {
    const out = [p];
    for (let i = 0; i < out.length; i++) for (const d of this.deps(out[i], false)) if (!out.includes(d)) out.push(d);
    return out;
  }
  /** pnpm filter selectors (name, name glob, ./dir, {dir}, with `...` for dependencies): the packages, or null when one cannot be read. */
  select(filters: readonly string[], withDeps: boolean): WorkspacePackage[] | null {
    const out: WorkspacePackage[] = [];
    const addWithDeps = (p: WorkspacePackage, self: boolean) => {
      const queue = [p];
      const seen = new Set([p]);
      for (let i = 0; i < queue.length; i++)
        for (const d of this.deps(queue[i], true))
          if (!seen.has(d)) {
            seen.add(d);
            queue.push(d);
          }
      for (const q of queue) if ((self || q !== p) && !out.includes(q)) out.push(q);
    };
    for (const raw of filters) {
      let s = raw.replace(/^["']|["']$/g, '');
      if (!s || s.startsWith('!') || s.startsWith('...') || s.includes('[')) return null;
      let deps = withDeps;
      let self = true;
      if (s.endsWith('^...')) {
        s = s.slice(0, -4);
        deps = true;
        self = false;
      } else if (s.endsWith('...')) {
        s = s.slice(0, -3);
        deps = true;
      }
      let found: WorkspacePackage[];
      if (s.startsWith('./') || s.startsWith('{') || s === '.') {
        const path = normalizePosix(`/${s.replace(/^\{|\}$/g, '')}`).slice(1);
        const re = /[*?]/.test(path) ? globToRegExp(path) : null;
        found = this.packages.filter((p) => (re ? re.test(p.dir) : p.dir === path || p.dir.startsWith(`${path}/`)));
      } else {
        const re = globToRegExp(s);
        found = this.packages.filter((p) => p.name !== null && re.test(p.name));
      }
      if (!found.length) return null;
      for (const p of found) {
        if (deps) addWithDeps(p, self);
        else if (!out.includes(p)) out.push(p);
      }
    }
    return out;
  }
  /** Does turbo.json make `task` run in a package's workspace dependencies first (`dependsOn: ["^task"]`)? */
  turboDependsOnDeps(task: string): boolean {
    try {
      const t = JSON.parse(this.facts.read('turbo.json') ?? '{}') as {
        tasks?: Record<string, { dependsOn?: unknown }>;
        pipeline?: Record<string, { dependsOn?: unknown }>;
      };
      const d = (t.tasks ?? t.pipeline ?? {})[task]?.dependsOn;
      return Array.isArray(d) && d.includes(`^${task}`);
    } catch {
      return false;
    }
  }
}
