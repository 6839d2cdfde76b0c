/**
 * The edit script jsdiff's diffArrays() gives for two arrays of small integers, worked out without
 * its quadratic cost on large texts.
 *
 * jsdiff runs Myers' greedy algorithm: for each number of edits d, the furthest-reaching path on
 * every diagonal, extended along matching lines; it stops at the first path that reaches the end
 * and returns it. The loop below is that loop, step for step (the same diagonals in the same order,
 * the same choice between an insertion and a deletion, the same early stop at the edges of the
 * edit graph), on typed arrays instead of objects. It keeps one record per path for the way back.
 *
 * What makes it fast: jsdiff visits about d diagonals at step d, so D edits cost about D² steps (a
 * migration that edits every COPY of a large Dockerfile makes thousands). Here a path is dropped as
 * soon as it cannot end within a budget U of edits: its edits so far plus a lower bound of the
 * edits still needed from where it stands exceed U. Such a path is on no shortest edit script
 * when U is at least the shortest length, so no path jsdiff's result is built from is ever dropped,
 * and neither is one that could beat such a path where jsdiff chooses between two (the further
 * one wins, a dropped one could only have been shorter): the result is jsdiff's. The budget
 * starts at the lower bound for the whole texts and grows until a path reaches the end (with no
 * budget left to spare it is plain Myers). The lower bound counts, from a point of the graph on:
 * lines whose text the other side no longer has at or after the point (lines of a text that occurs
 * once on its side, or never on the other side), which must be deleted or inserted, and the
 * difference in lines left on each side.
 */

export interface EditComponent {
  count: number;
  added: boolean;
  removed: boolean;
}

const UNDEF = -2;
const START = 0;
const ADD = 1;
const REMOVE = 2;

/** Per-token facts the lower bound reads. */
interface Tables {
  cntOld: Int32Array;
  cntNew: Int32Array;
  lastOld: Int32Array;
  lastNew: Int32Array;
  /** From each old position on: the lines whose text never occurs in the new text. */
  onlyOld: Int32Array;
  /** From each new position on: the lines whose text never occurs in the old text. */
  onlyNew: Int32Array;
}

function tables(a: ArrayLike<number>, b: ArrayLike<number>): Tables {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  for (let j = 0; j < b.length; j++) if (b[j] > max) max = b[j];
  const cntOld = new Int32Array(max + 1);
  const cntNew = new Int32Array(max + 1);
  const lastOld = new Int32Array(max + 1).fill(-1);
  const lastNew = new Int32Array(max + 1).fill(-1);
  for (let i = 0; i < a.length; i++) {
    cntOld[a[i]]++;
    lastOld[a[i]] = i;
  }
  for (let j = 0; j < b.length; j++) {
    cntNew[b[j]]++;
    lastNew[b[j]] = j;
  }
  const onlyOld = new Int32Array(a.length + 1);
  for (let i = a.length - 1; i >= 0; i--) onlyOld[i] = onlyOld[i + 1] + (cntNew[a[i]] === 0 ? 1 : 0);
  const onlyNew = new Int32Array(b.length + 1);
  for (let j = b.length - 1; j >= 0; j--) onlyNew[j] = onlyNew[j + 1] + (cntOld[b[j]] === 0 ? 1 : 0);
  return { cntOld, cntNew, lastOld, lastNew, onlyOld, onlyNew };
}

/** The components jsdiff's diffArrays(a, b) returns (count, added, removed), for arrays of non-negative integers. */
export function editScript(a: ArrayLike<number>, b: ArrayLike<number>): EditComponent[] {
  const t = tables(a, b);
  const n = a.length;
  const m = b.length;
  let budget = lowerBound(t, n, m, 0, 0, 0, 0);
  for (let grow = 2; ; grow *= 2) {
    const res = search(a, b, t, budget >= n + m ? Infinity : budget);
    if (res) return res;
    budget += grow;
  }
}

/**
 * Edits still needed from the point where `x` old and `y` new lines are consumed. `del` and `ins`
 * count the lines of a text that occurs once on its side and whose only matches on the other side
 * are already behind the point (they must be deleted, or inserted).
 */
function lowerBound(t: Tables, n: number, m: number, x: number, y: number, del: number, ins: number): number {
  const diff = n - x - (m - y);
  const dels = 2 * (t.onlyOld[x] + del) - diff;
  const inss = 2 * (t.onlyNew[y] + ins) + diff;
  const abs = diff < 0 ? -diff : diff;
  return abs > dels ? (abs > inss ? abs : inss) : dels > inss ? dels : inss;
}

/** Growable record store: for each path, the one before it, its kind of edit and where its snake ends. */
class Records {
  prev = new Int32Array(1024);
  x = new Int32Array(1024);
  kind = new Uint8Array(1024);
  size = 0;
  add(prev: number, kind: number, x: number): number {
    if (this.size === this.prev.length) {
      const grow = <T extends Int32Array | Uint8Array>(arr: T): T => {
        const next = new (arr.constructor as new (n: number) => T)(arr.length * 2);
        next.set(arr);
        return next;
      };
      this.prev = grow(this.prev);
      this.x = grow(this.x);
      this.kind = grow(this.kind);
    }
    this.prev[this.size] = prev;
    this.kind[this.size] = kind;
    this.x[this.size] = x;
    return this.size++;
  }
}

