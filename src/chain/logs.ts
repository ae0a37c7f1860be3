/**
 * Reading and decoding contract logs with ethers v6: the `LogReader` the store's chain index
 * (src/store/chain-index.ts) drives. This module knows nothing of the store: it satisfies the
 * interface by its shape, so neither layer imports the other.
 *
 * Decoded arguments become JSON that a database can hold without loss, keyed by the ABI's
 * parameter names (position, as a string, for an unnamed one):
 * - uint/int: decimal strings ("1000000000000000000"), never JSON numbers;
 * - address: EIP-55 checksummed string; bool: boolean; string: string;
 * - bytes, bytesN: lower-case 0x hex;
 * - tuples (structs): objects by component name; arrays: arrays;
 * - an indexed dynamic value (string, bytes, array, struct): only its keccak-256 topic is on
 *   chain, stored as that hex hash.
 */
import {
  Indexed,
  Interface,
  JsonRpcProvider,
  type InterfaceAbi,
  type JsonRpcApiProvider,
  type ParamType,
} from "ethers";

import type { Json } from "../core/canonical-json.js";
import { PoaError, messageOf } from "../core/errors.js";
import type { Hex } from "../core/hash.js";

export interface ContractSpec {
  /** A name stored with each log (e.g. "FeeRouter"). */
  name: string;
  address: string;
  abi: Interface | InterfaceAbi;
}

/** Same shape as src/store/chain-index.ts `ChainBlock` (kept apart: chain and store are one layer). */
export interface ReadBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: bigint;
}

/** Same shape as src/store/chain-index.ts `ChainLog`. */
export interface ReadLog {
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  transactionHash: Hex;
  transactionIndex: number;
  address: Hex;
  topics: Hex[];
  data: Hex;
  contract: string | null;
  event: string | null;
  args: Json | null;
}

/** The value of one decoded parameter as JSON (see the file comment). */
export function paramToJson(value: unknown, type: ParamType): Json {
  if (value instanceof Indexed) return (value.hash ?? null) as Json;
  if (type.isTuple()) {
    const items = value as ArrayLike<unknown>;
    const out: { [key: string]: Json } = {};
    type.components.forEach((component, i) => {
      out[component.name === "" ? String(i) : component.name] = paramToJson(items[i], component);
    });
    return out;
  }
  if (type.isArray()) return Array.from(value as ArrayLike<unknown>, (item) => paramToJson(item, type.arrayChildren));
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return type.baseType.startsWith("bytes") ? value.toLowerCase() : value;
  if (typeof value === "number") return String(value);
  throw new PoaError("CHAIN_DATA_INVALID", `cannot turn a decoded ${type.type} into JSON`, {
    details: { type: type.type },
  });
}

const lowerHex = (s: string) => s.toLowerCase() as Hex;

/** True for an error that carries a JSON-RPC error answer: the node was reached and said no. */
export function isRpcRefusal(error: unknown): boolean {
  const e = error as { error?: { code?: unknown }; info?: { error?: { code?: unknown } }; code?: unknown } | null;
  if (e === null || typeof e !== "object") return false;
  if (typeof e.error?.code === "number" || typeof e.info?.error?.code === "number") return true;
  // ethers' own codes for an answer it could not use (e.g. "query returned more than 10000 results")
  return e.code === "UNKNOWN_ERROR" && /-32\d{3}|limit|range|too many|exceed/i.test(messageOf(error));
}

/** A log as the node sends it: quantities as hex strings (JSON-RPC) or numbers (ethers). */
interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string | number;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string | number;
  logIndex: string | number;
}

const isQuantity = (v: unknown) => typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v);
const toQuantity = (n: bigint) => `0x${n.toString(16)}`;

/** ethers could not turn the node's answer into text or JSON (too large, or not JSON at all). */
function isUndecodableAnswer(error: unknown): boolean {
  const e = error as { code?: unknown; operation?: unknown } | null;
  return e?.code === "UNSUPPORTED_OPERATION" && (e.operation === "bodyJson" || e.operation === "bodyText");
}

