import { expect } from "chai";

import {
  classificationScores,
  loadIrisBinary,
  loadSpamAssassin,
  mailFeatureRows,
  majorityBaseline,
  readManifest,
  split,
  TabularModel,
  trainModel,
  verifyTrainingInputs,
  type LabelledRow,
} from "../../src/factory/index.js";
import { refused, versionOf } from "./fixtures.js";

const jsonl = (rows: readonly LabelledRow[]) => rows.map((r) => JSON.stringify({ x: r.x, y: r.y })).join("\n") + "\n";

/** Rows as contributions of `size` rows each (JSON Lines), in one published version. */
function tabularVersion(rows: readonly LabelledRow[], size: number) {
  const files: string[] = [];
  for (let i = 0; i < rows.length; i += size) files.push(jsonl(rows.slice(i, i + size)));
  return verifyTrainingInputs([versionOf(9n, 1n, files)]);
}

function heldOutScores(rows: readonly LabelledRow[], every: number, size: number) {
  const { train, heldOut } = split(rows, every);
  const trained = trainModel({ kind: "tabular", versions: tabularVersion(train, size), options: { lambda: 1 } });
  const model = trained.model as TabularModel;
  const labels = heldOut.map((r) => r.y);
  return {
    trained,
    model: classificationScores(model.predict(heldOut.map((r) => r.x)), labels),
    majority: majorityBaseline(
      train.map((r) => r.y),
      labels,
    ),
  };
}

describe("tabular models (L2 logistic regression) on real data", function () {
  this.timeout(60_000);

  it("Iris (versicolor vs virginica): held-out accuracy and log-loss beat the majority class", function () {
    const { model, majority, trained } = heldOutScores(loadIrisBinary(), 5, 10);
    expect(model.accuracy).to.be.greaterThan(majority.accuracy);
    expect(model.accuracy).to.be.at.least(0.85);
    expect(model.logLoss).to.be.lessThan(majority.logLoss);
    expect(readManifest(trained.bytes)).to.deep.include({ kind: "tabular", attribution: "influence" });
  });

  it("SpamAssassin features (spam vs ham): held-out accuracy and log-loss beat the majority class", function () {
    const { model, majority } = heldOutScores(mailFeatureRows(loadSpamAssassin()), 10, 500);
    expect(model.accuracy).to.be.greaterThan(majority.accuracy + 0.1);
    expect(model.logLoss).to.be.lessThan(majority.logLoss);
  });

  it("are byte-identical when trained twice", function () {
    const rows = loadIrisBinary();
    const a = trainModel({ kind: "tabular", versions: tabularVersion(rows, 25) });
    const b = trainModel({ kind: "tabular", versions: tabularVersion(rows, 25) });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).to.equal(true);
  });

  it("refuse a row with the wrong dimension or label, or malformed, naming contribution and line", function () {
    const good = jsonl([
      { x: [1, 2], y: 0 },
      { x: [2, 1], y: 1 },
    ]);
    const cases: [string, string][] = [
      ['{"x": [1, 2], "y": 1}\n{"x": [1, 2, 3], "y": 0}\n', "line 2: dimension mismatch"],
      ['{"x": [1, 2], "y": 2}\n', 'line 1: field "y" must be 0 or 1'],
      ['{"x": [1, 2], "y": 1}\n\n{"x": [1, 2], "y": 1', "line 3: malformed JSON"],
      ['{"x": [1, "a"], "y": 1}\n', 'line 1: field "x" must be a non-empty array of finite numbers'],
      ['{"x": [3], "y": 1}\n', "line 1: dimension mismatch"],
    ];
    for (const [bad, reason] of cases) {
      const versions = verifyTrainingInputs([versionOf(9n, 1n, [good, bad])]);
      const error = refused("TRAINING_ROW_INVALID", () => trainModel({ kind: "tabular", versions }));
      expect(error.message).to.contain(`contribution 2 of Datanet 9 version 1, ${reason}`);
      expect(error.details).to.include({ source: "contribution 2 of Datanet 9 version 1" });
    }
  });

  it("predict refuses a row of the wrong dimension; lambda must be positive", function () {
    const trained = trainModel({ kind: "tabular", versions: tabularVersion(loadIrisBinary(), 50) });
    const model = trained.model as TabularModel;
    expect(model.predict([[6, 3, 5, 2]])[0]).to.be.within(0, 1);
    refused("INVALID_VALUE", () => model.predict([[6, 3, 5]]));
    refused("INVALID_VALUE", () =>
      trainModel({ kind: "tabular", versions: tabularVersion(loadIrisBinary(), 50), options: { lambda: 0 } }),
    );
  });
});
