/**
 * Influence attribution for a model the project trains itself: L2-regularised logistic
 * regression, minimising  sum_i logloss(y_i, sigmoid(w . x_i)) + lambda/2 |w|^2  with an
 * intercept (a constant 1 appended to every x; it is regularised too, which keeps the problem
 * strictly convex). Training is Newton's method with a backtracking line search, to a step below
 * 1e-12.
 *
 * Exact influence (the Hessian is solved, not approximated): removing training row i moves the
 * optimum by about H^-1 g_i (H = the Hessian of the objective, g_i = the gradient of row i's
 * loss), so the test loss of row t changes by about
 *     influence(t, i) = g_t . H^-1 g_i ,
 * positive when row i helped (removing it would raise the test loss).
 */
import { cholesky, choleskySolve } from "./linalg.js";

export interface Dataset {
  /** Row-major n x dim features, with the intercept column already appended (dim = d + 1). */
  x: Float64Array;
  y: Float64Array;
  n: number;
  dim: number;
}

/** Appends the intercept column to rows of d numbers. */
export function dataset(rows: readonly { x: readonly number[]; y: number }[]): Dataset {
  const n = rows.length;
  const dim = (rows[0]?.x.length ?? 0) + 1;
  const x = new Float64Array(n * dim);
  const y = new Float64Array(n);
  rows.forEach((row, i) => {
    x.set(row.x, i * dim);
    x[i * dim + dim - 1] = 1;
    y[i] = row.y;
  });
  return { x, y, n, dim };
}

function dot(x: Float64Array, offset: number, w: Float64Array, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += (x[offset + k] as number) * (w[k] as number);
  return s;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Log loss of one row at weights w. */
export function rowLoss(data: Dataset, i: number, w: Float64Array): number {
  const z = dot(data.x, i * data.dim, w, data.dim);
  return softplus(z) - (data.y[i] as number) * z;
}

function objective(data: Dataset, w: Float64Array, lambda: number, skip: number): number {
  let f = 0;
  for (let i = 0; i < data.n; i++) if (i !== skip) f += rowLoss(data, i, w);
  let r = 0;
  for (let k = 0; k < data.dim; k++) r += (w[k] as number) ** 2;
  return f + (lambda / 2) * r;
}

/** Gradient and Hessian of the objective (optionally without row `skip`). */
function gradientHessian(
  data: Dataset,
  w: Float64Array,
  lambda: number,
  skip: number,
  grad: Float64Array,
  hess: Float64Array,
): void {
  const { x, y, n, dim } = data;
  for (let k = 0; k < dim; k++) grad[k] = lambda * (w[k] as number);
  hess.fill(0);
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    const o = i * dim;
    const p = sigmoid(dot(x, o, w, dim));
    const r = p - (y[i] as number);
    const s = p * (1 - p);
    for (let a = 0; a < dim; a++) {
      const xa = x[o + a] as number;
      grad[a] = (grad[a] as number) + r * xa;
      const sa = s * xa;
      const row = a * dim;
      for (let b = 0; b <= a; b++) hess[row + b] = (hess[row + b] as number) + sa * (x[o + b] as number);
    }
  }
  for (let a = 0; a < dim; a++) {
    hess[a * dim + a] = (hess[a * dim + a] as number) + lambda;
    for (let b = 0; b < a; b++) hess[b * dim + a] = hess[a * dim + b] as number;
  }
}

export interface Model {
  w: Float64Array;
  iterations: number;
  /** Cholesky factor of the Hessian at w (lower triangle). */
  hessianFactor: Float64Array;
}

/** Trains by Newton's method, from `start` (default zeros), leaving out row `skip` (default none). */
export function train(data: Dataset, lambda: number, options: { start?: Float64Array; skip?: number } = {}): Model {
  if (!(lambda > 0)) throw new Error("lambda must be positive");
  const dim = data.dim;
  const skip = options.skip ?? -1;
  const w = options.start ? Float64Array.from(options.start) : new Float64Array(dim);
  const grad = new Float64Array(dim);
  const hess = new Float64Array(dim * dim);
  const trial = new Float64Array(dim);
  let iterations = 0;
  for (; iterations < 100; iterations++) {
    gradientHessian(data, w, lambda, skip, grad, hess);
    if (!hess.every(Number.isFinite) || !grad.every(Number.isFinite)) {
      throw new Error("the gradient or Hessian overflowed (non-finite values)");
    }
    cholesky(hess, dim);
    const step = Float64Array.from(grad);
    choleskySolve(hess, dim, step);
    let maxStep = 0;
    let decrement = 0;
    for (let k = 0; k < dim; k++) {
      maxStep = Math.max(maxStep, Math.abs(step[k] as number));
      decrement += (step[k] as number) * (grad[k] as number);
    }
    if (maxStep < 1e-12) break;
    const f0 = objective(data, w, lambda, skip);
    let t = 1;
    for (let tries = 0; tries < 60; tries++, t /= 2) {
      for (let k = 0; k < dim; k++) trial[k] = (w[k] as number) - t * (step[k] as number);
      if (objective(data, trial, lambda, skip) <= f0 - 1e-4 * t * decrement) break;
    }
    w.set(trial);
    if (maxStep * t < 1e-12) break;
  }
  if (!w.every(Number.isFinite)) throw new Error("the weights diverged (non-finite values)");
  gradientHessian(data, w, lambda, skip, grad, hess);
  cholesky(hess, dim);
  return { w, iterations, hessianFactor: hess };
}

/**
 * influence[t][i] = g_t . H^-1 g_i for every test row t and training row i (one Cholesky solve
 * per test row, then one dot product per training row).
 */
export function influenceMatrix(
  model: Model,
  trainData: Dataset,
  testData: Dataset,
  onRow?: (t: number) => void,
): Float64Array[] {
  const dim = trainData.dim;
  const residual = new Float64Array(trainData.n);
  for (let i = 0; i < trainData.n; i++) {
    residual[i] = sigmoid(dot(trainData.x, i * dim, model.w, dim)) - (trainData.y[i] as number);
  }
  const out: Float64Array[] = [];
  for (let t = 0; t < testData.n; t++) {
    const o = t * dim;
    const rt = sigmoid(dot(testData.x, o, model.w, dim)) - (testData.y[t] as number);
    const v = new Float64Array(dim);
    for (let k = 0; k < dim; k++) v[k] = rt * (testData.x[o + k] as number);
    choleskySolve(model.hessianFactor, dim, v);
    const row = new Float64Array(trainData.n);
    for (let i = 0; i < trainData.n; i++) row[i] = (residual[i] as number) * dot(trainData.x, i * dim, v, dim);
    out.push(row);
    onRow?.(t + 1);
  }
  return out;
}

/** Total test loss of a model. */
export function testLoss(testData: Dataset, w: Float64Array): number {
  let s = 0;
  for (let t = 0; t < testData.n; t++) s += rowLoss(testData, t, w);
  return s;
}

/**
 * Leave-one-out check: for each training row in `rows`, retrain without it (warm start at the
 * full model, Newton to convergence) and measure the actual change of the total test loss.
 */
export function leaveOneOut(
  trainData: Dataset,
  testData: Dataset,
  lambda: number,
  model: Model,
  rows: readonly number[],
): Float64Array {
  const base = testLoss(testData, model.w);
  const out = new Float64Array(rows.length);
  rows.forEach((i, k) => {
    const loo = train(trainData, lambda, { start: model.w, skip: i });
    out[k] = testLoss(testData, loo.w) - base;
  });
  return out;
}