/** The HTTP endpoint (URL, headers, timeout) of a JSON-RPC provider over http(s); undefined otherwise. */
function httpConnection(
  provider: JsonRpcApiProvider,
): { url: string; headers: Record<string, string>; timeoutMs: number } | undefined {
  if (!(provider instanceof JsonRpcProvider)) return undefined;
  const connection = provider._getConnection();
  if (!/^https?:\/\//i.test(connection.url)) return undefined;
  const headers = connection.headers;
  delete headers["accept-encoding"]; // fetch asks for (and undoes) compression itself
  delete headers["content-length"];
  return { url: connection.url, headers, timeoutMs: connection.timeout };
}

export class EthersLogReader {
  readonly addresses: readonly string[];
  private readonly byAddress: Map<string, { name: string; iface: Interface }>;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    contracts: readonly ContractSpec[],
    private readonly url = "the RPC endpoint",
  ) {
    this.byAddress = new Map();
    for (const c of contracts) {
      const address = c.address.toLowerCase();
      if (!/^0x[0-9a-f]{40}$/.test(address))
        throw new PoaError("INVALID_ADDRESS", `contract ${c.name}: "${c.address}" is not an address`, {
          details: { contract: c.name, address: c.address },
        });
      if (this.byAddress.has(address))
        throw new PoaError("DUPLICATE_ENTRY", `contract address ${c.address} is given twice`, { details: { address } });
      this.byAddress.set(address, { name: c.name, iface: c.abi instanceof Interface ? c.abi : new Interface(c.abi) });
    }
    this.addresses = [...this.byAddress.keys()].sort();
  }

  private unreachable(what: string, error: unknown): PoaError {
    if (error instanceof PoaError) return error;
    return new PoaError("RPC_UNREACHABLE", `could not ${what} from ${this.url}: ${messageOf(error)}`, {
      details: { url: this.url },
      cause: error,
      action: "Check that the node is running and reachable, then run again (indexing resumes where it stopped).",
    });
  }

  async chainId(): Promise<bigint> {
    try {
      return (await this.provider.getNetwork()).chainId;
    } catch (error) {
      throw this.unreachable("read the chain id", error);
    }
  }

  async headNumber(): Promise<bigint> {
    try {
      return BigInt(await this.provider.getBlockNumber());
    } catch (error) {
      throw this.unreachable("read the latest block number", error);
    }
  }

  async block(number: bigint): Promise<ReadBlock | null> {
    let block;
    try {
      block = await this.provider.getBlock(number);
    } catch (error) {
      throw this.unreachable(`read block ${number}`, error);
    }
    if (block === null || block.hash === null) return null;
    return {
      number: BigInt(block.number),
      hash: lowerHex(block.hash),
      parentHash: lowerHex(block.parentHash),
      timestamp: BigInt(block.timestamp),
    };
  }

  async logs(from: bigint, to: bigint): Promise<ReadLog[]> {
    const refused = (why: string, cause: unknown) =>
      new PoaError("CHAIN_LOGS_REFUSED", `the node refused the logs of blocks ${from}-${to}: ${why}`, {
        details: { url: this.url, from, to },
        cause,
        action:
          "The node limits log queries: smaller block ranges are tried first; if even one block is refused, use another node.",
      });
    let logs: RpcLog[];
    const http = httpConnection(this.provider);
    if (http !== undefined) {
      logs = await this.fetchLogs(http, from, to, refused);
    } else {
      try {
        const found = await this.provider.getLogs({ address: [...this.addresses], fromBlock: from, toBlock: to });
        logs = found.map((l) => ({
          address: l.address,
          topics: [...l.topics],
          data: l.data,
          blockNumber: l.blockNumber,
          blockHash: l.blockHash,
          transactionHash: l.transactionHash,
          transactionIndex: l.transactionIndex,
          logIndex: l.index,
        }));
      } catch (error) {
        if (isRpcRefusal(error)) throw refused(messageOf(error), error);
        // ethers cannot decode an answer of more than about 100 MB (its UTF-8 decoder builds an
        // array of code points past V8's array limit): split the range like a refusal.
        if (isUndecodableAnswer(error))
          throw refused("the answer is too large for the client to decode (smaller ranges are tried)", error);
        throw this.unreachable(`read the logs of blocks ${from}-${to}`, error);
      }
    }
    const out = logs.map((log): ReadLog => {
      const address = lowerHex(log.address);
      const decoded = this.decode(address, log.topics, log.data);
      return {
        blockNumber: BigInt(log.blockNumber),
        blockHash: lowerHex(log.blockHash),
        logIndex: Number(log.logIndex),
        transactionHash: lowerHex(log.transactionHash),
        transactionIndex: Number(log.transactionIndex),
        address,
        topics: log.topics.map(lowerHex),
        data: lowerHex(log.data),
        contract: this.byAddress.get(address)?.name ?? null,
        event: decoded?.event ?? null,
        args: decoded?.args ?? null,
      };
    });
    out.sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
    return out;
  }

  /**
   * `eth_getLogs` as one plain HTTP request, the answer parsed by the runtime's JSON parser:
   * ethers' own path copies the body once per network chunk and decodes UTF-8 through an array
   * of code points, which takes minutes on an answer of 100 MB (100,000 paid requests in one
   * range) and then fails. An answer too large even for one string is split like a refusal.
   */
  private async fetchLogs(
    http: { url: string; headers: Record<string, string>; timeoutMs: number },
    from: bigint,
    to: bigint,
    refused: (why: string, cause: unknown) => PoaError,
  ): Promise<RpcLog[]> {
    const what = `read the logs of blocks ${from}-${to}`;
    let response: Response;
    try {
      response = await fetch(http.url, {
        method: "POST",
        headers: { ...http.headers, "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_getLogs",
          params: [{ address: [...this.addresses], fromBlock: toQuantity(from), toBlock: toQuantity(to) }],
        }),
        signal: AbortSignal.timeout(http.timeoutMs),
      });
    } catch (error) {
      throw this.unreachable(what, error);
    }
    let body: { result?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      body = (await response.json()) as typeof body;
    } catch (error) {
      if (error instanceof RangeError) throw refused(`the answer is too large to parse (${error.message})`, error);
      throw this.unreachable(what, new Error(`HTTP ${response.status}: the answer is not JSON`, { cause: error }));
    }
    if (body !== null && typeof body === "object" && typeof body.error?.code === "number")
      throw refused(`${String(body.error.message)} (code ${body.error.code})`, body.error);
    if (!response.ok) throw this.unreachable(what, new Error(`HTTP ${response.status} ${response.statusText}`));
    if (!Array.isArray(body?.result))
      throw new PoaError("CHAIN_DATA_INVALID", `the node's answer for the logs of blocks ${from}-${to} is not a list`, {
        details: { url: this.url, from, to },
      });
    const logs = body.result as RpcLog[];
    for (const log of logs)
      if (
        typeof log?.address !== "string" ||
        !Array.isArray(log.topics) ||
        typeof log.data !== "string" ||
        typeof log.blockHash !== "string" ||
        typeof log.transactionHash !== "string" ||
        !isQuantity(log.blockNumber) ||
        !isQuantity(log.logIndex) ||
        !isQuantity(log.transactionIndex)
      )
        throw new PoaError("CHAIN_DATA_INVALID", `the node returned a malformed log for blocks ${from}-${to}`, {
          details: { url: this.url, from, to, log: JSON.stringify(log)?.slice(0, 500) ?? null },
        });
    return logs;
  }

  /** The event and its JSON arguments, or undefined when the ABI does not know (or cannot decode) the log. */
  decode(address: string, topics: readonly string[], data: string): { event: string; args: Json } | undefined {
    const contract = this.byAddress.get(address.toLowerCase());
    if (contract === undefined) return undefined;
    let parsed;
    try {
      parsed = contract.iface.parseLog({ topics: [...topics], data });
    } catch {
      return undefined; // a known topic whose data does not decode: kept raw
    }
    if (parsed === null) return undefined;
    const args: { [key: string]: Json } = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name === "" ? String(i) : input.name] = paramToJson(parsed.args[i], input);
    });
    return { event: parsed.name, args };
  }
}
