/**
 * `node --import tsx bench/run.ts distributor`: gas of the RewardDistributor side by side, in one
 * run, with reference re-writings of Morpho's Universal Rewards Distributor and 1inch's
 * cumulative merkle drop (bench/contracts), at 1,000, 100,000 and 1,000,000 leaves; and the L1
 * data fee of a propose on an OP Stack chain.
 *
 * Method: real transactions on Hardhat's in-process OP Stack network, `receipt.gasUsed` (the
 * whole transaction, 21,000 base and calldata included). Every design pays the same token (the
 * project's bridged OPEN), and every measured recipient is fresh (never held OPEN, never
 * claimed) and distinct per design, so no design inherits warm balances from another. The
 * measured accounts are taken at the tree's full depth in every design, so proofs are equally
 * long. "First claim" is an account's first ever claim; "later claim" is its claim after the
 * next epoch's root raised its cumulative amount (it holds the OPEN of its first claim).
 */
import { network } from "hardhat";
import { keccak256 } from "viem";

import { deployRewardDistributor, grantDistributorRoles } from "../deploy/distributor.js";
import { deployL2OpenToken } from "../deploy/tokens.js";
import { buildHashTree, rewardLeafHashes, type HashTree, type Hex, type RewardEntry } from "../src/merkle/index.js";
import {
  MorphoUniversalRewardsDistributor__factory,
  OneInchCumulativeMerkleDrop__factory,
} from "../types/ethers-contracts/index.js";
import type { BenchSection } from "./run.js";

const BRIDGE = "0x4200000000000000000000000000000000000010";
const L1_BLOCK = "0x4200000000000000000000000000000000000015";
const EPOCH = 86_400n;
const WINDOW = 3_600n;
const BOND = 10n ** 16n;
/** A realistic report URI (an IPFS CIDv1), the same at every size. */
const REPORT_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
/** OP Mainnet's Ecotone fee scalars and L1 prices used for the L1 data fee (stated, not live). */
const L1 = { baseFeeScalar: 5227n, blobBaseFeeScalar: 1_014_213n, l1BaseFee: 10n * 10n ** 9n, blobBaseFee: 10n ** 9n };

export interface SizeResult {
  leaves: number;
  depth: number;
  ours: {
    propose: bigint;
    finalize: bigint;
    proposeLater: bigint;
    finalizeLater: bigint;
    first: bigint;
    later: bigint;
    batchFirstPerAccount: bigint;
    batchLaterPerAccount: bigint;
    batchSize: number;
    proposeL1Fee: bigint;
    proposeBytes: number;
    claimL1Fee: bigint;
  };
  oneInch: { rootFirst: bigint; rootLater: bigint; first: bigint; later: bigint };
  morpho: { submit: bigint; accept: bigint; submitLater: bigint; acceptLater: bigint; first: bigint; later: bigint };
  seconds: number;
}

function address(i: number): string {
  const seed = new Uint8Array(8);
  new DataView(seed.buffer).setFloat64(0, i);
  return `0x${Buffer.from(keccak256(seed, "bytes").subarray(12)).toString("hex")}`;
}

/** 1inch leaf: keccak256(abi.encodePacked(account, cumulativeAmount)). */
function oneInchLeaves(entries: readonly RewardEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * 32);
  const packed = new Uint8Array(52);
  entries.forEach((e, i) => {
    packed.set(Buffer.from(e.account.slice(2), "hex"), 0);
    packed.set(Buffer.from(e.cumulativeAmount.toString(16).padStart(64, "0"), "hex"), 20);
    out.set(keccak256(packed, "bytes"), i * 32);
  });
  return out;
}

/** Morpho leaf: keccak256(bytes.concat(keccak256(abi.encode(account, reward, claimable)))). */
function morphoLeaves(entries: readonly RewardEntry[], reward: string): Uint8Array {
  const out = new Uint8Array(entries.length * 32);
  const encoded = new Uint8Array(96);
  encoded.set(Buffer.from(reward.slice(2), "hex"), 44);
  entries.forEach((e, i) => {
    encoded.fill(0, 0, 32);
    encoded.set(Buffer.from(e.account.slice(2), "hex"), 12);
    encoded.set(Buffer.from(e.cumulativeAmount.toString(16).padStart(64, "0"), "hex"), 64);
    out.set(keccak256(keccak256(encoded, "bytes"), "bytes"), i * 32);
  });
  return out;
}

