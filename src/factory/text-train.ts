/**
 * Training text models from documents (already verified and decoded), and their artifact sections.
 *
 * Base: every paragraph of every document is a sequence; the vocabulary is every token seen, ids
 * FIRST_WORD.. in order of decreasing count, ties in code-unit order of the word (so the ids do
 * not depend on the order of the documents' arrival, only on their content); interpolated modified
 * Kneser-Ney of the given order over the ids.
 *
 * Adapter: the same over the adapter's documents, with base ids for the base's words and new ids
 * (after the base's) for words the base lacks; orders 2..N are kept, the lowest order is the
 * base's unigram distribution. The mixing weight lambda maximises the likelihood of held-out
 * paragraphs: the documents at positions 9, 19, 29, ... (isHeldOut, 10%) are held out, a tuning
 * adapter is trained on the others, and EM over the held-out tokens (lambda <- mean posterior of
 * the adapter) runs to a change below 1e-7 (at most 200 rounds); lambda is rounded to 6 decimals
 * and the final adapter is trained on all the documents with it. With fewer than 10 documents
 * there is nothing to hold out and lambda is 0.5.
 */
import { PoaError } from "../core/errors.js";
import { sequencesOf } from "./corpus.js";
import { isHeldOut } from "./datasets.js";
import type { SectionArray } from "./artifact.js";
import {
  BOS,
  EOS,
  estimateKneserNey,
  FIRST_WORD,
  SPECIAL_WORDS,
  UNK,
  type NgramStats,
  type NgramTables,
} from "./ngram.js";
import { spellingLogProb, spellingModel, TextAdapterModel, TextBaseModel, tokenLogProb } from "./text-model.js";

export interface TextTrainOptions {
  /** n-gram order (2..6). Default 3. */
  order?: number;
}

export const DEFAULT_ORDER = 3;

function refuseEmpty(sequences: readonly string[][]): void {
  if (sequences.length === 0) {
    throw new PoaError("TRAINING_INPUT_INVALID", "the versions hold no text to train on (no tokens)", {
      action: "Train a text model on versions whose contributions hold text.",
    });
  }
}

