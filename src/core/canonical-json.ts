/**
 * Deterministic JSON: object keys sorted by code unit, no whitespace variation, and every
 * non-integer number written with 12 significant digits (then in JavaScript's shortest form), so
 * that the last-bit differences a different summation order or libm could cause never reach the
 * bytes. Identical inputs therefore give byte-identical files.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const SIGNIFICANT_DIGITS = 12;

/** The number as it is written: integers exactly, others rounded to 12 significant digits. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot serialise ${x} as JSON`);
  if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) return Object.is(x, -0) ? "0" : String(x);
  const rounded = Number(x.toPrecision(SIGNIFICANT_DIGITS));
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

/** Canonical JSON text; `indent` spaces per level (0 for one line). Ends without a newline. */
export function canonicalJson(value: Json, indent = 2): string {
  const pad = (level: number) => (indent === 0 ? "" : "\n" + " ".repeat(indent * level));
  const sep = indent === 0 ? ":" : ": ";
  const write = (v: Json, level: number): string => {
    if (v === null) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return formatNumber(v);
    if (typeof v === "string") return JSON.stringify(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return `[${v.map((x) => pad(level + 1) + write(x, level + 1)).join(",")}${pad(level)}]`;
    }
    const keys = Object.keys(v).sort(compareCodeUnits);
    if (keys.length === 0) return "{}";
    return `{${keys.map((k) => `${pad(level + 1)}${JSON.stringify(k)}${sep}${write(v[k] as Json, level + 1)}`).join(",")}${pad(level)}}`;
  };
  return write(value, 0);
}

/** Plain code-unit order (what `Array.prototype.sort()` does), independent of any locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Text gathered before it is encoded into a chunk of bytes. */
const PIECE = 1 << 16;

/**
 * `canonicalJson(value, indent) + suffix` as UTF-8 bytes, byte for byte, without ever holding
 * the whole text as one string: the text is encoded in 64 KiB pieces as it is written, and the
 * pieces are joined once at the end. For documents of hundreds of MiB (a settlement report of
 * 1,000,000 accounts) this needs about twice the output's size instead of several times it.
 */
export function canonicalJsonBytes(value: Json, indent = 2, suffix = ""): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let text = "";
  const put = (s: string) => {
    text += s;
    if (text.length >= PIECE) flush();
  };
  const flush = () => {
    if (text === "") return;
    const bytes = encoder.encode(text);
    chunks.push(bytes);
    size += bytes.length;
    text = "";
  };
  const pad = (level: number) => (indent === 0 ? "" : "\n" + " ".repeat(indent * level));
  const sep = indent === 0 ? ":" : ": ";
  const write = (v: Json, level: number): void => {
    if (v === null || typeof v !== "object") {
      put(canonicalJson(v, indent));
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return put("[]");
      put("[");
      v.forEach((x, i) => {
        put((i === 0 ? "" : ",") + pad(level + 1));
        write(x, level + 1);
      });
      put(pad(level) + "]");
      return;
    }
    const keys = Object.keys(v).sort(compareCodeUnits);
    if (keys.length === 0) return put("{}");
    put("{");
    keys.forEach((k, i) => {
      put(`${i === 0 ? "" : ","}${pad(level + 1)}${JSON.stringify(k)}${sep}`);
      write(v[k] as Json, level + 1);
    });
    put(pad(level) + "}");
  };
  write(value, 0);
  put(suffix);
  flush();
  const out = new Uint8Array(size);
  let at = 0;
  // Each piece is dropped as soon as it is copied.
  for (let chunk = chunks.shift(); chunk !== undefined; chunk = chunks.shift()) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
