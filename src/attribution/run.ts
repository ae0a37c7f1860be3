/**
 * The attribution runs behind `poa attribute`: read the inputs, attribute, and (given a pool)
 * turn the weights into integer payouts that sum exactly to the pool. Returns canonical JSON
 * (identical inputs give identical bytes). The first stage of a settlement, kept in the library
 * so that settlement and the command line share it.
 */
import { MAX_UINT256 } from "../core/amount.js";
import type { Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import { readRows } from "../core/jsonl.js";
import { buildIndex, loadIndex } from "./corpus-index.js";
import { attributeInfluence, influenceAttributionJson } from "./influence-attribution.js";
import { allocateLargestRemainder } from "./payout.js";
import { checkDimensions, parseCorpusRow, parseOutputRow, parseTestRow, parseTrainRow } from "./rows.js";
import { attributeSpans, spanAttributionJson } from "./span-attribution.js";

export interface AttributionRun {
  /** The canonical result (with "payouts" and "pool" when a pool was given). */
  result: { [key: string]: Json };
  /** How many contributors were credited. */
  credited: number;
}

/** Called once per output (spans) or test row (influence) attributed. */
export type OnItem = (done: number, total: number) => void;

function checkPool(pool: bigint | undefined): void {
  if (pool !== undefined && (pool < 0n || pool > MAX_UINT256))
    throw new PoaError("VALUE_OUT_OF_RANGE", `the pool ${pool} is not a uint256 amount`, {
      details: { pool: pool.toString() },
      action: "Give a pool between 0 and 2^256 - 1 base units.",
    });
}

function withPayouts(
  result: { [key: string]: Json },
  contributors: ReadonlyMap<string, number>,
  pool: bigint | undefined,
) {
  if (pool === undefined) return result;
  const amounts = contributors.size === 0 ? new Map<string, bigint>() : allocateLargestRemainder(contributors, pool);
  return {
    ...result,
    payouts: Object.fromEntries([...amounts].map(([a, v]) => [a, v.toString()])),
    pool: pool.toString(),
  };
}

export interface SpanRunOptions {
  /** A corpus JSON Lines file, or `index`: a folder written by saveIndex. */
  corpus?: string;
  index?: string;
  outputs: string;
  minSpan: number;
  maxCount: number;
  value: "length" | "surprisal";
  pool?: bigint;
  onOutput?: OnItem;
}

export async function runSpanAttribution(options: SpanRunOptions): Promise<AttributionRun> {
  checkPool(options.pool);
  if ((options.corpus === undefined) === (options.index === undefined))
    throw new PoaError("INVALID_VALUE", "give exactly one of a corpus file and an index folder", {
      details: { field: options.corpus === undefined ? "corpus" : "index" },
    });
  const index =
    options.index !== undefined
      ? loadIndex(options.index)
      : buildIndex(await readRows(options.corpus!, "corpus", parseCorpusRow));
  const outputs = (await readRows(options.outputs, "outputs file", parseOutputRow)).map((r) => r.value);
  let done = 0;
  const spanOptions = { minSpan: options.minSpan, maxCount: options.maxCount, value: options.value };
  const attribution = attributeSpans(index, outputs, {
    ...spanOptions,
    onOutput: () => options.onOutput?.(++done, outputs.length),
  });
  const result = spanAttributionJson(attribution, spanOptions) as { [key: string]: Json };
  return {
    result: withPayouts(result, attribution.contributors, options.pool),
    credited: attribution.contributors.size,
  };
}

export interface InfluenceRunOptions {
  train: string;
  test: string;
  lambda: number;
  pool?: bigint;
  onTestRow?: OnItem;
}

export async function runInfluenceAttribution(options: InfluenceRunOptions): Promise<AttributionRun> {
  checkPool(options.pool);
  if (!(options.lambda > 0) || !Number.isFinite(options.lambda))
    throw new PoaError("INVALID_VALUE", `lambda must be a positive number, got ${options.lambda}`, {
      details: { field: "lambda", value: options.lambda },
    });
  const trainRows = await readRows(options.train, "training set", parseTrainRow);
  const d = checkDimensions(trainRows, options.train);
  const testRows = await readRows(options.test, "test set", parseTestRow);
  checkDimensions(testRows, options.test, d);
  const train = trainRows.map((r) => r.value);
  let done = 0;
  const attribution = attributeInfluence(
    train,
    testRows.map((r) => r.value),
    options.lambda,
    () => options.onTestRow?.(++done, testRows.length),
  );
  const result = influenceAttributionJson(attribution, train) as { [key: string]: Json };
  return {
    result: withPayouts(result, attribution.contributors, options.pool),
    credited: attribution.contributors.size,
  };
}
