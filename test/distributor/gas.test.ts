import { expect } from "chai";

import { measureSize } from "../../bench/distributor.bench.js";

/**
 * The benchmark's measurement, at sizes small enough for CI, checked as regressions: a propose
 * posts a constant-size record (its L1 data fee does not grow with the number of accounts), a
 * batched later claim costs under half a single one per account, and a single claim stays
 * within 12% of the best reference (it pays for the on-chain cap on the sum of claims).
 */
describe("RewardDistributor gas and L1 data fee (real transactions, OP Stack network)", function () {
  it("keeps the propose L1 fee flat in the number of accounts, batches under half a claim", async function () {
    const small = await measureSize(64, { singles: 3, batch: 8 });
    const large = await measureSize(4096, { singles: 3, batch: 8 });

    expect(small.ours.proposeL1Fee).to.be.greaterThan(0n, "L1 fee scalars were set");
    // Same-size record: the fee may differ only by the compressibility of a random root.
    const diff = large.ours.proposeL1Fee - small.ours.proposeL1Fee;
    expect(diff < 0n ? -diff : diff).to.be.lessThanOrEqual(small.ours.proposeL1Fee / 50n);
    expect(large.ours.proposeBytes).to.equal(small.ours.proposeBytes);
    // A claim's L1 fee grows with its proof (6 -> 12 levels).
    expect(large.ours.claimL1Fee).to.be.greaterThan(small.ours.claimL1Fee);

    for (const r of [small, large]) {
      expect(Number(r.ours.batchLaterPerAccount) / Number(r.ours.later)).to.be.lessThan(0.5);
      const bestLater = r.oneInch.later < r.morpho.later ? r.oneInch.later : r.morpho.later;
      expect(Number(r.ours.later) / Number(bestLater)).to.be.lessThan(1.12);
      expect(r.floor.later).to.be.lessThan(r.ours.later);
    }
  });
});
