/**
 * The proof server behind `poa proofs serve`: a read-only HTTP server (Node's `http`) that answers
 * `GET /proof/<account>` with what a claim needs, from a reward tree held in memory (built, or
 * read from a tree.json) or from a proof shard folder (src/merkle/shards.ts), for one posted root
 * and epoch.
 *
 *   200 {"account": "<EIP-55>", "cumulativeAmount": "<decimal>", "proof": ["0x…", …], "root": "0x…", "epoch": N}
 *   400 {"error": {"code": "INVALID_ADDRESS", "message": …}}      not 0x + 40 hex digits, or a bad EIP-55 checksum
 *   404 {"error": {"code": "NOT_FOUND", "message": …}}            an account without a leaf, or any other path
 *   405 {"error": {"code": "METHOD_NOT_ALLOWED", "message": …}}   anything but GET or HEAD (Allow: GET, HEAD)
 *   500 {"error": {"code": "INTEGRITY_MISMATCH", "message": …}}   a shard's proof does not lead to the root
 *   503 {"error": {"code": "CANNOT_CHECK", "message": …}}         a shard file could not be read
 *
 * It binds only the host it is given (127.0.0.1 unless told otherwise), never reads a request
 * body, and writes nothing. A shard-backed server checks every proof against the root (about 22
 * keccak hashes) before it serves it the first time, so a damaged or altered shard is refused
 * rather than served; shards are loaded on first use and kept in a least-recently-used cache
 * bounded in bytes (their file sizes).
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";

import { PoaError, messageOf } from "../core/errors.js";
import {
  bytes32ToHex,
  checkAccount,
  compactRewardTree,
  hexToBytes32,
  parseShardIndex,
  processProofFast,
  readShardBytes,
  readTreeJson,
  SHARD_INDEX_FILE,
  shardOf,
  type Hex,
  type RewardTree,
  type ShardIndex,
  type ShardReader,
} from "../merkle/index.js";

export interface ProofServerOptions {
  /** Serve from this tree (held in memory)... */
  readonly tree?: RewardTree;
  /** ...or from this tree.json (read into memory and checked, about 250 bytes per leaf)... */
  readonly treeFile?: string;
  /** ...or from this proof shard folder (written by `writeProofShards`). Exactly one of the three. */
  readonly shards?: string;
  /** The root the proofs lead to; the tree's or the shard index's root must be this one. */
  readonly root: string;
  /** The epoch of that root, echoed in every answer. */
  readonly epoch: number | bigint;
  /** Address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to bind; 0 (the default) takes a free one, see `url`. */
  readonly port?: number;
  /** Shard-backed only: the most shard file bytes kept parsed in memory (least recently used dropped first). Default 256 MiB. */
  readonly cacheBytes?: number;
}

export interface ProofServer {
  /** `http://<host>:<port>`, with the port actually bound. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** One account's answer, before the root and epoch are added. */
interface Leaf {
  readonly cumulativeAmount: string;
  readonly proof: readonly string[];
}

type Lookup = (address: string) => Promise<Leaf | undefined> | Leaf | undefined;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_CACHE_BYTES = 256 * 2 ** 20;

function invalid(message: string, action: string, details: Record<string, unknown> = {}): PoaError {
  return new PoaError("INVALID_VALUE", message, { details, action });
}

function checkOptions(options: ProofServerOptions): { root: Hex; epoch: number; host: string; port: number } {
  const sources = [options.tree, options.treeFile, options.shards].filter((s) => s !== undefined).length;
  if (sources !== 1) {
    throw invalid(
      "a proof server needs one source: a tree, a tree file or a shard folder",
      "Pass exactly one of `tree`, `treeFile` and `shards`.",
    );
  }
  const root = bytes32ToHex(hexToBytes32(options.root, "root"));
  const epoch = typeof options.epoch === "bigint" ? Number(options.epoch) : options.epoch;
  if (
    typeof epoch !== "number" ||
    !Number.isSafeInteger(epoch) ||
    epoch < 0 ||
    BigInt(epoch) !== BigInt(options.epoch)
  ) {
    throw invalid(`epoch ${String(options.epoch)} is not a non-negative integer below 2^53`, "Pass the epoch number.", {
      epoch: String(options.epoch),
    });
  }
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0)
    throw invalid("the host to bind is empty", "Pass an address such as 127.0.0.1.");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid(`port ${String(port)} is not a TCP port`, "Pass a port from 0 (any free one) to 65535.", { port });
  }
  return { root, epoch, host, port };
}