/** jsdiff's loop with paths over `budget` dropped; null when no path ends within it. */
function search(a: ArrayLike<number>, b: ArrayLike<number>, t: Tables, budget: number): EditComponent[] | null {
  const n = a.length;
  const m = b.length;
  const { cntOld, cntNew, lastOld, lastNew } = t;
  const off = m + 2;
  const width = n + m + 5;
  // Per diagonal (oldPos - newPos, offset by `off`): the path's last old position (jsdiff's oldPos),
  // its record, and the two counts of the lower bound.
  const pos = new Int32Array(width).fill(UNDEF);
  const rec = new Int32Array(width);
  const delOf = new Int32Array(width);
  const insOf = new Int32Array(width);
  const records = new Records();
  // The state being extended: consumed counts x, y and the counts del, ins.
  let x = 0;
  let y = 0;
  let del = 0;
  let ins = 0;
  const stepOld = () => {
    const tok = a[x];
    if (cntOld[tok] === 1 && cntNew[tok] >= 1 && lastNew[tok] < y) del--;
    if (lastOld[tok] === x && cntNew[tok] === 1 && lastNew[tok] >= y) ins++;
    x++;
  };
  const stepNew = () => {
    const tok = b[y];
    if (cntNew[tok] === 1 && cntOld[tok] >= 1 && lastOld[tok] < x) ins--;
    if (lastNew[tok] === y && cntOld[tok] === 1 && lastOld[tok] >= x) del++;
    y++;
  };
  const snake = () => {
    while (y < m && x < n && a[x] === b[y]) {
      stepOld();
      stepNew();
    }
  };

  snake();
  const first = records.add(-1, START, x - 1);
  if (x >= n && y >= m) return components(records, first);
  pos[off] = x - 1;
  rec[off] = first;
  delOf[off] = del;
  insOf[off] = ins;
  // The diagonals that may hold a path, by parity of the step that wrote them.
  const lo = [0, 0];
  const hi = [0, -1];
  let minDiag = -Infinity;
  let maxDiag = Infinity;
  for (let d = 1; d <= n + m; d++) {
    if (d > budget) return null;
    const p = d & 1;
    const q = p ^ 1;
    let from = Math.max(minDiag, -d, lo[q] - 1, -m);
    if ((from - d) & 1) from++;
    const to = Math.min(maxDiag, d, hi[q] + 1, n);
    // Diagonals of this parity left over from two steps ago: no path reaches them now.
    for (let k = lo[p]; k <= hi[p] && k < from; k += 2) pos[k + off] = UNDEF;
    for (let k = Math.max(lo[p], to + 1 + ((to + 1 - p) & 1)); k <= hi[p]; k += 2) pos[k + off] = UNDEF;
    let newLo = Infinity;
    let newHi = -Infinity;
    for (let k = from; k <= to; k += 2) {
      const i = k + off;
      const removePos = pos[i - 1];
      const addPos = pos[i + 1];
      if (removePos !== UNDEF) pos[i - 1] = UNDEF;
      let canAdd = false;
      if (addPos !== UNDEF) {
        const addNewPos = addPos - k;
        canAdd = 0 <= addNewPos && addNewPos < m;
      }
      const canRemove = removePos !== UNDEF && removePos + 1 < n;
      if (!canAdd && !canRemove) {
        pos[i] = UNDEF;
        continue;
      }
      let kind: number;
      let src: number;
      if (!canRemove || (canAdd && removePos < addPos)) {
        kind = ADD;
        src = i + 1;
        x = addPos + 1;
        y = addPos - k;
        del = delOf[src];
        ins = insOf[src];
        stepNew();
      } else {
        kind = REMOVE;
        src = i - 1;
        x = removePos + 1;
        y = removePos - k + 2;
        del = delOf[src];
        ins = insOf[src];
        stepOld();
      }
      snake();
      if (x >= n && y >= m) return components(records, records.add(rec[src], kind, x - 1));
      const atOldEnd = x >= n;
      const atNewEnd = y >= m;
      if (atOldEnd) maxDiag = Math.min(maxDiag, k - 1);
      if (atNewEnd) minDiag = Math.max(minDiag, k + 1);
      // A path at an edge is kept whatever its cost: jsdiff narrows the diagonals it visits from it.
      if (!atOldEnd && !atNewEnd && d + lowerBound(t, n, m, x, y, del, ins) > budget) {
        pos[i] = UNDEF;
        continue;
      }
      pos[i] = x - 1;
      rec[i] = records.add(rec[src], kind, x - 1);
      delOf[i] = del;
      insOf[i] = ins;
      if (k < newLo) newLo = k;
      if (k > newHi) newHi = k;
    }
    if (newLo > newHi) return null;
    lo[p] = newLo;
    hi[p] = newHi;
  }
  return null;
}

/** The path ending at record `r` as jsdiff's components: runs of one kind, a snake its own component. */
function components(records: Records, r: number): EditComponent[] {
  const chain: number[] = [];
  for (let k = r; k >= 0; k = records.prev[k]) chain.push(k);
  chain.reverse();
  const out: EditComponent[] = [];
  for (const k of chain) {
    const kind = records.kind[k];
    let start: number;
    if (kind === START) start = -1;
    else {
      const prevX = records.x[records.prev[k]];
      start = kind === REMOVE ? prevX + 1 : prevX;
      const last = out[out.length - 1];
      const added = kind === ADD;
      if (last && last.added === added && last.removed === !added) last.count++;
      else out.push({ count: 1, added, removed: !added });
    }
    const common = records.x[k] - start;
    if (common > 0) out.push({ count: common, added: false, removed: false });
  }
  return out;
}
