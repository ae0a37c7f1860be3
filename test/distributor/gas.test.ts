import { expect } from "chai";

import { bestReference, measureSize } from "../../bench/distributor.bench.js";

/**
 * The benchmark's measurement, at sizes small enough for CI, checked as regressions: a propose
 * posts a constant-size record (its L1 data fee does not grow with the number of accounts), a
 * batched later claim costs under half a single one per account, the expected-root claim is the
 * cheapest single claim, and a single claim stays within 10% of the best reference (it pays for
 * the on-chain cap on the sum of claims, which neither reference has).
 */
describe("RewardDistributor gas and L1 data fee (real transactions, OP Stack network)", function () {
  it("keeps the propose L1 fee flat in the number of accounts, batches under half a claim", async function () {
    const small = await measureSize(256, { singles: 3, batches: [16] });
    const large = await measureSize(4096, { singles: 3, batches: [16] });

    expect(small.ours.proposeL1Fee).to.be.greaterThan(0n, "L1 fee scalars were set");
    // Same-size record: the fee may differ only by the compressibility of a random root.
    const diff = large.ours.proposeL1Fee - small.ours.proposeL1Fee;
    expect(diff < 0n ? -diff : diff).to.be.lessThanOrEqual(small.ours.proposeL1Fee / 50n);
    expect(large.ours.proposeBytes).to.equal(small.ours.proposeBytes);
    // A claim's L1 fee grows with its proof (8 -> 12 levels).
    expect(large.ours.claimL1Fee).to.be.greaterThan(small.ours.claimL1Fee);

    for (const r of [small, large]) {
      const batch = r.ours.batches[0]!;
      expect(Number(batch.laterPerAccount) / Number(r.ours.claim.later)).to.be.lessThan(0.5);
      expect(r.ours.claimWithRoot.later).to.be.lessThan(r.ours.claim.later);
      expect(Number(r.ours.claimWithRoot.later) / Number(bestReference(r, "later"))).to.be.lessThan(1.1);
      expect(r.floor.later).to.be.lessThan(r.ours.claimWithRoot.later);
    }
  });
});
