/**
 * The chain log index: the logs of a fixed set of contracts, stored with their decoded events,
 * up to a confirmation depth behind the head, resumable, idempotent and reorg-aware.
 *
 * The loop lives here, in the store layer, and talks to the chain through `LogReader`, an
 * interface with no Ethereum client in it; src/chain/logs.ts implements it with ethers. The store
 * and chain layers never import each other (they are one layer), and both the settlement and the
 * gateway can use the loop without importing one another.
 *
 * A *stream* is one named index: a chain, a sorted set of addresses and a start block, fixed when
 * the stream is created (adding a contract later would leave its earlier logs out, so that is
 * refused: INDEX_CONFIG_CHANGED; index it as a new stream). Its cursor is the last block whose
 * logs are all stored, with that block's hash.
 *
 * Each round:
 * 1. resume check: the chain's block at the cursor must still have the stored hash;
 * 2. target = min(head - confirmations, toBlock): the head itself is never read
 *    (confirmations >= 1);
 * 3. chunks [from, to] of at most `maxChunk` blocks, halved down to one block while the node
 *    refuses the range (CHAIN_LOGS_REFUSED from the reader), grown back after a success; for each:
 *    - block `from`'s parent hash must be the cursor's hash (nothing below moved);
 *    - each log's block hash must be the hash of its block, read after the logs, and block `to`
 *      must still have the hash read before them (the chain did not move during the read; if it
 *      did, the chunk is read again);
 *    - the logs, the headers of their blocks and of block `to`, and the cursor move to `to` are
 *      committed in ONE transaction: a crash leaves the chunk entirely stored or not at all, and
 *      rows are keyed by (stream, block number, log index) and inserted with ON CONFLICT DO
 *      NOTHING (re-inserting is harmless, and checked to be identical).
 *
 * Reorg rule: when the cursor's block (or a chunk's parent) is no longer on the chain, the
 * default (`maxRewind` 0) is to refuse with CHAIN_REORGED: below the confirmation depth that
 * means the depth was wrong or the chain is another one (a restarted devnet), and data a
 * settlement may already have used must not be swapped silently. With `maxRewind` n, the index
 * rewinds to the highest stored block hash still on the chain, at most n blocks below the cursor,
 * deletes everything above it and reads on; deeper than n, it refuses as well.
 */
import type { Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import type { Database, Queryable } from "./database.js";

export interface ChainBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  /** Seconds. */
  timestamp: bigint;
}

/** One log as a reader returns it: raw fields (lower-case hex) plus its decoded event, if known. */
export interface ChainLog {
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  transactionHash: Hex;
  transactionIndex: number;
  address: Hex;
  topics: Hex[];
  data: Hex;
  /** The name the reader was given for the contract at `address`. */
  contract: string | null;
  /** The event's name, or null when the ABI does not know the log. */
  event: string | null;
  /** The decoded arguments by name (integers as decimal strings), or null with `event`. */
  args: Json | null;
}

/** A stored log: a `ChainLog` with its stream and its block's timestamp. */
export interface StoredLog extends ChainLog {
  stream: string;
  blockTimestamp: bigint;
}

/** What the index needs from a chain client. */
export interface LogReader {
  /** Lower-case addresses of the contracts whose logs `logs` returns. */
  readonly addresses: readonly string[];
  chainId(): Promise<bigint>;
  headNumber(): Promise<bigint>;
  /** The block's header, or null when the chain has no such block. */
  block(number: bigint): Promise<ChainBlock | null>;
  /**
   * The logs of `addresses` in blocks from..to (inclusive), ordered by block and log index.
   * Throws a PoaError CHAIN_LOGS_REFUSED when the node refuses the range (too many blocks or
   * results), RPC_UNREACHABLE when it cannot be reached.
   */
  logs(from: bigint, to: bigint): Promise<ChainLog[]>;
}

export interface BlockRef {
  number: bigint;
  hash: Hex;
}

export interface StreamState {
  stream: string;
  chainId: bigint;
  addresses: string[];
  startBlock: bigint;
  /** The last block whose logs are all stored (startBlock - 1 before the first chunk). */
  cursor: bigint;
  /** Its hash (null only for block -1). */
  cursorHash: Hex | null;
  updatedAt: Date;
}

