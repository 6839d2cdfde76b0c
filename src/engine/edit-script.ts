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
 * one wins, a dropped one could only have been shorter): the result is jsdiff's.
 *
 * The lower bound, from a point of the edit graph on: for each text, the difference between its
 * occurrences left in the old and in the new lines (each is a deletion or an insertion), plus two
 * for each line that occurs once on each side and that no path can match any more (beyond the
 * longest chain of such pairs in order on both sides: a line moved). The first budget is the lower
 * bound for the whole texts, which usually is the shortest length; when no path ends within it,
 * the length of a script found by a narrow search is (with no budget at all it is plain Myers).
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

/** Per-token facts the lower bound reads: where each text occurs on each side, in order. */
interface Tables {
  cntOld: Int32Array;
  cntNew: Int32Array;
  /** The old positions of each text, grouped by text (oldStart[t] .. oldStart[t + 1]), ascending. */
  oldStart: Int32Array;
  oldAt: Int32Array;
  newStart: Int32Array;
  newAt: Int32Array;
  /** How many of its text's occurrences come before each position. */
  rankOld: Int32Array;
  rankNew: Int32Array;
  /** The lower bound from the start: the sum over texts of |occurrences in old - occurrences in new|. */
  initial: number;
  /** Lines that occur once on each side, for the bound on lines moved (see `moved`). */
  pairs: Pairs;
}

function tables(a: ArrayLike<number>, b: ArrayLike<number>): Tables {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  for (let j = 0; j < b.length; j++) if (b[j] > max) max = b[j];
  const cntOld = new Int32Array(max + 1);
  const cntNew = new Int32Array(max + 1);
  for (let i = 0; i < a.length; i++) cntOld[a[i]]++;
  for (let j = 0; j < b.length; j++) cntNew[b[j]]++;
  const group = (arr: ArrayLike<number>, cnt: Int32Array) => {
    const start = new Int32Array(max + 2);
    for (let t = 0; t <= max; t++) start[t + 1] = start[t] + cnt[t];
    const at = new Int32Array(arr.length);
    const rank = new Int32Array(arr.length);
    const fill = new Int32Array(max + 1);
    for (let i = 0; i < arr.length; i++) {
      const tok = arr[i];
      rank[i] = fill[tok];
      at[start[tok] + fill[tok]++] = i;
    }
    return { start, at, rank };
  };
  const o = group(a, cntOld);
  const n = group(b, cntNew);
  let initial = 0;
  for (let t = 0; t <= max; t++) initial += Math.abs(cntOld[t] - cntNew[t]);
  const pairs = new Pairs(a, b.length, cntOld, cntNew, n.start, n.at);
  return {
    cntOld,
    cntNew,
    oldStart: o.start,
    oldAt: o.at,
    newStart: n.start,
    newAt: n.at,
    rankOld: o.rank,
    rankNew: n.rank,
    initial,
    pairs,
  };
}

/**
 * The lines whose text occurs exactly once in each text, as pairs (old position, new position),
 * for a question asked of every point (x, y) of the edit graph: of the pairs still ahead of it (old
 * position >= x and new position >= y), how many, and how many at most a path can match (the
 * longest chain of pairs increasing in both positions). Each pair no path matches costs a deletion
 * and an insertion that the count of occurrences does not see: a line moved (split-stages moves
 * LABELs into the runtime stage, for one). `chain[p]` is the longest chain starting at pair p; a
 * persistent segment tree over new positions, one version per old position x (the pairs at or
 * after x), answers both questions in O(log) time.
 */
class Pairs {
  /** The version of the tree holding the pairs with old position >= x, per x. */
  readonly root: Int32Array;
  left: Int32Array;
  right: Int32Array;
  count: Int32Array;
  longest: Int32Array;
  size = 1; // node 0 is the empty tree
  readonly m: number;

