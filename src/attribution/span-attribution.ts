/**
 * Span attribution: the spans of each output found in the corpus index, and the credit they
 * give. A span's value (its length in tokens, or its surprisal under the corpus unigram model)
 * is split equally among the distinct contributors whose documents contain it (the Shapley value
 * of the coverage game: the shares sum to the value and repeating one's own data adds nothing);
 * a contributor's share is split equally among their documents that contain it. An exact
 * duplicate document was never indexed: its first copy holds the credit.
 */
import type { Json } from "../core/canonical-json.js";
import { compareCodeUnits } from "../core/canonical-json.js";
import type { CorpusIndex } from "./corpus-index.js";
import type { OutputRow } from "./rows.js";
import { findSpans } from "./spans.js";
import { tokenize } from "./tokenize.js";

export type SpanValue = "length" | "surprisal";

export interface SpanAttributionOptions {
  minSpan: number;
  maxCount: number;
  value: SpanValue;
  /** Called after each output. */
  onOutput?: (done: number, total: number) => void;
}

export interface AttributedSpan {
  start: number;
  end: number;
  text: string;
  count: number;
  contributions: string[];
}

export interface OutputAttribution {
  id: string;
  spans: AttributedSpan[];
  /** contribution id -> weight; sums to 1, or empty when nothing matched. */
  weights: Map<string, number>;
}

export interface SpanAttribution {
  outputs: OutputAttribution[];
  /** address -> share of all credit (each output with a match counts equally); sums to 1. */
  contributors: Map<string, number>;
}

/** Rank of the document that contains text position p (binary search over docStarts). */
function documentAt(index: CorpusIndex, p: number): number {
  let lo = 0;
  let hi = index.docStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((index.docStarts[mid] as number) <= p) lo = mid;
    else hi = mid - 1;
  }
  return index.docOf[lo] as number;
}

/** Sums in a fixed order (ascending key), so the result does not depend on insertion order. */
function normalise(raw: Map<string, number>): Map<string, number> {
  const keys = [...raw.keys()].sort(compareCodeUnits);
  let total = 0;
  for (const k of keys) total += raw.get(k) as number;
  const out = new Map<string, number>();
  if (total <= 0) return out;
  for (const k of keys) out.set(k, (raw.get(k) as number) / total);
  return out;
}

export function attributeSpans(
  index: CorpusIndex,
  outputs: readonly OutputRow[],
  options: SpanAttributionOptions,
): SpanAttribution {
  const totalTokens = Math.max(1, index.tokens.length - (index.vocabulary.counts[0] ?? 0));
  const surprisal = (id: number) => Math.log2(totalTokens / Math.max(1, index.vocabulary.counts[id] ?? 1));
  const results: OutputAttribution[] = [];
  const contributorSums = new Map<string, number>();
  let matched = 0;
  outputs.forEach((output, o) => {
    const { words, starts, ends } = tokenize(output.text);
    const query = Int32Array.from(words, (w) => index.vocabulary.lookup(w));
    const spans: AttributedSpan[] = [];
    const raw = new Map<string, number>();
    const byContributor = new Map<string, number>();
    for (const m of findSpans(index, query, options)) {
      // Documents (in acceptance order) that contain the span.
      const docs = new Set<number>();
      for (let r = m.lo; r < m.hi; r++) docs.add(documentAt(index, index.sa[r] as number));
      const ordered = [...docs].sort((a, b) => a - b);
      let value = 0;
      if (options.value === "length") value = m.end - m.start;
      else for (let t = m.start; t < m.end; t++) value += surprisal(query[t] as number);
      const owners = new Map<string, number[]>();
      for (const d of ordered) {
        const c = index.documents[d]!.contributor;
        const list = owners.get(c) ?? [];
        list.push(d);
        owners.set(c, list);
      }
      const perContributor = value / owners.size;
      for (const [contributor, list] of [...owners].sort((a, b) => compareCodeUnits(a[0], b[0]))) {
        for (const d of list) {
          const cid = index.documents[d]!.id;
          raw.set(cid, (raw.get(cid) ?? 0) + perContributor / list.length);
        }
        byContributor.set(contributor, (byContributor.get(contributor) ?? 0) + perContributor);
      }
      const start = starts[m.start] as number;
      const end = ends[m.end - 1] as number;
      spans.push({
        start,
        end,
        text: output.text.slice(start, end),
        count: m.count,
        contributions: ordered.map((d) => index.documents[d]!.id),
      });
    }
    const weights = normalise(raw);
    const shares = normalise(byContributor);
    if (shares.size > 0) matched++;
    for (const [a, w] of shares) contributorSums.set(a, (contributorSums.get(a) ?? 0) + w);
    results.push({ id: output.id, spans, weights });
    options.onOutput?.(o + 1, outputs.length);
  });
  const contributors = new Map<string, number>();
  for (const a of [...contributorSums.keys()].sort(compareCodeUnits)) {
    contributors.set(a, (contributorSums.get(a) as number) / matched);
  }
  return { outputs: results, contributors };
}

/** The result file's JSON (see docs/attribution.md). */
export function spanAttributionJson(result: SpanAttribution, options: SpanAttributionOptions): Json {
  return {
    method: "spans",
    minSpan: options.minSpan,
    maxCount: options.maxCount,
    value: options.value,
    outputs: result.outputs.map((o) => ({
      id: o.id,
      spans: o.spans.map((s) => ({ ...s })),
      weights: Object.fromEntries(o.weights),
    })),
    contributors: Object.fromEntries(result.contributors),
  };
}
