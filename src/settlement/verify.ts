/**
 * `poa verify`: anyone recomputes a posted root from public inputs only (the chain, and the
 * inputs the settlement published: its records file and the contribution bytes in the content
 * store) and compares it with what is on-chain. With `challenge`, a root that differs is
 * challenged with the bond while its window is open.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { Wallet } from "ethers";

import type { DeploymentRecord } from "../chain/deployment.js";
import { contractAddress } from "../chain/deployment.js";
import { onChain } from "../chain/errors.js";
import { ContentStore } from "../content/store.js";
import { isPoaError, messageOf, PoaError } from "../core/errors.js";
import { type Hex } from "../core/hash.js";
import type { NetworkContext } from "../context/network.js";
import { openStore, type Database } from "../store/index.js";
import { RewardDistributor__factory } from "../../types/ethers-contracts/index.js";
import type { ChainState, RootRecord } from "./chain-state.js";
import { cidOfUri, readRecords } from "./inputs.js";
import {
  computeEpochs,
  DEFAULT_SPAN_PARAMETERS,
  indexAndLoad,
  type SettleEvent,
  type SpanParameters,
} from "./pipeline.js";
import { SETTLEMENT_SCHEMA } from "./schema.js";
import { keccakHexFast } from "../merkle/index.js";

export interface VerifyOptions {
  context: NetworkContext;
  record: DeploymentRecord;
  /** The verifier's own store (it indexes the chain itself). */
  store: string;
  content: string;
  /** The epoch whose latest proposal to check (default: the latest proposal of any epoch). */
  epoch?: bigint;
  /** The settlement folder with records.jsonl (and report.json); default: fetched by CID from the content store. */
  folder?: string;
  confirmations?: number;
  /** Post the challenger bond when the root differs and its window is open. */
  challenge?: boolean;
  onEvent?: (event: SettleEvent) => void;
  signal?: AbortSignal;
}

export interface AccountDifference {
  account: string;
  posted: bigint | null;
  recomputed: bigint | null;
}

export interface VerifyResult {
  epoch: bigint;
  posted: { root: Hex; total: bigint; reportHash: Hex; status: RootRecord["status"]; settler: string };
  recomputed: { root: Hex; total: bigint; reportHash: Hex } | null;
  /** "match": everything agrees; "differs": something does not (see `reasons`). */
  verdict: "match" | "differs";
  reasons: string[];
  differences: AccountDifference[];
  challengeTx: Hex | null;
}

function latestProposal(state: ChainState, epoch: bigint | undefined): RootRecord | undefined {
  for (let i = state.roots.length - 1; i >= 0; i--) {
    const r = state.roots[i]!;
    if (epoch === undefined || r.epoch === epoch) return r;
  }
  return undefined;
}

/** Balances a posted tree or report claims, for naming the accounts that differ. */
function postedBalances(report: Record<string, unknown> | undefined): Map<string, bigint> {
  const accounts = (report?.accounts ?? {}) as Record<string, { cumulative?: string }>;
  return new Map(Object.entries(accounts).map(([a, v]) => [a.toLowerCase(), BigInt(v.cumulative ?? "0")]));
}

