/**
 * Writing JSON text as bytes, in chunks, without building strings: ASCII strings, integers and
 * bytes that WebAssembly wrote (node and proof hex). Used by the tree.json and proof shard writers.
 */

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

  /** A non-negative safe integer in decimal. */
  integer(value: number): void {
    this.ascii(String(value));
  }

  byte(code: number): void {
    this.buf[this.pos++] = code;
  }
}