function compareWords(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

function wordCounts(sequences: readonly string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sequences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

const encodeWords = (words: readonly string[]) => new TextEncoder().encode(words.join("\n"));

/** Unigram order of emittable ids: by decreasing p_1, ties by id. */
function unigramOrderOf(p1: Float32Array): Uint32Array {
  const ids: number[] = [EOS];
  for (let id = FIRST_WORD; id < p1.length; id++) ids.push(id);
  ids.sort((a, b) => p1[b]! - p1[a]! || a - b);
  return Uint32Array.from(ids);
}

export interface TrainedBase {
  model: TextBaseModel;
  sections: [string, SectionArray][];
  stats: NgramStats & { vocabulary: number };
}

/** Trains a base model on the texts (in the given order: callers sort them). */
export function trainTextBase(texts: readonly string[], options: TextTrainOptions = {}): TrainedBase {
  const order = options.order ?? DEFAULT_ORDER;
  const sequences = texts.flatMap((t) => sequencesOf(t));
  refuseEmpty(sequences);
  const vocabulary = [...wordCounts(sequences)].sort(compareWords).map(([w]) => w);
  const words = [...SPECIAL_WORDS, ...vocabulary];
  const index = new Map(words.map((w, i) => [w, i]));
  const ids = sequences.map((s) => Int32Array.from(s, (w) => index.get(w)!));
  const { tables, stats } = estimateKneserNey(ids, { order, vocabSize: words.length, dense1: true });
  const spell = spellingModel(vocabulary);
  const unigramOrder = unigramOrderOf(tables.levels[0]!.probs);
  const sections = baseSections(tables, words, spell, unigramOrder);
  const model = new TextBaseModel(tables, words, spell, unigramOrder, "0x", {});
  return { model, sections, stats: { ...stats, vocabulary: words.length } };
}

function levelSections(t: NgramTables, withUnigramProbs: boolean): [string, SectionArray][] {
  const out: [string, SectionArray][] = [];
  t.levels.forEach((level, i) => {
    const n = i + 1;
    if (n > 1 || !t.dense1) out.push([`o${n}.words`, level.words]);
    if (n > 1 || withUnigramProbs) out.push([`o${n}.probs`, level.probs]);
    if (n < t.order) {
      out.push([`o${n}.backoffs`, level.backoffs]);
      out.push([`o${n}.children`, level.children]);
    }
  });
  return out;
}

function baseSections(
  t: NgramTables,
  words: readonly string[],
  spell: Float64Array,
  unigramOrder: Uint32Array,
): [string, SectionArray][] {
  return [["vocab", encodeWords(words)], ["spell", spell], ["unigramOrder", unigramOrder], ...levelSections(t, true)];
}

export interface TrainedAdapter {
  model: TextAdapterModel;
  sections: [string, SectionArray][];
  lambda: number;
  tuning: { heldOutDocuments: number; heldOutTokens: number; rounds: number };
  stats: NgramStats & { newWords: number };
}

/** Adapter tables over `base` for the texts: ids, new words, tables. */
function adapterTables(base: TextBaseModel, texts: readonly string[]) {
  const sequences = texts.flatMap((t) => sequencesOf(t));
  const counts = wordCounts(sequences);
  const newWords = [...counts]
    .filter(([w]) => base.lookup(w) === UNK)
    .sort(compareWords)
    .map(([w]) => w);
  const newIndex = new Map(newWords.map((w, i) => [w, base.vocabSize + i]));
  const ids = sequences.map((s) =>
    Int32Array.from(s, (w) => {
      const id = base.lookup(w);
      return id !== UNK ? id : newIndex.get(w)!;
    }),
  );
  const { tables, stats } = estimateKneserNey(ids, {
    order: base.order,
    vocabSize: base.vocabSize + newWords.length,
    dense1: false,
  });
  return { tables, stats, newWords };
}

/** Fits lambda by EM on the held-out texts, for an adapter trained on the others. */
function tuneLambda(base: TextBaseModel, train: readonly string[], heldOut: readonly string[]) {
  const { tables, newWords } = adapterTables(base, train);
  const adapter = new TextAdapterModel(base, tables, newWords, 0.5, "0x", {});
  const order = base.order;
  const la: number[] = [];
  const lb: number[] = [];
  const ctx = new Int32Array(order);
  for (const text of heldOut) {
    for (const sequence of sequencesOf(text)) {
      const history: number[] = new Array<number>(order - 1).fill(BOS);
      [...sequence, "</s>"].forEach((word, i, all) => {
        const id = i === all.length - 1 ? EOS : adapter.lookup(word);
        const h = history.slice(-(order - 1));
        lb.push(tokenLogProb(base, base.tables, h, id, word, ctx));
        la.push(tokenLogProb(base, tables, h, id, word, ctx));
        history.push(id);
      });
    }
  }
  let lambda = 0.5;
  let rounds = 0;
  for (; rounds < 200 && la.length > 0; rounds++) {
    let sum = 0;
    for (let i = 0; i < la.length; i++) {
      // Posterior of the adapter for token i: lambda p_A / (lambda p_A + (1 - lambda) p_B).
      sum += 1 / (1 + ((1 - lambda) / lambda) * Math.exp(lb[i]! - la[i]!));
    }
    const next = sum / la.length;
    const change = Math.abs(next - lambda);
    lambda = next;
    if (change < 1e-7) break;
  }
  return { lambda: Math.round(lambda * 1e6) / 1e6, tokens: la.length, rounds };
}

/** Trains an adapter over `base` on the texts (in the given order). */
export function trainTextAdapter(base: TextBaseModel, texts: readonly string[]): TrainedAdapter {
  refuseEmpty(texts.flatMap((t) => sequencesOf(t)));
  const train = texts.filter((_, i) => !isHeldOut(i));
  const heldOut = texts.filter((_, i) => isHeldOut(i));
  const tuned = heldOut.length > 0 ? tuneLambda(base, train, heldOut) : { lambda: 0.5, tokens: 0, rounds: 0 };
  const { tables, stats, newWords } = adapterTables(base, texts);
  const model = new TextAdapterModel(base, tables, newWords, tuned.lambda, "0x", {});
  const sections: [string, SectionArray][] = [["newWords", encodeWords(newWords)], ...levelSections(tables, false)];
  return {
    model,
    sections,
    lambda: tuned.lambda,
    tuning: { heldOutDocuments: heldOut.length, heldOutTokens: tuned.tokens, rounds: tuned.rounds },
    stats: { ...stats, newWords: newWords.length },
  };
}

// ---------------------------------------------------------------------------------------------
// The unigram baseline (for measuring, not serving)

/**
 * A unigram model of the texts with absolute discounting (D = n1 / (n1 + 2 n2)) whose freed mass
 * is p(<unk>), and the same spelling model rule for unknown words: the baseline the n-gram models
 * are measured against.
 */
export function unigramBaseline(texts: readonly string[]) {
  const sequences = texts.flatMap((t) => sequencesOf(t));
  const counts = wordCounts(sequences);
  counts.set("</s>", sequences.length);
  let total = 0;
  let n1 = 0;
  let n2 = 0;
  for (const c of counts.values()) {
    total += c;
    if (c === 1) n1++;
    if (c === 2) n2++;
  }
  const d = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5;
  const unk = (d * counts.size) / total;
  const spell = spellingModel([...counts.keys()].filter((w) => w !== "</s>"));
  return {
    evaluate(evalTexts: Iterable<string>) {
      let tokens = 0;
      let oov = 0;
      let logProb = 0;
      for (const text of evalTexts) {
        for (const sequence of sequencesOf(text)) {
          for (const word of [...sequence, "</s>"]) {
            const c = counts.get(word);
            if (c === undefined) oov++;
            logProb += c === undefined ? Math.log(unk) + spellingLogProb(spell, word) : Math.log((c - d) / total);
            tokens++;
          }
        }
      }
      return { tokens, oov, logProb, perplexity: Math.exp(-logProb / Math.max(1, tokens)) };
    },
  };
}
