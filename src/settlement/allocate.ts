/**
 * Exact integer splits of a pool. Every function here returns amounts that sum exactly to the
 * pool (or to nothing when every weight is zero), with a fixed tie-break, so identical inputs
 * give identical amounts on any machine.
 */
import { compareCodeUnits } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";

/**
 * Splits `pool` in proportion to integer weights with the largest remainder method: each key gets
 * floor(pool * w / W), and the units left over go one each to the largest remainders, ties to the
 * smaller key (code-unit order). Only keys that receive something appear in the result (weight
 * 0, or a share that rounds to nothing, gives no entry). Empty or all-zero weights: an empty map
 * (the caller decides where an unsplittable pool goes).
 */
export function splitProRata(weights: ReadonlyMap<string, bigint>, pool: bigint): Map<string, bigint> {
  if (pool < 0n)
    throw new PoaError("VALUE_OUT_OF_RANGE", `cannot split a negative pool (${pool})`, {
      details: { pool: pool.toString() },
    });
  const keys = [...weights.keys()].sort(compareCodeUnits);
  let total = 0n;
  for (const k of keys) {
    const w = weights.get(k)!;
    if (w < 0n)
      throw new PoaError("VALUE_OUT_OF_RANGE", `weight of ${k} is negative (${w})`, {
        details: { key: k, weight: w.toString() },
      });
    total += w;
  }
  const out = new Map<string, bigint>();
  if (total === 0n) return out;
  let given = 0n;
  const remainders: { key: string; remainder: bigint }[] = [];
  for (const k of keys) {
    const w = weights.get(k)!;
    if (w === 0n) continue;
    const exact = pool * w;
    const share = exact / total;
    out.set(k, share);
    given += share;
    remainders.push({ key: k, remainder: exact % total });
  }
  // Stable sort: equal remainders keep key order (the smaller key first).
  remainders.sort((a, b) => (a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1));
  for (let left = pool - given, i = 0; left > 0n; left--, i++) {
    const { key } = remainders[i]!;
    out.set(key, out.get(key)! + 1n);
  }
  for (const [key, amount] of out) if (amount === 0n) out.delete(key);
  return out;
}

/** Adds `amounts` into `into` (per key). */
export function addInto(into: Map<string, bigint>, amounts: ReadonlyMap<string, bigint>): void {
  for (const [k, v] of amounts) into.set(k, (into.get(k) ?? 0n) + v);
}

/** The sum of a map's values. */
export function sumOf(amounts: ReadonlyMap<string, bigint> | Iterable<bigint>): bigint {
  let total = 0n;
  for (const v of amounts instanceof Map ? amounts.values() : (amounts as Iterable<bigint>)) total += v;
  return total;
}

/**
 * A floating-point weight as an exact integer weight on a common scale: w * 2^scale rounded to
 * the nearest integer. Attribution weights are doubles; turning them into integers this way (with
 * a scale far below a double's precision, 2^40) makes the split exact and independent of the
 * order in which weights were summed.
 */
export function toIntegerWeight(weight: number, scale = 40): bigint {
  if (!Number.isFinite(weight) || weight < 0)
    throw new PoaError("VALUE_OUT_OF_RANGE", `attribution weight ${weight} is not a finite non-negative number`);
  return BigInt(Math.round(weight * 2 ** scale));
}
