/**
 * Interpolated modified Kneser-Ney n-gram estimation (Chen & Goodman 1998, as KenLM and SRILM
 * implement it) over integer word ids, and the compact sorted-table layout the artifacts store.
 * Pure: arrays in, arrays out.
 *
 * Sequences: every training sequence is padded with (order - 1) start symbols `<s>` and ends with
 * `</s>`; n-grams are counted at every real position (the words and the `</s>`).
 *
 * Counts: the highest order uses raw counts; a lower-order n-gram uses its continuation count,
 * the number of distinct words seen before it in the (n+1)-gram types, except an n-gram that
 * starts with `<s>`, which nothing can precede: it keeps the sum of its extensions' counts (its
 * raw count), as KenLM's "adjusted counts" do.
 *
 * Probabilities, for context h (the last n-1 words) and its shorter context h':
 *     p_n(w | h) = max(c(h w) - D_n(c), 0) / c(h .)  +  gamma_n(h) * p_{n-1}(w | h')
 *     gamma_n(h) = (D_n1 N1(h .) + D_n2 N2(h .) + D_n3+ N3+(h .)) / c(h .)
 * with the three discounts of order n estimated from its counts of counts n1..n4:
 *     Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3.
 * A context that was never seen passes everything down (gamma = 1). At order 1 the mass the
 * discounts free up is the probability of `<unk>`, a word never seen in training: the escape for
 * an open vocabulary.
 *
 * Layout (per order n = 1..N, entries sorted by their words, first word most significant):
 * `words[i]` = the last word of entry i, `probs[i]` = its discounted part max(c - D, 0) / c(h .)
 * (the full p_1 at order 1), `backoffs[i]` = gamma_{n+1}(entry i as a context), and
 * `children[i] .. children[i + 1]` = the range of its extensions at order n + 1, sorted by word, so
 * one binary search finds a child. Order 1 is dense in a base model (entry index = word id).
 */

/** Word ids with a fixed meaning. Real words start at FIRST_WORD. */
export const UNK = 0;
export const BOS = 1;
export const EOS = 2;
export const FIRST_WORD = 3;
export const SPECIAL_WORDS = ["<unk>", "<s>", "</s>"] as const;

export interface Level {
  /** Last word of each entry (order 1 of a dense table: the identity, not stored). */
  words: Uint32Array;
  /** Discounted probability part of each entry (order 1: the full unigram probability). */
  probs: Float32Array;
  /** Interpolation weight of each entry as a context (orders below N). */
  backoffs: Float32Array;
  /** Child ranges into the next order (orders below N; length entries + 1). */
  children: Uint32Array;
}

export interface NgramTables {
  order: number;
  /** levels[n - 1] holds order n. */
  levels: Level[];
  /** Order 1 indexed by word id (base models) or sorted sparse word ids (adapters). */
  dense1: boolean;
}

export interface NgramStats {
  /** Entries per order (order 1 first). */
  entries: number[];
  /** [D1, D2, D3+] per order. */
  discounts: [number, number, number][];
  /** Real tokens counted (words and </s>). */
  tokens: number;
  sequences: number;
}

// ---------------------------------------------------------------------------------------------
// Counting

/** Stable LSD radix sort of `items` by key(item) in [0, range). Returns the sorted copy. */
function radixPass(items: Int32Array, key: (item: number) => number, range: number, out: Int32Array): Int32Array {
  const buckets = new Int32Array(range + 1);
  for (let i = 0; i < items.length; i++) buckets[key(items[i]!) + 1]!++;
  for (let b = 1; b <= range; b++) buckets[b]! += buckets[b - 1]!;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    out[buckets[key(item)]!++] = item;
  }
  return out;
}

/** Distinct n-grams (row-major, n ids each) with their counts, sorted lexicographically. */
interface Grams {
  n: number;
  ids: Int32Array;
  counts: Float64Array;
}

