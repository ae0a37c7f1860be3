/**
 * Span search over a suffix array, as OLMoTrace does it: for every start position of the
 * output's tokens, one binary search finds the longest prefix of the rest of the output that
 * occurs in the corpus; a span is kept when it is not inside an earlier one, has at least
 * `minSpan` tokens and occurs at most `maxCount` times. O(L log N) per output of L tokens.
 */
import { UNKNOWN_ID } from "./tokenize.js";

export interface SuffixIndex {
  tokens: Int32Array;
  sa: Int32Array;
  /**
   * Optional first-token table: the suffixes that start with token id c occupy ranks
   * [bucketStarts[c], bucketStarts[c + 1]). It narrows each search to one bucket before the
   * binary search starts (about half the steps on text-like data).
   */
  bucketStarts?: Int32Array;
}

/** The first-token table of a suffix index: prefix sums of the token counts. */
export function bucketStartsOf(tokens: Int32Array, alphabetSize: number): Int32Array {
  const starts = new Int32Array(alphabetSize + 1);
  for (let i = 0; i < tokens.length; i++) (starts[(tokens[i] as number) + 1] as number)++;
  for (let c = 0; c < alphabetSize; c++) starts[c + 1] = (starts[c + 1] as number) + (starts[c] as number);
  return starts;
}

/** Symbol at text position p (END past the text), ordered END < UNKNOWN_ID < every token id. */
const END = -2;

/** Length of the common prefix of the suffix at s and query[from..to). */
function lcp(tokens: Int32Array, s: number, query: Int32Array, from: number, to: number): number {
  const n = tokens.length;
  let l = 0;
  while (from + l < to && s + l < n && tokens[s + l] === query[from + l]) l++;
  return l;
}

/** Whether the suffix at s sorts before query[from..to) (a suffix with that prefix does not). */
function suffixBefore(tokens: Int32Array, s: number, query: Int32Array, from: number, to: number): boolean {
  const l = lcp(tokens, s, query, from, to);
  if (from + l === to) return false;
  const a = s + l < tokens.length ? (tokens[s + l] as number) : END;
  return a < (query[from + l] as number);
}

/** First suffix-array rank in [lo, hi) whose suffix does not sort before query[from..to). */
function lowerBound(ix: SuffixIndex, query: Int32Array, from: number, to: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (suffixBefore(ix.tokens, ix.sa[mid] as number, query, from, to)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The longest L such that query[from..from+L) occurs, and one rank `at` of a suffix with it. */
export function longestMatch(ix: SuffixIndex, query: Int32Array, from: number): { length: number; at: number } {
  const to = query.length;
  if (from >= to || query[from] === UNKNOWN_ID) return { length: 0, at: -1 };
  let lo = 0;
  let hi = ix.sa.length;
  const first = query[from] as number;
  if (ix.bucketStarts !== undefined) {
    if (first + 1 >= ix.bucketStarts.length) return { length: 0, at: -1 };
    lo = ix.bucketStarts[first] as number;
    hi = ix.bucketStarts[first + 1] as number;
    if (lo === hi) return { length: 0, at: -1 };
  }
  const pos = lowerBound(ix, query, from, to, lo, hi);
  let best = 0;
  let at = -1;
  for (let r = pos - 1; r <= pos; r++) {
    if (r < lo || r >= hi) continue;
    const l = lcp(ix.tokens, ix.sa[r] as number, query, from, to);
    if (l > best) {
      best = l;
      at = r;
    }
  }
  return { length: best, at };
}

/**
 * The suffix-array range [lo, hi) of the suffixes that start with query[from..from+length),
 * given one rank `at` inside it. Gallops outwards from `at`, so a rare span costs O(log count).
 * With `cap`, stops as soon as the range is known to hold more than `cap` suffixes and returns
 * a range of exactly cap + 1 (enough to reject the span).
 */
export function matchRange(
  ix: SuffixIndex,
  query: Int32Array,
  from: number,
  length: number,
  at: number,
  cap = Infinity,
): { lo: number; hi: number } {
  const to = from + length;
  const n = ix.sa.length;
  const inRange = (r: number) => lcp(ix.tokens, ix.sa[r] as number, query, from, to) === length;
  // Lower end: gallop down from `at` (ranks in (outside, inside] are unknown), then bisect.
  let step = 1;
  let inside = at;
  let outside = -1;
  while (at - step >= 0) {
    if (!inRange(at - step)) {
      outside = at - step;
      break;
    }
    inside = at - step;
    if (at - inside > cap) return { lo: inside, hi: inside + cap + 1 };
    step *= 2;
  }
  let lo = outside + 1;
  let hi = inside;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inRange(mid)) hi = mid;
    else lo = mid + 1;
  }
  const first = lo;
  if (cap !== Infinity && first + cap < n && inRange(first + cap)) return { lo: first, hi: first + cap + 1 };
  step = 1;
  inside = at;
  outside = Math.min(n, cap === Infinity ? n : first + cap);
  while (at + step < outside) {
    if (!inRange(at + step)) {
      outside = at + step;
      break;
    }
    inside = at + step;
    step *= 2;
  }
  lo = inside + 1;
  hi = outside;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inRange(mid)) lo = mid + 1;
    else hi = mid;
  }
  return { lo: first, hi: lo };
}

export interface SpanMatch {
  /** First token of the span in the query. */
  start: number;
  /** Token after the span (exclusive). */
  end: number;
  /** Occurrences in the corpus. */
  count: number;
  /** Suffix-array range of the occurrences. */
  lo: number;
  hi: number;
}

export interface SpanOptions {
  minSpan: number;
  maxCount: number;
}

/** The maximal spans of `query` (token ids; UNKNOWN_ID for words the corpus lacks). */
export function findSpans(ix: SuffixIndex, query: Int32Array, options: SpanOptions): SpanMatch[] {
  const spans: SpanMatch[] = [];
  let reach = 0; // end of the furthest-reaching span so far
  for (let i = 0; i < query.length; i++) {
    const { length, at } = longestMatch(ix, query, i);
    const end = i + length;
    if (length === 0 || end <= reach) continue; // nothing, or inside an earlier span
    reach = end;
    if (length < options.minSpan) continue;
    const { lo, hi } = matchRange(ix, query, i, length, at, options.maxCount);
    if (hi - lo > options.maxCount) continue;
    spans.push({ start: i, end, count: hi - lo, lo, hi });
  }
  return spans;
}
