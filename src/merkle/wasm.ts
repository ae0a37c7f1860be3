/**
 * The keccak-256 WebAssembly module of src/merkle (compiled from asm/keccak.ts by AssemblyScript,
 * committed as keccak.wasm; see asm/build.mjs) and a bump allocator over its linear memory.
 *
 * Each build gets its own instance (about 128 bytes of memory per leaf), which the built tree
 * keeps: its nodes, leaf positions and addresses are views into that memory, so dropping the tree
 * frees it, and no build pins memory for the life of the process.
 */
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

import { PoaError } from "../core/errors.js";
import { keccakHex, toHex, type Hex } from "../core/hash.js";

export interface KeccakExports {
  memory: WasmMemory;
  heapBase(): number;
  hash(src: number, len: number, dst: number): void;
  hashLeaves(src: number, len: number, dst: number, n: number): void;
  sortKeys(leaves: number, keys: number, n: number, bits: number): void;
  placeLeaves(leaves: number, keys: number, nodes: number, treeIndex: number, n: number, bits: number): void;
  buildInner(nodes: number, n: number, from: number, to: number): void;
  parseAddresses(src: number, n: number, dst: number, stride: number): number;
  gather(src: number, stride: number, len: number, dst: number, n: number): void;
  streamStart(): void;
  streamAbsorb(src: number, len: number): void;
  streamFinish(src: number, len: number, dst: number): void;
  nodesJson(nodes: number, first: number, count: number, dst: number): number;
  proofJson(nodes: number, t: number, dst: number): number;
  shardRecords(
    nodes: number,
    addresses: number,
    treeIndex: number,
    members: number,
    count: number,
    amounts: number,
    amountAt: number,
    first: boolean,
    dst: number,
  ): number;
}

/** The part of the WebAssembly JS API used here (the project's TS lib has no WebAssembly types). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE;

let compiled: object | undefined;

function instantiate(module: object): KeccakExports {
  return new wasm.Instance(module, {
    env: {
      abort: () => {
        throw new Error("keccak.wasm aborted");
      },
    },
  }).exports as KeccakExports;
}

/**
 * The compiled module, loaded once per process. As for the suffix array module
 * (src/attribution/sais.ts): V8 runs WebAssembly first with its baseline compiler, and a long
 * batch call would stay in baseline code (measured here: 10x slower for keccak), so the module is
 * compiled with Liftoff off and every export is run once on a small input, which compiles them
 * all with the optimising compiler. The flag is then put back, unless the user set it.
 */
function keccakModule(): object {
  if (compiled !== undefined) return compiled;
  const userSet = process.execArgv.some((a) => a.includes("liftoff"));
  if (!userSet) setFlagsFromString("--no-liftoff");
  try {
    const module = new wasm.Module(readFileSync(new URL("./keccak.wasm", import.meta.url)));
    const arena = new Arena(instantiate(module));
    const n = 64;
    const enc = arena.alloc(n * 64);
    const leaves = arena.alloc(n * 32);
    const keys = arena.alloc(n * 8);
    const nodes = arena.alloc((2 * n - 1) * 32);
    const index = arena.alloc(n * 4);
    const ascii = arena.alloc(42);
    arena.bytes().set(Buffer.from("0x" + "aB".repeat(20), "latin1"), ascii);
    arena.exports.parseAddresses(ascii, 1, enc + 12, 64);
    arena.exports.hashLeaves(enc, 64, leaves, n);
    arena.exports.sortKeys(leaves, keys, n, 6);
    arena.exports.placeLeaves(leaves, keys, nodes, index, n, 6);
    arena.exports.buildInner(nodes, n, n - 1, 0);
    arena.exports.hash(enc, 200, leaves);
    arena.exports.streamStart();
    arena.exports.streamAbsorb(enc, 272);
    arena.exports.streamFinish(enc, 100, leaves);
    arena.exports.gather(enc + 12, 64, 20, leaves, 2);
    arena.exports.nodesJson(nodes, 0, 8, enc);
    arena.exports.proofJson(nodes, 2 * n - 2, enc);
    arena.bytes().fill(0x31, ascii, ascii + 2); // amount "11" for the record below
    new Uint32Array(arena.exports.memory.buffer, keys, 2).set([ascii, 2]);
    arena.exports.shardRecords(nodes, leaves, index, index, 1, 0, keys, true, enc);
    compiled = module;
  } finally {
    if (!userSet) setFlagsFromString("--liftoff");
  }
  return compiled;
}

/** A fresh instance of the module and a bump allocator over its memory (16-byte aligned). */
export class Arena {
  readonly exports: KeccakExports;
  private top: number;

  constructor(exports: KeccakExports = instantiate(keccakModule())) {
    this.exports = exports;
    this.top = exports.heapBase();
  }

