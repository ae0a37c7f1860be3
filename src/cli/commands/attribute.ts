import { writeFileSync } from "node:fs";

import type { Json } from "../../core/canonical-json.js";
import { PoaError, UsageError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { progress } from "../progress.js";

function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `--${name} must be a positive integer (got ${String(value)})`,
      "Run `npx poa attribute --help`.",
    );
  }
  return n;
}

function need(value: unknown, name: string, method: string): string {
  if (typeof value !== "string") {
    throw new UsageError(`--${name} is required with --method ${method}`, "Run `npx poa attribute --help`.");
  }
  return value;
}

/** `poa attribute`: span or influence attribution, written as canonical JSON. */
export const attribute: Command = {
  name: "attribute",
  summary: "Attribute model outputs to data contributions (spans or influence)",
  help: `Usage:
  poa attribute --method spans (--corpus CORPUS.jsonl | --index DIR) --outputs OUTPUTS.jsonl --out RESULT.json
                [--min-span 4] [--max-count 10] [--value length|surprisal] [--pool AMOUNT]
  poa attribute --method influence --train TRAIN.jsonl --test TEST.jsonl --out RESULT.json
                [--lambda 0.1] [--pool AMOUNT]

spans: finds, for each output, the maximal spans that occur in the corpus (one suffix-array
  search per token start; a span is kept if it is not inside an earlier one, has at least
  --min-span tokens and occurs at most --max-count times). A span's value (its length in tokens,
  or its surprisal in bits under the corpus unigram model) is split equally among the distinct
  contributors whose documents contain it. Corpus rows: {"id", "contributor": "0x...", "text"};
  output rows: {"id", "text"}. --index reuses an index from \`poa index build\`.

influence: trains L2-regularised logistic regression on the train rows {"id", "contributor",
  "x": [numbers], "y": 0|1} and computes the exact influence of every train row on the loss of
  every test row {"id", "x", "y"} (positive = the row helped). Negative influence is reported,
  never credited.

The result is canonical JSON (sorted keys, 12 significant digits): identical inputs give
identical bytes. --pool AMOUNT (integer base units) adds "payouts": the contributors' shares as
integers summing exactly to AMOUNT (largest remainder, ties to the smaller address).

Example:
  npx poa attribute --method spans --corpus examples/attribution/corpus.jsonl \\
    --outputs examples/attribution/outputs.jsonl --out /tmp/spans.json --min-span 3
  npx poa attribute --method influence --train examples/attribution/train.jsonl \\
    --test examples/attribution/test.jsonl --out /tmp/influence.json --pool 1000000`,
  options: {
    method: { type: "string" },
    corpus: { type: "string" },
    index: { type: "string" },
    outputs: { type: "string" },
    train: { type: "string" },
    test: { type: "string" },
    out: { type: "string" },
    "min-span": { type: "string" },
    "max-count": { type: "string" },
    value: { type: "string" },
    lambda: { type: "string" },
    pool: { type: "string" },
  },
  async run({ values }) {
    const lib = await import("../../attribution/index.js");
    const out = values.out;
    if (typeof out !== "string") throw new UsageError("--out is required", "Run `npx poa attribute --help`.");
    let pool: bigint | undefined;
    if (values.pool !== undefined) {
      if (typeof values.pool !== "string" || !/^[0-9]+$/.test(values.pool)) {
        throw new UsageError(`--pool must be a non-negative integer (got ${String(values.pool)})`);
      }
      pool = BigInt(values.pool);
    }
    if (values.method === "spans" || values.method === "influence") lib.prepareOutputFile(out);
    let result: Record<string, unknown>;
    let contributors: Map<string, number>;
    if (values.method === "spans") {
      const outputsFile = need(values.outputs, "outputs", "spans");
      if ((values.corpus === undefined) === (values.index === undefined)) {
        throw new UsageError("give exactly one of --corpus and --index", "Run `npx poa attribute --help`.");
      }
      const value = values.value ?? "length";
      if (value !== "length" && value !== "surprisal") {
        throw new UsageError(`--value must be "length" or "surprisal" (got ${String(value)})`);
      }
      const options = {
        minSpan: positiveInt(values["min-span"], "min-span", 4),
        maxCount: positiveInt(values["max-count"], "max-count", 10),
        value: value as "length" | "surprisal",
      };
      let index;
      if (typeof values.index === "string") {
        index = lib.loadIndex(values.index);
      } else {
        const rows = await lib.readRows(need(values.corpus, "corpus", "spans"), "corpus", lib.parseCorpusRow);
        index = lib.buildIndex(rows);
      }
      const outputs = (await lib.readRows(outputsFile, "outputs file", lib.parseOutputRow)).map((r) => r.value);
      const bar = progress("attributing outputs", outputs.length);
      const attribution = lib.attributeSpans(index, outputs, { ...options, onOutput: () => bar.tick() });
      bar.done();
      result = lib.spanAttributionJson(attribution, options) as Record<string, unknown>;
      contributors = attribution.contributors;
    } else if (values.method === "influence") {
      const trainFile = need(values.train, "train", "influence");
      const testFile = need(values.test, "test", "influence");
      const lambda = values.lambda === undefined ? 0.1 : Number(values.lambda);
      if (!(lambda > 0) || !Number.isFinite(lambda)) {
        throw new UsageError(`--lambda must be a positive number (got ${String(values.lambda)})`);
      }
      const trainRows = await lib.readRows(trainFile, "training set", lib.parseTrainRow);
      const d = lib.checkDimensions(trainRows, trainFile);
      const testRows = await lib.readRows(testFile, "test set", lib.parseTestRow);
      lib.checkDimensions(testRows, testFile, d);
      const train = trainRows.map((r) => r.value);
      const bar = progress("influence per test row", testRows.length);
      const attribution = lib.attributeInfluence(
        train,
        testRows.map((r) => r.value),
        lambda,
        () => bar.tick(),
      );
      bar.done();
      result = lib.influenceAttributionJson(attribution, train) as Record<string, unknown>;
      contributors = attribution.contributors;
    } else {
      throw new UsageError(
        `--method must be "spans" or "influence" (got ${String(values.method)})`,
        "Run `npx poa attribute --help`.",
      );
    }
    if (pool !== undefined) {
      if (contributors.size === 0) {
        result.payouts = {};
      } else {
        const amounts = lib.allocateLargestRemainder(contributors, pool);
        result.payouts = Object.fromEntries([...amounts].map(([a, v]) => [a, v.toString()]));
      }
      result.pool = pool.toString();
    }
    try {
      writeFileSync(out, lib.canonicalJson(result as Json) + "\n");
    } catch (error) {
      throw new PoaError(
        `cannot write ${out}: ${(error as Error).message}`,
        "Check that the folder exists and is writable.",
      );
    }
    console.log(`wrote ${out} (${contributors.size} contributors credited)`);
  },
};
