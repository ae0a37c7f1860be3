import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { getAddress } from "ethers";
import { network } from "hardhat";

import { deployRewardDistributor, grantDistributorRoles } from "../../deploy/distributor.js";
import { deployL2OpenToken } from "../../deploy/tokens.js";
import { PoaError } from "../../src/core/errors.js";
import { expectPoaError } from "../support/errors.js";
import {
  buildRewardTree,
  checkAddress,
  LEAF_ENCODING,
  processProof,
  verifyProof,
  type RewardEntry,
} from "../../src/merkle/index.js";

const swapCase = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());

/** A small seeded PRNG (mulberry32) so every run builds the same "random" trees. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomEntries(n: number, seed: number): RewardEntry[] {
  const next = rng(seed);
  const entries: RewardEntry[] = [];
  for (let i = 0; i < n; i++) {
    let hex = "0x";
    for (let j = 0; j < 40; j++) hex += Math.floor(next() * 16).toString(16);
    // Amounts span zero, small values and values near 2^256 - 1 (the encoding's edges).
    const kind = next();
    const amount =
      kind < 0.1 ? 0n : kind < 0.2 ? (1n << 256n) - 1n - BigInt(i) : BigInt(Math.floor(next() * 1e15)) * 10n ** 9n;
    entries.push({ account: i % 3 === 0 ? getAddress(hex) : hex, cumulativeAmount: amount });
  }
  return entries;
}

function library(entries: readonly RewardEntry[]) {
  return StandardMerkleTree.of(
    entries.map((e) => [e.account, e.cumulativeAmount.toString()]),
    [...LEAF_ENCODING],
  );
}

describe("src/merkle: identical to @openzeppelin/merkle-tree (differential)", function () {
  for (const [n, seed] of [
    [1, 1],
    [2, 2],
    [3, 3],
    [7, 4],
    [64, 5],
    [101, 6],
    [1000, 7],
  ] as const) {
    it(`${n} random leaves: same root, same tree indices, same proof for every leaf`, function () {
      const entries = randomEntries(n, seed);
      const ours = buildRewardTree(entries);
      const theirs = library(entries);
      expect(ours.root).to.equal(theirs.root);
      for (let i = 0; i < n; i++) {
        expect(ours.proof(i)).to.deep.equal(theirs.getProof(i));
        expect(ours.treeIndex(i)).to.equal(theirs.dump().values[i]!.treeIndex);
        expect(verifyProof(ours.root, entries[i]!, ours.proof(i))).to.equal(true);
      }
    });
  }

  it("dumps a tree StandardMerkleTree.load accepts and that proves the same values", function () {
    const entries = randomEntries(50, 11);
    const loaded = StandardMerkleTree.load(buildRewardTree(entries).dump());
    expect(loaded.root).to.equal(library(entries).root);
    expect(loaded.getProof(17)).to.deep.equal(library(entries).getProof(17));
  });

  it("rejects a wrong amount, account or proof", function () {
    const entries = randomEntries(20, 12);
    const tree = buildRewardTree(entries);
    const e = entries[5]!;
    expect(verifyProof(tree.root, { ...e, cumulativeAmount: e.cumulativeAmount + 1n }, tree.proof(5))).to.equal(false);
    expect(verifyProof(tree.root, entries[6]!, tree.proof(5))).to.equal(false);
    expect(processProof(e, tree.proof(5).slice(1))).to.not.equal(tree.root);
  });

  it("refuses a malformed proof node or root instead of reading it as zero bytes", function () {
    const entries = randomEntries(8, 13);
    const tree = buildRewardTree(entries);
    const proof = tree.proof(3);
    const bad = [proof[0]!.slice(0, -2) + "zz", ...proof.slice(1)] as typeof proof;
    expectPoaError(
      () => processProof(entries[3]!, bad),
      "MERKLE_INVALID",
      /proof\[0\] 0x[0-9a-f]{62}zz is not 32 bytes of hex/,
    );
    expectPoaError(
      () => processProof(entries[3]!, [proof[0]!.slice(0, 40) as (typeof proof)[0]]),
      "MERKLE_INVALID",
      /proof\[0\] .* is not 32 bytes of hex/,
    );
    expectPoaError(
      () => verifyProof("0x1234", entries[3]!, proof),
      "MERKLE_INVALID",
      /root 0x1234 is not 32 bytes of hex/,
    );
    // Upper-case hex is still hex.
    expect(verifyProof(tree.root.toUpperCase().replace("0X", "0x") as typeof tree.root, entries[3]!, proof)).to.equal(
      true,
    );
  });

  it("checks account checksums like the attribution input does (one validator)", function () {
    const checksummed = getAddress("0x" + "ab".repeat(20));
    const broken = checksummed.slice(0, 2) + swapCase(checksummed[2]!) + checksummed.slice(3);
    expectPoaError(
      () => buildRewardTree([{ account: broken, cumulativeAmount: 1n }]),
      "MERKLE_INVALID",
      /entry 0: account .* has a bad EIP-55 checksum/,
    );
    expect(buildRewardTree([{ account: checksummed, cumulativeAmount: 1n }]).entries).to.have.length(1);
    expect(checkAddress(checksummed.toLowerCase())).to.deep.equal({ ok: true, address: checksummed });
    expect(checkAddress(broken)).to.deep.equal({ ok: false, problem: "checksum" });
    expect(checkAddress("0x12")).to.deep.equal({ ok: false, problem: "format" });
  });

  it("refuses bad input with a PoaError that says what to fix", function () {
    const ok = { account: "0x" + "11".repeat(20), cumulativeAmount: 1n };
    expectPoaError(() => buildRewardTree([]), "MERKLE_INVALID", /no entries/);
    expectPoaError(
      () => buildRewardTree([ok, { ...ok, account: ok.account.toUpperCase().replace("0X", "0x") }]),
      "MERKLE_INVALID",
      /appears twice \(entries 0 and 1\)/,
    );
    expectPoaError(
      () => buildRewardTree([{ account: "0x1234", cumulativeAmount: 1n }]),
      "MERKLE_INVALID",
      /entry 0: account/,
    );
    expectPoaError(() => buildRewardTree([{ ...ok, cumulativeAmount: -1n }]), "MERKLE_INVALID", /not a uint256/);
    expectPoaError(() => buildRewardTree([{ ...ok, cumulativeAmount: 1n << 256n }]), "MERKLE_INVALID", /not a uint256/);
    expectPoaError(() => buildRewardTree([ok]).proof(1), "VALUE_OUT_OF_RANGE", /no entry 1 in a tree of 1/);
    expectPoaError(() => buildRewardTree([ok]).indexOf("0x" + "22".repeat(20)), "NOT_FOUND", /is not in this tree/);
    expect(buildRewardTree([ok]).indexOf(ok.account.toUpperCase().replace("0X", "0x"))).to.equal(0);
    expect(expectPoaError(() => buildRewardTree([]), "MERKLE_INVALID").action).to.match(/at least one account/);
  });
});

describe("RewardDistributor accepts proofs made by @openzeppelin/merkle-tree (random trees, on-chain)", function () {
  it("pays every sampled account of random trees over two epochs, and refuses a replay", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers } = connection;
    const [admin] = await ethers.getSigners();
    if (admin === undefined) throw new Error("no signer");
    const bridge = "0x4200000000000000000000000000000000000010";
    await connection.provider.request({ method: "hardhat_impersonateAccount", params: [bridge] });
    await connection.provider.request({ method: "hardhat_setBalance", params: [bridge, "0xde0b6b3a7640000"] });
    const open = await deployL2OpenToken(admin, "0x000000000000000000000000000000000000dEaD");
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const epochLength = 86_400n;
    const distributor = await deployRewardDistributor(admin, {
      admin: admin.address,
      open: await open.getAddress(),
      genesis: now,
      epochLength,
      challengeWindow: 3_600n,
      settlerBond: 10n ** 16n,
      challengerBond: 10n ** 16n,
    });
    await grantDistributorRoles(distributor, admin, { settlers: [admin.address] });

    const mintTo = async (to: string, amount: bigint) =>
      (await open.connect(await ethers.getSigner(bridge)).mint(to, amount)).wait();
    await mintTo(admin.address, 10n ** 27n);
    await (await open.approve(await distributor.getAddress(), 2n ** 256n - 1n)).wait();

    const next = rng(99);
    const n = 300;
    let entries: RewardEntry[] = randomEntries(n, 21).map((e) => ({
      account: e.account,
      cumulativeAmount: BigInt(Math.floor(next() * 1e6)) * 10n ** 12n,
    }));
    for (let epoch = 0n; epoch < 2n; epoch++) {
      if (epoch === 1n) {
        entries = entries.map((e) => ({
          account: e.account,
          cumulativeAmount: e.cumulativeAmount + BigInt(Math.floor(next() * 1e6)) * 10n ** 12n,
        }));
      }
      const tree = library(entries);
      const total = entries.reduce((s, e) => s + e.cumulativeAmount, 0n);
      const escrowed = await distributor.escrowedThrough(epoch);
      await (await distributor.fund(epoch, total - escrowed)).wait();
      await connection.provider.request({
        method: "evm_setNextBlockTimestamp",
        params: [Number(now + (epoch + 1n) * epochLength)],
      });
      await (
        await distributor.propose(epoch, tree.root, total, ethers.ZeroHash, "ipfs://r", { value: 10n ** 16n })
      ).wait();
      await connection.provider.request({ method: "evm_increaseTime", params: [3_600] });
      await (await distributor.finalize()).wait();
      expect(await distributor.root()).to.equal(buildRewardTree(entries).root);

      for (let k = 0; k < 12; k++) {
        const i = Math.floor(next() * n);
        const e = entries[i]!;
        const before = await distributor.claimed(e.account);
        const proof = tree.getProof(i);
        if (e.cumulativeAmount > before) {
          await (await distributor.claim(e.account, e.cumulativeAmount, proof)).wait();
          expect(await open.balanceOf(e.account)).to.equal(e.cumulativeAmount);
        }
        await expect(distributor.claim(e.account, e.cumulativeAmount, proof))
          .to.be.revertedWithCustomError(distributor, "NothingToClaim")
          .withArgs(getAddress(e.account), e.cumulativeAmount, e.cumulativeAmount);
        await expect(distributor.claim(e.account, e.cumulativeAmount + 1n, proof))
          .to.be.revertedWithCustomError(distributor, "InvalidClaimProof")
          .withArgs(getAddress(e.account), e.cumulativeAmount + 1n, tree.root);
      }
    }
    expect(await distributor.totalClaimed()).to.be.lessThanOrEqual(await distributor.finalizedTotal());
    await connection.close();
  });
});