/** Recomputes only the leaves of `changed` (the others kept their amounts this epoch). */
function updateLeaves(
  leaves: Uint8Array,
  entries: readonly RewardEntry[],
  changed: readonly number[],
  hash: (e: readonly RewardEntry[]) => Uint8Array,
): Uint8Array {
  const next = leaves.slice();
  for (const i of changed) next.set(hash([entries[i]!]), i * 32);
  return next;
}

/** `count` indices from `pool` whose proof has the tree's full depth. */
function pickFullDepth(tree: HashTree, pool: Iterator<number>, count: number, depth: number): number[] {
  const picked: number[] = [];
  while (picked.length < count) {
    const next = pool.next();
    if (next.done === true) throw new Error("pool exhausted");
    if (tree.proof(next.value).length === depth) picked.push(next.value);
  }
  return picked;
}

export async function measureSize(n: number, opts: { singles?: number; batch?: number } = {}): Promise<SizeResult> {
  const started = Date.now();
  const singles = opts.singles ?? 6;
  const batchSize = Math.min(opts.batch ?? 40, Math.floor(n / 8));
  const log = (msg: string) => console.error(`[distributor ${n}] ${msg}`);

  const connection = await network.create({ network: "hardhatOp", chainType: "op" });
  const { ethers, provider } = connection;
  try {
    const [admin] = await ethers.getSigners();
    if (admin === undefined) throw new Error("no signer");
    const setStorage = (slot: bigint, value: bigint) =>
      provider.request({
        method: "hardhat_setStorageAt",
        params: [L1_BLOCK, ethers.toBeHex(slot, 32), ethers.toBeHex(value, 32)],
      });
    await setStorage(1n, L1.l1BaseFee);
    await setStorage(3n, (L1.baseFeeScalar << 96n) | (L1.blobBaseFeeScalar << 64n));
    await setStorage(7n, L1.blobBaseFee);
    await provider.request({ method: "hardhat_impersonateAccount", params: [BRIDGE] });
    await provider.request({ method: "hardhat_setBalance", params: [BRIDGE, "0xde0b6b3a7640000"] });
    const bridge = await ethers.getSigner(BRIDGE);

    const open = await deployL2OpenToken(admin, "0x000000000000000000000000000000000000dEaD");
    const openAddress = await open.getAddress();
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const ours = await deployRewardDistributor(admin, {
      admin: admin.address,
      open: openAddress,
      genesis: now - 10n * EPOCH,
      epochLength: EPOCH,
      challengeWindow: WINDOW,
      settlerBond: BOND,
      challengerBond: BOND,
    });
    await grantDistributorRoles(ours, admin, { settlers: [admin.address] });
    const oneInch = await new OneInchCumulativeMerkleDrop__factory(admin).deploy(openAddress, admin.address);
    const morpho = await new MorphoUniversalRewardsDistributor__factory(admin).deploy(
      admin.address,
      WINDOW,
      ethers.ZeroHash,
      ethers.ZeroHash,
    );
    const gas = async (tx: Promise<{ hash: string; wait: () => Promise<unknown> }>) => {
      const sent = await tx;
      const raw = (await provider.request({ method: "eth_getTransactionReceipt", params: [sent.hash] })) as {
        gasUsed: string;
        status: string;
        l1Fee?: string;
      };
      if (raw.status !== "0x1") throw new Error(`transaction ${sent.hash} failed`);
      return { gasUsed: BigInt(raw.gasUsed), l1Fee: BigInt(raw.l1Fee ?? "0x0") };
    };
    const mean = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length);

    // Epoch 1 balances; epoch 2 raises the measured accounts' cumulative amounts.
    let entries: RewardEntry[] = Array.from({ length: n }, (_, i) => ({
      account: address(i),
      cumulativeAmount: 10n ** 18n + BigInt(i) * 1_000_000_007n,
    }));
    log("hashing leaves");
    const reward = openAddress.toLowerCase();
    let leaves = {
      ours: rewardLeafHashes(entries),
      oneInch: oneInchLeaves(entries),
      morpho: morphoLeaves(entries, reward),
    };
    log("building trees");
    let trees = {
      ours: buildHashTree(leaves.ours),
      oneInch: buildHashTree(leaves.oneInch),
      morpho: buildHashTree(leaves.morpho),
    };
    const depth = Math.ceil(Math.log2(n));
    // Disjoint pools of accounts per design: every measured recipient is fresh.
    const pool = (start: number, step: number) =>
      (function* () {
        for (let i = start; i < n; i += step) yield i;
      })();
    const sample = {
      ours: pickFullDepth(trees.ours, pool(0, 4), singles, depth),
      oneInch: pickFullDepth(trees.oneInch, pool(1, 4), singles, depth),
      morpho: pickFullDepth(trees.morpho, pool(2, 4), singles, depth),
      batch: pickFullDepth(trees.ours, pool(3, 4), batchSize, depth),
    };

    let total = entries.reduce((s, e) => s + e.cumulativeAmount, 0n);
    await (await open.connect(bridge).mint(admin.address, 6n * total)).wait();
    await (await open.approve(await ours.getAddress(), 2n ** 256n - 1n)).wait();
    await (await open.transfer(await oneInch.getAddress(), 2n * total)).wait();
    await (await open.transfer(await morpho.getAddress(), 2n * total)).wait();

    const settleOurs = async (epoch: bigint, root: Hex, tot: bigint) => {
      await (await ours.fund(epoch, tot - (await ours.escrowedThrough(epoch)))).wait();
      const proposed = await gas(ours.propose(epoch, root, tot, ethers.keccak256(root), REPORT_URI, { value: BOND }));
      await provider.request({ method: "evm_increaseTime", params: [Number(WINDOW)] });
      const finalized = await gas(ours.finalize());
      return { proposed, finalized };
    };
    const settleMorpho = async (root: Hex) => {
      const submit = await gas(morpho.submitRoot(root, ethers.keccak256(root)));
      await provider.request({ method: "evm_increaseTime", params: [Number(WINDOW)] });
      const accept = await gas(morpho.acceptRoot());
      return { submit: submit.gasUsed, accept: accept.gasUsed };
    };
    const claimOurs = (i: number) => ours.claim(entries[i]!.account, entries[i]!.cumulativeAmount, trees.ours.proof(i));
    const claimOneInch = (i: number) =>
      oneInch.claim(entries[i]!.account, entries[i]!.cumulativeAmount, trees.oneInch.root, trees.oneInch.proof(i));
    const claimMorpho = (i: number) =>
      morpho.claim(entries[i]!.account, openAddress, entries[i]!.cumulativeAmount, trees.morpho.proof(i));
    const batch = () =>
      ours.claimBatch(
        trees.ours.root,
        sample.batch.map((i) => ({
          account: entries[i]!.account,
          cumulativeAmount: entries[i]!.cumulativeAmount,
          proof: trees.ours.proof(i),
        })),
      );

    log("epoch 1: roots and first claims");
    const s1 = await settleOurs(1n, trees.ours.root, total);
    const oneInchRoot1 = (await gas(oneInch.setMerkleRoot(trees.oneInch.root))).gasUsed;
    const morpho1 = await settleMorpho(trees.morpho.root);
    const firstOurs: bigint[] = [];
    let claimL1Fee = 0n;
    for (const i of sample.ours) {
      const r = await gas(claimOurs(i));
      firstOurs.push(r.gasUsed);
      claimL1Fee = r.l1Fee;
    }
    const firstOneInch: bigint[] = [];
    for (const i of sample.oneInch) firstOneInch.push((await gas(claimOneInch(i))).gasUsed);
    const firstMorpho: bigint[] = [];
    for (const i of sample.morpho) firstMorpho.push((await gas(claimMorpho(i))).gasUsed);
    const batchFirst = (await gas(batch())).gasUsed;

    log("epoch 2: new roots and later claims");
    const changed = [...sample.ours, ...sample.oneInch, ...sample.morpho, ...sample.batch];
    entries = entries.slice();
    for (const i of changed) {
      entries[i] = { account: entries[i]!.account, cumulativeAmount: entries[i]!.cumulativeAmount + 123_456_789_000n };
    }
    total = entries.reduce((s, e) => s + e.cumulativeAmount, 0n);
    leaves = {
      ours: updateLeaves(leaves.ours, entries, changed, (e) => rewardLeafHashes(e)),
      oneInch: updateLeaves(leaves.oneInch, entries, changed, oneInchLeaves),
      morpho: updateLeaves(leaves.morpho, entries, changed, (e) => morphoLeaves(e, reward)),
    };
    trees = {
      ours: buildHashTree(leaves.ours),
      oneInch: buildHashTree(leaves.oneInch),
      morpho: buildHashTree(leaves.morpho),
    };
    for (const [name, t, picked] of [
      ["ours", trees.ours, [...sample.ours, ...sample.batch]],
      ["1inch", trees.oneInch, sample.oneInch],
      ["morpho", trees.morpho, sample.morpho],
    ] as const) {
      for (const i of picked) {
        if (t.proof(i).length !== depth) log(`note: ${name} account ${i} moved to depth ${t.proof(i).length}`);
      }
    }
    const s2 = await settleOurs(2n, trees.ours.root, total);
    const oneInchRoot2 = (await gas(oneInch.setMerkleRoot(trees.oneInch.root))).gasUsed;
    const morpho2 = await settleMorpho(trees.morpho.root);
    const laterOurs: bigint[] = [];
    for (const i of sample.ours) laterOurs.push((await gas(claimOurs(i))).gasUsed);
    const laterOneInch: bigint[] = [];
    for (const i of sample.oneInch) laterOneInch.push((await gas(claimOneInch(i))).gasUsed);
    const laterMorpho: bigint[] = [];
    for (const i of sample.morpho) laterMorpho.push((await gas(claimMorpho(i))).gasUsed);
    const batchLater = (await gas(batch())).gasUsed;

    const proposeTx = ours.interface.encodeFunctionData("propose", [
      2n,
      trees.ours.root,
      total,
      ethers.keccak256(trees.ours.root),
      REPORT_URI,
    ]);
    return {
      leaves: n,
      depth,
      ours: {
        propose: s1.proposed.gasUsed,
        finalize: s1.finalized.gasUsed,
        proposeLater: s2.proposed.gasUsed,
        finalizeLater: s2.finalized.gasUsed,
        first: mean(firstOurs),
        later: mean(laterOurs),
        batchFirstPerAccount: batchFirst / BigInt(sample.batch.length),
        batchLaterPerAccount: batchLater / BigInt(sample.batch.length),
        batchSize: sample.batch.length,
        proposeL1Fee: s2.proposed.l1Fee,
        proposeBytes: (proposeTx.length - 2) / 2,
        claimL1Fee,
      },
      oneInch: {
        rootFirst: oneInchRoot1,
        rootLater: oneInchRoot2,
        first: mean(firstOneInch),
        later: mean(laterOneInch),
      },
      morpho: {
        submit: morpho1.submit,
        accept: morpho1.accept,
        submitLater: morpho2.submit,
        acceptLater: morpho2.accept,
        first: mean(firstMorpho),
        later: mean(laterMorpho),
      },
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await connection.close();
  }
}

