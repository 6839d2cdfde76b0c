/**
 * The library entry points: migrate() on text, migrateFile() on a path. Neither writes
 * anything; the CLI decides what to print or write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from 'dockerfile-utils';
import { DockerfileError, parseDockerfile, type ParsedDockerfile } from './dockerfile/parse.js';
import { runPipeline } from './engine/engine.js';
import {
  dirSource,
  gatherFacts,
  memorySource,
  type FileSource,
  type Listings,
  type ProjectFacts,
} from './model/project/facts.js';
import { isNodeDockerfile } from './model/commands/classify.js';
import { composeWarnings } from './model/project/compose.js';
import { inDevcontainer } from './model/project/devcontainer.js';
import { unifiedDiff } from './engine/diff.js';
import type { Change, Options, Status, Warning } from './engine/types.js';
import { ImageModel, type Transform } from './model/image/model.js';
import { Project } from './model/project/project.js';
import { transforms as allTransforms } from '../transforms/index.js';

/** Largest Dockerfile read, in bytes. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export interface MigrateInput {
  /** The Dockerfile's text. */
  dockerfile: string;
  /**
   * The build context: a directory path, an in-memory map of relative path -> content,
   * a FileSource, facts already gathered, or a Project (facts with the analyses already made of them). Without one, transforms that need to see the
   * project (selective-copy, dockerignore, npm-ci) hold back and say so.
   */
  context?: string | Record<string, string> | FileSource | ProjectFacts | Project;
  /** Path shown in diffs for the Dockerfile (default "Dockerfile"). */
  path?: string;
  /** Path shown in diffs for the context directory (default: the Dockerfile's directory). */
  contextPath?: string;
  options?: Options;
}

export interface OutputFile {
  /** Path relative to the context directory. */
  path: string;
  /** Path as shown in diffs (contextPath joined). */
  displayPath: string;
  content: string;
  /** Content before, or null when the file is new. */
  before: string | null;
}

export interface MigrateResult {
  status: Status;
  /** Why a file was skipped or errored. */
  reason?: string;
  /** The stable code of that reason (`not-node`, `bind-mount-dev`, `devcontainer`, `empty-file`, ...). */
  code?: string;
  /** The migrated Dockerfile (equal to the input unless status is migrated). */
  output: string;
  files: OutputFile[];
  changes: Change[];
  warnings: Warning[];
  /** git-style unified diff of the Dockerfile and the generated files. */
  diff: string;
}

export class UnknownTransformError extends Error {}

export function selectTransforms(options: Options = {}): Transform[] {
  const known = new Set(allTransforms.map((t) => t.id));
  for (const id of [...(options.transforms ?? []), ...(options.skip ?? [])]) {
    if (!known.has(id)) throw new UnknownTransformError(`unknown transform "${id}" (known: ${[...known].join(', ')})`);
  }
  return allTransforms.filter(
    (t) => (!options.transforms?.length || options.transforms.includes(t.id)) && !options.skip?.includes(t.id),
  );
}

function isFacts(x: unknown): x is ProjectFacts {
  return typeof x === 'object' && x !== null && 'topLevel' in x && 'ignored' in x;
}
function isSource(x: unknown): x is FileSource {
  return typeof x === 'object' && x !== null && typeof (x as FileSource).list === 'function';
}

/** The project of a build context, as migrate() is given it. */
export function projectFor(context: MigrateInput['context'], dockerfileName?: string): Project {
  return context instanceof Project ? context : new Project(factsFor(context, dockerfileName));
}

export function factsFor(context: Exclude<MigrateInput['context'], Project>, dockerfileName?: string): ProjectFacts {
  if (isFacts(context)) return context;
  if (context === undefined) return gatherFacts({ list: () => null, read: () => null, isDir: () => false }, { dockerfileName });
  if (typeof context === 'string') return gatherFacts(dirSource(context), { dockerfileName });
  if (isSource(context)) return gatherFacts(context, { dockerfileName });
  return gatherFacts(memorySource(context), { dockerfileName });
}

