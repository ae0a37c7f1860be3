import { expect } from "chai";

import { findNearCopies } from "../../src/attribution/near-copy.js";
import { loadWordnetGlosses } from "../../src/factory/datasets.js";

describe("near-copies (w-shingling against earlier contributions)", function () {
  const glosses = loadWordnetGlosses(["noun"]).map((d) => d.text);
  const original = glosses.slice(0, 40).join("\n");
  const other = glosses.slice(40, 80).join("\n");

  it("flags a lightly edited copy of an earlier contribution, naming its source", function () {
    const words = original.split(" ");
    for (let i = 0; i < words.length; i += 40) words[i] = words[i]!.toUpperCase(); // case does not hide a copy
    words.splice(10, 1, "entirely", "new", "words");
    const flags = findNearCopies([
      { id: "1", text: original },
      { id: "2", text: other },
      { id: "3", text: words.join(" ") },
    ]);
    expect(flags.map((f) => f.id)).to.deep.equal(["3"]);
    expect(flags[0]!.coverage).to.be.greaterThan(0.9);
    expect(flags[0]!.sources[0]).to.equal("1");
  });

  it("does not flag independent texts, the first copy, or a short quote of earlier data", function () {
    const quoting = `${glosses.slice(80, 120).join("\n")}\n${original.slice(0, 120)}`;
    expect(
      findNearCopies([
        { id: "1", text: original },
        { id: "2", text: other },
        { id: "3", text: quoting },
      ]),
    ).to.deep.equal([]);
    // Order matters: the earlier contribution is never the copy.
    expect(
      findNearCopies([
        { id: "1", text: original },
        { id: "2", text: original },
      ]).map((f) => f.id),
    ).to.deep.equal(["2"]);
  });
});
