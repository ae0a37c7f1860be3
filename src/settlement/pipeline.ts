/**
 * `poa settle` without the command line: read the chain into the store, check every off-chain
 * input against it, compute the epoch's payouts, publish the report and the tree, propose the root
 * with the bond, wait out the challenge window, finalize. Resumable and idempotent: the chain
 * index keeps its cursor (checked by block hash), each step is journaled, and both transactions go
 * through the store's outbox, so a crash at any point and a re-run end at the same root with
 * exactly one proposal and one finalization.
 */
import { mkdirSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";

import { Wallet } from "ethers";

import type { DeploymentRecord } from "../chain/deployment.js";
import { contractAddress } from "../chain/deployment.js";
import { onChain } from "../chain/errors.js";
import { EthersLogReader } from "../chain/logs.js";
import { WalletTxSender } from "../chain/tx-sender.js";
import { ContentStore } from "../content/store.js";
import { canonicalJson, type Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import { writeFileAtomic } from "../core/fs.js";
import { toHex, type Hex } from "../core/hash.js";
import type { NetworkContext } from "../context/network.js";
import { findNearCopies } from "../attribution/near-copy.js";
import {
  buildRewardTree,
  KeccakStream,
  keccakHexFast,
  treeJsonChunks,
  writeTreeJson,
  type RewardTree,
} from "../merkle/index.js";
import { indexLogs, Journal, openStore, Outbox, storedLogs, type Database, type StoredLog } from "../store/index.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  ModelRegistry__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import { buildChainState, finalizedRoot, type ChainState, type EventLog } from "./chain-state.js";
import { computeSettlement, type SettlementResult } from "./compute.js";
import { loadModelData, loadPrevious, paymentsIn, readRecords } from "./inputs.js";
import { recordLine, type InferenceRecord } from "./record.js";
import {
  breakdownFile,
  buildReport,
  encodeReport,
  type ContributionInfo,
  type FeeTotals,
  type ReportManifest,
} from "./report.js";
import { SETTLEMENT_SCHEMA } from "./schema.js";

export const SETTLEMENT_CODE_VERSION = "poa-settlement/1";

export type SettleEvent =
  | { kind: "stage"; stage: string; detail?: string }
  | { kind: "progress"; label: string; done: number; total: number }
  | { kind: "wait"; remaining: bigint; deadline: bigint };

export interface SpanParameters {
  minSpan: number;
  maxCount: number;
  value: "length" | "surprisal";
}

export const DEFAULT_SPAN_PARAMETERS: SpanParameters = { minSpan: 4, maxCount: 10, value: "length" };

export interface SettleOptions {
  context: NetworkContext;
  record: DeploymentRecord;
  /** The store: a folder (PGlite) or a postgres:// URL. */
  store: string;
  /** The content store folder (contribution bytes, artifacts, reports). */
  content: string;
  /** Where settlement folders go (default settlement/<network>). */
  out?: string;
  /** The last epoch to settle (default: the oldest ended epoch without a finalized root). */
  epoch?: bigint;
  /** Blocks behind the head that are never read (default 2). */
  confirmations?: number;
  /** Inference records files (JSON Lines). */
  records: readonly string[];
  span?: SpanParameters;
  /** Wait out the challenge window and finalize (default true); false stops after proposing. */
  wait?: boolean;
  /** Poll interval while waiting, ms (default 1000). */
  pollMs?: number;
  onEvent?: (event: SettleEvent) => void;
  signal?: AbortSignal;
}

export interface SettleResult {
  network: string;
  fromEpoch: bigint;
  toEpoch: bigint;
  root: Hex;
  total: bigint;
  reportHash: Hex;
  reportURI: string;
  folder: string;
  accounts: number;
  proposeTx: Hex | null;
  finalizeTx: Hex | null;
  /** What this run did. */
  outcome: "finalized" | "proposed" | "already finalized";
  result?: SettlementResult;
}

/** The contracts the settlement reads, as the chain index names them. */
export function settlementContracts(record: DeploymentRecord) {
  return [
    { name: "FeeRouter", address: contractAddress(record, "FeeRouter"), abi: FeeRouter__factory.abi },
    { name: "ModelRegistry", address: contractAddress(record, "ModelRegistry"), abi: ModelRegistry__factory.abi },
    { name: "DatanetRegistry", address: contractAddress(record, "DatanetRegistry"), abi: DatanetRegistry__factory.abi },
    {
      name: "RewardDistributor",
      address: contractAddress(record, "RewardDistributor"),
      abi: RewardDistributor__factory.abi,
    },
  ];
}

/** The first L2 block the protocol's contracts can have logs in (their earliest deployment). */
async function deploymentBlock(context: NetworkContext, record: DeploymentRecord): Promise<bigint> {
  let first: bigint | undefined;
  for (const name of ["DatanetRegistry", "ModelRegistry", "FeeRouter", "RewardDistributor"]) {
    const hash = record.contracts[name]?.txHash;
    if (hash === undefined || hash === "") return 0n;
    const receipt = await onChain(`read the deployment of ${name}`, () => context.l2.getTransactionReceipt(hash));
    if (receipt === null) return 0n;
    const block = BigInt(receipt.blockNumber);
    if (first === undefined || block < first) first = block;
  }
  return first ?? 0n;
}

export function streamName(network: string): string {
  return `${network}:l2`;
}

/** Reads the protocol's L2 logs into the store up to `confirmations` behind the head; returns the state. */
export async function indexAndLoad(
  db: Database,
  context: NetworkContext,
  record: DeploymentRecord,
  confirmations: number,
  onEvent?: (event: SettleEvent) => void,
  signal?: AbortSignal,
): Promise<{ state: ChainState; logs: StoredLog[]; cursor: bigint; cursorHash: Hex | null; cursorTime: bigint }> {
  const reader = new EthersLogReader(context.l2, settlementContracts(record), context.endpoints.l2Rpc);
  const startBlock = await deploymentBlock(context, record);
  onEvent?.({
    kind: "stage",
    stage: "read",
    detail: `L2 logs from block ${startBlock}, ${confirmations} blocks behind the head`,
  });
  const indexed = await indexLogs(db, reader, {
    stream: streamName(context.name),
    startBlock,
    confirmations,
    onProgress: (p) => {
      if (p.phase === "chunk")
        onEvent?.({
          kind: "progress",
          label: "reading L2 logs (blocks)",
          done: Number(p.to - startBlock + 1n),
          total: Number(p.target - startBlock + 1n),
        });
    },
    ...(signal === undefined ? {} : { signal }),
  });
  // Up to the cursor just indexed: the pages of storedLogs are separate queries, and this bound keeps
  // them one consistent range.
  const logs = await storedLogs(db, { stream: streamName(context.name), toBlock: indexed.cursor });
  const block = await onChain("read the confirmed block", () => context.l2.getBlock(Number(indexed.cursor)));
  return {
    state: buildChainState(logs as EventLog[]),
    logs,
    cursor: indexed.cursor,
    cursorHash: indexed.cursorHash,
    cursorTime: BigInt(block?.timestamp ?? 0),
  };
}

/** Event counts and a hash per kind, for the report's manifest. */
function eventManifest(logs: readonly StoredLog[], upTo: bigint): Record<string, { count: number; hash: Hex }> {
  const byKind = new Map<string, string[]>();
  for (const log of logs) {
    if (log.blockNumber > upTo || log.event === null) continue;
    const key = `${log.contract}.${log.event}`;
    const list = byKind.get(key) ?? [];
    list.push(`${log.blockNumber}:${log.logIndex}:${log.transactionHash}`);
    byKind.set(key, list);
  }
  return Object.fromEntries(
    [...byKind]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, { count: v.length, hash: keccakHexFast(new TextEncoder().encode(v.join("\n"))) }]),
  );
}

