import { formatOpen } from "../../core/amount.js";
import { defineCommand } from "../define.js";
import { EXIT } from "../hints.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";
import { progress, type Progress } from "../output.js";

/** Options of the commands that keep settlement state and read contribution bytes. */
export const STATE_OPTIONS = {
  store: {
    type: "string",
    placeholder: "<folder|postgres://…>",
    description:
      "state store: a folder (embedded PostgreSQL, PGlite) or a PostgreSQL server URL (default .poa/<network>/store)",
  },
  content: {
    type: "path",
    default: ".poa/content",
    description: "content store folder (contribution bytes, artifacts, reports)",
  },
  confirmations: { type: "integer", min: 1, default: 2, description: "blocks behind the L2 head that are never read" },
} as const;

const SPAN_OPTIONS = {
  "min-span": { type: "integer", min: 1, default: 4, description: "shortest credited span, in tokens" },
  "max-count": {
    type: "integer",
    min: 1,
    default: 10,
    description: "a span occurring more often is common, not credited",
  },
} as const;

/** Prints the pipeline's events: stages as lines, long reads as a bar, the wait as a line every 5 s. */
export function settlePrinter() {
  let bar: Progress | undefined;
  let barLabel = "";
  let lastWait = 0;
  return (event: import("../../settlement/pipeline.js").SettleEvent) => {
    if (event.kind === "stage") {
      bar?.done();
      bar = undefined;
      process.stderr.write(`${event.stage}${event.detail === undefined ? "" : `: ${event.detail}`}\n`);
    } else if (event.kind === "progress") {
      if (event.total <= 0) return;
      if (bar === undefined || barLabel !== event.label) {
        bar?.done();
        bar = progress(event.label, event.total);
        barLabel = event.label;
      }
      bar.set(event.done);
      if (event.done >= event.total) {
        bar.done();
        bar = undefined;
      }
    } else if (Date.now() - lastWait > 5000) {
      lastWait = Date.now();
      process.stderr.write(
        `waiting for the challenge window: ${event.remaining} s of chain time left (until ${new Date(Number(event.deadline) * 1000).toISOString()})\n`,
      );
    }
  };
}

export const settleCommand = defineCommand({
  name: "settle",
  summary: "Settle an epoch: attribute, compute payouts, publish the report and tree, propose, wait, finalize",
  description: `Reads the L2 into the state store up to --confirmations behind the head, checks every off-chain
input against the chain (each inference record's hash against its payment's requestHash, each
contribution's bytes against its on-chain content hash), attributes each paid output to the
contributions of the model's training data, splits the contributors' and stakers' pools exactly,
adds the amounts to the previous cumulative balances, checks the sanity invariants, writes the
report, the tree (StandardMerkleTree dump), the records and a per-request breakdown to
settlement/<network>/epoch-<N>/, proposes the root with the settler bond, waits out the challenge
window and finalizes. By default it settles the oldest ended epoch without a finalized root.

Resumable: Ctrl-C or kill -9 at any point, then the same command, ends at the same root with
exactly one proposal. A second run on the same store at the same time is refused. A finished
epoch is reported as such and nothing changes. --no-wait stops after proposing; a later run
finalizes. Rules and formats: docs/settlement.md.`,
  options: {
    ...NETWORK_OPTIONS,
    ...STATE_OPTIONS,
    epoch: {
      type: "integer",
      min: 0,
      description: "the last epoch to settle (default: the oldest unsettled ended epoch)",
    },
    records: {
      type: "path",
      multiple: true,
      placeholder: "<file.jsonl>",
      description: "inference records (JSON Lines, from `poa records export`)",
    },
    out: {
      type: "path",
      placeholder: "<folder>",
      description: "where settlement folders go (default settlement/<network>)",
    },
    "no-wait": { type: "boolean", description: "stop after proposing (a later run finalizes)" },
    ...SPAN_OPTIONS,
  },
  examples: [
    "npx poa settle --records records.jsonl",
    "npx poa settle --epoch 3 --no-wait --records a.jsonl --records b.jsonl",
  ],
  async run(args) {
    const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
    const { settle } = await import("../../settlement/pipeline.js");
    const context = await resolveNetwork(networkSelection(args));
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      const record = await loadDeployment(context);
      const result = await settle({
        context,
        record,
        store: args.store ?? `.poa/${context.name}/store`,
        content: args.content,
        ...(args.out === undefined ? {} : { out: args.out }),
        ...(args.epoch === undefined ? {} : { epoch: BigInt(args.epoch) }),
        confirmations: args.confirmations,
        records: args.records,
        span: { minSpan: args.minSpan, maxCount: args.maxCount, value: "length" },
        wait: !args.noWait,
        onEvent: settlePrinter(),
        signal: abort.signal,
      });
      if (result.outcome === "already finalized") {
        console.log(`Epoch ${result.toEpoch} is already settled: root ${result.root} is final. Nothing changed.`);
        return EXIT.ok;
      }
      console.log(
        `Epochs ${result.fromEpoch}..${result.toEpoch}: root ${result.root}, total ${formatOpen(result.total)} OPEN over ${result.accounts} accounts`,
      );
      console.log(`Report ${result.folder}/report.json (hash ${result.reportHash}, ${result.reportURI})`);
      console.log(
        result.outcome === "finalized"
          ? `Finalized${result.finalizeTx === null ? " (already)" : ` in ${result.finalizeTx}`}: contributors can claim (\`npx poa claim --all\`).`
          : `Proposed${result.proposeTx === null ? " (already)" : ` in ${result.proposeTx}`}; run \`npx poa settle\` again after the challenge window to finalize.`,
      );
      return EXIT.ok;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      context.close();
    }
  },
});