export type IndexProgress =
  | {
      phase: "chunk";
      stream: string;
      from: bigint;
      to: bigint;
      /** Logs stored by this chunk. */
      logs: number;
      /** Logs stored by this call so far. */
      total: number;
      target: bigint;
    }
  | { phase: "refused"; stream: string; from: bigint; to: bigint; nextChunk: number }
  | { phase: "rewind"; stream: string; from: bigint; to: bigint; deletedLogs: number };

export interface IndexOptions {
  stream: string;
  /** First block of the stream (used when the stream is created; must match afterwards). */
  startBlock: bigint;
  /** Blocks left unread behind the head; at least 1 (the head is never read). */
  confirmations: number;
  /** Read no further than this block (e.g. the end of an epoch), still behind the confirmations. */
  toBlock?: bigint;
  /** Largest chunk of blocks per log request (default 2,000). */
  maxChunk?: number;
  /** How many blocks below the cursor a reorg may be rewound (default 0: refuse, see file comment). */
  maxRewind?: number;
  onProgress?: (progress: IndexProgress) => void;
  signal?: AbortSignal;
}

export interface IndexResult {
  stream: string;
  /** The cursor after this call. */
  cursor: bigint;
  cursorHash: Hex | null;
  /** The block this call read up to (head - confirmations, or toBlock). */
  target: bigint;
  head: bigint;
  logsAdded: number;
  chunks: number;
  /** The block the index was rewound to, if a reorg was rewound. */
  rewoundTo: bigint | null;
}

const DEFAULT_MAX_CHUNK = 2_000;
/** Times a chunk is read again when the chain moved during the read, before giving up. */
const MOVED_RETRIES = 3;

interface StreamRow {
  stream: string;
  chain_id: bigint;
  addresses: string[];
  start_block: bigint;
  cursor_number: bigint;
  cursor_hash: Hex | null;
  updated_at: Date;
}

function toState(r: StreamRow): StreamState {
  return {
    stream: r.stream,
    chainId: r.chain_id,
    addresses: r.addresses,
    startBlock: r.start_block,
    cursor: r.cursor_number,
    cursorHash: r.cursor_hash,
    updatedAt: r.updated_at,
  };
}

/** The state of `stream`, or undefined when it was never indexed. */
export async function streamState(db: Queryable, stream: string): Promise<StreamState | undefined> {
  const { rows } = await db.query<StreamRow>("SELECT * FROM chain_stream WHERE stream = $1", [stream]);
  return rows[0] === undefined ? undefined : toState(rows[0]);
}

function checkOptions(options: IndexOptions): void {
  const bad = (message: string, details: Record<string, unknown>) =>
    new PoaError("INVALID_VALUE", message, { details: { stream: options.stream, ...details } });
  if (options.stream === "") throw bad("an index stream needs a name", {});
  if (!Number.isSafeInteger(options.confirmations) || options.confirmations < 1)
    throw bad(
      `confirmations must be a whole number of at least 1 (the head is never read), not ${options.confirmations}`,
      {
        confirmations: options.confirmations,
      },
    );
  if (options.startBlock < 0n) throw bad("the start block cannot be negative", { startBlock: options.startBlock });
  const maxChunk = options.maxChunk ?? DEFAULT_MAX_CHUNK;
  if (!Number.isSafeInteger(maxChunk) || maxChunk < 1)
    throw bad(`maxChunk must be at least 1, not ${maxChunk}`, { maxChunk });
  const maxRewind = options.maxRewind ?? 0;
  if (!Number.isSafeInteger(maxRewind) || maxRewind < 0)
    throw bad(`maxRewind must be a whole number >= 0, not ${maxRewind}`, { maxRewind });
}