function lintErrors(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of validate(text)) {
    if (d.severity !== 1) continue;
    const key = `${d.code ?? ''}:${d.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Problems that make a text unfit to be treated as a Dockerfile. */
function textProblemCode(text: string): { code: string; reason: string } | null {
  if (text.length === 0 || text.trim() === '') return { code: 'empty-file', reason: 'the file is empty' };
  if (text.includes('\u0000')) return { code: 'binary-file', reason: 'the file is binary (it contains NUL bytes)' };
  if (text.includes('\uFFFD')) return { code: 'invalid-utf8', reason: 'the file is not valid UTF-8' };
  return null;
}

/** A file whose last instruction is still open (a trailing line continuation, an unterminated heredoc). */
function openEnding(doc: ParsedDockerfile): string | null {
  const last = doc.instructions[doc.instructions.length - 1];
  if (!last) return null;
  const rest = doc.text.slice(last.start);
  const esc = doc.escape === '`' ? '`' : '\\\\';
  if (new RegExp(`${esc}[ \\t]*(\\r?\\n[ \\t]*)*$`).test(rest) && !last.heredoc) {
    return 'the last instruction ends in a line continuation; the file looks cut short';
  }
  if (last.heredoc) {
    const markers = [...rest.matchAll(/<<(-?)\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)];
    for (const m of markers) {
      const re = new RegExp(`\\n${m[1] ? '[\\t]*' : ''}${m[2]}[ \\t]*(\\r?\\n|$)`);
      if (!re.test(rest)) return `the heredoc <<${m[2]} of the last instruction is not closed; the file looks cut short`;
    }
  }
  return null;
}

export function migrate(input: MigrateInput): MigrateResult {
  const displayPath = input.path ?? 'Dockerfile';
  const ctxDisplay = input.contextPath ?? (path.posix.dirname(displayPath) === '.' ? '' : path.posix.dirname(displayPath));
  const text = input.dockerfile;
  const base = { output: text, files: [], changes: [], warnings: [], diff: '' };
  const problem = textProblemCode(text);
  if (problem) return { ...base, status: 'error', ...problem };
  const options = input.options ?? {};
  const selected = selectTransforms(options);
  let project: Project;
  try {
    project = projectFor(input.context, options.dockerfileName ?? path.posix.basename(displayPath));
  } catch (e) {
    return {
      ...base,
      status: 'error',
      code: 'context-unreadable',
      reason: `the build context could not be read: ${(e as Error).message}`,
    };
  }
  const facts = project.facts;
  let first;
  let composeNotes: Warning[] = [];
  try {
    const parsedInput = parseDockerfile(text);
    if (!parsedInput.instructions.some((i) => i.keyword === 'FROM')) {
      return { ...base, status: 'error', code: 'no-from', reason: 'no FROM instruction: this does not look like a Dockerfile' };
    }
    const node = isNodeDockerfile(parsedInput);
    if (!node.node) return { ...base, status: 'skipped', code: 'not-node', reason: node.reason };
    const open = openEnding(parsedInput);
    if (open) return { ...base, status: 'error', code: 'truncated', reason: open };
    if (parsedInput.instructions.some((i) => i.keyword === 'ONBUILD')) {
      return {
        ...base,
        status: 'skipped',
        code: 'onbuild-base',
        reason: 'ONBUILD triggers: this is a base image for other builds, which rely on its layout',
      };
    }
    const development = new ImageModel(parsedInput, project).developmentImage();
    if (development) return { ...base, status: 'skipped', ...development };
    first = runPipeline(text, selected, (doc) => ({ facts, model: new ImageModel(doc, project) }), options, parsedInput);
    // Compose services that build this Dockerfile to run tests or a dev server in it.
    composeNotes = composeWarnings({
      doc: parsedInput,
      project,
      dockerfile: path.posix.relative(ctxDisplay || '.', displayPath),
      changes: first.changes,
    });
  } catch (e) {
    if (e instanceof DockerfileError) return { ...base, status: 'error', code: 'parse-error', reason: e.message };
    return { ...base, status: 'error', code: 'internal-error', reason: `internal error: ${(e as Error).message}` };
  }
  const warnings: Warning[] = [
    ...facts.notes.map((n) => ({ transform: 'context', code: n.code, message: n.message })),
    ...composeNotes,
    ...first.warnings,
  ];
  if (first.output !== text) {
    // The output is linted first; the input only when the output has errors to compare.
    let after: Map<string, number>;
    try {
      after = lintErrors(first.output);
    } catch {
      after = new Map([['lint:the linter could not read the migrated Dockerfile', 1]]);
    }
    if (after.size) {
      let before: Map<string, number> | null = null;
      try {
        before = lintErrors(text);
      } catch {
        // The linter cannot read the input at all (it overflows on some inputs): nothing to compare against.
        warnings.push({
          transform: 'context',
          code: 'lint-unavailable',
          message: 'dockerfile-utils could not lint the input, so the output was checked by re-parsing only',
        });
      }
      if (before) {
        for (const [k, n] of after) {
          if (n > (before.get(k) ?? 0)) {
            return {
              ...base,
              warnings,
              status: 'error',
              code: 'lint-regression',
              reason: `internal error: the migrated Dockerfile would add a lint error (${k.replace(/^[^:]*:/, '')}); nothing was changed`,
            };
          }
        }
      }
    }
  }
  const join = (p: string) => (ctxDisplay ? `${ctxDisplay.replace(/\/+$/, '')}/${p}` : p);
  const files: OutputFile[] = first.files.map((f) => ({
    path: f.path,
    displayPath: join(f.path),
    content: f.content,
    before: f.before,
  }));
  const changed = first.output !== text || files.length > 0;
  const diff = changed
    ? unifiedDiff(displayPath, text, first.output) + files.map((f) => unifiedDiff(f.displayPath, f.before, f.content)).join('')
    : '';
  return {
    status: changed ? 'migrated' : 'unchanged',
    output: first.output,
    files,
    changes: changed ? first.changes : [],
    warnings,
    diff,
  };
}

export interface MigrateFileOptions {
  /** The build context directory (default: the Dockerfile's directory). */
  context?: string;
  /** Directory the displayed paths are relative to (default: process.cwd()). */
  cwd?: string;
  options?: Options;
  /**
   * The projects (build contexts with what was worked out about them) of one run, keyed by context
   * directory and Dockerfile name: Dockerfiles of the same context share one. Pass the same (empty) map
   * to every call of a batch.
   */
  factsCache?: Map<string, Project>;
  /** Absolute path -> content of files an earlier migration in the same run proposed (a shared .dockerignore). */
  overlay?: ReadonlyMap<string, string>;
  /** Directory listings already read in this run (discover() gives them), when nothing has been written since. */
  listings?: Listings;
}

/**
 * The files an earlier migration of this run proposed in this context. Only the ignore files can
 * be proposed, so only they are looked up: constant time however large the batch.
 */
function overlayFor(dir: string, name: string, overlay: ReadonlyMap<string, string> | undefined): Map<string, string> {
  const mine = new Map<string, string>();
  if (!overlay?.size) return mine;
  for (const rel of ['.dockerignore', `${name}.dockerignore`]) {
    const content = overlay.get(path.join(dir, rel));
    if (content !== undefined) mine.set(rel, content);
  }
  return mine;
}

function overlaySource(dir: string, mine: Map<string, string>, listings?: Listings): FileSource {
  const base = dirSource(dir, listings);
  if (!mine.size) return base;
  return {
    list: () => {
      const l = base.list();
      return l ? [...new Set([...l, ...mine.keys()])] : null;
    },
    read: (rel) => mine.get(rel) ?? base.read(rel),
    isDir: (rel) => base.isDir(rel),
    problem: (rel) => (mine.has(rel) ? null : (base.problem?.(rel) ?? null)),
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Read a Dockerfile and migrate it. Writes nothing. */
export function migrateFile(file: string, opts: MigrateFileOptions = {}): MigrateResult & { path: string } {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  const rel = toPosix(path.relative(cwd, abs)) || path.basename(abs);
  const err = (reason: string, code = 'unreadable') => ({
    path: rel,
    status: 'error' as const,
    code,
    reason,
    output: '',
    files: [],
    changes: [],
    warnings: [],
    diff: '',
  });
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err(
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'ELOOP'
          ? 'too many levels of symbolic links'
          : `cannot read it (${code ?? (e as Error).message})`,
      code === 'ENOENT' ? 'not-found' : 'unreadable',
    );
  }
  if (st.isDirectory()) return err('is a directory, not a Dockerfile', 'not-a-file');
  if (!st.isFile()) return err('is not a regular file', 'not-a-file');
  if (st.size > MAX_DOCKERFILE_BYTES)
    return err(`is larger than ${MAX_DOCKERFILE_BYTES / 1024 / 1024} MiB; not a Dockerfile this tool will rewrite`, 'too-large');
  let buf: Buffer;
  try {
    buf = fs.readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err(code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? (e as Error).message})`);
  }
  if (buf.includes(0)) return err('the file is binary (it contains NUL bytes)', 'binary-file');
  let text: string;
  try {
    text = UTF8.decode(buf);
  } catch {
    return err('the file is not valid UTF-8', 'invalid-utf8');
  }
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) text = '\uFEFF' + text;
  // Never found by a directory scan (discover() does not enter .devcontainer/): named on the command line.
  if (inDevcontainer(abs)) {
    const reason = 'a dev container definition (.devcontainer/): it builds a development environment, not a production image';
    return {
      path: rel,
      status: 'skipped',
      code: 'devcontainer',
      reason,
      output: text,
      files: [],
      changes: [],
      warnings: [],
      diff: '',
    };
  }
  const ctxAbs = opts.context ? path.resolve(cwd, opts.context) : path.dirname(abs);
  const name = path.basename(abs);
  const mine = overlayFor(ctxAbs, name, opts.overlay);
  const key = `${ctxAbs}\0${name === 'Dockerfile' ? '' : name}\0${[...mine].map(([p, c]) => `${p}:${c}`).join('\0')}`;
  let project = opts.factsCache?.get(key);
  if (!project) {
    project = new Project(factsFor(overlaySource(ctxAbs, mine, opts.listings), name));
    opts.factsCache?.set(key, project);
  }
  const ctxRel = toPosix(path.relative(cwd, ctxAbs));
  const res = migrate({
    dockerfile: text,
    context: project,
    path: rel,
    contextPath: ctxRel,
    options: { ...opts.options, dockerfileName: name },
  });
  return { ...res, path: rel };
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
