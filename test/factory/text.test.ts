import { expect } from "chai";

import { tokenize } from "../../src/attribution/tokenize.js";
import {
  countTokens,
  detokenize,
  loadSpamAssassin,
  loadWordnetGlosses,
  split,
  trainModel,
  unigramBaseline,
  verifyTrainingInputs,
  type TextAdapterModel,
  type TextBaseModel,
} from "../../src/factory/index.js";
import { BOS, contextEntries, EOS, FIRST_WORD, interpolate, UNK } from "../../src/factory/ngram.js";
import { tokenLogProb } from "../../src/factory/text-model.js";
import { chunks, refused, versionOf } from "./fixtures.js";

/** Real data, fixed subsets: a quarter of WordNet's glosses for the base, spam-2 for an adapter. */
function corpora() {
  const glosses = loadWordnetGlosses()
    .filter((_, i) => i % 4 === 0)
    .map((d) => d.text);
  // The registry accepts a content hash once per Datanet: repeated messages are contributed once.
  const spam = [...new Set(loadSpamAssassin(["spam-2"]).map((d) => d.text))];
  return { glosses: split(glosses), spam: split(spam) };
}

describe("text models on real data (WordNet glosses, SpamAssassin spam)", function () {
  this.timeout(120_000);
  let data: ReturnType<typeof corpora>;
  let base: TextBaseModel;
  let adapter: TextAdapterModel;
  let baseBytes: Uint8Array;
  let adapterBytes: Uint8Array;

  before(function () {
    data = corpora();
    const baseVersion = verifyTrainingInputs([versionOf(1n, 1n, chunks(data.glosses.train, 200))]);
    const trainedBase = trainModel({ kind: "text-base", versions: baseVersion, options: { order: 3 } });
    base = trainedBase.model as TextBaseModel;
    baseBytes = trainedBase.bytes;
    const spamVersion = verifyTrainingInputs([versionOf(2n, 1n, data.spam.train)]);
    const trainedAdapter = trainModel({ kind: "text-adapter", versions: spamVersion, base });
    adapter = trainedAdapter.model as TextAdapterModel;
    adapterBytes = trainedAdapter.bytes;
  });

  it("the base beats the unigram baseline on held-out glosses", function () {
    const unigram = unigramBaseline(data.glosses.train).evaluate(data.glosses.heldOut);
    const ngram = base.evaluate(data.glosses.heldOut);
    expect(ngram.tokens).to.equal(unigram.tokens);
    expect(ngram.perplexity).to.be.lessThan(unigram.perplexity);
  });

  it("the adapter lowers perplexity on its own domain, below the base and the domain's unigram", function () {
    const withAdapter = adapter.evaluate(data.spam.heldOut);
    const baseOnly = base.evaluate(data.spam.heldOut);
    const unigram = unigramBaseline(data.spam.train).evaluate(data.spam.heldOut);
    expect(withAdapter.tokens).to.equal(baseOnly.tokens);
    expect(withAdapter.perplexity).to.be.lessThan(baseOnly.perplexity);
    expect(withAdapter.perplexity).to.be.lessThan(unigram.perplexity);
    expect(adapter.lambda).to.be.greaterThan(0).and.lessThan(1);
  });

  it("the adapter's artifact is smaller than the base's (no unigram table, its own data only)", function () {
    expect(adapterBytes.length).to.be.lessThan(baseBytes.length);
  });

  it("generates deterministically for a seed, and differently across seeds", function () {
    const a = adapter.generate("Dear friend, you can", { seed: 7, maxTokens: 40 });
    const b = adapter.generate("Dear friend, you can", { seed: 7, maxTokens: 40 });
    expect(a).to.deep.equal(b);
    const texts = new Set([1, 2, 3, 4, 5].map((seed) => base.generate("a", { seed, maxTokens: 20 }).text));
    expect(texts.size).to.be.greaterThan(1);
  });

  it("counts tokens as the fee does: tokensOut = tokens of the text, tokensIn = tokens of the prompt", function () {
    const prompts = ["", "the", "Click here to", "a small (", "it's 3.5", "hello\n\n"];
    for (const prompt of prompts) {
      for (const options of [
        {},
        { topK: 5 },
        { topP: 0.9, temperature: 0.7 },
        { temperature: 0 },
        { temperature: 1.5 },
      ]) {
        for (const model of [base, adapter]) {
          const out = model.generate(prompt, { ...options, seed: 3, maxTokens: 30 });
          expect(out.tokensIn).to.equal(countTokens(prompt));
          expect(out.tokensOut).to.equal(countTokens(out.text));
          expect(tokenize(out.text).words).to.deep.equal(out.tokens);
          expect(out.tokensOut).to.be.at.most(30);
          expect(out.finishReason).to.equal(out.tokensOut === 30 ? "length" : "stop");
          // Continuing the prompt: prompt + text tokenises as prompt tokens then output tokens.
          expect(tokenize(prompt + out.text).words).to.deep.equal([...tokenize(prompt).words, ...out.tokens]);
        }
      }
    }
  });

  it("streams exactly the pieces of the final text", function () {
    const stream = adapter.stream("Make money fast", { seed: 11, maxTokens: 25 });
    const pieces: string[] = [];
    let result = stream.next();
    while (!result.done) {
      pieces.push(result.value);
      result = stream.next();
    }
    expect(pieces.join("")).to.equal(result.value.text);
    expect(pieces.length).to.equal(result.value.tokensOut);
  });

  it("detokenises readably and round-trips through the tokenizer on real vocabulary", function () {
    const words = base.words.slice(FIRST_WORD, FIRST_WORD + 3000);
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let trial = 0; trial < 300; trial++) {
      const tokens = Array.from({ length: 1 + (next() % 20) }, () => words[next() % words.length]!);
      expect(tokenize(detokenize(tokens)).words).to.deep.equal(tokens);
    }
    expect(
      detokenize(tokenize("Hello, world! I don't know (really) what's \"new\": a well-known 3.5% rate.").words),
    ).to.equal("Hello, world! I don't know (really) what's \"new\": a well-known 3.5% rate.");
  });

  it("refuses bad sampling options", function () {
    refused("INVALID_VALUE", () => base.generate("a", { maxTokens: 0 }));
    refused("INVALID_VALUE", () => base.generate("a", { maxTokens: 5000 }));
    refused("INVALID_VALUE", () => base.generate("a", { temperature: -1 }));
    refused("INVALID_VALUE", () => base.generate("a", { topP: 0 }));
    refused("INVALID_VALUE", () => base.generate("a", { topK: 1.5 }));
    refused("INVALID_VALUE", () => base.generate("a", { seed: -1 }));
  });
});

