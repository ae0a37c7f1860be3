import { Random, type TestRow, type TrainRow } from "../../src/attribution/index.js";

/**
 * A seeded synthetic logistic-regression problem: true weights ~ N(0, 4/d), y ~
 * Bernoulli(sigmoid(x . w_true)); contributors cycle through `contributors` addresses.
 * Features: x ~ N(0, I_d), or with `anisotropic`, feature k scaled by 10^(2k/(d-1) - 1) (0.1 to
 * 10) and mixed with its neighbour (x_k += 0.9 x_(k-1)), so the Hessian is far from a multiple of
 * the identity and ignoring it (gradient dot products) ranks rows poorly.
 */
export function syntheticDataset(
  seed: number,
  n: number,
  d: number,
  tests: number,
  contributors = 10,
  anisotropic = false,
): { train: TrainRow[]; test: TestRow[] } {
  const rng = new Random(seed);
  const scale = Array.from({ length: d }, (_, k) => (anisotropic ? 10 ** ((2 * k) / Math.max(1, d - 1) - 1) : 1));
  const w = Array.from({ length: d }, (_, k) => (2 * rng.normal()) / Math.sqrt(d) / (scale[k] as number));
  const row = () => {
    const x = Array.from({ length: d }, (_, k) => rng.normal() * (scale[k] as number));
    if (anisotropic) for (let k = 1; k < d; k++) x[k] = (x[k] as number) + 0.9 * (x[k - 1] as number);
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
