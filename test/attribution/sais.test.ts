import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { Random, suffixArray, SuffixArrayBuilder } from "../../src/attribution/index.js";
import { PoaError } from "../../src/core/errors.js";
import { expectPoaError } from "../support/errors.js";
import { tempDir } from "../support/temp.js";

/** The suffix array by comparison sort (the end of the text sorts first). */
function naiveSuffixArray(t: Int32Array): number[] {
  const idx = Array.from({ length: t.length }, (_, i) => i);
  return idx.sort((a, b) => {
    while (a < t.length && b < t.length) {
      if (t[a] !== t[b]) return (t[a] as number) - (t[b] as number);
      a++;
      b++;
    }
    return a === t.length ? -1 : 1;
  });
}

function check(t: Int32Array, k?: number): void {
  expect(Array.from(suffixArray(t, k))).to.deep.equal(naiveSuffixArray(t), `text ${Array.from(t).join(",")}`);
}

describe("suffix array (SA-IS in WebAssembly)", function () {
  it("equals a naive sort on random texts over small and large alphabets", function () {
    const rng = new Random(1);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(trial < 200 ? 40 : 2000);
      const k = 1 + rng.int([2, 4, 30, 1000, 70000][trial % 5] as number);
      const t = new Int32Array(n);
      for (let i = 0; i < n; i++) t[i] = rng.int(k);
      check(t, k);
    }
  });

  it("equals a naive sort on highly repetitive texts (runs, periods, Fibonacci words, copies)", function () {
    const rng = new Random(2);
    check(new Int32Array(1000).fill(7), 8);
    check(
      Int32Array.from({ length: 999 }, (_, i) => i % 3),
      3,
    );
    check(
      Int32Array.from({ length: 1000 }, (_, i) => 1000 - i),
      1001,
    );
    check(
      Int32Array.from({ length: 1000 }, (_, i) => i),
      1000,
    );
    let a = [0];
    let b = [0, 1];
    while (b.length < 3000) [a, b] = [b, [...b, ...a]];
    check(Int32Array.from(b), 2);
    for (let trial = 0; trial < 40; trial++) {
      const n = 50 + rng.int(3000);
      const t = new Int32Array(n);
      const period = 1 + rng.int(20);
      for (let i = 0; i < n; i++)
        t[i] = i < period ? rng.int(5) : rng.next() < 0.97 ? (t[i - period] as number) : rng.int(5);
      check(t, 5);
    }
  });

  it("equals a naive sort when LMS density forces each bucket placement of the recursion", function () {
    // A fraction r of the text alternates high/low symbols (an LMS position every 2 tokens), the
    // rest is increasing runs (none): m ~ r n / 2 LMS positions, so the free space n - 2m is
    // above 2x, between 1x and 2x, or below the reduced alphabet for r < 1/2, 1/2..2/3, > 2/3.
    const rng = new Random(5);
    for (const r of [0.3, 0.52, 0.55, 0.6, 0.64, 0.7, 0.8, 0.95, 1]) {
      for (let trial = 0; trial < 12; trial++) {
        const n = 100 + rng.int(2500);
        const t = new Int32Array(n);
        let i = 0;
        while (i < n) {
          if (rng.next() < r) {
            t[i++] = 500 + rng.int(500);
            if (i < n) t[i++] = rng.int(trial % 2 ? 3 : 500);
          } else {
            const base = rng.int(100);
            for (let k = 0; k < 4 && i < n; k++) t[i++] = base + k * 100;
          }
        }
        check(t, 1000);
      }
    }
  });

  it("builds in place with 8 bytes per token plus the buckets", function () {
    const n = 200_000;
    const builder = new SuffixArrayBuilder(n);
    const rng = new Random(3);
    const text = builder.text;
    for (let i = 0; i < n; i++) text[i] = 1 + Math.floor(1000 * rng.next() ** 3);
    const { sa, peakBytes } = builder.build(1001);
    const t = builder.text;
    for (let r = 1; r < n; r += 97) {
      let x = sa[r - 1] as number;
      let y = sa[r] as number;
      while (x < n && y < n && t[x] === t[y]) {
        x++;
        y++;
      }
      expect(x === n || (y < n && (t[x] as number) < (t[y] as number)), `rank ${r}`).to.equal(true);
    }
    expect(peakBytes / n).to.be.lessThan(8.5);
  });

  it("rejects a token id outside the alphabet", function () {
    expectPoaError(() => suffixArray(Int32Array.from([1, 2, 5]), 5), "ATTRIBUTION_INPUT_INVALID", "outside [0, 5)");
    expectPoaError(() => suffixArray(Int32Array.from([1, -1]), 5), "ATTRIBUTION_INPUT_INVALID");
  });

  it("the committed sais.wasm is exactly what asm/sais.ts compiles to", function () {
    this.timeout(120_000);
    const dir = tempDir("poa-wasm-");
    const out = join(dir, "sais.wasm");
    execFileSync(process.execPath, ["asm/build.mjs", out], { stdio: "pipe" });
    expect(readFileSync(out).equals(readFileSync("src/attribution/sais.wasm"))).to.equal(true);
  });
});
