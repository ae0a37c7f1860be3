import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { CHUNK_SIZE, computeCid, contentHashOf, ContentStore, parseCid } from "../../src/content/index.js";
import { isPoaError, type PoaError } from "../../src/core/errors.js";
import { keccakHex } from "../../src/core/hash.js";
import { tempDir } from "../support/temp.js";

const text = (s: string) => new TextEncoder().encode(s);

/** Runs `f`, expecting a PoaError with `code`; returns it. */
async function refused(code: string, f: () => unknown): Promise<PoaError> {
  try {
    await f();
  } catch (error) {
    if (isPoaError(error) && error.code === code) return error;
    throw error;
  }
  throw new Error(`expected a PoaError ${code}, nothing was thrown`);
}

// ---- An independent CIDv1 encoder, written from the specs (multiformats, dag-pb, UnixFS), used to
// cross-check the IPFS importer on multi-chunk files: balanced layout, one level of raw leaves.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
function cidBytes(codec: number, block: Uint8Array): number[] {
  return [0x01, ...varint(codec), 0x12, 0x20, ...sha256(block)];
}
function base32(bytes: number[]): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let out = "b";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
const field = (tag: number, payload: number[]) => [tag, ...varint(payload.length), ...payload];
function independentCid(data: Uint8Array): string {
  if (data.length <= CHUNK_SIZE) return base32(cidBytes(0x55, data));
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < data.length; o += CHUNK_SIZE) chunks.push(data.subarray(o, o + CHUNK_SIZE));
  if (chunks.length > 174) throw new Error("this cross-check covers one level only");
  const node: number[] = [];
  for (const chunk of chunks) {
    // PBLink { Hash = 1, Name = 2 (empty), Tsize = 3 }
    const link = [...field(0x0a, cidBytes(0x55, chunk)), 0x12, 0x00, 0x18, ...varint(chunk.length)];
    node.push(...field(0x12, link)); // PBNode.Links = 2, written before Data
  }
  // UnixFS Data { Type = 1: File (2), filesize = 3, blocksizes = 4 (repeated, not packed) }
  const unixfs = [0x08, 0x02, 0x18, ...varint(data.length), ...chunks.flatMap((c) => [0x20, ...varint(c.length)])];
  node.push(...field(0x0a, unixfs)); // PBNode.Data = 1
  return base32(cidBytes(0x70, Uint8Array.from(node)));
}

describe("content addresses (IPFS CIDv1, keccak256 content hash)", function () {
  it("single-block content gets the CIDs kubo's `ipfs add --cid-version 1` gave", async function () {
    // Published by kubo's own test fixtures and measured on this machine kind (shared notes).
    expect(await computeCid(text("hello world\n"))).to.equal(
      "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
    );
    expect(await computeCid(text("Hello IPFS\n"))).to.equal(
      "bafkreidfdrlkeq4m4xnxuyx6iae76fdm4wgl5d4xzsb77ixhyqwumhz244",
    );
    expect(await computeCid(text("hello\n"))).to.equal("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am");
    expect(await computeCid(text("hello application/vnd.ipld.raw\n"))).to.equal(
      "bafkreihhpc5y2pqvl5rbe5uuyhqjouybfs3rvlmisccgzue2kkt5zq6upq",
    );
  });

  it("multi-chunk content matches an independent encoder of the balanced raw-leaf layout", async function () {
    this.timeout(30_000);
    for (const size of [CHUNK_SIZE, CHUNK_SIZE + 1, 600_000, 3 * CHUNK_SIZE]) {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
      const cid = await computeCid(data);
      expect(cid, `size ${size}`).to.equal(independentCid(data));
      expect(cid.startsWith(size <= CHUNK_SIZE ? "bafkrei" : "bafybei"), cid).to.equal(true);
    }
  });

  it("the content hash is keccak256 of the raw bytes", function () {
    expect(contentHashOf(text(""))).to.equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(contentHashOf(text("hello world\n"))).to.equal(keccakHex(text("hello world\n")));
  });

  it("refuses what is not a base32 CIDv1", async function () {
    await refused("INVALID_VALUE", () => parseCid("QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u"));
    await refused("INVALID_VALUE", () => parseCid("not-a-cid"));
    await refused("INVALID_VALUE", () => parseCid("../../etc/passwd"));
  });
});