export const verifyCommand = defineCommand({
  name: "verify",
  summary: "Recompute a posted root from public inputs and compare it with the chain (optionally challenge it)",
  description: `Recomputes the latest root proposed for an epoch from public inputs only: the chain (read into
the verifier's own store) and what the settlement published (its report, records and the
contribution bytes in the content store), and compares the root, the total and the report hash
with what is on-chain. Prints the first accounts that differ. --challenge posts the challenger
bond when they differ and the window is open; --watch checks every new proposal as it appears.`,
  options: {
    ...NETWORK_OPTIONS,
    ...STATE_OPTIONS,
    store: {
      type: "string",
      placeholder: "<folder|postgres://…>",
      description: "the verifier's own state store (default .poa/<network>/verify)",
    },
    epoch: { type: "integer", min: 0, description: "the epoch to check (default: the latest proposal)" },
    folder: {
      type: "path",
      placeholder: "<folder>",
      description: "the published settlement folder (default settlement/<network>/epoch-<N>)",
    },
    challenge: { type: "boolean", description: "challenge the root when it differs (posts the challenger bond)" },
    watch: { type: "boolean", description: "keep checking every new proposal until Ctrl-C" },
    "poll-ms": { type: "integer", min: 100, default: 2000, description: "how often --watch looks for new proposals" },
  },
  exitCodes: ["   for this command: 0 the posted root matches; 1 it differs; 3 could not check"],
  examples: ["npx poa verify --epoch 0", "npx poa verify --watch --challenge"],
  async run(args) {
    const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
    const { verifyEpoch } = await import("../../settlement/verify.js");
    const context = await resolveNetwork(networkSelection(args));
    try {
      const record = await loadDeployment(context);
      const once = async (epoch: bigint | undefined) => {
        const folderOf = (e: bigint) => args.folder ?? `settlement/${context.name}/epoch-${e}`;
        const result = await verifyEpoch({
          context,
          record,
          store: args.store ?? `.poa/${context.name}/verify`,
          content: args.content,
          confirmations: args.confirmations,
          ...(epoch === undefined ? {} : { epoch, folder: folderOf(epoch) }),
          ...(epoch === undefined && args.folder !== undefined ? { folder: args.folder } : {}),
          challenge: args.challenge,
        });
        const head = `epoch ${result.epoch}: posted root ${result.posted.root} (${result.posted.status}, total ${formatOpen(result.posted.total)} OPEN, settler ${result.posted.settler})`;
        if (result.verdict === "match") {
          console.log(`ok      ${head}: recomputed from public inputs, identical`);
          return EXIT.ok;
        }
        console.log(`DIFFERS ${head}`);
        for (const reason of result.reasons) console.log(`  ${reason}`);
        for (const d of result.differences.slice(0, 10))
          console.log(
            `  ${d.account}: posted ${d.posted === null ? "(absent)" : formatOpen(d.posted)}, recomputed ${d.recomputed === null ? "(absent)" : formatOpen(d.recomputed)} OPEN`,
          );
        if (result.differences.length > 10) console.log(`  … and ${result.differences.length - 10} more accounts`);
        if (result.challengeTx !== null)
          console.log(`Challenged in ${result.challengeTx}: the resolver decides; the bond goes to whoever is right.`);
        return EXIT.failure;
      };
      if (!args.watch) return await once(args.epoch === undefined ? undefined : BigInt(args.epoch));
      const seen = new Set<string>();
      let stop = false;
      const onSignal = () => (stop = true);
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      let worst: number = EXIT.ok;
      while (!stop) {
        const { RewardDistributor__factory } = await import("../../../types/ethers-contracts/index.js");
        const distributor = RewardDistributor__factory.connect(record.contracts.RewardDistributor!.address, context.l2);
        const proposals = await distributor.queryFilter(distributor.filters.RootProposed());
        for (const p of proposals) {
          const key = `${p.args.epoch}:${p.args.root}:${p.blockNumber}`;
          if (seen.has(key)) continue;
          seen.add(key);
          try {
            worst = Math.max(worst, await once(p.args.epoch));
          } catch (error) {
            console.error(`epoch ${p.args.epoch}: could not check (${(error as Error).message})`);
          }
        }
        await new Promise((r) => setTimeout(r, args.pollMs));
      }
      return worst;
    } finally {
      context.close();
    }
  },
});