function sameGram(a: Int32Array, ai: number, b: Int32Array, bi: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/** The N-gram types of the padded sequences with raw counts. */
function countTopOrder(sequences: readonly Int32Array[], order: number, vocabSize: number): Grams {
  let length = 0;
  let positions = 0;
  for (const s of sequences) {
    length += s.length + order;
    positions += s.length + 1;
  }
  const stream = new Int32Array(length);
  const ends = new Int32Array(positions);
  let o = 0;
  let e = 0;
  for (const s of sequences) {
    for (let k = 0; k < order - 1; k++) stream[o++] = BOS;
    for (let k = 0; k < s.length; k++) {
      ends[e++] = o;
      stream[o++] = s[k]!;
    }
    ends[e++] = o;
    stream[o++] = EOS;
  }
  let a: Int32Array = ends;
  let b: Int32Array = new Int32Array(positions);
  for (let k = 0; k < order; k++) {
    const sorted = radixPass(a, (p) => stream[p - k]!, vocabSize, b);
    b = a;
    a = sorted;
  }
  const ids: number[] = [];
  const counts: number[] = [];
  const gram = new Int32Array(order);
  let previous = -1;
  for (let i = 0; i < a.length; i++) {
    const end = a[i]!;
    const same = previous >= 0 && sameGram(stream, end - order + 1, stream, previous - order + 1, order);
    if (same) counts[counts.length - 1]!++;
    else {
      for (let k = 0; k < order; k++) gram[k] = stream[end - order + 1 + k]!;
      ids.push(...gram);
      counts.push(1);
    }
    previous = end;
  }
  return { n: order, ids: Int32Array.from(ids), counts: Float64Array.from(counts) };
}

/**
 * The (n)-gram types that are suffixes of the (n+1)-gram types, with adjusted counts: the number
 * of distinct left extensions, or, for an n-gram starting with <s>, the sum of their counts.
 */
function lowerOrder(higher: Grams, vocabSize: number): Grams {
  const m = higher.counts.length;
  const n = higher.n - 1;
  const stride = higher.n;
  let a: Int32Array = new Int32Array(m);
  for (let i = 0; i < m; i++) a[i] = i;
  let b: Int32Array = new Int32Array(m);
  for (let k = n; k >= 1; k--) {
    const sorted = radixPass(a, (i) => higher.ids[i * stride + k]!, vocabSize, b);
    b = a;
    a = sorted;
  }
  const ids: number[] = [];
  const counts: number[] = [];
  let previous = -1;
  for (let r = 0; r < m; r++) {
    const i = a[r]!;
    const same = previous >= 0 && sameGram(higher.ids, i * stride + 1, higher.ids, previous * stride + 1, n);
    const startsWithBos = higher.ids[i * stride + 1] === BOS;
    const add = startsWithBos ? higher.counts[i]! : 1;
    if (same) counts[counts.length - 1]! += add;
    else {
      for (let k = 1; k <= n; k++) ids.push(higher.ids[i * stride + k]!);
      counts.push(add);
    }
    previous = i;
  }
  return { n, ids: Int32Array.from(ids), counts: Float64Array.from(counts) };
}

/** Adds the all-<s> n-gram (a context only, count 0) when missing; it sorts first. */
function withBosContext(g: Grams): Grams {
  if (g.counts.length > 0 && g.ids.subarray(0, g.n).every((id) => id === BOS)) return g;
  const ids = new Int32Array(g.ids.length + g.n).fill(BOS);
  ids.set(g.ids, g.n);
  const counts = new Float64Array(g.counts.length + 1);
  counts.set(g.counts, 1);
  return { n: g.n, ids, counts };
}

// ---------------------------------------------------------------------------------------------
// Estimation

/** Modified Kneser-Ney discounts from counts of counts, clamped to a usable range on tiny data. */
export function discountsOf(counts: Float64Array): [number, number, number] {
  const n = [0, 0, 0, 0, 0];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c >= 1 && c <= 4) n[c]!++;
  }
  const [, n1, n2, n3, n4] = n as [number, number, number, number, number];
  const y = n1 / (n1 + 2 * n2);
  const raw: [number, number, number] = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
  const fallback: [number, number, number] = [0.5, 1, 1.5];
  return raw.map((d, k) => (Number.isFinite(d) && d > 0 ? Math.min(d, k + 1 - 0.05) : fallback[k]!)) as [
    number,
    number,
    number,
  ];
}

