/**
 * Writing JSON text as bytes, in chunks, without building strings: hex of 32-byte nodes straight
 * from a tree's buffer, ASCII strings and integers. Used by the tree.json and proof shard writers.
 */

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
/** HEX_PAIRS[2b], HEX_PAIRS[2b + 1]: the two lower-case hex digits of byte b. */
const HEX_PAIRS = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  HEX_PAIRS[2 * b] = HEX_DIGITS[b >> 4]!;
  HEX_PAIRS[2 * b + 1] = HEX_DIGITS[b & 15]!;
}

/** A growing sequence of fixed-size chunks; `room(bytes)` makes sure the next `bytes` fit in `buf`. */
export class ChunkWriter {
  buf: Buffer;
  pos = 0;
  private readonly done: Uint8Array[] = [];

  constructor(private readonly size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `bytes` more bytes, closing the current chunk if needed; true when it closed one. */
  room(bytes: number): boolean {
    if (this.pos + bytes <= this.buf.length) return false;
    this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(this.size, bytes));
    this.pos = 0;
    return true;
  }

  /** The chunks completed since the last call. */
  take(): Uint8Array[] {
    return this.done.splice(0);
  }

  /** Everything written, as chunks (the writer is not used afterwards). */
  finish(): Uint8Array[] {
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return this.done.splice(0);
  }

  /** Bytes (at most the room made for them). */
  bytes(view: Uint8Array): void {
    this.buf.set(view, this.pos);
    this.pos += view.length;
  }

  /** An ASCII string (callers pass only text they have checked to be ASCII). */
  ascii(text: string): void {
    this.pos += this.buf.write(text, this.pos, "latin1");
  }

  /** `"0x` + hex of the 32 bytes at `bytes[offset]` + `"`. */
  quotedHex32(bytes: Uint8Array, offset: number): void {
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    buf[p++] = 0x30;
    buf[p++] = 0x78;
    for (let k = offset; k < offset + 32; k++) {
      const b = 2 * bytes[k]!;
      buf[p++] = HEX_PAIRS[b]!;
      buf[p++] = HEX_PAIRS[b + 1]!;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** `"0x` + hex of an address held as 5 little-endian u32 words at `words[o]` + `"`. */
  quotedAddress(words: Uint32Array, o: number): void {
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    buf[p++] = 0x30;
    buf[p++] = 0x78;
    for (let w = o; w < o + 5; w++) {
      const word = words[w]!;
      for (let shift = 0; shift < 32; shift += 8) {
        const b = 2 * ((word >>> shift) & 0xff);
        buf[p++] = HEX_PAIRS[b]!;
        buf[p++] = HEX_PAIRS[b + 1]!;
      }
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** A non-negative safe integer in decimal. */
  integer(value: number): void {
    this.ascii(String(value));
  }

  byte(code: number): void {
    this.buf[this.pos++] = code;
  }
}

/** Lower-case hex of an address held as 5 little-endian u32 words, with 0x. */
export function addressHex(words: Uint32Array, o: number): string {
  let s = "0x";
  for (let w = o; w < o + 5; w++) {
    const word = words[w]!;
    for (let shift = 0; shift < 32; shift += 8) {
      const b = 2 * ((word >>> shift) & 0xff);
      s += String.fromCharCode(HEX_PAIRS[b]!, HEX_PAIRS[b + 1]!);
    }
  }
  return s;
}