export interface EpochClock {
  genesis: bigint;
  epochLength: bigint;
}

export const epochEnd = (clock: EpochClock, epoch: bigint) => clock.genesis + (epoch + 1n) * clock.epochLength;

/** The last block at or before time `t` among the logs (for the manifest); the cursor otherwise. */
function lastLogBlockAtOrBefore(logs: readonly StoredLog[], t: bigint): bigint {
  let last = 0n;
  for (const log of logs) if (log.blockTimestamp <= t) last = log.blockNumber;
  return last;
}

/** The fees of the range's payments, summed per part (for the report's flow of money). */
function feeTotals(state: ChainState, fromEpoch: bigint, toEpoch: bigint): FeeTotals {
  const totals: FeeTotals = { requests: 0, fee: 0n, platform: 0n, owner: 0n, stakers: 0n, contributors: 0n };
  for (const p of state.payments) {
    if (p.epoch < fromEpoch || p.epoch > toEpoch) continue;
    totals.requests += 1;
    totals.fee += p.fee;
    totals.platform += p.platform;
    totals.owner += p.owner;
    totals.stakers += p.stakers;
    totals.contributors += p.contributors;
  }
  return totals;
}

/** The contributor and Datanet of every contribution the breakdown credits (spans or rows), by id. */
function creditedContributions(state: ChainState, result: SettlementResult): Map<string, ContributionInfo> {
  const ids = new Set<string>();
  for (const r of result.requests) {
    for (const s of r.spans ?? []) for (const id of s.contributions) ids.add(id);
    for (const i of r.influence ?? []) ids.add(i.contributionId);
  }
  const out = new Map<string, ContributionInfo>();
  for (const id of [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0))) {
    const c = state.contributions.get(id);
    if (c !== undefined) out.set(id, { contributor: c.contributor, datanetId: c.datanetId });
  }
  return out;
}

