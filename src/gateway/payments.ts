/**
 * Paying the FeeRouter for served requests, in batches, exactly once each.
 *
 * Records wait in the store as `unpaid`. A model's records are paid with one `payBatch` when it
 * has `batchSize` of them, when its oldest has waited `flushIntervalMs`, when a price change is
 * about to take effect, or when the gateway stops. A batch is made in one transaction: a
 * `gateway_batch` row with its calldata (fixed from then on) and its records marked `batched`.
 * It is sent through the store's outbox (src/store/outbox.ts), which records the signed
 * transaction before broadcasting it, so after a crash the same transaction is looked up or
 * broadcast again, never a second one for the same batch. One batch is in flight at a time.
 *
 * When the transaction is mined, the `RequestPaid` events of its receipt are matched to the
 * batch's records by request hash (all of them, or the batch is refused as inconsistent), and the
 * records become `paid` with the FeeRouter's request id, fee, block and epoch.
 *
 * `payBatch` is all or nothing. When a batch would revert (the outbox refuses to sign it) or did
 * revert, nothing of it was paid by that transaction; before its records are batched again, each
 * hash is looked up on-chain (`requestIdOf(operator, hash)`), and a hash already paid (by any
 * transaction of the operator) is marked paid from its event, never paid again. The rest:
 * - the model or its base is paused: `held`, retried when it is active again;
 * - the model or its base is retired: `void` (it can never be paid), and the user's charge is
 *   given back to their credit;
 * - anything else (the router paused, the operator short of OPEN or gas): `unpaid` again, and
 *   the loop backs off and retries, reporting the reason.
 *
 * Price guard: each request carries `maxFee` = the fee the user was charged. If the chain would
 * now charge more (a scheduled price took effect while the payment was delayed), the request's
 * guard is raised to the new fee before batching: the operator pays the difference, the user is
 * never charged more than they were told.
 *
 * Backlog bound: records not yet paid (unpaid or batched) plus requests in progress may not
 * exceed `maxBacklog`. At the bound, new requests are refused (BACKLOG_FULL, HTTP 503) with the
 * reason payments are not getting through, until payments catch up.
 */
import { type JsonRpcApiProvider, MaxUint256 } from "ethers";

