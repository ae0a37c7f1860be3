/**
 * The life of a Datanet, told as a test: read it top to bottom as documentation.
 *
 * It runs on Hardhat's in-process OP Stack L2 with the real bridged OPEN token and the real
 * DatanetRegistry, and recomputes every version root from chain events with the TypeScript
 * library (`src/datanet`). The chapters share one chain and run in order.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";
import { anyUint } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { deployL2OpenToken } from "../../deploy/tokens.js";
import { signPermit } from "../../src/chain/permit.js";
import { bridgeSigner } from "../support/op-network.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../../deploy/datanets.js";
import {
  commitAndSubmit,
  contributionCommitment,
  fetchDatanetHistory,
  findFalseInclusion,
  newSalt,
  nextVersion,
  verifyVersions,
  type NextVersion,
} from "../../src/datanet/index.js";
import type { DatanetRegistry, L2OpenToken } from "../../types/ethers-contracts/index.js";

const OPEN = 10n ** 18n;
const DAY = 86_400;
const TEXT = 0n; // DataKind.Text
const Status = { Pending: 1n, Accepted: 2n, Rejected: 3n, Withdrawn: 4n, Revoked: 5n, TakenDown: 6n } as const;

/** Gas used by each kind of transaction, from receipts (the 21,000 base cost included). */
const gas = new Map<string, bigint>();
async function measured(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error(`${label}: no receipt`);
  if (!gas.has(label)) gas.set(label, receipt.gasUsed);
}

