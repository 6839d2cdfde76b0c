/**
 * What a long run shows on a terminal: one progress line on stderr, rewritten in place and gone at
 * the end; and the end-of-run summary, which groups the files by status and reason code.
 */
import type { Status } from '../engine/types.js';

/** The stream the line goes to (process.stderr; a fake one in the tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Runs of more files than this show the progress line. */
export const PROGRESS_FROM = 50;
const CLEAR = '\r\x1b[K';

/**
 * A progress line for `total` files: files done / total and the count of each status so far. It
 * is redrawn at most every `intervalMs` (and whenever it was cleared for other output), never
 * wider than the terminal, so it never wraps.
 */
export class Progress {
  private shown = false;
  private last = -Infinity;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    /** The counts so far: the line shows them. */
    private readonly tally: Tally,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 100,
  ) {}

  /** One more file done (and counted in the tally). */
  tick(): void {
    const t = this.now();
    if (!this.shown || t - this.last >= this.intervalMs) {
      this.last = t;
      this.draw();
    }
  }

  /** Take the line off the terminal before other output is written (tick() puts it back). */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR);
    this.shown = false;
  }

  /** The run is over: the line goes, for good. */
  end(): void {
    this.clear();
  }

  text(): string {
    return `dockerfile-migrate: ${this.tally.files}/${this.total} files: ${this.tally.line()}`;
  }

  private draw(): void {
    const width = this.stream.columns && this.stream.columns > 1 ? this.stream.columns - 1 : 79;
    this.stream.write(CLEAR + this.text().slice(0, width));
    this.shown = true;
  }
}

/** A progress line when it helps: stderr is a terminal, the run is long enough, and not --quiet. */
export function progressLine(
  stream: ProgressStream,
  total: number,
  tally: Tally,
  opts: { quiet?: boolean; now?: () => number },
): Progress | null {
  if (!stream.isTTY || opts.quiet || total <= PROGRESS_FROM) return null;
  return new Progress(stream, total, tally, opts.now);
}

/** Files counted by status, and the skipped and failed ones by reason code, as a run goes. */
export class Tally {
  readonly counts: Record<Status, number> = { migrated: 0, unchanged: 0, skipped: 0, error: 0 };
  private readonly codes: Record<'skipped' | 'error', Map<string, number>> = { skipped: new Map(), error: new Map() };

  add(status: Status, code?: string): void {
    this.counts[status]++;
    if (status === 'skipped' || status === 'error') {
      const key = code ?? 'other';
      this.codes[status].set(key, (this.codes[status].get(key) ?? 0) + 1);
    }
  }

  get files(): number {
    const c = this.counts;
    return c.migrated + c.unchanged + c.skipped + c.error;
  }

  /** `3 migrated, 1 unchanged, 2 skipped, 0 errors` */
  line(): string {
    const c = this.counts;
    return `${c.migrated} migrated, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.error} errors`;
  }

  /** One line per status with codes, each code with its count, most frequent first: `  skipped: 2 not-node, 1 ignored`. */
  byCode(): string[] {
    const out: string[] = [];
    for (const [status, label] of [
      ['skipped', 'skipped'],
      ['error', 'errors'],
    ] as const) {
      const m = this.codes[status];
      if (!m.size) continue;
      const parts = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, n]) => `${n} ${code}`);
      out.push(`  ${label}: ${parts.join(', ')}`);
    }
    return out;
  }
}