function discountFor(c: number, d: readonly [number, number, number]): number {
  return c <= 0 ? 0 : c === 1 ? d[0] : c === 2 ? d[1] : d[2];
}

export interface EstimateOptions {
  order: number;
  /** Number of word ids (specials included); every id in the sequences is below it. */
  vocabSize: number;
  /** Order 1 indexed by word id (a base model: every id 0..vocabSize-1 must occur or be special). */
  dense1: boolean;
}

/**
 * Counts and estimates an interpolated modified Kneser-Ney model from sequences of word ids
 * (each without padding or </s>; ids >= FIRST_WORD). Deterministic: the result depends only on
 * the sequences and their order.
 */
export function estimateKneserNey(
  sequences: readonly Int32Array[],
  options: EstimateOptions,
): {
  tables: NgramTables;
  stats: NgramStats;
} {
  const { order, vocabSize } = options;
  if (!Number.isInteger(order) || order < 2 || order > 6) throw new RangeError(`order must be 2..6, got ${order}`);
  const grams: Grams[] = new Array<Grams>(order);
  grams[order - 1] = countTopOrder(sequences, order, vocabSize);
  for (let n = order - 1; n >= 1; n--) grams[n - 1] = lowerOrder(grams[n]!, vocabSize);
  for (let n = 2; n < order; n++) grams[n - 1] = withBosContext(grams[n - 1]!);
  // Order 1: add <unk> and <s> (count 0) so that every id has an entry in a dense table.
  {
    const g = grams[0]!;
    const present = new Set(g.ids);
    const extra = [UNK, BOS].filter((id) => !present.has(id));
    const ids = Int32Array.from([...extra, ...g.ids]);
    const counts = Float64Array.from([...extra.map(() => 0), ...g.counts]);
    const orderIdx = Array.from(ids.keys()).sort((x, y) => ids[x]! - ids[y]!);
    grams[0] = {
      n: 1,
      ids: Int32Array.from(orderIdx, (i) => ids[i]!),
      counts: Float64Array.from(orderIdx, (i) => counts[i]!),
    };
  }
  if (options.dense1) {
    const ids = grams[0]!.ids;
    if (ids.length !== vocabSize || ids.some((id, i) => id !== i)) {
      throw new Error("a dense model needs every vocabulary id to occur in the training sequences");
    }
  }

  const levels: Level[] = [];
  const discounts: [number, number, number][] = [];
  for (let n = 1; n <= order; n++) {
    const g = grams[n - 1]!;
    const m = g.counts.length;
    const d = discountsOf(g.counts);
    discounts.push(d);
    const words = new Uint32Array(m);
    const probs = new Float32Array(m);
    for (let i = 0; i < m; i++) words[i] = g.ids[i * n + n - 1]!;
    levels.push({
      words,
      probs,
      backoffs: new Float32Array(n < order ? m : 0),
      children: new Uint32Array(n < order ? m + 1 : 0),
    });
    if (n === 1) {
      // One context (the empty one): p_1(w) = (c - D)/total, p_1(<unk>) = the freed mass.
      let total = 0;
      let freed = 0;
      for (let i = 0; i < m; i++) {
        if (g.ids[i] === BOS) continue;
        total += g.counts[i]!;
        freed += discountFor(g.counts[i]!, d);
      }
      for (let i = 0; i < m; i++) {
        const c = g.counts[i]!;
        probs[i] = g.ids[i] === BOS ? 0 : (c - discountFor(c, d)) / total;
      }
      probs[g.ids.indexOf(UNK)] = freed / total;
      continue;
    }
    // Group the order-n entries by context (their first n-1 words) and walk the order n-1 table
    // alongside: every context is an entry there (a suffix of a longer n-gram, or all <s>).
    const parent = grams[n - 2]!;
    const parentLevel = levels[n - 2]!;
    let p = 0;
    let i = 0;
    while (i < m) {
      while (!sameGram(parent.ids, p * (n - 1), g.ids, i * n, n - 1)) {
        if (++p >= parent.counts.length) throw new Error(`order ${n}: a context is missing from order ${n - 1}`);
      }
      let j = i;
      let total = 0;
      let freed = 0;
      while (j < m && sameGram(g.ids, j * n, g.ids, i * n, n - 1)) {
        total += g.counts[j]!;
        freed += discountFor(g.counts[j]!, d);
        j++;
      }
      for (let k = i; k < j; k++) {
        const c = g.counts[k]!;
        probs[k] = total > 0 ? (c - discountFor(c, d)) / total : 0;
      }
      parentLevel.backoffs[p] = total > 0 ? freed / total : 1;
      parentLevel.children[p + 1] = j;
      i = j;
    }
    // Contexts without children: an empty range (children[p+1] = children[p]) and gamma 1.
    const children = parentLevel.children;
    for (let q = 1; q < children.length; q++) if (children[q]! < children[q - 1]!) children[q] = children[q - 1]!;
    for (let q = 0; q < parentLevel.backoffs.length; q++) {
      if (children[q + 1] === children[q]) parentLevel.backoffs[q] = 1;
    }
  }
  const tokens = sequences.reduce((s, x) => s + x.length + 1, 0);
  return {
    tables: { order, levels, dense1: options.dense1 },
    stats: { entries: levels.map((l) => l.words.length), discounts, tokens, sequences: sequences.length },
  };
}