describe("Datanet lifecycle (documentation by test)", function () {
  let connection: Awaited<ReturnType<typeof network.create>>;
  let open: L2OpenToken;
  let registry: DatanetRegistry;
  let governance: Signer, treasury: Signer, owner: Signer;
  let alice: Signer, bob: Signer, carol: Signer, dave: Signer, erin: Signer;
  let curators: Signer[];
  let datanetId: bigint;
  let ids: Record<string, bigint>;
  let version1: NextVersion;

  const hash = (text: string) => connection.ethers.keccak256(connection.ethers.toUtf8Bytes(text));

  async function mintOpen(to: Signer, amount: bigint) {
    await open.connect(await bridgeSigner(connection)).mint(await to.getAddress(), amount);
  }

  async function increaseTime(seconds: number) {
    await connection.provider.request({ method: "evm_increaseTime", params: [seconds] });
    await connection.provider.request({ method: "evm_mine", params: [] });
  }

  before(async function () {
    connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const signers = await connection.ethers.getSigners();
    const [deployer, g, t, o, a, b, c, d, e, c1, c2, c3] = signers;
    if (deployer === undefined || c3 === undefined) throw new Error("need 12 accounts");
    [governance, treasury, owner, alice, bob, carol, dave, erin] = [g!, t!, o!, a!, b!, c!, d!, e!];
    curators = [c1!, c2!, c3];
    open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    ids = {};
  });

  after(async function () {
    await connection.close();
    if (gas.size > 0) {
      console.log("\n    receipt gasUsed on the in-process OP Stack network:");
      for (const [label, used] of gas) console.log(`      ${label.padEnd(44)} ${used.toLocaleString("en-US")}`);
    }
  });

  it("1. governance deploys one registry for every Datanet, staking OPEN", async function () {
    registry = await deployDatanetRegistry(governance, {
      token: await open.getAddress(),
      treasury: await treasury.getAddress(),
      governance: await governance.getAddress(),
    });
    expect(await registry.token()).to.equal(await open.getAddress());
    expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), await governance.getAddress())).to.equal(true);
    expect((await registry.bounds()).maxDailyByteCap).to.equal(10_000_000n);
    expect(await registry.version()).to.equal("4.0.0");
  });

  it("2. an owner creates a finance Datanet and appoints three curators, each bonding 1,000 OPEN", async function () {
    const tx = registry.connect(owner).createDatanet(TEXT, "ipfs://finance-datanet.json", DEFAULT_DATANET_PARAMS);
    await expect(tx).to.emit(registry, "DatanetCreated");
    datanetId = await registry.datanetCount();

    for (const curator of curators) {
      await registry.connect(owner).appointCurator(datanetId, await curator.getAddress());
      await mintOpen(curator, 1_000n * OPEN);
      await open.connect(curator).approve(await registry.getAddress(), 1_000n * OPEN);
      await registry.connect(curator).depositCuratorBond(datanetId, 1_000n * OPEN);
      expect(await registry.canVote(datanetId, await curator.getAddress())).to.equal(true);
    }
    expect((await registry.getDatanet(datanetId)).curatorCount).to.equal(3n);
  });

  it("3. contributors commit to their data, then stake OPEN on it a block later: approve + submit, or a permit", async function () {
    for (const who of [alice, bob, carol, dave, erin]) await mintOpen(who, 100n * OPEN);

    // Alice commits to keccak256(abi.encode(contentHash, alice, salt)) with a secret salt: the
    // chain learns nothing of her data yet. A block later she reveals it; a permit signed
    // off-chain approves her stake in the same transaction.
    const deadline = BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp + 3600);
    const sig = await signPermit(open, alice, await registry.getAddress(), 10n * OPEN, deadline);
    const submitted = await commitAndSubmit(registry.connect(alice), {
      datanetId,
      contentHash: hash("alice: 10-K filings"),
      uri: "ipfs://a",
      sizeBytes: 2_000_000n,
      stake: 10n * OPEN,
      permit: { deadline, v: sig.v, r: sig.r, s: sig.s },
    });
    gas.set("commitContribution", submitted.commitReceipt!.gasUsed);
    gas.set("submitWithPermit (reveal)", submitted.submitReceipt.gasUsed);
    expect(submitted.submitReceipt.blockNumber).to.be.greaterThan(Number(submitted.commitBlock));
    expect(await registry.contentCommitBlock(datanetId, hash("alice: 10-K filings"))).to.equal(submitted.commitBlock);
    ids.alice = submitted.contributionId;

    // Bob and Carol approve first.
    for (const [name, who, text] of [
      ["bob", bob, "bob: spam"],
      ["carol", carol, "carol: earnings calls"],
    ] as const) {
      await open.connect(who).approve(await registry.getAddress(), 100n * OPEN);
      const done = await commitAndSubmit(registry.connect(who), {
        datanetId,
        contentHash: hash(text),
        uri: `ipfs://${name}`,
        sizeBytes: 1_000_000n,
        stake: 10n * OPEN,
      });
      if (!gas.has("submit (reveal)")) gas.set("submit (reveal)", done.submitReceipt.gasUsed);
      ids[name] = done.contributionId;
    }
    expect(await registry.totalStaked()).to.equal(30n * OPEN);
    const c = await registry.getContribution(ids.alice!);
    expect(c.status).to.equal(Status.Pending);
    // Curators have the Datanet's review period (7 days) from submission; the terms are fixed now.
    expect(
      c.reviewDeadline -
        BigInt((await connection.ethers.provider.getBlock(submitted.submitReceipt.blockNumber))!.timestamp),
    ).to.equal(BigInt(DEFAULT_DATANET_PARAMS.reviewPeriod));
  });

  it("4. copies earn nothing (a copier commits too late), stakes have a floor, uploads are capped at 10 MB per UTC day", async function () {
    await open.connect(dave).approve(await registry.getAddress(), 100n * OPEN);
    const commit = async (who: Signer, text: string) => {
      const salt = newSalt();
      await (
        await registry.connect(who).commitContribution(contributionCommitment(hash(text), await who.getAddress(), salt))
      ).wait();
      return salt;
    };
    // Dave copies Alice's content hash from her reveal: his commitment is later than hers, so
    // he is refused, naming Alice's contribution.
    let salt = await commit(dave, "alice: 10-K filings");
    await expect(
      registry.connect(dave).submit(datanetId, hash("alice: 10-K filings"), "ipfs://copy", 1n, 10n * OPEN, salt),
    )
      .to.be.revertedWithCustomError(registry, "DuplicateContent")
      .withArgs(datanetId, hash("alice: 10-K filings"), ids.alice);
    salt = await commit(dave, "dave");
    await expect(registry.connect(dave).submit(datanetId, hash("dave"), "ipfs://d", 1n, 9n * OPEN, salt))
      .to.be.revertedWithCustomError(registry, "StakeBelowMinimum")
      .withArgs(datanetId, 9n * OPEN, 10n * OPEN);

    // Bob already sent 1 MB today; 9 MB + 1 byte more is over the cap.
    salt = await commit(bob, "bob: more");
    const day = BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp) / 86_400n;
    await expect(registry.connect(bob).submit(datanetId, hash("bob: more"), "ipfs://b2", 9_000_001n, 10n * OPEN, salt))
      .to.be.revertedWithCustomError(registry, "DailyByteCapExceeded")
      .withArgs(datanetId, await bob.getAddress(), day, 1_000_000n, 9_000_001n, 10_000_000n);
  });

  it("5. curators vote; the quorum (2) accepts or rejects; a rejection slashes 20% for the treasury", async function () {
    const [c1, c2, c3] = curators as [Signer, Signer, Signer];
    await measured("vote (not deciding)", registry.connect(c1).vote(ids.alice!, true));
    await measured("vote reaching quorum: accept (finalize)", registry.connect(c2).vote(ids.alice!, true));
    await registry.connect(c1).vote(ids.carol!, true);
    await registry.connect(c3).vote(ids.carol!, true);

    await registry.connect(c1).vote(ids.bob!, false);
    await measured("vote reaching quorum: reject (finalize)", registry.connect(c2).vote(ids.bob!, false));
    const rejected = await registry.getContribution(ids.bob!);
    expect(rejected.status).to.equal(Status.Rejected);
    expect(rejected.stake).to.equal(8n * OPEN); // the 80% Bob can take back
    expect(await registry.slashedUnswept()).to.equal(2n * OPEN);

    // Anyone moves slashed OPEN to the treasury (never to the curators who rejected).
    await registry.connect(dave).sweepSlashed();
    expect(await open.balanceOf(await treasury.getAddress())).to.equal(2n * OPEN);
  });

  it("6. the owner publishes version 1, computed from chain events alone; anyone re-checks it", async function () {
    const events = await fetchDatanetHistory(registry, datanetId);
    version1 = nextVersion(events);
    expect(version1.version).to.equal(1n);
    expect(version1.count).to.equal(2n); // Alice and Carol

    await measured(
      "publishVersion",
      registry.connect(owner).publishVersion(datanetId, version1.root, version1.count, "ipfs://v1-tree.json"),
    );
    expect(await registry.isPublishedVersion(datanetId, 1n)).to.equal(true);
    expect(await registry.versionRoot(datanetId, 1n)).to.equal(version1.root);

    const checks = verifyVersions(await fetchDatanetHistory(registry, datanetId));
    expect(checks.map((c) => c.ok)).to.deep.equal([true]);

    // A member's proof is valid against the posted root: disputing it fails.
    const [index] = [...version1.tree.entries()].find(([, [id]]) => id === ids.carol)!;
    await expect(
      registry.disputeVersion(datanetId, 1n, ids.carol!, hash("carol: earnings calls"), version1.tree.getProof(index)),
    )
      .to.be.revertedWithCustomError(registry, "NotAFalseInclusion")
      .withArgs(datanetId, 1n, ids.carol);
  });

  it("7. the penalty role revokes adversarial data during its bond; version 2 leaves it out", async function () {
    // Attribution flags Carol's data as adversarial: governance slashes 50% and revokes it.
    await measured(
      "penalize",
      registry.connect(governance).penalize(ids.carol!, 5_000, hash("attribution: adversarial")),
    );
    expect((await registry.getContribution(ids.carol!)).status).to.equal(Status.Revoked);

    await open.connect(erin).approve(await registry.getAddress(), 10n * OPEN);
    ids.erin = (
      await commitAndSubmit(registry.connect(erin), {
        datanetId,
        contentHash: hash("erin: central bank minutes"),
        uri: "ipfs://e",
        sizeBytes: 3_000n,
        stake: 10n * OPEN,
      })
    ).contributionId;
    await registry.connect(curators[0]!).vote(ids.erin, true);
    await registry.connect(curators[2]!).vote(ids.erin, true);

    const v2 = nextVersion(await fetchDatanetHistory(registry, datanetId));
    await registry.connect(owner).publishVersion(datanetId, v2.root, v2.count, "ipfs://v2-tree.json");

    expect(await registry.isInVersion(ids.carol!, 1n)).to.equal(true); // versions are immutable
    expect(await registry.isInVersion(ids.carol!, 2n)).to.equal(false);
    expect(await registry.isInVersion(ids.erin, 2n)).to.equal(true);
    expect(verifyVersions(await fetchDatanetHistory(registry, datanetId)).every((c) => c.ok)).to.equal(true);
  });

  it("8. a wrong root is flagged by the verifier and disputed on-chain by anyone", async function () {
    // A careless owner re-posts version 1's tree as version 3. The count (2) matches the live
    // set (Alice, Erin), so the registry accepts the post...
    await registry.connect(owner).publishVersion(datanetId, version1.root, 2n, "ipfs://v1-tree.json");
    const events = await fetchDatanetHistory(registry, datanetId);
    const v3 = verifyVersions(events).find((c) => c.version === 3n)!;
    expect(v3.ok).to.equal(false); // ...but the verifier flags it
    expect(v3.postedRoot).to.not.equal(v3.expectedRoot);

    // The tree at the version's URI includes revoked Carol: anyone proves it on-chain.
    const dispute = findFalseInclusion(events, 3n, version1.tree)!;
    expect(dispute.contributionId).to.equal(ids.carol);
    await measured(
      "disputeVersion (2-leaf tree)",
      registry.connect(dave).disputeVersion(datanetId, 3n, dispute.contributionId, dispute.contentHash, dispute.proof),
    );
    expect(await registry.isPublishedVersion(datanetId, 3n)).to.equal(false);
    expect(await registry.versionRoot(datanetId, 3n)).to.equal(connection.ethers.ZeroHash);
  });

  it("9. stakes come back exactly once: rejected and revoked rests now, accepted after the bond", async function () {
    const before = await open.balanceOf(await alice.getAddress());
    const bondedUntil = (await registry.getContribution(ids.alice!)).bondedUntil;
    await expect(registry.connect(alice).withdraw(ids.alice!)).to.be.revertedWithCustomError(registry, "StillBonded");

    await measured("withdraw (rejected rest)", registry.connect(bob).withdraw(ids.bob!));
    await registry.connect(carol).withdraw(ids.carol!); // the 50% the penalty left

    await increaseTime(7 * DAY);
    expect(BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp)).to.be.gte(bondedUntil);
    await measured("withdraw (accepted, after bond)", registry.connect(alice).withdraw(ids.alice!));
    expect((await open.balanceOf(await alice.getAddress())) - before).to.equal(10n * OPEN);
    expect((await registry.getContribution(ids.alice!)).status).to.equal(Status.Accepted); // still in the data
    await expect(registry.connect(alice).withdraw(ids.alice!))
      .to.be.revertedWithCustomError(registry, "StakeAlreadyReleased")
      .withArgs(ids.alice);

    // What the registry holds is exactly what it owes: Erin's stake and the curator bonds
    // (Carol's 5 OPEN penalty waits to be swept).
    const held = await open.balanceOf(await registry.getAddress());
    expect(held).to.equal(
      (await registry.totalStaked()) + (await registry.totalCuratorBonds()) + (await registry.slashedUnswept()),
    );
    expect(await registry.totalStaked()).to.equal(10n * OPEN);
    expect(await registry.slashedUnswept()).to.equal(5n * OPEN);
  });

  it("10. a takedown request removes data after its bond period, without a slash; later versions leave it out", async function () {
    // Alice's data is past its bond: a penalty is no longer possible...
    await expect(registry.connect(governance).penalize(ids.alice!, 0, hash("too late")))
      .to.be.revertedWithCustomError(registry, "BondPeriodOver")
      .withArgs(ids.alice, (await registry.getContribution(ids.alice!)).bondedUntil, anyUint);
    // ...but TAKEDOWN_ROLE (governance) can remove it from every version published from now on.
    await measured("takeDown", registry.connect(governance).takeDown(ids.alice!, hash("privacy request")));
    const alice = await registry.getContribution(ids.alice!);
    expect(alice.status).to.equal(Status.TakenDown);
    expect(alice.revokedFromVersion).to.equal(4n);

    const v4 = nextVersion(await fetchDatanetHistory(registry, datanetId));
    expect(v4.count).to.equal(1n); // Erin only
    await registry.connect(owner).publishVersion(datanetId, v4.root, v4.count, "ipfs://v4-tree.json");
    expect(await registry.isInVersion(ids.alice!, 2n)).to.equal(true); // earlier versions are immutable
    expect(await registry.isInVersion(ids.alice!, 4n)).to.equal(false);
    const checks = verifyVersions(await fetchDatanetHistory(registry, datanetId));
    expect(checks.find((c) => c.version === 4n)!.ok).to.equal(true);
    expect(await registry.slashedUnswept()).to.equal(5n * OPEN); // nothing slashed by the takedown
  });

  it("11. the gas of every step stays within its budget (receipt gasUsed)", async function () {
    const budget: Record<string, bigint> = {
      commitContribution: 50_000n,
      "submit (reveal)": 200_000n,
      "submitWithPermit (reveal)": 260_000n, // the reveal also reads and clears the commitment
      "vote (not deciding)": 80_000n,
      "vote reaching quorum: accept (finalize)": 120_000n,
      "vote reaching quorum: reject (finalize)": 120_000n,
      "withdraw (accepted, after bond)": 80_000n,
      publishVersion: 120_000n,
    };
    for (const [label, max] of Object.entries(budget)) {
      const used = gas.get(label);
      expect(used !== undefined, `${label} measured`).to.equal(true);
      expect(used! <= max, `${label}: ${used} gas > budget ${max}`).to.equal(true);
    }
  });
});
