import { expect } from "chai";

import { allocateLargestRemainder, Random } from "../../src/attribution/index.js";
import { PoaError } from "../../src/core/errors.js";
import { expectPoaError } from "../support/errors.js";

describe("payout rounding (largest remainder)", function () {
  it("pays 200,000 contributors (no argument spreading that overflows the stack)", function () {
    this.timeout(60_000);
    const weights = new Map<string, number>();
    for (let i = 0; i < 200_000; i++) weights.set(`0x${i.toString(16).padStart(40, "0")}`, 1 + (i % 97) / 7);
    const pool = 10n ** 24n + 12_345n;
    const out = allocateLargestRemainder(weights, pool);
    expect(out.size).to.equal(200_000);
    let sum = 0n;
    for (const v of out.values()) sum += v;
    expect(sum).to.equal(pool);
  });

  it("sums exactly to the pool for random weights and pools", function () {
    const rng = new Random(21);
    for (let trial = 0; trial < 300; trial++) {
      const weights = new Map<string, number>();
      const k = 1 + rng.int(30);
      for (let i = 0; i < k; i++)
        weights.set(`0x${i.toString(16).padStart(40, "0")}`, rng.next() < 0.2 ? 0 : rng.next() * 10 ** rng.int(6));
      if ([...weights.values()].every((w) => w === 0)) weights.set("0x" + "1".repeat(40), 1);
      const pool = BigInt(rng.int(1e9)) * 10n ** BigInt(rng.int(12));
      const out = allocateLargestRemainder(weights, pool);
      let sum = 0n;
      for (const [key, v] of out) {
        expect(v >= 0n).to.equal(true);
        if (weights.get(key) === 0) expect(v).to.equal(0n);
        sum += v;
      }
      expect(sum).to.equal(pool);
    }
  });

  it("gives each share floor or ceil of its exact value", function () {
    const out = allocateLargestRemainder(
      new Map([
        ["a", 0.5],
        ["b", 0.3],
        ["c", 0.2],
      ]),
      7n,
    );
    // exact: 3.5, 2.1, 1.4 -> floors 3, 2, 1 (6); the one leftover unit goes to the largest remainder (a)
    expect([...out]).to.deep.equal([
      ["a", 4n],
      ["b", 2n],
      ["c", 1n],
    ]);
  });

  it("breaks ties in favour of the smaller key, whatever the insertion order", function () {
    const a = allocateLargestRemainder(
      new Map([
        ["0xb", 1],
        ["0xa", 1],
        ["0xc", 1],
      ]),
      2n,
    );
    const b = allocateLargestRemainder(
      new Map([
        ["0xc", 1],
        ["0xa", 1],
        ["0xb", 1],
      ]),
      2n,
    );
    expect([...a]).to.deep.equal([
      ["0xa", 1n],
      ["0xb", 1n],
      ["0xc", 0n],
    ]);
    expect([...b]).to.deep.equal([...a]);
  });

  it("uses the exact value of each weight (no floating-point loss)", function () {
    // 1/3 as a double is slightly below 1/3; 3 * (1/3 as double) is not 1 but the split is exact.
    const w = 1 / 3;
    const out = allocateLargestRemainder(
      new Map([
        ["a", w],
        ["b", w],
        ["c", w],
      ]),
      10n ** 30n + 1n,
    );
    expect(out.get("a")! + out.get("b")! + out.get("c")!).to.equal(10n ** 30n + 1n);
    expect(out.get("a")).to.equal(333333333333333333333333333334n);
  });

  it("rejects negative or non-finite weights, an all-zero weighting and a negative pool", function () {
    expectPoaError(
      () => allocateLargestRemainder(new Map([["a", -1]]), 1n),
      "ATTRIBUTION_INPUT_INVALID",
      "weight of a is -1",
    );
    expectPoaError(
      () => allocateLargestRemainder(new Map([["a", NaN]]), 1n),
      "ATTRIBUTION_INPUT_INVALID",
      "weight of a is NaN",
    );
    expectPoaError(
      () => allocateLargestRemainder(new Map([["a", 0]]), 1n),
      "ATTRIBUTION_INPUT_INVALID",
      "every weight is zero",
    );
    expectPoaError(
      () => allocateLargestRemainder(new Map([["a", 1]]), -1n),
      "ATTRIBUTION_INPUT_INVALID",
      "the pool is negative",
    );
  });
});