export interface ComputedEpoch {
  fromEpoch: bigint;
  toEpoch: bigint;
  root: Hex;
  total: bigint;
  reportHash: Hex;
  reportBytes: Uint8Array;
  /** The tree (undefined when no account has earned anything yet). */
  tree: RewardTree | undefined;
  recordsFile: string;
  breakdown: string;
  result: SettlementResult;
  accounts: number;
}

/**
 * The whole computation of a range of epochs from chain state and checked inputs: what `settle`
 * publishes and what `verify` recomputes. Pure apart from reading the content store.
 */
export async function computeEpochs(args: {
  network: string;
  chainId: number;
  record: DeploymentRecord;
  state: ChainState;
  logs: readonly StoredLog[];
  clock: EpochClock;
  fromEpoch: bigint;
  toEpoch: bigint;
  escrowed: bigint;
  records: ReadonlyMap<string, InferenceRecord>;
  content: ContentStore;
  span: SpanParameters;
  confirmations: number;
  /** Stage events as the computation goes (check, attribute, invariants, tree, near-copies, report). */
  onEvent?: (event: SettleEvent) => void;
}): Promise<ComputedEpoch> {
  const { state, clock, fromEpoch, toEpoch } = args;
  const stage = (name: string, detail?: string) =>
    args.onEvent?.({ kind: "stage", stage: name, ...(detail === undefined ? {} : { detail }) });
  const end = epochEnd(clock, toEpoch);
  stage("check", "the previous root's report against the finalized root");
  const previous = await loadPrevious(finalizedRoot(state), args.content);
  const payments = paymentsIn(state.payments, fromEpoch, toEpoch);
  const carryIn = previous?.carry ?? new Map();
  const modelIds = [...new Set([...payments.map((p) => p.modelId.toString()), ...carryIn.keys()])].sort();
  stage("check", "contribution bytes against their on-chain content hashes");
  const data = await loadModelData(state, modelIds, args.content, end);
  stage("check", "records against the range's payments");
  const paidHashes = new Set<string>(payments.map((p) => p.requestHash)); // one lookup per record, not a scan
  const records = new Map([...args.records].filter(([hash]) => paidHashes.has(hash)));
  stage("attribute", `epochs ${fromEpoch}..${toEpoch}: ${payments.length} paid requests`);
  const result = computeSettlement({
    chainId: args.chainId,
    payments,
    records,
    models: data.inputs,
    carryIn,
    previous: previous?.balances ?? new Map(),
    span: args.span,
  });

  // Sanity invariants, before anything is written or sent.
  stage("invariants");
  const prevBalances = previous?.balances ?? new Map<string, bigint>();
  for (const [account, amount] of prevBalances) {
    const now = result.cumulative.get(account) ?? 0n;
    if (now < amount)
      throw new PoaError("INVARIANT_BROKEN", `${account}'s cumulative amount would decrease from ${amount} to ${now}`, {
        details: { account, previous: amount.toString(), now: now.toString() },
      });
  }
  for (const [account, claimed] of state.claimed) {
    const now = result.cumulative.get(account) ?? 0n;
    if (now < claimed)
      throw new PoaError(
        "INVARIANT_BROKEN",
        `${account} has claimed ${claimed} on-chain, more than its new cumulative ${now}`,
        {
          details: { account, claimed: claimed.toString(), cumulative: now.toString() },
        },
      );
  }
  if (result.cumulative.size < prevBalances.size)
    throw new PoaError(
      "INVARIANT_BROKEN",
      `the tree would shrink from ${prevBalances.size} to ${result.cumulative.size} accounts`,
    );
  if (result.total > args.escrowed)
    throw new PoaError(
      "INVARIANT_BROKEN",
      `the total ${result.total} is more than the ${args.escrowed} escrowed through epoch ${toEpoch}`,
      {
        details: { total: result.total.toString(), escrowed: args.escrowed.toString() },
      },
    );

  stage("tree", `${result.cumulative.size} accounts`);
  const entries = [...result.cumulative]
    .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
    .map(([account, cumulativeAmount]) => ({ account, cumulativeAmount }));
  let root: Hex = `0x${"00".repeat(32)}`;
  let tree: RewardTree | undefined;
  let treeHash: Hex = keccakHexFast(new Uint8Array(0));
  if (entries.length > 0) {
    tree = buildRewardTree(entries);
    root = tree.root;
    // tree.json is streamed (it is about 240 bytes a leaf): its hash too.
    const hasher = new KeccakStream();
    for (const chunk of treeJsonChunks(tree)) hasher.update(chunk);
    treeHash = toHex(hasher.digest());
    const sum = entries.reduce((s, e) => s + e.cumulativeAmount, 0n);
    if (sum !== result.total)
      throw new PoaError("INVARIANT_BROKEN", `the leaves sum to ${sum}, not the total ${result.total}`);
  }
  stage("near-copies");
  const nearCopies = nearCopyFlags(data.inputs);
  stage("report");
  const recordsFile = [...records.values()].map(recordLine).sort().join("");
  const breakdown = breakdownFile(result.requests);
  const cursorBlock = lastLogBlockAtOrBefore(args.logs, end);
  const manifest: ReportManifest = {
    network: args.network,
    chainId: args.chainId,
    contracts: {
      feeRouter: contractAddress(args.record, "FeeRouter"),
      modelRegistry: contractAddress(args.record, "ModelRegistry"),
      datanetRegistry: contractAddress(args.record, "DatanetRegistry"),
      rewardDistributor: contractAddress(args.record, "RewardDistributor"),
    },
    epochs: { from: fromEpoch.toString(), to: toEpoch.toString(), endsAt: end.toString() },
    blocks: { from: "0", to: cursorBlock.toString(), toHash: "", confirmations: args.confirmations },
    events: eventManifest(args.logs, cursorBlock),
    parameters: { ...args.span },
    code: { version: SETTLEMENT_CODE_VERSION, reportVersion: 1 },
    previous:
      previous === undefined
        ? null
        : {
            epoch: previous.root.epoch.toString(),
            root: previous.root.root,
            reportHash: previous.root.reportHash,
            total: previous.root.totalCumulative.toString(),
          },
    content: { used: data.used, missing: data.missing },
  };
  const report = buildReport({
    manifest,
    result,
    previous: prevBalances,
    root,
    files: {
      records: { hash: keccakHexFast(new TextEncoder().encode(recordsFile)), count: records.size },
      breakdown: { hash: keccakHexFast(new TextEncoder().encode(breakdown)), count: result.requests.length },
      tree: { hash: treeHash, accounts: entries.length },
    },
    escrowed: args.escrowed,
    flags: { nearCopies, sizeMismatches: data.sizeMismatches },
    fees: feeTotals(state, fromEpoch, toEpoch),
    contributions: creditedContributions(state, result),
  });
  const encoded = encodeReport(report);
  return {
    fromEpoch,
    toEpoch,
    root,
    total: result.total,
    reportHash: encoded.hash,
    reportBytes: encoded.bytes,
    tree,
    recordsFile,
    breakdown,
    result,
    accounts: entries.length,
  };
}

