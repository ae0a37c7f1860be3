/** Dense symmetric positive definite solves (Cholesky), row-major Float64Array, no allocation in loops. */

/** In-place Cholesky factor of the d x d matrix `a` (lower triangle holds L; upper is ignored). */
export function cholesky(a: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j] as number;
    for (let k = 0; k < j; k++) s -= (a[j * d + k] as number) ** 2;
    if (!(s > 0)) throw new Error("matrix is not positive definite");
    const l = Math.sqrt(s);
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j] as number;
      for (let k = 0; k < j; k++) t -= (a[i * d + k] as number) * (a[j * d + k] as number);
      a[i * d + j] = t / l;
    }
  }
}

/** Solves L L^T x = b in place (b becomes x), with L from `cholesky`. */
export function choleskySolve(l: Float64Array, d: number, b: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * d + k] as number) * (b[k] as number);
    b[i] = s / (l[i * d + i] as number);
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < d; k++) s -= (l[k * d + i] as number) * (b[k] as number);
    b[i] = s / (l[i * d + i] as number);
  }
}
