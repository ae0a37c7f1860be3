/**
 * Test helpers: Datanet versions built from real documents, as a chain reader would hand them to
 * the factory (ids, content hashes, contributors, bytes, and the root the registry would post).
 */
import { isPoaError, type PoaError } from "../../src/core/errors.js";
import { keccakHex } from "../../src/core/hash.js";
import { rootOfMembers, type FetchedVersion } from "../../src/factory/index.js";

/** Ten fixed contributor addresses. */
export const CONTRIBUTORS = Array.from({ length: 10 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);

/** A published version whose contributions are `texts` (ids firstId, firstId + 1, ...). */
export function versionOf(datanetId: bigint, version: bigint, texts: readonly string[], firstId = 1n): FetchedVersion {
  const contributions = texts.map((text, i) => {
    const bytes = new TextEncoder().encode(text);
    return {
      id: firstId + BigInt(i),
      contentHash: keccakHex(bytes),
      contributor: CONTRIBUTORS[i % CONTRIBUTORS.length]!,
      bytes,
    };
  });
  return { datanetId, version, root: rootOfMembers(contributions), count: BigInt(contributions.length), contributions };
}

/** Runs `f`, expecting a PoaError with `code`; returns it. */
export function refused(code: string, f: () => unknown): PoaError {
  try {
    f();
  } catch (error) {
    if (isPoaError(error) && error.code === code) return error;
    throw error;
  }
  throw new Error(`expected a PoaError ${code}, nothing was thrown`);
}

/** Groups items into chunks of `size` joined by blank lines (one contribution per chunk). */
export function chunks(texts: readonly string[], size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i += size) out.push(texts.slice(i, i + size).join("\n\n"));
  return out;
}
