/**
 * The settlement report: everything needed to recompute a root, and why each account earned
 * what it did. Canonical JSON (src/core/canonical-json.ts): identical inputs give identical
 * bytes, and `reportHash` (posted on-chain with the root) is keccak-256 of those bytes.
 *
 * A settlement folder (`settlement/<network>/epoch-<N>/`) holds:
 *   report.json      this document
 *   tree.json        the tree in @openzeppelin/merkle-tree's StandardMerkleTree.dump() format
 *   records.jsonl    the inference records used (canonical lines, src/settlement/record.ts)
 *   breakdown.jsonl  one line per paid request: spans or influence, payouts, what carried over
 * report.json names the others by their keccak-256, so the report's hash covers them all.
 */
import { canonicalJson, canonicalJsonBytes, type Json } from "../core/canonical-json.js";
import { type Hex } from "../core/hash.js";
import type { Carry, ModelBreakdown, RequestBreakdown, SettlementResult } from "./compute.js";
import { keccakHexFast } from "../merkle/index.js";

export const REPORT_FORMAT = "poa-settlement-report";
export const REPORT_VERSION = 1;

export interface ReportManifest {
  network: string;
  chainId: number;
  contracts: { feeRouter: string; modelRegistry: string; datanetRegistry: string; rewardDistributor: string };
  epochs: { from: string; to: string; endsAt: string };
  /** The chain range read: from the deployment block to the confirmed block. */
  blocks: { from: string; to: string; toHash: string; confirmations: number };
  /** Event counts and a keccak over each kind's (block, index, tx) list. */
  events: Record<string, { count: number; hash: Hex }>;
  parameters: { minSpan: number; maxCount: number; value: string; lambda?: number };
  code: { version: string; reportVersion: number };
  previous: { epoch: string; root: Hex; reportHash: Hex; total: string } | null;
  /** Content hashes of the contributions whose bytes were used (sorted), and those missing. */
  content: { used: Hex[]; missing: string[] };
}

export interface ReportFiles {
  records: { hash: Hex; count: number };
  breakdown: { hash: Hex; count: number };
  tree: { hash: Hex; accounts: number };
}

const str = (v: bigint) => v.toString();
const carryJson = (c: Carry): Json => ({ contributors: str(c.contributors), stakers: str(c.stakers) });
const mapJson = (m: ReadonlyMap<string, bigint>): Json =>
  Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, str(v)]));

function modelJson(m: ModelBreakdown): Json {
  return {
    carryIn: carryJson(m.carryIn),
    carryOut: carryJson(m.carryOut),
    contributorPayouts: mapJson(m.contributorPayouts),
    method: m.method,
    missingContent: m.missingContent,
    modelId: m.modelId,
    paid: { contributors: str(m.paidContributors), stakers: str(m.paidStakers) },
    pools: { contributors: str(m.pools.contributors), stakers: str(m.pools.stakers) },
    requests: m.requests,
    stakeWeights: mapJson(m.stakeWeights),
    stakerPayouts: mapJson(m.stakerPayouts),
  };
}

/** One line of breakdown.jsonl. */
export function breakdownLine(r: RequestBreakdown): string {
  return (
    canonicalJson(
      {
        carried: str(r.carried),
        influence: (r.influence ?? []).map((i) => ({
          contributionId: i.contributionId,
          influence: i.influence,
          row: i.row,
        })),
        modelId: r.modelId,
        outcome: r.outcome,
        payouts: mapJson(r.payouts),
        pool: str(r.pool),
        requestHash: r.requestHash,
        spans: (r.spans ?? []).map((s) => ({
          contributions: s.contributions,
          end: s.end,
          start: s.start,
          text: s.text,
        })),
      },
      0,
    ) + "\n"
  );
}

/** The breakdown file's bytes (requests in request-hash order). */
export function breakdownFile(requests: readonly RequestBreakdown[]): string {
  return [...requests]
    .sort((a, b) => (a.requestHash < b.requestHash ? -1 : a.requestHash > b.requestHash ? 1 : 0))
    .map(breakdownLine)
    .join("");
}

/** The fees paid in the range, summed per part (FeeRouter RequestPaid events: fee and parts). */
export interface FeeTotals {
  requests: number;
  fee: bigint;
  platform: bigint;
  owner: bigint;
  stakers: bigint;
  contributors: bigint;
}

/** Who made a credited contribution, and in which Datanet (from ContributionSubmitted). */
export interface ContributionInfo {
  contributor: string;
  datanetId: bigint;
}

export interface ReportInput {
  manifest: ReportManifest;
  result: SettlementResult;
  previous: ReadonlyMap<string, bigint>;
  root: Hex;
  files: ReportFiles;
  /** On-chain escrow through the last epoch (the cap on the total). */
  escrowed: bigint;
  flags: { nearCopies: Json[]; sizeMismatches: Json[] };
  /**
   * Optional, added after report version 1 first shipped (readers must accept their absence):
   * the fee totals of the range, written as `fees`, and the contributor of every contribution the
   * breakdown credits, written as `contributions` (keyed by contribution id).
   */
  fees?: FeeTotals;
  contributions?: ReadonlyMap<string, ContributionInfo>;
}

/** The report document. */
export function buildReport(input: ReportInput): Json {
  const { result } = input;
  const accounts: Record<string, Json> = {};
  for (const [account, cumulative] of [...result.cumulative].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    accounts[account] = {
      cumulative: str(cumulative),
      earned: str(result.earned.get(account) ?? 0n),
      previous: str(input.previous.get(account) ?? 0n),
    };
  }
  const optional: Record<string, Json> = {};
  if (input.fees !== undefined)
    optional.fees = {
      contributors: str(input.fees.contributors),
      fee: str(input.fees.fee),
      owner: str(input.fees.owner),
      platform: str(input.fees.platform),
      requests: input.fees.requests,
      stakers: str(input.fees.stakers),
    };
  if (input.contributions !== undefined)
    optional.contributions = Object.fromEntries(
      [...input.contributions].map(([id, c]) => [id, { contributor: c.contributor, datanetId: str(c.datanetId) }]),
    );
  return {
    ...optional,
    accounts,
    carry: Object.fromEntries([...result.carryOut].map(([k, c]) => [k, carryJson(c)])),
    files: {
      breakdown: { count: input.files.breakdown.count, file: "breakdown.jsonl", hash: input.files.breakdown.hash },
      records: { count: input.files.records.count, file: "records.jsonl", hash: input.files.records.hash },
      tree: { accounts: input.files.tree.accounts, file: "tree.json", hash: input.files.tree.hash },
    },
    flags: {
      meteringMismatches: result.meteringMismatches.map((m) => ({ ...m })),
      missingRecords: result.missingRecords,
      nearCopies: input.flags.nearCopies,
      sizeMismatches: input.flags.sizeMismatches,
    },
    format: REPORT_FORMAT,
    manifest: input.manifest as unknown as Json,
    models: result.models.map(modelJson),
    root: input.root,
    totals: {
      accounts: result.cumulative.size,
      earned: str([...result.earned.values()].reduce((s, v) => s + v, 0n)),
      escrowed: str(input.escrowed),
      previous: str([...input.previous.values()].reduce((s, v) => s + v, 0n)),
      total: str(result.total),
    },
    version: REPORT_VERSION,
  };
}

/** The report's bytes and their hash (the on-chain reportHash). */
export function encodeReport(report: Json): { bytes: Uint8Array; hash: Hex } {
  const bytes = canonicalJsonBytes(report, 2, "\n");
  return { bytes, hash: keccakHexFast(bytes) };
}