export const claimCommand = defineCommand({
  name: "claim",
  summary: "Claim what the finalized root owes an account (or every account, in batches)",
  description: `Claims against the finalized root with a proof rebuilt from its published report (fetched by the
CID in its reportURI from the content store and checked against the on-chain report hash and
root). --account claims one account (claimWithRoot); --all claims for every account with
something left, in batches (claimBatch), skipping those fully claimed. The OPEN always goes to
the account, whoever sends the claim.`,
  options: {
    ...NETWORK_OPTIONS,
    content: STATE_OPTIONS.content,
    account: { type: "address", description: "the account to claim for" },
    all: { type: "boolean", description: "claim for every account with something left" },
    "batch-size": {
      type: "integer",
      min: 1,
      max: 500,
      default: 100,
      description: "accounts per claimBatch transaction",
    },
  },
  examples: ["npx poa claim --account 0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "npx poa claim --all"],
  async run(args) {
    const { usageError } = await import("../define.js");
    if ((args.account === undefined) === !args.all) throw usageError("give exactly one of --account <0x…> and --all");
    const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
    const { claimAll, claimOne } = await import("../../settlement/claim.js");
    const context = await resolveNetwork(networkSelection(args));
    try {
      const record = await loadDeployment(context);
      const signer = context.signers().l2;
      if (args.account !== undefined) {
        const out = await claimOne({ record, signer, content: args.content, account: args.account });
        console.log(
          `Claimed ${formatOpen(out.paid)} OPEN for ${out.account} (cumulative ${formatOpen(out.cumulative)}, paid before ${formatOpen(out.alreadyClaimed)}) in ${out.txHash}`,
        );
        return EXIT.ok;
      }
      let bar: Progress | undefined;
      const out = await claimAll({
        record,
        signer,
        content: args.content,
        batchSize: args.batchSize,
        onProgress: (done, total) => {
          bar ??= progress("claiming", total);
          bar.set(done);
          if (done >= total) bar.done();
        },
      });
      const paid = out.claimed.reduce((s, c) => s + c.paid, 0n);
      console.log(
        `Claimed ${formatOpen(paid)} OPEN for ${out.claimed.length} accounts in ${out.txHashes.length} transaction(s) against epoch ${out.epoch}'s root; ${out.skipped} had nothing left.`,
      );
      return EXIT.ok;
    } finally {
      context.close();
    }
  },
});

export const penalizeCommand = defineCommand({
  name: "penalize",
  summary: "Slash contributions that attribution flagged as near-copies, within their bond period (PENALTY_ROLE)",
  description: `The holder of the DatanetRegistry's PENALTY_ROLE slashes accepted contributions that are still
bonded. --from-report takes the contributions a settlement report flags as near-copies (most of
their text already in earlier contributions: docs/settlement.md); --contribution names them one
by one. Contributions no longer accepted, or whose bond period ended, are skipped and said so.`,
  options: {
    ...NETWORK_OPTIONS,
    contribution: { type: "integer", min: 1, multiple: true, description: "a contribution to penalise" },
    "from-report": {
      type: "path",
      placeholder: "<folder>",
      description: "a settlement folder whose near-copy flags to penalise",
    },
    "slash-bps": {
      type: "integer",
      min: 0,
      max: 10_000,
      default: 5_000,
      description: "share of the stake slashed, in basis points",
    },
    reason: {
      type: "string",
      default: "near copy of earlier contributions",
      description: "why (its keccak-256 goes on-chain)",
    },
  },
  examples: [
    "npx poa penalize --from-report settlement/devnet/epoch-0",
    "npx poa penalize --contribution 7 --slash-bps 2000",
  ],
  async run(args) {
    const { usageError } = await import("../define.js");
    if ((args.contribution.length === 0) === (args.fromReport === undefined))
      throw usageError("give --contribution <id> (repeatable) or --from-report <folder>");
    const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
    const { penalize, flaggedIn } = await import("../../settlement/penalize.js");
    const ids = args.fromReport === undefined ? args.contribution.map((c) => BigInt(c)) : flaggedIn(args.fromReport);
    if (ids.length === 0) {
      console.log("The report flags no contribution: nothing to penalise.");
      return EXIT.ok;
    }
    const context = await resolveNetwork(networkSelection(args));
    try {
      const record = await loadDeployment(context);
      const results = await penalize({
        record,
        signer: context.signers().l2,
        contributions: ids,
        slashBps: args.slashBps,
        reason: args.reason,
      });
      for (const r of results)
        console.log(
          r.txHash === null
            ? `contribution ${r.contributionId}: skipped, ${r.skipped}`
            : `contribution ${r.contributionId}: penalised (${args.slashBps} bps) in ${r.txHash}`,
        );
      return EXIT.ok;
    } finally {
      context.close();
    }
  },
});

export const proofsServe = defineCommand({
  name: "proofs serve",
  summary: "Serve Merkle proofs of a settled epoch over HTTP (read-only, 127.0.0.1)",
  description: `Serves GET /proof/<account> -> {account, cumulativeAmount, proof, root, epoch} from a settlement
folder's tree.json (or a proof shard folder), for wallets and scripts that claim. Read-only; an
unknown account is a 404 with a JSON error, a malformed address a 400. Runs until Ctrl-C.`,
  options: {
    network: NETWORK_OPTIONS.network,
    epoch: { type: "integer", min: 0, required: true, description: "the settled epoch" },
    folder: {
      type: "path",
      placeholder: "<folder>",
      description: "the settlement folder (default settlement/<network>/epoch-<N>)",
    },
    shards: {
      type: "path",
      placeholder: "<folder>",
      description: "serve from a proof shard folder instead of tree.json",
    },
    host: { type: "string", default: "127.0.0.1", description: "address to listen on" },
    port: { type: "integer", min: 0, max: 65535, default: 8547, description: "port (0: any free port)" },
  },
  examples: ["npx poa proofs serve --epoch 0", "npx poa proofs serve --epoch 0 --port 0"],
  async run(args) {
    const { readFileSync, existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { startProofServer } = await import("../../settlement/proofs.js");
    const { PoaError } = await import("../../core/errors.js");
    const folder = args.folder ?? join("settlement", args.network, `epoch-${args.epoch}`);
    const reportPath = join(folder, "report.json");
    if (!existsSync(reportPath))
      throw new PoaError("FILE_NOT_FOUND", `no settlement report at ${reportPath}`, {
        details: { path: reportPath },
        action: "Settle the epoch first, or give the folder it was written to.",
      });
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as { root: string };
    const server = await startProofServer({
      root: report.root,
      epoch: args.epoch,
      host: args.host,
      port: args.port,
      ...(args.shards === undefined ? { treeFile: join(folder, "tree.json") } : { shards: args.shards }),
    });
    console.log(
      `Serving proofs of epoch ${args.epoch} (root ${report.root}) at ${server.url}/proof/<account>. Ctrl-C stops.`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    console.log("Stopped.");
  },
});
