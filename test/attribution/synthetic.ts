import { Random, type TestRow, type TrainRow } from "../../src/attribution/index.js";

/**
 * A seeded synthetic logistic-regression problem: x ~ N(0, I_d), true weights ~ N(0, 4/d),
 * y ~ Bernoulli(sigmoid(x . w_true)). Contributors cycle through `contributors` addresses.
 */
export function syntheticDataset(
  seed: number,
  n: number,
  d: number,
  tests: number,
  contributors = 10,
): { train: TrainRow[]; test: TestRow[] } {
  const rng = new Random(seed);
  const w = Array.from({ length: d }, () => (2 * rng.normal()) / Math.sqrt(d));
  const row = () => {
    const x = Array.from({ length: d }, () => rng.normal());
    const z = x.reduce((s, v, k) => s + v * (w[k] as number), 0);
    const y: 0 | 1 = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    return { x, y };
  };
  const train = Array.from({ length: n }, (_, i) => ({
    id: `train-${i}`,
    contributor: `0x${((i % contributors) + 1).toString(16).padStart(40, "0")}`,
    ...row(),
  }));
  const test = Array.from({ length: tests }, (_, i) => ({ id: `test-${i}`, ...row() }));
  return { train, test };
}
