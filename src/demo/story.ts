import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { id, MaxUint256, type ContractTransactionResponse, type Signer } from "ethers";

import { commitAndRegisterModel } from "../../deploy/models.js";
import type { DeploymentRecord } from "../../deploy/protocol.js";
import { commitAndSubmit } from "../datanet/submit.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";

/** One L2 transaction of the demo, labelled for the fee table. */
export interface Act {
  label: string;
  hash: string;
}

export interface StoryAccounts {
  /** Holds the OPEN bridged to L2; owns the Datanet; pays for inference. */
  user: Signer;
  contributor: Signer;
  curator: Signer;
  builder: Signer;
}

/** What the flow did, for the summary. */
export interface StoryResult {
  acts: Act[];
  lines: string[];
}

const OPEN = 10n ** 18n;
const DAY = 86_400n;

/**
 * The protocol flow the demo runs on L2 with whatever contracts the deployment record has: OPEN
 * moves to the actors; a Datanet gets a curator, two staked contributions, their acceptance and
 * a published version; a base model and a LoRA adapter are registered on that version; inference
 * is paid (one request and a batch); the stakers' and contributors' parts are escrowed for the
 * epoch. Each act is one L2 transaction, listed for the fee table. Safe to run again on the same
 * chain: every run makes its own Datanet, models and request hashes.
 */