  constructor(a: ArrayLike<number>, m: number, cntOld: Int32Array, cntNew: Int32Array, newStart: Int32Array, newAt: Int32Array) {
    this.m = m;
    const n = a.length;
    const partner = new Int32Array(n).fill(-1);
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      const tok = a[i];
      if (cntOld[tok] === 1 && cntNew[tok] === 1) {
        partner[i] = newAt[newStart[tok]];
        pairs++;
      }
    }
    let depth = 1;
    while (1 << (depth - 1) < Math.max(1, m)) depth++;
    const nodes = 1 + pairs * (depth + 2);
    this.left = new Int32Array(nodes);
    this.right = new Int32Array(nodes);
    this.count = new Int32Array(nodes);
    this.longest = new Int32Array(nodes);
    this.root = new Int32Array(n + 1);
    // From the last old line back: the longest chain from a pair is one more than the longest
    // from a pair after it in both texts, which the tree built so far holds.
    for (let i = n - 1; i >= 0; i--) {
      const j = partner[i];
      let root = this.root[i + 1];
      if (j >= 0) root = this.insert(root, 0, m - 1, j, 1 + this.query(root, j + 1).longest);
      this.root[i] = root;
    }
  }

  private insert(node: number, lo: number, hi: number, j: number, chain: number): number {
    const k = this.size++;
    this.count[k] = this.count[node] + 1;
    this.longest[k] = Math.max(this.longest[node], chain);
    if (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (j <= mid) {
        this.left[k] = this.insert(this.left[node], lo, mid, j, chain);
        this.right[k] = this.right[node];
      } else {
        this.left[k] = this.left[node];
        this.right[k] = this.insert(this.right[node], mid + 1, hi, j, chain);
      }
    }
    return k;
  }

  /** The pairs in the tree `root` with new position >= y: how many, and the longest chain from one of them. */
  query(root: number, y: number): { count: number; longest: number } {
    let count = 0;
    let longest = 0;
    let node = root;
    let lo = 0;
    let hi = this.m - 1;
    if (y <= lo) return { count: this.count[node], longest: this.longest[node] };
    while (node !== 0 && lo < hi) {
      const mid = (lo + hi) >> 1;
      if (y <= mid) {
        // All of the right half is at or after y.
        const r = this.right[node];
        count += this.count[r];
        if (this.longest[r] > longest) longest = this.longest[r];
        node = this.left[node];
        hi = mid;
      } else {
        node = this.right[node];
        lo = mid + 1;
      }
      if (y <= lo) {
        count += this.count[node];
        if (this.longest[node] > longest) longest = this.longest[node];
        break;
      }
    }
    return { count, longest };
  }
}

/** Edits that pairs ahead of (x, y) cost beyond the count of occurrences: two for each a path cannot match. */
function moved(pairs: Pairs, x: number, y: number): number {
  if (y >= pairs.m) return 0;
  const q = pairs.query(pairs.root[x], y);
  return 2 * (q.count - q.longest);
}

/** Occurrences of text `tok` at or after position `from`, among `at[start[tok]] .. at[start[tok + 1]]`. */
function occurrencesFrom(start: Int32Array, at: Int32Array, tok: number, from: number): number {
  let lo = start[tok];
  const end = start[tok + 1];
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return end - lo;
}

/**
 * The lower bound kept for a point of the edit graph where `x` old and `y` new lines are consumed:
 * the sum over texts of |occurrences left in old - occurrences left in new| (each unmatched
 * occurrence is a deletion or an insertion), updated as one line is consumed. Matching a line
 * leaves it as it was.
 */
function afterOld(t: Tables, a: ArrayLike<number>, x: number, y: number, bound: number): number {
  const tok = a[x];
  const o = t.cntOld[tok] - t.rankOld[x];
  const n = occurrencesFrom(t.newStart, t.newAt, tok, y);
  return bound + Math.abs(o - 1 - n) - Math.abs(o - n);
}
function afterNew(t: Tables, b: ArrayLike<number>, x: number, y: number, bound: number): number {
  const tok = b[y];
  const n = t.cntNew[tok] - t.rankNew[y];
  const o = occurrencesFrom(t.oldStart, t.oldAt, tok, x);
  return bound + Math.abs(o - n + 1) - Math.abs(o - n);
}

/** The components jsdiff's diffArrays(a, b) returns (count, added, removed), for arrays of non-negative integers. */
export function editScript(a: ArrayLike<number>, b: ArrayLike<number>): EditComponent[] {
  const t = tables(a, b);
  // The lower bound from the start is often the shortest length itself: a search within it is
  // then all it takes. Otherwise some script's length, found quickly, is a budget the shortest
  // fits in.
  return (
    search(a, b, t, t.initial + moved(t.pairs, 0, 0)) ?? search(a, b, t, beamLength(a, b, t, 64)) ?? search(a, b, t, Infinity)!
  );
}

