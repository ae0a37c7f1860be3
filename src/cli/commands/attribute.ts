import { canonicalJson } from "../../core/canonical-json.js";
import { prepareOutputFile, writeFileAtomic } from "../../core/fs.js";
import { defineCommand, usageError } from "../define.js";
import { progress, type Progress } from "../output.js";

const SPANS = { option: "method", values: ["spans"] } as const;
const INFLUENCE = { option: "method", values: ["influence"] } as const;

/** `poa attribute`: span or influence attribution, written as canonical JSON. */
export const attribute = defineCommand({
  name: "attribute",
  summary: "Attribute model outputs to data contributions (spans or influence)",
  description: `spans: finds, for each output, the maximal spans that occur in the corpus (one suffix-array
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
identical bytes. --pool (integer base units, at most 2^256 - 1) adds "payouts": the
contributors' shares as integers summing exactly to the pool (largest remainder, ties to the
smaller address). Options of the other method are refused, not ignored.`,
  options: {
    method: { type: "choice", choices: ["spans", "influence"], required: true, description: "the attribution engine" },
    out: { type: "path", required: true, placeholder: "<file.json>", description: "the result file" },
    corpus: { type: "path", placeholder: "<file.jsonl>", description: "corpus rows (or --index)", onlyWith: SPANS },
    index: {
      type: "path",
      placeholder: "<dir>",
      description: "an index from `poa index build` (or --corpus)",
      onlyWith: SPANS,
    },
    outputs: { type: "path", placeholder: "<file.jsonl>", description: "model outputs to attribute", onlyWith: SPANS },
    "min-span": { type: "integer", min: 1, default: 4, description: "shortest span, in tokens", onlyWith: SPANS },
    "max-count": {
      type: "integer",
      min: 1,
      default: 10,
      description: "a span occurring more often is common, not credited",
      onlyWith: SPANS,
    },
    value: {
      type: "choice",
      choices: ["length", "surprisal"],
      default: "length",
      description: "a span's value",
      onlyWith: SPANS,
    },
    train: { type: "path", placeholder: "<file.jsonl>", description: "training rows", onlyWith: INFLUENCE },
    test: { type: "path", placeholder: "<file.jsonl>", description: "test rows", onlyWith: INFLUENCE },
    lambda: {
      type: "number",
      min: Number.MIN_VALUE,
      default: 0.1,
      description: "L2 regularisation",
      onlyWith: INFLUENCE,
    },
    pool: { type: "units", description: "amount to split among the credited contributors, in base units" },
  },
  examples: [
    "npx poa attribute --method spans --corpus examples/attribution/corpus.jsonl --outputs examples/attribution/outputs.jsonl --out /tmp/spans.json --min-span 3",
    "npx poa attribute --method influence --train examples/attribution/train.jsonl --test examples/attribution/test.jsonl --out /tmp/influence.json --pool 1000000",
  ],
  async run(args) {
    const { runInfluenceAttribution, runSpanAttribution } = await import("../../attribution/index.js");
    prepareOutputFile(args.out, "the result file");
    let bar: Progress | undefined;
    const tick = (done: number, total: number) => {
      bar ??= progress(args.method === "spans" ? "attributing outputs" : "influence per test row", total);
      if (done === total) bar.done();
      else bar.tick();
    };
    const pool = args.pool === undefined ? {} : { pool: args.pool };
    let run;
    if (args.method === "spans") {
      if (args.outputs === undefined) throw usageError("--outputs is required with --method spans");
      if ((args.corpus === undefined) === (args.index === undefined))
        throw usageError("give exactly one of --corpus and --index with --method spans");
      run = await runSpanAttribution({
        ...(args.corpus === undefined ? {} : { corpus: args.corpus }),
        ...(args.index === undefined ? {} : { index: args.index }),
        outputs: args.outputs,
        minSpan: args.minSpan,
        maxCount: args.maxCount,
        value: args.value,
        ...pool,
        onOutput: tick,
      });
    } else {
      if (args.train === undefined || args.test === undefined)
        throw usageError("--train and --test are required with --method influence");
      run = await runInfluenceAttribution({
        train: args.train,
        test: args.test,
        lambda: args.lambda,
        ...pool,
        onTestRow: tick,
      });
    }
    bar?.done();
    writeFileAtomic(args.out, canonicalJson(run.result) + "\n");
    console.log(`wrote ${args.out} (${run.credited} contributors credited)`);
  },
});
