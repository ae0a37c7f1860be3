/**
 * `poa penalize`: the holder of PENALTY_ROLE slashes accepted contributions that attribution
 * flagged (near-copies of earlier data, listed in a settlement report's `flags.nearCopies`), while
 * their bond period lasts. Each is checked before sending: the role, the contribution's status,
 * and that its bond has not ended.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type { Signer } from "ethers";

import type { DeploymentRecord } from "../chain/deployment.js";
import { contractAddress } from "../chain/deployment.js";
import { onChain } from "../chain/errors.js";
import { PoaError } from "../core/errors.js";
import { keccakText, type Hex } from "../core/hash.js";
import { DatanetRegistry__factory } from "../../types/ethers-contracts/index.js";

export interface PenaltyOutcome {
  contributionId: bigint;
  txHash: Hex | null;
  /** Why it was not penalised, when it was not. */
  skipped?: string;
}

/** The contribution ids a settlement report flags as near-copies. */
export function flaggedIn(folder: string): bigint[] {
  const path = join(folder, "report.json");
  if (!existsSync(path))
    throw new PoaError("FILE_NOT_FOUND", `no report.json in ${folder}`, {
      details: { folder },
      action: "Give a settlement folder.",
    });
  const report = JSON.parse(readFileSync(path, "utf8")) as { flags?: { nearCopies?: { contributionId: string }[] } };
  return (report.flags?.nearCopies ?? []).map((f) => BigInt(f.contributionId));
}

export async function penalize(args: {
  record: DeploymentRecord;
  signer: Signer;
  contributions: readonly bigint[];
  slashBps: number;
  reason: string;
}): Promise<PenaltyOutcome[]> {
  const registry = DatanetRegistry__factory.connect(contractAddress(args.record, "DatanetRegistry"), args.signer);
  const reader = registry.connect(args.signer.provider!);
  const me = await args.signer.getAddress();
  const role = await onChain("read the penalty role", () => reader.PENALTY_ROLE());
  if (!(await reader.hasRole(role, me)))
    throw new PoaError("STATE_CONFLICT", `${me} does not hold the DatanetRegistry's PENALTY_ROLE`, {
      details: { account: me, role: "PENALTY_ROLE" },
      action: "Penalise with the settler's key (it holds the role), or have governance grant it.",
    });
  if (!Number.isInteger(args.slashBps) || args.slashBps < 0 || args.slashBps > 10_000)
    throw new PoaError("VALUE_OUT_OF_RANGE", `slash ${args.slashBps} bps is outside 0..10,000`, {
      details: { field: "slashBps" },
    });
  const latest = await onChain("read the chain time", () => args.signer.provider!.getBlock("latest"));
  const now = BigInt(latest?.timestamp ?? 0);
  const out: PenaltyOutcome[] = [];
  for (const id of args.contributions) {
    const count = await reader.contributionCount();
    if (id < 1n || id > count)
      throw new PoaError("NOT_FOUND", `contribution ${id} does not exist (there are ${count})`, {
        details: { contributionId: id.toString() },
      });
    const c = await reader.getContribution(id);
    if (Number(c.status) !== 2) {
      out.push({ contributionId: id, txHash: null, skipped: "not accepted (already revoked, or never accepted)" });
      continue;
    }
    if (BigInt(c.bondedUntil) <= now) {
      out.push({
        contributionId: id,
        txHash: null,
        skipped: `its bond period ended at ${new Date(Number(c.bondedUntil) * 1000).toISOString()}`,
      });
      continue;
    }
    const txHash = await onChain(`penalise contribution ${id}`, async () => {
      const tx = await registry.penalize(id, args.slashBps, keccakText(args.reason));
      await tx.wait();
      return tx.hash as Hex;
    });
    out.push({ contributionId: id, txHash });
  }
  return out;
}
