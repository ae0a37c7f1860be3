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
import { OP_MAINNET_L1_FEES, bridgeSigner, setL1Fees } from "../test/support/op-network.js";

const EPOCH = 86_400n;
const WINDOW = 3_600n;
const BOND = 10n ** 16n;
/** A realistic report URI (an IPFS CIDv1), the same at every size. */
const REPORT_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
/** OP Mainnet's Ecotone fee scalars and L1 prices used for the L1 data fee (stated, not live). */
const L1 = OP_MAINNET_L1_FEES;

/** First and later claim gas of one claim function (means over its measured accounts). */
export interface ClaimGas {
  first: bigint;
  later: bigint;
  /** Accounts whose later claim counted (still at full depth after the re-sort). */
  laterCounted: number;
}

export interface BatchGas {
  size: number;
  depthFirst: number;
  depthLater: number;
  firstPerAccount: bigint;
  laterPerAccount: bigint;
}

export interface SizeResult {
  leaves: number;
  depth: number;
  ours: {
    propose: bigint;
    finalize: bigint;
    proposeLater: bigint;
    finalizeLater: bigint;
    claim: ClaimGas;
    claimWithRoot: ClaimGas;
    batches: BatchGas[];
    proposeL1Fee: bigint;
    proposeBytes: number;
    claimL1Fee: bigint;
  };
  oneInch: { rootFirst: bigint; rootLater: bigint; claim: ClaimGas };
  morpho: { submit: bigint; accept: bigint; submitLater: bigint; acceptLater: bigint; claim: ClaimGas };
  /** Lower bounds for any design that pays each claim with an OPEN transfer (see `render`). */
  floor: { first: bigint; later: bigint; transferToHolder: bigint; transferToFresh: bigint };
  seconds: number;
}

