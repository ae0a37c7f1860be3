/**
 * Declared sizes against real bytes (issue 15, I-4). Pure: no I/O here.
 *
 * The DatanetRegistry's daily byte cap counts the `sizeBytes` a contributor declares in
 * `submit`: the chain never sees the bytes, so a contributor could declare 1 byte for 10 MB and
 * pass any cap. The check therefore happens off-chain, wherever the bytes are read against the
 * on-chain content hash: the Datanet commands (before a curator votes) and the settlement
 * (before attribution). `checkDeclaredSize` compares the two and says what to do:
 *
 * - `match`: nothing to do.
 * - `under-declared`: the contributor escaped part of the cap. Flag it: curators reject it while
 *   it is pending; once accepted, `penalize(contributionId, bps, SIZE_UNDER_DECLARED_REASON)`
 *   during its bond period, or `takeDown` after it (a penalty is no longer possible then).
 * - `over-declared`: a mismatch too (the bytes are not what was declared), but it only used more
 *   of the contributor's own cap: reported, never penalised.
 */
import { PoaError } from "../core/errors.js";
import { keccakText, type Hex } from "../core/hash.js";

/** How the declared size compares with the real one. */
export type SizeVerdict = "match" | "under-declared" | "over-declared";

/** The `reason` to pass to `penalize` (or `takeDown`) for an under-declared size. */
export const SIZE_UNDER_DECLARED_REASON: Hex = keccakText("datanet: declared size below the content's size");

/** The largest size the registry accepts (`uint32`: sizes and daily caps are 32-bit). */
export const MAX_DECLARED_SIZE = 2n ** 32n - 1n;

/** The verdict on one contribution's declared size. */
export interface DeclaredSizeCheck {
  /** The `sizeBytes` the chain counted. */
  readonly declared: bigint;
  /** The length of the content's bytes. */
  readonly actual: bigint;
  readonly verdict: SizeVerdict;
  /** Whether the two differ (either way). */
  readonly mismatch: boolean;
  /** Bytes the chain did not count against the cap (`actual - declared`), 0 unless under-declared. */
  readonly uncountedBytes: bigint;
  /** Whether to flag it for `penalize` (or `takeDown` after the bond): only an under-declaration. */
  readonly penalize: boolean;
  /** `SIZE_UNDER_DECLARED_REASON` when `penalize`, else undefined. */
  readonly reason: Hex | undefined;
}

function asSize(what: string, value: bigint | number): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new PoaError("INVALID_VALUE", `the ${what} size ${value} is not a whole number of bytes`, {
      details: { field: what, value: String(value) },
      action: "Pass a size in bytes as an integer or a bigint.",
    });
  }
  const size = BigInt(value);
  if (size < 0n) {
    throw new PoaError("VALUE_OUT_OF_RANGE", `the ${what} size ${size} is negative`, {
      details: { field: what, value: size.toString() },
      action: "Pass a size in bytes, zero or more.",
    });
  }
  return size;
}

/**
 * Compares the size a contribution declared on-chain (`getContribution(id).sizeBytes`, or the
 * `sizeBytes` of its `ContributionSubmitted` event) with its real bytes (the bytes themselves, or
 * their length). Throws a PoaError for a negative or fractional size, or a declared size the
 * registry could not have recorded (above `MAX_DECLARED_SIZE`).
 */
export function checkDeclaredSize(declared: bigint | number, bytes: Uint8Array | bigint | number): DeclaredSizeCheck {
  const d = asSize("declared", declared);
  if (d > MAX_DECLARED_SIZE) {
    throw new PoaError("VALUE_OUT_OF_RANGE", `a declared size of ${d} bytes is above the registry's maximum`, {
      details: { field: "declared", value: d.toString(), max: MAX_DECLARED_SIZE.toString() },
      action: "Pass the size the registry recorded for the contribution.",
    });
  }
  const actual = bytes instanceof Uint8Array ? BigInt(bytes.length) : asSize("actual", bytes);
  const verdict: SizeVerdict = actual === d ? "match" : actual > d ? "under-declared" : "over-declared";
  const penalize = verdict === "under-declared";
  return {
    declared: d,
    actual,
    verdict,
    mismatch: verdict !== "match",
    uncountedBytes: penalize ? actual - d : 0n,
    penalize,
    reason: penalize ? SIZE_UNDER_DECLARED_REASON : undefined,
  };
}
