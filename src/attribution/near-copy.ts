/**
 * Near-copies: contributions whose text is mostly already in earlier contributions. Exact
 * duplicates cannot be accepted twice in one Datanet (the registry refuses the same content hash)
 * and earn nothing in span attribution (the first copy holds the credit), but a copy with a few
 * words changed is new bytes. Such a contribution is flagged here, and the settlement's report
 * lists it for `poa penalize` while its bond period lasts.
 *
 * The rule (w-shingling, linear in the number of tokens): a token of contribution C is covered
 * when some run of `k` consecutive tokens containing it also occurs in an earlier contribution
 * (earlier = accepted before C; the caller gives contributions in that order). C is a near-copy
 * when at least `threshold` of its tokens are covered and it has at least `k` tokens. Defaults:
 * k = 8 tokens (long enough that common phrases rarely match across independent texts), threshold
 * 0.8. Tokens are the project's (src/attribution/tokenize.ts), so case and punctuation spacing do
 * not hide a copy.
 */
import { tokenize } from "./tokenize.js";

export interface NearCopyOptions {
  /** Shingle length in tokens (default 8). */
  k?: number;
  /** Covered fraction from which a contribution is a near-copy (default 0.8). */
  threshold?: number;
}

export interface NearCopy {
  id: string;
  /** Fraction of its tokens covered by shingles of earlier contributions (0..1). */
  coverage: number;
  tokens: number;
  /** The earlier contributions it shares the most shingles with (up to 3), by id. */
  sources: string[];
}

export const NEAR_COPY_DEFAULTS = { k: 8, threshold: 0.8 } as const;

/**
 * Flags the near-copies among `documents` (in acceptance order). Every document's coverage is
 * computed; only those at or above the threshold are returned, in input order.
 */
export function findNearCopies(
  documents: readonly { id: string; text: string }[],
  options: NearCopyOptions = {},
): NearCopy[] {
  const k = options.k ?? NEAR_COPY_DEFAULTS.k;
  const threshold = options.threshold ?? NEAR_COPY_DEFAULTS.threshold;
  const vocabulary = new Map<string, number>();
  /** shingle (its 64-bit hash) -> the first document that contained it. */
  const seen = new ShingleTable();
  const out: NearCopy[] = [];
  documents.forEach((doc, d) => {
    const words = tokenize(doc.text).words;
    const ids = new Uint32Array(words.length);
    words.forEach((w, i) => {
      let id = vocabulary.get(w);
      if (id === undefined) vocabulary.set(w, (id = vocabulary.size));
      ids[i] = id;
    });
    const count = Math.max(0, words.length - k + 1);
    const hi = new Uint32Array(count);
    const lo = new Uint32Array(count);
    for (let i = 0; i < count; i++) shingleHash(ids, i, k, hi, lo);
    if (words.length >= k) {
      const covered = new Uint8Array(words.length);
      const sources = new Map<number, number>();
      for (let i = 0; i < count; i++) {
        const first = seen.get(hi[i]!, lo[i]!);
        if (first === -1 || first === d) continue;
        covered.fill(1, i, i + k);
        sources.set(first, (sources.get(first) ?? 0) + 1);
      }
      let n = 0;
      for (const c of covered) n += c;
      const coverage = n / words.length;
      if (coverage >= threshold)
        out.push({
          id: doc.id,
          coverage,
          tokens: words.length,
          sources: [...sources]
            .sort((a, b) => b[1] - a[1] || a[0] - b[0])
            .slice(0, 3)
            .map(([i]) => documents[i]!.id),
        });
    }
    for (let i = 0; i < count; i++) seen.addIfAbsent(hi[i]!, lo[i]!, d);
  });
  return out;
}

/**
 * The 64-bit hash of the k word ids from `at` (two independent 32-bit murmur-style mixes), into
 * hi[at] and lo[at]. Shingles are kept as these hashes, not as strings: at 10^7 tokens the strings
 * took gigabytes. Two different shingles share a hash with probability about n^2 / 2^65 over n
 * shingles (3 in a million at 10^7); a collision could only mark k tokens covered that are not.
 */
function shingleHash(ids: Uint32Array, at: number, k: number, hi: Uint32Array, lo: Uint32Array): void {
  let a = 0x9747b28c;
  let b = 0x2545f491;
  for (let j = 0; j < k; j++) {
    const x = ids[at + j]!;
    a = Math.imul(a ^ x, 0xcc9e2d51);
    a = Math.imul((a << 15) | (a >>> 17), 0x1b873593) ^ j;
    b = Math.imul(b ^ x, 0x85ebca6b);
    b = Math.imul((b << 13) | (b >>> 19), 0xc2b2ae35) + j;
  }
  hi[at] = fmix(a ^ k);
  lo[at] = fmix(b ^ Math.imul(k, 0x27d4eb2f));
}

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An open-addressing table from a 64-bit key (hi, lo) to a document index, in typed arrays (12 bytes a slot). */
class ShingleTable {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  /** Document index + 1 (0 = empty slot). */
  private doc = new Int32Array(1 << 16);
  private size = 0;

  /** The document of (hi, lo), or -1. */
  get(hi: number, lo: number): number {
    const mask = this.doc.length - 1;
    for (let s = lo & mask; ; s = (s + 1) & mask) {
      const d = this.doc[s]!;
      if (d === 0) return -1;
      if (this.lo[s] === lo && this.hi[s] === hi) return d - 1;
    }
  }

  addIfAbsent(hi: number, lo: number, document: number): void {
    if ((this.size + 1) * 4 > this.doc.length * 3) this.grow();
    const mask = this.doc.length - 1;
    for (let s = lo & mask; ; s = (s + 1) & mask) {
      const d = this.doc[s]!;
      if (d === 0) {
        this.hi[s] = hi;
        this.lo[s] = lo;
        this.doc[s] = document + 1;
        this.size++;
        return;
      }
      if (this.lo[s] === lo && this.hi[s] === hi) return;
    }
  }

  private grow(): void {
    const { hi, lo, doc } = this;
    this.hi = new Uint32Array(doc.length * 2);
    this.lo = new Uint32Array(doc.length * 2);
    this.doc = new Int32Array(doc.length * 2);
    this.size = 0;
    for (let s = 0; s < doc.length; s++) if (doc[s] !== 0) this.addIfAbsent(hi[s]!, lo[s]!, doc[s]! - 1);
  }
}