function treeLookup(tree: RewardTree, root: Hex): Lookup {
  if (tree.root !== root) {
    throw new PoaError("INTEGRITY_MISMATCH", `the tree's root ${tree.root} is not the root to serve, ${root}`, {
      details: { treeRoot: tree.root, root },
      action: "Serve the tree of the root that was posted (or pass that tree's root).",
    });
  }
  // The compact view, not the tree: the server then holds no object per account, so its
  // garbage collections stay short (see compactRewardTree) and so does its tail latency.
  const compact = compactRewardTree(tree);
  return (address) => {
    const i = compact.find(address);
    if (i === undefined) return undefined;
    return { cumulativeAmount: compact.amount(i), proof: compact.proof(i) };
  };
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/** A shard-backed lookup: shards parsed on first use, kept in an LRU bounded by their file sizes. */
function shardLookup(folder: string, root: Hex, cacheBytes: number): Lookup {
  const indexFile = join(folder, SHARD_INDEX_FILE);
  let index: ShardIndex;
  try {
    index = parseShardIndex(JSON.parse(readFileSync(indexFile, "utf8")), indexFile);
  } catch (error) {
    if (error instanceof PoaError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PoaError(
      code === "ENOENT" ? "FILE_NOT_FOUND" : "MERKLE_INVALID",
      `cannot read the proof shard index ${indexFile}: ${messageOf(error)}`,
      {
        details: { path: indexFile },
        cause: error,
        action: "Point at a folder written by the proof shard writer (it holds index.json).",
      },
    );
  }
  if (index.root !== root) {
    throw new PoaError("INTEGRITY_MISMATCH", `the shards in ${folder} are for root ${index.root}, not ${root}`, {
      details: { shardRoot: index.root, root, folder },
      action: "Serve the shard folder of the root that was posted.",
    });
  }
  /** A loaded shard: a reader over its bytes, and the accounts whose proof was checked against the root. */
  interface Shard {
    readonly reader: ShardReader;
    readonly checked: Set<string>;
  }
  const cache = new Map<string, Promise<Shard>>();
  let cached = 0;
  const load = (name: string): Promise<Shard> => {
    const hit = cache.get(name);
    if (hit !== undefined) {
      cache.delete(name); // most recently used last
      cache.set(name, hit);
      return hit;
    }
    const size = index.shards[name]!.bytes;
    const forget = (): void => {
      if (cache.get(name) !== loading) return;
      cache.delete(name);
      cached -= size;
    };
    const loading = readFile(join(folder, `${name}.json`)).then(
      (bytes) => {
        try {
          return { reader: readShardBytes(bytes, `shard ${name}.json`), checked: new Set<string>() };
        } catch (error) {
          forget();
          throw new HttpFailure(500, "INTEGRITY_MISMATCH", messageOf(error));
        }
      },
      (error: unknown) => {
        forget();
        throw new HttpFailure(
          503,
          "CANNOT_CHECK",
          `shard ${name}.json cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        );
      },
    );
    cache.set(name, loading);
    cached += size;
    for (const [old] of cache) {
      if (cached <= cacheBytes || old === name) break;
      cache.delete(old);
      cached -= index.shards[old]!.bytes;
    }
    return loading;
  };
  return async (address) => {
    const name = shardOf(address, index.prefixDigits);
    if (index.shards[name] === undefined) return undefined;
    const shard = await load(name);
    const key = address.toLowerCase();
    const leaf = shard.reader.find(key);
    if (leaf === undefined) return undefined;
    if (shard.checked.has(key)) return leaf;
    const damaged = new HttpFailure(
      500,
      "INTEGRITY_MISMATCH",
      `the proof of ${address} in shard ${name}.json does not lead to root ${root}`,
    );
    if (!DECIMAL.test(leaf.cumulativeAmount)) throw damaged;
    const amount = BigInt(leaf.cumulativeAmount);
    let reached: string;
    try {
      reached = processProofFast({ account: address, cumulativeAmount: amount }, leaf.proof);
    } catch {
      throw damaged;
    }
    if (reached !== root) throw damaged;
    shard.checked.add(key);
    return leaf;
  };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(body);
}

function sendError(res: ServerResponse, failure: HttpFailure, headers: Record<string, string> = {}): void {
  send(res, failure.status, JSON.stringify({ error: { code: failure.code, message: failure.message } }), headers);
}

const PREFIX = "/proof/";

/** Request text echoed in an error, cut to 64 characters. */
const shorten = (text: string): string => (text.length > 64 ? `${text.slice(0, 64)}…` : text);

/**
 * Starts the server; resolves once it listens. Refuses (PoaError) a missing or doubled source, a
 * root that is not the tree's or the shard index's, a bad epoch or port, and a port in use.
 */
export async function startProofServer(options: ProofServerOptions): Promise<ProofServer> {
  const { root, epoch, host, port } = checkOptions(options);
  const lookup =
    options.shards !== undefined
      ? shardLookup(options.shards, root, options.cacheBytes ?? DEFAULT_CACHE_BYTES)
      : treeLookup(options.tree ?? (await readTreeJson(options.treeFile!)), root);

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendError(
        res,
        new HttpFailure(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed: the server is read-only`),
        {
          allow: "GET, HEAD",
        },
      );
      return;
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(PREFIX) || path.length === PREFIX.length || path.indexOf("/", PREFIX.length) >= 0) {
      sendError(res, new HttpFailure(404, "NOT_FOUND", `nothing at ${shorten(path)}: ask GET /proof/<account>`));
      return;
    }
    const raw = path.slice(PREFIX.length);
    const checked = checkAccount(raw);
    if (!checked.ok) {
      const shown = shorten(raw);
      sendError(
        res,
        new HttpFailure(
          400,
          "INVALID_ADDRESS",
          checked.problem === "checksum"
            ? `${shown} has a wrong EIP-55 checksum (write it in lower case to skip the check)`
            : `${shown} is not an address (0x and 40 hex digits)`,
        ),
      );
      return;
    }
    const leaf = await lookup(checked.address);
    if (leaf === undefined) {
      sendError(
        res,
        new HttpFailure(
          404,
          "NOT_FOUND",
          `account ${checked.address} has no leaf in the tree of epoch ${epoch} (root ${root})`,
        ),
      );
      return;
    }
    send(
      res,
      200,
      JSON.stringify({
        account: checked.address,
        cumulativeAmount: leaf.cumulativeAmount,
        proof: leaf.proof,
        root,
        epoch,
      }),
    );
  };

  const server: Server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      const failure =
        error instanceof HttpFailure
          ? error
          : new HttpFailure(500, "INTERNAL", `the server failed: ${messageOf(error)}`);
      if (!res.headersSent) sendError(res, failure);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === "EADDRINUSE"
          ? new PoaError("PORT_IN_USE", `port ${port} on ${host} is already in use`, {
              details: { host, port },
              cause: error,
              action: "Stop what uses it, or choose another port (0 takes a free one).",
            })
          : new PoaError("INVALID_VALUE", `cannot listen on ${host}:${port}: ${error.message}`, {
              details: { host, port, code: error.code },
              cause: error,
              action: "Use an address of this machine, such as 127.0.0.1.",
            }),
      );
    };
    server.once("error", failed);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}`,
    host,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
