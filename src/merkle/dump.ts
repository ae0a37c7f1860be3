/**
 * `tree.json`: a reward tree in exactly the bytes `JSON.stringify(StandardMerkleTree.dump())` of
 * `@openzeppelin/merkle-tree` gives (format `standard-v1`, leaf encoding `["address", "uint256"]`),
 * so `StandardMerkleTree.load(JSON.parse(text))` works on it, written as a stream of chunks from
 * the tree's flat buffer: no 2n hex strings, no giant string (a 1,000,000-leaf dump is about
 * 240 MB; V8 cannot even hold a string of 2^29 characters).
 *
 *   {"format":"standard-v1","leafEncoding":["address","uint256"],
 *    "tree":["0x<node 0>",...,"0x<node 2n-2>"],
 *    "values":[{"value":["<account as given>","<amount in decimal>"],"treeIndex":<t>},...]}
 *
 * on one line, values in the caller's order. Identical entries give identical bytes.
 */
import { open, rename, rm } from "node:fs/promises";

import { PoaError } from "../core/errors.js";
import { prepareOutputFile } from "../core/fs.js";
import { ChunkWriter } from "./ascii.js";
import { treeInternals, type RewardTree } from "./tree.js";

/** Default chunk size of the streaming writers. */
export const CHUNK_BYTES = 1 << 20;

/** The longest value record: account (42) + a uint256 in decimal (78) + a tree index + the JSON around them. */
const MAX_VALUE_BYTES = 200;

/**
 * The bytes of `JSON.stringify(tree.dump())`, as a sequence of chunks of about `chunkBytes`
 * (pure: the chunks are fresh buffers, computed as they are asked for).
 */
export function* treeJsonChunks(tree: RewardTree, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  const { nodes, treeIndexOf, wasm } = treeInternals(tree);
  if (wasm === undefined) throw new Error("a reward tree without its WebAssembly instance");
  const size = Math.max(chunkBytes, 4 * MAX_VALUE_BYTES);
  const w = new ChunkWriter(size);
  w.ascii('{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":[');
  // The nodes' hex is written by WebAssembly into its scratch region, then copied: 69 bytes a node.
  const memory = new Uint8Array(wasm.exports.memory.buffer);
  const perCall = Math.max(1, Math.min(Math.floor(wasm.scratchBytes / 69), Math.floor(size / 69)));
  for (let first = 0; first < tree.nodeCount; first += perCall) {
    const count = Math.min(perCall, tree.nodeCount - first);
    const length = wasm.exports.nodesJson(nodes.byteOffset, first, count, wasm.scratch);
    if (w.room(length)) yield* w.take();
    w.bytes(memory.subarray(wasm.scratch, wasm.scratch + length));
  }
  w.ascii('],"values":[');
  const entries = tree.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (w.room(MAX_VALUE_BYTES)) yield* w.take();
    w.ascii(i > 0 ? ',{"value":["' : '{"value":["');
    w.ascii(e.account);
    w.ascii('","');
    w.ascii(e.cumulativeAmount.toString());
    w.ascii('"],"treeIndex":');
    w.integer(treeIndexOf[i]!);
    w.byte(0x7d);
  }
  w.ascii("]}");
  yield* w.finish();
}

/** What a writer wrote. */
export interface WrittenFile {
  readonly path: string;
  readonly bytes: number;
}

/**
 * Writes chunks to `file` through a temporary file and a rename, so a reader never sees half a
 * file; returns the number of bytes written.
 */
export async function writeChunks(file: string, chunks: Iterable<Uint8Array>): Promise<number> {
  const tmp = `${file}.${process.pid}.tmp`;
  let bytes = 0;
  try {
    const handle = await open(tmp, "w");
    try {
      for (const chunk of chunks) {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
          done += bytesWritten;
        }
        bytes += chunk.length;
      }
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    if (error instanceof PoaError) throw error;
    throw new PoaError("FILE_NOT_WRITABLE", `cannot write ${file}: ${(error as Error).message}`, {
      details: { path: file, code: (error as NodeJS.ErrnoException).code },
      cause: error,
      action: "Check that the folder exists, is writable and has free space.",
    });
  }
  return bytes;
}

/**
 * Writes `tree.json` for `tree` at `file` (folders created as needed): the same bytes as
 * `JSON.stringify(tree.dump())`, streamed.
 */
export async function writeTreeJson(tree: RewardTree, file: string): Promise<WrittenFile> {
  prepareOutputFile(file, "the tree file");
  const bytes = await writeChunks(file, treeJsonChunks(tree));
  return { path: file, bytes };
}