/** Indexes `reader`'s logs into `stream` up to the target (see the file comment). */
export async function indexLogs(db: Database, reader: LogReader, options: IndexOptions): Promise<IndexResult> {
  checkOptions(options);
  const { stream } = options;
  const maxChunk = options.maxChunk ?? DEFAULT_MAX_CHUNK;
  const maxRewind = options.maxRewind ?? 0;
  const chainId = await reader.chainId();
  // Reach the node before writing anything (a provider may know the chain id without asking).
  let head = await reader.headNumber();
  let state = await openStream(db, reader, options, chainId);
  let rewoundTo: bigint | null = null;

  // 1. The cursor must still be on the chain.
  if (state.cursorHash !== null) {
    const block = await reader.block(state.cursor);
    if (block?.hash !== state.cursorHash) {
      state = await rewind(db, reader, state, block?.hash ?? null, maxRewind, options);
      rewoundTo = state.cursor;
    }
  }

  // 2. How far to read.
  head = await reader.headNumber();
  let target = head - BigInt(options.confirmations);
  if (options.toBlock !== undefined && options.toBlock < target) target = options.toBlock;

  // 3. Chunks.
  let chunk = maxChunk;
  let logsAdded = 0;
  let chunks = 0;
  let moved = 0;
  while (state.cursor < target) {
    options.signal?.throwIfAborted();
    const from = state.cursor + 1n;
    const to = from + BigInt(chunk) - 1n < target ? from + BigInt(chunk) - 1n : target;
    const read = await readChunk(reader, state, from, to);
    if (read.kind === "refused") {
      if (to === from) throw read.error;
      chunk = Math.max(1, Math.floor(Number(to - from + 1n) / 2));
      options.onProgress?.({ phase: "refused", stream, from, to, nextChunk: chunk });
      continue;
    }
    if (read.kind === "reorg") {
      state = await rewind(db, reader, state, read.parentHash, maxRewind, options);
      rewoundTo = state.cursor;
      continue;
    }
    if (read.kind === "moved") {
      if (++moved > MOVED_RETRIES)
        throw new PoaError("CHAIN_REORGED", `the chain kept changing while blocks ${from}-${to} were read`, {
          details: { stream, from, to },
          action:
            "The node is reorganising blocks inside the confirmation depth: use more confirmations, or try later.",
        });
      continue;
    }
    moved = 0;
    state = await commitChunk(db, state, from, read.toBlock, read.blocks, read.logs);
    chunks++;
    logsAdded += read.logs.length;
    options.onProgress?.({ phase: "chunk", stream, from, to, logs: read.logs.length, total: logsAdded, target });
    chunk = Math.min(maxChunk, chunk * 2);
  }
  return {
    stream,
    cursor: state.cursor,
    cursorHash: state.cursorHash,
    target,
    head,
    logsAdded,
    chunks,
    rewoundTo,
  };
}

