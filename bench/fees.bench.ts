/**
 * `node --import tsx bench/run.ts fees`: gas per inference request paid one by one (`pay`)
 * against batched (`payBatch`, 10 / 50 / 100 requests), side by side in one run, plus the gas of
 * registering a model and an adapter.
 *
 * Method: real transactions on Hardhat's in-process OP Stack network with every real contract
 * (bridged OPEN, DatanetRegistry with a version published through stake, vote and publish,
 * ModelRegistry, RewardDistributor, FeeRouter); `receipt.gasUsed` of the whole transaction
 * (21,000 base and calldata included). One gateway pays one model; every request hash is fresh.
 * Steady state: the (epoch, model) escrow slot, the owner's credit and the distributor's epoch
 * escrow already exist (a gateway's usual case); the router's very first payment and the first
 * payment of the model in a new epoch (fresh escrow slots) are reported separately. The L1 data fee is the receipt's `l1Fee` with OP Mainnet's Ecotone
 * scalars and stated L1 prices (not live), as in the distributor's benchmark.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { network } from "hardhat";

import { deployDatanetRegistry } from "../deploy/datanets.js";
import { deployRewardDistributor } from "../deploy/distributor.js";
import { artifactCommitment, deployModelsAndFees } from "../deploy/models.js";
import { deployL2OpenToken } from "../deploy/tokens.js";
import { commitAndSubmit } from "../src/datanet/index.js";
import { OP_MAINNET_L1_FEES, bridgeSigner, setL1Fees } from "../test/support/op-network.js";
import type { BenchSection } from "./run.js";

const OPEN = 10n ** 18n;
const DAY = 86_400n;
const L1 = OP_MAINNET_L1_FEES;
const SINGLES = 30;
const BATCH_SIZES = [10, 50, 100] as const;

interface Measured {
  gasUsed: bigint;
  l1Fee: bigint;
  bytes: number;
}

export interface FeesBenchResult {
  commitBase: bigint;
  registerBase: bigint;
  commitAdapter: bigint;
  registerAdapter: bigint;
  firstPayEver: Measured;
  firstPayOfEpoch: Measured;
  single: Measured;
  batches: { size: number; tx: Measured }[];
}

export async function measure(): Promise<FeesBenchResult> {
  const connection = await network.create({ network: "hardhatOp", chainType: "op" });
  const { ethers, provider } = connection;
  try {
    const [admin, curator, contributor, builder, gateway] = await ethers.getSigners();
    if (gateway === undefined || admin === undefined || curator === undefined || contributor === undefined)
      throw new Error("need 5 signers");
    await setL1Fees(connection);
    const bridge = await bridgeSigner(connection);

    const measureTx = async (tx: Promise<{ hash: string }>): Promise<Measured> => {
      const sent = await tx;
      const raw = (await provider.request({ method: "eth_getTransactionReceipt", params: [sent.hash] })) as {
        gasUsed: string;
        status: string;
        l1Fee?: string;
      };
      if (raw.status !== "0x1") throw new Error(`transaction ${sent.hash} failed`);
      const full = (await provider.request({ method: "eth_getTransactionByHash", params: [sent.hash] })) as {
        input: string;
      };
      return { gasUsed: BigInt(raw.gasUsed), l1Fee: BigInt(raw.l1Fee ?? "0x0"), bytes: (full.input.length - 2) / 2 };
    };

    // OPEN, a Datanet with one accepted contribution published as version 1.
    const open = await deployL2OpenToken(admin, "0x000000000000000000000000000000000000dEaD");
    const openAddress = await open.getAddress();
    const datanets = await deployDatanetRegistry(admin, {
      token: openAddress,
      treasury: admin.address,
      governance: admin.address,
      guardian: admin.address,
    });
    const datanetsAddress = await datanets.getAddress();
    await (await open.connect(bridge).mint(curator.address, 1_000n * OPEN)).wait();
    await (await open.connect(bridge).mint(contributor.address, 10n * OPEN)).wait();
    await (await open.connect(bridge).mint(gateway.address, 10_000_000n * OPEN)).wait();
    await (
      await datanets.createDatanet(0, "ipfs://datanet", {
        minStake: 10n * OPEN,
        dailyByteCap: 10_000_000n,
        bondPeriod: 7n * DAY,
        slashBps: 2_000n,
        quorum: 1n,
        reviewPeriod: 7n * DAY,
      })
    ).wait();
    await (await datanets.appointCurator(1n, curator.address)).wait();
    await (await open.connect(curator).approve(datanetsAddress, 1_000n * OPEN)).wait();
    await (await datanets.connect(curator).depositCuratorBond(1n, 1_000n * OPEN)).wait();
    const contentHash = ethers.id("contribution");
    await (await open.connect(contributor).approve(datanetsAddress, 10n * OPEN)).wait();
    await commitAndSubmit(datanets.connect(contributor), {
      datanetId: 1n,
      contentHash,
      uri: "ipfs://c",
      sizeBytes: 100n,
      stake: 10n * OPEN,
    });
    await (await datanets.connect(curator).vote(1n, true)).wait();
    const root = StandardMerkleTree.of([["1", contentHash]], ["uint256", "bytes32"]).root;
    await (await datanets.publishVersion(1n, root, 1n, "ipfs://v1")).wait();

    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const distributor = await deployRewardDistributor(admin, {
      admin: admin.address,
      open: openAddress,
      genesis: now,
      epochLength: DAY,
      challengeWindow: 3_600n,
      settlerBond: 10n ** 16n,
      challengerBond: 10n ** 16n,
    });
    const { registry, router } = await deployModelsAndFees(admin, {
      datanets: datanetsAddress,
      token: openAddress,
      distributor: await distributor.getAddress(),
      treasury: admin.address,
      admin: admin.address,
      guardian: admin.address,
    });
    await (await open.connect(gateway).approve(await router.getAddress(), ethers.MaxUint256)).wait();

    const registration = (artifact: string, baseModelId: bigint) => ({
      baseModelId,
      artifactHash: ethers.id(artifact),
      metadataURI: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
      trainedOn: [{ datanetId: 1n, version: 1n }],
      attributionMethod: 0n,
      pricePerKInput: 2n * OPEN,
      pricePerKOutput: 6n * OPEN,
      ownerBps: 3_000n,
      stakersBps: 2_000n,
      contributorsBps: 5_000n,
    });
    // Commit-reveal (ModelRegistry 3.0.0): a commitment, then the registration a block later.
    const salt = ethers.id("bench-salt");
    const builderAddress = await builder!.getAddress();
    const commit = async (artifact: string) =>
      (
        await measureTx(
          registry.connect(builder).commitArtifact(artifactCommitment(ethers.id(artifact), builderAddress, salt)),
        )
      ).gasUsed;
    const commitBase = await commit("base");
    const registerBase = (await measureTx(registry.connect(builder).registerModel(registration("base", 0n), salt)))
      .gasUsed;
    const commitAdapter = await commit("lora");
    const registerAdapter = (await measureTx(registry.connect(builder).registerModel(registration("lora", 1n), salt)))
      .gasUsed;

    let nonce = 0;
    const request = () => ({
      requestHash: ethers.id(`request-${++nonce}`),
      tokensIn: 812n,
      tokensOut: 347n,
      maxFee: 10n * OPEN,
    });
    const pay = () => {
      const r = request();
      return measureTx(router.connect(gateway).pay(2n, r.requestHash, r.tokensIn, r.tokensOut, r.maxFee));
    };

    const firstPayEver = await pay();
    const singles: Measured[] = [];
    for (let i = 0; i < SINGLES; i++) singles.push(await pay());
    const mean = (xs: Measured[]): Measured => ({
      gasUsed: xs.reduce((a, x) => a + x.gasUsed, 0n) / BigInt(xs.length),
      l1Fee: xs.reduce((a, x) => a + x.l1Fee, 0n) / BigInt(xs.length),
      bytes: xs.reduce((a, x) => a + x.bytes, 0) / xs.length,
    });
    const batches: { size: number; tx: Measured }[] = [];
    for (const size of BATCH_SIZES) {
      const reqs = Array.from({ length: size }, request);
      batches.push({ size, tx: await measureTx(router.connect(gateway).payBatch(2n, reqs)) });
    }
    await provider.request({ method: "evm_increaseTime", params: [Number(DAY)] });
    await provider.request({ method: "evm_mine", params: [] });
    const firstPayOfEpoch = await pay();
    return {
      commitBase,
      registerBase,
      commitAdapter,
      registerAdapter,
      firstPayEver,
      firstPayOfEpoch,
      single: mean(singles),
      batches,
    };
  } finally {
    await connection.close();
  }
}

const fmt = (x: bigint | number) => Number(x).toLocaleString("en-US", { maximumFractionDigits: 0 });
const gwei = (wei: bigint | number) => (Number(wei) / 1e9).toLocaleString("en-US", { maximumFractionDigits: 1 });

export default async function bench(): Promise<BenchSection> {
  const r = await measure();
  const single = Number(r.single.gasUsed);
  const rows = [
    `| \`pay\`, the router's very first payment (every slot fresh) | 1 | ${fmt(r.firstPayEver.gasUsed)} | ${fmt(r.firstPayEver.gasUsed)} | ${(Number(r.firstPayEver.gasUsed) / single).toFixed(2)} | ${gwei(r.firstPayEver.l1Fee)} | ${fmt(r.firstPayEver.bytes)} |`,
    `| \`pay\`, first payment of the model in a new epoch | 1 | ${fmt(r.firstPayOfEpoch.gasUsed)} | ${fmt(r.firstPayOfEpoch.gasUsed)} | ${(Number(r.firstPayOfEpoch.gasUsed) / single).toFixed(2)} | ${gwei(r.firstPayOfEpoch.l1Fee)} | ${fmt(r.firstPayOfEpoch.bytes)} |`,
    `| \`pay\` (mean of ${SINGLES}) | 1 | ${fmt(r.single.gasUsed)} | ${fmt(r.single.gasUsed)} | 1.00 | ${gwei(r.single.l1Fee)} | ${fmt(r.single.bytes)} |`,
    ...r.batches.map(({ size, tx }) => {
      const per = Number(tx.gasUsed) / size;
      return `| \`payBatch\` | ${size} | ${fmt(tx.gasUsed)} | ${fmt(per)} | ${(per / single).toFixed(3)} | ${gwei(Number(tx.l1Fee) / size)} | ${fmt(tx.bytes / size)} |`;
    }),
  ];
  const best = r.batches[r.batches.length - 1]!;
  const bestRatio = Number(best.tx.gasUsed) / best.size / single;
  const markdown = `
Gas per inference request, paid one by one against batched by a serving gateway, side by side in
one run on Hardhat's in-process OP Stack network with every real contract (bridged OPEN,
DatanetRegistry, ModelRegistry, RewardDistributor, FeeRouter). \`receipt.gasUsed\` of the whole
transaction, 21,000 base and calldata included; fresh request hashes; steady state (the epoch's
escrow slots, the owner's credit and every balance already exist) unless stated.
L1 data fee: receipt \`l1Fee\` with OP Mainnet's Ecotone scalars (base ${L1.baseFeeScalar}, blob ${L1.blobBaseFeeScalar}) and L1
base fee 10 gwei, blob base fee 1 gwei (stated, not live). Reproduce: \`node --import tsx bench/run.ts fees\`.

| payment | requests / tx | gas / tx | gas / request | vs single | L1 fee / request (gwei) | calldata bytes / request |
|---|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

**Batch of ${best.size}: ${(bestRatio * 100).toFixed(1)}% of a single payment's gas per request** (aim: at most 33%).
A batch pays per request only the request-hash slot (22,100 gas: a new slot, the price of
"accepted once"), the event and the arithmetic; the token pull, the escrow funding of the
distributor and the accounting writes are paid once per batch.

Registration (commit-reveal): base model with one Datanet version ${fmt(r.commitBase)} + ${fmt(r.registerBase)} gas (commitArtifact + registerModel); LoRA adapter ${fmt(r.commitAdapter)} + ${fmt(r.registerAdapter)} gas.
`;
  return { title: "Inference fees: batch vs single payment", markdown };
}
