/**
 * JSON Lines input: one JSON object per line, blank lines ignored. Every problem is a PoaError
 * naming the file, the 1-based line and what is wrong (malformed JSON, a missing or mistyped
 * field, a bad address, a dimension mismatch, a duplicate id, an empty file).
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";

import { PoaError } from "../core/errors.js";

export interface Located<T> {
  line: number;
  value: T;
}

/** A PoaError located at `file:line`. */
export function inputError(file: string, line: number | undefined, what: string, hint: string): PoaError {
  return new PoaError("INVALID_INPUT_FILE", `${file}${line === undefined ? "" : `:${line}`}: ${what}`, {
    action: hint,
  });
}

function checkReadable(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a file");
    return stat.size;
  } catch (error) {
    throw new PoaError("INVALID_INPUT_FILE", `cannot read ${file}: ${(error as Error).message}`, {
      action: "Check the path (JSON Lines file).",
    });
  }
}

/**
 * Streams the parsed lines of `file`, calling `onBytes` with the bytes consumed (for progress
 * bars). Files larger than a JavaScript string are fine: lines are read one at a time.
 */
export async function* readJsonl(
  file: string,
  onBytes?: (bytes: number, total: number) => void,
): AsyncGenerator<Located<unknown>> {
  const total = checkReadable(file);
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const read of lines) {
    line++;
    // A byte order mark (Windows editors write one) is not part of the first line's JSON.
    const text = line === 1 && read.startsWith("\uFEFF") ? read.slice(1) : read;
    onBytes?.(Buffer.byteLength(read) + 1, total);
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw inputError(
        file,
        line,
        `malformed JSON (${(error as Error).message})`,
        "Each line must be one JSON object.",
      );
    }
    yield { line, value };
  }
}

/** Reads every row of `file` through `parse`, rejecting an empty file and duplicate ids. */
export async function readRows<T extends { id: string }>(
  file: string,
  what: string,
  parse: (value: unknown, file: string, line: number) => T,
  onBytes?: (bytes: number, total: number) => void,
): Promise<Located<T>[]> {
  const rows: Located<T>[] = [];
  const seen = new Map<string, number>();
  for await (const { line, value } of readJsonl(file, onBytes)) {
    const row = parse(value, file, line);
    const earlier = seen.get(row.id);
    if (earlier !== undefined) {
      throw inputError(
        file,
        line,
        `duplicate id "${row.id}" (first on line ${earlier})`,
        "Ids must be unique in a file.",
      );
    }
    seen.set(row.id, line);
    rows.push({ line, value: row });
  }
  if (rows.length === 0) throw inputError(file, undefined, `empty ${what} (no rows)`, `Give at least one ${what} row.`);
  return rows;
}

// ---- field checks -------------------------------------------------------------------------------

export function object(value: unknown, file: string, line: number, shape: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw inputError(file, line, "expected a JSON object", `Each line must look like ${shape}.`);
  }
  return value as Record<string, unknown>;
}

export function field(row: Record<string, unknown>, key: string, file: string, line: number, shape: string): unknown {
  if (!(key in row) || row[key] === undefined) {
    throw inputError(file, line, `missing field "${key}"`, `Each line must look like ${shape}.`);
  }
  return row[key];
}

export function str(row: Record<string, unknown>, key: string, file: string, line: number, shape: string): string {
  const v = field(row, key, file, line, shape);
  if (typeof v !== "string")
    throw inputError(file, line, `field "${key}" must be a string`, `Each line must look like ${shape}.`);
  return v;
}

export function id(row: Record<string, unknown>, file: string, line: number, shape: string): string {
  const v = str(row, "id", file, line, shape);
  if (v === "") throw inputError(file, line, `field "id" is empty`, "Give every row a non-empty, unique id.");
  return v;
}

export function vector(row: Record<string, unknown>, file: string, line: number, shape: string): number[] {
  const v = field(row, "x", file, line, shape);
  if (!Array.isArray(v) || v.length === 0 || !v.every((e) => typeof e === "number" && Number.isFinite(e))) {
    throw inputError(
      file,
      line,
      `field "x" must be a non-empty array of finite numbers`,
      `Each line must look like ${shape}.`,
    );
  }
  return v as number[];
}

export function label(row: Record<string, unknown>, file: string, line: number, shape: string): 0 | 1 {
  const v = field(row, "y", file, line, shape);
  if (v !== 0 && v !== 1)
    throw inputError(file, line, `field "y" must be 0 or 1 (got ${JSON.stringify(v)})`, "Labels are binary.");
  return v;
}
