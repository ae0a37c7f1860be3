/**
 * The transaction outbox: an on-chain transaction sent at most once per intent, across crashes.
 *
 * An intent has a caller-chosen id (e.g. "propose:l2:epoch-7") and a fixed request (chain,
 * sender, to, data, value). `send(id, request, sender)` drives it through these states:
 *
 *   intent --sign, record nonce + hash + raw tx--> signed --receipt--> mined | reverted
 *      ^                                              |
 *      +---- the nonce was taken by another tx -------+   (ours can then never be mined)
 *
 * The one rule that makes it exactly-once: the signed transaction (hash, nonce, raw bytes) is
 * committed to the database BEFORE it is broadcast. Hence, after a crash at any point:
 * - "intent": nothing was ever broadcast for it; sign and send now;
 * - "signed": it may or may not have reached the chain. Look it up by hash: mined -> record it;
 *   not mined and its nonce still free -> broadcast the same raw bytes again (the same
 *   transaction, so it cannot execute twice); not mined and the sender's confirmed nonce has
 *   passed it -> another transaction used that nonce, ours can never be mined: back to "intent"
 *   (the old hash is kept in `replaced`) and sign again;
 * - "mined" / "reverted": done; `send` returns it without touching the chain. A revert is final
 *   (OUTBOX_TX_REVERTED): retrying is the caller's decision, under a new id.
 *
 * This assumes the sender's key is used by one outbox at a time (the runner lock gives that for
 * one store) and that "mined" means final (wait for `confirmations`; the chain must not reorg
 * deeper than that).
 *
 * The chain is reached through `TxSender` (implemented with ethers in src/chain/tx-sender.ts);
 * this module only keeps the state and the rules.
 */
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import type { Database } from "./database.js";

export interface TxRequest {
  to: string;
  data: Hex;
  /** Wei (default 0). */
  value?: bigint;
}

export interface SignedTx {
  hash: Hex;
  raw: Hex;
  nonce: bigint;
}

export interface TxReceiptInfo {
  hash: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  /** 1 success, 0 reverted. */
  status: number;
  gasUsed: bigint;
}

/** What the outbox needs from a chain client (one key on one chain). */
export interface TxSender {
  chainId(): Promise<bigint>;
  address(): Promise<string>;
  /** The nonce a new transaction would use (pending transactions included). */
  pendingNonce(): Promise<bigint>;
  /** The number of the sender's transactions that are mined: nonces below it are taken. */
  confirmedNonce(): Promise<bigint>;
  /** Signs `request` with `nonce` (gas and fees filled in by the client). Sends nothing. */
  sign(request: TxRequest, nonce: bigint): Promise<SignedTx>;
  /** Broadcasts signed bytes; a node that already knows them is not an error. */
  broadcast(raw: Hex): Promise<void>;
  receipt(hash: Hex): Promise<TxReceiptInfo | null>;
  /** The latest block number (for confirmations). */
  blockNumber(): Promise<bigint>;
}

export type OutboxStatus = "intent" | "signed" | "mined" | "reverted";

export interface OutboxEntry {
  id: string;
  chainId: bigint;
  sender: string;
  to: string;
  data: Hex;
  value: bigint;
  status: OutboxStatus;
  nonce: bigint | null;
  txHash: Hex | null;
  rawTx: Hex | null;
  blockNumber: bigint | null;
  blockHash: Hex | null;
  gasUsed: bigint | null;
  /** Signing attempts so far. */
  attempts: number;
  /** Hashes signed earlier whose nonce another transaction took (never mined). */
  replaced: Hex[];
  createdAt: Date;
  updatedAt: Date;
}

/** Points of `send` a test (or a progress display) can observe; `broadcast` is after the broadcast returned. */
export type OutboxStage = "intent" | "signed" | "broadcast" | "mined" | "replaced";

export interface SendOptions {
  /** Blocks on top of the receipt's block before it counts as mined (default 1: the block itself). */
  confirmations?: number;
  /** Poll interval while waiting (default 500 ms). */
  pollMs?: number;
  /** Give up waiting after this long (default 5 minutes); the entry stays "signed" and a later call resumes. */
  timeoutMs?: number;
  onStage?: (stage: OutboxStage, entry: OutboxEntry) => void;
  signal?: AbortSignal;
}

interface OutboxRow {
  id: string;
  chain_id: bigint;
  sender: string;
  to_address: string;
  data: Hex;
  value: bigint;
  status: OutboxStatus;
  nonce: bigint | null;
  tx_hash: Hex | null;
  raw_tx: Hex | null;
  block_number: bigint | null;
  block_hash: Hex | null;
  gas_used: bigint | null;
  attempts: number;
  replaced: Hex[];
  created_at: Date;
  updated_at: Date;
}

