import { expect } from "chai";

import { findNearCopies } from "../../src/attribution/near-copy.js";
import { tokenize } from "../../src/attribution/tokenize.js";
import { loadWordnetGlosses } from "../../src/factory/datasets.js";

/** The rule as written in src/attribution/near-copy.ts, with shingles as strings: what the hashed table must agree with. */
function byStrings(documents: { id: string; text: string }[], k = 8) {
  const seen = new Map<string, number>();
  return documents.map((doc, d) => {
    const words = tokenize(doc.text).words;
    const shingles: string[] = [];
    for (let i = 0; i + k <= words.length; i++) shingles.push(words.slice(i, i + k).join("\u0000"));
    const covered = new Uint8Array(words.length);
    const sources = new Map<number, number>();
    shingles.forEach((s, i) => {
      const first = seen.get(s);
      if (first === undefined || first === d) return;
      covered.fill(1, i, i + k);
      sources.set(first, (sources.get(first) ?? 0) + 1);
    });
    for (const s of shingles) if (!seen.has(s)) seen.set(s, d);
    const top = [...sources].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
    return {
      id: doc.id,
      covered: covered.reduce((a, c) => a + c, 0),
      tokens: words.length,
      sources: top.map(([i]) => documents[i]!.id),
    };
  });
}

describe("near-copies (w-shingling against earlier contributions)", function () {
  const glosses = loadWordnetGlosses(["noun"]).map((d) => d.text);
  const original = glosses.slice(0, 40).join("\n");
  const other = glosses.slice(40, 80).join("\n");

  it("flags a lightly edited copy of an earlier contribution, naming its source", function () {
    const words = original.split(" ");
    for (let i = 0; i < words.length; i += 40) words[i] = words[i]!.toUpperCase(); // case does not hide a copy
    words.splice(10, 1, "entirely", "new", "words");
    const flags = findNearCopies([
      { id: "1", text: original },
      { id: "2", text: other },
      { id: "3", text: words.join(" ") },
    ]);
    expect(flags.map((f) => f.id)).to.deep.equal(["3"]);
    expect(flags[0]!.coverage).to.be.greaterThan(0.9);
    expect(flags[0]!.sources[0]).to.equal("1");
  });

  it("does not flag independent texts, the first copy, or a short quote of earlier data", function () {
    const quoting = `${glosses.slice(80, 120).join("\n")}\n${original.slice(0, 120)}`;
    expect(
      findNearCopies([
        { id: "1", text: original },
        { id: "2", text: other },
        { id: "3", text: quoting },
      ]),
    ).to.deep.equal([]);
    // Order matters: the earlier contribution is never the copy.
    expect(
      findNearCopies([
        { id: "1", text: original },
        { id: "2", text: original },
      ]).map((f) => f.id),
    ).to.deep.equal(["2"]);
  });

  it("agrees with the rule computed on shingle strings, for every document of a WordNet mix with copies and edits", function () {
    // 300 documents of 30 glosses each: some start new, some splice runs of earlier ones, some edit a copy.
    const all = loadWordnetGlosses(["noun", "verb"]).map((d) => d.text);
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const docs: { id: string; text: string }[] = [];
    for (let d = 0; d < 300; d++) {
      const parts: string[] = [];
      for (let p = 0; p < 30; p++) {
        if (docs.length > 0 && next() < 0.4) {
          const from = docs[Math.floor(next() * docs.length)]!.text.split(" ");
          const at = Math.floor(next() * from.length);
          parts.push(from.slice(at, at + 5 + Math.floor(next() * 40)).join(" "));
        } else parts.push(all[Math.floor(next() * all.length)]!);
      }
      docs.push({ id: String(d + 1), text: parts.join("\n") });
    }
    const expected = byStrings(docs);
    const flagged = findNearCopies(docs, { threshold: 0 });
    expect(
      flagged.map((f) => ({
        id: f.id,
        covered: Math.round(f.coverage * f.tokens),
        tokens: f.tokens,
        sources: f.sources,
      })),
    ).to.deep.equal(expected.filter((e) => e.tokens >= 8));
    expect(flagged.filter((f) => f.coverage > 0).length, "the mix has copies").to.be.greaterThan(100);
  });
});
