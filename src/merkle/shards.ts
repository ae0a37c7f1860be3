/**
 * Proof shards: every account's proof, split by address prefix into files small enough for a
 * wallet or a static web host to fetch one (a full tree.json at 1,000,000 accounts is 240 MB).
 *
 *   <folder>/index.json   {"accounts": N, "format": "poa-proof-shards-v1",
 *                          "leafEncoding": ["address", "uint256"], "prefixDigits": d,
 *                          "root": "0x…", "shards": {"00": {"accounts": k, "bytes": b}, …}}
 *   <folder>/<p>.json     {"0x<account>": {"cumulativeAmount": "<decimal>", "proof": ["0x…", …]}, …}
 *
 * `<p>` is the first d lower-case hex digits of the account (d from 1 to 4; by default the fewest
 * that keep shards at 1,024 accounts or fewer on average: 2 at 100,000 accounts, 3 at
 * 1,000,000); a shard holds
 * the accounts with that prefix, keyed by their lower-case address, in ascending address order,
 * and only non-empty shards are written and listed. `proof` is `StandardMerkleTree.getProof`'s
 * proof (leaf to root) for the leaf `(account, cumulativeAmount)`; it leads to `root`, which is
 * what a reader checks. The index is canonical JSON (sorted keys, two-space indent), the shards
 * one line each: the same tree always gives the same bytes.
 */