  /** Reserves `bytes` (zero-filled: fresh memory is zero and is never reused) and returns its address. */
  alloc(bytes: number): number {
    const at = this.top;
    const end = at + Math.ceil(bytes / 16) * 16;
    if (end > MAX_BYTES) {
      throw new PoaError("VALUE_OUT_OF_RANGE", `a Merkle build needs ${end} bytes of WebAssembly memory, over 4 GiB`, {
        details: { bytes: end },
        action: "Split the leaves into several trees.",
      });
    }
    const have = this.exports.memory.buffer.byteLength;
    if (end > have) this.exports.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return at;
  }

  /** The whole memory as bytes (take it again after `alloc`: growing replaces the buffer). */
  bytes(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }
}

/** keccak-256 of `bytes`, computed by the WebAssembly module (for tests of the module itself). */
export function wasmKeccak(bytes: Uint8Array): Uint8Array {
  const arena = new Arena();
  const src = arena.alloc(bytes.length);
  const dst = arena.alloc(32);
  arena.bytes().set(bytes, src);
  arena.exports.hash(src, bytes.length, dst);
  return arena.bytes().slice(dst, dst + 32);
}

const RATE = 136;
/** Bytes copied into the module per call: 7,710 blocks of the rate, just under 1 MiB. */
const STREAM_BYTES = RATE * 7_710;

/**
 * keccak-256 of a message given in pieces (a file written chunk by chunk, a report of hundreds of
 * MiB), computed by the WebAssembly module: about 8x the speed of the JavaScript keccak here, in
 * constant memory (one 1 MiB window). `update` as often as needed, then `digest` once.
 */
export class KeccakStream {
  private readonly arena = new Arena();
  /** Window size: a multiple of the rate, at most STREAM_BYTES. */
  private readonly size: number;
  private readonly window: number;
  private readonly out: number;
  /** Bytes in the window not yet absorbed (fewer than `size`). */
  private filled = 0;
  private done = false;

  /** `expected`: the message's length when known, so a short message gets a window its size. */
  constructor(expected = STREAM_BYTES) {
    this.size = Math.min(STREAM_BYTES, Math.max(RATE, Math.ceil(expected / RATE) * RATE));
    this.window = this.arena.alloc(this.size);
    this.out = this.arena.alloc(32);
    this.arena.exports.streamStart();
  }

  update(bytes: Uint8Array): this {
    if (this.done) throw new Error("KeccakStream.update after digest");
    const memory = this.arena.bytes();
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(this.size - this.filled, bytes.length - at);
      memory.set(bytes.subarray(at, at + take), this.window + this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.size) {
        this.arena.exports.streamAbsorb(this.window, this.size);
        this.filled = 0;
      }
    }
    return this;
  }

  /** The 32-byte digest; the stream is then used up. */
  digest(): Uint8Array {
    if (this.done) throw new Error("KeccakStream.digest called twice");
    this.done = true;
    const whole = this.filled - (this.filled % RATE);
    this.arena.exports.streamAbsorb(this.window, whole);
    this.arena.exports.streamFinish(this.window + whole, this.filled - whole, this.out);
    return this.arena.bytes().slice(this.out, this.out + 32);
  }
}

/** keccak-256 of `bytes` by the WebAssembly module, in a 1 MiB window: for large inputs. */
export function keccakLarge(bytes: Uint8Array): Uint8Array {
  return new KeccakStream(bytes.length).update(bytes).digest();
}

/** Below this size the JavaScript keccak is as fast (no module instance to set up). */
const LARGE = 64 * 1024;

/** keccak-256 of `bytes` as 0x hex, by the WebAssembly module when they are large: same digest as `keccakHex`. */
export function keccakHexFast(bytes: Uint8Array): Hex {
  return bytes.length < LARGE ? keccakHex(bytes) : toHex(keccakLarge(bytes));
}

interface Shared {
  readonly arena: Arena;
  /** The whole memory, which never grows after the slots are reserved. */
  readonly bytes: Buffer;
  readonly ascii: number;
  readonly out: number;
  readonly digest: number;
  /** 64 bytes: a pair of hashes, or an encoded leaf. */
  readonly pair: number;
}

let shared: Shared | undefined;

/** A long-lived instance with four small slots, for one-at-a-time work (address and proof checks), created on first use. */
export function sharedArena(): Shared {
  if (shared === undefined) {
    const arena = new Arena();
    const ascii = arena.alloc(48);
    const out = arena.alloc(32);
    const digest = arena.alloc(32);
    const pair = arena.alloc(64);
    shared = { arena, bytes: Buffer.from(arena.exports.memory.buffer), ascii, out, digest, pair };
  }
  return shared;
}
