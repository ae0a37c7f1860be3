/**
 * Weights to integer token amounts that sum exactly to a pool: the largest remainder method on
 * the exact rational values of the weights (each double is converted exactly, no rounding), with
 * a fixed tie-break: among equal remainders the smaller key (code-unit order, e.g. the lower-case
 * or checksummed address as given) gets the extra unit first. Zero weights get nothing.
 */
import { PoaError } from "../core/errors.js";
import { compareCodeUnits } from "../core/canonical-json.js";

/** The double x >= 0 as mantissa * 2^exponent, exactly. */
function exactDyadic(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

export function allocateLargestRemainder(weights: ReadonlyMap<string, number>, pool: bigint): Map<string, bigint> {
  if (pool < 0n)
    throw new PoaError("ATTRIBUTION_INPUT_INVALID", `the pool is negative (${pool})`, {
      action: "Give a pool of zero or more base units.",
    });
  const keys = [...weights.keys()].sort(compareCodeUnits);
  for (const k of keys) {
    const w = weights.get(k) as number;
    if (!Number.isFinite(w) || w < 0) {
      throw new PoaError("ATTRIBUTION_INPUT_INVALID", `weight of ${k} is ${w}`, {
        action: "Weights must be finite and non-negative.",
      });
    }
  }
  const parts = keys.map((k) => exactDyadic(weights.get(k) as number));
  // A loop, not Math.min(...spread): spreading 200,000 arguments overflows the call stack.
  let minExp = Infinity;
  for (const p of parts) if (p.exponent < minExp) minExp = p.exponent;
  const units = parts.map((p) => p.mantissa << BigInt(p.exponent - minExp));
  const total = units.reduce((a, b) => a + b, 0n);
  if (total === 0n)
    throw new PoaError("ATTRIBUTION_INPUT_INVALID", "every weight is zero: nothing to distribute", {
      action: "Check the attribution result.",
    });
  const amounts = units.map((u) => (pool * u) / total);
  const remainders = units.map((u) => (pool * u) % total);
  let left = pool - amounts.reduce((a, b) => a + b, 0n);
  const order = keys
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = remainders[a] as bigint;
      const rb = remainders[b] as bigint;
      if (ra !== rb) return ra > rb ? -1 : 1;
      return compareCodeUnits(keys[a] as string, keys[b] as string);
    });
  for (const i of order) {
    if (left === 0n) break;
    amounts[i] = (amounts[i] as bigint) + 1n;
    left--;
  }
  return new Map(keys.map((k, i) => [k, amounts[i] as bigint]));
}
