/**
 * Inference records in the store: written before the response (group commit: the records of the
 * requests that finish together go in one INSERT, and each request waits for that commit), read
 * back by hash, and exported as JSON Lines in the settlement's format (src/settlement/record.ts
 * `recordLine`), so `poa settle` can read them from the store or from a file.
 */
import { toChecksumAddress, type Address } from "../core/address.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { recordLine, type InferenceRecord } from "../settlement/record.js";
import type { Database, Queryable } from "../store/index.js";

export type RecordState = "unpaid" | "batched" | "paid" | "held" | "void";
export type RecordEndpoint = "completions" | "chat" | "predictions";

/** A record as the gateway writes it: the canonical record plus who was charged what. */
export interface NewRecord {
  record: InferenceRecord;
  requestHash: Hex;
  endpoint: RecordEndpoint;
  /** The user charged (the key's account). */
  account: Address;
  /** Charged to the user: the fee under the terms in force when it was served. */
  fee: bigint;
  /** The payment's guard: the most the gateway pays the FeeRouter for it. */
  maxFee: bigint;
}

export interface StoredRecord extends NewRecord {
  seq: bigint;
  state: RecordState;
  batchId: bigint | null;
  requestId: bigint | null;
  paidFee: bigint | null;
  paidBlock: bigint | null;
  paidTx: Hex | null;
  epoch: bigint | null;
  note: string | null;
  createdAt: Date;
}

interface RecordRow {
  seq: bigint;
  request_hash: Hex;
  chain_id: bigint;
  model_id: bigint;
  payer: string;
  tokens_in: bigint;
  tokens_out: bigint;
  prompt: string;
  output: string;
  nonce: Hex;
  endpoint: RecordEndpoint;
  account: string;
  fee: bigint;
  max_fee: bigint;
  state: RecordState;
  batch_id: bigint | null;
  request_id: bigint | null;
  paid_fee: bigint | null;
  paid_block: bigint | null;
  paid_tx: Hex | null;
  epoch: bigint | null;
  note: string | null;
  created_at: Date;
}

export function toStored(r: RecordRow): StoredRecord {
  return {
    seq: r.seq,
    requestHash: r.request_hash,
    record: {
      chainId: Number(r.chain_id),
      modelId: r.model_id,
      payer: toChecksumAddress(r.payer),
      tokensIn: Number(r.tokens_in),
      tokensOut: Number(r.tokens_out),
      prompt: r.prompt,
      output: r.output,
      nonce: r.nonce,
    },
    endpoint: r.endpoint,
    account: toChecksumAddress(r.account),
    fee: r.fee,
    maxFee: r.max_fee,
    state: r.state,
    batchId: r.batch_id,
    requestId: r.request_id,
    paidFee: r.paid_fee,
    paidBlock: r.paid_block,
    paidTx: r.paid_tx,
    epoch: r.epoch,
    note: r.note,
    createdAt: r.created_at,
  };
}

interface Pending {
  rows: NewRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes records durably, grouping the records of concurrent requests into one statement. A
 * record is durable when `write` resolves (committed: on PGlite, written to the OS; on a server,
 * fsynced); the caller answers only then.
 */
export class RecordWriter {
  private queue: Pending[] = [];
  private running = false;
  /** Statements written and records written (for the status endpoint and tests). */
  statements = 0;
  written = 0;
  /** Sum of the written records' output tokens. */
  tokensOut = 0;

  constructor(private readonly db: Database) {}

