import { expect } from "chai";

import {
  attributeInfluence,
  dataset,
  influenceMatrix,
  leaveOneOut,
  spearman,
  train,
} from "../../src/attribution/index.js";
import { syntheticDataset } from "./synthetic.js";

/**
 * |actual - expected| <= delta. Not chai's closeTo: hardhat-ethers-chai-matchers (loaded when a
 * suite imports "hardhat" in the same run) replaces it with a BigInt version that rejects floats.
 */
function expectClose(actual: number | undefined, expected: number, delta: number): void {
  expect(actual).to.be.a("number");
  expect(Math.abs((actual as number) - expected) <= delta, `${actual} is not within ${delta} of ${expected}`).to.equal(
    true,
  );
}

describe("influence attribution (L2-regularised logistic regression)", function () {
  // Seeded synthetic dataset: n = 300 training rows, d = 20 features (+ intercept), 50 test rows,
  // lambda = 0.1, seed 7.
  const n = 300;
  const d = 20;
  const lambda = 0.1;
  const { train: trainRows, test: testRows } = syntheticDataset(7, n, d, 50);

  it("Newton's method reaches the optimum (gradient of the objective ~ 0)", function () {
    const data = dataset(trainRows);
    const model = train(data, lambda);
    const grad = new Float64Array(data.dim);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k < data.dim; k++) z += data.x[i * data.dim + k]! * model.w[k]!;
      const r = 1 / (1 + Math.exp(-z)) - data.y[i]!;
      for (let k = 0; k < data.dim; k++) grad[k]! += r * data.x[i * data.dim + k]!;
    }
    for (let k = 0; k < data.dim; k++) expect(Math.abs(grad[k]! + lambda * model.w[k]!)).to.be.lessThan(1e-9);
  });

  it("predicts leave-one-out retraining: Spearman >= 0.95 over all 300 rows (n=300, d=20, lambda=0.1)", function () {
    this.timeout(60_000);
    const trainData = dataset(trainRows);
    const testData = dataset(testRows);
    const model = train(trainData, lambda);
    const matrix = influenceMatrix(model, trainData, testData);
    const predicted = new Float64Array(n);
    for (const row of matrix) row.forEach((v, i) => (predicted[i]! += v));
    const rows = Array.from({ length: n }, (_, i) => i);
    const actual = leaveOneOut(trainData, testData, lambda, model, rows);
    expect(spearman(predicted, actual)).to.be.at.least(0.95);
  });

  it("still predicts leave-one-out with ill-conditioned features, where gradient dot products fail", function () {
    this.timeout(60_000);
    // Same sizes (n = 300, d = 20, 50 test rows, lambda = 0.1, seed 7), anisotropic features
    // (scales 0.1 to 10, neighbours mixed): the Hessian is far from a multiple of the identity.
    const { train: rowsA, test: testA } = syntheticDataset(7, n, d, 50, 10, true);
    const trainData = dataset(rowsA);
    const testData = dataset(testA);
    const model = train(trainData, lambda);
    const predicted = new Float64Array(n);
    for (const row of influenceMatrix(model, trainData, testData)) row.forEach((v, i) => (predicted[i]! += v));
    const actual = leaveOneOut(
      trainData,
      testData,
      lambda,
      model,
      Array.from({ length: n }, (_, i) => i),
    );
    // Gradient dot product g_test . g_i (no Hessian).
    const dim = trainData.dim;
    const residual = (data: typeof trainData, i: number) => {
      let z = 0;
      for (let k = 0; k < dim; k++) z += data.x[i * dim + k]! * model.w[k]!;
      return 1 / (1 + Math.exp(-z)) - data.y[i]!;
    };
    const gTest = new Float64Array(dim);
    for (let t = 0; t < testData.n; t++) {
      const r = residual(testData, t);
      for (let k = 0; k < dim; k++) gTest[k]! += r * testData.x[t * dim + k]!;
    }
    const dotProducts = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let k = 0; k < dim; k++) s += gTest[k]! * trainData.x[i * dim + k]!;
      return s * residual(trainData, i);
    });
    const rhoInfluence = spearman(predicted, actual);
    expect(rhoInfluence).to.be.at.least(0.95);
    expect(spearman(dotProducts, actual)).to.be.lessThan(rhoInfluence - 0.3);
  });

  it("reports negative influence but never credits it, and contributor shares sum to 1", function () {
    const result = attributeInfluence(trainRows, testRows, lambda);
    const negatives = result.scores.flatMap((s) => Array.from(s.influence)).filter((v) => v < 0);
    expect(negatives.length).to.be.greaterThan(0);
    let total = 0;
    for (const v of result.contributors.values()) {
      expect(v).to.be.at.least(0);
      total += v;
    }
    expectClose(total, 1, 1e-12);
    // A contributor whose only row contradicts the test row (same x, opposite label) hurts it:
    // the negative influence is reported and the contributor gets nothing.
    const bad = "0x" + "f".repeat(40);
    const probe = testRows[0]!;
    const flipped = { id: "bad", contributor: bad, x: probe.x, y: (1 - probe.y) as 0 | 1 };
    const withBad = attributeInfluence([...trainRows, flipped], [probe], lambda);
    expect(withBad.scores[0]!.influence[n]).to.be.lessThan(0);
    expect(withBad.contributors.has(bad)).to.equal(false);
    expect(withBad.contributors.size).to.be.greaterThan(0);
  });

  it("credits an exact duplicate row to the contributor of its first copy", function () {
    const copier = "0x" + "e".repeat(40);
    const copies = trainRows.slice(0, 30).map((r, i) => ({ ...r, id: `copy-${i}`, contributor: copier }));
    const result = attributeInfluence([...trainRows, ...copies], testRows, lambda);
    expect(result.contributors.has(copier)).to.equal(false);
  });
});
