/**
 * Suffix array construction: SA-IS over 32-bit token ids, run as WebAssembly compiled from
 * asm/sais.ts by AssemblyScript (the compiled module is committed; see asm/build.mjs).
 *
 * Memory: the text and the suffix array live in the module's linear memory, 4 + 4 bytes per
 * token, plus two bucket arrays of the alphabet size. A `SuffixArrayBuilder` hands out the text
 * as an Int32Array view so a caller can write tokens straight into it (no second copy), then
 * `build` returns the suffix array as a view into the same memory.
 */
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

import { PoaError } from "../core/errors.js";

interface SaisExports {
  memory: WasmMemory;
  heapBase(): number;
  setTop(p: number): void;
  getTop(): number;
  build(t: number, sa: number, n: number, k: number): number;
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

let compiled: object | undefined;

function instantiate(module: object): SaisExports {
  const instance = new wasm.Instance(module, {
    env: {
      abort: () => {
        throw new Error("sais.wasm aborted");
      },
    },
  });
  return instance.exports as SaisExports;
}

/**
 * The compiled SA-IS module, loaded once per process from src/attribution/sais.wasm.
 *
 * V8 first runs WebAssembly with its baseline compiler (Liftoff) and swaps in optimised code
 * only for later calls, so the single long call of an index build would run as baseline code
 * (measured here: about 1.5x the CPU time). We therefore compile with Liftoff off and run a
 * small warm-up build, so that every function is compiled by the optimising compiler, then put
 * the flag back (unless the user set it on the command line).
 */
function saisModule(): object {
  if (compiled !== undefined) return compiled;
  const userSet = process.execArgv.some((a) => a.includes("liftoff"));
  if (!userSet) setFlagsFromString("--no-liftoff");
  try {
    const module = new wasm.Module(readFileSync(new URL("./sais.wasm", import.meta.url)));
    const ex = instantiate(module);
    const n = 4096;
    const t = ex.heapBase();
    ex.memory.grow(1);
    ex.setTop(t + 8 * n);
    const text = new Int32Array(ex.memory.buffer, t, n);
    for (let i = 0; i < n; i++) text[i] = ((i * 7919) % 13) + (i % 3) + (i % 11 === 0 ? 5 : 0);
    ex.build(t, t + 4 * n, n, 32);
    compiled = module;
  } finally {
    if (!userSet) setFlagsFromString("--liftoff");
  }
  return compiled;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
/** The most tokens one index can hold: text + suffix array must fit in 4 GiB of WASM memory. */
export const MAX_TOKENS = Math.floor((4 * 2 ** 30 - 2 * PAGE) / 8) - 1024;

function tooMany(n: number): PoaError {
  return new PoaError("VALUE_OUT_OF_RANGE", `cannot index ${n} tokens: one index holds at most ${MAX_TOKENS} tokens`, {
    action: "Split the corpus into several Datanet indexes.",
  });
}

/**
 * Holds a text in WASM memory and builds its suffix array there. Either reserve `n` tokens up
 * front and fill `text`, or `append` token ids as they come (memory grows in place, so the
 * text is never copied); `build` then adds the suffix array after the text.
 */
export class SuffixArrayBuilder {
  private length: number;
  private readonly exports: SaisExports;
  private readonly textPtr: number;

  constructor(n = 0) {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_TOKENS) throw tooMany(n);
    this.exports = instantiate(saisModule());
    this.textPtr = this.exports.heapBase();
    this.length = n;
    this.reserve(this.textPtr + 4 * n);
  }

  /** Number of tokens in the text. */
  get n(): number {
    return this.length;
  }

  /** Makes memory reach `end`; with `headroom`, grows by at least 1/8 (appends stay amortised O(1)). */
  private reserve(end: number, headroom = false): void {
    const have = this.exports.memory.buffer.byteLength;
    if (end <= have) return;
    let pages = Math.ceil((end - have) / PAGE);
    if (headroom) pages = Math.max(pages, Math.min(Math.ceil(have / 8 / PAGE), MAX_PAGES - have / PAGE));
    this.exports.memory.grow(pages);
  }

  /** Appends token ids to the text (memory grows by whole 64 KiB pages as needed). */
  append(ids: ArrayLike<number>): void {
    const n = this.length + ids.length;
    if (n > MAX_TOKENS) throw tooMany(n);
    this.reserve(this.textPtr + 4 * n, true);
    new Int32Array(this.exports.memory.buffer, this.textPtr + 4 * this.length, ids.length).set(ids);
    this.length = n;
  }

  /** The text, as a view into WASM memory (take it again after `append` or `build`: memory may grow). */
  get text(): Int32Array {
    return new Int32Array(this.exports.memory.buffer, this.textPtr, this.length);
  }

  /**
   * Builds the suffix array of `text` whose symbols all lie in [0, alphabetSize). The returned
   * view stays valid as long as the builder is referenced; `peakBytes` is the module's memory
   * at the end (WASM memory never shrinks, so it is the peak).
   */
  build(alphabetSize: number): { sa: Int32Array; peakBytes: number } {
    const saPtr = this.textPtr + 4 * this.length;
    const end = saPtr + 4 * this.length;
    // Text, suffix array, two bucket arrays and the gather blocks must fit in 4 GiB.
    if (end + 8 * alphabetSize + 2 * PAGE > MAX_PAGES * PAGE) throw tooMany(this.length);
    this.reserve(end);
    this.exports.setTop(end);
    const status = this.exports.build(this.textPtr, saPtr, this.length, alphabetSize);
    if (status !== 0) {
      throw new PoaError("ATTRIBUTION_INPUT_INVALID", `a token id lies outside [0, ${alphabetSize})`, {
        action: "Rebuild the index from the corpus.",
      });
    }
    const buffer = this.exports.memory.buffer;
    return { sa: new Int32Array(buffer, saPtr, this.length), peakBytes: buffer.byteLength };
  }
}

/** Convenience: the suffix array of `tokens` (copied into WASM memory) as a fresh Int32Array. */
export function suffixArray(tokens: Int32Array, alphabetSize?: number): Int32Array {
  let k = alphabetSize;
  if (k === undefined) {
    k = 0;
    for (const t of tokens) if (t + 1 > k) k = t + 1;
  }
  const builder = new SuffixArrayBuilder(tokens.length);
  builder.text.set(tokens);
  return builder.build(k).sa.slice();
}