/**
 * Near-copies in each model's training texts (w-shingling against earlier contributions,
 * src/attribution/near-copy.ts), for `poa penalize`: one flag per contribution.
 */
function nearCopyFlags(models: ReadonlyMap<string, import("./compute.js").ModelInputs>): Json[] {
  const flags = new Map<string, Json>();
  for (const [, m] of [...models].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))) {
    const docs = [...m.documents]
      .filter((d) => d.text !== undefined)
      .sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1));
    for (const flag of findNearCopies(docs.map((d) => ({ id: d.contributionId.toString(), text: d.text! })))) {
      if (flags.has(flag.id)) continue;
      const doc = docs.find((d) => d.contributionId.toString() === flag.id)!;
      flags.set(flag.id, {
        contributionId: flag.id,
        contributor: doc.contributor,
        coverage: flag.coverage,
        datanetId: doc.datanetId.toString(),
        sources: flag.sources,
        tokens: flag.tokens,
      });
    }
  }
  return [...flags.values()];
}

/** Writes a settlement folder (atomic files) and puts the report in the content store. */
export async function publish(folder: string, computed: ComputedEpoch, content: ContentStore): Promise<string> {
  mkdirSync(folder, { recursive: true });
  writeFileAtomic(join(folder, "records.jsonl"), computed.recordsFile);
  writeFileAtomic(join(folder, "breakdown.jsonl"), computed.breakdown);
  if (computed.tree === undefined) writeFileAtomic(join(folder, "tree.json"), "");
  else {
    // Streamed to a temporary name, then renamed: readers never see half a tree.
    const tmp = join(folder, `tree.json.${process.pid}.tmp`);
    await writeTreeJson(computed.tree, tmp);
    renameSync(tmp, join(folder, "tree.json"));
  }
  writeFileAtomic(join(folder, "report.json"), computed.reportBytes);
  await content.put(new TextEncoder().encode(computed.recordsFile));
  const stored = await content.put(computed.reportBytes);
  return `ipfs://${stored.cid}`;
}

