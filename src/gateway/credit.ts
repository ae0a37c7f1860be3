/**
 * Prepaid credit. A user funds the gateway by transferring OPEN to the gateway's address (the
 * operator account that pays the FeeRouter); the gateway watches those `Transfer` events with
 * the store's chain log index (src/store/chain-index.ts: confirmations behind the head,
 * resumable, reorg-aware) and credits the sender.
 *
 *     available(account) = sum of confirmed OPEN transfers from account to the gateway
 *                        - fees charged for its records (every record but void ones)
 *                        - reservations of its requests in progress
 *
 * A request reserves its worst-case fee (its prompt tokens and `max_tokens` at the terms in force)
 * before any work; if that does not fit, it is refused (402). When it is served, the reservation
 * becomes the actual fee, charged with its record.
 */
import { getAddress, id, zeroPadValue, type JsonRpcApiProvider } from "ethers";

import { EthersLogReader, isRpcRefusal } from "../chain/logs.js";
import { messageOf, PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { indexLogs, type ChainBlock, type ChainLog, type Database, type LogReader } from "../store/index.js";
import { L2OpenToken__factory } from "../../types/ethers-contracts/index.js";

export const TRANSFER_TOPIC = id("Transfer(address,address,uint256)").toLowerCase() as Hex;

/** The OPEN token's `Transfer` logs whose recipient is `to`: one topic-filtered log query per chunk. */
export class TransfersTo implements LogReader {
  readonly addresses: readonly string[];
  private readonly inner: EthersLogReader;
  private readonly toTopic: Hex;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly token: string,
    to: string,
    private readonly url = "the RPC endpoint",
  ) {
    this.inner = new EthersLogReader(
      provider,
      [{ name: "L2OpenToken", address: token, abi: L2OpenToken__factory.abi }],
      url,
    );
    this.addresses = this.inner.addresses;
    this.toTopic = zeroPadValue(to, 32).toLowerCase() as Hex;
  }

  chainId(): Promise<bigint> {
    return this.inner.chainId();
  }

  headNumber(): Promise<bigint> {
    return this.inner.headNumber();
  }

  block(number: bigint): Promise<ChainBlock | null> {
    return this.inner.block(number);
  }

  async logs(from: bigint, to: bigint): Promise<ChainLog[]> {
    let logs;
    try {
      logs = await this.provider.getLogs({
        address: this.token,
        topics: [TRANSFER_TOPIC, null, this.toTopic],
        fromBlock: from,
        toBlock: to,
      });
    } catch (error) {
      if (isRpcRefusal(error))
        throw new PoaError(
          "CHAIN_LOGS_REFUSED",
          `the node refused the logs of blocks ${from}-${to}: ${messageOf(error)}`,
          {
            details: { url: this.url, from, to },
            cause: error,
          },
        );
      throw new PoaError(
        "RPC_UNREACHABLE",
        `could not read the logs of blocks ${from}-${to} from ${this.url}: ${messageOf(error)}`,
        {
          details: { url: this.url },
          cause: error,
          action: "Check that the node is running; credit is read again when it answers.",
        },
      );
    }
    return logs
      .map((log): ChainLog => {
        const topics = log.topics.map((t) => t.toLowerCase() as Hex);
        const decoded = this.inner.decode(log.address, topics, log.data);
        return {
          blockNumber: BigInt(log.blockNumber),
          blockHash: log.blockHash.toLowerCase() as Hex,
          logIndex: log.index,
          transactionHash: log.transactionHash.toLowerCase() as Hex,
          transactionIndex: log.transactionIndex,
          address: log.address.toLowerCase() as Hex,
          topics,
          data: log.data.toLowerCase() as Hex,
          contract: "L2OpenToken",
          event: decoded?.event ?? null,
          args: decoded?.args ?? null,
        };
      })
      .sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );
  }
}

export interface Reservation {
  account: string;
  amount: bigint;
  done: boolean;
}

const key = (account: string) => account.toLowerCase();

/** The credit of every account, in memory, kept equal to what the store implies (see the file comment). */
export class CreditLedger {
  private credited = new Map<string, bigint>();
  private readonly charged = new Map<string, bigint>();
  private readonly reserved = new Map<string, bigint>();

  constructor(readonly gateway: string) {}

