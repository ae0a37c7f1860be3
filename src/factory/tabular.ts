/**
 * Tabular models: L2-regularised logistic regression, the model the influence engine attributes
 * exactly (src/attribution/influence.ts trains it: Newton's method to a step below 1e-12).
 *
 * Row format of a tabular contribution: UTF-8 JSON Lines, one row per line,
 * `{"x": [finite numbers], "y": 0 or 1}` (other fields are ignored; blank lines and a leading byte
 * order mark are skipped). Every row of every contribution trained together has the same number
 * of features.
 *
 * Features are standardised with the training rows' mean and standard deviation (population;
 * a constant feature gets scale 1) before training, because the L2 penalty is only fair across
 * features of one scale; the artifact stores the mean and scale, and `predict` applies them. The
 * model: p(y = 1 | x) = sigmoid(w . [(x - mean) / scale, 1]) minimising
 * sum_i logloss_i + lambda/2 |w|^2 (the intercept is regularised too, as in influence.ts).
 */
import { dataset, train } from "../attribution/influence.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import type { SectionArray } from "./artifact.js";

export interface Row {
  readonly x: readonly number[];
  readonly y: 0 | 1;
}

/** A row with where it came from, for error messages and manifests. */
export interface SourcedRow extends Row {
  readonly source: string;
  readonly line: number;
}

function rowError(source: string, line: number, reason: string, action: string): PoaError {
  return new PoaError("TRAINING_ROW_INVALID", `${source}, line ${line}: ${reason}`, {
    details: { source, line, reason },
    action,
  });
}

const SHAPE = 'Each line must be a JSON object like {"x": [1.5, 0.2], "y": 1}.';

/**
 * Parses the rows of one tabular contribution. `source` names it in errors (e.g. "contribution 4
 * of Datanet 2"); `dimension`, when given, is the number of features every row must have.
 */
export function parseRows(text: string, source: string, dimension?: number): SourcedRow[] {
  const rows: SourcedRow[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let dim = dimension;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw rowError(source, line, `malformed JSON (${(error as Error).message})`, SHAPE);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw rowError(source, line, "expected a JSON object", SHAPE);
    const row = value as Record<string, unknown>;
    const x = row.x;
    if (!Array.isArray(x) || x.length === 0 || !x.every((e) => typeof e === "number" && Number.isFinite(e))) {
      throw rowError(source, line, 'field "x" must be a non-empty array of finite numbers', SHAPE);
    }
    if (dim !== undefined && x.length !== dim) {
      throw rowError(
        source,
        line,
        `dimension mismatch: "x" has ${x.length} numbers, expected ${dim}`,
        "Every row of the Datanet versions trained together needs the same features.",
      );
    }
    dim = x.length;
    const y = row.y;
    if (y !== 0 && y !== 1) {
      throw rowError(
        source,
        line,
        `field "y" must be 0 or 1 (got ${JSON.stringify(y) ?? "nothing"})`,
        "Labels are binary: 0 or 1.",
      );
    }
    rows.push({ x: x as number[], y, source, line });
  });
  return rows;
}

export interface TabularTrainOptions {
  /** L2 penalty (> 0). Default 1. */
  lambda?: number;
}

export const DEFAULT_TABULAR_LAMBDA = 1;

export interface TrainedTabular {
  model: TabularModel;
  sections: [string, SectionArray][];
  stats: { rows: number; features: number; iterations: number; positives: number };
}

/** Trains on rows (in the given order; callers sort them). */
export function trainTabular(rows: readonly Row[], options: TabularTrainOptions = {}): TrainedTabular {
  const lambda = options.lambda ?? DEFAULT_TABULAR_LAMBDA;
  if (!(lambda > 0) || !Number.isFinite(lambda)) {
    throw new PoaError("INVALID_VALUE", `lambda must be a positive number (got ${lambda})`, { details: { lambda } });
  }
  if (rows.length === 0) {
    throw new PoaError("TRAINING_INPUT_INVALID", "no tabular rows to train on", {
      action: "Train on versions whose contributions hold rows.",
    });
  }
  const d = rows[0]!.x.length;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const r of rows) for (let k = 0; k < d; k++) mean[k]! += r.x[k]!;
  for (let k = 0; k < d; k++) mean[k]! /= rows.length;
  for (const r of rows) for (let k = 0; k < d; k++) scale[k]! += (r.x[k]! - mean[k]!) ** 2;
  for (let k = 0; k < d; k++) {
    const sd = Math.sqrt(scale[k]! / rows.length);
    scale[k] = sd > 1e-12 ? sd : 1;
  }
  const standardised = rows.map((r) => ({ x: r.x.map((v, k) => (v - mean[k]!) / scale[k]!), y: r.y }));
  const fitted = train(dataset(standardised), lambda);
  const weights = Float64Array.from(fitted.w);
  const model = new TabularModel(mean, scale, weights, "0x", {});
  return {
    model,
    sections: [
      ["mean", mean],
      ["scale", scale],
      ["weights", weights],
    ],
    stats: {
      rows: rows.length,
      features: d,
      iterations: fitted.iterations,
      positives: rows.filter((r) => r.y === 1).length,
    },
  };
}

export class TabularModel {
  readonly kind = "tabular" as const;
  readonly memoryBytes: number;
  constructor(
    readonly mean: Float64Array,
    readonly scale: Float64Array,
    /** Weights over the standardised features, then the intercept. */
    readonly weights: Float64Array,
    readonly artifactHash: Hex,
    readonly manifest: Record<string, unknown>,
  ) {
    this.memoryBytes = mean.byteLength + scale.byteLength + weights.byteLength;
  }

  get features(): number {
    return this.mean.length;
  }

  /** p(y = 1 | x) for each row; refuses a row of the wrong dimension or with a non-finite value. */
  predict(rows: readonly (readonly number[])[]): number[] {
    const d = this.features;
    return rows.map((x, i) => {
      if (!Array.isArray(x) || x.length !== d || !x.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new PoaError(
          "INVALID_VALUE",
          `row ${i}: expected ${d} finite numbers, got ${Array.isArray(x) ? x.length : typeof x}`,
          {
            details: { row: i, expected: d },
            action: `Send each row as an array of ${d} numbers, in the order the model was trained on.`,
          },
        );
      }
      let z = this.weights[d]!;
      for (let k = 0; k < d; k++) z += this.weights[k]! * ((x[k]! - this.mean[k]!) / this.scale[k]!);
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    });
  }
}

/** Accuracy (threshold 0.5) and mean log-loss of predicted probabilities against labels. */
export function classificationScores(
  probabilities: readonly number[],
  labels: readonly (0 | 1)[],
): { accuracy: number; logLoss: number } {
  let correct = 0;
  let loss = 0;
  probabilities.forEach((p, i) => {
    const y = labels[i]!;
    if ((p >= 0.5 ? 1 : 0) === y) correct++;
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
    loss -= y === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return { accuracy: correct / labels.length, logLoss: loss / labels.length };
}

/** The majority-class baseline: predicts the training positive rate for every row. */
export function majorityBaseline(
  trainLabels: readonly (0 | 1)[],
  testLabels: readonly (0 | 1)[],
): { accuracy: number; logLoss: number; rate: number } {
  const rate = trainLabels.filter((y) => y === 1).length / trainLabels.length;
  const scores = classificationScores(
    testLabels.map(() => rate),
    testLabels,
  );
  // Accuracy of always answering the majority class (a rate of exactly 0.5 answers 1).
  return { ...scores, rate };
}
