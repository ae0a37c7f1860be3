// Counts test results from `hardhat test` output, for the `N passed, N failed` summary line.
//
// `hardhat test` runs the Solidity tests, then mocha, then prints a combined summary such as
// "366 passing (291 solidity, 75 mocha)" and "2 failing (1 solidity, 1 mocha)". The combined
// mocha figure is mocha's total minus its failures, so it also counts tests that never ran
// (pending ones, and those skipped because a `before` hook failed). So the Solidity figures come
// from the combined lines, and the mocha figures from mocha's own indented "N passing",
// "N failing" and "N pending" lines. A run of one runner alone prints only its own lines.

/** @param {string} output  @returns {{ passed: number, failed: number, skipped: number }} */
export function countResults(output) {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const sum = (re) => [...plain.matchAll(re)].reduce((acc, m) => acc + Number(m[1]), 0);
  const ownPassed = sum(/^ +(\d+) passing\b/gm);
  const ownFailed = sum(/^ +(\d+) failing\b/gm);
  const ownPending = sum(/^ +(\d+) pending\b/gm);
  const ownSkipped = sum(/^ +(\d+) skipped\b/gm);

  const part = (line, runner) => {
    const match = line === undefined ? null : new RegExp(`(\\d+) ${runner}\\b`).exec(line);
    return match === null ? 0 : Number(match[1]);
  };
  const combinedPassing = [...plain.matchAll(/^\d+ passing \((.*)\)$/gm)].pop()?.[1];
  if (combinedPassing === undefined) {
    return { passed: ownPassed, failed: ownFailed, skipped: ownPending + ownSkipped };
  }
  const combinedFailing = [...plain.matchAll(/^\d+ failing \((.*)\)$/gm)].pop()?.[1];
  const combinedSkipped = [...plain.matchAll(/^\d+ (?:skipped|pending) \((.*)\)$/gm)].pop()?.[1];
  return {
    passed: part(combinedPassing, "solidity") + ownPassed,
    failed: part(combinedFailing, "solidity") + ownFailed,
    skipped: part(combinedSkipped, "solidity") + ownPending + ownSkipped,
  };
}