  creditedOf(account: string): bigint {
    return this.credited.get(key(account)) ?? 0n;
  }

  chargedOf(account: string): bigint {
    return this.charged.get(key(account)) ?? 0n;
  }

  reservedOf(account: string): bigint {
    return this.reserved.get(key(account)) ?? 0n;
  }

  available(account: string): bigint {
    return this.creditedOf(account) - this.chargedOf(account) - this.reservedOf(account);
  }

  /** Reserves `amount` for a request of `account`, or refuses with CREDIT_INSUFFICIENT (402). */
  reserve(account: string, amount: bigint): Reservation {
    const available = this.available(account);
    if (available < amount)
      throw new PoaError(
        "CREDIT_INSUFFICIENT",
        `this request may cost up to ${amount} wei of OPEN, and ${getAddress(account)} has ${available < 0n ? 0n : available} available`,
        {
          details: {
            account: getAddress(account),
            needed: amount.toString(),
            available: available.toString(),
            depositTo: this.gateway,
          },
          action: `Transfer OPEN to the gateway's address ${this.gateway} from this account; it is credited once the transfer is confirmed.`,
        },
      );
    this.reserved.set(key(account), this.reservedOf(account) + amount);
    return { account: key(account), amount, done: false };
  }

  /** Turns a reservation into the actual fee (charged with its record). */
  charge(reservation: Reservation, fee: bigint): void {
    this.release(reservation);
    this.charged.set(reservation.account, this.chargedOf(reservation.account) + fee);
  }

  /** Gives a reservation back (the request failed before its record was written). */
  release(reservation: Reservation): void {
    if (reservation.done) return;
    reservation.done = true;
    this.reserved.set(reservation.account, this.reservedOf(reservation.account) - reservation.amount);
  }

  /** A charge undone (a record that can never be paid was voided). */
  refund(account: string, fee: bigint): void {
    this.charged.set(key(account), this.chargedOf(account) - fee);
  }

  setCredited(credited: Map<string, bigint>): void {
    this.credited = credited;
  }

  setCharged(charged: Map<string, bigint>): void {
    this.charged.clear();
    for (const [k, v] of charged) this.charged.set(key(k), v);
  }
}

/** Credited amounts by sender from the indexed transfers to `gateway` in `stream`. */
export async function creditedFromLogs(db: Database, stream: string, gateway: string): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ account: string; total: bigint }>(
    `SELECT '0x' || substr(topic1, 27) AS account, sum((args->>'value')::numeric) AS total
       FROM chain_log WHERE stream = $1 AND event = 'Transfer' AND topic2 = $2
      GROUP BY 1`,
    [stream, zeroPadValue(gateway, 32).toLowerCase()],
  );
  return new Map(rows.map((r) => [r.account.toLowerCase(), r.total]));
}

/** Charged amounts by account from the records (void ones excluded). */
export async function chargedFromRecords(db: Database): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ account: string; total: bigint }>(
    "SELECT account, sum(fee) AS total FROM gateway_record WHERE state <> 'void' GROUP BY account",
  );
  return new Map(rows.map((r) => [r.account, r.total]));
}

export interface CreditWatcherOptions {
  stream: string;
  startBlock: bigint;
  confirmations: number;
  /** Rewind allowed on a reorganisation (default 64 blocks: credit follows the chain). */
  maxRewind?: number;
}

/** Indexes transfers to the gateway and refreshes the ledger's credited amounts. */
export class CreditWatcher {
  lastError: PoaError | undefined;
  cursor: bigint | undefined;

  constructor(
    private readonly db: Database,
    private readonly reader: LogReader,
    private readonly ledger: CreditLedger,
    private readonly options: CreditWatcherOptions,
  ) {}

  /** One round: index what is new, then recompute the credited amounts. */
  async poll(): Promise<void> {
    try {
      const result = await indexLogs(this.db, this.reader, {
        stream: this.options.stream,
        startBlock: this.options.startBlock,
        confirmations: this.options.confirmations,
        maxRewind: this.options.maxRewind ?? 64,
      });
      this.cursor = result.cursor;
      this.ledger.setCredited(await creditedFromLogs(this.db, this.options.stream, this.ledger.gateway));
      this.lastError = undefined;
    } catch (error) {
      if (error instanceof PoaError) this.lastError = error;
      throw error;
    }
  }
}
