/**
 * Influence attribution of a test set to training rows and their contributors. Per test row,
 * the positive influences are normalised to sum 1 (negative influence is reported, never
 * credited); a contributor's share is the mean over test rows of their rows' normalised
 * influence. An exact duplicate training row (same x and y as an earlier row) is credited to the
 * contributor of the first copy.
 */
import { PoaError } from "../core/errors.js";
import type { Json } from "../core/canonical-json.js";
import { compareCodeUnits } from "../core/canonical-json.js";
import { dataset, influenceMatrix, train } from "./influence.js";
import type { TestRow, TrainRow } from "./rows.js";

export interface InfluenceAttribution {
  lambda: number;
  iterations: number;
  /** Per test row: influence of every training row (by train row order). */
  scores: { test: string; influence: Float64Array }[];
  contributors: Map<string, number>;
}

export function attributeInfluence(
  trainRows: readonly TrainRow[],
  testRows: readonly TestRow[],
  lambda: number,
  onTestRow?: (done: number, total: number) => void,
): InfluenceAttribution {
  const trainData = dataset(trainRows);
  const testData = dataset(testRows);
  let model;
  try {
    model = train(trainData, lambda);
  } catch (error) {
    throw new PoaError("ATTRIBUTION_INPUT_INVALID", `training failed: ${(error as Error).message}`, {
      action: "Scale the features (e.g. to unit variance) or raise lambda.",
    });
  }
  const matrix = influenceMatrix(model, trainData, testData, (t) => onTestRow?.(t, testRows.length));
  // Credit owner of each row: the contributor of the first row with the same x and y.
  const firstOwner = new Map<string, string>();
  const owner = trainRows.map((row) => {
    const key = JSON.stringify([row.x, row.y]);
    const first = firstOwner.get(key);
    if (first !== undefined) return first;
    firstOwner.set(key, row.contributor);
    return row.contributor;
  });
  const sums = new Map<string, number>();
  let credited = 0;
  for (const row of matrix) {
    let positive = 0;
    for (const v of row) if (v > 0) positive += v;
    if (positive <= 0) continue;
    credited++;
    const perTest = new Map<string, number>();
    row.forEach((v, i) => {
      if (v > 0) perTest.set(owner[i] as string, (perTest.get(owner[i] as string) ?? 0) + v / positive);
    });
    for (const a of [...perTest.keys()].sort(compareCodeUnits))
      sums.set(a, (sums.get(a) ?? 0) + (perTest.get(a) as number));
  }
  const contributors = new Map<string, number>();
  for (const a of [...sums.keys()].sort(compareCodeUnits)) contributors.set(a, (sums.get(a) as number) / credited);
  return {
    lambda,
    iterations: model.iterations,
    scores: testRows.map((t, k) => ({ test: t.id, influence: matrix[k] as Float64Array })),
    contributors,
  };
}

export function influenceAttributionJson(result: InfluenceAttribution, trainRows: readonly TrainRow[]): Json {
  return {
    method: "influence",
    lambda: result.lambda,
    scores: result.scores.map((s) => ({
      test: s.test,
      influence: Object.fromEntries(trainRows.map((r, i) => [r.id, s.influence[i] as number])),
    })),
    contributors: Object.fromEntries(result.contributors),
  };
}
