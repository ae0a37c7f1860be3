import { PoaError } from "./errors.js";

/** The largest value a uint256 holds: every on-chain amount is at most this. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** Parses a positive decimal amount ("1.5") into base units with `decimals` (18). Pure. */
export function parseAmount(text: string, decimals = 18): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  const invalid = (message: string, action: string) =>
    new PoaError("INVALID_AMOUNT", message, { details: { value: text, decimals }, action });
  if (match === null)
    throw invalid(
      /^-/.test(text.trim()) ? `"${text}" is negative: amounts must be positive` : `"${text}" is not an amount`,
      "Write a positive decimal number of tokens, e.g. 100 or 0.5.",
    );
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > decimals)
    throw invalid(`"${text}" has more than ${decimals} decimals`, `Use at most ${decimals} digits after the point.`);
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (value === 0n) throw invalid("the amount must be greater than zero", "Pass a positive amount, e.g. 100.");
  if (value > MAX_UINT256)
    throw invalid(`"${text}" is more than a uint256 can hold`, "Pass an amount below 2^256 base units.");
  return value;
}

/** Formats base units as a decimal with up to `digits` fraction digits (trailing zeros trimmed). Pure. */
export function formatAmount(value: bigint, decimals = 18, digits = 6): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  const fraction = ((abs % unit) * 10n ** BigInt(digits)) / unit;
  const text =
    fraction === 0n
      ? whole.toLocaleString("en-US")
      : `${whole.toLocaleString("en-US")}.${fraction.toString().padStart(digits, "0").replace(/0+$/, "")}`;
  return negative ? `-${text}` : text;
}

/** Formats OPEN base units with 4 fraction digits at most ("2.375"). Pure. */
export function formatOpen(value: bigint): string {
  return formatAmount(value, 18, 4);
}
