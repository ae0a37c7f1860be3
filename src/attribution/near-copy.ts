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
  /** shingle -> the first document that contained it. */
  const seen = new Map<string, number>();
  const out: NearCopy[] = [];
  documents.forEach((doc, d) => {
    const words = tokenize(doc.text).words;
    const shingles: string[] = [];
    for (let i = 0; i + k <= words.length; i++) shingles.push(words.slice(i, i + k).join("\u0000"));
    if (words.length >= k) {
      const covered = new Uint8Array(words.length);
      const sources = new Map<number, number>();
      shingles.forEach((s, i) => {
        const first = seen.get(s);
        if (first === undefined || first === d) return;
        covered.fill(1, i, i + k);
        sources.set(first, (sources.get(first) ?? 0) + 1);
      });
      let count = 0;
      for (const c of covered) count += c;
      const coverage = count / words.length;
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
    for (const s of shingles) if (!seen.has(s)) seen.set(s, d);
  });
  return out;
}
