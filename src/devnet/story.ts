import { Contract, type Signer } from "ethers";

import type { DeploymentRecord } from "../../deploy/protocol.js";

/** One L2 transaction of the demo, labelled for the fee table. */
export interface Act {
  label: string;
  hash: string;
}

const L2_OPEN = [
  "function transfer(address,uint256) returns (bool)",
  "function delegate(address)",
  "function getVotes(address) view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
];

export interface StoryAccounts {
  /** Holds the OPEN bridged to L2; pays for inference. */
  user: Signer;
  contributor: Signer;
  builder: Signer;
}

/**
 * The protocol flow the demo runs on L2 with whatever contracts the deployment record has. Each
 * act is one L2 transaction; the result lists them so the demo can show the gas and the L1 data
 * fee of each. New contracts add their acts here, guarded by their presence in the record.
 */
export async function runStory(
  record: DeploymentRecord,
  accounts: StoryAccounts,
  log: (line: string) => void,
): Promise<Act[]> {
  const acts: Act[] = [];
  const send = async (label: string, tx: Promise<{ hash: string; wait: () => Promise<unknown> }>) => {
    const sent = await tx;
    await sent.wait();
    acts.push({ label, hash: sent.hash });
    log(`  ${label}`);
  };
  const l2Open = record.contracts.L2OpenToken?.address;
  if (l2Open === undefined) return acts;
  const [contributor, builder] = await Promise.all([accounts.contributor.getAddress(), accounts.builder.getAddress()]);
  const open = (signer: Signer) => new Contract(l2Open, L2_OPEN, signer);
  const OPEN = 10n ** 18n;

  // Governance weight: OPEN holders delegate their votes (ERC20Votes, timestamp clock).
  await send("user delegates OPEN votes to itself", open(accounts.user).delegate!(await accounts.user.getAddress()));
  // Fund the other actors on L2 with bridged OPEN.
  await send(
    "user sends 10,000 OPEN to a data contributor",
    open(accounts.user).transfer!(contributor, 10_000n * OPEN),
  );
  await send("user sends 10,000 OPEN to a model builder", open(accounts.user).transfer!(builder, 10_000n * OPEN));
  await send("contributor delegates its votes to the builder", open(accounts.contributor).delegate!(builder));
  return acts;
}