import { lstatSync, readdirSync } from "node:fs";
import { readdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { canonicalJson } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import { prepareOutputFolder } from "../core/fs.js";
import { ChunkWriter } from "./ascii.js";
import { type Hex } from "./hash.js";
import { treeInternals, type RewardTree } from "./tree.js";

export const SHARD_FORMAT = "poa-proof-shards-v1";
export const SHARD_INDEX_FILE = "index.json";
/** Accounts a shard holds on average, at most, when the prefix length is chosen from the count. */
export const SHARD_TARGET_ACCOUNTS = 1024;

/**
 * The default prefix length for `accounts` accounts: the fewest hex digits (1 to 4) that keep the
 * average shard at or below 1,024 accounts (about 1.5 MB of proofs at a million accounts):
 * 1 digit up to 16,384 accounts, 2 up to 262,144, 3 up to 4,194,304, then 4.
 */
export function defaultPrefixDigits(accounts: number): number {
  let digits = 1;
  while (digits < 4 && accounts > SHARD_TARGET_ACCOUNTS * 16 ** digits) digits++;
  return digits;
}

/** The index of a shard folder. */
export interface ShardIndex {
  readonly format: typeof SHARD_FORMAT;
  readonly root: Hex;
  readonly leafEncoding: readonly ["address", "uint256"];
  readonly accounts: number;
  readonly prefixDigits: number;
  readonly shards: Readonly<Record<string, { readonly accounts: number; readonly bytes: number }>>;
}

/** One file of a shard folder, as chunks of bytes. */
export interface ShardFile {
  readonly name: string;
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
}

export interface ShardOptions {
  /**
   * Hex digits of the address prefix that names a shard: 1 to 4 (16 to 65,536 shards). Default:
   * {@link defaultPrefixDigits} of the account count.
   */
  prefixDigits?: number;
}

function checkDigits(digits: unknown): number {
  if (typeof digits !== "number" || !Number.isInteger(digits) || digits < 1 || digits > 4) {
    throw new PoaError("INVALID_VALUE", `a shard prefix of ${String(digits)} hex digits is not supported`, {
      details: { prefixDigits: digits },
      action: "Use 1 to 4 hex digits (16 to 65,536 shards), or leave it out to size shards from the account count.",
    });
  }
  return digits;
}

/** The shard name of an address (any case): its first `digits` hex digits, lower case. */
export function shardOf(account: string, digits: number): string {
  return account.slice(2, 2 + digits).toLowerCase();
}

const bswap = (w: number): number => ((w << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0;

/**
 * The files of the shard folder of `tree`, shards in ascending prefix order, then `index.json`
 * (pure: computed as they are asked for).
 */
export function* proofShardFiles(tree: RewardTree, options: ShardOptions = {}): Generator<ShardFile> {
  const digits = checkDigits(options.prefixDigits ?? defaultPrefixDigits(tree.count));
  const { nodes, treeIndexOf, addressWords, wasm } = treeInternals(tree);
  if (addressWords === undefined) throw new Error("a reward tree without addresses");
  const n = tree.count;
  // Addresses as big-endian words (numeric order = byte order), and each account's shard.
  const be = new Uint32Array(5 * n);
  for (let k = 0; k < 5 * n; k++) be[k] = bswap(addressWords[k]!);
  const shardCount = 16 ** digits;
  const shardOfEntry = new Uint32Array(n);
  const counts = new Uint32Array(shardCount + 1);
  for (let i = 0; i < n; i++) {
    const s = be[5 * i]! >>> (32 - 4 * digits);
    shardOfEntry[i] = s;
    counts[s + 1]!++;
  }
  for (let s = 0; s < shardCount; s++) counts[s + 1]! += counts[s]!;
  const order = new Uint32Array(n);
  const next = counts.slice(0, shardCount);
  for (let i = 0; i < n; i++) order[next[shardOfEntry[i]!]!++] = i;
  const byAddress = (a: number, b: number): number => {
    for (let k = 0; k < 5; k++) {
      const x = be[5 * a + k]!;
      const y = be[5 * b + k]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

  const shards: Record<string, { accounts: number; bytes: number }> = {};
  if (wasm === undefined) throw new Error("a reward tree without its WebAssembly instance");
  // Records are written by WebAssembly (address and proof hex straight from the tree), a batch
  // at a time, into its scratch region: member indices, amount offsets, amount digits, output.
  const depth = 32 - Math.clz32(2 * n - 1); // proofs have at most depth - 1 nodes
  const perRecord = 1 + 44 + 22 + 78 + 11 + 69 * depth + 2;
  const BATCH = 64;
  const membersAt = wasm.scratch;
  const amountAt = membersAt + 4 * BATCH;
  const amounts = amountAt + 8 * BATCH;
  const out = amounts + 80 * BATCH;
  if (out + BATCH * perRecord > wasm.scratch + wasm.scratchBytes) throw new Error("shard scratch too small");
  const memory = Buffer.from(wasm.exports.memory.buffer);
  const memberSlots = new Uint32Array(wasm.exports.memory.buffer, membersAt, BATCH);
  const amountSlots = new Uint32Array(wasm.exports.memory.buffer, amountAt, 2 * BATCH);
  for (let s = 0; s < shardCount; s++) {
    const from = counts[s]!;
    const to = counts[s + 1]!;
    if (from === to) continue;
    const members = order.subarray(from, to).sort(byAddress);
    const w = new ChunkWriter(2 + members.length * perRecord);
    w.byte(0x7b);
    for (let start = 0; start < members.length; start += BATCH) {
      const count = Math.min(BATCH, members.length - start);
      let offset = amounts;
      for (let k = 0; k < count; k++) {
        const i = members[start + k]!;
        memberSlots[k] = i;
        const length = memory.write(tree.entries[i]!.cumulativeAmount.toString(), offset, "latin1");
        amountSlots[2 * k] = offset;
        amountSlots[2 * k + 1] = length;
        offset += length;
      }
      const length = wasm.exports.shardRecords(
        nodes.byteOffset,
        addressWords.byteOffset,
        treeIndexOf.byteOffset,
        membersAt,
        count,
        0,
        amountAt,
        start === 0,
        out,
      );
      w.bytes(memory.subarray(out, out + length));
    }
    w.byte(0x7d);
    const chunks = w.finish();
    const bytes = chunks[0]!.length;
    const name = s.toString(16).padStart(digits, "0");
    shards[name] = { accounts: members.length, bytes };
    yield { name: `${name}.json`, chunks, bytes };
  }
  const index: ShardIndex = {
    format: SHARD_FORMAT,
    root: tree.root,
    leafEncoding: ["address", "uint256"],
    accounts: n,
    prefixDigits: digits,
    shards,
  };
  const text = Buffer.from(canonicalJson(index as unknown as Parameters<typeof canonicalJson>[0]) + "\n");
  yield { name: SHARD_INDEX_FILE, chunks: [text], bytes: text.length };
}

const SHARD_FILE = /^(index|[0-9a-f]{1,4})\.json$/;

/** Whether `folder` holds nothing but what a shard writer writes (so it may be replaced). */
function isShardFolder(folder: string): boolean {
  return readdirSync(folder).every((name) => SHARD_FILE.test(name) && lstatSync(join(folder, name)).isFile());
}

/**
 * Writes the shard folder of `tree` at `folder`: into a temporary folder next to it, then moved
 * into place, so a reader never sees a half-written set. An existing shard folder there is
 * replaced; a folder holding anything else is refused. Returns the index.
 */
export async function writeProofShards(
  tree: RewardTree,
  folder: string,
  options: ShardOptions = {},
): Promise<ShardIndex & { readonly totalBytes: number }> {
  const digits = checkDigits(options.prefixDigits ?? defaultPrefixDigits(tree.count));
  let existing = false;
  try {
    existing = lstatSync(folder).isDirectory();
    if (!existing || !isShardFolder(folder)) {
      throw new PoaError("FILE_NOT_WRITABLE", `${folder} exists and is not a proof shard folder`, {
        details: { path: folder },
        action: "Choose a new folder, or one that holds only a previous set of proof shards.",
      });
    }
  } catch (error) {
    if (error instanceof PoaError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const tmp = `${folder}.${process.pid}.tmp`;
  prepareOutputFolder(tmp, "the proof shard folder");
  let totalBytes = 0;
  let index: ShardIndex | undefined;
  try {
    // The next shards are computed while earlier ones are being written (a few writes in flight).
    const inFlight = new Set<Promise<void>>();
    for (const file of proofShardFiles(tree, { prefixDigits: digits })) {
      const write: Promise<void> = writeFile(join(tmp, file.name), file.chunks).then(() => {
        inFlight.delete(write);
      });
      write.catch(() => {}); // observed below, by race or all; never an unhandled rejection
      inFlight.add(write);
      totalBytes += file.bytes;
      if (file.name === SHARD_INDEX_FILE) index = JSON.parse(Buffer.concat(file.chunks).toString()) as ShardIndex;
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (existing) {
      for (const name of await readdir(folder)) await rm(join(folder, name));
      await rmdir(folder);
    }
    await rename(tmp, folder);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (error instanceof PoaError) throw error;
    throw new PoaError("FILE_NOT_WRITABLE", `cannot write the proof shards to ${folder}: ${(error as Error).message}`, {
      details: { path: folder },
      cause: error,
      action: "Check that the folder is writable and the disk has free space.",
    });
  }
  return { ...index!, totalBytes };
}

const ROOT = /^0x[0-9a-f]{64}$/;

/** Checks a parsed `index.json`; a PoaError MERKLE_INVALID names what is wrong. */
export function parseShardIndex(value: unknown, where = SHARD_INDEX_FILE): ShardIndex {
  const bad = (what: string): PoaError =>
    new PoaError("MERKLE_INVALID", `${where} is not a proof shard index: ${what}`, {
      details: { file: where },
      action: "Point at a folder written by the proof shard writer (it holds index.json and <prefix>.json files).",
    });
  if (typeof value !== "object" || value === null) throw bad("not a JSON object");
  const v = value as Record<string, unknown>;
  if (v.format !== SHARD_FORMAT) throw bad(`format is ${JSON.stringify(v.format)}, not "${SHARD_FORMAT}"`);
  if (typeof v.root !== "string" || !ROOT.test(v.root)) throw bad("root is not 32 bytes of lower-case hex");
  const encoding = v.leafEncoding;
  if (!Array.isArray(encoding) || encoding.length !== 2 || encoding[0] !== "address" || encoding[1] !== "uint256")
    throw bad('leafEncoding is not ["address", "uint256"]');
  if (typeof v.accounts !== "number" || !Number.isSafeInteger(v.accounts) || v.accounts < 1)
    throw bad("accounts is not a positive integer");
  const digits = v.prefixDigits;
  if (typeof digits !== "number" || !Number.isInteger(digits) || digits < 1 || digits > 4)
    throw bad("prefixDigits is not 1 to 4");
  if (typeof v.shards !== "object" || v.shards === null) throw bad("shards is not an object");
  const name = new RegExp(`^[0-9a-f]{${digits}}$`);
  let total = 0;
  for (const [key, shard] of Object.entries(v.shards as Record<string, unknown>)) {
    const s = shard as { accounts?: unknown; bytes?: unknown } | null;
    if (!name.test(key) || typeof s !== "object" || s === null) throw bad(`shard "${key}" is malformed`);
    if (typeof s.accounts !== "number" || !Number.isSafeInteger(s.accounts) || s.accounts < 1)
      throw bad(`shard "${key}" has no account count`);
    if (typeof s.bytes !== "number" || !Number.isSafeInteger(s.bytes) || s.bytes < 2)
      throw bad(`shard "${key}" has no byte size`);
    total += s.accounts;
  }
  if (total !== v.accounts) throw bad(`the shards hold ${total} accounts, the index says ${v.accounts}`);
  return value as ShardIndex;
}

/** One account's record in a shard. */
export interface ShardRecord {
  readonly cumulativeAmount: string;
  readonly proof: readonly string[];
}

/** A shard file held as its bytes, for lookups without parsing every record. */
export interface ShardReader {
  /** Number of accounts in the shard. */
  readonly accounts: number;
  /** "indexed": the writer's layout, searched in place; "json": any other JSON, parsed. */
  readonly layout: "indexed" | "json";
  /** The record of `account` (any letter case), or undefined when the shard does not hold it. */
  find(account: string): ShardRecord | undefined;
}

const enum Byte {
  Quote = 0x22,
  Comma = 0x2c,
  Zero = 0x30,
  Colon = 0x3a,
  Open = 0x7b,
  Close = 0x7d,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  X = 0x78,
}

const RECORD_MID = Buffer.from(':{"cumulativeAmount":"');
const RECORD_PROOF = Buffer.from('","proof":[');

function isLowerHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
}

/**
 * The record offsets of a shard in the writer's exact layout (one line, lower-case keys in
 * ascending order), or undefined if the bytes are laid out any other way.
 */
function recordOffsets(b: Buffer): Uint32Array | undefined {
  const starts: number[] = [];
  if (b.length < 2 || b[0] !== Byte.Open || b[b.length - 1] !== Byte.Close) return undefined;
  let p = 1;
  if (b.length === 2) return new Uint32Array(0);
  for (;;) {
    // "0x<40 hex>"
    if (p + 44 > b.length || b[p] !== Byte.Quote || b[p + 1] !== Byte.Zero || b[p + 2] !== Byte.X) return undefined;
    for (let k = p + 3; k < p + 43; k++) if (!isLowerHex(b[k]!)) return undefined;
    if (b[p + 43] !== Byte.Quote) return undefined;
    // Keys strictly ascending (this key, the source, after the previous one, the target).
    const previous = starts.at(-1);
    if (previous !== undefined && b.compare(b, previous + 3, previous + 43, p + 3, p + 43) <= 0) return undefined;
    starts.push(p);
    p += 44;
    if (!b.subarray(p, p + RECORD_MID.length).equals(RECORD_MID)) return undefined;
    p += RECORD_MID.length;
    const digits = p;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
    if (p === digits || p - digits > 78 || (p - digits > 1 && b[digits] === 0x30)) return undefined;
    if (!b.subarray(p, p + RECORD_PROOF.length).equals(RECORD_PROOF)) return undefined;
    p += RECORD_PROOF.length;
    if (b[p] !== Byte.CloseBracket) {
      for (;;) {
        if (p + 68 > b.length || b[p] !== Byte.Quote || b[p + 1] !== Byte.Zero || b[p + 2] !== Byte.X) return undefined;
        for (let k = p + 3; k < p + 67; k++) if (!isLowerHex(b[k]!)) return undefined;
        if (b[p + 67] !== Byte.Quote) return undefined;
        p += 68;
        if (b[p] === Byte.Comma) p++;
        else break;
      }
    }
    if (b[p] !== Byte.CloseBracket || b[p + 1] !== Byte.Close) return undefined;
    p += 2;
    if (b[p] === Byte.Comma) p++;
    else if (p === b.length - 1) break;
    else return undefined;
  }
  return Uint32Array.from(starts);
}

/** Reads one record of the writer's layout at `start`. */
function recordAt(b: Buffer, start: number): ShardRecord {
  let p = start + 44 + RECORD_MID.length;
  const digits = p;
  while (b[p]! >= 0x30 && b[p]! <= 0x39) p++;
  const cumulativeAmount = b.toString("latin1", digits, p);
  p += RECORD_PROOF.length;
  const proof: string[] = [];
  while (b[p] === Byte.Quote) {
    proof.push(b.toString("latin1", p + 1, p + 67));
    p += 68;
    if (b[p] === Byte.Comma) p++;
  }
  return { cumulativeAmount, proof };
}

/**
 * A reader over the bytes of a shard file. The writer's layout is indexed in one pass (record
 * offsets, then a binary search per lookup: the file stays as bytes, outside the JavaScript heap);
 * any other valid JSON of the same content (reformatted, reordered) is parsed as JSON instead.
 * A shard that is not JSON is a PoaError MERKLE_INVALID; a record's content is not checked here
 * (a reader checks its proof against the root).
 */
export function readShardBytes(bytes: Buffer, where = "shard"): ShardReader {
  const offsets = recordOffsets(bytes);
  if (offsets !== undefined) {
    const key = Buffer.alloc(40);
    return {
      accounts: offsets.length,
      layout: "indexed",
      find(account) {
        if (typeof account !== "string" || account.length !== 42) return undefined;
        key.write(account.slice(2).toLowerCase(), 0, 40, "latin1");
        let lo = 0;
        let hi = offsets.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          const start = offsets[mid]!;
          const order = bytes.compare(key, 0, 40, start + 3, start + 43);
          if (order === 0) return recordAt(bytes, start);
          if (order < 0) lo = mid + 1;
          else hi = mid - 1;
        }
        return undefined;
      },
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new PoaError("MERKLE_INVALID", `${where} is not JSON: ${(error as Error).message}`, {
      details: { file: where },
      action: "Write the proof shards again from the tree.",
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new PoaError("MERKLE_INVALID", `${where} is not a JSON object of accounts`, {
      details: { file: where },
      action: "Write the proof shards again from the tree.",
    });
  }
  const records = json as Record<string, unknown>;
  return {
    accounts: Object.keys(records).length,
    layout: "json",
    find(account) {
      if (typeof account !== "string") return undefined;
      const key = account.toLowerCase();
      if (!Object.hasOwn(records, key)) return undefined;
      const r = records[key] as { cumulativeAmount?: unknown; proof?: unknown } | null;
      if (typeof r !== "object" || r === null) return { cumulativeAmount: "", proof: [] };
      return {
        cumulativeAmount: typeof r.cumulativeAmount === "string" ? r.cumulativeAmount : "",
        proof: Array.isArray(r.proof) && r.proof.every((x) => typeof x === "string") ? (r.proof as string[]) : [],
      };
    },
  };
}