/**
 * The length of an edit script found by keeping, after each edit, only the `width` paths that
 * have come furthest for what they still need (lines consumed minus the lower bound): not always
 * the shortest, but close, in time that grows with the number of edits.
 */
function beamLength(a: ArrayLike<number>, b: ArrayLike<number>, t: Tables, width: number): number {
  const n = a.length;
  const m = b.length;
  const off = m + 1;
  // Per diagonal (x - y, offset): the step that last wrote it, and its point and bound.
  const stamp = new Int32Array(n + m + 3).fill(-1);
  const px = new Int32Array(n + m + 3);
  const py = new Int32Array(n + m + 3);
  const pb = new Int32Array(n + m + 3);
  let x = 0;
  let y = 0;
  while (x < n && y < m && a[x] === b[y]) {
    x++;
    y++;
  }
  if (x >= n && y >= m) return 0;
  let live = [{ x, y, bound: t.initial }];
  for (let d = 1; ; d++) {
    const touched: number[] = [];
    const offer = (nx: number, ny: number, bound: number) => {
      const i = nx - ny + off;
      if (stamp[i] !== d) {
        stamp[i] = d;
        touched.push(i);
      } else if (px[i] >= nx) return;
      px[i] = nx;
      py[i] = ny;
      pb[i] = bound;
    };
    for (const s of live) {
      if (s.x < n) offer(s.x + 1, s.y, afterOld(t, a, s.x, s.y, s.bound));
      if (s.y < m) offer(s.x, s.y + 1, afterNew(t, b, s.x, s.y, s.bound));
    }
    const next: { x: number; y: number; bound: number; lb: number }[] = [];
    for (const i of touched) {
      let nx = px[i];
      let ny = py[i];
      while (nx < n && ny < m && a[nx] === b[ny]) {
        nx++;
        ny++;
      }
      if (nx >= n && ny >= m) return d;
      next.push({ x: nx, y: ny, bound: pb[i], lb: pb[i] + moved(t.pairs, nx, ny) });
    }
    next.sort((p, q) => q.x + q.y - q.lb - (p.x + p.y - p.lb));
    live = next.length > width ? next.slice(0, width) : next;
  }
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
  const off = m + 2;
  const width = n + m + 5;
  // Per diagonal (oldPos - newPos, offset by `off`): the path's last old position (jsdiff's oldPos),
  // its record, and the lower bound of the edits still needed from where it ends.
  const pos = new Int32Array(width).fill(UNDEF);
  const rec = new Int32Array(width);
  const boundOf = new Int32Array(width);
  const records = new Records();
  // The path being extended: x old and y new lines consumed, and its lower bound.
  let x = 0;
  let y = 0;
  let bound = t.initial;
  const snake = () => {
    while (y < m && x < n && a[x] === b[y]) {
      x++;
      y++;
    }
  };

  snake();
  const first = records.add(-1, START, x - 1);
  if (x >= n && y >= m) return components(records, first);
  pos[off] = x - 1;
  rec[off] = first;
  boundOf[off] = bound;
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
        bound = afterNew(t, b, x, y, boundOf[src]);
        y++;
      } else {
        kind = REMOVE;
        src = i - 1;
        x = removePos + 1;
        y = removePos - k + 2;
        bound = afterOld(t, a, x, y, boundOf[src]);
        x++;
      }
      snake();
      if (x >= n && y >= m) return components(records, records.add(rec[src], kind, x - 1));
      const atOldEnd = x >= n;
      const atNewEnd = y >= m;
      if (atOldEnd) maxDiag = Math.min(maxDiag, k - 1);
      if (atNewEnd) minDiag = Math.max(minDiag, k + 1);
      // A path at an edge is kept whatever its cost: jsdiff narrows the diagonals it visits from it.
      if (!atOldEnd && !atNewEnd && d + bound + moved(t.pairs, x, y) > budget) {
        pos[i] = UNDEF;
        continue;
      }
      pos[i] = x - 1;
      rec[i] = records.add(rec[src], kind, x - 1);
      boundOf[i] = bound;
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
