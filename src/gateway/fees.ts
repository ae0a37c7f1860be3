/**
 * Fees as the FeeRouter computes them, and the terms in force at a chain time. Pure.
 *
 * fee = ceil((pricePerKInput * tokensIn + pricePerKOutput * tokensOut) / 1000), exactly
 * `FeeMath.feeUp` (contracts/fees/FeeMath.sol). The terms in force at time t are the scheduled
 * terms once `t >= scheduled.effectiveAt`, the current terms before: exactly the ModelRegistry's
 * `_effectiveTerms`, so a price change is honoured only from the moment the chain honours it
 * (after the notice delay), never when it is announced.
 */

/** A model's prices (OPEN wei per 1,000 tokens) and the time from which they apply (0: from registration). */
export interface Terms {
  pricePerKInput: bigint;
  pricePerKOutput: bigint;
  effectiveAt: bigint;
}

const TOKENS_PER_PRICE_UNIT = 1_000n;
const MAX_UINT64 = 2n ** 64n - 1n;

/** The FeeRouter's fee for one request (rounded up). */
export function feeUp(terms: Terms, tokensIn: number | bigint, tokensOut: number | bigint): bigint {
  const tin = BigInt(tokensIn);
  const tout = BigInt(tokensOut);
  if (tin < 0n || tout < 0n || tin > MAX_UINT64 || tout > MAX_UINT64)
    throw new RangeError("token counts must fit in a uint64");
  const amount = terms.pricePerKInput * tin + terms.pricePerKOutput * tout;
  return (amount + TOKENS_PER_PRICE_UNIT - 1n) / TOKENS_PER_PRICE_UNIT;
}

/**
 * The terms in force at chain time `now` (seconds), given the current terms and the scheduled
 * ones (undefined, or `effectiveAt` 0, when nothing is scheduled).
 */
export function termsAt(current: Terms, scheduled: Terms | undefined, now: bigint): Terms {
  if (scheduled !== undefined && scheduled.effectiveAt !== 0n && scheduled.effectiveAt <= now) return scheduled;
  return current;
}

/** The larger of two fees (bigint Math.max). */
export function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
