import { join } from "node:path";

import { expect } from "chai";

import {
  attributeSpans,
  bucketStartsOf,
  buildIndex,
  findSpans,
  loadIndex,
  Random,
  saveIndex,
  spanAttributionJson,
  suffixArray,
  type CorpusRow,
  type SpanMatch,
} from "../../src/attribution/index.js";
import { canonicalJson, type Json } from "../../src/core/canonical-json.js";
import type { Located } from "../../src/core/jsonl.js";
import { tempDir } from "../support/temp.js";

/**
 * |actual - expected| <= delta. Not chai's closeTo: hardhat-ethers-chai-matchers (loaded when a
 * suite imports "hardhat" in the same run) replaces it with a BigInt version that rejects floats.
 */
function expectClose(actual: number | undefined, expected: number, delta: number): void {
  expect(actual).to.be.a("number");
  expect(Math.abs((actual as number) - expected) <= delta, `${actual} is not within ${delta} of ${expected}`).to.equal(
    true,
  );
}

const A = "0xaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaA";
const B = "0xbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbB";
const C = "0xcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcC";

function rows(list: [string, string, string][]): Located<CorpusRow>[] {
  return list.map(([id, contributor, text], i) => ({ line: i + 1, value: { id, contributor, text } }));
}

/** Maximal spans by brute force: scan the whole text for every start position. */
function bruteSpans(t: Int32Array, q: Int32Array, minSpan: number, maxCount: number): Omit<SpanMatch, "lo" | "hi">[] {
  const occurrences = (from: number, len: number) => {
    let c = 0;
    for (let p = 0; p + len <= t.length; p++) {
      let k = 0;
      while (k < len && t[p + k] === q[from + k]) k++;
      if (k === len) c++;
    }
    return c;
  };
  const out: Omit<SpanMatch, "lo" | "hi">[] = [];
  let reach = 0;
  for (let i = 0; i < q.length; i++) {
    let len = 0;
    while (i + len < q.length && occurrences(i, len + 1) > 0) len++;
    if (len === 0 || i + len <= reach) continue;
    reach = i + len;
    const count = occurrences(i, len);
    if (len >= minSpan && count <= maxCount) out.push({ start: i, end: i + len, count });
  }
  return out;
}

