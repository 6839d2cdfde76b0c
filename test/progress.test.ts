/**
 * The progress line and the end-of-run summary (src/cli/progress.ts), on a fake terminal: what is
 * written, not when (the clock is a counter the test moves).
 */
import { describe, expect, it } from 'vitest';
import { Progress, Tally, progressLine } from '../src/cli/progress.js';

const CLEAR = '\r\x1b[K';

function fakeTerminal(columns = 120) {
  const writes: string[] = [];
  return { isTTY: true, columns, writes, write: (s: string) => writes.push(s) };
}

describe('when there is a progress line', () => {
  it('only on a terminal, over 50 files, and not with --quiet', () => {
    const tty = fakeTerminal();
    const tally = new Tally();
    expect(progressLine(tty, 51, tally, {})).toBeInstanceOf(Progress);
    expect(progressLine(tty, 50, tally, {})).toBeNull();
    expect(progressLine(tty, 5000, tally, { quiet: true })).toBeNull();
    expect(progressLine({ isTTY: false, write: () => true }, 5000, tally, {})).toBeNull();
    expect(progressLine({ write: () => true }, 5000, tally, {})).toBeNull();
    expect(tty.writes).toEqual([]);
  });
});

describe('the line', () => {
  function setup(columns = 120) {
    const tty = fakeTerminal(columns);
    const tally = new Tally();
    let now = 0;
    const progress = new Progress(tty, 200, tally, () => now, 100);
    return {
      tty,
      progress,
      done(status: 'migrated' | 'unchanged' | 'skipped' | 'error', code?: string) {
        tally.add(status, code);
        progress.tick();
      },
      at(t: number) {
        now = t;
      },
    };
  }

  it('files done / total and the count of each status, redrawn in place at most every interval', () => {
    const { tty, done, at } = setup();
    done('migrated');
    expect(tty.writes).toEqual([`${CLEAR}dockerfile-migrate: 1/200 files: 1 migrated, 0 unchanged, 0 skipped, 0 errors`]);
    at(50);
    done('skipped', 'not-node');
    expect(tty.writes.length).toBe(1); // too soon: not redrawn
    at(100);
    done('error', 'parse-error');
    expect(tty.writes.slice(1)).toEqual([
      `${CLEAR}dockerfile-migrate: 3/200 files: 1 migrated, 0 unchanged, 1 skipped, 1 errors`,
    ]);
    expect(tty.writes.join('')).not.toContain('\n');
  });

  it('taken off before other output and put back by the next file at once; gone at the end', () => {
    const { tty, progress, done, at } = setup();
    done('migrated');
    progress.clear();
    progress.clear(); // already off: nothing more
    expect(tty.writes.slice(1)).toEqual([CLEAR]);
    at(1); // well within the interval, yet the line is drawn again since it was taken off
    done('unchanged');
    expect(tty.writes.slice(2)).toEqual([
      `${CLEAR}dockerfile-migrate: 2/200 files: 1 migrated, 1 unchanged, 0 skipped, 0 errors`,
    ]);
    progress.end();
    expect(tty.writes.slice(3)).toEqual([CLEAR]);
    progress.end();
    expect(tty.writes.length).toBe(4);
  });

  it('never wider than the terminal (a wrapped line could not be rewritten in place)', () => {
    const { tty, done } = setup(30);
    done('migrated');
    expect(tty.writes).toEqual([`${CLEAR}dockerfile-migrate: 1/200 fil`]);
  });
});

describe('the summary by reason code', () => {
  it('the skipped and failed files by code, most frequent first, then by code', () => {
    const t = new Tally();
    for (const [s, c] of [
      ['migrated'],
      ['skipped', 'not-node'],
      ['skipped', 'ignored'],
      ['skipped', 'not-node'],
      ['error', 'parse-error'],
      ['error', 'empty-file'],
      ['unchanged'],
    ] as const)
      t.add(s, c);
    expect(t.line()).toBe('1 migrated, 1 unchanged, 3 skipped, 2 errors');
    expect(t.byCode()).toEqual(['  skipped: 2 not-node, 1 ignored', '  errors: 1 empty-file, 1 parse-error']);
    expect(t.files).toBe(7);
    const clean = new Tally();
    clean.add('migrated');
    expect(clean.byCode()).toEqual([]);
  });
});
