/**
 * A folder-backed content store: contribution bytes and model artifacts, each kept once under its
 * CID (see cid.ts for the CID and content-hash rules).
 *
 * Layout: `<root>/blobs/<last two characters of the CID>/<CID>`, the bytes exactly as given. The
 * two-character fan-out keeps folders small (CIDs share their first characters, so the last ones
 * are used). Writes go to a temporary file that is renamed into place, so a crash never leaves a
 * half-written blob under a CID; `put` of content already present rewrites it only if the stored
 * copy no longer matches (a damaged copy is repaired). Reads recompute the CID of the bytes, and
 * the keccak256 when the caller gives the hash the chain holds, before returning anything.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { PoaError } from "../core/errors.js";
import { prepareOutputFolder, writeFileAtomic } from "../core/fs.js";
import type { Hex } from "../core/hash.js";
import { computeCid, contentHashOf, parseCid } from "./cid.js";

/** What `put` returns: the two addresses of the bytes and their size. */
export interface StoredContent {
  readonly cid: string;
  /** keccak256 of the bytes: the on-chain content hash. */
  readonly contentHash: Hex;
  readonly size: number;
}

/** Optional expectations for `get`: the hash the chain holds, and what to call the content in errors. */
export interface GetOptions {
  /** The on-chain content hash; the bytes are refused unless keccak256(bytes) equals it. */
  readonly contentHash?: string;
  /** How errors name the content, e.g. "contribution 12 of Datanet 3" (default: its CID). */
  readonly label?: string;
}

export class ContentStore {
  readonly root: string;
  private readonly blobs: string;

  /** Opens (creating when missing) the store in folder `root`. */
  constructor(root: string) {
    this.root = root;
    this.blobs = join(root, "blobs");
    prepareOutputFolder(this.blobs, "the content store folder");
  }

  private pathOf(cid: string): string {
    return join(this.blobs, cid.slice(-2), cid);
  }

  /** Stores `bytes` (idempotent) and returns their CID, content hash and size. */
  async put(bytes: Uint8Array): Promise<StoredContent> {
    const cid = await computeCid(bytes);
    const contentHash = contentHashOf(bytes);
    const path = this.pathOf(cid);
    if (!(await this.holdsIntact(path, cid))) {
      prepareOutputFolder(join(this.blobs, cid.slice(-2)), "the content store folder");
      writeFileAtomic(path, bytes);
    }
    return { cid, contentHash, size: bytes.length };
  }

  /** True when a blob is stored under `cid` (its bytes are not checked: `get` does that). */
  has(cid: string): boolean {
    try {
      return statSync(this.pathOf(parseCid(cid))).isFile();
    } catch (error) {
      if (error instanceof PoaError) throw error;
      return false;
    }
  }

  /**
   * The bytes stored under `cid`, after checking that they still have this CID and, when
   * `options.contentHash` is given, that keccak256(bytes) equals it. Throws CONTENT_NOT_FOUND
   * when nothing is stored there and CONTENT_HASH_MISMATCH when the bytes fail a check.
   */
  async get(cid: string, options: GetOptions = {}): Promise<Uint8Array> {
    const what = options.label ?? `content ${cid}`;
    parseCid(cid);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.pathOf(cid));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") {
        throw new PoaError("CONTENT_NOT_FOUND", `${what} is not in the content store (${cid})`, {
          details: { cid, label: options.label, store: this.root },
          action: "Add the content to the store (or fetch it from IPFS by its CID) and try again.",
        });
      }
      throw new PoaError("CANNOT_CHECK", `cannot read ${what} from the content store: ${(error as Error).message}`, {
        details: { cid, store: this.root },
        cause: error,
      });
    }
    const actualCid = await computeCid(bytes);
    if (actualCid !== cid) {
      throw new PoaError(
        "CONTENT_HASH_MISMATCH",
        `${what}: the stored bytes have CID ${actualCid}, not ${cid} (the stored copy was altered)`,
        {
          details: { cid, actualCid, label: options.label, store: this.root },
          action: "Replace the stored copy with the original bytes (put them again).",
        },
      );
    }
    if (options.contentHash !== undefined) {
      const actual = contentHashOf(bytes);
      if (actual !== options.contentHash.toLowerCase()) {
        throw new PoaError(
          "CONTENT_HASH_MISMATCH",
          `${what}: keccak256 of the bytes at ${cid} is ${actual}, but the chain holds ${options.contentHash}`,
          {
            details: { cid, expected: options.contentHash, actual, label: options.label },
            action: "The URI recorded on-chain does not point to the registered bytes: do not use this content.",
          },
        );
      }
    }
    return bytes;
  }

  /** Every stored CID with its size in bytes, sorted by CID. */
  list(): { cid: string; size: number }[] {
    const out: { cid: string; size: number }[] = [];
    for (const shard of readdirSync(this.blobs).sort()) {
      const folder = join(this.blobs, shard);
      if (!statSync(folder).isDirectory()) continue;
      for (const name of readdirSync(folder)) {
        if (name.endsWith(".tmp")) continue; // an interrupted write
        out.push({ cid: name, size: statSync(join(folder, name)).size });
      }
    }
    return out.sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
  }

  private async holdsIntact(path: string, cid: string): Promise<boolean> {
    try {
      return (await computeCid(readFileSync(path))) === cid;
    } catch {
      return false;
    }
  }
}