describe("ContentStore (folder-backed)", function () {
  let root: string;
  beforeEach(() => (root = tempDir("poa-content-")));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("stores, lists and returns bytes by CID, idempotently", async function () {
    const store = new ContentStore(root);
    const a = await store.put(text("hello world\n"));
    expect(a).to.deep.equal({
      cid: "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
      contentHash: contentHashOf(text("hello world\n")),
      size: 12,
    });
    const again = await store.put(text("hello world\n"));
    expect(again).to.deep.equal(a);
    const b = await store.put(text("another contribution"));
    expect(store.has(a.cid)).to.equal(true);
    expect(store.has("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")).to.equal(false);
    expect(store.list()).to.deep.equal(
      [
        { cid: a.cid, size: 12 },
        { cid: b.cid, size: 20 },
      ].sort((x, y) => (x.cid < y.cid ? -1 : 1)),
    );
    const bytes = await store.get(a.cid, { contentHash: a.contentHash });
    expect(new TextDecoder().decode(bytes)).to.equal("hello world\n");
    // A second store over the same folder sees the same content.
    expect(new ContentStore(root).has(b.cid)).to.equal(true);
  });

  it("refuses missing content, naming it", async function () {
    const store = new ContentStore(root);
    const error = await refused("CONTENT_NOT_FOUND", () =>
      store.get("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", {
        label: "contribution 7 of Datanet 1",
      }),
    );
    expect(error.message).to.contain("contribution 7 of Datanet 1");
    expect(error.details.cid).to.equal("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  });

  it("detects a tampered copy, and repairs it on the next put", async function () {
    const store = new ContentStore(root);
    const { cid } = await store.put(text("the original bytes"));
    const path = join(root, "blobs", cid.slice(-2), cid);
    writeFileSync(path, "the altered bytes!");
    const error = await refused("CONTENT_HASH_MISMATCH", () => store.get(cid, { label: "contribution 3" }));
    expect(error.message).to.contain("contribution 3");
    expect(error.details.actualCid).to.equal(await computeCid(text("the altered bytes!")));
    await store.put(text("the original bytes"));
    expect(new TextDecoder().decode(await store.get(cid))).to.equal("the original bytes");
  });

  it("refuses bytes whose keccak256 is not the on-chain content hash", async function () {
    const store = new ContentStore(root);
    const { cid } = await store.put(text("what the URI points to"));
    const onChain = contentHashOf(text("what was registered"));
    const error = await refused("CONTENT_HASH_MISMATCH", () =>
      store.get(cid, { contentHash: onChain, label: "contribution 9" }),
    );
    expect(error.details.expected).to.equal(onChain);
    expect(error.details.actual).to.equal(contentHashOf(text("what the URI points to")));
    expect(error.message).to.contain("contribution 9");
  });

  it("writes atomically: no temporary files are left behind", async function () {
    const store = new ContentStore(root);
    const big = new Uint8Array(700_000).map((_, i) => i & 0xff);
    const { cid, size } = await store.put(big);
    expect(size).to.equal(700_000);
    const shard = join(root, "blobs", cid.slice(-2));
    expect(readdirSync(shard)).to.deep.equal([cid]);
    expect((await store.get(cid)).length).to.equal(700_000);
  });

  it("refuses a store folder that cannot be created", function () {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    let caught: unknown;
    try {
      new ContentStore(join(file, "store"));
    } catch (error) {
      caught = error;
    }
    expect(isPoaError(caught, "FILE_NOT_WRITABLE")).to.equal(true);
    expect(existsSync(join(file, "store"))).to.equal(false);
  });
});
