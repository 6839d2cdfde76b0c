/**
 * Migrating many Dockerfiles: in this thread, or spread over worker threads for a large batch.
 * Results come back in the order of the input, whatever thread computed them. Dockerfiles that
 * share a build context stay in one thread, so a .dockerignore that one of them proposes is seen
 * by the next (the overlay), exactly as in a sequential run. Nothing here writes or prints.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { MigrateFileOptions, MigrateResult } from '../migrate.js';
import type { Listings } from '../model/project/facts.js';
import type { Project } from '../model/project/project.js';
import type { Options } from '../engine/types.js';

export type FileResult = MigrateResult & { path: string };

export interface BatchOptions {
  cwd: string;
  context?: string;
  options: Options;
  /** Worker threads to migrate on (0: this thread); default: defaultWorkers(number of files). */
  workers?: number;
  /**
   * Whether the caller needs the migrated text and generated file contents (to write or verify).
   * Without them, worker threads send back less.
   */
  needContent?: boolean;
  /** Directory listings read while finding the files (used in this thread only; see MigrateFileOptions). */
  listings?: Listings;
  /** The options of the file at this index, when files differ (a configuration file's overrides); default: `options`. */
  optionsFor?: (index: number) => Options;
}

/**
 * From this many files, the batch runs on worker threads with bounded heaps, which keep the memory
 * of a long run flat; below it, a thread's own start-up and compilation cost more than it saves.
 */
export const PARALLEL_FROM = 4000;

interface Item {
  index: number;
  file: string;
  options?: Options;
}

/**
 * The worker's module, named from the folder above: the same file whether this module runs as tsc
 * built it (dist/src/run/) or from a chunk of the command's bundle (dist/src/chunks/).
 */
const WORKER = new URL('../run/batch-worker.js', import.meta.url);

export type MigrateFileFn = (file: string, opts: MigrateFileOptions) => FileResult;

/**
 * Migrate one group (the files of one build context) in order, carrying proposed files forward.
 * The facts cache lives as long as the group: a large batch does not keep every context's files.
 */
export function migrateGroup(
  migrateFile: MigrateFileFn,
  items: Item[],
  opts: BatchOptions,
  emit: (index: number, res: FileResult) => void,
): void {
  const pending = new Map<string, string>();
  const factsCache = new Map<string, Project>();
  for (const { index, file, options } of items) {
    const res = migrateFile(file, {
      cwd: opts.cwd,
      context: opts.context,
      options: options ?? opts.options,
      factsCache,
      overlay: pending,
      listings: opts.listings,
    });
    for (const f of res.files) pending.set(path.resolve(opts.cwd, f.displayPath), f.content);
    emit(index, res);
  }
}

/**
 * Worker threads for a batch of `count` files: none below PARALLEL_FROM; above it, one per core
 * but one, which is left to this thread (it prints) and to V8's own garbage-collection and
 * compiler threads: on two cores a second worker made a 10,000-file batch 12% faster for a
 * third more memory. DOCKERFILE_MIGRATE_THREADS=N sets the threads that migrate: 1 is this
 * thread alone, N > 1 is N workers.
 */
export function defaultWorkers(count: number): number {
  const env = Number(process.env.DOCKERFILE_MIGRATE_THREADS);
  if (Number.isInteger(env) && env > 0) return env > 1 ? env : 0;
  return count >= PARALLEL_FROM ? Math.max(1, Math.min(os.availableParallelism() - 1, 8)) : 0;
}

/**
 * Group by build context: the files of one context go to one thread, in their order. The groups
 * come in the order of their first file.
 */
function groupByContext(files: readonly string[], opts: BatchOptions): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  files.forEach((file, index) => {
    const abs = path.resolve(opts.cwd, file);
    const key = opts.context ? path.resolve(opts.cwd, opts.context) : path.dirname(abs);
    const item: Item = opts.optionsFor ? { index, file, options: opts.optionsFor(index) } : { index, file };
    const g = groups.get(key);
    if (g) g.push(item);
    else groups.set(key, [item]);
  });
  return groups;
}

/**
 * Migrate files in this thread, one build context at a time, as the caller asks for them: each
 * result comes in input order, the moment it and all before it are done, and is not kept. The
 * same results as migrateFiles() (the same groups, facts cache and overlay).
 */
export async function* migrateInOrder(files: readonly string[], opts: BatchOptions): AsyncGenerator<FileResult> {
  const { migrateFile } = await import('../migrate.js');
  const held = new Map<number, FileResult>();
  let next = 0;
  for (const g of groupByContext(files, opts).values()) {
    migrateGroup(migrateFile, g, opts, (index, res) => held.set(index, res));
    for (let res = held.get(next); res; res = held.get(next)) {
      held.delete(next++);
      yield res;
    }
  }
}

/** Migrate files; `onResult` sees every result in input order as soon as it and all before it are done. */
export async function migrateFiles(
  files: string[],
  opts: BatchOptions,
  onResult: (res: FileResult, index: number) => void,
): Promise<void> {
  const workers = Math.min(opts.workers ?? defaultWorkers(files.length), files.length);
  const results: (FileResult | undefined)[] = new Array(files.length);
  let next = 0;
  const emit = (index: number, res: FileResult) => {
    results[index] = res;
    while (next < files.length && results[next]) {
      onResult(results[next]!, next);
      results[next] = undefined; // release it
      next++;
    }
  };
  const groups = groupByContext(files, opts);
  // In this thread: the library is loaded only now, so a large batch's main thread stays light.
  const runHere = async (list: Iterable<Item[]>) => {
    const { migrateFile } = await import('../migrate.js');
    for (const g of list) migrateGroup(migrateFile, g, opts, emit);
  };
  if (workers < 1 || (workers > 1 && groups.size < 2)) return runHere(groups.values());
  // Deal groups to workers, largest first, each to the least loaded one.
  const shares: Item[][][] = Array.from({ length: workers }, () => []);
  const load = new Array(workers).fill(0);
  for (const g of [...groups.values()].sort((a, b) => b.length - a.length)) {
    const t = load.indexOf(Math.min(...load));
    shares[t].push(g);
    load[t] += g.length;
  }
  const { workers: _omit, listings: _local, optionsFor: _perItem, ...shared } = opts;
  // Loaded only here: a batch that runs in this thread does not pay for worker_threads.
  const { Worker } = await import('node:worker_threads');
  const done = new Set<number>();
  const leftovers: Item[][] = [];
  await Promise.all(
    shares.map(
      (groupsOfThread) =>
        new Promise<void>((resolve) => {
          // A bounded heap keeps a long batch's memory flat: what a file needs is small and
          // short-lived, so an unbounded heap only piles up garbage before collecting it.
          const worker = new Worker(WORKER, {
            workerData: { groups: groupsOfThread, opts: shared },
            resourceLimits: {
              maxOldGenerationSizeMb: Number(process.env.DOCKERFILE_MIGRATE_HEAP_MB) || 64,
              maxYoungGenerationSizeMb: 2,
            },
          });
          let failed = false;
          worker.on('message', (m: { index: number; res: FileResult }) => {
            done.add(m.index);
            emit(m.index, m.res);
          });
          // A thread that runs out of its heap (an unusually large context) or fails otherwise
          // hands what it did not finish back to this thread.
          worker.on('error', () => {
            failed = true;
          });
          worker.on('exit', (code) => {
            if (failed || code !== 0) for (const g of groupsOfThread) leftovers.push(g.filter((it) => !done.has(it.index)));
            resolve();
          });
        }),
    ),
  );
  const rest = leftovers.filter((g) => g.length);
  if (rest.length) await runHere(rest);
}
