import { expect } from "chai";

// @ts-expect-error plain JS module without type declarations
import { countResults } from "../../scripts/lib/count-results.mjs";

type Counts = { passed: number; failed: number; skipped: number };
const count = countResults as (output: string) => Counts;

describe("npm test summary counting (scripts/lib/count-results.mjs)", function () {
  it("takes Solidity from the combined line and mocha from its own lines", function () {
    const output = [
      "Running Solidity tests",
      "    ✔ test_a()",
      "Running Mocha tests",
      "  5 passing (569ms)",
      "  1 pending",
      "  1 failing",
      "",
      "36 passing (30 solidity, 6 mocha)",
      "2 failing (1 solidity, 1 mocha)",
    ].join("\n");
    expect(count(output)).to.deep.equal({ passed: 35, failed: 2, skipped: 1 });
  });

  it("does not count tests skipped by a failing before hook as passed", function () {
    // Mocha: 1 passing, 1 pending, 1 failing (the hook), 4 tests never ran; Hardhat's combined
    // mocha figure (total - failures) would say 5.
    const output = [
      "  1 passing (10ms)",
      "  1 pending",
      "  1 failing",
      "",
      "296 passing (291 solidity, 5 mocha)",
      "1 failing (0 solidity, 1 mocha)",
    ].join("\n");
    expect(count(output)).to.deep.equal({ passed: 292, failed: 1, skipped: 1 });
  });

  it("sums a single runner's own lines when there is no combined summary", function () {
    expect(count("  29 passing\n  2 failing\n")).to.deep.equal({ passed: 29, failed: 2, skipped: 0 });
  });

  it("ignores ANSI colours", function () {
    expect(count("\u001b[32m  3 passing\u001b[0m (5ms)\n")).to.deep.equal({ passed: 3, failed: 0, skipped: 0 });
  });
});