const k = (x: bigint) => `${(Number(x) / 1000).toFixed(1)}k`;
const ratio = (a: bigint, b: bigint) => (Number(a) / Number(b)).toFixed(3);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

export function render(results: readonly SizeResult[]): string {
  const rows: string[] = [];
  rows.push(
    "| leaves | depth | design | root update (first / later) | first claim | later claim | ratio first | ratio later |",
  );
  rows.push("|---:|---:|---|---|---:|---:|---:|---:|");
  for (const r of results) {
    const bestFirst = min(r.oneInch.first, r.morpho.first);
    const bestLater = min(r.oneInch.later, r.morpho.later);
    rows.push(
      `| ${r.leaves.toLocaleString("en-US")} | ${r.depth} | **RewardDistributor** | propose ${k(r.ours.propose)} + finalize ${k(r.ours.finalize)} / ${k(r.ours.proposeLater)} + ${k(r.ours.finalizeLater)} | **${k(r.ours.first)}** | **${k(r.ours.later)}** | **${ratio(r.ours.first, bestFirst)}** | **${ratio(r.ours.later, bestLater)}** |`,
    );
    rows.push(
      `| | | 1inch cumulative (ref.) | ${k(r.oneInch.rootFirst)} / ${k(r.oneInch.rootLater)} | ${k(r.oneInch.first)} | ${k(r.oneInch.later)} | ${ratio(r.oneInch.first, bestFirst)} | ${ratio(r.oneInch.later, bestLater)} |`,
    );
    rows.push(
      `| | | Morpho URD (ref.) | submit ${k(r.morpho.submit)} + accept ${k(r.morpho.accept)} / ${k(r.morpho.submitLater)} + ${k(r.morpho.acceptLater)} | ${k(r.morpho.first)} | ${k(r.morpho.later)} | ${ratio(r.morpho.first, bestFirst)} | ${ratio(r.morpho.later, bestLater)} |`,
    );
  }
  const batch: string[] = [];
  batch.push(
    "| leaves | accounts per batch | first claims: per account (ratio to a single first claim) | later claims: per account (ratio to a single later claim) |",
  );
  batch.push("|---:|---:|---:|---:|");
  for (const r of results) {
    batch.push(
      `| ${r.leaves.toLocaleString("en-US")} | ${r.ours.batchSize} | ${k(r.ours.batchFirstPerAccount)} (${ratio(r.ours.batchFirstPerAccount, r.ours.first)}) | ${k(r.ours.batchLaterPerAccount)} (${ratio(r.ours.batchLaterPerAccount, r.ours.later)}) |`,
    );
  }
  const l1: string[] = [];
  l1.push(
    "| leaves | propose calldata (bytes) | propose L1 data fee (wei) | claim L1 data fee (wei, grows with the proof) |",
  );
  l1.push("|---:|---:|---:|---:|");
  for (const r of results) {
    l1.push(
      `| ${r.leaves.toLocaleString("en-US")} | ${r.ours.proposeBytes} | ${r.ours.proposeL1Fee} | ${r.ours.claimL1Fee} |`,
    );
  }
  return `Gas is \`receipt.gasUsed\` of real transactions (21,000 base and calldata included) on Hardhat's
in-process OP Stack network, all designs in the same run paying the same token (bridged OPEN,
ERC20Votes), fresh recipients per design, measured accounts at full tree depth, means over 6
accounts. Ratios are to the best reference of the same row kind (the lower of 1inch and Morpho).
References: \`bench/contracts/\` (1inch \`CumulativeMerkleDrop\`, Morpho \`UniversalRewardsDistributor\`,
their storage and hashing kept; not shipped).

${rows.join("\n")}

Batched claims (\`claimBatch\`, one transaction):

${batch.join("\n")}

L1 data fee of \`propose\` (OP Stack Fjord formula computed by the simulator from L1Block storage:
baseFeeScalar ${L1.baseFeeScalar}, blobBaseFeeScalar ${L1.blobBaseFeeScalar}, L1 base fee ${L1.l1BaseFee} wei,
blob base fee ${L1.blobBaseFee} wei). A propose carries a constant-size record (epoch, root, total,
report hash, report URI), so its fee does not depend on the number of accounts:

${l1.join("\n")}

Time: ${results.map((r) => `${r.leaves.toLocaleString("en-US")} leaves ${r.seconds.toFixed(0)} s`).join(", ")}.`;
}

export default async function bench(): Promise<BenchSection> {
  const sizes = (process.env.DISTRIBUTOR_BENCH_SIZES ?? "1000,100000,1000000").split(",").map(Number);
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await measureSize(n));
  return { title: "RewardDistributor: claim and settlement gas vs Morpho URD and 1inch", markdown: render(results) };
}