/** Intrinsic calldata gas (EIP-2028): 4 per zero byte, 16 per non-zero byte. */
function calldataGas(data: string): bigint {
  let gas = 0n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4n : 16n;
  return gas;
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

function meanDepth(t: HashTree, picked: readonly number[]): number {
  return picked.reduce((acc, i) => acc + t.proof(i).length, 0) / picked.length;
}

export async function measureSize(
  n: number,
  opts: { singles?: number; batches?: readonly number[] } = {},
): Promise<SizeResult> {
  const started = Date.now();
  const singles = opts.singles ?? 10;
  const batchSizes = (opts.batches ?? [40, 100]).map((b) => Math.min(b, Math.floor(n / 16)));
  const log = (msg: string) => console.error(`[distributor ${n}] ${msg}`);

  const connection = await network.create({ network: "hardhatOp", chainType: "op" });
  const { ethers, provider } = connection;
  try {
    const [admin] = await ethers.getSigners();
    if (admin === undefined) throw new Error("no signer");
    await setL1Fees(connection);
    const bridge = await bridgeSigner(connection);

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
    const gas = async (tx: Promise<{ hash: string }>) => {
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
    // Disjoint pools of accounts per measurement: every measured recipient is fresh.
    const pools = 4 + batchSizes.length;
    const pool = (start: number) =>
      (function* () {
        for (let i = start; i < n; i += pools) yield i;
      })();
    const sample = {
      claim: pickFullDepth(trees.ours, pool(0), singles, depth),
      claimWithRoot: pickFullDepth(trees.ours, pool(1), singles, depth),
      oneInch: pickFullDepth(trees.oneInch, pool(2), singles, depth),
      morpho: pickFullDepth(trees.morpho, pool(3), singles, depth),
      batches: batchSizes.map((size, b) => pickFullDepth(trees.ours, pool(4 + b), size, depth)),
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
    const e = (i: number) => entries[i]!;
    const claims = {
      claim: (i: number) => ours.claim(e(i).account, e(i).cumulativeAmount, trees.ours.proof(i)),
      claimWithRoot: (i: number) =>
        ours.claimWithRoot(trees.ours.root, e(i).account, e(i).cumulativeAmount, trees.ours.proof(i)),
      oneInch: (i: number) =>
        oneInch.claim(e(i).account, e(i).cumulativeAmount, trees.oneInch.root, trees.oneInch.proof(i)),
      morpho: (i: number) => morpho.claim(e(i).account, openAddress, e(i).cumulativeAmount, trees.morpho.proof(i)),
    };
    const batch = (picked: readonly number[]) =>
      ours.claimBatch(
        trees.ours.root,
        picked.map((i) => ({
          account: e(i).account,
          cumulativeAmount: e(i).cumulativeAmount,
          proof: trees.ours.proof(i),
        })),
      );
    type Kind = keyof typeof claims;
    const kinds: Kind[] = ["claim", "claimWithRoot", "oneInch", "morpho"];
    const treeOf = (kind: Kind) => (kind === "oneInch" ? trees.oneInch : kind === "morpho" ? trees.morpho : trees.ours);

    log("epoch 1: roots and first claims");
    const s1 = await settleOurs(1n, trees.ours.root, total);
    const oneInchRoot1 = (await gas(oneInch.setMerkleRoot(trees.oneInch.root))).gasUsed;
    const morpho1 = await settleMorpho(trees.morpho.root);
    const first = {} as Record<Kind, bigint>;
    let claimL1Fee = 0n;
    for (const kind of kinds) {
      const used: bigint[] = [];
      for (const i of sample[kind]) {
        const r = await gas(claims[kind](i));
        used.push(r.gasUsed);
        if (kind === "claim") claimL1Fee = r.l1Fee;
      }
      first[kind] = mean(used);
    }
    const batchFirst: { used: bigint; depth: number }[] = [];
    for (const picked of sample.batches) {
      batchFirst.push({ used: (await gas(batch(picked))).gasUsed, depth: meanDepth(trees.ours, picked) });
    }

    log("epoch 2: new roots and later claims");
    const changed = [...kinds.flatMap((kind) => sample[kind]), ...sample.batches.flat()];
    entries = entries.slice();
    for (const i of changed) {
      entries[i] = { account: e(i).account, cumulativeAmount: e(i).cumulativeAmount + 123_456_789_000n };
    }
    total = entries.reduce((s, x) => s + x.cumulativeAmount, 0n);
    leaves = {
      ours: updateLeaves(leaves.ours, entries, changed, (x) => rewardLeafHashes(x)),
      oneInch: updateLeaves(leaves.oneInch, entries, changed, oneInchLeaves),
      morpho: updateLeaves(leaves.morpho, entries, changed, (x) => morphoLeaves(x, reward)),
    };
    trees = {
      ours: buildHashTree(leaves.ours),
      oneInch: buildHashTree(leaves.oneInch),
      morpho: buildHashTree(leaves.morpho),
    };
    const s2 = await settleOurs(2n, trees.ours.root, total);
    const oneInchRoot2 = (await gas(oneInch.setMerkleRoot(trees.oneInch.root))).gasUsed;
    const morpho2 = await settleMorpho(trees.morpho.root);
    // Re-sorting the leaves moves some measured accounts one level up: later claims are
    // averaged over the accounts still at full depth, in every design alike.
    const later = {} as Record<Kind, bigint>;
    const laterCounted = {} as Record<Kind, number>;
    for (const kind of kinds) {
      const used: bigint[] = [];
      for (const i of sample[kind]) {
        const r = await gas(claims[kind](i));
        if (treeOf(kind).proof(i).length === depth) used.push(r.gasUsed);
      }
      later[kind] = mean(used);
      laterCounted[kind] = used.length;
    }
    const batches: BatchGas[] = [];
    for (const [b, picked] of sample.batches.entries()) {
      const used = (await gas(batch(picked))).gasUsed;
      batches.push({
        size: picked.length,
        depthFirst: batchFirst[b]!.depth,
        depthLater: meanDepth(trees.ours, picked),
        firstPerAccount: batchFirst[b]!.used / BigInt(picked.length),
        laterPerAccount: used / BigInt(picked.length),
      });
    }

    // Floors: what any design pays that sends each claim as an OPEN transfer and keeps one
    // claimed slot per account (see `render`).
    const holder = address(n + 1);
    const fresh = address(n + 2);
    await (await open.transfer(holder, 1n)).wait();
    const transferToHolder = (await gas(open.transfer(holder, 10n ** 18n))).gasUsed;
    const transferToFresh = (await gas(open.transfer(fresh, 10n ** 18n))).gasUsed;
    const transferData = open.interface.encodeFunctionData("transfer", [holder, 10n ** 18n]);
    const probe = sample.claim[0]!;
    const claimData = ours.interface.encodeFunctionData("claim", [
      e(probe).account,
      e(probe).cumulativeAmount,
      trees.ours.proof(probe),
    ]);
    const transferExec = (used: bigint) => used - 21_000n - calldataGas(transferData) + 2_600n;
    const floorLater = 21_000n + calldataGas(claimData) + transferExec(transferToHolder) + 2_100n + 5_000n;
    const floorFirst = 21_000n + calldataGas(claimData) + transferExec(transferToFresh) + 2_100n + 22_100n;

    const proposeTx = ours.interface.encodeFunctionData("propose", [
      2n,
      trees.ours.root,
      total,
      ethers.keccak256(trees.ours.root),
      REPORT_URI,
    ]);
    const gasOf = (kind: Kind): ClaimGas => ({
      first: first[kind],
      later: later[kind],
      laterCounted: laterCounted[kind],
    });
    return {
      leaves: n,
      depth,
      ours: {
        propose: s1.proposed.gasUsed,
        finalize: s1.finalized.gasUsed,
        proposeLater: s2.proposed.gasUsed,
        finalizeLater: s2.finalized.gasUsed,
        claim: gasOf("claim"),
        claimWithRoot: gasOf("claimWithRoot"),
        batches,
        proposeL1Fee: s2.proposed.l1Fee,
        proposeBytes: (proposeTx.length - 2) / 2,
        claimL1Fee,
      },
      oneInch: { rootFirst: oneInchRoot1, rootLater: oneInchRoot2, claim: gasOf("oneInch") },
      morpho: {
        submit: morpho1.submit,
        accept: morpho1.accept,
        submitLater: morpho2.submit,
        acceptLater: morpho2.accept,
        claim: gasOf("morpho"),
      },
      floor: { first: floorFirst, later: floorLater, transferToHolder, transferToFresh },
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await connection.close();
  }
}

const k = (x: bigint) => `${(Number(x) / 1000).toFixed(1)}k`;
const ratio = (a: bigint, b: bigint) => (Number(a) / Number(b)).toFixed(3);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The best reference (lower of 1inch and Morpho) for first or later claims. */
export function bestReference(r: SizeResult, which: "first" | "later"): bigint {
  return min(r.oneInch.claim[which], r.morpho.claim[which]);
}

export function render(results: readonly SizeResult[]): string {
  const rows: string[] = [];
  rows.push(
    "| leaves | depth | design | root update (first / later) | first claim | later claim | ratio first | ratio later |",
  );
  rows.push("|---:|---:|---|---|---:|---:|---:|---:|");
  for (const r of results) {
    const bf = bestReference(r, "first");
    const bl = bestReference(r, "later");
    const row = (design: string, update: string, first: bigint, later: bigint, bold = false) => {
      const b = (x: string) => (bold ? `**${x}**` : x);
      return `| | | ${design} | ${update} | ${b(k(first))} | ${b(k(later))} | ${b(ratio(first, bf))} | ${b(ratio(later, bl))} |`;
    };
    rows.push(
      `| ${r.leaves.toLocaleString("en-US")} | ${r.depth} | **RewardDistributor \`claimWithRoot\`** | propose ${k(r.ours.propose)} + finalize ${k(r.ours.finalize)} / ${k(r.ours.proposeLater)} + ${k(r.ours.finalizeLater)} | **${k(r.ours.claimWithRoot.first)}** | **${k(r.ours.claimWithRoot.later)}** | **${ratio(r.ours.claimWithRoot.first, bf)}** | **${ratio(r.ours.claimWithRoot.later, bl)}** |`,
    );
    rows.push(row("RewardDistributor `claim`", "(same)", r.ours.claim.first, r.ours.claim.later));
    rows.push(
      row(
        "1inch cumulative (ref.)",
        `${k(r.oneInch.rootFirst)} / ${k(r.oneInch.rootLater)}`,
        r.oneInch.claim.first,
        r.oneInch.claim.later,
      ),
    );
    rows.push(
      row(
        "Morpho URD (ref.)",
        `submit ${k(r.morpho.submit)} + accept ${k(r.morpho.accept)} / ${k(r.morpho.submitLater)} + ${k(r.morpho.acceptLater)}`,
        r.morpho.claim.first,
        r.morpho.claim.later,
      ),
    );
    rows.push(row("floor of any per-claim-transfer design", "-", r.floor.first, r.floor.later));
  }
  const batch: string[] = [];
  batch.push(
    "| leaves | accounts per batch | mean proof length (first / later) | first claims: per account (ratio to a single `claim`) | later claims: per account (ratio to a single `claim`) |",
  );
  batch.push("|---:|---:|---:|---:|---:|");
  for (const r of results) {
    for (const b of r.ours.batches) {
      batch.push(
        `| ${r.leaves.toLocaleString("en-US")} | ${b.size} | ${b.depthFirst.toFixed(2)} / ${b.depthLater.toFixed(2)} | ${k(b.firstPerAccount)} (${ratio(b.firstPerAccount, r.ours.claim.first)}) | ${k(b.laterPerAccount)} (${ratio(b.laterPerAccount, r.ours.claim.later)}) |`,
      );
    }
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
ERC20Votes), fresh recipients per measurement, measured accounts at full tree depth (the depth
column), means over 10 accounts each (later claims: those still at full depth after the next
root re-sorted the leaves). Ratios are to the best reference in the same column (the lower of
1inch and Morpho). 1inch's claim always carries the expected root, as our \`claimWithRoot\` does.

The floor row is a lower bound for any design that pays each claim with an OPEN transfer and
keeps a claimed amount per account: 21,000 + our \`claim\` calldata + the token's transfer
execution (measured in the same run from an EOA transfer minus its base and calldata:
${results.map((r) => `${k(r.floor.transferToHolder)} / ${k(r.floor.transferToFresh)}`).join(", ")} to a holder / a fresh account) + 2,600 for the cold token
call + 2,100 to read the root + the claimed slot (5,000 rewritten, 22,100 first written); no
hashing, no events, no cap. References: \`bench/contracts/\` (1inch \`CumulativeMerkleDrop\`,
Morpho \`UniversalRewardsDistributor\`, their storage and hashing kept; not shipped).

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