export async function runStory(
  record: DeploymentRecord,
  accounts: StoryAccounts,
  log: (line: string) => void,
): Promise<StoryResult> {
  const acts: Act[] = [];
  const lines: string[] = [];
  const send = async (label: string, tx: Promise<ContractTransactionResponse>) => {
    const sent = await tx;
    await sent.wait();
    acts.push({ label, hash: sent.hash });
    log(`  ${label}`);
  };
  const at = (name: string) => record.contracts[name]?.address;
  const openAddress = at("L2OpenToken");
  if (openAddress === undefined) return { acts, lines };
  const user = await accounts.user.getAddress();
  const contributor = await accounts.contributor.getAddress();
  const curator = await accounts.curator.getAddress();
  const open = (signer: Signer) => L2OpenToken__factory.connect(openAddress, signer);
  const run = Date.now().toString(36); // makes this run's hashes unique on a reused devnet

  await send("user delegates its OPEN votes to itself", open(accounts.user).delegate(user));
  await send("user sends 100 OPEN to a data contributor", open(accounts.user).transfer(contributor, 100n * OPEN));
  await send("user sends 2,000 OPEN to a curator", open(accounts.user).transfer(curator, 2_000n * OPEN));

  const datanetsAddress = at("DatanetRegistry");
  if (datanetsAddress === undefined) return { acts, lines };
  const datanets = (signer: Signer) => DatanetRegistry__factory.connect(datanetsAddress, signer);
  await send(
    "create a Datanet (quorum 1, 10 OPEN minimum stake)",
    datanets(accounts.user).createDatanet(0, `ipfs://poa-demo-datanet-${run}`, {
      minStake: 10n * OPEN,
      dailyByteCap: 10_000_000n,
      bondPeriod: 7n * DAY,
      slashBps: 2_000n,
      quorum: 1n,
      reviewPeriod: 7n * DAY,
    }),
  );
  const datanetId = await datanets(accounts.user).datanetCount();
  await send("appoint a curator", datanets(accounts.user).appointCurator(datanetId, curator));
  await send("curator approves its bond", open(accounts.curator).approve(datanetsAddress, MaxUint256));
  await send("curator bonds 1,000 OPEN", datanets(accounts.curator).depositCuratorBond(datanetId, 1_000n * OPEN));
  await send("contributor approves its stakes", open(accounts.contributor).approve(datanetsAddress, MaxUint256));
  const leaves: [string, string][] = [];
  for (const text of ["Q: what lowers blood pressure? A: ...", "Q: what raises HDL? A: ..."]) {
    const contentHash = id(`${text} (${run})`);
    // A submission is a commitment, then its reveal a block later (the front-running guard).
    const submitted = await commitAndSubmit(datanets(accounts.contributor), {
      datanetId,
      contentHash,
      uri: `ipfs://${contentHash.slice(2, 14)}`,
      sizeBytes: 1_234n,
      stake: 10n * OPEN,
    });
    if (submitted.commitReceipt !== undefined)
      acts.push({ label: "contributor commits to a contribution", hash: submitted.commitReceipt.hash });
    acts.push({ label: "contributor stakes 10 OPEN on it (reveal)", hash: submitted.submitReceipt.hash });
    log("  contributor commits to a contribution, then stakes 10 OPEN on it (reveal)");
    const contributionId = submitted.contributionId;
    await send(`curator accepts contribution ${contributionId}`, datanets(accounts.curator).vote(contributionId, true));
    leaves.push([contributionId.toString(), contentHash]);
  }
  const tree = StandardMerkleTree.of(leaves, ["uint256", "bytes32"]);
  await send(
    "publish Datanet version 1 (Merkle root of the accepted set)",
    datanets(accounts.user).publishVersion(datanetId, tree.root, BigInt(leaves.length), `ipfs://v1-${run}`),
  );
  lines.push(`Datanet ${datanetId}: 2 contributions accepted, version 1 published (root ${tree.root.slice(0, 10)}…)`);

  const modelsAddress = at("ModelRegistry");
  if (modelsAddress === undefined) return { acts, lines };
  const models = ModelRegistry__factory.connect(modelsAddress, accounts.builder);
  const registration = (artifact: string, baseModelId: bigint) => ({
    baseModelId,
    artifactHash: id(`${artifact} ${run}`),
    metadataURI: `ipfs://${artifact}`,
    trainedOn: [{ datanetId, version: 1n }],
    attributionMethod: 0n,
    pricePerKInput: 2n * OPEN,
    pricePerKOutput: 6n * OPEN,
    ownerBps: 3_000n,
    stakersBps: 2_000n,
    contributorsBps: 5_000n,
  });
  // Registration is commit-reveal (the artifact hash stays hidden until a block after the
  // commitment): two transactions per model.
  const register = async (label: string, r: ReturnType<typeof registration>) => {
    const done = await commitAndRegisterModel(models, r);
    acts.push({ label: `${label}: commit`, hash: done.commit.hash });
    acts.push({ label, hash: done.register.hash });
    return done.modelId;
  };
  const baseId = await register("register a base model trained on that version", registration("base-model", 0n));
  const adapterId = await register("register a LoRA adapter on the base model", registration("lora-adapter", baseId));
  lines.push(`Models: base ${baseId} and LoRA adapter ${adapterId}, both trained on Datanet ${datanetId} v1`);

  const routerAddress = at("FeeRouter");
  if (routerAddress === undefined) return { acts, lines };
  const router = FeeRouter__factory.connect(routerAddress, accounts.user);
  await send("user approves the FeeRouter", open(accounts.user).approve(routerAddress, MaxUint256));
  const [fee, parts] = await router.quote(adapterId, 1_000n, 500n);
  await send(
    "pay one inference request (1,000 in / 500 out tokens)",
    router.pay(adapterId, id(`request-0 ${run}`), 1_000n, 500n, fee),
  );
  const batch = Array.from({ length: 10 }, (_, i) => ({
    requestHash: id(`request-${i + 1} ${run}`),
    tokensIn: BigInt(200 + 10 * i),
    tokensOut: BigInt(50 * i + 1),
    maxFee: fee,
  }));
  await send("pay a batch of 10 inference requests", router.payBatch(adapterId, batch));
  const epoch = await router.currentEpoch();
  const escrowed = await router.escrowed(epoch, adapterId);
  lines.push(
    `Inference: 11 requests paid to adapter ${adapterId}; one of 1,000 in / 500 out tokens costs ${fmt(fee)} OPEN, split ` +
      `platform ${fmt(parts.platform)} / owner ${fmt(parts.owner)} / stakers ${fmt(parts.stakers)} / contributors ${fmt(parts.contributors)} OPEN`,
  );
  const distributorAddress = at("RewardDistributor");
  const inEscrow =
    distributorAddress === undefined
      ? undefined
      : await RewardDistributor__factory.connect(distributorAddress, accounts.user).epochEscrow(epoch);
  lines.push(
    `Epoch ${epoch}: stakers ${fmt(escrowed.stakers)} + contributors ${fmt(escrowed.contributors)} OPEN escrowed for this adapter` +
      (inEscrow === undefined
        ? ""
        : `; the RewardDistributor holds ${fmt(inEscrow)} OPEN for the epoch, to be settled by attribution`),
  );
  return { acts, lines };
}

function fmt(wei: bigint): string {
  const whole = wei / OPEN;
  const frac = (wei % OPEN).toString().padStart(18, "0").slice(0, 4).replace(/0+$/, "");
  return frac === "" ? whole.toString() : `${whole}.${frac}`;
}
