import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";

import { advanceL2Time, advanceL2TimeTo } from "../../src/devnet/time.js";
import { epochEnd, settle } from "../../src/settlement/pipeline.js";
import { distributorOf, startProtocol, type ProtocolFixture } from "../support/protocol-fixture.js";

describe("poa settle (library) on a devnet with real data and a real model", function () {
  this.timeout(300_000);
  let f: ProtocolFixture;

  before(async function () {
    f = await startProtocol({ requests: 6 });
  });
  after(async function () {
    await f?.stop();
  });

  const options = () => ({
    context: f.context,
    record: f.record,
    store: f.storeDir,
    content: f.contentDir,
    out: join(f.dir, "settlement"),
    records: [f.recordsFile],
    confirmations: 1,
    pollMs: 100,
  });

  it("refuses an epoch that has not ended", async function () {
    let error: unknown;
    await settle({ ...options(), wait: false }).catch((e: unknown) => (error = e));
    expect((error as { code?: string }).code).to.equal("STATE_CONFLICT");
    expect(String(error)).to.match(/epoch 0 has not ended/);
  });

  it("settles epoch 0: report, tree and records published, root proposed once, then finalized; contributors can claim", async function () {
    const distributor = distributorOf(f);
    const clock = { genesis: await distributor.genesis(), epochLength: await distributor.epochLength() };
    await advanceL2TimeTo(f.net.addresses.l2Rpc, f.net.addresses.l2ChainId, epochEnd(clock, 0n) + 5n, 3);
    const first = await settle({ ...options(), wait: false });
    expect(first.outcome).to.equal("proposed");
    expect(first.fromEpoch).to.equal(0n);
    expect(first.accounts).to.be.greaterThan(0);
    for (const file of ["report.json", "tree.json", "records.jsonl", "breakdown.jsonl"])
      expect(existsSync(join(first.folder, file)), file).to.equal(true);

    // The tree loads with OpenZeppelin's library and gives the posted root.
    const tree = StandardMerkleTree.load(JSON.parse(readFileSync(join(first.folder, "tree.json"), "utf8")));
    expect(tree.root).to.equal(first.root);
    const pending = await distributor.pendingRoot();
    expect(pending.root).to.equal(first.root);
    expect(pending.totalCumulative).to.equal(first.total);

    // Contributors earned from outputs their text shaped; every request's part is accounted for.
    const report = JSON.parse(readFileSync(join(first.folder, "report.json"), "utf8"));
    const earners = Object.keys(report.accounts as object);
    expect(earners.some((a) => f.contributors.includes(a))).to.equal(true);
    expect(earners).to.include(f.curator);

    // A re-run proposes nothing new (one RootProposed event).
    const again = await settle({ ...options(), wait: false });
    expect(again.root).to.equal(first.root);
    expect(again.proposeTx).to.equal(null);
    expect((await distributor.queryFilter(distributor.filters.RootProposed())).length).to.equal(1);

    // After the challenge window: finalized.
    await advanceL2Time(
      f.net.addresses.l2Rpc,
      f.net.addresses.l2ChainId,
      (await distributor.challengeWindow()) + 5n,
      3,
    );
    const done = await settle(options());
    expect(done.outcome).to.equal("finalized");
    expect(await distributor.root()).to.equal(first.root);

    // A contributor claims exactly its cumulative amount with the published proof.
    for (const [i, [account, amount]] of tree.entries()) {
      if (!f.contributors.includes(account)) continue;
      const signerIndex = f.contributors.indexOf(account) + 1;
      const before = await distributorOf(f, signerIndex).claimed(account);
      await (await distributorOf(f, signerIndex).claim(account, amount, tree.getProof(i))).wait();
      expect((await distributor.claimed(account)) - before).to.equal(BigInt(amount));
      break;
    }

    // Settled already: says so and changes nothing.
    const final = await settle({ ...options(), epoch: 0n });
    expect(final.outcome).to.equal("already finalized");
  });
});