describe("span search", function () {
  it("finds the same maximal spans and counts as a brute-force search (random cases)", function () {
    const rng = new Random(11);
    for (let trial = 0; trial < 150; trial++) {
      const n = 20 + rng.int(400);
      const k = 2 + rng.int(6);
      const tokens = new Int32Array(n);
      for (let i = 0; i < n; i++) tokens[i] = rng.int(k);
      const sa = suffixArray(tokens, k);
      const q = new Int32Array(5 + rng.int(60));
      for (let i = 0; i < q.length; i++) q[i] = rng.next() < 0.05 ? -1 : rng.int(k + 1) === k ? 0 : rng.int(k);
      const minSpan = 1 + rng.int(4);
      const maxCount = 1 + rng.int(20);
      const got = findSpans({ tokens, sa }, q, { minSpan, maxCount }).map(({ start, end, count }) => ({
        start,
        end,
        count,
      }));
      expect(got).to.deep.equal(bruteSpans(tokens, q, minSpan, maxCount), `trial ${trial}`);
    }
  });

  it("finds planted spans with the right contributor in a generated corpus", function () {
    const rng = new Random(12);
    const vocab = Array.from({ length: 500 }, (_, i) => `w${i}`);
    const word = () => vocab[Math.floor(vocab.length * rng.next() ** 2)] as string;
    const contributors = Array.from({ length: 20 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
    const docs: [string, string, string][] = [];
    for (let d = 0; d < 400; d++) {
      docs.push([`doc-${d}`, contributors[d % 20] as string, Array.from({ length: 80 }, word).join(" ")]);
    }
    // Plant 30 rare phrases (made-up words) into chosen documents, then quote them in outputs.
    const planted: { phrase: string; doc: number }[] = [];
    for (let p = 0; p < 30; p++) {
      const phrase = Array.from({ length: 12 }, (_, i) => `planted${p}x${i}`).join(" ");
      const doc = rng.int(docs.length);
      (docs[doc] as [string, string, string])[2] += ` ${phrase} ${word()}`;
      planted.push({ phrase, doc });
    }
    const index = buildIndex(rows(docs));
    const outputs = planted.map((p, i) => ({
      id: `out-${i}`,
      text: `${Array.from({ length: 20 }, () => `zz${rng.int(1e6)}`).join(" ")} ${p.phrase} ${Array.from({ length: 20 }, () => `zz${rng.int(1e6)}`).join(" ")}`,
    }));
    const result = attributeSpans(index, outputs, { minSpan: 8, maxCount: 10, value: "length" });
    let found = 0;
    result.outputs.forEach((o, i) => {
      const p = planted[i] as { phrase: string; doc: number };
      const hit = o.spans.find((s) => s.text === p.phrase);
      if (hit !== undefined && hit.contributions.length === 1 && hit.contributions[0] === `doc-${p.doc}`) found++;
      expect(o.weights.get(`doc-${p.doc}`), o.id).to.equal(1);
    });
    expect(found).to.equal(planted.length);
  });
});

describe("span credit", function () {
  const corpus = rows([
    ["a1", A, "alpha beta gamma delta epsilon zeta"],
    ["b1", B, "alpha beta gamma delta epsilon zeta eta"],
    ["b2", B, "one two three four alpha beta gamma delta epsilon zeta"],
    ["c1", C, "ALPHA Beta gamma  delta\tepsilon Zeta, says Carol"],
    ["a2", A, "theta iota kappa lambda mu nu"],
    ["c2", C, "theta iota kappa lambda mu nu"],
  ]);
  const outputs = [
    { id: "o1", text: "we saw alpha beta gamma delta epsilon zeta today" },
    { id: "o2", text: "then theta iota kappa lambda mu nu and more" },
    { id: "o3", text: "nothing in common at all" },
  ];
  const options = { minSpan: 4, maxCount: 10, value: "length" as const };

  it("splits a span equally among distinct contributors, then among each one's documents", function () {
    const result = attributeSpans(buildIndex(corpus), outputs, options);
    const o1 = result.outputs[0]!;
    expect(o1.spans).to.have.length(1);
    expect(o1.spans[0]!.text).to.equal("alpha beta gamma delta epsilon zeta");
    expect(o1.spans[0]!.start).to.equal(7);
    expect(o1.spans[0]!.count).to.equal(4);
    expect(o1.spans[0]!.contributions).to.deep.equal(["a1", "b1", "b2", "c1"]);
    // Contributors A, B, C get 1/3 each; B's third is split over b1 and b2.
    expectClose(o1.weights.get("a1"), 1 / 3, 1e-12);
    expectClose(o1.weights.get("b1"), 1 / 6, 1e-12);
    expectClose(o1.weights.get("b2"), 1 / 6, 1e-12);
    expectClose(o1.weights.get("c1"), 1 / 3, 1e-12);
    expect(result.outputs[2]!.weights.size).to.equal(0);
    let total = 0;
    for (const v of result.contributors.values()) total += v;
    expectClose(total, 1, 1e-12);
  });

  it("gives an exact duplicate document's credit to its first contributor", function () {
    const index = buildIndex(corpus);
    expect(index.documents[5]!.owner).to.equal(4); // c2 is a copy of a2
    const o2 = attributeSpans(index, outputs, options).outputs[1]!;
    expect(o2.spans[0]!.contributions).to.deep.equal(["a2"]);
    expect(o2.spans[0]!.count).to.equal(1);
    expect([...o2.weights]).to.deep.equal([["a2", 1]]);
  });

  it("repeating one's own data earns nothing more", function () {
    const once = attributeSpans(buildIndex(corpus), outputs, options).contributors.get(B);
    const padded = rows([
      ...corpus.map((r) => [r.value.id, r.value.contributor, r.value.text] as [string, string, string]),
      ["b3", B, "extra alpha beta gamma delta epsilon zeta words"],
      ["b4", B, "more alpha beta gamma delta epsilon zeta words again"],
    ]);
    expect(attributeSpans(buildIndex(padded), outputs, options).contributors.get(B)).to.equal(once);
  });

  it("surprisal values weigh spans of rare words more than spans of common words", function () {
    const common = "w x y z";
    const filler = Array.from({ length: 50 }, () => "z y x w").join(" . ");
    const index = buildIndex(
      rows([
        ["a", A, `${common} end`],
        ["b", B, "p q r s end"],
        ["f", C, filler],
      ]),
    );
    const out = [{ id: "o", text: "w x y z and p q r s" }];
    const byLength = attributeSpans(index, out, options).outputs[0]!.weights;
    expectClose(byLength.get("a"), 0.5, 1e-12);
    const bySurprisal = attributeSpans(index, out, { ...options, value: "surprisal" }).outputs[0]!.weights;
    expectClose(bySurprisal.get("b")! + bySurprisal.get("a")!, 1, 1e-12);
    expect(bySurprisal.get("b")!).to.be.greaterThan(2 * bySurprisal.get("a")!);
  });

  it("an index saved and loaded gives byte-identical results", function () {
    const index = buildIndex(corpus);
    const dir = tempDir("poa-index-");
    saveIndex(index, dir, "00");
    const loaded = loadIndex(dir);
    expect(Array.from(loaded.sa)).to.deep.equal(Array.from(index.sa));
    const a = canonicalJson(spanAttributionJson(attributeSpans(index, outputs, options), options) as Json);
    const b = canonicalJson(spanAttributionJson(attributeSpans(loaded, outputs, options), options) as Json);
    expect(b).to.equal(a);
  });
});
