/**
 * Submitting a contribution: commit, then reveal (issue 15, front-running).
 *
 * The registry accepts a contribution only as the reveal of a commitment made at least one
 * block earlier by the same contributor: `keccak256(abi.encode(contentHash, contributor,
 * salt))`, with a secret random salt. The content hash is on-chain only in the reveal, and a
 * copier who takes it from there must commit afresh, later than the author: precedence goes to
 * the earliest commitment, so the copy never wins (docs/datanets.md, "Front-running").
 *
 * `commitAndSubmit` is the one way the library submits: it commits, waits until the commitment
 * is mined, then sends the reveal (which can only be mined in a later block). Keep the salt
 * until the reveal is mined: a reveal that failed (an allowance too low, the daily cap) can be
 * retried with the same salt, and the commitment (and its precedence) is reused.
 */
import { randomBytes } from "node:crypto";

import type { ContractTransactionReceipt, ContractTransactionResponse, Signer } from "ethers";

import { onChain } from "../chain/errors.js";
import { requireAddress } from "../core/address.js";
import { PoaError } from "../core/errors.js";
import { keccak, toHex, type Hex } from "../core/hash.js";
import { hexToBytes32 } from "../merkle/index.js";
import type { DatanetRegistry } from "../../types/ethers-contracts/index.js";

/** `keccak256(abi.encode(bytes32 contentHash, address contributor, bytes32 salt))`, as the registry computes it. */
export function contributionCommitment(contentHash: string, contributor: string, salt: string): Hex {
  const encoded = new Uint8Array(96);
  encoded.set(hexToBytes32(contentHash, "content hash"), 0);
  const address = requireAddress(contributor, "contributor");
  encoded.set(Buffer.from(address.slice(2), "hex"), 44);
  encoded.set(hexToBytes32(salt, "salt"), 64);
  return toHex(keccak(encoded));
}

/** A fresh secret salt: 32 random bytes. */
export function newSalt(): Hex {
  return toHex(randomBytes(32));
}

/** An EIP-2612 permit for the stake, signed by the contributor for the registry. */
export interface StakePermit {
  readonly deadline: bigint;
  readonly v: number;
  readonly r: string;
  readonly s: string;
}

/** What to submit. */
export interface ContributionToSubmit {
  readonly datanetId: bigint;
  readonly contentHash: string;
  readonly uri: string;
  /** The content's real length in bytes: the chain counts what it is told (I-4). */
  readonly sizeBytes: bigint;
  readonly stake: bigint;
  /** The commitment's secret; a fresh random one when omitted. Reuse it to retry a reveal. */
  readonly salt?: string;
  /** `submitWithPermit` with this permit; otherwise the allowance must already cover the stake. */
  readonly permit?: StakePermit;
}

/** A submitted contribution and the two transactions it took. */
export interface SubmittedContribution {
  readonly contributionId: bigint;
  readonly salt: Hex;
  readonly commitment: Hex;
  /** The block of the commitment: the contribution's precedence. */
  readonly commitBlock: bigint;
  /** The commitment transaction, or undefined when the commitment existed already. */
  readonly commitReceipt: ContractTransactionReceipt | undefined;
  readonly submitReceipt: ContractTransactionReceipt;
}

async function mined(
  what: string,
  tx: () => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  return onChain(what, async () => {
    const response = await tx();
    const receipt = await response.wait();
    if (receipt === null || receipt.status !== 1) {
      throw new PoaError("CONTRACT_REVERTED", `${what}: the transaction ${response.hash} failed`, {
        details: { txHash: response.hash },
      });
    }
    return receipt;
  });
}

/**
 * Commits to the contribution, waits for the commitment to be mined, then reveals it
 * (`submit`, or `submitWithPermit` when a permit is given) and returns the new contribution's
 * id, read from the reveal's `ContributionSubmitted` event. `registry` must be connected to the
 * contributor's signer. An existing unrevealed commitment of the same contributor, content and
 * salt (a retry) is reused, keeping its precedence.
 */
export async function commitAndSubmit(
  registry: DatanetRegistry,
  contribution: ContributionToSubmit,
): Promise<SubmittedContribution> {
  const runner = registry.runner as Partial<Signer> | null;
  if (runner === null || typeof runner.getAddress !== "function") {
    throw new PoaError("INVALID_VALUE", "the registry contract is not connected to a signer that can submit", {
      action: "Connect the registry to the contributor's signer (registry.connect(signer)).",
    });
  }
  const contributor = await runner.getAddress();
  const salt = (contribution.salt ?? newSalt()).toLowerCase() as Hex;
  const commitment = contributionCommitment(contribution.contentHash, contributor, salt);
  const { datanetId, contentHash, uri, sizeBytes, stake, permit } = contribution;

  let commitBlock = await onChain("read the commitment", () => registry.commitmentBlock(commitment));
  let commitReceipt: ContractTransactionReceipt | undefined;
  if (commitBlock === 0n) {
    commitReceipt = await mined(`commit to a contribution to Datanet ${datanetId}`, () =>
      registry.commitContribution(commitment),
    );
    commitBlock = BigInt(commitReceipt.blockNumber);
  }
  // The commitment is mined, so the reveal sent now lands in a later block, as the registry
  // requires, on an automining node as well as on a chain with a block time.
  const submitReceipt = await mined(`submit a contribution to Datanet ${datanetId}`, () =>
    permit === undefined
      ? registry.submit(datanetId, contentHash, uri, sizeBytes, stake, salt)
      : registry.submitWithPermit(
          datanetId,
          contentHash,
          uri,
          sizeBytes,
          stake,
          salt,
          permit.deadline,
          permit.v,
          permit.r,
          permit.s,
        ),
  );
  const address = (await registry.getAddress()).toLowerCase();
  for (const log of submitReceipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ContributionSubmitted") {
      return {
        contributionId: parsed.args.contributionId as bigint,
        salt,
        commitment,
        commitBlock,
        commitReceipt,
        submitReceipt,
      };
    }
  }
  throw new PoaError(
    "CHAIN_DATA_INVALID",
    `the reveal ${submitReceipt.hash} emitted no ContributionSubmitted event: is this a DatanetRegistry?`,
    { details: { txHash: submitReceipt.hash, registry: address } },
  );
}
