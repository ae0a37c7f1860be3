/**
 * The model artifact container, format `poa-model` version 1. One file holds a model: a manifest
 * (what it was trained on, how, by which code) and its numeric sections, so that the keccak256 of
 * the file, the on-chain artifact hash, covers both.
 *
 * Layout (all integers little-endian):
 *
 *     offset 0   8 bytes  magic "POAMODEL"
 *     offset 8   u32      format version (1)
 *     offset 12  u32      header length H in bytes
 *     offset 16  H bytes  header: canonical JSON (UTF-8, no whitespace, sorted keys)
 *                         {"manifest": {...}, "sections": [{"name", "type", "offset", "length"}]}
 *     zero padding to a multiple of 8, then each section in header order at its `offset` (a
 *     multiple of 8, from the start of the file), `length` elements of `type`
 *     (u8 | u32 | f32 | f64), zero padding between sections.
 *
 * Determinism: the header is canonical JSON and the sections are written in a fixed order, so the
 * same manifest and arrays always give the same bytes. Loading is zero-copy: typed arrays are
 * views into the file's bytes when they are 8-byte aligned in memory (one copy otherwise).
 */
import { canonicalJson, type Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import { type Hex } from "../core/hash.js";
import { keccakHexFast } from "../merkle/index.js";

export const ARTIFACT_MAGIC = "POAMODEL";
export const ARTIFACT_VERSION = 1;

export type SectionType = "u8" | "u32" | "f32" | "f64";
export type SectionArray = Uint8Array | Uint32Array | Float32Array | Float64Array;

const BYTES: Record<SectionType, number> = { u8: 1, u32: 4, f32: 4, f64: 8 };

function typeOf(array: SectionArray): SectionType {
  if (array instanceof Uint8Array) return "u8";
  if (array instanceof Uint32Array) return "u32";
  if (array instanceof Float32Array) return "f32";
  return "f64";
}

const align8 = (n: number) => (n + 7) & ~7;

/** Serialises a manifest and named arrays (in the given order) into artifact bytes. */
export function encodeArtifact(manifest: Json, sections: readonly [string, SectionArray][]): Uint8Array {
  // Offsets depend on the header length, which depends on the offsets: iterate to a fixed point.
  let headerLength = 0;
  let table: { name: string; type: SectionType; offset: number; length: number }[] = [];
  let header = new Uint8Array(0);
  for (let round = 0; round < 10; round++) {
    let offset = align8(16 + headerLength);
    table = sections.map(([name, array]) => {
      const entry = { name, type: typeOf(array), offset, length: array.length };
      offset = align8(offset + array.byteLength);
      return entry;
    });
    header = new TextEncoder().encode(canonicalJson({ manifest, sections: table }, 0));
    if (header.length === headerLength) break;
    headerLength = header.length;
  }
  const last = table[table.length - 1];
  const total = last === undefined ? align8(16 + header.length) : align8(last.offset + last.length * BYTES[last.type]);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(ARTIFACT_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, ARTIFACT_VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  sections.forEach(([, array], i) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    out.set(bytes, table[i]!.offset);
  });
  return out;
}

export interface DecodedArtifact {
  manifest: Record<string, unknown>;
  sections: Map<string, SectionArray>;
  /** keccak256 of the bytes: the on-chain artifact hash. */
  hash: Hex;
  size: number;
}

function invalid(message: string, details: Record<string, unknown> = {}): PoaError {
  return new PoaError("ARTIFACT_INVALID", `not a valid model artifact: ${message}`, {
    details,
    action: "Load the artifact bytes the Model Factory wrote (check the CID and the on-chain artifact hash).",
  });
}

/** Reads only the manifest (cheap: no sections are touched). */
export function readManifest(bytes: Uint8Array): Record<string, unknown> {
  return parseHeader(bytes).manifest;
}

function parseHeader(bytes: Uint8Array): {
  manifest: Record<string, unknown>;
  sections: { name: string; type: SectionType; offset: number; length: number }[];
} {
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== ARTIFACT_MAGIC) {
    throw invalid("the file does not start with POAMODEL");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== ARTIFACT_VERSION) {
    throw invalid(`format version ${version}; this code reads version ${ARTIFACT_VERSION}`, { version });
  }
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) throw invalid("the header runs past the end of the file");
  let header: { manifest?: unknown; sections?: unknown };
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch (error) {
    throw invalid(`the header is not JSON (${(error as Error).message})`);
  }
  if (typeof header.manifest !== "object" || header.manifest === null || !Array.isArray(header.sections)) {
    throw invalid("the header lacks a manifest or a section table");
  }
  const sections = header.sections as { name: string; type: SectionType; offset: number; length: number }[];
  for (const s of sections) {
    const size = BYTES[s.type];
    if (
      size === undefined ||
      !Number.isInteger(s.offset) ||
      !Number.isInteger(s.length) ||
      s.offset % 8 !== 0 ||
      s.offset < 16 + headerLength ||
      s.offset + s.length * size > bytes.length
    ) {
      throw invalid(`section ${JSON.stringify(s.name)} lies outside the file or is malformed`, { section: s.name });
    }
  }
  return { manifest: header.manifest as Record<string, unknown>, sections };
}

/** Parses artifact bytes: manifest, sections (views when aligned), hash. */
export function decodeArtifact(bytes: Uint8Array): DecodedArtifact {
  const { manifest, sections: table } = parseHeader(bytes);
  const aligned = bytes.byteOffset % 8 === 0;
  const source = aligned ? bytes : bytes.slice();
  const sections = new Map<string, SectionArray>();
  for (const s of table) {
    const at = source.byteOffset + s.offset;
    const buffer = source.buffer;
    const array =
      s.type === "u8"
        ? new Uint8Array(buffer, at, s.length)
        : s.type === "u32"
          ? new Uint32Array(buffer, at, s.length)
          : s.type === "f32"
            ? new Float32Array(buffer, at, s.length)
            : new Float64Array(buffer, at, s.length);
    sections.set(s.name, array);
  }
  return { manifest, sections, hash: keccakHexFast(bytes), size: bytes.length };
}

/** The section `name` as the expected type, or an ARTIFACT_INVALID error. */
export function section<T extends SectionArray>(
  artifact: DecodedArtifact,
  name: string,
  type: new (...args: never[]) => T,
): T {
  const array = artifact.sections.get(name);
  if (!(array instanceof type)) throw invalid(`section ${JSON.stringify(name)} is missing or has the wrong type`);
  return array;
}
