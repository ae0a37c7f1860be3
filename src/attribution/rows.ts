/**
 * The JSON Lines rows of the attribution engine: corpus documents, model outputs, training and
 * test rows. Every problem names the file, the line and what is wrong.
 */
import { checkAddress } from "../core/address.js";
import { field, id, inputError, label, object, str, vector, type Located } from "../core/jsonl.js";

/** A 20-byte hex address; mixed case must carry a valid EIP-55 checksum. Returned checksummed. */
function address(row: Record<string, unknown>, file: string, line: number, shape: string): string {
  const v = str(row, "contributor", file, line, shape);
  const checked = checkAddress(v);
  if (checked.ok) return checked.address;
  if (checked.problem === "format") {
    throw inputError(file, line, `bad address "${v}" in field "contributor"`, "Use a 0x-prefixed 20-byte hex address.");
  }
  throw inputError(
    file,
    line,
    `bad address "${v}" in field "contributor" (EIP-55 checksum mismatch)`,
    "Fix the capitalisation or write the address in lower case.",
  );
}

// ---- row kinds ----------------------------------------------------------------------------------

export interface CorpusRow {
  id: string;
  contributor: string;
  text: string;
}
export interface OutputRow {
  id: string;
  text: string;
}
export interface TrainRow {
  id: string;
  contributor: string;
  x: number[];
  y: 0 | 1;
}
export interface TestRow {
  id: string;
  x: number[];
  y: 0 | 1;
}

const CORPUS_SHAPE = '{"id": string, "contributor": "0x...", "text": string}';
const OUTPUT_SHAPE = '{"id": string, "text": string}';
const TRAIN_SHAPE = '{"id": string, "contributor": "0x...", "x": [numbers], "y": 0 or 1}';
const TEST_SHAPE = '{"id": string, "x": [numbers], "y": 0 or 1}';

export function parseCorpusRow(value: unknown, file: string, line: number): CorpusRow {
  const row = object(value, file, line, CORPUS_SHAPE);
  return {
    id: id(row, file, line, CORPUS_SHAPE),
    contributor: address(row, file, line, CORPUS_SHAPE),
    text: str(row, "text", file, line, CORPUS_SHAPE),
  };
}

export function parseOutputRow(value: unknown, file: string, line: number): OutputRow {
  const row = object(value, file, line, OUTPUT_SHAPE);
  return { id: id(row, file, line, OUTPUT_SHAPE), text: str(row, "text", file, line, OUTPUT_SHAPE) };
}

export function parseTrainRow(value: unknown, file: string, line: number): TrainRow {
  const row = object(value, file, line, TRAIN_SHAPE);
  return {
    id: id(row, file, line, TRAIN_SHAPE),
    contributor: address(row, file, line, TRAIN_SHAPE),
    x: vector(row, file, line, TRAIN_SHAPE),
    y: label(row, file, line, TRAIN_SHAPE),
  };
}

export function parseTestRow(value: unknown, file: string, line: number): TestRow {
  const row = object(value, file, line, TEST_SHAPE);
  return {
    id: id(row, file, line, TEST_SHAPE),
    x: vector(row, file, line, TEST_SHAPE),
    y: label(row, file, line, TEST_SHAPE),
  };
}

/** Every row's x has `dimension` entries (the first train row's, unless given). */
export function checkDimensions(rows: readonly Located<{ x: number[] }>[], file: string, dimension?: number): number {
  const d = dimension ?? rows[0]?.value.x.length ?? 0;
  for (const { line, value } of rows) {
    if (value.x.length !== d) {
      throw inputError(
        file,
        line,
        `dimension mismatch: "x" has ${value.x.length} numbers, expected ${d}`,
        "Every train and test row needs the same number of features.",
      );
    }
  }
  return d;
}