  write(row: NewRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows: [row], resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      const rows = batch.flatMap((p) => p.rows);
      try {
        await insertRecords(this.db, rows);
        this.statements++;
        this.written += rows.length;
        for (const r of rows) this.tokensOut += r.record.tokensOut;
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.running = false;
  }
}

/** Inserts records in one statement (all or none). */
export async function insertRecords(db: Queryable, rows: readonly NewRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(
    rows.map((r) => ({
      request_hash: r.requestHash,
      chain_id: r.record.chainId,
      model_id: r.record.modelId.toString(),
      payer: r.record.payer.toLowerCase(),
      tokens_in: r.record.tokensIn,
      tokens_out: r.record.tokensOut,
      prompt: r.record.prompt,
      output: r.record.output,
      nonce: r.record.nonce,
      endpoint: r.endpoint,
      account: r.account.toLowerCase(),
      fee: r.fee.toString(),
      max_fee: r.maxFee.toString(),
    })),
  );
  await db.query(
    `INSERT INTO gateway_record (request_hash, chain_id, model_id, payer, tokens_in, tokens_out, prompt, output,
                                 nonce, endpoint, account, fee, max_fee)
     SELECT x.request_hash, x.chain_id, x.model_id, x.payer, x.tokens_in, x.tokens_out, x.prompt, x.output,
            x.nonce, x.endpoint, x.account, x.fee, x.max_fee
       FROM jsonb_to_recordset($1::jsonb) AS x(request_hash TEXT, chain_id BIGINT, model_id NUMERIC, payer TEXT,
            tokens_in BIGINT, tokens_out BIGINT, prompt TEXT, output TEXT, nonce TEXT, endpoint TEXT, account TEXT,
            fee NUMERIC, max_fee NUMERIC)`,
    [json],
  );
}

/** The record with this request hash, or undefined. */
export async function recordByHash(db: Queryable, requestHash: string): Promise<StoredRecord | undefined> {
  const { rows } = await db.query<RecordRow>("SELECT * FROM gateway_record WHERE request_hash = $1", [
    requestHash.toLowerCase(),
  ]);
  return rows[0] === undefined ? undefined : toStored(rows[0]);
}

export interface ExportOptions {
  /** Only records paid in blocks >= fromBlock (implies paid records only). */
  fromBlock?: bigint;
  /** Only records paid in blocks <= toBlock (implies paid records only). */
  toBlock?: bigint;
  /** "paid" (default): records whose payment is on-chain; "all": every record, paid or not. */
  state?: "paid" | "all";
  /** Only this model's records. */
  modelId?: bigint;
}

/**
 * Streams the records as JSON Lines (`recordLine`: canonical JSON with `requestHash`), paid
 * records in the order the FeeRouter numbered them (request id), otherwise in the order they
 * were served. Calls `write` once per line. Returns the number of lines.
 */
export async function exportRecordsTo(
  db: Queryable,
  options: ExportOptions,
  write: (line: string) => void | Promise<void>,
): Promise<number> {
  const paidOnly =
    (options.state ?? "paid") === "paid" || options.fromBlock !== undefined || options.toBlock !== undefined;
  if (options.fromBlock !== undefined && options.toBlock !== undefined && options.fromBlock > options.toBlock)
    throw new PoaError(
      "INVALID_VALUE",
      `the first block ${options.fromBlock} is after the last block ${options.toBlock}`,
      {
        details: { fromBlock: options.fromBlock, toBlock: options.toBlock },
      },
    );
  const where: string[] = [];
  const params: (bigint | string)[] = [];
  const add = (clause: string, value: bigint | string) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (paidOnly) where.push("state = 'paid'");
  if (options.fromBlock !== undefined) add("paid_block >= ?", options.fromBlock);
  if (options.toBlock !== undefined) add("paid_block <= ?", options.toBlock);
  if (options.modelId !== undefined) add("model_id = ?", options.modelId);
  const order = paidOnly ? "request_id" : "seq";
  let count = 0;
  let after: bigint = -1n;
  for (;;) {
    const { rows } = await db.query<RecordRow>(
      `SELECT * FROM gateway_record WHERE ${[...where, `${order} > $${params.length + 1}`].join(" AND ")}
        ORDER BY ${order} LIMIT 2000`,
      [...params, after],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      await write(recordLine(toStored(row).record));
      count++;
    }
    const last = rows[rows.length - 1]!;
    after = paidOnly ? last.request_id! : last.seq;
  }
  return count;
}

/** The records as one JSON Lines string (see `exportRecordsTo`). */
export async function exportRecords(db: Queryable, options: ExportOptions = {}): Promise<string> {
  const lines: string[] = [];
  await exportRecordsTo(db, options, (line) => {
    lines.push(line);
  });
  return lines.join("");
}
