/**
 * Reading a `tree.json` (StandardMerkleTree's `standard-v1` dump with leaf encoding
 * `["address", "uint256"]`, as written by `writeTreeJson` or by the library) back into a
 * {@link RewardTree}, without `JSON.parse` of the whole text: a 1,000,000-leaf dump is 240 MB,
 * and its 2n hex strings would take gigabytes of heap. The bytes are scanned once (any JSON
 * whitespace, keys in any order, unknown keys skipped); the values are rebuilt into a tree, and
 * the file's nodes and tree indices must be exactly that tree's, as `StandardMerkleTree.load`
 * requires of a dump, so an altered file is refused rather than served.
 */
import { readFile } from "node:fs/promises";

import { PoaError } from "../core/errors.js";
import { buildRewardTree, treeInternals, type BuildOptions, type RewardTree } from "./tree.js";
import type { RewardEntry } from "./leaf.js";
import { MAX_UINT256 } from "../core/amount.js";

const NIBBLE = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) NIBBLE[48 + c] = c;
for (let c = 0; c < 6; c++) NIBBLE[97 + c] = NIBBLE[65 + c] = 10 + c;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class Scanner {
  pos = 0;
  constructor(
    readonly bytes: Buffer,
    readonly where: string,
  ) {}

  fail(what: string): PoaError {
    return new PoaError("MERKLE_INVALID", `${this.where} is not a standard-v1 tree dump: ${what} (byte ${this.pos})`, {
      details: { file: this.where, byte: this.pos },
      action: "Give the tree.json written for this epoch (StandardMerkleTree's dump, leaf encoding address, uint256).",
    });
  }

  ws(): void {
    const b = this.bytes;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  /** Skips whitespace and returns the next byte without consuming it (-1 at the end). */
  peek(): number {
    this.ws();
    return this.pos < this.bytes.length ? this.bytes[this.pos]! : -1;
  }

  expect(c: number, what: string): void {
    if (this.peek() !== c) throw this.fail(`expected ${what}`);
    this.pos++;
  }

  /** After an element of an array or object: true if another follows (consumes the comma), false at `close`. */
  more(close: number): boolean {
    const c = this.peek();
    if (c === 0x2c) {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    throw this.fail(`expected , or ${String.fromCharCode(close)}`);
  }

  /** A JSON string (escapes decoded by JSON.parse, the rare case). */
  string(): string {
    if (this.peek() !== QUOTE) throw this.fail("expected a string");
    const b = this.bytes;
    const start = this.pos;
    let p = start + 1;
    let escaped = false;
    while (p < b.length && b[p] !== QUOTE) {
      if (b[p] === BACKSLASH) {
        escaped = true;
        p++;
      }
      p++;
    }
    if (p >= b.length) throw this.fail("unterminated string");
    this.pos = p + 1;
    if (!escaped) return b.toString("utf8", start + 1, p);
    try {
      return JSON.parse(b.toString("utf8", start, p + 1)) as string;
    } catch {
      throw this.fail("a malformed string");
    }
  }

  /** A node: "0x" and 64 hex digits, decoded into `out` at `offset`. */
  node(out: Uint8Array, offset: number): void {
    if (this.peek() !== QUOTE) throw this.fail("expected a node (a string)");
    const b = this.bytes;
    const p = this.pos + 1;
    if (p + 67 > b.length || b[p] !== 0x30 || b[p + 1] !== 0x78 || b[p + 66] !== QUOTE) {
      throw this.fail('a node is not "0x" and 64 hex digits');
    }
    for (let k = 0; k < 32; k++) {
      const hi = NIBBLE[b[p + 2 + 2 * k]!]!;
      const lo = NIBBLE[b[p + 3 + 2 * k]!]!;
      if ((hi | lo) < 0) throw this.fail("a node has a character that is not a hex digit");
      out[offset + k] = (hi << 4) | lo;
    }
    this.pos = p + 67;
  }

  /** A JSON number that is a non-negative integer (digits only). */
  integer(): number {
    this.ws();
    const b = this.bytes;
    const start = this.pos;
    let p = start;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
    const c = b[p];
    if (p === start || (p - start > 1 && b[start] === 0x30) || c === 0x2e || c === 0x65 || c === 0x45) {
      throw this.fail("expected a non-negative integer");
    }
    this.pos = p;
    const value = Number(b.toString("latin1", start, p));
    if (!Number.isSafeInteger(value)) throw this.fail("an integer is too large");
    return value;
  }

  /** Skips any JSON value (for keys this format does not define; the library ignores them too). */
  skip(depth = 0): void {
    if (depth > 64) throw this.fail("nesting is too deep");
    const c = this.peek();
    if (c === QUOTE) {
      this.string();
    } else if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      this.pos++;
      if (this.peek() === close) {
        this.pos++;
        return;
      }
      do {
        if (c === 0x7b) {
          this.string();
          this.expect(0x3a, ":");
        }
        this.skip(depth + 1);
      } while (this.more(close));
    } else {
      const b = this.bytes;
      const start = this.pos;
      while (this.pos < b.length && /[-+.0-9a-zA-Z]/.test(String.fromCharCode(b[this.pos]!))) this.pos++;
      const token = b.toString("latin1", start, this.pos);
      if (!/^(true|false|null|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)$/.test(token)) {
        this.pos = start;
        throw this.fail("expected a JSON value");
      }
    }
  }
}

/** The uint256 of a dumped value: a decimal or 0x-hex string, or a safe integer, as the library's ABI encoder takes. */
function amountOf(s: Scanner, index: number): bigint {
  const c = s.peek();
  let amount: bigint | undefined;
  if (c === QUOTE) {
    const text = s.string();
    if (/^(0|[1-9][0-9]*)$/.test(text) || /^0x[0-9a-fA-F]+$/.test(text)) amount = BigInt(text);
  } else if (c >= 0x30 && c <= 0x39) {
    amount = BigInt(s.integer());
  }
  if (amount === undefined || amount > MAX_UINT256) throw s.fail(`value ${index}: the amount is not a uint256`);
  return amount;
}

/**
 * Parses the bytes of a tree.json into a tree (pure). The tree is rebuilt from the values; the
 * dump's nodes and tree indices must be that tree's.
 */
export function parseTreeJson(bytes: Buffer, where = "tree.json", options: BuildOptions = {}): RewardTree {
  const s = new Scanner(bytes, where);
  let format: string | undefined;
  let encoding: string[] | undefined;
  let nodes: Uint8Array | undefined;
  let nodeCount = 0;
  let entries: RewardEntry[] | undefined;
  let treeIndices: number[] | undefined;
  s.expect(0x7b, "{");
  if (s.peek() !== 0x7d) {
    do {
      const key = s.string();
      s.expect(0x3a, ":");
      if (key === "format") format = s.string();
      else if (key === "leafEncoding") {
        encoding = [];
        s.expect(0x5b, "[");
        if (s.peek() === 0x5d) s.pos++;
        else
          do encoding.push(s.string());
          while (s.more(0x5d));
      } else if (key === "tree") {
        let buf = new Uint8Array(32 * 1024);
        nodeCount = 0;
        s.expect(0x5b, "[");
        if (s.peek() === 0x5d) s.pos++;
        else
          do {
            if (32 * (nodeCount + 1) > buf.length) {
              const grown = new Uint8Array(buf.length * 2);
              grown.set(buf);
              buf = grown;
            }
            s.node(buf, 32 * nodeCount++);
          } while (s.more(0x5d));
        nodes = buf;
      } else if (key === "values") {
        entries = [];
        treeIndices = [];
        s.expect(0x5b, "[");
        if (s.peek() === 0x5d) s.pos++;
        else
          do {
            const index = entries.length;
            let account: string | undefined;
            let amount: bigint | undefined;
            let treeIndex: number | undefined;
            s.expect(0x7b, "{");
            if (s.peek() !== 0x7d)
              do {
                const field = s.string();
                s.expect(0x3a, ":");
                if (field === "value") {
                  s.expect(0x5b, "[");
                  account = s.string();
                  s.expect(0x2c, ",");
                  amount = amountOf(s, index);
                  s.expect(0x5d, "]: a value holds an address and an amount");
                } else if (field === "treeIndex") treeIndex = s.integer();
                else s.skip();
              } while (s.more(0x7d));
            else s.pos++;
            if (account === undefined || amount === undefined || treeIndex === undefined) {
              throw s.fail(`value ${index} lacks its value or treeIndex`);
            }
            entries.push({ account, cumulativeAmount: amount });
            treeIndices.push(treeIndex);
          } while (s.more(0x5d));
      } else s.skip();
    } while (s.more(0x7d));
  } else s.pos++;
  if (s.peek() !== -1) throw s.fail("text after the dump");
  if (format !== "standard-v1") throw s.fail(`format is ${JSON.stringify(format)}, not "standard-v1"`);
  if (encoding === undefined || encoding.length !== 2 || encoding[0] !== "address" || encoding[1] !== "uint256") {
    throw s.fail(`leafEncoding is ${JSON.stringify(encoding)}, not ["address","uint256"]`);
  }
  if (nodes === undefined || entries === undefined || treeIndices === undefined) throw s.fail("tree or values missing");
  if (entries.length === 0) throw s.fail("no values");

  const tree = buildRewardTree(entries, options);
  const mismatch = (what: string): PoaError =>
    new PoaError("MERKLE_INVALID", `${where} does not hold the tree of its values: ${what}`, {
      details: { file: where },
      action: "The file was altered or truncated: use the tree.json published with the root.",
    });
  if (nodeCount !== tree.nodeCount) throw mismatch(`${nodeCount} nodes for ${entries.length} values`);
  const ours = treeInternals(tree);
  for (let k = 0; k < nodeCount; k++) {
    for (let j = 32 * k; j < 32 * k + 32; j++) {
      if (nodes[j] !== ours.nodes[j]) throw mismatch(`node ${k} differs`);
    }
  }
  for (let i = 0; i < entries.length; i++) {
    if (treeIndices[i] !== ours.treeIndexOf[i]) throw mismatch(`value ${i} has tree index ${treeIndices[i]}`);
  }
  return tree;
}

/** Reads a tree.json file into a tree (see {@link parseTreeJson}). */
export async function readTreeJson(file: string, options: BuildOptions = {}): Promise<RewardTree> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PoaError(
      code === "ENOENT" ? "FILE_NOT_FOUND" : "INVALID_INPUT_FILE",
      `cannot read ${file}: ${(error as Error).message}`,
      {
        details: { path: file, code },
        cause: error,
        action: "Check the path of the tree file.",
      },
    );
  }
  return parseTreeJson(bytes, file, options);
}