/** Records the run, its balances and the records it used in the store (replacing an earlier attempt). */
async function saveRun(
  db: Database,
  job: string,
  network: string,
  computed: ComputedEpoch,
  reportURI: string,
  folder: string,
  records: ReadonlyMap<string, InferenceRecord>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("DELETE FROM settlement_run WHERE job = $1", [job]);
    await tx.query(
      `INSERT INTO settlement_run (job, network, from_epoch, to_epoch, root, total, report_hash, report_uri, folder, accounts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        job,
        network,
        computed.fromEpoch,
        computed.toEpoch,
        computed.root,
        computed.total,
        computed.reportHash,
        reportURI,
        folder,
        computed.accounts,
      ],
    );
    const balances = [...computed.result.cumulative].map(([account, cumulative]) => ({
      account: account.toLowerCase(),
      cumulative: cumulative.toString(),
      earned: (computed.result.earned.get(account) ?? 0n).toString(),
    }));
    for (let i = 0; i < balances.length; i += 50_000)
      await tx.query(
        `INSERT INTO settlement_balance (job, account, cumulative, earned)
         SELECT $1, x.account, x.cumulative::numeric, x.earned::numeric
           FROM jsonb_to_recordset($2::jsonb) AS x(account TEXT, cumulative TEXT, earned TEXT)`,
        [job, JSON.stringify(balances.slice(i, i + 50_000))],
      );
    const used = computed.recordsFile === "" ? [] : computed.recordsFile.trimEnd().split("\n");
    const rows = used.map((line) => {
      const r = JSON.parse(line) as { requestHash: string; modelId: string; payer: string };
      return { request_hash: r.requestHash, model_id: r.modelId, payer: r.payer.toLowerCase(), line };
    });
    void records;
    for (let i = 0; i < rows.length; i += 20_000)
      await tx.query(
        `INSERT INTO settlement_record (request_hash, job, model_id, payer, line)
         SELECT x.request_hash, $1, x.model_id::numeric, x.payer, x.line
           FROM jsonb_to_recordset($2::jsonb) AS x(request_hash TEXT, model_id TEXT, payer TEXT, line TEXT)
         ON CONFLICT (request_hash) DO UPDATE SET job = EXCLUDED.job, line = EXCLUDED.line`,
        [job, JSON.stringify(rows.slice(i, i + 20_000))],
      );
  });
}

/** \`poa settle\`. */
export async function settle(options: SettleOptions): Promise<SettleResult> {
  const { context, record } = options;
  const emit = options.onEvent ?? (() => {});
  const confirmations = options.confirmations ?? 2;
  const span = options.span ?? DEFAULT_SPAN_PARAMETERS;
  const content = new ContentStore(options.content);
  const db = await openStore(options.store, { lockName: `settle:${context.name}`, migrations: [SETTLEMENT_SCHEMA] });
  try {
    const distributor = RewardDistributor__factory.connect(contractAddress(record, "RewardDistributor"), context.l2);
    const [genesis, epochLength] = await onChain("read the distributor's epoch clock", () =>
      Promise.all([distributor.genesis(), distributor.epochLength()]),
    );
    const clock = { genesis, epochLength };
    const loaded = await indexAndLoad(db, context, record, confirmations, emit, options.signal);
    const { state } = loaded;
    const finalized = finalizedRoot(state);
    const fromEpoch = finalized === undefined ? 0n : finalized.epoch + 1n;
    const toEpoch = options.epoch ?? fromEpoch;
    // Live, not from the index (which stays behind the head): an epoch below nextEpoch is final.
    const nextEpoch = await onChain("read the next epoch to settle", () => distributor.nextEpoch());
    if (toEpoch < nextEpoch && (finalized === undefined || toEpoch > finalized.epoch)) {
      const [liveRoot, liveTotal] = await onChain("read the finalized root", () =>
        Promise.all([distributor.root(), distributor.finalizedTotal()]),
      );
      return {
        network: context.name,
        fromEpoch: toEpoch,
        toEpoch,
        root: liveRoot.toLowerCase() as Hex,
        total: liveTotal,
        reportHash: `0x${"00".repeat(32)}`,
        reportURI: "",
        folder: "",
        accounts: 0,
        proposeTx: null,
        finalizeTx: null,
        outcome: "already finalized",
      };
    }
    if (finalized !== undefined && toEpoch <= finalized.epoch)
      return {
        network: context.name,
        fromEpoch: toEpoch,
        toEpoch,
        root: finalized.root,
        total: finalized.totalCumulative,
        reportHash: finalized.reportHash,
        reportURI: finalized.reportURI,
        folder: "",
        accounts: 0,
        proposeTx: null,
        finalizeTx: null,
        outcome: "already finalized",
      };
    const end = epochEnd(clock, toEpoch);
    if (end > loaded.cursorTime)
      throw new PoaError(
        "STATE_CONFLICT",
        `epoch ${toEpoch} has not ended: it ends at ${new Date(Number(end) * 1000).toISOString()} (chain time of the confirmed block: ${new Date(Number(loaded.cursorTime) * 1000).toISOString()})`,
        {
          details: { epoch: toEpoch.toString(), endsAt: end.toString(), chainTime: loaded.cursorTime.toString() },
          action: "Wait for the epoch to end (and for the confirmations), then settle it.",
        },
      );

    // Who proposes must be allowed to, and able to post the bond: checked before any work.
    const settler = context.account();
    const [isSettler, bond, balance] = await onChain("read the settler's role and balance", () =>
      Promise.all([
        distributor.SETTLER_ROLE().then((role) => distributor.hasRole(role, settler)),
        distributor.settlerBond(),
        context.l2.getBalance(settler),
      ]),
    );
    if (!isSettler)
      throw new PoaError(
        "STATE_CONFLICT",
        `${settler} is not a settler: it does not hold the RewardDistributor's SETTLER_ROLE`,
        {
          details: { account: settler, role: "SETTLER_ROLE" },
          action: "Settle with the settler's key, or have governance grant the role.",
        },
      );
    if (balance < bond)
      throw new PoaError(
        "INSUFFICIENT_FUNDS",
        `${settler} holds ${balance} wei of ETH on L2, less than the settler bond of ${bond} wei (plus gas)`,
        {
          details: { account: settler, balance: balance.toString(), bond: bond.toString() },
          action: "Fund the settler with ETH on the L2.",
        },
      );

    emit({ kind: "stage", stage: "check", detail: `${options.records.length} records file(s)` });
    const records = await readRecords(options.records, context.endpoints.l2ChainId);
    const escrowed = await onChain("read the escrow", () => distributor.escrowedThrough(toEpoch));

    const job = new Journal(db, `settle:${context.name}:epochs-${fromEpoch}-${toEpoch}`);
    const folder = resolve(options.out ?? join("settlement", context.name), `epoch-${toEpoch}`);
    const recordsHash = keccakHexFast(new TextEncoder().encode([...records.keys()].sort().join("\n")));
    let computed: ComputedEpoch | undefined;
    const computeStep = await job.run(
      "compute",
      {
        fromEpoch: fromEpoch.toString(),
        toEpoch: toEpoch.toString(),
        records: recordsHash,
        span: span as unknown as Json,
        code: SETTLEMENT_CODE_VERSION,
      },
      async () => {
        computed = await computeEpochs({
          network: context.name,
          chainId: context.endpoints.l2ChainId,
          record,
          state,
          logs: loaded.logs,
          clock,
          fromEpoch,
          toEpoch,
          escrowed,
          records,
          content,
          span,
          confirmations,
          onEvent: emit,
        });
        emit({ kind: "stage", stage: "write", detail: folder });
        const reportURI = await publish(folder, computed, content);
        emit({ kind: "stage", stage: "save", detail: "the run's balances and records into the store" });
        await saveRun(db, job.job, context.name, computed, reportURI, folder, records);
        return {
          root: computed.root,
          total: computed.total.toString(),
          reportHash: computed.reportHash,
          reportURI,
          folder,
          accounts: computed.accounts,
        } as Json;
      },
    );
    const out = computeStep.outputs as {
      root: Hex;
      total: string;
      reportHash: Hex;
      reportURI: string;
      folder: string;
      accounts: number;
    };
    const total = BigInt(out.total);

    // Propose (once: the outbox records the signed transaction before broadcasting it).
    const wallet = new Wallet(context.key!, context.l2);
    const sender = new WalletTxSender(wallet, context.endpoints.l2Rpc);
    const outbox = new Outbox(db);
    // What is pending right now (live, not the index: the index stays `confirmations` behind).
    const live = await onChain("read the pending root", () => distributor.pendingRoot());
    const livePending = live.challengeDeadline !== 0n;
    const alreadyPending = livePending && live.root.toLowerCase() === out.root && BigInt(live.epoch) === toEpoch;
    const alreadyFinal =
      (await onChain("read the finalized root", () => distributor.root())).toLowerCase() === out.root;
    let proposeTx: Hex | null = null;
    if (livePending && !alreadyPending)
      throw new PoaError(
        "STATE_CONFLICT",
        `a root is already pending for epoch ${live.epoch} (${live.root}, proposed by ${live.settler})`,
        {
          details: { epoch: live.epoch.toString(), root: live.root, settler: live.settler },
          action: "Wait for it to be finalized or dropped, or verify it and challenge it if it is wrong.",
        },
      );
    if (!alreadyPending && !alreadyFinal) {
      emit({ kind: "stage", stage: "propose", detail: `root ${out.root}, total ${total}` });
      const bond = await onChain("read the settler bond", () => distributor.settlerBond());
      const data = distributor.interface.encodeFunctionData("propose", [
        toEpoch,
        out.root,
        total,
        out.reportHash,
        out.reportURI,
      ]);
      // One outbox entry per attempt: a proposal that was mined but is neither pending nor final
      // was dropped (revoked by the guardian, or a challenge was upheld); the next is a new attempt.
      let attempt = 0;
      let before = await outbox.get(`propose:${context.name}:${toEpoch}:${out.root}:${attempt}`);
      while (before?.status === "mined")
        before = await outbox.get(`propose:${context.name}:${toEpoch}:${out.root}:${++attempt}`);
      const id = `propose:${context.name}:${toEpoch}:${out.root}:${attempt}`;
      const entry = await outbox.send(
        id,
        { to: await distributor.getAddress(), data: data as Hex, value: bond },
        sender,
        {
          pollMs: options.pollMs ?? 250,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        },
      );
      if (entry.status === "reverted")
        throw new PoaError("CONTRACT_REVERTED", `the proposal of epoch ${toEpoch} reverted (${entry.txHash})`, {
          details: { txHash: entry.txHash },
          action: "Read the revert with the transaction hash; the settler may lack SETTLER_ROLE or the bond.",
        });
      proposeTx = entry.txHash;
    }

    const base: SettleResult = {
      network: context.name,
      fromEpoch,
      toEpoch,
      root: out.root,
      total,
      reportHash: out.reportHash,
      reportURI: out.reportURI,
      folder: out.folder,
      accounts: out.accounts,
      proposeTx,
      finalizeTx: null,
      outcome: "proposed",
      ...(computed === undefined ? {} : { result: computed.result }),
    };
    if (alreadyFinal)
      return { ...base, outcome: toEpoch < (await distributor.nextEpoch()) ? "already finalized" : "finalized" };
    if (options.wait === false) return base;

    // Wait out the challenge window on chain time, then finalize (once).
    const onChainPending = await onChain("read the pending root", () => distributor.pendingRoot());
    const deadline = BigInt(onChainPending.challengeDeadline);
    for (;;) {
      const latest = await onChain("read the chain time", () => context.l2.getBlock("latest"));
      const now = BigInt(latest?.timestamp ?? 0);
      if (now > deadline) break;
      emit({ kind: "wait", remaining: deadline - now + 1n, deadline });
      if (options.signal?.aborted === true)
        throw new PoaError("INTERRUPTED", "settlement interrupted while waiting for the challenge window", {
          action: "Run it again: it resumes and finalizes.",
        });
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
    if ((await onChain("read the finalized root", () => distributor.root())).toLowerCase() === out.root)
      return { ...base, outcome: "finalized" };
    emit({ kind: "stage", stage: "finalize" });
    const data = distributor.interface.encodeFunctionData("finalize");
    const entry = await outbox.send(
      `finalize:${context.name}:${toEpoch}:${out.root}`,
      { to: await distributor.getAddress(), data: data as Hex },
      sender,
      {
        pollMs: options.pollMs ?? 250,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    if (entry.status === "reverted")
      throw new PoaError("CONTRACT_REVERTED", `finalizing epoch ${toEpoch} reverted (${entry.txHash})`, {
        details: { txHash: entry.txHash },
      });
    return { ...base, finalizeTx: entry.txHash, outcome: "finalized" };
  } finally {
    await db.close();
  }
}

/** The canonical JSON of a value (for CLI output). */
export function canonical(value: Json): string {
  return canonicalJson(value);
}