// ---------------------------------------------------------------------------------------------
// Queries

/** Index of `word` among `words[from..to)` (sorted), or -1. */
export function findSorted(words: Uint32Array, from: number, to: number, word: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const w = words[mid]!;
    if (w < word) lo = mid + 1;
    else if (w > word) hi = mid;
    else return mid;
  }
  return -1;
}

/** The order-1 entry of `word`, or -1. */
export function unigramEntry(t: NgramTables, word: number): number {
  const level = t.levels[0]!;
  if (t.dense1) return word >= 0 && word < level.probs.length ? word : -1;
  return findSorted(level.words, 0, level.words.length, word);
}

/** The child of entry `parent` (order n) with last word `word` at order n + 1, or -1. */
export function childEntry(t: NgramTables, n: number, parent: number, word: number): number {
  const children = t.levels[n - 1]!.children;
  return findSorted(t.levels[n]!.words, children[parent]!, children[parent + 1]!, word);
}

/** The entry of the n-gram `ids[from..from+len)` at order len, or -1. */
export function entryOf(t: NgramTables, ids: ArrayLike<number>, from: number, len: number): number {
  let e = unigramEntry(t, ids[from]!);
  for (let k = 1; k < len && e >= 0; k++) e = childEntry(t, k, e, ids[from + k]!);
  return e;
}

/**
 * For a context (the last order-1 ids of `history`, which is padded with <s>), the entry of each
 * suffix context: result[k] = entry at order k of the last k words (k = 1..order-1), -1 when
 * unseen or without children (then every longer one is unusable too).
 */
export function contextEntries(t: NgramTables, history: ArrayLike<number>, out: Int32Array): Int32Array {
  const end = history.length;
  out.fill(-1);
  for (let k = 1; k < t.order; k++) {
    const e = entryOf(t, history, end - k, k);
    if (e < 0) break;
    const children = t.levels[k - 1]!.children;
    if (children[e + 1] === children[e]) break;
    out[k] = e;
  }
  return out;
}

/**
 * p(word | context) given the context entries (from `contextEntries`) and the order-1 value of
 * the word (`p1`: the base unigram probability, or the <unk> path for an unknown word).
 */
export function interpolate(t: NgramTables, ctx: Int32Array, word: number, p1: number): number {
  let p = p1;
  for (let n = 2; n <= t.order; n++) {
    const e = ctx[n - 1]!;
    if (e < 0) break;
    const c = childEntry(t, n - 1, e, word);
    p = (c >= 0 ? t.levels[n - 1]!.probs[c]! : 0) + t.levels[n - 2]!.backoffs[e]! * p;
  }
  return p;
}