export async function verifyEpoch(options: VerifyOptions): Promise<VerifyResult> {
  const { context, record } = options;
  const content = new ContentStore(options.content);
  const confirmations = options.confirmations ?? 1;
  let db: Database;
  try {
    db = await openStore(options.store, { lockName: `verify:${context.name}`, migrations: [SETTLEMENT_SCHEMA] });
  } catch (error) {
    throw error;
  }
  try {
    const distributor = RewardDistributor__factory.connect(contractAddress(record, "RewardDistributor"), context.l2);
    const [genesis, epochLength] = await onChain("read the distributor's epoch clock", () =>
      Promise.all([distributor.genesis(), distributor.epochLength()]),
    );
    const loaded = await indexAndLoad(db, context, record, confirmations, options.onEvent, options.signal);
    const posted = latestProposal(loaded.state, options.epoch);
    if (posted === undefined)
      throw new PoaError(
        "NOT_FOUND",
        options.epoch === undefined
          ? "no root has been proposed yet"
          : `no root was proposed for epoch ${options.epoch}`,
        {
          details: { epoch: options.epoch?.toString() },
          action: "Wait for a settler to propose one (roots are read up to the confirmation depth).",
        },
      );
    const reasons: string[] = [];

    // The published report: from the folder, or from the content store by the CID in reportURI.
    let reportBytes: Uint8Array | undefined;
    if (options.folder !== undefined && existsSync(join(options.folder, "report.json")))
      reportBytes = readFileSync(join(options.folder, "report.json"));
    else {
      const cid = cidOfUri(posted.reportURI);
      if (cid !== undefined && content.has(cid)) reportBytes = await content.get(cid);
    }
    if (reportBytes === undefined)
      throw new PoaError(
        "CANNOT_CHECK",
        `the report of epoch ${posted.epoch} (${posted.reportURI}) is neither in the folder given nor in the content store`,
        {
          details: { epoch: posted.epoch.toString(), reportURI: posted.reportURI },
          action:
            "Fetch the settlement folder the settler published (report.json, records.jsonl), or its report by CID.",
        },
      );
    const reportHash = keccakHexFast(reportBytes);
    let report: Record<string, unknown> | undefined;
    try {
      report = JSON.parse(new TextDecoder().decode(reportBytes)) as Record<string, unknown>;
    } catch (error) {
      reasons.push(`the published report is not JSON (${messageOf(error)})`);
    }
    if (reportHash !== posted.reportHash)
      reasons.push(
        `the published report hashes to ${reportHash}, not the reportHash posted on-chain (${posted.reportHash})`,
      );

    // Its inputs: the records file (hash named in the report), the parameters, the epoch range.
    const manifest = (report?.manifest ?? {}) as {
      epochs?: { from?: string; to?: string };
      parameters?: Partial<SpanParameters>;
    };
    const files = (report?.files ?? {}) as { records?: { hash?: string } };
    const folder = options.folder;
    const recordsPath = folder === undefined ? undefined : join(folder, "records.jsonl");
    if (recordsPath === undefined || !existsSync(recordsPath))
      throw new PoaError(
        "CANNOT_CHECK",
        `the records the settlement used are not available (records.jsonl of epoch ${posted.epoch})`,
        {
          details: { epoch: posted.epoch.toString() },
          action: "Give the settlement folder the settler published.",
        },
      );
    const recordsBytes = readFileSync(recordsPath);
    if (files.records?.hash !== undefined && keccakHexFast(recordsBytes) !== files.records.hash)
      reasons.push(
        `records.jsonl hashes to ${keccakHexFast(recordsBytes)}, not the ${files.records.hash} the report names`,
      );
    let records;
    try {
      records = await readRecords([recordsPath], context.endpoints.l2ChainId);
    } catch (error) {
      if (isPoaError(error) && error.kind !== "unavailable") {
        reasons.push(`the records are not valid: ${error.message}`);
        records = new Map();
      } else throw error;
    }
    // Every record must be the record of a payment: its hash is the on-chain requestHash.
    const paid = new Set(loaded.state.payments.map((p) => p.requestHash));
    for (const hash of records.keys())
      if (!paid.has(hash as Hex)) reasons.push(`record ${hash} matches no on-chain payment`);

    const fromEpoch = BigInt(manifest.epochs?.from ?? "0");
    const toEpoch = posted.epoch;
    const span: SpanParameters = { ...DEFAULT_SPAN_PARAMETERS, ...(manifest.parameters ?? {}) } as SpanParameters;
    const escrowed = await onChain("read the escrow", () => distributor.escrowedThrough(toEpoch));
    // The previous root's state: the chain as it was when this one was proposed.
    const stateAtProposal: ChainState = {
      ...loaded.state,
      roots: loaded.state.roots.filter((r) => r.proposedBlock < posted.proposedBlock),
    };
    let recomputed: VerifyResult["recomputed"] = null;
    const differences: AccountDifference[] = [];
    try {
      const computed = await computeEpochs({
        network: context.name,
        chainId: context.endpoints.l2ChainId,
        record,
        state: stateAtProposal,
        logs: loaded.logs,
        clock: { genesis, epochLength },
        fromEpoch,
        toEpoch,
        escrowed,
        records,
        content,
        span,
        confirmations: Number(
          ((report?.manifest ?? {}) as { blocks?: { confirmations?: number } }).blocks?.confirmations ?? confirmations,
        ),
      });
      recomputed = { root: computed.root, total: computed.total, reportHash: computed.reportHash };
      if (computed.root !== posted.root)
        reasons.push(`the recomputed root is ${computed.root}, the posted root ${posted.root}`);
      if (computed.total !== posted.totalCumulative)
        reasons.push(`the recomputed total is ${computed.total}, the posted total ${posted.totalCumulative}`);
      if (computed.reportHash !== posted.reportHash && reportHash === posted.reportHash)
        reasons.push(`the recomputed report hashes to ${computed.reportHash}, not the posted ${posted.reportHash}`);
      const mine = new Map([...computed.result.cumulative].map(([a, v]) => [a.toLowerCase(), v]));
      const theirs = postedBalances(report);
      for (const account of [...new Set([...mine.keys(), ...theirs.keys()])].sort()) {
        const a = mine.get(account) ?? null;
        const b = theirs.get(account) ?? null;
        if (a !== b) differences.push({ account, posted: b, recomputed: a });
      }
    } catch (error) {
      if (
        isPoaError(error) &&
        (error.code === "CONTENT_HASH_MISMATCH" ||
          error.code === "INTEGRITY_MISMATCH" ||
          error.code === "INVARIANT_BROKEN")
      )
        reasons.push(error.message);
      else throw error;
    }

    const verdict = reasons.length === 0 ? "match" : "differs";
    let challengeTx: Hex | null = null;
    if (verdict === "differs" && options.challenge === true) {
      const pending = await onChain("read the pending root", () => distributor.pendingRoot());
      const open = pending.challengeDeadline !== 0n && pending.root.toLowerCase() === posted.root;
      if (!open)
        throw new PoaError(
          "STATE_CONFLICT",
          `the root of epoch ${posted.epoch} is ${posted.status}: it can no longer be challenged`,
          {
            details: { epoch: posted.epoch.toString(), status: posted.status },
          },
        );
      if (pending.challenger !== "0x0000000000000000000000000000000000000000")
        throw new PoaError(
          "STATE_CONFLICT",
          `the root of epoch ${posted.epoch} is already challenged by ${pending.challenger}`,
        );
      const bond = await distributor.challengerBond();
      const signer = new Wallet(context.key!, context.l2);
      challengeTx = await onChain("challenge the root", async () => {
        const tx = await distributor.connect(signer).challenge({ value: bond });
        await tx.wait();
        return tx.hash as Hex;
      });
    }
    return {
      epoch: posted.epoch,
      posted: {
        root: posted.root,
        total: posted.totalCumulative,
        reportHash: posted.reportHash,
        status: posted.status,
        settler: posted.settler,
      },
      recomputed,
      verdict,
      reasons,
      differences,
      challengeTx,
    };
  } finally {
    await db.close();
  }
}