import { chainError } from "../chain/errors.js";
import { PoaError, isPoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { Outbox, type Database, type OutboxStage } from "../store/index.js";
import type { FeeRouter, L2OpenToken } from "../../types/ethers-contracts/index.js";
import type { ChainClock } from "./clock.js";
import type { CreditLedger } from "./credit.js";
import { feeUp } from "./fees.js";
import { termsNow, type ModelDirectory } from "./models.js";
import type { OperatorSender } from "./sender.js";

export interface PaymentOptions {
  /** Requests per `payBatch` (default 100). */
  batchSize: number;
  /** Longest a record waits for its batch, in ms (default 5,000). */
  flushIntervalMs: number;
  /** Most records not yet paid, plus requests in progress (default 10,000). */
  maxBacklog: number;
  /** Blocks on top before a payment counts as final (default 1). */
  confirmations?: number;
  /** Poll interval while a transaction is mined (default 50 ms). */
  pollMs?: number;
  /** Observes each step of each batch (for progress, logs and crash tests). */
  onStage?: (stage: PaymentStage, batch: { batchId: bigint; modelId: bigint; requests: number }) => void;
  /** Called with each error the loop recovers from. */
  onError?: (error: PoaError) => void;
}

export type PaymentStage = "batched" | OutboxStage | "paid" | "failed";

export interface PaymentDeps {
  db: Database;
  sender: OperatorSender;
  provider: JsonRpcApiProvider;
  router: FeeRouter;
  token: L2OpenToken;
  operator: string;
  chainId: bigint;
  directory: ModelDirectory;
  clock: ChainClock;
  ledger: CreditLedger;
}

interface BatchRow {
  batch_id: bigint;
  model_id: bigint;
  outbox_id: string;
  calldata: Hex;
  requests: number;
}

export interface PaymentStatus {
  /** Records not yet paid (unpaid or in a batch being paid). */
  backlog: number;
  /** Requests admitted and not yet recorded. */
  inProgress: number;
  maxBacklog: number;
  /** Records waiting for a paused model. */
  held: number;
  batchesPaid: number;
  requestsPaid: number;
  /** Requests whose guard was raised to a new price (the operator paid the difference). */
  repriced: number;
  lastPaidAt: string | undefined;
  /** Why payments are not getting through, if they are not. */
  lastError: { code: string; message: string; since: string } | undefined;
}

/** RequestPaid fields of one payment, from a receipt or a log. */
interface Paid {
  requestHash: Hex;
  requestId: bigint;
  fee: bigint;
  epoch: bigint;
  blockNumber: bigint;
  txHash: Hex;
}

export class Payer {
  private readonly outbox: Outbox;
  /** Per model: records waiting (unpaid, not batched) and the wall time of the oldest. */
  private readonly waiting = new Map<string, { count: number; oldest: number }>();
  private backlog = 0;
  private inProgress = 0;
  private held = 0;
  private batchesPaid = 0;
  private requestsPaid = 0;
  private repriced = 0;
  private lastPaidAt: Date | undefined;
  private lastError: { error: PoaError; since: Date } | undefined;
  private stopping = false;
  private draining = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private allowanceChecked = false;
  private heldCheckedAt = 0;

  constructor(
    private readonly deps: PaymentDeps,
    private readonly options: PaymentOptions,
  ) {
    this.outbox = new Outbox(deps.db);
  }

  /** Loads the counts from the store (call once, before serving). */
  async load(): Promise<void> {
    const { rows } = await this.deps.db.query<{ model_id: bigint; state: string; n: bigint; oldest: Date }>(
      `SELECT model_id, state, count(*) AS n, min(created_at) AS oldest FROM gateway_record
        WHERE state IN ('unpaid', 'batched', 'held') GROUP BY model_id, state`,
    );
    for (const r of rows) {
      if (r.state === "held") this.held += Number(r.n);
      else this.backlog += Number(r.n);
      if (r.state === "unpaid")
        this.waiting.set(r.model_id.toString(), { count: Number(r.n), oldest: r.oldest.getTime() });
    }
  }

  status(): PaymentStatus {
    return {
      backlog: this.backlog,
      inProgress: this.inProgress,
      maxBacklog: this.options.maxBacklog,
      held: this.held,
      batchesPaid: this.batchesPaid,
      requestsPaid: this.requestsPaid,
      repriced: this.repriced,
      lastPaidAt: this.lastPaidAt?.toISOString(),
      lastError:
        this.lastError === undefined
          ? undefined
          : {
              code: this.lastError.error.code,
              message: this.lastError.error.message,
              since: this.lastError.since.toISOString(),
            },
    };
  }

  /**
   * Admits one request against the backlog bound (BACKLOG_FULL when it is reached); the returned
   * function gives the slot back if no record is written.
   */
  admit(): () => void {
    if (this.backlog + this.inProgress >= this.options.maxBacklog) {
      const why = this.lastError?.error;
      throw new PoaError(
        "BACKLOG_FULL",
        `the gateway has ${this.backlog} requests not yet paid on-chain (bound ${this.options.maxBacklog})` +
          (why === undefined
            ? ": payments are catching up"
            : ` because payments are failing since ${this.lastError!.since.toISOString()}: ${why.message}`),
        {
          details: {
            backlog: this.backlog,
            maxBacklog: this.options.maxBacklog,
            reason: why?.code,
            since: this.lastError?.since.toISOString(),
          },
          action: "Try again later: the gateway serves again as soon as its payments go through.",
        },
      );
    }
    this.inProgress++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.inProgress--;
      }
    };
  }

  /** A record was written for `modelId` (its admission slot is given back by the caller). */
  recorded(modelId: bigint): void {
    this.backlog++;
    const key = modelId.toString();
    const w = this.waiting.get(key);
    if (w === undefined) this.waiting.set(key, { count: 1, oldest: Date.now() });
    else w.count++;
    if ((this.waiting.get(key)?.count ?? 0) >= this.options.batchSize) this.wake();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops the loop; with `drain`, first pays every waiting record (until `timeoutMs`). */
  async stop(options: { drain?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (options.drain === true) {
      this.draining = true;
      this.wake();
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      while (this.backlog > 0 && Date.now() < deadline && this.loop !== undefined) {
        await new Promise((r) => setTimeout(r, 50));
        if (this.lastError !== undefined && this.lastError.error.kind === "unavailable") break;
      }
    }
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** Runs one pass now (tests and the drain use it through the loop). */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    let backoff = 250;
    while (!this.stopping) {
      let next: number;
      try {
        await this.ensureAllowance();
        await this.finishOpenBatches();
        await this.releaseHeld();
        next = await this.flushDue();
        if (this.lastError !== undefined && this.backlogClear()) this.lastError = undefined;
        backoff = 250;
      } catch (error) {
        const e = isPoaError(error) ? error : chainError(error, "pay the FeeRouter");
        if (this.lastError === undefined || this.lastError.error.code !== e.code)
          this.lastError = { error: e, since: new Date() };
        else this.lastError.error = e;
        this.options.onError?.(e);
        next = Date.now() + backoff;
        backoff = Math.min(backoff * 2, 5_000);
      }
      if (this.stopping) break;
      await this.sleepUntil(next);
    }
  }

  private backlogClear(): boolean {
    for (const w of this.waiting.values()) if (w.count > 0) return false;
    return true;
  }

  private sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.wakeUp = undefined;
          resolve();
        },
        Math.max(0, at - Date.now()),
      );
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async ensureAllowance(): Promise<void> {
    if (this.allowanceChecked) return;
    const router = await this.deps.router.getAddress();
    const allowance = await this.deps.token.allowance(this.deps.operator, router);
    if (allowance < 2n ** 200n) {
      const data = this.deps.token.interface.encodeFunctionData("approve", [router, MaxUint256]) as Hex;
      await this.outbox.send(
        `gateway:approve:${this.deps.chainId}:${router.toLowerCase()}`,
        { to: await this.deps.token.getAddress(), data },
        this.deps.sender,
        { pollMs: this.options.pollMs ?? 50, timeoutMs: 60_000 },
      );
    }
    this.allowanceChecked = true;
  }

  /** Batches left open by an earlier run (or an earlier failure) are finished first, in order. */
  private async finishOpenBatches(): Promise<void> {
    const { rows } = await this.deps.db.query<BatchRow>(
      "SELECT batch_id, model_id, outbox_id, calldata, requests FROM gateway_batch WHERE status = 'open' ORDER BY batch_id",
    );
    for (const batch of rows) await this.processBatch(batch);
  }

  /** Flushes every model that is due; returns when the next one will be due. */
  private async flushDue(): Promise<number> {
    const now = Date.now();
    let next = now + this.options.flushIntervalMs;
    const chainNow = this.deps.clock.now();
    for (const [key, w] of [...this.waiting]) {
      if (w.count <= 0) {
        this.waiting.delete(key);
        continue;
      }
      const modelId = BigInt(key);
      const soon = this.priceChangeSoon(modelId, chainNow);
      const due =
        this.draining || soon || w.count >= this.options.batchSize || now - w.oldest >= this.options.flushIntervalMs;
      if (!due) {
        next = Math.min(next, w.oldest + this.options.flushIntervalMs);
        continue;
      }
      while ((this.waiting.get(key)?.count ?? 0) > 0 && !this.stopping) {
        const batch = await this.createBatch(modelId);
        if (batch === undefined) break;
        await this.processBatch(batch);
        const left = this.waiting.get(key);
        if (left === undefined || left.count === 0) break;
        if (!this.draining && !soon && left.count < this.options.batchSize) {
          next = Math.min(next, left.oldest + this.options.flushIntervalMs);
          break;
        }
      }
    }
    return next;
  }

  /** True when scheduled terms of the model take effect within two flush intervals. */
  private priceChangeSoon(modelId: bigint, chainNow: bigint): boolean {
    const info = this.deps.directory.cached(modelId);
    const at = info?.scheduled?.effectiveAt;
    if (at === undefined || at === 0n) return false;
    return at > chainNow && at - chainNow <= BigInt(Math.ceil((2 * this.options.flushIntervalMs) / 1000) + 2);
  }

  /** Makes the next batch of `modelId` in one transaction (undefined when nothing waits). */
  private async createBatch(modelId: bigint): Promise<BatchRow | undefined> {
    const info = await this.deps.directory.get(modelId).catch(() => this.deps.directory.cached(modelId));
    const terms = info === undefined ? undefined : termsNow(info, this.deps.clock.now());
    const routerAddress = (await this.deps.router.getAddress()).toLowerCase();
    let repriced = 0;
    const batch = await this.deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ request_hash: Hex; tokens_in: bigint; tokens_out: bigint; max_fee: bigint }>(
        `SELECT request_hash, tokens_in, tokens_out, max_fee FROM gateway_record
          WHERE state = 'unpaid' AND model_id = $1 ORDER BY seq LIMIT $2 FOR UPDATE`,
        [modelId, this.options.batchSize],
      );
      if (rows.length === 0) return undefined;
      const requests = rows.map((r) => {
        let maxFee = r.max_fee;
        if (terms !== undefined) {
          const now = feeUp(terms, r.tokens_in, r.tokens_out);
          if (now > maxFee) {
            maxFee = now;
            repriced++;
          }
        }
        return { requestHash: r.request_hash, tokensIn: r.tokens_in, tokensOut: r.tokens_out, maxFee };
      });
      const raised = requests.filter((q, i) => q.maxFee !== rows[i]!.max_fee);
      if (raised.length > 0)
        await tx.query(
          `UPDATE gateway_record r SET max_fee = x.max_fee, note = 'price changed before payment: guard raised, the operator pays the difference'
             FROM jsonb_to_recordset($1::jsonb) AS x(request_hash TEXT, max_fee NUMERIC) WHERE r.request_hash = x.request_hash`,
          [JSON.stringify(raised.map((q) => ({ request_hash: q.requestHash, max_fee: q.maxFee.toString() })))],
        );
      const { rows: id } = await tx.query<{ id: bigint }>("SELECT nextval('gateway_batch_seq') AS id");
      const batchId = id[0]!.id;
      const calldata = this.deps.router.interface
        .encodeFunctionData("payBatch", [modelId, requests])
        .toLowerCase() as Hex;
      const outboxId = `gateway:payBatch:${this.deps.chainId}:${routerAddress}:${batchId}`;
      await tx.query(
        `INSERT INTO gateway_batch (batch_id, model_id, outbox_id, calldata, requests, status) VALUES ($1, $2, $3, $4, $5, 'open')`,
        [batchId, modelId, outboxId, calldata, rows.length],
      );
      await tx.query(
        `UPDATE gateway_record SET state = 'batched', batch_id = $1
          WHERE request_hash IN (SELECT jsonb_array_elements_text($2::jsonb))`,
        [batchId, JSON.stringify(rows.map((r) => r.request_hash))],
      );
      return { batch_id: batchId, model_id: modelId, outbox_id: outboxId, calldata, requests: rows.length } as BatchRow;
    });
    if (batch === undefined) {
      this.waiting.delete(modelId.toString());
      return undefined;
    }
    this.repriced += repriced;
    const w = this.waiting.get(modelId.toString());
    if (w !== undefined) {
      w.count -= batch.requests;
      if (w.count > 0) w.oldest = await this.oldestWaiting(modelId);
    }
    this.stage("batched", batch);
    return batch;
  }

  private async oldestWaiting(modelId: bigint): Promise<number> {
    const { rows } = await this.deps.db.query<{ oldest: Date | null }>(
      "SELECT min(created_at) AS oldest FROM gateway_record WHERE state = 'unpaid' AND model_id = $1",
      [modelId],
    );
    return rows[0]?.oldest?.getTime() ?? Date.now();
  }

  private stage(stage: PaymentStage, batch: BatchRow): void {
    this.options.onStage?.(stage, { batchId: batch.batch_id, modelId: batch.model_id, requests: batch.requests });
  }

  /** Sends (or resumes) one batch until it is paid or has failed for good. */
  private async processBatch(batch: BatchRow): Promise<void> {
    const router = await this.deps.router.getAddress();
    let entry;
    try {
      entry = await this.outbox.send(batch.outbox_id, { to: router, data: batch.calldata }, this.deps.sender, {
        confirmations: this.options.confirmations ?? 1,
        pollMs: this.options.pollMs ?? 50,
        timeoutMs: 60_000,
        onStage: (stage) => this.stage(stage, batch),
      });
    } catch (error) {
      if (isPoaError(error, "CONTRACT_REVERTED") || isPoaError(error, "OUTBOX_TX_REVERTED")) {
        await this.failBatch(batch, error);
        return;
      }
      throw error;
    }
    const paid = await this.receiptPayments(entry.txHash!);
    await this.markPaid(batch, paid, entry.gasUsed ?? 0n);
  }

  /**
   * The RequestPaid events of a mined payment, decoded by hand from the raw receipt (a batch has
   * a hundred of them; a generic ABI decoder costs more than the rest of the batch): topics are
   * (event, requestId, requestHash, modelId), data the words (payer, epoch, tokensIn, tokensOut,
   * fee, parts x 4).
   */
  private async receiptPayments(txHash: Hex): Promise<Paid[]> {
    const receipt = await this.deps.sender.rawReceipt(txHash);
    if (receipt === null)
      throw new PoaError("RPC_UNREACHABLE", `the node has no receipt for the mined payment ${txHash} (yet)`, {
        details: { txHash },
      });
    const router = (await this.deps.router.getAddress()).toLowerCase();
    const topic = this.deps.router.interface.getEvent("RequestPaid")!.topicHash.toLowerCase();
    const word = (data: string, i: number) => BigInt(`0x${data.slice(2 + 64 * i, 2 + 64 * (i + 1))}`);
    const out: Paid[] = [];
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== router || log.topics[0]?.toLowerCase() !== topic || log.topics.length !== 4)
        continue;
      out.push({
        requestHash: log.topics[2]!.toLowerCase() as Hex,
        requestId: BigInt(log.topics[1]!),
        epoch: word(log.data, 1),
        fee: word(log.data, 4),
        blockNumber: BigInt(receipt.blockNumber),
        txHash: receipt.transactionHash.toLowerCase() as Hex,
      });
    }
    return out;
  }

  private async markPaid(batch: BatchRow, paid: Paid[], gasUsed: bigint): Promise<void> {
    const first = paid[0];
    const total = paid.reduce((s, p) => s + p.fee, 0n);
    await this.deps.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE gateway_record r SET state = 'paid', request_id = x.request_id, paid_fee = x.fee, paid_block = x.block,
                paid_tx = x.tx, epoch = x.epoch
           FROM jsonb_to_recordset($1::jsonb) AS x(request_hash TEXT, request_id NUMERIC, fee NUMERIC, block BIGINT, tx TEXT, epoch NUMERIC)
          WHERE r.request_hash = x.request_hash AND r.batch_id = $2 AND r.state = 'batched'`,
        [
          JSON.stringify(
            paid.map((p) => ({
              request_hash: p.requestHash,
              request_id: p.requestId.toString(),
              fee: p.fee.toString(),
              block: p.blockNumber.toString(),
              tx: p.txHash,
              epoch: p.epoch.toString(),
            })),
          ),
          batch.batch_id,
        ],
      );
      if (updated.rowCount !== batch.requests || paid.length !== batch.requests)
        throw new PoaError(
          "INTEGRITY_MISMATCH",
          `batch ${batch.batch_id}: its transaction paid ${paid.length} requests, ${updated.rowCount} of its ${batch.requests} records matched`,
          {
            details: {
              batchId: batch.batch_id,
              paid: paid.length,
              matched: updated.rowCount,
              requests: batch.requests,
            },
          },
        );
      await tx.query(
        `UPDATE gateway_batch SET status = 'paid', tx_hash = $2, block_number = $3, gas_used = $4, first_request_id = $5,
                total_fee = $6, finished_at = now() WHERE batch_id = $1`,
        [batch.batch_id, first!.txHash, first!.blockNumber, gasUsed, first!.requestId, total],
      );
    });
    this.backlog -= batch.requests;
    this.batchesPaid++;
    this.requestsPaid += batch.requests;
    this.lastPaidAt = new Date();
    this.stage("paid", batch);
  }

  /** The FeeRouter's record of `hashes` paid by the operator (those never paid are absent). */
  private async paidOnChain(hashes: readonly Hex[]): Promise<Map<string, Paid>> {
    const ids = await Promise.all(
      hashes.map((h) =>
        this.deps.router.requestIdOf(this.deps.operator, h).catch((error: unknown) => {
          throw chainError(error, "check which requests are already paid");
        }),
      ),
    );
    const out = new Map<string, Paid>();
    for (let i = 0; i < hashes.length; i++) {
      const requestId = ids[i]!;
      if (requestId === 0n) continue;
      const logs = await this.deps.router
        .queryFilter(this.deps.router.filters.RequestPaid(requestId))
        .catch((error: unknown) => {
          throw chainError(error, `read the payment of request ${requestId}`);
        });
      const log = logs[0];
      if (log === undefined)
        throw new PoaError(
          "CHAIN_DATA_INVALID",
          `request ${requestId} is paid, but its RequestPaid event cannot be found`,
          {
            details: { requestId },
          },
        );
      out.set(hashes[i]!, {
        requestHash: hashes[i]!,
        requestId,
        fee: log.args.fee,
        epoch: log.args.epoch,
        blockNumber: BigInt(log.blockNumber),
        txHash: log.transactionHash.toLowerCase() as Hex,
      });
    }
    return out;
  }

  /** A batch that would revert or did revert: see the file comment. */
  private async failBatch(batch: BatchRow, error: PoaError): Promise<void> {
    const decoded = error.code === "CONTRACT_REVERTED" ? chainError(error.cause ?? error, "pay a batch") : error;
    const reason = typeof decoded.details.error === "string" ? decoded.details.error : undefined;
    const { rows } = await this.deps.db.query<{ request_hash: Hex; account: string; fee: bigint }>(
      "SELECT request_hash, account, fee FROM gateway_record WHERE batch_id = $1 AND state = 'batched' ORDER BY seq",
      [batch.batch_id],
    );
    const already = await this.paidOnChain(rows.map((r) => r.request_hash));
    const modelId = batch.model_id;
    let next: "unpaid" | "held" | "void" = "unpaid";
    if (reason === "ModelIsPaused") next = "held";
    else if (reason === "ModelIsRetired" || reason === "UnknownModel") next = "void";
    else if (reason === "BaseModelNotActive") {
      const baseStatus = Number((decoded.details.args as string[] | undefined)?.[2] ?? 0);
      next = baseStatus === 2 ? "held" : "void";
    }
    const note = `payment refused: ${decoded.message}`;
    const rest = rows.filter((r) => !already.has(r.request_hash));
    await this.deps.db.transaction(async (tx) => {
      for (const p of already.values())
        await tx.query(
          `UPDATE gateway_record SET state = 'paid', request_id = $2, paid_fee = $3, paid_block = $4, paid_tx = $5, epoch = $6,
                  note = 'paid on-chain by an earlier transaction' WHERE request_hash = $1`,
          [p.requestHash, p.requestId, p.fee, p.blockNumber, p.txHash, p.epoch],
        );
      await tx.query(
        `UPDATE gateway_record SET state = $2, batch_id = NULL, note = $3
          WHERE request_hash IN (SELECT jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify(rest.map((r) => r.request_hash)), next, next === "unpaid" ? null : note],
      );
      await tx.query(
        "UPDATE gateway_batch SET status = 'failed', failure = $2, finished_at = now() WHERE batch_id = $1",
        [batch.batch_id, decoded.message.slice(0, 2000)],
      );
    });
    this.backlog -= already.size;
    this.requestsPaid += already.size;
    if (next === "unpaid") {
      const key = modelId.toString();
      const w = this.waiting.get(key);
      if (w === undefined)
        this.waiting.set(key, { count: rest.length, oldest: Date.now() - this.options.flushIntervalMs });
      else w.count += rest.length;
      this.stage("failed", batch);
      // Retried after a pause, reported as the reason payments are not getting through.
      if (rest.length > 0) throw decoded;
      return;
    }
    this.backlog -= rest.length;
    if (next === "held") this.held += rest.length;
    else for (const r of rest) this.deps.ledger.refund(r.account, r.fee);
    this.stage("failed", batch);
  }

  /** Held records of models that are active again go back to the queue (checked every 10 s). */
  private async releaseHeld(): Promise<void> {
    if (this.held === 0 || Date.now() - this.heldCheckedAt < 10_000) return;
    this.heldCheckedAt = Date.now();
    const { rows } = await this.deps.db.query<{ model_id: bigint }>(
      "SELECT DISTINCT model_id FROM gateway_record WHERE state = 'held'",
    );
    for (const { model_id: modelId } of rows) {
      const info = await this.deps.directory.get(modelId, true);
      const base = info.baseModelId === 0n ? undefined : await this.deps.directory.get(info.baseModelId, true);
      if (info.status !== "active" || (base !== undefined && base.status !== "active")) continue;
      const { rowCount } = await this.deps.db.query(
        "UPDATE gateway_record SET state = 'unpaid', note = NULL WHERE state = 'held' AND model_id = $1",
        [modelId],
      );
      this.held -= rowCount;
      this.backlog += rowCount;
      const key = modelId.toString();
      const w = this.waiting.get(key);
      if (w === undefined)
        this.waiting.set(key, { count: rowCount, oldest: Date.now() - this.options.flushIntervalMs });
      else w.count += rowCount;
    }
  }
}