/**
 * The sampler against brute force on a small model: the exact next-token distribution (every
 * word scored by the evaluation path, <unk> excluded, then temperature, top-k and top-p applied as
 * documented) against the frequencies of 20,000 seeded one-token generations.
 */
describe("sampling matches the model's distribution exactly", function () {
  this.timeout(120_000);
  const corpus = [
    "the cat sat on the mat . the dog sat on the log .",
    "a cat and a dog sat on a mat .",
    "the bird sat on the cat . the cat ran .",
    "dogs and cats ran on the mat and the log .",
  ];
  const domain = [
    "the cat purred on the sofa .",
    "the cat slept on the sofa and the cat purred .",
    "a kitten sat on the sofa .",
  ];
  let base: TextBaseModel;
  let adapter: TextAdapterModel;

  before(function () {
    base = trainModel({ kind: "text-base", versions: verifyTrainingInputs([versionOf(1n, 1n, corpus)]) })
      .model as TextBaseModel;
    adapter = trainModel({
      kind: "text-adapter",
      versions: verifyTrainingInputs([versionOf(2n, 1n, domain)]),
      base,
    }).model as TextAdapterModel;
  });

  function exact(model: TextBaseModel | TextAdapterModel, prompt: string): Map<string, number> {
    const words = tokenize(prompt).words;
    const b = model.kind === "text-base" ? model : model.base;
    const history = [1, 1, ...words.map((w) => (model.kind === "text-base" ? model.lookup(w) : model.lookup(w)))].slice(
      -2,
    );
    const vocab = ["</s>", ...b.words.slice(FIRST_WORD), ...(model.kind === "text-adapter" ? model.newWords : [])];
    const ctx = new Int32Array(3);
    const out = new Map<string, number>();
    let total = 0;
    for (const word of vocab) {
      const id = word === "</s>" ? EOS : model.lookup(word);
      let lp = tokenLogProb(b, b.tables, history, id, word, ctx);
      if (model.kind === "text-adapter") {
        const la = tokenLogProb(b, model.tables, history, id, word, ctx);
        lp = Math.log(model.lambda * Math.exp(la) + (1 - model.lambda) * Math.exp(lp));
      }
      out.set(word, Math.exp(lp));
      total += Math.exp(lp);
    }
    for (const [w, p] of out) out.set(w, p / total);
    return out;
  }

  function truncated(p: Map<string, number>, temperature: number, topK: number, topP: number): Map<string, number> {
    const sorted = [...p].sort((a, b) => b[1] - a[1]);
    const kept: [string, number][] = [];
    let cumulative = 0;
    for (const entry of sorted) {
      if (topK > 0 && kept.length >= topK) break;
      kept.push(entry);
      cumulative += entry[1];
      if (topP < 1 && cumulative >= topP) break;
    }
    const tempered = kept.map(([w, q]) => [w, Math.pow(q, 1 / temperature)] as const);
    const z = tempered.reduce((s, [, q]) => s + q, 0);
    return new Map(tempered.map(([w, q]) => [w, q / z]));
  }

  const cases = [
    { temperature: 1, topK: 0, topP: 1 },
    { temperature: 0.6, topK: 0, topP: 1 },
    { temperature: 1, topK: 3, topP: 1 },
    { temperature: 1.3, topK: 0, topP: 0.8 },
  ];
  for (const { temperature, topK, topP } of cases) {
    it(`temperature ${temperature}, top-k ${topK}, top-p ${topP}: total variation < 0.025 over 20,000 draws`, function () {
      for (const [model, prompt] of [
        [() => base, "the cat"],
        [() => adapter, "the cat"],
        [() => adapter, "on the"],
      ] as const) {
        const m = model();
        const expected = truncated(exact(m, prompt), temperature, topK, topP);
        const counts = new Map<string, number>();
        const draws = 20_000;
        for (let seed = 0; seed < draws; seed++) {
          const out = m.generate(prompt, { seed, maxTokens: 1, temperature, topK, topP });
          const word = out.tokens[0] ?? "</s>";
          counts.set(word, (counts.get(word) ?? 0) + 1);
        }
        let tv = 0;
        const all = new Set([...expected.keys(), ...counts.keys()]);
        for (const w of all) tv += Math.abs((expected.get(w) ?? 0) - (counts.get(w) ?? 0) / draws);
        expect(tv / 2, `${m.kind} after "${prompt}"`).to.be.lessThan(0.025);
      }
    });
  }

  it("is a proper distribution: probabilities over the vocabulary and <unk> sum to 1 (base and adapter)", function () {
    const ctx = new Int32Array(3);
    for (const prompt of ["", "the cat", "on the", "purred on", "zebra"]) {
      const ids = tokenize(prompt).words.map((w) => adapter.lookup(w));
      const history = [BOS, BOS, ...ids].slice(-2);
      const sum = (tables: typeof base.tables, extra: readonly number[]) => {
        contextEntries(tables, history, ctx);
        let total = interpolate(tables, ctx, UNK, base.p1[UNK]!) + interpolate(tables, ctx, EOS, base.p1[EOS]!);
        for (let id = FIRST_WORD; id < base.vocabSize; id++) total += interpolate(tables, ctx, id, base.p1[id]!);
        // Words outside the base: their explicit mass (their lowest-order share is inside <unk>'s).
        for (const id of extra) total += interpolate(tables, ctx, id, 0);
        return total;
      };
      expect(Math.abs(sum(base.tables, []) - 1), `base after "${prompt}"`).to.be.lessThan(1e-5);
      const newIds = adapter.newWords.map((_, i) => base.vocabSize + i);
      expect(Math.abs(sum(adapter.tables, newIds) - 1), `adapter after "${prompt}"`).to.be.lessThan(1e-5);
    }
  });

  it("temperature 0 and top-k 1 both take the most probable token", function () {
    const p = exact(adapter, "the cat");
    const best = [...p].sort((a, b) => b[1] - a[1])[0]![0];
    expect(adapter.generate("the cat", { temperature: 0, maxTokens: 1 }).tokens[0] ?? "</s>").to.equal(best);
    expect(adapter.generate("the cat", { topK: 1, maxTokens: 1, seed: 9 }).tokens[0] ?? "</s>").to.equal(best);
  });
});