/** Creates the stream, or checks that the stored one is the same configuration. */
async function openStream(
  db: Database,
  reader: LogReader,
  options: IndexOptions,
  chainId: bigint,
): Promise<StreamState> {
  const addresses = [...new Set(reader.addresses.map((a) => a.toLowerCase()))].sort();
  const existing = await streamState(db, options.stream);
  if (existing === undefined) {
    const cursor = options.startBlock - 1n;
    const start = cursor >= 0n ? await reader.block(cursor) : null;
    if (cursor >= 0n && start === null)
      throw new PoaError(
        "INVALID_VALUE",
        `the chain has no block ${cursor} yet, so the index cannot start at ${options.startBlock}`,
        {
          details: { stream: options.stream, startBlock: options.startBlock },
        },
      );
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO chain_stream (stream, chain_id, addresses, start_block, cursor_number, cursor_hash)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6)`,
        [options.stream, chainId, JSON.stringify(addresses), options.startBlock, cursor, start?.hash ?? null],
      );
      if (start !== null) await insertBlocks(tx, options.stream, [start]);
    });
    return (await streamState(db, options.stream))!;
  }
  const differs: string[] = [];
  if (existing.chainId !== chainId) differs.push(`chain ${existing.chainId} (now ${chainId})`);
  if (JSON.stringify(existing.addresses) !== JSON.stringify(addresses)) differs.push("contracts");
  if (existing.startBlock !== options.startBlock)
    differs.push(`start block ${existing.startBlock} (now ${options.startBlock})`);
  if (differs.length > 0)
    throw new PoaError(
      "INDEX_CONFIG_CHANGED",
      `index stream "${options.stream}" was created with another ${differs.join(", ")}`,
      {
        details: {
          stream: options.stream,
          stored: { chainId: existing.chainId, addresses: existing.addresses, startBlock: existing.startBlock },
          given: { chainId, addresses, startBlock: options.startBlock },
        },
        action:
          "A stream's chain, contracts and start block are fixed: use a new stream name (or a fresh store) for another set.",
      },
    );
  return existing;
}

type ChunkRead =
  | { kind: "ok"; toBlock: ChainBlock; blocks: ChainBlock[]; logs: ChainLog[] }
  | { kind: "refused"; error: PoaError }
  | { kind: "reorg"; parentHash: Hex }
  | { kind: "moved" };

async function readChunk(reader: LogReader, state: StreamState, from: bigint, to: bigint): Promise<ChunkRead> {
  const [fromBlock, toBlock] = await Promise.all([reader.block(from), reader.block(to)]);
  if (fromBlock === null || toBlock === null) return { kind: "moved" }; // the chain got shorter
  if (state.cursorHash !== null && fromBlock.parentHash !== state.cursorHash)
    return { kind: "reorg", parentHash: fromBlock.parentHash };
  let logs: ChainLog[];
  try {
    logs = await reader.logs(from, to);
  } catch (error) {
    if (error instanceof PoaError && error.code === "CHAIN_LOGS_REFUSED") return { kind: "refused", error };
    throw error;
  }
  const known = new Map<bigint, ChainBlock>([
    [from, fromBlock],
    [to, toBlock],
  ]);
  const missing = [...new Set(logs.map((l) => l.blockNumber))].filter((n) => !known.has(n));
  // One header per block with logs: its timestamp, and a check that the logs are of that block.
  const headers = await Promise.all(missing.map((n) => reader.block(n)));
  for (const header of headers) {
    if (header === null) return { kind: "moved" };
    known.set(header.number, header);
  }
  for (const log of logs) {
    if (log.blockNumber < from || log.blockNumber > to)
      throw new PoaError(
        "CHAIN_DATA_INVALID",
        `the node returned a log of block ${log.blockNumber} for blocks ${from}-${to}`,
        {
          details: { stream: state.stream, from, to, blockNumber: log.blockNumber },
        },
      );
    if (known.get(log.blockNumber)!.hash !== log.blockHash) return { kind: "moved" };
  }
  const again = await reader.block(to);
  if (again?.hash !== toBlock.hash) return { kind: "moved" };
  const withLogs = new Set(logs.map((l) => l.blockNumber));
  const blocks = [...known.values()].filter((b) => b.number === to || withLogs.has(b.number));
  return { kind: "ok", toBlock, blocks, logs };
}

async function insertBlocks(tx: Queryable, stream: string, blocks: readonly ChainBlock[]): Promise<void> {
  if (blocks.length === 0) return;
  const rows = blocks.map((b) => ({
    block_number: b.number.toString(),
    block_hash: b.hash,
    parent_hash: b.parentHash,
    block_timestamp: b.timestamp.toString(),
  }));
  await tx.query(
    `INSERT INTO chain_block (stream, block_number, block_hash, parent_hash, block_timestamp)
     SELECT $1, x.block_number, x.block_hash, x.parent_hash, x.block_timestamp
       FROM jsonb_to_recordset($2::jsonb) AS x(block_number BIGINT, block_hash TEXT, parent_hash TEXT, block_timestamp BIGINT)
     ON CONFLICT (stream, block_number) DO NOTHING`,
    [stream, JSON.stringify(rows)],
  );
  const { rows: clash } = await tx.query<{ block_number: bigint }>(
    `SELECT b.block_number FROM chain_block b
       JOIN jsonb_to_recordset($2::jsonb) AS x(block_number BIGINT, block_hash TEXT) ON x.block_number = b.block_number
      WHERE b.stream = $1 AND b.block_hash <> x.block_hash LIMIT 1`,
    [stream, JSON.stringify(rows)],
  );
  if (clash[0] !== undefined)
    throw new PoaError(
      "INTEGRITY_MISMATCH",
      `index stream "${stream}" already holds another block ${clash[0].block_number}`,
      {
        details: { stream, blockNumber: clash[0].block_number },
      },
    );
}

/** Stores one chunk and moves the cursor, in one transaction. */
async function commitChunk(
  db: Database,
  state: StreamState,
  from: bigint,
  toBlock: ChainBlock,
  blocks: readonly ChainBlock[],
  logs: readonly ChainLog[],
): Promise<StreamState> {
  const stream = state.stream;
  return db.transaction(async (tx) => {
    await insertBlocks(tx, stream, blocks);
    if (logs.length > 0) {
      const rows = logs.map((l) => ({
        block_number: l.blockNumber.toString(),
        log_index: l.logIndex,
        block_hash: l.blockHash,
        tx_hash: l.transactionHash,
        tx_index: l.transactionIndex,
        address: l.address.toLowerCase(),
        topic0: l.topics[0] ?? null,
        topic1: l.topics[1] ?? null,
        topic2: l.topics[2] ?? null,
        topic3: l.topics[3] ?? null,
        data: l.data,
        contract: l.contract,
        event: l.event,
        args: l.args,
      }));
      const json = JSON.stringify(rows);
      const inserted = await tx.query(
        `INSERT INTO chain_log (stream, block_number, log_index, block_hash, tx_hash, tx_index, address,
                                topic0, topic1, topic2, topic3, data, contract, event, args)
         SELECT $1, x.block_number, x.log_index, x.block_hash, x.tx_hash, x.tx_index, x.address,
                x.topic0, x.topic1, x.topic2, x.topic3, x.data, x.contract, x.event, x.args
           FROM jsonb_to_recordset($2::jsonb) AS x(block_number BIGINT, log_index INTEGER, block_hash TEXT, tx_hash TEXT,
                tx_index INTEGER, address TEXT, topic0 TEXT, topic1 TEXT, topic2 TEXT, topic3 TEXT, data TEXT,
                contract TEXT, event TEXT, args JSONB)
         ON CONFLICT (stream, block_number, log_index) DO NOTHING`,
        [stream, json],
      );
      if (inserted.rowCount !== rows.length) {
        // Rows that were there already must be the same logs (a re-run after a crash), never others.
        const { rows: clash } = await tx.query<{ block_number: bigint; log_index: number }>(
          `SELECT c.block_number, c.log_index FROM chain_log c
             JOIN jsonb_to_recordset($2::jsonb) AS x(block_number BIGINT, log_index INTEGER, block_hash TEXT, data TEXT, address TEXT)
               ON x.block_number = c.block_number AND x.log_index = c.log_index
            WHERE c.stream = $1 AND (c.block_hash <> x.block_hash OR c.data <> x.data OR c.address <> x.address) LIMIT 1`,
          [stream, json],
        );
        if (clash[0] !== undefined)
          throw new PoaError(
            "INTEGRITY_MISMATCH",
            `index stream "${stream}" already holds another log at block ${clash[0].block_number}, index ${clash[0].log_index}`,
            { details: { stream, blockNumber: clash[0].block_number, logIndex: clash[0].log_index } },
          );
      }
    }
    const { rows } = await tx.query<StreamRow>(
      `UPDATE chain_stream SET cursor_number = $3, cursor_hash = $4, updated_at = now()
        WHERE stream = $1 AND cursor_number = $2 RETURNING *`,
      [stream, from - 1n, toBlock.number, toBlock.hash],
    );
    if (rows[0] === undefined)
      throw new PoaError("STATE_CONFLICT", `index stream "${stream}" moved while a chunk was stored`, {
        details: { stream, expectedCursor: from - 1n },
        action: "Another run may be indexing the same store: make sure only one runs, then run again.",
      });
    return toState(rows[0]);
  });
}

/** Rewinds to the highest stored block still on the chain (within `maxRewind`), or refuses. */
async function rewind(
  db: Database,
  reader: LogReader,
  state: StreamState,
  chainHash: Hex | null,
  maxRewind: number,
  options: IndexOptions,
): Promise<StreamState> {
  const stream = state.stream;
  const refuse = (why: string) =>
    new PoaError(
      "CHAIN_REORGED",
      `index stream "${stream}": block ${state.cursor} is no longer on the chain (${why})`,
      {
        details: { stream, cursor: state.cursor, storedHash: state.cursorHash, chainHash, maxRewind },
        action:
          "A reorganisation deeper than the confirmation depth, or another chain under the same id (a restarted devnet?). " +
          "For another chain use a fresh store; for a real reorganisation allow a bounded rewind, or wait and check the node.",
      },
    );
  if (maxRewind === 0) throw refuse(`stored hash ${state.cursorHash}, the chain has ${chainHash ?? "no such block"}`);
  const floor = state.cursor - BigInt(maxRewind);
  const { rows } = await db.query<{ block_number: bigint; block_hash: Hex }>(
    `SELECT block_number, block_hash FROM chain_block
      WHERE stream = $1 AND block_number <= $2 AND block_number >= $3 ORDER BY block_number DESC`,
    [stream, state.cursor, floor],
  );
  for (const row of rows) {
    const block = await reader.block(row.block_number);
    if (block?.hash !== row.block_hash) continue;
    const deletedLogs = await db.transaction(async (tx) => {
      const deleted = await tx.query("DELETE FROM chain_log WHERE stream = $1 AND block_number > $2", [
        stream,
        row.block_number,
      ]);
      await tx.query("DELETE FROM chain_block WHERE stream = $1 AND block_number > $2", [stream, row.block_number]);
      const { rowCount } = await tx.query(
        `UPDATE chain_stream SET cursor_number = $3, cursor_hash = $4, updated_at = now()
          WHERE stream = $1 AND cursor_number = $2`,
        [stream, state.cursor, row.block_number, row.block_hash],
      );
      if (rowCount !== 1)
        throw new PoaError("STATE_CONFLICT", `index stream "${stream}" moved while it was rewound`, {
          details: { stream },
        });
      return deleted.rowCount;
    });
    options.onProgress?.({ phase: "rewind", stream, from: state.cursor, to: row.block_number, deletedLogs });
    return (await streamState(db, stream))!;
  }
  throw refuse(`no stored block within ${maxRewind} blocks below it is on the chain either`);
}

interface LogRow {
  stream: string;
  block_number: bigint;
  log_index: number;
  block_hash: Hex;
  tx_hash: Hex;
  tx_index: number;
  address: Hex;
  topic0: Hex | null;
  topic1: Hex | null;
  topic2: Hex | null;
  topic3: Hex | null;
  data: Hex;
  contract: string | null;
  event: string | null;
  args: Json | null;
  block_timestamp: bigint;
}

export interface LogQuery {
  stream: string;
  /** Only logs of this decoded event name. */
  event?: string;
  /** Only logs of the contract given this name to the reader. */
  contract?: string;
  fromBlock?: bigint;
  toBlock?: bigint;
  /** Only logs after this position (for paging). */
  after?: { blockNumber: bigint; logIndex: number };
  /** At most this many (default: all). */
  limit?: number;
  /** Without `limit`: rows per query (default 10,000). */
  pageSize?: number;
}

/** Rows per query when all logs are asked for (see `storedLogs`). */
const LOG_PAGE = 10_000;

/**
 * Stored logs in chain order (block number, log index). Without a `limit`, they are read in pages
 * (`pageSize`, default 10,000) by position: one query's answer is built in the database's memory, and PGlite's
 * WebAssembly memory never shrinks, so one answer of every log would keep it at its largest.
 */
export async function storedLogs(db: Queryable, query: LogQuery): Promise<StoredLog[]> {
  if (query.limit !== undefined) return storedLogsPage(db, query);
  const pageSize = query.pageSize ?? LOG_PAGE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw new PoaError("INVALID_VALUE", `storedLogs: pageSize must be a whole number of at least 1, not ${pageSize}`);
  const all: StoredLog[] = [];
  let after = query.after;
  for (;;) {
    const page = await storedLogsPage(db, { ...query, ...(after === undefined ? {} : { after }), limit: pageSize });
    for (const log of page) all.push(log);
    if (page.length < pageSize) return all;
    const last = page[page.length - 1]!;
    after = { blockNumber: last.blockNumber, logIndex: last.logIndex };
  }
}

async function storedLogsPage(db: Queryable, query: LogQuery): Promise<StoredLog[]> {
  const where = ["l.stream = $1"];
  const params: (string | bigint | number)[] = [query.stream];
  const add = (clause: string, value: string | bigint | number) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (query.event !== undefined) add("l.event = ?", query.event);
  if (query.contract !== undefined) add("l.contract = ?", query.contract);
  if (query.fromBlock !== undefined) add("l.block_number >= ?", query.fromBlock);
  if (query.toBlock !== undefined) add("l.block_number <= ?", query.toBlock);
  if (query.after !== undefined) {
    params.push(query.after.blockNumber, query.after.logIndex);
    where.push(`(l.block_number, l.log_index) > ($${params.length - 1}, $${params.length})`);
  }
  let sql = `SELECT l.*, b.block_timestamp FROM chain_log l
               JOIN chain_block b ON b.stream = l.stream AND b.block_number = l.block_number
              WHERE ${where.join(" AND ")} ORDER BY l.block_number, l.log_index`;
  if (query.limit !== undefined) {
    params.push(query.limit);
    sql += ` LIMIT $${params.length}`;
  }
  const { rows } = await db.query<LogRow>(sql, params);
  return rows.map((r) => ({
    stream: r.stream,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    blockTimestamp: r.block_timestamp,
    logIndex: r.log_index,
    transactionHash: r.tx_hash,
    transactionIndex: r.tx_index,
    address: r.address,
    topics: [r.topic0, r.topic1, r.topic2, r.topic3].filter((t): t is Hex => t !== null),
    data: r.data,
    contract: r.contract,
    event: r.event,
    args: r.args,
  }));
}