function toEntry(r: OutboxRow): OutboxEntry {
  return {
    id: r.id,
    chainId: r.chain_id,
    sender: r.sender,
    to: r.to_address,
    data: r.data,
    value: r.value,
    status: r.status,
    nonce: r.nonce,
    txHash: r.tx_hash,
    rawTx: r.raw_tx,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    gasUsed: r.gas_used,
    attempts: r.attempts,
    replaced: r.replaced,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const lower = (s: string) => s.toLowerCase();

export class Outbox {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<OutboxEntry | undefined> {
    const { rows } = await this.db.query<OutboxRow>("SELECT * FROM outbox_tx WHERE id = $1", [id]);
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  /** Entries not yet mined or reverted (what a resumed run has to finish). */
  async open(): Promise<OutboxEntry[]> {
    const { rows } = await this.db.query<OutboxRow>(
      "SELECT * FROM outbox_tx WHERE status IN ('intent', 'signed') ORDER BY created_at, id",
    );
    return rows.map(toEntry);
  }

  /**
   * Records the intent `id` (or checks that the recorded one is the same request). Nothing is
   * sent. Returns the entry as recorded.
   */
  async record(id: string, request: TxRequest, chainId: bigint, sender: string): Promise<OutboxEntry> {
    const to = lower(request.to);
    const data = lower(request.data) as Hex;
    const value = request.value ?? 0n;
    await this.db.query(
      `INSERT INTO outbox_tx (id, chain_id, sender, to_address, data, value, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'intent') ON CONFLICT (id) DO NOTHING`,
      [id, chainId, lower(sender), to, data, value],
    );
    const entry = (await this.get(id))!;
    const differs: string[] = [];
    if (entry.chainId !== chainId) differs.push("chain");
    if (entry.sender !== lower(sender)) differs.push("sender");
    if (entry.to !== to) differs.push("to");
    if (entry.data !== data) differs.push("data");
    if (entry.value !== value) differs.push("value");
    if (differs.length > 0)
      throw new PoaError("OUTBOX_CONFLICT", `transaction "${id}" was recorded with another ${differs.join(", ")}`, {
        details: { id, differs, status: entry.status, txHash: entry.txHash },
        action: "One id stands for one transaction: use a new id for a different transaction.",
      });
    return entry;
  }

  /** Sends the transaction `id` at most once and waits until it is mined (see the file comment). */
  async send(id: string, request: TxRequest, sender: TxSender, options: SendOptions = {}): Promise<OutboxEntry> {
    const [chainId, from] = await Promise.all([sender.chainId(), sender.address()]);
    let entry = await this.record(id, request, chainId, from);
    const notify = (stage: OutboxStage) => options.onStage?.(stage, entry);
    notify("intent");
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    const pollMs = options.pollMs ?? 500;
    for (;;) {
      options.signal?.throwIfAborted();
      if (entry.status === "mined") return entry;
      if (entry.status === "reverted") throw revertedError(entry);
      if (entry.status === "intent") {
        const nonce = await sender.pendingNonce();
        const signed = await sender.sign({ to: entry.to, data: entry.data, value: entry.value }, nonce);
        entry = await this.update(
          id,
          `status = 'signed', nonce = $2, tx_hash = $3, raw_tx = $4, attempts = attempts + 1`,
          [signed.nonce, lower(signed.hash), signed.raw],
          "intent",
        );
        notify("signed");
        await sender.broadcast(signed.raw);
        notify("broadcast");
        continue;
      }
      // "signed": find out what became of it.
      const hash = entry.txHash!;
      const receipt = await sender.receipt(hash);
      if (receipt !== null) {
        if (!(await this.confirmed(sender, receipt, options.confirmations ?? 1))) {
          await this.pause(id, entry, deadline, pollMs);
          continue;
        }
        entry = await this.update(
          id,
          `status = $2, block_number = $3, block_hash = $4, gas_used = $5`,
          [receipt.status === 1 ? "mined" : "reverted", receipt.blockNumber, lower(receipt.blockHash), receipt.gasUsed],
          "signed",
        );
        notify("mined");
        continue;
      }
      if ((await sender.confirmedNonce()) > entry.nonce!) {
        // Its nonce is taken. Ours is mined, or another transaction took the nonce: look again,
        // since it may have been mined between the two calls.
        if ((await sender.receipt(hash)) !== null) continue;
        entry = await this.update(
          id,
          `status = 'intent', nonce = NULL, tx_hash = NULL, raw_tx = NULL,
           replaced = replaced || jsonb_build_array(tx_hash)`,
          [],
          "signed",
        );
        notify("replaced");
        continue;
      }
      // Not mined, nonce still free: make sure a node has it (the same bytes), then wait.
      await sender.broadcast(entry.rawTx!);
      await this.pause(id, entry, deadline, pollMs);
    }
  }

  private async confirmed(sender: TxSender, receipt: TxReceiptInfo, confirmations: number): Promise<boolean> {
    if (confirmations <= 1) return true;
    const head = await sender.blockNumber();
    return head - receipt.blockNumber + 1n >= BigInt(confirmations);
  }

  private async pause(id: string, entry: OutboxEntry, deadline: number, pollMs: number): Promise<void> {
    if (Date.now() > deadline)
      throw new PoaError("TIMEOUT", `transaction "${id}" (${entry.txHash}) was not mined in time`, {
        details: { id, txHash: entry.txHash, nonce: entry.nonce },
        action:
          "Check the chain and the sender's balance and fees, then run again: it resumes with the same transaction.",
      });
    await new Promise((r) => setTimeout(r, pollMs));
  }

  /** Applies `set` to entry `id` if it is still in state `from` (else someone else moved it). */
  private async update(id: string, set: string, params: readonly (string | bigint | null)[], from: OutboxStatus) {
    const { rows } = await this.db.query<OutboxRow>(
      `UPDATE outbox_tx SET ${set}, updated_at = now() WHERE id = $1 AND status = '${from}' RETURNING *`,
      [id, ...params],
    );
    if (rows[0] === undefined)
      throw new PoaError("STATE_CONFLICT", `transaction "${id}" changed state while being sent`, {
        details: { id, expected: from },
        action: "Another run may be sending it: make sure only one runs, then run again.",
      });
    return toEntry(rows[0]);
  }
}

function revertedError(entry: OutboxEntry): PoaError {
  return new PoaError(
    "OUTBOX_TX_REVERTED",
    `transaction "${entry.id}" (${entry.txHash}) reverted in block ${entry.blockNumber}`,
    {
      details: { id: entry.id, txHash: entry.txHash, blockNumber: entry.blockNumber },
      action: "It was executed once and failed; it is not sent again. Find out why, then act under a new id.",
    },
  );
}
