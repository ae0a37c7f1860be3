import { expect } from "chai";

import { canonicalJson, canonicalJsonBytes, type Json } from "../../src/core/canonical-json.js";
import { rng } from "../merkle/entries.js";

const ALPHABET = ["a", "Z", "0", " ", '"', "\\", "\n", "\u0001", "é", "€", "😀", "\ud800", "𝄞", "/"];

function randomJson(next: () => number, depth: number): Json {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  const text = () =>
    Array.from({ length: Math.floor(next() * 12) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join("");
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return next() < 0.5 ? Math.floor(next() * 1e6) - 5e5 : (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    case 3:
    case 4:
      return text();
    case 5:
      return Array.from({ length: Math.floor(next() * 6) }, () => randomJson(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 6) }, () => [text(), randomJson(next, depth + 1)]),
      );
  }
}

describe("src/core canonical-json: canonicalJsonBytes", function () {
  const encode = (v: Json, indent: number, suffix: string) =>
    new TextEncoder().encode(canonicalJson(v, indent) + suffix);

  it("gives the bytes of canonicalJson + suffix for random documents, indented or not", function () {
    const next = rng(2026);
    for (let i = 0; i < 400; i++) {
      const value = randomJson(next, 0);
      for (const indent of [0, 2]) {
        const bytes = canonicalJsonBytes(value, indent, "\n");
        expect(Buffer.from(bytes).equals(Buffer.from(encode(value, indent, "\n"))), `document ${i}, indent ${indent}`)
          .to.be.true;
      }
    }
  });

  it("keeps multi-byte characters whole across its 64 KiB pieces (a document of several MiB)", function () {
    const accounts: Record<string, Json> = {};
    for (let i = 0; i < 60_000; i++)
      accounts[`0x${i.toString(16).padStart(40, "0")}`] = { cumulative: String(i * 977), note: "€😀é".repeat(i % 7) };
    const value: Json = { accounts, root: "0x" + "ab".repeat(32), version: 1 };
    const bytes = canonicalJsonBytes(value, 2, "\n");
    expect(bytes.length).to.be.greaterThan(5 << 20);
    expect(Buffer.from(bytes).equals(Buffer.from(encode(value, 2, "\n")))).to.be.true;
    expect(canonicalJsonBytes({}, 2)).to.deep.equal(new TextEncoder().encode("{}"));
  });
});
